//! Validating a SAMLResponse the way a careful SP does; each check can be switched off by a [`Flaw`].
//! Stateful checks (InResponseTo against sent requests, replay) are the server's, on the returned [`Login`].

use saml_protocol::{
    ASSERTION_NS, BEARER, DSIG_NS, ENVELOPED, EXC_C14N, EXC_C14N_WITH_COMMENTS, PROTOCOL_NS,
    STATUS_SUCCESS,
};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::trust::IdpTrust;
use crate::{Flaw, Flaws};

/// What this SP expects of every response.
#[derive(Clone, Debug)]
pub struct Checks<'a> {
    /// This SP's entity ID: the Audience.
    pub sp_entity_id: &'a str,
    /// This SP's ACS URL: Destination and Recipient.
    pub acs_url: &'a str,
    /// The trusted IdP.
    pub idp: &'a IdpTrust,
    /// Now (injected).
    pub now: OffsetDateTime,
    /// Allowed clock skew either side of the validity window.
    pub skew: Duration,
    /// Checks switched off.
    pub flaws: &'a Flaws,
    /// The key EncryptedAssertions are decrypted with (none: they are refused).
    pub decryption_key: Option<&'a openssl::pkey::PKey<openssl::pkey::Private>>,
}

/// A login the response establishes.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Login {
    /// The NameID value.
    pub name_id: String,
    /// The NameID Format.
    pub name_id_format: Option<String>,
    /// The Assertion ID (replay cache key).
    pub assertion_id: String,
    /// The AuthnRequest this answers (from SubjectConfirmationData, else the Response).
    pub in_response_to: Option<String>,
    /// The AuthnStatement SessionIndex.
    pub session_index: Option<String>,
    /// Attributes in document order.
    pub attributes: Vec<(String, Vec<String>)>,
    /// The earliest NotOnOrAfter of its bearer confirmation and Conditions, where this SP
    /// enforces them (`None` where a flaw skips the time checks): past it, and the skew, the
    /// assertion is refused anyway, so the replay cache need remember its ID no longer.
    pub valid_until: Option<OffsetDateTime>,
}

/// Why a response was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Rejection(pub String);

fn reject<T>(reason: impl Into<String>) -> Result<T, Rejection> {
    Err(Rejection(reason.into()))
}

fn is(node: &roxmltree::Node, ns: &str, name: &str) -> bool {
    node.is_element() && node.tag_name().namespace() == Some(ns) && node.tag_name().name() == name
}

fn child<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    ns: &str,
    name: &str,
) -> Option<roxmltree::Node<'a, 'i>> {
    node.children().find(|c| is(c, ns, name))
}

fn text<'a>(node: Option<roxmltree::Node<'a, '_>>) -> Option<&'a str> {
    node.and_then(|n| n.text())
        .map(saml_protocol::trim_xml_whitespace)
}

fn time_attr(node: roxmltree::Node, name: &str) -> Result<Option<OffsetDateTime>, Rejection> {
    match node.attribute(name) {
        None => Ok(None),
        Some(v) => OffsetDateTime::parse(v, &Rfc3339)
            .map(Some)
            .map_err(|_| Rejection(format!("{name} {v:?} is not an xs:dateTime"))),
    }
}

/// Parses with roxmltree; DTDs only where a flaw emulates a library that allowed them.
fn parse(xml: &str, allow_dtd: bool) -> Result<roxmltree::Document<'_>, Rejection> {
    let options = roxmltree::ParsingOptions {
        allow_dtd,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(xml, options).map_err(|e| match e {
        roxmltree::Error::DtdDetected => Rejection("a DOCTYPE is not allowed in SAML".into()),
        e => Rejection(format!("not well-formed XML: {e}")),
    })
}

/// The response arrives as UTF-8 text: an XML declaration naming another encoding contradicts
/// its bytes, a fatal error (XML 1.0 §4.3.3).
fn declared_encoding_is_utf8(xml: &str) -> Result<(), Rejection> {
    let mut reader = quick_xml::Reader::from_str(xml);
    if let Ok(quick_xml::events::Event::Decl(decl)) = reader.read_event() {
        if let Some(Ok(encoding)) = decl.encoding() {
            let encoding = String::from_utf8_lossy(&encoding).into_owned();
            if !encoding.eq_ignore_ascii_case("utf-8") && !encoding.eq_ignore_ascii_case("utf8") {
                return reject(format!(
                    "the XML declaration says encoding {encoding:?}, but the response is UTF-8"
                ));
            }
        }
    }
    Ok(())
}

/// How a consumer reads an element's text.
#[derive(Clone, Copy)]
enum TextReading {
    /// The whole text content (correct).
    Whole,
    /// The first child node only (CVE-2017-11427 family).
    FirstNode,
    /// Text nodes only, entity references skipped (CVE-2018-0486).
    WithoutEntities,
}

/// The text a consumer reads from `node`, without surrounding XML whitespace.
fn value_of(xml: &str, node: roxmltree::Node, how: TextReading) -> String {
    let text = match how {
        TextReading::FirstNode => crate::emulated::first_text_node(xml, node),
        TextReading::WithoutEntities => crate::emulated::without_entity_references(xml, node),
        TextReading::Whole => node
            .descendants()
            .filter(|n| n.is_text())
            .filter_map(|n| n.text())
            .collect(),
    };
    saml_protocol::trim_xml_whitespace(&text).to_owned()
}

/// The multiple-roots flaw (xmldom + passport-saml, CVE-2022-39299): with several roots, the
/// first root's own signature is verified and the Response root holding an Assertion is read.
fn multiple_roots<'x>(xml: &'x str, checks: &Checks) -> Result<Option<&'x str>, Rejection> {
    if !checks.flaws.contains(&Flaw::MultipleRoots) {
        return Ok(None);
    }
    let roots = crate::emulated::split_roots(xml);
    let [first, rest @ ..] = roots.as_slice() else {
        return Ok(None);
    };
    if rest.is_empty() {
        return Ok(None);
    }
    let ldoc = libxml_doc(first)?;
    let root = ldoc.get_root_element().ok_or(Rejection("no root".into()))?;
    let signature = root
        .get_child_elements()
        .into_iter()
        .find(|c| c.get_name() == "Signature")
        .ok_or_else(|| Rejection("the first root is not signed".into()))?;
    let how = crate::emulated::Loose::careful();
    crate::emulated::verify(&ldoc, &signature, how, &checks.idp.certificates).map_err(Rejection)?;
    Ok(rest.iter().find(|r| r.contains("Assertion")).copied())
}

