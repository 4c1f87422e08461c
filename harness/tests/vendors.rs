//! The four seed vendors end to end: a stand-in SP that enforces what each guide says (built
//! from the profile: `sp serve --entity-id --identity-attribute --require-attribute
//! --name-id-format --user`), the correct setup logging B.Simon in, and one realistic mistake
//! from each guide failing the login with an explanation and caught by `check` before it.

mod common;

use std::process::Command;

use saml_harness::vendor::{self, Provisioning};

/// A vendor, the values that fill its placeholders, and one mistake from its guide.
struct Vendor {
    name: &'static str,
    /// The account the stand-in signs in (Mixpanel's is the `email` claim: user.mail).
    account: &'static str,
    set: &'static [(&'static str, &'static str)],
    /// `idp.settings` keys that make the mistake in a scenario.
    mistake: &'static str,
    /// What a run with the mistake must say.
    explained: &'static str,
}

const USER: &str = "B.Simon@contoso.com";
/// B.Simon's mail, unlike the UPN, so an account found by `email` shows it came from there.
const MAIL: &str = "britta.simon@mail.contoso.com";

const VENDORS: [Vendor; 4] = [
    Vendor {
        name: "pymetrics",
        account: USER,
        set: &[("CUSTOMERNAME", "acme")],
        // The guide's pattern pasted as is.
        mistake: "    identifiers: ['https://www.pymetrics.com/saml2-sp/<CUSTOMERNAME>/<CUSTOMERNAME>/metadata/']\n",
        explained: "still holds the guide's placeholder <CUSTOMERNAME>",
    },
    Vendor {
        name: "runmyprocess",
        account: USER,
        set: &[("TENANT_ID", "t-42")],
        // The portal's Name identifier format left at another value.
        mistake: "    name_id: {format: persistent}\n",
        explained: "set Name identifier format to emailAddress",
    },
    Vendor {
        name: "mixpanel",
        account: MAIL,
        set: &[("ORG_ID", "42")],
        // "Make sure to clear out the Namespace field as well, or else it won't work!"
        mistake: "    claims:\n      - {name: email, namespace: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims', source: user.mail}\n",
        explained: "edit claim email and clear the Namespace field",
    },
    Vendor {
        name: "numlyengage",
        account: USER,
        set: &[
            ("SUBDOMAIN", "acme"),
            ("CUSTOM_IDENTIFIER", "b.simon@contoso.com"),
            ("NUMLY_ENGAGE_SPECIFIC_IDENTIFIER", "eu-west-1_AbCdEf"),
            ("NUMLYENGAGE_SPECIFIC", "auth.eu-west-1."),
        ],
        // The prepopulated Phone number claim deleted.
        mistake: "    claims:\n      - {name: Email, source: user.mail}\n",
        explained: "Add new claim: Name Phone number",
    },
];

