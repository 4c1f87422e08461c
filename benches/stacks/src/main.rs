//! `stack-verify STACK CERT.pem SIGNED.xml TAMPERED.xml`: verifies Entra-shaped responses with
//! an XML-signature stack from crates.io, driven by `cargo bench -p saml-harness-benches
//! --bench stacks` over standard input and output (the protocol: `benches/src/worker.rs`).
//!
//! STACK is `samael` (0.0.22: libxmlsec1 through its own bindings; `reduce_xml_to_signed`, the
//! step its ServiceProvider verifies a response with) or `bergshamra` (0.11.1: pure Rust with
//! RustCrypto; `verify` under `DsigContext::new`, its settings for SAML, with the IdP key alone).

#[path = "../../src/worker.rs"]
mod worker;

use std::process::ExitCode;

use samael::crypto::{CertificateDer, Crypto, CryptoProvider, ReduceMode};
use worker::Verify;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    worker::main_with(&args, |stack, pem, _signed| verifier(stack, pem))
}

/// The stack's verification of a response with the IdP certificate `pem`.
fn verifier(stack: &str, pem: &str) -> Result<Verify, String> {
    match stack {
        "samael" => {
            let cert = [CertificateDer::from(pem_to_der(pem)?)];
            Ok(Box::new(move |xml: &str| {
                Crypto::reduce_xml_to_signed(xml, &cert, ReduceMode::default())
                    .map(drop)
                    .map_err(|e| e.to_string())
            }))
        }
        "bergshamra" => {
            let key = bergshamra::keys::loader::load_x509_cert_pem(pem.as_bytes())
                .map_err(|e| format!("bergshamra cannot load the certificate: {e}"))?;
            let mut keys = bergshamra::KeysManager::new();
            keys.add_key(key);
            // `ID` is among the attributes it registers as IDs by default.
            let ctx = bergshamra::DsigContext::new(keys);
            Ok(Box::new(move |xml: &str| {
                match bergshamra::verify(&ctx, xml).map_err(|e| e.to_string())? {
                    bergshamra::VerifyResult::Valid { .. } => Ok(()),
                    bergshamra::VerifyResult::Invalid { reason } => Err(reason),
                }
            }))
        }
        other => Err(format!("unknown stack {other:?}; use samael or bergshamra")),
    }
}

/// The DER bytes of the first certificate in `pem`.
fn pem_to_der(pem: &str) -> Result<Vec<u8>, String> {
    let body: String = pem
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN CERTIFICATE"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    samael::crypto::decode_x509_cert(&body)
        .map(|c| c.der_data().to_vec())
        .map_err(|e| format!("the certificate is not base64: {e}"))
}
