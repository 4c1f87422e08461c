//! `docs/ci.md` is true: the saml-harness commands of its GitHub Actions workflow and its GitLab
//! CI job run here exactly as written (the install steps and the upload actions left out, the
//! built binary on PATH), with the files the page gives, and leave the reports the uploads name.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The page's fenced YAML blocks, in order.
fn yaml_blocks(page: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in page.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```yaml") => current = Some(String::new()),
            (Some(b), "```") => {
                blocks.push(std::mem::take(b));
                current = None;
            }
            (Some(b), l) => {
                b.push_str(l);
                b.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// Runs `script` with bash in `dir`, its background processes in one process group that is
/// ended afterwards; panics with the output when it fails.
fn run(script: &str, dir: &Path, env: &[(&str, String)]) {
    let bin = Path::new(env!("CARGO_BIN_EXE_saml-harness"))
        .parent()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let log = dir.join("script.log");
    let child = Command::new("bash")
        .arg("-c")
        .arg(format!("set -euo pipefail\n{script}"))
        .current_dir(dir)
        .env("PATH", path)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(dir.join("script.err")).unwrap())
        .process_group(0)
        .spawn()
        .unwrap();
    let group = child.id();
    let status = child.wait_with_output().unwrap().status;
    let _ = Command::new("kill")
        .args(["-TERM", "--", &format!("-{group}")])
        .status();
    // Let the servers of this job release their ports before the next one binds them.
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        status.success(),
        "{status}\n--- script\n{script}\n--- stdout\n{}\n--- stderr\n{}",
        std::fs::read_to_string(&log).unwrap_or_default(),
        std::fs::read_to_string(dir.join("script.err")).unwrap_or_default()
    );
}

/// A job's working directory: the files the page gives, written where it says.
fn workdir(files: &[(PathBuf, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let to = dir.path().join(path);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(to, text).unwrap();
    }
    dir
}

/// Checks the reports a job left: JUnit that parses with the self-check's and the SP's cases,
/// SARIF with no result (the careful reference SP), an HTML page.
fn check_reports(reports: &Path) {
    for junit in ["reference-sp.xml", "saml.xml"] {
        let xml = std::fs::read_to_string(reports.join(junit)).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        assert!(
            doc.descendants()
                .filter(|n| n.has_tag_name("testcase"))
                .count()
                > 100,
            "{junit}"
        );
    }
    let sarif: Value =
        serde_json::from_slice(&std::fs::read(reports.join("saml.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"], serde_json::json!([]));
    let html = std::fs::read_to_string(reports.join("saml.html")).unwrap();
    assert!(html.contains("ok: "), "the page's overall line");
}

#[test]
fn the_ci_examples_run_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let page = std::fs::read_to_string(root.join("docs/ci.md")).unwrap();
    let blocks = yaml_blocks(&page);
    let files: Vec<(PathBuf, String)> = blocks
        .iter()
        .filter_map(|b| {
            let path = b.lines().next()?.strip_prefix("# file: ")?;
            Some((PathBuf::from(path), b.clone()))
        })
        .collect();
    assert_eq!(files.len(), 2, "saml/sp.yaml and saml/known.yaml");
    let jobs: Vec<Value> = blocks
        .iter()
        .filter(|b| !b.starts_with("# file: "))
        .map(|b| serde_saphyr::from_str(b).unwrap())
        .collect();
    assert_eq!(jobs.len(), 2, "a GitHub workflow and a GitLab job");

    // GitHub Actions: every `run` step but the install, each in its own shell as the runner
    // does, with its `env`.
    let steps = jobs[0]["jobs"]["saml"]["steps"].as_array().unwrap();
    let mut script = String::new();
    for step in steps {
        let Some(run) = step["run"].as_str() else {
            continue;
        };
        if step["name"].as_str() == Some("Install saml-harness") {
            continue;
        }
        script.push_str("(\nset -euo pipefail\n");
        if let Some(env) = step["env"].as_object() {
            for (k, v) in env {
                script.push_str(&format!("export {k}={}\n", v.as_str().unwrap()));
            }
        }
        script.push_str(run);
        script.push_str(")\n");
    }
    assert!(
        script.contains("saml-harness conformance saml/sp.yaml"),
        "{script}"
    );
    let dir = workdir(&files);
    let summary = dir.path().join("step-summary.md");
    run(
        &script,
        dir.path(),
        &[("GITHUB_STEP_SUMMARY", summary.display().to_string())],
    );
    check_reports(&dir.path().join("reports"));
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(summary.matches("## saml-harness").count(), 2, "{summary}");
    // What the upload steps name was written.
    let uploads = steps.iter().filter(|s| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u.contains("upload-sarif") || u.contains("upload-artifact"))
    });
    for step in uploads {
        for key in ["sarif_file", "path"] {
            if let Some(p) = step["with"][key].as_str() {
                assert!(dir.path().join(p).exists(), "{p}");
            }
        }
    }

    // GitLab CI: the `script` lines in one shell, as the runner does (`before_script` installs).
    let job = &jobs[1]["saml"];
    let lines: Vec<&str> = job["script"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    let dir = workdir(&files);
    run(&lines.join("\n"), dir.path(), &[]);
    check_reports(&dir.path().join("reports"));
    assert!(std::fs::read_to_string(dir.path().join("reports/saml.md"))
        .unwrap()
        .contains("## saml-harness"));
    for p in job["artifacts"]["paths"].as_array().unwrap() {
        assert!(dir.path().join(p.as_str().unwrap()).exists(), "{p}");
    }
}
