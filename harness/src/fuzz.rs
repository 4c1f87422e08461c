//! The fuzz engine: chains of primitive edits ([`attacks::mutate`]) drawn from a seed, run in
//! batches through the runner (each case a fresh login, judged as conformance judges), answers
//! sorted into classes, findings shrunk edit by edit and written as reproducers `run` re-runs.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use attacks::mutate::{Chain, Generator, Mutation, SeedSigning};
use serde::{Deserialize, Serialize};

use crate::canary::CanaryOptions;
use crate::driver::Driver;
use crate::flow::Limits;
use crate::runner::{run_scenario, Outcome, Verdict};
use crate::scenario::{Case, Expect, Scenario};

/// Largest reproducer file read (they hold one response and a chain).
const MAX_REPRODUCER: u64 = 1024 * 1024;

/// A finding written to disk: the chain that reproduces it and what it did.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reproducer {
    /// The edits (re-applied to a fresh login's response when re-run).
    pub chain: Chain,
    /// The verdict word it got (`vulnerable`, `nonstrict`, `error`).
    pub verdict: String,
    /// Why.
    pub reason: String,
    /// Who the SP signed in, if anyone.
    pub signed_in_as: Option<String>,
    /// `--seed` of the run that found it, and the case number.
    pub found_by: String,
    /// The catalogue check whose shape the chain reproduces, if one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nearest_check: Option<String>,
    /// The edited SAMLResponse as posted (for people; a re-run edits a fresh one).
    pub xml: String,
}

impl Reproducer {
    /// Reads a reproducer `saml-harness fuzz` wrote.
    pub fn load(path: &Path) -> Result<Reproducer, String> {
        use std::io::Read as _;
        let file = std::fs::File::open(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut text = String::new();
        file.take(MAX_REPRODUCER + 1)
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if text.len() as u64 > MAX_REPRODUCER {
            return Err(format!(
                "{} is larger than {MAX_REPRODUCER} bytes",
                path.display()
            ));
        }
        serde_json::from_str(&text).map_err(|e| {
            format!(
                "{} is not a fuzz reproducer: {e} (line {})",
                path.display(),
                e.line()
            )
        })
    }
}

/// Cases per batch unless `--batch` says: every batch first re-checks the good login and the
/// controls, four logins (five while the re-signing control ran too: at 50, nearly a tenth
/// of a run's logins).
pub const DEFAULT_BATCH: u64 = 100;

/// How many draws a chain gets to take effect on the sample before it is used anyway.
const DRAW_TRIES: usize = 32;

/// The chains a run tries, from a seeded generator: each is first applied to the built-in mock
/// IdP's response (Entra-shaped, signed as the chain's seed says) and redrawn while one of its
/// edits finds nothing there, so the cases posted to the SP change what they claim to.
/// Cheap to clone: a clone goes on drawing exactly as the original would.
#[derive(Clone)]
pub struct Draws {
    generator: Generator,
    samples: Arc<[(SeedSigning, String)]>,
    /// Shared by every clone: what the samples become under each chain prefix tried.
    tried: Arc<Mutex<Tried>>,
}

/// Most chain prefixes [`Tried`] keeps, and most bytes of documents (a sample is a few
/// kilobytes, an edit that copies the Response doubles one); when either is reached it
/// starts again, which changes nothing but the time a draw takes.
const TRIED_KEPT: usize = 4096;
const TRIED_BYTES: usize = 32 << 20;

/// The sample under each chain prefix already applied, or `None` where the prefix's last edit
/// found nothing: chains drawn from one generator share their first edits often (a single
/// edit of most kinds has a few dozen forms, and grown chains extend a parent), so a chain is
/// applied only from its longest prefix seen before (in a profile, drawing fell from 9.5 % of
/// a fuzz run's CPU to 5–7 %; the re-signing edits cost an RSA signature each).
#[derive(Default)]
struct Tried {
    after: HashMap<(SeedSigning, Vec<Mutation>), Option<Arc<str>>>,
    /// The documents' bytes held in `after`.
    bytes: usize,
}

impl Draws {
    /// Draws seeded with `seed`, of edits of the `only` kinds (all when empty): the same
    /// seed gives the same chains.
    pub fn new(seed: u64, only: &[&str]) -> Draws {
        let idp = mock_idp::idp::Idp::new(mock_idp::config::Config::builtin());
        let mut samples = Vec::new();
        if let (Some(app), Some(user)) = (idp.config.apps.first(), idp.config.user(None)) {
            let login = idp.login_response(
                app,
                user,
                &app.default_reply_url,
                Some("_request"),
                None,
                time::OffsetDateTime::now_utc(),
            );
            for (seed, what) in [
                (
                    SeedSigning::Assertion,
                    mock_idp::response::SignWhat::Assertion,
                ),
                (
                    SeedSigning::Response,
                    mock_idp::response::SignWhat::Response,
                ),
                (SeedSigning::Both, mock_idp::response::SignWhat::Both),
            ] {
                let mut signer = app.clone();
                signer.sign = what;
                if let Ok(xml) = idp.sign(&signer, &login) {
                    samples.push((seed, xml));
                }
            }
        }
        Draws {
            generator: Generator::new(seed).only(only),
            samples: samples.into(),
            tried: Arc::default(),
        }
    }

