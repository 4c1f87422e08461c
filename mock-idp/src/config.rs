//! The tenant model: users, groups and enterprise applications with every field of Entra's
//! "Basic SAML Configuration" and "Attributes & Claims", loaded from YAML or built in.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;
use time::{Duration, OffsetDateTime};

use crate::cert::{SigningCert, BUNDLED_KEY_PEM};
use crate::response::SignWhat;
use crate::sign::Algorithm;

/// Where the bundled signing certificate's validity starts (it then lasts 3 years, as Entra's).
pub const BUNDLED_CERT_NOT_BEFORE: OffsetDateTime =
    time::macros::datetime!(2025-11-01 14:03:01 UTC);

/// Namespace of the four default claims (givenname, surname, emailaddress, name).
pub const XMLSOAP_CLAIMS: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims";

/// A configuration problem, pointing into the user's file where it can.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// YAML syntax, an unknown key, a wrong type or a missing field (serde-saphyr renders the snippet).
    #[error("{file}:{line}:{column}: invalid config: {message}\n  hint: see the \"mock-idp configuration\" section of README.md")]
    Syntax {
        file: String,
        line: u64,
        column: u64,
        message: String,
    },
    /// A value that parsed but makes no sense.
    #[error("{file}:{line}:{column}: `{key}`: {message}\n  hint: {hint}")]
    Invalid {
        file: String,
        line: u64,
        column: u64,
        key: String,
        message: String,
        hint: String,
    },
}

/// How a person gets signed in when an AuthnRequest arrives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignInMode {
    /// The default user is signed in at once (CI).
    #[default]
    Auto,
    /// A page lets a person pick the user.
    Interactive,
}

/// NameID formats Entra can emit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum NameIdFormat {
    /// `urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress` (portal default).
    #[default]
    #[serde(rename = "emailAddress")]
    EmailAddress,
    /// Pairwise persistent: an opaque per-application, per-user identifier.
    #[serde(rename = "persistent")]
    Persistent,
    /// A fresh random value per response.
    #[serde(rename = "transient")]
    Transient,
    /// `urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified`.
    #[serde(rename = "unspecified")]
    Unspecified,
}

impl NameIdFormat {
    /// The format URI.
    pub fn uri(self) -> &'static str {
        match self {
            NameIdFormat::EmailAddress => "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
            NameIdFormat::Persistent => "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
            NameIdFormat::Transient => "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
            NameIdFormat::Unspecified => "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
        }
    }

    /// The format for its short name as written in YAML (`emailAddress`, `persistent`, …).
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::EmailAddress,
            Self::Persistent,
            Self::Transient,
            Self::Unspecified,
        ]
        .into_iter()
        .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// The short name, as written in YAML and shown in the portal.
    pub fn name(self) -> &'static str {
        match self {
            NameIdFormat::EmailAddress => "emailAddress",
            NameIdFormat::Persistent => "persistent",
            NameIdFormat::Transient => "transient",
            NameIdFormat::Unspecified => "unspecified",
        }
    }

    /// The format for a URI an AuthnRequest's NameIDPolicy may carry (Entra accepts these four).
    pub fn from_uri(uri: &str) -> Option<Self> {
        [
            Self::EmailAddress,
            Self::Persistent,
            Self::Transient,
            Self::Unspecified,
        ]
        .into_iter()
        .find(|f| f.uri() == uri)
    }
}

// ---------------------------------------------------------------- the YAML shape

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigSpec {
    #[serde(default)]
    tenant: TenantSpec,
    #[serde(default)]
    users: Vec<Spanned<UserSpec>>,
    #[serde(default)]
    groups: Vec<GroupSpec>,
    #[serde(default)]
    applications: Vec<Spanned<AppSpec>>,
    #[serde(default)]
    sign_in: SignInMode,
    #[serde(default)]
    default_user: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct TenantSpec {
    id: String,
    domain: String,
    name: String,
}

impl Default for TenantSpec {
    fn default() -> Self {
        TenantSpec {
            id: "8c3f2d1e-5b4a-4c6d-9e7f-0a1b2c3d4e5f".into(),
            domain: "contoso.com".into(),
            name: "Contoso".into(),
        }
    }
}

/// A user as written in YAML (a config file's `users:`, or a scenario's `idp.users:` laid over
/// a tenant with [`Config::apply`]).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    upn: String,
    given_name: Option<String>,
    surname: Option<String>,
    display_name: Option<String>,
    mail: Option<String>,
    object_id: Option<String>,
    groups: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
    authn_age_seconds: Option<i64>,
    identity_provider: Option<String>,
    authn_methods: Option<Vec<AuthnMethod>>,
    /// Graph's accountEnabled: `false` makes sign-in answer AADSTS50057.
    enabled: Option<bool>,
}

/// How a user signed in: the authnmethodsreferences values Entra sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthnMethod {
    /// `…/authenticationmethod/password`.
    Password,
    /// `http://schemas.microsoft.com/claims/multipleauthn` (MFA).
    Multipleauthn,
    /// `…/authenticationmethod/x509` (certificate-based).
    X509,
    /// `…/authenticationmethod/windows` (federated Windows integrated auth).
    Windows,
}

impl AuthnMethod {
    /// The claim value.
    pub fn uri(self) -> &'static str {
        match self {
            AuthnMethod::Password => {
                "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password"
            }
            AuthnMethod::Multipleauthn => "http://schemas.microsoft.com/claims/multipleauthn",
            AuthnMethod::X509 => {
                "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/x509"
            }
            AuthnMethod::Windows => {
                "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/windows"
            }
        }
    }
}

