//! The catalogue against a running IdP whose key the harness does not hold: a separate
//! `saml-harness idp serve` with its own tenant and signing key. Checks that edit the IdP's
//! signed response (TM-A/B) run unchanged and catch a flawed SP; checks that need the IdP to
//! sign something (TM-D/E, look-alike accounts, the identity-switch control) say
//! not-applicable, and refusals they would have vouched for are inconclusive, never pass.

mod common;

use std::process::Command;

use common::serve;

/// A tenant unlike the built-in one (another tenant id and signing key), its app pointed at `sp`;
/// with `interactive`, a person picks the account on a sign-in page (E.Mallory listed first).
fn tenant(dir: &std::path::Path, sp: &str, interactive: bool) -> std::path::PathBuf {
    let key = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/keys/idp-signing-2.key.pem"
    );
    let sign_in = if interactive {
        "sign_in: interactive\nusers:\n  - {upn: E.Mallory@contoso.com, display_name: E.Mallory}\n"
    } else {
        "users:\n"
    };
    let config = format!(
        "tenant: {{id: 0a0b0c0d-1111-4222-8333-444455556666, domain: contoso.com, name: Contoso (another tenant)}}
{sign_in}  - {{upn: B.Simon@contoso.com, given_name: B, surname: Simon, display_name: B.Simon}}
applications:
  - name: live
    identifiers: [{sp}/saml/metadata]
    reply_urls: [{sp}/saml/acs]
    certificates:
      - {{key: {key}, not_before: 2025-01-01T00:00:00Z, not_after: 2035-01-01T00:00:00Z}}
"
    );
    let path = dir.join("tenant.yaml");
    std::fs::write(&path, config).unwrap();
    path
}

/// A port for the SP, held (so no other server takes it) until the SP is about to bind it.
struct SpPort(std::net::TcpListener);

impl SpPort {
    fn new() -> SpPort {
        SpPort(std::net::TcpListener::bind("127.0.0.1:0").unwrap())
    }

    fn port(&self) -> u16 {
        self.0.local_addr().unwrap().port()
    }

    /// Frees the port for the SP and returns it.
    fn release(self) -> u16 {
        self.port()
    }
}

/// A port for the SP, the tenant config (in `dir`) pointed at it, and the running IdP.
fn start_idp(
    dir: &std::path::Path,
    interactive: bool,
) -> (SpPort, std::path::PathBuf, common::Server) {
    let sp_port = SpPort::new();
    let port = sp_port.port();
    let config = tenant(dir, &format!("http://127.0.0.1:{port}"), interactive);
    let idp = serve(&[
        "idp",
        "serve",
        "--config",
        config.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    (sp_port, config, idp)
}

/// The live-IdP example, plus the running IdP's signed metadata as `idp.metadata`.
fn with_idp_metadata(dir: &std::path::Path) -> String {
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios/examples/05-live-idp.yaml"
    ))
    .unwrap();
    let metadata = "  metadata: ${IDP_URL}/0a0b0c0d-1111-4222-8333-444455556666/federationmetadata/2007-06/federationmetadata.xml?appid=live\n";
    let scenario = example.replace(
        "  url: ${IDP_URL}\n",
        &format!("  url: ${{IDP_URL}}\n{metadata}"),
    );
    assert_ne!(scenario, example);
    let path = dir.join("live-with-metadata.yaml");
    std::fs::write(&path, scenario).unwrap();
    path.to_str().unwrap().to_owned()
}

/// Starts the IdP and a reference SP (with `flaws`) that trusts it; runs `conformance` on the
/// live-IdP example; returns the exit code and `id → verdict`.
fn run(flaws: &[&str]) -> (i32, std::collections::BTreeMap<String, String>, String) {
    run_scenario(flaws, false, false)
}

