//! The built-in HTTP driver: reqwest with a cookie jar plays the browser.

use base64::Engine;

use saml_protocol::AcsPost;

use attacks::identity::Swap;

use crate::driver::{Attempt, Target};
use crate::flow::{parse_url, Browser, Captured, Pick};
use crate::oracle::probe;
use crate::respond::{CaseEnd, Delivered, Responder};

/// One login attempt over plain HTTP; with a running IdP (`idp.url`) the AuthnRequest is
/// followed there and the check applied to the response it gives.
pub async fn attempt(target: &Target<'_>, responder: Responder) -> Result<Attempt, CaseEnd> {
    let origins: Vec<&url::Url> = target.origins.iter().collect();
    let browser = Browser::new(target.limits, &origins);
    attempt_in(&browser, target, responder).await
}

/// [`attempt`] in `browser`, which keeps the session for whatever comes next (a sign-out);
/// an IdP-initiated delivery is posted from a fresh browser instead, whose session is not
/// kept.
pub async fn attempt_in(
    browser: &Browser,
    target: &Target<'_>,
    responder: Responder,
) -> Result<Attempt, CaseEnd> {
    let (captured, delivered) = deliver(browser, target, responder).await?;
    complete(browser, target, captured, delivered).await
}

/// The second half of [`attempt_in`]: `delivered` (made for `captured`) reaches the ACS from
/// `browser`, and the oracle reads who is signed in.
pub(crate) async fn complete(
    browser: &Browser,
    target: &Target<'_>,
    captured: Captured,
    delivered: Delivered,
) -> Result<Attempt, CaseEnd> {
    let scenario = target.scenario;
    let acs = parse_url(&delivered.post.acs)?;
    // An IdP-initiated login reaches the ACS from a browser with no request pending.
    let fresh;
    let browser = if delivered.idp_initiated {
        let origins: Vec<&url::Url> = target.origins.iter().collect();
        fresh = Browser::new(target.limits, &origins);
        &fresh
    } else {
        browser
    };
    // What the browser would send the protected page before the login (path and domain
    // scoping included): what an attacker who planted cookies would hold.
    let pre_login_cookies = browser.cookies(&parse_url(&scenario.sp.oracle.url)?);
    let acs_cookies = browser.cookies(&acs);
    let answer = if delivered.by_redirect {
        let url = delivered.redirect_url();
        let answer = browser.get(&parse_url(&url)?).await?;
        // A server's request-line limit refused the URL before the SP could read it.
        if matches!(answer.status, 414 | 431) {
            return Err(CaseEnd::Error(format!(
                "the ACS answered {} to a {}-byte URL carrying the response: the server's URL limit refused it before the SP read it",
                answer.status,
                url.len()
            )));
        }
        answer
    } else {
        browser
            .post_form(&acs, &delivered.post.form_fields())
            .await?
    };
    let acs_answer = format!("ACS answered {}", answer.summary());
    let acs_status = Some(answer.status);
    let acs_body = answer.body.clone();
    let acs_html = answer.is_html();
    // Redirects after the ACS may leave for pages the harness does not follow: note where.
    let (left_for, exit_unknown) = match browser.exit(answer).await {
        Ok(to) => (to, None),
        Err(e) => (None, Some(e.to_string())),
    };
    let session = probe(browser, &scenario.sp.oracle).await?;
    Ok(Attempt {
        captured,
        delivered,
        acs_answer,
        acs_status,
        acs_body,
        acs_html,
        session,
        left_for,
        exit_unknown,
        pre_login_cookies,
        acs_cookies,
    })
}

