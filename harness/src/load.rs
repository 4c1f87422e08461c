//! `saml-harness load`: how many Entra logins per second an SP's ACS survives. Complete
//! SP-initiated logins (or, with `--acs-only`, fresh unique signed responses posted straight to
//! the ACS), from concurrent workers, bounded in time and count, loopback unless told otherwise.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Args;
use serde::Serialize;

use crate::flow::{parse_url, Browser, Captured, Limits};
use crate::oracle::{probe, Session};
use crate::respond::{CaseEnd, Delivered, Responder};
use crate::runner::{idp_for, resolve_sp};
use crate::scenario::{self, Scenario};
use crate::{say, UsageError};

/// Arguments of `load`.
#[derive(Args)]
#[command(
    after_help = "Drives complete SP-initiated logins (sign-on URL → AuthnRequest → signed response → ACS)\n\
from concurrent workers and reports logins/s, latency percentiles, errors by kind, and whether\n\
sampled logins really produced a session. Responses are signed as they are needed; with\n\
--acs-only --pre-mint N the first N are signed before the clock starts.\n\n\
LIMITS:\n    Bounded by --duration (logins in flight then are cut off) and --max-logins; each request\n    by --request-timeout; targets must be loopback unless --allow-remote.\n\n\
EXAMPLES:\n    SP_URL=http://127.0.0.1:7081 saml-harness load scenarios/examples/01-login.yaml\n    saml-harness load sp.yaml --acs-only --concurrency 8 --duration 30 --report json=load.json"
)]
pub struct LoadArgs {
    /// The scenario file naming the SP (its first accept case's user signs in).
    #[arg(value_name = "SCENARIO")]
    scenario: PathBuf,
    /// Concurrent workers.
    #[arg(long, value_name = "N", default_value_t = 4)]
    concurrency: usize,
    /// Cap on logins started per second, all workers together (default: as fast as they go).
    #[arg(long, value_name = "N")]
    rate: Option<u32>,
    /// How long to run, in seconds: logins still in flight then are cut off, not waited for.
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    duration: u64,
    /// Per-request timeout, in seconds (at least 1).
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    request_timeout: u64,
    /// Stop after this many logins.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    max_logins: u64,
    /// Skip the sign-on step: answer one captured AuthnRequest again and again with fresh,
    /// unique signed responses posted straight to the ACS (each posting browser carries the
    /// cookies of the one that captured it, for SPs that bind a request to its browser).
    #[arg(long)]
    acs_only: bool,
    /// With --acs-only: sign N responses before the clock starts (all cores) and post those
    /// first, so the figure is the ACS's, not the signer's; past N, responses are signed on the
    /// fly. The output and report say how many were pre-minted.
    #[arg(long, value_name = "N", requires = "acs_only")]
    pre_mint: Option<usize>,
    /// Check every Nth login with the oracle (did it really produce a session?).
    #[arg(long, value_name = "N", default_value_t = 20)]
    sample_every: u64,
    /// Allow targets that are not on the loopback interface.
    #[arg(long)]
    allow_remote: bool,
    /// Write the result as JSON.
    #[arg(long, value_name = "json=FILE", value_parser = parse_json_report)]
    report: Option<PathBuf>,
}

fn parse_json_report(s: &str) -> Result<PathBuf, String> {
    s.strip_prefix("json=")
        .filter(|f| !f.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| format!("{s:?} is not json=FILE"))
}

/// What a load run does: `load`'s options, resolved.
#[derive(Clone, Debug)]
pub struct LoadPlan {
    /// Concurrent workers.
    pub concurrency: usize,
    /// Cap on logins started per second, all workers together.
    pub rate: Option<u32>,
    /// How long to run.
    pub duration: Duration,
    /// Per-request timeout.
    pub request_timeout: Duration,
    /// Stop after this many logins.
    pub max_logins: u64,
    /// Post fresh responses to one captured AuthnRequest straight to the ACS.
    pub acs_only: bool,
    /// With `acs_only`: responses signed before the clock starts.
    pub pre_mint: Option<usize>,
    /// Check every Nth login with the oracle.
    pub sample_every: u64,
    /// Print a progress line each second (stderr).
    pub progress: bool,
}

impl LoadArgs {
    fn plan(&self) -> LoadPlan {
        LoadPlan {
            concurrency: self.concurrency,
            rate: self.rate,
            duration: Duration::from_secs(self.duration),
            request_timeout: Duration::from_secs(self.request_timeout),
            max_logins: self.max_logins,
            acs_only: self.acs_only,
            pre_mint: self.pre_mint,
            sample_every: self.sample_every,
            progress: true,
        }
    }
}

