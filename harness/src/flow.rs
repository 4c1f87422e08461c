//! The harness plays the browser: a cookie jar, bounded redirects, bounded bodies, bounded
//! time, and only the SP's and IdP's origins followed.

use std::time::Duration;

use mock_idp::request::{self, AuthnRequest, Binding, SpRequest};
use url::Url;

/// The limits every flow runs under (each has a `saml-harness run` flag).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Redirects followed per navigation.
    pub max_redirects: usize,
    /// Largest response body read, in bytes.
    pub max_body: usize,
    /// Per-request timeout.
    pub request_timeout: Duration,
    /// Time allowed for one whole case.
    pub case_timeout: Duration,
    /// Time allowed for `sp.reload_idp_metadata` to run and the SP to act on the new metadata.
    pub reload_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_redirects: 10,
            max_body: 2 * 1024 * 1024,
            request_timeout: Duration::from_secs(10),
            case_timeout: Duration::from_secs(60),
            reload_timeout: Duration::from_secs(60),
        }
    }
}

/// What [`Browser::post_form_lightly`] escapes: what a form decoder would misread (WEBrick
/// and older Rack split fields on `;` as on `&`).
const FORM_LIGHT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'%')
    .add(b'&')
    .add(b';')
    .add(b'+')
    .add(b'=')
    .add(b'#');

/// Why a flow could not go on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    /// The connection failed: refused, reset, or closed without an answer.
    #[error("{url}: {reason}")]
    Transport { url: String, reason: String },
    /// No answer within the request timeout.
    #[error("{url}: no answer within {limit:?}; hint: raise --request-timeout")]
    TimedOut {
        url: String,
        limit: std::time::Duration,
    },
    /// More redirects than the limit.
    #[error("more than {limit} redirects starting at {url} (a redirect loop?); hint: raise --max-redirects if the SP really needs more")]
    TooManyRedirects { url: String, limit: usize },
    /// The body was larger than the limit (after a `status` line: the server did answer).
    #[error(
        "{url}: response body exceeds {limit} bytes; hint: raise --max-body if this is expected"
    )]
    BodyTooLarge {
        url: String,
        limit: usize,
        status: u16,
    },
    /// A redirect left the SP's and IdP's origins.
    #[error("{from} redirected to {to}, outside the SP's and IdP's origins; the harness does not follow it")]
    OffSite { from: String, to: String },
    /// The sign-on URL never produced an AuthnRequest.
    #[error("no AuthnRequest found starting at {url}: {saw}; hint: check sp.sign_on_url")]
    NoAuthnRequest { url: String, saw: String },
    /// The SP's AuthnRequest could not be decoded.
    #[error("the SP's AuthnRequest is unreadable: {0}")]
    BadAuthnRequest(String),
    /// A URL could not be parsed.
    #[error("bad URL {url:?}: {reason}")]
    BadUrl { url: String, reason: String },
    /// The protected page failed or was rate-limited (5xx, 429): nobody can tell who is
    /// signed in.
    #[error("the protected page {url} answered {saw}, so nobody can tell who is signed in; hint: the SP failed or is overloaded (another check may have crashed it)")]
    OracleInTrouble { url: String, saw: String },
}

/// Resolves a `Location` against the URL that sent it as a browser does. The `url` crate
/// (2.5.8) refuses a reference that starts with three or more slashes against an http(s) base
/// (`///evil.test/` → EmptyHost) where the WHATWG URL standard's "special authority ignore
/// slashes" state, and every browser, skip them all (`http://evil.test/`): servo/rust-url
/// pull requests 1134, 1136 and 1137, unmerged. Collapsing the run to `//` first gives the
/// browser's answer, so an open redirect of that shape is seen.
pub fn resolve_location(base: &Url, location: &str) -> Option<Url> {
    let cleaned: String = location
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let slashes = cleaned
        .chars()
        .take_while(|c| matches!(c, '/' | '\\'))
        .count();
    let special = matches!(base.scheme(), "http" | "https" | "ws" | "wss" | "ftp");
    if special && slashes > 2 {
        return base.join(&format!("//{}", &cleaned[slashes..])).ok();
    }
    base.join(location).ok()
}

