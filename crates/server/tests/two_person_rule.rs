//! The two-person rule holds against a single admin (issue 15), over real HTTP against the
//! simulator and a fresh database: deletions cannot be exempted, weakening a control is a
//! request a second admin approves, bootstrap is explicit and one-way, revocations stick,
//! deciding needs a recent sign-in and the call hash the approver saw, retries end with the
//! request's TTL, and ended sign-ins lose their tokens.

mod common;

use airtable_client::models::UserRef;
use common::session::{
    approve_saying, enterprise, execute_sql, get, get_ok, get_response, page_html,
    pending_requests, post, post_ok, reject, request_action, request_status, requested_id,
    set_policy, set_role, sign_in_person, sim_client, times_logged, Person,
};
use common::TestConsole;
use console_app::api::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn email_of(t: &TestConsole, n: usize) -> String {
    t.sim().info().admins[n].email.to_string()
}

/// Asks for `action` as `who` (a request must result); returns its ID.
async fn ask(t: &TestConsole, who: &Person, action: Value, reason: &str) -> String {
    let (status, body) = request_action(t, who, &action.to_string(), reason).await;
    requested_id(status, &body)
}

/// Approves request `id` as `who`, carrying what their page showed.
async fn approve(t: &TestConsole, who: &Person, id: &str) -> (StatusCode, Value) {
    approve_saying(t, who, id, "agreed").await.1
}

async fn needs_approval(t: &TestConsole, who: &Person, kind: &str) -> bool {
    let rows = get_ok(t, who, "/api/approvals/policy").await;
    rows.as_array()
        .expect("policy rows")
        .iter()
        .find(|row| row["kind"] == kind)
        .map(|row| row["needs_approval"] == json!(true))
        .expect("kind listed")
}

async fn role_of(t: &TestConsole, email: &str) -> Option<String> {
    sqlx::query_scalar("SELECT role FROM console_users WHERE lower(email) = lower($1)")
        .bind(email)
        .fetch_optional(&t.db().await)
        .await
        .expect("role")
}

/// A simulator user who is not an admin, inside the enterprise's email domain (so Airtable
/// will make them one), `skip` such users in.
fn insider(t: &TestConsole, skip: usize) -> airtable_sim::SimPerson {
    let info = t.sim().info();
    let domain = info.admins[0]
        .email
        .rsplit_once('@')
        .map(|(_, d)| d.to_string())
        .unwrap_or_default();
    info.non_admins
        .iter()
        .filter(|u| u.email.ends_with(&format!("@{domain}")))
        .nth(skip)
        .cloned()
        .expect("enough users in the enterprise's domain")
}

async fn rule_holds(t: &TestConsole, who: &Person) -> bool {
    let (_, me) = get(t, who, "/api/whoami").await;
    me["two_person_rule"]
        .as_bool()
        .expect("whoami says whether the rule holds")
}

