//! What an SP's error pages give away: a message it cannot process, to see how it fails.

use crate::bytes::Doc;
use crate::forge::{Forge, Forged, Skip};

/// The IdP's own response cut off inside the Assertion (not well-formed): the parse error
/// an SP in debug mode renders with its stack.
pub fn truncated(f: &Forge) -> Result<Forged, Skip> {
    let doc = Doc::parse(f.seed)?;
    let assertion = doc.assertion()?.range();
    let mut cut = assertion.start + (assertion.end - assertion.start) / 2;
    while !f.seed.is_char_boundary(cut) {
        cut -= 1;
    }
    Ok(Forged::same_identity(f.seed[..cut].to_owned()))
}
