//! `saml-harness sp serve`: the bundled reference SP, optionally with flaws.

use std::net::SocketAddr;

use anyhow::{Context, Result};
use clap::Args;
use reference_sp::scim::{ScimConfig, ScimFlaw, ScimState};
use reference_sp::server::{app, Requirements, SpConfig, SpState};
use reference_sp::trust::{IdpTrust, MetadataFile};
use reference_sp::{Flaw, Flaws};

use crate::{say, UsageError};

/// The reference SP's default listen address: loopback only.
pub const DEFAULT_SP_LISTEN: &str = "127.0.0.1:7081";

fn flaw_help() -> String {
    let mut s = String::from("ENDPOINTS:\n");
    for line in reference_sp::server::endpoints_text().lines() {
        s.push_str(&format!("    {line}\n"));
    }
    s.push_str(&format!(
        "    Request headers must arrive within {} s.\n",
        mock_idp::serve::HEADER_TIMEOUT.as_secs()
    ));
    s.push_str("\nFLAWS (each turns off one check or emulates one published bug):\n");
    let width = Flaw::ALL.iter().map(|f| f.name().len()).max().unwrap_or(0);
    for f in Flaw::ALL {
        s.push_str(&crate::hanging(f.name(), width, f.describe()));
    }
    s.push_str(
        "\nSCIM FLAWS (with --scim-token; each is caught by a step of `saml-harness scim`):\n",
    );
    let width = ScimFlaw::ALL
        .iter()
        .map(|f| f.name().len())
        .max()
        .unwrap_or(0);
    for f in ScimFlaw::ALL {
        s.push_str(&crate::hanging(f.name(), width, f.describe()));
    }
    s.push_str(concat!(
        "\nEXAMPLES:\n",
        "    saml-harness sp serve\n",
        "    saml-harness sp serve --flaw audience --flaw replay --listen 127.0.0.1:0\n",
        "    saml-harness sp serve --scim-token s3cret\n",
        "    saml-harness scim --base-url http://127.0.0.1:7081/scim/v2 --token s3cret  # drive it\n",
        "    saml-harness idp metadata > idp.xml && saml-harness sp serve --idp-metadata idp.xml\n",
        "    # then a scenario's reload_idp_metadata: cp {metadata} idp.new && mv idp.new idp.xml\n",
        "    saml-harness sp serve --trivial-acs --listen 127.0.0.1:7082\n",
        "    saml-harness load SCENARIO --acs-only     # measure the harness against it\n",
        "    META=http://127.0.0.1:7080/contoso.com/federationmetadata/2007-06/federationmetadata.xml\n",
        "    saml-harness sp serve --idp-metadata \"$META?appid=5e8f7a6b-1c2d-4e3f-8a9b-0c1d2e3f4a5b\""
    ));
    s
}