    /// Whether every edit of `chain` changes the sample signed as its seed says (as
    /// [`Chain::apply`] reports it), applied from the longest prefix already [`Tried`].
    fn takes_effect(&self, chain: &Chain) -> bool {
        let Some((_, sample)) = self.samples.iter().find(|(s, _)| *s == chain.seed) else {
            return true;
        };
        let key = |n: usize| (chain.seed, chain.edits[..n].to_vec());
        let lock = || self.tried.lock().unwrap_or_else(|p| p.into_inner());
        let (mut done, mut xml): (usize, Arc<str>) = (0, Arc::from(sample.as_str()));
        {
            let tried = lock();
            for n in (1..=chain.edits.len()).rev() {
                if let Some(after) = tried.after.get(&key(n)) {
                    match after {
                        Some(after) => (done, xml) = (n, after.clone()),
                        None => return false,
                    }
                    break;
                }
            }
        }
        for n in done + 1..=chain.edits.len() {
            let after: Option<Arc<str>> = match chain.edits[n - 1].apply(&xml) {
                Ok((next, _)) if *next != *xml => Some(Arc::from(next)),
                _ => None,
            };
            let mut tried = lock();
            if tried.after.len() >= TRIED_KEPT || tried.bytes >= TRIED_BYTES {
                tried.after.clear();
                tried.bytes = 0;
            }
            tried.bytes += after.as_ref().map_or(0, |a| a.len());
            if let Some(Some(old)) = tried.after.insert(key(n), after.clone()) {
                tried.bytes -= old.len();
            }
            match after {
                Some(after) => xml = after,
                None => return false,
            }
        }
        true
    }

    fn first_effective(&mut self, draw: impl Fn(&mut Generator) -> Chain) -> Chain {
        let mut chain = draw(&mut self.generator);
        for _ in 1..DRAW_TRIES {
            if self.takes_effect(&chain) {
                break;
            }
            chain = draw(&mut self.generator);
        }
        chain
    }

    /// A fresh chain.
    pub fn fresh(&mut self) -> Chain {
        self.first_effective(Generator::chain)
    }

    /// `parent` grown or changed by one edit.
    pub fn grow(&mut self, parent: &Chain) -> Chain {
        self.first_effective(|g| g.extend(parent))
    }

    /// A number below `n` (at least 1).
    fn index(&mut self, n: usize) -> usize {
        self.generator.index(n)
    }
}

/// What a fuzz run does.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The generator's seed.
    pub seed: u64,
    /// Stop after this many cases.
    pub max_cases: u64,
    /// Stop after this long (checked between batches).
    pub duration: Duration,
    /// Cases per batch (each batch re-checks the good login and the controls).
    pub batch: usize,
    /// Batches run at once.
    pub jobs: usize,
    /// Shrink findings (each shrink step costs a batch).
    pub shrink: bool,
    /// Stop after the batch that found the first `vulnerable` case.
    pub fail_fast: bool,
    /// Draw only edits of these kinds ([`attacks::mutate::KINDS`]); empty: all.
    pub only: Vec<String>,
    /// Where the corpus lives between runs: its chains are grown from the start, and each
    /// chain with a new answer class is added as `DIR/seed-S-case-N.json`.
    pub corpus: Option<PathBuf>,
    /// Where reproducers go (`DIR/finding-N.json`); none: not written.
    pub out: Option<PathBuf>,
}

