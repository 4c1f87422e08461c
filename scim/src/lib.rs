//! Entra's provisioning service as a SCIM 2.0 client (RFC 7643/7644): the requests its sync
//! engine sends, in both of its wire dialects, and the judgement of an SP's answers in the
//! terms of Entra's provisioning logs. No I/O: a [`lifecycle::Transport`] carries the requests.

pub mod dialect;
pub mod lifecycle;
pub mod mapping;
pub mod wire;