#[derive(Args)]
#[command(after_help = flaw_help())]
pub struct ServeArgs {
    /// Address to listen on; binding beyond loopback must be asked for explicitly.
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_SP_LISTEN, value_parser = crate::parse_listen)]
    listen: SocketAddr,
    /// The IdP's federation metadata (URL or file); default: the built-in mock IdP at
    /// http://127.0.0.1:7080. A file is read again whenever it changes (checked on every
    /// request), so a scenario's `sp.reload_idp_metadata: cp {metadata} NEW && mv NEW FILE`
    /// re-keys the SP; metadata it cannot use leaves it trusting no key.
    #[arg(long, value_name = "URL|FILE")]
    idp_metadata: Option<String>,
    /// Turn off one check (repeatable); see FLAWS below.
    #[arg(long, value_name = "NAME", value_parser = parse_flaw)]
    flaw: Vec<Flaw>,
    /// The base URL browsers reach the SP at (default: http://LISTEN-ADDRESS).
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Only this account exists (repeatable; the NameID, or the --identity-attribute value):
    /// others are refused, as an SP with manual provisioning does. Default: anyone the IdP
    /// vouches for (just-in-time).
    #[arg(long, value_name = "UPN")]
    user: Vec<String>,
    /// The SP's entity ID (default: BASE-URL/saml/metadata), e.g. a vendor's fixed Identifier.
    #[arg(
        long,
        value_name = "ID",
        help_heading = "Requirements (a vendor's stand-in)"
    )]
    entity_id: Option<String>,
    /// Sign in the account named by this attribute (exact name) instead of the NameID; a login
    /// without it is refused (Mixpanel: email).
    #[arg(
        long,
        value_name = "NAME",
        help_heading = "Requirements (a vendor's stand-in)"
    )]
    identity_attribute: Option<String>,
    /// Refuse a login that lacks this attribute (exact name; repeatable).
    #[arg(
        long,
        value_name = "NAME",
        help_heading = "Requirements (a vendor's stand-in)"
    )]
    require_attribute: Vec<String>,
    /// Refuse a NameID of another format (emailAddress, persistent, transient, unspecified).
    #[arg(long, value_name = "FORMAT", value_parser = parse_name_id_format, help_heading = "Requirements (a vendor's stand-in)")]
    name_id_format: Option<mock_idp::config::NameIdFormat>,
    /// Take IdP-initiated sign-ins (My Apps): a response with no InResponseTo is welcome (one
    /// answering a request this SP never sent is still refused).
    #[arg(long, help_heading = "Requirements (a vendor's stand-in)")]
    idp_initiated: bool,
    /// Sign out at the IdP too: /logout of a session sends a LogoutRequest for its NameID to
    /// the IdP's sign-in URL (Entra's sign-out URL), RelayState the `next` address.
    #[arg(long, help_heading = "Requirements (a vendor's stand-in)")]
    single_logout: bool,
    /// Serve a SCIM 2.0 endpoint at /scim/v2 that requires this bearer token (users and groups
    /// in memory; drive it with `saml-harness scim`). Only users provisioned there and active
    /// (and --user accounts) may then sign in.
    #[arg(long, value_name = "TOKEN", help_heading = "SCIM provisioning")]
    scim_token: Option<String>,
    /// Check nothing at the ACS: sign in the first NameID read. A sink for measuring `load`
    /// and `fuzz` themselves; every forgery passes it.
    #[arg(long, conflicts_with_all = ["flaw", "user", "identity_attribute", "require_attribute", "name_id_format", "scim_token"], help_heading = "Measuring")]
    trivial_acs: bool,
    /// Switch on one SCIM flaw (repeatable; see SCIM FLAWS below).
    #[arg(long, value_name = "NAME", value_parser = crate::scim_cmd::parse_scim_flaw, requires = "scim_token", help_heading = "SCIM provisioning")]
    scim_flaw: Vec<reference_sp::scim::ScimFlaw>,
}

fn parse_name_id_format(s: &str) -> Result<mock_idp::config::NameIdFormat, String> {
    mock_idp::config::NameIdFormat::from_name(s).ok_or_else(|| {
        format!(
            "unknown NameID format {s:?}; known: emailAddress, persistent, transient, unspecified"
        )
    })
}

fn parse_flaw(s: &str) -> Result<Flaw, String> {
    Flaw::from_name(s).ok_or_else(|| {
        format!(
            "unknown flaw {s:?}; known: {}",
            Flaw::ALL.map(Flaw::name).join(", ")
        )
    })
}

/// Reads IdP metadata from a URL or a file, or builds the built-in mock IdP's.
async fn idp_metadata(source: Option<&str>) -> Result<String> {
    Ok(match source {
        None => {
            let idp = mock_idp::idp::Idp::new(mock_idp::config::Config::builtin());
            let app = &idp.config.apps[0];
            mock_idp::metadata::app_metadata(&idp.config.tenant, "http://127.0.0.1:7080", app)?
        }
        Some(u) if u.starts_with("http://") || u.starts_with("https://") => {
            let client = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()?;
            client
                .get(u)
                .send()
                .await
                .and_then(|r| r.error_for_status())
                .with_context(|| format!("cannot fetch IdP metadata from {u}"))?
                .text()
                .await?
        }
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| UsageError(format!("cannot read IdP metadata {path:?}: {e}")))?,
    })
}

