//! Test harness: the real console (demo mode, in-process simulator) on a random port,
//! against a fresh Postgres database, driven over real HTTP.

#![allow(dead_code)]

pub mod alerting;
pub mod fleet;
pub mod process;
pub mod session;

use console_server::{config::Settings, RunningConsole};
use reqwest::{header, redirect, StatusCode};
use scraper::{Html, Selector};
use std::collections::HashMap;

pub struct TestConsole {
    pub console: RunningConsole,
    /// The test database, as its owner (the Postgres user of the tests): `db()` connects so,
    /// to look at and poke rows directly.
    pub database_url: String,
    /// The same database as the role the console runs as ([`RUNTIME_ROLE`]).
    pub runtime_url: String,
    data_dir: std::path::PathBuf,
}

/// The role the console under test runs as (`DATABASE_URL`), while the tests' own Postgres
/// user owns the tables and migrates (`CONSOLE_DATABASE_OWNER_URL`), as the README
/// recommends: it may not update, delete or truncate the action log.
pub const RUNTIME_ROLE: &str = "console_test_runtime";

/// Creates [`RUNTIME_ROLE`] if it does not exist. Test binaries run in parallel, so two may
/// try at once: the loser's duplicate is ignored.
pub async fn ensure_runtime_role() {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&format!("{}/postgres", postgres_base()))
        .await
        .expect("connect to the postgres database");
    sqlx::raw_sql(&format!(
        "DO $$ BEGIN
             CREATE ROLE {RUNTIME_ROLE} LOGIN PASSWORD '{RUNTIME_ROLE}';
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
         END $$"
    ))
    .execute(&mut conn)
    .await
    .expect("create the runtime role");
}

/// `owner_url`'s database prepared as a console with two roles prepares it (README
/// "Database roles"): created and migrated by its owner, [`RUNTIME_ROLE`] granted what the
/// console's runtime role gets. Returns a pool connected as [`RUNTIME_ROLE`].
pub async fn prepare_as_runtime_role(owner_url: &str) -> sqlx::PgPool {
    ensure_runtime_role().await;
    let vars = std::collections::HashMap::from([
        ("DATABASE_URL", as_runtime_role(owner_url)),
        ("CONSOLE_DATABASE_OWNER_URL", owner_url.to_string()),
    ]);
    let settings = Settings::from_lookup(|name| vars.get(name).cloned()).expect("settings");
    console_server::db::prepare(&settings)
        .await
        .expect("prepare the database")
}

/// `database_url` with [`RUNTIME_ROLE`]'s name and password instead of its user.
pub fn as_runtime_role(database_url: &str) -> String {
    let mut url = url::Url::parse(database_url).expect("a database URL");
    url.set_username(RUNTIME_ROLE).expect("a URL with a user");
    url.set_password(Some(RUNTIME_ROLE))
        .expect("a URL with a user");
    url.to_string()
}

/// Base Postgres URL without a database name (`DATABASE_URL` from `./x test`, or the local
/// default).
pub fn postgres_base() -> String {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/airtable_console_test".into());
    match url.rsplit_once('/') {
        Some((base, _)) => base.to_string(),
        None => url,
    }
}

/// A new database name on the tests' server, `console_test_<uuid>` (the console creates it).
pub fn fresh_database_url() -> String {
    format!(
        "{}/console_test_{}",
        postgres_base(),
        uuid::Uuid::new_v4().simple()
    )
}

/// The real `console-server` binary, to start as a child process. What the test's own
/// environment sets (`./x test`'s `DATABASE_URL`, a developer's `OTEL_*`) does not reach
/// it: only the settings the caller gives count.
pub fn console_command() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_console-server"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if ["CONSOLE_", "AIRTABLE_", "OTEL_", "DATABASE_URL", "RUST_LOG"]
            .iter()
            .any(|prefix| name.starts_with(prefix))
        {
            command.env_remove(name.as_ref());
        }
    }
    command
}

/// `GET /api/whoami` of the console at `base_url` in `browser`, as JSON (`null`: not
/// signed in).
pub async fn whoami_at(base_url: &str, browser: &reqwest::Client) -> serde_json::Value {
    browser
        .get(format!("{base_url}/api/whoami"))
        .send()
        .await
        .expect("whoami")
        .json()
        .await
        .expect("json")
}

/// The settings of a demo-mode console (tiny enterprise, no scheduled audit syncs or
/// snapshots) listening on `addr`, running as [`RUNTIME_ROLE`] on `database_url`, which the
/// tests' own user owns and migrates, with its files in `data_dir`. Call
/// [`ensure_runtime_role`] first.
pub fn demo_settings(
    addr: &str,
    database_url: &str,
    data_dir: &std::path::Path,
) -> HashMap<String, String> {
    HashMap::from([
        ("CONSOLE_ADDR".into(), addr.to_string()),
        ("DATABASE_URL".into(), as_runtime_role(database_url)),
        (
            "CONSOLE_DATABASE_OWNER_URL".into(),
            database_url.to_string(),
        ),
        ("CONSOLE_DEMO_SIZE".into(), "tiny".into()),
        // Tests run audit syncs themselves, when they want them.
        ("CONSOLE_AUDIT_SYNC_SECONDS".into(), "0".into()),
        // Airtable's rate limits stay on, as in production (the tests' own looks at the
        // simulator are unmetered: `sim_observer`). Audit events appear at once: tests
        // look for their own actions in the copy (`audit_ingest.rs` tests lateness).
        ("CONSOLE_DEMO_AUDIT_DELAY_SECONDS".into(), "0".into()),
        ("CONSOLE_SNAPSHOT_HOURS".into(), "0".into()),
        (
            "CONSOLE_DATA_DIR".into(),
            data_dir.to_string_lossy().into_owned(),
        ),
    ])
}

