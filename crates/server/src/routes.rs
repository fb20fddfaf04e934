//! Routes that are not Leptos pages or server functions.

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

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
pub async fn health(State(state): State<AppState>) -> impl IntoResponse {
    match sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(&state.console.db)
        .await
    {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(error) => {
            tracing::warn!(%error, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}
