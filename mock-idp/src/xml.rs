//! A small XML element tree with two renderings: Entra's one-line wire form and exclusive C14N.
//!
//! We build every document ourselves, so we never need to parse what we sign: the canonical
//! bytes that get digested come straight from the same tree that gets sent.

use std::borrow::Cow;

/// An owned-or-static string, so fixed names cost nothing and values can be computed.
pub type Str = Cow<'static, str>;

/// A namespace binding: `None` is the default namespace.
pub type NsBinding = (Option<Str>, Str);

/// One attribute, or one namespace declaration, in the order it is written on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attr {
    /// `xmlns="uri"` (prefix `None`) or `xmlns:prefix="uri"`.
    Ns { prefix: Option<Str>, uri: Str },
    /// `name="value"`; `name` may carry a prefix (`xsi:type`).
    Value { name: Str, value: Str },
}

/// A child node: an element or character data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// A nested element.
    Element(Element),
    /// Character data (escaped when rendered).
    Text(Str),
}

/// An element with an optional prefix, attributes in wire order, and children.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    /// The namespace prefix of the element name, `None` for the default namespace.
    pub prefix: Option<Str>,
    /// The local name.
    pub name: Str,
    /// Attributes and namespace declarations, in wire order.
    pub attrs: Vec<Attr>,
    /// Child nodes, in order.
    pub children: Vec<Node>,
}

impl Element {
    /// A new element in the default namespace.
    pub fn new(name: impl Into<Str>) -> Self {
        Element {
            prefix: None,
            name: name.into(),
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    /// A new element whose name carries `prefix`.
    pub fn prefixed(prefix: impl Into<Str>, name: impl Into<Str>) -> Self {
        Element {
            prefix: Some(prefix.into()),
            ..Element::new(name)
        }
    }

    /// Adds an attribute (builder style).
    pub fn attr(mut self, name: impl Into<Str>, value: impl Into<Str>) -> Self {
        self.attrs.push(Attr::Value {
            name: name.into(),
            value: value.into(),
        });
        self
    }

    /// Declares the default namespace (builder style).
    pub fn xmlns(mut self, uri: impl Into<Str>) -> Self {
        self.attrs.push(Attr::Ns {
            prefix: None,
            uri: uri.into(),
        });
        self
    }

    /// Declares a prefixed namespace (builder style).
    pub fn xmlns_prefix(mut self, prefix: impl Into<Str>, uri: impl Into<Str>) -> Self {
        self.attrs.push(Attr::Ns {
            prefix: Some(prefix.into()),
            uri: uri.into(),
        });
        self
    }

    /// Appends a child element (builder style).
    pub fn child(mut self, child: Element) -> Self {
        self.children.push(Node::Element(child));
        self
    }

    /// Appends character data (builder style).
    pub fn text(mut self, text: impl Into<Str>) -> Self {
        self.children.push(Node::Text(text.into()));
        self
    }

    /// The value of an unprefixed or prefixed attribute by its written name.
    pub fn get_attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find_map(|a| match a {
            Attr::Value { name: n, value } if n == name => Some(value.as_ref()),
            _ => None,
        })
    }

    /// Index (among `children`) just after the first child element named `name`, or 0.
    pub fn position_after(&self, name: &str) -> usize {
        self.children
            .iter()
            .position(|c| matches!(c, Node::Element(e) if e.name == name))
            .map_or(0, |i| i + 1)
    }

    /// The namespace bindings this element itself declares.
    pub fn declared_namespaces(&self) -> impl Iterator<Item = NsBinding> + '_ {
        self.attrs.iter().filter_map(|a| match a {
            Attr::Ns { prefix, uri } => Some((prefix.clone(), uri.clone())),
            Attr::Value { .. } => None,
        })
    }

    /// The wire form: attributes in the given order, empty elements self-closed, no whitespace.
    pub fn to_wire(&self) -> String {
        let mut out = String::with_capacity(4096);
        self.write_wire(&mut out);
        out
    }

