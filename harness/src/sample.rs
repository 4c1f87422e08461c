//! An example of what a check posts, forged from the built-in tenant's response for B.Simon
//! (for `conformance --explain`).

use attacks::forge::IdpKey;
use attacks::{Check, Edit, Seed};
use mock_idp::config::Config;
use mock_idp::idp::Idp;
use mock_idp::response::SignWhat;

/// The edited XML `check` would post against the built-in tenant's first app.
pub fn forged_example(check: &Check) -> Result<String, String> {
    if let Edit::Replay = check.edit {
        return Ok(
            "(the response the SP accepted for the good login, posted again unchanged)".into(),
        );
    }
    let idp = Idp::new(Config::builtin());
    let mut app = idp.config.apps[0].clone();
    let user = idp
        .config
        .user(None)
        .ok_or("the built-in tenant has no user")?;
    if check.seed == Seed::ResponseSigned {
        app.sign = SignWhat::Both;
    }
    let login = idp.login_response(
        &app,
        user,
        &app.default_reply_url,
        Some("_example-request"),
        None,
        time::OffsetDateTime::now_utc(),
    );
    let seed = idp.sign(&app, &login).map_err(|e| e.message())?;
    let cert = app.active_cert();
    let key = IdpKey {
        key: cert.key().clone(),
        cert_pem: cert.pem(),
    };
    let donor = mock_idp::metadata::app_metadata(
        &idp.config.tenant,
        "https://login.microsoftonline.com",
        &app,
    )
    .ok();
    crate::runner::forge(check, &seed, Some(&key), donor.as_deref())
        .map(|f| f.xml)
        .map_err(|e| format!("{e:?}"))
}
