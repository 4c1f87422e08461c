//! XML Encryption for SAML assertions, the one home of its algorithm URIs: sealing a
//! plaintext to an SP certificate (AES-256-CBC content, RSA key transport, as Entra's token
//! encryption does) and opening it again with the SP's key.

use base64::Engine;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Padding;
use openssl::symm::Cipher;
use openssl::x509::X509;

use crate::{ASSERTION_NS, DSIG_NS};

/// The XML Encryption namespace (prefix `xenc`).
pub const XENC_NS: &str = "http://www.w3.org/2001/04/xmlenc#";
/// Content encryption: AES-256 in CBC mode (what Entra uses).
pub const AES256_CBC: &str = "http://www.w3.org/2001/04/xmlenc#aes256-cbc";
/// Content encryption: AES-128 in CBC mode.
pub const AES128_CBC: &str = "http://www.w3.org/2001/04/xmlenc#aes128-cbc";
/// Content encryption: AES-128 in GCM mode (XML Encryption 1.1).
pub const AES128_GCM: &str = "http://www.w3.org/2009/xmlenc11#aes128-gcm";
/// Content encryption: AES-256 in GCM mode (XML Encryption 1.1).
pub const AES256_GCM: &str = "http://www.w3.org/2009/xmlenc11#aes256-gcm";
/// Key transport: RSA-OAEP with MGF1/SHA-1 (Entra's).
pub const RSA_OAEP: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
/// Key transport: RSA PKCS#1 v1.5, open to Bleichenbacher-style padding oracles.
pub const RSA_1_5: &str = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";
/// The digest RSA-OAEP (`rsa-oaep-mgf1p`) uses by default, named in its EncryptionMethod.
pub const OAEP_SHA1_DIGEST: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
/// The `Type` of EncryptedData holding one element.
pub const ELEMENT_TYPE: &str = "http://www.w3.org/2001/04/xmlenc#Element";
/// The `Type` of a `ds:RetrievalMethod` that points at an `xenc:EncryptedKey`.
pub const ENCRYPTED_KEY_TYPE: &str = "http://www.w3.org/2001/04/xmlenc#EncryptedKey";

/// How the content key travels to the recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyTransport {
    /// RSA-OAEP (MGF1, SHA-1).
    RsaOaep,
    /// RSA PKCS#1 v1.5.
    Rsa15,
}

impl KeyTransport {
    /// The algorithm URI.
    pub fn uri(self) -> &'static str {
        match self {
            KeyTransport::RsaOaep => RSA_OAEP,
            KeyTransport::Rsa15 => RSA_1_5,
        }
    }
}

/// A plaintext sealed for one recipient: the wrapped content key and the content
/// (IV followed by the AES-256-CBC ciphertext, as XML Encryption lays it out).
pub struct Sealed {
    /// The content key encrypted to the recipient.
    pub wrapped_key: Vec<u8>,
    /// IV and ciphertext.
    pub content: Vec<u8>,
}

/// Seals `plaintext` for `recipient` with a fresh AES-256 key.
pub fn seal(
    plaintext: &[u8],
    recipient: &X509,
    transport: KeyTransport,
) -> Result<Sealed, openssl::error::ErrorStack> {
    seal_blocks(&padded(plaintext), recipient, transport)
}

/// `plaintext` filled to whole AES blocks with XML Encryption's padding (§5.2), in the
/// PKCS#7 form: `n` bytes of value `n`, 1 to 16 of them.
pub fn padded(plaintext: &[u8]) -> Vec<u8> {
    let fill = 16 - plaintext.len() % 16;
    let mut blocks = plaintext.to_vec();
    blocks.resize(plaintext.len() + fill, fill as u8);
    blocks
}

