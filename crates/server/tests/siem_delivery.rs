//! SIEM sinks against real local receivers (an HTTP server, a syslog listener over TCP)
//! and a running console: every event of the copy, Airtable's late ones and the console's
//! own steps included, arrives once and in the copy's order. (A receiver that fails for
//! a while: `siem_retry.rs`.)

mod common;
mod siem_receivers;

use std::time::Duration;

use common::TestConsole;
use siem_receivers::{deduplicate, delivered_everything, http_receiver, syslog_receiver};

/// Logs out `n` of the enterprise's users at the simulator (each an audit event).
async fn make_events_at_airtable(t: &TestConsole, n: usize) {
    let sim = t.sim();
    let client = common::sim_observer(sim);
    let enterprise = common::sim_enterprise(sim);
    let users = sim.info().non_admins.clone();
    for i in 0..n {
        let user = &users[i % users.len()];
        client
            .enterprise(&enterprise)
            .user(&user.id.to_string().parse().expect("user id"))
            .logout()
            .await
            .expect("log a user out at Airtable");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

#[tokio::test]
async fn every_event_reaches_hec_and_syslog_once_in_order_late_ones_and_console_steps_included() {
    let (http, hec) = http_receiver(Some("hec-token")).await;
    let (syslog_addr, syslog) = syslog_receiver().await;
    let url = format!("http://{http}/services/collector/event");
    let syslog_addr = syslog_addr.to_string();
    let t = TestConsole::start_with(&[
        ("CONSOLE_SIEM_HTTP_URL", url.as_str()),
        ("CONSOLE_SIEM_HTTP_FORMAT", "splunk-hec"),
        ("CONSOLE_SIEM_HTTP_TOKEN", "hec-token"),
        ("CONSOLE_SIEM_SYSLOG_ADDR", syslog_addr.as_str()),
        ("CONSOLE_SIEM_START", "beginning"),
        ("CONSOLE_SIEM_BATCH", "25"),
        ("CONSOLE_AUDIT_SYNC_SECONDS", "1"),
        // Airtable publishes each event a second late and one in ten a second later still,
        // after events that happened after it: the copy takes it in late, and so must the
        // sinks.
        ("CONSOLE_DEMO_AUDIT_DELAY_SECONDS", "1"),
    ])
    .await;
    let db = t.db().await;
    let test_start: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("SELECT now()")
        .fetch_one(&db)
        .await
        .expect("now");
    // The console's own steps: signing in, and asking for a sync.
    let browser = t.admin_browser().await;
    let me = common::session::whoami(&t, &browser).await;
    let csrf = me["csrf_token"].as_str().expect("csrf").to_string();
    let asked = common::session::post_form(
        &t,
        &browser,
        "/api/audit/sync/now",
        &[("csrf_token", csrf.as_str())],
    )
    .await;
    assert!(asked.status().is_success(), "sync now: {}", asked.status());
    make_events_at_airtable(&t, 30).await;
    // Long enough for the stragglers to be published and copied.
    tokio::time::sleep(Duration::from_secs(4)).await;

    let copy = delivered_everything(
        &db,
        &[("hec", &hec), ("syslog", &syslog)],
        Duration::from_secs(90),
    )
    .await;
    for (name, log) in [("hec", &hec), ("syslog", &syslog)] {
        assert_eq!(
            log.problems(),
            Vec::<String>::new(),
            "{name}: what it was sent is well formed"
        );
        let delivery = deduplicate(&log.events());
        assert_eq!(
            delivery.duplicates, 0,
            "{name}: nothing twice while nothing failed"
        );
        let seqs: Vec<i64> = log.events().iter().map(|(_, seq)| *seq).collect();
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "{name}: in the copy's order"
        );
    }
    assert!(
        copy.iter().any(|id| id.starts_with("console-")),
        "the console's own steps are in the stream"
    );
    // Events Airtable published late entered the copy after events that happened later,
    // and were delivered all the same (everything was).
    let late: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events a
          WHERE a.occurred_at >= $1 AND a.category IS DISTINCT FROM 'console'
            AND EXISTS (SELECT 1 FROM audit_events b
                         WHERE b.copy_seq < a.copy_seq AND b.occurred_at > a.occurred_at
                           AND b.occurred_at >= $1 AND b.category IS DISTINCT FROM 'console')",
    )
    .bind(test_start)
    .fetch_one(&db)
    .await
    .expect("late events");
    assert!(late > 0, "the run had events published late");

    // The lag on the page's server function and in /metrics: none now.
    let sinks: serde_json::Value = browser
        .get(t.url("/api/audit/sync/sinks"))
        .send()
        .await
        .expect("sinks")
        .json()
        .await
        .expect("json");
    let sinks = sinks.as_array().expect("a list");
    assert_eq!(sinks.len(), 2, "{sinks:?}");
    for s in sinks {
        assert_eq!(s["lag_events"], 0, "{s}");
        assert!(s["last_success_at"].is_string(), "{s}");
    }
    assert_eq!(sinks[0]["kind"], "splunk-hec");
    assert_eq!(sinks[1]["kind"], "syslog");
    // The audit-sync page shows each sink and its lag.
    let (status, html) = common::session::fetch(&t, &browser, "/audit/sync").await;
    assert!(status.is_success(), "{status}");
    for sink in ["sink-http", "sink-syslog"] {
        assert!(
            html.contains(&format!("data-testid=\"{sink}\"")),
            "{sink} on the page"
        );
    }
    assert!(
        html.contains("splunk-hec") && html.contains(&syslog_addr),
        "kind and target shown"
    );
    let metrics = reqwest::get(t.url("/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    for line in [
        "console_siem_lag_events{sink=\"http\"} 0",
        "console_siem_lag_events{sink=\"syslog\"} 0",
    ] {
        assert!(metrics.contains(line), "{line} in:\n{metrics}");
    }
    let sent = format!(
        "console_siem_events_sent_total{{sink=\"syslog\"}} {}",
        copy.len()
    );
    assert!(metrics.contains(&sent), "{sent} in:\n{metrics}");
}
