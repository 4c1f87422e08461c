//! `idp serve --graph`: Microsoft Graph inside the mock tenant, driven as a Cymmetri-style
//! platform drives Entra (client-credentials token, create a user with usageLocation, assign
//! Teams Exploratory, add to a group), with Graph's and Entra's errors on the way, and the
//! created user then signing in over SAML.

mod common;

use serde_json::{json, Value};

const APP: &str = "5e8f7a6b-1c2d-4e3f-8a9b-0c1d2e3f4a5b";
const TEAMS_EXPLORATORY: &str = "710779e8-3d4a-4c88-adb9-386c958d1fdf";

struct Graph {
    base: String,
    client: reqwest::Client,
    token: String,
}

impl Graph {
    /// A client with a client-credentials token of the default app registration for `scope`.
    async fn signed_in(base: &str, scope: &str) -> Graph {
        let (status, granted) = token(
            base,
            "contoso.com",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", saml_harness::idp_cmd::DEFAULT_GRAPH_CLIENT),
                ("client_secret", saml_harness::idp_cmd::DEFAULT_GRAPH_SECRET),
                ("scope", scope),
            ],
        )
        .await;
        assert_eq!(status, 200, "{granted}");
        Graph {
            base: base.to_owned(),
            client: reqwest::Client::new(),
            token: granted["access_token"].as_str().unwrap().to_owned(),
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

async fn token(base: &str, tenant: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}/{tenant}/oauth2/v2.0/token"))
        .form(form)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// The NameID of the SAMLResponse in an auto-post form, if the page is one.
fn name_id(page: &str) -> Option<String> {
    let value = page
        .split("name=\"SAMLResponse\" value=\"")
        .nth(1)?
        .split('"')
        .next()?;
    let xml = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, value).ok()?;
    let xml = String::from_utf8(xml).ok()?;
    let doc = roxmltree::Document::parse(&xml).ok()?;
    let node = doc.descendants().find(|n| n.has_tag_name("NameID"))?;
    node.text().map(str::to_owned)
}

/// Whether the IdP signs `upn` in, twice over: IdP-initiated (as "Test this application"
/// does) and SP-initiated with `login_hint` on the single sign-on URL. Both must agree, and
/// the response must be for `upn`, not the default user.
async fn signs_in(base: &str, upn: &str) -> bool {
    let client = reqwest::Client::new();
    let launched = client
        .get(format!("{base}/api/signin/{APP}?user={upn}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let index = client
        .get(format!("{base}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let login_url = index
        .lines()
        .find_map(|l| l.strip_prefix("Login URL / Logout URL: "))
        .unwrap()
        .to_owned();
    let request = format!(
        "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"_{}\" Version=\"2.0\" IssueInstant=\"{}\"><Issuer xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\">https://sp.contoso.test/saml</Issuer></samlp:AuthnRequest>",
        uuid::Uuid::new_v4().simple(),
        time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap()
    );
    let hinted = client
        .get(&login_url)
        .query(&[
            ("SAMLRequest", saml_protocol::deflate_base64(&request)),
            ("login_hint", upn.to_owned()),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (a, b) = (name_id(&launched), name_id(&hinted));
    assert_eq!(
        a, b,
        "IdP- and SP-initiated disagree:\n{launched}\n{hinted}"
    );
    match a {
        Some(n) => {
            assert!(n.eq_ignore_ascii_case(upn), "signed in {n}, not {upn}");
            true
        }
        None => false,
    }
}

#[test]
fn a_cymmetri_style_platform_provisions_into_the_tenant_and_the_user_signs_in() {
    let idp = common::serve(&[
        "idp",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--graph",
        "--graph-public-client",
    ]);
    let base = idp.url.clone();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let index = reqwest::get(format!("{base}/")).await.unwrap().text().await.unwrap();
        let tenant = index.split_whitespace().nth(5).unwrap().trim_matches(|c| c == '(' || c == ')').to_owned();
        let client_id = saml_harness::idp_cmd::DEFAULT_GRAPH_CLIENT;
        let secret = saml_harness::idp_cmd::DEFAULT_GRAPH_SECRET;
        let scope = "https://graph.microsoft.com/.default";

        let (status, err) = token(&base, &tenant, &[("grant_type", "client_credentials"), ("client_id", "00000000-0000-0000-0000-000000000001"), ("client_secret", secret), ("scope", scope)]).await;
        assert_eq!(status, 400, "{err}");
        assert!(err["error_description"].as_str().unwrap().starts_with("AADSTS700016:"), "{err}");
        let (status, err) = token(&base, "fabrikam.example", &[("grant_type", "client_credentials"), ("client_id", client_id), ("client_secret", secret), ("scope", scope)]).await;
        assert_eq!((status, err["error_codes"].clone()), (400, json!([90002])), "{err}");
        let (status, err) = token(&base, &tenant, &[("grant_type", "client_credentials"), ("client_id", client_id), ("client_secret", "wrong"), ("scope", scope)]).await;
        assert_eq!(status, 401, "{err}");
        assert_eq!(err["error_codes"], json!([7000215]), "{err}");
        let (status, err) = token(&base, &tenant, &[("grant_type", "client_credentials"), ("client_id", client_id), ("client_secret", secret), ("scope", "User.Read")]).await;
        assert_eq!(status, 400, "{err}");
        assert_eq!(err["error"], "invalid_scope");
        let (status, granted) = token(&base, &tenant, &[("grant_type", "client_credentials"), ("client_id", client_id), ("client_secret", secret), ("scope", scope)]).await;
        assert_eq!(status, 200, "{granted}");
        assert_eq!(granted["token_type"], "Bearer");

        let mut graph = Graph { base: base.clone(), client: reqwest::Client::new(), token: String::new() };
        let (status, err) = graph.call(reqwest::Method::GET, "/v1.0/users", None).await;
        assert_eq!((status, err["error"]["code"].as_str()), (401, Some("InvalidAuthenticationToken")));
        graph.token = granted["access_token"].as_str().unwrap().to_owned();

        let upn = "Cym.User@contoso.com";
        assert!(!signs_in(&base, upn).await, "nobody by that name yet");
        let new_user = |upn: &str, password: &str| json!({
            "accountEnabled": true, "displayName": "Cym User", "mailNickname": "cym.user",
            "userPrincipalName": upn, "givenName": "Cym", "surname": "User",
            "passwordProfile": {"forceChangePasswordNextSignIn": false, "password": password},
        });
        let post = reqwest::Method::POST;
        let (status, err) = graph.call(post.clone(), "/v1.0/users", Some(new_user("cym@fabrikam.example", "Str0ng!Passw0rd"))).await;
        assert_eq!(status, 400, "{err}");
        assert!(err["error"]["message"].as_str().unwrap().contains("verified domain"), "{err}");
        let (status, err) = graph.call(post.clone(), "/v1.0/users", Some(new_user(upn, "short"))).await;
        assert_eq!(status, 400);
        assert!(err["error"]["message"].as_str().unwrap().contains("complexity"), "{err}");
        let (status, created) = graph.call(post.clone(), "/v1.0/users", Some(new_user(upn, "Str0ng!Passw0rd"))).await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["@odata.context"], "https://graph.microsoft.com/v1.0/$metadata#users/$entity");
        let id = created["id"].as_str().unwrap().to_owned();
        let (status, err) = graph.call(post.clone(), "/v1.0/users", Some(new_user(upn, "Str0ng!Passw0rd"))).await;
        assert_eq!(status, 400);
        assert!(err["error"]["message"].as_str().unwrap().contains("already exists"), "{err}");
        assert!(signs_in(&base, upn).await, "the created user signs in over SAML");

        // The password grant (ROPC), as ConnId-style connectors sign in.
        let ropc = |password: &'static str| {
            [("grant_type", "password"), ("client_id", client_id), ("client_secret", secret), ("scope", "https://graph.microsoft.com/.default openid profile"), ("username", upn), ("password", password)]
        };
        let (status, err) = token(&base, &tenant, &ropc("Wrong!Passw0rd")).await;
        assert_eq!((status, err["error_codes"].clone()), (400, json!([50126])), "{err}");
        let (status, delegated) = token(&base, &tenant, &ropc("Str0ng!Passw0rd")).await;
        assert_eq!(status, 200, "{delegated}");
        let payload = delegated["id_token"].as_str().unwrap().split('.').nth(1).unwrap().to_owned();
        let claims: Value = serde_json::from_slice(&base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload).unwrap()).unwrap();
        assert_eq!(claims["preferred_username"], upn);

        let licence = json!({"addLicenses": [{"disabledPlans": [], "skuId": TEAMS_EXPLORATORY}], "removeLicenses": []});
        let path = format!("/v1.0/users/{id}/assignLicense");
        let (status, err) = graph.call(post.clone(), &path, Some(licence.clone())).await;
        assert_eq!(status, 400);
        assert!(err["error"]["message"].as_str().unwrap().contains("invalid usage location"), "{err}");
        let (status, _) = graph.call(reqwest::Method::PATCH, &format!("/v1.0/users/{id}"), Some(json!({"usageLocation": "US"}))).await;
        assert_eq!(status, 204);
        let (status, user) = graph.call(post.clone(), &path, Some(licence)).await;
        assert_eq!(status, 200, "{user}");
        assert_eq!(user["assignedLicenses"][0]["skuId"], TEAMS_EXPLORATORY);
        let (_, skus) = graph.call(reqwest::Method::GET, "/v1.0/subscribedSkus", None).await;
        assert_eq!(skus["value"][0]["skuPartNumber"], "TEAMS_EXPLORATORY");
        assert_eq!(skus["value"][0]["consumedUnits"], 1);

        let filter = format!("/v1.0/users?$filter=userPrincipalName%20eq%20'{upn}'&$count=true");
        let (status, err) = graph.call(reqwest::Method::GET, &filter, None).await;
        assert_eq!(status, 400, "$count needs ConsistencyLevel: {err}");
        let found: Value = graph.client.get(format!("{base}{filter}")).bearer_auth(&graph.token).header("ConsistencyLevel", "eventual").send().await.unwrap().json().await.unwrap();
        assert_eq!(found["@odata.count"], 1, "{found}");
        assert_eq!(found["value"][0]["id"], id.as_str());
        let (_, page) = graph.call(reqwest::Method::GET, "/v1.0/users?$top=1", None).await;
        assert!(page["@odata.nextLink"].as_str().unwrap().contains("$skiptoken=1"), "{page}");

        let (status, group) = graph.call(post.clone(), "/v1.0/groups", Some(json!({"displayName": "Teams Users", "mailEnabled": false, "mailNickname": "teamsusers", "securityEnabled": true}))).await;
        assert_eq!(status, 201, "{group}");
        let gid = group["id"].as_str().unwrap().to_owned();
        let reference = json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}")});
        let (status, _) = graph.call(post.clone(), &format!("/v1.0/groups/{gid}/members/$ref"), Some(reference.clone())).await;
        assert_eq!(status, 204);
        let (status, err) = graph.call(post.clone(), &format!("/v1.0/groups/{gid}/members/$ref"), Some(reference)).await;
        assert_eq!(status, 400, "{err}");
        let (_, members) = graph.call(reqwest::Method::GET, &format!("/v1.0/groups/{gid}/members"), None).await;
        assert_eq!(members["value"][0]["userPrincipalName"], upn);

        let (status, _) = graph.call(reqwest::Method::PATCH, &format!("/v1.0/users/{id}"), Some(json!({"accountEnabled": false}))).await;
        assert_eq!(status, 204);
        assert!(!signs_in(&base, upn).await, "a disabled user no longer signs in");
        let (status, err) = token(&base, &tenant, &ropc("Str0ng!Passw0rd")).await;
        assert_eq!((status, err["error_codes"].clone()), (400, json!([50057])), "the password grant too: {err}");
        let (_, user) = graph.call(reqwest::Method::GET, &format!("/v1.0/users/{id}?$select=accountEnabled,userPrincipalName"), None).await;
        assert_eq!(user["accountEnabled"], false, "disabled, not deleted: {user}");
        let (status, _) = graph.call(reqwest::Method::PATCH, &format!("/v1.0/users/{id}"), Some(json!({"accountEnabled": true, "userPrincipalName": "Cym.User@fabrikam.example"}))).await;
        assert_eq!(status, 400, "an unverified domain in a PATCH is refused");
        assert!(!signs_in(&base, upn).await, "a refused PATCH changes nothing, not even accountEnabled");
        let (status, _) = graph.call(reqwest::Method::PATCH, &format!("/v1.0/users/{id}"), Some(json!({"accountEnabled": true}))).await;
        assert_eq!(status, 204);
        assert!(signs_in(&base, upn).await, "re-enabled, the user signs in again");

        // The password grant of a public client (no secret), as ConnId-style connectors use it.
        let (status, delegated) = token(&base, &tenant, &[("grant_type", "password"), ("client_id", client_id), ("scope", "https://graph.microsoft.com/.default"), ("username", upn), ("password", "Str0ng!Passw0rd")]).await;
        assert_eq!(status, 200, "{delegated}");
    });
}

#[test]
fn licences_are_counted_against_the_seats_bought() {
    let idp = common::serve(&[
        "idp",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--graph",
        "--graph-seats",
        "1",
        "--graph-sku",
        "ENTERPRISEPACK:6fd2c87f-b296-42f0-b197-1e91e994b900:25",
    ]);
    let base = idp.url.clone();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        // The scope in its app-id form, which Entra takes as well.
        let graph = Graph::signed_in(&base, "00000003-0000-0000-c000-000000000000/.default").await;
        let mut ids = Vec::new();
        for upn in ["L1@contoso.com", "L2@contoso.com"] {
            let (status, created) = graph.call(reqwest::Method::POST, "/v1.0/users", Some(json!({"accountEnabled": true, "displayName": upn, "mailNickname": "l", "userPrincipalName": upn, "usageLocation": "DE", "passwordProfile": {"password": "Str0ng!Passw0rd"}}))).await;
            assert_eq!(status, 201, "{created}");
            assert!(created.get("usageLocation").is_none(), "POST answers the default properties: {created}");
            ids.push(created["id"].as_str().unwrap().to_owned());
        }
        let add = json!({"addLicenses": [{"disabledPlans": [], "skuId": TEAMS_EXPLORATORY}], "removeLicenses": []});
        let remove = json!({"addLicenses": [], "removeLicenses": [TEAMS_EXPLORATORY]});
        let assign = |i: usize, body: &Value| (format!("/v1.0/users/{}/assignLicense", ids[i]), body.clone());
        let (path, body) = assign(0, &add);
        assert_eq!(graph.call(reqwest::Method::POST, &path, Some(body.clone())).await.0, 200);
        assert_eq!(graph.call(reqwest::Method::POST, &path, Some(body)).await.0, 200, "assigning a held licence again needs no seat");
        let (path, body) = assign(1, &add);
        let (status, err) = graph.call(reqwest::Method::POST, &path, Some(body)).await;
        assert_eq!(status, 400);
        assert!(err["error"]["message"].as_str().unwrap().contains("does not have any available licenses"), "{err}");
        let (path, body) = assign(0, &remove);
        assert_eq!(graph.call(reqwest::Method::POST, &path, Some(body)).await.0, 200);
        let (path, body) = assign(1, &add);
        assert_eq!(graph.call(reqwest::Method::POST, &path, Some(body)).await.0, 200, "the freed seat is taken");
        let (_, skus) = graph.call(reqwest::Method::GET, "/v1.0/subscribedSkus", None).await;
        let parts: Vec<&str> = skus["value"].as_array().unwrap().iter().map(|s| s["skuPartNumber"].as_str().unwrap()).collect();
        assert_eq!(parts, ["TEAMS_EXPLORATORY", "ENTERPRISEPACK"], "{skus}");
        assert_eq!(skus["value"][1]["prepaidUnits"]["enabled"], 25);
        let (status, err) = graph.call(reqwest::Method::GET, "/v1.0/users?$filter=department%20eq%20'x'", None).await;
        assert_eq!((status, err["error"]["code"].as_str()), (400, Some("Request_UnsupportedQuery")), "{err}");
        // Without "Allow public client flows" the password grant needs the secret.
        let (status, err) = token(&base, "contoso.com", &[("grant_type", "password"), ("client_id", saml_harness::idp_cmd::DEFAULT_GRAPH_CLIENT), ("scope", "https://graph.microsoft.com/.default"), ("username", "L1@contoso.com"), ("password", "Str0ng!Passw0rd")]).await;
        assert_eq!((status, err["error_codes"].clone()), (401, json!([7000218])), "{err}");
        let (_, page) = graph.call(reqwest::Method::GET, "/v1.0/users?$top=1", None).await;
        assert_eq!(page["value"].as_array().unwrap().len(), 1);
        let next = page["@odata.nextLink"].as_str().unwrap().to_owned();
        let second: Value = graph.client.get(&next).bearer_auth(&graph.token).send().await.unwrap().json().await.unwrap();
        assert_eq!(second["value"].as_array().unwrap().len(), 1, "{second}");
        assert_ne!(second["value"][0]["id"], page["value"][0]["id"]);
    });
}

