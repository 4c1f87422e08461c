//! Runs a scenario's cases against the SP and emits an event per verdict. Accept cases run
//! first: until one of them works, reject cases are inconclusive (an SP that rejects
//! everything must not look secure).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use attacks::{Check, Severity};
use mock_idp::idp::Idp;
use saml_protocol::{METADATA_NS, POST_BINDING};
use serde::Serialize;

use crate::canary::{CanaryOptions, FileUse, HitKind};
use crate::driver::{Attempt, Driver, Target};
use crate::flow::{parse_url, Browser, Captured, FlowError, Limits};
use crate::judge::{Baseline, Judged, LocalFile};
use crate::oracle::{probe, Session};
use crate::respond::{CaseEnd, Delivered, Responder};
use crate::scenario::{Case, Expect, MetadataSource, Scenario, RETURN_TO_PLACE};

mod retrust;

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
    /// The scenario file (SARIF points findings at it).
    #[serde(skip)]
    pub file: String,
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
    /// Whether this verdict fails the run under `--fail-on` (JUnit marks it a failure).
    #[serde(skip)]
    pub gating: bool,
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
    /// The login's messages and the SP's answers, step by step (the HTML report's flow).
    #[serde(skip)]
    pub exchange: Exchange,
}

impl Exchange {
    /// What `attempt`, an SP-initiated login, sent and got.
    pub(crate) fn of(attempt: &Attempt) -> Exchange {
        let c = &attempt.captured;
        Exchange {
            authn_request: Some(Message {
                binding: format!("{:?}", c.binding),
                to: c.idp_url.to_string(),
                xml: c.xml.clone(),
            }),
            response: Some(Message {
                binding: "POST".into(),
                to: attempt.delivered.post.acs.clone(),
                xml: attempt.delivered.post.saml_response.clone(),
            }),
            original: attempt.delivered.original.as_deref().map(str::to_owned),
            acs_answer: Some(attempt.acs_answer.clone()),
            left_for: attempt.left_for.clone(),
        }
    }
}

/// The origins a browser may follow redirects to for `s`'s SP: its sign-on URL, its ACS and
/// its protected page.
pub(crate) fn sp_origins(s: &Scenario, sp: &SpIds) -> Vec<url::Url> {
    [&s.sp.sign_on_url, &sp.acs_url, &s.sp.oracle.url]
        .iter()
        .filter_map(|u| url::Url::parse(u).ok())
        .collect()
}

/// One SAML message a case carried, decoded.
#[derive(Clone, Debug)]
pub struct Message {
    /// The binding it travelled by.
    pub binding: String,
    /// Where it went: the IdP's sign-on URL, or the ACS.
    pub to: String,
    /// The XML, as sent.
    pub xml: String,
}

/// What a case's login sent and got, in order: the SP's AuthnRequest, the response posted
/// to the ACS, the ACS's answer and where the browser was sent off the SP.
#[derive(Clone, Debug, Default)]
pub struct Exchange {
    /// The AuthnRequest the SP sent to the IdP.
    pub authn_request: Option<Message>,
    /// The SAMLResponse posted to the ACS (the IdP's, or the forgery).
    pub response: Option<Message>,
    /// The IdP's signed response a forgery was made from, when the case forged one.
    pub original: Option<String>,
    /// How the ACS answered, in one line.
    pub acs_answer: Option<String>,
    /// Where a redirect sent the browser off the SP's origins after the ACS, if one did.
    pub left_for: Option<String>,
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
    /// Something about the run as a whole (how many checks run at once, and why).
    Note(String),
}

/// Where the SP's entity ID and ACS come from, resolved.
pub(crate) struct SpIds {
    /// The SP's entity ID.
    pub(crate) entity_id: String,
    /// The SP's ACS URL.
    pub(crate) acs_url: String,
    /// What else its metadata says (encryption certificate, WantAssertionsSigned).
    pub(crate) metadata: crate::respond::SpMetadata,
}

/// Reads `what` (`SP` or `IdP` metadata) from a file, or fetches it within `limits`.
pub(crate) async fn read_metadata(
    source: &MetadataSource,
    what: &str,
    limits: Limits,
) -> Result<String, String> {
    match source {
        MetadataSource::File(p) => std::fs::read_to_string(p)
            .map_err(|e| format!("cannot read {what} metadata {}: {e}", p.display())),
        MetadataSource::Url(u) => {
            let url = parse_url(u).map_err(|e| e.to_string())?;
            let page = Browser::new(limits, &[&url]).get(&url).await.map_err(|e| {
                format!(
                    "cannot fetch {what} metadata: {e}; hint: is the {what} running at that URL?"
                )
            })?;
            if page.status != 200 {
                return Err(format!(
                    "{what} metadata at {u} answered {}",
                    page.summary()
                ));
            }
            Ok(page.body)
        }
    }
}

/// The running IdP's signed metadata (`idp.metadata`), the blob TM-C checks transplant;
/// `None` when the scenario names none or the document carries no signature.
pub(crate) async fn resolve_donor(
    s: &Scenario,
    limits: Limits,
) -> Result<Option<Arc<str>>, String> {
    let Some(source) = &s.idp_metadata else {
        return Ok(None);
    };
    let xml = read_metadata(source, "IdP", limits).await?;
    let doc = roxmltree::Document::parse(&xml)
        .map_err(|e| format!("the IdP metadata is not well-formed XML: {e}"))?;
    let signed = doc
        .root_element()
        .children()
        .any(|n| n.has_tag_name((saml_protocol::DSIG_NS, "Signature")));
    Ok(signed.then(|| Arc::from(xml)))
}

pub(crate) async fn resolve_sp(s: &Scenario, limits: Limits) -> Result<SpIds, String> {
    let metadata = match &s.sp.metadata {
        None => None,
        Some(source) => Some(read_metadata(source, "SP", limits).await.map_err(|e| {
            if matches!(source, MetadataSource::Url(_)) {
                format!("{e} (check SP_URL)")
            } else {
                e
            }
        })?),
    };
    let (md_entity, md_acs, facts) = match &metadata {
        None => (None, None, crate::respond::SpMetadata::default()),
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
        metadata: facts,
    })
}

/// What SP metadata says: entity ID, HTTP-POST ACS, and the rest.
pub type ReadSpMetadata = (Option<String>, Option<String>, crate::respond::SpMetadata);

/// Entity ID, HTTP-POST ACS, the encryption certificate (a KeyDescriptor with
/// `use="encryption"` or no `use`) and WantAssertionsSigned from SP metadata (DTDs refused).
pub fn sp_metadata(xml: &str) -> Result<ReadSpMetadata, String> {
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
    let descriptor = doc
        .descendants()
        .find(|n| n.has_tag_name((METADATA_NS, "SPSSODescriptor")));
    // An unreadable certificate only leaves the encrypted-assertion checks not applicable.
    let encryption = descriptor
        .into_iter()
        .flat_map(|d| d.children())
        .filter(|n| n.has_tag_name((METADATA_NS, "KeyDescriptor")))
        .filter(|n| n.attribute("use").is_none_or(|u| u == "encryption"))
        .flat_map(|n| n.descendants())
        .find(|n| n.has_tag_name((saml_protocol::DSIG_NS, "X509Certificate")))
        .and_then(|n| n.text())
        .map(|b64| b64.split_whitespace().collect::<String>())
        .and_then(|b64| {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(&b64)
                .ok()
                .and_then(|der| openssl::x509::X509::from_der(&der).ok())
                .map(Arc::new)
        });
    let wants_assertions_signed = descriptor
        .and_then(|n| n.attribute("WantAssertionsSigned"))
        .is_some_and(|v| v == "true" || v == "1");
    let name_id_formats = descriptor
        .into_iter()
        .flat_map(|d| d.children())
        .filter(|n| n.has_tag_name((METADATA_NS, "NameIDFormat")))
        .filter_map(|n| n.text())
        .map(|t| t.trim().to_owned())
        .collect();
    let single_logout = |binding: &str| {
        descriptor
            .into_iter()
            .flat_map(|d| d.children())
            .find(|n| {
                n.has_tag_name((METADATA_NS, "SingleLogoutService"))
                    && n.attribute("Binding") == Some(binding)
            })
            .and_then(|n| n.attribute("Location"))
            .map(str::to_owned)
    };
    Ok((
        root.attribute("entityID").map(str::to_owned),
        acs,
        crate::respond::SpMetadata {
            encryption_certificate: encryption,
            wants_assertions_signed,
            name_id_formats,
            single_logout: single_logout(saml_protocol::REDIRECT_BINDING),
            single_logout_post: single_logout(saml_protocol::POST_BINDING),
        },
    ))
}

/// The mock IdP for this scenario, with the app pointed at the SP.
pub(crate) fn idp_for(s: &Scenario, sp: &SpIds) -> Idp {
    let mut config = s.idp_config.clone();
    if s.idp_app.is_none() {
        if let Some(app) = config.apps.first_mut() {
            if !s.idp_urls_kept.identifiers {
                app.identifiers = vec![sp.entity_id.clone()];
            }
            if !s.idp_urls_kept.reply_urls {
                app.reply_urls = vec![sp.acs_url.clone()];
                app.default_reply_url = sp.acs_url.clone();
            }
        }
    } else if let Some(i) = s.idp_app.as_deref().and_then(|n| config.app_index(n)) {
        config.apps.swap(0, i);
    }
    Idp::new(config)
}

/// `check`'s findings for the scenario's vendor profile against the app a run uses and the SP
/// it resolved; `None` without a profile.
pub(crate) fn vendor_findings(
    s: &Scenario,
    sp: &SpIds,
    app: &mock_idp::config::App,
    now: time::OffsetDateTime,
) -> Option<Vec<crate::check::Finding>> {
    let profile = s.vendor.as_ref()?;
    let facts = crate::check::SpFacts {
        entity_id: Some(sp.entity_id.clone()),
        acs_url: Some(sp.acs_url.clone()),
        metadata: sp.metadata.clone(),
    };
    Some(crate::check::check(&crate::check::Inputs {
        profile: Some(profile),
        sp: Some(&facts),
        app,
        held: None,
        now,
    }))
}

/// `check`'s errors for the scenario's vendor profile, as a hint to a refused good login.
fn vendor_hint(
    s: &Scenario,
    sp: &SpIds,
    app: &mock_idp::config::App,
    now: time::OffsetDateTime,
) -> Option<String> {
    let profile = s.vendor.as_ref()?;
    let findings: Vec<String> = vendor_findings(s, sp, app, now)?
        .into_iter()
        .filter(|f| f.severity == crate::check::Severity::Error)
        .map(|f| {
            format!(
                "{}[{}]: {} (fix: {})",
                f.severity.name(),
                f.id,
                f.message,
                f.fix
            )
        })
        .collect();
    (!findings.is_empty()).then(|| {
        format!(
            "; the {} profile explains: {}",
            profile.name,
            findings.join("; ")
        )
    })
}

/// Why an SP refuses the IdP's own signature, most often: it trusts the wrong keys.
const WRONG_CERTIFICATE_HINT: &str = "; hint: if the SP could not verify the signature, it may trust the wrong key: Entra's tenant-level metadata (federationmetadata.xml without ?appid=) lists tenant-wide keys that never sign SAML tokens; configure the App Federation Metadata Url (with ?appid=) or the app's own certificate";

struct CaseRun<'a> {
    clock: saml_protocol::Clock,
    donor: Option<Arc<str>>,
    sp_metadata: crate::respond::SpMetadata,
    scenario: &'a Scenario,
    idp: Arc<Idp>,
    limits: Limits,
    origins: Vec<url::Url>,
    driver: Driver,
    /// The canary listener, when a selected check makes the SP fetch (or why it is missing).
    canary: Result<Option<crate::canary::CanaryListener>, String>,
    /// Whether the user said where the SP reaches the canary (`--canary-url`).
    canary_told: bool,
    /// With a vendor profile: `check`'s errors, told when the good login fails.
    vendor_hint: Option<String>,
}

