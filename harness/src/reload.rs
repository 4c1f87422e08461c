//! `sp.reload_idp_metadata`: giving the SP other IdP metadata through the scenario's command.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};
use std::time::Duration;

use crate::scenario::{shell_quote, METADATA_PLACE};

/// Exit status after Ctrl-C (128 + SIGINT, as a shell reports a process the signal stopped).
const EXIT_INTERRUPTED: i32 = 130;

/// The SP's own metadata while it trusts metadata the harness made (one `meta/` check at a
/// time runs, so one slot).
static OWED: Mutex<Option<Owed>> = Mutex::new(None);

/// Starts the Ctrl-C watcher once per process.
static WATCH: Once = Once::new();

/// Set on Ctrl-C: no command but the restore runs any more.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// The process group of the command running now, which Ctrl-C stops before the restore.
static RUNNING: Mutex<Option<u32>> = Mutex::new(None);

/// What puts the SP back as it was: the scenario's command and the SP's original metadata.
struct Owed {
    command: String,
    metadata: String,
    limit: Duration,
}

/// Held while the SP trusts metadata the harness made. Ctrl-C meanwhile, a panic, or the
/// check being dropped unfinished gives the SP its original metadata back before anything
/// else; [`Restore::settled`] says the check put it back itself.
pub struct Restore(());

impl Restore {
    /// Owes the SP `metadata` (its own) through `command`, and from now on watches for Ctrl-C.
    pub fn owe(command: &str, metadata: &str, limit: Duration) -> Restore {
        *lock() = Some(Owed {
            command: command.to_owned(),
            metadata: metadata.to_owned(),
            limit,
        });
        WATCH.call_once(|| {
            // Wait until the handler is in place, so no Ctrl-C from here on goes unanswered.
            let (ready, watching) = std::sync::mpsc::channel();
            std::thread::spawn(move || watch_for_interrupt(ready));
            let _ = watching.recv_timeout(Duration::from_secs(5));
        });
        Restore(())
    }

    /// The check gave the SP its metadata back (or said why it could not): nothing is owed.
    pub fn settled(self) {
        lock().take();
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        let Some(owed) = lock().take() else { return };
        // Dropped inside the runtime (a panic, a cancelled check): the command runs on a
        // thread of its own, which this waits for, bounded by the command's limit.
        let said = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start a runtime to restore the IdP metadata: {e}"))
                .map(|runtime| runtime.block_on(put_back(owed)))
                .unwrap_or_else(|e| e)
        })
        .join();
        if let Ok(said) = said {
            eprintln!("{said}");
        }
    }
}

fn lock() -> std::sync::MutexGuard<'static, Option<Owed>> {
    OWED.lock().unwrap_or_else(|e| e.into_inner())
}

fn running() -> std::sync::MutexGuard<'static, Option<u32>> {
    RUNNING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Kills process group `group` (everything a command started goes with it; sh alone would
/// leave them).
fn kill_group(group: u32) {
    let _ = std::process::Command::new("kill")
        .args(["-KILL", "--", &format!("-{group}")])
        .status();
}

/// Installs a SIGINT handler, says so on `ready`, and waits for Ctrl-C; then stops any
/// command still running, gives the SP its metadata back, if owed, and exits.
fn watch_for_interrupt(ready: std::sync::mpsc::Sender<()>) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    let interrupt = {
        let _inside = runtime.enter();
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
    };
    let Ok(mut interrupt) = interrupt else { return };
    let _ = ready.send(());
    runtime.block_on(async {
        interrupt.recv().await;
        INTERRUPTED.store(true, Ordering::SeqCst);
        if let Some(group) = running().take() {
            kill_group(group);
        }
        let owed = lock().take();
        if let Some(owed) = owed {
            eprintln!("interrupted: giving the SP its original IdP metadata back first");
            eprintln!("{}", put_back(owed).await);
        }
        std::process::exit(EXIT_INTERRUPTED);
    });
}

/// Installs the SP's own metadata again; what happened, for the terminal. On failure the
/// metadata is kept in a file the message names, so the user can install it by hand.
async fn put_back(owed: Owed) -> String {
    match run_install(&owed.command, &owed.metadata, owed.limit).await {
        Ok(file) => {
            // A command may have linked to the file: it stays.
            let _ = file.keep();
            "gave the SP its original IdP metadata back (through `sp.reload_idp_metadata`)".into()
        }
        Err(why) => {
            let kept = tempfile::Builder::new()
                .prefix("idp-metadata-original-")
                .suffix(".xml")
                .tempfile()
                .and_then(|f| {
                    std::fs::write(f.path(), &owed.metadata)?;
                    f.keep().map(|(_, path)| path).map_err(|e| e.error)
                });
            match kept {
                Ok(path) => format!(
                    "error: the SP may still trust metadata the harness made: {why}; its original metadata is in {}",
                    path.display()
                ),
                Err(e) => format!(
                    "error: the SP may still trust metadata the harness made: {why} (and the original could not be saved: {e})"
                ),
            }
        }
    }
}

/// Most of the command's output kept for an error message, in bytes (its end).
const OUTPUT_SHOWN: usize = 2000;

