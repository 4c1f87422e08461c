//! Runs a scenario's cases against the SP and emits an event per verdict. Accept cases run
//! first: until one of them works, reject cases are inconclusive (an SP that rejects
//! everything must not look secure).

use saml_protocol::AcsPost;
use saml_protocol::{METADATA_NS, POST_BINDING};
use std::time::{Duration, Instant};

use base64::Engine;
use std::sync::Arc;

use attacks::forge::IdpKey;
use attacks::identity::Swap;
use attacks::{Check, Edit, Seed, Severity};
use mock_idp::idp::{Answer, Idp};
use mock_idp::request::redirect_signature;
use mock_idp::response::SignWhat;
use serde::Serialize;
use time::OffsetDateTime;

use crate::flow::{parse_url, Browser, Captured, FlowError, Limits};
use crate::judge::Judged;
use crate::oracle::{probe, Session};
use crate::scenario::{Case, Expect, MetadataSource, Scenario};

/// How a case ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The SP did what the case expects.
    Pass,
    /// A good login (accept case) did not work.
    Fail,
    /// The attack worked under its stated capability.
    Vulnerable,
    /// Accepted something the spec says MUST be refused, with no standalone exploit.
    Nonstrict,
    /// The baseline login or the control failed: a refusal proves nothing.
    Inconclusive,
    /// The check does not apply to this SP or IdP (reason says why).
    #[serde(rename = "not-applicable")]
    NotApplicable,
    /// The harness could not run the case (network, limits, a broken SP page).
    Error,
}

impl Outcome {
    /// The verdict word, as reports print it.
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Vulnerable => "vulnerable",
            Outcome::Nonstrict => "nonstrict",
            Outcome::Inconclusive => "inconclusive",
            Outcome::NotApplicable => "not-applicable",
            Outcome::Error => "error",
        }
    }

    /// Every verdict, in report order.
    pub const ALL: [Outcome; 7] = [
        Outcome::Pass,
        Outcome::Fail,
        Outcome::Vulnerable,
        Outcome::Nonstrict,
        Outcome::Inconclusive,
        Outcome::NotApplicable,
        Outcome::Error,
    ];
}

/// The verdict on one case.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    /// The scenario's name.
    pub scenario: String,
    /// The case id (`login/good`, `sig/none`, …).
    pub id: String,
    /// The case's human name.
    pub name: String,
    /// What was expected.
    pub expect: Expect,
    /// What happened.
    #[serde(rename = "verdict")]
    pub outcome: Outcome,
    /// Why, in one line.
    pub reason: String,
    /// How bad acceptance is, for attack cases (the check's, whatever happened).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// What the attacker must hold (`TM-A` …), for attack cases.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capability: Option<&'static str>,
    /// The research id (`XSW-03`), for attack cases.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub research_id: Option<&'static str>,
    /// Spec sections, CVEs and papers, for attack cases.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<&'static str>,
    /// Who the protected page showed signed in, if anyone.
    pub signed_in_as: Option<String>,
    /// The identity the forgery tried to sign in as.
    pub forged_identity: Option<String>,
    /// Why this verdict was expected (`conformance --expect`), when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// Wall time of the case.
    #[serde(rename = "duration_ms", serialize_with = "millis")]
    pub duration: Duration,
    /// Notes on the SP's AuthnRequest as Entra would judge it (accept cases).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
    /// Decoded messages, for `--verbose`.
    #[serde(skip)]
    pub details: Vec<String>,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

/// What the runner tells reporters.
#[derive(Clone, Debug)]
pub enum Event {
    /// A scenario begins.
    ScenarioStarted {
        name: String,
        file: String,
        cases: usize,
    },
    /// A case has a verdict.
    CaseFinished(Box<Verdict>),
}

/// Where the SP's entity ID and ACS come from, resolved.
pub(crate) struct SpIds {
    /// The SP's entity ID.
    pub(crate) entity_id: String,
    /// The SP's ACS URL.
    pub(crate) acs_url: String,
}

