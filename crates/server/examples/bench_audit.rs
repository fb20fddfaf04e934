//! Audit ingestion and search benchmark (not a test):
//!
//! ```text
//! cargo run --release -p console-server --example bench_audit -- \
//!     [--events 1000000,5000000] [--runs 30] [--warmups 3] [--naive-runs 5] [--keep-db] \
//!     [--ingest-once] [--database URL]
//! ```
//!
//! For each size N it starts an in-process simulator seeded with N audit events, creates a
//! fresh database `bench_audit_<uuid>` on the server of `DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), runs the migrations, and measures:
//!
//! - **Ingestion**: `AuditIngester::run_once` copying all N events (the real path: simulator
//!   HTTP → `airtable-client` → `store_events`, one transaction per 1000-event page with its
//!   cursor). In the same run, on the same rows and the same table (emptied with `TRUNCATE`
//!   each time: at 5M events the disk holds one copy of the table, not two): a plain
//!   `COPY … FROM STDIN` of the rows read back from the table (same indexes, the generated
//!   tsvector computed as for an insert: the physical limit), then the ingester's loop taken
//!   apart (the same walk and per-page transaction), summing the time spent waiting for
//!   pages and the time spent storing them.
//! - **Search**: a fixed mix of searches through `search::search` (page size 50), each run
//!   `--runs` times after `--warmups`, then the same searches with index and bitmap scans
//!   turned off for the session (a naive sequential scan; the 100th page as `OFFSET`).
//! - **Histogram**: `search::histogram` of the unfiltered query, before and after `VACUUM`.
//!
//! Everything (simulator, client, Postgres) shares the machine's cores. The database is
//! dropped at the end unless `--keep-db` is given (then its URL is printed, for `EXPLAIN`).
//! `--ingest-once` stores the events with `run_once` only (no `COPY` comparison, no
//! instrumented walk: a third of the loading time, for a copy to search); `--database URL`
//! searches a database kept by an earlier run instead of loading one.

use std::str::FromStr;
use std::time::{Duration, Instant};

use airtable_client::{ids::EnterpriseId, AccessToken, Client, Timestamp};
use airtable_sim::{RunningSim, SimConfig, SimSize};
use anyhow::Context as _;
use chrono::{DateTime, NaiveTime, Utc};
use console_app::audit::query::AuditQuery;
use console_core::audit::ingest::{store_events, AuditIngester, IngestSettings, MAX_PAGE_SIZE};
use console_core::audit::search::{self, SearchCursor, SearchPool};
use futures::TryStreamExt;
use sqlx::migrate::MigrateDatabase;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Row};

/// Results per page, as the console shows them.
const PAGE_SIZE: i64 = 50;
/// The columns the ingester writes (everything but the generated tsvector and `ingested_at`).
const COLUMNS: &str = "id, occurred_at, action, category, actor_type, actor_id, actor_email, \
     actor_name, model_id, model_type, workspace_id, base_id, interface_id, ip_address, \
     user_agent, raw";

struct Args {
    sizes: Vec<usize>,
    runs: usize,
    warmups: usize,
    naive_runs: usize,
    keep_db: bool,
    /// Load with `run_once` only, skipping the `COPY` and the instrumented walk.
    ingest_once: bool,
    /// Search an existing database (events already stored) instead of ingesting.
    database: Option<String>,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        sizes: vec![1_000_000, 5_000_000],
        runs: 30,
        warmups: 3,
        naive_runs: 5,
        keep_db: false,
        ingest_once: false,
        database: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().with_context(|| format!("{name} needs a value"));
        match flag.as_str() {
            "--events" => {
                args.sizes = value("--events")?
                    .split(',')
                    .map(|s| s.trim().replace('_', "").parse::<usize>())
                    .collect::<Result<_, _>>()
                    .context("--events takes numbers separated by commas")?;
            }
            "--runs" => args.runs = value("--runs")?.parse().context("--runs")?,
            "--warmups" => args.warmups = value("--warmups")?.parse().context("--warmups")?,
            "--naive-runs" => {
                args.naive_runs = value("--naive-runs")?.parse().context("--naive-runs")?
            }
            "--keep-db" => args.keep_db = true,
            "--ingest-once" => args.ingest_once = true,
            "--database" => args.database = Some(value("--database")?),
            other => anyhow::bail!(
                "unknown argument {other:?}; usage: bench_audit [--events 1000000,5000000] \
                 [--runs 30] [--warmups 3] [--naive-runs 5] [--keep-db] [--ingest-once] \
                 [--database URL]"
            ),
        }
    }
    anyhow::ensure!(
        args.runs > 0 && args.naive_runs > 0,
        "runs must be positive"
    );
    Ok(args)
}

