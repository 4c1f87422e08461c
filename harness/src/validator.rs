//! `conformance --profile entra-app-validator`: the SAML scenarios of Microsoft's Entra App
//! Validator (the Edge extension an ISV runs against a real tenant before a gallery
//! submission), run offline against the mock tenant and reported in its terms.
//!
//! For each declared flow — "SP sign-in (your app's login page)", "IdP sign-in (My Apps)" —
//! the validator runs "Working certificate" (required: the sign-in works), "Expired
//! certificate" (required: with an expired signing certificate active in Entra the sign-in
//! must fail) and "Single Logout" (optional: a LogoutRequest is sent after sign-out; "My app
//! does not support this" is recorded), and asks for an identity-mapping declaration (which
//! token value the app matches its user by). Source: Microsoft Learn, "Validate a SAML single
//! sign-on app for Microsoft Entra App Gallery onboarding" (entra-docs,
//! validate-saml-single-sign-on-app-gallery.md).

use std::sync::Arc;
use std::time::{Duration, Instant};

use mock_idp::cert::SigningCert;
use mock_idp::idp::Idp;

use crate::driver::{http, Target};
use crate::flow::{parse_url, Browser, Limits};
use crate::oracle::{probe, Session};
use crate::respond::{CaseEnd, Responder};
use crate::runner::{Exchange, Message, Outcome, Verdict};
use crate::scenario::{Expect, Scenario};

/// A sign-in flow an app declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Flow {
    /// "SP sign-in (your app's login page)": SP-initiated.
    Sp,
    /// "IdP sign-in (My Apps)": IdP-initiated, an unsolicited response posted to the ACS.
    Idp,
}

impl Flow {
    /// The validator's section title for the flow.
    fn section(self) -> &'static str {
        match self {
            Flow::Sp => "SP sign-in (your app's login page)",
            Flow::Idp => "IdP sign-in (My Apps)",
        }
    }

    /// The id segment of the flow's verdicts.
    fn segment(self) -> &'static str {
        match self {
            Flow::Sp => "sp",
            Flow::Idp => "idp",
        }
    }
}

/// The token value an app says it matches its user by (the identity-mapping declaration).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mapping {
    /// The user's object ID (immutable).
    ObjectId,
    /// The user principal name (can change).
    Upn,
    /// The email address (can change).
    Email,
    /// The employee ID.
    EmployeeId,
    /// The on-premises SAM account name.
    SamAccountName,
    /// A named claim of the app's own.
    Claim(String),
}

impl Mapping {
    /// `objectid`, `upn`, `email`, `employeeid`, `samaccountname` or `claim:NAME`.
    pub fn parse(s: &str) -> Result<Mapping, String> {
        Ok(match s {
            "objectid" => Mapping::ObjectId,
            "upn" => Mapping::Upn,
            "email" => Mapping::Email,
            "employeeid" => Mapping::EmployeeId,
            "samaccountname" => Mapping::SamAccountName,
            _ => match s.strip_prefix("claim:").filter(|n| !n.is_empty()) {
                Some(name) => Mapping::Claim(name.to_owned()),
                None => {
                    return Err(format!(
                        "{s:?} is no identity mapping; use objectid, upn, email, employeeid, samaccountname or claim:NAME"
                    ))
                }
            },
        })
    }

    /// How the declaration reads in the report.
    fn describe(&self) -> String {
        match self {
            Mapping::ObjectId => "object ID".into(),
            Mapping::Upn => "UPN".into(),
            Mapping::Email => "email".into(),
            Mapping::EmployeeId => "employee ID".into(),
            Mapping::SamAccountName => "on-premises SAM account name".into(),
            Mapping::Claim(n) => format!("the claim {n}"),
        }
    }

    /// The claim names (as Entra sends them) that carry this value.
    fn claims(&self) -> Vec<String> {
        match self {
            Mapping::ObjectId => {
                vec!["http://schemas.microsoft.com/identity/claims/objectidentifier".into()]
            }
            Mapping::Upn => {
                vec!["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name".into()]
            }
            Mapping::Email => {
                vec!["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress".into()]
            }
            Mapping::EmployeeId => vec!["employeeid".into()],
            Mapping::SamAccountName => vec![
                "samaccountname".into(),
                "http://schemas.microsoft.com/ws/2008/06/identity/claims/windowsaccountname".into(),
            ],
            Mapping::Claim(n) => vec![n.clone()],
        }
    }

