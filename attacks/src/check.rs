//! What a check is: data about an attack, plus the edit that builds it.

use serde::Serialize;

use crate::forge::{Canary, Donors, Forge, Forged, IdpKey, Skip, SpFacts};

/// How bad it is when an SP lets the attack through (the check's, not the run's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Anyone can sign in as anyone.
    Critical,
    /// A stale, misdirected or replayed token is honoured.
    High,
    /// A conformance gap that enables narrower attacks.
    Medium,
    /// Hygiene.
    Low,
}

impl Severity {
    /// The lowercase name (`critical`, …).
    pub fn name(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

/// What the attacker must hold (the TM column of the research catalogue).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Capability {
    /// No IdP-signed material at all.
    #[serde(rename = "TM-A")]
    NothingSigned,
    /// One valid signed response for the attacker's own low-privilege account.
    #[serde(rename = "TM-B")]
    OwnAccount,
    /// Any IdP-signed XML blob (Entra's: the app's signed federation metadata).
    #[serde(rename = "TM-C")]
    AnySignedBlob,
    /// A valid assertion issued for someone or somewhere else (another SP, expired, replayed).
    #[serde(rename = "TM-D")]
    MisdirectedToken,
    /// Configuration conformance: the IdP signs something the spec forbids.
    #[serde(rename = "TM-E")]
    NonConformingIdp,
}

impl Capability {
    /// The research catalogue's code (`TM-A` …).
    pub fn code(self) -> &'static str {
        match self {
            Capability::NothingSigned => "TM-A",
            Capability::OwnAccount => "TM-B",
            Capability::AnySignedBlob => "TM-C",
            Capability::MisdirectedToken => "TM-D",
            Capability::NonConformingIdp => "TM-E",
        }
    }

    /// Whether the artifact needs a signature only the IdP can make.
    pub fn needs_idp_signature(self) -> bool {
        matches!(
            self,
            Capability::MisdirectedToken | Capability::NonConformingIdp
        )
    }
}

/// Which signed seed the edit starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Seed {
    /// Whatever the IdP sends.
    Any,
    /// The Assertion carries a signature (Entra's default "Sign SAML assertion").
    AssertionSigned,
    /// The Response carries a signature.
    ResponseSigned,
}

/// What acceptance means: who the verdict judge should look for in the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Goal {
    /// Sign in as the forged target identity: `vulnerable` if it is the one signed in.
    Impersonate,
    /// Get a stale or misdirected token honoured: any acceptance is `vulnerable`.
    Misuse,
    /// The spec says MUST refuse, but there is no standalone exploit: acceptance is `nonstrict`.
    Strictness,
    /// The document names URLs on the harness's canary listener: any fetch is `vulnerable`
    /// (SSRF, and file disclosure when the fetch carries a file's content), whoever signs in.
    Contain,
    /// After the login the browser must stay on the SP: a redirect to another origin is
    /// `vulnerable` (an open redirect), whoever signs in.
    StayOnSite,
    /// The session after the login must not be reachable with the cookies the browser held
    /// before it: if it is, `vulnerable` (session fixation).
    FreshSession,
    /// A browser that never signed in must not get the protected page, whatever it sends:
    /// served to it, the page is `vulnerable` (an authentication bypass).
    StayProtected,
    /// The ACS's answer to a message it cannot process must not show a stack trace: if it
    /// does, `vulnerable` (information disclosure), whoever signs in.
    Discreet,
    /// The ACS's answer must not carry the check's RelayState markup unescaped: if its HTML
    /// does, `vulnerable` (reflected cross-site scripting), whoever signs in.
    Escape,
    /// A signed-in session must survive a forged sign-out message: ended by it, `vulnerable`
    /// (anyone can sign the victim out); a pass needs the IdP's own message to end it.
    StaySignedIn,
    /// The SP must refuse a message built to exhaust it about as fast as a same-size
    /// yardstick, and keep signing users in: signing in the user the burden carries (it did
    /// all the work), every round's burden unanswered or at least 500 ms and the burden's
    /// ratio times the fastest yardstick, or a good login failing afterwards is `vulnerable`
    /// (denial of service).
    Withstand,
    /// The SP must answer every variant of an undecryptable message alike (status, and where
    /// a redirect leads), round after round: answers that tell them apart are `vulnerable`
    /// (a decryption oracle).
    AnswerAlike,
}

