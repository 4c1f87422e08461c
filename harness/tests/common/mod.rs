//! Shared by the harness's integration tests: a `saml-harness` server in a child process.

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
    let mut child = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    lines.read_line(&mut first).unwrap();
    // Keep reading, as a terminal would (the server must survive either way).
    std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
    let url = first.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");
    Server { child, url }
}
