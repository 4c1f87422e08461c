//! The SP's decryption key and EncryptedAssertion decryption: each plaintext is spliced back in
//! place of its EncryptedAssertion, so every check that follows reads one document.

use base64::Engine;
use openssl::pkey::{PKey, Private};
use saml_protocol::xmlenc::{self, RSA_1_5, XENC_NS};
use saml_protocol::{ASSERTION_NS, BASE64_TRANSFORM, DSIG_NS};

/// The SP's decryption key: the public test fixture `sp-1` (this SP is a test target).
pub const ENCRYPTION_KEY_PEM: &str = include_str!("../../fixtures/keys/sp-1.key.pem");
/// The certificate the SP's metadata publishes for encryption (`sp-1`).
pub const ENCRYPTION_CERTIFICATE_PEM: &str = include_str!("../../fixtures/keys/sp-1.cert.pem");

/// The SP's decryption key, parsed.
pub fn encryption_key() -> PKey<Private> {
    PKey::private_key_from_pem(ENCRYPTION_KEY_PEM.as_bytes())
        .expect("the bundled fixture key sp-1 is a valid PEM private key")
}

/// A response with its EncryptedAssertions decrypted in place.
pub struct Decrypted {
    /// The response, each EncryptedAssertion replaced by its plaintext.
    pub xml: String,
    /// The plaintexts, in document order (none: nothing was encrypted).
    pub plaintexts: Vec<String>,
}

fn child<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    ns: &str,
    name: &str,
) -> Option<roxmltree::Node<'a, 'i>> {
    node.children().find(|c| c.has_tag_name((ns, name)))
}

/// The one reason given when an EncryptedAssertion cannot be decrypted, or its plaintext is
/// refused for any reason: telling them apart would make the SP a decryption oracle.
pub const REFUSED: &str =
    "the encrypted assertion was refused (why is not told: that would make this SP a decryption oracle)";

/// What a decryption tolerates beyond the careful defaults (each one a reference-SP flaw).
#[derive(Clone, Copy, Debug, Default)]
pub struct Tolerance {
    /// Accept RSA PKCS#1 v1.5 key transport.
    pub rsa_1_5: bool,
    /// Follow a CipherReference on the EncryptedData (fetch it; read and use a file one).
    pub data_reference: bool,
    /// Follow a CipherReference on the EncryptedKey (fetch it; read and use a file one).
    pub key_reference: bool,
}

/// The most the `cipher-reference` flaw reads from a file a CipherReference names: 1 MiB.
const MAX_REFERENCED_CIPHERTEXT: u64 = 1 << 20;

/// `node`'s ciphertext: its CipherValue. A CipherReference is refused before anything is
/// read unless `follow`; then (the flaw's emulation of libxmlsec1's default) a `file://` URI
/// is read, base64-decoded when it names the base64 transform, and any other URI is fetched
/// through libxml2 and its bytes dropped (the fetch is what the check sees).
fn ciphertext(node: roxmltree::Node, what: &str, follow: bool) -> Result<Vec<u8>, String> {
    let Some(reference) =
        child(node, XENC_NS, "CipherData").and_then(|d| child(d, XENC_NS, "CipherReference"))
    else {
        return cipher_value(node);
    };
    if !follow {
        return Err(format!(
            "the {what} names its ciphertext by a CipherReference: refused, a decryptor must not read what a message names"
        ));
    }
    let uri = reference.attribute("URI").unwrap_or_default();
    // A file: URL percent-decoded, as libxml2's file loader does.
    let file = url::Url::parse(uri)
        .ok()
        .filter(|u| u.scheme() == "file")
        .and_then(|u| u.to_file_path().ok());
    let Some(path) = file else {
        crate::emulated::fetch(uri);
        return Err(format!(
            "the {what}'s CipherReference {uri:?} gave nothing usable"
        ));
    };
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(
            std::fs::File::open(path).map_err(|e| format!("cannot read {uri:?}: {e}"))?,
            MAX_REFERENCED_CIPHERTEXT,
        ),
        &mut bytes,
    )
    .map_err(|e| format!("cannot read {uri:?}: {e}"))?;
    let base64 = reference.descendants().any(|t| {
        t.has_tag_name((DSIG_NS, "Transform")) && t.attribute("Algorithm") == Some(BASE64_TRANSFORM)
    });
    if !base64 {
        return Ok(bytes);
    }
    let compact: Vec<u8> = bytes
        .into_iter()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| format!("{uri:?} is not base64"))
}

fn cipher_value(node: roxmltree::Node) -> Result<Vec<u8>, String> {
    let text = child(node, XENC_NS, "CipherData")
        .and_then(|d| child(d, XENC_NS, "CipherValue"))
        .and_then(|v| v.text())
        .ok_or("an encrypted element has no CipherData/CipherValue")?;
    let compact: String = text.split_whitespace().collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| "a CipherValue is not base64".to_owned())
}

fn algorithm<'a>(node: roxmltree::Node<'a, '_>) -> &'a str {
    child(node, XENC_NS, "EncryptionMethod")
        .and_then(|m| m.attribute("Algorithm"))
        .unwrap_or_default()
}

