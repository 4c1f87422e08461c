//! Every edit, on arbitrary valid seeds (any user name and claim values, any signing option),
//! yields bytes or a typed not-applicable: never a panic.

mod common;

use attacks::{Edit, CATALOGUE};
use mock_idp::response::{Attribute, SignWhat};
use proptest::prelude::*;

fn sign_what() -> impl Strategy<Value = SignWhat> {
    prop_oneof![
        Just(SignWhat::Assertion),
        Just(SignWhat::Response),
        Just(SignWhat::Both)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn edits_never_panic(
        name_id in "[A-Za-z0-9._<>&\"' -]{0,24}(@[a-z]{1,8}\\.test)?",
        value in "[ -~]{0,16}",
        extra in proptest::collection::vec("[a-z]{1,6}", 0..4),
        sign in sign_what(),
    ) {
        let (idp, mut login) = common::login(time::OffsetDateTime::now_utc());
        login.name_id = name_id.clone();
        login.attributes.push(Attribute {
            name: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress".into(),
            values: vec![value.clone()],
        });
        for e in extra {
            login.attributes.push(Attribute { name: e.clone(), values: vec![e] });
        }
        for check in CATALOGUE.iter().filter(|c| matches!(c.edit, Edit::Bytes(_))) {
            if let Ok(forged) = common::forge(&idp, &login, check, sign) {
                prop_assert!(!forged.xml.is_empty(), "{} produced nothing", check.id);
            }
        }
    }
}
