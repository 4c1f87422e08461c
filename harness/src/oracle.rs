//! The oracle: who, if anyone, the SP says is signed in, judged from its protected page.

use crate::flow::{parse_url, Browser, FlowError, Page};
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

/// Asks the SP's protected page who is signed in (no redirects followed). A page that fails
/// or is rate-limited (5xx, 429) is an error, not "signed out": an accepted forgery must not
/// read as refused because the page was down.
pub async fn probe(browser: &Browser, oracle: &Oracle) -> Result<Session, FlowError> {
    let url = parse_url(&oracle.url)?;
    let page = browser.get(&url).await?;
    if page.status >= 500 || page.status == 429 {
        return Err(FlowError::OracleInTrouble {
            url: oracle.url.clone(),
            saw: page.summary(),
        });
    }
    Ok(session_of(oracle, &page))
}

/// What the protected page's answer `page` says: signed out unless it answered 2xx.
pub fn session_of(oracle: &Oracle, page: &Page) -> Session {
    if !(200..300).contains(&page.status) {
        return Session::SignedOut {
            how: format!("protected page answered {}", page.summary()),
        };
    }
    judge(oracle, &page.body, &page.summary())
}

/// Judges a protected page that answered 2xx: signed in, as whom the identity rule says.
pub fn judge(oracle: &Oracle, body: &str, summary: &str) -> Session {
    let Some(rule) = &oracle.identity else {
        return Session::SignedIn { identity: None };
    };
    match identity_on_page(rule, body) {
        Ok(id) => Session::SignedIn { identity: Some(id) },
        Err(why) => Session::Unidentified {
            how: format!("protected page shows no identity ({summary}): {why}"),
        },
    }
}

/// An SP that read several identities from one response (samlify < 2.4.0 hands the
/// application an array when several NameIDs match): the items (a string as it is, another
/// value as its JSON text, nulls left out), one when they agree (as the judge compares: XML
/// whitespace trimmed, ASCII case ignored), else all of them joined with `, ` (the judge
/// reads each, see [`identities_in`]); None when nothing is left.
fn several_identities(items: &[serde_json::Value]) -> Option<String> {
    let mut distinct: Vec<String> = Vec::new();
    for item in items.iter().filter(|v| !v.is_null()) {
        let id = item
            .as_str()
            .map_or_else(|| item.to_string(), str::to_owned);
        if !distinct.iter().any(|d| same_identity(d, &id)) {
            distinct.push(id);
        }
    }
    match distinct.len() {
        0 => None,
        1 => distinct.pop(),
        _ => Some(distinct.join(", ")),
    }
}

/// Whether two identities are the same user, as the judge compares them: XML whitespace
/// trimmed, ASCII case ignored (a no-break space is not trimmed: it makes a look-alike).
pub fn same_identity(a: &str, b: &str) -> bool {
    let bare = saml_protocol::trim_xml_whitespace;
    bare(a).eq_ignore_ascii_case(bare(b))
}

/// The identities an oracle's reading holds: more than one when the page showed several,
/// as a JSON array ([`several_identities`]) or as a script writes one (`a,b`).
pub fn identities_in(identity: &str) -> impl Iterator<Item = &str> {
    identity
        .split(',')
        .map(saml_protocol::trim_xml_whitespace)
        .filter(|id| !id.is_empty())
}