/// An EncryptedAssertion's EncryptedData and its EncryptedKey (in EncryptedData's KeyInfo, or
/// beside it in the EncryptedAssertion).
fn parts<'a, 'i>(
    encrypted: roxmltree::Node<'a, 'i>,
) -> Result<(roxmltree::Node<'a, 'i>, roxmltree::Node<'a, 'i>), String> {
    let data = child(encrypted, XENC_NS, "EncryptedData")
        .ok_or("an EncryptedAssertion has no EncryptedData")?;
    let encrypted_key = child(data, DSIG_NS, "KeyInfo")
        .and_then(|k| child(k, XENC_NS, "EncryptedKey"))
        .or_else(|| child(encrypted, XENC_NS, "EncryptedKey"))
        .ok_or("an EncryptedAssertion carries no EncryptedKey")?;
    Ok((data, encrypted_key))
}

/// Where decrypting a response's first EncryptedAssertion failed, told apart as a careful SP
/// never does (its answer would make it a decryption oracle).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The CBC plaintext ends in no padding length.
    Padding,
    /// The plaintext decrypted but is not well-formed XML.
    Plaintext,
}

/// How decrypting `xml`'s first EncryptedAssertion with `key` fails at the padding or at
/// parsing its plaintext (none: it is not encrypted, fails elsewhere, or parses): what the
/// `padding-oracle` and `parse-oracle` flaws answer by.
pub fn failure(xml: &str, key: &PKey<Private>) -> Option<Failure> {
    // What the careful checks refuse before parsing is not parsed here either (a crowded
    // element costs a parser's duplicate check quadratic time).
    let parsable = |text: &str| saml_protocol::crowded_element(text).is_none();
    if !xml.contains("EncryptedAssertion") || !parsable(xml) {
        return None;
    }
    let doc = roxmltree::Document::parse(xml).ok()?;
    let encrypted = doc
        .descendants()
        .find(|n| n.has_tag_name((ASSERTION_NS, "EncryptedAssertion")))?;
    let (data, encrypted_key) = parts(encrypted).ok()?;
    let wrapped_key = ciphertext(encrypted_key, "EncryptedKey", false).ok()?;
    let content = ciphertext(data, "EncryptedData", false).ok()?;
    let content_key = xmlenc::unwrap_key(&wrapped_key, key, algorithm(encrypted_key)).ok()?;
    match xmlenc::open(&content, &content_key, algorithm(data)) {
        Err(xmlenc::Unopened::Padding) => Some(Failure::Padding),
        Err(xmlenc::Unopened::Other(_)) => None,
        Ok(plaintext) => match String::from_utf8(plaintext) {
            Ok(text) if !parsable(&text) || roxmltree::Document::parse(&text).is_ok() => None,
            _ => Some(Failure::Plaintext),
        },
    }
}

/// Decrypts the Response's EncryptedAssertion (one, a direct child of the root) with `key`;
/// RSA PKCS#1 v1.5 key transport and CipherReferences are refused unless `tolerance` says
/// otherwise. Why decryption failed is not told apart (that would make the SP a padding
/// oracle): the error is [`REFUSED`].
pub fn decrypt(xml: &str, key: &PKey<Private>, tolerance: Tolerance) -> Result<Decrypted, String> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| format!("not well-formed XML: {e}"))?;
    let encrypted: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name((ASSERTION_NS, "EncryptedAssertion")))
        .collect();
    if encrypted.len() > 1
        || encrypted
            .iter()
            .any(|e| e.parent_element() != Some(doc.root_element()))
    {
        return Err(
            "an EncryptedAssertion must be the Response's only one, and its direct child".into(),
        );
    }
    let mut edits = Vec::new();
    let mut plaintexts = Vec::new();
    for encrypted in encrypted {
        let (data, encrypted_key) = parts(encrypted)?;
        let wrapped_key = ciphertext(encrypted_key, "EncryptedKey", tolerance.key_reference)?;
        let content = ciphertext(data, "EncryptedData", tolerance.data_reference)?;
        let transport = algorithm(encrypted_key);
        if transport == RSA_1_5 && !tolerance.rsa_1_5 {
            return Err(format!(
                "key transport {RSA_1_5} (RSA PKCS#1 v1.5) is refused: it makes the SP a padding oracle"
            ));
        }
        let opened = xmlenc::unwrap_key(&wrapped_key, key, transport)
            .ok()
            .and_then(|content_key| xmlenc::open(&content, &content_key, algorithm(data)).ok())
            .and_then(|plaintext| String::from_utf8(plaintext).ok());
        let Some(plaintext) = opened else {
            return Err(REFUSED.into());
        };
        edits.push((encrypted.range(), plaintext.clone()));
        plaintexts.push(plaintext);
    }
    let mut out = xml.to_owned();
    for (range, text) in edits.into_iter().rev() {
        out.replace_range(range, &text);
    }
    Ok(Decrypted {
        xml: out,
        plaintexts,
    })
}
