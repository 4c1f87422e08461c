//! The HTTP-Redirect binding's query (SAML Bindings §3.4.4): built as Entra writes it, read
//! carefully (one occurrence of each parameter, names as sent) and its signature verified over
//! the raw octets.

use base64::Engine;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};

/// The parameters the binding gives meaning to: each may appear once.
const BINDING_PARAMETERS: [&str; 5] = [
    "SAMLRequest",
    "SAMLResponse",
    "RelayState",
    "SigAlg",
    "Signature",
];

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

/// The digest of `sig_alg` (an RSA SigAlg URI), if it is one Entra uses.
pub fn digest_of(sig_alg: &str) -> Option<MessageDigest> {
    ALGORITHMS
        .iter()
        .find(|(uri, _)| *uri == sig_alg)
        .map(|(_, digest)| digest())
}

/// `name=value` with `value` form-encoded, percent escapes in lower case as Microsoft writes
/// them (`%2f`).
pub fn pair(name: &str, value: &str) -> String {
    let encoded: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
    let mut out = String::with_capacity(name.len() + 1 + encoded.len());
    out.push_str(name);
    out.push('=');
    let mut hex_left = 0;
    for c in encoded.chars() {
        if hex_left > 0 {
            out.push(c.to_ascii_lowercase());
            hex_left -= 1;
        } else {
            out.push(c);
            if c == '%' {
                hex_left = 2;
            }
        }
    }
    out
}

/// The unsigned query carrying `xml` as `param` (raw DEFLATE, base64, form-encoded), then
/// RelayState when given.
pub fn unsigned_query(param: &str, xml: &str, relay_state: Option<&str>) -> String {
    let mut query = pair(param, &crate::deflate_base64(xml));
    if let Some(rs) = relay_state {
        query.push('&');
        query.push_str(&pair("RelayState", rs));
    }
    query
}

/// `unsigned` (from [`unsigned_query`]) with `SigAlg` and a `Signature` by `key` over exactly
/// the octets before `&Signature` (§3.4.4.1). `sig_alg` must be one of Entra's RSA URIs.
pub fn signed_query(unsigned: &str, sig_alg: &str, key: &PKey<Private>) -> Result<String, String> {
    let digest = digest_of(sig_alg).ok_or_else(|| format!("unknown SigAlg {sig_alg:?}"))?;
    let signed = format!("{unsigned}&{}", pair("SigAlg", sig_alg));
    let signature = openssl::sign::Signer::new(digest, key)
        .and_then(|mut s| s.sign_oneshot_to_vec(signed.as_bytes()))
        .map_err(|e| format!("signing failed: {e}"))?;
    let signature = base64::engine::general_purpose::STANDARD.encode(signature);
    Ok(format!("{signed}&{}", pair("Signature", &signature)))
}

/// A Redirect-binding message as read from a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedirectMessage {
    /// `SAMLRequest` or `SAMLResponse`.
    pub parameter: &'static str,
    /// Its value, form-decoded (base64 of the DEFLATEd XML).
    pub value: String,
    /// RelayState, form-decoded.
    pub relay_state: Option<String>,
    /// The signature, when the query carries `SigAlg` and `Signature`.
    pub signature: Option<RedirectSignature>,
}

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

