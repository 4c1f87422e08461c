//! The catalogue check nearest a fuzz finding: the published shape its (shrunk) chain
//! reproduces, as data. A finding no row names is new to the catalogue.

use super::{
    Algorithm, Chain, DigestPlacement, IdChange, Mutation, Outer, Place, Splitter, Target, Wrapper,
};

/// One row: what an edit looks like, and the check that builds the same shape.
struct Row {
    matches: fn(&Mutation) -> bool,
    check: &'static str,
}

/// Most specific first: the first row one of the chain's edits matches names the check.
const ROWS: &[Row] = &[
    Row {
        matches: |m| {
            matches!(
                m,
                Mutation::Copy {
                    place: Place::Around,
                    what: Target::Assertion,
                    ..
                }
            )
        },
        check: "parse/schema/assertion-in-assertion",
    },
    Row {
        matches: |m| {
            matches!(
                m,
                Mutation::Copy {
                    place: Place::Around,
                    what: Target::Response,
                    ..
                }
            )
        },
        check: "parse/schema/response-in-response",
    },
    Row {
        matches: |m| {
            matches!(
                m,
                Mutation::Copy {
                    outer: Outer::Wrapped(Wrapper::Signature),
                    what: Target::Subject | Target::NameId,
                    ..
                }
            )
        },
        check: "dsig/enveloped-over-removal",
    },
    Row {
        matches: |m| {
            matches!(
                m,
                Mutation::Copy {
                    outer: Outer::ForeignNamespace,
                    what: Target::Assertion | Target::LastAssertion,
                    ..
                }
            )
        },
        check: "parse/namespace/foreign-assertion",
    },
    Row {
        matches: |m| {
            matches!(
                m,
                Mutation::Copy {
                    id: IdChange::Namespaced,
                    what: Target::Assertion | Target::LastAssertion,
                    ..
                }
            )
        },
        check: "xsw/attribute-pollution",
    },
    Row {
        matches: |m| {
            matches!(
                m,
                Mutation::Copy {
                    outer: Outer::Wrapped(Wrapper::Advice),
                    what: Target::Assertion | Target::LastAssertion,
                    ..
                }
            )
        },
        check: "xsw/advice",
    },
    Row {
        matches: |m| {
            matches!(
                m,
                Mutation::Copy {
                    what: Target::Response,
                    place: Place::Before | Place::After,
                    anchor: Target::Response,
                    ..
                }
            )
        },
        check: "xsw/roots/donor-first",
    },
    Row {
        matches: |m| {
            matches!(
                m,
                Mutation::Copy {
                    forged: true,
                    what: Target::Assertion | Target::LastAssertion,
                    place: Place::After | Place::LastChild,
                    ..
                }
            )
        },
        check: "xsw/assertions/signed-first",
    },
    Row {
        matches: |m| {
            matches!(
                m,
                Mutation::Copy {
                    forged: true,
                    what: Target::Assertion | Target::LastAssertion,
                    place: Place::Before | Place::FirstChild,
                    ..
                }
            )
        },
        check: "xsw/assertions/forged-first",
    },
    Row {
        matches: |m| {
            matches!(
                m,
                Mutation::Redigest {
                    into: DigestPlacement::CommentFirst
                }
            )
        },
        check: "dsig/comment-in-digest-value",
    },
    Row {
        matches: |m| {
            matches!(
                m,
                Mutation::Redigest {
                    into: DigestPlacement::StatusDetail
                }
            )
        },
        check: "dsig/digest-value-smuggled",
    },
    Row {
        matches: |m| {
            matches!(
                m,
                Mutation::Algorithm {
                    to: Algorithm::DsaSha1
                }
            )
        },
        check: "sig/verify-error/dsa-method",
    },
    Row {
        matches: |m| {
            matches!(
                m,
                Mutation::Algorithm {
                    to: Algorithm::EcdsaSha256
                }
            )
        },
        check: "sig/verify-error/ecdsa-method",
    },
    Row {
        matches: |m| matches!(m, Mutation::HmacSign),
        check: "sig/hmac/sha256",
    },
    Row {
        matches: |m| matches!(m, Mutation::SelfSign),
        check: "sig/keyinfo/x509",
    },
    Row {
        matches: |m| {
            matches!(
                m,
                Mutation::SplitIdentity {
                    with: Splitter::Comment
                }
            )
        },
        check: "canon/comment/name-id",
    },
    Row {
        matches: |m| {
            matches!(
                m,
                Mutation::SplitIdentity {
                    with: Splitter::Cdata
                }
            )
        },
        check: "canon/cdata/name-id",
    },
    Row {
        matches: |m| {
            matches!(
                m,
                Mutation::SplitIdentity {
                    with: Splitter::Entity
                }
            )
        },
        check: "canon/entity/name-id",
    },
    Row {
        matches: |m| matches!(m, Mutation::Reprefix { on: Target::NameId }),
        check: "sig/none-saml2-prefixed",
    },
    Row {
        matches: |m| {
            matches!(
                m,
                Mutation::Remove {
                    what: Target::AssertionSignature | Target::ResponseSignature
                }
            )
        },
        check: "sig/none",
    },
    Row {
        matches: |m| matches!(m, Mutation::ForgeIdentity { .. }),
        check: "sig/tampered",
    },
];

/// The id of the catalogue check whose shape `chain` reproduces, if one does.
pub fn nearest_check(chain: &Chain) -> Option<&'static str> {
    ROWS.iter()
        .find(|row| chain.edits.iter().any(row.matches))
        .map(|row| row.check)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_names_a_check_in_the_catalogue() {
        for row in ROWS {
            assert!(
                crate::select::by_id(row.check).is_some(),
                "{} is not a catalogue id",
                row.check
            );
        }
    }

    #[test]
    fn the_most_specific_shape_wins() {
        let chain = Chain {
            seed: super::super::SeedSigning::Assertion,
            edits: vec![
                Mutation::ForgeIdentity {
                    within: Target::Assertion,
                },
                Mutation::Redigest {
                    into: DigestPlacement::StatusDetail,
                },
            ],
        };
        assert_eq!(nearest_check(&chain), Some("dsig/digest-value-smuggled"));
        let split = Chain {
            seed: super::super::SeedSigning::Assertion,
            edits: vec![Mutation::SplitIdentity {
                with: Splitter::ProcessingInstruction,
            }],
        };
        assert_eq!(nearest_check(&split), None);
    }
}
