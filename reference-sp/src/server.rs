//! The reference SP over HTTP: sign-on URL, ACS, a protected JSON page, SP metadata, logout.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, RawForm, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use crate::decrypt::Failure;
use crate::memory::Bounded;
use crate::trust::IdpTrust;
use crate::validate::{validate, Checks, Login};
use crate::{Flaw, Flaws};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "refsp_session";
/// The cookie naming the browser a login was started in: a response is taken only from the
/// browser its request was sent to (the login-CSRF defence).
pub const BROWSER_COOKIE: &str = "refsp_browser";
/// Largest SAMLResponse form accepted.
pub const MAX_BODY: usize = 512 * 1024;
/// How long a sent AuthnRequest ID is remembered for InResponseTo checks.
pub const REQUEST_MEMORY: Duration = Duration::hours(1);

/// Everything the SP is configured with.
#[derive(Clone, Debug)]
pub struct SpConfig {
    /// The base URL the SP is reached at (`http://127.0.0.1:PORT`).
    pub base_url: String,
    /// The trusted IdP.
    pub idp: IdpTrust,
    /// Checks switched off.
    pub flaws: Flaws,
    /// Accounts that exist (manual provisioning): an account (the NameID, or the
    /// `identity_attribute`) not listed is refused. Empty: every user the IdP vouches for is
    /// signed in (just-in-time provisioning).
    pub users: Vec<String>,
    /// What this SP demands of a login beyond a valid response (a vendor's stand-in).
    pub needs: Requirements,
    /// The ACS checks nothing and signs in the first NameID it reads ([`crate::trivial`]): a
    /// sink for measuring load generators and fuzzers, never an SP to judge.
    pub trivial_acs: bool,
}

/// What an SP demands of a login beyond a valid response: how a vendor's SP is configured.
#[derive(Clone, Debug, Default)]
pub struct Requirements {
    /// Its entity ID when not `{base}/saml/metadata` (a vendor's fixed Identifier).
    pub entity_id: Option<String>,
    /// The account is this attribute's value (exact name), not the NameID (Mixpanel: `email`).
    pub identity_attribute: Option<String>,
    /// Attributes that must be present, by exact name.
    pub attributes: Vec<String>,
    /// The NameID Format URI the SP is set to (RunMyProcess: emailAddress). It enforces it
    /// without asking for it (its AuthnRequest's NameIDPolicy says unspecified), so the Entra
    /// app's setting decides what arrives.
    pub name_id_format: Option<String>,
    /// Takes IdP-initiated sign-ins (My Apps): a response with no InResponseTo is welcome; one
    /// naming a request this SP never sent is still refused.
    pub idp_initiated: bool,
    /// Signing out of a session also signs out at the IdP: `/logout` sends a LogoutRequest
    /// (HTTP-Redirect) for the session's NameID to the IdP's sign-in URL, which for Entra is
    /// also its sign-out URL.
    pub single_logout: bool,
}

impl Requirements {
    /// The account a login signs in, or why the SP refuses it.
    pub fn account(&self, login: &crate::validate::Login) -> Result<String, String> {
        let names = || {
            let all: Vec<&str> = login.attributes.iter().map(|(n, _)| n.as_str()).collect();
            if all.is_empty() {
                "none".to_owned()
            } else {
                all.join(", ")
            }
        };
        for name in self.attributes.iter().chain(&self.identity_attribute) {
            if !login
                .attributes
                .iter()
                .any(|(n, v)| n == name && !v.is_empty())
            {
                return Err(format!(
                    "no attribute named {name:?} in the assertion (attributes: {})",
                    names()
                ));
            }
        }
        if let Some(want) = &self.name_id_format {
            if login.name_id_format.as_deref() != Some(want.as_str()) {
                return Err(format!(
                    "NameID Format {:?} is not the configured {want:?}",
                    login.name_id_format.as_deref().unwrap_or("(none)")
                ));
            }
        }
        Ok(match &self.identity_attribute {
            Some(name) => login
                .attributes
                .iter()
                .find(|(n, _)| n == name)
                .and_then(|(_, v)| v.first().cloned())
                .unwrap_or_default(),
            None => login.name_id.clone(),
        })
    }
}

impl SpConfig {
    /// The SP's entity ID: `{base}/saml/metadata`, or the one it was given.
    pub fn entity_id(&self) -> String {
        self.needs
            .entity_id
            .clone()
            .unwrap_or_else(|| entity_id_at(&self.base_url))
    }

    /// The ACS URL: `{base}/saml/acs`.
    pub fn acs_url(&self) -> String {
        acs_url_at(&self.base_url)
    }

    /// Where the IdP's LogoutRequests come (HTTP-Redirect): `{base}/saml/slo`.
    pub fn single_logout_url(&self) -> String {
        format!("{}/saml/slo", self.base_url.trim_end_matches('/'))
    }
}

/// The entity ID of a reference SP served at `base_url`.
pub fn entity_id_at(base_url: &str) -> String {
    format!("{}/saml/metadata", base_url.trim_end_matches('/'))
}

/// The ACS URL of a reference SP served at `base_url`.
pub fn acs_url_at(base_url: &str) -> String {
    format!("{}/saml/acs", base_url.trim_end_matches('/'))
}

/// An AuthnRequest this SP sent: to which browser ([`BROWSER_COOKIE`]).
struct SentRequest {
    browser: String,
}

/// The most AuthnRequests remembered; past it the oldest are forgotten (a response to one is
/// then refused, as after [`REQUEST_MEMORY`]).
pub const MAX_SENT_REQUESTS: usize = 100_000;
/// The most sessions held; past it the oldest are signed out.
pub const MAX_SESSIONS: usize = 10_000;
/// How long a session lasts (Shibboleth SP's default `lifetime`).
pub const SESSION_LIFETIME: Duration = Duration::hours(8);
/// How long an assertion ID is remembered when no enforced NotOnOrAfter bounds it (none
/// given, or a flaw skips the time checks).
pub const REPLAY_MEMORY: Duration = Duration::days(1);

/// What the SP remembers between requests; the parts every sign-on adds to are bounded (see
/// [`crate::memory`]).
struct Memory {
    /// AuthnRequests sent, by ID: for [`REQUEST_MEMORY`], at most [`MAX_SENT_REQUESTS`].
    sent_requests: Bounded<SentRequest>,
    /// Assertion IDs taken (replay cache), each until its assertion expires plus the skew
    /// (else [`REPLAY_MEMORY`]): bounded by time only, since forgetting one still accepted
    /// would let it be replayed.
    seen_assertions: Bounded<()>,
    /// Signed-in sessions: for [`SESSION_LIFETIME`], at most [`MAX_SESSIONS`].
    sessions: Bounded<Login>,
    /// IDs of the LogoutRequests taken (replay cache).
    seen_logout_requests: HashSet<String>,
    /// Responses still answered 503 after a crash (flaw `doctype-crashes-worker`).
    restarting: u32,
    /// A sign-on is being answered (flaw `one-login-at-a-time`).
    sign_on_busy: bool,
}

impl Default for Memory {
    fn default() -> Self {
        Memory {
            sent_requests: Bounded::new(MAX_SENT_REQUESTS),
            seen_assertions: Bounded::new(usize::MAX),
            sessions: Bounded::new(MAX_SESSIONS),
            seen_logout_requests: HashSet::new(),
            restarting: 0,
            sign_on_busy: false,
        }
    }
}

impl Memory {
    /// Remembers the AuthnRequest `id`, sent at `now`, for [`REQUEST_MEMORY`]; with
    /// `latest_only` (flaw `one-request-at-a-time`) every other is forgotten first.
    fn remember_request(
        &mut self,
        id: String,
        sent: SentRequest,
        now: OffsetDateTime,
        latest_only: bool,
    ) {
        if latest_only {
            self.sent_requests.clear();
        }
        self.sent_requests
            .insert(id, sent, now + REQUEST_MEMORY, now);
    }

