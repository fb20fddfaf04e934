//! Every server function, walked: reads are GETs, and every change (a POST) checks the CSRF
//! token and the caller's role on the server, whatever the browser shows or hides.

mod common;

use std::collections::BTreeMap;

use common::session::{assert_each_answers, count_of, fetch, get_response, post_form, sign_in_as};
use common::TestConsole;
use console_app::api::Role;
use leptos::server_fn::axum::server_fn_paths;
use reqwest::{header, Method, StatusCode};

/// A form's fields, as `(name, value)` pairs.
type FormFields = Vec<(&'static str, &'static str)>;

/// Every POST server function, the least role allowed to call it, and arguments that make
/// a valid call. A new server function that changes something must be added here, or
/// `every_server_function_is_listed` fails.
fn changes() -> BTreeMap<&'static str, (Role, FormFields)> {
    BTreeMap::from([
        (
            "/api/roles/grant",
            (
                Role::Admin,
                vec![("person", "nobody@example.invalid"), ("role", "viewer")],
            ),
        ),
        ("/api/audit/sync/now", (Role::Operator, vec![])),
        (
            "/api/alerts/create",
            (
                Role::Operator,
                vec![
                    ("name", "walked"),
                    ("query", "action:deleteBase"),
                    ("email_to", "nobody@example.invalid"),
                    ("webhook_url", ""),
                    ("webhook_format", "json"),
                ],
            ),
        ),
        (
            "/api/alerts/starter",
            (
                Role::Operator,
                vec![
                    ("key", "admin-granted"),
                    ("email_to", "nobody@example.invalid"),
                    ("webhook_url", ""),
                    ("webhook_format", "json"),
                ],
            ),
        ),
        (
            "/api/alerts/switch",
            (Role::Operator, vec![("id", "1"), ("enabled", "false")]),
        ),
        ("/api/alerts/delete", (Role::Operator, vec![("id", "1")])),
        (
            "/api/alerts/edit",
            (
                Role::Operator,
                vec![
                    ("id", "1"),
                    ("name", "walked"),
                    ("query", "action:deleteBase"),
                    ("email_to", "nobody@example.invalid"),
                    ("webhook_url", ""),
                    ("webhook_format", "json"),
                ],
            ),
        ),
        (
            "/api/reviews/create",
            (
                Role::Admin,
                vec![
                    ("name", "walked"),
                    ("due_date", "2099-01-01"),
                    ("reviewer_admins", "nobody@example.invalid"),
                    ("reviewer_external", ""),
                    ("reviewer_tokens", ""),
                    ("reviewer_shares", ""),
                    ("reviewer_inactive", ""),
                    ("inactive_days", ""),
                ],
            ),
        ),
        (
            "/api/reviews/decide",
            (
                Role::Operator,
                vec![("item", "1"), ("decision", "keep"), ("comment", "")],
            ),
        ),
        (
            "/api/reviews/decide_many",
            (
                Role::Operator,
                vec![("items", "1"), ("decision", "keep"), ("comment", "")],
            ),
        ),
        (
            "/api/reviews/reassign",
            (
                Role::Operator,
                vec![("item", "1"), ("reviewer", "nobody@example.invalid")],
            ),
        ),
        ("/api/reviews/close", (Role::Admin, vec![("id", "1")])),
        ("/api/snapshots/take", (Role::Operator, vec![])),
        (
            "/api/roles/revoke",
            (Role::Admin, vec![("airtable_user_id", "usrNobodyNobody01")]),
        ),
        (
            "/api/approvals/request",
            (
                Role::Operator,
                vec![
                    (
                        "action",
                        r#"{"kind":"delete_user","user":"usrNobodyNobody01"}"#,
                    ),
                    ("reason", "walk"),
                ],
            ),
        ),
        (
            "/api/approvals/approve",
            (
                Role::Approver,
                vec![
                    ("id", "00000000-0000-0000-0000-000000000000"),
                    ("call_hash", "x"),
                    ("fingerprint", "x"),
                    ("comment", ""),
                ],
            ),
        ),
        (
            "/api/approvals/retry",
            (
                Role::Approver,
                vec![
                    ("id", "00000000-0000-0000-0000-000000000000"),
                    ("call_hash", "x"),
                    ("fingerprint", "x"),
                    ("comment", ""),
                ],
            ),
        ),
        (
            "/api/approvals/reject",
            (
                Role::Approver,
                vec![
                    ("id", "00000000-0000-0000-0000-000000000000"),
                    ("comment", "no"),
                ],
            ),
        ),
        (
            "/api/approvals/cancel",
            (
                Role::Operator,
                vec![("id", "00000000-0000-0000-0000-000000000000")],
            ),
        ),
        (
            "/api/approvals/policy/set",
            (
                Role::Admin,
                vec![("kind", "delete_base"), ("needs_approval", "yes")],
            ),
        ),
        (
            "/api/workspaces/create",
            (Role::Operator, vec![("name", "Walked workspace")]),
        ),
        (
            "/api/groups/rename",
            (
                Role::Operator,
                vec![("id", "ugpNobodyNobody01"), ("name", "Walked group")],
            ),
        ),
        (
            "/api/groups/members/add",
            (
                Role::Operator,
                vec![("id", "ugpNobodyNobody01"), ("user", "usrNobodyNobody01")],
            ),
        ),
        (
            "/api/workspaces/collaborators/add",
            (
                Role::Operator,
                vec![
                    ("workspace", "wspNobodyNobody01"),
                    ("collaborator", "usrNobodyNobody01"),
                    ("permission", "read"),
                ],
            ),
        ),
        (
            "/api/workspaces/collaborators/update",
            (
                Role::Operator,
                vec![
                    ("workspace", "wspNobodyNobody01"),
                    ("collaborator", "usrNobodyNobody01"),
                    ("permission", "read"),
                ],
            ),
        ),
        (
            "/api/workspaces/restrictions",
            (
                Role::Operator,
                vec![
                    ("workspace", "wspNobodyNobody01"),
                    ("invites", "onlyOwners"),
                    ("shares", "onlyOwners"),
                ],
            ),
        ),
        (
            "/api/users/logout",
            (Role::Operator, vec![("user", "usrNobodyNobody01")]),
        ),
        (
            "/api/users/email",
            (
                Role::Operator,
                vec![
                    ("user", "usrNobodyNobody01"),
                    ("email", "nobody@example.invalid"),
                ],
            ),
        ),
        (
            "/api/users/bulk/start",
            (
                Role::Operator,
                vec![("kind", "logout"), ("users[]", "usrNobodyNobody01")],
            ),
        ),
        (
            "/api/users/rename",
            (
                Role::Operator,
                vec![
                    ("user", "usrNobodyNobody01"),
                    ("first_name", "No"),
                    ("last_name", "Body"),
                ],
            ),
        ),
        (
            "/api/enterprise/descendants/create",
            (Role::Operator, vec![("name", "")]),
        ),
        (
            "/api/enterprise/move",
            (
                Role::Operator,
                vec![
                    ("what", "workspaces"),
                    ("ids", "wspNobodyNobody01"),
                    ("target", "entNobodyNobody01"),
                    ("reason", "walk"),
                ],
            ),
        ),
        (
            "/api/enterprise/tokens/revoke",
            (
                Role::Operator,
                vec![("ids", "patNobodyNobody01"), ("reason", "walk")],
            ),
        ),
        (
            "/api/enterprise/packages/install",
            (
                Role::Operator,
                vec![
                    ("package", "pkgNobodyNobody01"),
                    ("workspace", "wspNobodyNobody01"),
                    ("name", "Walked base"),
                ],
            ),
        ),
        (
            "/api/enterprise/ai-allowlist",
            (
                Role::Operator,
                vec![("workspaces", "wspNobodyNobody01"), ("allowed", "yes")],
            ),
        ),
        (
            "/api/bases/collaborators/add",
            (
                Role::Operator,
                vec![
                    ("base", "appNobodyNobody01"),
                    ("collaborator", "usrNobodyNobody01"),
                    ("permission", "read"),
                ],
            ),
        ),
        (
            "/api/bases/collaborators/update",
            (
                Role::Operator,
                vec![
                    ("base", "appNobodyNobody01"),
                    ("collaborator", "usrNobodyNobody01"),
                    ("permission", "read"),
                ],
            ),
        ),
        (
            "/api/bases/create",
            (
                Role::Operator,
                vec![
                    ("workspace", "wspNobodyNobody01"),
                    ("name", "Walked base"),
                    ("table", ""),
                ],
            ),
        ),
        (
            "/api/bases/move",
            (
                Role::Operator,
                vec![
                    ("base", "appNobodyNobody01"),
                    ("workspace", "wspNobodyNobody01"),
                    ("reason", "walked"),
                ],
            ),
        ),
        (
            "/api/bases/extensions/enable",
            (
                Role::Operator,
                vec![
                    ("base", "appNobodyNobody01"),
                    ("installation", "bliNobodyNobody01"),
                ],
            ),
        ),
    ])
}

