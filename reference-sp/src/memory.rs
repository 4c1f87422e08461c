//! What the SP remembers between requests, bounded: each entry is forgotten once its
//! deadline has passed, and past a count the oldest go first, so a long fuzz or load run
//! does not grow the SP without end.

use std::collections::{HashMap, VecDeque};
use time::OffsetDateTime;

/// Entries by key, each until its deadline, at most `cap` of them (the oldest forgotten
/// first). Forgetting happens as entries are added, from the oldest, so it costs nothing
/// per request beyond what it frees.
pub(crate) struct Bounded<V> {
    by_key: HashMap<String, Entry<V>>,
    /// Keys in the order they were added, with the stamp of that addition (a key removed or
    /// added again leaves a stale stamp here, skipped when reached).
    order: VecDeque<(u64, String)>,
    next_stamp: u64,
    cap: usize,
}

struct Entry<V> {
    value: V,
    until: OffsetDateTime,
    stamp: u64,
}

impl<V> Bounded<V> {
    /// An empty memory holding at most `cap` entries.
    pub(crate) fn new(cap: usize) -> Self {
        Bounded {
            by_key: HashMap::new(),
            order: VecDeque::new(),
            next_stamp: 0,
            cap: cap.max(1),
        }
    }

    /// Remembers `value` under `key` until `until`; entries whose deadline is past at `now`
    /// are forgotten oldest first, then the oldest beyond the cap.
    pub(crate) fn insert(
        &mut self,
        key: String,
        value: V,
        until: OffsetDateTime,
        now: OffsetDateTime,
    ) {
        let stamp = self.next_stamp;
        self.next_stamp += 1;
        self.by_key.insert(
            key.clone(),
            Entry {
                value,
                until,
                stamp,
            },
        );
        self.order.push_back((stamp, key));
        while let Some((stamp, key)) = self.order.front() {
            let live = self.by_key.get(key).filter(|e| e.stamp == *stamp);
            let needed = live.is_some_and(|e| now < e.until && self.by_key.len() <= self.cap);
            if needed {
                break;
            }
            let was_live = live.is_some();
            if let Some((_, key)) = self.order.pop_front() {
                if was_live {
                    self.by_key.remove(&key);
                }
            }
        }
        // Removals leave stale stamps behind the oldest live entry; keep them few.
        if self.order.len() > 2 * self.by_key.len() + 64 {
            let by_key = &self.by_key;
            self.order
                .retain(|(stamp, key)| by_key.get(key).is_some_and(|e| e.stamp == *stamp));
        }
    }

    /// The value under `key`, unless its deadline has passed at `now`.
    pub(crate) fn get(&self, key: &str, now: OffsetDateTime) -> Option<&V> {
        self.by_key
            .get(key)
            .filter(|e| now < e.until)
            .map(|e| &e.value)
    }

    /// Forgets `key`, returning what was remembered under it.
    pub(crate) fn remove(&mut self, key: &str) -> Option<V> {
        self.by_key.remove(key).map(|e| e.value)
    }

    /// Keeps only the entries `keep` says yes to.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&V) -> bool) {
        self.by_key.retain(|_, e| keep(&e.value));
    }

    /// Forgets everything.
    pub(crate) fn clear(&mut self) {
        self.by_key.clear();
        self.order.clear();
    }

    /// How many entries are remembered (deadlines not checked).
    pub(crate) fn len(&self) -> usize {
        self.by_key.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    const T0: OffsetDateTime = OffsetDateTime::UNIX_EPOCH;

    fn at(minutes: i64) -> OffsetDateTime {
        T0 + Duration::minutes(minutes)
    }

    #[test]
    fn an_entry_is_kept_until_its_deadline_and_forgotten_after() {
        let mut m = Bounded::new(10);
        m.insert("a".into(), 1, at(60), at(0));
        assert_eq!(m.get("a", at(59)), Some(&1));
        assert_eq!(m.get("a", at(60)), None, "past its deadline");
        m.insert("b".into(), 2, at(200), at(61));
        assert_eq!(
            m.len(),
            1,
            "the expired one is forgotten when another comes"
        );
    }

    #[test]
    fn past_the_cap_the_oldest_go_first() {
        let mut m = Bounded::new(3);
        for (i, key) in ["a", "b", "c", "d"].into_iter().enumerate() {
            m.insert(key.into(), i, at(1000), at(0));
        }
        assert_eq!(m.len(), 3);
        assert_eq!(m.get("a", at(0)), None);
        assert_eq!(m.get("d", at(0)), Some(&3));
    }

    #[test]
    fn a_key_added_again_lives_by_its_new_deadline() {
        let mut m = Bounded::new(10);
        m.insert("a".into(), 1, at(10), at(0));
        m.insert("a".into(), 2, at(100), at(1));
        m.insert("b".into(), 3, at(100), at(50));
        assert_eq!(
            m.get("a", at(50)),
            Some(&2),
            "the stale stamp does not forget it"
        );
    }

    #[test]
    fn removed_and_retained_entries_leave_no_unbounded_trail() {
        let mut m = Bounded::new(1_000_000);
        for i in 0..10_000 {
            m.insert(format!("k{i}"), i, at(1000), at(0));
            m.remove(&format!("k{i}"));
        }
        assert_eq!(m.len(), 0);
        assert!(m.order.len() <= 64 + 1, "{} stale stamps", m.order.len());
        m.insert("x".into(), 1, at(1000), at(0));
        m.retain(|v| *v != 1);
        assert_eq!(m.len(), 0);
    }
}
