//! insta snapshots of what the mock IdP emits, one element per line, IDs/times/signatures redacted.

use mock_idp::aadsts::Aadsts;
use mock_idp::config::Config;
use mock_idp::idp::Idp;
use time::macros::datetime;

fn redacted(xml: &str) -> String {
    xml.replace("><", ">\n<")
}

macro_rules! assert_redacted_snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({filters => vec![
            (r"_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[ID]"),
            (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\r?\n|<)", "[GUID]$1"),
            (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", "[TIME]"),
            (r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", "[TIMESTAMP]"),
            (r"<DigestValue>[^<]+", "<DigestValue>[DIGEST]"),
            (r"<SignatureValue>[^<]+", "<SignatureValue>[SIGNATURE]"),
            (r"<X509Certificate>[^<]+", "<X509Certificate>[CERT]"),
        ]}, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

#[test]
fn default_response() {
    let idp = Idp::new(Config::builtin());
    let app = idp.config.app(None).unwrap();
    let user = idp.config.user(None).unwrap();
    let login = idp.login_response(
        app,
        user,
        &app.default_reply_url,
        Some("_req-1"),
        None,
        datetime!(2026-11-25 10:00:00.123 UTC),
    );
    assert_redacted_snapshot!(
        "default_response",
        redacted(&idp.sign(app, &login).unwrap())
    );
}

#[test]
fn tenant_metadata() {
    let idp = Idp::new(Config::builtin());
    let app = idp.config.app(None).unwrap();
    let xml =
        mock_idp::metadata::app_metadata(&idp.config.tenant, "http://127.0.0.1:7080", app).unwrap();
    assert_redacted_snapshot!("metadata", redacted(&xml));
}

#[test]
fn no_passive_status_response() {
    let idp = Idp::new(Config::builtin());
    let xml = idp.status_error(
        "https://sp.contoso.test/saml/acs",
        Some("_req-2"),
        Aadsts::NoPassive,
        datetime!(2026-11-25 10:00:00 UTC),
    );
    assert_redacted_snapshot!("no_passive", redacted(&xml));
}

#[tokio::test]
async fn error_page() {
    use axum::body::Body;
    use tower::ServiceExt;
    let state =
        mock_idp::server::IdpState::new(Idp::new(Config::builtin()), "http://127.0.0.1:7080");
    let tenant = state.idp().config.tenant.id.clone();
    let response = mock_idp::server::app(state)
        .oneshot(
            axum::http::Request::get(format!("/{tenant}/saml2"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let html = String::from_utf8(bytes.to_vec()).unwrap();
    assert_redacted_snapshot!("error_page", html.replace("><", ">\n<"));
}

#[tokio::test]
async fn the_root_says_where_the_login_and_metadata_urls_are() {
    use axum::body::Body;
    use tower::ServiceExt;
    let state =
        mock_idp::server::IdpState::new(Idp::new(Config::builtin()), "http://127.0.0.1:7080");
    let response = mock_idp::server::app(state)
        .oneshot(axum::http::Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    insta::assert_snapshot!("root", String::from_utf8(bytes.to_vec()).unwrap());
}

#[tokio::test]
async fn unreadable_saml_parameters_get_entras_error_page_not_plain_text() {
    use axum::body::Body;
    use tower::ServiceExt;
    let state =
        mock_idp::server::IdpState::new(Idp::new(Config::builtin()), "http://127.0.0.1:7080");
    let tenant = state.idp().config.tenant.id.clone();
    let app = mock_idp::server::app(state);
    for request in [
        axum::http::Request::get(format!("/{tenant}/saml2?SAMLRequest=a&SAMLRequest=b"))
            .body(Body::empty())
            .unwrap(),
        axum::http::Request::post(format!("/{tenant}/saml2"))
            .header("content-type", "text/plain")
            .body(Body::from("SAMLRequest=a"))
            .unwrap(),
    ] {
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), 400);
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(content_type.starts_with("text/html"), "{content_type}");
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let html = String::from_utf8(bytes.to_vec()).unwrap();
        assert!(html.contains("AADSTS75005"), "{html}");
    }
}
