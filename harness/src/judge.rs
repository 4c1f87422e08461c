//! The verdict judge: what an SP's answer to one check means. Pure, so it is table-tested.

use std::time::Duration;

use attacks::identity::Swap;
use attacks::{Goal, EVIL_HOST, EXFILTRATION_PATH};

use crate::canary::{Hit, HitKind};
use crate::oracle::Session;
use crate::runner::Outcome;

/// A judged attack case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Judged {
    /// The verdict.
    pub outcome: Outcome,
    /// Why, in one line.
    pub reason: String,
    /// Who was signed in, if anyone.
    pub signed_in_as: Option<String>,
}

/// What the run learned before the checks, which the judge needs to read a session.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baseline {
    /// Who the oracle showed after the good login (None: the oracle has no identity rule).
    pub good_identity: Option<String>,
    /// An anonymous browser gets a 2xx page without identity: that is what "signed out" looks
    /// like on this SP, so an unidentified page is a refusal.
    pub anonymous_unidentified: bool,
}

/// Whether an HTTP status says the SP failed or is overloaded (5xx, 429), rather than refused.
pub fn in_trouble(status: Option<u16>) -> bool {
    status.is_some_and(|s| s >= 500 || s == 429)
}

/// Judges a fuzz case: a forged identity signed in is `vulnerable`; the genuine user signed
/// in from a document the specs say must be refused is `nonstrict`; an ACS that answers 5xx
/// is `error` (a robustness finding); anything else the SP did is a pass.
pub fn judge_mutated(
    spec_invalid: bool,
    session: &Session,
    swap: &Swap,
    baseline: &Baseline,
    acs_answer: &str,
    acs_status: Option<u16>,
) -> Judged {
    const MUST: &str = "read identity only from the element its trusted signature covers";
    let server_error = acs_status.is_some_and(|s| s >= 500);
    if server_error && !matches!(session, Session::SignedIn { .. }) {
        return Judged {
            outcome: Outcome::Error,
            reason: format!("the SP failed on the edited response ({acs_answer}); an SP must refuse bad input, not crash"),
            signed_in_as: None,
        };
    }
    // A "forged" value that is the user's own (or what the good login showed) proves nothing.
    let own = |f: &String| {
        swap.genuine
            .iter()
            .chain(baseline.good_identity.iter())
            .any(|g| crate::oracle::same_identity(g, f))
    };
    let swap = Swap {
        genuine: swap.genuine.clone(),
        forged: swap.forged.iter().filter(|f| !own(f)).cloned().collect(),
        untouched: swap.untouched.clone(),
    };
    let signed_in = match session {
        Session::SignedIn { identity } => Some(identity.clone()),
        _ => None,
    };
    let who = |id: &Option<String>| id.clone().unwrap_or_else(|| "the user".into());
    if swap.forged.is_empty() {
        let judged = judge(
            Goal::Strictness,
            session,
            &swap,
            baseline,
            acs_answer,
            "refuse a document that is not well-formed or carries a DTD",
        );
        return match signed_in {
            // Nothing forged and the document well-formed: accepting it is no finding.
            Some(id) if !spec_invalid => Judged {
                outcome: Outcome::Pass,
                reason: format!("accepted the edited response for {}: nothing was forged and it stayed well-formed", who(&id)),
                signed_in_as: id,
            },
            _ => judged,
        };
    }
    let judged = judge(
        Goal::Impersonate,
        session,
        &swap,
        baseline,
        acs_answer,
        MUST,
    );
    match signed_in {
        // The genuine user signed in from a document the specs reject.
        Some(id) if spec_invalid && judged.outcome == Outcome::Pass => Judged {
            outcome: Outcome::Nonstrict,
            reason: format!(
                "accepted: signed in as {}; the spec says it must refuse a document that is not well-formed or carries a DTD",
                who(&id)
            ),
            signed_in_as: id,
        },
        _ => judged,
    }
}

/// Judges the session an attack left, given what it forged and what the SP must do.
pub fn judge(
    goal: Goal,
    session: &Session,
    swap: &Swap,
    baseline: &Baseline,
    acs_answer: &str,
    must: &str,
) -> Judged {
    let judged = |outcome, reason: String, who: Option<&String>| Judged {
        outcome,
        reason,
        signed_in_as: who.cloned(),
    };
    // These goals have evidence of their own (judge_fetch, judge_redirect, judge_fixation); a
    // refusal alone must never read as a pass for them.
    if matches!(
        goal,
        Goal::Contain
            | Goal::StayOnSite
            | Goal::FreshSession
            | Goal::StayProtected
            | Goal::Discreet
            | Goal::StaySignedIn
            | Goal::Escape
            | Goal::Withstand
            | Goal::AnswerAlike
    ) {
        return judged(
            Outcome::Inconclusive,
            "this check is judged by its own evidence (canary, redirect or cookies), not by the session alone".into(),
            None,
        );
    }
    let id = match session {
        Session::SignedOut { .. } => {
            return judged(Outcome::Pass, format!("refused: {acs_answer}"), None)
        }
        Session::Unidentified { .. } if baseline.anonymous_unidentified => {
            return judged(
                Outcome::Pass,
                format!("refused: {acs_answer}; the protected page looks as it does signed out"),
                None,
            )
        }
        Session::Unidentified { how } => {
            return judged(
                Outcome::Inconclusive,
                format!("the protected page answered but the identity rule found no one ({how}); someone may be signed in; hint: make `sp.oracle.identity` match any user"),
                None,
            )
        }
        Session::SignedIn { identity } => identity.as_ref(),
    };
    let same = crate::oracle::same_identity;
    let among = |list: &[String], id: &str| list.iter().any(|x| same(x, id));
    match (goal, id) {
        (Goal::Impersonate, Some(id)) if among(&swap.forged, id) => judged(
            Outcome::Vulnerable,
            format!("signed in as the forged identity {id}; the SP must {must}"),
            Some(id),
        ),
        (Goal::Impersonate, Some(id)) if among(&swap.untouched, id) => judged(
            Outcome::NotApplicable,
            format!("signed in as {id}, a look-alike this check leaves whole: the oracle reads a value the check does not cut, so how the SP reads the cut one cannot be seen; hint: if the SP maps accounts from another value (the NameID or a claim), point `sp.oracle.identity` at it"),
            Some(id),
        ),
        (Goal::Impersonate, Some(id)) if among(&swap.genuine, id) => judged(
            Outcome::Pass,
            format!("ignored the forged part: signed in as {id}, the attacker's own identity"),
            Some(id),
        ),
        (Goal::Impersonate, Some(id))
            if baseline.good_identity.as_deref().is_some_and(|g| same(g, id)) =>
        {
            judged(
                Outcome::Inconclusive,
                format!("signed in as {id}, a value this forgery does not change, so whose session it is cannot be told; hint: point `sp.oracle.identity` at the NameID or an identity claim (name, emailaddress, upn)"),
                Some(id),
            )
        }
        (Goal::Impersonate, Some(id)) => {
            // Several identities at once (samlify < 2.4.0 read every NameID, a claim may be
            // multi-valued): the forged one among them is who the application may take the
            // session for; without it, each one is judged as the arms above judge one.
            let held: Vec<&str> = crate::oracle::identities_in(id).collect();
            let known = |h: &&str| {
                among(&swap.genuine, h)
                    || among(&swap.untouched, h)
                    || baseline
                        .good_identity
                        .as_deref()
                        .is_some_and(|g| crate::oracle::identities_in(g).any(|g| same(g, h)))
            };
            match held.iter().find(|h| among(&swap.forged, h)) {
                Some(forged) => Judged {
                    outcome: Outcome::Vulnerable,
                    reason: format!("signed in as {id:?}: the SP read several identities from one response, the forged {forged} among them; the SP must {must}"),
                    signed_in_as: Some((*forged).to_owned()),
                },
                None if held.len() > 1 && held.iter().all(known) => {
                    let outcome = if held.iter().any(|h| among(&swap.untouched, h)) {
                        Outcome::NotApplicable
                    } else if held.iter().all(|h| among(&swap.genuine, h)) {
                        Outcome::Pass
                    } else {
                        Outcome::Inconclusive
                    };
                    judged(
                        outcome,
                        format!("signed in as {id:?}: several values, none the forged identity, each a value this check leaves as the IdP signed it (the attacker's own, a look-alike left whole, or the good login's)"),
                        Some(id),
                    )
                }
                None => judged(
                    Outcome::Vulnerable,
                    format!("signed in as {id:?}, an identity the IdP never asserted; the SP must {must}"),
                    Some(id),
                ),
            }
        }
        (Goal::Impersonate, None) => judged(
            Outcome::Inconclusive,
            "signed in, but the oracle shows no identity, so whose session it is cannot be told; hint: set `sp.oracle.identity`".into(),
            None,
        ),
        (Goal::Misuse, who) => judged(
            Outcome::Vulnerable,
            format!(
                "accepted: signed in as {}; the SP must {must}",
                who.map_or("someone", |s| s)
            ),
            who,
        ),
        (Goal::Strictness, who) => judged(
            Outcome::Nonstrict,
            format!(
                "accepted: signed in as {}; the spec says it must {must}",
                who.map_or("someone", |s| s)
            ),
            who,
        ),
        (
            Goal::Contain
            | Goal::StayOnSite
            | Goal::FreshSession
            | Goal::StayProtected
            | Goal::Discreet
            | Goal::StaySignedIn
            | Goal::Escape
            | Goal::Withstand
            | Goal::AnswerAlike,
            who,
        ) => judged(
            Outcome::Inconclusive,
            "judged by its own evidence".into(),
            who,
        ),
    }
}

/// Judges the session-fixation check: `replayed` is what the protected page showed a second
/// browser holding only the cookies the first held before the login (None: it held none).
pub fn judge_fixation(
    session: &Session,
    replayed: Option<&Session>,
    baseline: &Baseline,
    acs_answer: &str,
) -> Judged {
    let Session::SignedIn { identity } = session else {
        return Judged {
            outcome: Outcome::Inconclusive,
            reason: format!(
                "the login was refused ({acs_answer}), so there is no session to fixate"
            ),
            signed_in_as: None,
        };
    };
    let who = identity.as_deref().unwrap_or("the user");
    let (outcome, reason) = match replayed {
        None => (
            Outcome::Pass,
            format!("the browser held no cookie for the protected page before the login; signed in as {who}"),
        ),
        Some(Session::Unidentified { how }) if !baseline.anonymous_unidentified => (
            Outcome::Inconclusive,
            format!("with only the pre-login cookies the protected page answered without an identity ({how}); whether that is a session cannot be told; hint: make `sp.oracle.identity` match any user"),
        ),
        Some(Session::SignedIn { identity: again }) => (
            Outcome::Vulnerable,
            format!(
                "a browser holding only the cookies set before the login is signed in as {}: whoever planted them shares the victim's session (session fixation); the SP must issue a new session identifier at login",
                again.as_deref().unwrap_or(who)
            ),
        ),
        Some(_) => (
            Outcome::Pass,
            format!("the cookies from before the login are no session after it; signed in as {who}"),
        ),
    };
    Judged {
        outcome,
        reason,
        signed_in_as: identity.clone(),
    }
}

