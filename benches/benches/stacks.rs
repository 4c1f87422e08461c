//! Verification across stacks: the same Entra-shaped bytes (the default response, 50 claims,
//! 500 groups) verified by the stacks a Rust SP developer chooses between, each as a ratio to
//! libxmlsec1 driven directly from C, measured in alternating rounds:
//!
//! - our reference SP's path (`reference_sp::dsig::verify_enveloped`, libxmlsec1 through the
//!   xmlsec crate);
//! - samael 0.0.22 (libxmlsec1 through its own bindings; its verify step);
//! - bergshamra 0.11.1 (pure Rust, RustCrypto);
//! - bare RSA-2048 verify of the SignedInfo bytes, the limit.
//!
//! Then how verification scales on 2 cores: 2 threads against 1, and 2 processes against 1.
//!
//!     cargo bench -p saml-harness-benches --bench stacks   # ≈ 1 minute (+ ≈ 6 the first time)
//!
//! samael pins libxml = 0.3.3, so samael and bergshamra live in a cargo project of their own
//! (`benches/stacks`, built here into the same target/) and verify in `stack-verify` processes
//! this bench drives; our path and libxmlsec1 direct verify in this process, or, for the
//! process rows, in copies of this bench started as workers (`benches/src/worker.rs`). Every
//! worker first proves it verifies the genuine response and refuses three tampered ones (a
//! changed NameID, a changed SignatureValue, a copy re-signed by another key whose certificate
//! is in KeyInfo).

use std::cell::RefCell;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};
use std::time::Duration;

use mock_idp::cert::SigningCert;
use mock_idp::response::SignWhat;
use mock_idp::sign::Algorithm;
use openssl::hash::MessageDigest;
use saml_harness_benches::worker::{self, Rates, Verify};
use saml_harness_benches::{
    cert_2048, first_signed_id, median, rate, signed, signed_info, DirectVerifier, Paired,
    Settings, Size, Table, ATTEMPTS,
};

/// Set in a copy of this bench started as a worker.
const WORKER: &str = "SAML_BENCH_STACK_WORKER";

