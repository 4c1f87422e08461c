//! `saml-harness run` and `saml-harness demo`: load scenarios, run them, report.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;

use crate::canary::CanaryOptions;
use crate::flow::Limits;
use crate::report::{self, Human};
use std::sync::Arc;

use crate::driver::chromium::Chromium;
use crate::driver::Driver;
use crate::runner::{run_scenario, Event, Outcome, Verdict};
use crate::scenario::{self, Scenario};
use crate::{say, UsageError};

/// Limits, output and `--jobs`, shared by `run`, `conformance`, `demo` and `fuzz`.
#[derive(Args, Clone)]
pub struct RunOptions {
    /// Write a report: `html=FILE` (one page to read: filterable verdicts, each login's
    /// messages and the forged response's difference), `junit=FILE`, `json=FILE`,
    /// `markdown=FILE` (a CI step summary) or `sarif=FILE` (SARIF 2.1.0, for code scanning).
    /// Repeatable.
    #[arg(long, value_name = "KIND=FILE", value_parser = parse_report)]
    report: Vec<(ReportKind, PathBuf)>,
    /// Show each decoded AuthnRequest and SAMLResponse.
    #[arg(long, short, conflicts_with = "quiet")]
    verbose: bool,
    /// Print only the cases that did not pass, and the summary.
    #[arg(long, short)]
    quiet: bool,
    /// Stop at the first case that fails the run (`run`, `demo`: any case that did not pass;
    /// `conformance`: what makes its exit status non-zero; `fuzz`: after the batch, or with
    /// --jobs the round of batches, that found the first vulnerable case). Reports hold the
    /// verdicts so far.
    #[arg(long)]
    fail_fast: bool,
    /// Colour verdicts: auto (a terminal, and NO_COLOR unset), always or never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorArg::Auto)]
    color: ColorArg,
    /// Redirects followed per navigation.
    #[arg(long, value_name = "N", default_value_t = 10, help_heading = "Limits")]
    max_redirects: usize,
    /// Largest response body read from the SP, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 2 * 1024 * 1024, help_heading = "Limits")]
    max_body: usize,
    /// Per-request timeout, in seconds (at least 1).
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..),
        help_heading = "Limits"
    )]
    request_timeout: u64,
    /// Time allowed for one case, in seconds (at least 1).
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..),
        help_heading = "Limits"
    )]
    case_timeout: u64,
    /// Time allowed for the scenario's `sp.reload_idp_metadata` command to run and for the SP
    /// to act on the metadata it installs (the `meta/` checks), in seconds (at least 1).
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..),
        help_heading = "Limits"
    )]
    reload_timeout: u64,
    /// Checks run at once, each in its own browser session (fuzz: batches at once, default 1,
    /// and which chains a seed draws depends on it); verdicts still come in catalogue order.
    /// Default: the machine's cores (1 under --driver chromium). Before running checks side
    /// by side, a pre-flight makes 2×N logins over HTTP (every AuthnRequest before any ACS
    /// post) and reads every session again: an SP that keeps fewer sessions per user would end one check's accepted forgery with
    /// another's login (a refusal by mistake), and one that refuses logins side by side would
    /// refuse forgeries for that, so then checks run one at a time, with a note saying why
    /// (also when the sign-on page needs JavaScript). A refusal that
    /// came as 5xx or 429, a check the SP did not answer, a refusal that ran beside either,
    /// and (with several jobs) a check that could not run are run again alone once the good
    /// login works; sign-out checks run alone before the rest.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=64))]
    jobs: Option<u64>,
    /// Who plays the browser: the built-in HTTP client, or headless Chromium (for sign-on
    /// pages that need JavaScript).
    #[arg(long, value_enum, default_value_t = DriverArg::Http)]
    driver: DriverArg,
    /// The Chromium binary for `--driver chromium`.
    #[arg(long, value_name = "PATH", default_value = crate::driver::chromium::DEFAULT_CHROMIUM)]
    chromium: String,
    /// Where the canary listener for fetch probes binds (beyond loopback only when asked).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0", value_parser = crate::parse_listen, help_heading = "Canary")]
    canary_listen: std::net::SocketAddr,
    /// The base URL the SP reaches the canary at, when that is not 127.0.0.1 (an SP in a
    /// container: http://host.docker.internal:8099 with --canary-listen 0.0.0.0:8099).
    #[arg(long, value_name = "URL", help_heading = "Canary")]
    canary_url: Option<url::Url>,
}