    /// Whether `login`'s assertion is taken for the first time at `now` (false: a replay);
    /// its ID is then remembered until the assertion expires plus `skew`, or for
    /// [`REPLAY_MEMORY`] when no enforced NotOnOrAfter bounds it.
    fn first_use(&mut self, login: &Login, skew: Duration, now: OffsetDateTime) -> bool {
        if self.seen_assertions.get(&login.assertion_id, now).is_some() {
            return false;
        }
        // A deadline the calendar cannot hold past (year 9999) is kept as it is.
        let until = login.valid_until.map_or(now + REPLAY_MEMORY, |t| {
            let t = t.max(now);
            t.checked_add(skew).unwrap_or(t)
        });
        self.seen_assertions
            .insert(login.assertion_id.clone(), (), until, now);
        true
    }
}

/// The IdP trust `xml` gives an SP configured as `config`: metadata it cannot use leaves it
/// trusting no signing key (every response refused), never the old keys.
fn reread_trust(config: &SpConfig, xml: &str) -> IdpTrust {
    let flawed = |f: Flaw| config.flaws.contains(&f);
    let mut idp = match IdpTrust::read(xml, flawed(Flaw::UnmarkedKeyNoCheck)) {
        Ok(idp) => idp,
        Err(e) => {
            eprintln!(
                "reference SP: {e}; trusting no signing key until the metadata file is fixed"
            );
            IdpTrust {
                certificates: Vec::new(),
                ..config.idp.clone()
            }
        }
    };
    if flawed(Flaw::KeepsRetiredKeys) {
        for old in &config.idp.certificates {
            if !idp.certificates.contains(old) {
                idp.certificates.push(old.clone());
            }
        }
    }
    idp
}

/// Shared state of the running SP.
#[derive(Clone)]
pub struct SpState {
    config: Arc<std::sync::RwLock<Arc<SpConfig>>>,
    /// Where the IdP metadata is re-read from when it changes, if anywhere.
    metadata_file: Option<Arc<crate::trust::MetadataFile>>,
    memory: Arc<Mutex<Memory>>,
    clock: saml_protocol::Clock,
    ids: saml_protocol::Ids,
    decryption_key: Arc<openssl::pkey::PKey<openssl::pkey::Private>>,
    scim: Option<crate::scim::ScimState>,
}

impl SpState {
    /// State for `config` on the system clock.
    pub fn new(config: SpConfig) -> Self {
        SpState {
            config: Arc::new(std::sync::RwLock::new(Arc::new(config))),
            metadata_file: None,
            memory: Arc::default(),
            clock: saml_protocol::system_clock(),
            ids: saml_protocol::Ids::random(),
            decryption_key: Arc::new(crate::decrypt::encryption_key()),
            scim: None,
        }
    }

    /// The same SP, provisioned over SCIM by `scim`: only its active users (and `users`) may
    /// sign in.
    pub fn with_scim(self, scim: crate::scim::ScimState) -> Self {
        SpState {
            scim: Some(scim),
            ..self
        }
    }

    /// The same SP, its AuthnRequest IDs from `ids`.
    pub fn with_ids(self, ids: saml_protocol::Ids) -> Self {
        SpState { ids, ..self }
    }

    /// The same SP, re-reading its IdP metadata from `file` whenever the file changes
    /// (checked on every request).
    pub fn with_metadata_file(self, file: crate::trust::MetadataFile) -> Self {
        SpState {
            metadata_file: Some(Arc::new(file)),
            ..self
        }
    }

    /// Re-reads the IdP metadata file if it changed (every request starts so).
    fn reread_metadata(&self) {
        let Some(file) = &self.metadata_file else {
            return;
        };
        // One lock from reading the file to storing what it says: two requests across two
        // changes must not store the older one last.
        let mut config = self.config.write().unwrap_or_else(|e| e.into_inner());
        if let Some(xml) = file.changed() {
            let idp = reread_trust(&config, &xml);
            *config = Arc::new(SpConfig {
                idp,
                ..SpConfig::clone(&config)
            });
        }
    }

    /// The configuration (with the IdP metadata file's content as of this request).
    pub fn config(&self) -> Arc<SpConfig> {
        self.config
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, Memory> {
        self.memory
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// What the SP serves: method, path, what it does (for `/` and `sp serve --help`).
pub const ENDPOINTS: [(&str, &str, &str); 8] = [
    ("GET", "/", "this list"),
    (
        "GET",
        "/login",
        "start an SP-initiated login (AuthnRequest by HTTP-Redirect; ?next=PATH)",
    ),
    ("POST", "/saml/acs", "the ACS (HTTP-POST binding)"),
    (
        "GET",
        "/me",
        "the signed-in user as JSON (signed out: a redirect to /login)",
    ),
    ("GET", "/saml/metadata", "SP metadata"),
    ("GET", "/logout", "end the session"),
    (
        "GET",
        "/saml/slo",
        "the IdP's signed LogoutRequest (HTTP-Redirect) ends sessions",
    ),
    (
        "POST",
        "/saml/slo",
        "the IdP's LogoutRequest by HTTP-POST, signed inside, ends sessions",
    ),
];

/// The endpoint list as text, one per line, with the ACS body limit.
pub fn endpoints_text() -> String {
    let mut out = String::new();
    for (method, path, what) in ENDPOINTS {
        out.push_str(&format!("{method:<4} {path:<15} {what}\n"));
    }
    out.push_str(&format!(
        "Request bodies are limited to {} KiB.\n",
        MAX_BODY / 1024
    ));
    out
}

/// The router: `/`, `/login`, `/saml/acs`, `/me`, `/saml/metadata`, `/logout`, `/saml/slo`.
pub fn app(state: SpState) -> Router {
    Router::new()
        .route("/", get(|| async { endpoints_text() }))
        .route("/login", get(login))
        .route("/saml/acs", post(acs).get(acs_by_redirect))
        .route("/me", get(me))
        .route("/saml/metadata", get(metadata))
        .route("/logout", get(logout))
        .route("/saml/slo", get(single_logout).post(single_logout_post))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            reread_metadata,
        ))
        .with_state(state)
}

/// Every request first takes in a changed IdP metadata file.
async fn reread_metadata(
    State(state): State<SpState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    state.reread_metadata();
    next.run(request).await
}

#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
    /// The IdP to sign on with (entity ID); this SP knows one and otherwise ignores it, but
    /// under flaw `sign-on-reflected` refuses another by name.
    idp: Option<String>,
}

/// The one sign-on being answered under flaw `one-login-at-a-time`; free again when dropped
/// (also when the request is abandoned midway).
struct SignOnBusy(SpState);

impl SignOnBusy {
    /// Takes the sign-on slot, unless another sign-on holds it.
    fn take(state: &SpState) -> Option<SignOnBusy> {
        let mut memory = state.memory();
        (!std::mem::replace(&mut memory.sign_on_busy, true)).then(|| SignOnBusy(state.clone()))
    }
}

impl Drop for SignOnBusy {
    fn drop(&mut self) {
        self.0.memory().sign_on_busy = false;
    }
}

