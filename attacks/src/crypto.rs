//! Keys and signatures for the catalogue: re-signing an edited document (libxmlsec1), digests
//! of a referenced element (libxml2's exclusive C14N), the attacker's own key and certificates.

use saml_protocol::DSIG_NS;
use std::sync::{Mutex, OnceLock};

use base64::Engine;
use libxml::parser::{Parser, ParserOptions};
use libxml::tree::c14n::{CanonicalizationMode, CanonicalizationOptions};
use libxml::tree::{Document, Node};
use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::x509::{X509NameBuilder, X509};
use xmlsec::{XmlSecDocumentExt, XmlSecKey, XmlSecKeyFormat, XmlSecSignatureContext};

use crate::bytes::{child, splice, Doc};
use crate::forge::{IdpKey, Skip};

/// Parses `xml` with libxml2, network and DTD loading off, and declares `ID` as the ID
/// attribute of every element that has one (first occurrence wins).
pub fn libxml_parse(xml: &str) -> Result<Document, Skip> {
    let options = ParserOptions {
        recover: false,
        no_net: true,
        no_error: true,
        no_warning: true,
        ..ParserOptions::default()
    };
    let doc = Parser::default()
        .parse_string_with_options(xml, options)
        .map_err(|e| Skip::Failed(format!("libxml2 cannot parse the edited document: {e:?}")))?;
    Ok(doc)
}

/// The first element (document order) whose `ID` attribute is `id`.
pub fn find_by_id(node: &Node, id: &str) -> Option<Node> {
    if node.get_attribute("ID").as_deref() == Some(id) {
        return Some(node.clone());
    }
    node.get_child_elements()
        .iter()
        .find_map(|c| find_by_id(c, id))
}

fn is_dsig(node: &Node, name: &str) -> bool {
    node.get_name() == name
        && node
            .get_namespace()
            .is_some_and(|ns| ns.get_href() == DSIG_NS)
}

/// The digest algorithm named by a DigestMethod URI.
pub fn digest_method(uri: &str) -> MessageDigest {
    if uri.ends_with("sha1") {
        MessageDigest::sha1()
    } else if uri.ends_with("sha384") {
        MessageDigest::sha384()
    } else if uri.ends_with("sha512") {
        MessageDigest::sha512()
    } else {
        MessageDigest::sha256()
    }
}

/// Base64 of the enveloped-signature + exclusive-C14N digest of the element with `ID=id`, as
/// a verifier would compute it for `Reference URI="#id"`.
pub fn reference_digest(xml: &str, id: &str, method: MessageDigest) -> Result<String, Skip> {
    let doc = libxml_parse(xml)?;
    let root = doc
        .get_root_element()
        .ok_or(Skip::NotApplicable("no root element".into()))?;
    let mut node =
        find_by_id(&root, id).ok_or_else(|| Skip::Failed(format!("no element with ID {id:?}")))?;
    for c in node.get_child_elements() {
        if is_dsig(&c, "Signature") {
            // Freed now: merely unlinked, it would leak (xmlFreeDoc walks only the tree).
            c.free_subtree();
        }
    }
    let c14n = node
        .canonicalize(CanonicalizationOptions {
            mode: CanonicalizationMode::ExclusiveCanonical1_0,
            with_comments: false,
            inclusive_ns_prefixes: vec![],
        })
        .map_err(|()| Skip::Failed("libxml2 could not canonicalize the element".into()))?;
    let hash = openssl::hash::hash(method, c14n.as_bytes())
        .map_err(|e| Skip::Failed(format!("digest failed: {e}")))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(hash))
}

