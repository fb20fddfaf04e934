//! Several console processes (the real binary) on one fresh database and one simulator,
//! behind a simulated sign-in proxy (service-account mode), as a load balancer would run
//! them: what `tests/replicas.rs` and the `replicas` reliability run share.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use airtable_sim::{RunningSim, SimConfig, SimSize};
use futures::TryStreamExt;
use reqwest::cookie::Jar;
use serde_json::Value;
use sqlx::PgPool;

/// The header the simulated sign-in proxy puts the person's email in.
pub const HEADER: &str = "x-forwarded-email";

/// What a fleet is made of.
#[derive(Clone, Debug)]
pub struct FleetOptions {
    /// Console processes.
    pub replicas: usize,
    /// The simulator's users (a bulk job needs room) and audit events (a backfill long
    /// enough to be killed mid-way).
    pub users: usize,
    pub audit_events: usize,
    /// The simulator's faults, set before any console calls it (`Value::Null`: none).
    pub faults: Value,
    /// `CONSOLE_LEASE_SECONDS` of every process.
    pub lease_seconds: u64,
}

impl Default for FleetOptions {
    /// Three processes with short leases, so a takeover takes seconds in a test (the
    /// production default is 30 s).
    fn default() -> Self {
        FleetOptions {
            replicas: 3,
            users: 40,
            audit_events: 30_000,
            faults: Value::Null,
            lease_seconds: 3,
        }
    }
}

pub struct Replica {
    pub child: tokio::process::Child,
    pub pid: u32,
    pub url: String,
    pub log: PathBuf,
}

impl Replica {
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

pub struct Fleet {
    pub replicas: Vec<Replica>,
    pub sim: RunningSim,
    pub db: PgPool,
    pub database_url: String,
    pub data_root: PathBuf,
    pub lease_seconds: u64,
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for replica in &mut self.replicas {
            let _ = replica.child.start_kill();
        }
        let _ = std::fs::remove_dir_all(&self.data_root);
        super::drop_database(&self.database_url);
    }
}