/// Judges `relay/sign-on-markup`: `reflected_at` is the page (the sign-on URL or a redirect
/// on its origin) whose HTML carried the markup of the query parameters `names` unescaped;
/// `unavailable` says where the SP answered 429, 502, 503 or 504 instead.
pub fn judge_sign_on_reflection(
    reflected_at: Option<&url::Url>,
    unavailable: Option<&str>,
    names: &[&str],
    must: &str,
) -> Judged {
    let names = names.join(", ");
    let (outcome, reason) = match (reflected_at, unavailable) {
        (Some(page), _) => (
            Outcome::Vulnerable,
            format!("{page} carries the markup given in {names} unescaped ({}…>) in an HTML page: a sign-on link with it runs the attacker's script on the SP's origin; the SP must {must}", attacks::REFLECTION_MARKER),
        ),
        (None, Some(why)) => (
            Outcome::Inconclusive,
            format!("{why}, so a page that would carry the markup given in {names} may not have been reached; hint: run it again alone with --only"),
        ),
        (None, None) => (
            Outcome::Pass,
            format!("the markup given in {names} is in none of the SP's pages unescaped"),
        ),
    };
    Judged {
        outcome,
        reason,
        signed_in_as: None,
    }
}

/// Judges a reflection check ([`Goal::Escape`]) by the ACS's answer `body`: the check's
/// markup there, unescaped, in an HTML page, is `vulnerable`.
pub fn judge_reflection(
    body: &str,
    html: bool,
    session: &Session,
    acs_answer: &str,
    must: &str,
) -> Judged {
    let reflected = html && body.contains(attacks::REFLECTION_MARKER);
    Judged {
        outcome: if reflected {
            Outcome::Vulnerable
        } else {
            Outcome::Pass
        },
        reason: if reflected {
            format!("the ACS's HTML page carries RelayState's markup unescaped ({}…>): a login link with this RelayState runs the attacker's script on the SP's origin; the SP must {must}", attacks::REFLECTION_MARKER)
        } else {
            format!("RelayState's markup is not in the ACS's answer unescaped ({acs_answer})")
        },
        signed_in_as: signed_in_as(session),
    }
}

/// What a sign-out check ([`Goal::StaySignedIn`]) saw.
pub struct LogoutEvidence<'a> {
    /// Who the victim was signed in as.
    pub victim: Option<&'a str>,
    /// The victim's session after the forged message.
    pub forged: &'a Session,
    /// Whether the SP answered the forged message with a 5xx or 429.
    pub forged_trouble: bool,
    /// Whether the URL ends a session when sent no message at all (a bare GET, or an empty
    /// form by HTTP-POST).
    pub any_request_ends: bool,
    /// Whether the attacker's own signed message, sent unchanged, ends a session too (for the
    /// forgeries that splice one in).
    pub donor_alone_ends: bool,
    /// The control's session after the IdP's own signed LogoutRequest.
    pub control: &'a Session,
    /// Whether the SP answered that with a 5xx or 429.
    pub control_trouble: bool,
    /// The scenario setting that names the URL (`sp.single_logout_url` or
    /// `sp.single_logout_post_url`), for hints.
    pub setting: &'a str,
    /// How the URL was sent no message, in words ("opening that URL with no message at all").
    pub no_message: &'a str,
    /// What a session the forged message ended shows about the SP, in words.
    pub ending_shows: &'a str,
    /// Whether the forged message is costly to take in (the deflate bomb), so a 5xx or 429
    /// answer may be the finding itself: then a surviving session is no pass.
    pub costly: bool,
}

/// Judges a sign-out check: the forgery ending the victim's session is `vulnerable` (unless
/// the SP was in trouble, or the URL ends sessions on any request); its surviving is a `pass`
/// only when the IdP's own signed LogoutRequest ends a session there.
pub fn judge_logout(seen: &LogoutEvidence, baseline: &Baseline, must: &str) -> Judged {
    let victim = seen.victim.unwrap_or("the user");
    let ended = |s: &Session| match s {
        Session::SignedOut { .. } => Some(true),
        Session::Unidentified { .. } if baseline.anonymous_unidentified => Some(true),
        Session::Unidentified { .. } => None,
        Session::SignedIn { .. } => Some(false),
    };
    let (outcome, reason) = match ended(seen.forged) {
        Some(true) if seen.forged_trouble => (
            Outcome::Inconclusive,
            format!("the SP answered the forged message with an error and {victim}'s session was gone afterwards: a crash that forgot its sessions cannot be told from a sign-out"),
        ),
        Some(true) if seen.any_request_ends => (
            Outcome::Inconclusive,
            format!("the forged message ended {victim}'s session, but so does {}, so whether it checks sign-out messages cannot be told; hint: set {} to the URL that takes the IdP's LogoutRequests", seen.no_message, seen.setting),
        ),
        Some(true) if seen.donor_alone_ends => (
            Outcome::Inconclusive,
            format!("the forged query ended {victim}'s session, but so does the attacker's own IdP-signed message sent unchanged: the SP ends the browser's session on a signed sign-out message whoever it names, so the splice is not what did it (that alone lets anyone holding one sign others out)"),
        ),
        Some(true) => (
            Outcome::Vulnerable,
            format!("the forged message ended {victim}'s session: {}; the SP must {must}", seen.ending_shows),
        ),
        None => (
            Outcome::Inconclusive,
            "after the forged message the protected page answered without an identity; whether the session ended cannot be told; hint: make `sp.oracle.identity` match any user".into(),
        ),
        Some(false) if seen.forged_trouble && seen.costly => (
            Outcome::Inconclusive,
            format!("{victim}'s session survived, but the SP answered the forged message with an error: it may have run out of memory or time taking it in, so whether it bounds that work cannot be told; hint: read the SP's log for this request"),
        ),
        Some(false) => match (seen.control_trouble, ended(seen.control)) {
            (false, Some(true)) => (
                Outcome::Pass,
                format!("{victim}'s session survived the forged message; the IdP's signed LogoutRequest ends a session there"),
            ),
            (true, _) => (
                Outcome::Inconclusive,
                format!("{victim}'s session survived the forged message, but the SP answered the IdP's signed LogoutRequest with an error, so whether it takes sign-out messages there cannot be told"),
            ),
            (false, Some(false)) => (
                Outcome::Inconclusive,
                format!("{victim}'s session survived the forged message, but the IdP's own signed LogoutRequest does not end a session there either, so the SP may not take IdP-initiated logout at that URL (by that binding); hint: check {} (or the SP metadata's SingleLogoutService)", seen.setting),
            ),
            (false, None) => (
                Outcome::Inconclusive,
                "the session survived the forged message; after the IdP's signed one the protected page answered without an identity, so whether that one works cannot be told".into(),
            ),
        },
    };
    Judged {
        outcome,
        reason,
        signed_in_as: signed_in_as(seen.forged),
    }
}

/// Who `session` shows signed in, if it names anyone.
fn signed_in_as(session: &Session) -> Option<String> {
    match session {
        Session::SignedIn { identity } => identity.clone(),
        _ => None,
    }
}

/// Judges an anonymous probe of the protected page ([`Goal::StayProtected`]): `session` is
/// what the page showed a browser that never signed in but sent the check's headers, `paos`
/// whether the SP answered with an ECP AuthnRequest (a PAOS message) instead of the page.
pub fn judge_anonymous(session: &Session, paos: bool, baseline: &Baseline, must: &str) -> Judged {
    let judged = |outcome, reason: String, who: Option<String>| Judged {
        outcome,
        reason,
        signed_in_as: who,
    };
    match session {
        Session::SignedIn { identity } => judged(
            Outcome::Vulnerable,
            format!(
                "the protected page was served to a browser that never signed in, as {}; the SP must {must}",
                identity.as_deref().unwrap_or("someone")
            ),
            identity.clone(),
        ),
        _ if paos => judged(
            Outcome::Pass,
            "the SP answered with an ECP AuthnRequest (a PAOS message), not the protected page".into(),
            None,
        ),
        Session::SignedOut { how } => judged(Outcome::Pass, format!("not served: {how}"), None),
        Session::Unidentified { how } if !baseline.anonymous_unidentified => judged(
            Outcome::Vulnerable,
            format!("the protected page was served to a browser that never signed in ({how}), where a plain anonymous request is bounced; the SP must {must}"),
            None,
        ),
        Session::Unidentified { how } => judged(
            Outcome::Inconclusive,
            format!("the protected page answered ({how}), but it answers anonymous browsers this way too, so a bypass cannot be told"),
            None,
        ),
    }
}

/// What a stack trace looks like in an error page, per platform.
const STACK_TRACES: [(&str, &str); 11] = [
    ("Python", r"Traceback \(most recent call last\)"),
    ("Java", r"(?m)^\s+at [\w$.]+\([\w$]+\.(java|kt):\d+\)"),
    ("Ruby", r"\.rb:\d+:in [`']"),
    (".NET", r"(?m)^\s*\[?[A-Z][\w.`]+\.[\w`]+\([^)]*\) \+\d+"),
    ("Node.js", r"(?m)^\s+at .+\(.+\.[cm]?js:\d+:\d+\)"),
    ("PHP", r"Stack trace:\s*(<br\s*/?>)?\s*#0 "),
    (".NET", r"(?m)^\s+at System\.[\w.`]+\("),
    ("Go", r"goroutine \d+ \[running\]:"),
    ("Rust", r"panicked at [\w/.-]+\.rs:\d+"),
    ("Rust", r"panicked at '.*', [\w/.-]+\.rs:\d+"),
    ("Rust", r"stack backtrace:\s*\n\s+0: "),
];

/// Judges an error-page check ([`Goal::Discreet`]) by the ACS's answer `body`: a stack trace
/// in it is `vulnerable`.
pub fn judge_discreet(body: &str, acs_answer: &str, must: &str) -> Judged {
    static COMPILED: std::sync::LazyLock<Vec<(&str, regex::Regex)>> =
        std::sync::LazyLock::new(|| {
            STACK_TRACES
                .iter()
                .map(|(platform, pattern)| {
                    let re = regex::Regex::new(pattern).expect("the stack-trace patterns compile");
                    (*platform, re)
                })
                .collect()
        });
    let found = COMPILED
        .iter()
        .find_map(|(platform, re)| re.find(body).map(|m| (platform, m.as_str().to_owned())));
    match found {
        Some((platform, text)) => Judged {
            outcome: Outcome::Vulnerable,
            reason: format!(
                "the ACS's error page shows a {platform} stack trace ({}); the SP must {must}",
                crate::report::printable(text.trim())
            ),
            signed_in_as: None,
        },
        None => Judged {
            outcome: Outcome::Pass,
            reason: format!("no stack trace in the ACS's answer ({acs_answer})"),
            signed_in_as: None,
        },
    }
}