pub(crate) async fn resolve_sp(s: &Scenario, limits: Limits) -> Result<SpIds, String> {
    let metadata = match &s.sp.metadata {
        None => None,
        Some(MetadataSource::File(p)) => Some(
            std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read SP metadata {}: {e}", p.display()))?,
        ),
        Some(MetadataSource::Url(u)) => {
            let url = parse_url(u).map_err(|e| e.to_string())?;
            let page = Browser::new(limits, &[&url])
                .get(&url)
                .await
                .map_err(|e| format!("cannot fetch SP metadata: {e}"))?;
            if page.status != 200 {
                return Err(format!("SP metadata at {u} answered {}", page.summary()));
            }
            Some(page.body)
        }
    };
    let (md_entity, md_acs) = match &metadata {
        None => (None, None),
        Some(xml) => sp_metadata(xml)?,
    };
    Ok(SpIds {
        entity_id: s
            .sp
            .entity_id
            .clone()
            .or(md_entity)
            .ok_or("the SP metadata has no entityID")?,
        acs_url: s
            .sp
            .acs_url
            .clone()
            .or(md_acs)
            .ok_or("the SP metadata has no HTTP-POST AssertionConsumerService")?,
    })
}

/// Entity ID and HTTP-POST ACS from SP metadata (DTDs refused).
fn sp_metadata(xml: &str) -> Result<(Option<String>, Option<String>), String> {
    let doc = roxmltree::Document::parse(xml)
        .map_err(|e| format!("SP metadata is not well-formed XML: {e}"))?;
    let root = doc.root_element();
    let acs = doc
        .descendants()
        .find(|n| {
            n.has_tag_name((METADATA_NS, "AssertionConsumerService"))
                && n.attribute("Binding") == Some(POST_BINDING)
        })
        .and_then(|n| n.attribute("Location"))
        .map(str::to_owned);
    Ok((root.attribute("entityID").map(str::to_owned), acs))
}

/// The mock IdP for this scenario, with the app pointed at the SP.
pub(crate) fn idp_for(s: &Scenario, sp: &SpIds) -> Idp {
    let mut config = s.idp_config.clone();
    if s.idp_app.is_none() {
        if let Some(app) = config.apps.first_mut() {
            app.identifiers = vec![sp.entity_id.clone()];
            app.reply_urls = vec![sp.acs_url.clone()];
            app.default_reply_url = sp.acs_url.clone();
        }
    } else if let Some(i) = config
        .apps
        .iter()
        .position(|a| Some(a.name.as_str()) == s.idp_app.as_deref())
    {
        config.apps.swap(0, i);
    }
    Idp::new(config)
}

/// A response delivered to the SP: what was posted and where (kept for the replay attack).
#[derive(Clone, Debug)]
pub struct Delivered {
    /// The form the browser posts to the ACS.
    pub post: AcsPost,
    /// The NameID the IdP put in the good login (the default expected identity).
    pub name_id: String,
    /// The identity swap a forgery made (empty for genuine responses).
    pub swap: Swap,
}

/// Turns a captured AuthnRequest into what the browser posts to the ACS: the IdP's good
/// login, or a forgery of it. Owned and thread-safe, so a browser's callback can use it.
#[derive(Clone)]
pub struct Responder {
    idp: Arc<Idp>,
    user: Option<String>,
    attack: Option<&'static Check>,
    good: Option<Delivered>,
}

impl Responder {
    /// Answers with `idp` for `user`, altered by `attack`; `good` is what a replay re-posts.
    pub fn new(
        idp: Arc<Idp>,
        user: Option<String>,
        attack: Option<&'static Check>,
        good: Option<Delivered>,
    ) -> Self {
        Responder {
            idp,
            user,
            attack,
            good,
        }
    }

    /// What to post for `captured`; a failure when Entra would refuse the request.
    pub fn respond(&self, captured: &Captured) -> Result<Delivered, CaseEnd> {
        let signature = redirect_signature(&captured.raw_query).ok().flatten();
        let (app, login) = match self.idp.answer(
            &captured.request,
            signature.as_ref(),
            self.user.as_deref(),
            OffsetDateTime::now_utc(),
        ) {
            Err(e) => {
                return Err(CaseEnd::Fail(format!(
                    "Entra would refuse this AuthnRequest: {} (fix: {})",
                    e.message(),
                    e.hint()
                )))
            }
            Ok(Answer::Status { xml, .. }) => {
                return Err(CaseEnd::Fail(format!(
                    "Entra would answer with a SAML error, not a login: {xml}"
                )))
            }
            Ok(Answer::Login { app, login }) => (app, login),
        };
        let (acs, relay_state) = (login.destination.clone(), captured.relay_state.clone());
        let genuine = |saml_response: String| Delivered {
            post: AcsPost {
                acs: acs.clone(),
                saml_response,
                relay_state: relay_state.clone(),
            },
            name_id: login.name_id.clone(),
            swap: Swap::default(),
        };
        let Some(check) = self.attack else {
            let xml = self
                .idp
                .sign(app, &login)
                .map_err(|e| CaseEnd::Error(e.message()))?;
            return Ok(genuine(xml));
        };
        if let Edit::Replay = check.edit {
            return self.replay();
        }
        let forged = forge_in_process(&self.idp, app, &login, check)?;
        Ok(Delivered {
            swap: forged.swap,
            ..genuine(forged.xml)
        })
    }