/// A simulator of `options`' size and faults, and `options.replicas` console processes on
/// one fresh database, each serving.
pub async fn fleet(options: FleetOptions) -> Fleet {
    super::ensure_runtime_role().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port for the simulator");
    let sim = airtable_sim::spawn(
        listener,
        SimConfig {
            size: SimSize {
                users: options.users,
                audit_events: options.audit_events,
                ..SimSize::tiny()
            },
            ..SimConfig::default()
        },
    )
    .await
    .expect("the simulator starts");
    if !options.faults.is_null() {
        set_fault(&sim, &options.faults).await;
    }
    let database_url = super::fresh_database_url();
    let data_root = std::env::temp_dir().join(format!(
        "console-replicas-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let mut replicas = Vec::new();
    for i in 0..options.replicas {
        let replica =
            start_replica(i, &sim, &database_url, &data_root, options.lease_seconds).await;
        replicas.push(replica);
    }
    let db = sqlx::PgPool::connect(&database_url)
        .await
        .expect("the fleet's database");
    Fleet {
        replicas,
        sim,
        db,
        database_url,
        data_root,
        lease_seconds: options.lease_seconds,
    }
}

async fn set_fault(sim: &RunningSim, rule: &Value) {
    let response = super::unmetered_http()
        .post(format!("{}/_sim/faults", sim.base_url()))
        .json(rule)
        .send()
        .await
        .expect("set a fault");
    assert!(response.status().is_success());
}

pub async fn start_replica(
    i: usize,
    sim: &RunningSim,
    database_url: &str,
    data_root: &std::path::Path,
    lease_seconds: u64,
) -> Replica {
    let data_dir = data_root.join(format!("replica-{i}"));
    std::fs::create_dir_all(&data_dir).expect("a data directory");
    let log = data_dir.join("console.log");
    let out = std::fs::File::create(&log).expect("a log file");
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let info = sim.info();
    let mut command = tokio::process::Command::from(super::console_command());
    command
        .envs(super::demo_settings(
            &addr.to_string(),
            database_url,
            &data_dir,
        ))
        .envs([
            ("AIRTABLE_API_URL", sim.base_url()),
            (
                "AIRTABLE_ENTERPRISE_ID",
                info.enterprise_account_id.to_string(),
            ),
            ("AIRTABLE_SERVICE_TOKEN", info.token.to_string()),
            ("CONSOLE_TRUSTED_EMAIL_HEADER", HEADER.to_string()),
            ("CONSOLE_FIRST_ADMIN", info.admins[0].email.clone()),
            // The same keys in every process, as a deployment gives them.
            (
                "CONSOLE_LOG_KEY",
                "cmVwbGljYXMtdGVzdC1hY3Rpb24tbG9nLWtleS0zMmI=".to_string(),
            ),
            // Alert rules' webhook secrets are sealed with it: every process must open them.
            (
                "CONSOLE_TOKEN_KEY",
                "cmVwbGljYXMtdGVzdC10b2tlbi1zZWFsaW5nLWtleS0=".to_string(),
            ),
            ("CONSOLE_AUDIT_SYNC_SECONDS", "2".to_string()),
            ("CONSOLE_LEASE_SECONDS", lease_seconds.to_string()),
            ("RUST_LOG", "info".to_string()),
        ])
        .stdin(Stdio::null())
        .stdout(out.try_clone().expect("log file"))
        .stderr(out)
        .kill_on_drop(true);
    let mut child = command.spawn().expect("start console-server");
    let pid = child.id().expect("a running child");
    let url = format!("http://{addr}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("http client");
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "replica {i} exited ({status}):\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        if let Ok(r) = http.get(format!("{url}/healthz")).send().await {
            if r.status().is_success() {
                break;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "replica {i} did not serve within 60 s:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Replica {
        child,
        pid,
        url,
        log,
    }
}

impl Fleet {
    /// Which replica holds the lease `name` now, if any.
    pub async fn holder(&self, name: &str) -> Option<usize> {
        let holder: Option<String> =
            sqlx::query_scalar("SELECT holder FROM leases WHERE name = $1 AND expires_at > now()")
                .bind(name)
                .fetch_optional(&self.db)
                .await
                .expect("read the leases");
        let holder = holder?;
        self.replicas
            .iter()
            .position(|r| holder.split(':').nth(1) == Some(r.pid.to_string().as_str()))
    }

    /// Kills replica `i` as a lost machine would: SIGKILL, nothing handed back.
    pub async fn kill(&mut self, i: usize) {
        let replica = &mut self.replicas[i];
        replica.child.start_kill().expect("kill -9");
        let _ = replica.child.wait().await;
    }

    /// `/api/whoami` on replica `i` in `browser`, as JSON (`null`: not signed in).
    pub async fn whoami(&self, i: usize, browser: &reqwest::Client) -> Value {
        super::whoami_at(&self.replicas[i].url, browser).await
    }

    /// A browser behind the sign-in proxy as `email`, signed in through replica `i`, and
    /// its CSRF token.
    pub async fn browser_as(&self, i: usize, email: &str) -> (reqwest::Client, String) {
        let browser = browser(Arc::default(), Some(email));
        let me = self.whoami(i, &browser).await;
        let csrf = me["csrf_token"]
            .as_str()
            .unwrap_or_else(|| panic!("a CSRF token for {email}: {me}"))
            .to_string();
        (browser, csrf)
    }

    /// A browser signed in through the proxy as the first admin, with its CSRF token.
    pub async fn admin_browser(&self, i: usize) -> (reqwest::Client, String) {
        let admin = self.sim.info().admins[0].email.clone();
        self.browser_as(i, &admin).await
    }

    pub async fn fault(&self, rule: Value) {
        set_fault(&self.sim, &rule).await;
    }

    // ---- The audit backfill --------------------------------------------------------------

    /// Waits until a replica runs the audit sync and has stored `pages` pages of this run:
    /// that replica.
    pub async fn syncing_replica(&self, pages: i64, limit: Duration) -> usize {
        let deadline = Deadline::new(limit, "a replica is syncing");
        loop {
            let stored: i64 = sqlx::query_scalar("SELECT run_pages FROM audit_sync")
                .fetch_one(&self.db)
                .await
                .unwrap_or(0);
            match self.holder("audit-sync").await {
                Some(syncer) if stored >= pages => return syncer,
                _ => deadline.tick().await,
            }
        }
    }

    /// Waits until a replica other than `dead` holds the lease `name`: that replica.
    pub async fn taken_over(&self, name: &str, dead: usize, limit: Duration) -> usize {
        let deadline = Deadline::new(limit, "another replica takes the work over");
        loop {
            match self.holder(name).await {
                Some(holder) if holder != dead => return holder,
                _ => deadline.tick().await,
            }
        }
    }

    /// Waits until the copy holds as many events as the simulator.
    pub async fn audit_copy_complete(&self, limit: Duration) {
        let expected = self.sim.info().counts.audit_events as i64;
        let deadline = Deadline::new(limit, "the copy is complete");
        loop {
            let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events")
                .fetch_one(&self.db)
                .await
                .unwrap_or(0);
            if stored >= expected {
                return;
            }
            deadline.tick().await;
        }
    }

    /// The copy: events stored, distinct event ids among them, and the sync's own counter.
    pub async fn audit_counts(&self) -> (i64, i64, i64) {
        let (stored, distinct): (i64, i64) =
            sqlx::query_as("SELECT count(*), count(DISTINCT id) FROM audit_events")
                .fetch_one(&self.db)
                .await
                .expect("count");
        let counter: i64 = sqlx::query_scalar("SELECT events_stored FROM audit_sync")
            .fetch_one(&self.db)
            .await
            .expect("counter");
        (stored, distinct, counter)
    }

    // ---- A bulk job ----------------------------------------------------------------------

    /// The users a job may log out (every user but the admins), made known to the console
    /// through a snapshot.
    pub async fn bulk_users(&self) -> Vec<String> {
        let observer = super::sim_observer(&self.sim);
        let enterprise = super::sim_enterprise(&self.sim);
        console_core::snapshots::take(&self.db, &observer, &enterprise, Some("test"))
            .await
            .expect("a snapshot");
        let admins: BTreeSet<String> = self
            .sim
            .info()
            .admins
            .iter()
            .map(|a| a.id.clone())
            .collect();
        observer
            .enterprise(&enterprise)
            .get()
            .send()
            .await
            .expect("the enterprise")
            .user_ids
            .iter()
            .map(|id| id.to_string())
            .filter(|id| !admins.contains(id))
            .collect()
    }

    /// Starts a job logging out `users` through replica `via`, as the first admin: its id.
    pub async fn start_logout_job(&self, via: usize, users: &[String]) -> String {
        let (browser, csrf) = self.admin_browser(via).await;
        let mut form: Vec<(&str, &str)> = vec![("kind", "logout"), ("csrf_token", &csrf)];
        for user in users {
            form.push(("users[]", user));
        }
        let response = browser
            .post(format!("{}/api/users/bulk/start", self.replicas[via].url))
            .header(reqwest::header::ORIGIN, &self.replicas[via].url)
            .form(&form)
            .send()
            .await
            .expect("start the job");
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{status}: {body}");
        body.as_str().expect("a job id").to_string()
    }

    /// Waits until job `job` has an outcome for `done` users: the replica running it.
    pub async fn job_runner_midway(&self, job: &str, done: i64, limit: Duration) -> usize {
        let deadline = Deadline::new(limit, "the job is mid-way");
        let lease = format!("bulk-job:{job}");
        loop {
            let settled: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM bulk_job_items WHERE job_id = $1::uuid AND status <> 'pending'",
            )
            .bind(job)
            .fetch_one(&self.db)
            .await
            .unwrap_or(0);
            match self.holder(&lease).await {
                Some(runner) if settled >= done => return runner,
                _ => deadline.tick().await,
            }
        }
    }

    /// Waits until job `job` is finished.
    pub async fn job_finished(&self, job: &str, limit: Duration) {
        let deadline = Deadline::new(limit, "another replica finishes the job");
        while !sqlx::query_scalar::<_, bool>(
            "SELECT finished_at IS NOT NULL FROM bulk_jobs WHERE id = $1::uuid",
        )
        .bind(job)
        .fetch_one(&self.db)
        .await
        .unwrap_or(false)
        {
            deadline.tick().await;
        }
    }

    /// Job `job`'s users and their status, in the job's order.
    pub async fn job_rows(&self, job: &str) -> Vec<(String, String)> {
        sqlx::query_as(
            "SELECT user_id, status FROM bulk_job_items WHERE job_id = $1::uuid ORDER BY position",
        )
        .bind(job)
        .fetch_all(&self.db)
        .await
        .expect("rows")
    }

    /// Airtable's own record: how many times each user was logged out.
    pub async fn logouts(&self) -> BTreeMap<String, usize> {
        let observer = super::sim_observer(&self.sim);
        let enterprise = super::sim_enterprise(&self.sim);
        let pages: Vec<_> = observer
            .enterprise(&enterprise)
            .audit_log()
            .event_type("logoutUser")
            .descending()
            .page_size(1000)
            .max_pages(1)
            .stream()
            .try_collect()
            .await
            .expect("the simulator's log");
        let mut logouts: BTreeMap<String, usize> = BTreeMap::new();
        for event in pages.into_iter().flat_map(|page| page.events) {
            *logouts.entry(event.model_id).or_default() += 1;
        }
        logouts
    }
}

/// A browser with the cookie store `jar` (two browsers sharing a jar stand for one), which
/// follows no redirect; behind the sign-in proxy as `email`, if given (the proxy's header
/// on every request).
pub fn browser(jar: Arc<Jar>, email: Option<&str>) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(email) = email {
        headers.insert(
            HEADER,
            reqwest::header::HeaderValue::from_str(email).expect("a header value"),
        );
    }
    reqwest::Client::builder()
        .cookie_provider(jar)
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a browser")
}

/// A limit on how long a test waits for something, with what it waits for.
pub struct Deadline {
    started: Instant,
    limit: Duration,
    what: &'static str,
}

impl Deadline {
    pub fn new(limit: Duration, what: &'static str) -> Self {
        Deadline {
            started: Instant::now(),
            limit,
            what,
        }
    }

    /// Panics if the time is up; otherwise waits a moment before the next look.
    pub async fn tick(&self) {
        assert!(
            self.started.elapsed() < self.limit,
            "{} within {:?}",
            self.what,
            self.limit
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
