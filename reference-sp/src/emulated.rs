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
    /// SignatureMethod from the message: HMAC keyed with the certificate's PEM, DER or base64
    /// (xml-crypto <= 1.5.3).
    pub hmac_with_certificate: bool,
}

/// A careful-looking verification of `signature` (a libxml node of `doc`) under `how`, with
/// the trusted `certificates`; returns the IDs its References resolved.
pub fn verify(
    doc: &Document,
    signature: &Node,
    how: Loose,
    certificates: &[String],
) -> Result<Vec<String>, String> {
    let signed_infos: Vec<Node> = children(signature, "SignedInfo");
    let first = signed_infos.first().ok_or("no SignedInfo")?;
    let references: Vec<Node> = if how.all_signed_info {
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
        let actual = digest_of(target, dropped, digest_for(&method))?;
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
    let mut first = first.clone();
    let signed_info = first
        .canonicalize(CanonicalizationOptions {
            mode: CanonicalizationMode::ExclusiveCanonical1_0,
            with_comments: false,
            inclusive_ns_prefixes: vec![],
        })
        .map_err(|()| "cannot canonicalize SignedInfo")?;
    let value: String = children(signature, "SignatureValue")
        .first()
        .map(|v| v.get_content())
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let value = base64::engine::general_purpose::STANDARD
        .decode(value)
        .map_err(|_| "SignatureValue is not base64")?;
    let alg = children(&first, "SignatureMethod")
        .first()
        .and_then(|m| m.get_attribute("Algorithm"))
        .unwrap_or_default();
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
            let der = cert.to_der().map_err(|e| e.to_string())?;
            let secrets = [
                cert.to_pem().map_err(|e| e.to_string())?,
                der.clone(),
                base64::engine::general_purpose::STANDARD
                    .encode(&der)
                    .into_bytes(),
            ];
            for secret in secrets {
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
    for pem in certificates {
        let key = public_key(pem)?;
        let mut v =
            openssl::sign::Verifier::new(digest_for(&alg), &key).map_err(|e| e.to_string())?;
        if v.verify_oneshot(&value, signed_info.as_bytes())
            .unwrap_or(false)
        {
            return Ok(ids);
        }
    }
    Err("the SignatureValue does not verify".into())
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
fn digest_of(target: &Node, dropped: Vec<Node>, method: MessageDigest) -> Result<String, String> {
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
    let c14n = c14n.map_err(|()| "cannot canonicalize the referenced element")?;
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
                roots.push(&xml[before..reader.buffer_position() as usize]);
            }
            Ok(Event::End(_)) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    roots.push(&xml[start..reader.buffer_position() as usize]);
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    roots
}