impl TestConsole {
    /// A console on a fresh database, with extra settings on top of the demo defaults. The
    /// console runs as [`RUNTIME_ROLE`]; `DATABASE_URL` in `extra` names the database (as its
    /// owner) instead of a fresh one; an empty value unsets a setting (e.g.
    /// `CONSOLE_DATABASE_OWNER_URL` to run as one role).
    pub async fn start_with(extra: &[(&str, &str)]) -> TestConsole {
        let database_url = extra
            .iter()
            .find(|(name, _)| *name == "DATABASE_URL")
            .map(|(_, url)| url.to_string())
            .unwrap_or_else(fresh_database_url);
        ensure_runtime_role().await;
        let runtime_url = as_runtime_role(&database_url);
        let data_dir =
            std::env::temp_dir().join(format!("console-test-{}", uuid::Uuid::new_v4().simple()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a port");
        let addr = listener.local_addr().expect("local addr");
        let mut vars = demo_settings(&addr.to_string(), &database_url, &data_dir);
        for (k, v) in extra {
            if *k == "DATABASE_URL" {
                continue;
            }
            if v.is_empty() {
                vars.remove(*k);
            } else {
                vars.insert(k.to_string(), v.to_string());
            }
        }
        let settings =
            Settings::from_lookup(|name| vars.get(name).cloned()).expect("valid test settings");
        let console = console_server::start(settings, listener)
            .await
            .expect("console starts");
        TestConsole {
            console,
            database_url,
            runtime_url,
            data_dir,
        }
    }

    pub async fn start() -> TestConsole {
        Self::start_with(&[]).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.console.url(), path)
    }

    pub fn sim(&self) -> &airtable_sim::RunningSim {
        self.console
            .sim
            .as_ref()
            .expect("demo mode runs the simulator")
    }

    /// A browser-like HTTP client: keeps cookies, does not follow redirects.
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(redirect::Policy::none())
            .build()
            .expect("http client")
    }

    /// Goes through the OAuth round trip as `email` and returns where the console's callback
    /// sent the browser (e.g. `/` on success, `/signin?error=…` on refusal).
    pub async fn sign_in(&self, browser: &reqwest::Client, email: &str) -> String {
        let callback = self.callback_for(browser, email).await;
        self.follow_callback(browser, &callback).await
    }

    /// A fresh browser signed in as the first demo admin.
    pub async fn admin_browser(&self) -> reqwest::Client {
        let browser = self.browser();
        let admin = &self.sim().info().admins[0].email;
        assert_eq!(self.sign_in(&browser, admin).await, "/", "{admin} signs in");
        browser
    }

    /// Starts a sign-in in `browser` and approves it at the simulator as `email`: the
    /// callback URL the simulator sent the browser back to (not followed yet).
    pub async fn callback_for(&self, browser: &reqwest::Client, email: &str) -> String {
        let authorize_url = self.start_sign_in(browser).await;
        self.approve_at_sim(browser, &authorize_url, email).await
    }

    /// `GET /auth/login`: returns the simulator's authorize URL the console redirected to.
    pub async fn start_sign_in(&self, browser: &reqwest::Client) -> String {
        let response = session::get_response(self, browser, "/auth/login").await;
        redirected_to(&response, "login")
    }

    /// Clicks the "Sign in as <email>" button on the simulator's page; returns the callback
    /// URL the simulator redirected to.
    pub async fn approve_at_sim(
        &self,
        browser: &reqwest::Client,
        authorize_url: &str,
        email: &str,
    ) -> String {
        sign_in_at_sim(browser, authorize_url, email).await
    }

    /// Follows the simulator's redirect back to the console; returns where the console's
    /// callback page sends the browser on (its meta refresh).
    pub async fn follow_callback(&self, browser: &reqwest::Client, callback: &str) -> String {
        let response = browser.get(callback).send().await.expect("callback");
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "the callback answers with a page"
        );
        let html = Html::parse_document(&response.text().await.expect("callback page"));
        let refresh = Selector::parse("meta[http-equiv=refresh]").expect("selector");
        let content = html
            .select(&refresh)
            .next()
            .and_then(|m| m.attr("content"))
            .expect("the callback page moves on by itself")
            .to_string();
        content
            .split_once("url=")
            .map(|(_, url)| url.replace("&amp;", "&"))
            .expect("a destination")
    }

    pub async fn db(&self) -> sqlx::PgPool {
        sqlx::PgPool::connect(&self.database_url)
            .await
            .expect("connect to the test database")
    }
}