    /// Whether the value can change for the same person (Microsoft: pair it with an
    /// immutable one, such as the object ID).
    fn mutable(&self) -> bool {
        matches!(self, Mapping::Upn | Mapping::Email)
    }
}

/// What the profile runs.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The flows the app declares.
    pub flows: Vec<Flow>,
    /// The SP's sign-out URL, when it does Single Logout.
    pub logout_url: Option<String>,
    /// The identity-mapping declaration.
    pub mapping: Option<Mapping>,
}

/// One validator scenario's result, in its terms.
pub struct Row {
    /// The section ("SP sign-in (your app's login page)", or "Identity mapping").
    pub section: &'static str,
    /// The scenario's name ("Working certificate", …).
    pub name: &'static str,
    /// Whether it counts toward SAML completion.
    pub required: bool,
    /// passed, failed, not supported (recorded) or could not run, as a verdict.
    pub verdict: Verdict,
}

impl Row {
    /// The result word the report shows.
    pub fn result(&self) -> &'static str {
        match self.verdict.outcome {
            Outcome::Pass => "passed",
            Outcome::Fail | Outcome::Vulnerable | Outcome::Nonstrict => "failed",
            Outcome::NotApplicable => "not supported",
            Outcome::Inconclusive | Outcome::Error => "could not run",
        }
    }
}

/// The expired signing certificate "Expired certificate" activates: a key of its own, made
/// now (as `New-SelfSignedCertificate` in Microsoft's procedure makes one, so no tenant or SP
/// can already trust it), valid from two years ago to one year ago, in Entra's certificate
/// shape.
fn expired_certificate(now: time::OffsetDateTime) -> Result<SigningCert, String> {
    let key = openssl::rsa::Rsa::generate(2048)
        .and_then(openssl::pkey::PKey::from_rsa)
        .map_err(|e| e.to_string())?;
    SigningCert::generate(
        key,
        now - time::Duration::days(730),
        now - time::Duration::days(365),
    )
    .map_err(|e| e.to_string())
}

/// Everything a run needs, resolved once.
struct Bench<'a> {
    scenario: &'a Scenario,
    limits: Limits,
    origins: Vec<url::Url>,
    working: Arc<Idp>,
    expired: Arc<Idp>,
    clock: saml_protocol::Clock,
    expected: Option<String>,
}

