//! Entra's AADSTS errors: codes and texts (templated, as Microsoft warns they change).

/// An error Entra reports for a sign-in request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Aadsts {
    /// 700016: the AuthnRequest Issuer is none of any app's Identifiers.
    #[error("Application with identifier '{issuer}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.")]
    AppNotFound { issuer: String, tenant: String },
    /// 50011: the requested ACS URL is not a registered Reply URL.
    #[error("The reply URL specified in the request does not match the reply URLs configured for the application: '{app_id}'. Make sure the reply URL sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/urlMismatchError to learn more about how to fix this.")]
    ReplyUrlMismatch {
        app_id: String,
        /// The AssertionConsumerServiceURL the request asked for (for the hint only).
        received: String,
        /// The app's Reply URLs (for the hint only).
        configured: Vec<String>,
    },
    /// 750054: neither SAMLRequest nor SAMLResponse was sent.
    #[error("SAMLRequest or SAMLResponse must be present as query string parameters in HTTP request for SAML Redirect binding.")]
    NoSamlRequest,
    /// 75005: the message cannot be decoded or is not SAML 2.0.
    #[error("The request is not a valid Saml2 protocol message.")]
    InvalidRequest { detail: String },
    /// 900236: a property Entra does not support was set (Subject).
    #[error("The SAML authentication request property '{property}' is not supported and must not be set.")]
    UnsupportedProperty { property: String },
    /// 7500529: the request ID starts with a digit.
    #[error("The value '{id}' isn't a valid SAML ID. The ID must not begin with a number.")]
    InvalidId { id: String },
    /// 75016: NameIDPolicy asks for a format Entra cannot issue.
    #[error("Saml2 Authentication Request has invalid NameIDPolicy.")]
    InvalidNameIdPolicy { format: String },
    /// 75011: the requested authentication context does not match how the user signed in.
    #[error("Authentication method '{used}' by which the user authenticated with the service doesn't match requested authentication method '{requested}'.")]
    AuthnContextMismatch { used: String, requested: String },
    /// 50034: the user named (login_hint, a picked user) is not in the directory.
    #[error("The user account {{EUII Hidden}} does not exist in the {tenant} directory. To sign into this application, the account must be added to the directory.")]
    UserNotFound { upn: String, tenant: String },
    /// 50057: the user account is disabled (accountEnabled false).
    #[error("The user account is disabled.")]
    UserDisabled { upn: String },
    /// 50105: assignment is required and the user is not assigned.
    #[error("Your administrator has configured the application {app_name} ('{app_id}') to block users unless they are specifically granted ('assigned') access to the application. The signed in user '{upn}' is blocked because they are not a direct member of a group with access, nor had access directly assigned by an administrator. Please contact your administrator to assign access to this application.")]
    NotAssigned {
        app_name: String,
        app_id: String,
        upn: String,
    },
    /// 76021: the app requires signed requests and this one is unsigned.
    #[error(
        "The request sent by client is not signed while the application requires signed requests"
    )]
    UnsignedRequest,
    /// 50058: IsPassive and no one is signed in (posted to the ACS as Responder/NoPassive).
    #[error("A silent sign-in request was sent but no user is signed in. The cookies used to represent the user's session were not sent in the request to Azure AD.")]
    NoPassive,
    /// 50003: the application has no usable signing key.
    #[error("No signing key configured.")]
    NoSigningKey,
}

/// What differs between the ACS an SP asked for and the closest Reply URL, in words.
fn near_miss(received: &str, configured: &str) -> Option<&'static str> {
    let trim = |s: &str| s.trim_end_matches('/').to_owned();
    if trim(received) == trim(configured) {
        return Some("a trailing slash");
    }
    if received.eq_ignore_ascii_case(configured) {
        return Some("letter case");
    }
    let scheme_less = |s: &str| s.split_once("://").map(|(_, r)| r.to_owned());
    if scheme_less(received).is_some() && scheme_less(received) == scheme_less(configured) {
        return Some("the scheme (http or https)");
    }
    None
}