/// `--color`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ColorArg {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl ColorArg {
    /// Whether to colour output going to stdout.
    fn on(self) -> bool {
        use std::io::IsTerminal as _;
        match self {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        }
    }
}

/// `--driver`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum DriverArg {
    /// The built-in HTTP client with a cookie jar.
    Http,
    /// Headless Chromium.
    Chromium,
}

/// A report format.
#[derive(Clone, Copy, Debug)]
pub enum ReportKind {
    /// A self-contained HTML page.
    Html,
    /// JUnit XML.
    Junit,
    /// JSON.
    Json,
    /// Markdown.
    Markdown,
    /// SARIF 2.1.0.
    Sarif,
}

/// `KIND=FILE`, its directory checked now rather than after a long run.
/// `--report KIND=FILE`.
pub fn parse_report(s: &str) -> Result<(ReportKind, PathBuf), String> {
    let (kind, file) = match s.split_once('=') {
        Some(("html", f)) if !f.is_empty() => (ReportKind::Html, PathBuf::from(f)),
        Some(("junit", f)) if !f.is_empty() => (ReportKind::Junit, PathBuf::from(f)),
        Some(("json", f)) if !f.is_empty() => (ReportKind::Json, PathBuf::from(f)),
        Some(("markdown" | "md", f)) if !f.is_empty() => (ReportKind::Markdown, PathBuf::from(f)),
        Some(("sarif", f)) if !f.is_empty() => (ReportKind::Sarif, PathBuf::from(f)),
        _ => {
            return Err(format!(
                "{s:?} is not KIND=FILE; use html=report.html, junit=report.xml, json=report.json, markdown=summary.md or sarif=results.sarif"
            ))
        }
    };
    match file.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) if !dir.is_dir() => Err(format!(
            "the directory {:?} of report {:?} does not exist; hint: create it first (mkdir -p {})",
            dir.display().to_string(),
            file.display().to_string(),
            dir.display()
        )),
        _ => Ok((kind, file)),
    }
}

impl RunOptions {
    /// The canary settings, checked: a listener beyond loopback needs the URL the SP uses.
    pub(crate) fn canary(&self) -> Result<CanaryOptions, UsageError> {
        if !self.canary_listen.ip().is_loopback() && self.canary_url.is_none() {
            return Err(UsageError(format!(
                "--canary-listen {} binds beyond loopback but no --canary-url says where the SP reaches it; hint: add --canary-url http://HOST:{}",
                self.canary_listen,
                self.canary_listen.port()
            )));
        }
        if let Some(url) = &self.canary_url {
            // A URL the SP is told to use must lead to this listener, or a silent canary
            // would read as a pass.
            let port = url.port_or_known_default();
            if self.canary_listen.port() == 0 || port != Some(self.canary_listen.port()) {
                return Err(UsageError(format!(
                    "--canary-url {url} must name the port --canary-listen binds ({}); hint: give both the same fixed port, e.g. --canary-listen 0.0.0.0:8099 --canary-url http://HOST:8099",
                    self.canary_listen
                )));
            }
            let remote = !matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
            if remote && self.canary_listen.ip().is_loopback() {
                return Err(UsageError(format!(
                    "--canary-url {url} names another host, but --canary-listen {} only accepts loopback connections; hint: --canary-listen 0.0.0.0:{}",
                    self.canary_listen,
                    self.canary_listen.port()
                )));
            }
        }
        Ok(CanaryOptions {
            listen: self.canary_listen,
            url: self.canary_url.as_ref().map(|u| u.to_string()),
        })
    }

