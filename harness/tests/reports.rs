//! The CI reports: Markdown for step summaries, SARIF 2.1.0 for code scanning, written from a
//! real run against the reference SP with a flaw.

use std::process::Command;

/// Runs the xsw checks against the reference SP with `flaw` (or none); returns the exit code,
/// the Markdown and the SARIF document.
fn reports(flaw: Option<&str>) -> (i32, String, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let (md, sarif) = (dir.path().join("summary.md"), dir.path().join("r.sarif"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_saml-harness"));
    cmd.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .args(["conformance", "--reference-sp", "--only", "xsw"])
        .arg("--report")
        .arg(format!("markdown={}", md.display()))
        .arg("--report")
        .arg(format!("sarif={}", sarif.display()));
    if let Some(f) = flaw {
        cmd.args(["--flaw", f]);
    }
    let out = cmd.output().unwrap();
    let sarif = serde_json::from_slice(&std::fs::read(sarif).unwrap()).unwrap();
    (
        out.status.code().unwrap(),
        std::fs::read_to_string(md).unwrap(),
        sarif,
    )
}

#[test]
fn a_vulnerable_run_is_a_sarif_error_per_case_with_its_rule_and_a_markdown_row() {
    let (code, md, sarif) = reports(Some("xsw-root-assertion"));
    assert_eq!(code, 1);
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "saml-harness");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert!(results.len() >= 6, "{sarif:#}");
    for r in results {
        let rule = &rules[r["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], r["ruleId"], "{r:#}");
        assert_eq!(r["level"], "error", "{r:#}");
        assert_eq!(rule["properties"]["security-severity"], "9.5", "{rule:#}");
        assert!(rule["help"]["text"].as_str().unwrap().starts_with("Fix: "));
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
        assert!(root.join(uri).is_file(), "{uri}");
        assert!(r["partialFingerprints"]["samlHarnessCase/v1"]
            .as_str()
            .unwrap()
            .ends_with(r["ruleId"].as_str().unwrap()));
    }
    let ids: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"xsw/1"), "{ids:?}");
    assert!(md.starts_with("## saml-harness\n\n**FAILED: "), "{md}");
    assert!(
        md.contains("| vulnerable | critical | `xsw/1` | login |"),
        "{md}"
    );
    assert!(md.contains("| scenario | pass | vulnerable |"), "{md}");
}

#[test]
fn a_clean_run_has_no_sarif_results_and_no_markdown_findings() {
    let (code, md, sarif) = reports(None);
    assert_eq!(code, 0);
    assert_eq!(sarif["runs"][0]["results"], serde_json::json!([]));
    assert!(md.contains("**ok: all"), "{md}");
    assert!(!md.contains("did not pass"), "{md}");
}

#[test]
fn fail_fast_stops_at_the_first_verdict_that_fails_the_run_and_reports_what_ran() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let out = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .args([
            "conformance",
            "--reference-sp",
            "--only",
            "xsw",
            "--fail-fast",
        ])
        .args(["--flaw", "signature-wrapping", "--report"])
        .arg(format!("json={}", json.display()))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let cases = report["cases"].as_array().unwrap();
    let vulnerable: Vec<&serde_json::Value> = cases
        .iter()
        .filter(|c| c["verdict"] == "vulnerable")
        .collect();
    assert_eq!(vulnerable.len(), 1, "{report}");
    let first = vulnerable[0]["id"].as_str().unwrap();
    assert!(
        stdout.contains(&format!("stopped at {first} (--fail-fast)")),
        "{stdout}"
    );
    let selected = attacks::select::select(&["xsw".into()], &[]).unwrap().len();
    assert!(cases.len() < selected, "{} cases ran", cases.len());

    // An expected deviation (--expect) does not stop the run; the next one does.
    let expect = dir.path().join("known.yaml");
    std::fs::write(
        &expect,
        format!("- {{id: {first}, verdict: vulnerable, reason: known}}\n"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .args([
            "conformance",
            "--reference-sp",
            "--only",
            "xsw",
            "--fail-fast",
        ])
        .args(["--flaw", "signature-wrapping", "--expect"])
        .arg(&expect)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let stopped = stdout
        .lines()
        .find_map(|l| l.strip_prefix("stopped at "))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(!stopped.starts_with(&format!("{first} ")), "{stdout}");

    // A careful SP runs to the end.
    let out = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .args([
            "conformance",
            "--reference-sp",
            "--only",
            "xsw",
            "--fail-fast",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(!stdout.contains("stopped at"), "{stdout}");
}
