//! The reference SP's SCIM 2.0 endpoint (`/scim/v2`): users and groups in memory, doing what
//! Microsoft asks of an SP that Entra provisions. Each [`ScimFlaw`] emulates one thing real
//! endpoints get wrong, so that every step of `saml-harness scim` can be seen to fail.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ::scim::wire;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};

/// One thing a real SCIM endpoint gets wrong, switched on in the reference SP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScimFlaw {
    /// Answers requests that carry no bearer token.
    NoAuth,
    /// Compares userName case-sensitively.
    CaseSensitiveUserName,
    /// Creates a second user with a userName that exists instead of answering 409.
    NoConflict,
    /// Answers PATCH with success and changes nothing.
    PatchIgnored,
    /// Refuses Entra's capitalised ops (`Replace`) with 400.
    OpCaseSensitive,
    /// Stores `active: "False"` as the string, which reads back as not false.
    StringBooleans,
    /// Answers a query with no match with 404 instead of an empty ListResponse.
    NotFoundOnEmpty,
    /// Leaves inactive users out of queries.
    HidesInactive,
    /// Ignores `filter`: every query lists every resource.
    FilterIgnored,
    /// Compares a group's displayName case-sensitively.
    CaseSensitiveGroupName,
    /// Answers a query with a bare JSON array of resources instead of a ListResponse.
    BareList,
    /// Ignores `count`: every page holds every resource.
    CountIgnored,
    /// Serves no `/Schemas` (no schema discovery).
    NoSchemas,
    /// Leaves displayName out of the User schema it serves.
    SchemaIncomplete,
    /// Ignores `startIndex`: every page starts at the first resource.
    StartIndexIgnored,
    /// Creates a second group with a displayName that exists.
    DuplicateGroups,
    /// Answers a DELETE of a resource already deleted with 204, not 404.
    DeleteTwice,
    /// Refuses the manager as Entra sends it, a bare id string instead of `{"value": id}`.
    ManagerStringRefused,
    /// Answers a manager removal (a replace with `""`) with success and keeps the manager.
    ManagerKept,
    /// Keeps the first manager: a replace by another user is answered with success and
    /// ignored (only an empty manager is ever set).
    ManagerFirstKept,
    /// Reads a `remove` of `members` with a value list as "remove all members" (RFC 7644's
    /// reading of a remove without a filter).
    RemoveClearsMembers,
    /// Refuses a resource whose `schemas` name an extension it does not know (Entra's groups
    /// carry Microsoft's ADSCIM Group schema).
    UnknownSchemaRefused,
}

