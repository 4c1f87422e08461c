//! Microsoft Graph inside the mock tenant: the token endpoint an app registration uses
//! (client credentials, password), and the slice of `/v1.0` that identity platforms provision
//! with (users, licences, groups and their members), with Graph's error envelope and
//! Entra's AADSTS errors. The users it creates, changes or disables are the tenant's: they
//! sign in over SAML as soon as they exist.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};

use crate::config::{Config, Group, User};
use crate::server::IdpState;

/// Microsoft Graph's own application id (the resource of `https://graph.microsoft.com/.default`).
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// The scope a client-credentials request must ask for.
pub const DEFAULT_SCOPE: &str = "https://graph.microsoft.com/.default";
/// How long an access token lives (Entra's default for client credentials).
pub const TOKEN_LIFETIME_SECS: i64 = 3599;
/// Largest page `$top` may ask for (Graph's limit for users).
pub const MAX_PAGE: usize = 999;
/// Largest number of users or groups Graph may create (a bound, not Entra's).
pub const MAX_OBJECTS: usize = 10_000;
/// Largest number of live access tokens (a bound: expired ones go first, then the oldest).
pub const MAX_TOKENS: usize = 10_000;

/// An app registration allowed to call Graph: its client id, secret and granted application
/// permissions (e.g. `User.ReadWrite.All`).
#[derive(Clone, Debug)]
pub struct AppRegistration {
    /// Application (client) id.
    pub client_id: String,
    /// Client secret value.
    pub secret: String,
    /// Granted application permissions, admin-consented.
    pub roles: Vec<String>,
    /// "Allow public client flows": the password grant without the secret.
    pub public_client: bool,
}

/// A subscription the tenant holds (a licence SKU and its seats).
#[derive(Clone, Debug)]
pub struct Sku {
    /// skuId (GUID).
    pub sku_id: String,
    /// skuPartNumber, e.g. `TEAMS_EXPLORATORY`.
    pub part_number: String,
    /// Seats bought (prepaidUnits.enabled).
    pub seats: u32,
}

impl Sku {
    /// Microsoft Teams Exploratory, as Cymmetri's guide assigns it (real SKU id).
    pub fn teams_exploratory() -> Sku {
        Sku {
            sku_id: "710779e8-3d4a-4c88-adb9-386c958d1fdf".into(),
            part_number: "TEAMS_EXPLORATORY".into(),
            seats: 100,
        }
    }
}

/// What the Graph surface serves with.
#[derive(Clone, Debug)]
pub struct GraphSettings {
    /// App registrations that may get tokens.
    pub apps: Vec<AppRegistration>,
    /// The tenant's subscriptions.
    pub skus: Vec<Sku>,
    /// Answer every Nth Graph request with 429 and Retry-After (throttling on demand).
    pub throttle_every: Option<u64>,
}

/// One directory user as Graph holds it: the SAML side's user and what only Graph knows.
#[derive(Clone, Debug)]
struct Account {
    user: User,
    mail_nickname: String,
    enabled: bool,
    usage_location: Option<String>,
    licences: Vec<String>,
    password: Option<String>,
}

struct Grant {
    roles: Vec<String>,
    expires: OffsetDateTime,
}

struct Directory {
    accounts: Vec<Account>,
    groups: Vec<Group>,
    tokens: HashMap<String, Grant>,
    served: u64,
}

impl Directory {
    /// Keeps `grant` under `token`: expired tokens go first, then, at [`MAX_TOKENS`], the
    /// oldest (as a cache evicts: a client that fetches a token per call keeps working).
    fn issue(&mut self, token: String, grant: Grant, now: OffsetDateTime) {
        self.tokens.retain(|_, g| g.expires > now);
        if self.tokens.len() >= MAX_TOKENS {
            let oldest = self
                .tokens
                .iter()
                .min_by_key(|(_, g)| g.expires)
                .map(|(t, _)| t.clone());
            if let Some(oldest) = oldest {
                self.tokens.remove(&oldest);
            }
        }
        self.tokens.insert(token, grant);
    }
}

/// The Graph surface's state: settings and the live directory.
pub struct Graph {
    settings: GraphSettings,
    directory: Mutex<Directory>,
}

impl Graph {
    /// Graph over the users and groups of `config`.
    pub fn new(settings: GraphSettings, config: &Config) -> Graph {
        let accounts = config
            .users
            .iter()
            .map(|u| Account {
                mail_nickname: u.upn.split('@').next().unwrap_or(&u.upn).to_string(),
                user: u.clone(),
                enabled: true,
                usage_location: None,
                licences: Vec::new(),
                password: None,
            })
            .collect();
        Graph {
            settings,
            directory: Mutex::new(Directory {
                accounts,
                groups: config.groups.clone(),
                tokens: HashMap::new(),
                served: 0,
            }),
        }
    }

    /// The settings it serves with.
    pub fn settings(&self) -> &GraphSettings {
        &self.settings
    }