/// Re-signs every `ds:Signature` in `xml` with `key`, the innermost (last in document order)
/// first, each given `key_info` (bytes of a `KeyInfo` element, or nothing) before the next is
/// signed, so a signed Response covers its re-signed Assertion exactly as sent.
pub fn resign(xml: &str, key: &PKey<Private>, key_info: Option<&str>) -> Result<String, Skip> {
    let doc = Doc::parse_built(xml)?;
    // The outermost ones: a KeyInfo may hold another (an edited document can nest anything).
    let stripped: Vec<_> = signature_key_infos(&doc)
        .filter(|n| {
            !n.ancestors()
                .skip(1)
                .any(|a| a.has_tag_name((DSIG_NS, "KeyInfo")))
        })
        .map(|n| (n.range(), String::new()))
        .collect();
    let count = doc
        .tree
        .descendants()
        .filter(|n| n.has_tag_name((DSIG_NS, "Signature")))
        .count();
    let mut xml = splice(xml, stripped);
    for index in (0..count).rev() {
        let signed = xmlsec_sign(&xml, key, index)?;
        let doc = Doc::parse_built(&signed)?;
        let inserts = match key_info {
            None => Vec::new(),
            Some(ki) => doc
                .tree
                .descendants()
                .filter(|n| n.has_tag_name((DSIG_NS, "Signature")))
                .nth(index)
                .and_then(|s| child(s, DSIG_NS, "SignatureValue"))
                .map(|v| (v.range().end..v.range().end, ki.to_owned()))
                .into_iter()
                .collect(),
        };
        xml = splice(&signed, inserts);
    }
    Ok(xml)
}

/// Signs the `index`-th `ds:Signature` (document order) of `xml` with libxmlsec1.
fn xmlsec_sign(xml: &str, key: &PKey<Private>, index: usize) -> Result<String, Skip> {
    let doc = libxml_parse(xml)?;
    let _ = doc.specify_idattr("//*[@ID]", "ID", None);
    let root = doc
        .get_root_element()
        .ok_or(Skip::NotApplicable("no root element".into()))?;
    let mut signatures = Vec::new();
    collect_signatures(&root, &mut signatures);
    let signature = signatures
        .get(index)
        .ok_or_else(|| Skip::Failed("the signature to re-sign is gone".into()))?;
    let mut ctx = XmlSecSignatureContext::new();
    ctx.insert_key(xmlsec_key(key)?);
    ctx.sign_node(signature)
        .map_err(|e| Skip::Failed(format!("libxmlsec1 cannot sign: {e:?}")))?;
    Ok(doc.node_to_string(&root))
}

/// `key` loaded into libxmlsec1: a copy of the one this thread loaded before (loading a PEM
/// key through OpenSSL 3's decoders costs nearly as much as the RSA signature).
fn xmlsec_key(key: &PKey<Private>) -> Result<XmlSecKey, Skip> {
    thread_local! {
        static LOADED: std::cell::RefCell<Vec<(Vec<u8>, XmlSecKey)>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let public = key
        .public_key_to_der()
        .map_err(|e| Skip::Failed(format!("cannot export the key: {e}")))?;
    if let Some(loaded) =
        LOADED.with_borrow(|l| l.iter().find(|(p, _)| *p == public).map(|(_, k)| k.clone()))
    {
        return Ok(loaded);
    }
    let pem = key
        .private_key_to_pem_pkcs8()
        .map_err(|e| Skip::Failed(format!("cannot export the key: {e}")))?;
    let loaded = XmlSecKey::from_memory(&pem, XmlSecKeyFormat::Pem, None)
        .map_err(|e| Skip::Failed(format!("libxmlsec1 cannot load the key: {e:?}")))?;
    LOADED.with_borrow_mut(|l| {
        // A handful of keys per process (the attacker's, the IdP's, a test's own).
        if l.len() >= 8 {
            l.remove(0);
        }
        l.push((public, loaded.clone()));
    });
    Ok(loaded)
}

fn collect_signatures(node: &Node, out: &mut Vec<Node>) {
    for c in node.get_child_elements() {
        if is_dsig(&c, "Signature") {
            out.push(c.clone());
        }
        collect_signatures(&c, out);
    }
}

/// The KeyInfo elements of signatures (not an EncryptedAssertion's, which must stay).
fn signature_key_infos<'d, 'a>(
    doc: &'d Doc<'a>,
) -> impl Iterator<Item = crate::bytes::Node<'d, 'a>> + 'd {
    doc.tree.descendants().filter(|n| {
        n.has_tag_name((DSIG_NS, "KeyInfo"))
            && n.parent_element()
                .is_some_and(|p| p.has_tag_name((DSIG_NS, "Signature")))
    })
}