impl CaseRun<'_> {
    fn responder(&self, attack: Option<&'static Check>, good: Option<&Delivered>) -> Responder {
        self.responder_signed_by(&self.idp, attack, good)
    }

    /// [`CaseRun::responder`] with `idp` signing (a `meta/` check's new keys).
    fn responder_signed_by(
        &self,
        idp: &Arc<Idp>,
        attack: Option<&'static Check>,
        good: Option<&Delivered>,
    ) -> Responder {
        Responder::new(
            idp.clone(),
            self.scenario.user.clone(),
            attack,
            good.cloned(),
            self.clock.clone(),
        )
        .with_donor(self.donor.clone())
        .with_sp(self.sp_metadata.clone())
    }

    /// One attempt through the run's driver.
    async fn attempt(&self, responder: Responder) -> Result<Attempt, CaseEnd> {
        self.attempt_from(responder, None).await
    }

    /// One attempt through the run's driver, the login started at `start` when given.
    async fn attempt_from(
        &self,
        responder: Responder,
        start: Option<url::Url>,
    ) -> Result<Attempt, CaseEnd> {
        let target = Target {
            scenario: self.scenario,
            limits: self.limits,
            origins: &self.origins,
            start,
        };
        self.driver.attempt(&target, responder).await
    }

    fn record_details(attempt: &Attempt, notes: &mut Notes) {
        notes.answered(attempt.acs_status, &attempt.acs_answer);
        notes.exchange = Exchange::of(attempt);
        let details = &mut notes.details;
        let c = &attempt.captured;
        details.push(format!(
            "AuthnRequest ({:?} binding to {}):\n{}",
            c.binding, c.idp_url, c.xml
        ));
        let post = &attempt.delivered.post;
        let (forged, beside) = (
            format!(
                "SAMLResponse posted to {}:\n{}",
                post.acs, post.saml_response
            ),
            post.beside.as_ref().map(|b| {
                format!(
                    "SAMLResponse also posted, {} the one above in the same form:\n{}",
                    if b.first { "before" } else { "after" },
                    b.xml
                )
            }),
        );
        details.push(forged);
        details.extend(beside);
    }

    async fn accept(&self, case: &Case, notes: &mut Notes) -> Result<(String, Delivered), CaseEnd> {
        let hint = |why: String| match &self.vendor_hint {
            Some(h) => format!("{why}{h}"),
            None => why,
        };
        match self.accept_as_expected(case, notes).await {
            // Only a refusal: an SP that could not be reached is not explained by its setup.
            Err(CaseEnd::Fail(why)) => Err(CaseEnd::Fail(hint(why))),
            other => other,
        }
    }

    async fn accept_as_expected(
        &self,
        case: &Case,
        notes: &mut Notes,
    ) -> Result<(String, Delivered), CaseEnd> {
        let attempt = self.attempt(self.responder(None, None)).await?;
        Self::record_details(&attempt, notes);
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
            Session::SignedOut { how } | Session::Unidentified { how } => {
                let mut why = format!("no session: {}; {how}", attempt.acs_answer);
                let answer = attempt.acs_answer.to_ascii_lowercase();
                if answer.contains("signature")
                    && ["verif", "validation", "invalid"]
                        .iter()
                        .any(|w| answer.contains(w))
                {
                    why.push_str(WRONG_CERTIFICATE_HINT);
                }
                Err(CaseEnd::Fail(why))
            }
        }
    }

    /// The control: the IdP's response through the forging pipeline with a no-op edit must
    /// sign the genuine user in, as the good login did.
    async fn control(
        &self,
        control: &'static Check,
        good: &Delivered,
        expected: Option<&str>,
    ) -> Result<(String, ()), CaseEnd> {
        let attempt = self
            .attempt(self.responder(Some(control), Some(good)))
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
            Session::SignedOut { how } | Session::Unidentified { how } => Err(CaseEnd::Fail(format!(
                "the IdP's own response, passed through the forging pipeline unchanged, was refused: {}; {how}; hint: the IdP that answered is probably not the one the SP trusts",
                attempt.acs_answer
            ))),
        }
    }

    /// The identity-switch control: a valid login as the target identity. Says whether the SP
    /// signs the target in and the oracle shows it.
    async fn target_control(&self, good: &Delivered) -> TargetControl {
        let control = &attacks::catalogue::CONTROL_TARGET;
        let attempt = match self
            .attempt(self.responder(Some(control), Some(good)))
            .await
        {
            Ok(attempt) => attempt,
            Err(CaseEnd::NotApplicable(why)) => return TargetControl::Unavailable(why),
            Err(CaseEnd::Fail(why) | CaseEnd::Error(why) | CaseEnd::Unanswered(why)) => {
                return TargetControl::Unrecognised(format!("could not run: {why}"))
            }
        };
        let forged = &attempt.delivered.swap.forged;
        let target = forged.first().cloned().unwrap_or_default();
        match attempt.session {
            Session::SignedIn { identity: Some(id) }
                if forged.iter().any(|f| f.eq_ignore_ascii_case(&id)) =>
            {
                TargetControl::Shown(format!("signed in as {id}: the oracle tells users apart"))
            }
            Session::SignedIn { identity } => TargetControl::Unrecognised(format!(
                "a valid login as {target} showed {:?}: the oracle does not tell users apart, so no forged-identity verdict can be trusted; hint: point `sp.oracle.identity` at the NameID or an identity claim",
                identity.as_deref().unwrap_or("no identity")
            )),
            Session::SignedOut { how } | Session::Unidentified { how } => TargetControl::Refused(format!(
                "the SP refused a valid login as {target} ({}; {how}), so a refused forgery of that identity proves nothing; hint: create that user in the SP, or let it sign users in just in time",
                attempt.acs_answer
            )),
        }
    }

    /// Runs a control within the case timeout: pass, not-applicable, or inconclusive (never
    /// fail: a control that fails says the run cannot judge, not that the SP is wrong).
    async fn run_control(
        &self,
        control: &'static Check,
        good: &Delivered,
        expected: Option<&str>,
        limits: Limits,
    ) -> (Outcome, String, Duration) {
        let started = Instant::now();
        let result =
            tokio::time::timeout(limits.case_timeout, self.control(control, good, expected)).await;
        let ((outcome, reason), _) = conclude(result, limits.case_timeout);
        let outcome = match outcome {
            Outcome::Fail | Outcome::Error => Outcome::Inconclusive,
            other => other,
        };
        (outcome, reason, started.elapsed())
    }

    /// Runs the control until it signs the user in, pausing [`RECOVERY_PAUSES`] between
    /// tries (an SP restarting after a crash, or a rate limit cooling down); false when it
    /// never does.
    async fn recovered(&self, good: &Delivered, expected: Option<&str>, limits: Limits) -> bool {
        for pause in RECOVERY_PAUSES {
            tokio::time::sleep(pause).await;
            let (outcome, _, _) = self
                .run_control(&attacks::catalogue::CONTROL, good, expected, limits)
                .await;
            if outcome == Outcome::Pass {
                return true;
            }
        }
        false
    }

    /// Every attack starts from a fresh login, so the SP has a request outstanding and only
    /// the one thing the attack changes is wrong.
    async fn reject(
        &self,
        case: &Case,
        good: &Delivered,
        baseline: &Baseline,
        notes: &mut Notes,
    ) -> Result<(String, Judged), CaseEnd> {
        if let Some(chain) = &case.mutations {
            return self.mutated(chain.clone(), good, baseline, notes).await;
        }
        let check = case
            .attack
            .ok_or_else(|| CaseEnd::Error("a reject case needs an attack".into()))?;
        // A replay re-posts a response the SP has just accepted (fresh, so it cannot be
        // refused only for having expired): over HTTP with the cookies it was posted with;
        // Chromium's fresh context starts a login of its own and posts it there.
        if matches!(
            (check.edit, &self.driver),
            (attacks::Edit::Replay, Driver::Http)
        ) {
            return self.replay_check(check, baseline, notes).await;
        }
        let fresh;
        let replayed = if let attacks::Edit::Replay = check.edit {
            let login = self.attempt(self.responder(None, None)).await?;
            if !matches!(login.session, Session::SignedIn { .. }) {
                return Ok(inconclusive(format!(
                    "the fresh login to replay was not accepted: {}",
                    login.acs_answer
                )));
            }
            fresh = login.delivered;
            &fresh
        } else {
            good
        };
        if check.goal == attacks::Goal::Withstand {
            return self.withstand_check(check, good, baseline, notes).await;
        }
        if check.goal == attacks::Goal::AnswerAlike {
            return self.alike_check(check, notes).await;
        }
        if let Some(change) = check.retrust() {
            return self
                .retrust_check(check, change, good, baseline, notes)
                .await;
        }
        if check.needs_canary() {
            return self.fetch_probe(check, good, notes).await;
        }
        if let attacks::Edit::LogoutReturnTo(address) = check.edit {
            return self.logout_return_to_check(check, address, notes).await;
        }
        if let attacks::Edit::ReturnTo(address) = check.edit {
            return self.return_to_check(check, address, good, notes).await;
        }
        if let attacks::Edit::SignOnQuery(names) = check.edit {
            return self.sign_on_reflection_check(check, names, notes).await;
        }
        if check.goal == attacks::Goal::StayOnSite {
            return self.relay_check(check, good, notes).await;
        }
        if check.goal == attacks::Goal::Escape {
            self.http_driver_only("a reflection check reads the ACS's page")?;
            let attempt = self
                .attempt(self.responder(Some(check), Some(good)))
                .await?;
            Self::record_details(&attempt, notes);
            let judged = crate::judge::judge_reflection(
                &attempt.acs_body,
                attempt.acs_html,
                &attempt.session,
                &attempt.acs_answer,
                check.must,
            );
            notes.signed_in_as = judged.signed_in_as.clone();
            return Ok((judged.reason.clone(), judged));
        }
        if check.goal == attacks::Goal::FreshSession {
            return self.fixation_check(check, good, baseline, notes).await;
        }
        if let attacks::Edit::OtherBrowser(victim) = check.edit {
            return self
                .other_browser_check(check, victim, baseline, notes)
                .await;
        }
        if check.goal == attacks::Goal::StaySignedIn {
            return self.logout_check(check, baseline, notes).await;
        }
        if check.goal == attacks::Goal::Discreet {
            self.http_driver_only("an error-page check reads the ACS's answer")?;
            let attempt = self
                .attempt(self.responder(Some(check), Some(good)))
                .await?;
            Self::record_details(&attempt, notes);
            let judged =
                crate::judge::judge_discreet(&attempt.acs_body, &attempt.acs_answer, check.must);
            return Ok((judged.reason.clone(), judged));
        }
        if let attacks::Edit::AnonymousHeaders(headers) = check.edit {
            return self.anonymous_check(check, headers, baseline, notes).await;
        }
        let attempt = self
            .attempt(self.responder(Some(check), Some(replayed)))
            .await?;
        let mut judged = Self::judge_attempt(check, &attempt, baseline, notes);
        if let (Some(measure), Some(accepted)) = (
            attacks::catalogue::skew_measure(check),
            skew_answer(judged.outcome),
        ) {
            let measured = self.measure_skew(&measure, accepted, good, baseline).await;
            judged.reason = format!("{}; {measured}", judged.reason);
        }
        Ok((judged.reason.clone(), judged))
    }

    /// The verdict on `check`'s forgery as `attempt` posted it, by the check's goal; the
    /// attempt's details and who got in go to `notes`.
    fn judge_attempt(
        check: &Check,
        attempt: &Attempt,
        baseline: &Baseline,
        notes: &mut Notes,
    ) -> Judged {
        Self::record_details(attempt, notes);
        let swap = &attempt.delivered.swap;
        let judged = crate::judge::judge(
            check.goal,
            &attempt.session,
            swap,
            baseline,
            &attempt.acs_answer,
            check.must,
        );
        notes.forged_identity = forged_identity(swap, judged.signed_in_as.as_deref());
        notes.signed_in_as = judged.signed_in_as.clone();
        judged
    }

    /// COND-07: how much clock skew the SP allows, between two of `measure`'s steps. The
    /// check's own ten-minute answer is the first point; the rest is bisected, a fresh login
    /// a step, on the assumption that an SP taking a response `s` seconds out takes any
    /// closer one.
    async fn measure_skew(
        &self,
        measure: &attacks::catalogue::SkewMeasure,
        ten_minutes_accepted: bool,
        good: &Delivered,
        baseline: &Baseline,
    ) -> String {
        let steps = measure.steps;
        let ten = steps.iter().position(|s| s.seconds == 600).unwrap_or(0);
        // The furthest step known accepted, and the closest known refused.
        let (mut accepted, mut refused) = if ten_minutes_accepted {
            (Some(ten), None)
        } else {
            (None, Some(ten))
        };
        loop {
            let (from, to) = (
                accepted.map_or(0, |a| a + 1),
                refused.unwrap_or(steps.len()),
            );
            if from >= to {
                break;
            }
            let mid = (from + to) / 2;
            let check = &steps[mid].check;
            let answer = match self.attempt(self.responder(Some(check), Some(good))).await {
                Ok(attempt) => {
                    let judged = crate::judge::judge(
                        check.goal,
                        &attempt.session,
                        &attempt.delivered.swap,
                        baseline,
                        &attempt.acs_answer,
                        check.must,
                    );
                    skew_answer(judged.outcome)
                        .ok_or_else(|| format!("{}: {}", judged.outcome.word(), judged.reason))
                }
                Err(
                    CaseEnd::Fail(m)
                    | CaseEnd::Error(m)
                    | CaseEnd::Unanswered(m)
                    | CaseEnd::NotApplicable(m),
                ) => Err(m),
            };
            match answer {
                Ok(true) => accepted = Some(mid),
                Ok(false) => refused = Some(mid),
                Err(why) => {
                    return format!(
                        "{} (the measurement stopped at the {} s step: {why})",
                        skew_bounds(measure, accepted, refused),
                        steps[mid].seconds
                    )
                }
            }
        }
        skew_bounds(measure, accepted, refused)
    }
}

/// What a clock-skew measurement found: the furthest step accepted and the closest refused.
fn skew_bounds(
    measure: &attacks::catalogue::SkewMeasure,
    accepted: Option<usize>,
    refused: Option<usize>,
) -> String {
    let (relation, side) = (measure.relation, measure.side);
    let seconds = |i: Option<usize>| i.and_then(|i| measure.steps.get(i)).map(|s| s.seconds);
    match (seconds(accepted), seconds(refused)) {
        (None, Some(r)) => format!(
            "clock skew allowed {relation}: less than {r} s (refused a response {r} s {side})"
        ),
        (Some(a), Some(r)) => format!(
            "clock skew allowed {relation}: between {a} s and {r} s (accepted a response {a} s {side}, refused one {r} s {side})"
        ),
        (Some(a), None) => format!(
            "clock skew allowed {relation}: at least {a} s (accepted a response {a} s {side})"
        ),
        (None, None) => "no clock-skew step ran".into(),
    }
}

/// What a clock-skew step's verdict says: accepted (`nonstrict`), refused (`pass`), or
/// nothing to measure by.
fn skew_answer(outcome: Outcome) -> Option<bool> {
    match outcome {
        Outcome::Nonstrict => Some(true),
        Outcome::Pass => Some(false),
        _ => None,
    }
}