/// One timed POST of a denial-of-service check: how the ACS answered and how long it took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timed {
    /// The HTTP status, or why there was none (no answer within the request timeout, a
    /// connection closed unanswered).
    pub answer: Result<u16, String>,
    /// From sending the form to the end of the answer (or the failure).
    pub took: Duration,
}

/// Below a check's ratio, how many times slower than the fastest yardstick every burden must
/// be to leave the verdict in doubt rather than pass: half the ratio, at least 2.
pub fn doubtful_ratio(ratio: u32) -> u32 {
    (ratio / 2).max(2)
}

/// A duration as a person reads it: milliseconds below a second, else seconds.
fn took(d: Duration) -> String {
    match d.as_millis() {
        ms @ 0..=999 => format!("{ms} ms"),
        _ => format!("{:.1} s", d.as_secs_f64()),
    }
}

/// How many rounds of yardstick and burden a denial-of-service check posts: two, so one stall
/// of the machine cannot pass for the burden's cost.
pub const WITHSTAND_ROUNDS: usize = 2;

/// What a denial-of-service check ([`Goal::Withstand`]) saw, round by round.
#[derive(Clone, Debug, Default)]
pub struct Withstood {
    /// Each round's yardstick post: a same-size message without the burden's cost.
    pub yardstick: Vec<Timed>,
    /// Each round's burden post (a round whose yardstick went unanswered has none).
    pub burden: Vec<Timed>,
    /// What the protected page showed after each answered burden.
    pub sessions: Vec<Session>,
    /// Whether the good login worked again after every round.
    pub afterwards: bool,
    /// The per-request timeout the posts ran under.
    pub request_timeout: Duration,
    /// What the yardstick is, as reasons name it.
    pub yardstick_is: &'static str,
    /// How many times the fastest yardstick every burden must take to count (the check's
    /// `attacks::Burden::ratio`).
    pub ratio: u32,
    /// The least time every burden must take to count (the check's `attacks::Burden::floor`).
    pub floor: Duration,
    /// The burden's `attacks::Burden::ignorable`: a session it opens proves no work.
    pub ignorable: bool,
    /// The burden's `attacks::Burden::crash`: only whether the SP answers it counts.
    pub crash: bool,
    /// The burden's `attacks::Burden::oversize`: a body limit refusing it (413, or the
    /// connection closed before the floor where the yardstick got 413) is the defence.
    pub oversize: bool,
    /// The burden's `attacks::Burden::delay`: a burden counts when it took at least its own
    /// round's yardstick plus the floor, whatever the ratio.
    pub delay: bool,
}

/// Judges a denial-of-service check ([`Goal::Withstand`]). A session opened by the burden
/// (the SP did all its work and more; not for an ignorable burden), the good login failing
/// after a round, or every one of [`WITHSTAND_ROUNDS`] burdens costly is `vulnerable`; costly is unanswered within the
/// request timeout (for an `oversize` burden, not a connection closed before the floor where
/// the yardstick got 413: a server refusing the body; closed so where it did not is
/// `inconclusive`), or answered after at least the check's floor and ratio times
/// the fastest yardstick (the SP's ordinary cost: a later round's yardstick can still carry
/// the previous burden's work, as ruby-saml's inflating does). A slow yardstick raises the bar with it: the same
/// work done slowly either way is not the burden's. A yardstick unanswered, a request timeout
/// too short to tell, fewer rounds than that, or every burden over the floor and at least
/// [`doubtful_ratio`] times the yardstick without all reaching the bar (a busy machine can
/// hide a costly burden so) leaves it `inconclusive`. A `delay` burden (an injected
/// `SLEEP()`) counts instead when it took its own round's yardstick plus the floor, and is
/// doubtful from half the floor.
pub fn judge_withstand(w: &Withstood, must: &str) -> Judged {
    let judged = |outcome, reason: String| Judged {
        outcome,
        reason,
        signed_in_as: None,
    };
    let yardstick_is = w.yardstick_is;
    if let Some(session @ Session::SignedIn { identity }) = w
        .sessions
        .iter()
        .find(|s| !w.ignorable && matches!(s, Session::SignedIn { .. }))
    {
        let who = identity
            .as_deref()
            .unwrap_or("someone the identity rule does not name");
        return Judged {
            outcome: Outcome::Vulnerable,
            reason: format!("the SP processed all of it and signed {who} in: it did all the work the message asked for; the SP must {must}"),
            signed_in_as: signed_in_as(session),
        };
    }
    if let Some((round, why)) = w
        .yardstick
        .iter()
        .enumerate()
        .find_map(|(i, t)| t.answer.as_ref().err().map(|why| (i, why)))
    {
        let reason = if round == 0 {
            format!("the SP did not answer {yardstick_is} ({why}): it was down or busy without the burden, so nothing can be timed against it")
        } else {
            format!("the SP did not answer the yardstick of round {} ({yardstick_is}: {why}) after round {round}'s burden: it may still have been working on that burden, so nothing can be timed against it; hint: raise --request-timeout, or run the check alone with --only", round + 1)
        };
        return judged(Outcome::Inconclusive, reason);
    }
    let answers = w
        .burden
        .iter()
        .map(|t| match &t.answer {
            Ok(status) => format!("{status} in {}", took(t.took)),
            Err(why) => format!("no answer ({why})"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let yardstick_answers = w
        .yardstick
        .iter()
        .map(|t| took(t.took))
        .collect::<Vec<_>>()
        .join(", ");
    if !w.afterwards {
        return judged(
            Outcome::Vulnerable,
            format!("answered {answers} ({yardstick_is}: {yardstick_answers}), and the good login did not work again afterwards; the SP must {must}"),
        );
    }
    // A body limit refused the message before the SAML layer read it: what parsing it costs
    // is not known, and a smaller message of the same shape may still cost. For a message
    // too large on purpose, that refusal is the defence (and timed as any answer below).
    if !w.oversize && w.burden.iter().any(|t| t.answer == Ok(413)) {
        return judged(
            Outcome::Inconclusive,
            format!("answered {answers} ({yardstick_is}: {yardstick_answers}): 413 is a body limit refusing the message before the SP's parser read it, so what parsing it costs is not known; hint: raise the SP's form-size limit above the message for the test"),
        );
    }
    if w.burden.len() < WITHSTAND_ROUNDS {
        return judged(
            Outcome::Inconclusive,
            format!("only {} of {WITHSTAND_ROUNDS} rounds ran within the case's time (burden: {answers}; {yardstick_is}: {yardstick_answers}); hint: raise --case-timeout", w.burden.len()),
        );
    }
    if w.crash {
        // A worker that dies closes the connection (or hangs until the request timeout), or
        // the gateway before it answers 502 or 504 for it where the yardstick got neither.
        let gateway = |t: &Timed| matches!(t.answer, Ok(502 | 504));
        let died =
            |t: &Timed| t.answer.is_err() || (gateway(t) && !w.yardstick.iter().any(gateway));
        let deaths = w.burden.iter().filter(|t| died(t)).count();
        let yardstick_answers = format!("answered in {yardstick_answers}");
        return match deaths {
            0 => judged(
                Outcome::Pass,
                format!("answered {answers} ({yardstick_is}: {yardstick_answers}); the good login worked again after every round"),
            ),
            n if n == w.burden.len() => judged(
                Outcome::Vulnerable,
                format!("answered {answers} ({yardstick_is}: {yardstick_answers}): in every round the SP closed the connection without answering, hung, or its gateway lost the worker (502/504), where the yardstick was answered: one message takes a worker down; the SP must {must}"),
            ),
            _ => judged(
                Outcome::Inconclusive,
                format!("answered {answers} ({yardstick_is}: {yardstick_answers}): the SP failed to answer in some rounds only; hint: run the check alone with --only"),
            ),
        };
    }
    let fastest_yardstick = w.yardstick.iter().map(|t| t.took).min().unwrap_or_default();
    debug_assert!(w.ratio > 1, "a burden's ratio must be set: {}", w.ratio);
    let ratio = w.ratio;
    // Each burden's bar: a multiple of the fastest yardstick, or for a delay its own round's
    // yardstick plus the floor (a slow SP's ordinary time does not stretch a fixed delay).
    let bars: Vec<(Duration, Duration)> = (0..w.burden.len())
        .map(|round| match (w.delay, w.yardstick.get(round)) {
            (true, Some(y)) => (y.took + w.floor, y.took + w.floor / 2),
            _ => (
                w.floor.max(fastest_yardstick * ratio),
                w.floor.max(fastest_yardstick * doubtful_ratio(ratio)),
            ),
        })
        .collect();
    let (mut costly, mut slower) = (0, 0);
    // A server refusing a body over its limit may close the connection at once instead of
    // answering 413 (Werkzeug, Puma, hyper at times): so it did where its limit answered the
    // same-size yardstick 413. Where it answered the yardstick otherwise, a body limit
    // cannot explain it (a crash, a filter): not this check's cost either way.
    let limited = w.yardstick.iter().any(|t| t.answer == Ok(413));
    if w.oversize
        && !limited
        && w.burden
            .iter()
            .any(|t| t.answer.is_err() && t.took < w.floor)
    {
        return judged(
            Outcome::Inconclusive,
            format!("answered {answers} ({yardstick_is}: {yardstick_answers}): the connection closed at once on the burden where the same-size yardstick got an answer, so no body limit refused it (a crash, or a filter in front of the SP); hint: run the check alone with --only and read the SP's log"),
        );
    }
    for (burden, &(bar, doubt)) in w.burden.iter().zip(&bars) {
        match burden.answer {
            Err(_) if w.oversize && burden.took < w.floor => {}
            Err(_) if w.request_timeout < bar => {
                return judged(
                    Outcome::Inconclusive,
                    format!("no answer within the {} request timeout, which is too short to tell a burden from an ordinary refusal ({yardstick_is}: {yardstick_answers}); hint: raise --request-timeout to at least {}", took(w.request_timeout), took(bar)),
                )
            }
            Err(_) => costly += 1,
            Ok(_) if burden.took >= bar => costly += 1,
            Ok(_) if burden.took >= doubt => slower += 1,
            Ok(_) => {}
        }
    }
    if costly == w.burden.len() {
        let cost = match w.delay {
            true => format!(
                "took at least {} longer than the yardstick of its round",
                took(w.floor)
            ),
            false => format!(
                "cost the SP at least {} and {ratio} times the fastest of those",
                took(w.floor)
            ),
        };
        return judged(
            Outcome::Vulnerable,
            format!("answered {answers}, where {yardstick_is} took {yardstick_answers}: every round {cost}; the SP must {must}"),
        );
    }
    if costly + slower == w.burden.len() {
        let short = match w.delay {
            true => format!(
                "at least {} longer than its yardstick, short of the {} that tells the delay asked for from a busy machine",
                took(w.floor / 2),
                took(w.floor)
            ),
            false => format!(
                "at least {} times slower, short of the {ratio} times that tells the burden's cost from a busy machine",
                doubtful_ratio(ratio)
            ),
        };
        return judged(
            Outcome::Inconclusive,
            format!("answered {answers}, where {yardstick_is} took {yardstick_answers}: every round was {short}; hint: run the check alone with --only on a quieter machine"),
        );
    }
    judged(
        Outcome::Pass,
        format!("answered {answers} ({yardstick_is}: {yardstick_answers}); the good login worked again after every round"),
    )
}

/// How many times an answer-difference check ([`Goal::AnswerAlike`]) posts each variant:
/// three, so a flaky SP seldom shows the same difference every round.
pub const ALIKE_ROUNDS: usize = 3;

/// An ACS's answer as an attacker tells answers apart.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Told {
    /// Its status code (none: no answer in time, or the connection closed).
    pub status: Option<u16>,
    /// Where its `Location` (or `Refresh`) sends the browser: scheme, host and path.
    pub to: Option<String>,
    /// That address's query pairs.
    pub query: Vec<(String, String)>,
    /// The page's text ([`page_text`]).
    pub page: String,
}

/// `body`'s visible text (HTML) or text, digits and long tokens masked (an error reference,
/// a time, a request ID change from answer to answer), at most 400 characters.
pub fn page_text(body: &str, html: bool) -> String {
    static TOKENS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"[A-Za-z0-9+/=_-]*[0-9][A-Za-z0-9+/=_-]*|[A-Za-z0-9+/=_-]{16,}")
            .expect("the token pattern compiles")
    });
    let text = match html {
        true => crate::flow::visible_text(body),
        false => body.to_owned(),
    };
    let masked = TOKENS.replace_all(text.trim(), "#");
    masked.chars().take(400).collect()
}

