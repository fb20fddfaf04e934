//! Start-up run (not a test): the real server binary started cold on a database that does
//! not exist yet, and the time until a signed-in person sees the overview with real data.
//!
//! ```text
//! cargo bench -p console-server --bench cold_start -- [--runs 3] [--sizes tiny,demo,large]
//! ```
//!
//! Each run spawns `console-server` in demo mode on a new `bench_cold_…` database (the
//! server creates it and applies every migration), then measures from the spawn: the first
//! `200` from `/healthz`; the OAuth round trip of the first enterprise admin done (login →
//! the simulator's page → callback → session); the overview page rendered with the
//! enterprise's counts, read from Airtable. The simulator is seeded inside the server, so
//! larger worlds start slower. Figures go to docs/BENCHMARKS.md.

mod support;

use std::time::{Duration, Instant};

use anyhow::Context as _;
use support::ConsoleProcess;

struct Run {
    healthy: Duration,
    signed_in: Duration,
    overview: Duration,
    users_shown: String,
    rss_mib: f64,
}

async fn one_run(size: &str) -> anyhow::Result<Run> {
    let port = support::free_port(&[])?;
    let sim_port = support::free_port(&[port])?;
    let database_url = support::fresh_database_url(&support::postgres_base(), "cold");
    let env = support::demo_env(port, sim_port, &database_url, size, &[]);
    let mut console = ConsoleProcess::spawn("bench-cold", &env)?;
    let healthy = console.wait_healthy(Duration::from_secs(300)).await?;
    let sim_url = format!("http://127.0.0.1:{sim_port}");
    let info = support::sim_info(&sim_url).await?;
    let admin = info.admins.first().context("no admin")?.email.clone();
    let person = support::sign_in(&console.url, &admin, &info).await?;
    let signed_in = console.spawned_at.elapsed();
    let page = person
        .browser
        .get(format!("{}/", console.url))
        .send()
        .await?
        .text()
        .await?;
    let overview = console.spawned_at.elapsed();
    // The users' count as the page shows it: real data from Airtable, not a placeholder.
    let marker = "data-testid=\"count-users\"";
    let users_shown: String = page
        .split_once(marker)
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(_, rest)| rest.chars().take_while(char::is_ascii_digit).collect())
        .unwrap_or_default();
    anyhow::ensure!(
        users_shown.parse::<usize>().is_ok_and(|n| n > 0),
        "the overview shows no user count: {}",
        page.find("count-users").map_or(page.as_str(), |at| &page
            [at.saturating_sub(100)..(at + 300).min(page.len())])
    );
    let rss_mib = console.rss_mib();
    console.stop();
    support::drop_database(&database_url).await;
    std::fs::remove_dir_all(&console.data_dir).ok();
    Ok(Run {
        healthy,
        signed_in,
        overview,
        users_shown,
        rss_mib,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut runs = 3;
    let mut sizes = vec!["tiny".to_string(), "demo".into(), "large".into()];
    for (flag, value) in support::flags() {
        let value = value.with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--runs" => runs = value?.parse()?,
            "--sizes" => sizes = value?.split(',').map(str::to_string).collect(),
            other => anyhow::bail!("unknown argument {other:?}; see the header of cold_start.rs"),
        }
    }
    println!("cold start on an empty database: {runs} runs per world");
    println!();
    println!("| world | run | /healthz 200 (s) | signed in (s) | overview with data (s) | users shown | RSS then (MiB) |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let started = Instant::now();
    for size in &sizes {
        for i in 0..runs {
            let r = one_run(size).await?;
            println!(
                "| {size} | {} | {:.2} | {:.2} | {:.2} | {} | {:.0} |",
                i + 1,
                r.healthy.as_secs_f64(),
                r.signed_in.as_secs_f64(),
                r.overview.as_secs_f64(),
                r.users_shown,
                r.rss_mib
            );
        }
    }
    println!("\ntotal {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
