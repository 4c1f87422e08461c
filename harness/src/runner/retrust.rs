//! The `meta/` checks: the SP re-reads changed IdP metadata (`sp.reload_idp_metadata`), a
//! forgery is judged against what it then trusts, and the original metadata goes back.

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
use crate::respond::{Delivered, Responder};

/// Pauses between logins while waiting for the SP to act on new metadata (the last repeats).
const SETTLE_PAUSES: [Duration; 4] = [
    Duration::from_millis(100),
    Duration::from_millis(250),
    Duration::from_millis(500),
    Duration::from_secs(1),
];

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

/// What a poll of the SP found while waiting for it to act on new metadata.
enum Poll {
    /// Not yet: what it did.
    Waiting(&'static str),
    /// It acts on the new metadata (with the forgery's attempt, if the poll made it).
    Settled(Option<Box<Attempt>>),
}

/// What shows the SP acts on the metadata just installed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sign {
    /// The IdP's own key signs the user in (its original metadata is back).
    OldKeyTaken,
    /// The new key signs the user in.
    NewKeyTaken,
    /// The new key signs the user in, or the old key no longer does.
    NewKeyTakenOrOldRefused,
    /// The new key no longer signs the user in, or the check's unsigned forgery does.
    NewKeyRefusedOrForgeryTaken,
}

/// The check being run, for the polls that post its forgery.
struct Subject<'a> {
    check: &'static Check,
    good: &'a Delivered,
    rekeyed: &'a Arc<Idp>,
    /// The IdP signing with the key the changed metadata lists: the new key, or for an
    /// encryption-only change a second new key.
    listed: &'a Arc<Idp>,
    /// Set when a poll saw the new key refused.
    new_key_refused: bool,
    /// Set when the SP took a signature by a key its metadata lists for encryption only.
    listed_key_taken: bool,
}