/// Where a browser goes next from a page without a 3xx: the `Refresh` header's URL, else a
/// `<meta http-equiv="refresh">` one, resolved against the page's URL.
fn refresh_target(url: &Url, header: Option<&str>, body: &str) -> Option<Url> {
    static META: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let meta = META.get_or_init(|| {
        regex::Regex::new(
            r#"(?is)<meta[^>]*http-equiv\s*=\s*["']?refresh["']?[^>]*content\s*=\s*(?:"([^"]*)"|'([^']*)')"#,
        )
        .ok()
    });
    let content = match header {
        Some(h) => h.to_owned(),
        None => {
            let c = meta.as_ref()?.captures(body)?;
            c.get(1).or(c.get(2))?.as_str().to_owned()
        }
    };
    let (_, target) = content.split_once([';', ','])?;
    let target = target.trim();
    let target = match target.get(..4) {
        Some(key) if key.eq_ignore_ascii_case("url=") => &target[4..],
        _ => target,
    };
    resolve_location(url, target.trim_matches(['\'', '"']))
}

/// One HTTP response, with its body read (bounded).
#[derive(Clone, Debug)]
pub struct Page {
    /// The URL requested.
    pub url: Url,
    /// Status code.
    pub status: u16,
    /// `Location`, resolved against `url`.
    pub location: Option<Url>,
    /// Where a `Refresh` header or a meta refresh sends the browser, resolved against `url`.
    pub refresh: Option<Url>,
    /// The body (lossy UTF-8).
    pub body: String,
    /// The `Content-Type` header, when sent.
    pub content_type: Option<String>,
}

impl Page {
    /// A short description for verdict reasons: status and the start of the body.
    pub fn summary(&self) -> String {
        const SHOWN: usize = 160;
        let shown = match self.is_html() {
            true => visible_text(&self.body),
            false => self.body.clone(),
        };
        let mut snippet: String = shown
            .chars()
            .filter(|c| !c.is_control())
            .take(SHOWN + 1)
            .collect();
        if snippet.chars().count() > SHOWN {
            snippet = snippet.chars().take(SHOWN).chain(['…']).collect();
        }
        match &self.location {
            Some(l) => format!("{} → {l}", self.status),
            None if snippet.is_empty() => format!("{}", self.status),
            None => format!("{} {snippet}", self.status),
        }
    }
}

impl Page {
    /// Whether the body is an HTML page (by its Content-Type, or its start when none is sent).
    pub fn is_html(&self) -> bool {
        match &self.content_type {
            Some(t) => t.to_ascii_lowercase().contains("html"),
            None => {
                let start: String = self.body.trim_start().chars().take(15).collect();
                let start = start.to_ascii_lowercase();
                start.starts_with("<!doctype html") || start.starts_with("<html")
            }
        }
    }
}

/// The text a browser shows for the HTML page `body`: title and body text, scripts and
/// styles left out, character references decoded, whitespace collapsed.
pub fn visible_text(body: &str) -> String {
    let html = scraper::Html::parse_document(body);
    let mut words: Vec<&str> = Vec::new();
    for node in html.root_element().descendants() {
        let Some(text) = node.value().as_text() else {
            continue;
        };
        let hidden = node.ancestors().any(|a| {
            a.value()
                .as_element()
                .is_some_and(|e| matches!(e.name(), "script" | "style" | "noscript" | "template"))
        });
        if !hidden {
            words.extend(text.split_whitespace());
        }
    }
    words.join(" ")
}

/// The AuthnRequest the SP sent, as captured on its way to the IdP.
#[derive(Clone, Debug)]
pub struct Captured {
    /// HTTP-Redirect or HTTP-POST.
    pub binding: Binding,
    /// Where the SP sent it (the IdP's SSO URL as the SP knows it).
    pub idp_url: Url,
    /// RelayState, echoed back with the response.
    pub relay_state: Option<String>,
    /// The raw query (Redirect binding) for signature checks.
    pub raw_query: String,
    /// The SAMLRequest value as sent (base64; deflated for Redirect).
    pub encoded: String,
    /// The decoded XML.
    pub xml: String,
    /// What the IdP reads from it.
    pub request: AuthnRequest,
}

/// A browser: one cookie jar, the limits, and the origins it may visit.
pub struct Browser {
    client: reqwest::Client,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
    limits: Limits,
    origins: Vec<url::Origin>,
}

