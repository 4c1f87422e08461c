//! Span-level editing of a signed document: find elements with roxmltree (which gives byte
//! ranges), then splice bytes, so everything a DOM round trip would destroy (comments, PIs,
//! CDATA, DOCTYPE, duplicate attributes, a second root) can be written exactly.

use saml_protocol::{ASSERTION_NS, DSIG_NS};
use std::ops::Range;

use crate::forge::Skip;

/// A parsed seed: its bytes and roxmltree's view of them.
pub struct Doc<'a> {
    /// The document's bytes.
    pub src: &'a str,
    /// The parsed tree (no DTD: seeds come from an IdP).
    pub tree: roxmltree::Document<'a>,
}

/// An element handle.
pub type Node<'a, 'i> = roxmltree::Node<'a, 'i>;

impl<'a> Doc<'a> {
    /// Parses `src`; a seed that is not plain well-formed XML cannot be edited.
    pub fn parse(src: &'a str) -> Result<Doc<'a>, Skip> {
        let tree = roxmltree::Document::parse(src)
            .map_err(|e| Skip::NotApplicable(format!("the seed is not well-formed XML: {e}")))?;
        Ok(Doc { src, tree })
    }

    /// Parses a document the harness built itself: a failure is the harness's, so the check
    /// could not run (an error), not a check that does not apply.
    pub fn parse_built(src: &'a str) -> Result<Doc<'a>, Skip> {
        let tree = roxmltree::Document::parse(src).map_err(|e| {
            Skip::Failed(format!("the forged document is not well-formed XML: {e}"))
        })?;
        Ok(Doc { src, tree })
    }

    /// The root element.
    pub fn root(&self) -> Node<'_, 'a> {
        self.tree.root_element()
    }

    /// The first `saml:Assertion` in document order.
    pub fn assertion(&self) -> Result<Node<'_, 'a>, Skip> {
        self.tree
            .descendants()
            .find(|n| n.has_tag_name((ASSERTION_NS, "Assertion")))
            .ok_or_else(|| {
                Skip::NotApplicable("the seed has no plain Assertion (encrypted?)".into())
            })
    }

    /// The bytes of `node` (start tag to end tag).
    pub fn outer(&self, node: Node) -> &'a str {
        &self.src[node.range()]
    }

    /// The bytes of `node` with `inner` (a descendant) cut out.
    pub fn outer_without(&self, node: Node, inner: Option<Node>) -> String {
        match inner {
            None => self.outer(node).to_owned(),
            Some(i) => {
                let (o, r) = (node.range(), i.range());
                format!("{}{}", &self.src[o.start..r.start], &self.src[r.end..o.end])
            }
        }
    }
}

/// The enveloped `ds:Signature` that is a direct child of `node`.
pub fn signature_of<'a, 'i>(node: Node<'a, 'i>) -> Option<Node<'a, 'i>> {
    child(node, DSIG_NS, "Signature")
}

/// The first child element of `node` named `(ns, name)`.
pub fn child<'a, 'i>(node: Node<'a, 'i>, ns: &str, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|c| c.has_tag_name((ns, name)))
}

/// Where `node`'s start tag ends (just after its `>`), skipping quoted attribute values.
pub fn after_start_tag(src: &str, node: Node) -> usize {
    let start = node.range().start;
    let mut quote = None;
    for (i, c) in src[start..].char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return start + i + 1,
            _ => {}
        }
    }
    node.range().end
}

/// `node`'s element name as written in its start tag (with its prefix, if any).
pub fn qualified_name<'a>(src: &'a str, node: Node) -> &'a str {
    let start = node.range().start + 1;
    let len = src[start..]
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .unwrap_or(0);
    &src[start..start + len]
}

/// Where a new attribute goes in `node`'s start tag: right after its name.
pub fn after_name(src: &str, node: Node) -> usize {
    node.range().start + 1 + qualified_name(src, node).len()
}

/// The `xmlns` attribute binding `prefix` (as written before a name: `xenc:`, or empty for
/// the default namespace) to `ns`.
pub fn declaration(prefix: &str, ns: &str) -> String {
    match prefix.strip_suffix(':') {
        Some(p) => format!("xmlns:{p}=\"{ns}\""),
        None => format!("xmlns=\"{ns}\""),
    }
}

/// Whether `node`'s start tag itself declares the namespace of `node`'s own name, so the
/// element keeps its namespace wherever it is moved.
pub fn declares_own_namespace(src: &str, node: Node) -> bool {
    let tag = &src[node.range().start..after_start_tag(src, node)];
    let declaration = match qualified_name(src, node).split_once(':') {
        Some((prefix, _)) => format!("xmlns:{prefix}="),
        None => "xmlns=".to_owned(),
    };
    tag.split(|c: char| c.is_whitespace())
        .any(|attr| attr.starts_with(&declaration))
}

