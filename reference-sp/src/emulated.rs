//! DANGER: emulations of published verifier bugs, switched on only by a [`crate::Flaw`]. Each
//! reproduces how a real library got it wrong (which Signature it checked, where it read the
//! digest from, which key it trusted), so the harness can be shown to catch exactly that bug.
//! The careful path never comes here: it verifies with libxmlsec1 in [`crate::dsig`].

use base64::Engine;
use libxml::tree::c14n::{CanonicalizationMode, CanonicalizationOptions};
use libxml::tree::{Document, Node};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Public};
use saml_protocol::DSIG_NS;

/// Which element a `Reference URI="#id"` resolves to when several carry the ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdLookup {
    /// The first in document order (libxml2's ID table).
    First,
    /// The last in document order (XPath `//*[@ID=…]` taking the last match).
    Last,
}

/// Where the verifier reads a Reference's DigestValue from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DigestSource {
    /// The Reference's DigestValue, whole text (correct).
    Text,
    /// The first child node of DigestValue, comment included (xml-crypto CVE-2025-29775).
    FirstChild,
    /// The first `//ds:DigestValue` in the whole document (ruby-saml CVE-2024-45409).
    AnywhereInDocument,
}

/// What a verifier's enveloped-signature transform removes from the referenced element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enveloped {
    /// The Signature being verified (correct).
    ThisSignature,
    /// The first Signature inside the element (xml-crypto before 6.0.1).
    FirstInside,
    /// Every Signature inside the element (enveloped over-removal).
    EveryInside,
}

/// How a flawed verifier works.
#[derive(Clone, Copy, Debug)]
pub struct Loose {
    /// Reference resolution.
    pub lookup: IdLookup,
    /// DigestValue source.
    pub digest: DigestSource,
    /// References from every SignedInfo, the signature over the first (CVE-2025-29774).
    pub all_signed_info: bool,
    /// Which Signature elements the enveloped-signature transform drops.
    pub enveloped: Enveloped,
    /// SignatureMethod from the message: HMAC keyed with the certificate's PEM (with or
    /// without its final newline), DER, base64 or SPKI PEM (xml-crypto < 2.0.0).
    pub hmac_with_certificate: bool,
    /// A canonicalization that fails yields what was written before the failure, often
    /// nothing (Nokogiri < 1.19.1, see [`partial_c14n`]).
    pub void_canonicalization: bool,
    /// A SignatureMethod whose key type is not the trusted key's makes the verifier error,
    /// and the error reads as success (PHP `openssl_verify` -1, CVE-2016-9814).
    pub error_as_success: bool,
    /// A Signature whose References name no element is skipped when there are others, and
    /// none verified reads as success (XML::Sig 0.33-0.71, CVE-2026-18568).
    pub skip_unresolved: bool,
    /// With several SignedInfo, the first moved to the end: the signature checked over the
    /// new first one, the digest of the last Reference (goxmldsig < 1.1.0, CVE-2020-15216).
    pub signed_info_moved: bool,
}

impl Loose {
    /// A verifier with none of the bugs (the base the flaws change one field of).
    pub fn careful() -> Loose {
        Loose {
            lookup: IdLookup::First,
            digest: DigestSource::Text,
            all_signed_info: false,
            enveloped: Enveloped::ThisSignature,
            hmac_with_certificate: false,
            void_canonicalization: false,
            error_as_success: false,
            skip_unresolved: false,
            signed_info_moved: false,
        }
    }
}

/// A careful-looking verification of `signature` (a libxml node of `doc`) under `how`, with
/// the trusted `certificates`; returns the IDs its References resolved.
pub fn verify(
    doc: &Document,
    signature: &Node,
    how: Loose,
    certificates: &[String],
) -> Result<Vec<String>, String> {
    let mut signed_infos: Vec<Node> = children(signature, "SignedInfo");
    let moved = how.signed_info_moved && signed_infos.len() > 1;
    if moved {
        signed_infos.rotate_left(1);
    }
    let first = signed_infos.first().ok_or("no SignedInfo")?;
    let references: Vec<Node> = if moved {
        // Its loop keeps the last Reference that names the element: the moved one's.
        signed_infos
            .iter()
            .flat_map(|si| children(si, "Reference"))
            .last()
            .into_iter()
            .collect()
    } else if how.all_signed_info {
        signed_infos
            .iter()
            .flat_map(|si| children(si, "Reference"))
            .collect()
    } else {
        children(first, "Reference")
    };
    if references.is_empty() {
        return Err("no Reference".into());
    }
    let root = doc.get_root_element().ok_or("no root")?;
    let mut ids = Vec::new();
    for reference in &references {
        let uri = reference.get_attribute("URI").unwrap_or_default();
        let id = uri.strip_prefix('#').ok_or("Reference URI is not #id")?;
        let mut found = Vec::new();
        all_with_id(&root, id, &mut found);
        let target = match how.lookup {
            IdLookup::First => found.first(),
            IdLookup::Last => found.last(),
        }
        .ok_or_else(|| format!("no element with ID {id:?}"))?;
        let method = children(reference, "DigestMethod")
            .first()
            .and_then(|m| m.get_attribute("Algorithm"))
            .unwrap_or_default();
        let dropped: Vec<Node> = match how.enveloped {
            Enveloped::ThisSignature if is_ancestor(target, signature) => vec![signature.clone()],
            Enveloped::ThisSignature => Vec::new(),
            Enveloped::FirstInside => first_descendant(target, "Signature").into_iter().collect(),
            Enveloped::EveryInside => {
                let mut all = Vec::new();
                every_descendant(target, "Signature", &mut all);
                all
            }
        };
        let actual = digest_of(
            target,
            dropped,
            digest_for(&method),
            how.void_canonicalization,
        )?;
        let claimed = match how.digest {
            DigestSource::Text => children(reference, "DigestValue")
                .first()
                .map(|d| d.get_content()),
            DigestSource::FirstChild => children(reference, "DigestValue")
                .first()
                .and_then(|d| d.get_first_child())
                .map(|c| c.get_content()),
            DigestSource::AnywhereInDocument => {
                first_descendant(&root, "DigestValue").map(|d| d.get_content())
            }
        }
        .unwrap_or_default();
        if claimed.trim() != actual {
            return Err(format!("digest mismatch for #{id}"));
        }
        ids.push(id.to_owned());
    }
    let value = signature_value(
        &children(signature, "SignatureValue")
            .first()
            .map(|v| v.get_content())
            .unwrap_or_default(),
    )?;
    let alg = children(first, "SignatureMethod")
        .first()
        .and_then(|m| m.get_attribute("Algorithm"))
        .unwrap_or_default();
    // Last: a partial canonicalization cuts the tree after SignedInfo.
    let mut first = first.clone();
    let signed_info = if how.void_canonicalization {
        partial_c14n(&mut first)
    } else {
        first
            .canonicalize(exclusive())
            .map_err(|()| "cannot canonicalize SignedInfo")?
    };
    if how.hmac_with_certificate && alg.contains("hmac") {
        let digest = if alg.ends_with("sha1") {
            MessageDigest::sha1()
        } else if alg.ends_with("sha384") {
            MessageDigest::sha384()
        } else if alg.ends_with("sha512") {
            MessageDigest::sha512()
        } else {
            MessageDigest::sha256()
        };
        for pem in certificates {
            let cert = openssl::x509::X509::from_pem(pem.as_bytes()).map_err(|e| e.to_string())?;
            for text in saml_protocol::key_text::KeyText::ALL {
                let secret = text.of(&cert).map_err(|e| e.to_string())?;
                let key = PKey::hmac(&secret).map_err(|e| e.to_string())?;
                let mut signer =
                    openssl::sign::Signer::new(digest, &key).map_err(|e| e.to_string())?;
                let mac = signer
                    .sign_oneshot_to_vec(signed_info.as_bytes())
                    .map_err(|e| e.to_string())?;
                if mac.len() == value.len() && openssl::memcmp::eq(&mac, &value) {
                    return Ok(ids);
                }
            }
        }
        return Err("the HMAC does not verify".into());
    }
    if how.error_as_success && method_misfits_keys(&alg, certificates)? {
        return Ok(ids);
    }
    rsa_verifies(&alg, &value, signed_info.as_bytes(), certificates)?;
    Ok(ids)
}

/// Whether SignatureMethod `alg` names DSA or ECDSA while every trusted key is RSA: OpenSSL
/// then fails with an error (PHP's `openssl_verify` returns -1), not a mismatch.
fn method_misfits_keys(alg: &str, certificates: &[String]) -> Result<bool, String> {
    let foreign = alg.contains("#dsa-") || alg.contains("#ecdsa-");
    let mut all_rsa = !certificates.is_empty();
    for pem in certificates {
        all_rsa &= public_key(pem)?.rsa().is_ok();
    }
    Ok(foreign && all_rsa)
}

/// An identity as an account lookup that normalises sees it: NFKC, the characters IDNA2003
/// nameprep maps to nothing (RFC 3454 table B.1) removed, Unicode whitespace trimmed.
pub fn normalise_identity(value: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    const MAPPED_TO_NOTHING: [char; 11] = [
        '\u{ad}', '\u{34f}', '\u{1806}', '\u{180b}', '\u{180c}', '\u{180d}', '\u{200b}',
        '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}',
    ];
    let kept: String = value
        .nfkc()
        .filter(|c| !MAPPED_TO_NOTHING.contains(c) && !('\u{fe00}'..='\u{fe0f}').contains(c))
        .collect();
    kept.trim().to_owned()
}

