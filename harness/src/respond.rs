//! What the browser posts to the ACS for a case: the IdP's good response, or a check's
//! forgery of it, and how a case stops short of a verdict.

use std::sync::Arc;

use attacks::forge::IdpKey;
use attacks::identity::Swap;
use attacks::mutate::{Applied, Chain, SeedSigning};
use attacks::{Check, Edit, Seed};
use mock_idp::idp::{Answer, Idp};
use mock_idp::request::redirect_signature;
use mock_idp::response::SignWhat;
use saml_protocol::AcsPost;

use crate::canary::Probe;
use crate::flow::{Captured, FlowError};

/// A response delivered to the SP: what was posted and where (kept for the replay attack).
#[derive(Clone, Debug)]
pub struct Delivered {
    /// The form the browser posts to the ACS.
    pub post: AcsPost,
    /// The NameID the IdP put in the good login (the default expected identity).
    pub name_id: String,
    /// The identity swap a forgery made (empty for genuine responses).
    pub swap: Swap,
    /// A fuzz case's edits as applied (which took effect).
    pub mutated: Option<Arc<Applied>>,
    /// The IdP's signed response a forgery or fuzz case was made from (`None` when genuine).
    pub original: Option<Arc<str>>,
    /// Sent by HTTP-Redirect instead of posted (check `bind/acs-redirect`).
    pub by_redirect: bool,
    /// An IdP-initiated login: posted from a fresh browser that never opened the SP's sign-on
    /// URL (no request pending), as a user starting from My Apps would.
    pub idp_initiated: bool,
}

impl Delivered {
    /// The ACS URL with the response deflated into its query (HTTP-Redirect binding).
    pub fn redirect_url(&self) -> String {
        let query = saml_protocol::redirect::unsigned_query(
            "SAMLResponse",
            &self.post.saml_response,
            self.post.relay_state.as_deref(),
        );
        let separator = if self.post.acs.contains('?') {
            '&'
        } else {
            '?'
        };
        format!("{}{separator}{query}", self.post.acs)
    }
}

/// Turns a captured AuthnRequest into what the browser posts to the ACS: the IdP's good
/// login, or a forgery of it. Owned and thread-safe, so a browser's callback can use it.
#[derive(Clone)]
pub struct Responder {
    idp: Arc<Idp>,
    user: Option<String>,
    attack: Option<&'static Check>,
    good: Option<Delivered>,
    clock: saml_protocol::Clock,
    donor: Option<Arc<str>>,
    canary: Option<Probe>,
    sp: SpMetadata,
    chain: Option<Arc<Chain>>,
}

/// What the SP's metadata says that some checks need (owned; see [`attacks::SpFacts`]).
#[derive(Clone, Debug, Default)]
pub struct SpMetadata {
    /// Its encryption certificate.
    pub encryption_certificate: Option<Arc<openssl::x509::X509>>,
    /// Whether it asks for signed assertions.
    pub wants_assertions_signed: bool,
    /// The NameID formats it lists (`NameIDFormat`), in order.
    pub name_id_formats: Vec<String>,
    /// Its HTTP-Redirect SingleLogoutService, where the IdP's LogoutRequests go.
    pub single_logout: Option<String>,
    /// Its HTTP-POST SingleLogoutService.
    pub single_logout_post: Option<String>,
}

impl SpMetadata {
    /// The borrowed form the checks take.
    pub fn facts(&self) -> attacks::SpFacts<'_> {
        attacks::SpFacts {
            encryption_certificate: self.encryption_certificate.as_deref(),
            wants_assertions_signed: self.wants_assertions_signed,
        }
    }
}

impl Responder {
    /// Answers with `idp` for `user` at `clock`'s time, altered by `attack`; `good` is what a
    /// replay re-posts.
    pub fn new(
        idp: Arc<Idp>,
        user: Option<String>,
        attack: Option<&'static Check>,
        good: Option<Delivered>,
        clock: saml_protocol::Clock,
    ) -> Self {
        Responder {
            idp,
            user,
            attack,
            good,
            clock,
            donor: None,
            canary: None,
            sp: SpMetadata::default(),
            chain: None,
        }
    }

    /// With the running IdP's signed metadata for the checks that transplant one (TM-C).
    pub fn with_donor(self, donor: Option<Arc<str>>) -> Self {
        Responder { donor, ..self }
    }

    /// With what the SP's metadata says, for the checks that depend on it.
    pub fn with_sp(self, sp: SpMetadata) -> Self {
        Responder { sp, ..self }
    }