/// An error with every cause under it (`error sending request` alone hides the refused
/// connection, the oversized headers or the cut-off body), and a hint for a refused connection.
fn cause_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out = format!("{out}: {text}");
        }
        source = s.source();
    }
    let lower = out.to_ascii_lowercase();
    if lower.contains("connection closed before message completed")
        || lower.contains("connection reset")
    {
        out.push_str("; hint: the server dropped the connection without answering: did what was sent crash it?");
    }
    if lower.contains("connection refused") {
        out.push_str("; hint: nothing listens there: is the server running, on that port?");
    }
    out
}

/// Parses a URL, naming it in the error.
pub fn parse_url(s: &str) -> Result<Url, FlowError> {
    Url::parse(s).map_err(|e| FlowError::BadUrl {
        url: s.to_owned(),
        reason: e.to_string(),
    })
}

/// One TLS setup for every browser of the process: building one loads the system's root
/// certificates (and `SSL_CERT_FILE`), which OpenSSL 3 decodes slowly — about 0.1 s, more than
/// a whole login against a loopback SP — and each case is a fresh browser.
fn shared_tls() -> Option<native_tls::TlsConnector> {
    static TLS: std::sync::OnceLock<Option<native_tls::TlsConnector>> = std::sync::OnceLock::new();
    TLS.get_or_init(|| native_tls::TlsConnector::new().ok())
        .clone()
}

impl Browser {
    /// A fresh browser (empty cookie jar) allowed to visit `origins`.
    pub fn new(limits: Limits, origins: &[&Url]) -> Browser {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let mut builder = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(limits.request_timeout)
            .user_agent(concat!("saml-harness/", env!("CARGO_PKG_VERSION")));
        if let Some(tls) = shared_tls() {
            builder = builder.use_preconfigured_tls(tls);
        }
        let client = builder.build().unwrap_or_default();
        Browser {
            client,
            jar,
            limits,
            origins: origins.iter().map(|u| u.origin()).collect(),
        }
    }

    /// A browser whose jar holds only `cookies` (a `Cookie` header value) for `url`.
    pub fn with_cookies(limits: Limits, origins: &[&Url], url: &Url, cookies: &str) -> Browser {
        use reqwest::cookie::CookieStore as _;
        let browser = Browser::new(limits, origins);
        let pairs: Vec<reqwest::header::HeaderValue> = cookies
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .filter_map(|p| reqwest::header::HeaderValue::from_str(&format!("{p}; Path=/")).ok())
            .collect();
        browser.jar.set_cookies(&mut pairs.iter(), url);
        browser
    }

    /// The `Cookie` header this browser would send to `url`, if any.
    pub fn cookies(&self, url: &Url) -> Option<String> {
        use reqwest::cookie::CookieStore as _;
        self.jar
            .cookies(url)
            .and_then(|v| v.to_str().ok().map(str::to_owned))
    }

    fn allowed(&self, url: &Url) -> bool {
        self.origins.contains(&url.origin())
    }

    async fn read(
        &self,
        url: Url,
        response: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<Page, FlowError> {
        let transport = |e: reqwest::Error| {
            if e.is_timeout() {
                FlowError::TimedOut {
                    url: url.to_string(),
                    limit: self.limits.request_timeout,
                }
            } else {
                FlowError::Transport {
                    url: url.to_string(),
                    reason: cause_chain(&e),
                }
            }
        };
        let mut response = response.map_err(transport)?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        let location = header("location").and_then(|l| resolve_location(&url, &l));
        let refresh_header = header("refresh");
        let content_type = header("content-type");
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > self.limits.max_body {
                return Err(FlowError::BodyTooLarge {
                    url: url.to_string(),
                    limit: self.limits.max_body,
                    status,
                });
            }
            body.extend_from_slice(&chunk);
        }
        let body = String::from_utf8_lossy(&body).into_owned();
        Ok(Page {
            refresh: refresh_target(&url, refresh_header.as_deref(), &body),
            url,
            status,
            location,
            body,
            content_type,
        })
    }

    /// GET, without following redirects.
    pub async fn get(&self, url: &Url) -> Result<Page, FlowError> {
        let r = self.client.get(url.clone()).send().await;
        self.read(url.clone(), r).await
    }

