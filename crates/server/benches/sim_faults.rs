//! Reliability run (not a test): Airtable misbehaving (the simulator's injected 429 storms,
//! server errors, latency and dropped connections) while the console copies the audit log
//! and while people browse and make changes.
//!
//! ```text
//! cargo bench -p console-server --bench sim_faults -- [--seconds 15] [--workers 16] [--seed 7]
//! ```
//!
//! The real `console-server` binary runs as a child process in demo mode (`demo` world:
//! 250 users, 20,000 audit events; simulator in-process, reached over HTTP for
//! `POST /_sim/faults`) on a fresh `bench_faults_…` database.
//!
//! 1. Ingestion: faults on every Airtable call (10% 429s, 10% 500s, 5% dropped connections,
//!    50 ms latency), then "Sync now" again and again for up to two minutes; then faults off
//!    and one more sync. The stored events must equal a fresh walk of the simulator's log
//!    exactly (none lost, none twice).
//! 2. Browsing and changing: for each scenario (none, 429 storm, 5xx, 503s, latency spikes,
//!    dropped connections, Airtable down), `--workers` signed-in connections load pages read
//!    live from Airtable (overview, user pages) and from the console's own copy (audit
//!    search) for `--seconds`, while an operator renames users one after the other. Every
//!    answer is sorted: the page with its data; a plain error (a 502/503, or the page's
//!    error box, in plain words with nothing internal in it); a server error (a 500 or
//!    another 5xx); no answer at all. Afterwards, every rename the console confirmed must be
//!    in Airtable and in the console's action log exactly once.
//!
//! Exits non-zero on a server error, an internal detail shown, a crash or panic, a lost or
//! duplicated event or change.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use airtable_client::{ids::EnterpriseId, AccessToken, Client, Timestamp};
use anyhow::Context as _;
use futures::TryStreamExt;
use serde_json::json;
use support::{ConsoleProcess, Person};

#[derive(Default, Clone)]
struct Outcomes {
    tried: usize,
    with_data: usize,
    plain_error: usize,
    server_error: usize,
    leaked: usize,
    no_answer: usize,
    latencies_ms: Vec<f64>,
    sample_error: Option<String>,
    sample_bad: Option<String>,
}

enum Verdict {
    Data,
    Plain(String),
    ServerError(String),
    Leaked(String),
    NoAnswer(String),
}

/// The visible text of the page's error box, if it has one.
fn error_box(body: &str) -> Option<String> {
    let at = body.find("role=\"alert\"")?;
    let rest = &body[at..];
    let start = rest.find('>')? + 1;
    let end = rest[start..].find('<')? + start;
    Some(rest[start..end].trim().to_string())
}

async fn look(client: &reqwest::Client, url: &str, marker: &str) -> Verdict {
    let response = match client.get(url).send().await {
        Ok(r) => r,
        Err(e) => return Verdict::NoAnswer(e.to_string()),
    };
    let status = response.status();
    let body = match response.text().await {
        Ok(b) => b,
        Err(e) => return Verdict::NoAnswer(e.to_string()),
    };
    if let Some(word) = support::leaks_internals(&body) {
        return Verdict::Leaked(format!("{status} shows {word:?}"));
    }
    let said = error_box(&body).unwrap_or_else(|| body.chars().take(160).collect());
    match status.as_u16() {
        200 if body.contains(marker) => Verdict::Data,
        200 if error_box(&body).is_some() => Verdict::Plain(said),
        502..=504 => Verdict::Plain(said),
        s if s >= 500 => Verdict::ServerError(format!("{status}: {said}")),
        _ => Verdict::ServerError(format!("unexpected {status}: {said}")),
    }
}

