//! Signing certificates shaped like Entra's "Microsoft Azure Federated SSO Certificate".
//!
//! Certificates are derived deterministically from a key and a validity window, so separate
//! processes (`idp cert`, then `idp response`) agree on the certificate without shared state.

use base64::Engine;
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::{X509Builder, X509NameBuilder, X509};
use time::OffsetDateTime;

/// The subject and issuer common name Entra puts on every SAML signing certificate.
pub const ENTRA_CERT_CN: &str = "Microsoft Azure Federated SSO Certificate";
/// Subject of the tenant-wide STS keys in tenant-level metadata (not the app's SAML cert).
pub const TENANT_KEY_CN: &str = "accounts.accesscontrol.windows.net";

/// The key pair bundled as the default signing key of every application (a test key, public on purpose).
pub const BUNDLED_KEY_PEM: &str = include_str!("../../fixtures/keys/idp-signing-1.key.pem");

/// Errors building or loading a certificate.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    /// OpenSSL refused the key or certificate material.
    #[error("{what}: {source}")]
    OpenSsl {
        what: String,
        #[source]
        source: openssl::error::ErrorStack,
    },
    /// The certificate does not belong to the private key it was paired with.
    #[error("the certificate's public key does not match the private key; hint: pair each `cert` with the `key` it was issued for")]
    KeyMismatch,
}

fn ossl(what: impl Into<String>) -> impl FnOnce(openssl::error::ErrorStack) -> CertError {
    let what = what.into();
    move |source| CertError::OpenSsl { what, source }
}

/// A signing key with its X.509 certificate, as an Entra application holds it.
#[derive(Clone)]
pub struct SigningCert {
    key: PKey<Private>,
    x509: X509,
    der: Vec<u8>,
    /// Standard base64 of the DER certificate: the `X509Certificate` text in signatures and metadata.
    der_base64: String,
}

impl std::fmt::Debug for SigningCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningCert")
            .field("subject", &self.x509.subject_name())
            .field("not_after", &self.x509.not_after().to_string())
            .finish_non_exhaustive()
    }
}

impl SigningCert {
    /// Parses a PEM private key (PKCS#8 or PKCS#1).
    pub fn parse_key(pem: &str) -> Result<PKey<Private>, CertError> {
        PKey::private_key_from_pem(pem.as_bytes()).map_err(ossl("cannot read the private key PEM"))
    }