/// What the groups claim carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupValues {
    /// Group object ids (Entra's default).
    #[default]
    ObjectId,
    /// Group names (synced groups with "sAMAccountName" as the source).
    Name,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupSpec {
    name: String,
    object_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AppSpec {
    name: String,
    app_id: Option<String>,
    identifiers: Vec<String>,
    reply_urls: Vec<String>,
    default_reply_url: Option<Spanned<String>>,
    sign_on_url: Option<String>,
    relay_state: Option<String>,
    logout_url: Option<String>,
    #[serde(default)]
    assignment_required: bool,
    #[serde(default)]
    assigned: Vec<Spanned<String>>,
    #[serde(default)]
    name_id: NameIdSpec,
    claims: Option<Vec<ClaimSpec>>,
    #[serde(default)]
    groups_claim: bool,
    #[serde(default)]
    groups_values: GroupValues,
    claim_order: Option<Vec<String>>,
    #[serde(default)]
    app_roles: Vec<AppRoleSpec>,
    #[serde(default)]
    signing: SigningSpec,
    #[serde(default)]
    certificates: Vec<Spanned<CertSpec>>,
    #[serde(default)]
    require_signed_requests: bool,
    #[serde(default)]
    request_verification_certificates: Vec<Spanned<String>>,
    #[serde(default = "sixty")]
    subject_confirmation_minutes: i64,
    #[serde(default)]
    audience_spn_prefix: bool,
    #[serde(default)]
    whole_second_times: bool,
    token_encryption_certificate: Option<Spanned<String>>,
}

/// Settings laid over one application with [`Config::apply`]: a scenario's `idp.settings`, a
/// vendor profile's Entra side. Every key is optional and has the shape it has in a config
/// file's `applications:` entry; a key given replaces the app's value.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppSettings {
    identifiers: Option<Vec<String>>,
    reply_urls: Option<Vec<String>>,
    sign_on_url: Option<String>,
    logout_url: Option<String>,
    relay_state: Option<String>,
    assignment_required: Option<bool>,
    assigned: Option<Vec<Spanned<String>>>,
    name_id: Option<NameIdPatch>,
    claims: Option<Vec<ClaimSpec>>,
    groups_claim: Option<bool>,
    groups_values: Option<GroupValues>,
    claim_order: Option<Vec<String>>,
    signing: Option<SigningPatch>,
    certificates: Option<Vec<Spanned<CertSpec>>>,
    audience_spn_prefix: Option<bool>,
    whole_second_times: Option<bool>,
    token_encryption_certificate: Option<Spanned<String>>,
}

/// `name_id` in [`AppSettings`]: the key given replaces that half only.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NameIdPatch {
    format: Option<NameIdFormat>,
    source: Option<Spanned<String>>,
}

/// `signing` in [`AppSettings`]: the key given replaces that half only.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SigningPatch {
    option: Option<SignWhat>,
    algorithm: Option<Algorithm>,
}

impl AppSettings {
    /// Whether the Identifier list is set here (then a run keeps it instead of using the SP's).
    pub fn sets_identifiers(&self) -> bool {
        self.identifiers.is_some()
    }

    /// Whether the Reply URL list is set here (then a run keeps it instead of the SP's ACS).
    pub fn sets_reply_urls(&self) -> bool {
        self.reply_urls.is_some()
    }
}