    /// The good response again (the replay check).
    fn replay(&self) -> Result<Delivered, CaseEnd> {
        self.good
            .clone()
            .ok_or_else(|| CaseEnd::Error("nothing to replay: no good login was accepted".into()))
    }

    /// Applies the check to a response a running IdP gave (its key is not held here).
    pub fn apply(&self, live: Delivered) -> Result<Delivered, CaseEnd> {
        let Some(check) = self.attack else {
            return Ok(live);
        };
        if let Edit::Replay = check.edit {
            return self.replay();
        }
        let forged = forge(check, &live.post.saml_response, None, None)?;
        Ok(Delivered {
            post: AcsPost {
                saml_response: forged.xml,
                ..live.post
            },
            swap: forged.swap,
            ..live
        })
    }
}

/// Runs `check` against `login` with the in-process IdP: the seed is the IdP's own signed
/// response, signed the way the check needs (as if the tenant's "Signing Option" were set so);
/// the IdP's key and its signed app metadata are on hand for the checks that may use them.
pub fn forge_in_process(
    idp: &Idp,
    app: &mock_idp::config::App,
    login: &mock_idp::response::LoginResponse,
    check: &Check,
) -> Result<attacks::Forged, CaseEnd> {
    let mut signer = app.clone();
    signer.sign = match (check.seed, app.sign) {
        (Seed::ResponseSigned, SignWhat::Assertion)
        | (Seed::AssertionSigned, SignWhat::Response) => SignWhat::Both,
        (_, what) => what,
    };
    let seed = idp
        .sign(&signer, login)
        .map_err(|e| CaseEnd::Error(e.message()))?;
    let cert = app.active_cert();
    let key = IdpKey {
        key: cert.key().clone(),
        cert_pem: cert.pem(),
    };
    let donor = (check.capability == attacks::Capability::AnySignedBlob)
        .then(|| {
            mock_idp::metadata::app_metadata(
                &idp.config.tenant,
                "https://login.microsoftonline.com",
                app,
            )
            .ok()
        })
        .flatten();
    forge(check, &seed, Some(&key), donor.as_deref())
}

/// Runs `check`'s edit on `seed` (see [`Check::forge`] for who gets the IdP's key).
pub fn forge(
    check: &Check,
    seed: &str,
    idp_key: Option<&IdpKey>,
    donor: Option<&str>,
) -> Result<attacks::Forged, CaseEnd> {
    check
        .forge(seed, idp_key, donor)
        .map_err(|e| CaseEnd::NotApplicable(e.0))
}

/// One login attempt as the SP saw it.
pub struct Attempt {
    /// The AuthnRequest the SP sent.
    pub captured: Captured,
    /// What was posted to the ACS.
    pub delivered: Delivered,
    /// How the ACS answered.
    pub acs_answer: String,
    /// Who the protected page says is signed in afterwards.
    pub session: Session,
}

/// Which browser plays the user.
#[derive(Clone)]
pub enum Driver {
    /// The built-in HTTP client (reqwest with a cookie jar).
    Http,
    /// Headless Chromium, for sign-on pages that need JavaScript.
    Chromium(Arc<crate::chromium::Chromium>),
}

struct CaseRun<'a> {
    scenario: &'a Scenario,
    idp: Arc<Idp>,
    limits: Limits,
    origins: Vec<url::Url>,
    driver: Driver,
}