/// The bytes of a SignatureValue's base64 text (line breaks allowed).
fn signature_value(text: &str) -> Result<Vec<u8>, String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| "SignatureValue is not base64".into())
}

/// Whether `value` is a signature of `data` under `alg` by one of `certificates`.
fn rsa_verifies(
    alg: &str,
    value: &[u8],
    data: &[u8],
    certificates: &[String],
) -> Result<(), String> {
    for pem in certificates {
        let key = public_key(pem)?;
        let mut v =
            openssl::sign::Verifier::new(digest_for(alg), &key).map_err(|e| e.to_string())?;
        if v.verify_oneshot(value, data).unwrap_or(false) {
            return Ok(());
        }
    }
    Err("the SignatureValue does not verify".into())
}

/// ruby-saml <= 1.17.0 (CVE-2025-25292, CVE-2025-66567): SignatureValue, Reference and
/// DigestValue come from REXML's first `ds:Signature` (see [`rexml_view`]),
/// SignedInfo from libxml2's (Nokogiri) first one, which is removed before the referenced
/// element is canonicalized; a failed canonicalization digests as empty. Returns the ID.
pub fn split_parsers(xml: &str, certificates: &[String]) -> Result<String, String> {
    let rexml_xml = rexml_view(xml);
    let rexml = roxmltree::Document::parse_with_options(
        &rexml_xml,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .map_err(|e| format!("not well-formed XML: {e}"))?;
    let ds = |n: &roxmltree::Node, name: &str| n.has_tag_name((DSIG_NS, name));
    // Its validate_signed_elements (REXML): at most two Signatures, each the child of a
    // Response or an Assertion, no parent signed twice.
    let signatures: Vec<_> = rexml.descendants().filter(|n| ds(n, "Signature")).collect();
    let mut parents = std::collections::HashSet::new();
    for s in &signatures {
        let parent = s.parent_element().ok_or("a Signature without a parent")?;
        let saml = parent.has_tag_name((saml_protocol::PROTOCOL_NS, "Response"))
            || parent.has_tag_name((saml_protocol::ASSERTION_NS, "Assertion"));
        if !saml || !parents.insert(parent.id()) || signatures.len() > 2 {
            // ruby-saml: "Found an unexpected Signature Element. SAML Response rejected".
            return Err("a Signature outside a Response or Assertion, or signing one twice".into());
        }
    }
    let rsig = signatures.first().copied().ok_or("no ds:Signature")?;
    let first = |name: &str| rsig.descendants().find(|n| ds(n, name));
    let reference = first("Reference").ok_or("no Reference")?;
    let id = reference
        .attribute("URI")
        .and_then(|u| u.strip_prefix('#'))
        .ok_or("Reference URI is not #id")?
        .to_owned();
    let claimed = first("DigestValue")
        .and_then(|d| d.text())
        .unwrap_or_default()
        .trim()
        .to_owned();
    let method = first("DigestMethod")
        .and_then(|m| m.attribute("Algorithm"))
        .unwrap_or_default();
    let value = signature_value(
        first("SignatureValue")
            .and_then(|v| v.text())
            .unwrap_or_default(),
    )?;
    // Nokogiri's view, parsed afresh for each step (a partial canonicalization cuts the tree).
    let nokogiri = || -> Result<(Document, Node), String> {
        let doc = libxml_parse(xml, false)?;
        let root = doc.get_root_element().ok_or("no root")?;
        let nsig = first_descendant(&root, "Signature").ok_or("no ds:Signature")?;
        Ok((doc, nsig))
    };
    let (_doc, nsig) = nokogiri()?;
    let mut signed_info = children(&nsig, "SignedInfo")
        .into_iter()
        .next()
        .ok_or("no SignedInfo")?;
    let alg = children(&signed_info, "SignatureMethod")
        .first()
        .and_then(|m| m.get_attribute("Algorithm"))
        .unwrap_or_default();
    let c14n = partial_c14n(&mut signed_info);
    rsa_verifies(&alg, &value, c14n.as_bytes(), certificates)?;
    let (doc, nsig) = nokogiri()?;
    // Freed now: merely unlinked, it would leak (xmlFreeDoc walks only the tree).
    nsig.free_subtree();
    let root = doc.get_root_element().ok_or("no root")?;
    let mut found = Vec::new();
    all_with_id(&root, &id, &mut found);
    let mut target = found
        .into_iter()
        .next()
        .ok_or_else(|| format!("no element with ID {id:?}"))?;
    let canonical = partial_c14n(&mut target);
    let hash =
        openssl::hash::hash(digest_for(method), canonical.as_bytes()).map_err(|e| e.to_string())?;
    if base64::engine::general_purpose::STANDARD.encode(hash) != claimed {
        return Err(format!("digest mismatch for #{id}"));
    }
    Ok(id)
}

/// The document as REXML reads its namespaces: an `xml:xmlns` attribute is found by its local
/// name and taken for a default-namespace declaration (The Fragile Lock); no DTD defaults
/// (the parse that follows applies none).
fn rexml_view(xml: &str) -> String {
    xml.replace(" xml:xmlns=", " xmlns=")
}

/// Exclusive C14N of `node` as Nokogiri before 1.19.1 returned it (GHSA-wx95-c6cv-8532):
/// libxml2 walks the whole document and stops at the first relative namespace URI; what was
/// written until then comes back, without an error. Emulated by cutting everything after
/// `node` in document order (which destroys the tree: parse afresh for each call); a failure
/// at or above `node` yields "".
pub fn partial_c14n(node: &mut Node) -> String {
    if let Ok(c14n) = node.canonicalize(exclusive()) {
        return c14n;
    }
    let mut cur = Some(node.clone());
    while let Some(n) = cur {
        while let Some(next) = n.get_next_sibling() {
            next.free_subtree();
        }
        cur = n.get_parent();
    }
    node.canonicalize(exclusive()).unwrap_or_default()
}

fn exclusive() -> CanonicalizationOptions {
    CanonicalizationOptions {
        mode: CanonicalizationMode::ExclusiveCanonical1_0,
        with_comments: false,
        inclusive_ns_prefixes: vec![],
    }
}

/// Canonicalises every ds:SignedInfo of `xml` as PHP before 8.4's `DOMNode::C14N` does
/// (ext/dom/node.c, which xmlseclibs calls before it checks a SignatureValue): the element's
/// nodes gathered by `(.//. | .//@* | .//namespace::*)`, then libxml2's exclusive C14N
/// against that set, which tests every node by a linear search: quadratic in SignedInfo's
/// nodes (PHP bug 53655, fixed in PHP 8.4 by php-src commit 5d68d61). The output is
/// discarded (a failure to canonicalise refuses the response): only the cost is PHP's.
pub fn node_set_c14n(xml: &str) -> Result<(), String> {
    let doc = libxml_parse(xml, false)?;
    let context = libxml::xpath::Context::new(&doc).map_err(|()| "no XPath context")?;
    context
        .register_namespace("ds", DSIG_NS)
        .map_err(|()| "cannot register the ds prefix")?;
    let infos = context
        .evaluate("//ds:Signature/ds:SignedInfo")
        .map_err(|()| "cannot find SignedInfo")?
        .get_nodes_as_vec();
    for info in infos {
        let set = context
            .node_evaluate("(.//. | .//@* | .//namespace::*)", &info)
            .map_err(|()| "cannot gather SignedInfo's nodes")?;
        // SAFETY: the document and the node set (owned by `set`) outlive the call; the output
        // buffer is allocated here and closed (freed) before the block ends.
        let status = unsafe {
            let nodes = (*set.ptr).nodesetval;
            // No node at all (never for an element, which is in its own set): nothing to do;
            // a null set would make libxml2 canonicalise the whole document.
            if nodes.is_null() {
                continue;
            }
            let out = libxml::bindings::xmlAllocOutputBuffer(std::ptr::null_mut());
            if out.is_null() {
                return Err("cannot allocate a C14N buffer".into());
            }
            let status = libxml::bindings::xmlC14NDocSaveTo(
                doc.doc_ptr(),
                nodes,
                libxml::bindings::xmlC14NMode_XML_C14N_EXCLUSIVE_1_0 as i32,
                std::ptr::null_mut(),
                0,
                out,
            );
            libxml::bindings::xmlOutputBufferClose(out);
            status
        };
        if status < 0 {
            return Err("libxml2 cannot canonicalise SignedInfo".into());
        }
    }
    Ok(())
}

/// Trims the name of every end tag in `xml` as @xmldom/xmldom 0.7.0–0.8.14 did before it
/// compared it with the open element (lib/sax.js: `source.substring(tagStart + 2,
/// end).replace(/[ \t\n\r]+$/g, '')`, `end` the next `>`), with a backtracking engine's
/// search: from each whitespace character the run after it is scanned to its end, so a run
/// that a non-space follows costs its square (GHSA-x4fp-j954-r2f4, fixed in 0.8.15). Only the
/// cost is xmldom's.
pub fn backtracking_end_tag_trim(xml: &str) {
    let ws = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let bytes = xml.as_bytes();
    let (mut trimmed, mut at) = (0, 0);
    while let Some(open) = xml[at..].find("</").map(|i| at + i + 2) {
        let end = xml[open..].find('>').map_or(bytes.len(), |i| open + i);
        let name = &bytes[open..end];
        for start in (0..name.len()).filter(|&i| ws(name[i])) {
            let mut j = start;
            while j < name.len() && ws(name[j]) {
                j += 1;
            }
            if j == name.len() {
                trimmed += j - start;
                break;
            }
        }
        at = end;
    }
    std::hint::black_box(trimmed);
}

/// The document as a libxml2 copy (`xmlCopyDoc`, as `Nokogiri::XML::Document#dup`) leaves it
/// for a later lookup: no DTD, and references to declared entities gone from attribute values
/// (GitHub Enterprise Server, CVE-2025-23369).
pub fn document_copy(xml: &str) -> Result<String, String> {
    use quick_xml::events::attributes::Attribute;
    use quick_xml::events::{BytesStart, Event};
    let drop_refs = |raw: &[u8]| -> Vec<u8> {
        let text = String::from_utf8_lossy(raw);
        let mut out = String::new();
        let mut rest = text.as_ref();
        while let Some(i) = rest.find('&') {
            out.push_str(&rest[..i]);
            let Some(semi) = rest[i..].find(';').map(|e| i + e) else {
                rest = &rest[i..];
                break;
            };
            let name = &rest[i + 1..semi];
            if name.starts_with('#') || quick_xml::escape::resolve_predefined_entity(name).is_some()
            {
                out.push_str(&rest[i..=semi]);
            }
            rest = &rest[semi + 1..];
        }
        out.push_str(rest);
        out.into_bytes()
    };
    let copy = |e: &BytesStart| {
        let mut out = e.to_owned();
        out.clear_attributes();
        for a in e.attributes().with_checks(false).flatten() {
            let value = drop_refs(&a.value);
            out.push_attribute(Attribute::from((a.key.as_ref(), value.as_slice())));
        }
        out
    };
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut writer = quick_xml::Writer::new(Vec::new());
    fn err(e: impl std::fmt::Display) -> String {
        format!("cannot copy the document: {e}")
    }
    loop {
        match reader.read_event().map_err(err)? {
            Event::Eof => break,
            Event::DocType(_) => {}
            Event::Start(e) => writer.write_event(Event::Start(copy(&e))).map_err(err)?,
            Event::Empty(e) => writer.write_event(Event::Empty(copy(&e))).map_err(err)?,
            e => writer.write_event(e).map_err(err)?,
        }
    }
    Ok(String::from_utf8_lossy(&writer.into_inner()).into_owned())
}

fn public_key(pem: &str) -> Result<PKey<Public>, String> {
    openssl::x509::X509::from_pem(pem.as_bytes())
        .and_then(|c| c.public_key())
        .map_err(|e| format!("bad certificate: {e}"))
}

fn digest_for(uri: &str) -> MessageDigest {
    if uri.ends_with("sha1") {
        MessageDigest::sha1()
    } else {
        MessageDigest::sha256()
    }
}

/// The enveloped-signature transform (drop `dropped`, all inside `target`), exclusive C14N and
/// the digest; the document is restored afterwards.
fn digest_of(
    target: &Node,
    dropped: Vec<Node>,
    method: MessageDigest,
    void_canonicalization: bool,
) -> Result<String, String> {
    let mut target = target.clone();
    let mut removed = Vec::new();
    for mut sig in dropped {
        let (parent, next) = (sig.get_parent(), sig.get_next_sibling());
        sig.unlink_node();
        removed.push((sig, parent, next));
    }
    let c14n = target.canonicalize(CanonicalizationOptions {
        mode: CanonicalizationMode::ExclusiveCanonical1_0,
        with_comments: false,
        inclusive_ns_prefixes: vec![],
    });
    // Put the Signatures back where they were, so later steps see the document unchanged.
    for (mut sig, parent, next) in removed.into_iter().rev() {
        match (next, parent) {
            (Some(mut n), _) => {
                let _ = n.add_prev_sibling(&mut sig);
            }
            (None, Some(mut p)) => {
                let _ = p.add_child(&mut sig);
            }
            _ => {}
        }
    }
    // The failure is at or above the referenced element in every emulated case: nothing.
    let c14n = match c14n {
        Err(()) if void_canonicalization => String::new(),
        c14n => c14n.map_err(|()| "cannot canonicalize the referenced element")?,
    };
    let hash = openssl::hash::hash(method, c14n.as_bytes()).map_err(|e| e.to_string())?;
    Ok(base64::engine::general_purpose::STANDARD.encode(hash))
}

/// Every `ds:{name}` below `n`, outermost first.
fn every_descendant(n: &Node, name: &str, out: &mut Vec<Node>) {
    for c in n.get_child_elements() {
        if is_dsig(&c, name) {
            out.push(c);
        } else {
            every_descendant(&c, name, out);
        }
    }
}

fn is_ancestor(ancestor: &Node, node: &Node) -> bool {
    let mut cur = node.get_parent();
    while let Some(p) = cur {
        if p == *ancestor {
            return true;
        }
        cur = p.get_parent();
    }
    false
}

fn is_dsig(n: &Node, name: &str) -> bool {
    n.get_name() == name && n.get_namespace().is_some_and(|ns| ns.get_href() == DSIG_NS)
}

fn children(n: &Node, name: &str) -> Vec<Node> {
    n.get_child_elements()
        .into_iter()
        .filter(|c| is_dsig(c, name))
        .collect()
}

/// The login @better-auth/sso 1.3.14–1.4.6 made of a response its SAML library refused: the
/// first `<saml2:NameID[^>]*>([^<]+)</saml2:NameID>` in the bytes (better-auth PR 6682
/// removed it). InResponseTo and the Assertion ID are read as the careful path reads them, so
/// only the signature and the profile's rules are skipped.
pub fn regex_fallback(xml: &str) -> Option<crate::validate::Login> {
    let (open, close) = ("<saml2:NameID", "</saml2:NameID>");
    // The first match of the pattern, as a regex scans: each `<saml2:NameID` in turn.
    let value = xml.match_indices(open).find_map(|(at, _)| {
        let rest = &xml[at + open.len()..];
        let body = &rest[rest.find('>')? + 1..];
        let value = &body[..body.find('<')?];
        (!value.is_empty() && body[value.len()..].starts_with(close)).then_some(value)
    })?;
    let doc = roxmltree::Document::parse(xml).ok();
    let attribute = |element: &str, name: &str| {
        doc.as_ref()?
            .descendants()
            .find(|n| n.tag_name().name() == element)?
            .attribute(name)
            .map(str::to_owned)
    };
    Some(crate::validate::Login {
        name_id: value.to_owned(),
        name_id_format: None,
        assertion_id: attribute("Assertion", "ID").unwrap_or_default(),
        in_response_to: attribute("Response", "InResponseTo"),
        session_index: None,
        attributes: Vec::new(),
        valid_until: None,
    })
}

/// samlify <= 2.13.1 verifying a posted LogoutRequest (GHSA-63ch-w8pw-4mf2), as its
/// libsaml `verifySignature` does: the candidates are the root's `Signature` children and
/// those of the root's `Assertion` children (by local name); the first that verifies with its
/// Reference resolved wherever that ID is in the document is taken (nothing asks whether it
/// names the LogoutRequest).
pub fn samlify_logout_signature(xml: &str, certificates: &[String]) -> Result<(), String> {
    let doc = libxml_parse(xml, false)?;
    let root = doc.get_root_element().ok_or("no root element")?;
    let named = |n: &Node, name: &str| -> Vec<Node> {
        n.get_child_elements()
            .into_iter()
            .filter(|c| c.get_name() == name)
            .collect()
    };
    let candidates: Vec<Node> = named(&root, "Signature")
        .into_iter()
        .chain(
            named(&root, "Assertion")
                .iter()
                .flat_map(|a| named(a, "Signature")),
        )
        .collect();
    if candidates.is_empty() {
        return Err("the LogoutRequest carries no signature".into());
    }
    let mut last = String::new();
    for signature in &candidates {
        match verify(&doc, signature, Loose::careful(), certificates) {
            Ok(_) => return Ok(()),
            Err(why) => last = why,
        }
    }
    Err(format!("no signature verifies: {last}"))
}

/// Every `ds:Signature` below `n`, outermost first.
pub fn every_signature(n: &Node) -> Vec<Node> {
    let mut out = Vec::new();
    every_descendant(n, "Signature", &mut out);
    out
}

/// The first `ds:{name}` in document order under `n`.
pub fn first_descendant(n: &Node, name: &str) -> Option<Node> {
    for c in n.get_child_elements() {
        if is_dsig(&c, name) {
            return Some(c);
        }
        if let Some(found) = first_descendant(&c, name) {
            return Some(found);
        }
    }
    None
}

/// How many elements of `doc` carry the ID XML::Sig 0.71 looks up for `signature`: the
/// URIs of every Reference of its SignedInfo joined, every `#` dropped (`findvalue` of
/// `dsig:SignedInfo/dsig:Reference/@URI`, then `s/#//g`).
pub fn xml_sig_reference_targets(doc: &Document, signature: &Node) -> usize {
    let id: String = children(signature, "SignedInfo")
        .first()
        .map(|si| children(si, "Reference"))
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r.get_attribute("URI"))
        .collect::<String>()
        .replace('#', "");
    let Some(root) = doc.get_root_element() else {
        return 0;
    };
    if id.is_empty() {
        return 0;
    }
    let mut found = Vec::new();
    all_with_id(&root, &id, &mut found);
    found.len()
}

