//! Decoding and reading the SP's AuthnRequest and LogoutRequest (Redirect and POST bindings).
//!
//! Input is untrusted: sizes are bounded, DTDs are refused (no entity expansion, no fetching).

use saml_protocol::{ASSERTION_NS, DSIG_NS, MAX_ATTRIBUTES, PROTOCOL_NS};

use base64::Engine;

use crate::aadsts::Aadsts;

/// Largest SAMLRequest parameter accepted (encoded).
pub const MAX_ENCODED_REQUEST: usize = 64 * 1024;
/// Largest request XML accepted after inflating.
pub const MAX_REQUEST_XML: u64 = 256 * 1024;

fn invalid(detail: impl Into<String>) -> Aadsts {
    Aadsts::InvalidRequest {
        detail: detail.into(),
    }
}

/// How the message arrived, which decides whether it is deflated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binding {
    /// HTTP-Redirect: raw DEFLATE, then base64, then URL-encoding.
    Redirect,
    /// HTTP-POST: base64 only.
    Post,
}

/// Turns a SAMLRequest parameter value (already URL-decoded) into XML text.
pub fn decode(value: &str, binding: Binding) -> Result<String, Aadsts> {
    if value.len() > MAX_ENCODED_REQUEST {
        return Err(invalid(format!(
            "SAMLRequest is {} bytes; the limit is {MAX_ENCODED_REQUEST}",
            value.len()
        )));
    }
    let compact: String = value.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|e| invalid(format!("SAMLRequest is not base64: {e}")))?;
    let xml = match binding {
        Binding::Post => bytes,
        Binding::Redirect => {
            saml_protocol::inflate_bounded(&bytes, MAX_REQUEST_XML).map_err(|e| {
                invalid(format!(
                    "SAMLRequest does not inflate (Redirect binding needs raw DEFLATE): {e}"
                ))
            })?
        }
    };
    if xml.len() as u64 > MAX_REQUEST_XML {
        return Err(invalid(format!(
            "the request XML exceeds {MAX_REQUEST_XML} bytes"
        )));
    }
    String::from_utf8(xml).map_err(|_| invalid("the request XML is not UTF-8"))
}

/// What the IdP reads from an AuthnRequest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthnRequest {
    /// `@ID`.
    pub id: String,
    /// `@Version`.
    pub version: String,
    /// `@IssueInstant` (Entra does not evaluate it).
    pub issue_instant: Option<String>,
    /// `@Destination`.
    pub destination: Option<String>,
    /// `Issuer` text: must be one of the app's Identifiers.
    pub issuer: String,
    /// `@AssertionConsumerServiceURL`.
    pub acs_url: Option<String>,
    /// `@ProtocolBinding`.
    pub protocol_binding: Option<String>,
    /// `NameIDPolicy/@Format`.
    pub name_id_format: Option<String>,
    /// `RequestedAuthnContext/@Comparison` (default `exact`).
    pub authn_context_comparison: Option<String>,
    /// `RequestedAuthnContext/AuthnContextClassRef` values.
    pub authn_context_classes: Vec<String>,
    /// A `Subject` element is present (Entra refuses it).
    pub has_subject: bool,
    /// `@IsPassive="true"`.
    pub is_passive: bool,
    /// `@ForceAuthn="true"`.
    pub force_authn: bool,
    /// An enveloped XML `Signature` is present (POST binding).
    pub has_xml_signature: bool,
}

/// What the IdP reads from a LogoutRequest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogoutRequest {
    /// `@ID`.
    pub id: String,
    /// `Issuer` text: must be one of the app's Identifiers.
    pub issuer: String,
    /// `NameID` text (Entra does not consider it).
    pub name_id: Option<String>,
}

/// A parsed protocol message sent to `/saml2` as SAMLRequest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpRequest {
    /// Sign-in.
    Authn(AuthnRequest),
    /// Sign-out.
    Logout(LogoutRequest),
}

fn parse_bool(v: Option<&str>) -> bool {
    matches!(v, Some("true") | Some("1"))
}

/// Refuses a request with an element carrying more than [`MAX_ATTRIBUTES`] attributes, before
/// parsing.
fn attributes_bounded(xml: &str) -> Result<(), Aadsts> {
    match saml_protocol::crowded_element(xml) {
        Some((name, n)) => Err(invalid(format!(
            "<{name}> carries {n} attributes; a request element may carry at most {MAX_ATTRIBUTES}"
        ))),
        None => Ok(()),
    }
}