/// GET /login: starts an SP-initiated login with an AuthnRequest by HTTP-Redirect.
async fn login(
    State(state): State<SpState>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    let _busy = if state.config().flaws.contains(&Flaw::OneLoginAtATime) {
        match SignOnBusy::take(&state) {
            Some(busy) => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                Some(busy)
            }
            None => {
                return (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "another sign-on is in progress\n",
                )
                    .into_response()
            }
        }
    } else {
        None
    };
    if let Some(idp) = q.idp.as_deref().filter(|idp| {
        state.config().flaws.contains(&Flaw::SignOnReflected)
            && *idp != state.config().idp.entity_id
    }) {
        // The flaw: djangosaml2's "not found in metadata" page, the name pasted in as given.
        let page = format!("Error: IdP EntityID {idp} was not found in metadata");
        return (StatusCode::FORBIDDEN, axum::response::Html(page)).into_response();
    }
    let now = (state.clock)();
    let id = state.ids.next();
    let browser = cookie(&headers, BROWSER_COOKIE)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    {
        let mut memory = state.memory();
        let latest_only = state.config().flaws.contains(&Flaw::OneRequestAtATime);
        let sent = SentRequest {
            browser: browser.clone(),
        };
        memory.remember_request(id.clone(), sent, now, latest_only);
    }
    let c = state.config();
    let issue_instant = now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let request = format!(
        "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" \
         ID=\"{id}\" Version=\"2.0\" IssueInstant=\"{issue_instant}\" Destination=\"{}\" AssertionConsumerServiceURL=\"{}\" \
         ProtocolBinding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\"><saml:Issuer>{}</saml:Issuer>\
         <samlp:NameIDPolicy Format=\"{}\" AllowCreate=\"true\"/></samlp:AuthnRequest>",
        c.idp.sso_url,
        c.acs_url(),
        c.entity_id(),
        // Entra honours a requested format over the app's setting: a stand-in that enforces one
        // asks for none, so the app's setting decides, as it does for an SP that only checks.
        if c.needs.name_id_format.is_some() {
            "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
        } else {
            "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
        }
    );
    let encoded = saml_protocol::deflate_base64(&request);
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("SAMLRequest", &encoded);
    query.append_pair("RelayState", q.next.as_deref().unwrap_or("/me"));
    let separator = if c.idp.sso_url.contains('?') {
        '&'
    } else {
        '?'
    };
    let location = format!("{}{separator}{}", c.idp.sso_url, query.finish());
    // Like most web frameworks, a session (anonymous) exists before the login; the ACS must
    // not promote it.
    let anonymous =
        session_id(&headers).unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let session = format!("{SESSION_COOKIE}={anonymous}; Path=/; HttpOnly; SameSite=Lax");
    // The IdP posts to the ACS from its own site: a SameSite=Lax cookie would not come along
    // (SameSite=None needs https; over http, no attribute lets a browser send it on that POST).
    let cross_site = match c.base_url.starts_with("https:") {
        true => "; SameSite=None; Secure",
        false => "",
    };
    let browser = format!("{BROWSER_COOKIE}={browser}; Path=/; HttpOnly{cross_site}");
    (
        StatusCode::FOUND,
        [(header::LOCATION, location)],
        // Appended: a header array inserts, so the second cookie would replace the first.
        axum::response::AppendHeaders([
            (header::SET_COOKIE, session),
            (header::SET_COOKIE, browser),
        ]),
    )
        .into_response()
}

#[derive(Deserialize)]
struct AcsForm {
    #[serde(rename = "SAMLResponse")]
    saml_response: String,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

/// What a client sees of a worker that dies while answering (a segfault or abort in a
/// library it runs): the connection closes with nothing sent (hyper drops the response, its
/// status line still buffered, when the body fails).
fn crashed_worker() -> Response {
    Response::new(axum::body::Body::new(Crashed))
}

/// A response body that fails as soon as it is read: hyper closes the connection.
struct Crashed;

impl axum::body::HttpBody for Crashed {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(Some(Err(std::io::Error::other("the worker died"))))
    }
}

fn refused(reason: impl Into<String>) -> Response {
    refused_with(StatusCode::FORBIDDEN, reason)
}

fn refused_with(status: StatusCode, reason: impl Into<String>) -> Response {
    (
        status,
        Json(serde_json::json!({ "error": "login refused", "reason": reason.into() })),
    )
        .into_response()
}

/// The ACS form's fields: every `SAMLResponse` in order, and the `RelayState`.
struct AcsFields {
    saml_responses: Vec<String>,
    relay_state: Option<String>,
}

impl AcsFields {
    /// The fields of a urlencoded `body`, or why they cannot be read (no SAMLResponse, or
    /// RelayState twice).
    fn posted(body: &[u8]) -> Result<Self, &'static str> {
        let (mut saml_responses, mut relay_state) = (Vec::new(), None);
        for (name, value) in form_urlencoded::parse(body) {
            match &*name {
                "SAMLResponse" => saml_responses.push(value.into_owned()),
                "RelayState" if relay_state.replace(value.into_owned()).is_some() => {
                    return Err("the form carries RelayState twice")
                }
                _ => {}
            }
        }
        match saml_responses.is_empty() {
            true => Err("the form has no SAMLResponse"),
            false => Ok(AcsFields {
                saml_responses,
                relay_state,
            }),
        }
    }
}

/// A posted `SAMLResponse` value's XML: base64 (line breaks allowed), inflated first under
/// flaw `inflate-posted`.
async fn posted_xml(state: &SpState, value: String) -> Result<String, Response> {
    let refusal = || refused("SAMLResponse is not base64 of UTF-8 XML");
    // Line breaks inside the base64 are allowed; most IdPs send none, so copy only if needed.
    let mut compact = value;
    if compact.bytes().any(|b| b.is_ascii_whitespace()) {
        compact.retain(|c| !c.is_ascii_whitespace());
    }
    let Ok(mut bytes) = base64::engine::general_purpose::STANDARD.decode(compact) else {
        return Err(refusal());
    };
    if state.config().flaws.contains(&Flaw::InflatePosted) {
        bytes = tokio::task::spawn_blocking(move || crate::emulated::inflate_posted(bytes))
            .await
            .unwrap_or_default();
    }
    String::from_utf8(bytes).map_err(|_| refusal())
}

/// POST /saml/acs: validates the SAMLResponse and, when it passes, opens a session. A form
/// with SAMLResponse twice is refused, unless a `split-fields-*` flaw verifies one field and
/// reads the user from the other.
async fn acs(State(state): State<SpState>, headers: HeaderMap, RawForm(body): RawForm) -> Response {
    let form = match AcsFields::posted(&body) {
        Ok(form) => form,
        Err(why) => return refused_with(StatusCode::UNPROCESSABLE_ENTITY, why),
    };
    let config = state.config();
    let flaws = &config.flaws;
    let (read_last, read_first) = (
        flaws.contains(&Flaw::SplitFieldsReadLast),
        flaws.contains(&Flaw::SplitFieldsReadFirst),
    );
    let raw_unbounded = flaws.contains(&Flaw::RawXmlUnbounded);
    let mut values = form.saml_responses;
    let (verified, read) = match values.len() {
        1 => (values.remove(0), None),
        _ if read_last => (values.remove(0), values.pop()),
        _ if read_first => (values.pop().unwrap_or_default(), Some(values.remove(0))),
        _ => {
            return refused_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                "the form carries SAMLResponse twice",
            )
        }
    };
    if raw_unbounded && read.is_none() && !crate::emulated::looks_base64(&verified) {
        // ruby-saml < 1.18.1: the message itself, with no size check, at ruby-saml's pace.
        tokio::time::sleep(crate::emulated::ruby_saml_time(&verified)).await;
        return consume(state, headers, verified, form.relay_state, None).await;
    }
    let xml = match posted_xml(&state, verified).await {
        Ok(xml) => xml,
        Err(refusal) => return refusal,
    };
    let identity_from = match read {
        Some(value) => match posted_xml(&state, value).await {
            Ok(xml) => Some(xml),
            Err(refusal) => return refusal,
        },
        None => None,
    };
    consume(state, headers, xml, form.relay_state, identity_from).await
}

