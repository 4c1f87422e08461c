//! insta snapshots of what every check posts, built from the built-in tenant's response for
//! B.Simon: one element per line; IDs, times, digests, signatures and certificates redacted.

mod common;

use attacks::{Edit, CATALOGUE};
use mock_idp::response::SignWhat;

#[test]
fn every_check_posts_what_its_snapshot_shows() {
    let (idp, login) = common::login(time::macros::datetime!(2026-01-01 10:00 UTC));
    for check in CATALOGUE
        .iter()
        .filter(|c| matches!(c.edit, Edit::Bytes(_)))
    {
        let forged = common::forge(&idp, &login, check, SignWhat::Assertion)
            .unwrap_or_else(|e| panic!("{}: {e}", check.id));
        let whole = match forged.swap.untouched.as_slice() {
            [] => String::new(),
            left => format!("left whole: {left:?}\n"),
        };
        let mut shown = format!(
            "forged identity: {:?}\nattacker's own: {:?}\n{whole}\n{}",
            forged.swap.forged,
            forged.swap.genuine,
            forged.xml.replace("><", ">\n<")
        );
        for s in &forged.served {
            shown.push_str(&format!(
                "\n\nserved by the canary at {}:\n{}",
                s.path, s.body
            ));
        }
        insta::with_settings!({filters => vec![
            (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z", "[TIME]"),
            (r"(<(ds:)?DigestValue>)[A-Za-z0-9+/=]+", "$1[DIGEST]"),
            (r"(<!--)[A-Za-z0-9+/=]{20,}(-->)", "$1[DIGEST]$2"),
            (r"(-->)[A-Za-z0-9+/=]{20,}(</(ds:)?DigestValue>)", "$1[DIGEST]$2"),
            (r"(<(ds:)?SignatureValue>)[^<]+", "$1[SIGNATURE]"),
            (r"(<(ds:)?X509Certificate>)[^<]+", "$1[CERT]"),
            (r"(<Modulus>)[^<]+", "$1[MODULUS]"),
            (r"(<xenc:CipherValue>)[^<]+", "$1[CIPHER]"),
            (r#"(ID|SessionIndex)="_[0-9a-f-]{36}"#, "$1=\"[ID]"),
            (r##"URI="#_[0-9a-f-]{36}"##, "URI=\"#[ID]"),
        ], snapshot_suffix => check.id.replace('/', "__")}, {
            insta::assert_snapshot!("check", shown);
        });
    }
}

#[test]
fn every_burden_posts_what_its_snapshot_shows() {
    let (idp, login) = common::login(time::macros::datetime!(2026-01-01 10:00 UTC));
    let seed = idp.sign(&idp.config.apps[0], &login).unwrap();
    let sp = common::sp_certificate();
    let facts = attacks::SpFacts {
        encryption_certificate: Some(&sp),
        wants_assertions_signed: true,
    };
    for check in CATALOGUE
        .iter()
        .filter(|c| matches!(c.edit, Edit::Exhaust(_)))
    {
        let burden = check
            .burden(&seed, facts)
            .unwrap_or_else(|e| panic!("{}: {e}", check.id));
        let how = match burden.by_redirect {
            true => "sent by HTTP-Redirect (a GET)",
            false => "posted",
        };
        let shown = format!(
            "{} bytes {how}\n{}",
            burden.encoded.len(),
            burden.shown.replace("><", ">\n<")
        );
        insta::with_settings!({filters => vec![
            (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z", "[TIME]"),
            (r"(<(ds:)?DigestValue>)[A-Za-z0-9+/=]+", "$1[DIGEST]"),
            (r"(<(ds:)?SignatureValue>)[^<]+", "$1[SIGNATURE]"),
            (r"(<(ds:)?X509Certificate>)[^<]+", "$1[CERT]"),
            (r"(<xenc:CipherValue>)[^<]+", "$1[CIPHER]"),
            (r#"(ID|SessionIndex)="_[0-9a-f-]{36}"#, "$1=\"[ID]"),
            (r##"URI="#_[0-9a-f-]{36}"##, "URI=\"#[ID]"),
        ], snapshot_suffix => check.id.replace('/', "__")}, {
            insta::assert_snapshot!("burden", shown);
        });
    }
}
