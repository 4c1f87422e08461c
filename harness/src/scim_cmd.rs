//! `saml-harness scim`: Entra's provisioning service replayed against an SP's SCIM endpoint,
//! each step judged in the terms of Entra's provisioning logs.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use reference_sp::scim::{ScimConfig, ScimFlaw, ScimState};
use scim::dialect::Dialect;
use scim::lifecycle::{self, Outcome, Plan, Request, Response, Step, Transport};
use scim::mapping::{EntraGroup, EntraUser};
use serde_json::json;

use crate::run_cmd::ReportKind;
use crate::{say, UsageError};

const EXIT_FAILED: u8 = 1;
const EXIT_COULD_NOT_RUN: u8 = 3;

/// Largest SCIM answer read.
pub const MAX_ANSWER: usize = 1024 * 1024;

const SCIM_HELP: &str = "WHAT IT SENDS (as Entra's provisioning service does, one step at a time):
    Test Connection (a userName filter with a random GUID), the matching query, POST /Users,
    a read-back, a query in other letter case, a duplicate POST, PATCHes for an update, a UPN
    change, a disable and an enable, then a group: query with excludedAttributes=members,
    POST /Groups (empty), member add and remove, rename, DELETE; finally DELETE of the user.
    Every PATCH is read back: an SP that answers 200 and changes nothing fails.

