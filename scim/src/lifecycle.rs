//! Entra's sync engine, replayed: Test Connection, then a user's and a group's whole life
//! (match, create, read back, update, rename, disable, enable, members, delete), each step
//! judged by what Entra's provisioning logs would say and by whether the change really landed.

use std::future::Future;

use serde_json::{json, Value};

use crate::dialect::Dialect;
use crate::mapping::{self, EntraGroup, EntraUser};
use crate::wire;

/// An HTTP method Entra's client uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// One request, relative to the SP's SCIM base URL.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The path under the base URL, e.g. `/Users/42`.
    pub path: String,
    /// Query parameters, unencoded.
    pub query: Vec<(&'static str, String)>,
    /// The JSON body (sent as `application/scim+json; charset=utf-8`).
    pub body: Option<Value>,
    /// Whether the request carries the credentials (false only for the probe without them).
    pub authorized: bool,
}

impl Request {
    fn new(method: Method, path: impl Into<String>) -> Request {
        Request {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            authorized: true,
        }
    }

    fn query(mut self, name: &'static str, value: impl Into<String>) -> Request {
        self.query.push((name, value.into()));
        self
    }

    fn body(mut self, body: Value) -> Request {
        self.body = Some(body);
        self
    }

    /// `METHOD /path?query` for reports.
    pub fn line(&self) -> String {
        let mut line = format!("{} {}", self.method.as_str(), self.path);
        for (i, (name, value)) in self.query.iter().enumerate() {
            line.push(if i == 0 { '?' } else { '&' });
            line.push_str(&format!("{name}={value}"));
        }
        line
    }
}

/// What the SP answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The Content-Type header, if any.
    pub content_type: Option<String>,
    /// The body (bounded by the transport).
    pub body: String,
}

/// Carries requests to the SP; an `Err` means no answer came (refused, timed out, too big).
pub trait Transport {
    /// Sends `request` and waits for the answer.
    fn send(&mut self, request: &Request) -> impl Future<Output = Result<Response, String>>;
}

/// How a step went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The SP did what Entra needs.
    Pass,
    /// It works with Entra, but not as Microsoft asks (the text says what).
    Warn(String),
    /// It breaks provisioning (or exposes the directory): why, and what Entra's provisioning
    /// log would show.
    Fail {
        /// What went wrong and how to fix it.
        reason: String,
        /// What Entra's provisioning log shows for it.
        entra: EntraLog,
    },
    /// Not run: a step it needs failed.
    Skip(String),
    /// The SP could not be asked (no answer at all): "could not run", not "failed".
    Broken(String),
}

/// What Entra's provisioning log shows for a failed step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntraLog {
    /// This error code.
    Code(&'static str),
    /// Success: the SP is left wrong and nothing tells the admin.
    Success,
    /// Nothing: Entra never sends such a request (a security probe).
    NotSent,
}

impl Outcome {
    /// The verdict word used in reports: pass, warn, fail, skip, error.
    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Warn(_) => "warn",
            Outcome::Fail { .. } => "fail",
            Outcome::Skip(_) => "skip",
            Outcome::Broken(_) => "error",
        }
    }

    /// The explanation, if the verdict has one.
    pub fn detail(&self) -> Option<String> {
        match self {
            Outcome::Pass => None,
            Outcome::Warn(s) | Outcome::Skip(s) | Outcome::Broken(s) => Some(s.clone()),
            Outcome::Fail {
                reason,
                entra: EntraLog::Code(code),
            } => Some(format!("{reason} (Entra logs {code})")),
            Outcome::Fail {
                reason,
                entra: EntraLog::Success,
            } => Some(format!(
                "{reason} (Entra logs success: nothing tells the admin)"
            )),
            Outcome::Fail {
                reason,
                entra: EntraLog::NotSent,
            } => Some(reason.clone()),
        }
    }

    /// A failure Entra logs with `code`, or as a success when `None`.
    fn fail(reason: impl Into<String>, code: Option<&'static str>) -> Outcome {
        Outcome::Fail {
            reason: reason.into(),
            entra: code.map_or(EntraLog::Success, EntraLog::Code),
        }
    }

    /// A failure Entra never meets (it does not send such requests): for gallery validation.
    fn unsent(reason: impl Into<String>) -> Outcome {
        Outcome::Fail {
            reason: reason.into(),
            entra: EntraLog::NotSent,
        }
    }

    /// The error code Entra's provisioning log shows, if any.
    pub fn entra_code(&self) -> Option<&'static str> {
        match self {
            Outcome::Fail {
                entra: EntraLog::Code(code),
                ..
            } => Some(code),
            _ => None,
        }
    }
}

/// One judged step of the lifecycle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Stable id, `DIALECT/FAMILY/NAME`, e.g. `default/user/disable`.
    pub id: String,
    /// What Entra needs of the SP here.
    pub title: &'static str,
    /// The verdict.
    pub outcome: Outcome,
    /// The requests sent and the status each got (`None`: no answer).
    pub exchanges: Vec<(String, Option<u16>)>,
}

/// Every step of a run, in order: (name, what Entra needs). Ids are `DIALECT/NAME`.
pub const STEPS: [(&str, &str); 24] = [
    (
        "auth/no-token",
        "a request without the token is refused with 401",
    ),
    (
        "connection/test",
        "Test Connection: a query for a random GUID gives 200 and an empty ListResponse",
    ),
    (
        "discovery/schemas",
        "GET /Schemas describes the User attributes the mapping sends (gallery apps need it)",
    ),
    (
        "user/match",
        "the query by the matching attribute (userName) finds no user yet",
    ),
    (
        "user/create",
        "POST /Users creates the user (201 with its id)",
    ),
    (
        "user/read",
        "GET /Users/{id} returns the values exactly as sent",
    ),
    (
        "user/match-case",
        "userName matches case-insensitively (caseExact false)",
    ),
    (
        "user/duplicate",
        "a second POST with the same userName is refused with 409",
    ),
    (
        "user/update",
        "a PATCH replacing email, surname and display name is applied",
    ),
    (
        "user/rename",
        "a PATCH of userName (a UPN change) is applied",
    ),
    (
        "user/disable",
        "a PATCH of active to false (unassigned or blocked in Entra) is applied",
    ),
    (
        "user/disabled-listed",
        "an inactive user is still found by the matching query",
    ),
    (
        "user/enable",
        "a PATCH of active to true (reassigned) is applied",
    ),
    (
        "group/match",
        "the group query (excludedAttributes=members, displayName) finds no group yet",
    ),
    (
        "group/create",
        "POST /Groups creates the group, empty (201 with its id)",
    ),
    (
        "group/match-case",
        "the group query matches displayName case-insensitively",
    ),
    (
        "group/add-member",
        "a PATCH adding the user to the group is applied (204)",
    ),
    (
        "user/manager",
        "the manager, added as Entra sends it (a bare id string), replaced by another and removed, reads back so",
    ),
    (
        "user/paging",
        "a listing with startIndex and count pages (count=1: one user per page)",
    ),
    (
        "group/excluded-members",
        "GET /Groups/{id}?excludedAttributes=members leaves members out",
    ),
    (
        "group/remove-member",
        "a PATCH removing the user from the group is applied",
    ),
    ("group/rename", "a PATCH of displayName is applied"),
    (
        "group/delete",
        "DELETE /Groups/{id} gives 204 and the group is gone (404)",
    ),
    (
        "user/delete",
        "DELETE /Users/{id} gives 204, then 404 with a SCIM Error for its id",
    ),
];