/// What a finding is.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The first case that showed it.
    pub case: u64,
    /// The answer class it was first seen with (repeats of it are counted in `hits`).
    pub class: String,
    /// The nearest catalogue check of its chain (as found while running: one answer class
    /// reached through two published shapes is two findings; of the shrunk chain at the end).
    pub shape: Option<&'static str>,
    /// Its verdict (`vulnerable`, `nonstrict` or `error`).
    pub outcome: Outcome,
    /// Why.
    pub reason: String,
    /// Who was signed in.
    pub signed_in_as: Option<String>,
    /// The chain, shrunk.
    pub chain: Chain,
    /// How many edits the chain had before shrinking.
    pub original_len: usize,
    /// The posted response for the shrunk chain.
    pub xml: String,
    /// How many cases showed the same finding.
    pub hits: u64,
    /// Where its reproducer was written.
    pub reproducer: Option<PathBuf>,
}

/// Progress, after each batch.
#[derive(Clone, Debug)]
pub struct Progress {
    /// Cases run so far.
    pub cases: u64,
    /// Cases per second so far.
    pub rate: f64,
    /// Findings so far.
    pub findings: usize,
    /// Answer classes seen so far.
    pub classes: usize,
    /// The last new answer class.
    pub last_new_class: Option<String>,
}

/// The end of a run.
#[derive(Clone, Debug)]
pub struct Summary {
    /// Cases run.
    pub cases: u64,
    /// Cases per verdict word.
    pub outcomes: BTreeMap<&'static str, u64>,
    /// Distinct findings, in the order found.
    pub findings: Vec<Finding>,
    /// Distinct answer classes seen.
    pub classes: usize,
    /// How long it took.
    pub elapsed: Duration,
    /// Why the run stopped before judging anything, if it did.
    pub unjudged: Option<String>,
    /// What went wrong that did not stop the run (a reproducer that could not be written).
    pub warnings: Vec<String>,
}

/// The shared settings of every batch (cheap to clone: each batch of a round runs as its own
/// task, so signing and judging use every core).
#[derive(Clone)]
pub struct Bench {
    /// The SP, its good login and its oracle (its own cases are replaced).
    pub scenario: Arc<Scenario>,
    /// Limits.
    pub limits: Limits,
    /// The browser.
    pub driver: Driver,
    /// The canary settings (the fuzzer makes no fetch probes; the runner needs them).
    pub canary: CanaryOptions,
}

impl Bench {
    /// Runs `chains` as one batch and returns each chain's verdict, or why nothing could be
    /// judged. A robustness finding must be the case's own: each case that got `error`, and
    /// every case but the `vulnerable` and `nonstrict` ones when the good login stopped
    /// working during the batch, is run again in a batch of its own, and that answer is its
    /// verdict (`error` too when the good login fails right after it). A stateful SP can fail
    /// on a case because of the one before it.
    async fn batch(&self, first: u64, chains: &[Chain]) -> Result<Vec<Verdict>, String> {
        let (verdicts, broken) = self.run_batch(first, chains).await?;
        Ok(self.confirm(first, chains, verdicts, broken).await)
    }

    /// Re-runs alone each case whose robustness verdict may be a neighbour's doing (see
    /// [`Bench::batch`]); `vulnerable` and `nonstrict` verdicts are never re-run or lowered.
    async fn confirm(
        &self,
        first: u64,
        chains: &[Chain],
        mut verdicts: Vec<Verdict>,
        broken: Option<String>,
    ) -> Vec<Verdict> {
        if chains.len() == 1 {
            if let (Some(why), Some(v)) = (&broken, verdicts.first_mut()) {
                blame(v, &login_broke_after(why));
            }
            return verdicts;
        }
        let suspects: Vec<usize> = (0..verdicts.len())
            .filter(|&i| match verdicts[i].outcome {
                Outcome::Error => true,
                Outcome::Vulnerable | Outcome::Nonstrict => false,
                _ => broken.is_some(),
            })
            .collect();
        let mut blamed = false;
        for i in suspects {
            let alone = self
                .run_batch(first + i as u64, std::slice::from_ref(&chains[i]))
                .await;
            match alone {
                Ok((mut own, after)) => {
                    if let Some(mut v) = own.pop() {
                        if let Some(why) = &after {
                            blame(&mut v, &login_broke_after(why));
                        }
                        blamed |= after.is_some();
                        verdicts[i] = v;
                    }
                }
                Err(why) => verdicts[i]
                    .reason
                    .push_str(&format!(" (not confirmed alone: {why})")),
            }
        }
        if let (Some(why), false, Some(last)) = (broken, blamed, verdicts.last_mut()) {
            blame(
                last,
                &format!(
                    "after this batch the good login no longer worked ({why}); no case does it alone"
                ),
            );
        }
        verdicts
    }

