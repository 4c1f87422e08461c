//! The catalogue, in run order. Ids are stable: scripts and expectation files depend on them.

use crate::check::{
    Capability as Cap, Check, Edit, Family, FieldOrder, Goal, Retrust, Seed, Severity as Sev,
};
use crate::family::{
    canon, dos, dsig, enc, info, inject, parse, sig, token, xsw, xxe, CORE_SIG, PROFILES, USENIX12,
};

/// Defaults for a check that forges identity under TM-B on an assertion-signed seed.
const FORGERY: Check = Check {
    id: "",
    aliases: &[],
    title: "",
    family: Family::Xsw,
    research_id: "",
    references: &[],
    severity: Sev::Critical,
    capability: Cap::OwnAccount,
    seed: Seed::AssertionSigned,
    goal: Goal::Impersonate,
    must: "verify the signature and read identity only from the element it covers",
    fix: "",
    tags: &[],
    provenance: "shape from the research catalogue; no known-vulnerable implementation run here",
    edit: Edit::Replay,
};

const XSW_MUST: &str = "read the identity only from the assertion the verified signature covers, located by the same reference; refuse responses with more than one assertion";
const XSW_FIX: &str = "after verifying, take the signed element from the verifier (not by a fresh XPath or ID lookup); require exactly one Assertion, unique IDs and the Signature as a direct child of what it signs";

const XSW: Check = Check {
    family: Family::Xsw,
    must: XSW_MUST,
    fix: XSW_FIX,
    tags: &["wrapping"],
    provenance: "SAML Raider XSWHelpers shape",
    ..FORGERY
};

const SIG: Check = Check {
    family: Family::Sig,
    capability: Cap::NothingSigned,
    seed: Seed::Any,
    // Nothing validly signed remains: whoever gets in, the SP accepted a forgery.
    goal: Goal::Misuse,
    must: "verify signatures with the IdP certificate from its metadata only",
    fix: "configure the IdP certificate explicitly and never take a key from the message's KeyInfo",
    tags: &["signature"],
    ..FORGERY
};

const TOKEN: Check = Check {
    family: Family::Cond,
    severity: Sev::High,
    capability: Cap::MisdirectedToken,
    seed: Seed::Any,
    goal: Goal::Misuse,
    provenance: "the IdP signs the token as it would for that situation",
    ..FORGERY
};

const STRICT: Check = Check {
    severity: Sev::Medium,
    capability: Cap::NonConformingIdp,
    goal: Goal::Strictness,
    ..TOKEN
};

/// A not-well-formed variant of the IdP's own response (TM-A, no identity change).
const MALFORMED: Check = Check {
    family: Family::Parse,
    references: &["XML 1.0 §1.2 (fatal errors)", "SAML Bindings §3.5.4"],
    severity: Sev::Medium,
    capability: Cap::NothingSigned,
    seed: Seed::Any,
    goal: Goal::Strictness,
    tags: &["parser-differential", "well-formedness"],
    provenance:
        "well-formedness probe; a recovering parser is the precondition of several differentials",
    must: "refuse a document that is not well-formed XML",
    fix: "parse with a conforming parser in strict mode (no recover=True / XML_PARSE_RECOVER)",
    ..XSW
};

/// A probe that makes the SP fetch a URL on the harness's canary listener: the IdP's own
/// response otherwise (TM-A), judged by whether anything reached the canary.
const FETCH: Check = Check {
    family: Family::Xxe,
    severity: Sev::High,
    capability: Cap::NothingSigned,
    seed: Seed::Any,
    goal: Goal::Contain,
    tags: &["xxe", "ssrf", "canary"],
    provenance: "payload shape from the research catalogue and SAML Raider's XXE templates; proven by a reference-SP flaw that parses with libxml2's external loading on",
    must: "never load external entities or external DTDs while parsing a SAML message",
    fix: "refuse any DOCTYPE before parsing; otherwise turn entity substitution and DTD loading off (lxml resolve_entities=False, no_network=True; libxml2 without XML_PARSE_NOENT/DTDLOAD; defusedxml)",
    ..XSW
};

/// A fetch probe judged by its local file, which the harness watches for opens: it catches a
/// parser kept off the network (which never reaches the canary's URLs) that still reads
/// `file:` URIs. Needs an SP that shares this machine's temporary directory.
const LOCAL_FETCH: Check = Check {
    tags: &["xxe", "file-disclosure", "local-file", "canary"],
    provenance: "the canary's shapes on a file: URI, for parsers kept off the network that still read files (PHP's LIBXML_NONET, lxml's no_network=True); proven by reference-SP flaws that parse as simplesamlphp/saml2 4.6.13 does on PHP 8, or with libxml2's external loading on",
    fix: "refuse any DOCTYPE before parsing; otherwise turn entity substitution and DTD loading off (libxml2 without XML_PARSE_NOENT/DTDLOAD, lxml resolve_entities=False, defusedxml): a no-network option (LIBXML_NONET, no_network=True) still reads files",
    ..FETCH
};

const PHP_XXE_REFERENCES: &[&str] = &[
    "CVE-2024-52806 (simplesamlphp/saml2 < 4.6.14)",
    "CVE-2024-52596 (simplesamlphp/xml-common < 1.20.0: php://filter past LIBXML_NONET)",
];

const PHP_XXE_PROVENANCE: &str = "xml-common's advisory GHSA-2x65-fpch-2fcm (php://filter/resource=http://… gets past LIBXML_NONET, which refuses only http:// and ftp:// URLs); SimpleSAMLphp's HTTP-POST binding re-serialises the message first, which keeps only the external-subset form; proven by a reference-SP flaw that parses as saml2 4.6.13 does on PHP 8";

const LOCAL_XXE_REFERENCES: &[&str] = &[
    "CVE-2024-52806 (simplesamlphp/saml2 < 4.6.14)",
    "OWASP XML External Entity Prevention Cheat Sheet",
];

const XXE_REFERENCES: &[&str] = &[
    "CVE-2016-10149 (pysaml2)",
    "CVE-2021-27736 (FusionAuth)",
    "OWASP XML External Entity Prevention Cheat Sheet",
];

/// The host the RelayState checks send the browser to (reserved by RFC 2606).
pub const EVIL_HOST: &str = "evil.test";

/// A RelayState the SP should not follow off its own origin (the IdP's own response).
const RELAY: Check = Check {
    family: Family::Relay,
    research_id: "RELAY-01",
    severity: Sev::Medium,
    capability: Cap::NothingSigned,
    seed: Seed::Any,
    goal: Goal::StayOnSite,
    tags: &["relay-state", "open-redirect"],
    provenance: "payload list from the research catalogue (RELAY-01); browsers resolve each as the WHATWG URL standard does, and so does the judge",
    must: "redirect after login only to its own pages",
    fix: "resolve RelayState against the SP's own base URL with a WHATWG URL parser and follow it only when the origin is the SP's (or on an allow-list); otherwise go to a default page",
    ..XSW
};

const RELAY_REFERENCES: &[&str] = &[
    "SAML Bindings §3.4.3 / §3.5.3 (RelayState)",
    "CVE-2019-13038 (mod_auth_mellon login?ReturnTo=, `https:` without slashes)",
    "CVE-2019-3877 (mod_auth_mellon logout?ReturnTo=, backslashes)",
    "CVE-2021-3639 (mod_auth_mellon logout?ReturnTo=, `///`)",
    "WHATWG URL Standard (backslashes, tabs and newlines)",
];

/// The request-binding (login CSRF) checks: the IdP's own response to one browser's request,
/// posted from another.
const REQUEST_BINDING: Check = Check {
    family: Family::Session,
    research_id: "PROT-05",
    references: &[
        "SAML Profiles §4.1.4.3 (InResponseTo equals the ID of its original AuthnRequest)",
        "OWASP SAML Security Cheat Sheet (login CSRF; validating session state for user)",
        "SimpleSAMLphp 2.5.1 (2d9426f: an InResponseTo whose request is not in this session is refused)",
    ],
    severity: Sev::Medium,
    capability: Cap::OwnAccount,
    seed: Seed::Any,
    goal: Goal::Misuse,
    tags: &["session", "login-csrf", "in-response-to"],
    must: "take a response only from the browser its request was sent to",
    ..FORGERY
};

/// References of the RelayState checks on IdP-initiated logins.
const RELAY_UNSOLICITED_REFERENCES: &[&str] = &[
    "CVE-2026-27982 / GHSA-2jpr-83rg-v67j (django-allauth < 65.14.1: RelayState followed unchecked after an IdP-initiated SAML login)",
    "SAML Bindings §3.5.3 (RelayState)",
    "SAML Profiles §4.1.5 (unsolicited responses)",
];

/// A forged unsigned Assertion encrypted to the SP beside the IdP's signed one (Keycloak's
/// encrypted-assertion injection): the `enc/unsigned-*-signed*` checks, which differ in where
/// the signed one sits.
const ENCRYPTED_BESIDE_SIGNED: Check = Check {
    family: Family::Enc,
    research_id: "ENC-01",
    references: &[
        "CVE-2026-2092 (Keycloak < 26.5.5, 26.4.10 and 26.2.14: encrypted assertion injection in the SAML broker, fixed by PR 46929)",
        "SAML Profiles §4.1.3.5 (the assertion or the response MUST be signed)",
    ],
    tags: &["encryption", "wrapping", "cve-2026-2092"],
    provenance: "Keycloak PR 46929 (\"Ensure that an encrypted assertion is signed if response is not signed\"): its SAMLEndpoint took a decrypted unsigned assertion when any ds:Signature sat outside the encryption, verified every signature in the document (the IdP's genuine one passes) and read the first assertion, the decrypted forgery; shape from the fix, not run against Keycloak here",
    must: "require a valid IdP signature on the very assertion it reads after decrypting (or on the Response around it), and refuse a response carrying more than one assertion",
    fix: "verify the decrypted Assertion's own signature (or the Response's) and read only the element that signature covers; another element's valid signature proves nothing about it",
    ..XSW
};

/// The IdP's own assertion encrypted to the SP, one of its ciphertexts named by an
/// `xenc:CipherReference` on the canary: the `enc/cipher-reference/*` checks.
const CIPHER_REFERENCE: Check = Check {
    family: Family::Enc,
    research_id: "",
    references: &[
        "OpenSAML-Java 4.3.0 (OSJ-367, commit 3e17da09: DefaultPreDecryptionValidator refuses any CipherReference before decrypting)",
        "Shibboleth IdP / OpenSAML-Java security advisory of 2022-12-12 (XSLT and XPath reachable through encrypted XML)",
        "Apache Santuario-Java 2.3.0 (SANTUARIO-573: the HTTP and local-file resolvers no longer registered by default)",
        "libxmlsec1 commit d7ca7bab (lsh123/xmlsec #1221: enabled URIs default to empty and same-document; no release through 1.3.12 has it)",
        "XML Encryption §3.3.1 (CipherReference)",
    ],
    tags: &["encryption", "ssrf", "canary", "cipher-reference"],
    provenance: "OpenSAML-Java before 4.3.0 passed EncryptedData and EncryptedKey to Santuario unchecked, which before 2.3.0 fetched http: and file: CipherReference URIs. libxmlsec1 through 1.3.12 enables every URI by default; 1.2.37 (Debian 12, with libxml2 2.9.14's HTTP, FTP and file input) fetched and read them, measured here for `xmlsec1 --decrypt` (pysaml2's command), Debian's python3-xmlsec (python3-saml's decryptor) and python3-lasso (mod_auth_mellon's), in each case before any signature is checked; builds without HTTP (the default since 1.2.40 and 1.3.5, PyPI's xmlsec wheels) still read file: URIs. `xmlsec1 --enabled-cipher-reference-uris` restricts the EncryptedData only, the EncryptedKey is decrypted in a fresh context",
    must: "refuse an EncryptedData or EncryptedKey whose ciphertext is a CipherReference, before decrypting anything",
    fix: "check the encrypted elements before decrypting: each CipherData must hold a CipherValue (OpenSAML-Java 4.3.0 and later do, DefaultPreDecryptionValidator); with libxmlsec1 refuse the element yourself, since enabledUris on the decryption context does not reach the EncryptedKey's own context",
    ..FETCH
};

/// Where the RelayState checks on IdP-initiated logins come from.
const RELAY_UNSOLICITED_PROVENANCE: &str = "django-allauth < 65.14.1 checked RelayState after SP-initiated logins only; after an IdP-initiated one (no InResponseTo) it sent the browser wherever RelayState said. Here the IdP's own response for the user, issued IdP-initiated as Entra issues one from My Apps, is posted with the address; an SP that refuses IdP-initiated logins passes";

/// The RelayState of `relay/reflected-markup`: it starts with `/`, so same-site checks let it
/// through to wherever the SP writes it.
pub const REFLECTED_MARKUP: &str = "/\"><svg data-saml-harness onload=alert(document.domain)>";

/// What of [`REFLECTED_MARKUP`] shows it was written into a page unescaped.
pub const REFLECTION_MARKER: &str = "<svg data-saml-harness";

/// The query parameters `relay/sign-on-markup` gives the sign-on URL: IdP selection and
/// return addresses as SP libraries and modules read them there (djangosaml2 `idp`, `next`;
/// mellon `ReturnTo`, `IdP`; Shibboleth `target`, `entityID`; RelayState; `returnTo`).
const SIGN_ON_PARAMETERS: &[&str] = &[
    "idp",
    "next",
    "RelayState",
    "ReturnTo",
    "returnTo",
    "target",
    "entityID",
    "IdP",
];

/// A login URL that takes a return address (`sp.return_to`), given one off the SP.
const RETURN_TO: Check = Check {
    tags: &["relay-state", "open-redirect", "return-to"],
    must: "redirect after login only to its own pages, whatever its login URL is given as the return address",
    ..RELAY
};

/// The IdP's own response and a forged copy as two `SAMLResponse` fields of one post (BIND-05):
/// only an SP that verifies one field and signs in the other falls.
const DUPLICATE_RESPONSE: Check = Check {
    id: "bind/duplicate-response/forged-first",
    family: Family::Bind,
    research_id: "BIND-05",
    references: &[
        "SAML Bindings §3.5.4 (the form carries the message in one SAMLResponse control)",
        "OWASP WSTG-INPV-04 (HTTP parameter pollution)",
    ],
    capability: Cap::OwnAccount,
    seed: Seed::Any,
    tags: &["binding", "parameter-pollution"],
    provenance: "no published SAML bypass of this shape (research 2026-12-04): form decoders disagree on which of two fields counts (the first in Werkzeug, mod_auth_mellon, Java servlets, Shibboleth and Keycloak; the last in Django's QueryDict, PHP's $_POST and Rack), so a stack whose signature check and login read the form through different accessors (a middleware and the app) verifies one copy and signs in the other. The forged copy is sig/tampered's (the identity changed after signing), so an SP that verifies and reads the same field signs in the attacker's own account or no one",
    must: "refuse a form with SAMLResponse twice, or verify and read the very same field",
    fix: "read SAMLResponse once, through one accessor, and hand those bytes to both the signature check and the login; refuse a post that carries it twice",
    edit: Edit::Duplicate(FieldOrder::ForgedFirst, sig::tampered),
    ..XSW
};

/// A Redirect-binding query that splices the IdP-signed parameters of the attacker's own
/// sign-out with the victim's LogoutRequest (BIND-02), sent to the SP's single logout URL.
const REDIRECT_SPLICE: Check = Check {
    family: Family::Bind,
    research_id: "BIND-02",
    severity: Sev::Medium,
    capability: Cap::OwnAccount,
    seed: Seed::Any,
    goal: Goal::StaySignedIn,
    tags: &["logout", "redirect-binding", "signature"],
    must: "read a Redirect query's message from the same parameter its signature covers, and refuse a query with a binding parameter twice, under an encoded name, or with both SAMLRequest and SAMLResponse",
    fix: "upgrade (OpenSAML C++ 3.3.1, simplesamlphp/saml2 4.17.0); build the signed octets and decode the message from the same raw pair, and refuse duplicate, encoded-name or mixed message parameters",
    ..XSW
};

/// Defaults for a check that first has the SP re-read changed IdP metadata (scenario
/// `sp.reload_idp_metadata`): they run alone, after the other checks and before `dos/`, and
/// give the SP its original metadata back after each.
const META: Check = Check {
    family: Family::Meta,
    seed: Seed::Any,
    goal: Goal::Impersonate,
    tags: &["metadata", "signature"],
    ..FORGERY
};

const METADATA_KEY_USE: &str =
    "SAML Metadata Errata Composite §2.4.1.1 (KeyDescriptor: with `use` omitted the key is for both signing and encryption)";

/// Defaults for a denial-of-service check: nothing signed needed, judged by the SP's time and
/// liveness. They run last, one at a time.
const DOS: Check = Check {
    family: Family::Dos,
    severity: Sev::Medium,
    capability: Cap::NothingSigned,
    seed: Seed::Any,
    goal: Goal::Withstand,
    ..FORGERY
};

/// COND-07, late: the validity window ten minutes in the past.
const SKEW_LATE: Check = Check {
    id: "cond/skew/late-10m",
    title: "every NotOnOrAfter passed ten minutes ago (a clock-skew probe)",
    research_id: "COND-07",
    references: &[
        "SAML Core §2.5.1.2",
        "SAML Profiles §4.1.4.2",
        "Shibboleth clockSkew default 180 s",
        "python3-saml ALLOWED_CLOCK_DRIFT 300 s",
    ],
    severity: Sev::Low,
    tags: &["clock-skew"],
    provenance:
        "research catalogue COND-07: beyond the 3–5 minutes of skew libraries allow by default",
    must: "refuse an assertion more than a few minutes past its NotOnOrAfter",
    fix: "allow at most 3–5 minutes of clock skew and keep the SP's clock synchronised (NTP)",
    edit: Edit::Bytes(token::late_by::<600>),
    ..STRICT
};

/// COND-07, early: the validity window ten minutes in the future.
const SKEW_EARLY: Check = Check {
    id: "cond/skew/early-10m",
    title: "every NotBefore ten minutes ahead (a clock-skew probe)",
    research_id: "COND-07",
    references: &["SAML Core §2.5.1.2", "Shibboleth clockSkew default 180 s"],
    severity: Sev::Low,
    tags: &["clock-skew"],
    provenance:
        "research catalogue COND-07: beyond the 3–5 minutes of skew libraries allow by default",
    must: "refuse an assertion more than a few minutes before its NotBefore",
    fix: "allow at most 3–5 minutes of clock skew and keep the SP's clock synchronised (NTP)",
    edit: Edit::Bytes(token::early_by_seconds::<600>),
    ..STRICT
};

/// One step of a clock-skew measurement (COND-07): the check's response moved this many
/// seconds outside its validity window instead of ten minutes.
pub struct SkewStep {
    /// How far outside the window, in seconds.
    pub seconds: u32,
    /// The check, its edit moved by `seconds`.
    pub check: Check,
}

const fn late_step<const S: i64>() -> SkewStep {
    SkewStep {
        seconds: S as u32,
        check: Check {
            edit: Edit::Bytes(token::late_by::<S>),
            ..SKEW_LATE
        },
    }
}

const fn early_step<const S: i64>() -> SkewStep {
    SkewStep {
        seconds: S as u32,
        check: Check {
            edit: Edit::Bytes(token::early_by_seconds::<S>),
            ..SKEW_EARLY
        },
    }
}

/// Both measurements' steps, in seconds, ascending: either side of the defaults libraries
/// ship (none in ruby-saml and node-saml, 180 s in Shibboleth, 300 s in python3-saml), so a
/// default reads as "between 175 s and 185 s" while a login takes less than 5 s; ten minutes
/// (the check itself); then far beyond.
macro_rules! skew_steps {
    ($step:ident) => {
        &[
            $step::<1>(),
            $step::<10>(),
            $step::<55>(),
            $step::<65>(),
            $step::<115>(),
            $step::<125>(),
            $step::<175>(),
            $step::<185>(),
            $step::<295>(),
            $step::<305>(),
            $step::<420>(),
            $step::<600>(),
            $step::<1800>(),
            $step::<3600>(),
            $step::<86400>(),
        ]
    };
}

/// The late measurement's steps.
const LATE_STEPS: &[SkewStep] = skew_steps!(late_step);

/// The early measurement's steps.
const EARLY_STEPS: &[SkewStep] = skew_steps!(early_step);

/// How a clock-skew check measures the skew it probes.
pub struct SkewMeasure {
    /// Where the response lands against its validity window (`past NotOnOrAfter`, `before
    /// NotBefore`).
    pub relation: &'static str,
    /// Which side of it the response lands (`late`, `early`).
    pub side: &'static str,
    /// The steps, ascending.
    pub steps: &'static [SkewStep],
}

/// How `check` measures the clock skew it probes, if it is a clock-skew check.
pub fn skew_measure(check: &Check) -> Option<SkewMeasure> {
    match check.id {
        id if id == SKEW_LATE.id => Some(SkewMeasure {
            relation: "past NotOnOrAfter",
            side: "late",
            steps: LATE_STEPS,
        }),
        id if id == SKEW_EARLY.id => Some(SkewMeasure {
            relation: "before NotBefore",
            side: "early",
            steps: EARLY_STEPS,
        }),
        _ => None,
    }
}

