//! Seeds for the catalogue's tests: the built-in mock IdP's signed response for B.Simon.

use attacks::forge::IdpKey;
use attacks::{Check, Forged, Seed, Skip};
use mock_idp::config::Config;
use mock_idp::idp::Idp;
use mock_idp::response::{LoginResponse, SignWhat};

/// The IdP, its first app and a login for B.Simon at `now`, with fixed IDs.
pub fn login(now: time::OffsetDateTime) -> (Idp, LoginResponse) {
    let idp = Idp::new(Config::builtin());
    let app = idp.config.apps[0].clone();
    let user = idp.config.user(None).unwrap().clone();
    let mut login = idp.login_response(
        &app,
        &user,
        &app.default_reply_url,
        Some("_request-1"),
        None,
        now,
    );
    login.response_id = "_response-1".into();
    login.assertion_id = "_assertion-1".into();
    (idp, login)
}

/// Runs `check` on `login` signed as the check's seed needs, as the harness does in process.
pub fn forge(
    idp: &Idp,
    login: &LoginResponse,
    check: &Check,
    sign: SignWhat,
) -> Result<Forged, Skip> {
    let mut app = idp.config.apps[0].clone();
    app.sign = match (check.seed, sign) {
        (Seed::ResponseSigned, SignWhat::Assertion)
        | (Seed::AssertionSigned, SignWhat::Response) => SignWhat::Both,
        (_, s) => s,
    };
    let seed = idp
        .sign(&app, login)
        .map_err(|e| Skip::NotApplicable(e.message()))?;
    let cert = app.active_cert();
    let key = IdpKey {
        key: cert.key().clone(),
    };
    let metadata = mock_idp::metadata::app_metadata(
        &idp.config.tenant,
        "https://login.microsoftonline.com",
        &app,
    )
    .ok();
    let donors = attacks::Donors {
        metadata: metadata.as_deref(),
    };
    let canary = attacks::Canary {
        prefix: "http://127.0.0.1:9/canary/test".into(),
        file: "/tmp/saml-harness-canary-test".into(),
    };
    let sp = sp_certificate();
    let facts = attacks::SpFacts {
        encryption_certificate: Some(&sp),
        wants_assertions_signed: true,
    };
    check.forge(&seed, Some(&key), donors, Some(&canary), facts)
}

/// The SP certificate the encrypted-assertion checks encrypt to (the fixture `sp-1`).
pub fn sp_certificate() -> openssl::x509::X509 {
    openssl::x509::X509::from_pem(include_bytes!("../../../fixtures/keys/sp-1.cert.pem")).unwrap()
}