/// The check's family: the first segment of its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// Signature presence and key trust.
    Sig,
    /// XML signature wrapping.
    Xsw,
    /// XML-DSig internals.
    Dsig,
    /// Text and canonicalization.
    Canon,
    /// Parser differentials.
    Parse,
    /// Time conditions.
    Cond,
    /// Audience restriction.
    Aud,
    /// Subject confirmation.
    Subj,
    /// Protocol fields (Destination, InResponseTo, Issuer, replay).
    Prot,
    /// Encrypted assertions.
    Enc,
    /// External entities, DTDs and XInclude that make the SP fetch URLs or read files.
    Xxe,
    /// RelayState: where the SP sends the browser after the login.
    Relay,
    /// The session the login opens.
    Session,
    /// Bindings and endpoints: how requests reach the SP.
    Bind,
    /// What the SP's error pages reveal.
    Info,
    /// Single logout: sign-out messages the SP must authenticate.
    Slo,
    /// Denial of service: small messages that cost the SP far more than their size.
    Dos,
    /// IdP metadata the SP re-reads: keys rolled over or marked for other uses.
    Meta,
}

/// `headers` as `Name: value` lines joined by `separator`.
pub fn header_lines(headers: &[(&str, &str)], separator: &str) -> String {
    headers
        .iter()
        .map(|(n, v)| format!("{n}: {v}"))
        .collect::<Vec<_>>()
        .join(separator)
}