/// Runs the profile's scenarios against the SP `scenario` describes; one row each, in the
/// validator's order.
pub async fn run(
    scenario: &Scenario,
    plan: &Plan,
    limits: Limits,
    clock: saml_protocol::Clock,
) -> Vec<Row> {
    let sp = match crate::runner::resolve_sp(scenario, limits).await {
        Ok(sp) => sp,
        Err(e) => {
            return vec![row(
                scenario,
                "could-not-start",
                "Working certificate",
                Flow::Sp.section(),
                true,
                Expect::Accept,
                (Outcome::Error, format!("could not run: {e}")),
            )]
        }
    };
    let working = crate::runner::idp_for(scenario, &sp);
    let mut expired = Idp::new(working.config.clone());
    match expired_certificate(clock()) {
        Ok(cert) => {
            if let Some(app) = expired.config.apps.first_mut() {
                app.certificates = vec![cert];
                app.active_certificate = 0;
            }
        }
        Err(e) => {
            return vec![row(
                scenario,
                "could-not-start",
                "Expired certificate",
                Flow::Sp.section(),
                true,
                Expect::Reject,
                (
                    Outcome::Error,
                    format!("could not make the expired certificate: {e}"),
                ),
            )]
        }
    }
    let origins = crate::runner::sp_origins(scenario, &sp);
    let bench = Bench {
        scenario,
        limits,
        origins,
        working: Arc::new(working),
        expired: Arc::new(expired),
        clock,
        expected: scenario
            .cases
            .iter()
            .find(|c| c.expect == Expect::Accept)
            .and_then(|c| c.identity.clone()),
    };
    let mut rows = Vec::new();
    // The control: with no sign-in at all the protected page must not look signed in, or a
    // "working" sign-in proves nothing (and an expired one would be blamed wrongly).
    match probe(&bench.browser(), &scenario.sp.oracle).await {
        Ok(Session::SignedIn { .. }) => {
            rows.push(row(
                scenario,
                "could-not-start",
                "Working certificate",
                Flow::Sp.section(),
                true,
                Expect::Accept,
                (
                    Outcome::Error,
                    format!("could not run: the protected page {} answers as signed in with no sign-in at all; hint: `sp.oracle.url` must need a session", scenario.sp.oracle.url),
                ),
            ));
            return rows;
        }
        Err(e) => {
            rows.push(row(
                scenario,
                "could-not-start",
                "Working certificate",
                Flow::Sp.section(),
                true,
                Expect::Accept,
                (Outcome::Error, format!("could not run: {e}")),
            ));
            return rows;
        }
        Ok(_) => {}
    }
    // The token of the first working sign-in, and who the protected page showed then.
    let mut token: Option<(String, Option<String>)> = None;
    for flow in &plan.flows {
        let id = |name: &str| format!("{}/{name}", flow.segment());
        // Working certificate, then Single Logout in the same browser session.
        let started = Instant::now();
        let browser = bench.browser();
        let working = bench.sign_in(*flow, &bench.working, &browser).await;
        let worked = working.as_ref().ok().filter(|w| w.signed_in_as_expected());
        let (signed_in, idp_origin, name_id) = match worked {
            Some(w) => (true, w.idp_origin.clone(), Some(w.name_id.clone())),
            None => (false, None, None),
        };
        if let (Some(w), None) = (worked, &token) {
            token = w
                .exchange
                .response
                .as_ref()
                .map(|m| (m.xml.clone(), w.shown.clone()));
        }
        rows.push(bench.row(
            &id("working-certificate"),
            "Working certificate",
            flow.section(),
            true,
            Expect::Accept,
            working.map(SignIn::into_working),
            started,
        ));
        let started = Instant::now();
        let expired = bench
            .sign_in(*flow, &bench.expired, &bench.browser())
            .await
            .map(|e| e.into_expired(signed_in));
        rows.push(bench.row(
            &id("expired-certificate"),
            "Expired certificate",
            flow.section(),
            true,
            Expect::Reject,
            expired,
            started,
        ));
        let started = Instant::now();
        let logout = match (&plan.logout_url, name_id) {
            (None, _) => Ok((
                Outcome::NotApplicable,
                "My app does not support this (recorded; give --logout-url to run it)".into(),
                Exchange::default(),
            )),
            (Some(_), None) => Ok((
                Outcome::Inconclusive,
                "the sign-in before it did not work".into(),
                Exchange::default(),
            )),
            (Some(url), Some(name_id)) => {
                let limit = bench.limits.case_timeout;
                let expect = Logout {
                    origins: &bench.origins,
                    idp: idp_origin.as_ref(),
                    name_id: &name_id,
                    max_redirects: bench.limits.max_redirects,
                };
                tokio::time::timeout(limit, single_logout(url, &browser, &expect))
                    .await
                    .unwrap_or_else(|_| {
                        Err(CaseEnd::Error(format!(
                            "signing out took longer than {limit:?}; hint: raise --case-timeout"
                        )))
                    })
            }
        };
        rows.push(bench.row(
            &id("single-logout"),
            "Single Logout",
            flow.section(),
            false,
            Expect::Accept,
            logout,
            started,
        ));
    }
    let (token, shown) = match &token {
        Some((xml, shown)) => (Some(xml.as_str()), shown.as_deref()),
        None => (None, None),
    };
    rows.push(identity_mapping(
        scenario,
        plan.mapping.as_ref(),
        token,
        shown,
    ));
    rows
}

/// What one sign-in ended with.
struct SignIn {
    /// Who the protected page showed afterwards.
    session: Session,
    /// The ACS's answer, in one line.
    answer: String,
    /// The messages.
    exchange: Exchange,
    /// The identity the sign-in should show (the accept case's, else the token's NameID).
    expected: String,
    /// The token's NameID.
    name_id: String,
    /// Who the protected page showed, when its identity rule found someone.
    shown: Option<String>,
    /// Where the SP sent its AuthnRequest (SP flow): the IdP as the SP knows it.
    idp_origin: Option<url::Origin>,
}

impl SignIn {
    /// Whether the expected user is signed in.
    fn signed_in_as_expected(&self) -> bool {
        match &self.session {
            Session::SignedIn { identity: None } => true,
            Session::SignedIn { identity: Some(id) } => *id == self.expected,
            _ => false,
        }
    }

