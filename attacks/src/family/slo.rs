//! `slo/`: the IdP's LogoutRequest for a signed-in session, forged so that only an SP that
//! authenticates sign-out messages refuses it.

use openssl::hash::MessageDigest;
use openssl::sign::Signer;

use crate::check::LogoutForgery;
use crate::forge::Skip;

/// `SigAlg` of the attacker's query signature (RSA-SHA256, what Entra uses).
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

/// The Redirect-binding query carrying `xml` (the IdP's LogoutRequest), forged as `forgery`.
pub fn redirect_query(forgery: LogoutForgery, xml: &str) -> Result<String, Skip> {
    let pair = |k: &str, v: &str| {
        let encoded: String = form_urlencoded::byte_serialize(v.as_bytes()).collect();
        format!("{k}={encoded}")
    };
    let request = pair("SAMLRequest", &saml_protocol::deflate_base64(xml));
    match forgery {
        LogoutForgery::Unsigned => Ok(request),
        LogoutForgery::UntrustedKey => {
            let signed = format!("{request}&{}", pair("SigAlg", RSA_SHA256));
            let key = crate::crypto::attacker_key()?;
            let failed = |e: openssl::error::ErrorStack| Skip::Failed(e.to_string());
            let mut signer = Signer::new(MessageDigest::sha256(), key).map_err(failed)?;
            signer.update(signed.as_bytes()).map_err(failed)?;
            let signature = signer.sign_to_vec().map_err(failed)?;
            use base64::Engine as _;
            let signature = base64::engine::general_purpose::STANDARD.encode(signature);
            Ok(format!("{signed}&{}", pair("Signature", &signature)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unsigned_query_has_no_signature_and_the_other_one_does() {
        let xml = "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>";
        let unsigned = redirect_query(LogoutForgery::Unsigned, xml).unwrap();
        assert!(unsigned.starts_with("SAMLRequest=") && !unsigned.contains("Signature"));
        let decoded: Vec<(String, String)> = form_urlencoded::parse(unsigned.as_bytes())
            .into_owned()
            .collect();
        use base64::Engine as _;
        let deflated = base64::engine::general_purpose::STANDARD
            .decode(&decoded[0].1)
            .unwrap();
        let inflated = saml_protocol::inflate_bounded(&deflated, 1 << 16).unwrap();
        assert_eq!(inflated, xml.as_bytes(), "the IdP's XML, unchanged");
        let signed = redirect_query(LogoutForgery::UntrustedKey, xml).unwrap();
        assert!(signed.starts_with(&unsigned), "{signed}");
        assert!(signed.contains("&SigAlg=") && signed.contains("&Signature="));
    }
}