/// How a check builds what it posts.
#[derive(Clone, Copy)]
pub enum Edit {
    /// Edit the IdP-signed seed.
    Bytes(fn(&Forge) -> Result<Forged, Skip>),
    /// Post the accepted good response again, in a fresh session.
    Replay,
    /// Post the IdP's own response with this RelayState instead of the SP's.
    RelayState(&'static str),
    /// Post the IdP's own response for an IdP-initiated login (no InResponseTo, as Entra signs
    /// one when the user starts from My Apps) with this RelayState.
    UnsolicitedRelayState(&'static str),
    /// Post the IdP's own response unchanged (checks that judge what surrounds a good login).
    Genuine,
    /// Start the login in one browser and post the IdP's own response to it, unchanged, from
    /// a second browser (the request must be bound to the browser that sent it).
    OtherBrowser(SecondBrowser),
    /// Send the IdP's own response unchanged by HTTP-Redirect: a GET of the ACS with
    /// `SAMLResponse` deflated into the query (and the RelayState beside it).
    ByRedirect,
    /// No login: a fresh browser asks for the protected page with these extra headers.
    AnonymousHeaders(&'static [(&'static str, &'static str)]),
    /// No login: a fresh browser opens the scenario's sign-on URL with each of these query
    /// parameters set to [`crate::catalogue::REFLECTED_MARKUP`], following the SP's redirects
    /// on its own origin.
    SignOnQuery(&'static [&'static str]),
    /// The login starts at the scenario's `sp.return_to` URL with this return address; the
    /// IdP's own response is posted unchanged.
    ReturnTo(&'static str),
    /// No login: a fresh browser opens the scenario's `sp.logout_return_to` URL with this
    /// return address.
    LogoutReturnTo(&'static str),
    /// After a good login, the browser opens the SP's single logout URL with the IdP's
    /// LogoutRequest for that session, forged this way.
    Logout(LogoutForgery),
    /// Post this `SAMLResponse` value, built from the IdP's response to exhaust the SP (it
    /// may be more than base64 of XML: a deflate bomb is base64 of deflated XML).
    Exhaust(fn(&Forge) -> Result<Burden, Skip>),
    /// Post each of these variants of the IdP's response (each from a fresh login, twice) and
    /// compare the answers.
    Oracle(fn(&Forge) -> Result<Vec<Variant>, Skip>),
    /// Once the SP has re-read IdP metadata changed this way (and before it is given the
    /// original again), post the seed edited by the function, signed by the IdP's old key.
    Retrusted(Retrust, fn(&Forge) -> Result<Forged, Skip>),
    /// Post the seed edited by the function and the IdP's own response as two `SAMLResponse`
    /// fields of one form, in this order (HTTP parameter pollution).
    Duplicate(FieldOrder, fn(&Forge) -> Result<Forged, Skip>),
}

/// Which of two `SAMLResponse` fields carries the forged response ([`Edit::Duplicate`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldOrder {
    /// The forged response first, the IdP's own after it.
    ForgedFirst,
    /// The IdP's own response first, the forged one after it.
    ForgedLast,
}

/// How a check changes the IdP metadata the SP trusts: the IdP's key is replaced by a new one,
/// listed as this says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Retrust {
    /// A rollover: the new key is the IdP's signing key (`use="signing"`), the old one is gone.
    NewKey,
    /// The new key's KeyDescriptor has no `use`: for signing and encryption alike.
    NewKeyWithoutUse,
    /// The new key is listed for encryption only: the metadata names no signing key.
    EncryptionKeyOnly,
}

/// One message of an answer-difference check ([`Edit::Oracle`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    /// What it is, as reasons name it ("a bad CBC padding").
    pub what: &'static str,
    /// The response it posts.
    pub xml: String,
}

/// What a denial-of-service check posts, and the same-size yardstick it is timed against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Burden {
    /// The `SAMLResponse` form value, as posted.
    pub encoded: String,
    /// The XML it carries, its bulk elided, for reports.
    pub shown: String,
    /// A `SAMLResponse` value as long, without the burden's cost: what the SP's refusal of an
    /// ordinary message of that size costs.
    pub yardstick: String,
    /// What the yardstick is, as reasons name it ("same-size random letters and digits").
    pub yardstick_is: &'static str,
    /// How many times slower than the fastest yardstick every burden must be to count:
    /// [`SAME_SIZE_RATIO`] or [`SAME_WORK_RATIO`], by what the yardstick holds.
    pub ratio: u32,
    /// The least time every burden must take to count: [`BURDEN_FLOOR`], or [`QUICK_FLOOR`]
    /// for a burden kept small enough for a small form limit.
    pub floor: std::time::Duration,
    /// Whether an SP may skip the burden's cost and still sign the user in rightly (its
    /// signatures still verify): then a session it opens proves nothing, only time counts.
    pub ignorable: bool,
    /// Whether burden and yardstick go by HTTP-Redirect (a GET of the ACS with them in the
    /// query) instead of being posted.
    pub by_redirect: bool,
    /// Whether the burden costs nothing and only asks whether the SP answers at all: a
    /// connection closed at once, or a gateway's 502/504, in every round is the SP dying.
    pub crash: bool,
    /// Whether the burden is larger than the SP's own limit on messages on purpose: posted
    /// with only what a form must escape escaped (so it stays under common server limits),
    /// and a body limit refusing it (413, or a connection closed before the floor where the
    /// yardstick got 413) is then the defence the check asks for, not a reason for doubt.
    pub oversize: bool,
    /// Whether the burden asks the SP to wait rather than to work (an injected `SLEEP()`):
    /// it counts when every burden took at least its own round's yardstick plus the floor,
    /// so a slow SP's ordinary time cannot hide the delay under a multiple of itself.
    pub delay: bool,
}

/// The least time a burden's answers must all take to count as a denial of service: less is
/// within the cost of an ordinary request (real SPs refuse a forged login in 1-100 ms).
pub const BURDEN_FLOOR: std::time::Duration = std::time::Duration::from_millis(500);

/// The floor of a burden sized to pass a 100 KiB form limit, whose cost on a vulnerable
/// parser is smaller and on a fixed one a few milliseconds: 250 ms.
pub const QUICK_FLOOR: std::time::Duration = std::time::Duration::from_millis(250);

