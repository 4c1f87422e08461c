//! The demo's servers: the mock IdP and the reference SP, in-process on ephemeral loopback ports,
//! each configured for the other (the IdP's first app is the SP, the SP trusts the IdP).

use anyhow::Result;
use mock_idp::config::Config;
use mock_idp::idp::Idp;
use mock_idp::serve::serve;
use reference_sp::server::{acs_url_at, entity_id_at, SpConfig, SpState};
use reference_sp::trust::{IdpTrust, MetadataFile};
use reference_sp::Flaws;

/// The scenario `conformance --reference-sp` runs when given none (the repository's
/// `scenarios/examples/01-login.yaml`, compiled in so it runs from any directory).
const BUILT_IN_LOGIN: &str = include_str!("../../scenarios/examples/01-login.yaml");
/// Where [`BUILT_IN_LOGIN`] lives in the repository (named in reports).
const BUILT_IN_LOGIN_PATH: &str = "scenarios/examples/01-login.yaml";

/// The built-in good-login scenario against the servers [`start`] returned.
pub fn login_scenario(idp_url: &str, sp_url: &str) -> Result<crate::scenario::Scenario> {
    let vars = |n: &str| match n {
        "SP_URL" => Some(sp_url.to_owned()),
        "IDP_URL" => Some(idp_url.to_owned()),
        _ => std::env::var(n).ok(),
    };
    crate::scenario::parse(
        BUILT_IN_LOGIN,
        std::path::Path::new(BUILT_IN_LOGIN_PATH),
        &vars,
    )
    .map_err(|e| crate::UsageError(e.to_string()).into())
}

/// The two servers [`start`] runs, for as long as this is held.
pub struct Servers {
    /// The mock IdP's base URL.
    pub idp_url: String,
    /// The reference SP's base URL.
    pub sp_url: String,
    /// Holds the IdP metadata file the SP re-reads when it changes.
    metadata_dir: tempfile::TempDir,
}

impl Servers {
    /// The `sp.reload_idp_metadata` command that gives the reference SP new IdP metadata:
    /// the file replaced in one step (a rename), so the SP never reads half of it.
    pub fn reload_command(&self) -> String {
        let file = self.metadata_dir.path().join("idp-metadata.xml");
        let file = crate::scenario::shell_quote(&file.display().to_string());
        let new = self.metadata_dir.path().join("idp-metadata.xml.new");
        let new = crate::scenario::shell_quote(&new.display().to_string());
        format!("cp {{metadata}} {new} && mv {new} {file}")
    }

    /// `scenarios` told how the reference SP re-reads its IdP metadata (unless they say), and
    /// that it shares the harness's temporary directory (it runs in this process).
    pub fn with_reload(
        &self,
        mut scenarios: Vec<crate::scenario::Scenario>,
    ) -> Vec<crate::scenario::Scenario> {
        for s in &mut scenarios {
            s.sp.reload_idp_metadata
                .get_or_insert_with(|| self.reload_command());
            s.sp.shares_tmp = true;
        }
        scenarios
    }
}

/// Starts both servers (the SP with `flaws`, or with the trivial ACS that checks nothing, see
/// `reference_sp::trivial`).
pub async fn start(flaws: Flaws, trivial_acs: bool) -> Result<Servers> {
    start_with(flaws, trivial_acs, Default::default()).await
}

/// [`start`] with an SP that demands `needs` of a login (or takes IdP-initiated sign-ins).
pub async fn start_with(
    flaws: Flaws,
    trivial_acs: bool,
    needs: reference_sp::server::Requirements,
) -> Result<Servers> {
    let idp_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let sp_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let idp_url = format!("http://{}", idp_listener.local_addr()?);
    let sp_url = format!("http://{}", sp_listener.local_addr()?);

    let mut config = Config::builtin();
    if let Some(app) = config.apps.first_mut() {
        app.identifiers = vec![entity_id_at(&sp_url)];
        app.reply_urls = vec![acs_url_at(&sp_url)];
        app.default_reply_url = acs_url_at(&sp_url);
    }
    let idp = Idp::new(config);
    let app = &idp.config.apps[0];
    let metadata = mock_idp::metadata::app_metadata(&idp.config.tenant, &idp_url, app)?;
    let metadata_dir = tempfile::Builder::new()
        .prefix("saml-harness-sp")
        .tempdir()?;
    let metadata_file = metadata_dir.path().join("idp-metadata.xml");
    std::fs::write(&metadata_file, &metadata)?;
    let sp_config = SpConfig {
        base_url: sp_url.clone(),
        idp: IdpTrust::from_metadata(&metadata)?,
        flaws,
        users: Vec::new(),
        needs,
        trivial_acs,
    };

    let state = mock_idp::server::IdpState::new(idp, idp_url.clone());
    let never = std::future::pending::<()>;
    tokio::spawn(serve(idp_listener, mock_idp::server::app(state), never()));
    tokio::spawn(serve(
        sp_listener,
        reference_sp::server::app(
            SpState::new(sp_config).with_metadata_file(MetadataFile::new(metadata_file, &metadata)),
        ),
        never(),
    ));
    Ok(Servers {
        idp_url,
        sp_url,
        metadata_dir,
    })
}
