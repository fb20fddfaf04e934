//! The real binary as a process. Graceful stops: readiness turns 503 the moment a stop
//! begins while liveness stays 200, a request already running is answered, the listener
//! closes after the drain, and the binary exits with status 0 within
//! `CONSOLE_SHUTDOWN_SECONDS` after SIGTERM. And how it starts: without transparent huge
//! pages (`main.rs`).
//!
//! Bounds here are about behaviour, never speed: each is far beyond what the step needs
//! (the budget itself, or a drain several times longer than the thing being waited for).

mod common;

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use common::{process::ConsoleProcess, session::sign_in_as, TestConsole};
use console_app::api::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A client that opens a new connection for every request, as a load balancer's health
/// check does: what it sees says whether the console still accepts connections.
fn fresh_connections() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("http client")
}

/// `GET url`: status and body text, or `None` when no connection could be made.
async fn probe(http: &reqwest::Client, url: &str) -> Option<(StatusCode, String)> {
    let response = http.get(url).send().await.ok()?;
    let status = response.status();
    Some((status, response.text().await.unwrap_or_default()))
}

/// Calls `look` every 50 ms until what it sees is `done`: `Ok` with that, or `Err` with the
/// last thing seen once `limit` has passed.
async fn until<T, F, Fut>(limit: Duration, mut look: F, done: impl Fn(&T) -> bool) -> Result<T, T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let started = Instant::now();
    loop {
        let seen = look().await;
        if done(&seen) {
            return Ok(seen);
        }
        if started.elapsed() > limit {
            return Err(seen);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits, at most `limit`, until the simulator holds back a request: the console's request
/// is then waiting on Airtable.
async fn request_reaches_sim(sim_url: &str, limit: Duration) {
    let delayed = until(limit, || delayed_at_sim(sim_url), |n| *n >= 1).await;
    assert!(
        delayed.is_ok(),
        "the console's request reached the simulator within {limit:?}"
    );
}

/// Waits, at most `limit`, until `url` answers something other than 200; what it answered.
async fn not_ok(
    http: &reqwest::Client,
    url: &str,
    limit: Duration,
) -> Option<(StatusCode, String)> {
    until(
        limit,
        || probe(http, url),
        |seen| {
            seen.as_ref()
                .is_some_and(|(status, _)| *status != StatusCode::OK)
        },
    )
    .await
    .unwrap_or_else(|seen| panic!("{url} still answered {seen:?} after {limit:?}"))
}

/// Waits, at most `limit`, until new connections to `addr` are refused.
async fn refused_within(addr: SocketAddr, limit: Duration) {
    let closed = until(limit, || refused(addr), |refused| *refused).await;
    assert!(
        closed.is_ok(),
        "new connections to {addr} are refused within {limit:?}"
    );
}

/// Whether a new TCP connection to `addr` is refused (nothing listens there any more).
async fn refused(addr: SocketAddr) -> bool {
    matches!(
        tokio::net::TcpStream::connect(addr).await,
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionRefused
    )
}

/// `GET url` in `browser`, in a task of its own: the status and the body.
fn slow_request(
    browser: &reqwest::Client,
    url: String,
) -> tokio::task::JoinHandle<Result<(StatusCode, String), reqwest::Error>> {
    let browser = browser.clone();
    tokio::spawn(async move {
        let response = browser.get(url).send().await?;
        let status = response.status();
        Ok((status, response.text().await?))
    })
}

/// Makes the simulator answer requests matching `path` only after `latency_ms`.
async fn slow_down(sim_url: &str, path: &str, latency_ms: u64) {
    let response = common::unmetered_http()
        .post(format!("{sim_url}/_sim/faults"))
        .json(&json!({ "path": path, "method": "GET", "latencyMs": latency_ms }))
        .send()
        .await
        .expect("set a fault");
    assert!(response.status().is_success(), "{}", response.status());
}

/// How many requests the simulator has held back so far (they are counted as they arrive,
/// before the wait): one means the console's request is waiting on Airtable now.
async fn delayed_at_sim(sim_url: &str) -> u64 {
    let faults: Value = common::unmetered_http()
        .get(format!("{sim_url}/_sim/faults"))
        .send()
        .await
        .expect("read the faults")
        .json()
        .await
        .expect("faults as JSON");
    faults["injected"]["delayed"].as_u64().unwrap_or(0)
}

#[tokio::test]
async fn a_stop_turns_readiness_off_at_once_and_answers_the_request_already_running() {
    // A drain of 1 s and an Airtable that answers 5 s late: the listener closes while the
    // request is still waiting on Airtable, and the stop must wait for it.
    let mut t = TestConsole::start_with(&[
        ("CONSOLE_SHUTDOWN_SECONDS", "60"),
        ("CONSOLE_SHUTDOWN_DRAIN_SECONDS", "1"),
    ])
    .await;
    let http = fresh_connections();
    for path in ["/readyz", "/healthz", "/livez"] {
        assert_eq!(
            probe(&http, &t.url(path)).await,
            Some((StatusCode::OK, "ok".to_string())),
            "{path} before the stop"
        );
    }

    let operator = sign_in_as(&t, Role::Operator).await;
    slow_down(t.sim().base_url().as_str(), "*/personalAccessTokens", 5000).await;
    let slow = slow_request(&operator.browser, t.url("/api/enterprise/tokens"));
    let sim_url = t.sim().base_url().to_string();
    request_reaches_sim(&sim_url, Duration::from_secs(20)).await;
    // Airtable cannot answer it before this, nor the console before Airtable.
    let answerable = Instant::now() + Duration::from_secs(5);

    let addr = t.console.addr;
    let readyz = t.url("/readyz");
    let livez = t.url("/livez");
    let shutdown = t.console.shutdown.clone();
    assert!(!shutdown.is_triggered());
    let stopping = tokio::spawn(async move {
        let stopped = t.console.stop().await;
        (t, stopped)
    });

    // During the drain: not ready, but alive and still accepting connections.
    assert_eq!(
        not_ok(&http, &readyz, Duration::from_secs(20)).await,
        Some((StatusCode::SERVICE_UNAVAILABLE, "shutting down".to_string()))
    );
    assert!(
        shutdown.is_triggered(),
        "the stop signal is visible to tasks"
    );
    assert_eq!(
        probe(&http, &livez).await,
        Some((StatusCode::OK, "ok".to_string())),
        "/livez stays 200 while the process stops"
    );

    // After the drain the listener is closed while the slow request still runs.
    refused_within(addr, Duration::from_secs(20)).await;
    assert!(
        !slow.is_finished(),
        "the slow request was still running when the listener closed (else this test shows nothing)"
    );

    let (t, stopped) = tokio::time::timeout(Duration::from_secs(60), stopping)
        .await
        .expect("the stop ends within its budget")
        .expect("the stop task ran");
    // The stop waited for the request. (In this process the connection's task would outlive
    // a stop that did not, and still answer: when the stop returned is what tells. The
    // second of slack covers the polling that noticed the request at the simulator.)
    let early = answerable.saturating_duration_since(Instant::now());
    assert!(
        early < Duration::from_secs(1),
        "the stop returned {early:?} before Airtable could even answer the request it had"
    );
    stopped.expect("the stop succeeds");
    let (status, body) = slow
        .await
        .expect("the request task ran")
        .expect("the slow request is answered, not cut off");
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(refused(addr).await, "nothing listens after the stop");
    drop(t);
}

#[tokio::test]
async fn without_its_database_the_console_is_alive_but_not_ready() {
    let t = TestConsole::start().await;
    let http = fresh_connections();
    // Every connection the console has, or could open, is gone (as when Postgres stops).
    t.console.state.console.db.close().await;
    let unready = Some((
        StatusCode::SERVICE_UNAVAILABLE,
        "database unreachable".to_string(),
    ));
    assert_eq!(probe(&http, &t.url("/readyz")).await, unready);
    assert_eq!(probe(&http, &t.url("/healthz")).await, unready);
    // Restarting the process would not bring the database back: liveness stays 200.
    assert_eq!(
        probe(&http, &t.url("/livez")).await,
        Some((StatusCode::OK, "ok".to_string()))
    );
}

#[tokio::test]
async fn a_stop_gives_up_on_a_request_that_outlasts_the_budget() {
    // A 3 s budget and an Airtable that answers 25 s late: the stop returns at the budget.
    let mut t = TestConsole::start_with(&[
        ("CONSOLE_SHUTDOWN_SECONDS", "3"),
        ("CONSOLE_SHUTDOWN_DRAIN_SECONDS", "0"),
    ])
    .await;
    let operator = sign_in_as(&t, Role::Operator).await;
    slow_down(
        t.sim().base_url().as_str(),
        "*/personalAccessTokens",
        25_000,
    )
    .await;
    let _slow = tokio::spawn({
        let browser = operator.browser.clone();
        let url = t.url("/api/enterprise/tokens");
        async move { browser.get(url).send().await.map(|r| r.status()) }
    });
    let sim_url = t.sim().base_url().to_string();
    request_reaches_sim(&sim_url, Duration::from_secs(20)).await;
    let started = Instant::now();
    let stopped = tokio::time::timeout(Duration::from_secs(20), t.console.stop())
        .await
        .expect("the stop gives up at its budget rather than waiting for the request");
    stopped.expect("a stop that gave up still returns");
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "the stop waited for the request until the budget ran out ({:?})",
        started.elapsed()
    );
    assert!(
        refused(t.console.addr).await,
        "nothing listens after the stop"
    );
}

/// The console's binary in demo mode, as `docker stop` and Kubernetes meet it.
/// A browser signed in through the OAuth round trip as the first demo admin (who is a
/// console admin in demo mode).
async fn admin_browser(process: &ConsoleProcess) -> reqwest::Client {
    let info: Value = common::unmetered_http()
        .get(format!("{}/_sim/info", process.sim_url))
        .send()
        .await
        .expect("the simulator's info")
        .json()
        .await
        .expect("info as JSON");
    let email = info["admins"][0]["email"]
        .as_str()
        .expect("a demo admin")
        .to_string();
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    let login = browser
        .get(process.url("/auth/login"))
        .send()
        .await
        .expect("login");
    let authorize = common::redirected_to(&login, "login");
    let callback = common::sign_in_at_sim(&browser, &authorize, &email).await;
    let done = browser.get(&callback).send().await.expect("callback");
    assert_eq!(done.status(), StatusCode::OK, "{}", process.log());
    let me: Value = browser
        .get(process.url("/api/whoami"))
        .send()
        .await
        .expect("whoami")
        .json()
        .await
        .expect("whoami as JSON");
    assert_eq!(me["email"].as_str(), Some(email.as_str()), "{me}");
    browser
}

#[tokio::test]
async fn sigterm_drains_answers_the_request_running_and_exits_with_0_within_its_budget() {
    // A drain of 2 s and an Airtable that answers 8 s late: the listener closes while the
    // request is still waiting on Airtable, and the process must not exit before it is
    // answered (a process that exits cuts its connections).
    let mut console = ConsoleProcess::start(
        "shutdown",
        &[
            ("CONSOLE_SHUTDOWN_SECONDS", "20"),
            ("CONSOLE_SHUTDOWN_DRAIN_SECONDS", "2"),
        ],
    )
    .await;
    let http = fresh_connections();
    assert_eq!(
        probe(&http, &console.url("/livez")).await,
        Some((StatusCode::OK, "ok".to_string()))
    );
    let admin = admin_browser(&console).await;
    slow_down(&console.sim_url, "*/personalAccessTokens", 8000).await;
    let slow = slow_request(&admin, console.url("/api/enterprise/tokens"));
    request_reaches_sim(&console.sim_url, Duration::from_secs(20)).await;

    let signalled = Instant::now();
    console.signal("TERM");
    let readyz = console.url("/readyz");
    assert_eq!(
        not_ok(&http, &readyz, Duration::from_secs(15)).await,
        Some((StatusCode::SERVICE_UNAVAILABLE, "shutting down".to_string())),
        "{}",
        console.log()
    );
    // Liveness does not turn with readiness (the drain is still on: the probe above was
    // answered, and the listener closes only 2 s after the signal).
    if let Some((status, _)) = probe(&http, &console.url("/livez")).await {
        assert_eq!(status, StatusCode::OK, "/livez while stopping");
    }
    refused_within(console.addr, Duration::from_secs(15)).await;
    if slow.is_finished() {
        let ended = slow.await;
        panic!(
            "the request running at SIGTERM had ended ({ended:?}) by the time the listener closed; it could not have been answered yet\n{}",
            console.log()
        );
    }

    let budget = Duration::from_secs(20);
    let status = console
        .exit_within(budget.saturating_sub(signalled.elapsed()))
        .await;
    assert!(
        status.success(),
        "a stop asked for exits with 0: {status}\n{}",
        console.log()
    );
    let (status, body) = slow
        .await
        .expect("the request task ran")
        .unwrap_or_else(|e| {
            panic!(
                "the request running at SIGTERM was cut off: {e}\n{}",
                console.log()
            )
        });
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        refused(console.addr).await,
        "nothing listens after the exit"
    );
    let log = console.log();
    assert!(log.contains("SIGTERM: stopping"), "{log}");
    assert!(log.contains("stopped: every request answered"), "{log}");
}

