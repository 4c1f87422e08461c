//! Signing and verification throughput, each figure printed as a ratio to the limit measured in
//! the same run (bare RSA with the OpenSSL the project links; libxmlsec1 driven directly). Each
//! ratio is measured in alternating rounds (limit, subject, limit, subject …) and printed as the
//! median with the lowest and highest round; one that beats its physical limit (signing faster
//! than the RSA inside it, two threads more than twice one) is measured again, up to three
//! times, and flagged if it still does.
//!
//!     cargo bench -p saml-harness-benches --bench throughput     # about a minute on 2 cores
//!     SAML_BENCH_SECONDS=3 cargo bench -p saml-harness-benches --bench throughput
//!
//! See benches/README.md for figures measured here and what moves them.

use saml_protocol::PROTOCOL_NS;
use std::time::Duration;

use mock_idp::cert::SigningCert;
use mock_idp::response::{SignWhat, Signing};
use mock_idp::sign::{rsa_sign, Algorithm};
use mock_idp::xml::{NsBinding, Str};
use saml_harness_benches::{
    cert_2048, cert_4096, first_signed_id, login, rate, rate_threads, signed, signed_info,
    DirectVerifier, Settings, Size, Table,
};

/// Runs one operation alone for the budget, for a profiler (`SAML_BENCH_PROFILE=sign|verify`).
fn profile_loop(which: &str, budget: Duration, cert: &SigningCert) {
    let xml = signed(Size::Default, SignWhat::Assertion, Algorithm::Sha256, cert);
    let (pem, id) = (vec![cert.pem()], first_signed_id(&xml));
    let base = login(Size::Default);
    let r = match which {
        "sign" => rate(budget, || {
            base.to_xml(Some(Signing {
                cert,
                algorithm: Algorithm::Sha256,
                what: SignWhat::Assertion,
            }))
        }),
        "verify" => rate(budget, || {
            reference_sp::dsig::verify_enveloped(&xml, &id, &pem).is_ok()
        }),
        other => return eprintln!("SAML_BENCH_PROFILE={other:?}: use sign or verify"),
    };
    println!("{which}: {r:.0}/s");
}