    /// With a fuzz case's edits: the response is the IdP's, signed as the chain says, then
    /// edited by it (instead of a check's forgery).
    pub fn with_chain(self, chain: Option<Arc<Chain>>) -> Self {
        Responder { chain, ..self }
    }

    /// With this check's canary prefix, for the checks that make the SP fetch.
    pub fn with_canary(self, canary: Option<Probe>) -> Self {
        Responder { canary, ..self }
    }

    /// Runs the check's edit with this responder's canary, serving what the forgery asks for.
    fn forge(
        &self,
        check: &Check,
        seed: &str,
        idp_key: Option<&IdpKey>,
        donors: attacks::Donors,
    ) -> Result<attacks::Forged, CaseEnd> {
        let forged = forge(
            check,
            seed,
            idp_key,
            donors,
            self.canary.as_ref().map(Probe::target),
            self.sp.facts(),
        )?;
        if let Some(probe) = &self.canary {
            probe.serve(&forged.served);
            let made = match &forged.local_file {
                Some(attacks::LocalFile::Holding(content)) => probe.write_file(content),
                Some(attacks::LocalFile::Watched) => probe.watch_file(),
                None => Ok(()),
            };
            made.map_err(|e| {
                CaseEnd::Error(format!(
                    "cannot make or watch the check's local file {}: {e}; hint: the temporary directory (TMPDIR) must be writable, and Linux's inotify available (\"Too many open files\" or \"No space left on device\" here: raise the sysctls fs.inotify.max_user_instances or fs.inotify.max_user_watches)",
                    probe.target().file
                ))
            })?;
        }
        Ok(forged)
    }

