//! A verifying process the `stacks` bench drives: `WORKER STACK CERT.pem SIGNED.xml
//! TAMPERED.xml…`. Shared by this crate's `stacks` bench (which runs itself as the worker for
//! our path and for libxmlsec1 direct) and `benches/stacks`'s `stack-verify` (samael and
//! bergshamra), which includes this file by path because it cannot depend on this crate.
//!
//! The worker first proves its stack verifies SIGNED.xml and refuses every TAMPERED.xml (a
//! verifier that skips a digest or the RSA check, or trusts the key in KeyInfo, would be fast),
//! then prints `ready`; a genuine response refused while timed is an error too. Each later line on standard
//! input, `THREADS MILLIS`, runs that many threads verifying SIGNED.xml for that long and
//! prints `WALL CPU`: verifications per second of wall-clock time and per second of the
//! process's CPU time ([`Rates`]). End of input ends it; any failure prints `error: …`.

use std::hint::black_box;
use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

/// One stack's verification of a whole response: `Err` says why it refused.
pub type Verify = Box<dyn Fn(&str) -> Result<(), String> + Sync>;

/// How fast a run went: operations per second of wall-clock time, and per second of the CPU
/// time the process used (the second does not fall when a neighbour takes a core, and falls
/// when threads slow each other down, e.g. on a shared lock).
#[derive(Clone, Copy, Debug)]
pub struct Rates {
    /// Operations per second of wall-clock time.
    pub wall: f64,
    /// Operations per second of the process's CPU time (user and system, all threads).
    pub cpu: f64,
}

/// `threads` threads running `op` for `budget` after a warm-up of a tenth of it: [`Rates`].
pub fn run<T>(threads: usize, budget: Duration, op: impl Fn() -> T + Sync) -> Rates {
    let threads = threads.max(1);
    let (ready, done) = (Barrier::new(threads + 1), AtomicU64::new(0));
    let (start, cpu_start) = std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let warm = Instant::now();
                while warm.elapsed() < budget / 10 {
                    black_box(op());
                }
                ready.wait();
                let (start, mut n) = (Instant::now(), 0u64);
                while start.elapsed() < budget {
                    black_box(op());
                    n += 1;
                }
                done.fetch_add(n, Ordering::Relaxed);
            });
        }
        ready.wait();
        (Instant::now(), cpu_time())
    });
    let (wall, cpu) = (start.elapsed(), cpu_time().saturating_sub(cpu_start));
    let n = done.load(Ordering::Relaxed) as f64;
    Rates {
        wall: n / wall.as_secs_f64(),
        cpu: n / cpu.as_secs_f64().max(1e-9),
    }
}

/// The CPU time this process has used so far (user and system, all threads).
pub fn cpu_time() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills in the struct it is given; RUSAGE_SELF cannot fail.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// The worker's main: `args` are `STACK CERT.pem SIGNED.xml TAMPERED.xml…`; `verifier` builds
/// STACK's check from the certificate's PEM and the genuine response.
pub fn main_with(
    args: &[String],
    verifier: impl FnOnce(&str, &str, &str) -> Result<Verify, String>,
) -> ExitCode {
    let [stack, cert, signed, tampered @ ..] = args else {
        eprintln!("usage: WORKER STACK CERT.pem SIGNED.xml TAMPERED.xml…");
        return ExitCode::from(2);
    };
    let read = |p: &str| std::fs::read_to_string(p).map_err(|e| format!("cannot read {p:?}: {e}"));
    let served = (|| {
        let (pem, signed) = (read(cert)?, read(signed)?);
        let tampered = tampered
            .iter()
            .map(|p| read(p).map(|xml| (p.as_str(), xml)))
            .collect::<Result<Vec<_>, _>>()?;
        if tampered.is_empty() {
            return Err("give at least one TAMPERED.xml".to_owned());
        }
        let verify = verifier(stack, &pem, &signed)?;
        serve(stack, &verify, &signed, &tampered)
    })();
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            println!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Proves `verify` tells `signed` from each of the `tampered` (file, XML), prints `ready`, then
/// answers each `THREADS MILLIS` line on standard input with a rate until the input ends.
fn serve(
    stack: &str,
    verify: &Verify,
    signed: &str,
    tampered: &[(&str, String)],
) -> Result<(), String> {
    verify(signed).map_err(|e| format!("{stack} refuses the genuine response: {e}"))?;
    if let Some((file, _)) = tampered.iter().find(|(_, xml)| verify(xml).is_ok()) {
        return Err(format!("{stack} accepts the tampered response {file}"));
    }
    say("ready")?;
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| format!("cannot read a command: {e}"))?;
        let (threads, millis) = line
            .split_once(' ')
            .and_then(|(t, m)| Some((t.parse::<usize>().ok()?, m.parse::<u64>().ok()?)))
            .ok_or_else(|| format!("{line:?} is not `THREADS MILLIS`"))?;
        let failed = std::sync::atomic::AtomicBool::new(false);
        let r = run(threads, Duration::from_millis(millis), || {
            if verify(signed).is_err() {
                failed.store(true, Ordering::Relaxed);
            }
        });
        if failed.load(Ordering::Relaxed) {
            return Err(format!("{stack} stopped verifying the genuine response"));
        }
        say(&format!("{} {}", r.wall, r.cpu))?;
    }
    Ok(())
}

fn say(line: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stack_that_accepts_a_tampered_response_is_not_timed() {
        let yes: Verify = Box::new(|_| Ok(()));
        let tampered = [("tampered-signature-value.xml", "<b/>".to_owned())];
        let e = serve("lenient", &yes, "<a/>", &tampered).unwrap_err();
        assert_eq!(
            e,
            "lenient accepts the tampered response tampered-signature-value.xml"
        );
    }

    #[test]
    fn a_stack_that_refuses_the_genuine_response_is_not_timed() {
        let no: Verify = Box::new(|_| Err("bad digest".into()));
        let e = serve("strict", &no, "<a/>", &[("t.xml", "<b/>".into())]).unwrap_err();
        assert_eq!(e, "strict refuses the genuine response: bad digest");
    }

    #[test]
    fn rates_count_the_cpu_time_of_their_threads() {
        let r = run(2, Duration::from_millis(50), || (0..1000u64).sum::<u64>());
        assert!(r.wall > 0.0 && r.cpu > 0.0, "{r:?}");
        // Two busy threads use up to two CPU-seconds per second (a little slack for timing).
        assert!(r.wall / r.cpu <= 2.2, "{r:?}");
    }
}
