//! Reporters: a human one that prints as verdicts arrive, and JSON and JUnit files for CI.

use std::io::Write;
use std::path::Path;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::runner::{Event, Outcome, Verdict};

/// How much the human reporter prints, and whether it colours verdicts.
#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    /// Decoded messages under each case.
    pub verbose: bool,
    /// Only the cases that did not pass, and the summary.
    pub quiet: bool,
    /// ANSI colours on the verdict labels.
    pub color: bool,
}

/// Prints one line per case as it finishes (the progress), with details under `--verbose`.
pub struct Human<W: Write> {
    out: W,
    style: Style,
}

impl<W: Write> Human<W> {
    /// A reporter writing to `out` in `style`.
    pub fn new(out: W, style: Style) -> Self {
        Human { out, style }
    }

    /// Renders one event.
    pub fn event(&mut self, event: &Event) {
        let _ = match event {
            Event::ScenarioStarted { .. } if self.style.quiet => Ok(()),
            Event::ScenarioStarted { name, file, cases } => writeln!(
                self.out,
                "\n{} ({}): {cases} case(s)",
                printable(name),
                printable(file)
            ),
            Event::CaseFinished(v) => self.case(v),
            Event::Note(_) if self.style.quiet => Ok(()),
            Event::Note(text) => writeln!(self.out, "  note: {}", printable(text)),
        };
        let _ = self.out.flush();
    }

    fn case(&mut self, v: &Verdict) -> std::io::Result<()> {
        if self.style.quiet && matches!(v.outcome, Outcome::Pass | Outcome::NotApplicable) {
            return Ok(());
        }
        let label = format!("{:<12}", label(v.outcome));
        let label = match (self.style.color, colour(v.outcome)) {
            (true, Some(code)) => format!("\u{1b}[{code}m{label}\u{1b}[0m"),
            _ => label,
        };
        writeln!(
            self.out,
            "  {} {:<24} {} — {}",
            label,
            printable(&v.id),
            printable(&v.name),
            printable(&v.reason)
        )?;
        for note in &v.findings {
            writeln!(self.out, "      note: {}", printable(note))?;
        }
        if self.style.verbose {
            for d in &v.details {
                for line in d.lines() {
                    writeln!(self.out, "      | {}", printable(line))?;
                }
            }
        }
        Ok(())
    }

    /// The summary table (a column per verdict that occurred) and the overall line.
    pub fn summary(&mut self, verdicts: &[Verdict]) {
        let scenarios = scenario_names(verdicts);
        let columns = columns(verdicts);
        let mut header = format!("\n{:<40}", "scenario");
        for o in &columns {
            header.push_str(&format!(" {:>14}", o.word()));
        }
        let _ = writeln!(self.out, "{header}");
        for s in &scenarios {
            let mut row = format!("{s:<40}");
            for o in &columns {
                row.push_str(&format!(" {:>14}", count(verdicts, s, *o)));
            }
            let _ = writeln!(self.out, "{row}");
        }
        let _ = writeln!(self.out, "\n{}", overall(verdicts));
    }
}

/// Whether `c` would act on a terminal instead of showing, or not show at all: control
/// characters (escape sequences, carriage returns), the bidirectional overrides that reorder
/// a line (U+202E), and the invisible or blank-looking characters a look-alike account hides
/// behind (no-break space, zero-width characters, byte order mark).
fn acts(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        || matches!(
            c,
            '\u{a0}' | '\u{ad}' | '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}'
        )
}

