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

/// Judges the session an attack left, given what it forged and what the SP must do.
pub fn judge(goal: Goal, session: &Session, swap: &Swap, acs_answer: &str, must: &str) -> Judged {
    let judged = |outcome, reason: String, who: Option<&String>| Judged {
        outcome,
        reason,
        signed_in_as: who.cloned(),
    };
    let id = match session {
        Session::SignedOut { .. } => {
            return judged(Outcome::Pass, format!("refused: {acs_answer}"), None)
        }
        Session::SignedIn { identity } => identity.as_ref(),
    };
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    match (goal, id) {
        (Goal::Impersonate, Some(id)) if swap.forged.iter().any(|f| same(f, id)) => judged(
            Outcome::Vulnerable,
            format!("signed in as the forged identity {id}; the SP must {must}"),
            Some(id),
        ),
        (Goal::Impersonate, Some(id)) if swap.genuine.iter().any(|g| same(g, id)) => judged(
            Outcome::Pass,
            format!("ignored the forged part: signed in as {id}, the attacker's own identity"),
            Some(id),
        ),
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
            format!("accepted: signed in as {}; the SP must {must}", who.map_or("someone", |s| s)),
            who,
        ),
        (Goal::Strictness, who) => judged(
            Outcome::Nonstrict,
            format!("accepted: signed in as {}; the spec says it must {must}", who.map_or("someone", |s| s)),
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
        let table: [(Goal, Session, Outcome); 10] = [
            (Goal::Impersonate, out.clone(), Outcome::Pass),
            (
                Goal::Impersonate,
                signed_in(Some("admin@contoso.com")),
                Outcome::Vulnerable,
            ),
            (
                Goal::Impersonate,
                signed_in(Some("ADMIN@contoso.com")),
                Outcome::Vulnerable,
            ),
            (
                Goal::Impersonate,
                signed_in(Some("B.Simon@contoso.com")),
                Outcome::Pass,
            ),
            (
                Goal::Impersonate,
                signed_in(Some("garbage")),
                Outcome::Vulnerable,
            ),
            (Goal::Impersonate, signed_in(None), Outcome::Inconclusive),
            (Goal::Misuse, out.clone(), Outcome::Pass),
            (
                Goal::Misuse,
                signed_in(Some("B.Simon@contoso.com")),
                Outcome::Vulnerable,
            ),
            (Goal::Strictness, signed_in(None), Outcome::Nonstrict),
            (Goal::Strictness, out, Outcome::Pass),
        ];
        for (goal, session, expected) in table {
            let j = judge(goal, &session, &swap(), "ACS answered 403", "refuse it");
            assert_eq!(j.outcome, expected, "{goal:?} {session:?}: {}", j.reason);
        }
    }
}
