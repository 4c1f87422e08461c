//! `saml-harness idp …`: serve the mock Entra IdP or print what it would send.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Result;
use base64::Engine;
use clap::{Args, Subcommand, ValueEnum};
use mock_idp::config::{App, Config};
use mock_idp::idp::Idp;
use mock_idp::response::{SignWhat, Signing};
use mock_idp::server::{self, IdpState};
use mock_idp::sign::Algorithm;

use crate::{say, UsageError};

/// The default listen address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7080";

#[derive(Args)]
pub struct ConfigArgs {
    /// Tenant, users and applications (YAML); without it, the built-in config
    /// (tenant contoso.com, user B.Simon, one app; see fixtures/config/default.yaml).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Application by name or app id (default: the first one).
    #[arg(long, value_name = "NAME")]
    app: Option<String>,
}

impl ConfigArgs {
    fn load(&self) -> Result<Idp> {
        let config = match &self.config {
            Some(path) => Config::load(path).map_err(|e| UsageError(e.to_string()))?,
            None => Config::builtin(),
        };
        if self.app.is_some() && config.app(self.app.as_deref()).is_none() {
            let names: Vec<&str> = config.apps.iter().map(|a| a.name.as_str()).collect();
            return Err(UsageError(format!(
                "no application {:?}; hint: the config has {names:?}",
                self.app.as_deref().unwrap_or_default()
            ))
            .into());
        }
        Ok(Idp::new(config))
    }

    fn app<'a>(&self, idp: &'a Idp) -> &'a App {
        // `load` checked the name; the config always has at least one app.
        idp.config
            .app(self.app.as_deref())
            .unwrap_or(&idp.config.apps[0])
    }
}