impl CaseRun<'_> {
    fn responder(&self, attack: Option<&'static Check>, good: Option<&Delivered>) -> Responder {
        Responder {
            idp: self.idp.clone(),
            user: self.scenario.user.clone(),
            attack,
            good: good.cloned(),
        }
    }

    /// A fresh browser starts a login, the responder answers, the answer is posted to the ACS
    /// and the oracle says who is signed in.
    async fn attempt(&self, responder: Responder) -> Result<Attempt, CaseEnd> {
        let oracle = self.scenario.sp.oracle.clone();
        match &self.driver {
            Driver::Chromium(chromium) => {
                let (chromium, sign_on, limits) = (
                    chromium.clone(),
                    self.scenario.sp.sign_on_url.clone(),
                    self.limits,
                );
                tokio::task::spawn_blocking(move || {
                    chromium.attempt(&sign_on, responder, &oracle, limits)
                })
                .await
                .map_err(|e| CaseEnd::Error(format!("the Chromium driver stopped: {e}")))?
            }
            Driver::Http => {
                let origins: Vec<&url::Url> = self.origins.iter().collect();
                let browser = Browser::new(self.limits, &origins);
                let captured = browser
                    .start_login(&parse_url(&self.scenario.sp.sign_on_url)?)
                    .await?;
                let delivered = match &self.scenario.idp_url {
                    Some(_) => responder.apply(live_response(&browser, &captured).await?)?,
                    None => responder.respond(&captured)?,
                };
                let answer = browser
                    .post_form(
                        &parse_url(&delivered.post.acs)?,
                        &delivered.post.form_fields(),
                    )
                    .await?;
                let acs_answer = format!("ACS answered {}", answer.summary());
                // Redirects after the ACS may leave for pages the harness does not follow; that is fine.
                let _ = browser.follow(answer).await;
                let session = probe(&browser, &oracle).await?;
                Ok(Attempt {
                    captured,
                    delivered,
                    acs_answer,
                    session,
                })
            }
        }
    }

    fn record_details(attempt: &Attempt, details: &mut Vec<String>) {
        let c = &attempt.captured;
        details.push(format!(
            "AuthnRequest ({:?} binding to {}):\n{}",
            c.binding, c.idp_url, c.xml
        ));
        details.push(format!(
            "SAMLResponse posted to {}:\n{}",
            attempt.delivered.post.acs, attempt.delivered.post.saml_response
        ));
    }

    async fn accept(&self, case: &Case, notes: &mut Notes) -> Result<(String, Delivered), CaseEnd> {
        let attempt = self.attempt(self.responder(None, None)).await?;
        Self::record_details(&attempt, &mut notes.details);
        notes.findings = crate::findings::review(&attempt.captured);
        let expected = case
            .identity
            .clone()
            .unwrap_or_else(|| attempt.delivered.name_id.clone());
        match attempt.session {
            Session::SignedIn { identity: None } => Ok((
                format!("signed in ({})", attempt.acs_answer),
                attempt.delivered,
            )),
            Session::SignedIn { identity: Some(id) } if id == expected => {
                notes.signed_in_as = Some(id.clone());
                Ok((format!("signed in as {id}"), attempt.delivered))
            }
            Session::SignedIn { identity: Some(id) } => Err(CaseEnd::Fail(format!(
                "signed in as {id:?}, expected {expected:?}"
            ))),
            Session::SignedOut { how } => Err(CaseEnd::Fail(format!(
                "no session: {}; {how}",
                attempt.acs_answer
            ))),
        }
    }

    /// The control: the IdP's response through the forging pipeline with a no-op edit must
    /// sign the genuine user in, as the good login did.
    async fn control(
        &self,
        good: &Delivered,
        expected: Option<&str>,
    ) -> Result<(String, ()), CaseEnd> {
        let attempt = self
            .attempt(self.responder(Some(&attacks::catalogue::CONTROL), Some(good)))
            .await?;
        match attempt.session {
            Session::SignedIn { identity } if identity.as_deref() == expected => Ok((
                format!("signed in as {}", identity.as_deref().unwrap_or("the user")),
                (),
            )),
            Session::SignedIn { identity } => Err(CaseEnd::Fail(format!(
                "signed in as {:?}, not {expected:?} as the good login was",
                identity.as_deref().unwrap_or("someone")
            ))),
            Session::SignedOut { how } => Err(CaseEnd::Fail(format!(
                "the IdP's own response, passed through the forging pipeline unchanged, was refused: {}; {how}; hint: the IdP that answered is probably not the one the SP trusts",
                attempt.acs_answer
            ))),
        }
    }

    /// Every attack starts from a fresh login, so the SP has a request outstanding and only
    /// the one thing the attack changes is wrong.
    async fn reject(
        &self,
        case: &Case,
        good: &Delivered,
        good_identity: Option<&str>,
        notes: &mut Notes,
    ) -> Result<(String, Judged), CaseEnd> {
        let check = case
            .attack
            .ok_or_else(|| CaseEnd::Error("a reject case needs an attack".into()))?;
        let attempt = self
            .attempt(self.responder(Some(check), Some(good)))
            .await?;
        Self::record_details(&attempt, &mut notes.details);
        // The user whose login was used is never the forged identity.
        let mut swap = attempt.delivered.swap.clone();
        swap.genuine.push(good.name_id.clone());
        swap.genuine.extend(good_identity.map(str::to_owned));
        let judged = crate::judge::judge(
            check.goal,
            &attempt.session,
            &swap,
            &attempt.acs_answer,
            check.must,
        );
        notes.forged_identity = swap.forged.first().cloned();
        notes.signed_in_as = judged.signed_in_as.clone();
        Ok((judged.reason.clone(), judged))
    }
}

