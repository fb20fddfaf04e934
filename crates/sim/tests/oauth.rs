//! OAuth 2 through the sign-in page, as a browser and the console's server would do it.

mod common;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use common::Sim;
use serde_json::Value;
use sha2::{Digest, Sha256};

const REDIRECT: &str = "http://127.0.0.1:9/callback";
const STATE: &str = "state-0123456789abcdef";
const VERIFIER: &str = "verifier-0123456789-0123456789-0123456789-0123456789";
const SCOPES: &str = "enterprise.account:read enterprise.user:read user.email:read";
const SECRET: &str = "console-demo-secret";

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn authorize_query(scope: &str) -> Vec<(&'static str, String)> {
    vec![
        ("client_id", "console-demo".into()),
        ("redirect_uri", REDIRECT.into()),
        ("response_type", "code".into()),
        ("scope", scope.into()),
        ("state", STATE.into()),
        ("code_challenge", challenge(VERIFIER)),
        ("code_challenge_method", "S256".into()),
    ]
}

/// `GET /oauth2/v1/authorize` with `query`: the sign-in page.
async fn authorize_page(sim: &Sim, query: &[(&str, String)]) -> reqwest::Response {
    let url = sim.url("/oauth2/v1/authorize");
    sim.http.get(url).query(query).send().await.expect("page")
}

/// `POST /oauth2/v1/authorize` with `form`: the decision taken on the page.
async fn decide(sim: &Sim, form: &[(&str, String)]) -> reqwest::Response {
    let url = sim.url("/oauth2/v1/authorize");
    sim.http
        .post(url)
        .form(form)
        .send()
        .await
        .expect("decision")
}

/// Signs `user_id` in through the page and returns the code from the redirect.
async fn sign_in(sim: &Sim, user_id: &str, scope: &str) -> String {
    let page = authorize_page(sim, &authorize_query(scope)).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("Sign in as"), "{html}");
    let mut form = authorize_query(scope);
    form.push(("user_id", user_id.to_string()));
    let resp = decide(sim, &form).await;
    assert_eq!(resp.status(), 303);
    let location = resp
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .expect("a redirect")
        .to_string();
    let url = url::Url::parse(&location).expect("a URL");
    assert!(location.starts_with(REDIRECT));
    let get = |k: &str| {
        url.query_pairs()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(get("state").as_deref(), Some(STATE));
    get("code").expect("a code")
}

async fn token(sim: &Sim, form: &[(&str, &str)], secret: &str) -> (u16, Value) {
    let resp = sim
        .http
        .post(sim.url("/oauth2/v1/token"))
        .basic_auth("console-demo", Some(secret))
        .form(form)
        .send()
        .await
        .expect("token");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Trades `code` (with `verifier`) for tokens, as the client whose secret is `secret`.
async fn redeem(sim: &Sim, code: &str, verifier: &str, secret: &str) -> (u16, Value) {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier),
    ];
    token(sim, &form, secret).await
}

/// Trades `code` for tokens, as the registered client; it must work.
async fn exchange(sim: &Sim, code: &str) -> Value {
    let (status, body) = redeem(sim, code, VERIFIER, SECRET).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Signs `user_id` in with `SCOPES` and trades the code for tokens.
async fn signed_in(sim: &Sim, user_id: &str) -> Value {
    let code = sign_in(sim, user_id, SCOPES).await;
    exchange(sim, &code).await
}

/// Trades a refresh token for new tokens, as the registered client.
async fn refresh(sim: &Sim, refresh_token: &str) -> (u16, Value) {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ];
    token(sim, &form, SECRET).await
}

/// `GET /v0/meta/whoami` with the access token `access`.
async fn whoami(sim: &Sim, access: &str) -> (u16, Value) {
    sim.send_as(sim.http.get(sim.url("/v0/meta/whoami")), access)
        .await
}

#[tokio::test]
async fn the_page_lists_admins_and_others_by_accessible_name() {
    let sim = Sim::start().await;
    let page = authorize_page(&sim, &authorize_query(SCOPES)).await;
    let html = page.text().await.expect("html");
    for p in sim.info.admins.iter().chain(&sim.info.non_admins) {
        assert!(
            html.contains(&format!("Sign in as {} ({})", p.name, p.email)),
            "{} is on the page",
            p.email
        );
    }
    assert!(html.contains(">Deny"));
    assert!(!html.contains("<script"));
    sim.shutdown().await;
}

