//! `saml-harness conformance`: the good login, the control, then every selected catalogue check
//! against the SP each scenario describes; verdicts by who gets in, exit status by severity.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use attacks::{select, Check, Severity, CATALOGUE};
use clap::Args;
use serde::Deserialize;

use crate::run_cmd::{load, run_and_print, write_reports, RunOptions};
use crate::runner::{Outcome, Verdict};
use crate::scenario::{Case, Expect, Scenario};
use crate::{say, UsageError};

/// Exit status: something at or above `--fail-on` is vulnerable.
const EXIT_VULNERABLE: u8 = 1;
/// Exit status: the run could not judge (baseline or control failed, SP unreachable).
const EXIT_UNJUDGED: u8 = 3;

/// Arguments of `conformance`.
#[derive(Args)]
#[command(after_help = "VERDICTS:
    pass            refused, or signed in the attacker's own identity only
    vulnerable      the attack worked under its capability (forged identity in, stale token
                    honoured)
    nonstrict       accepted what the spec says MUST be refused, with no standalone exploit
    inconclusive    the good login or the control failed: a refusal proves nothing
    not-applicable  the check needs something this run lacks (reason says what)
    error           the harness could not run the case

SCENARIO FILES:
    YAML, at most 1 MiB each; ${NAME} is replaced by the environment variable NAME.