#[derive(Subcommand)]
pub enum IdpCommand {
    /// Serve the mock IdP over HTTP and print its URLs and test user.
    #[command(
        after_help = "LIMITS:\n    SAMLRequest parameter: 64 KiB encoded, 256 KiB of XML after inflating; request body: 256 KiB;\n    request headers must arrive within 10 s.\n    A Redirect-binding URL longer than 65,534 bytes after percent-encoding is refused by the\n    HTTP layer (414, no page): send large requests by HTTP-POST.\n    DTDs in requests are refused (no entity expansion, nothing fetched).\n\nEXAMPLES:\n    saml-harness idp serve\n    saml-harness idp serve --config tenant.yaml --listen 127.0.0.1:0\n    saml-harness idp serve --tls        # https://127.0.0.1:7080, certificate from a local test CA\n    META=https://127.0.0.1:7080/contoso.com/federationmetadata/2007-06/federationmetadata.xml\n    SSL_CERT_FILE=~/.local/share/saml-harness/tls/ca.pem saml-harness sp serve \\\n      --idp-metadata \"$META?appid=5e8f7a6b-1c2d-4e3f-8a9b-0c1d2e3f4a5b\""
    )]
    Serve {
        #[command(flatten)]
        config: ConfigArgs,
        /// Address to listen on; binding beyond loopback must be asked for explicitly.
        #[arg(long, value_name = "ADDR", default_value = DEFAULT_LISTEN, value_parser = crate::parse_listen)]
        listen: SocketAddr,
        /// The base URL SPs reach the server at (default: http(s)://LISTEN-ADDRESS).
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        #[command(flatten)]
        tls: TlsArgs,
        #[command(flatten)]
        graph: GraphArgs,
    },
    /// Print the app's signed federation metadata XML.
    #[command(
        after_help = "EXAMPLES:\n    saml-harness idp metadata --base-url http://127.0.0.1:7080 > idp-metadata.xml"
    )]
    Metadata {
        #[command(flatten)]
        config: ConfigArgs,
        /// The base URL the endpoints are listed under.
        #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:7080")]
        base_url: String,
    },
    /// Print the app's active signing certificate, as Entra's downloads.
    #[command(
        after_help = "EXAMPLES:\n    saml-harness idp cert --format pem > idp.pem\n    saml-harness idp cert --format raw > idp.cer"
    )]
    Cert {
        #[command(flatten)]
        config: ConfigArgs,
        /// pem: PEM certificate; base64: Certificate (Base64) .cer (CRLF); raw: Certificate (Raw), DER.
        #[arg(long, value_enum, default_value_t = CertFormat::Pem)]
        format: CertFormat,
    },
    /// Print one signed Response as the IdP would post it (for SP unit tests).
    #[command(
        after_help = "EXAMPLES:\n    saml-harness idp response --acs https://sp.test/saml/acs --in-response-to _abc123\n    saml-harness idp response --sign both --alg sha1 --base64"
    )]
    Response {
        #[command(flatten)]
        config: ConfigArgs,
        /// User principal name (default: the config's default user, B.Simon).
        #[arg(long, value_name = "UPN")]
        user: Option<String>,
        /// Destination / Recipient; overrides the app's default Reply URL (not checked against the list).
        #[arg(long, value_name = "URL")]
        acs: Option<String>,
        /// The AuthnRequest ID to answer (default: none, as IdP-initiated).
        #[arg(long, value_name = "ID")]
        in_response_to: Option<String>,
        /// What to sign (default: the app's signing option).
        #[arg(long, value_enum)]
        sign: Option<SignArg>,
        /// Signature algorithm (default: the app's).
        #[arg(long, value_enum)]
        alg: Option<AlgArg>,
        /// Print base64, as the SAMLResponse form field carries it.
        #[arg(long)]
        base64: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum CertFormat {
    Pem,
    Base64,
    Raw,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SignArg {
    Assertion,
    Response,
    Both,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum AlgArg {
    Sha256,
    Sha1,
}

/// Runs one `idp` subcommand.
pub fn run(cmd: IdpCommand) -> Result<()> {
    match cmd {
        IdpCommand::Serve {
            config,
            listen,
            base_url,
            tls,
            graph,
        } => serve(&config, listen, base_url, &tls, &graph),
        IdpCommand::Metadata { config, base_url } => {
            let idp = config.load()?;
            let app = config.app(&idp);
            let xml = mock_idp::metadata::app_metadata(&idp.config.tenant, &base_url, app)?;
            say!("{xml}");
            Ok(())
        }
        IdpCommand::Cert { config, format } => {
            let idp = config.load()?;
            let cert = config.app(&idp).active_cert();
            let mut out = std::io::stdout().lock();
            match format {
                CertFormat::Pem => out.write_all(cert.pem().as_bytes())?,
                CertFormat::Base64 => out.write_all(cert.base64_cer().as_bytes())?,
                CertFormat::Raw => out.write_all(cert.der())?,
            }
            Ok(())
        }
        IdpCommand::Response {
            config,
            user,
            acs,
            in_response_to,
            sign,
            alg,
            base64,
        } => {
            let idp = config.load()?;
            let app = config.app(&idp);
            let user = idp.config.user(user.as_deref()).ok_or_else(|| {
                UsageError(format!(
                    "no user {:?}; hint: use a `upn` from the config's users",
                    user.unwrap_or_default()
                ))
            })?;
            let acs = acs.unwrap_or_else(|| app.default_reply_url.clone());
            let login = idp.login_response(
                app,
                user,
                &acs,
                in_response_to.as_deref(),
                None,
                time::OffsetDateTime::now_utc(),
            );
            let signing = Signing {
                cert: app.active_cert(),
                algorithm: match alg {
                    None => app.algorithm,
                    Some(AlgArg::Sha256) => Algorithm::Sha256,
                    Some(AlgArg::Sha1) => Algorithm::Sha1,
                },
                what: match sign {
                    None => app.sign,
                    Some(SignArg::Assertion) => SignWhat::Assertion,
                    Some(SignArg::Response) => SignWhat::Response,
                    Some(SignArg::Both) => SignWhat::Both,
                },
            };
            let xml = login.to_xml(Some(signing))?;
            if base64 {
                say!("{}", base64::engine::general_purpose::STANDARD.encode(xml));
            } else {
                say!("{xml}");
            }
            Ok(())
        }
    }
}

/// The app registration `--graph` serves when none is given (a test value, loopback only).
pub const DEFAULT_GRAPH_CLIENT: &str = "6b7f3c5e-2d1a-4e8b-9c0d-1f2e3a4b5c6d";
/// Its secret.
pub const DEFAULT_GRAPH_SECRET: &str = "mock~graph~secret~0123456789";
/// The application permissions it is granted by default.
pub const DEFAULT_GRAPH_ROLES: &str =
    "User.ReadWrite.All,Group.ReadWrite.All,GroupMember.ReadWrite.All,Organization.Read.All";

/// `idp serve`'s Microsoft Graph options.
#[derive(clap::Args)]
#[command(next_help_heading = "MICROSOFT GRAPH")]
pub struct GraphArgs {
    /// Also serve Microsoft Graph (`/v1.0`: users, licences, groups) and the token endpoint
    /// (`/{tenant}/oauth2/v2.0/token`) over the same directory: users created there sign in
    /// over SAML. Microsoft's SDKs need https: add --tls.
    #[arg(long)]
    graph: bool,
    /// The app registration allowed to get tokens, as CLIENT_ID:SECRET.
    #[arg(long, value_name = "CLIENT_ID:SECRET", requires = "graph", default_value_t = format!("{DEFAULT_GRAPH_CLIENT}:{DEFAULT_GRAPH_SECRET}"))]
    graph_client: String,
    /// Its granted application permissions, comma-separated (a call needing another is 403).
    #[arg(long, value_name = "ROLES", requires = "graph", default_value = DEFAULT_GRAPH_ROLES)]
    graph_roles: String,
    /// Seats of Microsoft Teams Exploratory (skuId 710779e8-…) the tenant holds.
    #[arg(long, value_name = "N", requires = "graph", default_value_t = 100)]
    graph_seats: u32,
    /// Another subscription the tenant holds, as PART_NUMBER:SKU_ID:SEATS (repeatable), e.g.
    /// ENTERPRISEPACK:6fd2c87f-b296-42f0-b197-1e91e994b900:25 (Office 365 E3).
    #[arg(long, value_name = "PART:SKU_ID:SEATS", requires = "graph", value_parser = parse_sku)]
    graph_sku: Vec<mock_idp::graph::Sku>,
    /// Allow public client flows: the password grant without the client secret.
    #[arg(long, requires = "graph")]
    graph_public_client: bool,
    /// Answer every Nth Graph request with 429 and Retry-After: 1 (throttling on demand).
    #[arg(long, value_name = "N", requires = "graph")]
    graph_throttle_every: Option<u64>,
}

impl GraphArgs {
    fn settings(&self) -> Result<Option<mock_idp::graph::GraphSettings>> {
        if !self.graph {
            return Ok(None);
        }
        let Some((client_id, secret)) = self
            .graph_client
            .split_once(':')
            .filter(|(i, s)| !i.is_empty() && !s.is_empty())
        else {
            return Err(UsageError(
                "--graph-client is not CLIENT_ID:SECRET (both non-empty)".into(),
            )
            .into());
        };
        let mut sku = mock_idp::graph::Sku::teams_exploratory();
        sku.seats = self.graph_seats;
        let mut skus = vec![sku];
        for extra in &self.graph_sku {
            if skus
                .iter()
                .any(|s| s.sku_id.eq_ignore_ascii_case(&extra.sku_id))
            {
                return Err(
                    UsageError(format!("--graph-sku {} is given twice", extra.sku_id)).into(),
                );
            }
            skus.push(extra.clone());
        }
        Ok(Some(mock_idp::graph::GraphSettings {
            apps: vec![mock_idp::graph::AppRegistration {
                client_id: client_id.to_string(),
                secret: secret.to_string(),
                roles: self
                    .graph_roles
                    .split(',')
                    .map(|r| r.trim().to_string())
                    .filter(|r| !r.is_empty())
                    .collect(),
                public_client: self.graph_public_client,
            }],
            skus,
            throttle_every: self.graph_throttle_every,
        }))
    }
}

/// `--graph-sku PART:SKU_ID:SEATS`.
fn parse_sku(s: &str) -> Result<mock_idp::graph::Sku, String> {
    let parts: Vec<&str> = s.split(':').collect();
    let [part, id, seats] = parts[..] else {
        return Err(format!("{s:?} is not PART_NUMBER:SKU_ID:SEATS"));
    };
    if part.is_empty() {
        return Err(format!("{s:?} has no part number"));
    }
    let id = uuid::Uuid::parse_str(id)
        .map_err(|_| format!("the skuId {id:?} is not a GUID (Microsoft's SDKs refuse others)"))?;
    let seats = seats
        .parse()
        .map_err(|_| format!("the seats {seats:?} are not a number"))?;
    Ok(mock_idp::graph::Sku {
        sku_id: id.to_string(),
        part_number: part.to_string(),
        seats,
    })
}

/// `idp serve`'s HTTPS options.
#[derive(clap::Args)]
#[command(next_help_heading = "HTTPS")]
pub struct TlsArgs {
    /// Serve HTTPS with a certificate from a local test CA (metadata and forms carry https
    /// URLs): Entra is https, and several SP stacks and MSAL refuse an http IdP.
    #[arg(long)]
    tls: bool,
    /// Where the test CA is kept (`ca.pem`, `ca.key.pem`; a private directory, created 0700
    /// on first use and reused, so a client told to trust it keeps trusting it).
    #[arg(long, value_name = "DIR", default_value_os_t = default_tls_dir())]
    tls_dir: PathBuf,
    /// Use this CA (PEM certificate) instead; needs --tls-ca-key.
    #[arg(long, value_name = "FILE", requires = "tls_ca_key")]
    tls_ca_cert: Option<PathBuf>,
    /// The given CA's PEM private key.
    #[arg(long, value_name = "FILE", requires = "tls_ca_cert")]
    tls_ca_key: Option<PathBuf>,
}

/// `$XDG_DATA_HOME/saml-harness/tls`, or `~/.local/share/saml-harness/tls`: private to the
/// user (a shared temp directory would let another user plant the CA they are told to trust).
fn default_tls_dir() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(std::env::temp_dir)
        .join("saml-harness/tls")
}

fn serve(
    config: &ConfigArgs,
    listen: SocketAddr,
    base_url: Option<String>,
    tls: &TlsArgs,
    graph: &GraphArgs,
) -> Result<()> {
    let idp = config.load()?;
    if graph.graph
        && !listen.ip().is_loopback()
        && graph.graph_client.ends_with(DEFAULT_GRAPH_SECRET)
    {
        return Err(UsageError(format!(
            "--graph on {listen} with the default app registration would let anyone who reaches it create users that sign in; hint: give --graph-client CLIENT_ID:SECRET with a secret of your own"
        ))
        .into());
    }
    let graph = graph.settings()?;
    if !tls.tls && tls.tls_ca_cert.is_some() {
        return Err(UsageError("--tls-ca-cert is for HTTPS: add --tls".into()).into());
    }
    crate::runtime::block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
            UsageError(format!(
                "cannot listen on {listen}: {e}; hint: pick a free port with --listen 127.0.0.1:0"
            ))
        })?;
        let local = listener.local_addr()?;
        let scheme = if tls.tls { "https" } else { "http" };
        if let Some(b) = &base_url {
            if !b.starts_with(&format!("{scheme}://")) {
                return Err(UsageError(format!(
                    "--base-url {b:?} is not {scheme}; hint: {}",
                    if tls.tls {
                        "with --tls the mock serves https: give an https:// base URL"
                    } else {
                        "add --tls to serve https, or give an http:// base URL"
                    }
                ))
                .into());
            }
        }
        let base = base_url.unwrap_or_else(|| format!("{scheme}://{local}"));
        let mut state = IdpState::new(idp, base.clone());
        if let Some(settings) = graph {
            state = state.with_graph(settings);
        }
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        if !tls.tls {
            print_banner(&state, &[]);
            mock_idp::serve::serve(listener, server::app(state), shutdown).await;
            return Ok(());
        }
        let (ca, ca_path) = match (&tls.tls_ca_cert, &tls.tls_ca_key) {
            (Some(cert), Some(key)) => (mock_idp::tls::TestCa::from_files(cert, key), cert.clone()),
            _ => (
                mock_idp::tls::TestCa::in_dir(&tls.tls_dir),
                tls.tls_dir.join(mock_idp::tls::CA_CERT_FILE),
            ),
        };
        let ca = ca.map_err(|e| {
            let hint = if tls.tls_ca_cert.is_some() {
                "--tls-ca-cert and --tls-ca-key are a PEM CA certificate and its own private key"
            } else {
                "--tls-dir names a private directory you can write to, or give --tls-ca-cert and --tls-ca-key"
            };
            UsageError(format!("{e}; hint: {hint}"))
        })?;
        // A wildcard listen address names no host: certify the loopback ones instead.
        let mut hosts = if local.ip().is_unspecified() {
            vec![
                "127.0.0.1".to_owned(),
                "::1".to_owned(),
                "localhost".to_owned(),
            ]
        } else {
            vec![local.ip().to_string(), "localhost".to_owned()]
        };
        if let Some(h) = url::Url::parse(&base)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
        {
            let h = h.trim_start_matches('[').trim_end_matches(']').to_owned();
            if !hosts.contains(&h) {
                hosts.insert(0, h);
            }
        }
        let acceptor = ca.acceptor(&hosts).map_err(|e| UsageError(e.to_string()))?;
        print_banner(
            &state,
            &[
                format!(
                    "  HTTPS certificate            for {}, issued by the test CA {}",
                    hosts.join(", "),
                    ca_path.display()
                ),
                format!("  trust it                     SSL_CERT_FILE={} (OpenSSL clients; Node: NODE_EXTRA_CA_CERTS, Python requests: REQUESTS_CA_BUNDLE), or copy it to /usr/local/share/ca-certificates/saml-harness.crt and run update-ca-certificates", ca_path.display()),
            ],
        );
        let listener = mock_idp::tls::TlsListener::new(listener, acceptor)?;
        mock_idp::serve::serve(listener, server::app(state), shutdown).await;
        Ok(())
    })
}