impl CaseRun<'_> {
    /// A fuzz case: the IdP's response for a fresh login, edited by `chain`.
    async fn mutated(
        &self,
        chain: Arc<attacks::mutate::Chain>,
        good: &Delivered,
        baseline: &Baseline,
        notes: &mut Notes,
    ) -> Result<(String, Judged), CaseEnd> {
        let responder = self
            .responder(None, Some(good))
            .with_chain(Some(chain.clone()));
        let attempt = self.attempt(responder).await?;
        Self::record_details(&attempt, notes);
        let spec_invalid = attempt
            .delivered
            .mutated
            .as_ref()
            .is_some_and(|a| a.spec_invalid);
        let swap = &attempt.delivered.swap;
        let judged = crate::judge::judge_mutated(
            spec_invalid,
            &attempt.session,
            swap,
            baseline,
            &attempt.acs_answer,
            attempt.acs_status,
        );
        notes.forged_identity = forged_identity(swap, judged.signed_in_as.as_deref());
        notes.signed_in_as = judged.signed_in_as.clone();
        Ok((judged.reason.clone(), judged))
    }

    /// A check that makes the SP fetch: its document names a fresh canary prefix, and what
    /// reached it decides.
    async fn fetch_probe(
        &self,
        check: &'static Check,
        good: &Delivered,
        notes: &mut Notes,
    ) -> Result<(String, Judged), CaseEnd> {
        let canary = match &self.canary {
            Ok(Some(canary)) => canary,
            Ok(None) => return Err(CaseEnd::Error("the canary listener was not started".into())),
            Err(e) => return Err(CaseEnd::Error(e.clone())),
        };
        let probe = canary.probe();
        let responder = self
            .responder(Some(check), Some(good))
            .with_canary(Some(probe.clone()));
        // Within the case's time, so the fetches are read even when the SP never answers.
        let within = self.limits.case_timeout.mul_f64(0.9);
        let attempt = tokio::time::timeout(within, self.attempt(responder)).await;
        // Fetches land while the SP reads the response, before it answers; a moment more
        // catches one made in the background.
        tokio::time::sleep(CANARY_GRACE).await;
        let hits = probe.hits();
        let attempt = match attempt {
            Ok(Ok(attempt)) => attempt,
            // The SP fetched, then failed or hung: the fetch decides.
            failed if hits.iter().any(|h| h.kind != HitKind::ControlOpened) => {
                let then = match failed {
                    Ok(Err(
                        CaseEnd::Fail(why)
                        | CaseEnd::Error(why)
                        | CaseEnd::Unanswered(why)
                        | CaseEnd::NotApplicable(why),
                    )) => why,
                    _ => format!("no answer within {within:?}"),
                };
                let judged = crate::judge::judge_fetch(
                    &hits,
                    probe.secret(),
                    LocalFile::Secret,
                    &Session::SignedOut { how: then.clone() },
                    None,
                    &then,
                    check.must,
                );
                return Ok((format!("{}; then: {then}", judged.reason), judged));
            }
            Ok(Err(end)) => return Err(end),
            Err(_) => {
                return Err(CaseEnd::Error(format!(
                    "no answer within {within:?}; hint: raise --case-timeout"
                )))
            }
        };
        Self::record_details(&attempt, notes);
        let file = probe.target().file.clone();
        let local = match probe.file_use() {
            FileUse::Secret => LocalFile::Secret,
            FileUse::Rewritten => LocalFile::Needed(&file),
            FileUse::Watched => LocalFile::Watched(&file),
        };
        let local_only = local != LocalFile::Secret;
        // A file only this machine holds: a refusal counts only if the SP could read it.
        let unreachable = if local_only {
            (!self.scenario.sp.shares_tmp).then(|| format!(
                "the scenario does not say the SP reads this machine's temporary directory (sp.shares_tmp), so it may never have seen {file}"
            ))
        } else {
            loopback_unreachable(&attempt.delivered.post.acs).filter(|_| !self.canary_told)
        };
        let mut judged = crate::judge::judge_fetch(
            &hits,
            probe.secret(),
            local,
            &attempt.session,
            unreachable.as_deref(),
            &attempt.acs_answer,
            check.must,
        );
        // Opens may have gone unseen: nothing seen is no pass.
        if local == LocalFile::Watched(&file)
            && judged.outcome == Outcome::Pass
            && probe.watch_overflowed()
        {
            judged.outcome = Outcome::Inconclusive;
            judged.reason = format!(
                "{}; but the kernel's queue of file events overflowed, so an open may have gone unseen",
                judged.reason
            );
        }
        // Without sp.shares_tmp a refusal of the file check lacks what it needs to count:
        // not-applicable (the run's gap), not a doubt about this SP.
        if local_only && !self.scenario.sp.shares_tmp && judged.outcome == Outcome::Inconclusive {
            judged.outcome = Outcome::NotApplicable;
        }
        notes.signed_in_as = judged.signed_in_as.clone();
        Ok((judged.reason.clone(), judged))
    }
}

impl CaseRun<'_> {
    /// A RelayState check: the IdP's own response with the check's RelayState; where the
    /// browser goes after the ACS decides.
    async fn relay_check(
        &self,
        check: &'static Check,
        good: &Delivered,
        notes: &mut Notes,
    ) -> Result<(String, Judged), CaseEnd> {
        self.http_driver_only("a RelayState check reads the ACS's redirect")?;
        if matches!(check.edit, attacks::Edit::UnsolicitedRelayState(_))
            && self.scenario.idp_url.is_some()
        {
            return Err(CaseEnd::NotApplicable(
                "the IdP must issue an IdP-initiated response (no InResponseTo), and a running IdP signs only what it is asked for; hint: leave out idp.url to use the in-process IdP".into(),
            ));
        }
        self.redirect_after_login(check, good, None, notes).await
    }

    /// A login answered with the IdP's own response (started at `start` when given); where
    /// the browser goes after the ACS decides.
    async fn redirect_after_login(
        &self,
        check: &'static Check,
        good: &Delivered,
        start: Option<url::Url>,
        notes: &mut Notes,
    ) -> Result<(String, Judged), CaseEnd> {
        let attempt = self
            .attempt_from(self.responder(Some(check), Some(good)), start)
            .await?;
        Self::record_details(&attempt, notes);
        if let Some(why) = &attempt.exit_unknown {
            return Ok(inconclusive(format!(
                "following the SP's redirects after the ACS ({}) failed: {why}; where the browser would have gone cannot be told",
                attempt.acs_answer
            )));
        }
        let judged = crate::judge::judge_redirect(
            attempt.left_for.as_deref(),
            &attempt.session,
            &attempt.acs_answer,
            check.must,
        );
        notes.signed_in_as = judged.signed_in_as.clone();
        Ok((judged.reason.clone(), judged))
    }
}

impl CaseRun<'_> {
    /// A return-address check: the login starts at `sp.return_to` with `address`; an SP
    /// that refuses to start it passes, one that redirects there (before or after the login)
    /// does not.
    async fn return_to_check(
        &self,
        check: &'static Check,
        address: &str,
        good: &Delivered,
        notes: &mut Notes,
    ) -> Result<(String, Judged), CaseEnd> {
        self.http_driver_only("a return-address check reads the SP's redirects")?;
        let Some(template) = &self.scenario.sp.return_to else {
            return Err(CaseEnd::NotApplicable(format!(
                "the scenario names no login URL that takes a return address; hint: set sp.return_to, e.g. ${{SP_URL}}/mellon/login?ReturnTo={RETURN_TO_PLACE}"
            )));
        };
        let start = return_address_url(template, address)?;
        notes.details.push(format!("login started at {start}"));
        // First look without following: a refusal ends it, a redirect off the SP is one.
        let origins: Vec<&url::Url> = self.origins.iter().collect();
        let first = Browser::new(self.limits, &origins).get(&start).await?;
        if (400..600).contains(&first.status) {
            notes.answered(
                Some(first.status),
                &format!("{start} answered {}", first.summary()),
            );
            return self
                .refusal(ReturnEndpoint::Login, template, &first.summary())
                .await;
        }
        if let Some(next) = first.location.as_ref().filter(|n| {
            (300..400).contains(&first.status)
                && !n.query_pairs().any(|(k, _)| k == "SAMLRequest")
                && !self.origins.iter().any(|o| o.origin() == n.origin())
        }) {
            let judged = crate::judge::judge_redirect(
                Some(next.as_str()),
                &Session::SignedOut {
                    how: "no login yet".into(),
                },
                &format!("{start} answered {}", first.summary()),
                check.must,
            );
            return Ok((judged.reason.clone(), judged));
        }
        self.redirect_after_login(check, good, Some(start), notes)
            .await
    }
}

impl CaseRun<'_> {
    /// A logout return-address check: no login; a fresh browser opens `sp.logout_return_to`
    /// with `address` and follows the SP's redirects.
    async fn logout_return_to_check(
        &self,
        check: &'static Check,
        address: &str,
        notes: &mut Notes,
    ) -> Result<(String, Judged), CaseEnd> {
        self.http_driver_only("a return-address check reads the SP's redirects")?;
        let Some(template) = &self.scenario.sp.logout_return_to else {
            return Err(CaseEnd::NotApplicable(format!(
                "the scenario names no logout URL that takes a return address; hint: set sp.logout_return_to, e.g. ${{SP_URL}}/mellon/logout?ReturnTo={RETURN_TO_PLACE}"
            )));
        };
        let start = return_address_url(template, address)?;
        notes.details.push(format!("logout opened at {start}"));
        let origins: Vec<&url::Url> = self.origins.iter().collect();
        let browser = Browser::new(self.limits, &origins);
        let first = browser.get(&start).await?;
        let answer = format!("{start} answered {}", first.summary());
        if (400..600).contains(&first.status) {
            notes.answered(Some(first.status), &answer);
            return self
                .refusal(ReturnEndpoint::Logout, template, &answer)
                .await;
        }
        let left_for = browser.exit(first).await?;
        let judged = crate::judge::judge_redirect(
            left_for.as_deref(),
            &Session::SignedOut {
                how: "no login".into(),
            },
            &answer,
            check.must,
        );
        Ok((judged.reason.clone(), judged))
    }
}

/// Which URL of the SP takes a return address.
#[derive(Clone, Copy)]
enum ReturnEndpoint {
    /// `sp.return_to`: the SP's own page there must start a login.
    Login,
    /// `sp.logout_return_to`: the SP's own page there must not be refused.
    Logout,
}

impl CaseRun<'_> {
    /// A return address refused (4xx/5xx; Shibboleth answers 500) passes only if `template`
    /// with the SP's own page works, else the template is wrong and nothing was tested. A
    /// 5xx or 429 (noted by the caller) is run again alone: it may be another check's crash.
    async fn refusal(
        &self,
        endpoint: ReturnEndpoint,
        template: &str,
        answer: &str,
    ) -> Result<(String, Judged), CaseEnd> {
        let own = return_address_url(template, &self.scenario.sp.oracle.url)?;
        let origins: Vec<&url::Url> = self.origins.iter().collect();
        let browser = Browser::new(self.limits, &origins);
        let (key, failed) = match endpoint {
            ReturnEndpoint::Login => (
                "sp.return_to",
                browser.start_login(&own).await.err().map(|e| e.to_string()),
            ),
            ReturnEndpoint::Logout => {
                let page = browser.get(&own).await?;
                let refused = (400..600).contains(&page.status);
                ("sp.logout_return_to", refused.then(|| page.summary()))
            }
        };
        if let Some(why) = failed {
            return Err(CaseEnd::Error(format!(
                "{key} does not work even for the SP's own page ({own}: {why}); hint: check the template"
            )));
        }
        let judged = Judged {
            outcome: Outcome::Pass,
            reason: format!("refused the return address: {answer}"),
            signed_in_as: None,
        };
        Ok((judged.reason.clone(), judged))
    }
}

/// `url` with each of `names` set to the reflection checks' markup, replacing any value it had
/// (a reader that takes the first of two values would otherwise see the genuine one).
fn with_markup(url: &url::Url, names: &[&str]) -> url::Url {
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !names.contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut out = url.clone();
    out.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .extend_pairs(names.iter().map(|n| (*n, attacks::REFLECTED_MARKUP)));
    out
}

/// The forged identity to report: the one `signed_in_as` shows when it is one of `swap`'s,
/// else the first (a forgery may change several values: the NameID, the object ID, claims).
fn forged_identity(swap: &attacks::identity::Swap, signed_in_as: Option<&str>) -> Option<String> {
    signed_in_as
        .and_then(|who| {
            swap.forged
                .iter()
                .find(|f| crate::oracle::same_identity(f, who))
        })
        .or(swap.forged.first())
        .cloned()
}

/// `template` (`sp.return_to` or `sp.logout_return_to`) with `address` in place of `{url}`.
fn return_address_url(template: &str, address: &str) -> Result<url::Url, FlowError> {
    let encoded: String = url::form_urlencoded::byte_serialize(address.as_bytes()).collect();
    parse_url(&template.replace(RETURN_TO_PLACE, &encoded))
}

