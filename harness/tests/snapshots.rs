//! insta snapshots of what a person and a CI job see from `saml-harness demo`: the human output
//! and the JSON report (ports, IDs, GUIDs and timings redacted).

use std::process::Command;

fn filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
        (
            r"_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[ID]",
        ),
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[GUID]",
        ),
        // An ID cut short by a truncated reason.
        (r"_[0-9a-f]{8}-[0-9a-f-]*…", "[ID]…"),
        (r#""duration_ms": \d+"#, r#""duration_ms": "[MS]""#),
        // A check's local canary file.
        (
            r"saml-harness-canary-[0-9a-f]{32}",
            "saml-harness-canary-[TOKEN]",
        ),
        // How long a denial-of-service check's posts took.
        (r"\b\d+ ms\b|\b\d+\.\d s\b", "[TOOK]"),
    ]
}

#[test]
fn demo_output_and_json_report() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let out = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .args(["demo", "--flaw", "replay", "--jobs", "2", "--report"])
        .arg(format!("json={}", report.display()))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "the replay flaw must fail the run"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let json = std::fs::read_to_string(&report).unwrap();
    insta::with_settings!({filters => filters()}, {
        insta::assert_snapshot!("demo_human_output", stdout);
        insta::assert_snapshot!("demo_json_report", json);
    });
}

#[test]
fn junit_report_has_a_suite_per_scenario_and_a_failure_per_failed_case() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let out = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .args(["demo", "--flaw", "audience", "--report"])
        .arg(format!("junit={}", junit.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let suites: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .filter_map(|n| n.attribute("name"))
        .collect();
    assert_eq!(
        suites,
        ["login", "forgeries", "claims", "regex oracle", "live IdP"]
    );
    let failed: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase") && n.children().any(|c| c.has_tag_name("failure")))
        .filter_map(|n| n.attribute("name"))
        .collect();
    assert_eq!(failed, ["aud/other-sp", "aud/prefix", "enc/other-audience"]);
    // A failure's body says who got in and what the check cites.
    let body = doc
        .descendants()
        .find(|n| n.has_tag_name("failure"))
        .and_then(|n| n.text())
        .unwrap_or_default();
    assert!(body.contains("signed in as: "), "{body}");
    assert!(body.contains("references: "), "{body}");
}
