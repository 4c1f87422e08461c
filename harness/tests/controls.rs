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

#[test]
fn an_sp_that_cannot_decrypt_what_its_metadata_invites_makes_encryption_refusals_inconclusive() {
    // Metadata naming a certificate whose key the SP does not hold (a rollover gone wrong):
    // every encrypted-assertion check is refused, so none of those refusals may pass. With
    // encryption-trusted on, the SP would take an unsigned encrypted forgery if it could read it.
    let sp = serve(&[
        "sp",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--flaw",
        "encrypted-trusted",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let der = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        other_certificate().to_der().unwrap(),
    );
    let metadata = dir.path().join("sp.xml");
    std::fs::write(
        &metadata,
        format!(
            "<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"{0}/saml/metadata\"><SPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\"><KeyDescriptor use=\"encryption\"><KeyInfo xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><X509Data><X509Certificate>{der}</X509Certificate></X509Data></KeyInfo></KeyDescriptor><AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" Location=\"{0}/saml/acs\" index=\"0\"/></SPSSODescriptor></EntityDescriptor>",
            sp.url
        ),
    )
    .unwrap();
    let scenario = dir.path().join("wrong-cert.yaml");
    std::fs::write(
        &scenario,
        format!(
            "sp:\n  sign_on_url: {0}/login\n  metadata: {1}\n  oracle: {{url: {0}/me, identity: {{json_pointer: /name_id}}}}\ncases:\n  - expect: accept\n  - attacks: [enc/, xsw/encrypted]\n",
            sp.url,
            metadata.display()
        ),
    )
    .unwrap();
    let run = run_with_report(&["conformance", scenario.to_str().unwrap()], &[]);
    assert_eq!(run.verdict("login/good"), "pass", "{}", run.stdout);
    assert_eq!(
        run.verdict("control/encrypted"),
        "inconclusive",
        "{}",
        run.stdout
    );
    for id in [
        "enc/unsigned-assertion",
        "enc/expired",
        "enc/other-audience",
        "enc/rsa-1_5",
        "enc/doctype-in-plaintext",
        "xsw/encrypted",
    ] {
        assert_eq!(run.verdict(id), "inconclusive", "{id}: {}", run.stdout);
    }
}

/// A self-signed certificate for a key nobody here holds.
fn other_certificate() -> openssl::x509::X509 {
    let key = openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
    let mut name = openssl::x509::X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "other.test").unwrap();
    let name = name.build();
    let mut builder = openssl::x509::X509::builder().unwrap();
    builder.set_subject_name(&name).unwrap();
    builder.set_issuer_name(&name).unwrap();
    builder.set_pubkey(&key).unwrap();
    builder
        .set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    builder
        .set_not_after(&openssl::asn1::Asn1Time::days_from_now(1).unwrap())
        .unwrap();
    builder
        .sign(&key, openssl::hash::MessageDigest::sha256())
        .unwrap();
    builder.build()
}