/// What one run provisions and how.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The PATCH dialect.
    pub dialect: Dialect,
    /// The user Entra provisions.
    pub user: EntraUser,
    /// The group Entra provisions (the user becomes its member).
    pub group: EntraGroup,
    /// Whether the client has credentials, so that their absence can be probed.
    pub has_credentials: bool,
    /// Provision on demand: stop once the user is created and read back, and leave it there.
    pub on_demand: bool,
    /// The app's attribute mapping.
    pub mapping: mapping::Mapping,
}

/// Runs the plan against the SP behind `transport`, calling `on_step` as each step is judged.
pub async fn run<T: Transport>(
    plan: &Plan,
    transport: &mut T,
    mut on_step: impl FnMut(&Step),
) -> Vec<Step> {
    let mut run = Run {
        plan,
        transport,
        steps: Vec::new(),
        exchanges: Vec::new(),
        notes: Vec::new(),
        user_id: None,
        user_name: plan.user.user_principal_name.clone(),
        group_id: None,
        colleague_id: None,
        extra_ids: Vec::new(),
        done: Vec::new(),
        stopped: None,
    };
    let mut emit = |run: &mut Run<'_, T>, name: &'static str, outcome: Outcome| {
        let step = run.finish(name, outcome);
        on_step(&step);
        run.steps.push(step);
    };
    let outcome = run.no_token().await;
    emit(&mut run, "auth/no-token", outcome);
    let outcome = run.test_connection().await;
    emit(&mut run, "connection/test", outcome);
    let outcome = run.discovery().await;
    emit(&mut run, "discovery/schemas", outcome);
    let outcome = run.user_match().await;
    emit(&mut run, "user/match", outcome);
    let outcome = run.user_create().await;
    emit(&mut run, "user/create", outcome);
    let outcome = run.user_read().await;
    emit(&mut run, "user/read", outcome);
    if plan.on_demand {
        return run.steps;
    }
    let outcome = run.user_match_case().await;
    emit(&mut run, "user/match-case", outcome);
    let outcome = run.user_duplicate().await;
    emit(&mut run, "user/duplicate", outcome);
    let outcome = run.user_update().await;
    emit(&mut run, "user/update", outcome);
    let outcome = run.user_rename().await;
    emit(&mut run, "user/rename", outcome);
    let outcome = run.user_active(false).await;
    emit(&mut run, "user/disable", outcome);
    let outcome = run.user_disabled_listed().await;
    emit(&mut run, "user/disabled-listed", outcome);
    let outcome = run.user_active(true).await;
    emit(&mut run, "user/enable", outcome);
    let outcome = run.group_match().await;
    emit(&mut run, "group/match", outcome);
    let outcome = run.group_create().await;
    emit(&mut run, "group/create", outcome);
    let outcome = run.group_match_case().await;
    emit(&mut run, "group/match-case", outcome);
    let outcome = run.group_member(true).await;
    emit(&mut run, "group/add-member", outcome);
    let outcome = run.user_manager().await;
    emit(&mut run, "user/manager", outcome);
    let outcome = run.paging().await;
    emit(&mut run, "user/paging", outcome);
    let outcome = run.group_excluded_members().await;
    emit(&mut run, "group/excluded-members", outcome);
    let outcome = run.group_member(false).await;
    emit(&mut run, "group/remove-member", outcome);
    let outcome = run.group_rename().await;
    emit(&mut run, "group/rename", outcome);
    let outcome = run.delete("/Groups", true).await;
    emit(&mut run, "group/delete", outcome);
    let outcome = run.delete("/Users", false).await;
    emit(&mut run, "user/delete", outcome);
    run.steps
}

/// The provisioning-log code Entra records for an unexpected HTTP status.
pub fn entra_code(status: u16) -> &'static str {
    match status {
        401 => "Unauthorized",
        403 => "InsufficientRights",
        404 => "InvalidAnchor",
        405 => "MethodNotAllowed",
        409 => "EntryConflict",
        422 => "UnprocessableEntity",
        429 => "TooManyRequests",
        500..=599 => "InternalServerError",
        _ => "SystemForCrossDomainIdentityManagementServiceIncompatible",
    }
}

const INCOMPATIBLE: &str = "SystemForCrossDomainIdentityManagementServiceIncompatible";

type Judged<V> = Result<V, Outcome>;

struct Run<'a, T> {
    plan: &'a Plan,
    transport: &'a mut T,
    steps: Vec<Step>,
    exchanges: Vec<(String, Option<u16>)>,
    notes: Vec<String>,
    user_id: Option<String>,
    user_name: String,
    group_id: Option<String>,
    /// A second member for the group, so that removing one can be told from emptying it.
    colleague_id: Option<String>,
    /// Further users made for one step (the manager's replacement), deleted with the user.
    extra_ids: Vec<String>,
    /// The steps that passed (or passed with a warning) so far.
    done: Vec<&'static str>,
    /// Set when the SP cannot be worked with at all: every later step is skipped with it.
    stopped: Option<String>,
}

