//! Entra-shaped SAML Responses: the success response with its Assertion, and status errors.

use saml_protocol::{saml_time, ASSERTION_NS, BEARER, PROTOCOL_NS, STATUS_SUCCESS};
use time::{Duration, OffsetDateTime};

use crate::cert::SigningCert;
use crate::sign::{sign_enveloped, Algorithm, SignError};
use crate::xml::{Element, NsBinding, Str};
/// The authentication context class of a password sign-in (Entra's usual answer).
pub const AC_PASSWORD: &str = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password";

/// Which elements carry a signature (Entra's "Signing Option").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SignWhat {
    /// "Sign SAML assertion": Entra's default.
    #[default]
    Assertion,
    /// "Sign SAML response".
    Response,
    /// "Sign SAML response and assertion".
    Both,
}

/// One `Attribute` with its values, named exactly as emitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    /// The full attribute name (namespace + name, or a bare name).
    pub name: String,
    /// One `AttributeValue` each.
    pub values: Vec<String>,
}

/// Everything that varies between two successful responses.
#[derive(Clone, Debug)]
pub struct LoginResponse {
    /// `https://sts.windows.net/{tenant}/`.
    pub issuer: String,
    /// `Response/@Destination`: the ACS URL.
    pub destination: String,
    /// `SubjectConfirmationData/@Recipient`: the ACS URL too (separate so attacks can split them).
    pub recipient: String,
    /// The AuthnRequest ID; `None` for IdP-initiated sign-on.
    pub in_response_to: Option<String>,
    /// The SP Identifier the assertion is for.
    pub audience: String,
    /// The NameID format URI.
    pub name_id_format: String,
    /// The NameID value.
    pub name_id: String,
    /// Attributes in emission order (automatic claims first).
    pub attributes: Vec<Attribute>,
    /// T0: when the token was created; drives every time in the response.
    pub token_time: OffsetDateTime,
    /// When the user really signed in (may be long before T0).
    pub authn_instant: OffsetDateTime,
    /// `AuthnContextClassRef`: Password, or the requested class Entra echoes.
    pub authn_context_class: String,
    /// `SubjectConfirmationData/@NotOnOrAfter` − T0 (60 min now; 5 min in 2015 captures).
    pub subject_confirmation_lifetime: Duration,
    /// `Response/@ID`.
    pub response_id: String,
    /// `Assertion/@ID`, also the `SessionIndex`.
    pub assertion_id: String,
    /// Token encryption: the SP certificate to encrypt the signed Assertion to.
    pub encrypt_to: Option<openssl::x509::X509>,
}

/// How to sign a response.
#[derive(Clone, Copy, Debug)]
pub struct Signing<'a> {
    /// The application's active certificate.
    pub cert: &'a SigningCert,
    /// RSA-SHA256 or RSA-SHA1.
    pub algorithm: Algorithm,
    /// Which element(s) to sign.
    pub what: SignWhat,
}

/// Offsets of the other instants from T0, as seen in captures.
const ASSERTION_AFTER_T0: Duration = Duration::milliseconds(150);
const RESPONSE_AFTER_ASSERTION: Duration = Duration::milliseconds(16);
const NOT_BEFORE_SKEW: Duration = Duration::minutes(5);
const CONDITIONS_LIFETIME: Duration = Duration::minutes(60);

fn saml_element(name: &'static str) -> Element {
    Element::new(name)
}

