//! Alert-rule evaluation against ingestion, in one run (not a test):
//!
//! ```text
//! cargo run --release -p console-server --example bench_alerts -- [--events 200000] [--rules 50]
//! ```
//!
//! On a fresh database `bench_alerts_<uuid>` (server of `DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`, migrated), it:
//!
//! 1. stores N events with `store_events`, one transaction per 1000-event page (the sync's
//!    own write: the copy's order lock, the insert with its indexes and tsvector), timed:
//!    **ingestion**, events/s;
//! 2. saves `--rules` enabled rules at position 0 (a realistic mix: single and several
//!    actions, categories with exclusions, an actor, a free-text phrase; half with a webhook,
//!    so deliveries are queued as well) and runs `Evaluator::run_once` until every rule has
//!    reached the copy's end, timed: **evaluation**, events/s through all the rules (every
//!    event checked against every rule, notices, deliveries and positions committed per
//!    step, exactly as in production).
//!
//! It prints both rates and their ratio (evaluation / ingestion) and drops the database. The
//! events are made here, deterministically, with the actions' real frequencies roughly as the
//! simulator draws them (views and logins most common, admin grants and deletions rare).

use std::time::Instant;

use anyhow::Context as _;
use console_core::alerts::evaluate::Evaluator;
use console_core::audit::ingest::store_events;
use sqlx::migrate::MigrateDatabase;
use sqlx::postgres::PgPoolOptions;

const PAGE: usize = 1_000;

/// Actions and how many of every 1000 events have them.
const MIX: &[(&str, &str, usize)] = &[
    ("viewBase", "base", 400),
    ("loginUser", "user", 250),
    ("addBaseCollaborator", "baseCollaboration", 80),
    ("enableShare", "share", 60),
    ("createBase", "base", 60),
    ("removeBaseCollaborator", "baseCollaboration", 50),
    ("addGroupMember", "groups", 40),
    ("deleteBase", "base", 20),
    ("logoutUser", "user", 20),
    ("grantAdminAccess", "role", 10),
    ("deleteWorkspace", "base", 5),
    ("revokePersonalAccessToken", "user", 5),
];

/// The rules' searches, cycled to make `--rules` rules.
const QUERIES: &[&str] = &[
    "action:grantAdminAccess",
    "action:deleteBase action:deleteWorkspace",
    "action:enableShare action:createShare",
    "category:user -action:loginUser",
    "action:revokePersonalAccessToken",
    "actor:eve@example.com",
    "\"confidential\" action:enableShare",
    "category:baseCollaboration -action:addBaseCollaborator",
    "action:removeBaseCollaborator workspace:wsp00000000000003",
    "action:logoutUser -actor:admin@example.com",
];

fn event(i: usize) -> anyhow::Result<airtable_client::models::AuditEvent> {
    let mut slot = (i * 7919) % 1000;
    let (action, _, _) = MIX
        .iter()
        .find(|(_, _, n)| {
            if slot < *n {
                true
            } else {
                slot -= n;
                false
            }
        })
        .copied()
        .unwrap_or(MIX[0]);
    let user = i % 500;
    let email = if user == 7 {
        "eve@example.com".to_string()
    } else {
        format!("user{user}@example.com")
    };
    let name = if i.is_multiple_of(97) {
        "Confidential plans"
    } else {
        "Team tracker"
    };
    let value = serde_json::json!({
        "id": format!("01BENCH{i:019}"),
        "timestamp": "2026-12-01T10:00:00.000Z",
        "action": action,
        "actor": { "type": "user", "user": { "id": format!("usr{user:014}"), "email": email, "name": "Someone" } },
        "modelId": format!("app{:014}", i % 300),
        "modelType": "base",
        "payload": { "name": name },
        "payloadVersion": "1.0",
        "context": {
            "actionId": format!("act{i:014}"),
            "baseId": format!("app{:014}", i % 300),
            "workspaceId": format!("wsp{:014}", i % 20),
            "enterpriseAccountId": "entBENCHBENCHBENC"
        },
        "origin": { "ipAddress": "203.0.113.7", "userAgent": "bench" }
    });
    serde_json::from_value(value).map_err(|e| anyhow::anyhow!("an event the client reads: {e}"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut events = 200_000usize;
    let mut rules = 50usize;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--events" => events = value.parse()?,
            "--rules" => rules = value.parse()?,
            other => anyhow::bail!("unknown flag {other}"),
        }
    }
    let base = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let base = base
        .rsplit_once('/')
        .map(|(b, _)| b.to_string())
        .unwrap_or(base);
    let url = format!("{base}/bench_alerts_{}", uuid::Uuid::new_v4().simple());
    sqlx::Postgres::create_database(&url).await?;
    let result = run(&url, events, rules).await;
    sqlx::Postgres::drop_database(&url).await?;
    result
}

async fn run(url: &str, events: usize, rules: usize) -> anyhow::Result<()> {
    let db = PgPoolOptions::new().max_connections(4).connect(url).await?;
    sqlx::migrate!("../../migrations").run(&db).await?;

    let all: Vec<_> = (0..events).map(event).collect::<anyhow::Result<_>>()?;
    let started = Instant::now();
    for page in all.chunks(PAGE) {
        let mut tx = db.begin().await?;
        store_events(&mut tx, page).await?;
        tx.commit().await?;
    }
    let ingest = started.elapsed();

    for i in 0..rules {
        let webhook = i.is_multiple_of(2).then_some("http://127.0.0.1:9/bench");
        sqlx::query(
            "INSERT INTO alert_rules (name, query, owner_id, owner_email, webhook_url,
                                      webhook_secret, position)
             VALUES ($1, $2, 'usrBENCH', 'bench@example.com', $3,
                     CASE WHEN $3::text IS NULL THEN NULL ELSE '\\x00'::bytea END, 0)",
        )
        .bind(format!("rule {i}"))
        .bind(QUERIES[i % QUERIES.len()])
        .bind(webhook)
        .execute(&db)
        .await?;
    }
    let evaluator = Evaluator {
        db: db.clone(),
        public_url: url::Url::parse("https://console.example.com/")?,
    };
    let started = Instant::now();
    let ran = evaluator.run_once().await?;
    let evaluate = started.elapsed();
    let lag = console_core::alerts::lag(&db).await?;
    anyhow::ensure!(lag == 0, "every rule reached the end (lag {lag})");

    let ingest_rate = events as f64 / ingest.as_secs_f64();
    let evaluate_rate = events as f64 / evaluate.as_secs_f64();
    println!("events: {events}, rules: {rules}");
    println!(
        "ingestion (store_events, 1000-event pages): {:.2} s, {ingest_rate:.0} events/s",
        ingest.as_secs_f64()
    );
    println!(
        "evaluation ({rules} rules, {} steps, {} notices): {:.2} s, {evaluate_rate:.0} events/s",
        ran.steps,
        ran.notices,
        evaluate.as_secs_f64()
    );
    println!("evaluation / ingestion: {:.2}", evaluate_rate / ingest_rate);
    db.close().await;
    Ok(())
}
