//! Enveloped XML signatures as Entra writes them: exclusive C14N, one Reference, X509Data only.

use base64::Engine;
use openssl::hash::MessageDigest;
use saml_protocol::{DSIG_NS, ENVELOPED, EXC_C14N};

use crate::cert::SigningCert;
use crate::xml::{Element, Node, NsBinding, Str};

/// The HTTP-Redirect binding's signed query (Bindings §3.4.4.1): `{param}=…[&RelayState=…]
/// &SigAlg=…&Signature=…`, the signature over exactly the URL-encoded octets before
/// `&Signature`. The message itself carries no XML signature. Entra percent-encodes in lower
/// case (`%2f`): verifiers that re-encode the values (python3-saml without
/// `validate_signature_from_qs` or `lowercase_urlencoding`) fail on its signature.
pub fn redirect_query(
    param: &str,
    xml: &str,
    relay_state: Option<&str>,
    cert: &SigningCert,
    alg: Algorithm,
) -> Result<String, SignError> {
    let unsigned = saml_protocol::redirect::unsigned_query(param, xml, relay_state);
    saml_protocol::redirect::signed_query(&unsigned, alg.signature_uri(), cert.key())
        .map_err(SignError::Redirect)
}

/// Which signature and digest algorithm pair to use (Entra offers exactly these two).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// RSA-SHA256 with a SHA-256 digest: Entra's default.
    #[default]
    Sha256,
    /// RSA-SHA1 with a SHA-1 digest: the legacy option.
    Sha1,
}

impl Algorithm {
    /// The `SignatureMethod` URI.
    pub fn signature_uri(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            Algorithm::Sha1 => "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        }
    }

    /// The `DigestMethod` URI.
    pub fn digest_uri(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "http://www.w3.org/2001/04/xmlenc#sha256",
            Algorithm::Sha1 => "http://www.w3.org/2000/09/xmldsig#sha1",
        }
    }

    /// The OpenSSL digest for both the reference digest and the RSA signature.
    pub fn message_digest(self) -> MessageDigest {
        match self {
            Algorithm::Sha256 => MessageDigest::sha256(),
            Algorithm::Sha1 => MessageDigest::sha1(),
        }
    }

    /// Looks an algorithm up by its `SignatureMethod` URI (used for Redirect-binding `SigAlg`).
    pub fn from_signature_uri(uri: &str) -> Option<Self> {
        [Algorithm::Sha256, Algorithm::Sha1]
            .into_iter()
            .find(|a| a.signature_uri() == uri)
    }
}

/// A signing failure (should not happen with a valid RSA key).
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// Inside OpenSSL.
    #[error("signing failed: {0}")]
    OpenSsl(#[from] openssl::error::ErrorStack),
    /// Building a Redirect query's signature.
    #[error("{0}")]
    Redirect(String),
}

/// Raw RSA PKCS#1 v1.5 signature over `data`.
pub fn rsa_sign(cert: &SigningCert, alg: Algorithm, data: &[u8]) -> Result<Vec<u8>, SignError> {
    let mut signer = openssl::sign::Signer::new(alg.message_digest(), cert.key())?;
    Ok(signer.sign_oneshot_to_vec(data)?)
}

fn digest(alg: Algorithm, data: &[u8]) -> Result<Vec<u8>, SignError> {
    Ok(openssl::hash::hash(alg.message_digest(), data)?.to_vec())
}

/// Signs `element` (whose `ID` attribute is the reference target) with an enveloped signature
/// inserted as child number `insert_at`. `inherited` are the namespace bindings in scope from
/// the element's ancestors in the final document.
pub fn sign_enveloped(
    element: &mut Element,
    inherited: &[NsBinding],
    insert_at: usize,
    cert: &SigningCert,
    alg: Algorithm,
) -> Result<(), SignError> {
    let b64 = base64::engine::general_purpose::STANDARD;
    // The enveloped-signature transform removes the Signature: digest before inserting it.
    let digest_value = b64.encode(digest(alg, element.to_exc_c14n(inherited).as_bytes())?);
    let id = element.get_attr("ID").unwrap_or_default();
    let signed_info = Element::new("SignedInfo")
        .child(Element::new("CanonicalizationMethod").attr("Algorithm", EXC_C14N))
        .child(Element::new("SignatureMethod").attr("Algorithm", alg.signature_uri()))
        .child(
            Element::new("Reference")
                .attr("URI", format!("#{id}"))
                .child(
                    Element::new("Transforms")
                        .child(Element::new("Transform").attr("Algorithm", ENVELOPED))
                        .child(Element::new("Transform").attr("Algorithm", EXC_C14N)),
                )
                .child(Element::new("DigestMethod").attr("Algorithm", alg.digest_uri()))
                .child(Element::new("DigestValue").text(digest_value)),
        );
    let mut scope = inherited.to_vec();
    scope.extend(element.declared_namespaces());
    scope.push((None, Str::Borrowed(DSIG_NS)));
    let signature_value = b64.encode(rsa_sign(
        cert,
        alg,
        signed_info.to_exc_c14n(&scope).as_bytes(),
    )?);
    let signature = Element::new("Signature")
        .xmlns(DSIG_NS)
        .child(signed_info)
        .child(Element::new("SignatureValue").text(signature_value))
        .child(
            Element::new("KeyInfo").child(
                Element::new("X509Data")
                    .child(Element::new("X509Certificate").text(cert.der_base64().to_owned())),
            ),
        );
    let at = insert_at.min(element.children.len());
    element.children.insert(at, Node::Element(signature));
    Ok(())
}
