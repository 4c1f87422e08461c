//! Every signature we make must verify with a verifier we did not write: Debian's `xmlsec1`.

mod common;

use common::{xmlsec1_verifies, ASSERTION_SIG, ROOT_SIG as RESPONSE_SIG};
use mock_idp::cert::{SigningCert, BUNDLED_KEY_PEM};
use mock_idp::response::{Attribute, LoginResponse, SignWhat, Signing};
use mock_idp::sign::Algorithm;
use time::macros::datetime;
use time::Duration;

fn cert() -> SigningCert {
    let key = SigningCert::parse_key(BUNDLED_KEY_PEM).unwrap();
    SigningCert::generate(
        key,
        datetime!(2025-11-01 0:00 UTC),
        datetime!(2028-11-01 0:00 UTC),
    )
    .unwrap()
}

fn login() -> LoginResponse {
    LoginResponse {
        issuer: "https://sts.windows.net/0b7e2a3c-1111-4222-8333-444455556666/".into(),
        destination: "https://sp.example.test/acs?x=1&y=<2>".into(),
        recipient: "https://sp.example.test/acs?x=1&y=<2>".into(),
        in_response_to: Some("_req\"1".into()),
        audience: "https://sp.example.test/".into(),
        name_id_format: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress".into(),
        name_id: "B.Simon@contoso.com".into(),
        attributes: vec![Attribute {
            name: "email".into(),
            values: vec!["b&s@contoso.com".into(), "tab\there\r\n".into()],
        }],
        token_time: datetime!(2026-11-25 10:00:00.123 UTC),
        authn_instant: datetime!(2026-11-25 09:59:00 UTC),
        authn_context_class: mock_idp::response::AC_PASSWORD.into(),
        subject_confirmation_lifetime: Duration::minutes(60),
        response_id: saml_protocol::Ids::random().next(),
        assertion_id: saml_protocol::Ids::random().next(),
        encrypt_to: None,
    }
}

#[test]
fn every_signing_option_and_algorithm_verifies_and_tampering_fails() {
    let cert = cert();
    for what in [SignWhat::Assertion, SignWhat::Response, SignWhat::Both] {
        for algorithm in [Algorithm::Sha256, Algorithm::Sha1] {
            let xml = login()
                .to_xml(Some(Signing {
                    cert: &cert,
                    algorithm,
                    what,
                }))
                .unwrap();
            let sigs: Vec<&str> = match what {
                SignWhat::Assertion => vec![ASSERTION_SIG],
                SignWhat::Response => vec![RESPONSE_SIG],
                SignWhat::Both => vec![ASSERTION_SIG, RESPONSE_SIG],
            };
            for xpath in sigs {
                assert!(
                    xmlsec1_verifies(&xml, &cert.pem(), xpath),
                    "{what:?} {algorithm:?} {xpath}\n{xml}"
                );
                let tampered = xml.replace("B.Simon@contoso.com", "Admin@contoso.com");
                assert!(
                    !xmlsec1_verifies(&tampered, &cert.pem(), xpath),
                    "tampered {what:?} {algorithm:?} {xpath}"
                );
            }
        }
    }
}