    /// Runs `chains` as one batch: the scenario's good login, the controls, then each chain.
    /// Returns each chain's verdict and, if the good login failed after the cases, why.
    async fn run_batch(
        &self,
        first: u64,
        chains: &[Chain],
    ) -> Result<(Vec<Verdict>, Option<String>), String> {
        let mut s = Scenario::clone(&self.scenario);
        let mut cases: Vec<Case> = s
            .cases
            .iter()
            .filter(|c| c.expect == Expect::Accept)
            .take(1)
            .cloned()
            .collect();
        if cases.is_empty() {
            cases.push(Case::good_login());
        }
        cases.extend(chains.iter().enumerate().map(|(i, chain)| Case {
            id: format!("fuzz/{}", first + i as u64),
            name: chain.describe(),
            expect: Expect::Reject,
            identity: None,
            attack: None,
            mutations: Some(Arc::new(chain.clone())),
        }));
        s.cases = cases;
        let verdicts = run_scenario(
            &s,
            self.limits,
            1,
            self.driver.clone(),
            saml_protocol::system_clock(),
            &self.canary,
            &mut |_| {},
        )
        .await;
        if let Some(bad) = verdicts.iter().find(|v| {
            (v.id.starts_with("login/") || v.id == attacks::catalogue::CONTROL.id)
                && !matches!(v.outcome, Outcome::Pass | Outcome::NotApplicable)
        }) {
            return Err(format!("{} {}: {}", bad.id, bad.outcome.word(), bad.reason));
        }
        let after = verdicts
            .iter()
            .find(|v| v.id == "control/after-checks" && v.outcome != Outcome::Pass);
        let fuzzed: Vec<Verdict> = verdicts
            .iter()
            .filter(|v| v.id.starts_with("fuzz/"))
            .cloned()
            .collect();
        // A control that failed (the identity-switch control, say) leaves every case without
        // a verdict: nothing was judged.
        if let Some(first) = fuzzed.first() {
            if fuzzed.iter().all(|v| v.outcome == Outcome::Inconclusive) {
                return Err(format!("every case was inconclusive: {}", first.reason));
            }
        }
        Ok((fuzzed, after.map(|a| a.reason.clone())))
    }
}

fn login_broke_after(why: &str) -> String {
    format!("after this case the good login no longer worked ({why})")
}

/// Makes `v` a robustness finding, unless it is a worse one already.
fn blame(v: &mut Verdict, why: &str) {
    if matches!(
        v.outcome,
        Outcome::Pass | Outcome::NotApplicable | Outcome::Inconclusive
    ) {
        v.outcome = Outcome::Error;
        v.reason = why.to_owned();
    }
}

/// The class of an answer: the verdict and the reason's shape (words holding digits, such as
/// IDs and times, become `#`; quoted values are dropped), so one refusal seen twice is one
/// class and a new error text is a new one.
fn class_of(v: &Verdict) -> String {
    let mut shape = Vec::new();
    let mut quoted = false;
    for word in v.reason.split_whitespace().take(24) {
        let quotes = word.matches('"').count();
        if quoted || word.starts_with('"') {
            quoted = (quotes % 2 == 1) != quoted;
            continue;
        }
        if word.chars().any(|c| c.is_ascii_digit()) {
            if shape.last() != Some(&"#") {
                shape.push("#");
            }
        } else {
            shape.push(word);
        }
    }
    format!("{} {}", v.outcome.word(), shape.join(" "))
}

/// A spawned task that is aborted when its handle is dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn is_finding(outcome: Outcome) -> bool {
    matches!(
        outcome,
        Outcome::Vulnerable | Outcome::Nonstrict | Outcome::Error
    )
}

/// The posted response a verdict's details recorded.
fn posted_xml(v: &Verdict) -> String {
    v.exchange
        .response
        .as_ref()
        .map(|m| m.xml.clone())
        .unwrap_or_default()
}