    fn directory(&self) -> std::sync::MutexGuard<'_, Directory> {
        self.directory.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The routes: `/{tenant}/oauth2/v2.0/token`, OpenID discovery, and `/v1.0/…`.
pub fn routes() -> Router<IdpState> {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .route("/v1.0/users", get(list_users).post(create_user))
        .route(
            "/v1.0/users/{id}",
            get(get_user).patch(update_user).delete(delete_user),
        )
        .route("/v1.0/users/{id}/assignLicense", post(assign_license))
        .route("/v1.0/users/{id}/memberOf", get(member_of))
        .route("/v1.0/subscribedSkus", get(subscribed_skus))
        .route("/v1.0/groups", get(list_groups).post(create_group))
        .route("/v1.0/groups/{id}", get(get_group))
        .route("/v1.0/groups/{id}/members", get(group_members))
        .route("/v1.0/groups/{id}/members/$ref", post(add_member))
        .route(
            "/v1.0/groups/{id}/members/{member}/$ref",
            delete(remove_member),
        )
}

/// A Graph error: status, code and message in Graph's envelope.
#[derive(Debug)]
pub struct GraphError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<u64>,
}

fn graph_error(status: StatusCode, code: &'static str, message: impl Into<String>) -> GraphError {
    GraphError {
        status,
        code,
        message: message.into(),
        retry_after: None,
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let body = json!({"error": {
            "code": self.code,
            "message": self.message,
            "innerError": {
                "date": OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                "request-id": uuid::Uuid::new_v4().to_string(),
                "client-request-id": uuid::Uuid::new_v4().to_string(),
            },
        }});
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            if let Ok(v) = secs.to_string().parse() {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

type Answer = Result<Response, GraphError>;

/// A JSON request body; one that cannot be read gets Graph's own error, not a plain-text one.
pub struct GraphJson(Value);

impl<S: Send + Sync> axum::extract::FromRequest<S> for GraphJson {
    type Rejection = GraphError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, GraphError> {
        match Json::<Value>::from_request(req, state).await {
            Ok(Json(v)) => Ok(GraphJson(v)),
            Err(_) => Err(graph_error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
            )),
        }
    }
}

fn graph(state: &IdpState) -> Result<&Graph, GraphError> {
    state.graph.as_deref().ok_or_else(|| {
        graph_error(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            "Graph is not served: start idp serve --graph",
        )
    })
}

/// The token endpoint's error: OAuth's shape with Entra's AADSTS description.
fn oauth_error(status: StatusCode, error: &str, aadsts: u32, description: &str) -> Response {
    let now = OffsetDateTime::now_utc();
    (
        status,
        Json(json!({
            "error": error,
            "error_description": format!("AADSTS{aadsts}: {description} Trace ID: {} Correlation ID: {} Timestamp: {}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4(), crate::response::aadsts_timestamp(now)),
            "error_codes": [aadsts],
            "timestamp": crate::response::aadsts_timestamp(now),
            "trace_id": uuid::Uuid::new_v4().to_string(),
            "correlation_id": uuid::Uuid::new_v4().to_string(),
        })),
    )
        .into_response()
}

/// Entra's AADSTS90002 for a tenant in the path that is not this one.
fn unknown_tenant(state: &IdpState, tenant: &str) -> Option<Response> {
    let t = &state.idp().config.tenant;
    let known = tenant.eq_ignore_ascii_case(&t.id)
        || tenant.eq_ignore_ascii_case(&t.domain)
        || tenant == "organizations";
    (!known).then(|| {
        oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_tenant",
            90002,
            &format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."),
        )
    })
}

async fn openid_configuration(
    State(state): State<IdpState>,
    Path(tenant): Path<String>,
) -> Response {
    let base = state.base_url.trim_end_matches('/');
    let tid = state.idp().config.tenant.id.clone();
    if let Some(refused) = unknown_tenant(&state, &tenant) {
        return refused;
    }
    Json(json!({
        "token_endpoint": format!("{base}/{tid}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/{tid}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{base}/{tid}/v2.0"),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{base}/oidc/userinfo"),
        "authorization_endpoint": format!("{base}/{tid}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/{tid}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/{tid}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "tid"],
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
    }))
    .into_response()
}

/// POST `/{tenant}/oauth2/v2.0/token`: client credentials (secret in the form or Basic) or
/// the password grant (ROPC) of a Graph-created user with a password.
async fn token(
    State(state): State<IdpState>,
    headers: HeaderMap,
    Path(tenant): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(refused) = unknown_tenant(&state, &tenant) {
        return refused;
    }
    let Ok(graph) = graph(&state) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900023,
            "Graph is not served: start idp serve --graph.",
        );
    };
    let (mut client_id, mut secret) = (
        form.get("client_id").cloned(),
        form.get("client_secret").cloned(),
    );
    if let Some((id, s)) = basic_credentials(&headers) {
        client_id = client_id.or(Some(id));
        secret = secret.or(Some(s));
    }
    let tenant_id = state.idp().config.tenant.id.clone();
    let Some(client_id) = client_id else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    let Some(app) = graph
        .settings
        .apps
        .iter()
        .find(|a| a.client_id.eq_ignore_ascii_case(&client_id))
    else {
        return oauth_error(StatusCode::BAD_REQUEST, "unauthorized_client", 700016, &format!("Application with identifier '{client_id}' was not found in the directory '{tenant_id}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."));
    };
    let public_client = form.get("grant_type").map(String::as_str) == Some("password");
    match secret {
        Some(s) if s == app.secret => {}
        // "Allow public client flows": the password grant without a secret.
        None if public_client && app.public_client => {}
        Some(_) => return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", 7000215, &format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.", app.client_id)),
        None => return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
    }
    let scope = form.get("scope").cloned().unwrap_or_default();
    let mut signed_in: Option<User> = None;
    match form.get("grant_type").map(String::as_str) {
        Some("client_credentials") => {
            if !scope.split(' ').any(|s| {
                s.eq_ignore_ascii_case(DEFAULT_SCOPE)
                    || s.eq_ignore_ascii_case(&format!("{GRAPH_APP_ID}/.default"))
            }) {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", 1002012, &format!("The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."));
            }
        }
        Some("password") => {
            let (user, password) = (
                form.get("username").cloned().unwrap_or_default(),
                form.get("password").cloned().unwrap_or_default(),
            );
            let directory = graph.directory();
            let account = directory.accounts.iter().find(|a| {
                a.user.upn.eq_ignore_ascii_case(&user)
                    && a.password.as_deref() == Some(password.as_str())
            });
            match account {
                None => {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        50126,
                        "Error validating credentials due to invalid username or password.",
                    );
                }
                Some(a) if !a.enabled => {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        50057,
                        "The user account is disabled.",
                    );
                }
                Some(a) => signed_in = Some(a.user.clone()),
            }
        }
        other => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                70003,
                &format!(
                    "The app requested an unsupported grant type '{}'.",
                    other.unwrap_or("")
                ),
            );
        }
    }
    let access_token = format!("mock-graph.{}", uuid::Uuid::new_v4().simple());
    let now = (state.clock)();
    graph.directory().issue(
        access_token.clone(),
        Grant {
            roles: app.roles.clone(),
            expires: now + Duration::seconds(TOKEN_LIFETIME_SECS),
        },
        now,
    );
    let mut answer = json!({"token_type": "Bearer", "expires_in": TOKEN_LIFETIME_SECS, "ext_expires_in": TOKEN_LIFETIME_SECS, "access_token": access_token});
    if let Some(user) = signed_in {
        answer["scope"] = json!(scope);
        answer["id_token"] = json!(id_token(&state, &app.client_id, &user, now));
    }
    Json(answer).into_response()
}