/// The ratio for a yardstick that is only the same size: parsing it costs less than the
/// burden's markup, so only a large multiple is the burden's own cost.
pub const SAME_SIZE_RATIO: u32 = 10;

/// The ratio for a yardstick that costs an SP without the flaw as much as the burden: the same
/// bytes, elements and attributes arranged so only the flaw's work differs (a linear parser
/// spends about as long on either), or as long on the wire with as little to unescape where
/// only the flaw reads the burden at all.
pub const SAME_WORK_RATIO: u32 = 3;

/// The second browser a request-binding check posts the first one's response from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecondBrowser {
    /// A fresh browser holding no cookie of the SP (a page's auto-submitting form).
    Fresh,
    /// A browser that started a login of its own first, so it holds the SP's pre-login
    /// cookies and has a request of its own pending.
    MidLogin,
}

/// How a check forges the IdP's LogoutRequest (HTTP-Redirect binding, Entra's only one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogoutForgery {
    /// Sent without `SigAlg` and `Signature`.
    Unsigned,
    /// The query signed with a key the attacker made (what an SP that checks only that a
    /// signature is there accepts).
    UntrustedKey,
    /// `SAMLResponse=<forged>` beside the IdP-signed `SAMLRequest`, `SigAlg`, `Signature` of
    /// the attacker's own LogoutRequest (CVE-2025-31335: OpenSAML C++ decoded SAMLResponse
    /// first and signed over SAMLRequest).
    ResponseNameConfusion,
    /// The attacker's signed `SAMLRequest` renamed `xSAMLRequest`, then `SAMLRequest=<forged>`
    /// (CVE-2025-31335: the signature check found `SAMLRequest=` anywhere in the query).
    PrefixedParameter,
    /// `SAML%52equest=<forged>` before the attacker's signed `SAMLRequest` (CVE-2025-31335:
    /// the decoder decoded names, the signature check did not).
    EncodedName,
    /// `SAMLRequest=<forged>` beside the IdP-signed `SAMLResponse` of the attacker's own
    /// sign-out (CVE-2025-27773: simplesamlphp/saml2 signed over the last message parameter
    /// and decoded SAMLRequest first).
    RequestBesideResponse,
    /// `SAML%52esponse=<forged>` before the IdP-signed `SAMLResponse` of the attacker's own
    /// sign-out (CVE-2025-31335 with the donor every user gets: OpenSAML C++ decoded
    /// SAMLResponse first, checked no message type, and signed over the raw match).
    EncodedResponseName,
    /// The attacker's signed `SAMLResponse` renamed `xSAMLResponse`, then
    /// `SAMLResponse=<forged>` (CVE-2025-31335: `strstr` found `SAMLResponse=` inside it).
    PrefixedResponse,
    /// Signed by the IdP, but issued an hour ago with a NotOnOrAfter half an hour ago: a
    /// sign-out message replayed after it expired.
    Expired,
    /// HTTP-POST: the LogoutRequest with no `ds:Signature`.
    PostUnsigned,
    /// HTTP-POST: an enveloped signature by a key the attacker made, its certificate in
    /// KeyInfo.
    PostUntrustedKey,
    /// HTTP-POST: the Signature of the attacker's own IdP-signed Assertion moved up as the
    /// LogoutRequest's, its Reference still naming that Assertion, which goes (without its
    /// Signature) into `samlp:Extensions` (samlify GHSA-63ch-w8pw-4mf2).
    PostAssertionSignature,
    /// HTTP-POST: signed by the IdP, issued an hour ago with a NotOnOrAfter half an hour ago
    /// (node-saml < 4.0.5, GHSA-vx8m-6fhw-pccw).
    PostExpired,
    /// Signed by the IdP, its DEFLATE stream holding 32 MiB of line feeds before the
    /// LogoutRequest: ending the session shows the SP inflated all of it (the unbounded
    /// inflation of crewjam/saml CVE-2023-28119 and Spring Security CVE-2026-40988).
    DeflateBomb,
}

