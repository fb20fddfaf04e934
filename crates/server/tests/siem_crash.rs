//! A console process killed with SIGKILL while a batch is in flight to its sinks (the
//! receivers have the events but have not answered): a new process on the same database
//! delivers everything, in order, and repeats at most that one batch, each repeat
//! carrying its id.

mod common;
mod siem_receivers;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use siem_receivers::{deduplicate, http_receiver, syslog_receiver};

const BATCH: usize = 30;

struct Process {
    child: Child,
    log: std::path::PathBuf,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A real console process in demo mode on `database_url`, its files in `data_dir` (the
/// same for both processes, one after the other, so they share the demo's keys).
async fn start_console(
    database_url: &str,
    data_dir: &std::path::Path,
    name: &str,
    extra: &[(&str, String)],
) -> Process {
    std::fs::create_dir_all(data_dir).expect("data dir");
    let log = data_dir.join(format!("{name}.log"));
    let out = std::fs::File::create(&log).expect("log file");
    let addr = siem_receivers::free_port();
    let sim_addr = siem_receivers::free_port();
    let child = common::console_command()
        .envs(common::demo_settings(
            &addr.to_string(),
            database_url,
            data_dir,
        ))
        .env("CONSOLE_DEMO_SIM_ADDR", sim_addr.to_string())
        .env("CONSOLE_LEASE_SECONDS", "3")
        .env("CONSOLE_AUDIT_SYNC_SECONDS", "1")
        .envs(extra.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(out.try_clone().expect("log"))
        .stderr(out)
        .spawn()
        .expect("start console-server");
    let mut process = Process { child, log };
    let http = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = process.child.try_wait() {
            panic!(
                "{name} exited ({status}):\n{}",
                std::fs::read_to_string(&process.log).unwrap_or_default()
            );
        }
        if let Ok(r) = http.get(format!("http://{addr}/readyz")).send().await {
            if r.status().is_success() {
                return process;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{name} not ready in 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn wait_for(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ok() {
        assert!(started.elapsed() < limit, "{what} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_console_killed_mid_batch_resends_only_that_batch_and_loses_nothing() {
    common::ensure_runtime_role().await;
    let database_url = common::fresh_database_url();
    let data_dir = std::env::temp_dir().join(format!(
        "console-siem-crash-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let (http, ndjson) = http_receiver(None).await;
    let (syslog_addr, syslog) = syslog_receiver().await;
    // Batches 1 and 2 are answered; batch 3 is kept and never answered.
    for log in [&ndjson, &syslog] {
        log.stall_from(3);
    }
    let settings = [
        ("CONSOLE_SIEM_HTTP_URL", format!("http://{http}/events")),
        ("CONSOLE_SIEM_HTTP_FORMAT", "ndjson".to_string()),
        ("CONSOLE_SIEM_SYSLOG_ADDR", syslog_addr.to_string()),
        ("CONSOLE_SIEM_START", "beginning".to_string()),
        ("CONSOLE_SIEM_BATCH", BATCH.to_string()),
    ];
    let mut first = start_console(&database_url, &data_dir, "first", &settings).await;
    for (name, log) in [("ndjson", &ndjson), ("syslog", &syslog)] {
        wait_for(
            &format!("{name}: a batch in flight"),
            Duration::from_secs(60),
            || !log.stalled().is_empty(),
        )
        .await;
    }
    first.child.kill().expect("SIGKILL");
    first.child.wait().expect("reaped");
    let db = sqlx::PgPool::connect(&database_url).await.expect("db");
    let positions: Vec<(String, i64)> =
        sqlx::query_as("SELECT name, position FROM siem_sinks ORDER BY name")
            .fetch_all(&db)
            .await
            .expect("positions");
    // The in-flight batch was never acknowledged, so it was not counted as sent.
    for (name, position) in &positions {
        let acknowledged: i64 =
            sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE copy_seq <= $1")
                .bind(position)
                .fetch_one(&db)
                .await
                .expect("count");
        assert_eq!(
            acknowledged,
            2 * BATCH as i64,
            "{name}: two batches acknowledged"
        );
    }
    let in_flight: Vec<Vec<String>> = [&ndjson, &syslog]
        .iter()
        .map(|l| l.stalled()[0].clone())
        .collect();
    for log in [&ndjson, &syslog] {
        log.release();
    }

    let _second = start_console(&database_url, &data_dir, "second", &settings).await;
    let started = Instant::now();
    let copy: Vec<String> = loop {
        let copy: Vec<String> = sqlx::query_scalar("SELECT id FROM audit_events ORDER BY copy_seq")
            .fetch_all(&db)
            .await
            .expect("copy");
        let idle: bool = sqlx::query_scalar("SELECT run_finished_at IS NOT NULL FROM audit_sync")
            .fetch_one(&db)
            .await
            .expect("sync");
        if idle
            && [&ndjson, &syslog]
                .iter()
                .all(|l| deduplicate(&l.events()).unique == copy)
        {
            break copy;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "everything delivered after the restart"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(copy.len() > 3 * BATCH);
    for ((name, log), in_flight) in [("ndjson", &ndjson), ("syslog", &syslog)]
        .into_iter()
        .zip(&in_flight)
    {
        assert_eq!(log.problems(), Vec::<String>::new(), "{name}");
        let events: Vec<String> = log.events().into_iter().map(|(id, _)| id).collect();
        let delivery = deduplicate(&log.events());
        assert!(
            delivery.duplicates <= BATCH,
            "{name}: at most one batch again ({})",
            delivery.duplicates
        );
        // What came twice is exactly the batch that was in flight at the kill, sent again
        // whole, right after it (its ids make it recognisable).
        assert_eq!(delivery.duplicates, in_flight.len(), "{name}");
        let start = 2 * BATCH;
        assert_eq!(
            &events[start..start + BATCH],
            in_flight.as_slice(),
            "{name}"
        );
        assert_eq!(
            &events[start + BATCH..start + 2 * BATCH],
            in_flight.as_slice(),
            "{name}: resent"
        );
        // Order is kept whole: seqs rise throughout but once, where the batch comes again.
        // So a receiver that drops every event at or below the highest seq it stored keeps
        // each exactly once.
        let seqs: Vec<i64> = log.events().into_iter().map(|(_, seq)| seq).collect();
        let drops = seqs.windows(2).filter(|w| w[1] <= w[0]).count();
        assert_eq!(drops, 1, "{name}: one step back, the resent batch");
        let mut high = 0;
        let mut kept = Vec::new();
        for (id, seq) in log.events() {
            if seq > high {
                high = seq;
                kept.push(id);
            }
        }
        assert_eq!(
            kept, copy,
            "{name}: a high-water mark on seq gives the copy exactly once"
        );
    }
    drop(db);
    drop(_second);
    let _ = std::fs::remove_dir_all(&data_dir);
    common::drop_database(&database_url);
}