#[tokio::test]
async fn ctrl_c_stops_without_the_drain_and_a_second_signal_stops_at_once() {
    // A drain far longer than these stops may take: each ends before it would.
    let drain = [
        ("CONSOLE_SHUTDOWN_SECONDS", "60"),
        ("CONSOLE_SHUTDOWN_DRAIN_SECONDS", "45"),
    ];
    let mut interrupted = ConsoleProcess::start("shutdown", &drain).await;
    interrupted.signal("INT");
    let status = interrupted.exit_within(Duration::from_secs(30)).await;
    assert!(status.success(), "{status}\n{}", interrupted.log());
    assert!(
        interrupted.log().contains("SIGINT: stopping"),
        "{}",
        interrupted.log()
    );

    let mut terminated = ConsoleProcess::start("shutdown", &drain).await;
    terminated.signal("TERM");
    let http = fresh_connections();
    let readyz = terminated.url("/readyz");
    assert_eq!(
        not_ok(&http, &readyz, Duration::from_secs(20)).await,
        Some((StatusCode::SERVICE_UNAVAILABLE, "shutting down".to_string())),
        "draining after SIGTERM:\n{}",
        terminated.log()
    );
    terminated.signal("TERM");
    let status = terminated.exit_within(Duration::from_secs(30)).await;
    assert!(
        !status.success(),
        "a stop cut short is not a clean stop: {status}\n{}",
        terminated.log()
    );
    assert!(
        terminated.log().contains("SIGTERM during the stop"),
        "{}",
        terminated.log()
    );
}

/// `main` switches transparent huge pages off before the runtime starts (they kept the
/// heap resident at more than its size: `main.rs`). The kernel says so in the
/// process's status (`THP_enabled`, Linux 5.0 and later; elsewhere there is nothing to see).
#[cfg(target_os = "linux")]
#[tokio::test]
async fn the_process_runs_without_transparent_huge_pages() {
    let console = ConsoleProcess::start("memory", &[]).await;
    let status = std::fs::read_to_string(format!("/proc/{}/status", console.child.id()))
        .expect("the process's status");
    let Some(line) = status.lines().find(|l| l.starts_with("THP_enabled:")) else {
        eprintln!("this kernel does not report THP_enabled; nothing to check");
        return;
    };
    assert_eq!(line.split_whitespace().nth(1), Some("0"), "{line}");
}
