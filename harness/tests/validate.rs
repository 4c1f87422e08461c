//! `saml-harness validate`: a dry run that checks a scenario and what it points at, exit 0/1/2.

mod common;

use std::process::{Command, Output};

fn validate(sp_url: &str, scenario: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("SP_URL", sp_url)
        .args(["validate", scenario])
        .output()
        .unwrap()
}

#[test]
fn a_running_sp_validates_and_its_authn_request_is_judged_as_entra_would() {
    let sp = common::serve(&["sp", "serve", "--listen", "127.0.0.1:0"]);
    let out = validate(&sp.url, "scenarios/examples/01-login.yaml");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("Entra would accept"), "{stdout}");
    assert!(stdout.contains("ok: 1 scenario(s) valid"), "{stdout}");
    assert!(
        stdout.contains("signed out, the protected page"),
        "{stdout}"
    );
}

#[test]
fn an_sp_that_is_not_running_fails_and_a_broken_file_is_a_usage_error() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let out = validate(&url, "scenarios/examples/01-login.yaml");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL") && stdout.contains("nothing listens there"),
        "{stdout}"
    );
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "sp: [\n").unwrap();
    let out = validate(&url, broken.to_str().unwrap());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.yaml"));
}