CANARY:
    Fetch probes (xxe/, dsig/reference/remote-uri, dsig/transform/xslt, dsig/keyinfo/)
    name URLs on a listener the run serves on 127.0.0.1 (random port, a prefix per check, 32
    requests kept per check) and one file per probe in the temporary directory, removed at
    the end. Any request is `vulnerable`; none is `pass` only for an ACS on loopback, else
    `inconclusive`. An SP in a container, or one that fetches through an HTTP proxy, cannot
    reach 127.0.0.1: run it on the host's network (no proxy), or bind the canary where it
    can (--canary-listen 0.0.0.0:8099 --canary-url http://host.docker.internal:8099).
    enc/cipher-reference/file and /key-file write the IdP's ciphertext (the assertion's, the
    wrapped key's) into the probe's file and name it by a file:// URI: a login proves the SP
    read it; a refusal is `pass` only when the scenario says sp.shares_tmp: true (the SP
    reads this machine's /tmp), else it is `not-applicable`. xxe/file/ checks name an empty
    file there whose opens the harness sees through Linux's inotify: an open is
    `vulnerable` (`inconclusive` if a control file no document names was opened too);
    none is `pass` only with sp.shares_tmp (an SP under systemd's PrivateTmp, SELinux,
    AppArmor or PHP's open_basedir cannot open it: leave sp.shares_tmp out there).
    xxe/php-filter/ checks reach the listener through PHP's php://filter wrapper.

IDP METADATA THE SP RE-READS:
    meta/ checks need the scenario's sp.reload_idp_metadata, a shell command that makes the
    SP trust the IdP metadata in the file {metadata} names (cp {metadata} /etc/app/idp.xml &&
    systemctl reload app); without it they are `not-applicable`. Each writes metadata with a
    key made for it, runs the command, waits up to --reload-timeout until the SP acts on it
    (a login by a key it lists works, or one by a key it dropped stops working, two polls in
    a row; 429, 502, 503 and 504 prove nothing), posts its forgery, then gives the SP its original
    metadata back the same way. {metadata} is already shell-quoted, and removed after the
    check. They run alone after the other checks, before dos/. --reference-sp sets the
    command up itself. Ctrl-C during one stops the command and first gives the SP its
    original metadata back (or says where that metadata is kept when that fails), then exits
    130.

DENIAL OF SERVICE:
    dos/ checks run last, one at a time, after the good login works. Each posts, in two
    rounds and from fresh logins, a yardstick (a same-size message without the burden's cost)
    and its burden, timing both; the good login must work after each round. A session opened
    by the burden, the good login failing, or the burden unanswered within --request-timeout
    or >= 500 ms and >= 10x the fastest yardstick in both rounds is `vulnerable` (3x where
    the yardstick costs a careful SP as much, as for dos/many-attributes, whose yardstick
    holds the same attributes spread out); a yardstick unanswered, or every burden over 500
    ms and between half the ratio (at least 2x) and the bar, is `inconclusive`. A burden
    answered 413 is `inconclusive` (a body limit hid its cost), but for
    dos/raw-xml-oversize, whose size is the point: there 413 is the defence. Leave them out
    with --skip dos.

DECRYPTION ORACLE:
    enc/decryption-oracle posts ciphertexts that fail at different stages (a bad CBC
    padding; a plaintext that is not well-formed; an empty Assertion; the IdP's Assertion
    with a broken signature), each three times from fresh logins, and compares the ACS's
    status, where it redirects (query values stable between rounds) and its page (digits and
    long tokens masked; only when stable between rounds): told apart is `vulnerable`; a
    variant whose status or redirect changed between rounds, or a 429/502/503/504, is
    `inconclusive`. Timing and the page a redirect lands on are not compared.

EXAMPLES:
    saml-harness conformance --reference-sp                    # the bundled careful SP
    saml-harness conformance --reference-sp --flaw external-entities --only xxe
    saml-harness conformance --reference-sp --flaw xsw-root-assertion --only xsw
    SP_URL=http://127.0.0.1:8080 saml-harness conformance my-sp.yaml --report json=c.json
    saml-harness conformance my-sp.yaml --skip prot/replay --expect known.yaml --fail-on medium
    saml-harness conformance --list --json
    saml-harness conformance --explain xsw/3
    saml-harness conformance --reference-sp --profile entra-app-validator --flows sp,idp \\
      --identity-mapping objectid     # Microsoft's App Validator scenarios, offline

EXIT STATUS:
    0 nothing at or above --fail-on is vulnerable (expected verdicts from --expect excluded)
    1 something is
    2 usage or scenario-file error
    3 could not judge: the good login or the control failed, or a case could not run
    130 interrupted (Ctrl-C) during a meta/ check, its metadata given back first")]
pub struct ConformanceArgs {
    /// Scenario files (or directories) describing the SP; their accept case gives the identity.
    #[arg(value_name = "SCENARIO")]
    paths: Vec<PathBuf>,
    /// Run against the bundled reference SP and mock IdP, started on 127.0.0.1.
    #[arg(long)]
    reference_sp: bool,
    /// With --reference-sp: switch one of its checks off (repeatable; see `sp serve --help`).
    #[arg(long, value_name = "NAME", requires = "reference_sp", value_parser = |s: &str| reference_sp::Flaw::from_name(s).ok_or_else(|| format!("unknown flaw {s:?}; see `saml-harness sp serve --help`")))]
    flaw: Vec<reference_sp::Flaw>,
    /// Run only checks matching SEL: an id or id prefix by whole segments (`xsw`, `sig/keyinfo`),
    /// a research id (`XSW-03`) or a tag (`cve-2024-45409`). Repeatable.
    #[arg(long, value_name = "SEL", help_heading = "Selection")]
    only: Vec<String>,
    /// Leave out checks matching SEL (same forms as --only). Repeatable.
    #[arg(long, value_name = "SEL", help_heading = "Selection")]
    skip: Vec<String>,
    /// Known deviations: a YAML list of `{id: GLOB, verdict: WORD, reason: TEXT}`.
    #[arg(long, value_name = "FILE")]
    expect: Option<PathBuf>,
    /// Lowest severity whose `vulnerable` or `nonstrict` verdict makes the exit status 1.
    #[arg(long, value_name = "LEVEL", default_value = "high", value_parser = ["critical", "high", "medium", "low", "never"])]
    fail_on: String,
    /// List the catalogue and exit.
    #[arg(long, help_heading = "Catalogue")]
    list: bool,
    /// With --list: JSON instead of a table.
    #[arg(long, requires = "list", help_heading = "Catalogue")]
    json: bool,
    /// Explain one check: what it sends (an example), why, what the SP must do, how to fix it.
    #[arg(long, value_name = "ID", help_heading = "Catalogue")]
    explain: Option<String>,
    /// Run a profile instead of the catalogue: `entra-app-validator`, the SAML scenarios of
    /// Microsoft's Entra App Validator (Working certificate, Expired certificate, Single Logout
    /// per declared flow, and the identity-mapping declaration), reported in its terms.
    #[arg(long, value_name = "NAME", value_parser = ["entra-app-validator"], help_heading = "Profile")]
    profile: Option<String>,
    /// With --profile: the sign-in flows the app declares (sp, idp, or sp,idp).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        value_name = "FLOW",
        default_value = "sp",
        help_heading = "Profile"
    )]
    flows: Vec<crate::validator::Flow>,
    /// With --profile: the token value the app matches its user by: objectid, upn, email,
    /// employeeid, samaccountname or claim:NAME.
    #[arg(long, value_name = "VALUE", value_parser = crate::validator::Mapping::parse, requires = "profile", help_heading = "Profile")]
    identity_mapping: Option<crate::validator::Mapping>,
    /// With --profile: the SP's sign-out URL, which must send a LogoutRequest to the IdP
    /// (Single Logout); without it the scenario is recorded as not supported.
    #[arg(
        long,
        value_name = "URL",
        requires = "profile",
        help_heading = "Profile"
    )]
    logout_url: Option<String>,
    #[command(flatten)]
    options: RunOptions,
}