    /// "Working certificate": the expected user must be signed in.
    fn into_working(self) -> (Outcome, String, Exchange) {
        let reason = match &self.session {
            Session::SignedIn { identity: None } => format!("signed in ({})", self.answer),
            Session::SignedIn { identity: Some(id) } if *id == self.expected => {
                format!("signed in as {id}")
            }
            Session::SignedIn { identity: Some(id) } => {
                format!("signed in as {id:?}, expected {:?}", self.expected)
            }
            Session::SignedOut { how } | Session::Unidentified { how } => {
                format!("no session: {}; {how}", self.answer)
            }
        };
        let outcome = if self.signed_in_as_expected() {
            Outcome::Pass
        } else {
            Outcome::Fail
        };
        (outcome, reason, self.exchange)
    }

    /// "Expired certificate": nobody may be signed in; a refusal counts only when the working
    /// certificate's sign-in worked, and a page the identity rule cannot read proves nothing.
    fn into_expired(self, working_signed_in: bool) -> (Outcome, String, Exchange) {
        let answer = &self.answer;
        let (outcome, reason) = match &self.session {
            Session::SignedIn { identity } => (
                Outcome::Fail,
                format!(
                    "signed in{} with a response signed by an expired certificate ({answer})",
                    identity.as_deref().map(|i| format!(" as {i}")).unwrap_or_default()
                ),
            ),
            Session::Unidentified { how } => (
                Outcome::Inconclusive,
                format!("the protected page answered but its identity rule found nobody ({how}); cannot tell whether the sign-in failed"),
            ),
            Session::SignedOut { how } if !working_signed_in => (
                Outcome::Inconclusive,
                format!("refused ({answer}; {how}), but so was the working certificate's sign-in, so the refusal proves nothing"),
            ),
            Session::SignedOut { how } => (
                Outcome::Pass,
                format!("sign-in failed, as it must: {answer}; {how}"),
            ),
        };
        (outcome, reason, self.exchange)
    }
}

impl Bench<'_> {
    /// A fresh browser allowed on the SP's origins.
    fn browser(&self) -> Browser {
        let origins: Vec<&url::Url> = self.origins.iter().collect();
        Browser::new(self.limits, &origins)
    }

    /// One sign-in by `flow` with `idp` signing, in `browser`, within the case time limit.
    async fn sign_in(
        &self,
        flow: Flow,
        idp: &Arc<Idp>,
        browser: &Browser,
    ) -> Result<SignIn, CaseEnd> {
        let limit = self.limits.case_timeout;
        let attempt = async {
            match flow {
                Flow::Sp => self.sp_initiated(idp, browser).await,
                Flow::Idp => self.idp_initiated(idp, browser).await,
            }
        };
        let (session, answer, exchange, name_id) =
            tokio::time::timeout(limit, attempt).await.map_err(|_| {
                CaseEnd::Error(format!(
                    "the sign-in took longer than {limit:?}; hint: raise --case-timeout"
                ))
            })??;
        let shown = match &session {
            Session::SignedIn { identity } => identity.clone(),
            _ => None,
        };
        let idp_origin = exchange
            .authn_request
            .as_ref()
            .and_then(|m| url::Url::parse(&m.to).ok())
            .map(|u| u.origin());
        Ok(SignIn {
            session,
            answer,
            exchange,
            expected: self.expected.clone().unwrap_or_else(|| name_id.clone()),
            name_id,
            shown,
            idp_origin,
        })
    }

    /// SP-initiated: the sign-on URL, the AuthnRequest answered by `idp`, the ACS, the oracle.
    async fn sp_initiated(
        &self,
        idp: &Arc<Idp>,
        browser: &Browser,
    ) -> Result<(Session, String, Exchange, String), CaseEnd> {
        let target = Target {
            scenario: self.scenario,
            limits: self.limits,
            origins: &self.origins,
            start: None,
        };
        let responder = Responder::new(
            idp.clone(),
            self.scenario.user.clone(),
            None,
            None,
            self.clock.clone(),
        );
        let attempt = http::attempt_in(browser, &target, responder).await?;
        let exchange = Exchange::of(&attempt);
        Ok((
            attempt.session,
            attempt.acs_answer,
            exchange,
            attempt.delivered.name_id,
        ))
    }

    /// IdP-initiated, as My Apps does it: `idp`'s unsolicited response posted to the ACS.
    async fn idp_initiated(
        &self,
        idp: &Arc<Idp>,
        browser: &Browser,
    ) -> Result<(Session, String, Exchange, String), CaseEnd> {
        let app = idp
            .config
            .apps
            .first()
            .ok_or_else(|| CaseEnd::Error("the tenant has no application".into()))?;
        let post = idp
            .idp_initiated(app, self.scenario.user.as_deref(), (self.clock)())
            .map_err(|e| {
                CaseEnd::Error(format!("the mock IdP could not sign in: {}", e.message()))
            })?;
        let acs = parse_url(&post.acs)?;
        let answer = browser.post_form(&acs, &post.form_fields()).await?;
        let acs_answer = format!("ACS answered {}", answer.summary());
        let left_for = browser.exit(answer).await.unwrap_or(None);
        let session = probe(browser, &self.scenario.sp.oracle).await?;
        let name_id = crate::respond::name_id_of(&post.saml_response);
        let exchange = Exchange {
            authn_request: None,
            response: Some(Message {
                binding: "POST (unsolicited)".into(),
                to: post.acs.clone(),
                xml: post.saml_response.clone(),
            }),
            original: None,
            acs_answer: Some(acs_answer.clone()),
            left_for,
        };
        Ok((session, acs_answer, exchange, name_id))
    }
}