/// Starts a login in `browser` and builds what it would post to the ACS: the in-process
/// IdP's answer to the SP's AuthnRequest, or the running IdP's (`idp.url`), with
/// `responder`'s check applied.
pub(crate) async fn deliver(
    browser: &Browser,
    target: &Target<'_>,
    responder: Responder,
) -> Result<(Captured, Delivered), CaseEnd> {
    let scenario = target.scenario;
    let start = match &target.start {
        Some(start) => start.clone(),
        None => parse_url(&scenario.sp.sign_on_url)?,
    };
    let captured = browser.start_login(&start).await?;
    let delivered = match &scenario.idp_url {
        Some(idp) if idp.origin() != captured.idp_url.origin() => {
            return Err(CaseEnd::Fail(format!(
                "the SP sent its AuthnRequest to {}, not to the IdP the scenario names (idp.url {idp}); hint: point the SP at that IdP's metadata, or fix idp.url",
                captured.idp_url
            )))
        }
        Some(_) => {
            let expected = scenario
                .cases
                .iter()
                .find(|c| c.expect == crate::scenario::Expect::Accept)
                .and_then(|c| c.identity.as_deref());
            let pick = match (scenario.user.as_deref(), expected) {
                (Some(user), _) => Pick::Exactly(user),
                (None, Some(identity)) => Pick::Preferably(identity),
                (None, None) => Pick::First,
            };
            responder.apply(live_response(browser, &captured, pick).await?)?
        }
        None => responder.respond(&captured)?,
    };
    Ok((captured, delivered))
}

/// Follows the AuthnRequest to the running IdP (as the browser would) and takes the response
/// from its auto-submit form; an error page there fails the case with what the IdP said.
/// A sign-in page that asks which account signs in gets the account `pick` chooses.
async fn live_response(
    browser: &Browser,
    captured: &Captured,
    pick: Pick<'_>,
) -> Result<Delivered, CaseEnd> {
    let page = match captured.binding {
        mock_idp::request::Binding::Redirect => {
            let mut url = captured.idp_url.clone();
            url.set_query(Some(&captured.raw_query));
            browser.get(&url).await?
        }
        mock_idp::request::Binding::Post => {
            let mut fields = vec![("SAMLRequest".to_owned(), captured.encoded.clone())];
            if let Some(rs) = &captured.relay_state {
                fields.push(("RelayState".to_owned(), rs.clone()));
            }
            browser.post_form(&captured.idp_url, &fields).await?
        }
    };
    let mut page = browser.follow(page).await?;
    if crate::flow::saml_form(&page, "SAMLResponse").is_none() {
        match crate::flow::account_picker(&page, pick) {
            Some(Ok(pick)) => {
                let picked = browser.post_form(&pick.action, &pick.fields).await?;
                page = browser.follow(picked).await?;
            }
            Some(Err(why)) => {
                return Err(CaseEnd::Error(format!(
                    "the IdP at {} asks which account signs in, and {why}; hint: set the scenario's `user:` to one of them",
                    captured.idp_url
                )))
            }
            None => {}
        }
    }
    let Some(form) = crate::flow::saml_form(&page, "SAMLResponse") else {
        // Entra's error pages carry "AADSTSnnnn: text": say that rather than the page's start.
        let aadsts = regex::Regex::new(r"AADSTS\d+:[^<\n]*").ok().and_then(|re| {
            re.find(&page.body)
                .map(|m| crate::flow::visible_text(m.as_str()))
        });
        return Err(CaseEnd::Fail(match aadsts {
            Some(error) => format!(
                "the IdP at {} refused the SP's request: {error}",
                captured.idp_url
            ),
            // Not the SP's doing: the IdP showed a page the harness cannot get past.
            None => {
                return Err(CaseEnd::Error(format!(
                    "the IdP at {} gave no SAMLResponse form: {}; hint: the harness submits no passwords or MFA: let the IdP sign the test user in without a page (mock IdP: sign_in: auto), or leave out idp.url to use the built-in IdP",
                    captured.idp_url,
                    page.summary()
                )))
            }
        }));
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(form.field("SAMLResponse").unwrap_or_default())
        .map_err(|e| CaseEnd::Fail(format!("the IdP's SAMLResponse is not base64: {e}")))?;
    let saml_response = String::from_utf8_lossy(&bytes).into_owned();
    let name_id = crate::respond::name_id_of(&saml_response);
    Ok(Delivered {
        post: AcsPost {
            acs: form.action.to_string(),
            saml_response,
            relay_state: form.field("RelayState").map(str::to_owned),
            beside: None,
        },
        name_id,
        swap: Swap::default(),
        mutated: None,
        original: None,
        by_redirect: false,
        idp_initiated: false,
    })
}