/// One known deviation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expectation {
    id: String,
    verdict: String,
    reason: String,
}

fn glob(pattern: &str, id: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => id.starts_with(prefix),
        None => pattern == id,
    }
}

/// `saml-harness conformance`.
pub fn run(args: ConformanceArgs) -> Result<ExitCode> {
    if args.list {
        list(args.json);
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(id) = &args.explain {
        explain(id)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(profile) = &args.profile {
        return run_profile(profile, &args);
    }
    let checks = select::select(&args.only, &args.skip).map_err(UsageError)?;
    if checks.is_empty() {
        return Err(UsageError(
            "--only/--skip leave no check to run; hint: `saml-harness conformance --list` shows what each selects".into(),
        )
        .into());
    }
    let expectations: Vec<Expectation> = match &args.expect {
        None => Vec::new(),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| UsageError(format!("cannot read {}: {e}", p.display())))?;
            serde_saphyr::from_str(&text).map_err(|e| {
                UsageError(format!(
                    "{}: {e}\n  hint: a list of `- {{id: prot/replay, verdict: vulnerable, reason: why}}`",
                    p.display()
                ))
            })?
        }
    };
    for e in &expectations {
        if !Outcome::ALL.iter().any(|o| o.word() == e.verdict) {
            return Err(UsageError(format!(
                "{}: verdict {:?} for {:?} is not a verdict word; hint: use pass, vulnerable, nonstrict, inconclusive, not-applicable or error",
                args.expect.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
                e.verdict,
                e.id
            ))
            .into());
        }
    }
    if args.paths.is_empty() && !args.reference_sp {
        return Err(UsageError(
            "give a SCENARIO file describing the SP, or --reference-sp; hint: see scenarios/examples/01-login.yaml".into(),
        )
        .into());
    }
    let result: Result<ExitCode> = crate::runtime::block_on(async move {
        let (_servers, scenarios) = if args.reference_sp {
            let (servers, scenarios) = reference_sp_scenarios(&args.flaw, &args.paths).await?;
            (Some(servers), scenarios)
        } else {
            (None, load(&args.paths, &|n| std::env::var(n).ok())?)
        };
        let scenarios: Vec<Scenario> = scenarios
            .into_iter()
            .map(|s| with_checks(s, &checks))
            .collect();
        let threshold = threshold(&args.fail_on);
        // Under --fail-fast: the first verdict that makes the exit status non-zero.
        let fails = |v: &Verdict| {
            let foreseen =
                foreseen(&expectations, &v.id).is_some_and(|e| e.verdict == v.outcome.word());
            let mut v = v.clone();
            v.expected = foreseen.then(String::new);
            gates(&v, threshold) || unjudged(&v)
        };
        let crate::run_cmd::Ran {
            mut verdicts,
            notes,
        } = run_and_print(&scenarios, &args.options, &fails).await?;
        apply_expectations(&mut verdicts, &expectations);
        for v in verdicts.iter_mut() {
            v.gating = gates(v, threshold);
        }
        write_reports(&args.options, &verdicts, &notes)?;
        Ok(exit_status(&verdicts))
    });
    // Exit 1 means "vulnerable" here: anything else that stops the run could not judge.
    match result {
        Err(e) if !e.is::<UsageError>() => {
            eprintln!("error: {e:#}");
            Ok(ExitCode::from(EXIT_UNJUDGED))
        }
        other => other,
    }
}

