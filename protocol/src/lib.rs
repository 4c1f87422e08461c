//! What every saml-harness crate shares: the SAML 2.0 namespace and URI constants, the
//! HTTP-Redirect and HTTP-POST encodings, and the response an IdP posts to an ACS.

pub mod key_text;
pub mod redirect;
pub mod xmlenc;

use std::io::{Read, Write};

use base64::Engine;

/// The SAML 2.0 protocol namespace (prefix `samlp`).
pub const PROTOCOL_NS: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// The SAML 2.0 assertion namespace (prefix `saml`; Entra's default namespace).
pub const ASSERTION_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// The SAML 2.0 metadata namespace.
pub const METADATA_NS: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
/// The XML-DSig namespace.
pub const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// Exclusive XML Canonicalization 1.0, comments omitted: SAML's canonicalization.
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// Exclusive XML Canonicalization 1.0 keeping comments (SAML allows both forms).
pub const EXC_C14N_WITH_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";
/// The enveloped-signature transform.
pub const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
/// The base64 transform (decodes its input; XML Encryption's CipherReference may name it).
pub const BASE64_TRANSFORM: &str = "http://www.w3.org/2000/09/xmldsig#base64";
/// XML Signature 1.1 (KeyInfoReference and other 1.1 additions).
pub const DSIG11_NS: &str = "http://www.w3.org/2009/xmldsig11#";
/// XInclude 1.0 (only ever in documents built to probe a parser).
pub const XINCLUDE_NS: &str = "http://www.w3.org/2001/XInclude";
/// SOAP 1.1 envelope namespace (SAML's SOAP binding; Lasso unwraps any message in one).
pub const SOAP11_ENVELOPE_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// The HTTP-Redirect binding URI.
pub const REDIRECT_BINDING: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
/// The HTTP-POST binding URI.
pub const POST_BINDING: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
/// Top-level status: success.
pub const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
/// The bearer subject confirmation method.
pub const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
/// The media type of a PAOS (ECP) message (SAML Profiles §4.2).
pub const PAOS_MEDIA_TYPE: &str = "application/vnd.paos+xml";

/// `s` without surrounding XML whitespace (space, tab, CR, LF): a Unicode trim would also drop
/// a no-break space, which may be all that tells two accounts apart.
pub fn trim_xml_whitespace(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\r', '\n'])
}

/// Where "now" comes from: injected everywhere so tests can fix time.
pub type Clock = std::sync::Arc<dyn Fn() -> time::OffsetDateTime + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    std::sync::Arc::new(time::OffsetDateTime::now_utc)
}

/// Where message IDs come from: injected next to the clock, so tests can fix them.
#[derive(Clone)]
pub struct Ids(std::sync::Arc<dyn Fn() -> String + Send + Sync>);

impl Ids {
    /// Entra-style IDs: `_` and a random lowercase hyphenated GUID.
    pub fn random() -> Ids {
        Ids(std::sync::Arc::new(|| format!("_{}", uuid::Uuid::new_v4())))
    }

    /// Predictable IDs for tests: `{prefix}1`, `{prefix}2`, …
    pub fn sequential(prefix: &str) -> Ids {
        let prefix = prefix.to_owned();
        let next = std::sync::atomic::AtomicU64::new(0);
        Ids(std::sync::Arc::new(move || {
            let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            format!("{prefix}{n}")
        }))
    }

    /// The next ID.
    pub fn next(&self) -> String {
        (self.0)()
    }
}

impl Default for Ids {
    fn default() -> Ids {
        Ids::random()
    }
}

impl std::fmt::Debug for Ids {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ids")
    }
}

