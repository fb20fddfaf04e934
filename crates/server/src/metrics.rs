//! Prometheus metrics (`CONSOLE_METRICS`): the `metrics` facade everywhere, the Prometheus
//! text format from `metrics-exporter-prometheus` here.
//!
//! Counted as things happen: requests per route (count, latency), Airtable calls per
//! endpoint (attempts by status, 429s, retries, limiter waits — `airtable-client`), live
//! reads kept or made (`console-core::live`), audit events copied (`console-core::audit`).
//! Read when Prometheus scrapes: approvals waiting, bulk jobs running, the audit copy's lag
//! (fleet-wide, from Postgres) and this process's database connections in use.

use std::{collections::HashSet, sync::OnceLock, time::Instant};

use axum::{
    extract::{MatchedPath, Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::state::AppState;

/// Latency buckets in seconds: fine where pages should be (1–100 ms), coarse beyond.
const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// How often histogram samples are folded into their buckets when nobody scrapes.
const UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// The process's recorder, installed once (tests start many consoles in one process; they
/// share it, as counters only ever grow).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder was installed first: /metrics stays empty");
        }
        // A histogram keeps every sample until it is folded into its buckets, which a
        // scrape does, or this upkeep: without it, a console nobody scrapes would keep
        // every request's latency forever. A thread, not a task: consoles come and go in
        // one test process, and their runtimes with them.
        let upkeep = handle.clone();
        let started = std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || loop {
                std::thread::sleep(UPKEEP_EVERY);
                upkeep.run_upkeep();
            });
        if let Err(error) = started {
            tracing::warn!(%error, "no metrics upkeep thread: histograms are folded only when scraped");
        }
        handle
    })
}

/// The route a request matched, left on the response by [`remember_route`] for
/// [`count_requests`] (which runs outside routing, so it cannot see `MatchedPath` itself).
#[derive(Clone)]
struct RouteLabel(String);

/// Inside routing: notes the route template the request matched. Server functions are
/// named by their path (a fixed set), and unknown names all as one, so that made-up
/// paths cannot grow the number of series.
pub async fn remember_route(
    matched: Option<MatchedPath>,
    request: Request,
    next: Next,
) -> Response {
    let label = match matched.as_ref().map(MatchedPath::as_str) {
        Some("/api/{*fn_name}") if is_server_function(request.uri().path()) => {
            request.uri().path().to_string()
        }
        Some("/api/{*fn_name}") => "/api/unknown".to_string(),
        Some(template) => template.to_string(),
        None => "other".to_string(),
    };
    let mut response = next.run(request).await;
    response.extensions_mut().insert(RouteLabel(label));
    response
}

/// Whether `path` names one of the app's server functions (the set is fixed at start-up).
fn is_server_function(path: &str) -> bool {
    static PATHS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    PATHS
        .get_or_init(|| {
            leptos::server_fn::axum::server_fn_paths()
                .map(|(path, _)| path)
                .collect()
        })
        .contains(path)
}

/// Outside everything but tracing: counts and times every request, sign-in checks
/// included, by the route [`remember_route`] noted ("other" for addresses with no route).
pub async fn count_requests(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_string();
    let response = next.run(request).await;
    let route = response
        .extensions()
        .get::<RouteLabel>()
        .map_or_else(|| "other".to_string(), |r| r.0.clone());
    let status = response.status().as_u16().to_string();
    metrics::counter!(
        "console_http_requests_total",
        "method" => method.clone(),
        "route" => route.clone(),
        "status" => status,
    )
    .increment(1);
    metrics::histogram!(
        "console_http_request_duration_seconds",
        "method" => method,
        "route" => route,
    )
    .record(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`: the figures read now, then everything in Prometheus' text format.
pub async fn render(State(state): State<AppState>) -> Response {
    let db = &state.console.db;
    for (pool, connections) in [
        ("main", db),
        ("searches", state.console.searches.pool()),
        ("exports", state.console.exports.pool()),
    ] {
        metrics::gauge!("console_db_connections_in_use", "pool" => pool)
            .set(f64::from(connections.size()) - connections.num_idle() as f64);
    }
    match console_core::gauges::read(db).await {
        Ok(g) => {
            metrics::gauge!("console_approvals_waiting").set(g.approvals_waiting as f64);
            metrics::gauge!("console_bulk_jobs_running").set(g.bulk_jobs_running as f64);
            metrics::gauge!("console_audit_events_stored").set(g.audit_events_stored as f64);
            let now = chrono::Utc::now();
            let age = |at: Option<chrono::DateTime<chrono::Utc>>| {
                at.map(|at| (now - at).num_milliseconds() as f64 / 1000.0)
            };
            if let Some(lag) = age(g.audit_newest_event_at) {
                metrics::gauge!("console_audit_newest_event_age_seconds").set(lag);
            }
            if let Some(since) = age(g.audit_last_success_at) {
                metrics::gauge!("console_audit_last_sync_age_seconds").set(since);
            }
        }
        Err(error) => {
            // The counters are still worth having; the gauges keep their last values.
            tracing::warn!(%error, "metrics: cannot read the console's state");
            metrics::counter!("console_metrics_read_failures_total").increment(1);
        }
    }
    if let Err(error) = console_core::siem::record_gauges(db).await {
        tracing::warn!(%error, "metrics: cannot read the SIEM sinks' positions");
    }
    // How many copied events the slowest enabled alert rule has still to evaluate.
    if let Ok(lag) = console_core::alerts::lag(db).await {
        metrics::gauge!("console_alert_evaluator_lag_events").set(lag as f64);
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle().render(),
    )
        .into_response()
}