/// GET /saml/acs: the HTTP-Redirect binding, which no IdP may use for a Response (SAML
/// Profiles §4.1.2): 405, unless flaw `acs-redirect` takes it as a post (or
/// `inflate-acs-redirect`, inflating it with no bound).
async fn acs_by_redirect(
    State(state): State<SpState>,
    headers: HeaderMap,
    Query(form): Query<AcsForm>,
) -> Response {
    let unbounded = state.config().flaws.contains(&Flaw::InflateAcsRedirect);
    if !unbounded && !state.config().flaws.contains(&Flaw::AcsRedirect) {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "POST")],
            "the ACS takes the HTTP-POST binding only\n",
        )
            .into_response();
    }
    let Ok(deflated) = base64::engine::general_purpose::STANDARD.decode(&form.saml_response) else {
        return refused("SAMLResponse is not deflated base64 of UTF-8 XML");
    };
    let inflated = match unbounded {
        true => {
            tokio::task::spawn_blocking(move || crate::emulated::inflate_unbounded(&deflated).ok())
                .await
                .ok()
                .flatten()
        }
        false => saml_protocol::inflate_bounded(&deflated, MAX_BODY as u64)
            .ok()
            .filter(|xml| xml.len() <= MAX_BODY),
    };
    let xml = inflated.and_then(|xml| String::from_utf8(xml).ok());
    match xml {
        Some(xml) => consume(state, headers, xml, form.relay_state, None).await,
        None => refused("SAMLResponse is not deflated base64 of UTF-8 XML"),
    }
}

/// Validates a response that reached the ACS and opens its session; with `identity_from`
/// (the `split-fields-*` flaws), the user comes from that other response, read with its
/// signature unchecked.
async fn consume(
    state: SpState,
    headers: HeaderMap,
    xml: String,
    relay_state: Option<String>,
    identity_from: Option<String>,
) -> Response {
    let now = (state.clock)();
    if state.config().trivial_acs {
        return match crate::trivial::login(&xml) {
            Some(login) => open_session(&state, login, &headers, relay_state, false),
            None => refused("no NameID (this is the trivial ACS: it reads nothing else)"),
        };
    }
    if state.config().flaws.contains(&Flaw::DoctypeCrashesWorker) {
        let mut memory = state.memory();
        if memory.restarting > 0 {
            memory.restarting -= 1;
            return (StatusCode::SERVICE_UNAVAILABLE, "worker restarting\n").into_response();
        }
        if xml.contains("<!DOCTYPE") {
            memory.restarting = 1;
            return (StatusCode::INTERNAL_SERVER_ERROR, "worker crashed\n").into_response();
        }
    }
    // Under the Lasso and goxmldsig flaws, these messages kill the worker reading them.
    let dies = [
        (
            Flaw::LassoSoapBody,
            crate::emulated::lasso_soap_without_content as fn(&str) -> bool,
        ),
        (
            Flaw::LassoAnyAttributes,
            crate::emulated::lasso_any_attributes,
        ),
        (Flaw::LassoCdataChild, crate::emulated::lasso_cdata_child),
        (
            Flaw::GoxmldsigNilSignatureValue,
            crate::emulated::goxmldsig_nil_signature_value,
        ),
    ];
    let config = state.config();
    let dying: Vec<_> = dies
        .iter()
        .filter(|(flaw, _)| config.flaws.contains(flaw))
        .collect();
    // A crowded element is refused before any parser reads it, under these flaws too.
    if !dying.is_empty()
        && saml_protocol::crowded_element(&xml).is_none()
        && dying.iter().any(|(_, dies_on)| dies_on(&xml))
    {
        return crashed_worker();
    }
    if config.flaws.contains(&Flaw::ResponseIdInSql) {
        // Shibboleth SP ≤ 3.5.0 on MySQL: the replay cache's look-up, before any signature.
        if let Some(id) = crate::emulated::root_id(&xml) {
            tokio::time::sleep(crate::emulated::replay_lookup_sleep(&id)).await;
        }
    }
    // Under the oracle flaws, where decryption failed picks the status.
    let flaws = &state.config().flaws;
    let oracle = match flaws.contains(&Flaw::PaddingOracle) || flaws.contains(&Flaw::ParseOracle) {
        false => None,
        true => match crate::decrypt::failure(&xml, &state.decryption_key) {
            Some(Failure::Padding) if flaws.contains(&Flaw::PaddingOracle) => {
                Some(StatusCode::BAD_REQUEST)
            }
            Some(Failure::Plaintext) if flaws.contains(&Flaw::ParseOracle) => {
                Some(StatusCode::INTERNAL_SERVER_ERROR)
            }
            _ => None,
        },
    };
    let skew = if state.config().flaws.contains(&Flaw::LaxClockSkew) {
        Duration::minutes(30)
    } else {
        Duration::minutes(3)
    };
    // Validation parses and verifies (and, under the XXE flaws, may fetch): off the runtime.
    let checking = state.clone();
    let validated = tokio::task::spawn_blocking(move || {
        let c = checking.config();
        let (entity_id, acs_url) = (c.entity_id(), c.acs_url());
        let checks = Checks {
            sp_entity_id: &entity_id,
            acs_url: &acs_url,
            idp: &c.idp,
            now,
            skew,
            flaws: &c.flaws,
            decryption_key: Some(&checking.decryption_key),
        };
        let login = crate::validate::validate_or_fallback(&xml, &checks)?;
        match &identity_from {
            None => Ok(login),
            // The signature was checked on the other field.
            Some(other) => {
                let mut unchecked = c.flaws.clone();
                unchecked.insert(Flaw::Signature);
                validate(
                    other,
                    &Checks {
                        flaws: &unchecked,
                        ..checks
                    },
                )
            }
        }
    })
    .await;
    let login = match validated {
        Ok(Ok(login)) => login,
        // A framework in debug mode renders the failure with its stack.
        Ok(Err(e)) if state.config().flaws.contains(&Flaw::VerboseErrors) => {
            let trace = std::backtrace::Backtrace::force_capture();
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("error: {}\n\nstack backtrace:\n{trace}", e.0),
            )
                .into_response();
        }
        Ok(Err(e)) => return refused_with(oracle.unwrap_or(StatusCode::FORBIDDEN), e.0),
        Err(e) => return refused(format!("validation failed: {e}")),
    };
    let c = state.config();
    let account = match c.needs.account(&login) {
        Ok(account) => account,
        Err(why) => return refused(why),
    };
    let listed = c.users.iter().any(|u| u.eq_ignore_ascii_case(&account));
    match &state.scim {
        Some(scim) if !listed && !scim.is_active_user(&account) => {
            return refused(format!(
                "no active account for {account:?} (this SP is provisioned over SCIM: the user was never provisioned, or was disabled or deleted)"
            ));
        }
        None if !c.users.is_empty() && !listed => {
            return refused(format!(
                "no account for {account:?} (this SP provisions users manually)"
            ));
        }
        _ => {}
    }
    {
        let mut memory = state.memory();
        let browser = cookie(&headers, BROWSER_COOKIE);
        let unchecked = browser.is_none() && c.flaws.contains(&Flaw::NoSessionNoCheck);
        if !c.flaws.contains(&Flaw::InResponseTo) && !unchecked {
            let anywhere = c.flaws.contains(&Flaw::RequestsAnyBrowser);
            let any_cookie = browser.is_some() && c.flaws.contains(&Flaw::LoginCookieOnly);
            match &login.in_response_to {
                Some(id) => match memory.sent_requests.get(id, now) {
                    Some(sent)
                        if anywhere
                            || any_cookie
                            || browser.as_deref() == Some(&sent.browser) => {}
                    Some(_) => {
                        return refused(format!(
                            "InResponseTo {id:?} answers a request this SP sent to another browser (a response is taken only from the browser that asked for it)"
                        ))
                    }
                    None => {
                        return refused(format!(
                            "InResponseTo {id:?} answers no request this SP sent (it remembers them for an hour)"
                        ))
                    }
                },
                None if c.needs.idp_initiated || c.flaws.contains(&Flaw::RelayAnyUnsolicited) => {}
                None => return refused(
                    "unsolicited response (no InResponseTo); this SP only does SP-initiated login",
                ),
            }
        }
        if !c.flaws.contains(&Flaw::Replay) && !memory.first_use(&login, skew, now) {
            return refused(format!(
                "assertion {:?} was already used (replay)",
                login.assertion_id
            ));
        }
    }
    let unsolicited = login.in_response_to.is_none();
    open_session(&state, login, &headers, relay_state, unsolicited)
}