/// Server functions that only read. They answer GET and are listed so that a new one is
/// looked at by a person before it is trusted as read-only.
const READS: &[&str] = &[
    "/api/whoami",
    "/api/overview",
    "/api/overview/risky-events",
    "/api/roles/list",
    "/api/audit/sync/status",
    "/api/audit/sync/sinks",
    "/api/alerts/overview",
    "/api/reviews/overview",
    "/api/reviews/get",
    "/api/reviews/overdue",
    "/api/alerts/test",
    "/api/actions/list",
    "/api/actions/verify",
    "/api/snapshots/list",
    "/api/snapshots/admins-at",
    "/api/snapshots/diff",
    "/api/audit/search",
    "/api/audit/event",
    "/api/approvals/list",
    "/api/approvals/get",
    "/api/approvals/waiting",
    "/api/approvals/policy",
    "/api/outbox/list",
    "/api/users/list",
    "/api/users/get",
    "/api/users/bulk/get",
    "/api/users/bulk/recent",
    "/api/workspaces/list",
    "/api/workspaces/get",
    "/api/bases/get",
    "/api/groups/list",
    "/api/groups/get",
    "/api/enterprise/descendants",
    "/api/enterprise/tokens",
    "/api/enterprise/packages",
    "/api/enterprise/ai-allowlist/changes",
    "/api/scim/users",
    "/api/scim/groups",
    "/api/reports/index",
    "/api/reports/get",
];

