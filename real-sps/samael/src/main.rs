//! A minimal SP on samael (crates.io), configured as its README says, with the choices its
//! documentation recommends for production: SP-initiated logins only (`allow_idp_initiated`
//! off, InResponseTo checked against this browser's own requests) and RSA-SHA256 the only
//! signature algorithm it accepts (`allowed_signature_algorithms`).
//!
//! Environment: SP_BASE_URL (http://127.0.0.1:PORT), SP_PORT, IDP_METADATA (file), SP_KEY and
//! SP_CERT (PEM files: decryption key and the certificate published for it).
//! Routes: /login (SP-initiated, HTTP-Redirect), /acs, /me (JSON: name_id, attributes),
//! /metadata, /slo (501: samael validates no LogoutRequest). A replay cache of assertion IDs, as samael leaves that to the application.
//! IDP_METADATA is read again whenever its content changes (checked on every request), and
//! samael's ServiceProvider built anew from it, as an app that refreshes IdP metadata does.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use samael::crypto::{AllowedSignatureAlgorithm, CertificateDer};
use samael::metadata::{EntityDescriptor, HTTP_REDIRECT_BINDING};
use samael::schema::Assertion;
use samael::service_provider::{ServiceProvider, ServiceProviderBuilder};
use samael::traits::ToXml;

/// The session cookie's name.
const COOKIE: &str = "samael_sp";

/// One browser's state: the requests it started, and who it signed in as.
#[derive(Default)]
struct Session {
    pending: Vec<String>,
    name_id: Option<String>,
    attributes: BTreeMap<String, Vec<String>>,
}

/// samael's ServiceProvider for one version of the IdP metadata, and the IdP's sign-on URL.
struct Trusting {
    metadata: String,
    sp: Arc<ServiceProvider>,
    sso_url: String,
}

/// What the ServiceProvider is built from besides the IdP metadata.
struct Own {
    base: String,
    key: openssl::pkey::PKey<openssl::pkey::Private>,
    cert: openssl::x509::X509,
    metadata_path: String,
}

/// The app: samael's ServiceProvider as of the latest IdP metadata, the sessions, the replay
/// cache.
struct App {
    own: Own,
    trusting: Mutex<Arc<Trusting>>,
    sessions: Mutex<HashMap<String, Session>>,
    seen: Mutex<HashSet<String>>,
}

impl App {
    /// The ServiceProvider for the IdP metadata file as it is now (rebuilt when it changed).
    fn current(&self) -> Result<Arc<Trusting>, String> {
        let metadata = std::fs::read_to_string(&self.own.metadata_path)
            .map_err(|e| format!("cannot read IDP_METADATA: {e}"))?;
        let mut trusting = self.trusting.lock().unwrap();
        if trusting.metadata != metadata {
            *trusting = Arc::new(build(&self.own, metadata)?);
        }
        Ok(trusting.clone())
    }
}

/// samael's ServiceProvider for `metadata`, configured as its README says.
fn build(own: &Own, metadata: String) -> Result<Trusting, String> {
    let idp: EntityDescriptor = metadata
        .parse()
        .map_err(|e| format!("unusable IdP metadata: {e}"))?;
    let base = &own.base;
    let sp = ServiceProviderBuilder::default()
        .entity_id(format!("{base}/metadata"))
        .key(own.key.clone())
        .certificate(CertificateDer::from(
            own.cert.to_der().map_err(|e| e.to_string())?,
        ))
        .allow_idp_initiated(false)
        .idp_metadata(idp)
        .acs_url(format!("{base}/acs"))
        // samael writes no metadata without one; it has no LogoutRequest validation, so
        // `/slo` answers 501 (single logout is the application's to build).
        .slo_url(format!("{base}/slo"))
        .authn_name_id_format("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress".to_string())
        .allowed_signature_algorithms(vec![AllowedSignatureAlgorithm::RsaSha256])
        .build()
        .map_err(|e| format!("cannot build the ServiceProvider: {e}"))?;
    let sso_url = sp
        .sso_binding_location(HTTP_REDIRECT_BINDING)
        .ok_or("the IdP metadata has no HTTP-Redirect SingleSignOnService")?;
    Ok(Trusting {
        metadata,
        sp: Arc::new(sp),
        sso_url,
    })
}

type Shared = Arc<App>;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

fn main() {
    let own = Own {
        base: env("SP_BASE_URL"),
        key: openssl::pkey::PKey::private_key_from_pem(
            &std::fs::read(env("SP_KEY")).expect("SP_KEY"),
        )
        .expect("SP key"),
        cert: openssl::x509::X509::from_pem(&std::fs::read(env("SP_CERT")).expect("SP_CERT"))
            .expect("SP certificate"),
        metadata_path: env("IDP_METADATA"),
    };
    let metadata = std::fs::read_to_string(&own.metadata_path).expect("IDP_METADATA");
    let trusting = build(&own, metadata).expect("IdP metadata");
    let app = Arc::new(App {
        own,
        trusting: Mutex::new(Arc::new(trusting)),
        sessions: Mutex::default(),
        seen: Mutex::default(),
    });
    let router = Router::new()
        .route("/login", get(login))
        .route("/acs", post(acs))
        .route("/me", get(me))
        .route("/metadata", get(metadata_xml))
        .route("/slo", get(no_logout).post(no_logout))
        .with_state(app);
    let port: u16 = env("SP_PORT").parse().expect("SP_PORT");
    // axum's usual multi-threaded runtime; samael's verification is blocking work, so the ACS
    // runs it on the blocking pool (as tokio's documentation asks of CPU-bound calls).
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async move {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
                .await
                .expect("bind");
            axum::serve(listener, router).await.expect("serve");
        });
}

