//! Load run (not a test): the console's pages under 64 concurrent signed-in connections,
//! against the same server's static stylesheet as the ceiling, with the server's memory.
//!
//! ```text
//! cargo bench -p console-server --bench console_load -- [--seconds 30] [--ceiling-seconds 10] [--alone-seconds 10]
//!     [--overview-seconds 30] [--connections 64] [--people 8] [--size large] [--backfill-days 2]
//!     [--far-page 50] [--airtable apart|in-process] [--keep-db NAME] [--hold SECONDS]
//! ```
//!
//! The real `console-server` binary runs as a child process on a fresh `bench_load_…`
//! database, against a simulated enterprise of `--size` (`large` has 50,000 users, so the
//! users list has a page 50):
//! - `--airtable apart` (the default): **service-account mode**, as a production console
//!   runs without OAuth. The simulator runs in this bench's process, so the console's RSS is
//!   the console's alone; people reach the console through a "sign-in proxy" (the bench
//!   sets `X-Forwarded-Email`), and every Airtable call is made with the one service token.
//! - `--airtable in-process`: **demo mode**, the simulator inside the console's process (its
//!   RSS included); people sign in through the real OAuth round trip.
//!
//! `--people` enterprise admins sign in; the first takes a snapshot and copies the last
//! `--backfill-days` of the audit log. Then `--connections` workers (each its own keep-alive
//! connection, each a person's session) run these phases back to back:
//!
//! 0. one connection alone, for `--alone-seconds` (default 10): the mix below, one request
//!    at a time, so the latency a single person sees with nothing queued;
//! 1. the ceiling: `GET /assets/console.css` only, for `--ceiling-seconds`;
//! 2. the mix, for `--seconds`: each worker loops over overview, users page 1, users page
//!    50, a user's page (read live from Airtable), an audit search (three queries in turn)
//!    and the approvals list, one after the other;
//! 3. the overview alone, for `--overview-seconds`: what the enterprise read costs when
//!    everyone looks at the same page (it is kept `CONSOLE_LIVE_READ_SECONDS`, 60 s).
//!
//! Airtable calls are counted from the console's own `/metrics` (`airtable_requests_total`)
//! before and after phases 2 and 3: calls per page view, and enterprise reads.
//!
//! `--keep-db NAME` uses the database `NAME` (created if missing) and keeps it afterwards:
//! a second run with the same name and `--size` skips the snapshot and the audit copy it
//! finds there (the simulator is seeded, so its IDs are the same), which saves the `large`
//! world's ~9 minutes of set-up when comparing server binaries. The server's RSS "before"
//! then does not include what taking the snapshot left behind.
//!
//! `--hold SECONDS` stops after the set-up (and the first view of every page): it prints the
//! console's address and the headers that make a request one of the first person's, then
//! keeps the console up that long, for measuring by hand (`wrk`, `perf`) with no phase
//! running beside it.
//!
//! A page counts as answered when it is a 200 whose HTML shows the page's data (not an error
//! box). Prints requests/s and p50/p99 per kind, and the server's RSS before, during and
//! after. Exits non-zero if a page failed.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use support::{ConsoleProcess, Person};

struct Args {
    seconds: u64,
    ceiling_seconds: u64,
    alone_seconds: u64,
    overview_seconds: u64,
    connections: usize,
    people: usize,
    size: String,
    backfill_days: u32,
    far_page: u32,
    airtable_apart: bool,
    keep_db: Option<String>,
    hold_seconds: Option<u64>,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        seconds: 30,
        ceiling_seconds: 10,
        alone_seconds: 10,
        overview_seconds: 30,
        connections: 64,
        people: 8,
        size: "large".into(),
        backfill_days: 2,
        far_page: 50,
        airtable_apart: true,
        keep_db: None,
        hold_seconds: None,
    };
    for (flag, value) in support::flags() {
        let value = value.with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--seconds" => args.seconds = value?.parse()?,
            "--ceiling-seconds" => args.ceiling_seconds = value?.parse()?,
            "--alone-seconds" => args.alone_seconds = value?.parse()?,
            "--connections" => args.connections = value?.parse()?,
            "--people" => args.people = value?.parse()?,
            "--size" => args.size = value?,
            "--backfill-days" => args.backfill_days = value?.parse()?,
            "--far-page" => args.far_page = value?.parse()?,
            "--overview-seconds" => args.overview_seconds = value?.parse()?,
            "--keep-db" => args.keep_db = Some(value?),
            "--hold" => args.hold_seconds = Some(value?.parse()?),
            "--airtable" => {
                args.airtable_apart = match value?.as_str() {
                    "apart" => true,
                    "in-process" => false,
                    other => anyhow::bail!("--airtable is apart or in-process, not {other:?}"),
                }
            }
            other => anyhow::bail!("unknown argument {other:?}; see the header of console_load.rs"),
        }
    }
    Ok(args)
}