#[tokio::test]
async fn every_server_function_is_listed() {
    let registered: Vec<(String, Method)> = server_fn_paths()
        .map(|(path, method)| {
            (
                path.to_string(),
                Method::from_bytes(method.as_str().as_bytes()).expect("method"),
            )
        })
        .collect();
    let changes = changes();
    for (path, method) in &registered {
        if *method == Method::POST {
            assert!(
                changes.contains_key(path.as_str()),
                "{path} changes something: list it in changes() with its role"
            );
        } else {
            assert_eq!(*method, Method::GET, "{path}");
            assert!(READS.contains(&path.as_str()), "{path}: list it in READS");
        }
    }
    for path in changes.keys() {
        assert!(
            registered
                .iter()
                .any(|(p, m)| p == path && *m == Method::POST),
            "{path} is listed but is not a POST server function"
        );
    }
}

/// Signs in as the demo admin with `role` (set in the database, applying at once): the
/// browser and its CSRF token.
async fn signed_in_as(t: &TestConsole, role: Role) -> (reqwest::Client, String) {
    let person = sign_in_as(t, role).await;
    (person.browser, person.csrf)
}

async fn post(
    t: &TestConsole,
    browser: &reqwest::Client,
    path: &str,
    csrf: Option<&str>,
    args: &[(&str, &str)],
) -> (StatusCode, String) {
    let mut form: Vec<(&str, &str)> = args.to_vec();
    if let Some(token) = csrf {
        form.push(("csrf_token", token));
    }
    let response = post_form(t, browser, path, &form).await;
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

#[tokio::test]
async fn no_role_below_the_required_one_can_call_a_change() {
    let t = TestConsole::start().await;
    for role in [Role::Viewer, Role::Operator, Role::Approver] {
        let (browser, csrf) = signed_in_as(&t, role).await;
        for (path, (need, args)) in changes() {
            if role.allows(need) {
                continue;
            }
            let (status, body) = post(&t, &browser, path, Some(&csrf), &args).await;
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{role} calling {path}: {body}"
            );
            assert!(body.contains("Forbidden"), "{path}: {body}");
        }
    }
    // Nothing was granted by any of those calls.
    let granted = count_of(
        &t,
        "SELECT count(*) FROM console_users WHERE email = 'nobody@example.invalid'",
    )
    .await;
    assert_eq!(granted, 0);
    let rules = count_of(&t, "SELECT count(*) FROM alert_rules").await;
    assert_eq!(rules, 0, "no alert rule was made below the operator role");
}