DIALECTS:
    default           capitalised ops (Replace), active as the string \"False\", members removed
                      by a value list: what a tenant URL without a flag gets
    aadOptscim062020  lowercase ops, booleans, one path-less replace with dotted keys, members
                      removed by members[value eq \"…\"]: a tenant URL ending ?aadOptscim062020
    both              the whole lifecycle once in each

VERDICTS:
    pass, warn (works with Entra, not as Microsoft asks), fail (with the code Entra's
    provisioning log shows, or a note that Entra would log success while the SP is wrong),
    skip (a step it needs failed), error (no answer: could not run)

LIMITS:
    each request times out after --timeout (default 10 s); answers over 1 MiB are cut off and
    judged an error; redirects are not followed.

EXIT STATUS:
    0 no step failed, 1 a step failed, 2 usage error, 3 could not run (no answer)

EXAMPLES:
    saml-harness scim --reference-sp
    saml-harness scim --reference-sp --scim-flaw scim-op-case-sensitive --dialect both
    saml-harness scim --reference-sp --vendor mixpanel   # Mixpanel's mapping: userName, displayName
    saml-harness scim --base-url https://app.example.com/scim/v2 --token \"$SCIM_TOKEN\"
    saml-harness scim --base-url http://127.0.0.1:7081/scim/v2 --token s3cret \\
      --on-demand --user B.Simon@contoso.com
    saml-harness scim --base-url http://127.0.0.1:8000/scim/v2 \\
      --oauth https://app.example.com/oauth/token,CLIENT_ID,SECRET --report junit=scim.xml";

/// `scim`'s arguments.
#[derive(Args)]
#[command(after_help = SCIM_HELP)]
pub struct ScimArgs {
    /// The SP's SCIM base URL, as typed into Entra's Tenant URL (e.g. https://app/scim/v2).
    #[arg(long, value_name = "URL", required_unless_present = "reference_sp")]
    base_url: Option<String>,
    /// The Secret Token: sent as `Authorization: Bearer TOKEN`.
    #[arg(long, value_name = "TOKEN", conflicts_with = "oauth")]
    token: Option<String>,
    /// Fetch a token first by OAuth 2.0 client credentials: TOKEN_URL,CLIENT_ID,SECRET.
    #[arg(long, value_name = "TOKEN_URL,CLIENT_ID,SECRET")]
    oauth: Option<String>,
    /// Which PATCH dialect: default, aadOptscim062020 or both (default: aadOptscim062020 when
    /// the Tenant URL ends in ?aadOptscim062020, as in Entra, else default).
    #[arg(long, value_name = "NAME", value_parser = parse_dialects)]
    dialect: Option<DialectChoice>,
    /// The user Entra provisions, by UPN, from the tenant in --config (default: B.Simon).
    #[arg(long, value_name = "UPN")]
    user: Option<String>,
    /// The tenant's users (a mock-idp config; default: the built-in tenant).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// A vendor profile (bundled name or file) whose SCIM attribute mapping replaces Entra's
    /// default one (Mixpanel: userName and displayName).
    #[arg(long, value_name = "NAME|FILE")]
    vendor: Option<String>,
    /// The group Entra provisions, with the user as member.
    #[arg(long, value_name = "NAME", default_value = "Sales")]
    group: String,
    /// Per-request time limit in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    timeout: u64,
    /// Also write a report (repeatable): junit=FILE, json=FILE or markdown=FILE.
    #[arg(long, value_name = "KIND=FILE", value_parser = crate::run_cmd::parse_report)]
    report: Vec<(ReportKind, PathBuf)>,
    /// Provision on demand: create the user (or update it when it matches), read it back and
    /// leave it there, as the portal's "Provision on demand" does; no group, no deletion.
    #[arg(long)]
    on_demand: bool,
    /// Run against the bundled reference SP's SCIM endpoint, started on 127.0.0.1.
    #[arg(long, help_heading = "Reference SP")]
    reference_sp: bool,
    /// Switch on one of the reference SP's SCIM flaws (repeatable; see `sp serve --help`).
    #[arg(long, value_name = "NAME", value_parser = parse_scim_flaw, requires = "reference_sp", help_heading = "Reference SP")]
    scim_flaw: Vec<ScimFlaw>,
}

/// The dialects a run takes.
#[derive(Clone, Debug)]
pub struct DialectChoice(Vec<Dialect>);

fn parse_dialects(s: &str) -> Result<DialectChoice, String> {
    if s.eq_ignore_ascii_case("both") {
        return Ok(DialectChoice(Dialect::ALL.to_vec()));
    }
    Dialect::from_name(s)
        .map(|d| DialectChoice(vec![d]))
        .ok_or_else(|| format!("unknown dialect {s:?}; use default, aadOptscim062020 or both"))
}

/// `--scim-flaw NAME`.
pub fn parse_scim_flaw(s: &str) -> Result<ScimFlaw, String> {
    ScimFlaw::from_name(s).ok_or_else(|| {
        format!(
            "unknown SCIM flaw {s:?}; known: {}",
            ScimFlaw::ALL.map(ScimFlaw::name).join(", ")
        )
    })
}

/// The tenant's user as Entra's directory holds it.
fn entra_user(config: &mock_idp::config::Config, upn: Option<&str>) -> Result<EntraUser> {
    let user = config.user(upn).ok_or_else(|| {
        UsageError(format!(
            "no user {:?} in the tenant; hint: it has {}",
            upn.unwrap_or_default(),
            config
                .users
                .iter()
                .map(|u| u.upn.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let extra = |name: &str| user.extra.get(name).cloned().unwrap_or_default();
    let nickname = user.upn.split('@').next().unwrap_or(&user.upn).to_string();
    Ok(EntraUser {
        user_principal_name: user.upn.clone(),
        mail_nickname: user.extra.get("mailnickname").cloned().unwrap_or(nickname),
        given_name: user.given_name.clone(),
        surname: user.surname.clone(),
        display_name: user.display_name.clone(),
        mail: user.mail.clone(),
        job_title: extra("jobtitle"),
        department: extra("department"),
        employee_id: extra("employeeid"),
    })
}

/// Runs `scim`.
pub fn run(args: ScimArgs) -> Result<ExitCode> {
    if let Some((_, path)) = args
        .report
        .iter()
        .find(|(kind, _)| matches!(kind, ReportKind::Sarif | ReportKind::Html))
    {
        return Err(UsageError(format!(
            "scim writes junit, json or markdown reports, not {:?}; hint: --report junit=scim.xml",
            path.display().to_string()
        ))
        .into());
    }
    let config = match &args.config {
        Some(path) => {
            mock_idp::config::Config::load(path).map_err(|e| UsageError(e.to_string()))?
        }
        None => mock_idp::config::Config::builtin(),
    };
    let user = entra_user(&config, args.user.as_deref())?;
    let mapping = match &args.vendor {
        None => scim::mapping::Mapping::default(),
        Some(v) => {
            let profile = crate::vendor::load(v).map_err(|e| UsageError(e.to_string()))?;
            if profile.provisioning != crate::vendor::Provisioning::Scim {
                return Err(UsageError(format!(
                    "the {} profile does not provision over SCIM ({:?}); hint: `saml-harness vendor list` shows which do",
                    profile.name, profile.provisioning
                ))
                .into());
            }
            if profile.scim_attributes.is_empty() {
                scim::mapping::Mapping::default()
            } else {
                scim::mapping::Mapping::only(profile.scim_attributes.clone())
            }
        }
    };
    let group = EntraGroup {
        display_name: args.group.clone(),
        object_id: uuid::Uuid::new_v4().to_string(),
    };
    crate::runtime::block_on(async move {
        let (base_url, token, _server) = if args.reference_sp {
            let token = uuid::Uuid::new_v4().simple().to_string();
            let (addr, server) = serve_reference(token.clone(), args.scim_flaw.clone()).await?;
            (format!("http://{addr}/scim/v2"), Some(token), Some(server))
        } else {
            let base = args.base_url.clone().unwrap_or_default();
            (base, None, None)
        };
        let (base_url, flagged) = check_base_url(&base_url)?;
        let dialects = dialects(&args, flagged)?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(args.timeout.max(1)))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let token = match (&args.oauth, token.or(args.token.clone())) {
            (Some(oauth), _) => Some(client_credentials(&client, oauth).await?),
            (None, token) => token,
        };
        say!(
            "SCIM {base_url}: Entra's provisioning service, user {}, group {:?}",
            user.user_principal_name,
            group.display_name
        );
        let mut transport = HttpTransport {
            client,
            base_url: base_url.clone(),
            token: token.clone(),
        };
        let mut steps = Vec::new();
        for dialect in &dialects {
            let plan = Plan {
                dialect: *dialect,
                user: user.clone(),
                group: group.clone(),
                has_credentials: token.is_some(),
                on_demand: args.on_demand,
                mapping: mapping.clone(),
            };
            let done = lifecycle::run(&plan, &mut transport, print_step).await;
            steps.extend(done);
        }
        summary(&steps);
        for (kind, path) in &args.report {
            write_report(*kind, path, &base_url, &steps)
                .with_context(|| format!("cannot write the report {}", path.display()))?;
        }
        Ok(exit_code(&steps))
    })
}

/// The SCIM base URL without its query, and whether the query carried Entra's
/// `aadOptscim062020` flag.
fn check_base_url(base: &str) -> Result<(String, bool)> {
    let mut url = url::Url::parse(base).map_err(|e| {
        UsageError(format!(
            "--base-url {base:?} is not a URL ({e}); hint: the Tenant URL, e.g. https://app.example.com/scim/v2"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UsageError(format!("--base-url {base:?} must be http or https")).into());
    }
    let flagged = url.query().is_some_and(|q| {
        q.split('&')
            .any(|p| p.eq_ignore_ascii_case(Dialect::Scim062020.name()))
    });
    url.set_query(None);
    url.set_fragment(None);
    Ok((url.as_str().trim_end_matches('/').to_string(), flagged))
}

/// The dialects to run: asked for, or told by the Tenant URL's flag.
fn dialects(args: &ScimArgs, flagged: bool) -> Result<Vec<Dialect>> {
    let chosen = match (&args.dialect, flagged) {
        (Some(DialectChoice(d)), true) if !d.contains(&Dialect::Scim062020) => {
            return Err(UsageError(
                "the Tenant URL ends in ?aadOptscim062020, so Entra sends the aadOptscim062020 dialect; hint: drop --dialect or the flag".into(),
            )
            .into())
        }
        (Some(DialectChoice(d)), _) => d.clone(),
        (None, true) => vec![Dialect::Scim062020],
        (None, false) => vec![Dialect::Default],
    };
    if args.on_demand && chosen.contains(&Dialect::Scim062020) {
        return Err(UsageError(
            "Entra's provision on demand ignores the aadOptscim062020 flag (Microsoft's SCIM known issues): it always sends the default dialect; hint: drop --dialect with --on-demand".into(),
        )
        .into());
    }
    Ok(chosen)
}

/// Starts the reference SP's SCIM endpoint on 127.0.0.1 (a free port).
async fn serve_reference(
    token: String,
    flaws: Vec<ScimFlaw>,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let state = ScimState::new(ScimConfig { token, flaws });
    let app = axum::Router::new().nest("/scim/v2", reference_sp::scim::app(state));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        mock_idp::serve::serve(listener, app, std::future::pending()).await;
    });
    Ok((addr, server))
}

/// Fetches an access token by the client-credentials grant.
async fn client_credentials(client: &reqwest::Client, oauth: &str) -> Result<String> {
    let parts: Vec<&str> = oauth.splitn(3, ',').collect();
    let [token_url, client_id, secret] = parts[..] else {
        return Err(UsageError(format!(
            "--oauth {oauth:?} is not TOKEN_URL,CLIENT_ID,SECRET"
        ))
        .into());
    };
    let answer = client
        .post(token_url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .with_context(|| format!("cannot reach the token endpoint {token_url}"))?;
    let status = answer.status();
    let body = read_bounded(answer)
        .await
        .map_err(|e| anyhow::anyhow!("the token endpoint {token_url} answered {status}: {e}"))?;
    let body: serde_json::Value = serde_json::from_slice(&body).with_context(|| {
        format!(
            "the token endpoint {token_url} answered {status} without JSON: {}",
            String::from_utf8_lossy(&body)
                .chars()
                .take(200)
                .collect::<String>()
        )
    })?;
    match body.get("access_token").and_then(|t| t.as_str()) {
        Some(token) if status.is_success() => Ok(token.to_string()),
        _ => anyhow::bail!(
            "the token endpoint {token_url} gave no access_token ({status}): {body}; hint: check the client id and secret"
        ),
    }
}

/// Sends SCIM requests over HTTP(S) with the bearer token.
struct HttpTransport {
    client: reqwest::Client,
    base_url: String,
    token: Option<String>,
}

impl Transport for HttpTransport {
    async fn send(&mut self, request: &Request) -> Result<Response, String> {
        let method = match request.method {
            lifecycle::Method::Get => reqwest::Method::GET,
            lifecycle::Method::Post => reqwest::Method::POST,
            lifecycle::Method::Patch => reqwest::Method::PATCH,
            lifecycle::Method::Delete => reqwest::Method::DELETE,
        };
        let mut builder = self
            .client
            .request(method, format!("{}{}", self.base_url, request.path))
            .query(&request.query);
        if let (true, Some(token)) = (request.authorized, &self.token) {
            builder = builder.bearer_auth(token);
        }
        if let Some(body) = &request.body {
            builder = builder
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/scim+json; charset=utf-8",
                )
                .body(body.to_string());
        }
        let answer = builder.send().await.map_err(|e| error_chain(&e))?;
        let status = answer.status().as_u16();
        let content_type = answer
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = read_bounded(answer).await?;
        Ok(Response {
            status,
            content_type,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }
}

/// An answer's body, up to [`MAX_ANSWER`] bytes (more is an error).
async fn read_bounded(mut answer: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = answer.chunk().await.map_err(|e| error_chain(&e))? {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(format!(
                "the answer is larger than {} KiB",
                MAX_ANSWER / 1024
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

fn print_step(step: &Step) {
    let word = step.outcome.word().to_uppercase();
    let exchanges: Vec<String> = step
        .exchanges
        .iter()
        .map(|(line, status)| match status {
            Some(s) => format!("{line} → {s}"),
            None => format!("{line} → no answer"),
        })
        .collect();
    say!("{word:<5} {:<42} {}", step.id, step.title);
    if let Some(detail) = step.outcome.detail() {
        say!("      {detail}");
    }
    if !exchanges.is_empty() && !matches!(step.outcome, Outcome::Pass) {
        say!("      sent: {}", exchanges.join(", "));
    }
}

fn count(steps: &[Step], word: &str) -> usize {
    steps.iter().filter(|s| s.outcome.word() == word).count()
}

fn summary(steps: &[Step]) {
    say!(
        "\n{} steps: {} pass, {} warn, {} fail, {} skip, {} error",
        steps.len(),
        count(steps, "pass"),
        count(steps, "warn"),
        count(steps, "fail"),
        count(steps, "skip"),
        count(steps, "error")
    );
}

fn exit_code(steps: &[Step]) -> ExitCode {
    if count(steps, "fail") > 0 {
        ExitCode::from(EXIT_FAILED)
    } else if count(steps, "error") > 0 {
        ExitCode::from(EXIT_COULD_NOT_RUN)
    } else {
        ExitCode::SUCCESS
    }
}

/// The run as JSON: `{"schema": 1, "base_url", "counts", "steps": [...]}`.
pub fn json_report(base_url: &str, steps: &[Step]) -> serde_json::Value {
    let counts: serde_json::Map<String, serde_json::Value> =
        ["pass", "warn", "fail", "skip", "error"]
            .iter()
            .map(|w| (w.to_string(), json!(count(steps, w))))
            .collect();
    json!({
        "schema": 1,
        "base_url": base_url,
        "counts": counts,
        "steps": steps.iter().map(|s| json!({
            "id": s.id,
            "title": s.title,
            "verdict": s.outcome.word(),
            "detail": s.outcome.detail(),
            "entra_code": s.outcome.entra_code(),
            "requests": s.exchanges.iter().map(|(line, status)| json!({"request": line, "status": status})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn write_report(
    kind: ReportKind,
    path: &std::path::Path,
    base_url: &str,
    steps: &[Step],
) -> Result<()> {
    let text = match kind {
        ReportKind::Json => serde_json::to_string_pretty(&json_report(base_url, steps))?,
        ReportKind::Junit => {
            let mut suite = TestSuite::new("scim");
            for s in steps {
                let status = match &s.outcome {
                    Outcome::Pass | Outcome::Warn(_) => TestCaseStatus::success(),
                    Outcome::Fail { .. } | Outcome::Broken(_) => {
                        let kind = if matches!(s.outcome, Outcome::Broken(_)) {
                            NonSuccessKind::Error
                        } else {
                            NonSuccessKind::Failure
                        };
                        let mut st = TestCaseStatus::non_success(kind);
                        st.set_message(s.outcome.detail().unwrap_or_default());
                        st
                    }
                    Outcome::Skip(why) => {
                        let mut st = TestCaseStatus::skipped();
                        st.set_message(why.clone());
                        st
                    }
                };
                let mut case = TestCase::new(s.id.clone(), status);
                case.set_classname("scim");
                if let Outcome::Warn(w) = &s.outcome {
                    case.set_system_out(format!("warn: {w}"));
                }
                suite.add_test_case(case);
            }
            let mut report = Report::new("saml-harness scim");
            report.add_test_suite(suite);
            report.to_string()?
        }
        ReportKind::Markdown => {
            let mut md = String::from("| step | verdict | detail |\n|---|---|---|\n");
            for s in steps {
                let detail = s
                    .outcome
                    .detail()
                    .unwrap_or_default()
                    .replace('|', "\\|")
                    .replace('\n', " ");
                md.push_str(&format!(
                    "| `{}` | {} | {} |\n",
                    s.id,
                    s.outcome.word(),
                    detail
                ));
            }
            md
        }
        ReportKind::Sarif | ReportKind::Html => {
            return Err(UsageError("scim writes junit, json or markdown reports".into()).into())
        }
    };
    std::fs::write(path, text)?;
    Ok(())
}
