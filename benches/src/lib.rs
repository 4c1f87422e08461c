//! Shared inputs for the benchmarks: Entra-shaped responses from mock-idp in the sizes, signing
//! options, algorithms and key sizes the benches issue asks for, and a throughput meter.

use std::ffi::{c_char, c_int};
use std::hint::black_box;
use std::ptr::{null, null_mut};
use std::time::{Duration, Instant};

use mock_idp::cert::SigningCert;
use mock_idp::config::Config;
use mock_idp::idp::Idp;
use mock_idp::response::{Attribute, LoginResponse, SignWhat, Signing};
use mock_idp::sign::Algorithm;
use xmlsec::bindings as c;

pub mod worker;
use worker::Rates;

/// The bundled RSA-2048 signing certificate (what the default app signs with).
pub fn cert_2048() -> SigningCert {
    Config::builtin().apps[0].active_cert().clone()
}

/// An RSA-4096 certificate from the fixture key.
pub fn cert_4096() -> SigningCert {
    let key = SigningCert::parse_key(include_str!("../../fixtures/keys/idp-signing-4096.key.pem"))
        .expect("fixture key");
    SigningCert::generate(
        key,
        time::macros::datetime!(2025-11-01 0:00 UTC),
        time::macros::datetime!(2028-11-01 0:00 UTC),
    )
    .expect("certificate")
}

/// How big the AttributeStatement is.
#[derive(Clone, Copy, Debug)]
pub enum Size {
    /// The portal's default claims (≈ 5 KB signed response).
    Default,
    /// 50 extra claims.
    Claims50,
    /// 500 group object ids in the groups claim.
    Groups500,
}

/// The default app's login for B.Simon, grown to `size`.
pub fn login(size: Size) -> LoginResponse {
    let idp = Idp::new(Config::builtin());
    let (app, user) = (
        &idp.config.apps[0],
        idp.config.user(None).expect("default user"),
    );
    let mut login = idp.login_response(
        app,
        user,
        &app.default_reply_url,
        Some("_bench-request"),
        None,
        time::OffsetDateTime::now_utc(),
    );
    match size {
        Size::Default => {}
        Size::Claims50 => login.attributes.extend((0..50).map(|i| Attribute {
            name: format!("http://schemas.example/claims/claim{i}"),
            values: vec![format!("value number {i} for B.Simon")],
        })),
        Size::Groups500 => login.attributes.push(Attribute {
            name: "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups".into(),
            values: (0..500)
                .map(|i| mock_idp::config::stable_guid(&format!("group:{i}")))
                .collect(),
        }),
    }
    login
}

/// A signed response as the IdP would post it.
pub fn signed(size: Size, what: SignWhat, algorithm: Algorithm, cert: &SigningCert) -> String {
    login(size)
        .to_xml(Some(Signing {
            cert,
            algorithm,
            what,
        }))
        .expect("signing works")
}

/// The `SignedInfo` element of a signed response, as signed (the bytes bare RSA is timed on).
pub fn signed_info(xml: &str) -> &str {
    let start = xml.find("<SignedInfo>").unwrap_or(0);
    let end = xml
        .find("</SignedInfo>")
        .map_or(xml.len(), |e| e + "</SignedInfo>".len());
    &xml[start..end]
}

/// Runs `op` for about `budget` and returns operations per second (after a warm-up of a tenth).
pub fn rate<T>(budget: Duration, mut op: impl FnMut() -> T) -> f64 {
    let warm = Instant::now();
    while warm.elapsed() < budget / 10 {
        black_box(op());
    }
    let (start, mut n) = (Instant::now(), 0u64);
    while start.elapsed() < budget {
        black_box(op());
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

impl Rates {
    /// Two runs side by side (two processes over the same time): their rates summed, their
    /// CPU rate over the CPU time both used.
    pub fn beside(self, other: Rates) -> Rates {
        Rates {
            wall: self.wall + other.wall,
            cpu: (self.wall + other.wall) / (self.wall / self.cpu + other.wall / other.cpu),
        }
    }

    /// CPU seconds per wall-clock second: how many cores the run kept busy.
    pub fn cores_busy(self) -> f64 {
        self.wall / self.cpu
    }
}

/// `rate` on `threads` threads at once, summed.
pub fn rate_threads<T>(budget: Duration, threads: usize, op: impl Fn() -> T + Sync) -> f64 {
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| s.spawn(|| rate(budget, &op)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0.0)).sum()
    })
}

/// libxmlsec1 from C, as an SP written in C would call it: parse, register IDs, find the first
/// Signature, verify with a preloaded key. No checks of ours around it.
pub struct DirectVerifier {
    key: *mut c::xmlSecKey,
}

