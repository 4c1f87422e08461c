//! DANGER: deliberately broken responses. Every forged, expired, misdirected or malformed
//! artifact the project builds is built here, so one grep finds them all.
//!
//! The catalogue is data: a stable hierarchical id (`sig/none`), a reference, a severity and
//! what the SP must do. Each attack changes exactly one thing in an otherwise good, correctly
//! signed response, so an SP that lets it through is missing exactly one check.

use std::sync::OnceLock;

use crate::cert::SigningCert;
use crate::config::App;
use crate::idp::Idp;
use crate::response::{new_id, LoginResponse, ResponseError, Signing};
use crate::xml::Node;

/// How bad it is when an SP accepts the attack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Anyone can sign in as anyone.
    Critical,
    /// A token meant for elsewhere, or stale, is honoured.
    High,
}

/// What the harness posts for an attack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Forged {
    /// Post this response XML to the ACS (in a fresh browser session).
    Response(String),
    /// Post the good response again, in a fresh browser session, after it was accepted once.
    ReplayOfGood,
}

/// One entry of the catalogue.
#[derive(Clone, Copy, Debug)]
pub struct Attack {
    /// Stable hierarchical id, selectable by prefix (`sig/` selects all signature attacks).
    pub id: &'static str,
    /// What the forged response is.
    pub title: &'static str,
    /// Where the rule comes from.
    pub reference: &'static str,
    /// How bad acceptance is.
    pub severity: Severity,
    /// What the SP must do.
    pub must: &'static str,
    kind: Kind,
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Unsigned,
    UntrustedKey,
    TamperedAfterSigning,
    WrappedEvilAssertion,
    OtherAudience,
    OtherRecipient,
    OtherDestination,
    Expired,
    NotYetValid,
    UnknownInResponseTo,
    OtherIssuer,
    Replay,
}

const PROFILES: &str = "SAML 2.0 Profiles §4.1.4.3 (saml-profiles-2.0-os)";

/// The catalogue, in run order.
pub const CATALOGUE: [Attack; 12] = [
    Attack {
        id: "sig/none",
        title: "all signatures removed",
        reference: PROFILES,
        severity: Severity::Critical,
        must: "reject a response with no signature",
        kind: Kind::Unsigned,
    },
    Attack {
        id: "sig/untrusted-key",
        title: "signed with a key that is not the IdP's",
        reference: PROFILES,
        severity: Severity::Critical,
        must: "verify with the IdP's certificate only, never the one in KeyInfo",
        kind: Kind::UntrustedKey,
    },
    Attack {
        id: "sig/tampered",
        title: "NameID changed after signing",
        reference: "XML-DSig Core §3.2 (reference validation)",
        severity: Severity::Critical,
        must: "reject when the digest no longer matches",
        kind: Kind::TamperedAfterSigning,
    },
    Attack {
        id: "sig/xsw/1",
        title: "unsigned evil Assertion placed before the signed one",
        reference:
            "Somorovsky et al., On Breaking SAML (USENIX Security 2012), XSW; CVE-2017-11427",
        severity: Severity::Critical,
        must: "use only the assertion the signature covers; refuse several assertions",
        kind: Kind::WrappedEvilAssertion,
    },
    Attack {
        id: "audience/other-sp",
        title: "Audience names another SP",
        reference: "SAML 2.0 Core §2.5.1.4",
        severity: Severity::High,
        must: "reject an assertion whose Audience is not its entity ID",
        kind: Kind::OtherAudience,
    },
    Attack {
        id: "recipient/other-acs",
        title: "Recipient is another ACS",
        reference: PROFILES,
        severity: Severity::High,
        must: "reject a bearer confirmation whose Recipient is not its ACS",
        kind: Kind::OtherRecipient,
    },
    Attack {
        id: "destination/other-acs",
        title: "Destination is another ACS",
        reference: "SAML 2.0 Bindings §3.5.5.2",
        severity: Severity::High,
        must: "reject a Response whose Destination is not its ACS",
        kind: Kind::OtherDestination,
    },
    Attack {
        id: "time/expired",
        title: "issued 2 hours ago: NotOnOrAfter has passed",
        reference: "SAML 2.0 Core §2.5.1.2, §2.4.1.2",
        severity: Severity::High,
        must: "reject an assertion after NotOnOrAfter",
        kind: Kind::Expired,
    },
    Attack {
        id: "time/not-yet-valid",
        title: "issued 2 hours from now: NotBefore is ahead",
        reference: "SAML 2.0 Core §2.5.1.2",
        severity: Severity::High,
        must: "reject an assertion before NotBefore",
        kind: Kind::NotYetValid,
    },
    Attack {
        id: "irt/unknown-request",
        title: "InResponseTo names a request the SP never sent",
        reference: PROFILES,
        severity: Severity::High,
        must: "reject a response to a request it did not send",
        kind: Kind::UnknownInResponseTo,
    },
    Attack {
        id: "issuer/other-idp",
        title: "Issuer is another tenant (signature still valid)",
        reference: "SAML 2.0 Core §2.3.3; Profiles §4.1.4.2",
        severity: Severity::Critical,
        must: "reject an Issuer other than the configured IdP",
        kind: Kind::OtherIssuer,
    },
    Attack {
        id: "replay/same-response",
        title: "the accepted response posted again",
        reference: "SAML 2.0 Profiles §4.1.4.5",
        severity: Severity::High,
        must: "accept each assertion ID only once",
        kind: Kind::Replay,
    },
];