/// What the ACS signs in from `xml`: [`validate`]'s login or, under the `regex-fallback`
/// flaw, the `<saml2:NameID>` a regex finds in a response it refused.
pub fn validate_or_fallback(xml: &str, checks: &Checks) -> Result<Login, Rejection> {
    validate(xml, checks).or_else(
        |refusal| match checks.flaws.contains(&Flaw::RegexFallback) {
            true => crate::emulated::regex_fallback(xml).ok_or(refusal),
            false => Err(refusal),
        },
    )
}

/// Validates `xml` (the decoded SAMLResponse) against `checks`.
pub fn validate(xml: &str, checks: &Checks) -> Result<Login, Rejection> {
    let flawed = |f: Flaw| checks.flaws.contains(&f);
    // Before any parser builds a tree: their duplicate-attribute checks are quadratic.
    if !flawed(Flaw::UnboundedAttributes) {
        few_attributes(xml)?;
    }
    if flawed(Flaw::EndTagTrim) {
        crate::emulated::backtracking_end_tag_trim(xml);
    }
    crate::emulated::refuse_external_entities();
    if flawed(Flaw::ExternalEntities) {
        crate::emulated::parse_with_external_entities(xml);
    }
    if flawed(Flaw::PhpNonet) {
        crate::emulated::parse_as_php_nonet(xml);
    }
    if flawed(Flaw::XInclude) {
        crate::emulated::process_xinclude(xml);
    }
    if flawed(Flaw::EntityExpansion) {
        crate::emulated::expand_entities_naively(xml).map_err(Rejection)?;
    }
    // Keycloak's broker (encrypted-any-signature) took a decrypted assertion as signed when
    // its EncryptedAssertion came first and a Signature sat outside the encryption.
    let keycloak_lax =
        flawed(Flaw::EncryptedAnySignature) && encrypted_first_and_signature_outside(xml);
    let decrypted;
    let (xml, was_encrypted) = match checks.decryption_key {
        Some(key) if xml.contains("EncryptedAssertion") => {
            if flawed(Flaw::EncryptedKeyCycle) {
                crate::emulated::xmlseclibs_locate_key(xml).map_err(Rejection)?;
            }
            let tolerance = crate::decrypt::Tolerance {
                rsa_1_5: flawed(Flaw::Rsa15),
                data_reference: flawed(Flaw::CipherReference),
                key_reference: flawed(Flaw::CipherReference) || flawed(Flaw::CipherReferenceInKey),
            };
            decrypted = crate::decrypt::decrypt(xml, key, tolerance).map_err(Rejection)?;
            if flawed(Flaw::DecryptedEntities) {
                for plaintext in &decrypted.plaintexts {
                    crate::emulated::parse_with_external_entities(plaintext);
                }
            }
            (decrypted.xml.as_str(), !decrypted.plaintexts.is_empty())
        }
        _ => (xml, false),
    };
    let read = validate_read(xml, checks, was_encrypted, keycloak_lax);
    // Whatever a decrypted plaintext fails, the answer is one: telling a plaintext that does
    // not parse from one refused later makes the SP a decryption oracle (Jager and
    // Somorovsky, 2011).
    match was_encrypted {
        true => read.map_err(|_| Rejection(crate::decrypt::REFUSED.into())),
        false => read,
    }
}