/// Seals `blocks` (whole AES blocks, their padding already in them) for `recipient` with a
/// fresh AES-256 key, adding nothing.
pub fn seal_blocks(
    blocks: &[u8],
    recipient: &X509,
    transport: KeyTransport,
) -> Result<Sealed, openssl::error::ErrorStack> {
    let mut key = [0u8; 32];
    let mut iv = [0u8; 16];
    openssl::rand::rand_bytes(&mut key)?;
    openssl::rand::rand_bytes(&mut iv)?;
    let mut crypter = openssl::symm::Crypter::new(
        Cipher::aes_256_cbc(),
        openssl::symm::Mode::Encrypt,
        &key,
        Some(&iv),
    )?;
    crypter.pad(false);
    let mut out = vec![0u8; blocks.len() + 16];
    let n = crypter.update(blocks, &mut out)?;
    let n = n + crypter.finalize(&mut out[n..])?;
    out.truncate(n);
    let mut content = iv.to_vec();
    content.extend(out);
    let public = recipient.public_key()?;
    let mut encrypter = openssl::encrypt::Encrypter::new(&public)?;
    encrypter.set_rsa_padding(match transport {
        KeyTransport::RsaOaep => Padding::PKCS1_OAEP,
        KeyTransport::Rsa15 => Padding::PKCS1,
    })?;
    let mut wrapped_key = vec![0u8; encrypter.encrypt_len(&key)?];
    let n = encrypter.encrypt(&key, &mut wrapped_key)?;
    wrapped_key.truncate(n);
    Ok(Sealed {
        wrapped_key,
        content,
    })
}

/// `plaintext` (an Assertion's wire form) as a `saml:EncryptedAssertion` element for
/// `recipient`, every namespace declared on it.
pub fn encrypted_assertion(
    plaintext: &str,
    recipient: &X509,
    transport: KeyTransport,
) -> Result<String, openssl::error::ErrorStack> {
    Ok(encrypted_assertion_of(
        &seal(plaintext.as_bytes(), recipient, transport)?,
        transport,
    ))
}

/// `sealed` (its key wrapped with `transport`) as a `saml:EncryptedAssertion` element,
/// every namespace declared on it.
pub fn encrypted_assertion_of(sealed: &Sealed, transport: KeyTransport) -> String {
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let digest = match transport {
        KeyTransport::RsaOaep => {
            format!("<ds:DigestMethod xmlns:ds=\"{DSIG_NS}\" Algorithm=\"{OAEP_SHA1_DIGEST}\"/>")
        }
        KeyTransport::Rsa15 => String::new(),
    };
    format!(
        "<saml:EncryptedAssertion xmlns:saml=\"{ASSERTION_NS}\">\
         <xenc:EncryptedData xmlns:xenc=\"{XENC_NS}\" Type=\"{ELEMENT_TYPE}\">\
         <xenc:EncryptionMethod Algorithm=\"{AES256_CBC}\"/>\
         <ds:KeyInfo xmlns:ds=\"{DSIG_NS}\"><xenc:EncryptedKey>\
         <xenc:EncryptionMethod Algorithm=\"{}\">{digest}</xenc:EncryptionMethod>\
         <xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData>\
         </xenc:EncryptedKey></ds:KeyInfo>\
         <xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData>\
         </xenc:EncryptedData></saml:EncryptedAssertion>",
        transport.uri(),
        b64(&sealed.wrapped_key),
        b64(&sealed.content)
    )
}

/// Unwraps a content key sent with `transport_uri` using the recipient's `key`.
pub fn unwrap_key(
    wrapped: &[u8],
    key: &PKey<Private>,
    transport_uri: &str,
) -> Result<Vec<u8>, String> {
    let padding = match transport_uri {
        RSA_OAEP => Padding::PKCS1_OAEP,
        RSA_1_5 => Padding::PKCS1,
        other => {
            return Err(format!(
                "key transport {other:?} is not supported; hint: use RSA-OAEP ({RSA_OAEP})"
            ))
        }
    };
    let fail = |e: openssl::error::ErrorStack| format!("cannot unwrap the content key: {e}");
    let mut decrypter = openssl::encrypt::Decrypter::new(key).map_err(fail)?;
    decrypter.set_rsa_padding(padding).map_err(fail)?;
    let mut out = vec![0u8; decrypter.decrypt_len(wrapped).map_err(fail)?];
    let n = decrypter.decrypt(wrapped, &mut out).map_err(fail)?;
    out.truncate(n);
    Ok(out)
}

/// Why [`open`] failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unopened {
    /// The CBC plaintext's last byte is no padding length (0, or over the block's 16).
    Padding,
    /// Anything else: the algorithm, the layout, the key, the GCM tag.
    Other(String),
}

impl std::fmt::Display for Unopened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unopened::Padding => f.write_str("cannot decrypt the content: bad padding"),
            Unopened::Other(why) => f.write_str(why),
        }
    }
}