impl CaseRun<'_> {
    /// Not-applicable under `--driver chromium`: `what` needs what only the HTTP driver sees.
    fn http_driver_only(&self, what: &str) -> Result<(), CaseEnd> {
        match self.driver {
            Driver::Chromium(_) => Err(CaseEnd::NotApplicable(format!(
                "{what}, which only `--driver http` sees"
            ))),
            Driver::Http => Ok(()),
        }
    }

    /// Request binding (login CSRF): a login started in one browser, the IdP's answer to it
    /// posted from a second browser (`second`: fresh, or with a login of its own started
    /// first, as a victim's would be); who that browser is signed in as is judged. A refusal
    /// counts only when the same response then signs the first browser in: else the SP
    /// refused it for something else (its request forgotten, a store on another worker).
    async fn other_browser_check(
        &self,
        check: &'static Check,
        second: attacks::SecondBrowser,
        baseline: &Baseline,
        notes: &mut Notes,
    ) -> Result<(String, Judged), CaseEnd> {
        self.http_driver_only("the request-binding check posts from a second cookie jar")?;
        let origins: Vec<&url::Url> = self.origins.iter().collect();
        let target = self.http_target();
        let victim = Browser::new(self.limits, &origins);
        if second == attacks::SecondBrowser::MidLogin {
            let own = victim
                .start_login(&parse_url(&self.scenario.sp.sign_on_url)?)
                .await?;
            notes.details.push(format!(
                "The second browser's own AuthnRequest, sent first and left unanswered:\n{}",
                own.xml
            ));
        }
        let asker = Browser::new(self.limits, &origins);
        let (captured, delivered) =
            crate::driver::http::deliver(&asker, &target, self.responder(Some(check), None))
                .await?;
        let attempt =
            crate::driver::http::complete(&victim, &target, captured.clone(), delivered.clone())
                .await?;
        let mut judged = Self::judge_attempt(check, &attempt, baseline, notes);
        if judged.outcome == Outcome::Pass {
            let own = crate::driver::http::complete(&asker, &target, captured, delivered).await?;
            judged = match own.session {
                Session::SignedIn { .. } => Judged {
                    reason: format!(
                        "{}; the same response then signed in the browser that asked for it",
                        judged.reason
                    ),
                    ..judged
                },
                _ => Judged {
                    outcome: Outcome::Inconclusive,
                    reason: format!(
                        "{}, but the same response then failed in the browser that asked for it too ({}), so the refusal may not be the binding",
                        judged.reason, own.acs_answer
                    ),
                    signed_in_as: None,
                },
            };
        }
        Ok((judged.reason.clone(), judged))
    }

    /// A replay as an attacker who captured the login's POST sends it: a good login, then a
    /// second browser holding only the cookies the first sent the ACS posts the same response
    /// again. An SP that binds each request to the browser's session meets the request it
    /// answers, so its assertion cache is what is tested. When those cookies already show the
    /// login's session (the SP kept the pre-login session: session/fixation), the replay
    /// proves nothing.
    async fn replay_check(
        &self,
        check: &'static Check,
        baseline: &Baseline,
        notes: &mut Notes,
    ) -> Result<(String, Judged), CaseEnd> {
        let origins: Vec<&url::Url> = self.origins.iter().collect();
        let target = self.http_target();
        let first = Browser::new(self.limits, &origins);
        let login =
            crate::driver::http::attempt_in(&first, &target, self.responder(None, None)).await?;
        if !matches!(login.session, Session::SignedIn { .. }) {
            return Ok(inconclusive(format!(
                "the fresh login to replay was not accepted: {}",
                login.acs_answer
            )));
        }
        let acs = parse_url(&login.delivered.post.acs)?;
        let second = match &login.acs_cookies {
            Some(cookies) => Browser::with_cookies(self.limits, &origins, &acs, cookies),
            None => Browser::new(self.limits, &origins),
        };
        if let Session::SignedIn { .. } = probe(&second, &self.scenario.sp.oracle).await? {
            return Ok(inconclusive(
                "the cookies the login was posted with already show its session (the SP kept the pre-login session: see session/fixation), so a replay with them proves nothing".into(),
            ));
        }
        let attempt =
            crate::driver::http::complete(&second, &target, login.captured, login.delivered)
                .await?;
        let judged = Self::judge_attempt(check, &attempt, baseline, notes);
        Ok((judged.reason.clone(), judged))
    }

    /// Session fixation: a good login, then a second browser holding only the cookies the
    /// first held before it asks the protected page who is signed in.
    async fn fixation_check(
        &self,
        check: &'static Check,
        good: &Delivered,
        baseline: &Baseline,
        notes: &mut Notes,
    ) -> Result<(String, Judged), CaseEnd> {
        self.http_driver_only("the session-fixation check reads the cookie jar")?;
        let attempt = self
            .attempt(self.responder(Some(check), Some(good)))
            .await?;
        Self::record_details(&attempt, notes);
        let replayed = match &attempt.pre_login_cookies {
            Some(cookies) => {
                let origins: Vec<&url::Url> = self.origins.iter().collect();
                let oracle = parse_url(&self.scenario.sp.oracle.url)?;
                let second = Browser::with_cookies(self.limits, &origins, &oracle, cookies);
                Some(probe(&second, &self.scenario.sp.oracle).await?)
            }
            None => None,
        };
        let judged = crate::judge::judge_fixation(
            &attempt.session,
            replayed.as_ref(),
            baseline,
            &attempt.acs_answer,
        );
        notes.signed_in_as = judged.signed_in_as.clone();
        Ok((judged.reason.clone(), judged))
    }
}

/// The SP's single logout URL and the binding a sign-out check uses there.
struct SloTarget<'a> {
    url: &'a url::Url,
    binding: attacks::LogoutBinding,
}

impl SloTarget<'_> {
    /// Sends `message` (a Redirect query, or the XML an HTTP-POST form carries as
    /// `SAMLRequest`) from `browser`.
    async fn send(&self, browser: &Browser, message: &str) -> Result<crate::flow::Page, CaseEnd> {
        Ok(match self.binding {
            attacks::LogoutBinding::Redirect => browser.get(&with_query(self.url, message)).await?,
            attacks::LogoutBinding::Post => {
                browser
                    .post_form(
                        self.url,
                        &[saml_protocol::post_field("SAMLRequest", message)],
                    )
                    .await?
            }
        })
    }

    /// Opens the URL with no message: a GET of it, or an empty form posted to it.
    async fn send_nothing(&self, browser: &Browser) -> Result<crate::flow::Page, CaseEnd> {
        Ok(match self.binding {
            attacks::LogoutBinding::Redirect => browser.get(self.url).await?,
            attacks::LogoutBinding::Post => browser.post_form(self.url, &[]).await?,
        })
    }
}

/// `url` with `query` after the query it already has.
fn with_query(url: &url::Url, query: &str) -> url::Url {
    let mut url = url.clone();
    let joined = match url.query() {
        Some(q) if !q.is_empty() => format!("{q}&{query}"),
        _ => query.to_owned(),
    };
    url.set_query(Some(&joined));
    url
}

/// `url` as reports show it: whole up to 2 KB, else its start and its length (a deflate
/// bomb's query is about 45 KB of base64).
pub fn elided(url: &str) -> String {
    const SHOWN: usize = 2048;
    match url.get(..SHOWN) {
        Some(start) if url.len() > SHOWN => format!("{start}… ({} bytes in all)", url.len()),
        _ => url.to_owned(),
    }
}