/// The attacks whose id starts with any of `prefixes` (all of them for `all`), in catalogue order.
pub fn select(prefixes: &[&str]) -> Vec<&'static Attack> {
    CATALOGUE
        .iter()
        .filter(|a| prefixes.iter().any(|p| *p == "all" || a.id.starts_with(p)))
        .collect()
}

/// An attack by exact id.
pub fn by_id(id: &str) -> Option<&'static Attack> {
    CATALOGUE.iter().find(|a| a.id == id)
}

/// The key the `sig/untrusted-key` attack signs with: generated once, never in any metadata.
fn untrusted_cert() -> &'static Result<SigningCert, String> {
    static CERT: OnceLock<Result<SigningCert, String>> = OnceLock::new();
    CERT.get_or_init(|| {
        let key = openssl::rsa::Rsa::generate(2048)
            .and_then(openssl::pkey::PKey::from_rsa)
            .map_err(|e| e.to_string())?;
        let now = time::OffsetDateTime::now_utc();
        SigningCert::generate(
            key,
            now - time::Duration::days(1),
            now + time::Duration::days(365 * 3),
        )
        .map_err(|e| e.to_string())
    })
}

/// The identity the signature attacks try to sign in as.
fn evil_name_id(idp: &Idp) -> String {
    format!("Admin@{}", idp.config.tenant.domain)
}

impl Attack {
    /// The identity this attack tries to sign in as, when it is not the user's own: an SP that
    /// ignores the forged part and signs the real user in has done right (e.g. for XSW, it used
    /// only the signed assertion).
    pub fn impersonates(&self, idp: &Idp) -> Option<String> {
        matches!(
            self.kind,
            Kind::TamperedAfterSigning | Kind::WrappedEvilAssertion
        )
        .then(|| evil_name_id(idp))
    }

    /// Builds the forged response from `good`, the response the IdP would send for this login.
    pub fn forge(
        &self,
        idp: &Idp,
        app: &App,
        good: &LoginResponse,
    ) -> Result<Forged, ResponseError> {
        let signing = Signing {
            cert: app.active_cert(),
            algorithm: app.algorithm,
            what: app.sign,
        };
        let sign = |login: &LoginResponse| login.to_xml(Some(signing)).map(Forged::Response);
        let mut login = good.clone();
        login.response_id = new_id();
        login.assertion_id = new_id();
        match self.kind {
            Kind::Unsigned => login.to_xml(None).map(Forged::Response),
            Kind::UntrustedKey => {
                let cert = untrusted_cert()
                    .as_ref()
                    .map_err(|e| ResponseError::Forge(e.clone()))?;
                login
                    .to_xml(Some(Signing { cert, ..signing }))
                    .map(Forged::Response)
            }
            Kind::TamperedAfterSigning => {
                let xml = login.to_xml(Some(signing))?;
                let original = format!(">{}</NameID>", login.name_id);
                let evil = format!(">{}</NameID>", evil_name_id(idp));
                Ok(Forged::Response(xml.replacen(&original, &evil, 1)))
            }
            Kind::WrappedEvilAssertion => {
                let mut response = login.to_element(Some(Signing {
                    what: crate::response::SignWhat::Assertion,
                    ..signing
                }))?;
                let mut evil = login.clone();
                evil.assertion_id = new_id();
                evil.name_id = evil_name_id(idp);
                let at = response
                    .children
                    .iter()
                    .position(|c| matches!(c, Node::Element(e) if e.name == "Assertion"))
                    .unwrap_or(response.children.len());
                response
                    .children
                    .insert(at, Node::Element(evil.assertion()));
                Ok(Forged::Response(response.to_wire()))
            }
            Kind::OtherAudience => {
                login.audience = "https://evil.example/sp".into();
                sign(&login)
            }
            Kind::OtherRecipient => {
                login.recipient = "https://evil.example/saml/acs".into();
                sign(&login)
            }
            Kind::OtherDestination => {
                login.destination = "https://evil.example/saml/acs".into();
                sign(&login)
            }
            Kind::Expired => {
                login.token_time -= time::Duration::hours(2);
                login.authn_instant -= time::Duration::hours(2);
                sign(&login)
            }
            Kind::NotYetValid => {
                login.token_time += time::Duration::hours(2);
                sign(&login)
            }
            Kind::UnknownInResponseTo => {
                login.in_response_to = Some(new_id());
                sign(&login)
            }
            Kind::OtherIssuer => {
                login.issuer = format!("https://sts.windows.net/{}/", uuid::Uuid::new_v4());
                sign(&login)
            }
            Kind::Replay => Ok(Forged::ReplayOfGood),
        }
    }
}
