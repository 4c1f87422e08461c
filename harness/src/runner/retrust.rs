//! The `meta/` checks: the SP re-reads changed IdP metadata (`sp.reload_idp_metadata`), a
//! forgery is judged against what it then trusts, and the original metadata goes back.
//!
//! Whether the SP acts on the metadata just installed is read from logins the harness signs
//! (see [`Sign`]), each sign held by [`CONFIRMATIONS`] polls in a row; a poll the SP answers
//! 429, 502, 503 or 504, or not at all, proves nothing either way.

use std::sync::Arc;
use std::time::{Duration, Instant};

use attacks::{Check, Retrust};
use mock_idp::cert::SigningCert;
use mock_idp::idp::Idp;
use mock_idp::metadata::KeyUse;

use super::{inconclusive, CaseEnd, CaseRun, Judged, Notes};
use crate::driver::Attempt;
use crate::judge::Baseline;
use crate::oracle::Session;
use crate::respond::Delivered;
use crate::runner::Outcome;

/// Pauses between polls while waiting for the SP to act on new metadata (the last repeats).
const SETTLE_PAUSES: [Duration; 4] = [
    Duration::from_millis(100),
    Duration::from_millis(250),
    Duration::from_millis(500),
    Duration::from_secs(1),
];

/// Polls in a row that must show a sign before it counts: an SP whose workers take new
/// metadata one by one shows it on one login before another.
const CONFIRMATIONS: usize = 2;

/// How the IdP's metadata lists its keys after `change`.
fn key_use(change: Retrust) -> KeyUse {
    match change {
        Retrust::NewKey => KeyUse::Signing,
        Retrust::NewKeyWithoutUse => KeyUse::Unstated,
        Retrust::EncryptionKeyOnly => KeyUse::Encryption,
    }
}

/// A signing certificate for a key made now, valid from a day before `now` for as long as
/// Entra's (three years).
fn new_certificate(now: time::OffsetDateTime) -> Result<SigningCert, String> {
    let key = openssl::rsa::Rsa::generate(2048)
        .and_then(openssl::pkey::PKey::from_rsa)
        .map_err(|e| format!("cannot make the new key: {e}"))?;
    SigningCert::generate(
        key,
        now - time::Duration::days(1),
        now + time::Duration::days(3 * 365),
    )
    .map_err(|e| format!("cannot make the new key's certificate: {e}"))
}

/// The base URL of the IdP endpoints in metadata, from where the SP sent its AuthnRequest
/// (`{base}/{tenant}/saml2`); the request's origin when the path is not that shape.
fn idp_base(sso: &url::Url, tenant_id: &str) -> String {
    let mut base = sso.clone();
    base.set_query(None);
    base.set_fragment(None);
    let suffix = format!("/{tenant_id}/saml2");
    match base.path().strip_suffix(&suffix) {
        Some(prefix) => format!("{}{prefix}", base.origin().ascii_serialization()),
        None => base.origin().ascii_serialization(),
    }
}

/// Whether the SP's answer says it was not there to decide (429, 502, 503, 504): a 500 is
/// a refusal here (Shibboleth refuses with one), as when a check is run again alone.
fn unavailable(status: Option<u16>) -> bool {
    status.is_some_and(|s| s == 429 || (502..=504).contains(&s))
}

/// How a login the harness made came out.
enum Login {
    /// Someone was signed in.
    In,
    /// The SP refused it.
    Refused,
    /// It proves nothing: the SP answered 429, 502, 503 or 504, or could not be reached.
    Unknown(String),
}

/// What a poll of the SP found.
enum Poll {
    /// The sign does not show (yet): what the SP did.
    Waiting(String),
    /// The sign shows.
    Shown,
    /// The check's forgery signed someone in: the verdict needs no more polls.
    ForgeryTaken(Box<Attempt>),
}

