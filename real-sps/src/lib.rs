//! Test support: SPs nobody here wrote, installed by `scripts/setup --test` and started here on
//! 127.0.0.1 with an ephemeral port, trusting the IdP metadata they are given. Each is stopped
//! when dropped. Used by the mock IdP's and the harness's end-to-end tests.

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long an SP may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The test SP's signing key and certificate (fixtures, public on purpose).
fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/keys")
        .join(name)
}

/// A running SP; killed when dropped.
pub struct RealSp {
    /// What it is, for messages.
    pub name: &'static str,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    child: Child,
    dir: tempfile::TempDir,
    helper: Option<Helper>,
}

/// A process started beside the SP (shibd); killed when dropped.
struct Helper(Child);

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl RealSp {
    /// The IdP metadata file the SP was started with: a scenario's `sp.reload_idp_metadata`
    /// replaces it (the SPs that re-read it on change take the new one).
    pub fn idp_metadata_file(&self) -> PathBuf {
        self.dir.path().join("idp-metadata.xml")
    }

    /// The SP's logs so far (for assertion messages).
    pub fn logs(&self) -> String {
        ["stderr.log", "error.log", "shibd.log"]
            .iter()
            .map(|f| std::fs::read_to_string(self.dir.path().join(f)).unwrap_or_default())
            .collect()
    }
}

