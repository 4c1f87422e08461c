//! Reporters: a human one that prints as verdicts arrive, and JSON and JUnit files for CI.

use std::io::Write;
use std::path::Path;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::runner::{Event, Outcome, Verdict};

/// Prints one line per case as it finishes (the progress), with details under `--verbose`.
pub struct Human<W: Write> {
    out: W,
    verbose: bool,
}

impl<W: Write> Human<W> {
    /// A reporter writing to `out`.
    pub fn new(out: W, verbose: bool) -> Self {
        Human { out, verbose }
    }

    /// Renders one event.
    pub fn event(&mut self, event: &Event) {
        let _ = match event {
            Event::ScenarioStarted { name, file, cases } => {
                writeln!(self.out, "\n{name} ({file}): {cases} case(s)")
            }
            Event::CaseFinished(v) => self.case(v),
        };
        let _ = self.out.flush();
    }

    fn case(&mut self, v: &Verdict) -> std::io::Result<()> {
        writeln!(
            self.out,
            "  {:<12} {:<24} {} — {}",
            label(v.outcome),
            v.id,
            v.name,
            v.reason
        )?;
        for note in &v.findings {
            writeln!(self.out, "      note: {note}")?;
        }
        if self.verbose {
            for d in &v.details {
                for line in d.lines() {
                    writeln!(self.out, "      | {line}")?;
                }
            }
        }
        Ok(())
    }

    /// The summary table and the overall line.
    pub fn summary(&mut self, verdicts: &[Verdict]) {
        let mut scenarios: Vec<&str> = verdicts.iter().map(|v| v.scenario.as_str()).collect();
        scenarios.dedup();
        let _ = writeln!(
            self.out,
            "\n{:<40} {:>5} {:>5} {:>13} {:>6}",
            "scenario", "pass", "fail", "inconclusive", "error"
        );
        for s in &scenarios {
            let count = |o: Outcome| {
                verdicts
                    .iter()
                    .filter(|v| v.scenario == *s && v.outcome == o)
                    .count()
            };
            let _ = writeln!(
                self.out,
                "{:<40} {:>5} {:>5} {:>13} {:>6}",
                s,
                count(Outcome::Pass),
                count(Outcome::Fail),
                count(Outcome::Inconclusive),
                count(Outcome::Error)
            );
        }
        let _ = writeln!(self.out, "\n{}", overall(verdicts));
    }
}

fn label(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "PASS",
        Outcome::Fail => "FAIL",
        Outcome::Inconclusive => "INCONCLUSIVE",
        Outcome::Error => "ERROR",
    }
}

/// One line saying whether the run met every expectation.
pub fn overall(verdicts: &[Verdict]) -> String {
    let count = |o: Outcome| verdicts.iter().filter(|v| v.outcome == o).count();
    let (pass, fail, inconclusive, error) = (
        count(Outcome::Pass),
        count(Outcome::Fail),
        count(Outcome::Inconclusive),
        count(Outcome::Error),
    );
    if pass == verdicts.len() {
        format!("ok: all {pass} case(s) met their expectation")
    } else if inconclusive > 0 && fail == 0 && error == 0 {
        format!("INCONCLUSIVE: {inconclusive} reject case(s) prove nothing because no good login worked; {pass} passed")
    } else {
        format!("FAILED: {fail} failed, {error} could not run, {inconclusive} inconclusive, {pass} passed")
    }
}

/// Writes all verdicts as JSON.
pub fn write_json(path: &Path, verdicts: &[Verdict]) -> std::io::Result<()> {
    let doc = serde_json::json!({ "summary": overall(verdicts), "cases": verdicts });
    std::fs::write(
        path,
        serde_json::to_vec_pretty(&doc).map_err(std::io::Error::other)?,
    )
}

/// Writes a JUnit XML report: one test suite per scenario, one test case per case.
pub fn write_junit(path: &Path, verdicts: &[Verdict]) -> std::io::Result<()> {
    let mut report = Report::new("saml-harness");
    let mut scenarios: Vec<&str> = verdicts.iter().map(|v| v.scenario.as_str()).collect();
    scenarios.dedup();
    for s in scenarios {
        let mut suite = TestSuite::new(s);
        for v in verdicts.iter().filter(|v| v.scenario == s) {
            let status = match v.outcome {
                Outcome::Pass => TestCaseStatus::success(),
                Outcome::Fail => {
                    let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    st.set_message(v.reason.clone());
                    st
                }
                Outcome::Error => {
                    let mut st = TestCaseStatus::non_success(NonSuccessKind::Error);
                    st.set_message(v.reason.clone());
                    st
                }
                Outcome::Inconclusive => {
                    let mut st = TestCaseStatus::skipped();
                    st.set_message(v.reason.clone());
                    st
                }
            };
            let mut case = TestCase::new(format!("{} {}", v.id, v.name), status);
            case.set_classname(s.to_owned());
            case.set_time(v.duration);
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    let xml = report.to_string().map_err(std::io::Error::other)?;
    std::fs::write(path, xml)
}
