//! SPs nobody here wrote, started on 127.0.0.1 by real-sps, run the whole conformance catalogue
//! with their scenario under scenarios/sps/: the good login is accepted with the right
//! identity, and every verdict other than pass is listed here and, where it is a known
//! deviation of the SP, in its `.expect.yaml` with the reason.

mod common;

/// The built-in mock IdP's metadata: the in-process IdP the harness runs signs with its key.
fn idp_metadata() -> String {
    let config = mock_idp::config::Config::builtin();
    let app = &config.apps[0];
    mock_idp::metadata::app_metadata(&config.tenant, "http://127.0.0.1:7080", app).unwrap()
}

/// Runs the whole catalogue (`conformance`) against `sp` with the scenario's SP section and
/// its expectations file, if it has one.
fn conformance(scenario: &str, sp: &real_sps::RealSp, extra: &[&str]) -> common::Run {
    let expect = scenario.replace(".yaml", ".expect.yaml");
    // The apps that take new IdP metadata do at the next request.
    let mut args = vec!["conformance", scenario, "--reload-timeout", "20"];
    args.extend(extra);
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    if root.join(&expect).exists() {
        args.extend(["--expect", &expect]);
    }
    let metadata = sp.idp_metadata_file().display().to_string();
    let mut run = common::run_with_report(
        &args,
        &[("SP_URL", &sp.base_url), ("IDP_METADATA_FILE", &metadata)],
    );
    run.stdout = format!("{}\nSP logs:\n{}", run.stdout, sp.logs());
    run
}

/// The whole catalogue: the good login shows B.Simon, the control works, nothing is
/// vulnerable beyond the expectations file, and the verdicts other than pass are exactly
/// `findings` (`id=verdict`, expected ones included).
fn assert_conforms(sp: &real_sps::RealSp, scenario: &str, findings: &[&str]) {
    assert_conforms_skipping(sp, scenario, findings, &[]);
}

/// [`assert_conforms`] without the checks `skip` (proven by a test of their own, or too flaky
/// to pin: the caller says which and why).
fn assert_conforms_skipping(
    sp: &real_sps::RealSp,
    scenario: &str,
    findings: &[&str],
    skip: &[&str],
) {
    let mut extra: Vec<&str> = skip.iter().flat_map(|id| ["--skip", *id]).collect();
    // The dos/ checks time the SP's answers: they run alone, once every other test of this
    // binary has left its own run (cargo test runs two at once on 2 cores).
    let run = {
        let _shared = QUIET.read().unwrap_or_else(|e| e.into_inner());
        conformance(
            scenario,
            sp,
            &[extra.as_slice(), &["--skip", "dos"]].concat(),
        )
    };
    extra.extend(["--only", "dos"]);
    let timed = {
        let _alone = QUIET.write().unwrap_or_else(|e| e.into_inner());
        conformance(scenario, sp, &extra)
    };
    let findings: Vec<&str> = findings
        .iter()
        .filter(|f| !skip.iter().any(|id| f.split('=').next() == Some(*id)))
        .copied()
        .collect();
    let out = &format!("{}\n{}", run.stdout, timed.stdout);
    let case = |id: &str| run.cases().iter().find(|c| c["id"] == id).cloned().unwrap();
    let good = case("login/good");
    assert!(
        good["reason"]
            .as_str()
            .unwrap()
            .contains("B.Simon@contoso.com"),
        "{good}\n{out}"
    );
    assert_eq!(case("control/no-op-edit")["verdict"], "pass", "{out}");
    assert!(run.cases().len() > 35, "{out}");
    let mut want: Vec<String> = findings.iter().map(|s| s.to_string()).collect();
    want.sort();
    let dos = |c: &serde_json::Value| c["id"].as_str().is_some_and(|id| id.starts_with("dos/"));
    assert!(timed.cases().iter().any(dos), "{out}");
    let mut found = run.findings();
    found.extend(
        timed
            .findings()
            .into_iter()
            .filter(|f| f.starts_with("dos/")),
    );
    found.sort();
    assert_eq!(found, want, "{out}");
    for c in run
        .cases()
        .iter()
        .chain(timed.cases().iter().filter(|c| dos(c)))
    {
        if c["verdict"] == "vulnerable" {
            assert!(
                c["expected"].is_string(),
                "unexpected vulnerable: {c}\n{out}"
            );
        }
    }
    assert_eq!(run.code, 0, "{} did not conform:\n{out}", sp.name);
    assert_eq!(timed.code, 0, "{} did not withstand:\n{out}", sp.name);
}

/// Held shared by a catalogue run, alone by a dos/ run: two SPs burning the 2 cores at once
/// would make each other's timings.
static QUIET: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// Lasso aborts the Apache process serving this query (see the next test), cutting whatever
/// else that process is serving, so it is run on its own.
const MELLON_CRASH: &str = "bind/redirect/request-beside-response";

#[test]
fn mod_auth_mellon_runs_the_whole_catalogue() {
    let sp = real_sps::mellon(&idp_metadata()).unwrap();
    assert_conforms_skipping(
        &sp,
        "scenarios/sps/mod_auth_mellon.yaml",
        // It asks for a transient NameID (not an address an attacker could imitate).
        MELLON,
        &[MELLON_CRASH],
    );
}

/// mod_auth_mellon 0.18 with Lasso 2.8 (Debian 12): a GET to its logout URL carrying both
/// SAMLRequest and SAMLResponse makes Lasso parse the LogoutResponse as a LogoutRequest and
/// stop the process with g_error ("samlp2:LogoutRequest needs one of BaseID, NameID or
/// EncryptedID"): one unauthenticated request kills the Apache process serving it. The check
/// ends in `error` (the SP stopped answering), as its pin says.
#[test]
fn mod_auth_mellon_dies_on_a_logout_query_with_request_and_response() {
    let sp = real_sps::mellon(&idp_metadata()).unwrap();
    let run = conformance(
        "scenarios/sps/mod_auth_mellon.yaml",
        &sp,
        &["--only", MELLON_CRASH],
    );
    let out = &run.stdout;
    let case = run
        .cases()
        .iter()
        .find(|c| c["id"] == MELLON_CRASH)
        .cloned()
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(case["verdict"], "error", "{out}");
    assert!(
        MELLON.contains(&format!("{MELLON_CRASH}=error").as_str()),
        "pinned so in the matrix"
    );
    assert!(out.contains("Lasso-ERROR"), "the SP's log says why: {out}");
}

#[test]
fn shibboleth_sp_runs_the_whole_catalogue() {
    let config = mock_idp::config::Config::builtin();
    let sp = real_sps::shibboleth(&idp_metadata(), &config.tenant.entity_id()).unwrap();
    assert_conforms(&sp, "scenarios/sps/shibboleth.yaml", SHIBBOLETH);
}

