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

/// The answer-difference checks' variants fail where they say: opened with the SP's key
/// (`fixtures/keys/sp-1`), the first has no padding length, the second is not well-formed,
/// the third is an empty Assertion, the fourth the IdP's Assertion with a broken signature.
#[test]
fn every_oracle_variant_decrypts_to_what_it_names() {
    use saml_protocol::xmlenc::{self, Unopened, XENC_NS};
    let (idp, login) = common::login(time::macros::datetime!(2026-01-01 10:00 UTC));
    let seed = idp.sign(&idp.config.apps[0], &login).unwrap();
    let sp = common::sp_certificate();
    let key = openssl::pkey::PKey::private_key_from_pem(include_bytes!(
        "../../fixtures/keys/sp-1.key.pem"
    ))
    .unwrap();
    let facts = attacks::SpFacts {
        encryption_certificate: Some(&sp),
        wants_assertions_signed: true,
    };
    let oracles: Vec<_> = CATALOGUE
        .iter()
        .filter(|c| matches!(c.edit, Edit::Oracle(_)))
        .collect();
    assert!(!oracles.is_empty());
    for check in oracles {
        let variants = check.variants(&seed, facts).unwrap();
        let opened: Vec<Result<String, Unopened>> = variants
            .iter()
            .map(|v| {
                let doc = roxmltree::Document::parse(&v.xml).unwrap();
                let value = |name: &str| {
                    let holder = doc
                        .descendants()
                        .find(|n| n.has_tag_name((XENC_NS, name)))
                        .unwrap();
                    let text = holder
                        .children()
                        .find(|n| n.has_tag_name((XENC_NS, "CipherData")))
                        .and_then(|d| d.first_element_child())
                        .and_then(|c| c.text())
                        .unwrap();
                    base64::Engine::decode(&base64::engine::general_purpose::STANDARD, text)
                        .unwrap()
                };
                let content_key =
                    xmlenc::unwrap_key(&value("EncryptedKey"), &key, xmlenc::RSA_OAEP).unwrap();
                xmlenc::open(&value("EncryptedData"), &content_key, xmlenc::AES256_CBC)
                    .map(|p| String::from_utf8(p).unwrap())
            })
            .collect();
        let well_formed = |r: &Result<String, Unopened>| {
            r.as_ref()
                .is_ok_and(|p| roxmltree::Document::parse(p).is_ok())
        };
        assert_eq!(opened[0], Err(Unopened::Padding), "{}", check.id);
        assert!(
            opened[1].is_ok() && !well_formed(&opened[1]),
            "{}",
            check.id
        );
        assert!(well_formed(&opened[2]), "{}: {:?}", check.id, opened[2]);
        // The IdP's own Assertion, whole but for one character of its SignatureValue.
        let broken = opened[3].as_ref().unwrap();
        assert!(
            well_formed(&opened[3]) && broken.contains("B.Simon"),
            "{}",
            check.id
        );
        let value = |xml: &str| {
            let start = xml.find("SignatureValue>").unwrap() + "SignatureValue>".len();
            xml[start..start + xml[start..].find('<').unwrap()].to_owned()
        };
        let original = &seed[seed.find("<Assertion").unwrap()..];
        assert_ne!(value(broken), value(original), "{}", check.id);
        // From an IdP that encrypts already, the EncryptedAssertion is replaced: the three
        // variants that need no plaintext.
        let mut encrypting = idp.config.apps[0].clone();
        encrypting.token_encryption_certificate = Some(sp.clone());
        let mut sealed = login.clone();
        sealed.encrypt_to = Some(sp.clone());
        let encrypted_seed = idp.sign(&encrypting, &sealed).unwrap();
        assert!(!encrypted_seed.contains("<Assertion"));
        let variants = check.variants(&encrypted_seed, facts).unwrap();
        assert_eq!(variants.len(), 3, "{}", check.id);
        for v in &variants {
            assert_eq!(
                v.xml.matches("EncryptedAssertion>").count(),
                1,
                "{}",
                v.what
            );
        }
    }
}
