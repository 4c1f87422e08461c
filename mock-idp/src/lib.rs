//! mock-idp: a mock Microsoft Entra ID SAML 2.0 identity provider.
//!
//! It emits what real Entra emits (see `fixtures/README.md` for which fact each part was
//! checked against): one-line responses, Entra's prefixes, IDs, times, claims and signatures.

pub mod aadsts;
pub mod cert;
pub mod config;
pub mod encrypt;
pub mod graph;
pub mod idp;
pub mod metadata;
pub mod request;
pub mod response;
pub mod serve;
pub mod server;
pub mod sign;
pub mod tls;
pub mod xml;