    /// What to post for `captured`; a failure when Entra would refuse the request.
    pub fn respond(&self, captured: &Captured) -> Result<Delivered, CaseEnd> {
        let signature = redirect_signature(&captured.raw_query).ok().flatten();
        let (app, login) = match self.idp.answer(
            &captured.request,
            signature.as_ref(),
            self.user.as_deref(),
            (self.clock)(),
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
        // An IdP-initiated login: the response Entra signs when the user starts from My Apps.
        let mut login = login;
        if let Some(Edit::UnsolicitedRelayState(_)) = self.attack.map(|c| c.edit) {
            login.in_response_to = None;
            login.audience = app.audience_for(&app.identifiers[0], true);
        }
        let (acs, relay_state) = (login.destination.clone(), captured.relay_state.clone());
        let genuine = |saml_response: String| Delivered {
            post: AcsPost {
                acs: acs.clone(),
                saml_response,
                relay_state: relay_state.clone(),
                beside: None,
            },
            name_id: login.name_id.clone(),
            swap: Swap::default(),
            mutated: None,
            original: None,
            by_redirect: false,
            idp_initiated: false,
        };
        if let Some(chain) = &self.chain {
            let mut signer = app.clone();
            signer.sign = match chain.seed {
                SeedSigning::Assertion => SignWhat::Assertion,
                SeedSigning::Response => SignWhat::Response,
                SeedSigning::Both => SignWhat::Both,
            };
            let seed = self
                .idp
                .sign(&signer, &login)
                .map_err(|e| CaseEnd::Error(e.message()))?;
            let applied = effective(chain.apply(&seed))?;
            return Ok(Delivered {
                swap: applied.swap.clone(),
                original: Some(seed.into()),
                ..genuine(applied.xml.clone())
            }
            .mutated(applied));
        }
        let (relay_state, genuine_only) = match self.attack.map(|c| c.edit) {
            Some(Edit::RelayState(value) | Edit::UnsolicitedRelayState(value)) => {
                (Some(value), true)
            }
            Some(Edit::Genuine | Edit::OtherBrowser(_) | Edit::ByRedirect | Edit::ReturnTo(_))
            | None => (None, true),
            _ => (None, false),
        };
        let (Some(check), false) = (self.attack, genuine_only) else {
            let xml = self
                .idp
                .sign(app, &login)
                .map_err(|e| CaseEnd::Error(e.message()))?;
            let mut delivered = genuine(xml);
            if let Some(value) = relay_state {
                delivered.post.relay_state = Some(value.to_owned());
            }
            delivered.by_redirect = self
                .attack
                .is_some_and(|c| matches!(c.edit, Edit::ByRedirect));
            delivered.idp_initiated = self
                .attack
                .is_some_and(|c| matches!(c.edit, Edit::UnsolicitedRelayState(_)));
            return Ok(delivered);
        };
        if let Edit::Replay = check.edit {
            return self.replay();
        }
        let mut original: Option<Arc<str>> = None;
        let forged = forge_in_process(&self.idp, app, &login, check, |seed, key, donors| {
            original = Some(seed.into());
            self.forge(check, seed, key, donors)
        })?;
        let mut delivered = genuine(forged.xml);
        delivered.post.beside = original
            .as_deref()
            .and_then(|seed| beside_the_forgery(check, seed));
        Ok(Delivered {
            swap: forged.swap,
            original,
            ..delivered
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
        if let Some(chain) = &self.chain {
            let applied = effective(chain.apply(&live.post.saml_response))?;
            return Ok(Delivered {
                original: Some(live.post.saml_response.as_str().into()),
                post: AcsPost {
                    saml_response: applied.xml.clone(),
                    ..live.post
                },
                swap: applied.swap.clone(),
                ..live
            }
            .mutated(applied));
        }
        let Some(check) = self.attack else {
            return Ok(live);
        };
        match check.edit {
            Edit::Replay => return self.replay(),
            Edit::RelayState(value) => {
                return Ok(Delivered {
                    post: AcsPost {
                        relay_state: Some(value.to_owned()),
                        ..live.post
                    },
                    ..live
                })
            }
            Edit::UnsolicitedRelayState(_) => {
                return Err(CaseEnd::NotApplicable(
                    "the IdP would have to issue an IdP-initiated response (no InResponseTo), and a running IdP signs only what it is asked for; run it with the in-process IdP".into(),
                ))
            }
            Edit::Genuine | Edit::OtherBrowser(_) | Edit::ReturnTo(_) => return Ok(live),
            Edit::ByRedirect => {
                return Ok(Delivered {
                    by_redirect: true,
                    ..live
                })
            }
            Edit::Logout(_) => return Ok(live),
            Edit::AnonymousHeaders(_) | Edit::SignOnQuery(_) | Edit::LogoutReturnTo(_) => {
                return Err(CaseEnd::Error(
                    "this check makes no login, so there is no response to edit; hint: run it through `conformance` or `run`, which make its requests themselves"
                        .into(),
                ))
            }
            Edit::Exhaust(_) => {
                return Err(CaseEnd::Error(
                    "this check posts a burden timed against a same-size yardstick, not an edited response; hint: run it through `conformance` or `run`, which time it themselves"
                        .into(),
                ))
            }
            Edit::Oracle(_) => {
                return Err(CaseEnd::Error(
                    "this check posts several variants and compares the answers, not one edited response; hint: run it through `conformance` or `run`, which compare them themselves"
                        .into(),
                ))
            }
            Edit::Retrusted(..) => {
                return Err(CaseEnd::NotApplicable(
                    "a running IdP signs with its own key, and this check needs the SP to trust a key the harness holds".into(),
                ))
            }
            Edit::Bytes(_) | Edit::Duplicate(..) => {}
        }
        let donors = attacks::Donors {
            metadata: self.donor.as_deref(),
        };
        let forged = self.forge(check, &live.post.saml_response, None, donors)?;
        let beside = beside_the_forgery(check, &live.post.saml_response);
        Ok(Delivered {
            original: Some(live.post.saml_response.as_str().into()),
            post: AcsPost {
                saml_response: forged.xml,
                beside,
                ..live.post
            },
            swap: forged.swap,
            ..live
        })
    }
}

/// The IdP's own response `seed`, placed beside the forgery for a check that posts both
/// ([`attacks::Edit::Duplicate`]).
fn beside_the_forgery(check: &Check, seed: &str) -> Option<saml_protocol::Beside> {
    check.duplicate().map(|order| saml_protocol::Beside {
        xml: seed.to_owned(),
        first: order == attacks::FieldOrder::ForgedLast,
    })
}

/// Runs `check` against `login` with the in-process IdP: the seed is the IdP's own signed
/// response, signed the way the check needs (as if the tenant's "Signing Option" were set so);
/// the IdP's key and its signed app metadata are on hand for the checks that may use them.
/// `forge` runs the edit (see [`forge`]).
pub fn forge_in_process(
    idp: &Idp,
    app: &mock_idp::config::App,
    login: &mock_idp::response::LoginResponse,
    check: &Check,
    forge: impl FnOnce(&str, Option<&IdpKey>, attacks::Donors) -> Result<attacks::Forged, CaseEnd>,
) -> Result<attacks::Forged, CaseEnd> {
    let mut signer = app.clone();
    signer.sign = match (check.seed, app.sign) {
        (Seed::ResponseSigned, SignWhat::Assertion)
        | (Seed::AssertionSigned, SignWhat::Response) => SignWhat::Both,
        (_, what) => what,
    };
    // The encrypted-assertion checks encrypt the plaintext themselves.
    if check.encrypts() {
        signer.token_encryption_certificate = None;
    }
    let seed = idp
        .sign(&signer, login)
        .map_err(|e| CaseEnd::Error(e.message()))?;
    let cert = app.active_cert();
    let key = IdpKey {
        key: cert.key().clone(),
    };
    let metadata = if check.capability == attacks::Capability::AnySignedBlob {
        let metadata = mock_idp::metadata::app_metadata(
            &idp.config.tenant,
            "https://login.microsoftonline.com",
            app,
        )
        .map_err(|e| CaseEnd::Error(format!("cannot sign the app metadata donor: {e}")))?;
        Some(metadata)
    } else {
        None
    };
    let donors = attacks::Donors {
        metadata: metadata.as_deref(),
    };
    forge(&seed, Some(&key), donors)
}

/// Runs `check`'s edit on `seed` (see [`Check::forge`] for who gets the IdP's key).
pub fn forge(
    check: &Check,
    seed: &str,
    idp_key: Option<&IdpKey>,
    donors: attacks::Donors,
    canary: Option<&attacks::Canary>,
    sp: attacks::SpFacts,
) -> Result<attacks::Forged, CaseEnd> {
    check
        .forge(seed, idp_key, donors, canary, sp)
        .map_err(|e| match e {
            attacks::Skip::NotApplicable(why) => CaseEnd::NotApplicable(why),
            attacks::Skip::Failed(why) => {
                CaseEnd::Error(format!("could not build the forgery: {why}"))
            }
        })
}

/// How a case stopped short of passing: the SP failed it, or the harness could not run it.
#[derive(Debug)]
pub enum CaseEnd {
    /// The SP did not do what the case expects.
    Fail(String),
    /// The case could not run.
    Error(String),
    /// The case could not run because the SP did not answer (the connection was refused,
    /// reset or closed unanswered) or its protected page was in trouble: another check may
    /// have crashed it.
    Unanswered(String),
    /// The check does not apply here.
    NotApplicable(String),
}

/// The first NameID's text in the response `xml` (empty when there is none, or it is no XML).
pub fn name_id_of(xml: &str) -> String {
    roxmltree::Document::parse(xml)
        .ok()
        .and_then(|d| {
            d.descendants()
                .find(|n| n.tag_name().name() == "NameID")
                .and_then(|n| n.text())
                .map(str::to_owned)
        })
        .unwrap_or_default()
}

/// What an attacker holds after signing in and out with an account of their own: the IdP's
/// signed login response, its signed LogoutRequest for that session and its signed
/// LogoutResponse to their sign-out (both Redirect queries), the donors of the
/// `bind/redirect/` splices and of `slo/post/assertion-signature`.
pub struct AttackerSignOut {
    /// The IdP's login response for the attacker's own account, its Assertion signed (built
    /// only when asked for: it costs a signature).
    pub assertion: Option<String>,
    /// The IdP's LogoutRequest for the attacker's own session.
    pub request: mock_idp::idp::SignedLogoutRequest,
    /// The IdP's LogoutResponse to the attacker's own sign-out.
    pub response: mock_idp::idp::LogoutOutcome,
}

impl AttackerSignOut {
    /// The attacker's messages from `idp`'s `app`: their NameID is the victim's `name_id`
    /// with `attacker.` before it (another user, same `format`), sent to `slo`; for a `check`
    /// that moves an Assertion signature, also their signed login response.
    pub fn of(
        idp: &Idp,
        app: &mock_idp::config::App,
        name_id: &str,
        format: Option<&str>,
        slo: &str,
        now: time::OffsetDateTime,
        check: &Check,
    ) -> Result<AttackerSignOut, mock_idp::aadsts::Aadsts> {
        let attacker = format!("attacker.{name_id}");
        let needs_login = matches!(
            check.edit,
            Edit::Logout(forgery) if forgery.donor() == Some(attacks::Donor::Assertion)
        );
        let assertion = if needs_login {
            Some(attacker_login(idp, app, now)?)
        } else {
            None
        };
        let request =
            idp.logout_request(app, &attacker, format, Some("_attacker-session"), slo, now)?;
        let sign_out = mock_idp::request::LogoutRequest {
            id: format!("_attacker-{}", uuid::Uuid::new_v4()),
            issuer: app.identifiers.first().cloned().unwrap_or_default(),
            name_id: Some(attacker),
        };
        let response = idp.logout(&sign_out, None, now)?;
        Ok(AttackerSignOut {
            assertion,
            request,
            response,
        })
    }

    /// The donors a forgery splices, signed with `app`'s algorithm.
    pub fn donors<'a>(&'a self, app: &'a mock_idp::config::App) -> attacks::LogoutDonors<'a> {
        attacks::LogoutDonors {
            request: &self.request.query,
            response: &self.response.query,
            sig_alg: app.algorithm.signature_uri(),
            assertion: self.assertion.as_deref().unwrap_or_default(),
        }
    }
}

/// What sign-out check `check` sends (a Redirect query, or the XML of a POST form), forged from
/// `genuine` (the IdP's LogoutRequest for the victim's session) with the attacker's `own`
/// messages; the IdP's key goes only to the checks the IdP signs for.
pub fn forged_logout(
    check: &Check,
    app: &mock_idp::config::App,
    genuine: &mock_idp::idp::SignedLogoutRequest,
    own: &AttackerSignOut,
) -> Result<String, attacks::Skip> {
    let key = check.idp_signs().then(|| IdpKey {
        key: app.active_cert().key().clone(),
    });
    check.logout_message(
        &attacks::SignedLogout {
            xml: &genuine.xml,
            signed: &genuine.signed_xml,
        },
        own.donors(app),
        key.as_ref(),
    )
}

/// The IdP's login response (IdP-initiated, the Assertion signed as Entra signs by default) for
/// an attacker's account of `idp`'s tenant: the first user's profile under `attacker.` names,
/// no groups or extra claims.
fn attacker_login(
    idp: &Idp,
    app: &mock_idp::config::App,
    now: time::OffsetDateTime,
) -> Result<String, mock_idp::aadsts::Aadsts> {
    let first = idp.config.users.first().ok_or_else(|| {
        mock_idp::aadsts::Aadsts::InvalidRequest {
            detail: "the directory has no users to model the attacker's account on; hint: add one under idp.users".into(),
        }
    })?;
    let attacker = mock_idp::config::User {
        upn: format!("attacker.{}", first.upn),
        given_name: "Attacker".into(),
        surname: "Own".into(),
        display_name: "Attacker Own".into(),
        mail: format!("attacker.{}", first.mail),
        object_id: uuid::Uuid::new_v4().to_string(),
        group_ids: Vec::new(),
        extra: Default::default(),
        ..first.clone()
    };
    let login = idp.login_response(app, &attacker, &app.default_reply_url, None, None, now);
    let mut signer = app.clone();
    signer.sign = mock_idp::response::SignWhat::Assertion;
    idp.sign(&signer, &login)
}

/// Whose session a response opens, as a LogoutRequest names it: the NameID, its Format and
/// the AuthnStatement's SessionIndex.
pub fn session_of(xml: &str) -> Option<(String, Option<String>, Option<String>)> {
    let doc = roxmltree::Document::parse(xml).ok()?;
    let name_id = doc
        .descendants()
        .find(|n| n.has_tag_name((saml_protocol::ASSERTION_NS, "NameID")))?;
    let session_index = doc
        .descendants()
        .find(|n| n.has_tag_name((saml_protocol::ASSERTION_NS, "AuthnStatement")))
        .and_then(|n| n.attribute("SessionIndex"));
    Some((
        name_id.text().unwrap_or_default().to_owned(),
        name_id.attribute("Format").map(str::to_owned),
        session_index.map(str::to_owned),
    ))
}

impl Delivered {
    /// This delivery, noting the fuzz edits that made it.
    fn mutated(self, applied: Applied) -> Delivered {
        Delivered {
            mutated: Some(Arc::new(applied)),
            ..self
        }
    }
}

impl From<FlowError> for CaseEnd {
    fn from(e: FlowError) -> Self {
        match e {
            FlowError::Transport { .. } | FlowError::OracleInTrouble { .. } => {
                CaseEnd::Unanswered(e.to_string())
            }
            _ => CaseEnd::Error(e.to_string()),
        }
    }
}

/// A chain none of whose edits changed this response would post the genuine one: the case
/// does not apply (it is not a pass).
fn effective(applied: Applied) -> Result<Applied, CaseEnd> {
    if applied.took_effect.contains(&true) {
        Ok(applied)
    } else {
        Err(CaseEnd::NotApplicable(
            "none of the edits found what it works on in this response".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_that_changed_nothing_does_not_apply() {
        let applied = |took_effect: Vec<bool>| Applied {
            xml: String::new(),
            swap: Swap::default(),
            took_effect,
            spec_invalid: false,
        };
        assert!(matches!(
            effective(applied(vec![false, false])),
            Err(CaseEnd::NotApplicable(_))
        ));
        assert!(effective(applied(vec![false, true])).is_ok());
    }
}