fn all_with_id(n: &Node, id: &str, out: &mut Vec<Node>) {
    if n.get_attribute_no_ns("ID").as_deref() == Some(id) {
        out.push(n.clone());
    }
    for c in n.get_child_elements() {
        all_with_id(&c, id, out);
    }
}

/// The certificate or bare RSA key a Signature's KeyInfo carries, as PEM for libxmlsec1
/// (the key-from-KeyInfo bug: CVE-2015-5372, pysaml2 CVE-2021-21239).
pub fn key_info_pem(signature: roxmltree::Node) -> Option<(String, bool)> {
    let b64 = |n: roxmltree::Node| -> Option<Vec<u8>> {
        let t: String = n.text()?.chars().filter(|c| !c.is_whitespace()).collect();
        base64::engine::general_purpose::STANDARD.decode(t).ok()
    };
    let find = |name: &str| {
        signature
            .descendants()
            .find(|n| n.tag_name().name() == name && n.tag_name().namespace() == Some(DSIG_NS))
    };
    if let Some(der) = find("X509Certificate").and_then(b64) {
        let cert = openssl::x509::X509::from_der(&der).ok()?;
        return Some((String::from_utf8(cert.to_pem().ok()?).ok()?, true));
    }
    let (n, e) = (
        find("Modulus").and_then(b64)?,
        find("Exponent").and_then(b64)?,
    );
    let rsa = openssl::rsa::Rsa::from_public_components(
        openssl::bn::BigNum::from_slice(&n).ok()?,
        openssl::bn::BigNum::from_slice(&e).ok()?,
    )
    .ok()?;
    let pem = PKey::from_rsa(rsa).ok()?.public_key_to_pem().ok()?;
    Some((String::from_utf8(pem).ok()?, false))
}