/// A kind of request in the mix: a name, the paths it cycles through, and what its HTML
/// must contain (one of) to count as answered.
struct Kind {
    name: &'static str,
    paths: Vec<String>,
    markers: &'static [&'static str],
}

#[derive(Default)]
struct Tally {
    latencies_ms: Vec<f64>,
    failed: usize,
    first_failure: Option<String>,
}

async fn fetch(client: &reqwest::Client, url: &str, markers: &[&str]) -> Result<(), String> {
    let response = client.get(url).send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.text().await.map_err(|e| e.to_string())?;
    if status != reqwest::StatusCode::OK {
        return Err(format!(
            "{status}: {}",
            body.chars().take(200).collect::<String>()
        ));
    }
    if !markers.iter().any(|marker| body.contains(marker)) {
        return Err(format!(
            "200 without {markers:?}: {}",
            body.chars().take(300).collect::<String>()
        ));
    }
    Ok(())
}

/// Runs `connections` workers for `seconds` over `kinds`; worker `i` is person `i % n`'s.
async fn phase(
    console_url: &str,
    people: &[Person],
    connections: usize,
    kinds: Arc<Vec<Kind>>,
    seconds: u64,
) -> (Vec<Tally>, Duration) {
    let tallies: Arc<Vec<Mutex<Tally>>> =
        Arc::new(kinds.iter().map(|_| Mutex::new(Tally::default())).collect());
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut workers = Vec::new();
    for i in 0..connections {
        let client = people[i % people.len()].connection();
        let kinds = kinds.clone();
        let tallies = tallies.clone();
        let stop = stop.clone();
        let base = console_url.to_string();
        workers.push(tokio::spawn(async move {
            let mut turn = i;
            while !stop.load(Ordering::Relaxed) {
                let k = turn % kinds.len();
                let kind = &kinds[k];
                let path = &kind.paths[(turn / kinds.len()) % kind.paths.len()];
                turn += 1;
                let t = Instant::now();
                let outcome = fetch(&client, &format!("{base}{path}"), kind.markers).await;
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                let mut tally = tallies[k].lock().expect("tally");
                match outcome {
                    Ok(()) => tally.latencies_ms.push(ms),
                    Err(why) => {
                        tally.failed += 1;
                        tally.first_failure.get_or_insert(format!("{path}: {why}"));
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        let _ = w.await;
    }
    let elapsed = started.elapsed();
    let tallies = Arc::try_unwrap(tallies)
        .ok()
        .expect("workers are done")
        .into_iter()
        .map(|m| m.into_inner().expect("tally"))
        .collect();
    (tallies, elapsed)
}

/// `--hold`: the console's address and the first person's headers (session cookie and, in
/// service-account mode, the sign-in proxy's header), then the console kept up, idle.
async fn hold(url: &str, person: &Person, console: &ConsoleProcess, seconds: u64) {
    use reqwest::cookie::CookieStore as _;
    let cookie = url
        .parse()
        .ok()
        .and_then(|parsed| person.jar.cookies(&parsed))
        .and_then(|value| value.to_str().ok().map(str::to_string))
        .unwrap_or_default();
    println!(
        "console at {url} (pid {}), held for {seconds} s",
        console.pid()
    );
    println!("  -H 'Cookie: {cookie}'");
    if let Some(email) = &person.vouched_email {
        println!("  -H '{}: {email}'", support::TRUSTED_EMAIL_HEADER);
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
}

/// Samples the server's RSS every 200 ms until told to stop; returns (max, mean).
fn sample_rss(pid: u32, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<(f64, f64)> {
    tokio::spawn(async move {
        let mut samples = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            samples.push(support::rss_mib(pid));
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let max = samples.iter().copied().fold(0.0, f64::max);
        let mean = samples.iter().sum::<f64>() / samples.len().max(1) as f64;
        (max, mean)
    })
}

fn print_rows(kinds: &[Kind], tallies: &mut [Tally], elapsed: Duration, ceiling_rps: f64) {
    for (kind, tally) in kinds.iter().zip(tallies.iter_mut()) {
        tally.latencies_ms.sort_by(f64::total_cmp);
        let n = tally.latencies_ms.len();
        let rps = n as f64 / elapsed.as_secs_f64();
        println!(
            "| {} | {} | {} | {:.1} | {:.1} | {:.1} | {} |",
            kind.name,
            n,
            tally.failed,
            rps,
            support::percentile(&tally.latencies_ms, 50.0),
            support::percentile(&tally.latencies_ms, 99.0),
            if ceiling_rps.is_nan() {
                "–".into()
            } else if ceiling_rps > 0.0 {
                format!("{:.3}", rps / ceiling_rps)
            } else {
                "1".into()
            }
        );
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let port = support::free_port(&[])?;
    let sim_port = support::free_port(&[port])?;
    let database_url = match &args.keep_db {
        Some(name) => format!("{}/{name}", support::postgres_base()),
        None => support::fresh_database_url(&support::postgres_base(), "load"),
    };
    let backfill = args.backfill_days.to_string();
    let sim_url = format!("http://127.0.0.1:{sim_port}");
    let extra = [("CONSOLE_AUDIT_BACKFILL_DAYS", backfill.as_str())];
    println!(
        "console pages under load: {} world, {} connections, {} people, ceiling {} s, mix {} s, {}",
        args.size,
        args.connections,
        args.people,
        args.ceiling_seconds,
        args.seconds,
        if args.airtable_apart {
            "service-account mode (simulator in the bench's process)"
        } else {
            "demo mode (simulator in the console's process)"
        }
    );
    // Service-account mode: the simulator here, the console on its own.
    let _sim = if args.airtable_apart {
        let size = airtable_sim::SimSize::by_name(&args.size)
            .with_context(|| format!("--size {} is not tiny, demo or large", args.size))?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", sim_port)).await?;
        let config = airtable_sim::SimConfig {
            size,
            ..airtable_sim::SimConfig::default()
        };
        Some(airtable_sim::spawn(listener, config).await?)
    } else {
        None
    };
    let env = if args.airtable_apart {
        let info = support::sim_info(&sim_url).await?;
        let first_admin = info.admins.first().context("no enterprise admin")?;
        support::service_account_env(
            port,
            &sim_url,
            &info,
            &database_url,
            &first_admin.email,
            &extra,
        )
    } else {
        support::demo_env(port, sim_port, &database_url, &args.size, &extra)
    };
    let mut console = ConsoleProcess::spawn("bench-load", &env)?;
    let ready = console.wait_healthy(Duration::from_secs(300)).await?;
    println!("server ready after {:.2} s", ready.as_secs_f64());
    let url = console.url.clone();
    let info = support::sim_info(&sim_url).await?;
    let db = sqlx::PgPool::connect(&database_url).await?;

    let mut people = Vec::new();
    for admin in info.admins.iter().take(args.people) {
        people.push(if args.airtable_apart {
            support::vouched_for(&url, &admin.email).await?
        } else {
            support::sign_in(&url, &admin.email, &info).await?
        });
    }
    anyhow::ensure!(!people.is_empty(), "no enterprise admin to sign in as");
    println!(
        "{} people signed in ({})",
        people.len(),
        if args.airtable_apart {
            "vouched for by the bench's sign-in proxy header"
        } else {
            "through the OAuth round trip"
        }
    );
    let kept_snapshot: bool = args.keep_db.is_some()
        && sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM snapshots WHERE taken_at IS NOT NULL)")
            .fetch_one(&db)
            .await?;
    if kept_snapshot {
        println!("snapshot kept from an earlier run (--keep-db)");
    } else {
        let took = support::take_snapshot(&url, &people[0], &db).await?;
        println!("snapshot taken in {:.1} s", took.as_secs_f64());
    }
    // A finished sync run, not any event: the console records its own actions (the
    // snapshot above) in the copy too.
    let kept_copy: bool = args.keep_db.is_some()
        && sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM audit_sync WHERE run_finished_at IS NOT NULL)",
        )
        .fetch_one(&db)
        .await?;
    if kept_copy {
        let kept_events: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events")
            .fetch_one(&db)
            .await?;
        println!("audit copy kept from an earlier run: {kept_events} events");
    } else {
        let events = support::sync_audit(&url, &people[0], &db, Duration::from_secs(900)).await?;
        println!(
            "audit copy: {events} events (last {} days)",
            args.backfill_days
        );
    }

    let actor = &people[0].email;
    let mut user_ids: Vec<String> = sqlx::query_scalar(
        "SELECT user_id FROM snapshot_users WHERE snapshot_id = (SELECT max(id) FROM snapshots)
          ORDER BY user_id LIMIT 16",
    )
    .fetch_all(&db)
    .await
    .unwrap_or_default();
    if user_ids.is_empty() {
        user_ids = info.non_admins.iter().map(|p| p.id.clone()).collect();
    }
    let enc = |q: &str| url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>();
    let mix = Arc::new(vec![
        Kind {
            name: "overview",
            paths: vec!["/".into()],
            markers: &["data-testid=\"count-users\""],
        },
        Kind {
            name: "users, page 1",
            paths: vec!["/users?page=1".into()],
            markers: &["data-testid=\"user-row\""],
        },
        Kind {
            name: if args.far_page == 50 {
                "users, page 50"
            } else {
                "users, a far page"
            },
            paths: vec![format!("/users?page={}", args.far_page)],
            markers: &["data-testid=\"user-row\""],
        },
        Kind {
            name: "user detail (live)",
            paths: user_ids.iter().map(|id| format!("/users/{id}")).collect(),
            markers: &["data-testid=\"user-card\""],
        },
        Kind {
            name: "audit search",
            paths: vec![
                format!("/audit?q={}", enc("action:viewBase")),
                format!("/audit?q={}", enc("\"budget\"")),
                format!("/audit?q={}", enc(&format!("actor:{actor}"))),
            ],
            markers: &["data-testid=\"audit-results\""],
        },
        Kind {
            name: "approvals",
            paths: vec!["/approvals?show=all".into()],
            markers: &[
                "data-testid=\"approval-requests\"",
                "data-testid=\"no-requests\"",
            ],
        },
    ]);
    let overview_only = Arc::new(vec![Kind {
        name: "overview alone",
        paths: vec!["/".into()],
        markers: &["data-testid=\"count-users\""],
    }]);
    let ceiling = Arc::new(vec![Kind {
        name: "static asset (/assets/console.css)",
        paths: vec!["/assets/console.css".into()],
        markers: &["{"],
    }]);

    // Every page once, so a broken page fails fast instead of after the run.
    for kind in mix.iter().chain(ceiling.iter()) {
        for path in &kind.paths {
            fetch(&people[0].browser, &format!("{url}{path}"), kind.markers)
                .await
                .map_err(|why| anyhow::anyhow!("{path}: {why}"))?;
        }
    }
    if let Some(seconds) = args.hold_seconds {
        hold(&url, &people[0], &console, seconds).await;
        return Ok(());
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_before = console.rss_mib();

    // One connection first: what a single person waits for each page, with nothing queued.
    let (mut alone_tallies, alone_elapsed) =
        phase(&url, &people, 1, mix.clone(), args.alone_seconds).await;

    let stop = Arc::new(AtomicBool::new(false));
    let sampler = sample_rss(console.pid(), stop.clone());
    let (mut ceiling_tally, ceiling_elapsed) = phase(
        &url,
        &people,
        args.connections,
        ceiling.clone(),
        args.ceiling_seconds,
    )
    .await;
    let calls_before_mix = support::airtable_calls(&url).await?;
    let (mut mix_tallies, mix_elapsed) =
        phase(&url, &people, args.connections, mix.clone(), args.seconds).await;
    let calls_in_mix = support::airtable_calls(&url)
        .await?
        .since(&calls_before_mix);
    let (mut overview_tally, overview_elapsed) = phase(
        &url,
        &people,
        args.connections,
        overview_only.clone(),
        args.overview_seconds,
    )
    .await;
    let calls_in_overview = support::airtable_calls(&url)
        .await?
        .since(&calls_before_mix)
        .since(&calls_in_mix);
    stop.store(true, Ordering::Relaxed);
    let (rss_max, rss_mean) = sampler.await?;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let rss_after = console.rss_mib();
    let alive = console.alive();

    let ceiling_rps = ceiling_tally[0].latencies_ms.len() as f64 / ceiling_elapsed.as_secs_f64();
    let mix_total: usize = mix_tallies.iter().map(|t| t.latencies_ms.len()).sum();
    let mix_rps = mix_total as f64 / mix_elapsed.as_secs_f64();
    println!();
    println!(
        "One connection ({} s), each page in turn:",
        args.alone_seconds
    );
    println!();
    println!("| request | answered | failed | requests/s | p50 (ms) | p99 (ms) | ÷ ceiling |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    // No ceiling to compare with here (the ceiling ran with every connection).
    print_rows(&mix, &mut alone_tallies, alone_elapsed, f64::NAN);
    println!();
    println!("{} connections:", args.connections);
    println!();
    println!("| request | answered | failed | requests/s | p50 (ms) | p99 (ms) | ÷ ceiling |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    print_rows(&ceiling, &mut ceiling_tally, ceiling_elapsed, 0.0);
    print_rows(&mix, &mut mix_tallies, mix_elapsed, ceiling_rps);
    let mut all: Vec<f64> = mix_tallies
        .iter()
        .flat_map(|t| t.latencies_ms.iter().copied())
        .collect();
    all.sort_by(f64::total_cmp);
    let failed: usize = mix_tallies.iter().map(|t| t.failed).sum::<usize>()
        + alone_tallies.iter().map(|t| t.failed).sum::<usize>()
        + ceiling_tally[0].failed;
    println!(
        "| **the whole mix** | {} | {} | {:.1} | {:.1} | {:.1} | {:.3} |",
        mix_total,
        mix_tallies.iter().map(|t| t.failed).sum::<usize>(),
        mix_rps,
        support::percentile(&all, 50.0),
        support::percentile(&all, 99.0),
        mix_rps / ceiling_rps
    );
    println!();
    println!("| server RSS | MiB |");
    println!("|---|---:|");
    println!(
        "| before (after sign-ins, snapshot, audit copy, one of each page) | {rss_before:.0} |"
    );
    println!("| during (mean / max over phases 1–3) | {rss_mean:.0} / {rss_max:.0} |");
    println!("| after (5 s later) | {rss_after:.0} |");
    println!();
    println!(
        "Overview alone, {} connections for {} s:",
        args.connections, args.overview_seconds
    );
    println!();
    println!("| request | answered | failed | requests/s | p50 (ms) | p99 (ms) | ÷ ceiling |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    print_rows(
        &overview_only,
        &mut overview_tally,
        overview_elapsed,
        ceiling_rps,
    );
    let overview_views = overview_tally[0].latencies_ms.len();
    println!();
    println!("| Airtable calls (from /metrics) | calls | page views | calls per view |");
    println!("|---|---:|---:|---:|");
    println!(
        "| the mix | {:.0} | {mix_total} | {:.4} |",
        calls_in_mix.total,
        calls_in_mix.total / mix_total.max(1) as f64
    );
    println!(
        "| overview alone: every call | {:.0} | {overview_views} | {:.4} |",
        calls_in_overview.total,
        calls_in_overview.total / overview_views.max(1) as f64
    );
    println!(
        "| overview alone: enterprise reads | {:.0} | {overview_views} | {:.4} |",
        calls_in_overview.to_endpoint_ending("/enterpriseAccounts/{id}"),
        calls_in_overview.to_endpoint_ending("/enterpriseAccounts/{id}")
            / overview_views.max(1) as f64
    );
    println!();
    println!("Airtable calls during the mix, by endpoint:");
    for (endpoint, calls) in &calls_in_mix.by_endpoint {
        println!("- {endpoint}: {calls:.0}");
    }
    let failed = failed + overview_tally[0].failed;
    for t in ceiling_tally
        .iter()
        .chain(&mix_tallies)
        .chain(&alone_tallies)
        .chain(&overview_tally)
    {
        if let Some(f) = &t.first_failure {
            println!("first failure: {f}");
        }
    }

    drop(db);
    console.stop();
    if args.keep_db.is_none() {
        support::drop_database(&database_url).await;
    }
    anyhow::ensure!(
        alive,
        "the server died during the run; see {}",
        console.log.display()
    );
    anyhow::ensure!(
        failed == 0,
        "{failed} requests failed; see {}",
        console.log.display()
    );
    std::fs::remove_dir_all(&console.data_dir).ok();
    Ok(())
}
