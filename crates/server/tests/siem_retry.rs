//! SIEM sinks against receivers that fail for a while (an HTTP receiver answering 500s,
//! a syslog port nobody listens on yet): delivery is only delayed, nothing is lost or
//! repeated, and the failure is kept for the page in words.
//!
//! A binary of its own, not a test beside `siem_delivery.rs`: the `metrics` recorder is
//! one per process, so two consoles forwarding to sinks of the same name in one process
//! would count each other's sends in `/metrics`.

mod common;
mod siem_receivers;

use std::time::{Duration, Instant};

use common::TestConsole;
use siem_receivers::{deduplicate, delivered_everything, http_receiver, Log};

#[tokio::test]
async fn a_receiver_that_fails_for_a_while_only_delays_delivery() {
    let (http, ndjson) = http_receiver(None).await;
    // 500s to the first three batches.
    ndjson.fail_next(3);
    // Nothing listens on the syslog port for the first seconds: connections are refused.
    let syslog_addr = siem_receivers::free_port();
    let syslog = Log::default();
    let url = format!("http://{http}/events");
    let syslog_setting = syslog_addr.to_string();
    let t = TestConsole::start_with(&[
        ("CONSOLE_SIEM_HTTP_URL", url.as_str()),
        ("CONSOLE_SIEM_HTTP_FORMAT", "ndjson"),
        ("CONSOLE_SIEM_SYSLOG_ADDR", syslog_setting.as_str()),
        ("CONSOLE_SIEM_START", "beginning"),
        ("CONSOLE_SIEM_BATCH", "40"),
        ("CONSOLE_AUDIT_SYNC_SECONDS", "1"),
    ])
    .await;
    let db = t.db().await;
    // Until the listener starts, the syslog sink fails and says so.
    let started = Instant::now();
    let refused = loop {
        let error: Option<String> =
            sqlx::query_scalar("SELECT last_error FROM siem_sinks WHERE name = 'syslog'")
                .fetch_optional(&db)
                .await
                .expect("sink row")
                .flatten();
        if let Some(error) = error {
            break error;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no failure recorded"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(refused.contains("cannot connect"), "{refused}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    siem_receivers::syslog_receiver_on(syslog_addr, syslog.clone()).await;

    let copy = delivered_everything(
        &db,
        &[("ndjson", &ndjson), ("syslog", &syslog)],
        Duration::from_secs(90),
    )
    .await;
    assert!(copy.len() > 120, "several batches: {}", copy.len());
    for (name, log) in [("ndjson", &ndjson), ("syslog", &syslog)] {
        assert_eq!(log.problems(), Vec::<String>::new(), "{name}");
        assert_eq!(
            deduplicate(&log.events()).duplicates,
            0,
            "{name}: a refused batch was not kept, so none is repeated"
        );
    }
    let errors: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT name, last_error FROM siem_sinks ORDER BY name")
            .fetch_all(&db)
            .await
            .expect("sinks");
    assert!(
        errors[0].1.as_deref().is_some_and(|e| e.contains("500")),
        "the HTTP sink's failure is kept for the page, in words: {errors:?}"
    );
}
