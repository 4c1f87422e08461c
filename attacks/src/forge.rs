//! The inputs an edit gets and what it gives back.

use openssl::pkey::{PKey, Private};
use openssl::x509::X509;

use crate::identity::Swap;

/// Why a check produced nothing to post: it does not apply to this run, or building the
/// artifact failed. Typed, never a panic.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Skip {
    /// The check needs something this run lacks (a signed Response, the IdP's key, …).
    #[error("{0}")]
    NotApplicable(String),
    /// Building the artifact failed (a library or harness error): the check could not run.
    #[error("{0}")]
    Failed(String),
}

/// The IdP's signing key, held only when the harness plays the IdP itself.
pub struct IdpKey {
    /// The private key.
    pub key: PKey<Private>,
}

/// What an edit may use.
pub struct Forge<'a> {
    /// The IdP-signed response for the attacker's own login (this session's).
    pub seed: &'a str,
    /// The IdP's key: given only to checks whose artifact the IdP itself would sign.
    pub idp_key: Option<&'a IdpKey>,
    /// Unrelated IdP-signed XML blobs, for TM-C.
    pub donors: Donors<'a>,
    /// Where this check's fetches land, for the checks that make the SP fetch.
    pub canary: Option<&'a Canary>,
    /// What the SP's metadata says.
    pub sp: SpFacts<'a>,
}

/// What the SP's metadata says that some checks need.
#[derive(Clone, Copy, Debug, Default)]
pub struct SpFacts<'a> {
    /// Its encryption certificate, for the encrypted-assertion checks.
    pub encryption_certificate: Option<&'a X509>,
    /// Whether it asks for signed assertions (`WantAssertionsSigned="true"`).
    pub wants_assertions_signed: bool,
}

/// The harness's canary listener as one check sees it: a URL prefix no other check uses.
/// Any request under it means the SP fetched a URL the document named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Canary {
    /// `http://127.0.0.1:PORT/canary/TOKEN`, without a trailing slash.
    pub prefix: String,
    /// An absolute path to a local file the harness wrote for this check: one line, no
    /// newline, that only the canary knows, so its content arriving proves a file was read
    /// (or what the check's document needs it to be: [`Forged::local_file`]).
    pub file: String,
}

impl Canary {
    /// [`Canary::file`] as a `file://` URL, every byte but letters, digits and `/._~-`
    /// percent-encoded (a space or a `%` in the temporary directory's path would otherwise
    /// name another file, and a `"` end the DOCTYPE's literal).
    pub fn file_url(&self) -> String {
        const PATH: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
            .remove(b'/')
            .remove(b'.')
            .remove(b'_')
            .remove(b'~')
            .remove(b'-');
        format!(
            "file://{}",
            percent_encoding::utf8_percent_encode(&self.file, PATH)
        )
    }
}

/// A document the canary listener serves under a check's prefix (an external DTD that
/// goes on to read a file, say).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Served {
    /// The path below the check's prefix (`evil.dtd`).
    pub path: String,
    /// The body.
    pub body: String,
}

/// IdP-signed XML an attacker can obtain without the key (TM-C): Entra publishes the app's
/// signed federation metadata to anyone. (Its LogoutResponse travels by HTTP-Redirect, signed
/// in the query, so it is no XML-signed blob.)
#[derive(Clone, Copy, Debug, Default)]
pub struct Donors<'a> {
    /// The app's signed federation metadata.
    pub metadata: Option<&'a str>,
}

impl<'a> Forge<'a> {
    /// A forge of `seed` alone: no IdP key, donors, canary or SP facts (what an attacker
    /// holding only their own login's response has).
    pub fn bare(seed: &'a str) -> Forge<'a> {
        Forge {
            seed,
            idp_key: None,
            donors: Donors::default(),
            canary: None,
            sp: SpFacts::default(),
        }
    }

    /// The IdP's key, or a not-applicable naming why it is missing.
    pub fn idp_key(&self) -> Result<&IdpKey, Skip> {
        self.idp_key.ok_or_else(|| {
            Skip::NotApplicable("needs a response the IdP itself signs this way; the harness does not hold the running IdP's key (use the built-in IdP, without `idp.url`)".into())
        })
    }

    /// This check's canary prefix, or a not-applicable.
    pub fn canary(&self) -> Result<&Canary, Skip> {
        self.canary.ok_or_else(|| {
            Skip::NotApplicable("needs the canary listener, which this run did not start".into())
        })
    }

    /// The SP's encryption certificate, or a not-applicable.
    pub fn sp_certificate(&self) -> Result<&X509, Skip> {
        self.sp.encryption_certificate.ok_or_else(|| {
            Skip::NotApplicable(
                "needs the SP's encryption certificate: its metadata lists none (a KeyDescriptor with use=\"encryption\" or no use); hint: set sp.metadata to the SP's metadata".into(),
            )
        })
    }

    /// The IdP's signed metadata, or a not-applicable.
    pub fn metadata(&self) -> Result<&str, Skip> {
        self.donors.metadata.ok_or_else(|| {
            Skip::NotApplicable(
                "needs the IdP's signed federation metadata (with `idp.url`, name it in `idp.metadata`)".into(),
            )
        })
    }
}

/// What to post, and what identity acceptance would reveal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forged {
    /// The SAMLResponse XML.
    pub xml: String,
    /// The identity swap (empty for checks that keep the user's identity).
    pub swap: Swap,
    /// What the canary listener must serve for this document to do its work.
    pub served: Vec<Served>,
    /// What the check's local file ([`Canary::file`]) must be, in place of its secret, for
    /// this document to do its work.
    pub local_file: Option<LocalFile>,
}

/// What a check needs its local file ([`Canary::file`]) to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocalFile {
    /// A regular file holding this text: a login then proves the SP read it.
    Holding(String),
    /// An empty file the harness watches: any open of it proves the SP
    /// read a local file the document named (a parser that blocks the network but not
    /// `file:` URIs, which never reaches the canary's URLs).
    Watched,
}

impl Forged {
    /// A response that keeps the user's identity.
    pub fn same_identity(xml: String) -> Forged {
        Forged {
            xml,
            swap: Swap::default(),
            served: Vec::new(),
            local_file: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_url_encodes_what_would_name_another_file() {
        let canary = |file: &str| Canary {
            prefix: String::new(),
            file: file.into(),
        };
        assert_eq!(
            canary("/tmp/saml-harness-canary-0f_a.b~c").file_url(),
            "file:///tmp/saml-harness-canary-0f_a.b~c"
        );
        assert_eq!(
            canary("/tmp/a b/p%41/\"q\"").file_url(),
            "file:///tmp/a%20b/p%2541/%22q%22"
        );
    }
}