/// `s` safe to print on one line of a terminal: what [`acts`] shown as `\u{…}` escapes, so a
/// scenario name or an SP's page cannot recolour, rewrite or reorder the output.
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| {
            if acts(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// [`printable`] for text of several lines: line feeds and tabs kept, the rest the same.
pub fn printable_lines(s: &str) -> String {
    s.split('\n')
        .map(|line| {
            line.split('\t')
                .map(printable)
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The verdict columns a summary shows: pass, and every verdict that occurred.
fn columns(verdicts: &[Verdict]) -> Vec<Outcome> {
    Outcome::ALL
        .into_iter()
        .filter(|o| *o == Outcome::Pass || verdicts.iter().any(|v| v.outcome == *o))
        .collect()
}

/// How many of `scenario`'s cases ended as `outcome`.
fn count(verdicts: &[Verdict], scenario: &str, outcome: Outcome) -> usize {
    verdicts
        .iter()
        .filter(|v| v.scenario == scenario && v.outcome == outcome)
        .count()
}

/// The scenarios' names, each once, in the order they ran.
fn scenario_names(verdicts: &[Verdict]) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for v in verdicts {
        if !names.contains(&v.scenario.as_str()) {
            names.push(&v.scenario);
        }
    }
    names
}

/// The ANSI colour of a verdict label (SGR parameter), if it has one.
fn colour(o: Outcome) -> Option<&'static str> {
    match o {
        Outcome::Pass => Some("32"),
        Outcome::Fail | Outcome::Vulnerable => Some("1;31"),
        Outcome::Nonstrict | Outcome::Inconclusive => Some("33"),
        Outcome::Error => Some("35"),
        Outcome::NotApplicable => None,
    }
}

fn label(o: Outcome) -> String {
    o.word().to_uppercase()
}

/// Verdict counts, every verdict word present.
pub fn counts(verdicts: &[Verdict]) -> serde_json::Map<String, serde_json::Value> {
    Outcome::ALL
        .into_iter()
        .map(|o| {
            let n = verdicts.iter().filter(|v| v.outcome == o).count();
            (o.word().to_owned(), serde_json::Value::from(n))
        })
        .collect()
}

/// One line saying whether the run met every expectation.
pub fn overall(verdicts: &[Verdict]) -> String {
    let pass = verdicts
        .iter()
        .filter(|v| v.outcome == Outcome::Pass)
        .count();
    let skipped = verdicts
        .iter()
        .filter(|v| v.outcome == Outcome::NotApplicable)
        .count();
    if pass + skipped == verdicts.len() {
        return match skipped {
            0 => format!("ok: all {pass} case(s) met their expectation"),
            n => format!("ok: {pass} case(s) met their expectation, {n} not applicable"),
        };
    }
    let parts: Vec<String> = Outcome::ALL
        .into_iter()
        .filter_map(|o| {
            let n = verdicts.iter().filter(|v| v.outcome == o).count();
            (n > 0).then(|| format!("{n} {}", o.word()))
        })
        .collect();
    let bad = verdicts.iter().any(|v| {
        matches!(
            v.outcome,
            Outcome::Fail | Outcome::Vulnerable | Outcome::Error
        )
    });
    format!(
        "{}: {}",
        if bad { "FAILED" } else { "NOT ALL PASSED" },
        parts.join(", ")
    )
}

/// Writes all verdicts as JSON.
pub fn write_json(path: &Path, verdicts: &[Verdict], notes: &[String]) -> std::io::Result<()> {
    let doc = serde_json::json!({
        "schema": 1,
        "tool": {"name": "saml-harness", "version": env!("CARGO_PKG_VERSION")},
        "summary": counts(verdicts),
        "overall": overall(verdicts),
        "notes": notes,
        "cases": verdicts,
    });
    std::fs::write(
        path,
        serde_json::to_vec_pretty(&doc).map_err(std::io::Error::other)?,
    )
}

/// A Markdown table cell: one line, pipes escaped.
fn cell(s: &str) -> String {
    printable(&s.replace(['\n', '\r', '\t'], " ")).replace('|', "\\|")
}

/// The Markdown report (for a CI step summary such as `$GITHUB_STEP_SUMMARY`): the overall
/// line, the verdict table per scenario, and every case that did not pass.
pub fn markdown(verdicts: &[Verdict]) -> String {
    let scenarios = scenario_names(verdicts);
    let columns = columns(verdicts);
    let mut out = format!(
        "## saml-harness\n\n**{}**\n\n| scenario |",
        cell(&overall(verdicts))
    );
    for o in &columns {
        out.push_str(&format!(" {} |", o.word()));
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(columns.len()));
    out.push('\n');
    for s in &scenarios {
        out.push_str(&format!("| {} |", cell(s)));
        for o in &columns {
            out.push_str(&format!(" {} |", count(verdicts, s, *o)));
        }
        out.push('\n');
    }
    let findings: Vec<&Verdict> = verdicts
        .iter()
        .filter(|v| !matches!(v.outcome, Outcome::Pass | Outcome::NotApplicable))
        .collect();
    if !findings.is_empty() {
        out.push_str("\n### Cases that did not pass\n\n| verdict | severity | case | scenario | why |\n|---|---|---|---|---|\n");
        for v in findings {
            out.push_str(&format!(
                "| {} | {} | `{}` | {} | {} |\n",
                v.outcome.word(),
                v.severity.map_or("", |s| s.name()),
                cell(&v.id),
                cell(&v.scenario),
                cell(&v.reason)
            ));
        }
    }
    out
}

/// Appends the Markdown report to `path` (a CI step summary collects several writers).
pub fn write_markdown(path: &Path, verdicts: &[Verdict], notes: &[String]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(markdown(verdicts).as_bytes())?;
    for note in notes {
        writeln!(file, "- note: {}", cell(note))?;
    }
    Ok(())
}

/// The body of a JUnit failure: why, what the forgery tried and who got in, the references,
/// and the case's notes (a fuzz finding's edits, nearest check and reproducer path).
fn junit_description(v: &Verdict) -> String {
    let mut lines = vec![v.reason.clone()];
    if let Some(f) = &v.forged_identity {
        lines.push(format!("forged identity: {f}"));
    }
    if let Some(who) = &v.signed_in_as {
        lines.push(format!("signed in as: {who}"));
    }
    if !v.references.is_empty() {
        lines.push(format!("references: {}", v.references.join("; ")));
    }
    lines.extend(v.findings.iter().cloned());
    lines.join("\n")
}

/// Writes a JUnit XML report: one test suite per scenario, one test case per case; the run's
/// `notes` (`scenario: text`) go to their scenario's suite as its system-out (one naming no
/// suite goes to the first).
pub fn write_junit(path: &Path, verdicts: &[Verdict], notes: &[String]) -> std::io::Result<()> {
    let mut report = Report::new("saml-harness");
    let scenarios = scenario_names(verdicts);
    let suite_of = |note: &String| {
        scenarios
            .iter()
            .position(|s| note.starts_with(&format!("{s}: ")))
            .unwrap_or(0)
    };
    for (index, s) in scenarios.iter().copied().enumerate() {
        let mut suite = TestSuite::new(s);
        let suite_notes: Vec<&str> = notes
            .iter()
            .filter(|n| suite_of(n) == index)
            .map(String::as_str)
            .collect();
        if !suite_notes.is_empty() {
            suite.set_system_out(suite_notes.join("\n"));
        }
        for v in verdicts.iter().filter(|v| v.scenario == s) {
            let status = match v.outcome {
                Outcome::Nonstrict if !v.gating => TestCaseStatus::success(),
                Outcome::Pass => TestCaseStatus::success(),
                Outcome::Fail | Outcome::Vulnerable | Outcome::Nonstrict => {
                    let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    st.set_message(v.reason.clone());
                    st.set_description(junit_description(v));
                    st
                }
                Outcome::Error => {
                    let mut st = TestCaseStatus::non_success(NonSuccessKind::Error);
                    st.set_message(v.reason.clone());
                    st.set_description(junit_description(v));
                    st
                }
                Outcome::Inconclusive | Outcome::NotApplicable => {
                    let mut st = TestCaseStatus::skipped();
                    st.set_message(v.reason.clone());
                    st
                }
            };
            let mut case = TestCase::new(v.id.clone(), status);
            let mut out: Vec<String> = v.findings.clone();
            if v.outcome == Outcome::Nonstrict {
                out.insert(0, format!("nonstrict: {}", v.reason));
            }
            if !out.is_empty() {
                case.set_system_out(out.join("\n"));
            }
            case.set_classname(s.to_owned());
            case.set_time(v.duration);
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    let xml = report.to_string().map_err(std::io::Error::other)?;
    std::fs::write(path, xml)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_markdown_cell_stays_one_cell_on_one_line() {
        assert_eq!(super::cell("a|b\nc\u{1b}[31m"), "a\\|b c\\u{1b}[31m");
    }

    #[test]
    fn escapes_and_bidi_overrides_are_shown_not_obeyed() {
        assert_eq!(
            super::printable("ok\u{1b}[2J\u{202E}txt.exe\r"),
            "ok\\u{1b}[2J\\u{202e}txt.exe\\u{d}"
        );
        assert_eq!(super::printable("B.Simon — ü"), "B.Simon — ü");
    }
}