/// Parses request XML (DTDs refused) into an AuthnRequest or LogoutRequest.
pub fn parse(xml: &str) -> Result<SpRequest, Aadsts> {
    attributes_bounded(xml)?;
    let doc = roxmltree::Document::parse_with_options(
        xml,
        roxmltree::ParsingOptions {
            allow_dtd: false,
            ..Default::default()
        },
    )
    .map_err(|e| {
        invalid(format!(
            "the request is not well-formed XML (DTDs are refused): {e}"
        ))
    })?;
    let root = doc.root_element();
    if root.tag_name().namespace() != Some(PROTOCOL_NS) {
        return Err(invalid(format!(
            "the root element <{}> is not in the SAML 2.0 protocol namespace",
            root.tag_name().name()
        )));
    }
    let child = |ns: &str, name: &str| {
        root.children().find(|n| {
            n.is_element() && n.tag_name().namespace() == Some(ns) && n.tag_name().name() == name
        })
    };
    let issuer = child(ASSERTION_NS, "Issuer")
        .and_then(|n| n.text())
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    let id = root
        .attribute("ID")
        .ok_or_else(|| invalid("the request has no ID attribute"))?
        .to_owned();
    match root.tag_name().name() {
        "AuthnRequest" => {
            let policy = child(PROTOCOL_NS, "NameIDPolicy");
            let context = child(PROTOCOL_NS, "RequestedAuthnContext");
            Ok(SpRequest::Authn(AuthnRequest {
                id,
                version: root.attribute("Version").unwrap_or_default().to_owned(),
                issue_instant: root.attribute("IssueInstant").map(str::to_owned),
                destination: root.attribute("Destination").map(str::to_owned),
                issuer,
                acs_url: root
                    .attribute("AssertionConsumerServiceURL")
                    .map(str::to_owned),
                protocol_binding: root.attribute("ProtocolBinding").map(str::to_owned),
                name_id_format: policy
                    .and_then(|p| p.attribute("Format"))
                    .map(str::to_owned),
                authn_context_comparison: context
                    .and_then(|c| c.attribute("Comparison"))
                    .map(str::to_owned),
                authn_context_classes: context
                    .map(|c| {
                        c.children()
                            .filter(|n| n.tag_name().name() == "AuthnContextClassRef")
                            .filter_map(|n| n.text().map(|t| t.trim().to_owned()))
                            .collect()
                    })
                    .unwrap_or_default(),
                has_subject: child(ASSERTION_NS, "Subject").is_some(),
                is_passive: parse_bool(root.attribute("IsPassive")),
                force_authn: parse_bool(root.attribute("ForceAuthn")),
                has_xml_signature: child(DSIG_NS, "Signature").is_some(),
            }))
        }
        "LogoutRequest" => Ok(SpRequest::Logout(LogoutRequest {
            id,
            issuer,
            name_id: root
                .descendants()
                .find(|n| n.tag_name().name() == "NameID")
                .and_then(|n| n.text())
                .map(str::to_owned),
        })),
        other => Err(invalid(format!(
            "<{other}> is not a request the IdP accepts at /saml2"
        ))),
    }
}

pub use saml_protocol::redirect::RedirectSignature;

/// Extracts the signature of a Redirect-binding query, if it carries one (read by
/// [`saml_protocol::redirect::read`]); an unreadable query is Entra's AADSTS75005.
pub fn redirect_signature(raw_query: &str) -> Result<Option<RedirectSignature>, Aadsts> {
    saml_protocol::redirect::read(raw_query)
        .map(|m| m.signature)
        .map_err(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dtd_is_refused() {
        let xml = r#"<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_a">&e;</samlp:AuthnRequest>"#;
        assert_eq!(parse(xml).unwrap_err().code(), 75005);
    }

    #[test]
    fn an_element_with_too_many_attributes_is_refused_before_parsing() {
        let request = |n: usize| {
            let attrs: Vec<String> = (0..n).map(|i| format!("a{i}=\"\"")).collect();
            format!(
                r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_a" Version="2.0" {}/>"#,
                attrs.join(" ")
            )
        };
        let err = parse(&request(20_000)).unwrap_err();
        assert!(
            matches!(err, Aadsts::InvalidRequest { ref detail } if detail.contains("20003 attributes")),
            "{err:?}"
        );
        assert!(parse(&request(MAX_ATTRIBUTES - 3)).is_ok());
    }

    #[test]
    fn a_zip_bomb_is_bounded() {
        use std::io::Write;
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&vec![b'a'; 10 * 1024 * 1024]).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(enc.finish().unwrap());
        let err = decode(&b64, Binding::Redirect).unwrap_err();
        assert!(
            matches!(err, Aadsts::InvalidRequest { ref detail } if detail.contains("exceeds")),
            "{err:?}"
        );
    }
}