/// The password grant's ID token: the user's claims in JWT form, unsigned (`alg: none`):
/// clients read its claims, and nothing here should trust it.
fn id_token(state: &IdpState, client_id: &str, user: &User, now: OffsetDateTime) -> String {
    use base64::Engine as _;
    let tid = state.idp().config.tenant.id.clone();
    let part = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let claims = json!({
        "aud": client_id,
        "iss": format!("{}/{tid}/v2.0", state.base_url.trim_end_matches('/')),
        "iat": now.unix_timestamp(),
        "nbf": now.unix_timestamp(),
        "exp": now.unix_timestamp() + TOKEN_LIFETIME_SECS,
        "name": user.display_name,
        "oid": user.object_id,
        "preferred_username": user.upn,
        "sub": user.object_id,
        "tid": tid,
        "ver": "2.0",
    });
    format!(
        "{}.{}.",
        part(json!({"typ": "JWT", "alg": "none"})),
        part(claims)
    )
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    use base64::Engine as _;
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// Checks the bearer token and that it carries one of `roles`; counts the request for throttling.
fn authorize<'a>(
    state: &'a IdpState,
    headers: &HeaderMap,
    roles: &[&str],
) -> Result<&'a Graph, GraphError> {
    let graph = graph(state)?;
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let mut directory = graph.directory();
    directory.served += 1;
    if let Some(n) = graph.settings.throttle_every {
        if n > 0 && directory.served % n == 0 {
            let mut e = graph_error(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                "Too many requests. Retry after the time the Retry-After header gives.",
            );
            e.retry_after = Some(1);
            return Err(e);
        }
    }
    if token.is_empty() {
        return Err(graph_error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Access token is empty.",
        ));
    }
    let now = (state.clock)();
    let Some(grant) = directory.tokens.get(token) else {
        return Err(graph_error(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format."));
    };
    if grant.expires <= now {
        return Err(graph_error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Lifetime validation failed, the token is expired.",
        ));
    }
    if !roles
        .iter()
        .any(|r| grant.roles.iter().any(|g| g.eq_ignore_ascii_case(r)))
    {
        return Err(graph_error(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        ));
    }
    Ok(graph)
}

