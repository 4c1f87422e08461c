//! Scenario files: which SP to drive, how to tell a login worked, and the cases with their
//! expectations. YAML (serde-saphyr, with locations); `${ENV}` is expanded before parsing.

use std::path::{Path, PathBuf};

use attacks::select;
use attacks::{Check, CATALOGUE};
use mock_idp::config::{AppSettings, Config, ConfigError, UserSpec};
use serde::Deserialize;
use serde_saphyr::Spanned;

/// A problem with a scenario file, pointing into it.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}\n  hint: {hint}")]
pub struct ScenarioError {
    /// The scenario file.
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: u64,
    /// What is wrong, naming the key.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

fn error(
    file: &Path,
    line: u64,
    message: impl Into<String>,
    hint: impl Into<String>,
) -> ScenarioError {
    ScenarioError {
        file: file.display().to_string(),
        line,
        message: message.into(),
        hint: hint.into(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioSpec {
    name: Option<String>,
    sp: Spanned<SpSpec>,
    #[serde(default)]
    idp: IdpSpec,
    vendor: Option<Spanned<VendorSpec>>,
    user: Option<Spanned<String>>,
    cases: Vec<Spanned<CaseSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpSpec {
    sign_on_url: String,
    metadata: Option<Spanned<String>>,
    entity_id: Option<String>,
    acs_url: Option<String>,
    return_to: Option<String>,
    logout_return_to: Option<String>,
    single_logout_url: Option<String>,
    single_logout_post_url: Option<String>,
    reload_idp_metadata: Option<String>,
    #[serde(default)]
    shares_tmp: bool,
    oracle: OracleSpec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OracleSpec {
    url: String,
    identity: Option<Spanned<IdentitySpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentitySpec {
    json_pointer: Option<String>,
    regex: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdpSpec {
    config: Option<Spanned<String>>,
    app: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
    metadata: Option<Spanned<String>>,
    settings: Option<Spanned<AppSettings>>,
    #[serde(default)]
    users: Vec<Spanned<UserSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VendorSpec {
    name: String,
    #[serde(default)]
    set: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseSpec {
    name: Option<String>,
    expect: Option<Expect>,
    identity: Option<String>,
    attack: Option<String>,
    attacks: Option<Vec<String>>,
    fuzz: Option<String>,
}

/// What a case expects of the SP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// The login works, as the expected identity.
    Accept,
    /// No session results, for any identity.
    Reject,
}

/// How the harness reads who is signed in from the protected page.
#[derive(Clone, Debug)]
pub enum IdentityRule {
    /// A JSON pointer into a JSON page (`/name_id`).
    JsonPointer(String),
    /// A regex whose first capture group is the identity (checked to have one).
    Regex(regex::Regex),
}

/// How to tell whether a login worked.
#[derive(Clone, Debug)]
pub struct Oracle {
    /// The SP's protected URL: reachable with the session, bounced without.
    pub url: String,
    /// Where the page shows the signed-in identity.
    pub identity: Option<IdentityRule>,
}

/// Where the SP's metadata comes from, when it is used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MetadataSource {
    /// Fetched over HTTP.
    Url(String),
    /// Read from a file.
    File(PathBuf),
}

/// Which of the app's SP addresses a scenario wrote out itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeptUrls {
    /// The Identifier (Entity ID) list.
    pub identifiers: bool,
    /// The Reply URL (ACS) list.
    pub reply_urls: bool,
}

/// Where `sp.return_to` takes the address to return to.
pub const RETURN_TO_PLACE: &str = "{url}";

/// Where `sp.reload_idp_metadata` takes the path of the metadata file to install.
pub const METADATA_PLACE: &str = "{metadata}";

/// `text` in single quotes for a POSIX shell (a `'` inside closed, escaped and reopened).
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// The SP under test.
#[derive(Clone, Debug)]
pub struct SpTarget {
    /// Where an SP-initiated login starts.
    pub sign_on_url: String,
    /// The SP's metadata (gives entity ID and ACS when those are not written out).
    pub metadata: Option<MetadataSource>,
    /// The SP's entity ID (the app's Identifier).
    pub entity_id: Option<String>,
    /// The SP's ACS URL (the app's Reply URL).
    pub acs_url: Option<String>,
    /// A login URL that takes where to go afterwards, `{url}` marking the place
    /// (`${SP_URL}/mellon/login?ReturnTo={url}`): the `relay/return-to/` checks start there.
    pub return_to: Option<String>,
    /// A logout URL that takes where to go afterwards, `{url}` marking the place
    /// (`${SP_URL}/mellon/logout?ReturnTo={url}`): the `relay/logout-return-to/` checks.
    pub logout_return_to: Option<String>,
    /// Where the SP takes the IdP's LogoutRequests by HTTP-Redirect (default: its metadata's
    /// SingleLogoutService): the `slo/` checks.
    pub single_logout_url: Option<String>,
    /// Where the SP takes the IdP's LogoutRequests by HTTP-POST (default: its metadata's
    /// HTTP-POST SingleLogoutService, else the Redirect one if it takes posted ones too): the
    /// `slo/post/` checks.
    pub single_logout_post_url: Option<String>,
    /// A shell command that makes the SP trust the IdP metadata in the file
    /// [`METADATA_PLACE`] names (`cp {metadata} /etc/app/idp.xml && systemctl reload app`): the
    /// `meta/` checks run it with changed metadata, then with the original again.
    pub reload_idp_metadata: Option<String>,
    /// Whether the SP reads files in the harness's temporary directory as the harness wrote
    /// them (same machine and tmp: no container, no PrivateTmp): only then does its refusal of
    /// `enc/cipher-reference/file` show it reads no files a message names.
    pub shares_tmp: bool,
    /// How to tell a login worked.
    pub oracle: Oracle,
}

/// One case: a login (maybe altered by an attack) and its expectation.
#[derive(Clone, Debug)]
pub struct Case {
    /// Stable id: the attack id, or `login/…` for plain logins.
    pub id: String,
    /// Human name.
    pub name: String,
    /// What the SP must do.
    pub expect: Expect,
    /// The identity the SP must show (accept cases).
    pub identity: Option<String>,
    /// The forgery, for attack cases.
    pub attack: Option<&'static Check>,
    /// A fuzz reproducer's edits, for `fuzz:` cases.
    pub mutations: Option<std::sync::Arc<attacks::mutate::Chain>>,
}

impl Case {
    /// A plain good login (what a run does when the scenario names no accept case).
    pub fn good_login() -> Case {
        Case {
            id: "login/good".into(),
            name: "good login".into(),
            expect: Expect::Accept,
            identity: None,
            attack: None,
            mutations: None,
        }
    }
}

/// A parsed scenario file, resolved into a plan.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The file it came from.
    pub file: PathBuf,
    /// Its name.
    pub name: String,
    /// The SP.
    pub sp: SpTarget,
    /// The mock IdP's configuration (tenant, users, apps).
    pub idp_config: Config,
    /// The app to use; `None` means the first app, re-pointed at the SP.
    pub idp_app: Option<String>,
    /// `idp.settings` named the Identifiers and/or Reply URLs: the run keeps them instead
    /// of re-pointing the app at the SP (to show what a mismatch does at login).
    pub idp_urls_kept: KeptUrls,
    /// A running IdP (its base URL): every login follows the AuthnRequest to it; attack cases
    /// edit the response it gives (its key is not held here).
    pub idp_url: Option<url::Url>,
    /// The running IdP's signed federation metadata (URL or file): the IdP-signed blob the
    /// checks that reuse one (TM-C) transplant.
    pub idp_metadata: Option<MetadataSource>,
    /// The vendor profile the app is set up by (claims, NameID), filled in; a refused good
    /// login is explained by `check`'s findings against it.
    pub vendor: Option<crate::vendor::Profile>,
    /// The user who signs in (UPN); `None` is the config's default user.
    pub user: Option<String>,
    /// The cases, in file order (the runner runs accept cases first).
    pub cases: Vec<Case>,
}

/// Replaces `${NAME}` with the environment variable's value; a missing one is an error.
pub fn expand_env(text: &str, file: &Path, lookup: Vars) -> Result<String, ScenarioError> {
    let mut out = String::with_capacity(text.len());
    // Every missing variable is named at once, at the first one's line.
    let mut missing: Vec<String> = Vec::new();
    let mut first_missing = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                return Err(error(
                    file,
                    n as u64 + 1,
                    "unterminated `${`",
                    "write variables as ${NAME}",
                ));
            };
            let name = &after[..end];
            match lookup(name) {
                // A line break would shift every line number after it (and is no URL).
                Some(v) if v.contains(['\n', '\r']) => {
                    return Err(error(
                        file,
                        n as u64 + 1,
                        format!("environment variable {name} holds a line break"),
                        format!("a scenario value is one line; check how {name} is set"),
                    ))
                }
                Some(v) => out.push_str(&v),
                None => {
                    if missing.is_empty() {
                        first_missing = n as u64 + 1;
                    }
                    if !missing.iter().any(|m| m == name) {
                        missing.push(name.to_owned());
                    }
                }
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
    }
    match missing.as_slice() {
        [] => Ok(out),
        [name] => Err(error(
            file,
            first_missing,
            format!("environment variable {name} is not set"),
            format!("export {name}=… before running (e.g. {name}=http://127.0.0.1:8080)"),
        )),
        names => Err(error(
            file,
            first_missing,
            format!("environment variables {} are not set", names.join(", ")),
            format!(
                "export each before running (e.g. {}=http://127.0.0.1:8080)",
                names[0]
            ),
        )),
    }
}

/// A YAML error in words, with the offending line as the user wrote it: before `${VAR}`
/// expansion, so no environment value (a token, say) reaches a log.
fn yaml_message(e: &serde_saphyr::Error, raw: &str, line: u64) -> String {
    let plain = e.without_snippet().to_string();
    let mut message = plain.trim_start_matches("error: ").trim();
    // "line 7 column 15: …" or "… at line 7, column 15": the line is ours to say (and its
    // column counts the expanded text).
    if let Some((place, rest)) = message.split_once(": ") {
        if place.starts_with("line ") && place.contains(" column ") {
            message = rest;
        }
    }
    if let Some((before, place)) = message.rsplit_once(" at line ") {
        if place.contains(", column ") {
            message = before;
        }
    }
    // The parser's advice to its own caller is not the user's to follow.
    let message = message
        .split(", set DuplicateKeyPolicy")
        .next()
        .unwrap_or(message)
        .replace("duplicate mapping key: ", "a key appears twice: ");
    // The path of keys to the line, unless the message names the key itself (an unknown
    // field) or is about a key that is not there (a missing field, located elsewhere).
    let message = match key_path(raw, line) {
        Some(path)
            if !message.starts_with("missing field")
                && !message
                    .contains(&format!("`{}`", path.rsplit('.').next().unwrap_or(&path))) =>
        {
            format!("`{path}`: {message}")
        }
        _ => message,
    };
    let shown = usize::try_from(line)
        .ok()
        .and_then(|l| l.checked_sub(1))
        .and_then(|i| raw.lines().nth(i));
    match shown {
        Some(text) => format!("{message}\n  {line} | {text}"),
        None => message,
    }
}

/// The key at the start of a YAML line's content (`url` in `url: x`), if it has one.
fn line_key(content: &str) -> Option<&str> {
    let (key, _) = content.split_once(':')?;
    (!key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    .then_some(key)
}

/// The path of keys that leads to `line` (1-based) of block-style YAML `text`, such as
/// `sp.oracle.url` or `cases[1].expect`, read from the indentation; `None` off any key.
fn key_path(text: &str, line: u64) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let at = usize::try_from(line).ok()?.checked_sub(1)?;
    let indent_of = |l: &str| l.len() - l.trim_start().len();
    let mut parts: Vec<String> = Vec::new();
    let mut below = usize::MAX;
    for i in (0..=at).rev() {
        let l = lines.get(i)?;
        let content = l.trim_start();
        let indent = indent_of(l);
        if content.is_empty() || content.starts_with('#') || indent >= below {
            continue;
        }
        match content.strip_prefix("- ") {
            // A value with no key of its own on the error line: the error is its sequence's.
            Some(item) if i == at && line_key(item.trim_start()).is_none() => {}
            Some(item) => {
                if i == at {
                    parts.extend(line_key(item.trim_start()).map(str::to_owned));
                }
                // Its index: the items at this indentation since the sequence's key.
                let index = lines[..i]
                    .iter()
                    .rev()
                    .take_while(|l| l.trim().is_empty() || indent_of(l) >= indent)
                    .filter(|l| indent_of(l) == indent && l.trim_start().starts_with("- "))
                    .count();
                parts.push(format!("[{index}]"));
            }
            None => parts.extend(line_key(content).map(str::to_owned)),
        }
        below = indent;
        if indent == 0 {
            break;
        }
    }
    parts.reverse();
    let mut path = String::new();
    for p in parts {
        if !path.is_empty() && !p.starts_with('[') {
            path.push('.');
        }
        path.push_str(&p);
    }
    (!path.is_empty()).then_some(path)
}

/// The line (1-based) of the key at `path` in `text`, looked for in the 200 lines from
/// `from`; `from` when it is not there (flow style, say).
fn line_of(text: &str, path: &str, from: u64) -> u64 {
    (from..from + 200)
        .find(|&l| key_path(text, l).as_deref() == Some(path))
        .unwrap_or(from)
}

/// Looks up a `${VAR}`: the environment, or an override (the demo sets SP_URL).
pub type Vars<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Loads every `.yaml`/`.yml` file under `path` (a file or a directory, sorted).
pub fn load_path(path: &Path, vars: Vars) -> Result<Vec<Scenario>, ScenarioError> {
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| {
                error(
                    path,
                    0,
                    format!("cannot read directory: {e}"),
                    "give a scenario file or a directory of them",
                )
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(error(
                path,
                0,
                "no .yaml scenario files in this directory",
                "see scenarios/examples/ for the format",
            ));
        }
        files.iter().map(|f| load_file(f, vars)).collect()
    } else {
        Ok(vec![load_file(path, vars)?])
    }
}

/// The largest metadata file a scenario may name (8 MiB; Entra's tenant metadata is ~100 KB).
pub const MAX_METADATA_BYTES: u64 = 8 << 20;

/// The largest scenario file read (1 MiB): named in `run --help` and `conformance --help`.
pub const MAX_SCENARIO_BYTES: u64 = 1 << 20;

/// Loads one scenario file (at most [`MAX_SCENARIO_BYTES`]).
pub fn load_file(file: &Path, vars: Vars) -> Result<Scenario, ScenarioError> {
    use std::io::Read;
    let cannot = |e: std::io::Error| error(file, 0, format!("cannot read: {e}"), "check the path");
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .map_err(cannot)?
        .take(MAX_SCENARIO_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(error(
            file,
            0,
            format!("is larger than {MAX_SCENARIO_BYTES} bytes, the scenario size limit"),
            "a scenario file is a few dozen lines of YAML; is this the right file?",
        ));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        error(
            file,
            0,
            "is not UTF-8 text",
            "save the scenario as UTF-8 YAML",
        )
    })?;
    parse(&text, file, vars)
}

/// Parses scenario text (from `file`, which names it in errors and anchors relative paths).
/// Errors never show what a `${VAR}` held (CI logs keep them): the value reads as `${VAR}`.
pub fn parse(text: &str, file: &Path, vars: Vars) -> Result<Scenario, ScenarioError> {
    parse_unredacted(text, file, vars).map_err(|mut e| {
        let (message, hint) = (
            redacted(&e.message, text, vars),
            redacted(&e.hint, text, vars),
        );
        if message != e.message || hint != e.hint {
            e.hint = format!("{hint} (values from the environment are shown as ${{NAME}})");
        } else {
            e.hint = hint;
        }
        e.message = message;
        e
    })
}

/// `s` with the value of every `${NAME}` that `raw` uses written as `${NAME}` again (the
/// longest values first; values under 3 characters are left alone).
fn redacted(s: &str, raw: &str, vars: Vars) -> String {
    let mut names: Vec<&str> = Vec::new();
    let mut rest = raw;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        if !names.contains(&&after[..end]) {
            names.push(&after[..end]);
        }
        rest = &after[end + 1..];
    }
    // Short values (a port, "1") would rewrite the harness's own words and numbers.
    let mut values: Vec<(String, &str)> = names
        .into_iter()
        .filter_map(|n| vars(n).map(|v| (v, n)))
        .filter(|(v, _)| v.chars().count() >= 6)
        .collect();
    values.sort_by_key(|(v, _)| std::cmp::Reverse(v.len()));
    let mut out = s.to_owned();
    for (value, name) in values {
        // Also as `{:?}` quotes it inside a message (escapes and all).
        let debug = format!("{value:?}");
        let quoted = debug.trim_matches('"');
        out = out
            .replace(quoted, &format!("${{{name}}}"))
            .replace(&value, &format!("${{{name}}}"));
    }
    out
}

/// [`parse`] without hiding environment values in errors.
fn parse_unredacted(text: &str, file: &Path, vars: Vars) -> Result<Scenario, ScenarioError> {
    let raw = text;
    let text = expand_env(text, file, vars)?;
    let spec: ScenarioSpec = serde_saphyr::from_str(&text).map_err(|e| {
        let line = e.location().map_or(0, |l| l.line());
        error(
            file,
            line,
            yaml_message(&e, raw, line),
            "see the \"Scenario files\" section of README.md",
        )
    })?;
    let base = file.parent().unwrap_or(Path::new("."));
    let (sp_at, sp) = (spec.sp.referenced, spec.sp.value);
    if sp.metadata.is_none() && (sp.entity_id.is_none() || sp.acs_url.is_none()) {
        return Err(error(
            file,
            sp_at.line(),
            "`sp` needs `metadata`, or both `entity_id` and `acs_url`",
            "e.g. metadata: ${SP_URL}/saml/metadata",
        ));
    }
    for (key, value, example) in [
        ("sign_on_url", &sp.sign_on_url, "e.g. ${SP_URL}/login"),
        (
            "oracle.url",
            &sp.oracle.url,
            "e.g. ${SP_URL}/me, a page that needs a session",
        ),
    ]
    .into_iter()
    .chain(sp.single_logout_url.as_ref().map(|url| {
        (
            "single_logout_url",
            url,
            "e.g. ${SP_URL}/mellon/logout, where the SP takes the IdP's LogoutRequests",
        )
    }))
    .chain(sp.single_logout_post_url.as_ref().map(|url| {
        (
            "single_logout_post_url",
            url,
            "e.g. ${SP_URL}/slo, where the SP takes the IdP's LogoutRequests by HTTP-POST",
        )
    })) {
        let scheme = url::Url::parse(value).map(|u| u.scheme().to_owned());
        if !matches!(scheme.as_deref(), Ok("http" | "https")) {
            return Err(error(
                file,
                line_of(raw, &format!("sp.{key}"), sp_at.line()),
                format!("`sp.{key}` {value:?} is not an http(s) URL"),
                format!("{example}; the harness drives the SP over HTTP"),
            ));
        }
    }
    for (key, template) in [
        ("return_to", &sp.return_to),
        ("logout_return_to", &sp.logout_return_to),
    ] {
        let Some(template) = template else { continue };
        let scheme =
            url::Url::parse(&template.replace(RETURN_TO_PLACE, "x")).map(|u| u.scheme().to_owned());
        if !template.contains(RETURN_TO_PLACE) || !matches!(scheme.as_deref(), Ok("http" | "https"))
        {
            return Err(error(
                file,
                sp_at.line(),
                format!(
                    "`sp.{key}` {template:?} is not an http(s) URL with `{RETURN_TO_PLACE}` in it"
                ),
                "mark where the return address goes, e.g. ${SP_URL}/mellon/login?ReturnTo={url}",
            ));
        }
    }
    if let Some(command) = &sp.reload_idp_metadata {
        if !command.contains(METADATA_PLACE) {
            return Err(error(
                file,
                line_of(raw, "sp.reload_idp_metadata", sp_at.line()),
                format!("`sp.reload_idp_metadata` {command:?} never names `{METADATA_PLACE}`"),
                "write `{metadata}` where the new metadata file's path goes, e.g. cp {metadata} /etc/app/idp.xml && systemctl reload app",
            ));
        }
    }
    // A metadata file is read now: a missing or broken one is the scenario's mistake.
    let source = |key: &str, m: Spanned<String>| {
        if m.value.starts_with("http://") || m.value.starts_with("https://") {
            return Ok(MetadataSource::Url(m.value));
        }
        let path = base.join(&m.value);
        let read = || -> std::io::Result<String> {
            use std::io::Read as _;
            let mut text = String::new();
            std::fs::File::open(&path)?
                .take(MAX_METADATA_BYTES + 1)
                .read_to_string(&mut text)?;
            if text.len() as u64 > MAX_METADATA_BYTES {
                return Err(std::io::Error::other(format!(
                    "larger than {MAX_METADATA_BYTES} bytes, the metadata size limit"
                )));
            }
            Ok(text)
        };
        let text = read().map_err(|e| {
            error(
                file,
                m.referenced.line(),
                format!("`{key}` {:?}: cannot read {}: {e}", m.value, path.display()),
                "a path relative to the scenario file, or the metadata URL (http://…)",
            )
        })?;
        if let Err(e) = roxmltree::Document::parse_with_options(
            &text,
            roxmltree::ParsingOptions {
                allow_dtd: false,
                ..Default::default()
            },
        ) {
            return Err(error(
                file,
                m.referenced.line(),
                format!(
                    "`{key}` {:?} is not well-formed XML (DTDs refused): {e}",
                    m.value
                ),
                "save the metadata XML as the SP (or IdP) serves it",
            ));
        }
        Ok(MetadataSource::File(path))
    };
    let metadata = sp.metadata.map(|m| source("sp.metadata", m)).transpose()?;
    let identity = match sp.oracle.identity {
        None => None,
        Some(rule) => Some(match (rule.value.json_pointer, rule.value.regex) {
            (Some(p), None) if !p.starts_with('/') => {
                return Err(error(
                    file,
                    rule.referenced.line(),
                    format!("`sp.oracle.identity.json_pointer` {p:?} does not start with `/`"),
                    "a JSON pointer names the path from the root, e.g. /name_id or /user/email",
                ))
            }
            (Some(p), None) => IdentityRule::JsonPointer(p),
            (None, Some(r)) => {
                let re = regex::Regex::new(&r).map_err(|e| {
                    error(
                        file,
                        rule.referenced.line(),
                        format!("`sp.oracle.identity.regex` does not compile: {e}"),
                        "use Rust regex syntax, with one capture group around the identity",
                    )
                })?;
                if re.captures_len() < 2 {
                    return Err(error(
                        file,
                        rule.referenced.line(),
                        format!("`sp.oracle.identity.regex` {r:?} has no capture group"),
                        "put parentheses around the identity, e.g. 'Signed in as ([^<]+)<'",
                    ));
                }
                IdentityRule::Regex(re)
            }
            _ => return Err(error(
                file,
                rule.referenced.line(),
                "`sp.oracle.identity` needs exactly one of `json_pointer` or `regex`",
                "json_pointer: /name_id for JSON pages, regex: 'Signed in as ([^<]+)<' for HTML",
            )),
        }),
    };
    let mut idp_config = match &spec.idp.config {
        None => Config::builtin(),
        Some(p) => Config::load(&base.join(&p.value)).map_err(|e| {
            error(
                file,
                p.referenced.line(),
                format!("`idp.config`: {e}"),
                "give a mock-idp config file (see README.md)",
            )
        })?,
    };
    if let Some(app) = &spec.idp.app {
        if idp_config.app(Some(&app.value)).is_none() {
            return Err(error(
                file,
                app.referenced.line(),
                format!(
                    "`idp.app`: no application {:?} in the IdP config",
                    app.value
                ),
                "name one of the config's applications",
            ));
        }
    }
    let vendor = match spec.vendor {
        None => None,
        Some(v) => {
            let line = v.referenced.line();
            let v = v.value;
            let local = base.join(&v.name);
            let name = if local.is_file() {
                local.display().to_string()
            } else {
                v.name.clone()
            };
            let values: Vec<(String, String)> = v.set.into_iter().collect();
            let profile = crate::vendor::load(&name)
                .and_then(|p| p.fill(&values))
                .map_err(|e| {
                    let (message, hint) =
                        e.0.split_once("; hint: ")
                            .unwrap_or((e.0.as_str(), "see `saml-harness vendor list`"));
                    error(file, line, format!("`vendor`: {message}"), hint)
                })?;
            let index = match &spec.idp.app {
                None => Some(0),
                Some(a) => idp_config.app_index(&a.value),
            };
            if let Some(app) = index.and_then(|i| idp_config.apps.get_mut(i)) {
                profile.configure(app);
            }
            Some(profile)
        }
    };
    let idp_urls_kept = KeptUrls {
        identifiers: spec
            .idp
            .settings
            .as_ref()
            .is_some_and(|s| s.value.sets_identifiers()),
        reply_urls: spec
            .idp
            .settings
            .as_ref()
            .is_some_and(|s| s.value.sets_reply_urls()),
    };
    let at = spec.idp.settings.as_ref().map(|s| s.referenced.line());
    idp_config
        .apply(
            spec.idp.app.as_ref().map(|a| a.value.as_str()),
            spec.idp.settings,
            spec.idp.users,
            &file.display().to_string(),
            base,
            "idp.",
        )
        .map_err(|e| match e {
            ConfigError::Invalid {
                line,
                key,
                message,
                hint,
                ..
            } => error(file, line, format!("`{key}`: {message}"), hint),
            other => error(
                file,
                at.unwrap_or(0),
                other.to_string(),
                "see the \"mock-idp configuration\" section of README.md",
            ),
        })?;
    if let Some(Spanned {
        value: upn,
        referenced,
        ..
    }) = &spec.user
    {
        if idp_config.user(Some(upn)).is_none() {
            return Err(error(
                file,
                referenced.line(),
                format!("`user` {upn:?} is no user of the IdP's tenant"),
                "name one of the config's users, or add it under `idp.users`",
            ));
        }
    }
    let idp_url = match &spec.idp.url {
        None => None,
        Some(u) => Some(url::Url::parse(&u.value).map_err(|e| {
            error(
                file,
                u.referenced.line(),
                format!("`idp.url` {:?} is not a URL: {e}", u.value),
                "e.g. url: ${IDP_URL} for a running `saml-harness idp serve`",
            )
        })?),
    };
    let idp_metadata = match spec.idp.metadata {
        Some(m) if idp_url.is_none() => {
            return Err(error(
                file,
                m.referenced.line(),
                "`idp.metadata` is the running IdP's metadata, but there is no `idp.url`",
                "add `url: ${IDP_URL}`, or drop `metadata` (the built-in IdP signs its own)",
            ))
        }
        m => m.map(|m| source("idp.metadata", m)).transpose()?,
    };
    if spec.cases.is_empty() {
        return Err(error(
            file,
            line_of(raw, "cases", 1),
            "`cases` is empty",
            "add at least `- {expect: accept}`",
        ));
    }
    let mut cases = Vec::new();
    for (i, c) in spec.cases.into_iter().enumerate() {
        let (at, c) = (c.referenced.line(), c.value);
        if let (Some(id), None) = (&c.identity, &identity) {
            return Err(error(
                file,
                at,
                format!("cases[{i}].identity {id:?} cannot be checked: `sp.oracle` has no `identity` rule"),
                "add `identity: {json_pointer: /name_id}` (JSON page) or `{regex: 'Signed in as ([^<]+)<'}` to sp.oracle, or drop the case's identity",
            ));
        }
        if let Some(reproducer) = &c.fuzz {
            if c.attack.is_some() || c.attacks.is_some() || c.expect == Some(Expect::Accept) {
                return Err(error(
                    file,
                    at,
                    format!("cases[{i}] has `fuzz` with `attack`, `attacks` or `expect: accept`"),
                    "a fuzz reproducer is a case of its own, and must be rejected",
                ));
            }
            let path = file.parent().unwrap_or(Path::new(".")).join(reproducer);
            let found = crate::fuzz::Reproducer::load(&path)
                .map_err(|e| error(file, at, format!("cases[{i}].fuzz: {e}"), "give the path (relative to this file) of a reproducer `saml-harness fuzz` wrote"))?;
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            cases.push(Case {
                id: format!("fuzz/{stem}"),
                name: c.name.clone().unwrap_or_else(|| found.chain.describe()),
                expect: Expect::Reject,
                identity: None,
                attack: None,
                mutations: Some(std::sync::Arc::new(found.chain)),
            });
            continue;
        }
        let selected: Vec<&'static Check> = match (&c.attack, &c.attacks) {
            (Some(_), Some(_)) => {
                return Err(error(
                    file,
                    at,
                    format!("cases[{i}] has both `attack` and `attacks`"),
                    "use `attack: ID` for one, `attacks: [PREFIX…]` for several",
                ))
            }
            (Some(id), None) => vec![select::by_id(id).ok_or_else(|| {
                error(
                    file,
                    at,
                    format!("cases[{i}].attack: unknown attack {id:?}"),
                    format!("known: {}", catalogue_ids()),
                )
            })?],
            (None, Some(prefixes)) => {
                let s: Vec<&'static Check> = CATALOGUE
                    .iter()
                    .filter(|c| prefixes.iter().any(|p| select::matches(c, p)))
                    .collect();
                if s.is_empty() {
                    return Err(error(
                        file,
                        at,
                        format!("cases[{i}].attacks: {prefixes:?} selects nothing"),
                        format!("use `all` or a prefix of: {}", catalogue_ids()),
                    ));
                }
                s
            }
            (None, None) => Vec::new(),
        };
        if selected.is_empty() {
            let expect = c.expect.unwrap_or(Expect::Accept);
            cases.push(Case {
                id: format!(
                    "login/{}",
                    if expect == Expect::Accept {
                        "good"
                    } else {
                        "refused"
                    }
                ),
                name: c.name.unwrap_or_else(|| "good login".into()),
                expect,
                identity: c.identity,
                attack: None,
                mutations: None,
            });
        } else {
            if c.expect == Some(Expect::Accept) {
                return Err(error(
                    file,
                    at,
                    format!("cases[{i}]: an attack case cannot expect accept"),
                    "drop `expect`: attacks must be rejected",
                ));
            }
            for a in selected {
                cases.push(Case {
                    id: a.id.to_owned(),
                    name: c.name.clone().unwrap_or_else(|| a.title.to_owned()),
                    expect: Expect::Reject,
                    identity: None,
                    attack: Some(a),
                    mutations: None,
                });
            }
        }
    }
    Ok(Scenario {
        file: file.to_path_buf(),
        name: spec.name.unwrap_or_else(|| {
            file.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        }),
        sp: SpTarget {
            sign_on_url: sp.sign_on_url,
            metadata,
            entity_id: sp.entity_id,
            acs_url: sp.acs_url,
            return_to: sp.return_to,
            logout_return_to: sp.logout_return_to,
            single_logout_url: sp.single_logout_url,
            single_logout_post_url: sp.single_logout_post_url,
            reload_idp_metadata: sp.reload_idp_metadata,
            shares_tmp: sp.shares_tmp,
            oracle: Oracle {
                url: sp.oracle.url,
                identity,
            },
        },
        idp_config,
        idp_app: spec.idp.app.map(|a| a.value),
        idp_urls_kept,
        idp_url,
        idp_metadata,
        vendor,
        user: spec.user.map(|u| u.value),
        cases,
    })
}

fn catalogue_ids() -> String {
    CATALOGUE
        .iter()
        .map(|a| a.id)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_yaml_error_names_the_path_of_keys_to_its_line() {
        let text = "name: x\nsp:\n  oracle:\n    url:\n      - 1\ncases:\n  - name: a\n    expect: accept\n  # two\n  - name: b\n    expect: 3\n";
        assert_eq!(super::key_path(text, 5).as_deref(), Some("sp.oracle.url"));
        assert_eq!(
            super::key_path(text, 11).as_deref(),
            Some("cases[1].expect")
        );
        assert_eq!(super::key_path(text, 10).as_deref(), Some("cases[1].name"));
        assert_eq!(super::key_path(text, 6).as_deref(), Some("cases"));
        assert_eq!(super::key_path(text, 99), None);
    }

    use super::*;

    fn no_vars(_: &str) -> Option<String> {
        None
    }

    const GOOD: &str = "sp:\n  sign_on_url: http://sp/login\n  entity_id: http://sp/md\n  acs_url: http://sp/acs\n  oracle: {url: http://sp/me, identity: {json_pointer: /name_id}}\ncases:\n  - expect: accept\n  - attacks: [sig/]\n";

    #[test]
    fn a_good_scenario_expands_attack_prefixes() {
        let s = parse(GOOD, Path::new("good.yaml"), &no_vars).unwrap();
        let ids: Vec<&str> = s.cases.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids[0], "login/good");
        // `sig/` selects the sig family and, by its old alias `sig/xsw/1`, xsw/3.
        let mut expected: Vec<&str> = CATALOGUE
            .iter()
            .filter(|c| c.id.starts_with("sig/") || c.aliases.iter().any(|a| a.starts_with("sig/")))
            .map(|c| c.id)
            .collect();
        expected.insert(0, "login/good");
        assert_eq!(ids, expected);
        assert!(ids.contains(&"sig/none") && ids.contains(&"xsw/3"));
        assert!(s.cases[1..].iter().all(|c| c.expect == Expect::Reject));
    }