    /// The browser `--driver` asks for (Chromium is launched now).
    pub(crate) fn driver(&self) -> Result<Driver, UsageError> {
        Ok(match self.driver {
            DriverArg::Http => Driver::Http,
            DriverArg::Chromium => Driver::Chromium(Arc::new(
                Chromium::launch(&self.chromium).map_err(UsageError)?,
            )),
        })
    }

    /// Whether `--driver chromium` was asked for.
    pub(crate) fn uses_chromium(&self) -> bool {
        matches!(self.driver, DriverArg::Chromium)
    }

    /// `--verbose`.
    pub(crate) fn verbose(&self) -> bool {
        self.verbose
    }

    /// `--quiet`.
    pub(crate) fn quiet(&self) -> bool {
        self.quiet
    }

    /// `--fail-fast`.
    pub(crate) fn fail_fast(&self) -> bool {
        self.fail_fast
    }

    /// `--jobs` as given (None: not given).
    pub(crate) fn asked_jobs(&self) -> Option<usize> {
        self.jobs.map(|n| n as usize)
    }

    /// `--jobs`, or its default: the machine's cores (at most 64), or 1 under Chromium.
    pub(crate) fn jobs(&self) -> usize {
        match (self.jobs, self.driver) {
            (Some(n), _) => n as usize,
            (None, DriverArg::Chromium) => 1,
            (None, DriverArg::Http) => {
                std::thread::available_parallelism().map_or(1, |n| n.get().min(64))
            }
        }
    }

    /// The limits `--max-redirects`, `--max-body`, `--request-timeout`, `--case-timeout` and
    /// `--reload-timeout` set.
    pub(crate) fn limits(&self) -> Limits {
        Limits {
            max_redirects: self.max_redirects,
            max_body: self.max_body,
            request_timeout: Duration::from_secs(self.request_timeout),
            case_timeout: Duration::from_secs(self.case_timeout),
            reload_timeout: Duration::from_secs(self.reload_timeout),
        }
    }
}

/// A scenario file with the keys people use, shown by `run --help` (a test loads it).
const SCENARIO_SKETCH: &str = "name: my-sp
sp:
  sign_on_url: ${SP_URL}/login          # where an SP-initiated login starts
  metadata: ${SP_URL}/saml/metadata     # entity ID and ACS (or entity_id: and acs_url:)
  oracle:
    url: ${SP_URL}/me                   # the protected page: 2xx means signed in
    identity: {json_pointer: /name_id}  # who it shows (or {regex: 'user: ([^<]+)<'})
user: B.Simon@contoso.com               # who signs in (default: the IdP's first user)
cases:
  - {expect: accept, identity: B.Simon@contoso.com}
  - attacks: [sig/, xsw/]               # catalogue checks, by id segment
";

/// `run --help`'s closing text: the scenario format, where the checks are listed, examples.
fn run_help() -> String {
    let sketch: String = SCENARIO_SKETCH
        .lines()
        .map(|l| format!("      {l}\n"))
        .collect();
    format!(
        "SCENARIO FILES:\n    YAML, at most 1 MiB each; ${{NAME}} is replaced by the environment variable NAME.\n{sketch}    \
         More keys (a running IdP's idp.url, idp.settings, vendor:, return_to:, ...): README.md,\n    \
         \"Scenario files\"; examples in scenarios/examples/. Check one with `saml-harness validate`.\n\n\
         CHECKS:\n    `saml-harness conformance --list` lists the catalogue's {} checks (id, severity, title);\n    \
         `saml-harness conformance --explain ID` shows one, with an example of what it posts.\n\n\
         EXAMPLES:\n    SP_URL=http://127.0.0.1:7081 saml-harness run scenarios/examples/\n    \
         saml-harness run my-sp.yaml --report junit=saml.xml --report html=saml.html\n    \
         saml-harness run my-sp.yaml --verbose --fail-fast\n\n\
         EXIT STATUS:\n    0 every case met its expectation or does not apply; 1 some did not (failed, vulnerable,\n    \
         nonstrict, could not run, or inconclusive); 2 usage or scenario-file error",
        attacks::CATALOGUE.len()
    )
}