fn sixty() -> i64 {
    60
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NameIdSpec {
    #[serde(default)]
    format: NameIdFormat,
    source: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimSpec {
    name: String,
    #[serde(default)]
    namespace: String,
    source: Option<Spanned<String>>,
    value: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AppRoleSpec {
    value: String,
    #[serde(default)]
    assigned: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SigningSpec {
    #[serde(default)]
    option: SignWhat,
    #[serde(default)]
    algorithm: Algorithm,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CertSpec {
    key: Option<String>,
    cert: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    not_before: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    not_after: Option<OffsetDateTime>,
    #[serde(default)]
    active: bool,
}

// ---------------------------------------------------------------- the resolved model

/// The resolved configuration: a tenant and everything in it.
#[derive(Clone, Debug)]
pub struct Config {
    /// The directory (tenant).
    pub tenant: Tenant,
    /// Users; the default user signs in when no one is picked.
    pub users: Vec<User>,
    /// Groups, by name and object id.
    pub groups: Vec<Group>,
    /// Enterprise applications (SAML).
    pub apps: Vec<App>,
    /// Auto sign-in (CI) or a user picker page.
    pub sign_in: SignInMode,
    /// Index into `users` of who signs in by default.
    pub default_user: usize,
}

/// The Entra tenant.
#[derive(Clone, Debug)]
pub struct Tenant {
    /// Tenant (directory) id, a GUID.
    pub id: String,
    /// Primary domain, e.g. contoso.com.
    pub domain: String,
    /// Display name.
    pub name: String,
}

impl Tenant {
    /// The Microsoft Entra Identifier: `https://sts.windows.net/{tid}/`.
    pub fn entity_id(&self) -> String {
        format!("https://sts.windows.net/{}/", self.id)
    }
}

/// A directory user.
#[derive(Clone, Debug)]
pub struct User {
    /// userPrincipalName.
    pub upn: String,
    /// givenName.
    pub given_name: String,
    /// surname.
    pub surname: String,
    /// displayName.
    pub display_name: String,
    /// mail.
    pub mail: String,
    /// Object id (GUID).
    pub object_id: String,
    /// Object ids of the groups the user is a member of.
    pub group_ids: Vec<String>,
    /// Further attributes by name (employeeid, department, …).
    pub extra: BTreeMap<String, String>,
    /// How long before a token the user really signed in (Entra reuses the session: real
    /// AuthnInstants are seconds to weeks old).
    pub authn_age: Duration,
    /// The identityprovider claim when not this tenant (a B2B guest's home tenant).
    pub identity_provider: Option<String>,
    /// How the user signed in (the authnmethodsreferences values, in order).
    pub authn_methods: Vec<AuthnMethod>,
    /// Whether sign-in is allowed (Graph's accountEnabled); a disabled user gets AADSTS50057.
    pub enabled: bool,
}

/// The oldest session a user may have (ten years), in seconds.
const MAX_AUTHN_AGE: i64 = 315_360_000;

/// A few seconds: a fresh sign-in, as in most captures.
const DEFAULT_AUTHN_AGE: Duration = Duration::seconds(3);

impl User {
    /// The value of a claim source such as `user.mail`, `None` when the user has none.
    pub fn attribute(&self, source: &str) -> Option<String> {
        let name = source
            .strip_prefix("user.")
            .unwrap_or(source)
            .to_ascii_lowercase();
        let v = match name.as_str() {
            "userprincipalname" => self.upn.clone(),
            "givenname" => self.given_name.clone(),
            "surname" => self.surname.clone(),
            "displayname" => self.display_name.clone(),
            "mail" => self.mail.clone(),
            "objectid" => self.object_id.clone(),
            "mailnickname" => self.upn.split('@').next().unwrap_or_default().to_owned(),
            other => {
                return self
                    .extra
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(other))
                    .map(|(_, v)| v.clone())
            }
        };
        Some(v)
    }
}

/// A security group.
#[derive(Clone, Debug)]
pub struct Group {
    /// Display name.
    pub name: String,
    /// Object id (GUID).
    pub object_id: String,
}

/// Where a claim's value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimSource {
    /// A user attribute, e.g. `user.mail`.
    Attribute(String),
    /// A constant string.
    Constant(String),
}

/// A claim's name as emitted: `namespace/name`, or the bare name when the namespace is empty
/// (the portal's Namespace field cleared).
pub fn claim_wire_name(namespace: &str, name: &str) -> String {
    if namespace.is_empty() {
        name.to_owned()
    } else {
        format!("{}/{name}", namespace.trim_end_matches('/'))
    }
}

/// A claim's short name: what follows the namespace (`emailaddress` of
/// `http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress`).
pub fn claim_short_name(wire_name: &str) -> &str {
    wire_name.rsplit('/').next().unwrap_or(wire_name)
}

/// One configured claim, named exactly as it will be emitted.
#[derive(Clone, Debug)]
pub struct Claim {
    /// `namespace/name`, or the bare name when the namespace is empty.
    pub name: String,
    /// Where the value comes from.
    pub source: ClaimSource,
}

/// An app role and who holds it (user UPNs).
#[derive(Clone, Debug)]
pub struct AppRole {
    /// The role value emitted in the role claim.
    pub value: String,
    /// UPNs of users holding it.
    pub users: Vec<String>,
}

/// An enterprise application configured for SAML SSO.
#[derive(Clone, Debug)]
pub struct App {
    /// Display name.
    pub name: String,
    /// Application (client) id, a GUID.
    pub app_id: String,
    /// Identifier (Entity ID) list; the AuthnRequest Issuer must be one of them.
    pub identifiers: Vec<String>,
    /// Reply URL (ACS) list.
    pub reply_urls: Vec<String>,
    /// The Reply URL used when the request names none.
    pub default_reply_url: String,
    /// Sign-on URL (where SP-initiated sign-in starts).
    pub sign_on_url: Option<String>,
    /// Relay State sent on IdP-initiated sign-on.
    pub relay_state: Option<String>,
    /// Logout URL of the SP.
    pub logout_url: Option<String>,
    /// "Assignment required?".
    pub assignment_required: bool,
    /// UPNs assigned directly.
    pub assigned_users: Vec<String>,
    /// Object ids of assigned groups.
    pub assigned_groups: Vec<String>,
    /// NameID format.
    pub name_id_format: NameIdFormat,
    /// NameID source attribute.
    pub name_id_source: String,
    /// Configured claims, after the automatic ones.
    pub claims: Vec<Claim>,
    /// Whether to emit the groups claim.
    pub groups_claim: bool,
    /// What the groups claim carries: object ids or names.
    pub groups_values: GroupValues,
    /// The claims to send, by their short name (the URI's last segment), in this order; any
    /// other claim, automatic or configured, is left out (gallery apps interleave claims, some
    /// tenants send no displayname). `None`: automatic claims first, then configured ones.
    pub claim_order: Option<Vec<String>>,
    /// App roles.
    pub app_roles: Vec<AppRole>,
    /// Signing option.
    pub sign: SignWhat,
    /// Signing algorithm.
    pub algorithm: Algorithm,
    /// Every certificate of the app (all appear in metadata).
    pub certificates: Vec<SigningCert>,
    /// Index of the active certificate.
    pub active_certificate: usize,
    /// "Require verification certificates": unsigned requests get AADSTS76021.
    pub require_signed_requests: bool,
    /// Certificates that verify the SP's signed AuthnRequests.
    pub request_verification_certificates: Vec<openssl::x509::X509>,
    /// SubjectConfirmationData lifetime.
    pub subject_confirmation_lifetime: Duration,
    /// In IdP-initiated sign-on, an app whose Identifier is no URI gets Audience
    /// `spn:{app id}` (a 2021 capture); SP-initiated captures never show `spn:`.
    pub audience_spn_prefix: bool,
    /// The token time T0 on a whole second (`.000Z`), as in some captures.
    pub whole_second_times: bool,
    /// Token encryption: the SP certificate the signed Assertion is encrypted to.
    pub token_encryption_certificate: Option<openssl::x509::X509>,
}

impl App {
    /// The certificate that signs.
    pub fn active_cert(&self) -> &SigningCert {
        &self.certificates[self.active_certificate]
    }

    /// Whether `user` may sign in (assignment, directly or through a group).
    pub fn is_assigned(&self, user: &User) -> bool {
        !self.assignment_required
            || self
                .assigned_users
                .iter()
                .any(|u| u.eq_ignore_ascii_case(&user.upn))
            || user
                .group_ids
                .iter()
                .any(|g| self.assigned_groups.contains(g))
    }

    /// App role values `user` holds.
    pub fn roles_of(&self, user: &User) -> Vec<String> {
        self.app_roles
            .iter()
            .filter(|r| r.users.iter().any(|u| u.eq_ignore_ascii_case(&user.upn)))
            .map(|r| r.value.clone())
            .collect()
    }

    /// The Audience for `identifier`: the Identifier itself, or in IdP-initiated sign-on
    /// `spn:{app id}` when configured and the Identifier is no URI.
    pub fn audience_for(&self, identifier: &str, idp_initiated: bool) -> String {
        if idp_initiated
            && self.audience_spn_prefix
            && !identifier.contains("://")
            && !identifier.starts_with("urn:")
        {
            format!("spn:{}", self.app_id)
        } else {
            identifier.to_owned()
        }
    }
}

impl Config {
    /// The built-in configuration: tenant contoso.com, user B.Simon, one application.
    pub fn builtin() -> Config {
        Self::from_yaml_str(BUILTIN_YAML, "<built-in config>", Path::new("."))
            .unwrap_or_else(|e| panic!("the built-in config is broken: {e}"))
    }

    /// Loads a YAML config file; paths inside it are relative to the file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let base = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Self::from_yaml_str(&text, &path.display().to_string(), &base)
    }

    /// Parses YAML text; `file` names it in errors and `base` resolves relative paths.
    pub fn from_yaml_str(text: &str, file: &str, base: &Path) -> Result<Config, ConfigError> {
        let spec: ConfigSpec = serde_saphyr::from_str(text).map_err(|e| {
            let at = e.location().unwrap_or(serde_saphyr::Location::UNKNOWN);
            ConfigError::Syntax {
                file: file.to_owned(),
                line: at.line(),
                column: at.column(),
                message: e.to_string().replace("<input>", file),
            }
        })?;
        Resolver { file, base }.resolve(spec)
    }

    /// Lays `settings` over the application `app` (the first when `None`) and patches `users`
    /// in: a user whose UPN exists keeps every field the patch leaves out (attributes are
    /// merged), any other is added. Errors name `file` and keys starting with `prefix`
    /// (`idp.`); paths are relative to `base`.
    pub fn apply(
        &mut self,
        app: Option<&str>,
        settings: Option<Spanned<AppSettings>>,
        users: Vec<Spanned<UserSpec>>,
        file: &str,
        base: &Path,
        prefix: &str,
    ) -> Result<(), ConfigError> {
        let r = Resolver { file, base };
        let mut patched: Vec<String> = Vec::new();
        for (i, u) in users.into_iter().enumerate() {
            let key = format!("{prefix}users[{i}]");
            let upn = u.value.upn.clone();
            if patched.iter().any(|p| p.eq_ignore_ascii_case(&upn)) {
                return r.invalid(
                    &u.referenced,
                    format!("{key}.upn"),
                    format!("duplicate user {upn:?}"),
                    "patch each UPN once",
                );
            }
            patched.push(upn.clone());
            let index = self
                .users
                .iter()
                .position(|x| x.upn.eq_ignore_ascii_case(&upn));
            let user = r.resolve_user(&key, u, &self.groups, index.map(|n| &self.users[n]))?;
            match index {
                Some(n) => self.users[n] = user,
                None => self.users.push(user),
            }
        }
        let Some(settings) = settings else {
            return Ok(());
        };
        let at = settings.referenced;
        let a = settings.value;
        let key = |k: &str| format!("{prefix}settings.{k}");
        let index = match app {
            None => 0,
            Some(n) => self.app_index(n).ok_or_else(|| {
                r.error(
                    &at,
                    format!("{prefix}app"),
                    format!("no application {n:?}"),
                    "name one of the config's applications",
                )
            })?,
        };
        let old = &mut self.apps[index];
        for (k, list) in [
            ("identifiers", &a.identifiers),
            ("reply_urls", &a.reply_urls),
        ] {
            if list.as_ref().is_some_and(Vec::is_empty) {
                return r.invalid(
                    &at,
                    key(k),
                    format!("empty {k} list"),
                    "leave the key out to use the SP's, or list at least one URL",
                );
            }
        }
        if let Some(ids) = a.identifiers {
            old.identifiers = ids;
        }
        if let Some(urls) = a.reply_urls {
            old.default_reply_url = urls[0].clone();
            old.reply_urls = urls;
        }
        if let Some(v) = a.sign_on_url {
            old.sign_on_url = Some(v);
        }
        if let Some(v) = a.logout_url {
            old.logout_url = Some(v);
        }
        if let Some(v) = a.relay_state {
            old.relay_state = Some(v);
        }
        if let Some(v) = a.assignment_required {
            old.assignment_required = v;
        }
        if let Some(list) = &a.assigned {
            (old.assigned_users, old.assigned_groups) =
                r.assignments(&key(""), list, &self.users, &self.groups)?;
        }
        if let Some(n) = a.name_id {
            if n.source.is_some() {
                old.name_id_source = r.name_id_source(&key(""), n.source)?;
            }
            if let Some(f) = n.format {
                old.name_id_format = f;
            }
        }
        if let Some(list) = a.claims {
            old.claims = r.claims(&key(""), &at, list)?;
            // An order written for the old claims does not describe the new ones.
            old.claim_order = None;
        }
        if let Some(v) = a.groups_claim {
            old.groups_claim = v;
        }
        if let Some(v) = a.groups_values {
            old.groups_values = v;
        }
        if let Some(order) = a.claim_order {
            old.claim_order = Some(order);
        }
        if let Some(order) = &old.claim_order {
            r.check_claim_order(&key(""), &at, order, &old.claims)?;
        }
        if let Some(sign) = a.signing {
            if let Some(o) = sign.option {
                old.sign = o;
            }
            if let Some(alg) = sign.algorithm {
                old.algorithm = alg;
            }
        }
        if let Some(certs) = a.certificates {
            (old.certificates, old.active_certificate) =
                r.resolve_certs(&key("certificates"), &at, certs)?;
        }
        if let Some(v) = a.audience_spn_prefix {
            old.audience_spn_prefix = v;
        }
        if let Some(v) = a.whole_second_times {
            old.whole_second_times = v;
        }
        if let Some(p) = &a.token_encryption_certificate {
            old.token_encryption_certificate =
                Some(r.certificate(p, key("token_encryption_certificate"))?);
        }
        Ok(())
    }

    /// An application by name (case-insensitive) or application id; the first one when `None`.
    pub fn app(&self, name: Option<&str>) -> Option<&App> {
        match name {
            None => self.apps.first(),
            Some(n) => self.app_index(n).map(|i| &self.apps[i]),
        }
    }

    /// Where in `apps` the application named `name` (case-insensitive) or with that
    /// application id is.
    pub fn app_index(&self, name: &str) -> Option<usize> {
        self.apps
            .iter()
            .position(|a| a.name.eq_ignore_ascii_case(name) || a.app_id.eq_ignore_ascii_case(name))
    }

    /// A user by UPN (case-insensitive); the default user when `None`.
    pub fn user(&self, upn: Option<&str>) -> Option<&User> {
        match upn {
            None => self.users.get(self.default_user),
            Some(u) => self.users.iter().find(|x| x.upn.eq_ignore_ascii_case(u)),
        }
    }

    /// The application one of whose Identifiers is `issuer`.
    pub fn app_by_identifier(&self, issuer: &str) -> Option<&App> {
        self.apps
            .iter()
            .find(|a| a.identifiers.iter().any(|i| i == issuer))
    }
}

/// The built-in configuration, as YAML, so it doubles as the documented example.
pub const BUILTIN_YAML: &str = include_str!("../../fixtures/config/default.yaml");

struct Resolver<'a> {
    file: &'a str,
    base: &'a Path,
}

impl Resolver<'_> {
    fn error(
        &self,
        at: &serde_saphyr::Location,
        key: String,
        message: String,
        hint: &str,
    ) -> ConfigError {
        ConfigError::Invalid {
            file: self.file.to_owned(),
            line: at.line(),
            column: at.column(),
            key,
            message,
            hint: hint.to_owned(),
        }
    }

    fn invalid<T>(
        &self,
        at: &serde_saphyr::Location,
        key: String,
        message: String,
        hint: &str,
    ) -> Result<T, ConfigError> {
        Err(self.error(at, key, message, hint))
    }

    fn read(
        &self,
        at: &serde_saphyr::Location,
        key: String,
        path: &str,
    ) -> Result<String, ConfigError> {
        let full = self.base.join(path);
        std::fs::read_to_string(&full).or_else(|e| {
            self.invalid(
                at,
                key,
                format!("cannot read {:?}: {e}", full.display().to_string()),
                "paths are relative to the file they are written in",
            )
        })
    }

    fn certificate(
        &self,
        path: &Spanned<String>,
        key: String,
    ) -> Result<openssl::x509::X509, ConfigError> {
        let pem = self.read(&path.referenced, key.clone(), &path.value)?;
        openssl::x509::X509::from_pem(pem.as_bytes()).or_else(|e| {
            self.invalid(
                &path.referenced,
                key,
                format!("not a PEM certificate: {e}"),
                "give the SP's certificate as PEM (-----BEGIN CERTIFICATE-----)",
            )
        })
    }

    fn resolve(&self, spec: ConfigSpec) -> Result<Config, ConfigError> {
        let tenant = Tenant {
            id: spec.tenant.id,
            domain: spec.tenant.domain,
            name: spec.tenant.name,
        };
        let groups: Vec<Group> = spec
            .groups
            .into_iter()
            .map(|g| Group {
                object_id: g
                    .object_id
                    .unwrap_or_else(|| stable_guid(&format!("group:{}", g.name))),
                name: g.name,
            })
            .collect();
        let mut users: Vec<User> = Vec::new();
        for (i, u) in spec.users.into_iter().enumerate() {
            let key = format!("users[{i}]");
            if users
                .iter()
                .any(|x| x.upn.eq_ignore_ascii_case(&u.value.upn))
            {
                return self.invalid(
                    &u.referenced,
                    format!("{key}.upn"),
                    format!("duplicate user {:?}", u.value.upn),
                    "each UPN may appear once",
                );
            }
            users.push(self.resolve_user(&key, u, &groups, None)?);
        }
        if users.is_empty() {
            users.push(default_user(&tenant));
        }
        let default_user = match &spec.default_user {
            None => 0,
            Some(d) => match users
                .iter()
                .position(|u| u.upn.eq_ignore_ascii_case(&d.value))
            {
                Some(i) => i,
                None => {
                    return self.invalid(
                        &d.referenced,
                        "default_user".into(),
                        format!("no user {:?}", d.value),
                        "use the `upn` of one of `users:`",
                    )
                }
            },
        };

        let mut apps = Vec::new();
        for (i, a) in spec.applications.into_iter().enumerate() {
            apps.push(self.resolve_app(i, a, &users, &groups)?);
        }
        if apps.is_empty() {
            return self.invalid(
                &serde_saphyr::Location::UNKNOWN,
                "applications".into(),
                "no application configured".into(),
                "add at least one entry under `applications:`",
            );
        }
        Ok(Config {
            tenant,
            users,
            groups,
            apps,
            sign_in: spec.sign_in,
            default_user,
        })
    }

    /// One user; the fields `u` leaves out come from `existing` (a scenario's patch of a
    /// config's user) or are derived from the UPN.
    fn resolve_user(
        &self,
        key: &str,
        u: Spanned<UserSpec>,
        groups: &[Group],
        existing: Option<&User>,
    ) -> Result<User, ConfigError> {
        let at = u.referenced;
        let u = u.value;
        let (first, last) = split_name(&u.upn);
        let mut group_ids = Vec::new();
        for (j, g) in u.groups.iter().flatten().enumerate() {
            match groups
                .iter()
                .find(|x| x.name.eq_ignore_ascii_case(&g.value))
            {
                Some(x) => group_ids.push(x.object_id.clone()),
                None => {
                    return self.invalid(
                        &g.referenced,
                        format!("{key}.groups[{j}]"),
                        format!("unknown group {:?}", g.value),
                        "declare it under `groups:` first",
                    )
                }
            }
        }
        if let Some(age) = u
            .authn_age_seconds
            .filter(|a| !(0..=MAX_AUTHN_AGE).contains(a))
        {
            return self.invalid(
                &at,
                format!("{key}.authn_age_seconds"),
                format!("authn_age_seconds {age} is out of range"),
                "seconds since the user signed in, 0 to 315360000 (ten years), e.g. 3 or 86400",
            );
        }
        if u.authn_methods.as_ref().is_some_and(Vec::is_empty) {
            return self.invalid(
                &at,
                format!("{key}.authn_methods"),
                "authn_methods is empty".into(),
                "list how the user signs in, e.g. [password] or [password, multipleauthn]",
            );
        }
        let local = u.upn.split('@').next().unwrap_or_default().to_owned();
        let old = |f: fn(&User) -> String| existing.map(f);
        let mut extra = existing.map(|e| e.extra.clone()).unwrap_or_default();
        extra.extend(u.attributes);
        Ok(User {
            given_name: u
                .given_name
                .or(old(|e| e.given_name.clone()))
                .unwrap_or(first),
            surname: u.surname.or(old(|e| e.surname.clone())).unwrap_or(last),
            display_name: u
                .display_name
                .or(old(|e| e.display_name.clone()))
                .unwrap_or(local),
            mail: u
                .mail
                .or(old(|e| e.mail.clone()))
                .unwrap_or_else(|| u.upn.clone()),
            object_id: u
                .object_id
                .or(old(|e| e.object_id.clone()))
                .unwrap_or_else(|| stable_guid(&format!("user:{}", u.upn))),
            group_ids: match existing {
                // Leaving `groups` out keeps them; `groups: []` clears them.
                Some(e) if u.groups.is_none() => e.group_ids.clone(),
                _ => group_ids,
            },
            extra,
            authn_age: u
                .authn_age_seconds
                .map(Duration::seconds)
                .or(existing.map(|e| e.authn_age))
                .unwrap_or(DEFAULT_AUTHN_AGE),
            identity_provider: u
                .identity_provider
                .or(existing.and_then(|e| e.identity_provider.clone())),
            authn_methods: u
                .authn_methods
                .or(existing.map(|e| e.authn_methods.clone()))
                .unwrap_or_else(|| vec![AuthnMethod::Password]),
            enabled: u
                .enabled
                .unwrap_or_else(|| existing.is_none_or(|e| e.enabled)),
            upn: existing.map_or(u.upn, |e| e.upn.clone()),
        })
    }

    fn resolve_app(
        &self,
        i: usize,
        spanned: Spanned<AppSpec>,
        users: &[User],
        groups: &[Group],
    ) -> Result<App, ConfigError> {
        let at = spanned.referenced;
        let a = spanned.value;
        let key = |k: &str| format!("applications[{i}].{k}");
        if a.identifiers.is_empty() {
            return self.invalid(
                &at,
                key("identifiers"),
                "empty Identifier list".into(),
                "Entra requires at least one Identifier (Entity ID), e.g. the SP's entityID",
            );
        }
        if a.reply_urls.is_empty() {
            return self.invalid(
                &at,
                key("reply_urls"),
                "empty Reply URL list".into(),
                "add the SP's Assertion Consumer Service URL",
            );
        }
        let default_reply_url = match a.default_reply_url {
            None => a.reply_urls[0].clone(),
            Some(d) if a.reply_urls.contains(&d.value) => d.value,
            Some(d) => {
                return self.invalid(
                    &d.referenced,
                    key("default_reply_url"),
                    format!("{:?} is not in reply_urls", d.value),
                    "the default Reply URL must be one of `reply_urls`",
                )
            }
        };
        let prefix = key("");
        let (assigned_users, assigned_groups) =
            self.assignments(&prefix, &a.assigned, users, groups)?;
        let name_id_source = self.name_id_source(&prefix, a.name_id.source)?;
        let claims = match a.claims {
            None => default_claims(),
            Some(list) => self.claims(&prefix, &at, list)?,
        };
        if let Some(order) = &a.claim_order {
            self.check_claim_order(&prefix, &at, order, &claims)?;
        }
        let mut app_roles = Vec::new();
        for (j, r) in a.app_roles.into_iter().enumerate() {
            for (k, u) in r.assigned.iter().enumerate() {
                if !users.iter().any(|x| x.upn.eq_ignore_ascii_case(&u.value)) {
                    return self.invalid(
                        &u.referenced,
                        key(&format!("app_roles[{j}].assigned[{k}]")),
                        format!("unknown user {:?}", u.value),
                        "use a user's UPN",
                    );
                }
            }
            app_roles.push(AppRole {
                value: r.value,
                users: r.assigned.into_iter().map(|u| u.value).collect(),
            });
        }
        let (certificates, active_certificate) =
            self.resolve_certs(&key("certificates"), &at, a.certificates)?;
        let mut request_verification_certificates = Vec::new();
        for (j, p) in a.request_verification_certificates.iter().enumerate() {
            let k = key(&format!("request_verification_certificates[{j}]"));
            request_verification_certificates.push(self.certificate(p, k)?);
        }
        let token_encryption_certificate = match &a.token_encryption_certificate {
            Some(p) => Some(self.certificate(p, key("token_encryption_certificate"))?),
            None => None,
        };
        if a.require_signed_requests && request_verification_certificates.is_empty() {
            return self.invalid(
                &at,
                key("require_signed_requests"),
                "signed requests are required but no certificate can verify them".into(),
                "list the SP's certificate under `request_verification_certificates`",
            );
        }
        Ok(App {
            app_id: a
                .app_id
                .unwrap_or_else(|| stable_guid(&format!("app:{}", a.name))),
            name: a.name,
            identifiers: a.identifiers,
            reply_urls: a.reply_urls,
            default_reply_url,
            sign_on_url: a.sign_on_url,
            relay_state: a.relay_state,
            logout_url: a.logout_url,
            assignment_required: a.assignment_required,
            assigned_users,
            assigned_groups,
            name_id_format: a.name_id.format,
            name_id_source,
            claims,
            groups_claim: a.groups_claim,
            groups_values: a.groups_values,
            claim_order: a.claim_order,
            app_roles,
            sign: a.signing.option,
            algorithm: a.signing.algorithm,
            certificates,
            active_certificate,
            require_signed_requests: a.require_signed_requests,
            request_verification_certificates,
            subject_confirmation_lifetime: Duration::minutes(a.subject_confirmation_minutes),
            audience_spn_prefix: a.audience_spn_prefix,
            whole_second_times: a.whole_second_times,
            token_encryption_certificate,
        })
    }

    /// Who is assigned: user UPNs and group object ids (`group:NAME`).
    fn assignments(
        &self,
        prefix: &str,
        assigned: &[Spanned<String>],
        users: &[User],
        groups: &[Group],
    ) -> Result<(Vec<String>, Vec<String>), ConfigError> {
        let mut assigned_users = Vec::new();
        let mut assigned_groups = Vec::new();
        for (j, who) in assigned.iter().enumerate() {
            if let Some(g) = who.value.strip_prefix("group:") {
                match groups.iter().find(|x| x.name.eq_ignore_ascii_case(g)) {
                    Some(g) => assigned_groups.push(g.object_id.clone()),
                    None => {
                        return self.invalid(
                            &who.referenced,
                            format!("{prefix}assigned[{j}]"),
                            format!("unknown group {g:?}"),
                            "declare it under `groups:`",
                        )
                    }
                }
            } else if users.iter().any(|u| u.upn.eq_ignore_ascii_case(&who.value)) {
                assigned_users.push(who.value.clone());
            } else {
                return self.invalid(
                    &who.referenced,
                    format!("{prefix}assigned[{j}]"),
                    format!("unknown user {:?}", who.value),
                    "use a user's UPN or `group:NAME`",
                );
            }
        }
        Ok((assigned_users, assigned_groups))
    }

    /// The NameID source attribute (`prefix` starts the key named in errors).
    fn name_id_source(
        &self,
        prefix: &str,
        source: Option<Spanned<String>>,
    ) -> Result<String, ConfigError> {
        match source {
            None => Ok("user.userprincipalname".to_owned()),
            Some(s) if is_attribute_source(&s.value) => Ok(s.value),
            Some(s) => self.invalid(
                &s.referenced,
                format!("{prefix}name_id.source"),
                format!("unknown source attribute {:?}", s.value),
                "use e.g. user.userprincipalname, user.mail, user.objectid",
            ),
        }
    }

    /// Configured claims, named as they will be emitted (`namespace/name`, or the bare name).
    fn claims(
        &self,
        prefix: &str,
        at: &serde_saphyr::Location,
        list: Vec<ClaimSpec>,
    ) -> Result<Vec<Claim>, ConfigError> {
        let mut claims = Vec::new();
        for (j, c) in list.into_iter().enumerate() {
            let name = claim_wire_name(&c.namespace, &c.name);
            let source = match (c.source, c.value) {
                (Some(s), None) if is_attribute_source(&s.value) => ClaimSource::Attribute(s.value),
                (Some(s), None) => {
                    return self.invalid(
                        &s.referenced,
                        format!("{prefix}claims[{j}].source"),
                        format!("unknown source attribute {:?}", s.value),
                        "use e.g. user.mail, user.givenname, user.surname, user.userprincipalname, user.objectid",
                    )
                }
                (None, Some(v)) => ClaimSource::Constant(v),
                _ => {
                    return self.invalid(
                        at,
                        format!("{prefix}claims[{j}]"),
                        format!("claim {:?} needs exactly one of `source` or `value`", c.name),
                        "`source: user.mail` for an attribute, `value: text` for a constant",
                    )
                }
            };
            claims.push(Claim { name, source });
        }
        Ok(claims)
    }

    /// `claim_order` names each claim of the app once, by short name.
    fn check_claim_order(
        &self,
        prefix: &str,
        at: &serde_saphyr::Location,
        order: &[String],
        claims: &[Claim],
    ) -> Result<(), ConfigError> {
        const AUTOMATIC: [&str; 8] = [
            "tenantid",
            "objectidentifier",
            "displayname",
            "role",
            "groups",
            "groups.link",
            "identityprovider",
            "authnmethodsreferences",
        ];
        let short = |name: &str| claim_short_name(name).to_ascii_lowercase();
        for (j, name) in order.iter().enumerate() {
            let name = name.to_ascii_lowercase();
            let matches = usize::from(AUTOMATIC.contains(&name.as_str()))
                + claims.iter().filter(|c| short(&c.name) == name).count();
            let problem = match matches {
                0 => Some(format!("{name:?} is no claim of this app")),
                1 if order[..j].iter().any(|o| o.eq_ignore_ascii_case(&name)) => {
                    Some(format!("{name:?} is listed twice"))
                }
                1 => None,
                n => Some(format!("{name:?} names {n} claims")),
            };
            if let Some(problem) = problem {
                return self.invalid(
                    at,
                    format!("{prefix}claim_order"),
                    problem,
                    "list each claim once by short name: tenantid, objectidentifier, displayname, role, groups, groups.link, identityprovider, authnmethodsreferences, or a configured claim such as emailaddress (rename a configured claim that shares a name)",
                );
            }
        }
        Ok(())
    }

    fn resolve_certs(
        &self,
        key: &str,
        app_at: &serde_saphyr::Location,
        specs: Vec<Spanned<CertSpec>>,
    ) -> Result<(Vec<SigningCert>, usize), ConfigError> {
        if specs.is_empty() {
            let bundled = SigningCert::parse_key(BUNDLED_KEY_PEM)
                .and_then(|k| {
                    SigningCert::generate(
                        k,
                        BUNDLED_CERT_NOT_BEFORE,
                        three_years_after(BUNDLED_CERT_NOT_BEFORE),
                    )
                })
                .map_err(|e| {
                    self.error(
                        app_at,
                        key.to_owned(),
                        e.to_string(),
                        "the bundled key should always load; report a bug",
                    )
                })?;
            return Ok((vec![bundled], 0));
        }
        let mut certs = Vec::new();
        let mut active = Vec::new();
        for (j, s) in specs.into_iter().enumerate() {
            let at = s.referenced;
            let s = s.value;
            let k = format!("{key}[{j}]");
            let cert_error = |e: crate::cert::CertError| {
                self.error(
                    &at,
                    k.clone(),
                    e.to_string(),
                    "give a PEM private key (`key`) and optionally its PEM certificate (`cert`)",
                )
            };
            let pkey = match &s.key {
                None => SigningCert::parse_key(BUNDLED_KEY_PEM),
                Some(p) => SigningCert::parse_key(&self.read(&at, format!("{k}.key"), p)?),
            }
            .map_err(cert_error)?;
            let cert = match &s.cert {
                Some(p) => SigningCert::from_pem(pkey, &self.read(&at, format!("{k}.cert"), p)?),
                None => {
                    let nb = s.not_before.unwrap_or(BUNDLED_CERT_NOT_BEFORE);
                    let na = s.not_after.unwrap_or_else(|| three_years_after(nb));
                    if na <= nb {
                        return self.invalid(
                            &at,
                            format!("{k}.not_after"),
                            "not_after is not after not_before".into(),
                            "a certificate must be valid for some time",
                        );
                    }
                    SigningCert::generate(pkey, nb, na)
                }
            };
            certs.push(cert.map_err(cert_error)?);
            if s.active {
                active.push(j);
            }
        }
        match active.as_slice() {
            [] => Ok((certs, 0)),
            [one] => Ok((certs, *one)),
            _ => self.invalid(
                app_at,
                key.to_owned(),
                "more than one certificate is marked active".into(),
                "Entra has exactly one active signing certificate per app",
            ),
        }
    }
}

