//! Two-person approval over real HTTP, against the simulator and a fresh database: nobody
//! approves their own request, one approval executes once however many arrive, a crash
//! leaves a state a person resolves, expiry, tampering and role loss all stop execution.

mod common;

use chrono::{Duration, Utc};
use common::session::{
    count_of, get_json, post, reject, request_action, request_status, set_policy, set_role,
    sign_in_person, sign_out_everywhere, sim_client, sim_extensions, times_logged, Person,
};
use common::TestConsole;
use console_app::api::Role;
use console_core::approvals::store;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn delete_user(user_id: &str) -> String {
    json!({ "kind": "delete_user", "user": user_id }).to_string()
}

/// Asks for `action` as `who`; returns the request ID.
async fn request(t: &TestConsole, who: &Person, action: &str, reason: &str) -> String {
    let (status, body) = request_action(t, who, action, reason).await;
    assert_eq!(status, StatusCode::OK, "request {action}: {body}");
    body["Requested"]["id"]
        .as_str()
        .expect("a request id")
        .to_string()
}

async fn fingerprint(t: &TestConsole, who: &Person, id: &str) -> String {
    let detail = get_json(t, who, &format!("/api/approvals/get?id={id}")).await;
    detail["compared_fingerprint"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The stored call's hash, as the request's page shows it to `who`.
async fn call_hash(t: &TestConsole, who: &Person, id: &str) -> String {
    let detail = get_json(t, who, &format!("/api/approvals/get?id={id}")).await;
    detail["call_hash"].as_str().unwrap_or_default().to_string()
}

async fn approve(
    t: &TestConsole,
    who: &Person,
    id: &str,
    fingerprint: &str,
) -> (StatusCode, Value) {
    post(
        t,
        who,
        "/api/approvals/approve",
        &[
            ("id", id),
            ("call_hash", &call_hash(t, who, id).await),
            ("fingerprint", fingerprint),
            ("comment", "ok"),
        ],
    )
    .await
}

/// Whether the simulator still has the user (asked with the simulator's own token).
async fn user_exists(t: &TestConsole, user_id: &str) -> bool {
    let info = t.sim().info();
    let response = common::unmetered_http()
        .get(format!(
            "{}/v0/meta/enterpriseAccounts/{}/users/{user_id}",
            t.sim().base_url().to_string().trim_end_matches('/'),
            info.enterprise_account_id
        ))
        .bearer_auth(info.token.to_string())
        .send()
        .await
        .expect("sim");
    response.status().is_success()
}

async fn executions(t: &TestConsole, id: &str, kind: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM console_actions WHERE approval_id = $1::uuid AND action = $2",
    )
    .bind(id)
    .bind(kind)
    .fetch_one(&t.db().await)
    .await
    .expect("count")
}

/// Requester A (operator), approver B, and a non-admin user to act on.
async fn cast(t: &TestConsole) -> (Person, Person, String) {
    let info = t.sim().info();
    let a = sign_in_person(t, &info.admins[0].email.to_string(), Role::Operator).await;
    let b = sign_in_person(t, &info.admins[1].email.to_string(), Role::Approver).await;
    let target = info.non_admins[0].id.to_string();
    (a, b, target)
}

#[tokio::test]
async fn nobody_approves_their_own_request_however_they_try() {
    let t = TestConsole::start().await;
    let (mut a, b, target) = cast(&t).await;
    let id = request(&t, &a, &delete_user(&target), "left the company").await;

    // The requester, even holding the approver role, in this session...
    set_role(&t, &a.email, Role::Approver).await;
    let print = fingerprint(&t, &a, &id).await;
    let detail = get_json(&t, &a, &format!("/api/approvals/get?id={id}")).await;
    assert_eq!(detail["can_decide"], json!(false));
    assert!(detail["why_not"]
        .as_str()
        .unwrap_or_default()
        .contains("yourself"));
    let (status, body) = approve(&t, &a, &id, &print).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // ...in a second session of the same person...
    let second = sign_in_person(&t, &a.email.clone(), Role::Approver).await;
    let (status, _) = approve(&t, &second, &id, &print).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // ...or a hand-made retry or rejection.
    let (status, _) = post(
        &t,
        &second,
        "/api/approvals/retry",
        &[
            ("id", &id),
            ("call_hash", &call_hash(&t, &second, &id).await),
            ("fingerprint", &print),
            ("comment", ""),
        ],
    )
    .await;
    assert_ne!(status, StatusCode::OK);
    let (status, _) = reject(&t, &second, &id, "self").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(request_status(&t, &id).await, "pending");
    assert!(user_exists(&t, &target).await);

    // The badge counts it for B, not for A.
    assert_eq!(get_json(&t, &b, "/api/approvals/waiting").await, json!(1));
    a.csrf = second.csrf.clone();
    assert_eq!(
        get_json(&t, &second, "/api/approvals/waiting").await,
        json!(0)
    );

    // Only one open request per target and action.
    let browser_a = &second;
    let (status, body) = request_action(&t, browser_a, &delete_user(&target), "again").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // B approves: the user is gone, once, and everyone hears of it.
    let print = fingerprint(&t, &b, &id).await;
    let (status, body) = approve(&t, &b, &id, &print).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], json!("succeeded"));
    assert!(!user_exists(&t, &target).await);
    assert_eq!(executions(&t, &id, "delete_user").await, 1);
    let notices: Vec<String> =
        sqlx::query_scalar("SELECT to_email || ': ' || subject FROM outbox ORDER BY id")
            .fetch_all(&t.db().await)
            .await
            .expect("outbox");
    assert!(
        notices
            .iter()
            .any(|n| n.starts_with(&b.email) && n.contains("Approval needed")),
        "{notices:?}"
    );
    assert!(
        notices
            .iter()
            .any(|n| n.starts_with(&a.email) && n.contains("Done")),
        "{notices:?}"
    );
    // Every step is in the audit history's search, beside Airtable's own events.
    let query =
        console_app::audit::query::AuditQuery::parse(&format!("category:console model:{target}"))
            .expect("query");
    let (found, _) = console_core::audit::search::search(
        &console_core::audit::search::SearchPool::beside(&t.db().await),
        &query,
        None,
        50,
    )
    .await
    .expect("search");
    let steps: Vec<&str> = found.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        steps,
        vec![
            "console.delete_user",
            "console.approvals.approve",
            "console.approvals.request"
        ]
    );
    assert!(
        !notices
            .iter()
            .any(|n| n.starts_with(&a.email) && n.contains("Approval needed")),
        "the requester is not asked to approve"
    );
}

