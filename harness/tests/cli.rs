//! The `saml-harness idp` commands as scripts call them: outputs verify with `xmlsec1` using
//! only the certificate printed by `idp cert`; bad input exits 2 with a pointed message.

use std::process::{Command, Output};

fn harness(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(args: &[&str]) -> String {
    let out = harness(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn xmlsec1_verifies(xml: &str, cert_pem: &str, xpath: &str) -> bool {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("doc.xml"), xml).unwrap();
    std::fs::write(dir.path().join("cert.pem"), cert_pem).unwrap();
    Command::new("xmlsec1")
        .current_dir(dir.path())
        .args(["--verify", "--pubkey-cert-pem", "cert.pem"])
        .args([
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
        ])
        .args([
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:protocol:Response",
        ])
        .args([
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor",
        ])
        .args(["--node-xpath", xpath, "doc.xml"])
        .output()
        .expect("xmlsec1 must be installed (scripts/setup --test)")
        .status
        .success()
}

const ASSERTION_SIG: &str = "//*[local-name()='Assertion']/*[local-name()='Signature']";
const ROOT_SIG: &str = "/*/*[local-name()='Signature']";

#[test]
fn every_response_option_verifies_with_the_printed_certificate() {
    let cert = stdout(&["idp", "cert", "--format", "pem"]);
    for sign in ["assertion", "response", "both"] {
        for alg in ["sha256", "sha1"] {
            let xml = stdout(&[
                "idp",
                "response",
                "--sign",
                sign,
                "--alg",
                alg,
                "--acs",
                "https://sp.test/acs",
                "--in-response-to",
                "_r1",
            ]);
            let xml = xml.trim_end();
            assert!(
                xml.contains("Destination=\"https://sp.test/acs\" InResponseTo=\"_r1\""),
                "{xml}"
            );
            let sigs: &[&str] = match sign {
                "assertion" => &[ASSERTION_SIG],
                "response" => &[ROOT_SIG],
                _ => &[ASSERTION_SIG, ROOT_SIG],
            };
            for xpath in sigs {
                assert!(xmlsec1_verifies(xml, &cert, xpath), "{sign} {alg} {xpath}");
                assert!(
                    !xmlsec1_verifies(&xml.replace("B.Simon", "B.Admin"), &cert, xpath),
                    "tampered {sign} {alg}"
                );
            }
        }
    }
}

#[test]
fn metadata_verifies_and_base64_response_decodes() {
    let cert = stdout(&["idp", "cert"]);
    let md = stdout(&["idp", "metadata"]);
    assert!(xmlsec1_verifies(md.trim_end(), &cert, ROOT_SIG));
    let b64 = stdout(&["idp", "response", "--base64"]);
    let xml =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64.trim()).unwrap();
    assert!(String::from_utf8(xml)
        .unwrap()
        .starts_with("<samlp:Response "));
    let raw = harness(&["idp", "cert", "--format", "raw"]).stdout;
    assert!(openssl::x509::X509::from_der(&raw).is_ok());
}

#[test]
fn a_broken_config_exits_2_naming_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tenant.yaml");
    std::fs::write(&path, "applications:\n  - name: a\n    identifiers: [x]\n    reply_urls: [y]\n    signing: {option: everything}\n").unwrap();
    let out = harness(&["idp", "metadata", "--config", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("tenant.yaml:5:"), "{err}");
    assert!(err.contains("everything"), "{err}");
    let out = harness(&["idp", "cert", "--app", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("hint:"));
}

#[test]
fn zero_timeouts_and_a_report_in_a_missing_directory_are_refused_before_running() {
    for (args, says) in [
        (
            vec!["conformance", "--reference-sp", "--request-timeout", "0"],
            "--request-timeout",
        ),
        (
            vec!["run", "scenarios/examples", "--case-timeout", "0"],
            "--case-timeout",
        ),
        (
            vec![
                "conformance",
                "--reference-sp",
                "--report",
                "junit=/no/such/dir/x.xml",
            ],
            "mkdir -p /no/such/dir",
        ),
    ] {
        let out = harness(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(
            out.stdout.is_empty(),
            "{args:?} ran: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn the_reference_sp_runs_from_any_directory_and_demo_says_where_its_examples_are() {
    let elsewhere = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_saml-harness"))
            .current_dir(elsewhere.path())
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["conformance", "--reference-sp", "--only", "sig/none"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("sig/none"), "{stdout}");
    let out = run(&["demo"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--scenarios DIR"), "{stderr}");
    assert!(out.stdout.is_empty(), "demo started servers before failing");
}

#[test]
fn the_canary_can_be_given_the_address_an_sp_reaches_and_never_binds_wide_unasked() {
    let out = harness(&[
        "conformance",
        "--reference-sp",
        "--canary-listen",
        "0.0.0.0:0",
        "--only",
        "xxe",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--canary-url"), "{stderr}");
    // A URL that does not lead to the listener would turn a silent canary into a pass.
    for bad in [
        vec!["--canary-url", "http://host.docker.internal:8099"],
        vec![
            "--canary-listen",
            "127.0.0.1:8099",
            "--canary-url",
            "http://host.docker.internal:8099",
        ],
    ] {
        let mut args = vec!["conformance", "--reference-sp", "--only", "xxe"];
        args.extend(bad);
        let out = harness(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    }
    // A fixed port and the URL given explicitly: a flawed SP's fetch still lands. The port is
    // free when picked; another server may take it before the run binds it, so try again.
    let run_on_free_port = || {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        harness(&[
            "conformance",
            "--reference-sp",
            "--flaw",
            "external-entities",
            "--only",
            "xxe/external-dtd",
            "--canary-listen",
            &format!("127.0.0.1:{port}"),
            "--canary-url",
            &format!("http://127.0.0.1:{port}/"),
        ])
    };
    let in_use = |out: &std::process::Output| {
        String::from_utf8_lossy(&out.stdout).contains("Address already in use")
            || String::from_utf8_lossy(&out.stderr).contains("Address already in use")
    };
    let mut out = run_on_free_port();
    for _ in 0..3 {
        if !in_use(&out) {
            break;
        }
        out = run_on_free_port();
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("VULNERABLE   xxe/external-dtd"),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn quiet_prints_only_what_did_not_pass_and_color_is_asked_for_or_off() {
    let run = |args: &[&str]| {
        let out = harness(args);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let quiet = run(&[
        "conformance",
        "--reference-sp",
        "--flaw",
        "signature",
        "--only",
        "sig/none",
        "--quiet",
    ]);
    assert!(quiet.contains("VULNERABLE   sig/none"), "{quiet}");
    assert!(!quiet.contains("PASS "), "{quiet}");
    assert!(quiet.contains("FAILED: "), "the summary stays: {quiet}");
    let coloured = run(&[
        "conformance",
        "--reference-sp",
        "--flaw",
        "signature",
        "--only",
        "sig/none",
        "--color",
        "always",
    ]);
    assert!(coloured.contains("\u{1b}[1;31mVULNERABLE"), "{coloured}");
    // Not a terminal: auto means no colour.
    let plain = run(&["conformance", "--reference-sp", "--only", "sig/none"]);
    assert!(!plain.contains('\u{1b}'), "{plain}");
}