/// Decrypts `content` (IV, ciphertext and, for GCM, the tag) sent with `content_uri`.
pub fn open(content: &[u8], key: &[u8], content_uri: &str) -> Result<Vec<u8>, Unopened> {
    let fail =
        |e: openssl::error::ErrorStack| Unopened::Other(format!("cannot decrypt the content: {e}"));
    // XML Encryption's padding (§5.2): only the last byte counts (the padding length); the
    // others are arbitrary (ISO 10126, as .NET and xmlsec1 write it), so it is removed here.
    let cbc = |cipher: Cipher| {
        let (iv, data) = content.split_at_checked(16).ok_or_else(|| {
            Unopened::Other("the encrypted content is shorter than its IV".into())
        })?;
        if data.is_empty() || data.len() % 16 != 0 {
            return Err(Unopened::Other(
                "the encrypted content is not whole AES blocks".into(),
            ));
        }
        let mut crypter =
            openssl::symm::Crypter::new(cipher, openssl::symm::Mode::Decrypt, key, Some(iv))
                .map_err(fail)?;
        crypter.pad(false);
        let mut out = vec![0u8; data.len() + 16];
        let n = crypter.update(data, &mut out).map_err(fail)?;
        let n = n + crypter.finalize(&mut out[n..]).map_err(fail)?;
        out.truncate(n);
        let pad = usize::from(*out.last().unwrap_or(&0));
        if pad == 0 || pad > 16 || pad > out.len() {
            return Err(Unopened::Padding);
        }
        out.truncate(out.len() - pad);
        Ok(out)
    };
    let gcm = |cipher: Cipher| {
        if content.len() < 12 + 16 {
            return Err(Unopened::Other(
                "the encrypted content is shorter than its IV and tag".into(),
            ));
        }
        let (iv, rest) = content.split_at(12);
        let (data, tag) = rest.split_at(rest.len() - 16);
        openssl::symm::decrypt_aead(cipher, key, Some(iv), &[], data, tag).map_err(fail)
    };
    match content_uri {
        AES256_CBC => cbc(Cipher::aes_256_cbc()),
        AES128_CBC => cbc(Cipher::aes_128_cbc()),
        AES128_GCM => gcm(Cipher::aes_128_gcm()),
        AES256_GCM => gcm(Cipher::aes_256_gcm()),
        other => Err(Unopened::Other(format!(
            "content encryption {other:?} is not supported; hint: use AES-CBC or AES-GCM"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_sealed_opens_with_the_recipients_key() {
        let pkey = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
        let mut name = openssl::x509::X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", "sp").unwrap();
        let name = name.build();
        let mut b = X509::builder().unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(&name).unwrap();
        b.set_pubkey(&pkey).unwrap();
        b.sign(&pkey, openssl::hash::MessageDigest::sha256())
            .unwrap();
        let cert = b.build();
        for transport in [KeyTransport::RsaOaep, KeyTransport::Rsa15] {
            let sealed = seal(b"<Assertion/>", &cert, transport).unwrap();
            let key = unwrap_key(&sealed.wrapped_key, &pkey, transport.uri()).unwrap();
            assert_eq!(
                open(&sealed.content, &key, AES256_CBC).unwrap(),
                b"<Assertion/>"
            );
        }
        // A last byte over 16 is no padding length, and is told as such.
        let mut blocks = padded(b"<Assertion/>");
        assert_eq!(blocks.len(), 16);
        *blocks.last_mut().unwrap() = 0x20;
        let sealed = seal_blocks(&blocks, &cert, KeyTransport::RsaOaep).unwrap();
        let key = unwrap_key(&sealed.wrapped_key, &pkey, RSA_OAEP).unwrap();
        assert_eq!(
            open(&sealed.content, &key, AES256_CBC),
            Err(Unopened::Padding)
        );
        // Random padding bytes before the length byte (ISO 10126) open too.
        let (key, iv) = ([7u8; 16], [9u8; 16]);
        let mut block = b"<A/>".to_vec();
        block.extend([0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 12]);
        let mut c = openssl::symm::Crypter::new(
            Cipher::aes_128_cbc(),
            openssl::symm::Mode::Encrypt,
            &key,
            Some(&iv),
        )
        .unwrap();
        c.pad(false);
        let mut out = vec![0u8; 32];
        let n = c.update(&block, &mut out).unwrap();
        let mut content = iv.to_vec();
        content.extend(&out[..n]);
        assert_eq!(open(&content, &key, AES128_CBC).unwrap(), b"<A/>");
        assert!(open(&content[..20], &key, AES128_CBC).is_err());
        assert!(unwrap_key(b"x", &pkey, "urn:other")
            .unwrap_err()
            .contains("hint"));
    }
}
