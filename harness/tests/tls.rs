//! `idp serve --tls`: the mock over HTTPS with a certificate from a local test CA. A client
//! that does not trust the CA cannot fetch its metadata; one that does (SSL_CERT_FILE, as the
//! banner says) gets https URLs in metadata and forms, and a whole login runs over them.

mod common;

use std::process::Command;

use common::{serve, serve_with_env};

#[test]
fn an_https_idp_is_trusted_through_its_test_ca_and_a_login_runs_over_it() {
    let dir = tempfile::tempdir().unwrap();
    // The SP's port, held until the SP binds it (the tenant must name its ACS).
    let hold = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = hold.local_addr().unwrap().port();
    let sp_url = format!("http://127.0.0.1:{port}");
    let tenant = dir.path().join("tenant.yaml");
    std::fs::write(
        &tenant,
        format!("applications:\n  - name: tls\n    identifiers: [{sp_url}/saml/metadata]\n    reply_urls: [{sp_url}/saml/acs]\n"),
    )
    .unwrap();
    let ca_dir = dir.path().join("ca");
    let idp = serve(&[
        "idp",
        "serve",
        "--tls",
        "--tls-dir",
        ca_dir.to_str().unwrap(),
        "--config",
        tenant.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    assert!(idp.url.starts_with("https://127.0.0.1:"), "{}", idp.url);
    let ca = ca_dir.join("ca.pem");
    assert!(ca.is_file());
    let metadata_url = format!(
        "{}/contoso.com/federationmetadata/2007-06/federationmetadata.xml?appid=tls",
        idp.url
    );

    // Not trusted: the SP cannot even read the metadata.
    let out = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .args([
            "sp",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--idp-metadata",
            &metadata_url,
        ])
        .env("SSL_CERT_FILE", "/nonexistent")
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot fetch IdP metadata") && err.contains("certificate verify failed"),
        "{err}"
    );

    // A client that connects and never starts its handshake holds up no one.
    let _stalled = std::net::TcpStream::connect(idp.url.trim_start_matches("https://")).unwrap();
    let ca_cert = reqwest::Certificate::from_pem(&std::fs::read(&ca).unwrap()).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(ca_cert)
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .unwrap();
    let xml = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async { client.get(&metadata_url).send().await?.text().await })
        .unwrap();
    assert!(
        xml.contains(&format!("Location=\"{}/", idp.url)),
        "the metadata's endpoints are https: {xml}"
    );

    // A CA given by file serves as well as the one kept in --tls-dir.
    let given = serve(&[
        "idp",
        "serve",
        "--tls",
        "--tls-ca-cert",
        ca.to_str().unwrap(),
        "--tls-ca-key",
        ca_dir.join("ca.key.pem").to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    let status = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async { client.get(format!("{}/", given.url)).send().await })
        .unwrap()
        .status();
    assert!(status.is_success(), "{status}");

    // Trusted: the metadata's endpoints are https, and B.Simon signs in through them.
    let trust = [("SSL_CERT_FILE", ca.to_str().unwrap())];
    drop(hold);
    let sp = serve_with_env(
        &[
            "sp",
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--idp-metadata",
            &metadata_url,
        ],
        &trust,
    );
    let env = [
        ("SP_URL", sp.url.as_str()),
        ("IDP_URL", idp.url.as_str()),
        trust[0],
    ];
    let run = common::run_with_report(&["run", "scenarios/examples/05-live-idp.yaml"], &env);
    // With `idp.url`, a login whose AuthnRequest goes to another origin fails: this one went
    // to the https SSO URL the metadata gave the SP.
    assert_eq!(run.verdict("login/good"), "pass", "{}", run.stdout);
}