#[test]
fn permissions_come_from_the_app_registration_and_throttling_is_on_demand() {
    let idp = common::serve(&[
        "idp",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--graph",
        "--graph-roles",
        "User.Read.All",
        "--graph-throttle-every",
        "3",
    ]);
    let base = idp.url.clone();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let graph = Graph::signed_in(&base, "https://graph.microsoft.com/.default").await;
        let (status, _) = graph.call(reqwest::Method::GET, "/v1.0/users", None).await;
        assert_eq!(status, 200);
        let (status, err) = graph
            .call(reqwest::Method::POST, "/v1.0/users", Some(json!({})))
            .await;
        assert_eq!(
            (status, err["error"]["code"].as_str()),
            (403, Some("Authorization_RequestDenied")),
            "{err}"
        );
        let response = graph
            .client
            .get(format!("{base}/v1.0/users"))
            .bearer_auth(&graph.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 429);
        assert_eq!(response.headers()["retry-after"], "1");
    });
}

/// Where `scripts/setup --test` installs Microsoft's SDKs.
fn target_dir(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target")
        .join(name)
}

fn script(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../real-sps/graph-clients")
        .join(name)
}

/// Microsoft's own SDKs (Node: @microsoft/microsoft-graph-client with @azure/identity;
/// Python: msgraph-sdk with azure-identity) run a Cymmetri-style provisioning against the mock
/// over HTTPS, and the users they create then sign in over SAML.
#[test]
fn microsofts_graph_sdks_provision_users_who_then_sign_in() {
    let tls = tempfile::tempdir().unwrap();
    let dir = tls.path().to_str().unwrap().to_owned();
    let idp = common::serve(&[
        "idp",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--graph",
        "--tls",
        "--tls-dir",
        &dir,
    ]);
    let ca = tls.path().join("ca.pem");
    let index = {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            https_client(&ca)
                .get(format!("{}/", idp.url))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        })
    };
    let tenant = index
        .split_whitespace()
        .nth(5)
        .unwrap()
        .trim_matches(|c| c == '(' || c == ')')
        .to_owned();
    let env = |upn: &str| {
        vec![
            ("GRAPH_ORIGIN", idp.url.clone()),
            ("TENANT_ID", tenant.clone()),
            (
                "CLIENT_ID",
                saml_harness::idp_cmd::DEFAULT_GRAPH_CLIENT.to_owned(),
            ),
            (
                "CLIENT_SECRET",
                saml_harness::idp_cmd::DEFAULT_GRAPH_SECRET.to_owned(),
            ),
            ("NEW_UPN", upn.to_owned()),
            ("NODE_EXTRA_CA_CERTS", ca.display().to_string()),
            ("SSL_CERT_FILE", ca.display().to_string()),
            ("REQUESTS_CA_BUNDLE", ca.display().to_string()),
            (
                "NODE_PATH",
                target_dir("graph-clients-node/node_modules")
                    .display()
                    .to_string(),
            ),
        ]
    };
    let node = std::process::Command::new("node")
        .arg(script("cymmetri.js"))
        .envs(env("Cym.Node@contoso.com"))
        .output()
        .expect("node (scripts/setup --test installs it)");
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&node.stdout),
        String::from_utf8_lossy(&node.stderr)
    );
    assert!(node.status.success(), "{out}");
    assert!(
        out.contains("licensed 710779e8-3d4a-4c88-adb9-386c958d1fdf"),
        "{out}"
    );
    assert!(
        out.contains("duplicate refused Request_BadRequest"),
        "{out}"
    );
    assert!(out.contains("found 1"), "{out}");

    let python = std::process::Command::new(target_dir("graph-sdk-venv/bin/python"))
        .arg(script("cymmetri.py"))
        .envs(env("Cym.Python@contoso.com"))
        .output()
        .expect("the msgraph-sdk venv (scripts/setup --test)");
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&python.stdout),
        String::from_utf8_lossy(&python.stderr)
    );
    assert!(python.status.success(), "{out}");
    assert!(out.contains("licence refused 400 License assignment cannot be done for user with invalid usage location."), "{out}");
    assert!(out.contains("member of Cymmetri Python Users"), "{out}");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        for upn in ["Cym.Node@contoso.com", "Cym.Python@contoso.com"] {
            let page = https_client(&ca)
                .get(format!("{}/api/signin/{APP}?user={upn}", idp.url))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert_eq!(
                name_id(&page).as_deref(),
                Some(upn),
                "{upn} signs in over SAML: {page}"
            );
        }
    });
}

