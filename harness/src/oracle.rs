//! The oracle: who, if anyone, the SP says is signed in, judged from its protected page.

use crate::flow::{parse_url, Browser, FlowError};
use crate::scenario::{IdentityRule, Oracle};

/// What the protected page says about the browser's session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Session {
    /// Reachable with the session; the identity shown, when an identity rule is configured.
    SignedIn { identity: Option<String> },
    /// Bounced or refused: no session.
    SignedOut { how: String },
    /// The page answered 2xx but the identity rule found nothing on it: signed in as someone
    /// the rule does not recognise, or a page anonymous visitors also get.
    Unidentified { how: String },
}

/// Asks the SP's protected page who is signed in (no redirects followed).
pub async fn probe(browser: &Browser, oracle: &Oracle) -> Result<Session, FlowError> {
    let url = parse_url(&oracle.url)?;
    let page = browser.get(&url).await?;
    if !(200..300).contains(&page.status) {
        return Ok(Session::SignedOut {
            how: format!("protected page answered {}", page.summary()),
        });
    }
    Ok(judge(oracle, &page.body, &page.summary()))
}

/// Judges a protected page that answered 2xx: signed in, as whom the identity rule says.
pub fn judge(oracle: &Oracle, body: &str, summary: &str) -> Session {
    let Some(rule) = &oracle.identity else {
        return Session::SignedIn { identity: None };
    };
    let identity = match rule {
        IdentityRule::JsonPointer(pointer) => serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| {
                v.pointer(pointer)
                    .and_then(|x| x.as_str())
                    .map(str::to_owned)
            }),
        IdentityRule::Regex(re) => re
            .captures(body)
            .and_then(|c| c.get(1))
            .map(|m| m.as_str().to_owned()),
    };
    match identity {
        Some(id) => Session::SignedIn { identity: Some(id) },
        None => Session::Unidentified {
            how: format!("protected page shows no identity ({summary})"),
        },
    }
}
