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

/// The errors the SARIF 2.1.0 JSON schema finds in `doc` (Microsoft's copy of the schema, as
/// `@microsoft/jest-sarif` ships it, checked by ajv as that package does; both installed by
/// `scripts/setup --test`).
fn schema_errors(doc: &serde_json::Value) -> Vec<String> {
    let modules = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/sarif-schema-node/node_modules");
    assert!(
        modules.join("ajv").is_dir(),
        "the SARIF schema is missing; run scripts/setup --test"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.sarif");
    std::fs::write(&file, serde_json::to_vec(doc).unwrap()).unwrap();
    let script = r#"
const [modules, file] = process.argv.slice(1);
const Ajv = require(modules + '/ajv');
const ajv = new Ajv({schemaId: 'auto', allErrors: true});
ajv.addMetaSchema(require(modules + '/ajv/lib/refs/json-schema-draft-04.json'));
const schema = require(modules + '/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
const ok = ajv.validate(schema, JSON.parse(require('fs').readFileSync(file, 'utf8')));
for (const e of ok ? [] : ajv.errors) console.log(`${e.dataPath} ${e.message} ${JSON.stringify(e.params)}`);
"#;
    let out = Command::new("node")
        .arg("-e")
        .arg(script)
        .arg(&modules)
        .arg(&file)
        .output()
        .expect("node; run scripts/setup --test");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn sarif_reports_are_valid_against_the_sarif_2_1_0_schema() {
    for flaw in [Some("xsw-root-assertion"), None] {
        let (_, _, sarif) = reports(flaw);
        let errors = schema_errors(&sarif);
        assert!(errors.is_empty(), "{flaw:?}: {errors:#?}\n{sarif:#}");
    }
    // The validator does refuse what the schema forbids.
    let (_, _, mut sarif) = reports(Some("xsw-root-assertion"));
    sarif["runs"][0]["results"][0]["level"] = "fatal".into();
    sarif["version"] = "2.0".into();
    let errors = schema_errors(&sarif);
    assert!(errors.iter().any(|e| e.contains(".level")), "{errors:#?}");
    assert!(errors.iter().any(|e| e.contains(".version")), "{errors:#?}");
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
fn every_report_carries_the_runs_notes() {
    let dir = tempfile::tempdir().unwrap();
    let (json, md) = (dir.path().join("r.json"), dir.path().join("r.md"));
    let (junit, sarif, html) = (
        dir.path().join("r.xml"),
        dir.path().join("r.sarif"),
        dir.path().join("r.html"),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .args([
            "conformance",
            "--reference-sp",
            "--only",
            "xsw",
            "--jobs",
            "2",
        ])
        .arg("--report")
        .arg(format!("json={}", json.display()))
        .arg("--report")
        .arg(format!("markdown={}", md.display()))
        .arg("--report")
        .arg(format!("junit={}", junit.display()))
        .arg("--report")
        .arg(format!("sarif={}", sarif.display()))
        .arg("--report")
        .arg(format!("html={}", html.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let said = "login: 2 checks at once: 4 logins side by side each kept its session";
    assert_eq!(report["notes"], serde_json::json!([said]), "{report}");
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(md.contains(&format!("- note: {said}")), "{md}");
    let junit = std::fs::read_to_string(&junit).unwrap();
    assert!(
        junit.contains(&format!("<system-out>{said}</system-out>")),
        "the login suite's system-out: {junit}"
    );
    let sarif: serde_json::Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert_eq!(schema_errors(&sarif), Vec::<String>::new(), "{sarif}");
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"],
        said,
        "{sarif}"
    );
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(html.contains(&format!("<li>note: {said}</li>")), "{html}");
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