impl LoginResponse {
    /// The unsigned `Assertion` element, children in Entra's order.
    pub fn assertion(&self) -> Element {
        let t0 = self.token_time;
        let mut confirmation_data = Element::new("SubjectConfirmationData");
        if let Some(irt) = &self.in_response_to {
            confirmation_data = confirmation_data.attr("InResponseTo", irt.clone());
        }
        confirmation_data = confirmation_data
            .attr(
                "NotOnOrAfter",
                saml_time(t0 + self.subject_confirmation_lifetime),
            )
            .attr("Recipient", self.recipient.clone());
        let mut statement = saml_element("AttributeStatement");
        for a in &self.attributes {
            let mut attr = Element::new("Attribute").attr("Name", a.name.clone());
            for v in &a.values {
                attr = attr.child(Element::new("AttributeValue").text(v.clone()));
            }
            statement = statement.child(attr);
        }
        Element::new("Assertion")
            .attr("ID", self.assertion_id.clone())
            .attr("IssueInstant", saml_time(t0 + ASSERTION_AFTER_T0))
            .attr("Version", "2.0")
            .xmlns(ASSERTION_NS)
            .child(Element::new("Issuer").text(self.issuer.clone()))
            .child(
                Element::new("Subject")
                    .child(
                        Element::new("NameID")
                            .attr("Format", self.name_id_format.clone())
                            .text(self.name_id.clone()),
                    )
                    .child(
                        Element::new("SubjectConfirmation")
                            .attr("Method", BEARER)
                            .child(confirmation_data),
                    ),
            )
            .child(
                Element::new("Conditions")
                    .attr("NotBefore", saml_time(t0 - NOT_BEFORE_SKEW))
                    .attr("NotOnOrAfter", saml_time(t0 + CONDITIONS_LIFETIME))
                    .child(
                        Element::new("AudienceRestriction")
                            .child(Element::new("Audience").text(self.audience.clone())),
                    ),
            )
            .child(statement)
            .child(
                Element::new("AuthnStatement")
                    .attr("AuthnInstant", saml_time(self.authn_instant))
                    .attr("SessionIndex", self.assertion_id.clone())
                    .child(Element::new("AuthnContext").child(
                        Element::new("AuthnContextClassRef").text(self.authn_context_class.clone()),
                    )),
            )
    }

    /// The `samlp:Response` around `assertion`, unsigned at the Response level.
    pub fn envelope(&self, assertion: Element) -> Element {
        response_element(
            &self.response_id,
            self.token_time + ASSERTION_AFTER_T0 + RESPONSE_AFTER_ASSERTION,
            &self.destination,
            self.in_response_to.as_deref(),
            &self.issuer,
        )
        .child(status_element(STATUS_SUCCESS, None, None))
        .child(assertion)
    }

    /// The complete response tree, signed as `signing` says (or unsigned with `None`), the
    /// Assertion encrypted after signing when `encrypt_to` is set.
    pub fn to_element(&self, signing: Option<Signing<'_>>) -> Result<Element, ResponseError> {
        let mut assertion = self.assertion();
        if let Some(s) = signing.filter(|s| s.what != SignWhat::Response) {
            let at = assertion.position_after("Issuer");
            sign_enveloped(&mut assertion, &response_scope(), at, s.cert, s.algorithm)?;
        }
        if let Some(cert) = &self.encrypt_to {
            assertion = crate::encrypt::encrypted_assertion(&assertion.to_wire(), cert)?;
        }
        let mut response = self.envelope(assertion);
        if let Some(s) = signing.filter(|s| s.what != SignWhat::Assertion) {
            let at = response.position_after("Issuer");
            sign_enveloped(&mut response, &[], at, s.cert, s.algorithm)?;
        }
        Ok(response)
    }

    /// The response as Entra puts it on the wire (before base64).
    pub fn to_xml(&self, signing: Option<Signing<'_>>) -> Result<String, ResponseError> {
        Ok(self.to_element(signing)?.to_wire())
    }
}

/// Why a response could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ResponseError {
    /// Signing failed.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// Token encryption failed.
    #[error(transparent)]
    Encrypt(#[from] crate::encrypt::EncryptError),
    /// An attack could not build its artifact.
    #[error("cannot forge the response: {0}")]
    Forge(String),
}

/// Bindings in scope inside a `samlp:Response`.
fn response_scope() -> Vec<NsBinding> {
    vec![(Some(Str::Borrowed("samlp")), Str::Borrowed(PROTOCOL_NS))]
}

fn response_element(
    id: &str,
    issue_instant: OffsetDateTime,
    destination: &str,
    in_response_to: Option<&str>,
    issuer: &str,
) -> Element {
    let mut r = Element::prefixed("samlp", "Response")
        .attr("ID", id.to_owned())
        .attr("Version", "2.0")
        .attr("IssueInstant", saml_time(issue_instant))
        .attr("Destination", destination.to_owned());
    if let Some(irt) = in_response_to {
        r = r.attr("InResponseTo", irt.to_owned());
    }
    r.xmlns_prefix("samlp", PROTOCOL_NS).child(
        Element::new("Issuer")
            .xmlns(ASSERTION_NS)
            .text(issuer.to_owned()),
    )
}

