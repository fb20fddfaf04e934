//! Changes made through the console show at once in the users table, its CSV and a user's
//! page, before the next snapshot (issue 16): marked as the console's, with the request.

mod common;

use common::session::{
    ask_and_approve, get, get_ok, get_response, set_role, sign_in_person, take_snapshot, Person,
};
use common::TestConsole;
use console_app::api::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Asks for `action` as `operator` and has `approver` approve it; returns the request ID.
async fn carried_out(
    t: &TestConsole,
    operator: &Person,
    approver: &Person,
    action: Value,
) -> String {
    ask_and_approve(t, operator, approver, action).await.0
}

async fn row(t: &TestConsole, who: &Person, user: &str) -> Value {
    let listing = get_ok(t, who, &format!("/api/users/list?q={user}")).await;
    listing["page"]["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["id"] == user))
        .cloned()
        .unwrap_or_else(|| panic!("{user} listed: {listing}"))
}

#[tokio::test]
async fn console_changes_show_before_the_next_snapshot() {
    let t = TestConsole::start().await;
    let info = t.sim().info();
    let operator = sign_in_person(&t, &info.admins[1].email, Role::Operator).await;
    let approver = sign_in_person(&t, &info.admins[2].email, Role::Approver).await;
    set_role(&t, &info.admins[0].email, Role::Admin).await;
    take_snapshot(&t).await;
    let target = info.non_admins[0].id.clone();
    assert_eq!(row(&t, &operator, &target).await["state"], "provisioned");

    // Deactivated through approval: the table says so at once, and links the request.
    let deactivated = carried_out(
        &t,
        &operator,
        &approver,
        json!({ "kind": "deactivate_user", "user": target }),
    )
    .await;
    let listed = row(&t, &operator, &target).await;
    assert_eq!(listed["state"], "deactivated", "{listed}");
    assert_eq!(
        listed["console_change"]["approval_id"],
        deactivated.as_str()
    );
    assert!(listed["console_change"]["what"]
        .as_str()
        .is_some_and(|w| w.contains("deactivated through the console")));
    // So does the CSV.
    let csv = get_response(
        &t,
        &operator.browser,
        &format!("/users/export.csv?q={target}"),
    )
    .await
    .text()
    .await
    .expect("csv body");
    assert!(
        csv.lines()
            .any(|l| l.starts_with(&target) && l.contains(",deactivated,")),
        "{csv}"
    );

    // Deleted: the table says so, and the user's page says when and by which request.
    let deleted = carried_out(
        &t,
        &operator,
        &approver,
        json!({ "kind": "delete_user", "user": target }),
    )
    .await;
    assert_eq!(row(&t, &operator, &target).await["state"], "deleted");
    let (status, body) = get(&t, &operator, &format!("/api/users/get?id={target}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let text = body.to_string();
    assert!(
        text.contains("deleted through the console") && text.contains(&deleted),
        "{text}"
    );

    // A new snapshot knows without the console's help: no mark any more.
    take_snapshot(&t).await;
    let other = info.non_admins[1].id.clone();
    assert!(row(&t, &operator, &other).await["console_change"].is_null());
}
