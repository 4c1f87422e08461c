//! `check`'s judgement: an Entra app against what the SP side says (a vendor profile, the SP's
//! metadata, the certificate the SP was given), before anyone signs in. Pure: every input,
//! the clock included, is given.

use mock_idp::config::{App, ClaimSource};
use mock_idp::response::SignWhat;
use openssl::x509::X509;
use serde::Serialize;
use time::OffsetDateTime;

use crate::vendor::{placeholders_in, CertificateArtifact, Flow, Profile, Provisioning};

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The sign-in fails (or the portal refuses the setting).
    Error,
    /// It may work, but not as the vendor intends, or not for long.
    Warning,
    /// Something to do that configuration cannot show.
    Note,
}

impl Severity {
    /// Its name as printed.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// One thing wrong (or to do), with what the user sees at login and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable id (`claim/namespace`).
    pub id: &'static str,
    /// How bad.
    pub severity: Severity,
    /// What is wrong, quoting the values.
    pub message: String,
    /// What the user sees at login: the AADSTS code or the SP's symptom.
    pub symptom: String,
    /// The fix, in the portal's words.
    pub fix: String,
}

/// Days before expiry from which a signing certificate is reported (Entra's first reminder).
pub const EXPIRY_WARNING_DAYS: i32 = 60;

/// The file the SP was given as the IdP's certificate.
#[derive(Clone, Debug)]
pub struct HeldCertificate {
    /// Its path, as given.
    pub file: String,
    /// A federation metadata document (.xml) rather than a certificate (.cer/.pem).
    pub is_metadata: bool,
    /// The certificates in it.
    pub certificates: Vec<X509>,
}

impl HeldCertificate {
    /// Reads a .cer/.pem (PEM or DER) or a federation metadata .xml.
    pub fn read(file: &str, bytes: &[u8]) -> Result<HeldCertificate, String> {
        let text = String::from_utf8_lossy(bytes);
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        let mut unreadable = 0;
        let (is_metadata, certificates) = if trimmed.starts_with('<') {
            let doc = roxmltree::Document::parse(trimmed)
                .map_err(|e| format!("{file:?} looks like XML but does not parse: {e}"))?;
            let certs = doc
                .descendants()
                .filter(|n| n.has_tag_name((saml_protocol::DSIG_NS, "X509Certificate")))
                .filter_map(|n| n.text())
                .filter_map(|b64| {
                    use base64::Engine;
                    let compact: String = b64.split_whitespace().collect();
                    let cert = base64::engine::general_purpose::STANDARD
                        .decode(compact)
                        .ok()
                        .and_then(|der| X509::from_der(&der).ok());
                    if cert.is_none() {
                        unreadable += 1;
                    }
                    cert
                })
                .collect();
            (true, certs)
        } else if trimmed.contains("-----BEGIN CERTIFICATE-----") {
            let certs = X509::stack_from_pem(trimmed.as_bytes())
                .map_err(|e| format!("{file:?} is not a readable PEM certificate: {e}"))?;
            (false, certs)
        } else {
            let cert = X509::from_der(bytes).map_err(|_| {
                format!(
                    "{file:?} is neither a certificate (.cer/.pem) nor federation metadata (.xml)"
                )
            })?;
            (false, vec![cert])
        };
        if certificates.is_empty() {
            return Err(if unreadable > 0 {
                format!("{file:?} holds {unreadable} X509Certificate element(s), none of them a readable certificate; hint: download it again")
            } else {
                format!("{file:?} holds no certificate; hint: give the .cer/.pem or the Federation Metadata XML the SP was given")
            });
        }
        Ok(HeldCertificate {
            file: file.to_owned(),
            is_metadata,
            certificates,
        })
    }
}

/// What the SP's metadata says, as far as `check` uses it.
#[derive(Clone, Debug, Default)]
pub struct SpFacts {
    /// Its entity ID.
    pub entity_id: Option<String>,
    /// Its HTTP-POST ACS.
    pub acs_url: Option<String>,
    /// Signing, encryption and NameID wishes.
    pub metadata: crate::respond::SpMetadata,
}

