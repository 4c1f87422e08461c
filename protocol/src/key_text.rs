//! The texts of an IdP certificate that SAML libraries have used as an HMAC secret when they
//! took the SignatureMethod from the message (xml-crypto < 2.0.0, GHSA-c27r-x354-4m68): one
//! home for the forging side and the reference SP's emulation of the bug.

use base64::Engine;
use openssl::x509::X509;

/// One way of writing the IdP's certificate or public key as bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyText {
    /// The certificate as PEM (64-column lines, final newline), as apps configure `cert`.
    Pem,
    /// The certificate PEM without its final newline, as saml2-js < 2.1.0 builds it from the
    /// metadata's base64 (`format_pem`).
    PemNoNewline,
    /// The certificate's DER bytes.
    Der,
    /// The certificate's base64 body on one line, as in metadata and Entra's "Certificate
    /// (Base64)".
    Base64,
    /// The public key as SPKI PEM with CRLF line ends, as node-forge's `publicKeyToPem`
    /// writes it (samlify < 2.4.0 keys xml-crypto 0.10 with it).
    SpkiPemCrlf,
}

impl KeyText {
    /// Every key text, in a stable order.
    pub const ALL: [KeyText; 5] = [
        KeyText::Pem,
        KeyText::PemNoNewline,
        KeyText::Der,
        KeyText::Base64,
        KeyText::SpkiPemCrlf,
    ];

    /// `cert` written this way.
    pub fn of(self, cert: &X509) -> Result<Vec<u8>, openssl::error::ErrorStack> {
        Ok(match self {
            KeyText::Pem => cert.to_pem()?,
            KeyText::PemNoNewline => {
                let mut pem = cert.to_pem()?;
                while pem.last() == Some(&b'\n') {
                    pem.pop();
                }
                pem
            }
            KeyText::Der => cert.to_der()?,
            KeyText::Base64 => base64::engine::general_purpose::STANDARD
                .encode(cert.to_der()?)
                .into_bytes(),
            KeyText::SpkiPemCrlf => {
                String::from_utf8_lossy(&cert.public_key()?.public_key_to_pem()?)
                    .replace('\n', "\r\n")
                    .into_bytes()
            }
        })
    }
}