/// One variant of an answer-difference check and the answers to it, round by round.
#[derive(Clone, Debug)]
pub struct Asked {
    /// What it is, as reasons name it.
    pub what: &'static str,
    /// The answers, in the order posted.
    pub told: Vec<Told>,
}

/// What of a variant's answers an attacker can rely on: its status and redirect target (the
/// same every round, or the variant is unstable), the query values that stayed the same
/// (keys only for those that changed) and, when `pages`, its page.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stable {
    status: Option<u16>,
    to: Option<String>,
    query: std::collections::BTreeMap<String, Option<String>>,
    page: Option<String>,
}

impl std::fmt::Display for Stable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.status {
            Some(status) => write!(f, "{status}")?,
            None => f.write_str("no answer")?,
        }
        if let Some(to) = &self.to {
            write!(f, " to {to}")?;
            let pairs: Vec<String> = self
                .query
                .iter()
                .map(|(k, v)| match v {
                    Some(v) => format!("{k}={v}"),
                    None => format!("{k}=…"),
                })
                .collect();
            if !pairs.is_empty() {
                write!(f, "?{}", pairs.join("&"))?;
            }
        }
        if let Some(page) = &self.page {
            let shown: String = page.chars().take(80).collect();
            write!(f, " {shown:?}")?;
        }
        Ok(())
    }
}

