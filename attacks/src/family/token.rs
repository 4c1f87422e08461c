//! Tokens the IdP really signed, for somewhere or some time else (TM-D), or spec-violating ones
//! only a non-conforming IdP would sign (TM-E). These are the only edits that re-sign with the
//! IdP's key, through [`crate::crypto::idp_resign`]; the user's identity is unchanged.

use saml_protocol::{saml_time, ASSERTION_NS, DSIG_NS, PROTOCOL_NS};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::bytes::{after_start_tag, attr_value, before_end_tag, splice, Doc, Edits, Node};
use crate::crypto::idp_resign;
use crate::forge::{Forge, Forged, Skip};

/// Where a misdirected token points instead.
pub const OTHER_SP: &str = "https://evil.example/sp";
/// Another ACS.
pub const OTHER_ACS: &str = "https://evil.example/saml/acs";

/// Applies `edit` to the seed and has the IdP sign the result.
pub(crate) fn resigned(
    f: &Forge,
    edit: &dyn Fn(&Doc) -> Result<Edits, Skip>,
) -> Result<Forged, Skip> {
    let key = f.idp_key()?;
    let doc = Doc::parse(f.seed)?;
    let edits = edit(&doc)?;
    if edits.is_empty() {
        return Err(Skip::NotApplicable(
            "the seed has nothing this check changes".into(),
        ));
    }
    Ok(Forged::same_identity(idp_resign(
        &splice(doc.src, edits),
        key,
    )?))
}

/// Every element `(ns, name)` of `doc`, in document order.
pub(crate) fn elements<'d, 'a>(
    doc: &'d Doc<'a>,
    ns: &'d str,
    name: &'d str,
) -> impl Iterator<Item = Node<'d, 'a>> + 'd {
    doc.tree
        .descendants()
        .filter(move |n| n.has_tag_name((ns, name)))
}

fn set_attr(doc: &Doc, ns: &str, element: &str, attr: &str, value: &str) -> Edits {
    elements(doc, ns, element)
        .filter_map(|n| attr_value(n, attr))
        .map(|r| (r, value.to_owned()))
        .collect()
}

fn set_text(doc: &Doc, ns: &str, element: &str, value: &str) -> Edits {
    elements(doc, ns, element)
        .map(|n| {
            let open = after_start_tag(doc.src, n);
            (open..before_end_tag(doc.src, n).max(open), value.to_owned())
        })
        .collect()
}

/// When the IdP issued the seed (the Response's IssueInstant): edits place times relative to
/// it, so they need no clock of their own.
fn issued(doc: &Doc) -> Result<OffsetDateTime, Skip> {
    doc.root()
        .attribute("IssueInstant")
        .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
        .ok_or_else(|| Skip::NotApplicable("the seed's Response has no IssueInstant".into()))
}

/// Shifts the time attributes named in `names` (all of them when empty) by `by`.
fn shift_times(doc: &Doc, names: &[&str], by: Duration) -> Edits {
    const TIMES: [&str; 5] = [
        "IssueInstant",
        "NotBefore",
        "NotOnOrAfter",
        "AuthnInstant",
        "SessionNotOnOrAfter",
    ];
    doc.tree
        .descendants()
        .flat_map(|n| n.attributes())
        .filter(|a| TIMES.contains(&a.name()) && (names.is_empty() || names.contains(&a.name())))
        .filter_map(|a| {
            let t = OffsetDateTime::parse(a.value(), &Rfc3339).ok()?;
            Some((a.range_value(), saml_time(t + by)))
        })
        .collect()
}

/// Every time two hours earlier: NotOnOrAfter has passed.
pub fn expired(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| Ok(shift_times(d, &[], Duration::hours(-2))))
}

/// Every time two hours later: NotBefore is ahead.
pub fn not_yet_valid(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| Ok(shift_times(d, &[], Duration::hours(2))))
}

/// Only SubjectConfirmationData/@NotOnOrAfter in the past.
pub fn scd_expired(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        let now = saml_time(issued(d)? - Duration::minutes(10));
        Ok(set_attr(
            d,
            ASSERTION_NS,
            "SubjectConfirmationData",
            "NotOnOrAfter",
            &now,
        ))
    })
}