/// Reads the message of a Redirect-binding query with the care CVE-2025-31335 (OpenSAML C++)
/// and CVE-2025-27773 (simplesamlphp/saml2) lacked: a binding parameter that appears twice,
/// under a percent-encoded name, or both `SAMLRequest` and `SAMLResponse`, is refused; the
/// signed octets and the message come from the same raw pairs.
pub fn read(raw_query: &str) -> Result<RedirectMessage, String> {
    let mut found: Vec<(&'static str, &str)> = Vec::new();
    for raw in raw_query.split('&').filter(|p| !p.is_empty()) {
        let raw_name = raw.split('=').next().unwrap_or_default();
        let name: String = form_urlencoded::parse(raw_name.as_bytes())
            .next()
            .map(|(n, _)| n.into_owned())
            .unwrap_or_default();
        let Some(known) = BINDING_PARAMETERS.iter().find(|p| **p == name) else {
            continue;
        };
        if raw_name != name {
            return Err(format!(
                "the parameter name {raw_name:?} is {name} percent-encoded; refused (a signature check and a decoder could read different parameters); hint: send SAMLRequest or SAMLResponse, RelayState, SigAlg and Signature once each, names as they are"
            ));
        }
        if found.iter().any(|(n, _)| n == known) {
            return Err(format!(
                "{name} appears more than once; refused (a signature check and a decoder could read different ones); hint: send each binding parameter once"
            ));
        }
        found.push((known, raw));
    }
    let raw = |name: &str| found.iter().find(|(n, _)| *n == name).map(|(_, r)| *r);
    let decoded = |pair: &str| {
        form_urlencoded::parse(pair.as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let (parameter, message) = match (raw("SAMLRequest"), raw("SAMLResponse")) {
        (Some(_), Some(_)) => {
            return Err("both SAMLRequest and SAMLResponse are present; refused".into())
        }
        (Some(m), None) => ("SAMLRequest", m),
        (None, Some(m)) => ("SAMLResponse", m),
        (None, None) => return Err("no SAMLRequest or SAMLResponse".into()),
    };
    let signature = match (raw("SigAlg"), raw("Signature")) {
        (Some(sig_alg), Some(sig)) => {
            let mut signed_octets = message.to_owned();
            if let Some(rs) = raw("RelayState") {
                signed_octets.push('&');
                signed_octets.push_str(rs);
            }
            signed_octets.push('&');
            signed_octets.push_str(sig_alg);
            // A `+` sent unescaped decodes as a space: base64 has none.
            let signature = base64::engine::general_purpose::STANDARD
                .decode(decoded(sig).trim().replace(' ', "+"))
                .map_err(|e| format!("the Signature parameter is not base64: {e}"))?;
            Some(RedirectSignature {
                signed_octets,
                sig_alg: decoded(sig_alg),
                signature,
            })
        }
        (None, None) => None,
        _ => return Err("SigAlg and Signature must come together".into()),
    };
    Ok(RedirectMessage {
        parameter,
        value: decoded(message),
        relay_state: raw("RelayState").map(decoded),
        signature,
    })
}

impl RedirectSignature {
    /// Whether any of `certs` verifies the signature with the announced algorithm (RSA-SHA256
    /// or RSA-SHA1; any other is not verified).
    pub fn verifies_with(&self, certs: &[openssl::x509::X509]) -> bool {
        let Some(digest) = digest_of(&self.sig_alg) else {
            return false;
        };
        certs.iter().any(|c| {
            c.public_key()
                .and_then(|k| {
                    let mut v = openssl::sign::Verifier::new(digest, &k)?;
                    v.verify_oneshot(&self.signature, self.signed_octets.as_bytes())
                })
                .unwrap_or(false)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA256: &str = "http%3a%2f%2fwww.w3.org%2f2001%2f04%2fxmldsig-more%23rsa-sha256";

    #[test]
    fn the_signed_octets_are_the_raw_pairs_in_binding_order() {
        let q = format!("Signature=c2ln&SAMLRequest=abc%2B&SigAlg={SHA256}&RelayState=r%20s");
        let m = read(&q).unwrap();
        let s = m.signature.unwrap();
        assert_eq!(
            s.signed_octets,
            format!("SAMLRequest=abc%2B&RelayState=r%20s&SigAlg={SHA256}")
        );
        assert_eq!(s.sig_alg, ALGORITHMS[0].0);
        assert_eq!(s.signature, b"sig");
        assert_eq!((m.parameter, m.value.as_str()), ("SAMLRequest", "abc+"));
        assert_eq!(m.relay_state.as_deref(), Some("r s"));
        assert_eq!(read("SAMLRequest=abc").unwrap().signature, None);
        assert!(read(&format!("SAMLRequest=a&SigAlg={SHA256}&Signature=%%%")).is_err());
    }

    #[test]
    fn the_shapes_of_cve_2025_31335_and_27773_are_refused() {
        for query in [
            "SAMLResponse=F&SAMLRequest=C&SigAlg=A&Signature=c2ln",
            "SAMLRequest=F&SAMLResponse=C&SigAlg=A&Signature=c2ln",
            "SAML%52equest=F&SAMLRequest=C&SigAlg=A&Signature=c2ln",
            "SAMLRequest=C&SAMLRequest=F&SigAlg=A&Signature=c2ln",
            "SAMLRequest=C&SigAlg=A",
            "RelayState=x",
        ] {
            assert!(read(query).is_err(), "{query}");
        }
        // A prefixed name is another parameter: the message and the signed octets agree.
        let m = read("xSAMLRequest=C&SAMLRequest=F&SigAlg=A&Signature=c2ln").unwrap();
        assert_eq!(m.value, "F");
        assert!(m
            .signature
            .unwrap()
            .signed_octets
            .starts_with("SAMLRequest=F&"));
    }

    #[test]
    fn a_built_query_reads_back_and_verifies() {
        let rsa = openssl::rsa::Rsa::generate(2048).unwrap();
        let key = PKey::from_rsa(rsa).unwrap();
        let unsigned = unsigned_query("SAMLRequest", "<x/>", Some("/next"));
        let signed = signed_query(&unsigned, ALGORITHMS[0].0, &key).unwrap();
        assert!(signed.contains("%2f"), "lower-case escapes: {signed}");
        let m = read(&signed).unwrap();
        let mut name = openssl::x509::X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", "t").unwrap();
        let name = name.build();
        let mut cert = openssl::x509::X509Builder::new().unwrap();
        cert.set_subject_name(&name).unwrap();
        cert.set_issuer_name(&name).unwrap();
        cert.set_pubkey(&key).unwrap();
        cert.sign(&key, MessageDigest::sha256()).unwrap();
        assert!(m.signature.unwrap().verifies_with(&[cert.build()]));
    }
}
