//! End to end over real HTTP on 127.0.0.1: AuthnRequests in, auto-submit forms or AADSTS pages out.

mod common;

use base64::Engine;
use common::*;
use reqwest::Client;

const OPEN: &str = "https://sp.fabrikam.test/saml";
const OPEN_ACS: &str = "https://sp.fabrikam.test/saml/acs";

fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn get(url: &str) -> (u16, String) {
    let r = client().get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Sends `xml` by HTTP-Redirect with `extra_query` appended; returns status and body.
async fn redirect(base: &str, tenant: &str, xml: &str, extra_query: &str) -> (u16, String) {
    get(&format!(
        "{base}/{tenant}/saml2?SAMLRequest={}{extra_query}",
        enc(&deflate_b64(xml))
    ))
    .await
}

/// The AADSTS code an error page shows.
fn aadsts(body: &str) -> Option<u32> {
    let start = body.find("data-code=\"AADSTS")? + 17;
    body[start..start + body[start..].find('"')?].parse().ok()
}

fn cert_pem() -> String {
    let c = test_config();
    c.app(Some("open")).unwrap().active_cert().pem()
}

#[tokio::test]
async fn redirect_login_posts_a_verifying_response_with_claims_and_relay_state() {
    let (base, tenant) = spawn(test_config()).await;
    let (status, body) = redirect(
        &base,
        &tenant,
        &authn_request("_req1", OPEN, Some(OPEN_ACS), "", ""),
        "&RelayState=%2Fdeep%2Flink",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(form_action(&body).as_deref(), Some(OPEN_ACS));
    assert_eq!(
        form_field(&body, "RelayState").as_deref(),
        Some("/deep/link")
    );
    let xml = saml_response(&body);
    assert!(xmlsec1_verifies(&xml, &cert_pem(), ASSERTION_SIG), "{xml}");
    assert!(!xmlsec1_verifies(
        &xml.replace("fabrikam.com</NameID>", "evil.com</NameID>"),
        &cert_pem(),
        ASSERTION_SIG
    ));
    for expected in [
        "InResponseTo=\"_req1\"",
        "<NameID Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress\">B.Simon@fabrikam.com</NameID>",
        "<Attribute Name=\"email\"><AttributeValue>B.Simon@fabrikam.com</AttributeValue></Attribute>",
        "<Attribute Name=\"urn:example/plan\"><AttributeValue>enterprise</AttributeValue>",
        "<Attribute Name=\"http://schemas.microsoft.com/ws/2008/06/identity/claims/role\"><AttributeValue>Admin</AttributeValue>",
        "<AttributeValue>99999999-0000-4000-8000-000000000001</AttributeValue>",
        "<Audience>https://sp.fabrikam.test/saml</Audience>",
    ] {
        assert!(xml.contains(expected), "missing {expected} in {xml}");
    }
    // The expired certificate is listed but the active one signs.
    let expired = test_config().app(Some("open")).unwrap().certificates[0].pem();
    assert!(!xmlsec1_verifies(&xml, &expired, ASSERTION_SIG));
}

#[tokio::test]
async fn post_binding_login_works_and_other_reply_url_is_honoured() {
    let (base, tenant) = spawn(test_config()).await;
    let other = "https://sp.fabrikam.test/other/acs";
    let b64 = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        authn_request("_p1", OPEN, Some(other), "", ""),
    );
    let r = client()
        .post(format!("{base}/{tenant}/saml2"))
        .form(&[("SAMLRequest", b64.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body = r.text().await.unwrap();
    assert_eq!(form_action(&body).as_deref(), Some(other));
    assert!(saml_response(&body).contains(&format!("Recipient=\"{other}\"")));
}

#[tokio::test]
async fn each_request_level_error_renders_its_aadsts_code() {
    // E.Mallory signs in: not assigned to "assigned-only" (B.Simon is, through Sales).
    let mut cfg = test_config();
    cfg.default_user = 1;
    let (base, tenant) = spawn(cfg).await;
    let cases: Vec<(u32, String)> = vec![
        (700016, authn_request("_a", "https://unknown.test/", None, "", "")),
        (50011, authn_request("_a", OPEN, Some("https://attacker.test/acs"), "", "")),
        (900236, authn_request("_a", OPEN, None, "", "<saml:Subject><saml:NameID>x</saml:NameID></saml:Subject>")),
        (7500529, authn_request("1abc", OPEN, None, "", "")),
        (75016, authn_request("_a", OPEN, None, "", "<samlp:NameIDPolicy Format=\"urn:example:bogus\"/>")),
        (75011, authn_request("_a", OPEN, None, "", "<samlp:RequestedAuthnContext Comparison=\"exact\"><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:X509</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>")),
        (50105, authn_request("_a", "urn:fabrikam:assigned", None, "", "")),
        (76021, authn_request("_a", "urn:fabrikam:signed", None, "", "")),
        (75005, "<notsaml/>".into()),
    ];
    for (code, xml) in cases {
        let (status, body) = redirect(&base, &tenant, &xml, "").await;
        assert_eq!(status, 400, "{code}: {body}");
        assert_eq!(aadsts(&body), Some(code), "{body}");
        assert!(
            body.contains("Sorry, but we're having trouble signing you in."),
            "{body}"
        );
    }
    let (_, body) = get(&format!("{base}/{tenant}/saml2")).await;
    assert_eq!(aadsts(&body), Some(750054));
    let (_, body) = get(&format!("{base}/{tenant}/saml2?SAMLRequest=%%%not-base64")).await;
    assert_eq!(aadsts(&body), Some(75005));
}

#[tokio::test]
async fn errors_are_json_on_request() {
    let (base, tenant) = spawn(test_config()).await;
    let r = client()
        .get(format!("{base}/{tenant}/saml2"))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["code"], 750054);
    assert!(v["message"].as_str().unwrap().starts_with("AADSTS750054: "));
}

#[tokio::test]
async fn assignment_through_a_group_lets_the_user_in() {
    // B.Simon is in Sales, which is assigned (E.Mallory is not: the 50105 case above).
    let (base, tenant) = spawn(test_config()).await;
    let (status, body) = redirect(
        &base,
        &tenant,
        &authn_request("_g", "urn:fabrikam:assigned", None, "", ""),
        "",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(saml_response(&body).contains(">B.Simon@fabrikam.com</NameID>"));
}

#[tokio::test]
async fn is_passive_posts_no_passive_with_aadsts50058() {
    let (base, tenant) = spawn(test_config()).await;
    let (status, body) = redirect(
        &base,
        &tenant,
        &authn_request("_np", OPEN, None, " IsPassive=\"true\"", ""),
        "",
    )
    .await;
    assert_eq!(status, 200);
    let xml = saml_response(&body);
    assert!(xml.contains("<samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Responder\"><samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:NoPassive\"/>"), "{xml}");
    assert!(xml.contains("AADSTS50058: "), "{xml}");
    assert!(!xml.contains("Assertion"), "{xml}");
}

fn sign_redirect_query(query: &str, key_pem: &[u8]) -> String {
    let key = openssl::pkey::PKey::private_key_from_pem(key_pem).unwrap();
    let mut s = openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &key).unwrap();
    let sig = s.sign_oneshot_to_vec(query.as_bytes()).unwrap();
    format!(
        "{query}&Signature={}",
        enc(&base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            sig
        ))
    )
}

#[tokio::test]
async fn signed_redirect_requests_are_verified_over_the_raw_query() {
    let (base, tenant) = spawn(test_config()).await;
    let xml = authn_request("_s1", "urn:fabrikam:signed", None, "", "");
    let query = format!(
        "SAMLRequest={}&RelayState={}&SigAlg={}",
        enc(&deflate_b64(&xml)),
        enc("a b/c"),
        enc("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")
    );
    let sp_key = include_bytes!("../../fixtures/keys/sp-1.key.pem");
    let (status, body) = get(&format!(
        "{base}/{tenant}/saml2?{}",
        sign_redirect_query(&query, sp_key)
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    // "Sign both" with RSA-SHA1 for this app: both signatures verify.
    let resp = saml_response(&body);
    let cert = test_config()
        .app(Some("signed-requests"))
        .unwrap()
        .active_cert()
        .pem();
    assert!(xmlsec1_verifies(&resp, &cert, ASSERTION_SIG));
    assert!(xmlsec1_verifies(&resp, &cert, ROOT_SIG));
    assert!(resp.contains("xmldsig#rsa-sha1"));
    // Signed by a key the app does not trust.
    let wrong = include_bytes!("../../fixtures/keys/idp-signing-2.key.pem");
    let (status, body) = get(&format!(
        "{base}/{tenant}/saml2?{}",
        sign_redirect_query(&query, wrong)
    ))
    .await;
    assert_eq!((status, aadsts(&body)), (400, Some(75005)), "{body}");
}

#[tokio::test]
async fn metadata_is_signed_and_lists_every_certificate() {
    let (base, tenant) = spawn(test_config()).await;
    let app_id = test_config().app(Some("open")).unwrap().app_id.clone();
    let (status, pem) = get(&format!(
        "{base}/{tenant}/saml2/certificate?appid={app_id}&format=pem"
    ))
    .await;
    assert_eq!(status, 200);
    let (status, md) = get(&format!(
        "{base}/{tenant}/federationmetadata/2007-06/federationmetadata.xml?appid={app_id}"
    ))
    .await;
    assert_eq!(status, 200);
    assert!(xmlsec1_verifies(&md, &pem, ROOT_SIG), "{md}");
    assert!(!xmlsec1_verifies(
        &md.replace("/saml2\"", "/evil\""),
        &pem,
        ROOT_SIG
    ));
    let cfg = test_config();
    let app = cfg.app(Some("open")).unwrap();
    for (i, c) in app.certificates.iter().enumerate() {
        // Three KeyDescriptors each, plus the signature's KeyInfo for the active one.
        let expected = if i == app.active_certificate { 4 } else { 3 };
        assert_eq!(
            md.matches(c.der_base64()).count(),
            expected,
            "certificate {i}"
        );
    }
    assert!(md.contains(&format!("<SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" Location=\"{base}/{tenant}/saml2\"/>")));
    // The tenant-level document (no appid), also with the domain as tenant: signed with and
    // listing the tenant-wide STS keys only, as Entra's, so it cannot verify the app's tokens.
    let (status, tenant_md) = get(&format!(
        "{base}/fabrikam.com/federationmetadata/2007-06/federationmetadata.xml"
    ))
    .await;
    assert_eq!(status, 200);
    for c in &app.certificates {
        assert!(!tenant_md.contains(c.der_base64()));
    }
    let first = tenant_md
        .split("<X509Certificate>")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap();
    let der = base64::engine::general_purpose::STANDARD
        .decode(first)
        .unwrap();
    let cert = openssl::x509::X509::from_der(&der).unwrap();
    let cn = cert
        .subject_name()
        .entries_by_nid(openssl::nid::Nid::COMMONNAME)
        .next()
        .unwrap()
        .data()
        .to_string()
        .unwrap();
    assert_eq!(cn, mock_idp::cert::TENANT_KEY_CN);
    assert_eq!(get(&format!("{base}/not-a-tenant/saml2")).await.0, 404);
}

#[tokio::test]
async fn certificate_downloads_have_entra_formats() {
    let (base, tenant) = spawn(test_config()).await;
    let r = client()
        .get(format!(
            "{base}/{tenant}/saml2/certificate?appid=open&format=raw"
        ))
        .send()
        .await
        .unwrap();
    let der = r.bytes().await.unwrap();
    let x = openssl::x509::X509::from_der(&der).unwrap();
    assert_eq!(x.to_pem().unwrap(), cert_pem().into_bytes());
    let (_, b64) = get(&format!(
        "{base}/{tenant}/saml2/certificate?appid=open&format=base64"
    ))
    .await;
    assert!(b64.starts_with("-----BEGIN CERTIFICATE-----\r\n"));
    assert_eq!(
        get(&format!(
            "{base}/{tenant}/saml2/certificate?appid=open&format=jpeg"
        ))
        .await
        .0,
        400
    );
}

#[tokio::test]
async fn logout_request_gets_a_logout_response_signed_in_the_redirect_query() {
    let (base, tenant) = spawn(test_config()).await;
    let logout = format!(
        "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_lo1\" Version=\"2.0\" IssueInstant=\"2026-11-25T10:00:00Z\"><saml:Issuer>{OPEN}</saml:Issuer><saml:NameID>B.Simon@fabrikam.com</saml:NameID></samlp:LogoutRequest>"
    );
    let r = client()
        .get(format!(
            "{base}/{tenant}/saml2?SAMLRequest={}&RelayState=rs",
            enc(&deflate_b64(&logout))
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("https://sp.fabrikam.test/saml/logout?SAMLResponse="),
        "{location}"
    );
    let url = reqwest::Url::parse(&location).unwrap();
    let b64 = url
        .query_pairs()
        .find(|(k, _)| k == "SAMLResponse")
        .unwrap()
        .1
        .into_owned();
    assert_eq!(
        url.query_pairs()
            .find(|(k, _)| k == "RelayState")
            .unwrap()
            .1,
        "rs"
    );
    let xml = inflate_b64(&b64);
    assert!(xml.contains("InResponseTo=\"_lo1\""), "{xml}");
    assert!(xml.contains(&format!("<Issuer xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\">https://login.microsoftonline.com/{tenant}/</Issuer>")));
    // HTTP-Redirect (Bindings §3.4.4.1): no XML signature; the query is signed instead.
    assert!(!xml.contains("Signature"), "{xml}");
    let query = location.split_once('?').unwrap().1;
    let (signed, signature) = query.split_once("&Signature=").unwrap();
    assert!(
        // Entra's lower-case percent escapes.
        signed.ends_with("&SigAlg=http%3a%2f%2fwww.w3.org%2f2001%2f04%2fxmldsig-more%23rsa-sha256"),
        "{signed}"
    );
    let signature: String = form_urlencoded::parse(format!("s={signature}").as_bytes())
        .next()
        .unwrap()
        .1
        .into_owned();
    let signature = base64::engine::general_purpose::STANDARD
        .decode(signature)
        .unwrap();
    let key = openssl::x509::X509::from_pem(cert_pem().as_bytes())
        .unwrap()
        .public_key()
        .unwrap();
    let verifies = |octets: &str| {
        let mut v =
            openssl::sign::Verifier::new(openssl::hash::MessageDigest::sha256(), &key).unwrap();
        v.verify_oneshot(&signature, octets.as_bytes()).unwrap()
    };
    assert!(verifies(signed), "{signed}");
    assert!(!verifies(&signed.replace("RelayState=rs", "RelayState=rx")));
}

#[tokio::test]
async fn idp_initiated_launch_has_no_in_response_to_and_uses_the_relay_state() {
    let (base, _) = spawn(test_config()).await;
    let (status, body) = get(&format!("{base}/api/signin/open")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(form_field(&body, "RelayState").as_deref(), Some("/welcome"));
    let xml = saml_response(&body);
    assert!(!xml.contains("InResponseTo"), "{xml}");
    assert!(xmlsec1_verifies(&xml, &cert_pem(), ASSERTION_SIG));
}

#[tokio::test]
async fn interactive_mode_lets_a_person_pick_the_user() {
    let mut cfg = test_config();
    cfg.sign_in = mock_idp::config::SignInMode::Interactive;
    let (base, tenant) = spawn(cfg).await;
    let (status, page) = redirect(
        &base,
        &tenant,
        &authn_request("_i1", OPEN, None, "", ""),
        "&RelayState=r1",
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("E.Mallory@fabrikam.com") && page.contains("B.Simon@fabrikam.com"),
        "{page}"
    );
    assert!(!page.contains("SAMLResponse"));
    assert!(
        page.contains("to continue to "),
        "the picker names the app: {page}"
    );
    let fields: Vec<(String, String)> = ["binding", "query", "SAMLRequest", "RelayState"]
        .iter()
        .map(|n| (n.to_string(), form_field(&page, n).unwrap()))
        .chain([("user".to_string(), "E.Mallory@fabrikam.com".to_string())])
        .collect();
    let r = client()
        .post(form_action(&page).unwrap())
        .form(&fields)
        .send()
        .await
        .unwrap();
    let body = r.text().await.unwrap();
    let xml = saml_response(&body);
    assert!(xml.contains(">E.Mallory@fabrikam.com</NameID>"), "{xml}");
    assert_eq!(form_field(&body, "RelayState").as_deref(), Some("r1"));
}

#[tokio::test]
async fn a_post_that_is_no_form_gets_entras_page_saying_how_to_send_the_request() {
    let (base, tenant) = spawn(test_config()).await;
    let r = client()
        .post(format!("{base}/{tenant}/saml2"))
        .body("SAMLRequest=abc")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains("AADSTS75005"), "{page}");
    assert!(
        page.contains("sends an HTML form") && page.contains("by GET"),
        "{page}"
    );
}

#[tokio::test]
async fn interactive_mode_refuses_an_unknown_app_or_reply_url_before_the_picker() {
    let mut cfg = test_config();
    cfg.sign_in = mock_idp::config::SignInMode::Interactive;
    let (base, tenant) = spawn(cfg).await;
    let (status, page) = redirect(
        &base,
        &tenant,
        &authn_request("_i2", "urn:nobody:knows", None, "", ""),
        "",
    )
    .await;
    assert_eq!(status, 400, "{page}");
    assert!(
        page.contains("AADSTS700016") && !page.contains("Pick an account"),
        "{page}"
    );
    let (status, page) = redirect(
        &base,
        &tenant,
        &authn_request("_i3", OPEN, Some("https://evil.test/acs"), "", ""),
        "",
    )
    .await;
    assert_eq!(status, 400, "{page}");
    assert!(
        page.contains("AADSTS50011") && !page.contains("Pick an account"),
        "{page}"
    );
}

#[tokio::test]
async fn token_encryption_hides_the_assertion_from_all_but_the_sp_key() {
    let (base, tenant) = spawn(test_config()).await;
    let (status, body) = redirect(
        &base,
        &tenant,
        &authn_request("_e1", "urn:fabrikam:encrypted", None, "", ""),
        "",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let xml = saml_response(&body);
    assert!(xml.contains("<EncryptedAssertion xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\"><xenc:EncryptedData"), "{xml}");
    assert!(xml.contains("xmlenc#aes256-cbc") && xml.contains("xmlenc#rsa-oaep-mgf1p"));
    assert!(
        !xml.contains("B.Simon"),
        "the assertion must not leak in clear"
    );
    let decrypted =
        xmlsec1_decrypt(&xml, include_str!("../../fixtures/keys/sp-1.key.pem")).unwrap();
    assert!(
        decrypted.contains(">B.Simon@fabrikam.com</NameID>"),
        "{decrypted}"
    );
    let cert = test_config()
        .app(Some("encrypted"))
        .unwrap()
        .active_cert()
        .pem();
    assert!(
        xmlsec1_verifies(&decrypted, &cert, ASSERTION_SIG),
        "signed, then encrypted: {decrypted}"
    );
    assert!(xmlsec1_decrypt(
        &xml,
        include_str!("../../fixtures/keys/idp-signing-2.key.pem")
    )
    .is_err());
}

#[test]
fn the_auto_submit_form_carries_every_field_in_order() {
    // The Chromium driver posts this page: a second SAMLResponse must reach the ACS with it,
    // in its place, or a duplicate-response check would only post the forgery.
    let post = saml_protocol::AcsPost {
        acs: "https://sp/acs".into(),
        saml_response: "<r/>".into(),
        relay_state: Some("/next".into()),
        beside: Some(saml_protocol::Beside {
            xml: "<s/>".into(),
            first: true,
        }),
    };
    let page = mock_idp::server::acs_form(&post).0;
    let inputs: Vec<&str> = page
        .split("<input type=\"hidden\" ")
        .skip(1)
        .map(|i| i.split(" />").next().unwrap())
        .collect();
    assert_eq!(
        inputs,
        [
            "name=\"SAMLResponse\" value=\"PHMvPg==\"",
            "name=\"SAMLResponse\" value=\"PHIvPg==\"",
            "name=\"RelayState\" value=\"/next\"",
        ],
        "{page}"
    );
}
