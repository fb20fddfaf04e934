//! SIEM sink throughput benchmark (not a test):
//!
//! ```text
//! cargo run --release -p console-server --example bench_siem -- [--events 100000] [--batch 500]
//! ```
//!
//! Starts an in-process simulator seeded with N audit events, reads them all once (not
//! timed), then on a fresh database `bench_siem_<uuid>` of the server of `DATABASE_URL`
//! (default `postgres://postgres@127.0.0.1:5432`) measures, in one run:
//!
//! - **Ingestion** (the reference): `store_events` storing the N events, one transaction
//!   per 1000-event page, as the audit sync does;
//! - **Each sink**: the real forwarder (`console_core::siem`, its lease, its fenced
//!   position) sending the whole copy from the beginning to a local receiver that takes
//!   every batch (an axum server answering 200 for HEC and NDJSON; a TCP listener that
//!   reads each connection to its end and closes it, for syslog), until the sink's stored
//!   position is the copy's newest.
//!
//! Prints events/s for each and the ratio to ingestion. Everything shares the machine.

use std::time::{Duration, Instant};

use airtable_client::Timestamp;
use airtable_sim::{SimConfig, SimSize};
use anyhow::Context as _;
use chrono::Utc;
use console_core::audit::ingest::{store_events, IngestSettings, MAX_PAGE_SIZE};
use console_core::siem::config::{self, RawSiemSettings};
use futures::TryStreamExt;
use sqlx::migrate::MigrateDatabase;
use sqlx::{PgPool, Postgres};
use tokio::io::AsyncReadExt;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut events = 100_000usize;
    let mut batch = 500u32;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--events" => events = value.parse()?,
            "--batch" => batch = value.parse()?,
            other => anyhow::bail!("unknown option {other}"),
        }
    }
    let server = std::env::var("DATABASE_URL")
        .ok()
        .and_then(|u| u.rsplit_once('/').map(|(s, _)| s.to_string()))
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432".into());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let sim = airtable_sim::spawn(
        listener,
        SimConfig {
            size: SimSize {
                audit_events: events,
                ..SimSize::tiny()
            },
            ..SimConfig::default()
        },
    )
    .await?;
    let info = sim.info();
    let client = airtable_client::Client::builder()
        .base_url(sim.base_url().to_string())
        .token(airtable_client::AccessToken::new(info.token.to_string()))
        .no_rate_limit()
        .per_base_rate_limit(None)
        .build()?;
    let enterprise = info.enterprise_account_id.to_string().parse()?;
    let pages: Vec<_> = client
        .enterprise(&enterprise)
        .audit_log()
        .ascending()
        .page_size(MAX_PAGE_SIZE)
        .start_time(Timestamp(Utc::now() - IngestSettings::default().backfill))
        .stream()
        .map_ok(|page| page.events)
        .try_collect()
        .await?;
    let database_url = format!("{server}/bench_siem_{}", uuid::Uuid::new_v4().simple());
    let db = console_server::db::connect_and_migrate(&database_url).await?;
    let outcome = run(&db, &pages, batch).await;
    db.close().await;
    Postgres::force_drop_database(&database_url)
        .await
        .context("drop the benchmark database")?;
    sim.shutdown().await;
    outcome
}

async fn run(
    db: &PgPool,
    pages: &[Vec<airtable_client::models::AuditEvent>],
    batch: u32,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut stored = 0u64;
    for page in pages {
        let mut tx = db.begin().await?;
        stored += store_events(&mut tx, page).await?;
        tx.commit().await?;
    }
    let ingest = started.elapsed();
    let ingest_rate = stored as f64 / ingest.as_secs_f64();
    println!("events: {stored}, batch: {batch}");
    println!("| path | s | events/s | ratio to ingestion |");
    println!("|---|---|---|---|");
    println!(
        "| ingestion (store_events, 1000/transaction) | {:.2} | {ingest_rate:.0} | 1.00 |",
        ingest.as_secs_f64()
    );
    let http = http_receiver().await?;
    let syslog = syslog_receiver().await?;
    let batch = batch.to_string();
    let ndjson_url = format!("http://{http}/events");
    let hec_url = format!("http://{http}/services/collector/event");
    let syslog_addr = syslog.to_string();
    let runs: [(&str, RawSiemSettings<'_>); 3] = [
        (
            "HTTP NDJSON",
            RawSiemSettings {
                http_url: Some(&ndjson_url),
                http_format: "ndjson",
                ..RawSiemSettings::default()
            },
        ),
        (
            "HTTP Splunk HEC",
            RawSiemSettings {
                http_url: Some(&hec_url),
                http_format: "splunk-hec",
                http_token: Some("bench"),
                ..RawSiemSettings::default()
            },
        ),
        (
            "syslog TCP (RFC 5424, a connection per batch)",
            RawSiemSettings {
                syslog_addr: Some(&syslog_addr),
                http_format: "ndjson",
                ..RawSiemSettings::default()
            },
        ),
    ];
    let newest = console_core::audit::copy_order::newest(db).await?;
    for (label, raw) in runs {
        let settings = config::parse(&RawSiemSettings {
            batch: &batch,
            start: "beginning",
            host: "bench",
            ..raw
        })?;
        let name = settings.sinks[0].name.clone();
        sqlx::query("DELETE FROM siem_sinks").execute(db).await?;
        let shutdown = console_core::Shutdown::new();
        let leases = console_core::leases::Leases::new(db.clone(), format!("bench-{label}"))
            .with_shutdown(shutdown.clone());
        let started = Instant::now();
        console_core::siem::spawn_forwarders(
            db.clone(),
            &settings,
            leases,
            shutdown.clone(),
            console_core::siem::Pacing {
                poll: Duration::from_millis(20),
                ..console_core::siem::Pacing::default()
            },
        )
        .map_err(anyhow::Error::msg)?;
        loop {
            let position = console_core::siem::store::position(db, &name).await?;
            if position == Some(newest) {
                break;
            }
            anyhow::ensure!(
                started.elapsed() < Duration::from_secs(3600),
                "{label}: too slow"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let took = started.elapsed();
        shutdown.trigger();
        let _ = tokio::time::timeout(Duration::from_secs(5), shutdown.tasks_finished()).await;
        let rate = stored as f64 / took.as_secs_f64();
        println!(
            "| {label} | {:.2} | {rate:.0} | {:.2} |",
            took.as_secs_f64(),
            rate / ingest_rate
        );
    }
    Ok(())
}

/// Answers 200 to every POST after reading its body.
async fn http_receiver() -> anyhow::Result<std::net::SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = axum::Router::new().route(
        "/{*path}",
        axum::routing::post(|body: axum::body::Bytes| async move {
            std::hint::black_box(body.len());
            r#"{"text":"Success","code":0}"#
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(addr)
}

/// Reads each connection to its end, then closes it (the syslog sink's acknowledgement).
async fn syslog_receiver() -> anyhow::Result<std::net::SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut bytes = Vec::new();
                let _ = stream.read_to_end(&mut bytes).await;
            });
        }
    });
    Ok(addr)
}