impl SpFacts {
    /// Reads SP metadata XML (DTDs refused).
    pub fn from_metadata(xml: &str) -> Result<SpFacts, String> {
        let (entity_id, acs_url, metadata) = crate::runner::sp_metadata(xml)?;
        Ok(SpFacts {
            entity_id,
            acs_url,
            metadata,
        })
    }
}

/// Everything `check` compares.
pub struct Inputs<'a> {
    /// The vendor's guide, filled in.
    pub profile: Option<&'a Profile>,
    /// The SP's metadata.
    pub sp: Option<&'a SpFacts>,
    /// The Entra app as configured.
    pub app: &'a App,
    /// The certificate file the SP holds.
    pub held: Option<&'a HeldCertificate>,
    /// Now.
    pub now: OffsetDateTime,
}

/// Every finding, errors first, in a stable order.
pub fn check(i: &Inputs) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(p) = i.profile {
        let left = p.unfilled();
        if !left.is_empty() {
            out.push(Finding {
                id: "profile/unfilled",
                severity: Severity::Warning,
                message: format!(
                    "{}'s placeholders {} are not filled in, so the profile's URLs holding them were not compared with the app",
                    p.title,
                    left.join(", ")
                ),
                symptom: "a mismatch there (AADSTS700016, AADSTS50011) goes unseen here".into(),
                fix: format!(
                    "give every value: {} (with --set KEY=VALUE or --values FILE; in a scenario, vendor: {{set: {{KEY: VALUE}}}}; the vendor's support gives them)",
                    left.iter().map(|k| format!("{k}=…")).collect::<Vec<_>>().join(" ")
                ),
            });
        }
    }
    urls(i, &mut out);
    claims(i, &mut out);
    name_id(i, &mut out);
    signing(i, &mut out);
    certificates(i, &mut out);
    if let Some(p) = i.profile {
        match p.provisioning {
            Provisioning::Manual => out.push(Finding {
                id: "provisioning/manual",
                severity: Severity::Note,
                message: format!("{} only signs in accounts that already exist", p.title),
                symptom: format!("{} refuses a user it does not know, however good the token", p.title),
                fix: format!("create the test user (B.Simon) in {} before the first sign-in", p.title),
            }),
            Provisioning::Scim => out.push(Finding {
                id: "provisioning/scim",
                severity: Severity::Note,
                message: format!("{} gets its accounts from Entra's provisioning service", p.title),
                symptom: "a user not yet provisioned is refused until the next provisioning cycle (about 40 minutes)".into(),
                fix: format!(
                    "in Provisioning, set the Tenant URL to {} and use Provision on demand for the test user",
                    p.scim_url.as_deref().unwrap_or("the vendor's SCIM endpoint")
                ),
            }),
            Provisioning::JustInTime => {}
        }
    }
    out.sort_by_key(|f| f.severity);
    out
}