/// Re-signs with the IdP's own key, keeping the IdP's KeyInfo (TM-D/E artifacts only).
pub fn idp_resign(xml: &str, idp: &IdpKey) -> Result<String, Skip> {
    let doc = Doc::parse_built(xml)?;
    let key_info = signature_key_infos(&doc)
        .next()
        .map(|n| doc.outer(n).to_owned());
    resign(xml, &idp.key, key_info.as_deref())
}

/// The attacker's key: generated once per process, in no metadata anywhere.
pub fn attacker_key() -> Result<&'static PKey<Private>, Skip> {
    static KEY: OnceLock<Result<PKey<Private>, String>> = OnceLock::new();
    KEY.get_or_init(|| {
        openssl::rsa::Rsa::generate(2048)
            .and_then(PKey::from_rsa)
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| Skip::Failed(format!("cannot make the attacker's key: {e}")))
}

fn ossl(e: openssl::error::ErrorStack) -> Skip {
    Skip::Failed(format!("openssl: {e}"))
}

/// A certificate for the attacker's key: self-signed `CN=attacker.evil.test`, or, with
/// `clone_of`, copying that certificate's subject, issuer, serial and validity. The
/// self-signed one is made once per process, and the clones of the last few certificates are
/// kept (signing one costs an RSA signature; a fuzz run clones the same IdP certificate for
/// case after case).
pub fn attacker_cert(clone_of: Option<&X509>) -> Result<X509, Skip> {
    /// Clones kept, by the DER of the certificate cloned; an IdP rotating through more is
    /// cloned afresh.
    const KEPT: usize = 16;
    static SELF_SIGNED: OnceLock<Result<X509, String>> = OnceLock::new();
    static CLONES: Mutex<Vec<(Vec<u8>, X509)>> = Mutex::new(Vec::new());
    let failed = |e: String| Skip::Failed(format!("cannot make the attacker's certificate: {e}"));
    let Some(model) = clone_of else {
        return SELF_SIGNED
            .get_or_init(|| make_attacker_cert(None).map_err(|e| e.to_string()))
            .clone()
            .map_err(failed);
    };
    let of = model.to_der().map_err(ossl)?;
    let kept = |clones: &[(Vec<u8>, X509)]| {
        clones
            .iter()
            .find(|(der, _)| *der == of)
            .map(|(_, cert)| cert.clone())
    };
    if let Some(cert) = kept(&CLONES.lock().unwrap_or_else(|e| e.into_inner())) {
        return Ok(cert);
    }
    // Signed outside the lock: two threads may both make one, and the first kept wins.
    let cert = make_attacker_cert(Some(model)).map_err(|e| failed(e.to_string()))?;
    let mut clones = CLONES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(cert) = kept(&clones) {
        return Ok(cert);
    }
    if clones.len() == KEPT {
        clones.remove(0);
    }
    clones.push((of, cert.clone()));
    Ok(cert)
}