    fn write_wire(&self, out: &mut String) {
        out.push('<');
        push_qname(out, self.prefix.as_deref(), &self.name);
        for attr in &self.attrs {
            out.push(' ');
            match attr {
                Attr::Ns { prefix, uri } => push_ns_decl(out, prefix.as_deref(), uri),
                Attr::Value { name, value } => push_attr(out, name, value),
            }
        }
        if self.children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        for child in &self.children {
            match child {
                Node::Element(e) => e.write_wire(out),
                Node::Text(t) => escape_text(out, t),
            }
        }
        out.push_str("</");
        push_qname(out, self.prefix.as_deref(), &self.name);
        out.push('>');
    }

    /// Exclusive XML Canonicalization 1.0 (without comments) of this element as the apex of a
    /// document subset; `inherited` are the bindings in scope from its ancestors.
    pub fn to_exc_c14n(&self, inherited: &[NsBinding]) -> String {
        let mut out = String::with_capacity(4096);
        let mut in_scope: Vec<NsBinding> = inherited.to_vec();
        let mut rendered: Vec<NsBinding> = Vec::new();
        self.write_c14n(&mut out, &mut in_scope, &mut rendered);
        out
    }

    fn write_c14n(
        &self,
        out: &mut String,
        in_scope: &mut Vec<NsBinding>,
        rendered: &mut Vec<NsBinding>,
    ) {
        let scope_mark = in_scope.len();
        let rendered_mark = rendered.len();
        in_scope.extend(self.declared_namespaces());

        // Namespaces visibly utilized here: the element's own prefix and its attributes' prefixes.
        let mut utilized: Vec<Option<&str>> = vec![self.prefix.as_deref()];
        for attr in &self.attrs {
            if let Attr::Value { name, .. } = attr {
                if let Some((p, _)) = name.split_once(':') {
                    if !utilized.contains(&Some(p)) {
                        utilized.push(Some(p));
                    }
                }
            }
        }
        utilized.sort(); // None (default) first, then prefixes in order
        let mut decls: Vec<NsBinding> = Vec::new();
        for prefix in utilized {
            let uri = lookup(in_scope, prefix).unwrap_or("");
            let already = lookup(rendered, prefix);
            let needed = match already {
                Some(u) => u != uri,
                None => !(prefix.is_none() && uri.is_empty()),
            };
            if needed {
                decls.push((
                    prefix.map(|p| Str::Owned(p.to_owned())),
                    Str::Owned(uri.to_owned()),
                ));
            }
        }

        out.push('<');
        push_qname(out, self.prefix.as_deref(), &self.name);
        for (prefix, uri) in &decls {
            out.push(' ');
            push_ns_decl(out, prefix.as_deref(), uri);
        }
        let mut attrs: Vec<(&str, &str, &str, &str)> = self
            .attrs
            .iter()
            .filter_map(|a| match a {
                Attr::Value { name, value } => {
                    let (ns, local) = match name.split_once(':') {
                        Some((p, local)) => (lookup(in_scope, Some(p)).unwrap_or(""), local),
                        None => ("", name.as_ref()),
                    };
                    Some((ns, local, name.as_ref(), value.as_ref()))
                }
                Attr::Ns { .. } => None,
            })
            .collect();
        attrs.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        for (_, _, name, value) in attrs {
            out.push(' ');
            push_attr(out, name, value);
        }
        out.push('>');
        rendered.extend(decls);
        for child in &self.children {
            match child {
                Node::Element(e) => e.write_c14n(out, in_scope, rendered),
                Node::Text(t) => escape_text(out, t),
            }
        }
        out.push_str("</");
        push_qname(out, self.prefix.as_deref(), &self.name);
        out.push('>');
        in_scope.truncate(scope_mark);
        rendered.truncate(rendered_mark);
    }
}

