//! Findings on the SP's AuthnRequest, as Entra would judge it: things that do not stop the
//! login here but break it, or weaken it, in some real tenant.

use saml_protocol::POST_BINDING;

use crate::flow::Captured;

const PASSWORD_PROTECTED: &str =
    "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";

/// Notes on `captured`, one line each (empty when the request is as Entra likes it).
pub fn review(captured: &Captured) -> Vec<String> {
    let r = &captured.request;
    let mut notes = Vec::new();
    if r.issue_instant.is_none() {
        notes.push("AuthnRequest has no IssueInstant (required by SAML Core §3.2.1; Entra does not evaluate it)".to_owned());
    }
    match &r.destination {
        None => notes.push(format!(
            "AuthnRequest has no Destination; add {} (required once requests are signed)",
            captured.idp_url
        )),
        Some(d) if d != captured.idp_url.as_str() => notes.push(format!(
            "AuthnRequest Destination {d:?} is not where it was sent ({})",
            captured.idp_url
        )),
        Some(_) => {}
    }
    if let Some(b) = r.protocol_binding.as_deref().filter(|b| *b != POST_BINDING) {
        notes.push(format!(
            "ProtocolBinding {b:?}: Entra answers only by HTTP-POST"
        ));
    }
    if r.acs_url.is_none() {
        notes.push(
            "no AssertionConsumerServiceURL: Entra will post to the app's default Reply URL"
                .to_owned(),
        );
    }
    if r.authn_context_classes
        .iter()
        .any(|c| c == PASSWORD_PROTECTED)
    {
        notes.push("RequestedAuthnContext asks for PasswordProtectedTransport: users who sign in with MFA, passkeys or certificates get AADSTS75011 from Entra".to_owned());
    }
    if r.force_authn {
        notes.push("ForceAuthn=\"true\": every login prompts for credentials again".to_owned());
    }
    if captured.raw_query.contains("Signature=") || r.has_xml_signature {
        notes.push("the request is signed: Entra checks it only with \"Require verification certificates\" on".to_owned());
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use mock_idp::request::{AuthnRequest, Binding};

    fn captured(request: AuthnRequest) -> Captured {
        Captured {
            binding: Binding::Redirect,
            idp_url: url::Url::parse("https://login.example/t/saml2").unwrap(),
            relay_state: None,
            raw_query: String::new(),
            encoded: String::new(),
            xml: String::new(),
            request,
        }
    }

    #[test]
    fn a_request_as_entra_likes_it_has_no_findings() {
        let r = AuthnRequest {
            issue_instant: Some("2026-01-01T00:00:00Z".into()),
            destination: Some("https://login.example/t/saml2".into()),
            protocol_binding: Some(POST_BINDING.into()),
            acs_url: Some("https://sp/acs".into()),
            ..Default::default()
        };
        assert!(review(&captured(r)).is_empty());
    }

    #[test]
    fn each_weakness_is_named() {
        let r = AuthnRequest {
            protocol_binding: Some("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact".into()),
            authn_context_classes: vec![PASSWORD_PROTECTED.into()],
            force_authn: true,
            ..Default::default()
        };
        let notes = review(&captured(r)).join("\n");
        for expected in [
            "no IssueInstant",
            "no Destination",
            "HTTP-Artifact",
            "no AssertionConsumerServiceURL",
            "AADSTS75011",
            "ForceAuthn",
        ] {
            assert!(notes.contains(expected), "missing {expected}: {notes}");
        }
    }
}