#[tokio::test]
async fn an_admin_alone_cannot_make_a_deletion_happen() {
    let t = TestConsole::start().await;
    let admin = sign_in_person(&t, &email_of(&t, 0), Role::Admin).await;
    let operator = sign_in_person(&t, &email_of(&t, 1), Role::Operator).await;
    let second_admin = sign_in_person(&t, &email_of(&t, 2), Role::Admin).await;

    // Deletions are locked: the form's "no" is refused, and so is a hand-made request.
    for kind in [
        "delete_user",
        "delete_users_by_email",
        "remove_user_from_enterprise",
        "delete_base",
        "delete_workspace",
        "revoke_personal_access_tokens",
    ] {
        let (status, body) = post(
            &t,
            &admin,
            "/api/approvals/policy/set",
            &[("kind", kind), ("needs_approval", "no")],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{kind}: {body}");
        assert!(needs_approval(&t, &admin, kind).await, "{kind}");
    }
    let forged = json!({ "kind": "exempt_from_approval", "exempted": "delete_user" }).to_string();
    let (status, _) = request_action(&t, &admin, &forged, "just this once").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A policy row written behind the console's back does not exempt a locked kind either.
    execute_sql(
        &t,
        "INSERT INTO approval_policy (kind, needs_approval, updated_by) VALUES ('delete_user', FALSE, 'sql')",
    )
    .await;
    let target = t.sim().info().non_admins[0].id.to_string();
    let delete = json!({ "kind": "delete_user", "user": target }).to_string();
    // (Asked by the admin: even their own deletion waits for someone else.)
    let (status, body) = request_action(&t, &admin, &delete, "left").await;
    requested_id(status, &body);
    let (_, policy) = get(&t, &admin, "/api/approvals/policy").await;
    let row = policy
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["kind"] == "delete_user"))
        .cloned()
        .expect("delete_user listed");
    assert_eq!(row["locked"], json!(true));
    assert_eq!(row["needs_approval"], json!(true));

    // Exempting another kind is a request: not the same admin, not an operator or
    // approver, only a second admin can approve it.
    let body = set_policy(&t, &admin, "deactivate_user", "no").await;
    let exemption = requested_id(StatusCode::OK, &body);
    assert!(needs_approval(&t, &admin, "deactivate_user").await);
    let (status, _) = approve(&t, &admin, &exemption).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not by the admin who asked");
    set_role(&t, &email_of(&t, 1), Role::Approver).await;
    let (status, body) = approve(&t, &operator, &exemption).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not by an approver: {body}");
    assert!(body.to_string().contains("second admin"), "{body}");
    // An operator cannot even ask for an exemption.
    set_role(&t, &email_of(&t, 1), Role::Operator).await;
    let exempt = json!({ "kind": "exempt_from_approval", "exempted": "disable_share" }).to_string();
    let (status, _) = request_action(&t, &operator, &exempt, "faster").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The badge counts the exemption for the second admin (with the deletion waiting),
    // not for an approver (only the deletion).
    assert_eq!(
        get(&t, &second_admin, "/api/approvals/waiting").await.1,
        json!(2)
    );
    let approver = sign_in_person(&t, &email_of(&t, 1), Role::Approver).await;
    assert_eq!(
        get(&t, &approver, "/api/approvals/waiting").await.1,
        json!(1)
    );
    let (status, body) = approve(&t, &second_admin, &exemption).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(request_status(&t, &exemption).await, "succeeded");
    assert!(!needs_approval(&t, &admin, "deactivate_user").await);

    // Tightening is immediate.
    let body = set_policy(&t, &admin, "deactivate_user", "yes").await;
    assert!(body["Done"].is_object(), "{body}");
    assert!(needs_approval(&t, &admin, "deactivate_user").await);
}