/// Audience names another SP.
pub fn other_audience(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| Ok(set_text(d, ASSERTION_NS, "Audience", OTHER_SP)))
}

/// A token for a sibling app of the same tenant: its Audience and Recipient. The Response's
/// Destination stays this ACS, as an attacker re-posting it here would leave it (or as the IdP
/// would sign it if it signs only the Assertion).
pub fn cross_sp(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        let mut e = set_text(d, ASSERTION_NS, "Audience", OTHER_SP);
        e.extend(set_attr(
            d,
            ASSERTION_NS,
            "SubjectConfirmationData",
            "Recipient",
            OTHER_ACS,
        ));
        Ok(e)
    })
}

/// SubjectConfirmationData/@Recipient is another ACS.
pub fn other_recipient(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        Ok(set_attr(
            d,
            ASSERTION_NS,
            "SubjectConfirmationData",
            "Recipient",
            OTHER_ACS,
        ))
    })
}

/// Response/@Destination is another ACS.
pub fn other_destination(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        Ok(set_attr(
            d,
            PROTOCOL_NS,
            "Response",
            "Destination",
            OTHER_ACS,
        ))
    })
}

/// InResponseTo (Response and SubjectConfirmationData) names a request never sent.
pub fn unknown_in_response_to(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        let id = "_00000000-0000-4000-8000-0000000000aa";
        let mut e = set_attr(d, PROTOCOL_NS, "Response", "InResponseTo", id);
        e.extend(set_attr(
            d,
            ASSERTION_NS,
            "SubjectConfirmationData",
            "InResponseTo",
            id,
        ));
        Ok(e)
    })
}

/// Both Issuers name another tenant; the trusted key signed it.
pub fn other_issuer(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        Ok(set_text(
            d,
            ASSERTION_NS,
            "Issuer",
            "https://sts.windows.net/00000000-0000-4000-8000-00000000e411/",
        ))
    })
}

/// The app id Entra appends to the Issuer when an app sets "issuer with application id"
/// (multi-instance apps): a sibling instance's tokens carry it.
const SIBLING_APP_ID: &str = "00000000-0000-4000-8000-0000000a9915";

/// Both Issuers carry a sibling app's id after the trusted IdP's entity ID (Entra's
/// "issuer with application id" form): equal by prefix only.
pub fn issuer_app_suffix(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        Ok(elements(d, ASSERTION_NS, "Issuer")
            .map(|n| {
                let end = before_end_tag(d.src, n);
                (end..end, SIBLING_APP_ID.to_owned())
            })
            .collect())
    })
}

/// Only SubjectConfirmationData/@InResponseTo names a request the SP never sent; the
/// Response's InResponseTo (outside the assertion's signature) still names the real one.
pub fn scd_in_response_to_other(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        let edits = set_attr(
            d,
            ASSERTION_NS,
            "SubjectConfirmationData",
            "InResponseTo",
            "_00000000-0000-4000-8000-0000000000bb",
        );
        if edits.is_empty() {
            return Err(Skip::NotApplicable(
                "the seed's SubjectConfirmationData has no InResponseTo (an unsolicited login)"
                    .into(),
            ));
        }
        Ok(edits)
    })
}

/// Every `name` time attribute in `doc`, parsed.
fn times<'d>(doc: &'d Doc, name: &'d str) -> impl Iterator<Item = OffsetDateTime> + 'd {
    doc.tree
        .descendants()
        .filter_map(move |n| n.attribute(name))
        .filter_map(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
}

/// The times that bound the validity window; the clock-skew probes move these and nothing
/// else, so an SP that limits how old an IssueInstant may be is not measured instead.
const WINDOW: [&str; 2] = ["NotBefore", "NotOnOrAfter"];

/// The validity window (every NotBefore and NotOnOrAfter) moved so that its earliest
/// NotOnOrAfter passed `late` before the seed was issued (the SP's "now"); IssueInstant and
/// AuthnInstant stay. Accepted only by an SP tolerating at least that much skew.
fn expired_by(f: &Forge, late: Duration) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        let now = issued(d)?;
        let first_expiry = times(d, "NotOnOrAfter")
            .min()
            .ok_or_else(|| Skip::NotApplicable("the seed has no NotOnOrAfter to move".into()))?;
        Ok(shift_times(d, &WINDOW, now - first_expiry - late))
    })
}