fn status_element(top: &str, second: Option<&str>, message: Option<String>) -> Element {
    let mut code = Element::prefixed("samlp", "StatusCode").attr("Value", top.to_owned());
    if let Some(s) = second {
        code = code.child(Element::prefixed("samlp", "StatusCode").attr("Value", s.to_owned()));
    }
    let mut status = Element::prefixed("samlp", "Status").child(code);
    if let Some(m) = message {
        status = status.child(Element::prefixed("samlp", "StatusMessage").text(m));
    }
    status
}

/// A status-only error response posted to the ACS (no Assertion), e.g. Responder/NoPassive.
#[derive(Clone, Debug)]
pub struct ErrorResponse {
    /// The Response ID.
    pub id: String,
    /// `https://sts.windows.net/{tenant}/`.
    pub issuer: String,
    /// The ACS URL.
    pub destination: String,
    /// The AuthnRequest ID.
    pub in_response_to: Option<String>,
    /// Top-level status code URI (Requester / Responder).
    pub status: String,
    /// Nested status code URI (NoPassive, RequestUnsupported, …).
    pub sub_status: Option<String>,
    /// `AADSTSnnnn: text`; trace ID and timestamp lines are appended.
    pub message: String,
    /// When the error was produced.
    pub now: OffsetDateTime,
}

impl ErrorResponse {
    /// The response as Entra puts it on the wire (unsigned).
    pub fn to_xml(&self) -> String {
        let message = format!(
            "{}\nTrace ID: {}\nTimestamp: {}",
            self.message,
            uuid::Uuid::new_v4(),
            aadsts_timestamp(self.now)
        );
        response_element(
            &self.id,
            self.now,
            &self.destination,
            self.in_response_to.as_deref(),
            &self.issuer,
        )
        .child(status_element(
            &self.status,
            self.sub_status.as_deref(),
            Some(message),
        ))
        .to_wire()
    }
}

/// `yyyy-mm-dd hh:mm:ssZ`, the timestamp format of AADSTS messages.
pub fn aadsts_timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn times_follow_entras_model_with_three_fractional_digits() {
        let t0 = datetime!(2026-11-25 10:00:00.123456 UTC);
        let login = LoginResponse {
            issuer: "i".into(),
            destination: "d".into(),
            recipient: "d".into(),
            in_response_to: None,
            audience: "a".into(),
            name_id_format: "f".into(),
            name_id: "n".into(),
            attributes: vec![],
            token_time: t0,
            authn_instant: datetime!(2026-11-25 09:00:00 UTC),
            authn_context_class: AC_PASSWORD.into(),
            subject_confirmation_lifetime: Duration::minutes(60),
            response_id: "_r".into(),
            assertion_id: "_a".into(),
            encrypt_to: None,
        };
        let xml = login.to_xml(None).unwrap();
        for expected in [
            "<samlp:Response ID=\"_r\" Version=\"2.0\" IssueInstant=\"2026-11-25T10:00:00.289Z\" Destination=\"d\" xmlns:samlp=",
            "<Assertion ID=\"_a\" IssueInstant=\"2026-11-25T10:00:00.273Z\" Version=\"2.0\" xmlns=",
            "<SubjectConfirmationData NotOnOrAfter=\"2026-11-25T11:00:00.123Z\" Recipient=\"d\"/>",
            "<Conditions NotBefore=\"2026-11-25T09:55:00.123Z\" NotOnOrAfter=\"2026-11-25T11:00:00.123Z\">",
            "<AuthnStatement AuthnInstant=\"2026-11-25T09:00:00.000Z\" SessionIndex=\"_a\">",
        ] {
            assert!(xml.contains(expected), "missing {expected}\n{xml}");
        }
        assert!(
            !xml.contains("InResponseTo"),
            "IdP-initiated: no InResponseTo anywhere"
        );
        assert!(!xml.contains('\n'), "one line on the wire");
    }
}