fn make_attacker_cert(clone_of: Option<&X509>) -> Result<X509, Skip> {
    let key = attacker_key()?;
    let mut b = X509::builder().map_err(ossl)?;
    b.set_version(2).map_err(ossl)?;
    b.set_pubkey(key).map_err(ossl)?;
    match clone_of {
        Some(c) => {
            b.set_subject_name(c.subject_name()).map_err(ossl)?;
            b.set_issuer_name(c.issuer_name()).map_err(ossl)?;
            b.set_serial_number(c.serial_number()).map_err(ossl)?;
            b.set_not_before(c.not_before()).map_err(ossl)?;
            b.set_not_after(c.not_after()).map_err(ossl)?;
        }
        None => {
            let mut name = X509NameBuilder::new().map_err(ossl)?;
            name.append_entry_by_text("CN", "attacker.evil.test")
                .map_err(ossl)?;
            let name = name.build();
            b.set_subject_name(&name).map_err(ossl)?;
            b.set_issuer_name(&name).map_err(ossl)?;
            let (from, to) = (
                Asn1Time::days_from_now(0).map_err(ossl)?,
                Asn1Time::days_from_now(365).map_err(ossl)?,
            );
            b.set_not_before(&from).map_err(ossl)?;
            b.set_not_after(&to).map_err(ossl)?;
        }
    }
    b.sign(key, MessageDigest::sha256()).map_err(ossl)?;
    Ok(b.build())
}

/// `<KeyInfo>` carrying `cert` as an X509Certificate, in the seed's default-namespace style.
pub fn key_info_x509(cert: &X509) -> Result<String, Skip> {
    let der = cert.to_der().map_err(ossl)?;
    Ok(format!(
        "<KeyInfo xmlns=\"{DSIG_NS}\"><X509Data><X509Certificate>{}</X509Certificate></X509Data></KeyInfo>",
        base64::engine::general_purpose::STANDARD.encode(der)
    ))
}

/// `<KeyInfo>` carrying the attacker's public key as a bare RSAKeyValue (no certificate).
pub fn key_info_rsa_value() -> Result<String, Skip> {
    let rsa = attacker_key()?.rsa().map_err(ossl)?;
    let b64 =
        |n: &openssl::bn::BigNumRef| base64::engine::general_purpose::STANDARD.encode(n.to_vec());
    Ok(format!(
        "<KeyInfo xmlns=\"{DSIG_NS}\"><KeyValue><RSAKeyValue><Modulus>{}</Modulus><Exponent>{}</Exponent></RSAKeyValue></KeyValue></KeyInfo>",
        b64(rsa.n()),
        b64(rsa.e())
    ))
}

thread_local! {
    /// The last certificate [`seed_certificate`] decoded, by its base64 text: every seed of a
    /// run carries the same one, and OpenSSL 3's decoders are slow.
    static LAST_SEED_CERT: std::cell::RefCell<Option<(String, X509)>> = const { std::cell::RefCell::new(None) };
}

/// The IdP certificate a seed carries in its first KeyInfo.
pub fn seed_certificate(doc: &Doc) -> Result<X509, Skip> {
    let text = doc
        .tree
        .descendants()
        .find(|n| n.has_tag_name((DSIG_NS, "X509Certificate")))
        .and_then(|n| n.text())
        .ok_or_else(|| {
            Skip::NotApplicable("the seed carries no X509Certificate to clone".into())
        })?;
    if let Some(cert) = LAST_SEED_CERT.with_borrow(|last| {
        last.as_ref()
            .filter(|(seen, _)| seen == text)
            .map(|(_, cert)| cert.clone())
    }) {
        return Ok(cert);
    }
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|e| Skip::NotApplicable(format!("the seed's certificate is not base64: {e}")))?;
    let cert = X509::from_der(&der).map_err(ossl)?;
    LAST_SEED_CERT.set(Some((text.to_owned(), cert.clone())));
    Ok(cert)
}

/// The DigestMethod of the first Reference under `signature`.
pub fn seed_digest_method(signature: roxmltree::Node) -> MessageDigest {
    signature
        .descendants()
        .find(|n| n.has_tag_name((DSIG_NS, "DigestMethod")))
        .and_then(|n| n.attribute("Algorithm"))
        .map_or(MessageDigest::sha256(), digest_method)
}

/// The `SignedInfo` child of a signature (for edits inside it).
pub fn signed_info<'a, 'i>(signature: roxmltree::Node<'a, 'i>) -> Option<roxmltree::Node<'a, 'i>> {
    child(signature, DSIG_NS, "SignedInfo")
}