/// The identity `rule` finds in `body`, or what kept it from finding one.
fn identity_on_page(rule: &IdentityRule, body: &str) -> Result<String, String> {
    match rule {
        IdentityRule::JsonPointer(pointer) => {
            let json: serde_json::Value = serde_json::from_str(body).map_err(|e| {
                format!("the page is not JSON ({e}); hint: for an HTML page use `identity: {{regex: 'Signed in as ([^<]+)<'}}`")
            })?;
            match json.pointer(pointer) {
                Some(serde_json::Value::String(id)) => Ok(id.clone()),
                Some(serde_json::Value::Array(items)) if !items.is_empty() => {
                    several_identities(items).ok_or_else(|| {
                        format!("{pointer} holds {}, nothing but nulls; hint: point at the text of the user's name", serde_json::Value::Array(items.clone()))
                    })
                }
                Some(other) => Err(format!(
                    "{pointer} holds {other}, not a string; hint: point at the text of the user's name"
                )),
                None => {
                    let keys = json
                        .as_object()
                        .map(|o| o.keys().cloned().collect::<Vec<_>>().join(", "))
                        .unwrap_or_default();
                    Err(format!(
                        "the JSON has nothing at {pointer} (top-level keys: {keys}); hint: fix `sp.oracle.identity.json_pointer`"
                    ))
                }
            }
        }
        // An HTML page may write the identity with character references (`&nbsp;`, `&#xFF41;`).
        IdentityRule::Regex(re) => re
            .captures(body)
            .and_then(|c| c.get(1))
            .map(|m| {
                quick_xml::escape::unescape_with(m.as_str(), quick_xml::escape::resolve_html5_entity)
                    .map_or_else(|_| m.as_str().to_owned(), |s| s.into_owned())
            })
            .ok_or_else(|| {
                format!("the regex {:?} does not match the page; hint: check `sp.oracle.identity.regex` against the page a signed-in user sees", re.as_str())
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oracle(rule: IdentityRule) -> Oracle {
        Oracle {
            url: "http://sp/me".into(),
            identity: Some(rule),
        }
    }

    #[test]
    fn a_regex_oracle_reads_character_references() {
        let regex = oracle(IdentityRule::Regex(
            regex::Regex::new("Signed in as ([^<]+)<").unwrap(),
        ));
        assert_eq!(
            judge(
                &regex,
                "<p>Signed in as a&amp;b&#xFF41;@x.test&nbsp;</p>",
                "200"
            ),
            Session::SignedIn {
                identity: Some("a&b\u{ff41}@x.test\u{a0}".into())
            }
        );
    }

    #[test]
    fn a_json_array_of_identities_is_read_as_all_of_them() {
        // samlify < 2.4.0 reads every NameID in the document; its application stores the array.
        let pointer = oracle(IdentityRule::JsonPointer("/name_id".into()));
        let signed_in = |id: &str| Session::SignedIn {
            identity: Some(id.into()),
        };
        assert_eq!(
            judge(
                &pointer,
                r#"{"name_id": ["admin@x.test", "b@x.test"]}"#,
                "200"
            ),
            signed_in("admin@x.test, b@x.test")
        );
        assert_eq!(
            judge(&pointer, r#"{"name_id": ["b@x.test", "B@x.test "]}"#, "200"),
            signed_in("b@x.test")
        );
        assert_eq!(
            judge(&pointer, r#"{"name_id": ["admin@x.test", null]}"#, "200"),
            signed_in("admin@x.test")
        );
        assert_eq!(
            identities_in("admin@x.test\u{a0}, b@x.test").collect::<Vec<_>>(),
            ["admin@x.test\u{a0}", "b@x.test"]
        );
    }

    #[test]
    fn an_unreadable_oracle_page_says_what_was_wrong() {
        let pointer = oracle(IdentityRule::JsonPointer("/name_id".into()));
        let how = |s: Session| match s {
            Session::Unidentified { how } => how,
            other => panic!("{other:?}"),
        };
        assert!(how(judge(&pointer, "<html>hi</html>", "200")).contains("not JSON"));
        assert!(how(judge(&pointer, r#"{"user": "a"}"#, "200")).contains("top-level keys: user"));
        assert!(how(judge(&pointer, r#"{"name_id": 7}"#, "200")).contains("not a string"));
        assert!(how(judge(&pointer, r#"{"name_id": [null]}"#, "200")).contains("nothing but nulls"));
        assert_eq!(
            judge(
                &pointer,
                r#"{"name_id": ["b@x.test", {"v": "admin@x.test"}]}"#,
                "200"
            ),
            Session::SignedIn {
                identity: Some(r#"b@x.test, {"v":"admin@x.test"}"#.into())
            }
        );
        assert!(how(judge(&pointer, r#"{"name_id": []}"#, "200")).contains("not a string"));
        assert_eq!(
            judge(&pointer, r#"{"name_id": "a@b.test"}"#, "200"),
            Session::SignedIn {
                identity: Some("a@b.test".into())
            }
        );
        let regex = oracle(IdentityRule::Regex(regex::Regex::new("as (\\S+)").unwrap()));
        assert!(how(judge(&regex, "nobody", "200")).contains("does not match"));
    }
}
