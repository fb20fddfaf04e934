//! Access reviews end to end over the simulator and the real HTTP server: a campaign over
//! external collaborators frozen from a fresh snapshot, bad input refused, self-review
//! refused, revoke decisions becoming approval requests made by the reviewer, a second
//! person approving them, the collaborators gone at Airtable, the campaign closed, and the
//! evidence pack listing exactly what happened with hashes that match `console_actions`;
//! reminders sent once however often they are evaluated; overdue items on the overview.

mod common;

use common::session::{
    approve, count_of, execute_sql, get, get_json, page_html, post, request_status, sign_in_person,
    sim_workspace_people, take_snapshot, Person,
};
use common::TestConsole;
use console_app::api::Role;
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};

fn day(offset: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(offset))
        .format("%Y-%m-%d")
        .to_string()
}

/// The demo's three admins as console admin, operator (the reviewer) and approver.
async fn cast(t: &TestConsole) -> (Person, Person, Person) {
    let people = t.sim().info().admins.clone();
    (
        sign_in_person(t, &people[0].email, Role::Admin).await,
        sign_in_person(t, &people[1].email, Role::Operator).await,
        sign_in_person(t, &people[2].email, Role::Approver).await,
    )
}

async fn create(
    t: &TestConsole,
    admin: &Person,
    name: &str,
    due: &str,
    reviewers: &[(&str, &str)],
    days: &str,
) -> (StatusCode, Value) {
    let mut form = vec![("name", name), ("due_date", due), ("inactive_days", days)];
    let fields = [
        ("admins", "reviewer_admins"),
        ("external", "reviewer_external"),
        ("tokens", "reviewer_tokens"),
        ("shares", "reviewer_shares"),
        ("inactive", "reviewer_inactive"),
    ];
    for (scope, field) in fields {
        let reviewer = reviewers
            .iter()
            .find(|(s, _)| *s == scope)
            .map_or("", |(_, r)| *r);
        form.push((field, reviewer));
    }
    post(t, admin, "/api/reviews/create", &form).await
}

async fn decide(
    t: &TestConsole,
    who: &Person,
    item: i64,
    decision: &str,
    comment: &str,
) -> (StatusCode, Value) {
    post(
        t,
        who,
        "/api/reviews/decide",
        &[
            ("item", &item.to_string()),
            ("decision", decision),
            ("comment", comment),
        ],
    )
    .await
}