/// Everything [`validate`] checks once the response's EncryptedAssertion (if any:
/// `was_encrypted`) is decrypted in place in `xml`.
fn validate_read(
    xml: &str,
    checks: &Checks,
    was_encrypted: bool,
    keycloak_lax: bool,
) -> Result<Login, Rejection> {
    let flawed = |f: Flaw| checks.flaws.contains(&f);
    // The plaintexts are the sender's too (anyone can encrypt to the SP's certificate).
    if was_encrypted && !flawed(Flaw::UnboundedAttributes) {
        few_attributes(xml)?;
    }
    let repaired;
    let xml = if flawed(Flaw::RecoveringParser) {
        repaired = crate::emulated::recover(xml).map_err(Rejection)?;
        repaired.as_str()
    } else {
        xml
    };
    // Under the multiple-roots flaw the first root is verified and another one read.
    let (read_xml, verified_roots) = match multiple_roots(xml, checks)? {
        Some(read) => (read, true),
        None => (xml, false),
    };
    if !flawed(Flaw::RecoveringParser) {
        declared_encoding_is_utf8(read_xml)?;
    }
    let allow_dtd = flawed(Flaw::DoctypeRoundTrip)
        || flawed(Flaw::SkipEntityReferences)
        || flawed(Flaw::SplitSignatureParsers)
        || flawed(Flaw::IdsInDocumentCopy);
    let doc = parse(read_xml, allow_dtd)?;
    if flawed(Flaw::NodeSetCanonicalization) {
        crate::emulated::node_set_c14n(read_xml).map_err(Rejection)?;
    }
    let response = doc.root_element();
    if !is(&response, PROTOCOL_NS, "Response") {
        return reject("the document is not a samlp:Response");
    }
    let status =
        child(response, PROTOCOL_NS, "Status").and_then(|s| child(s, PROTOCOL_NS, "StatusCode"));
    if !flawed(Flaw::Status) && status.and_then(|s| s.attribute("Value")) != Some(STATUS_SUCCESS) {
        let message = text(
            child(response, PROTOCOL_NS, "Status")
                .and_then(|s| child(s, PROTOCOL_NS, "StatusMessage")),
        );
        return reject(format!(
            "the IdP reported an error: {}",
            message.unwrap_or("no StatusMessage")
        ));
    }

    // Exactly one Assertion anywhere, so the one we read is the one whose signature we check.
    let assertions: Vec<_> = doc
        .descendants()
        .filter(|n| is(n, ASSERTION_NS, "Assertion"))
        .collect();
    let root_assertions: Vec<_> = response
        .children()
        .filter(|n| is(n, ASSERTION_NS, "Assertion"))
        .collect();
    let first_in_document =
        flawed(Flaw::SignatureWrapping) || flawed(Flaw::XswLastId) || flawed(Flaw::AllSignedInfo);
    let assertion = match assertions.as_slice() {
        [] => return reject("the response carries no Assertion"),
        [one] => *one,
        [first, ..] if first_in_document => *first,
        _ if (flawed(Flaw::XswRootAssertion)
            || flawed(Flaw::FirstSignatureInScope)
            || (flawed(Flaw::IdsInDocumentCopy) && signature_names_itself(response)))
            && !root_assertions.is_empty() =>
        {
            root_assertions[0]
        }
        // Its checks take the signed Assertion; its reader, below, the whole document.
        [first, ..] if flawed(Flaw::DocumentWideFields) => *assertions
            .iter()
            .find(|a| child(**a, DSIG_NS, "Signature").is_some())
            .unwrap_or(first),
        _ if flawed(Flaw::IdByLocalName) => by_local_name_id(&root_assertions)
            .ok_or_else(|| Rejection("no Assertion carries the signed ID".into()))?,
        // Keycloak's broker read the first Assertion child, the decrypted one.
        _ if was_encrypted && keycloak_lax && !root_assertions.is_empty() => root_assertions[0],
        _ if (flawed(Flaw::LastAssertion) || flawed(Flaw::DuplicateIds))
            && !root_assertions.is_empty() =>
        {
            root_assertions[root_assertions.len() - 1]
        }
        _ => {
            return reject(format!(
                "the response carries {} Assertions; exactly one is allowed (signature wrapping?)",
                assertions.len()
            ))
        }
    };

    // Transforms are allow-listed (SAML Core §5.4.4) and counted before anything runs them.
    // A verifier with no SAML profile (xml-crypto, bare libxmlsec1) does neither.
    if !flawed(Flaw::LenientProfile) && !flawed(Flaw::XsltTransforms) {
        for signature in std::iter::once(response)
            .chain(assertions.iter().copied())
            .filter_map(|e| child(e, DSIG_NS, "Signature"))
        {
            signature_algorithms(signature)?;
            if !flawed(Flaw::UnboundedTransforms) {
                few_transforms(signature)?;
            }
        }
    }
    // Under encrypted-trusted, a decrypted assertion counts as authenticated.
    let trusted_unsigned = was_encrypted && flawed(Flaw::EncryptedTrusted);
    // samael's and CloudStack's fail-open: no signing key configured reads as nothing to
    // verify (under unmarked-key-no-check, keys without `use` were not read as signing keys).
    let no_key_no_check = checks.idp.certificates.is_empty()
        && (flawed(Flaw::NoKeyNoCheck) || flawed(Flaw::UnmarkedKeyNoCheck));
    // Under encrypted-any-signature, such a decrypted response needs only some signature,
    // all of them valid, anywhere in it.
    let any_signature = was_encrypted && keycloak_lax;
    if !flawed(Flaw::Signature) && !verified_roots && !trusted_unsigned && !no_key_no_check {
        verify_signatures(xml, &doc, response, &assertions, checks, any_signature)?;
    }
    // Its reader finds the Assertion by local name; its verifier checked the saml:Assertion.
    let assertion = if flawed(Flaw::NamespaceBlind) {
        doc.descendants()
            .find(|n| n.is_element() && n.tag_name().name() == "Assertion")
            .unwrap_or(assertion)
    } else {
        assertion
    };

    if !flawed(Flaw::Issuer) {
        let expected = checks.idp.entity_id.as_str();
        let trusted = |issuer: &str| {
            issuer == expected || (flawed(Flaw::IssuerPrefix) && issuer.starts_with(expected))
        };
        if let Some(issuer) = text(child(response, ASSERTION_NS, "Issuer")) {
            if !trusted(issuer) {
                return reject(format!(
                    "Response Issuer {issuer:?} is not the trusted IdP {expected:?}"
                ));
            }
        }
        let issuer = text(child(assertion, ASSERTION_NS, "Issuer")).unwrap_or_default();
        if !trusted(issuer) {
            return reject(format!(
                "Assertion Issuer {issuer:?} is not the trusted IdP {expected:?}"
            ));
        }
    }
    if !flawed(Flaw::Destination) {
        if let Some(d) = response.attribute("Destination") {
            if d != checks.acs_url {
                return reject(format!(
                    "Destination {d:?} is not this ACS {:?}",
                    checks.acs_url
                ));
            }
        }
    }

    if !flawed(Flaw::LenientProfile) {
        profile_rules(response, assertion, checks)?;
    }

    let subject = child(assertion, ASSERTION_NS, "Subject")
        .ok_or_else(|| Rejection("the Assertion has no Subject".into()))?;
    let name_id = if flawed(Flaw::EnvelopedOverRemoval) {
        // Its reader takes the first NameID below the Assertion, wherever it is.
        assertion
            .descendants()
            .find(|n| is(n, ASSERTION_NS, "NameID"))
    } else if flawed(Flaw::DescendantSubject) {
        // `.//Subject/NameID`: the first Subject anywhere below the Assertion that has one.
        assertion
            .descendants()
            .filter(|n| is(n, ASSERTION_NS, "Subject"))
            .find_map(|s| child(s, ASSERTION_NS, "NameID"))
    } else {
        child(subject, ASSERTION_NS, "NameID")
    };
    let name_id = match name_id {
        None if !flawed(Flaw::NameIdOptional) => return reject("the Subject has no NameID"),
        found => found,
    };
    let bearer = subject
        .children()
        .filter(|c| {
            is(c, ASSERTION_NS, "SubjectConfirmation") && c.attribute("Method") == Some(BEARER)
        })
        .find_map(|c| child(c, ASSERTION_NS, "SubjectConfirmationData"));
    let confirmation = match bearer {
        Some(c) => Some(c),
        // The flaw: any confirmation method, or none, will do.
        None if flawed(Flaw::SubjectConfirmation) => subject
            .descendants()
            .find(|c| is(c, ASSERTION_NS, "SubjectConfirmationData")),
        None => return reject("no bearer SubjectConfirmationData"),
    };
    if let Some(confirmation) = confirmation {
        if !flawed(Flaw::Recipient) {
            let recipient = confirmation.attribute("Recipient").unwrap_or_default();
            if recipient != checks.acs_url {
                return reject(format!(
                    "Recipient {recipient:?} is not this ACS {:?}",
                    checks.acs_url
                ));
            }
        }
        if !flawed(Flaw::LenientProfile) && confirmation.attribute("NotBefore").is_some() {
            return reject("a bearer SubjectConfirmationData must not carry NotBefore");
        }
    }
    let conditions = child(assertion, ASSERTION_NS, "Conditions");
    let conditions_checked = !(was_encrypted && flawed(Flaw::EncryptedConditions));
    let mut valid_until = None;
    if !flawed(Flaw::TimeWindow) && conditions_checked {
        valid_until = [confirmation, conditions]
            .into_iter()
            .flatten()
            .filter_map(|n| time_attr(n, "NotOnOrAfter").ok().flatten())
            .min();
        let now = checks.now;
        let expired = |t: Option<OffsetDateTime>| t.is_some_and(|t| now - checks.skew >= t);
        if let Some(confirmation) = confirmation {
            let not_on_or_after = time_attr(confirmation, "NotOnOrAfter")?;
            if not_on_or_after.is_none() {
                return reject("the bearer SubjectConfirmationData has no NotOnOrAfter");
            }
            if expired(not_on_or_after) {
                return reject("SubjectConfirmationData NotOnOrAfter has passed (expired)");
            }
        }
        if let Some(c) = conditions {
            if expired(time_attr(c, "NotOnOrAfter")?) {
                return reject("Conditions NotOnOrAfter has passed (expired)");
            }
            if time_attr(c, "NotBefore")?.is_some_and(|t| now + checks.skew < t) {
                return reject("Conditions NotBefore is in the future (not yet valid)");
            }
        }
        if let Some(statement) = child(assertion, ASSERTION_NS, "AuthnStatement") {
            if expired(time_attr(statement, "SessionNotOnOrAfter")?) {
                return reject("AuthnStatement SessionNotOnOrAfter has passed");
            }
        }
    }
    if flawed(Flaw::DocumentWideFields) {
        document_wide_audience(&doc, checks)?;
    } else if !flawed(Flaw::Audience) && conditions_checked {
        check_audience(conditions, checks)?;
    }

    let reading = if flawed(Flaw::FirstTextNode) {
        TextReading::FirstNode
    } else if flawed(Flaw::SkipEntityReferences) {
        TextReading::WithoutEntities
    } else {
        TextReading::Whole
    };
    // Under descendant-subject, every AttributeStatement below the Assertion, the last
    // Attribute of each name winning (`.//AttributeStatement/Attribute` into a profile).
    let statements: Vec<roxmltree::Node> = if flawed(Flaw::DescendantSubject) {
        assertion
            .descendants()
            .filter(|n| is(n, ASSERTION_NS, "AttributeStatement"))
            .collect()
    } else {
        child(assertion, ASSERTION_NS, "AttributeStatement")
            .into_iter()
            .collect()
    };
    let mut attributes: Vec<(String, Vec<String>)> = Vec::new();
    for a in statements
        .iter()
        .flat_map(|s| s.children().filter(|n| is(n, ASSERTION_NS, "Attribute")))
    {
        let name = a.attribute("Name").unwrap_or_default();
        let values: Vec<String> = a
            .children()
            .filter(|n| is(n, ASSERTION_NS, "AttributeValue"))
            .map(|v| value_of(read_xml, v, reading))
            .collect();
        match attributes.iter_mut().find(|(n, _)| n == name) {
            Some((_, earlier)) if flawed(Flaw::DescendantSubject) => *earlier = values,
            _ => attributes.push((name.to_owned(), values)),
        }
    }
    let scd_in_response_to = confirmation.and_then(|c| c.attribute("InResponseTo"));
    let response_in_response_to = response.attribute("InResponseTo");
    if !flawed(Flaw::EnvelopeInResponseTo) {
        if let (Some(a), Some(b)) = (scd_in_response_to, response_in_response_to) {
            if a != b {
                return reject(format!(
                    "SubjectConfirmationData InResponseTo {a:?} and the Response's {b:?} disagree"
                ));
            }
        }
    }
    let in_response_to = if verified_roots {
        // passport-saml 3.x, the multiple-roots flaw's library, takes the request's ID from
        // the Response alone (a forgery without it is refused even there).
        response_in_response_to
    } else if flawed(Flaw::EnvelopeInResponseTo) {
        response_in_response_to.or(scd_in_response_to)
    } else {
        scd_in_response_to.or(response_in_response_to)
    };
    let identity = |v: String| {
        if flawed(Flaw::NormalisedIdentity) {
            crate::emulated::normalise_identity(&v)
        } else {
            v
        }
    };
    let name_id_value = if flawed(Flaw::DocumentWideFields) {
        // `//*[local-name(.)='NameID']/text()`: every NameID, an array when several.
        doc.descendants()
            .filter(|n| n.is_element() && n.tag_name().name() == "NameID")
            .map(|n| value_of(read_xml, n, reading))
            .collect::<Vec<_>>()
            .join(",")
    } else {
        name_id
            .map(|n| value_of(read_xml, n, reading))
            .unwrap_or_default()
    };
    let name_id_value = match name_id_value.trim().is_empty() {
        false => name_id_value,
        true if flawed(Flaw::NameIdOptional) => crate::emulated::account_from_claims(&attributes)
            .ok_or_else(|| {
            Rejection("no NameID and no name claim to map the account from".into())
        })?,
        true => return reject("the NameID is empty"),
    };
    let attributes = attributes
        .into_iter()
        .map(|(name, values): (String, Vec<String>)| {
            (name, values.into_iter().map(identity).collect())
        })
        .collect();
    Ok(Login {
        name_id: identity(name_id_value),
        name_id_format: name_id
            .and_then(|n| n.attribute("Format"))
            .map(str::to_owned),
        assertion_id: assertion.attribute("ID").unwrap_or_default().to_owned(),
        in_response_to: in_response_to.map(str::to_owned),
        session_index: child(assertion, ASSERTION_NS, "AuthnStatement")
            .and_then(|s| s.attribute("SessionIndex"))
            .map(str::to_owned),
        attributes,
        valid_until,
    })
}