    /// Issues Entra's self-signed certificate shape for `key`: v3 with no extensions,
    /// 16-byte serial, sha256WithRSAEncryption, subject = issuer = [`ENTRA_CERT_CN`].
    pub fn generate(
        key: PKey<Private>,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> Result<Self, CertError> {
        Self::issue(key, ENTRA_CERT_CN, not_before, not_after, false)
    }

    /// A tenant-wide STS key as tenant-level metadata lists it: subject `cn` (mostly
    /// [`TENANT_KEY_CN`]), two years, a SubjectKeyIdentifier extension.
    pub fn tenant_key(
        key: PKey<Private>,
        cn: &str,
        not_before: OffsetDateTime,
    ) -> Result<Self, CertError> {
        let not_after = not_before + time::Duration::days(730);
        Self::issue(key, cn, not_before, not_after, true)
    }

    fn issue(
        key: PKey<Private>,
        cn: &str,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
        key_identifier: bool,
    ) -> Result<Self, CertError> {
        let e = ossl("cannot build the certificate");
        let x509 = (|| -> Result<X509, openssl::error::ErrorStack> {
            let mut b = X509Builder::new()?;
            b.set_version(2)?;
            // The serial looks random but is derived from key and validity (deterministic).
            let mut seed = key.public_key_to_der()?;
            seed.extend_from_slice(&not_before.unix_timestamp().to_be_bytes());
            seed.extend_from_slice(&not_after.unix_timestamp().to_be_bytes());
            // Entra's serials are byte-reversed v4 GUIDs: the version nibble 4 in byte 8, the
            // variant bits 10 in byte 7; positive and exactly 16 bytes.
            let mut serial = openssl::sha::sha256(&seed)[..16].to_vec();
            serial[0] = (serial[0] & 0x7f).max(1);
            serial[7] = (serial[7] & 0x3f) | 0x80;
            serial[8] = (serial[8] & 0x0f) | 0x40;
            let serial = BigNum::from_slice(&serial)?.to_asn1_integer()?;
            b.set_serial_number(&serial)?;
            let mut name = X509NameBuilder::new()?;
            // A PrintableString, as in every Entra certificate (not UTF8String).
            name.append_entry_by_nid_with_type(
                Nid::COMMONNAME,
                cn,
                openssl::asn1::Asn1Type::PRINTABLESTRING,
            )?;
            let name = name.build();
            b.set_subject_name(&name)?;
            b.set_issuer_name(&name)?;
            b.set_pubkey(&key)?;
            let (from, until) = (
                Asn1Time::from_unix(not_before.unix_timestamp())?,
                Asn1Time::from_unix(not_after.unix_timestamp())?,
            );
            b.set_not_before(&from)?;
            b.set_not_after(&until)?;
            if key_identifier {
                let ski = openssl::x509::extension::SubjectKeyIdentifier::new()
                    .build(&b.x509v3_context(None, None))?;
                b.append_extension(ski)?;
            }
            b.sign(&key, MessageDigest::sha256())?;
            Ok(b.build())
        })()
        .map_err(e)?;
        Self::from_parts(key, x509)
    }

    /// Pairs a loaded PEM certificate with its private key.
    pub fn from_pem(key: PKey<Private>, cert_pem: &str) -> Result<Self, CertError> {
        let x509 =
            X509::from_pem(cert_pem.as_bytes()).map_err(ossl("cannot read the certificate PEM"))?;
        Self::from_parts(key, x509)
    }

    fn from_parts(key: PKey<Private>, x509: X509) -> Result<Self, CertError> {
        let public = x509
            .public_key()
            .map_err(ossl("cannot read the certificate's public key"))?;
        if !public.public_eq(&key) {
            return Err(CertError::KeyMismatch);
        }
        let der = x509
            .to_der()
            .map_err(ossl("cannot encode the certificate"))?;
        let der_base64 = base64::engine::general_purpose::STANDARD.encode(&der);
        Ok(SigningCert {
            key,
            x509,
            der,
            der_base64,
        })
    }

    /// The private key that signs.
    pub fn key(&self) -> &PKey<Private> {
        &self.key
    }

    /// The certificate itself.
    pub fn x509(&self) -> &X509 {
        &self.x509
    }

    /// Base64 of the DER certificate, one line: what `X509Certificate` elements carry.
    pub fn der_base64(&self) -> &str {
        &self.der_base64
    }

    /// The DER bytes: Entra's "Certificate (Raw)" download.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// PEM with LF line endings: Entra's "PEM certificate" download.
    pub fn pem(&self) -> String {
        let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
        for line in self.der_base64.as_bytes().chunks(64) {
            out.push_str(std::str::from_utf8(line).unwrap_or_default());
            out.push('\n');
        }
        out.push_str("-----END CERTIFICATE-----\n");
        out
    }

    /// PEM armour with CRLF line endings: Entra's "Certificate (Base64)" `.cer` download.
    pub fn base64_cer(&self) -> String {
        self.pem().replace('\n', "\r\n")
    }

    /// Hex SHA-1 thumbprint, upper case, as the Entra portal shows it.
    pub fn thumbprint(&self) -> String {
        self.x509
            .digest(MessageDigest::sha1())
            .map(|d| d.iter().map(|b| format!("{b:02X}")).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn generation_is_deterministic_and_entra_shaped() {
        let key = SigningCert::parse_key(BUNDLED_KEY_PEM).unwrap();
        let a = SigningCert::generate(
            key.clone(),
            datetime!(2025-11-01 0:00 UTC),
            datetime!(2028-11-01 0:00 UTC),
        )
        .unwrap();
        let b = SigningCert::generate(
            key,
            datetime!(2025-11-01 0:00 UTC),
            datetime!(2028-11-01 0:00 UTC),
        )
        .unwrap();
        assert_eq!(a.der_base64(), b.der_base64());
        let x = a.x509();
        assert_eq!(x.version(), 2);
        assert_eq!(x.serial_number().to_bn().unwrap().num_bytes(), 16);
        let cn = x
            .subject_name()
            .entries_by_nid(Nid::COMMONNAME)
            .next()
            .unwrap();
        assert_eq!(cn.data().to_string().unwrap(), ENTRA_CERT_CN);
        // DER of the CN value: tag 0x13 (PrintableString).
        assert!(a
            .der()
            .windows(2 + ENTRA_CERT_CN.len())
            .any(|w| w[0] == 0x13 && &w[2..] == ENTRA_CERT_CN.as_bytes()));
        let serial = x.serial_number().to_bn().unwrap().to_vec();
        assert_eq!(serial.len(), 16);
        assert_eq!(serial[8] >> 4, 4, "GUID version nibble");
        assert_eq!(serial[7] >> 6, 0b10, "GUID variant bits");
        assert_eq!(x.public_key().unwrap().bits(), 2048);
        let text = String::from_utf8(x.to_text().unwrap()).unwrap();
        assert!(!text.contains("X509v3 extensions"), "{text}");
        assert!(text.contains("sha256WithRSAEncryption"));
        assert!(a.base64_cer().contains("\r\n"));
        assert_eq!(a.thumbprint().len(), 40);
    }

    #[test]
    fn a_certificate_for_another_key_is_refused() {
        let key = SigningCert::parse_key(BUNDLED_KEY_PEM).unwrap();
        let other =
            SigningCert::parse_key(include_str!("../../fixtures/keys/idp-signing-2.key.pem"))
                .unwrap();
        let cert = SigningCert::generate(
            other,
            datetime!(2025-11-01 0:00 UTC),
            datetime!(2028-11-01 0:00 UTC),
        )
        .unwrap();
        let err = SigningCert::from_pem(key, &cert.pem()).unwrap_err();
        assert!(matches!(err, CertError::KeyMismatch));
    }
}