async fn hash_of(t: &TestConsole, sql: &str) -> (i64, String) {
    sqlx::query_as(sql)
        .fetch_one(&t.db().await)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[tokio::test]
async fn a_campaign_over_external_collaborators_revokes_through_approval_and_the_evidence_matches()
{
    let t = TestConsole::start_with(&[("CONSOLE_DEMO_SIZE", "demo")]).await;
    let (admin, reviewer, approver) = cast(&t).await;

    // No snapshot yet: refused in words.
    let (status, body) = create(
        &t,
        &admin,
        "Q4",
        &day(10),
        &[("external", &reviewer.email)],
        "",
    )
    .await;
    assert!(status.is_client_error(), "{status}: {body}");
    assert!(body.to_string().contains("snapshot"), "{body}");
    take_snapshot(&t).await;

    // Bad input is refused in words and makes nothing.
    for (due, reviewers, days, words) in [
        (
            day(-1),
            vec![("external", reviewer.email.as_str())],
            "",
            "past",
        ),
        (day(10), vec![], "", "at least one scope"),
        (
            day(10),
            vec![("inactive", reviewer.email.as_str())],
            "2",
            "out of range",
        ),
        (
            day(10),
            vec![("external", "nobody@example.com")],
            "",
            "operator",
        ),
    ] {
        let (status, body) = create(&t, &admin, "Q4", &due, &reviewers, days).await;
        assert!(status.is_client_error(), "{status}: {body}");
        assert!(body.to_string().contains(words), "{words}: {body}");
    }
    assert_eq!(
        count_of(&t, "SELECT count(*) FROM review_campaigns").await,
        0
    );

    // Only an admin creates.
    let (status, _) = create(
        &t,
        &reviewer,
        "Q4",
        &day(10),
        &[("external", &reviewer.email)],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, body) = create(
        &t,
        &admin,
        "Q4 external collaborators",
        &day(10),
        &[("external", &reviewer.email)],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let campaign = body.as_i64().expect("the campaign's id");
    let expected = count_of(
        &t,
        "SELECT count(*) FROM snapshot_workspace_access a
           JOIN snapshot_users u ON u.snapshot_id = a.snapshot_id AND u.user_id = a.principal_id
          WHERE u.is_external",
    )
    .await;
    assert!(expected >= 3, "the demo has external collaborators");
    assert_eq!(
        count_of(
            &t,
            "SELECT count(*) FROM console_actions WHERE action = 'reviews.create'"
        )
        .await,
        1
    );

    let detail = get_json(&t, &reviewer, &format!("/api/reviews/get?id={campaign}")).await;
    let items = detail["items"].as_array().expect("items").clone();
    assert_eq!(items.len() as i64, expected);
    for item in &items {
        assert_eq!(item["reviewer_email"], reviewer.email.to_lowercase());
        assert_eq!(item["scope"], "external");
        assert_eq!(item["yours_to_decide"], true);
        assert!(item["events_url"]
            .as_str()
            .unwrap_or("")
            .starts_with("/audit?q="));
    }
    let id_of = |i: usize| items[i]["id"].as_i64().expect("item id");

    // A frozen copy: a later snapshot changes nothing.
    take_snapshot(&t).await;
    let again = get_json(&t, &reviewer, &format!("/api/reviews/get?id={campaign}")).await;
    assert_eq!(again["items"].as_array().map(Vec::len), Some(items.len()));

    // Self-review: an item about the reviewer is refused, and reassigning to the subject too.
    let subject_email = items[2]["subject_label"]
        .as_str()
        .expect("email")
        .to_string();
    let (status, body) = post(
        &t,
        &admin,
        "/api/reviews/reassign",
        &[
            ("item", &id_of(2).to_string()),
            ("reviewer", &subject_email),
        ],
    )
    .await;
    assert!(status.is_client_error(), "{body}");
    execute_sql(
        &t,
        &format!(
            "UPDATE review_items SET person_email = lower('{}') WHERE id = {}",
            reviewer.email,
            id_of(2)
        ),
    )
    .await;
    let (status, body) = decide(&t, &reviewer, id_of(2), "keep", "fine").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.to_string().contains("about you"), "{body}");
    let (status, body) = post(
        &t,
        &admin,
        "/api/reviews/reassign",
        &[
            ("item", &id_of(2).to_string()),
            ("reviewer", &reviewer.email),
        ],
    )
    .await;
    assert!(status.is_client_error(), "{body}");
    assert!(body.to_string().contains("about them"), "{body}");
    // Someone else's item is not yours to decide.
    let (status, body) = decide(&t, &approver, id_of(0), "keep", "x").await;
    assert!(status.is_client_error(), "{body}");
    // A revoke needs a comment (it becomes the request's reason); a bad decision is words.
    let (status, body) = decide(&t, &reviewer, id_of(0), "revoke", " ").await;
    assert!(status.is_client_error(), "{body}");
    assert!(body.to_string().contains("Say why"), "{body}");

    // Two revocations become requests made by the reviewer.
    let mut requests = Vec::new();
    for i in [0, 1] {
        let (status, body) = decide(
            &t,
            &reviewer,
            id_of(i),
            "revoke",
            &format!("left the project {i}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let request: String = sqlx::query_scalar(
            "SELECT r.id::text FROM review_items i JOIN approval_requests r ON r.id = i.request_id
              WHERE i.id = $1 AND r.kind = 'remove_workspace_collaborator'
                AND lower(r.requested_by_email) = lower($2) AND r.status = 'pending'",
        )
        .bind(id_of(i))
        .bind(&reviewer.email)
        .fetch_one(&t.db().await)
        .await
        .expect("a pending request of the right kind, by the reviewer");
        requests.push(request);
    }
    // A second decision on a decided item is answered in words.
    let (status, body) = decide(&t, &reviewer, id_of(0), "keep", "changed my mind").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.to_string().contains("already decided"), "{body}");

    // A second person approves: the collaborators are gone at Airtable.
    for request in &requests {
        approve(&t, &approver, request).await;
        assert_eq!(request_status(&t, request).await, "succeeded");
    }
    for i in [0, 1] {
        let action = &items[i];
        let (workspace, user): (String, String) = sqlx::query_as(
            "SELECT action->>'workspace', action->'collaborator'->>'id' FROM review_items WHERE id = $1",
        )
        .bind(action["id"].as_i64())
        .fetch_one(&t.db().await)
        .await
        .expect("the item's call");
        let people = sim_workspace_people(&t, &workspace.parse().expect("workspace id")).await;
        assert!(
            !people.iter().any(|p| p.user_id.as_str() == user),
            "{user} still in {workspace}"
        );
    }
    let detail = get_json(&t, &reviewer, &format!("/api/reviews/get?id={campaign}")).await;
    assert!(
        detail["items"][0]["outcome"]
            .as_str()
            .unwrap_or("")
            .starts_with("Revoked"),
        "{}",
        detail["items"][0]
    );

    // Closing with undecided items is refused unless asked for; then the rest is kept in bulk.
    let (status, body) = post(
        &t,
        &admin,
        "/api/reviews/close",
        &[("id", &campaign.to_string())],
    )
    .await;
    assert!(status.is_client_error(), "{body}");
    assert!(body.to_string().contains("not decided"), "{body}");
    let rest: Vec<String> = items[3..].iter().map(|i| i["id"].to_string()).collect();
    let (status, body) = post(
        &t,
        &reviewer,
        "/api/reviews/decide_many",
        &[
            ("items", &rest.join(",")),
            ("decision", "keep"),
            ("comment", "still needed"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["decided"], rest.len());
    // Item 2 (about the reviewer) goes to the admin, who keeps it.
    execute_sql(
        &t,
        &format!(
            "UPDATE review_items SET reviewer_email = lower('{}') WHERE id = {}",
            admin.email,
            id_of(2)
        ),
    )
    .await;
    let (status, body) = decide(&t, &admin, id_of(2), "keep", "contract runs to June").await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, info) = post(
        &t,
        &admin,
        "/api/reviews/close",
        &[("id", &campaign.to_string())],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{info}");
    let (status, body) = post(
        &t,
        &admin,
        "/api/reviews/close",
        &[("id", &campaign.to_string())],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        count_of(
            &t,
            "SELECT count(*) FROM console_actions WHERE action = 'reviews.close'"
        )
        .await,
        1
    );
    let (status, body) = decide(&t, &reviewer, id_of(3), "revoke", "late").await;
    assert!(status.is_client_error(), "{body}");

    // The evidence: served unchanged, hashes as stored, one row per item.
    let csv_text = admin
        .browser
        .get(t.url(&format!("/reviews/{campaign}/evidence.csv")))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("csv text");
    let html = page_html(&t, &admin, &format!("/reviews/{campaign}/evidence.html")).await;
    let hex = |text: &str| -> String {
        Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    assert_eq!(info["csv_sha256"], hex(&csv_text));
    assert_eq!(info["html_sha256"], hex(&html));
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header = reader.headers().expect("header").clone();
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), items.len());
    for (i, row) in rows.iter().enumerate() {
        let item = id_of(i);
        assert_eq!(row[col("item")], item.to_string());
        let (seq, hash) = hash_of(
            &t,
            &format!("SELECT seq, encode(hash, 'hex') FROM console_actions WHERE action = 'reviews.decide' AND target = 'review-item:{item}'"),
        )
        .await;
        assert_eq!(row[col("decision_log_seq")], seq.to_string());
        assert_eq!(row[col("decision_log_hash")], hash);
        if i < 2 {
            let request = &requests[i];
            assert_eq!(&row[col("decision")], "revoke");
            assert_eq!(row[col("comment")], format!("left the project {i}"));
            assert_eq!(&row[col("decided_by")], reviewer.email.as_str());
            assert_eq!(&row[col("request_id")], request.as_str());
            assert_eq!(&row[col("request_state")], "succeeded");
            assert_eq!(&row[col("approved_by")], approver.email.as_str());
            let answer: String =
                sqlx::query_scalar("SELECT outcome FROM approval_requests WHERE id = $1::uuid")
                    .bind(request)
                    .fetch_one(&t.db().await)
                    .await
                    .expect("Airtable's answer");
            assert_eq!(row[col("airtable_answer")], answer);
            let (_, requested) = hash_of(&t, &format!("SELECT seq, encode(hash, 'hex') FROM console_actions WHERE approval_id = '{request}' AND action = 'approvals.request'")).await;
            assert_eq!(row[col("request_log_hash")], requested);
            let (_, executed) = hash_of(&t, &format!("SELECT seq, encode(hash, 'hex') FROM console_actions WHERE approval_id = '{request}' AND action = 'remove_workspace_collaborator'")).await;
            assert_eq!(row[col("execution_log_hash")], executed);
            assert!(html.contains(request.as_str()));
            assert!(html.contains(&executed));
        } else {
            assert_eq!(&row[col("decision")], "keep");
            assert_eq!(&row[col("request_id")], "");
        }
    }
    let head = info["chain_head_hash"].as_str().expect("head");
    let (_, close_hash) = hash_of(
        &t,
        "SELECT seq, encode(hash, 'hex') FROM console_actions WHERE action = 'reviews.close'",
    )
    .await;
    assert!(html.contains(head) && html.contains(&close_hash));
    assert!(html.contains("<caption>") && html.contains("@media print"));
    // A viewer without the evidence of an open campaign gets words, not a file.
    let (status, body) = get(&t, &admin, "/reviews/999/evidence.csv").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn reminders_go_once_tokens_are_frozen_and_overdue_items_are_counted() {
    let t = TestConsole::start().await;
    let (admin, reviewer, _) = cast(&t).await;
    let db = t.db().await;
    take_snapshot(&t).await;
    assert!(
        count_of(&t, "SELECT count(*) FROM snapshot_tokens").await > 0,
        "the snapshot recorded the tokens"
    );
    let (status, body) = create(
        &t,
        &admin,
        "Tokens and admins",
        &day(1),
        &[("admins", &reviewer.email), ("tokens", &reviewer.email)],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let campaign = body.as_i64().expect("id");
    assert!(
        count_of(&t, &format!("SELECT count(*) FROM review_items WHERE campaign_id = {campaign} AND scope = 'tokens' AND reaches LIKE 'Scopes %'")).await > 0
    );
    // The reviewer's own admin item went to the campaign's owner instead.
    assert_eq!(
        count_of(&t, &format!("SELECT count(*) FROM review_items WHERE campaign_id = {campaign} AND person_email = lower('{}') AND reviewer_email = lower('{}')", reviewer.email, reviewer.email)).await,
        0
    );

    // Due tomorrow: one reminder per reviewer, however many evaluations run at once.
    let url = "http://console.example";
    let (a, b) = tokio::join!(
        console_core::reviews::reminders::run_once(&db, url),
        console_core::reviews::reminders::run_once(&db, url)
    );
    a.expect("first evaluation");
    b.expect("second evaluation");
    console_core::reviews::reminders::run_once(&db, url)
        .await
        .expect("third evaluation");
    let reminders = |kind: &'static str| {
        let reviewer = reviewer.email.clone();
        let t = &t;
        async move {
            count_of(
                t,
                &format!(
                    "SELECT count(*) FROM outbox WHERE lower(to_email) = lower('{reviewer}') AND subject LIKE 'Access review \"Tokens and admins\"%{kind}%'"
                ),
            )
            .await
        }
    };
    assert_eq!(reminders("due").await, 1);

    // Past due: one overdue reminder, and the overview counts the items.
    let undecided = count_of(
        &t,
        &format!("SELECT count(*) FROM review_items WHERE campaign_id = {campaign}"),
    )
    .await;
    execute_sql(
        &t,
        &format!(
            "UPDATE review_campaigns SET due_at = now() - interval '1 hour' WHERE id = {campaign}"
        ),
    )
    .await;
    console_core::reviews::reminders::run_once(&db, url)
        .await
        .expect("evaluation");
    console_core::reviews::reminders::run_once(&db, url)
        .await
        .expect("evaluation");
    assert_eq!(reminders("overdue").await, 1);
    let overdue = get_json(&t, &reviewer, "/api/reviews/overdue").await;
    assert_eq!(overdue["items"], undecided);
    assert_eq!(overdue["campaigns"][0][0], campaign);
    let html = page_html(&t, &reviewer, "/").await;
    assert!(
        html.contains(&format!("{undecided} review items overdue in 1 campaign")),
        "overview"
    );

    // A snapshot that predates token recording: the token scope is refused in words.
    execute_sql(&t, "UPDATE snapshots SET tokens_recorded = false").await;
    let (status, body) = create(
        &t,
        &admin,
        "Tokens",
        &day(5),
        &[("tokens", &reviewer.email)],
        "",
    )
    .await;
    assert!(status.is_client_error(), "{body}");
    assert!(
        body.to_string().contains("predates token recording"),
        "{body}"
    );
}
