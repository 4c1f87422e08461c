//! criterion benches of each operation on its own, with statistics (the ratio table is
//! `throughput`): signing by size, option, algorithm and key; verification through our stack
//! and through libxmlsec1 driven directly; and the stages of each.
//!
//!     cargo bench -p saml-harness-benches --bench operations
//!     cargo bench -p saml-harness-benches --bench operations -- verify/   # one group

use saml_protocol::PROTOCOL_NS;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use mock_idp::response::{SignWhat, Signing};
use mock_idp::sign::{rsa_sign, Algorithm};
use mock_idp::xml::{NsBinding, Str};
use saml_harness_benches::{
    cert_2048, cert_4096, first_signed_id, login, signed, signed_info, DirectVerifier, Size,
};

fn signing(c: &mut Criterion) {
    let (c2048, c4096) = (cert_2048(), cert_4096());
    let mut g = c.benchmark_group("sign");
    for (name, size, what, algorithm, cert) in [
        (
            "default",
            Size::Default,
            SignWhat::Assertion,
            Algorithm::Sha256,
            &c2048,
        ),
        (
            "default-response-signed",
            Size::Default,
            SignWhat::Response,
            Algorithm::Sha256,
            &c2048,
        ),
        (
            "default-both-signed",
            Size::Default,
            SignWhat::Both,
            Algorithm::Sha256,
            &c2048,
        ),
        (
            "default-rsa-sha1",
            Size::Default,
            SignWhat::Assertion,
            Algorithm::Sha1,
            &c2048,
        ),
        (
            "50-claims",
            Size::Claims50,
            SignWhat::Assertion,
            Algorithm::Sha256,
            &c2048,
        ),
        (
            "500-groups",
            Size::Groups500,
            SignWhat::Assertion,
            Algorithm::Sha256,
            &c2048,
        ),
        (
            "default-rsa-4096",
            Size::Default,
            SignWhat::Assertion,
            Algorithm::Sha256,
            &c4096,
        ),
    ] {
        let l = login(size);
        g.bench_function(name, |b| {
            b.iter(|| {
                l.to_xml(Some(Signing {
                    cert,
                    algorithm,
                    what,
                }))
            })
        });
    }
    g.finish();

    let base = login(Size::Default);
    let inherited: Vec<NsBinding> =
        vec![(Some(Str::Borrowed("samlp")), Str::Borrowed(PROTOCOL_NS))];
    let assertion = base.assertion();
    let c14n = assertion.to_exc_c14n(&inherited);
    let xml = signed(
        Size::Default,
        SignWhat::Assertion,
        Algorithm::Sha256,
        &c2048,
    );
    let signed_info = signed_info(&xml);
    let mut g = c.benchmark_group("sign-stages");
    g.bench_function("build-tree", |b| b.iter(|| base.assertion()));
    g.bench_function("exc-c14n", |b| b.iter(|| assertion.to_exc_c14n(&inherited)));
    g.bench_function("sha256-digest", |b| {
        b.iter(|| openssl::sha::sha256(c14n.as_bytes()))
    });
    g.bench_function("rsa-2048-sign", |b| {
        b.iter(|| rsa_sign(&c2048, Algorithm::Sha256, signed_info.as_bytes()))
    });
    g.finish();
}

fn verification(c: &mut Criterion) {
    let c2048 = cert_2048();
    let pem = vec![c2048.pem()];
    let direct = DirectVerifier::new(&c2048.pem());
    let mut g = c.benchmark_group("verify");
    for (name, size, what) in [
        ("default", Size::Default, SignWhat::Assertion),
        ("default-response-signed", Size::Default, SignWhat::Response),
        ("50-claims", Size::Claims50, SignWhat::Assertion),
        ("500-groups", Size::Groups500, SignWhat::Assertion),
    ] {
        let xml = signed(size, what, Algorithm::Sha256, &c2048);
        let id = first_signed_id(&xml);
        g.bench_function(format!("{name}/ours"), |b| {
            b.iter(|| reference_sp::dsig::verify_enveloped(&xml, &id, &pem))
        });
        g.bench_function(format!("{name}/libxmlsec1-direct"), |b| {
            b.iter(|| direct.verify(&xml))
        });
    }
    g.finish();

    let xml = signed(
        Size::Default,
        SignWhat::Assertion,
        Algorithm::Sha256,
        &c2048,
    );
    let signed_info = signed_info(&xml);
    let signature = rsa_sign(&c2048, Algorithm::Sha256, signed_info.as_bytes()).expect("sign");
    let public = c2048.x509().public_key().expect("public key");
    let mut g = c.benchmark_group("verify-stages");
    g.bench_function("libxml2-parse", |b| {
        b.iter(|| {
            libxml::parser::Parser::default()
                .parse_string(xml.as_bytes())
                .is_ok()
        })
    });
    let doc = libxml::parser::Parser::default()
        .parse_string(xml.as_bytes())
        .expect("our XML parses");
    g.bench_function("libxml2-exc-c14n-whole-document", |b| {
        b.iter(|| doc.canonicalize(libxml::tree::c14n::CanonicalizationOptions::default(), None))
    });
    g.bench_function("sha256-over-response", |b| {
        b.iter(|| openssl::sha::sha256(xml.as_bytes()))
    });
    g.bench_function("rsa-2048-verify", |b| {
        b.iter(|| {
            openssl::sign::Verifier::new(openssl::hash::MessageDigest::sha256(), &public)
                .and_then(|mut v| v.verify_oneshot(&signature, signed_info.as_bytes()))
        })
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
        .sample_size(30)
}

criterion_group!(name = benches; config = config(); targets = signing, verification);
criterion_main!(benches);