/// Exclusive C14N (no comments) of the SignedInfo of the `index`-th `ds:Signature`.
pub fn signed_info_c14n(xml: &str, index: usize) -> Result<String, Skip> {
    let doc = libxml_parse(xml)?;
    let root = doc
        .get_root_element()
        .ok_or(Skip::NotApplicable("no root element".into()))?;
    let mut signatures = Vec::new();
    collect_signatures(&root, &mut signatures);
    let mut signed_info = signatures
        .get(index)
        .and_then(|s| {
            s.get_child_elements()
                .into_iter()
                .find(|c| is_dsig(c, "SignedInfo"))
        })
        .ok_or_else(|| Skip::NotApplicable("no SignedInfo".into()))?;
    signed_info
        .canonicalize(CanonicalizationOptions {
            mode: CanonicalizationMode::ExclusiveCanonical1_0,
            with_comments: false,
            inclusive_ns_prefixes: vec![],
        })
        .map_err(|()| Skip::Failed("libxml2 could not canonicalize SignedInfo".into()))
}

/// HMAC of `data` with `key`.
pub fn hmac(digest: MessageDigest, key: &[u8], data: &[u8]) -> Result<Vec<u8>, Skip> {
    let key = PKey::hmac(key).map_err(ossl)?;
    let mut signer = openssl::sign::Signer::new(digest, &key).map_err(ossl)?;
    signer.sign_oneshot_to_vec(data).map_err(ossl)
}

extern "C" {
    /// libxmlsec1's switch for printing its errors to stderr (`errors.h`).
    fn xmlSecErrorsDefaultCallbackEnableOutput(enabled: std::os::raw::c_int);
}

/// Stops libxmlsec1 printing an error line for every signature it cannot make or check, and
/// libxml2 printing validity errors found outside a parser (a duplicate ID registered, say):
/// checks and fuzz runs break signatures on purpose, and their verdicts already say what
/// failed. Call it
/// before starting threads: libxml2's error stream is per thread, and a thread takes the
/// default set here when it first uses libxml2.
pub fn quiet_xmlsec_errors() {
    // SAFETY: sets one global flag libxmlsec1 reads before printing; takes no pointers.
    unsafe { xmlSecErrorsDefaultCallbackEnableOutput(0) }
    // One stream for the process (an address: a `FILE*` is not `Sync`), never closed.
    static DEVNULL: OnceLock<usize> = OnceLock::new();
    // SAFETY: fopen takes two NUL-terminated strings.
    let devnull = *DEVNULL.get_or_init(|| unsafe {
        xmlsec::bindings::fopen(c"/dev/null".as_ptr(), c"w".as_ptr()) as usize
    });
    if devnull != 0 {
        // SAFETY: the stream stays open for the process; libxml2's default handler writes to
        // its context with fprintf.
        unsafe {
            xmlsec::bindings::xmlThrDefSetGenericErrorFunc(devnull as *mut _, None);
            xmlsec::bindings::xmlSetGenericErrorFunc(devnull as *mut _, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_attacker_certificate_is_made_once_and_a_clone_copies_its_model() {
        // The same OpenSSL object each time, not one signed again (an X509Ref's address is
        // its pointer; the DER alone could match a certificate remade within the second).
        let same = |a: &X509, b: &X509| std::ptr::eq::<openssl::x509::X509Ref>(&**a, &**b);
        let own = attacker_cert(None).unwrap();
        assert_eq!(
            own.to_der().unwrap(),
            attacker_cert(None).unwrap().to_der().unwrap()
        );
        assert!(same(&own, &attacker_cert(None).unwrap()));
        let clone = attacker_cert(Some(&own)).unwrap();
        let again = attacker_cert(Some(&own)).unwrap();
        assert!(same(&clone, &again));
        let name = |c: &X509| c.subject_name().to_der().unwrap();
        assert_eq!(name(&clone), name(&own));
        assert_eq!(
            clone.serial_number().to_bn().unwrap(),
            own.serial_number().to_bn().unwrap()
        );
    }
}
