//! What the load, fault and reliability runs share: the real `console-server` binary as a
//! child process on a fresh `bench_…` database, people signed in through the real OAuth
//! round trip against the simulator, and small statistics.
//!
//! Included by each run with `mod support;` (a directory, so Cargo does not take it for a
//! run of its own).

#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use reqwest::{cookie::Jar, header, redirect, StatusCode};
use serde::Deserialize;

/// Ports the runs may use (the machine is shared: each run stays in its own range).
pub const PORTS: std::ops::Range<u16> = 3400..3500;

/// The first free port of [`PORTS`] not in `taken`.
pub fn free_port(taken: &[u16]) -> anyhow::Result<u16> {
    PORTS
        .clone()
        .filter(|p| !taken.contains(p))
        .find(|p| std::net::TcpListener::bind(("127.0.0.1", *p)).is_ok())
        .context("no free port in 3400-3499")
}

/// Base Postgres URL without a database name: `DATABASE_URL`'s server, or the local default.
pub fn postgres_base() -> String {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    match url.rsplit_once('/') {
        Some((base, _)) if base.contains("//") && !base.ends_with('/') => base.to_string(),
        _ => url,
    }
}

/// A new database name on `base` (created by the server at start-up, as on a fresh install).
pub fn fresh_database_url(base: &str, run: &str) -> String {
    format!("{base}/bench_{run}_{}", uuid::Uuid::new_v4().simple())
}

pub async fn drop_database(url: &str) {
    use sqlx::migrate::MigrateDatabase;
    sqlx::Postgres::force_drop_database(url).await.ok();
}

/// The real server binary, started as a child process with the given settings.
pub struct ConsoleProcess {
    child: Child,
    pub url: String,
    pub log: std::path::PathBuf,
    pub data_dir: std::path::PathBuf,
    pub spawned_at: Instant,
}