impl<T: Transport> Run<'_, T> {
    fn finish(&mut self, name: &'static str, outcome: Outcome) -> Step {
        let title = STEPS
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, t)| t);
        let outcome = match outcome {
            Outcome::Pass if !self.notes.is_empty() => Outcome::Warn(self.notes.join("; ")),
            Outcome::Warn(w) if !self.notes.is_empty() => {
                Outcome::Warn(format!("{w}; {}", self.notes.join("; ")))
            }
            other => other,
        };
        self.notes.clear();
        if matches!(outcome, Outcome::Pass | Outcome::Warn(_)) {
            self.done.push(name);
        }
        Step {
            id: format!("{}/{name}", self.plan.dialect.name()),
            title,
            outcome,
            exchanges: std::mem::take(&mut self.exchanges),
        }
    }

    fn skip_if_stopped(&self) -> Judged<()> {
        match &self.stopped {
            Some(why) => Err(Outcome::Skip(why.clone())),
            None => Ok(()),
        }
    }

    /// Skips unless step `name` passed: what comes next means nothing without it.
    fn needs(&self, name: &str) -> Judged<()> {
        self.skip_if_stopped()?;
        if self.done.contains(&name) {
            Ok(())
        } else {
            Err(Outcome::Skip(format!("needs {name}")))
        }
    }

    fn user_id(&self) -> Judged<String> {
        self.skip_if_stopped()?;
        self.user_id
            .clone()
            .ok_or_else(|| Outcome::Skip("needs user/create".into()))
    }

    fn group_id(&self) -> Judged<String> {
        self.skip_if_stopped()?;
        self.group_id
            .clone()
            .ok_or_else(|| Outcome::Skip("needs group/create".into()))
    }

    async fn send(&mut self, request: Request) -> Judged<Response> {
        let line = request.line();
        match self.transport.send(&request).await {
            Ok(response) => {
                self.exchanges.push((line, Some(response.status)));
                Ok(response)
            }
            Err(e) => {
                self.exchanges.push((line.clone(), None));
                let why = format!("no answer to {line}: {e}");
                self.stopped = Some(format!("the SP stopped answering ({why})"));
                Err(Outcome::Broken(why))
            }
        }
    }

    /// The body as JSON, noting a media type other than SCIM's.
    fn json(&mut self, request: &str, response: &Response) -> Judged<Value> {
        let media = response
            .content_type
            .as_deref()
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if media != wire::MEDIA_TYPE {
            let note = format!(
                "answers with Content-Type {:?}, not {} (Microsoft's SCIM Validator stops on it)",
                response.content_type.as_deref().unwrap_or(""),
                wire::MEDIA_TYPE
            );
            if !self.notes.contains(&note) {
                self.notes.push(note);
            }
        }
        serde_json::from_str(&response.body).map_err(|e| {
            Outcome::fail(
                format!(
                    "{request} answered {} with a body that is not JSON ({e}): {}",
                    response.status,
                    excerpt(&response.body)
                ),
                Some(INCOMPATIBLE),
            )
        })
    }

    /// Fails unless the status is one of `want`.
    fn expect(&self, request: &str, response: &Response, want: &[u16]) -> Judged<()> {
        if want.contains(&response.status) {
            return Ok(());
        }
        let wanted: Vec<String> = want.iter().map(u16::to_string).collect();
        Err(Outcome::fail(
            format!(
                "{request} answered {}, expected {}: {}",
                response.status,
                wanted.join(" or "),
                excerpt(&response.body)
            ),
            Some(entra_code(response.status)),
        ))
    }

    /// A query's resources, after checking it is a 200 ListResponse.
    async fn query(&mut self, request: Request) -> Judged<Vec<Value>> {
        let line = request.line();
        let response = self.send(request).await?;
        self.expect(&line, &response, &[200])?;
        let doc = self.json(&line, &response)?;
        let Some(total) = doc.get("totalResults").and_then(Value::as_u64) else {
            return Err(Outcome::fail(
                format!(
                    "{line} did not answer a ListResponse with totalResults: {}",
                    excerpt(&response.body)
                ),
                Some(INCOMPATIBLE),
            ));
        };
        if !wire::has_schema(&doc, wire::LIST_RESPONSE) {
            self.notes
                .push(format!("{line}: the ListResponse lacks its schemas URI"));
        }
        let resources = match doc.get("Resources") {
            Some(Value::Array(items)) => items.clone(),
            None | Some(Value::Null) if total == 0 => Vec::new(),
            _ => {
                return Err(Outcome::fail(
                    format!("{line}: totalResults is {total} but Resources is not a list"),
                    Some(INCOMPATIBLE),
                ))
            }
        };
        Ok(resources)
    }

    fn users_by_name(&self, name: &str) -> Request {
        Request::new(Method::Get, "/Users").query("filter", wire::eq_filter("userName", name))
    }

    fn groups_by_name(&self, name: &str) -> Request {
        Request::new(Method::Get, "/Groups")
            .query("excludedAttributes", "members")
            .query("filter", wire::eq_filter("displayName", name))
    }

    /// GET of one resource, as JSON.
    async fn read(&mut self, path: String) -> Judged<Value> {
        let request = Request::new(Method::Get, path);
        let line = request.line();
        let response = self.send(request).await?;
        self.expect(&line, &response, &[200])?;
        self.json(&line, &response)
    }

    /// A PATCH that must succeed (200 or 204).
    async fn patch(&mut self, path: String, body: Value) -> Judged<()> {
        let request = Request::new(Method::Patch, path).body(body);
        let line = request.line();
        let response = self.send(request).await?;
        self.expect(&line, &response, &[200, 204])
            .map_err(|e| match e {
                Outcome::Fail { reason, entra } => Outcome::Fail {
                    reason: format!(
                        "refused Entra's {} PATCH: {reason}",
                        self.plan.dialect.name()
                    ),
                    entra,
                },
                other => other,
            })
    }

    async fn no_token(&mut self) -> Outcome {
        if !self.plan.has_credentials {
            return Outcome::Skip("no --token or --oauth given".into());
        }
        let mut request = self.users_by_name(&uuid::Uuid::new_v4().to_string());
        request.authorized = false;
        let line = request.line();
        match self.send(request).await {
            Err(outcome) => outcome,
            Ok(r) if r.status == 401 => Outcome::Pass,
            Ok(r) if r.status == 403 => {
                Outcome::Warn("refused with 403; RFC 7644 §3.12 asks for 401 when credentials are missing".into())
            }
            Ok(r) if (200..300).contains(&r.status) => Outcome::Fail {
                reason: format!(
                    "{line} without a token answered {}: anyone who reaches the endpoint can read and change users; require the bearer token on every request",
                    r.status
                ),
                entra: EntraLog::NotSent,
            },
            Ok(r) => Outcome::Warn(format!("without a token the SP answered {}, not 401", r.status)),
        }
    }

    async fn test_connection(&mut self) -> Outcome {
        if let Err(o) = self.skip_if_stopped() {
            return o;
        }
        let request = self.users_by_name(&uuid::Uuid::new_v4().to_string());
        match self.query(request).await {
            Ok(found) if found.is_empty() => Outcome::Pass,
            Ok(found) => {
                self.stopped = Some("Test Connection failed".into());
                Outcome::fail(
                    format!(
                        "a query for a random GUID found {} user(s): the filter is ignored",
                        found.len()
                    ),
                    Some("DuplicateTargetEntries"),
                )
            }
            Err(outcome) => {
                if self.stopped.is_none() {
                    self.stopped = Some("Test Connection failed".into());
                }
                outcome
            }
        }
    }

    async fn user_match(&mut self) -> Outcome {
        if let Err(o) = self.skip_if_stopped() {
            return o;
        }
        let name = self.user_name.clone();
        match self.query(self.users_by_name(&name)).await {
            Ok(found) if found.is_empty() => Outcome::Pass,
            Ok(found) if found.len() == 1 => {
                self.user_id = found[0]
                    .get("id")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                Outcome::Warn(format!(
                    "a user {name:?} already exists (left by an earlier run?): matched, as Entra does, and updated instead of created"
                ))
            }
            Ok(found) => Outcome::fail(
                format!("{} users match userName {name:?}", found.len()),
                Some("DuplicateTargetEntries"),
            ),
            Err(outcome) => outcome,
        }
    }

    async fn user_create(&mut self) -> Outcome {
        if let Err(o) = self.skip_if_stopped() {
            return o;
        }
        let body = self.plan.mapping.user_resource(&self.plan.user);
        if let Some(id) = self.user_id.clone() {
            // Matched: Entra sends the differences; here, every mapped value.
            let u = &self.plan.user;
            let m = &self.plan.mapping;
            let values: Vec<(&str, &str)> = [
                ("name.givenName", u.given_name.as_str()),
                ("name.familyName", u.surname.as_str()),
                ("displayName", u.display_name.as_str()),
            ]
            .into_iter()
            .filter(|(p, v)| m.sends(p) && !v.is_empty())
            .collect();
            let mail = Some(u.mail.as_str()).filter(|v| m.sends("emails") && !v.is_empty());
            let patch = self.plan.dialect.replace(mail, &values);
            return match self.patch(format!("/Users/{id}"), patch).await {
                Ok(()) => Outcome::Pass,
                Err(o) => o,
            };
        }
        let request = Request::new(Method::Post, "/Users").body(body);
        let line = request.line();
        let response = match self.send(request).await {
            Ok(r) => r,
            Err(o) => return o,
        };
        if response.status == 409 {
            return Outcome::fail(
                format!("{line} answered 409 although the matching query found no such user: the userName filter does not find existing users"),
                Some("EntryConflict"),
            );
        }
        if let Err(o) = self.expect(&line, &response, &[201, 200]) {
            return o;
        }
        if response.status == 200 {
            self.notes
                .push("created with 200; RFC 7644 §3.3 says 201".into());
        }
        let doc = match self.json(&line, &response) {
            Ok(d) => d,
            Err(o) => return o,
        };
        match doc
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        {
            Some(id) => {
                self.user_id = Some(id.to_string());
                Outcome::Pass
            }
            None => Outcome::fail(
                format!(
                    "{line} answered {} without an id: Entra cannot address the user again",
                    response.status
                ),
                Some(INCOMPATIBLE),
            ),
        }
    }

    async fn read_user(&mut self) -> Judged<Value> {
        let id = self.user_id()?;
        self.read(format!("/Users/{id}")).await
    }

    async fn user_read(&mut self) -> Outcome {
        let doc = match self.read_user().await {
            Ok(d) => d,
            Err(o) => return o,
        };
        let u = self.plan.user.clone();
        let mut wrong = Vec::new();
        for (path, want) in [
            ("userName", json!(u.user_principal_name)),
            ("active", json!(true)),
            ("name.givenName", json!(u.given_name)),
            ("name.familyName", json!(u.surname)),
            ("displayName", json!(u.display_name)),
            ("emails[type eq \"work\"].value", json!(u.mail)),
        ] {
            if want == json!("") || !self.plan.mapping.sends(path) {
                continue; // not sent
            }
            if let Some(wrong_value) = read_back(&doc, path, &want) {
                wrong.push(wrong_value);
            }
        }
        if wrong.is_empty() {
            Outcome::Pass
        } else {
            Outcome::fail(
                format!("the created user reads back differently: {}; Entra would PATCH it again every cycle", wrong.join(", ")),
                None,
            )
        }
    }

    async fn user_match_case(&mut self) -> Outcome {
        let id = match self.user_id() {
            Ok(id) => id,
            Err(o) => return o,
        };
        let swapped = swap_case(&self.user_name);
        if swapped == self.user_name {
            return Outcome::Skip("the userName has no letters to change the case of".into());
        }
        // With a user in place, a filter that is ignored shows: Entra would match every
        // user it provisions to this one and overwrite it.
        let stranger = uuid::Uuid::new_v4().to_string();
        match self.query(self.users_by_name(&stranger)).await {
            Ok(found) if found.is_empty() => {}
            Ok(found) => {
                return Outcome::fail(
                    format!("userName eq {stranger:?} (nobody) found {} user(s): the filter is ignored, so Entra would match every user to these and overwrite them", found.len()),
                    Some("DuplicateTargetEntries"),
                )
            }
            Err(o) => return o,
        }
        match self.query(self.users_by_name(&swapped)).await {
            Ok(found) if found.len() == 1 && found[0].get("id").and_then(Value::as_str) == Some(&id) => Outcome::Pass,
            Ok(found) if found.is_empty() => Outcome::fail(
                format!(
                    "userName eq {swapped:?} found nothing although {:?} exists: userName is compared case-sensitively (RFC 7643 §4.1.1: caseExact false); Entra would try to create the user again",
                    self.user_name
                ),
                Some("EntryConflict"),
            ),
            Ok(found) => Outcome::fail(
                format!("userName eq {swapped:?} found {} other user(s)", found.len()),
                Some("DuplicateTargetEntries"),
            ),
            Err(o) => o,
        }
    }

    async fn user_duplicate(&mut self) -> Outcome {
        if let Err(o) = self.user_id() {
            return o;
        }
        let request = Request::new(Method::Post, "/Users")
            .body(self.plan.mapping.user_resource(&self.plan.user));
        let line = request.line();
        let response = match self.send(request).await {
            Ok(r) => r,
            Err(o) => return o,
        };
        match response.status {
            409 => {
                if let Ok(doc) = serde_json::from_str::<Value>(&response.body) {
                    if !doc.get("status").is_some_and(Value::is_string) {
                        self.notes.push(
                            "the 409's SCIM Error has no status string (RFC 7644 §3.12)".into(),
                        );
                    }
                }
                Outcome::Pass
            }
            200..=299 => {
                let extra = serde_json::from_str::<Value>(&response.body)
                    .ok()
                    .and_then(|d| d.get("id").and_then(Value::as_str).map(str::to_string));
                if let Some(extra) = extra.filter(|e| Some(e) != self.user_id.as_ref()) {
                    // Leave the SP as it was: the duplicate would break the next matching query.
                    let _ = self
                        .send(Request::new(Method::Delete, format!("/Users/{extra}")))
                        .await;
                }
                Outcome::fail(
                    format!("{line} with a userName that exists answered {}: a second account was created; answer 409 (scimType uniqueness)", response.status),
                    Some("DuplicateTargetEntries"),
                )
            }
            status => Outcome::Warn(format!(
                "a duplicate was refused with {status}, not 409: Entra logs it as {}",
                entra_code(status)
            )),
        }
    }

    /// PATCHes the user, then reads it back and compares `want` (path, value).
    async fn patch_user(&mut self, body: Value, want: &[(&str, Value)]) -> Outcome {
        let id = match self.user_id() {
            Ok(id) => id,
            Err(o) => return o,
        };
        if let Err(o) = self.patch(format!("/Users/{id}"), body).await {
            return o;
        }
        let doc = match self.read_user().await {
            Ok(d) => d,
            Err(o) => return o,
        };
        let wrong: Vec<String> = want
            .iter()
            .filter_map(|(path, value)| read_back(&doc, path, value))
            .collect();
        if wrong.is_empty() {
            Outcome::Pass
        } else {
            Outcome::fail(
                format!(
                    "the PATCH was answered as a success but not applied as sent: {}",
                    wrong.join(", ")
                ),
                None,
            )
        }
    }

    async fn user_update(&mut self) -> Outcome {
        let u = &self.plan.user;
        let m = &self.plan.mapping;
        let mail = format!("updated.{}", u.mail);
        let surname = format!("{}-Updated", u.surname);
        let display = format!("{} (updated)", u.display_name);
        let values: Vec<(&str, &str)> = [
            ("name.familyName", surname.as_str()),
            ("displayName", display.as_str()),
        ]
        .into_iter()
        .filter(|(p, _)| m.sends(p))
        .collect();
        let work = "emails[type eq \"work\"].value";
        let send_mail = m.sends(work);
        if values.is_empty() && !send_mail {
            return Outcome::Skip("the app's mapping sends no attribute this step changes".into());
        }
        let body = self
            .plan
            .dialect
            .replace(send_mail.then_some(mail.as_str()), &values);
        let mut want: Vec<(&str, Value)> = values.iter().map(|(p, v)| (*p, json!(v))).collect();
        if send_mail {
            want.push((work, json!(mail)));
        }
        self.patch_user(body, &want).await
    }

    async fn user_rename(&mut self) -> Outcome {
        let renamed = format!("renamed.{}", self.plan.user.user_principal_name);
        let body = self.plan.dialect.replace(None, &[("userName", &renamed)]);
        let outcome = self.patch_user(body, &[("userName", json!(renamed))]).await;
        if outcome == Outcome::Pass {
            self.user_name = renamed;
        }
        outcome
    }

    async fn user_active(&mut self, active: bool) -> Outcome {
        let outcome = self
            .patch_user(
                self.plan.dialect.set_active(active),
                &[("active", json!(active))],
            )
            .await;
        match outcome {
            Outcome::Fail { reason, entra } if self.plan.dialect == Dialect::Default => {
                Outcome::Fail {
                    reason: format!(
                        "{reason}; Entra's default dialect sends active as the string \"{}\"",
                        if active { "True" } else { "False" }
                    ),
                    entra,
                }
            }
            other => other,
        }
    }

    async fn user_disabled_listed(&mut self) -> Outcome {
        if let Err(o) = self.needs("user/disable") {
            return o;
        }
        let id = match self.user_id() {
            Ok(id) => id,
            Err(o) => return o,
        };
        let name = self.user_name.clone();
        match self.query(self.users_by_name(&name)).await {
            Ok(found) if found.len() == 1 && found[0].get("id").and_then(Value::as_str) == Some(&id) => Outcome::Pass,
            Ok(_) => Outcome::fail(
                format!("the inactive user {name:?} is not found by userName: Entra would create it again when it is reassigned (Microsoft: still return inactive users)"),
                Some("EntryConflict"),
            ),
            Err(o) => o,
        }
    }

    async fn group_match(&mut self) -> Outcome {
        if let Err(o) = self.skip_if_stopped() {
            return o;
        }
        let name = self.plan.group.display_name.clone();
        match self.query(self.groups_by_name(&name)).await {
            Ok(found) if found.is_empty() => Outcome::Pass,
            Ok(found) if found.len() == 1 => {
                self.group_id = found[0]
                    .get("id")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                Outcome::Warn(format!("a group {name:?} already exists (left by an earlier run?): matched, as Entra does"))
            }
            Ok(found) => Outcome::fail(
                format!("{} groups match displayName {name:?}", found.len()),
                Some("DuplicateTargetEntries"),
            ),
            Err(o) => o,
        }
    }

    async fn group_create(&mut self) -> Outcome {
        if let Err(o) = self.skip_if_stopped() {
            return o;
        }
        if self.group_id.is_some() {
            return Outcome::Pass;
        }
        let request =
            Request::new(Method::Post, "/Groups").body(mapping::group_resource(&self.plan.group));
        let line = request.line();
        let response = match self.send(request).await {
            Ok(r) => r,
            Err(o) => return o,
        };
        if let Err(o) = self.expect(&line, &response, &[201, 200]) {
            return o;
        }
        let doc = match self.json(&line, &response) {
            Ok(d) => d,
            Err(o) => return o,
        };
        match doc
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        {
            Some(id) => {
                self.group_id = Some(id.to_string());
                self.duplicate_group(id).await;
                Outcome::Pass
            }
            None => Outcome::fail(format!("{line} answered without an id"), Some(INCOMPATIBLE)),
        }
    }

    /// The SCIM Validator's duplicate group: a second POST with the same displayName should be
    /// refused (409), since Entra matches groups by it; a duplicate made is removed again.
    async fn duplicate_group(&mut self, first: &str) {
        let request =
            Request::new(Method::Post, "/Groups").body(mapping::group_resource(&self.plan.group));
        let Ok(response) = self.send(request).await else {
            return; // `stopped` is set: the next step says so
        };
        match response.status {
            409 => {}
            200..=299 => {
                let made = serde_json::from_str::<Value>(&response.body)
                    .ok()
                    .and_then(|d| d.get("id").and_then(Value::as_str).map(str::to_string));
                if made.as_deref() == Some(first) {
                    return; // the same group answered again: no duplicate
                }
                let name = self.plan.group.display_name.clone();
                let found = self
                    .query(self.groups_by_name(&name))
                    .await
                    .unwrap_or_default();
                let extra: Vec<String> = found
                    .iter()
                    .filter_map(|g| g.get("id").and_then(Value::as_str).map(str::to_string))
                    .chain(made)
                    .filter(|id| id != first)
                    .collect();
                for id in extra {
                    let _ = self
                        .send(Request::new(Method::Delete, format!("/Groups/{id}")))
                        .await;
                }
                self.notes.push("a second group with the same displayName was created: Entra matches groups by displayName, so a leftover duplicate breaks the match (DuplicateTargetEntries); answer 409".into());
            }
            status => self.notes.push(format!(
                "a duplicate group was refused with {status}, not 409"
            )),
        }
    }

    /// The ids of the group's members: `None` when the SP does not return members at all.
    async fn members(&mut self, group: &str) -> Judged<Option<Vec<String>>> {
        let doc = self.read(format!("/Groups/{group}")).await?;
        Ok(doc.get("members").and_then(Value::as_array).map(|members| {
            members
                .iter()
                .filter_map(|m| m.get("value").and_then(Value::as_str).map(str::to_string))
                .collect()
        }))
    }

    /// Provisions a second user (as Entra does for every member in scope) to share the group.
    async fn provision_colleague(&mut self) {
        let u = &self.plan.user;
        let colleague = EntraUser {
            user_principal_name: format!("colleague.{}", u.user_principal_name),
            mail_nickname: format!("colleague.{}", u.mail_nickname),
            display_name: format!("Colleague of {}", u.display_name),
            mail: format!("colleague.{}", u.mail),
            ..u.clone()
        };
        self.colleague_id = self.create_or_adopt(&colleague).await;
    }

    /// Creates `user`, or adopts the one an earlier run left (a 409 matched by userName, as
    /// Entra would); its id.
    async fn create_or_adopt(&mut self, user: &EntraUser) -> Option<String> {
        let request =
            Request::new(Method::Post, "/Users").body(self.plan.mapping.user_resource(user));
        let id_of = |d: &Value| d.get("id").and_then(Value::as_str).map(str::to_string);
        match self.send(request).await {
            Ok(response) if response.status == 409 => self
                .query(self.users_by_name(&user.user_principal_name))
                .await
                .ok()?
                .first()
                .and_then(id_of),
            Ok(response) if response.status == 201 || response.status == 200 => {
                serde_json::from_str::<Value>(&response.body)
                    .ok()
                    .and_then(|d| id_of(&d))
            }
            _ => None,
        }
    }

    async fn group_member(&mut self, add: bool) -> Outcome {
        if !add {
            if let Err(o) = self.needs("group/add-member") {
                return o;
            }
        }
        let (group, user) = match (self.group_id(), self.user_id()) {
            (Ok(g), Ok(u)) => (g, u),
            (Err(o), _) | (_, Err(o)) => return o,
        };
        if add {
            self.provision_colleague().await;
        }
        let colleague = self.colleague_id.clone();
        let body = match (&colleague, add) {
            (Some(c), true) => self.plan.dialect.add_members(&[&user, c]),
            (None, true) => self.plan.dialect.add_members(&[&user]),
            (_, false) => self.plan.dialect.remove_members(&[&user]),
        };
        if let Err(o) = self.patch(format!("/Groups/{group}"), body).await {
            return o;
        }
        if self.exchanges.last().and_then(|e| e.1) == Some(200) {
            self.notes
                .push("the group PATCH answered 200; Microsoft asks for 204 No Content".into());
        }
        match self.members(&group).await {
            Ok(Some(ids)) if ids.contains(&user) == add => match colleague {
                Some(c) if !ids.contains(&c) && add => Outcome::fail(
                    "the PATCH added two members and only the first is listed: Entra adds several members in one PATCH",
                    None,
                ),
                Some(c) if !ids.contains(&c) => Outcome::fail(
                    "removing one member emptied the group: Entra's default dialect removes a member with a value list ({\"op\":\"Remove\",\"path\":\"members\",\"value\":[…]}), which this SP reads as \"remove all members\"",
                    None,
                ),
                _ => Outcome::Pass,
            },
            Ok(Some(_)) => Outcome::fail(
                format!(
                    "the PATCH was answered as a success but the user is {} the group's members",
                    if add { "not among" } else { "still among" }
                ),
                None,
            ),
            Ok(None) if add => Outcome::Warn(
                "GET /Groups/{id} returns no members, so the change cannot be read back".into(),
            ),
            Ok(None) => Outcome::Pass,
            Err(o) => o,
        }
    }

    async fn group_match_case(&mut self) -> Outcome {
        let group = match self.group_id() {
            Ok(g) => g,
            Err(o) => return o,
        };
        let swapped = swap_case(&self.plan.group.display_name);
        if swapped == self.plan.group.display_name {
            return Outcome::Skip("the group name has no letters to change the case of".into());
        }
        match self.query(self.groups_by_name(&swapped)).await {
            Ok(found)
                if found.len() == 1
                    && found[0].get("id").and_then(Value::as_str) == Some(&group) =>
            {
                Outcome::Pass
            }
            Ok(found) if found.is_empty() => Outcome::fail(
                format!(
                    "displayName eq {swapped:?} found nothing although {:?} exists: Entra would create the group again",
                    self.plan.group.display_name
                ),
                Some("EntryConflict"),
            ),
            Ok(found) => Outcome::fail(
                format!("displayName eq {swapped:?} found {} other group(s)", found.len()),
                Some("DuplicateTargetEntries"),
            ),
            Err(o) => o,
        }
    }

    /// Entra links the manager after both users exist, sending the manager's id as a bare
    /// string, not `{"value": id}` (azure-docs#73842, SCIM-SDK#541).
    async fn user_manager(&mut self) -> Outcome {
        let user = match self.user_id() {
            Ok(u) => u,
            Err(o) => return o,
        };
        if self.colleague_id.is_none() {
            self.provision_colleague().await;
        }
        let Some(manager) = self.colleague_id.clone() else {
            return Outcome::Skip(
                "needs a second user to be the manager, and none could be created".into(),
            );
        };
        if !self.plan.mapping.sends(wire::ENTERPRISE_USER_SCHEMA) {
            return Outcome::Skip("the app's mapping sends no manager".into());
        }
        let path = format!("{}:manager", wire::ENTERPRISE_USER_SCHEMA);
        let op = self.plan.dialect.op("Add");
        let body = wire::patch(vec![json!({"op": op, "path": path, "value": manager})]);
        if let Err(o) = self.patch(format!("/Users/{user}"), body).await {
            return o;
        }
        let doc = match self.read_user().await {
            Ok(d) => d,
            Err(o) => return o,
        };
        let got = lookup(&doc, &path);
        match got.as_ref().and_then(|m| m.get("value")).and_then(Value::as_str) {
            Some(v) if v == manager => match self.replace_manager(&user).await {
                Some(broken) => broken,
                None => self.remove_manager(&user).await,
            },
            _ => Outcome::fail(
                format!(
                    "the manager PATCH was answered as a success but manager reads back as {} (expected {{\"value\": {manager:?}}}): accept the bare id string Entra sends",
                    shown(got.as_ref())
                ),
                None,
            ),
        }
    }

    /// Schema discovery (RFC 7644 §4): what the portal reads for a gallery app's mappings.
    async fn discovery(&mut self) -> Outcome {
        if let Err(o) = self.skip_if_stopped() {
            return o;
        }
        if self.plan.on_demand {
            return Outcome::Skip("provision on demand reads no schema".into());
        }
        let request = Request::new(Method::Get, "/Schemas");
        let line = request.line();
        let response = match self.send(request).await {
            Ok(r) => r,
            Err(o) => return o,
        };
        if response.status != 200 {
            return Outcome::Warn(format!(
                "{line} answered {}: no schema discovery; custom apps work without it, gallery apps need it (Microsoft's gallery provisioning requirements)",
                response.status
            ));
        }
        let doc = match self.json(&line, &response) {
            Ok(d) => d,
            Err(o) => return o,
        };
        // A ListResponse, or (seen in the field) a bare array of schemas.
        let schemas = doc
            .get("Resources")
            .or(Some(&doc))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let listed = schemas
            .iter()
            .find(|s| s.get("id").and_then(Value::as_str) == Some(wire::USER_SCHEMA))
            .cloned();
        // Listed without its attributes (or not listed): ask for it by URN (RFC 7644 §4).
        let user = match listed.filter(|u| u.get("attributes").is_some()) {
            Some(u) => u,
            None => match self.send(Request::new(Method::Get, format!("/Schemas/{}", wire::USER_SCHEMA))).await {
                Ok(r) if r.status == 200 => serde_json::from_str(&r.body).unwrap_or(Value::Null),
                Ok(_) => {
                    return Outcome::Warn(format!(
                        "{line} does not describe the {} schema: the portal cannot discover the attributes to map",
                        wire::USER_SCHEMA
                    ))
                }
                Err(o) => return o,
            },
        };
        let described: Vec<&str> = user
            .get("attributes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| a.get("name").and_then(Value::as_str))
            .collect();
        let body = self.plan.mapping.user_resource(&self.plan.user);
        let missing: Vec<&str> = body
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k.as_str())
            // id, externalId and meta are common to every resource (RFC 7643 §3.1), not
            // attributes of the User schema.
            .filter(|k| {
                !matches!(*k, "schemas" | "meta" | "roles" | "externalId" | "id")
                    && !k.starts_with("urn:")
            })
            .filter(|k| !described.iter().any(|d| d.eq_ignore_ascii_case(k)))
            .collect();
        for endpoint in ["/ServiceProviderConfig", "/ResourceTypes"] {
            match self.send(Request::new(Method::Get, endpoint)).await {
                Ok(r) if r.status == 200 => {}
                Ok(r) => self.notes.push(format!(
                    "GET {endpoint} answered {} (RFC 7644 §4 discovery)",
                    r.status
                )),
                Err(o) => return o,
            }
        }
        if missing.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Warn(format!(
                "the User schema does not describe {}: Microsoft's validation wants every mapped attribute discoverable",
                missing.join(", ")
            ))
        }
    }

    /// Listing with `startIndex`/`count`, with the user and the second user in place.
    async fn paging(&mut self) -> Outcome {
        if let Err(o) = self.user_id() {
            return o;
        }
        if self.colleague_id.is_none() {
            return Outcome::Skip("needs two users (user/manager provisions the second)".into());
        }
        let mut seen = Vec::new();
        for start in [1, 2] {
            let request = Request::new(Method::Get, "/Users")
                .query("startIndex", start.to_string())
                .query("count", "1");
            let line = request.line();
            match self.query(request).await {
                Ok(page) if page.is_empty() => {
                    return Outcome::Warn(format!(
                        "{line} answered no user although two exist: paging cannot be followed"
                    ))
                }
                Ok(page) if page.len() == 1 => {
                    seen.push(page[0].get("id").and_then(Value::as_str).unwrap_or_default().to_string())
                }
                Ok(page) => {
                    return Outcome::unsent(
                        format!("{line} answered {} users: count is a maximum the SP must not exceed (RFC 7644 §3.4.2.4); Microsoft's gallery validation pages /Users", page.len()),
                    )
                }
                Err(o) => return o,
            }
        }
        if seen[0] == seen[1] {
            return Outcome::unsent(
                format!(
                    "startIndex=1 and startIndex=2 gave the same user {}: startIndex is ignored (RFC 7644 §3.4.2.4)",
                    seen[0]
                ),
            );
        }
        Outcome::Pass
    }

    /// The manager changes to another user (the SCIM Validator's "Replace Manager": a replace
    /// with the new manager's bare id). `None` when it reads back so, or when no second
    /// manager could be created (noted).
    async fn replace_manager(&mut self, user: &str) -> Option<Outcome> {
        let u = &self.plan.user;
        let next = EntraUser {
            user_principal_name: format!("manager.{}", u.user_principal_name),
            mail_nickname: format!("manager.{}", u.mail_nickname),
            display_name: format!("Manager of {}", u.display_name),
            mail: format!("manager.{}", u.mail),
            ..u.clone()
        };
        let Some(next) = self.provision_extra(next).await else {
            self.notes.push(
                "replacing the manager by another user was not tried: no third user could be created"
                    .into(),
            );
            return None;
        };
        let path = format!("{}:manager", wire::ENTERPRISE_USER_SCHEMA);
        let op = self.plan.dialect.op("Replace");
        let body = wire::patch(vec![json!({"op": op, "path": path, "value": next})]);
        if let Err(o) = self.patch(format!("/Users/{user}"), body).await {
            return Some(o);
        }
        let doc = match self.read_user().await {
            Ok(d) => d,
            Err(o) => return Some(o),
        };
        let got = lookup(&doc, &path);
        match got.as_ref().and_then(|m| m.get("value")).and_then(Value::as_str) {
            Some(v) if v == next => None,
            _ => Some(Outcome::fail(
                format!(
                    "the manager was replaced by another user (a replace with the bare id {next:?}, as Entra sends a changed manager) but reads back as {}",
                    shown(got.as_ref())
                ),
                None,
            )),
        }
    }

    /// Creates one more user for a step (or adopts one an earlier run left), remembered for
    /// clean-up; its id.
    async fn provision_extra(&mut self, user: EntraUser) -> Option<String> {
        let id = self.create_or_adopt(&user).await?;
        self.extra_ids.push(id.clone());
        Some(id)
    }

    /// Removes the manager as the SCIM Validator does (a replace with `""`; a remove op when
    /// that is refused) and reads back.
    async fn remove_manager(&mut self, user: &str) -> Outcome {
        let path = format!("{}:manager", wire::ENTERPRISE_USER_SCHEMA);
        let op = self.plan.dialect.op("Replace");
        let body = wire::patch(vec![json!({"op": op, "path": path, "value": ""})]);
        if let Err(refused) = self.patch(format!("/Users/{user}"), body).await {
            if matches!(refused, Outcome::Broken(_)) {
                return refused;
            }
            // Entra also removes a manager with a remove op; an SP may take only that.
            let remove = self.plan.dialect.op("Remove");
            let body = wire::patch(vec![json!({"op": remove, "path": path})]);
            if let Err(o) = self.patch(format!("/Users/{user}"), body).await {
                return o;
            }
            self.notes.push("a manager replace with \"\" (the SCIM Validator's removal) was refused; a remove op worked".into());
        }
        let doc = match self.read_user().await {
            Ok(d) => d,
            Err(o) => return o,
        };
        let left = lookup(&doc, &format!("{path}.value"));
        match left.as_ref().and_then(Value::as_str).filter(|v| !v.is_empty()) {
            None => Outcome::Pass,
            Some(v) => Outcome::fail(
                format!("the manager was removed (a replace with \"\", as the SCIM Validator sends) but still reads back as {v:?}"),
                None,
            ),
        }
    }

    async fn group_excluded_members(&mut self) -> Outcome {
        let group = match self.group_id() {
            Ok(g) => g,
            Err(o) => return o,
        };
        let request = Request::new(Method::Get, format!("/Groups/{group}"))
            .query("excludedAttributes", "members");
        let line = request.line();
        let response = match self.send(request).await {
            Ok(r) => r,
            Err(o) => return o,
        };
        if let Err(o) = self.expect(&line, &response, &[200]) {
            return o;
        }
        match self.json(&line, &response) {
            Ok(doc) if doc.get("members").and_then(Value::as_array).is_some_and(|m| !m.is_empty()) => {
                Outcome::Warn("members are returned although excludedAttributes=members: Entra reads every group on every cycle, so large groups make cycles slow".into())
            }
            Ok(_) => Outcome::Pass,
            Err(o) => o,
        }
    }

    async fn group_rename(&mut self) -> Outcome {
        let group = match self.group_id() {
            Ok(g) => g,
            Err(o) => return o,
        };
        let renamed = format!("{} (renamed)", self.plan.group.display_name);
        let body = self
            .plan
            .dialect
            .replace(None, &[("displayName", &renamed)]);
        if let Err(o) = self.patch(format!("/Groups/{group}"), body).await {
            return o;
        }
        match self.read(format!("/Groups/{group}")).await {
            Ok(doc) if doc.get("displayName") == Some(&json!(renamed)) => Outcome::Pass,
            Ok(doc) => Outcome::fail(
                format!(
                    "the PATCH was answered as a success but displayName is {}",
                    shown(doc.get("displayName"))
                ),
                None,
            ),
            Err(o) => o,
        }
    }

    async fn delete(&mut self, collection: &str, group: bool) -> Outcome {
        let id = match if group {
            self.group_id()
        } else {
            self.user_id()
        } {
            Ok(id) => id,
            Err(o) => return o,
        };
        if !group {
            let extra = std::mem::take(&mut self.extra_ids);
            for other in self.colleague_id.take().into_iter().chain(extra) {
                // Clean up; Entra would delete them in its own cycle.
                let _ = self
                    .send(Request::new(Method::Delete, format!("/Users/{other}")))
                    .await;
            }
        }
        let path = format!("{collection}/{id}");
        let request = Request::new(Method::Delete, path.clone());
        let line = request.line();
        let response = match self.send(request).await {
            Ok(r) => r,
            Err(o) => return o,
        };
        if let Err(o) = self.expect(&line, &response, &[204, 200]) {
            return o;
        }
        let request = Request::new(Method::Get, path);
        let line = request.line();
        let response = match self.send(request).await {
            Ok(r) => r,
            Err(o) => return o,
        };
        if response.status != 404 {
            return Outcome::fail(
                format!(
                    "after DELETE, {line} answered {}, not 404: the resource is still there (RFC 7644 §3.6: an SP may keep it, but must answer 404 for it)",
                    response.status
                ),
                None,
            );
        }
        let outcome = match serde_json::from_str::<Value>(&response.body) {
            Ok(doc)
                if wire::has_schema(&doc, wire::ERROR)
                    && doc.get("status").is_some_and(Value::is_string) =>
            {
                Outcome::Pass
            }
            _ => Outcome::Warn(format!(
                "{line}'s 404 is not a SCIM Error with a status string (RFC 7644 §3.12)"
            )),
        };
        // The SCIM Validator deletes twice: the second must be 404 too.
        let again = Request::new(Method::Delete, format!("{collection}/{id}"));
        match self.send(again).await {
            Ok(r) if r.status == 404 => {}
            Ok(r) => self.notes.push(format!(
                "deleting it again answered {}, not 404 (RFC 7644 §3.6)",
                r.status
            )),
            Err(o) => return o,
        }
        outcome
    }
}