/// The id-by-local-name flaw: the first Assertion with any attribute named `ID` (of any
/// namespace) equal to the ID a root-level Assertion's Signature references.
fn by_local_name_id<'a, 'i>(
    assertions: &[roxmltree::Node<'a, 'i>],
) -> Option<roxmltree::Node<'a, 'i>> {
    let referenced = assertions.iter().find_map(|a| {
        child(*a, DSIG_NS, "Signature")?
            .descendants()
            .find(|n| is(n, DSIG_NS, "Reference"))?
            .attribute("URI")?
            .strip_prefix('#')
            .map(str::to_owned)
    })?;
    assertions.iter().copied().find(|a| {
        a.attributes()
            .any(|at| at.name() == "ID" && at.value() == referenced)
    })
}

/// Every AudienceRestriction must name this SP (restrictions are ANDed); at least one.
fn check_audience(conditions: Option<roxmltree::Node>, checks: &Checks) -> Result<(), Rejection> {
    let ours = checks.sp_entity_id;
    let matches = |a: &str| {
        a == ours
            || (checks.flaws.contains(&Flaw::AudiencePrefix)
                && (a.starts_with(ours) || ours.starts_with(a)))
    };
    let restrictions: Vec<_> = conditions
        .into_iter()
        .flat_map(|c| {
            c.children()
                .filter(|n| is(n, ASSERTION_NS, "AudienceRestriction"))
        })
        .collect();
    if restrictions.is_empty() {
        return reject(format!("no AudienceRestriction names this SP {ours:?}"));
    }
    for r in restrictions {
        let audiences: Vec<&str> = r
            .children()
            .filter(|n| is(n, ASSERTION_NS, "Audience"))
            .filter_map(|a| a.text().map(str::trim))
            .collect();
        if !audiences.iter().any(|a| matches(a)) {
            return reject(format!(
                "Audience {audiences:?} does not name this SP {ours:?}"
            ));
        }
    }
    Ok(())
}

