//! `saml-harness fuzz` with only its primitives: with a fixed seed it finds the reference SP's
//! identity-forging flaws within the stated number of cases, finds nothing against the
//! careful reference SP or a real SP, and a reproducer it writes re-runs through `run` with
//! the same verdict.

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn harness(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .envs(env.iter().copied())
        .args(args)
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Each flaw and the number of cases seed 1 needs to find it (measured, see the README's
/// fuzzing section: the first vulnerable case, rounded up to ten). `tests/fuzz_generator.rs`
/// shows the generator reaching all twenty-two flaws it reaches; these go end to end.
const FOUND_WITHIN: [(&str, &str); 9] = [
    ("signature", "10"),
    ("first-text-node", "20"),
    ("last-assertion", "50"),
    ("namespace-blind", "60"),
    ("signature-wrapping", "160"),
    ("xsw-root-assertion", "310"),
    ("regex-fallback", "420"),
    ("hmac-key-confusion", "610"),
    ("first-signature-in-scope", "6710"),
];

#[test]
fn seed_1_finds_each_flaw_within_its_stated_number_of_cases() {
    for (flaw, cases) in FOUND_WITHIN {
        let out = harness(
            &[
                "fuzz",
                "--reference-sp",
                "--flaw",
                flaw,
                "--seed",
                "1",
                "--max-cases",
                cases,
                "--no-shrink",
                "--fail-fast",
                "--jobs",
                "1",
            ],
            &[],
        );
        let said = text(&out);
        assert_eq!(out.status.code(), Some(1), "{flaw}: {said}");
        assert!(said.contains("— vulnerable (case "), "{flaw}: {said}");
        assert!(said.contains("signed in as"), "{flaw}: {said}");
    }
}

#[test]
fn the_careful_reference_sp_gives_the_fuzzer_nothing() {
    let out = harness(
        &[
            "fuzz",
            "--reference-sp",
            "--seed",
            "2",
            "--max-cases",
            "300",
            "--quiet",
        ],
        &[],
    );
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("300 cases in"), "{said}");
    assert!(!said.contains("fuzz: 50 cases"), "--quiet: {said}");
    assert!(said.contains("no findings"), "{said}");
    assert!(!said.contains("inconclusive"), "{said}");
}

#[test]
fn a_shrunk_reproducer_re_runs_through_run_with_the_same_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("findings");
    let out = harness(
        &[
            "fuzz",
            "--reference-sp",
            "--flaw",
            "signature",
            "--seed",
            "1",
            "--max-cases",
            "50",
            // The chains a seed draws depend on the jobs: one, stated.
            "--jobs",
            "1",
            "--out",
            out_dir.to_str().unwrap(),
            "--report",
            &format!("junit={}", dir.path().join("fuzz.xml").display()),
        ],
        &[],
    );
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    let reproducer = out_dir.join("finding-1.json");
    let found: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&reproducer).unwrap()).unwrap();
    assert_eq!(found["verdict"], "vulnerable", "{found}");
    // Shrunk to the one edit that matters: forging the identity with the signature ignored.
    assert_eq!(
        found["chain"]["edits"].as_array().unwrap().len(),
        1,
        "{found}"
    );
    assert!(found["xml"].as_str().unwrap().contains("admin@contoso.com"));
    let junit = std::fs::read_to_string(dir.path().join("fuzz.xml")).unwrap();
    assert!(junit.contains("fuzz/"), "{junit}");
    // The finding's failure carries the reproducer's path, for CI to link or upload.
    let doc = roxmltree::Document::parse(&junit).unwrap();
    let failure = doc
        .descendants()
        .find(|n| n.has_tag_name("failure"))
        .and_then(|n| n.text())
        .unwrap_or_default();
    assert!(
        failure.contains(&format!("reproducer: {}", reproducer.display())),
        "{junit}"
    );

    let scenarios = dir.path().join("scenarios");
    std::fs::create_dir(&scenarios).unwrap();
    let login = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/examples/01-login.yaml"),
    )
    .unwrap();
    let sp_part = &login[..login.find("cases:").unwrap()];
    std::fs::write(
        scenarios.join("repro.yaml"),
        format!(
            "{sp_part}cases:\n  - {{expect: accept}}\n  - {{fuzz: ../findings/finding-1.json}}\n"
        ),
    )
    .unwrap();
    let dir_arg = scenarios.to_str().unwrap();
    // The flawed SP again: the same verdict.
    let flawed = harness(
        &["demo", "--scenarios", dir_arg, "--flaw", "signature"],
        &[],
    );
    let said = text(&flawed);
    assert_eq!(flawed.status.code(), Some(1), "{said}");
    assert!(said.contains("VULNERABLE   fuzz/finding-1"), "{said}");
    // The careful SP refuses it.
    let careful = harness(&["demo", "--scenarios", dir_arg], &[]);
    let said = text(&careful);
    assert_eq!(careful.status.code(), Some(0), "{said}");
    assert!(said.contains("PASS         fuzz/finding-1"), "{said}");
}