/// Writes `metadata` to a file of its own and runs `command` (`sh -c`, in a process group of
/// its own) with [`METADATA_PLACE`] replaced by that file's path, shell-quoted; it must exit 0
/// within `limit`, else its group is killed. The file lasts as long as the value returned.
pub async fn install(
    command: &str,
    metadata: &str,
    limit: Duration,
) -> Result<tempfile::NamedTempFile, String> {
    if INTERRUPTED.load(Ordering::SeqCst) {
        return Err("interrupted (Ctrl-C): the SP gets its original metadata back".into());
    }
    run_install(command, metadata, limit).await
}

/// [`install`], also after Ctrl-C (the restore).
async fn run_install(
    command: &str,
    metadata: &str,
    limit: Duration,
) -> Result<tempfile::NamedTempFile, String> {
    let file = tempfile::Builder::new()
        .prefix("idp-metadata-")
        .suffix(".xml")
        .tempfile()
        .map_err(|e| format!("cannot write the IdP metadata to install: {e}"))?;
    std::fs::write(file.path(), metadata)
        .map_err(|e| format!("cannot write the IdP metadata to install: {e}"))?;
    // Readable by an SP running as another user (Apache as www-data, say).
    let readable = std::os::unix::fs::PermissionsExt::from_mode(0o644);
    std::fs::set_permissions(file.path(), readable)
        .map_err(|e| format!("cannot make the IdP metadata readable: {e}"))?;
    let line = command.replace(
        METADATA_PLACE,
        &shell_quote(&file.path().display().to_string()),
    );
    // Output goes to a file: a command that leaves a server running in the background keeps
    // a pipe open, and waiting for its end would never finish.
    let output = tempfile::tempfile().map_err(|e| format!("cannot capture the output: {e}"))?;
    let clone = |f: &std::fs::File| {
        f.try_clone()
            .map_err(|e| format!("cannot capture the output: {e}"))
    };
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(&line)
        .stdin(std::process::Stdio::null())
        .stdout(clone(&output)?)
        .stderr(clone(&output)?)
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run `sh -c` for `sp.reload_idp_metadata`: {e}"))?;
    *running() = child.id();
    let waited = tokio::time::timeout(limit, child.wait()).await;
    running().take();
    let status = match waited {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => return Err(format!("`sp.reload_idp_metadata` ({command}) failed: {e}")),
        Err(_) => {
            if let Some(group) = child.id() {
                kill_group(group);
            }
            return Err(format!(
                "`sp.reload_idp_metadata` ({command}) did not finish within {limit:?}; hint: raise --reload-timeout, or make the command return once the SP has reloaded"
            ));
        }
    };
    if status.success() {
        return Ok(file);
    }
    let said = read_tail(output);
    Err(format!(
        "`sp.reload_idp_metadata` ({command}) {}{}; hint: run it by hand with {METADATA_PLACE} replaced by a metadata file (`saml-harness idp metadata`) to see why",
        match status.code() {
            Some(code) => format!("exited with status {code}"),
            None => "was killed by a signal".to_owned(),
        },
        if said.is_empty() {
            String::new()
        } else {
            format!(": {said}")
        }
    ))
}

/// The last [`OUTPUT_SHOWN`] bytes of what the command wrote, trimmed.
fn read_tail(mut output: std::fs::File) -> String {
    use std::io::{Read, Seek};
    let mut said = Vec::new();
    let _ = output.rewind();
    let _ = output.read_to_end(&mut said);
    let said = String::from_utf8_lossy(&said);
    let said = said.trim();
    let from = (said.len().saturating_sub(OUTPUT_SHOWN)..=said.len())
        .find(|&i| said.is_char_boundary(i))
        .unwrap_or(said.len());
    said[from..].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_command_gets_the_metadata_files_path() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("it's here.xml");
        let command = format!(
            "cp {{metadata}} {}",
            shell_quote(&target.display().to_string())
        );
        let _file = install(&command, "<m/>", Duration::from_secs(10))
            .await
            .unwrap();
        assert_eq!(std::fs::read_to_string(target).unwrap(), "<m/>");
    }

    #[test]
    fn a_restore_dropped_unsettled_installs_the_original_and_a_settled_one_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("idp.xml");
        let command = format!(
            "cp {{metadata}} {}",
            shell_quote(&target.display().to_string())
        );
        // Both halves in one test: the slot is one per process.
        Restore::owe(&command, "<original/>", Duration::from_secs(10)).settled();
        assert!(!target.exists(), "settled: nothing owed");
        drop(Restore::owe(
            &command,
            "<original/>",
            Duration::from_secs(10),
        ));
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "<original/>");
    }

    #[tokio::test]
    async fn a_failing_command_is_an_error_that_says_what_it_printed() {
        let e = install(
            "echo no such SP >&2; exit 3 # {metadata}",
            "<m/>",
            Duration::from_secs(10),
        )
        .await
        .unwrap_err();
        assert!(e.contains("exited with status 3: no such SP"), "{e}");
    }

    #[tokio::test]
    async fn a_command_that_leaves_a_process_behind_is_done_when_it_exits() {
        let started = std::time::Instant::now();
        let _file = install(
            "sleep 30 & echo {metadata}",
            "<m/>",
            Duration::from_secs(20),
        )
        .await
        .unwrap();
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[tokio::test]
    async fn a_command_that_hangs_is_stopped_at_the_limit() {
        let started = std::time::Instant::now();
        let e = install("sleep 30 # {metadata}", "<m/>", Duration::from_millis(300))
            .await
            .unwrap_err();
        assert!(e.contains("--reload-timeout"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
