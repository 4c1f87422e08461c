//! SPs that misbehave (wiremock): each gets a clear verdict in bounded time, never a panic or a hang.

use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Runs `saml-harness run` on a scenario for the SP at `sp` with extra flags; returns the exit
/// code, the JSON report, and how long it took.
async fn run(sp: &str, flags: &[&str]) -> (i32, serde_json::Value, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("sp.yaml");
    std::fs::write(
        &scenario,
        "sp:\n  sign_on_url: ${SP_URL}/login\n  entity_id: ${SP_URL}/metadata\n  acs_url: ${SP_URL}/acs\n  oracle: {url: '${SP_URL}/me'}\ncases:\n  - expect: accept\n  - attacks: [sig/none]\n",
    )
    .unwrap();
    let report = dir.path().join("report.json");
    let (sp, flags): (String, Vec<String>) =
        (sp.to_owned(), flags.iter().map(|s| s.to_string()).collect());
    let started = Instant::now();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_saml-harness"))
            .env("SP_URL", sp)
            .arg("run")
            .arg(&scenario)
            .arg("--report")
            .arg(format!("json={}", report.display()))
            .args(flags)
            .output()
            .map(|o| (o, std::fs::read(&report)))
    })
    .await
    .unwrap()
    .unwrap();
    let (output, json) = out;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let json = serde_json::from_slice(&json.unwrap_or_else(|_| {
        panic!(
            "no report: {stdout} {}",
            String::from_utf8_lossy(&output.stderr)
        )
    }))
    .unwrap();
    (output.status.code().unwrap(), json, started.elapsed())
}

fn case<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
}

fn redirect_to_idp(sp: &str) -> ResponseTemplate {
    let xml = format!(
        "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_wm1\" Version=\"2.0\" IssueInstant=\"2026-01-01T00:00:00Z\"><saml:Issuer>{sp}/metadata</saml:Issuer></samlp:AuthnRequest>"
    );
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(xml.as_bytes()).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(enc.finish().unwrap());
    let q: String = form_urlencoded::byte_serialize(b64.as_bytes()).collect();
    ResponseTemplate::new(302).insert_header(
        "Location",
        format!("https://login.example/tenant/saml2?SAMLRequest={q}").as_str(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_loop_is_an_error_naming_the_loop() {
    let sp = MockServer::start().await;
    Mock::given(path("/login"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", "/login"))
        .mount(&sp)
        .await;
    let (code, report, _) = run(&sp.uri(), &[]).await;
    assert_eq!(code, 1);
    let good = case(&report, "login/good");
    assert_eq!(good["verdict"], "error");
    assert!(
        good["reason"].as_str().unwrap().contains("redirects"),
        "{good}"
    );
    assert_eq!(case(&report, "sig/none")["verdict"], "inconclusive");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sign_on_page_without_an_authn_request_says_so() {
    let sp = MockServer::start().await;
    Mock::given(path("/login"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(
                "<html><body><h1>Welcome<form><input name=q></form>\u{0}garbage<<<",
            ),
        )
        .mount(&sp)
        .await;
    let (code, report, _) = run(&sp.uri(), &[]).await;
    assert_eq!(code, 1);
    let reason = case(&report, "login/good")["reason"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        reason.contains("no AuthnRequest found") && reason.contains("sign_on_url"),
        "{reason}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_sp_that_never_answers_times_out_in_bounded_time() {
    let sp = MockServer::start().await;
    Mock::given(path("/login"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(60)))
        .mount(&sp)
        .await;
    let (code, report, took) = run(&sp.uri(), &["--request-timeout", "1"]).await;
    assert_eq!(code, 1);
    let reason = case(&report, "login/good")["reason"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(reason.contains("no answer within"), "{reason}");
    assert!(took < Duration::from_secs(30), "took {took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_50_mb_body_is_cut_off_at_the_limit() {
    let sp = MockServer::start().await;
    Mock::given(path("/login"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'a'; 50 * 1024 * 1024]))
        .mount(&sp)
        .await;
    let (code, report, _) = run(&sp.uri(), &[]).await;
    assert_eq!(code, 1);
    let reason = case(&report, "login/good")["reason"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(reason.contains("exceeds 2097152 bytes"), "{reason}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_protected_page_that_fails_is_not_read_as_signed_out() {
    // After an accepted forgery a page that is down must not read as "nobody signed in".
    use saml_harness::oracle::{probe, Session};
    let sp = MockServer::start().await;
    for (route, status) in [("/down", 503), ("/limited", 429), ("/bounce", 302)] {
        Mock::given(path(route))
            .respond_with(ResponseTemplate::new(status).insert_header("Location", "/login"))
            .mount(&sp)
            .await;
    }
    let browser = saml_harness::flow::Browser::new(Default::default(), &[]);
    let ask = |route: &str| saml_harness::scenario::Oracle {
        url: format!("{}{route}", sp.uri()),
        identity: None,
    };
    for route in ["/down", "/limited"] {
        let err = probe(&browser, &ask(route)).await.unwrap_err().to_string();
        assert!(err.contains("nobody can tell who is signed in"), "{err}");
    }
    assert!(matches!(
        probe(&browser, &ask("/bounce")).await.unwrap(),
        Session::SignedOut { .. }
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_5xx_at_the_acs_fails_the_good_login_and_leaves_refusals_inconclusive() {
    let sp = MockServer::start().await;
    Mock::given(path("/login"))
        .respond_with(redirect_to_idp(&sp.uri()))
        .mount(&sp)
        .await;
    Mock::given(method("POST"))
        .and(path("/acs"))
        .respond_with(ResponseTemplate::new(500).set_body_string("Internal Server Error"))
        .mount(&sp)
        .await;
    Mock::given(path("/me"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", "/login"))
        .mount(&sp)
        .await;
    let (code, report, _) = run(&sp.uri(), &[]).await;
    assert_eq!(code, 1);
    let good = case(&report, "login/good");
    assert_eq!(good["verdict"], "fail");
    assert!(
        good["reason"]
            .as_str()
            .unwrap()
            .contains("ACS answered 500"),
        "{good}"
    );
    let refusal = case(&report, "sig/none");
    assert_eq!(
        refusal["verdict"], "inconclusive",
        "an SP that refuses everything must not look secure"
    );
    assert!(report["summary"]["inconclusive"].as_u64().unwrap() > 0);
}
