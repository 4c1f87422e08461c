//! The interactive sign-in page, driven by a real browser: Debian's Chromium, headless, through
//! `headless_chrome`. A person picks E.Mallory; the auto-submit form posts her signed response
//! to a stand-in ACS on 127.0.0.1.

mod common;

use std::ffi::OsStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::post;
use axum::{Form, Router};
use common::*;
use headless_chrome::{Browser, LaunchOptions};
use mock_idp::config::{Config, SignInMode};

const CHROMIUM: &str = "/usr/bin/chromium";

/// A stand-in ACS that keeps what the browser posts.
async fn spawn_acs() -> (String, Arc<Mutex<Vec<(String, String)>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let store = seen.clone();
    let router = Router::new().route(
        "/acs",
        post(
            move |Form(fields): Form<Vec<(String, String)>>| async move {
                store.lock().unwrap().extend(fields);
                axum::response::Html(
                    "<html><body><p id=\"done\">ACS received the response</p></body></html>",
                )
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/acs", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, seen)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_picks_a_user_in_headless_chromium() {
    assert!(
        std::path::Path::new(CHROMIUM).exists(),
        "Chromium is missing; run scripts/setup --test"
    );
    let (acs, seen) = spawn_acs().await;
    let yaml = format!(
        "sign_in: interactive\nusers:\n  - upn: B.Simon@contoso.com\n  - upn: E.Mallory@contoso.com\napplications:\n  - name: browser\n    identifiers: [urn:test:browser]\n    reply_urls: ['{acs}']\n"
    );
    let config = Config::from_yaml_str(&yaml, "browser.yaml", std::path::Path::new(".")).unwrap();
    assert_eq!(config.sign_in, SignInMode::Interactive);
    let cert = config.apps[0].active_cert().pem();
    let (base, tenant) = spawn(config).await;
    let sso = format!(
        "{base}/{tenant}/saml2?SAMLRequest={}&RelayState=from-browser",
        enc(&deflate_b64(&authn_request(
            "_browser1",
            "urn:test:browser",
            None,
            "",
            ""
        )))
    );

    let page_text = tokio::task::spawn_blocking(move || {
        let options = LaunchOptions::default_builder()
            .path(Some(CHROMIUM.into()))
            .headless(true)
            .sandbox(false)
            .idle_browser_timeout(Duration::from_secs(60))
            .args(
                [
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--disable-quic",
                ]
                .iter()
                .map(OsStr::new)
                .collect(),
            )
            .build()
            .unwrap();
        let browser = Browser::new(options).expect("launch Chromium");
        let tab = browser.new_tab().unwrap();
        tab.set_default_timeout(Duration::from_secs(20));
        tab.navigate_to(&sso)
            .unwrap()
            .wait_until_navigated()
            .unwrap();
        let picker = tab.get_content().unwrap();
        assert!(picker.contains("Pick an account"), "{picker}");
        tab.wait_for_element("#user-1").unwrap().click().unwrap();
        // The auto-submit form runs in the browser and lands on the ACS.
        match tab.wait_for_element("#done") {
            Ok(done) => done.get_inner_text().unwrap(),
            Err(e) => panic!(
                "{e}: at {} showing {}",
                tab.get_url(),
                tab.get_content().unwrap_or_default()
            ),
        }
    })
    .await
    .unwrap();

    assert_eq!(page_text, "ACS received the response");
    let fields = seen.lock().unwrap().clone();
    let field = |n: &str| fields.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    assert_eq!(field("RelayState").as_deref(), Some("from-browser"));
    let xml = String::from_utf8(
        base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            field("SAMLResponse").unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert!(xml.contains(">E.Mallory@contoso.com</NameID>"), "{xml}");
    assert!(xml.contains("InResponseTo=\"_browser1\""));
    assert!(xmlsec1_verifies(&xml, &cert, ASSERTION_SIG));
}