/// A round: its batches, each the number of its first case and its chains.
type Round = Vec<(u64, Vec<Chain>)>;

/// Draws one round: up to `plan.jobs` batches of `plan.batch` chains, numbered from
/// `drawn + 1`, never past `plan.max_cases`. Half the cases grow a chain of `corpus` (whose
/// answer was new); the rest are fresh draws.
fn draw_round(draws: &mut Draws, corpus: &[Chain], mut drawn: u64, plan: &Plan) -> Round {
    let mut round = Vec::new();
    while round.len() < plan.jobs.max(1) && drawn < plan.max_cases {
        let n = (plan.max_cases - drawn).min(plan.batch.max(1) as u64) as usize;
        let chains: Vec<Chain> = (0..n)
            .map(|_| match corpus.len() {
                0 => draws.fresh(),
                len => {
                    let pick = draws.index(len * 2);
                    match corpus.get(pick) {
                        Some(parent) => draws.grow(parent),
                        None => draws.fresh(),
                    }
                }
            })
            .collect();
        round.push((drawn + 1, chains));
        drawn += n as u64;
    }
    round
}

/// The next round, drawn on a blocking thread while the current one runs, from a copy of the
/// generator and of the corpus as it stood: the round the run would draw next, unless the
/// current round adds to the corpus (then it is drawn again). Drawing tries every chain on
/// the mock IdP's samples, about a seventh of the CPU in a profile; done ahead, it overlaps the
/// batches' waiting instead of stopping them.
struct Ahead {
    drawn: u64,
    corpus_len: usize,
    task: tokio::task::JoinHandle<(Round, Draws)>,
}

impl Ahead {
    fn start(draws: &Draws, corpus: &[Chain], drawn: u64, plan: &Plan) -> Ahead {
        let (mut draws, corpus, plan) = (draws.clone(), corpus.to_vec(), plan.clone());
        Ahead {
            drawn,
            corpus_len: corpus.len(),
            task: tokio::task::spawn_blocking(move || {
                let round = draw_round(&mut draws, &corpus, drawn, &plan);
                (round, draws)
            }),
        }
    }

    /// The round drawn ahead, if it is still the one to run (`draws` then moves on as if it
    /// had drawn it); otherwise the round drawn now.
    async fn take(self, draws: &mut Draws, corpus: &[Chain], drawn: u64, plan: &Plan) -> Round {
        match self.task.await {
            Ok((round, moved_on)) if (self.drawn, self.corpus_len) == (drawn, corpus.len()) => {
                *draws = moved_on;
                round
            }
            _ => draw_round(draws, corpus, drawn, plan),
        }
    }
}