/// Where `node`'s end tag starts (its `</`); for an empty-element tag, just before `/>`.
pub fn before_end_tag(src: &str, node: Node) -> usize {
    let end = node.range().end;
    let bytes = &src[node.range()];
    if bytes.ends_with("/>") {
        return end - 2;
    }
    src[..end].rfind("</").unwrap_or(end)
}

/// The edit putting `content` at the end of `node`'s content; an empty-element tag becomes a
/// start tag and an end tag around it.
pub fn append_content(src: &str, node: Node, content: &str) -> (Range<usize>, String) {
    let end = node.range().end;
    if src[node.range()].ends_with("/>") {
        let name = qualified_name(src, node);
        return (end - 2..end, format!(">{content}</{name}>"));
    }
    insert(before_end_tag(src, node), content)
}

/// The byte range of `node`'s attribute `name`'s value (inside the quotes).
pub fn attr_value(node: Node, name: &str) -> Option<Range<usize>> {
    node.attributes()
        .find(|a| a.name() == name && a.namespace().is_none())
        .map(|a| a.range_value())
}

/// Byte-range replacements, applied together by [`splice`].
pub type Edits = Vec<(Range<usize>, String)>;

/// Applies non-overlapping replacements to `src` (given in any order).
pub fn splice(src: &str, mut edits: Edits) -> String {
    edits.sort_by_key(|(r, _)| (r.start, r.end));
    let mut out = String::with_capacity(src.len() + 256);
    let mut at = 0;
    for (range, text) in edits {
        debug_assert!(range.start >= at, "overlapping edits");
        out.push_str(&src[at..range.start.max(at)]);
        out.push_str(&text);
        at = range.end.max(at);
    }
    out.push_str(&src[at..]);
    out
}

/// As [`splice`], for edits computed on documents an earlier edit may have nested in odd
/// ways: overlapping edits are a typed not-applicable, never a panic.
pub fn try_splice(src: &str, mut edits: Edits) -> Result<String, Skip> {
    if overlapping(&edits) {
        return Err(Skip::NotApplicable(
            "the edits overlap in this document".into(),
        ));
    }
    edits.sort_by_key(|(r, _)| (r.start, r.end));
    Ok(splice(src, edits))
}

/// Whether any two of `edits` overlap (an insertion at the edge of a replacement does not).
pub fn overlapping(edits: &Edits) -> bool {
    let mut ranges: Vec<&Range<usize>> = edits.iter().map(|(r, _)| r).collect();
    ranges.sort_by_key(|r| (r.start, r.end));
    ranges.windows(2).any(|w| w[1].start < w[0].end)
}

/// An insertion at `at`.
pub fn insert(at: usize, text: impl Into<String>) -> (Range<usize>, String) {
    (at..at, text.into())
}

/// Escapes text for an XML text node or attribute value.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_appended_to_empty_and_open_elements() {
        let src = r#"<r xmlns:ds="urn:d"><ds:a x="/>"/><b>t</b></r>"#;
        let doc = roxmltree::Document::parse(src).unwrap();
        let child = |name: &str| {
            doc.descendants()
                .find(|n| n.tag_name().name() == name)
                .unwrap()
        };
        let empty = splice(src, vec![append_content(src, child("a"), "<c/>")]);
        assert!(empty.contains(r#"<ds:a x="/>"><c/></ds:a>"#), "{empty}");
        let open = splice(src, vec![append_content(src, child("b"), "<c/>")]);
        assert!(open.contains("<b>t<c/></b>"), "{open}");
    }

    #[test]
    fn tags_are_found_around_quoted_angle_brackets() {
        let src = r#"<r><a x="1>2">t</a><b/></r>"#;
        let doc = Doc::parse(src).unwrap();
        let a = doc.root().first_element_child().unwrap();
        assert_eq!(&src[after_start_tag(src, a)..before_end_tag(src, a)], "t");
        let b = a.next_sibling_element().unwrap();
        assert_eq!(before_end_tag(src, b), b.range().end - 2);
    }

    #[test]
    fn a_moved_element_keeps_its_namespace_only_if_its_own_tag_declares_it() {
        let src = r#"<r xmlns:ds="d"><ds:a xmlns:xsi="x"/><ds:b xmlns:ds="d"/><c xmlns="n"/></r>"#;
        let doc = Doc::parse(src).unwrap();
        let kids: Vec<_> = doc.root().children().filter(|n| n.is_element()).collect();
        let own: Vec<bool> = kids
            .iter()
            .map(|k| declares_own_namespace(src, *k))
            .collect();
        assert_eq!(own, [false, true, true]);
        assert_eq!(qualified_name(src, kids[0]), "ds:a");
        assert_eq!(after_name(src, kids[2]), kids[2].range().start + 2);
    }

    #[test]
    fn splices_apply_in_any_order() {
        let out = splice(
            "abcdef",
            vec![(4..5, "E".into()), insert(0, ">"), (1..3, "".into())],
        );
        assert_eq!(out, ">adEf");
    }
}
