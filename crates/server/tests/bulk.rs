//! Bulk actions on users over real HTTP, against the simulator and a fresh database: a job
//! changes the simulator as its rows say, one failing user does not stop the others,
//! destructive kinds become one approval request per user (never a change), the CSV lists
//! every row, a viewer cannot make a job, and a console that stopped mid-way reports the
//! cut-off users as interrupted when it carries the job on, instead of re-running them.

mod common;

use std::time::Duration;

use airtable_client::{
    ids::UserId,
    models::{User, UserState},
};
use common::session::{
    count_of, create_scim_users, deactivate_at_sim, execute_sql, get, get_ok, get_response,
    page_html, pending_requests, post, sign_in_as, sign_in_person, sign_out_everywhere,
    sim_users_by_id, take_snapshot, Person,
};
use common::{header_text, TestConsole};
use console_app::{api::Role, bulk::BulkKind};
use reqwest::{header, StatusCode};
use serde_json::Value;

/// The simulator's user `id`, if it still has them.
async fn sim_user(t: &TestConsole, id: &UserId) -> Option<User> {
    sim_users_by_id(t, std::slice::from_ref(id))
        .await
        .into_iter()
        .next()
}

/// A well-formed ID no one has: Airtable refuses it per row.
const NOBODY: &str = "usrNobodyNobody01";

/// Posts the bulk form as the page would; returns the job id (from the redirect or body).
async fn start_job(
    t: &TestConsole,
    who: &Person,
    kind: BulkKind,
    users: &[&str],
    extra: &[(&str, &str)],
) -> (StatusCode, Result<String, Value>) {
    let mut form: Vec<(&str, &str)> = vec![("kind", kind.as_str())];
    for user in users {
        form.push(("users[]", user));
    }
    form.extend_from_slice(extra);
    let (status, body) = post(t, who, "/api/users/bulk/start", &form).await;
    match body.as_str() {
        Some(id) if status.is_success() || status.is_redirection() => (status, Ok(id.to_string())),
        _ => (status, Err(body)),
    }
}