// The key is only read (duplicated) by verifications.
unsafe impl Sync for DirectVerifier {}

impl DirectVerifier {
    /// Loads the verification key from a PEM certificate (once).
    pub fn new(cert_pem: &str) -> DirectVerifier {
        drop(xmlsec::XmlSecSignatureContext::new()); // initialises libxmlsec1 once
        let key = unsafe {
            c::xmlSecOpenSSLAppKeyLoadMemory(
                cert_pem.as_ptr(),
                cert_pem.len() as u32,
                c::xmlSecKeyDataFormat_xmlSecKeyDataFormatCertPem,
                null(),
                null_mut(),
                null_mut(),
            )
        };
        assert!(!key.is_null(), "libxmlsec1 cannot load the certificate");
        DirectVerifier { key }
    }

    /// Whether the first Signature in `xml` verifies.
    pub fn verify(&self, xml: &str) -> bool {
        unsafe {
            let doc = c::xmlReadMemory(
                xml.as_ptr() as *const c_char,
                xml.len() as c_int,
                null(),
                null(),
                c::xmlParserOption_XML_PARSE_NONET as c_int,
            );
            if doc.is_null() {
                return false;
            }
            let root = c::xmlDocGetRootElement(doc);
            let mut ids = [c"ID".as_ptr() as *const u8, null()];
            c::xmlSecAddIDs(doc, root, ids.as_mut_ptr());
            let signature = c::xmlSecFindNode(
                root,
                c"Signature".as_ptr() as *const u8,
                c"http://www.w3.org/2000/09/xmldsig#".as_ptr() as *const u8,
            );
            let ctx = c::xmlSecDSigCtxCreate(null_mut());
            (*ctx).signKey = c::xmlSecKeyDuplicate(self.key);
            let ok = c::xmlSecDSigCtxVerify(ctx, signature) == 0
                && (*ctx).status == c::xmlSecDSigStatus_xmlSecDSigStatusSucceeded;
            c::xmlSecDSigCtxDestroy(ctx);
            c::xmlFreeDoc(doc);
            ok
        }
    }
}

/// The ID of the element carrying the first Signature in document order (what direct
/// libxmlsec1 verifies): the Response when it is signed, else the Assertion.
pub fn first_signed_id(xml: &str) -> String {
    let doc = roxmltree::Document::parse(xml).expect("our own XML parses");
    doc.descendants()
        .find(|n| n.tag_name().name() == "Signature")
        .and_then(|s| s.parent_element())
        .and_then(|e| e.attribute("ID"))
        .unwrap_or_default()
        .to_owned()
}

/// A ratio measured in alternating rounds (reference, subject, reference, subject …) so a busy
/// neighbour lands on both sides of it; reported as the median ratio and the spread of rounds.
#[derive(Clone, Debug, Default)]
pub struct Paired {
    /// The subject's rate in each round.
    pub subject: Vec<f64>,
    /// The reference's rate in each round.
    pub reference: Vec<f64>,
}

impl Paired {
    /// Measures `subject` against `reference` in `rounds` rounds, each side given `budget`
    /// per round.
    pub fn measure(
        rounds: usize,
        budget: Duration,
        mut subject: impl FnMut(Duration) -> f64,
        mut reference: impl FnMut(Duration) -> f64,
    ) -> Paired {
        let mut p = Paired::default();
        for _ in 0..rounds.max(1) {
            let r = reference(budget);
            p.push(subject(budget), r);
        }
        p
    }

    /// Adds one round.
    pub fn push(&mut self, subject: f64, reference: f64) {
        self.subject.push(subject);
        self.reference.push(reference);
    }

    fn ratios(&self) -> Vec<f64> {
        let mut r: Vec<f64> = self
            .subject
            .iter()
            .zip(&self.reference)
            .map(|(s, r)| s / r)
            .collect();
        r.sort_by(f64::total_cmp);
        r
    }

    /// The median of the rounds' ratios.
    pub fn ratio(&self) -> f64 {
        median(&self.ratios())
    }

    /// The lowest and the highest round's ratio.
    pub fn spread(&self) -> (f64, f64) {
        let r = self.ratios();
        (
            r.first().copied().unwrap_or(f64::NAN),
            r.last().copied().unwrap_or(f64::NAN),
        )
    }

    /// The median rates of the subject and of the reference.
    pub fn rates(&self) -> (f64, f64) {
        (median(&self.subject), median(&self.reference))
    }

    /// `0.95× [0.93–0.97]`.
    pub fn describe(&self) -> String {
        let (lo, hi) = self.spread();
        format!("{:.2}× [{lo:.2}–{hi:.2}]", self.ratio())
    }
}

