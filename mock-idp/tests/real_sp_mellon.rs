//! A real SP nobody here wrote — mod_auth_mellon under Debian's Apache, on 127.0.0.1 — completes
//! a login against the mock IdP, and refuses a response signed by a key it does not trust.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use mock_idp::config::Config;

fn tenant_for(sp: &str) -> Config {
    let yaml = format!(
        "applications:\n  - name: mellon\n    identifiers: [{sp}/mellon/metadata]\n    reply_urls: [{sp}/mellon/postResponse]\n    logout_url: {sp}/mellon/logout\n"
    );
    Config::from_yaml_str(&yaml, "mellon.yaml", Path::new(".")).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn mod_auth_mellon_accepts_a_mock_entra_login() {
    // The IdP's address comes first: its metadata is what mellon trusts.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let idp_base = format!("http://{}", listener.local_addr().unwrap());
    let builtin = Config::builtin();
    let app = &builtin.apps[0];
    let metadata = mock_idp::metadata::app_metadata(&builtin.tenant, &idp_base, app).unwrap();
    let mellon = real_sps::mellon(&metadata).unwrap();
    let sp = mellon.base_url.clone();
    let tenant = spawn_on(listener, tenant_for(&sp)).await;
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let log = || mellon.logs();

    // 1. The protected page sends the browser to the IdP with an AuthnRequest (HTTP-Redirect).
    //    Mellon first bounces through its own /mellon/login.
    let mut to_idp = format!("{sp}/protected/");
    for _ in 0..5 {
        if !to_idp.starts_with(&sp) {
            break;
        }
        let r = http.get(&to_idp).send().await.unwrap();
        assert!(r.status().is_redirection(), "{} {}", r.status(), log());
        to_idp = r.headers()["location"].to_str().unwrap().to_owned();
    }
    assert!(
        to_idp.starts_with(&format!("{idp_base}/{tenant}/saml2?SAMLRequest=")),
        "{to_idp}"
    );

    // 2. The mock IdP answers with its auto-submit form.
    let r = http.get(&to_idp).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let form = r.text().await.unwrap();
    let (acs, response) = (
        form_action(&form).unwrap(),
        form_field(&form, "SAMLResponse").unwrap(),
    );
    assert_eq!(acs, format!("{sp}/mellon/postResponse"));
    let mut fields = vec![("SAMLResponse", response.clone())];
    if let Some(rs) = form_field(&form, "RelayState") {
        fields.push(("RelayState", rs));
    }

    // 3. Forgeries are refused: signed by an untrusted key, or unsigned (fresh browser each).
    for forged in forgeries(&sp, &response) {
        let stranger = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let r = stranger
            .post(&acs)
            .form(&[("SAMLResponse", forged)])
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_client_error() || r.status().is_server_error(),
            "forged response: {} {}",
            r.status(),
            log()
        );
        let r = stranger
            .get(format!("{sp}/protected/"))
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_redirection(),
            "no session after a forged response"
        );
    }
    // Refused for the signature, by Lasso (not for a missing cookie or the like).
    let refusals: Vec<String> = log()
        .lines()
        .filter(|l| l.contains("Lasso error"))
        .map(str::to_owned)
        .collect();
    assert_eq!(refusals.len(), 2, "{refusals:#?}");

    // 4. The genuine response is accepted: the protected page returns 200 with B.Simon.
    let r = http.post(&acs).form(&fields).send().await.unwrap();
    assert!(
        r.status().is_redirection(),
        "ACS answered {}: {}",
        r.status(),
        log()
    );
    let r = http.get(format!("{sp}/protected/")).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", log());
    assert_eq!(r.headers()["x-upn"], "B.Simon@contoso.com");
    assert!(r.text().await.unwrap().contains("protected page"));
}

/// Two forgeries of `genuine`: the same login signed by a key not in the metadata, and the
/// genuine response with its signature stripped.
fn forgeries(sp: &str, genuine_b64: &str) -> [String; 2] {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let genuine = String::from_utf8(b64.decode(genuine_b64).unwrap()).unwrap();
    let irt_start = genuine.find("InResponseTo=\"").unwrap() + 14;
    let in_response_to = &genuine[irt_start..irt_start + genuine[irt_start..].find('"').unwrap()];

    let yaml = format!(
        "applications:\n  - name: mellon\n    identifiers: [{sp}/mellon/metadata]\n    reply_urls: [{sp}/mellon/postResponse]\n    certificates: [{{key: ../keys/idp-signing-2.key.pem}}]\n"
    );
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/config");
    let idp =
        mock_idp::idp::Idp::new(Config::from_yaml_str(&yaml, "forger.yaml", &fixtures).unwrap());
    let (app, user) = (
        idp.config.app(None).unwrap(),
        idp.config.user(None).unwrap(),
    );
    let login = idp.login_response(
        app,
        user,
        &app.default_reply_url,
        Some(in_response_to),
        None,
        time::OffsetDateTime::now_utc(),
    );
    let wrong_key = idp.sign(app, &login).unwrap();

    let start = genuine.find("<Signature ").unwrap();
    let end = genuine.find("</Signature>").unwrap() + "</Signature>".len();
    let mut unsigned = genuine.clone();
    unsigned.replace_range(start..end, "");
    [b64.encode(wrong_key), b64.encode(unsigned)]
}