fn lookup<'a>(bindings: &'a [NsBinding], prefix: Option<&str>) -> Option<&'a str> {
    bindings
        .iter()
        .rev()
        .find(|(p, _)| p.as_deref() == prefix)
        .map(|(_, u)| u.as_ref())
}

fn push_qname(out: &mut String, prefix: Option<&str>, name: &str) {
    if let Some(p) = prefix {
        out.push_str(p);
        out.push(':');
    }
    out.push_str(name);
}

fn push_ns_decl(out: &mut String, prefix: Option<&str>, uri: &str) {
    match prefix {
        Some(p) => {
            out.push_str("xmlns:");
            out.push_str(p);
        }
        None => out.push_str("xmlns"),
    }
    out.push_str("=\"");
    escape_attr(out, uri);
    out.push('"');
}

fn push_attr(out: &mut String, name: &str, value: &str) {
    out.push_str(name);
    out.push_str("=\"");
    escape_attr(out, value);
    out.push('"');
}

/// Escapes character data as C14N does (which is also valid on the wire).
fn escape_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

/// Escapes an attribute value as C14N does (which is also valid on the wire).
fn escape_attr(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_keeps_attribute_order_and_self_closes() {
        let e = Element::prefixed("samlp", "Response")
            .attr("ID", "_1")
            .attr("Version", "2.0")
            .xmlns_prefix("samlp", "urn:p")
            .child(Element::new("Issuer").xmlns("urn:a").text("x&y"))
            .child(Element::prefixed("samlp", "Status"));
        assert_eq!(
            e.to_wire(),
            r#"<samlp:Response ID="_1" Version="2.0" xmlns:samlp="urn:p"><Issuer xmlns="urn:a">x&amp;y</Issuer><samlp:Status/></samlp:Response>"#
        );
    }

    #[test]
    fn c14n_sorts_attributes_puts_namespaces_first_and_expands_empty_elements() {
        let e = Element::prefixed("samlp", "Response")
            .attr("Version", "2.0")
            .attr("ID", "_1")
            .xmlns_prefix("samlp", "urn:p")
            .child(Element::new("Issuer").xmlns("urn:a").text("a\"b\r"))
            .child(Element::prefixed("samlp", "Status"));
        assert_eq!(
            e.to_exc_c14n(&[]),
            "<samlp:Response xmlns:samlp=\"urn:p\" ID=\"_1\" Version=\"2.0\"><Issuer xmlns=\"urn:a\">a\"b&#xD;</Issuer><samlp:Status></samlp:Status></samlp:Response>"
        );
    }

    #[test]
    fn c14n_renders_unused_declarations_only_where_utilized() {
        // xmlns:fed is declared on the parent but used only by the child.
        let e = Element::new("RoleDescriptor")
            .xmlns("urn:md")
            .xmlns_prefix("xsi", "urn:xsi")
            .xmlns_prefix("fed", "urn:fed")
            .attr("xsi:type", "fed:X")
            .attr("a", "1")
            .child(Element::prefixed("fed", "Claim"));
        assert_eq!(
            e.to_exc_c14n(&[]),
            "<RoleDescriptor xmlns=\"urn:md\" xmlns:xsi=\"urn:xsi\" a=\"1\" xsi:type=\"fed:X\"><fed:Claim xmlns:fed=\"urn:fed\"></fed:Claim></RoleDescriptor>"
        );
    }

    #[test]
    fn c14n_takes_inherited_bindings_only_when_utilized() {
        let e = Element::prefixed("p", "A").child(Element::new("B"));
        let inherited = vec![
            (Some(Str::Borrowed("p")), Str::Borrowed("urn:p")),
            (None, Str::Borrowed("urn:d")),
        ];
        assert_eq!(
            e.to_exc_c14n(&inherited),
            "<p:A xmlns:p=\"urn:p\"><B xmlns=\"urn:d\"></B></p:A>"
        );
    }
}