fn print_banner(state: &IdpState, tls: &[String]) {
    let idp = state.idp();
    let c = &idp.config;
    let base = state.base_url.trim_end_matches('/');
    say!("mock Microsoft Entra ID listening on {base}");
    for line in tls {
        say!("{line}");
    }
    say!(
        "  tenant                       {} ({})",
        c.tenant.id,
        c.tenant.domain
    );
    say!("  Microsoft Entra Identifier   {}", c.tenant.entity_id());
    say!("  Login URL / Logout URL       {}", state.login_url());
    if let Some(graph) = &state.graph {
        let app = &graph.settings().apps[0];
        say!(
            "  Microsoft Graph              {base}/v1.0 (authority {base}/{})",
            c.tenant.id
        );
        say!(
            "  token endpoint               {base}/{}/oauth2/v2.0/token",
            c.tenant.id
        );
        // The built-in test secret is printed; one the user gave is theirs to know.
        let secret = if app.secret == DEFAULT_GRAPH_SECRET {
            app.secret.as_str()
        } else {
            "(as given)"
        };
        say!(
            "  app registration             client id {}, secret {secret}, roles {}",
            app.client_id,
            app.roles.join(",")
        );
    }
    for app in &c.apps {
        let cert = app.active_cert();
        say!("app {:?} (app id {})", app.name, app.app_id);
        say!(
            "  Identifier (Entity ID)       {}",
            app.identifiers.join(", ")
        );
        say!(
            "  Reply URL (ACS)              {}",
            app.reply_urls.join(", ")
        );
        say!("  App Federation Metadata Url  {}", state.metadata_url(app));
        say!(
            "  certificate (pem)            {base}/{}/saml2/certificate?appid={}&format=pem",
            c.tenant.id,
            app.app_id
        );
        say!(
            "  thumbprint, expires          {} {}",
            cert.thumbprint(),
            cert.x509().not_after()
        );
        say!(
            "  test this application        {base}/api/signin/{}",
            app.app_id
        );
    }
    if let Some(u) = c.user(None) {
        say!(
            "test user {} ({} {}), signs in {}",
            u.upn,
            u.given_name,
            u.surname,
            match c.sign_in {
                mock_idp::config::SignInMode::Auto => "automatically",
                mock_idp::config::SignInMode::Interactive => "after a pick on the sign-in page",
            }
        );
    }
    say!("press Ctrl-C to stop");
}
