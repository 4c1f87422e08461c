//! SARIF 2.1.0 reports for code-scanning dashboards: one rule per check or case, one result
//! per case that did not pass, pointed at the scenario file.

use std::path::Path;

use attacks::{Severity, CATALOGUE};
use serde_json::{json, Value};

use crate::runner::{Outcome, Verdict};

/// The SARIF schema this writer follows.
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// GitHub code scanning's `security-severity` for a check's severity (CVSS-like, 0–10).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

/// The SARIF level of a verdict, or None for verdicts that are no finding.
fn level(o: Outcome) -> Option<&'static str> {
    match o {
        Outcome::Vulnerable | Outcome::Fail => Some("error"),
        Outcome::Nonstrict => Some("warning"),
        Outcome::Inconclusive | Outcome::Error => Some("note"),
        Outcome::Pass | Outcome::NotApplicable => None,
    }
}

/// The rule for a case id: the catalogue's text for checks, the case's name otherwise.
fn rule(v: &Verdict) -> Value {
    let check = CATALOGUE.iter().find(|c| c.id == v.id);
    let mut rule = json!({
        "id": v.id,
        "name": v.id.replace(['/', '-'], "_"),
        "shortDescription": {"text": check.map_or(v.name.as_str(), |c| c.title)},
    });
    if let Some(c) = check {
        rule["fullDescription"] = json!({"text": format!("The SP must {}.", c.must)});
        rule["help"] = json!({
            "text": format!("Fix: {}. References: {}.", c.fix, c.references.join("; ")),
        });
        let mut tags: Vec<&str> = vec!["security", "saml"];
        tags.extend(c.tags);
        rule["properties"] = json!({
            "tags": tags,
            "security-severity": security_severity(c.severity),
            "precision": "high",
        });
    }
    rule
}

/// The scenario file as a SARIF artifact URI: relative to the working directory when it is
/// under it (so code scanning maps it into the repository), percent-encoded, `/`-separated;
/// a `file:` URL otherwise.
fn artifact_uri(file: &str) -> String {
    let path = Path::new(file);
    let cwd = std::env::current_dir().unwrap_or_default();
    let relative = if path.is_absolute() {
        match path.strip_prefix(&cwd) {
            Ok(r) => r.to_path_buf(),
            Err(_) => {
                return url::Url::from_file_path(path)
                    .map(|u| u.to_string())
                    .unwrap_or_else(|_| file.to_owned())
            }
        }
    } else {
        path.to_path_buf()
    };
    relative
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(
                percent_encoding::utf8_percent_encode(&s.to_string_lossy(), SEGMENT).to_string(),
            ),
            std::path::Component::ParentDir => Some("..".to_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// What a path segment of a URI must escape.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// The SARIF document for `verdicts`; the run's `notes` become tool execution notifications.
pub fn document(verdicts: &[Verdict], notes: &[String]) -> Value {
    let mut rules: Vec<Value> = Vec::new();
    let mut results: Vec<Value> = Vec::new();
    for v in verdicts {
        let Some(level) = level(v.outcome) else {
            continue;
        };
        let index = match rules.iter().position(|r| r["id"] == v.id) {
            Some(i) => i,
            None => {
                rules.push(rule(v));
                rules.len() - 1
            }
        };
        results.push(json!({
            "ruleId": v.id,
            "ruleIndex": index,
            "level": level,
            "message": {"text": format!("{} ({}): {}", v.outcome.word(), v.scenario, v.reason)},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(&v.file)},
                    "region": {"startLine": 1},
                },
            }],
            "partialFingerprints": {"samlHarnessCase/v1": format!("{}/{}", v.scenario, v.id)},
            "properties": {"verdict": v.outcome.word()},
        }));
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "saml-harness",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notes
                    .iter()
                    .map(|n| json!({"level": "note", "message": {"text": n}}))
                    .collect::<Vec<_>>(),
            }],
            "results": results,
        }],
    })
}

/// Writes the SARIF report for `verdicts` and the run's `notes` to `path`.
pub fn write(path: &Path, verdicts: &[Verdict], notes: &[String]) -> std::io::Result<()> {
    let doc = document(verdicts, notes);
    std::fs::write(
        path,
        serde_json::to_vec_pretty(&doc).map_err(std::io::Error::other)?,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn scenario_paths_become_relative_percent_encoded_uris() {
        assert_eq!(
            super::artifact_uri("./scenarios/my sp.yaml"),
            "scenarios/my%20sp.yaml"
        );
        let cwd = std::env::current_dir().unwrap();
        let inside = cwd.join("a#b.yaml");
        assert_eq!(
            super::artifact_uri(&inside.display().to_string()),
            "a%23b.yaml"
        );
        assert!(super::artifact_uri("/elsewhere/x.yaml").starts_with("file:///elsewhere/"));
    }
}