/// `/proc/loadavg`'s first three fields: whether something else was using the cores.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Nearest-rank percentile (`p` in 0..=1).
fn percentile(samples: &[Duration], p: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1));
    sorted.get(rank - 1).copied().unwrap_or_default()
}

fn per_second(events: u64, time: Duration) -> f64 {
    events as f64 / time.as_secs_f64().max(1e-9)
}

fn thousands(n: f64) -> String {
    let digits: Vec<char> = format!("{n:.0}").chars().collect();
    let mut groups: Vec<String> = digits.rchunks(3).map(|g| g.iter().collect()).collect();
    groups.reverse();
    groups.join(",")
}

// ---- ingestion -----------------------------------------------------------------------------

/// The same rows stored again: by a plain `COPY`, and by the ingester's loop timed apart.
struct TimedApart {
    copy: Duration,
    /// The instrumented walk: time spent waiting for pages, and storing them.
    fetch: Duration,
    store: Duration,
}

struct Ingestion {
    events: u64,
    pages: u64,
    end_to_end: Duration,
    /// `None` with `--ingest-once`.
    apart: Option<TimedApart>,
    table_bytes: i64,
    heap_bytes: i64,
}

/// Every row of `audit_events` in `COPY` text format, in blocks of about 16 MiB.
async fn copy_out(db: &PgPool) -> anyhow::Result<Vec<Vec<u8>>> {
    const BLOCK: usize = 16 << 20;
    let mut conn = db.acquire().await?;
    let mut stream = conn
        .copy_out_raw(&format!("COPY audit_events ({COLUMNS}) TO STDOUT"))
        .await?;
    let mut blocks = Vec::new();
    let mut block = Vec::with_capacity(BLOCK);
    while let Some(bytes) = stream.try_next().await? {
        if block.len() + bytes.len() > BLOCK && !block.is_empty() {
            blocks.push(std::mem::replace(&mut block, Vec::with_capacity(BLOCK)));
        }
        block.extend_from_slice(&bytes);
    }
    blocks.push(block);
    Ok(blocks)
}