/// How a sign-out message reaches the SP's single logout URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogoutBinding {
    /// HTTP-Redirect: a GET with the deflated message and its query signature.
    Redirect,
    /// HTTP-POST: a form with the base64 message, signed inside (an enveloped signature).
    Post,
}

impl LogoutForgery {
    /// Which of the attacker's signed messages the forgery splices in, if any.
    pub fn donor(self) -> Option<Donor> {
        match self {
            LogoutForgery::Unsigned
            | LogoutForgery::UntrustedKey
            | LogoutForgery::Expired
            | LogoutForgery::DeflateBomb
            | LogoutForgery::PostUnsigned
            | LogoutForgery::PostUntrustedKey
            | LogoutForgery::PostExpired => None,
            LogoutForgery::PostAssertionSignature => Some(Donor::Assertion),
            LogoutForgery::ResponseNameConfusion
            | LogoutForgery::PrefixedParameter
            | LogoutForgery::EncodedName => Some(Donor::Request),
            LogoutForgery::RequestBesideResponse
            | LogoutForgery::EncodedResponseName
            | LogoutForgery::PrefixedResponse => Some(Donor::Response),
        }
    }

    /// The binding the forged message is sent by.
    pub fn binding(self) -> LogoutBinding {
        match self {
            LogoutForgery::PostUnsigned
            | LogoutForgery::PostUntrustedKey
            | LogoutForgery::PostAssertionSignature
            | LogoutForgery::PostExpired => LogoutBinding::Post,
            LogoutForgery::Unsigned
            | LogoutForgery::UntrustedKey
            | LogoutForgery::ResponseNameConfusion
            | LogoutForgery::PrefixedParameter
            | LogoutForgery::EncodedName
            | LogoutForgery::RequestBesideResponse
            | LogoutForgery::EncodedResponseName
            | LogoutForgery::PrefixedResponse
            | LogoutForgery::Expired
            | LogoutForgery::DeflateBomb => LogoutBinding::Redirect,
        }
    }

    /// What a session ended by the forged message shows about the SP, for the verdict.
    pub fn ending_shows(self) -> &'static str {
        match self {
            LogoutForgery::DeflateBomb => "the SP inflated the whole query (about 45 KB to 32 MiB) and acted on the LogoutRequest at its end: it sets no bound below 32 MiB on what it inflates (an SP that inflates before it checks the signature does so for anyone's query)",
            _ => "a sign-out message an attacker can make ends a user's session",
        }
    }
}

/// One of the attacker's IdP-signed sign-out messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Donor {
    /// The IdP's LogoutRequest for the attacker's own session.
    Request,
    /// The IdP's LogoutResponse to the attacker's own sign-out.
    Response,
    /// The IdP's signed login response for the attacker's own account.
    Assertion,
}

/// The IdP's LogoutRequest for the victim's session, as a sign-out check starts from it.
#[derive(Clone, Copy, Debug)]
pub struct SignedLogout<'a> {
    /// Unsigned (the Redirect binding signs the query).
    pub xml: &'a str,
    /// With the IdP's enveloped signature (the POST binding).
    pub signed: &'a str,
}

/// IdP-signed messages anyone holds after signing in and out with their own account (TM-B):
/// the Redirect queries the `bind/redirect/` forgeries splice, and the login response whose
/// Assertion signature `slo/post/assertion-signature` moves.
#[derive(Clone, Copy, Debug)]
pub struct LogoutDonors<'a> {
    /// The IdP's LogoutRequest for the attacker's own session (`SAMLRequest`, `SigAlg`,
    /// `Signature`).
    pub request: &'a str,
    /// The IdP's LogoutResponse to the attacker's own sign-out (`SAMLResponse`, `SigAlg`,
    /// `Signature`).
    pub response: &'a str,
    /// The SigAlg the IdP signs with (the attacker's own signature uses it too).
    pub sig_alg: &'a str,
    /// The IdP's login response for the attacker's own account, its Assertion signed (empty
    /// when the forgery needs none).
    pub assertion: &'a str,
}