/// Arguments of `run`.
#[derive(Args)]
#[command(after_help = run_help())]
pub struct RunArgs {
    /// Scenario files or directories of them.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    options: RunOptions,
}

/// Loads every scenario under `paths`, resolving `${VAR}` with `vars`.
pub fn load(paths: &[PathBuf], vars: &dyn Fn(&str) -> Option<String>) -> Result<Vec<Scenario>> {
    let mut all = Vec::new();
    for p in paths {
        all.extend(scenario::load_path(p, vars).map_err(|e| UsageError(e.to_string()))?);
    }
    Ok(all)
}

/// Whether a verdict fails a `run` or `demo`: anything but pass and not-applicable.
pub fn fails_run(v: &Verdict) -> bool {
    !matches!(v.outcome, Outcome::Pass | Outcome::NotApplicable)
}

/// What a run gave: the verdicts, and its notes (each `scenario: text`, how many checks ran
/// at once and why), for the reports.
pub struct Ran {
    /// Every verdict, in order.
    pub verdicts: Vec<Verdict>,
    /// The run's notes.
    pub notes: Vec<String>,
}

/// Runs scenarios with the human reporter on stdout (cases as they finish, then the table);
/// with `--fail-fast`, stops at the first verdict `fails` says fails the run.
pub async fn run_and_print(
    scenarios: &[Scenario],
    options: &RunOptions,
    fails: &(dyn Fn(&Verdict) -> bool + Sync),
) -> Result<Ran> {
    let driver = options.driver()?;
    let canary = options.canary()?;
    let style = report::Style {
        verbose: options.verbose,
        quiet: options.quiet,
        color: options.color.on(),
    };
    let mut human = Human::new(std::io::stdout(), style);
    let mut verdicts: Vec<Verdict> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let stop = tokio::sync::Notify::new();
    for (i, s) in scenarios.iter().enumerate() {
        let before = verdicts.len();
        let mut failed: Option<String> = None;
        let mut emit = |e: Event| {
            // With several jobs, verdicts finished beside the one that stopped the run may
            // still arrive: the run stopped at that one, so they are not reported.
            if failed.is_some() {
                return;
            }
            human.event(&e);
            match e {
                Event::CaseFinished(v) => {
                    if options.fail_fast && failed.is_none() && fails(&v) {
                        failed = Some(v.id.clone());
                        stop.notify_one();
                    }
                    verdicts.push(*v);
                }
                Event::Note(text) => notes.push(format!("{}: {text}", s.name)),
                Event::ScenarioStarted { .. } => {}
            }
        };
        let run = run_scenario(
            s,
            options.limits(),
            options.jobs(),
            driver.clone(),
            saml_protocol::system_clock(),
            &canary,
            &mut emit,
        );
        // Dropping the run stops its cases in flight; the verdicts so far are kept.
        tokio::select! {
            _ = run => {}
            _ = stop.notified() => {}
        }
        if let Some(id) = failed {
            // Controls are reported beside the scenario's cases, so this may undercount.
            let left = s.cases.len().saturating_sub(verdicts.len() - before);
            say!(
                "\nstopped at {id} (--fail-fast): {left} case(s) of {} and {} later scenario(s) not run",
                report::printable(&s.name),
                scenarios.len() - i - 1
            );
            break;
        }
    }
    human.summary(&verdicts);
    Ok(Ran { verdicts, notes })
}