/// The document-wide-fields flaw's audience check, as an application on samlify < 2.4.0
/// makes it: every `Audience` in the document, one value that must be this SP's (several
/// come back as an array, which is not this SP's entity ID).
fn document_wide_audience(doc: &roxmltree::Document, checks: &Checks) -> Result<(), Rejection> {
    let audiences: Vec<&str> = doc
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "Audience")
        .filter_map(|a| a.text())
        .collect();
    match audiences.as_slice() {
        [one] if *one == checks.sp_entity_id => Ok(()),
        _ => reject(format!(
            "audience {audiences:?} is not this SP {:?}",
            checks.sp_entity_id
        )),
    }
}

/// The Web SSO profile's rules on the message itself: Version, IssueInstant, Destination on
/// signed Responses, an AuthnStatement, and only conditions this SP understands.
fn profile_rules(
    response: roxmltree::Node,
    assertion: roxmltree::Node,
    checks: &Checks,
) -> Result<(), Rejection> {
    for (what, element) in [("Response", response), ("Assertion", assertion)] {
        if element.attribute("Version") != Some("2.0") {
            return reject(format!("{what} Version is not \"2.0\""));
        }
        if time_attr(element, "IssueInstant")?.is_some_and(|t| t > checks.now + checks.skew) {
            return reject(format!("{what} IssueInstant is in the future"));
        }
    }
    // The Response's own ID and IssueInstant (the Assertion's are the signed ones, read by
    // the signature checks and the flaws' emulations).
    match response.attribute("ID") {
        None => return reject("the Response has no ID"),
        Some(id) if !is_ncname(id) => {
            return reject(format!("the Response's ID {id:?} is not an xs:ID"))
        }
        Some(_) => {}
    }
    if response.attribute("IssueInstant").is_none() {
        return reject("the Response has no IssueInstant");
    }
    if child(response, DSIG_NS, "Signature").is_some()
        && response.attribute("Destination").is_none()
    {
        return reject("a signed Response must carry Destination (Bindings §3.5.5.2)");
    }
    if child(assertion, ASSERTION_NS, "AuthnStatement").is_none() {
        return reject("the Assertion has no AuthnStatement");
    }
    const KNOWN: [&str; 3] = ["AudienceRestriction", "OneTimeUse", "ProxyRestriction"];
    if let Some(c) = child(assertion, ASSERTION_NS, "Conditions") {
        if let Some(unknown) = c.children().filter(|n| n.is_element()).find(|n| {
            n.tag_name().namespace() != Some(ASSERTION_NS) || !KNOWN.contains(&n.tag_name().name())
        }) {
            return reject(format!(
                "unknown condition {:?}: the assertion's validity is indeterminate",
                unknown.tag_name().name()
            ));
        }
    }
    Ok(())
}

/// Whether `s` is an NCName (the lexical space of xs:ID), with letters and digits taken in
/// Unicode's general sense.
fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// SAML's signature profile (Core §5.4.3–5.4.4): exclusive C14N (with or without comments)
/// for SignedInfo, and no transforms but enveloped-signature and exclusive C14N.
pub(crate) fn signature_algorithms(signature: roxmltree::Node) -> Result<(), Rejection> {
    let algorithm = |name: &'static str| {
        signature
            .descendants()
            .filter(move |n| is(n, DSIG_NS, name))
            .map(|n| n.attribute("Algorithm").unwrap_or_default())
    };
    let exclusive = |a: &str| a == EXC_C14N || a == EXC_C14N_WITH_COMMENTS;
    if let Some(c14n) = algorithm("CanonicalizationMethod").find(|a| !exclusive(a)) {
        return reject(format!(
            "CanonicalizationMethod {c14n:?} is not exclusive C14N (SAML Core §5.4.3)"
        ));
    }
    if let Some(t) = algorithm("Transform").find(|a| *a != ENVELOPED && !exclusive(a)) {
        return reject(format!(
            "Transform {t:?} is not allowed in a SAML signature (SAML Core §5.4.4)"
        ));
    }
    Ok(())
}

/// Every start tag of `xml` carries at most [`saml_protocol::MAX_ATTRIBUTES`] attributes.
pub(crate) fn few_attributes(xml: &str) -> Result<(), Rejection> {
    match saml_protocol::crowded_element(xml) {
        Some((name, count)) => reject(format!(
            "<{name}> carries {count} attributes; at most {} are taken (a parser's duplicate check is quadratic in them)",
            saml_protocol::MAX_ATTRIBUTES
        )),
        None => Ok(()),
    }
}

/// The most transforms a Reference may name: a SAML signature needs enveloped-signature and
/// exclusive C14N, and each one more is another pass over the signed element.
pub(crate) const MAX_TRANSFORMS: usize = 2;