    #[test]
    fn a_reload_command_must_say_where_the_metadata_file_goes() {
        let with = |command: &str| {
            GOOD.replace(
                "  oracle:",
                &format!("  reload_idp_metadata: {command}\n  oracle:"),
            )
        };
        let s = parse(
            &with("cp {metadata} /etc/idp.xml"),
            Path::new("r.yaml"),
            &no_vars,
        )
        .unwrap();
        assert_eq!(
            s.sp.reload_idp_metadata.as_deref(),
            Some("cp {metadata} /etc/idp.xml")
        );
        let e = parse(&with("systemctl reload app"), Path::new("r.yaml"), &no_vars).unwrap_err();
        assert_eq!(e.line, 5, "{e}");
        assert!(e.message.contains("never names `{metadata}`"), "{e}");
        assert!(e.hint.contains("cp {metadata}"), "{e}");
    }

    #[test]
    fn shell_quoting_survives_a_quote_in_the_path() {
        assert_eq!(shell_quote("/tmp/a b"), "'/tmp/a b'");
        assert_eq!(shell_quote("/tmp/it's"), "'/tmp/it'\\''s'");
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_file_line_and_key() {
        let err = parse(
            &GOOD.replace("  - expect: accept\n", "  - expect: maybe\n"),
            Path::new("s.yaml"),
            &no_vars,
        )
        .unwrap_err();
        assert_eq!((err.file.as_str(), err.line), ("s.yaml", 7), "{err}");
        assert!(err.to_string().contains("maybe"), "{err}");
        let err = parse(
            &GOOD.replace("  oracle:", "  oracel:"),
            Path::new("s.yaml"),
            &no_vars,
        )
        .unwrap_err();
        assert!(err.to_string().contains("oracel"), "{err}");
        let err = parse(
            &GOOD.replace("[sig/]", "[nope/]"),
            Path::new("s.yaml"),
            &no_vars,
        )
        .unwrap_err();
        assert_eq!(err.line, 8, "{err}");
        assert!(err.to_string().contains("selects nothing"), "{err}");
    }

    #[test]
    fn yaml_errors_show_the_line_as_written_and_every_missing_variable_is_named() {
        let text = "name: x\nsp:\n  sign_on_url: ${SP_URL}/login\n  metadata: ${TOKEN}\n  oracle:\n    url: ${SP_URL}/me\n    identity: 5\ncases: []\n";
        let vars = |n: &str| match n {
            "SP_URL" => Some("http://127.0.0.1:1".to_owned()),
            "TOKEN" => Some("hunter2-secret".to_owned()),
            _ => None,
        };
        let err = parse(text, Path::new("s.yaml"), &vars)
            .unwrap_err()
            .to_string();
        assert!(err.contains("s.yaml:7"), "{err}");
        assert!(err.contains("7 |     identity: 5"), "{err}");
        assert!(
            !err.contains("hunter2") && !err.contains("127.0.0.1:1"),
            "{err}"
        );
        assert_eq!(
            err.matches("error").count(),
            0,
            "no repeated error prefix: {err}"
        );
        let err = parse(text, Path::new("s.yaml"), &no_vars)
            .unwrap_err()
            .to_string();
        assert!(err.contains("SP_URL, TOKEN are not set"), "{err}");
        let twice = parse(&format!("{GOOD}cases: []\n"), Path::new("s.yaml"), &no_vars)
            .unwrap_err()
            .to_string();
        assert!(twice.contains("a key appears twice: cases"), "{twice}");
        assert!(!twice.contains("DuplicateKeyPolicy"), "{twice}");
        assert!(err.contains("s.yaml:3"), "{err}");
    }

    #[test]
    fn inline_idp_settings_lay_claims_name_id_and_user_attributes_over_the_tenant() {
        let idp = "idp:\n  settings:\n    claims:\n      - {name: email, source: user.mail}\n      - {name: Phone number, source: user.telephonenumber}\n    name_id: {format: persistent}\n    signing: {option: both, algorithm: sha1}\n    reply_urls: [https://sso.vendor.test/saml2]\n  users:\n    - {upn: B.Simon@contoso.com, attributes: {telephonenumber: '+1 555 0100'}}\n    - {upn: E.Mallory@contoso.com}\n";
        let s = parse(
            &GOOD.replace(
                "cases:\n",
                &format!("{idp}user: E.Mallory@contoso.com\ncases:\n"),
            ),
            Path::new("s.yaml"),
            &no_vars,
        )
        .unwrap();
        let app = &s.idp_config.apps[0];
        let names: Vec<&str> = app.claims.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["email", "Phone number"]);
        assert_eq!(
            app.name_id_format,
            mock_idp::config::NameIdFormat::Persistent
        );
        assert_eq!(app.reply_urls, ["https://sso.vendor.test/saml2"]);
        assert_eq!(
            s.idp_urls_kept,
            KeptUrls {
                identifiers: false,
                reply_urls: true
            }
        );
        let simon = s.idp_config.user(Some("b.simon@contoso.com")).unwrap();
        assert_eq!(
            simon.attribute("user.telephonenumber").as_deref(),
            Some("+1 555 0100")
        );
        // The patch keeps what it does not name.
        assert_eq!(simon.display_name, "B.Simon");
        assert_eq!(s.user.as_deref(), Some("E.Mallory@contoso.com"));
    }

