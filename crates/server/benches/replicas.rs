//! Reliability run (not a test): three console processes on one database and one simulator;
//! in each round the process doing the audit backfill and the one running a bulk job are
//! killed with SIGKILL mid-way, and another process must finish both.
//!
//! ```text
//! cargo bench -p console-server --bench replicas -- [--rounds 5] [--lease-seconds 30]
//! ```
//!
//! Each round starts a fresh fleet (`tests/common/fleet.rs`, the one
//! `tests/replicas.rs` uses: the real binary, service-account mode behind a simulated
//! sign-in proxy, a fresh database on the server of `DATABASE_URL`, a simulator of 30,000
//! audit events served 300 ms a page, and 40 users logged out 400 ms a call), with
//! `CONSOLE_LEASE_SECONDS` = `--lease-seconds` (30 is the production default). It measures,
//! for each piece of work, the time from the kill to another process holding its lease
//! (takeover) and to the work being complete, and counts audit events lost or stored
//! twice, and bulk users lost (still pending), done twice (more than one `logoutUser`
//! event in the simulator's own log) or reported interrupted (cut off mid-call, for a
//! person to check). It exits non-zero if anything was lost or done twice. Figures go to
//! docs/RELIABILITY.md.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use anyhow::Context as _;
use common::fleet::{fleet, FleetOptions};

struct Args {
    rounds: usize,
    lease_seconds: u64,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        rounds: 5,
        lease_seconds: 30,
    };
    // `cargo bench` passes `--bench`; ignore it.
    let mut it = std::env::args().skip(1).filter(|a| a != "--bench");
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().with_context(|| format!("{name} needs a value"));
        match flag.as_str() {
            "--rounds" => args.rounds = value("--rounds")?.parse()?,
            "--lease-seconds" => args.lease_seconds = value("--lease-seconds")?.parse()?,
            other => anyhow::bail!("unknown flag {other} (--rounds N, --lease-seconds S)"),
        }
    }
    anyhow::ensure!(args.rounds > 0, "--rounds must be at least 1");
    anyhow::ensure!(args.lease_seconds > 0, "--lease-seconds must be at least 1");
    Ok(args)
}

/// What one round measured.
struct Round {
    audit_takeover: Duration,
    audit_complete: Duration,
    events_lost: i64,
    events_twice: i64,
    bulk_takeover: Duration,
    bulk_complete: Duration,
    users: usize,
    users_lost: usize,
    users_twice: usize,
    users_interrupted: usize,
}

impl Round {
    fn clean(&self) -> bool {
        self.events_lost == 0
            && self.events_twice == 0
            && self.users_lost == 0
            && self.users_twice == 0
    }
}

async fn round(lease_seconds: u64) -> Round {
    // Long enough for any takeover: a lease, the slowest poll (5 s) and slack for a busy
    // machine.
    let takeover_limit = Duration::from_secs(lease_seconds + 60);
    let mut fleet = fleet(FleetOptions {
        // Slow pages, so the backfill (30 pages) is still under way when its process dies.
        faults: serde_json::json!({ "path": "*/auditLogEvents", "latencyMs": 300 }),
        lease_seconds,
        ..FleetOptions::default()
    })
    .await;

    // The audit backfill.
    let syncer = fleet.syncing_replica(3, Duration::from_secs(60)).await;
    let killed_at = Instant::now();
    fleet.kill(syncer).await;
    fleet.taken_over("audit-sync", syncer, takeover_limit).await;
    let audit_takeover = killed_at.elapsed();
    fleet
        .audit_copy_complete(takeover_limit + Duration::from_secs(120))
        .await;
    let audit_complete = killed_at.elapsed();
    let expected = fleet.sim.info().counts.audit_events as i64;
    let (stored, distinct, _) = fleet.audit_counts().await;

    // A bulk job, started through a live process.
    let users = fleet.bulk_users().await;
    fleet
        .fault(serde_json::json!({ "path": "*/logout", "latencyMs": 400 }))
        .await;
    let via = (0..fleet.replicas.len())
        .find(|i| *i != syncer)
        .expect("a live replica");
    let job = fleet.start_logout_job(via, &users).await;
    let runner = fleet
        .job_runner_midway(&job, 4, Duration::from_secs(30))
        .await;
    let killed_at = Instant::now();
    fleet.kill(runner).await;
    fleet
        .taken_over(&format!("bulk-job:{job}"), runner, takeover_limit)
        .await;
    let bulk_takeover = killed_at.elapsed();
    fleet
        .job_finished(&job, takeover_limit + Duration::from_secs(60))
        .await;
    let bulk_complete = killed_at.elapsed();
    let rows = fleet.job_rows(&job).await;
    let logouts = fleet.logouts().await;
    let with_status = |status: &str| rows.iter().filter(|(_, s)| s == status).count();

    Round {
        audit_takeover,
        audit_complete,
        events_lost: (expected - distinct).max(0),
        events_twice: stored - distinct,
        bulk_takeover,
        bulk_complete,
        users: rows.len(),
        // A user the job never reached, or one the job was given and has no row for.
        users_lost: with_status("pending") + users.len().saturating_sub(rows.len()),
        users_twice: logouts.values().filter(|times| **times > 1).count(),
        users_interrupted: with_status("interrupted"),
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64())
}

