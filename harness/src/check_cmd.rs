//! `saml-harness check`: explains a misconfiguration between an Entra app and an SP before
//! anyone signs in.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use mock_idp::config::Config;

use crate::check::{check, Finding, HeldCertificate, Inputs, Severity, SpFacts};
use crate::scenario::MetadataSource;
use crate::{say, vendor, UsageError};

const CHECK_HELP: &str = "WHAT IT COMPARES:
    The SP side (a vendor profile, the SP's metadata, the certificate file the SP was given)
    with the Entra side (a mock-idp config: the same YAML transcribes a real Entra app):
    Identifier and Reply URL (AADSTS700016, AADSTS50011), placeholders left in, http Reply URLs,
    claims missing, misnamed or under a namespace the SP does not expect, the NameID format,
    signing and encryption, the certificate (expired, expiring within 60 days, the wrong
    download, not the app's active one), and what provisioning needs done first.

EXIT STATUS:
    0 no error-severity finding, 1 at least one, 2 usage error

EXAMPLES:
    saml-harness vendor list
    saml-harness check --vendor mixpanel --set ORG_ID=42 --config my-tenant.yaml
    saml-harness check --vendor mixpanel --set ORG_ID=42 --config my-tenant.yaml \\
      --cert 'Contoso.xml'
    saml-harness check --sp-metadata https://sp.example.com/saml/metadata \\
      --config my-tenant.yaml --app 'My App' --json";

/// `check`'s arguments.
#[derive(Args)]
#[command(after_help = CHECK_HELP)]
pub struct CheckArgs {
    /// A vendor profile: a bundled name (see `saml-harness vendor list`) or a profile file.
    #[arg(long, value_name = "NAME|FILE")]
    vendor: Option<String>,
    #[command(flatten)]
    values: crate::vendor_cmd::ValueArgs,
    /// The SP's metadata: a URL (fetched within 10 s and 2 MiB) or a file.
    #[arg(long, value_name = "URL|FILE")]
    sp_metadata: Option<String>,
    /// The Entra side: a mock-idp config that transcribes the app (see README "mock-idp
    /// configuration").
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// The app in the config, by name or application id (default: the first).
    #[arg(long, value_name = "NAME")]
    app: Option<String>,
    /// The certificate file the SP was given: a .cer/.pem, or a federation metadata .xml.
    #[arg(long, value_name = "FILE")]
    cert: Option<PathBuf>,
    /// Print the findings as JSON: {"findings": [{"id", "severity", "message", "symptom", "fix"}]}.
    #[arg(long)]
    json: bool,
}

/// Runs `check`.
pub fn run(args: CheckArgs) -> Result<ExitCode> {
    if args.vendor.is_none() && args.sp_metadata.is_none() {
        return Err(UsageError(
            "check needs the SP side: --vendor NAME and/or --sp-metadata URL|FILE; hint: `saml-harness vendor list` names the bundled vendors".into(),
        )
        .into());
    }
    if !args.values.is_empty() && args.vendor.is_none() {
        return Err(UsageError(
            "--set and --values fill a vendor profile's placeholders: give --vendor too".into(),
        )
        .into());
    }
    let profile = match &args.vendor {
        None => None,
        Some(v) => Some(
            vendor::load(v)
                .and_then(|p| p.fill(&args.values.resolve()?))
                .map_err(|e| UsageError(e.to_string()))?,
        ),
    };
    let config = Config::load(&args.config).map_err(|e| UsageError(e.to_string()))?;
    let app = config.app(args.app.as_deref()).ok_or_else(|| {
        UsageError(format!(
            "no application {:?} in {}; hint: it has {}",
            args.app.as_deref().unwrap_or_default(),
            args.config.display(),
            config
                .apps
                .iter()
                .map(|a| format!("'{}'", a.name))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let sp = match &args.sp_metadata {
        None => None,
        Some(s) => {
            let source = if s.starts_with("http://") || s.starts_with("https://") {
                MetadataSource::Url(s.clone())
            } else {
                MetadataSource::File(PathBuf::from(s))
            };
            let runtime = tokio::runtime::Runtime::new()?;
            let xml = runtime
                .block_on(crate::runner::read_metadata(
                    &source,
                    "SP",
                    Default::default(),
                ))
                .map_err(UsageError)?;
            Some(SpFacts::from_metadata(&xml).map_err(UsageError)?)
        }
    };
    let held = match &args.cert {
        None => None,
        Some(p) => {
            let bytes = std::fs::read(p)
                .map_err(|e| UsageError(format!("cannot read --cert {}: {e}", p.display())))?;
            Some(HeldCertificate::read(&p.display().to_string(), &bytes).map_err(UsageError)?)
        }
    };
    let findings = check(&Inputs {
        profile: profile.as_ref(),
        sp: sp.as_ref(),
        app,
        held: held.as_ref(),
        now: time::OffsetDateTime::now_utc(),
    });
    if args.json {
        say!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "findings": findings }))?
        );
    } else {
        let against = profile
            .as_ref()
            .map_or_else(|| "the SP's metadata".to_owned(), |p| p.title.clone());
        say!("{}", render(&findings, &against, &app.name));
    }
    Ok(if findings.iter().any(|f| f.severity == Severity::Error) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The findings for a person: one block each, then a count.
pub fn render(findings: &[Finding], against: &str, app: &str) -> String {
    let mut out = format!("check: Entra app '{app}' against {against}\n");
    for f in findings {
        out.push_str(&format!(
            "\n{}[{}]: {}\n  at login: {}\n  fix: {}\n",
            f.severity.name(),
            f.id,
            f.message,
            f.symptom,
            f.fix
        ));
    }
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    out.push_str(&format!(
        "\n{} error(s), {} warning(s), {} note(s)",
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note)
    ));
    out
}
