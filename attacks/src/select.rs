//! Selecting checks: a selector matches whole id segments (`xsw` selects `xsw/3`, `xsw/1`
//! never selects `xsw/10`), a family, an alias, a research id (`XSW-03`) or a tag.

use crate::check::Check;
use crate::CATALOGUE;

/// Whether `selector` selects `check`.
pub fn matches(check: &Check, selector: &str) -> bool {
    let s = selector.trim_end_matches('/');
    if s.is_empty() || s == "all" {
        return true;
    }
    let by_segments = |id: &str| {
        let (mut a, mut b) = (id.split('/'), s.split('/'));
        loop {
            match (a.next(), b.next()) {
                (_, None) => return true,
                (Some(x), Some(y)) if x == y => continue,
                _ => return false,
            }
        }
    };
    by_segments(check.id)
        || check.aliases.iter().any(|a| by_segments(a))
        || check.research_id.eq_ignore_ascii_case(s)
        || check.tags.iter().any(|t| t.eq_ignore_ascii_case(s))
}

/// The checks selected by any of `only` (all when empty) and by none of `skip`, in catalogue
/// order; an error names a selector that selects nothing.
pub fn select(only: &[String], skip: &[String]) -> Result<Vec<&'static Check>, String> {
    for s in only.iter().chain(skip) {
        if !CATALOGUE.iter().any(|c| matches(c, s)) {
            return Err(format!(
                "{s:?} selects no check; hint: `saml-harness conformance --list` shows ids, families (xsw, sig, …), research ids (XSW-03) and tags"
            ));
        }
    }
    Ok(CATALOGUE
        .iter()
        .filter(|c| only.is_empty() || only.iter().any(|s| matches(c, s)))
        .filter(|c| !skip.iter().any(|s| matches(c, s)))
        .collect())
}

/// The check with exactly this id or alias.
pub fn by_id(id: &str) -> Option<&'static Check> {
    CATALOGUE
        .iter()
        .find(|c| c.id == id || c.aliases.contains(&id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(only: &[&str]) -> Vec<&'static str> {
        let only: Vec<String> = only.iter().map(|s| s.to_string()).collect();
        select(&only, &[]).unwrap().iter().map(|c| c.id).collect()
    }

    #[test]
    fn selection_matches_whole_segments() {
        assert!(ids(&["xsw"]).contains(&"xsw/3"));
        assert_eq!(ids(&["xsw/1"]), ["xsw/1"]);
        assert!(select(&["xs".into()], &[]).is_err());
        assert_eq!(ids(&["XSW-03"]), ["xsw/3", "xsw/forged-without-audience"]);
        assert_eq!(ids(&["sig/xsw/1"]), ["xsw/3"]);
        assert_eq!(ids(&["cve-2024-45409"]), ["dsig/digest-value-smuggled"]);
    }

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for c in CATALOGUE {
            assert!(seen.insert(c.id), "duplicate id {}", c.id);
            for a in c.aliases {
                assert!(seen.insert(a), "alias {a} collides");
            }
            assert!(c.id.contains('/') && !c.id.ends_with('/'), "{}", c.id);
            assert_eq!(
                c.id.split('/').next(),
                serde_json::to_value(c.family)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .as_deref(),
                "{}",
                c.id
            );
            assert!(
                !c.must.is_empty() && !c.fix.is_empty() && !c.references.is_empty(),
                "{}",
                c.id
            );
        }
    }
}
