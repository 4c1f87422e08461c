//! The verdict judge: what an SP's answer to one check means. Pure, so it is table-tested.

use attacks::identity::Swap;
use attacks::Goal;

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
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    let among = |list: &[String], id: &str| list.iter().any(|x| same(x, id));
    match (goal, id) {
        (Goal::Impersonate, Some(id)) if among(&swap.forged, id) => judged(
            Outcome::Vulnerable,
            format!("signed in as the forged identity {id}; the SP must {must}"),
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
        (Goal::Impersonate, Some(id)) => judged(
            Outcome::Vulnerable,
            format!("signed in as {id:?}, an identity the IdP never asserted; the SP must {must}"),
            Some(id),
        ),
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn swap() -> Swap {
        Swap {
            genuine: vec!["B.Simon@contoso.com".into()],
            forged: vec!["admin@contoso.com".into()],
        }
    }

    fn signed_in(who: Option<&str>) -> Session {
        Session::SignedIn {
            identity: who.map(str::to_owned),
        }
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
}
