//! reference-sp: a small, careful SAML 2.0 service provider, used as the harness's bundled
//! target. It validates responses as a careful SP does (signature through libxmlsec1, issuer,
//! destination, recipient, time window, InResponseTo, replay, audience), and each [`Flaw`]
//! switches exactly one of those checks off, so tests can show every expectation failing.

pub mod decrypt;
pub mod dsig;
pub mod emulated;
mod memory;
pub mod scim;
pub mod server;
pub mod trivial;
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
    /// Accept the same assertion twice: no used-assertion cache (Jenkins SAML plugin,
    /// CVE-2025-64131).
    Replay,
    /// Accept an Issuer other than the trusted IdP.
    Issuer,
    /// Read the first Assertion in the document even when another one carries the signature.
    SignatureWrapping,
    /// Ignore the top-level StatusCode.
    Status,
    /// Accept any SubjectConfirmation method, or none.
    SubjectConfirmation,
    /// Match Audience by prefix.
    AudiencePrefix,
    /// Skip the profile's message rules: Version, IssueInstant, Destination on signed
    /// Responses, AuthnStatement, unknown conditions, NotBefore on bearer confirmations, and
    /// the allow-list and count of transforms.
    LenientProfile,
    /// Verify with the key or certificate the message's KeyInfo carries (CVE-2015-5372).
    KeyFromKeyInfo,
    /// Take SignatureMethod from the message: HMAC keyed with the IdP's certificate
    /// (xml-crypto <= 1.5.3).
    HmacKeyConfusion,
    /// Find the signed Assertion by an ID attribute of any namespace ("The Fragile Lock").
    IdByLocalName,
    /// Drop every Signature inside the signed element before digesting, and read the first
    /// NameID below the Assertion (enveloped-signature over-removal).
    EnvelopedOverRemoval,
    /// Take the Assertion's first Signature anywhere below it as its signature
    /// (passport-wsfed-saml2 3.0.5 to 3.0.9, CVE-2018-8085).
    SignatureDescendant,
    /// Read the NameID as the first `Subject/NameID` below the Assertion, wherever it is, and
    /// each attribute from the last `AttributeStatement/Attribute` of its name below it
    /// (`.//Subject/NameID`, `.//AttributeStatement/Attribute`: passport-wsfed-saml2 < 4.6.4,
    /// CVE-2025-46572, CVE-2025-46573).
    DescendantSubject,
    /// Read NameID and claims as their first child node: a comment or CDATA cuts them
    /// (CVE-2017-11427 family).
    FirstTextNode,
    /// Verify the first Signature anywhere (Reference resolved to the first element with the
    /// ID), then read the root's first Assertion child (USENIX'12 XSW1–6).
    XswRootAssertion,
    /// Verify the first Signature anywhere (Reference resolved to the last element with the
    /// ID), then read the first Assertion in document order (XSW7/8).
    XswLastId,
    /// Verify the first Assertion's signature, read the last Assertion (CVE-2022-41912).
    LastAssertion,
    /// Read DigestValue as its first child node, comment included (CVE-2025-29775).
    DigestFirstChild,
    /// Read the first DigestValue anywhere in the document (CVE-2024-45409).
    DigestAnywhere,
    /// Check References from every SignedInfo, the signature over the first, the enveloped
    /// transform dropping the first Signature inside (CVE-2025-29774).
    AllSignedInfo,
    /// With several SignedInfo in a Signature, move the first to the end, check the
    /// signature over the new first one and the digest of the last Reference (goxmldsig <
    /// 1.1.0, CVE-2020-15216).
    SignedInfoMoved,
    /// Skip a Signature whose Reference names no element when there are others, and count
    /// none verified as success (XML::Sig 0.33-0.71, CVE-2026-18568).
    SkipUnresolvedReferences,
    /// Accept several root elements: verify the first, read the Response root (CVE-2022-39299).
    MultipleRoots,
    /// Verify a re-serialised copy (DOCTYPE literal re-quoted), read the original parse
    /// (CVE-2025-25291).
    DoctypeRoundTrip,
    /// Parse in recovery mode (libxml2 XML_PARSE_RECOVER, lxml `recover=True`) and read the
    /// repaired document.
    RecoveringParser,
    /// Find the Assertion by local name, whatever its namespace (`local-name()='Assertion'`).
    NamespaceBlind,
    /// Allow a DTD and read text without its entity references (CVE-2018-0486).
    SkipEntityReferences,
    /// Canonicalize a processing instruction as its data alone, as plain text (xml-crypto
    /// under node-saml < 5.1.0, CVE-2025-54419).
    PiAsText,
    /// Take SignatureValue, Reference and DigestValue from REXML's first Signature, SignedInfo
    /// and the digested element from libxml2's; digest a failed canonicalization as empty
    /// (ruby-saml <= 1.17.0, CVE-2025-25292).
    SplitSignatureParsers,
    /// A failed canonicalization yields what was written before the failure, often nothing
    /// (Nokogiri < 1.19.1 under ruby-saml, CVE-2025-66568; xmlseclibs < 3.1.4 digested a
    /// failure as empty too, CVE-2025-66578).
    VoidCanonicalization,
    /// Resolve References in a libxml2 copy of the document, where entity references in
    /// attributes are lost; read /Response/Assertion (GHES, CVE-2025-23369).
    IdsInDocumentCopy,
    /// Check that the Response's and the Assertion's own Signatures name them, then verify
    /// the first Signature under each (pysaml2 < 6.5.0, CVE-2021-21238).
    FirstSignatureInScope,
    /// Parse with libxml2's entity substitution and DTD loading on and the network allowed
    /// (`XML_PARSE_NOENT | XML_PARSE_DTDLOAD`; pysaml2 CVE-2016-10149, samlify
    /// CVE-2017-1000452).
    ExternalEntities,
    /// Load DTDs and external parameter entities with the network "off", as PHP does
    /// (`LIBXML_DTDLOAD | LIBXML_DTDATTR | LIBXML_NONET`: files and `php://filter` read), the
    /// DOCTYPE refused only after the parse (simplesamlphp/saml2 < 4.6.14, CVE-2024-52806).
    PhpNonet,
    /// Run XInclude processing over the response (libxml2 `xmlXIncludeProcess`).
    XInclude,
    /// Let libxmlsec1 dereference every Reference in SignedInfo, remote URIs included (its
    /// default `enabledReferenceUris`), instead of checking for the one `#ID` first.
    RemoteReferences,
    /// Resolve KeyInfo's RetrievalMethod or KeyInfoReference by fetching its URI (xmltooling
    /// CVE-2023-36661), then verify with the trusted certificate as before.
    KeyInfoRetrieval,
    /// Run every Transform the signature names before checking them, XSLT with file and
    /// network reads allowed (Apache Santuario without secure validation, Project Zero 2022).
    XsltTransforms,
    /// Follow RelayState after the login when it starts with one `/` and not `//` (the check
    /// mod_auth_mellon made before 0.14.2: `/\evil`, CVE-2019-3877, and a tab get through).
    RelayPrefixCheck,
    /// Follow any RelayState after the login.
    RelayAny,
    /// Take IdP-initiated logins and follow any RelayState after them, checking it only after
    /// SP-initiated ones (django-allauth < 65.14.1, CVE-2026-27982).
    RelayAnyUnsolicited,
    /// Send the browser on after the login with a page that links to RelayState as given,
    /// unescaped (reflected cross-site scripting).
    RelayReflected,
    /// Answer a sign-on naming an IdP it does not know (`/login?idp=`) with an error page
    /// that repeats the name unescaped (djangosaml2 < 1.5.6).
    SignOnReflected,
    /// Keep the session identifier the browser had before the login (session fixation).
    SessionFixation,
    /// Take a LogoutRequest with no query signature (python3-saml's default,
    /// `wantMessagesSigned: false`).
    SloUnsigned,
    /// Take a LogoutRequest whose query signature is there but does not verify.
    SloSignatureUnchecked,
    /// Verify a posted LogoutRequest as samlify <= 2.13.1 does (GHSA-63ch-w8pw-4mf2): the
    /// first Signature child of the LogoutRequest (or of an Assertion child) that verifies,
    /// its Reference resolved anywhere in the document; then NameID and SessionIndex read from
    /// the LogoutRequest.
    SloAnySignature,
    /// Check a LogoutRequest's times only against each other, never the clock, as
    /// @node-saml/node-saml < 4.0.5 did on its POST path (GHSA-vx8m-6fhw-pccw).
    SloExpiryUnchecked,
    /// Read Redirect queries as OpenSAML C++ before 3.3.1 (CVE-2025-31335): the signature
    /// over raw substring matches, the message from the first decoded `SAMLResponse`, else
    /// `SAMLRequest`.
    RedirectSmuggledParameters,
    /// Read Redirect queries as simplesamlphp/saml2 before 4.17.0 (CVE-2025-27773): the last
    /// occurrence wins, the signature over the last message parameter, the message
    /// `SAMLRequest` first.
    RedirectRequestBesideResponse,
    /// Read a verification error (a SignatureMethod that does not fit the key) as success
    /// (SimpleSAMLphp < 1.14.10, CVE-2016-9814: `openssl_verify` returned -1).
    VerifyErrorAsSuccess,
    /// Check InResponseTo on the Response only, not on the signed SubjectConfirmationData.
    EnvelopeInResponseTo,
    /// Match Issuer by prefix.
    IssuerPrefix,
    /// Look accounts up after NFKC, nameprep's mapped-to-nothing characters removed and a
    /// Unicode trim (Django's `normalize_username`, IDNA2003 domains).
    NormalisedIdentity,
    /// Allow half an hour of clock skew instead of three minutes.
    LaxClockSkew,
    /// Serve the protected page, unauthenticated, to a request with ECP headers
    /// (mod_auth_mellon < 0.14.2, CVE-2019-3878).
    PaosBypass,
    /// Take a decrypted assertion as authenticated: no signature needed (GHES CVE-2024-4985
    /// class).
    EncryptedTrusted,
    /// When the first assertion child is encrypted and a Signature sits outside the
    /// encryption, take the decrypted assertion as signed if every signature in the document
    /// verifies, and read it (Keycloak CVE-2026-2092).
    EncryptedAnySignature,
    /// Skip the time and audience checks for decrypted assertions.
    EncryptedConditions,
    /// Accept RSA PKCS#1 v1.5 key transport.
    Rsa15,
    /// Parse each decrypted plaintext as a document of its own, external entities loaded.
    DecryptedEntities,
    /// Before decrypting, resolve the content key as xmlseclibs 3.x does: a RetrievalMethod to
    /// an EncryptedKey, then that key's own KeyInfo, with no depth limit, until PHP's memory
    /// limit would end it (xmlseclibs 3.x, fixed in 4.0.0-beta1; php-saml < 3.9.0).
    EncryptedKeyCycle,
    /// Read the URI of every `xenc:CipherReference` (EncryptedData's and EncryptedKey's) while
    /// decrypting, files included, as libxmlsec1 through 1.3.12 allows by default (pysaml2's
    /// `xmlsec1 --decrypt`, python-xmlsec, Lasso) and OpenSAML-Java before 4.3.0 on Santuario
    /// before 2.3 did.
    CipherReference,
    /// Refuse a CipherReference on EncryptedData but fetch one on the EncryptedKey, as
    /// `xmlsec1 --enabled-cipher-reference-uris empty,same-doc` does (the option reaches only
    /// the outer decryption context).
    CipherReferenceInKey,
    /// Answer an encrypted assertion whose CBC padding is invalid with 400, other refusals
    /// with 403: a padding oracle (Vaudenay 2002; Jager and Somorovsky 2011 for XML Encryption).
    PaddingOracle,
    /// Answer an encrypted assertion whose plaintext is not well-formed XML with 500, other
    /// refusals with 403: the parse oracle Jager and Somorovsky decrypted XML Encryption by.
    ParseOracle,
    /// Die (drop the connection unanswered) on a SOAP 1.1 envelope whose Body holds no
    /// element, as Lasso's SOAP unwrapping does (mod_auth_mellon on Debian 12's Lasso 2.8.1).
    LassoSoapBody,
    /// Die on an AttributeValue carrying an attribute named `any_attributes` and then a
    /// namespaced one, as Lasso before 2.9.0 does (CVE-2025-47151).
    LassoAnyAttributes,
    /// Die on a CDATA section among an element's expected children (the Response's first
    /// child), as Lasso before 2.9.0 does (CVE-2025-46705).
    LassoCdataChild,
    /// Die (close the connection unanswered) on a Signature without SignatureValue
    /// (goxmldsig < 1.1.0, CVE-2020-7711).
    GoxmldsigNilSignatureValue,
    /// Substitute internal entities recursively with no limit, before anything is verified
    /// (a billion laughs runs until a memory limit ends the request).
    EntityExpansion,
    /// Accept an unsigned Assertion in a signed Response, though the metadata says
    /// WantAssertionsSigned="true".
    AssertionSignatureOptional,
    /// Resolve each Reference to the first element with its ID, duplicates allowed, and read
    /// the last Assertion (a verifier without ID uniqueness, e.g. goxmldsig under crewjam/saml).
    DuplicateIds,
    /// Answer a refused response with the error and a stack backtrace, as a framework in debug
    /// mode does.
    VerboseErrors,
    /// A response carrying a DOCTYPE crashes the worker that parses it; the next response
    /// gets 503 while it restarts (a robustness bug, for the fuzzer's `error`).
    DoctypeCrashesWorker,
    /// Take 100 ms over each sign-on and answer 500 to another arriving meanwhile, as
    /// mod_auth_mellon answered some sign-ons under `--jobs 2` (a robustness bug, for the
    /// runner's re-runs).
    OneLoginAtATime,
    /// Take a Response by HTTP-Redirect at the ACS (a GET with it deflated into the query),
    /// as SimpleSAMLphp's SP takes whichever binding a request arrives by.
    AcsRedirect,
    /// Map the account from the name claim when the NameID is missing or empty.
    NameIdOptional,
    /// Keep one session per user: a new login ends the user's earlier sessions (a "single
    /// active session" policy; for the runner's pre-flight before checks side by side).
    OneSessionPerUser,
    /// Take a response to any request this SP sent, whichever browser it went to: requests
    /// kept process-wide, not in the browser's session (node-saml's default in-memory
    /// InResponseTo cache), so a page that posts the attacker's response to the attacker's
    /// own request signs the victim's browser in as the attacker (login CSRF).
    RequestsAnyBrowser,
    /// Take a response to any request this SP sent from a browser that holds a login cookie,
    /// whichever request that browser started (mod_auth_mellon checks only that its cookie is
    /// present, with the constant value `cookietest`; a browser without it gets 400).
    LoginCookieOnly,
    /// Check no InResponseTo when the browser started no login here: python3-saml's
    /// `process_response(request_id=None)` and ruby-saml's `matches_request_id: nil` skip the
    /// comparison, and an application reading the ID from an empty session passes exactly that.
    NoSessionNoCheck,
    /// Remember only the latest AuthnRequest: a response to an earlier one is refused (403)
    /// for its InResponseTo, as an SP keeping one pending request per app, not per browser,
    /// does (for the runner's pre-flight before checks side by side).
    OneRequestAtATime,
    /// Verify every Signature anywhere in the document, then read each field over the whole
    /// document: every NameID (joined with `,` when several, as an application writing the
    /// array into a string does) and every Audience (samlify < 2.4.0, CVE-2017-1000452).
    DocumentWideFields,
    /// When validation refuses a response, read `<saml2:NameID[^>]*>([^<]+)</saml2:NameID>`
    /// from its bytes and sign that user in (@better-auth/sso 1.3.14–1.4.6, fixed by
    /// better-auth PR 6682).
    RegexFallback,
    /// Base64-decode a posted SAMLResponse, then inflate it whenever it inflates, with no
    /// bound on the inflated size (ruby-saml < 1.18.0 `decode_raw_saml`, CVE-2025-25293).
    InflatePosted,
    /// Given a form with SAMLResponse twice, verify the first and read the user from the
    /// last, its signature unchecked (a signature check and a login reading the form through
    /// different accessors: Werkzeug's first, PHP's or Django's last).
    SplitFieldsReadLast,
    /// Given a form with SAMLResponse twice, verify the last and read the user from the
    /// first, its signature unchecked.
    SplitFieldsReadFirst,
    /// Take a posted SAMLResponse that is not base64 as the XML itself, with no size check
    /// of its own, read at ruby-saml's pace (ruby-saml < 1.18.1 `decode_raw_saml`,
    /// CVE-2025-54572).
    RawXmlUnbounded,
    /// Look the Response's ID up in a replay cache by SQL text before any signature check,
    /// quotes doubled and backslashes left as MySQL's escape (Shibboleth SP ≤ 3.5.0's ODBC
    /// storage on MySQL, CVE-2025-9943): the `SLEEP()` a broken-out ID asks for is slept.
    ResponseIdInSql,
    /// Inflate a Redirect-binding LogoutRequest with no bound on the inflated size (as
    /// crewjam/saml < 0.4.13 inflated Redirect messages, CVE-2023-28119).
    InflateRedirect,
    /// Take a Response by HTTP-Redirect at the ACS and inflate it with no bound on the
    /// inflated size (Spring Security's SAML 2.0 login before the CVE-2026-40988 fix).
    InflateAcsRedirect,
    /// Run however many transforms a Reference names: libxmlsec1 runs each over the signed
    /// element before the SignatureValue is checked (passport-saml < 3.1.0, CVE-2021-39171).
    UnboundedTransforms,
    /// Parse an element with any number of attributes: roxmltree 0.20 and libxml2 2.9 check
    /// each for a duplicate against all before it (@xmldom/xmldom <= 0.8.14
    /// GHSA-8344-3jmq-59r6, quick-xml < 0.41 RUSTSEC-2026-0194).
    UnboundedAttributes,
    /// Trim every end tag's name before parsing with a backtracking search for trailing
    /// whitespace, quadratic in a run of whitespace that does not end the name (@xmldom/xmldom
    /// 0.7.0–0.8.14 `replace(/[ \t\n\r]+$/g, '')`, GHSA-x4fp-j954-r2f4).
    EndTagTrim,
    /// Canonicalise every SignedInfo, before anything is verified, as PHP before 8.4's
    /// `DOMNode::C14N` does (xmlseclibs: SimpleSAMLphp, php-saml): against an XPath node set
    /// that libxml2 searches linearly for every node (PHP bug 53655).
    NodeSetCanonicalization,
    /// On re-reading the IdP metadata, add its keys to those already trusted instead of
    /// replacing them: a key rolled over stays trusted.
    KeepsRetiredKeys,
    /// With no signing key in the IdP metadata, skip signature verification (samael 0.0.22:
    /// `idp_signing_certs` is None, so the response is read unverified; CloudStack
    /// CVE-2024-41107).
    NoKeyNoCheck,
    /// With only KeyDescriptors that carry no `use` in the IdP metadata, skip signature
    /// verification (Keycloak's IdP import before 26.4.14, CVE-2026-16443).
    UnmarkedKeyNoCheck,
}