/// `--profile entra-app-validator`: the validator's scenarios per scenario file, its table,
/// the reports; exit 0 when every required scenario passed, 1 when one failed, 3 when one
/// could not run.
fn run_profile(profile: &str, args: &ConformanceArgs) -> Result<ExitCode> {
    use crate::validator::{Flow, Plan};
    if args.options.uses_chromium() {
        return Err(UsageError(format!(
            "--profile {profile} drives the SP with the built-in HTTP client; hint: leave out --driver chromium"
        ))
        .into());
    }
    if args.paths.is_empty() && !args.reference_sp {
        return Err(UsageError(
            "give a SCENARIO file describing the SP, or --reference-sp; hint: see scenarios/examples/01-login.yaml".into(),
        )
        .into());
    }
    let mut flows: Vec<Flow> = Vec::new();
    for f in &args.flows {
        if !flows.contains(f) {
            flows.push(*f);
        }
    }
    let plan = Plan {
        flows: flows.clone(),
        logout_url: args.logout_url.clone(),
        mapping: args.identity_mapping.clone(),
    };
    crate::runtime::block_on(async {
        let (_servers, scenarios) = if args.reference_sp {
            // The bundled SP stands in for an app that supports the flows declared, and Single
            // Logout (at its /logout, unless --logout-url says otherwise).
            let needs = reference_sp::server::Requirements {
                idp_initiated: flows.contains(&Flow::Idp),
                single_logout: true,
                ..Default::default()
            };
            let (servers, scenarios) =
                reference_sp_scenarios_with(&args.flaw, &args.paths, needs).await?;
            (Some(servers), scenarios)
        } else {
            (None, load(&args.paths, &|n| std::env::var(n).ok())?)
        };
        if let Some(s) = scenarios.iter().find(|s| s.idp_url.is_some()) {
            return Err(UsageError(format!(
                "{}: --profile {profile} signs as the mock tenant (a working and an expired certificate), so it cannot use the running IdP of `idp.url`; hint: leave idp.url out and point the SP at the built-in tenant's metadata (`saml-harness idp metadata`)",
                s.file.display()
            ))
            .into());
        }
        let mut verdicts = Vec::new();
        let mut required_failed = false;
        let mut required_unrun = false;
        for s in &scenarios {
            say!(
                "\n{} ({})",
                crate::report::printable(&s.name),
                s.file.display()
            );
            let mut plan = plan.clone();
            if args.reference_sp && plan.logout_url.is_none() {
                plan.logout_url =
                    s.sp.sign_on_url
                        .strip_suffix("/login")
                        .map(|base| format!("{base}/logout"));
            }
            let rows = crate::validator::run(
                s,
                &plan,
                args.options.limits(),
                saml_protocol::system_clock(),
            )
            .await;
            say!("{}", crate::validator::render(&rows, &flows));
            for r in rows.iter().filter(|r| r.required) {
                match r.verdict.outcome {
                    Outcome::Pass => {}
                    Outcome::Fail | Outcome::Vulnerable | Outcome::Nonstrict => {
                        required_failed = true
                    }
                    _ => required_unrun = true,
                }
            }
            verdicts.extend(rows.into_iter().map(|r| r.verdict));
        }
        write_reports(&args.options, &verdicts, &[])?;
        Ok(if required_failed {
            ExitCode::from(EXIT_VULNERABLE)
        } else if required_unrun {
            ExitCode::from(EXIT_UNJUDGED)
        } else {
            ExitCode::SUCCESS
        })
    })
}

