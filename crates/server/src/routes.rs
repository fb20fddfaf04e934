//! Routes that are not Leptos pages or server functions.

use axum::{
    extract::State,
    http::{header, StatusCode},
    response::IntoResponse,
};

use axum::http::HeaderValue;
use tower_http::set_header::SetResponseHeaderLayer;

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

/// The longest file name a file system takes (Linux's `NAME_MAX`). ServeDir answers a
/// longer one with a 500 (the `open` fails with ENAMETOOLONG); no bundle file is that long.
const LONGEST_FILE_NAME: usize = 255;

/// The browser bundle under `/pkg`: the brotli or gzip copy `./x build-site` made when the
/// browser takes it, revalidated on every visit (`no-cache` with `Last-Modified`, so a
/// repeat visit costs a 304 and no bundle bytes). A name no file can have is a plain 404,
/// not a 500.
pub fn bundle_files(dir: std::path::PathBuf) -> axum::Router {
    let files = tower_http::services::ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip();
    axum::Router::new()
        .fallback_service(files)
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
        .layer(axum::middleware::from_fn(refuse_impossible_names))
}

async fn refuse_impossible_names(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let too_long = request
        .uri()
        .path()
        .split('/')
        .any(|segment| segment.len() > LONGEST_FILE_NAME);
    if too_long {
        return (StatusCode::NOT_FOUND, "No such file.").into_response();
    }
    next.run(request).await
}
