//! How fast and how big the simulator is at its largest size (not a test):
//!
//! ```text
//! cargo run --release -p airtable-sim --example bench_sim [-- SECONDS_PER_MEASURE]
//! ```
//!
//! Reports start-up time and resident memory (VmRSS from /proc/self/status, before and
//! after seeding `large`), then audit-log pages served per second over real HTTP on one
//! keep-alive connection (an ascending walk following `next` with pageSize 1000 and 100,
//! and a filtered query), next to `/_sim/health` requests per second on the same server
//! as the ceiling. The client runs in the same process (same two cores), as a console's
//! ingester would run next to Airtable's network: the figures are for comparison, not
//! absolute. Ends with a markdown table.

use std::time::{Duration, Instant};

use airtable_sim::{SimConfig, SimSize};
use serde_json::Value;

/// `VmRSS` and `VmHWM` (peak) of this process, in KiB.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

struct Measure {
    name: String,
    requests: usize,
    events: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Measure {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn events_per_second(&self) -> f64 {
        self.events as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> Duration {
        let mut l = self.latencies.clone();
        l.sort();
        l.get(((l.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or_default()
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn health(http: &reqwest::Client, base: &str, budget: Duration) -> anyhow::Result<Measure> {
    let url = format!("{base}/_sim/health");
    let mut latencies = Vec::new();
    let start = Instant::now();
    while start.elapsed() < budget {
        let t = Instant::now();
        let body = http
            .get(&url)
            .send()
            .await?
            .error_for_status()?
            .text()
            .await?;
        anyhow::ensure!(body == "ok", "health said {body:?}");
        latencies.push(t.elapsed());
    }
    Ok(Measure {
        name: "`GET /_sim/health` (ceiling)".into(),
        requests: latencies.len(),
        events: 0,
        elapsed: start.elapsed(),
        latencies,
    })
}

/// Walks the audit log ascending from the oldest event, following `next`, for `budget`.
async fn walk(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    name: String,
    budget: Duration,
) -> anyhow::Result<Measure> {
    let mut latencies = Vec::new();
    let mut events = 0;
    let mut cursor: Option<String> = None;
    let mut last_id = String::new();
    let start = Instant::now();
    while start.elapsed() < budget {
        let mut req = http.get(url).bearer_auth(token);
        if let Some(c) = &cursor {
            req = req.query(&[("next", c)]);
        }
        let t = Instant::now();
        let page: Value = req.send().await?.error_for_status()?.json().await?;
        latencies.push(t.elapsed());
        let list = page["events"].as_array().cloned().unwrap_or_default();
        for e in &list {
            let id = e["id"].as_str().unwrap_or_default();
            anyhow::ensure!(
                *id > *last_id.as_str(),
                "ascending ids: {id} after {last_id}"
            );
            last_id = id.to_string();
        }
        events += list.len();
        cursor = page["pagination"]["next"].as_str().map(str::to_string);
        anyhow::ensure!(cursor.is_some(), "an open stream always has next");
    }
    Ok(Measure {
        name,
        requests: latencies.len(),
        events,
        elapsed: start.elapsed(),
        latencies,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let budget = Duration::from_secs_f64(
        std::env::args()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(3.0),
    );
    let (rss_before, _) = memory_kib();
    let size = SimSize::large();
    let started = Instant::now();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let sim = airtable_sim::spawn(
        listener,
        SimConfig {
            size,
            ..SimConfig::default()
        },
    )
    .await?;
    let startup = started.elapsed();
    let (rss_after, _) = memory_kib();
    let info = sim.info();
    let base = sim.base_url();
    println!(
        "airtable-sim bench: size large ({} users, {} groups, {} workspaces, {} bases, {} audit events)",
        info.counts.users, info.counts.groups, info.counts.workspaces, info.counts.bases,
        info.counts.audit_events
    );
    println!("start-up (seed + serve): {:.2} s", startup.as_secs_f64());
    println!(
        "resident memory: {:.1} MiB before, {:.1} MiB after start-up (+{:.1} MiB)",
        mib(rss_before),
        mib(rss_after),
        mib(rss_after.saturating_sub(rss_before))
    );

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()?;
    let audit = format!(
        "{base}/v0/meta/enterpriseAccounts/{}/auditLogEvents",
        info.enterprise_account_id
    );
    let token = info.token.clone();
    // Warm the connection and the code paths.
    let _ = health(&http, &base, Duration::from_millis(200)).await?;
    let _ = walk(
        &http,
        &format!("{audit}?sortOrder=ascending&pageSize=100"),
        &token,
        String::new(),
        Duration::from_millis(200),
    )
    .await?;

    let mut results = vec![health(&http, &base, budget).await?];
    for (query, name) in [
        (
            "sortOrder=ascending&pageSize=1000",
            "audit, ascending walk, pageSize 1000",
        ),
        (
            "sortOrder=ascending&pageSize=100",
            "audit, ascending walk, pageSize 100",
        ),
        (
            "sortOrder=ascending&pageSize=1000&eventType=createBase",
            "audit, ascending walk, pageSize 1000, `eventType=createBase` (~3% of events)",
        ),
    ] {
        results.push(
            walk(
                &http,
                &format!("{audit}?{query}"),
                &token,
                name.to_string(),
                budget,
            )
            .await?,
        );
    }
    let (rss_end, peak) = memory_kib();
    let ceiling = results[0].per_second();
    println!();
    for m in &results {
        println!(
            "{}: {} requests in {:.2} s = {:.0}/s ({:.1}% of the ceiling), {:.0} events/s, p50 {:.2} ms, p99 {:.2} ms",
            m.name,
            m.requests,
            m.elapsed.as_secs_f64(),
            m.per_second(),
            100.0 * m.per_second() / ceiling,
            m.events_per_second(),
            ms(m.percentile(0.5)),
            ms(m.percentile(0.99)),
        );
    }
    println!(
        "resident memory after the run: {:.1} MiB (peak {:.1} MiB)",
        mib(rss_end),
        mib(peak)
    );
    println!();
    println!("| Measure | Requests/s | % of ceiling | Events/s | p50 ms | p99 ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    for m in &results {
        println!(
            "| {} | {:.0} | {:.1}% | {} | {:.2} | {:.2} |",
            m.name,
            m.per_second(),
            100.0 * m.per_second() / ceiling,
            if m.events == 0 {
                "–".to_string()
            } else {
                format!("{:.0}", m.events_per_second())
            },
            ms(m.percentile(0.5)),
            ms(m.percentile(0.99)),
        );
    }
    println!();
    println!("| Start-up (large) | RSS before | RSS after start-up | RSS after run | Peak RSS |");
    println!("|---:|---:|---:|---:|---:|");
    println!(
        "| {:.2} s | {:.1} MiB | {:.1} MiB | {:.1} MiB | {:.1} MiB |",
        startup.as_secs_f64(),
        mib(rss_before),
        mib(rss_after),
        mib(rss_end),
        mib(peak)
    );
    sim.shutdown().await;
    Ok(())
}