/// Signs `login` in: a session cookie and a redirect to RelayState (when it stays on this SP)
/// or `/me`; `unsolicited` says the login was IdP-initiated.
fn open_session(
    state: &SpState,
    login: Login,
    headers: &HeaderMap,
    relay_state: Option<String>,
    unsolicited: bool,
) -> Response {
    let c = state.config();
    // A fresh identifier for the signed-in session, unless the flaw keeps the one the browser
    // brought.
    let session = session_id(headers)
        .filter(|_| c.flaws.contains(&Flaw::SessionFixation))
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let mut memory = state.memory();
    if c.flaws.contains(&Flaw::OneSessionPerUser) {
        memory.sessions.retain(|l| l.name_id != login.name_id);
    }
    let now = (state.clock)();
    memory
        .sessions
        .insert(session.clone(), login, now + SESSION_LIFETIME, now);
    drop(memory);
    let next = relay_state
        .as_deref()
        .and_then(|r| {
            if unsolicited && c.flaws.contains(&Flaw::RelayAnyUnsolicited) {
                return Some(r.to_owned());
            }
            after_login(&c.base_url, r, &c.flaws)
        })
        .unwrap_or_else(|| "/me".into());
    let cookie = format!("{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(relay) = relay_state.filter(|_| c.flaws.contains(&Flaw::RelayReflected)) {
        // The flaw: a "you are being redirected" page with RelayState pasted in as given.
        let page = format!(
            "<!doctype html><html><head><meta http-equiv=\"refresh\" content=\"0;url={next}\"></head><body>Signed in. <a href=\"{relay}\">Continue</a></body></html>"
        );
        return ([(header::SET_COOKIE, cookie)], axum::response::Html(page)).into_response();
    }
    (
        StatusCode::SEE_OTHER,
        [(header::SET_COOKIE, cookie), (header::LOCATION, next)],
    )
        .into_response()
}

/// Where RelayState (or logout's `next`) sends the browser, if anywhere: resolved as a browser
/// resolves it (WHATWG URL: backslashes, tabs and newlines included) and followed only when it
/// stays on this SP's origin; the flaws emulate the checks mellon once made.
fn after_login(base_url: &str, relay_state: &str, flaws: &Flaws) -> Option<String> {
    if flaws.contains(&Flaw::RelayAny) {
        return Some(relay_state.to_owned());
    }
    if flaws.contains(&Flaw::RelayPrefixCheck) {
        return (relay_state.starts_with('/') && !relay_state.starts_with("//"))
            .then(|| relay_state.to_owned());
    }
    let base = url::Url::parse(base_url).ok()?;
    let next = base.join(relay_state).ok()?;
    (next.origin() == base.origin()).then(|| next.to_string())
}

fn session_id(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE)
}

/// The value of the cookie `name` the browser sent, if it sent one.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.to_owned())
}

/// GET /me: the signed-in user as JSON, or a bounce to /login.
async fn me(State(state): State<SpState>, headers: HeaderMap) -> Response {
    let now = (state.clock)();
    let login = session_id(&headers).and_then(|s| state.memory().sessions.get(&s, now).cloned());
    match login {
        Some(login) => {
            let attributes: serde_json::Map<String, serde_json::Value> = login
                .attributes
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::json!(v)))
                .collect();
            let user = state.config().needs.account(&login).unwrap_or_default();
            Json(serde_json::json!({
                "user": user,
                "name_id": login.name_id,
                "name_id_format": login.name_id_format,
                "session_index": login.session_index,
                "attributes": attributes,
            }))
            .into_response()
        }
        // mod_auth_mellon < 0.14.2 let a request carrying ECP headers through unauthenticated.
        None if state.config().flaws.contains(&Flaw::PaosBypass) && is_ecp(&headers) => {
            Json(serde_json::json!({ "name_id": null })).into_response()
        }
        None => (StatusCode::FOUND, [(header::LOCATION, "/login?next=/me")]).into_response(),
    }
}

/// Whether a request announces an ECP client: `PAOS` header and PAOS in `Accept` (SAML
/// Profiles §4.2.3.1).
fn is_ecp(headers: &HeaderMap) -> bool {
    // Media ranges are comma-separated, each with `;` parameters (as mellon parses them).
    let accepts_paos = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|range| {
            range.split(';').next().is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case(saml_protocol::PAOS_MEDIA_TYPE)
            })
        });
    accepts_paos && headers.contains_key("paos")
}

/// GET /saml/metadata: this SP's metadata (entity ID, ACS).
async fn metadata(State(state): State<SpState>) -> Response {
    let c = state.config();
    let xml = format!(
        "<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"{}\"><SPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\" AuthnRequestsSigned=\"false\" WantAssertionsSigned=\"true\">\
         <KeyDescriptor use=\"encryption\"><ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>\
         <SingleLogoutService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" Location=\"{}\"/>\
         <SingleLogoutService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" Location=\"{}\"/>\
         <NameIDFormat>{}</NameIDFormat>\
         <AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" Location=\"{}\" index=\"0\" isDefault=\"true\"/></SPSSODescriptor></EntityDescriptor>",
        c.entity_id(),
        encryption_certificate_base64(),
        c.single_logout_url(),
        c.single_logout_url(),
        c.needs
            .name_id_format
            .as_deref()
            .unwrap_or("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"),
        c.acs_url()
    );
    (
        [(header::CONTENT_TYPE, "application/samlmetadata+xml")],
        xml,
    )
        .into_response()
}

/// The encryption certificate's base64 DER body, as metadata carries it.
fn encryption_certificate_base64() -> String {
    crate::decrypt::ENCRYPTION_CERTIFICATE_PEM
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect()
}

/// GET /logout: ends the local session; `next` (checked as RelayState is) says where to go.
async fn logout(
    State(state): State<SpState>,
    Query(q): Query<LoginQuery>,
    headers: HeaderMap,
) -> Response {
    let now = (state.clock)();
    let ended = session_id(&headers).and_then(|s| state.memory().sessions.take(&s, now));
    let expired = format!("{SESSION_COOKIE}=; Path=/; Max-Age=0");
    let c = state.config();
    if let (true, Some(login)) = (c.needs.single_logout, ended) {
        let location = logout_request_url(&state, &c, &login, q.next.as_deref());
        return (
            StatusCode::FOUND,
            [(header::SET_COOKIE, expired), (header::LOCATION, location)],
        )
            .into_response();
    }
    match q.next.and_then(|n| after_login(&c.base_url, &n, &c.flaws)) {
        Some(next) => (
            StatusCode::SEE_OTHER,
            [(header::SET_COOKIE, expired), (header::LOCATION, next)],
        )
            .into_response(),
        None => ([(header::SET_COOKIE, expired)], "signed out\n").into_response(),
    }
}

/// A refusal at the single logout URL: `status` and `why`, one line.
fn refuse(status: StatusCode, why: String) -> Response {
    (status, format!("{why}\n")).into_response()
}

