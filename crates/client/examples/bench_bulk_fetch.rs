//! Bulk fetches through the client against an in-process simulator of a large enterprise.
//! Not a test: it prints figures.
//!
//! ```text
//! cargo run --release -p airtable-client --example bench_bulk_fetch \
//!     [-- --users 50000 --events 200000 --limited-users 10000 --limited-events 100000 \
//!         --single-users 250 --concurrency 8 --world lean|large]
//! ```
//!
//! The enterprise has 50,000 users and 5,000,000 audit events. `--world large` is the
//! simulator's `large` size (2,000 workspaces, 20,000 bases); the default `lean` world has a
//! tenth of the workspaces and bases, because the simulator renders every user by scanning
//! every workspace and base for the user's collaborations (even when they are not asked
//! for): with 20,000 bases a look-up of 100 users costs it ~0.4 s and the benchmark would
//! measure the simulator, not the client.
//!
//! 1. Unthrottled (no rate limits anywhere): the batched user look-up (100 IDs per request,
//!    `--concurrency` at a time) and an ascending audit walk (pages of 1,000), each compared
//!    with the same fetches done by plain `reqwest`, one request at a time, parsed into
//!    `serde_json::Value` (the client parses into its typed models).
//! 2. With Airtable's rate limits on in the simulator (50 requests/s per token, 5/s per base,
//!    30 s penalty) and the client's default limiter: the same kinds of fetch, and single-user
//!    reads (`GET …/users/{id}`, cheap for the simulator, so only the limiter sets the pace),
//!    timed against the lower bound the limit sets (requests ÷ 50/s), with the 429s the
//!    simulator counted.
//!
//! The simulator shares the process (and the machine's cores) with the client.

use std::time::{Duration, Instant};

use airtable_client::ids::{EnterpriseId, UserId};
use airtable_client::{AccessToken, Client};
use airtable_sim::{SimConfig, SimSize};
use futures::{stream, StreamExt, TryStreamExt};
use serde_json::Value;

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

struct Args {
    users: usize,
    events: usize,
    limited_users: usize,
    limited_events: usize,
    single_users: usize,
    concurrency: usize,
    large_world: bool,
}