/// Runs the fuzzer.
pub async fn fuzz(
    bench: &Bench,
    plan: &Plan,
    progress: &mut (dyn FnMut(&Progress) + Send),
) -> Summary {
    let started = Instant::now();
    let only: Vec<&str> = plan.only.iter().map(String::as_str).collect();
    let mut draws = Draws::new(plan.seed, &only);
    let mut corpus: Vec<Chain> = Vec::new();
    let mut warnings = Vec::new();
    if let Some(dir) = &plan.corpus {
        corpus = load_corpus(dir, &mut warnings);
    }
    let mut classes: BTreeMap<String, u64> = BTreeMap::new();
    let mut summary = Summary {
        cases: 0,
        outcomes: BTreeMap::new(),
        findings: Vec::new(),
        classes: 0,
        elapsed: Duration::ZERO,
        unjudged: None,
        warnings,
    };
    let mut last_new_class = None;
    let mut ahead: Option<Ahead> = None;
    'rounds: while summary.cases < plan.max_cases && started.elapsed() < plan.duration {
        // One round: up to --jobs batches, drawn in order before any runs (so a seed, --batch
        // and --jobs give the same chains), run at once, their answers read in order.
        let round = match ahead.take() {
            Some(next) => next.take(&mut draws, &corpus, summary.cases, plan).await,
            None => draw_round(&mut draws, &corpus, summary.cases, plan),
        };
        // The batches run at once; re-running suspects alone waits for all of them, one at a
        // time, so no other batch's cases land on a case run alone.
        // Aborted when dropped: a run stopped midway (fail-fast, Ctrl-C, a dropped future)
        // leaves no batch running.
        let tasks: Vec<_> = round
            .iter()
            .map(|(first, chains)| {
                let (bench, first, chains) = (bench.clone(), *first, chains.clone());
                AbortOnDrop(tokio::spawn(async move {
                    bench.run_batch(first, &chains).await
                }))
            })
            .collect();
        let after = summary.cases + round.iter().map(|(_, c)| c.len() as u64).sum::<u64>();
        if after < plan.max_cases {
            ahead = Some(Ahead::start(&draws, &corpus, after, plan));
        }
        let mut answers = Vec::with_capacity(tasks.len());
        for mut task in tasks {
            answers.push(
                (&mut task.0)
                    .await
                    .unwrap_or_else(|e| Err(format!("a batch stopped: {e}"))),
            );
        }
        for ((first, chains), answer) in round.iter().zip(answers) {
            let (first, n) = (*first, chains.len());
            let verdicts = match answer {
                Ok((verdicts, broken)) => bench.confirm(first, chains, verdicts, broken).await,
                Err(why) => {
                    summary.unjudged = Some(why);
                    break 'rounds;
                }
            };
            for (i, (v, chain)) in verdicts.iter().zip(chains.iter()).enumerate() {
                let case = first + i as u64;
                *summary.outcomes.entry(v.outcome.word()).or_default() += 1;
                let class = class_of(v);
                let count = classes.entry(class.clone()).or_default();
                *count += 1;
                if *count == 1 {
                    if let Some(dir) = &plan.corpus {
                        let path = dir.join(format!("seed-{}-case-{case}.json", plan.seed));
                        write_json(&path, chain, &mut summary.warnings);
                    }
                    corpus.push(chain.clone());
                    last_new_class = Some(class.clone());
                }
                if !is_finding(v.outcome) {
                    continue;
                }
                let shape = attacks::mutate::nearest_check(chain);
                if let Some(known) = summary
                    .findings
                    .iter_mut()
                    .find(|f| f.class == class && f.shape == shape)
                {
                    known.hits += 1;
                    continue;
                }
                summary.findings.push(Finding {
                    case,
                    class,
                    shape,
                    outcome: v.outcome,
                    reason: v.reason.clone(),
                    signed_in_as: v.signed_in_as.clone(),
                    chain: chain.clone(),
                    original_len: chain.edits.len(),
                    xml: posted_xml(v),
                    hits: 1,
                    reproducer: None,
                });
            }
            summary.cases += n as u64;
        }
        let stop = plan.fail_fast
            && summary
                .findings
                .iter()
                .any(|f| f.outcome == Outcome::Vulnerable);
        let secs = started.elapsed().as_secs_f64().max(1e-3);
        progress(&Progress {
            cases: summary.cases,
            rate: summary.cases as f64 / secs,
            findings: summary.findings.len(),
            classes: classes.len(),
            last_new_class: last_new_class.clone(),
        });
        if stop {
            break;
        }
    }
    // A run that ends leaves no drawing behind (it would take a core from whatever runs
    // next); one whose future is dropped leaves at most one round's drawing to finish.
    if let Some(next) = ahead {
        let _ = next.task.await;
    }
    summary.classes = classes.len();
    if plan.shrink {
        for f in summary.findings.iter_mut() {
            shrink(bench, f).await;
            f.shape = attacks::mutate::nearest_check(&f.chain);
        }
        // Findings that shrank to one chain are one finding.
        let mut merged: Vec<Finding> = Vec::new();
        for f in std::mem::take(&mut summary.findings) {
            match merged
                .iter_mut()
                .find(|m| m.outcome == f.outcome && m.chain == f.chain)
            {
                Some(m) => m.hits += f.hits,
                None => merged.push(f),
            }
        }
        summary.findings = merged;
    }
    if let Some(dir) = &plan.out {
        for (i, f) in summary.findings.iter_mut().enumerate() {
            let path = dir.join(format!("finding-{}.json", i + 1));
            let reproducer = Reproducer {
                chain: f.chain.clone(),
                verdict: f.outcome.word().to_owned(),
                reason: f.reason.clone(),
                signed_in_as: f.signed_in_as.clone(),
                found_by: format!(
                    "--seed {} --batch {} --jobs {}{}{}: case {}, shrunk from {} edit(s)",
                    plan.seed,
                    plan.batch,
                    plan.jobs,
                    if plan.only.is_empty() {
                        String::new()
                    } else {
                        format!(" --only {}", plan.only.join(","))
                    },
                    plan.corpus
                        .as_ref()
                        .map(|d| format!(" --corpus {}", d.display()))
                        .unwrap_or_default(),
                    f.case,
                    f.original_len
                ),
                xml: f.xml.clone(),
                nearest_check: f.shape.map(str::to_owned),
            };
            if write_json(&path, &reproducer, &mut summary.warnings) {
                f.reproducer = Some(path);
            }
        }
    }
    summary.elapsed = started.elapsed();
    summary
}

