//! `--driver chromium`: the same flow in headless Chromium (Debian's) logs B.Simon into the
//! reference SP, and still catches a flaw.

use std::process::Command;

/// Runs the login example plus `attacks` through Chromium (about 3 s a case).
fn demo_with_chromium(attacks: &str, flaws: &[&str]) -> (i32, serde_json::Value) {
    assert!(
        std::path::Path::new("/usr/bin/chromium").exists(),
        "Chromium is missing; run scripts/setup --test"
    );
    let dir = tempfile::tempdir().unwrap();
    let login = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios/examples/01-login.yaml"
    ))
    .unwrap();
    std::fs::write(
        dir.path().join("login.yaml"),
        format!("{login}  - attacks: [{attacks}]\n"),
    )
    .unwrap();
    let report = dir.path().join("report.json");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_saml-harness"));
    cmd.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .args(["demo", "--driver", "chromium", "--scenarios"])
        .arg(dir.path())
        .arg("--report")
        .arg(format!("json={}", report.display()));
    for f in flaws {
        cmd.args(["--flaw", f]);
    }
    let out = cmd.output().unwrap();
    let json = std::fs::read(&report).unwrap_or_else(|_| {
        panic!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&json).unwrap(),
    )
}

/// The attacks of the first test.
const TWO_ATTACKS: &str = "sig/tampered, replay/";

fn ids(report: &serde_json::Value, outcome: &str) -> Vec<String> {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["verdict"] == outcome)
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn chromium_logs_b_simon_in_and_catches_a_flaw() {
    let (code, report) = demo_with_chromium(TWO_ATTACKS, &[]);
    let good = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "login/good")
        .unwrap();
    assert_eq!(
        good["reason"], "signed in as B.Simon@contoso.com",
        "{report:#}"
    );
    assert_eq!(
        (code, ids(&report, "pass")),
        (
            0,
            vec![
                "login/good".to_owned(),
                "control/no-op-edit".into(),
                "control/idp-re-signed".into(),
                "control/target-identity".into(),
                "sig/tampered".into(),
                "prot/replay".into(),
                "control/after-checks".into()
            ]
        ),
        "{report:#}"
    );

    let (code, report) = demo_with_chromium(TWO_ATTACKS, &["replay"]);
    assert_eq!(
        (code, ids(&report, "vulnerable")),
        (1, vec!["prot/replay".to_owned()]),
        "{report:#}"
    );
}

#[test]
fn chromium_sees_the_acs_status_so_another_checks_crash_is_no_refusal() {
    // The SP checks no signature, answers 500 to a DOCTYPE and 503 to the response after it:
    // the forgery after the DOCTYPE check lands on the 503 and must be run again, not pass.
    let (code, report) = demo_with_chromium(
        "dsig/namespace-confusion, dsig/namespace-hiding",
        &["signature", "doctype-crashes-worker"],
    );
    let hiding = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "dsig/namespace-hiding")
        .unwrap();
    assert_eq!(hiding["verdict"], "vulnerable", "{report:#}");
    assert!(
        hiding["reason"]
            .as_str()
            .unwrap()
            .contains("run again alone"),
        "{hiding}"
    );
    assert_eq!(code, 1, "{report:#}");
}