#[tokio::test]
async fn console_roles_and_airtable_admin_access_are_granted_through_approval() {
    let t = TestConsole::start().await;
    let admin = sign_in_person(&t, &email_of(&t, 0), Role::Admin).await;
    let second_admin = sign_in_person(&t, &email_of(&t, 2), Role::Admin).await;
    let operator_email = email_of(&t, 1);
    let operator = sign_in_person(&t, &operator_email, Role::Operator).await;
    assert!(rule_holds(&t, &admin).await, "two admins: the rule holds");

    // Approver and admin roles: a request for a second admin.
    for (role, before) in [("approver", "operator"), ("admin", "approver")] {
        let (status, body) = post(
            &t,
            &admin,
            "/api/roles/grant",
            &[("person", &operator_email), ("role", role)],
        )
        .await;
        let id = requested_id(status, &body);
        assert_eq!(role_of(&t, &operator_email).await.as_deref(), Some(before));
        if role == "admin" {
            // The person it is for cannot approve it, whatever their role.
            set_role(&t, &operator_email, Role::Admin).await;
            let (status, body) = approve(&t, &operator, &id).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
            set_role(&t, &operator_email, Role::Approver).await;
        }
        let (status, body) = approve(&t, &second_admin, &id).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(role_of(&t, &operator_email).await.as_deref(), Some(role));
    }
    // Lowering a role, and the viewer and operator roles, happen at once.
    let body = post_ok(
        &t,
        &admin,
        "/api/roles/grant",
        &[("person", &operator_email), ("role", "operator")],
    )
    .await;
    assert!(body["Done"].is_object(), "{body}");
    assert_eq!(
        role_of(&t, &operator_email).await.as_deref(),
        Some("operator")
    );

    // Airtable admin access, for one user: a request an approver (not the beneficiary)
    // approves; nothing changes in Airtable before.
    let airtable = sim_client(&t);
    let ent = enterprise(&t);
    let newcomer: airtable_client::ids::UserId = insider(&t, 0).id.parse().expect("usr");
    let grant = json!({ "kind": "grant_admin_access", "user": newcomer }).to_string();
    let (status, body) = request_action(&t, &operator, &grant, "new IT hire").await;
    let id = requested_id(status, &body);
    let is_admin = |found: Vec<airtable_client::models::User>| {
        found.first().and_then(|u| u.is_admin).unwrap_or(false)
    };
    let before = airtable
        .enterprise(&ent)
        .users()
        .by_ids([newcomer.clone()])
        .send()
        .await
        .expect("user");
    assert!(!is_admin(before));
    let (status, body) = approve(&t, &second_admin, &id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let after = airtable
        .enterprise(&ent)
        .users()
        .by_ids([newcomer.clone()])
        .send()
        .await
        .expect("user");
    assert!(is_admin(after), "granted once approved");

    // In bulk: one request per user, nobody made admin yet.
    let picked: Vec<String> = [insider(&t, 1), insider(&t, 2)]
        .iter()
        .map(|u| u.id.to_string())
        .collect();
    let mut form: Vec<(&str, &str)> = vec![("kind", "grant_admin"), ("reason", "IT team")];
    for user in &picked {
        form.push(("users[]", user));
    }
    let (status, body) = post(&t, &operator, "/api/users/bulk/start", &form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let open: i64 = {
        let mut waited = 0;
        loop {
            let open = pending_requests(&t, "grant_admin_access").await;
            if open == 2 || waited > 100 {
                break open;
            }
            waited += 1;
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    };
    assert_eq!(open, 2, "one request per user");
    let found = airtable
        .enterprise(&ent)
        .users()
        .by_ids(
            picked
                .iter()
                .map(|u| u.parse::<airtable_client::ids::UserId>().expect("usr")),
        )
        .send()
        .await
        .expect("users");
    assert!(found.iter().all(|u| !u.is_admin.unwrap_or(false)));
}

#[tokio::test]
async fn one_admin_names_the_second_then_the_rule_holds_for_good() {
    let t = TestConsole::start().await;
    // Demo mode: one admin, an operator and an approver. Bootstrap: the rule cannot hold.
    let admin = sign_in_person(&t, &email_of(&t, 0), Role::Admin).await;
    assert!(!rule_holds(&t, &admin).await);
    let page = page_html(&t, &admin, "/users").await;
    assert!(
        page.contains("two-person-rule-off") && page.contains("cannot hold yet"),
        "every page says so"
    );

    // The one admin names a second admin alone; from then on the rule holds.
    let second = email_of(&t, 2);
    let body = post_ok(
        &t,
        &admin,
        "/api/roles/grant",
        &[("person", &second), ("role", "admin")],
    )
    .await;
    assert!(body["Done"].is_object(), "bootstrap grants at once: {body}");
    assert_eq!(role_of(&t, &second).await.as_deref(), Some("admin"));
    assert!(rule_holds(&t, &admin).await);

    // Taking the second admin's role away again does not switch it off.
    let second_id = t.sim().info().admins[2].id.to_string();
    post_ok(
        &t,
        &admin,
        "/api/roles/revoke",
        &[("airtable_user_id", &second_id)],
    )
    .await;
    assert!(rule_holds(&t, &admin).await, "the rule holds for good");
    let (status, body) = post(
        &t,
        &admin,
        "/api/roles/grant",
        &[("person", &email_of(&t, 1)), ("role", "approver")],
    )
    .await;
    requested_id(status, &body);
    // Nor does deleting the record of it, even with SQL.
    let removed = sqlx::query("DELETE FROM two_person_rule")
        .execute(&t.db().await)
        .await;
    assert!(removed.is_err(), "the rule's row cannot be deleted");
}

/// Two admins made some other way than a grant (a restore of the database, a row written by
/// hand) arm the rule at the next page view: the session check arms it, so no page says
/// "off" while two admins exist, and it holds for good from then on.
#[tokio::test]
async fn two_admins_made_by_hand_arm_the_rule_at_the_next_page_view() {
    let t = TestConsole::start().await;
    let admin = sign_in_person(&t, &email_of(&t, 0), Role::Admin).await;
    let approver = sign_in_person(&t, &email_of(&t, 2), Role::Approver).await;
    assert!(
        !rule_holds(&t, &admin).await,
        "one admin: the rule cannot hold"
    );
    let armed = || async {
        sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM two_person_rule)")
            .fetch_one(&t.db().await)
            .await
            .expect("the rule's row")
    };
    assert!(!armed().await, "looking did not arm it");

    set_role(&t, &email_of(&t, 2), Role::Admin).await;
    assert!(!armed().await, "a hand-made grant writes no rule");
    let page = page_html(&t, &approver, "/users").await;
    assert!(
        !page.contains("two-person-rule-off"),
        "the first page view after it already shows the rule holding"
    );
    assert!(armed().await, "the page view armed the rule");
    set_role(&t, &email_of(&t, 2), Role::Approver).await;
    assert!(rule_holds(&t, &admin).await, "and it holds for good");
}

#[tokio::test]
async fn a_revoked_person_stays_revoked_at_their_next_sign_in() {
    // The simulator's people are the same for the same seed: learn the first admin's email,
    // then start the console that names them CONSOLE_FIRST_ADMIN.
    let first = email_of(&TestConsole::start().await, 0);
    let t = TestConsole::start_with(&[
        ("CONSOLE_DEFAULT_ROLE", "viewer"),
        ("CONSOLE_FIRST_ADMIN", &first),
    ])
    .await;
    assert_eq!(email_of(&t, 0), first);
    let other_admin = sign_in_person(&t, &email_of(&t, 2), Role::Admin).await;
    let first_id = t.sim().info().admins[0].id.to_string();
    let browser = t.browser();
    assert_eq!(t.sign_in(&browser, &first).await, "/");
    post_ok(
        &t,
        &other_admin,
        "/api/roles/revoke",
        &[("airtable_user_id", &first_id)],
    )
    .await;
    // Even with no admin left at all (the first-admin bootstrap would apply), and a
    // default role configured, the revoked person gets nothing.
    set_role(&t, &email_of(&t, 2), Role::Operator).await;
    let again = t.browser();
    assert_eq!(
        t.sign_in(&again, &first).await,
        "/signin?error=no_role",
        "revoked stays revoked"
    );
    assert_eq!(role_of(&t, &first).await, None);

    // The default role is given once, not again after a revocation.
    let airtable = sim_client(&t);
    let newcomer = insider(&t, 0);
    airtable
        .enterprise(&enterprise(&t))
        .users()
        .grant_admin([UserRef::Id {
            id: newcomer.id.parse().expect("usr"),
        }])
        .await
        .expect("grant in Airtable");
    let browser = t.browser();
    assert_eq!(t.sign_in(&browser, &newcomer.email).await, "/");
    assert_eq!(
        role_of(&t, &newcomer.email).await.as_deref(),
        Some("viewer")
    );
    set_role(&t, &email_of(&t, 2), Role::Admin).await;
    post_ok(
        &t,
        &other_admin,
        "/api/roles/revoke",
        &[("airtable_user_id", &newcomer.id)],
    )
    .await;
    let again = t.browser();
    assert_eq!(
        t.sign_in(&again, &newcomer.email).await,
        "/signin?error=no_role"
    );
}

#[tokio::test]
async fn deciding_needs_a_recent_sign_in_and_the_call_hash_that_was_shown() {
    let t = TestConsole::start().await;
    let operator = sign_in_person(&t, &email_of(&t, 1), Role::Operator).await;
    let approver_email = email_of(&t, 2);
    let approver = sign_in_person(&t, &approver_email, Role::Approver).await;
    let target = t.sim().info().non_admins[0].id.to_string();
    let id = ask(
        &t,
        &operator,
        json!({ "kind": "deactivate_user", "user": target }),
        "left",
    )
    .await;

    // A sign-in older than CONSOLE_APPROVAL_REAUTH_MINUTES (10) cannot decide.
    sqlx::query(
        "UPDATE logins SET created_at = now() - interval '11 minutes'
          WHERE airtable_user_id = (SELECT airtable_user_id FROM console_users WHERE lower(email) = lower($1))",
    )
    .bind(&approver_email)
    .execute(&t.db().await)
    .await
    .expect("age the sign-in");
    let (_, detail) = get(&t, &approver, &format!("/api/approvals/get?id={id}")).await;
    assert_eq!(detail["sign_in_again"], json!(true), "{detail}");
    assert_eq!(detail["can_decide"], json!(false));
    let (status, body) = approve(&t, &approver, &id).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(
        body["SignInAgain"]["return_to"],
        json!(format!("/approvals/{id}"))
    );
    let (status, _) = reject(&t, &approver, &id, "no").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(request_status(&t, &id).await, "pending");

    // Signing in again comes back to the request.
    let response = get_response(
        &t,
        &approver.browser,
        &format!("/auth/login?return_to=/approvals/{id}"),
    )
    .await;
    assert!(response.status().is_redirection());
    let authorize = common::location(&response);
    let callback = t
        .approve_at_sim(&approver.browser, &authorize, &approver_email)
        .await;
    assert_eq!(
        t.follow_callback(&approver.browser, &callback).await,
        format!("/approvals/{id}")
    );
    let (_, me) = get(&t, &approver, "/api/whoami").await;
    let approver = Person {
        csrf: me["csrf_token"].as_str().expect("csrf").to_string(),
        ..approver
    };

    // A decision on another call than the stored one is refused, and nothing happens.
    let (_, detail) = get(&t, &approver, &format!("/api/approvals/get?id={id}")).await;
    assert_eq!(detail["can_decide"], json!(true), "{detail}");
    let fingerprint = detail["compared_fingerprint"].as_str().unwrap_or_default();
    let (status, body) = post(
        &t,
        &approver,
        "/api/approvals/approve",
        &[
            ("id", &id),
            ("call_hash", &"0".repeat(64)),
            ("fingerprint", fingerprint),
            ("comment", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(request_status(&t, &id).await, "pending");
    let (status, body) = approve(&t, &approver, &id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(request_status(&t, &id).await, "succeeded");
}

#[tokio::test]
async fn a_failed_request_can_be_retried_only_within_its_ttl() {
    let t = TestConsole::start().await;
    let operator = sign_in_person(&t, &email_of(&t, 1), Role::Operator).await;
    let approver = sign_in_person(&t, &email_of(&t, 2), Role::Approver).await;
    let target = t.sim().info().non_admins[0].id.to_string();
    let id = ask(
        &t,
        &operator,
        json!({ "kind": "deactivate_user", "user": target }),
        "left",
    )
    .await;
    // As if it had been approved long ago and failed; its TTL has now run out.
    sqlx::query(
        "UPDATE approval_requests SET status = 'failed', outcome = 'Airtable was down',
                decided_by_id = 'usrSomeone', decided_at = now() - interval '2 days',
                expires_at = now() - interval '1 minute'
          WHERE id = $1::uuid",
    )
    .bind(&id)
    .execute(&t.db().await)
    .await
    .expect("fail it");
    let (_, detail) = get(&t, &approver, &format!("/api/approvals/get?id={id}")).await;
    // Reading it expires it: the sweep runs before every read.
    assert_eq!(detail["can_retry"], json!(false), "{detail}");
    assert_eq!(request_status(&t, &id).await, "expired");
    let (status, _) = post(
        &t,
        &approver,
        "/api/approvals/retry",
        &[
            ("id", &id),
            (
                "call_hash",
                detail["call_hash"].as_str().unwrap_or_default(),
            ),
            ("fingerprint", ""),
            ("comment", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        times_logged(&t, "deactivate_user").await,
        0,
        "never carried out"
    );
}

#[tokio::test]
async fn ended_sign_ins_lose_their_airtable_tokens() {
    let t = TestConsole::start().await;
    let db = t.db().await;
    let mut people = Vec::new();
    for n in 0..3 {
        people.push(sign_in_person(&t, &email_of(&t, n), Role::Viewer).await);
    }
    let ids: Vec<String> = (0..3)
        .map(|n| t.sim().info().admins[n].id.to_string())
        .collect();
    // One timed out (absolute), one idle for too long, one in use.
    sqlx::query(
        "UPDATE logins SET expires_at = now() - interval '1 minute' WHERE airtable_user_id = $1",
    )
    .bind(&ids[0])
    .execute(&db)
    .await
    .expect("expire");
    sqlx::query(
        "UPDATE logins SET last_seen_at = now() - interval '31 minutes' WHERE airtable_user_id = $1",
    )
    .bind(&ids[1])
    .execute(&db)
    .await
    .expect("idle");
    let wiped = console_core::tokens::logins::wipe_ended(&db, std::time::Duration::from_secs(1800))
        .await
        .expect("sweep");
    assert_eq!(wiped, 2);
    for (n, id) in ids.iter().enumerate() {
        let (tokens, ended): (i64, bool) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE length(access_token) > 0 OR refresh_token IS NOT NULL),
                    bool_and(ended_at IS NOT NULL)
               FROM logins WHERE airtable_user_id = $1",
        )
        .bind(id)
        .fetch_one(&db)
        .await
        .expect("login");
        if n < 2 {
            assert_eq!((tokens, ended), (0, true), "person {n}");
        } else {
            assert_eq!((tokens, ended), (1, false), "person {n} is still signed in");
        }
    }
    // The person in use still works; the others are sent to sign in.
    assert_eq!(get(&t, &people[2], "/api/whoami").await.0, StatusCode::OK);
    let (_, me) = get(&t, &people[1], "/api/whoami").await;
    assert_eq!(me, Value::Null, "an ended sign-in is nobody");
}