fn record(o: &mut Outcomes, verdict: Verdict, ms: f64) {
    o.tried += 1;
    o.latencies_ms.push(ms);
    match verdict {
        Verdict::Data => o.with_data += 1,
        Verdict::Plain(said) => {
            o.plain_error += 1;
            o.sample_error.get_or_insert(said);
        }
        Verdict::ServerError(said) => {
            o.server_error += 1;
            o.sample_bad.get_or_insert(said);
        }
        Verdict::Leaked(said) => {
            o.leaked += 1;
            o.sample_bad.get_or_insert(said);
        }
        Verdict::NoAnswer(said) => {
            o.no_answer += 1;
            o.sample_bad.get_or_insert(said);
        }
    }
}

/// One rename the operator asked for, and what the console answered.
struct Rename {
    user: String,
    first: String,
    confirmed: bool,
}

async fn set_faults(sim_url: &str, body: serde_json::Value) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    if body.is_null() {
        http.delete(format!("{sim_url}/_sim/faults"))
            .send()
            .await?
            .error_for_status()?;
    } else {
        http.post(format!("{sim_url}/_sim/faults"))
            .json(&body)
            .send()
            .await?
            .error_for_status()?;
    }
    Ok(())
}

async fn sim_event_ids(
    sim_url: &str,
    token: &str,
    enterprise: &str,
) -> anyhow::Result<Vec<String>> {
    let client = Client::builder()
        .base_url(sim_url.to_string())
        .token(AccessToken::new(token.to_string()))
        .build()?;
    let enterprise: EnterpriseId = enterprise.parse()?;
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

#[allow(clippy::too_many_arguments)]
async fn browse_scenario(
    url: &str,
    viewers: &[Person],
    operator: &Person,
    workers: usize,
    seconds: u64,
    pages: Arc<Vec<(&'static str, String, &'static str)>>,
    rename_targets: &[String],
    renames: &Arc<Mutex<Vec<Rename>>>,
    counter: &Arc<std::sync::atomic::AtomicUsize>,
) -> (Outcomes, Outcomes) {
    let browsing = Arc::new(Mutex::new(Outcomes::default()));
    let changing = Arc::new(Mutex::new(Outcomes::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for i in 0..workers {
        let client = support::browser_on(viewers[i % viewers.len()].jar.clone());
        let (pages, browsing, stop, base) = (
            pages.clone(),
            browsing.clone(),
            stop.clone(),
            url.to_string(),
        );
        tasks.push(tokio::spawn(async move {
            let mut turn = i;
            while !stop.load(Ordering::Relaxed) {
                let (_, path, marker) = &pages[turn % pages.len()];
                turn += 1;
                let t = Instant::now();
                let verdict = look(&client, &format!("{base}{path}"), marker).await;
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                record(&mut browsing.lock().expect("outcomes"), verdict, ms);
            }
        }));
    }
    {
        let (operator, changing, stop, renames, counter, base) = (
            operator.clone(),
            changing.clone(),
            stop.clone(),
            renames.clone(),
            counter.clone(),
            url.to_string(),
        );
        let targets = rename_targets.to_vec();
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let user = targets[n % targets.len()].clone();
                let first = format!("R{n}");
                let t = Instant::now();
                let answer = support::post_form(
                    &base,
                    &operator,
                    "/api/users/rename",
                    &[
                        ("user", &user),
                        ("first_name", &first),
                        ("last_name", "Fault"),
                    ],
                )
                .await;
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                let (verdict, confirmed) = match answer {
                    Err(e) => (Verdict::NoAnswer(e.to_string()), false),
                    Ok((status, body)) => {
                        if let Some(word) = support::leaks_internals(&body) {
                            (Verdict::Leaked(format!("{status} shows {word:?}")), false)
                        } else if status.is_success() {
                            (Verdict::Data, true)
                        } else if matches!(status.as_u16(), 502..=504) {
                            (Verdict::Plain(body.chars().take(160).collect()), false)
                        } else {
                            (
                                Verdict::ServerError(format!(
                                    "{status}: {}",
                                    body.chars().take(160).collect::<String>()
                                )),
                                false,
                            )
                        }
                    }
                };
                record(&mut changing.lock().expect("outcomes"), verdict, ms);
                renames.lock().expect("renames").push(Rename {
                    user,
                    first,
                    confirmed,
                });
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    let b = browsing.lock().expect("outcomes").clone();
    let c = changing.lock().expect("outcomes").clone();
    (b, c)
}

fn row(name: &str, what: &str, o: &mut Outcomes) {
    o.latencies_ms.sort_by(f64::total_cmp);
    println!(
        "| {name} | {what} | {} | {} | {} | {} | {} | {} | {:.0} | {:.0} |",
        o.tried,
        o.with_data,
        o.plain_error,
        o.server_error,
        o.leaked,
        o.no_answer,
        support::percentile(&o.latencies_ms, 50.0),
        o.latencies_ms.last().copied().unwrap_or(0.0),
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (mut seconds, mut workers, mut seed) = (15u64, 16usize, 7u64);
    for (flag, value) in support::flags() {
        let value = value.with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--seconds" => seconds = value?.parse()?,
            "--workers" => workers = value?.parse()?,
            "--seed" => seed = value?.parse()?,
            other => anyhow::bail!("unknown argument {other:?}; see the header of sim_faults.rs"),
        }
    }
    let started = Instant::now();
    let port = support::free_port(&[])?;
    let sim_port = support::free_port(&[port])?;
    let database_url = support::fresh_database_url(&support::postgres_base(), "faults");
    let env = support::demo_env(
        port,
        sim_port,
        &database_url,
        "demo",
        &[("CONSOLE_AUDIT_BACKFILL_DAYS", "400")],
    );
    let mut console = ConsoleProcess::spawn("bench-faults", &env)?;
    console.wait_healthy(Duration::from_secs(120)).await?;
    let url = console.url.clone();
    let sim_url = format!("http://127.0.0.1:{sim_port}");
    let info = support::sim_info(&sim_url).await?;
    let db = sqlx::PgPool::connect(&database_url).await?;
    let operator = support::sign_in(&url, &info.admins[1].email, &info).await?;
    let mut viewers = Vec::new();
    for admin in info.admins.iter().skip(3).take(4) {
        viewers.push(support::sign_in(&url, &admin.email, &info).await?);
    }
    if viewers.is_empty() {
        viewers.push(operator.clone());
    }
    println!(
        "faults from the simulator: seed {seed}, {workers} browsing connections, {seconds} s per scenario"
    );

    // 1. Ingestion under faults.
    set_faults(
        &sim_url,
        json!({ "seed": seed, "rules": [{ "path": "/v0/*", "latencyMs": 50,
            "rate429": 0.1, "rate5xx": 0.1, "dropRate": 0.05 }] }),
    )
    .await?;
    let ingest_started = Instant::now();
    let (mut runs, mut failed_runs) = (0, 0);
    let mut first_error = None;
    while ingest_started.elapsed() < Duration::from_secs(120) {
        support::sync_audit(&url, &operator, &db, Duration::from_secs(300)).await?;
        runs += 1;
        let (error, done): (Option<String>, bool) = sqlx::query_as(
            "SELECT CASE WHEN last_error_at >= run_started_at THEN last_error END,
                    backfill_done_at IS NOT NULL
               FROM audit_sync",
        )
        .fetch_one(&db)
        .await?;
        if let Some(e) = error {
            failed_runs += 1;
            first_error.get_or_insert(e);
        } else if done {
            break;
        }
    }
    let faults_seen: serde_json::Value = reqwest::get(format!("{sim_url}/_sim/faults"))
        .await?
        .json()
        .await?;
    set_faults(&sim_url, serde_json::Value::Null).await?;
    support::sync_audit(&url, &operator, &db, Duration::from_secs(300)).await?;
    let want: BTreeSet<String> = sim_event_ids(&sim_url, &info.token, &info.enterprise_account_id)
        .await?
        .into_iter()
        .collect();
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM audit_events WHERE category IS DISTINCT FROM 'console' ORDER BY id",
    )
    .fetch_all(&db)
    .await?;
    let have: BTreeSet<String> = rows.iter().cloned().collect();
    let duplicated = rows.len() - have.len();
    let lost = want.difference(&have).count();
    let extra = have.difference(&want).count();
    println!();
    println!("| ingestion under faults | figure |");
    println!("|---|---:|");
    println!("| sync runs with faults on | {runs} |");
    println!("| … of which ended with an error (shown on the sync page) | {failed_runs} |");
    println!(
        "| faults injected (delayed / 429 / 5xx / dropped) | {} / {} / {} / {} |",
        faults_seen["injected"]["delayed"],
        faults_seen["injected"]["tooManyRequests"],
        faults_seen["injected"]["serverErrors"],
        faults_seen["injected"]["dropped"]
    );
    println!("| simulator events | {} |", want.len());
    println!(
        "| stored after faults off and one more sync | {} |",
        have.len()
    );
    println!("| lost / duplicated / extra | {lost} / {duplicated} / {extra} |");
    if let Some(e) = &first_error {
        println!("\nfirst sync error as shown: {e}");
    }

    // 2. Browsing and changing under each fault.
    let enc = |q: &str| url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>();
    let mut pages: Vec<(&'static str, String, &'static str)> =
        vec![("overview", "/".into(), "data-testid=\"count-users\"")];
    for p in info.non_admins.iter().chain(info.admins.iter().take(3)) {
        pages.push((
            "user",
            format!("/users/{}", p.id),
            "data-testid=\"user-card\"",
        ));
    }
    pages.push((
        "audit",
        format!("/audit?q={}", enc("action:viewBase")),
        "data-testid=\"audit-results\"",
    ));
    let pages = Arc::new(pages);
    let rename_targets: Vec<String> = info.non_admins.iter().map(|p| p.id.clone()).collect();
    let renames = Arc::new(Mutex::new(Vec::new()));
    let counter = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let rule = |r: serde_json::Value| json!({ "seed": seed, "rules": [r] });
    let scenarios: Vec<(&str, serde_json::Value)> = vec![
        ("none", serde_json::Value::Null),
        (
            "429 storm (50%)",
            rule(json!({ "path": "/v0/*", "rate429": 0.5 })),
        ),
        (
            "500s (30%)",
            rule(json!({ "path": "/v0/*", "rate5xx": 0.3 })),
        ),
        (
            "503s (30%)",
            rule(json!({ "path": "/v0/*", "rate5xx": 0.3, "serverErrorStatus": 503 })),
        ),
        (
            "latency spikes (3 s on every GET)",
            rule(json!({ "path": "/v0/*", "method": "GET", "latencyMs": 3000 })),
        ),
        (
            "dropped connections (30%)",
            rule(json!({ "path": "/v0/*", "dropRate": 0.3 })),
        ),
        (
            "Airtable down (100% 500s)",
            rule(json!({ "path": "/v0/*", "rate5xx": 1.0 })),
        ),
    ];
    println!();
    println!("| scenario | requests | tried | with data | plain error | server error | internals shown | no answer | p50 (ms) | max (ms) |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut bad = 0;
    let mut plain_samples = BTreeMap::new();
    for (name, faults) in &scenarios {
        set_faults(&sim_url, faults.clone()).await?;
        let (mut b, mut c) = browse_scenario(
            &url,
            &viewers,
            &operator,
            workers,
            seconds,
            pages.clone(),
            &rename_targets,
            &renames,
            &counter,
        )
        .await;
        set_faults(&sim_url, serde_json::Value::Null).await?;
        if name.starts_with("429") {
            // Each 429 pauses the token's calls for Airtable's 30 s: let that pass, so the
            // next scenario measures its own fault and not this one's tail.
            tokio::time::sleep(Duration::from_secs(31)).await;
        }
        row(name, "pages", &mut b);
        row(name, "renames", &mut c);
        bad += b.server_error + b.leaked + c.server_error + c.leaked;
        for o in [&b, &c] {
            if let Some(s) = &o.sample_error {
                plain_samples.entry(s.clone()).or_insert(*name);
            }
            if let Some(s) = &o.sample_bad {
                println!("  {name}: first bad or missing answer: {s}");
            }
        }
        if !console.alive() {
            anyhow::bail!(
                "the server died during {name}; see {}",
                console.log.display()
            );
        }
    }

    // Every confirmed rename is in Airtable (the last one per user) and logged once.
    let renames = Arc::try_unwrap(renames)
        .ok()
        .context("renames")?
        .into_inner()
        .expect("renames");
    let http = reqwest::Client::new();
    let mut lost_changes = 0;
    let mut unconfirmed_applied = 0;
    for user in &rename_targets {
        let last_confirmed = renames
            .iter()
            .rev()
            .find(|r| &r.user == user && r.confirmed);
        let shown: serde_json::Value = http
            .get(format!(
                "{sim_url}/v0/meta/enterpriseAccounts/{}/users/{user}",
                info.enterprise_account_id
            ))
            .bearer_auth(&info.token)
            .send()
            .await?
            .json()
            .await?;
        let name = shown["name"].as_str().unwrap_or_default().to_string();
        if let Some(r) = last_confirmed {
            let later_unconfirmed: Vec<&Rename> = renames
                .iter()
                .skip_while(|x| !std::ptr::eq(*x, r))
                .skip(1)
                .filter(|x| &x.user == user)
                .collect();
            if name == format!("{} Fault", r.first) {
                continue;
            }
            if later_unconfirmed
                .iter()
                .any(|x| name == format!("{} Fault", x.first))
            {
                unconfirmed_applied += 1;
            } else {
                lost_changes += 1;
                println!(
                    "lost: {user} shows {name:?}, the console confirmed {:?}",
                    r.first
                );
            }
        }
    }
    let confirmed = renames.iter().filter(|r| r.confirmed).count();
    let logged: Vec<(String, String)> = sqlx::query_as(
        "SELECT target, details->>'first_name' FROM console_actions WHERE action = 'users.rename'",
    )
    .fetch_all(&db)
    .await?;
    let logged_set: BTreeSet<&(String, String)> = logged.iter().collect();
    let duplicated_log = logged.len() - logged_set.len();
    let confirmed_not_logged = renames
        .iter()
        .filter(|r| r.confirmed && !logged_set.contains(&(r.user.clone(), r.first.clone())))
        .count();
    let confirmed_set: BTreeSet<(String, String)> = renames
        .iter()
        .filter(|r| r.confirmed)
        .map(|r| (r.user.clone(), r.first.clone()))
        .collect();
    let logged_not_confirmed = logged
        .iter()
        .filter(|l| !confirmed_set.contains(*l))
        .count();

    let alive = console.alive();
    let panics = console.panics();
    println!();
    println!("| changes (renames) | figure |");
    println!("|---|---:|");
    println!("| asked | {} |", renames.len());
    println!("| confirmed by the console | {confirmed} |");
    println!("| confirmed but not in Airtable (lost) | {lost_changes} |");
    println!("| in the action log | {} |", logged.len());
    println!("| logged twice | {duplicated_log} |");
    println!("| confirmed but not logged | {confirmed_not_logged} |");
    println!("| logged but reported as failed | {logged_not_confirmed} |");
    println!("| reported failed, yet applied by Airtable | {unconfirmed_applied} |");
    println!();
    println!("What a person read when Airtable failed (first of each kind):");
    for (said, scenario) in &plain_samples {
        println!("- {scenario}: \"{said}\"");
    }
    println!(
        "\nserver alive at the end: {alive}; panics in its log: {}; total {:.1} s",
        panics.len(),
        started.elapsed().as_secs_f64()
    );

    drop(db);
    console.stop();
    support::drop_database(&database_url).await;
    let problems = bad
        + lost
        + duplicated
        + extra
        + lost_changes
        + duplicated_log
        + confirmed_not_logged
        + panics.len()
        + usize::from(!alive);
    anyhow::ensure!(
        problems == 0,
        "{problems} problems (see above); server log: {}",
        console.log.display()
    );
    std::fs::remove_dir_all(&console.data_dir).ok();
    Ok(())
}