/// The validity window (every NotBefore and NotOnOrAfter) moved so that its latest NotBefore
/// lies `early` after the seed was issued; IssueInstant and AuthnInstant stay (an SP refusing
/// an IssueInstant in the future would otherwise be measured instead).
fn early_by(f: &Forge, early: Duration) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        let now = issued(d)?;
        let last_start = times(d, "NotBefore")
            .max()
            .ok_or_else(|| Skip::NotApplicable("the seed has no NotBefore to move".into()))?;
        Ok(shift_times(d, &WINDOW, now - last_start + early))
    })
}

/// The earliest NotOnOrAfter passed `S` seconds ago (a clock-skew probe).
pub fn late_by<const S: i64>(f: &Forge) -> Result<Forged, Skip> {
    expired_by(f, Duration::seconds(S))
}

/// The latest NotBefore `S` seconds ahead (a clock-skew probe).
pub fn early_by_seconds<const S: i64>(f: &Forge) -> Result<Forged, Skip> {
    early_by(f, Duration::seconds(S))
}

/// The seed re-signed by the IdP, nothing changed: the control for every check here.
pub fn unchanged(f: &Forge) -> Result<Forged, Skip> {
    Ok(Forged::same_identity(idp_resign(f.seed, f.idp_key()?)?))
}

/// The seed with every identity value swapped for the target's, re-signed by the IdP: a
/// valid login as the target, so the run can see that the oracle tells users apart.
pub fn target_identity(f: &Forge) -> Result<Forged, Skip> {
    let key = f.idp_key()?;
    let doc = Doc::parse(f.seed)?;
    let (xml, swap) = crate::family::forge_document(&doc);
    if swap.forged.is_empty() {
        return Err(Skip::NotApplicable(
            "the response carries no identity value to swap".into(),
        ));
    }
    Ok(Forged {
        xml: idp_resign(&xml, key)?,
        swap,
        served: Vec::new(),
        local_file: None,
    })
}

/// Cuts every element `(ns, name)`.
fn remove(doc: &Doc, ns: &str, name: &str) -> Edits {
    elements(doc, ns, name)
        .map(|n| (n.range(), String::new()))
        .collect()
}

/// Cuts attribute `attr` (and the space before it) from every element `(ns, element)`.
fn remove_attr(doc: &Doc, ns: &str, element: &str, attr: &str) -> Edits {
    elements(doc, ns, element)
        .flat_map(|n| {
            n.attributes()
                .filter(|a| a.name() == attr && a.namespace().is_none())
        })
        .map(|a| {
            let r = a.range();
            let start = if doc.src[..r.start].ends_with(' ') {
                r.start - 1
            } else {
                r.start
            };
            (start..r.end, String::new())
        })
        .collect()
}

/// Inserts `text` as the last child of every element `(ns, element)`.
fn append_child(doc: &Doc, ns: &str, element: &str, text: &str) -> Edits {
    elements(doc, ns, element)
        .map(|n| {
            (
                before_end_tag(doc.src, n)..before_end_tag(doc.src, n),
                text.to_owned(),
            )
        })
        .collect()
}

/// No AudienceRestriction at all.
pub fn audience_missing(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| Ok(remove(d, ASSERTION_NS, "AudienceRestriction")))
}

/// An AudienceRestriction with no Audience.
pub fn audience_empty(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| Ok(remove(d, ASSERTION_NS, "Audience")))
}

/// The Audience is this SP's entity ID with a suffix: another SP whose ID starts with ours.
pub fn audience_prefix(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        Ok(elements(d, ASSERTION_NS, "Audience")
            .map(|n| {
                let open = after_start_tag(d.src, n);
                let close = before_end_tag(d.src, n).max(open);
                let ours = d.src[open..close].trim();
                (open..close, format!("{ours}.evil.test"))
            })
            .collect())
    })
}

