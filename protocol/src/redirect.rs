//! The HTTP-Redirect binding's query signature (SAML Bindings §3.4.4.1): read from the raw
//! query, byte for byte, and verified.

use base64::Engine;
use openssl::hash::MessageDigest;

/// The parts of a Redirect-binding query that a signature covers, kept as sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedirectSignature {
    /// `SAMLRequest=…[&RelayState=…]&SigAlg=…`, byte for byte from the raw query.
    pub signed_octets: String,
    /// The SigAlg URI (decoded).
    pub sig_alg: String,
    /// The decoded signature bytes.
    pub signature: Vec<u8>,
}

/// Makes the digest a signature algorithm hashes with.
type Digest = fn() -> MessageDigest;

/// The RSA `SigAlg` URIs Entra uses, with their digests.
const ALGORITHMS: [(&str, Digest); 2] = [
    (
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        MessageDigest::sha256,
    ),
    (
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        MessageDigest::sha1,
    ),
];

/// Extracts the signature of a Redirect-binding query, if it carries one (`SigAlg` and
/// `Signature`). The signed octets are the raw `name=value` pairs as they appear in the query
/// (never re-encoded); an error says why the signature cannot be read.
pub fn signature_of(raw_query: &str) -> Result<Option<RedirectSignature>, String> {
    let raw = |name: &str| {
        raw_query
            .split('&')
            .find(|p| p.split('=').next() == Some(name))
    };
    let (Some(sig_alg_raw), Some(sig_raw)) = (raw("SigAlg"), raw("Signature")) else {
        return Ok(None);
    };
    let decoded = |pair: &str| {
        form_urlencoded::parse(pair.as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let message = raw("SAMLRequest")
        .or_else(|| raw("SAMLResponse"))
        .unwrap_or_default();
    let mut signed_octets = message.to_owned();
    if let Some(rs) = raw("RelayState") {
        signed_octets.push('&');
        signed_octets.push_str(rs);
    }
    signed_octets.push('&');
    signed_octets.push_str(sig_alg_raw);
    let signature = base64::engine::general_purpose::STANDARD
        .decode(decoded(sig_raw).trim())
        .map_err(|e| format!("the Signature parameter is not base64: {e}"))?;
    Ok(Some(RedirectSignature {
        signed_octets,
        sig_alg: decoded(sig_alg_raw),
        signature,
    }))
}

impl RedirectSignature {
    /// Whether any of `certs` verifies the signature with the announced algorithm (RSA-SHA256
    /// or RSA-SHA1; any other is not verified).
    pub fn verifies_with(&self, certs: &[openssl::x509::X509]) -> bool {
        let Some((_, digest)) = ALGORITHMS.iter().find(|(uri, _)| *uri == self.sig_alg) else {
            return false;
        };
        certs.iter().any(|c| {
            c.public_key()
                .and_then(|k| {
                    let mut v = openssl::sign::Verifier::new(digest(), &k)?;
                    v.verify_oneshot(&self.signature, self.signed_octets.as_bytes())
                })
                .unwrap_or(false)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_octets_are_the_raw_pairs_in_binding_order() {
        let q = "Signature=c2ln&SAMLRequest=abc%2B&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256&RelayState=r%20s";
        let s = signature_of(q).unwrap().unwrap();
        assert_eq!(s.signed_octets, "SAMLRequest=abc%2B&RelayState=r%20s&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256");
        assert_eq!(s.sig_alg, ALGORITHMS[0].0);
        assert_eq!(s.signature, b"sig");
        assert_eq!(signature_of("SAMLRequest=abc").unwrap(), None);
        assert!(signature_of("SAMLRequest=a&SigAlg=x&Signature=%%%").is_err());
    }
}