#[test]
fn a_broken_reproducer_is_a_scenario_error_that_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.json"), "{\"chain\": 3}").unwrap();
    let scenario = dir.path().join("s.yaml");
    std::fs::write(
        &scenario,
        "sp:\n  sign_on_url: http://127.0.0.1:9/login\n  entity_id: x\n  acs_url: http://127.0.0.1:9/acs\n  oracle: {url: http://127.0.0.1:9/me}\ncases:\n  - {expect: accept}\n  - {fuzz: bad.json}\n",
    )
    .unwrap();
    let out = harness(&["run", scenario.to_str().unwrap()], &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("bad.json is not a fuzz reproducer"), "{said}");
    let missing = scenario.with_file_name("s2.yaml");
    std::fs::write(
        &missing,
        std::fs::read_to_string(&scenario)
            .unwrap()
            .replace("bad.json", "gone.json"),
    )
    .unwrap();
    let out = harness(&["run", missing.to_str().unwrap()], &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("gone.json"), "{said}");
}

#[test]
fn fuzzing_refuses_an_sp_beyond_loopback_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("remote.yaml");
    std::fs::write(
        &scenario,
        "sp:\n  sign_on_url: https://sp.example.com/login\n  entity_id: x\n  acs_url: https://sp.example.com/acs\n  oracle: {url: https://sp.example.com/me}\ncases:\n  - {expect: accept}\n",
    )
    .unwrap();
    let out = harness(&["fuzz", scenario.to_str().unwrap()], &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("--allow-remote"), "{said}");
}

/// The built-in mock IdP's metadata (the in-process IdP signs with its key).
fn idp_metadata() -> String {
    let config = mock_idp::config::Config::builtin();
    mock_idp::metadata::app_metadata(&config.tenant, "http://127.0.0.1:7080", &config.apps[0])
        .unwrap()
}

/// `cases` composed edits against a real SP started on loopback get nobody in: exit 0, no
/// `vulnerable` finding, and (unless `inconclusive_allowed`) every case judged.
fn gives_the_fuzzer_nothing(
    sp: &real_sps::RealSp,
    scenario: &str,
    cases: &str,
    inconclusive_allowed: bool,
) {
    let metadata = sp.idp_metadata_file().display().to_string();
    let out = harness(
        &["fuzz", scenario, "--seed", "1", "--max-cases", cases],
        &[("SP_URL", &sp.base_url), ("IDP_METADATA_FILE", &metadata)],
    );
    let said = text(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{said}\nSP logs:\n{}",
        sp.logs()
    );
    assert!(said.contains(&format!("{cases} cases in")), "{said}");
    assert!(
        inconclusive_allowed || !said.contains("inconclusive"),
        "{said}"
    );
    assert!(!said.contains("— vulnerable"), "{said}");
}

/// python3-saml (PyPI).
#[test]
fn python3_saml_gives_the_fuzzer_nothing() {
    let sp = real_sps::python3_saml(&idp_metadata()).unwrap();
    gives_the_fuzzer_nothing(&sp, "scenarios/sps/python3-saml.yaml", "200", false);
}

/// mod_auth_mellon (Debian). Its oracle reads the UPN claim (mellon asks for a transient
/// NameID), so a case that forges only a NameID mellon ignores while signing B.Simon in
/// cannot be told apart: inconclusive, as the judge says. About 1.2 cases/s here (Apache).
#[test]
fn mod_auth_mellon_gives_the_fuzzer_nothing() {
    let sp = real_sps::mellon(&idp_metadata()).unwrap();
    gives_the_fuzzer_nothing(&sp, "scenarios/sps/mod_auth_mellon.yaml", "60", true);
}

/// Shibboleth SP (Debian). 100 cases (about 100 s): Shibboleth answers nearly every refused
/// document with its 500 error page, and since answers are read as the text a browser shows,
/// the exception it names (XMLParserException, UnmarshallingException, SecurityPolicyException,
/// …) makes distinct answer classes, each an `error` finding the fuzzer shrinks.
#[test]
fn shibboleth_sp_gives_the_fuzzer_nothing() {
    let config = mock_idp::config::Config::builtin();
    let sp = real_sps::shibboleth(&idp_metadata(), &config.tenant.entity_id()).unwrap();
    gives_the_fuzzer_nothing(&sp, "scenarios/sps/shibboleth.yaml", "100", false);
}

