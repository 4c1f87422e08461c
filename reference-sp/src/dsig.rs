//! XML-signature verification through libxmlsec1 (the `xmlsec` crate), the library real SPs use.

use libxml::parser::{Parser, ParserOptions};
use libxml::tree::Node;
use saml_protocol::DSIG_NS;
use xmlsec::{XmlSecDocumentExt, XmlSecKey, XmlSecKeyFormat, XmlSecSignatureContext};

/// Verifies the enveloped `Signature` that is a direct child of the element whose `ID` is
/// `signed_id`, with any of `certificates` (PEM). The key comes only from those certificates,
/// never from the document's KeyInfo.
pub fn verify_enveloped(xml: &str, signed_id: &str, certificates: &[String]) -> Result<(), String> {
    let keys: Vec<(&str, bool)> = certificates.iter().map(|c| (c.as_str(), true)).collect();
    verify_enveloped_keys(xml, signed_id, &keys, References::SameDocument)
}

/// Which Reference URIs libxmlsec1 may dereference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum References {
    /// Only `""` and `#id` (what SAML allows; set explicitly, whatever the library default).
    SameDocument,
    /// Any URI, files and the network included (libxmlsec1's own default).
    Any,
}

/// As [`verify_enveloped`], with keys given as PEM: `(pem, true)` for a certificate,
/// `(pem, false)` for a bare public key, and the Reference URIs allowed.
pub fn verify_enveloped_keys(
    xml: &str,
    signed_id: &str,
    keys: &[(&str, bool)],
    references: References,
) -> Result<(), String> {
    QUIET.with(|_| ());
    let options = ParserOptions {
        recover: false,
        no_net: true,
        no_error: true,
        no_warning: true,
        ..ParserOptions::default()
    };
    let doc = Parser::default()
        .parse_string_with_options(xml, options)
        .map_err(|e| format!("libxml2 cannot parse the response: {e:?}"))?;
    // Declare `ID` as the ID attribute of the SAML elements so the Reference URI resolves.
    doc.specify_idattr(
        "//samlp:Response | //saml:Assertion | //samlp:LogoutRequest",
        "ID",
        Some(&[
            ("samlp", "urn:oasis:names:tc:SAML:2.0:protocol"),
            ("saml", "urn:oasis:names:tc:SAML:2.0:assertion"),
        ]),
    )
    .map_err(|e| format!("cannot register ID attributes: {e:?}"))?;
    let root = doc
        .get_root_element()
        .ok_or("the response has no root element")?;
    let signed =
        find_by_id(&root, signed_id).ok_or_else(|| format!("no element with ID {signed_id:?}"))?;
    let signature = signed
        .get_child_elements()
        .into_iter()
        .find(|n| {
            n.get_name() == "Signature"
                && n.get_namespace().is_some_and(|ns| ns.get_href() == DSIG_NS)
        })
        .ok_or("the signed element has no Signature child")?;
    for (pem, is_cert) in keys {
        let key = cached_key(pem, *is_cert)?;
        let mut ctx = XmlSecSignatureContext::new();
        if references == References::SameDocument {
            // SAFETY: the context outlives this write; the field is a plain bit mask.
            unsafe {
                (*ctx.as_ptr()).enabledReferenceUris = xmlsec::bindings::xmlSecTransformUriTypeEmpty
                    | xmlsec::bindings::xmlSecTransformUriTypeSameDocument;
            }
        }
        ctx.insert_key(key);
        if let Ok(true) = ctx.verify_node(&signature) {
            return Ok(());
        }
    }
    Err("the signature does not verify with the IdP's certificate".into())
}

/// One `/dev/null` stream for the whole process (a `FILE*`, kept as an address).
static DEVNULL: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

thread_local! {
    /// libxmlsec1 reports every failed check on libxml2's per-thread generic error stream
    /// (stderr). The reason reaches the user through our own error; send that stream to
    /// /dev/null, once per thread, through one stream opened once (threads come and go).
    static QUIET: () = unsafe {
        let devnull = *DEVNULL
            .get_or_init(|| libc::fopen(c"/dev/null".as_ptr(), c"w".as_ptr()) as usize);
        if devnull != 0 {
            xmlsec::bindings::xmlSetGenericErrorFunc(devnull as *mut std::os::raw::c_void, None);
        }
    };
}

thread_local! {
    /// Loaded IdP keys by certificate PEM. Loading a PEM through OpenSSL 3's decoders costs
    /// more than a verification and takes process-wide locks; each thread loads each key once.
    static KEYS: std::cell::RefCell<std::collections::HashMap<String, XmlSecKey>> = Default::default();
}

/// A fresh copy (the signature context takes ownership) of the key in `pem`. A certificate
/// is loaded as its bare public key: the key is all verification uses (KeyInfo is never
/// read), and copying a key that carries a certificate costs an X509 decode each time.
fn cached_key(pem: &str, is_cert: bool) -> Result<XmlSecKey, String> {
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if let Some(key) = keys.get(pem) {
            return Ok(key.clone());
        }
        let public = if is_cert {
            openssl::x509::X509::from_pem(pem.as_bytes())
                .and_then(|cert| cert.public_key())
                .and_then(|key| key.public_key_to_pem())
                .map_err(|e| format!("cannot read the IdP certificate: {e}"))?
        } else {
            pem.as_bytes().to_vec()
        };
        let key = XmlSecKey::from_memory(&public, XmlSecKeyFormat::Pem, None)
            .map_err(|e| format!("cannot load the IdP certificate: {e:?}"))?;
        keys.insert(pem.to_owned(), key.clone());
        Ok(key)
    })
}

fn find_by_id(node: &Node, id: &str) -> Option<Node> {
    if node.get_attribute("ID").as_deref() == Some(id) {
        return Some(node.clone());
    }
    node.get_child_elements()
        .iter()
        .find_map(|c| find_by_id(c, id))
}
