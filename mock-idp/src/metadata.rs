//! Entra's federation metadata: WS-Fed RoleDescriptors, then the SAML IDPSSODescriptor, signed.

use crate::cert::{SigningCert, TENANT_KEY_CN};
use crate::config::{App, Tenant};
use crate::sign::{sign_enveloped, Algorithm, SignError};
use crate::xml::Element;
use saml_protocol::{DSIG_NS, METADATA_NS, POST_BINDING, REDIRECT_BINDING};
const FED_NS: &str = "http://docs.oasis-open.org/wsfed/federation/200706";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
const WSA_NS: &str = "http://www.w3.org/2005/08/addressing";
const AUTH_NS: &str = "http://docs.oasis-open.org/wsfed/authorization/200706";

/// The 19 claim types Entra's metadata offers: URI, DisplayName, Description (as in its documents).
const CLAIM_TYPES: [(&str, &str, &str); 19] = [
    (
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
        "Name",
        "The mutable display name of the user.",
    ),
    (
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier",
        "Subject",
        "An immutable, globally unique, non-reusable identifier of the user that is unique to the application for which a token is issued.",
    ),
    (
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
        "Given Name",
        "First name of the user.",
    ),
    (
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
        "Surname",
        "Last name of the user.",
    ),
    (
        "http://schemas.microsoft.com/identity/claims/displayname",
        "Display Name",
        "Display name of the user.",
    ),
    (
        "http://schemas.microsoft.com/identity/claims/nickname",
        "Nick Name",
        "Nick name of the user.",
    ),
    (
        "http://schemas.microsoft.com/ws/2008/06/identity/claims/authenticationinstant",
        "Authentication Instant",
        "The time (UTC) when the user is authenticated to Windows Azure Active Directory.",
    ),
    (
        "http://schemas.microsoft.com/ws/2008/06/identity/claims/authenticationmethod",
        "Authentication Method",
        "The method that Windows Azure Active Directory uses to authenticate users.",
    ),
    (
        "http://schemas.microsoft.com/identity/claims/objectidentifier",
        "ObjectIdentifier",
        "Primary identifier for the user in the directory. Immutable, globally unique, non-reusable.",
    ),
    (
        "http://schemas.microsoft.com/identity/claims/tenantid",
        "TenantId",
        "Identifier for the user's tenant.",
    ),
    (
        "http://schemas.microsoft.com/identity/claims/identityprovider",
        "IdentityProvider",
        "Identity provider for the user.",
    ),
    (
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "Email",
        "Email address of the user.",
    ),
    (
        "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
        "Groups",
        "Groups of the user.",
    ),
    (
        "http://schemas.microsoft.com/identity/claims/accesstoken",
        "External Access Token",
        "Access token issued by external identity provider.",
    ),
    (
        "http://schemas.microsoft.com/ws/2008/06/identity/claims/expiration",
        "External Access Token Expiration",
        "UTC expiration time of access token issued by external identity provider.",
    ),
    (
        "http://schemas.microsoft.com/identity/claims/openid2_id",
        "External OpenID 2.0 Identifier",
        "OpenID 2.0 identifier issued by external identity provider.",
    ),
    (
        "http://schemas.microsoft.com/claims/groups.link",
        "GroupsOverageClaim",
        "Issued when number of user's group claims exceeds return limit.",
    ),
    (
        "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
        "Role Claim",
        "Roles that the user or Service Principal is attached to",
    ),
    (
        "http://schemas.microsoft.com/ws/2008/06/identity/claims/wids",
        "RoleTemplate Id Claim",
        "Role template id of the Built-in Directory Roles that the user is a member of",
    ),
];

/// What an IDPSSODescriptor's KeyDescriptors say their keys are for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyUse {
    /// `use="signing"`, as Entra writes it.
    #[default]
    Signing,
    /// No `use` attribute: the key is for signing and encryption alike (SAML metadata §2.4.1.1).
    Unstated,
    /// `use="encryption"`: the IdP names no signing key at all.
    Encryption,
    /// No KeyDescriptor at all.
    Omitted,
}

fn key_descriptor(cert: &SigningCert, key_use: KeyUse) -> Element {
    let descriptor = Element::new("KeyDescriptor");
    let descriptor = match key_use {
        KeyUse::Signing => descriptor.attr("use", "signing"),
        KeyUse::Unstated | KeyUse::Omitted => descriptor,
        KeyUse::Encryption => descriptor.attr("use", "encryption"),
    };
    descriptor.child(
        Element::new("KeyInfo").xmlns(DSIG_NS).child(
            Element::new("X509Data")
                .child(Element::new("X509Certificate").text(cert.der_base64().to_owned())),
        ),
    )
}

fn endpoint(name: &'static str, address: &str) -> Element {
    Element::prefixed("fed", name).child(
        Element::prefixed("wsa", "EndpointReference")
            .xmlns_prefix("wsa", WSA_NS)
            .child(Element::prefixed("wsa", "Address").text(address.to_owned())),
    )
}