impl Drop for RealSp {
    fn drop(&mut self) {
        // Each SP leads a process group of its own (see `start`): its workers go with it.
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: kill(2) on our own child's process group; no memory is involved.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn world_readable_dir(prefix: &str) -> std::io::Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new().prefix(prefix).tempdir()?;
    // Apache drops privileges to www-data when started as root: it must read this directory.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )?;
    Ok(dir)
}

fn wait_until_listening(mut sp: RealSp, port: u16) -> Result<RealSp, String> {
    let deadline = Instant::now() + START_TIMEOUT;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = sp.child.try_wait() {
            return Err(format!(
                "{} exited with {status} before listening:\n{}",
                sp.name,
                sp.logs()
            ));
        }
        if Instant::now() > deadline {
            return Err(format!(
                "{} did not listen on port {port} within {START_TIMEOUT:?}:\n{}",
                sp.name,
                sp.logs()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(sp)
}

/// A directory for an Apache-hosted SP: `htdocs/protected/` with an index and a `whoami.shtml`
/// that echoes the request variable `identity_var`, the IdP metadata, the test SP key pair;
/// and a free port for it to listen on.
fn apache_site(
    prefix: &str,
    idp_metadata: &str,
    identity_var: &str,
) -> std::io::Result<(tempfile::TempDir, u16)> {
    let dir = world_readable_dir(prefix)?;
    let d = dir.path();
    std::fs::create_dir_all(d.join("htdocs/protected"))?;
    std::fs::write(
        d.join("htdocs/protected/index.html"),
        "<p>protected page</p>\n",
    )?;
    std::fs::write(
        d.join("htdocs/protected/whoami.shtml"),
        format!("<p>Signed in as <!--#echo var=\"{identity_var}\" --></p>\n"),
    )?;
    std::fs::write(d.join("idp-metadata.xml"), idp_metadata)?;
    std::fs::copy(fixture("sp-1.key.pem"), d.join("sp.key"))?;
    std::fs::copy(fixture("sp-1.cert.pem"), d.join("sp.crt"))?;
    Ok((dir, free_port()?))
}

const APACHE: &str = "/usr/sbin/apache2";
const MODULES: &str = "/usr/lib/apache2/modules";

/// mod_auth_mellon under Debian's Apache. Sign-on `/protected/`, entity ID `/mellon/metadata`,
/// ACS `/mellon/postResponse`; `/protected/whoami.shtml` shows "Signed in as UPN" (the name claim), and
/// `/protected/` sends header `X-Upn` from the name claim. Apache runs as it does in
/// production (a parent and its workers), so a graceful restart (SIGUSR1 to the pid in
/// `httpd.pid`) makes mellon read the IdP metadata again; `-X` ignores that signal.
pub fn mellon(idp_metadata: &str) -> Result<RealSp, String> {
    if !Path::new(APACHE).exists() || !Path::new(MODULES).join("mod_auth_mellon.so").exists() {
        return Err("Apache with mod_auth_mellon is missing; run scripts/setup --test".into());
    }
    let io = |e: std::io::Error| e.to_string();
    let (dir, port) = apache_site("mellon", idp_metadata, "UPN").map_err(io)?;
    let d = dir.path();
    let dd = d.display();
    let conf = format!(
        r#"ServerRoot "{dd}"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {dd}/httpd.pid
DefaultRuntimeDir {dd}
ErrorLog {dd}/error.log
LogLevel warn auth_mellon:debug
User www-data
Group www-data
LoadModule mpm_event_module {MODULES}/mod_mpm_event.so
LoadModule authn_core_module {MODULES}/mod_authn_core.so
LoadModule authz_core_module {MODULES}/mod_authz_core.so
LoadModule authz_user_module {MODULES}/mod_authz_user.so
LoadModule headers_module {MODULES}/mod_headers.so
LoadModule dir_module {MODULES}/mod_dir.so
LoadModule mime_module {MODULES}/mod_mime.so
LoadModule include_module {MODULES}/mod_include.so
LoadModule auth_mellon_module {MODULES}/mod_auth_mellon.so
DirectoryIndex index.html
TypesConfig /etc/mime.types
AddType text/html .shtml
AddOutputFilter INCLUDES .shtml
DocumentRoot {dd}/htdocs
<Directory {dd}/htdocs>
    Require all granted
    Options +Includes
</Directory>
<Location />
    MellonEnable info
    MellonEndpointPath /mellon
    MellonSPPrivateKeyFile {dd}/sp.key
    MellonSPCertFile {dd}/sp.crt
    MellonIdPMetadataFile {dd}/idp-metadata.xml
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
    std::fs::write(d.join("httpd.conf"), conf).map_err(io)?;
    let child = Command::new(APACHE)
        .args(["-D", "FOREGROUND", "-f"])
        .arg(d.join("httpd.conf"))
        // A process group of its own: dropping the SP ends Apache's workers with it.
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(d.join("stderr.log")).map_err(io)?)
        .spawn()
        .map_err(|e| format!("cannot start {APACHE}: {e}"))?;
    wait_until_listening(
        RealSp {
            name: "mod_auth_mellon",
            base_url: format!("http://127.0.0.1:{port}"),
            child,
            dir,
            helper: None,
        },
        port,
    )
}

/// Shibboleth SP 3 (Debian's libapache2-mod-shib + shibd) under Apache. Sign-on `/protected/`,
/// entity ID `/shibboleth`, metadata `/Shibboleth.sso/Metadata`, ACS
/// `/Shibboleth.sso/SAML2/POST`; `/protected/whoami.shtml` shows "Signed in as UPN" (the name
/// claim, mapped to `upn`). shibd runs in the foreground beside Apache and is stopped with it.
pub fn shibboleth(idp_metadata: &str, idp_entity_id: &str) -> Result<RealSp, String> {
    const SHIBD: &str = "/usr/sbin/shibd";
    if !Path::new(APACHE).exists()
        || !Path::new(MODULES).join("mod_shib.so").exists()
        || !Path::new(SHIBD).exists()
    {
        return Err("Apache with mod_shib and shibd is missing; run scripts/setup --test".into());
    }
    let io = |e: std::io::Error| e.to_string();
    let (dir, port) = apache_site("shibboleth", idp_metadata, "upn").map_err(io)?;
    let d = dir.path();
    // shibd runs as www-data so Apache's workers can use its socket; it writes here.
    let run = d.join("run");
    std::fs::create_dir_all(&run).map_err(io)?;
    std::fs::set_permissions(&run, std::os::unix::fs::PermissionsExt::from_mode(0o777))
        .map_err(io)?;
    let base_url = format!("http://127.0.0.1:{port}");
    let dd = d.display();
    let rd = run.display();
    std::fs::write(
        d.join("attribute-map.xml"),
        r#"<Attributes xmlns="urn:mace:shibboleth:2.0:attribute-map">
    <Attribute name="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name" id="upn"/>
</Attributes>
"#,
    )
    .map_err(io)?;
    // IdP metadata by `file://` URL, fetched every second: a `path=` provider re-reads the file
    // only when its mtime, in whole seconds, is later than at the last load, so a scenario's
    // `sp.reload_idp_metadata` that restores the original within the same second went unseen.
    std::fs::write(
        d.join("shibboleth2.xml"),
        format!(
            r#"<SPConfig xmlns="urn:mace:shibboleth:3.0:native:sp:config" xmlns:conf="urn:mace:shibboleth:3.0:native:sp:config" clockSkew="180">
    <OutOfProcess logger="/etc/shibboleth/console.logger"/>
    <InProcess logger="/etc/shibboleth/console.logger"/>
    <UnixListener address="{rd}/shibd.sock"/>
    <ApplicationDefaults entityID="{base_url}/shibboleth" REMOTE_USER="upn">
        <Sessions lifetime="28800" timeout="3600" relayState="ss:mem" checkAddress="false" handlerSSL="false" cookieProps="http" redirectLimit="exact">
            <SSO entityID="{idp_entity_id}">SAML2</SSO>
            <Logout>SAML2 Local</Logout>
            <Handler type="MetadataGenerator" Location="/Metadata" signing="false"/>
            <Handler type="Session" Location="/Session" showAttributeValues="true"/>
        </Sessions>
        <Errors supportContact="root@localhost" helpLocation="/about.html" styleSheet="/shibboleth-sp/main.css"/>
        <MetadataProvider type="XML" validate="false" url="file://{dd}/idp-metadata.xml" backingFilePath="{rd}/idp-metadata.xml" reloadInterval="1" minRefreshDelay="1"/>
        <AttributeExtractor type="XML" validate="true" reloadChanges="false" path="{dd}/attribute-map.xml"/>
        <AttributeFilter type="XML" validate="true" path="/etc/shibboleth/attribute-policy.xml"/>
        <CredentialResolver type="File" use="signing" key="{dd}/sp.key" certificate="{dd}/sp.crt"/>
    </ApplicationDefaults>
    <SecurityPolicyProvider type="XML" validate="true" path="/etc/shibboleth/security-policy.xml"/>
    <ProtocolProvider type="XML" validate="true" reloadChanges="false" path="/etc/shibboleth/protocols.xml"/>
</SPConfig>
"#
        ),
    )
    .map_err(io)?;
    std::fs::write(
        d.join("httpd.conf"),
        format!(
            r#"ServerRoot "{dd}"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {dd}/httpd.pid
DefaultRuntimeDir {dd}
ErrorLog {dd}/error.log
LogLevel warn
User www-data
Group www-data
LoadModule mpm_event_module {MODULES}/mod_mpm_event.so
LoadModule authn_core_module {MODULES}/mod_authn_core.so
LoadModule authz_core_module {MODULES}/mod_authz_core.so
LoadModule dir_module {MODULES}/mod_dir.so
LoadModule mime_module {MODULES}/mod_mime.so
LoadModule include_module {MODULES}/mod_include.so
LoadModule mod_shib {MODULES}/mod_shib.so
ShibConfig {dd}/shibboleth2.xml
ShibCompatValidUser Off
TypesConfig /etc/mime.types
DirectoryIndex index.html
AddType text/html .shtml
AddOutputFilter INCLUDES .shtml
DocumentRoot {dd}/htdocs
<Directory {dd}/htdocs>
    Require all granted
    Options +Includes
</Directory>
<Location /Shibboleth.sso>
    SetHandler shib
</Location>
<Location /protected>
    AuthType shibboleth
    ShibRequestSetting requireSession 1
    Require shib-session
</Location>
"#
        ),
    )
    .map_err(io)?;
    let shibd = Command::new(SHIBD)
        .args(["-F", "-f", "-u", "www-data", "-g", "www-data", "-c"])
        .arg(d.join("shibboleth2.xml"))
        .arg("-p")
        .arg(run.join("shibd.pid"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(d.join("shibd.log")).map_err(io)?)
        .spawn()
        .map_err(|e| format!("cannot start {SHIBD}: {e}"))?;
    let shibd = Helper(shibd);
    let deadline = Instant::now() + START_TIMEOUT;
    while !run.join("shibd.sock").exists() {
        if Instant::now() > deadline {
            return Err(format!(
                "shibd made no socket within {START_TIMEOUT:?}:\n{}",
                std::fs::read_to_string(d.join("shibd.log")).unwrap_or_default()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let apache = Command::new(APACHE)
        .args(["-X", "-f"])
        .arg(d.join("httpd.conf"))
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(d.join("stderr.log")).map_err(io)?)
        .spawn()
        .map_err(|e| format!("cannot start {APACHE}: {e}"))?;
    let mut sp = wait_until_listening(
        RealSp {
            name: "Shibboleth SP",
            base_url,
            child: apache,
            dir,
            helper: None,
        },
        port,
    )?;
    sp.helper = Some(shibd);
    Ok(sp)
}

/// The virtualenv `scripts/setup --test` installs python3-saml, pysaml2, Flask, scim2-server and
/// django-scim2-server into.
pub fn python_venv() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/real-sps-venv")
}

/// A program of the test virtualenv, or what to run when it is missing.
fn from_venv(program: &str) -> Result<PathBuf, String> {
    let path = python_venv().join("bin").join(program);
    if path.exists() {
        Ok(path)
    } else {
        Err(format!(
            "{} is missing; run scripts/setup --test",
            path.display()
        ))
    }
}

/// Starts `command` (its stderr to `stderr.log` in `dir`) and waits until it listens on `port`.
fn start(
    name: &'static str,
    mut command: Command,
    dir: tempfile::TempDir,
    port: u16,
    base_url: String,
) -> Result<RealSp, String> {
    let stderr = std::fs::File::create(dir.path().join("stderr.log")).map_err(|e| e.to_string())?;
    // A process group of its own, so that dropping the SP also ends the workers it forks
    // (`php -S` with PHP_CLI_SERVER_WORKERS outlives a kill of its parent alone).
    command.process_group(0);
    let child = command
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot start {name}: {e}"))?;
    wait_until_listening(
        RealSp {
            name,
            base_url,
            child,
            dir,
            helper: None,
        },
        port,
    )
}

/// python3-saml (OneLogin's toolkit, from PyPI) in a minimal Flask app, strict mode. Sign-on
/// `/login`, metadata `/metadata`, ACS `/acs`, protected JSON page `/me` (`/name_id`).
pub fn python3_saml(idp_metadata: &str) -> Result<RealSp, String> {
    let python = from_venv("python")?;
    let io = |e: std::io::Error| e.to_string();
    let dir = world_readable_dir("python3-saml").map_err(io)?;
    std::fs::write(dir.path().join("idp-metadata.xml"), idp_metadata).map_err(io)?;
    let port = free_port().map_err(io)?;
    let base_url = format!("http://127.0.0.1:{port}");
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("python3-saml/app.py");
    let mut command = Command::new(python);
    command
        .arg(app)
        .env("SP_BASE_URL", &base_url)
        .env("SP_PORT", port.to_string())
        .env("IDP_METADATA", dir.path().join("idp-metadata.xml"));
    start("python3-saml", command, dir, port, base_url)
}

/// Starts `command`, a minimal SP app, with what every such app reads from its environment:
/// SP_BASE_URL and SP_PORT (a free port on 127.0.0.1), IDP_METADATA (`idp_metadata` in a
/// file), SP_KEY and SP_CERT (the test SP key pair: decryption key, certificate published).
fn app_sp(name: &'static str, mut command: Command, idp_metadata: &str) -> Result<RealSp, String> {
    let io = |e: std::io::Error| e.to_string();
    let dir = world_readable_dir(name).map_err(io)?;
    let d = dir.path();
    std::fs::write(d.join("idp-metadata.xml"), idp_metadata).map_err(io)?;
    std::fs::copy(fixture("sp-1.key.pem"), d.join("sp.key")).map_err(io)?;
    std::fs::copy(fixture("sp-1.cert.pem"), d.join("sp.crt")).map_err(io)?;
    let port = free_port().map_err(io)?;
    let base_url = format!("http://127.0.0.1:{port}");
    command
        .env("SP_BASE_URL", &base_url)
        .env("SP_PORT", port.to_string())
        .env("IDP_METADATA", d.join("idp-metadata.xml"))
        .env("SP_KEY", d.join("sp.key"))
        .env("SP_CERT", d.join("sp.crt"));
    start(name, command, dir, port, base_url)
}

/// The npm packages `scripts/setup --test` installs for the Node SPs.
pub fn node_modules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/real-sps-node/node_modules")
}

/// A Node SP: `real-sps/NAME/app.js` with the npm packages, the IdP metadata and the test SP
/// key pair (decryption key, certificate in its metadata), under `supervise.js` (started again
/// when it dies, as a process manager would). Sign-on `/login`, metadata
/// `/metadata`, ACS `/acs`, protected JSON page `/me` (`/name_id`).
fn node_sp(name: &'static str, package: &str, idp_metadata: &str) -> Result<RealSp, String> {
    let modules = node_modules();
    if !modules.join(package).exists() {
        return Err(format!(
            "{} is missing; run scripts/setup --test",
            modules.join(package).display()
        ));
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut command = Command::new("node");
    command
        .arg(here.join("supervise.js"))
        .arg(here.join(name).join("app.js"))
        .env("NODE_PATH", &modules);
    app_sp(name, command, idp_metadata)
}

/// @node-saml/node-saml (npm; the SAML core of passport-saml) in a minimal Node app: see
/// `real-sps/node-saml/app.js`.
pub fn node_saml(idp_metadata: &str) -> Result<RealSp, String> {
    node_sp("node-saml", "@node-saml/node-saml", idp_metadata)
}

/// samlify (npm) in a minimal Node app with the node-xmllint schema validator: see
/// `real-sps/samlify/app.js`.
pub fn samlify(idp_metadata: &str) -> Result<RealSp, String> {
    node_sp("samlify", "samlify", idp_metadata)
}

/// saml2-js (npm) in a minimal Node app: see `real-sps/saml2-js/app.js`.
pub fn saml2_js(idp_metadata: &str) -> Result<RealSp, String> {
    node_sp("saml2-js", "saml2-js", idp_metadata)
}

/// django-allauth's SAML provider (PyPI; python3-saml inside) in a minimal Django app: see
/// `real-sps/django-allauth/app.py`. Sign-on `/accounts/saml/contoso/login/`, metadata
/// `/accounts/saml/contoso/metadata/`, protected JSON page `/me` (`/name_id`).
pub fn django_allauth(idp_metadata: &str) -> Result<RealSp, String> {
    let mut command = Command::new(from_venv("python")?);
    command.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("django-allauth/app.py"));
    app_sp("django-allauth", command, idp_metadata)
}

/// pysaml2 (PyPI, with Debian's xmlsec1) in a minimal Flask app: see `real-sps/pysaml2/app.py`.
/// Sign-on `/login`, metadata `/metadata`, ACS `/acs`, protected JSON page `/me` (`/name_id`).
pub fn pysaml2(idp_metadata: &str) -> Result<RealSp, String> {
    let mut command = Command::new(from_venv("python")?);
    command.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("pysaml2/app.py"));
    app_sp("pysaml2", command, idp_metadata)
}

/// ruby-saml (Debian's ruby-saml package) in a minimal WEBrick app: see
/// `real-sps/ruby-saml/app.rb`. Sign-on `/login`, metadata `/metadata`, ACS `/acs`, protected
/// JSON page `/me` (`/name_id`).
pub fn ruby_saml(idp_metadata: &str) -> Result<RealSp, String> {
    let installed = std::fs::read_dir("/usr/share/rubygems-integration/all/gems")
        .map(|gems| {
            gems.flatten()
                .any(|g| g.file_name().to_string_lossy().starts_with("ruby-saml-"))
        })
        .unwrap_or(false);
    if !Path::new("/usr/bin/ruby").exists() || !installed {
        return Err("ruby or ruby-saml is missing; run scripts/setup --test".into());
    }
    let mut command = Command::new("ruby");
    command.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("ruby-saml/app.rb"));
    app_sp("ruby-saml", command, idp_metadata)
}

/// SimpleSAMLphp (Debian's simplesamlphp package) as the SP of a minimal PHP app under PHP's
/// built-in server: its config and authsources in `real-sps/simplesamlphp/config`, the pages
/// `login.php` (sign-on) and `me.php` (protected JSON page, `/name_id`) beside its `www/` at
/// `/simplesaml/`, and a data directory of its own (sessions, replay store, logs).
pub fn simplesamlphp(idp_metadata: &str) -> Result<RealSp, String> {
    const WWW: &str = "/usr/share/simplesamlphp/www";
    if !Path::new(WWW).exists() || !Path::new("/usr/bin/php").exists() {
        return Err("php or simplesamlphp is missing; run scripts/setup --test".into());
    }
    let io = |e: std::io::Error| e.to_string();
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("simplesamlphp");
    let dir = world_readable_dir("simplesamlphp").map_err(io)?;
    let d = dir.path();
    std::fs::create_dir_all(d.join("root")).map_err(io)?;
    std::fs::create_dir_all(d.join("data/tmp")).map_err(io)?;
    std::os::unix::fs::symlink(WWW, d.join("root/simplesaml")).map_err(io)?;
    for page in ["login.php", "me.php"] {
        std::fs::copy(here.join("www").join(page), d.join("root").join(page)).map_err(io)?;
    }
    std::fs::write(d.join("idp-metadata.xml"), idp_metadata).map_err(io)?;
    std::fs::copy(fixture("sp-1.key.pem"), d.join("sp.key")).map_err(io)?;
    std::fs::copy(fixture("sp-1.cert.pem"), d.join("sp.crt")).map_err(io)?;
    let port = free_port().map_err(io)?;
    let base_url = format!("http://127.0.0.1:{port}");
    let mut command = Command::new("php");
    command
        // Debian's php-cli sets no memory limit; PHP's own default, as Debian's apache2, is 128M.
        .args(["-d", "memory_limit=128M"])
        .arg("-S")
        .arg(format!("127.0.0.1:{port}"))
        .arg("-t")
        .arg(d.join("root"))
        // Requests side by side, as behind a web server.
        .env("PHP_CLI_SERVER_WORKERS", "4")
        .env("SIMPLESAMLPHP_CONFIG_DIR", here.join("config"))
        .env("SP_BASE_URL", &base_url)
        .env("SP_DIR", d.join("data"))
        .env("IDP_METADATA", d.join("idp-metadata.xml"))
        .env("SP_KEY", d.join("sp.key"))
        .env("SP_CERT", d.join("sp.crt"));
    start("simplesamlphp", command, dir, port, base_url)
}

/// samael (crates.io) in a minimal axum app: see `real-sps/samael/src/main.rs`, a cargo
/// project of its own that `scripts/setup --test` builds into the workspace's target/. Sign-on
/// `/login`, metadata `/metadata`, ACS `/acs`, protected JSON page `/me` (`/name_id`).
pub fn samael(idp_metadata: &str) -> Result<RealSp, String> {
    let binary = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/debug/samael-sp");
    if !binary.exists() {
        return Err(format!(
            "{} is missing; run scripts/setup --test",
            binary.display()
        ));
    }
    app_sp("samael", Command::new(binary), idp_metadata)
}

/// scim2-server (python-scim, from PyPI): a SCIM 2.0 server with users and groups in memory,
/// requiring `token` as bearer token. Its `base_url` is the SCIM base (`…/v2`).
pub fn scim2_server(token: &str) -> Result<RealSp, String> {
    let server = from_venv("scim2-server")?;
    let io = |e: std::io::Error| e.to_string();
    let dir = world_readable_dir("scim2-server").map_err(io)?;
    let port = free_port().map_err(io)?;
    let mut command = Command::new(server);
    command
        .args(["--hostname", "127.0.0.1", "--port", &port.to_string()])
        .args(["--bearer-token", token]);
    let base_url = format!("http://127.0.0.1:{port}/v2");
    start("scim2-server", command, dir, port, base_url)
}

/// scim2-server (PyPI) as an administrator connects it to Entra: the same server with the
/// three tolerances its `ScimPolicy` names for Microsoft Entra switched on
/// (`real-sps/scim2-server/entra.py`). `base_url` is the SCIM base (`…/v2`).
pub fn scim2_server_for_entra(token: &str) -> Result<RealSp, String> {
    let python = from_venv("python")?;
    let io = |e: std::io::Error| e.to_string();
    let dir = world_readable_dir("scim2-server-entra").map_err(io)?;
    let port = free_port().map_err(io)?;
    let mut command = Command::new(python);
    command
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scim2-server/entra.py"))
        .args(["--port", &port.to_string(), "--bearer-token", token]);
    let base_url = format!("http://127.0.0.1:{port}/v2");
    start("scim2-server (Entra policy)", command, dir, port, base_url)
}

/// better-auth (npm) with its SCIM plugin, `@better-auth/scim`, users in memory and the
/// plugin's Entra option on (`real-sps/better-auth-scim/server.mjs`), requiring `token` as
/// bearer token. `base_url` is the SCIM base (`…/api/auth/scim/v2`).
pub fn better_auth_scim(token: &str) -> Result<RealSp, String> {
    let modules =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/better-auth-scim-node/node_modules");
    if !modules.join("@better-auth/scim").exists() {
        return Err(format!(
            "{} is missing; run scripts/setup --test",
            modules.join("@better-auth/scim").display()
        ));
    }
    let io = |e: std::io::Error| e.to_string();
    let dir = world_readable_dir("better-auth-scim").map_err(io)?;
    // ES modules ignore NODE_PATH: the script runs beside a link to its node_modules.
    let script = dir.path().join("server.mjs");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("better-auth-scim/server.mjs"),
        &script,
    )
    .map_err(io)?;
    std::os::unix::fs::symlink(&modules, dir.path().join("node_modules")).map_err(io)?;
    let port = free_port().map_err(io)?;
    let mut command = Command::new("node");
    command
        .arg(&script)
        .arg(port.to_string())
        .env("SCIM_TOKEN", token);
    let base_url = format!("http://127.0.0.1:{port}/api/auth/scim/v2");
    start("better-auth-scim", command, dir, port, base_url)
}

/// django-scim2-server (PyPI) under Django's development server, its SQLite database in a
/// temporary directory, requiring `token` as bearer token. `base_url` is the SCIM base
/// (`…/scim/v2`); the settings are in `real-sps/django-scim2-server/`.
pub fn django_scim2_server(token: &str) -> Result<RealSp, String> {
    let python = from_venv("python")?;
    let io = |e: std::io::Error| e.to_string();
    let dir = world_readable_dir("django-scim2-server").map_err(io)?;
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("django-scim2-server");
    let django = |args: &[&str]| {
        let mut c = Command::new(&python);
        c.args(["-m", "django"])
            .args(args)
            .env("PYTHONPATH", &project)
            .env("DJANGO_SETTINGS_MODULE", "settings")
            .env("SCIM_DB", dir.path().join("scim.sqlite3"))
            .env("SCIM_TOKEN", token);
        c
    };
    let migrated = django(&["migrate", "-v0"])
        .output()
        .map_err(|e| format!("cannot run Django's migrate: {e}"))?;
    if !migrated.status.success() {
        return Err(format!(
            "Django's migrate failed: {}",
            String::from_utf8_lossy(&migrated.stderr)
        ));
    }
    let port = free_port().map_err(io)?;
    let command = django(&["runserver", "--noreload", &format!("127.0.0.1:{port}")]);
    let base_url = format!("http://127.0.0.1:{port}/scim/v2");
    start("django-scim2-server", command, dir, port, base_url)
}