impl Flaw {
    /// Every flaw, in a stable order.
    pub const ALL: [Flaw; 105] = [
        Flaw::Signature,
        Flaw::Audience,
        Flaw::Recipient,
        Flaw::Destination,
        Flaw::TimeWindow,
        Flaw::InResponseTo,
        Flaw::Replay,
        Flaw::Issuer,
        Flaw::SignatureWrapping,
        Flaw::Status,
        Flaw::SubjectConfirmation,
        Flaw::AudiencePrefix,
        Flaw::LenientProfile,
        Flaw::KeyFromKeyInfo,
        Flaw::HmacKeyConfusion,
        Flaw::IdByLocalName,
        Flaw::EnvelopedOverRemoval,
        Flaw::SignatureDescendant,
        Flaw::DescendantSubject,
        Flaw::FirstTextNode,
        Flaw::XswRootAssertion,
        Flaw::XswLastId,
        Flaw::LastAssertion,
        Flaw::DigestFirstChild,
        Flaw::DigestAnywhere,
        Flaw::AllSignedInfo,
        Flaw::SignedInfoMoved,
        Flaw::SkipUnresolvedReferences,
        Flaw::MultipleRoots,
        Flaw::DoctypeRoundTrip,
        Flaw::RecoveringParser,
        Flaw::NamespaceBlind,
        Flaw::SkipEntityReferences,
        Flaw::PiAsText,
        Flaw::SplitSignatureParsers,
        Flaw::VoidCanonicalization,
        Flaw::IdsInDocumentCopy,
        Flaw::FirstSignatureInScope,
        Flaw::ExternalEntities,
        Flaw::PhpNonet,
        Flaw::XInclude,
        Flaw::RemoteReferences,
        Flaw::KeyInfoRetrieval,
        Flaw::XsltTransforms,
        Flaw::RelayPrefixCheck,
        Flaw::RelayAny,
        Flaw::RelayAnyUnsolicited,
        Flaw::RelayReflected,
        Flaw::SignOnReflected,
        Flaw::SessionFixation,
        Flaw::SloUnsigned,
        Flaw::SloSignatureUnchecked,
        Flaw::SloAnySignature,
        Flaw::SloExpiryUnchecked,
        Flaw::RedirectSmuggledParameters,
        Flaw::RedirectRequestBesideResponse,
        Flaw::VerifyErrorAsSuccess,
        Flaw::EnvelopeInResponseTo,
        Flaw::IssuerPrefix,
        Flaw::NormalisedIdentity,
        Flaw::LaxClockSkew,
        Flaw::PaosBypass,
        Flaw::EncryptedTrusted,
        Flaw::EncryptedAnySignature,
        Flaw::EncryptedConditions,
        Flaw::Rsa15,
        Flaw::DecryptedEntities,
        Flaw::EncryptedKeyCycle,
        Flaw::CipherReference,
        Flaw::CipherReferenceInKey,
        Flaw::PaddingOracle,
        Flaw::ParseOracle,
        Flaw::LassoSoapBody,
        Flaw::LassoAnyAttributes,
        Flaw::LassoCdataChild,
        Flaw::GoxmldsigNilSignatureValue,
        Flaw::EntityExpansion,
        Flaw::AssertionSignatureOptional,
        Flaw::DuplicateIds,
        Flaw::VerboseErrors,
        Flaw::DoctypeCrashesWorker,
        Flaw::OneLoginAtATime,
        Flaw::AcsRedirect,
        Flaw::NameIdOptional,
        Flaw::OneSessionPerUser,
        Flaw::RequestsAnyBrowser,
        Flaw::LoginCookieOnly,
        Flaw::NoSessionNoCheck,
        Flaw::OneRequestAtATime,
        Flaw::DocumentWideFields,
        Flaw::RegexFallback,
        Flaw::InflatePosted,
        Flaw::SplitFieldsReadLast,
        Flaw::SplitFieldsReadFirst,
        Flaw::RawXmlUnbounded,
        Flaw::ResponseIdInSql,
        Flaw::InflateRedirect,
        Flaw::InflateAcsRedirect,
        Flaw::UnboundedTransforms,
        Flaw::UnboundedAttributes,
        Flaw::EndTagTrim,
        Flaw::NodeSetCanonicalization,
        Flaw::KeepsRetiredKeys,
        Flaw::NoKeyNoCheck,
        Flaw::UnmarkedKeyNoCheck,
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
            Flaw::Status => "status",
            Flaw::SubjectConfirmation => "subject-confirmation",
            Flaw::AudiencePrefix => "audience-prefix",
            Flaw::LenientProfile => "lenient-profile",
            Flaw::KeyFromKeyInfo => "key-from-keyinfo",
            Flaw::HmacKeyConfusion => "hmac-key-confusion",
            Flaw::IdByLocalName => "id-by-local-name",
            Flaw::EnvelopedOverRemoval => "enveloped-over-removal",
            Flaw::SignatureDescendant => "signature-descendant",
            Flaw::DescendantSubject => "descendant-subject",
            Flaw::FirstTextNode => "first-text-node",
            Flaw::XswRootAssertion => "xsw-root-assertion",
            Flaw::XswLastId => "xsw-last-id",
            Flaw::LastAssertion => "last-assertion",
            Flaw::DigestFirstChild => "digest-first-child",
            Flaw::DigestAnywhere => "digest-anywhere",
            Flaw::AllSignedInfo => "all-signed-info",
            Flaw::SignedInfoMoved => "signed-info-moved",
            Flaw::SkipUnresolvedReferences => "skip-unresolved-references",
            Flaw::MultipleRoots => "multiple-roots",
            Flaw::DoctypeRoundTrip => "doctype-round-trip",
            Flaw::RecoveringParser => "recovering-parser",
            Flaw::NamespaceBlind => "namespace-blind",
            Flaw::SkipEntityReferences => "skip-entity-references",
            Flaw::PiAsText => "pi-as-text",
            Flaw::SplitSignatureParsers => "split-signature-parsers",
            Flaw::VoidCanonicalization => "void-canonicalization",
            Flaw::IdsInDocumentCopy => "ids-in-document-copy",
            Flaw::FirstSignatureInScope => "first-signature-in-scope",
            Flaw::ExternalEntities => "external-entities",
            Flaw::PhpNonet => "php-nonet",
            Flaw::XInclude => "xinclude",
            Flaw::RemoteReferences => "remote-references",
            Flaw::KeyInfoRetrieval => "keyinfo-retrieval",
            Flaw::XsltTransforms => "xslt-transforms",
            Flaw::RelayPrefixCheck => "relay-prefix-check",
            Flaw::RelayAny => "relay-any",
            Flaw::RelayAnyUnsolicited => "relay-any-unsolicited",
            Flaw::RelayReflected => "relay-reflected",
            Flaw::SignOnReflected => "sign-on-reflected",
            Flaw::SessionFixation => "session-fixation",
            Flaw::SloUnsigned => "slo-unsigned",
            Flaw::SloSignatureUnchecked => "slo-signature-unchecked",
            Flaw::SloAnySignature => "slo-any-signature",
            Flaw::SloExpiryUnchecked => "slo-expiry-unchecked",
            Flaw::RedirectSmuggledParameters => "redirect-smuggled-parameters",
            Flaw::RedirectRequestBesideResponse => "redirect-request-beside-response",
            Flaw::VerifyErrorAsSuccess => "verify-error-as-success",
            Flaw::EnvelopeInResponseTo => "envelope-in-response-to",
            Flaw::IssuerPrefix => "issuer-prefix",
            Flaw::NormalisedIdentity => "normalised-identity",
            Flaw::LaxClockSkew => "lax-clock-skew",
            Flaw::PaosBypass => "paos-bypass",
            Flaw::EncryptedTrusted => "encrypted-trusted",
            Flaw::EncryptedAnySignature => "encrypted-any-signature",
            Flaw::EncryptedConditions => "encrypted-conditions",
            Flaw::Rsa15 => "rsa-1_5",
            Flaw::DecryptedEntities => "decrypted-entities",
            Flaw::EncryptedKeyCycle => "encrypted-key-cycle",
            Flaw::CipherReference => "cipher-reference",
            Flaw::CipherReferenceInKey => "cipher-reference-in-key",
            Flaw::PaddingOracle => "padding-oracle",
            Flaw::ParseOracle => "parse-oracle",
            Flaw::LassoSoapBody => "lasso-soap-body",
            Flaw::LassoAnyAttributes => "lasso-any-attributes",
            Flaw::LassoCdataChild => "lasso-cdata-child",
            Flaw::GoxmldsigNilSignatureValue => "goxmldsig-nil-signature-value",
            Flaw::EntityExpansion => "entity-expansion",
            Flaw::AssertionSignatureOptional => "assertion-signature-optional",
            Flaw::DuplicateIds => "duplicate-ids",
            Flaw::VerboseErrors => "verbose-errors",
            Flaw::DoctypeCrashesWorker => "doctype-crashes-worker",
            Flaw::OneLoginAtATime => "one-login-at-a-time",
            Flaw::AcsRedirect => "acs-redirect",
            Flaw::NameIdOptional => "name-id-optional",
            Flaw::OneSessionPerUser => "one-session-per-user",
            Flaw::RequestsAnyBrowser => "requests-any-browser",
            Flaw::LoginCookieOnly => "login-cookie-only",
            Flaw::NoSessionNoCheck => "no-session-no-check",
            Flaw::OneRequestAtATime => "one-request-at-a-time",
            Flaw::DocumentWideFields => "document-wide-fields",
            Flaw::RegexFallback => "regex-fallback",
            Flaw::InflatePosted => "inflate-posted",
            Flaw::SplitFieldsReadLast => "split-fields-read-last",
            Flaw::SplitFieldsReadFirst => "split-fields-read-first",
            Flaw::RawXmlUnbounded => "raw-xml-unbounded",
            Flaw::ResponseIdInSql => "response-id-in-sql",
            Flaw::InflateRedirect => "inflate-redirect",
            Flaw::InflateAcsRedirect => "inflate-acs-redirect",
            Flaw::UnboundedTransforms => "unbounded-transforms",
            Flaw::UnboundedAttributes => "unbounded-attributes",
            Flaw::EndTagTrim => "end-tag-trim",
            Flaw::NodeSetCanonicalization => "node-set-c14n",
            Flaw::KeepsRetiredKeys => "keeps-retired-keys",
            Flaw::NoKeyNoCheck => "no-key-no-check",
            Flaw::UnmarkedKeyNoCheck => "unmarked-key-no-check",
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
            Flaw::Status => "accept any top-level StatusCode",
            Flaw::SubjectConfirmation => "accept any SubjectConfirmation method, or none",
            Flaw::AudiencePrefix => "match Audience by prefix",
            Flaw::LenientProfile => "skip Version/IssueInstant/AuthnStatement/condition rules",
            Flaw::KeyFromKeyInfo => "trust the key in the message's KeyInfo (CVE-2015-5372)",
            Flaw::HmacKeyConfusion => {
                "accept HMAC keyed with the IdP certificate (xml-crypto <= 1.5.3)"
            }
            Flaw::IdByLocalName => {
                "find the signed Assertion by any-namespace ID (attribute pollution)"
            }
            Flaw::EnvelopedOverRemoval => {
                "digest without every inner Signature; read the first NameID anywhere"
            }
            Flaw::SignatureDescendant => {
                "take a Signature anywhere below the Assertion as its own (CVE-2018-8085)"
            }
            Flaw::DescendantSubject => {
                "read the first Subject/NameID anywhere below the Assertion (CVE-2025-46572)"
            }
            Flaw::FirstTextNode => "read NameID/claims as their first text node (CVE-2017-11427)",
            Flaw::XswRootAssertion => {
                "verify the first Signature anywhere, read /Response/Assertion (XSW1-6)"
            }
            Flaw::XswLastId => "resolve IDs to the last match, read the first Assertion (XSW7/8)",
            Flaw::LastAssertion => "verify the first Assertion, read the last (CVE-2022-41912)",
            Flaw::DigestFirstChild => "read DigestValue's first child node (CVE-2025-29775)",
            Flaw::DigestAnywhere => "read the first DigestValue in the document (CVE-2024-45409)",
            Flaw::AllSignedInfo => "take References from every SignedInfo (CVE-2025-29774)",
            Flaw::SignedInfoMoved => {
                "move the first SignedInfo to the end, digest of the last (CVE-2020-15216)"
            }
            Flaw::SkipUnresolvedReferences => {
                "skip Signatures whose Reference names nothing (CVE-2026-18568)"
            }
            Flaw::MultipleRoots => "accept several roots, verify the first (CVE-2022-39299)",
            Flaw::DoctypeRoundTrip => "verify a re-serialised DOCTYPE copy (CVE-2025-25291)",
            Flaw::RecoveringParser => "repair documents that are not well-formed (recover mode)",
            Flaw::NamespaceBlind => "find the Assertion by local name, any namespace",
            Flaw::SkipEntityReferences => {
                "allow DTDs, read text without entity references (CVE-2018-0486)"
            }
            Flaw::PiAsText => {
                "canonicalize a processing instruction as its data, as text (CVE-2025-54419)"
            }
            Flaw::SplitSignatureParsers => "REXML/libxml2 split signature checks (CVE-2025-25292)",
            Flaw::VoidCanonicalization => {
                "take a failed canonicalization as its partial output (CVE-2025-66568)"
            }
            Flaw::IdsInDocumentCopy => "resolve IDs in a document copy (CVE-2025-23369)",
            Flaw::FirstSignatureInScope => {
                "verify the first Signature under the signed element (CVE-2021-21238)"
            }
            Flaw::ExternalEntities => "load external entities and DTDs (CVE-2016-10149)",
            Flaw::PhpNonet => {
                "load DTDs under PHP's LIBXML_NONET, files read (CVE-2024-52806)"
            }
            Flaw::XInclude => "process XInclude in the response",
            Flaw::RemoteReferences => "dereference remote Reference URIs (xmlsec default)",
            Flaw::KeyInfoRetrieval => "fetch KeyInfo's RetrievalMethod URI (CVE-2023-36661)",
            Flaw::XsltTransforms => {
                "run XSLT transforms with network reads (Santuario, no secure validation)"
            }
            Flaw::RelayPrefixCheck => "follow RelayState starting with one '/' (CVE-2019-3877)",
            Flaw::RelayAny => "follow any RelayState after the login (open redirect)",
            Flaw::RelayAnyUnsolicited => {
                "follow any RelayState after an IdP-initiated login (CVE-2026-27982)"
            }
            Flaw::RelayReflected => "write RelayState into the page after the login unescaped",
            Flaw::SignOnReflected => {
                "repeat an unknown /login?idp= in its error page unescaped (djangosaml2 < 1.5.6)"
            }
            Flaw::SessionFixation => "keep the pre-login session identifier (fixation)",
            Flaw::SloUnsigned => "take unsigned LogoutRequests at /saml/slo",
            Flaw::SloSignatureUnchecked => "take LogoutRequests whose signature does not verify",
            Flaw::SloAnySignature => {
                "verify a posted LogoutRequest by any signature that verifies, wherever it points (GHSA-63ch-w8pw-4mf2)"
            }
            Flaw::SloExpiryUnchecked => {
                "check a LogoutRequest's times against each other, not the clock (GHSA-vx8m-6fhw-pccw)"
            }
            Flaw::RedirectSmuggledParameters => {
                "read Redirect queries as OpenSAML C++ < 3.3.1 (CVE-2025-31335)"
            }
            Flaw::RedirectRequestBesideResponse => {
                "read Redirect queries as simplesamlphp/saml2 < 4.17.0 (CVE-2025-27773)"
            }
            Flaw::VerifyErrorAsSuccess => "read a verification error as success (CVE-2016-9814)",
            Flaw::EnvelopeInResponseTo => "check only the Response's InResponseTo",
            Flaw::IssuerPrefix => "match Issuer by prefix",
            Flaw::NormalisedIdentity => "NFKC-normalise and trim identities before lookup",
            Flaw::LaxClockSkew => "allow 30 minutes of clock skew",
            Flaw::PaosBypass => "serve protected pages to ECP headers (CVE-2019-3878)",
            Flaw::EncryptedTrusted => "take decrypted assertions as signed (CVE-2024-4985 class)",
            Flaw::EncryptedAnySignature => {
                "take a decrypted assertion as signed when another signature verifies (CVE-2026-2092)"
            }
            Flaw::EncryptedConditions => "skip time and audience checks on decrypted assertions",
            Flaw::Rsa15 => "accept RSA PKCS#1 v1.5 key transport",
            Flaw::DecryptedEntities => "parse decrypted plaintext with external entities",
            Flaw::EncryptedKeyCycle => {
                "follow EncryptedKey RetrievalMethods without a depth limit (xmlseclibs 3.x)"
            }
            Flaw::CipherReference => {
                "read xenc:CipherReference URIs, files too, while decrypting (libxmlsec1 defaults)"
            }
            Flaw::CipherReferenceInKey => {
                "fetch an EncryptedKey's xenc:CipherReference, refuse EncryptedData's"
            }
            Flaw::PaddingOracle => "answer a bad CBC padding with its own status (400)",
            Flaw::ParseOracle => "answer an unparsable decrypted plaintext with its own status (500)",
            Flaw::LassoSoapBody => "die on a SOAP envelope with an empty Body (Lasso 2.8.1)",
            Flaw::LassoAnyAttributes => {
                "die on an any_attributes attribute (Lasso < 2.9.0, CVE-2025-47151)"
            }
            Flaw::LassoCdataChild => "die on a CDATA child of the Response (Lasso < 2.9.0, CVE-2025-46705)",
            Flaw::GoxmldsigNilSignatureValue => {
                "die on a Signature without SignatureValue (goxmldsig < 1.1.0, CVE-2020-7711)"
            }
            Flaw::EntityExpansion => "expand internal entities with no limit (billion laughs)",
            Flaw::AssertionSignatureOptional => {
                "accept unsigned assertions in signed responses (WantAssertionsSigned)"
            }
            Flaw::DuplicateIds => "resolve duplicate IDs to the first, read the last Assertion",
            Flaw::VerboseErrors => "show a stack backtrace on refusals (debug mode)",
            Flaw::DoctypeCrashesWorker => {
                "crash on a DOCTYPE; 503 for the next response (robustness)"
            }
            Flaw::OneLoginAtATime => {
                "answer 500 to a sign-on while another is answered (robustness)"
            }
            Flaw::AcsRedirect => "take a Response by HTTP-Redirect (a GET) at the ACS",
            Flaw::NameIdOptional => {
                "map the account from the name claim when NameID is missing or empty"
            }
            Flaw::OneSessionPerUser => "end a user's earlier sessions at each new login",
            Flaw::RequestsAnyBrowser => {
                "take a response to a request sent to another browser (login CSRF)"
            }
            Flaw::LoginCookieOnly => {
                "take a response from any browser holding a login cookie (mod_auth_mellon)"
            }
            Flaw::NoSessionNoCheck => {
                "check no InResponseTo from a browser with no login started (python3-saml)"
            }
            Flaw::OneRequestAtATime => "remember only the latest AuthnRequest (one pending login)",
            Flaw::DocumentWideFields => {
                "verify every Signature, read every NameID and Audience (CVE-2017-1000452)"
            }
            Flaw::RegexFallback => {
                "on a refusal, sign in the <saml2:NameID> a regex finds (@better-auth/sso)"
            }
            Flaw::InflatePosted => "inflate posted responses, unbounded (CVE-2025-25293)",
            Flaw::SplitFieldsReadLast => {
                "of two SAMLResponse fields, verify the first and read the last"
            }
            Flaw::SplitFieldsReadFirst => {
                "of two SAMLResponse fields, verify the last and read the first"
            }
            Flaw::RawXmlUnbounded => {
                "take non-base64 responses as raw XML, any size (CVE-2025-54572)"
            }
            Flaw::ResponseIdInSql => {
                "look the Response's ID up by SQL text, quotes doubled (CVE-2025-9943)"
            }
            Flaw::InflateRedirect => "inflate Redirect LogoutRequests, unbounded (CVE-2023-28119)",
            Flaw::InflateAcsRedirect => {
                "take Responses by Redirect, inflated unbounded (CVE-2026-40988)"
            }
            Flaw::UnboundedTransforms => {
                "run every transform a Reference names (CVE-2021-39171)"
            }
            Flaw::UnboundedAttributes => {
                "parse elements with any number of attributes (GHSA-8344-3jmq-59r6)"
            }
            Flaw::EndTagTrim => {
                "trim end-tag names by backtracking, quadratic (GHSA-x4fp-j954-r2f4)"
            }
            Flaw::NodeSetCanonicalization => {
                "canonicalise SignedInfo against a node set, quadratic (PHP < 8.4)"
            }
            Flaw::KeepsRetiredKeys => "keep trusting keys re-read IdP metadata no longer lists",
            Flaw::NoKeyNoCheck => {
                "with no signing key in IdP metadata, skip signatures (CVE-2024-41107, samael)"
            }
            Flaw::UnmarkedKeyNoCheck => {
                "with only keys without `use` in IdP metadata, skip signatures (CVE-2026-16443)"
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