#[test]
fn python3_saml_runs_the_whole_catalogue() {
    let sp = real_sps::python3_saml(&idp_metadata()).unwrap();
    assert_conforms(&sp, "scenarios/sps/python3-saml.yaml", PYTHON3_SAML);
}

#[test]
fn node_saml_runs_the_whole_catalogue() {
    let sp = real_sps::node_saml(&idp_metadata()).unwrap();
    // It checks signature, audience, times and InResponseTo; it reads the Status only when
    // there is no assertion, and never the Response's Issuer, Destination, Recipient or
    // SubjectConfirmation Method (lib/saml.js). `dos/deflate-bomb-redirect` is skipped, as
    // for every app on node-sp.js: see samlify's test below.
    assert_conforms_skipping(
        &sp,
        "scenarios/sps/node-saml.yaml",
        NODE_SAML,
        &["dos/deflate-bomb-redirect"],
    );
}

#[test]
fn samlify_runs_the_whole_catalogue() {
    let sp = real_sps::samlify(&idp_metadata()).unwrap();
    // It verifies the signature, the IdP's Issuer, Conditions' times, SessionNotOnOrAfter and
    // the Status; the test app adds the Audience and InResponseTo. Nothing else is read
    // (build/src/flow.js, extractor.js). No encryption certificate in its metadata: enc/ n/a.
    // Node refuses `dos/deflate-bomb-redirect`'s 45 KB URL (over its 16 KiB header limit)
    // and closes the connection at once: usually its answer is read first (pass), but once
    // in CI (2026-12-04) the reset came first, for a yardstick, and the verdict was
    // inconclusive. Skipped for the three apps on node-sp.js until a reset after the status
    // line counts as an answer.
    assert_conforms_skipping(
        &sp,
        "scenarios/sps/samlify.yaml",
        SAMLIFY,
        &["dos/deflate-bomb-redirect"],
    );
}

#[test]
fn django_allauth_runs_the_whole_catalogue() {
    let sp = real_sps::django_allauth(&idp_metadata()).unwrap();
    // allauth's SAML provider is python3-saml underneath (strict, assertions signed), with
    // IdP-initiated sign-on switched on; it follows RelayState after one only to its own
    // hosts (65.14.1, CVE-2026-27982), which `relay/unsolicited/*` prove. Unsigned
    // LogoutRequests are taken by default (`slo/unsigned`, pinned with the reason).
    assert_conforms(&sp, "scenarios/sps/django-allauth.yaml", DJANGO_ALLAUTH);
}

#[test]
fn pysaml2_runs_the_whole_catalogue() {
    let sp = real_sps::pysaml2(&idp_metadata()).unwrap();
    assert_conforms(&sp, "scenarios/sps/pysaml2.yaml", PYSAML2);
}

#[test]
fn saml2_js_runs_the_whole_catalogue() {
    let sp = real_sps::saml2_js(&idp_metadata()).unwrap();
    // It verifies the signature and checks Conditions' times and the Audience (when there is
    // one); the test app checks InResponseTo. A repeated attribute crashes the process.
    // The deflate bomb's bytes, parsed as XML without inflating, sometimes hold one: each
    // login compresses differently, so its verdict changes from run to run (2026-12-04: both
    // rounds crashed it once in CI); the crash is `parse/malformed/duplicate-attribute`'s.
    // `dos/deflate-bomb-redirect`: see samlify's test.
    assert_conforms_skipping(
        &sp,
        "scenarios/sps/saml2-js.yaml",
        SAML2_JS,
        &["dos/deflate-bomb", "dos/deflate-bomb-redirect"],
    );
}

#[test]
fn simplesamlphp_runs_the_whole_catalogue() {
    let sp = real_sps::simplesamlphp(&idp_metadata()).unwrap();
    // Debian 12's package, configured with two of the protections its documentation names
    // that are off by default (signed logout messages, a replay store). Its bundled xmlseclibs
    // 3.1.1 predates CVE-2025-66578's fix: `dsig/void-canonicalization` signs the forged
    // identity in (expected, with the reason). PHP 8.2 canonicalises SignedInfo in quadratic
    // time (`dos/large-signed-info`).
    assert_conforms(&sp, "scenarios/sps/simplesamlphp.yaml", SIMPLESAMLPHP);
}

#[test]
fn samael_runs_the_whole_catalogue() {
    let sp = real_sps::samael(&idp_metadata()).unwrap();
    // It verifies every signature through libxmlsec1 and keeps only what they cover: with
    // the Assertion signed alone, the Response's Destination and Status are not read. It
    // checks the Assertion's Issuer, times, Audience (when there is one), Recipient and
    // InResponseTo (src/service_provider/mod.rs); the test app adds a replay cache. Single
    // logout is not in samael: the app answers 501 there (slo/post/* inconclusive).
    assert_conforms(&sp, "scenarios/sps/samael.yaml", SAMAEL);
}

/// python3-saml, its `/sls` requiring signed sign-out messages, against a running mock IdP
/// whose app sends the LogoutResponse to that `/sls`: the Redirect binding's query signature
/// verifies (a tampered query does not), and the message is then refused for its Issuer
/// `https://login.microsoftonline.com/{tenant}/`, as python3-saml refuses Entra's own.
#[test]
fn python3_saml_verifies_the_logout_responses_query_signature() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let idp_url = format!("http://{}", listener.local_addr().unwrap());
    let mut config = mock_idp::config::Config::builtin();
    let metadata =
        mock_idp::metadata::app_metadata(&config.tenant, &idp_url, &config.apps[0]).unwrap();
    let sp = real_sps::python3_saml(&metadata).unwrap();
    let app = &mut config.apps[0];
    app.identifiers = vec![format!("{}/metadata", sp.base_url)];
    app.reply_urls = vec![format!("{}/acs", sp.base_url)];
    app.default_reply_url = app.reply_urls[0].clone();
    app.logout_url = Some(format!("{}/sls", sp.base_url));
    let state = mock_idp::server::IdpState::new(mock_idp::idp::Idp::new(config), idp_url);
    rt.spawn(async move { axum::serve(listener, mock_idp::server::app(state)).await });
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let location = |r: &reqwest::Response| {
        r.headers()[reqwest::header::LOCATION]
            .to_str()
            .unwrap()
            .to_owned()
    };
    let (slo_url, logout) = rt.block_on(async {
        let to_idp = client
            .get(format!("{}/slo", sp.base_url))
            .send()
            .await
            .unwrap();
        assert_eq!(to_idp.status(), 302);
        let back = client.get(location(&to_idp)).send().await.unwrap();
        assert_eq!(back.status(), 302, "{}", back.text().await.unwrap());
        let slo_url = location(&back);
        let answer = client.get(&slo_url).send().await.unwrap();
        (slo_url, answer.text().await.unwrap())
    });
    assert!(
        slo_url.contains("&SigAlg=") && slo_url.contains("&Signature="),
        "{slo_url}"
    );
    let logout: serde_json::Value = serde_json::from_str(&logout).unwrap();
    let errors = logout["errors"].to_string();
    assert!(!errors.contains("signature"), "{logout}\n{}", sp.logs());
    assert!(
        logout["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("Invalid issuer in the Logout Response"),
        "{logout}"
    );
    let tampered = slo_url.replacen("SAMLResponse=", "RelayState=x&SAMLResponse=", 1);
    let refused: serde_json::Value = rt.block_on(async {
        let r = client.get(tampered).send().await.unwrap();
        serde_json::from_str(&r.text().await.unwrap()).unwrap()
    });
    assert!(
        refused["errors"]
            .to_string()
            .contains("invalid_logout_response_signature"),
        "{refused}"
    );
}