#[tokio::test]
async fn fifty_simultaneous_approvals_execute_once() {
    // A hundred calls with one approver's token within a second or two, on a loaded test
    // machine: with Airtable's limits on, a late-arriving request can still draw a 429 and
    // its 30 s lock-out. This test is about the claim (one execution of fifty), so it runs
    // without them; `unpublished_endpoints.rs` covers an approval meeting a 429.
    let t = TestConsole::start_with(&[("CONSOLE_DEMO_RATE_LIMITS", "off")]).await;
    let (a, b, target) = cast(&t).await;
    let id = request(&t, &a, &delete_user(&target), "duplicate account").await;
    let print = fingerprint(&t, &b, &id).await;
    let attempts = (0..50).map(|_| approve(&t, &b, &id, &print));
    let results = futures::future::join_all(attempts).await;
    let ok = results.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    assert_eq!(ok, 1, "{results:?}");
    assert!(
        results
            .iter()
            .all(|(s, _)| *s == StatusCode::OK || *s == StatusCode::CONFLICT),
        "{results:?}"
    );
    assert_eq!(request_status(&t, &id).await, "succeeded");
    assert_eq!(executions(&t, &id, "delete_user").await, 1);
    assert!(!user_exists(&t, &target).await);
}

#[tokio::test]
async fn a_crash_mid_execution_is_reported_and_only_a_person_retries_it() {
    let t = TestConsole::start().await;
    let (a, b, target) = cast(&t).await;
    let id = request(&t, &a, &delete_user(&target), "crash test").await;
    let print = fingerprint(&t, &b, &id).await;
    // What a crash right after "approved" leaves behind: executing, Airtable not called.
    let db = t.db().await;
    let approver = store::Person {
        id: "usrSomeoneElse001",
        email: "approver@example.com",
    };
    let uuid: uuid::Uuid = id.parse().expect("uuid");
    let then = Utc::now() - Duration::minutes(10);
    assert!(
        store::claim_for_execution(&db, uuid, &approver, None, then, false)
            .await
            .expect("claim")
    );
    // Nobody can approve it again meanwhile.
    let (status, _) = approve(&t, &b, &id, &print).await;
    assert_eq!(status, StatusCode::CONFLICT);
    // The sweep reports it; it is not re-run by itself.
    let reported = store::report_interrupted(&db, Utc::now())
        .await
        .expect("sweep");
    assert_eq!(reported, vec![uuid]);
    assert_eq!(request_status(&t, &id).await, "failed");
    assert!(user_exists(&t, &target).await);
    assert!(store::report_interrupted(&db, Utc::now())
        .await
        .expect("sweep")
        .is_empty());
    // The requester cannot retry; an approver can, once.
    let (status, _) = post(
        &t,
        &a,
        "/api/approvals/retry",
        &[
            ("id", &id),
            ("call_hash", &call_hash(&t, &a, &id).await),
            ("fingerprint", &print),
            ("comment", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let print = fingerprint(&t, &b, &id).await;
    let (status, body) = post(
        &t,
        &b,
        "/api/approvals/retry",
        &[
            ("id", &id),
            ("call_hash", &call_hash(&t, &b, &id).await),
            ("fingerprint", &print),
            ("comment", "checked: not done"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(request_status(&t, &id).await, "succeeded");
    assert!(!user_exists(&t, &target).await);
    let (status, _) = post(
        &t,
        &b,
        "/api/approvals/retry",
        &[
            ("id", &id),
            ("call_hash", &call_hash(&t, &b, &id).await),
            ("fingerprint", &print),
            ("comment", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(executions(&t, &id, "delete_user").await, 1);
}

#[tokio::test]
async fn expired_requests_cannot_execute() {
    let t = TestConsole::start().await;
    let (a, _b, target) = cast(&t).await;
    let id = request(&t, &a, &delete_user(&target), "expiry").await;
    let db = t.db().await;
    let uuid: uuid::Uuid = id.parse().expect("uuid");
    let approver = store::Person {
        id: "usrSomeoneElse001",
        email: "approver@example.com",
    };
    // An hour before the default 24 h run out, it can be approved; after, it cannot.
    let stored = store::get(&db, uuid).await.expect("get").expect("stored");
    assert_eq!(
        stored.request.expires_at - stored.request.requested_at,
        Duration::hours(24)
    );
    let late = stored.request.expires_at + Duration::seconds(1);
    assert!(
        !store::claim_for_execution(&db, uuid, &approver, None, late, false)
            .await
            .expect("claim")
    );
    assert!(
        store::expire_due(&db, stored.request.expires_at - Duration::hours(1))
            .await
            .expect("sweep")
            .is_empty()
    );
    assert_eq!(
        store::expire_due(&db, late).await.expect("sweep"),
        vec![uuid]
    );
    assert_eq!(request_status(&t, &id).await, "expired");
    assert!(
        !store::claim_for_execution(&db, uuid, &approver, None, late, true)
            .await
            .expect("retry")
    );
    assert!(user_exists(&t, &target).await);
}

#[tokio::test]
async fn a_tampered_call_is_caught_by_its_hash() {
    let t = TestConsole::start().await;
    let (a, b, target) = cast(&t).await;
    let id = request(&t, &a, &delete_user(&target), "tamper").await;
    let print = fingerprint(&t, &b, &id).await;
    // Someone with database access points the request at another user.
    let victim = t.sim().info().non_admins[1].id.to_string();
    sqlx::query("UPDATE approval_requests SET call = jsonb_set(call, '{user}', to_jsonb($2::text)) WHERE id = $1::uuid")
        .bind(&id)
        .bind(&victim)
        .execute(&t.db().await)
        .await
        .expect("tamper");
    let (status, body) = approve(&t, &b, &id, &print).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.to_string().contains("does not match"), "{body}");
    assert!(user_exists(&t, &victim).await);
    assert!(user_exists(&t, &target).await);
    assert_eq!(request_status(&t, &id).await, "failed");
    assert_eq!(times_logged(&t, "approvals.tampering_detected").await, 1);
}

#[tokio::test]
async fn losing_the_role_or_the_session_blocks_the_approval() {
    let t = TestConsole::start().await;
    let (a, b, target) = cast(&t).await;
    let id = request(&t, &a, &delete_user(&target), "role loss").await;
    let print = fingerprint(&t, &b, &id).await;
    set_role(&t, &b.email, Role::Operator).await;
    let (status, _) = approve(&t, &b, &id, &print).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Role back, but the session is signed out everywhere: refused too.
    set_role(&t, &b.email, Role::Approver).await;
    let out = sign_out_everywhere(&t, &b.browser, &b.csrf).await;
    assert!(out.status().is_redirection());
    let (status, _) = approve(&t, &b, &id, &print).await;
    assert!(
        status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN,
        "{status}"
    );
    assert_eq!(request_status(&t, &id).await, "pending");
    assert!(user_exists(&t, &target).await);
}

#[tokio::test]
async fn the_approver_sees_what_changed_and_a_stale_look_is_refused() {
    let t = TestConsole::start().await;
    let (a, b, _) = cast(&t).await;
    let info = t.sim().info();
    // Revoking a non-admin's admin access makes no sense, so use an admin: the third one.
    let target = info.admins[2].id.to_string();
    let action = json!({ "kind": "revoke_admin_access", "user": target }).to_string();
    let id = request(&t, &a, &action, "no longer in IT").await;
    let before = fingerprint(&t, &b, &id).await;
    // Meanwhile the user is deactivated directly in Airtable.
    let sim = common::unmetered_http();
    let patched = sim
        .patch(format!(
            "{}/v0/meta/enterpriseAccounts/{}/users/{target}",
            t.sim().base_url().to_string().trim_end_matches('/'),
            info.enterprise_account_id
        ))
        .bearer_auth(info.token.to_string())
        .json(&json!({ "state": "deactivated" }))
        .send()
        .await
        .expect("patch");
    assert!(patched.status().is_success(), "{}", patched.status());
    let (status, body) = approve(&t, &b, &id, &before).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body.to_string().contains("changed after you opened it"),
        "{body}"
    );
    let detail = get_json(&t, &b, &format!("/api/approvals/get?id={id}")).await;
    assert_eq!(detail["compared"]["changed"], json!(true));
    let changed: Vec<&Value> = detail["compared"]["facts"]
        .as_array()
        .expect("facts")
        .iter()
        .filter(|f| f["change"] == json!("Changed"))
        .collect();
    assert_eq!(changed.len(), 1, "{detail}");
    let text = changed[0]["text"].as_str().unwrap_or_default();
    assert!(text.starts_with("State: deactivated (was "), "{text}");
    // Having looked again, B approves.
    let after = detail["compared_fingerprint"]
        .as_str()
        .expect("fingerprint");
    let (status, body) = approve(&t, &b, &id, after).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn rejection_cancellation_and_an_exempted_kind() {
    let t = TestConsole::start().await;
    let (a, b, target) = cast(&t).await;
    let id = request(&t, &a, &delete_user(&target), "maybe").await;
    let (status, _) = reject(&t, &b, &id, " ").await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a rejection needs a reason"
    );
    let (status, _) = reject(&t, &b, &id, "not without HR").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(request_status(&t, &id).await, "rejected");
    let print = fingerprint(&t, &b, &id).await;
    let (status, _) = approve(&t, &b, &id, &print).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // A new request after the rejection is allowed; its requester withdraws it.
    let id = request(&t, &a, &delete_user(&target), "with HR's blessing").await;
    let (status, _) = post(&t, &b, "/api/approvals/cancel", &[("id", &id)]).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "only the requester withdraws a pending request"
    );
    let (status, _) = post(&t, &a, "/api/approvals/cancel", &[("id", &id)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(request_status(&t, &id).await, "cancelled");
    assert!(user_exists(&t, &target).await);

    // A reason is required, and the wrong kind of ID is refused before anything is stored.
    let (status, _) = request_action(&t, &a, &delete_user(&target), "  ").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let wrong = json!({ "kind": "delete_user", "user": "wspAAAAAAAAAAAAAA" }).to_string();
    let (status, _) = request_action(&t, &a, &wrong, "x").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // An admin asks to exempt user deactivation; a second admin agrees: it then happens at
    // once, and is logged.
    let admin = sign_in_person(&t, &t.sim().info().admins[2].email.to_string(), Role::Admin).await;
    let body = set_policy(&t, &admin, "deactivate_user", "no").await;
    let exemption = body["Requested"]["id"]
        .as_str()
        .expect("an exemption is a request")
        .to_string();
    set_role(&t, &b.email, Role::Admin).await;
    let print = fingerprint(&t, &b, &exemption).await;
    let (status, body) = approve(&t, &b, &exemption, &print).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let deactivate = json!({ "kind": "deactivate_user", "user": target }).to_string();
    let (status, body) = request_action(&t, &a, &deactivate, "policy says so").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body["Done"]["outcome"]
            .as_str()
            .unwrap_or_default()
            .contains("deactivated"),
        "{body}"
    );
    let logged = count_of(
        &t,
        "SELECT count(*) FROM console_actions WHERE action = 'deactivate_user' AND approval_id IS NULL",
    )
    .await;
    assert_eq!(logged, 1);
}

/// Requests `action` as A, approves as B, and returns what the console recorded.
async fn carry_out(t: &TestConsole, a: &Person, b: &Person, action: Value) -> Value {
    let id = request(t, a, &action.to_string(), "kind walk").await;
    let print = fingerprint(t, b, &id).await;
    let (status, body) = approve(t, b, &id, &print).await;
    assert_eq!(status, StatusCode::OK, "{action}: {body}");
    assert_eq!(body["status"], json!("succeeded"), "{action}: {body}");
    body
}

#[tokio::test]
async fn every_kind_of_action_previews_and_runs_against_the_simulator() {
    use futures::TryStreamExt;
    let t = TestConsole::start().await;
    let (a, b, _) = cast(&t).await;
    let airtable = sim_client(&t);
    let info = t.sim().info();
    let ent: airtable_client::ids::EnterpriseId =
        info.enterprise_account_id.to_string().parse().expect("ent");

    // Bases with shares, extensions, collaborators and invite links (any one base each).
    let bases: Vec<_> = airtable.list_bases().try_collect().await.expect("bases");
    let (mut share, mut block, mut person, mut invite) = (None, None, None, None);
    for summary in &bases {
        let id = summary.id.clone();
        let base = airtable
            .base(&id)
            .get()
            .include_collaborators()
            .include_invite_links()
            .send()
            .await
            .expect("base");
        if share.is_none() {
            let shares = airtable.base(&id).shares().await.expect("shares");
            share = shares.first().map(|s| (id.clone(), s.share_id.clone()));
        }
        if block.is_none() {
            let blocks = sim_extensions(&t, &id).await;
            block = blocks.first().map(|x| (id.clone(), x.id.clone()));
        }
        if person.is_none() {
            person = base.individual_collaborators.as_ref().and_then(|s| {
                s.base_collaborators
                    .iter()
                    .find(|c| c.permission_level.as_str() != "owner")
                    .map(|c| (id.clone(), c.user_id.clone()))
            });
        }
        if invite.is_none() {
            invite = base.invite_links.as_ref().and_then(|l| {
                l.base_invite_links
                    .first()
                    .map(|i| (id.clone(), i.id.clone()))
            });
        }
    }
    let (share_base, share) = share.expect("a base with a share");
    carry_out(
        &t,
        &a,
        &b,
        json!({"kind": "disable_share", "base": share_base, "share": share}),
    )
    .await;
    let now = airtable.base(&share_base).shares().await.expect("shares");
    let disabled = now.iter().find(|s| s.share_id == share).expect("share");
    assert_eq!(format!("{:?}", disabled.state).to_lowercase(), "disabled");
    carry_out(
        &t,
        &a,
        &b,
        json!({"kind": "delete_share", "base": share_base, "share": share}),
    )
    .await;
    assert!(!airtable
        .base(&share_base)
        .shares()
        .await
        .expect("shares")
        .iter()
        .any(|s| s.share_id == share));
    let (block_base, block) = block.expect("a base with an extension");
    carry_out(
        &t,
        &a,
        &b,
        json!({"kind": "disable_block_installation", "base": block_base, "installation": block}),
    )
    .await;
    let turned_off = sim_extensions(&t, &block_base)
        .await
        .into_iter()
        .find(|x| x.id == block)
        .expect("still installed");
    assert_eq!(format!("{:?}", turned_off.state).to_lowercase(), "disabled");
    carry_out(
        &t,
        &a,
        &b,
        json!({"kind": "delete_block_installation", "base": block_base, "installation": block}),
    )
    .await;
    let extensions = sim_extensions(&t, &block_base).await;
    assert!(!extensions.iter().any(|x| x.id == block));
    let (invite_base, invite) = invite.expect("a base with an invite link");
    carry_out(
        &t,
        &a,
        &b,
        json!({"kind": "delete_base_invite", "base": invite_base, "invite": invite}),
    )
    .await;
    let (person_base, person) = person.expect("a base with a non-owner collaborator");
    carry_out(&t, &a, &b, json!({"kind": "remove_base_collaborator", "base": person_base, "collaborator": {"type": "user", "id": person}})).await;

    // A base goes; asking again is refused plainly, as the base no longer exists.
    let doomed = bases.last().expect("bases").id.to_string();
    carry_out(&t, &a, &b, json!({"kind": "delete_base", "base": doomed})).await;
    let again = json!({"kind": "delete_base", "base": doomed}).to_string();
    let (status, body) = request_action(&t, &a, &again, "twice").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("does not exist"), "{body}");

    // A workspace: its collaborator, then the workspace itself.
    let mut workspace_done = false;
    for workspace in &airtable
        .enterprise(&ent)
        .get()
        .send()
        .await
        .expect("info")
        .workspace_ids
    {
        let found = airtable
            .workspace(workspace)
            .get()
            .include_collaborators()
            .send()
            .await
            .expect("workspace");
        let Some(someone) = found.individual_collaborators.as_ref().and_then(|s| {
            s.workspace_collaborators
                .iter()
                .find(|c| c.permission_level.as_str() != "owner")
                .map(|c| c.user_id.clone())
        }) else {
            continue;
        };
        carry_out(&t, &a, &b, json!({"kind": "remove_workspace_collaborator", "workspace": workspace, "collaborator": {"type": "user", "id": someone}})).await;
        carry_out(
            &t,
            &a,
            &b,
            json!({"kind": "delete_workspace", "workspace": workspace}),
        )
        .await;
        let gone = airtable.workspace(workspace).get().send().await;
        assert!(gone.is_err(), "the workspace is gone");
        workspace_done = true;
        break;
    }
    assert!(workspace_done, "a workspace with a non-owner collaborator");

    // Then users by email, and a removal (with its dry run).
    let leaver = info.non_admins[1].clone();
    carry_out(
        &t,
        &a,
        &b,
        json!({"kind": "delete_users_by_email", "emails": [leaver.email.to_string()]}),
    )
    .await;
    assert!(!user_exists(&t, &leaver.id.to_string()).await);
    let removed = info.non_admins[2].id.to_string();
    let id = request(&t, &a, &json!({"kind": "remove_user_from_enterprise", "user": removed, "replacement_owner": info.admins[0].id.to_string(), "remove_from_descendants": false}).to_string(), "leaver").await;
    let detail = get_json(&t, &b, &format!("/api/approvals/get?id={id}")).await;
    let titles: Vec<&str> = detail["request"]["preview"]["lists"]
        .as_array()
        .expect("lists")
        .iter()
        .filter_map(|l| l["title"].as_str())
        .collect();
    assert!(
        titles.contains(&"Workspaces unshared") && titles.contains(&"Bases unshared"),
        "{titles:?}"
    );
    let print = detail["compared_fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_string();
    let (status, body) = approve(&t, &b, &id, &print).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A group and a workspace move to a descendant account.
    let descendant = airtable
        .enterprise(&ent)
        .create_descendant("Fabrikam Research")
        .await
        .expect("descendant")
        .id;
    let enterprise = airtable.enterprise(&ent).get().send().await.expect("info");
    let group = enterprise.group_ids.first().expect("a group").clone();
    let moved = carry_out(
        &t,
        &a,
        &b,
        json!({"kind": "move_groups", "groups": [group], "target_enterprise": descendant}),
    )
    .await;
    assert!(
        moved["outcome"]
            .as_str()
            .unwrap_or_default()
            .contains(group.as_str()),
        "{moved}"
    );
    let workspace = enterprise
        .workspace_ids
        .first()
        .expect("a workspace")
        .clone();
    carry_out(&t, &a, &b, json!({"kind": "move_workspaces", "workspaces": [workspace], "target_enterprise": descendant})).await;
    let after = airtable.enterprise(&ent).get().send().await.expect("info");
    assert!(!after.group_ids.contains(&group) && !after.workspace_ids.contains(&workspace));

    // Personal access tokens, if the enterprise has any.
    let tokens = airtable
        .enterprise(&ent)
        .personal_access_tokens()
        .send()
        .await
        .expect("tokens");
    if let Some(token) = tokens.first() {
        carry_out(
            &t,
            &a,
            &b,
            json!({"kind": "revoke_personal_access_tokens", "tokens": [token.id]}),
        )
        .await;
    }
}

/// The header's badge comes with the session check (`logins::load_active` counts in the
/// same statement); it must count exactly what the approvals list would offer each person.
#[tokio::test]
async fn the_badge_counts_what_each_person_may_approve() {
    let t = TestConsole::start().await;
    let (a, b, target) = cast(&t).await;
    let info = t.sim().info();
    let admin = sign_in_person(&t, &info.admins[2].email.to_string(), Role::Admin).await;
    async fn badge(t: &TestConsole, who: &Person) -> (i64, i64) {
        let me = common::session::whoami(t, &who.browser).await;
        let listed = get_json(t, who, "/api/approvals/waiting").await;
        (
            me["waiting_approvals"]
                .as_i64()
                .expect("whoami carries the badge"),
            listed.as_i64().expect("a count"),
        )
    }
    for who in [&a, &b, &admin] {
        assert_eq!(badge(&t, who).await, (0, 0), "nothing waits yet");
    }
    let id = request(&t, &a, &delete_user(&target), "leaver").await;
    assert_eq!(badge(&t, &a).await, (0, 0), "not one's own request");
    assert_eq!(badge(&t, &b).await, (1, 1), "the approver");
    assert_eq!(badge(&t, &admin).await, (1, 1), "an admin");

    // An exemption is an admin's to approve: the approver's badge does not count it; once
    // the approver is made an admin it does; its requester's never does.
    let body = set_policy(&t, &admin, "deactivate_user", "no").await;
    assert!(
        body["Requested"]["id"].is_string(),
        "an exemption is a request: {body}"
    );
    assert_eq!(
        badge(&t, &admin).await,
        (1, 1),
        "an admin's own exemption is not theirs"
    );
    assert_eq!(badge(&t, &b).await, (1, 1), "not an approver's kind");
    assert_eq!(badge(&t, &a).await, (0, 0), "an operator approves nothing");
    set_role(&t, &b.email, Role::Admin).await;
    assert_eq!(badge(&t, &b).await, (2, 2), "an admin's kind");
    set_role(&t, &b.email, Role::Approver).await;

    let (status, _) = reject(&t, &b, &id, "not yet").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        badge(&t, &b).await,
        (0, 0),
        "a decided request leaves the badge"
    );
    assert_eq!(
        badge(&t, &admin).await,
        (0, 0),
        "only the exemption, which is the admin's own"
    );
}

/// Moves request `id`'s expiry a minute into the past; the query counting its notices.
async fn let_run_out(t: &TestConsole, id: &str) -> String {
    common::session::execute_sql(
        t,
        &format!(
            "UPDATE approval_requests SET expires_at = now() - interval '1 minute' WHERE id = '{id}'"
        ),
    )
    .await;
    format!("SELECT count(*) FROM outbox WHERE approval_id = '{id}'")
}

/// A list that does not show what ran out (the approver's "waiting for me": an expired
/// request waits for nobody) still expires it and tells the requester: the expiry and the
/// list are one statement, and its answer carries what it expired even when it lists
/// nothing.
#[tokio::test]
async fn a_list_that_shows_nothing_still_expires_what_ran_out() {
    let t = TestConsole::start().await;
    let (a, b, target) = cast(&t).await;
    let id = request(&t, &a, &delete_user(&target), "soon stale").await;
    let waiting = get_json(&t, &b, "/api/approvals/list?show=waiting").await;
    assert!(
        waiting
            .as_array()
            .is_some_and(|all| all.iter().any(|r| r["id"] == id.as_str())),
        "it waits for b while it is open: {waiting}"
    );
    let notices = let_run_out(&t, &id).await;
    let before = count_of(&t, &notices).await;
    let waiting = get_json(&t, &b, "/api/approvals/list?show=waiting").await;
    assert_eq!(
        waiting,
        serde_json::json!([]),
        "nothing waits for b any more"
    );
    assert_eq!(request_status(&t, &id).await, "expired");
    assert!(
        count_of(&t, &notices).await > before,
        "the requester is told"
    );
    let again = count_of(&t, &notices).await;
    get_json(&t, &b, "/api/approvals/list?show=all").await;
    assert_eq!(
        count_of(&t, &notices).await,
        again,
        "told once: the next list finds nothing to expire"
    );
}

/// Viewing a list expires what ran out of time there and then, tells the requester, and
/// shows the request as expired.
#[tokio::test]
async fn a_list_expires_what_ran_out_and_tells_the_requester() {
    let t = TestConsole::start().await;
    let (a, _b, target) = cast(&t).await;
    let id = request(&t, &a, &delete_user(&target), "soon stale").await;
    let notices = let_run_out(&t, &id).await;
    let before = count_of(&t, &notices).await;
    let listed = get_json(&t, &a, "/api/approvals/list?show=mine").await;
    let mine = listed
        .as_array()
        .and_then(|all| all.iter().find(|r| r["id"] == id.as_str()))
        .unwrap_or_else(|| panic!("the request is listed: {listed}"));
    assert_eq!(mine["status"], "expired", "{mine}");
    assert_eq!(request_status(&t, &id).await, "expired");
    assert!(
        count_of(&t, &notices).await > before,
        "the requester is told"
    );
}
