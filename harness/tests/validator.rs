//! `conformance --profile entra-app-validator`: Microsoft's App Validator scenarios, offline.
//! The careful reference SP is ready to submit; an SP that trusts whatever certificate signs
//! fails "Expired certificate"; an SP that only does SP-initiated sign-in fails the IdP flow;
//! a missing or wrong identity-mapping declaration keeps it from being ready.

mod common;

use common::{run_with_report, serve};

const PROFILE: [&str; 4] = ["conformance", "--profile", "entra-app-validator", "--flows"];

#[test]
fn the_careful_reference_sp_passes_every_required_scenario_of_both_flows() {
    let mut args = PROFILE.to_vec();
    args.extend(["sp,idp", "--reference-sp", "--identity-mapping", "objectid"]);
    let run = run_with_report(&args, &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    for flow in ["sp", "idp"] {
        for scenario in ["working-certificate", "expired-certificate"] {
            assert_eq!(
                run.verdict(&format!("validator/{flow}/{scenario}")),
                "pass",
                "{}",
                run.stdout
            );
        }
        // The bundled SP signs out at the IdP too (`sp serve --single-logout`).
        assert_eq!(
            run.verdict(&format!("validator/{flow}/single-logout")),
            "pass",
            "{}",
            run.stdout
        );
    }
    assert_eq!(run.verdict("validator/identity-mapping"), "pass");
    for said in [
        "SP sign-in (your app's login page)",
        "IdP sign-in (My Apps)",
        "Expired certificate",
        "required",
        "optional",
        "a LogoutRequest for B.Simon@contoso.com went to",
        "the token's NameID",
        "ready to submit",
    ] {
        assert!(run.stdout.contains(said), "{said}: {}", run.stdout);
    }
}

#[test]
fn an_sp_that_trusts_the_certificate_in_the_message_fails_expired_certificate() {
    let mut args = PROFILE.to_vec();
    args.extend([
        "sp,idp",
        "--reference-sp",
        "--flaw",
        "key-from-keyinfo",
        "--identity-mapping",
        "objectid",
    ]);
    let run = run_with_report(&args, &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    for flow in ["sp", "idp"] {
        assert_eq!(
            run.verdict(&format!("validator/{flow}/working-certificate")),
            "pass"
        );
        assert_eq!(
            run.verdict(&format!("validator/{flow}/expired-certificate")),
            "fail",
            "{}",
            run.stdout
        );
    }
    assert!(run
        .stdout
        .contains("with a response signed by an expired certificate"));
    assert!(
        run.stdout
            .contains("not ready: 2 required scenario(s) did not pass"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_sp_that_only_starts_sign_ins_itself_fails_the_idp_flow_and_a_mapping_must_be_declared() {
    // A separate reference SP without --idp-initiated, trusting the built-in tenant.
    let dir = tempfile::tempdir().unwrap();
    let metadata = dir.path().join("idp.xml");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .args(["idp", "metadata", "--base-url", "http://127.0.0.1:7080"])
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
    let mut args = PROFILE.to_vec();
    let logout = format!("{}/logout", sp.url);
    args.extend([
        "sp,idp",
        "scenarios/examples/01-login.yaml",
        "--logout-url",
        &logout,
    ]);
    let run = run_with_report(&args, &[("SP_URL", &sp.url)]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.verdict("validator/sp/working-certificate"), "pass");
    assert_eq!(run.verdict("validator/sp/expired-certificate"), "pass");
    assert_eq!(run.verdict("validator/idp/working-certificate"), "fail");
    // Its refusal of the expired certificate proves nothing once the working one failed too.
    assert_eq!(
        run.verdict("validator/idp/expired-certificate"),
        "inconclusive"
    );
    // Its sign-out ends only the local session: Single Logout fails, but it is optional.
    assert_eq!(run.verdict("validator/sp/single-logout"), "fail");
    assert_eq!(run.verdict("validator/identity-mapping"), "fail");
    assert!(
        run.stdout.contains("unsolicited response"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("hint: --identity-mapping"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("not ready: 3 required"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_profile_refuses_a_scenario_with_a_running_idp_and_says_why() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("SP_URL", "http://127.0.0.1:9")
        .env("IDP_URL", "http://127.0.0.1:9")
        .args(["conformance", "--profile", "entra-app-validator"])
        .arg("scenarios/examples/05-live-idp.yaml")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("idp.url") && said.contains("hint:"), "{said}");
}