/// The value of an element as a consumer reading only its first child node sees it: text up
/// to the first comment or PI, or the first CDATA section (REXML/xmldom `firstChild`).
pub fn first_text_node(xml: &str, node: roxmltree::Node) -> String {
    let Some(first) = node.first_child() else {
        return String::new();
    };
    let raw = &xml[first.range()];
    if let Some(rest) = raw.strip_prefix("<![CDATA[") {
        return rest.split("]]>").next().unwrap_or_default().to_owned();
    }
    match raw.find('<') {
        // Text followed by a CDATA section in the same (merged) text node: the text part.
        Some(i) => raw[..i].to_owned(),
        None => first.text().unwrap_or_default().to_owned(),
    }
}

/// The value of an element as a reader that skips entity-reference nodes sees it: text and
/// CDATA, character and predefined references decoded, references to declared entities
/// dropped (xmltooling before CVE-2018-0486's fix).
pub fn without_entity_references(xml: &str, node: roxmltree::Node) -> String {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(&xml[node.range()]);
    let (mut depth, mut out) = (0usize, String::new());
    loop {
        match reader.read_event() {
            Ok(Event::Start(_)) => depth += 1,
            Ok(Event::End(_)) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            Ok(Event::Text(t)) => out.push_str(&t.decode().unwrap_or_default()),
            Ok(Event::CData(c)) => out.push_str(&c.decode().unwrap_or_default()),
            Ok(Event::GeneralRef(r)) => {
                let name = r.decode().unwrap_or_default();
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    out.push(c);
                } else if let Some(p) = quick_xml::escape::resolve_predefined_entity(&name) {
                    out.push_str(p);
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    out
}

thread_local! {
    /// Whether this thread is inside an emulation of an XXE-prone parser (see
    /// [`with_external_loads`]).
    static EXTERNAL_LOADS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Whether those loads go through PHP's stream wrappers (see
    /// [`with_php_stream_wrappers`]).
    static PHP_WRAPPERS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// libxml2's loader for external entities and DTDs, replaced process-wide by one that loads
/// nothing: no parse in this process reads a file or the network through an entity, except
/// inside [`with_external_loads`]. Idempotent; every validation calls it first.
pub fn refuse_external_entities() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    unsafe extern "C" fn load_or_refuse(
        url: *const std::os::raw::c_char,
        _id: *const std::os::raw::c_char,
        ctxt: libxml::bindings::xmlParserCtxtPtr,
    ) -> libxml::bindings::xmlParserInputPtr {
        if ctxt.is_null() || url.is_null() || !EXTERNAL_LOADS.with(|on| on.get()) {
            return std::ptr::null_mut();
        }
        // libxml2's default loader's no-network check (XML_PARSE_NONET, PHP's LIBXML_NONET):
        // http and ftp refused, files read.
        let nonet = (*ctxt).options
            & libxml::bindings::xmlParserOption_XML_PARSE_NONET as std::os::raw::c_int
            != 0;
        let scheme = std::ffi::CStr::from_ptr(url).to_bytes();
        let networked =
            |p: &[u8]| scheme.len() >= p.len() && scheme[..p.len()].eq_ignore_ascii_case(p);
        if nonet && (networked(b"http://") || networked(b"ftp://")) {
            return std::ptr::null_mut();
        }
        // PHP opens what passed through its stream wrappers, where `php://filter` reads its
        // `resource=` (a URL included) with no network check of libxml2's.
        if PHP_WRAPPERS.with(|on| on.get()) {
            if let Some(target) = php_filter_resource(scheme) {
                return match std::ffi::CString::new(target) {
                    Ok(target) => libxml::bindings::xmlNewInputFromFile(ctxt, target.as_ptr()),
                    Err(_) => std::ptr::null_mut(),
                };
            }
        }
        libxml::bindings::xmlNewInputFromFile(ctxt, url)
    }
    /// libxslt's gate for file and network access from a stylesheet (`document()`): open
    /// only inside [`with_external_loads`].
    unsafe extern "C" fn xslt_gate(
        _sec: xmlsec::bindings::xsltSecurityPrefsPtr,
        _ctxt: xmlsec::bindings::xsltTransformContextPtr,
        _value: *const std::os::raw::c_char,
    ) -> std::os::raw::c_int {
        EXTERNAL_LOADS.with(|on| on.get()).into()
    }
    // libxmlsec1's initialisation installs a loader of its own (one that still loads for a
    // parse without entity substitution, XInclude's): initialise it first, then put this one
    // on top so nothing replaces it later. Its XSLT transform gets the same gate.
    ONCE.call_once(|| {
        drop(xmlsec::XmlSecSignatureContext::new());
        // SAFETY: installs function pointers with the signatures libxml2 and libxslt expect;
        // the security preferences are never freed (libxmlsec1 keeps the pointer).
        unsafe {
            libxml::bindings::xmlSetExternalEntityLoader(Some(load_or_refuse));
            use xmlsec::bindings as x;
            let prefs = x::xsltNewSecurityPrefs();
            if !prefs.is_null() {
                for option in [
                    x::xsltSecurityOption_XSLT_SECPREF_READ_FILE,
                    x::xsltSecurityOption_XSLT_SECPREF_WRITE_FILE,
                    x::xsltSecurityOption_XSLT_SECPREF_CREATE_DIRECTORY,
                    x::xsltSecurityOption_XSLT_SECPREF_READ_NETWORK,
                    x::xsltSecurityOption_XSLT_SECPREF_WRITE_NETWORK,
                ] {
                    x::xsltSetSecurityPrefs(prefs, option, Some(xslt_gate));
                }
                x::xmlSecTransformXsltSetDefaultSecurityPrefs(prefs);
            }
            // libxslt reports refusals on stderr; the SP's own error carries the reason.
            let devnull = libc::fopen(c"/dev/null".as_ptr(), c"w".as_ptr());
            if !devnull.is_null() {
                xsltSetGenericErrorFunc(devnull.cast(), None);
            }
        }
    });
}

unsafe extern "C" {
    /// libxslt's global error sink (not in the bindings `xmlsec` generates).
    fn xsltSetGenericErrorFunc(
        ctx: *mut std::os::raw::c_void,
        handler: Option<
            unsafe extern "C" fn(*mut std::os::raw::c_void, *const std::os::raw::c_char, ...),
        >,
    );
}

/// What PHP's `php://filter/…/resource=TARGET` wrapper reads: TARGET (a path or a URL),
/// after the first `/resource=` that follows `php://filter`.
fn php_filter_resource(url: &[u8]) -> Option<&[u8]> {
    const FILTER: &[u8] = b"php://filter";
    const RESOURCE: &[u8] = b"/resource=";
    if url.len() < FILTER.len() || !url[..FILTER.len()].eq_ignore_ascii_case(FILTER) {
        return None;
    }
    let rest = &url[FILTER.len()..];
    let at = rest.windows(RESOURCE.len()).position(|w| w == RESOURCE)?;
    Some(&rest[at + RESOURCE.len()..])
}

/// Runs `f` as [`with_external_loads`] does, the loads going through PHP's stream wrappers
/// (`php://filter` included), as libxml2 under PHP does.
fn with_php_stream_wrappers<T>(f: impl FnOnce() -> T) -> T {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            PHP_WRAPPERS.with(|on| on.set(self.0));
        }
    }
    let _restore = Restore(PHP_WRAPPERS.with(|on| on.replace(true)));
    with_external_loads(f)
}

/// Runs `f` with libxml2's own external loader on this thread: what an SP whose parser loads
/// external entities does. Only the flaws that emulate such parsers call this.
pub fn with_external_loads<T>(f: impl FnOnce() -> T) -> T {
    /// Restores the thread's previous setting however `f` ends (a panic included: the
    /// thread may be reused).
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            EXTERNAL_LOADS.with(|on| on.set(self.0));
        }
    }
    refuse_external_entities();
    let _restore = Restore(EXTERNAL_LOADS.with(|on| on.replace(true)));
    f()
}