#[test]
fn only_corpus_fail_fast_and_the_nearest_check_work_together() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    let findings = dir.path().join("findings");
    let args = |seed: &str| {
        let a = [
            "fuzz",
            "--reference-sp",
            "--flaw",
            "first-text-node",
            "--only",
            "split-identity,bytes",
            "--seed",
            seed,
            "--max-cases",
            "500",
            "--batch",
            "20",
            "--jobs",
            "1",
            "--fail-fast",
            "--no-shrink",
            "--quiet",
            "--corpus",
            corpus.to_str().unwrap(),
            "--out",
            findings.to_str().unwrap(),
        ];
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let first = args("1");
    let out = harness(&first.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    // --fail-fast: it stopped after the batch that found it, well before 500 cases.
    assert!(!said.contains("500 cases in"), "{said}");
    assert!(
        said.contains("nearest catalogue check: canon/comment/name-id")
            || said.contains("nearest catalogue check: canon/cdata/name-id")
            || said.contains("nearest catalogue check: none has this shape"),
        "{said}"
    );
    let found: serde_json::Value =
        serde_json::from_slice(&std::fs::read(findings.join("finding-1.json")).unwrap()).unwrap();
    for edit in found["chain"]["edits"].as_array().unwrap() {
        assert!(
            ["split-identity", "bytes"].contains(&edit["edit"].as_str().unwrap()),
            "--only: {found}"
        );
    }
    let kept = std::fs::read_dir(&corpus).unwrap().count();
    assert!(kept >= 2, "every new answer class is kept: {kept}");
    // The next run starts from that corpus; a file that is no chain is a warning, not a stop.
    std::fs::write(corpus.join("junk.json"), "{}").unwrap();
    let again = args("2");
    let out = harness(&again.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("junk.json is not a corpus chain"), "{said}");
    // An unknown kind is a usage error that lists the kinds.
    let out = harness(&["fuzz", "--reference-sp", "--only", "teleport"], &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("split-identity"), "{said}");
}

#[test]
fn batches_run_side_by_side_only_when_the_sp_keeps_each_of_their_sessions() {
    // The first SP ends a user's earlier sessions at each login: batches side by side would
    // end each other's sessions. The second takes one sign-on at a time (500 to another):
    // a batch whose good login is crowded out cannot be judged. Both run one at a time.
    for (flaw, why) in [
        ("one-session-per-user", ""),
        ("one-login-at-a-time", "could be made only alone"),
    ] {
        let out = harness(
            &[
                "fuzz",
                "--reference-sp",
                "--flaw",
                flaw,
                "--jobs",
                "4",
                "--max-cases",
                "8",
                "--quiet",
            ],
            &[],
        );
        let said = text(&out);
        assert_eq!(out.status.code(), Some(0), "{flaw}: {said}");
        assert!(
            said.contains("note: batches run one at a time, not 4 at once: "),
            "{flaw}: {said}"
        );
        assert!(said.contains(why), "{flaw}: {said}");
        assert!(said.contains("--jobs 1,"), "{flaw}: {said}");
    }
}

#[test]
fn a_robustness_finding_is_the_cases_own_confirmed_alone() {
    // Every case carries a DOCTYPE: the SP crashes on each (500) and answers the next
    // response 503 while it restarts. In a batch, the 503s land on the neighbours; run alone,
    // each case shows its own crash, and the good login right after it fails.
    let args = |flaws: &[&'static str]| {
        let mut a: Vec<&'static str> = vec!["fuzz", "--reference-sp"];
        for f in flaws {
            a.extend(["--flaw", f]);
        }
        a.extend([
            "--only",
            "doctype",
            "--seed",
            "1",
            "--max-cases",
            "4",
            "--batch",
            "4",
            "--no-shrink",
            "--quiet",
        ]);
        a
    };
    let out = harness(&args(&["doctype-crashes-worker"]), &[]);
    let said = text(&out);
    // Robustness findings are reported; they do not fail the run.
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("(4 error)"), "{said}");
    assert!(said.contains("500 worker crashed"), "{said}");
    assert!(!said.contains("503 worker restarting"), "{said}");
    // The careful SP refuses the DOCTYPE and keeps working.
    let out = harness(&args(&[]), &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("no findings"), "{said}");
}