    #[test]
    fn inline_patches_keep_what_they_do_not_name() {
        let with = |idp: &str| GOOD.replace("cases:\n", &format!("idp:\n{idp}cases:\n"));
        let s = parse(
            &with(
                "  settings:\n    name_id: {source: user.mail}\n    signing: {algorithm: sha1}\n",
            ),
            Path::new("s.yaml"),
            &no_vars,
        )
        .unwrap();
        let app = &s.idp_config.apps[0];
        // The built-in app: emailAddress from the UPN, assertion signed with SHA-256.
        assert_eq!(
            app.name_id_format,
            mock_idp::config::NameIdFormat::EmailAddress
        );
        assert_eq!(app.name_id_source, "user.mail");
        assert_eq!(app.sign, mock_idp::response::SignWhat::Assertion);
        assert_eq!(app.algorithm, mock_idp::sign::Algorithm::Sha1);
        let err = parse(
            &with("  users:\n    - {upn: a@contoso.com}\n    - {upn: A@contoso.com}\n"),
            Path::new("s.yaml"),
            &no_vars,
        )
        .unwrap_err();
        assert_eq!(err.line, 9, "{err}");
        assert!(err.to_string().contains("duplicate user"), "{err}");
        // A vendor profile sets up the app `idp.app` names, by name or application id.
        let vendor = "vendor: {name: mixpanel}\n";
        let s = parse(
            &with("  app: 5E8F7A6B-1C2D-4E3F-8A9B-0C1D2E3F4A5B\n")
                .replace("cases:\n", &format!("{vendor}cases:\n")),
            Path::new("s.yaml"),
            &no_vars,
        )
        .unwrap();
        let names: Vec<&str> = s.idp_config.apps[0]
            .claims
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert!(names.contains(&"email") && names.len() == 7, "{names:?}");
        let err = parse(
            &GOOD.replace(
                "cases:\n",
                "vendor: {name: mixpanel, set: {ORG: x}}\ncases:\n",
            ),
            Path::new("s.yaml"),
            &no_vars,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("s.yaml:6: `vendor`: mixpanel has no placeholder \"ORG\""),
            "{err}"
        );
        assert!(err.contains("hint: its placeholders are ORG_ID ("), "{err}");
    }