/// Every check, in run order.
pub const CATALOGUE: &[Check] = &[
    Check {
        id: "sig/none",
        title: "all signatures removed, identity forged",
        research_id: "SIG-01",
        references: &[PROFILES, "CVE-2012-5353", "CVE-2020-12676", "CVE-2020-2021"],
        must: "refuse a response with no signature on the Response or the Assertion",
        fix: "require a valid signature; treat a missing one as failure, not as 'nothing to check'",
        edit: Edit::Bytes(sig::none),
        ..SIG
    },
    Check {
        id: "sig/none-saml2-prefixed",
        title: "all signatures removed, identity forged, written with saml2p:/saml2: prefixes (as Shibboleth IdP and Okta write them)",
        research_id: "SIG-01",
        references: &[PROFILES, "@better-auth/sso 1.3.14–1.4.6 (better-auth PR 6682: on a refused response, `<saml2:NameID>` read by regex and signed in)"],
        tags: &["signature", "fallback"],
        provenance: "better-auth PR 6682's regression tests (an unsigned saml2p:Response whose saml2:NameID the fallback read); checked against @better-auth/sso 1.4.6 (forged identity signed in, by its callback and its ACS route, while sig/none was refused) and 1.4.7 (refused)",
        must: "refuse a response with no signature on the Response or the Assertion, however its elements are prefixed",
        fix: "never fall back to reading a response the SAML library refused; a failed validation signs nobody in",
        edit: Edit::Bytes(sig::none_saml2_prefixed),
        ..SIG
    },
    Check {
        id: "sig/keyinfo/x509",
        aliases: &["sig/untrusted-key"],
        title: "re-signed with the attacker's key, its certificate in KeyInfo",
        research_id: "SIG-03",
        references: &["CVE-2015-5372", "CVE-2024-32962 (xml-crypto 4.0.0 to < 6.0.0: the certificate in KeyInfo trusted by default, GHSA-2xp3-57p7-qf4v)", "CVE-2026-18089 (Net::SAML2 < 0.86: an embedded certificate used without checking it against the configured CA)", "W3C XML Signature Best Practices"],
        edit: Edit::Bytes(sig::keyinfo_x509),
        ..SIG
    },
    Check {
        id: "sig/keyinfo/key-value",
        title: "re-signed with the attacker's key, the bare key in KeyInfo/KeyValue",
        research_id: "SIG-04",
        references: &["CVE-2021-21239 (pysaml2: xmlsec1 accepted any key)"],
        edit: Edit::Bytes(sig::keyinfo_key_value),
        ..SIG
    },
    Check {
        id: "sig/keyinfo/none",
        title: "re-signed with the attacker's key, no KeyInfo",
        research_id: "SIG-05",
        references: &[PROFILES],
        edit: Edit::Bytes(sig::keyinfo_none),
        ..SIG
    },
    Check {
        id: "sig/keyinfo/cloned-cert",
        title: "re-signed with the attacker's key in a certificate cloning the IdP's subject, issuer and serial",
        research_id: "SIG-06",
        references: &["SAML Raider certificate cloning"],
        fix: "compare the whole certificate (or its key) with the configured one, never its names",
        edit: Edit::Bytes(sig::cloned_cert),
        ..SIG
    },
    Check {
        id: "sig/tampered",
        title: "identity changed after signing (digest no longer matches)",
        research_id: "SIG-09",
        references: &["XML-DSig Core §3.2.1 (reference validation)"],
        capability: Cap::OwnAccount,
        must: "refuse when a Reference digest does not match",
        fix: "check every Reference digest, not only the SignatureValue",
        edit: Edit::Bytes(sig::tampered),
        ..SIG
    },
    Check {
        id: "sig/empty/signature-value",
        title: "identity forged, SignatureValue empty",
        research_id: "SIG-09",
        references: &["samlify 2.10 NO_SIGNATURE_REFERENCES"],
        must: "treat an empty or unparsable SignatureValue as a failed verification",
        fix: "make every verification error a refusal (no 'verify returned -1' as success)",
        edit: Edit::Bytes(sig::empty_signature_value),
        ..SIG
    },
    Check {
        id: "sig/empty/digest-value",
        title: "identity forged, DigestValue empty",
        research_id: "SIG-09",
        references: &["XML-DSig Core §3.2.1"],
        must: "treat an empty DigestValue as a failed verification",
        fix: "compare digests exactly; an empty value never matches",
        edit: Edit::Bytes(sig::empty_digest_value),
        ..SIG
    },
    Check {
        id: "sig/hmac/sha1",
        title: "identity forged, HMAC-SHA1 keyed with the IdP certificate's PEM text",
        research_id: "SIG-07",
        references: &["GHSA-c27r-x354-4m68 (xml-crypto < 2.0.0)", "CVE-2018-7644", "CVE-2021-21239 fixtures"],
        seed: Seed::AssertionSigned,
        tags: &["signature", "hmac"],
        must: "accept only the asymmetric SignatureMethod it expects, never HMAC with a public key",
        fix: "pin the SignatureMethod (RSA/ECDSA) instead of taking it from the message",
        edit: Edit::Bytes(sig::hmac_sha1),
        ..SIG
    },
    Check {
        id: "sig/hmac/sha256",
        title: "identity forged, HMAC-SHA256 keyed with the IdP certificate's PEM text",
        research_id: "SIG-07",
        references: &["GHSA-c27r-x354-4m68 (xml-crypto < 2.0.0)", "CVE-2018-7644", "CVE-2021-21239 fixtures"],
        seed: Seed::AssertionSigned,
        tags: &["signature", "hmac"],
        must: "accept only the asymmetric SignatureMethod it expects, never HMAC with a public key",
        fix: "pin the SignatureMethod (RSA/ECDSA) instead of taking it from the message",
        edit: Edit::Bytes(sig::hmac_sha256),
        ..SIG
    },
    Check {
        id: "sig/hmac/sha384",
        title: "identity forged, HMAC-SHA384 keyed with the IdP certificate's PEM text",
        research_id: "SIG-07",
        references: &["GHSA-c27r-x354-4m68 (xml-crypto < 2.0.0)", "CVE-2018-7644", "CVE-2021-21239 fixtures"],
        seed: Seed::AssertionSigned,
        tags: &["signature", "hmac"],
        must: "accept only the asymmetric SignatureMethod it expects, never HMAC with a public key",
        fix: "pin the SignatureMethod (RSA/ECDSA) instead of taking it from the message",
        edit: Edit::Bytes(sig::hmac_sha384),
        ..SIG
    },
    Check {
        id: "sig/hmac/sha512",
        title: "identity forged, HMAC-SHA512 keyed with the IdP certificate's PEM text",
        research_id: "SIG-07",
        references: &["GHSA-c27r-x354-4m68 (xml-crypto < 2.0.0)", "CVE-2018-7644", "CVE-2021-21239 fixtures"],
        seed: Seed::AssertionSigned,
        tags: &["signature", "hmac"],
        must: "accept only the asymmetric SignatureMethod it expects, never HMAC with a public key",
        fix: "pin the SignatureMethod (RSA/ECDSA) instead of taking it from the message",
        edit: Edit::Bytes(sig::hmac_sha512),
        ..SIG
    },
    Check {
        id: "sig/hmac/der-key",
        title: "identity forged, HMAC-SHA256 keyed with the IdP certificate's DER bytes",
        research_id: "SIG-07",
        references: &["GHSA-c27r-x354-4m68 (xml-crypto < 2.0.0)", "CVE-2018-7644", "CVE-2021-21239 fixtures"],
        seed: Seed::AssertionSigned,
        tags: &["signature", "hmac"],
        must: "accept only the asymmetric SignatureMethod it expects, never HMAC with a public key",
        fix: "pin the SignatureMethod (RSA/ECDSA) instead of taking it from the message",
        edit: Edit::Bytes(sig::hmac_der),
        ..SIG
    },
    Check {
        id: "sig/hmac/base64-key",
        title: "identity forged, HMAC-SHA256 keyed with the IdP certificate's one-line base64",
        research_id: "SIG-07",
        references: &["GHSA-c27r-x354-4m68 (xml-crypto < 2.0.0)", "CVE-2018-7644", "CVE-2021-21239 fixtures"],
        seed: Seed::AssertionSigned,
        tags: &["signature", "hmac"],
        must: "accept only the asymmetric SignatureMethod it expects, never HMAC with a public key",
        fix: "pin the SignatureMethod (RSA/ECDSA) instead of taking it from the message",
        edit: Edit::Bytes(sig::hmac_base64),
        ..SIG
    },
    Check {
        id: "sig/hmac/pem-no-newline",
        title: "identity forged, HMAC-SHA1 keyed with the IdP certificate's PEM text without its final newline",
        research_id: "SIG-07",
        references: &["GHSA-c27r-x354-4m68 (xml-crypto < 2.0.0)", "saml2-js < 2.1.0 (xml-crypto 0.10; format_pem ends without a newline)"],
        seed: Seed::AssertionSigned,
        tags: &["signature", "hmac"],
        provenance: "saml2-js 1.12.3 format_pem: the same HMAC bug as sig/hmac/sha1 under another key text; a false pass there until this check",
        must: "accept only the asymmetric SignatureMethod it expects, never HMAC with a public key",
        fix: "pin the SignatureMethod (RSA/ECDSA) instead of taking it from the message; upgrade saml2-js to 2.1.0 or later",
        edit: Edit::Bytes(sig::hmac_pem_no_newline),
        ..SIG
    },
    Check {
        id: "sig/hmac/spki-pem-crlf",
        title: "identity forged, HMAC-SHA1 keyed with the IdP's public key as SPKI PEM with CRLF line ends, its certificate kept in KeyInfo",
        research_id: "SIG-07",
        references: &["GHSA-c27r-x354-4m68 (xml-crypto < 2.0.0)", "samlify < 2.4.0 (xml-crypto 0.10; node-forge publicKeyToPem)"],
        seed: Seed::AssertionSigned,
        tags: &["signature", "hmac"],
        provenance: "samlify 2.3.6 picks the key by the KeyInfo certificate and hands xml-crypto 0.10.1 node-forge's publicKeyToPem of it: forged identity signed in, while the other sig/hmac checks (no KeyInfo, certificate texts) were refused; samlify 2.7.7 refuses it",
        must: "accept only the asymmetric SignatureMethod it expects, never HMAC with a public key",
        fix: "pin the SignatureMethod (RSA/ECDSA) instead of taking it from the message; upgrade samlify to 2.4.0 or later",
        edit: Edit::Bytes(sig::hmac_spki_pem_crlf),
        ..SIG
    },
    Check {
        id: "sig/verify-error/dsa-method",
        title: "identity forged, SignatureMethod dsa-sha1 against the IdP's RSA key, SignatureValue meaningless",
        research_id: "SIG-08",
        references: &["CVE-2016-9814 (SimpleSAMLphp 201612-01, simplesamlphp/saml2 < 1.9.1 / 1.10.3 / 2.3.3)", "CVE-2016-9955 (SimpleSAMLphp < 1.14.11, SAML 1 validator)", "CVE-2018-7711 (SimpleSAMLphp 201803-01, the same bug on HTTP-Redirect)", "PHP openssl_verify returns -1 on error"],
        seed: Seed::AssertionSigned,
        tags: &["signature", "verify-error"],
        provenance: "SimpleSAMLphp advisory 201612-01 shape: digests recomputed, the verification itself forced into an error",
        must: "treat an error while verifying (a SignatureMethod that does not fit the key) as a failed signature",
        fix: "pin the SignatureMethod to what the IdP uses and accept only an explicit success from the verifier (`=== 1` for openssl_verify)",
        edit: Edit::Bytes(sig::verify_error_dsa),
        ..SIG
    },
    Check {
        id: "sig/verify-error/ecdsa-method",
        title: "identity forged, SignatureMethod ecdsa-sha256 against the IdP's RSA key, SignatureValue meaningless",
        research_id: "SIG-08",
        references: &["CWE-252 (unchecked return value)", "CVE-2016-9814 (the same bug class)"],
        seed: Seed::AssertionSigned,
        tags: &["signature", "verify-error"],
        provenance: "the CVE-2016-9814 bug class for verifiers that error on an ECDSA method with an RSA key (xmlseclibs itself has no ECDSA: PHP reports a plain mismatch there)",
        must: "treat an error while verifying (a SignatureMethod that does not fit the key) as a failed signature",
        fix: "pin the SignatureMethod to what the IdP uses and accept only an explicit success from the verifier",
        edit: Edit::Bytes(sig::verify_error_ecdsa),
        ..SIG
    },
    Check {
        id: "sig/assertion-unsigned",
        title: "a signed Response around an unsigned Assertion, where the SP's metadata asks for signed assertions",
        research_id: "SIG-02",
        references: &["SAML Metadata §2.4.4 (WantAssertionsSigned)", "SAML Profiles §4.1.3.5 (and errata E26)", "spid-sp-test 03"],
        severity: Sev::Medium,
        capability: Cap::NonConformingIdp,
        seed: Seed::ResponseSigned,
        goal: Goal::Strictness,
        tags: &["signature", "metadata"],
        provenance: "research catalogue SIG-02: Entra's \"Sign SAML response\" option against an SP that asked for signed assertions",
        must: "refuse an unsigned Assertion when its metadata says WantAssertionsSigned=\"true\"",
        fix: "require the Assertion's own signature, as the metadata promises (or publish WantAssertionsSigned=\"false\")",
        edit: Edit::Bytes(sig::assertion_unsigned),
        ..SIG
    },
    Check {
        id: "sig/detached",
        title: "the Assertion's Signature moved to the Response (original inside its Object), Assertion forged and unsigned",
        research_id: "SIG-11",
        references: &["CVE-2020-5390 (pysaml2 < 5.0.0)", CORE_SIG],
        capability: Cap::OwnAccount,
        seed: Seed::AssertionSigned,
        tags: &["signature", "wrapping", "cve-2020-5390"],
        must: "accept only a signature enveloped in the element it covers",
        fix: "require the Signature to be a direct child of the signed Response or Assertion",
        edit: Edit::Bytes(sig::detached),
        goal: Goal::Impersonate,
        ..SIG
    },
    Check {
        id: "sig/reference/dangling",
        title: "two Signatures whose References name an ID no element carries: the Assertion forged under a new ID, its Signature copied to the Response",
        research_id: "SIG-10",
        references: &["CVE-2026-18568 (XML::Sig 0.29 to 0.71, fixed in 0.72 by ef22cfe)", CORE_SIG],
        capability: Cap::OwnAccount,
        seed: Seed::AssertionSigned,
        tags: &["signature", "cve-2026-18568"],
        provenance: "XML::Sig 0.72's regression test t/031_verify_must_verify_something.t: a signed element edited and renamed so its Reference resolves to nothing, its Signature duplicated. XML::Sig's verify skips a Signature whose Reference names no element when there is more than one (from 0.33; any one before) and returns true after the loop; Net::SAML2 trusts that unless a CA certificate is configured",
        must: "count a signature as verified only when its Reference resolved to the element it envelops and its digest and value were checked; a Reference that names nothing is a failure",
        fix: "upgrade XML::Sig to 0.72 or later; require a positive verification of the Assertion that is read, never the absence of a failure",
        edit: Edit::Bytes(sig::dangling_references),
        goal: Goal::Impersonate,
        ..SIG
    },
    Check {
        id: "sig/reference/whole-document",
        title: "the signature's Reference is URI=\"\" (the whole document), signed by the IdP",
        research_id: "SIG-13",
        references: &[CORE_SIG],
        severity: Sev::Medium,
        capability: Cap::NonConformingIdp,
        goal: Goal::Strictness,
        must: "require exactly one Reference, to the ID of the element the Signature envelops",
        fix: "check Reference/@URI equals '#' + the signed element's ID",
        edit: Edit::Bytes(token::reference_whole_document),
        ..SIG
    },
    Check {
        id: "sig/reference/two",
        title: "SignedInfo carries two References, signed by the IdP",
        research_id: "SIG-12",
        references: &[CORE_SIG],
        severity: Sev::Medium,
        capability: Cap::NonConformingIdp,
        goal: Goal::Strictness,
        must: "require exactly one Reference in SignedInfo",
        fix: "refuse SignedInfo with more than one Reference",
        edit: Edit::Bytes(token::two_references),
        ..SIG
    },
    Check {
        id: "xsw/1",
        title: "XSW1: forged Response root, the signed original inside its Signature",
        research_id: "XSW-01",
        references: &[USENIX12, "CVE-2016-1000253"],
        seed: Seed::ResponseSigned,
        edit: Edit::Bytes(xsw::xsw1),
        ..XSW
    },
    Check {
        id: "xsw/2",
        title: "XSW2: forged Response root, the signed original detached before its Signature",
        research_id: "XSW-02",
        references: &[USENIX12],
        seed: Seed::ResponseSigned,
        edit: Edit::Bytes(xsw::xsw2),
        ..XSW
    },
    Check {
        id: "xsw/3",
        aliases: &["sig/xsw/1"],
        title: "XSW3: forged Assertion (new ID) inserted before the signed one",
        research_id: "XSW-03",
        references: &[USENIX12, "CVE-2016-5697"],
        edit: Edit::Bytes(xsw::xsw3),
        ..XSW
    },
    Check {
        id: "xsw/forged-without-audience",
        title: "XSW3 for readers of the whole document: forged Assertion (new ID, no AudienceRestriction) before the signed one",
        research_id: "XSW-03",
        references: &["CVE-2017-1000452 (samlify < 2.4.0: every Signature verified, each field read over the whole document)", USENIX12],
        tags: &["wrapping", "cve-2017-1000452"],
        provenance: "reconstructed from samlify 2.3.6's verifySignature and extractor (`//*[local-name(.)='NameID']/text()`); checked against samlify 2.3.6 (NameID read as [admin@contoso.com, B.Simon@contoso.com], while xsw/3's second Audience made its application refuse) and 2.7.7 (refused)",
        must: "read each field from the one Assertion the verified signature covers, never over the whole document; refuse responses with more than one assertion",
        edit: Edit::Bytes(xsw::forged_without_audience),
        ..XSW
    },
    Check {
        id: "xsw/4",
        title: "XSW4: forged Assertion wraps the signed one",
        research_id: "XSW-04",
        references: &[USENIX12],
        edit: Edit::Bytes(xsw::xsw4),
        ..XSW
    },
    Check {
        id: "xsw/5",
        title: "XSW5: Assertion forged in place, unsigned original appended to the Response",
        research_id: "XSW-05",
        references: &[USENIX12],
        edit: Edit::Bytes(xsw::xsw5),
        ..XSW
    },
    Check {
        id: "xsw/original-in-extensions",
        title: "XSW5 with the unsigned original in samlp:Extensions: Assertion forged in place (new ID, its Signature kept)",
        research_id: "XSW-05",
        references: &["CVE-2020-5390 (pysaml2 < 5.0.0)", USENIX12],
        tags: &["wrapping", "cve-2020-5390"],
        provenance: "a schema-valid variant of pysaml2 5.0.0's regression test (tests/saml2_response_xsw.xml wraps the original in an unqualified element after the forged Assertion; here samlp:Extensions after the Issuer); checked against pysaml2 4.9.0 and 4.4.0 (forged identity signed in, while xsw/5 was refused for a second Assertion child) and 5.0.0 (refused: the signature's Reference must name its enclosing element)",
        must: "verify that the signature's Reference names the very element it sits in, and read only that element",
        edit: Edit::Bytes(xsw::original_in_extensions),
        ..XSW
    },
    Check {
        id: "xsw/original-in-extensions-same-id",
        title: "the unsigned original in samlp:Extensions, the Assertion forged in place with the same ID and its Signature kept",
        research_id: "XSW-08",
        references: &["GHSA-w553-pwx6-3mg9 (LightSAML 5.0.0 and 4.6.1: xmlseclibs resolves the first element with the ID)", USENIX12],
        tags: &["wrapping", "duplicate-id"],
        provenance: "LightSAML's advisory and fix (litesaml/lightsaml PR 113) shape; not run here (Packagist is not reachable). Against a check that the Reference names the Assertion carrying the Signature (pysaml2's CVE-2020-5390 fix) this shape still holds",
        must: "refuse documents in which two elements carry the signed ID, and read only the element the verified Reference resolved",
        edit: Edit::Bytes(xsw::original_in_extensions_same_id),
        ..XSW
    },
    Check {
        id: "xsw/6",
        title: "XSW6: Assertion forged in place, unsigned original inside its Signature",
        research_id: "XSW-06",
        references: &[USENIX12],
        edit: Edit::Bytes(xsw::xsw6),
        ..XSW
    },
    Check {
        id: "xsw/7",
        title: "XSW7: forged copy with the same ID in an Extensions element before the signed one",
        research_id: "XSW-07",
        references: &[USENIX12],
        edit: Edit::Bytes(xsw::xsw7),
        ..XSW
    },
    Check {
        id: "xsw/8",
        title: "XSW8: Assertion forged in place (same ID), unsigned original in a ds:Object",
        research_id: "XSW-08",
        references: &[USENIX12],
        edit: Edit::Bytes(xsw::xsw8),
        ..XSW
    },
    Check {
        id: "xsw/status-detail",
        title: "signed original hidden in StatusDetail, forged Assertion in its place",
        research_id: "XSW-09",
        references: &["CVE-2025-25292 PoC"],
        edit: Edit::Bytes(xsw::status_detail),
        ..XSW
    },
    Check {
        id: "xsw/advice",
        title: "signed original nested in the Advice of a forged Assertion",
        research_id: "XSW-10",
        references: &["passport-saml 1advice-signed fixtures"],
        edit: Edit::Bytes(xsw::advice),
        ..XSW
    },
    Check {
        id: "xsw/lifted-signature",
        title: "the Assertion's Signature lifted to the Response, the signed original hidden in samlp:Extensions, a forged Assertion (new ID) in its place",
        research_id: "SIG-11",
        references: &["CVE-2025-47949 (samlify < 2.10.0)", "GHSA-r683-v43c-6xqv"],
        tags: &["wrapping", "cve-2025-47949"],
        provenance: "reconstructed from samlify 2.9.1's verifySignature; checked against samlify 2.9.1 (forged identity signed in) and 2.13.1 (the real user signed in)",
        must: "read the identity only from the element the verified signature covers",
        edit: Edit::Bytes(xsw::lifted_signature),
        ..XSW
    },
    Check {
        id: "xsw/assertions/signed-first",
        title: "two Assertions: the signed original, then a forged copy",
        research_id: "XSW-11",
        references: &["CVE-2022-41912 (crewjam/saml < 0.4.9)", "GHSA-j2jp-wvqg-wc2g", "CVE-2021-28091 (Lasso < 2.7.0: not every assertion of a response checked as signed)", "CVE-2020-5407 (Spring Security < 5.2.4 / 5.3.2: an appended assertion accepted)"],
        tags: &["wrapping", "cve-2022-41912"],
        provenance: "SAML Raider CVE_2022_41912 template shape",
        edit: Edit::Bytes(xsw::signed_first),
        ..XSW
    },
    Check {
        id: "xsw/assertions/forged-first",
        title: "two Assertions with one ID: a forged copy, then the signed original",
        research_id: "XSW-12",
        references: &["W3C XML Signature Best Practices (ID uniqueness)"],
        provenance: "research catalogue XSW-12, which names samlify CVE-2025-47949; samlify 2.9.1 refuses this shape (duplicate ID), its bug is xsw/lifted-signature",
        edit: Edit::Bytes(xsw::forged_first_same_id),
        ..XSW
    },
    Check {
        id: "xsw/assertions/signed-first-same-id",
        title: "two Assertions with one ID: the signed original, then a forged copy",
        research_id: "XSW-13",
        references: &["W3C XML Signature Best Practices (ID uniqueness)", "CVE-2024-8698 (Keycloak) class", "CVE-2022-41912 (crewjam/saml)"],
        tags: &["wrapping", "duplicate-id"],
        provenance: "research catalogue XSW-13: the forged copy placed later with the signed ID",
        edit: Edit::Bytes(xsw::signed_first_same_id),
        ..XSW
    },
    Check {
        id: "xsw/attribute-pollution",
        title: "a forged copy carrying saml:ID (namespaced) with the signed ID, before the original",
        research_id: "DSIG-09",
        references: &["The Fragile Lock (2025): attribute pollution", "W3C XML Signature Best Practices"],
        tags: &["wrapping", "attribute-pollution"],
        must: "resolve IDs only through the unqualified ID attribute the verifier used; refuse several assertions",
        fix: "take the signed element from the verifier; never look IDs up by local-name()",
        edit: Edit::Bytes(xsw::attribute_pollution),
        ..XSW
    },
    Check {
        id: "xsw/subject-in-signature",
        title: "a forged copy of the Subject inside the Assertion's own Signature (ds:Object), before the genuine one",
        research_id: "XSW-08",
        references: &["CVE-2025-46572 (passport-wsfed-saml2 < 4.6.4)", "GHSA-wjmp-wphq-jvqf", CORE_SIG],
        tags: &["wrapping", "descendant-path"],
        provenance: "passport-wsfed-saml2 fix e5cf3cc: `.//Subject/NameID` became a direct-child path; shape inferred from the fix (the advisory gives none)",
        must: "read the Subject and NameID as direct children of the signed Assertion, never by a descendant path",
        fix: "upgrade (passport-wsfed-saml2 4.6.4); select /Assertion/Subject/NameID, not .//Subject/NameID",
        edit: Edit::Bytes(xsw::subject_in_signature),
        ..XSW
    },
    Check {
        id: "xsw/attributes-in-signature",
        title: "a forged copy of the AttributeStatement inside the Assertion's own Signature (ds:Object), the Signature moved after the genuine statement",
        research_id: "XSW-08",
        references: &["CVE-2025-46573 (passport-wsfed-saml2 < 4.6.4)", "GHSA-8gqj-226h-gm8r", CORE_SIG],
        tags: &["wrapping", "descendant-path", "claims"],
        provenance: "passport-wsfed-saml2 fix (4.6.4): attributes read as direct children of the signed Assertion; 4.6.1 fills its profile from `.//AttributeStatement/Attribute` in document order, the last of each name winning, hence the Signature moved after the genuine statement; checked with the oracle on the e-mail claim against 4.6.1 (the forged address signed in) and 4.6.4 (ignored). Seen only by an oracle on a claim: the NameID stays as signed",
        must: "read the AttributeStatement as a direct child of the signed Assertion, never by a descendant path",
        fix: "upgrade (passport-wsfed-saml2 4.6.4); select /Assertion/AttributeStatement/Attribute, not .//AttributeStatement/Attribute",
        edit: Edit::Bytes(xsw::attributes_in_signature),
        ..XSW
    },
    Check {
        id: "xsw/roots/donor-first",
        title: "two root elements: IdP-signed metadata, then a Response holding a forged Assertion",
        research_id: "XSW-14",
        references: &["CVE-2022-39299 (passport-saml < 3.2.2)", "GHSA-m974-647v-whv7", "CVE-2022-39353", "CVE-2024-6800 (GitHub Enterprise Server before 3.10.16, 3.11.14, 3.12.8, 3.13.3: the IdP's public signed federation metadata as the donor)"],
        capability: Cap::AnySignedBlob,
        seed: Seed::Any,
        tags: &["wrapping", "golden-response", "cve-2022-39299"],
        provenance: "node-saml fixture response.root-signed.multiple-root-elements.xml shape (any IdP-signed root first)",
        must: "refuse a document with more than one root element",
        fix: "use an XML parser that rejects content after the root element",
        edit: Edit::Bytes(xsw::roots_donor_first),
        ..XSW
    },
    Check {
        id: "xsw/donor-signature-first",
        title: "a valid signature from IdP-signed metadata first in document order; Assertion forged and unsigned",
        research_id: "XSW-15",
        references: &["CVE-2025-47949", "CVE-2024-6800 (GitHub Enterprise Server before 3.10.16, 3.11.14, 3.12.8, 3.13.3: the IdP's public signed federation metadata as the donor)", "CVE-2025-24894 (spid-aspnetcore < 3.4.0, GHSA-36h8-r92j-w9vw) and CVE-2025-24895 (cie-aspnetcore, GHSA-vq63-8f72-f486): the document's first Signature verified", CORE_SIG],
        capability: Cap::AnySignedBlob,
        seed: Seed::Any,
        tags: &["wrapping", "golden-response"],
        must: "accept only a Signature that is a direct child of the Response or Assertion it covers",
        fix: "never verify 'the first Signature in the document'; verify the one enveloped in the element you consume",
        edit: Edit::Bytes(xsw::donor_signature_first),
        ..XSW
    },
    Check {
        id: "dsig/comment-in-digest-value",
        title: "DigestValue = <!--H(forged)-->H(original); Assertion forged",
        family: Family::Dsig,
        research_id: "DSIG-02",
        references: &["CVE-2025-29775 (xml-crypto < 2.1.6, 3.0.0–3.2.0, 4.0.0–6.0.0)"],
        tags: &["dsig", "cve-2025-29775"],
        provenance: "xml-crypto fixture valid_saml_with_digest_comment.xml shape",
        must: "read DigestValue as its whole text content",
        fix: "upgrade the XML-DSig library; read text content, never the first child node",
        edit: Edit::Bytes(dsig::comment_in_digest_value),
        ..XSW
    },
    Check {
        id: "dsig/digest-value-smuggled",
        title: "a second DigestValue with H(forged) in StatusDetail, first in document order",
        family: Family::Dsig,
        research_id: "DSIG-03",
        references: &["CVE-2024-45409 (ruby-saml < 1.17.0)"],
        tags: &["dsig", "cve-2024-45409"],
        provenance: "synacktiv CVE-2024-45409 PoC shape",
        must: "take DigestValue from the Reference inside the verified SignedInfo",
        fix: "look up Reference/DigestValue relative to SignedInfo (./), never with // from the document root",
        edit: Edit::Bytes(dsig::digest_value_smuggled),
        ..XSW
    },
    Check {
        id: "dsig/multiple-signed-info",
        title: "a second SignedInfo referencing the forged Assertion; original kept in a wrapper",
        family: Family::Dsig,
        research_id: "DSIG-01",
        references: &["CVE-2025-29774 (xml-crypto < 2.1.6, 3.0.0–3.2.0, 4.0.0–6.0.0)", "CVE-2019-3465 (xmlseclibs < 3.0.4: the first SignedInfo canonicalized, the References of every one checked)"],
        tags: &["dsig", "cve-2025-29774"],
        provenance: "xml-crypto fixture saml_multiple_signed_info_nodes.xml shape",
        must: "refuse a Signature with more than one SignedInfo, and more than one Assertion",
        fix: "upgrade the XML-DSig library; require exactly one SignedInfo and read References from it",
        edit: Edit::Bytes(dsig::multiple_signed_info),
        ..XSW
    },
    Check {
        id: "dsig/signed-info/forged-first",
        title: "the Assertion forged in place (same ID); in its Signature a SignedInfo with H(forged), then the genuine SignedInfo in its canonical form",
        family: Family::Dsig,
        research_id: "DSIG-01",
        references: &["CVE-2020-15216 (goxmldsig < 1.1.0; crewjam/saml < 0.4.2, GHSA-rrfw-hg9m-j47h)", "GHSA-q547-gmf8-8jr7"],
        tags: &["dsig", "cve-2020-15216"],
        provenance: "goxmldsig's regression test spoofedAsTodd (f6188fe): the first SignedInfo is canonicalized and moved to the end, the signature checked over the new first one, the digest of the last Reference",
        must: "refuse a Signature with more than one SignedInfo",
        fix: "upgrade goxmldsig to 1.1.0 or later (crewjam/saml 0.4.2, gosaml2 0.5.0); in general, require exactly one SignedInfo, SignatureValue and at most one KeyInfo, and read References only from the SignedInfo whose bytes were verified",
        edit: Edit::Bytes(dsig::signed_info_forged_first),
        ..XSW
    },
    Check {
        id: "dsig/multiple-signed-info-object-first",
        title: "a second SignedInfo referencing the forged Assertion in a ds:Object before the genuine one; original kept in a wrapper",
        family: Family::Dsig,
        research_id: "DSIG-01",
        references: &["CVE-2025-29774 (xml-crypto < 2.1.6, 3.0.0–3.2.0, 4.0.0–6.0.0)", "@boxyhq/saml20 < 1.10.0"],
        tags: &["dsig", "cve-2025-29774"],
        provenance: "checked against @boxyhq/saml20 1.8.0 (xml-crypto 6.0.0) and 1.9.0 (@boxyhq/xml-crypto 6.0.1): forged identity signed in while dsig/multiple-signed-info was refused (the SP trusts the first Reference in document order, the signature value is checked over the first SignedInfo child); 1.10.0 refuses it",
        must: "refuse a Signature with more than one SignedInfo, and read References only from the SignedInfo whose value was verified",
        fix: "upgrade the XML-DSig library; require exactly one SignedInfo and read References from it",
        edit: Edit::Bytes(dsig::multiple_signed_info_first),
        ..XSW
    },
    Check {
        id: "dsig/signature-in-claim",
        title: "the Assertion's Signature moved, unchanged, to the end of its first claim value (the enveloped transform still removes it there)",
        family: Family::Dsig,
        research_id: "none",
        references: &["CVE-2018-8085 (passport-wsfed-saml2 3.0.5 to 3.0.9, fixed in 3.0.10 by 10427c5)", "SAML Core §2.3.3 (ds:Signature, a child of the Assertion it signs) and §5.4.1 (enveloped signatures)"],
        severity: Sev::Medium,
        goal: Goal::Strictness,
        tags: &["dsig", "enveloped", "cve-2018-8085"],
        provenance: "passport-wsfed-saml2 10427c5's regression fixture (a signed assertion with its Signature at the end of a claim's AttributeValue): 3.0.9 found the Assertion's Signature by a descendant search, verified it, and read the claim with the signature's text in it, so a user could corrupt or drop a claim of their own (a group, say)",
        must: "take as the Assertion's signature only a ds:Signature that is its child; an Assertion without one is unsigned",
        fix: "locate the Signature as a child of the Assertion (/samlp:Response/saml:Assertion/ds:Signature), never by a descendant search",
        edit: Edit::Bytes(dsig::signature_in_claim),
        ..XSW
    },
    Check {
        id: "dsig/enveloped-over-removal",
        title: "a fake ds:Signature inside the signed Assertion, with a copy of the genuine SignatureValue, holds a forged Subject",
        family: Family::Dsig,
        research_id: "none",
        references: &["XML-DSig Core §6.6.4 (the enveloped-signature transform removes only its own Signature)", "node-saml/xml-crypto#585 (the transform removed every Signature with the verified SignatureValue)"],
        tags: &["dsig", "enveloped"],
        provenance: "shape from the enveloped-transform definition and OneUptime issue 2981 (a decoy Signature carrying the genuine SignatureValue); no known-vulnerable SP library run here: node-saml reads Subject only as a child of the Assertion",
        must: "let the enveloped transform remove only the Signature being verified, and read NameID from Subject",
        fix: "verify with a conforming XML-DSig library; read Subject/NameID by path, not the first NameID anywhere",
        edit: Edit::Bytes(dsig::enveloped_over_removal),
        ..XSW
    },
    Check {
        id: "dsig/namespace-confusion",
        title: "DTD gives an unprefixed Signature two namespaces: libxml2 verifies the genuine one in StatusDetail, REXML reads the forged Assertion's (DigestValue H(\"\"))",
        family: Family::Dsig,
        research_id: "DSIG-10",
        references: &["CVE-2025-25292 (ruby-saml < 1.12.4, 1.13.0–1.17.x)", "GHSA-754f-8gm6-c4r2", "GHSA-wx95-c6cv-8532 (Nokogiri: failed C14N returned \"\")"],
        tags: &["dsig", "parser-differential", "namespace", "dtd", "cve-2025-25292"],
        provenance: "SAML Raider CVE_2025_25292 template shape; checked against ruby-saml 1.17.0 (accepted) and 1.18.0 (refused)",
        must: "refuse DOCTYPEs, verify and read with one parser, and treat a failed canonicalization as a failed signature",
        fix: "upgrade ruby-saml to 1.18.0 or later; in general, take the Reference and DigestValue from the SignedInfo that was verified",
        edit: Edit::Bytes(dsig::namespace_confusion),
        ..XSW
    },
    Check {
        id: "dsig/namespace-hiding",
        title: "no DTD: `xml:xmlns` hides the genuine signature (in Extensions) from REXML but not from libxml2; the forged Assertion's signature has DigestValue H(\"\")",
        family: Family::Dsig,
        research_id: "DSIG-10",
        references: &["CVE-2025-66567 (ruby-saml < 1.18.0)", "GHSA-9v8j-x534-2fx3", "CVE-2025-66568", "Fedotkin, The Fragile Lock (PortSwigger Research, 2025)"],
        tags: &["dsig", "parser-differential", "namespace", "cve-2025-66567"],
        provenance: "The Fragile Lock shape; a helper's reconstruction was accepted by ruby-saml 1.17.0 and 1.12.4 (REXML 3.2.5, Nokogiri 1.13.10, libxml2 2.9.14) and refused by 1.18.0",
        must: "find the Signature the same way in the verifier and the reader, and treat a failed canonicalization as a failed signature",
        fix: "upgrade ruby-saml to 1.18.1 or later; take the Reference and DigestValue from the SignedInfo that was verified",
        edit: Edit::Bytes(dsig::namespace_hiding),
        ..XSW
    },
    Check {
        id: "dsig/void-canonicalization",
        title: "a void signature (RSA over \"\", DigestValue H(\"\")) on an Assertion libxml2 cannot canonicalize (relative namespace URI); identity forged",
        family: Family::Dsig,
        research_id: "DSIG-11",
        references: &["CVE-2025-66568 (ruby-saml < 1.18.0)", "CVE-2025-66578 (xmlseclibs < 3.1.4)", "CVE-2025-66475 (php-saml, through xmlseclibs)"],
        capability: Cap::NonConformingIdp,
        tags: &["dsig", "canonicalization", "cve-2025-66568", "cve-2025-66578"],
        provenance: "trigger checked on libxml2 2.9.14 through Nokogiri 1.13.10 (C14N fails, \"\" returned); models a reusable Golden SAML Response",
        must: "treat a canonicalization failure as a failed signature, never digest an empty result",
        fix: "upgrade xmlseclibs to 3.1.4+ / ruby-saml to 1.18.0+; check the C14N result before hashing it",
        edit: Edit::Bytes(dsig::void_canonicalization),
        ..XSW
    },
    Check {
        id: "dsig/entity-defined-id",
        title: "IDs written as entity references: a libxml2 document copy resolves the Reference to the signed copy in ds:Object; the forged Assertion is read",
        family: Family::Dsig,
        research_id: "DSIG-12",
        references: &["CVE-2025-23369 (GitHub Enterprise Server SAML)"],
        tags: &["dsig", "dtd", "wrapping", "cve-2025-23369"],
        provenance: "SAML Raider CVE_2025_23369 template shape; libxml2 copy behaviour checked with Nokogiri (2.9.14) and lxml (2.14.6)",
        must: "refuse DOCTYPEs, and resolve the Reference and read the identity in one and the same document",
        fix: "reject any DOCTYPE; never resolve IDs in a copy of the document; read the Assertion the verifier returned",
        edit: Edit::Bytes(dsig::entity_defined_id),
        ..XSW
    },
    Check {
        id: "dsig/transform/xpath",
        title: "signed by the IdP with an XPath filter transform in the Reference",
        family: Family::Dsig,
        research_id: "DSIG-05",
        references: &["SAML Core §5.4.4 (SHOULD NOT: transforms other than enveloped and exclusive C14N)", "W3C XML Signature Best Practices (avoid XPath filtering)"],
        severity: Sev::Low,
        tags: &["dsig", "transform"],
        must: "refuse transforms other than enveloped-signature and exclusive C14N: an XPath filter can leave any part of the assertion unsigned",
        fix: "check every Transform against an allow-list before verifying (as OpenSAML's SAMLSignatureProfileValidator does)",
        edit: Edit::Bytes(dsig::xpath_transform),
        ..STRICT
    },
    Check {
        id: "dsig/reference/remote-uri",
        title: "a second Reference in SignedInfo with a URI on the canary",
        family: Family::Dsig,
        research_id: "DSIG-08",
        references: &["Pummel (SignedInfo remote reference)", "W3C XML Signature Best Practices §2.1.3 (only same-document References)", "SAML Core §5.4.2 (one Reference, URI=#ID)"],
        tags: &["dsig", "ssrf", "canary"],
        must: "dereference only same-document References (URI=\"#ID\"), and only the one SAML allows, before any digest is computed",
        fix: "check SignedInfo has exactly one Reference to the signed element's ID before verifying; restrict the verifier to same-document URIs (xmlsec enabledReferenceUris = SameDocument)",
        edit: Edit::Bytes(dsig::remote_reference),
        ..FETCH
    },
    Check {
        id: "dsig/transform/xslt",
        title: "an XSLT transform whose stylesheet reads a canary URL with document()",
        family: Family::Dsig,
        research_id: "DSIG-04",
        references: &["SAML Raider (XSLT template)", "CVE-2022-47966 (Zoho ManageEngine: Apache Santuario 1.4.1 ran the XSLT before verifying)", "Project Zero 2022: XSLT in XML signatures (Java)", "SAML Core §5.4.4 (enveloped and exclusive C14N only)", "W3C XML Signature Best Practices §2.1.2 (avoid XSLT)"],
        tags: &["dsig", "transform", "xslt", "ssrf", "canary"],
        must: "check every Transform against the two SAML allows before running any (no XSLT, no XPath)",
        fix: "allow-list Transforms (enveloped-signature, exclusive C14N) before verifying; never let the XML-DSig library run XSLT on untrusted signatures",
        edit: Edit::Bytes(dsig::xslt_transform),
        ..FETCH
    },
    Check {
        id: "dsig/keyinfo/retrieval-method",
        title: "KeyInfo replaced by a RetrievalMethod on the canary (the signature still verifies)",
        family: Family::Dsig,
        research_id: "DSIG-07",
        references: &["W3C XML Signature §4.5.3 (RetrievalMethod)", "W3C XML Signature Best Practices §2.1.4", "Pummel (KeyInfo remote retrieval)"],
        tags: &["dsig", "keyinfo", "ssrf", "canary"],
        must: "take the verification key from configuration only and never resolve KeyInfo references",
        fix: "verify with the IdP certificate from metadata and ignore KeyInfo; disable RetrievalMethod / KeyInfoReference resolution in the XML-DSig library",
        edit: Edit::Bytes(dsig::retrieval_method),
        ..FETCH
    },
    Check {
        id: "dsig/keyinfo/reference",
        title: "KeyInfo replaced by a dsig11:KeyInfoReference on the canary (the signature still verifies)",
        family: Family::Dsig,
        research_id: "DSIG-07",
        references: &["CVE-2023-36661 (Shibboleth xmltooling < 3.2.4)", "XML Signature 1.1 §4.5.11 (KeyInfoReference)"],
        tags: &["dsig", "keyinfo", "ssrf", "canary", "cve-2023-36661"],
        must: "take the verification key from configuration only and never resolve KeyInfo references",
        fix: "upgrade xmltooling to 3.2.4 or later; in general verify with the IdP certificate from metadata and ignore KeyInfo",
        edit: Edit::Bytes(dsig::key_info_reference),
        ..FETCH
    },
    Check {
        id: "canon/comment/name-id",
        title: "IdP-signed look-alike account; <!----> in NameID cuts it to the target",
        family: Family::Canon,
        research_id: "CANON-01",
        references: &["CVE-2017-11427", "CVE-2017-11428", "CVE-2017-11429", "CVE-2017-11430", "CVE-2018-0489", "CVE-2018-7340"],
        seed: Seed::Any,
        tags: &["canonicalization", "comment-truncation"],
        provenance: "Duo Labs 2018 advisory shape",
        must: "read NameID as its whole text content (all text nodes), or refuse comments in it",
        fix: "use the text content of the element, not its first text node",
        edit: Edit::Bytes(canon::comment_name_id),
        ..XSW
    },
    Check {
        id: "canon/pi/name-id",
        title: "IdP-signed look-alike account; its suffix moved into a processing instruction in NameID (xml-crypto writes an instruction as its data)",
        family: Family::Canon,
        research_id: "CANON-03",
        references: &["CVE-2025-54419 (@node-saml/node-saml < 5.1.0)", "GHSA-4mxg-3p6v-xgq3", "CVE-2025-54369 (GHSA-m837-g268-mmv7, the same fix)"],
        seed: Seed::Any,
        tags: &["canonicalization", "cve-2025-54419"],
        provenance: "reconstructed from xml-crypto's canonicalization of processing instructions and node-saml's xml2js reading; checked against node-saml 5.0.1, 4.0.5 and passport-saml 3.2.4 (forged identity signed in) and node-saml 5.1.0 (the look-alike account); an xml-crypto that writes instructions as C14N says hides the bug from this shape",
        must: "canonicalize processing instructions as C14N says (the signature then breaks) and read the identity from what was signed",
        fix: "upgrade @node-saml/node-saml to 5.1.0 or later; in general read the identity from the verifier's signed bytes",
        edit: Edit::Bytes(canon::pi_name_id),
        ..XSW
    },
    Check {
        id: "canon/pi/claims",
        title: "IdP-signed look-alike account; its suffix moved into a processing instruction in the e-mail and name claims",
        family: Family::Canon,
        research_id: "CANON-03",
        references: &["CVE-2025-54419 (@node-saml/node-saml < 5.1.0)", "GHSA-4mxg-3p6v-xgq3", "CVE-2025-54369 (GHSA-m837-g268-mmv7, the same fix)"],
        seed: Seed::Any,
        tags: &["canonicalization", "cve-2025-54419"],
        provenance: "canon/pi/name-id's shape in the claims; checked with the oracle on the e-mail claim against node-saml 5.0.1 (the target's address signed in) and 5.1.0 (the look-alike); node-saml 4.0.5 and passport-saml 3.2.4 read claims the same way (a helper's hand-made forgery)",
        must: "canonicalize processing instructions as C14N says (the signature then breaks) and read claims from what was signed",
        fix: "upgrade @node-saml/node-saml to 5.1.0 or later; in general read claims from the verifier's signed bytes",
        edit: Edit::Bytes(canon::pi_claims),
        ..XSW
    },
    Check {
        id: "canon/comment/claims",
        title: "IdP-signed look-alike account; <!----> in the e-mail and name claims",
        family: Family::Canon,
        research_id: "CANON-02",
        references: &["Duo Labs 2018 (CVE-2017-11427 family)"],
        seed: Seed::Any,
        tags: &["canonicalization", "comment-truncation"],
        provenance: "Duo Labs 2018 advisory shape, in attribute values",
        must: "read AttributeValue as its whole text content",
        fix: "use the text content of each AttributeValue, not its first text node",
        edit: Edit::Bytes(canon::comment_claims),
        ..XSW
    },
    Check {
        id: "canon/cdata/name-id",
        title: "IdP-signed look-alike account; a CDATA section in NameID holds the target",
        family: Family::Canon,
        research_id: "CANON-03",
        references: &["parser differential family (CANON-03)"],
        seed: Seed::Any,
        tags: &["canonicalization"],
        provenance: "parser-differential family (research catalogue CANON-03)",
        must: "read NameID as its whole text content (CDATA included)",
        fix: "use the text content of the element, not its first child node",
        edit: Edit::Bytes(canon::cdata_name_id),
        ..XSW
    },
    Check {
        id: "canon/entity/name-id",
        title: "IdP-signed look-alike account; an internal entity in NameID carries the suffix",
        family: Family::Canon,
        research_id: "CANON-04",
        references: &["CVE-2018-0486 (Shibboleth xmltooling < 1.6.3)"],
        seed: Seed::Any,
        tags: &["canonicalization", "dtd"],
        provenance: "Shibboleth security advisory 2018-01-12 (CVE-2018-0486) shape",
        must: "refuse documents with a DOCTYPE, and read NameID as its whole text content",
        fix: "reject any DOCTYPE before parsing; never skip entity-reference nodes when reading text",
        edit: Edit::Bytes(canon::entity_name_id),
        ..XSW
    },
    Check {
        id: "canon/cdata/claims",
        title: "IdP-signed look-alike account; a CDATA section in the e-mail and name claims holds the target",
        family: Family::Canon,
        research_id: "CANON-03",
        references: &["parser differential family (CANON-03)"],
        seed: Seed::Any,
        tags: &["canonicalization"],
        provenance: "parser-differential family (research catalogue CANON-03)",
        must: "read claims as their whole text content (CDATA included)",
        fix: "use the text content of the element, not its first child node",
        edit: Edit::Bytes(canon::cdata_claims),
        ..XSW
    },
    Check {
        id: "canon/entity/claims",
        title: "IdP-signed look-alike account; an internal entity in the e-mail and name claims carries the suffix",
        family: Family::Canon,
        research_id: "CANON-04",
        references: &["CVE-2018-0486 (Shibboleth xmltooling < 1.6.3)"],
        seed: Seed::Any,
        tags: &["canonicalization", "dtd"],
        provenance: "Shibboleth security advisory 2018-01-12 (CVE-2018-0486) shape",
        must: "refuse documents with a DOCTYPE, and read claims as their whole text content",
        fix: "reject any DOCTYPE before parsing; never skip entity-reference nodes when reading text",
        edit: Edit::Bytes(canon::entity_claims),
        ..XSW
    },
    Check {
        id: "canon/normalise/nbsp",
        title: "IdP-signed look-alike account: the target's e-mail followed by a no-break space",
        family: Family::Canon,
        research_id: "CANON-06",
        references: &["Unicode TR #15 (NFKC maps U+00A0 to a space)", "CWE-178, CWE-180 (normalise before validating)"],
        severity: Sev::Medium,
        seed: Seed::Any,
        tags: &["canonicalization", "normalisation"],
        provenance: "research catalogue CANON-06; account-mapping bugs where a Unicode-aware trim or NFKC runs before the lookup",
        must: "map the account from the identifier exactly as signed (or refuse identifiers with spaces and invisible characters)",
        fix: "compare identifiers byte for byte (ASCII case-folding at most); never trim or Unicode-normalise them before the account lookup",
        edit: Edit::Bytes(canon::normalise_nbsp),
        ..XSW
    },
    Check {
        id: "canon/normalise/zero-width",
        title: "IdP-signed look-alike account: the target's e-mail with a zero-width space after the @",
        family: Family::Canon,
        research_id: "CANON-06",
        references: &["RFC 3454 table B.1 (nameprep maps U+200B to nothing)", "CWE-178, CWE-180"],
        severity: Sev::Medium,
        seed: Seed::Any,
        tags: &["canonicalization", "normalisation"],
        provenance: "research catalogue CANON-06; a domain normalised with IDNA2003 nameprep loses the character",
        must: "map the account from the identifier exactly as signed (or refuse identifiers with invisible characters)",
        fix: "compare identifiers byte for byte; never run nameprep or strip invisible characters before the account lookup",
        edit: Edit::Bytes(canon::normalise_zero_width),
        ..XSW
    },
    Check {
        id: "canon/normalise/fullwidth",
        title: "IdP-signed look-alike account: the target's e-mail with a fullwidth local part (ａｄｍｉｎ@)",
        family: Family::Canon,
        research_id: "CANON-06",
        references: &["Unicode TR #15 (NFKC folds fullwidth forms)", "Django normalize_username (NFKC)", "CWE-178, CWE-180"],
        severity: Sev::Medium,
        seed: Seed::Any,
        tags: &["canonicalization", "normalisation"],
        provenance: "research catalogue CANON-06; NFKC before the account lookup folds the look-alike onto the target",
        must: "map the account from the identifier exactly as signed",
        fix: "compare identifiers byte for byte; if accounts are NFKC-normalised, normalise at creation and refuse identifiers that change under NFKC",
        edit: Edit::Bytes(canon::normalise_fullwidth),
        ..XSW
    },
    Check {
        id: "parse/doctype-round-trip",
        title: "DOCTYPE quote/comment round trip: one parser sees the forged Response, a re-serialised copy the original",
        family: Family::Parse,
        research_id: "PARSE-02",
        references: &["CVE-2025-25291 (ruby-saml < 1.18.0)"],
        seed: Seed::Any,
        tags: &["parser-differential", "cve-2025-25291"],
        provenance: "SAML Raider CVE_2025_25291 template shape",
        must: "refuse documents with a DOCTYPE, and verify and read one and the same parse",
        fix: "reject any DOCTYPE before parsing; never re-serialise and re-parse between verifying and reading",
        edit: Edit::Bytes(parse::doctype_round_trip),
        ..XSW
    },
    Check {
        id: "parse/doctype",
        title: "a benign internal DOCTYPE before the IdP's own response",
        family: Family::Parse,
        research_id: "PARSE-01",
        references: &["CVE-2018-0486 (Shibboleth: DTDs refused since)", "W3C XML Signature Best Practices"],
        severity: Sev::Low,
        capability: Cap::NothingSigned,
        seed: Seed::Any,
        goal: Goal::Strictness,
        tags: &["parser-differential", "dtd"],
        provenance: "defence-in-depth probe; no exploit by itself",
        must: "refuse documents that carry a DOCTYPE",
        fix: "reject any DOCTYPE before parsing (SAML never needs one)",
        edit: Edit::Bytes(parse::doctype_benign),
        ..XSW
    },
    Check {
        id: "parse/malformed/trailing-content",
        title: "text after the root element (not well-formed), the IdP's own response otherwise",
        research_id: "PARSE-03",
        edit: Edit::Bytes(parse::trailing_content),
        ..MALFORMED
    },
    Check {
        id: "parse/malformed/duplicate-attribute",
        title: "the Response start tag repeats an attribute (not well-formed)",
        research_id: "PARSE-03",
        edit: Edit::Bytes(parse::duplicate_attribute),
        ..MALFORMED
    },
    Check {
        id: "parse/malformed/unclosed-root",
        title: "the root element's end tag is missing (not well-formed)",
        research_id: "PARSE-03",
        edit: Edit::Bytes(parse::unclosed_root),
        ..MALFORMED
    },
    Check {
        id: "parse/encoding/mislabelled",
        title: "the IdP's UTF-8 response under an XML declaration that says UTF-16",
        research_id: "PARSE-05",
        references: &["XML 1.0 §4.3.3 (an entity in another encoding than declared is a fatal error)", "EsPReSSO encoding attacks"],
        severity: Sev::Low,
        tags: &["parser-differential", "encoding"],
        must: "refuse a document whose declared encoding contradicts its bytes",
        fix: "parse with a conforming parser in strict mode; never decode with one charset and verify with another",
        edit: Edit::Bytes(parse::mislabelled_encoding),
        ..MALFORMED
    },
    Check {
        id: "parse/schema/assertion-in-assertion",
        title: "the signed Assertion as the first child of a forged one (schema-invalid) whose own Signature names the forged ID",
        family: Family::Parse,
        research_id: "PARSE-04",
        references: &["CVE-2021-21238 (pysaml2 < 6.5.0)", "SAML Core §2.3.3 (Assertion content model)"],
        tags: &["parser-differential", "schema", "wrapping", "cve-2021-21238"],
        provenance: "pysaml2 test fixture shape (tests/xsw/signed-xsw-assertion-in-assertion-first-sig.xml)",
        must: "validate the message against the SAML schema (or refuse nested Assertions) and verify exactly the Signature that is a direct child of the element read",
        fix: "upgrade pysaml2 to 6.5.0+; validate against the SAML XSDs before verifying; verify the Signature whose Reference names the element, not the first one under it",
        edit: Edit::Bytes(parse::assertion_in_assertion),
        ..XSW
    },
    Check {
        id: "parse/schema/response-in-response",
        title: "the IdP-signed Response as the first child of a forged one (schema-invalid) whose own Signature names the forged ID",
        family: Family::Parse,
        research_id: "PARSE-04",
        references: &["CVE-2021-21238 (pysaml2 < 6.5.0)", "GHSA-f4g9-h89h-jgv9", "SAML Core §3.2.2 (Response content model)"],
        seed: Seed::ResponseSigned,
        tags: &["parser-differential", "schema", "wrapping", "cve-2021-21238"],
        provenance: "pysaml2 test fixture shape (tests/xsw/signed-xsw-response-in-response-first-sig.xml); a helper's hand-made copy signed in as admin on pysaml2 6.4.1 checking the Response signature, refused by 6.5.0",
        must: "validate the message against the SAML schema (or refuse nested Responses) and verify exactly the Signature that is a direct child of the element read",
        fix: "upgrade pysaml2 to 6.5.0+; validate against the SAML XSDs before verifying; verify the Signature whose Reference names the element, not the first one under it",
        edit: Edit::Bytes(parse::response_in_response),
        ..XSW
    },
    Check {
        id: "parse/namespace/foreign-assertion",
        title: "a forged Assertion element in a foreign namespace (SAML children) before the signed one",
        family: Family::Parse,
        research_id: "PARSE-06",
        references: &["The Fragile Lock (namespace confusion)", "SAML Core §2.3.3 (Assertion is saml:Assertion)"],
        tags: &["parser-differential", "namespace"],
        provenance: "shape from the research catalogue (PARSE-06)",
        must: "find SAML elements by namespace and local name, the same way the verifier does",
        fix: "select the Assertion namespace-aware (or take it from the verifier); never by local-name() or tag string",
        edit: Edit::Bytes(parse::foreign_namespace_assertion),
        ..XSW
    },
    Check {
        id: "xxe/external-entity",
        title: "an external general entity on the canary, referenced in an Extensions element",
        research_id: "XXE-01",
        references: XXE_REFERENCES,
        edit: Edit::Bytes(xxe::external_entity),
        ..FETCH
    },
    Check {
        id: "xxe/parameter-entity",
        title: "an external parameter entity on the canary, expanded in the internal DTD subset",
        research_id: "XXE-02",
        references: XXE_REFERENCES,
        edit: Edit::Bytes(xxe::parameter_entity),
        ..FETCH
    },
    Check {
        id: "xxe/external-dtd",
        title: "a DOCTYPE whose external subset is on the canary",
        research_id: "XXE-03",
        references: XXE_REFERENCES,
        edit: Edit::Bytes(xxe::external_dtd),
        ..FETCH
    },
    Check {
        id: "xxe/exfiltrate",
        title: "a DTD from the canary reads a local file and sends its content back in a URL",
        research_id: "XXE-02",
        references: XXE_REFERENCES,
        severity: Sev::Critical,
        tags: &["xxe", "ssrf", "file-disclosure", "canary"],
        edit: Edit::Bytes(xxe::exfiltrate),
        ..FETCH
    },
    Check {
        id: "xxe/xinclude",
        title: "an XInclude of a canary URL in an Extensions element (no DTD)",
        research_id: "XXE-05",
        references: &["XML Inclusions (XInclude) 1.0", "OWASP XML Security Cheat Sheet (XInclude)"],
        severity: Sev::Medium,
        tags: &["xxe", "xinclude", "ssrf", "canary"],
        must: "never process XInclude in a SAML message",
        fix: "do not call XInclude processing (lxml xinclude(), libxml2 XML_PARSE_XINCLUDE) on untrusted input",
        edit: Edit::Bytes(xxe::xinclude),
        ..FETCH
    },
    Check {
        id: "xxe/php-filter/external-dtd",
        title: "a DOCTYPE whose external subset is php://filter/resource= a canary URL (PHP's wrapper gets past LIBXML_NONET)",
        research_id: "XXE-03",
        references: PHP_XXE_REFERENCES,
        provenance: PHP_XXE_PROVENANCE,
        edit: Edit::Bytes(xxe::php_filter_external_dtd),
        ..FETCH
    },
    Check {
        id: "xxe/php-filter/parameter-entity",
        title: "an external parameter entity at php://filter/resource= a canary URL, expanded in the internal DTD subset",
        research_id: "XXE-02",
        references: PHP_XXE_REFERENCES,
        provenance: PHP_XXE_PROVENANCE,
        edit: Edit::Bytes(xxe::php_filter_parameter_entity),
        ..FETCH
    },
    Check {
        id: "xxe/file/external-entity",
        title: "an external general entity on a local file (file: URI) the harness watches, referenced in an Extensions element",
        research_id: "XXE-01",
        references: &[
            "lxml: no_network=True still loads entities from local files (resolve_entities on by default before lxml 5.0)",
            "OWASP XML External Entity Prevention Cheat Sheet",
        ],
        edit: Edit::Bytes(xxe::local_external_entity),
        ..LOCAL_FETCH
    },
    Check {
        id: "xxe/file/parameter-entity",
        title: "an external parameter entity on a local file (file: URI) the harness watches, expanded in the internal DTD subset",
        research_id: "XXE-02",
        references: LOCAL_XXE_REFERENCES,
        edit: Edit::Bytes(xxe::local_parameter_entity),
        ..LOCAL_FETCH
    },
    Check {
        id: "xxe/file/external-dtd",
        title: "a DOCTYPE whose external subset is a local file (file: URI) the harness watches",
        research_id: "XXE-03",
        references: LOCAL_XXE_REFERENCES,
        edit: Edit::Bytes(xxe::local_external_dtd),
        ..LOCAL_FETCH
    },
    Check {
        id: "xxe/file/xinclude",
        title: "an XInclude of a local file (file: URI) the harness watches, in an Extensions element (no DTD)",
        research_id: "XXE-05",
        references: &["XML Inclusions (XInclude) 1.0", "OWASP XML Security Cheat Sheet (XInclude)"],
        severity: Sev::Medium,
        tags: &["xxe", "xinclude", "file-disclosure", "local-file", "canary"],
        must: "never process XInclude in a SAML message",
        fix: "do not call XInclude processing (lxml xinclude(), libxml2 XML_PARSE_XINCLUDE) on untrusted input; a no-network option does not stop file: includes",
        edit: Edit::Bytes(xxe::local_xinclude),
        ..LOCAL_FETCH
    },
    Check {
        id: "relay/absolute",
        title: "RelayState https://evil.test/ on the IdP's own response",
        references: RELAY_REFERENCES,
        edit: Edit::RelayState("https://evil.test/"),
        ..RELAY
    },
    Check {
        id: "relay/unsolicited/absolute",
        title: "RelayState https://evil.test/ on the IdP's response for an IdP-initiated login (no InResponseTo)",
        references: RELAY_UNSOLICITED_REFERENCES,
        provenance: RELAY_UNSOLICITED_PROVENANCE,
        edit: Edit::UnsolicitedRelayState("https://evil.test/"),
        ..RELAY
    },
    Check {
        id: "relay/unsolicited/scheme-relative",
        title: "RelayState //evil.test/ on the IdP's response for an IdP-initiated login (no InResponseTo)",
        references: RELAY_UNSOLICITED_REFERENCES,
        provenance: RELAY_UNSOLICITED_PROVENANCE,
        edit: Edit::UnsolicitedRelayState("//evil.test/"),
        ..RELAY
    },
    Check {
        id: "relay/scheme-relative",
        title: "RelayState //evil.test/ (scheme-relative)",
        references: RELAY_REFERENCES,
        edit: Edit::RelayState("//evil.test/"),
        ..RELAY
    },
    Check {
        id: "relay/triple-slash",
        title: "RelayState ///evil.test/ (the shape of mellon CVE-2021-3639)",
        references: RELAY_REFERENCES,
        edit: Edit::RelayState("///evil.test/"),
        ..RELAY
    },
    Check {
        id: "relay/backslash",
        title: "RelayState /\\evil.test/ (starts with one slash; browsers read \\ as /; the shape of mellon CVE-2019-3877)",
        references: RELAY_REFERENCES,
        edit: Edit::RelayState("/\\evil.test/"),
        ..RELAY
    },
    Check {
        id: "relay/double-backslash",
        title: "RelayState \\\\evil.test/",
        references: RELAY_REFERENCES,
        edit: Edit::RelayState("\\\\evil.test/"),
        ..RELAY
    },
    Check {
        id: "relay/tab",
        title: "RelayState /<TAB>/evil.test/ (browsers drop the tab)",
        references: RELAY_REFERENCES,
        edit: Edit::RelayState("/\t/evil.test/"),
        ..RELAY
    },
    Check {
        id: "relay/scheme-colon",
        title: "RelayState https:evil.test/ (no slashes; the shape of mellon CVE-2019-13038)",
        references: RELAY_REFERENCES,
        edit: Edit::RelayState("https:evil.test/"),
        ..RELAY
    },
    Check {
        id: "relay/javascript",
        title: "RelayState javascript:alert(document.domain)// (a script URL)",
        research_id: "RELAY-02",
        references: RELAY_REFERENCES,
        tags: &["relay-state", "open-redirect", "xss"],
        edit: Edit::RelayState("javascript:alert(document.domain)//"),
        ..RELAY
    },
    Check {
        id: "relay/reflected-markup",
        title: "the IdP's own response with RelayState /\"><svg data-saml-harness onload=…>: written into the ACS's page unescaped?",
        research_id: "RELAY-02",
        references: &["SAML Bindings §3.4.3 (RelayState)", "CWE-79 (reflected cross-site scripting)", "OWASP Cross Site Scripting Prevention Cheat Sheet"],
        goal: Goal::Escape,
        tags: &["relay-state", "xss"],
        provenance: "research catalogue RELAY-02; judged by the ACS's answer: the markup appearing in an HTML page with its < unescaped (HTML-escaped or URL-encoded copies pass)",
        must: "never write RelayState into a page without HTML-escaping it",
        fix: "send the browser on with a Location header (URL-encoded), or HTML-escape RelayState, attribute context included, in any page that carries it (an auto-submit form, a link, a meta refresh)",
        edit: Edit::RelayState(REFLECTED_MARKUP),
        ..RELAY
    },
    Check {
        id: "relay/sign-on-markup",
        title: "the sign-on URL opened with /\"><svg data-saml-harness onload=…> in idp, next, RelayState, ReturnTo, returnTo, target, entityID and IdP: written into its page unescaped?",
        research_id: "RELAY-02",
        references: &["djangosaml2 < 1.5.6 (an unknown `idp` written into the login view's 403 page; fixed by PR 368)", "djangosaml2 < 1.5.4 (the `next` parameter, PR 359)", "CWE-79 (reflected cross-site scripting)"],
        goal: Goal::Escape,
        tags: &["xss", "sign-on"],
        provenance: "djangosaml2's login view answered an `idp` it did not know with \"Error: IdP EntityID {idp} was not found in metadata\", unescaped (Crypt-Server issue 129: /saml2/login/?idp=</script><svg/onload=alert(origin)>); judged by the SP's own answers, its redirects on its origin followed: the markup in an HTML page with its < unescaped",
        must: "never write a sign-on parameter into a page without HTML-escaping it",
        fix: "HTML-escape every request parameter an error or auto-submit page carries (Django: escape() or template autoescaping), or refuse an unknown value without echoing it",
        edit: Edit::SignOnQuery(SIGN_ON_PARAMETERS),
        ..RELAY
    },
    Check {
        id: "relay/return-to/absolute",
        title: "the login URL's return address https://evil.test/",
        references: &["SAML Bindings §3.4.3 (RelayState)", "CWE-601"],
        edit: Edit::ReturnTo("https://evil.test/"),
        ..RETURN_TO
    },
    Check {
        id: "relay/return-to/scheme-colon",
        title: "the login URL's return address https:evil.test/ (no slashes; mod_auth_mellon CVE-2019-13038)",
        references: &["CVE-2019-13038 (mod_auth_mellon <= 0.14.2, login?ReturnTo=)"],
        edit: Edit::ReturnTo("https:evil.test/"),
        ..RETURN_TO
    },
    Check {
        id: "relay/return-to/backslash",
        title: "the login URL's return address /\\evil.test/ (the shape of mellon CVE-2019-3877, there on logout)",
        references: &["CVE-2019-3877 (mod_auth_mellon < 0.14.2, logout?ReturnTo=)"],
        edit: Edit::ReturnTo("/\\evil.test/"),
        ..RETURN_TO
    },
    Check {
        id: "relay/return-to/tab",
        title: "the login URL's return address /<TAB>/evil.test/ (browsers drop the tab)",
        references: &["WHATWG URL Standard (tabs and newlines removed)", "CWE-601"],
        edit: Edit::ReturnTo("/\t/evil.test/"),
        ..RETURN_TO
    },
    Check {
        id: "relay/return-to/triple-slash",
        title: "the login URL's return address ///evil.test/ (the shape of mellon CVE-2021-3639, there on logout)",
        references: &["CVE-2021-3639 (mod_auth_mellon < 0.18.0, logout?ReturnTo=)", "WHATWG URL Standard"],
        edit: Edit::ReturnTo("///evil.test/"),
        ..RETURN_TO
    },
    Check {
        id: "relay/logout-return-to/absolute",
        title: "no login: the logout URL's return address https://evil.test/",
        references: &["SAML Bindings §3.4.3 (RelayState)", "CWE-601"],
        must: "redirect after logout only to its own pages",
        edit: Edit::LogoutReturnTo("https://evil.test/"),
        ..RETURN_TO
    },
    Check {
        id: "relay/logout-return-to/backslash",
        title: "no login: the logout URL's return address /\\evil.test/ (mod_auth_mellon CVE-2019-3877)",
        references: &["CVE-2019-3877 (mod_auth_mellon < 0.14.2, logout?ReturnTo=)"],
        must: "redirect after logout only to its own pages",
        edit: Edit::LogoutReturnTo("/\\evil.test/"),
        ..RETURN_TO
    },
    Check {
        id: "relay/logout-return-to/triple-slash",
        title: "no login: the logout URL's return address ///evil.test/ (mod_auth_mellon CVE-2021-3639)",
        references: &["CVE-2021-3639 (mod_auth_mellon < 0.18.0, logout?ReturnTo=)"],
        must: "redirect after logout only to its own pages",
        edit: Edit::LogoutReturnTo("///evil.test/"),
        ..RETURN_TO
    },
    Check {
        id: "session/fixation",
        title: "the cookies the browser held before the login, replayed after it",
        family: Family::Session,
        research_id: "SESS-01",
        references: &["OWASP Session Management Cheat Sheet (renew the session ID after login)", "CWE-384 (session fixation)"],
        severity: Sev::Medium,
        capability: Cap::NothingSigned,
        seed: Seed::Any,
        goal: Goal::FreshSession,
        tags: &["session", "fixation"],
        provenance: "judged directly: a second browser holding only the pre-login cookies asks the protected page",
        must: "issue a new session identifier when the login succeeds, so cookies planted before it are worthless",
        fix: "regenerate the session ID at the ACS (e.g. Flask/Django cycle_key, PHP session_regenerate_id) and drop the pre-login one",
        edit: Edit::Genuine,
        ..XSW
    },
    Check {
        id: "session/request-binding/fresh-browser",
        title: "a login started in one browser, the IdP's own response to it posted from a second, fresh browser",
        provenance: "judged directly: the attacker starts a login in their own browser and lets the IdP answer it, then a page of theirs posts that response from the victim's browser, which holds no cookie of the SP. node-saml (validateInResponseTo: always) looks request IDs up in a process-wide cache (its default in-memory one); python3-saml and ruby-saml skip the check when the application passes no request ID (a browser with no session has none); SimpleSAMLphp before 2.5.1 takes a response whose request it cannot find as unsolicited. Read from the libraries' source; no advisory of their own. A refusal counts only when the same response then signs in the browser that asked for it",
        fix: "keep each AuthnRequest ID in the session (or a signed cookie) of the browser it was sent to, refuse a response with InResponseTo when that browser holds none, require a match, and drop it once answered",
        edit: Edit::OtherBrowser(crate::SecondBrowser::Fresh),
        ..REQUEST_BINDING
    },
    Check {
        id: "session/request-binding/pending-login",
        title: "a login started in one browser, the IdP's own response to it posted from a second browser that has started a login of its own",
        provenance: "judged directly: as the fresh-browser check, but the victim's browser first opens the sign-on URL (before the attacker's login), so it holds the SP's pre-login cookies and a request of its own. mod_auth_mellon checks only that its cookie is present (any value), never which request the browser sent; a browser with no cookie gets 400",
        fix: "compare InResponseTo with the request IDs kept for this browser, not with the mere presence of a pre-login cookie",
        edit: Edit::OtherBrowser(crate::SecondBrowser::MidLogin),
        ..REQUEST_BINDING
    },
    Check {
        id: "bind/acs-redirect",
        title: "the IdP's own response by HTTP-Redirect: a GET of the ACS with SAMLResponse deflated into the query, though the SP names HTTP-POST",
        family: Family::Bind,
        research_id: "BIND-01",
        references: &["SAML Profiles §4.1.2 step 5 (the HTTP Redirect binding MUST NOT be used for the <Response>)", "SAML Bindings §3.4 (HTTP Redirect)", "SAML Profiles §4.1.4.5 (the Response reaches the ACS by POST or Artifact)"],
        severity: Sev::Low,
        capability: Cap::NothingSigned,
        seed: Seed::Any,
        goal: Goal::Strictness,
        tags: &["binding", "redirect"],
        provenance: "a Response in a query string ends up in browser history, proxy and server logs and Referer headers; SimpleSAMLphp's SP takes whichever binding a request arrives by (Binding::getCurrentBinding), saml2-js has redirect_assert",
        must: "take the Response only by the bindings its metadata names for the ACS (Entra posts; a GET carrying SAMLResponse gets 405 or 400, as mod_auth_mellon answers)",
        fix: "route only POST to the ACS, or check the request's binding against the ACS's before reading the message",
        edit: Edit::ByRedirect,
        ..XSW
    },
    Check {
        id: "bind/paos-header",
        title: "no login: the protected page requested with ECP headers (Accept: application/vnd.paos+xml, PAOS: ver=…)",
        family: Family::Bind,
        research_id: "BIND-06",
        references: &["CVE-2019-3878 (mod_auth_mellon < 0.14.2)", "SAML Profiles §4.2 (Enhanced Client or Proxy)", "Liberty PAOS binding"],
        severity: Sev::Critical,
        capability: Cap::NothingSigned,
        seed: Seed::Any,
        goal: Goal::StayProtected,
        tags: &["ecp", "paos", "auth-bypass"],
        provenance: "the headers an ECP client sends (Profiles §4.2.3.1; Accept as in mellon's ECP documentation); the mellon bypass needed Apache as a reverse proxy (mod_proxy), so an SP serving local files may not show it",
        must: "answer an anonymous request with ECP headers with an ECP AuthnRequest or a refusal, never with the protected page",
        fix: "upgrade mod_auth_mellon to 0.14.2 or later; treat an ECP request as unauthenticated until an ECP login completes",
        edit: Edit::AnonymousHeaders(&[
            ("Accept", "text/html, application/vnd.paos+xml"),
            ("PAOS", "ver=\"urn:liberty:paos:2003-08\";\"urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp\""),
        ]),
        ..XSW
    },
    Check {
        id: "bind/duplicate-response/forged-first",
        title: "two SAMLResponse fields in one post: the IdP's response with the identity changed after signing first, then the IdP's own",
        ..DUPLICATE_RESPONSE
    },
    Check {
        id: "bind/duplicate-response/forged-last",
        title: "two SAMLResponse fields in one post: the IdP's own response first, then the same with the identity changed after signing",
        edit: Edit::Duplicate(FieldOrder::ForgedLast, sig::tampered),
        ..DUPLICATE_RESPONSE
    },
    Check {
        id: "slo/unsigned",
        title: "after a good login, the IdP's LogoutRequest for that session sent to the SP's single logout URL without its signature",
        family: Family::Slo,
        research_id: "SLO-01",
        references: &["SAML Profiles §4.4.4.1 (the requester MUST authenticate itself: on the front channel, by signing)", "SAML Bindings §3.4.4.1 (query signature)", "CWE-345"],
        severity: Sev::Medium,
        capability: Cap::NothingSigned,
        seed: Seed::Any,
        goal: Goal::StaySignedIn,
        tags: &["logout", "signature"],
        provenance: "the IdP's own LogoutRequest (NameID and SessionIndex of the victim's session) with SigAlg and Signature left out; judged by whether the victim's session survives, and passed only once the IdP's signed LogoutRequest ends it",
        must: "refuse a LogoutRequest whose query signature is missing and keep the session",
        fix: "require signed LogoutRequests from the IdP (python3-saml: security.wantMessagesSigned; samlify: wantLogoutRequestSigned) and verify SigAlg/Signature over the raw query with the IdP certificate",
        edit: Edit::Logout(crate::check::LogoutForgery::Unsigned),
        ..XSW
    },
    Check {
        id: "slo/untrusted-key",
        title: "after a good login, the IdP's LogoutRequest for that session with a query signature by a key the attacker made",
        family: Family::Slo,
        research_id: "SLO-01",
        references: &["SAML Profiles §4.4.4.1", "SAML Bindings §3.4.4.1 (query signature)", "CWE-347"],
        severity: Sev::Medium,
        capability: Cap::NothingSigned,
        seed: Seed::Any,
        goal: Goal::StaySignedIn,
        tags: &["logout", "signature"],
        provenance: "the IdP's own LogoutRequest with SigAlg rsa-sha256 and a Signature made with a fresh RSA key in no metadata: what an SP that checks that a signature is present, not that it verifies, accepts",
        must: "verify a LogoutRequest's query signature with the IdP certificate from its metadata, and keep the session when it does not verify",
        fix: "verify SigAlg/Signature over the raw query octets with the IdP's certificate and treat any verification failure or error as a refusal",
        edit: Edit::Logout(crate::check::LogoutForgery::UntrustedKey),
        ..XSW
    },
    Check {
        id: "slo/expired",
        title: "after a good login, the IdP's signed LogoutRequest for that session, issued an hour ago with a NotOnOrAfter half an hour ago",
        family: Family::Slo,
        research_id: "SLO-01",
        references: &["SAML Core §3.7.1 (LogoutRequest NotOnOrAfter: the time at which the request expires)", "SAML Core §1.3.3 (time values)", "GHSA-vx8m-6fhw-pccw (@node-saml/node-saml < 4.0.5, its POST path)"],
        severity: Sev::Low,
        capability: Cap::MisdirectedToken,
        seed: Seed::Any,
        goal: Goal::StaySignedIn,
        tags: &["logout", "replay", "clock-skew"],
        provenance: "the IdP's LogoutRequest for the victim's session with IssueInstant an hour and NotOnOrAfter half an hour before the IdP issued it (far past any clock-skew allowance), query-signed by the IdP: a sign-out message captured and sent again after it expired. It predates the victim's login, so an SP that ignores LogoutRequests older than the session also keeps it",
        must: "refuse a LogoutRequest whose NotOnOrAfter has passed (or whose IssueInstant is older than a few minutes) and keep the session",
        fix: "check a LogoutRequest's NotOnOrAfter and IssueInstant against the current time with a few minutes of skew, as for assertions (node-saml: upgrade to 4.0.5 or later)",
        edit: Edit::Logout(crate::check::LogoutForgery::Expired),
        ..XSW
    },
    Check {
        id: "slo/deflate-bomb",
        title: "after a good login, the IdP's signed LogoutRequest for that session with 32 MiB of line feeds before it in its DEFLATE stream: about 45 KB in the query",
        family: Family::Slo,
        research_id: "BIND-03",
        references: &[
            "CVE-2023-28119 / GHSA-5mqj-xc49-246p (crewjam/saml < 0.4.13: Redirect-binding messages inflated without a bound, in its SP's LogoutResponse path and its IdP's AuthnRequest decoder; fixed by 8e92368, a 10 MiB cap)",
            "CVE-2026-40988 (Spring Security saml2-service-provider: the REDIRECT binding for login or logout inflated into an unbounded writer)",
            "SAML Bindings §3.4.4.1 (DEFLATE encoding)",
            "CWE-409 (highly compressed data)",
        ],
        severity: Sev::Medium,
        capability: Cap::NothingSigned,
        seed: Seed::Any,
        goal: Goal::StaySignedIn,
        tags: &["logout", "redirect-binding", "denial-of-service", "deflate", "cve-2023-28119"],
        provenance: "crewjam/saml's ValidateLogoutResponseRedirect (and its IdP's AuthnRequest decoder) inflated the query's message with no bound before checking anything, so a link of about 45 KB cost it 32 MiB or more; the fix reads through a capped reader. crewjam's SP takes no LogoutRequest, so this check does not reach it: it sends the same bomb down the path of SPs that take the IdP's sign-out requests. Here the message at the end of the line feeds is the IdP's own signed LogoutRequest for the victim's session, so a session it ends shows the SP inflated all of it; an SP that stops at a bound is left with blank lines and keeps the session. An SP that inflates it all and then refuses it by size pays the memory: with an error answer that reads as inconclusive, with a quiet refusal as a pass",
        must: "inflate a Redirect-binding message through a reader capped at the largest message it accepts, and keep the session when the cap is reached",
        fix: "upgrade (crewjam/saml 0.4.13, Spring Security with the CVE-2026-40988 fix); inflate with a bound (Go: io.LimitReader; Python: zlib.decompressobj(-15).decompress(data, max_length); PHP: gzinflate($data, $max)); a web server whose URL limit is below the query (Apache's default 8 KB, Node's 16 KB) refuses it before the SAML code sees it",
        edit: Edit::Logout(crate::check::LogoutForgery::DeflateBomb),
        ..XSW
    },
    Check {
        id: "slo/post/unsigned",
        title: "after a good login, the IdP's LogoutRequest for that session posted (HTTP-POST) to the SP's single logout URL without a signature",
        family: Family::Slo,
        research_id: "SLO-01",
        references: &["SAML Profiles §4.4.4.1 (the requester MUST authenticate itself: on the front channel, by signing)", "SAML Bindings §3.5.5.2 (an HTTP-POST message is signed inside, an enveloped XML signature)", "CWE-345"],
        severity: Sev::Medium,
        capability: Cap::NothingSigned,
        seed: Seed::Any,
        goal: Goal::StaySignedIn,
        tags: &["logout", "post-binding", "signature"],
        provenance: "the IdP's own LogoutRequest (NameID and SessionIndex of the victim's session) posted as SAMLRequest with no ds:Signature; judged by whether the victim's session survives, and passed only once the IdP's enveloped-signed LogoutRequest, posted the same way, ends one",
        must: "refuse a posted LogoutRequest that carries no signature and keep the session",
        fix: "require signed LogoutRequests from the IdP on every binding the single logout URL takes (samlify: wantLogoutRequestSigned; node-saml: the IdP certificate set) and verify the enveloped signature over the LogoutRequest itself",
        edit: Edit::Logout(crate::check::LogoutForgery::PostUnsigned),
        ..XSW
    },
    Check {
        id: "slo/post/untrusted-key",
        title: "after a good login, the IdP's LogoutRequest for that session posted with an enveloped signature by a key the attacker made, its certificate in KeyInfo",
        family: Family::Slo,
        research_id: "SLO-01",
        references: &["SAML Profiles §4.4.4.1", "SAML Bindings §3.5.5.2", "CWE-347"],
        severity: Sev::Medium,
        capability: Cap::NothingSigned,
        seed: Seed::Any,
        goal: Goal::StaySignedIn,
        tags: &["logout", "post-binding", "signature", "keyinfo"],
        provenance: "the IdP's own LogoutRequest, posted, signed (enveloped, rsa-sha256) with a fresh RSA key whose self-signed certificate is in KeyInfo: what an SP that takes the key from the message accepts",
        must: "verify a posted LogoutRequest's signature with the IdP certificate from its metadata only, and keep the session when it does not verify",
        fix: "verify the enveloped signature with the IdP's configured certificate, never a key from KeyInfo",
        edit: Edit::Logout(crate::check::LogoutForgery::PostUntrustedKey),
        ..XSW
    },
    Check {
        id: "slo/post/assertion-signature",
        title: "after a good login, a posted LogoutRequest for that session whose ds:Signature is the one from the attacker's own signed Assertion, which rides along in samlp:Extensions",
        family: Family::Slo,
        research_id: "SLO-01",
        references: &["GHSA-63ch-w8pw-4mf2 (samlify <= 2.13.1: arbitrary logout by a LogoutRequest carrying another message's signature)", "SAML Bindings §3.5.5.2", "XML Signature Best Practices §2.1.3 (check what the Reference points at)", "CWE-347"],
        severity: Sev::Medium,
        capability: Cap::OwnAccount,
        seed: Seed::Any,
        goal: Goal::StaySignedIn,
        tags: &["logout", "post-binding", "signature", "wrapping"],
        provenance: "GHSA-63ch-w8pw-4mf2's shape, as samlify's schema validator accepts it: LogoutRequest > Issuer, the Signature of the attacker's own IdP-signed Assertion (Reference #assertion-id), samlp:Extensions holding that Assertion minus its Signature, the victim's NameID and SessionIndex. The signature verifies; it covers the Assertion, not the LogoutRequest",
        must: "accept a posted LogoutRequest only when its own enveloped Signature has exactly one Reference, to the LogoutRequest's ID, and keep the session otherwise",
        fix: "check that the verified Reference names the LogoutRequest itself (its root ID) before reading NameID and SessionIndex; samlify has no fixed release yet: refuse HTTP-POST LogoutRequests (advertise only the Redirect binding, as Entra sends) or check the Reference URI in the application",
        edit: Edit::Logout(crate::check::LogoutForgery::PostAssertionSignature),
        ..XSW
    },
    Check {
        id: "slo/post/expired",
        title: "after a good login, the IdP's enveloped-signed LogoutRequest for that session posted, issued an hour ago with a NotOnOrAfter half an hour ago",
        family: Family::Slo,
        research_id: "SLO-01",
        references: &["GHSA-vx8m-6fhw-pccw (@node-saml/node-saml < 4.0.5: validatePostRequestAsync did not check NotOnOrAfter against the time)", "SAML Core §3.7.1"],
        severity: Sev::Low,
        capability: Cap::MisdirectedToken,
        seed: Seed::Any,
        goal: Goal::StaySignedIn,
        tags: &["logout", "post-binding", "replay", "clock-skew"],
        provenance: "GHSA-vx8m-6fhw-pccw: node-saml's POST path compared IssueInstant with NotOnOrAfter but neither with the time, so an expired LogoutRequest was taken again and again; here the IdP's LogoutRequest for the victim's session, times moved back, enveloped-signed by the IdP and posted",
        must: "refuse a posted LogoutRequest whose NotOnOrAfter has passed (or whose IssueInstant is older than a few minutes) and keep the session",
        fix: "upgrade @node-saml/node-saml to 4.0.5 or later (passport-saml 4.0.4+ pulls it); check NotOnOrAfter and IssueInstant against the current time on every binding",
        edit: Edit::Logout(crate::check::LogoutForgery::PostExpired),
        ..XSW
    },
    Check {
        id: "bind/redirect/response-name-confusion",
        title: "after a good login, the victim's LogoutRequest as SAMLResponse, beside the IdP-signed SAMLRequest, SigAlg and Signature of the attacker's own LogoutRequest",
        references: &["CVE-2025-31335 (OpenSAML C++ < 3.3.1, Shibboleth SP)", "SAML Bindings §3.4.4.1 (the signature covers SAMLRequest or SAMLResponse, RelayState and SigAlg as sent)"],
        provenance: "Shibboleth advisory 2025-03-13 (CPPOST-126): the decoder read SAMLResponse before SAMLRequest and checked no message type, the signature check covered SAMLRequest",
        edit: Edit::Logout(crate::check::LogoutForgery::ResponseNameConfusion),
        ..REDIRECT_SPLICE
    },
    Check {
        id: "bind/redirect/prefixed-parameter",
        title: "after a good login, the attacker's IdP-signed SAMLRequest renamed xSAMLRequest, then SAMLRequest with the victim's LogoutRequest",
        references: &["CVE-2025-31335 (OpenSAML C++ < 3.3.1, Shibboleth SP)", "SAML Bindings §3.4.4.1 (the signature covers SAMLRequest or SAMLResponse, RelayState and SigAlg as sent)"],
        provenance: "Shibboleth advisory 2025-03-13 (CPPOST-126): the signature check found `SAMLRequest=` anywhere in the raw query (strstr), the decoder read the real parameter; the fix refuses a prefixed parameter",
        edit: Edit::Logout(crate::check::LogoutForgery::PrefixedParameter),
        ..REDIRECT_SPLICE
    },
    Check {
        id: "bind/redirect/encoded-name",
        title: "after a good login, SAML%52equest with the victim's LogoutRequest before the attacker's IdP-signed SAMLRequest",
        references: &["CVE-2025-31335 (OpenSAML C++ < 3.3.1, Shibboleth SP)", "SAML Bindings §3.4.4.1 (the signature covers SAMLRequest or SAMLResponse, RelayState and SigAlg as sent)"],
        provenance: "Shibboleth advisory 2025-03-13 (CPPOST-126): the decoder decoded parameter names, the signature check matched them as sent; the fix refuses a second occurrence",
        edit: Edit::Logout(crate::check::LogoutForgery::EncodedName),
        ..REDIRECT_SPLICE
    },
    Check {
        id: "bind/redirect/encoded-response-name",
        title: "after a good login, SAML%52esponse with the victim's LogoutRequest before the IdP-signed SAMLResponse of the attacker's own sign-out",
        references: &["CVE-2025-31335 (OpenSAML C++ < 3.3.1, Shibboleth SP)", "SAML Bindings §3.4.4.1 (the signature covers SAMLRequest or SAMLResponse, RelayState and SigAlg as sent)"],
        provenance: "Shibboleth advisory 2025-03-13 (CPPOST-126) with the donor every user of an Entra app gets, the signed LogoutResponse to their own sign-out: the decoder read the first decoded SAMLResponse and checked no message type",
        edit: Edit::Logout(crate::check::LogoutForgery::EncodedResponseName),
        ..REDIRECT_SPLICE
    },
    Check {
        id: "bind/redirect/prefixed-response",
        title: "after a good login, the IdP-signed SAMLResponse of the attacker's own sign-out renamed xSAMLResponse, then SAMLResponse with the victim's LogoutRequest",
        references: &["CVE-2025-31335 (OpenSAML C++ < 3.3.1, Shibboleth SP)", "SAML Bindings §3.4.4.1 (the signature covers SAMLRequest or SAMLResponse, RelayState and SigAlg as sent)"],
        provenance: "Shibboleth advisory 2025-03-13 (CPPOST-126) with a LogoutResponse donor: the signature check found `SAMLResponse=` anywhere in the raw query (strstr)",
        edit: Edit::Logout(crate::check::LogoutForgery::PrefixedResponse),
        ..REDIRECT_SPLICE
    },
    Check {
        id: "bind/redirect/request-beside-response",
        title: "after a good login, SAMLRequest with the victim's LogoutRequest beside the IdP-signed SAMLResponse, SigAlg and Signature of the attacker's own sign-out",
        references: &["CVE-2025-27773 (simplesamlphp/saml2 < 4.17.0, GHSA-46r4-f8gj-xg56)", "SAML Bindings §3.4.4.1 (the signature covers SAMLRequest or SAMLResponse, RelayState and SigAlg as sent)"],
        provenance: "GHSA-46r4-f8gj-xg56 and fix 226d10c: the signature covered the last SAMLRequest or SAMLResponse, the message was SAMLRequest when present; the fix refuses both together and duplicates",
        edit: Edit::Logout(crate::check::LogoutForgery::RequestBesideResponse),
        ..REDIRECT_SPLICE
    },
    Check {
        id: "info/stack-trace",
        title: "the IdP's own response cut off inside the Assertion: does the error page show a stack trace?",
        family: Family::Info,
        research_id: "INFO-01",
        references: &["CWE-209 (error message with sensitive information)", "OWASP Error Handling Cheat Sheet"],
        severity: Sev::Low,
        capability: Cap::NothingSigned,
        seed: Seed::Any,
        goal: Goal::Discreet,
        tags: &["information-disclosure", "error-page"],
        provenance: "research catalogue INFO-01: stack traces of Python, Java, Ruby, Node.js, PHP, .NET, Go and Rust recognised in the ACS's answer",
        must: "answer a message it cannot process with a short error, without stack traces or internal paths",
        fix: "turn the framework's debug mode off in production and render SAML errors through a generic error page",
        edit: Edit::Bytes(info::truncated),
        ..XSW
    },
    Check {
        id: "cond/expired",
        aliases: &["time/expired"],
        title: "issued two hours ago: every NotOnOrAfter has passed",
        research_id: "COND-01",
        references: &["SAML Core §2.5.1.2", PROFILES],
        must: "refuse an assertion after Conditions/@NotOnOrAfter",
        fix: "check NotBefore/NotOnOrAfter with at most a few minutes of clock skew",
        edit: Edit::Bytes(token::expired),
        ..TOKEN
    },
    Check {
        id: "cond/not-yet-valid",
        aliases: &["time/not-yet-valid"],
        title: "issued two hours from now: NotBefore is ahead",
        research_id: "COND-02",
        references: &["SAML Core §2.5.1.2"],
        must: "refuse an assertion before Conditions/@NotBefore",
        fix: "check NotBefore with at most a few minutes of clock skew",
        edit: Edit::Bytes(token::not_yet_valid),
        ..STRICT
    },
    Check {
        id: "cond/scd-expired",
        title: "SubjectConfirmationData/@NotOnOrAfter has passed",
        research_id: "COND-03",
        references: &[PROFILES],
        must: "refuse a bearer confirmation after its NotOnOrAfter",
        fix: "check SubjectConfirmationData/@NotOnOrAfter as well as Conditions",
        edit: Edit::Bytes(token::scd_expired),
        ..TOKEN
    },
    Check {
        id: "cond/no-expiry",
        title: "no NotOnOrAfter anywhere: a token that never expires",
        research_id: "COND-05",
        references: &["Profiles §4.1.4.2 (bearer SubjectConfirmationData MUST have NotOnOrAfter)"],
        must: "refuse a bearer assertion without SubjectConfirmationData/@NotOnOrAfter",
        fix: "require NotOnOrAfter on the bearer confirmation",
        edit: Edit::Bytes(token::no_expiry),
        ..STRICT
    },
    Check {
        id: "cond/session-expired",
        title: "AuthnStatement/@SessionNotOnOrAfter has passed",
        research_id: "COND-08",
        references: &[PROFILES],
        must: "refuse a login whose SessionNotOnOrAfter has passed",
        fix: "end the session at SessionNotOnOrAfter; never start one after it",
        edit: Edit::Bytes(token::session_expired),
        ..STRICT
    },
    Check {
        id: "cond/malformed-datetime",
        title: "Conditions/@NotOnOrAfter is not a date (2024-13-45T99:00:00)",
        research_id: "COND-10",
        references: &["SAML Core §1.3.3 (xs:dateTime)", "Shibboleth 2018 crash advisory"],
        must: "refuse an assertion whose times do not parse",
        fix: "treat an unparsable time as invalid, never as absent",
        edit: Edit::Bytes(token::malformed_datetime),
        ..STRICT
    },
    Check {
        id: "cond/issue-instant-future",
        title: "IssueInstant a day ahead (validity window unchanged)",
        research_id: "COND-06",
        references: &["SAML Core §2.3.3, §3.2.2"],
        severity: Sev::Low,
        must: "refuse a message issued in the future beyond clock skew",
        fix: "check IssueInstant against the clock with a few minutes of skew",
        edit: Edit::Bytes(token::issue_instant_future),
        ..STRICT
    },
    SKEW_LATE,
    SKEW_EARLY,
    Check {
        id: "cond/scd-not-before",
        title: "the bearer SubjectConfirmationData carries NotBefore",
        research_id: "COND-04",
        references: &["Profiles §4.1.4.2 (MUST NOT contain NotBefore)"],
        severity: Sev::Low,
        must: "refuse a bearer confirmation with NotBefore",
        fix: "refuse SubjectConfirmationData/@NotBefore on bearer confirmations",
        edit: Edit::Bytes(token::scd_not_before),
        ..STRICT
    },
    Check {
        id: "cond/unknown-condition",
        title: "an unknown element in Conditions",
        research_id: "COND-09",
        references: &["SAML Core §2.5.1 (unknown condition: Indeterminate)"],
        severity: Sev::Low,
        must: "treat an assertion with a condition it does not understand as invalid",
        fix: "refuse Conditions children other than AudienceRestriction, OneTimeUse, ProxyRestriction",
        edit: Edit::Bytes(token::unknown_condition),
        ..STRICT
    },
    Check {
        id: "aud/other-sp",
        aliases: &["audience/other-sp"],
        title: "Audience names another SP",
        family: Family::Aud,
        research_id: "AUD-01",
        references: &["SAML Core §2.5.1.4", "Profiles §4.1.4.2"],
        must: "refuse an assertion whose Audience is not its entity ID",
        fix: "compare each Audience with the SP entity ID exactly",
        edit: Edit::Bytes(token::other_audience),
        ..TOKEN
    },
    Check {
        id: "aud/cross-sp",
        title: "a token for a sibling app of the tenant: its Audience and Recipient",
        family: Family::Aud,
        research_id: "PROT-13",
        references: &["SAML Core §2.5.1.4", PROFILES],
        must: "refuse an assertion issued to another SP",
        fix: "check Audience (and Recipient) against this SP exactly",
        edit: Edit::Bytes(token::cross_sp),
        ..TOKEN
    },
    Check {
        id: "aud/prefix",
        title: "Audience is this SP's entity ID plus a suffix (another SP's ID)",
        family: Family::Aud,
        research_id: "AUD-05",
        references: &["SAML Core §2.5.1.4"],
        must: "compare Audience with its entity ID exactly",
        fix: "exact string comparison, no prefix or substring matching",
        edit: Edit::Bytes(token::audience_prefix),
        ..TOKEN
    },
    Check {
        id: "aud/missing",
        title: "no AudienceRestriction",
        family: Family::Aud,
        research_id: "AUD-02",
        references: &["Profiles §4.1.4.2 (MUST contain an AudienceRestriction)"],
        severity: Sev::Low,
        must: "refuse an assertion without an AudienceRestriction naming it (the profile requires the IdP to send one; without it the token is valid at every SP)",
        fix: "require an AudienceRestriction with its entity ID",
        edit: Edit::Bytes(token::audience_missing),
        ..STRICT
    },
    Check {
        id: "aud/empty",
        title: "an AudienceRestriction with no Audience",
        family: Family::Aud,
        research_id: "AUD-03",
        references: &["SAML Core §2.5.1.4"],
        must: "refuse an AudienceRestriction that does not name it",
        fix: "require its entity ID in every AudienceRestriction",
        edit: Edit::Bytes(token::audience_empty),
        ..STRICT
    },
    Check {
        id: "aud/second-restriction",
        title: "a second AudienceRestriction naming only another SP",
        family: Family::Aud,
        research_id: "AUD-04",
        references: &["SAML Core §2.5.1.4 (every AudienceRestriction must be met)"],
        must: "require its entity ID in every AudienceRestriction",
        fix: "AND the restrictions: each must contain the SP's entity ID",
        edit: Edit::Bytes(token::audience_second_restriction),
        ..STRICT
    },
    Check {
        id: "subj/recipient-other",
        aliases: &["recipient/other-acs"],
        title: "Recipient is another ACS (Audience still this SP)",
        family: Family::Subj,
        research_id: "SUBJ-01",
        references: &[PROFILES],
        must: "refuse a bearer confirmation whose Recipient is not its ACS",
        fix: "compare SubjectConfirmationData/@Recipient with the ACS URL",
        edit: Edit::Bytes(token::other_recipient),
        ..STRICT
    },
    Check {
        id: "subj/recipient-missing",
        title: "no Recipient on the bearer confirmation",
        family: Family::Subj,
        research_id: "SUBJ-02",
        references: &["Profiles §4.1.4.2 (MUST contain Recipient)"],
        must: "refuse a bearer confirmation without Recipient",
        fix: "require SubjectConfirmationData/@Recipient equal to the ACS URL",
        edit: Edit::Bytes(token::recipient_missing),
        ..STRICT
    },
    Check {
        id: "subj/in-response-to-other",
        title: "SubjectConfirmationData/@InResponseTo names another request; the Response's InResponseTo is this one",
        family: Family::Subj,
        research_id: "SUBJ-05",
        references: &["SAML Profiles §4.1.4.3 (InResponseTo in the bearer confirmation)", "saml2test FL10", "spid-sp-test 62"],
        tags: &["in-response-to", "session-binding"],
        must: "check InResponseTo in the signed SubjectConfirmationData, not only on the (often unsigned) Response",
        fix: "compare SubjectConfirmationData/@InResponseTo with the ID of a request this browser started, and require the Response's to agree",
        edit: Edit::Bytes(token::scd_in_response_to_other),
        ..TOKEN
    },
    Check {
        id: "subj/holder-of-key",
        title: "the only SubjectConfirmation is holder-of-key, not bearer",
        family: Family::Subj,
        research_id: "SUBJ-03",
        references: &["Profiles §4.1.4.2", "Sustainsys.Saml2 GHSA-9475-xg6m-j7pw"],
        must: "accept only a bearer confirmation in Web SSO",
        fix: "require SubjectConfirmation Method bearer",
        edit: Edit::Bytes(token::holder_of_key),
        ..TOKEN
    },
    Check {
        id: "subj/no-confirmation",
        title: "no SubjectConfirmation at all",
        family: Family::Subj,
        research_id: "SUBJ-04",
        references: &["Profiles §4.1.4.2"],
        must: "refuse an assertion without a bearer SubjectConfirmation",
        fix: "require a bearer SubjectConfirmation",
        edit: Edit::Bytes(token::no_confirmation),
        ..STRICT
    },
    Check {
        id: "subj/name-id-missing",
        title: "no NameID in the Subject, signed by the IdP (the claims still name the user)",
        family: Family::Subj,
        research_id: "SUBJ-06",
        references: &["SAML Profiles §4.1.4.2 (the Subject of the bearer assertion identifies the principal)", "spid-sp-test response tests 43/44 (NameID missing, empty)"],
        must: "refuse an assertion whose Subject has no NameID, rather than find the account some other way",
        fix: "require Subject/NameID and map the account from it (or from one configured claim, never as a fallback)",
        edit: Edit::Bytes(token::name_id_missing),
        ..STRICT
    },
    Check {
        id: "subj/name-id-empty",
        title: "an empty NameID, signed by the IdP",
        family: Family::Subj,
        research_id: "SUBJ-06",
        references: &["SAML Core §2.2.3 (NameID is a string identifier)", "spid-sp-test response tests 43/44 (NameID missing, empty)"],
        must: "refuse an assertion whose NameID is empty, rather than sign in an empty or fallback account",
        fix: "refuse a NameID that is empty or only whitespace",
        edit: Edit::Bytes(token::name_id_empty),
        ..STRICT
    },
    Check {
        id: "prot/destination-other",
        aliases: &["destination/other-acs"],
        title: "Destination is another ACS (Audience still this SP)",
        family: Family::Prot,
        research_id: "PROT-01",
        references: &["SAML Bindings §3.5.5.2"],
        must: "refuse a Response whose Destination is not its ACS",
        fix: "compare Response/@Destination with the ACS URL",
        edit: Edit::Bytes(token::other_destination),
        ..STRICT
    },
    Check {
        id: "prot/in-response-to-unknown",
        aliases: &["irt/unknown-request"],
        title: "InResponseTo names a request the SP never sent",
        family: Family::Prot,
        research_id: "PROT-03",
        references: &[PROFILES],
        must: "refuse a response to a request it did not send (or unsolicited, if it only starts logins itself)",
        fix: "remember sent AuthnRequest IDs per session and require a match",
        edit: Edit::Bytes(token::unknown_in_response_to),
        ..TOKEN
    },
    Check {
        id: "prot/issuer-other",
        aliases: &["issuer/other-idp"],
        title: "Issuer is another tenant, signed with the trusted key",
        family: Family::Prot,
        research_id: "PROT-07",
        references: &["SAML Core §2.3.3", "Profiles §4.1.4.2"],
        must: "refuse an Issuer other than the configured IdP",
        fix: "compare Issuer with the IdP entity ID from its metadata",
        edit: Edit::Bytes(token::other_issuer),
        ..STRICT
    },
    Check {
        id: "prot/issuer-app-suffix",
        title: "Issuer is the trusted IdP's entity ID plus a sibling app's id (Entra's issuer-with-application-id form)",
        family: Family::Prot,
        research_id: "PROT-07",
        references: &["SAML Core §2.3.3", "Profiles §4.1.4.2", "Microsoft Entra app multi-instancing (issuer with application id)"],
        must: "compare Issuer with the IdP entity ID exactly",
        fix: "compare Issuer for equality with the entity ID from the IdP's metadata, never by prefix",
        edit: Edit::Bytes(token::issuer_app_suffix),
        ..STRICT
    },
    Check {
        id: "prot/destination-missing",
        title: "no Destination on a signed Response",
        family: Family::Prot,
        research_id: "PROT-02",
        references: &["SAML Bindings §3.5.5.2 (signed: Destination MUST be present)"],
        seed: Seed::ResponseSigned,
        must: "refuse a signed Response without Destination",
        fix: "require Destination on signed Responses and compare it with the ACS URL",
        edit: Edit::Bytes(token::destination_missing),
        ..STRICT
    },
    Check {
        id: "prot/unsolicited",
        title: "no InResponseTo: an unsolicited response, though the SP sent a request",
        family: Family::Prot,
        research_id: "PROT-04",
        references: &[PROFILES, "login CSRF"],
        severity: Sev::Low,
        must: "refuse unsolicited responses unless IdP-initiated login is wanted",
        fix: "require InResponseTo matching a request this browser session sent",
        edit: Edit::Bytes(token::unsolicited),
        ..STRICT
    },
    Check {
        id: "prot/status-responder",
        title: "top-level StatusCode Responder around a valid assertion",
        family: Family::Prot,
        research_id: "PROT-09",
        references: &["SAML Core §3.2.2.2"],
        must: "refuse a Response whose top-level StatusCode is not Success",
        fix: "check the top-level StatusCode before reading assertions",
        edit: Edit::Bytes(token::status_responder),
        ..STRICT
    },
    Check {
        id: "prot/status-nested-success",
        title: "top-level StatusCode Requester with a nested Success",
        family: Family::Prot,
        research_id: "PROT-10",
        references: &["SAML Core §3.2.2.2"],
        must: "read only the top-level StatusCode",
        fix: "check the StatusCode that is a direct child of Status",
        edit: Edit::Bytes(token::status_nested_success),
        ..STRICT
    },
    Check {
        id: "prot/authn-statement-missing",
        title: "no AuthnStatement",
        family: Family::Prot,
        research_id: "PROT-12",
        references: &["Profiles §4.1.4.2 (at least one AuthnStatement)"],
        must: "refuse an assertion without an AuthnStatement",
        fix: "require an AuthnStatement",
        edit: Edit::Bytes(token::authn_statement_missing),
        ..STRICT
    },
    Check {
        id: "prot/version",
        title: "Version=\"3.0\" on the Response and the Assertion",
        family: Family::Prot,
        research_id: "PROT-11",
        references: &["SAML Core §2.3.3, §3.2.2"],
        severity: Sev::Low,
        must: "refuse a Version other than 2.0",
        fix: "check Version=\"2.0\"",
        edit: Edit::Bytes(token::version_3),
        ..STRICT
    },
    Check {
        id: "prot/id-missing",
        title: "no ID on the Response (the signed Assertion untouched)",
        family: Family::Prot,
        research_id: "PROT-11",
        references: &["SAML Core §3.2.2 (ID is required)", "spid-sp-test response tests 08/09"],
        severity: Sev::Low,
        must: "refuse a Response without ID",
        fix: "validate the Response against the schema, or check that ID is present",
        edit: Edit::Bytes(token::response_id_missing),
        ..STRICT
    },
    Check {
        id: "prot/id-malformed",
        title: "the Response's ID is not an xs:ID (it starts with a digit)",
        family: Family::Prot,
        research_id: "PROT-11",
        references: &["SAML Core §1.3.4 (xs:ID)", "XML Schema Part 2 §3.3.8 (ID is an NCName)", "spid-sp-test response test 10"],
        severity: Sev::Low,
        must: "refuse a Response whose ID is not an xs:ID",
        fix: "validate the Response against the schema",
        edit: Edit::Bytes(token::response_id_malformed),
        ..STRICT
    },
    Check {
        id: "prot/response-id/sql-injection",
        title: "MySQL that sleeps 3 s after the Response's ID (`\\'' UNION SELECT SLEEP(3)-- -`), timed against the same asking for SLEEP(0)",
        family: Family::Prot,
        research_id: "PROT-11",
        references: &[
            "CVE-2025-9943 (Shibboleth SP ≤ 3.5.0 with its ODBC storage service on MySQL or MariaDB; fixed in 3.5.1, SSPCPP-1014)",
            "SAML Core §1.3.4 (an ID is an xs:ID: no quotes, backslashes or spaces)",
        ],
        severity: Sev::High,
        tags: &["sql-injection", "timing", "cve-2025-9943"],
        provenance: "Shibboleth SP's ODBC storage service built its look-ups as SQL text and only doubled quotes (odbc-store.cpp; the fix, commit 59e1e04e, escapes backslashes too), and its replay cache looks the message's ID up before the signature rule runs: on MySQL a backslash before the doubled quote ends the string literal, so an unsigned Response ID (Entra signs only the Assertion by default) ran SQL of the attacker's choosing. The tail ends the literal whether quotes are doubled or nothing is escaped; UNION SELECT sleeps once and returns the one column the look-up reads, so a vulnerable SP signs the user in, only late. A pass means no MySQL-dialect injection was seen (other databases spell the delay otherwise)",
        must: "never put a message's ID into SQL text: bind it as a parameter, or refuse an ID that is not an xs:ID before any look-up",
        fix: "upgrade Shibboleth SP to 3.5.1 or later (or keep its storage in memory or on PostgreSQL); bind every SAML value in SQL, and validate IDs as xs:ID first",
        edit: Edit::Exhaust(inject::response_id_sql),
        ..DOS
    },
    Check {
        id: "prot/issue-instant-missing",
        title: "no IssueInstant on the Response",
        family: Family::Prot,
        research_id: "PROT-11",
        references: &["SAML Core §3.2.2 (IssueInstant is required)", "spid-sp-test response tests 11/12"],
        severity: Sev::Low,
        must: "refuse a Response without IssueInstant",
        fix: "validate the Response against the schema, or check that IssueInstant is present",
        edit: Edit::Bytes(token::issue_instant_missing),
        ..STRICT
    },
    Check {
        id: "prot/issuer-missing",
        title: "no Issuer in the Assertion or the Response",
        family: Family::Prot,
        research_id: "PROT-08",
        references: &["Profiles §4.1.4.2 (Issuer MUST be present)"],
        must: "refuse an assertion without Issuer",
        fix: "require the Assertion's Issuer and compare it with the IdP's entity ID",
        edit: Edit::Bytes(token::issuer_missing),
        ..STRICT
    },
    Check {
        id: "prot/replay",
        aliases: &["replay/same-response"],
        title: "the accepted response posted again, with the cookies it was first posted with, from a second browser",
        family: Family::Prot,
        research_id: "PROT-06",
        references: &["SAML Profiles §4.1.4.5", "CVE-2025-64131"],
        must: "accept each assertion ID only once",
        fix: "keep a cache of used assertion IDs until their NotOnOrAfter",
        edit: Edit::Replay,
        ..TOKEN
    },
    Check {
        id: "enc/unsigned-assertion",
        title: "identity forged, every signature removed, the Assertion encrypted to the SP's certificate",
        family: Family::Enc,
        research_id: "ENC-01",
        references: &["CVE-2024-4985 (GitHub Enterprise Server, encrypted assertions)", "CVE-2021-28091 class (Lasso)", "SAML Profiles §4.1.3.5 (the assertion or the response MUST be signed)"],
        tags: &["encryption", "signature"],
        provenance: "research catalogue ENC-01: encrypted with the SP's published certificate, as anyone can",
        must: "require a valid IdP signature on the Response or on the decrypted Assertion: encryption proves nothing about who wrote it",
        fix: "verify the decrypted Assertion's signature (or the Response's) exactly as for a plaintext assertion",
        edit: Edit::Bytes(enc::unsigned_forgery),
        ..SIG
    },
    Check {
        id: "enc/unsigned-beside-signed",
        title: "identity forged in an unsigned Assertion encrypted to the SP, the IdP's signed Assertion after it in plaintext",
        edit: Edit::Bytes(enc::unsigned_beside_signed),
        ..ENCRYPTED_BESIDE_SIGNED
    },
    Check {
        id: "enc/unsigned-with-signed-in-extensions",
        title: "identity forged in an unsigned Assertion encrypted to the SP, the IdP's signed Assertion in samlp:Extensions",
        edit: Edit::Bytes(enc::unsigned_with_signed_in_extensions),
        ..ENCRYPTED_BESIDE_SIGNED
    },
    Check {
        id: "enc/expired",
        title: "a token the IdP signed two hours ago, encrypted to the SP",
        family: Family::Enc,
        research_id: "ENC-02",
        references: &["research catalogue ENC-02 (conditions skipped for encrypted assertions)", PROFILES],
        tags: &["encryption", "time"],
        must: "check the validity window of a decrypted assertion",
        fix: "run every assertion check (time, audience, recipient) after decrypting",
        edit: Edit::Bytes(enc::expired),
        ..TOKEN
    },
    Check {
        id: "enc/other-audience",
        title: "a token the IdP signed for another SP (Audience), encrypted to this one",
        family: Family::Enc,
        research_id: "ENC-02",
        references: &["research catalogue ENC-02", "SAML Core §2.5.1.4"],
        tags: &["encryption", "audience"],
        must: "check the Audience of a decrypted assertion",
        fix: "run every assertion check (time, audience, recipient) after decrypting",
        edit: Edit::Bytes(enc::other_audience),
        ..TOKEN
    },
    Check {
        id: "enc/rsa-1_5",
        title: "the IdP's own assertion encrypted with RSA PKCS#1 v1.5 key transport",
        family: Family::Enc,
        research_id: "ENC-04",
        references: &["XML Encryption 1.1 §5.5.1 (RSA-v1.5 only for compatibility)", "Jager, Schinzel, Somorovsky: One Bad Apple (ESORICS 2012)"],
        tags: &["encryption", "padding-oracle"],
        provenance: "research catalogue ENC-04: a decryptor that accepts PKCS#1 v1.5 can serve as a Bleichenbacher oracle",
        must: "refuse RSA PKCS#1 v1.5 key transport",
        fix: "accept only RSA-OAEP key transport (xmlenc#rsa-oaep-mgf1p, xmlenc11#rsa-oaep)",
        edit: Edit::Bytes(enc::rsa_1_5),
        ..STRICT
    },
    Check {
        id: "enc/decryption-oracle",
        title: "the IdP's response, its assertion replaced by ciphertexts that fail at different stages (a bad CBC padding, a plaintext that is not well-formed, an empty Assertion, the IdP's Assertion with a broken signature), each posted three times: are the answers told apart?",
        family: Family::Enc,
        research_id: "ENC-03",
        references: &[
            "Jager, Somorovsky: How to Break XML Encryption (ACM CCS 2011): a decryptor that answers a plaintext that fails to parse differently from one that parses decrypts any CBC ciphertext, about 14 requests a byte",
            "Vaudenay: Security Flaws Induced by CBC Padding (EUROCRYPT 2002)",
            "W3C XML Encryption 1.1 (security considerations on chosen-ciphertext attacks, error messages and timing; AES-128-GCM required of implementations)",
        ],
        severity: Sev::High,
        capability: Cap::NothingSigned,
        seed: Seed::Any,
        goal: Goal::AnswerAlike,
        tags: &["encryption", "padding-oracle", "decryption-oracle"],
        provenance: "research catalogue ENC-03: Jager and Somorovsky decrypted XML Encryption in widely used web-service frameworks by telling, from the server's answers, a plaintext that fails to parse from one that parses; a padding error with its own answer is Vaudenay's oracle. Entra's encrypted SAML tokens carry xmlenc#aes256-cbc (Microsoft documents only \"AES-256\"). Compared here: the status, where a Location or Refresh sends the browser (query values that stay the same between rounds), and the page's text with digits and long tokens masked, when each variant's page is the same every round; not timing, and not where the redirect lands",
        must: "answer every message it cannot decrypt or parse alike (one status, one error page), whether the padding, the plaintext's syntax or its content failed",
        fix: "verify the IdP's signature over the EncryptedAssertion (Entra's \"Sign SAML response\" covers it) before decrypting, and map every decryption, parsing and validation failure of an encrypted assertion to one generic refusal; where the IdP can send AES-GCM, require it",
        edit: Edit::Oracle(enc::decryption_oracle),
        ..XSW
    },
    Check {
        id: "enc/doctype-in-plaintext",
        title: "the IdP's own assertion encrypted with a DOCTYPE before it whose parameter entity is on the canary",
        family: Family::Enc,
        research_id: "ENC-05",
        references: &["research catalogue ENC-05", "OWASP XML External Entity Prevention Cheat Sheet"],
        tags: &["encryption", "xxe", "canary"],
        provenance: "research catalogue ENC-05: the decrypted plaintext parsed as a document of its own, DTD and all",
        must: "parse decrypted plaintext in the context of the message (no DOCTYPE, no external entities)",
        fix: "splice the decrypted element into the document, or parse it with DTDs and external entities off",
        edit: Edit::Bytes(enc::doctype_in_plaintext),
        ..FETCH
    },
    Check {
        id: "enc/cipher-reference/data",
        title: "the IdP's own assertion encrypted to the SP, its ciphertext named by an xenc:CipherReference on the canary",
        edit: Edit::Bytes(enc::cipher_reference_data),
        ..CIPHER_REFERENCE
    },
    Check {
        id: "enc/cipher-reference/file",
        title: "the IdP's own assertion encrypted to the SP, its ciphertext in a local file on the harness's machine named by an xenc:CipherReference file:// URI",
        must: "refuse an EncryptedData or EncryptedKey whose ciphertext is a CipherReference, before reading anything: signing the user in here means the SP read and decrypted a local file the message named",
        edit: Edit::Bytes(enc::cipher_reference_file),
        ..CIPHER_REFERENCE
    },
    Check {
        id: "enc/cipher-reference/key",
        title: "the IdP's own assertion encrypted to the SP, its EncryptedKey's wrapped key named by an xenc:CipherReference on the canary",
        edit: Edit::Bytes(enc::cipher_reference_key),
        ..CIPHER_REFERENCE
    },
    Check {
        id: "enc/cipher-reference/key-file",
        title: "the IdP's own assertion encrypted to the SP, its EncryptedKey's wrapped key in a local file on the harness's machine named by an xenc:CipherReference file:// URI",
        must: "refuse an EncryptedData or EncryptedKey whose ciphertext is a CipherReference, before reading anything: signing the user in here means the SP read a local file the message named and unwrapped the content key from it",
        edit: Edit::Bytes(enc::cipher_reference_key_file),
        ..CIPHER_REFERENCE
    },
    Check {
        id: "xsw/encrypted",
        title: "the signed Assertion encrypted, a forged unsigned copy (new ID) in plaintext before it",
        research_id: "XSW-16",
        references: &["CVE-2024-9487 (GitHub Enterprise Server)", "CVE-2024-4985", USENIX12],
        tags: &["wrapping", "encryption"],
        provenance: "research catalogue XSW-16 shape",
        edit: Edit::Bytes(enc::wrapped),
        ..XSW
    },
    Check {
        id: "meta/rollover/retired-key",
        title: "after a key rollover (the SP re-read metadata naming only a new signing key), the target identity signed with the retired key",
        research_id: "META-01",
        references: &[
            "SAML V2.0 Metadata Interoperability Profile (keys are trusted by their presence in metadata: removing one revokes it)",
            "FusionAuth issue 1906 (a removed key still validated signatures)",
            "Keycloak issue 52106 (rotated signing keys stayed cached and accepted)",
            "Microsoft Entra: \"Manage certificates for federated single sign-on\" (rollover to a new certificate, the old one removed)",
        ],
        capability: Cap::NonConformingIdp,
        tags: &["metadata", "signature", "key-rollover"],
        provenance: "the IdP rolls its signing key over (Entra: a new certificate made active, the old one removed) because the old one may be exposed; an SP that keeps every key it has ever read, or keeps using keys cached before the metadata changed, still takes the old key's signatures",
        must: "trust exactly the signing keys its current IdP metadata lists: once metadata without a key is read, refuse what that key signs",
        fix: "replace the trusted keys with the new metadata's on every reload (never merge them into the old set); drop caches keyed by the old metadata",
        edit: Edit::Retrusted(Retrust::NewKey, token::target_identity),
        ..META
    },
    Check {
        id: "meta/key-without-use/unsigned",
        title: "IdP metadata whose only key has no `use` (for signing and encryption alike), then a response with no signature and a forged identity",
        research_id: "META-02",
        references: &[
            "CVE-2026-16443 (Keycloak < 26.4.14, 26.6.5, 26.7.1: IdP metadata keys without `use` imported with signature validation off; fix PR 51503)",
            METADATA_KEY_USE,
            PROFILES,
        ],
        capability: Cap::NothingSigned,
        tags: &["metadata", "signature", "cve-2026-16443"],
        provenance: "Keycloak's SAML IdP import saved a key without `use` as the signing certificate but left signature validation off, so an unsigned response for a known user signed in (fix: validation on whenever metadata carries keys). An SP that reads only keys marked use=\"signing\" and skips the check when it finds none fails the same way",
        must: "take a KeyDescriptor without `use` as a signing key, and with no signing key at all refuse every response",
        fix: "read keys without `use` as signing keys; never treat an empty set of trusted keys as 'nothing to check'",
        edit: Edit::Retrusted(Retrust::NewKeyWithoutUse, sig::none),
        ..META
    },
    Check {
        id: "meta/no-signing-key/unsigned",
        title: "IdP metadata whose only key is for encryption (no signing key at all), then a response with no signature and a forged identity",
        research_id: "META-03",
        references: &[
            "CVE-2024-41107 (Apache CloudStack SAML plugin: signatures checked only when the IdP metadata had a signing certificate; fixed by the saml2.check.signature setting, on by default)",
            "CVE-2026-28323 (SolarWinds Web Help Desk < 2026.2.1: signature checked only when a certificate was configured)",
            "passport-saml issue 523 (an empty `cert` turned validation off; fixed by requiring a cert, PR 548)",
            PROFILES,
        ],
        capability: Cap::NothingSigned,
        tags: &["metadata", "signature", "cve-2024-41107", "cve-2026-28323"],
        provenance: "CloudStack wrapped its signature checks in `if (idpMetadata.getSigningCertificate() != null)`; samael 0.0.22 (crates.io, current): `ServiceProvider::idp_signing_certs` returns None when the IdP metadata has no signing (or use-less) KeyDescriptor, and `parse_xml_response_with_mode` then skips the signature check and validates the unsigned response; measured here against the samael SP in the tests",
        must: "refuse every response while its IdP metadata names no signing key",
        fix: "treat IdP metadata without a signing key as unusable (refuse logins and say why); never skip signature verification because no key is configured",
        edit: Edit::Retrusted(Retrust::EncryptionKeyOnly, sig::none),
        ..META
    },
    Check {
        id: "dos/deflate-bomb",
        title: "the IdP's own response after 32 MiB of line feeds, deflated and base64-encoded: about 45 KB posted",
        research_id: "BIND-03",
        references: &[
            "CVE-2025-25293 (ruby-saml < 1.12.4 and 1.13.0 to 1.17.x)",
            "CVE-2023-28119 (crewjam/saml < 0.4.13; there the Redirect binding only: see slo/deflate-bomb)",
            "CVE-2023-26483 (gosaml2 < 0.9.0)",
            "SAML Bindings §3.5.4 (HTTP-POST carries base64, no DEFLATE)",
        ],
        tags: &["denial-of-service", "deflate", "cve-2025-25293", "cve-2023-26483"],
        provenance: "ruby-saml's decode_raw_saml base64-decoded every message and then tried to inflate it, POST included, bounding only the posted size (250,000 bytes); the fix (1.12.4, 1.18.0) bounds the inflated size too. Here the IdP's own response comes after the padding, so an SP that inflates all of it signs the user in, and one that stops at a bound has only blank lines",
        must: "inflate only messages whose binding is HTTP-Redirect, and stop inflating at a size limit",
        fix: "upgrade (ruby-saml 1.18.0, crewjam/saml 0.4.13, gosaml2 0.9.0); take HTTP-POST messages as base64 only and inflate Redirect messages through a reader capped at the largest message the SP accepts",
        edit: Edit::Exhaust(dos::deflate_bomb),
        ..DOS
    },
    Check {
        id: "dos/deflate-bomb-redirect",
        title: "the IdP's own response after 32 MiB of line feeds, deflated, by HTTP-Redirect: a GET of the ACS with about 45 KB of query",
        research_id: "BIND-03",
        references: &[
            "CVE-2026-40988 (Spring Security saml2-service-provider: a Redirect-binding SAML 2.0 Login or Logout message inflated with no bound)",
            "CVE-2023-28119 (crewjam/saml < 0.4.13, the same on Redirect messages)",
            "SAML Bindings §3.4.4.1 (DEFLATE encoding)",
        ],
        tags: &["denial-of-service", "deflate", "redirect-binding", "cve-2026-40988"],
        provenance: "Spring Security's SAML 2.0 login takes a Response by HTTP-Redirect too (a GET of its ACS) and inflated it through an unbounded writer before checking anything. The bomb of dos/deflate-bomb goes as the query's SAMLResponse, the yardstick as same-size random text the same way: an SP that inflates all of it signs the user in (the IdP's response follows the padding); one that takes no Response by Redirect, caps what it inflates, or whose server refuses so long a URL answers at once and passes",
        must: "take no Response by HTTP-Redirect, or inflate a Redirect message through a reader capped at the largest message it accepts",
        fix: "upgrade (Spring Security with the CVE-2026-40988 fix, crewjam/saml 0.4.13); refuse a GET at the ACS, or inflate with a bound (Java: an InflaterInputStream read through a counting limit)",
        edit: Edit::Exhaust(dos::deflate_bomb_by_redirect),
        ..DOS
    },
    Check {
        id: "dos/raw-xml-oversize",
        title: "the IdP's own response as raw XML, not base64, with 448 KiB of empty elements after its Issuer (over ruby-saml's 250,000-byte limit): about 465 KB posted",
        research_id: "BIND-04",
        references: &[
            "CVE-2025-54572 (ruby-saml < 1.18.1; fixed by SAML-Toolkits/ruby-saml pull request 770)",
            "SAML Bindings §3.5.4 (HTTP-POST carries the message base64-encoded)",
        ],
        tags: &["denial-of-service", "size-limit", "cve-2025-54572"],
        provenance: "ruby-saml's decode_raw_saml returned a message that did not match its base64 pattern as it was, the XML itself, before it compared the size with message_max_bytesize (250,000 bytes): raw XML of any size went to REXML. Measured here with Debian 12's ruby-saml 1.13.0 behind WEBrick: 1.5 to 1.7 s for 256 KiB of empty elements, 57 ms for a base64 message that size (refused by size). The form escapes only what a form decoder would misread (`%`, `&`, `;`, `+`, `=`, `#`, spaces and controls), so the burden stays under the body limits servers set by default; the yardstick is as many random letters and digits in base64, which every SP refuses cheaply. A 413 or a connection closed at once is a body limit refusing it: the defence this check asks for",
        must: "bound the size of every posted message before parsing or pattern-matching it, and take HTTP-POST messages as base64 only",
        fix: "upgrade ruby-saml to 1.18.1 or later (and keep message_max_bytesize near its 250,000-byte default: a fixed ruby-saml with a raised limit still spends REXML's time on raw XML up to it); compare the size with the limit first, refuse a SAMLResponse that is not base64, and set a request body limit in the web server",
        edit: Edit::Exhaust(dos::raw_xml_oversize),
        ..DOS
    },
    Check {
        id: "dos/many-transforms",
        title: "the IdP's own response with 2,500 exclusive-C14N transforms in its Reference and a 180,000-character claim: about 460 KB posted",
        research_id: "DOS-01",
        references: &[
            "CVE-2021-39171 (passport-saml < 3.1.0, GHSA-5379-r78w-42h2)",
            "W3C XML Signature Best Practices §2.1.7 (denial of service caused by too many transforms)",
            "SAML Core §5.4.4 (enveloped-signature and exclusive C14N only)",
        ],
        tags: &["denial-of-service", "transforms", "cve-2021-39171"],
        provenance: "passport-saml ran every transform a Reference named through xml-crypto, which canonicalises the signed element again for each before it compares the digest and checks the SignatureValue, so an unsigned message buys the SP N canonicalisations of an element it chose the size of; the fix (f1e00b64, 3.1.0) refuses more than two transforms before verifying. xml-crypto 6 still sets no limit (samlify, saml2-js), and libxmlsec1 also runs a Reference's transforms before the SignatureValue",
        must: "refuse a Reference with more transforms than a SAML signature needs (two) before running any",
        fix: "upgrade (passport-saml 3.1.0, @node-saml/node-saml); before verifying, count the Transform elements of each Reference and refuse more than two, as node-saml does",
        edit: Edit::Exhaust(dos::many_transforms),
        ..DOS
    },
    Check {
        id: "dos/xslt-bomb",
        title: "an XSLT transform whose template calls itself twice per level, 22 levels deep (8 million calls, no output, no fetch)",
        research_id: "DOS-01",
        references: &[
            "python3-saml GHSA-8mmq-f9vf-8fg2 (issue 447, open)",
            "pysaml2 GHSA-6qg6-h5xq-x84c (issue 1035, open)",
            "W3C XML Signature Best Practices §2.1.1 (XSLT transform that causes denial of service)",
            "SAML Core §5.4.4 (enveloped and exclusive C14N only)",
        ],
        tags: &["denial-of-service", "transforms", "xslt"],
        provenance: "libxmlsec1 runs a Reference's transforms, XSLT included, before it checks the SignatureValue; python3-saml and pysaml2 pass unsigned messages to it without allow-listing transforms (reported 2026-08-17, with a doubling template 27 levels deep). Here the stylesheet only recurses, so the cost is CPU alone and the depth sets it",
        must: "check every Transform against the two SAML allows before running any (no XSLT)",
        fix: "allow-list Transforms (enveloped-signature, exclusive C14N) before verifying, or restrict the verifier's enabled transforms (xmlsec: enabledReferenceTransforms); never let the XML-DSig library run XSLT on untrusted signatures",
        edit: Edit::Exhaust(dos::xslt_bomb),
        ..DOS
    },
    Check {
        id: "dos/xpath-bomb",
        title: "an XPath filter transform that counts every element for every element, run once per node, over 400 empty elements in a claim value (no valid signature needed)",
        research_id: "DOS-01",
        references: &[
            "CVE-2026-49289 / GHSA-5cjr-mxj5-wmrx (simplesamlphp/saml2 < 4.19.3, 4.20.0 to 4.20.2: XPath transforms run before the signature is checked; fixed in 4.19.3 and 4.20.3)",
            "xmlseclibs GHSA-7mf5-fjj8-mvjc (XPath transforms rejected on the verify path in 4.0.0-beta2)",
            "W3C XML Signature Best Practices §2.1.2 (XPath transforms that cause denial of service)",
            "SAML Core §5.4.4 (enveloped and exclusive C14N only)",
        ],
        tags: &["denial-of-service", "transforms", "xpath"],
        provenance: "simplesamlphp/saml2 validated each Reference (xmlseclibs runs an XPath filter as (.//. | .//@* | .//namespace::*)[E] over the Assertion) before checking the signature; libxmlsec1 runs it over the whole document, all transforms enabled unless the caller restricts them (python3-saml does not). Here E only counts (count(//*[count(//*) > 0]) > 0), so the cost is CPU alone, cubic in the bulk",
        must: "check every Transform against the two SAML allows before running any (no XPath filters)",
        fix: "allow-list Transforms (enveloped-signature, exclusive C14N) before verifying, or restrict the verifier's enabled transforms (xmlsec: enabledReferenceTransforms); upgrade simplesamlphp/saml2 to 4.19.3 or later",
        edit: Edit::Exhaust(dos::xpath_bomb),
        ..DOS
    },
    Check {
        id: "dos/encrypted-key-cycle",
        title: "the IdP's own assertion encrypted to the SP, its EncryptedKey's KeyInfo naming that EncryptedKey again by a RetrievalMethod, 10,000 empty elements in samlp:Extensions (no signature needed)",
        research_id: "DOS-01",
        references: &[
            "robrichards/xmlseclibs 4.0.0-beta1, commit 02c0cd67 (\"Bound EncryptedKey / RetrievalMethod resolution depth (prevents recursive key-reference DoS / memory exhaustion)\": MAX_KEYINFO_DEPTH = 10; no 3.1.x release has it)",
            "onelogin/php-saml 3.9.0 and 2.22.0 (\"no nested EncryptedKey/RetrievalMethod references (they were followed without limit, exhausting the memory)\")",
            "XML Encryption §3.5.1 (ds:RetrievalMethod to an EncryptedKey)",
            "W3C XML Signature Best Practices §2.1.4 (RetrievalMethod loops)",
        ],
        tags: &["denial-of-service", "encryption", "retrieval-method"],
        provenance: "xmlseclibs 3.x (3.1.1 in Debian 12's simplesamlphp 1.19.7, measured here): XMLSecEnc::staticLocateKeyInfo follows a RetrievalMethod of type EncryptedKey to //xenc:EncryptedKey[@Id] and XMLSecurityKey::fromEncryptedKeyElement resolves that key's own KeyInfo again, with no depth limit, while decrypting and before any signature is checked; a key naming itself recurses until PHP's memory_limit (128 MB in 0.8 s here), each turn an XPath search of the whole document. Found here too: libxmlsec1 1.2.37 (Debian 12) keeps its RetrievalMethod and EncryptedKey level counters per key-info context and starts a fresh one for each EncryptedKey, so `xmlsec1 --decrypt --id-attr:Id EncryptedKey` (pysaml2's command) recurses until it crashes (about 840 MB, SIGSEGV)",
        must: "resolve at most a few RetrievalMethods for a content key (or none), and never follow one from inside an EncryptedKey into itself",
        fix: "upgrade xmlseclibs to 4.0.0 (php-saml to 3.9.0 or 4.4.0); where that cannot be done, refuse a RetrievalMethod or EncryptedKey inside an EncryptedKey's KeyInfo before decrypting, as php-saml 3.9.0 does; pysaml2 has no fixed release (it runs xmlsec1 --decrypt --id-attr:Id EncryptedKey, which lets the RetrievalMethod resolve): refuse an EncryptedKey whose KeyInfo holds a RetrievalMethod before the message reaches it",
        edit: Edit::Exhaust(dos::encrypted_key_cycle),
        ..DOS
    },
    Check {
        id: "dos/entity-expansion",
        title: "an internal DTD subset of ten nested entities (billion laughs: 3 × 10⁹ bytes expanded), the outermost referenced in the Response's Issuer",
        research_id: "XXE-04",
        references: &[
            "research catalogue XXE-04 (entity expansion)",
            "OSVDB-124383 (ruby-saml < 1.0.0: entity expansion; fixed by setting REXML's entity_expansion_limit to 0, commit a2e53185)",
            "CVE-2013-1821 (Ruby REXML entity expansion; the 10,000-expansion limit, 1.9.3-p392 and 2.0.0)",
            "CVE-2013-0340 (expat < 2.4.0: billion laughs; Python's xml.etree and minidom)",
            "CVE-2016-10127 (pysaml2 < 4.5.0: XXE; the same ElementTree parse expanded internal entities with expat < 2.4.0)",
            "OWASP XML Security Cheat Sheet (exponential entity expansion)",
        ],
        tags: &["denial-of-service", "xxe", "entities", "doctype"],
        provenance: "the classic billion laughs, outside every signature: a parser that substitutes internal entities with no amplification limit builds gigabytes from a 7 KB message before anything is verified; in the Response's Issuer, so a parser that expands only when a text is read (REXML; libxml2 2.9 parsing with XML_PARSE_HUGE and no entity substitution, whose text reads then expand unbounded) meets it too. The yardstick references the innermost entity: the same bytes, so a parser that refuses DTDs or bounds the expansion spends the same on both. All 11 real SPs of the suite pass (real_sps.rs, 2026-12-04)",
        must: "refuse a DOCTYPE in a SAML message before parsing it (SAML needs none), or at least bound entity expansion",
        fix: "refuse any DOCTYPE (ruby-saml 1.18's check, xmltooling's disallow-doctype, defusedxml with forbid_dtd=True; its default refuses entity declarations); otherwise bound expansion: expat 2.4.0 or later, Ruby with REXML's limits, libxml2 without XML_PARSE_HUGE (2.11 and later bound it by default)",
        edit: Edit::Exhaust(dos::entity_expansion),
        ..DOS
    },
    Check {
        id: "dos/many-attributes",
        title: "45,000 distinct empty attributes on one element in a claim's AttributeValue: about 430 KB posted",
        research_id: "DOS-01",
        references: &[
            "GHSA-8344-3jmq-59r6 (CVE-2026-83613, @xmldom/xmldom <= 0.8.14 and 0.9.0 to 0.9.11)",
            "RUSTSEC-2026-0194 (quick-xml < 0.41.0)",
            "libxml2 2.9.14 (Debian 12): 3.3 s to parse this message, 0.06 s its yardstick",
        ],
        tags: &["denial-of-service", "attributes", "parser", "cve-2026-83613"],
        provenance: "xmldom's NamedNodeMap looked every new attribute up among the earlier ones (fixed with an index in 0.8.15), quick-xml's duplicate check scanned every earlier name (fixed with a hash filter in 0.41.0); roxmltree 0.20 and libxml2 2.9 still compare each attribute with those before it. Every SP parses before it verifies, so the cost needs no signature",
        must: "parse untrusted messages with a parser whose attribute check is linear, or refuse elements with more attributes than SAML needs before building a tree",
        fix: "upgrade the XML parser (@xmldom/xmldom 0.8.15, quick-xml 0.41, libxml2 2.12 or later), or bound attributes per element in a streaming pre-scan before parsing",
        edit: Edit::Exhaust(dos::many_attributes),
        ..DOS
    },
    Check {
        id: "dos/crash/soap-empty-body",
        title: "a SOAP 1.1 envelope with an empty Body as SAMLResponse: does the SP answer?",
        research_id: "DOS-01",
        references: &[
            "Lasso 2.6.1.3 to 2.8.2, Debian 12's liblasso3 2.8.1-1+deb12u1 included (found here, not yet reported: lasso_xml_get_soap_content returns no element and lasso_node_init_from_xml reads its name; not CVE-2025-46404, which is lasso_provider_verify_saml_signature)",
        ],
        tags: &["denial-of-service", "crash", "parser", "lasso"],
        provenance: "found while building this check: a research helper followed Lasso's source and reproduced the crash on Debian 12's current python3-lasso (SIGSEGV in initFromMessage); mod_auth_mellon hands SAMLResponse to lasso_login_process_authn_response_msg with no check before it, so one unauthenticated POST kills the Apache worker serving it, measured against mellon here. The yardstick is the IdP's own response inside the same envelope",
        must: "answer every message it cannot use, whatever its root element",
        fix: "until Lasso has a fix, refuse with a 4xx (not by dropping the connection) a SAMLResponse whose decoded root is a SOAP Envelope before Lasso reads it, in a reverse proxy or mod_security rule; report the crash to Lasso (Entr'ouvert) and Debian",
        edit: Edit::Exhaust(dos::soap_empty_body),
        ..DOS
    },
    Check {
        id: "dos/crash/any-attributes",
        title: "an attribute named any_attributes, then a namespaced one, on the first claim's AttributeValue: does the SP answer?",
        research_id: "DOS-01",
        references: &[
            "CVE-2025-47151 (TALOS-2025-2193, Lasso 2.5.1 to 2.8.2: type confusion; fixed in 2.9.0 and Debian's 2.8.1-1+deb12u1)",
        ],
        tags: &["denial-of-service", "crash", "parser", "lasso"],
        provenance: "Lasso's node reader matched an XML attribute named any_attributes to the private snippet holding AttributeValue's hash table of foreign attributes and stored the string there; the next namespaced attribute is inserted through it, a call through a pointer read from the attacker's bytes (an RCE-class primitive; this probe only crashes). Read from Lasso 2.8.1's xml.c and the fix \"xml: prevent assignment of attribute value inside any attribute\"; Debian 12's current package logs it as unexpected instead",
        must: "answer every message it cannot use, whatever attributes it carries",
        fix: "upgrade Lasso to 2.9.0 (Debian 12: liblasso3 2.8.1-1+deb12u1 or later) and restart the web server",
        edit: Edit::Exhaust(dos::any_attributes),
        ..DOS
    },
    Check {
        id: "dos/crash/signature-value-missing",
        title: "the IdP's own response, the Assertion's ds:SignatureValue element taken out: does the SP answer?",
        research_id: "DOS-01",
        references: &[
            "CVE-2020-7711 (goxmldsig < 1.1.1: a nil pointer dereference, GHSA-mqqv-chpx-vq25)",
            "CVE-2020-7731 (gosaml2 < 0.7.0, on goxmldsig)",
        ],
        tags: &["denial-of-service", "crash", "dsig", "go"],
        provenance: "goxmldsig before 1.1.0 verified the Reference's digest, which the untouched Assertion still matches, then read SignatureValue's text through a nil pointer when the element was missing; Go's net/http recovers the panic and closes the connection without an answer. Read from goxmldsig's validate.go and its fixes (the shape check of 1.1.0, the explicit nil check ca2b448 in 1.1.1)",
        must: "answer a Signature it cannot use, whichever of its elements is missing",
        fix: "upgrade goxmldsig to 1.1.1 or later (gosaml2 0.7.0 or later)",
        edit: Edit::Exhaust(dos::signature_value_missing),
        ..DOS
    },
    Check {
        id: "dos/crash/cdata-child",
        title: "a CDATA section as the Response's first child: does the SP answer?",
        research_id: "DOS-01",
        references: &[
            "CVE-2025-46705 (TALOS-2025-2196, Lasso 2.5.1 to 2.8.2: g_assert_not_reached on an unexpected node type; fixed in 2.9.0 and Debian's 2.8.1-1+deb12u1)",
        ],
        tags: &["denial-of-service", "crash", "parser", "lasso"],
        provenance: "Lasso parses without XML_PARSE_NOCDATA, and its node reader, while element children are still expected, handled text, comments, processing instructions and elements and reached g_assert_not_reached() for any other node type: a CDATA section there aborts the worker. The canon/cdata checks put CDATA inside NameID and claims, where Lasso drops it; read from Lasso 2.8.1's xml.c and the fix \"xml: do not terminate on an unknown XML node type\"",
        must: "answer every message it cannot use, whatever node types it holds",
        fix: "upgrade Lasso to 2.9.0 (Debian 12: liblasso3 2.8.1-1+deb12u1 or later) and restart the web server",
        edit: Edit::Exhaust(dos::cdata_child),
        ..DOS
    },
    Check {
        id: "dos/end-tag-whitespace",
        title: "an end tag right after the Response's Issuer whose name is a run of spaces and then `x`, filling the message to 96 KiB posted (about 66,000 spaces)",
        research_id: "DOS-01",
        references: &[
            "GHSA-x4fp-j954-r2f4 (@xmldom/xmldom 0.7.0 to 0.8.14; fixed in 0.8.15, commit 3abb093)",
        ],
        tags: &["denial-of-service", "parser", "regex", "xmldom"],
        provenance: "xmldom's SAX parser trimmed every end tag's name with `replace(/[ \\t\\n\\r]+$/g, '')`; a backtracking regex engine scans a run of whitespace again from each of its characters when something other than the end follows it, so the cost is the square of the run, before any signature is looked at (node-saml, passport-saml, saml2-js and xml-crypto parse with it). Measured here: 0.8.14 parsed 64,000 such spaces in 1.7 s and 128,000 in 7.0 s, 0.8.15 80,000 in 9 ms. The message stays under the 100 KiB an Express app's form parser takes by default, so the run is shorter than the other burdens and its floor 250 ms",
        must: "parse untrusted messages in time linear in their size, and refuse an end tag that does not start with its element's name",
        fix: "upgrade @xmldom/xmldom to 0.8.15 or later; passport-saml 3.x depends on the 0.7 line, which has no fix: move to @node-saml/passport-saml, or force 0.8.15 with an npm `overrides` entry",
        edit: Edit::Exhaust(dos::end_tag_whitespace),
        ..DOS
    },
    // Late: an SP that falls for it keeps canonicalising for a while after the check.
    Check {
        id: "dos/large-signed-info",
        title: "12,000 empty elements (120 groups of 100) in a foreign element inside the enveloped-signature Transform of the signature's SignedInfo: about 70 KB posted",
        research_id: "DOS-01",
        references: &[
            "PHP bug 53655 (DOMNode::C14N quadratic on an element; fixed in PHP 8.4, php-src 5d68d61, GH-12278)",
            "robrichards/xmlseclibs issue 220 (C14N extremely slow on large nodes, open)",
            "W3C XML Signature Best Practices §2.1 (limit the work an unverified signature can cause)",
        ],
        tags: &["denial-of-service", "c14n", "dsig"],
        provenance: "xmlseclibs (bundled by SimpleSAMLphp 1.19; OneLogin php-saml) canonicalises SignedInfo with PHP's DOMNode::C14N before it checks the SignatureValue; before PHP 8.4 that gathers the element's nodes with an XPath query and libxml2 tests every node against the set by a linear search, so the cost grows with the square of SignedInfo's nodes: Debian 12's PHP 8.2 took 1.6 s over 10,000 empty elements and 11.6 s over 20,000. Observed by this harness on SimpleSAMLphp 1.19 (2026-12-03), whose dos/many-transforms cost came from it",
        must: "canonicalise in time linear in the element's size, or refuse a SignedInfo with content a SAML signature does not need before canonicalising it",
        fix: "run PHP 8.4 or later (its DOMNode::C14N tests visibility by walking up the tree), or import SignedInfo into a document of its own before canonicalising it (xmlseclibs issue 220); elsewhere bound SignedInfo's size before verifying",
        edit: Edit::Exhaust(dos::large_signed_info),
        ..DOS
    },
    // Last: an SP that falls for it keeps reading after the check, which would slow the
    // timings of any check after it.
    Check {
        id: "dos/manifest-device",
        title: "a ds:Manifest in the IdP's signature whose Reference names /dev/zero (a read that never ends)",
        research_id: "DOS-01",
        references: &[
            "xmlsec 1.2.37 and 1.3.9 xmldsig.c: Manifest References are dereferenced before SignedInfo and the SignatureValue unless XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS",
            "W3C XML Signature Best Practices §2.1.3 (dereferencing a URI: denial of service, local files)",
            "SAML Core §5.4.2 (one Reference, to the signed element)",
        ],
        tags: &["denial-of-service", "dsig", "manifest", "local-file"],
        provenance: "found by this harness (2026-12-03): python3-saml 1.16.0 (python-xmlsec 1.3.17, libxmlsec1 1.3.9) checks only the first Reference and cannot ask xmlsec to ignore Manifests, so a Manifest Reference to /dev/zero spins the verifying thread for good even under a broken SignatureValue; the same call reads any local file the URI names",
        must: "never dereference a Reference that is not the one same-document Reference SAML allows: ignore ds:Manifest (or refuse it) and restrict the verifier to same-document URIs before verifying",
        fix: "refuse a Signature with any Reference but SignedInfo's one to the signed element's ID, or set the verifier's enabled Reference URIs to same-document (xmlsec: enabledReferenceUris, or xmlsec1 --enabled-reference-uris empty,same-doc as pysaml2 does) and XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS",
        edit: Edit::Exhaust(dos::manifest_device),
        ..DOS
    },
];

