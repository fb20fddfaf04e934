//! Reliability run (not a test): `kill -9` the real server at random moments of a large
//! audit-log backfill, restart it, and check that the stored events equal the simulator's
//! exactly: none lost, none stored twice.
//!
//! ```text
//! cargo bench -p console-server --bench kill9_backfill -- [--events 300000] [--kills 20] [--seed 7]
//! ```
//!
//! An in-process simulator holds `--events` audit events (it outlives every kill, as
//! Airtable would). The server binary runs as a child process in service-account mode
//! against it, with a fresh database `kill9_<uuid>` on the server of `DATABASE_URL`
//! (default `postgres://postgres@127.0.0.1:5432/postgres`), syncing every second. Each round
//! starts the server, waits a random 0.2–3 s, and sends SIGKILL. Then one last start runs
//! until the copy stops growing, and the stored ids are compared with a fresh walk of the
//! simulator's log. Figures go to docs/RELIABILITY.md.

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use airtable_client::{ids::EnterpriseId, AccessToken, Client, Timestamp};
use airtable_sim::{RunningSim, SimConfig, SimSize};
use anyhow::Context as _;
use base64::Engine as _;
use futures::TryStreamExt;
use rand::{Rng, SeedableRng};
use sqlx::migrate::MigrateDatabase;
use sqlx::PgPool;

struct Args {
    events: usize,
    kills: usize,
    seed: u64,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        events: 300_000,
        kills: 20,
        seed: 7,
    };
    // `cargo bench` passes `--bench`; ignore it.
    let mut it = std::env::args().skip(1).filter(|a| a != "--bench");
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().with_context(|| format!("{name} needs a value"));
        match flag.as_str() {
            "--events" => args.events = value("--events")?.replace('_', "").parse()?,
            "--kills" => args.kills = value("--kills")?.parse()?,
            "--seed" => args.seed = value("--seed")?.parse()?,
            other => anyhow::bail!(
                "unknown argument {other:?}; usage: kill9_backfill [--events N] [--kills K] [--seed S]"
            ),
        }
    }
    Ok(args)
}

/// What one round saw when it killed the server.
struct Round {
    alive_for: Duration,
    stored_before: i64,
    stored_after: i64,
}

/// The server process and how to start it again with the same settings.
struct ServerUnderTest {
    env: Vec<(&'static str, String)>,
    log: std::path::PathBuf,
}

impl ServerUnderTest {
    fn start(&self) -> anyhow::Result<Child> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)?;
        Command::new(env!("CARGO_BIN_EXE_console-server"))
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("start console-server")
    }
}

async fn stored(db: &PgPool) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE category IS DISTINCT FROM 'console'",
    )
    .fetch_one(db)
    .await?)
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