const READ_USERS: &[&str] = &[
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const WRITE_USERS: &[&str] = &["User.ReadWrite.All", "Directory.ReadWrite.All"];
const READ_GROUPS: &[&str] = &[
    "Group.Read.All",
    "Group.ReadWrite.All",
    "GroupMember.Read.All",
    "GroupMember.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const WRITE_MEMBERS: &[&str] = &[
    "GroupMember.ReadWrite.All",
    "Group.ReadWrite.All",
    "Directory.ReadWrite.All",
];
const WRITE_GROUPS: &[&str] = &["Group.ReadWrite.All", "Directory.ReadWrite.All"];
const READ_ORGANIZATION: &[&str] = &[
    "Organization.Read.All",
    "Organization.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
    "LicenseAssignment.ReadWrite.All",
];
const ASSIGN_LICENSES: &[&str] = &[
    "LicenseAssignment.ReadWrite.All",
    "User.ReadWrite.All",
    "Directory.ReadWrite.All",
];

fn user_json(account: &Account) -> Value {
    let u = &account.user;
    json!({
        "id": u.object_id,
        "businessPhones": [],
        "displayName": u.display_name,
        "givenName": non_empty(&u.given_name),
        "jobTitle": u.extra.get("jobtitle"),
        "mail": non_empty(&u.mail),
        "mobilePhone": null,
        "officeLocation": null,
        "preferredLanguage": null,
        "surname": non_empty(&u.surname),
        "userPrincipalName": u.upn,
        "accountEnabled": account.enabled,
        "mailNickname": account.mail_nickname,
        "usageLocation": account.usage_location,
        "assignedLicenses": account.licences.iter().map(|s| json!({"disabledPlans": [], "skuId": s})).collect::<Vec<_>>(),
    })
}

fn non_empty(s: &str) -> Value {
    if s.is_empty() {
        Value::Null
    } else {
        json!(s)
    }
}

/// The user properties `$filter … eq` is served for here.
const FILTERABLE_USER_FIELDS: [&str; 7] = [
    "userPrincipalName",
    "mail",
    "mailNickname",
    "displayName",
    "givenName",
    "surname",
    "id",
];

const DEFAULT_USER_FIELDS: [&str; 11] = [
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];

/// Graph's default projection, or `$select`'s.
fn project(full: Value, select: Option<&String>) -> Value {
    let fields: Vec<&str> = match select {
        Some(s) => s.split(',').map(str::trim).collect(),
        None => DEFAULT_USER_FIELDS.to_vec(),
    };
    let Value::Object(map) = full else {
        return full;
    };
    Value::Object(
        map.into_iter()
            .filter(|(k, _)| fields.iter().any(|f| f.eq_ignore_ascii_case(k)))
            .collect(),
    )
}

/// An OData `$filter` of the form `property eq 'value'` (the form connectors send).
fn parse_filter(filter: &str) -> Result<(String, String), GraphError> {
    let bad = || {
        graph_error(StatusCode::BAD_REQUEST, "Request_UnsupportedQuery", format!("Unsupported or invalid query filter clause specified for property '{filter}' of resource 'User'."))
    };
    let (property, rest) = filter.trim().split_once(' ').ok_or_else(bad)?;
    let (op, value) = rest.trim().split_once(' ').ok_or_else(bad)?;
    if !op.eq_ignore_ascii_case("eq") {
        return Err(bad());
    }
    let value = value.trim();
    let value = value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .ok_or_else(bad)?;
    Ok((property.to_string(), value.replace("''", "'")))
}

fn find_account<'a>(
    directory: &'a mut Directory,
    key: &str,
) -> Result<&'a mut Account, GraphError> {
    directory
        .accounts
        .iter_mut()
        .find(|a| a.user.object_id.eq_ignore_ascii_case(key) || a.user.upn.eq_ignore_ascii_case(key))
        .ok_or_else(|| graph_error(StatusCode::NOT_FOUND, "Request_ResourceNotFound", format!("Resource '{key}' does not exist or one of its queried reference-property objects are not present.")))
}