/// As [`run`]; with `idp_metadata`, the scenario also names the running IdP's metadata; with
/// `interactive`, the IdP shows its account picker.
fn run_scenario(
    flaws: &[&str],
    idp_metadata: bool,
    interactive: bool,
) -> (i32, std::collections::BTreeMap<String, String>, String) {
    let dir = tempfile::tempdir().unwrap();
    let (sp_port, config, idp) = start_idp(dir.path(), interactive);
    let port = sp_port.port();
    let sp_url = format!("http://127.0.0.1:{port}");
    let config = config.to_str().unwrap();
    let metadata = dir.path().join("idp.xml");
    let out = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .args([
            "idp",
            "metadata",
            "--config",
            config,
            "--base-url",
            &idp.url,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&metadata, out.stdout).unwrap();
    let listen = format!("127.0.0.1:{port}");
    let mut args = vec!["sp", "serve", "--listen", &listen, "--idp-metadata"];
    args.push(metadata.to_str().unwrap());
    for f in flaws {
        args.extend(["--flaw", f]);
    }
    sp_port.release();
    let _sp = serve(&args);
    let scenario = if idp_metadata {
        with_idp_metadata(dir.path())
    } else {
        "scenarios/examples/05-live-idp.yaml".to_owned()
    };
    let run = common::run_with_report(
        &["conformance", &scenario],
        &[("SP_URL", &sp_url), ("IDP_URL", &idp.url)],
    );
    let verdicts = run
        .cases()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_owned(),
                c["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (run.code, verdicts, run.stdout)
}

#[test]
fn attacks_edit_the_running_idps_response_and_need_no_key() {
    let (code, v, out) = run(&[]);
    assert_eq!(v["login/good"], "pass", "{out}");
    assert_eq!(v["control/no-op-edit"], "pass", "{out}");
    assert_eq!(v["prot/replay"], "pass", "{out}");
    // Refusing a forged identity proves something only if the SP would sign that identity in:
    // without the IdP's key that cannot be checked, so such refusals are inconclusive.
    for id in [
        "sig/none",
        "sig/keyinfo/x509",
        "xsw/3",
        "xsw/7",
        "dsig/comment-in-digest-value",
    ] {
        assert_eq!(v[id], "inconclusive", "{id}: {out}");
    }
    for id in [
        "control/target-identity",
        "cond/expired",
        "aud/other-sp",
        "canon/comment/name-id",
        "xsw/roots/donor-first",
    ] {
        assert_eq!(v[id], "not-applicable", "{id}: {out}");
    }
    assert!(!v.values().any(|x| x == "vulnerable"), "{out}");
    assert_eq!(code, 3, "{out}");
}

#[test]
fn a_flawed_sp_behind_a_running_idp_is_caught() {
    for (flaw, caught) in [
        (
            "xsw-root-assertion",
            &["xsw/3", "xsw/4", "xsw/status-detail"][..],
        ),
        (
            "key-from-keyinfo",
            &["sig/keyinfo/x509", "sig/keyinfo/key-value"][..],
        ),
    ] {
        let (code, v, out) = run(&[flaw]);
        assert_eq!(v["control/no-op-edit"], "pass", "{out}");
        for id in caught {
            assert_eq!(v[*id], "vulnerable", "{flaw} {id}: {out}");
        }
        assert_eq!(v["cond/expired"], "not-applicable", "{out}");
        assert_eq!(code, 1, "{out}");
    }
}

#[test]
fn the_running_idps_signed_metadata_is_the_donor_for_checks_that_transplant_one() {
    let (_, v, out) = run_scenario(&[], true, false);
    for id in ["xsw/roots/donor-first", "xsw/donor-signature-first"] {
        assert_eq!(v[id], "inconclusive", "{id}: {out}");
    }
    let (code, v, out) = run_scenario(&["multiple-roots"], true, false);
    assert_eq!(v["xsw/roots/donor-first"], "vulnerable", "{out}");
    assert_eq!(code, 1, "{out}");
}

#[test]
fn an_idp_that_asks_which_account_gets_the_scenarios_user_and_the_run_goes_on() {
    // The picker lists E.Mallory first; the good login expects B.Simon, and gets her.
    let (code, v, out) = run_scenario(&["xsw-root-assertion"], false, true);
    assert_eq!(v["login/good"], "pass", "{out}");
    assert_eq!(v["prot/replay"], "pass", "{out}");
    assert_eq!(v["xsw/3"], "vulnerable", "{out}");
    assert_eq!(code, 1, "{out}");
}

/// Serves the reference SP on `port` trusting `idp_metadata`, runs the live scenario with
/// `IDP_URL=idp_url`, and returns the good login's case and the output.
fn good_login_behind(
    sp_port: SpPort,
    idp_metadata: &str,
    idp_url: &str,
) -> (serde_json::Value, String) {
    let port = sp_port.release();
    let listen = format!("127.0.0.1:{port}");
    let _sp = serve(&[
        "sp",
        "serve",
        "--listen",
        &listen,
        "--idp-metadata",
        idp_metadata,
    ]);
    let sp_url = format!("http://127.0.0.1:{port}");
    let run = common::run_with_report(
        &[
            "conformance",
            "scenarios/examples/05-live-idp.yaml",
            "--only",
            "prot/replay",
        ],
        &[("SP_URL", &sp_url), ("IDP_URL", idp_url)],
    );
    let good = run
        .cases()
        .iter()
        .find(|c| c["id"] == "login/good")
        .cloned()
        .unwrap();
    (good, run.stdout)
}

#[test]
fn an_sp_given_the_tenant_level_metadata_fails_the_good_login_and_the_harness_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let (sp_port, _, idp) = start_idp(dir.path(), false);
    // The tenant-level URL (no appid): what an admin copies by mistake.
    let tenant_md = format!(
        "{}/0a0b0c0d-1111-4222-8333-444455556666/federationmetadata/2007-06/federationmetadata.xml",
        idp.url
    );
    let (good, out) = good_login_behind(sp_port, &tenant_md, &idp.url);
    assert_eq!(good["verdict"], "fail", "{out}");
    let reason = good["reason"].as_str().unwrap();
    assert!(reason.contains("signature"), "{reason}");
    assert!(reason.contains("?appid="), "{reason}");
}

#[test]
fn an_idp_url_the_sp_does_not_use_fails_the_good_login() {
    let dir = tempfile::tempdir().unwrap();
    let (sp_port, config, idp) = start_idp(dir.path(), false);
    let out = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .args(["idp", "metadata", "--config", config.to_str().unwrap()])
        .args(["--base-url", &idp.url])
        .output()
        .unwrap();
    let metadata = dir.path().join("idp.xml");
    std::fs::write(&metadata, out.stdout).unwrap();
    // The scenario names an IdP nobody runs; the SP still uses the real one.
    let (good, out) = good_login_behind(sp_port, metadata.to_str().unwrap(), "http://127.0.0.1:9");
    assert_eq!(good["verdict"], "fail", "{out}");
    let reason = good["reason"].as_str().unwrap();
    assert!(
        reason.contains("not to the IdP the scenario names"),
        "{reason}"
    );
}
