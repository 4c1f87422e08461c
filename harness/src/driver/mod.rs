//! Who plays the browser: the built-in HTTP client or headless Chromium. Each driver runs one
//! login attempt (start at the SP, answer the AuthnRequest, post to the ACS, ask the oracle).

pub mod chromium;
pub mod http;

use std::sync::Arc;

use crate::flow::{Captured, Limits};
use crate::oracle::Session;
use crate::respond::{CaseEnd, Delivered, Responder};
use crate::scenario::Scenario;

/// One login attempt as the SP saw it.
pub struct Attempt {
    /// The AuthnRequest the SP sent.
    pub captured: Captured,
    /// What was posted to the ACS.
    pub delivered: Delivered,
    /// How the ACS answered.
    pub acs_answer: String,
    /// The HTTP status of the ACS's answer, when the driver saw one.
    pub acs_status: Option<u16>,
    /// The body of the ACS's answer (HTTP driver only; empty under Chromium).
    pub acs_body: String,
    /// Whether that body is an HTML page (HTTP driver only).
    pub acs_html: bool,
    /// Who the protected page says is signed in afterwards.
    pub session: Session,
    /// Where a redirect after the ACS sent the browser off the SP's origins, if one did
    /// (only the HTTP driver sees it).
    pub left_for: Option<String>,
    /// Why following the redirects after the ACS failed, if it did: then where the browser
    /// would have gone is unknown, not "nowhere" (HTTP driver only).
    pub exit_unknown: Option<String>,
    /// The cookies the browser would have sent the protected page just before posting to the
    /// ACS (HTTP driver only).
    pub pre_login_cookies: Option<String>,
    /// The cookies the browser sent the ACS with the response: what a captured copy of that
    /// request carries (HTTP driver only).
    pub acs_cookies: Option<String>,
}

/// Which browser plays the user.
#[derive(Clone)]
pub enum Driver {
    /// The built-in HTTP client (reqwest with a cookie jar).
    Http,
    /// Headless Chromium, for sign-on pages that need JavaScript.
    Chromium(Arc<chromium::Chromium>),
}

/// What an attempt needs to know about the SP and the run.
pub struct Target<'a> {
    /// The scenario (sign-on URL, oracle, a running IdP's URL).
    pub scenario: &'a Scenario,
    /// Size, redirect and time limits.
    pub limits: Limits,
    /// Origins the browser may follow redirects to.
    pub origins: &'a [url::Url],
    /// Where the login starts instead of the scenario's sign-on URL.
    pub start: Option<url::Url>,
}

impl Driver {
    /// A fresh browser starts a login, the responder answers, the answer is posted to the ACS
    /// and the oracle says who is signed in.
    pub async fn attempt(
        &self,
        target: &Target<'_>,
        responder: Responder,
    ) -> Result<Attempt, CaseEnd> {
        match self {
            Driver::Chromium(chromium) => {
                let (chromium, sign_on, oracle, limits) = (
                    chromium.clone(),
                    target.scenario.sp.sign_on_url.clone(),
                    target.scenario.sp.oracle.clone(),
                    target.limits,
                );
                tokio::task::spawn_blocking(move || {
                    chromium.attempt(&sign_on, responder, &oracle, limits)
                })
                .await
                .map_err(|e| CaseEnd::Error(format!("the Chromium driver stopped: {e}")))?
            }
            Driver::Http => http::attempt(target, responder).await,
        }
    }
}
