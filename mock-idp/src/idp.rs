//! The IdP's decisions: who signs in to which app, what the response carries, which AADSTS
//! error a request earns. No HTTP here; time is passed in.

use base64::Engine;
use time::OffsetDateTime;

use crate::aadsts::Aadsts;
use crate::config::{App, AuthnMethod, ClaimSource, Config, GroupValues, NameIdFormat, User};
use crate::request::{AuthnRequest, LogoutRequest, RedirectSignature};
use crate::response::{Attribute, ErrorResponse, LoginResponse, Signing, AC_PASSWORD};
use crate::xml::Element;
use saml_protocol::AcsPost;

/// Above this many groups Entra sends the groups.link claim instead of the groups.
pub const GROUPS_OVERAGE_LIMIT: usize = 150;
const MS_CLAIMS: &str = "http://schemas.microsoft.com/identity/claims";
const MS_WS_CLAIMS: &str = "http://schemas.microsoft.com/ws/2008/06/identity/claims";
const AMR_CLAIM: &str = "http://schemas.microsoft.com/claims/authnmethodsreferences";
/// AuthnContextClassRef of a federated Windows-integrated sign-in (a 2019 capture).
const WINDOWS_CLASS: &str = "urn:federation:authentication:windows";
/// PasswordProtectedTransport: what SPs (python3-saml's default) usually request.
const AC_PPT: &str = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";
/// Any sign-in satisfies `unspecified`.
const AC_UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified";
/// A certificate sign-in.
const AC_X509: &str = "urn:oasis:names:tc:SAML:2.0:ac:classes:X509";

/// Entra answers a requested (and met) PasswordProtectedTransport with that class, and puts it
/// first in the authnmethodsreferences claim in place of the password method (a 2024 capture).
fn echo_authn_context(login: &mut LoginResponse, class: &str) {
    if class != AC_PPT {
        return;
    }
    login.authn_context_class = class.to_owned();
    if let Some(amr) = login.attributes.iter_mut().find(|a| a.name == AMR_CLAIM) {
        amr.values.retain(|v| v != AuthnMethod::Password.uri());
        amr.values.insert(0, class.to_owned());
    }
}

/// The SAML classes a user's sign-in (their authnmethodsreferences) satisfies.
fn satisfied_classes(user: &User) -> Vec<&'static str> {
    let mut out = vec![AC_UNSPECIFIED];
    for m in &user.authn_methods {
        match m {
            AuthnMethod::Password => out.extend([AC_PASSWORD, AC_PPT]),
            AuthnMethod::X509 => out.push(AC_X509),
            AuthnMethod::Windows => out.push(WINDOWS_CLASS),
            AuthnMethod::Multipleauthn => {}
        }
    }
    out
}