async fn sim_ids(sim: &RunningSim) -> anyhow::Result<BTreeSet<String>> {
    let info = sim.info();
    let client = Client::builder()
        .base_url(sim.base_url().to_string())
        .token(AccessToken::new(info.token.clone()))
        .build()?;
    let enterprise: EnterpriseId = info.enterprise_account_id.parse()?;
    let pages: Vec<_> = client
        .enterprise(&enterprise)
        .audit_log()
        .ascending()
        .page_size(1000)
        .start_time(Timestamp(chrono::Utc::now() - chrono::Duration::days(400)))
        .stream()
        .try_collect()
        .await?;
    Ok(pages
        .into_iter()
        .flat_map(|p| p.events.into_iter().map(|e| e.id))
        .collect())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(args.seed);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let sim = airtable_sim::spawn(
        listener,
        SimConfig {
            size: SimSize {
                audit_events: args.events,
                ..SimSize::tiny()
            },
            ..SimConfig::default()
        },
    )
    .await?;
    let info = sim.info();

    let base = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let server_url = base
        .rsplit_once('/')
        .map_or(base.clone(), |(b, _)| b.into());
    let database_url = format!("{server_url}/kill9_{}", uuid::Uuid::new_v4().simple());
    let db = console_server::db::connect_and_migrate(&database_url).await?;

    let data_dir = std::env::temp_dir().join(format!("kill9-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&data_dir)?;
    let key = base64::engine::general_purpose::STANDARD.encode(rng.gen::<[u8; 32]>());
    let log_key = base64::engine::general_purpose::STANDARD.encode(rng.gen::<[u8; 32]>());
    let server = ServerUnderTest {
        env: vec![
            ("DATABASE_URL", database_url.clone()),
            ("CONSOLE_ADDR", format!("127.0.0.1:{}", free_port()?)),
            ("CONSOLE_DATA_DIR", data_dir.display().to_string()),
            ("CONSOLE_TOKEN_KEY", key),
            ("CONSOLE_LOG_KEY", log_key),
            ("AIRTABLE_API_URL", sim.base_url().to_string()),
            ("AIRTABLE_SERVICE_TOKEN", info.token.clone()),
            ("AIRTABLE_ENTERPRISE_ID", info.enterprise_account_id.clone()),
            ("CONSOLE_TRUSTED_EMAIL_HEADER", "X-Forwarded-Email".into()),
            ("CONSOLE_AUDIT_SYNC_SECONDS", "1".into()),
            ("CONSOLE_AUDIT_BACKFILL_DAYS", "400".into()),
            ("CONSOLE_SNAPSHOT_HOURS", "0".into()),
            ("RUST_LOG", "warn".into()),
        ],
        log: data_dir.join("server.log"),
    };

    println!(
        "kill -9 during backfill: {} events in the simulator, {} kills, seed {}",
        args.events, args.kills, args.seed
    );
    let started = Instant::now();
    let mut rounds = Vec::new();
    for _ in 0..args.kills {
        let stored_before = stored(&db).await?;
        let mut child = server.start()?;
        let alive_for = Duration::from_millis(rng.gen_range(200..3000));
        tokio::time::sleep(alive_for).await;
        if let Some(status) = child.try_wait()? {
            anyhow::bail!(
                "the server exited by itself ({status}); see {}",
                server.log.display()
            );
        }
        child.kill()?; // SIGKILL
        child.wait()?;
        let stored_after = stored(&db).await?;
        rounds.push(Round {
            alive_for,
            stored_before,
            stored_after,
        });
    }

    // The last start: run until the copy stops growing for 10 s.
    let mut child = server.start()?;
    let mut last = -1;
    let mut still_since = Instant::now();
    while still_since.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = stored(&db).await?;
        if now != last {
            last = now;
            still_since = Instant::now();
        }
    }
    child.kill()?;
    child.wait()?;

    let want = sim_ids(&sim).await?;
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM audit_events WHERE category IS DISTINCT FROM 'console' ORDER BY id",
    )
    .fetch_all(&db)
    .await?;
    let have: BTreeSet<String> = rows.iter().cloned().collect();
    let duplicated = rows.len() - have.len();
    let lost = want.difference(&have).count();
    let extra = have.difference(&want).count();
    let counter: i64 = sqlx::query_scalar("SELECT events_stored FROM audit_sync")
        .fetch_one(&db)
        .await?;

    let during_backfill = rounds
        .iter()
        .filter(|r| (r.stored_after as usize) < want.len())
        .count();
    let mid_progress = rounds
        .iter()
        .filter(|r| r.stored_after > r.stored_before)
        .count();
    println!();
    println!("| round | alive (s) | stored before | stored at kill |");
    println!("|---:|---:|---:|---:|");
    for (i, r) in rounds.iter().enumerate() {
        println!(
            "| {} | {:.2} | {} | {} |",
            i + 1,
            r.alive_for.as_secs_f64(),
            r.stored_before,
            r.stored_after
        );
    }
    println!();
    println!("| kills | during backfill | rounds that stored events | simulator events | stored | lost | duplicated | extra | counter agrees |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    println!(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        rounds.len(),
        during_backfill,
        mid_progress,
        want.len(),
        have.len(),
        lost,
        duplicated,
        extra,
        if counter as usize == have.len() {
            "yes"
        } else {
            "NO"
        }
    );
    println!("\ntotal {:.1} s", started.elapsed().as_secs_f64());

    db.close().await;
    sqlx::Postgres::force_drop_database(&database_url)
        .await
        .ok();
    sim.shutdown().await;
    if lost + duplicated + extra > 0 || counter as usize != have.len() {
        anyhow::bail!(
            "the copy is not exact; server log kept in {}",
            server.log.display()
        );
    }
    std::fs::remove_dir_all(&data_dir).ok();
    Ok(())
}