impl CaseRun<'_> {
    /// A sign-out check. First the URL is proven: the IdP's own signed LogoutRequest must end a
    /// session there (else nothing can be judged). Then the victim signs in again and the same
    /// browser opens the URL with the IdP's LogoutRequest for that session, forged by the
    /// check; the session must survive it. A session ended by the forgery is `vulnerable` only
    /// when the SP was not in trouble and the URL does not end sessions on any request.
    async fn logout_check(
        &self,
        check: &'static Check,
        baseline: &Baseline,
        notes: &mut Notes,
    ) -> Result<(String, Judged), CaseEnd> {
        self.http_driver_only("a sign-out check keeps the victim's browser")?;
        if self.scenario.idp_url.is_some() {
            return Err(CaseEnd::NotApplicable(
                "the IdP's own signed LogoutRequest (the control) needs the IdP's key, which a live IdP keeps".into(),
            ));
        }
        let attacks::Edit::Logout(forgery) = check.edit else {
            return Err(CaseEnd::Error(format!(
                "{} sends no sign-out message",
                check.id
            )));
        };
        let binding = forgery.binding();
        let sp = &self.scenario.sp;
        let redirect_url = sp
            .single_logout_url
            .clone()
            .or_else(|| self.sp_metadata.single_logout.clone());
        // With no URL named for HTTP-POST, the Redirect one is tried: many SPs take both
        // bindings at one URL whatever their metadata lists (an attacker does not read it).
        let (slo, setting, guessed) = match binding {
            attacks::LogoutBinding::Redirect => (redirect_url, "sp.single_logout_url", false),
            attacks::LogoutBinding::Post => {
                match sp
                    .single_logout_post_url
                    .clone()
                    .or_else(|| self.sp_metadata.single_logout_post.clone())
                {
                    Some(url) => (Some(url), "sp.single_logout_post_url", false),
                    None => (redirect_url, "sp.single_logout_post_url", true),
                }
            }
        };
        let Some(slo) = slo else {
            return Err(CaseEnd::NotApplicable(match binding {
                attacks::LogoutBinding::Redirect => "the SP names no single logout URL (its metadata has no HTTP-Redirect SingleLogoutService); hint: set sp.single_logout_url, e.g. ${SP_URL}/mellon/logout".into(),
                attacks::LogoutBinding::Post => "the SP names no single logout URL (its metadata has no SingleLogoutService); hint: set sp.single_logout_post_url, e.g. ${SP_URL}/slo, if the SP takes posted LogoutRequests".into(),
            }));
        };
        let slo_url = parse_url(&slo)?;
        if !self.origins.iter().any(|o| o.origin() == slo_url.origin()) {
            return Err(CaseEnd::NotApplicable(format!(
                "the single logout URL {slo} is not on the SP's origin, so the harness does not send it the victim's browser; hint: set {setting}"
            )));
        }
        let app = self
            .idp
            .config
            .apps
            .first()
            .ok_or_else(|| CaseEnd::Error("the tenant has no application".into()))?;
        let now = (self.clock)();
        let idp_error = |e: mock_idp::aadsts::Aadsts| {
            CaseEnd::Error(format!(
                "the mock IdP could not sign a sign-out message: {}",
                e.message()
            ))
        };
        // The IdP's signed LogoutRequest for `victim`'s session, issued at `now`.
        let logout_for = |victim: &Victim, now| {
            self.idp
                .logout_request(
                    app,
                    &victim.name_id,
                    victim.format.as_deref(),
                    victim.session_index.as_deref(),
                    &slo,
                    now,
                )
                .map_err(idp_error)
        };
        let to_slo = SloTarget {
            url: &slo_url,
            binding,
        };
        // The control: the IdP's signed LogoutRequest (an ID of its own: an SP's replay cache
        // may keep a refused message's) ends a session of its own.
        let (control_browser, control_login) = self.victim().await?;
        let Some(victim) = control_login else {
            return Ok(inconclusive(
                "the victim's login showed no signed-in user, so there is no session to end".into(),
            ));
        };
        let control = logout_for(&victim, now)?;
        let control_message = match binding {
            attacks::LogoutBinding::Redirect => &control.query,
            attacks::LogoutBinding::Post => &control.signed_xml,
        };
        let answer = to_slo.send(&control_browser, control_message).await?;
        let control_answer = format!(
            "the IdP's signed LogoutRequest: the single logout URL answered {}",
            answer.summary()
        );
        notes.details.push(control_answer.clone());
        let control_trouble = crate::judge::in_trouble(Some(answer.status));
        control_browser.settle(answer).await?;
        let after_control = probe(&control_browser, &self.scenario.sp.oracle).await?;
        if guessed && !control_trouble && matches!(after_control, Session::SignedIn { .. }) {
            return Err(CaseEnd::NotApplicable(format!(
                "the SP names no single logout URL for HTTP-POST, and its Redirect one ({slo}) does not end a session on the IdP's posted, signed LogoutRequest ({control_answer}); hint: set sp.single_logout_post_url if the SP takes posted LogoutRequests elsewhere"
            )));
        }
        // The forgery, on a fresh session.
        let (browser, login) = self.victim().await?;
        let Some(victim) = login else {
            return Ok(inconclusive(
                "the victim's second login showed no signed-in user, so there is no session to end"
                    .into(),
            ));
        };
        // Built now, just before they are sent (an SP may refuse a message a minute old).
        let now = (self.clock)();
        let genuine = logout_for(&victim, now)?;
        let own = crate::respond::AttackerSignOut::of(
            &self.idp,
            app,
            &victim.name_id,
            victim.format.as_deref(),
            &slo,
            now,
            check,
        )
        .map_err(idp_error)?;
        let forged =
            crate::respond::forged_logout(check, app, &genuine, &own).map_err(|e| match e {
                attacks::Skip::NotApplicable(why) => CaseEnd::NotApplicable(why),
                attacks::Skip::Failed(why) => {
                    CaseEnd::Error(format!("could not build the forged message: {why}"))
                }
            })?;
        let answer = to_slo.send(&browser, &forged).await?;
        let summary = format!("the single logout URL answered {}", answer.summary());
        notes.details.push(match binding {
            attacks::LogoutBinding::Redirect => format!(
                "the victim's LogoutRequest:\n{}\nforged and sent as GET {}\n{summary}",
                genuine.xml,
                elided(with_query(&slo_url, &forged).as_str())
            ),
            attacks::LogoutBinding::Post => format!(
                "the victim's LogoutRequest:\n{}\nforged and posted to {slo_url} as SAMLRequest:\n{forged}\n{summary}",
                genuine.xml
            ),
        });
        notes.answered(Some(answer.status), &summary);
        let forged_trouble = crate::judge::in_trouble(Some(answer.status));
        // On-site redirects and refreshes are followed; the session is read at the protected
        // page, twice (a sign-out that takes effect a moment later still counts).
        browser.settle(answer).await?;
        let mut after_forged = probe(&browser, &self.scenario.sp.oracle).await?;
        if matches!(after_forged, Session::SignedIn { .. }) {
            tokio::time::sleep(LOGOUT_SETTLE).await;
            after_forged = probe(&browser, &self.scenario.sp.oracle).await?;
        }
        let ended = !matches!(after_forged, Session::SignedIn { .. });
        // An URL that ends sessions whatever it is sent says nothing about signatures; nor
        // does a splice whose signed donor alone ends the session.
        let any_request_ends = ended && self.ends_a_session(&to_slo, None).await?;
        let donor_alone_ends = match forgery.donor() {
            Some(which) if ended && !any_request_ends => {
                let query = match which {
                    attacks::Donor::Request => Some(&own.request.query),
                    attacks::Donor::Response => Some(&own.response.query),
                    // Not a sign-out message: nothing to send alone.
                    attacks::Donor::Assertion => None,
                };
                match query {
                    Some(query) => self.ends_a_session(&to_slo, Some(query)).await?,
                    None => false,
                }
            }
            _ => false,
        };
        let judged = crate::judge::judge_logout(
            &crate::judge::LogoutEvidence {
                victim: victim.identity.as_deref(),
                forged: &after_forged,
                forged_trouble,
                any_request_ends,
                donor_alone_ends,
                control: &after_control,
                control_trouble,
                setting,
                no_message: match binding {
                    attacks::LogoutBinding::Redirect => {
                        "opening that URL with no message at all (a sign-out anyone can trigger with a link)"
                    }
                    attacks::LogoutBinding::Post => {
                        "posting that URL an empty form (a sign-out any web page can trigger)"
                    }
                },
                ending_shows: forgery.ending_shows(),
                costly: forgery == attacks::LogoutForgery::DeflateBomb,
            },
            baseline,
            check.must,
        );
        notes.signed_in_as = judged.signed_in_as.clone();
        Ok((judged.reason.clone(), judged))
    }

    /// Whether sending `message` (none: the bare URL, or an empty form) to the single logout
    /// URL from a fresh victim's browser ends that session (false when the victim's login
    /// shows no user).
    async fn ends_a_session(
        &self,
        to: &SloTarget<'_>,
        message: Option<&str>,
    ) -> Result<bool, CaseEnd> {
        let (browser, login) = self.victim().await?;
        if login.is_none() {
            return Ok(false);
        }
        let answer = match message {
            Some(message) => to.send(&browser, message).await?,
            None => to.send_nothing(&browser).await?,
        };
        browser.settle(answer).await?;
        Ok(!matches!(
            probe(&browser, &self.scenario.sp.oracle).await?,
            Session::SignedIn { .. }
        ))
    }

    /// The victim signs in through the SP in a browser of their own; their session's NameID,
    /// Format and SessionIndex (None: the login was refused).
    async fn victim(&self) -> Result<(Browser, Option<Victim>), CaseEnd> {
        let (browser, login) = self.login_in_own_browser().await?;
        let Session::SignedIn { identity } = login.session else {
            return Ok((browser, None));
        };
        // An encrypted assertion shows no NameID: the delivery still knows it.
        let (name_id, format, session_index) = crate::respond::session_of(
            &login.delivered.post.saml_response,
        )
        .unwrap_or((login.delivered.name_id.clone(), None, None));
        Ok((
            browser,
            Some(Victim {
                identity,
                name_id,
                format,
                session_index,
            }),
        ))
    }

    /// A good login over HTTP in a browser of its own, which keeps the session.
    async fn login_in_own_browser(&self) -> Result<(Browser, Attempt), CaseEnd> {
        let (browser, captured, delivered) = self.start_in_own_browser().await?;
        self.finish_in(browser, captured, delivered).await
    }

    /// The first half of [`CaseRun::login_in_own_browser`]: the SP's AuthnRequest and the
    /// IdP's good response to it, not yet posted.
    async fn start_in_own_browser(&self) -> Result<(Browser, Captured, Delivered), CaseEnd> {
        let origins: Vec<&url::Url> = self.origins.iter().collect();
        let browser = Browser::new(self.limits, &origins);
        let (captured, delivered) =
            crate::driver::http::deliver(&browser, &self.http_target(), self.responder(None, None))
                .await?;
        Ok((browser, captured, delivered))
    }

    /// The second half of [`CaseRun::login_in_own_browser`]: the response posted to the ACS.
    async fn finish_in(
        &self,
        browser: Browser,
        captured: Captured,
        delivered: Delivered,
    ) -> Result<(Browser, Attempt), CaseEnd> {
        let login =
            crate::driver::http::complete(&browser, &self.http_target(), captured, delivered)
                .await?;
        Ok((browser, login))
    }

    /// The scenario's SP as the HTTP driver reaches it, from its sign-on URL.
    fn http_target(&self) -> Target<'_> {
        Target {
            scenario: self.scenario,
            limits: self.limits,
            origins: &self.origins,
            start: None,
        }
    }

    /// The pre-flight for running checks `jobs` at once: `2 × jobs` logins, each in a browser
    /// of its own, then every session read again. Every login has its AuthnRequest (`jobs` at
    /// a time) before any posts to the ACS, so more requests are pending at once than checks
    /// side by side leave: an SP that remembers only its latest few refuses the earlier ones.
    /// An SP that keeps one session per user (or a few) ends the earlier ones, and checks run
    /// side by side would end each other's sessions: an accepted forgery would read as
    /// refused. Ok: how many logins the SP could take only alone; Err: what went wrong.
    async fn keeps_sessions_side_by_side(&self, jobs: usize) -> Result<usize, String> {
        tokio::time::timeout(self.limits.case_timeout, self.logins_side_by_side(jobs))
            .await
            .unwrap_or_else(|_| {
                Err(format!(
                    "the logins took longer than {:?} (--case-timeout)",
                    self.limits.case_timeout
                ))
            })
    }

    /// [`CaseRun::keeps_sessions_side_by_side`] without its time limit.
    async fn logins_side_by_side(&self, jobs: usize) -> Result<usize, String> {
        let logins = 2 * jobs;
        let started: Vec<_> = futures_util::stream::iter(0..logins)
            .map(|_| self.start_in_own_browser())
            .buffered(jobs)
            .collect()
            .await;
        let side_by_side: Vec<_> = futures_util::stream::iter(started)
            .map(|started| async move {
                let (browser, captured, delivered) = started?;
                self.finish_in(browser, captured, delivered).await
            })
            .buffered(jobs)
            .collect()
            .await;
        // A login the SP could not take beside others (it answered 5xx or 429, or not at all:
        // an SP that takes one sign-on at a time) is made again alone: the runner re-runs
        // checks that met such answers alone too. Any other refusal beside others would make
        // checks side by side read as refused, so it stops them.
        let (mut kept, mut crowded) = (Vec::with_capacity(logins), 0);
        for (i, login) in side_by_side.into_iter().enumerate() {
            let n = i + 1;
            let login = match login {
                Ok((browser, attempt)) if matches!(attempt.session, Session::SignedIn { .. }) => {
                    (browser, attempt)
                }
                Ok((_, attempt)) if !crate::judge::in_trouble(attempt.acs_status) => {
                    return Err(format!(
                        "login {n} of {logins}, made beside others, left no session ({})",
                        attempt.acs_answer
                    ))
                }
                Ok(_) | Err(CaseEnd::Error(_) | CaseEnd::Unanswered(_)) => {
                    crowded += 1;
                    match self.login_in_own_browser().await {
                        Ok(alone) => alone,
                        Err(
                            CaseEnd::Fail(why)
                            | CaseEnd::Error(why)
                            | CaseEnd::Unanswered(why)
                            | CaseEnd::NotApplicable(why),
                        ) => {
                            return Err(format!(
                                "login {n} of {logins} did not complete, even alone: {why}"
                            ))
                        }
                    }
                }
                Err(CaseEnd::Fail(why) | CaseEnd::NotApplicable(why)) => {
                    return Err(format!("login {n} of {logins} did not complete: {why}"))
                }
            };
            match login {
                (
                    browser,
                    Attempt {
                        session: Session::SignedIn { identity },
                        ..
                    },
                ) => kept.push((n, browser, identity)),
                (_, attempt) => {
                    return Err(format!(
                        "login {n} of {logins} was refused, even alone ({})",
                        attempt.acs_answer
                    ))
                }
            }
        }
        for (i, browser, identity) in kept {
            match probe(&browser, &self.scenario.sp.oracle).await {
                Ok(Session::SignedIn { identity: now }) if now == identity => {}
                Ok(Session::SignedIn { identity: now }) => {
                    return Err(format!(
                        "after {logins} logins, login {i}'s session shows {} instead of {}",
                        now.as_deref().unwrap_or("nobody"),
                        identity.as_deref().unwrap_or("nobody")
                    ))
                }
                Ok(Session::SignedOut { how } | Session::Unidentified { how }) => {
                    return Err(format!(
                        "after {logins} logins, login {i}'s session had ended ({how}): the SP keeps fewer sessions per user than that"
                    ))
                }
                Err(e) => {
                    return Err(format!(
                        "after {logins} logins, login {i}'s session could not be read: {e}"
                    ))
                }
            }
        }
        Ok(crowded)
    }

    /// No login: a fresh browser asks for the protected page with the check's `headers`; a
    /// page served to it is a bypass.
    async fn anonymous_check(
        &self,
        check: &'static Check,
        headers: &[(&str, &str)],
        baseline: &Baseline,
        notes: &mut Notes,
    ) -> Result<(String, Judged), CaseEnd> {
        let origins: Vec<&url::Url> = self.origins.iter().collect();
        let browser = Browser::new(self.limits, &origins);
        let oracle = &self.scenario.sp.oracle;
        let url = parse_url(&oracle.url)?;
        let page = browser.get_with(&url, headers).await?;
        notes.details.push(format!(
            "GET {url} with\n{}\nanswered {}",
            attacks::header_lines(headers, "\n"),
            page.summary()
        ));
        notes.answered(
            Some(page.status),
            &format!("the protected page answered {}", page.summary()),
        );
        // An ECP client's answer: a PAOS message carrying an AuthnRequest.
        let paos = (200..300).contains(&page.status)
            && page.body.contains("AuthnRequest")
            && page.content_type.as_deref().is_some_and(|t| {
                t.to_ascii_lowercase()
                    .starts_with(saml_protocol::PAOS_MEDIA_TYPE)
            });
        let session = crate::oracle::session_of(oracle, &page);
        let judged = crate::judge::judge_anonymous(&session, paos, baseline, check.must);
        notes.signed_in_as = judged.signed_in_as.clone();
        Ok((judged.reason.clone(), judged))
    }

    /// A reflection check at the sign-on URL ([`attacks::Edit::SignOnQuery`]): no login; a
    /// fresh browser opens the sign-on URL with all of `names`, then with each alone, set to
    /// the check's markup (one parameter's validation must not hide another's reflection),
    /// and follows the SP's redirects on that URL's origin, putting the parameters on each
    /// redirect too (a protected page sends the browser to the library's login view). The
    /// markup unescaped in an HTML page the browser would show is `vulnerable`; a 429, 502,
    /// 503 or 504 on the way with no reflection elsewhere is `inconclusive`.
    async fn sign_on_reflection_check(
        &self,
        check: &'static Check,
        names: &[&str],
        notes: &mut Notes,
    ) -> Result<(String, Judged), CaseEnd> {
        let origins: Vec<&url::Url> = self.origins.iter().collect();
        let start = parse_url(&self.scenario.sp.sign_on_url)?;
        let origin = start.origin();
        let mut unavailable = None;
        let mut reflected = None;
        let sets = std::iter::once(names.to_vec()).chain(names.iter().map(|n| vec![*n]));
        'sets: for set in sets {
            let browser = Browser::new(self.limits, &origins);
            let mut page = browser.get(&with_markup(&start, &set)).await?;
            for _ in 0..=self.limits.max_redirects {
                notes
                    .details
                    .push(format!("GET {} answered {}", page.url, page.summary()));
                let next = page
                    .location
                    .clone()
                    .filter(|l| (300..400).contains(&page.status) && l.origin() == origin);
                // A browser shows no body of a redirect it follows.
                let shown = page.location.is_none() || !(300..400).contains(&page.status);
                if shown && page.is_html() && page.body.contains(attacks::REFLECTION_MARKER) {
                    reflected = Some(page.url.clone());
                    break 'sets;
                }
                if matches!(page.status, 429 | 502 | 503 | 504) {
                    unavailable.get_or_insert(format!("{} answered {}", page.url, page.status));
                }
                let Some(next) = next else { break };
                page = browser.get(&with_markup(&next, &set)).await?;
            }
        }
        let judged = crate::judge::judge_sign_on_reflection(
            reflected.as_ref(),
            unavailable.as_deref(),
            names,
            check.must,
        );
        Ok((judged.reason.clone(), judged))
    }

    /// A denial-of-service check ([`attacks::Goal::Withstand`]): the good login must work
    /// first; then [`crate::judge::WITHSTAND_ROUNDS`] rounds, each a fresh login posting the burden's
    /// same-size yardstick (built from its own response) and another posting the burden
    /// (built from its own), every post timed and the protected page probed after the
    /// burden, the good login tried again after each round; all within the case's time.
    async fn withstand_check(
        &self,
        check: &'static Check,
        good: &Delivered,
        baseline: &Baseline,
        notes: &mut Notes,
    ) -> Result<(String, Judged), CaseEnd> {
        self.http_driver_only("a denial-of-service check times the ACS's answers")?;
        let deadline = Instant::now() + self.limits.case_timeout.mul_f64(0.9);
        let expected = baseline.good_identity.as_deref();
        // Whatever earlier checks did to the SP must not be blamed on this one.
        if !self.recovered(good, expected, self.limits).await {
            let reason = "the good login did not work before this check, so what the burden does to the SP cannot be told; hint: run it alone with --only".to_owned();
            let judged = Judged {
                outcome: Outcome::Inconclusive,
                reason: reason.clone(),
                signed_in_as: None,
            };
            return Ok((reason, judged));
        }
        let origins: Vec<&url::Url> = self.origins.iter().collect();
        let target = self.http_target();
        let pending = || async {
            let browser = Browser::new(self.limits, &origins);
            let (_, delivered) =
                crate::driver::http::deliver(&browser, &target, self.responder(None, None)).await?;
            let burden = check
                .burden(&delivered.post.saml_response, self.sp_metadata.facts())
                .map_err(unbuilt(check, "the burden"))?;
            let acs = parse_url(&delivered.post.acs)?;
            let form = move |value: String| {
                let mut fields = vec![("SAMLResponse".to_owned(), value)];
                fields.extend(
                    delivered
                        .post
                        .relay_state
                        .clone()
                        .map(|rs| ("RelayState".to_owned(), rs)),
                );
                fields
            };
            Ok::<_, CaseEnd>((browser, acs, burden, form))
        };
        let mut trial = crate::judge::Withstood {
            afterwards: true,
            request_timeout: self.limits.request_timeout,
            ..Default::default()
        };
        for round in 0..crate::judge::WITHSTAND_ROUNDS {
            // The yardstick's login is done before the burden's starts: an SP that keeps one
            // pending request at a time reads each post against its own login.
            let (measuring, acs, yardstick, form) = pending().await?;
            trial.yardstick_is = yardstick.yardstick_is;
            trial.ratio = yardstick.ratio;
            trial.floor = yardstick.floor;
            trial.ignorable = yardstick.ignorable;
            trial.crash = yardstick.crash;
            trial.oversize = yardstick.oversize;
            trial.delay = yardstick.delay;
            let how = Sending::of(&yardstick);
            let (timed, _) = timed_send(&measuring, &acs, &form(yardstick.yardstick), how).await;
            let unanswered = timed.answer.is_err();
            trial.yardstick.push(timed);
            if unanswered {
                break;
            }
            let (browser, acs, burden, form) = pending().await?;
            if round == 0 {
                let how = match burden.by_redirect {
                    true => "sent by HTTP-Redirect (a GET) to",
                    false => "posted to",
                };
                notes.details.push(format!(
                    "SAMLResponse {how} {acs} ({} bytes):\n{}",
                    burden.encoded.len(),
                    burden.shown
                ));
            }
            let how = Sending::of(&burden);
            let (timed, page) = timed_send(&browser, &acs, &form(burden.encoded), how).await;
            let answer = timed.answer.clone();
            trial.burden.push(timed);
            if let Ok(status) = answer {
                notes.answered(Some(status), &format!("{status} to the burden"));
                // Where the answer leads does not matter, only whether a session opened.
                if let Some(page) = page {
                    let _ = browser.exit(page).await;
                }
                match probe(&browser, &self.scenario.sp.oracle).await {
                    Ok(session) => trial.sessions.push(session),
                    Err(_) => trial.afterwards = false,
                }
            }
            // The SP must sign users in again before the next round is timed (or at the end).
            let left = deadline.saturating_duration_since(Instant::now());
            trial.afterwards &=
                tokio::time::timeout(left, self.recovered(good, expected, self.limits))
                    .await
                    .unwrap_or(false);
            if !trial.afterwards || Instant::now() >= deadline {
                break;
            }
        }
        let judged = crate::judge::judge_withstand(&trial, check.must);
        notes.signed_in_as = judged.signed_in_as.clone();
        Ok((judged.reason.clone(), judged))
    }
}

