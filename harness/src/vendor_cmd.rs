//! `saml-harness vendor list|show`: the bundled vendor profiles.

use anyhow::Result;
use clap::{Args, Subcommand};

use crate::vendor::{self, Flow, Profile};
use crate::{say, UsageError};

/// A customer's values for a profile's placeholders: `--set` and a `--values` file.
#[derive(Args)]
pub struct ValueArgs {
    /// Fill a placeholder of the vendor profile (repeatable), e.g. --set CUSTOMERNAME=acme;
    /// wins over --values.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_set)]
    set: Vec<(String, String)>,
    /// A YAML file of placeholder values (`CUSTOMERNAME: acme`, one per line).
    #[arg(long, value_name = "FILE")]
    values: Option<std::path::PathBuf>,
}

impl ValueArgs {
    /// Whether any value was given.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.values.is_none()
    }

    /// The values: the file's first, then each --set.
    pub fn resolve(&self) -> Result<Vec<(String, String)>, vendor::ProfileError> {
        let mut out: Vec<(String, String)> = match &self.values {
            None => Vec::new(),
            Some(path) => vendor::read_values(path)?,
        };
        out.extend(self.set.iter().cloned());
        Ok(out)
    }
}

/// `--set KEY=VALUE`.
pub fn parse_set(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.to_owned())),
        _ => Err(format!(
            "{s:?} is not KEY=VALUE; hint: e.g. --set CUSTOMERNAME=acme"
        )),
    }
}

/// `vendor`'s subcommands.
#[derive(Subcommand)]
pub enum VendorCommand {
    /// List the bundled vendor profiles.
    List,
    /// Print how a vendor is set up in Entra (the guide as data), filled in with --set values.
    #[command(
        after_help = "EXAMPLES:\n    saml-harness vendor show mixpanel --set ORG_ID=42\n    saml-harness vendor show numlyengage --values acme-numly.yaml\n    saml-harness vendor show pymetrics --set CUSTOMERNAME=acme --json"
    )]
    Show(ShowArgs),
}

/// `vendor show`'s arguments.
#[derive(Args)]
pub struct ShowArgs {
    /// A bundled profile's name, or a profile file.
    #[arg(value_name = "NAME|FILE")]
    name: String,
    #[command(flatten)]
    values: ValueArgs,
    /// Print the profile as JSON instead of the setup steps.
    #[arg(long)]
    json: bool,
}

/// Runs a `vendor` subcommand.
pub fn run(cmd: VendorCommand) -> Result<()> {
    match cmd {
        VendorCommand::List => {
            for name in vendor::bundled_names() {
                let p = vendor::load(name).map_err(|e| UsageError(e.to_string()))?;
                say!("{:<14} {} ({})", p.name, p.title, p.guide);
            }
        }
        VendorCommand::Show(args) => {
            let p = vendor::load(&args.name)
                .and_then(|p| p.fill(&args.values.resolve()?))
                .map_err(|e| UsageError(e.to_string()))?;
            if args.json {
                say!("{}", serde_json::to_string_pretty(&p)?);
            } else {
                say!("{}", describe(&p));
            }
        }
    }
    Ok(())
}

/// The setup as the portal asks for it, in order.
pub fn describe(p: &Profile) -> String {
    let mut s = format!("{}\n  guide: {}\n", p.title, p.guide);
    let flows: Vec<&str> = p
        .flows
        .iter()
        .map(|f| match f {
            Flow::Sp => "SP-initiated",
            Flow::Idp => "IdP-initiated",
        })
        .collect();
    s.push_str(&format!("  sign-in: {}\n", flows.join(", ")));
    s.push_str(&format!("  provisioning: {}\n", p.provisioning.describe()));
    if let Some(u) = &p.scim_url {
        s.push_str(&format!("  SCIM Tenant URL: {u}\n"));
    }
    if !p.scim_attributes.is_empty() {
        s.push_str(&format!(
            "  SCIM user mapping: {} (try it: saml-harness scim --vendor {} --base-url URL --token T)\n",
            p.scim_attributes.join(", "),
            p.name
        ));
    }
    s.push_str("\nBasic SAML Configuration\n");
    let unset = "(as the gallery app fills it in)".to_owned();
    s.push_str(&format!(
        "  Identifier (Entity ID)  {}\n",
        p.identifier.as_ref().unwrap_or(&unset)
    ));
    s.push_str(&format!(
        "  Reply URL               {}\n",
        p.reply_url.as_ref().unwrap_or(&unset)
    ));
    s.push_str(&format!(
        "  Sign on URL             {}\n",
        p.sign_on_url.as_ref().unwrap_or(&unset)
    ));
    s.push_str("\nAttributes & Claims\n");
    match p.name_id_format {
        Some(f) => s.push_str(&format!(
            "  Name ID format          {} ({})\n",
            f.0.name(),
            f.0.uri()
        )),
        None => s.push_str("  Name ID format          (the default)\n"),
    }
    if let Some(a) = &p.account.attribute {
        s.push_str(&format!("  the account is found by claim '{a}'\n"));
    }
    for c in &p.claims {
        s.push_str(&format!(
            "  claim {:<18} source {:<24} namespace {}{}\n",
            c.name,
            c.source,
            if c.namespace.is_empty() {
                "(empty: clear the field)"
            } else {
                &c.namespace
            },
            if c.required { "" } else { "  (optional)" }
        ));
    }
    s.push_str(&format!(
        "\nSAML Certificates\n  give {} the {}\n",
        p.title,
        p.certificate.label()
    ));
    if !p.notes.is_empty() {
        s.push_str("\nNotes\n");
        for n in &p.notes {
            s.push_str(&format!("  - {n}\n"));
        }
    }
    let left = p.unfilled();
    if !left.is_empty() {
        s.push_str(&format!(
            "\nplaceholders left: {} (fill them with --set KEY=VALUE)\n",
            left.join(", ")
        ));
    }
    s.trim_end().to_owned()
}