/// Empties `audit_events` (new, empty files for the table and every index) and the
/// ingester's cursor.
async fn empty_the_table(db: &PgPool) -> anyhow::Result<()> {
    sqlx::raw_sql(
        "TRUNCATE audit_events;
         UPDATE audit_sync SET cursor = NULL, backfill_from = NULL, backfill_done_at = NULL,
                last_event_at = NULL, events_stored = 0;
         CHECKPOINT;",
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The physical limit: the same rows in one plain `COPY … FROM STDIN` into the emptied
/// table (same indexes, the generated tsvector computed by Postgres as for an insert).
async fn copy_in(db: &PgPool, blocks: &[Vec<u8>]) -> anyhow::Result<(Duration, u64)> {
    empty_the_table(db).await?;
    let mut conn = db.acquire().await?;
    let started = Instant::now();
    let mut copy = conn
        .copy_in_raw(&format!("COPY audit_events ({COLUMNS}) FROM STDIN"))
        .await?;
    for block in blocks {
        for piece in block.chunks(1 << 20) {
            copy.send(piece).await?;
        }
    }
    let rows = copy.finish().await?;
    Ok((started.elapsed(), rows))
}

/// The ingester's loop taken apart: the same walk (client, page size, window), each page
/// stored with `store_events` and its cursor in one transaction as `run_once` does, into the
/// emptied table; the time waiting for pages and the time storing them are summed apart.
async fn fetch_then_store(
    db: &PgPool,
    client: &Client,
    enterprise: &EnterpriseId,
) -> anyhow::Result<(Duration, Duration, u64)> {
    empty_the_table(db).await?;
    let mut pages = Box::pin(
        client
            .enterprise(enterprise)
            .audit_log()
            .ascending()
            .page_size(MAX_PAGE_SIZE)
            .start_time(Timestamp(Utc::now() - IngestSettings::default().backfill))
            .stream(),
    );
    let mut fetch = Duration::ZERO;
    let mut store = Duration::ZERO;
    let mut stored = 0u64;
    loop {
        let started = Instant::now();
        let Some(page) = pages.try_next().await? else {
            break;
        };
        fetch += started.elapsed();
        let started = Instant::now();
        let mut tx = db.begin().await?;
        let _: Option<String> = sqlx::query_scalar("SELECT cursor FROM audit_sync FOR UPDATE")
            .fetch_one(&mut *tx)
            .await?;
        let new = store_events(&mut tx, &page.events).await?;
        sqlx::query(
            "UPDATE audit_sync SET cursor = COALESCE($1, cursor),
                    last_event_at = GREATEST(last_event_at, $2),
                    events_stored = events_stored + $3",
        )
        .bind(page.cursor.as_ref().map(ToString::to_string))
        .bind(page.events.iter().map(|e| e.timestamp.0).max())
        .bind(new as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        store += started.elapsed();
        stored += new;
    }
    Ok((fetch, store, stored))
}

async fn ingestion(
    db: &PgPool,
    sim: &RunningSim,
    expected: usize,
    once: bool,
) -> anyhow::Result<Ingestion> {
    let info = sim.info();
    // Built as the server builds its client (default retries and client-side rate limit).
    let client = Client::builder()
        .base_url(sim.base_url())
        .token(AccessToken::new(info.token.clone()))
        .build()?;
    let enterprise: EnterpriseId = info
        .enterprise_account_id
        .parse()
        .map_err(|e| anyhow::anyhow!("enterprise id: {e}"))?;
    let ingester = AuditIngester::new(
        db.clone(),
        client.clone(),
        enterprise.clone(),
        IngestSettings::default(),
    );
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM audit_events")
            .fetch_one(db)
            .await
    };

    println!("  ingesting {expected} events through AuditIngester::run_once …");
    let started = Instant::now();
    let report = ingester.run_once().await?;
    let end_to_end = started.elapsed();
    let stored = count().await?;
    anyhow::ensure!(
        stored as usize == expected && report.new_events as usize == expected,
        "stored {stored} events (run said {}), expected {expected}",
        report.new_events
    );
    let (table_bytes, heap_bytes): (i64, i64) = sqlx::query_as(
        "SELECT pg_total_relation_size('audit_events'), pg_table_size('audit_events')",
    )
    .fetch_one(db)
    .await?;

    if once {
        println!(
            "  … {:.1} s ({} pages)",
            end_to_end.as_secs_f64(),
            report.pages
        );
        return Ok(Ingestion {
            events: expected as u64,
            pages: report.pages,
            end_to_end,
            apart: None,
            table_bytes,
            heap_bytes,
        });
    }
    println!(
        "  … {:.1} s ({} pages); plain COPY of the same rows …",
        end_to_end.as_secs_f64(),
        report.pages
    );
    let blocks = copy_out(db).await?;
    let (copy, copied) = copy_in(db, &blocks).await?;
    drop(blocks);
    anyhow::ensure!(copied as usize == expected, "COPY stored {copied}");

    println!(
        "  … {:.1} s; fetching and storing, timed apart …",
        copy.as_secs_f64()
    );
    let (fetch, store, stored_again) = fetch_then_store(db, &client, &enterprise).await?;
    anyhow::ensure!(
        stored_again as usize == expected && count().await? as usize == expected,
        "the instrumented walk stored {stored_again}"
    );
    println!(
        "  … fetching {:.1} s, storing {:.1} s",
        fetch.as_secs_f64(),
        store.as_secs_f64()
    );
    Ok(Ingestion {
        events: expected as u64,
        pages: report.pages,
        end_to_end,
        apart: Some(TimedApart { copy, fetch, store }),
        table_bytes,
        heap_bytes,
    })
}

// ---- search --------------------------------------------------------------------------------

/// How the naive reference runs a search.
enum Naive {
    /// The same `search::search` call, with index scans off for the session.
    Same,
    /// The plain SQL of a free-text search (`search::search` may first try a bounded walk
    /// of the newest events, which without indexes would be a second full scan).
    Text(String),
    /// `OFFSET (page - 1) * 50` over the whole table, newest first.
    Offset(i64),
    /// The first page of one plain query with these conditions (`search::search` reads
    /// some searches as one walk per value, each a full scan without indexes).
    Where(String),
}

struct SearchCase {
    name: &'static str,
    query: String,
    /// Follow this many cursors first (untimed), then time the next page.
    skip_pages: usize,
    naive: Naive,
}

struct SearchResult {
    name: &'static str,
    query: String,
    rows: usize,
    /// The first run, before the warm-ups: what a new search costs with colder caches.
    first: Duration,
    indexed: Vec<Duration>,
    naive: Vec<Duration>,
}

fn date(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

fn midnight(days_ago: i64) -> DateTime<Utc> {
    (Utc::now() - chrono::Duration::days(days_ago))
        .date_naive()
        .and_time(NaiveTime::MIN)
        .and_utc()
}

async fn cases(db: &PgPool) -> anyhow::Result<Vec<SearchCase>> {
    // The most active person: what an investigator would look up. Their full name is a
    // phrase (the sim's people share a few first and last names, so it is not rare).
    let (actor, name): (String, String) = sqlx::query_as(
        "SELECT lower(actor_email), min(actor_name) FROM audit_events
          WHERE actor_email IS NOT NULL AND actor_name IS NOT NULL
          GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
    )
    .fetch_one(db)
    .await?;
    let week = (date(midnight(90)), date(midnight(83)));
    let month = (date(midnight(60)), date(midnight(30)));
    Ok(vec![
        SearchCase {
            name: "free text, common word (1%)",
            query: "\"budget\"".into(),
            skip_pages: 0,
            naive: Naive::Text("budget".into()),
        },
        SearchCase {
            name: "free text, rare word (a file name, 0.01%)",
            query: "\"export-417.pdf\"".into(),
            skip_pages: 0,
            naive: Naive::Text("export-417.pdf".into()),
        },
        SearchCase {
            // A phrase whose words go together, which the planner estimates as if they did
            // not (the product of the words' frequencies).
            name: "free text, phrase (a base name, 1%)",
            query: "\"hiring tracker\"".into(),
            skip_pages: 0,
            naive: Naive::Text("hiring tracker".into()),
        },
        SearchCase {
            name: "free text, phrase (the person's name)",
            query: format!("\"{name}\""),
            skip_pages: 0,
            naive: Naive::Text(name.clone()),
        },
        SearchCase {
            name: "free text, rare phrase (a renamed base, 0.1%)",
            query: "\"budget (old)\"".into(),
            skip_pages: 0,
            naive: Naive::Text("budget (old)".into()),
        },
        SearchCase {
            name: "actor",
            query: format!("actor:{actor}"),
            skip_pages: 0,
            naive: Naive::Same,
        },
        SearchCase {
            name: "action, rare (0.2%)",
            query: "action:updateSettingLock".into(),
            skip_pages: 0,
            naive: Naive::Same,
        },
        SearchCase {
            name: "action, common (35%)",
            query: "action:viewBase".into(),
            skip_pages: 0,
            naive: Naive::Same,
        },
        SearchCase {
            name: "date range (one week)",
            query: format!("after:{} before:{}", week.0, week.1),
            skip_pages: 0,
            naive: Naive::Same,
        },
        SearchCase {
            name: "combined (actor + action + 30 days)",
            query: format!(
                "actor:{actor} action:viewBase after:{} before:{}",
                month.0, month.1
            ),
            skip_pages: 0,
            naive: Naive::Same,
        },
        // What a security analyst types to take the noise out: negations, and a category
        // with its most common action taken away (what is left may be rare or nothing: a
        // walk in time order past everything excluded unless the plan avoids it).
        SearchCase {
            name: "category minus its common action (nothing left in the sim)",
            query: "category:user -action:loginUser".into(),
            skip_pages: 0,
            naive: Naive::Where("category = 'user' AND action <> 'loginUser'".into()),
        },
        SearchCase {
            name: "category minus its common action (8% of it left)",
            query: "category:base -action:viewBase".into(),
            skip_pages: 0,
            naive: Naive::Where("category = 'base' AND action <> 'viewBase'".into()),
        },
        SearchCase {
            name: "negated category",
            query: "-category:user".into(),
            skip_pages: 0,
            naive: Naive::Same,
        },
        SearchCase {
            name: "negated actor",
            query: format!("-actor:{actor}"),
            skip_pages: 0,
            naive: Naive::Same,
        },
        SearchCase {
            name: "category + phrase",
            query: "category:base \"hiring tracker\"".into(),
            skip_pages: 0,
            naive: Naive::Same,
        },
        SearchCase {
            name: "access granted or removed (two actions, 6%)",
            query: "action:addBaseCollaborator action:removeBaseCollaborator".into(),
            skip_pages: 0,
            naive: Naive::Where(
                "action IN ('addBaseCollaborator', 'removeBaseCollaborator')".into(),
            ),
        },
        SearchCase {
            name: "permission changes, minus one action and one person",
            query: format!("category:baseCollaboration -action:addBaseCollaborator -actor:{actor}"),
            skip_pages: 0,
            naive: Naive::Where(format!(
                "category = 'baseCollaboration' AND action <> 'addBaseCollaborator' \
                 AND lower(actor_email) IS DISTINCT FROM '{}'",
                actor.replace('\'', "''")
            )),
        },
        SearchCase {
            name: "100th page, unfiltered",
            query: String::new(),
            skip_pages: 99,
            naive: Naive::Offset(100),
        },
    ])
}

/// A pool whose sessions cannot use indexes: every search becomes a sequential scan.
async fn naive_pool(database_url: &str) -> anyhow::Result<PgPool> {
    let options = PgConnectOptions::from_str(database_url)?.options([
        ("enable_indexscan", "off"),
        ("enable_bitmapscan", "off"),
        ("enable_indexonlyscan", "off"),
    ]);
    Ok(PgPoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await?)
}

async fn offset_page(db: &PgPool, page: i64) -> anyhow::Result<usize> {
    let rows = sqlx::query(
        "SELECT id, occurred_at, action, category, actor_type, actor_id, actor_email, actor_name,
                model_id, model_type, workspace_id, base_id, ip_address
           FROM audit_events ORDER BY occurred_at DESC, id DESC OFFSET $1 LIMIT $2",
    )
    .bind((page - 1) * PAGE_SIZE)
    .bind(PAGE_SIZE + 1)
    .fetch_all(db)
    .await?;
    Ok(rows.len().min(PAGE_SIZE as usize))
}

/// The first page of a free-text search, as one plain query.
async fn text_page(db: &PgPool, text: &str) -> anyhow::Result<usize> {
    let rows = sqlx::query(
        "SELECT id, occurred_at, action, category, actor_type, actor_id, actor_email, actor_name,
                model_id, model_type, workspace_id, base_id, ip_address
           FROM audit_events WHERE search @@ phraseto_tsquery('simple', $1)
          ORDER BY occurred_at DESC, id DESC LIMIT $2",
    )
    .bind(text)
    .bind(PAGE_SIZE + 1)
    .fetch_all(db)
    .await?;
    Ok(rows.len().min(PAGE_SIZE as usize))
}

/// The first page of the events matching `conditions`, as one plain query.
async fn where_page(db: &PgPool, conditions: &str) -> anyhow::Result<usize> {
    let rows = sqlx::query(&format!(
        "SELECT id, occurred_at, action, category, actor_type, actor_id, actor_email, actor_name,
                model_id, model_type, workspace_id, base_id, ip_address
           FROM audit_events WHERE {conditions}
          ORDER BY occurred_at DESC, id DESC LIMIT $1"
    ))
    .bind(PAGE_SIZE + 1)
    .fetch_all(db)
    .await?;
    Ok(rows.len().min(PAGE_SIZE as usize))
}

async fn run_case(
    db: &SearchPool,
    naive_db: &PgPool,
    naive_searches: &SearchPool,
    case: &SearchCase,
    args: &Args,
) -> anyhow::Result<SearchResult> {
    let query = AuditQuery::parse(&case.query)
        .map_err(|e| anyhow::anyhow!("{:?} does not parse: {e}", case.query))?;
    let mut cursor: Option<SearchCursor> = None;
    for page in 0..case.skip_pages {
        let (_, next) = search::search(db, &query, cursor.as_ref(), PAGE_SIZE).await?;
        cursor = Some(next.with_context(|| format!("page {} has a next page", page + 1))?);
    }
    let mut indexed = Vec::new();
    let mut rows = 0;
    let mut first = Duration::ZERO;
    for i in 0..args.warmups + args.runs {
        let started = Instant::now();
        let (events, _) = search::search(db, &query, cursor.as_ref(), PAGE_SIZE).await?;
        let took = started.elapsed();
        rows = events.len();
        if i == 0 {
            first = took;
        }
        if i >= args.warmups {
            indexed.push(took);
        }
    }
    let mut naive = Vec::new();
    for i in 0..1 + args.naive_runs {
        let started = Instant::now();
        let naive_rows = match case.naive {
            Naive::Same => search::search(naive_searches, &query, cursor.as_ref(), PAGE_SIZE)
                .await?
                .0
                .len(),
            Naive::Offset(page) => offset_page(naive_db, page).await?,
            Naive::Text(ref text) => text_page(naive_db, text).await?,
            Naive::Where(ref conditions) => where_page(naive_db, conditions).await?,
        };
        let took = started.elapsed();
        anyhow::ensure!(
            naive_rows == rows,
            "{}: the naive search found {naive_rows} rows, the indexed one {rows}",
            case.name
        );
        if i >= 1 {
            naive.push(took);
        }
    }
    Ok(SearchResult {
        name: case.name,
        query: case.query.clone(),
        rows,
        first,
        indexed,
        naive,
    })
}

struct DeepPage {
    page: i64,
    keyset: Duration,
    offset: Duration,
}

/// Page `page` of the unfiltered search, by keyset (cursor taken from the row just before
/// it) and by `OFFSET`, both with indexes; medians of `runs`.
async fn deep_page(
    db: &PgPool,
    searches: &SearchPool,
    page: i64,
    runs: usize,
) -> anyhow::Result<DeepPage> {
    let row = sqlx::query(
        "SELECT occurred_at, id FROM audit_events ORDER BY occurred_at DESC, id DESC
          OFFSET $1 LIMIT 1",
    )
    .bind((page - 1) * PAGE_SIZE - 1)
    .fetch_one(db)
    .await?;
    let cursor = SearchCursor {
        occurred_at: row.try_get("occurred_at")?,
        id: row.try_get("id")?,
    };
    let query = AuditQuery::default();
    let mut keyset = Vec::new();
    let mut offset = Vec::new();
    for _ in 0..runs + 1 {
        let started = Instant::now();
        let (events, _) = search::search(searches, &query, Some(&cursor), PAGE_SIZE).await?;
        keyset.push(started.elapsed());
        let started = Instant::now();
        let n = offset_page(db, page).await?;
        offset.push(started.elapsed());
        anyhow::ensure!(events.len() == n, "keyset and OFFSET pages differ in size");
    }
    Ok(DeepPage {
        page,
        keyset: percentile(&keyset[1..], 0.5),
        offset: percentile(&offset[1..], 0.5),
    })
}

struct Histogram {
    unit: &'static str,
    buckets: usize,
    before_vacuum: Duration,
    after_vacuum: Duration,
    actor_after_vacuum: Duration,
}

async fn time_histogram(
    db: &SearchPool,
    query: &AuditQuery,
) -> anyhow::Result<(Duration, usize, &'static str)> {
    let mut times = Vec::new();
    let mut buckets = 0;
    let mut unit = "";
    for _ in 0..3 {
        let started = Instant::now();
        let h = search::histogram(db, query).await?;
        times.push(started.elapsed());
        buckets = h.buckets.len();
        unit = h.unit;
    }
    Ok((percentile(&times, 0.5), buckets, unit))
}

// ---- one size ------------------------------------------------------------------------------

struct SizeReport {
    events: usize,
    ingestion: Option<Ingestion>,
    vacuum: Duration,
    searches: Vec<SearchResult>,
    deep: Vec<DeepPage>,
    histogram: Histogram,
}

async fn bench_size(n: usize, args: &Args, server_url: &str) -> anyhow::Result<SizeReport> {
    println!("## {n} events (load average: {})", load_average());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let sim = airtable_sim::spawn(
        listener,
        SimConfig {
            size: SimSize {
                users: 2_000,
                groups: 100,
                workspaces: 200,
                bases: 2_000,
                audit_events: n,
            },
            ..SimConfig::default()
        },
    )
    .await?;
    let database_url = format!("{server_url}/bench_audit_{}", uuid::Uuid::new_v4().simple());
    let db = console_server::db::connect_and_migrate(&database_url).await?;
    let outcome = match ingestion(&db, &sim, n, args.ingest_once).await {
        Ok(ingestion) => searches(n, Some(ingestion), args, &db, &database_url).await,
        Err(e) => Err(e),
    };
    db.close().await;
    if args.keep_db {
        println!("  kept the database: {database_url}");
    } else {
        Postgres::force_drop_database(&database_url)
            .await
            .context("drop the benchmark database")?;
    }
    sim.shutdown().await;
    println!("  done (load average: {})", load_average());
    outcome
}

async fn searches(
    n: usize,
    ingestion: Option<Ingestion>,
    args: &Args,
    db: &PgPool,
    database_url: &str,
) -> anyhow::Result<SizeReport> {
    sqlx::query("ANALYZE audit_events").execute(db).await?;
    let search_pool = SearchPool::beside(db);
    let unfiltered = AuditQuery::default();
    let (before_vacuum, _, _) = time_histogram(&search_pool, &unfiltered).await?;
    // What autovacuum does by itself after a bulk insert; done here so that it does not
    // start in the middle of the timed searches.
    let started = Instant::now();
    sqlx::query("VACUUM (ANALYZE) audit_events")
        .execute(db)
        .await?;
    let vacuum = started.elapsed();
    println!("  searching …");

    let naive_db = naive_pool(database_url).await?;
    let naive_searches = SearchPool::beside(&naive_db);
    let mut searches = Vec::new();
    let mix = cases(db).await?;
    for case in &mix {
        let result = run_case(&search_pool, &naive_db, &naive_searches, case, args).await?;
        println!(
            "  {}: p50 {:.2} ms, p95 {:.2} ms, naive p50 {:.0} ms",
            result.name,
            ms(percentile(&result.indexed, 0.5)),
            ms(percentile(&result.indexed, 0.95)),
            ms(percentile(&result.naive, 0.5)),
        );
        searches.push(result);
    }
    naive_searches.pool().close().await;
    naive_db.close().await;
    let mut deep = Vec::new();
    for page in [100, 10_000]
        .into_iter()
        .filter(|p| p * PAGE_SIZE < n as i64)
    {
        deep.push(deep_page(db, &search_pool, page, 5).await?);
    }
    let (after_vacuum, buckets, unit) = time_histogram(&search_pool, &unfiltered).await?;
    let actor_query = mix
        .iter()
        .find(|c| c.name == "actor")
        .map(|c| c.query.as_str())
        .unwrap_or_default();
    let actor_query =
        AuditQuery::parse(actor_query).map_err(|e| anyhow::anyhow!("actor query: {e}"))?;
    let (actor_after_vacuum, _, _) = time_histogram(&search_pool, &actor_query).await?;
    Ok(SizeReport {
        events: n,
        ingestion,
        vacuum,
        searches,
        deep,
        histogram: Histogram {
            unit,
            buckets,
            before_vacuum,
            after_vacuum,
            actor_after_vacuum,
        },
    })
}

// ---- report --------------------------------------------------------------------------------

fn print_report(r: &SizeReport, args: &Args) {
    println!();
    println!("### {} events", thousands(r.events as f64));
    if let Some(i) = &r.ingestion {
        print_ingestion(i);
    }
    print_searches(r, args);
}

fn print_ingestion(i: &Ingestion) {
    println!();
    println!(
        "Ingestion ({} pages of {MAX_PAGE_SIZE}; table with its indexes: {:.2} GiB, of which heap {:.2} GiB)",
        i.pages,
        i.table_bytes as f64 / f64::from(1u32 << 30),
        i.heap_bytes as f64 / f64::from(1u32 << 30),
    );
    println!();
    let Some(apart) = &i.apart else {
        println!(
            "`run_once` end to end (sim HTTP → client → `store_events`): {:.1} s, {} events/s (`--ingest-once`: no `COPY` to compare with)",
            i.end_to_end.as_secs_f64(),
            thousands(per_second(i.events, i.end_to_end))
        );
        return;
    };
    let copy_rate = per_second(i.events, apart.copy);
    println!("| Path | Time (s) | Events/s | vs COPY |");
    println!("|---|---:|---:|---:|");
    let rows = [
        (
            "`run_once` end to end (sim HTTP → client → `store_events`)",
            i.end_to_end,
            true,
        ),
        (
            "plain `COPY … FROM STDIN` of the same rows into the same (emptied) table",
            apart.copy,
            true,
        ),
        (
            "the same walk timed apart: fetching + storing",
            apart.fetch + apart.store,
            true,
        ),
        (
            "… of which fetching (sim HTTP → client), nothing stored meanwhile",
            apart.fetch,
            false,
        ),
        (
            "… of which storing (`store_events` + cursor, one transaction per page)",
            apart.store,
            true,
        ),
    ];
    for (name, time, ratio) in rows {
        let rate = per_second(i.events, time);
        println!(
            "| {name} | {:.1} | {} | {} |",
            time.as_secs_f64(),
            thousands(rate),
            if ratio {
                format!("{:.2}", rate / copy_rate)
            } else {
                "–".into()
            }
        );
    }
}

fn print_searches(r: &SizeReport, args: &Args) {
    println!();
    println!(
        "Search (page size {PAGE_SIZE}; {} runs after {} warm-ups; naive: index and bitmap scans off, {} runs after 1 warm-up; `VACUUM (ANALYZE)` took {:.1} s)",
        args.runs,
        args.warmups,
        args.naive_runs,
        r.vacuum.as_secs_f64()
    );
    println!();
    println!("| Search | Query | Rows | First run (ms) | p50 (ms) | p95 (ms) | Naive p50 (ms) | Naive p95 (ms) | Speed-up (p50) |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut all = Vec::new();
    let mut all_naive = Vec::new();
    for s in &r.searches {
        let p50 = percentile(&s.indexed, 0.5);
        let naive50 = percentile(&s.naive, 0.5);
        println!(
            "| {} | `{}` | {} | {:.1} | {:.2} | {:.2} | {:.0} | {:.0} | {:.0}× |",
            s.name,
            if s.query.is_empty() {
                "(none)".to_string()
            } else {
                s.query.replace('|', "\\|")
            },
            s.rows,
            ms(s.first),
            ms(p50),
            ms(percentile(&s.indexed, 0.95)),
            ms(naive50),
            ms(percentile(&s.naive, 0.95)),
            naive50.as_secs_f64() / p50.as_secs_f64().max(1e-9),
        );
        all.extend_from_slice(&s.indexed);
        all_naive.extend_from_slice(&s.naive);
    }
    let target = if r.events <= 1_000_000 { 50.0 } else { 200.0 };
    let overall = ms(percentile(&all, 0.95));
    println!(
        "| **all searches** | | | | {:.2} | **{:.2}** | {:.0} | {:.0} | {:.0}× |",
        ms(percentile(&all, 0.5)),
        overall,
        ms(percentile(&all_naive, 0.5)),
        ms(percentile(&all_naive, 0.95)),
        percentile(&all_naive, 0.5).as_secs_f64() / percentile(&all, 0.5).as_secs_f64().max(1e-9),
    );
    println!();
    println!(
        "Overall p95 {overall:.2} ms against a target of {target:.0} ms: {}",
        if overall < target { "met" } else { "MISSED" }
    );
    let slowest = r
        .searches
        .iter()
        .max_by_key(|s| percentile(&s.indexed, 0.95));
    if let Some(s) = slowest {
        let p95 = ms(percentile(&s.indexed, 0.95));
        println!();
        println!(
            "Slowest search at p95: {} ({p95:.2} ms) against 50 ms for every search: {}",
            s.name,
            if p95 <= 50.0 { "met" } else { "MISSED" }
        );
    }
    println!();
    println!("| Unfiltered page | Keyset p50 (ms) | OFFSET p50 (ms, indexes on) |");
    println!("|---:|---:|---:|");
    for d in &r.deep {
        println!(
            "| {} | {:.2} | {:.2} |",
            thousands(d.page as f64),
            ms(d.keyset),
            ms(d.offset)
        );
    }
    println!();
    let h = &r.histogram;
    println!("| Histogram | Buckets | Before VACUUM (ms) | After VACUUM (ms) |");
    println!("|---|---:|---:|---:|");
    println!(
        "| unfiltered | {} × {} | {:.0} | {:.0} |",
        h.buckets,
        h.unit,
        ms(h.before_vacuum),
        ms(h.after_vacuum)
    );
    println!(
        "| `actor:` (most active person) | {} × {} | – | {:.0} |",
        h.buckets,
        h.unit,
        ms(h.actor_after_vacuum)
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let server_url = url
        .rsplit_once('/')
        .map_or(url.clone(), |(server, _)| server.to_string());
    let version: String = {
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect(&format!("{server_url}/postgres"))
            .await
            .context("connect to Postgres (DATABASE_URL)")?;
        let v = sqlx::query_scalar("SELECT current_setting('server_version')")
            .fetch_one(&pool)
            .await?;
        pool.close().await;
        v
    };
    println!(
        "bench_audit: Postgres {version}, {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    if let Some(database_url) = &args.database {
        // Searches only, on events stored by an earlier run (`--keep-db`).
        let db = PgPoolOptions::new()
            .max_connections(4)
            .connect(database_url)
            .await
            .context("connect to --database")?;
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events")
            .fetch_one(&db)
            .await?;
        println!("## {n} stored events (load average: {})", load_average());
        let report = searches(n as usize, None, &args, &db, database_url).await?;
        db.close().await;
        print_report(&report, &args);
        return Ok(());
    }
    let mut reports = Vec::new();
    for &n in &args.sizes {
        let report = bench_size(n, &args, &server_url).await?;
        print_report(&report, &args);
        reports.push(report);
    }
    if reports.len() > 1 {
        println!();
        println!("### Summary");
        println!();
        println!("| Events | Ingest events/s | COPY events/s | Ingest/COPY | Store-only/COPY | Search p95 (ms) | Target (ms) |");
        println!("|---:|---:|---:|---:|---:|---:|---:|");
        for r in &reports {
            let Some(i) = &r.ingestion else { continue };
            let Some(apart) = &i.apart else { continue };
            let copy = per_second(i.events, apart.copy);
            let all: Vec<Duration> = r.searches.iter().flat_map(|s| s.indexed.clone()).collect();
            println!(
                "| {} | {} | {} | {:.2} | {:.2} | {:.2} | {} |",
                thousands(r.events as f64),
                thousands(per_second(i.events, i.end_to_end)),
                thousands(copy),
                per_second(i.events, i.end_to_end) / copy,
                per_second(i.events, apart.store) / copy,
                ms(percentile(&all, 0.95)),
                if r.events <= 1_000_000 { 50 } else { 200 },
            );
        }
    }
    Ok(())
}
