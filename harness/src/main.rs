//! The `saml-harness` command line: parses arguments and hands them to the library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use saml_harness::{
    check_cmd, conformance_cmd, fuzz_cmd, idp_cmd, load, run_cmd, scim_cmd, sp_cmd, validate_cmd,
    vendor_cmd, UsageError,
};

/// Exit status for a usage or configuration error (the run could not start).
const EXIT_USAGE: u8 = 2;
/// Exit status for a failure while running.
const EXIT_FAILURE: u8 = 1;

#[derive(Parser)]
#[command(
    name = "saml-harness",
    version,
    about = "SAML 2.0 conformance and testing harness for Microsoft Entra ID integrations",
    after_help = "EXAMPLES:\n    saml-harness demo                           # mock IdP + reference SP + the example scenarios\n    saml-harness validate my-sp.yaml           # check a scenario and the SP it names, no login\n    saml-harness check --vendor mixpanel --set ORG_ID=42 --config tenant.yaml  # before any login\n    saml-harness run scenarios/examples/        # judge an SP (set SP_URL first)\n    saml-harness conformance --reference-sp     # the whole catalogue against the bundled SP\n    saml-harness fuzz --reference-sp --max-cases 500  # composed edits, judged the same way\n    saml-harness scim --reference-sp --dialect both   # Entra's SCIM provisioning, replayed\n    saml-harness idp serve                      # mock Entra IdP on http://127.0.0.1:7080\n    saml-harness sp serve --flaw replay         # reference SP on port 7081, one check off\n    saml-harness idp response --acs https://sp.test/acs --base64\n\nEXIT STATUS:\n    0 success (every case met its expectation), 1 failure while running or a case that did\n    not, 2 usage or configuration error"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenario files against an SP and judge it.
    Run(run_cmd::RunArgs),
    /// Check scenario files and what they point at, without logging in (a dry run).
    Validate(validate_cmd::ValidateArgs),
    /// Explain a misconfiguration between an Entra app and an SP before anyone signs in.
    Check(check_cmd::CheckArgs),
    /// The bundled vendor profiles (setup guides as data): list them, show one.
    #[command(subcommand)]
    Vendor(vendor_cmd::VendorCommand),
    /// Run the conformance catalogue against an SP: good login, control, every check.
    Conformance(Box<conformance_cmd::ConformanceArgs>),
    /// Fuzz an SP's ACS with chains of primitive edits of the IdP's signed response.
    Fuzz(Box<fuzz_cmd::FuzzArgs>),
    /// Start the mock IdP and the reference SP and run the example scenarios against them.
    Demo(run_cmd::DemoArgs),
    /// Replay Entra's SCIM provisioning against an SP's SCIM endpoint and judge each step.
    Scim(scim_cmd::ScimArgs),
    /// Load an SP's ACS with logins and measure logins/s and latency.
    Load(load::LoadArgs),
    /// The mock Microsoft Entra ID IdP: serve it, or print what it would send.
    #[command(subcommand)]
    Idp(idp_cmd::IdpCommand),
    /// The bundled reference SP (a careful SP whose checks can be switched off).
    #[command(subcommand)]
    Sp(SpCommand),
}

#[derive(Subcommand)]
enum SpCommand {
    /// Serve the reference SP over HTTP.
    Serve(sp_cmd::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Checks and fuzz cases break signatures on purpose, and the verdicts say what failed:
    // libxmlsec1's error dumps on stderr would only bury them.
    attacks::crypto::quiet_xmlsec_errors();
    let result = match cli.command {
        Command::Run(args) => run_cmd::run(args),
        Command::Validate(args) => validate_cmd::validate(args),
        Command::Check(args) => check_cmd::run(args),
        Command::Vendor(cmd) => vendor_cmd::run(cmd).map(|()| ExitCode::SUCCESS),
        Command::Conformance(args) => conformance_cmd::run(*args),
        Command::Fuzz(args) => fuzz_cmd::run(*args),
        Command::Demo(args) => run_cmd::demo(args),
        Command::Scim(args) => scim_cmd::run(args),
        Command::Load(args) => load::load(args),
        Command::Idp(cmd) => idp_cmd::run(cmd).map(|()| ExitCode::SUCCESS),
        Command::Sp(SpCommand::Serve(args)) => sp_cmd::serve(args).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
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

#[cfg(test)]
mod tests {
    /// Every line of every command's closing help text fits the 100 columns clap wraps help
    /// at, so no example is split where a copy-paste would break it.
    #[test]
    fn help_texts_fit_without_wrapping() {
        use clap::CommandFactory as _;
        fn walk(cmd: &clap::Command, path: &str, long: &mut Vec<String>) {
            for text in [cmd.get_after_help(), cmd.get_after_long_help()]
                .into_iter()
                .flatten()
            {
                for line in text.to_string().lines() {
                    if line.chars().count() > 100 {
                        long.push(format!("{path}: {line}"));
                    }
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), long);
            }
        }
        let mut long = Vec::new();
        walk(&super::Cli::command(), "saml-harness", &mut long);
        assert!(long.is_empty(), "{}", long.join("\n"));
    }
}
