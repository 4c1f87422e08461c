//! `saml-harness fuzz`: composes primitive edits of the IdP's signed response, posts each to
//! the SP's ACS after a fresh login, and reports what got anyone in that should not have.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use clap::Args;

use crate::fuzz::{self, Bench, Plan, Summary};
use crate::run_cmd::{load, write_reports, RunOptions};
use crate::runner::Outcome;
use crate::{say, UsageError};

/// Exit status: a chain got a forged identity in.
const EXIT_VULNERABLE: u8 = 1;
/// Exit status: the run could not judge (good login or control failed).
const EXIT_UNJUDGED: u8 = 3;

/// Arguments of `fuzz`.
#[derive(Args)]
#[command(after_help = "HOW IT WORKS:
    Each case is a fresh SP-initiated login; the IdP's correctly signed response is then
    edited by a chain of 1-4 primitives (grown to at most 6) drawn from --seed (copy the
    signed elements forged or verbatim, wrapped, in a foreign namespace or around the
    original; move, wrap or remove them; forge the identity in one; re-sign with the
    attacker's key, HMAC or a claimed DSA/ECDSA method; split the NameID with a comment, PI,
    CDATA, character or entity reference; add ID-like and xml: attributes, a DOCTYPE, a BOM
    or trailing bytes) and posted to the ACS. A chain is drawn again while one of its edits
    finds nothing in the mock IdP's Entra-shaped response; a case none of whose edits
    applies to the SP's actual response is not-applicable. Chains whose answer was new are
    grown further. Cases run in batches; every batch first re-checks the good login and the
    identity-switch control, so a refusal means something.

VERDICTS:
    vulnerable  a forged identity was signed in: a finding (exit 1)
    nonstrict   the genuine user was signed in from a document that is not well-formed or
                carries a DTD: reported, does not fail the run
    error       the ACS answered 5xx, hung past --case-timeout, or the good login stopped
                working afterwards (robustness): reported, does not fail the run
    pass        refused, or a still-valid document accepted for the genuine user
    not-applicable  none of the chain's edits found its element in this response

FINDINGS:
    Repeats of one answer class are counted, not listed again. Each finding is shrunk (an
    edit at a time, while the verdict holds) and, with --out DIR, written to
    DIR/finding-N.json. Re-run one through `run` with a scenario case:
        cases:
          - {expect: accept}
          - {fuzz: findings/finding-1.json}

JOBS:
    --jobs N runs N batches at once, each with its own logins (default 1: a batch whose good
    login the SP refuses beside another cannot be judged; with N > 1, a pre-flight must show
    the SP keeps that many sessions of one user, otherwise one at a time);
    a case of a batch of several that got 5xx is run again alone after the round. The
    chains a seed draws depend on --jobs and --batch: a finding records both.

OUTPUT:
    A progress line per batch on stderr (--quiet: none); the findings at the end, each
    with its posted response under --verbose. --color has no effect here.

EXAMPLES:
    saml-harness fuzz --reference-sp --flaw signature-wrapping --seed 1 --max-cases 200
    saml-harness fuzz --reference-sp --flaw last-assertion --max-cases 3000 --fail-fast
    saml-harness fuzz --reference-sp --flaw first-text-node --only split-identity,bytes
    saml-harness fuzz --reference-sp --max-cases 1000        # the careful SP: expect nothing
    SP_URL=http://127.0.0.1:8080 saml-harness fuzz my-sp.yaml --duration 10m --out findings
    saml-harness fuzz my-sp.yaml --corpus fuzz-corpus --seed 2   # grow last night's corpus
    saml-harness fuzz my-sp.yaml --seed 7 --report junit=fuzz.xml --report json=fuzz.json

EXIT STATUS:
    0 no vulnerable finding
    1 a vulnerable finding (or the run failed: the message says which)
    2 usage or scenario-file error
    3 could not judge: the good login or the identity-switch control failed")]
