//! The harness's own rates next to their limits, measured in the same run in alternating rounds
//! (limit, subject, limit, subject …), so a busy neighbour lands on both sides of each ratio:
//!
//! - `load --acs-only`, signing on the fly, at the trivial ACS (`sp serve --trivial-acs`), to the
//!   2-core RSA-2048 sign limit (target ≥ 0.8×);
//! - `fuzz` cases/s at the careful reference SP, to that SP's capacity (complete logins/s from
//!   `load`; target ≥ 0.7×), and the same at the trivial ACS.
//!
//! Run it:
//!
//!     cargo bench -p saml-harness-benches --bench rates      # about 3½ minutes on 2 cores
//!     SAML_BENCH_ROUNDS=7 SAML_BENCH_SECONDS=5 cargo bench -p saml-harness-benches --bench rates
//!
//! Everything runs in this process on 127.0.0.1: the mock IdP, the SPs and the drivers share
//! the cores, as they do when CI runs `saml-harness fuzz --reference-sp`.

use std::time::Duration;

use mock_idp::response::SignWhat;
use mock_idp::sign::{rsa_sign, Algorithm};
use saml_harness::fuzz::{Bench, Plan};
use saml_harness::load::LoadPlan;
use saml_harness::scenario::Scenario;
use saml_harness_benches::{cert_2048, rate_threads, signed, signed_info, Paired, Size};

/// One server pair started by `saml_harness::demo::start`, described by its login scenario.
struct Target {
    scenario: Scenario,
    _servers: saml_harness::demo::Servers,
}

impl Target {
    async fn start(trivial_acs: bool) -> Target {
        let servers = saml_harness::demo::start(Default::default(), trivial_acs)
            .await
            .expect("cannot start the mock IdP and reference SP");
        Target {
            scenario: saml_harness::demo::login_scenario(&servers.idp_url, &servers.sp_url)
                .expect("the built-in login scenario"),
            _servers: servers,
        }
    }

    /// Logins (or, with `acs_only`, posts) per second from `load` for `budget`.
    async fn load(&self, budget: Duration, acs_only: bool) -> f64 {
        let plan = LoadPlan {
            concurrency: 4,
            rate: None,
            duration: budget,
            request_timeout: Duration::from_secs(10),
            max_logins: u64::MAX,
            acs_only,
            pre_mint: None,
            sample_every: 20,
            progress: false,
        };
        let report = saml_harness::load::drive(&plan, self.scenario.clone(), false)
            .await
            .expect("load ran");
        assert!(
            report.errors.is_empty() && report.sampled_with_session == report.sampled,
            "load was not healthy: {:?}",
            report.errors
        );
        report.logins_per_second
    }

    /// Fuzz cases per second for `budget` (4 batches at once, as `load` keeps 4 logins in
    /// flight; nothing shrunk).
    async fn fuzz(&self, budget: Duration) -> f64 {
        let bench = Bench {
            scenario: std::sync::Arc::new(self.scenario.clone()),
            limits: Default::default(),
            driver: saml_harness::driver::Driver::Http,
            canary: Default::default(),
        };
        let plan = Plan {
            seed: 1,
            max_cases: u64::MAX,
            duration: budget,
            batch: saml_harness::fuzz::DEFAULT_BATCH as usize,
            jobs: 4,
            shrink: false,
            fail_fast: false,
            only: Vec::new(),
            corpus: None,
            out: None,
        };
        let summary = saml_harness::fuzz::fuzz(&bench, &plan, &mut |_| {}).await;
        assert!(
            summary.unjudged.is_none(),
            "fuzz could not judge: {:?}",
            summary.unjudged
        );
        summary.cases as f64 / summary.elapsed.as_secs_f64()
    }
}

/// A ratio measured once per round, with the target it should reach.
struct Ratio {
    name: &'static str,
    target: Option<f64>,
    rounds: Paired,
}

impl Ratio {
    fn new(name: &'static str, target: Option<f64>) -> Ratio {
        Ratio {
            name,
            target,
            rounds: Paired::default(),
        }
    }

    fn push(&mut self, subject: f64, limit: f64) {
        self.rounds.push(subject, limit);
    }

    fn print(&self) {
        let verdict = match self.target {
            Some(t) if self.rounds.ratio() >= t => format!("(≥ {t} ✓)"),
            Some(t) => format!("(≥ {t} ✗)"),
            None => String::new(),
        };
        let (subject, limit) = self.rounds.rates();
        println!(
            "{:<64} {subject:>7.0}/s of {limit:>7.0}/s  {} {verdict}",
            self.name,
            self.rounds.describe(),
        );
    }
}

fn main() {
    let env = |name: &str, default: f64| {
        std::env::var(name)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    };
    // `cargo test --all-targets` runs bench targets too, without `--bench`: then one short
    // round shows that everything still runs, and measures nothing.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let budget = Duration::from_secs_f64(if smoke {
        0.3
    } else {
        env("SAML_BENCH_SECONDS", 3.0)
    });
    let rounds = if smoke {
        1
    } else {
        env("SAML_BENCH_ROUNDS", 5.0).max(1.0) as usize
    };
    attacks::crypto::quiet_xmlsec_errors();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let (careful, trivial) =
        runtime.block_on(async { (Target::start(false).await, Target::start(true).await) });
    let cert = cert_2048();
    let xml = signed(Size::Default, SignWhat::Assertion, Algorithm::Sha256, &cert);
    let to_sign = signed_info(&xml).to_owned();
    let rsa_limit = || {
        rate_threads(budget, 2, || {
            rsa_sign(&cert, Algorithm::Sha256, to_sign.as_bytes())
        })
    };

    let mut on_the_fly = Ratio::new(
        "load --acs-only at the trivial ACS / RSA-2048 sign, 2 threads",
        Some(0.8),
    );
    let mut fuzz_careful = Ratio::new(
        "fuzz at the reference SP / its capacity (load, complete logins)",
        Some(0.7),
    );
    let mut fuzz_trivial = Ratio::new(
        "fuzz at the trivial ACS / its capacity (load, complete logins)",
        None,
    );
    let mut capacity = Ratio::new(
        "load at the trivial ACS, complete logins / RSA-2048 sign, 2 threads",
        None,
    );
    // Warm-up: keys made once per process, connections, the allocator.
    runtime.block_on(async {
        careful.fuzz(Duration::from_millis(500)).await;
        trivial.load(Duration::from_millis(500), true).await;
    });
    for round in 1..=rounds {
        eprintln!("round {round} of {rounds}");
        let limit = rsa_limit();
        let fly = runtime.block_on(trivial.load(budget, true));
        let limit = (limit + rsa_limit()) / 2.0;
        on_the_fly.push(fly, limit);
        let (cap_careful, fuzzed_careful, cap_trivial, fuzzed_trivial) = runtime.block_on(async {
            let cap_careful = careful.load(budget, false).await;
            let fuzzed_careful = careful.fuzz(budget).await;
            let cap_trivial = trivial.load(budget, false).await;
            let fuzzed_trivial = trivial.fuzz(budget).await;
            (cap_careful, fuzzed_careful, cap_trivial, fuzzed_trivial)
        });
        fuzz_careful.push(fuzzed_careful, cap_careful);
        fuzz_trivial.push(fuzzed_trivial, cap_trivial);
        capacity.push(cap_trivial, limit);
    }
    println!(
        "{rounds} rounds of {} s each; median ratio [lowest–highest round]",
        budget.as_secs_f64()
    );
    for r in [&on_the_fly, &fuzz_careful, &fuzz_trivial, &capacity] {
        r.print();
    }
}
