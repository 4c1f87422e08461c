//! Token encryption: the signed Assertion wrapped as an `EncryptedAssertion` for the SP's
//! certificate (AES-256-CBC content key, transported with RSA-OAEP), as Entra's option does.

use base64::Engine;
use openssl::x509::X509;
use saml_protocol::xmlenc::{self, KeyTransport, AES256_CBC, ELEMENT_TYPE, XENC_NS};
use saml_protocol::{ASSERTION_NS, DSIG_NS};

use crate::xml::Element;

/// A failure encrypting (a certificate without an RSA key, or OpenSSL refusing).
#[derive(Debug, thiserror::Error)]
#[error("token encryption failed: {0}; hint: give an RSA certificate of the SP")]
pub struct EncryptError(#[from] openssl::error::ErrorStack);

fn xenc(name: &'static str) -> Element {
    Element::prefixed("xenc", name)
}

fn cipher_data(bytes: &[u8]) -> Element {
    xenc("CipherData")
        .child(xenc("CipherValue").text(base64::engine::general_purpose::STANDARD.encode(bytes)))
}

/// Encrypts `plaintext` (the signed Assertion's wire form) to `recipient`.
pub fn encrypted_assertion(plaintext: &str, recipient: &X509) -> Result<Element, EncryptError> {
    let sealed = xmlenc::seal(plaintext.as_bytes(), recipient, KeyTransport::RsaOaep)?;
    let (wrapped, content) = (sealed.wrapped_key, sealed.content);
    let encrypted_key = xenc("EncryptedKey")
        .child(
            xenc("EncryptionMethod")
                .attr("Algorithm", xmlenc::RSA_OAEP)
                .child(
                    Element::new("DigestMethod")
                        .xmlns(DSIG_NS)
                        .attr("Algorithm", xmlenc::OAEP_SHA1_DIGEST),
                ),
        )
        .child(cipher_data(&wrapped));
    Ok(Element::new("EncryptedAssertion")
        .xmlns(ASSERTION_NS)
        .child(
            xenc("EncryptedData")
                .attr("Type", ELEMENT_TYPE)
                .xmlns_prefix("xenc", XENC_NS)
                .child(xenc("EncryptionMethod").attr("Algorithm", AES256_CBC))
                .child(Element::new("KeyInfo").xmlns(DSIG_NS).child(encrypted_key))
                .child(cipher_data(&content)),
        ))
}
