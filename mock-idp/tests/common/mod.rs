//! Shared test helpers: a server on an ephemeral loopback port, AuthnRequest building,
//! form scraping of our own auto-submit page, and Debian's `xmlsec1` as the outside verifier.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;

use base64::Engine;
use mock_idp::config::Config;
use mock_idp::idp::Idp;
use mock_idp::server::{app, IdpState};

/// The signature of a Response's Assertion.
pub const ASSERTION_SIG: &str = "//*[local-name()='Assertion']/*[local-name()='Signature']";
/// The signature directly under the document element.
pub const ROOT_SIG: &str = "/*/*[local-name()='Signature']";

/// The end-to-end test tenant (fixtures/config/test-tenant.yaml).
pub fn test_config() -> Config {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/config/test-tenant.yaml");
    Config::load(&path).expect("test tenant config loads")
}

/// Starts the mock IdP on 127.0.0.1:0; returns its base URL and the tenant id.
pub async fn spawn(config: Config) -> (String, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    (base, spawn_on(listener, config).await)
}

/// Serves the mock IdP on an already bound listener; returns the tenant id.
pub async fn spawn_on(listener: tokio::net::TcpListener, config: Config) -> String {
    let base = format!("http://{}", listener.local_addr().unwrap());
    let tenant = config.tenant.id.clone();
    let state = IdpState::new(Idp::new(config), base);
    tokio::spawn(async move { axum::serve(listener, app(state)).await.unwrap() });
    tenant
}

/// An AuthnRequest shaped like a typical SP's; `extra` goes inside, `attrs` on the root.
pub fn authn_request(
    id: &str,
    issuer: &str,
    acs: Option<&str>,
    attrs: &str,
    extra: &str,
) -> String {
    let acs = acs
        .map(|a| format!(" AssertionConsumerServiceURL=\"{a}\""))
        .unwrap_or_default();
    format!(
        "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" \
         ID=\"{id}\" Version=\"2.0\" IssueInstant=\"2026-11-25T10:00:00Z\" ProtocolBinding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\"{acs}{attrs}>\
         <saml:Issuer>{issuer}</saml:Issuer>{extra}</samlp:AuthnRequest>"
    )
}

/// Raw DEFLATE + base64, the Redirect-binding encoding.
pub fn deflate_b64(xml: &str) -> String {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(xml.as_bytes()).unwrap();
    base64::engine::general_purpose::STANDARD.encode(enc.finish().unwrap())
}

/// base64 + inflate: reads a Redirect-binding message.
pub fn inflate_b64(b64: &str) -> String {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    let mut out = String::new();
    flate2::read::DeflateDecoder::new(&bytes[..])
        .read_to_string(&mut out)
        .unwrap();
    out
}

/// Percent-encodes a query value.
pub fn enc(v: &str) -> String {
    form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

/// The hidden input `name` of our auto-submit form, HTML-unescaped.
pub fn form_field(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = start + html[start..].find('"')?;
    Some(
        html[start..end]
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&#39;", "'")
            .replace("&amp;", "&"),
    )
}

/// The form's action URL.
pub fn form_action(html: &str) -> Option<String> {
    let start = html.find("action=\"")? + 8;
    Some(html[start..start + html[start..].find('"')?].replace("&amp;", "&"))
}

/// The decoded SAMLResponse XML posted by an auto-submit page.
pub fn saml_response(html: &str) -> String {
    let b64 =
        form_field(html, "SAMLResponse").unwrap_or_else(|| panic!("no SAMLResponse in {html}"));
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap(),
    )
    .unwrap()
}

/// Whether Debian's `xmlsec1 --verify` accepts the signature at `xpath` with only `cert_pem`.
pub fn xmlsec1_verifies(xml: &str, cert_pem: &str, xpath: &str) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let (doc, pem) = (dir.path().join("doc.xml"), dir.path().join("cert.pem"));
    std::fs::write(&doc, xml).unwrap();
    std::fs::write(&pem, cert_pem).unwrap();
    let out = Command::new("xmlsec1")
        .args(["--verify", "--pubkey-cert-pem"])
        .arg(&pem)
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
            "urn:oasis:names:tc:SAML:2.0:protocol:LogoutResponse",
        ])
        .args([
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor",
        ])
        .args(["--node-xpath", xpath])
        .arg(&doc)
        .output()
        .expect("xmlsec1 must be installed (scripts/setup --test)");
    out.status.success()
}

/// Decrypts the first EncryptedData with Debian's `xmlsec1 --decrypt` and `key_pem`.
pub fn xmlsec1_decrypt(xml: &str, key_pem: &str) -> Result<String, String> {
    let dir = tempfile::tempdir().unwrap();
    let (doc, key) = (dir.path().join("doc.xml"), dir.path().join("key.pem"));
    std::fs::write(&doc, xml).unwrap();
    std::fs::write(&key, key_pem).unwrap();
    let out = Command::new("xmlsec1")
        .args(["--decrypt", "--privkey-pem"])
        .arg(&key)
        .arg(&doc)
        .output()
        .expect("xmlsec1 must be installed (scripts/setup --test)");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}
