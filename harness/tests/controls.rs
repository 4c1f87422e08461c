//! The controls keep a refusal from passing for the wrong reason: an SP that has no account
//! for the target identity refuses every forgery of it, flawed or not, so those refusals must
//! come out inconclusive, never pass.

mod common;

use common::{run_with_report, serve};

#[test]
fn refusals_of_an_identity_the_sp_has_no_account_for_prove_nothing() {
    // A flawed SP (XSW, no signature check) that only knows B.Simon: manual provisioning.
    let sp = serve(&[
        "sp",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--flaw",
        "xsw-root-assertion",
        "--flaw",
        "signature",
        "--user",
        "B.Simon@contoso.com",
    ]);
    let run = run_with_report(
        &[
            "conformance",
            "scenarios/examples/01-login.yaml",
            "--only",
            "xsw/3",
            "--only",
            "sig/none",
            "--only",
            "cond/expired",
        ],
        &[("SP_URL", &sp.url)],
    );
    let verdict = |id: &str| run.verdict(id);
    assert_eq!(verdict("login/good"), "pass", "{}", run.stdout);
    assert_eq!(
        verdict("control/target-identity"),
        "inconclusive",
        "{}",
        run.stdout
    );
    // Refused only because admin@contoso.com has no account: not a pass.
    assert_eq!(verdict("xsw/3"), "inconclusive", "{}", run.stdout);
    assert_eq!(verdict("sig/none"), "inconclusive", "{}", run.stdout);
    // A check that keeps the user's identity is judged as usual.
    assert_eq!(verdict("cond/expired"), "pass", "{}", run.stdout);
    assert_eq!(run.code, 3, "{}", run.stdout);
}

#[test]
fn an_oracle_that_cannot_tell_users_apart_blocks_forged_identity_verdicts() {
    // The oracle reads a value no forgery changes (the tenant id claim): every user looks alike.
    let sp = serve(&["sp", "serve", "--listen", "127.0.0.1:0"]);
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("tenant-oracle.yaml");
    std::fs::write(
        &scenario,
        "sp:\n  sign_on_url: ${SP_URL}/login\n  metadata: ${SP_URL}/saml/metadata\n  oracle:\n    url: ${SP_URL}/me\n    identity: {json_pointer: '/attributes/http:~1~1schemas.microsoft.com~1identity~1claims~1tenantid/0'}\ncases:\n  - expect: accept\n    identity: 8c3f2d1e-5b4a-4c6d-9e7f-0a1b2c3d4e5f\n",
    )
    .unwrap();
    let run = run_with_report(
        &["conformance", scenario.to_str().unwrap(), "--only", "xsw/3"],
        &[("SP_URL", &sp.url)],
    );
    let verdict = |id: &str| run.verdict(id);
    assert_eq!(verdict("login/good"), "pass", "{}", run.stdout);
    assert_eq!(
        verdict("control/target-identity"),
        "inconclusive",
        "{}",
        run.stdout
    );
    assert_eq!(verdict("xsw/3"), "inconclusive", "{}", run.stdout);
    assert_eq!(run.code, 3, "{}", run.stdout);
}
