//! Routes that are not Leptos pages or server functions.

use std::time::Duration;

use axum::{
    extract::State,
    http::{header, StatusCode},
    response::IntoResponse,
};

use crate::state::AppState;

/// The stylesheet, compiled into the binary: one file, no build step.
pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        include_str!("../../app/style/console.css"),
    )
}

/// How long readiness waits for the database: less than a load balancer's health-check
/// timeout (the compose file's Caddy waits 3 s), so it gets a 503 rather than no answer.
const READY_DATABASE_WAIT: Duration = Duration::from_secs(2);

/// `GET /livez`: liveness. 200 whenever the process answers at all, also while it stops
/// and while the database is down: restarting the process would cure neither.
pub async fn live() -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-store")], "ok")
}

/// `GET /readyz` (and `/healthz`, its old name): readiness, whether a load balancer should
/// send requests here. 200 when the database answers and the process is not stopping;
/// otherwise 503 with the reason in a few words (`shutting down`, `database unreachable`,
/// `database not answering`).
pub async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    let (status, reason) = readiness(&state).await;
    (status, [(header::CACHE_CONTROL, "no-store")], reason)
}

async fn readiness(state: &AppState) -> (StatusCode, &'static str) {
    if state.console.shutdown.is_triggered() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down");
    }
    let answer = tokio::time::timeout(
        READY_DATABASE_WAIT,
        sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&state.console.db),
    )
    .await;
    match answer {
        Ok(Ok(_)) => (StatusCode::OK, "ok"),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
        Err(_) => {
            tracing::warn!(
                "readiness: the database did not answer within {} s",
                READY_DATABASE_WAIT.as_secs()
            );
            (StatusCode::SERVICE_UNAVAILABLE, "database not answering")
        }
    }
}