    #[test]
    fn the_fidelity_knobs_where_real_tenants_differ_are_set_per_scenario() {
        let idp = "idp:\n  settings:\n    claim_order: [objectidentifier, emailaddress, authnmethodsreferences]\n    groups_values: name\n    audience_spn_prefix: true\n    whole_second_times: true\n  users:\n    - {upn: B.Simon@contoso.com, authn_methods: [x509, multipleauthn], authn_age_seconds: 86400, identity_provider: 'https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/'}\n";
        let s = parse(
            &GOOD.replace("cases:\n", &format!("{idp}cases:\n")),
            Path::new("s.yaml"),
            &no_vars,
        )
        .unwrap();
        let app = &s.idp_config.apps[0];
        assert_eq!(
            app.claim_order.as_deref(),
            Some(
                &[
                    "objectidentifier".to_owned(),
                    "emailaddress".into(),
                    "authnmethodsreferences".into()
                ][..]
            )
        );
        assert_eq!(app.groups_values, mock_idp::config::GroupValues::Name);
        assert!(app.audience_spn_prefix && app.whole_second_times);
        let u = s.idp_config.user(None).unwrap();
        assert_eq!(
            u.authn_methods,
            [
                mock_idp::config::AuthnMethod::X509,
                mock_idp::config::AuthnMethod::Multipleauthn
            ]
        );
        assert_eq!(u.authn_age, time::Duration::days(1));
        assert!(u.identity_provider.as_deref().unwrap().contains("72f988bf"));
        let err = parse(
            &GOOD.replace(
                "cases:\n",
                "idp:\n  settings:\n    claim_order: [nope]\ncases:\n",
            ),
            Path::new("s.yaml"),
            &no_vars,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("`idp.settings.claim_order`: \"nope\" is no claim"),
            "{err}"
        );
    }

