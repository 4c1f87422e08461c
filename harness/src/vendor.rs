//! Vendor profiles: a SaaS vendor's Entra setup guide as data (`scenarios/vendors/*.yaml`),
//! filled in with a customer's values. A profile says what the vendor's SP is set to and
//! demands; `check` compares it with an Entra app, `run` uses it to set the app up and to
//! explain a refused login, and the tests build a stand-in SP from it.

use std::collections::BTreeMap;
use std::path::Path;

use mock_idp::config::{App, Claim, ClaimSource, NameIdFormat};
use serde::{Deserialize, Serialize};

/// The bundled profiles, by name: the four seed guides.
const BUNDLED: [(&str, &str); 4] = [
    (
        "mixpanel",
        include_str!("../../scenarios/vendors/mixpanel.yaml"),
    ),
    (
        "numlyengage",
        include_str!("../../scenarios/vendors/numlyengage.yaml"),
    ),
    (
        "pymetrics",
        include_str!("../../scenarios/vendors/pymetrics.yaml"),
    ),
    (
        "runmyprocess",
        include_str!("../../scenarios/vendors/runmyprocess.yaml"),
    ),
];

/// How the vendor gets accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Provisioning {
    /// Created at the first sign-in.
    JustInTime,
    /// An administrator creates each account before its first sign-in.
    Manual,
    /// Entra's provisioning service creates accounts over SCIM.
    Scim,
}

impl Provisioning {
    /// In the guides' words.
    pub fn describe(self) -> &'static str {
        match self {
            Provisioning::JustInTime => {
                "just-in-time (the account is created at the first sign-in)"
            }
            Provisioning::Manual => "manual (create each account before its first sign-in)",
            Provisioning::Scim => "SCIM (Entra's provisioning service creates the accounts)",
        }
    }
}

/// Which artifact of the "SAML Signing Certificate" section the vendor takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertificateArtifact {
    /// "Federation Metadata XML" (Download): an .xml file.
    FederationMetadataXml,
    /// "Certificate (Base64)" (Download): a .cer/.pem file.
    CertificateBase64,
    /// "App Federation Metadata Url" (copy): a URL with `?appid=`.
    MetadataUrl,
}

impl CertificateArtifact {
    /// The portal's label.
    pub fn label(self) -> &'static str {
        match self {
            CertificateArtifact::FederationMetadataXml => "Federation Metadata XML",
            CertificateArtifact::CertificateBase64 => "Certificate (Base64)",
            CertificateArtifact::MetadataUrl => "App Federation Metadata Url",
        }
    }
}

/// Who starts a sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flow {
    /// The user starts at the SP (Sign-on URL).
    Sp,
    /// The user starts at Entra (My Apps tile, "Test this application").
    Idp,
}

/// How the vendor's SP finds the account.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// By this attribute (exact name); the NameID when absent.
    pub attribute: Option<String>,
}

/// A claim the vendor's SP reads.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimNeed {
    /// The exact name the SP looks for.
    pub name: String,
    /// The namespace the SP expects; empty (the default): the bare name.
    #[serde(default)]
    pub namespace: String,
    /// The source attribute the guide maps it from.
    pub source: String,
    /// Whether the sign-in fails without it (default true).
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

impl ClaimNeed {
    /// The attribute name on the wire: `namespace/name`, or the bare name.
    pub fn wire_name(&self) -> String {
        mock_idp::config::claim_wire_name(&self.namespace, &self.name)
    }
}

/// A vendor's setup guide as data.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Short name (`mixpanel`).
    pub name: String,
    /// Display name.
    pub title: String,
    /// The guide it encodes.
    pub guide: String,
    /// Placeholders in the values (`CUSTOMERNAME` for `<CUSTOMERNAME>`) and what each is.
    #[serde(default)]
    pub placeholders: BTreeMap<String, String>,
    /// Who may start a sign-in.
    pub flows: Vec<Flow>,
    /// How accounts come to exist.
    pub provisioning: Provisioning,
    /// The SCIM tenant URL, with SCIM provisioning.
    pub scim_url: Option<String>,
    /// The user attributes the app's SCIM mapping sends (empty: Entra's default mapping).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scim_attributes: Vec<String>,
    /// The certificate artifact the vendor takes.
    pub certificate: CertificateArtifact,
    /// The Identifier (Entity ID) the vendor's SP has, when the guide gives it.
    pub identifier: Option<String>,
    /// The Reply URL (ACS), when the guide gives it.
    pub reply_url: Option<String>,
    /// The Sign-on URL.
    pub sign_on_url: Option<String>,
    /// The NameID Format the SP is set to, when the guide names one.
    pub name_id_format: Option<NameIdFormatName>,
    /// What the SP needs signed (response, assertion or both), when the guide says.
    pub signed: Option<mock_idp::response::SignWhat>,
    /// The signature algorithm the SP accepts (sha256 or sha1), when the guide says.
    pub algorithm: Option<mock_idp::sign::Algorithm>,
    /// How the SP finds the account.
    #[serde(default)]
    pub account: Account,
    /// The claims the SP reads.
    #[serde(default)]
    pub claims: Vec<ClaimNeed>,
    /// Further steps from the guide, in its words.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// A NameID format by its short name, as profiles write it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct NameIdFormatName(pub NameIdFormat);

