//! The reference SP's validation on responses from mock-idp: the good one passes; each broken
//! one is refused for its own reason, and accepted once the matching flaw is switched on.

use mock_idp::config::Config;
use mock_idp::idp::Idp;
use reference_sp::trust::IdpTrust;
use reference_sp::validate::{validate, Checks};
use reference_sp::{Flaw, Flaws};
use time::{Duration, OffsetDateTime};

const SP: &str = "http://sp.test/saml/metadata";
const ACS: &str = "http://sp.test/saml/acs";

fn idp() -> Idp {
    let yaml =
        format!("applications:\n  - {{name: sp, identifiers: ['{SP}'], reply_urls: ['{ACS}']}}\n");
    Idp::new(Config::from_yaml_str(&yaml, "t.yaml", std::path::Path::new(".")).unwrap())
}

fn trust(idp: &Idp) -> IdpTrust {
    let app = &idp.config.apps[0];
    let md = mock_idp::metadata::app_metadata(&idp.config.tenant, "http://idp.test", app).unwrap();
    IdpTrust::from_metadata(&md).unwrap()
}

fn check(xml: &str, flaws: &[Flaw]) -> Result<String, String> {
    check_with(&trust(&idp()), xml, flaws)
}

/// Validates `xml` for this SP trusting `trust`, with `flaws`.
fn check_with(trust: &IdpTrust, xml: &str, flaws: &[Flaw]) -> Result<String, String> {
    let flaws: Flaws = flaws.iter().copied().collect();
    let checks = Checks {
        sp_entity_id: SP,
        acs_url: ACS,
        idp: trust,
        now: OffsetDateTime::now_utc(),
        skew: Duration::minutes(3),
        flaws: &flaws,
        decryption_key: None,
    };
    validate(xml, &checks).map(|l| l.name_id).map_err(|e| e.0)
}

fn signed(edit: impl FnOnce(&mut mock_idp::response::LoginResponse)) -> String {
    let idp = idp();
    let (app, user) = (&idp.config.apps[0], idp.config.user(None).unwrap());
    let mut login = idp.login_response(
        app,
        user,
        ACS,
        Some("_req"),
        None,
        OffsetDateTime::now_utc(),
    );
    edit(&mut login);
    idp.sign(app, &login).unwrap()
}

#[test]
fn metadata_gives_the_trusted_issuer_sso_url_and_certificate() {
    let idp = idp();
    let t = trust(&idp);
    assert_eq!(t.entity_id, idp.entity_id());
    assert_eq!(
        t.sso_url,
        format!("http://idp.test/{}/saml2", idp.config.tenant.id)
    );
    assert_eq!(t.certificates, vec![idp.config.apps[0].active_cert().pem()]);
}

#[test]
fn the_good_response_passes() {
    assert_eq!(
        check(&signed(|_| {}), &[]),
        Ok("B.Simon@contoso.com".into())
    );
}

#[test]
fn each_broken_response_is_refused_unless_its_flaw_is_on() {
    let tampered =
        signed(|_| {}).replace("B.Simon@contoso.com</NameID>", "Admin@contoso.com</NameID>");
    let cases: Vec<(String, &[Flaw], &str)> = vec![
        (tampered, &[Flaw::Signature], "signature"),
        (
            signed(|l| l.audience = "http://evil.test".into()),
            &[Flaw::Audience],
            "Audience",
        ),
        (
            signed(|l| l.recipient = "http://evil.test/acs".into()),
            &[Flaw::Recipient],
            "Recipient",
        ),
        (
            signed(|l| l.destination = "http://evil.test/acs".into()),
            &[Flaw::Destination],
            "Destination",
        ),
        (
            signed(|l| l.token_time -= Duration::hours(2)),
            &[Flaw::TimeWindow],
            "expired",
        ),
        (
            signed(|l| l.token_time += Duration::hours(2)),
            &[Flaw::TimeWindow, Flaw::LenientProfile],
            "IssueInstant is in the future",
        ),
        (
            signed(|l| l.issuer = "https://sts.windows.net/evil/".into()),
            &[Flaw::Issuer],
            "Issuer",
        ),
    ];
    for (xml, flaws, reason) in cases {
        let err = check(&xml, &[]).unwrap_err();
        assert!(err.contains(reason), "{flaws:?}: {err}");
        assert!(
            check(&xml, flaws).is_ok(),
            "{flaws:?} switched off must accept: {:?}",
            check(&xml, flaws)
        );
    }
}

#[test]
fn an_sp_trusting_the_tenant_level_metadata_refuses_the_apps_tokens_as_with_entra() {
    let idp = idp();
    let tenant_md =
        mock_idp::metadata::tenant_metadata(&idp.config.tenant, "http://idp.test").unwrap();
    let app_cert = idp.config.apps[0].active_cert().der_base64().to_owned();
    assert!(
        !tenant_md.contains(&app_cert),
        "the app's certificate is not in it"
    );
    let trust = IdpTrust::from_metadata(&tenant_md).unwrap();
    assert_eq!(trust.certificates.len(), 3, "three tenant-wide keys");
    assert_eq!(trust.entity_id, idp.entity_id());
    let refused = check_with(&trust, &signed(|_| {}), &[]).unwrap_err();
    assert!(refused.contains("does not verify"), "{refused}");
}

