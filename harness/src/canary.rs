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

mod watch;
use watch::FileWatch;

/// Requests kept per prefix: enough to judge, bounded whatever the SP does.
const MAX_HITS: usize = 32;

/// One request that reached the canary, or one open of a probe's watched file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// What reached the harness.
    pub kind: HitKind,
    /// The path below the check's prefix (`entity`, `exfiltrate.dtd`, `file`), or the path
    /// of the local file opened.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
}

/// How a hit reached the harness.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HitKind {
    /// A request under the probe's prefix.
    Fetched,
    /// An open of the probe's watched local file ([`Probe::watch_file`]).
    Opened,
    /// An open of the probe's control file, which no document names: something on this
    /// machine opens new files, so an open of the watched one proves nothing.
    ControlOpened,
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
    ledger.record_hit(
        &token,
        Hit {
            kind: HitKind::Fetched,
            path,
            query,
        },
    );
    match body {
        Some(body) => ([(header::CONTENT_TYPE, "application/xml-dtd")], body).into_response(),
        None => StatusCode::OK.into_response(),
    }
}

impl Ledger {
    /// Keeps `hit` for `token`, if the token is a probe's and its list is not full.
    fn record_hit(&self, token: &str, hit: Hit) {
        let mut hits = lock(&self.hits);
        if let Some(list) = hits.get_mut(token) {
            if list.len() < MAX_HITS {
                list.push(hit);
            }
        }
    }
}

/// What an open of a watched file is recorded as.
struct WatchKey {
    token: String,
    path: String,
    kind: HitKind,
}

/// Writes `content` to `path`, readable by an SP running as another user whatever the umask.
fn write_readable(path: &str, content: &str) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, content)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))
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
    files: Files,
    watch: FileWatchSlot,
}

/// The files the listener wrote, removed when it stops.
type Files = Arc<Mutex<Vec<std::path::PathBuf>>>;

/// The listener's watch of its probes' local files, started by the first probe that needs it.
type FileWatchSlot = Arc<Mutex<Option<FileWatch<WatchKey>>>>;

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
            files: Arc::default(),
            watch: Arc::default(),
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
            file_use: Arc::default(),
            watch: self.watch.clone(),
            files: self.files.clone(),
        }
    }
}

/// What a probe's local file ended up being.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FileUse {
    /// The probe's secret, for an exfiltration to carry.
    #[default]
    Secret,
    /// What the check's document needs there ([`Probe::write_file`]): a login proves a read.
    Rewritten,
    /// An empty file whose every open is recorded ([`Probe::watch_file`]).
    Watched,
}

/// One check's view of the canary: the prefix its forgery names and what reached it.
#[derive(Clone)]
pub struct Probe {
    target: attacks::Canary,
    token: String,
    secret: String,
    ledger: Ledger,
    file_use: Arc<Mutex<FileUse>>,
    watch: FileWatchSlot,
    files: Files,
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
        write_readable(&self.target.file, content)?;
        *lock(&self.file_use) = FileUse::Rewritten;
        Ok(())
    }

    /// Empties this probe's local file and records every open of it from now on as an
    /// [`HitKind::Opened`] hit (a parser that keeps off the network but reads `file:` URIs
    /// never reaches the canary's URLs). Beside it, a control file no document names is
    /// watched the same way: an open of that one ([`HitKind::ControlOpened`]) says something
    /// else on this machine opens new files. Linux's inotify sees the opens, so both stay
    /// plain files and no reader ever waits on the harness.
    pub fn watch_file(&self) -> std::io::Result<()> {
        let control = format!("{}-control", self.target.file);
        write_readable(&control, "")?;
        lock(&self.files).push(control.clone().into());
        self.write_file("")?;
        let mut slot = lock(&self.watch);
        let watch = match slot.as_mut() {
            Some(watch) => watch,
            None => {
                let ledger = self.ledger.clone();
                slot.insert(FileWatch::start(move |key: &WatchKey| {
                    let hit = Hit {
                        kind: key.kind,
                        path: key.path.clone(),
                        query: None,
                    };
                    ledger.record_hit(&key.token, hit);
                })?)
            }
        };
        for (path, kind) in [
            (control, HitKind::ControlOpened),
            (self.target.file.clone(), HitKind::Opened),
        ] {
            let key = WatchKey {
                token: self.token.clone(),
                path: path.clone(),
                kind,
            };
            watch.watch(std::path::Path::new(&path), key)?;
        }
        *lock(&self.file_use) = FileUse::Watched;
        Ok(())
    }

    /// Whether opens of watched files may have gone unseen (the kernel's event queue
    /// overflowed).
    pub fn watch_overflowed(&self) -> bool {
        lock(&self.watch)
            .as_ref()
            .is_some_and(FileWatch::overflowed)
    }

    /// What this probe's local file is now.
    pub fn file_use(&self) -> FileUse {
        *lock(&self.file_use)
    }

    /// Serves `served` under this prefix.
    pub fn serve(&self, served: &[Served]) {
        let mut map = lock(&self.ledger.served);
        for s in served {
            map.insert((self.token.clone(), s.path.clone()), s.body.clone());
        }
    }

    /// The requests that reached this prefix so far, and the opens of its watched files
    /// (every one the kernel has queued).
    pub fn hits(&self) -> Vec<Hit> {
        if let Some(watch) = lock(&self.watch).as_ref() {
            watch.drain();
        }
        lock(&self.ledger.hits)
            .get(&self.token)
            .cloned()
            .unwrap_or_default()
    }
}

impl Drop for CanaryListener {
    fn drop(&mut self) {
        self.server.abort();
        // Stopped first: removing the files is no open, but nothing needs to read it.
        lock(&self.watch).take();
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
                    kind: HitKind::Fetched,
                    path: "x.dtd".into(),
                    query: None
                },
                Hit {
                    kind: HitKind::Fetched,
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
    async fn an_open_of_a_watched_file_or_its_control_is_a_hit_of_its_own_kind() {
        let canary = CanaryListener::start(&CanaryOptions::default())
            .await
            .unwrap();
        let probe = canary.probe();
        probe.watch_file().unwrap();
        let other = canary.probe();
        other.watch_file().unwrap();
        assert_eq!(probe.file_use(), FileUse::Watched);
        assert!(probe.hits().is_empty(), "nothing opened it yet");
        let file = probe.target().file.clone();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "");
        let opened = Hit {
            kind: HitKind::Opened,
            path: file.clone(),
            query: None,
        };
        assert_eq!(probe.hits(), vec![opened.clone()]);
        let control = format!("{file}-control");
        std::fs::read(&control).unwrap();
        let control_opened = Hit {
            kind: HitKind::ControlOpened,
            path: control.clone(),
            query: None,
        };
        assert_eq!(probe.hits(), vec![opened, control_opened]);
        assert!(other.hits().is_empty(), "{:?}", other.hits());
        assert!(!probe.watch_overflowed());
        drop(canary);
        assert!(
            !std::path::Path::new(&file).exists(),
            "the listener removes its files"
        );
        assert!(!std::path::Path::new(&control).exists(), "and the control");
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
