//! `--driver chromium`: the same flow in headless Chromium (Debian's), for SPs whose sign-on page
//! needs JavaScript. The browser runs the SP's pages for real; the request to the IdP is
//! intercepted and answered with the IdP's auto-submit form, as Entra's page would be.

use std::ffi::OsStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use headless_chrome::browser::tab::RequestPausedDecision;
use headless_chrome::browser::transport::{SessionId, Transport};
use headless_chrome::protocol::cdp::Fetch::events::RequestPausedEvent;
use headless_chrome::protocol::cdp::Fetch::{
    FailRequest, FulfillRequest, HeaderEntry, RequestId, RequestPattern, RequestStage,
};
use headless_chrome::protocol::cdp::Network::{ErrorReason, ResourceType};
use headless_chrome::{Browser, LaunchOptions, Tab};

use crate::driver::Attempt;
use crate::flow::{capture_post, capture_redirect, parse_url, Captured, Limits, SamlForm};
use crate::oracle::{judge, Session};
use crate::respond::{CaseEnd, Delivered, Responder};
use crate::scenario::Oracle;

/// Where Debian's Chromium lives.
pub const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

/// One headless Chromium for the whole run; each attempt gets a fresh incognito context.
pub struct Chromium {
    browser: Browser,
}

/// What the interception saw: the AuthnRequest, what was served for it, or why not, and the
/// status of every document response in order.
#[derive(Default)]
struct Intercepted {
    captured: Option<Captured>,
    delivered: Option<Delivered>,
    /// How many responses had come when the IdP's answer was given (the ACS's comes after).
    delivered_at: usize,
    error: Option<CaseEnd>,
    responses: Vec<Answered>,
}

/// One document response: the request's method and URL, and the status it got.
struct Answered {
    method: String,
    url: String,
    status: u16,
}

impl Intercepted {
    /// The status of the first response from `responses[from..]` to `method` at `url`'s page.
    fn status_of(&self, from: usize, method: &str, url: &str) -> Option<u16> {
        self.responses
            .get(from..)?
            .iter()
            .find(|a| a.method == method && same_page(&a.url, url))
            .map(|a| a.status)
    }
}

impl Chromium {
    /// Starts Chromium headless, without sandbox (CI runs as root) or background networking.
    pub fn launch(path: &str) -> Result<Chromium, String> {
        let options = LaunchOptions::default_builder()
            .path(Some(path.into()))
            .headless(true)
            .sandbox(false)
            .idle_browser_timeout(Duration::from_secs(600))
            .args(
                [
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--disable-quic",
                ]
                .iter()
                .map(OsStr::new)
                .collect(),
            )
            .build()
            .map_err(|e| e.to_string())?;
        let browser = Browser::new(options).map_err(|e| format!("cannot start Chromium at {path}: {e}; hint: apt-get install chromium, or --chromium PATH"))?;
        Ok(Chromium { browser })
    }