/// GET /saml/slo: the IdP's LogoutRequest by HTTP-Redirect. The query is read with
/// [`saml_protocol::redirect::read`] (flaws `redirect-smuggled-parameters` and
/// `redirect-request-beside-response` read it as OpenSAML C++ and simplesamlphp/saml2 once
/// did, `inflate-redirect` inflates it without a bound); its signature must verify with the IdP's certificate (flaws `slo-unsigned`,
/// `slo-signature-unchecked` relax that); it must be addressed here, fresh and new; then every
/// session of its NameID (of its SessionIndex, when it names one) ends.
async fn single_logout(
    State(state): State<SpState>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Response {
    let raw = raw.unwrap_or_default();
    let c = state.config();
    let read = if c.flaws.contains(&Flaw::RedirectSmuggledParameters) {
        crate::emulated::opensaml_redirect(&raw)
    } else if c.flaws.contains(&Flaw::RedirectRequestBesideResponse) {
        crate::emulated::saml2_php_redirect(&raw)
    } else {
        saml_protocol::redirect::read(&raw)
    };
    let message = match read {
        Ok(m) => m,
        Err(why) => return refuse(StatusCode::BAD_REQUEST, format!("refused: {why}")),
    };
    // A LogoutRequest comes as SAMLRequest (the emulated libraries did not look).
    if message.parameter != "SAMLRequest" && !c.flaws.contains(&Flaw::RedirectSmuggledParameters) {
        return refuse(
            StatusCode::BAD_REQUEST,
            "refused: this URL takes the IdP's LogoutRequest, as SAMLRequest".into(),
        );
    }
    match &message.signature {
        None if !c.flaws.contains(&Flaw::SloUnsigned) => {
            return refuse(
                StatusCode::FORBIDDEN,
                "refused: the LogoutRequest carries no signature (SigAlg, Signature)".into(),
            )
        }
        Some(signature)
            if !c.flaws.contains(&Flaw::SloSignatureUnchecked)
                && !signature.verifies_with(&c.idp.x509_certificates()) =>
        {
            return refuse(
                StatusCode::FORBIDDEN,
                "refused: the LogoutRequest's signature does not verify with the IdP's certificate"
                    .into(),
            )
        }
        _ => {}
    }
    let unbounded = c.flaws.contains(&Flaw::InflateRedirect);
    let request = match inflate_logout_request(&message.value, unbounded)
        .and_then(|xml| logout_request(&xml, &c, (state.clock)()))
    {
        Ok(r) => r,
        Err(why) => return refuse(StatusCode::BAD_REQUEST, format!("refused: {why}")),
    };
    end_sessions(&state, request)
}

#[derive(Deserialize)]
struct SloForm {
    #[serde(rename = "SAMLRequest")]
    saml_request: Option<String>,
}

/// POST /saml/slo: the IdP's LogoutRequest by HTTP-POST, base64 and signed inside. The
/// LogoutRequest's own enveloped Signature must have one Reference, to its ID, and verify with
/// the IdP's certificate (flaws `slo-unsigned`, `slo-signature-unchecked` and
/// `slo-any-signature` relax that); then it is read as a Redirect one is.
async fn single_logout_post(State(state): State<SpState>, Form(form): Form<SloForm>) -> Response {
    let c = state.config();
    let Some(mut encoded) = form.saml_request else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "refused: this URL takes the IdP's LogoutRequest, as SAMLRequest".into(),
        );
    };
    encoded.retain(|c| !c.is_ascii_whitespace());
    let xml = match base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map(String::from_utf8)
    {
        Ok(Ok(xml)) => xml,
        _ => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "refused: SAMLRequest is not base64 of UTF-8 XML".into(),
            )
        }
    };
    if let Err(why) = verify_posted_logout(&xml, &c) {
        return refuse(StatusCode::FORBIDDEN, format!("refused: {why}"));
    }
    match logout_request(&xml, &c, (state.clock)()) {
        Ok(request) => end_sessions(&state, request),
        Err(why) => refuse(StatusCode::BAD_REQUEST, format!("refused: {why}")),
    }
}

/// Checks the signature of a posted LogoutRequest `xml` as `c` is configured to (DTDs
/// refused).
fn verify_posted_logout(xml: &str, c: &SpConfig) -> Result<(), String> {
    crate::emulated::refuse_external_entities();
    if c.flaws.contains(&Flaw::SloAnySignature) {
        return crate::emulated::samlify_logout_signature(xml, &c.idp.certificates);
    }
    crate::validate::few_attributes(xml).map_err(|r| r.0)?;
    let doc = roxmltree::Document::parse(xml)
        .map_err(|e| format!("the LogoutRequest is not well-formed XML: {e}"))?;
    let root = doc.root_element();
    let Some(signature) = root
        .children()
        .find(|n| n.has_tag_name((saml_protocol::DSIG_NS, "Signature")))
    else {
        if c.flaws.contains(&Flaw::SloUnsigned) {
            return Ok(());
        }
        return Err("the LogoutRequest carries no signature".into());
    };
    if c.flaws.contains(&Flaw::SloSignatureUnchecked) {
        return Ok(());
    }
    // Transforms are allow-listed before libxmlsec1 runs any (SAML Core §5.4.4).
    crate::validate::signature_algorithms(signature).map_err(|r| r.0)?;
    crate::validate::few_transforms(signature).map_err(|r| r.0)?;
    let id = root.attribute("ID").unwrap_or_default();
    if !crate::validate::unique_id(&doc, root) {
        return Err(format!(
            "the LogoutRequest's ID {id:?} is missing or not unique"
        ));
    }
    if !crate::validate::references_only(signature, id) {
        return Err(format!(
            "the LogoutRequest's Signature must have exactly one Reference, to #{id}"
        ));
    }
    crate::dsig::verify_enveloped(xml, id, &c.idp.certificates)
}

/// Ends every session of `request`'s NameID (of its SessionIndex, when it names one), unless
/// its ID was seen before.
fn end_sessions(state: &SpState, request: LogoutAsk) -> Response {
    let ended = {
        let mut memory = state.memory();
        if !memory.seen_logout_requests.insert(request.id.clone()) {
            return refuse(
                StatusCode::BAD_REQUEST,
                format!(
                    "refused: LogoutRequest {:?} was already used (replay)",
                    request.id
                ),
            );
        }
        let before = memory.sessions.len();
        memory.sessions.retain(|login| {
            login.name_id != request.name_id
                || request
                    .session_index
                    .as_ref()
                    .is_some_and(|index| login.session_index.as_ref() != Some(index))
        });
        before - memory.sessions.len()
    };
    format!("signed out {ended} session(s)\n").into_response()
}

/// The LogoutRequest XML in a Redirect-encoded (deflated, base64) `encoded` value, inflated up
/// to [`MAX_BODY`] (flaw `inflate-redirect`: `unbounded`).
fn inflate_logout_request(encoded: &str, unbounded: bool) -> Result<String, String> {
    let deflated = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|e| format!("SAMLRequest is not base64: {e}"))?;
    let xml = if unbounded {
        crate::emulated::inflate_unbounded(&deflated)
    } else {
        saml_protocol::inflate_bounded(&deflated, MAX_BODY as u64)
    }
    .map_err(|e| format!("SAMLRequest is not DEFLATE data: {e}"))?;
    if xml.len() > MAX_BODY && !unbounded {
        return Err(format!("the LogoutRequest exceeds {} KiB", MAX_BODY / 1024));
    }
    String::from_utf8(xml).map_err(|_| "the LogoutRequest is not UTF-8".to_owned())
}

/// What a LogoutRequest asks: its ID, and whose sessions to end.
struct LogoutAsk {
    id: String,
    name_id: String,
    session_index: Option<String>,
}

/// How far a LogoutRequest's IssueInstant may be from this SP's clock.
const LOGOUT_SKEW: Duration = Duration::minutes(5);

