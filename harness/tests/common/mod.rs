//! Shared by the harness's integration tests: a `saml-harness` server in a child process, and
//! a `saml-harness` run with its JSON report. Each test binary uses a part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A `saml-harness ... serve` child and the base URL its banner announced; killed when dropped.
pub struct Server {
    child: Child,
    /// The base URL (`http://127.0.0.1:PORT`).
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `saml-harness ARGS` (a `serve` command listening on 127.0.0.1:0) and reads its URL
/// from the first banner line.
pub fn serve(args: &[&str]) -> Server {
    serve_with_env(args, &[])
}

/// As [`serve`], with environment variables set; the URL may be https.
pub fn serve_with_env(args: &[&str], env: &[(&str, &str)]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    lines.read_line(&mut first).unwrap();
    // Keep reading, as a terminal would (the server must survive either way).
    std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
    let url = first.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:") || url.starts_with("https://127.0.0.1:"),
        "{first}"
    );
    Server { child, url }
}

/// What one `saml-harness` run left: its exit code, its stdout and its JSON report.
pub struct Run {
    /// The exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// The `--report json=…` document.
    pub report: serde_json::Value,
}

impl Run {
    /// The report's cases.
    pub fn cases(&self) -> &Vec<serde_json::Value> {
        self.report["cases"].as_array().expect("cases")
    }

    /// The verdict word of case `id` (panics, with the output, when there is no such case).
    pub fn verdict(&self, id: &str) -> String {
        self.cases()
            .iter()
            .find(|c| c["id"] == id)
            .and_then(|c| c["verdict"].as_str())
            .unwrap_or_else(|| panic!("no case {id}:\n{}", self.stdout))
            .to_owned()
    }

    /// `id=verdict` of every case that did not pass, sorted.
    pub fn findings(&self) -> Vec<String> {
        let mut found: Vec<String> = self
            .cases()
            .iter()
            .filter(|c| c["verdict"] != "pass")
            .map(|c| {
                format!(
                    "{}={}",
                    c["id"].as_str().unwrap(),
                    c["verdict"].as_str().unwrap()
                )
            })
            .collect();
        found.sort();
        found
    }
}

/// Runs `saml-harness ARGS --report json=…` from the repository root with `env`.
pub fn run_with_report(args: &[&str], env: &[(&str, &str)]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let out = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .envs(env.iter().copied())
        .args(args)
        .arg("--report")
        .arg(format!("json={}", report.display()))
        .output()
        .unwrap();
    let stdout = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report = serde_json::from_slice(
        &std::fs::read(&report).unwrap_or_else(|_| panic!("no report; output:\n{stdout}")),
    )
    .unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout,
        report,
    }
}