    /// One login attempt in a fresh context (blocking; run it off the async threads).
    pub fn attempt(
        &self,
        sign_on: &str,
        responder: Responder,
        oracle: &Oracle,
        limits: Limits,
    ) -> Result<Attempt, CaseEnd> {
        let fail = |what: &str, e: anyhow::Error| CaseEnd::Error(format!("Chromium: {what}: {e}"));
        let context = self
            .browser
            .new_context()
            .map_err(|e| fail("new context", e))?;
        let tab = context.new_tab().map_err(|e| fail("new tab", e))?;
        tab.set_default_timeout(limits.request_timeout);
        let seen = Arc::new(Mutex::new(Intercepted::default()));
        // Documents are paused twice: as requests (to answer the IdP's) and as responses (to
        // read their status: a 5xx is trouble, not a refusal).
        let pattern = |stage| RequestPattern {
            url_pattern: Some("*".into()),
            resource_Type: Some(ResourceType::Document),
            request_stage: Some(stage),
        };
        tab.enable_fetch(
            Some(&[
                pattern(RequestStage::Request),
                pattern(RequestStage::Response),
            ]),
            None,
        )
        .map_err(|e| fail("enable fetch", e))?;
        let state = seen.clone();
        tab.enable_request_interception(Arc::new(
            move |_: Arc<Transport>, _: SessionId, event: RequestPausedEvent| {
                intercept(&state, &responder, event)
            },
        ))
        .map_err(|e| fail("interception", e))?;

        // Sign-on: the SP's pages run, the IdP request is answered by `intercept`, the
        // auto-submit form posts to the ACS; wait until the browser has left the IdP's page.
        let deadline = Instant::now() + limits.case_timeout;
        let timed_out = || {
            CaseEnd::Error(format!(
                "Chromium did not settle within {:?}; hint: raise --case-timeout",
                limits.case_timeout
            ))
        };
        mark_page(&tab);
        let navigation = navigate(&tab, sign_on);
        let idp_page = loop {
            if let Ok(Err(e)) = navigation.try_recv() {
                return Err(fail("navigate to the sign-on URL", e));
            }
            {
                let mut s = seen.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(e) = s.error.take() {
                    return Err(e);
                }
                if let Some(c) = &s.captured {
                    break c.idp_url.to_string();
                }
            }
            if Instant::now() > deadline {
                return Err(CaseEnd::Error(format!(
                    "Chromium found no AuthnRequest starting at {sign_on} (page now at {})",
                    tab.get_url()
                )));
            }
            std::thread::sleep(POLL);
        };
        wait_for_new_page(&tab, Some(&idp_page), deadline).ok_or_else(timed_out)?;
        let shown: String = body_text(&tab).chars().take(160).collect();
        let (posted, acs_status, before_oracle) = {
            let s = seen.lock().unwrap_or_else(|p| p.into_inner());
            let acs = s.delivered.as_ref().map(|d| d.post.acs.as_str());
            let method = match s.delivered.as_ref().is_some_and(|d| d.by_redirect) {
                true => "GET",
                false => "POST",
            };
            let status = acs.and_then(|acs| s.status_of(s.delivered_at, method, acs));
            (acs.is_some(), status, s.responses.len())
        };
        // A post to the ACS with no answer (refused, reset, closed unanswered; Chromium shows
        // its own error page at the ACS's URL) must not read as the SP refusing.
        if posted && acs_status.is_none() {
            return Err(CaseEnd::Unanswered(format!(
                "the ACS did not answer; Chromium showed {shown:?}"
            )));
        }
        let acs_answer = match acs_status {
            // The same words as the HTTP driver's, so a reader sees one shape.
            Some(status) => format!(
                "ACS answered {status}; Chromium then showed {} with {shown:?}",
                tab.get_url()
            ),
            None => format!(
                "the ACS left Chromium at {} showing {shown:?}",
                tab.get_url()
            ),
        };

        // The oracle: the protected page in the same browser.
        mark_page(&tab);
        let navigation = navigate(&tab, &oracle.url);
        // Chromium answers the navigation once the page's server does: only then can a loaded
        // document be the protected page (a redirect after the ACS still in flight could
        // otherwise finish first and pass for it).
        loop {
            match navigation.try_recv() {
                Ok(Ok(())) => break,
                Ok(Err(e)) => {
                    return Err(CaseEnd::Unanswered(format!(
                        "the protected page {} did not answer: {e}",
                        oracle.url
                    )))
                }
                Err(_) if Instant::now() < deadline => std::thread::sleep(POLL),
                Err(_) => return Err(timed_out()),
            }
        }
        let landed = wait_for_new_page(&tab, None, deadline).ok_or_else(timed_out)?;
        let page_status = seen.lock().unwrap_or_else(|p| p.into_inner()).status_of(
            before_oracle,
            "GET",
            &oracle.url,
        );
        if page_status.is_none() {
            return Err(CaseEnd::Unanswered(format!(
                "the protected page {} did not answer; Chromium showed {:?}",
                oracle.url,
                body_text(&tab).chars().take(160).collect::<String>()
            )));
        }
        if crate::judge::in_trouble(page_status) {
            return Err(CaseEnd::from(crate::flow::FlowError::OracleInTrouble {
                url: oracle.url.clone(),
                saw: format!(
                    "{} {:?}",
                    page_status.unwrap_or_default(),
                    body_text(&tab).chars().take(160).collect::<String>()
                ),
            }));
        }
        let session = if same_page(&landed, &oracle.url) {
            judge(oracle, &body_text(&tab), &landed)
        } else {
            Session::SignedOut {
                how: format!("protected page bounced to {landed}"),
            }
        };
        let mut s = seen.lock().unwrap_or_else(|p| p.into_inner());
        match (s.captured.take(), s.delivered.take()) {
            (Some(captured), Some(delivered)) => Ok(Attempt {
                captured,
                delivered,
                acs_answer,
                acs_status,
                acs_body: String::new(),
                acs_html: false,
                session,
                left_for: None,
                exit_unknown: None,
                pre_login_cookies: None,
                acs_cookies: None,
            }),
            _ => Err(CaseEnd::Error(
                "Chromium lost the intercepted request".into(),
            )),
        }
    }
}

/// How often the driver looks at the page.
const POLL: Duration = Duration::from_millis(25);

/// Starts navigating `tab` to `url` on a thread of its own and returns at once; how the
/// navigation started arrives on the channel. (Chromium answers `Page.navigate` only once the
/// server answers, and headless_chrome waits for that up to the browser's idle timeout, so an
/// SP that accepts the connection and never answers would hold the case — and the run's exit
/// — for ten minutes. The thread ends when Chromium answers or the browser goes.)
fn navigate(tab: &Arc<Tab>, url: &str) -> std::sync::mpsc::Receiver<Result<(), anyhow::Error>> {
    let (tx, rx) = std::sync::mpsc::channel();
    let (tab, url) = (tab.clone(), url.to_owned());
    std::thread::spawn(move || {
        let _ = tx.send(tab.navigate_to(&url).map(|_| ()));
    });
    rx
}

