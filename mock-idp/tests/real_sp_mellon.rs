//! A real SP nobody here wrote — mod_auth_mellon under Debian's Apache, on 127.0.0.1 — completes
//! a login against the mock IdP, and refuses a response signed by a key it does not trust.

mod common;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use mock_idp::config::Config;

const APACHE: &str = "/usr/sbin/apache2";
const MODULES: &str = "/usr/lib/apache2/modules";

/// Apache in the foreground; killed when dropped.
struct Apache(Child);

impl Drop for Apache {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn start_apache(dir: &Path, port: u16, idp_metadata: &str) -> Apache {
    assert!(
        Path::new(APACHE).exists() && Path::new(MODULES).join("mod_auth_mellon.so").exists(),
        "Apache with mod_auth_mellon is missing; run scripts/setup --test"
    );
    let keys = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/keys");
    std::fs::create_dir_all(dir.join("htdocs/protected")).unwrap();
    write(
        dir,
        "htdocs/protected/index.html",
        "<p>protected page</p>\n",
    );
    write(dir, "idp-metadata.xml", idp_metadata);
    std::fs::copy(keys.join("sp-1.key.pem"), dir.join("sp.key")).unwrap();
    std::fs::copy(keys.join("sp-1.cert.pem"), dir.join("sp.crt")).unwrap();
    let d = dir.display();
    let conf = format!(
        r#"ServerRoot "{d}"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {d}/httpd.pid
DefaultRuntimeDir {d}
ErrorLog {d}/error.log
LogLevel warn auth_mellon:debug
User www-data
Group www-data
LoadModule mpm_event_module {MODULES}/mod_mpm_event.so
LoadModule authn_core_module {MODULES}/mod_authn_core.so
LoadModule authz_core_module {MODULES}/mod_authz_core.so
LoadModule authz_user_module {MODULES}/mod_authz_user.so
LoadModule headers_module {MODULES}/mod_headers.so
LoadModule dir_module {MODULES}/mod_dir.so
DirectoryIndex index.html
LoadModule auth_mellon_module {MODULES}/mod_auth_mellon.so
DocumentRoot {d}/htdocs
<Directory {d}/htdocs>
    Require all granted
</Directory>
<Location />
    MellonEnable info
    MellonEndpointPath /mellon
    MellonSPPrivateKeyFile {d}/sp.key
    MellonSPCertFile {d}/sp.crt
    MellonIdPMetadataFile {d}/idp-metadata.xml
    MellonSecureCookie Off
    MellonSetEnvNoPrefix UPN http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name
</Location>
<Location /protected>
    AuthType Mellon
    MellonEnable auth
    Require valid-user
    Header always set X-Upn "%{{UPN}}e"
</Location>
"#
    );
    write(dir, "httpd.conf", &conf);
    let child = Command::new(APACHE)
        .args(["-X", "-f"])
        .arg(dir.join("httpd.conf"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("stderr.log")).unwrap())
        .spawn()
        .expect("start apache2");
    let apache = Apache(child);
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        let logs = || {
            ["stderr.log", "error.log"]
                .map(|f| std::fs::read_to_string(dir.join(f)).unwrap_or_default())
                .concat()
        };
        assert!(
            Instant::now() < deadline,
            "apache2 did not start:\n{}",
            logs()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    apache
}

fn tenant_for(sp: &str) -> Config {
    let yaml = format!(
        "applications:\n  - name: mellon\n    identifiers: [{sp}/mellon/metadata]\n    reply_urls: [{sp}/mellon/postResponse]\n    logout_url: {sp}/mellon/logout\n"
    );
    Config::from_yaml_str(&yaml, "mellon.yaml", Path::new(".")).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn mod_auth_mellon_accepts_a_mock_entra_login() {
    let dir = tempfile::Builder::new().prefix("mellon").tempdir().unwrap();
    // Apache drops privileges to www-data when started as root: it must read the directory.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let port = free_port();
    let sp = format!("http://127.0.0.1:{port}");
    let (idp_base, tenant) = spawn(tenant_for(&sp)).await;
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let metadata = http
        .get(format!(
            "{idp_base}/{tenant}/federationmetadata/2007-06/federationmetadata.xml?appid=mellon"
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let _apache = start_apache(dir.path(), port, &metadata);
    let log = || std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default();

    // 1. The protected page sends the browser to the IdP with an AuthnRequest (HTTP-Redirect).
    //    Mellon first bounces through its own /mellon/login.
    let mut to_idp = format!("{sp}/protected/");
    for _ in 0..5 {
        if !to_idp.starts_with(&sp) {
            break;
        }
        let r = http.get(&to_idp).send().await.unwrap();
        assert!(r.status().is_redirection(), "{} {}", r.status(), log());
        to_idp = r.headers()["location"].to_str().unwrap().to_owned();
    }
    assert!(
        to_idp.starts_with(&format!("{idp_base}/{tenant}/saml2?SAMLRequest=")),
        "{to_idp}"
    );

    // 2. The mock IdP answers with its auto-submit form.
    let r = http.get(&to_idp).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let form = r.text().await.unwrap();
    let (acs, response) = (
        form_action(&form).unwrap(),
        form_field(&form, "SAMLResponse").unwrap(),
    );
    assert_eq!(acs, format!("{sp}/mellon/postResponse"));
    let mut fields = vec![("SAMLResponse", response.clone())];
    if let Some(rs) = form_field(&form, "RelayState") {
        fields.push(("RelayState", rs));
    }

    // 3. Forgeries are refused: signed by an untrusted key, or unsigned (fresh browser each).
    for forged in forgeries(&sp, &response) {
        let stranger = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let r = stranger
            .post(&acs)
            .form(&[("SAMLResponse", forged)])
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_client_error() || r.status().is_server_error(),
            "forged response: {} {}",
            r.status(),
            log()
        );
        let r = stranger
            .get(format!("{sp}/protected/"))
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_redirection(),
            "no session after a forged response"
        );
    }
    // Refused for the signature, by Lasso (not for a missing cookie or the like).
    let refusals: Vec<String> = log()
        .lines()
        .filter(|l| l.contains("Lasso error"))
        .map(str::to_owned)
        .collect();
    assert_eq!(refusals.len(), 2, "{refusals:#?}");

    // 4. The genuine response is accepted: the protected page returns 200 with B.Simon.
    let r = http.post(&acs).form(&fields).send().await.unwrap();
    assert!(
        r.status().is_redirection(),
        "ACS answered {}: {}",
        r.status(),
        log()
    );
    let r = http.get(format!("{sp}/protected/")).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", log());
    assert_eq!(r.headers()["x-upn"], "B.Simon@contoso.com");
    assert!(r.text().await.unwrap().contains("protected page"));
}

/// Two forgeries of `genuine`: the same login signed by a key not in the metadata, and the
/// genuine response with its signature stripped.
fn forgeries(sp: &str, genuine_b64: &str) -> [String; 2] {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let genuine = String::from_utf8(b64.decode(genuine_b64).unwrap()).unwrap();
    let irt_start = genuine.find("InResponseTo=\"").unwrap() + 14;
    let in_response_to = &genuine[irt_start..irt_start + genuine[irt_start..].find('"').unwrap()];

    let yaml = format!(
        "applications:\n  - name: mellon\n    identifiers: [{sp}/mellon/metadata]\n    reply_urls: [{sp}/mellon/postResponse]\n    certificates: [{{key: ../keys/idp-signing-2.key.pem}}]\n"
    );
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/config");
    let idp =
        mock_idp::idp::Idp::new(Config::from_yaml_str(&yaml, "forger.yaml", &fixtures).unwrap());
    let (app, user) = (
        idp.config.app(None).unwrap(),
        idp.config.user(None).unwrap(),
    );
    let login = idp.login_response(
        app,
        user,
        &app.default_reply_url,
        Some(in_response_to),
        None,
        time::OffsetDateTime::now_utc(),
    );
    let wrong_key = idp.sign(app, &login).unwrap();

    let start = genuine.find("<Signature ").unwrap();
    let end = genuine.find("</Signature>").unwrap() + "</Signature>".len();
    let mut unsigned = genuine.clone();
    unsigned.replace_range(start..end, "");
    [b64.encode(wrong_key), b64.encode(unsigned)]
}