/// Every Reference of `signature` names at most [`MAX_TRANSFORMS`] transforms, counted
/// before any runs (passport-saml 3.1.0's fix of CVE-2021-39171).
pub(crate) fn few_transforms(signature: roxmltree::Node) -> Result<(), Rejection> {
    for reference in signature
        .descendants()
        .filter(|n| is(n, DSIG_NS, "Reference"))
    {
        let count = reference
            .children()
            .filter(|n| is(n, DSIG_NS, "Transforms"))
            .flat_map(|t| t.children().filter(|n| is(n, DSIG_NS, "Transform")))
            .count();
        if count > MAX_TRANSFORMS {
            return reject(format!(
                "a Reference names {count} transforms; a SAML signature needs at most {MAX_TRANSFORMS} (too many transforms, CVE-2021-39171)"
            ));
        }
    }
    Ok(())
}

/// Which Signatures an emulated verifier checks.
#[derive(Clone, Copy)]
enum Checked {
    /// The first in document order, wherever it is.
    FirstAnywhere,
    /// Each one enveloped in the Response or a root-level Assertion.
    Enveloped,
    /// Every one in the document (samlify < 2.4.0: `//*[local-name(.)='Signature']`).
    EveryAnywhere,
    /// The Response's, and the first one anywhere below each root-level Assertion
    /// (passport-wsfed-saml2 3.0.9: `.//Signature` from the Assertion).
    BelowAssertions,
}

/// Signature verification as configured: careful (libxmlsec1, every enveloped Signature on
/// the Response and the Assertions, trusted certificates only), or one emulated bug.
fn verify_signatures(
    xml: &str,
    doc: &roxmltree::Document,
    response: roxmltree::Node,
    assertions: &[roxmltree::Node],
    checks: &Checks,
    any_signature: bool,
) -> Result<(), Rejection> {
    use crate::emulated::{DigestSource, IdLookup, Loose};
    let flawed = |f: Flaw| checks.flaws.contains(&f);
    let certs = &checks.idp.certificates;
    if certs.is_empty() {
        return reject("the IdP metadata names no signing key, so no response can be trusted; hint: give the SP IdP metadata with a KeyDescriptor for signing");
    }
    let loose = |how: Loose, which: Checked| -> Result<(), Rejection> {
        // A fresh parse per Signature: a partial canonicalization cuts the tree it ran on.
        let signatures =
            |ldoc: &libxml::tree::Document| -> Result<Vec<libxml::tree::Node>, Rejection> {
                let root = ldoc.get_root_element().ok_or(Rejection("no root".into()))?;
                Ok(match which {
                    Checked::FirstAnywhere => crate::emulated::first_descendant(&root, "Signature")
                        .into_iter()
                        .collect(),
                    Checked::Enveloped => enveloped_signatures(&root),
                    Checked::EveryAnywhere => crate::emulated::every_signature(&root),
                    Checked::BelowAssertions => signatures_below_assertions(&root),
                })
            };
        let count = signatures(&libxml_doc(xml)?)?.len();
        if count == 0 {
            return reject("neither the Response nor the Assertion is signed");
        }
        for i in 0..count {
            let ldoc = libxml_doc(xml)?;
            let signature = signatures(&ldoc)?.swap_remove(i);
            if how.skip_unresolved {
                match crate::emulated::xml_sig_reference_targets(&ldoc, &signature) {
                    0 if count == 1 => return reject("the signature's Reference names no element"),
                    0 => continue,
                    1 => {}
                    _ => return reject("more than one element carries the signed ID"),
                }
            }
            crate::emulated::verify(&ldoc, &signature, how, certs).map_err(Rejection)?;
        }
        Ok(())
    };
    let how = |lookup, digest| Loose {
        lookup,
        digest,
        ..Loose::careful()
    };
    if flawed(Flaw::DocumentWideFields) {
        return loose(
            how(IdLookup::First, DigestSource::Text),
            Checked::EveryAnywhere,
        );
    }
    if any_signature {
        return loose(Loose::careful(), Checked::EveryAnywhere);
    }
    if flawed(Flaw::XswRootAssertion) {
        return loose(
            how(IdLookup::First, DigestSource::Text),
            Checked::FirstAnywhere,
        );
    }
    if flawed(Flaw::SplitSignatureParsers) {
        crate::emulated::split_parsers(xml, certs).map_err(Rejection)?;
        return Ok(());
    }
    if flawed(Flaw::VoidCanonicalization) {
        let void = Loose {
            void_canonicalization: true,
            ..how(IdLookup::First, DigestSource::Text)
        };
        return loose(void, Checked::Enveloped);
    }
    if flawed(Flaw::FirstSignatureInScope) {
        return first_signature_in_scope(xml, response, certs);
    }
    if flawed(Flaw::IdsInDocumentCopy) && signature_names_itself(response) {
        return ids_in_document_copy(xml, doc, response, certs);
    }
    if flawed(Flaw::XswLastId) {
        return loose(
            how(IdLookup::Last, DigestSource::Text),
            Checked::FirstAnywhere,
        );
    }
    if flawed(Flaw::DuplicateIds) {
        // Each enveloped Signature checked, its Reference resolved to the first element with
        // the ID (duplicates allowed); the reader then takes the last Assertion.
        return loose(how(IdLookup::First, DigestSource::Text), Checked::Enveloped);
    }
    if flawed(Flaw::DigestFirstChild) {
        return loose(
            how(IdLookup::First, DigestSource::FirstChild),
            Checked::Enveloped,
        );
    }
    if flawed(Flaw::DigestAnywhere) {
        return loose(
            how(IdLookup::First, DigestSource::AnywhereInDocument),
            Checked::Enveloped,
        );
    }
    if flawed(Flaw::IdByLocalName) {
        // Its verifier resolves only the unqualified ID; only its lookup afterwards is loose.
        return loose(how(IdLookup::First, DigestSource::Text), Checked::Enveloped);
    }
    if flawed(Flaw::SignatureDescendant) {
        return loose(
            how(IdLookup::First, DigestSource::Text),
            Checked::BelowAssertions,
        );
    }
    if flawed(Flaw::EnvelopedOverRemoval) {
        let over = Loose {
            enveloped: crate::emulated::Enveloped::EveryInside,
            ..how(IdLookup::First, DigestSource::Text)
        };
        return loose(over, Checked::Enveloped);
    }
    if flawed(Flaw::VerifyErrorAsSuccess) {
        let php = Loose {
            error_as_success: true,
            ..how(IdLookup::First, DigestSource::Text)
        };
        return loose(php, Checked::Enveloped);
    }
    if flawed(Flaw::HmacKeyConfusion) {
        let trusting = Loose {
            hmac_with_certificate: true,
            ..how(IdLookup::First, DigestSource::Text)
        };
        return loose(trusting, Checked::Enveloped);
    }
    if flawed(Flaw::SkipUnresolvedReferences) {
        // XML::Sig 0.71's verify: every Signature in the document, each looked up as it does.
        let xml_sig = Loose {
            skip_unresolved: true,
            ..Loose::careful()
        };
        return loose(xml_sig, Checked::EveryAnywhere);
    }
    if flawed(Flaw::SignedInfoMoved) {
        let goxmldsig = Loose {
            signed_info_moved: true,
            ..how(IdLookup::First, DigestSource::Text)
        };
        return loose(goxmldsig, Checked::Enveloped);
    }
    if flawed(Flaw::AllSignedInfo) {
        let xml_crypto = Loose {
            all_signed_info: true,
            enveloped: crate::emulated::Enveloped::FirstInside,
            ..how(IdLookup::First, DigestSource::Text)
        };
        return loose(xml_crypto, Checked::Enveloped);
    }
    let elements: Vec<roxmltree::Node> = if flawed(Flaw::LastAssertion) {
        std::iter::once(response)
            .chain(assertions.first().copied())
            .collect()
    } else {
        std::iter::once(response)
            .chain(assertions.iter().copied())
            .collect()
    };
    let verify_xml = if flawed(Flaw::DoctypeRoundTrip) {
        crate::emulated::requote_doctype(xml)
    } else if flawed(Flaw::SkipEntityReferences) {
        crate::emulated::expand_entities(xml).map_err(Rejection)?
    } else if flawed(Flaw::PiAsText) {
        crate::emulated::pi_as_text(xml).map_err(Rejection)?
    } else {
        xml.to_owned()
    };
    if flawed(Flaw::DoctypeRoundTrip) && verify_xml != xml {
        // The re-serialised copy is parsed again, and its elements are the ones verified.
        let vdoc = parse(&verify_xml, true)?;
        let vresponse = vdoc.root_element();
        let vassertions: Vec<_> = vdoc
            .descendants()
            .filter(|n| is(n, ASSERTION_NS, "Assertion"))
            .collect();
        let elements: Vec<_> = std::iter::once(vresponse).chain(vassertions).collect();
        return check_enveloped(&verify_xml, &vdoc, &elements, checks);
    }
    check_enveloped(&verify_xml, doc, &elements, checks)?;
    // The careful verifier keeps the metadata's promise (WantAssertionsSigned="true"): every
    // Assertion carries its own signature. The emulated verifiers that end here do not.
    let emulated = flawed(Flaw::LastAssertion)
        || flawed(Flaw::SignatureWrapping)
        || flawed(Flaw::SkipEntityReferences);
    if !emulated && !flawed(Flaw::AssertionSignatureOptional) {
        if let Some(unsigned) = assertions
            .iter()
            .find(|a| child(**a, DSIG_NS, "Signature").is_none())
        {
            return reject(format!(
                "Assertion {:?} is not signed, and this SP's metadata asks for signed assertions (WantAssertionsSigned)",
                unsigned.attribute("ID").unwrap_or_default()
            ));
        }
    }
    Ok(())
}