pub struct FuzzArgs {
    /// The scenario describing the SP (its accept case gives the good login); with
    /// --reference-sp, optional.
    #[arg(value_name = "SCENARIO")]
    scenario: Option<PathBuf>,
    /// Fuzz the bundled reference SP and mock IdP, started on 127.0.0.1.
    #[arg(long)]
    reference_sp: bool,
    /// With --reference-sp: switch one of its checks off (repeatable; see `sp serve --help`).
    #[arg(long, value_name = "NAME", requires = "reference_sp", value_parser = |s: &str| reference_sp::Flaw::from_name(s).ok_or_else(|| format!("unknown flaw {s:?}; see `saml-harness sp serve --help`")))]
    flaw: Vec<reference_sp::Flaw>,
    /// The generator's seed: the same seed, --batch, --jobs, --only, corpus and SP answers draw
    /// the same chains.
    #[arg(long, value_name = "N", default_value_t = 1, help_heading = "Fuzzing")]
    seed: u64,
    /// Stop after this many cases.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..), help_heading = "Fuzzing")]
    max_cases: u64,
    /// Stop after this long (`90s`, `10m`, `2h`; checked between batches).
    #[arg(long, value_name = "TIME", default_value = "10m", value_parser = parse_duration, help_heading = "Fuzzing")]
    duration: Duration,
    /// Cases per batch; each batch re-checks the good login and the controls first.
    #[arg(long, value_name = "N", default_value_t = crate::fuzz::DEFAULT_BATCH, value_parser = clap::value_parser!(u64).range(1..=10_000), help_heading = "Fuzzing")]
    batch: u64,
    /// Keep findings as found, without shrinking them.
    #[arg(long, help_heading = "Fuzzing")]
    no_shrink: bool,
    /// Draw only these kinds of edit (comma-separated or repeated).
    #[arg(long, value_name = "KIND", value_delimiter = ',', value_parser = clap::builder::PossibleValuesParser::new(attacks::mutate::KINDS), help_heading = "Fuzzing")]
    only: Vec<String>,
    /// Keep the corpus in DIR between runs: its chains are grown from the start, and every
    /// chain with a new answer class is added (DIR is created).
    #[arg(long, value_name = "DIR", help_heading = "Fuzzing")]
    corpus: Option<PathBuf>,
    /// Write each finding's reproducer to DIR/finding-N.json (DIR is created).
    #[arg(long, value_name = "DIR", help_heading = "Fuzzing")]
    out: Option<PathBuf>,
    /// Send cases to an SP beyond this machine's loopback (off by default: a fuzzer floods).
    #[arg(long, help_heading = "Fuzzing")]
    allow_remote: bool,
    #[command(flatten)]
    options: RunOptions,
}

/// `90s`, `10m`, `2h` or plain seconds.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("{s:?} is not a duration; hint: 90s, 10m or 2h");
    let (number, unit) = s
        .find(|c: char| !c.is_ascii_digit())
        .map_or((s, ""), |i| s.split_at(i));
    let n: u64 = number.parse().map_err(|_| bad())?;
    let secs = match unit {
        "" | "s" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        _ => return Err(bad()),
    }
    .ok_or_else(bad)?;
    if secs == 0 {
        return Err(format!("{s:?} is no time at all; hint: at least 1s"));
    }
    Ok(Duration::from_secs(secs))
}

/// `saml-harness fuzz`.
pub fn run(args: FuzzArgs) -> Result<ExitCode> {
    if args.scenario.is_none() && !args.reference_sp {
        return Err(UsageError(
            "give a SCENARIO describing the SP, or --reference-sp; hint: see scenarios/examples/01-login.yaml".into(),
        )
        .into());
    }
    for (flag, dir) in [("--out", &args.out), ("--corpus", &args.corpus)] {
        if let Some(dir) = dir {
            std::fs::create_dir_all(dir)
                .map_err(|e| UsageError(format!("cannot create {flag} {}: {e}", dir.display())))?;
        }
    }
    crate::runtime::block_on(async move {
        let paths: Vec<PathBuf> = args.scenario.iter().cloned().collect();
        let (_servers, mut scenarios) = if args.reference_sp {
            let (servers, scenarios) =
                crate::conformance_cmd::reference_sp_scenarios(&args.flaw, &paths).await?;
            (Some(servers), scenarios)
        } else {
            (None, load(&paths, &|n| std::env::var(n).ok())?)
        };
        if scenarios.len() != 1 {
            return Err(UsageError(format!(
                "fuzz takes one scenario, {} were given; hint: name one file",
                scenarios.len()
            ))
            .into());
        }
        let scenario = scenarios.remove(0);
        if !args.allow_remote {
            // Every address the run will send logins to.
            let urls = [
                Some(scenario.sp.sign_on_url.as_str()),
                scenario.sp.acs_url.as_deref(),
                Some(scenario.sp.oracle.url.as_str()),
                scenario.idp_url.as_ref().map(|u| u.as_str()),
            ];
            for url in urls.into_iter().flatten() {
                refuse_remote(url)?;
            }
        }
        let bench = Bench {
            scenario: std::sync::Arc::new(scenario.clone()),
            limits: args.options.limits(),
            driver: args.options.driver()?,
            canary: args.options.canary()?,
        };
        let mut plan = Plan {
            seed: args.seed,
            max_cases: args.max_cases,
            duration: args.duration,
            batch: args.batch as usize,
            // One batch at a time unless asked: a batch whose good login the SP refuses beside
            // another (mod_auth_mellon answered 500 to two at once) cannot be judged at all,
            // where conformance runs such a check again alone.
            jobs: args.options.asked_jobs().unwrap_or(1),
            shrink: !args.no_shrink,
            fail_fast: args.options.fail_fast(),
            only: args.only.clone(),
            corpus: args.corpus.clone(),
            out: args.out.clone(),
        };
        let mut notes = Vec::new();
        if plan.jobs > 1 {
            let checked = crate::runner::keeps_sessions_side_by_side(
                &scenario,
                bench.limits,
                plan.jobs,
                bench.driver.clone(),
                saml_protocol::system_clock(),
            )
            .await;
            if let Err(why) = checked {
                let note = crate::runner::one_at_a_time("batches", plan.jobs, &why);
                say!("note: {note}");
                notes.push(format!("{}: {note}", scenario.name));
                plan.jobs = 1;
            }
        }
        say!(
            "fuzzing {} (seed {}, --jobs {}, at most {} cases or {:?})",
            scenario.sp.sign_on_url,
            plan.seed,
            plan.jobs,
            plan.max_cases,
            plan.duration
        );
        let quiet = args.options.quiet();
        let summary = fuzz::fuzz(&bench, &plan, &mut |p| {
            if quiet {
                return;
            }
            eprintln!(
                "fuzz: {} cases, {:.1}/s, {} finding(s), {} answer class(es){}",
                p.cases,
                p.rate,
                p.findings,
                p.classes,
                p.last_new_class
                    .as_ref()
                    .map(|c| format!("; last new: {}", shorten(c)))
                    .unwrap_or_default()
            )
        })
        .await;
        print_summary(&summary, args.options.verbose());
        write_reports(
            &args.options,
            &fuzz::as_verdicts(&scenario, &summary),
            &notes,
        )?;
        Ok(exit_status(&summary))
    })
}