/// The control: the IdP's own response through the same byte pipeline, unchanged. It must sign
/// the genuine user in; if it does not, no refusal in the run proves anything.
pub const CONTROL: Check = Check {
    id: "control/no-op-edit",
    title: "the IdP's response through the forging pipeline, unchanged",
    family: Family::Prot,
    research_id: "BASE-01",
    references: &["harness design: a refusal proves something only if this is accepted"],
    severity: Sev::Low,
    seed: Seed::Any,
    goal: Goal::Misuse,
    must: "accept the IdP's own response",
    fix: "configure the SP to trust the IdP that answered (metadata, certificate, entity ID)",
    edit: Edit::Bytes(noop),
    ..FORGERY
};

fn noop(f: &crate::Forge) -> Result<crate::Forged, crate::Skip> {
    let doc = crate::bytes::Doc::parse(f.seed)?;
    Ok(crate::Forged::same_identity(crate::bytes::splice(
        doc.src,
        Vec::new(),
    )))
}

/// The re-signing control: the IdP's response re-signed by the IdP's key through the same
/// pipeline TM-D/E checks use, unchanged. If the SP refuses it, their refusals prove nothing.
pub const CONTROL_RESIGNED: Check = Check {
    id: "control/idp-re-signed",
    title: "the IdP's response re-signed with its own key, unchanged",
    capability: Cap::NonConformingIdp,
    edit: Edit::Bytes(token::unchanged),
    ..CONTROL
};