/// Reads the job until no row is pending and the runner has marked it finished (or 30 s
/// pass). (The last row's outcome is stored a moment before the job's end.)
async fn finished_job(t: &TestConsole, who: &Person, id: &str) -> Value {
    for _ in 0..300 {
        let job = get_ok(t, who, &format!("/api/users/bulk/get?id={id}")).await;
        if job["counts"]["pending"] == 0 && job["finished_at"].is_string() {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("bulk job {id} did not finish");
}

fn item<'a>(job: &'a Value, user: &str) -> &'a Value {
    job["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["user_id"] == user)
        .unwrap_or_else(|| panic!("no row for {user} in {job}"))
}

#[tokio::test]
async fn a_job_changes_the_simulator_as_each_row_says_and_one_failure_does_not_stop_the_others() {
    let t = TestConsole::start().await;
    let operator = sign_in_as(&t, Role::Operator).await;
    let users = create_scim_users(&t, "Bulkgrant", 3).await;
    take_snapshot(&t).await;

    // Granting admin access is as powerful as anything the console guards: each user
    // becomes an approval request (a reason is required), nobody is made admin yet, and an
    // ID Airtable does not know fails alone.
    let mut picked: Vec<&str> = users.iter().map(UserId::as_str).collect();
    picked.insert(1, NOBODY);
    let (status, refused) = start_job(&t, &operator, BulkKind::GrantAdmin, &picked, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused:?}");
    let (status, id) = start_job(
        &t,
        &operator,
        BulkKind::GrantAdmin,
        &picked,
        &[("reason", "new IT team")],
    )
    .await;
    assert!(status.is_success() || status.is_redirection(), "{status}");
    let id = id.expect("a job id");
    let job = finished_job(&t, &operator, &id).await;
    assert_eq!(job["counts"]["total"], 4, "{job}");
    assert_eq!(job["counts"]["waiting"], 3, "{job}");
    assert_eq!(job["counts"]["failed"], 1, "{job}");
    assert_eq!(job["kind"], "grant_admin");
    assert!(job["finished_at"].is_string(), "{job}");
    assert_eq!(item(&job, NOBODY)["status"], "failed");
    for user in &users {
        let row = item(&job, user.as_str());
        assert_eq!(row["status"], "approval_requested", "{row}");
        assert!(row["approval_id"].is_string(), "{row}");
        assert!(
            row["email"]
                .as_str()
                .is_some_and(|e| e.starts_with("bulkgrant.")),
            "{row}"
        );
        let now = sim_user(&t, user).await.expect("still there");
        assert_ne!(
            now.is_admin,
            Some(true),
            "{user} is not an admin before approval"
        );
    }
    assert_eq!(pending_requests(&t, "grant_admin_access").await, 3);

    // Reactivate someone deactivated outside the console.
    deactivate_at_sim(&t, &users[0]).await;
    let (_, id) = start_job(
        &t,
        &operator,
        BulkKind::Reactivate,
        &[users[0].as_str()],
        &[],
    )
    .await;
    let job = finished_job(&t, &operator, &id.expect("job")).await;
    assert_eq!(job["counts"]["done"], 1, "{job}");
    assert_eq!(
        sim_user(&t, &users[0]).await.expect("user").state,
        UserState::Provisioned
    );

    // Claim as unmanaged, then log out (one call per user): the unknown one fails alone.
    let (_, id) = start_job(&t, &operator, BulkKind::ClaimUnmanaged, &picked, &[]).await;
    let job = finished_job(&t, &operator, &id.expect("job")).await;
    assert_eq!(job["counts"]["done"], 3, "{job}");
    for user in &users {
        assert_eq!(
            sim_user(&t, user).await.expect("user").is_managed,
            Some(false)
        );
    }
    let (_, id) = start_job(&t, &operator, BulkKind::Logout, &picked, &[]).await;
    let job = finished_job(&t, &operator, &id.expect("job")).await;
    assert_eq!(job["counts"]["done"], 3, "{job}");
    assert_eq!(job["counts"]["failed"], 1, "{job}");
    assert!(item(&job, NOBODY)["result"]
        .as_str()
        .is_some_and(|r| r.contains("Airtable does not know it")));

    // "All users matching this filter" is resolved now, on the server, from the snapshot
    // (the page number the form carried does not narrow it).
    let (_, id) = start_job(
        &t,
        &operator,
        BulkKind::ClaimManaged,
        &[],
        &[
            ("all_matching", "yes"),
            ("filter[q]", "BULKGRANT"),
            ("filter[sort]", "-name"),
            ("filter[page]", "7"),
        ],
    )
    .await;
    let job = finished_job(&t, &operator, &id.expect("job")).await;
    assert_eq!(job["counts"]["total"], 3, "{job}");
    assert_eq!(job["counts"]["done"], 3, "{job}");
    assert_eq!(
        job["items"][0]["user_id"],
        users[2].as_str(),
        "in the view's order"
    );
    assert!(
        job["selection"]
            .as_str()
            .is_some_and(|s| s.contains("name, email or ID contains \"BULKGRANT\"")),
        "{job}"
    );
    for user in &users {
        assert_eq!(
            sim_user(&t, user).await.expect("user").is_managed,
            Some(true)
        );
    }
    // The snapshot was taken before the grant: nobody named Bulkgrant was an admin then.
    let (status, body) = start_job(
        &t,
        &operator,
        BulkKind::ClaimManaged,
        &[],
        &[
            ("all_matching", "yes"),
            ("filter[q]", "bulkgrant"),
            ("filter[admin]", "yes"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:?}");
    assert!(format!("{body:?}").contains("No user matches"), "{body:?}");

    // The form says, in words and with the count, the filter the table was shown with
    // (not the filter form's fields), and carries that count: a filter that matches
    // another number of users by the time the job starts starts nothing.
    let (status, html) = get(&t, &operator, "/users?q=bulkgrant&state=provisioned").await;
    assert_eq!(status, StatusCode::OK);
    let html = html.as_str().unwrap_or_default().to_string();
    assert!(
        html.contains(r#"The table's filter: <!>name, email or ID contains "bulkgrant"; state: provisioned</p>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"name="expected_total" value="3""#),
        "{html}"
    );
    let (status, body) = start_job(
        &t,
        &operator,
        BulkKind::ClaimManaged,
        &[],
        &[
            ("all_matching", "yes"),
            ("filter[q]", "bulkgrant"),
            ("expected_total", "7"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body:?}");
    assert!(
        format!("{body:?}").contains("now matches 3 users, not the 7 you were shown"),
        "{body:?}"
    );
}

#[tokio::test]
async fn destructive_kinds_become_approval_requests_and_never_changes() {
    let t = TestConsole::start().await;
    let operator = sign_in_as(&t, Role::Operator).await;
    let users = create_scim_users(&t, "Bulkdelete", 2).await;
    take_snapshot(&t).await;
    let picked: Vec<&str> = users.iter().map(UserId::as_str).collect();

    // A reason is required.
    let (status, body) = start_job(&t, &operator, BulkKind::Delete, &picked, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:?}");
    assert!(format!("{body:?}").contains("say why"), "{body:?}");

    let reason = [("reason", "Leavers of November")];
    let (_, id) = start_job(&t, &operator, BulkKind::Delete, &picked, &reason).await;
    let job = finished_job(&t, &operator, &id.expect("job")).await;
    assert_eq!(job["counts"]["waiting"], 2, "{job}");
    let db = t.db().await;
    let mut requests = Vec::new();
    for user in &users {
        let row = item(&job, user.as_str());
        assert_eq!(row["status"], "approval_requested", "{row}");
        let request = row["approval_id"].as_str().expect("a request").to_string();
        let (kind, target, status, reason): (String, String, String, String) = sqlx::query_as(
            "SELECT kind, target, status, reason FROM approval_requests WHERE id = $1::uuid",
        )
        .bind(&request)
        .fetch_one(&db)
        .await
        .expect("the request");
        assert_eq!(
            (kind.as_str(), target.as_str(), status.as_str()),
            ("delete_user", user.as_str(), "pending")
        );
        assert_eq!(reason, "Leavers of November");
        assert!(sim_user(&t, user).await.is_some(), "{user} is not deleted");
        requests.push(request);
    }

    // Asking again: one open request per user and action, so each is "already waiting".
    let (_, id) = start_job(&t, &operator, BulkKind::Delete, &picked, &reason).await;
    let again = finished_job(&t, &operator, &id.expect("job")).await;
    for (user, request) in users.iter().zip(&requests) {
        let row = item(&again, user.as_str());
        assert_eq!(row["status"], "already_waiting", "{row}");
        assert_eq!(row["approval_id"], request.as_str());
    }
    let open: i64 = sqlx::query_scalar("SELECT count(*) FROM approval_requests")
        .fetch_one(&db)
        .await
        .expect("count");
    assert_eq!(open, 2);

    // An admin exempted deactivation: done at once, still through the workflow (logged).
    execute_sql(
        &t,
        "INSERT INTO approval_policy (kind, needs_approval, updated_by) VALUES ('deactivate_user', false, 'test')",
    )
    .await;
    let (_, id) = start_job(&t, &operator, BulkKind::Deactivate, &picked[..1], &reason).await;
    let job = finished_job(&t, &operator, &id.expect("job")).await;
    assert_eq!(item(&job, picked[0])["status"], "done", "{job}");
    assert_eq!(
        sim_user(&t, &users[0]).await.expect("user").state,
        UserState::Deactivated
    );
}

#[tokio::test]
async fn the_csv_lists_every_row_and_the_page_works_without_wasm() {
    let t = TestConsole::start().await;
    let operator = sign_in_as(&t, Role::Operator).await;
    let users = create_scim_users(&t, "Bulkcsv", 3).await;
    take_snapshot(&t).await;
    let mut picked: Vec<&str> = users.iter().map(UserId::as_str).collect();
    picked.push(NOBODY);

    // A plain form post, as a browser without wasm sends it: redirected to the job's page.
    let mut form: Vec<(&str, &str)> = vec![
        ("csrf_token", operator.csrf.as_str()),
        ("kind", "claim_unmanaged"),
    ];
    for user in &picked {
        form.push(("users[]", user));
    }
    let response = operator
        .browser
        .post(t.url("/api/users/bulk/start"))
        .header(header::ORIGIN, t.console.url())
        .header(header::REFERER, t.url("/users"))
        .header(header::ACCEPT, "text/html")
        .form(&form)
        .send()
        .await
        .expect("post");
    assert!(response.status().is_redirection(), "{}", response.status());
    let page = common::location(&response);
    let id = page
        .strip_prefix("/users/bulk/")
        .expect("the job's page")
        .to_string();
    let job = finished_job(&t, &operator, &id).await;
    assert_eq!(job["counts"]["total"], 4);

    let html = page_html(&t, &operator, &page).await;
    assert!(html.contains("<progress"), "{html}");
    assert!(html.contains("Release as unmanaged"), "{html}");
    assert!(
        !html.contains("http-equiv"),
        "a finished job does not refresh itself"
    );
    assert!(html.contains(&format!("/users/bulk/{id}/results.csv")));

    // Any viewer may read the job and download its results.
    let viewer = sign_in_as(&t, Role::Viewer).await;
    let response = get_response(
        &t,
        &viewer.browser,
        &format!("/users/bulk/{id}/results.csv"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = header_text(&response, header::CONTENT_TYPE);
    assert!(content_type.is_some_and(|v| v.starts_with("text/csv")));
    let csv = response.text().await.expect("csv body");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 5, "{csv}");
    assert!(lines[0].starts_with("user_id,email,name,status,result"));
    for user in &picked {
        assert!(lines.iter().any(|l| l.starts_with(user)), "{user}: {csv}");
    }
    assert!(csv.contains("failed") && csv.contains("done"), "{csv}");
    let missing = get_response(
        &t,
        &viewer.browser,
        "/users/bulk/00000000-0000-0000-0000-000000000000/results.csv",
    )
    .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let anonymous = get_response(&t, &t.browser(), &format!("/users/bulk/{id}/results.csv")).await;
    assert!(anonymous.status().is_client_error() || anonymous.status().is_redirection());
}

#[tokio::test]
async fn a_viewer_cannot_make_a_job() {
    let t = TestConsole::start().await;
    let users = create_scim_users(&t, "Bulkviewer", 1).await;
    take_snapshot(&t).await;
    let viewer = sign_in_as(&t, Role::Viewer).await;
    let (status, body) = start_job(&t, &viewer, BulkKind::Logout, &[users[0].as_str()], &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body:?}");
    let jobs = count_of(&t, "SELECT count(*) FROM bulk_jobs").await;
    assert_eq!(jobs, 0);
    // Nor does the users page offer the form to a viewer.
    let html = page_html(&t, &viewer, "/users").await;
    assert!(html.contains("data-testid=\"users\""), "{html}");
    assert!(!html.contains("bulk-form"), "{html}");

    // Bad selections are plain-words errors.
    let operator = sign_in_as(&t, Role::Operator).await;
    for (users, extra, words) in [
        (vec![], vec![], "Tick at least one user"),
        (vec!["robert'); drop"], vec![], "not an Airtable user ID"),
        (
            vec![users[0].as_str()],
            vec![("kind", "explode")],
            "not a bulk action",
        ),
    ] {
        let mut form: Vec<(&str, &str)> = vec![];
        for user in &users {
            form.push(("users[]", user));
        }
        if extra.is_empty() {
            form.push(("kind", "logout"));
        }
        form.extend(extra);
        let (status, body) = post(&t, &operator, "/api/users/bulk/start", &form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.to_string().contains(words), "{words}: {body}");
    }
}

/// A job whose process stopped is carried on by a console that finds it unheld (here the
/// same console; `replicas.rs` kills a real process): the user whose call had started but
/// has no outcome is reported for a person to check and not re-run, the user never started
/// is done, the done one stays done.
#[tokio::test]
async fn a_restart_carries_on_a_job_and_reports_the_user_cut_off_mid_call() {
    let t = TestConsole::start().await;
    let users = create_scim_users(&t, "Bulkrestart", 3).await;
    let snapshot = take_snapshot(&t).await;
    let me = t.sim().info().admins[0].clone();
    // The maker signs in: the job is carried on with their authority.
    let _maker = sign_in_as(&t, Role::Admin).await;
    let db = t.db().await;
    let login: String = sqlx::query_scalar(
        "SELECT id::text FROM logins WHERE airtable_user_id = $1 AND ended_at IS NULL
          ORDER BY created_at DESC LIMIT 1",
    )
    .bind(&me.id)
    .fetch_one(&db)
    .await
    .expect("the maker's sign-in");

    // A job as a console left it when it stopped: the first user done, the second's call
    // started with no outcome recorded, the third never started.
    let id = uuid::Uuid::new_v4();
    let targets: Vec<console_core::bulk::store::Target> = users
        .iter()
        .map(|u| console_core::bulk::store::Target {
            user_id: u.to_string(),
            email: String::new(),
            name: String::new(),
        })
        .collect();
    console_core::bulk::store::create(
        &db,
        console_core::bulk::store::NewJob {
            id,
            kind: BulkKind::Reactivate,
            reason: "",
            selection: "3 users ticked on the users page",
            snapshot_id: Some(snapshot),
            created_by_id: &me.id,
            created_by_email: &me.email,
            created_by_name: &me.name,
            created_by_login: Some(&login),
        },
        &targets,
    )
    .await
    .expect("store the job");
    let claimed =
        console_core::bulk::store::start_items(&db, id, &[users[0].as_str(), users[1].as_str()])
            .await
            .expect("two calls started");
    assert_eq!(claimed.len(), 2);
    // A row whose call was started is never claimed again, by any runner.
    let again = console_core::bulk::store::start_items(&db, id, &[users[1].as_str()])
        .await
        .expect("claim again");
    assert!(again.is_empty(), "{again:?}");
    console_core::bulk::store::finish_item(
        &db,
        id,
        users[0].as_str(),
        &console_core::bulk::store::Finished::done("Reactivated."),
    )
    .await
    .expect("first row done");

    // No process holds the job: the console's resumer takes it and carries it on.
    let again = &t;
    let viewer = sign_in_person(again, &t.sim().info().admins[1].email, Role::Viewer).await;
    let mut job = serde_json::Value::Null;
    for _ in 0..100 {
        let (status, body) = get(again, &viewer, &format!("/api/users/bulk/get?id={id}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        job = body;
        if job["finished_at"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        job["finished_at"].is_string(),
        "carried on to the end: {job}"
    );
    assert_eq!(job["counts"]["pending"], 0, "{job}");
    assert_eq!(job["counts"]["done"], 2, "{job}");
    assert_eq!(job["counts"]["interrupted"], 1, "{job}");
    let cut_off = item(&job, users[1].as_str());
    assert_eq!(cut_off["status"], "interrupted", "{cut_off}");
    assert!(cut_off["result"]
        .as_str()
        .is_some_and(|r| r.contains("not known whether Airtable made the change")));
    assert_eq!(item(&job, users[2].as_str())["status"], "done", "{job}");
    let html = page_html(again, &viewer, &format!("/users/bulk/{id}")).await;
    assert!(
        html.contains("interrupted — not retried automatically"),
        "{html}"
    );
    // The cut-off user's call was not made again: the action log has exactly one
    // reactivation, the third user's (the first was "done" before the restart).
    let claims: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM console_actions WHERE action = 'users.reactivate' AND target = ANY($1)",
    )
    .bind(vec![users[1].to_string(), users[2].to_string()])
    .fetch_one(&db)
    .await
    .expect("count claims");
    assert_eq!(claims, 1, "only the never-started user was reactivated");
}

async fn sim_faults(t: &TestConsole, rules: Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/_sim/faults", t.sim().base_url()))
        .json(&rules)
        .send()
        .await
        .expect("set faults");
    assert!(response.status().is_success());
}

#[tokio::test]
async fn a_job_outlives_its_page_and_a_sign_out_mid_way_fails_the_rest_in_plain_words() {
    let t = TestConsole::start().await;
    let operator = sign_in_as(&t, Role::Operator).await;
    let users = create_scim_users(&t, "Bulkslow", 6).await;
    take_snapshot(&t).await;
    // Each logout takes Airtable 2 s: four run at once, the last two wait their turn.
    sim_faults(
        &t,
        serde_json::json!({ "path": "*/logout", "latencyMs": 2000 }),
    )
    .await;
    let picked: Vec<&str> = users.iter().map(UserId::as_str).collect();
    let (_, id) = start_job(&t, &operator, BulkKind::Logout, &picked, &[]).await;
    let id = id.expect("job");
    // The request came back at once; the job runs on without anyone watching.
    let (_, running) = get(&t, &operator, &format!("/api/users/bulk/get?id={id}")).await;
    assert!(
        running["counts"]["pending"].as_i64().expect("pending") > 0,
        "{running}"
    );
    assert!(running["finished_at"].is_null());
    // Let the first four take their token and start their 2 s call (on a busy machine the
    // request above can come back before all four have): then the person signs out
    // everywhere, well before the last two users' turn.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let out = sign_out_everywhere(&t, &operator.browser, &operator.csrf).await;
    assert!(out.status().is_redirection());
    let viewer = sign_in_as(&t, Role::Viewer).await;
    let job = finished_job(&t, &viewer, &id).await;
    assert_eq!(job["counts"]["done"], 4, "{job}");
    assert_eq!(job["counts"]["failed"], 2, "{job}");
    for user in &users[4..] {
        let row = item(&job, user.as_str());
        assert!(
            row["result"]
                .as_str()
                .is_some_and(|r| r.contains("sign-in of the person who made this job ended")),
            "{row}"
        );
    }
}