/// `told`'s [`Stable`] answer (the first round's status, target and page; a query value
/// kept only when every round carried it).
fn stable(told: &[Told], pages: bool) -> Stable {
    let value = |t: &Told, key: &str| {
        t.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let mut query = std::collections::BTreeMap::new();
    for key in told.iter().flat_map(|t| t.query.iter().map(|(k, _)| k)) {
        let first = value(&told[0], key);
        let same = first.is_some() && told.iter().all(|t| value(t, key) == first);
        query.insert(key.clone(), first.filter(|_| same));
    }
    Stable {
        status: told[0].status,
        to: told[0].to.clone(),
        query,
        page: pages.then(|| told[0].page.clone()),
    }
}

/// Judges an answer-difference check ([`Goal::AnswerAlike`]) from each variant's answers.
/// An overloaded answer (429, 502, 503, 504), fewer than [`ALIKE_ROUNDS`] answers, or a
/// variant whose status or redirect target changed between rounds leaves it `inconclusive`.
/// Otherwise each variant's stable answer ([`Stable`]: pages count only when every variant's
/// page was the same every round) is compared: any two told apart is `vulnerable` (a
/// plaintext that parses, whatever fails after, against one that does not, or a bad padding
/// against either); all alike is a `pass`.
pub fn judge_alike(asked: &[Asked], must: &str) -> Judged {
    let judged = |outcome, reason: String| Judged {
        outcome,
        reason,
        signed_in_as: None,
    };
    let rounds = |told: &[Told]| {
        told.iter()
            .map(|t| stable(std::slice::from_ref(t), false).to_string())
            .collect::<Vec<_>>()
            .join(", then ")
    };
    let listed = |each: &dyn Fn(&Asked) -> String| {
        asked
            .iter()
            .map(|a| format!("{}: {}", a.what, each(a)))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let busy = asked
        .iter()
        .flat_map(|a| &a.told)
        .find_map(|t| t.status.filter(|s| matches!(s, 429 | 502 | 503 | 504)));
    if let Some(busy) = busy {
        return judged(
            Outcome::Inconclusive,
            format!("the SP answered {busy} (busy or rate-limited), so its answers cannot be compared ({}); hint: run the check alone with --only", listed(&|a| rounds(&a.told))),
        );
    }
    if asked.is_empty() || asked.iter().any(|a| a.told.len() < ALIKE_ROUNDS) {
        return judged(
            Outcome::Inconclusive,
            format!(
                "not every variant was posted {ALIKE_ROUNDS} times ({}); hint: raise --case-timeout",
                listed(&|a| rounds(&a.told))
            ),
        );
    }
    if let Some(a) = asked.iter().find(|a| {
        a.told
            .iter()
            .any(|t| (t.status, &t.to) != (a.told[0].status, &a.told[0].to))
    }) {
        return judged(
            Outcome::Inconclusive,
            format!("the SP answered the same variant ({}) differently from one round to the next ({}), so a difference between variants proves nothing; hint: run the check alone with --only", a.what, rounds(&a.told)),
        );
    }
    let pages_stable = asked
        .iter()
        .all(|a| a.told.iter().all(|t| t.page == a.told[0].page));
    let pages_differ = asked
        .iter()
        .any(|a| a.told[0].page != asked[0].told[0].page);
    let pages = pages_stable && pages_differ;
    let answers: Vec<Stable> = asked.iter().map(|a| stable(&a.told, pages)).collect();
    let told_apart = answers.iter().any(|a| a != &answers[0]);
    let pages_note = match (pages_stable, pages_differ) {
        (false, _) => "pages not compared: a variant's page changed between rounds",
        (true, true) => "pages compared with digits and long tokens masked",
        (true, false) => "the same page every time",
    };
    let each = asked
        .iter()
        .zip(&answers)
        .map(|(a, answer)| format!("{}: {answer}", a.what))
        .collect::<Vec<_>>()
        .join("; ");
    if told_apart {
        let by_page_only = asked
            .iter()
            .all(|a| stable(&a.told, false) == stable(&asked[0].told, false));
        let how = match by_page_only {
            true => {
                "the SP's pages tell undecryptable messages apart (statuses and redirects alike)"
            }
            false => "the SP tells undecryptable messages apart",
        };
        return judged(
            Outcome::Vulnerable,
            format!("{how}, every round alike ({each}; {pages_note}): whoever captured an encrypted assertion and sees these answers can decrypt it by asking (Jager and Somorovsky, 2011); the SP must {must}"),
        );
    }
    judged(
        Outcome::Pass,
        format!(
            "every variant got the same answer, every round ({}); {pages_note}; timing was not compared",
            answers[0]
        ),
    )
}

#[cfg(test)]
mod alike_tests {
    use super::*;

    fn status(status: u16) -> Told {
        Told {
            status: Some(status),
            ..Told::default()
        }
    }

    fn paged(status: u16, page: &str) -> Told {
        Told {
            status: Some(status),
            page: page.into(),
            ..Told::default()
        }
    }

    fn to(path: &str, query: &[(&str, &str)]) -> Told {
        Told {
            status: Some(302),
            to: Some(path.into()),
            query: query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Told::default()
        }
    }

    fn judge(told: Vec<Vec<Told>>) -> Judged {
        let asked: Vec<Asked> = told
            .into_iter()
            .enumerate()
            .map(|(i, told)| Asked {
                what: [
                    "a bad padding",
                    "a cut plaintext",
                    "an empty one",
                    "a bad signature",
                ][i],
                told,
            })
            .collect();
        judge_alike(&asked, "answer alike")
    }

    #[test]
    fn answers_are_alike_only_when_every_variant_agrees_every_round() {
        let n = ALIKE_ROUNDS;
        let error = |code: &str| to("http://sp/error", &[("code", code), ("state", "x")]);
        let mut fresh_state = vec![];
        for round in 0..n {
            fresh_state.push(to("http://sp/error", &[("state", &round.to_string())]));
        }
        for (told, outcome) in [
            (vec![vec![status(403); n]; 4], Outcome::Pass),
            (vec![vec![error("e"); n]; 3], Outcome::Pass),
            // Query values that change every round are read as keys only.
            (
                vec![fresh_state.clone(), fresh_state.clone(), fresh_state],
                Outcome::Pass,
            ),
            // A plaintext that parses but fails another way than a signature is told apart too.
            (
                vec![
                    vec![status(403); n],
                    vec![status(403); n],
                    vec![status(400); n],
                    vec![status(403); n],
                ],
                Outcome::Vulnerable,
            ),
            (
                vec![vec![status(400); n], vec![status(403); n]],
                Outcome::Vulnerable,
            ),
            (
                vec![
                    vec![status(403); n],
                    vec![status(500); n],
                    vec![status(403); n],
                ],
                Outcome::Vulnerable,
            ),
            (
                vec![
                    vec![error("decrypt"); n],
                    vec![error("decrypt"); n],
                    vec![error("signature"); n],
                ],
                Outcome::Vulnerable,
            ),
            (
                vec![vec![Told::default(); n], vec![status(403); n]],
                Outcome::Vulnerable,
            ),
            (
                vec![
                    vec![paged(403, "bad padding"); n],
                    vec![paged(403, "refused"); n],
                ],
                Outcome::Vulnerable,
            ),
            // Pages that change between rounds are not compared.
            (
                vec![
                    vec![
                        paged(403, "bad padding"),
                        paged(403, "other"),
                        paged(403, "x"),
                    ],
                    vec![paged(403, "refused"); n],
                ],
                Outcome::Pass,
            ),
            (
                vec![
                    vec![status(403), status(500), status(403)],
                    vec![status(403); n],
                ],
                Outcome::Inconclusive,
            ),
            (
                vec![vec![status(503); n], vec![status(403); n]],
                Outcome::Inconclusive,
            ),
            (
                vec![
                    vec![status(429), status(403), status(403)],
                    vec![status(403); n],
                ],
                Outcome::Inconclusive,
            ),
            (
                vec![vec![status(400)], vec![status(403)]],
                Outcome::Inconclusive,
            ),
            (vec![], Outcome::Inconclusive),
        ] {
            let judged = judge(told.clone());
            assert_eq!(judged.outcome, outcome, "{told:?}: {}", judged.reason);
            assert!(judged.signed_in_as.is_none());
        }
    }

    #[test]
    fn pages_are_compared_with_digits_and_long_tokens_masked() {
        assert_eq!(
            page_text(
                "error 42 at 2026-12-04T10:00:00Z ref 8f3a9c2b1d4e5f60a7b8c9d0",
                false
            ),
            page_text(
                "error 43 at 2026-12-05T11:00:00Z ref 0000111122223333444455556666",
                false
            )
        );
        assert_ne!(
            page_text("bad padding", false),
            page_text("not well-formed", false)
        );
        assert_eq!(page_text("<p>refused</p>", true), "refused");
    }
}

#[cfg(test)]
mod withstand_tests {
    use super::*;

    fn answered(ms: u64) -> Timed {
        Timed {
            answer: Ok(403),
            took: Duration::from_millis(ms),
        }
    }

    fn unanswered(ms: u64) -> Timed {
        Timed {
            answer: Err("no answer within 10s".into()),
            took: Duration::from_millis(ms),
        }
    }

    fn trial(yardstick: Vec<Timed>, burden: Vec<Timed>, afterwards: bool) -> Withstood {
        Withstood {
            yardstick,
            burden,
            sessions: Vec::new(),
            afterwards,
            request_timeout: Duration::from_secs(10),
            yardstick_is: "the yardstick",
            ratio: attacks::SAME_SIZE_RATIO,
            floor: attacks::BURDEN_FLOOR,
            ignorable: false,
            crash: false,
            oversize: false,
            delay: false,
        }
    }

    #[test]
    fn a_delay_counts_over_each_rounds_own_yardstick_however_slow_the_sp() {
        use Outcome::*;
        let ms = |t: u64| Timed {
            answer: Ok(302),
            took: Duration::from_millis(t),
        };
        let delayed = |yardstick: [u64; 2], burden: [u64; 2]| {
            let w = Withstood {
                delay: true,
                ratio: attacks::SAME_WORK_RATIO,
                floor: Duration::from_secs(2),
                ignorable: true,
                ..trial(
                    yardstick.iter().map(|&t| ms(t)).collect(),
                    burden.iter().map(|&t| ms(t)).collect(),
                    true,
                )
            };
            judge_withstand(&w, "bind the ID").outcome
        };
        // A slow sign-in (3.5 s) asked to sleep 3 s more: a multiple of 3 would call it a pass.
        assert_eq!(delayed([3_500, 3_600], [6_500, 6_600]), Vulnerable);
        assert_eq!(delayed([60, 70], [3_070, 3_060]), Vulnerable);
        // The same time either way, slow or fast: nothing was injected.
        assert_eq!(delayed([3_500, 3_600], [3_550, 3_500]), Pass);
        assert_eq!(delayed([60, 70], [65, 900]), Pass);
        // Between half the floor and the floor in every round: a busy machine, or a delay cut short.
        assert_eq!(delayed([60, 70], [1_500, 1_800]), Inconclusive);
        // One round delayed, one not: not the injected delay.
        assert_eq!(delayed([60, 70], [3_060, 70]), Pass);
    }

    #[test]
    fn a_crash_probe_is_judged_by_whether_the_sp_answers_at_all() {
        use Outcome::*;
        let status = |s: u16| Timed {
            answer: Ok(s),
            took: Duration::from_millis(3),
        };
        let closed = || Timed {
            answer: Err("connection closed before message completed".into()),
            took: Duration::from_millis(2),
        };
        for (yardstick, burden, outcome) in [
            (vec![status(403); 2], vec![status(403); 2], Pass),
            // A careful SP may sign the user in from it, slowly: still an answer.
            (
                vec![status(303); 2],
                vec![answered(900), answered(950)],
                Pass,
            ),
            (vec![status(403); 2], vec![closed(), closed()], Vulnerable),
            (
                vec![status(403); 2],
                vec![unanswered(10_000), unanswered(10_000)],
                Vulnerable,
            ),
            // Behind a gateway, the dead worker is a 502 or 504 the yardstick never got.
            (
                vec![status(400); 2],
                vec![status(502), status(502)],
                Vulnerable,
            ),
            (vec![status(502); 2], vec![status(502), status(502)], Pass),
            (
                vec![status(403); 2],
                vec![closed(), status(403)],
                Inconclusive,
            ),
        ] {
            let w = Withstood {
                crash: true,
                ..trial(yardstick.clone(), burden.clone(), true)
            };
            let judged = judge_withstand(&w, "answer");
            assert_eq!(
                judged.outcome, outcome,
                "{yardstick:?} {burden:?}: {}",
                judged.reason
            );
        }
    }

    #[test]
    fn a_burden_is_judged_round_by_round_against_the_fastest_yardstick() {
        use Outcome::*;
        let rows = [
            // Refused as fast as the yardstick, login fine: pass.
            (
                vec![answered(4), answered(6)],
                vec![answered(5), answered(7)],
                true,
                Pass,
            ),
            // Slow but under the floor (a bounded parser): pass.
            (
                vec![answered(4), answered(6)],
                vec![answered(300), answered(400)],
                true,
                Pass,
            ),
            // Over the floor and far slower than its yardstick, every round: vulnerable.
            (
                vec![answered(4), answered(6)],
                vec![answered(1500), answered(1800)],
                true,
                Vulnerable,
            ),
            // Once slow, once fast: a stall, not the burden.
            (
                vec![answered(4), answered(6)],
                vec![answered(1500), answered(8)],
                true,
                Pass,
            ),
            // Slow every round, though the second yardstick was slowed (by the first burden's
            // lingering work, as ruby-saml's inflating): measured against the fastest one.
            (
                vec![answered(4), answered(600)],
                vec![answered(1500), answered(1800)],
                true,
                Vulnerable,
            ),
            // Over the floor but only a few times the fastest yardstick (a linear parser with
            // a slow ordinary path): pass.
            (
                vec![answered(150), answered(160)],
                vec![answered(600), answered(650)],
                true,
                Pass,
            ),
            // Over the floor and over half the ratio every round, short of the bar: a busy
            // machine could hide a costly burden so.
            (
                vec![answered(100), answered(110)],
                vec![answered(700), answered(800)],
                true,
                Inconclusive,
            ),
            // Unanswered every round: vulnerable; once unanswered, once fast: pass.
            (
                vec![answered(4), answered(5)],
                vec![unanswered(10_000), unanswered(10_000)],
                true,
                Vulnerable,
            ),
            (
                vec![answered(4), answered(5)],
                vec![unanswered(10_000), answered(6)],
                true,
                Pass,
            ),
            // Unanswered every round, the second yardstick slowed by the first burden (ruby-saml
            // still inflating): the fastest yardstick says the timeout was long enough.
            (
                vec![answered(8), answered(1100)],
                vec![unanswered(10_000), unanswered(10_000)],
                true,
                Vulnerable,
            ),
            // Unanswered, then slow: vulnerable.
            (
                vec![answered(4), answered(5)],
                vec![unanswered(10_000), answered(2000)],
                true,
                Vulnerable,
            ),
            // Nobody signs in after a round: vulnerable, however the answers went.
            (
                vec![answered(4)],
                vec![unanswered(10_000)],
                false,
                Vulnerable,
            ),
            (
                vec![answered(4), answered(6)],
                vec![answered(5), answered(7)],
                false,
                Vulnerable,
            ),
            // A yardstick unanswered: nothing to time against.
            (vec![unanswered(10_000)], vec![], true, Inconclusive),
            // A yardstick as slow as the burden (a parser linear in what both carry): pass.
            (
                vec![answered(1200), answered(1100)],
                vec![answered(1500), answered(1400)],
                true,
                Pass,
            ),
            // One round only (the case's time ran out): not enough.
            (vec![answered(4)], vec![answered(2000)], true, Inconclusive),
        ];
        for (yardstick, burden, afterwards, outcome) in rows {
            let judged = judge_withstand(
                &trial(yardstick.clone(), burden.clone(), afterwards),
                "stay up",
            );
            assert_eq!(
                judged.outcome, outcome,
                "{yardstick:?} {burden:?} {afterwards}: {}",
                judged.reason
            );
            assert_eq!(judged.signed_in_as, None);
        }
    }

    /// Each row (yardstick and burden times in ms, answered 403) judged under a same-work
    /// yardstick's ratio and `floor` gives its outcome.
    fn same_work_rows(floor: Duration, rows: &[(&[u64], &[u64], Outcome)]) {
        for (yardstick, burden, outcome) in rows {
            let mut w = trial(
                yardstick.iter().map(|&ms| answered(ms)).collect(),
                burden.iter().map(|&ms| answered(ms)).collect(),
                true,
            );
            w.ratio = attacks::SAME_WORK_RATIO;
            w.floor = floor;
            let judged = judge_withstand(&w, "stay up");
            assert_eq!(
                judged.outcome, *outcome,
                "{yardstick:?} {burden:?}: {}",
                judged.reason
            );
        }
    }

    #[test]
    fn a_same_work_yardstick_lowers_the_ratio() {
        use Outcome::*;
        // samlify's schema check (libxml2 2.9.2) on crowded attributes, node-saml's linear
        // parse, and a doubtful middle, against yardsticks with the same attributes spread.
        same_work_rows(
            attacks::BURDEN_FLOOR,
            &[
                (&[1200, 1100], &[5400, 5200], Vulnerable),
                (&[900, 850], &[1100, 1100], Pass),
                (&[900, 850], &[1800, 1900], Inconclusive),
            ],
        );
    }

    #[test]
    fn a_quick_floor_counts_a_smaller_burden_a_fixed_parser_still_passes() {
        use Outcome::*;
        // dos/end-tag-whitespace at 96 KiB: xmldom 0.8.14 on a fast machine, 0.8.15 anywhere.
        same_work_rows(
            attacks::QUICK_FLOOR,
            &[
                (&[8, 9], &[400, 420], Vulnerable),
                (&[8, 9], &[12, 10], Pass),
                (&[8, 9], &[200, 210], Pass),
            ],
        );
    }

    #[test]
    fn a_body_limit_refusing_the_message_is_inconclusive() {
        let too_large = |ms| Timed {
            answer: Ok(413),
            took: Duration::from_millis(ms),
        };
        let w = trial(
            vec![too_large(3), too_large(2)],
            vec![too_large(3), too_large(2)],
            true,
        );
        let judged = judge_withstand(&w, "stay up");
        assert_eq!(judged.outcome, Outcome::Inconclusive, "{}", judged.reason);
        assert!(judged.reason.contains("body limit"), "{}", judged.reason);
    }

    #[test]
    fn for_a_message_too_large_on_purpose_a_body_limit_is_the_defence() {
        use Outcome::*;
        let status = |s: u16, ms| Timed {
            answer: Ok(s),
            took: Duration::from_millis(ms),
        };
        let closed = |ms| Timed {
            answer: Err("connection reset by peer".into()),
            took: Duration::from_millis(ms),
        };
        for (yardstick, burden, outcome) in [
            (vec![status(413, 4); 2], vec![status(413, 9); 2], Pass),
            (vec![status(403, 6); 2], vec![status(413, 9); 2], Pass),
            // A server that closes the connection on a body over its limit (its limit answered
            // the yardstick 413), and one that closes it where the yardstick was answered.
            (vec![status(413, 6); 2], vec![closed(3), closed(4)], Pass),
            (
                vec![status(403, 6); 2],
                vec![closed(3), closed(4)],
                Inconclusive,
            ),
            (
                vec![status(403, 6); 2],
                vec![closed(2900), closed(3100)],
                Vulnerable,
            ),
            // A limit only on base64 messages: the raw one is read whole.
            (
                vec![status(413, 4); 2],
                vec![status(200, 2800), status(200, 2900)],
                Vulnerable,
            ),
        ] {
            let w = Withstood {
                oversize: true,
                ..trial(yardstick.clone(), burden.clone(), true)
            };
            let judged = judge_withstand(&w, "bound it");
            assert_eq!(
                judged.outcome, outcome,
                "{yardstick:?} {burden:?}: {}",
                judged.reason
            );
        }
    }

    #[test]
    fn a_later_round_s_unanswered_yardstick_names_the_burden_before_it() {
        let w = trial(
            vec![answered(4), unanswered(10_000)],
            vec![answered(1500)],
            true,
        );
        let judged = judge_withstand(&w, "stay up");
        assert_eq!(judged.outcome, Outcome::Inconclusive);
        assert!(
            judged.reason.contains("yardstick of round 2")
                && judged.reason.contains("after round 1's burden"),
            "{}",
            judged.reason
        );
    }

    #[test]
    fn a_request_timeout_too_short_to_tell_is_inconclusive() {
        let mut w = trial(
            vec![answered(300), answered(300)],
            vec![unanswered(2000), unanswered(2000)],
            true,
        );
        w.request_timeout = Duration::from_secs(2);
        let judged = judge_withstand(&w, "stay up");
        assert_eq!(judged.outcome, Outcome::Inconclusive, "{}", judged.reason);
        assert!(
            judged
                .reason
                .contains("--request-timeout to at least 3.0 s"),
            "{}",
            judged.reason
        );
    }

    #[test]
    fn a_burden_that_opens_a_session_is_vulnerable_however_fast() {
        let mut w = trial(
            vec![answered(4), answered(6)],
            vec![answered(5), answered(7)],
            true,
        );
        w.sessions = vec![Session::SignedIn {
            identity: Some("b.simon@contoso.com".into()),
        }];
        let judged = judge_withstand(&w, "stay up");
        assert_eq!(judged.outcome, Outcome::Vulnerable, "{}", judged.reason);
        assert_eq!(judged.signed_in_as.as_deref(), Some("b.simon@contoso.com"));
        assert!(
            judged.reason.contains("signed b.simon@contoso.com in"),
            "{}",
            judged.reason
        );
        w.sessions = vec![
            Session::SignedOut {
                how: "302 to the login".into(),
            },
            Session::Unidentified { how: "200".into() },
        ];
        assert_eq!(judge_withstand(&w, "stay up").outcome, Outcome::Pass);
    }

    #[test]
    fn an_ignorable_burden_is_judged_by_its_cost_alone() {
        // Its signatures still verify: signing the user in fast is what an SP that ignores
        // the extra does; only the time can tell.
        let signed_in = || {
            vec![Session::SignedIn {
                identity: Some("b.simon@contoso.com".into()),
            }]
        };
        let mut w = trial(
            vec![answered(4), answered(6)],
            vec![answered(5), answered(7)],
            true,
        );
        w.ignorable = true;
        w.sessions = signed_in();
        assert_eq!(judge_withstand(&w, "stay up").outcome, Outcome::Pass);
        let mut w = trial(
            vec![answered(4), answered(6)],
            vec![answered(1500), unanswered(10_000)],
            true,
        );
        w.ignorable = true;
        w.sessions = signed_in();
        assert_eq!(judge_withstand(&w, "stay up").outcome, Outcome::Vulnerable);
    }

    #[test]
    fn a_vulnerable_burden_says_what_each_round_cost() {
        let w = trial(
            vec![answered(4), answered(10)],
            vec![answered(1500), unanswered(10_000)],
            true,
        );
        assert_eq!(
            judge_withstand(&w, "stay up").reason,
            "answered 403 in 1.5 s, no answer (no answer within 10s), where the yardstick took 4 ms, 10 ms: every round cost the SP at least 500 ms and 10 times the fastest of those; the SP must stay up"
        );
    }
}

/// Judges a RelayState check ([`Goal::StayOnSite`]) by where the browser went after the
/// ACS: off the SP's origins to the check's host is `vulnerable`.
pub fn judge_redirect(
    left_for: Option<&str>,
    session: &Session,
    acs_answer: &str,
    must: &str,
) -> Judged {
    let signed_in_as = signed_in_as(session);
    // The check's host, or a script URL (javascript:, vbscript:, data:) as the target.
    let evil = left_for.filter(|to| {
        url::Url::parse(to).ok().is_some_and(|u| {
            matches!(u.scheme(), "javascript" | "vbscript" | "data")
                || u.host_str()
                    .is_some_and(|h| h.eq_ignore_ascii_case(EVIL_HOST))
        })
    });
    match (evil, left_for) {
        (Some(to), _) => Judged {
            outcome: Outcome::Vulnerable,
            reason: format!(
                "the SP sent the browser to {to}, the address the check supplied: an open redirect; the SP must {must}"
            ),
            signed_in_as,
        },
        (None, Some(to)) => Judged {
            outcome: Outcome::Inconclusive,
            reason: format!(
                "the SP sent the browser to {to}, off its origins, which the harness does not follow; where it leads from there cannot be told"
            ),
            signed_in_as,
        },
        (None, None) => Judged {
            outcome: Outcome::Pass,
            reason: format!(
                "the browser stayed on the SP ({acs_answer}){}",
                signed_in_as
                    .as_deref()
                    .map(|w| format!("; signed in as {w}"))
                    .unwrap_or_default()
            ),
            signed_in_as,
        },
    }
}

/// What a fetch probe's local file was, for [`judge_fetch`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalFile<'a> {
    /// The probe's secret, which an exfiltration carries to the canary.
    Secret,
    /// At this path, what the document needed: a login proves the SP read it.
    Needed(&'a str),
    /// At this path, an empty file the harness watched: an open is a hit.
    Watched(&'a str),
}

/// Judges a fetch probe ([`Goal::Contain`]) by what reached its canary prefix: any request is
/// `vulnerable` (the probe's `secret` among them proves a file read), and so is an open of a
/// watched local file, or a login when what it needs was only in the probe's local file (the
/// SP read it); nothing is a pass only when the SP could have reached the canary at all
/// (`unreachable` says why not).
pub fn judge_fetch(
    hits: &[Hit],
    secret: &str,
    local: LocalFile,
    session: &Session,
    unreachable: Option<&str>,
    acs_answer: &str,
    must: &str,
) -> Judged {
    let signed_in_as = signed_in_as(session);
    let disclosed = hits.iter().find_map(|h| {
        let query = h.query.as_deref()?;
        let content = form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "content")
            .map(|(_, v)| v.into_owned())?;
        (h.path == EXFILTRATION_PATH && content.trim() == secret).then_some(content)
    });
    if disclosed.is_some() {
        return Judged {
            outcome: Outcome::Vulnerable,
            reason: format!(
                "the SP read a local file the document named and sent its content to the canary: an attacker reads the SP's files; the SP must {must}"
            ),
            signed_in_as,
        };
    }
    let of = |kind: HitKind| hits.iter().filter(move |h| h.kind == kind);
    if let Some(open) = of(HitKind::Opened).next() {
        if let Some(control) = of(HitKind::ControlOpened).next() {
            return Judged {
                outcome: Outcome::Inconclusive,
                reason: format!(
                    "{} was opened, but so was {}, which no document names: something on this machine (a virus scanner, an indexer) opens new files, so the open proves nothing about the SP",
                    open.path, control.path
                ),
                signed_in_as,
            };
        }
        return Judged {
            outcome: Outcome::Vulnerable,
            reason: format!(
                "the SP opened {}, the local file the document named, while reading the response: it loads local files a message names (keeping it off the network does not stop that: an attacker reads the SP's files, or stalls it on a device or a pipe); the SP must {must}",
                open.path
            ),
            signed_in_as,
        };
    }
    let fetched: Vec<&Hit> = of(HitKind::Fetched).collect();
    if !fetched.is_empty() {
        let paths: Vec<&str> = fetched.iter().map(|h| h.path.as_str()).collect();
        return Judged {
            outcome: Outcome::Vulnerable,
            reason: format!(
                "the SP fetched {} from the canary while reading the response (server-side request forgery); the SP must {must}",
                paths.join(", ")
            ),
            signed_in_as,
        };
    }
    if let (LocalFile::Needed(file), Some(who)) = (local, &signed_in_as) {
        return Judged {
            outcome: Outcome::Vulnerable,
            reason: format!(
                "the SP signed in {who} from what only the local file {file} held, which the document named: it reads local files a message names; the SP must {must}"
            ),
            signed_in_as,
        };
    }
    let what = match &signed_in_as {
        Some(who) => format!("signed in as {who}, the document's own identity"),
        None => format!("refused: {acs_answer}"),
    };
    let nothing = match local {
        LocalFile::Secret => "nothing reached the canary".to_owned(),
        LocalFile::Needed(_) => {
            "nothing reached the canary and the local file signed no one in".to_owned()
        }
        LocalFile::Watched(file) => format!(
            "nothing opened the local file {file} (the check assumes the SP may open it: not under systemd's PrivateTmp, SELinux, AppArmor or PHP's open_basedir)"
        ),
    };
    match unreachable {
        Some(why) => Judged {
            outcome: Outcome::Inconclusive,
            reason: format!("{nothing}, but {why}; {what}"),
            signed_in_as,
        },
        None => Judged {
            outcome: Outcome::Pass,
            reason: format!("{nothing}; {what}"),
            signed_in_as,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trouble_is_5xx_or_429_and_nothing_else() {
        for (status, trouble) in [
            (Some(503), true),
            (Some(500), true),
            (Some(429), true),
            (Some(403), false),
            (Some(303), false),
            (None, false),
        ] {
            assert_eq!(in_trouble(status), trouble, "{status:?}");
        }
    }

    fn swap() -> Swap {
        Swap {
            genuine: vec!["B.Simon@contoso.com".into()],
            forged: vec!["admin@contoso.com".into()],
            ..Swap::default()
        }
    }

    fn out_again() -> Session {
        Session::SignedOut { how: "401".into() }
    }

    fn signed_in(who: Option<&str>) -> Session {
        Session::SignedIn {
            identity: who.map(str::to_owned),
        }
    }

    #[test]
    fn fuzz_cases_are_judged_by_who_gets_in_and_what_was_posted() {
        let base = Baseline {
            good_identity: Some("B.Simon@contoso.com".into()),
            anonymous_unidentified: false,
        };
        let ok = ("ACS answered 302", Some(302));
        let judged = |invalid, session: &Session, swap: &Swap, (answer, status)| {
            judge_mutated(invalid, session, swap, &base, answer, status).outcome
        };
        let nothing = Swap::default();
        let genuine = signed_in(Some("B.Simon@contoso.com"));
        assert_eq!(
            judged(false, &signed_in(Some("admin@contoso.com")), &swap(), ok),
            Outcome::Vulnerable
        );
        assert_eq!(judged(false, &genuine, &swap(), ok), Outcome::Pass);
        assert_eq!(judged(true, &genuine, &swap(), ok), Outcome::Nonstrict);
        assert_eq!(judged(false, &genuine, &nothing, ok), Outcome::Pass);
        assert_eq!(judged(true, &genuine, &nothing, ok), Outcome::Nonstrict);
        assert_eq!(judged(true, &out_again(), &nothing, ok), Outcome::Pass);
        assert_eq!(
            judged(
                false,
                &out_again(),
                &swap(),
                ("ACS answered 500 boom", Some(500))
            ),
            Outcome::Error
        );
        // A "forged" value that is the user's own identity is no forgery.
        let own = Swap {
            genuine: vec!["B.Simon@contoso.com".into()],
            forged: vec!["b.simon@contoso.com".into()],
            ..Swap::default()
        };
        assert_eq!(judged(false, &genuine, &own, ok), Outcome::Pass);
    }

    #[test]
    fn the_judge_table() {
        let out = Session::SignedOut { how: "401".into() };
        let blank = Session::Unidentified { how: "200".into() };
        let shows_b = Baseline {
            good_identity: Some("B".into()),
            anonymous_unidentified: false,
        };
        let anonymous_200 = Baseline {
            anonymous_unidentified: true,
            ..Baseline::default()
        };
        let none = Baseline::default();
        let table: Vec<(Goal, Session, &Baseline, Outcome)> = vec![
            (Goal::Impersonate, out.clone(), &none, Outcome::Pass),
            (
                Goal::Impersonate,
                signed_in(Some("admin@contoso.com")),
                &none,
                Outcome::Vulnerable,
            ),
            (
                Goal::Impersonate,
                signed_in(Some("ADMIN@contoso.com")),
                &none,
                Outcome::Vulnerable,
            ),
            (
                Goal::Impersonate,
                signed_in(Some("B.Simon@contoso.com")),
                &none,
                Outcome::Pass,
            ),
            (
                Goal::Impersonate,
                signed_in(Some("garbage")),
                &none,
                Outcome::Vulnerable,
            ),
            (
                Goal::Impersonate,
                signed_in(Some("B")),
                &shows_b,
                Outcome::Inconclusive,
            ),
            (
                Goal::Impersonate,
                signed_in(None),
                &none,
                Outcome::Inconclusive,
            ),
            (
                Goal::Impersonate,
                blank.clone(),
                &none,
                Outcome::Inconclusive,
            ),
            (
                Goal::Impersonate,
                blank.clone(),
                &anonymous_200,
                Outcome::Pass,
            ),
            (Goal::Misuse, blank.clone(), &none, Outcome::Inconclusive),
            (Goal::Misuse, out.clone(), &none, Outcome::Pass),
            (
                Goal::Misuse,
                signed_in(Some("B.Simon@contoso.com")),
                &none,
                Outcome::Vulnerable,
            ),
            (Goal::Strictness, signed_in(None), &none, Outcome::Nonstrict),
            (Goal::Strictness, out, &none, Outcome::Pass),
            (Goal::Contain, signed_in(None), &none, Outcome::Inconclusive),
            (Goal::Contain, out_again(), &none, Outcome::Inconclusive),
            (Goal::StayOnSite, out_again(), &none, Outcome::Inconclusive),
            (
                Goal::FreshSession,
                out_again(),
                &none,
                Outcome::Inconclusive,
            ),
        ];
        for (goal, session, baseline, expected) in table {
            let j = judge(
                goal,
                &session,
                &swap(),
                baseline,
                "ACS answered 403",
                "refuse it",
            );
            assert_eq!(j.outcome, expected, "{goal:?} {session:?}: {}", j.reason);
        }
    }

    #[test]
    fn several_identities_at_once_name_the_forged_one_among_them() {
        // samlify < 2.4.0 reads every NameID: its application holds an array.
        let several = |id: &str| {
            judge(
                Goal::Impersonate,
                &Session::SignedIn {
                    identity: Some(id.into()),
                },
                &swap(),
                &Baseline::default(),
                "ACS answered 303",
                "read one Assertion",
            )
        };
        let j = several("admin@contoso.com, B.Simon@contoso.com");
        assert_eq!(j.outcome, Outcome::Vulnerable, "{}", j.reason);
        assert_eq!(j.signed_in_as.as_deref(), Some("admin@contoso.com"));
        assert!(j.reason.contains("several identities"), "{}", j.reason);
        let j = several("B.Simon@contoso.com,carol@contoso.com");
        assert_eq!(j.outcome, Outcome::Vulnerable, "{}", j.reason);
        assert!(j.reason.contains("never asserted"), "{}", j.reason);
        // A multi-valued claim of the attacker's own: not a forgery.
        let j = several("B.Simon@contoso.com, b.simon@contoso.com ,B.Simon@contoso.com");
        assert_eq!(j.outcome, Outcome::Pass, "{}", j.reason);
    }

    #[test]
    fn reflected_markup_counts_only_unescaped_in_html() {
        let out = Session::SignedOut { how: "x".into() };
        let page = format!(
            "<a href=\"/\"> {}onload=alert(1)>",
            attacks::REFLECTION_MARKER
        );
        let outcome = |body: &str, html| {
            judge_reflection(body, html, &out, "ACS answered 200", "escape").outcome
        };
        assert_eq!(outcome(&page, true), Outcome::Vulnerable);
        assert_eq!(outcome(&page, false), Outcome::Pass, "not an HTML page");
        assert_eq!(
            outcome("&lt;svg data-saml-harness onload=…&gt;", true),
            Outcome::Pass
        );
        assert_eq!(outcome("%3Csvg%20data-saml-harness", true), Outcome::Pass);
    }

    #[test]
    fn a_logout_check_passes_only_when_the_forgery_fails_and_the_genuine_message_works() {
        let signed_in = || Session::SignedIn {
            identity: Some("B.Simon@contoso.com".into()),
        };
        let out = || Session::SignedOut {
            how: "302 to /login".into(),
        };
        let unidentified = || Session::Unidentified { how: "200".into() };
        let base = Baseline::default();
        let judge =
            |forged: Session, control: Session, flags: (bool, bool, bool), base: &Baseline| {
                let (forged_trouble, any_request_ends, control_trouble) = flags;
                let seen = LogoutEvidence {
                    victim: Some("B.Simon"),
                    forged: &forged,
                    forged_trouble,
                    any_request_ends,
                    donor_alone_ends: false,
                    control: &control,
                    control_trouble,
                    setting: "sp.single_logout_url",
                    no_message: "opening that URL with no message at all",
                    ending_shows: "a sign-out message an attacker can make ends a user's session",
                    costly: false,
                };
                judge_logout(&seen, base, "keep it").outcome
            };
        let clean = (false, false, false);
        assert_eq!(judge(out(), out(), clean, &base), Outcome::Vulnerable);
        assert_eq!(
            judge(out(), signed_in(), clean, &base),
            Outcome::Vulnerable,
            "whatever the control did"
        );
        assert_eq!(
            judge(out(), out(), (true, false, false), &base),
            Outcome::Inconclusive,
            "a crash may forget sessions"
        );
        assert_eq!(
            judge(out(), out(), (false, true, false), &base),
            Outcome::Inconclusive,
            "any request ends it"
        );
        let (forged, control) = (out(), out());
        let donor_did_it = LogoutEvidence {
            victim: None,
            forged: &forged,
            forged_trouble: false,
            any_request_ends: false,
            donor_alone_ends: true,
            control: &control,
            control_trouble: false,
            setting: "sp.single_logout_url",
            no_message: "opening that URL with no message at all",
            ending_shows: "a sign-out message an attacker can make ends a user's session",
            costly: false,
        };
        assert_eq!(
            judge_logout(&donor_did_it, &base, "keep it").outcome,
            Outcome::Inconclusive,
            "the donor alone ends it"
        );
        let (survived, control) = (signed_in(), out());
        let bomb = |forged_trouble| LogoutEvidence {
            victim: None,
            forged: &survived,
            forged_trouble,
            any_request_ends: false,
            donor_alone_ends: false,
            control: &control,
            control_trouble: false,
            setting: "sp.single_logout_url",
            no_message: "opening that URL with no message at all",
            ending_shows: "it inflated the bomb",
            costly: true,
        };
        assert_eq!(
            judge_logout(&bomb(true), &base, "keep it").outcome,
            Outcome::Inconclusive,
            "an error on a costly message may be the cost itself"
        );
        assert_eq!(
            judge_logout(&bomb(false), &base, "keep it").outcome,
            Outcome::Pass
        );
        assert_eq!(judge(signed_in(), out(), clean, &base), Outcome::Pass);
        assert_eq!(
            judge(signed_in(), signed_in(), clean, &base),
            Outcome::Inconclusive,
            "an URL that takes no logout proves nothing"
        );
        assert_eq!(
            judge(signed_in(), out(), (false, false, true), &base),
            Outcome::Inconclusive,
            "a control in trouble proves nothing"
        );
        assert_eq!(
            judge(unidentified(), out(), clean, &base),
            Outcome::Inconclusive
        );
        let anonymous_looks_so = Baseline {
            anonymous_unidentified: true,
            ..Baseline::default()
        };
        assert_eq!(
            judge(unidentified(), out(), clean, &anonymous_looks_so),
            Outcome::Vulnerable
        );
    }

    #[test]
    fn session_fixation_is_judged_by_the_pre_login_cookies() {
        let out = Session::SignedOut { how: "401".into() };
        let blank = Session::Unidentified { how: "200".into() };
        let b = signed_in(Some("B.Simon@contoso.com"));
        let table = [
            (&out, None, Outcome::Inconclusive),
            (&b, None, Outcome::Pass),
            (&b, Some(&out), Outcome::Pass),
            (&b, Some(&b), Outcome::Vulnerable),
            (&b, Some(&blank), Outcome::Inconclusive),
        ];
        for (session, replayed, expected) in table {
            let j = judge_fixation(session, replayed, &Baseline::default(), "ACS answered 303");
            assert_eq!(
                j.outcome, expected,
                "{session:?} {replayed:?}: {}",
                j.reason
            );
        }
    }

    #[test]
    fn a_look_alike_with_a_no_break_space_is_not_the_target() {
        let swap = Swap {
            genuine: vec!["admin@x.test\u{a0}".into()],
            forged: vec!["admin@x.test".into()],
            ..Swap::default()
        };
        let judged = |who: &str| {
            judge(
                Goal::Impersonate,
                &signed_in(Some(who)),
                &swap,
                &Baseline::default(),
                "303",
                "map exactly",
            )
            .outcome
        };
        assert_eq!(judged("admin@x.test\u{a0}"), Outcome::Pass);
        assert_eq!(judged(" admin@x.test\n"), Outcome::Vulnerable);
    }

    #[test]
    fn an_anonymous_probe_passes_only_when_the_page_is_not_served() {
        let bounced = Baseline::default();
        let open = Baseline {
            anonymous_unidentified: true,
            ..Baseline::default()
        };
        let page = Session::Unidentified { how: "200".into() };
        let out = Session::SignedOut { how: "302".into() };
        let table = [
            (&out, false, &bounced, Outcome::Pass),
            (&page, true, &bounced, Outcome::Pass),
            (&page, false, &bounced, Outcome::Vulnerable),
            (&page, false, &open, Outcome::Inconclusive),
        ];
        for (session, paos, baseline, expected) in table {
            let j = judge_anonymous(session, paos, baseline, "bounce");
            assert_eq!(j.outcome, expected, "{session:?} {paos}: {}", j.reason);
        }
        let someone = signed_in(Some("B.Simon@contoso.com"));
        let j = judge_anonymous(&someone, false, &bounced, "bounce");
        assert_eq!(j.outcome, Outcome::Vulnerable);
    }

    #[test]
    fn a_stack_trace_in_an_error_page_is_found_per_platform() {
        let traces = [
            "Traceback (most recent call last):\n  File \"app.py\", line 3",
            "java.lang.NullPointerException\n\tat org.opensaml.Foo.bar(Foo.java:42)",
            "/gems/ruby-saml-1.17.0/lib/onelogin/ruby-saml/response.rb:88:in `validate'",
            "Error: bad\n    at validate (/app/node_modules/@node-saml/node-saml/lib/saml.js:10:5)",
            "Stack trace:\n#0 /var/www/vendor/simplesamlphp/saml2/src/Utils.php(12)",
            "   at System.Xml.XmlDocument.Load(String s)",
            "goroutine 1 [running]:\nmain.main()",
            "thread 'main' panicked at src/acs.rs:10:5",
            "thread 'main' panicked at 'bad', src/acs.rs:10:5",
            "/gems/ruby-saml-1.18.0/lib/onelogin/ruby-saml/response.rb:88:in 'validate'",
            "[XmlException: Root element is missing.]\n   System.Xml.XmlTextReaderImpl.Throw(Exception e) +76",
            "\tat com.example.Acs.handle(Acs.kt:12)",
            "error: bad\n\nstack backtrace:\n   0: std::backtrace::Backtrace::create",
        ];
        for t in traces {
            let j = judge_discreet(t, "500", "hide traces");
            assert_eq!(j.outcome, Outcome::Vulnerable, "{t}");
        }
        let plain = r#"{"error":"login refused","reason":"the response is not well-formed XML"}"#;
        assert_eq!(judge_discreet(plain, "403", "x").outcome, Outcome::Pass);
    }

    #[test]
    fn a_relay_state_check_is_judged_by_where_the_browser_went() {
        let out = Session::SignedOut { how: "401".into() };
        let b = signed_in(Some("B.Simon@contoso.com"));
        let table = [
            (None, &b, Outcome::Pass),
            (Some("https://evil.test/"), &b, Outcome::Vulnerable),
            (Some("http://EVIL.test:8080/x"), &out, Outcome::Vulnerable),
            (Some("javascript:alert(1)//"), &b, Outcome::Vulnerable),
            (Some("data:text/html,x"), &b, Outcome::Vulnerable),
            (
                Some("https://login.example.org/"),
                &b,
                Outcome::Inconclusive,
            ),
        ];
        for (left_for, session, expected) in table {
            let j = judge_redirect(left_for, session, "ACS answered 303", "stay");
            assert_eq!(j.outcome, expected, "{left_for:?}: {}", j.reason);
        }
    }

    #[test]
    fn a_fetch_probe_is_judged_by_the_canary() {
        let hit = |path: &str, query: Option<&str>| Hit {
            kind: HitKind::Fetched,
            path: path.into(),
            query: query.map(str::to_owned),
        };
        let out = Session::SignedOut { how: "401".into() };
        let b = signed_in(Some("B.Simon@contoso.com"));
        // (hits, session, why unreachable, verdict, reason says)
        type Row<'a> = (Vec<Hit>, &'a Session, Option<&'a str>, Outcome, &'a str);
        let table: Vec<Row> = vec![
            (vec![], &out, None, Outcome::Pass, "nothing reached"),
            (vec![], &b, None, Outcome::Pass, "signed in as B.Simon"),
            (
                vec![],
                &out,
                Some("the ACS is remote"),
                Outcome::Inconclusive,
                "remote",
            ),
            (
                vec![hit("entity", None)],
                &out,
                None,
                Outcome::Vulnerable,
                "fetched entity",
            ),
            (
                vec![
                    hit("exfiltrate.dtd", None),
                    hit("file", Some("content=s3cret")),
                ],
                &b,
                Some("the ACS is remote"),
                Outcome::Vulnerable,
                "read a local file",
            ),
            (
                vec![
                    hit("exfiltrate.dtd", None),
                    hit("file", Some("content=guess")),
                ],
                &out,
                None,
                Outcome::Vulnerable,
                "fetched exfiltrate.dtd, file",
            ),
        ];
        for (hits, session, unreachable, expected, says) in table {
            let j = judge_fetch(
                &hits,
                "s3cret",
                LocalFile::Secret,
                session,
                unreachable,
                "ACS answered 403",
                "refuse it",
            );
            assert_eq!(j.outcome, expected, "{hits:?}: {}", j.reason);
            assert!(j.reason.contains(says), "{}", j.reason);
        }
        // A login that needed the local file's content proves the file was read, even from
        // a remote ACS; a refusal proves nothing more than for any fetch probe.
        let file = LocalFile::Needed("/tmp/f");
        let read = judge_fetch(&[], "s3cret", file, &b, Some("remote"), "", "refuse it");
        assert_eq!(read.outcome, Outcome::Vulnerable, "{}", read.reason);
        assert!(read.reason.contains("local file /tmp/f"), "{}", read.reason);
        let refused = judge_fetch(&[], "s3cret", file, &out, None, "403", "refuse it");
        assert_eq!(refused.outcome, Outcome::Pass, "{}", refused.reason);
        let remote = judge_fetch(&[], "s3cret", file, &out, Some("remote"), "403", "x");
        assert_eq!(remote.outcome, Outcome::Inconclusive, "{}", remote.reason);
    }

    #[test]
    fn an_open_of_a_watched_local_file_is_vulnerable_and_none_passes_only_when_it_could_be_seen() {
        let out = out_again();
        let pipe = LocalFile::Watched("/tmp/p");
        let open = |kind, path: &str| Hit {
            kind,
            path: path.into(),
            query: None,
        };
        let opened = [open(HitKind::Opened, "/tmp/p")];
        for session in [&out, &signed_in(Some("B.Simon@contoso.com"))] {
            let j = judge_fetch(&opened, "s3cret", pipe, session, None, "403", "refuse it");
            assert_eq!(j.outcome, Outcome::Vulnerable, "{}", j.reason);
            assert!(j.reason.contains("opened /tmp/p"), "{}", j.reason);
        }
        // Its control opened too: something else opens new files.
        let both = [
            open(HitKind::Opened, "/tmp/p"),
            open(HitKind::ControlOpened, "/tmp/p-control"),
        ];
        let j = judge_fetch(&both, "s3cret", pipe, &out, None, "403", "refuse it");
        assert_eq!(j.outcome, Outcome::Inconclusive, "{}", j.reason);
        // The control alone says nothing about the SP.
        let control = [open(HitKind::ControlOpened, "/tmp/p-control")];
        let j = judge_fetch(&control, "s3cret", pipe, &out, None, "403", "refuse it");
        assert_eq!(j.outcome, Outcome::Pass, "{}", j.reason);
        let none = judge_fetch(&[], "s3cret", pipe, &out, None, "403", "refuse it");
        assert_eq!(none.outcome, Outcome::Pass, "{}", none.reason);
        assert!(
            none.reason.contains("nothing opened the local file /tmp/p"),
            "{}",
            none.reason
        );
        let unseen = judge_fetch(&[], "s3cret", pipe, &out, Some("not shared"), "403", "x");
        assert_eq!(unseen.outcome, Outcome::Inconclusive, "{}", unseen.reason);
    }
}