impl ScimFlaw {
    /// Every flaw.
    pub const ALL: [ScimFlaw; 22] = [
        ScimFlaw::NoAuth,
        ScimFlaw::CaseSensitiveUserName,
        ScimFlaw::NoConflict,
        ScimFlaw::PatchIgnored,
        ScimFlaw::OpCaseSensitive,
        ScimFlaw::StringBooleans,
        ScimFlaw::NotFoundOnEmpty,
        ScimFlaw::HidesInactive,
        ScimFlaw::FilterIgnored,
        ScimFlaw::CaseSensitiveGroupName,
        ScimFlaw::BareList,
        ScimFlaw::CountIgnored,
        ScimFlaw::NoSchemas,
        ScimFlaw::SchemaIncomplete,
        ScimFlaw::StartIndexIgnored,
        ScimFlaw::DuplicateGroups,
        ScimFlaw::DeleteTwice,
        ScimFlaw::ManagerStringRefused,
        ScimFlaw::ManagerKept,
        ScimFlaw::ManagerFirstKept,
        ScimFlaw::RemoveClearsMembers,
        ScimFlaw::UnknownSchemaRefused,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ScimFlaw::NoAuth => "scim-no-auth",
            ScimFlaw::CaseSensitiveUserName => "scim-case-sensitive-username",
            ScimFlaw::NoConflict => "scim-no-conflict",
            ScimFlaw::PatchIgnored => "scim-patch-ignored",
            ScimFlaw::OpCaseSensitive => "scim-op-case-sensitive",
            ScimFlaw::StringBooleans => "scim-string-booleans",
            ScimFlaw::NotFoundOnEmpty => "scim-404-on-no-match",
            ScimFlaw::HidesInactive => "scim-hides-inactive",
            ScimFlaw::FilterIgnored => "scim-filter-ignored",
            ScimFlaw::CaseSensitiveGroupName => "scim-case-sensitive-group-name",
            ScimFlaw::BareList => "scim-bare-list",
            ScimFlaw::CountIgnored => "scim-count-ignored",
            ScimFlaw::NoSchemas => "scim-no-schemas",
            ScimFlaw::SchemaIncomplete => "scim-schema-incomplete",
            ScimFlaw::StartIndexIgnored => "scim-start-index-ignored",
            ScimFlaw::DuplicateGroups => "scim-duplicate-groups",
            ScimFlaw::DeleteTwice => "scim-delete-twice-204",
            ScimFlaw::ManagerStringRefused => "scim-manager-string-refused",
            ScimFlaw::ManagerKept => "scim-manager-kept",
            ScimFlaw::ManagerFirstKept => "scim-manager-first-kept",
            ScimFlaw::RemoveClearsMembers => "scim-remove-clears-members",
            ScimFlaw::UnknownSchemaRefused => "scim-unknown-schema-refused",
        }
    }

    /// One line on what it does.
    pub fn describe(self) -> &'static str {
        match self {
            ScimFlaw::NoAuth => "answers SCIM requests without a bearer token",
            ScimFlaw::CaseSensitiveUserName => "compares userName case-sensitively",
            ScimFlaw::NoConflict => "creates a second user with an existing userName (no 409)",
            ScimFlaw::PatchIgnored => "answers PATCH with success and changes nothing",
            ScimFlaw::OpCaseSensitive => "refuses Entra's capitalised PATCH ops (Replace, Add)",
            ScimFlaw::StringBooleans => "stores active \"False\" as a string",
            ScimFlaw::NotFoundOnEmpty => "answers 404 to a query with no match",
            ScimFlaw::HidesInactive => "leaves inactive users out of queries",
            ScimFlaw::FilterIgnored => "ignores filter: every query lists every resource",
            ScimFlaw::CaseSensitiveGroupName => "compares a group's displayName case-sensitively",
            ScimFlaw::BareList => "answers a query with a bare JSON array, not a ListResponse",
            ScimFlaw::CountIgnored => "ignores count: every page holds every resource",
            ScimFlaw::NoSchemas => "serves no /Schemas (no schema discovery)",
            ScimFlaw::SchemaIncomplete => "leaves displayName out of the User schema it serves",
            ScimFlaw::StartIndexIgnored => "ignores startIndex: every page starts at the first",
            ScimFlaw::DuplicateGroups => "creates a second group with a displayName that exists",
            ScimFlaw::DeleteTwice => "answers a second DELETE with 204, not 404",
            ScimFlaw::ManagerStringRefused => {
                "refuses the manager as a bare id string (Entra's form)"
            }
            ScimFlaw::ManagerKept => "keeps the manager when it is removed",
            ScimFlaw::ManagerFirstKept => "keeps the first manager when another replaces it",
            ScimFlaw::RemoveClearsMembers => {
                "reads a members remove with a value list as remove-all"
            }
            ScimFlaw::UnknownSchemaRefused => {
                "refuses resources naming an unknown schema (Entra's ADSCIM Group)"
            }
        }
    }

    /// The flaw called `name`.
    pub fn from_name(name: &str) -> Option<ScimFlaw> {
        ScimFlaw::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// The endpoint's settings.
#[derive(Clone, Debug)]
pub struct ScimConfig {
    /// The bearer token every request must carry.
    pub token: String,
    /// Flaws switched on.
    pub flaws: Vec<ScimFlaw>,
}

/// Users and groups, shared with the SAML side (an active user is an account that may sign in).
#[derive(Clone)]
pub struct ScimState {
    config: Arc<ScimConfig>,
    store: Arc<Mutex<Store>>,
}

#[derive(Default)]
struct Store {
    users: Vec<Value>,
    groups: Vec<Value>,
}

/// Largest number of users or groups kept (a bound, not a product limit).
pub const MAX_RESOURCES: usize = 10_000;

impl ScimState {
    /// An empty directory with `config`.
    pub fn new(config: ScimConfig) -> Self {
        ScimState {
            config: Arc::new(config),
            store: Arc::default(),
        }
    }

    fn has(&self, flaw: ScimFlaw) -> bool {
        self.config.flaws.contains(&flaw)
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether `user_name` is a provisioned, active user (compared as SCIM compares userName).
    pub fn is_active_user(&self, user_name: &str) -> bool {
        let filter = Filter(vec![
            ("userName".into(), json!(user_name)),
            ("active".into(), json!(true)),
        ]);
        self.store().users.iter().any(|u| filter.matches(self, u))
    }
}

/// The router to nest at `/scim/v2`: `/Users`, `/Users/{id}`, `/Groups`, `/Groups/{id}`,
/// `/ServiceProviderConfig`.
pub fn app(state: ScimState) -> Router {
    Router::new()
        .route("/Users", get(list_users).post(create_user))
        .route(
            "/Users/{id}",
            get(get_user).patch(patch_user).delete(delete_user),
        )
        .route("/Groups", get(list_groups).post(create_group))
        .route(
            "/Groups/{id}",
            get(get_group).patch(patch_group).delete(delete_group),
        )
        .route("/ServiceProviderConfig", get(service_provider_config))
        .route("/Schemas", get(schemas))
        .route("/ResourceTypes", get(resource_types))
        .with_state(state)
}

/// A SCIM answer: status and JSON in `application/scim+json`.
fn answer(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, wire::MEDIA_TYPE)],
        body.to_string(),
    )
        .into_response()
}