/// Reads `xml` with libxml2 `options`, its messages silenced.
fn read_memory(xml: &str, options: u32) -> Result<Document, String> {
    let len = i32::try_from(xml.len()).map_err(|_| "the response is too large")?;
    let options = options
        | libxml::bindings::xmlParserOption_XML_PARSE_NOERROR
        | libxml::bindings::xmlParserOption_XML_PARSE_NOWARNING;
    // SAFETY: the buffer outlives the call; a non-null result is a document libxml2 handed
    // over, owned (and freed) by the returned `Document`.
    unsafe {
        let ptr = libxml::bindings::xmlReadMemory(
            xml.as_ptr().cast(),
            len,
            std::ptr::null(),
            std::ptr::null(),
            options as i32,
        );
        if ptr.is_null() {
            return Err("libxml2 cannot parse the response".into());
        }
        Ok(Document::new_ptr(ptr))
    }
}

/// Parses `xml` as an XXE-prone SP does: entities substituted, the external DTD subset
/// loaded, files and the network reachable (pysaml2 CVE-2016-10149, samlify
/// CVE-2017-1000452). Whatever the parse makes of it, the fetches have happened.
pub fn parse_with_external_entities(xml: &str) {
    let options = libxml::bindings::xmlParserOption_XML_PARSE_NOENT
        | libxml::bindings::xmlParserOption_XML_PARSE_DTDLOAD;
    let _ = with_external_loads(|| read_memory(xml, options));
}

/// Parses `xml` as simplesamlphp/saml2 < 4.6.14 does on PHP 8 (CVE-2024-52806): DTDs and
/// external parameter entities loaded (`LIBXML_DTDLOAD | LIBXML_DTDATTR`, no entity
/// substitution) with the network "off" (`LIBXML_NONET`: `http://` and `ftp://` refused,
/// files and `php://filter/resource=http://…` read), the DOCTYPE refused only afterwards.
pub fn parse_as_php_nonet(xml: &str) {
    let options = libxml::bindings::xmlParserOption_XML_PARSE_DTDLOAD
        | libxml::bindings::xmlParserOption_XML_PARSE_DTDATTR
        | libxml::bindings::xmlParserOption_XML_PARSE_NONET;
    let _ = with_php_stream_wrappers(|| read_memory(xml, options));
}

/// Runs XInclude processing over `xml` as an SP that calls it on messages does.
pub fn process_xinclude(xml: &str) {
    let Ok(doc) = read_memory(xml, 0) else {
        return;
    };
    // SAFETY: the document pointer is valid for `doc`'s lifetime.
    with_external_loads(|| unsafe {
        libxml::bindings::xmlXIncludeProcessFlags(doc.doc_ptr(), 0);
    });
}

/// Fetches `signature`'s KeyInfo/RetrievalMethod or dsig11:KeyInfoReference URI, as a
/// verifier that resolves KeyInfo does (xmltooling before 3.2.4, CVE-2023-36661); the key it
/// names is then ignored: the trusted certificate still decides.
pub fn resolve_retrieval_method(signature: roxmltree::Node) {
    use saml_protocol::DSIG11_NS;
    let uri = signature
        .children()
        .filter(|n| n.has_tag_name((DSIG_NS, "KeyInfo")))
        .flat_map(|k| k.children())
        .find(|n| {
            n.has_tag_name((DSIG_NS, "RetrievalMethod"))
                || n.has_tag_name((DSIG11_NS, "KeyInfoReference"))
        })
        .and_then(|r| r.attribute("URI"));
    if let Some(uri) = uri.filter(|u| !u.starts_with('#')) {
        fetch(uri);
    }
}

/// Reads `uri` through libxml2's own loader (HTTP, FTP and files, as libxmlsec1's URI input
/// does), as a library that dereferences URIs from the message does; what it reads is dropped.
pub fn fetch(uri: &str) {
    let Ok(c_uri) = std::ffi::CString::new(uri) else {
        return;
    };
    let options = libxml::bindings::xmlParserOption_XML_PARSE_NOERROR
        | libxml::bindings::xmlParserOption_XML_PARSE_NOWARNING;
    // SAFETY: the URI is a valid C string for the call; a non-null result is freed at once.
    with_external_loads(|| unsafe {
        let doc = libxml::bindings::xmlReadFile(c_uri.as_ptr(), std::ptr::null(), options as i32);
        if !doc.is_null() {
            libxml::bindings::xmlFreeDoc(doc);
        }
    });
}

/// xml-crypto's canonicalization of a processing instruction (node-saml < 5.1.0,
/// CVE-2025-54419): its data alone, as if it were text. Returns `xml` with every processing
/// instruction inside the root element replaced by its data, for the verifier only.
pub fn pi_as_text(xml: &str) -> Result<String, String> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| e.to_string())?;
    let mut out = xml.to_owned();
    let mut instructions: Vec<_> = doc
        .root_element()
        .descendants()
        .filter_map(|n| n.pi().map(|pi| (n.range(), pi.value.unwrap_or_default())))
        .collect();
    instructions.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
    for (range, data) in instructions {
        // As text, escaped as xml-crypto escapes it.
        let text = data
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        out.replace_range(range, &text);
    }
    Ok(out)
}

/// The document with internal entities expanded in place (libxml2 `XML_PARSE_NOENT`, network
/// off), as a verifier that substitutes entities canonicalizes it. External entities are
/// never loaded (see [`refuse_external_entities`]).
pub fn expand_entities(xml: &str) -> Result<String, String> {
    refuse_external_entities();
    let options = libxml::bindings::xmlParserOption_XML_PARSE_NOENT
        | libxml::bindings::xmlParserOption_XML_PARSE_NONET;
    let doc = read_memory(xml, options)?;
    let root = doc.get_root_element().ok_or("no root")?;
    Ok(doc.node_to_string(&root))
}

/// The expanded text a naive entity expander builds before the request dies (as a memory
/// limit would end it): 64 MiB.
const EXPANSION_LIMIT: usize = 64 << 20;

/// The references a naive entity expander follows before the request dies (as a time limit
/// would end it): a bomb over an empty entity grows nothing but still costs.
const EXPANSION_STEPS: usize = 100_000_000;

/// Substitutes every internal entity referenced in `xml`'s content at parse time,
/// recursively and with no amplification limit, as a naive expander does (expat before
/// 2.4.0; REXML before Ruby's limits, though REXML waits until a text is read): each
/// reference replaced by its entity's text, whose own references are replaced in turn. A
/// billion laughs grows until [`EXPANSION_LIMIT`] or [`EXPANSION_STEPS`] ends the request.
pub fn expand_entities_naively(xml: &str) -> Result<(), String> {
    use libxml::bindings as x;
    if !xml.contains("<!ENTITY") {
        return Ok(());
    }
    refuse_external_entities();
    // Without XML_PARSE_NOENT libxml2 keeps references as nodes; XML_PARSE_HUGE lifts its
    // amplification check (libxml2 < 2.11), which would refuse the document before anything
    // is expanded.
    let options = x::xmlParserOption_XML_PARSE_HUGE | x::xmlParserOption_XML_PARSE_NONET;
    let doc =
        read_memory(xml, options).map_err(|e| format!("{e} (reading its entity declarations)"))?;
    let mut referenced = Vec::new();
    let mut stack: Vec<Node> = doc.get_root_element().into_iter().collect();
    while let Some(node) = stack.pop() {
        // An entity reference's children are the entity's own nodes: not walked.
        if node.get_type() == Some(libxml::tree::NodeType::EntityRefNode) {
            referenced.push(node.get_name());
        } else {
            stack.extend(node.get_child_nodes());
        }
    }
    let mut texts = std::collections::HashMap::new();
    let mut pending = referenced.clone();
    while let Some(name) = pending.pop() {
        if texts.contains_key(&name) {
            continue;
        }
        let Ok(c_name) = std::ffi::CString::new(name.as_str()) else {
            continue;
        };
        // SAFETY: the document outlives the call; a non-null entity's content is a
        // NUL-terminated string owned by the document, copied at once.
        let text = unsafe {
            let entity = x::xmlGetDocEntity(doc.doc_ptr(), c_name.as_ptr().cast());
            if entity.is_null() || (*entity).content.is_null() {
                continue;
            }
            std::ffi::CStr::from_ptr((*entity).content.cast())
                .to_string_lossy()
                .into_owned()
        };
        pending.extend(references_in(&text).map(str::to_owned));
        texts.insert(name, text);
    }
    let mut out = String::new();
    let mut steps = 0;
    for name in &referenced {
        expand_into(&texts, name, &mut out, &mut steps, 0)?;
    }
    Ok(())
}

/// The entity names `&name;` references in `text`.
fn references_in(text: &str) -> impl Iterator<Item = &str> {
    text.split('&')
        .skip(1)
        .filter_map(|rest| rest.split_once(';').map(|(name, _)| name))
}

/// Appends entity `name`'s text to `out`, its references expanded in turn, until
/// [`EXPANSION_LIMIT`] bytes or [`EXPANSION_STEPS`] references.
fn expand_into(
    texts: &std::collections::HashMap<String, String>,
    name: &str,
    out: &mut String,
    steps: &mut usize,
    depth: usize,
) -> Result<(), String> {
    let Some(text) = texts.get(name) else {
        return Ok(());
    };
    *steps += 1;
    if *steps > EXPANSION_STEPS {
        return Err(format!("gave up after {EXPANSION_STEPS} entity references"));
    }
    if depth > 64 {
        return Err(format!("entity {name:?} nests more than 64 deep"));
    }
    let mut pieces = text.split('&');
    out.push_str(pieces.next().unwrap_or_default());
    for piece in pieces {
        match piece.split_once(';') {
            Some((inner, after)) => {
                expand_into(texts, inner, out, steps, depth + 1)?;
                out.push_str(after);
            }
            None => out.push_str(piece),
        }
        if out.len() > EXPANSION_LIMIT {
            return Err(format!(
                "out of memory: {} MiB of entity text expanded",
                out.len() >> 20
            ));
        }
    }
    Ok(())
}

