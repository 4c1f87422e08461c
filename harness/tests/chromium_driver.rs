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
        // One job, stated: a flaw here (doctype-crashes-worker) answers the next post from
        // anyone, so which check meets it must not depend on the default.
        .args(["demo", "--driver", "chromium", "--jobs", "1", "--scenarios"])
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

    // Chromium replays from a fresh context, which the request binding refuses on its own.
    let (code, report) = demo_with_chromium(TWO_ATTACKS, &["replay", "requests-any-browser"]);
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

/// An SP that accepts connections and never answers: the case ends at its timeout and the
/// process exits soon after (it used to wait ten minutes for Chromium's idle timeout).
#[test]
fn under_chromium_an_sp_that_never_answers_ends_the_run_in_bounded_time() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream); // accepted, never answered
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("silent.yaml");
    std::fs::write(
        &scenario,
        format!(
            "name: silent\nsp:\n  sign_on_url: http://127.0.0.1:{port}/login\n  entity_id: urn:silent\n  acs_url: http://127.0.0.1:{port}/acs\n  oracle:\n    url: http://127.0.0.1:{port}/me\ncases:\n  - name: login\n    expect: accept\n"
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .args([
            "run",
            "--driver",
            "chromium",
            "--case-timeout",
            "3",
            "--request-timeout",
            "2",
        ])
        .arg(&scenario)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > std::time::Duration::from_secs(90) {
            let _ = child.kill();
            panic!("still running after 90 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("ERROR"), "{stdout}");
}