fn role_descriptor(kind: &str) -> Element {
    Element::new("RoleDescriptor")
        .attr("xsi:type", format!("fed:{kind}"))
        .attr("protocolSupportEnumeration", FED_NS)
        .xmlns_prefix("xsi", XSI_NS)
        .xmlns_prefix("fed", FED_NS)
}

/// An application's signed federation metadata, signed with its active certificate (what
/// the portal's "App Federation Metadata Url" serves).
pub fn app_metadata(tenant: &Tenant, base_url: &str, app: &App) -> Result<String, SignError> {
    federation_metadata(tenant, base_url, &app.certificates, app.active_cert())
}

/// The tenant-level document (the metadata URL without `appid`): signed with, and listing
/// only, the tenant-wide STS keys, which do not verify the app's SAML tokens. An SP pointed
/// at this URL fails against Entra; so it does here.
pub fn tenant_metadata(tenant: &Tenant, base_url: &str) -> Result<String, String> {
    let keys = tenant_keys().map_err(|e| format!("cannot make the tenant keys: {e}"))?;
    federation_metadata(tenant, base_url, keys, &keys[0]).map_err(|e| e.to_string())
}

/// Three tenant-wide STS keys as Microsoft's own copy of the document lists them, made once
/// per process (Entra's are shared by all tenants; these dates are ours).
fn tenant_keys() -> Result<&'static [SigningCert], &'static String> {
    static KEYS: std::sync::OnceLock<Result<Vec<SigningCert>, String>> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let issued = time::macros::datetime!(2025-09-15 08:12:47 UTC);
        [TENANT_KEY_CN, TENANT_KEY_CN, "login.microsoftonline.us"]
            .into_iter()
            .enumerate()
            .map(|(i, cn)| {
                let key = openssl::rsa::Rsa::generate(2048)
                    .and_then(openssl::pkey::PKey::from_rsa)
                    .map_err(|e| e.to_string())?;
                SigningCert::tenant_key(key, cn, issued + time::Duration::days(30 * i as i64))
                    .map_err(|e| e.to_string())
            })
            .collect()
    })
    .as_deref()
}

/// The signed metadata document for `certs` (all listed; `signer` signs), endpoints under `base_url`.
pub fn federation_metadata(
    tenant: &Tenant,
    base_url: &str,
    certs: &[SigningCert],
    signer: &SigningCert,
) -> Result<String, SignError> {
    metadata_with_key_use(tenant, base_url, certs, signer, KeyUse::Signing)
}

/// [`federation_metadata`] with every role's keys marked `key_use` (or left out).
pub fn metadata_with_key_use(
    tenant: &Tenant,
    base_url: &str,
    certs: &[SigningCert],
    signer: &SigningCert,
    key_use: KeyUse,
) -> Result<String, SignError> {
    let base = base_url.trim_end_matches('/');
    let saml2 = format!("{base}/{}/saml2", tenant.id);
    let wsfed = format!("{base}/{}/wsfed", tenant.id);
    let with_keys = |mut e: Element| {
        if key_use == KeyUse::Omitted {
            return e;
        }
        for c in certs {
            e = e.child(key_descriptor(c, key_use));
        }
        e
    };
    let mut claims = Element::prefixed("fed", "ClaimTypesOffered");
    for (uri, name, description) in CLAIM_TYPES {
        claims = claims.child(
            Element::prefixed("auth", "ClaimType")
                .attr("Uri", uri)
                .xmlns_prefix("auth", AUTH_NS)
                .child(Element::prefixed("auth", "DisplayName").text(name))
                .child(Element::prefixed("auth", "Description").text(description)),
        );
    }
    let sts = with_keys(role_descriptor("SecurityTokenServiceType"))
        .child(claims)
        .child(endpoint("SecurityTokenServiceEndpoint", &wsfed))
        .child(endpoint("PassiveRequestorEndpoint", &wsfed));
    let app_service = with_keys(role_descriptor("ApplicationServiceType"))
        .child(endpoint("TargetScopes", &tenant.entity_id()))
        .child(endpoint("ApplicationServiceEndpoint", &wsfed))
        .child(endpoint("PassiveRequestorEndpoint", &wsfed));
    let service = |name: &'static str, binding: &'static str| {
        Element::new(name)
            .attr("Binding", binding)
            .attr("Location", saml2.clone())
    };
    let idp = with_keys(Element::new("IDPSSODescriptor").attr(
        "protocolSupportEnumeration",
        "urn:oasis:names:tc:SAML:2.0:protocol",
    ))
    .child(service("SingleLogoutService", REDIRECT_BINDING))
    .child(service("SingleSignOnService", REDIRECT_BINDING))
    .child(service("SingleSignOnService", POST_BINDING));
    let mut doc = Element::new("EntityDescriptor")
        .attr("ID", saml_protocol::Ids::random().next())
        .attr("entityID", tenant.entity_id())
        .xmlns(METADATA_NS)
        .child(sts)
        .child(app_service)
        .child(idp);
    sign_enveloped(&mut doc, &[], 0, signer, Algorithm::Sha256)?;
    // Downloaded metadata starts with this declaration (responses have none).
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>{}",
        doc.to_wire()
    ))
}
