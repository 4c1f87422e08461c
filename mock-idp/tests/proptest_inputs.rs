//! Arbitrary input to the request decoder and the config loader: an error, never a panic.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use mock_idp::config::Config;
use mock_idp::request::{decode, parse, redirect_signature, Binding};
use proptest::prelude::*;

fn deflate_b64(bytes: &[u8]) -> String {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    base64::engine::general_purpose::STANDARD.encode(enc.finish().unwrap())
}

/// XML-ish fragments that steer generation toward the parser's interesting paths.
fn xmlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"_x\" Version=\"2.0\">".to_string()),
        Just("<saml:Issuer xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\">".to_string()),
        Just("</saml:Issuer>".to_string()),
        Just("</samlp:AuthnRequest>".to_string()),
        Just("<!DOCTYPE a [<!ENTITY e \"x\">]>".to_string()),
        Just("&e;".to_string()),
        Just("<samlp:NameIDPolicy Format=\"".to_string()),
        "[ -~]{0,20}",
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn any_parameter_value_is_an_error_or_a_request(s in ".{0,400}") {
        for binding in [Binding::Redirect, Binding::Post] {
            if let Ok(xml) = decode(&s, binding) {
                let _ = parse(&xml);
            }
        }
        let _ = redirect_signature(&s);
    }

    #[test]
    fn any_deflated_bytes_are_an_error_or_a_request(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(xml) = decode(&deflate_b64(&bytes), Binding::Redirect) {
            let _ = parse(&xml);
        }
    }

    #[test]
    fn xml_like_input_never_panics_the_parser(xml in xmlish()) {
        let _ = parse(&xml);
        let _ = decode(&deflate_b64(xml.as_bytes()), Binding::Redirect).map(|x| parse(&x));
    }

    #[test]
    fn any_config_text_is_an_error_or_a_config(text in ".{0,300}") {
        let _ = Config::from_yaml_str(&text, "fuzz.yaml", Path::new("."));
    }

    #[test]
    fn config_like_yaml_never_panics(
        key in prop::sample::select(vec!["applications", "users", "tenant", "groups", "sign_in"]),
        body in prop_oneof![
            prop::sample::select(vec!["[]", "{}", "- name: a", "- {name: a, identifiers: [], reply_urls: [x]}", "- upn: x\n  groups: [nope]"]).prop_map(String::from),
            "[ -~]{0,30}",
        ],
    ) {
        let _ = Config::from_yaml_str(&format!("{key}:\n  {body}\n"), "fuzz.yaml", Path::new("."));
    }
}