fn main() {
    let settings = Settings::from_env();
    let (budget, rounds, secs) = (settings.budget(), settings.rounds, settings.secs);
    let (c2048, c4096) = (cert_2048(), cert_4096());
    if let Ok(which) = std::env::var("SAML_BENCH_PROFILE") {
        return profile_loop(&which, budget, &c2048);
    }
    let mut t = Table::new(&settings);
    println!(
        "{:<58} {:>12}  ratio [lowest–highest of {rounds} alternating rounds]",
        "operation (one core unless said)", "rate"
    );

    // ---- the limits, same run
    let default_xml = signed(
        Size::Default,
        SignWhat::Assertion,
        Algorithm::Sha256,
        &c2048,
    );
    let signed_info = signed_info(&default_xml);
    let rsa_sign_2048 = || rsa_sign(&c2048, Algorithm::Sha256, signed_info.as_bytes());
    let rsa2048_sign = rate(budget, rsa_sign_2048);
    t.row(
        "limit: RSA-2048 sign (SHA-256, SignedInfo bytes)",
        rsa2048_sign,
    );
    let signature = rsa_sign_2048().expect("sign");
    let public = c2048.x509().public_key().expect("public key");
    let rsa_verify = || {
        openssl::sign::Verifier::new(openssl::hash::MessageDigest::sha256(), &public)
            .and_then(|mut v| v.verify_oneshot(&signature, signed_info.as_bytes()))
    };
    t.row("limit: RSA-2048 verify", rate(budget, rsa_verify));
    let rsa_sign_4096 = || rsa_sign(&c4096, Algorithm::Sha256, signed_info.as_bytes());
    t.row("limit: RSA-4096 sign", rate(budget, rsa_sign_4096));
    let sha = rate(budget, || openssl::sha::sha256(default_xml.as_bytes()));
    t.row(
        &format!(
            "limit: SHA-256 over the {}-byte response",
            default_xml.len()
        ),
        sha,
    );

    // ---- signing: build + c14n + digest + RSA, and its stages
    let base = login(Size::Default);
    let signing = |cert, algorithm, what| Signing {
        cert,
        algorithm,
        what,
    };
    let sign_default = || {
        base.to_xml(Some(signing(
            &c2048,
            Algorithm::Sha256,
            SignWhat::Assertion,
        )))
    };
    t.pair(
        "sign default response (assertion, RSA-SHA256, 2048)",
        "RSA-2048 sign",
        Some(1.0),
        |b| rate(b, sign_default),
        |b| rate(b, rsa_sign_2048),
    );
    let inherited: Vec<NsBinding> =
        vec![(Some(Str::Borrowed("samlp")), Str::Borrowed(PROTOCOL_NS))];
    let assertion = base.assertion();
    let c14n = assertion.to_exc_c14n(&inherited);
    t.row(
        "  stage: build the Assertion tree",
        rate(budget, || base.assertion()),
    );
    t.row(
        "  stage: exclusive C14N of the Assertion",
        rate(budget, || assertion.to_exc_c14n(&inherited)),
    );
    t.row(
        "  stage: SHA-256 digest of the canonical Assertion",
        rate(budget, || openssl::sha::sha256(c14n.as_bytes())),
    );
    let full = base
        .to_element(Some(signing(
            &c2048,
            Algorithm::Sha256,
            SignWhat::Assertion,
        )))
        .expect("sign");
    t.row(
        "  stage: wire serialisation of the signed Response",
        rate(budget, || full.to_wire()),
    );
    for (name, size, what, alg, cert) in [
        (
            "sign default, response signed",
            Size::Default,
            SignWhat::Response,
            Algorithm::Sha256,
            &c2048,
        ),
        (
            "sign default, both signed (two RSA signatures)",
            Size::Default,
            SignWhat::Both,
            Algorithm::Sha256,
            &c2048,
        ),
        (
            "sign default, RSA-SHA1",
            Size::Default,
            SignWhat::Assertion,
            Algorithm::Sha1,
            &c2048,
        ),
        (
            "sign 50 claims",
            Size::Claims50,
            SignWhat::Assertion,
            Algorithm::Sha256,
            &c2048,
        ),
        (
            "sign 500 groups",
            Size::Groups500,
            SignWhat::Assertion,
            Algorithm::Sha256,
            &c2048,
        ),
        (
            "sign default, RSA-4096",
            Size::Default,
            SignWhat::Assertion,
            Algorithm::Sha256,
            &c4096,
        ),
    ] {
        let l = login(size);
        // Two signatures: the limit is half the RSA rate.
        let (against, share) = match what {
            SignWhat::Both => ("RSA sign/2", 2.0),
            _ => ("RSA sign", 1.0),
        };
        t.pair(
            name,
            against,
            Some(1.0),
            |b| rate(b, || l.to_xml(Some(signing(cert, alg, what)))),
            |b| {
                rate(b, || {
                    rsa_sign(cert, Algorithm::Sha256, signed_info.as_bytes())
                }) / share
            },
        );
    }

    // ---- verification: ours (reference SP, libxmlsec1 through the xmlsec crate) vs direct C
    let verify_pair = |t: &mut Table, name: &str, xml: &str, cert: &SigningCert| {
        let pem = vec![cert.pem()];
        let id = first_signed_id(xml);
        assert!(
            reference_sp::dsig::verify_enveloped(xml, &id, &pem).is_ok(),
            "{name}: ours must verify"
        );
        let direct = DirectVerifier::new(&cert.pem());
        assert!(direct.verify(xml), "{name}: libxmlsec1 must verify");
        t.pair(
            &format!("verify {name}: ours"),
            "libxmlsec1 direct",
            None,
            |b| rate(b, || reference_sp::dsig::verify_enveloped(xml, &id, &pem)),
            |b| rate(b, || direct.verify(xml)),
        );
    };
    verify_pair(&mut t, "default (assertion)", &default_xml, &c2048);
    verify_pair(
        &mut t,
        "default (response signed)",
        &signed(Size::Default, SignWhat::Response, Algorithm::Sha256, &c2048),
        &c2048,
    );
    verify_pair(
        &mut t,
        "default RSA-SHA1",
        &signed(Size::Default, SignWhat::Assertion, Algorithm::Sha1, &c2048),
        &c2048,
    );
    verify_pair(
        &mut t,
        "50 claims",
        &signed(
            Size::Claims50,
            SignWhat::Assertion,
            Algorithm::Sha256,
            &c2048,
        ),
        &c2048,
    );
    verify_pair(
        &mut t,
        "500 groups",
        &signed(
            Size::Groups500,
            SignWhat::Assertion,
            Algorithm::Sha256,
            &c2048,
        ),
        &c2048,
    );
    verify_pair(
        &mut t,
        "default RSA-4096",
        &signed(
            Size::Default,
            SignWhat::Assertion,
            Algorithm::Sha256,
            &c4096,
        ),
        &c4096,
    );
    let parse = rate(budget, || {
        libxml::parser::Parser::default()
            .parse_string(default_xml.as_bytes())
            .is_ok()
    });
    t.row("  stage: libxml2 parse of the default response", parse);
    let doc = libxml::parser::Parser::default()
        .parse_string(default_xml.as_bytes())
        .expect("our XML parses");
    let c14n_rate = rate(budget, || {
        doc.canonicalize(libxml::tree::c14n::CanonicalizationOptions::default(), None)
    });
    t.row(
        "  stage: libxml2 exclusive C14N of the whole response",
        c14n_rate,
    );

    // ---- scaling: 2 threads against 1
    let pem = vec![c2048.pem()];
    let id = first_signed_id(&default_xml);
    let direct = DirectVerifier::new(&c2048.pem());
    let ours_verify = || reference_sp::dsig::verify_enveloped(&default_xml, &id, &pem).is_ok();
    let direct_verify = || direct.verify(&default_xml);
    scaling(&mut t, "sign default", sign_default);
    scaling(&mut t, "verify default (ours)", ours_verify);
    scaling(&mut t, "verify default (libxmlsec1 direct)", direct_verify);
    scaling(&mut t, "limit: RSA-2048 verify", rsa_verify);
    println!(
        "\n{} rows; {secs} s a side for each ratio, in {rounds} alternating rounds \
         (SAML_BENCH_SECONDS, SAML_BENCH_ROUNDS); {secs} s for each rate alone",
        t.rows
    );
}

/// `op` on 2 threads against 1, in alternating rounds (it cannot beat 2×).
fn scaling<T>(t: &mut Table, name: &str, op: impl Fn() -> T + Sync) {
    t.pair(
        &format!("{name}, 2 threads"),
        "1 thread",
        Some(2.0),
        |b| rate_threads(b, 2, &op),
        |b| rate_threads(b, 1, &op),
    );
}