/// What a sign-out must show to pass Single Logout.
struct Logout<'a> {
    /// The SP's origins: redirects among them are followed; a SAMLRequest there is the SP's own.
    origins: &'a [url::Url],
    /// The IdP the SP sent its AuthnRequest to (SP flow), which the LogoutRequest must reach.
    idp: Option<&'a url::Origin>,
    /// The NameID of the session being ended.
    name_id: &'a str,
    /// Redirects followed at most.
    max_redirects: usize,
}

/// Single Logout: in the signed-in `browser`, the SP's sign-out URL must send the browser to
/// the IdP (off the SP's origins, to the IdP it signs in with when that is known) carrying a
/// LogoutRequest for the signed-in user's NameID: what the validator captures after sign-out.
async fn single_logout(
    logout_url: &str,
    browser: &Browser,
    expect: &Logout<'_>,
) -> Result<(Outcome, String, Exchange), CaseEnd> {
    use mock_idp::request::{decode, parse, Binding, SpRequest};
    let own = |u: &url::Url| expect.origins.iter().any(|o| o.origin() == u.origin());
    let mut url = parse_url(logout_url)?;
    for _ in 0..=expect.max_redirects {
        let page = browser.get(&url).await?;
        let redirect = page
            .location
            .clone()
            .filter(|_| (300..400).contains(&page.status));
        let request = match (&redirect, crate::flow::saml_form(&page, "SAMLRequest")) {
            (Some(next), _) if next.query_pairs().any(|(k, _)| k == "SAMLRequest") => {
                let value = next
                    .query_pairs()
                    .find(|(k, _)| k == "SAMLRequest")
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                Some((next.clone(), decode(&value, Binding::Redirect)))
            }
            (_, Some(form)) => Some((
                form.action.clone(),
                decode(form.field("SAMLRequest").unwrap_or_default(), Binding::Post),
            )),
            _ => None,
        };
        if let Some((to, xml)) = request {
            let xml = xml.map_err(|e| {
                CaseEnd::Fail(format!(
                    "the SP's sign-out sent an unreadable SAMLRequest: {}",
                    e.message()
                ))
            })?;
            let exchange = Exchange {
                authn_request: Some(Message {
                    binding: "LogoutRequest".into(),
                    to: to.to_string(),
                    xml: xml.clone(),
                }),
                ..Exchange::default()
            };
            let fail = |why: String| Ok((Outcome::Fail, why, exchange.clone()));
            if own(&to) {
                return fail(format!(
                    "the SP's sign-out sent its SAMLRequest to itself ({to}), not to the IdP"
                ));
            }
            if let Some(idp) = expect.idp.filter(|idp| **idp != to.origin()) {
                return fail(format!(
                    "the SP's sign-out sent its SAMLRequest to {}, not to the IdP it signs in with ({})",
                    to.origin().ascii_serialization(),
                    idp.ascii_serialization()
                ));
            }
            let name_id = match parse(&xml) {
                Ok(SpRequest::Logout(req)) => req.name_id,
                _ => {
                    return fail(
                        "the SP's sign-out sent a SAMLRequest that is no LogoutRequest".into(),
                    )
                }
            };
            return match name_id.as_deref().map(str::trim) {
                Some(n) if n == expect.name_id => Ok((
                    Outcome::Pass,
                    format!(
                        "a LogoutRequest for {n} went to {}",
                        to.origin().ascii_serialization()
                    ),
                    exchange,
                )),
                other => fail(format!(
                    "the LogoutRequest names {}, not the signed-in {:?}",
                    other
                        .map(|n| format!("{n:?}"))
                        .unwrap_or_else(|| "no NameID".into()),
                    expect.name_id
                )),
            };
        }
        match redirect {
            Some(next) if own(&next) => url = next,
            _ => {
                return Ok((
                    Outcome::Fail,
                    format!(
                    "signing out at {logout_url} sent no LogoutRequest to the IdP (last answer {})",
                    page.summary()
                ),
                    Exchange::default(),
                ))
            }
        }
    }
    Ok((
        Outcome::Fail,
        format!("signing out at {logout_url} redirected more than --max-redirects times"),
        Exchange::default(),
    ))
}