/// The decryption control: the IdP's own response, its Assertion encrypted to the SP's
/// certificate. If the SP refuses it, refusals of the encrypted-assertion checks prove nothing.
pub const CONTROL_ENCRYPTED: Check = Check {
    id: "control/encrypted",
    title: "the IdP's own response, its Assertion encrypted to the SP's certificate",
    tags: &["encryption"],
    edit: Edit::Bytes(enc::genuine),
    ..CONTROL
};

/// The identity-switch control: a login the IdP validly signs for the target identity. The SP
/// must sign the target in and the oracle must say so; otherwise refusing a forged identity
/// proves nothing (no such account, or an oracle that does not tell users apart).
pub const CONTROL_TARGET: Check = Check {
    id: "control/target-identity",
    title: "a valid login as the target identity, signed by the IdP",
    research_id: "BASE-02",
    capability: Cap::NonConformingIdp,
    goal: Goal::Impersonate,
    edit: Edit::Bytes(token::target_identity),
    ..CONTROL
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_relay_state_check_points_where_the_judge_looks() {
        let relay: Vec<&Check> = CATALOGUE
            .iter()
            .filter(|c| c.family == Family::Relay)
            .collect();
        assert!(relay.len() >= 7);
        for c in relay {
            let value = match c.edit {
                Edit::RelayState(value)
                | Edit::UnsolicitedRelayState(value)
                | Edit::ReturnTo(value)
                | Edit::LogoutReturnTo(value) => value,
                Edit::SignOnQuery(_) => REFLECTED_MARKUP,
                _ => panic!("{} is a relay check without a return address", c.id),
            };
            // The judge flags the check's host or a script URL, or (reflection) its marker.
            let judged_by = match c.goal {
                Goal::Escape => value.contains(REFLECTION_MARKER),
                _ => value.contains(EVIL_HOST) || value.starts_with("javascript:"),
            };
            assert!(judged_by, "{}: {value:?}", c.id);
        }
    }

    #[test]
    fn ids_are_unique_and_every_evidence_judged_check_says_how() {
        let mut ids: Vec<&str> = CATALOGUE.iter().map(|c| c.id).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len(), "duplicate check ids");
        for c in CATALOGUE.iter().filter(|c| c.needs_canary()) {
            assert!(matches!(c.edit, Edit::Bytes(_)), "{}", c.id);
            assert!(c.tags.contains(&"canary"), "{}", c.id);
        }
    }
}