/// A fuzzer floods: only SPs on this machine unless `--allow-remote`.
fn refuse_remote(sign_on_url: &str) -> Result<(), UsageError> {
    let url = url::Url::parse(sign_on_url)
        .map_err(|e| UsageError(format!("{sign_on_url:?} is not a URL: {e}")))?;
    let local = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    if local {
        Ok(())
    } else {
        Err(UsageError(format!(
            "{sign_on_url} is not on this machine's loopback; hint: fuzzing sends thousands of logins, so pass --allow-remote only for an SP you may flood"
        )))
    }
}

fn shorten(s: &str) -> String {
    const SHOWN: usize = 90;
    if s.chars().count() <= SHOWN {
        return s.to_owned();
    }
    s.chars().take(SHOWN).chain(['…']).collect()
}

/// The run's end: counts, then each finding (with its posted response under `--verbose`).
fn print_summary(summary: &Summary, verbose: bool) {
    if let Some(why) = &summary.unjudged {
        say!("could not judge: {why}");
    }
    let counts: Vec<String> = summary
        .outcomes
        .iter()
        .map(|(word, n)| format!("{n} {word}"))
        .collect();
    say!(
        "{} cases in {:.1}s ({}); {} answer class(es)",
        summary.cases,
        summary.elapsed.as_secs_f64(),
        if counts.is_empty() {
            "none".to_owned()
        } else {
            counts.join(", ")
        },
        summary.classes
    );
    if summary.findings.is_empty() {
        say!("no findings");
    }
    for w in &summary.warnings {
        say!("warning: {w}");
    }
    for (i, f) in summary.findings.iter().enumerate() {
        say!(
            "\nfinding {} — {} (case {}, seen {} time(s); {} edit(s), shrunk from {})",
            i + 1,
            f.outcome.word(),
            f.case,
            f.hits,
            f.chain.edits.len(),
            f.original_len
        );
        say!("  edits:  {}", f.chain.describe());
        say!("  answer: {}", f.reason);
        if f.outcome == Outcome::Vulnerable {
            match f.shape {
                Some(id) => say!(
                    "  nearest catalogue check: {id} (saml-harness conformance SCENARIO --only {id})"
                ),
                None => say!("  nearest catalogue check: none has this shape"),
            }
        }
        if let Some(p) = &f.reproducer {
            say!("  reproducer: {}", p.display());
        }
        if verbose {
            say!("  posted:\n{}", f.xml);
        }
    }
}

fn exit_status(summary: &Summary) -> ExitCode {
    if summary
        .findings
        .iter()
        .any(|f| f.outcome == Outcome::Vulnerable)
    {
        ExitCode::from(EXIT_VULNERABLE)
    } else if summary.unjudged.is_some() {
        ExitCode::from(EXIT_UNJUDGED)
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_units_and_refuse_nonsense() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_duration("2h").unwrap(), Duration::from_secs(7200));
        assert_eq!(parse_duration("5").unwrap(), Duration::from_secs(5));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("10d").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("99999999999999999h").is_err());
    }

    #[test]
    fn only_loopback_sps_are_fuzzed_by_default() {
        assert!(refuse_remote("http://127.0.0.1:8080/login").is_ok());
        assert!(refuse_remote("http://localhost/login").is_ok());
        let e = refuse_remote("https://sp.example.com/login").unwrap_err();
        assert!(e.0.contains("--allow-remote"), "{e}");
    }
}
