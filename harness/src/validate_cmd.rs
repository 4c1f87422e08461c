//! `saml-harness validate`: a dry run. Loads scenario files and checks what they point at (SP
//! metadata, the sign-on page's AuthnRequest as Entra would judge it, the protected page
//! signed out, a running IdP and its metadata) without logging anyone in.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;

use crate::flow::{parse_url, Browser, Limits};
use crate::oracle::{probe, Session};
use crate::report::printable;
use crate::run_cmd::load;
use crate::runner::{idp_for, resolve_donor, resolve_sp, vendor_findings};
use crate::say;
use crate::scenario::Scenario;

/// Arguments of `validate`.
#[derive(Args)]
#[command(
    after_help = "CHECKS (per scenario, nobody is signed in):\n    the file loads (else exit 2); the SP's entity ID and ACS resolve (metadata fetched);\n    the user exists; with a vendor profile, the app is set up as it needs (check's errors);\n    the sign-on URL sends an AuthnRequest Entra would accept; the protected\n    page does not look signed in without a login; the SP sends its AuthnRequest to idp.url\n    (when given) and idp.metadata is signed.\n\nEXAMPLES:\n    SP_URL=http://127.0.0.1:7081 saml-harness validate scenarios/examples/01-login.yaml\n    saml-harness validate my-sp.yaml --request-timeout 5\n\nEXIT STATUS:\n    0 every check passed; 1 something a scenario points at is wrong; 2 a scenario file is broken"
)]
pub struct ValidateArgs {
    /// Scenario files or directories of them.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Per-request timeout, in seconds (at least 1).
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    request_timeout: u64,
}

/// One finding: whether it is fine, and what was seen.
type Finding = (bool, String);

/// `saml-harness validate`.
pub fn validate(args: ValidateArgs) -> Result<ExitCode> {
    let scenarios = load(&args.paths, &|n| std::env::var(n).ok())?;
    let limits = Limits {
        request_timeout: Duration::from_secs(args.request_timeout),
        ..Limits::default()
    };
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let failed = runtime.block_on(async {
        let mut failed = 0;
        for s in &scenarios {
            say!(
                "{} ({})",
                printable(&s.name),
                printable(&s.file.display().to_string())
            );
            for (ok, what) in check(s, limits).await {
                say!(
                    "  {}  {}",
                    if ok { "ok  " } else { "FAIL" },
                    printable(&what)
                );
                failed += usize::from(!ok);
            }
        }
        failed
    });
    say!(
        "\n{}",
        match failed {
            0 => format!("ok: {} scenario(s) valid", scenarios.len()),
            n => format!("FAILED: {n} check(s)"),
        }
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Everything `validate` checks for one scenario, in order; later checks that need an
/// earlier result are left out when it failed.
async fn check(s: &Scenario, limits: Limits) -> Vec<Finding> {
    let mut out = Vec::new();
    let sp = match resolve_sp(s, limits).await {
        Ok(sp) => {
            out.push((
                true,
                format!("SP entity ID {} and ACS {}", sp.entity_id, sp.acs_url),
            ));
            sp
        }
        Err(e) => {
            out.push((false, e));
            return out;
        }
    };
    let idp = idp_for(s, &sp);
    let user_known = idp.config.user(s.user.as_deref()).is_some();
    match idp.config.user(s.user.as_deref()) {
        Some(u) => out.push((true, format!("user {} signs in", u.upn))),
        None => out.push((
            false,
            format!(
                "user {:?} is not in the tenant; hint: add it under users: or fix `user:`",
                s.user.as_deref().unwrap_or_default()
            ),
        )),
    }
    if let Some(findings) =
        vendor_findings(s, &sp, &idp.config.apps[0], time::OffsetDateTime::now_utc())
    {
        let name = s.vendor.as_ref().map_or("", |p| p.name.as_str());
        let mut errors = 0;
        for f in findings
            .iter()
            .filter(|f| f.severity == crate::check::Severity::Error)
        {
            errors += 1;
            out.push((
                false,
                format!(
                    "the {name} profile: {}; at login: {}; fix: {}",
                    f.message, f.symptom, f.fix
                ),
            ));
        }
        if errors == 0 {
            let warnings = findings
                .iter()
                .filter(|f| f.severity == crate::check::Severity::Warning)
                .count();
            out.push((
                true,
                format!("the app is set up as the {name} profile needs ({warnings} warning(s); `saml-harness check` shows them)"),
            ));
        }
    }
    let origins: Vec<url::Url> = [&s.sp.sign_on_url, &sp.acs_url, &s.sp.oracle.url]
        .iter()
        .filter_map(|u| url::Url::parse(u).ok())
        .chain(s.idp_url.clone())
        .collect();
    let origin_refs: Vec<&url::Url> = origins.iter().collect();
    match parse_url(&s.sp.sign_on_url) {
        Err(e) => out.push((false, e.to_string())),
        Ok(sign_on) => match Browser::new(limits, &origin_refs)
            .start_login(&sign_on)
            .await
        {
            Err(e) => out.push((false, format!("sign-on: {e}"))),
            Ok(c) => {
                let signature = mock_idp::request::redirect_signature(&c.raw_query)
                    .ok()
                    .flatten();
                let verdict = if !user_known {
                    // Already reported; Entra's verdict would only repeat it as the SP's fault.
                    None
                } else {
                    Some(idp.answer(
                        &c.request,
                        signature.as_ref(),
                        s.user.as_deref(),
                        time::OffsetDateTime::now_utc(),
                    ))
                };
                match verdict {
                    None => {}
                    Some(Ok(_)) => out.push((
                        true,
                        format!(
                            "the sign-on URL sends an AuthnRequest ({:?} binding to {}) Entra would accept",
                            c.binding, c.idp_url
                        ),
                    )),
                    Some(Err(e)) => out.push((
                        false,
                        format!(
                            "Entra would refuse the SP's AuthnRequest: {}; hint: {}",
                            e.message(),
                            e.hint()
                        ),
                    )),
                }
                if let Some(want) = &s.idp_url {
                    if want.origin() != c.idp_url.origin() {
                        out.push((
                            false,
                            format!(
                                "the SP sends its AuthnRequest to {}, not to idp.url {want}",
                                c.idp_url
                            ),
                        ));
                    }
                }
            }
        },
    }
    match probe(&Browser::new(limits, &origin_refs), &s.sp.oracle).await {
        Ok(Session::SignedIn { .. }) => out.push((
            false,
            format!(
                "the protected page {} looks signed in with no login; hint: point sp.oracle.url at a page that needs a session",
                s.sp.oracle.url
            ),
        )),
        Ok(Session::SignedOut { how } | Session::Unidentified { how }) => {
            out.push((true, format!("signed out, the protected page: {how}")))
        }
        Err(e) => out.push((false, format!("protected page: {e}"))),
    }
    if s.idp_metadata.is_some() {
        match resolve_donor(s, limits).await {
            Ok(Some(_)) => out.push((true, "idp.metadata is signed (TM-C checks can use it)".into())),
            Ok(None) => out.push((
                false,
                "idp.metadata carries no signature; hint: name the App Federation Metadata Url (?appid=)".into(),
            )),
            Err(e) => out.push((false, e)),
        }
    }
    out
}