impl CaseRun<'_> {
    /// An answer-difference check ([`attacks::Goal::AnswerAlike`]): each of the check's
    /// variants posted [`crate::judge::ALIKE_ROUNDS`] times, in turn (v1 v2 v3, v1 v2 v3 …:
    /// a change that builds up, such as a lock-out, shows as a variant answered differently
    /// between rounds), each from a fresh login and built from its own response; the ACS's
    /// first answers compared (status, where it sends the browser, its page), within the
    /// case's time.
    async fn alike_check(
        &self,
        check: &'static Check,
        notes: &mut Notes,
    ) -> Result<(String, Judged), CaseEnd> {
        self.http_driver_only("an answer-difference check compares the ACS's answers")?;
        let deadline = Instant::now() + self.limits.case_timeout.mul_f64(0.9);
        let origins: Vec<&url::Url> = self.origins.iter().collect();
        let target = self.http_target();
        let mut asked: Vec<crate::judge::Asked> = Vec::new();
        let mut count = 1;
        'rounds: for round in 0..crate::judge::ALIKE_ROUNDS {
            let mut index = 0;
            while index < count {
                let browser = Browser::new(self.limits, &origins);
                let (_, delivered) =
                    crate::driver::http::deliver(&browser, &target, self.responder(None, None))
                        .await?;
                let variants = check
                    .variants(&delivered.post.saml_response, self.sp_metadata.facts())
                    .map_err(unbuilt(check, "the variants"))?;
                count = variants.len();
                let Some(variant) = variants.get(index) else {
                    break;
                };
                let acs = parse_url(&delivered.post.acs)?;
                let mut fields = vec![saml_protocol::post_field("SAMLResponse", &variant.xml)];
                fields.extend(
                    delivered
                        .post
                        .relay_state
                        .clone()
                        .map(|rs| ("RelayState".to_owned(), rs)),
                );
                if round == 0 {
                    notes.details.push(format!(
                        "SAMLResponse posted to {acs}, {}:\n{}",
                        variant.what, variant.xml
                    ));
                }
                let told = told(browser.post_form(&acs, &fields).await);
                notes.answered(
                    told.status,
                    &format!(
                        "{} for {}",
                        told.status
                            .map_or("no answer".to_owned(), |s| s.to_string()),
                        variant.what
                    ),
                );
                match asked.get_mut(index) {
                    Some(before) => before.told.push(told),
                    None => asked.push(crate::judge::Asked {
                        what: variant.what,
                        told: vec![told],
                    }),
                }
                index += 1;
                if Instant::now() >= deadline {
                    break 'rounds;
                }
            }
        }
        let judged = crate::judge::judge_alike(&asked, check.must);
        Ok((judged.reason.clone(), judged))
    }
}

/// How a check's failure to build `what` from this login's response ends its case: a
/// not-applicable stays one, anything else is an error pointing at `--explain`.
fn unbuilt(check: &'static Check, what: &'static str) -> impl Fn(attacks::Skip) -> CaseEnd {
    move |e| {
        match e {
        attacks::Skip::NotApplicable(why) => CaseEnd::NotApplicable(why),
        attacks::Skip::Failed(why) => CaseEnd::Error(format!(
            "could not build {what}: {why}; hint: `saml-harness conformance --explain {}` shows what the check should post",
            check.id
        )),
    }
    }
}

/// An ACS's first answer as [`crate::judge::Told`] keeps it: status, where its `Location` or
/// `Refresh` sends the browser (query apart) and its page's text.
fn told(answer: Result<crate::flow::Page, FlowError>) -> crate::judge::Told {
    match answer {
        Ok(page) => {
            let (to, query) = match page.location.clone().or(page.refresh.clone()) {
                Some(mut to) => {
                    let query = to.query_pairs().into_owned().collect();
                    to.set_query(None);
                    to.set_fragment(None);
                    (Some(to.to_string()), query)
                }
                None => (None, Vec::new()),
            };
            crate::judge::Told {
                status: Some(page.status),
                to,
                query,
                page: crate::judge::page_text(&page.body, page.is_html()),
            }
        }
        Err(FlowError::BodyTooLarge { status, .. }) => crate::judge::Told {
            status: Some(status),
            ..Default::default()
        },
        Err(_) => crate::judge::Told::default(),
    }
}

/// How a denial-of-service check sends its messages to the ACS.
#[derive(Clone, Copy)]
enum Sending {
    /// An ordinary form post.
    Post,
    /// A post escaping only what a form must ([`Browser::post_form_lightly`]): a burden too
    /// large on purpose stays its own size on the wire.
    PostLightly,
    /// A GET of the ACS with the fields in its query (HTTP-Redirect).
    Redirect,
}

impl Sending {
    /// How `burden`'s messages go.
    fn of(burden: &attacks::Burden) -> Sending {
        match (burden.by_redirect, burden.oversize) {
            (true, _) => Sending::Redirect,
            (false, true) => Sending::PostLightly,
            (false, false) => Sending::Post,
        }
    }
}

/// Sends `fields` to `acs` in `browser` as `how` says and times the answer until the browser
/// lands: the ACS's status (a body over `--max-body` is still an answer) and the page it lands
/// on when that was read whole; a failure to answer (no answer in time, a connection closed), by the ACS or by a page its
/// redirects lead to on the SP, is kept as its reason. An SP may answer at once and do the
/// work behind its redirect (django-allauth's ACS keeps the response and redirects to the
/// view that validates it), so the time runs to the end of the redirects.
async fn timed_send(
    browser: &Browser,
    acs: &url::Url,
    fields: &[(String, String)],
    how: Sending,
) -> (crate::judge::Timed, Option<crate::flow::Page>) {
    let started = Instant::now();
    let mut query_url = None;
    let sent = match how {
        Sending::Redirect => {
            let url = query_url.insert(acs.clone());
            url.query_pairs_mut().extend_pairs(fields);
            browser.get(url).await
        }
        Sending::Post => browser.post_form(acs, fields).await,
        Sending::PostLightly => browser.post_form_lightly(acs, fields).await,
    };
    // A reason naming the URL names it shortened: a burden's query is about 45 KB.
    let reason = |e: FlowError| match &query_url {
        Some(url) => e.to_string().replace(url.as_str(), &elided(url.as_str())),
        None => e.to_string(),
    };
    let (answer, page) = match sent {
        Ok(page) => {
            let status = page.status;
            match browser.follow(page).await {
                Ok(landed) => (Ok(status), Some(landed)),
                Err(e @ (FlowError::TimedOut { .. } | FlowError::Transport { .. })) => {
                    (Err(reason(e)), None)
                }
                Err(_) => (Ok(status), None),
            }
        }
        Err(FlowError::BodyTooLarge { status, .. }) => (Ok(status), None),
        Err(e) => (Err(reason(e)), None),
    };
    let took = started.elapsed();
    (crate::judge::Timed { answer, took }, page)
}

/// How long after the SP's answer the canary is read (a fetch made in the background).
const CANARY_GRACE: Duration = Duration::from_millis(200);

/// Why an SP behind `acs` cannot reach a listener on this machine's loopback, if it cannot.
fn loopback_unreachable(acs: &str) -> Option<String> {
    let url = url::Url::parse(acs).ok()?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    (!loopback).then(|| {
        format!("the SP at {acs} is not on this machine's loopback, so it may not reach the canary on 127.0.0.1 (a refusal proves nothing; hint: --canary-listen and --canary-url give it an address it reaches)")
    })
}

/// What the identity-switch control found.
enum TargetControl {
    /// The SP signed the target in and the oracle showed it.
    Shown(String),
    /// The SP refused the target's valid login (no such account?).
    Refused(String),
    /// The oracle showed someone else, or the control could not run.
    Unrecognised(String),
    /// No valid login as the target can be made here (the IdP's key is not held).
    Unavailable(String),
}

/// The case a control is reported as.
fn control_case(control: &'static Check, expected: Option<&str>) -> Case {
    Case {
        id: control.id.to_owned(),
        name: control.title.to_owned(),
        expect: Expect::Accept,
        identity: expected.map(str::to_owned),
        attack: None,
        mutations: None,
    }
}

/// An inconclusive judgement with `reason`.
fn inconclusive(reason: String) -> (String, Judged) {
    let judged = Judged {
        outcome: Outcome::Inconclusive,
        reason: reason.clone(),
        signed_in_as: None,
    };
    (reason, judged)
}

/// What a case leaves besides its verdict: findings and, for `--verbose`, decoded messages.
#[derive(Default)]
struct Notes {
    findings: Vec<String>,
    details: Vec<String>,
    signed_in_as: Option<String>,
    forged_identity: Option<String>,
    /// The first answer of the SP's that was 5xx or 429, with its status: a refusal then
    /// may be another check's doing.
    trouble: Option<(u16, String)>,
    /// The case could not run because the SP did not answer ([`CaseEnd::Unanswered`]).
    unanswered: bool,
    /// The login's messages and answers.
    exchange: Exchange,
    /// Why the SP may still trust changed IdP metadata after a `meta/` check (it did not take
    /// its original metadata back).
    metadata_left: Option<String>,
}

impl Notes {
    /// Notes how the SP answered (`status`, when the driver saw one): a 5xx or 429 is kept.
    fn answered(&mut self, status: Option<u16>, answer: &str) {
        if let (Some(status), None) = (status, &self.trouble) {
            if crate::judge::in_trouble(Some(status)) {
                self.trouble = Some((status, answer.to_owned()));
            }
        }
    }
}

/// A signed-in victim of a sign-out check.
struct Victim {
    /// Who the protected page showed.
    identity: Option<String>,
    /// The session's NameID, Format and SessionIndex.
    name_id: String,
    format: Option<String>,
    session_index: Option<String>,
}

/// How long a sign-out check waits before reading the session a second time.
const LOGOUT_SETTLE: Duration = Duration::from_millis(200);

/// The pauses before each try of [`CaseRun::recovered`] (3.75 s in all).
const RECOVERY_PAUSES: [Duration; 5] = [
    Duration::ZERO,
    Duration::from_millis(250),
    Duration::from_millis(500),
    Duration::from_millis(1000),
    Duration::from_millis(2000),
];

/// Checks' first verdicts, in order, waiting to be recorded: a check to be run again holds
/// every later one (so verdicts stay in order), and with `jobs` at once the last `jobs - 1`
/// wait too, since a later check the SP did not answer may show they ran beside a crash (at
/// most `jobs` consecutive checks are ever in flight together).
struct Waiting<T> {
    lag: usize,
    queue: VecDeque<(T, bool, Option<Suspicion>)>,
    holding: bool,
    beside_a_crash: usize,
}

impl<T> Waiting<T> {
    /// Nothing waiting yet, for checks run `jobs` at once.
    fn new(jobs: usize) -> Self {
        Waiting {
            lag: jobs.max(1) - 1,
            queue: VecDeque::new(),
            holding: false,
            beside_a_crash: 0,
        }
    }

    /// Takes the next check (whether it passed, and why it must be run again, if so);
    /// returns those that can be recorded now, in order.
    fn push(&mut self, item: T, passed: bool, mut why: Option<Suspicion>) -> Vec<T> {
        if matches!(why, Some(Suspicion::Unanswered(_) | Suspicion::Crowded(_))) {
            for (_, passed, suspicion) in self.queue.iter_mut().rev().take(self.lag) {
                if *passed && suspicion.is_none() {
                    *suspicion = Some(Suspicion::BesideACrash);
                }
            }
            self.beside_a_crash = self.lag;
        } else if self.beside_a_crash > 0 {
            self.beside_a_crash -= 1;
            if passed && why.is_none() {
                why = Some(Suspicion::BesideACrash);
            }
        }
        self.queue.push_back((item, passed, why));
        let mut ready = Vec::new();
        while !self.holding && self.queue.len() > self.lag {
            if self.queue.front().is_some_and(|(_, _, why)| why.is_some()) {
                self.holding = true;
            } else if let Some((item, _, _)) = self.queue.pop_front() {
                ready.push(item);
            }
        }
        ready
    }

    /// Every check still waiting, in order, with why it must be run again (if so).
    fn rest(self) -> impl Iterator<Item = (T, Option<Suspicion>)> {
        self.queue.into_iter().map(|(item, _, why)| (item, why))
    }
}