impl Bench<'_> {
    /// A row from a scenario's result.
    #[allow(clippy::too_many_arguments)]
    fn row(
        &self,
        id: &str,
        name: &'static str,
        section: &'static str,
        required: bool,
        expect: Expect,
        result: Result<(Outcome, String, Exchange), CaseEnd>,
        started: Instant,
    ) -> Row {
        let (outcome, reason, exchange) = match result {
            Ok(r) => r,
            Err(CaseEnd::NotApplicable(why)) => (Outcome::NotApplicable, why, Exchange::default()),
            Err(CaseEnd::Fail(why)) => (Outcome::Fail, why, Exchange::default()),
            Err(CaseEnd::Error(e) | CaseEnd::Unanswered(e)) => (
                Outcome::Error,
                format!("could not run: {e}"),
                Exchange::default(),
            ),
        };
        let mut r = row(
            self.scenario,
            id,
            name,
            section,
            required,
            expect,
            (outcome, reason),
        );
        r.verdict.exchange = exchange;
        r.verdict.duration = started.elapsed();
        r
    }
}

/// A row with `verdict` for the scenario `name` of `section`.
fn row(
    scenario: &Scenario,
    id: &str,
    name: &'static str,
    section: &'static str,
    required: bool,
    expect: Expect,
    (outcome, reason): (Outcome, String),
) -> Row {
    let verdict = Verdict {
        scenario: scenario.name.clone(),
        file: scenario.file.display().to_string(),
        id: format!("validator/{id}"),
        name: format!(
            "{section}: {name} ({})",
            if required { "required" } else { "optional" }
        ),
        expect,
        outcome,
        reason,
        gating: required && matches!(outcome, Outcome::Fail),
        duration: Duration::ZERO,
        ..crate::fuzz::placeholder_verdict()
    };
    Row {
        section,
        name,
        required,
        verdict,
    }
}

/// The identity-mapping declaration, checked against the token the working sign-in carried:
/// the declared value must be in it; a mutable value alone is noted (Microsoft asks to pair it
/// with an immutable one); and what the protected page showed is matched to a token value.
fn identity_mapping(
    scenario: &Scenario,
    declared: Option<&Mapping>,
    token: Option<&str>,
    shown: Option<&str>,
) -> Row {
    let values = token.map(token_values).unwrap_or_default();
    let seen = shown.map(|who| {
        let matches: Vec<&str> = values
            .iter()
            .filter(|(_, v)| v.eq_ignore_ascii_case(who))
            .map(|(k, _)| k.as_str())
            .collect();
        match matches.as_slice() {
            [] => format!("the protected page shows {who:?}, which is no value of the token"),
            m => format!(
                "the protected page shows {who:?}: the token's {}",
                m.join(", ")
            ),
        }
    });
    let (outcome, mut reason) = match (declared, token) {
        (None, _) => (
            Outcome::Fail,
            "not declared; hint: --identity-mapping objectid (or upn, email, employeeid, samaccountname, claim:NAME): the value your app matches its user by".to_owned(),
        ),
        (Some(m), None) => (
            Outcome::Inconclusive,
            format!("declared {}; no working sign-in carried a token to check it against", m.describe()),
        ),
        (Some(m), Some(_)) => {
            let claims = m.claims();
            match values.iter().find(|(k, _)| claims.iter().any(|c| c == k)) {
                Some((k, v)) => {
                    let mut why = format!("declared {}: the token carries it ({k} = {v})", m.describe());
                    if m.mutable() {
                        why.push_str("; Microsoft advises against matching on a value that can change alone: pair it with an immutable one, such as the object ID");
                    }
                    (Outcome::Pass, why)
                }
                None => (
                    Outcome::Fail,
                    format!(
                        "declared {}, but the token carries no {}; hint: add the claim in Entra (Attributes & Claims), or declare what the app really uses",
                        m.describe(),
                        claims.join(" or ")
                    ),
                ),
            }
        }
    };
    if let Some(seen) = seen {
        reason.push_str("; ");
        reason.push_str(&seen);
    }
    row(
        scenario,
        "identity-mapping",
        "Identity mapping",
        "Identity mapping",
        true,
        Expect::Accept,
        (outcome, reason),
    )
}