fn values(v: &Vendor) -> Vec<(String, String)> {
    v.set
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The vendor's stand-in: the reference SP with the profile's requirements.
fn stand_in(v: &Vendor) -> common::Server {
    let p = vendor::load(v.name).unwrap().fill(&values(v)).unwrap();
    let needs = p.requirements();
    let mut args: Vec<String> = ["sp", "serve", "--listen", "127.0.0.1:0"]
        .map(str::to_owned)
        .to_vec();
    if let Some(id) = &needs.entity_id {
        args.extend(["--entity-id".into(), id.clone()]);
    }
    if let Some(a) = &needs.identity_attribute {
        args.extend(["--identity-attribute".into(), a.clone()]);
    }
    for a in &needs.attributes {
        args.extend(["--require-attribute".into(), a.clone()]);
    }
    if let Some(f) = p.name_id_format {
        args.extend(["--name-id-format".into(), f.0.name().to_owned()]);
    }
    if p.provisioning == Provisioning::Manual {
        args.extend(["--user".into(), v.account.into()]);
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    common::serve(&refs)
}

/// A scenario that sets the app up by the vendor's profile, with `settings` laid over it.
fn scenario(dir: &std::path::Path, v: &Vendor, settings: &str) -> std::path::PathBuf {
    let set: Vec<String> = v.set.iter().map(|(k, x)| format!("{k}: '{x}'")).collect();
    let settings = if settings.is_empty() {
        String::new()
    } else {
        format!("  settings:\n{settings}")
    };
    let text = format!(
        "name: {name}\nvendor: {{name: {name}, set: {{{set}}}}}\nsp:\n  sign_on_url: ${{SP_URL}}/login\n  metadata: ${{SP_URL}}/saml/metadata\n  oracle: {{url: ${{SP_URL}}/me, identity: {{json_pointer: /user}}}}\nidp:\n{settings}  users:\n    - {{upn: {USER}, mail: {MAIL}, attributes: {{telephonenumber: '+1 555 0100'}}}}\ncases:\n  - {{expect: accept, identity: {identity}}}\n",
        name = v.name,
        set = set.join(", "),
        identity = v.account,
    );
    let file = dir.join(format!("{}.yaml", v.name));
    std::fs::write(&file, text).unwrap();
    file
}

#[test]
fn each_vendor_signs_b_simon_in_and_a_mistake_from_its_guide_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    for v in &VENDORS {
        let sp = stand_in(v);
        let env = [("SP_URL", sp.url.as_str())];
        let good = scenario(dir.path(), v, "");
        let run = common::run_with_report(&["run", good.to_str().unwrap()], &env);
        assert_eq!(
            run.code, 0,
            "{}: the guide's setup must log in:\n{}",
            v.name, run.stdout
        );
        assert_eq!(run.verdict("login/good"), "pass", "{}", run.stdout);

        let bad = scenario(dir.path(), v, v.mistake);
        let run = common::run_with_report(&["run", bad.to_str().unwrap()], &env);
        assert_eq!(
            run.code, 1,
            "{}: the mistake must fail the login:\n{}",
            v.name, run.stdout
        );
        assert_ne!(run.verdict("login/good"), "pass", "{}", run.stdout);
        let reason = run
            .cases()
            .iter()
            .find(|c| c["id"] == "login/good")
            .and_then(|c| c["reason"].as_str())
            .unwrap_or_default();
        assert!(
            reason.contains(&format!("the {} profile explains", v.name))
                && reason.contains(v.explained),
            "{}: the failure must say why:\n{reason}",
            v.name
        );
    }
}

/// The Entra app of a tenant config, set up as the guide says and then with the mistake.
fn tenant(v: &Vendor, mistaken: bool) -> String {
    let p = vendor::load(v.name).unwrap().fill(&values(v)).unwrap();
    let mut app = format!("  - name: {}\n", p.title);
    let identifier = p
        .identifier
        .clone()
        .unwrap_or("https://live.runmyprocess.com/".into());
    let reply = p
        .reply_url
        .clone()
        .unwrap_or("https://live.runmyprocess.com/saml/acs".into());
    let mistake = |key: &str| mistaken && v.mistake.trim_start().starts_with(key);
    if mistake("identifiers") {
        app.push_str(v.mistake);
    } else {
        app.push_str(&format!("    identifiers: ['{identifier}']\n"));
    }
    app.push_str(&format!("    reply_urls: ['{reply}']\n"));
    if let Some(s) = &p.sign_on_url {
        app.push_str(&format!("    sign_on_url: '{s}'\n"));
    }
    if mistake("name_id") {
        app.push_str(v.mistake);
    } else if let Some(f) = p.name_id_format {
        app.push_str(&format!("    name_id: {{format: {}}}\n", f.0.name()));
    }
    if mistake("claims") {
        app.push_str(v.mistake);
    } else if !p.claims.is_empty() {
        app.push_str("    claims:\n");
        for c in &p.claims {
            app.push_str(&format!(
                "      - {{name: {}, source: {}}}\n",
                c.name, c.source
            ));
        }
    }
    format!("users:\n  - {{upn: {USER}, mail: {MAIL}, attributes: {{telephonenumber: '+1 555 0100'}}}}\napplications:\n{app}")
}

fn check(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .arg("check")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn check_passes_each_guide_and_catches_its_mistake_before_any_login() {
    let dir = tempfile::tempdir().unwrap();
    for v in &VENDORS {
        let mut args = vec!["--vendor".to_owned(), v.name.to_owned()];
        for (k, x) in v.set {
            args.extend(["--set".into(), format!("{k}={x}")]);
        }
        for mistaken in [false, true] {
            let config = dir.path().join(format!("{}-{mistaken}.yaml", v.name));
            std::fs::write(&config, tenant(v, mistaken)).unwrap();
            let mut a = args.clone();
            a.extend(["--config".into(), config.display().to_string()]);
            let refs: Vec<&str> = a.iter().map(String::as_str).collect();
            let (code, out) = check(&refs);
            if mistaken {
                assert_eq!(code, 1, "{}:\n{out}", v.name);
                assert!(out.contains(v.explained), "{}:\n{out}", v.name);
                let shown = out.replace(&config.display().to_string(), "CONFIG");
                insta::assert_snapshot!(format!("check_{}", v.name), shown);
            } else {
                assert_eq!(
                    code, 0,
                    "{}: the guide's own setup has no error:\n{out}",
                    v.name
                );
                assert!(!out.contains("error["), "{}:\n{out}", v.name);
            }
        }
    }
}

#[test]
fn check_says_which_certificate_file_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let mixpanel = &VENDORS[2];
    let config = dir.path().join("tenant.yaml");
    std::fs::write(&config, tenant(mixpanel, false)).unwrap();
    let metadata = dir.path().join("Mixpanel.xml");
    let out = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .args(["idp", "metadata", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    std::fs::write(&metadata, &out.stdout).unwrap();
    let pem = dir.path().join("Mixpanel.pem");
    let out = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .args(["idp", "cert", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    std::fs::write(&pem, &out.stdout).unwrap();
    let other = dir.path().join("other.pem");
    std::fs::write(
        &other,
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/keys/sp-1.cert.pem"
        ))
        .unwrap(),
    )
    .unwrap();
    let base = [
        "--vendor",
        "mixpanel",
        "--set",
        "ORG_ID=42",
        "--config",
        config.to_str().unwrap(),
        "--json",
        "--cert",
    ];
    let ids = |cert: &std::path::Path| {
        let mut a = base.to_vec();
        a.push(cert.to_str().unwrap());
        let (code, out) = check(&a);
        let json: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}"));
        let ids: Vec<String> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == "error")
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect();
        (code, ids)
    };
    // "If you downloaded an .xml file, then you have clicked the wrong button."
    assert_eq!(ids(&metadata), (1, vec!["cert/artifact".to_owned()]));
    assert_eq!(ids(&pem), (0, vec![]));
    assert_eq!(ids(&other), (1, vec!["cert/not-active".to_owned()]));
}

#[test]
fn check_reads_the_sps_metadata_and_says_what_it_could_not_compare() {
    let dir = tempfile::tempdir().unwrap();
    let mixpanel = &VENDORS[2];
    let sp = stand_in(mixpanel);
    let config = dir.path().join("tenant.yaml");
    std::fs::write(&config, tenant(mixpanel, false)).unwrap();
    let metadata = format!("{}/saml/metadata", sp.url);
    // The stand-in's ACS is local: not among the Reply URLs the guide sets.
    let (code, out) = check(&[
        "--sp-metadata",
        &metadata,
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("error[url/reply-url]") && out.contains(&format!("'{}/saml/acs'", sp.url)),
        "{out}"
    );
    assert!(
        !out.contains("url/identifier"),
        "the entity ID matches: {out}"
    );
    // Without --set, the URLs cannot be compared, and check says so.
    let config = dir.path().join("pymetrics.yaml");
    std::fs::write(&config, tenant(&VENDORS[0], false)).unwrap();
    let (code, out) = check(&[
        "--vendor",
        "pymetrics",
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("warning[profile/unfilled]") && out.contains("CUSTOMERNAME=…"),
        "{out}"
    );
    let (code, out) = check(&[
        "--vendor",
        "pymetrics",
        "--set",
        "ORG_ID=1",
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("no placeholder \"ORG_ID\"") && out.contains("CUSTOMERNAME ("),
        "{out}"
    );
}

#[test]
fn vendor_show_prints_the_portal_settings_filled_in() {
    let out = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .args(["vendor", "show", "numlyengage", "--set", "SUBDOMAIN=acme"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
    // A customer's values file, with --set winning over it.
    let dir = tempfile::tempdir().unwrap();
    let values = dir.path().join("acme.yaml");
    std::fs::write(
        &values,
        "SUBDOMAIN: acme\nCUSTOM_IDENTIFIER: b.simon@contoso.com\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .args([
            "vendor",
            "show",
            "numlyengage",
            "--set",
            "SUBDOMAIN=zed",
            "--values",
        ])
        .arg(&values)
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("https://zed.numly.io/registration?mail=b.simon@contoso.com"),
        "{shown}"
    );
    std::fs::write(&values, "SUBDOMAIN: [a, b]\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .args(["vendor", "show", "numlyengage", "--values"])
        .arg(&values)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("acme.yaml:1: not a map of placeholder values"),
        "{err}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .args(["vendor", "list"])
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&out.stdout);
    for v in &VENDORS {
        assert!(list.contains(v.name), "{list}");
    }
}

#[test]
fn validate_explains_the_mistake_without_logging_in() {
    let dir = tempfile::tempdir().unwrap();
    let mixpanel = &VENDORS[2];
    let sp = stand_in(mixpanel);
    let validate = |file: &std::path::Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
            .args(["validate"])
            .arg(file)
            .env("SP_URL", &sp.url)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, out) = validate(&scenario(dir.path(), mixpanel, ""));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("ok    the app is set up as the mixpanel profile needs"),
        "{out}"
    );
    let (code, out) = validate(&scenario(dir.path(), mixpanel, mixpanel.mistake));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL  the mixpanel profile: claim 'email' is sent as")
            && out.contains(mixpanel.explained),
        "{out}"
    );
}