impl TryFrom<String> for NameIdFormatName {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        NameIdFormat::from_name(&s).map(NameIdFormatName).ok_or_else(|| {
            format!("unknown NameID format {s:?}; use emailAddress, persistent, transient or unspecified")
        })
    }
}

impl From<NameIdFormatName> for String {
    fn from(f: NameIdFormatName) -> String {
        f.0.name().to_owned()
    }
}

/// A problem with a profile or the values given for it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ProfileError(pub String);

/// The names of the bundled profiles.
pub fn bundled_names() -> impl Iterator<Item = &'static str> {
    BUNDLED.iter().map(|(n, _)| *n)
}

/// A bundled profile by name (case-insensitive), or a profile file by path.
pub fn load(name_or_path: &str) -> Result<Profile, ProfileError> {
    let (text, origin) = match BUNDLED
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name_or_path))
    {
        Some((n, text)) => ((*text).to_owned(), format!("scenarios/vendors/{n}.yaml")),
        None if Path::new(name_or_path).is_file() => {
            let text = std::fs::read_to_string(name_or_path).map_err(|e| {
                ProfileError(format!("cannot read vendor profile {name_or_path:?}: {e}"))
            })?;
            (text, name_or_path.to_owned())
        }
        None => {
            return Err(ProfileError(format!(
                "no vendor profile {name_or_path:?}; hint: bundled: {} (or give a profile file)",
                bundled_names().collect::<Vec<_>>().join(", ")
            )))
        }
    };
    parse(&text, &origin)
}

/// Parses profile text (`origin` names it in errors).
pub fn parse(text: &str, origin: &str) -> Result<Profile, ProfileError> {
    let profile: Profile = serde_saphyr::from_str(text).map_err(|e| {
        let line = e.location().map_or(0, |l| l.line());
        ProfileError(format!(
            "{origin}:{line}: invalid vendor profile: {}",
            e.without_snippet()
        ))
    })?;
    for c in &profile.claims {
        if !mock_idp::config::is_attribute_source(&c.source) {
            return Err(ProfileError(format!(
                "{origin}: claim {:?} has source {:?}; hint: use a user attribute such as user.mail",
                c.name, c.source
            )));
        }
    }
    Ok(profile)
}

/// Placeholder values from a YAML file of `KEY: VALUE` lines (a customer's overlay).
pub fn read_values(path: &Path) -> Result<Vec<(String, String)>, ProfileError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ProfileError(format!(
            "cannot read values file {}: {e}; hint: give a YAML file of KEY: VALUE lines",
            path.display()
        ))
    })?;
    let map: BTreeMap<String, String> = serde_saphyr::from_str(&text).map_err(|e| {
        let line = e.location().map_or(0, |l| l.line());
        ProfileError(format!(
            "{}:{line}: not a map of placeholder values: {}; hint: write KEY: VALUE lines, e.g. CUSTOMERNAME: acme",
            path.display(),
            e.without_snippet()
        ))
    })?;
    Ok(map.into_iter().collect())
}

/// Placeholders still in `text` (`<CUSTOMERNAME>`, `<tenant id>`).
pub fn placeholders_in(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        match after.find('>') {
            Some(end) if end > 0 && !after[..end].contains('<') => {
                found.push(after[..end].to_owned());
                rest = &after[end + 1..];
            }
            _ => rest = after,
        }
    }
    found
}

/// How placeholder names compare: `tenant id`, `TENANT_ID` and `tenant-id` are one.
fn normalise(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect()
}