/// Marks the current document, so a later load can be told from it.
fn mark_page(tab: &Tab) {
    let _ = tab.evaluate("window.__samlHarnessSeen = true", false);
}

/// Waits for a completely loaded document that is not the marked one (and, with `leave`, whose
/// URL is not `leave`); marks it and returns its URL. Not Chrome's network-idle heuristic,
/// which costs half a second per page.
fn wait_for_new_page(tab: &Tab, leave: Option<&str>, deadline: Instant) -> Option<String> {
    while Instant::now() < deadline {
        let url = tab.get_url();
        if leave.is_none_or(|l| url != l) {
            let state = tab
                .evaluate(
                    "document.readyState + (window.__samlHarnessSeen ? ':seen' : ':new')",
                    false,
                )
                .ok()
                .and_then(|r| r.value)
                .and_then(|v| v.as_str().map(str::to_owned));
            if state.as_deref() == Some("complete:new") {
                mark_page(tab);
                return Some(url);
            }
        }
        std::thread::sleep(POLL);
    }
    None
}

/// The page's visible text.
fn body_text(tab: &Tab) -> String {
    tab.find_element("body")
        .and_then(|b| b.get_inner_text())
        .unwrap_or_default()
}

fn same_page(landed: &str, oracle: &str) -> bool {
    match (parse_url(landed), parse_url(oracle)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin() && a.path() == b.path(),
        _ => false,
    }
}

/// Decides each document request: the first one carrying a SAMLRequest is answered with the
/// IdP's form; later ones (the oracle bouncing back to the IdP) are blocked; others go on.
fn intercept(
    state: &Mutex<Intercepted>,
    responder: &Responder,
    event: RequestPausedEvent,
) -> RequestPausedDecision {
    let request_id = event.params.request_id.clone();
    let request = &event.params.request;
    if let Some(status) = event.params.response_status_code {
        let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
        s.responses.push(Answered {
            method: request.method.clone(),
            url: request.url.clone(),
            status: u16::try_from(status).unwrap_or(u16::MAX),
        });
        return RequestPausedDecision::Continue(None);
    }
    let captured = match parse_url(&request.url) {
        Ok(url) if url.query_pairs().any(|(k, _)| k == "SAMLRequest") => {
            Some(capture_redirect(url))
        }
        Ok(url)
            if request.method == "POST"
                && request
                    .post_data
                    .as_deref()
                    .is_some_and(|b| b.contains("SAMLRequest=")) =>
        {
            let fields =
                form_urlencoded::parse(request.post_data.as_deref().unwrap_or_default().as_bytes())
                    .into_owned()
                    .collect();
            Some(capture_post(SamlForm {
                action: url,
                fields,
            }))
        }
        _ => None,
    };
    let Some(captured) = captured else {
        return RequestPausedDecision::Continue(None);
    };
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    let block = RequestPausedDecision::Fail(FailRequest {
        request_id: request_id.clone(),
        error_reason: ErrorReason::BlockedByClient,
    });
    if s.captured.is_some() {
        // The SP sent the browser to the IdP again (the oracle bounced): end that navigation
        // with a plain page at once, so nothing waits on a failed load.
        return fulfil(request_id, "<p>sent back to the IdP: no session</p>");
    }
    let captured = match captured {
        Ok(c) => c,
        Err(e) => {
            s.error = Some(CaseEnd::Error(e.to_string()));
            return block;
        }
    };
    match responder.respond(&captured) {
        Err(e) => {
            s.error = Some(e);
            block
        }
        Ok(delivered) => {
            let decision = if delivered.by_redirect {
                redirect(request_id, &delivered.redirect_url())
            } else {
                fulfil(request_id, &auto_submit_form(&delivered))
            };
            s.captured = Some(captured);
            s.delivered = Some(delivered);
            s.delivered_at = s.responses.len();
            decision
        }
    }
}

/// Answers an intercepted request with an HTML page.
fn fulfil(request_id: RequestId, html: &str) -> RequestPausedDecision {
    answer(
        request_id,
        200,
        ("Content-Type", "text/html; charset=utf-8"),
        Some(html),
    )
}

/// Answers an intercepted request with a redirect to `location` (HTTP-Redirect binding).
fn redirect(request_id: RequestId, location: &str) -> RequestPausedDecision {
    answer(request_id, 302, ("Location", location), None)
}

/// Answers an intercepted request with `code`, one header and a body.
fn answer(
    request_id: RequestId,
    code: u32,
    (name, value): (&str, &str),
    body: Option<&str>,
) -> RequestPausedDecision {
    RequestPausedDecision::Fulfill(FulfillRequest {
        request_id,
        response_code: code,
        response_headers: Some(vec![HeaderEntry {
            name: name.into(),
            value: value.into(),
        }]),
        binary_response_headers: None,
        body: body.map(|b| base64::engine::general_purpose::STANDARD.encode(b)),
        response_phrase: None,
    })
}

/// The IdP's page: a form that posts SAMLResponse (and RelayState) to the ACS at once.
fn auto_submit_form(d: &Delivered) -> String {
    mock_idp::server::acs_form(&d.post).0
}