/// What shows the SP acts on the metadata just installed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sign {
    /// The IdP's own key signs the user in and, if the SP refused it before the check, an
    /// unsigned forgery is refused (its original metadata is back, or still in force).
    Original,
    /// The new key signs the user in.
    NewKeyTaken,
    /// The new key signs the user in, or neither it nor the old key does.
    NewKeyTakenOrBothRefused,
    /// The rolled-over key, which the metadata no longer lists, is refused; or the check's
    /// unsigned forgery signs someone in.
    RolledOverRefusedOrForgeryTaken,
    /// The key the previous metadata listed, and this one does not, is refused; or the
    /// check's unsigned forgery signs someone in.
    ListedRefusedOrForgeryTaken,
}

/// The check being run, and what the polls learned.
struct Subject<'a> {
    check: &'static Check,
    good: &'a Delivered,
    /// The IdP signing with the new key (the rolled-over one).
    rekeyed: &'a Arc<Idp>,
    /// The IdP signing with the key the changed metadata lists: the new key, or for an
    /// encryption-only change a second new key.
    listed: &'a Arc<Idp>,
    /// Whether an unsigned forgery was refused before the metadata changed.
    unsigned_refused_before: bool,
    /// Set when the poll that showed [`Sign::NewKeyTakenOrBothRefused`] saw the new key refused.
    new_key_refused: bool,
}

/// The `sig/none` forgery: every signature removed, the identity forged.
fn unsigned_forgery() -> &'static Check {
    attacks::CATALOGUE
        .iter()
        .find(|c| c.id == "sig/none")
        .expect("the catalogue has sig/none")
}