/// The median of `values` (the mean of the middle two for an even count; NaN when empty).
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// [`Paired::measure`], measured again (up to `attempts` times in all) while the median ratio
/// beats `ceiling`, a physical limit such as signing outrunning the RSA inside it; returns the
/// last measurement and how many it took.
pub fn paired_within(
    ceiling: Option<f64>,
    attempts: usize,
    mut measure: impl FnMut() -> Paired,
) -> (Paired, usize) {
    let mut p = measure();
    let mut n = 1;
    while n < attempts && ceiling.is_some_and(|c| p.ratio() > c) {
        p = measure();
        n += 1;
    }
    (p, n)
}

/// How long and how often a bench measures, from `SAML_BENCH_SECONDS` and `SAML_BENCH_ROUNDS`.
pub struct Settings {
    /// Run without `--bench` (by `cargo test --all-targets`): every row runs for a moment to
    /// show it still works, and the figures mean nothing.
    pub smoke: bool,
    /// Seconds each side of a ratio is measured for, over all its rounds.
    pub secs: f64,
    /// Alternating rounds per ratio.
    pub rounds: usize,
}

impl Settings {
    /// The settings from the environment and the command line (1 s in 5 rounds by default).
    pub fn from_env() -> Settings {
        let smoke = !std::env::args().any(|a| a == "--bench");
        let var = |name: &str| std::env::var(name).ok().filter(|_| !smoke);
        Settings {
            smoke,
            secs: var("SAML_BENCH_SECONDS")
                .and_then(|s| s.parse().ok())
                .unwrap_or(if smoke { 0.02 } else { 1.0 }),
            rounds: var("SAML_BENCH_ROUNDS")
                .and_then(|s| s.parse().ok())
                .unwrap_or(if smoke { 1 } else { 5 })
                .max(1),
        }
    }

    /// The time each side of a ratio is measured for, over all its rounds.
    pub fn budget(&self) -> Duration {
        Duration::from_secs_f64(self.secs)
    }
}

/// Attempts at a ratio that beats its physical limit before it is flagged.
pub const ATTEMPTS: usize = 3;

/// Prints rates and paired ratios, one row each, and counts the rows.
pub struct Table {
    /// Rows printed so far.
    pub rows: usize,
    /// Alternating rounds per ratio.
    pub rounds: usize,
    /// Each side's time in one round.
    pub round: Duration,
}

impl Table {
    /// An empty table measuring ratios as `settings` say.
    pub fn new(settings: &Settings) -> Table {
        Table {
            rows: 0,
            rounds: settings.rounds,
            round: settings.budget() / settings.rounds as u32,
        }
    }

    /// A rate on its own (a limit, a stage).
    pub fn row(&mut self, name: &str, rate: f64) {
        println!("{name:<58} {rate:>10.0}/s");
        self.rows += 1;
    }

    /// `subject` against `reference` in alternating rounds; `ceiling` is the ratio it cannot
    /// physically beat.
    pub fn pair(
        &mut self,
        name: &str,
        against: &str,
        ceiling: Option<f64>,
        mut subject: impl FnMut(Duration) -> f64,
        mut reference: impl FnMut(Duration) -> f64,
    ) {
        let (rounds, round) = (self.rounds, self.round);
        let (p, attempts): (Paired, usize) = paired_within(ceiling, ATTEMPTS, || {
            Paired::measure(rounds, round, &mut subject, &mut reference)
        });
        let note = match ceiling {
            Some(c) if p.ratio() > c => {
                format!("  ⚠ beats its limit of {c}× after {attempts} measurements: noise")
            }
            _ if attempts > 1 => format!("  (measured {attempts}×: beat its limit before)"),
            _ => String::new(),
        };
        println!(
            "{name:<58} {:>10.0}/s  {} {against}{note}",
            p.rates().0,
            p.describe()
        );
        self.rows += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_processes_side_by_side_add_their_rates_and_their_cpu_time() {
        let one = Rates {
            wall: 100.0,
            cpu: 100.0,
        };
        let slow = Rates {
            wall: 50.0,
            cpu: 50.0,
        };
        let both = one.beside(slow);
        assert_eq!(both.wall, 150.0);
        // 100 + 50 operations on 1 + 1 CPU-seconds.
        assert_eq!(both.cpu, 75.0);
        assert_eq!(both.cores_busy(), 2.0);
    }

    #[test]
    fn a_ratio_is_the_median_of_its_rounds() {
        let mut p = Paired::default();
        for (s, r) in [(90.0, 100.0), (50.0, 100.0), (99.0, 100.0)] {
            p.push(s, r);
        }
        assert_eq!(p.ratio(), 0.9);
        assert_eq!(p.spread(), (0.5, 0.99));
    }
}
