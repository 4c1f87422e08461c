//! `sp.reload_idp_metadata`: giving the SP other IdP metadata through the scenario's command.

use std::time::Duration;

use crate::scenario::{shell_quote, METADATA_PLACE};

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
    let status = match tokio::time::timeout(limit, child.wait()).await {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => return Err(format!("`sp.reload_idp_metadata` ({command}) failed: {e}")),
        Err(_) => {
            if let Some(group) = child.id() {
                // Everything the command started goes with it (sh alone would leave them).
                let _ = std::process::Command::new("kill")
                    .args(["-KILL", "--", &format!("-{group}")])
                    .status();
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