/// The LogoutRequest `xml`, from the IdP `c` trusts, addressed to this SP, issued around `now`
/// and not expired (flaw `slo-expiry-unchecked`: its times only checked against each other);
/// DTDs refused.
fn logout_request(xml: &str, c: &SpConfig, now: OffsetDateTime) -> Result<LogoutAsk, String> {
    crate::validate::few_attributes(xml).map_err(|r| r.0)?;
    let doc = roxmltree::Document::parse(xml)
        .map_err(|e| format!("the LogoutRequest is not well-formed XML: {e}"))?;
    let root = doc.root_element();
    if !root.has_tag_name((saml_protocol::PROTOCOL_NS, "LogoutRequest")) {
        return Err("not a LogoutRequest".into());
    }
    let child = |ns: &str, name: &str| {
        root.children()
            .find(|n| n.has_tag_name((ns, name)))
            .map(|n| {
                let text: String = n
                    .descendants()
                    .filter(|d| d.is_text())
                    .filter_map(|d| d.text())
                    .collect();
                saml_protocol::trim_xml_whitespace(&text).to_owned()
            })
    };
    if child(saml_protocol::ASSERTION_NS, "Issuer").as_deref() != Some(c.idp.entity_id.as_str()) {
        return Err("the LogoutRequest's Issuer is not the IdP".into());
    }
    // Bindings §3.4.5.2: a signed message names its recipient, who checks it.
    if root.attribute("Destination") != Some(c.single_logout_url().as_str()) {
        return Err("the LogoutRequest's Destination is not this URL".into());
    }
    let time = |name: &str| {
        root.attribute(name).map(|t| {
            OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                .map_err(|_| format!("the LogoutRequest's {name} {t:?} is not a time"))
        })
    };
    let issued = time("IssueInstant").ok_or("the LogoutRequest has no IssueInstant")??;
    let expires = time("NotOnOrAfter").transpose()?;
    if c.flaws.contains(&Flaw::SloExpiryUnchecked) {
        if expires.is_some_and(|expires| expires <= issued) {
            return Err("the LogoutRequest expires before it was issued".into());
        }
    } else {
        if (issued - now).abs() > LOGOUT_SKEW {
            return Err("the LogoutRequest's IssueInstant is not within 5 minutes of now".into());
        }
        // Core §3.7.1: NotOnOrAfter is when the request expires.
        if expires.is_some_and(|expires| now >= expires + LOGOUT_SKEW) {
            return Err("the LogoutRequest expired (NotOnOrAfter has passed)".into());
        }
    }
    let id = root
        .attribute("ID")
        .filter(|id| !id.is_empty())
        .ok_or("the LogoutRequest has no ID")?
        .to_owned();
    let name_id = child(saml_protocol::ASSERTION_NS, "NameID")
        .ok_or_else(|| "the LogoutRequest names no NameID".to_owned())?;
    Ok(LogoutAsk {
        id,
        name_id,
        session_index: child(saml_protocol::PROTOCOL_NS, "SessionIndex"),
    })
}