impl Profile {
    /// Fills placeholders with `values` (`KEY=VALUE`s; the last of one key wins); a key the
    /// profile does not have is an error that lists the ones it has.
    pub fn fill(mut self, values: &[(String, String)]) -> Result<Profile, ProfileError> {
        for (key, _) in values {
            if !self
                .placeholders
                .keys()
                .any(|p| normalise(p) == normalise(key))
            {
                return Err(ProfileError(format!(
                    "{} has no placeholder {key:?}; hint: its placeholders are {}",
                    self.name,
                    self.placeholder_list()
                )));
            }
        }
        let fill = |text: &mut String| {
            for name in placeholders_in(text) {
                // The last value given wins (--set over --values).
                if let Some((_, v)) = values
                    .iter()
                    .rev()
                    .find(|(k, _)| normalise(k) == normalise(&name))
                {
                    *text = text.replace(&format!("<{name}>"), v);
                }
            }
        };
        for field in [
            &mut self.identifier,
            &mut self.reply_url,
            &mut self.sign_on_url,
        ]
        .into_iter()
        .flatten()
        {
            fill(field);
        }
        Ok(self)
    }

    /// `KEY (what it is)` for each placeholder, for hints.
    pub fn placeholder_list(&self) -> String {
        if self.placeholders.is_empty() {
            return "none".into();
        }
        self.placeholders
            .iter()
            .map(|(k, what)| format!("{} ({what})", normalise(k)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Placeholders left in the Identifier, Reply URL or Sign-on URL.
    pub fn unfilled(&self) -> Vec<String> {
        let mut left: Vec<String> = [&self.identifier, &self.reply_url, &self.sign_on_url]
            .into_iter()
            .flatten()
            .flat_map(|v| placeholders_in(v))
            .map(|p| normalise(&p))
            .collect();
        left.sort();
        left.dedup();
        left
    }

    /// Sets `app` up as the guide says: its claims added (named exactly, no namespace unless
    /// the SP wants one; the default claims stay, as in the portal, and a claim of the same
    /// name is replaced) and the NameID format. The Identifier and Reply URL stay the SP's own.
    pub fn configure(&self, app: &mut App) {
        if !self.claims.is_empty() {
            let short = |n: &str| mock_idp::config::claim_short_name(n).to_ascii_lowercase();
            app.claims.retain(|c| {
                !self
                    .claims
                    .iter()
                    .any(|n| short(&c.name) == n.name.to_ascii_lowercase())
            });
            app.claims.extend(self.claims.iter().map(|c| Claim {
                name: c.wire_name(),
                source: ClaimSource::Attribute(c.source.clone()),
            }));
            app.claim_order = None;
        }
        if let Some(f) = self.name_id_format {
            app.name_id_format = f.0;
        }
    }

    /// What the vendor's SP demands of a login: the stand-in the tests serve.
    pub fn requirements(&self) -> reference_sp::server::Requirements {
        reference_sp::server::Requirements {
            entity_id: self.identifier.clone(),
            identity_attribute: self.account.attribute.clone(),
            attributes: self
                .claims
                .iter()
                .filter(|c| c.required)
                .map(ClaimNeed::wire_name)
                .collect(),
            name_id_format: self.name_id_format.map(|f| f.0.uri().to_owned()),
            idp_initiated: false,
            single_logout: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_profile_loads_and_names_its_placeholders() {
        for name in bundled_names() {
            let p = load(name).unwrap();
            assert_eq!(p.name, name);
            let left = p.unfilled();
            let declared: Vec<String> = p.placeholders.keys().map(|k| normalise(k)).collect();
            for l in &left {
                assert!(declared.contains(l), "{name}: {l} is not declared");
            }
            let values: Vec<(String, String)> = declared
                .iter()
                .map(|k| (k.clone(), "x".to_owned()))
                .collect();
            assert!(p.fill(&values).unwrap().unfilled().is_empty(), "{name}");
        }
    }

    #[test]
    fn fill_matches_placeholder_names_loosely_and_refuses_unknown_ones() {
        let p = load("runmyprocess").unwrap();
        let filled = p
            .clone()
            .fill(&[("TENANT_ID".into(), "t-42".into())])
            .unwrap();
        assert_eq!(
            filled.sign_on_url.as_deref(),
            Some("https://live.runmyprocess.com/live/t-42")
        );
        let err = p
            .fill(&[("ORG_ID".into(), "1".into())])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"ORG_ID\"") && err.contains("TENANT_ID (your RunMyProcess tenant id"),
            "{err}"
        );
        let err = load("nope").unwrap_err().to_string();
        assert!(err.contains("mixpanel"), "{err}");
    }
}