/// A refusal: the status and a SCIM Error body (RFC 7644 §3.12).
#[derive(Debug)]
pub struct ScimError {
    status: StatusCode,
    scim_type: Option<&'static str>,
    detail: String,
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        answer(
            self.status,
            &wire::error(self.status.as_u16(), self.scim_type, &self.detail),
        )
    }
}

fn error(status: StatusCode, scim_type: Option<&'static str>, detail: &str) -> ScimError {
    ScimError {
        status,
        scim_type,
        detail: detail.to_string(),
    }
}

fn authorize(state: &ScimState, headers: &HeaderMap) -> Result<(), ScimError> {
    if state.has(ScimFlaw::NoAuth) {
        return Ok(());
    }
    let expected = format!("Bearer {}", state.config.token);
    match headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        Some(given) if given == expected => Ok(()),
        _ => Err(error(
            StatusCode::UNAUTHORIZED,
            None,
            "a valid bearer token is required",
        )),
    }
}

fn parse_body(body: &Bytes) -> Result<Value, ScimError> {
    serde_json::from_slice(body).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            Some("invalidSyntax"),
            &format!("the body is not JSON: {e}"),
        )
    })
}

fn id_of(resource: &Value) -> Option<&str> {
    resource.get("id").and_then(Value::as_str)
}

/// Attributes compared case-insensitively (RFC 7643: caseExact false).
fn case_insensitive(state: &ScimState, attribute: &str) -> bool {
    match attribute {
        "userName" => !state.has(ScimFlaw::CaseSensitiveUserName),
        "displayName" => !state.has(ScimFlaw::CaseSensitiveGroupName),
        _ => false,
    }
}

/// A filter of `attribute eq value` terms joined by `and`: the subset Entra sends.
struct Filter(Vec<(String, Value)>);

impl Filter {
    fn parse(text: &str) -> Result<Filter, String> {
        let mut terms = Vec::new();
        let mut rest = text.trim();
        loop {
            let (attribute, after) = rest
                .split_once(char::is_whitespace)
                .ok_or_else(|| format!("expected `attribute eq value` in {text:?}"))?;
            let after = after.trim_start();
            let (op, after) = after
                .split_once(char::is_whitespace)
                .ok_or_else(|| format!("expected an operator after {attribute:?}"))?;
            if !op.eq_ignore_ascii_case("eq") {
                return Err(format!("only eq is supported, not {op:?}"));
            }
            let after = after.trim_start();
            let (value, after) = if after.starts_with('"') {
                let end = quoted_end(after).ok_or("an unterminated string")?;
                let value: Value = serde_json::from_str(&after[..end])
                    .map_err(|e| format!("a bad string literal: {e}"))?;
                (value, &after[end..])
            } else {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                let value: Value = serde_json::from_str(&after[..end])
                    .map_err(|_| format!("a bad value {:?}", &after[..end]))?;
                (value, &after[end..])
            };
            terms.push((attribute.to_string(), value));
            let after = after.trim_start();
            if after.is_empty() {
                return Ok(Filter(terms));
            }
            let (and, after) = after.split_once(char::is_whitespace).unwrap_or((after, ""));
            if !and.eq_ignore_ascii_case("and") {
                return Err(format!("only `and` joins terms, near {and:?}"));
            }
            rest = after.trim_start();
        }
    }

    fn matches(&self, state: &ScimState, resource: &Value) -> bool {
        self.0.iter().all(|(attribute, want)| {
            if attribute == "members" {
                return resource
                    .get("members")
                    .and_then(Value::as_array)
                    .is_some_and(|m| m.iter().any(|m| m.get("value") == Some(want)));
            }
            let Some(got) = ::scim::lifecycle::lookup(resource, attribute) else {
                return false;
            };
            match (got.as_str(), want.as_str()) {
                (Some(g), Some(w)) if case_insensitive(state, attribute) => {
                    g.eq_ignore_ascii_case(w)
                }
                _ => &got == want,
            }
        })
    }
}

