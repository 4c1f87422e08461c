//! `sp.reload_idp_metadata`: giving the SP other IdP metadata through the scenario's command.

use std::time::Duration;

use crate::scenario::{shell_quote, METADATA_PLACE};

/// Most of the command's output kept for an error message, in bytes (its end).
const OUTPUT_SHOWN: usize = 2000;

/// Writes `metadata` to a file of its own and runs `command` (`sh -c`) with
/// [`METADATA_PLACE`] replaced by that file's path, shell-quoted; it must exit 0 within
/// `limit`, and is killed at the limit.
pub async fn install(command: &str, metadata: &str, limit: Duration) -> Result<(), String> {
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
    let child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(&line)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = match tokio::time::timeout(limit, child).await {
        Err(_) => {
            return Err(format!(
                "`sp.reload_idp_metadata` ({command}) did not finish within {limit:?}; hint: raise --reload-timeout, or make the command return once the SP has reloaded"
            ))
        }
        Ok(Err(e)) => return Err(format!("cannot run `sh -c` for `sp.reload_idp_metadata`: {e}")),
        Ok(Ok(output)) => output,
    };
    if output.status.success() {
        return Ok(());
    }
    let mut said = String::from_utf8_lossy(&output.stderr).into_owned();
    said.push_str(&String::from_utf8_lossy(&output.stdout));
    let said = said.trim();
    let from = (said.len().saturating_sub(OUTPUT_SHOWN)..=said.len())
        .find(|&i| said.is_char_boundary(i))
        .unwrap_or(said.len());
    let tail = &said[from..];
    Err(format!(
        "`sp.reload_idp_metadata` ({command}) {}{}; hint: run it by hand with {METADATA_PLACE} replaced by a metadata file (`saml-harness idp metadata`) to see why",
        match output.status.code() {
            Some(code) => format!("exited with status {code}"),
            None => "was killed by a signal".to_owned(),
        },
        if tail.is_empty() {
            String::new()
        } else {
            format!(": {tail}")
        }
    ))
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
        install(&command, "<m/>", Duration::from_secs(10))
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
    async fn a_command_that_hangs_is_stopped_at_the_limit() {
        let started = std::time::Instant::now();
        let e = install("sleep 30 # {metadata}", "<m/>", Duration::from_millis(300))
            .await
            .unwrap_err();
        assert!(e.contains("--reload-timeout"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