/// How a case stopped short of passing: the SP failed it, or the harness could not run it.
#[derive(Debug)]
pub enum CaseEnd {
    /// The SP did not do what the case expects.
    Fail(String),
    /// The case could not run.
    Error(String),
    /// The check does not apply here.
    NotApplicable(String),
}

impl From<FlowError> for CaseEnd {
    fn from(e: FlowError) -> Self {
        CaseEnd::Error(e.to_string())
    }
}

/// Follows the AuthnRequest to the running IdP (as the browser would) and takes the response
/// from its auto-submit form; an error page there fails the case with what the IdP said.
async fn live_response(browser: &Browser, captured: &Captured) -> Result<Delivered, CaseEnd> {
    let page = match captured.binding {
        mock_idp::request::Binding::Redirect => {
            let mut url = captured.idp_url.clone();
            url.set_query(Some(&captured.raw_query));
            browser.get(&url).await?
        }
        mock_idp::request::Binding::Post => {
            let mut fields = vec![("SAMLRequest".to_owned(), captured.encoded.clone())];
            if let Some(rs) = &captured.relay_state {
                fields.push(("RelayState".to_owned(), rs.clone()));
            }
            browser.post_form(&captured.idp_url, &fields).await?
        }
    };
    let page = browser.follow(page).await?;
    let Some(form) = crate::flow::saml_form(&page, "SAMLResponse") else {
        // Entra's error pages carry "AADSTSnnnn: text": say that rather than the page's start.
        let aadsts = regex::Regex::new(r"AADSTS\d+:[^<\n]*")
            .ok()
            .and_then(|re| re.find(&page.body).map(|m| m.as_str().to_owned()));
        return Err(CaseEnd::Fail(match aadsts {
            Some(error) => format!(
                "the IdP at {} refused the SP's request: {error}",
                captured.idp_url
            ),
            None => format!(
                "the IdP at {} gave no SAMLResponse form: {}",
                captured.idp_url,
                page.summary()
            ),
        }));
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(form.field("SAMLResponse").unwrap_or_default())
        .map_err(|e| CaseEnd::Fail(format!("the IdP's SAMLResponse is not base64: {e}")))?;
    let saml_response = String::from_utf8_lossy(&bytes).into_owned();
    let name_id = roxmltree::Document::parse(&saml_response)
        .ok()
        .and_then(|d| {
            d.descendants()
                .find(|n| n.tag_name().name() == "NameID")
                .and_then(|n| n.text())
                .map(str::to_owned)
        })
        .unwrap_or_default();
    Ok(Delivered {
        post: AcsPost {
            acs: form.action.to_string(),
            saml_response,
            relay_state: form.field("RelayState").map(str::to_owned),
        },
        name_id,
        swap: Swap::default(),
    })
}

/// What a case leaves besides its verdict: findings and, for `--verbose`, decoded messages.
#[derive(Default)]
struct Notes {
    findings: Vec<String>,
    details: Vec<String>,
    signed_in_as: Option<String>,
    forged_identity: Option<String>,
}

/// Turns a case's result (or its timeout) into an outcome and a reason, keeping what it produced.
fn conclude<T>(
    result: Result<Result<(String, T), CaseEnd>, tokio::time::error::Elapsed>,
    limit: Duration,
) -> ((Outcome, String), Option<T>) {
    match result {
        Err(_) => ((Outcome::Error, format!("could not run: the case took longer than {limit:?}; hint: raise --case-timeout")), None),
        Ok(Ok((reason, produced))) => ((Outcome::Pass, reason), Some(produced)),
        Ok(Err(CaseEnd::Fail(reason))) => ((Outcome::Fail, reason), None),
        Ok(Err(CaseEnd::Error(e))) => ((Outcome::Error, format!("could not run: {e}")), None),
        Ok(Err(CaseEnd::NotApplicable(why))) => ((Outcome::NotApplicable, why), None),
    }
}

/// Runs every case of `scenario`, calling `emit` as verdicts come in; returns them all.
pub async fn run_scenario(
    scenario: &Scenario,
    limits: Limits,
    driver: Driver,
    emit: &mut (dyn FnMut(Event) + Send),
) -> Vec<Verdict> {
    emit(Event::ScenarioStarted {
        name: scenario.name.clone(),
        file: scenario.file.display().to_string(),
        cases: scenario.cases.len(),
    });
    let mut verdicts = Vec::new();
    let mut record =
        |case: &Case, (outcome, reason): (Outcome, String), duration: Duration, notes: Notes| {
            let v = Verdict {
                scenario: scenario.name.clone(),
                id: case.id.clone(),
                name: case.name.clone(),
                expect: case.expect,
                outcome,
                reason,
                severity: case.attack.map(|a| a.severity),
                capability: case.attack.map(|a| a.capability.code()),
                research_id: case.attack.map(|a| a.research_id),
                references: case
                    .attack
                    .map(|a| a.references.to_vec())
                    .unwrap_or_default(),
                signed_in_as: notes.signed_in_as,
                forged_identity: notes.forged_identity,
                expected: None,
                duration,
                findings: notes.findings,
                details: notes.details,
            };
            emit(Event::CaseFinished(Box::new(v.clone())));
            verdicts.push(v);
        };
    let sp = match resolve_sp(scenario, limits).await {
        Ok(sp) => sp,
        Err(e) => {
            for case in &scenario.cases {
                record(
                    case,
                    (Outcome::Error, format!("could not run: {e}")),
                    Duration::ZERO,
                    Notes::default(),
                );
            }
            return verdicts;
        }
    };
    let idp = Arc::new(idp_for(scenario, &sp));
    let origins = [
        &scenario.sp.sign_on_url,
        &sp.acs_url,
        &scenario.sp.oracle.url,
    ]
    .iter()
    .filter_map(|u| url::Url::parse(u).ok())
    .chain(scenario.idp_url.clone())
    .collect();
    let run = CaseRun {
        scenario,
        idp,
        limits,
        origins,
        driver,
    };

    let (accepts, rejects): (Vec<&Case>, Vec<&Case>) = scenario
        .cases
        .iter()
        .partition(|c| c.expect == Expect::Accept);
    let mut good: Option<Delivered> = None;
    let mut good_identity: Option<String> = None;
    for case in accepts {
        let (started, mut notes) = (Instant::now(), Notes::default());
        let result = tokio::time::timeout(limits.case_timeout, run.accept(case, &mut notes)).await;
        let (verdict, delivered) = conclude(result, limits.case_timeout);
        if let Some(d) = delivered {
            if good.is_none() {
                good_identity = notes.signed_in_as.clone();
                good = Some(d);
            }
        }
        record(case, verdict, started.elapsed(), notes);
    }
    let mut blocked: Option<String> = good
        .is_none()
        .then(|| "no good login worked in this run, so a refusal proves nothing".to_owned());
    if let (Some(g), false) = (&good, rejects.is_empty()) {
        let control = Case {
            id: attacks::catalogue::CONTROL.id.to_owned(),
            name: attacks::catalogue::CONTROL.title.to_owned(),
            expect: Expect::Accept,
            identity: good_identity.clone(),
            attack: None,
        };
        let started = Instant::now();
        let result = tokio::time::timeout(
            limits.case_timeout,
            run.control(g, good_identity.as_deref()),
        )
        .await;
        let ((outcome, reason), _) = conclude(result, limits.case_timeout);
        if outcome != Outcome::Pass {
            blocked = Some(format!(
                "the control failed ({reason}), so a refusal proves nothing"
            ));
        }
        let outcome = if outcome == Outcome::Fail {
            Outcome::Inconclusive
        } else {
            outcome
        };
        record(
            &control,
            (outcome, reason),
            started.elapsed(),
            Notes::default(),
        );
    }
    for case in rejects {
        let (started, mut notes) = (Instant::now(), Notes::default());
        let (Some(good), None) = (&good, &blocked) else {
            let why = blocked.clone().unwrap_or_default();
            record(case, (Outcome::Inconclusive, why), Duration::ZERO, notes);
            continue;
        };
        let result = tokio::time::timeout(
            limits.case_timeout,
            run.reject(case, good, good_identity.as_deref(), &mut notes),
        )
        .await;
        let verdict = match conclude(result, limits.case_timeout) {
            (_, Some(judged)) => (judged.outcome, judged.reason),
            (verdict, None) => verdict,
        };
        record(case, verdict, started.elapsed(), notes);
    }
    verdicts
}