/// Writes the reports `--report` asked for (the JSON and Markdown ones carry `notes`).
pub fn write_reports(options: &RunOptions, verdicts: &[Verdict], notes: &[String]) -> Result<()> {
    for (kind, path) in &options.report {
        match kind {
            ReportKind::Html => crate::html::write(path, verdicts, notes),
            ReportKind::Json => report::write_json(path, verdicts, notes),
            ReportKind::Junit => report::write_junit(path, verdicts, notes),
            ReportKind::Markdown => report::write_markdown(path, verdicts, notes),
            ReportKind::Sarif => crate::sarif::write(path, verdicts, notes),
        }
        .with_context(|| format!("cannot write report {}", path.display()))?;
    }
    Ok(())
}

/// Runs scenarios, reports, and exits 0 only if every case met its expectation.
pub async fn execute(scenarios: &[Scenario], options: &RunOptions) -> Result<ExitCode> {
    let Ran { verdicts, notes } = run_and_print(scenarios, options, &fails_run).await?;
    write_reports(options, &verdicts, &notes)?;
    // A check that does not apply is no failure; everything else must pass.
    let all_pass = !verdicts.iter().any(fails_run);
    Ok(if all_pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `saml-harness run`.
pub fn run(args: RunArgs) -> Result<ExitCode> {
    let scenarios = load(&args.paths, &|n| std::env::var(n).ok())?;
    crate::runtime::block_on(execute(&scenarios, &args.options))
}

/// Arguments of `demo`.
#[derive(Args)]
#[command(
    after_help = "Starts the mock IdP and the reference SP on 127.0.0.1 (ephemeral ports) and runs the\nexample scenarios against them, with SP_URL set to the reference SP and IDP_URL to the IdP.\n\nEXAMPLES:\n    saml-harness demo\n    saml-harness demo --flaw replay          # watch the replay case fail"
)]
pub struct DemoArgs {
    /// The scenarios to run.
    #[arg(long, value_name = "DIR", default_value = "scenarios/examples")]
    scenarios: PathBuf,
    /// Give the reference SP a flaw (repeatable), to see the matching case fail.
    #[arg(long, value_name = "NAME", value_parser = |s: &str| reference_sp::Flaw::from_name(s).ok_or_else(|| format!("unknown flaw {s:?}; see `saml-harness sp serve --help`")))]
    flaw: Vec<reference_sp::Flaw>,
    #[command(flatten)]
    options: RunOptions,
}

/// `saml-harness demo`.
pub fn demo(args: DemoArgs) -> Result<ExitCode> {
    if !args.scenarios.is_dir() {
        return Err(UsageError(format!(
            "the example scenarios are not at {:?} (relative to {}); hint: run `saml-harness demo` from the saml-harness checkout, pass --scenarios DIR, or run `saml-harness conformance --reference-sp`, which needs no files",
            args.scenarios.display().to_string(),
            std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default()
        ))
        .into());
    }
    crate::runtime::block_on(async move {
        let servers = crate::demo::start(args.flaw.into_iter().collect(), false).await?;
        let (idp_url, sp_url) = (&servers.idp_url, &servers.sp_url);
        say!("mock Entra IdP  {idp_url}\nreference SP    {sp_url}");
        let scenarios = load(std::slice::from_ref(&args.scenarios), &|n| match n {
            "SP_URL" => Some(sp_url.clone()),
            "IDP_URL" => Some(idp_url.clone()),
            _ => std::env::var(n).ok(),
        })?;
        execute(&servers.with_reload(scenarios), &args.options).await
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_scenario_sketch_in_run_help_is_a_valid_scenario() {
        let vars = |n: &str| (n == "SP_URL").then(|| "http://127.0.0.1:7081".to_owned());
        let s = crate::scenario::parse(
            super::SCENARIO_SKETCH,
            std::path::Path::new("my-sp.yaml"),
            &vars,
        )
        .unwrap();
        assert!(s.cases.len() > 10, "the attacks expand to checks");
    }
}