/// The IdP's metadata with its key marked `key_use`.
fn metadata_marked(key_use: mock_idp::metadata::KeyUse) -> String {
    let idp = idp();
    let app = &idp.config.apps[0];
    mock_idp::metadata::metadata_with_key_use(
        &idp.config.tenant,
        "http://idp.test",
        &app.certificates,
        app.active_cert(),
        key_use,
    )
    .unwrap()
}

#[test]
fn with_no_signing_key_every_response_is_refused_unless_a_fail_open_flaw_skips_the_check() {
    let md = metadata_marked(mock_idp::metadata::KeyUse::Encryption);
    assert!(IdpTrust::from_metadata(&md).is_err(), "no signing key");
    let keyless = IdpTrust::read(&md, false).unwrap();
    assert!(keyless.certificates.is_empty());
    // Even the IdP's own response, signed by the key the metadata lists for encryption.
    let refused = check_with(&keyless, &signed(|_| {}), &[]).unwrap_err();
    assert!(refused.contains("names no signing key"), "{refused}");
    for flaw in [Flaw::NoKeyNoCheck, Flaw::UnmarkedKeyNoCheck] {
        assert!(
            check_with(&keyless, &signed(|_| {}), &[flaw]).is_ok(),
            "{flaw:?}"
        );
    }
}

#[test]
fn a_key_without_use_is_a_signing_key_unless_only_marked_keys_count() {
    let md = metadata_marked(mock_idp::metadata::KeyUse::Unstated);
    let trust = IdpTrust::from_metadata(&md).unwrap();
    assert_eq!(
        check_with(&trust, &signed(|_| {}), &[]).unwrap(),
        "B.Simon@contoso.com"
    );
    assert!(IdpTrust::read(&md, true).unwrap().certificates.is_empty());
}

#[test]
fn an_unsigned_assertion_named_with_an_empty_prefix_is_no_second_way_in() {
    // roxmltree reads `<:Assertion xmlns="…">` as an Assertion where libxml2, which verifies,
    // sees an element `:Assertion` in no namespace (Go's encoding/xml round trip made the same
    // shape a bypass of gosaml2 < 0.6.0, GHSA-xhqq-x44f-9fgg).
    let good = signed(|_| {});
    let at = good
        .find("<Assertion")
        .expect("the response has an Assertion");
    let forged = format!(
        r#"{}<:Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" ID="_forged" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"><Issuer>{}</Issuer><Subject><NameID>admin@contoso.com</NameID></Subject></:Assertion>{}"#,
        &good[..at],
        idp().entity_id(),
        &good[at..]
    );
    // roxmltree sees two Assertions, and exactly one is allowed.
    let refused = check(&forged, &[]).unwrap_err();
    assert!(refused.contains("2 Assertions"), "{refused}");
}

/// A response signed as a whole ("Sign SAML response").
fn response_signed() -> String {
    let idp = idp();
    let mut app = idp.config.apps[0].clone();
    app.sign = mock_idp::response::SignWhat::Response;
    let user = idp.config.user(None).unwrap();
    let login = idp.login_response(
        &app,
        user,
        ACS,
        Some("_req"),
        None,
        OffsetDateTime::now_utc(),
    );
    idp.sign(&app, &login).unwrap()
}

#[test]
fn the_document_copy_flaw_needs_the_signed_id_unique_as_parsed_as_ghes_did() {
    // A forged Response around the genuine one, carrying the genuine Signature, its own ID
    // written through an entity (the signed ID as parsed, gone in a libxml2 copy): GHES
    // first required the signed ID to be unique, which SAML Raider's `BypassIDUniqueness`
    // entity gets past by writing the genuine element's ID through a second entity.
    let good = response_signed();
    let good = good.trim_start_matches(|c| c != '<');
    let good = match good.strip_prefix("<?xml") {
        Some(rest) => &rest[rest.find("?>").unwrap() + 2..],
        None => good,
    };
    let id_at = good.find(" ID=\"").unwrap() + 5;
    let id = &good[id_at..id_at + good[id_at..].find('"').unwrap()];
    let sig = &good[good.find("<Signature").unwrap()..good.find("</Signature>").unwrap() + 12];
    let name_id = good.find("<NameID").unwrap();
    let (open, close) = (
        name_id + good[name_id..].find('>').unwrap() + 1,
        good.find("</NameID>").unwrap(),
    );
    let end = good.rfind("</").unwrap();
    let shape = |genuine_id: &str| {
        let genuine = good.replacen(
            &format!(" ID=\"{id}\""),
            &format!(" ID=\"{genuine_id}\""),
            1,
        );
        let outer = format!("{}admin@contoso.com{}", &good[..open], &good[close..end])
            .replacen(sig, "", 1)
            .replacen(&format!(" ID=\"{id}\""), " ID=\"&e;\"", 1);
        format!(
            "<!DOCTYPE samlp:Response [<!ENTITY e \"{id}\"><!ENTITY p \"P\">]>{outer}{genuine}{sig}{}",
            &good[end..]
        )
    };
    let flaws = [Flaw::IdsInDocumentCopy];
    let colliding = check(&shape(id), &flaws).unwrap_err();
    assert!(colliding.contains("not unique"), "{colliding}");
    assert_eq!(
        check(&shape(&format!("&p;{id}")), &flaws).as_deref(),
        Ok("admin@contoso.com"),
        "the uniqueness bypass forges the flawed SP"
    );
    assert!(check(&shape(&format!("&p;{id}")), &[]).is_err());
}