/// The metadata's file, when `source` names one (not a URL, not the built-in default).
fn metadata_path(source: Option<&str>) -> Option<&str> {
    source.filter(|s| !s.starts_with("http://") && !s.starts_with("https://"))
}

/// Runs `sp serve` until Ctrl-C.
pub fn serve(args: ServeArgs) -> Result<()> {
    crate::runtime::block_on(async move {
        let source = args.idp_metadata.as_deref();
        let xml = idp_metadata(source).await?;
        let idp = IdpTrust::from_metadata(&xml).map_err(|e| UsageError(e.to_string()))?;
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| {
                UsageError(format!(
                    "cannot listen on {}: {e}; hint: pick a free port with --listen 127.0.0.1:0",
                    args.listen
                ))
            })?;
        let base_url = args
            .base_url
            .unwrap_or(format!("http://{}", listener.local_addr()?));
        let flaws: Flaws = args.flaw.into_iter().collect();
        let config = SpConfig {
            base_url: base_url.clone(),
            idp,
            flaws,
            users: args.user.clone(),
            needs: Requirements {
                entity_id: args.entity_id.clone(),
                identity_attribute: args.identity_attribute.clone(),
                attributes: args.require_attribute.clone(),
                name_id_format: args.name_id_format.map(|f| f.uri().to_owned()),
                idp_initiated: args.idp_initiated,
                single_logout: args.single_logout,
            },
            trivial_acs: args.trivial_acs,
        };
        say!("reference SP listening on {base_url}");
        say!("  sign-on URL      {base_url}/login");
        say!("  entity ID        {}", config.entity_id());
        say!("  ACS              {}", config.acs_url());
        say!("  protected page   {base_url}/me");
        say!(
            "  trusts IdP       {} (SSO at {})",
            config.idp.entity_id,
            config.idp.sso_url
        );
        if config.trivial_acs {
            say!("  ACS checks       NOTHING (--trivial-acs: the first NameID read signs in; a sink for measuring, not an SP to judge)");
        }
        let flaw_names: Vec<&str> = config.flaws.iter().map(|f| f.name()).collect();
        say!(
            "  flaws            {}",
            if flaw_names.is_empty() {
                "none".to_owned()
            } else {
                flaw_names.join(", ")
            }
        );
        let n = &config.needs;
        let mut needs: Vec<String> = n
            .attributes
            .iter()
            .map(|a| format!("attribute {a:?}"))
            .collect();
        if let Some(a) = &n.identity_attribute {
            needs.push(format!("the account from attribute {a:?}"));
        }
        if let Some(f) = &n.name_id_format {
            needs.push(format!("NameID Format {f}"));
        }
        if !config.users.is_empty() {
            needs.push(format!("an existing account ({})", config.users.join(", ")));
        }
        if !needs.is_empty() {
            say!("  requires         {}", needs.join("; "));
        }
        let mut state = SpState::new(config);
        if let Some(path) = metadata_path(source) {
            say!("  re-reads         {path} when it changes");
            state = state.with_metadata_file(MetadataFile::new(path.into(), &xml));
        }
        let mut scim_router = None;
        if let Some(token) = args.scim_token {
            say!("  SCIM             {base_url}/scim/v2 (bearer token required)");
            let flaws: Vec<&str> = args.scim_flaw.iter().map(|f| f.name()).collect();
            if !flaws.is_empty() {
                say!("  SCIM flaws       {}", flaws.join(", "));
            }
            let scim = ScimState::new(ScimConfig {
                token,
                flaws: args.scim_flaw,
            });
            state = state.with_scim(scim.clone());
            scim_router = Some(reference_sp::scim::app(scim));
        }
        let mut router = app(state);
        if let Some(scim) = scim_router {
            router = router.nest("/scim/v2", scim);
        }
        say!("press Ctrl-C to stop");
        mock_idp::serve::serve(listener, router, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
        Ok(())
    })
}