/// The byte index just past the closing quote of the string literal `s` starts with.
fn quoted_end(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(i + 1),
            _ => escaped = false,
        }
    }
    None
}

fn list(
    state: &ScimState,
    resources: Vec<Value>,
    query: &HashMap<String, String>,
) -> Result<Response, ScimError> {
    let filter = match query.get("filter").map(|f| Filter::parse(f)) {
        Some(Err(e)) => return Err(error(StatusCode::BAD_REQUEST, Some("invalidFilter"), &e)),
        Some(Ok(_)) if state.has(ScimFlaw::FilterIgnored) => None,
        Some(Ok(f)) => Some(f),
        None => None,
    };
    let mut found: Vec<Value> = resources
        .into_iter()
        .filter(|r| filter.as_ref().is_none_or(|f| f.matches(state, r)))
        .filter(|r| !(state.has(ScimFlaw::HidesInactive) && r.get("active") == Some(&json!(false))))
        .collect();
    if found.is_empty() && filter.is_some() && state.has(ScimFlaw::NotFoundOnEmpty) {
        return Err(error(
            StatusCode::NOT_FOUND,
            None,
            "no resource matches the filter",
        ));
    }
    let total = found.len();
    let start = query
        .get("startIndex")
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|_| !state.has(ScimFlaw::StartIndexIgnored))
        .unwrap_or(1)
        .max(1);
    let count = query
        .get("count")
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|_| !state.has(ScimFlaw::CountIgnored))
        .unwrap_or(100);
    found = found.into_iter().skip(start - 1).take(count).collect();
    for r in &mut found {
        exclude(r, query);
    }
    if state.has(ScimFlaw::BareList) {
        return Ok(answer(StatusCode::OK, &Value::Array(found)));
    }
    let mut body = wire::list_response(found);
    body["totalResults"] = json!(total);
    body["startIndex"] = json!(start);
    Ok(answer(StatusCode::OK, &body))
}

fn exclude(resource: &mut Value, query: &HashMap<String, String>) {
    if let (Some(excluded), Some(object)) =
        (query.get("excludedAttributes"), resource.as_object_mut())
    {
        for attribute in excluded.split(',') {
            object.remove(attribute.trim());
        }
    }
}