    /// GET with extra request `headers`, without following redirects.
    pub async fn get_with(&self, url: &Url, headers: &[(&str, &str)]) -> Result<Page, FlowError> {
        let mut request = self.client.get(url.clone());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let r = request.send().await;
        self.read(url.clone(), r).await
    }

    /// POST a form, without following redirects.
    pub async fn post_form(
        &self,
        url: &Url,
        fields: &[(String, String)],
    ) -> Result<Page, FlowError> {
        let r = self.client.post(url.clone()).form(fields).send().await;
        self.read(url.clone(), r).await
    }

    /// POST a form whose values escape only what form decoding would misread (`%`, `&`, `;`,
    /// `+`, `=`, `#`, spaces, controls and non-ASCII), without following redirects: raw markup
    /// stays about its own size on the wire, as an attacker would send it.
    pub async fn post_form_lightly(
        &self,
        url: &Url,
        fields: &[(String, String)],
    ) -> Result<Page, FlowError> {
        let escape = |s: &str| percent_encoding::utf8_percent_encode(s, FORM_LIGHT).to_string();
        let body = fields
            .iter()
            .map(|(name, value)| format!("{}={}", escape(name), escape(value)))
            .collect::<Vec<_>>()
            .join("&");
        let r = self
            .client
            .post(url.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await;
        self.read(url.clone(), r).await
    }

    /// Follows `page`'s redirects within the allowed origins, up to the limit.
    pub async fn follow(&self, mut page: Page) -> Result<Page, FlowError> {
        let start = page.url.to_string();
        for _ in 0..self.limits.max_redirects {
            let Some(next) = page
                .location
                .clone()
                .filter(|_| (300..400).contains(&page.status))
            else {
                return Ok(page);
            };
            if !self.allowed(&next) {
                return Err(FlowError::OffSite {
                    from: page.url.to_string(),
                    to: next.to_string(),
                });
            }
            page = self.get(&next).await?;
        }
        if page.location.is_some() && (300..400).contains(&page.status) {
            return Err(FlowError::TooManyRedirects {
                url: start,
                limit: self.limits.max_redirects,
            });
        }
        Ok(page)
    }

    /// Follows `page` as a browser left alone would: redirects and on-site refreshes (a
    /// `Refresh` header or meta refresh), within the redirect limit; it stops where the
    /// browser would leave the allowed origins.
    pub async fn settle(&self, page: Page) -> Result<(), FlowError> {
        let mut page = page;
        for _ in 0..self.limits.max_redirects {
            page = match self.follow(page).await {
                Ok(p) => p,
                Err(FlowError::OffSite { .. }) => return Ok(()),
                Err(e) => return Err(e),
            };
            match page.refresh.clone().filter(|next| self.allowed(next)) {
                Some(next) => page = self.get(&next).await?,
                None => return Ok(()),
            }
        }
        Ok(())
    }

    /// Follows `page`'s redirects (a `Refresh` or meta refresh too): where the browser left
    /// the allowed origins, if it did.
    pub async fn exit(&self, page: Page) -> Result<Option<String>, FlowError> {
        match self.follow(page).await {
            Err(FlowError::OffSite { to, .. }) => Ok(Some(to)),
            Ok(page) => Ok(page
                .refresh
                .filter(|next| !self.allowed(next))
                .map(|next| next.to_string())),
            Err(e) => Err(e),
        }
    }

    /// Starts an SP-initiated login at `sign_on_url` and captures the AuthnRequest, sent by
    /// HTTP-Redirect (a Location carrying SAMLRequest) or HTTP-POST (an auto-submit form).
    pub async fn start_login(&self, sign_on_url: &Url) -> Result<Captured, FlowError> {
        let mut page = self.get(sign_on_url).await?;
        for _ in 0..=self.limits.max_redirects {
            if let Some(next) = page
                .location
                .clone()
                .filter(|_| (300..400).contains(&page.status))
            {
                if next.query_pairs().any(|(k, _)| k == "SAMLRequest") {
                    return capture_redirect(next);
                }
                if !self.allowed(&next) {
                    return Err(FlowError::NoAuthnRequest {
                        url: sign_on_url.to_string(),
                        saw: format!("a redirect to {next} without SAMLRequest"),
                    });
                }
                page = self.get(&next).await?;
                continue;
            }
            if let Some(form) = saml_form(&page, "SAMLRequest") {
                return capture_post(form);
            }
            let saw = if page.status >= 400 {
                format!("HTTP {}", page.summary())
            } else {
                format!("a page without a SAMLRequest form ({})", page.summary())
            };
            return Err(FlowError::NoAuthnRequest {
                url: sign_on_url.to_string(),
                saw,
            });
        }
        Err(FlowError::TooManyRedirects {
            url: sign_on_url.to_string(),
            limit: self.limits.max_redirects,
        })
    }
}

/// A form carrying a SAML message, as found in a page.
#[derive(Clone, Debug)]
pub struct SamlForm {
    /// Where it posts.
    pub action: Url,
    /// All its fields.
    pub fields: Vec<(String, String)>,
}

impl SamlForm {
    /// The value of field `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Finds the first HTML form with an input named `message` (SAMLRequest or SAMLResponse).
pub fn saml_form(page: &Page, message: &str) -> Option<SamlForm> {
    let html = scraper::Html::parse_document(&page.body);
    let forms = scraper::Selector::parse("form").ok()?;
    let inputs = scraper::Selector::parse("input[name]").ok()?;
    html.select(&forms).find_map(|form| {
        let fields: Vec<(String, String)> = form
            .select(&inputs)
            .map(|i| {
                (
                    i.attr("name").unwrap_or_default().to_owned(),
                    i.attr("value").unwrap_or_default().to_owned(),
                )
            })
            .collect();
        if !fields.iter().any(|(k, _)| k == message) {
            return None;
        }
        let action = page
            .url
            .join(form.attr("action").unwrap_or_default())
            .ok()?;
        Some(SamlForm { action, fields })
    })
}

/// Which account to pick on an IdP's sign-in page.
#[derive(Clone, Copy, Debug)]
pub enum Pick<'a> {
    /// This one, or say which are offered (the scenario's `user`).
    Exactly(&'a str),
    /// This one if offered, else the first (the identity the good login expects).
    Preferably(&'a str),
    /// The first offered.
    First,
}

/// An IdP sign-in page that asks which account signs in (a form of `user` buttons, as the
/// mock IdP's `sign_in: interactive` shows): the form as submitted for the account `pick`
/// chooses, or which accounts it offers when the one asked for is not among them.
pub fn account_picker(page: &Page, pick: Pick) -> Option<Result<SamlForm, String>> {
    let html = scraper::Html::parse_document(&page.body);
    let forms = scraper::Selector::parse("form").ok()?;
    let buttons =
        scraper::Selector::parse("button[name=user], input[type=submit][name=user]").ok()?;
    let hidden = scraper::Selector::parse("input[type=hidden][name]").ok()?;
    html.select(&forms).find_map(|form| {
        let offered: Vec<&str> = form
            .select(&buttons)
            .filter_map(|b| b.attr("value"))
            .collect();
        let first = *offered.first()?;
        let chosen = match pick {
            Pick::First => first,
            Pick::Exactly(u) | Pick::Preferably(u) => {
                match (offered.iter().find(|o| o.eq_ignore_ascii_case(u)), pick) {
                    (Some(o), _) => o,
                    (None, Pick::Exactly(_)) => {
                        return Some(Err(format!(
                            "its sign-in page offers {}, not {u}",
                            offered.join(", ")
                        )))
                    }
                    (None, _) => first,
                }
            }
        };
        let mut fields: Vec<(String, String)> = form
            .select(&hidden)
            .map(|i| {
                (
                    i.attr("name").unwrap_or_default().to_owned(),
                    i.attr("value").unwrap_or_default().to_owned(),
                )
            })
            .collect();
        fields.push(("user".into(), chosen.to_owned()));
        let action = page
            .url
            .join(form.attr("action").unwrap_or_default())
            .ok()?;
        Some(Ok(SamlForm { action, fields }))
    })
}

fn decode_request(encoded: &str, binding: Binding) -> Result<(String, AuthnRequest), FlowError> {
    let xml = request::decode(encoded, binding)
        .map_err(|e| FlowError::BadAuthnRequest(format!("{}: {}", e.message(), e.hint())))?;
    match request::parse(&xml)
        .map_err(|e| FlowError::BadAuthnRequest(format!("{}: {}", e.message(), e.hint())))?
    {
        SpRequest::Authn(r) => Ok((xml, r)),
        SpRequest::Logout(_) => Err(FlowError::BadAuthnRequest(
            "the sign-on URL sent a LogoutRequest".into(),
        )),
    }
}

/// Reads the AuthnRequest out of a Redirect-binding URL.
pub fn capture_redirect(url: Url) -> Result<Captured, FlowError> {
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let encoded = param("SAMLRequest").unwrap_or_default();
    let (xml, request) = decode_request(&encoded, Binding::Redirect)?;
    let mut idp_url = url.clone();
    idp_url.set_query(None);
    Ok(Captured {
        binding: Binding::Redirect,
        relay_state: param("RelayState"),
        raw_query: url.query().unwrap_or_default().to_owned(),
        encoded,
        idp_url,
        xml,
        request,
    })
}

/// Reads the AuthnRequest out of a POST-binding form.
pub fn capture_post(form: SamlForm) -> Result<Captured, FlowError> {
    let encoded = form.field("SAMLRequest").unwrap_or_default().to_owned();
    let (xml, request) = decode_request(&encoded, Binding::Post)?;
    Ok(Captured {
        binding: Binding::Post,
        relay_state: form.field("RelayState").map(str::to_owned),
        raw_query: String::new(),
        encoded,
        idp_url: form.action,
        xml,
        request,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_html_answer_is_summarised_as_the_text_a_browser_shows() {
        let page = super::Page {
            url: url::Url::parse("http://sp.test/acs").unwrap(),
            status: 403,
            location: None,
            refresh: None,
            body: "<html><head><title>Error &amp; Co</title><style>p{}</style></head><body><script>var x=1;</script><p>We couldn&#39;t sign you in: &lt;saml&gt;</p></body></html>".into(),
            content_type: Some("text/html; charset=utf-8".into()),
        };
        assert_eq!(
            page.summary(),
            "403 Error & Co We couldn't sign you in: <saml>"
        );
    }

    use super::*;

    #[test]
    fn a_refresh_header_or_meta_refresh_names_the_next_page() {
        let base = Url::parse("http://127.0.0.1:8080/saml/acs").unwrap();
        let target = |header: Option<&str>, body: &str| {
            refresh_target(&base, header, body).map(|u| u.to_string())
        };
        assert_eq!(
            target(Some("0; url=https://evil.test/"), "").as_deref(),
            Some("https://evil.test/")
        );
        assert_eq!(
            target(
                None,
                r#"<html><META HTTP-EQUIV="Refresh" CONTENT="0;URL='/\evil.test/'">"#
            )
            .as_deref(),
            Some("http://evil.test/")
        );
        assert_eq!(target(None, "<p>signed in</p>"), None);
        assert_eq!(target(Some("5"), ""), None);
    }

    #[test]
    fn locations_resolve_as_a_browser_resolves_them() {
        let base = Url::parse("http://127.0.0.1:8080/saml/acs").unwrap();
        for (location, want) in [
            ("/me", "http://127.0.0.1:8080/me"),
            ("///evil.test/", "http://evil.test/"),
            ("///\\//\\//test", "http://test/"),
            ("//evil.test/", "http://evil.test/"),
            ("/\\evil.test/", "http://evil.test/"),
            ("/\t/evil.test/", "http://evil.test/"),
            ("https:evil.test/", "https://evil.test/"),
        ] {
            let got = resolve_location(&base, location).map(|u| u.to_string());
            assert_eq!(got.as_deref(), Some(want), "{location:?}");
        }
    }

    #[tokio::test]
    async fn a_refused_connection_says_so_and_what_to_check() {
        // A port just released: nothing listens on it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = parse_url(&format!("http://127.0.0.1:{port}/login")).unwrap();
        let err = Browser::new(Limits::default(), &[&url])
            .get(&url)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.to_ascii_lowercase().contains("connection refused"),
            "{err}"
        );
        assert!(err.contains("hint: nothing listens there"), "{err}");
    }
}