/// The requested classes as AADSTS75011 names them, when RequestedAuthnContext (exact, the
/// only comparison Entra honours) asks for none of `satisfied`.
fn authn_context_mismatch(req: &AuthnRequest, satisfied: &[&str]) -> Option<String> {
    if req.authn_context_classes.is_empty() {
        return None;
    }
    let exact = req
        .authn_context_comparison
        .as_deref()
        .is_none_or(|c| c == "exact");
    let met = req
        .authn_context_classes
        .iter()
        .any(|c| satisfied.contains(&c.as_str()));
    (!exact || !met).then(|| {
        req.authn_context_classes
            .iter()
            .map(|c| method_names(c))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// How AADSTS75011 names the way a user signed in.
fn method_name(m: AuthnMethod) -> &'static str {
    match m {
        AuthnMethod::Password => "Password, ProtectedTransport",
        AuthnMethod::Multipleauthn => "MultiFactor",
        AuthnMethod::X509 => "X509",
        AuthnMethod::Windows => "Windows",
    }
}

/// How AADSTS75011 names an authentication class: `'Password, ProtectedTransport'`,
/// `'X509'`, `'MultiFactor'`; other classes by their last URI segment.
fn method_names(class: &str) -> String {
    let name = class.rsplit([':', '/']).next().unwrap_or(class);
    match name {
        "PasswordProtectedTransport" => "Password, ProtectedTransport".into(),
        "multipleauthn" => "MultiFactor".into(),
        other => other.into(),
    }
}

/// What a sign-in request leads to.
#[derive(Clone, Debug)]
pub enum SsoOutcome {
    /// Post a response (a login, or a SAML status error such as NoPassive) to the ACS.
    Post(AcsPost),
    /// Show Entra's error page; nothing reaches the SP.
    Error(Aadsts),
}

/// The IdP's answer to an AuthnRequest, before signing.
#[derive(Clone, Debug)]
pub enum Answer<'a> {
    /// A login into `app`: sign `login` and post it to `login.destination`.
    Login {
        /// The application signed in to.
        app: &'a App,
        /// The unsigned response.
        login: Box<LoginResponse>,
    },
    /// A status error (e.g. NoPassive) to post to `acs`.
    Status {
        /// The ACS URL.
        acs: String,
        /// The status response XML.
        xml: String,
    },
}

/// What a sign-out request leads to.
#[derive(Clone, Debug)]
pub struct LogoutOutcome {
    /// The SP's Logout URL, where the LogoutResponse goes by Redirect.
    pub logout_url: Option<String>,
    /// The LogoutResponse XML (no XML signature: the Redirect binding signs the query).
    pub logout_response: String,
    /// The signed Redirect query carrying it (`SAMLResponse`, `RelayState`, `SigAlg`,
    /// `Signature`).
    pub query: String,
}

/// An IdP-initiated LogoutRequest for one session, as the SP's single logout endpoint gets it.
#[derive(Clone, Debug)]
pub struct SignedLogoutRequest {
    /// The LogoutRequest XML (no XML signature: the Redirect binding signs the query).
    pub xml: String,
    /// The signed Redirect query carrying it (`SAMLRequest`, `SigAlg`, `Signature`).
    pub query: String,
    /// The same LogoutRequest with an enveloped XML signature after its Issuer, as the
    /// HTTP-POST binding carries it. Entra sends sign-out by Redirect only; this is for SPs
    /// whose single logout URL also takes POST (other IdPs use it).
    pub signed_xml: String,
}

/// The mock Entra IdP over one configuration.
#[derive(Clone, Debug)]
pub struct Idp {
    /// The tenant, users and apps.
    pub config: Config,
    /// Where response, assertion and transient NameID values come from.
    pub ids: saml_protocol::Ids,
}

impl Idp {
    /// An IdP serving `config`.
    pub fn new(config: Config) -> Self {
        Idp {
            config,
            ids: saml_protocol::Ids::random(),
        }
    }

    /// The same IdP, its IDs from `ids`.
    pub fn with_ids(self, ids: saml_protocol::Ids) -> Self {
        Idp { ids, ..self }
    }

    /// Issuer of responses and entityID of metadata: `https://sts.windows.net/{tid}/`.
    pub fn entity_id(&self) -> String {
        self.config.tenant.entity_id()
    }

    /// The claims `user` gets in `app`: automatic ones first, then the configured ones (or as
    /// the app's `claim_order` lists them).
    pub fn attributes(&self, app: &App, user: &User) -> Vec<Attribute> {
        let tid = &self.config.tenant.id;
        let one = |name: String, v: &str| Attribute {
            name,
            values: vec![v.to_owned()],
        };
        let mut out = vec![
            one(format!("{MS_CLAIMS}/tenantid"), tid),
            one(format!("{MS_CLAIMS}/objectidentifier"), &user.object_id),
            one(format!("{MS_CLAIMS}/displayname"), &user.display_name),
        ];
        let roles = app.roles_of(user);
        if !roles.is_empty() {
            out.push(Attribute {
                name: format!("{MS_WS_CLAIMS}/role"),
                values: roles,
            });
        }
        let group_value = |id: &String| match app.groups_values {
            GroupValues::ObjectId => id.clone(),
            GroupValues::Name => self
                .config
                .groups
                .iter()
                .find(|g| &g.object_id == id)
                .map_or_else(|| id.clone(), |g| g.name.clone()),
        };
        if app.groups_claim && !user.group_ids.is_empty() {
            if user.group_ids.len() > GROUPS_OVERAGE_LIMIT {
                out.push(one(
                    "http://schemas.microsoft.com/claims/groups.link".into(),
                    &format!(
                        "https://graph.windows.net/{tid}/users/{}/getMemberObjects",
                        user.object_id
                    ),
                ));
            } else {
                out.push(Attribute {
                    name: format!("{MS_WS_CLAIMS}/groups"),
                    values: user.group_ids.iter().map(group_value).collect(),
                });
            }
        }
        out.push(one(
            format!("{MS_CLAIMS}/identityprovider"),
            &user
                .identity_provider
                .clone()
                .unwrap_or_else(|| self.entity_id()),
        ));
        out.push(Attribute {
            name: AMR_CLAIM.into(),
            values: user
                .authn_methods
                .iter()
                .map(|m| m.uri().to_owned())
                .collect(),
        });
        for claim in &app.claims {
            let value = match &claim.source {
                ClaimSource::Attribute(a) => user.attribute(a),
                ClaimSource::Constant(c) => Some(c.clone()),
            };
            // Entra omits a claim whose source attribute is empty.
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                out.push(one(claim.name.clone(), &v));
            }
        }
        match &app.claim_order {
            None => out,
            Some(order) => order
                .iter()
                .filter_map(|short| {
                    out.iter()
                        .find(|a| {
                            a.name
                                .rsplit('/')
                                .next()
                                .is_some_and(|n| n.eq_ignore_ascii_case(short))
                        })
                        .cloned()
                })
                .collect(),
        }
    }

    /// The NameID value for `user` in `app` under `format`.
    pub fn name_id(&self, app: &App, user: &User, format: NameIdFormat) -> String {
        match format {
            NameIdFormat::Persistent => {
                // 43 characters of unpadded base64url, as in the captures.
                let h =
                    openssl::sha::sha256(format!("{}:{}", app.app_id, user.object_id).as_bytes());
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(h)
            }
            NameIdFormat::Transient => self.ids.next(),
            NameIdFormat::EmailAddress | NameIdFormat::Unspecified => {
                user.attribute(&app.name_id_source).unwrap_or_default()
            }
        }
    }

    /// An unsigned login response for `user` in `app`, posted to `acs`.
    pub fn login_response(
        &self,
        app: &App,
        user: &User,
        acs: &str,
        in_response_to: Option<&str>,
        requested_format: Option<NameIdFormat>,
        now: OffsetDateTime,
    ) -> LoginResponse {
        let format = requested_format
            .filter(|f| *f != NameIdFormat::Unspecified)
            .unwrap_or(app.name_id_format);
        let t0 = if app.whole_second_times {
            now.replace_nanosecond(0).unwrap_or(now)
        } else {
            now
        };
        LoginResponse {
            issuer: self.entity_id(),
            destination: acs.to_owned(),
            recipient: acs.to_owned(),
            in_response_to: in_response_to.map(str::to_owned),
            audience: app.audience_for(&app.identifiers[0], in_response_to.is_none()),
            name_id_format: format.uri().to_owned(),
            name_id: self.name_id(app, user, format),
            attributes: self.attributes(app, user),
            token_time: t0,
            authn_instant: t0 - user.authn_age,
            authn_context_class: match user.authn_methods.first() {
                Some(AuthnMethod::Windows) => WINDOWS_CLASS.into(),
                Some(AuthnMethod::X509) => AC_X509.into(),
                _ => AC_PASSWORD.into(),
            },
            subject_confirmation_lifetime: app.subject_confirmation_lifetime,
            response_id: self.ids.next(),
            assertion_id: self.ids.next(),
            encrypt_to: app.token_encryption_certificate.clone(),
        }
    }

    /// Signs `login` as `app` is configured to (signing option, algorithm, active certificate).
    pub fn sign(&self, app: &App, login: &LoginResponse) -> Result<String, Aadsts> {
        login
            .to_xml(Some(Signing {
                cert: app.active_cert(),
                algorithm: app.algorithm,
                what: app.sign,
            }))
            .map_err(|_| Aadsts::NoSigningKey)
    }

    /// Judges an AuthnRequest as Entra does and, when it passes, signs `upn` (or the default
    /// user) in. `signature` is the Redirect-binding signature, if the query carried one.
    pub fn sso(
        &self,
        req: &AuthnRequest,
        signature: Option<&RedirectSignature>,
        relay_state: Option<String>,
        upn: Option<&str>,
        now: OffsetDateTime,
    ) -> SsoOutcome {
        let (acs, saml_response) = match self.answer(req, signature, upn, now) {
            Err(e) => return SsoOutcome::Error(e),
            Ok(Answer::Status { acs, xml }) => (acs, xml),
            Ok(Answer::Login { app, login }) => match self.sign(app, &login) {
                Ok(xml) => (login.destination, xml),
                Err(e) => return SsoOutcome::Error(e),
            },
        };
        SsoOutcome::Post(AcsPost {
            acs,
            saml_response,
            relay_state,
            beside: None,
        })
    }

    /// What the IdP answers an AuthnRequest with, before signing: the login for the app (which
    /// the harness may alter), a status error to post to the ACS, or an AADSTS error page.
    pub fn answer(
        &self,
        req: &AuthnRequest,
        signature: Option<&RedirectSignature>,
        upn: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Answer<'_>, Aadsts> {
        let (app, acs) = self.check_request(req, signature)?;
        if req.is_passive {
            let xml = self.status_error(&acs, Some(&req.id), Aadsts::NoPassive, now);
            return Ok(Answer::Status { acs, xml });
        }
        let user = self.user_for(app, upn)?;
        let satisfied = satisfied_classes(user);
        if let Some(requested) = authn_context_mismatch(req, &satisfied) {
            return Err(Aadsts::AuthnContextMismatch {
                used: user
                    .authn_methods
                    .iter()
                    .map(|m| method_name(*m))
                    .collect::<Vec<_>>()
                    .join(", "),
                requested,
            });
        }
        let requested_format = req
            .name_id_format
            .as_deref()
            .and_then(NameIdFormat::from_uri);
        let mut login = self.login_response(app, user, &acs, Some(&req.id), requested_format, now);
        if req.force_authn {
            login.authn_instant = login.token_time;
        }
        if let Some(class) = req
            .authn_context_classes
            .iter()
            .find(|c| satisfied.contains(&c.as_str()))
        {
            echo_authn_context(&mut login, class);
        }
        Ok(Answer::Login {
            app,
            login: Box::new(login),
        })
    }

    /// The user who signs in (`upn`, or the default user), if they may use `app`.
    fn user_for(&self, app: &App, upn: Option<&str>) -> Result<&User, Aadsts> {
        let user = self.config.user(upn).ok_or_else(|| match upn {
            Some(upn) => Aadsts::UserNotFound {
                upn: upn.to_string(),
                tenant: self.config.tenant.id.clone(),
            },
            None => Aadsts::InvalidRequest {
                detail: "the directory has no users".into(),
            },
        })?;
        if !user.enabled {
            return Err(Aadsts::UserDisabled {
                upn: user.upn.clone(),
            });
        }
        if !app.is_assigned(user) {
            return Err(Aadsts::NotAssigned {
                app_name: app.name.clone(),
                app_id: app.app_id.clone(),
                upn: user.upn.clone(),
            });
        }
        Ok(user)
    }

    /// The app one of whose Identifiers is `issuer` (AADSTS700016 otherwise).
    fn app_for_issuer(&self, issuer: &str) -> Result<&App, Aadsts> {
        self.config
            .app_by_identifier(issuer)
            .ok_or_else(|| Aadsts::AppNotFound {
                issuer: issuer.to_owned(),
                tenant: self.config.tenant.id.clone(),
            })
    }

    /// The request-level checks, in Entra's order; returns the app and the ACS to post to.
    pub fn check_request(
        &self,
        req: &AuthnRequest,
        signature: Option<&RedirectSignature>,
    ) -> Result<(&App, String), Aadsts> {
        if req.id.is_empty() {
            return Err(Aadsts::InvalidRequest {
                detail: "the AuthnRequest ID is empty".into(),
            });
        }
        if req.id.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(Aadsts::InvalidId { id: req.id.clone() });
        }
        if req.version != "2.0" {
            return Err(Aadsts::InvalidRequest {
                detail: format!(
                    "Version is {:?}; SAML 2.0 requests carry Version=\"2.0\"",
                    req.version
                ),
            });
        }
        if req.has_subject {
            return Err(Aadsts::UnsupportedProperty {
                property: "Subject".into(),
            });
        }
        let app = self.app_for_issuer(&req.issuer)?;
        match signature {
            Some(sig)
                if !app.request_verification_certificates.is_empty()
                    && !sig.verifies_with(&app.request_verification_certificates) =>
            {
                return Err(Aadsts::InvalidRequest { detail: "the request signature does not verify with the app's verification certificates".into() });
            }
            Some(_) => {}
            None if app.require_signed_requests => return Err(Aadsts::UnsignedRequest),
            None => {}
        }
        let acs = match &req.acs_url {
            None => app.default_reply_url.clone(),
            Some(url) if app.reply_urls.contains(url) => url.clone(),
            Some(url) => {
                return Err(Aadsts::ReplyUrlMismatch {
                    app_id: app.app_id.clone(),
                    received: url.clone(),
                    configured: app.reply_urls.clone(),
                })
            }
        };
        if let Some(f) = &req.name_id_format {
            if NameIdFormat::from_uri(f).is_none() {
                return Err(Aadsts::InvalidNameIdPolicy { format: f.clone() });
            }
        }
        Ok((app, acs))
    }

    /// A status-only response carrying `error` (e.g. Responder/NoPassive for AADSTS50058).
    pub fn status_error(
        &self,
        acs: &str,
        in_response_to: Option<&str>,
        error: Aadsts,
        now: OffsetDateTime,
    ) -> String {
        let (status, sub) = match error {
            Aadsts::NoPassive => ("Responder", "NoPassive"),
            _ => ("Requester", "RequestUnsupported"),
        };
        ErrorResponse {
            id: self.ids.next(),
            issuer: self.entity_id(),
            destination: acs.to_owned(),
            in_response_to: in_response_to.map(str::to_owned),
            status: format!("urn:oasis:names:tc:SAML:2.0:status:{status}"),
            sub_status: Some(format!("urn:oasis:names:tc:SAML:2.0:status:{sub}")),
            message: error.message(),
            now,
        }
        .to_xml()
    }

    /// IdP-initiated sign-on ("Test this application", My Apps): no InResponseTo.
    pub fn idp_initiated(
        &self,
        app: &App,
        upn: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<AcsPost, Aadsts> {
        let user = self.user_for(app, upn)?;
        let login = self.login_response(app, user, &app.default_reply_url, None, None, now);
        Ok(AcsPost {
            acs: app.default_reply_url.clone(),
            saml_response: self.sign(app, &login)?,
            relay_state: app.relay_state.clone(),
            beside: None,
        })
    }

    /// Ends the session `session_index` of `name_id` (its `format`) at the SP's single logout
    /// endpoint `destination`: a LogoutRequest by HTTP-Redirect with a query signature by
    /// `app`'s active certificate, as the IdP sends one when the user signs out elsewhere.
    pub fn logout_request(
        &self,
        app: &App,
        name_id: &str,
        format: Option<&str>,
        session_index: Option<&str>,
        destination: &str,
        now: OffsetDateTime,
    ) -> Result<SignedLogoutRequest, Aadsts> {
        let mut name = Element::new("NameID")
            .xmlns(saml_protocol::ASSERTION_NS)
            .text(name_id.to_owned());
        if let Some(format) = format {
            name = name.attr("Format", format.to_owned());
        }
        let mut el = Element::prefixed("samlp", "LogoutRequest")
            .attr("ID", self.ids.next())
            .attr("Version", "2.0")
            .attr("IssueInstant", saml_protocol::saml_time(now))
            .attr("Destination", destination.to_owned())
            .xmlns_prefix("samlp", saml_protocol::PROTOCOL_NS)
            .child(
                Element::new("Issuer")
                    .xmlns(saml_protocol::ASSERTION_NS)
                    .text(self.entity_id()),
            )
            .child(name);
        if let Some(index) = session_index {
            el = el.child(Element::prefixed("samlp", "SessionIndex").text(index.to_owned()));
        }
        let xml = el.to_wire();
        let query = crate::sign::redirect_query(
            "SAMLRequest",
            &xml,
            None,
            app.active_cert(),
            app.algorithm,
        )
        .map_err(|_| Aadsts::NoSigningKey)?;
        // Schema order: Issuer, Signature, Extensions, NameID, SessionIndex.
        crate::sign::sign_enveloped(&mut el, &[], 1, app.active_cert(), app.algorithm)
            .map_err(|_| Aadsts::NoSigningKey)?;
        Ok(SignedLogoutRequest {
            xml,
            query,
            signed_xml: el.to_wire(),
        })
    }

    /// Answers a LogoutRequest with a LogoutResponse (Success) for the app's Logout URL, by
    /// HTTP-Redirect with a query signature, `relay_state` echoed.
    pub fn logout(
        &self,
        req: &LogoutRequest,
        relay_state: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<LogoutOutcome, Aadsts> {
        let app = self.app_for_issuer(&req.issuer)?;
        let destination = app.logout_url.clone().unwrap_or_default();
        let el = Element::prefixed("samlp", "LogoutResponse")
            .attr("ID", self.ids.next())
            .attr("Version", "2.0")
            .attr("IssueInstant", saml_protocol::saml_time(now))
            .attr("Destination", destination.clone())
            .attr("InResponseTo", req.id.clone())
            .xmlns_prefix("samlp", saml_protocol::PROTOCOL_NS)
            .child(
                Element::new("Issuer")
                    .xmlns(saml_protocol::ASSERTION_NS)
                    .text(format!(
                        "https://login.microsoftonline.com/{}/",
                        self.config.tenant.id
                    )),
            )
            .child(
                Element::prefixed("samlp", "Status").child(
                    Element::prefixed("samlp", "StatusCode")
                        .attr("Value", saml_protocol::STATUS_SUCCESS),
                ),
            );
        let xml = el.to_wire();
        let query = crate::sign::redirect_query(
            "SAMLResponse",
            &xml,
            relay_state,
            app.active_cert(),
            app.algorithm,
        )
        .map_err(|_| Aadsts::NoSigningKey)?;
        Ok(LogoutOutcome {
            logout_url: app.logout_url.clone(),
            logout_response: xml,
            query,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-25 10:00 UTC);

    fn idp(yaml: &str) -> Idp {
        Idp::new(Config::from_yaml_str(yaml, "t.yaml", Path::new(".")).unwrap())
    }

    fn names(attrs: &[Attribute]) -> Vec<&str> {
        attrs
            .iter()
            .map(|a| a.name.rsplit('/').next().unwrap_or_default())
            .collect()
    }

    #[test]
    fn response_and_assertion_ids_come_from_the_injected_generator() {
        let idp = Idp::new(Config::builtin()).with_ids(saml_protocol::Ids::sequential("_id-"));
        let post = idp.idp_initiated(&idp.config.apps[0], None, NOW).unwrap();
        let xml = post.saml_response;
        assert!(
            xml.contains(r#"ID="_id-1""#) && xml.contains(r#"ID="_id-2""#),
            "{xml}"
        );
    }

    #[test]
    fn more_than_150_groups_become_the_groups_link_claim() {
        let groups: String = (0..151).map(|i| format!("  - name: g{i}\n")).collect();
        let member_of: Vec<String> = (0..151).map(|i| format!("g{i}")).collect();
        let yaml = format!(
            "groups:\n{groups}users:\n  - upn: a@x.test\n    groups: [{}]\napplications:\n  - {{name: a, identifiers: [i], reply_urls: [r], groups_claim: true}}\n",
            member_of.join(", ")
        );
        let idp = idp(&yaml);
        let attrs = idp.attributes(&idp.config.apps[0], &idp.config.users[0]);
        assert!(attrs
            .iter()
            .any(|a| a.name == "http://schemas.microsoft.com/claims/groups.link"));
        assert!(!attrs.iter().any(|a| a.name.ends_with("/claims/groups")));
        // 150 exactly still lists them.
        let yaml = yaml.replace(", g150]", "]");
        let idp2 = self::idp(&yaml);
        let attrs = idp2.attributes(&idp2.config.apps[0], &idp2.config.users[0]);
        assert_eq!(
            attrs
                .iter()
                .find(|a| a.name.ends_with("/claims/groups"))
                .unwrap()
                .values
                .len(),
            150
        );
    }

    #[test]
    fn automatic_claims_come_first_in_entras_order() {
        let idp = idp("applications:\n  - {name: a, identifiers: [i], reply_urls: [r], app_roles: [{value: R, assigned: [B.Simon@contoso.com]}]}\n");
        let attrs = idp.attributes(&idp.config.apps[0], idp.config.user(None).unwrap());
        assert_eq!(
            names(&attrs),
            [
                "tenantid",
                "objectidentifier",
                "displayname",
                "role",
                "identityprovider",
                "authnmethodsreferences",
                "givenname",
                "surname",
                "emailaddress",
                "name"
            ]
        );
    }

    #[test]
    fn name_id_formats_behave_like_entras() {
        let idp = idp("applications:\n  - {name: a, identifiers: [i], reply_urls: [r]}\n  - {name: b, identifiers: [j], reply_urls: [s]}\n");
        let (a, b, user) = (
            &idp.config.apps[0],
            &idp.config.apps[1],
            idp.config.user(None).unwrap(),
        );
        let persistent = idp.name_id(a, user, NameIdFormat::Persistent);
        assert_eq!(
            persistent,
            idp.name_id(a, user, NameIdFormat::Persistent),
            "stable per app"
        );
        assert_ne!(
            persistent,
            idp.name_id(b, user, NameIdFormat::Persistent),
            "pairwise: differs per app"
        );
        // As in the captures: 43 characters of unpadded base64url.
        assert_eq!(persistent.len(), 43, "{persistent}");
        assert!(persistent
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_ne!(
            idp.name_id(a, user, NameIdFormat::Transient),
            idp.name_id(a, user, NameIdFormat::Transient)
        );
        assert_eq!(
            idp.name_id(a, user, NameIdFormat::EmailAddress),
            "B.Simon@contoso.com"
        );
        // A NameIDPolicy format in the request wins over the app's setting (unspecified does not).
        let req = AuthnRequest {
            id: "_r".into(),
            version: "2.0".into(),
            issuer: "i".into(),
            name_id_format: Some(NameIdFormat::Persistent.uri().into()),
            ..Default::default()
        };
        let SsoOutcome::Post(post) = idp.sso(&req, None, None, None, NOW) else {
            panic!("expected a login")
        };
        assert!(post.saml_response.contains(&format!(
            "Format=\"{}\">{persistent}<",
            NameIdFormat::Persistent.uri()
        )));
    }

    /// The signed-in login Entra gives `req` (built-in app and user).
    fn login_for(idp: &Idp, req: AuthnRequest) -> LoginResponse {
        let req = AuthnRequest {
            id: "_r".into(),
            version: "2.0".into(),
            issuer: idp.config.apps[0].identifiers[0].clone(),
            ..req
        };
        match idp.answer(&req, None, None, NOW) {
            Ok(Answer::Login { login, .. }) => *login,
            Ok(Answer::Status { xml, .. }) => panic!("a status answer: {xml}"),
            Err(e) => panic!("{}", e.message()),
        }
    }

    #[test]
    fn a_requested_password_protected_transport_is_echoed_as_entra_does() {
        let idp = Idp::new(Config::builtin());
        let amr = |l: &LoginResponse| {
            l.attributes
                .iter()
                .find(|a| a.name == AMR_CLAIM)
                .unwrap()
                .values
                .clone()
        };
        let plain = login_for(&idp, AuthnRequest::default());
        assert_eq!(plain.authn_context_class, AC_PASSWORD);
        assert_eq!(amr(&plain), [AuthnMethod::Password.uri()]);
        let ppt = login_for(
            &idp,
            AuthnRequest {
                authn_context_classes: vec![AC_X509.into(), AC_PPT.into()],
                ..Default::default()
            },
        );
        assert_eq!(
            ppt.authn_context_class, AC_PPT,
            "the first requested class met"
        );
        assert_eq!(amr(&ppt), [AC_PPT]);
        let xml = ppt.to_xml(None).unwrap();
        assert!(xml.contains(&format!(
            "<AuthnContextClassRef>{}</AuthnContextClassRef>",
            AC_PPT
        )));
    }

    #[test]
    fn authn_instant_is_the_users_session_age_before_the_token_unless_forced() {
        let idp = idp("users:\n  - {upn: a@x.test}\n  - {upn: old@x.test, authn_age_seconds: 86400}\napplications:\n  - {name: a, identifiers: [i], reply_urls: [r]}\n");
        let app = &idp.config.apps[0];
        let fresh = idp.login_response(app, &idp.config.users[0], "r", None, None, NOW);
        assert_eq!(fresh.authn_instant, NOW - time::Duration::seconds(3));
        let old = idp.login_response(app, &idp.config.users[1], "r", None, None, NOW);
        assert_eq!(old.authn_instant, NOW - time::Duration::days(1));
        let forced = login_for(
            &idp,
            AuthnRequest {
                force_authn: true,
                ..Default::default()
            },
        );
        assert_eq!(forced.authn_instant, NOW);
    }

    #[test]
    fn spn_audiences_appear_only_in_idp_initiated_sign_on_with_the_app_id() {
        let idp = idp("applications:\n  - {name: a, identifiers: [alchemy], reply_urls: [r], audience_spn_prefix: true}\n");
        let app = &idp.config.apps[0];
        let post = idp.idp_initiated(app, None, NOW).unwrap();
        assert!(post
            .saml_response
            .contains(&format!("<Audience>spn:{}</Audience>", app.app_id)));
        let sp_initiated = login_for(&idp, AuthnRequest::default());
        assert_eq!(sp_initiated.audience, "alchemy");
    }

    #[test]
    fn authn_context_mismatches_name_methods_as_entra_does() {
        let idp = Idp::new(Config::builtin());
        let req = AuthnRequest {
            id: "_r".into(),
            version: "2.0".into(),
            issuer: idp.config.apps[0].identifiers[0].clone(),
            authn_context_classes: vec!["urn:oasis:names:tc:SAML:2.0:ac:classes:X509".into()],
            ..Default::default()
        };
        let Err(e) = idp.answer(&req, None, None, NOW) else {
            panic!("expected AADSTS75011")
        };
        assert_eq!(e.code(), 75011);
        let text = e.message();
        assert!(
            text.contains("'Password, ProtectedTransport' by which")
                && text.contains("method 'X509'"),
            "{text}"
        );
        // A certificate user meets X509 (and gets no PasswordProtectedTransport echo).
        let x509 = self::tests::idp("users:\n  - {upn: c@x.test, authn_methods: [x509]}\napplications:\n  - {name: a, identifiers: [i], reply_urls: [r]}\n");
        let login = login_for(
            &x509,
            AuthnRequest {
                authn_context_classes: vec![AC_X509.into()],
                ..Default::default()
            },
        );
        assert_eq!(login.authn_context_class, AC_X509);
        let ppt = x509.answer(
            &AuthnRequest {
                id: "_r".into(),
                version: "2.0".into(),
                issuer: "i".into(),
                authn_context_classes: vec![AC_PPT.into()],
                ..Default::default()
            },
            None,
            None,
            NOW,
        );
        let Err(e) = ppt else {
            panic!("a certificate user cannot meet PasswordProtectedTransport")
        };
        assert!(e.message().contains("'X509' by which"), "{}", e.message());
    }

    #[test]
    fn a_user_disabled_in_the_config_gets_aadsts50057() {
        let idp = idp(concat!(
            "users:\n  - upn: a@x.test\n    enabled: false\n  - upn: b@x.test\n",
            "applications:\n  - name: a\n    identifiers: [i]\n    reply_urls: [r]\n",
        ));
        let app = &idp.config.apps[0];
        let refused = idp.user_for(app, Some("a@x.test")).unwrap_err();
        assert_eq!(refused.code(), 50057, "{}", refused.message());
        assert!(idp.user_for(app, Some("b@x.test")).is_ok());
    }

    #[test]
    fn claims_follow_the_apps_order_and_the_users_sign_in_as_captures_show() {
        let idp = idp(concat!(
            "groups:\n  - {name: Sales, object_id: 11111111-1111-4111-8111-111111111111}\n",
            "users:\n  - upn: a@x.test\n    surname: Simon\n    groups: [Sales]\n",
            "    identity_provider: https://sts.windows.net/home-tenant/\n",
            "    authn_methods: [windows, multipleauthn]\n",
            "applications:\n  - name: a\n    identifiers: [i]\n    reply_urls: [r]\n",
            "    groups_claim: true\n    groups_values: name\n",
            "    claim_order: [tenantid, objectidentifier, name, surname, givenname, groups, identityprovider, authnmethodsreferences, emailaddress]\n",
        ));
        let (app, user) = (&idp.config.apps[0], &idp.config.users[0]);
        let attrs = idp.attributes(app, user);
        assert_eq!(
            names(&attrs),
            [
                "tenantid",
                "objectidentifier",
                "name",
                "surname",
                "givenname",
                "groups",
                "identityprovider",
                "authnmethodsreferences",
                "emailaddress"
            ],
            "interleaved, no displayname"
        );
        let value = |n: &str| {
            attrs
                .iter()
                .find(|a| a.name.ends_with(n))
                .unwrap()
                .values
                .clone()
        };
        assert_eq!(value("/groups"), ["Sales"]);
        assert_eq!(
            value("/identityprovider"),
            ["https://sts.windows.net/home-tenant/"]
        );
        assert_eq!(
            value("/authnmethodsreferences"),
            [AuthnMethod::Windows.uri(), AuthnMethod::Multipleauthn.uri()]
        );
        let login = idp.login_response(app, user, "r", None, None, NOW);
        assert_eq!(login.authn_context_class, WINDOWS_CLASS);
        let bad = Config::from_yaml_str(
            "applications:\n  - {name: a, identifiers: [i], reply_urls: [r], claim_order: [displayname, emailadress]}\n",
            "t.yaml",
            Path::new("."),
        )
        .unwrap_err();
        assert!(bad.to_string().contains("emailadress"), "{bad}");
        for (yaml, says) in [
            ("users:\n  - {upn: a@x.test, authn_age_seconds: -5}\n", "out of range"),
            ("users:\n  - {upn: a@x.test, authn_methods: []}\n", "is empty"),
            (
                "applications:\n  - {name: a, identifiers: [i], reply_urls: [r], claim_order: [tenantid, tenantid]}\n",
                "listed twice",
            ),
        ] {
            let err = Config::from_yaml_str(yaml, "t.yaml", Path::new(".")).unwrap_err();
            assert!(err.to_string().contains(says), "{err}");
        }
    }

    #[test]
    fn whole_second_times_put_the_token_time_on_a_second() {
        let idp = idp("applications:\n  - {name: a, identifiers: [i], reply_urls: [r], whole_second_times: true}\n");
        let now = datetime!(2026-11-25 10:00:00.537 UTC);
        let login = idp.login_response(
            &idp.config.apps[0],
            &idp.config.users[0],
            "r",
            None,
            None,
            now,
        );
        assert_eq!(login.token_time, datetime!(2026-11-25 10:00:00 UTC));
        let xml = login.to_xml(None).unwrap();
        assert!(
            xml.contains("NotBefore=\"2026-11-25T09:55:00.000Z\""),
            "{xml}"
        );
        // With ForceAuthn the sign-in is the token time, never after it.
        let req = AuthnRequest {
            id: "_r".into(),
            version: "2.0".into(),
            issuer: "i".into(),
            force_authn: true,
            ..Default::default()
        };
        let Ok(Answer::Login { login, .. }) = idp.answer(&req, None, None, now) else {
            panic!("expected a login")
        };
        assert_eq!(login.authn_instant, login.token_time);
    }

    #[test]
    fn expired_and_not_yet_valid_certificates_can_be_configured() {
        let idp = idp("applications:\n  - name: a\n    identifiers: [i]\n    reply_urls: [r]\n    certificates:\n      - {not_before: 2020-01-01T00:00:00Z, not_after: 2021-01-01T00:00:00Z, active: true}\n      - {not_before: 2030-01-01T00:00:00Z}\n");
        let certs = &idp.config.apps[0].certificates;
        assert_eq!(
            certs[0].x509().not_after().to_string(),
            "Jan  1 00:00:00 2021 GMT"
        );
        assert_eq!(
            certs[1].x509().not_before().to_string(),
            "Jan  1 00:00:00 2030 GMT"
        );
        assert_eq!(
            certs[1].x509().not_after().to_string(),
            "Jan  1 00:00:00 2033 GMT",
            "3 years"
        );
        assert_eq!(idp.config.apps[0].active_certificate, 0);
    }
}