    #[test]
    fn a_user_patch_keeps_groups_unless_it_lists_them() {
        let tenant = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/config/test-tenant.yaml"
        );
        let groups = |patch: &str| {
            let s = parse(
                &GOOD.replace(
                    "cases:\n",
                    &format!(
                        "idp:\n  config: {tenant}\n  app: open\n  users:\n    - {patch}\ncases:\n"
                    ),
                ),
                Path::new("s.yaml"),
                &no_vars,
            )
            .unwrap();
            s.idp_config
                .user(Some("B.Simon@fabrikam.com"))
                .unwrap()
                .group_ids
                .len()
        };
        assert_eq!(groups("{upn: B.Simon@fabrikam.com}"), 1);
        assert_eq!(groups("{upn: B.Simon@fabrikam.com, groups: []}"), 0);
        assert_eq!(groups("{upn: B.Simon@fabrikam.com, groups: [Sales]}"), 1);
    }

    #[test]
    fn a_user_added_inline_can_be_assigned_to_the_app() {
        let with = |idp: &str| GOOD.replace("cases:\n", &format!("idp:\n{idp}cases:\n"));
        let s = parse(
            &with("  settings:\n    assignment_required: true\n    assigned: [E.Mallory@contoso.com]\n  users:\n    - {upn: E.Mallory@contoso.com}\n"),
            Path::new("s.yaml"),
            &no_vars,
        )
        .unwrap();
        let app = &s.idp_config.apps[0];
        let user = |upn| s.idp_config.user(Some(upn)).unwrap();
        assert!(app.is_assigned(user("E.Mallory@contoso.com")));
        assert!(!app.is_assigned(user("B.Simon@contoso.com")));
        let err = parse(
            &with("  settings:\n    assigned: [nobody@contoso.com]\n"),
            Path::new("s.yaml"),
            &no_vars,
        )
        .unwrap_err();
        assert_eq!(err.line, 8, "{err}");
        assert!(
            err.to_string()
                .contains("`idp.settings.assigned[0]`: unknown user"),
            "{err}"
        );
    }

    #[test]
    fn inline_idp_settings_errors_point_into_the_scenario() {
        let with = |idp: &str| GOOD.replace("cases:\n", &format!("idp:\n{idp}cases:\n"));
        let err = parse(
            &with("  settings:\n    claims:\n      - {name: email, source: mail}\n"),
            Path::new("s.yaml"),
            &no_vars,
        )
        .unwrap_err();
        assert_eq!(err.line, 9, "{err}");
        let text = err.to_string();
        assert!(
            text.contains("`idp.settings.claims[0].source`") && text.contains("\"mail\""),
            "{text}"
        );
        assert!(text.contains("user.mail"), "{text}");
        let err = parse(
            &with("  settings:\n    claim: []\n"),
            Path::new("s.yaml"),
            &no_vars,
        )
        .unwrap_err();
        assert_eq!(err.line, 8, "{err}");
        assert!(err.to_string().contains("claim"), "{err}");
        let err = parse(
            &with("  users:\n    - {upn: a@contoso.com, groups: [Nope]}\n"),
            Path::new("s.yaml"),
            &no_vars,
        )
        .unwrap_err();
        assert_eq!(err.line, 8, "{err}");
        assert!(
            err.to_string().contains("`idp.users[0].groups[0]`"),
            "{err}"
        );
        let err = parse(
            &GOOD.replace("cases:\n", "user: nobody@contoso.com\ncases:\n"),
            Path::new("s.yaml"),
            &no_vars,
        )
        .unwrap_err();
        assert_eq!(err.line, 6, "{err}");
        assert!(err.to_string().contains("idp.users"), "{err}");
    }

    #[test]
    fn idp_metadata_needs_a_running_idp() {
        let with = |idp: &str| GOOD.replace("cases:\n", &format!("idp:\n{idp}cases:\n"));
        let err = parse(
            &with("  metadata: http://idp/md.xml\n"),
            Path::new("s.yaml"),
            &no_vars,
        )
        .unwrap_err();
        assert_eq!(err.line, 7, "{err}");
        assert!(err.to_string().contains("idp.url"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.yaml");
        let at_file = |idp: &str| parse(&with(idp), &file, &no_vars);
        // A metadata file is read when the scenario loads: missing or not XML, it is the
        // scenario's mistake, with its line.
        let err = at_file("  url: http://idp\n  metadata: idp.xml\n").unwrap_err();
        assert_eq!(err.line, 8, "{err}");
        assert!(err.to_string().contains("cannot read"), "{err}");
        std::fs::write(dir.path().join("idp.xml"), "not xml").unwrap();
        let err = at_file("  url: http://idp\n  metadata: idp.xml\n").unwrap_err();
        assert!(err.to_string().contains("not well-formed XML"), "{err}");
        std::fs::write(dir.path().join("idp.xml"), "<EntityDescriptor/>").unwrap();
        let s = at_file("  url: http://idp\n  metadata: idp.xml\n").unwrap();
        assert_eq!(
            s.idp_metadata,
            Some(MetadataSource::File(dir.path().join("idp.xml")))
        );
    }

    #[test]
    fn oracle_rules_urls_and_case_identities_are_checked_before_running() {
        for (scenario, says) in [
            (
                GOOD.replace("/name_id", "name_id"),
                "does not start with `/`",
            ),
            (
                GOOD.replace("{json_pointer: /name_id}", "{regex: 'Signed in as \\S+'}"),
                "has no capture group",
            ),
            (
                GOOD.replace("url: http://sp/me", "url: sp/me"),
                "not an http(s) URL",
            ),
            (
                GOOD.replace(
                    "sign_on_url: http://sp/login",
                    "sign_on_url: ftp://sp/login",
                ),
                "not an http(s) URL",
            ),
            (
                GOOD.replace(
                    "  acs_url: http://sp/acs\n",
                    "  acs_url: http://sp/acs\n  return_to: http://sp/login?next=\n",
                ),
                "with `{url}` in it",
            ),
            (
                GOOD.replace(", identity: {json_pointer: /name_id}", "")
                    .replace(
                        "  - expect: accept\n",
                        "  - {expect: accept, identity: a@b.test}\n",
                    ),
                "cannot be checked",
            ),
        ] {
            let err = parse(&scenario, Path::new("s.yaml"), &no_vars).unwrap_err();
            assert!(err.to_string().contains(says), "{says}: {err}");
            assert!(err.line > 0, "{err}");
        }
    }

    #[test]
    fn errors_never_show_what_an_environment_variable_holds() {
        let text = "sp:\n  sign_on_url: http://sp/login\n  entity_id: urn:sp\n  acs_url: http://sp/acs\n  oracle: {url: http://sp/me, identity: {json_pointer: ${TOKEN}}}\ncases:\n  - expect: accept\n";
        let vars = |n: &str| (n == "TOKEN").then(|| "s3cr3t-t0ken".to_owned());
        let err = parse(text, Path::new("s.yaml"), &vars).unwrap_err();
        let shown = err.to_string();
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("${TOKEN}"), "{shown}");
        let broken = |n: &str| (n == "TOKEN").then(|| "a\nb".to_owned());
        let err = parse(text, Path::new("s.yaml"), &broken).unwrap_err();
        assert!(err.to_string().contains("holds a line break"), "{err}");
        assert_eq!(err.line, 5);
    }

    #[test]
    fn a_bad_oracle_url_is_reported_at_its_own_line_with_its_own_example() {
        let text = "sp:\n  sign_on_url: http://sp/login\n  entity_id: urn:sp\n  acs_url: http://sp/acs\n  oracle:\n    url: sp/me\ncases:\n  - expect: accept\n";
        let err = parse(text, Path::new("s.yaml"), &no_vars).unwrap_err();
        assert_eq!(err.line, 6, "{err}");
        assert!(err.to_string().contains("needs a session"), "{err}");
    }

    #[test]
    fn scenario_files_are_read_up_to_their_size_limit() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.yaml");
        std::fs::write(&big, "#".repeat(MAX_SCENARIO_BYTES as usize + 1)).unwrap();
        let err = load_file(&big, &no_vars).unwrap_err();
        assert!(err.to_string().contains("size limit"), "{err}");
    }

    #[test]
    fn env_variables_expand_and_missing_ones_are_named() {
        let out = expand_env("a: ${X}/login\n", Path::new("f.yaml"), &|n| {
            (n == "X").then(|| "http://h".into())
        })
        .unwrap();
        assert_eq!(out, "a: http://h/login\n");
        let err = expand_env("a: 1\nb: ${SP_URL}\n", Path::new("f.yaml"), &no_vars).unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.to_string().contains("SP_URL"), "{err}");
    }
}