#[tokio::test]
async fn a_change_without_the_right_csrf_token_is_refused() {
    let t = TestConsole::start().await;
    let (browser, csrf) = signed_in_as(&t, Role::Admin).await;
    let forged = "A".repeat(csrf.len());
    for (path, (_, args)) in changes() {
        for token in [None, Some(""), Some(forged.as_str())] {
            let (status, body) = post(&t, &browser, path, token, &args).await;
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{path} with {token:?}: {body}"
            );
            assert!(body.contains("Reload the page"), "{path}: {body}");
        }
        // A wrong token in the header is refused too, even with the right one in the form.
        let response = browser
            .post(t.url(path))
            .header(header::ORIGIN, t.console.url())
            .header("x-csrf-token", forged.as_str())
            .form(&[("csrf_token", csrf.as_str())])
            .send()
            .await
            .expect("post");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
    }
    // And the same call with the token goes through.
    let (status, body) = post(
        &t,
        &browser,
        "/api/roles/grant",
        Some(&csrf),
        &[("person", &last_admin_email(&t)), ("role", "viewer")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn reads_answer_get_and_not_post() {
    let t = TestConsole::start().await;
    let (browser, csrf) = signed_in_as(&t, Role::Viewer).await;
    for path in READS {
        let response = get_response(&t, &browser, path).await;
        let status = response.status();
        // Admin-only reads refuse a viewer with 403, reads that need arguments say they are
        // missing (422); none fails with a server error.
        assert!(
            status.is_success()
                || status == StatusCode::FORBIDDEN
                || status == StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {status}"
        );
        let (status, _) = post(&t, &browser, path, Some(&csrf), &[]).await;
        assert!(
            status.is_client_error(),
            "{path} must not answer POST: {status}"
        );
    }
}

fn last_admin_email(t: &TestConsole) -> String {
    let info = t.sim().info();
    info.admins
        .last()
        .expect("the sim has admins")
        .email
        .clone()
}

#[tokio::test]
async fn malformed_arguments_get_a_clear_422_not_a_500() {
    let t = TestConsole::start().await;
    let (browser, _) = signed_in_as(&t, Role::Viewer).await;
    assert_each_answers(
        &t,
        &browser,
        [
            "/api/snapshots/diff?from=abc&to=1",
            "/api/snapshots/admins-at",
            "/api/actions/list?before=%FF%FE",
        ],
        StatusCode::UNPROCESSABLE_ENTITY,
        "not valid",
    )
    .await;
}

#[tokio::test]
async fn nul_characters_are_refused_in_plain_words_not_with_a_500() {
    let t = TestConsole::start().await;
    let (browser, csrf) = signed_in_as(&t, Role::Admin).await;
    assert_each_answers(
        &t,
        &browser,
        [
            "/api/users/get?id=usr%00",
            "/audit/events/app%00AAAAAAAAAAAAA",
            "/api/audit/search?q=%00&action=&category=&actor=&after=&before=&cursor=",
            "/audit/export.csv?q=a%00b",
        ],
        StatusCode::BAD_REQUEST,
        "NUL character",
    )
    .await;
    let (status, body) = post(
        &t,
        &browser,
        "/api/workspaces/create",
        Some(&csrf),
        &[("name", "bad\0name")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // A percent sign typed as text is not a NUL.
    assert_eq!(
        fetch(&t, &browser, "/api/users/list?q=100%2500").await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_bundle_file_name_no_file_system_takes_is_a_404_not_a_500() {
    let t = TestConsole::start().await;
    let (browser, _) = signed_in_as(&t, Role::Viewer).await;
    let long = "a".repeat(300);
    for url in [
        format!("/pkg/{long}.js"),
        format!("/pkg/snippets/{long}/x.js"),
    ] {
        assert_eq!(
            fetch(&t, &browser, &url).await.0,
            StatusCode::NOT_FOUND,
            "{url}"
        );
    }
    // An ordinary missing name is a 404 too (ServeDir itself).
    assert_eq!(
        fetch(&t, &browser, "/pkg/missing.js").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn without_its_database_the_console_says_so_with_a_503_and_keeps_people_signed_in() {
    let t = TestConsole::start().await;
    let (browser, csrf) = signed_in_as(&t, Role::Operator).await;
    assert_eq!(fetch(&t, &browser, "/workspaces").await.0, StatusCode::OK);

    // Every connection the console has, or could open, is gone (as when Postgres stops).
    t.console.state.console.db.close().await;
    // Not a 303 to the sign-in page (the session may be fine), not a bare 500.
    assert_each_answers(
        &t,
        &browser,
        ["/", "/workspaces", "/api/users/list?q=", "/healthz"],
        StatusCode::SERVICE_UNAVAILABLE,
        "database",
    )
    .await;
    let (status, body) = post(
        &t,
        &browser,
        "/api/workspaces/create",
        Some(&csrf),
        &[("name", "During the outage")],
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
}

#[tokio::test]
async fn a_nul_encoded_twice_in_a_page_address_is_refused_not_a_500() {
    let t = TestConsole::start().await;
    let (browser, _) = signed_in_as(&t, Role::Viewer).await;
    // Pages decode their query twice (leptos_router), so `%2500` is a NUL there.
    assert_each_answers(
        &t,
        &browser,
        [
            "/audit?q=a%2500",
            "/groups?q=a%2500&page=1",
            "/users?q=%2500",
            "/audit/events/wsp%2500",
        ],
        StatusCode::BAD_REQUEST,
        "NUL character",
    )
    .await;
    // A server function decodes once: there it is the text "%00", searched as such.
    assert_eq!(
        fetch(
            &t,
            &browser,
            "/api/audit/search?q=a%2500&action=&category=&actor=&after=&before=&cursor="
        )
        .await
        .0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_form_over_the_limit_gets_a_413_in_words_not_a_reset_connection() {
    let t = TestConsole::start().await;
    let (browser, csrf) = signed_in_as(&t, Role::Operator).await;
    let name = "x".repeat(3 * 1024 * 1024);
    let (status, body) = post(
        &t,
        &browser,
        "/api/workspaces/create",
        Some(&csrf),
        &[("name", name.as_str())],
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(body.contains("too large"), "{body}");
}