/// A second AudienceRestriction naming only another SP (restrictions are ANDed).
pub fn audience_second_restriction(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        let extra = format!("<AudienceRestriction xmlns=\"{ASSERTION_NS}\"><Audience>{OTHER_SP}</Audience></AudienceRestriction>");
        Ok(append_child(d, ASSERTION_NS, "Conditions", &extra))
    })
}

/// No Recipient on the bearer confirmation.
pub fn recipient_missing(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        Ok(remove_attr(
            d,
            ASSERTION_NS,
            "SubjectConfirmationData",
            "Recipient",
        ))
    })
}

/// The confirmation method is holder-of-key, not bearer.
pub fn holder_of_key(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        Ok(set_attr(
            d,
            ASSERTION_NS,
            "SubjectConfirmation",
            "Method",
            "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key",
        ))
    })
}

/// No SubjectConfirmation at all.
pub fn no_confirmation(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| Ok(remove(d, ASSERTION_NS, "SubjectConfirmation")))
}

/// No NameID in the Subject (its SubjectConfirmation kept).
pub fn name_id_missing(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| Ok(remove(d, ASSERTION_NS, "NameID")))
}

/// The NameID present but empty.
pub fn name_id_empty(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| Ok(set_text(d, ASSERTION_NS, "NameID", "")))
}

/// No Destination on a signed Response.
pub fn destination_missing(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        Ok(remove_attr(d, PROTOCOL_NS, "Response", "Destination"))
    })
}

/// No InResponseTo anywhere: an unsolicited response to an SP that sent a request.
pub fn unsolicited(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        let mut e = remove_attr(d, PROTOCOL_NS, "Response", "InResponseTo");
        e.extend(remove_attr(
            d,
            ASSERTION_NS,
            "SubjectConfirmationData",
            "InResponseTo",
        ));
        Ok(e)
    })
}

const REQUESTER: &str = "urn:oasis:names:tc:SAML:2.0:status:Requester";

/// Top-level StatusCode Responder around a valid assertion.
pub fn status_responder(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        Ok(set_attr(
            d,
            PROTOCOL_NS,
            "StatusCode",
            "Value",
            "urn:oasis:names:tc:SAML:2.0:status:Responder",
        ))
    })
}

/// Top-level StatusCode Requester with a nested second-level Success.
pub fn status_nested_success(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        Ok(elements(d, PROTOCOL_NS, "StatusCode")
            .filter(|n| {
                n.parent_element()
                    .is_some_and(|p| p.has_tag_name((PROTOCOL_NS, "Status")))
            })
            .map(|n| {
                let qname: String = d.src[n.range().start + 1..]
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != '/' && *c != '>')
                    .collect();
                let nested =
                    format!("<{qname} Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/>");
                (
                    n.range(),
                    format!("<{qname} Value=\"{REQUESTER}\">{nested}</{qname}>"),
                )
            })
            .collect())
    })
}

/// No AuthnStatement.
pub fn authn_statement_missing(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| Ok(remove(d, ASSERTION_NS, "AuthnStatement")))
}

/// Version="3.0" on the Response and the Assertion.
pub fn version_3(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        let mut e = set_attr(d, PROTOCOL_NS, "Response", "Version", "3.0");
        e.extend(set_attr(d, ASSERTION_NS, "Assertion", "Version", "3.0"));
        Ok(e)
    })
}

/// No ID on the Response.
pub fn response_id_missing(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        if crate::family::Parts::of(d)?.response_sig.is_some() {
            return Err(Skip::NotApplicable(
                "the IdP signs the Response here (Entra's \"Sign SAML response\"), and that signature names the Response by its ID: a Response without one cannot carry it".into(),
            ));
        }
        Ok(remove_attr(d, PROTOCOL_NS, "Response", "ID"))
    })
}