/// Why a check's first verdict is not final: it is run again alone after the others.
enum Suspicion {
    /// It was refused with this 5xx or 429 answer.
    Trouble(String),
    /// It could not run (this error) because the SP did not answer.
    Unanswered(String),
    /// It was refused while a check running at the same time found the SP not answering.
    BesideACrash,
    /// It could not run (this error) while other checks ran at the same time: an SP may
    /// take one sign-on at a time (mod_auth_mellon answered 500 under two jobs).
    Crowded(String),
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
        Ok(Err(CaseEnd::Error(e) | CaseEnd::Unanswered(e))) => {
            ((Outcome::Error, format!("could not run: {e}")), None)
        }
        Ok(Err(CaseEnd::NotApplicable(why))) => ((Outcome::NotApplicable, why), None),
    }
}

/// The pre-flight of [`run_scenario`] on its own, for runs that put several logins side by
/// side without it (`fuzz`): whether `scenario`'s SP keeps the sessions of `2 × jobs` logins,
/// all started before any is posted, each taken beside the others (a fuzz batch whose good
/// login fails cannot be judged at all, so a login the SP takes only alone fails it too). Err
/// says why not.
pub async fn keeps_sessions_side_by_side(
    scenario: &Scenario,
    limits: Limits,
    jobs: usize,
    driver: Driver,
    clock: saml_protocol::Clock,
) -> Result<(), String> {
    let sp = resolve_sp(scenario, limits).await?;
    let run = CaseRun {
        clock,
        donor: resolve_donor(scenario, limits).await?,
        sp_metadata: sp.metadata.clone(),
        idp: Arc::new(idp_for(scenario, &sp)),
        origins: sp_origins(scenario, &sp)
            .into_iter()
            .chain(scenario.idp_url.clone())
            .collect(),
        scenario,
        limits,
        driver,
        canary: Ok(None),
        canary_told: false,
        vendor_hint: None,
    };
    match run.keeps_sessions_side_by_side(jobs).await? {
        0 => Ok(()),
        alone => Err(format!(
            "{alone} of {} logins could be made only alone, and a batch whose good login fails cannot be judged",
            2 * jobs
        )),
    }
}

/// The note when the pre-flight for `jobs` at once failed with `why`: `what` (checks,
/// batches) run one at a time.
pub fn one_at_a_time(what: &str, jobs: usize, why: &str) -> String {
    format!(
        "{what} run one at a time, not {jobs} at once: {why}; hint: {what} side by side would end or refuse each other's logins, so an accepted forgery could read as refused"
    )
}

/// Whether `case` is a sign-out check, which runs alone when checks run side by side.
fn held_back_by_goal(case: &Case) -> bool {
    case.attack
        .is_some_and(|c| c.goal == attacks::Goal::StaySignedIn)
}

/// Whether `case` runs alone after every other check: a denial-of-service check may leave the
/// SP busy or down, and beside other checks its timing would mean nothing; a `meta/` check
/// changes the keys the SP trusts for as long as it runs.
fn runs_last(case: &Case) -> bool {
    case.attack
        .is_some_and(|c| c.goal == attacks::Goal::Withstand || c.retrust().is_some())
}

/// The time a case may take: a `meta/` check also waits for the good login before the
/// metadata changes and gives the SP its metadata back (a reload and the polls waiting on
/// it) after; its own steps are bounded within this.
fn case_limit(case: &Case, limits: Limits) -> Duration {
    match case.attack.and_then(Check::retrust) {
        Some(_) => 3 * limits.case_timeout + retrust::case_part(limits) + 4 * limits.reload_timeout,
        None => limits.case_timeout,
    }
}