impl CaseRun<'_> {
    /// A `meta/` check: the SP is given metadata changed as `change` says and, once it acts on
    /// it, is judged on the check's forgery; then it gets its own metadata back and must be as
    /// it was before.
    pub(super) async fn retrust_check(
        &self,
        check: &'static Check,
        change: Retrust,
        good: &Delivered,
        baseline: &Baseline,
        notes: &mut Notes,
    ) -> Result<(String, Judged), CaseEnd> {
        let Some(command) = self.scenario.sp.reload_idp_metadata.as_deref() else {
            return Err(CaseEnd::NotApplicable(
                "the scenario does not say how the SP re-reads IdP metadata; hint: set `sp.reload_idp_metadata` to a command that installs the file {metadata} names and makes the SP read it (e.g. cp {metadata} /etc/app/idp.xml && systemctl reload app)".into(),
            ));
        };
        if self.scenario.idp_url.is_some() {
            return Err(CaseEnd::NotApplicable(
                "with a running IdP (`idp.url`) the harness holds neither its key nor its metadata to change; run it with the in-process IdP".into(),
            ));
        }
        let limit = self.limits.reload_timeout;
        let config = &self.idp.config;
        let now = (self.clock)();
        let new = new_certificate(now).map_err(CaseEnd::Error)?;
        // A change that lists no signing key lists a key of its own, so the rolled-over key's
        // refusal shows the SP read it, whatever the SP makes of that key.
        let listed = match change {
            Retrust::EncryptionKeyOnly => new_certificate(now).map_err(CaseEnd::Error)?,
            Retrust::NewKey | Retrust::NewKeyWithoutUse => new.clone(),
        };
        let signing_with = |cert: &SigningCert| {
            let mut config = config.clone();
            config.apps[0].certificates = vec![cert.clone()];
            config.apps[0].active_certificate = 0;
            Arc::new(Idp::new(config))
        };
        let (rekeyed, listed_idp) = (signing_with(&new), signing_with(&listed));
        let mut subject = Subject {
            check,
            good,
            rekeyed: &rekeyed,
            listed: &listed_idp,
            unsigned_refused_before: false,
            new_key_refused: false,
        };
        // The SP as it stands: the good login works (an SP still busy with an earlier check
        // is waited for), and whether it refuses an unsigned forgery; the login also says
        // where the SP sends its requests.
        if let Err(why) = self.settle(limit, Sign::Original, &mut subject, true).await {
            return Ok(inconclusive(format!(
                "the good login did not work before the metadata changed: {why}"
            )));
        }
        let before = self.attempt(self.responder(None, None)).await?;
        let unsigned = self
            .attempt(self.responder(Some(unsigned_forgery()), Some(good)))
            .await?;
        subject.unsigned_refused_before = !matches!(unsigned.session, Session::SignedIn { .. })
            && !unavailable(unsigned.acs_status);
        let base = idp_base(&before.captured.idp_url, &config.tenant.id);
        let metadata = |certs: &[SigningCert], key_use: KeyUse| {
            mock_idp::metadata::metadata_with_key_use(
                &config.tenant,
                &base,
                certs,
                &certs[0],
                key_use,
            )
            .map_err(|e| CaseEnd::Error(format!("cannot write the IdP metadata: {e}")))
        };
        let app = &config.apps[0];
        let original = metadata(&app.certificates, KeyUse::Signing)?;
        let files = Files {
            rolled_over: metadata(std::slice::from_ref(&new), KeyUse::Signing)?,
            changed: metadata(std::slice::from_ref(&listed), key_use(change))?,
            keyless: metadata(std::slice::from_ref(&listed), KeyUse::Omitted)?,
        };
        // The files installed stay until the check ends (a command may link to them).
        let mut installed = Vec::new();
        let owed = crate::reload::Restore::owe(command, &original, limit);
        let step = self.retrusted(command, change, &mut subject, &files, &mut installed);
        let judged = match tokio::time::timeout(case_part(self.limits), step).await {
            Ok(Ok(Ok((attempt, said)))) => {
                let (reason, mut judged) = self.judge_retrusted(&subject, attempt, baseline, notes);
                judged.reason = format!("{reason}{said}");
                Ok((judged.reason.clone(), judged))
            }
            Ok(Ok(Err(why))) => Ok(inconclusive(why)),
            Ok(Err(end)) => Err(end),
            Err(_) => Ok(inconclusive(format!(
                "the check took longer than {:?} once the metadata changed; hint: raise --reload-timeout or --case-timeout",
                case_part(self.limits)
            ))),
        };
        // The SP gets its own metadata back whatever happened, and must be as it was before.
        let put_back = crate::reload::install(command, &original, limit).await;
        // Tried: a failure is this check's note, not tried again.
        owed.settled();
        let restored = match put_back {
            Err(e) => Err(e),
            Ok(file) => {
                installed.push(file);
                self.settle(limit, Sign::Original, &mut subject, false)
                    .await
                    .map_err(|why| {
                        format!("{why} after `sp.reload_idp_metadata` gave the SP its original metadata back")
                    })
            }
        };
        let Err(why) = restored else {
            return judged;
        };
        notes.metadata_left = Some(why.clone());
        Ok(match judged {
            Ok((reason, mut judged)) => {
                judged.reason = format!("{reason}; then {why}");
                (judged.reason.clone(), judged)
            }
            Err(
                CaseEnd::Fail(first)
                | CaseEnd::Error(first)
                | CaseEnd::Unanswered(first)
                | CaseEnd::NotApplicable(first),
            ) => inconclusive(format!("could not run: {first}; then {why}")),
        })
    }

    /// A good login signed by `idp`'s key, as it came out.
    async fn login_with(&self, idp: &Arc<Idp>) -> Login {
        let responder = self.responder_signed_by(idp, None, None);
        Self::outcome(self.attempt(responder).await)
    }

    /// How an attempt came out, for a poll.
    fn outcome(attempt: Result<Attempt, CaseEnd>) -> Login {
        match attempt {
            Ok(a) if unavailable(a.acs_status) => Login::Unknown(format!(
                "the SP answered {}: {}",
                a.acs_status.unwrap_or_default(),
                a.acs_answer
            )),
            Ok(a) if matches!(a.session, Session::SignedIn { .. }) => Login::In,
            Ok(_) | Err(CaseEnd::Fail(_)) => Login::Refused,
            Err(CaseEnd::Error(why) | CaseEnd::Unanswered(why) | CaseEnd::NotApplicable(why)) => {
                Login::Unknown(format!("the SP could not be reached ({why})"))
            }
        }
    }

    /// One look at whether the SP shows `sign`.
    async fn poll(&self, sign: Sign, subject: &mut Subject<'_>) -> Poll {
        // Whether a login signed so came out `want`; Err: what the poll saw instead.
        let expect = |login: Login, want: bool, what: &str| match login {
            Login::In if want => Ok(()),
            Login::Refused if !want => Ok(()),
            Login::In => Err(format!("a login signed by {what} was accepted")),
            Login::Refused => Err(format!("a login signed by {what} was refused")),
            Login::Unknown(why) => Err(why),
        };
        let old = &self.idp;
        let shown = |result: Result<(), String>| match result {
            Ok(()) => Poll::Shown,
            Err(why) => Poll::Waiting(why),
        };
        match sign {
            Sign::Original => {
                if let Err(why) = expect(self.login_with(old).await, true, "the IdP's key") {
                    return Poll::Waiting(why);
                }
                if !subject.unsigned_refused_before {
                    return Poll::Shown;
                }
                let forged = self
                    .attempt(self.responder(Some(unsigned_forgery()), Some(subject.good)))
                    .await;
                shown(expect(Self::outcome(forged), false, "no key (unsigned)"))
            }
            Sign::NewKeyTaken => shown(expect(
                self.login_with(subject.rekeyed).await,
                true,
                "the new key",
            )),
            Sign::NewKeyTakenOrBothRefused => {
                let new = self.login_with(subject.rekeyed).await;
                subject.new_key_refused = matches!(new, Login::Refused);
                if let Login::Unknown(why) = new {
                    return Poll::Waiting(why);
                }
                if !subject.new_key_refused {
                    return Poll::Shown;
                }
                shown(expect(
                    self.login_with(old).await,
                    false,
                    "the old key (the new one was refused)",
                ))
            }
            Sign::RolledOverRefusedOrForgeryTaken | Sign::ListedRefusedOrForgeryTaken => {
                let forged = self
                    .attempt(self.responder(Some(subject.check), Some(subject.good)))
                    .await;
                match forged {
                    Ok(a)
                        if matches!(a.session, Session::SignedIn { .. })
                            && !unavailable(a.acs_status) =>
                    {
                        return Poll::ForgeryTaken(Box::new(a))
                    }
                    Ok(a) if unavailable(a.acs_status) => {
                        if let Login::Unknown(why) = Self::outcome(Ok(a)) {
                            return Poll::Waiting(why);
                        }
                    }
                    Ok(_) | Err(CaseEnd::Fail(_)) => {}
                    Err(other) => {
                        if let Login::Unknown(why) = Self::outcome(Err(other)) {
                            return Poll::Waiting(why);
                        }
                    }
                }
                let (idp, what) = match sign {
                    Sign::RolledOverRefusedOrForgeryTaken => (
                        subject.rekeyed,
                        "the rolled-over key (which the metadata no longer lists)",
                    ),
                    _ => (subject.listed, "the key the previous metadata listed"),
                };
                shown(expect(self.login_with(idp).await, false, what))
            }
        }
    }

    /// Polls the SP until it shows `sign` on [`CONFIRMATIONS`] polls in a row (one, when
    /// `once`), pausing between polls, within `limit`: the forgery's attempt if a poll saw it
    /// sign someone in; what the last poll saw when the sign never held.
    async fn settle(
        &self,
        limit: Duration,
        sign: Sign,
        subject: &mut Subject<'_>,
        once: bool,
    ) -> Result<Option<Box<Attempt>>, String> {
        let started = Instant::now();
        let needed = if once { 1 } else { CONFIRMATIONS };
        let mut pauses = SETTLE_PAUSES
            .iter()
            .chain(std::iter::repeat(&SETTLE_PAUSES[SETTLE_PAUSES.len() - 1]));
        let mut in_a_row = 0;
        loop {
            let poll = tokio::time::timeout(self.limits.case_timeout, self.poll(sign, subject));
            let last = match poll.await {
                Ok(Poll::ForgeryTaken(attempt)) => return Ok(Some(attempt)),
                Ok(Poll::Shown) => {
                    in_a_row += 1;
                    if in_a_row >= needed {
                        return Ok(None);
                    }
                    String::new()
                }
                Ok(Poll::Waiting(what)) => {
                    in_a_row = 0;
                    what
                }
                Err(_) => {
                    in_a_row = 0;
                    format!("a poll took longer than {:?}", self.limits.case_timeout)
                }
            };
            if in_a_row == 0 && started.elapsed() >= limit {
                return Err(format!("{last}, still {limit:?}"));
            }
            if let Some(pause) = pauses.next() {
                tokio::time::sleep(*pause).await;
            }
        }
    }

    /// Installs the changed metadata (after the rolled-over one, for a change that lists no
    /// signing key: only a key the SP took can show it stopped taking it), waits until the SP
    /// acts on it and posts the check's forgery: its attempt and a note for the reason, or
    /// why the SP never acted on the metadata.
    async fn retrusted(
        &self,
        command: &str,
        change: Retrust,
        subject: &mut Subject<'_>,
        files: &Files,
        installed: &mut Vec<tempfile::NamedTempFile>,
    ) -> Result<Result<(Attempt, &'static str), String>, CaseEnd> {
        let limit = self.limits.reload_timeout;
        let never = |why: String| {
            format!(
                "{why} after `sp.reload_idp_metadata` installed metadata with a new key, so the SP was never seen acting on it; hint: make the command reload the SP, or raise --reload-timeout"
            )
        };
        let sign = match change {
            Retrust::NewKey => Sign::NewKeyTaken,
            Retrust::NewKeyWithoutUse => Sign::NewKeyTakenOrBothRefused,
            Retrust::EncryptionKeyOnly => {
                self.install(command, &files.rolled_over, installed).await?;
                if let Err(why) = self.settle(limit, Sign::NewKeyTaken, subject, false).await {
                    return Ok(Err(never(why)));
                }
                // Under the rolled-over metadata the SP refused unsigned responses (else
                // `sig/none` fails too), so one that signs in now is the change's doing.
                Sign::RolledOverRefusedOrForgeryTaken
            }
        };
        self.install(command, &files.changed, installed).await?;
        let attempt = match self.settle(limit, sign, subject, false).await {
            Err(why) => return Ok(Err(never(why))),
            Ok(Some(attempt)) => return Ok(Ok((*attempt, ""))),
            Ok(None) => self.forgery(subject).await?,
        };
        let signed_in = matches!(attempt.session, Session::SignedIn { .. });
        // A forgery the old key signed validly may have reached a worker still on the old
        // metadata: once the sign shows again, it must sign in again.
        if signed_in && subject.check.idp_signs() {
            if let Err(why) = self.settle(limit, sign, subject, true).await {
                return Ok(Err(never(why)));
            }
            let again = self.forgery(subject).await?;
            if !matches!(again.session, Session::SignedIn { .. }) {
                return Ok(Err(format!(
                    "the forgery signed in once and was refused once ({}), so the SP may take new metadata worker by worker; run it again",
                    again.acs_answer
                )));
            }
            return Ok(Ok((again, "")));
        }
        if change != Retrust::EncryptionKeyOnly || signed_in {
            return Ok(Ok((attempt, self.said(change, subject))));
        }
        // An SP that reads the key listed for encryption as a signing key never lacked one:
        // then the metadata goes without any key, where it must refuse everything.
        if !matches!(self.login_with(subject.listed).await, Login::In) {
            return Ok(Ok((attempt, "")));
        }
        self.install(command, &files.keyless, installed).await?;
        let attempt = match self
            .settle(limit, Sign::ListedRefusedOrForgeryTaken, subject, false)
            .await
        {
            Err(why) => {
                return Ok(Err(format!(
                    "the SP refused the unsigned forgery under metadata listing a key for encryption only, but took that key as a signing key; given metadata with no key at all it was not seen refusing that key ({why}), so the unsigned forgery was never judged without a key"
                )))
            }
            Ok(Some(attempt)) => *attempt,
            Ok(None) => self.forgery(subject).await?,
        };
        Ok(Ok((attempt, KEYLESS)))
    }

    /// Runs the command with `metadata`, keeping its file in `installed`.
    async fn install(
        &self,
        command: &str,
        metadata: &str,
        installed: &mut Vec<tempfile::NamedTempFile>,
    ) -> Result<(), CaseEnd> {
        let file = crate::reload::install(command, metadata, self.limits.reload_timeout)
            .await
            .map_err(|e| CaseEnd::Error(format!("could not run: {e}")))?;
        installed.push(file);
        Ok(())
    }

    /// The check's forgery, posted from a fresh login.
    async fn forgery(&self, subject: &Subject<'_>) -> Result<Attempt, CaseEnd> {
        self.attempt(self.responder(Some(subject.check), Some(subject.good)))
            .await
    }

    /// What the polls learned that the reason should say.
    fn said(&self, change: Retrust, subject: &Subject<'_>) -> &'static str {
        match change {
            Retrust::NewKeyWithoutUse if subject.new_key_refused => {
                " (the SP also refused a login signed by that key: a KeyDescriptor without `use` is for signing too)"
            }
            _ => "",
        }
    }

    /// The verdict on the forgery posted under the changed metadata. A 429, 502, 503 or 504
    /// is no refusal; a validly signed forgery that signed in must do it again (an SP whose workers
    /// take new metadata one by one may have had it read under the old).
    fn judge_retrusted(
        &self,
        subject: &Subject<'_>,
        attempt: Attempt,
        baseline: &Baseline,
        notes: &mut Notes,
    ) -> (String, Judged) {
        let check = subject.check;
        let judged = Self::judge_attempt(check, &attempt, baseline, notes);
        if judged.outcome == Outcome::Pass && unavailable(attempt.acs_status) {
            return inconclusive(format!(
                "the SP answered {} to the forgery ({}), so it was never judged",
                attempt.acs_status.unwrap_or_default(),
                attempt.acs_answer
            ));
        }
        (judged.reason.clone(), judged)
    }
}