/// Min / median / max of `values`, in seconds.
fn spread(mut values: Vec<Duration>) -> String {
    values.sort();
    match (values.first(), values.last()) {
        (Some(min), Some(max)) => format!(
            "{} / {} / {}",
            secs(*min),
            secs(values[values.len() / 2]),
            secs(*max)
        ),
        _ => "-".to_string(),
    }
}

/// The machine, as the other runs in docs/RELIABILITY.md describe it.
async fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            let kb: u64 = m.lines().next()?.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{} GB RAM", kb / 1_000_000))
        })
        .unwrap_or_else(|| "RAM unknown".to_string());
    let postgres =
        match sqlx::PgPool::connect(&format!("{}/postgres", common::postgres_base())).await {
            Ok(pool) => sqlx::query_scalar::<_, String>("SHOW server_version")
                .fetch_one(&pool)
                .await
                .unwrap_or_else(|_| "unknown".to_string()),
            Err(_) => "unreachable".to_string(),
        };
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    format!("{cores} cores, {memory}, PostgreSQL {postgres}, {build} build")
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        println!("machine: {}", machine().await);
        println!(
            "{} rounds, 3 processes, CONSOLE_LEASE_SECONDS={}",
            args.rounds, args.lease_seconds
        );
        println!(
            "round | audit takeover s | audit complete s | events lost | events twice | bulk takeover s | bulk complete s | users | lost | twice | interrupted"
        );
        let started = Instant::now();
        let mut rounds = Vec::new();
        for n in 1..=args.rounds {
            let r = round(args.lease_seconds).await;
            println!(
                "{n} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {}",
                secs(r.audit_takeover),
                secs(r.audit_complete),
                r.events_lost,
                r.events_twice,
                secs(r.bulk_takeover),
                secs(r.bulk_complete),
                r.users,
                r.users_lost,
                r.users_twice,
                r.users_interrupted
            );
            rounds.push(r);
        }
        println!(
            "takeover (min / median / max): audit {} s, bulk {} s",
            spread(rounds.iter().map(|r| r.audit_takeover).collect()),
            spread(rounds.iter().map(|r| r.bulk_takeover).collect())
        );
        println!(
            "complete (min / median / max): audit {} s, bulk {} s",
            spread(rounds.iter().map(|r| r.audit_complete).collect()),
            spread(rounds.iter().map(|r| r.bulk_complete).collect())
        );
        println!(
            "in all: {} events lost, {} stored twice; {} users lost, {} done twice, {} interrupted; {:.0} s",
            rounds.iter().map(|r| r.events_lost).sum::<i64>(),
            rounds.iter().map(|r| r.events_twice).sum::<i64>(),
            rounds.iter().map(|r| r.users_lost).sum::<usize>(),
            rounds.iter().map(|r| r.users_twice).sum::<usize>(),
            rounds.iter().map(|r| r.users_interrupted).sum::<usize>(),
            started.elapsed().as_secs_f64()
        );
        anyhow::ensure!(
            rounds.iter().all(Round::clean),
            "work was lost or done twice"
        );
        Ok(())
    })
}