/// The outcome of a load run.
#[derive(Debug, Default, Serialize)]
pub struct LoadReport {
    /// Logins attempted.
    pub attempted: u64,
    /// Logins whose ACS answered 2xx/3xx.
    pub succeeded: u64,
    /// Successful logins per second.
    pub logins_per_second: f64,
    /// Latency percentiles of successful logins, in milliseconds.
    pub latency_ms: BTreeMap<String, f64>,
    /// Failures by kind.
    pub errors: BTreeMap<String, u64>,
    /// Sampled logins checked with the oracle, and how many had a session.
    pub sampled: u64,
    /// Sampled logins that really produced a session.
    pub sampled_with_session: u64,
    /// Wall time of the run, in seconds.
    pub seconds: f64,
    /// What was driven.
    pub mode: String,
}

fn is_loopback(url: &str) -> bool {
    parse_url(url)
        .ok()
        .and_then(|u| u.host().map(|h| h.to_owned()))
        .is_some_and(|h| match h {
            url::Host::Domain(d) => d == "localhost",
            url::Host::Ipv4(ip) => ip.is_loopback(),
            url::Host::Ipv6(ip) => ip.is_loopback(),
        })
}

/// What the workers have seen so far.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: BTreeMap<String, u64>,
    sampled: u64,
    sampled_with_session: u64,
}

struct Shared {
    scenario: Scenario,
    responder: Responder,
    limits: Limits,
    origins: Vec<url::Url>,
    acs_only: Option<Captured>,
    /// With `--acs-only`: the ACS's URL and the cookies the browser that captured the request
    /// sends it, which every posting browser carries (an SP that binds its request to the
    /// browser refuses a response from any other).
    asker_cookies: Option<(url::Url, String)>,
    pre_minted: Mutex<Vec<Delivered>>,
    sample_every: u64,
    started: AtomicU64,
    max_logins: u64,
    deadline: Instant,
    tally: Mutex<Tally>,
}

impl Shared {
    fn record(&self, result: Result<Option<bool>, String>, took: Duration) {
        let mut t = self.tally.lock().unwrap_or_else(|p| p.into_inner());
        match result {
            Err(kind) => *t.errors.entry(kind).or_default() += 1,
            Ok(sampled) => {
                t.latencies.push(took);
                if let Some(session) = sampled {
                    t.sampled += 1;
                    t.sampled_with_session += u64::from(session);
                }
            }
        }
    }

    fn browser(&self) -> Browser {
        let origins: Vec<&url::Url> = self.origins.iter().collect();
        match &self.asker_cookies {
            Some((acs, cookies)) => Browser::with_cookies(self.limits, &origins, acs, cookies),
            None => Browser::new(self.limits, &origins),
        }
    }

    /// One login; returns the error kind on failure.
    /// One login in `reused` (a worker's own browser, for `--acs-only` posts that need no
    /// fresh cookie jar) or in a fresh browser (complete logins, and every sampled one).
    async fn login(&self, sample: bool, reused: &Browser) -> Result<Option<bool>, String> {
        let fresh;
        let browser = if self.acs_only.is_some() && !sample {
            reused
        } else {
            fresh = self.browser();
            &fresh
        };
        let captured = match &self.acs_only {
            Some(c) => c.clone(),
            None => browser
                .start_login(&parse_url(&self.scenario.sp.sign_on_url).map_err(|e| e.to_string())?)
                .await
                .map_err(|e| kind(&e.to_string()))?,
        };
        let minted = self
            .pre_minted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop();
        let delivered: Delivered = match minted {
            Some(d) => d,
            None => self.responder.respond(&captured).map_err(|e| match e {
                CaseEnd::Fail(m)
                | CaseEnd::Error(m)
                | CaseEnd::Unanswered(m)
                | CaseEnd::NotApplicable(m) => kind(&m),
            })?,
        };
        let fields = delivered.post.form_fields();
        let page = browser
            .post_form(
                &parse_url(&delivered.post.acs).map_err(|e| e.to_string())?,
                &fields,
            )
            .await
            .map_err(|e| kind(&e.to_string()))?;
        if page.status >= 400 {
            return Err(format!("ACS answered {}", page.status));
        }
        if !sample {
            return Ok(None);
        }
        let _ = browser.follow(page).await;
        let session = probe(browser, &self.scenario.sp.oracle)
            .await
            .map_err(|e| kind(&e.to_string()))?;
        Ok(Some(matches!(session, Session::SignedIn { .. })))
    }
}

