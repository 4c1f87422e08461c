//! An example of what a check posts, forged from the built-in tenant's response for B.Simon
//! (for `conformance --explain`).

use attacks::{Check, Edit};
use mock_idp::config::Config;
use mock_idp::idp::Idp;

/// The edited XML `check` would post against the built-in tenant's first app.
pub fn forged_example(check: &Check) -> Result<String, String> {
    match check.edit {
        Edit::Replay => {
            return Ok(
                "(the response the SP accepted for the good login, posted again unchanged, with the cookies it was first posted with, from a second browser)".into(),
            )
        }
        Edit::RelayState(value) => {
            return Ok(format!(
            "(the IdP's own response for the login, posted to the ACS with RelayState={value:?})"
        ))
        }
        Edit::UnsolicitedRelayState(value) => {
            return Ok(format!(
                "(the IdP's own response for an IdP-initiated login: no InResponseTo, posted to the ACS with RelayState={value:?})"
            ))
        }
        Edit::Genuine => {
            return Ok("(the IdP's own response for the login, posted unchanged)".into())
        }
        Edit::OtherBrowser(attacks::SecondBrowser::Fresh) => {
            return Ok("(a login started in one browser; the IdP's own response to it, unchanged, posted to the ACS from a second browser that holds none of the SP's cookies)".into())
        }
        Edit::OtherBrowser(attacks::SecondBrowser::MidLogin) => {
            return Ok("(a login started in one browser; a second browser starts a login of its own, then posts the IdP's own response to the first one's request, unchanged, to the ACS)".into())
        }
        Edit::ByRedirect => {
            return Ok("(the IdP's own response for the login, unchanged, sent by HTTP-Redirect: a GET of the ACS with SAMLResponse deflated into the query)".into())
        }
        Edit::ReturnTo(value) => {
            return Ok(format!(
                "(the login starts at the scenario's sp.return_to URL with {value:?} as the return address; the IdP's own response is posted unchanged)"
            ))
        }
        Edit::LogoutReturnTo(value) => {
            return Ok(format!(
                "(no login: a fresh browser opens the scenario's sp.logout_return_to URL with {value:?} as the return address)"
            ))
        }
        Edit::SignOnQuery(names) => {
            return Ok(format!(
                "(no login: a fresh browser opens the scenario's sign-on URL with {} each set to {:?}, following the SP's redirects on its origin)",
                names.join(", "),
                attacks::REFLECTED_MARKUP
            ));
        }
        Edit::AnonymousHeaders(headers) => {
            return Ok(format!(
                "(no login: a fresh browser asks for the protected page with\n  {})",
                attacks::header_lines(headers, "\n  ")
            ));
        }
        Edit::Logout(_) => return logout_example(check),
        Edit::Bytes(_)
        | Edit::Exhaust(_)
        | Edit::Oracle(_)
        | Edit::Retrusted(..)
        | Edit::Duplicate(..) => {}
    }
    let idp = Idp::new(Config::builtin());
    let app = &idp.config.apps[0];
    let user = idp
        .config
        .user(None)
        .ok_or("the built-in tenant has no user")?;
    let login = idp.login_response(
        app,
        user,
        &app.default_reply_url,
        Some("_example-request"),
        None,
        time::OffsetDateTime::now_utc(),
    );
    // The encrypted-assertion checks (and burdens) encrypt to the reference SP's certificate here.
    let example_sp =
        openssl::x509::X509::from_pem(reference_sp::decrypt::ENCRYPTION_CERTIFICATE_PEM.as_bytes())
            .ok();
    let example_facts = attacks::SpFacts {
        encryption_certificate: example_sp.as_ref(),
        wants_assertions_signed: true,
    };
    if let Edit::Exhaust(_) = check.edit {
        let seed = idp.sign(app, &login).map_err(|e| e.message())?;
        let burden = check
            .burden(&seed, example_facts)
            .map_err(|e| e.to_string())?;
        return Ok(format!(
            "(twice: a fresh login posts {}, {} bytes, as SAMLResponse, then another posts this, each timed; the good login must work again after each)\n{}",
            burden.yardstick_is,
            burden.encoded.len(),
            burden.shown
        ));
    }
    if let Edit::Oracle(_) = check.edit {
        let seed = idp.sign(app, &login).map_err(|e| e.message())?;
        let variants = check
            .variants(&seed, example_facts)
            .map_err(|e| e.to_string())?;
        let shown: Vec<String> = variants
            .iter()
            .map(|v| format!("{}:\n{}", v.what, v.xml))
            .collect();
        return Ok(format!(
            "(each posted {} times, each time from a fresh login; the ACS's answers compared)\n{}",
            crate::judge::ALIKE_ROUNDS,
            shown.join("\n\n")
        ));
    }
    // A run gives each fetch probe a prefix on its canary listener; this one is an example.
    let canary = attacks::Canary {
        prefix: "http://127.0.0.1:PORT/canary/TOKEN".into(),
        file: "/tmp/saml-harness-canary-TOKEN".into(),
    };
    let forged = crate::respond::forge_in_process(&idp, app, &login, check, |seed, key, donors| {
        crate::respond::forge(check, seed, key, donors, Some(&canary), example_facts)
    })
    .map_err(|e| format!("{e:?}"))?;
    let mut out = match check.retrust() {
        Some(change) => format!(
            "(first the SP re-reads IdP metadata ({}) through the scenario's sp.reload_idp_metadata and must stop taking the old key; then this is posted, and the original metadata goes back)\n{}",
            match change {
                attacks::Retrust::NewKey => "a new signing key in place of the IdP's",
                attacks::Retrust::NewKeyWithoutUse => "a new key in place of the IdP's, its KeyDescriptor without `use`",
                attacks::Retrust::EncryptionKeyOnly => "a new key in place of the IdP's, listed for encryption only",
            },
            forged.xml
        ),
        None => match check.duplicate() {
            Some(order) => format!(
                "(posted as one of two SAMLResponse fields of the same form, {} the IdP's own response)\n{}",
                match order {
                    attacks::FieldOrder::ForgedFirst => "before",
                    attacks::FieldOrder::ForgedLast => "after",
                },
                forged.xml
            ),
            None => forged.xml,
        },
    };
    for s in &forged.served {
        out.push_str(&format!(
            "\n\nserved by the canary at {}/{}:\n{}",
            canary.prefix, s.path, s.body
        ));
    }
    match &forged.local_file {
        Some(attacks::LocalFile::Holding(content)) => out.push_str(&format!(
            "\n\nwritten to the local file {}:\n{content}",
            canary.file
        )),
        Some(attacks::LocalFile::Watched) => out.push_str(&format!(
            "\n\nthe local file {} is emptied and watched (inotify): any open of it is recorded",
            canary.file
        )),
        None => {}
    }
    Ok(out)
}

