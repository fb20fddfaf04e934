//! `/metrics`: Prometheus' text format, counters that move with page views and Airtable
//! calls, gauges read from the console's state, and the setting that moves or hides it.

mod common;

use common::session::*;
use common::TestConsole;
use console_app::api::Role;
use reqwest::StatusCode;

/// The value of the first series of `name` whose labels include every one of `labels`
/// (`key="value"`), or `None` when there is none.
fn value_of(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (metric, rest) = series.split_once('{').unwrap_or((series, ""));
            (metric == name && labels.iter().all(|l| rest.contains(l)))
                .then(|| value.parse().ok())
                .flatten()
        })
        .next()
}

/// The gauges are one set per test process, set at each scrape from the database of the
/// console scraped: the tests here take turns so that one's scrape cannot land between
/// another's setting and reading them.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn scrape(url: String) -> String {
    let response = reqwest::get(url).await.expect("scrape");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap_or("")
        .starts_with("text/plain"));
    response.text().await.expect("text")
}

#[tokio::test]
async fn counters_move_with_page_views_and_airtable_calls() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let t = TestConsole::start().await;
    let viewer = sign_in_as(&t, Role::Viewer).await;
    for path in ["/users", "/", "/users"] {
        assert_eq!(
            get_response(&t, &viewer.browser, path).await.status(),
            StatusCode::OK,
            "{path}"
        );
    }
    let first = scrape(t.url("/metrics")).await;
    let users_views = |text: &str| {
        value_of(
            text,
            "console_http_requests_total",
            &["route=\"/users\"", "method=\"GET\"", "status=\"200\""],
        )
        .unwrap_or(0.0)
    };
    assert!(
        users_views(&first) >= 2.0,
        "two views of /users counted:\n{first}"
    );
    for (name, labels) in [
        (
            "console_http_request_duration_seconds_count",
            &["route=\"/users\""][..],
        ),
        ("airtable_requests_total", &["status=\"200\""][..]),
        ("airtable_request_duration_seconds_count", &[][..]),
        ("airtable_limiter_wait_seconds_count", &[][..]),
        ("console_live_reads_total", &["read=\"enterprise\""][..]),
        ("console_approvals_waiting", &[][..]),
        ("console_bulk_jobs_running", &[][..]),
        ("console_db_connections_in_use", &["pool=\"main\""][..]),
        ("console_db_connections_in_use", &["pool=\"searches\""][..]),
        ("console_db_connections_in_use", &["pool=\"exports\""][..]),
    ] {
        assert!(
            value_of(&first, name, labels).is_some(),
            "{name} {labels:?} is reported:\n{first}"
        );
    }
    // Labels are route templates, never IDs or made-up names.
    let made_up = get_response(&t, &viewer.browser, "/api/no-such-function-4711").await;
    assert!(made_up.status().is_client_error(), "{}", made_up.status());
    get_response(&t, &viewer.browser, "/users").await;
    let second = scrape(t.url("/metrics")).await;
    assert!(
        !second.contains("no-such-function-4711"),
        "an unknown path became a label"
    );
    assert!(
        users_views(&second) > users_views(&first),
        "another view was counted"
    );
}

#[tokio::test]
async fn approvals_waiting_is_read_from_the_database() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let t = TestConsole::start().await;
    let operator = sign_in_as(&t, Role::Operator).await;
    let before = value_of(
        &scrape(t.url("/metrics")).await,
        "console_approvals_waiting",
        &[],
    );
    assert_eq!(before, Some(0.0));
    // Someone Airtable would let the console delete (not the only owner of a workspace).
    let mut requested = false;
    for user in all_sim_users(&t).await {
        if user.email == operator.email {
            continue;
        }
        let action =
            serde_json::json!({ "kind": "delete_user", "user": user.id.to_string() }).to_string();
        let (status, _) = post(
            &t,
            &operator,
            "/api/approvals/request",
            &[("action", action.as_str()), ("reason", "left the company")],
        )
        .await;
        if status == StatusCode::OK {
            requested = true;
            break;
        }
    }
    assert!(requested, "one deletion was requested");
    let after = value_of(
        &scrape(t.url("/metrics")).await,
        "console_approvals_waiting",
        &[],
    );
    assert_eq!(after, Some(1.0));
}

#[tokio::test]
async fn metrics_can_be_served_apart_or_not_at_all() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let apart = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.local_addr().expect("addr").to_string()
    };
    let t = TestConsole::start_with(&[("CONSOLE_METRICS", apart.as_str())]).await;
    let text = scrape(format!("http://{apart}/metrics")).await;
    assert!(text.contains("console_approvals_waiting"), "{text}");
    let on_main = reqwest::get(t.url("/metrics")).await.expect("main address");
    assert_eq!(on_main.status(), StatusCode::NOT_FOUND);

    let off = TestConsole::start_with(&[("CONSOLE_METRICS", "off")]).await;
    let response = reqwest::get(off.url("/metrics")).await.expect("off");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