/// AADSTS50011's hint: the requested ACS, the configured Reply URLs, and a near miss.
fn reply_url_hint(received: &str, configured: &[String]) -> String {
    let list = configured
        .iter()
        .map(|u| format!("'{u}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let near = configured
        .iter()
        .find_map(|c| {
            near_miss(received, c).map(|what| format!(" It differs from '{c}' only in {what}."))
        })
        .unwrap_or_default();
    format!("the AuthnRequest asked for AssertionConsumerServiceURL '{received}'; the app's Reply URLs are {list}.{near} Add it to the Reply URLs in Entra, or fix the SP's ACS URL")
}

impl Aadsts {
    /// The numeric code, as in `AADSTS50011`.
    pub fn code(&self) -> u32 {
        match self {
            Aadsts::AppNotFound { .. } => 700016,
            Aadsts::ReplyUrlMismatch { .. } => 50011,
            Aadsts::NoSamlRequest => 750054,
            Aadsts::InvalidRequest { .. } => 75005,
            Aadsts::UnsupportedProperty { .. } => 900236,
            Aadsts::InvalidId { .. } => 7500529,
            Aadsts::InvalidNameIdPolicy { .. } => 75016,
            Aadsts::AuthnContextMismatch { .. } => 75011,
            Aadsts::UserNotFound { .. } => 50034,
            Aadsts::UserDisabled { .. } => 50057,
            Aadsts::NotAssigned { .. } => 50105,
            Aadsts::UnsignedRequest => 76021,
            Aadsts::NoPassive => 50058,
            Aadsts::NoSigningKey => 50003,
        }
    }

    /// `AADSTSnnnn: text`, the first line of every Entra error.
    pub fn message(&self) -> String {
        format!("AADSTS{}: {self}", self.code())
    }

    /// Our own explanation for the developer (not part of Entra's text): what to change.
    pub fn hint(&self) -> String {
        match self {
            Aadsts::AppNotFound { issuer, .. } => format!("add '{issuer}' to the app's Identifier list, or fix the SP's entityID"),
            Aadsts::ReplyUrlMismatch {
                received,
                configured,
                ..
            } => reply_url_hint(received, configured),
            Aadsts::NoSamlRequest => "send the AuthnRequest as the SAMLRequest query parameter (deflate + base64)".into(),
            Aadsts::InvalidRequest { detail } => detail.clone(),
            Aadsts::UnsupportedProperty { property } => format!("remove <{property}> from the AuthnRequest"),
            Aadsts::InvalidId { .. } => "start the AuthnRequest ID with a letter or underscore (xs:ID is an NCName)".into(),
            Aadsts::InvalidNameIdPolicy { format } => format!("NameIDPolicy Format '{format}' is not one of persistent, emailAddress, unspecified, transient"),
            Aadsts::AuthnContextMismatch { .. } => "drop RequestedAuthnContext or request a class matching how the user signs in".into(),
            Aadsts::UserNotFound { upn, .. } => format!("no user {upn:?} in the directory: add it to the config's users (or create it through Graph)"),
            Aadsts::UserDisabled { upn } => format!("enable {upn} (accountEnabled: true)"),
            Aadsts::NotAssigned { upn, .. } => format!("assign {upn} (or one of their groups) to the app, or turn off assignment_required"),
            Aadsts::UnsignedRequest => "sign the AuthnRequest (SigAlg + Signature on the Redirect binding) or turn off require_signed_requests".into(),
            Aadsts::NoPassive => "the SP sent IsPassive=\"true\" and no one is signed in at the IdP".into(),
            Aadsts::NoSigningKey => "give the app an active certificate".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reply_url_hint_shows_both_sides_and_the_near_miss() {
        let e = Aadsts::ReplyUrlMismatch {
            app_id: "a".into(),
            received: "https://sp.test/acs/".into(),
            configured: vec!["https://other.test/".into(), "https://sp.test/acs".into()],
        };
        let hint = e.hint();
        assert!(hint.contains("'https://sp.test/acs/'"), "{hint}");
        assert!(
            hint.contains("'https://other.test/', 'https://sp.test/acs'"),
            "{hint}"
        );
        assert!(hint.contains("only in a trailing slash"), "{hint}");
        assert!(!e.message().contains("sp.test"), "Entra's own text is kept");
        let scheme = reply_url_hint("http://sp.test/acs", &["https://sp.test/acs".into()]);
        assert!(scheme.contains("only in the scheme"), "{scheme}");
    }
}