impl std::fmt::Debug for Edit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Edit::Bytes(_) => "Bytes",
            Edit::Replay => "Replay",
            Edit::RelayState(_) => "RelayState",
            Edit::UnsolicitedRelayState(_) => "UnsolicitedRelayState",
            Edit::Genuine => "Genuine",
            Edit::OtherBrowser(_) => "OtherBrowser",
            Edit::ByRedirect => "ByRedirect",
            Edit::AnonymousHeaders(_) => "AnonymousHeaders",
            Edit::SignOnQuery(_) => "SignOnQuery",
            Edit::ReturnTo(_) => "ReturnTo",
            Edit::LogoutReturnTo(_) => "LogoutReturnTo",
            Edit::Logout(_) => "Logout",
            Edit::Exhaust(_) => "Exhaust",
            Edit::Oracle(_) => "Oracle",
            Edit::Retrusted(..) => "Retrusted",
            Edit::Duplicate(..) => "Duplicate",
        })
    }
}

/// One entry of the catalogue.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Check {
    /// Stable hierarchical id (`xsw/3`); selection matches whole segments.
    pub id: &'static str,
    /// Older ids that still select this check.
    pub aliases: &'static [&'static str],
    /// What the forged response is, in one line.
    pub title: &'static str,
    /// The family (first id segment).
    pub family: Family,
    /// The research id in `attack-catalogue.md` (`XSW-03`).
    pub research_id: &'static str,
    /// Spec sections, CVEs, papers and fix commits.
    pub references: &'static [&'static str],
    /// How bad acceptance is.
    pub severity: Severity,
    /// What the attacker must hold.
    pub capability: Capability,
    /// The signed seed the edit starts from.
    pub seed: Seed,
    /// What acceptance means.
    pub goal: Goal,
    /// What the SP must do.
    pub must: &'static str,
    /// How to fix an SP that fails.
    pub fix: &'static str,
    /// Free tags for selection (`cve-2024-45409`, `wrapping`).
    pub tags: &'static [&'static str],
    /// Whether the payload shape was checked against its published proof, and how.
    pub provenance: &'static str,
    /// How the artifact is built.
    #[serde(skip)]
    pub edit: Edit,
}

impl Check {
    /// Whether the IdP itself signs this check's artifact (TM-D/E, and the attacker's own
    /// look-alike account for canonicalization checks): only then does its edit get the key.
    pub fn idp_signs(&self) -> bool {
        self.capability.needs_idp_signature()
            || self.family == Family::Canon
            // The IdP's signature on the bomb shows a session it ends was inflated in full.
            || matches!(self.edit, Edit::Logout(LogoutForgery::DeflateBomb))
    }

    /// Whether the check encrypts an assertion to the SP's certificate (tag `encryption`).
    pub fn encrypts(&self) -> bool {
        self.tags.contains(&"encryption")
    }

    /// Where the forged response goes among two `SAMLResponse` fields, for a check that posts
    /// the IdP's own beside it.
    pub fn duplicate(&self) -> Option<FieldOrder> {
        match self.edit {
            Edit::Duplicate(order, _) => Some(order),
            _ => None,
        }
    }

    /// How the check changes the IdP metadata the SP trusts before it posts, if it does.
    pub fn retrust(&self) -> Option<Retrust> {
        match self.edit {
            Edit::Retrusted(change, _) => Some(change),
            _ => None,
        }
    }

    /// Whether the check's document names URLs on the canary listener (see [`Goal::Contain`]).
    pub fn needs_canary(&self) -> bool {
        self.goal == Goal::Contain
    }

    /// The binding a sign-out check sends its message by (None: not a sign-out check).
    pub fn logout_binding(&self) -> Option<LogoutBinding> {
        match self.edit {
            Edit::Logout(forgery) => Some(forgery.binding()),
            _ => None,
        }
    }