#[tokio::test]
async fn code_exchange_whoami_refresh_rotation() {
    let sim = Sim::start().await;
    let admin = sim.info.admins[0].clone();
    let code = sign_in(&sim, &admin.id, SCOPES).await;
    let t = exchange(&sim, &code).await;
    for key in [
        "access_token",
        "refresh_token",
        "token_type",
        "scope",
        "expires_in",
        "refresh_expires_in",
    ] {
        assert!(t.get(key).is_some(), "{key} in {t}");
    }
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["scope"], SCOPES);
    let access = t["access_token"].as_str().unwrap_or_default().to_string();
    let refresh_token = t["refresh_token"].as_str().unwrap_or_default().to_string();

    let (status, me) = whoami(&sim, &access).await;
    assert_eq!(status, 200);
    assert_eq!(me["id"], admin.id.as_str());
    assert_eq!(me["email"], admin.email.as_str());
    assert_eq!(me["scopes"].as_array().map(Vec::len), Some(3));
    let (status, _) = sim.send_as(sim.http.get(sim.ent_url("")), &access).await;
    assert_eq!(status, 200, "an admin with the scope reads the enterprise");
    let (status, body) = sim
        .send_as(sim.http.get(sim.ent_url("/auditLogEvents")), &access)
        .await;
    assert_eq!(status, 403, "no enterprise.auditLogs:read scope: {body}");

    // Codes are single-use.
    let (status, body) = redeem(&sim, &code, VERIFIER, SECRET).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // Refresh rotates both tokens.
    let (status, fresh) = refresh(&sim, &refresh_token).await;
    assert_eq!(status, 200, "{fresh}");
    let new_access = fresh["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_ne!(new_access, access);
    let (status, _) = whoami(&sim, &access).await;
    assert_eq!(status, 401, "the old access token is dead");
    let (status, _) = whoami(&sim, &new_access).await;
    assert_eq!(status, 200);
    let (status, body) = refresh(&sim, &refresh_token).await;
    assert_eq!(status, 409, "the old refresh token was just used: {body}");
    sim.shutdown().await;
}

#[tokio::test]
async fn clients_and_verifiers_are_checked() {
    let sim = Sim::start().await;
    let admin = sim.info.admins[0].id.clone();
    let code = sign_in(&sim, &admin, SCOPES).await;
    let (status, body) = redeem(&sim, &code, VERIFIER, "wrong-secret").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    assert!(body["error_description"].is_string());

    let code = sign_in(&sim, &admin, SCOPES).await;
    let other = "another-verifier-0123456789-0123456789-0123456789";
    let (status, body) = redeem(&sim, &code, other, SECRET).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // Credentials in the body work too.
    let code = sign_in(&sim, &admin, SCOPES).await;
    let resp = sim
        .http
        .post(sim.url("/oauth2/v1/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
            ("client_id", "console-demo"),
            ("client_secret", SECRET),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(resp.status(), 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn non_admins_are_refused_enterprise_endpoints() {
    let sim = Sim::start().await;
    let person = sim.info.non_admins[0].clone();
    let t = signed_in(&sim, &person.id).await;
    let access = t["access_token"].as_str().unwrap_or_default().to_string();
    let (status, me) = whoami(&sim, &access).await;
    assert_eq!((status, me["id"].as_str()), (200, Some(person.id.as_str())));
    let (status, body) = sim.send_as(sim.http.get(sim.ent_url("")), &access).await;
    assert_eq!(status, 403);
    assert!(body["error"]["type"].is_string());
    let (status, body) = whoami(&sim, "nonsense").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["type"], "AUTHENTICATION_REQUIRED");
    sim.shutdown().await;
}

#[tokio::test]
async fn deny_and_bad_requests() {
    let sim = Sim::start().await;
    let mut form = authorize_query(SCOPES);
    form.push(("deny", "1".into()));
    let resp = decide(&sim, &form).await;
    assert_eq!(resp.status(), 303);
    let location = resp.headers()["location"]
        .to_str()
        .unwrap_or_default()
        .to_string();
    assert!(location.contains("error=access_denied"), "{location}");
    assert!(location.contains(&format!("state={STATE}")));

    let mut bad = authorize_query(SCOPES);
    bad[1].1 = "https://evil.example/cb".into();
    let resp = authorize_page(&sim, &bad).await;
    assert_eq!(resp.status(), 400);
    assert!(
        resp.headers().get("location").is_none(),
        "never redirect to it"
    );

    let mut short = authorize_query(SCOPES);
    short[4].1 = "short".into();
    let resp = authorize_page(&sim, &short).await;
    assert_eq!(resp.status(), 400);
    sim.shutdown().await;
}

#[tokio::test]
async fn access_tokens_expire() {
    let sim = Sim::start_with(airtable_sim::SimConfig {
        size: airtable_sim::SimSize::tiny(),
        access_token_ttl: std::time::Duration::from_millis(300),
        ..airtable_sim::SimConfig::default()
    })
    .await;
    let admin = sim.info.admins[0].id.clone();
    let t = signed_in(&sim, &admin).await;
    assert_eq!(t["expires_in"], 0, "whole seconds, rounded down");
    let access = t["access_token"].as_str().unwrap_or_default().to_string();
    let (status, _) = whoami(&sim, &access).await;
    assert_eq!(status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let (status, body) = whoami(&sim, &access).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["type"], "AUTHENTICATION_REQUIRED");
    // The refresh token still gets a new one.
    let refresh_token = t["refresh_token"].as_str().unwrap_or_default();
    let (status, _) = refresh(&sim, refresh_token).await;
    assert_eq!(status, 200);
    let (status, body) = sim.send(sim.http.put(sim.url("/v0/meta/whoami"))).await;
    assert_eq!(status, 404, "{body}");
    sim.shutdown().await;
}
