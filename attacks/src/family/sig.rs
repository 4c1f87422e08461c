//! Signature presence and key trust: no signature, the attacker's own key in every KeyInfo
//! shape, a cloned certificate, a tampered or degenerate signature.

use crate::bytes::{splice, Doc, DSIG_NS};
use crate::crypto;
use crate::family::{forge_document, forged, strip_signatures};
use crate::forge::{Forge, Forged, Skip};

/// Every Signature removed; identity forged.
pub fn none(f: &Forge) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let (whole, swap) = forge_document(&doc);
    forged(strip_signatures(&whole)?, swap)
}

fn resigned(f: &Forge, key_info: Option<String>) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let (whole, swap) = forge_document(&doc);
    let xml = crypto::resign(&whole, crypto::attacker_key()?, key_info.as_deref())?;
    forged(xml, swap)
}

/// Re-signed with the attacker's key; its self-signed certificate in KeyInfo.
pub fn keyinfo_x509(f: &Forge) -> Result<Forged, Skip> {
    resigned(
        f,
        Some(crypto::key_info_x509(&crypto::attacker_cert(None)?)?),
    )
}

/// Re-signed with the attacker's key; the bare key in KeyInfo/KeyValue/RSAKeyValue.
pub fn keyinfo_key_value(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, Some(crypto::key_info_rsa_value()?))
}

/// Re-signed with the attacker's key; no KeyInfo at all.
pub fn keyinfo_none(f: &Forge) -> Result<Forged, Skip> {
    resigned(f, None)
}

/// Re-signed with the attacker's key in a certificate copying the IdP's subject, issuer,
/// serial and validity.
pub fn cloned_cert(f: &Forge) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let idp = crypto::seed_certificate(&doc)?;
    resigned(
        f,
        Some(crypto::key_info_x509(&crypto::attacker_cert(Some(&idp))?)?),
    )
}

/// Identity changed after signing; signatures untouched (digest no longer matches).
pub fn tampered(f: &Forge) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let (whole, swap) = forge_document(&doc);
    forged(whole, swap)
}

fn emptied(f: &Forge, element: &str) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let (whole, swap) = forge_document(&doc);
    let doc = Doc::parse(&whole)?;
    let edits: Vec<_> = doc
        .tree
        .descendants()
        .filter(|n| n.has_tag_name((DSIG_NS, element)))
        .map(|n| {
            let (open, close) = (
                crate::bytes::after_start_tag(&whole, n),
                crate::bytes::before_end_tag(&whole, n),
            );
            (open..close.max(open), String::new())
        })
        .collect();
    if edits.is_empty() {
        return Err(Skip(format!("the seed has no {element}")));
    }
    forged(splice(&whole, edits), swap)
}

/// Identity forged and every SignatureValue emptied.
pub fn empty_signature_value(f: &Forge) -> Result<Forged, Skip> {
    emptied(f, "SignatureValue")
}

/// Identity forged and every DigestValue emptied.
pub fn empty_digest_value(f: &Forge) -> Result<Forged, Skip> {
    emptied(f, "DigestValue")
}
