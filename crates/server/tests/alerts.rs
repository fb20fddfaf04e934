//! Alert rules end to end in one console: a rule is checked when saved, starts at the
//! copy's end (older events only in its test), acts once on each new match — a signed
//! webhook to a real local receiver, in copy order, retried while the receiver refuses,
//! and an email in the outbox — catches up after being switched off and on, and every
//! change is in the action log.

mod common;

use std::time::{Duration, Instant};

use common::alerting::{copy_events, Receiver};
use common::session::{count_of, get_json, post, sign_in_as};
use common::TestConsole;
use console_app::api::Role;
use reqwest::StatusCode;

/// Waits (at most `limit`) until `done` holds.
async fn eventually(limit: Duration, what: &str, mut done: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !done().await {
        assert!(started.elapsed() < limit, "not within {limit:?}: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_rule_acts_once_on_each_new_match_signed_in_order_and_by_email() {
    let t = TestConsole::start().await;
    let db = t.db().await;
    let operator = sign_in_as(&t, Role::Operator).await;
    let receiver = Receiver::start().await;

    // Events copied before the rule exists.
    let old = copy_events(&db, "grantAdminAccess", 3, "old").await;

    // A search that does not read is refused in words.
    let (status, body) = post(
        &t,
        &operator,
        "/api/alerts/create",
        &[
            ("name", "broken"),
            ("query", "action:"),
            ("email_to", "sec@example.com"),
            ("webhook_url", ""),
            ("webhook_format", "json"),
        ],
    )
    .await;
    assert!(status.is_client_error(), "{status}: {body}");
    assert!(body.to_string().contains("not valid"), "{body}");

    let (status, created) = post(
        &t,
        &operator,
        "/api/alerts/create",
        &[
            ("name", "Admins made"),
            ("query", "action:grantAdminAccess -actor:nobody@example.com"),
            ("email_to", "sec@example.com"),
            ("webhook_url", &receiver.url),
            ("webhook_format", "json"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let id = created["id"].as_i64().expect("the rule's id");
    let secret = created["secret"]
        .as_str()
        .expect("the secret, once")
        .to_string();
    assert!(secret.starts_with("whsec_"));

    // The page never shows the secret again.
    let overview = get_json(&t, &operator, "/api/alerts/overview").await;
    assert!(!overview.to_string().contains(&secret));
    assert_eq!(overview["rules"][0]["id"], id);

    // The test over the last 7 days finds the old events and makes no notice.
    let test = get_json(&t, &operator, &format!("/api/alerts/test?id={id}")).await;
    assert_eq!(test["count"], 3, "{test}");
    assert_eq!(test["first"].as_array().map(Vec::len), Some(3));

    // New events: five that match, five that do not.
    let new = copy_events(&db, "grantAdminAccess", 5, "new").await;
    copy_events(&db, "viewBase", 5, "other").await;
    eventually(Duration::from_secs(30), "five deliveries", async || {
        receiver.accepted().len() >= 5
    })
    .await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let got = receiver.accepted();
    assert_eq!(got.len(), 5, "each match once, nothing else");
    let ids: Vec<String> = got
        .iter()
        .map(|r| {
            r.json()["event"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(ids, new, "in copy order, none of the old ones");
    for r in &got {
        assert!(r.signed_with(&secret), "signature of {r:?}");
        assert!(!r.signed_with("whsec_other"), "a wrong key does not verify");
        let age = chrono::Utc::now().timestamp() - r.timestamp.parse::<i64>().expect("a time");
        assert!((0..60).contains(&age), "a current timestamp");
        assert_eq!(r.json()["rule"]["id"], id);
    }
    assert!(!ids.iter().any(|i| old.contains(i)));
    assert_eq!(
        count_of(
            &t,
            &format!("SELECT count(*) FROM alert_notices WHERE rule_id = {id}")
        )
        .await,
        5
    );
    // One email for the step, to the rule's address, naming the rule.
    let emails = count_of(
        &t,
        "SELECT count(*) FROM outbox WHERE to_email = 'sec@example.com' AND subject LIKE 'Alert \"Admins made\"%'",
    )
    .await;
    assert!(emails >= 1, "an email in the outbox");

    // A receiver that refuses for a while gets the next two in order once it answers.
    receiver.refuse_next(2);
    let later = copy_events(&db, "grantAdminAccess", 2, "late").await;
    eventually(
        Duration::from_secs(40),
        "the retried deliveries",
        async || receiver.accepted().len() >= 7,
    )
    .await;
    assert_eq!(receiver.refused(), 2);
    let tail: Vec<String> = receiver.accepted()[5..]
        .iter()
        .map(|r| {
            r.json()["event"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(tail, later, "the second waited for the first");
    let attempts: i32 = sqlx::query_scalar(
        "SELECT d.attempts FROM alert_deliveries d JOIN alert_notices n ON n.id = d.notice_id
          WHERE n.event_id = $1",
    )
    .bind(&later[0])
    .fetch_one(&db)
    .await
    .expect("the delivery");
    assert_eq!(attempts, 3, "two refusals, then delivered");
    let overview = get_json(&t, &operator, "/api/alerts/overview").await;
    assert_eq!(overview["rules"][0]["last_delivery"]["status"], "delivered");
    assert_eq!(overview["rules"][0]["notices"], 7);

    // The metrics say so too.
    let metrics = reqwest::get(t.url("/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let value = |name: &str| -> f64 {
        metrics
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} in {metrics}"))
    };
    assert!(value("console_alert_notices_total") >= 7.0);
    assert!(value("console_alert_webhook_deliveries_total{outcome=\"retry\"}") >= 2.0);
    assert!(value("console_alert_webhook_deliveries_total{outcome=\"delivered\"}") >= 7.0);
    assert!(value("console_alert_rule_steps_total") >= 2.0);
    assert_eq!(value("console_alert_evaluator_lag_events"), 0.0);

    // Switched off, it does not act; switched on again, it catches up.
    let (status, body) = post(
        &t,
        &operator,
        "/api/alerts/switch",
        &[("id", &id.to_string()), ("enabled", "false")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let while_off = copy_events(&db, "grantAdminAccess", 2, "off").await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(receiver.accepted().len(), 7, "nothing while off");
    post(
        &t,
        &operator,
        "/api/alerts/switch",
        &[("id", &id.to_string()), ("enabled", "true")],
    )
    .await;
    eventually(Duration::from_secs(30), "the catch-up", async || {
        receiver.accepted().len() >= 9
    })
    .await;
    let caught: Vec<String> = receiver.accepted()[7..]
        .iter()
        .map(|r| {
            r.json()["event"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(caught, while_off);

    // Deleted: gone from the page; every change is in the action log.
    let (status, body) = post(
        &t,
        &operator,
        "/api/alerts/delete",
        &[("id", &id.to_string())],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let overview = get_json(&t, &operator, "/api/alerts/overview").await;
    assert_eq!(overview["rules"].as_array().map(Vec::len), Some(0));
    let logged: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM console_actions WHERE action LIKE 'alerts.%' ORDER BY seq",
    )
    .fetch_all(&db)
    .await
    .expect("the action log");
    assert_eq!(
        logged,
        [
            "alerts.create",
            "alerts.disable",
            "alerts.enable",
            "alerts.delete"
        ]
    );
}

#[tokio::test]
async fn starter_rules_enable_once_and_viewers_only_read() {
    let t = TestConsole::start().await;
    let operator = sign_in_as(&t, Role::Operator).await;
    let overview = get_json(&t, &operator, "/api/alerts/overview").await;
    let starters = overview["starters"].as_array().expect("starters").clone();
    assert_eq!(starters.len(), 6);
    // The one the audit log cannot express has no query and cannot be enabled.
    let scim = starters
        .iter()
        .find(|s| s["key"] == "scim-deprovisioning-failed")
        .expect("listed, with why");
    assert!(scim["query"].is_null() && scim["note"].is_string());
    let refused = post(
        &t,
        &operator,
        "/api/alerts/starter",
        &[
            ("key", "scim-deprovisioning-failed"),
            ("email_to", "sec@example.com"),
            ("webhook_url", ""),
            ("webhook_format", "json"),
        ],
    )
    .await;
    assert!(refused.0.is_client_error(), "{refused:?}");

    let enable = [
        ("key", "base-or-workspace-deleted"),
        ("email_to", "sec@example.com"),
        ("webhook_url", ""),
        ("webhook_format", "json"),
    ];
    let (status, body) = post(&t, &operator, "/api/alerts/starter", &enable).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["secret"].is_null(), "no webhook, no secret");
    let (status, body) = post(&t, &operator, "/api/alerts/starter", &enable).await;
    assert_eq!(status, StatusCode::CONFLICT, "enabled once: {body}");

    // Edited: a webhook added now gets its secret, once; the change is logged.
    let rule = get_json(&t, &operator, "/api/alerts/overview").await["rules"][0]["id"]
        .as_i64()
        .expect("the rule");
    let (status, edited) = post(
        &t,
        &operator,
        "/api/alerts/edit",
        &[
            ("id", &rule.to_string()),
            ("name", "Deletions"),
            ("query", "action:deleteBase action:deleteWorkspace"),
            ("email_to", "sec@example.com"),
            ("webhook_url", "https://hooks.example.com/x"),
            ("webhook_format", "slack"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert!(edited["secret"]
        .as_str()
        .is_some_and(|s| s.starts_with("whsec_")));
    let (status, bad) = post(
        &t,
        &operator,
        "/api/alerts/edit",
        &[
            ("id", &rule.to_string()),
            ("name", "Deletions"),
            ("query", "action:deleteBase before:tomorrow-ish"),
            ("email_to", "sec@example.com"),
            ("webhook_url", ""),
            ("webhook_format", "json"),
        ],
    )
    .await;
    assert!(status.is_client_error(), "{status}: {bad}");
    assert_eq!(
        count_of(
            &t,
            "SELECT count(*) FROM console_actions WHERE action = 'alerts.edit'"
        )
        .await,
        1
    );

    let viewer = sign_in_as(&t, Role::Viewer).await;
    let seen = get_json(&t, &viewer, "/api/alerts/overview").await;
    assert_eq!(seen["can_change"], false);
    assert_eq!(
        seen["rules"][0]["query"],
        "action:deleteBase action:deleteWorkspace"
    );
    let (status, _) = post(
        &t,
        &viewer,
        "/api/alerts/delete",
        &[("id", &body_id(&seen))],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

fn body_id(overview: &serde_json::Value) -> String {
    overview["rules"][0]["id"]
        .as_i64()
        .unwrap_or_default()
        .to_string()
}