/// The session id the browser's cookie names, if any.
fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

fn set_cookie(id: &str) -> String {
    format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax")
}

fn refuse(status: StatusCode, reason: String) -> Response {
    (
        status,
        Json(serde_json::json!({"error": "login refused", "reason": reason})),
    )
        .into_response()
}

/// SP-initiated sign-on: an AuthnRequest by HTTP-Redirect, its ID kept in this browser's
/// session.
async fn login(State(app): State<Shared>, headers: HeaderMap) -> Response {
    let trusting = match app.current() {
        Ok(t) => t,
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    let request = match trusting.sp.make_authentication_request(&trusting.sso_url) {
        Ok(r) => r,
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    };
    let url = match request.redirect("") {
        Ok(Some(url)) => url,
        Ok(None) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, "no destination".into()),
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    };
    let mut sessions = app.sessions.lock().unwrap();
    let id = cookie(&headers)
        .filter(|id| sessions.contains_key(id))
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    sessions
        .entry(id.clone())
        .or_default()
        .pending
        .push(request.id);
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, url.to_string()),
            (header::SET_COOKIE, set_cookie(&id)),
        ],
    )
        .into_response()
}

/// The ACS: samael verifies and validates the response against this browser's requests; the
/// app refuses a replayed assertion and starts a new session for the user.
async fn acs(
    State(app): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(encoded) = form.get("SAMLResponse") else {
        return refuse(StatusCode::BAD_REQUEST, "no SAMLResponse".into());
    };
    let old = cookie(&headers);
    let pending: Vec<String> = {
        let sessions = app.sessions.lock().unwrap();
        old.as_ref()
            .and_then(|id| sessions.get(id))
            .map(|s| s.pending.clone())
            .unwrap_or_default()
    };
    let verifier = match app.current() {
        Ok(t) => t,
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    let encoded = encoded.clone();
    let parsed = tokio::task::spawn_blocking(move || {
        let ids: Vec<&str> = pending.iter().map(String::as_str).collect();
        verifier
            .sp
            .parse_base64_response(&encoded, Some(&ids))
            .map_err(|e| e.to_string())
    })
    .await;
    let assertion = match parsed {
        Ok(Ok(a)) => a,
        Ok(Err(e)) => return refuse(StatusCode::FORBIDDEN, e),
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    };
    if !app.seen.lock().unwrap().insert(assertion.id.clone()) {
        return refuse(StatusCode::FORBIDDEN, "replayed assertion".into());
    }
    let Some(name_id) = assertion
        .subject
        .as_ref()
        .and_then(|s| s.name_id.as_ref())
        .map(|n| n.value.clone())
    else {
        return refuse(StatusCode::FORBIDDEN, "no NameID".into());
    };
    let signed_in = Session {
        pending: Vec::new(),
        name_id: Some(name_id),
        attributes: attributes(&assertion),
    };
    let id = uuid::Uuid::new_v4().to_string();
    let mut sessions = app.sessions.lock().unwrap();
    if let Some(old) = old {
        sessions.remove(&old);
    }
    sessions.insert(id.clone(), signed_in);
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, "/me".to_owned()),
            (header::SET_COOKIE, set_cookie(&id)),
        ],
    )
        .into_response()
}

/// Every attribute's values by name.
fn attributes(assertion: &Assertion) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for statement in assertion.attribute_statements.iter().flatten() {
        for attribute in &statement.attributes {
            out.entry(attribute.name.clone().unwrap_or_default())
                .or_default()
                .extend(attribute.values.iter().filter_map(|v| v.value.clone()));
        }
    }
    out
}

/// The protected page: who this browser is signed in as, or a redirect to sign in.
async fn me(State(app): State<Shared>, headers: HeaderMap) -> Response {
    let sessions = app.sessions.lock().unwrap();
    match cookie(&headers).and_then(|id| sessions.get(&id)) {
        Some(Session {
            name_id: Some(name_id),
            attributes,
            ..
        }) => {
            Json(serde_json::json!({"name_id": name_id, "attributes": attributes})).into_response()
        }
        _ => (StatusCode::FOUND, [(header::LOCATION, "/login")]).into_response(),
    }
}

/// Single logout: not built (samael validates no LogoutRequest).
async fn no_logout() -> Response {
    (
        StatusCode::NOT_IMPLEMENTED,
        "this app does not implement single logout\n",
    )
        .into_response()
}

/// The SP's metadata, as samael writes it.
async fn metadata_xml(State(app): State<Shared>) -> Response {
    let trusting = match app.current() {
        Ok(t) => t,
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    match trusting.sp.metadata().and_then(|m| m.to_string()) {
        Ok(xml) => ([(header::CONTENT_TYPE, "text/xml")], xml).into_response(),
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}