async fn list_users(
    State(state): State<ScimState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ScimError> {
    authorize(&state, &headers)?;
    let users = state.store().users.clone();
    list(&state, users, &query)
}

async fn list_groups(
    State(state): State<ScimState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ScimError> {
    authorize(&state, &headers)?;
    let groups = state.store().groups.clone();
    list(&state, groups, &query)
}

/// A new resource from a POST body: the client's attributes, the server's id and meta.
fn new_resource(state: &ScimState, mut body: Value, kind: &str) -> Result<Value, ScimError> {
    let Some(object) = body.as_object_mut() else {
        return Err(error(
            StatusCode::BAD_REQUEST,
            Some("invalidSyntax"),
            "the body is not a JSON object",
        ));
    };
    if state.has(ScimFlaw::UnknownSchemaRefused) {
        let known = [
            wire::USER_SCHEMA,
            wire::ENTERPRISE_USER_SCHEMA,
            wire::GROUP_SCHEMA,
        ];
        let unknown: Vec<&str> = object
            .get("schemas")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|s| !known.contains(s))
            .collect();
        if !unknown.is_empty() {
            return Err(error(
                StatusCode::BAD_REQUEST,
                Some("invalidSyntax"),
                &format!("unknown extension schemas: {}", unknown.join(", ")),
            ));
        }
    }
    object.remove("meta");
    let id = uuid::Uuid::new_v4().simple().to_string();
    object.insert("id".into(), json!(id));
    object.insert(
        "meta".into(),
        json!({"resourceType": kind, "location": format!("/scim/v2/{kind}s/{id}")}),
    );
    Ok(body)
}

async fn create_user(
    State(state): State<ScimState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ScimError> {
    authorize(&state, &headers)?;
    let body = parse_body(&body)?;
    let Some(user_name) = body
        .get("userName")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    else {
        return Err(error(
            StatusCode::BAD_REQUEST,
            Some("invalidValue"),
            "userName is required",
        ));
    };
    let user_name = user_name.to_string();
    let mut user = new_resource(&state, body, "User")?;
    if let Some(active) = user.get("active").cloned() {
        user["active"] = coerce_boolean(&state, active);
    } else {
        user["active"] = json!(true);
    }
    let mut store = state.store();
    if taken(&state, &store.users, "userName", &user_name) && !state.has(ScimFlaw::NoConflict) {
        return Err(error(
            StatusCode::CONFLICT,
            Some("uniqueness"),
            &format!("userName {user_name:?} is taken"),
        ));
    }
    add(&mut store.users, user)
}

async fn create_group(
    State(state): State<ScimState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ScimError> {
    authorize(&state, &headers)?;
    let body = parse_body(&body)?;
    if body
        .get("displayName")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(error(
            StatusCode::BAD_REQUEST,
            Some("invalidValue"),
            "displayName is required",
        ));
    }
    let mut group = new_resource(&state, body, "Group")?;
    if group.get("members").is_none() {
        group["members"] = json!([]);
    }
    let mut store = state.store();
    // Entra matches groups by displayName: a second one would break the match.
    let name = group["displayName"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if taken(&state, &store.groups, "displayName", &name) && !state.has(ScimFlaw::DuplicateGroups) {
        return Err(error(
            StatusCode::CONFLICT,
            Some("uniqueness"),
            &format!("displayName {name:?} is taken"),
        ));
    }
    add(&mut store.groups, group)
}

/// Whether a resource already has `value` at `attribute`, compared as a filter compares it.
fn taken(state: &ScimState, resources: &[Value], attribute: &str, value: &str) -> bool {
    let filter = Filter(vec![(attribute.to_string(), json!(value))]);
    resources.iter().any(|r| filter.matches(state, r))
}

/// Stores a created resource (within [`MAX_RESOURCES`]) and answers 201 with it.
fn add(resources: &mut Vec<Value>, resource: Value) -> Result<Response, ScimError> {
    if resources.len() >= MAX_RESOURCES {
        return Err(error(
            StatusCode::INSUFFICIENT_STORAGE,
            None,
            "too many resources",
        ));
    }
    let created = answer(StatusCode::CREATED, &resource);
    resources.push(resource);
    Ok(created)
}

/// Removes resource `id`: whether it was there; gone already is 404 (or, with the flaw, not).
fn take_out(state: &ScimState, resources: &mut Vec<Value>, id: &str) -> Result<bool, ScimError> {
    let before = resources.len();
    resources.retain(|r| id_of(r) != Some(id));
    match resources.len() < before {
        true => Ok(true),
        false if state.has(ScimFlaw::DeleteTwice) => Ok(false),
        false => Err(not_found(id)),
    }
}

fn find<'a>(resources: &'a mut [Value], id: &str) -> Option<&'a mut Value> {
    resources.iter_mut().find(|r| id_of(r) == Some(id))
}

fn not_found(id: &str) -> ScimError {
    error(
        StatusCode::NOT_FOUND,
        None,
        &format!("resource {id} not found"),
    )
}

async fn get_user(
    State(state): State<ScimState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ScimError> {
    authorize(&state, &headers)?;
    match find(&mut state.store().users, &id) {
        Some(u) => Ok(answer(StatusCode::OK, u)),
        None => Err(not_found(&id)),
    }
}

async fn get_group(
    State(state): State<ScimState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ScimError> {
    authorize(&state, &headers)?;
    match find(&mut state.store().groups, &id) {
        Some(g) => {
            let mut g = g.clone();
            exclude(&mut g, &query);
            Ok(answer(StatusCode::OK, &g))
        }
        None => Err(not_found(&id)),
    }
}

async fn patch_user(
    State(state): State<ScimState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ScimError> {
    patch(state, headers, id, body, false).await
}

async fn patch_group(
    State(state): State<ScimState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ScimError> {
    patch(state, headers, id, body, true).await
}

async fn patch(
    state: ScimState,
    headers: HeaderMap,
    id: String,
    body: Bytes,
    group: bool,
) -> Result<Response, ScimError> {
    authorize(&state, &headers)?;
    let body = parse_body(&body)?;
    let Some(operations) = body.get("Operations").and_then(Value::as_array) else {
        return Err(error(
            StatusCode::BAD_REQUEST,
            Some("invalidSyntax"),
            "Operations is missing",
        ));
    };
    let mut store = state.store();
    let resources = if group {
        &mut store.groups
    } else {
        &mut store.users
    };
    let Some(resource) = find(resources, &id) else {
        return Err(not_found(&id));
    };
    let mut changed = resource.clone();
    for operation in operations {
        if let Err(e) = apply(&state, &mut changed, operation) {
            return Err(error(StatusCode::BAD_REQUEST, Some("invalidSyntax"), &e));
        }
    }
    if !state.has(ScimFlaw::PatchIgnored) {
        *resource = changed;
    }
    if group {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Ok(answer(StatusCode::OK, resource))
    }
}

/// `active` as a boolean: Entra's default dialect sends "True" and "False".
fn coerce_boolean(state: &ScimState, value: Value) -> Value {
    match value.as_str() {
        Some(s) if !state.has(ScimFlaw::StringBooleans) && s.eq_ignore_ascii_case("true") => {
            json!(true)
        }
        Some(s) if !state.has(ScimFlaw::StringBooleans) && s.eq_ignore_ascii_case("false") => {
            json!(false)
        }
        _ => value,
    }
}

/// Applies one PATCH operation (RFC 7644 §3.5.2) to `resource`.
fn apply(state: &ScimState, resource: &mut Value, operation: &Value) -> Result<(), String> {
    let op = operation
        .get("op")
        .and_then(Value::as_str)
        .ok_or("an operation without op")?;
    let op = if state.has(ScimFlaw::OpCaseSensitive) {
        op.to_string()
    } else {
        op.to_ascii_lowercase()
    };
    let value = operation.get("value").cloned();
    let path = operation.get("path").and_then(Value::as_str);
    match (op.as_str(), path) {
        ("add" | "replace", None) => {
            let Some(Value::Object(values)) = value else {
                return Err("a path-less operation needs an object value".into());
            };
            for (key, value) in values {
                set(state, resource, &key, value)?;
            }
            Ok(())
        }
        ("add", Some("members")) => {
            let added = value
                .and_then(|v| v.as_array().cloned())
                .ok_or("members must be a list")?;
            let members = members_of(resource);
            for m in added {
                let value = m.get("value").cloned().ok_or("a member without value")?;
                if !members.iter().any(|x| x.get("value") == Some(&value)) {
                    members.push(json!({"value": value}));
                }
            }
            Ok(())
        }
        ("remove", Some("members")) => {
            let members = members_of(resource);
            match value
                .and_then(|v| v.as_array().cloned())
                .filter(|_| !state.has(ScimFlaw::RemoveClearsMembers))
            {
                Some(removed) => {
                    members.retain(|m| !removed.iter().any(|r| r.get("value") == m.get("value")))
                }
                None => members.clear(),
            }
            Ok(())
        }
        ("remove", Some(path)) if path.starts_with("members[") => {
            let filter = path
                .strip_prefix("members[")
                .and_then(|p| p.strip_suffix(']'))
                .ok_or_else(|| format!("a bad path {path:?}"))?;
            let filter = Filter::parse(filter)?;
            members_of(resource).retain(|m| !filter.matches(state, m));
            Ok(())
        }
        ("add" | "replace", Some(path)) => set(
            state,
            resource,
            path,
            value.ok_or("an operation without value")?,
        ),
        ("remove", Some(path)) => {
            let extension = [wire::ENTERPRISE_USER_SCHEMA]
                .into_iter()
                .find(|e| path.starts_with(&format!("{e}:")));
            let (object, attribute) = match extension {
                Some(e) => (resource.get_mut(e), &path[e.len() + 1..]),
                None => (Some(&mut *resource), path),
            };
            match object.and_then(Value::as_object_mut) {
                Some(object) if !attribute.contains(['[', '.']) => {
                    object.remove(attribute);
                    Ok(())
                }
                Some(_) => Err(format!("removing {path:?} is not supported here")),
                None => Ok(()),
            }
        }
        (other, _) => Err(format!("unknown op {other:?}")),
    }
}

fn members_of(resource: &mut Value) -> &mut Vec<Value> {
    if !resource.get("members").is_some_and(Value::is_array) {
        resource["members"] = json!([]);
    }
    match resource.get_mut("members") {
        Some(Value::Array(members)) => members,
        _ => unreachable!("members was just made a list"),
    }
}

/// Sets the attribute at `path`: `a`, `a.b`, `emails[type eq "work"].value` (added when no
/// element matches, as Entra expects) or an extension's `urn:…:attribute`.
fn set(state: &ScimState, resource: &mut Value, path: &str, value: Value) -> Result<(), String> {
    if path.is_empty() || path.split('.').any(str::is_empty) {
        return Err(format!("a bad path {path:?}"));
    }
    if matches!(path, "id" | "meta" | "schemas") || path.starts_with("meta.") {
        return Err(format!("{path} is read-only"));
    }
    let value = if path == "active" {
        coerce_boolean(state, value)
    } else {
        value
    };
    if let Some((attribute, rest)) = path.split_once('[') {
        let (filter, sub) = rest
            .split_once(']')
            .ok_or_else(|| format!("a bad path {path:?}"))?;
        let Filter(terms) = Filter::parse(filter)?;
        let sub = sub
            .strip_prefix('.')
            .ok_or_else(|| format!("a bad path {path:?}"))?;
        if !resource.get(attribute).is_some_and(Value::is_array) {
            resource[attribute] = json!([]);
        }
        let Some(Value::Array(items)) = resource.get_mut(attribute) else {
            unreachable!("just made a list")
        };
        let found = items
            .iter_mut()
            .find(|item| terms.iter().all(|(k, v)| item.get(k) == Some(v)));
        match found {
            Some(item) => item[sub] = value,
            None => {
                let mut item: Map<String, Value> = terms.into_iter().collect();
                item.insert(sub.to_string(), value);
                items.push(Value::Object(item));
            }
        }
        return Ok(());
    }
    if let Some(extension) = [wire::ENTERPRISE_USER_SCHEMA]
        .into_iter()
        .find(|e| path.starts_with(&format!("{e}:")))
    {
        let attribute = &path[extension.len() + 1..];
        if !resource.get(extension).is_some_and(Value::is_object) {
            resource[extension] = json!({});
        }
        // Entra sends the manager as a bare id string; SCIM's form is {"value": id}.
        let value = match (attribute, value) {
            ("manager", Value::String(_)) if state.has(ScimFlaw::ManagerStringRefused) => {
                return Err("manager must be a complex value {\"value\": id}".into())
            }
            ("manager", Value::String(id)) if id.is_empty() => {
                if state.has(ScimFlaw::ManagerKept) {
                    return Ok(());
                }
                Value::Null
            }
            ("manager", Value::String(_))
                if state.has(ScimFlaw::ManagerFirstKept)
                    && resource[extension]
                        .get("manager")
                        .is_some_and(|m| !m.is_null()) =>
            {
                return Ok(());
            }
            ("manager", Value::String(id)) => json!({"value": id}),
            (_, value) => value,
        };
        resource[extension][attribute] = value;
        return Ok(());
    }
    let mut at = resource;
    let parts: Vec<&str> = path.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        if !at.get(*part).is_some_and(Value::is_object) {
            at[*part] = json!({});
        }
        at = &mut at[*part];
    }
    at[parts[parts.len() - 1]] = value;
    Ok(())
}

async fn delete_user(
    State(state): State<ScimState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ScimError> {
    authorize(&state, &headers)?;
    let mut store = state.store();
    if !take_out(&state, &mut store.users, &id)? {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    for group in &mut store.groups {
        members_of(group).retain(|m| m.get("value").and_then(Value::as_str) != Some(id.as_str()));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn delete_group(
    State(state): State<ScimState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ScimError> {
    authorize(&state, &headers)?;
    take_out(&state, &mut state.store().groups, &id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// One attribute's schema entry (RFC 7643 §7), with sub-attributes when complex.
fn attribute(name: &str, kind: &str, multi: bool, case_exact: bool, subs: &[&str]) -> Value {
    let mut a = json!({
        "name": name, "type": kind, "multiValued": multi, "required": name == "userName",
        "caseExact": case_exact, "mutability": "readWrite", "returned": "default",
        "uniqueness": if name == "userName" { "server" } else { "none" },
    });
    if !subs.is_empty() {
        a["subAttributes"] = subs
            .iter()
            .map(|s| {
                attribute(
                    s,
                    if *s == "primary" { "boolean" } else { "string" },
                    false,
                    false,
                    &[],
                )
            })
            .collect();
    }
    a
}

/// GET /Schemas: the User, EnterpriseUser and Group schemas (RFC 7643 §8.7.1, abridged).
async fn schemas(
    State(state): State<ScimState>,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    authorize(&state, &headers)?;
    if state.has(ScimFlaw::NoSchemas) {
        return Err(error(StatusCode::NOT_FOUND, None, "no such endpoint"));
    }
    let schema = |id: &str, name: &str, attributes: Vec<Value>| json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"], "id": id, "name": name, "attributes": attributes});
    let mut user = schema(
        wire::USER_SCHEMA,
        "User",
        vec![
            attribute("userName", "string", false, false, &[]),
            attribute(
                "name",
                "complex",
                false,
                false,
                &["formatted", "familyName", "givenName"],
            ),
            attribute("displayName", "string", false, false, &[]),
            attribute("title", "string", false, false, &[]),
            attribute("active", "boolean", false, false, &[]),
            attribute(
                "emails",
                "complex",
                true,
                false,
                &["value", "type", "primary"],
            ),
            attribute(
                "roles",
                "complex",
                true,
                false,
                &["value", "type", "primary"],
            ),
        ],
    );
    if state.has(ScimFlaw::SchemaIncomplete) {
        if let Some(Value::Array(attributes)) = user.get_mut("attributes") {
            attributes.retain(|a| a["name"] != "displayName");
        }
    }
    let enterprise = schema(
        wire::ENTERPRISE_USER_SCHEMA,
        "EnterpriseUser",
        vec![
            attribute("employeeNumber", "string", false, false, &[]),
            attribute("department", "string", false, false, &[]),
            attribute("manager", "complex", false, false, &["value"]),
        ],
    );
    let group = schema(
        wire::GROUP_SCHEMA,
        "Group",
        vec![
            attribute("displayName", "string", false, false, &[]),
            attribute("members", "complex", true, false, &["value"]),
        ],
    );
    Ok(answer(
        StatusCode::OK,
        &wire::list_response(vec![user, enterprise, group]),
    ))
}

/// GET /ResourceTypes: User (with the enterprise extension) and Group.
async fn resource_types(
    State(state): State<ScimState>,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    authorize(&state, &headers)?;
    if state.has(ScimFlaw::NoSchemas) {
        return Err(error(StatusCode::NOT_FOUND, None, "no such endpoint"));
    }
    let kind = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
    Ok(answer(
        StatusCode::OK,
        &wire::list_response(vec![
            json!({"schemas": [kind], "id": "User", "name": "User", "endpoint": "/Users", "schema": wire::USER_SCHEMA,
                   "schemaExtensions": [{"schema": wire::ENTERPRISE_USER_SCHEMA, "required": false}]}),
            json!({"schemas": [kind], "id": "Group", "name": "Group", "endpoint": "/Groups", "schema": wire::GROUP_SCHEMA}),
        ]),
    ))
}

async fn service_provider_config(
    State(state): State<ScimState>,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    authorize(&state, &headers)?;
    Ok(answer(
        StatusCode::OK,
        &json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": 100},
            "changePassword": {"supported": false},
            "sort": {"supported": false},
            "etag": {"supported": false},
            "authenticationSchemes": [{"type": "oauthbearertoken", "name": "OAuth Bearer Token", "description": "the token given to sp serve --scim-token"}],
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_take_entra_s_subset() {
        let f = Filter::parse(r#"userName eq "B.Simon@contoso.com""#).unwrap();
        assert_eq!(
            f.0,
            vec![("userName".to_string(), json!("B.Simon@contoso.com"))]
        );
        let f = Filter::parse(r#"id eq "g1" and members eq "u \"1\"""#).unwrap();
        assert_eq!(f.0.len(), 2);
        assert_eq!(f.0[1].1, json!("u \"1\""));
        assert!(Filter::parse("userName sw \"B\"").is_err());
        assert!(Filter::parse("userName eq \"B").is_err());
        assert!(Filter::parse("userName").is_err());
        assert!(
            Filter::parse("userName eq \"x\" aaaé").is_err(),
            "no panic on a multi-byte joiner"
        );
        assert!(Filter::parse("userName eq \"x\" and").is_err());
    }

    #[test]
    fn replace_of_a_missing_work_email_adds_it() {
        let state = ScimState::new(ScimConfig {
            token: "t".into(),
            flaws: vec![],
        });
        let mut user = json!({"emails": [{"type": "home", "value": "h"}]});
        set(
            &state,
            &mut user,
            "emails[type eq \"work\"].value",
            json!("w"),
        )
        .unwrap();
        assert_eq!(user["emails"][1], json!({"type": "work", "value": "w"}));
        set(&state, &mut user, "active", json!("False")).unwrap();
        assert_eq!(user["active"], json!(false));
        set(&state, &mut user, "name.givenName", json!("B")).unwrap();
        assert_eq!(user["name"]["givenName"], "B");
        set(
            &state,
            &mut user,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            json!("Sales"),
        )
        .unwrap();
        assert_eq!(user[wire::ENTERPRISE_USER_SCHEMA]["department"], "Sales");
    }

    #[test]
    fn flaw_names_round_trip() {
        for f in ScimFlaw::ALL {
            assert_eq!(ScimFlaw::from_name(f.name()), Some(f));
        }
    }
}