/// The note on a verdict reached with metadata that lists no key at all.
const KEYLESS: &str = " (the SP took a login signed by the key listed for encryption only, as a signing key, so the metadata then went without any key)";

/// The metadata files a check installs besides the original.
struct Files {
    /// Only the new key, for signing.
    rolled_over: String,
    /// The check's change.
    changed: String,
    /// No key at all.
    keyless: String,
}

/// The time a `meta/` check's changed-metadata part may take: three reloads, the polls
/// waiting on each, and the case itself.
pub(super) fn case_part(limits: crate::flow::Limits) -> Duration {
    limits.case_timeout + 6 * limits.reload_timeout
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_idp_base_is_what_precedes_the_tenants_endpoint() {
        let sso = url::Url::parse("http://127.0.0.1:7080/t-1/saml2?SAMLRequest=x").unwrap();
        assert_eq!(idp_base(&sso, "t-1"), "http://127.0.0.1:7080");
        let sso = url::Url::parse("https://idp.test/mock/t-1/saml2").unwrap();
        assert_eq!(idp_base(&sso, "t-1"), "https://idp.test/mock");
        let sso = url::Url::parse("https://idp.test/elsewhere").unwrap();
        assert_eq!(idp_base(&sso, "t-1"), "https://idp.test");
    }
}
