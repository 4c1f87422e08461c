//! Tokens the IdP really signed, for somewhere or some time else (TM-D), or spec-violating ones
//! only a non-conforming IdP would sign (TM-E). These are the only edits that re-sign with the
//! IdP's key, through [`crate::crypto::idp_resign`]; the user's identity is unchanged.

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::bytes::{
    after_start_tag, attr_value, before_end_tag, splice, Doc, Edits, Node, ASSERTION_NS,
    PROTOCOL_NS,
};
use crate::crypto::idp_resign;
use crate::forge::{Forge, Forged, Skip};

/// Where a misdirected token points instead.
pub const OTHER_SP: &str = "https://evil.example/sp";
/// Another ACS.
pub const OTHER_ACS: &str = "https://evil.example/saml/acs";

/// Applies `edit` to the seed and has the IdP sign the result.
fn resigned(f: &Forge, edit: &dyn Fn(&Doc) -> Result<Edits, Skip>) -> Result<Forged, Skip> {
    let key = f.idp_key()?;
    let doc = Doc::parse(f.seed)?;
    let edits = edit(&doc)?;
    if edits.is_empty() {
        return Err(Skip("the seed has nothing this check changes".into()));
    }
    Ok(Forged::same_identity(idp_resign(
        &splice(doc.src, edits),
        key,
    )?))
}

fn elements<'d, 'a>(
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
            (
                after_start_tag(doc.src, n)..before_end_tag(doc.src, n),
                value.to_owned(),
            )
        })
        .collect()
}

/// UTC with three fractional digits, as Entra writes times.
fn saml_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
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
        let now = saml_time(OffsetDateTime::now_utc() - Duration::minutes(10));
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

/// A token for a sibling app of the same tenant: its Audience and Recipient; the Response's
/// Destination too when the IdP signed the Response, else pointed here as an attacker would.
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