/// Starts the bundled mock IdP and reference SP (with `flaws`) on 127.0.0.1 and loads
/// `paths` against them (told how the SP re-reads its IdP metadata), or the built-in login
/// scenario when none are given; the servers run while the first value is held.
pub(crate) async fn reference_sp_scenarios(
    flaws: &[reference_sp::Flaw],
    paths: &[PathBuf],
) -> Result<(crate::demo::Servers, Vec<Scenario>)> {
    reference_sp_scenarios_with(flaws, paths, Default::default()).await
}

/// [`reference_sp_scenarios`] with an SP that demands `needs`.
async fn reference_sp_scenarios_with(
    flaws: &[reference_sp::Flaw],
    paths: &[PathBuf],
    needs: reference_sp::server::Requirements,
) -> Result<(crate::demo::Servers, Vec<Scenario>)> {
    let servers = crate::demo::start_with(flaws.iter().copied().collect(), false, needs).await?;
    let (idp_url, sp_url) = (servers.idp_url.clone(), servers.sp_url.clone());
    say!("mock Entra IdP  {idp_url}\nreference SP    {sp_url}");
    let vars = |n: &str| match n {
        "SP_URL" => Some(sp_url.clone()),
        "IDP_URL" => Some(idp_url.clone()),
        _ => std::env::var(n).ok(),
    };
    let scenarios = if paths.is_empty() {
        vec![crate::demo::login_scenario(&idp_url, &sp_url)?]
    } else {
        load(paths, &vars)?
    };
    let scenarios = servers.with_reload(scenarios);
    Ok((servers, scenarios))
}

/// The scenario's accept cases (or a plain good login), then every selected check.
fn with_checks(mut s: Scenario, checks: &[&'static Check]) -> Scenario {
    let mut cases: Vec<Case> = s
        .cases
        .iter()
        .filter(|c| c.expect == Expect::Accept)
        .cloned()
        .collect();
    if cases.is_empty() {
        cases.push(Case::good_login());
    }
    cases.extend(checks.iter().map(|c| Case {
        id: c.id.to_owned(),
        name: c.title.to_owned(),
        expect: Expect::Reject,
        identity: None,
        attack: Some(c),
        mutations: None,
    }));
    s.cases = cases;
    s
}

/// The expectation for case `id`: the first whose glob matches.
fn foreseen<'e>(expectations: &'e [Expectation], id: &str) -> Option<&'e Expectation> {
    expectations.iter().find(|e| glob(&e.id, id))
}

/// Marks verdicts a `--expect` file foresaw, and says when a foreseen failure now passes.
fn apply_expectations(verdicts: &mut [Verdict], expectations: &[Expectation]) {
    for v in verdicts.iter_mut() {
        let Some(e) = foreseen(expectations, &v.id) else {
            continue;
        };
        if v.outcome.word() == e.verdict {
            v.expected = Some(e.reason.clone());
            say!("expected: {} {} — {}", v.id, e.verdict, e.reason);
        } else if v.outcome == Outcome::Pass {
            say!(
                "note: {} was expected to be {} ({}) but now passes; remove it from the expectations file",
                v.id, e.verdict, e.reason
            );
            v.reason = format!(
                "{} (expected {} per --expect, now passes: remove the expectation)",
                v.reason, e.verdict
            );
        }
    }
}