/// What a sign-out check sends: the IdP's LogoutRequest for B.Simon's session and what the
/// check forges from it (a Redirect query or a POST form's XML, with the IdP-signed messages
/// of the attacker's own sign-in and sign-out).
fn logout_example(check: &Check) -> Result<String, String> {
    let idp = Idp::new(Config::builtin());
    let app = &idp.config.apps[0];
    let now = time::OffsetDateTime::now_utc();
    let slo = "https://sp.example/saml/slo";
    let email = Some(mock_idp::config::NameIdFormat::EmailAddress.uri());
    let genuine = idp
        .logout_request(
            app,
            "B.Simon@contoso.com",
            email,
            Some("_session-index-of-the-login"),
            slo,
            now,
        )
        .map_err(|e| e.message())?;
    let own = crate::respond::AttackerSignOut::of(
        &idp,
        app,
        "B.Simon@contoso.com",
        email,
        slo,
        now,
        check,
    )
    .map_err(|e| e.message())?;
    let message =
        crate::respond::forged_logout(check, app, &genuine, &own).map_err(|e| e.to_string())?;
    Ok(match check.logout_binding() {
        Some(attacks::LogoutBinding::Post) => format!(
            "(after a good login, the same browser posts the IdP's LogoutRequest for that session, forged, to the SP's single logout URL as SAMLRequest; this is the XML before base64)\n{}\n\nPOST {slo}, SAMLRequest = base64 of:\n{message}",
            genuine.xml
        ),
        _ => format!(
            "(after a good login, the same browser opens the SP's single logout URL with the IdP's LogoutRequest for that session)\n{}\n\nGET {}",
            genuine.xml,
            crate::runner::elided(&format!("{slo}?{message}"))
        ),
    })
}
