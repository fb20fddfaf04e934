//! A signed-in person driving the console's JSON server functions over HTTP, and the
//! simulator seen with its own token (the tests' independent view of Airtable).

use airtable_client::{
    ids::{BaseId, EnterpriseId, UserId, WorkspaceId},
    models::{
        BlockInstallation, EnterpriseInfo, IndividualCollaborator, ScimUserRequest, User,
        UserState, Workspace,
    },
    Client,
};
use console_app::api::Role;
use reqwest::{header, StatusCode};
use serde_json::Value;

use super::TestConsole;

/// A signed-in browser, the CSRF token its forms carry, and whose it is.
pub struct Person {
    pub browser: reqwest::Client,
    pub csrf: String,
    pub email: String,
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
    let me = whoami(t, &browser).await;
    Person {
        browser,
        csrf: me["csrf_token"].as_str().expect("csrf").to_string(),
        email: email.to_string(),
    }
}

/// `GET /api/whoami` in `browser`, as JSON.
pub async fn whoami(t: &TestConsole, browser: &reqwest::Client) -> Value {
    super::whoami_at(&t.console.url(), browser).await
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

/// `GET path` as `who`: the status and the body as JSON (or as a JSON string if it is not).
pub async fn get(t: &TestConsole, who: &Person, path: &str) -> (StatusCode, Value) {
    let response = who.browser.get(t.url(path)).send().await.expect("get");
    status_and_json(response).await
}

/// `GET path` as `who`, which must answer JSON.
pub async fn get_json(t: &TestConsole, who: &Person, path: &str) -> Value {
    let response = get_response(t, &who.browser, path).await;
    response.json().await.expect("json")
}

/// The response's status and its body as JSON (or as a JSON string if it is not).
async fn status_and_json(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// `GET path` in `browser`: the status and the body as text.
pub async fn fetch(t: &TestConsole, browser: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let response = browser.get(t.url(path)).send().await.expect("get");
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

/// The HTML of the page at `path` as `who` sees it.
pub async fn page_html(t: &TestConsole, who: &Person, path: &str) -> String {
    let response = get_response(t, &who.browser, path).await;
    response.text().await.expect("html")
}

/// Asserts that `GET url` answers `status` with a body containing `words`, for each URL.
pub async fn assert_each_answers<U: AsRef<str>>(
    t: &TestConsole,
    browser: &reqwest::Client,
    urls: impl IntoIterator<Item = U>,
    status: StatusCode,
    words: &str,
) {
    for url in urls {
        let url = url.as_ref();
        let (got, body) = fetch(t, browser, url).await;
        assert_eq!(got, status, "{url}: {body}");
        assert!(body.contains(words), "{url}: {body}");
    }
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
    status_and_json(response).await
}

/// Asks for `action` (the JSON text of a console action) as `who`, giving `reason`: the
/// answer, whatever it is.
pub async fn request_action(
    t: &TestConsole,
    who: &Person,
    action: &str,
    reason: &str,
) -> (StatusCode, Value) {
    post(
        t,
        who,
        "/api/approvals/request",
        &[("action", action), ("reason", reason)],
    )
    .await
}

/// Rejects request `id` as `who` with `comment`: the answer, whatever it is.
pub async fn reject(t: &TestConsole, who: &Person, id: &str, comment: &str) -> (StatusCode, Value) {
    post(
        t,
        who,
        "/api/approvals/reject",
        &[("id", id), ("comment", comment)],
    )
    .await
}

/// Sets whether requests for `kind` need a second person's approval (`needs_approval` is
/// `yes` or `no`), as `who`, which must succeed: the answer.
pub async fn set_policy(t: &TestConsole, who: &Person, kind: &str, needs_approval: &str) -> Value {
    post_ok(
        t,
        who,
        "/api/approvals/policy/set",
        &[("kind", kind), ("needs_approval", needs_approval)],
    )
    .await
}

/// Signs `browser` out of every session of its person, with the form token `csrf`.
pub async fn sign_out_everywhere(
    t: &TestConsole,
    browser: &reqwest::Client,
    csrf: &str,
) -> reqwest::Response {
    post_form(
        t,
        browser,
        "/auth/logout",
        &[("csrf_token", csrf), ("everywhere", "1")],
    )
    .await
}

/// What the parameterless `SELECT count(*) …` in `sql` counts in the test database.
pub async fn count_of(t: &TestConsole, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&t.db().await)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// How many rows of the action log record `action`.
pub async fn times_logged(t: &TestConsole, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM console_actions WHERE action = $1")
        .bind(action)
        .fetch_one(&t.db().await)
        .await
        .expect("count logged actions")
}

/// How many requests for `kind` wait for a second person.
pub async fn pending_requests(t: &TestConsole, kind: &str) -> i64 {
    let sql = "SELECT count(*) FROM approval_requests WHERE kind = $1 AND status = 'pending'";
    sqlx::query_scalar(sql)
        .bind(kind)
        .fetch_one(&t.db().await)
        .await
        .expect("count requests")
}

/// Runs the parameterless statement `sql` in the test database (test set-up only).
pub async fn execute_sql(t: &TestConsole, sql: &str) {
    sqlx::query(sql)
        .execute(&t.db().await)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Deactivates `user` at the simulator, with its own token (as an admin at Airtable would).
pub async fn deactivate_at_sim(t: &TestConsole, user: &UserId) {
    sim_client(t)
        .enterprise(&enterprise(t))
        .user(user)
        .update()
        .state(UserState::Deactivated)
        .send()
        .await
        .expect("deactivate");
}

/// The simulator seen with its own (super admin) token: the test's independent view.
pub fn sim_client(t: &TestConsole) -> Client {
    super::sim_observer(t.sim())
}

/// The simulated enterprise's ID.
pub fn enterprise(t: &TestConsole) -> EnterpriseId {
    super::sim_enterprise(t.sim())
}

/// The enterprise as the simulator describes it now.
pub async fn enterprise_info(t: &TestConsole) -> EnterpriseInfo {
    sim_client(t)
        .enterprise(&enterprise(t))
        .get()
        .send()
        .await
        .expect("enterprise")
}

/// The enterprise's first email domain (users made on it are internal).
pub async fn email_domain(t: &TestConsole) -> String {
    enterprise_info(t).await.email_domains[0]
        .email_domain
        .clone()
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
    let (status, body) = request_action(t, requester, &action.to_string(), "test").await;
    let id = requested_id(status, &body);
    let detail = approve(t, approver, &id).await;
    (id, detail)
}

/// The request's ID from a server function that answered `RequestOutcome::Requested`.
pub fn requested_id(status: StatusCode, body: &Value) -> String {
    assert_eq!(status, StatusCode::OK, "{body}");
    body["Requested"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("expected a request, got {body}"))
        .to_string()
}

/// `approver` approves request `id` with what their page showed (call hash and preview
/// fingerprint), which must succeed. Returns the detail the approver saw.
pub async fn approve(t: &TestConsole, approver: &Person, id: &str) -> Value {
    let (detail, (status, body)) = approve_saying(t, approver, id, "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    detail
}

/// `approver` approves request `id` with what their page showed and `comment`: the detail
/// they saw, and the answer.
pub async fn approve_saying(
    t: &TestConsole,
    approver: &Person,
    id: &str,
    comment: &str,
) -> (Value, (StatusCode, Value)) {
    let (_, detail) = get(t, approver, &format!("/api/approvals/get?id={id}")).await;
    let answer = post(
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
            ("comment", comment),
        ],
    )
    .await;
    (detail, answer)
}

/// The approval request's status, straight from the database.
pub async fn request_status(t: &TestConsole, id: &str) -> String {
    sqlx::query_scalar("SELECT status FROM approval_requests WHERE id = $1::uuid")
        .bind(id)
        .fetch_one(&t.db().await)
        .await
        .expect("status")
}

/// Takes a snapshot of the simulated enterprise now, as the scheduler would.
pub async fn take_snapshot(t: &TestConsole) -> i64 {
    console_core::snapshots::take(&t.db().await, &sim_client(t), &enterprise(t), Some("test"))
        .await
        .expect("snapshot")
}

/// Makes a user through SCIM, as an identity provider would; returns their id.
pub async fn create_scim_user(t: &TestConsole, email: &str, first: &str, last: &str) -> UserId {
    sim_client(t)
        .scim()
        .create_user(&ScimUserRequest::new(email, first, last))
        .await
        .expect("create user")
        .id
}

/// Makes `n` users named `<prefix> NN` (`<prefix>.NN@<domain>`) through SCIM; returns their
/// ids in order.
pub async fn create_scim_users(t: &TestConsole, prefix: &str, n: usize) -> Vec<UserId> {
    let domain = email_domain(t).await;
    let mut ids = Vec::new();
    for i in 0..n {
        let email = format!("{}.{i:02}@{domain}", prefix.to_lowercase());
        ids.push(create_scim_user(t, &email, prefix, &format!("{i:02}")).await);
    }
    ids
}

/// The workspace as the simulator describes it now, without its collaborators.
pub async fn sim_workspace(t: &TestConsole, id: &WorkspaceId) -> Workspace {
    sim_client(t)
        .workspace(id)
        .get()
        .send()
        .await
        .expect("workspace")
}

/// The workspace with its collaborators and invite links, as the simulator says now.
pub async fn sim_workspace_in_full(t: &TestConsole, id: &WorkspaceId) -> Workspace {
    sim_client(t)
        .workspace(id)
        .get()
        .include_collaborators()
        .include_invite_links()
        .send()
        .await
        .expect("workspace")
}

/// The extensions installed on the base, as the simulator says now.
pub async fn sim_extensions(t: &TestConsole, base: &BaseId) -> Vec<BlockInstallation> {
    sim_client(t)
        .base(base)
        .block_installations()
        .await
        .expect("extensions")
}

/// Makes a workspace named `name` at the simulator, with its own token: its ID.
pub async fn create_sim_workspace(t: &TestConsole, name: &str) -> WorkspaceId {
    sim_client(t)
        .enterprise(&enterprise(t))
        .create_workspace(name)
        .await
        .expect("create workspace")
        .id
}

/// The people given access on the workspace itself, as the simulator says now.
pub async fn sim_workspace_people(
    t: &TestConsole,
    id: &WorkspaceId,
) -> Vec<IndividualCollaborator> {
    sim_client(t)
        .workspace(id)
        .get()
        .include_collaborators()
        .send()
        .await
        .expect("workspace")
        .individual()
        .map(|people| people.workspace_collaborators.clone())
        .unwrap_or_default()
}

/// Every user of the enterprise as the simulator says now.
pub async fn all_sim_users(t: &TestConsole) -> Vec<User> {
    sim_client(t)
        .enterprise(&enterprise(t))
        .users()
        .all()
        .send()
        .await
        .expect("users")
}

/// The simulator's users with these ids (those it has).
pub async fn sim_users_by_id(t: &TestConsole, ids: &[UserId]) -> Vec<User> {
    sim_client(t)
        .enterprise(&enterprise(t))
        .users()
        .by_ids(ids.iter().cloned())
        .send()
        .await
        .expect("users")
}

/// `POST path` as `who` with `form`, which must answer 200: the body as JSON.
pub async fn post_ok(t: &TestConsole, who: &Person, path: &str, form: &[(&str, &str)]) -> Value {
    let (status, body) = post(t, who, path, form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// `GET path` as `who`, which must answer 200: the body as JSON.
pub async fn get_ok(t: &TestConsole, who: &Person, path: &str) -> Value {
    let (status, body) = get(t, who, path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// `GET path` in `browser`: the response, whatever its status.
pub async fn get_response(
    t: &TestConsole,
    browser: &reqwest::Client,
    path: &str,
) -> reqwest::Response {
    browser.get(t.url(path)).send().await.expect("get")
}

/// `POST path` in `browser` with `form`, from the console's own origin: the response.
pub async fn post_form<F: serde::Serialize + ?Sized>(
    t: &TestConsole,
    browser: &reqwest::Client,
    path: &str,
    form: &F,
) -> reqwest::Response {
    browser
        .post(t.url(path))
        .header(header::ORIGIN, t.console.url())
        .form(form)
        .send()
        .await
        .expect("post")
}

/// The one session's cookie, as a `Cookie` header: for a second client acting with the same
/// sign-in (another tab, or a client that shows the raw bytes). The console under test runs
/// over plain HTTP, so the cookie has no `__Host-` prefix.
pub async fn session_cookie(t: &TestConsole) -> String {
    let id: String = sqlx::query_scalar("SELECT id FROM tower_sessions.session")
        .fetch_one(&t.db().await)
        .await
        .expect("one session");
    format!("console_session={id}")
}