fn quoted(list: &[String]) -> String {
    if list.is_empty() {
        return "none".into();
    }
    list.iter()
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn vendor(i: &Inputs) -> String {
    i.profile.map_or("the SP".into(), |p| p.title.clone())
}

fn urls(i: &Inputs, out: &mut Vec<Finding>) {
    let app = i.app;
    for (field, values, symptom) in [
        (
            "Identifier (Entity ID)",
            &app.identifiers,
            "AADSTS700016: Application with identifier '…' was not found in the directory",
        ),
        (
            "Reply URL",
            &app.reply_urls,
            "AADSTS50011: the reply URL in the request does not match the app's Reply URLs",
        ),
    ] {
        for v in values {
            let left = placeholders_in(v);
            if !left.is_empty() {
                out.push(Finding {
                    id: "url/placeholder",
                    severity: Severity::Error,
                    message: format!("{field} '{v}' still holds the guide's placeholder <{}>", left[0]),
                    symptom: symptom.into(),
                    fix: format!("in Basic SAML Configuration, replace <{}> with your value (the vendor's support gives it)", left[0]),
                });
            }
        }
    }
    for url in &app.reply_urls {
        if let Ok(u) = url::Url::parse(url) {
            let loopback = match u.host() {
                Some(url::Host::Domain(d)) => d == "localhost",
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            if u.scheme() == "http" && !loopback {
                out.push(Finding {
                    id: "url/http",
                    severity: Severity::Error,
                    message: format!("Reply URL '{url}' is http"),
                    symptom: "the portal refuses to save it: Reply URLs must start with https:// or http://localhost".into(),
                    fix: "use the SP's https:// Assertion Consumer Service URL".into(),
                });
            }
        }
    }
    let profile_filled = |v: &Option<String>| v.clone().filter(|v| placeholders_in(v).is_empty());
    let entity_id =
        i.sp.and_then(|s| s.entity_id.clone())
            .or_else(|| i.profile.and_then(|p| profile_filled(&p.identifier)));
    if let Some(id) = entity_id {
        if !app.identifiers.contains(&id) {
            let near = app.identifiers.iter().find(|x| {
                x.trim_end_matches('/')
                    .eq_ignore_ascii_case(id.trim_end_matches('/'))
            });
            out.push(Finding {
                id: "url/identifier",
                severity: Severity::Error,
                message: format!(
                    "{}'s entity ID '{id}' is not among the app's Identifiers ({}){}",
                    vendor(i),
                    quoted(&app.identifiers),
                    near.map_or(String::new(), |n| format!("; '{n}' differs only in letter case or a trailing slash, and Entra compares exactly"))
                ),
                symptom: format!("AADSTS700016: Application with identifier '{id}' was not found in the directory"),
                fix: format!("in Basic SAML Configuration, set Identifier (Entity ID) to '{id}'"),
            });
        }
    }
    let acs =
        i.sp.and_then(|s| s.acs_url.clone())
            .or_else(|| i.profile.and_then(|p| profile_filled(&p.reply_url)));
    if let Some(acs) = acs {
        if !app.reply_urls.contains(&acs) {
            out.push(Finding {
                id: "url/reply-url",
                severity: Severity::Error,
                message: format!(
                    "{}'s Assertion Consumer Service '{acs}' is not among the app's Reply URLs ({})",
                    vendor(i),
                    quoted(&app.reply_urls)
                ),
                symptom: format!("AADSTS50011: The reply URL '{acs}' specified in the request does not match the reply URLs configured for the application"),
                fix: format!("in Basic SAML Configuration, add '{acs}' as a Reply URL"),
            });
        }
    }
    if let Some(p) = i.profile {
        if let Some(want) = profile_filled(&p.sign_on_url) {
            let sp_only = !p.flows.contains(&Flow::Idp);
            match &app.sign_on_url {
                Some(have) if *have == want => {}
                Some(have) => out.push(Finding {
                    id: "url/sign-on",
                    severity: Severity::Warning,
                    message: format!(
                        "the app's Sign-on URL '{have}' is not {}'s '{want}'",
                        p.title
                    ),
                    symptom: "\"Test this application\" and the My Apps tile open the wrong page"
                        .into(),
                    fix: format!("in Basic SAML Configuration, set Sign on URL to '{want}'"),
                }),
                None if sp_only => out.push(Finding {
                    id: "url/sign-on",
                    severity: Severity::Warning,
                    message: format!(
                        "the app has no Sign-on URL and {} supports only SP-initiated sign-in",
                        p.title
                    ),
                    symptom: format!(
                        "the My Apps tile starts an IdP-initiated sign-in, which {} refuses",
                        p.title
                    ),
                    fix: format!("in Basic SAML Configuration, set Sign on URL to '{want}'"),
                }),
                None => {}
            }
        }
    }
}

fn claims(i: &Inputs, out: &mut Vec<Finding>) {
    let Some(p) = i.profile else { return };
    let app = i.app;
    for need in &p.claims {
        let wire = need.wire_name();
        let severity = if need.required {
            Severity::Error
        } else {
            Severity::Warning
        };
        let refused = if need.required {
            format!(
                "{} finds no '{wire}' attribute and refuses the sign-in",
                p.title
            )
        } else {
            format!(
                "{} gets no '{wire}' attribute (optional: used for provisioning)",
                p.title
            )
        };
        let short = |n: &str| mock_idp::config::claim_short_name(n).to_owned();
        if let Some(c) = app.claims.iter().find(|c| c.name == wire) {
            if let ClaimSource::Attribute(source) = &c.source {
                if !source.eq_ignore_ascii_case(&need.source) {
                    out.push(Finding {
                        id: "claim/source",
                        severity: Severity::Warning,
                        message: format!("claim '{wire}' comes from {source}; {}'s guide maps it from {}", p.title, need.source),
                        symptom: format!("{} receives another value than it expects (and may link the wrong account)", p.title),
                        fix: format!("in Attributes & Claims, edit claim {} and set Source attribute to {}", need.name, need.source),
                    });
                }
            }
        } else if let Some(c) = app.claims.iter().find(|c| short(&c.name) == need.name) {
            let (message, fix) = if need.namespace.is_empty() {
                (
                    format!(
                        "claim '{}' is sent as '{}'; {} looks for the bare name '{wire}'",
                        need.name, c.name, p.title
                    ),
                    format!(
                        "in Attributes & Claims, edit claim {} and clear the Namespace field",
                        need.name
                    ),
                )
            } else {
                (
                    format!(
                        "claim '{}' is sent as '{}'; {} looks for '{wire}'",
                        need.name, c.name, p.title
                    ),
                    format!(
                        "in Attributes & Claims, edit claim {} and set the Namespace field to {}",
                        need.name, need.namespace
                    ),
                )
            };
            out.push(Finding {
                id: "claim/namespace",
                severity,
                message,
                symptom: refused,
                fix,
            });
        } else if let Some(c) = app
            .claims
            .iter()
            .find(|c| short(&c.name).eq_ignore_ascii_case(&need.name))
        {
            out.push(Finding {
                id: "claim/name",
                severity,
                message: format!(
                    "claim '{}' is named '{}'; {} looks for '{}' exactly (letter case counts)",
                    c.name,
                    short(&c.name),
                    p.title,
                    need.name
                ),
                symptom: refused,
                fix: format!(
                    "in Attributes & Claims, rename claim {} to {}",
                    short(&c.name),
                    need.name
                ),
            });
        } else {
            out.push(Finding {
                id: "claim/missing",
                severity,
                message: format!("the app sends no claim '{wire}', which {} reads", p.title),
                symptom: refused,
                fix: format!(
                    "in Attributes & Claims, Add new claim: Name {}, Namespace {}, Source attribute {}",
                    need.name,
                    if need.namespace.is_empty() { "empty".to_owned() } else { need.namespace.clone() },
                    need.source
                ),
            });
        }
    }
}

fn name_id(i: &Inputs, out: &mut Vec<Finding>) {
    let have = i.app.name_id_format;
    let fix = |want: &str| {
        format!("in Attributes & Claims, edit Unique User Identifier (Name ID) and set Name identifier format to {want}")
    };
    if let Some(want) = i.profile.and_then(|p| p.name_id_format) {
        if want.0 != have {
            out.push(Finding {
                id: "name-id/format",
                severity: Severity::Error,
                message: format!(
                    "the app sends NameID format {}; {} is set to {}",
                    have.name(),
                    vendor(i),
                    want.0.name()
                ),
                symptom: format!(
                    "{} refuses the NameID (unless its AuthnRequest asks for {}: Entra honours a requested format)",
                    vendor(i),
                    want.0.name()
                ),
                fix: fix(want.0.name()),
            });
            return;
        }
    }
    if let Some(sp) = i.sp {
        let listed = &sp.metadata.name_id_formats;
        let unspecified = mock_idp::config::NameIdFormat::Unspecified.uri();
        if !listed.is_empty() && !listed.iter().any(|f| f == have.uri() || f == unspecified) {
            out.push(Finding {
                id: "name-id/format",
                severity: Severity::Warning,
                message: format!(
                    "the app sends NameID format {} ('{}'); the SP's metadata lists {}",
                    have.name(),
                    have.uri(),
                    quoted(listed)
                ),
                symptom: "an SP that enforces its NameIDFormat refuses the sign-in".into(),
                fix: fix(&listed[0]),
            });
        }
    }
}

fn signing(i: &Inputs, out: &mut Vec<Finding>) {
    let app = i.app;
    // What must be signed, from the profile and the SP's metadata together: one finding each.
    let (profile_response, profile_assertion) = match i.profile.and_then(|p| p.signed) {
        None => (false, false),
        Some(SignWhat::Response) => (true, false),
        Some(SignWhat::Assertion) => (false, true),
        Some(SignWhat::Both) => (true, true),
    };
    let metadata_assertion = i.sp.is_some_and(|sp| sp.metadata.wants_assertions_signed);
    let wants_response = profile_response;
    let wants_assertion = profile_assertion || metadata_assertion;
    let signs_response = matches!(app.sign, SignWhat::Response | SignWhat::Both);
    let signs_assertion = matches!(app.sign, SignWhat::Assertion | SignWhat::Both);
    let option = match (wants_response, wants_assertion) {
        (true, true) => "Sign SAML response and assertion",
        (true, false) => "Sign SAML response (or Sign SAML response and assertion)",
        _ => "Sign SAML assertion (or Sign SAML response and assertion)",
    };
    let who = |profile_says: bool| match i.profile {
        Some(p) if profile_says => p.title.clone(),
        _ => "the SP (its metadata says WantAssertionsSigned=\"true\")".to_owned(),
    };
    for (wanted, signed, id, what, by) in [
        (
            wants_response,
            signs_response,
            "signing/response",
            "the Response",
            who(profile_response),
        ),
        (
            wants_assertion,
            signs_assertion,
            "signing/assertion",
            "the assertion",
            who(profile_assertion),
        ),
    ] {
        if wanted && !signed {
            out.push(Finding {
                id,
                severity: Severity::Error,
                message: format!(
                    "{by} needs {what} signed; the app's Signing Option signs only {}",
                    if signs_response {
                        "the Response"
                    } else {
                        "the assertion"
                    }
                ),
                symptom: format!("the sign-in is refused: {what} carries no signature"),
                fix: format!("in SAML Certificates, set Signing Option to {option}"),
            });
        }
    }
    if let Some(p) = i.profile {
        if let Some(want) = p.algorithm.filter(|a| *a != app.algorithm) {
            let name = |a: mock_idp::sign::Algorithm| match a {
                mock_idp::sign::Algorithm::Sha256 => "SHA-256",
                mock_idp::sign::Algorithm::Sha1 => "SHA-1",
            };
            out.push(Finding {
                id: "signing/algorithm",
                severity: Severity::Error,
                message: format!(
                    "the app signs with {}; {} accepts {}",
                    name(app.algorithm),
                    p.title,
                    name(want)
                ),
                symptom: format!("{} refuses the signature", p.title),
                fix: format!(
                    "in SAML Certificates, set Signing Algorithm to {}",
                    name(want)
                ),
            });
        }
    }
    if let Some(sp) = i.sp {
        match (&app.token_encryption_certificate, &sp.metadata.encryption_certificate) {
            (Some(_), None) => out.push(Finding {
                id: "encryption/unexpected",
                severity: Severity::Error,
                message: "the app encrypts tokens but the SP's metadata publishes no encryption certificate".into(),
                symptom: "the SP cannot decrypt the assertion and refuses the sign-in".into(),
                fix: "turn off Token encryption, or upload the SP's own encryption certificate there".into(),
            }),
            (Some(have), Some(want)) if !same_cert(have, want) => out.push(Finding {
                id: "encryption/certificate",
                severity: Severity::Error,
                message: "the app encrypts tokens to a certificate that is not the one in the SP's metadata".into(),
                symptom: "the SP cannot decrypt the assertion and refuses the sign-in".into(),
                fix: "in Token encryption, import the certificate from the SP's metadata and activate it".into(),
            }),
            _ => {}
        }
    }
    let vendor_wants_sha1 =
        i.profile.and_then(|p| p.algorithm) == Some(mock_idp::sign::Algorithm::Sha1);
    if app.algorithm == mock_idp::sign::Algorithm::Sha1 && !vendor_wants_sha1 {
        out.push(Finding {
            id: "signing/sha1",
            severity: Severity::Warning,
            message: "the app signs with SHA-1".into(),
            symptom: "current SP libraries refuse SHA-1 signatures (deprecated since 2011)".into(),
            fix: "in SAML Certificates, set Signing Algorithm to SHA-256".into(),
        });
    }
}

fn same_cert(a: &X509, b: &X509) -> bool {
    matches!((a.to_der(), b.to_der()), (Ok(x), Ok(y)) if x == y)
}

/// Whole days from `now` to `not_after` (negative: expired).
fn days_left(now: OffsetDateTime, cert: &X509) -> Option<i32> {
    let now = openssl::asn1::Asn1Time::from_unix(now.unix_timestamp()).ok()?;
    let diff = now.diff(cert.not_after()).ok()?;
    Some(if diff.secs < 0 && diff.days <= 0 {
        diff.days - 1
    } else {
        diff.days
    })
}

fn certificates(i: &Inputs, out: &mut Vec<Finding>) {
    let active = i.app.active_cert().x509();
    match days_left(i.now, active) {
        Some(d) if d < 0 => out.push(Finding {
            id: "cert/expired",
            severity: Severity::Error,
            message: format!("the app's active signing certificate expired {} day(s) ago ({})", -d, active.not_after()),
            symptom: "an SP that checks validity refuses every sign-in (Microsoft's App Validator requires it to)".into(),
            fix: "in SAML Certificates, add a new certificate, make it active and give the SP the new one".into(),
        }),
        Some(d) if d <= EXPIRY_WARNING_DAYS => out.push(Finding {
            id: "cert/expiring",
            severity: Severity::Warning,
            message: format!("the app's active signing certificate expires in {d} day(s) ({})", active.not_after()),
            symptom: "sign-ins fail from that day at SPs that check validity".into(),
            fix: "create the next certificate now, give it to the SP, then make it active".into(),
        }),
        _ => {}
    }
    let Some(held) = i.held else { return };
    if let Some(p) = i.profile {
        match (p.certificate, held.is_metadata) {
            (CertificateArtifact::CertificateBase64, true) => out.push(Finding {
                id: "cert/artifact",
                severity: Severity::Error,
                message: format!("{} is Federation Metadata XML; {} takes the Certificate (Base64), a .cer/.pem file", held.file, p.title),
                symptom: format!("{} does not accept the upload (\"if you downloaded an .xml file, then you have clicked the wrong button\")", p.title),
                fix: "in SAML Certificates, Download Certificate (Base64) instead".into(),
            }),
            (CertificateArtifact::FederationMetadataXml | CertificateArtifact::MetadataUrl, false) => out.push(Finding {
                id: "cert/artifact",
                severity: Severity::Warning,
                message: format!("{} is a bare certificate; {} takes the {}", held.file, p.title, p.certificate.label()),
                symptom: format!("{} also needs the sign-in URL and Identifier, which only the metadata carries", p.title),
                fix: format!("in SAML Certificates, use {} instead", p.certificate.label()),
            }),
            _ => {}
        }
    }
    if held.certificates.iter().any(|c| same_cert(c, active)) {
        return;
    }
    let inactive = i.app.certificates.iter().enumerate().any(|(n, c)| {
        n != i.app.active_certificate && held.certificates.iter().any(|h| same_cert(h, c.x509()))
    });
    out.push(Finding {
        id: "cert/not-active",
        severity: Severity::Error,
        message: if inactive {
            format!("{} holds one of the app's inactive certificates, not the active one (thumbprint {})", held.file, i.app.active_cert().thumbprint())
        } else {
            format!("{} holds no certificate of this app (the active one has thumbprint {})", held.file, i.app.active_cert().thumbprint())
        },
        symptom: "the SP cannot verify Entra's signature and refuses every sign-in".into(),
        fix: if held.is_metadata {
            "download the App Federation Metadata (with ?appid=) of this app again; the tenant-wide metadata lists keys that never sign SAML tokens".into()
        } else {
            "in SAML Certificates, download the active certificate and give it to the SP".into()
        },
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use mock_idp::config::Config;
    use std::path::Path;

    fn app(yaml: &str) -> App {
        let text = format!("applications:\n  - name: a\n{yaml}");
        Config::from_yaml_str(
            &text,
            "t.yaml",
            Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/config")),
        )
        .unwrap()
        .apps
        .remove(0)
    }

    fn ids(i: &Inputs) -> Vec<(&'static str, Severity)> {
        check(i).into_iter().map(|f| (f.id, f.severity)).collect()
    }

    fn at(y: i32, m: time::Month, d: u8) -> OffsetDateTime {
        time::Date::from_calendar_date(y, m, d)
            .unwrap()
            .midnight()
            .assume_utc()
    }

    /// SP metadata that says WantAssertionsSigned="true".
    fn wants_signed_assertions() -> SpFacts {
        SpFacts {
            metadata: crate::respond::SpMetadata {
                wants_assertions_signed: true,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    const URLS: &str =
        "    identifiers: [https://sp.test/md]\n    reply_urls: [https://sp.test/acs]\n";

    #[test]
    fn addresses_are_compared_exactly_and_a_near_miss_is_named() {
        let a = app(&format!(
            "{URLS}    reply_urls: [http://sp.test/acs, http://127.0.0.1:9/acs]\n"
        )
        .replace("    reply_urls: [https://sp.test/acs]\n", ""));
        let sp = SpFacts {
            entity_id: Some("https://SP.test/md/".into()),
            acs_url: Some("http://127.0.0.1:9/acs".into()),
            ..Default::default()
        };
        let now = at(2026, time::Month::January, 1);
        let found = check(&Inputs {
            profile: None,
            sp: Some(&sp),
            app: &a,
            held: None,
            now,
        });
        let got: Vec<&str> = found.iter().map(|f| f.id).collect();
        // The loopback Reply URL is allowed (as http://localhost is); the other http one is not.
        assert_eq!(got, ["url/http", "url/identifier"]);
        assert!(
            found[1]
                .message
                .contains("differs only in letter case or a trailing slash"),
            "{}",
            found[1].message
        );
        assert!(found[1].symptom.starts_with("AADSTS700016"));
    }

    #[test]
    fn certificates_expire_by_the_injected_clock() {
        // The bundled certificate runs 2025-11-01 .. 2028-11-01.
        let a = app(URLS);
        let when = |now| {
            ids(&Inputs {
                profile: None,
                sp: None,
                app: &a,
                held: None,
                now,
            })
        };
        assert_eq!(when(at(2026, time::Month::January, 1)), []);
        assert_eq!(
            when(at(2028, time::Month::October, 1)),
            [("cert/expiring", Severity::Warning)]
        );
        assert_eq!(
            when(at(2028, time::Month::December, 1)),
            [("cert/expired", Severity::Error)]
        );
    }

    #[test]
    fn signing_and_encryption_follow_the_sp_metadata() {
        let now = at(2026, time::Month::January, 1);
        let sp = wants_signed_assertions();
        let a = app(&format!("{URLS}    signing: {{option: response, algorithm: sha1}}\n    token_encryption_certificate: ../keys/sp-1.cert.pem\n"));
        assert_eq!(
            ids(&Inputs {
                profile: None,
                sp: Some(&sp),
                app: &a,
                held: None,
                now
            }),
            [
                ("signing/assertion", Severity::Error),
                ("encryption/unexpected", Severity::Error),
                ("signing/sha1", Severity::Warning)
            ]
        );
        let a = app(&format!("{URLS}    signing: {{option: both}}\n"));
        assert_eq!(
            ids(&Inputs {
                profile: None,
                sp: Some(&sp),
                app: &a,
                held: None,
                now
            }),
            []
        );
        // The SP publishes one encryption certificate; the app encrypts to another.
        let mut sp = wants_signed_assertions();
        sp.metadata.encryption_certificate = Some(std::sync::Arc::new(
            mock_idp::config::Config::builtin().apps[0]
                .active_cert()
                .x509()
                .clone(),
        ));
        let a = app(&format!(
            "{URLS}    token_encryption_certificate: ../keys/sp-1.cert.pem\n"
        ));
        assert_eq!(
            ids(&Inputs {
                profile: None,
                sp: Some(&sp),
                app: &a,
                held: None,
                now
            }),
            [("encryption/certificate", Severity::Error)]
        );
    }

    #[test]
    fn claims_are_matched_by_exact_name_namespace_and_source() {
        let now = at(2026, time::Month::January, 1);
        let p = crate::vendor::load("pymetrics")
            .unwrap()
            .fill(&[("CUSTOMERNAME".into(), "acme".into())])
            .unwrap();
        let a = app(&format!("{URLS}    sign_on_url: https://www.pymetrics.com/saml2-sp/acme/acme/?sso\n    claims:\n      - {{name: userfirstname, source: user.givenname}}\n      - {{name: UserLastName, namespace: 'urn:x', source: user.surname}}\n      - {{name: UserEmail, source: user.mail}}\n"));
        let found: Vec<(&str, Severity)> = ids(&Inputs {
            profile: Some(&p),
            sp: None,
            app: &a,
            held: None,
            now,
        })
        .into_iter()
        .filter(|(id, _)| id.starts_with("claim/"))
        .collect();
        assert_eq!(
            found,
            [
                ("claim/name", Severity::Error),
                ("claim/namespace", Severity::Error),
                ("claim/source", Severity::Warning)
            ]
        );
    }

    #[test]
    fn a_vendor_that_needs_a_signed_response_or_another_algorithm_is_told() {
        let now = at(2026, time::Month::January, 1);
        let p = crate::vendor::parse(
            "name: v\ntitle: V\nguide: g\nflows: [sp]\nprovisioning: just-in-time\ncertificate: certificate-base64\nsigned: response\nalgorithm: sha1\n",
            "v.yaml",
        )
        .unwrap();
        // Entra's default: the assertion signed, SHA-256.
        let a = app(URLS);
        assert_eq!(
            ids(&Inputs {
                profile: Some(&p),
                sp: None,
                app: &a,
                held: None,
                now
            }),
            [
                ("signing/response", Severity::Error),
                ("signing/algorithm", Severity::Error)
            ]
        );
        let a = app(&format!(
            "{URLS}    signing: {{option: both, algorithm: sha1}}\n"
        ));
        assert_eq!(
            ids(&Inputs {
                profile: Some(&p),
                sp: None,
                app: &a,
                held: None,
                now
            }),
            [],
            "a vendor that asks for SHA-1 gets no warning for it"
        );
    }

    #[test]
    fn an_sp_given_the_tenant_level_metadata_holds_no_certificate_of_the_app() {
        let config = Config::builtin();
        let tenant = mock_idp::metadata::tenant_metadata(&config.tenant, "http://idp").unwrap();
        let held = HeldCertificate::read("federationmetadata.xml", tenant.as_bytes()).unwrap();
        assert!(held.is_metadata && held.certificates.len() >= 3);
        let found = check(&Inputs {
            profile: None,
            sp: None,
            app: &config.apps[0],
            held: Some(&held),
            now: at(2026, time::Month::January, 1),
        });
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].id, "cert/not-active");
        assert!(
            found[0].fix.contains("with ?appid=") && found[0].fix.contains("tenant-wide"),
            "{}",
            found[0].fix
        );
        let app_xml =
            mock_idp::metadata::app_metadata(&config.tenant, "http://idp", &config.apps[0])
                .unwrap();
        let held = HeldCertificate::read("app.xml", app_xml.as_bytes()).unwrap();
        let found = check(&Inputs {
            profile: None,
            sp: None,
            app: &config.apps[0],
            held: Some(&held),
            now: at(2026, time::Month::January, 1),
        });
        assert_eq!(found, []);
    }

    #[test]
    fn a_signing_need_said_twice_is_one_finding() {
        let p = crate::vendor::parse(
            "name: v\ntitle: V\nguide: g\nflows: [sp]\nprovisioning: just-in-time\ncertificate: certificate-base64\nsigned: assertion\n",
            "v.yaml",
        )
        .unwrap();
        let sp = wants_signed_assertions();
        let a = app(&format!("{URLS}    signing: {{option: response}}\n"));
        let found = check(&Inputs {
            profile: Some(&p),
            sp: Some(&sp),
            app: &a,
            held: None,
            now: at(2026, time::Month::January, 1),
        });
        let ids: Vec<&str> = found.iter().map(|f| f.id).collect();
        assert_eq!(ids, ["signing/assertion"]);
        assert!(
            found[0].message.starts_with("V needs the assertion signed"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn a_certificate_file_is_read_as_pem_der_or_metadata() {
        let pem = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/keys/sp-1.cert.pem"
        ))
        .unwrap();
        let held = HeldCertificate::read("sp.pem", &pem).unwrap();
        assert!(!held.is_metadata && held.certificates.len() == 1);
        let der = held.certificates[0].to_der().unwrap();
        assert_eq!(
            HeldCertificate::read("sp.cer", &der)
                .unwrap()
                .certificates
                .len(),
            1
        );
        let err = HeldCertificate::read("x.txt", b"hello").unwrap_err();
        assert!(err.contains("neither a certificate"), "{err}");
        let err = HeldCertificate::read("x.xml", b"<a/>").unwrap_err();
        assert!(err.contains("holds no certificate"), "{err}");
    }
}
