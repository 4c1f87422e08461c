//! The trivial ACS (`sp serve --trivial-acs`): believes the first NameID it reads, checks
//! nothing. A sink that costs the SP almost nothing, so `load` and `fuzz` can measure their
//! own rate; every forgery passes it, so it must never stand in for an SP being judged.

use quick_xml::events::Event;

use crate::validate::Login;

/// The login a trivial ACS opens for `xml`: the text of the first `NameID` element up to
/// its first end tag (entity and character references skipped, nothing resolved), read
/// with a streaming parser, or `None` when there is none.
pub fn login(xml: &str) -> Option<Login> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut in_name_id = false;
    let mut name_id = String::new();
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) if e.local_name().as_ref() == b"NameID" => in_name_id = true,
            Event::Text(t) if in_name_id => name_id.push_str(&t.decode().ok()?),
            Event::End(_) if in_name_id => break,
            Event::Eof => return None,
            _ => {}
        }
    }
    Some(Login {
        assertion_id: String::new(),
        name_id,
        name_id_format: None,
        in_response_to: None,
        session_index: None,
        attributes: Vec::new(),
        valid_until: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_name_id_is_believed_and_nothing_else_is_read() {
        let xml = r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns="urn:oasis:names:tc:SAML:2.0:assertion"><Assertion><Subject><NameID>B.Simon@contoso.com</NameID></Subject></Assertion><Assertion><Subject><NameID>admin@contoso.com</NameID></Subject></Assertion></samlp:Response>"#;
        assert_eq!(login(xml).unwrap().name_id, "B.Simon@contoso.com");
        assert!(login("<Response/>").is_none());
        assert!(login("not xml <").is_none());
    }
}