/// pysaml2 before CVE-2021-21238's fix: the Response and its root-level Assertion, each
/// that carries a Signature, must have it name the element's own ID (a Python check), then
/// `xmlsec1 --node-id` verifies the first Signature found under that element, whichever
/// element that one covers.
fn first_signature_in_scope(
    xml: &str,
    response: roxmltree::Node,
    certs: &[String],
) -> Result<(), Rejection> {
    let assertion = child(response, ASSERTION_NS, "Assertion")
        .ok_or_else(|| Rejection("the Response has no Assertion".into()))?;
    let signed: Vec<(roxmltree::Node, &str)> = [(response, "Response"), (assertion, "Assertion")]
        .into_iter()
        .filter(|(element, _)| child(*element, DSIG_NS, "Signature").is_some())
        .collect();
    if signed.is_empty() {
        return reject("neither the Response nor the Assertion is signed");
    }
    if let Some((_, name)) = signed.iter().find(|(e, _)| !signature_names_itself(*e)) {
        return reject(format!("the {name}'s Signature does not reference it"));
    }
    let ldoc = libxml_doc(xml)?;
    let root = ldoc.get_root_element().ok_or(Rejection("no root".into()))?;
    for (_, name) in signed {
        let scope = match name {
            "Response" => root.clone(),
            _ => root
                .get_child_elements()
                .into_iter()
                .find(|c| {
                    c.get_name() == "Assertion"
                        && c.get_namespace()
                            .is_some_and(|ns| ns.get_href() == ASSERTION_NS)
                })
                .ok_or_else(|| Rejection("the Response has no Assertion".into()))?,
        };
        let first = crate::emulated::first_descendant(&scope, "Signature")
            .ok_or_else(|| Rejection(format!("the {name} is not signed")))?;
        let how = crate::emulated::Loose::careful();
        crate::emulated::verify(&ldoc, &first, how, certs).map_err(Rejection)?;
    }
    Ok(())
}

/// Whether `element` carries a Signature whose Reference names `element`'s ID (as this parse
/// reads it).
fn signature_names_itself(element: roxmltree::Node) -> bool {
    let id = element.attribute("ID").unwrap_or_default();
    child(element, DSIG_NS, "Signature")
        .and_then(|s| s.descendants().find(|n| is(n, DSIG_NS, "Reference")))
        .and_then(|r| r.attribute("URI"))
        .is_some_and(|uri| uri.strip_prefix('#') == Some(id))
}

