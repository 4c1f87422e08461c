//! reference-sp: a small, careful SAML 2.0 service provider, used as the harness's bundled
//! target. It validates responses as a careful SP does (signature through libxmlsec1, issuer,
//! destination, recipient, time window, InResponseTo, replay, audience), and each [`Flaw`]
//! switches exactly one of those checks off, so tests can show every expectation failing.

pub mod dsig;
pub mod server;
pub mod trust;
pub mod validate;

use std::collections::BTreeSet;

/// One check the reference SP can be told to skip (`saml-harness sp serve --flaw NAME`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Flaw {
    /// Accept responses whose signature is missing, invalid or made with an untrusted key.
    Signature,
    /// Accept an Audience that is not this SP's entity ID.
    Audience,
    /// Accept a SubjectConfirmationData Recipient that is not this SP's ACS URL.
    Recipient,
    /// Accept a Response Destination that is not this SP's ACS URL.
    Destination,
    /// Accept assertions outside their NotBefore / NotOnOrAfter window.
    TimeWindow,
    /// Accept an InResponseTo this SP never sent (or none at all).
    InResponseTo,
    /// Accept the same assertion twice.
    Replay,
    /// Accept an Issuer other than the trusted IdP.
    Issuer,
    /// Read the first Assertion in the document even when another one carries the signature.
    SignatureWrapping,
}

impl Flaw {
    /// Every flaw, in a stable order.
    pub const ALL: [Flaw; 9] = [
        Flaw::Signature,
        Flaw::Audience,
        Flaw::Recipient,
        Flaw::Destination,
        Flaw::TimeWindow,
        Flaw::InResponseTo,
        Flaw::Replay,
        Flaw::Issuer,
        Flaw::SignatureWrapping,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Flaw::Signature => "signature",
            Flaw::Audience => "audience",
            Flaw::Recipient => "recipient",
            Flaw::Destination => "destination",
            Flaw::TimeWindow => "time-window",
            Flaw::InResponseTo => "in-response-to",
            Flaw::Replay => "replay",
            Flaw::Issuer => "issuer",
            Flaw::SignatureWrapping => "signature-wrapping",
        }
    }

    /// What turning the check off means, for `--help`.
    pub fn describe(self) -> &'static str {
        match self {
            Flaw::Signature => "accept unsigned, tampered or untrusted-key responses",
            Flaw::Audience => "accept an Audience that is not this SP",
            Flaw::Recipient => "accept a Recipient that is not this ACS",
            Flaw::Destination => "accept a Destination that is not this ACS",
            Flaw::TimeWindow => "accept expired and not-yet-valid assertions",
            Flaw::InResponseTo => "accept responses to requests this SP never sent",
            Flaw::Replay => "accept the same assertion twice",
            Flaw::Issuer => "accept an Issuer other than the trusted IdP",
            Flaw::SignatureWrapping => {
                "read the first Assertion even if another one is signed (XSW)"
            }
        }
    }

    /// Looks a flaw up by its command-line name.
    pub fn from_name(name: &str) -> Option<Flaw> {
        Flaw::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// The checks switched off.
pub type Flaws = BTreeSet<Flaw>;
