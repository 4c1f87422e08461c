//! `idp.url`: the good login is answered by a running mock IdP. When that IdP refuses the SP's
//! request (here: the SP is not one of its apps, AADSTS700016), the case fails and says why.

mod common;

use std::process::Command;

use common::serve;

#[test]
fn a_running_idp_that_refuses_the_sp_fails_the_good_login_with_its_aadsts_code() {
    let idp = serve(&["idp", "serve", "--listen", "127.0.0.1:0"]);
    let dir = tempfile::tempdir().unwrap();
    let metadata = dir.path().join("idp.xml");
    let out = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .args(["idp", "metadata", "--base-url", &idp.url])
        .output()
        .unwrap();
    std::fs::write(&metadata, out.stdout).unwrap();
    let sp = serve(&[
        "sp",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--idp-metadata",
        metadata.to_str().unwrap(),
    ]);
    let report = dir.path().join("report.json");
    let out = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("SP_URL", &sp.url)
        .env("IDP_URL", &idp.url)
        .args(["run", "scenarios/examples/05-live-idp.yaml", "--report"])
        .arg(format!("json={}", report.display()))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let good = &json["cases"][0];
    assert_eq!(good["verdict"], "fail", "{json:#}");
    let reason = good["reason"].as_str().unwrap();
    assert!(
        reason.contains("refused the SP's request: AADSTS700016: Application with identifier '"),
        "the page's text, character references decoded: {reason}"
    );
    assert_eq!(json["cases"][1]["verdict"], "inconclusive");
}