/// Writes `value` as pretty JSON to `path`; a failure becomes a warning. Whether it worked.
fn write_json(path: &Path, value: &impl Serialize, warnings: &mut Vec<String>) -> bool {
    let written = serde_json::to_string_pretty(value)
        .map_err(std::io::Error::other)
        .and_then(|json| std::fs::write(path, json + "\n"));
    if let Err(e) = &written {
        warnings.push(format!(
            "cannot write {}: {e}; hint: check the directory is writable and has space",
            path.display()
        ));
    }
    written.is_ok()
}

/// The chains in `dir` (`*.json`, in name order); files that are not chains are warnings.
fn load_corpus(dir: &Path, warnings: &mut Vec<String>) -> Vec<Chain> {
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect(),
        Err(e) => {
            warnings.push(format!("cannot read the corpus {}: {e}", dir.display()));
            return Vec::new();
        }
    };
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).map_err(|e| e.to_string());
            match text.and_then(|t| serde_json::from_str::<Chain>(&t).map_err(|e| e.to_string())) {
                Ok(chain) => Some(chain),
                Err(e) => {
                    warnings.push(format!(
                        "{} is not a corpus chain, skipped: {e}",
                        p.display()
                    ));
                    None
                }
            }
        })
        .collect()
}

/// A verdict with every field empty, to fill in with `..`.
pub(crate) fn placeholder_verdict() -> Verdict {
    Verdict {
        scenario: String::new(),
        file: String::new(),
        id: String::new(),
        name: String::new(),
        expect: Expect::Reject,
        outcome: Outcome::Pass,
        reason: String::new(),
        severity: None,
        capability: None,
        research_id: None,
        references: Vec::new(),
        signed_in_as: None,
        forged_identity: None,
        gating: false,
        expected: None,
        duration: Duration::ZERO,
        findings: Vec::new(),
        details: Vec::new(),
        exchange: Default::default(),
    }
}

/// Drops edits while the answer class stays the same (delta debugging over the chain: each
/// round tries every one-edit-shorter chain in one batch and keeps the first that still
/// shows it). The class, not only the verdict: a shorter chain that is vulnerable another way
/// is another finding.
async fn shrink(bench: &Bench, finding: &mut Finding) {
    loop {
        let len = finding.chain.edits.len();
        if len <= 1 {
            return;
        }
        let candidates: Vec<Chain> = (0..len)
            .map(|skip| Chain {
                seed: finding.chain.seed,
                edits: finding
                    .chain
                    .edits
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != skip)
                    .map(|(_, m)| *m)
                    .collect(),
            })
            .collect();
        let Ok(verdicts) = bench.batch(0, &candidates).await else {
            return;
        };
        let Some((v, chain)) = verdicts
            .iter()
            .zip(candidates)
            .find(|(v, _)| class_of(v) == finding.class)
        else {
            return;
        };
        finding.chain = chain;
        finding.reason = v.reason.clone();
        finding.signed_in_as = v.signed_in_as.clone();
        finding.xml = posted_xml(v);
    }
}

