//! A signed-in person driving the console's JSON server functions over HTTP, and the
//! simulator seen with its own token (the tests' independent view of Airtable).

use airtable_client::{ids::EnterpriseId, AccessToken, Client};
use console_app::api::Role;
use reqwest::{header, StatusCode};
use serde_json::Value;

use super::TestConsole;

/// A signed-in browser and the CSRF token its forms carry.
pub struct Person {
    pub browser: reqwest::Client,
    pub csrf: String,
}

/// Signs in as the first demo admin and gives them `role`.
pub async fn sign_in_as(t: &TestConsole, role: Role) -> Person {
    let admin = t.sim().info().admins[0].email.clone();
    let person = sign_in_person(t, &admin, role).await;
    let (_, me) = get(t, &person, "/api/whoami").await;
    assert_eq!(me["role"], role.as_str());
    person
}

/// Signs in as `email` (one of the simulator's admins) and gives them `role`.
pub async fn sign_in_person(t: &TestConsole, email: &str, role: Role) -> Person {
    let browser = t.browser();
    assert_eq!(t.sign_in(&browser, email).await, "/", "{email} signs in");
    set_role(t, email, role).await;
    let me: Value = browser
        .get(t.url("/api/whoami"))
        .send()
        .await
        .expect("whoami")
        .json()
        .await
        .expect("json");
    Person {
        browser,
        csrf: me["csrf_token"].as_str().expect("csrf").to_string(),
    }
}

/// Gives `email` the console role `role`, straight in the database (test set-up only).
pub async fn set_role(t: &TestConsole, email: &str, role: Role) {
    sqlx::query("UPDATE console_users SET role = $1 WHERE lower(email) = lower($2)")
        .bind(role.as_str())
        .bind(email)
        .execute(&t.db().await)
        .await
        .expect("set role");
}

pub async fn get(t: &TestConsole, who: &Person, path: &str) -> (StatusCode, Value) {
    let response = who.browser.get(t.url(path)).send().await.expect("get");
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

pub async fn post(
    t: &TestConsole,
    who: &Person,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut fields = form.to_vec();
    fields.push(("csrf_token", &who.csrf));
    let response = who
        .browser
        .post(t.url(path))
        .header(header::ORIGIN, t.console.url())
        .header(header::ACCEPT, "application/json")
        .form(&fields)
        .send()
        .await
        .expect("post");
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The simulator seen with its own (super admin) token: the test's independent view.
pub fn sim_client(t: &TestConsole) -> Client {
    Client::builder()
        .base_url(t.sim().base_url())
        .token(AccessToken::new(t.sim().info().token.to_string()))
        .build()
        .expect("client")
}

pub fn enterprise(t: &TestConsole) -> EnterpriseId {
    t.sim()
        .info()
        .enterprise_account_id
        .to_string()
        .parse()
        .expect("enterprise id")
}

/// The newest action-log row with this action: (target, details).
pub async fn logged(t: &TestConsole, action: &str) -> Option<(Option<String>, Value)> {
    sqlx::query_as(
        "SELECT target, details FROM console_actions WHERE action = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(action)
    .fetch_optional(&t.db().await)
    .await
    .expect("action log")
}

/// Asks for `action` as `requester` (a request must result), and has `approver` approve it
/// with what their page showed (call hash and preview fingerprint). Returns the request's
/// ID and the detail the approver saw.
pub async fn ask_and_approve(
    t: &TestConsole,
    requester: &Person,
    approver: &Person,
    action: Value,
) -> (String, Value) {
    let (status, body) = post(
        t,
        requester,
        "/api/approvals/request",
        &[("action", &action.to_string()), ("reason", "test")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = body["Requested"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("expected a request, got {body}"))
        .to_string();
    let detail = approve(t, approver, &id).await;
    (id, detail)
}

/// `approver` approves request `id` with what their page showed (call hash and preview
/// fingerprint), which must succeed. Returns the detail the approver saw.
pub async fn approve(t: &TestConsole, approver: &Person, id: &str) -> Value {
    let (_, detail) = get(t, approver, &format!("/api/approvals/get?id={id}")).await;
    let (status, body) = post(
        t,
        approver,
        "/api/approvals/approve",
        &[
            ("id", id),
            (
                "call_hash",
                detail["call_hash"].as_str().unwrap_or_default(),
            ),
            (
                "fingerprint",
                detail["compared_fingerprint"].as_str().unwrap_or_default(),
            ),
            ("comment", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    detail
}

/// Takes a snapshot of the simulated enterprise now, as the scheduler would.
pub async fn take_snapshot(t: &TestConsole) -> i64 {
    console_core::snapshots::take(&t.db().await, &sim_client(t), &enterprise(t), Some("test"))
        .await
        .expect("snapshot")
}