/// Re-serialises a DOCTYPE the way REXML writes it back: its SYSTEM literal in double quotes
/// (ruby-saml CVE-2025-25291's round trip).
pub fn requote_doctype(xml: &str) -> String {
    let Some(start) = xml.find("<!DOCTYPE") else {
        return xml.to_owned();
    };
    let Some(sys) = xml[start..]
        .find("SYSTEM '")
        .map(|i| start + i + "SYSTEM '".len())
    else {
        return xml.to_owned();
    };
    let Some(end) = xml[sys..].find('\'').map(|i| sys + i) else {
        return xml.to_owned();
    };
    format!(
        "{}\"{}\"{}",
        &xml[..sys - 1],
        &xml[sys..end],
        &xml[end + 1..]
    )
}

/// The byte ranges of a document's top-level elements (a tolerant parser's several roots).
pub fn split_roots(xml: &str) -> Vec<&str> {
    use quick_xml::events::Event;
    // quick-xml counts a byte-order mark into its positions in a way that can land inside it.
    let xml = xml.trim_start_matches('\u{feff}');
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut depth, mut start, mut roots) = (0usize, 0usize, Vec::new());
    loop {
        let before = reader.buffer_position() as usize;
        match reader.read_event() {
            Ok(Event::Start(_)) => {
                if depth == 0 {
                    start = before;
                }
                depth += 1;
            }
            Ok(Event::Empty(_)) if depth == 0 => {
                roots.extend(xml.get(before..reader.buffer_position() as usize));
            }
            Ok(Event::End(_)) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    roots.extend(xml.get(start..reader.buffer_position() as usize));
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    roots
}

/// Parses `xml` with libxml2 (network off, its messages silenced), in recovery mode or not.
pub fn libxml_parse(xml: &str, recover: bool) -> Result<Document, String> {
    let options = libxml::parser::ParserOptions {
        recover,
        no_net: true,
        no_error: true,
        no_warning: true,
        ..Default::default()
    };
    libxml::parser::Parser::default()
        .parse_string_with_options(xml, options)
        .map_err(|e| format!("libxml2 cannot parse the response: {e:?}"))
}

/// The document as a recovering parser repairs it (libxml2 `XML_PARSE_RECOVER`): a missing
/// end tag closed, trailing content dropped, a repeated attribute read as its first
/// occurrence; then serialised again.
pub fn recover(xml: &str) -> Result<String, String> {
    let doc = libxml_parse(xml, true)?;
    first_attributes_only(&doc.to_string()).map_err(|e| format!("cannot re-serialise: {e}"))
}

/// Drops every repeated attribute of a start tag, keeping the first (what libxml2's
/// `xmlGetProp` returns on a recovered tree).
fn first_attributes_only(xml: &str) -> Result<String, quick_xml::Error> {
    use quick_xml::events::{BytesStart, Event};
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut writer = quick_xml::Writer::new(Vec::new());
    let dedup = |e: &BytesStart| {
        let mut out = e.to_owned();
        out.clear_attributes();
        let mut seen = std::collections::HashSet::new();
        for a in e.attributes().with_checks(false).flatten() {
            if seen.insert(a.key.as_ref().to_vec()) {
                out.push_attribute(a);
            }
        }
        out
    };
    loop {
        match reader.read_event()? {
            Event::Eof => break,
            Event::Start(e) => writer.write_event(Event::Start(dedup(&e)))?,
            Event::Empty(e) => writer.write_event(Event::Empty(dedup(&e)))?,
            e => writer.write_event(e)?,
        }
    }
    Ok(String::from_utf8_lossy(&writer.into_inner()).into_owned())
}

/// The decoded value of the first `name` parameter of `raw_query`, names form-decoded as a
/// CGI parser decodes them.
fn first_decoded(raw_query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(raw_query.as_bytes())
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.into_owned())
}

/// The signature an emulated reader found: over `signed_octets`, by `sig_alg`, `sig` in base64.
fn redirect_signature(
    signed_octets: String,
    sig_alg: String,
    sig: &str,
) -> Result<saml_protocol::redirect::RedirectSignature, String> {
    Ok(saml_protocol::redirect::RedirectSignature {
        signed_octets,
        sig_alg,
        signature: base64::engine::general_purpose::STANDARD
            .decode(sig.trim())
            .map_err(|e| format!("the Signature parameter is not base64: {e}"))?,
    })
}

/// A Redirect query as OpenSAML C++ before 3.3.1 read it (CVE-2025-31335): the signed octets
/// from the first raw substring match, anywhere, of `SAMLRequest=` (else `SAMLResponse=`),
/// `RelayState=` and `SigAlg=` (`strstr`, not anchored at a parameter); the message from the
/// first `SAMLResponse` after decoding names, else the first `SAMLRequest`, whatever it holds.
pub fn opensaml_redirect(
    raw_query: &str,
) -> Result<saml_protocol::redirect::RedirectMessage, String> {
    let strstr = |name: &str| {
        let start = raw_query.find(&format!("{name}="))?;
        let rest = &raw_query[start..];
        Some(rest.split('&').next().unwrap_or(rest).to_owned())
    };
    let (parameter, value) = match first_decoded(raw_query, "SAMLResponse") {
        Some(v) => ("SAMLResponse", v),
        None => (
            "SAMLRequest",
            first_decoded(raw_query, "SAMLRequest").ok_or("no SAMLRequest or SAMLResponse")?,
        ),
    };
    let signature = match (strstr("SigAlg"), first_decoded(raw_query, "Signature")) {
        (Some(sig_alg), Some(sig)) => {
            let message = strstr("SAMLRequest")
                .or_else(|| strstr("SAMLResponse"))
                .unwrap_or_default();
            let signed_octets = [Some(message), strstr("RelayState"), Some(sig_alg.clone())]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("&");
            Some(redirect_signature(
                signed_octets,
                first_decoded(&sig_alg, "SigAlg").unwrap_or_default(),
                &sig,
            )?)
        }
        _ => None,
    };
    Ok(saml_protocol::redirect::RedirectMessage {
        parameter,
        value,
        relay_state: first_decoded(raw_query, "RelayState"),
        signature,
    })
}

/// A Redirect query as simplesamlphp/saml2 before 4.17.0 read it (CVE-2025-27773): each
/// parameter's last occurrence wins (names decoded); the signed octets are the last
/// `SAMLRequest` or `SAMLResponse` seen, then `RelayState` and `SigAlg`, each written as its
/// decoded name and raw value; the message is `SAMLRequest` when there is one, else
/// `SAMLResponse`.
pub fn saml2_php_redirect(
    raw_query: &str,
) -> Result<saml_protocol::redirect::RedirectMessage, String> {
    let mut data: Vec<(String, String)> = Vec::new();
    let (mut signed_message, mut relay, mut sig_alg) = (None, None, None);
    for raw in raw_query.split('&').filter(|p| !p.is_empty()) {
        let Some((name, value)) = form_urlencoded::parse(raw.as_bytes()).next() else {
            continue;
        };
        let name = name.into_owned();
        let written = format!("{name}={}", raw.split_once('=').map_or("", |(_, v)| v));
        match name.as_str() {
            "SAMLRequest" | "SAMLResponse" => signed_message = Some(written),
            "RelayState" => relay = Some(written),
            "SigAlg" => sig_alg = Some(written),
            _ => {}
        }
        data.retain(|(n, _)| *n != name);
        data.push((name, value.into_owned()));
    }
    let get = |name: &str| data.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let (parameter, value) = match (get("SAMLRequest"), get("SAMLResponse")) {
        (Some(v), _) => ("SAMLRequest", v),
        (None, Some(v)) => ("SAMLResponse", v),
        (None, None) => return Err("no SAMLRequest or SAMLResponse".into()),
    };
    let signature = match (sig_alg, get("Signature")) {
        (Some(alg), Some(sig)) => Some(redirect_signature(
            [signed_message, relay, Some(alg)]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("&"),
            get("SigAlg").unwrap_or_default(),
            &sig,
        )?),
        _ => None,
    };
    Ok(saml_protocol::redirect::RedirectMessage {
        parameter,
        value,
        relay_state: get("RelayState"),
        signature,
    })
}

/// Entra's name claim (the user principal name by default).
const NAME_CLAIM: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name";

/// An SP that maps the account from the name claim when the NameID is missing or empty (the
/// failure spid-sp-test's NameID tests 43/44 look for): the first value of Entra's name claim.
pub fn account_from_claims(attributes: &[(String, Vec<String>)]) -> Option<String> {
    attributes
        .iter()
        .find(|(name, _)| name == NAME_CLAIM)
        .and_then(|(_, values)| values.first())
        .filter(|v| !v.trim().is_empty())
        .cloned()
}

/// PHP's default `memory_limit` (php.ini-production), which ends xmlseclibs' key cycle.
const PHP_MEMORY_LIMIT: usize = 128 << 20;