/// An `xs:dateTime` in UTC with exactly three fractional digits and `Z`, as Entra writes every
/// time.
pub fn saml_time(t: time::OffsetDateTime) -> String {
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

/// Raw DEFLATE then base64: the HTTP-Redirect encoding of a message.
pub fn deflate_base64(xml: &str) -> String {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(xml.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(enc.finish().unwrap_or_default())
}

/// Inflates raw DEFLATE `bytes`, reading at most `limit + 1` bytes (so a bomb is seen as "over
/// the limit", never expanded).
pub fn inflate_bounded(bytes: &[u8], limit: u64) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(bytes)
        .take(limit + 1)
        .read_to_end(&mut out)?;
    Ok(out)
}

/// Most attributes (namespace declarations included) one element of a SAML message may carry:
/// SAML's elements carry a handful, and XML parsers' duplicate checks (roxmltree 0.20, libxml2
/// 2.9) take time quadratic in them.
pub const MAX_ATTRIBUTES: usize = 256;

/// The first element of `xml` carrying more than [`MAX_ATTRIBUTES`] attributes, as its name and
/// attribute count, found in one linear streaming pass before any parser builds a tree;
/// malformed XML is left to the parser that describes it.
pub fn crowded_element(xml: &str) -> Option<(String, usize)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                let count = e.attributes().with_checks(false).count();
                if count > MAX_ATTRIBUTES {
                    return Some((
                        String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                        count,
                    ));
                }
            }
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// A response an IdP posts to an ACS through the browser (HTTP-POST binding).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcsPost {
    /// Where the form posts (the Reply URL).
    pub acs: String,
    /// The SAMLResponse XML (base64 is the binding's job).
    pub saml_response: String,
    /// RelayState to echo.
    pub relay_state: Option<String>,
    /// Another `SAMLResponse` in the same form (checks of which one an SP reads).
    pub beside: Option<Beside>,
}

/// A second `SAMLResponse` posted in the same form as [`AcsPost::saml_response`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Beside {
    /// Its XML.
    pub xml: String,
    /// Whether it comes before the other one.
    pub first: bool,
}

/// One HTTP-POST binding form field: `parameter` (`SAMLRequest` or `SAMLResponse`) carrying
/// `xml` base64-encoded (SAML Bindings §3.5.4).
pub fn post_field(parameter: &str, xml: &str) -> (String, String) {
    (
        parameter.to_owned(),
        base64::engine::general_purpose::STANDARD.encode(xml),
    )
}

impl AcsPost {
    /// The form fields: base64 `SAMLResponse` (and the one [`AcsPost::beside`] it, in its
    /// place), and `RelayState` if any.
    pub fn form_fields(&self) -> Vec<(String, String)> {
        let mut fields = vec![post_field("SAMLResponse", &self.saml_response)];
        if let Some(beside) = &self.beside {
            let at = if beside.first { 0 } else { 1 };
            fields.insert(at, post_field("SAMLResponse", &beside.xml));
        }
        if let Some(rs) = &self.relay_state {
            fields.push(("RelayState".to_owned(), rs.clone()));
        }
        fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_encoding_round_trips_and_bombs_stop_at_the_limit() {
        let xml = "<samlp:AuthnRequest ID=\"_1\"/>";
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(deflate_base64(xml))
            .unwrap();
        assert_eq!(inflate_bounded(&bytes, 1024).unwrap(), xml.as_bytes());
        let bomb = deflate_base64(&"a".repeat(1 << 20));
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(bomb)
            .unwrap();
        assert_eq!(inflate_bounded(&bytes, 1000).unwrap().len(), 1001);
    }

    #[test]
    fn times_have_three_fractional_digits_in_utc() {
        let t = time::macros::datetime!(2026-01-02 03:04:05.6789 +01:00);
        assert_eq!(saml_time(t), "2026-01-02T02:04:05.678Z");
    }

    #[test]
    fn the_post_form_carries_base64_and_relay_state() {
        let post = AcsPost {
            acs: "https://sp/acs".into(),
            saml_response: "<r/>".into(),
            relay_state: Some("/next".into()),
            beside: None,
        };
        assert_eq!(
            post.form_fields(),
            [
                ("SAMLResponse".to_owned(), "PHIvPg==".to_owned()),
                ("RelayState".to_owned(), "/next".to_owned())
            ]
        );
        for (first, order) in [
            (true, ["PHMvPg==", "PHIvPg=="]),
            (false, ["PHIvPg==", "PHMvPg=="]),
        ] {
            let post = AcsPost {
                beside: Some(Beside {
                    xml: "<s/>".into(),
                    first,
                }),
                ..post.clone()
            };
            let fields = post.form_fields();
            let values: Vec<&str> = fields.iter().map(|(_, v)| v.as_str()).collect();
            assert_eq!(values, [order[0], order[1], "/next"]);
            assert!(fields[..2].iter().all(|(name, _)| name == "SAMLResponse"));
        }
    }
}