async fn list_users(
    State(state): State<IdpState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Answer {
    let graph = authorize(&state, &headers, READ_USERS)?;
    let directory = graph.directory();
    let mut users: Vec<Value> = directory.accounts.iter().map(user_json).collect();
    if let Some(filter) = q.get("$filter") {
        let (property, value) = parse_filter(filter)?;
        if !FILTERABLE_USER_FIELDS.contains(&property.as_str()) {
            return Err(graph_error(
                StatusCode::BAD_REQUEST,
                "Request_UnsupportedQuery",
                format!("Unsupported or invalid query filter clause specified for property '{property}' of resource 'User'."),
            ));
        }
        users.retain(|u| {
            u.get(&property)
                .and_then(Value::as_str)
                .is_some_and(|v| v.eq_ignore_ascii_case(&value))
        });
    }
    let count = users.len();
    let skip: usize = q
        .get("$skiptoken")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let top: usize = match q.get("$top") {
        Some(t) => match t.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => return Err(graph_error(StatusCode::BAD_REQUEST, "Request_UnsupportedQuery", format!("Invalid page size specified: '{t}'. Must be between 1 and {MAX_PAGE} inclusive."))),
        },
        None => 100,
    };
    let page: Vec<Value> = users
        .into_iter()
        .skip(skip)
        .take(top)
        .map(|u| project(u, q.get("$select")))
        .collect();
    let base = state.base_url.trim_end_matches('/');
    let mut body = json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "value": page});
    if q.get("$count").is_some_and(|c| c == "true") {
        if !headers
            .get("consistencylevel")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("eventual"))
        {
            return Err(graph_error(StatusCode::BAD_REQUEST, "Request_BadRequest", "$count is not currently supported without the ConsistencyLevel header set to eventual."));
        }
        body["@odata.count"] = json!(count);
    }
    if skip.saturating_add(top) < count {
        // Graph writes the `$` of system query options as is.
        let mut pairs: Vec<String> = q
            .iter()
            .filter(|(k, _)| *k != "$skiptoken")
            .map(|(k, v)| {
                let k: String = form_urlencoded::byte_serialize(k.as_bytes()).collect();
                let v: String = form_urlencoded::byte_serialize(v.as_bytes()).collect();
                format!("{}={v}", k.replace("%24", "$"))
            })
            .collect();
        pairs.push(format!("$skiptoken={}", skip.saturating_add(top)));
        body["@odata.nextLink"] = json!(format!("{base}/v1.0/users?{}", pairs.join("&")));
    }
    Ok(Json(body).into_response())
}

async fn get_user(
    State(state): State<IdpState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Answer {
    let graph = authorize(&state, &headers, READ_USERS)?;
    let mut directory = graph.directory();
    let account = find_account(&mut directory, &id)?;
    let mut body = project(user_json(account), q.get("$select"));
    body["@odata.context"] = json!("https://graph.microsoft.com/v1.0/$metadata#users/$entity");
    Ok(Json(body).into_response())
}

/// Graph's password rule, as far as a connector meets it: 8 to 256 characters, three of
/// lower case, upper case, digits and symbols.
fn strong(password: &str) -> bool {
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    (8..=256).contains(&password.chars().count()) && classes.iter().filter(|c| **c).count() >= 3
}

/// A userPrincipalName Graph accepts: allowed characters, and a verified domain of the tenant.
fn check_upn(state: &IdpState, upn: &str) -> Result<(), GraphError> {
    let config = state.idp().config.clone();
    let verified = [
        config.tenant.domain.to_ascii_lowercase(),
        format!(
            "{}.onmicrosoft.com",
            config.tenant.name.to_ascii_lowercase().replace(' ', "")
        ),
    ];
    match upn.rsplit_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && local
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "'.-_!#^~".contains(c)) =>
        {
            if verified.contains(&domain.to_ascii_lowercase()) {
                Ok(())
            } else {
                Err(bad_request(format!("The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization. (verified here: {})", verified.join(", "))))
            }
        }
        _ => Err(bad_request(
            "Invalid value specified for property 'userPrincipalName' of resource 'User'.",
        )),
    }
}

fn bad_request(message: impl Into<String>) -> GraphError {
    graph_error(StatusCode::BAD_REQUEST, "Request_BadRequest", message)
}

async fn create_user(
    State(state): State<IdpState>,
    headers: HeaderMap,
    GraphJson(body): GraphJson,
) -> Answer {
    let graph = authorize(&state, &headers, WRITE_USERS)?;
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    for required in ["displayName", "mailNickname", "userPrincipalName"] {
        if text(required).is_none_or(|v| v.is_empty()) {
            return Err(bad_request(format!(
                "Property '{required}' is required and must be a non-empty string."
            )));
        }
    }
    let Some(enabled) = body.get("accountEnabled").and_then(Value::as_bool) else {
        return Err(bad_request(
            "Property 'accountEnabled' is required when creating the entity.",
        ));
    };
    let Some(password) = body
        .pointer("/passwordProfile/password")
        .and_then(Value::as_str)
    else {
        return Err(bad_request(
            "Property 'passwordProfile' is required when creating the entity.",
        ));
    };
    if !strong(password) {
        return Err(bad_request("The specified password does not comply with password complexity requirements. Please provide a different password."));
    }
    let upn = text("userPrincipalName").unwrap_or_default();
    check_upn(&state, &upn)?;
    if let Some(location) = text("usageLocation") {
        if location.len() != 2 || !location.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(bad_request(format!("Invalid value specified for property 'usageLocation' of resource 'User': {location:?} is not an ISO 3166 two-letter country code.")));
        }
    }
    let mut directory = graph.directory();
    if directory
        .accounts
        .iter()
        .any(|a| a.user.upn.eq_ignore_ascii_case(&upn))
    {
        return Err(bad_request(
            "Another object with the same value for property userPrincipalName already exists.",
        ));
    }
    if directory.accounts.len() >= MAX_OBJECTS {
        return Err(graph_error(
            StatusCode::FORBIDDEN,
            "Directory_QuotaExceeded",
            "The directory object quota limit for the Tenant has been exceeded.",
        ));
    }
    let display = text("displayName").unwrap_or_default();
    let account = Account {
        user: User {
            upn: upn.clone(),
            given_name: text("givenName").unwrap_or_default(),
            surname: text("surname").unwrap_or_default(),
            display_name: display,
            mail: text("mail").unwrap_or_else(|| upn.clone()),
            object_id: uuid::Uuid::new_v4().to_string(),
            group_ids: Vec::new(),
            extra: text("jobTitle")
                .map(|j| [("jobtitle".to_string(), j)].into())
                .unwrap_or_default(),
            authn_age: Duration::ZERO,
            identity_provider: None,
            authn_methods: vec![crate::config::AuthnMethod::Password],
            enabled,
        },
        mail_nickname: text("mailNickname").unwrap_or_default(),
        enabled,
        usage_location: text("usageLocation"),
        licences: Vec::new(),
        password: Some(password.to_string()),
    };
    let mut created = project(user_json(&account), None);
    created["@odata.context"] = json!("https://graph.microsoft.com/v1.0/$metadata#users/$entity");
    directory.accounts.push(account);
    publish(&state, &directory);
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