/// What one turn of xmlseclibs' key resolution keeps until the cycle ends (a DOMXPath, an
/// XMLSecEnc and an XMLSecurityKey, about): 26,331 turns filled 128 MB in PHP 8.2 here.
const PHP_BYTES_PER_TURN: usize = 5 << 10;

/// How xmlseclibs 3.x (`XMLSecEnc::staticLocateKeyInfo`, `XMLSecurityKey::fromEncryptedKeyElement`)
/// finds the content key of the first EncryptedData in `xml`: the first KeyInfo child that is
/// an EncryptedKey, or a RetrievalMethod of type EncryptedKey whose `#id` it looks up in the
/// whole document, and then the same again in that key's own KeyInfo, with no depth limit.
/// A key that names itself turns until PHP's memory limit ends the request; a name that
/// matches nothing is an error at once.
pub fn xmlseclibs_locate_key(xml: &str) -> Result<(), String> {
    use saml_protocol::xmlenc::{ENCRYPTED_KEY_TYPE, XENC_NS};
    let Ok(doc) = roxmltree::Document::parse(xml) else {
        return Ok(());
    };
    let Some(mut at) = doc
        .descendants()
        .find(|n| n.has_tag_name((XENC_NS, "EncryptedData")))
    else {
        return Ok(());
    };
    for _ in 0..PHP_MEMORY_LIMIT / PHP_BYTES_PER_TURN {
        let Some(key_info) = at.children().find(|n| n.has_tag_name((DSIG_NS, "KeyInfo"))) else {
            return Ok(());
        };
        let next = key_info.children().find_map(|child| {
            if child.has_tag_name((XENC_NS, "EncryptedKey")) {
                return Some(Ok(child));
            }
            if !child.has_tag_name((DSIG_NS, "RetrievalMethod"))
                || child.attribute("Type") != Some(ENCRYPTED_KEY_TYPE)
            {
                return None;
            }
            let id = child.attribute("URI")?.strip_prefix('#')?;
            Some(
                doc.descendants()
                    .find(|n| {
                        n.has_tag_name((XENC_NS, "EncryptedKey")) && n.attribute("Id") == Some(id)
                    })
                    .ok_or_else(|| format!("unable to locate EncryptedKey with @Id='{id}'")),
            )
        });
        match next {
            None => return Ok(()),
            Some(key) => at = key?,
        }
    }
    Err(format!(
        "allowed memory size of {PHP_MEMORY_LIMIT} bytes exhausted while resolving the content key"
    ))
}

/// What ruby-saml < 1.18.0 made of a posted message's base64-decoded `bytes`
/// (`decode_raw_saml`, CVE-2025-25293): their raw-DEFLATE inflation whenever they inflate,
/// however large, else the bytes themselves.
pub fn inflate_posted(bytes: Vec<u8>) -> Vec<u8> {
    inflate_unbounded(&bytes).unwrap_or(bytes)
}

/// Whether ruby-saml (`base64_encoded?`) took a posted `message` for base64, as near as
/// matters here: with line breaks, whitespace and the two-character texts `\r` and `\n`
/// removed (in turn, where Ruby's gsub makes one pass), groups of four base64 characters, the
/// last one perhaps padded (`BASE64_FORMAT`). ruby-saml < 1.18.1 took any other message as
/// the XML itself, before its size check (CVE-2025-54572).
pub fn looks_base64(message: &str) -> bool {
    let compact = message
        .replace("\\r", "")
        .replace("\\n", "")
        .replace(|c: char| c.is_ascii_whitespace() || c == '\u{b}', "");
    let body = compact.trim_end_matches('=');
    let padding = compact.len() - body.len();
    let alphabet = |c: u8| c.is_ascii_alphanumeric() || c == b'+' || c == b'/';
    compact.len() % 4 == 0 && padding <= 2 && body.bytes().all(alphabet)
}

/// What ruby-saml spends on each element of a message it reads: about 25 µs (Debian 12's
/// ruby-saml 1.13.0 on Ruby 3.1, behind WEBrick, took 6.6 to 7.2 s over a MiB of `<x/>` here:
/// REXML's parse, then Nokogiri's and the checks).
pub const RUBY_SAML_PER_ELEMENT: std::time::Duration = std::time::Duration::from_micros(25);

/// What reading `xml` costs ruby-saml: [`RUBY_SAML_PER_ELEMENT`] for each start tag.
pub fn ruby_saml_time(xml: &str) -> std::time::Duration {
    let elements = xml
        .as_bytes()
        .windows(2)
        .filter(|w| w[0] == b'<' && w[1].is_ascii_alphabetic())
        .count();
    RUBY_SAML_PER_ELEMENT * u32::try_from(elements).unwrap_or(u32::MAX)
}

/// The root element's `ID`, read from its start tag alone (the first one, unchecked: a start
/// tag crowded with attributes must cost no more than its length here).
pub fn root_id(xml: &str) -> Option<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) => {
                return e
                    .attributes()
                    .with_checks(false)
                    .flatten()
                    .find(|a| a.key.as_ref() == b"ID")
                    .and_then(|a| {
                        a.normalized_value(quick_xml::XmlVersion::default())
                            .ok()
                            .map(|v| v.into_owned())
                    });
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// The longest delay an emulated SQL query sleeps, whatever it asks for.
pub const MOST_SQL_SLEEP: std::time::Duration = std::time::Duration::from_secs(10);

/// How long MySQL sleeps running Shibboleth SP ≤ 3.5.0's replay-cache look-up of the message
/// ID `id` (CVE-2025-9943): the ODBC store pasted the key between quotes with only `'`
/// doubled, so a backslash still escapes the quote after it.
pub fn replay_lookup_sleep(id: &str) -> std::time::Duration {
    let query = format!(
        "SELECT version FROM strings WHERE context='MessageFlow' AND id='{}' AND expires > {{ts '2026-01-01 00:00:00'}}",
        id.replace('\'', "''")
    );
    mysql_sleep(&query)
}

/// The time MySQL sleeps running `query`, a look-up that matches no row: the `SLEEP(n)`
/// calls in its code (outside string literals, MySQL's: a backslash escapes the next
/// character, `''` is a quote; before a comment, `#` or `--` and a space) after a `UNION`,
/// which runs its select list once (in the look-up's own conditions a call runs once per
/// matching row: never), at most [`MOST_SQL_SLEEP`].
fn mysql_sleep(query: &str) -> std::time::Duration {
    let mut code = String::new();
    let mut chars = query.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '\'' if chars.peek() == Some(&'\'') => {
                            chars.next();
                        }
                        '\'' => break,
                        _ => {}
                    }
                }
                code.push_str("''");
            }
            '#' => break,
            '-' if chars.peek() == Some(&'-') => {
                let mut after = chars.clone();
                after.next();
                if after.peek().is_none_or(|c| c.is_whitespace()) {
                    break;
                }
                code.push(c);
            }
            c => code.push(c.to_ascii_uppercase()),
        }
    }
    let union = code.find("UNION").map_or("", |at| &code[at..]);
    let seconds: f64 = union
        .split("SLEEP(")
        .skip(1)
        .filter_map(|call| call.split(')').next()?.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .sum();
    std::time::Duration::from_secs_f64(seconds.min(MOST_SQL_SLEEP.as_secs_f64()))
}

/// Raw DEFLATE `bytes` inflated however large they grow, as crewjam/saml < 0.4.13 inflated a
/// Redirect-binding message (CVE-2023-28119) and ruby-saml < 1.18.0 a posted one.
pub fn inflate_unbounded(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut inflated = Vec::new();
    flate2::read::DeflateDecoder::new(bytes).read_to_end(&mut inflated)?;
    Ok(inflated)
}

/// Whether Lasso (2.6.1.3 to 2.8.2) would read a NULL node from `xml`: a SOAP 1.1 Envelope whose Body (or
/// the Envelope itself, without one) holds no element (`lasso_xml_get_soap_content`).
pub fn lasso_soap_without_content(xml: &str) -> bool {
    let Ok(doc) = roxmltree::Document::parse(xml) else {
        return false;
    };
    let root = doc.root_element();
    let soap = saml_protocol::SOAP11_ENVELOPE_NS;
    if !root.has_tag_name((soap, "Envelope")) {
        return false;
    }
    root.children()
        .find(|n| n.has_tag_name((soap, "Body")))
        .is_none_or(|body| !body.children().any(|n| n.is_element()))
}

/// Whether Lasso before 2.9.0 would call through a string (CVE-2025-47151): an AttributeValue
/// carrying an attribute named `any_attributes` and, after it, a namespaced attribute.
pub fn lasso_any_attributes(xml: &str) -> bool {
    let Ok(doc) = roxmltree::Document::parse(xml) else {
        return false;
    };
    doc.descendants()
        .filter(|n| n.has_tag_name((saml_protocol::ASSERTION_NS, "AttributeValue")))
        .any(|value| {
            let attributes: Vec<_> = value.attributes().collect();
            attributes
                .iter()
                .position(|a| a.namespace().is_none() && a.name() == "any_attributes")
                .is_some_and(|at| attributes[at + 1..].iter().any(|a| a.namespace().is_some()))
        })
}

/// Whether goxmldsig before 1.1.0 would read a missing SignatureValue through a nil pointer
/// (CVE-2020-7711): a `ds:Signature` with a SignedInfo and no SignatureValue (it checks the
/// digest first; the check's document keeps it valid).
pub fn goxmldsig_nil_signature_value(xml: &str) -> bool {
    let Ok(doc) = roxmltree::Document::parse(xml) else {
        return false;
    };
    let child =
        |n: roxmltree::Node, name: &str| n.children().any(|c| c.has_tag_name((DSIG_NS, name)));
    doc.descendants()
        .filter(|n| n.has_tag_name((DSIG_NS, "Signature")))
        .any(|sig| child(sig, "SignedInfo") && !child(sig, "SignatureValue"))
}