fn main() -> ExitCode {
    if std::env::var_os(WORKER).is_some() {
        let args: Vec<String> = std::env::args().skip(1).collect();
        return worker::main_with(&args, in_process);
    }
    let settings = Settings::from_env();
    let stack_verify = match stack_verify(settings.smoke) {
        Ok(path) => path,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if stack_verify.is_none() {
        println!(
            "samael and bergshamra are skipped in this smoke run: \
             `cargo bench -p saml-harness-benches --bench stacks` builds them"
        );
    }
    let mut t = Table::new(&settings);
    let cert = cert_2048();
    println!(
        "{:<58} {:>12}  ratio [lowest–highest of {} alternating rounds]",
        "verification, one core unless said", "rate", settings.rounds
    );
    for (label, size) in [
        ("default response", Size::Default),
        ("50 claims", Size::Claims50),
        ("500 groups", Size::Groups500),
    ] {
        let files = Files::write(size, &cert);
        let direct = DirectVerifier::new(&cert.pem());
        assert!(direct.verify(&files.signed), "libxmlsec1 must verify");
        let mut direct_rate = |b| rate(b, || direct.verify(&files.signed));
        let (pem, id) = (vec![cert.pem()], first_signed_id(&files.signed));
        assert!(
            reference_sp::dsig::verify_enveloped(&files.signed, &id, &pem).is_ok(),
            "ours must verify"
        );
        t.pair(
            &format!("{label}: ours (reference SP)"),
            "libxmlsec1 direct",
            None,
            |b| {
                rate(b, || {
                    reference_sp::dsig::verify_enveloped(&files.signed, &id, &pem)
                })
            },
            &mut direct_rate,
        );
        for (stack, program) in ["samael", "bergshamra"]
            .into_iter()
            .filter_map(|s| Some((s, stack_verify.as_ref()?)))
        {
            let mut w = Worker::start(program, &[], stack, &files);
            t.pair(
                &format!("{label}: {}", stack_name(stack)),
                "libxmlsec1 direct",
                None,
                |b| w.rates(1, b).wall,
                &mut direct_rate,
            );
        }
        let rsa_verify = files.rsa_verify(&cert);
        t.pair(
            &format!("{label}: limit, RSA-2048 verify of SignedInfo"),
            "libxmlsec1 direct",
            None,
            |b| rate(b, &rsa_verify),
            &mut direct_rate,
        );
    }

    println!(
        "\nscaling on 2 cores (default response): 2 threads, or 2 processes, against 1; \
         by the clock and per CPU-second"
    );
    let files = Files::write(Size::Default, &cert);
    let rsa_verify = files.rsa_verify(&cert);
    scaling(
        &mut t,
        "limit: RSA-2048 verify, 2 threads",
        |b| worker::run(2, b, &rsa_verify),
        |b| worker::run(1, b, &rsa_verify),
    );
    let me = std::env::current_exe().expect("this bench's own path");
    // (stack, program, its environment): ours and libxmlsec1 run in copies of this bench.
    let in_me: &[(&str, &str)] = &[(WORKER, "1")];
    let mut stacks = vec![("ours", me.clone(), in_me), ("libxmlsec1", me, in_me)];
    if let Some(p) = &stack_verify {
        stacks.extend(["samael", "bergshamra"].map(|s| (s, p.clone(), &[][..])));
    }
    for (stack, program, env) in &stacks {
        // Both sides of a ratio ask the first worker: it is shared through a RefCell.
        let one = RefCell::new(Worker::start(program, env, stack, &files));
        let mut two = Worker::start(program, env, stack, &files);
        let name = stack_name(stack);
        scaling(
            &mut t,
            &format!("{name}, 2 threads"),
            |b| one.borrow_mut().rates(2, b),
            |b| one.borrow_mut().rates(1, b),
        );
        scaling(
            &mut t,
            &format!("{name}, 2 processes"),
            |b| {
                let mut one = one.borrow_mut();
                one.ask(1, b);
                two.ask(1, b);
                one.answer().beside(two.answer())
            },
            |b| one.borrow_mut().rates(1, b),
        );
    }
    println!(
        "\n{} rows; {} s a side for each ratio, in {} alternating rounds \
         (SAML_BENCH_SECONDS, SAML_BENCH_ROUNDS)",
        t.rows, settings.secs, settings.rounds
    );
    ExitCode::SUCCESS
}

/// `two` against `one` in alternating rounds: the ratio of their rates by the clock (it cannot
/// beat 2×: measured again while it does, then flagged) and per CPU-second (a neighbour taking
/// a core lowers the first only; threads slowing each other down, on a lock or a shared cache
/// line, lower the second), and the cores `two` kept busy.
fn scaling(
    t: &mut Table,
    name: &str,
    mut two: impl FnMut(Duration) -> Rates,
    mut one: impl FnMut(Duration) -> Rates,
) {
    let mut attempts = 0;
    let (clock, cpu, busy) = loop {
        attempts += 1;
        let (mut clock, mut cpu, mut busy) = (Paired::default(), Paired::default(), Vec::new());
        for _ in 0..t.rounds {
            let (reference, subject) = (one(t.round), two(t.round));
            clock.push(subject.wall, reference.wall);
            cpu.push(subject.cpu, reference.cpu);
            busy.push(subject.cores_busy());
        }
        if clock.ratio() <= 2.0 || attempts == ATTEMPTS {
            break (clock, cpu, busy);
        }
    };
    let flag = if clock.ratio() > 2.0 {
        format!("  ⚠ beats 2× after {attempts} measurements: noise")
    } else {
        String::new()
    };
    println!(
        "{name:<58} {:>10.0}/s  {} by the clock, {} per CPU-second, {:.2} cores busy{flag}",
        clock.rates().0,
        clock.describe(),
        cpu.describe(),
        median(&busy)
    );
    t.rows += 1;
}

/// How a stack is named in the table.
fn stack_name(stack: &str) -> &str {
    match stack {
        "samael" => "samael 0.0.22",
        "bergshamra" => "bergshamra 0.11.1 (pure Rust)",
        "libxmlsec1" => "libxmlsec1 direct",
        other => other,
    }
}

/// Our path and libxmlsec1 direct, for a copy of this bench started as a worker.
fn in_process(stack: &str, pem: &str, signed: &str) -> Result<Verify, String> {
    match stack {
        "ours" => {
            let (pem, id) = (vec![pem.to_owned()], first_signed_id(signed));
            Ok(Box::new(move |xml: &str| {
                reference_sp::dsig::verify_enveloped(xml, &id, &pem)
            }))
        }
        "libxmlsec1" => {
            let direct = DirectVerifier::new(pem);
            Ok(Box::new(move |xml: &str| {
                direct
                    .verify(xml)
                    .then_some(())
                    .ok_or_else(|| "libxmlsec1 refuses it".to_owned())
            }))
        }
        other => Err(format!("unknown stack {other:?}; use ours or libxmlsec1")),
    }
}

/// `stack-verify` (samael and bergshamra), built into this target/ unless this is a smoke run,
/// which uses it only if it is already there.
fn stack_verify(smoke: bool) -> Result<Option<PathBuf>, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this bench: {e}"))?;
    // target/<profile>/deps/stacks-<hash>
    let target = exe
        .ancestors()
        .nth(3)
        .ok_or("this bench is not inside a target/ directory")?;
    let program = target.join("release").join("stack-verify");
    if smoke {
        return Ok(program.exists().then_some(program));
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks/Cargo.toml");
    eprintln!("building samael and bergshamra (benches/stacks; ≈ 6 minutes the first time) …");
    let status = Command::new(option_env!("CARGO").unwrap_or("cargo"))
        .args(["build", "--release", "--quiet", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(target)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!(
            "cargo could not build {}; see its errors above",
            manifest.display()
        ));
    }
    Ok(Some(program))
}

/// The files a worker is started with: `STACK` comes before them.
const FILES: [&str; 5] = [
    "cert.pem",
    "signed.xml",
    "tampered-name-id.xml",
    "tampered-signature-value.xml",
    "tampered-keyinfo-key.xml",
];

/// The IdP certificate, a signed response and three tampered copies, as files for the workers.
struct Files {
    dir: tempfile::TempDir,
    signed: String,
}

impl Files {
    fn write(size: Size, cert: &SigningCert) -> Files {
        let signed = signed(size, SignWhat::Assertion, Algorithm::Sha256, cert);
        let name_id = signed.replacen("B.Simon@", "A.Simon@", 1);
        assert_ne!(signed, name_id, "the response names B.Simon");
        let mut signature = signed.clone();
        let at =
            signed.find("<SignatureValue>").expect("a signature") + "<SignatureValue>".len() + 8;
        let flipped = if &signed[at..=at] == "A" { "B" } else { "A" };
        signature.replace_range(at..=at, flipped);
        let dir = tempfile::tempdir().expect("a temporary directory");
        // The catalogue's own forgery: identity changed, re-signed by the attacker's key with
        // its certificate in KeyInfo (what a verifier that trusts KeyInfo accepts).
        let keyinfo = attacks::select::by_id("sig/keyinfo/x509")
            .expect("the check exists")
            .forge(&signed, None, Default::default(), None, Default::default())
            .expect("the forgery builds")
            .xml;
        let texts = [cert.pem(), signed.clone(), name_id, signature, keyinfo];
        for (name, text) in FILES.into_iter().zip(texts) {
            std::fs::write(dir.path().join(name), text).expect("the bench's files are written");
        }
        Files { dir, signed }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Bare RSA-2048 verification of the signed response's SignedInfo (signed once here):
    /// the limit, proven to verify before it is timed.
    fn rsa_verify(&self, cert: &SigningCert) -> impl Fn() -> bool + Sync {
        let signed_info = signed_info(&self.signed).to_owned();
        let signature = mock_idp::sign::rsa_sign(cert, Algorithm::Sha256, signed_info.as_bytes())
            .expect("sign");
        let public = cert.x509().public_key().expect("public key");
        let verify = move || {
            openssl::sign::Verifier::new(MessageDigest::sha256(), &public)
                .and_then(|mut v| v.verify_oneshot(&signature, signed_info.as_bytes()))
                .unwrap_or(false)
        };
        assert!(verify(), "RSA must verify");
        verify
    }
}

/// A verifying process (protocol: `benches/src/worker.rs`); killed when dropped.
struct Worker {
    stack: String,
    /// Where its standard error goes.
    stderr: PathBuf,
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Worker {
    /// Starts `program` verifying `files` with `stack` and waits for it to prove itself.
    fn start(program: &Path, env: &[(&str, &str)], stack: &str, files: &Files) -> Worker {
        let mut child = Command::new(program)
            .arg(stack)
            .args(FILES.map(|n| files.path(n)))
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // libxmlsec1 reports each refused digest there; kept for a worker that fails.
            .stderr(
                std::fs::File::create(files.path(&format!("{stack}.stderr")))
                    .map(Stdio::from)
                    .unwrap_or_else(|_| Stdio::null()),
            )
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let (input, output) = (
            child.stdin.take().expect("piped"),
            BufReader::new(child.stdout.take().expect("piped")),
        );
        let mut w = Worker {
            stack: stack.to_owned(),
            stderr: files.path(&format!("{stack}.stderr")),
            child,
            input,
            output,
        };
        let first = w.line();
        assert_eq!(first, "ready", "{stack}: the worker did not start");
        w
    }

    /// Asks for `threads` verifying for `budget`; [`Worker::answer`] reads the rate.
    fn ask(&mut self, threads: usize, budget: Duration) {
        writeln!(self.input, "{threads} {}", budget.as_millis().max(1))
            .and_then(|()| self.input.flush())
            .unwrap_or_else(|e| panic!("{}: the worker is gone: {e}", self.stack));
    }

    /// The rates the worker measured for the last [`Worker::ask`].
    fn answer(&mut self) -> Rates {
        let line = self.line();
        line.split_once(' ')
            .and_then(|(wall, cpu)| {
                Some(Rates {
                    wall: wall.parse().ok()?,
                    cpu: cpu.parse().ok()?,
                })
            })
            .unwrap_or_else(|| panic!("{}: the worker answered {line:?}", self.stack))
    }

    /// `threads` verifying for `budget`: their [`Rates`].
    fn rates(&mut self, threads: usize, budget: Duration) -> Rates {
        self.ask(threads, budget);
        self.answer()
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        match self.output.read_line(&mut line) {
            Ok(0) => panic!(
                "{}: the worker exited; the end of its standard error:\n{}",
                self.stack,
                std::fs::read_to_string(&self.stderr)
                    .map(|e| e.lines().rev().take(8).collect::<Vec<_>>().join("\n"))
                    .unwrap_or_default()
            ),
            Ok(_) if line.starts_with("error: ") => panic!("{}: {}", self.stack, line.trim_end()),
            Ok(_) => line.trim_end().to_owned(),
            Err(e) => panic!("{}: cannot read the worker: {e}", self.stack),
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
