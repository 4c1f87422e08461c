//! Every check can fail: the example scenarios pass against the careful reference SP, and each
//! `--flaw` makes exactly its matching cases fail.

use std::collections::BTreeSet;
use std::process::Command;

/// Runs `saml-harness demo` with `flaws`; returns the exit code and the ids of failed cases.
fn demo(flaws: &[&str]) -> (i32, BTreeSet<String>) {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_saml-harness"));
    cmd.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    cmd.args(["demo", "--report"])
        .arg(format!("json={}", report.display()));
    for f in flaws {
        cmd.args(["--flaw", f]);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(&report).unwrap_or_else(|_| panic!("no report; stdout: {stdout}")),
    )
    .unwrap();
    let cases = json["cases"].as_array().unwrap();
    assert!(cases.len() >= 14, "{stdout}");
    for c in cases {
        assert!(
            ["pass", "fail"].contains(&c["outcome"].as_str().unwrap()),
            "unexpected outcome: {c}"
        );
    }
    let failed = cases
        .iter()
        .filter(|c| c["outcome"] == "fail")
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    (out.status.code().unwrap(), failed)
}

#[test]
fn the_examples_pass_against_the_careful_reference_sp() {
    assert_eq!(demo(&[]), (0, BTreeSet::new()));
}

macro_rules! flaw_is_caught {
    ($($test:ident: $flaw:literal => [$($case:literal),+];)+) => {$(
        #[test]
        fn $test() {
            let expected: BTreeSet<String> = [$($case),+].into_iter().map(String::from).collect();
            assert_eq!(demo(&[$flaw]), (1, expected));
        }
    )+};
}

flaw_is_caught! {
    flaw_signature_is_caught: "signature" => ["sig/none", "sig/untrusted-key", "sig/tampered"];
    flaw_signature_wrapping_is_caught: "signature-wrapping" => ["sig/xsw/1"];
    flaw_audience_is_caught: "audience" => ["audience/other-sp"];
    flaw_recipient_is_caught: "recipient" => ["recipient/other-acs"];
    flaw_destination_is_caught: "destination" => ["destination/other-acs"];
    flaw_time_window_is_caught: "time-window" => ["time/expired", "time/not-yet-valid"];
    flaw_in_response_to_is_caught: "in-response-to" => ["irt/unknown-request"];
    flaw_replay_is_caught: "replay" => ["replay/same-response"];
    flaw_issuer_is_caught: "issuer" => ["issuer/other-idp"];
}