/// Whether Lasso before 2.9.0 would reach `g_assert_not_reached` (CVE-2025-46705): a CDATA
/// section as a child of the message's root element (Lasso refuses a DOCTYPE before that).
pub fn lasso_cdata_child(xml: &str) -> bool {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut depth = 0usize;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(quick_xml::events::Event::CData(_)) if depth == 1 => return true,
            Ok(quick_xml::events::Event::DocType(_) | quick_xml::events::Event::Eof) | Err(_) => {
                return false
            }
            Ok(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_doubling_replay_cache_on_mysql_sleeps_as_a_broken_out_id_asks() {
        let second = std::time::Duration::from_secs(1);
        for (id, slept) in [
            ("_5e1f", 0),
            // The check's tail: ends the literal whether quotes are doubled or not.
            ("_5e1f\\'' UNION SELECT SLEEP(3)-- -", 3),
            ("_5e1f\\'' UNION SELECT SLEEP(0)-- -", 0),
            // The advisory's own shape.
            ("_5e1f\\' UNION SELECT sleep(5)-- -", 5),
            // Quotes alone are doubled into the literal: no way out.
            ("_5e1f' UNION SELECT SLEEP(3)-- -", 0),
            ("_5e1f'' UNION SELECT SLEEP(3)-- -", 0),
            // An escaped backslash, then the two quotes doubled: still inside.
            ("_5e1f\\\\'' UNION SELECT SLEEP(3)-- -", 0),
            ("_x\\' UNION SELECT SLEEP(99)#", 10),
            // In the look-up's own conditions: runs once per matching row, and none match.
            ("_5e1f\\'' AND SLEEP(3)-- -", 0),
        ] {
            assert_eq!(replay_lookup_sleep(id), second * slept, "{id:?}");
        }
        let response = r#"<?xml version="1.0"?><samlp:Response ID="_a\'' UNION" a="1" a="2"><x ID="_b"/></samlp:Response>"#;
        assert_eq!(root_id(response).as_deref(), Some("_a\\'' UNION"));
        assert_eq!(root_id("<r/>"), None);
    }

    #[test]
    fn several_roots_after_a_byte_order_mark_split_without_panicking() {
        let xml = "\u{feff}\n <a><b/></a><c/>";
        assert_eq!(split_roots(xml), ["<a><b/></a>", "<c/>"]);
    }

    #[test]
    fn the_naive_expander_takes_small_entities_and_dies_on_a_billion_laughs() {
        let small = r#"<!DOCTYPE r [<!ENTITY a "x"><!ENTITY b "&a;&a;">]><r>&b;</r>"#;
        assert_eq!(expand_entities_naively(small), Ok(()));
        assert_eq!(expand_entities_naively("<r>&amp;</r>"), Ok(()));
        let mut subset = r#"<!ENTITY l0 "lol">"#.to_owned();
        for n in 1..10 {
            let refs = format!("&l{};", n - 1).repeat(10);
            subset.push_str(&format!(r#"<!ENTITY l{n} "{refs}">"#));
        }
        let bomb = format!("<!DOCTYPE r [{subset}]><r>&l9;</r>");
        let died = expand_entities_naively(&bomb).unwrap_err();
        assert!(died.contains("out of memory"), "{died}");
    }

    #[test]
    fn entity_expansion_expands_internal_entities_and_never_loads_external_ones() {
        let internal = expand_entities(r#"<!DOCTYPE r [<!ENTITY i "inside">]><r>&i;</r>"#);
        assert_eq!(internal.as_deref(), Ok("<r>inside</r>"));
        let secret = std::env::temp_dir().join(format!("xxe-canary-{}", std::process::id()));
        std::fs::write(&secret, "SECRET-CANARY").unwrap();
        let url = format!("file://{}", secret.display());
        for xml in [
            format!(r#"<!DOCTYPE r [<!ENTITY x SYSTEM "{url}">]><r>&x;</r>"#),
            format!(r#"<!DOCTYPE r [<!ENTITY a "]>"><!ENTITY % p SYSTEM "{url}">%p;]><r/>"#),
        ] {
            let out = expand_entities(&xml).unwrap_or_default();
            assert!(!out.contains("SECRET-CANARY"), "{xml} -> {out}");
        }
        std::fs::remove_file(secret).unwrap();
    }

    #[test]
    fn the_xxe_prone_parse_reads_what_the_entity_names_and_the_careful_one_does_not() {
        let secret = std::env::temp_dir().join(format!("xxe-flaw-{}", std::process::id()));
        std::fs::write(&secret, "SECRET-CANARY").unwrap();
        let xml = format!(
            r#"<!DOCTYPE r [<!ENTITY x SYSTEM "file://{}">]><r>&x;</r>"#,
            secret.display()
        );
        let options = libxml::bindings::xmlParserOption_XML_PARSE_NOENT
            | libxml::bindings::xmlParserOption_XML_PARSE_DTDLOAD;
        let flawed = with_external_loads(|| read_memory(&xml, options)).unwrap();
        assert!(flawed.to_string().contains("SECRET-CANARY"), "{flawed}");
        let careful = read_memory(&xml, options).unwrap();
        assert!(!careful.to_string().contains("SECRET-CANARY"), "{careful}");
        // libxmlsec1, initialised since, has not put its own loader above ours.
        drop(xmlsec::XmlSecSignatureContext::new());
        let careful = read_memory(&xml, options).unwrap();
        assert!(!careful.to_string().contains("SECRET-CANARY"), "{careful}");
        std::fs::remove_file(secret).unwrap();
    }

    #[test]
    fn the_network_off_parse_reads_files_and_never_connects() {
        let secret = std::env::temp_dir().join(format!("xxe-nonet-{}", std::process::id()));
        std::fs::write(&secret, "SECRET-CANARY").unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let http = format!("http://{}/entity", listener.local_addr().unwrap());
        let options = libxml::bindings::xmlParserOption_XML_PARSE_NOENT
            | libxml::bindings::xmlParserOption_XML_PARSE_DTDLOAD
            | libxml::bindings::xmlParserOption_XML_PARSE_NONET;
        let file = format!(
            r#"<!DOCTYPE r [<!ENTITY x SYSTEM "file://{}">]><r>&x;</r>"#,
            secret.display()
        );
        let read = with_external_loads(|| read_memory(&file, options)).unwrap();
        assert!(read.to_string().contains("SECRET-CANARY"), "{read}");
        parse_as_php_nonet(&format!(
            r#"<!DOCTYPE r [<!ENTITY % p SYSTEM "{http}"> %p;]><r/>"#
        ));
        parse_as_php_nonet(&format!(r#"<!DOCTYPE r SYSTEM "{http}"><r/>"#));
        assert!(
            listener.accept().is_err(),
            "the network-off parse connected"
        );
        // PHP's php://filter wrapper is no http:// URL to libxml2's check, and reads one.
        let served = std::thread::spawn(move || {
            let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
            while std::time::Instant::now() < until {
                if let Ok((mut stream, _)) = listener.accept() {
                    use std::io::Write;
                    let _ = stream.write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
                    return true;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            false
        });
        parse_as_php_nonet(&format!(
            r#"<!DOCTYPE r SYSTEM "php://filter/read=string.rot13/resource={http}"><r/>"#
        ));
        assert!(served.join().unwrap(), "php://filter did not fetch");
        std::fs::remove_file(secret).unwrap();
    }

    #[test]
    fn ruby_saml_takes_for_base64_what_its_pattern_matches() {
        for (message, base64) in [
            ("PHNhbWxwOlJlc3BvbnNlLz4=", true),
            ("PHNh\r\nbWxw OlJl", true),
            ("PHNhbWxwOlJlc3BvbnNl\\nLz4=", true),
            ("", true),
            ("<samlp:Response/>", false),
            ("PHNhbWxwOlJlc3BvbnNlLz4", false),
            ("PHN=bWxw", false),
            ("PH===", false),
        ] {
            assert_eq!(looks_base64(message), base64, "{message:?}");
        }
        assert_eq!(ruby_saml_time("<r><x/><x/></r>"), RUBY_SAML_PER_ELEMENT * 3);
    }

    #[test]
    fn php_filter_names_its_resource() {
        assert_eq!(
            php_filter_resource(b"php://filter/convert.base64-encode/resource=http://h/x"),
            Some(&b"http://h/x"[..])
        );
        assert_eq!(
            php_filter_resource(b"PHP://FILTER/resource=/etc/passwd"),
            Some(&b"/etc/passwd"[..])
        );
        assert_eq!(php_filter_resource(b"http://h/resource=x"), None);
        assert_eq!(php_filter_resource(b"php://filter/no-resource"), None);
        assert_eq!(
            php_filter_resource(b"php://filter/xresource=http://h/x"),
            None
        );
    }

    #[test]
    fn a_document_copy_drops_declared_entity_references_from_attributes_only() {
        let copy = document_copy(
            r#"<!DOCTYPE r [<!ENTITY e "x">]><r ID="&e;a&amp;b&#65;"><c>&amp;</c></r>"#,
        )
        .unwrap();
        assert_eq!(copy, r#"<r ID="a&amp;b&#65;"><c>&amp;</c></r>"#);
    }
}