/// The value at a simple SCIM path: `a`, `a.b`, or `emails[type eq "work"].value`.
pub fn lookup(doc: &Value, path: &str) -> Option<Value> {
    if let Some((attr, rest)) = path.split_once('[') {
        let (filter, sub) = rest.split_once(']')?;
        let (key, value) = filter.split_once(" eq ")?;
        let value: Value = serde_json::from_str(value.trim()).ok()?;
        let item = doc
            .get(attr)?
            .as_array()?
            .iter()
            .find(|item| item.get(key.trim()) == Some(&value))?;
        return match sub.strip_prefix('.') {
            Some(sub) => item.get(sub).cloned(),
            None => Some(item.clone()),
        };
    }
    // An extension's attributes live under its URN, whose own dots (`2.0`) are not steps.
    let is_urn = path
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
    let (mut at, path) = match is_urn.then_some(()).and(path.rsplit_once(':')) {
        // Attribute names and URNs compare without regard to case (RFC 7643 §2.1).
        Some((urn, attribute)) => (
            doc.as_object()?
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(urn))
                .map(|(_, value)| value)?,
            attribute,
        ),
        None => (doc, path),
    };
    for part in path.split('.') {
        at = at.get(part)?;
    }
    Some(at.clone())
}

/// `text` with upper and lower case swapped.
fn swap_case(text: &str) -> String {
    // ASCII only: a Unicode mapping (ß → SS) makes another name, not a case variant.
    text.chars()
        .map(|c| {
            if c.is_ascii_uppercase() {
                c.to_ascii_lowercase()
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect()
}

/// What is wrong with `path` in a read-back `doc` that should hold `want`, if anything; a
/// value kept in other letter case is named as such (the write was applied, not as sent).
fn read_back(doc: &Value, path: &str, want: &Value) -> Option<String> {
    let got = lookup(doc, path);
    if got.as_ref() == Some(want) {
        return None;
    }
    let case_only = matches!((got.as_ref(), want), (Some(Value::String(g)), Value::String(w)) if g.to_lowercase() == w.to_lowercase());
    let how = if case_only {
        ", stored in other letter case than sent"
    } else {
        ""
    };
    Some(format!(
        "{path} is {}{how} (expected {want})",
        shown(got.as_ref())
    ))
}

fn shown(value: Option<&Value>) -> String {
    value.map_or_else(|| "missing".to_string(), Value::to_string)
}

/// The first 200 characters of a body, on one line.
fn excerpt(body: &str) -> String {
    let flat: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.is_empty() {
        return "(empty body)".into();
    }
    match flat.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_back_in_other_letter_case_is_named_so() {
        let doc = json!({"userName": "b.simon@x.test", "displayName": "B"});
        assert_eq!(read_back(&doc, "displayName", &json!("B")), None);
        assert_eq!(
            read_back(&doc, "userName", &json!("B.Simon@x.test")).unwrap(),
            "userName is \"b.simon@x.test\", stored in other letter case than sent (expected \"B.Simon@x.test\")"
        );
        assert_eq!(
            read_back(&doc, "nickName", &json!("b")).unwrap(),
            "nickName is missing (expected \"b\")"
        );
    }

    #[test]
    fn lookup_reads_an_extension_attribute_by_its_urn() {
        let doc = json!({wire::ENTERPRISE_USER_SCHEMA: {"manager": {"value": "m1"}, "department": "Sales"}});
        let path = |a: &str| format!("{}:{a}", wire::ENTERPRISE_USER_SCHEMA);
        assert_eq!(lookup(&doc, &path("manager.value")), Some(json!("m1")));
        assert_eq!(lookup(&doc, &path("department")), Some(json!("Sales")));
        assert_eq!(lookup(&doc, &path("costCenter")), None);
        let shouting = path("department").replacen("urn:ietf", "URN:IETF", 1);
        assert_eq!(lookup(&doc, &shouting), Some(json!("Sales")));
    }

    #[test]
    fn lookup_follows_entra_s_paths() {
        let doc = json!({"name": {"givenName": "B"}, "emails": [{"type": "home", "value": "h"}, {"type": "work", "value": "w"}]});
        assert_eq!(lookup(&doc, "name.givenName"), Some(json!("B")));
        assert_eq!(
            lookup(&doc, "emails[type eq \"work\"].value"),
            Some(json!("w"))
        );
        assert_eq!(lookup(&doc, "emails[type eq \"other\"].value"), None);
        assert_eq!(lookup(&doc, "title"), None);
    }

    #[test]
    fn every_step_id_is_named_once() {
        let mut names: Vec<_> = STEPS.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), STEPS.len());
    }

    #[test]
    fn statuses_map_to_provisioning_log_codes() {
        assert_eq!(entra_code(409), "EntryConflict");
        assert_eq!(entra_code(404), "InvalidAnchor");
        assert_eq!(entra_code(503), "InternalServerError");
        assert_eq!(entra_code(400), INCOMPATIBLE);
    }
}
