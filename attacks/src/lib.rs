//! DANGER: deliberately broken SAML responses. Every forged, re-signed, wrapped, expired or
//! misdirected artifact saml-harness posts is built in this crate, one file per family under
//! `family/`, so one grep finds them all and mock-idp stays a faithful Entra.
//!
//! A check is data ([`Check`]): a stable hierarchical id, references, severity, the attacker
//! capability it assumes, and an edit. Edits work on the bytes of a correctly signed response,
//! as an attacker holding one does. Only checks whose capability says the IdP signed the
//! artifact (TM-D/E, or the attacker's own look-alike account) ever see the IdP's key.

pub mod bytes;
pub mod catalogue;
pub mod check;
pub mod crypto;
mod family;
pub mod forge;
pub mod identity;
pub mod mutate;
pub mod select;

pub use catalogue::{CATALOGUE, EVIL_HOST, REFLECTED_MARKUP, REFLECTION_MARKER};
pub use check::{
    header_lines, Burden, Capability, Check, Donor, Edit, Family, FieldOrder, Goal, LogoutBinding,
    LogoutDonors, LogoutForgery, Retrust, SecondBrowser, Seed, Severity, SignedLogout, Variant,
    BURDEN_FLOOR, QUICK_FLOOR, SAME_SIZE_RATIO, SAME_WORK_RATIO,
};
pub use family::xxe::EXFILTRATION_PATH;
pub use forge::{Canary, Donors, Forge, Forged, LocalFile, Served, Skip, SpFacts};