/// The token's values by name: `NameID` and every attribute's first value.
fn token_values(xml: &str) -> Vec<(String, String)> {
    let Ok(doc) = roxmltree::Document::parse(xml) else {
        return Vec::new();
    };
    let mut values = Vec::new();
    for n in doc.descendants().filter(|n| n.is_element()) {
        match n.tag_name().name() {
            "NameID" => values.push((
                "NameID".to_owned(),
                n.text().unwrap_or_default().trim().to_owned(),
            )),
            "Attribute" => {
                let first = n
                    .children()
                    .find(|c| c.tag_name().name() == "AttributeValue")
                    .and_then(|c| c.text())
                    .unwrap_or_default();
                values.push((
                    n.attribute("Name").unwrap_or_default().to_owned(),
                    first.trim().to_owned(),
                ));
            }
            _ => {}
        }
    }
    values
}

/// The report in the validator's terms: a section per flow, required/optional, the result.
pub fn render(rows: &[Row], flows: &[Flow]) -> String {
    let declared: Vec<&str> = flows
        .iter()
        .map(|f| match f {
            Flow::Sp => "SP-initiated",
            Flow::Idp => "IdP-initiated",
        })
        .collect();
    let mut out = format!(
        "\nEntra App Validator, offline (SAML 2.0; flows declared: {})\n",
        declared.join(", ")
    );
    let mut section = "";
    for r in rows {
        if r.section != section {
            section = r.section;
            if r.section != "Identity mapping" {
                out.push_str(&format!("  {section}\n"));
            }
        }
        let indent = if r.section == "Identity mapping" {
            "  "
        } else {
            "    "
        };
        out.push_str(&format!(
            "{indent}{:<w$} {:<9} {:<14} {}\n",
            r.name,
            if r.required { "required" } else { "optional" },
            r.result(),
            crate::report::printable(&r.verdict.reason),
            w = if indent.len() == 2 { 23 } else { 21 }
        ));
    }
    let failed: Vec<&Row> = rows
        .iter()
        .filter(|r| r.required && r.verdict.outcome != Outcome::Pass)
        .collect();
    out.push_str(&match failed.len() {
        0 => "\nready to submit: every required scenario passed and the identity mapping is declared\n".to_owned(),
        n => format!("\nnot ready: {n} required scenario(s) did not pass\n"),
    });
    out
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    /// A LogoutRequest as an SP sends it by HTTP-Redirect (deflated, base64, URL-encoded).
    fn redirect_value(xml: &str) -> String {
        let mut deflate =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        deflate.write_all(xml.as_bytes()).unwrap();
        let b64 = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            deflate.finish().unwrap(),
        );
        url::form_urlencoded::byte_serialize(b64.as_bytes()).collect()
    }

    const LOGOUT: &str = r#"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_l1" Version="2.0" IssueInstant="2026-12-01T00:00:00Z"><saml:Issuer>urn:sp</saml:Issuer><saml:NameID>B.Simon@contoso.com</saml:NameID></samlp:LogoutRequest>"#;

    /// Signs out at a stand-in SP whose /logout redirects to /bye, which redirects to `to`.
    async fn logout_to(to: impl Fn(&str) -> String, name_id: &str) -> (Outcome, String) {
        let sp = MockServer::start().await;
        Mock::given(path("/logout"))
            .respond_with(
                ResponseTemplate::new(302).insert_header("Location", format!("{}/bye", sp.uri())),
            )
            .mount(&sp)
            .await;
        Mock::given(path("/bye"))
            .respond_with(ResponseTemplate::new(302).insert_header("Location", to(&sp.uri())))
            .mount(&sp)
            .await;
        let origin = url::Url::parse(&sp.uri()).unwrap();
        let idp = url::Url::parse("https://login.example.test/")
            .unwrap()
            .origin();
        let browser = Browser::new(Limits::default(), &[&origin]);
        let expect = Logout {
            origins: std::slice::from_ref(&origin),
            idp: Some(&idp),
            name_id,
            max_redirects: 5,
        };
        let (outcome, reason, _) =
            single_logout(&format!("{}/logout", sp.uri()), &browser, &expect)
                .await
                .unwrap();
        (outcome, reason)
    }

    #[tokio::test]
    async fn a_sign_out_that_sends_the_users_logout_request_to_the_idp_passes() {
        let to_idp = |_: &str| {
            format!(
                "https://login.example.test/t/saml2?SAMLRequest={}",
                redirect_value(LOGOUT)
            )
        };
        let (outcome, reason) = logout_to(to_idp, "B.Simon@contoso.com").await;
        assert_eq!(outcome, Outcome::Pass, "{reason}");
        assert!(
            reason.contains("LogoutRequest for B.Simon@contoso.com"),
            "{reason}"
        );
        // Another user's session, the SP's own endpoint, another host: each fails.
        let (outcome, reason) = logout_to(to_idp, "E.Mallory@contoso.com").await;
        assert_eq!(outcome, Outcome::Fail, "{reason}");
        let to_itself = |sp: &str| format!("{sp}/slo?SAMLRequest={}", redirect_value(LOGOUT));
        let (outcome, reason) = logout_to(to_itself, "B.Simon@contoso.com").await;
        assert_eq!(outcome, Outcome::Fail, "{reason}");
        assert!(reason.contains("to itself"), "{reason}");
        let elsewhere = |_: &str| {
            format!(
                "https://evil.example.test/saml2?SAMLRequest={}",
                redirect_value(LOGOUT)
            )
        };
        let (outcome, reason) = logout_to(elsewhere, "B.Simon@contoso.com").await;
        assert_eq!(outcome, Outcome::Fail, "{reason}");
    }

    #[tokio::test]
    async fn a_sign_out_that_only_ends_the_local_session_fails() {
        let (outcome, reason) =
            logout_to(|_| "https://elsewhere.test/".into(), "B.Simon@contoso.com").await;
        assert_eq!(outcome, Outcome::Fail, "{reason}");
        assert!(reason.contains("sent no LogoutRequest"), "{reason}");
    }

    #[test]
    fn the_identity_mapping_must_be_declared_and_in_the_token() {
        let s = crate::demo::login_scenario("http://idp.test", "http://sp.test").unwrap();
        let token = r#"<Response><Assertion><Subject><NameID>B.Simon@contoso.com</NameID></Subject><AttributeStatement><Attribute Name="http://schemas.microsoft.com/identity/claims/objectidentifier"><AttributeValue>ad000000-0000-4000-8000-000000000001</AttributeValue></Attribute><Attribute Name="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"><AttributeValue>B.Simon@contoso.com</AttributeValue></Attribute></AttributeStatement></Assertion></Response>"#;
        let shown = Some("B.Simon@contoso.com");
        let r = identity_mapping(&s, Some(&Mapping::ObjectId), Some(token), shown);
        assert_eq!(r.verdict.outcome, Outcome::Pass, "{}", r.verdict.reason);
        assert!(
            r.verdict.reason.contains("the token's NameID"),
            "{}",
            r.verdict.reason
        );
        let r = identity_mapping(&s, Some(&Mapping::Email), Some(token), shown);
        assert_eq!(r.verdict.outcome, Outcome::Pass);
        assert!(
            r.verdict.reason.contains("can change"),
            "{}",
            r.verdict.reason
        );
        let r = identity_mapping(&s, Some(&Mapping::EmployeeId), Some(token), shown);
        assert_eq!(r.verdict.outcome, Outcome::Fail, "{}", r.verdict.reason);
        let r = identity_mapping(&s, None, Some(token), shown);
        assert_eq!(r.verdict.outcome, Outcome::Fail);
        assert!(
            r.verdict.reason.contains("--identity-mapping"),
            "{}",
            r.verdict.reason
        );
        assert_eq!(
            Mapping::parse("claim:tid"),
            Ok(Mapping::Claim("tid".into()))
        );
        assert!(Mapping::parse("claim:").is_err());
    }
}
