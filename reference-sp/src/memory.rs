//! What the SP remembers between requests, bounded: an entry is never returned after its
//! deadline and is dropped at the next insertion after it, and past a count the soonest to
//! expire go first, so a long fuzz or load run does not grow the SP without end.

use std::collections::{BTreeMap, HashMap};
use time::OffsetDateTime;

/// Entries by key, each until its deadline, at most `cap` of them.
pub(crate) struct Bounded<V> {
    by_key: HashMap<String, Entry<V>>,
    /// Every entry's key by (deadline, stamp of its insertion): the next to expire first.
    by_deadline: BTreeMap<(OffsetDateTime, u64), String>,
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
            by_deadline: BTreeMap::new(),
            next_stamp: 0,
            cap: cap.max(1),
        }
    }

    /// Remembers `value` under `key` until `until` (replacing what was there); then drops
    /// every entry whose deadline is past at `now`, and the soonest to expire beyond the cap.
    pub(crate) fn insert(
        &mut self,
        key: String,
        value: V,
        until: OffsetDateTime,
        now: OffsetDateTime,
    ) {
        self.remove(&key);
        let stamp = self.next_stamp;
        self.next_stamp += 1;
        self.by_deadline.insert((until, stamp), key.clone());
        self.by_key.insert(
            key,
            Entry {
                value,
                until,
                stamp,
            },
        );
        while let Some(entry) = self.by_deadline.first_entry() {
            if entry.key().0 > now && self.by_key.len() <= self.cap {
                break;
            }
            let key = entry.remove();
            self.by_key.remove(&key);
        }
    }

    /// The value under `key`, unless its deadline has passed at `now`.
    pub(crate) fn get(&self, key: &str, now: OffsetDateTime) -> Option<&V> {
        self.by_key
            .get(key)
            .filter(|e| now < e.until)
            .map(|e| &e.value)
    }

    /// Forgets `key`, returning what was remembered under it (even past its deadline).
    pub(crate) fn remove(&mut self, key: &str) -> Option<V> {
        let entry = self.by_key.remove(key)?;
        self.by_deadline.remove(&(entry.until, entry.stamp));
        Some(entry.value)
    }

    /// Forgets `key`, returning what was remembered under it unless its deadline has passed
    /// at `now`.
    pub(crate) fn take(&mut self, key: &str, now: OffsetDateTime) -> Option<V> {
        let live = self.get(key, now).is_some();
        self.remove(key).filter(|_| live)
    }

    /// Keeps only the entries `keep` says yes to.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&V) -> bool) {
        let by_deadline = &mut self.by_deadline;
        self.by_key.retain(|_, e| {
            let kept = keep(&e.value);
            if !kept {
                by_deadline.remove(&(e.until, e.stamp));
            }
            kept
        });
    }

    /// Forgets everything.
    pub(crate) fn clear(&mut self) {
        self.by_key.clear();
        self.by_deadline.clear();
    }

    /// How many entries are held (deadlines not checked).
    pub(crate) fn len(&self) -> usize {
        self.by_key.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    fn at(minutes: i64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + Duration::minutes(minutes)
    }

    #[test]
    fn an_entry_is_kept_until_its_deadline_and_dropped_after() {
        let mut m = Bounded::new(10);
        m.insert("a".into(), 1, at(60), at(0));
        assert_eq!(m.get("a", at(59)), Some(&1));
        assert_eq!(m.get("a", at(60)), None, "past its deadline");
        m.insert("b".into(), 2, at(200), at(61));
        assert_eq!(m.len(), 1, "the expired one is dropped when another comes");
    }

    #[test]
    fn past_the_cap_the_soonest_to_expire_go_first() {
        let mut m = Bounded::new(3);
        for (i, key) in ["a", "b", "c", "d"].into_iter().enumerate() {
            m.insert(key.into(), i, at(1000 + i as i64), at(0));
        }
        assert_eq!(m.len(), 3);
        assert_eq!(m.get("a", at(0)), None);
        assert_eq!(m.get("d", at(0)), Some(&3));
    }

    #[test]
    fn a_long_lived_entry_does_not_keep_later_expired_ones() {
        let mut m = Bounded::new(usize::MAX);
        m.insert("forever".into(), 0, at(1_000_000), at(0));
        for i in 1..100 {
            m.insert(format!("k{i}"), i, at(i), at(i - 1));
        }
        assert_eq!(m.len(), 2, "only the long-lived one and the latest remain");
        assert_eq!(m.by_deadline.len(), 2);
    }

    #[test]
    fn a_key_added_again_lives_by_its_new_deadline() {
        let mut m = Bounded::new(10);
        m.insert("a".into(), 1, at(10), at(0));
        m.insert("a".into(), 2, at(100), at(1));
        m.insert("b".into(), 3, at(100), at(50));
        assert_eq!(m.get("a", at(50)), Some(&2));
        assert_eq!(
            m.by_deadline.len(),
            2,
            "the old deadline went with the old value"
        );
    }

    #[test]
    fn removed_retained_and_cleared_entries_leave_nothing_behind() {
        let mut m = Bounded::new(1_000);
        for i in 0..100 {
            m.insert(format!("k{i}"), i, at(1000), at(0));
        }
        assert_eq!(m.remove("k0"), Some(0));
        assert_eq!(m.take("k1", at(1000)), None, "past its deadline");
        assert_eq!(m.get("k1", at(0)), None, "and gone");
        assert_eq!(m.take("k2", at(0)), Some(2));
        m.retain(|v| v % 2 == 0);
        assert_eq!((m.len(), m.by_deadline.len()), (48, 48));
        m.clear();
        assert_eq!((m.len(), m.by_deadline.len()), (0, 0));
    }
}
