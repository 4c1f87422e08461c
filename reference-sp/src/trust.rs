//! What the SP trusts about its IdP, read from the IdP's federation metadata.

use saml_protocol::{DSIG_NS, METADATA_NS, REDIRECT_BINDING};
/// The trusted IdP: its entity ID, where to send AuthnRequests, and its signing certificates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdpTrust {
    /// `EntityDescriptor/@entityID`: the expected Issuer.
    pub entity_id: String,
    /// The HTTP-Redirect SingleSignOnService location.
    pub sso_url: String,
    /// Signing certificates as PEM.
    pub certificates: Vec<String>,
}

/// Why metadata could not be used.
#[derive(Debug, thiserror::Error)]
#[error("unusable IdP metadata: {0}; hint: pass the IdP's federation metadata XML (e.g. from `saml-harness idp metadata`)")]
pub struct MetadataError(String);

impl IdpTrust {
    /// Reads the first IDPSSODescriptor of `xml` (DTDs refused); metadata with no signing
    /// key is an error.
    pub fn from_metadata(xml: &str) -> Result<IdpTrust, MetadataError> {
        let trust = IdpTrust::read(xml, false)?;
        if trust.certificates.is_empty() {
            return Err(MetadataError(
                "no signing certificate in the IDPSSODescriptor".into(),
            ));
        }
        Ok(trust)
    }

    /// Reads `xml` as [`IdpTrust::from_metadata`] does, but metadata with no signing key gives
    /// a trust with none (every response is refused). Signing keys are the KeyDescriptors
    /// marked `use="signing"` and, unless `marked_only`, those with no `use`.
    pub fn read(xml: &str, marked_only: bool) -> Result<IdpTrust, MetadataError> {
        let doc = roxmltree::Document::parse(xml)
            .map_err(|e| MetadataError(format!("not well-formed XML: {e}")))?;
        let root = doc.root_element();
        let descriptor = root
            .descendants()
            .find(|n| n.has_tag_name((METADATA_NS, "EntityDescriptor")))
            .ok_or_else(|| MetadataError("no EntityDescriptor".into()))?;
        let entity_id = descriptor
            .attribute("entityID")
            .ok_or_else(|| MetadataError("EntityDescriptor has no entityID".into()))?
            .to_owned();
        let idp = descriptor
            .children()
            .find(|n| n.has_tag_name((METADATA_NS, "IDPSSODescriptor")))
            .ok_or_else(|| MetadataError("no IDPSSODescriptor".into()))?;
        let sso_url = idp
            .children()
            .find(|n| {
                n.has_tag_name((METADATA_NS, "SingleSignOnService"))
                    && n.attribute("Binding") == Some(REDIRECT_BINDING)
            })
            .and_then(|n| n.attribute("Location"))
            .ok_or_else(|| MetadataError("no HTTP-Redirect SingleSignOnService".into()))?
            .to_owned();
        let certificates: Vec<String> = idp
            .children()
            .filter(|n| {
                n.has_tag_name((METADATA_NS, "KeyDescriptor"))
                    && match n.attribute("use") {
                        Some(u) => u == "signing",
                        None => !marked_only,
                    }
            })
            .flat_map(|k| {
                k.descendants()
                    .filter(|n| n.has_tag_name((DSIG_NS, "X509Certificate")))
            })
            .filter_map(|n| n.text())
            .map(pem_from_base64)
            .collect();
        Ok(IdpTrust {
            entity_id,
            sso_url,
            certificates,
        })
    }
}

impl IdpTrust {
    /// The signing certificates, parsed (one that does not parse is left out).
    pub fn x509_certificates(&self) -> Vec<openssl::x509::X509> {
        self.certificates
            .iter()
            .filter_map(|pem| openssl::x509::X509::from_pem(pem.as_bytes()).ok())
            .collect()
    }
}

/// IdP metadata in a file, re-read when its content changes (as Shibboleth's `reloadChanges`).
#[derive(Debug)]
pub struct MetadataFile {
    path: std::path::PathBuf,
    last: std::sync::Mutex<Vec<u8>>,
}

impl MetadataFile {
    /// Watches `path`, whose content `current` the SP already trusts.
    pub fn new(path: std::path::PathBuf, current: &str) -> Self {
        MetadataFile {
            path,
            last: std::sync::Mutex::new(current.as_bytes().to_vec()),
        }
    }

    /// The file's content when it differs from the last call's (a file that cannot be read
    /// counts as unchanged).
    pub fn changed(&self) -> Option<String> {
        let now = std::fs::read(&self.path).ok()?;
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if *last == now {
            return None;
        }
        *last = now;
        Some(String::from_utf8_lossy(&last).into_owned())
    }
}

/// PEM armour around base64 DER (whitespace removed, 64-column lines).
fn pem_from_base64(b64: &str) -> String {
    let compact: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in compact.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(chunk));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}