fn https_client(ca: &std::path::Path) -> reqwest::Client {
    let pem = std::fs::read(ca).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap()
}

/// A form field's value in an auto-post page.
fn field(page: &str, name: &str) -> Option<String> {
    let value = page
        .split(&format!("name=\"{name}\" value=\""))
        .nth(1)?
        .split('"')
        .next()?;
    Some(
        value
            .replace("&amp;", "&")
            .replace("&quot;", "\"")
            .replace("&#x2F;", "/")
            .replace("&#47;", "/"),
    )
}

/// The whole story of the Cymmetri seed: a platform creates a user through Graph, and the user
/// then signs in over SAML to an SP (the reference SP, SP-initiated, the user named by
/// `login_hint` on the single sign-on URL as Entra takes it); disabled, the user cannot.
#[test]
fn a_user_created_through_graph_signs_in_to_the_reference_sp() {
    let dir = tempfile::tempdir().unwrap();
    // The SP's port, held until the SP binds it (the tenant must name its ACS).
    let hold = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = hold.local_addr().unwrap().port();
    let sp_url = format!("http://127.0.0.1:{port}");
    let tenant = dir.path().join("tenant.yaml");
    std::fs::write(
        &tenant,
        format!("applications:\n  - name: graph\n    identifiers: [{sp_url}/saml/metadata]\n    reply_urls: [{sp_url}/saml/acs]\n"),
    )
    .unwrap();
    let idp = common::serve(&[
        "idp",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--graph",
        "--config",
        tenant.to_str().unwrap(),
    ]);
    let metadata = format!(
        "{}/contoso.com/federationmetadata/2007-06/federationmetadata.xml?appid=graph",
        idp.url
    );
    drop(hold);
    let sp = common::serve(&[
        "sp",
        "serve",
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--idp-metadata",
        &metadata,
    ]);
    let base = idp.url.clone();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let graph = Graph::signed_in(&base, "https://graph.microsoft.com/.default").await;
        let upn = "Cym.Saml@contoso.com";
        let login = |upn: &'static str| {
            let sp = sp.url.clone();
            async move {
                let browser = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
                let to_idp = browser.get(format!("{sp}/login?next=/me")).send().await.unwrap();
                let location = to_idp.headers()["location"].to_str().unwrap().to_owned();
                let page = browser.get(format!("{location}&login_hint={upn}")).send().await.unwrap().text().await.unwrap();
                let Some(response) = field(&page, "SAMLResponse") else {
                    return Err(page);
                };
                let mut form = vec![("SAMLResponse", response)];
                if let Some(relay) = field(&page, "RelayState") {
                    form.push(("RelayState", relay));
                }
                let acs = browser.post(format!("{sp}/saml/acs")).form(&form).send().await.unwrap();
                if !acs.status().is_redirection() && !acs.status().is_success() {
                    return Err(acs.text().await.unwrap());
                }
                let me = browser.get(format!("{sp}/me")).send().await.unwrap();
                let me: Value = me.json().await.map_err(|e| e.to_string())?;
                Ok(me["user"].as_str().unwrap_or_default().to_owned())
            }
        };
        let refused = login(upn).await.unwrap_err();
        assert!(refused.contains("AADSTS50034"), "nobody by that name yet: {refused}");
        let (status, created) = graph.call(reqwest::Method::POST, "/v1.0/users", Some(json!({"accountEnabled": true, "displayName": "Cym Saml", "mailNickname": "cym.saml", "userPrincipalName": upn, "passwordProfile": {"password": "Str0ng!Passw0rd"}}))).await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(login(upn).await.as_deref(), Ok(upn), "the Graph-created user signs in to the SP");
        let id = created["id"].as_str().unwrap();
        let (status, _) = graph.call(reqwest::Method::PATCH, &format!("/v1.0/users/{id}"), Some(json!({"accountEnabled": false}))).await;
        assert_eq!(status, 204);
        let refused = login(upn).await.unwrap_err();
        assert!(refused.contains("AADSTS50057"), "disabled, no longer: {refused}");
    });
}

#[test]
fn a_malformed_sku_is_a_usage_error() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .args(["idp", "serve", "--graph", "--graph-sku", "E3:not-a-guid:5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a GUID"));
}