fn severity_rank(s: Severity) -> u8 {
    match s {
        Severity::Critical => 4,
        Severity::High => 3,
        Severity::Medium => 2,
        Severity::Low => 1,
    }
}

/// The lowest severity rank `--fail-on LEVEL` fails on (`never`: none).
fn threshold(fail_on: &str) -> u8 {
    match fail_on {
        "critical" => 4,
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => u8::MAX,
    }
}

/// Whether `v` fails the run: an unexpected vulnerable or nonstrict verdict at or above the
/// threshold.
fn gates(v: &Verdict, threshold: u8) -> bool {
    v.expected.is_none()
        && matches!(v.outcome, Outcome::Vulnerable | Outcome::Nonstrict)
        && v.severity.is_some_and(|s| severity_rank(s) >= threshold)
}

/// Whether `v` leaves the run unjudged (exit 3): an unexpected inconclusive, error or failed
/// good login.
fn unjudged(v: &Verdict) -> bool {
    v.expected.is_none()
        && matches!(
            v.outcome,
            Outcome::Inconclusive | Outcome::Error | Outcome::Fail
        )
}

/// The exit status for `verdicts` (their `gating` already set).
fn exit_status(verdicts: &[Verdict]) -> ExitCode {
    if verdicts.iter().any(|v| v.gating) {
        return ExitCode::from(EXIT_VULNERABLE);
    }
    let unjudged = verdicts.iter().any(unjudged);
    let checks: Vec<&Verdict> = verdicts.iter().filter(|v| v.severity.is_some()).collect();
    let nothing_tested =
        !checks.is_empty() && checks.iter().all(|v| v.outcome == Outcome::NotApplicable);
    if unjudged || nothing_tested {
        ExitCode::from(EXIT_UNJUDGED)
    } else {
        ExitCode::SUCCESS
    }
}

fn list(json: bool) {
    if json {
        let all: Vec<serde_json::Value> = CATALOGUE
            .iter()
            .map(|c| serde_json::to_value(c).unwrap_or_default())
            .collect();
        say!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
        return;
    }
    let width = CATALOGUE.iter().map(|c| c.id.len()).max().unwrap_or(0);
    say!(
        "{:<width$} {:<9} {:<5} {:<9} TITLE",
        "ID",
        "SEVERITY",
        "TM",
        "RESEARCH"
    );
    for c in CATALOGUE {
        say!(
            "{:<width$} {:<9} {:<5} {:<9} {}",
            c.id,
            c.severity.name(),
            c.capability.code(),
            c.research_id,
            c.title
        );
    }
    say!(
        "\n{} checks. Select with --only/--skip by id segment, research id or tag.",
        CATALOGUE.len()
    );
}

fn explain(id: &str) -> Result<()> {
    let check = select::by_id(id).ok_or_else(|| {
        UsageError(format!(
            "no check {id:?}; hint: `saml-harness conformance --list` shows the ids"
        ))
    })?;
    say!("{} — {}", check.id, check.title);
    say!(
        "research id: {}   severity: {}   capability: {}   seed: {:?}",
        check.research_id,
        check.severity.name(),
        check.capability.code(),
        check.seed
    );
    say!("references:  {}", check.references.join("; "));
    say!("the SP must: {}", check.must);
    say!("to fix:      {}", check.fix);
    say!("payload:     {}", check.provenance);
    match crate::sample::forged_example(check) {
        Ok(xml) => {
            say!("\nexample of what it posts (for B.Simon, from the built-in tenant):\n{xml}")
        }
        Err(e) => say!("\n(no example: {e})"),
    }
    Ok(())
}