impl CaseRun<'_> {
    /// A `meta/` check: the SP is given metadata changed as `change` says and, once it acts on
    /// it, is judged on the check's forgery; then it gets its own metadata back and must take
    /// the IdP's key again.
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
        // The good login as it stands, which also says where the SP sends its requests.
        let before = self.attempt(self.responder(None, None)).await?;
        if !matches!(before.session, Session::SignedIn { .. }) {
            return Ok(inconclusive(format!(
                "a good login did not work before the metadata changed: {}",
                before.acs_answer
            )));
        }
        let config = &self.idp.config;
        let base = idp_base(&before.captured.idp_url, &config.tenant.id);
        let now = (self.clock)();
        let new = new_certificate(now).map_err(CaseEnd::Error)?;
        // A change that lists no signing key lists a key of its own, so the rolled-over key's
        // refusal shows the SP read it, whatever the SP makes of that key.
        let listed = match change {
            Retrust::EncryptionKeyOnly => new_certificate(now).map_err(CaseEnd::Error)?,
            Retrust::NewKey | Retrust::NewKeyWithoutUse => new.clone(),
        };
        let metadata = |certs: &[SigningCert], signer: &SigningCert, key_use: KeyUse| {
            mock_idp::metadata::metadata_with_key_use(&config.tenant, &base, certs, signer, key_use)
                .map_err(|e| CaseEnd::Error(format!("cannot write the IdP metadata: {e}")))
        };
        let app = &config.apps[0];
        let original = metadata(&app.certificates, app.active_cert(), KeyUse::Signing)?;
        let one = std::slice::from_ref(&new);
        let rolled_over = metadata(one, &new, KeyUse::Signing)?;
        let changed = metadata(std::slice::from_ref(&listed), &listed, key_use(change))?;
        let signing_with = |cert: SigningCert| {
            let mut config = config.clone();
            config.apps[0].certificates = vec![cert];
            config.apps[0].active_certificate = 0;
            Arc::new(Idp::new(config))
        };
        let rekeyed = signing_with(new);
        let listed = signing_with(listed);
        let mut subject = Subject {
            check,
            good,
            rekeyed: &rekeyed,
            listed: &listed,
            new_key_refused: false,
            listed_key_taken: false,
        };

        let step = self.retrusted(command, change, &mut subject, [&rolled_over, &changed]);
        let judged = match tokio::time::timeout(case_part(self.limits), step).await {
            Ok(Ok(Ok(attempt))) => {
                Ok(self.judge_retrusted(check, change, &subject, attempt, baseline, notes))
            }
            Ok(Ok(Err(why))) => Ok(inconclusive(format!(
                "{why} after `sp.reload_idp_metadata` installed metadata with a new key, so the SP never acted on it; hint: make the command reload the SP, or raise --reload-timeout"
            ))),
            Ok(Err(end)) => Err(end),
            Err(_) => Ok(inconclusive(format!(
                "the check took longer than {:?} once the metadata changed; hint: raise --reload-timeout or --case-timeout",
                case_part(self.limits)
            ))),
        };
        // The SP gets its own metadata back whatever happened, and must take the IdP's key again.
        let limit = self.limits.reload_timeout;
        let restored = match crate::reload::install(command, &original, limit).await {
            Err(e) => Err(e),
            Ok(()) => self
                .settle(limit, Sign::OldKeyTaken, &mut subject)
                .await
                .map(|_| ())
                .map_err(|why| {
                    format!("{why} after `sp.reload_idp_metadata` gave the SP its original metadata back")
                }),
        };
        match (restored, judged) {
            (Ok(()), judged) => judged,
            (Err(why), judged) => {
                notes.metadata_left = Some(why.clone());
                judged.map(|(reason, mut judged)| {
                    judged.reason = format!("{reason}; then {why}");
                    (judged.reason.clone(), judged)
                })
            }
        }
    }

    /// Whether a good login signed by `idp`'s key signs the user in.
    async fn signs_in(&self, idp: &Arc<Idp>) -> Result<bool, CaseEnd> {
        let responder = Responder::new(
            idp.clone(),
            self.scenario.user.clone(),
            None,
            None,
            self.clock.clone(),
        )
        .with_sp(self.sp_metadata.clone());
        match self.attempt(responder).await {
            Ok(a) => Ok(matches!(a.session, Session::SignedIn { .. })),
            Err(CaseEnd::Fail(_)) => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// One look at whether the SP shows `sign`.
    async fn poll(&self, sign: Sign, subject: &mut Subject<'_>) -> Result<Poll, CaseEnd> {
        let settled = |yes: bool, waiting: &'static str| match yes {
            true => Poll::Settled(None),
            false => Poll::Waiting(waiting),
        };
        Ok(match sign {
            Sign::OldKeyTaken => settled(
                self.signs_in(&self.idp).await?,
                "a login signed by the IdP's key was refused",
            ),
            Sign::NewKeyTaken => settled(
                self.signs_in(subject.rekeyed).await?,
                "a login signed by the new key was refused",
            ),
            Sign::NewKeyTakenOrOldRefused => {
                if self.signs_in(subject.rekeyed).await? {
                    return Ok(Poll::Settled(None));
                }
                subject.new_key_refused = true;
                settled(
                    !self.signs_in(&self.idp).await?,
                    "a login signed by the new key was refused and one signed by the old key accepted",
                )
            }
            Sign::NewKeyRefusedOrForgeryTaken => {
                let attempt = self
                    .attempt(self.responder(Some(subject.check), Some(subject.good)))
                    .await?;
                if matches!(attempt.session, Session::SignedIn { .. }) {
                    return Ok(Poll::Settled(Some(Box::new(attempt))));
                }
                settled(
                    !self.signs_in(subject.rekeyed).await?,
                    "a login signed by the rolled-over key, which the metadata no longer lists, was accepted",
                )
            }
        })
    }

    /// Polls the SP until it shows `sign`, pausing between polls, within `limit`; what the
    /// last poll saw when it never does.
    async fn settle(
        &self,
        limit: Duration,
        sign: Sign,
        subject: &mut Subject<'_>,
    ) -> Result<Option<Box<Attempt>>, String> {
        let started = Instant::now();
        let mut pauses = SETTLE_PAUSES
            .iter()
            .chain(std::iter::repeat(&SETTLE_PAUSES[SETTLE_PAUSES.len() - 1]));
        loop {
            let last = match self.poll(sign, subject).await {
                Ok(Poll::Settled(attempt)) => return Ok(attempt),
                Ok(Poll::Waiting(what)) => what.to_owned(),
                Err(
                    CaseEnd::Fail(why)
                    | CaseEnd::Error(why)
                    | CaseEnd::Unanswered(why)
                    | CaseEnd::NotApplicable(why),
                ) => format!("the SP could not be reached ({why})"),
            };
            if started.elapsed() >= limit {
                return Err(format!("{last}, still {limit:?}"));
            }
            if let Some(pause) = pauses.next() {
                tokio::time::sleep(*pause).await;
            }
        }
    }

    /// Installs the changed metadata (after the rolled-over one, for a change that lists no
    /// signing key: only a key the SP took can show it stopped taking it), waits until the SP
    /// acts on it and posts the check's forgery: its attempt, or why the SP never acted on
    /// the metadata.
    async fn retrusted(
        &self,
        command: &str,
        change: Retrust,
        subject: &mut Subject<'_>,
        [rolled_over, changed]: [&str; 2],
    ) -> Result<Result<Attempt, String>, CaseEnd> {
        let limit = self.limits.reload_timeout;
        let install = |metadata: &str| {
            let metadata = metadata.to_owned();
            async move {
                crate::reload::install(command, &metadata, limit)
                    .await
                    .map_err(|e| CaseEnd::Error(format!("could not run: {e}")))
            }
        };
        let sign = match change {
            Retrust::NewKey => Sign::NewKeyTaken,
            Retrust::NewKeyWithoutUse => Sign::NewKeyTakenOrOldRefused,
            Retrust::EncryptionKeyOnly => {
                install(rolled_over).await?;
                if let Err(why) = self.settle(limit, Sign::NewKeyTaken, subject).await {
                    return Ok(Err(why));
                }
                // Under the rolled-over metadata the SP refused unsigned responses (else
                // `sig/none` fails too), so one that signs in now is the change's doing.
                Sign::NewKeyRefusedOrForgeryTaken
            }
        };
        install(changed).await?;
        let attempt = match self.settle(limit, sign, subject).await {
            Err(why) => return Ok(Err(why)),
            Ok(Some(attempt)) => *attempt,
            Ok(None) => {
                self.attempt(self.responder(Some(subject.check), Some(subject.good)))
                    .await?
            }
        };
        if change == Retrust::EncryptionKeyOnly
            && !matches!(attempt.session, Session::SignedIn { .. })
        {
            subject.listed_key_taken = self.signs_in(subject.listed).await?;
        }
        Ok(Ok(attempt))
    }

    /// The verdict on the forgery posted under the changed metadata.
    fn judge_retrusted(
        &self,
        check: &'static Check,
        change: Retrust,
        subject: &Subject<'_>,
        attempt: Attempt,
        baseline: &Baseline,
        notes: &mut Notes,
    ) -> (String, Judged) {
        let mut judged = Self::judge_attempt(check, &attempt, baseline, notes);
        if change == Retrust::NewKeyWithoutUse && subject.new_key_refused {
            judged.reason.push_str(" (the SP also refused a login signed by that key: a KeyDescriptor without `use` is for signing too)");
        }
        if subject.listed_key_taken {
            judged.reason.push_str(
                " (it took a login signed by the key listed for encryption only, as a signing key)",
            );
        }
        (judged.reason.clone(), judged)
    }
}

/// The time a `meta/` check's changed-metadata part may take: two reloads, the logins waiting
/// on each, and the case itself.
pub(super) fn case_part(limits: crate::flow::Limits) -> Duration {
    limits.case_timeout + 4 * limits.reload_timeout
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
