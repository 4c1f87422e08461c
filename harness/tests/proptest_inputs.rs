//! Hostile input to what the harness reads and builds: scenario files, SP metadata, the SP's
//! pages (auto-submit forms, redirect URLs) and the fuzzer's own edit chains. An error or a
//! result, never a panic. `PROPTEST_CASES=1000000 cargo test --release -p saml-harness --test
//! proptest_inputs` is the long run the README quotes.

use std::path::Path;

use attacks::mutate::Generator;
use proptest::prelude::*;
use saml_harness::flow::{capture_redirect, resolve_location, saml_form, Page};

/// Scenario-shaped YAML: real keys and values in random order and nesting, plus noise.
fn scenario_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("sp:\n".to_string()),
        Just("  sign_on_url: http://127.0.0.1:9/login\n".to_string()),
        Just("  metadata: ${SP_URL}/m\n".to_string()),
        Just(
            "  oracle: {url: http://127.0.0.1:9/me, identity: {regex: 'as ([^<]+)<'}}\n"
                .to_string()
        ),
        Just("  oracle: {url: x, identity: {json_pointer: name}}\n".to_string()),
        Just("cases:\n".to_string()),
        Just("  - {expect: accept}\n".to_string()),
        Just("  - {attack: xsw/3}\n".to_string()),
        Just("  - {fuzz: nowhere.json}\n".to_string()),
        Just("idp:\n  settings: {claims: []}\n".to_string()),
        Just("${".to_string()),
        "[ -~\n]{0,24}",
    ];
    prop::collection::vec(piece, 0..10).prop_map(|v| v.concat())
}

/// Metadata-shaped XML pieces.
fn metadata_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"e\">".to_string()),
        Just("<md:SPSSODescriptor WantAssertionsSigned=\"true\">".to_string()),
        Just("<md:AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" Location=\"http://x/acs\"/>".to_string()),
        Just("<md:KeyDescriptor use=\"encryption\"><ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:X509Data><ds:X509Certificate>".to_string()),
        Just("MIIB".to_string()),
        Just("</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>".to_string()),
        Just("</md:SPSSODescriptor></md:EntityDescriptor>".to_string()),
        Just("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>&e;".to_string()),
        "[ -~]{0,16}",
    ];
    prop::collection::vec(piece, 0..10).prop_map(|v| v.concat())
}

/// Page-shaped HTML: forms with SAML fields, broken markup, entities.
fn page_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<form method=\"post\" action=\"".to_string()),
        Just("\">".to_string()),
        Just("<input type=\"hidden\" name=\"SAMLRequest\" value=\"".to_string()),
        Just("<input name=\"RelayState\" value=\"&amp;&#0;\">".to_string()),
        Just("</form>".to_string()),
        Just("<meta http-equiv=\"refresh\" content=\"0;url=".to_string()),
        Just("javascript:".to_string()),
        "[ -~]{0,16}",
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

/// One signed Entra-shaped response from the built-in tenant, made once.
fn seed() -> &'static str {
    static SEED: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SEED.get_or_init(|| {
        // Chains break signatures on purpose; libxmlsec1 need not print each failure.
        attacks::crypto::quiet_xmlsec_errors();
        let config = mock_idp::config::Config::builtin();
        let idp = mock_idp::idp::Idp::new(config);
        let app = &idp.config.apps[0];
        let mut signer = app.clone();
        signer.sign = mock_idp::response::SignWhat::Both;
        let user = idp.config.user(None).unwrap().clone();
        let login = idp.login_response(
            app,
            &user,
            &app.default_reply_url,
            Some("_request-1"),
            None,
            time::OffsetDateTime::now_utc(),
        );
        idp.sign(&signer, &login).unwrap()
    })
}

proptest! {
    #[test]
    fn scenario_files_are_a_plan_or_an_error(text in scenario_like()) {
        let vars = |n: &str| (n == "SP_URL").then(|| "http://127.0.0.1:9".to_owned());
        let _ = saml_harness::scenario::parse(&text, Path::new("fuzz.yaml"), &vars);
    }

    #[test]
    fn sp_metadata_is_read_or_refused(xml in metadata_like()) {
        let _ = saml_harness::runner::sp_metadata(&xml);
    }

    #[test]
    fn sp_pages_yield_a_form_or_nothing(body in page_like(), location in "[ -~]{0,40}") {
        let url = url::Url::parse("http://127.0.0.1:9/login").unwrap();
        let page = Page {
            url: url.clone(),
            status: 200,
            location: None,
            refresh: None,
            body,
            content_type: Some("text/html".into()),
        };
        let _ = saml_form(&page, "SAMLRequest");
        let _ = resolve_location(&url, &location);
        if let Ok(next) = url::Url::parse(&format!("http://127.0.0.1:9/sso?{location}")) {
            let _ = capture_redirect(next);
        }
    }

    #[test]
    fn edit_chains_apply_or_take_no_effect(chain_seed in any::<u64>()) {
        let chain = Generator::new(chain_seed).chain();
        let applied = chain.apply(seed());
        prop_assert_eq!(applied.took_effect.len(), chain.edits.len());
    }
}