/// The IdP's sign-out URL carrying a LogoutRequest (HTTP-Redirect) for `login`'s NameID, with
/// `next` as RelayState.
fn logout_request_url(
    state: &SpState,
    c: &SpConfig,
    login: &crate::validate::Login,
    next: Option<&str>,
) -> String {
    use quick_xml::escape::escape;
    let issue_instant = (state.clock)()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let format = login
        .name_id_format
        .as_deref()
        .map(|f| format!(" Format=\"{}\"", escape(f)))
        .unwrap_or_default();
    let request = format!(
        "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" \
         ID=\"{}\" Version=\"2.0\" IssueInstant=\"{issue_instant}\" Destination=\"{}\"><saml:Issuer>{}</saml:Issuer>\
         <saml:NameID{format}>{}</saml:NameID>{}</samlp:LogoutRequest>",
        state.ids.next(),
        escape(&c.idp.sso_url),
        escape(c.entity_id()),
        escape(&login.name_id),
        login
            .session_index
            .as_deref()
            .map(|i| format!("<samlp:SessionIndex>{}</samlp:SessionIndex>", escape(i)))
            .unwrap_or_default(),
    );
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("SAMLRequest", &saml_protocol::deflate_base64(&request));
    query.append_pair("RelayState", next.unwrap_or("/"));
    let separator = if c.idp.sso_url.contains('?') {
        '&'
    } else {
        '?'
    };
    format!("{}{separator}{}", c.idp.sso_url, query.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    const T0: OffsetDateTime = OffsetDateTime::UNIX_EPOCH;

    fn sent() -> SentRequest {
        SentRequest {
            browser: "b".into(),
        }
    }

    #[test]
    fn a_request_is_remembered_for_an_hour_or_only_the_latest_under_its_flaw() {
        let mut memory = Memory::default();
        memory.remember_request("_old".into(), sent(), T0, false);
        assert!(memory
            .sent_requests
            .get("_old", T0 + REQUEST_MEMORY / 2)
            .is_some());
        assert!(memory
            .sent_requests
            .get("_old", T0 + REQUEST_MEMORY)
            .is_none());
        memory.remember_request("_new".into(), sent(), T0, false);
        assert_eq!(memory.sent_requests.len(), 2);
        memory.remember_request("_only".into(), sent(), T0, true);
        assert_eq!(
            memory.sent_requests.len(),
            1,
            "one-request-at-a-time keeps the latest"
        );
    }

    fn assertion(id: &str, valid_until: Option<OffsetDateTime>) -> Login {
        Login {
            name_id: "b.simon@contoso.com".into(),
            name_id_format: None,
            assertion_id: id.into(),
            in_response_to: None,
            session_index: None,
            attributes: Vec::new(),
            valid_until,
        }
    }

    #[test]
    fn an_assertion_is_refused_again_until_it_expires_plus_the_skew() {
        let skew = Duration::minutes(3);
        let mut memory = Memory::default();
        let expires = T0 + Duration::hours(1);
        let a = assertion("_a", Some(expires));
        assert!(memory.first_use(&a, skew, T0));
        assert!(
            !memory.first_use(&a, skew, T0 + Duration::minutes(62)),
            "a replay"
        );
        assert!(!memory.first_use(&a, skew, expires + skew - Duration::seconds(1)));
        // Past it the SP refuses the assertion as expired, so its ID need not be kept.
        assert!(memory.first_use(&a, skew, expires + skew));
        // Unbounded by an enforced NotOnOrAfter: a day.
        let b = assertion("_b", None);
        assert!(memory.first_use(&b, skew, T0));
        assert!(!memory.first_use(&b, skew, T0 + REPLAY_MEMORY - Duration::seconds(1)));
        // A NotOnOrAfter at the calendar's end is kept, not an overflow.
        let end = time::Date::MAX
            .with_hms(23, 59, 0)
            .expect("a time of day")
            .assume_utc();
        let c = assertion("_c", Some(end));
        assert!(memory.first_use(&c, skew, T0));
        assert!(!memory.first_use(&c, skew, T0 + Duration::days(365)));
    }

    fn config(flaws: Flaws) -> SpConfig {
        let idp = mock_idp::idp::Idp::new(mock_idp::config::Config::builtin());
        let metadata =
            mock_idp::metadata::app_metadata(&idp.config.tenant, "http://idp", &idp.config.apps[0])
                .unwrap();
        SpConfig {
            base_url: "http://sp".into(),
            idp: IdpTrust::from_metadata(&metadata).unwrap(),
            flaws,
            users: Vec::new(),
            needs: Requirements::default(),
            trivial_acs: false,
        }
    }

    /// Metadata for the built-in tenant listing `certs`, marked `key_use`.
    fn metadata_listing(
        certs: &[mock_idp::cert::SigningCert],
        key_use: mock_idp::metadata::KeyUse,
    ) -> String {
        let config = mock_idp::config::Config::builtin();
        mock_idp::metadata::metadata_with_key_use(
            &config.tenant,
            "http://idp",
            certs,
            &certs[0],
            key_use,
        )
        .unwrap()
    }

    fn new_cert() -> mock_idp::cert::SigningCert {
        let key =
            openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
        let now = OffsetDateTime::now_utc();
        mock_idp::cert::SigningCert::generate(key, now - Duration::days(1), now + Duration::days(1))
            .unwrap()
    }

    /// An SP with `flaws` watching a metadata file; the file's path.
    fn watching(flaws: Flaws) -> (SpState, tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("idp.xml");
        let tenant = mock_idp::config::Config::builtin();
        let original =
            mock_idp::metadata::app_metadata(&tenant.tenant, "http://idp", &tenant.apps[0])
                .unwrap();
        std::fs::write(&path, &original).unwrap();
        let state = SpState::new(config(flaws))
            .with_metadata_file(crate::trust::MetadataFile::new(path.clone(), &original));
        (state, dir, path)
    }

    /// `router`'s answer to a plain GET of `path`.
    async fn get(router: axum::Router, path: &str) -> axum::response::Response {
        let request = axum::http::Request::get(path)
            .body(axum::body::Body::empty())
            .unwrap();
        router.oneshot(request).await.unwrap()
    }

    /// Any request, so the SP looks at its metadata file.
    async fn poke(state: &SpState) {
        get(app(state.clone()), "/").await;
    }

    #[tokio::test]
    async fn a_changed_metadata_file_replaces_the_trusted_keys_at_the_next_request() {
        let new = new_cert();
        for (flaws, kept) in [
            (Flaws::new(), 0),
            (Flaws::from([Flaw::KeepsRetiredKeys]), 1),
        ] {
            let (state, _dir, path) = watching(flaws);
            let old = state.config().idp.certificates.clone();
            assert_eq!(old.len(), 1);
            let rolled = metadata_listing(
                std::slice::from_ref(&new),
                mock_idp::metadata::KeyUse::Signing,
            );
            std::fs::write(&path, rolled).unwrap();
            assert_eq!(state.config().idp.certificates, old, "not before a request");
            poke(&state).await;
            let now = &state.config().idp.certificates;
            assert_eq!(now.len(), 1 + kept);
            assert_ne!(now[0], old[0], "the new key first");
            assert_eq!(now.contains(&old[0]), kept == 1);
        }
    }

    #[tokio::test]
    async fn metadata_naming_no_signing_key_or_none_at_all_leaves_no_key_trusted() {
        let new = new_cert();
        let encryption_only = metadata_listing(
            std::slice::from_ref(&new),
            mock_idp::metadata::KeyUse::Encryption,
        );
        for (flaws, metadata) in [
            (Flaws::new(), encryption_only.as_str()),
            (Flaws::new(), "<not metadata"),
        ] {
            let (state, _dir, path) = watching(flaws);
            std::fs::write(&path, metadata).unwrap();
            poke(&state).await;
            let c = state.config();
            assert!(c.idp.certificates.is_empty(), "{metadata:.40}");
            assert_eq!(c.idp.entity_id, config(Flaws::new()).idp.entity_id);
        }
        let unmarked = metadata_listing(
            std::slice::from_ref(&new),
            mock_idp::metadata::KeyUse::Unstated,
        );
        for (flaws, keys) in [
            (Flaws::new(), 1),
            (Flaws::from([Flaw::UnmarkedKeyNoCheck]), 0),
        ] {
            let (state, _dir, path) = watching(flaws);
            std::fs::write(&path, &unmarked).unwrap();
            poke(&state).await;
            assert_eq!(state.config().idp.certificates.len(), keys);
        }
    }

    #[tokio::test]
    async fn the_root_lists_the_endpoints() {
        let response = get(app(SpState::new(config(Flaws::new()))), "/").await;
        assert_eq!(response.status(), StatusCode::OK);
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&body);
        for (_, path, _) in ENDPOINTS {
            assert!(text.contains(path), "{text}");
        }
        assert!(text.contains("512 KiB"), "{text}");
    }

    #[tokio::test]
    async fn the_acs_reads_one_form_field_of_each_kind_by_the_form_content_type() {
        let post = |content_type: &str, body: &str| {
            axum::http::Request::post("/saml/acs")
                .header(header::CONTENT_TYPE, content_type)
                .body(axum::body::Body::from(body.to_owned()))
                .unwrap()
        };
        let form = "application/x-www-form-urlencoded";
        for (content_type, body, status) in [
            (
                form,
                "SAMLResponse=PHIvPg%3D%3D&SAMLResponse=PHIvPg%3D%3D",
                422,
            ),
            (
                form,
                "SAMLResponse=PHIvPg%3D%3D&RelayState=a&RelayState=b",
                422,
            ),
            (form, "RelayState=a", 422),
            ("text/plain", "SAMLResponse=PHIvPg%3D%3D", 415),
            // One of each: read, and refused by validation.
            (form, "SAMLResponse=PHIvPg%3D%3D&RelayState=a", 403),
            // Raw XML is no base64.
            (form, "SAMLResponse=<r/>", 403),
        ] {
            let router = app(SpState::new(config(Flaws::new())));
            let answer = router.oneshot(post(content_type, body)).await.unwrap();
            assert_eq!(answer.status().as_u16(), status, "{content_type} {body}");
        }
    }

    #[tokio::test]
    async fn the_trivial_acs_signs_in_any_name_id_and_the_careful_one_does_not() {
        use base64::Engine as _;
        let unsigned = r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion"><Subject><NameID>admin@contoso.com</NameID></Subject></Assertion></samlp:Response>"#;
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair(
                "SAMLResponse",
                &base64::engine::general_purpose::STANDARD.encode(unsigned),
            )
            .finish();
        for trivial_acs in [true, false] {
            let router = app(SpState::new(SpConfig {
                trivial_acs,
                ..config(Flaws::new())
            }));
            let post = axum::http::Request::post("/saml/acs")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(body.clone()))
                .unwrap();
            let answer = router.clone().oneshot(post).await.unwrap();
            if !trivial_acs {
                assert_eq!(answer.status(), StatusCode::FORBIDDEN);
                continue;
            }
            assert_eq!(answer.status(), StatusCode::SEE_OTHER);
            let cookie = answer.headers()[header::SET_COOKIE].to_str().unwrap();
            let me = axum::http::Request::get("/me")
                .header(header::COOKIE, cookie.split(';').next().unwrap())
                .body(axum::body::Body::empty())
                .unwrap();
            let page = router.oneshot(me).await.unwrap();
            let body = axum::body::to_bytes(page.into_body(), 1 << 16)
                .await
                .unwrap();
            let me: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(me["name_id"], "admin@contoso.com", "{me}");
        }
    }

    #[test]
    fn relay_state_is_followed_only_where_a_browser_stays_on_this_site() {
        let careful = Flaws::new();
        for (relay, next) in [
            ("/me?x=1", Some("http://sp/me?x=1")),
            ("/\\evil.test/", None),
            ("/\t/evil.test/", None),
            ("//evil.test/", None),
            ("https://evil.test/", None),
            ("https:evil.test/", None),
        ] {
            assert_eq!(
                after_login("http://sp", relay, &careful).as_deref(),
                next,
                "{relay:?}"
            );
        }
        let prefix = Flaws::from([Flaw::RelayPrefixCheck]);
        assert!(after_login("http://sp", "/\\evil.test/", &prefix).is_some());
        assert!(after_login("http://sp", "//evil.test/", &prefix).is_none());
    }

    #[tokio::test]
    async fn authn_request_ids_come_from_the_injected_generator() {
        let config = config(Flaws::new());
        let app = app(SpState::new(config).with_ids(saml_protocol::Ids::sequential("_req-")));
        for n in 1..=2 {
            let response = get(app.clone(), "/login").await;
            let location = response.headers()[header::LOCATION].to_str().unwrap();
            let query = location.split_once('?').unwrap().1;
            let (_, encoded) = form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "SAMLRequest")
                .unwrap();
            let deflated = base64::engine::general_purpose::STANDARD
                .decode(encoded.as_bytes())
                .unwrap();
            let xml = saml_protocol::inflate_bounded(&deflated, 1 << 16).unwrap();
            let xml = String::from_utf8(xml).unwrap();
            assert!(xml.contains(&format!("ID=\"_req-{n}\"")), "{xml}");
        }
    }

    #[tokio::test]
    async fn a_login_sets_the_session_and_the_browser_cookie_the_idps_post_carries() {
        let response = get(app(SpState::new(config(Flaws::new()))), "/login").await;
        let cookies: Vec<&str> = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(cookies.len(), 2, "{cookies:?}");
        assert!(
            cookies[0].starts_with(&format!("{SESSION_COOKIE}=")),
            "{cookies:?}"
        );
        let browser = cookies[1];
        assert!(
            browser.starts_with(&format!("{BROWSER_COOKIE}=")),
            "{browser}"
        );
        // Over http a SameSite attribute would keep it off the IdP's cross-site POST.
        assert!(!browser.contains("SameSite"), "{browser}");
    }
}