/// Whether `s` names a claim or NameID source: a user attribute such as `user.mail`.
pub fn is_attribute_source(s: &str) -> bool {
    s.starts_with("user.") && s.len() > 5
}

fn three_years_after(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_year(t.year() + 3)
        .unwrap_or(t + Duration::days(3 * 365))
}

/// A GUID derived from a name, so configs without explicit ids are reproducible.
pub fn stable_guid(name: &str) -> String {
    let h = openssl::sha::sha256(name.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    uuid::Builder::from_random_bytes(b).into_uuid().to_string()
}

fn split_name(upn: &str) -> (String, String) {
    let local = upn.split('@').next().unwrap_or_default();
    match local.split_once('.') {
        Some((a, b)) => (a.to_owned(), b.to_owned()),
        None => (local.to_owned(), String::new()),
    }
}

fn default_user(tenant: &Tenant) -> User {
    let upn = format!("B.Simon@{}", tenant.domain);
    User {
        given_name: "B".into(),
        surname: "Simon".into(),
        display_name: "B.Simon".into(),
        mail: upn.clone(),
        object_id: stable_guid(&format!("user:{upn}")),
        group_ids: Vec::new(),
        extra: BTreeMap::new(),
        authn_age: DEFAULT_AUTHN_AGE,
        identity_provider: None,
        authn_methods: vec![AuthnMethod::Password],
        enabled: true,
        upn,
    }
}

/// The portal's four default claims: givenname, surname, emailaddress, name.
pub fn default_claims() -> Vec<Claim> {
    [
        ("givenname", "user.givenname"),
        ("surname", "user.surname"),
        ("emailaddress", "user.mail"),
        ("name", "user.userprincipalname"),
    ]
    .into_iter()
    .map(|(n, s)| Claim {
        name: format!("{XMLSOAP_CLAIMS}/{n}"),
        source: ClaimSource::Attribute(s.into()),
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(yaml: &str) -> Result<Config, ConfigError> {
        Config::from_yaml_str(yaml, "test.yaml", Path::new("."))
    }

    #[test]
    fn builtin_config_has_b_simon_and_one_app() {
        let c = Config::builtin();
        let u = c.user(None).unwrap();
        assert_eq!(u.upn, "B.Simon@contoso.com");
        assert_eq!((u.given_name.as_str(), u.surname.as_str()), ("B", "Simon"));
        assert_eq!(c.apps.len(), 1);
        assert_eq!(c.apps[0].claims.len(), 4);
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let err = load("applications:\n  - name: a\n    identifiers: [x]\n    reply_urls: [y]\n    colour: red\n").unwrap_err().to_string();
        assert!(err.contains("test.yaml"), "{err}");
        assert!(err.contains("colour"), "{err}");
        assert!(err.starts_with("test.yaml:5:5:"), "{err}");
    }

    #[test]
    fn semantic_error_names_line_and_key() {
        let err = load("applications:\n  - name: a\n    identifiers: [x]\n    reply_urls: [y]\n    assigned:\n      - nobody@contoso.com\n").unwrap_err().to_string();
        assert!(err.starts_with("test.yaml:6:"), "{err}");
        assert!(err.contains("applications[0].assigned[0]"), "{err}");
        assert!(err.contains("hint:"), "{err}");
    }

    #[test]
    fn empty_namespace_emits_the_bare_claim_name() {
        let c = load("applications:\n  - name: mixpanel\n    identifiers: [x]\n    reply_urls: [y]\n    claims:\n      - {name: email, source: user.mail}\n      - {name: role, namespace: 'http://ex/claims', value: admin}\n").unwrap();
        assert_eq!(c.apps[0].claims[0].name, "email");
        assert_eq!(c.apps[0].claims[1].name, "http://ex/claims/role");
    }
}