impl Drop for TestConsole {
    /// Removes the test's database and files, so runs do not pile them up.
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
        drop_database(&self.database_url);
    }
}

/// Drops the database at `url` from a synchronous `Drop` (on its own thread and runtime).
pub fn drop_database(url: &str) {
    let url = url.to_string();
    let _ = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        runtime.block_on(async {
            use sqlx::migrate::MigrateDatabase;
            sqlx::Postgres::force_drop_database(&url).await.ok()
        })
    })
    .join();
}

/// A fresh database named `<prefix>_<uuid>`, migrated by the tests' own user: (pool, URL).
pub async fn fresh_database(prefix: &str) -> (sqlx::PgPool, String) {
    let url = format!(
        "{}/{prefix}_{}",
        postgres_base(),
        uuid::Uuid::new_v4().simple()
    );
    let pool = console_server::db::connect_and_migrate(&url)
        .await
        .expect("database");
    (pool, url)
}

/// A simulator of the tiny enterprise on a random port, with `config`'s other settings.
pub async fn spawn_tiny_sim(config: airtable_sim::SimConfig) -> airtable_sim::RunningSim {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    airtable_sim::spawn(
        listener,
        airtable_sim::SimConfig {
            size: airtable_sim::SimSize::tiny(),
            ..config
        },
    )
    .await
    .expect("sim starts")
}

/// A client builder for `sim` carrying the simulator's own (super admin) token.
/// HTTP for a test's own look at the simulator: its requests carry the simulator's
/// unmetered header, so watching never spends the rate budget the console is tested against.
pub fn unmetered_http() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        airtable_sim::UNMETERED_HEADER,
        reqwest::header::HeaderValue::from_static("yes"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("an HTTP client")
}

/// A client for the test's own view of the simulator (with the simulator's token, and
/// unmetered: see [`unmetered_http`]).
pub fn sim_observer(sim: &airtable_sim::RunningSim) -> airtable_client::Client {
    sim_client_builder(sim)
        .http_client(unmetered_http())
        .no_rate_limit()
        .per_base_rate_limit(None)
        .build()
        .expect("client")
}

/// A client of the simulator with its token, metered like the console's: for tests whose
/// subject is the client's own calls (the ingester, snapshots).
pub fn sim_client_builder(sim: &airtable_sim::RunningSim) -> airtable_client::ClientBuilder {
    airtable_client::Client::builder()
        .base_url(sim.base_url().to_string())
        .token(airtable_client::AccessToken::new(
            sim.info().token.to_string(),
        ))
}

/// The simulated enterprise's ID.
pub fn sim_enterprise(sim: &airtable_sim::RunningSim) -> airtable_client::ids::EnterpriseId {
    sim.info()
        .enterprise_account_id
        .to_string()
        .parse()
        .expect("enterprise id")
}

/// Where `response`, which must be a redirect (answering `what`), sends the browser.
pub fn redirected_to(response: &reqwest::Response, what: &str) -> String {
    assert!(
        response.status().is_redirection(),
        "{what} redirects, got {}",
        response.status()
    );
    location(response)
}

/// The text of `response`'s header `name`, if it has one.
pub fn header_text(response: &reqwest::Response, name: header::HeaderName) -> Option<&str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .expect("a Location header")
}

/// Presses "Sign in as <email>" on the simulator's authorize page (`authorize_url`, where
/// the console sent `browser`); returns the callback URL the simulator redirected to (not
/// followed yet).
pub async fn sign_in_at_sim(browser: &reqwest::Client, authorize_url: &str, email: &str) -> String {
    // The sign-in page is addressed as `localhost`; reach it on the same port.
    let page_url = authorize_url.replacen("localhost", "127.0.0.1", 1);
    let page = browser.get(&page_url).send().await.expect("authorize page");
    assert_eq!(page.status(), StatusCode::OK);
    let page_url = page.url().clone();
    let html = Html::parse_document(&page.text().await.expect("page text"));
    let forms = Selector::parse("form").expect("selector");
    let inputs = Selector::parse("input[type=hidden]").expect("selector");
    let buttons = Selector::parse("button").expect("selector");
    for form in html.select(&forms) {
        let Some(button) = form
            .select(&buttons)
            .find(|b| b.text().collect::<String>().contains(email))
        else {
            continue;
        };
        let mut fields: Vec<(String, String)> = form
            .select(&inputs)
            .filter_map(|i| {
                Some((
                    i.attr("name")?.to_string(),
                    i.attr("value").unwrap_or("").to_string(),
                ))
            })
            .collect();
        if let Some(name) = button.attr("name") {
            fields.push((
                name.to_string(),
                button.attr("value").unwrap_or("").to_string(),
            ));
        }
        let action = page_url
            .join(form.attr("action").unwrap_or(""))
            .expect("form action");
        let response = browser
            .post(action)
            .form(&fields)
            .send()
            .await
            .expect("approve");
        return redirected_to(&response, "the simulator's sign-in");
    }
    panic!("no sign-in button for {email} on the simulator's page");
}
