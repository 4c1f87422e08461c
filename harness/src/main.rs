//! saml-harness: a SAML 2.0 conformance and testing harness for Microsoft Entra ID integrations.

mod idp_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit status for a usage or configuration error (the run could not start).
const EXIT_USAGE: u8 = 2;
/// Exit status for a failure while running.
const EXIT_FAILURE: u8 = 1;

#[derive(Parser)]
#[command(
    name = "saml-harness",
    version,
    about = "SAML 2.0 conformance and testing harness for Microsoft Entra ID integrations",
    after_help = "EXAMPLES:\n    saml-harness idp serve                      # mock Entra IdP on http://127.0.0.1:7080\n    saml-harness idp metadata > idp.xml         # the app's signed federation metadata\n    saml-harness idp response --acs https://sp.test/acs --base64\n\nEXIT STATUS:\n    0 success, 1 failure while running, 2 usage or configuration error"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The mock Microsoft Entra ID IdP: serve it, or print what it would send.
    #[command(subcommand)]
    Idp(idp_cmd::IdpCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Idp(cmd) => idp_cmd::run(cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(if e.is::<UsageError>() {
                EXIT_USAGE
            } else {
                EXIT_FAILURE
            })
        }
    }
}

/// An error in what the user asked for (flags, config file): exit status 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);