#[test]
fn ruby_saml_runs_the_whole_catalogue() {
    let version = std::process::Command::new("dpkg-query")
        .args(["-W", "-f=${Version}", "ruby-saml"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    assert_eq!(
        version, "1.13.0-1+deb12u1",
        "RUBY_SAML and ruby-saml.expect.yaml are for Debian 12's 1.13.0-1+deb12u1: run this test, \
         read each changed verdict against the package's changelog, and pin them again"
    );
    let sp = real_sps::ruby_saml(&idp_metadata()).unwrap();
    // Debian 12's package: the 2025 parser-differential CVEs (fixed upstream in 1.18.0) are
    // open in it and found here, expected in its .expect.yaml. No encryption certificate in
    // its metadata unless assertions must be encrypted: enc/ n/a.
    assert_conforms(&sp, "scenarios/sps/ruby-saml.yaml", RUBY_SAML);
}

// What each real SP does not pass: the tests above assert a run gives exactly these, and the
// README's matrix is drawn from them.

/// mod_auth_mellon 0.18 (Debian 12): every verdict but pass, `id=verdict`.
const MELLON: &[&str] = &[
    "aud/missing=nonstrict",
    "bind/redirect/request-beside-response=error",
    "canon/cdata/claims=vulnerable",
    "canon/cdata/name-id=not-applicable",
    "canon/comment/name-id=not-applicable",
    "canon/entity/name-id=not-applicable",
    "canon/pi/name-id=not-applicable",
    "cond/issue-instant-future=nonstrict",
    "cond/no-expiry=nonstrict",
    "cond/scd-not-before=nonstrict",
    "cond/unknown-condition=nonstrict",
    "dos/crash/soap-empty-body=vulnerable",
    "dos/many-attributes=vulnerable",
    "dos/many-transforms=vulnerable",
    "enc/cipher-reference/data=vulnerable",
    "enc/cipher-reference/file=vulnerable",
    "enc/cipher-reference/key=vulnerable",
    "enc/cipher-reference/key-file=vulnerable",
    "enc/rsa-1_5=nonstrict",
    "prot/authn-statement-missing=nonstrict",
    "prot/destination-missing=nonstrict",
    "prot/in-response-to-unknown=vulnerable",
    "prot/unsolicited=nonstrict",
    // It checks only that its cookie is present (value `cookietest`), never which request
    // this browser sent: a browser without it gets 400 (fresh-browser passes).
    "session/request-binding/pending-login=vulnerable",
    "prot/version=nonstrict",
    "sig/assertion-unsigned=nonstrict",
    "sig/reference/two=nonstrict",
    "slo/expired=vulnerable",
    "slo/post/assertion-signature=not-applicable",
    "slo/post/expired=not-applicable",
    "slo/post/unsigned=not-applicable",
    "slo/post/untrusted-key=not-applicable",
    "subj/in-response-to-other=vulnerable",
    // Observed: an empty NameID opens a session (a missing one is refused); this setup names
    // the user by the name claim (MellonSetEnvNoPrefix UPN), so B.Simon is signed in.
    "subj/name-id-empty=nonstrict",
    "subj/no-confirmation=nonstrict",
    "subj/recipient-missing=nonstrict",
    // Observed: Lasso takes a Response without ID or IssueInstant, or with an ID that is not an
    // xs:ID (no schema validation of the Response).
    "prot/id-malformed=nonstrict",
    "prot/id-missing=nonstrict",
    "prot/issue-instant-missing=nonstrict",
    // This setup names the user by the name claim (MellonSetEnvNoPrefix UPN); the check
    // forges only the Subject, so whose session opened cannot be told.
    "xsw/subject-in-signature=inconclusive",
];

/// Shibboleth SP 3.4 (Debian 12): every verdict but pass, `id=verdict`.
const SHIBBOLETH: &[&str] = &[
    "canon/cdata/name-id=not-applicable",
    "canon/comment/name-id=not-applicable",
    "aud/missing=nonstrict",
    "control/encrypted=not-applicable",
    "cond/scd-not-before=nonstrict",
    "dos/many-attributes=vulnerable",
    "enc/doctype-in-plaintext=not-applicable",
    "enc/cipher-reference/data=not-applicable",
    "enc/cipher-reference/file=not-applicable",
    "enc/cipher-reference/key=not-applicable",
    "enc/cipher-reference/key-file=not-applicable",
    "enc/decryption-oracle=not-applicable",
    "dos/encrypted-key-cycle=not-applicable",
    "enc/expired=not-applicable",
    "enc/other-audience=not-applicable",
    "enc/rsa-1_5=not-applicable",
    "enc/unsigned-assertion=not-applicable",
    "enc/unsigned-beside-signed=not-applicable",
    "enc/unsigned-with-signed-in-extensions=not-applicable",
    "parse/encoding/mislabelled=nonstrict",
    "prot/in-response-to-unknown=vulnerable",
    "prot/unsolicited=nonstrict",
    // Its shipped security policy checks no request correlation (accepts unsolicited).
    "session/request-binding/fresh-browser=vulnerable",
    "session/request-binding/pending-login=vulnerable",
    "sig/assertion-unsigned=not-applicable",
    "sig/reference/whole-document=nonstrict",
    "subj/in-response-to-other=vulnerable",
    // Observed: a Subject without NameID opens a session (an empty NameID is refused); REMOTE_USER
    // comes from the upn attribute here (attribute-map: the name claim), so B.Simon is signed in.
    "subj/name-id-missing=nonstrict",
    "xsw/encrypted=not-applicable",
    // Observed: its schema validation takes an ID that is not an NCName (missing ID and
    // IssueInstant are refused).
    "prot/id-malformed=nonstrict",
];

/// python3-saml 1.16.0 (PyPI): every verdict but pass, `id=verdict`.
const PYTHON3_SAML: &[&str] = &[
    // libxmlsec1 runs the XPath filter before the SignatureValue; python3-saml allow-lists
    // no transforms (CVE-2026-49289's shape).
    "dos/xpath-bomb=vulnerable",
    // It takes the key metadata lists for encryption only as its signing key (and refuses
    // the unsigned forgery); given metadata with no key at all, its sign-on answers 500, so
    // the forgery cannot be posted without a key.
    "meta/no-signing-key/unsigned=inconclusive",
    "aud/missing=nonstrict",
    "aud/second-restriction=nonstrict",
    "bind/redirect/encoded-name=vulnerable",
    "canon/cdata/claims=not-applicable",
    "canon/comment/claims=not-applicable",
    "cond/issue-instant-future=nonstrict",
    "cond/no-expiry=nonstrict",
    "cond/scd-not-before=nonstrict",
    "control/encrypted=not-applicable",
    "dos/manifest-device=vulnerable",
    "dos/many-attributes=vulnerable",
    "dos/many-transforms=vulnerable",
    "dos/xslt-bomb=vulnerable",
    "dsig/transform/xpath=nonstrict",
    "enc/doctype-in-plaintext=not-applicable",
    "enc/cipher-reference/data=not-applicable",
    "enc/cipher-reference/file=not-applicable",
    "enc/cipher-reference/key=not-applicable",
    "enc/cipher-reference/key-file=not-applicable",
    "enc/decryption-oracle=not-applicable",
    "dos/encrypted-key-cycle=not-applicable",
    "enc/expired=not-applicable",
    "enc/other-audience=not-applicable",
    "enc/rsa-1_5=not-applicable",
    "enc/unsigned-assertion=not-applicable",
    "enc/unsigned-beside-signed=not-applicable",
    "enc/unsigned-with-signed-in-extensions=not-applicable",
    "prot/destination-missing=nonstrict",
    "prot/unsolicited=nonstrict",
    // A browser with no session passes request_id=None, and python3-saml then compares nothing
    // (as its demo does); one with a login of its own passes that request's ID and is refused.
    "session/request-binding/fresh-browser=vulnerable",
    "relay/logout-return-to/absolute=not-applicable",
    "relay/logout-return-to/backslash=not-applicable",
    "relay/logout-return-to/triple-slash=not-applicable",
    "relay/return-to/absolute=not-applicable",
    "relay/return-to/backslash=not-applicable",
    "relay/return-to/scheme-colon=not-applicable",
    "relay/return-to/tab=not-applicable",
    "relay/return-to/triple-slash=not-applicable",
    "sig/reference/two=nonstrict",
    "slo/deflate-bomb=inconclusive",
    "slo/post/assertion-signature=not-applicable",
    "slo/post/expired=not-applicable",
    "slo/post/unsigned=not-applicable",
    "slo/post/untrusted-key=not-applicable",
    "subj/recipient-missing=nonstrict",
    "xsw/encrypted=not-applicable",
];

/// @node-saml/node-saml 5.1.0 (npm): every verdict but pass, `id=verdict`.
const NODE_SAML: &[&str] = &[
    // Our app answers with the library's error message, which tells the variants apart.
    "enc/decryption-oracle=vulnerable",
    // The scenario has no `sp.reload_idp_metadata`: our wrapper reads IdP metadata and gives
    // the library only the certificate, so meta/ would test the wrapper.
    "meta/key-without-use/unsigned=not-applicable",
    "meta/no-signing-key/unsigned=not-applicable",
    "meta/rollover/retired-key=not-applicable",
    "bind/redirect/encoded-name=vulnerable",
    "canon/cdata/claims=not-applicable",
    "canon/comment/claims=not-applicable",
    "canon/pi/claims=not-applicable",
    "cond/issue-instant-future=nonstrict",
    "cond/scd-not-before=nonstrict",
    "cond/session-expired=nonstrict",
    "cond/unknown-condition=nonstrict",
    "parse/doctype=nonstrict",
    "parse/encoding/mislabelled=nonstrict",
    "parse/malformed/trailing-content=nonstrict",
    "prot/authn-statement-missing=nonstrict",
    "prot/destination-missing=nonstrict",
    "prot/destination-other=nonstrict",
    "prot/issuer-app-suffix=nonstrict",
    "prot/issuer-missing=nonstrict",
    "prot/issuer-other=nonstrict",
    "prot/status-nested-success=nonstrict",
    "prot/status-responder=nonstrict",
    "prot/version=nonstrict",
    // validateInResponseTo checks its process-wide cache (the default in-memory one; the
    // CacheProvider interface takes no request or session), never the browser.
    "session/request-binding/fresh-browser=vulnerable",
    "session/request-binding/pending-login=vulnerable",
    "relay/logout-return-to/absolute=not-applicable",
    "relay/logout-return-to/backslash=not-applicable",
    "relay/logout-return-to/triple-slash=not-applicable",
    "relay/return-to/absolute=not-applicable",
    "relay/return-to/backslash=not-applicable",
    "relay/return-to/scheme-colon=not-applicable",
    "relay/return-to/tab=not-applicable",
    "relay/return-to/triple-slash=not-applicable",
    "slo/unsigned=vulnerable",
    "subj/holder-of-key=vulnerable",
    "subj/no-confirmation=nonstrict",
    "subj/recipient-missing=nonstrict",
    "subj/recipient-other=nonstrict",
    // Observed: node-saml reads neither the Response's ID nor its IssueInstant.
    "prot/id-malformed=nonstrict",
    "prot/id-missing=nonstrict",
    "prot/issue-instant-missing=nonstrict",
];

/// samlify 2.13.1 (npm): every verdict but pass, `id=verdict`.
const SAMLIFY: &[&str] = &[
    "bind/redirect/encoded-name=not-applicable",
    "bind/redirect/encoded-response-name=not-applicable",
    "bind/redirect/prefixed-response=not-applicable",
    "bind/redirect/prefixed-parameter=not-applicable",
    "bind/redirect/request-beside-response=not-applicable",
    "bind/redirect/response-name-confusion=not-applicable",
    "canon/cdata/claims=not-applicable",
    "canon/comment/claims=not-applicable",
    "canon/pi/claims=not-applicable",
    "cond/issue-instant-future=nonstrict",
    "cond/no-expiry=nonstrict",
    "cond/scd-expired=vulnerable",
    "cond/scd-not-before=nonstrict",
    "control/encrypted=not-applicable",
    "dos/many-attributes=vulnerable",
    "dos/many-transforms=vulnerable",
    "enc/doctype-in-plaintext=not-applicable",
    "enc/cipher-reference/data=not-applicable",
    "enc/cipher-reference/file=not-applicable",
    "enc/cipher-reference/key=not-applicable",
    "enc/cipher-reference/key-file=not-applicable",
    "enc/decryption-oracle=not-applicable",
    "dos/encrypted-key-cycle=not-applicable",
    "enc/expired=not-applicable",
    "enc/other-audience=not-applicable",
    "enc/rsa-1_5=not-applicable",
    "enc/unsigned-assertion=not-applicable",
    "enc/unsigned-beside-signed=not-applicable",
    "enc/unsigned-with-signed-in-extensions=not-applicable",
    "parse/doctype=nonstrict",
    "prot/authn-statement-missing=nonstrict",
    "prot/destination-missing=nonstrict",
    "prot/destination-other=nonstrict",
    "prot/version=nonstrict",
    "relay/logout-return-to/absolute=not-applicable",
    "relay/logout-return-to/backslash=not-applicable",
    "relay/logout-return-to/triple-slash=not-applicable",
    "relay/return-to/absolute=not-applicable",
    "relay/return-to/backslash=not-applicable",
    "relay/return-to/scheme-colon=not-applicable",
    "relay/return-to/tab=not-applicable",
    "relay/return-to/triple-slash=not-applicable",
    "sig/assertion-unsigned=nonstrict",
    "sig/reference/two=nonstrict",
    "sig/reference/whole-document=nonstrict",
    "slo/deflate-bomb=not-applicable",
    "slo/expired=not-applicable",
    "slo/post/assertion-signature=vulnerable",
    "slo/post/expired=vulnerable",
    "slo/unsigned=not-applicable",
    "slo/untrusted-key=not-applicable",
    "subj/holder-of-key=vulnerable",
    "subj/in-response-to-other=vulnerable",
    "subj/no-confirmation=nonstrict",
    "subj/recipient-missing=nonstrict",
    "subj/recipient-other=nonstrict",
    "xsw/encrypted=not-applicable",
];

/// pysaml2 7.5.5 (PyPI): every verdict but pass, `id=verdict`.
const PYSAML2: &[&str] = &[
    // Debian 12's xmlsec1 1.2.37, run with --id-attr:Id EncryptedKey, recurses until it crashes.
    "dos/encrypted-key-cycle=vulnerable",
    // pysaml2 keeps no used-assertion IDs; the outstanding request lives in Flask's signed
    // cookie session, so the login's POST replayed with its cookies signs in again.
    "prot/replay=vulnerable",
    "aud/missing=nonstrict",
    "aud/second-restriction=nonstrict",
    "bind/redirect/encoded-name=not-applicable",
    "bind/redirect/encoded-response-name=not-applicable",
    "bind/redirect/prefixed-response=not-applicable",
    "bind/redirect/prefixed-parameter=not-applicable",
    "bind/redirect/request-beside-response=not-applicable",
    "bind/redirect/response-name-confusion=not-applicable",
    "canon/cdata/claims=not-applicable",
    "canon/comment/claims=not-applicable",
    "cond/no-expiry=nonstrict",
    "cond/scd-not-before=nonstrict",
    "dos/deflate-bomb=vulnerable",
    "dos/many-attributes=vulnerable",
    "enc/cipher-reference/data=vulnerable",
    "enc/cipher-reference/file=vulnerable",
    "enc/cipher-reference/key=vulnerable",
    "enc/cipher-reference/key-file=vulnerable",
    "enc/decryption-oracle=vulnerable",
    "enc/rsa-1_5=nonstrict",
    "parse/doctype=nonstrict",
    "prot/destination-missing=nonstrict",
    "relay/logout-return-to/absolute=not-applicable",
    "relay/logout-return-to/backslash=not-applicable",
    "relay/logout-return-to/triple-slash=not-applicable",
    "relay/return-to/absolute=not-applicable",
    "relay/return-to/backslash=not-applicable",
    "relay/return-to/scheme-colon=not-applicable",
    "relay/return-to/tab=not-applicable",
    "relay/return-to/triple-slash=not-applicable",
    "slo/deflate-bomb=not-applicable",
    "slo/expired=not-applicable",
    "slo/post/assertion-signature=not-applicable",
    "slo/post/expired=not-applicable",
    "slo/post/unsigned=not-applicable",
    "slo/post/untrusted-key=not-applicable",
    "slo/unsigned=not-applicable",
    "slo/untrusted-key=not-applicable",
    // Observed: an empty NameID opens a session; the test app shows the NameID, empty, so the
    // oracle finds no one (the claims still name B.Simon): not a pass, not provably nonstrict.
    "subj/name-id-empty=inconclusive",
    "subj/recipient-other=nonstrict",
    // Observed: pysaml2 requires the Response's ID and IssueInstant but not that the ID be
    // an NCName.
    "prot/id-malformed=nonstrict",
];

/// saml2-js 4.0.4 (npm): every verdict but pass, `id=verdict`.
const SAML2_JS: &[&str] = &[
    // Our app answers with the library's error message, which tells the variants apart.
    "enc/decryption-oracle=vulnerable",
    // The scenario has no `sp.reload_idp_metadata`: our wrapper reads IdP metadata and gives
    // the library only the certificate, so meta/ would test the wrapper.
    "meta/key-without-use/unsigned=not-applicable",
    "meta/no-signing-key/unsigned=not-applicable",
    "meta/rollover/retired-key=not-applicable",
    "aud/empty=nonstrict",
    "aud/missing=nonstrict",
    "aud/second-restriction=nonstrict",
    "bind/redirect/encoded-name=inconclusive",
    "bind/redirect/encoded-response-name=inconclusive",
    "bind/redirect/prefixed-response=inconclusive",
    "bind/redirect/prefixed-parameter=inconclusive",
    "bind/redirect/request-beside-response=inconclusive",
    "bind/redirect/response-name-confusion=inconclusive",
    "canon/cdata/claims=not-applicable",
    "canon/comment/claims=not-applicable",
    "canon/pi/claims=not-applicable",
    "cond/issue-instant-future=nonstrict",
    "cond/malformed-datetime=nonstrict",
    "cond/no-expiry=nonstrict",
    "cond/scd-expired=vulnerable",
    "cond/scd-not-before=nonstrict",
    "cond/session-expired=nonstrict",
    "cond/unknown-condition=nonstrict",
    "dos/many-transforms=vulnerable",
    "parse/doctype=nonstrict",
    "parse/encoding/mislabelled=nonstrict",
    "parse/malformed/duplicate-attribute=error",
    "parse/malformed/trailing-content=nonstrict",
    "prot/destination-missing=nonstrict",
    "prot/destination-other=nonstrict",
    "prot/issuer-app-suffix=nonstrict",
    "prot/issuer-missing=nonstrict",
    "prot/issuer-other=nonstrict",
    "relay/logout-return-to/absolute=not-applicable",
    "relay/logout-return-to/backslash=not-applicable",
    "relay/logout-return-to/triple-slash=not-applicable",
    "relay/return-to/absolute=not-applicable",
    "relay/return-to/backslash=not-applicable",
    "relay/return-to/scheme-colon=not-applicable",
    "relay/return-to/tab=not-applicable",
    "relay/return-to/triple-slash=not-applicable",
    "sig/assertion-unsigned=not-applicable",
    "sig/reference/two=nonstrict",
    "slo/deflate-bomb=inconclusive",
    "slo/expired=inconclusive",
    "slo/post/assertion-signature=not-applicable",
    "slo/post/expired=not-applicable",
    "slo/post/unsigned=not-applicable",
    "slo/post/untrusted-key=not-applicable",
    "slo/unsigned=inconclusive",
    "slo/untrusted-key=inconclusive",
    "subj/holder-of-key=vulnerable",
    "subj/in-response-to-other=vulnerable",
    "subj/no-confirmation=nonstrict",
    "subj/recipient-missing=nonstrict",
    "subj/recipient-other=nonstrict",
    // Observed: saml2-js reads neither the Response's ID nor its IssueInstant.
    "prot/id-malformed=nonstrict",
    "prot/id-missing=nonstrict",
    "prot/issue-instant-missing=nonstrict",
];

/// ruby-saml 1.13.0 (Debian 12): every verdict but pass, `id=verdict`.
const RUBY_SAML: &[&str] = &[
    // WEBrick answers 414 to the 3.2 KB URL (its request-line limit): could not run.
    "bind/acs-redirect=error",
    "aud/missing=nonstrict",
    "aud/second-restriction=nonstrict",
    "bind/redirect/encoded-name=not-applicable",
    "bind/redirect/encoded-response-name=not-applicable",
    "bind/redirect/prefixed-response=not-applicable",
    "bind/redirect/prefixed-parameter=not-applicable",
    "bind/redirect/request-beside-response=not-applicable",
    "bind/redirect/response-name-confusion=not-applicable",
    "canon/cdata/claims=not-applicable",
    "canon/comment/claims=not-applicable",
    "cond/issue-instant-future=nonstrict",
    "cond/no-expiry=nonstrict",
    "cond/scd-not-before=nonstrict",
    "control/encrypted=not-applicable",
    "dos/deflate-bomb=vulnerable",
    // WEBrick answers the 45 KB GET with 414 and resets the connection before the body is
    // read, for the yardstick as for the burden: nothing can be timed.
    "dos/deflate-bomb-redirect=inconclusive",
    // CVE-2025-54572: raw XML skips the size check and goes whole to REXML.
    "dos/raw-xml-oversize=vulnerable",
    "dsig/namespace-confusion=vulnerable",
    "dsig/namespace-hiding=vulnerable",
    "dsig/transform/xpath=nonstrict",
    "dsig/void-canonicalization=vulnerable",
    "enc/doctype-in-plaintext=not-applicable",
    "enc/cipher-reference/data=not-applicable",
    "enc/cipher-reference/file=not-applicable",
    "enc/cipher-reference/key=not-applicable",
    "enc/cipher-reference/key-file=not-applicable",
    "enc/decryption-oracle=not-applicable",
    "dos/encrypted-key-cycle=not-applicable",
    "enc/expired=not-applicable",
    "enc/other-audience=not-applicable",
    "enc/rsa-1_5=not-applicable",
    "enc/unsigned-assertion=not-applicable",
    "enc/unsigned-beside-signed=not-applicable",
    "enc/unsigned-with-signed-in-extensions=not-applicable",
    "parse/doctype-round-trip=vulnerable",
    "parse/doctype=nonstrict",
    "parse/encoding/mislabelled=nonstrict",
    "prot/destination-missing=nonstrict",
    "relay/logout-return-to/absolute=not-applicable",
    "relay/logout-return-to/backslash=not-applicable",
    "relay/logout-return-to/triple-slash=not-applicable",
    "relay/return-to/absolute=not-applicable",
    "relay/return-to/backslash=not-applicable",
    "relay/return-to/scheme-colon=not-applicable",
    "relay/return-to/tab=not-applicable",
    "relay/return-to/triple-slash=not-applicable",
    "sig/reference/two=nonstrict",
    "slo/deflate-bomb=not-applicable",
    "slo/expired=not-applicable",
    "slo/post/assertion-signature=not-applicable",
    "slo/post/expired=not-applicable",
    "slo/post/unsigned=not-applicable",
    "slo/post/untrusted-key=not-applicable",
    "slo/unsigned=not-applicable",
    "slo/untrusted-key=not-applicable",
    "subj/recipient-missing=nonstrict",
    "xsw/encrypted=not-applicable",
];

/// django-allauth 65.22.1 (PyPI): every verdict but pass, `id=verdict`.
const DJANGO_ALLAUTH: &[&str] = &[
    // python3-saml inside (see PYTHON3_SAML).
    "dos/xpath-bomb=vulnerable",
    // The scenario has no `sp.reload_idp_metadata`: our wrapper reads IdP metadata and gives
    // the library only the certificate, so meta/ would test the wrapper.
    "meta/key-without-use/unsigned=not-applicable",
    "meta/no-signing-key/unsigned=not-applicable",
    "meta/rollover/retired-key=not-applicable",
    "aud/missing=nonstrict",
    "aud/second-restriction=nonstrict",
    "bind/redirect/encoded-name=inconclusive",
    "bind/redirect/encoded-response-name=inconclusive",
    "bind/redirect/prefixed-parameter=inconclusive",
    "bind/redirect/prefixed-response=inconclusive",
    "bind/redirect/request-beside-response=inconclusive",
    "bind/redirect/response-name-confusion=inconclusive",
    "canon/cdata/claims=not-applicable",
    "canon/comment/claims=not-applicable",
    "cond/issue-instant-future=nonstrict",
    "cond/no-expiry=nonstrict",
    "cond/scd-not-before=nonstrict",
    "control/encrypted=not-applicable",
    "dos/manifest-device=vulnerable",
    "dos/many-attributes=vulnerable",
    "dos/many-transforms=vulnerable",
    "dos/xslt-bomb=vulnerable",
    "dsig/transform/xpath=nonstrict",
    "enc/doctype-in-plaintext=not-applicable",
    "enc/cipher-reference/data=not-applicable",
    "enc/cipher-reference/file=not-applicable",
    "enc/cipher-reference/key=not-applicable",
    "enc/cipher-reference/key-file=not-applicable",
    "enc/decryption-oracle=not-applicable",
    "dos/encrypted-key-cycle=not-applicable",
    "enc/expired=not-applicable",
    "enc/other-audience=not-applicable",
    "enc/rsa-1_5=not-applicable",
    "enc/unsigned-assertion=not-applicable",
    "enc/unsigned-beside-signed=not-applicable",
    "enc/unsigned-with-signed-in-extensions=not-applicable",
    "prot/destination-missing=nonstrict",
    "prot/unsolicited=nonstrict",
    "relay/logout-return-to/absolute=not-applicable",
    "relay/logout-return-to/backslash=not-applicable",
    "relay/logout-return-to/triple-slash=not-applicable",
    "relay/return-to/absolute=not-applicable",
    "relay/return-to/backslash=not-applicable",
    "relay/return-to/scheme-colon=not-applicable",
    "relay/return-to/tab=not-applicable",
    "relay/return-to/triple-slash=not-applicable",
    "sig/reference/two=nonstrict",
    "slo/deflate-bomb=inconclusive",
    "slo/expired=inconclusive",
    "slo/post/assertion-signature=not-applicable",
    "slo/post/expired=not-applicable",
    "slo/post/unsigned=not-applicable",
    "slo/post/untrusted-key=not-applicable",
    "slo/unsigned=vulnerable",
    "slo/untrusted-key=inconclusive",
    "subj/recipient-missing=nonstrict",
    "xsw/encrypted=not-applicable",
];

/// SimpleSAMLphp 1.19.7-1+deb12u2 (Debian 12): every verdict but pass, `id=verdict`.
const SIMPLESAMLPHP: &[&str] = &[
    // xmlseclibs 3.1.1 follows an EncryptedKey's RetrievalMethod to itself until PHP's
    // memory limit, decrypting before any signature is checked.
    "dos/encrypted-key-cycle=vulnerable",
    // simplesamlphp/saml2 4.6.5 validates References (xmlseclibs runs the XPath filter)
    // before the signature: CVE-2026-49289, fixed in saml2 4.19.3.
    "dos/xpath-bomb=vulnerable",
    "aud/missing=nonstrict",
    "bind/acs-redirect=nonstrict",
    // Its ACS takes a Response by GET and saml2's HTTPRedirect gzinflate()s it unbounded.
    "dos/deflate-bomb-redirect=vulnerable",
    "canon/cdata/claims=not-applicable",
    "canon/comment/claims=not-applicable",
    "cond/issue-instant-future=nonstrict",
    "cond/no-expiry=nonstrict",
    "cond/scd-not-before=nonstrict",
    "dos/large-signed-info=vulnerable",
    "dos/many-attributes=vulnerable",
    "dsig/transform/xpath=nonstrict",
    "dsig/void-canonicalization=vulnerable",
    "prot/destination-missing=nonstrict",
    "prot/id-malformed=nonstrict",
    "prot/in-response-to-unknown=vulnerable",
    "prot/unsolicited=nonstrict",
    // A response whose request is not in this browser's session is taken as unsolicited.
    "session/request-binding/fresh-browser=vulnerable",
    "session/request-binding/pending-login=vulnerable",
    "relay/logout-return-to/absolute=not-applicable",
    "relay/logout-return-to/backslash=not-applicable",
    "relay/logout-return-to/triple-slash=not-applicable",
    "relay/return-to/absolute=not-applicable",
    "relay/return-to/backslash=not-applicable",
    "relay/return-to/scheme-colon=not-applicable",
    "relay/return-to/tab=not-applicable",
    "relay/return-to/triple-slash=not-applicable",
    "sig/assertion-unsigned=not-applicable",
    "sig/reference/two=nonstrict",
    "slo/deflate-bomb=vulnerable",
    "slo/expired=vulnerable",
    "slo/post/expired=vulnerable",
    "subj/name-id-empty=nonstrict",
    "subj/name-id-missing=inconclusive",
    "subj/recipient-missing=nonstrict",
];

/// samael 0.0.22 (crates.io): every verdict but pass, `id=verdict`.
const SAMAEL: &[&str] = &[
    // Its libxmlsec1 runs every transform, the XPath filter included.
    "dos/xpath-bomb=vulnerable",
    // Its verifier takes a Signature anywhere below the Assertion (CVE-2018-8085's shape).
    "dsig/signature-in-claim=nonstrict",
    "meta/no-signing-key/unsigned=vulnerable",
    "aud/missing=nonstrict",
    "aud/second-restriction=nonstrict",
    "bind/redirect/encoded-name=not-applicable",
    "bind/redirect/encoded-response-name=not-applicable",
    "bind/redirect/prefixed-parameter=not-applicable",
    "bind/redirect/prefixed-response=not-applicable",
    "bind/redirect/request-beside-response=not-applicable",
    "bind/redirect/response-name-confusion=not-applicable",
    "cond/issue-instant-future=nonstrict",
    "cond/scd-not-before=nonstrict",
    "cond/session-expired=nonstrict",
    "cond/unknown-condition=nonstrict",
    "control/encrypted=not-applicable",
    "dos/manifest-device=vulnerable",
    "dos/many-attributes=vulnerable",
    "dos/many-transforms=vulnerable",
    "dos/xslt-bomb=vulnerable",
    "dsig/reference/remote-uri=vulnerable",
    "dsig/transform/xpath=nonstrict",
    "enc/doctype-in-plaintext=not-applicable",
    "enc/cipher-reference/data=not-applicable",
    "enc/cipher-reference/file=not-applicable",
    "enc/cipher-reference/key=not-applicable",
    "enc/cipher-reference/key-file=not-applicable",
    "enc/decryption-oracle=not-applicable",
    "dos/encrypted-key-cycle=not-applicable",
    "enc/expired=not-applicable",
    "enc/other-audience=not-applicable",
    "enc/rsa-1_5=not-applicable",
    "enc/unsigned-assertion=not-applicable",
    "enc/unsigned-beside-signed=not-applicable",
    "enc/unsigned-with-signed-in-extensions=not-applicable",
    "parse/doctype=nonstrict",
    "parse/encoding/mislabelled=nonstrict",
    "parse/malformed/duplicate-attribute=nonstrict",
    "parse/malformed/trailing-content=nonstrict",
    "parse/malformed/unclosed-root=nonstrict",
    "prot/authn-statement-missing=nonstrict",
    "prot/destination-missing=nonstrict",
    "prot/destination-other=nonstrict",
    "prot/id-missing=nonstrict",
    "prot/issue-instant-missing=nonstrict",
    "prot/status-nested-success=nonstrict",
    "prot/status-responder=nonstrict",
    "prot/version=nonstrict",
    "relay/logout-return-to/absolute=not-applicable",
    "relay/logout-return-to/backslash=not-applicable",
    "relay/logout-return-to/triple-slash=not-applicable",
    "relay/return-to/absolute=not-applicable",
    "relay/return-to/backslash=not-applicable",
    "relay/return-to/scheme-colon=not-applicable",
    "relay/return-to/tab=not-applicable",
    "relay/return-to/triple-slash=not-applicable",
    "sig/assertion-unsigned=nonstrict",
    "sig/reference/two=nonstrict",
    "sig/reference/whole-document=nonstrict",
    "slo/deflate-bomb=not-applicable",
    "slo/expired=not-applicable",
    "slo/post/assertion-signature=inconclusive",
    "slo/post/expired=inconclusive",
    "slo/post/unsigned=inconclusive",
    "slo/post/untrusted-key=inconclusive",
    "slo/unsigned=not-applicable",
    "slo/untrusted-key=not-applicable",
    "xsw/encrypted=not-applicable",
];

/// The real SPs in the README's matrix, in its column order: name, package, pins.
const REAL_SPS: &[(&str, &str, &[&str])] = &[
    ("mellon", "mod_auth_mellon 0.18, Debian 12", MELLON),
    ("Shibboleth", "Shibboleth SP 3.4, Debian 12", SHIBBOLETH),
    ("ruby-saml", "ruby-saml 1.13.0, Debian 12", RUBY_SAML),
    (
        "SimpleSAMLphp",
        "SimpleSAMLphp 1.19.7, Debian 12",
        SIMPLESAMLPHP,
    ),
    ("python3-saml", "python3-saml 1.16.0, PyPI", PYTHON3_SAML),
    ("pysaml2", "pysaml2 7.5.5, PyPI", PYSAML2),
    (
        "django-allauth",
        "django-allauth 65.22.1, PyPI",
        DJANGO_ALLAUTH,
    ),
    ("node-saml", "@node-saml/node-saml 5.1.0, npm", NODE_SAML),
    ("samlify", "samlify 2.13.1, npm", SAMLIFY),
    ("saml2-js", "saml2-js 4.0.4, npm", SAML2_JS),
    ("samael", "samael 0.0.22, crates.io", SAMAEL),
];

/// The README's matrix: per family of the catalogue (rows) and real SP (columns), how many
/// checks pass and how many end otherwise (`V` vulnerable, `E` error, `N` nonstrict, `–`
/// not applicable, `?` inconclusive).
fn matrix() -> String {
    let mut families: Vec<(&str, usize)> = Vec::new();
    for check in attacks::catalogue::CATALOGUE {
        let family = check.id.split('/').next().unwrap();
        match families.iter_mut().find(|(f, _)| *f == family) {
            Some((_, n)) => *n += 1,
            None => families.push((family, 1)),
        }
    }
    let marks = [
        ("vulnerable", "V"),
        ("error", "E"),
        ("nonstrict", "N"),
        ("not-applicable", "–"),
        ("inconclusive", "?"),
    ];
    let cell = |pins: &[&str], family: Option<&str>, total: usize| {
        let mine: Vec<&str> = pins
            .iter()
            .filter(|p| match family {
                Some(f) => p.starts_with(&format!("{f}/")),
                None => !p.starts_with("control/"),
            })
            .copied()
            .collect();
        let mut out = format!("{}", total - mine.len());
        for (verdict, mark) in marks {
            let n = mine
                .iter()
                .filter(|p| p.ends_with(&format!("={verdict}")))
                .count();
            if n > 0 {
                out.push_str(&format!(" {n}{mark}"));
            }
        }
        out
    };
    let mut out = String::from("| family (checks) |");
    for (name, _, _) in REAL_SPS {
        out.push_str(&format!(" {name} |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(REAL_SPS.len()));
    out.push('\n');
    for (family, total) in &families {
        out.push_str(&format!("| `{family}/` ({total}) |"));
        for (_, _, pins) in REAL_SPS {
            out.push_str(&format!(" {} |", cell(pins, Some(family), *total)));
        }
        out.push('\n');
    }
    let all = attacks::catalogue::CATALOGUE.len();
    out.push_str(&format!("| **all ({all})** |"));
    for (_, _, pins) in REAL_SPS {
        out.push_str(&format!(" **{}** |", cell(pins, None, all)));
    }
    out.push('\n');
    out
}

#[test]
fn the_readme_matrix_is_what_these_tests_pin() {
    // Pure: no SP is started; the tests above prove each pin list is what a run gives.
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let (start, end) = ("<!-- real-sp-matrix -->\n", "<!-- /real-sp-matrix -->");
    let from = readme
        .find(start)
        .expect("README has no real-sp-matrix markers")
        + start.len();
    let to = readme
        .find(end)
        .expect("README has no /real-sp-matrix marker");
    let want = matrix();
    assert!(
        readme[from..to] == want,
        "README's real-SP matrix is stale; put this between its markers:\n{want}"
    );
    for (_, _, pins) in REAL_SPS {
        for pin in *pins {
            let id = pin.split('=').next().unwrap();
            assert!(
                id.starts_with("control/")
                    || attacks::catalogue::CATALOGUE.iter().any(|c| c.id == id),
                "{pin}: no such check"
            );
        }
    }
}

/// The look-alike checks (`canon/`) and `xsw/attributes-in-signature` with each JSON app's
/// oracle reading the e-mail claim
/// (`scenarios/sps/claims/`): the whole-catalogue runs read the NameID, where the claims
/// checks are not-applicable, so these cover the claims. Every verdict other than pass.
#[test]
fn the_json_sps_read_the_e_mail_claim_as_signed() {
    let idp = idp_metadata();
    let name_id_unseen = [
        "canon/cdata/name-id=not-applicable",
        "canon/comment/name-id=not-applicable",
    ];
    let with_pi = [&name_id_unseen[..], &["canon/pi/name-id=not-applicable"]].concat();
    type Start = fn(&str) -> Result<real_sps::RealSp, String>;
    let apps: [(&str, Start, Vec<&str>); 8] = [
        (
            "python3-saml",
            real_sps::python3_saml,
            [&name_id_unseen[..], &["canon/normalise/nbsp=vulnerable"]].concat(),
        ),
        ("ruby-saml", real_sps::ruby_saml, name_id_unseen.to_vec()),
        (
            "pysaml2",
            real_sps::pysaml2,
            [&name_id_unseen[..], &["canon/normalise/nbsp=vulnerable"]].concat(),
        ),
        // xml-crypto keeps a PI in NameID as its data: refused there, but the claim oracle
        // does not see NameID.
        ("saml2-js", real_sps::saml2_js, with_pi.clone()),
        ("node-saml", real_sps::node_saml, with_pi.clone()),
        ("samlify", real_sps::samlify, with_pi),
        // It refuses every look-alike shape in NameID and in the claims alike.
        ("samael", real_sps::samael, Vec::new()),
        // A claim holding a comment or CDATA reaches the app as DOM nodes, not a string.
        (
            "simplesamlphp",
            real_sps::simplesamlphp,
            [
                &name_id_unseen[..],
                &[
                    "canon/cdata/claims=inconclusive",
                    "canon/comment/claims=inconclusive",
                ],
            ]
            .concat(),
        ),
    ];
    for (name, start, findings) in apps {
        let sp = start(&idp).unwrap();
        let scenario = format!("scenarios/sps/claims/{name}.yaml");
        // The claims checks, and the one that smuggles claims into the Signature.
        let run = conformance(
            &scenario,
            &sp,
            &["--only", "canon", "--only", "xsw/attributes-in-signature"],
        );
        let out = &run.stdout;
        let mut want: Vec<String> = findings.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(run.findings(), want, "{name}: {out}");
        for c in run.cases() {
            if c["verdict"] == "vulnerable" {
                assert!(c["expected"].is_string(), "{name}: unexpected {c}\n{out}");
            }
        }
        assert_eq!(run.code, 0, "{name}: {out}");
    }
}