fn args() -> Res<Args> {
    let mut a = Args {
        users: 50_000,
        events: 200_000,
        limited_users: 10_000,
        limited_events: 100_000,
        single_users: 250,
        concurrency: 8,
        large_world: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let text = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        if flag == "--world" {
            a.large_world = match text.as_str() {
                "large" => true,
                "lean" => false,
                other => return Err(format!("--world large|lean, not {other}").into()),
            };
            continue;
        }
        let value: usize = text.parse()?;
        match flag.as_str() {
            "--users" => a.users = value,
            "--events" => a.events = value,
            "--limited-users" => a.limited_users = value,
            "--limited-events" => a.limited_events = value,
            "--single-users" => a.single_users = value,
            "--concurrency" => a.concurrency = value.max(1),
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    Ok(a)
}

/// One measured run.
struct Run {
    job: String,
    items: usize,
    requests: u64,
    secs: f64,
    too_many: u64,
}

impl Run {
    fn items_per_sec(&self) -> f64 {
        self.items as f64 / self.secs
    }
    fn requests_per_sec(&self) -> f64 {
        self.requests as f64 / self.secs
    }
}

struct Control {
    http: reqwest::Client,
    base: String,
}

impl Control {
    async fn call(&self, req: reqwest::RequestBuilder) -> Res<Value> {
        let resp = req.send().await?.error_for_status()?;
        Ok(resp.json().await?)
    }

    /// Reads and resets `/_sim/stats`: (requests, 429s).
    async fn take_stats(&self) -> Res<(u64, u64)> {
        let v = self
            .call(self.http.delete(format!("{}/_sim/stats", self.base)))
            .await?;
        let n = |p: &str| v.pointer(p).and_then(Value::as_u64).unwrap_or(0);
        Ok((n("/requests"), n("/tooManyRequests/total")))
    }

    async fn rate_limits(&self, on: bool) -> Res<()> {
        let url = format!("{}/_sim/rate-limits", self.base);
        if on {
            let body = serde_json::json!({
                "perBasePerSecond": 5, "perTokenPerSecond": 50, "penaltyMs": 30_000
            });
            self.call(self.http.post(url).json(&body)).await?;
        } else {
            self.call(self.http.delete(url)).await?;
        }
        Ok(())
    }
}

async fn measure<F, Fut>(control: &Control, job: &str, f: F) -> Res<Run>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Res<usize>>,
{
    control.take_stats().await?;
    let started = Instant::now();
    let items = f().await?;
    let secs = started.elapsed().as_secs_f64();
    let (requests, too_many) = control.take_stats().await?;
    let run = Run {
        job: job.to_owned(),
        items,
        requests,
        secs,
        too_many,
    };
    eprintln!(
        "{job}: {items} items, {requests} requests in {secs:.2} s ({too_many} × 429)",
        items = run.items,
        requests = run.requests,
        secs = run.secs,
        too_many = run.too_many
    );
    Ok(run)
}

async fn client_users(client: &Client, ent: &EnterpriseId, ids: &[UserId], c: usize) -> Res<usize> {
    let n = client
        .enterprise(ent)
        .users()
        .by_ids(ids)
        .concurrency(c)
        .stream()
        .try_fold(0usize, |n, _| async move { Ok(n + 1) })
        .await?;
    Ok(n)
}

async fn client_audit(client: &Client, ent: &EnterpriseId, events: usize) -> Res<usize> {
    let pages = events.div_ceil(1000);
    let n = client
        .enterprise(ent)
        .audit_log()
        .ascending()
        .page_size(1000)
        .max_pages(pages)
        .stream()
        .try_fold(0usize, |n, p| async move { Ok(n + p.events.len()) })
        .await?;
    Ok(n)
}

async fn client_single_users(
    client: &Client,
    ent: &EnterpriseId,
    ids: &[UserId],
    c: usize,
) -> Res<usize> {
    let n = stream::iter(ids.iter().cloned())
        .map(|id| {
            let ent = client.enterprise(ent);
            async move { ent.user(&id).get().send().await }
        })
        .buffer_unordered(c)
        .try_fold(0usize, |n, _| async move { Ok(n + 1) })
        .await?;
    Ok(n)
}

async fn plain_users(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    ent: &str,
    ids: &[UserId],
) -> Res<usize> {
    let mut n = 0;
    for chunk in ids.chunks(100) {
        let query: Vec<(&str, &str)> = chunk.iter().map(|id| ("id", id.as_str())).collect();
        let v: Value = http
            .get(format!("{base}/v0/meta/enterpriseAccounts/{ent}/users"))
            .bearer_auth(token)
            .query(&query)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        n += v["users"].as_array().map_or(0, Vec::len);
    }
    Ok(n)
}

async fn plain_audit(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    ent: &str,
    events: usize,
) -> Res<usize> {
    let mut n = 0;
    let mut next: Option<String> = None;
    while n < events {
        let mut query = vec![
            ("sortOrder", "ascending".to_owned()),
            ("pageSize", "1000".to_owned()),
        ];
        if let Some(c) = next.take() {
            query.push(("next", c));
        }
        let v: Value = http
            .get(format!(
                "{base}/v0/meta/enterpriseAccounts/{ent}/auditLogEvents"
            ))
            .bearer_auth(token)
            .query(&query)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let got = v["events"].as_array().map_or(0, Vec::len);
        n += got;
        match v["pagination"]["next"].as_str() {
            Some(c) if got > 0 => next = Some(c.to_owned()),
            _ => break,
        }
    }
    Ok(n)
}

fn row(r: &Run) -> String {
    format!(
        "| {} | {} | {} | {:.2} | {:.0} | {:.1} | {} |",
        r.job,
        r.items,
        r.requests,
        r.secs,
        r.items_per_sec(),
        r.requests_per_sec(),
        r.too_many
    )
}

#[tokio::main]
async fn main() -> Res<()> {
    let a = args()?;
    let started = Instant::now();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let sim = airtable_sim::spawn(
        listener,
        SimConfig {
            size: if a.large_world {
                SimSize::large()
            } else {
                SimSize {
                    workspaces: 200,
                    bases: 2_000,
                    ..SimSize::large()
                }
            },
            ..SimConfig::default()
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let startup = started.elapsed();
    let info = sim.info();
    let base = sim.base_url();
    let control = Control {
        http: reqwest::Client::new(),
        base: base.clone(),
    };
    let ent: EnterpriseId = info.enterprise_account_id.parse()?;
    eprintln!(
        "simulator: {} users, {} audit events, ready in {:.2} s",
        info.counts.users,
        info.counts.audit_events,
        startup.as_secs_f64()
    );

    let token = AccessToken::new(info.token.clone());
    let fast = Client::builder()
        .base_url(base.clone())
        .token(token.clone())
        .no_rate_limit()
        .per_base_rate_limit(None)
        .timeout(Duration::from_secs(120))
        .build()?;
    let all_ids = fast.enterprise(&ent).get().send().await?.user_ids;
    let ids = &all_ids[..a.users.min(all_ids.len())];
    let plain = reqwest::Client::new();

    // 1. Unthrottled: the client against one request at a time with plain reqwest.
    control.rate_limits(false).await?;
    let c = a.concurrency;
    let users_client = measure(&control, &format!("users by ID, client ×{c}"), || {
        client_users(&fast, &ent, ids, c)
    })
    .await?;
    let users_plain = measure(&control, "users by ID, plain reqwest ×1", || {
        plain_users(&plain, &base, &info.token, ent.as_str(), ids)
    })
    .await?;
    let audit_client = measure(&control, "audit events, client", || {
        client_audit(&fast, &ent, a.events)
    })
    .await?;
    let audit_plain = measure(&control, "audit events, plain reqwest", || {
        plain_audit(&plain, &base, &info.token, ent.as_str(), a.events)
    })
    .await?;

    // 2. Airtable's limits on; the client with its default limiter (a fresh client, so no
    //    earlier traffic counts).
    control.rate_limits(true).await?;
    let paced = Client::builder()
        .base_url(base.clone())
        .token(token)
        .timeout(Duration::from_secs(120))
        .build()?;
    let limited_ids = &all_ids[..a.limited_users.min(all_ids.len())];
    let users_paced = measure(
        &control,
        &format!("users by ID, client ×{c}, limits on"),
        || client_users(&paced, &ent, limited_ids, c),
    )
    .await?;
    // Let the first job's window pass, so the second starts like a job of its own.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let audit_paced = measure(&control, "audit events, client, limits on", || {
        client_audit(&paced, &ent, a.limited_events)
    })
    .await?;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let single_ids = &all_ids[..a.single_users.min(all_ids.len())];
    let single_paced = measure(
        &control,
        &format!("single users, client ×{c}, limits on"),
        || client_single_users(&paced, &ent, single_ids, c),
    )
    .await?;
    control.rate_limits(false).await?;

    println!();
    println!(
        "In-process simulator, {} world: {} users, {} workspaces, {} bases, {} audit events \
         (ready in {:.2} s); client and simulator share the machine.",
        if a.large_world { "large" } else { "lean" },
        info.counts.users,
        info.counts.workspaces,
        info.counts.bases,
        info.counts.audit_events,
        startup.as_secs_f64()
    );
    println!();
    println!("### Unthrottled: client vs plain reqwest one request at a time");
    println!();
    println!("| job | items | requests | s | items/s | requests/s | 429s |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for r in [&users_client, &users_plain, &audit_client, &audit_plain] {
        println!("{}", row(r));
    }
    println!();
    println!("| job | client items/s | reference items/s | ratio |");
    println!("|---|---:|---:|---:|");
    for (name, cl, rf) in [
        ("users by ID", &users_client, &users_plain),
        ("audit events", &audit_client, &audit_plain),
    ] {
        println!(
            "| {name} | {:.0} | {:.0} | {:.2}× |",
            cl.items_per_sec(),
            rf.items_per_sec(),
            cl.items_per_sec() / rf.items_per_sec()
        );
    }
    println!();
    println!(
        "### Airtable's limits on (50 requests/s per token, 30 s penalty), default client limiter"
    );
    println!();
    println!(
        "| job | items | requests | s | requests/s | bound: requests ÷ 50/s | s ÷ bound | \
         tight bound: (⌈requests ÷ 50⌉ − 1) s | s ÷ tight | 429s |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in [&users_paced, &audit_paced, &single_paced] {
        // At most 50 in any second: the first 50 may go at once, so R requests need at
        // least ⌈R/50⌉ − 1 seconds plus one reply.
        let bound = r.requests as f64 / 50.0;
        let tight = (r.requests.div_ceil(50).saturating_sub(1)) as f64;
        let vs_tight = if tight > 0.0 {
            format!("{:.2}", r.secs / tight)
        } else {
            "–".to_owned()
        };
        println!(
            "| {} | {} | {} | {:.2} | {:.1} | {:.2} | {:.2} | {:.0} | {} | {} |",
            r.job,
            r.items,
            r.requests,
            r.secs,
            r.requests_per_sec(),
            bound,
            r.secs / bound,
            tight,
            vs_tight,
            r.too_many
        );
    }
    sim.shutdown().await;
    Ok(())
}
