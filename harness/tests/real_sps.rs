//! SPs nobody here wrote, started on 127.0.0.1 by real-sps, pass their scenario under
//! scenarios/sps/: the good login is accepted with the right identity and the forgeries are
//! refused. Where an SP lets an attack through, its scenario leaves that attack out and a test
//! here shows the harness catching it.

use std::process::Command;

/// The built-in mock IdP's metadata: the in-process IdP the harness runs signs with its key.
fn idp_metadata() -> String {
    let config = mock_idp::config::Config::builtin();
    let app = &config.apps[0];
    mock_idp::metadata::federation_metadata(
        &config.tenant,
        "http://127.0.0.1:7080",
        &app.certificates,
        app.active_cert(),
    )
    .unwrap()
}

/// Runs one scenario file against `sp`; returns the exit code, the report's cases and the output.
fn run(scenario: &str, sp: &real_sps::RealSp) -> (i32, Vec<serde_json::Value>, String) {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let out = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("SP_URL", &sp.base_url)
        .args(["run", scenario, "--report"])
        .arg(format!("json={}", report.display()))
        .output()
        .unwrap();
    let output = format!(
        "{}\n{}\nSP logs:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        sp.logs()
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report).unwrap_or_else(|_| panic!("{output}")))
            .unwrap();
    (
        out.status.code().unwrap(),
        json["cases"].as_array().unwrap().clone(),
        output,
    )
}

/// The scenario passes: the good login shows B.Simon, the control works, and every selected
/// check passes.
fn assert_passes(sp: &real_sps::RealSp, scenario: &str) {
    let (code, cases, out) = run(scenario, sp);
    assert_eq!(code, 0, "{} did not pass {scenario}:\n{out}", sp.name);
    let good = cases.iter().find(|c| c["id"] == "login/good").unwrap();
    assert!(
        good["reason"]
            .as_str()
            .unwrap()
            .contains("B.Simon@contoso.com"),
        "{good}"
    );
    assert!(
        cases.iter().any(|c| c["id"] == "control/no-op-edit"),
        "{out}"
    );
    assert!(cases.len() > 10, "{out}");
    assert!(cases.iter().all(|c| c["verdict"] == "pass"), "{out}");
}

/// The scenario's SP section with a good login and just `attack`: the harness must fail the SP on it.
fn assert_caught(sp: &real_sps::RealSp, scenario: &str, attack: &str) {
    let text =
        std::fs::read_to_string(format!("{}/../{scenario}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let head = &text[..text.find("\ncases:").unwrap()];
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one.yaml");
    std::fs::write(&one, format!("{head}\ncases:\n  - {{expect: accept, identity: B.Simon@contoso.com}}\n  - attack: {attack}\n")).unwrap();
    let (code, cases, out) = run(one.to_str().unwrap(), sp);
    assert_eq!(code, 1, "{out}");
    let case = cases.iter().find(|c| c["id"] == attack).unwrap();
    assert_eq!(case["verdict"], "vulnerable", "{out}");
    assert!(
        case["reason"].as_str().unwrap().contains("accepted"),
        "{case}"
    );
}

#[test]
fn mod_auth_mellon_passes_its_scenario_and_is_caught_ignoring_in_response_to() {
    let sp = real_sps::mellon(&idp_metadata()).unwrap();
    assert_passes(&sp, "scenarios/sps/mod_auth_mellon.yaml");
    assert_caught(
        &sp,
        "scenarios/sps/mod_auth_mellon.yaml",
        "prot/in-response-to-unknown",
    );
}

#[test]
fn shibboleth_sp_passes_its_scenario_and_is_caught_ignoring_in_response_to() {
    let config = mock_idp::config::Config::builtin();
    let sp = real_sps::shibboleth(&idp_metadata(), &config.tenant.entity_id()).unwrap();
    assert_passes(&sp, "scenarios/sps/shibboleth.yaml");
    assert_caught(
        &sp,
        "scenarios/sps/shibboleth.yaml",
        "prot/in-response-to-unknown",
    );
}

#[test]
fn python3_saml_passes_its_scenario() {
    let sp = real_sps::python3_saml(&idp_metadata()).unwrap();
    assert_passes(&sp, "scenarios/sps/python3-saml.yaml");
}
