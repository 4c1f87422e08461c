//! The HTTP face of the mock IdP, at Entra's URL shapes under a base URL.
//!
//! `app()` builds the router so tests can call it without a socket.

use std::sync::Arc;

use axum::extract::{Form, Path, Query, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::aadsts::Aadsts;
use crate::config::{App, SignInMode};
use crate::idp::{Idp, SsoOutcome};
use crate::request::{self, Binding, SpRequest};
use crate::response::aadsts_timestamp;
use saml_protocol::AcsPost;

/// Largest request body the server reads (a POSTed SAMLRequest form).
pub const MAX_BODY: usize = 256 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct IdpState {
    /// The IdP logic and its configuration; replaced whole when Graph changes the directory.
    idp: Arc<std::sync::RwLock<Arc<Idp>>>,
    /// Microsoft Graph over the same directory, when served (`idp serve --graph`).
    pub graph: Option<Arc<crate::graph::Graph>>,
    /// The externally visible base URL (`http://127.0.0.1:PORT`), used in metadata.
    pub base_url: String,
    /// Now.
    pub clock: saml_protocol::Clock,
}

impl IdpState {
    /// State for `idp` served at `base_url`, on the system clock.
    pub fn new(idp: Idp, base_url: impl Into<String>) -> Self {
        IdpState {
            idp: Arc::new(std::sync::RwLock::new(Arc::new(idp))),
            graph: None,
            base_url: base_url.into(),
            clock: saml_protocol::system_clock(),
        }
    }

    /// The same state with Microsoft Graph over its directory.
    pub fn with_graph(self, settings: crate::graph::GraphSettings) -> Self {
        let graph = crate::graph::Graph::new(settings, &self.idp().config);
        IdpState {
            graph: Some(Arc::new(graph)),
            ..self
        }
    }

    /// The IdP as it is now.
    pub fn idp(&self) -> Arc<Idp> {
        self.idp.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Serves `config` from now on (Graph changed the directory); IDs keep their source.
    pub fn replace_config(&self, config: crate::config::Config) {
        let mut idp = self.idp.write().unwrap_or_else(|p| p.into_inner());
        let ids = idp.ids.clone();
        *idp = Arc::new(Idp { config, ids });
    }

    /// The Login URL (and Logout URL) Entra shows for this tenant.
    pub fn login_url(&self) -> String {
        format!(
            "{}/{}/saml2",
            self.base_url.trim_end_matches('/'),
            self.idp().config.tenant.id
        )
    }

    /// The app federation metadata URL.
    pub fn metadata_url(&self, app: &App) -> String {
        format!(
            "{}/{}/federationmetadata/2007-06/federationmetadata.xml?appid={}",
            self.base_url.trim_end_matches('/'),
            self.idp().config.tenant.id,
            app.app_id
        )
    }
}

/// The router: SSO/SLO at `/{tenant}/saml2`, metadata, certificate downloads, IdP-initiated
/// launch, and `/` saying where each is.
pub fn app(state: IdpState) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/{tenant}/saml2", get(saml2_get).post(saml2_post))
        .route("/{tenant}/saml2/pick", axum::routing::post(pick_user))
        .route(
            "/{tenant}/federationmetadata/2007-06/federationmetadata.xml",
            get(metadata),
        )
        .route("/{tenant}/saml2/certificate", get(certificate))
        .route("/api/signin/{appid}", get(launch))
        .merge(crate::graph::routes())
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

/// GET `/`: what this mock serves, as `idp serve` prints it (Entra has no such page; this one
/// spares a user who opens the base URL an empty 404).
async fn index(State(state): State<IdpState>) -> String {
    let idp = state.idp();
    let tenant = &idp.config.tenant;
    let mut out = format!(
        "mock Entra ID tenant {} ({})\nLogin URL / Logout URL: {}\n",
        tenant.name,
        tenant.id,
        state.login_url()
    );
    let idp = state.idp();
    for app in &idp.config.apps {
        out.push_str(&format!(
            "app {}: App Federation Metadata Url {}\n",
            app.name,
            state.metadata_url(app)
        ));
    }
    out
}

/// Entra's error page (HTML), or its machine-readable form on `Accept: application/json`.
pub struct ErrorPage {
    error: Aadsts,
    json: bool,
    now: OffsetDateTime,
    status: StatusCode,
}

impl ErrorPage {
    fn new(error: Aadsts, headers: &HeaderMap, now: OffsetDateTime) -> Self {
        let json = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/json"));
        ErrorPage {
            error,
            json,
            now,
            status: StatusCode::BAD_REQUEST,
        }
    }
}

impl IntoResponse for ErrorPage {
    fn into_response(self) -> Response {
        let request_id = uuid::Uuid::new_v4().to_string();
        let correlation_id = uuid::Uuid::new_v4().to_string();
        let timestamp = aadsts_timestamp(self.now);
        if self.json {
            let body = serde_json::json!({
                "error": format!("AADSTS{}", self.error.code()),
                "code": self.error.code(),
                "message": self.error.message(),
                "hint": self.error.hint(),
                "request_id": request_id,
                "correlation_id": correlation_id,
                "timestamp": timestamp,
            });
            return (self.status, Json(body)).into_response();
        }
        let page = format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Sign in to your account</title></head><body>\
             <h1>Sorry, but we're having trouble signing you in.</h1>\
             <p id=\"error\" data-code=\"AADSTS{code}\">{message}</p>\
             <div id=\"details\"><p>Request Id: {request_id}</p><p>Correlation Id: {correlation_id}</p><p>Timestamp: {timestamp}</p>\
             <p>Message: {message}</p></div>\
             <p class=\"mock-idp-hint\">saml-harness mock-idp hint: {hint}</p></body></html>",
            code = self.error.code(),
            message = html_escape(&self.error.message()),
            hint = html_escape(&self.error.hint()),
        );
        (self.status, Html(page)).into_response()
    }
}

/// Escapes text for HTML element content and double-quoted attribute values.
fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The auto-submitting form Entra returns to carry a SAMLResponse to the ACS (HTTP-POST binding).
pub fn acs_form(post: &AcsPost) -> Html<String> {
    let inputs: String = post
        .form_fields()
        .iter()
        .map(|(name, value)| {
            format!(
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\" />",
                html_escape(value)
            )
        })
        .collect();
    Html(format!(
        "<html><head><title>Working...</title></head><body><form method=\"POST\" name=\"hiddenform\" action=\"{}\">\
         {inputs}\
         <noscript><p>Script is disabled. Click Submit to continue.</p><input type=\"submit\" value=\"Submit\" /></noscript></form>\
         <script language=\"javascript\">window.setTimeout(function() {{document.forms[0].submit();}}, 0);</script></body></html>",
        html_escape(&post.acs)
    ))
}

/// A failure outside Entra's sign-in protocol (unknown tenant or app, bad download format).
pub struct PlainError(StatusCode, String);

impl IntoResponse for PlainError {
    fn into_response(self) -> Response {
        (self.0, self.1).into_response()
    }
}

fn check_tenant(state: &IdpState, tenant: &str) -> Result<(), PlainError> {
    let idp = state.idp();
    let t = &idp.config.tenant;
    if tenant.eq_ignore_ascii_case(&t.id) || tenant.eq_ignore_ascii_case(&t.domain) {
        return Ok(());
    }
    Err(PlainError(
        StatusCode::NOT_FOUND,
        format!(
            "AADSTS90002: Tenant '{tenant}' not found. (this mock IdP serves tenant {} / {})\n",
            t.id, t.domain
        ),
    ))
}

#[derive(Debug, Default, Deserialize)]
struct SamlParams {
    #[serde(rename = "SAMLRequest")]
    saml_request: Option<String>,
    #[serde(rename = "SAMLResponse")]
    saml_response: Option<String>,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
    /// The user to sign in, as Entra takes it on the single sign-on URL (its SAML protocol
    /// page: "a subject can instead be provided by adding a login_hint parameter").
    login_hint: Option<String>,
}

/// GET /{tenant}/saml2: AuthnRequest or LogoutRequest by HTTP-Redirect, or the SP's LogoutResponse.
async fn saml2_get(
    State(state): State<IdpState>,
    Path(tenant): Path<String>,
    RawQuery(raw): RawQuery,
    params: Result<Query<SamlParams>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, PlainError> {
    check_tenant(&state, &tenant)?;
    // A query the parameters cannot be read from (SAMLRequest twice, say) gets Entra's page.
    let params = match params {
        Ok(Query(p)) => p,
        Err(e) => {
            let advice = "send SAMLRequest once, as the binding says";
            return Ok(unreadable(&state, &headers, e.body_text(), advice));
        }
    };
    Ok(handle_sp_message(
        &state,
        Binding::Redirect,
        raw.as_deref().unwrap_or_default(),
        params,
        None,
        &headers,
    ))
}

/// POST /{tenant}/saml2: AuthnRequest by HTTP-POST.
async fn saml2_post(
    State(state): State<IdpState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    params: Result<Form<SamlParams>, axum::extract::rejection::FormRejection>,
) -> Result<Response, PlainError> {
    check_tenant(&state, &tenant)?;
    use axum::extract::rejection::FormRejection;
    let params = match params {
        Ok(Form(p)) => p,
        Err(e) => {
            let advice = match &e {
                FormRejection::InvalidFormContentType(_) => "the HTTP-POST binding sends an HTML form (Content-Type: application/x-www-form-urlencoded) with SAMLRequest; or send the request by GET (HTTP-Redirect binding)",
                FormRejection::BytesRejection(_) => "the request body is limited to 256 KiB; a SAMLRequest is at most 64 KiB",
                _ => "send SAMLRequest once, as the binding says",
            };
            return Ok(unreadable(&state, &headers, e.body_text(), advice));
        }
    };
    Ok(handle_sp_message(
        &state,
        Binding::Post,
        "",
        params,
        None,
        &headers,
    ))
}

/// Entra's error page for a request whose SAML parameters cannot be read at all (`why`),
/// with `advice` on how to send them.
fn unreadable(state: &IdpState, headers: &HeaderMap, why: String, advice: &str) -> Response {
    ErrorPage::new(
        Aadsts::InvalidRequest {
            detail: format!("the SAML parameters cannot be read ({why}); {advice}"),
        },
        headers,
        (state.clock)(),
    )
    .into_response()
}

fn handle_sp_message(
    state: &IdpState,
    binding: Binding,
    raw_query: &str,
    params: SamlParams,
    picked_user: Option<&str>,
    headers: &HeaderMap,
) -> Response {
    let now = (state.clock)();
    let error = |e: Aadsts| ErrorPage::new(e, headers, now).into_response();
    // login_hint names who signs in; with the picker on, the user still picks.
    let hint = params
        .login_hint
        .clone()
        .filter(|h| !h.trim().is_empty())
        .filter(|_| state.idp().config.sign_in != SignInMode::Interactive);
    let picked_user = picked_user.or(hint.as_deref());
    let Some(encoded) = params.saml_request else {
        if params.saml_response.is_some() {
            // The SP's LogoutResponse to an IdP-initiated sign-out: nothing more to do.
            return Html("<html><body><p>You signed out of your account.</p></body></html>")
                .into_response();
        }
        return error(Aadsts::NoSamlRequest);
    };
    let parsed = request::decode(&encoded, binding).and_then(|xml| request::parse(&xml));
    let message = match parsed {
        Ok(m) => m,
        Err(e) => return error(e),
    };
    let signature = match binding {
        Binding::Redirect => match request::redirect_signature(raw_query) {
            Ok(s) => s,
            Err(e) => return error(e),
        },
        Binding::Post => None,
    };
    match message {
        SpRequest::Logout(req) => {
            match state.idp().logout(&req, params.relay_state.as_deref(), now) {
                Err(e) => error(e),
                Ok(out) => match out.logout_url {
                    Some(url) => {
                        let separator = if url.contains('?') { '&' } else { '?' };
                        let target = format!("{url}{separator}{}", out.query);
                        (StatusCode::FOUND, [(header::LOCATION, target)]).into_response()
                    }
                    None => {
                        Html("<html><body><p>You signed out of your account.</p></body></html>")
                            .into_response()
                    }
                },
            }
        }
        SpRequest::Authn(req) => {
            if state.idp().config.sign_in == SignInMode::Interactive && picked_user.is_none() {
                // Entra refuses an unknown app or Reply URL before anyone signs in.
                let idp = state.idp();
                return match idp.check_request(&req, signature.as_ref()) {
                    Err(e) => error(e),
                    Ok((app, _)) => user_picker(
                        state,
                        &app.name,
                        binding,
                        raw_query,
                        &encoded,
                        params.relay_state.as_deref(),
                    ),
                };
            }
            match state.idp().sso(
                &req,
                signature.as_ref(),
                params.relay_state,
                picked_user,
                now,
            ) {
                SsoOutcome::Post(post) => acs_form(&post).into_response(),
                SsoOutcome::Error(e) => error(e),
            }
        }
    }
}

fn user_picker(
    state: &IdpState,
    app_name: &str,
    binding: Binding,
    raw_query: &str,
    encoded: &str,
    relay_state: Option<&str>,
) -> Response {
    let mut users = String::new();
    let idp = state.idp();
    for (i, u) in idp.config.users.iter().enumerate() {
        users.push_str(&format!(
            "<li><button type=\"submit\" name=\"user\" value=\"{upn}\" id=\"user-{i}\">{name} ({upn})</button></li>",
            upn = html_escape(&u.upn),
            name = html_escape(&u.display_name)
        ));
    }
    let hidden = |n: &str, v: &str| {
        format!(
            "<input type=\"hidden\" name=\"{n}\" value=\"{}\" />",
            html_escape(v)
        )
    };
    let page = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Sign in to your account</title></head><body>\
         <h1>Pick an account</h1><p>to continue to {}</p><p>{}</p><form method=\"POST\" action=\"{}/pick\">{}{}{}{}<ul>{users}</ul></form></body></html>",
        html_escape(app_name),
        html_escape(&idp.config.tenant.name),
        html_escape(&state.login_url()),
        hidden("binding", if binding == Binding::Redirect { "redirect" } else { "post" }),
        hidden("query", raw_query),
        hidden("SAMLRequest", encoded),
        hidden("RelayState", relay_state.unwrap_or_default()),
    );
    Html(page).into_response()
}

#[derive(Debug, Deserialize)]
struct PickForm {
    binding: String,
    #[serde(default)]
    query: String,
    #[serde(rename = "SAMLRequest")]
    saml_request: String,
    #[serde(rename = "RelayState", default)]
    relay_state: String,
    user: String,
}

/// POST /{tenant}/saml2/pick: the sign-in page's choice of user, then the same SSO path.
async fn pick_user(
    State(state): State<IdpState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    Form(f): Form<PickForm>,
) -> Result<Response, PlainError> {
    check_tenant(&state, &tenant)?;
    let binding = if f.binding == "post" {
        Binding::Post
    } else {
        Binding::Redirect
    };
    let params = SamlParams {
        saml_request: Some(f.saml_request),
        saml_response: None,
        relay_state: Some(f.relay_state).filter(|r| !r.is_empty()),
        login_hint: None,
    };
    Ok(handle_sp_message(
        &state,
        binding,
        &f.query,
        params,
        Some(&f.user),
        &headers,
    ))
}

#[derive(Debug, Deserialize)]
struct AppQuery {
    appid: Option<String>,
    format: Option<String>,
}

fn find_app(state: &IdpState, appid: Option<&str>) -> Result<App, PlainError> {
    state.idp().config.app(appid).cloned().ok_or_else(|| {
        let hint = "hint: use an app id or name from the config";
        PlainError(
            StatusCode::NOT_FOUND,
            format!("no application {:?}; {hint}\n", appid.unwrap_or_default()),
        )
    })
}

/// GET …/federationmetadata.xml[?appid=]: the app's signed metadata, or without `appid` the
/// tenant's (tenant-wide STS keys, which do not verify the app's SAML tokens).
async fn metadata(
    State(state): State<IdpState>,
    Path(tenant): Path<String>,
    Query(q): Query<AppQuery>,
) -> Result<Response, PlainError> {
    check_tenant(&state, &tenant)?;
    let idp = state.idp();
    let tenant = &idp.config.tenant;
    let xml = match q.appid.as_deref() {
        // The first call makes RSA keys: off the async workers.
        None => {
            let (tenant, base) = (tenant.clone(), state.base_url.clone());
            tokio::task::spawn_blocking(move || crate::metadata::tenant_metadata(&tenant, &base))
                .await
                .unwrap_or_else(|e| Err(e.to_string()))
        }
        Some(id) => {
            crate::metadata::app_metadata(tenant, &state.base_url, &find_app(&state, Some(id))?)
                .map_err(|e| e.to_string())
        }
    }
    .map_err(|e| PlainError(StatusCode::INTERNAL_SERVER_ERROR, e))?;
    Ok((
        [(header::CONTENT_TYPE, "application/samlmetadata+xml")],
        xml,
    )
        .into_response())
}

/// GET …/saml2/certificate?appid=&format=base64|raw|pem: the portal's certificate downloads.
async fn certificate(
    State(state): State<IdpState>,
    Path(tenant): Path<String>,
    Query(q): Query<AppQuery>,
) -> Result<Response, PlainError> {
    check_tenant(&state, &tenant)?;
    let app = find_app(&state, q.appid.as_deref())?;
    let cert = app.active_cert();
    let disposition = |ext: &str| {
        format!(
            "attachment; filename=\"{}.{ext}\"",
            app.name.replace(['"', '/', '\\'], "_")
        )
    };
    Ok(match q.format.as_deref().unwrap_or("base64") {
        "base64" => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/x-x509-ca-cert".to_owned(),
                ),
                (header::CONTENT_DISPOSITION, disposition("cer")),
            ],
            cert.base64_cer(),
        )
            .into_response(),
        "raw" => (
            [
                (header::CONTENT_TYPE, "application/pkix-cert".to_owned()),
                (header::CONTENT_DISPOSITION, disposition("cer")),
            ],
            cert.der().to_vec(),
        )
            .into_response(),
        "pem" => (
            [
                (header::CONTENT_TYPE, "application/x-pem-file".to_owned()),
                (header::CONTENT_DISPOSITION, disposition("pem")),
            ],
            cert.pem(),
        )
            .into_response(),
        other => (
            StatusCode::BAD_REQUEST,
            format!("unknown certificate format {other:?}; hint: use base64, raw or pem\n"),
        )
            .into_response(),
    })
}

#[derive(Debug, Deserialize)]
struct LaunchQuery {
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
    user: Option<String>,
}

/// GET /api/signin/{appid}: IdP-initiated sign-on, as "Test this application" and My Apps do.
async fn launch(
    State(state): State<IdpState>,
    Path(appid): Path<String>,
    Query(q): Query<LaunchQuery>,
    headers: HeaderMap,
) -> Result<Response, PlainError> {
    let now = (state.clock)();
    let app = find_app(&state, Some(&appid))?;
    Ok(
        match state.idp().idp_initiated(&app, q.user.as_deref(), now) {
            Ok(mut post) => {
                if q.relay_state.is_some() {
                    post.relay_state = q.relay_state;
                }
                acs_form(&post).into_response()
            }
            Err(e) => ErrorPage::new(e, &headers, now).into_response(),
        },
    )
}