    /// What a sign-out check sends the SP's single logout URL: a Redirect-binding query or the
    /// XML of an HTTP-POST form, built from `logout_request` (the IdP's LogoutRequest for the
    /// victim's session, unsigned and enveloped-signed) and the attacker's `donors`. The IdP's
    /// key is passed on only when [`Check::idp_signs`].
    pub fn logout_message(
        &self,
        logout_request: &SignedLogout,
        donors: LogoutDonors,
        idp_key: Option<&IdpKey>,
    ) -> Result<String, Skip> {
        let Edit::Logout(forgery) = self.edit else {
            return Err(Skip::NotApplicable(
                "this check sends no sign-out message".into(),
            ));
        };
        let idp_key = idp_key.filter(|_| self.idp_signs());
        match forgery.binding() {
            LogoutBinding::Redirect => {
                crate::family::slo::redirect_query(forgery, logout_request.xml, donors, idp_key)
            }
            LogoutBinding::Post => {
                crate::family::slo::post_xml(forgery, logout_request, donors, idp_key)
            }
        }
    }

    /// What a denial-of-service check posts, built from `seed` (the IdP's response of this
    /// login); no key is passed on: an attacker needs none.
    pub fn burden(&self, seed: &str, sp: SpFacts) -> Result<Burden, Skip> {
        let Edit::Exhaust(build) = self.edit else {
            return Err(Skip::NotApplicable(
                "this check is no denial-of-service check; it posts no burden".into(),
            ));
        };
        build(&Forge {
            sp,
            ..Forge::bare(seed)
        })
    }

    /// The variants an answer-difference check posts, built from `seed` (the IdP's response
    /// of this login); no key is passed on: an attacker needs none.
    pub fn variants(&self, seed: &str, sp: SpFacts) -> Result<Vec<Variant>, Skip> {
        let Edit::Oracle(build) = self.edit else {
            return Err(Skip::NotApplicable(
                "this check is no answer-difference check; it posts no variants".into(),
            ));
        };
        build(&Forge {
            sp,
            ..Forge::bare(seed)
        })
    }

    /// Builds what this check posts from `seed` (the IdP-signed response of this login). The
    /// IdP's key is passed on only when [`Check::idp_signs`]; a replay has nothing to build.
    pub fn forge(
        &self,
        seed: &str,
        idp_key: Option<&IdpKey>,
        donors: Donors,
        canary: Option<&Canary>,
        sp: SpFacts,
    ) -> Result<Forged, Skip> {
        let edit = match self.edit {
            Edit::Bytes(edit) | Edit::Retrusted(_, edit) | Edit::Duplicate(_, edit) => edit,
            Edit::Replay => {
                return Err(Skip::NotApplicable(
                    "a replay posts the accepted response again; there is nothing to forge".into(),
                ))
            }
            Edit::RelayState(_)
            | Edit::UnsolicitedRelayState(_)
            | Edit::Genuine
            | Edit::OtherBrowser(_)
            | Edit::ByRedirect
            | Edit::ReturnTo(_) => {
                return Err(Skip::NotApplicable(
                    "this check posts the IdP's own response; there is nothing to forge".into(),
                ))
            }
            Edit::AnonymousHeaders(_)
            | Edit::SignOnQuery(_)
            | Edit::LogoutReturnTo(_)
            | Edit::Logout(_) => {
                return Err(Skip::NotApplicable(
                    "this check sends no response at all; there is nothing to forge".into(),
                ))
            }
            Edit::Exhaust(_) => {
                return Err(Skip::NotApplicable(
                    "this check posts a burden built to exhaust the SP (Check::burden), not a forged response".into(),
                ))
            }
            Edit::Oracle(_) => {
                return Err(Skip::NotApplicable(
                    "this check posts variants whose answers it compares (Check::variants), not a forged response".into(),
                ))
            }
        };
        edit(&Forge {
            seed,
            idp_key: idp_key.filter(|_| self.idp_signs()),
            donors,
            canary,
            sp,
        })
    }
}
