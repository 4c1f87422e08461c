//! Token encryption: the signed Assertion wrapped as an `EncryptedAssertion` for the SP's
//! certificate (AES-256-CBC content key, transported with RSA-OAEP), as Entra's option does.

use base64::Engine;
use openssl::symm::Cipher;
use openssl::x509::X509;
use saml_protocol::{ASSERTION_NS, DSIG_NS};

use crate::xml::Element;

/// The XML Encryption namespace (prefix `xenc`).
pub const XENC_NS: &str = "http://www.w3.org/2001/04/xmlenc#";
/// Content encryption: AES-256 in CBC mode.
pub const AES256_CBC: &str = "http://www.w3.org/2001/04/xmlenc#aes256-cbc";
/// Key transport: RSA-OAEP with MGF1/SHA-1.
pub const RSA_OAEP: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";

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
    let mut key = [0u8; 32];
    let mut iv = [0u8; 16];
    openssl::rand::rand_bytes(&mut key)?;
    openssl::rand::rand_bytes(&mut iv)?;
    // XML Encryption's CBC: the IV is prepended to the ciphertext.
    let mut content = iv.to_vec();
    content.extend(openssl::symm::encrypt(
        Cipher::aes_256_cbc(),
        &key,
        Some(&iv),
        plaintext.as_bytes(),
    )?);

    let public = recipient.public_key()?;
    let mut encrypter = openssl::encrypt::Encrypter::new(&public)?;
    encrypter.set_rsa_padding(openssl::rsa::Padding::PKCS1_OAEP)?;
    let mut wrapped = vec![0u8; encrypter.encrypt_len(&key)?];
    let n = encrypter.encrypt(&key, &mut wrapped)?;
    wrapped.truncate(n);

    let encrypted_key = xenc("EncryptedKey")
        .child(
            xenc("EncryptionMethod").attr("Algorithm", RSA_OAEP).child(
                Element::new("DigestMethod")
                    .xmlns(DSIG_NS)
                    .attr("Algorithm", "http://www.w3.org/2000/09/xmldsig#sha1"),
            ),
        )
        .child(cipher_data(&wrapped));
    Ok(Element::new("EncryptedAssertion")
        .xmlns(ASSERTION_NS)
        .child(
            xenc("EncryptedData")
                .attr("Type", "http://www.w3.org/2001/04/xmlenc#Element")
                .xmlns_prefix("xenc", XENC_NS)
                .child(xenc("EncryptionMethod").attr("Algorithm", AES256_CBC))
                .child(Element::new("KeyInfo").xmlns(DSIG_NS).child(encrypted_key))
                .child(cipher_data(&content)),
        ))
}