#[test]
fn a_return_address_template_that_leads_nowhere_is_an_error_not_a_pass() {
    // Both templates answer 404 for any address, the SP's own page included.
    let sp = serve(&["sp", "serve", "--listen", "127.0.0.1:0"]);
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("nowhere.yaml");
    std::fs::write(
        &scenario,
        format!(
            "sp:\n  sign_on_url: {0}/login\n  metadata: {0}/saml/metadata\n  return_to: {0}/nowhere?next={{url}}\n  logout_return_to: {0}/nowhere/logout?next={{url}}\n  oracle: {{url: {0}/me, identity: {{json_pointer: /name_id}}}}\ncases:\n  - expect: accept\n  - attacks: [relay/return-to/absolute, relay/logout-return-to/absolute]\n",
            sp.url
        ),
    )
    .unwrap();
    let run = run_with_report(&["conformance", scenario.to_str().unwrap()], &[]);
    for id in [
        "relay/return-to/absolute",
        "relay/logout-return-to/absolute",
    ] {
        assert_eq!(run.verdict(id), "error", "{id}: {}", run.stdout);
    }
    assert!(
        run.stdout.contains("hint: check the template"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_sp_taking_idp_initiated_logins_is_judged_by_where_it_sends_the_browser_after_them() {
    // Taking IdP-initiated logins (no InResponseTo) is this SP's choice; the checks judge only
    // where the RelayState beside them leads: checked, a pass with the user signed in;
    // followed as given, an open redirect.
    let unsolicited = [
        "relay/unsolicited/absolute",
        "relay/unsolicited/scheme-relative",
    ];
    for (flaws, want) in [
        (&[][..], "pass"),
        (&["--flaw", "relay-any"][..], "vulnerable"),
    ] {
        let mut args = vec!["sp", "serve", "--listen", "127.0.0.1:0", "--idp-initiated"];
        args.extend(flaws);
        let sp = serve(&args);
        let dir = tempfile::tempdir().unwrap();
        let scenario = dir.path().join("idp-initiated.yaml");
        std::fs::write(
            &scenario,
            format!(
                "sp:\n  sign_on_url: {0}/login\n  metadata: {0}/saml/metadata\n  oracle: {{url: {0}/me, identity: {{json_pointer: /name_id}}}}\ncases:\n  - expect: accept\n  - attacks: [{1}]\n",
                sp.url,
                unsolicited.join(", ")
            ),
        )
        .unwrap();
        let run = run_with_report(&["conformance", scenario.to_str().unwrap()], &[]);
        for id in unsolicited {
            assert_eq!(run.verdict(id), want, "{id} {flaws:?}: {}", run.stdout);
        }
        if want == "pass" {
            assert!(
                run.stdout.contains("signed in as B.Simon@contoso.com"),
                "the login was taken, the address was not: {}",
                run.stdout
            );
        }
    }
}

/// `conformance --reference-sp` with `args`: each case as `id="verdict"`, in report order.
fn reference_verdicts(args: &[&str]) -> Vec<String> {
    let mut all = vec!["conformance", "--reference-sp", "--quiet"];
    all.extend(args);
    run_with_report(&all, &[])
        .cases()
        .iter()
        .map(|c| format!("{}={}", c["id"].as_str().unwrap(), c["verdict"]))
        .collect()
}

#[test]
fn jobs_run_checks_at_once_and_give_the_same_verdicts_in_the_same_order() {
    let one = reference_verdicts(&[
        "--flaw",
        "signature-wrapping",
        "--flaw",
        "replay",
        "--jobs",
        "1",
    ]);
    assert!(
        one.iter()
            .filter(|v| v.ends_with("=\"vulnerable\""))
            .count()
            > 3,
        "{one:#?}"
    );
    let four = reference_verdicts(&[
        "--flaw",
        "signature-wrapping",
        "--flaw",
        "replay",
        "--jobs",
        "4",
    ]);
    assert_eq!(four, one);
}

/// `flaws` (with signature-wrapping, so `xsw/3` is vulnerable) under `--jobs 4`: the note
/// says `said` and the verdicts are those of `--jobs 1`, verdict by verdict.
fn side_by_side_falls_back_to_one_job(flaws: &[&str], said: &str) {
    let one = reference_verdicts(&[flaws, &["--jobs", "1"]].concat());
    assert!(one.contains(&"xsw/3=\"vulnerable\"".to_owned()), "{one:#?}");
    let mut args = vec!["conformance", "--reference-sp", "--jobs", "4"];
    args.extend(flaws);
    let four = run_with_report(&args, &[]);
    assert!(four.stdout.contains(said), "{}", four.stdout);
    let four: Vec<String> = four
        .cases()
        .iter()
        .map(|c| format!("{}={}", c["id"].as_str().unwrap(), c["verdict"]))
        .collect();
    assert_eq!(four, one);
}

#[test]
fn checks_run_side_by_side_only_when_the_sp_keeps_each_of_their_sessions() {
    // This SP ends a user's earlier sessions at each login: checks side by side would end
    // each other's, and an accepted forgery would read as refused (xsw/3 came out `pass`
    // in one of three runs with 4 jobs and no pre-flight). The pre-flight sees it first.
    side_by_side_falls_back_to_one_job(
        &[
            "--flaw",
            "signature-wrapping",
            "--flaw",
            "replay",
            "--flaw",
            "one-session-per-user",
        ],
        "note: checks run one at a time, not 4 at once: ",
    );
    // This SP remembers only its latest AuthnRequest: logins side by side are refused (403)
    // for InResponseTo, and so would forgeries be. The pre-flight sees that too.
    side_by_side_falls_back_to_one_job(
        &[
            "--flaw",
            "signature-wrapping",
            "--flaw",
            "one-request-at-a-time",
        ],
        "made beside others, left no session (ACS answered 403",
    );
    // The careful SP keeps every session: its checks run 4 at once.
    let careful = run_with_report(&["conformance", "--reference-sp", "--jobs", "4"], &[]);
    assert!(
        careful
            .stdout
            .contains("note: 4 checks at once: 8 logins side by side each kept its session"),
        "{}",
        careful.stdout
    );
}

#[test]
fn a_check_that_could_not_run_beside_others_is_run_again_alone() {
    // This SP answers 500 to a sign-on while another is in flight, as mod_auth_mellon did
    // under two jobs: with 4 jobs some checks cannot even start; run again alone, each gets
    // the careful SP's verdict.
    let careful = reference_verdicts(&[]);
    let run = run_with_report(
        &[
            "conformance",
            "--reference-sp",
            "--quiet",
            "--flaw",
            "one-login-at-a-time",
            "--jobs",
            "4",
        ],
        &[],
    );
    let crowded: Vec<String> = run
        .cases()
        .iter()
        .map(|c| format!("{}={}", c["id"].as_str().unwrap(), c["verdict"]))
        .collect();
    assert_eq!(crowded, careful);
    let again = run
        .cases()
        .iter()
        .filter(|c| {
            c["reason"]
                .as_str()
                .unwrap()
                .contains("(run again alone; beside the other checks: could not run")
        })
        .count();
    assert!(again > 0, "no check was crowded out: {}", run.stdout);
}

#[test]
fn a_refusal_that_was_another_checks_crash_is_run_again_alone() {
    // This SP answers 500 to a DOCTYPE and 503 to the response after it, and checks no
    // signature: a forgery that lands on the 503 (dsig/namespace-hiding does, with one job)
    // must not pass for refused, alone or among 4 at once.
    let careful_about_crashes = reference_verdicts(&["--flaw", "signature"]);
    for jobs in ["1", "4"] {
        let crashing = reference_verdicts(&[
            "--flaw",
            "signature",
            "--flaw",
            "doctype-crashes-worker",
            "--jobs",
            jobs,
        ]);
        assert_eq!(crashing, careful_about_crashes, "--jobs {jobs}");
    }
    // With one job the check after dsig/namespace-confusion (a DOCTYPE) gets the 503.
    let run = run_with_report(
        &[
            "conformance",
            "--reference-sp",
            "--flaw",
            "signature",
            "--flaw",
            "doctype-crashes-worker",
            "--only",
            "dsig",
            "--jobs",
            "1",
        ],
        &[],
    );
    let hiding = run
        .cases()
        .iter()
        .find(|c| c["id"] == "dsig/namespace-hiding")
        .cloned()
        .unwrap();
    assert_eq!(hiding["verdict"], "vulnerable", "{}", run.stdout);
    assert!(
        hiding["reason"]
            .as_str()
            .unwrap()
            .contains("run again alone"),
        "{hiding}"
    );
}

/// A proxy in front of the SP at `upstream` that answers 503 ("worker restarting") to the
/// first request whose URL names `evil.test` or that carries a `PAOS` header, once per URL
/// and trigger,
/// drops the connection without an answer under the POSTs to the ACS numbered in `drop_posts`
/// (from 1), and forwards everything else: another check's crash, as the next check would
/// meet it.
fn stumbling_proxy(
    listener: tokio::net::TcpListener,
    upstream: String,
    drop_posts: &'static [usize],
) {
    use axum::http::{HeaderMap, Method, StatusCode, Uri};
    use std::collections::HashSet;
    use std::sync::{Arc, Mutex};
    let stumbled = Arc::new(Mutex::new(HashSet::<String>::new()));
    let posts = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let handler = move |method: Method, uri: Uri, headers: HeaderMap, body: axum::body::Bytes| {
        let (client, upstream, stumbled) = (client.clone(), upstream.clone(), stumbled.clone());
        let posts = posts.clone();
        async move {
            if method == Method::POST && uri.path().ends_with("/acs") {
                let n = posts.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                // A panic ends the connection's task: the client sees it closed, unanswered.
                assert!(!drop_posts.contains(&n), "dropping ACS POST {n} unanswered");
            }
            // Keyed by trigger, path and query, so checks run side by side (every relay/
            // check starts at the sign-on URL, each with its own address) each meet their own.
            let trigger = if headers.contains_key("paos") {
                Some("paos")
            } else if uri.to_string().contains("evil.test") {
                Some("evil.test")
            } else {
                None
            };
            let first = trigger.is_some_and(|trigger| {
                let key = format!("{trigger} {uri}");
                stumbled.lock().unwrap().insert(key)
            });
            if first {
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    HeaderMap::new(),
                    b"worker restarting\n".to_vec(),
                );
            }
            let mut forward = client
                .request(method, format!("{upstream}{uri}"))
                .body(body);
            for (name, value) in &headers {
                if name != "host" {
                    forward = forward.header(name, value);
                }
            }
            let answer = forward.send().await.unwrap();
            let status = answer.status();
            let mut back = HeaderMap::new();
            for (name, value) in answer.headers() {
                if ["location", "set-cookie", "content-type"].contains(&name.as_str()) {
                    back.append(name, value.clone());
                }
            }
            (status, back, answer.bytes().await.unwrap().to_vec())
        }
    };
    tokio::spawn(async move {
        axum::serve(listener, axum::Router::new().fallback(handler))
            .await
            .unwrap()
    });
}

/// A listener on 127.0.0.1 for a proxy, and its URL.
async fn proxy_listener() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    (listener, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_return_address_or_protected_page_in_trouble_is_not_a_refusal() {
    // An SP that follows any return address and serves its page to ECP headers, behind a
    // proxy that answers 503 to the first such request: that 503 is not the SP refusing.
    let sp = serve(&[
        "sp",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--flaw",
        "relay-any",
        "--flaw",
        "paos-bypass",
    ]);
    let (listener, proxy) = proxy_listener().await;
    stumbling_proxy(listener, sp.url.clone(), &[]);
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("stumbling.yaml");
    std::fs::write(
        &scenario,
        format!(
            "sp:\n  sign_on_url: {1}/login\n  metadata: {0}/saml/metadata\n  return_to: {1}/login?next={{url}}\n  logout_return_to: {1}/logout?next={{url}}\n  oracle: {{url: {1}/me, identity: {{json_pointer: /name_id}}}}\ncases:\n  - expect: accept\n  - attacks: [relay/return-to/absolute, relay/logout-return-to/absolute, bind/paos-header]\n",
            sp.url, proxy
        ),
    )
    .unwrap();
    let path = scenario.to_str().unwrap().to_owned();
    let run = tokio::task::spawn_blocking(move || run_with_report(&["conformance", &path], &[]))
        .await
        .unwrap();
    for id in [
        "relay/return-to/absolute",
        "relay/logout-return-to/absolute",
        "bind/paos-header",
    ] {
        assert_eq!(run.verdict(id), "vulnerable", "{id}: {}", run.stdout);
        let case = run.cases().iter().find(|c| c["id"] == id).unwrap();
        assert!(
            case["reason"].as_str().unwrap().contains("run again alone"),
            "{case}\n{}",
            run.stdout
        );
    }
}

/// Runs `attacks` (a scenario's list) against a reference SP that checks no signature,
/// behind a [`stumbling_proxy`] dropping `drop_posts` (the SP's base URL is the proxy's, so
/// the IdP posts through it), with `args` added to `run`.
async fn through_a_proxy(
    attacks: &str,
    drop_posts: &'static [usize],
    args: &'static [&'static str],
) -> common::Run {
    let (listener, proxy) = proxy_listener().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let sp = serve(&[
        "sp",
        "serve",
        "--listen",
        &listen,
        "--base-url",
        &proxy,
        "--flaw",
        "signature",
    ]);
    stumbling_proxy(listener, format!("http://{listen}"), drop_posts);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("proxied.yaml");
    std::fs::write(
        &path,
        format!(
            "sp:\n  sign_on_url: {proxy}/login\n  metadata: {proxy}/saml/metadata\n  oracle: {{url: {proxy}/me, identity: {{json_pointer: /name_id}}}}\ncases:\n  - expect: accept\n  - attacks: [{attacks}]\n"
        ),
    )
    .unwrap();
    let path = path.to_str().unwrap().to_owned();
    let run = tokio::task::spawn_blocking(move || {
        let mut all = vec!["run", path.as_str()];
        all.extend(args);
        run_with_report(&all, &[])
    })
    .await
    .unwrap();
    drop(sp);
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_whose_connection_another_checks_crash_dropped_is_run_again_alone() {
    // The 6th and 7th ACS posts dropped unanswered (a crash the check before caused, as the
    // next checks meet it): those checks are not errors but run again alone, and every
    // verdict is the one without the drops.
    let verdicts = |run: &common::Run| -> Vec<String> {
        run.cases()
            .iter()
            .map(|c| format!("{}={}", c["id"], c["verdict"]))
            .collect()
    };
    // One job: the drops are counted from the first post (a pre-flight would post first).
    let steady = through_a_proxy("sig/", &[], &["--jobs", "1"]).await;
    let dropping = through_a_proxy("sig/", &[6, 7], &["--jobs", "1"]).await;
    assert_eq!(
        verdicts(&dropping),
        verdicts(&steady),
        "{}",
        dropping.stdout
    );
    assert_eq!(
        dropping.verdict("sig/none"),
        "vulnerable",
        "{}",
        dropping.stdout
    );
    let rerun: Vec<_> = dropping
        .cases()
        .iter()
        .filter(|c| c["reason"].as_str().unwrap().contains("run again alone"))
        .map(|c| c["id"].to_string())
        .collect();
    assert_eq!(rerun.len(), 2, "{rerun:?}\n{}", dropping.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_chromium_an_acs_post_dropped_unanswered_is_not_a_refusal() {
    // Chromium shows its own error page when the ACS drops the post (twice: Chromium sends
    // a post again once when a kept-alive connection closes unanswered); the protected page
    // then shows nobody signed in. That is no refusal: the check is run again alone.
    assert!(
        std::path::Path::new("/usr/bin/chromium").exists(),
        "Chromium is missing; run scripts/setup --test"
    );
    let run = through_a_proxy(
        "sig/none, sig/keyinfo/x509, sig/tampered",
        // The good login, two controls (none of these checks needs the IdP's re-signing) and
        // sig/none post first: posts 5 and 6 are sig/keyinfo/x509's.
        &[5, 6],
        // One job, stated: the drops are counted from the first post (a pre-flight would post first).
        &["--driver", "chromium", "--jobs", "1"],
    )
    .await;
    for id in ["sig/none", "sig/keyinfo/x509", "sig/tampered"] {
        assert_eq!(run.verdict(id), "vulnerable", "{id}: {}", run.stdout);
    }
    let x509 = run
        .cases()
        .iter()
        .find(|c| c["id"] == "sig/keyinfo/x509")
        .unwrap();
    assert!(
        x509["reason"].as_str().unwrap().contains("run again alone"),
        "{x509}\n{}",
        run.stdout
    );
}

/// Ctrl-C while the SP trusts metadata a `meta/` check made: the harness gives the SP its own
/// metadata back before it exits (130), so an interrupted run leaves no SP trusting a key that
/// only the harness held.
#[test]
fn ctrl_c_during_a_meta_check_gives_the_sp_its_own_metadata_back_first() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let bin = env!("CARGO_BIN_EXE_saml-harness");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let file = dir.path().join("idp.xml");
    let out = Command::new(bin)
        .args(["idp", "metadata"])
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::write(&file, &out.stdout).unwrap();
    let certificate = |xml: &str| {
        let doc = roxmltree::Document::parse(xml).unwrap();
        let cert = doc
            .descendants()
            .find(|n| n.has_tag_name("X509Certificate"))
            .and_then(|n| n.text())
            .unwrap()
            .trim()
            .to_owned();
        cert
    };
    let own = certificate(&String::from_utf8(out.stdout).unwrap());
    let sp = serve(&[
        "sp",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--idp-metadata",
        file.to_str().unwrap(),
    ]);
    // The first install (the check's new key) says so and stalls, so Ctrl-C lands while the
    // SP trusts it; later ones (the restore) go straight through.
    let reload = format!(
        "cp {{metadata}} {d}/new && mv {d}/new {d}/idp.xml && if [ ! -e {d}/changed ]; then touch {d}/changed; sleep 30; fi"
    );
    let scenario = dir.path().join("sp.yaml");
    std::fs::write(
        &scenario,
        format!(
            "sp:\n  sign_on_url: ${{SP_URL}}/login\n  metadata: ${{SP_URL}}/saml/metadata\n  reload_idp_metadata: {reload}\n  oracle: {{url: '${{SP_URL}}/me', identity: {{json_pointer: /name_id}}}}\ncases:\n  - expect: accept\n    identity: B.Simon@contoso.com\n"
        ),
    )
    .unwrap();
    let mut run = Command::new(bin)
        .args(["conformance", scenario.to_str().unwrap()])
        .args([
            "--only",
            "meta/rollover/retired-key",
            "--reload-timeout",
            "60",
        ])
        .env("SP_URL", &sp.url)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = run.stderr.take().unwrap();
    let said = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(90);
    while !dir.path().join("changed").exists() {
        if Instant::now() > deadline || run.try_wait().unwrap().is_some() {
            let _ = run.kill();
            panic!(
                "the check never installed new metadata: {}",
                said.join().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let installed = std::fs::read_to_string(&file).unwrap();
    assert_ne!(
        certificate(&installed),
        own,
        "the check's metadata holds a new key"
    );
    let interrupt = Command::new("kill")
        .args(["-INT", &run.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupt.success());
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = run.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = run.kill();
            panic!("still running a minute after Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let said = said.join().unwrap();
    assert_eq!(status.code(), Some(130), "{said}");
    assert!(
        said.contains("gave the SP its original IdP metadata back"),
        "{said}"
    );
    let restored = std::fs::read_to_string(&file).unwrap();
    assert_eq!(certificate(&restored), own, "{said}");
}
