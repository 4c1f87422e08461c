//! saml-harness: a SAML 2.0 conformance and testing harness for Microsoft Entra ID
//! integrations. The library holds everything; `main.rs` only parses the command line.

pub mod canary;
pub mod conformance_cmd;
pub mod demo;
pub mod driver;
pub mod findings;
pub mod flow;
pub mod idp_cmd;
pub mod judge;
pub mod load;
pub mod oracle;
pub mod report;
pub mod respond;
pub mod run_cmd;
pub mod runner;
pub mod sample;
pub mod scenario;
pub mod sp_cmd;

/// Prints a line to stdout, ignoring a closed pipe: a server's banner must not kill the server
/// when whoever started it stops reading.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// An error in what the user asked for (flags, config or scenario file): exit status 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);