/// GHES before CVE-2025-23369's fix: the Response's Signature naming it, its ID unique in
/// the document as parsed (the check SAML Raider's `BypassIDUniqueness` entity gets past),
/// then resolved and digested in a copy of the document, the enveloped transform dropping
/// the first Signature inside what it found.
fn ids_in_document_copy(
    xml: &str,
    doc: &roxmltree::Document,
    response: roxmltree::Node,
    certs: &[String],
) -> Result<(), Rejection> {
    if !unique_id(doc, response) {
        return reject(format!(
            "the signed ID {:?} is not unique in the document",
            response.attribute("ID").unwrap_or_default()
        ));
    }
    let copy = crate::emulated::document_copy(xml).map_err(Rejection)?;
    let ldoc = libxml_doc(&copy)?;
    let root = ldoc.get_root_element().ok_or(Rejection("no root".into()))?;
    let lsig = enveloped_signatures(&root)
        .into_iter()
        .next()
        .ok_or_else(|| Rejection("the Response is not signed".into()))?;
    let how = crate::emulated::Loose {
        enveloped: crate::emulated::Enveloped::FirstInside,
        ..crate::emulated::Loose::careful()
    };
    crate::emulated::verify(&ldoc, &lsig, how, certs).map_err(Rejection)?;
    Ok(())
}

fn libxml_doc(xml: &str) -> Result<libxml::tree::Document, Rejection> {
    crate::emulated::libxml_parse(xml, false).map_err(Rejection)
}

/// The first Signature child of the root and of each root-level Assertion.
fn enveloped_signatures(root: &libxml::tree::Node) -> Vec<libxml::tree::Node> {
    let is = |n: &libxml::tree::Node, ns: &str, name: &str| {
        n.get_name() == name && n.get_namespace().is_some_and(|x| x.get_href() == ns)
    };
    let first_signature = |n: &libxml::tree::Node| {
        n.get_child_elements()
            .into_iter()
            .find(|c| is(c, DSIG_NS, "Signature"))
    };
    let mut out: Vec<_> = first_signature(root).into_iter().collect();
    for a in root
        .get_child_elements()
        .into_iter()
        .filter(|c| is(c, ASSERTION_NS, "Assertion"))
    {
        out.extend(first_signature(&a));
    }
    out
}

/// Whether the Response's first assertion child is an EncryptedAssertion and a ds:Signature
/// sits outside every EncryptedAssertion (what Keycloak's broker asked before decrypting).
fn encrypted_first_and_signature_outside(xml: &str) -> bool {
    let Ok(doc) = roxmltree::Document::parse(xml) else {
        return false;
    };
    let root = doc.root_element();
    let first = root
        .children()
        .find(|n| is(n, ASSERTION_NS, "Assertion") || is(n, ASSERTION_NS, "EncryptedAssertion"));
    let outside = root.descendants().any(|n| {
        is(&n, DSIG_NS, "Signature")
            && !n
                .ancestors()
                .any(|a| is(&a, ASSERTION_NS, "EncryptedAssertion"))
    });
    first.is_some_and(|f| is(&f, ASSERTION_NS, "EncryptedAssertion")) && outside
}

/// The Response's enveloped Signature, and each root-level Assertion's first Signature
/// anywhere below it.
fn signatures_below_assertions(root: &libxml::tree::Node) -> Vec<libxml::tree::Node> {
    let is = |n: &libxml::tree::Node, ns: &str, name: &str| {
        n.get_name() == name && n.get_namespace().is_some_and(|x| x.get_href() == ns)
    };
    let children = root.get_child_elements();
    let mut out: Vec<_> = children
        .iter()
        .find(|c| is(c, DSIG_NS, "Signature"))
        .cloned()
        .into_iter()
        .collect();
    for a in children.iter().filter(|c| is(c, ASSERTION_NS, "Assertion")) {
        out.extend(crate::emulated::first_descendant(a, "Signature"));
    }
    out
}

/// Whether `element` has an ID that no other element of `doc` carries.
pub(crate) fn unique_id(doc: &roxmltree::Document, element: roxmltree::Node) -> bool {
    let id = element.attribute("ID").unwrap_or_default();
    !id.is_empty()
        && doc
            .descendants()
            .filter(|n| n.attribute("ID") == Some(id))
            .count()
            == 1
}

/// Whether `signature` has exactly one Reference, and it names `#id`.
pub(crate) fn references_only(signature: roxmltree::Node, id: &str) -> bool {
    let mut references = signature
        .descendants()
        .filter(|n| is(n, DSIG_NS, "Reference"));
    let first = references.next();
    references.next().is_none()
        && first.and_then(|r| r.attribute("URI")) == Some(format!("#{id}").as_str())
}

/// Every Signature on `elements` must verify; at least one must be there.
fn check_enveloped(
    xml: &str,
    doc: &roxmltree::Document,
    elements: &[roxmltree::Node],
    checks: &Checks,
) -> Result<(), Rejection> {
    let mut signed = 0;
    for element in elements.iter().copied() {
        let Some(signature) = child(element, DSIG_NS, "Signature") else {
            continue;
        };
        let id = element.attribute("ID").unwrap_or_default();
        if !unique_id(doc, element) {
            return reject(format!(
                "the signed element's ID {id:?} is missing or not unique"
            ));
        }
        let remote = checks.flaws.contains(&Flaw::RemoteReferences);
        if !remote && !references_only(signature, id) {
            return reject(format!(
                "the Signature must have exactly one Reference to #{id}"
            ));
        }
        if checks.flaws.contains(&Flaw::KeyInfoRetrieval) {
            crate::emulated::resolve_retrieval_method(signature);
        }
        if checks.flaws.contains(&Flaw::KeyFromKeyInfo) {
            let (pem, is_cert) = crate::emulated::key_info_pem(signature)
                .ok_or_else(|| Rejection("KeyInfo carries no key".into()))?;
            crate::dsig::verify_enveloped_keys(
                xml,
                id,
                &[(&pem, is_cert)],
                crate::dsig::References::SameDocument,
            )
            .map_err(Rejection)?;
        } else if remote {
            let keys: Vec<(&str, bool)> = checks
                .idp
                .certificates
                .iter()
                .map(|c| (c.as_str(), true))
                .collect();
            crate::dsig::verify_enveloped_keys(xml, id, &keys, crate::dsig::References::Any)
                .map_err(Rejection)?;
        } else if checks.flaws.contains(&Flaw::XsltTransforms) {
            crate::emulated::with_external_loads(|| {
                crate::dsig::verify_enveloped(xml, id, &checks.idp.certificates)
            })
            .map_err(Rejection)?;
        } else {
            crate::dsig::verify_enveloped(xml, id, &checks.idp.certificates).map_err(Rejection)?;
        }
        signed += 1;
    }
    if signed == 0 {
        return reject("neither the Response nor the Assertion is signed");
    }
    Ok(())
}