/// The findings as verdicts, for the reports `--report` writes.
pub fn as_verdicts(scenario: &Scenario, summary: &Summary) -> Vec<Verdict> {
    summary
        .findings
        .iter()
        .map(|f| {
            let mut findings = vec![format!("edits: {}", f.chain.describe())];
            if let Some(id) = f.shape {
                findings.push(format!("nearest catalogue check: {id}"));
            }
            if let Some(p) = &f.reproducer {
                findings.push(format!("reproducer: {}", p.display()));
            }
            Verdict {
                scenario: scenario.name.clone(),
                file: scenario.file.display().to_string(),
                id: format!("fuzz/{}", f.case),
                name: f.chain.describe(),
                outcome: f.outcome,
                reason: f.reason.clone(),
                signed_in_as: f.signed_in_as.clone(),
                gating: f.outcome == Outcome::Vulnerable,
                details: vec![format!("SAMLResponse posted:\n{}", f.xml)],
                exchange: crate::runner::Exchange {
                    response: Some(crate::runner::Message {
                        binding: "POST".into(),
                        to: "the ACS".into(),
                        xml: f.xml.clone(),
                    }),
                    ..Default::default()
                },
                findings,
                ..placeholder_verdict()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[tokio::test]
    async fn a_batch_task_whose_handle_is_dropped_stops() {
        let (done, flag) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        let (d, f) = (done.clone(), flag.clone());
        let task = AbortOnDrop(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            d.store(true, Ordering::SeqCst);
        }));
        let mut kept = AbortOnDrop(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            f.store(true, Ordering::SeqCst);
        }));
        drop(task);
        let _ = (&mut kept.0).await;
        assert!(flag.load(Ordering::SeqCst), "a kept task runs to its end");
        assert!(!done.load(Ordering::SeqCst), "the dropped one was aborted");
    }

    #[test]
    fn a_chain_tried_from_a_remembered_prefix_is_judged_as_applied_afresh() {
        let draws = Draws::new(3, &[]);
        let mut generator = Generator::new(3);
        let parents: Vec<Chain> = (0..200).map(|_| generator.chain()).collect();
        let (mut effective, mut remembered) = (0, 0);
        for i in 0..3000 {
            // Fresh chains, and chains grown from earlier ones (which share their prefixes).
            let chain = match i % 2 {
                0 => generator.chain(),
                _ => generator.extend(&parents[i % parents.len()]),
            };
            let sample = &draws
                .samples
                .iter()
                .find(|(s, _)| *s == chain.seed)
                .unwrap()
                .1;
            let afresh = !chain.apply(sample).took_effect.contains(&false);
            remembered += usize::from((1..=chain.edits.len()).any(|n| {
                let tried = draws.tried.lock().unwrap();
                tried
                    .after
                    .contains_key(&(chain.seed, chain.edits[..n].to_vec()))
            }));
            assert_eq!(draws.takes_effect(&chain), afresh, "{}", chain.describe());
            effective += usize::from(afresh);
        }
        assert!(effective > 1000 && effective < 3000, "{effective}");
        assert!(remembered > 500, "prefixes were reused {remembered} times");
    }

    fn small_plan() -> Plan {
        Plan {
            seed: 5,
            max_cases: 1000,
            duration: Duration::from_secs(60),
            batch: 3,
            jobs: 2,
            shrink: false,
            fail_fast: false,
            only: Vec::new(),
            corpus: None,
            out: None,
        }
    }

    #[tokio::test]
    async fn a_round_drawn_ahead_is_the_round_drawn_in_turn_unless_the_corpus_grew() {
        let plan = small_plan();
        let mut in_turn = Draws::new(plan.seed, &[]);
        let first = draw_round(&mut in_turn, &[], 0, &plan);
        let mut ahead = in_turn.clone();
        let next = Ahead::start(&ahead, &[], 6, &plan);
        let second = draw_round(&mut in_turn, &[], 6, &plan);
        assert_eq!(next.take(&mut ahead, &[], 6, &plan).await, second);
        assert_eq!(
            draw_round(&mut ahead, &[], 12, &plan),
            draw_round(&mut in_turn, &[], 12, &plan),
            "drawing goes on from where the round drawn ahead left it"
        );
        assert_eq!(
            second[0].0, 7,
            "cases are numbered on from the round before"
        );

        // The round before added to the corpus: the round drawn ahead is drawn again.
        let corpus = vec![first[0].1[0].clone()];
        let (mut in_turn, mut ahead) = (Draws::new(plan.seed, &[]), Draws::new(plan.seed, &[]));
        let next = Ahead::start(&ahead, &[], 0, &plan);
        let grown = draw_round(&mut in_turn, &corpus, 0, &plan);
        assert_ne!(
            grown,
            draw_round(&mut Draws::new(plan.seed, &[]), &[], 0, &plan),
            "the corpus changes what is drawn, so this shows a redraw"
        );
        assert_eq!(next.take(&mut ahead, &corpus, 0, &plan).await, grown);
    }
}