/// Settings for a demo-mode console (in-process simulator) on `port`, simulator on
/// `sim_port`, database `database_url`; `extra` overrides or adds.
pub fn demo_env(
    port: u16,
    sim_port: u16,
    database_url: &str,
    size: &str,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let site_root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/site");
    let mut env: Vec<(String, String)> = [
        ("CONSOLE_ADDR", format!("127.0.0.1:{port}")),
        ("CONSOLE_DEMO_SIM_ADDR", format!("127.0.0.1:{sim_port}")),
        ("DATABASE_URL", database_url.to_string()),
        ("CONSOLE_DEMO_SIZE", size.to_string()),
        ("CONSOLE_SITE_ROOT", site_root.to_string()),
        ("CONSOLE_AUDIT_SYNC_SECONDS", "0".into()),
        ("CONSOLE_SNAPSHOT_HOURS", "0".into()),
        // Every enterprise admin may sign in (as a viewer), so many people can.
        ("CONSOLE_DEFAULT_ROLE", "viewer".into()),
        ("RUST_LOG", "warn".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (k, v) in extra {
        env.retain(|(have, _)| have != k);
        env.push((k.to_string(), v.to_string()));
    }
    env
}

impl ConsoleProcess {
    pub fn spawn(name: &str, env: &[(String, String)]) -> anyhow::Result<ConsoleProcess> {
        let data_dir =
            std::env::temp_dir().join(format!("{name}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&data_dir)?;
        let log = data_dir.join("server.log");
        Self::spawn_in(env, data_dir, log)
    }

    fn spawn_in(
        env: &[(String, String)],
        data_dir: std::path::PathBuf,
        log: std::path::PathBuf,
    ) -> anyhow::Result<ConsoleProcess> {
        let addr = env
            .iter()
            .find(|(k, _)| k == "CONSOLE_ADDR")
            .map(|(_, v)| v.clone())
            .context("CONSOLE_ADDR")?;
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)?;
        let spawned_at = Instant::now();
        let child = Command::new(env!("CARGO_BIN_EXE_console-server"))
            .env("CONSOLE_DATA_DIR", &data_dir)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .context("start console-server")?;
        Ok(ConsoleProcess {
            child,
            url: format!("http://{addr}"),
            log,
            data_dir,
            spawned_at,
        })
    }

    /// Starts the same server again (same settings, data directory and log).
    pub fn respawn(&mut self, env: &[(String, String)]) -> anyhow::Result<()> {
        self.stop();
        let again = Self::spawn_in(env, self.data_dir.clone(), self.log.clone())?;
        *self = again;
        Ok(())
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits until `/healthz` answers 200; returns how long after spawning that was.
    pub async fn wait_healthy(&mut self, limit: Duration) -> anyhow::Result<Duration> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()?;
        loop {
            if let Some(status) = self.child.try_wait()? {
                anyhow::bail!(
                    "the server exited ({status}) before it was ready; see {}",
                    self.log.display()
                );
            }
            if let Ok(r) = http.get(format!("{}/healthz", self.url)).send().await {
                if r.status() == StatusCode::OK {
                    return Ok(self.spawned_at.elapsed());
                }
            }
            if self.spawned_at.elapsed() > limit {
                anyhow::bail!("the server was not ready after {limit:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Whether the process is still running (a crash shows here).
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Resident memory in MiB, from `/proc`.
    pub fn rss_mib(&self) -> f64 {
        rss_mib(self.child.id())
    }

    /// Lines of the server's log that show a panic.
    pub fn panics(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("panicked"))
            .map(str::to_string)
            .collect()
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ConsoleProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// The simulator's seeded people, as `GET /_sim/info` tells them.
#[derive(Deserialize, Clone, Debug)]
pub struct SimInfo {
    pub enterprise_account_id: String,
    pub token: String,
    pub admins: Vec<SimPerson>,
    pub non_admins: Vec<SimPerson>,
}

#[derive(Deserialize, Clone, Debug)]
pub struct SimPerson {
    pub id: String,
    pub email: String,
}

pub async fn sim_info(sim_url: &str) -> anyhow::Result<SimInfo> {
    Ok(reqwest::get(format!("{sim_url}/_sim/info"))
        .await?
        .error_for_status()?
        .json()
        .await?)
}

/// A person signed in through the OAuth round trip: their cookies and CSRF token. Many
/// clients can share the cookie jar (one connection each, the same session).
#[derive(Clone)]
pub struct Person {
    pub email: String,
    pub jar: Arc<Jar>,
    pub browser: reqwest::Client,
    pub csrf: String,
    /// Service-account mode: the email a sign-in proxy vouches for on every request.
    pub vouched_email: Option<String>,
}

impl Person {
    /// A browser of this person's with a connection of its own.
    pub fn connection(&self) -> reqwest::Client {
        self.connection_lasting(PAGE_TIMEOUT)
    }

    /// The same, waiting up to `timeout` for an answer.
    pub fn connection_lasting(&self, timeout: Duration) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(value) = self
            .vouched_email
            .as_deref()
            .and_then(|email| reqwest::header::HeaderValue::from_str(email).ok())
        {
            headers.insert(TRUSTED_EMAIL_HEADER, value);
        }
        browser_with(self.jar.clone(), headers, timeout)
    }
}

/// The header the benches' "sign-in proxy" sets in service-account mode
/// (`CONSOLE_TRUSTED_EMAIL_HEADER`).
pub const TRUSTED_EMAIL_HEADER: &str = "x-forwarded-email";

/// Service-account mode: the person as the sign-in proxy would pass them on, with the
/// session and CSRF token the console gives them on their first request.
pub async fn vouched_for(console_url: &str, email: &str) -> anyhow::Result<Person> {
    let mut person = Person {
        email: email.to_string(),
        jar: Arc::new(Jar::default()),
        browser: reqwest::Client::new(),
        csrf: String::new(),
        vouched_email: Some(email.to_string()),
    };
    person.browser = person.connection();
    person.csrf = csrf_token(&person.browser, console_url)
        .await
        .with_context(|| format!("{email} was not let in"))?;
    Ok(person)
}

/// The console's settings in service-account mode against a simulator at `sim_url`
/// (running outside the console's process), `first_admin` its console admin.
pub fn service_account_env(
    port: u16,
    sim_url: &str,
    info: &SimInfo,
    database_url: &str,
    first_admin: &str,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    use base64::Engine as _;
    let log_key = base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 32]>());
    let mut env = demo_env(port, 0, database_url, "tiny", extra);
    env.retain(|(k, _)| k != "CONSOLE_DEMO_SIM_ADDR" && k != "CONSOLE_DEMO_SIZE");
    for (k, v) in [
        ("AIRTABLE_API_URL", sim_url.to_string()),
        ("AIRTABLE_SERVICE_TOKEN", info.token.clone()),
        ("AIRTABLE_ENTERPRISE_ID", info.enterprise_account_id.clone()),
        (
            "CONSOLE_TRUSTED_EMAIL_HEADER",
            TRUSTED_EMAIL_HEADER.to_string(),
        ),
        ("CONSOLE_LOG_KEY", log_key),
        ("CONSOLE_PUBLIC_URL", format!("http://127.0.0.1:{port}/")),
        ("CONSOLE_FIRST_ADMIN", first_admin.to_string()),
    ] {
        if !extra.iter().any(|(have, _)| *have == k) {
            env.push((k.to_string(), v));
        }
    }
    env
}

/// What the console's `/metrics` says of its Airtable calls: every answered call, and
/// those per endpoint template.
#[derive(Debug, Default, Clone)]
pub struct AirtableCalls {
    pub total: f64,
    pub by_endpoint: std::collections::BTreeMap<String, f64>,
}

impl AirtableCalls {
    /// Calls made since `before`.
    pub fn since(&self, before: &AirtableCalls) -> AirtableCalls {
        let by_endpoint = self
            .by_endpoint
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v - before.by_endpoint.get(k).copied().unwrap_or(0.0),
                )
            })
            .filter(|(_, v)| *v > 0.0)
            .collect();
        AirtableCalls {
            total: self.total - before.total,
            by_endpoint,
        }
    }

    /// Calls to endpoints whose template ends with `tail` (e.g. `/enterpriseAccounts/{id}`).
    pub fn to_endpoint_ending(&self, tail: &str) -> f64 {
        self.by_endpoint
            .iter()
            .filter(|(k, _)| k.ends_with(tail))
            // Not `sum()`: an empty f64 sum is -0.0, printed as "-0".
            .fold(0.0, |total, (_, v)| total + v)
    }
}

/// Scrapes `GET /metrics` for `airtable_requests_total`.
pub async fn airtable_calls(console_url: &str) -> anyhow::Result<AirtableCalls> {
    let text = reqwest::get(format!("{console_url}/metrics"))
        .await?
        .error_for_status()?
        .text()
        .await?;
    let mut calls = AirtableCalls::default();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("airtable_requests_total{") else {
            continue;
        };
        let Some((labels, value)) = rest.rsplit_once("} ") else {
            continue;
        };
        let value: f64 = value.trim().parse().unwrap_or(0.0);
        let endpoint = labels
            .split("endpoint=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or("?")
            .to_string();
        calls.total += value;
        *calls.by_endpoint.entry(endpoint).or_default() += value;
    }
    Ok(calls)
}

/// How long a page may take: longer than the console's own waits on Airtable (a 429 means
/// 30 s, three retries).
const PAGE_TIMEOUT: Duration = Duration::from_secs(150);

/// A browser-like client on `jar`: no redirects followed, its own connection pool.
pub fn browser_on(jar: Arc<Jar>) -> reqwest::Client {
    browser_with(jar, reqwest::header::HeaderMap::new(), PAGE_TIMEOUT)
}

fn browser_with(
    jar: Arc<Jar>,
    headers: reqwest::header::HeaderMap,
    timeout: Duration,
) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_provider(jar)
        .default_headers(headers)
        .redirect(redirect::Policy::none())
        .timeout(timeout)
        .build()
        .expect("http client")
}

/// The CSRF token `whoami` gives a signed-in browser.
async fn csrf_token(browser: &reqwest::Client, console_url: &str) -> anyhow::Result<String> {
    let me: serde_json::Value = browser
        .get(format!("{console_url}/api/whoami"))
        .send()
        .await?
        .json()
        .await?;
    Ok(me["csrf_token"]
        .as_str()
        .with_context(|| format!("whoami has no CSRF token: not signed in ({me})"))?
        .to_string())
}

fn location(response: &reqwest::Response) -> anyhow::Result<String> {
    response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .with_context(|| format!("no Location header (status {})", response.status()))
}

/// `GET /auth/login` → the simulator's page → "Sign in as `email`" (the form the page
/// shows, posted as a browser would) → the console's callback → a session.
pub async fn sign_in(console_url: &str, email: &str, info: &SimInfo) -> anyhow::Result<Person> {
    let jar = Arc::new(Jar::default());
    let browser = browser_on(jar.clone());
    let login = browser
        .get(format!("{console_url}/auth/login"))
        .send()
        .await?;
    anyhow::ensure!(login.status().is_redirection(), "login: {}", login.status());
    // The page is addressed as `localhost` (another site); reach it on the same port.
    let authorize = location(&login)?.replacen("localhost", "127.0.0.1", 1);
    let page = browser.get(&authorize).send().await?;
    anyhow::ensure!(
        page.status() == StatusCode::OK,
        "sim page: {}",
        page.status()
    );
    let page_text = page.text().await?;
    let person = info
        .admins
        .iter()
        .chain(&info.non_admins)
        .find(|p| p.email == email)
        .with_context(|| format!("{email} is not on the simulator's page"))?;
    anyhow::ensure!(
        page_text.contains(&format!("value=\"{}\"", person.id)),
        "the sign-in page offers no button for {email}"
    );
    // The page's form carries the authorize request's own fields, hidden.
    let url = url::Url::parse(&authorize)?;
    let mut fields: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    fields.push(("user_id".into(), person.id.clone()));
    let action = url.join("/oauth2/v1/authorize")?;
    let decision = browser.post(action).form(&fields).send().await?;
    anyhow::ensure!(
        decision.status().is_redirection(),
        "sim decision: {}",
        decision.status()
    );
    let callback = location(&decision)?;
    let back = browser.get(&callback).send().await?;
    anyhow::ensure!(
        back.status() == StatusCode::OK,
        "callback: {}",
        back.status()
    );
    let body = back.text().await?;
    anyhow::ensure!(
        body.contains("url=/\""),
        "{email} was not let in: {}",
        body.chars().take(300).collect::<String>()
    );
    let csrf = csrf_token(&browser, console_url).await?;
    Ok(Person {
        email: email.to_string(),
        jar,
        browser,
        csrf,
        vouched_email: None,
    })
}

/// Sets a console role directly in the database (roles are read on every request).
pub async fn set_role(db: &sqlx::PgPool, email: &str, role: &str) -> anyhow::Result<()> {
    sqlx::query("UPDATE console_users SET role = $1 WHERE lower(email) = lower($2)")
        .bind(role)
        .bind(email)
        .execute(db)
        .await?;
    Ok(())
}

/// A change through a server function, as the app's forms send it (JSON answer).
pub async fn post_form(
    console_url: &str,
    who: &Person,
    path: &str,
    form: &[(&str, &str)],
) -> anyhow::Result<(StatusCode, String)> {
    let mut fields: Vec<(&str, &str)> = form.to_vec();
    fields.push(("csrf_token", &who.csrf));
    let response = who
        .browser
        .post(format!("{console_url}{path}"))
        .header(header::ORIGIN, console_url)
        .header(header::ACCEPT, "application/json")
        .form(&fields)
        .send()
        .await?;
    let status = response.status();
    Ok((status, response.text().await.unwrap_or_default()))
}

/// Takes a snapshot of the enterprise (the users page reads the latest one) and waits for it.
pub async fn take_snapshot(
    console_url: &str,
    operator: &Person,
    db: &sqlx::PgPool,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    // A snapshot of a large enterprise takes longer than a page may.
    let patient = Person {
        browser: operator.connection_lasting(Duration::from_secs(900)),
        ..operator.clone()
    };
    let (status, body) = post_form(console_url, &patient, "/api/snapshots/take", &[]).await?;
    anyhow::ensure!(status.is_success(), "snapshot: {status} {body}");
    loop {
        let done: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM snapshots WHERE taken_at IS NOT NULL ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(db)
        .await?;
        if done.is_some() {
            return Ok(started.elapsed());
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(1200),
            "the snapshot did not finish in 20 minutes"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The `p`-th percentile (0–100) of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p / 100.0 * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// Words that must never reach a person's screen: internals of the server.
pub const INTERNALS: &[&str] = &[
    "panicked",
    "reqwest",
    "hyper::",
    "sqlx",
    "error sending request",
    "backtrace",
    "stack backtrace",
    "RUST_BACKTRACE",
    "called `Result::unwrap()`",
    "ServerFnError",
    "src/",
];

/// The first internal word `body` shows, if any.
pub fn leaks_internals(body: &str) -> Option<&'static str> {
    INTERNALS.iter().copied().find(|w| body.contains(w))
}

/// `--name value` flags; `cargo bench` passes `--bench`, which is ignored.
pub fn flags() -> impl Iterator<Item = (String, Option<String>)> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let mut out = Vec::new();
    let mut it = args.into_iter().peekable();
    while let Some(flag) = it.next() {
        let value = match it.peek() {
            Some(v) if !v.starts_with("--") => it.next(),
            _ => None,
        };
        out.push((flag, value));
    }
    out.into_iter()
}

/// Presses "Sync now" and waits until a run that began after it has finished; returns the
/// number of Airtable events stored then.
pub async fn sync_audit(
    console_url: &str,
    operator: &Person,
    db: &sqlx::PgPool,
    limit: Duration,
) -> anyhow::Result<i64> {
    let asked: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT now()").fetch_one(db).await?;
    let (status, body) = post_form(console_url, operator, "/api/audit/sync/now", &[]).await?;
    anyhow::ensure!(status.is_success(), "sync now: {status} {body}");
    let started = Instant::now();
    loop {
        let finished: Option<bool> = sqlx::query_scalar(
            "SELECT run_started_at >= $1 AND run_finished_at >= run_started_at FROM audit_sync",
        )
        .bind(asked)
        .fetch_one(db)
        .await?;
        if finished == Some(true) {
            break;
        }
        anyhow::ensure!(
            started.elapsed() < limit,
            "the audit sync took over {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE category IS DISTINCT FROM 'console'",
    )
    .fetch_one(db)
    .await?)
}
