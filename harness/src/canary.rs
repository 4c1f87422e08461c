//! The canary listener: an HTTP server on 127.0.0.1 whose URLs the fetch probes (`xxe/`,
//! remote References and KeyInfo) put in the documents they post. Each check gets a prefix of
//! its own; any request under it proves the SP fetched what the document named, so the
//! verdict is known, not guessed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use attacks::Served;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;

/// Requests kept per prefix: enough to judge, bounded whatever the SP does.
const MAX_HITS: usize = 32;

/// One request that reached the canary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// The path below the check's prefix (`entity`, `exfiltrate.dtd`, `file`).
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
}

/// What the listener remembers, per token.
#[derive(Clone, Default)]
pub struct Ledger {
    hits: Arc<Mutex<HashMap<String, Vec<Hit>>>>,
    served: Arc<Mutex<HashMap<(String, String), String>>>,
}

/// The canary's routes, callable without a socket.
pub fn app(ledger: Ledger) -> Router {
    Router::new()
        .route("/canary/{token}", any(root_hit))
        .route("/canary/{token}/{*rest}", any(hit))
        .with_state(ledger)
}

async fn root_hit(
    State(ledger): State<Ledger>,
    Path(token): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    record(&ledger, token, String::new(), query)
}

async fn hit(
    State(ledger): State<Ledger>,
    Path((token, rest)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    record(&ledger, token, rest, query)
}

/// Records the request and answers with what the check asked to serve there (an empty body
/// otherwise, which is a valid entity value and an empty DTD).
fn record(ledger: &Ledger, token: String, path: String, query: Option<String>) -> Response {
    let body = lock(&ledger.served)
        .get(&(token.clone(), path.clone()))
        .cloned();
    let mut hits = lock(&ledger.hits);
    if let Some(list) = hits.get_mut(&token) {
        if list.len() < MAX_HITS {
            list.push(Hit { path, query });
        }
    }
    match body {
        Some(body) => ([(header::CONTENT_TYPE, "application/xml-dtd")], body).into_response(),
        None => StatusCode::OK.into_response(),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Where the canary listens, and the URL the SP reaches it at.
#[derive(Clone, Debug)]
pub struct CanaryOptions {
    /// The address to bind: 127.0.0.1 on a random port unless the user asks otherwise.
    pub listen: std::net::SocketAddr,
    /// The base URL the SP reaches the listener at (`http://host.docker.internal:8099`),
    /// when that is not `http://LISTEN`; giving it says the SP can reach it.
    pub url: Option<String>,
}

impl Default for CanaryOptions {
    fn default() -> Self {
        CanaryOptions {
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            url: None,
        }
    }
}

/// A running canary listener; stops, and removes the files it wrote, when dropped.
pub struct CanaryListener {
    base: String,
    ledger: Ledger,
    server: tokio::task::JoinHandle<()>,
    files: Mutex<Vec<std::path::PathBuf>>,
}

impl CanaryListener {
    /// Binds as `options` say (127.0.0.1 on a random port by default) and serves until
    /// dropped.
    pub async fn start(options: &CanaryOptions) -> std::io::Result<CanaryListener> {
        let listener = tokio::net::TcpListener::bind(options.listen).await?;
        let base = match &options.url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", listener.local_addr()?),
        };
        let ledger = Ledger::default();
        let router = app(ledger.clone());
        let server = tokio::spawn(async move {
            mock_idp::serve::serve(listener, router, std::future::pending()).await;
        });
        Ok(CanaryListener {
            base,
            ledger,
            server,
            files: Mutex::new(Vec::new()),
        })
    }

    /// A fresh prefix for one check, and a local file holding a secret only this probe knows
    /// (in the temporary directory, removed when the listener stops; a check may put its own
    /// content there instead, [`Probe::write_file`]).
    pub fn probe(&self) -> Probe {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let secret = format!("secret-{}", uuid::Uuid::new_v4().simple());
        let file = std::env::temp_dir().join(format!("saml-harness-canary-{token}"));
        // Unwritable: the exfiltration probe then proves a fetch, not a file read.
        if std::fs::write(&file, &secret).is_ok() {
            lock(&self.files).push(file.clone());
        }
        lock(&self.ledger.hits).insert(token.clone(), Vec::new());
        Probe {
            target: attacks::Canary {
                prefix: format!("{}/canary/{token}", self.base),
                file: file.display().to_string(),
            },
            token,
            secret,
            ledger: self.ledger.clone(),
            file_rewritten: Arc::default(),
        }
    }
}

/// One check's view of the canary: the prefix its forgery names and what reached it.
#[derive(Clone)]
pub struct Probe {
    target: attacks::Canary,
    token: String,
    secret: String,
    ledger: Ledger,
    file_rewritten: Arc<std::sync::atomic::AtomicBool>,
}

impl Probe {
    /// The prefix the forgery puts in its document.
    pub fn target(&self) -> &attacks::Canary {
        &self.target
    }

    /// The content of this probe's local file: arriving at the canary, it proves a file read.
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// Puts `content` in this probe's local file, in place of its secret (a check whose
    /// document names the file for what it holds, not to prove a read).
    pub fn write_file(&self, content: &str) -> std::io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::write(&self.target.file, content)?;
        // Readable by an SP running as another user, whatever the umask.
        std::fs::set_permissions(&self.target.file, std::fs::Permissions::from_mode(0o644))?;
        self.file_rewritten
            .store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// Whether the check's document put what it needs in the local file ([`Probe::write_file`]):
    /// then a login proves the SP read that file.
    pub fn file_rewritten(&self) -> bool {
        self.file_rewritten
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Serves `served` under this prefix.
    pub fn serve(&self, served: &[Served]) {
        let mut map = lock(&self.ledger.served);
        for s in served {
            map.insert((self.token.clone(), s.path.clone()), s.body.clone());
        }
    }

    /// The requests that reached this prefix so far.
    pub fn hits(&self) -> Vec<Hit> {
        lock(&self.ledger.hits)
            .get(&self.token)
            .cloned()
            .unwrap_or_default()
    }
}

impl Drop for CanaryListener {
    fn drop(&mut self) {
        self.server.abort();
        for file in lock(&self.files).drain(..) {
            let _ = std::fs::remove_file(file);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_under_a_prefix_is_recorded_and_served_what_the_check_asked() {
        let canary = CanaryListener::start(&CanaryOptions::default())
            .await
            .unwrap();
        let served = [Served {
            path: "x.dtd".into(),
            body: "<!ENTITY a 'b'>".into(),
        }];
        let probe = canary.probe();
        probe.serve(&served);
        let other = canary.probe();
        let client = reqwest::Client::new();
        let dtd = client
            .get(format!("{}/x.dtd", probe.target().prefix))
            .send()
            .await
            .unwrap();
        assert_eq!(dtd.text().await.unwrap(), "<!ENTITY a 'b'>");
        let file = client
            .get(format!("{}/file?content=host", probe.target().prefix))
            .send()
            .await
            .unwrap();
        assert!(file.status().is_success());
        assert_eq!(
            probe.hits(),
            vec![
                Hit {
                    path: "x.dtd".into(),
                    query: None
                },
                Hit {
                    path: "file".into(),
                    query: Some("content=host".into())
                }
            ]
        );
        assert!(other.hits().is_empty());
        let file = std::path::PathBuf::from(&probe.target().file);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), probe.secret());
        drop(canary);
        assert!(!file.exists(), "the listener removes its files");
    }

    #[tokio::test]
    async fn an_unknown_token_is_not_recorded() {
        let canary = CanaryListener::start(&CanaryOptions::default())
            .await
            .unwrap();
        let url = format!("{}/canary/nobody/x", canary.base);
        reqwest::get(url).await.unwrap();
        assert!(lock(&canary.ledger.hits).is_empty());
    }
}