async fn update_user(
    State(state): State<IdpState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    GraphJson(body): GraphJson,
) -> Answer {
    let graph = authorize(&state, &headers, WRITE_USERS)?;
    let Some(changes) = body.as_object() else {
        return Err(bad_request("The request body must be a JSON object."));
    };
    let mut directory = graph.directory();
    let taken: Vec<String> = directory
        .accounts
        .iter()
        .map(|a| a.user.upn.to_ascii_lowercase())
        .collect();
    let stored = find_account(&mut directory, &id)?;
    // Applied to a copy: a refused property leaves the user as it was.
    let mut account = stored.clone();
    // SDKs send "@odata.type" with every entity.
    for (key, value) in changes.iter().filter(|(k, _)| !k.starts_with('@')) {
        let text = match value {
            Value::Null => Some(String::new()),
            v => v.as_str().map(str::to_string),
        };
        match (key.as_str(), text) {
            ("displayName", Some(v)) => account.user.display_name = v,
            ("givenName", Some(v)) => account.user.given_name = v,
            ("surname", Some(v)) => account.user.surname = v,
            ("mail", Some(v)) => account.user.mail = v,
            ("jobTitle", Some(v)) => {
                account.user.extra.insert("jobtitle".into(), v);
            }
            ("mailNickname", Some(v)) => account.mail_nickname = v,
            ("userPrincipalName", Some(v)) => {
                check_upn(&state, &v)?;
                if taken.contains(&v.to_ascii_lowercase()) && !v.eq_ignore_ascii_case(&account.user.upn) {
                    return Err(bad_request("Another object with the same value for property userPrincipalName already exists."));
                }
                account.user.upn = v;
            }
            ("usageLocation", Some(v)) if v.len() == 2 && v.chars().all(|c| c.is_ascii_alphabetic()) => account.usage_location = Some(v),
            ("usageLocation", _) => return Err(bad_request("Invalid value specified for property 'usageLocation' of resource 'User'.")),
            ("accountEnabled", _) => match value.as_bool() {
                Some(b) => account.enabled = b,
                None => return Err(bad_request("Invalid value specified for property 'accountEnabled' of resource 'User'.")),
            },
            ("passwordProfile", _) => match value.pointer("/password").and_then(Value::as_str) {
                Some(p) if strong(p) => account.password = Some(p.to_string()),
                _ => return Err(bad_request("The specified password does not comply with password complexity requirements. Please provide a different password.")),
            },
            (other, _) => return Err(bad_request(format!("Invalid value specified for property '{other}' of resource 'User'."))),
        }
    }
    *find_account(&mut directory, &id)? = account;
    publish(&state, &directory);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn delete_user(
    State(state): State<IdpState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer {
    let graph = authorize(&state, &headers, WRITE_USERS)?;
    let mut directory = graph.directory();
    let object_id = find_account(&mut directory, &id)?.user.object_id.clone();
    directory.accounts.retain(|a| a.user.object_id != object_id);
    publish(&state, &directory);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn assign_license(
    State(state): State<IdpState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    GraphJson(body): GraphJson,
) -> Answer {
    let graph = authorize(&state, &headers, ASSIGN_LICENSES)?;
    let adds: Vec<String> = body
        .get("addLicenses")
        .and_then(Value::as_array)
        .ok_or_else(|| bad_request("Property 'addLicenses' is required."))?
        .iter()
        .map(|l| {
            l.get("skuId")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase)
                .ok_or_else(|| bad_request("Each of addLicenses needs a skuId."))
        })
        .collect::<Result<_, _>>()?;
    let removes: Vec<String> = body
        .get("removeLicenses")
        .and_then(Value::as_array)
        .ok_or_else(|| bad_request("Property 'removeLicenses' is required."))?
        .iter()
        .filter_map(|v| v.as_str().map(str::to_ascii_lowercase))
        .collect();
    let mut directory = graph.directory();
    let object_id = find_account(&mut directory, &id)?.user.object_id.clone();
    for sku in &adds {
        let Some(known) = graph
            .settings
            .skus
            .iter()
            .find(|s| s.sku_id.eq_ignore_ascii_case(sku))
        else {
            return Err(bad_request(format!(
                "License {sku} does not correspond to a valid company License."
            )));
        };
        let used = directory
            .accounts
            .iter()
            .filter(|a| a.user.object_id != object_id && a.licences.contains(sku))
            .count() as u32;
        if used >= known.seats {
            return Err(bad_request(format!(
                "Subscription {} does not have any available licenses.",
                known.sku_id
            )));
        }
    }
    let account = find_account(&mut directory, &id)?;
    if !adds.is_empty() && account.usage_location.is_none() {
        return Err(bad_request(
            "License assignment cannot be done for user with invalid usage location.",
        ));
    }
    account.licences.retain(|l| !removes.contains(l));
    for sku in adds {
        if !account.licences.contains(&sku) {
            account.licences.push(sku);
        }
    }
    let mut answer = user_json(account);
    answer["@odata.context"] = json!("https://graph.microsoft.com/v1.0/$metadata#users/$entity");
    Ok(Json(answer).into_response())
}

async fn subscribed_skus(State(state): State<IdpState>, headers: HeaderMap) -> Answer {
    let graph = authorize(&state, &headers, READ_ORGANIZATION)?;
    let directory = graph.directory();
    let tenant = state.idp().config.tenant.id.clone();
    let value: Vec<Value> = graph
        .settings
        .skus
        .iter()
        .map(|s| {
            let consumed = directory
                .accounts
                .iter()
                .filter(|a| a.licences.iter().any(|l| l.eq_ignore_ascii_case(&s.sku_id)))
                .count();
            json!({
                "accountId": tenant,
                "appliesTo": "User",
                "capabilityStatus": "Enabled",
                "consumedUnits": consumed,
                "id": format!("{tenant}_{}", s.sku_id),
                "skuId": s.sku_id,
                "skuPartNumber": s.part_number,
                "subscriptionIds": [uuid::Uuid::new_v4().to_string()],
                "prepaidUnits": {"enabled": s.seats, "suspended": 0, "warning": 0, "lockedOut": 0},
                "servicePlans": [],
            })
        })
        .collect();
    Ok(Json(json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscribedSkus", "value": value})).into_response())
}

fn group_json(group: &Group) -> Value {
    json!({"id": group.object_id, "displayName": group.name, "securityEnabled": true, "mailEnabled": false, "groupTypes": []})
}

fn find_group<'a>(directory: &'a Directory, id: &str) -> Result<&'a Group, GraphError> {
    directory.groups.iter().find(|g| g.object_id.eq_ignore_ascii_case(id)).ok_or_else(|| graph_error(StatusCode::NOT_FOUND, "Request_ResourceNotFound", format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present.")))
}

async fn list_groups(
    State(state): State<IdpState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Answer {
    let graph = authorize(&state, &headers, READ_GROUPS)?;
    let directory = graph.directory();
    let mut groups: Vec<Value> = directory.groups.iter().map(group_json).collect();
    if let Some(filter) = q.get("$filter") {
        let (property, value) = parse_filter(filter)?;
        groups.retain(|g| {
            g.get(&property)
                .and_then(Value::as_str)
                .is_some_and(|v| v.eq_ignore_ascii_case(&value))
        });
    }
    Ok(Json(json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#groups", "value": groups})).into_response())
}

async fn get_group(
    State(state): State<IdpState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer {
    let graph = authorize(&state, &headers, READ_GROUPS)?;
    let directory = graph.directory();
    let mut body = group_json(find_group(&directory, &id)?);
    body["@odata.context"] = json!("https://graph.microsoft.com/v1.0/$metadata#groups/$entity");
    Ok(Json(body).into_response())
}

async fn create_group(
    State(state): State<IdpState>,
    headers: HeaderMap,
    GraphJson(body): GraphJson,
) -> Answer {
    let graph = authorize(&state, &headers, WRITE_GROUPS)?;
    let Some(name) = body
        .get("displayName")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    else {
        return Err(bad_request(
            "Property 'displayName' is required and must be a non-empty string.",
        ));
    };
    if body
        .get("mailNickname")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(bad_request(
            "Property 'mailNickname' is required and must be a non-empty string.",
        ));
    }
    for flag in ["mailEnabled", "securityEnabled"] {
        if !body.get(flag).is_some_and(Value::is_boolean) {
            return Err(bad_request(format!(
                "Property '{flag}' is required when creating the entity."
            )));
        }
    }
    let mut directory = graph.directory();
    if directory.groups.len() >= MAX_OBJECTS {
        return Err(graph_error(
            StatusCode::FORBIDDEN,
            "Directory_QuotaExceeded",
            "The directory object quota limit for the Tenant has been exceeded.",
        ));
    }
    let group = Group {
        name: name.to_string(),
        object_id: uuid::Uuid::new_v4().to_string(),
    };
    let mut created = group_json(&group);
    created["@odata.context"] = json!("https://graph.microsoft.com/v1.0/$metadata#groups/$entity");
    directory.groups.push(group);
    publish(&state, &directory);
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

async fn group_members(
    State(state): State<IdpState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer {
    let graph = authorize(&state, &headers, READ_GROUPS)?;
    let directory = graph.directory();
    let group = find_group(&directory, &id)?;
    let members: Vec<Value> = directory
        .accounts
        .iter()
        .filter(|a| a.user.group_ids.contains(&group.object_id))
        .map(|a| {
            let mut u = project(user_json(a), None);
            u["@odata.type"] = json!("#microsoft.graph.user");
            u
        })
        .collect();
    Ok(Json(json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects", "value": members})).into_response())
}

async fn member_of(
    State(state): State<IdpState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer {
    let graph = authorize(&state, &headers, READ_USERS)?;
    let mut directory = graph.directory();
    let ids = find_account(&mut directory, &id)?.user.group_ids.clone();
    let groups: Vec<Value> = directory
        .groups
        .iter()
        .filter(|g| ids.contains(&g.object_id))
        .map(|g| {
            let mut v = group_json(g);
            v["@odata.type"] = json!("#microsoft.graph.group");
            v
        })
        .collect();
    Ok(Json(json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects", "value": groups})).into_response())
}

async fn add_member(
    State(state): State<IdpState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    GraphJson(body): GraphJson,
) -> Answer {
    let graph = authorize(&state, &headers, WRITE_MEMBERS)?;
    let reference = body.get("@odata.id").and_then(Value::as_str).ok_or_else(|| bad_request("Property '@odata.id' is required: the member's URL, e.g. https://graph.microsoft.com/v1.0/directoryObjects/{id}."))?;
    let member = reference
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let mut directory = graph.directory();
    let group = find_group(&directory, &id)?.object_id.clone();
    let account = find_account(&mut directory, &member)?;
    if account.user.group_ids.contains(&group) {
        return Err(bad_request("One or more added object references already exist for the following modified properties: 'members'."));
    }
    account.user.group_ids.push(group);
    publish(&state, &directory);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn remove_member(
    State(state): State<IdpState>,
    headers: HeaderMap,
    Path((id, member)): Path<(String, String)>,
) -> Answer {
    let graph = authorize(&state, &headers, WRITE_MEMBERS)?;
    let mut directory = graph.directory();
    let group = find_group(&directory, &id)?.object_id.clone();
    let account = find_account(&mut directory, &member)?;
    if !account.user.group_ids.contains(&group) {
        return Err(graph_error(StatusCode::NOT_FOUND, "Request_ResourceNotFound", format!("Resource '{member}' does not exist or one of its queried reference-property objects are not present.")));
    }
    account.user.group_ids.retain(|g| *g != group);
    publish(&state, &directory);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Makes the directory the SAML side's: enabled users sign in, with their groups.
fn publish(state: &IdpState, directory: &Directory) {
    let current = state.idp();
    let mut config = current.config.clone();
    let default_upn = config.user(None).map(|u| u.upn.clone());
    // Disabled users stay in the directory: signing in, they get AADSTS50057.
    config.users = directory
        .accounts
        .iter()
        .map(|a| User {
            enabled: a.enabled,
            ..a.user.clone()
        })
        .collect();
    config.groups = directory.groups.clone();
    config.default_user = default_upn
        .and_then(|upn| config.users.iter().position(|u| u.upn == upn))
        .unwrap_or(0);
    state.replace_config(config);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_the_bound_the_oldest_token_gives_way() {
        let mut directory = Directory {
            accounts: Vec::new(),
            groups: Vec::new(),
            tokens: HashMap::new(),
            served: 0,
        };
        let start = OffsetDateTime::UNIX_EPOCH;
        let grant = |i: i64| Grant {
            roles: Vec::new(),
            expires: start + Duration::seconds(TOKEN_LIFETIME_SECS + i),
        };
        let full = MAX_TOKENS as i64;
        directory.tokens = (0..full).map(|i| (format!("t{i}"), grant(i))).collect();
        directory.issue("new".into(), grant(full), start);
        assert_eq!(directory.tokens.len(), MAX_TOKENS);
        assert!(!directory.tokens.contains_key("t0"), "the oldest went");
        assert!(directory.tokens.contains_key("t1") && directory.tokens.contains_key("new"));
        let later = start + Duration::seconds(TOKEN_LIFETIME_SECS + full / 2);
        directory.issue("late".into(), grant(full), later);
        assert_eq!(
            directory.tokens.len(),
            MAX_TOKENS / 2 + 1,
            "expired ones went first, and no live one"
        );
    }
}