/// A short error kind for grouping (the message up to its first colon).
fn kind(message: &str) -> String {
    message
        .split(": ")
        .nth(1)
        .unwrap_or(message)
        .chars()
        .take(80)
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Option<f64> {
    let i = ((sorted.len().checked_sub(1)? as f64) * p).round() as usize;
    Some(sorted.get(i)?.as_secs_f64() * 1000.0)
}

/// Signs `n` unique responses to `captured` on every core, before the clock starts.
async fn pre_mint(responder: &Responder, captured: &Captured, n: usize) -> Result<Vec<Delivered>> {
    let cores = std::thread::available_parallelism().map_or(2, |c| c.get());
    let tasks: Vec<_> = (0..cores)
        .map(|i| {
            let (responder, captured) = (responder.clone(), captured.clone());
            let count = n / cores + usize::from(i < n % cores);
            tokio::task::spawn_blocking(move || {
                (0..count)
                    .map(|_| responder.respond(&captured))
                    .collect::<Result<Vec<_>, _>>()
            })
        })
        .collect();
    let mut all = Vec::with_capacity(n);
    for t in tasks {
        all.extend(
            t.await?
                .map_err(|e| anyhow::anyhow!("cannot mint a response: {e:?}"))?,
        );
    }
    Ok(all)
}

/// `saml-harness load`.
pub fn load(args: LoadArgs) -> Result<ExitCode> {
    let scenario = scenario::load_file(&args.scenario, &|n| std::env::var(n).ok())
        .map_err(|e| UsageError(e.to_string()))?;
    if !args.allow_remote {
        for url in [&scenario.sp.sign_on_url, &scenario.sp.oracle.url] {
            if !is_loopback(url) {
                return Err(UsageError(format!("{url} is not on the loopback interface; hint: load only SPs you run, or pass --allow-remote")).into());
            }
        }
    }
    if args.concurrency == 0 {
        return Err(UsageError("--concurrency must be at least 1".into()).into());
    }
    crate::runtime::block_on(async {
        let report = drive(&args.plan(), scenario, args.allow_remote).await?;
        print_and_save(&report, args.report.as_deref())
    })
}

/// Runs the load `plan` describes against `scenario`'s SP (its ACS must be on the loopback
/// interface unless `allow_remote`) and measures it.
pub async fn drive(plan: &LoadPlan, scenario: Scenario, allow_remote: bool) -> Result<LoadReport> {
    let limits = Limits {
        request_timeout: plan.request_timeout,
        ..Limits::default()
    };
    let sp = resolve_sp(&scenario, limits).await.map_err(UsageError)?;
    if !allow_remote && !is_loopback(&sp.acs_url) {
        return Err(UsageError(format!(
            "the ACS {} is not on the loopback interface; hint: pass --allow-remote",
            sp.acs_url
        ))
        .into());
    }
    let idp = Arc::new(idp_for(&scenario, &sp));
    let origins = crate::runner::sp_origins(&scenario, &sp);
    let responder = Responder::new(
        idp,
        scenario.user.clone(),
        None,
        None,
        saml_protocol::system_clock(),
    );
    let (acs_only, asker_cookies) = if plan.acs_only {
        let origin_refs: Vec<&url::Url> = origins.iter().collect();
        let asker = Browser::new(limits, &origin_refs);
        let first = asker
            .start_login(&parse_url(&scenario.sp.sign_on_url)?)
            .await
            .context("cannot capture an AuthnRequest to answer")?;
        let acs = parse_url(&sp.acs_url)?;
        let cookies = asker.cookies(&acs).map(|c| (acs, c));
        (Some(first), cookies)
    } else {
        (None, None)
    };
    let pre_minted = match (&acs_only, plan.pre_mint) {
        (Some(captured), Some(n)) => pre_mint(&responder, captured, n).await?,
        _ => Vec::new(),
    };
    let mode = match (plan.acs_only, pre_minted.len()) {
        (false, _) => "complete SP-initiated logins, responses signed on the fly".to_owned(),
        (true, 0) => "fresh signed responses to one captured AuthnRequest, posted to the ACS, signed on the fly".to_owned(),
        (true, n) => format!("fresh signed responses to one captured AuthnRequest, posted to the ACS, {n} pre-minted (then signed on the fly)"),
    };
    if plan.progress {
        eprintln!(
            "load: {mode}; {} workers for {} s",
            plan.concurrency,
            plan.duration.as_secs()
        );
    }
    let shared = Arc::new(Shared {
        scenario,
        responder,
        limits,
        origins,
        acs_only,
        asker_cookies,
        pre_minted: Mutex::new(pre_minted),
        sample_every: plan.sample_every.max(1),
        started: AtomicU64::new(0),
        max_logins: plan.max_logins,
        deadline: Instant::now() + plan.duration,
        tally: Mutex::default(),
    });
    let pace = plan
        .rate
        .map(|r| Duration::from_secs_f64(plan.concurrency as f64 / r.max(1) as f64));
    let begun = Instant::now();
    let progress = plan.progress.then(|| {
        let shared = shared.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let (ok, failed) = {
                    let t = shared.tally.lock().unwrap_or_else(|p| p.into_inner());
                    (t.latencies.len(), t.errors.values().sum::<u64>())
                };
                eprintln!(
                    "load: {:>5.1} s  {ok} ok, {failed} failed, {:.0} logins/s",
                    begun.elapsed().as_secs_f64(),
                    ok as f64 / begun.elapsed().as_secs_f64()
                );
            }
        })
    });
    let workers: Vec<_> = (0..plan.concurrency)
        .map(|_| {
            let shared = shared.clone();
            tokio::spawn(async move {
                let reused = shared.browser();
                while Instant::now() < shared.deadline {
                    let n = shared.started.fetch_add(1, Ordering::Relaxed);
                    if n >= shared.max_logins {
                        break;
                    }
                    let t = Instant::now();
                    // No login outlives --duration: one still running then is cut off.
                    let left = shared.deadline.saturating_duration_since(t);
                    let budget = shared.limits.case_timeout.min(left);
                    let result = tokio::time::timeout(
                        budget,
                        shared.login(n % shared.sample_every == 0, &reused),
                    )
                    .await;
                    let took = t.elapsed();
                    match result {
                        Err(_) if budget < shared.limits.case_timeout => break,
                        result => {
                            shared.record(result.unwrap_or_else(|_| Err("timed out".into())), took)
                        }
                    }
                    if let Some(p) = pace {
                        let left = shared.deadline.saturating_duration_since(Instant::now());
                        tokio::time::sleep(p.saturating_sub(took).min(left)).await;
                    }
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.await;
    }
    if let Some(progress) = progress {
        progress.abort();
    }
    let seconds = begun.elapsed().as_secs_f64();
    let Tally {
        mut latencies,
        errors,
        sampled,
        sampled_with_session,
    } = std::mem::take(&mut *shared.tally.lock().unwrap_or_else(|p| p.into_inner()));
    latencies.sort();
    let succeeded = latencies.len() as u64;
    let report = LoadReport {
        attempted: succeeded + errors.values().sum::<u64>(),
        succeeded,
        logins_per_second: succeeded as f64 / seconds,
        latency_ms: [("p50", 0.5), ("p90", 0.9), ("p99", 0.99)]
            .iter()
            .filter_map(|(k, p)| Some((k.to_string(), percentile(&latencies, *p)?)))
            .collect(),
        errors,
        sampled,
        sampled_with_session,
        seconds,
        mode,
    };
    Ok(report)
}

/// Prints `report`, writes it as JSON to `path` when given, and says how `load` exits.
fn print_and_save(report: &LoadReport, path: Option<&std::path::Path>) -> Result<ExitCode> {
    let seconds = report.seconds;
    match (
        report.latency_ms.get("p50"),
        report.latency_ms.get("p90"),
        report.latency_ms.get("p99"),
    ) {
        (Some(p50), Some(p90), Some(p99)) => say!(
            "{:.0} logins/s ({} ok of {} in {:.1} s); latency p50 {p50:.1} ms, p90 {p90:.1} ms, p99 {p99:.1} ms",
            report.logins_per_second,
            report.succeeded,
            report.attempted,
            seconds
        ),
        _ => say!(
            "no login succeeded ({} attempted in {:.1} s), so there is no latency to report",
            report.attempted,
            seconds
        ),
    }
    say!(
        "sessions: {} of {} sampled logins produced one",
        report.sampled_with_session,
        report.sampled
    );
    for (kind, n) in &report.errors {
        say!("error: {n} × {kind}");
    }
    if let Some(path) = path {
        std::fs::write(path, serde_json::to_vec_pretty(report)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let healthy = report.succeeded > 0
        && report.errors.is_empty()
        && report.sampled_with_session == report.sampled;
    Ok(if healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
