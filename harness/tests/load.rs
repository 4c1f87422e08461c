//! `saml-harness load` against the reference SP: bounded, sampled sessions, a JSON report; and
//! it refuses non-loopback targets unless told.

mod common;

use std::process::Command;

fn load(sp_url: &str, extra: &[&str]) -> (i32, Option<serde_json::Value>, String) {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("load.json");
    let out = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("SP_URL", sp_url)
        .args([
            "load",
            "scenarios/examples/01-login.yaml",
            "--duration",
            "20",
            "--report",
        ])
        .arg(format!("json={}", report.display()))
        .args(extra)
        .output()
        .unwrap();
    let json = std::fs::read(&report)
        .ok()
        .map(|b| serde_json::from_slice(&b).unwrap());
    (
        out.status.code().unwrap(),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn complete_logins_and_acs_only_are_counted_and_sampled() {
    let sp = common::serve(&["sp", "serve", "--listen", "127.0.0.1:0"]);
    for mode in [
        &["--max-logins", "40"][..],
        &["--max-logins", "40", "--acs-only"][..],
        &["--max-logins", "40", "--acs-only", "--pre-mint", "40"][..],
    ] {
        let (code, report, stderr) = load(&sp.url, mode);
        assert_eq!(code, 0, "{stderr}");
        let r = report.unwrap();
        assert_eq!(r["succeeded"], 40, "{r:#}");
        assert_eq!(r["sampled"], 2, "every 20th login is checked: {r:#}");
        assert_eq!(r["sampled_with_session"], 2, "{r:#}");
        assert!(r["logins_per_second"].as_f64().unwrap() > 0.0);
        let pre_minted = r["mode"].as_str().unwrap().contains("40 pre-minted");
        assert_eq!(
            pre_minted,
            mode.contains(&"--pre-mint"),
            "the report says when responses were pre-minted: {r:#}"
        );
        assert!(
            r["latency_ms"]["p99"].as_f64().unwrap() >= r["latency_ms"]["p50"].as_f64().unwrap()
        );
    }
}

#[test]
fn the_trivial_acs_is_a_sink_load_can_measure_itself_against() {
    let sp = common::serve(&["sp", "serve", "--trivial-acs", "--listen", "127.0.0.1:0"]);
    let (code, report, stderr) = load(&sp.url, &["--max-logins", "40", "--acs-only"]);
    assert_eq!(code, 0, "{stderr}");
    let r = report.unwrap();
    assert_eq!(r["succeeded"], 40, "{r:#}");
    assert_eq!(r["sampled_with_session"], 2, "{r:#}");
}

#[test]
fn a_non_loopback_target_needs_allow_remote() {
    let (code, report, stderr) = load("http://sp.example.com", &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(report.is_none());
    assert!(stderr.contains("--allow-remote"), "{stderr}");
}

#[test]
fn logins_in_flight_at_the_deadline_are_cut_off_and_no_success_means_no_latency() {
    // An SP that accepts connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let sp = format!("http://{}", silent.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("silent.yaml");
    std::fs::write(
        &scenario,
        format!("sp:\n  sign_on_url: {sp}/login\n  entity_id: {sp}/metadata\n  acs_url: {sp}/acs\n  oracle: {{url: '{sp}/me'}}\ncases:\n  - expect: accept\n"),
    )
    .unwrap();
    let report = dir.path().join("load.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .arg("load")
        .arg(&scenario)
        .args([
            "--duration",
            "2",
            "--request-timeout",
            "600",
            "--concurrency",
            "2",
        ])
        .arg("--report")
        .arg(format!("json={}", report.display()))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Bounded by --duration, not by the request timeout: give it far less than 600 s.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("load outlived --duration by minutes");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("no login succeeded"), "{stdout}");
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["succeeded"], 0, "{r:#}");
    assert_eq!(r["latency_ms"], serde_json::json!({}), "{r:#}");
    drop(silent);
}