/// Runs every case of `scenario` at `clock`'s time, the checks `jobs` at once, calling `emit`
/// as verdicts come in (in the scenario's order, but denial-of-service checks, which run
/// alone after every other, last); returns them all.
pub async fn run_scenario<'s>(
    scenario: &'s Scenario,
    limits: Limits,
    jobs: usize,
    driver: Driver,
    clock: saml_protocol::Clock,
    canary: &CanaryOptions,
    emit: &mut (dyn FnMut(Event) + Send),
) -> Vec<Verdict> {
    emit(Event::ScenarioStarted {
        name: scenario.name.clone(),
        file: scenario.file.display().to_string(),
        cases: scenario.cases.len(),
    });
    // Shared by `record` and the pre-flight's note.
    let emit = std::sync::Mutex::new(emit);
    let tell = |event: Event| (emit.lock().unwrap_or_else(|e| e.into_inner()))(event);
    let mut verdicts = Vec::new();
    let mut record =
        |case: &Case, (outcome, reason): (Outcome, String), duration: Duration, notes: Notes| {
            let v = Verdict {
                scenario: scenario.name.clone(),
                file: scenario.file.display().to_string(),
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
                gating: matches!(outcome, Outcome::Fail | Outcome::Vulnerable),
                duration,
                findings: notes.findings,
                details: notes.details,
                exchange: notes.exchange,
            };
            tell(Event::CaseFinished(Box::new(v.clone())));
            verdicts.push(v);
        };
    let resolved = async {
        Ok::<_, String>((
            resolve_sp(scenario, limits).await?,
            resolve_donor(scenario, limits).await?,
        ))
    };
    let (sp, donor) = match resolved.await {
        Ok(both) => both,
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
    let origins = sp_origins(scenario, &sp)
        .into_iter()
        .chain(scenario.idp_url.clone())
        .collect();
    let wants_canary = scenario
        .cases
        .iter()
        .any(|c| c.attack.is_some_and(Check::needs_canary));
    let canary_told = canary.url.is_some();
    let canary = if wants_canary {
        crate::canary::CanaryListener::start(canary)
            .await
            .map(Some)
            .map_err(|e| {
                format!(
                    "cannot start the canary listener on {}: {e}; hint: pick a free port with --canary-listen",
                    canary.listen
                )
            })
    } else {
        Ok(None)
    };
    let vendor_hint = vendor_hint(scenario, &sp, &idp.config.apps[0], clock());
    let run = CaseRun {
        clock,
        donor,
        sp_metadata: sp.metadata.clone(),
        scenario,
        idp,
        limits,
        origins,
        driver,
        canary,
        canary_told,
        vendor_hint,
    };

    let (accepts, rejects): (Vec<&'s Case>, Vec<&'s Case>) = scenario
        .cases
        .iter()
        .partition(|c| c.expect == Expect::Accept);
    // The negative control: with no login at all the protected page must not look signed in.
    let mut baseline = Baseline::default();
    let origin_refs: Vec<&url::Url> = run.origins.iter().collect();
    match probe(&Browser::new(limits, &origin_refs), &scenario.sp.oracle).await {
        Ok(Session::SignedIn { .. }) => {
            let why = format!(
                "could not run: the protected page {} answers as signed in with no login at all; hint: `sp.oracle.url` must need a session, and `sp.oracle.identity` must find the user on it",
                scenario.sp.oracle.url
            );
            for case in &scenario.cases {
                record(
                    case,
                    (Outcome::Error, why.clone()),
                    Duration::ZERO,
                    Notes::default(),
                );
            }
            return verdicts;
        }
        Ok(Session::Unidentified { .. }) => baseline.anonymous_unidentified = true,
        _ => {}
    }
    let mut good: Option<Delivered> = None;
    for case in accepts {
        let (started, mut notes) = (Instant::now(), Notes::default());
        let result = tokio::time::timeout(limits.case_timeout, run.accept(case, &mut notes)).await;
        let (verdict, delivered) = conclude(result, limits.case_timeout);
        if let Some(d) = delivered {
            if good.is_none() {
                baseline.good_identity = notes.signed_in_as.clone();
                good = Some(d);
            }
        }
        record(case, verdict, started.elapsed(), notes);
    }
    let mut blocked: Option<String> = good
        .is_none()
        .then(|| "no good login worked in this run, so a refusal proves nothing".to_owned());
    // Controls: the IdP's response through the forging pipeline must still sign the user in;
    // re-signed by the IdP's key too, when a check relies on that (a fuzz batch does not).
    let mut resign_blocked: Option<String> = None;
    let resigning = rejects
        .iter()
        .any(|c| c.attack.is_some_and(Check::idp_signs));
    if let (Some(g), false) = (&good, rejects.is_empty()) {
        let expected = baseline.good_identity.as_deref();
        let mut controls = vec![&attacks::catalogue::CONTROL];
        if resigning {
            controls.push(&attacks::catalogue::CONTROL_RESIGNED);
        }
        for control in controls {
            let (outcome, reason, took) = run.run_control(control, g, expected, limits).await;
            if outcome == Outcome::Inconclusive {
                let why = format!(
                    "the control {} failed ({reason}), so a refusal proves nothing",
                    control.id
                );
                if control.idp_signs() {
                    resign_blocked = Some(why);
                } else {
                    blocked = Some(why);
                }
            }
            record(
                &control_case(control, expected),
                (outcome, reason),
                took,
                Notes::default(),
            );
        }
    }
    // The decryption control, before checks that encrypt: an SP that cannot decrypt what
    // its metadata invites makes their refusals moot.
    let mut decrypt_blocked: Option<String> = None;
    let encrypting = rejects
        .iter()
        .any(|c| c.attack.is_some_and(Check::encrypts));
    if let (Some(g), None, true) = (&good, &blocked, encrypting) {
        let expected = baseline.good_identity.as_deref();
        let control = &attacks::catalogue::CONTROL_ENCRYPTED;
        let (outcome, reason, took) = run.run_control(control, g, expected, limits).await;
        if outcome == Outcome::Inconclusive {
            decrypt_blocked = Some(format!(
                "the control {} failed ({reason}), so a refusal proves nothing",
                control.id
            ));
        }
        record(
            &control_case(control, expected),
            (outcome, reason),
            took,
            Notes::default(),
        );
    }
    // The identity-switch control.
    let impersonates = |c: &&Case| {
        c.mutations.is_some()
            || c.attack
                .is_some_and(|a| a.goal == attacks::Goal::Impersonate)
    };
    let mut target_refused: Option<String> = None;
    let mut target_blocked: Option<String> = None;
    if let (Some(g), None, false) = (&good, &blocked, rejects.is_empty()) {
        let started = Instant::now();
        let result = tokio::time::timeout(limits.case_timeout, run.target_control(g))
            .await
            .unwrap_or_else(|_| {
                TargetControl::Unrecognised(format!(
                    "could not run: the control took longer than {:?}",
                    limits.case_timeout
                ))
            });
        let (outcome, reason) = match result {
            TargetControl::Shown(why) => (Outcome::Pass, why),
            TargetControl::Refused(why) => {
                target_refused = Some(why.clone());
                (Outcome::Inconclusive, why)
            }
            TargetControl::Unrecognised(why) => {
                target_blocked = Some(format!("the identity-switch control failed ({why})"));
                (Outcome::Inconclusive, why)
            }
            // Without the IdP's key no valid login as the target can be made, so a refused
            // forgery of the target cannot be told from an SP that lacks that account.
            TargetControl::Unavailable(why) => {
                target_refused = Some(format!(
                    "whether the SP has an account for the forged identity could not be checked ({why})"
                ));
                (Outcome::NotApplicable, why)
            }
        };
        let control = &attacks::catalogue::CONTROL_TARGET;
        record(
            &control_case(control, None),
            (outcome, reason),
            started.elapsed(),
            Notes::default(),
        );
    }
    // Several checks at once need an SP that keeps several sessions of one user: the
    // pre-flight proves it (over HTTP, whichever driver runs the checks: a sign-on page that
    // needs JavaScript fails it, and the checks run one at a time, the safe way), or the
    // checks run one at a time.
    let parallel = rejects
        .iter()
        .filter(|c| !held_back_by_goal(c) && !runs_last(c))
        .count();
    let jobs = match &blocked {
        None if jobs > 1 && parallel > 1 => match run.keeps_sessions_side_by_side(jobs).await {
            Ok(crowded) => {
                let alone = match crowded {
                        0 => String::new(),
                        n => format!(
                            " ({n} could not be taken beside others and were made again alone; checks crowded out like that run again alone)"
                        ),
                    };
                tell(Event::Note(format!(
                    "{jobs} checks at once: {} logins side by side each kept its session{alone}",
                    2 * jobs
                )));
                jobs
            }
            Err(why) => {
                tell(Event::Note(one_at_a_time("checks", jobs, &why)));
                1
            }
        },
        _ => jobs,
    };
    // With several jobs a sign-out check runs alone before the rest: its control signs the
    // user out, which would end the sessions of the checks beside it (an accepted forgery
    // would read as refused), and theirs would end its victim's session.
    let held_back = |case: &Case| jobs > 1 && held_back_by_goal(case);
    // The checks, `jobs` at once, each in its own browser; recorded in catalogue order.
    let check = |case: &'s Case| {
        let (run, baseline, good) = (&run, &baseline, &good);
        let (blocked, resign_blocked) = (&blocked, &resign_blocked);
        let (target_blocked, decrypt_blocked, target_refused) =
            (&target_blocked, &decrypt_blocked, &target_refused);
        async move {
            let (started, mut notes) = (Instant::now(), Notes::default());
            // A control that failed leaves the checks resting on it without a verdict.
            let blocked_by = [
                (&target_blocked, impersonates(&case)),
                (&decrypt_blocked, case.attack.is_some_and(Check::encrypts)),
            ]
            .into_iter()
            .find_map(|(why, applies)| why.as_ref().filter(|_| applies));
            if let Some(why) = blocked_by {
                return (
                    case,
                    (Outcome::Inconclusive, why.clone()),
                    Duration::ZERO,
                    notes,
                );
            }
            let resign = case.attack.is_some_and(|c| c.idp_signs());
            let (Some(good), None) = (
                &good,
                blocked
                    .as_ref()
                    .or(resign_blocked.as_ref().filter(|_| resign)),
            ) else {
                let why = blocked
                    .clone()
                    .or(resign_blocked.clone())
                    .unwrap_or_default();
                return (case, (Outcome::Inconclusive, why), Duration::ZERO, notes);
            };
            let limit = case_limit(case, limits);
            let result =
                tokio::time::timeout(limit, run.reject(case, good, baseline, &mut notes)).await;
            if result.is_err() && case.attack.and_then(Check::retrust).is_some() {
                notes.metadata_left = Some(format!(
                    "the `meta/` check ran out of its {limit:?}: its original metadata was installed again as it stopped, but the SP was not seen acting on it"
                ));
            }
            notes.unanswered = matches!(result, Ok(Err(CaseEnd::Unanswered(_))));
            let forged_identity = notes.forged_identity.is_some();
            let verdict = match conclude(result, limit) {
                // A refusal of a forged identity the SP would refuse even validly signed is moot.
                (_, Some(judged))
                    if judged.outcome == Outcome::Pass
                        && judged.signed_in_as.is_none()
                        && forged_identity
                        && target_refused.is_some() =>
                {
                    (
                        Outcome::Inconclusive,
                        format!(
                            "{}; but {}",
                            judged.reason,
                            target_refused.clone().unwrap_or_default()
                        ),
                    )
                }
                (_, Some(judged)) => (judged.outcome, judged.reason),
                (verdict, None) => verdict,
            };
            (case, verdict, started.elapsed(), notes)
        }
    };
    let mut run_first = Vec::with_capacity(rejects.len());
    for &case in &rejects {
        run_first.push(match held_back(case) {
            true => Some(check(case).await),
            false => None,
        });
    }
    let check = &check;
    let checks: Vec<_> = rejects
        .iter()
        .zip(run_first)
        .filter(|(case, _)| !runs_last(case))
        .map(|(&case, done)| async move {
            match done {
                Some(done) => done,
                None => check(case).await,
            }
        })
        .collect();
    let mut checked = futures_util::stream::iter(checks).buffered(jobs.max(1));
    // A refusal that came as 5xx or 429, and a check that could not run because the SP did
    // not answer (a dropped or refused connection, a protected page in trouble), may be
    // another check's doing: one before it, or one running at the same time, crashed or
    // overloaded the SP. So may a refusal that ran at the same time as such a check (an SP
    // started again after a crash has forgotten the sessions its login began). Such a check
    // is run again alone, after the rest, once the good login works again, and that run
    // decides; with several jobs, so is a check that could not run at all (an SP may take one
    // sign-on at a time). (Fuzzed cases are left to the fuzzer's own confirmation.) Verdicts wait from
    // the first such check on, so they are still recorded in order; with `jobs` at once, the
    // last `jobs - 1` wait too, as a later check may show they ran beside a crash.
    let mut waiting = Waiting::new(jobs);
    let suspicion = |case: &Case, verdict: &(Outcome, String), notes: &Notes| match verdict.0 {
        Outcome::Pass => notes
            .trouble
            .as_ref()
            .map(|(_, answer)| Suspicion::Trouble(answer.clone())),
        Outcome::Error if notes.unanswered && case.mutations.is_none() => {
            Some(Suspicion::Unanswered(verdict.1.clone()))
        }
        Outcome::Error if jobs > 1 && case.mutations.is_none() => {
            Some(Suspicion::Crowded(verdict.1.clone()))
        }
        _ => None,
    };
    while let Some((case, verdict, took, notes)) = checked.next().await {
        let why = suspicion(case, &verdict, &notes);
        let passed = verdict.0 == Outcome::Pass;
        for (case, verdict, took, notes) in waiting.push((case, verdict, took, notes), passed, why)
        {
            record(case, verdict, took, notes);
        }
    }
    drop(checked);
    let expected = baseline.good_identity.as_deref();
    let mut reran = false;
    // Set once the SP did not recover: the rest keep their first verdicts (no more waiting).
    let mut gone: Option<String> = None;
    for ((case, verdict, took, notes), why) in waiting.rest() {
        let (Some(why), Some(g)) = (why, &good) else {
            record(case, verdict, took, notes);
            continue;
        };
        if gone.is_none() && !run.recovered(g, expected, limits).await {
            gone = Some(format!(
                "the good login did not work again afterwards ({} tries)",
                RECOVERY_PAUSES.len()
            ));
        }
        if let Some(gone) = &gone {
            let verdict = match &why {
                Suspicion::Unanswered(first) | Suspicion::Crowded(first) => {
                    (Outcome::Error, format!("{first} ({gone})"))
                }
                Suspicion::Trouble(first) => (
                    Outcome::Inconclusive,
                    format!("the SP answered {first:?} to this forgery and {gone}, so the forgery was never judged"),
                ),
                Suspicion::BesideACrash => (
                    Outcome::Inconclusive,
                    format!("{}; but it ran beside a check the SP did not answer, and {gone}, so the refusal proves nothing", verdict.1),
                ),
            };
            record(case, verdict, took, notes);
            continue;
        }
        reran = true;
        let (case, (outcome, reason), again, notes) = check(case).await;
        // A 500 right after a working login is this document's own doing: a refusal, as
        // with one job. A 502, 503, 504 or 429 again means the forgery was never read.
        let verdict = match (&notes.trouble, &why) {
            (Some((status, again)), _) if outcome == Outcome::Pass && *status != 500 => (
                Outcome::Inconclusive,
                format!(
                    "run alone, right after a working login, the SP answered {again:?} again, so the forgery was never read"
                ),
            ),
            (_, Suspicion::Unanswered(first)) => (
                outcome,
                format!("{reason} (run again alone; among the other checks: {first})"),
            ),
            (_, Suspicion::Trouble(first)) => (
                outcome,
                format!(
                    "{reason} (run again alone; among the other checks the SP had answered {first:?})"
                ),
            ),
            (_, Suspicion::BesideACrash) => (
                outcome,
                format!("{reason} (run again alone: it ran beside a check the SP did not answer)"),
            ),
            (_, Suspicion::Crowded(first)) => (
                outcome,
                format!("{reason} (run again alone; beside the other checks: {first})"),
            ),
        };
        record(case, verdict, took + again, notes);
    }
    // `meta/` and denial-of-service checks last, one at a time, each judging the SP's
    // recovery itself; once the SP keeps changed metadata, what follows cannot be judged.
    let mut metadata_left: Option<String> = None;
    for &case in rejects.iter().filter(|c| runs_last(c)) {
        if let Some(why) = &metadata_left {
            let why =
                format!("could not judge: the SP may still trust changed IdP metadata ({why})");
            record(
                case,
                (Outcome::Inconclusive, why),
                Duration::ZERO,
                Notes::default(),
            );
            continue;
        }
        let (case, verdict, took, mut notes) = check(case).await;
        reran = true;
        metadata_left = notes.metadata_left.take();
        record(case, verdict, took, notes);
    }
    // A check run again may have left the SP in trouble: let it recover before the control.
    if let (true, Some(g)) = (reran, &good) {
        run.recovered(g, expected, limits).await;
    }
    // The control again: an SP that stopped accepting anyone midway makes later refusals moot.
    if let (Some(g), false, None) = (&good, rejects.is_empty(), &blocked) {
        let control = &attacks::catalogue::CONTROL;
        let (outcome, reason, took) = run.run_control(control, g, expected, limits).await;
        let mut case = control_case(control, expected);
        case.id = "control/after-checks".into();
        case.name = "the control again, after every check".into();
        record(&case, (outcome, reason), took, Notes::default());
    }
    verdicts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ACS that answers 302 at once to `/finish`, which takes `finish_delay` to answer
    /// (django-allauth's shape: the work is behind the redirect).
    async fn redirecting_acs(finish_delay: Duration) -> (wiremock::MockServer, url::Url) {
        use wiremock::matchers::{method, path};
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/acs"))
            .respond_with(ResponseTemplate::new(302).insert_header("Location", "/finish"))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/finish"))
            .respond_with(
                ResponseTemplate::new(403)
                    .set_body_string("refused")
                    .set_delay(finish_delay),
            )
            .mount(&server)
            .await;
        let acs = url::Url::parse(&format!("{}/acs", server.uri())).unwrap();
        (server, acs)
    }

    #[tokio::test]
    async fn a_timed_post_runs_to_the_end_of_the_sp_s_redirects() {
        let (_server, acs) = redirecting_acs(Duration::from_millis(400)).await;
        let browser = Browser::new(Limits::default(), &[&acs]);
        let fields = [("SAMLResponse".to_owned(), "x".to_owned())];
        let (timed, page) = timed_send(&browser, &acs, &fields, Sending::Post).await;
        assert_eq!(timed.answer, Ok(302));
        assert!(timed.took >= Duration::from_millis(400), "{:?}", timed.took);
        let page = page.unwrap();
        assert_eq!((page.url.path(), page.status), ("/finish", 403));
    }

    #[tokio::test]
    async fn a_burden_by_redirect_is_a_get_of_the_acs_with_the_fields_in_its_query() {
        use wiremock::matchers::{method, path, query_param};
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/acs"))
            .and(query_param("SAMLResponse", "a+b/c="))
            .and(query_param("RelayState", "/me"))
            .respond_with(ResponseTemplate::new(403))
            .mount(&server)
            .await;
        let acs = url::Url::parse(&format!("{}/acs", server.uri())).unwrap();
        let browser = Browser::new(Limits::default(), &[&acs]);
        let fields = [
            ("SAMLResponse".to_owned(), "a+b/c=".to_owned()),
            ("RelayState".to_owned(), "/me".to_owned()),
        ];
        let (timed, _) = timed_send(&browser, &acs, &fields, Sending::Redirect).await;
        assert_eq!(timed.answer, Ok(403), "the GET with its query matched");
    }

    #[tokio::test]
    async fn a_light_post_keeps_markup_raw_and_its_fields_whole() {
        use wiremock::matchers::{body_string, method, path};
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/acs"))
            .and(body_string(
                "SAMLResponse=<r%20a%3D\"1%252B1%3D2\"><x/>%26%3B%20%2B%23%C3%A9</r>&RelayState=/me",
            ))
            .respond_with(ResponseTemplate::new(403))
            .mount(&server)
            .await;
        let acs = url::Url::parse(&format!("{}/acs", server.uri())).unwrap();
        let browser = Browser::new(Limits::default(), &[&acs]);
        let fields = [
            (
                "SAMLResponse".to_owned(),
                "<r a=\"1%2B1=2\"><x/>&; +#é</r>".to_owned(),
            ),
            ("RelayState".to_owned(), "/me".to_owned()),
        ];
        let (timed, _) = timed_send(&browser, &acs, &fields, Sending::PostLightly).await;
        assert_eq!(
            timed.answer,
            Ok(403),
            "the body escaped only what a form must"
        );
        let decoded: Vec<(String, String)> = form_urlencoded::parse(
            "SAMLResponse=<r%20a%3D\"1%252B1%3D2\"><x/>%26%3B%20%2B%23%C3%A9</r>&RelayState=/me"
                .as_bytes(),
        )
        .into_owned()
        .collect();
        assert_eq!(
            decoded, fields,
            "a form decoder reads the fields back whole"
        );
    }

    #[tokio::test]
    async fn a_redirect_that_is_never_answered_is_no_answer() {
        let (_server, acs) = redirecting_acs(Duration::from_secs(30)).await;
        let limits = Limits {
            request_timeout: Duration::from_millis(300),
            ..Limits::default()
        };
        let browser = Browser::new(limits, &[&acs]);
        let fields = [("SAMLResponse".to_owned(), "x".to_owned())];
        let (timed, page) = timed_send(&browser, &acs, &fields, Sending::Post).await;
        let reason = timed.answer.unwrap_err();
        assert!(reason.contains("/finish"), "{reason}");
        assert!(page.is_none());
    }

    /// Feeds `checks` (name, passed, why) through [`Waiting`] for `jobs`; returns what was
    /// recorded at once, then what waited, each waiting one marked with why.
    fn wait(jobs: usize, checks: Vec<(&'static str, bool, Option<Suspicion>)>) -> Vec<String> {
        let mut waiting = Waiting::new(jobs);
        let mut out = Vec::new();
        for (name, passed, why) in checks {
            out.extend(
                waiting
                    .push(name, passed, why)
                    .into_iter()
                    .map(String::from),
            );
        }
        out.extend(waiting.rest().map(|(name, why)| match why {
            None => format!("{name} (waited)"),
            Some(Suspicion::Trouble(_)) => format!("{name} again: 5xx"),
            Some(Suspicion::Unanswered(_)) => format!("{name} again: unanswered"),
            Some(Suspicion::BesideACrash) => format!("{name} again: beside"),
            Some(Suspicion::Crowded(_)) => format!("{name} again: crowded"),
        }));
        out
    }

    fn unanswered() -> Option<Suspicion> {
        Some(Suspicion::Unanswered("connection closed".into()))
    }

    #[test]
    fn the_markup_replaces_a_parameter_the_url_already_has_and_keeps_the_others() {
        let url =
            url::Url::parse("http://sp.test/saml2/login/?idp=genuine&next=%2Fhome&x=1").unwrap();
        let marked = with_markup(&url, &["idp", "target"]);
        let pairs: Vec<(String, String)> = marked.query_pairs().into_owned().collect();
        let markup = attacks::REFLECTED_MARKUP.to_owned();
        assert_eq!(
            pairs,
            [
                ("next".into(), "/home".into()),
                ("x".into(), "1".into()),
                ("idp".into(), markup.clone()),
                ("target".into(), markup),
            ]
        );
    }

    #[test]
    fn one_job_runs_again_only_the_checks_in_trouble_and_keeps_the_order() {
        let got = wait(
            1,
            vec![
                ("a", true, None),
                ("b", false, unanswered()),
                ("c", true, None),
                ("d", true, Some(Suspicion::Trouble("503".into()))),
            ],
        );
        assert_eq!(
            got,
            ["a", "b again: unanswered", "c (waited)", "d again: 5xx"]
        );
    }

    #[test]
    fn with_two_jobs_the_refusals_beside_an_unanswered_check_run_again() {
        // b and d ran at the same time as c, which the SP did not answer; a and e did not.
        // A vulnerable check beside it (f beside g) stays as it is: a crash signs nobody in.
        let got = wait(
            2,
            vec![
                ("a", true, None),
                ("b", true, None),
                ("c", false, unanswered()),
                ("d", true, None),
                ("e", true, None),
                ("f", false, None),
                ("g", false, unanswered()),
            ],
        );
        assert_eq!(
            got,
            [
                "a",
                "b again: beside",
                "c again: unanswered",
                "d again: beside",
                "e (waited)",
                "f (waited)",
                "g again: unanswered"
            ]
        );
    }
}
