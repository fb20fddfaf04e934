//! The console's downloads (exports of users, reports, the audit log, a bulk job's
//! results, an access review's evidence) and the chart image: plain axum routes, each behind `RequireRole`, calling
//! one domain function and streaming what it returns.

mod audit;
mod bulk_results;
mod chart;
mod reports;
mod reviews;
mod users;

use std::future::Future;

use axum::{
    body::Body,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use console_core::export::Download;
use console_types::api::{ConsoleError, SignedInUser};
use futures::StreamExt;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/audit/export.csv", get(audit::csv))
        .route("/audit/export.ndjson", get(audit::ndjson))
        .route("/audit/chart.svg", get(chart::svg))
        .route("/users/export.csv", get(users::csv))
        .route("/users/bulk/{id}/results.csv", get(bulk_results::csv))
        .route("/reviews/{id}/evidence.csv", get(reviews::csv))
        .route("/reviews/{id}/evidence.html", get(reviews::html))
        .merge(reports::routes())
}

/// Streams a download as an attachment, or says in words why there is none (with the
/// status that fits: a missing snapshot is a 404, a bad filter a 422…).
///
/// Each download first takes one of `who`'s places (`console_core::export::Exports`): a
/// person with too many running is told so before any query starts.
async fn attachment(
    state: &AppState,
    who: &SignedInUser,
    make: impl Future<Output = Result<Download, ConsoleError>>,
) -> Response {
    let download = match state.console.exports.slot(who) {
        Ok(slot) => make.await.map(|download| download.holding(slot)),
        Err(refused) => Err(refused),
    };
    let download = match download {
        Ok(download) => download,
        Err(error) => {
            let status = StatusCode::from_u16(error.http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (status, error.to_string()).into_response();
        }
    };
    let what = download.what;
    let body = Body::from_stream(download.chunks.map(move |chunk| {
        chunk.map_err(|error| {
            tracing::error!(%error, "{what} failed part-way");
            std::io::Error::other("the export stopped: the database failed")
        })
    }));
    (
        [
            (header::CONTENT_TYPE, download.content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", download.filename),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}