/// The Response's ID not an xs:ID (an NCName may not start with a digit); a signature on the
/// Response names it by that ID.
pub fn response_id_malformed(f: &Forge) -> Result<Forged, Skip> {
    const MALFORMED: &str = "1d2a58c0-not-an-ncname";
    resigned(f, &|d| {
        let old = format!("#{}", d.root().attribute("ID").unwrap_or_default());
        let mut edits = set_attr(d, PROTOCOL_NS, "Response", "ID", MALFORMED);
        edits.extend(
            elements(d, DSIG_NS, "Reference")
                .filter_map(|r| attr_value(r, "URI"))
                .filter(|uri| d.src[uri.clone()] == old)
                .map(|uri| (uri, format!("#{MALFORMED}"))),
        );
        Ok(edits)
    })
}

/// No IssueInstant on the Response.
pub fn issue_instant_missing(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        Ok(remove_attr(d, PROTOCOL_NS, "Response", "IssueInstant"))
    })
}

/// IssueInstant a day ahead on the Response and the Assertion (validity window unchanged).
pub fn issue_instant_future(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        Ok(shift_times(d, &["IssueInstant"], Duration::hours(24)))
    })
}

/// SubjectConfirmationData carries NotBefore (bearer confirmations MUST NOT).
pub fn scd_not_before(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        let before = saml_time(issued(d)? - Duration::minutes(5));
        Ok(elements(d, ASSERTION_NS, "SubjectConfirmationData")
            .map(|n| {
                let at = after_start_tag(d.src, n);
                let at = if d.src[..at].ends_with("/>") {
                    at - 2
                } else {
                    at - 1
                };
                (at..at, format!(" NotBefore=\"{before}\""))
            })
            .collect())
    })
}

/// An unknown element in Conditions (its validity is Indeterminate).
pub fn unknown_condition(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        Ok(append_child(
            d,
            ASSERTION_NS,
            "Conditions",
            "<x:Unknown xmlns:x=\"urn:example:unknown-condition\"/>",
        ))
    })
}

/// AuthnStatement/@SessionNotOnOrAfter in the past.
pub fn session_expired(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        let past = saml_time(issued(d)? - Duration::minutes(10));
        let mut e = set_attr(
            d,
            ASSERTION_NS,
            "AuthnStatement",
            "SessionNotOnOrAfter",
            &past,
        );
        if e.is_empty() {
            e = elements(d, ASSERTION_NS, "AuthnStatement")
                .map(|n| {
                    let at = after_start_tag(d.src, n) - 1;
                    (at..at, format!(" SessionNotOnOrAfter=\"{past}\""))
                })
                .collect();
        }
        Ok(e)
    })
}

/// No NotOnOrAfter anywhere: a token that never expires.
pub fn no_expiry(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        let mut e = remove_attr(d, ASSERTION_NS, "Conditions", "NotOnOrAfter");
        e.extend(remove_attr(
            d,
            ASSERTION_NS,
            "SubjectConfirmationData",
            "NotOnOrAfter",
        ));
        Ok(e)
    })
}

/// Conditions/@NotOnOrAfter is not a date (`2024-13-45T99:00:00`).
pub fn malformed_datetime(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        Ok(set_attr(
            d,
            ASSERTION_NS,
            "Conditions",
            "NotOnOrAfter",
            "2024-13-45T99:00:00",
        ))
    })
}

/// No Issuer in the Assertion, nor in the Response.
pub fn issuer_missing(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| Ok(remove(d, ASSERTION_NS, "Issuer")))
}

/// The Assertion's signature Reference is `URI=""` (the whole document), re-signed; a
/// Response signature is dropped first (two whole-document signatures would cover each other).
pub fn reference_whole_document(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        let root = d.root();
        let response_sig = crate::bytes::signature_of(root);
        let mut edits: Edits = response_sig
            .map(|s| (s.range(), String::new()))
            .into_iter()
            .collect();
        edits.extend(
            elements(d, DSIG_NS, "Reference")
                .filter(|n| !response_sig.is_some_and(|s| s.range().contains(&n.range().start)))
                .filter_map(|n| attr_value(n, "URI"))
                .map(|r| (r, String::new())),
        );
        Ok(edits)
    })
}

/// A second Reference (to the same element) in SignedInfo, re-signed.
pub fn two_references(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, &|d| {
        Ok(elements(d, DSIG_NS, "Reference")
            .map(|n| (n.range().end..n.range().end, d.outer(n).to_owned()))
            .collect())
    })
}
