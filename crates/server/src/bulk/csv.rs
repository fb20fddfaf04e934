//! `GET /users/bulk/{id}/results.csv`: one line per user of a job with what happened,
//! streamed from Postgres (any viewer may download it, as any viewer may see the job).

use axum::{
    extract::{Path, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use console_app::bulk::BulkItem;
use uuid::Uuid;

use super::store;
use crate::{
    auth::require_role::{RequireRole, Viewer},
    csv_out,
    error::internal,
    state::AppState,
};

const HEADER: &[&str] = &[
    "user_id",
    "email",
    "name",
    "status",
    "result",
    "approval_request",
    "finished_at",
];

fn line(out: &mut Vec<u8>, item: &BulkItem) {
    let finished = item
        .finished_at
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    csv_out::write_row(
        out,
        [
            Some(item.user_id.as_str()),
            Some(item.email.as_str()),
            Some(item.name.as_str()),
            Some(item.status.label()),
            Some(item.result.as_str()),
            item.approval_id.as_deref(),
            finished.as_deref(),
        ],
    );
}

pub async fn results(
    State(state): State<AppState>,
    _who: RequireRole<Viewer>,
    Path(id): Path<String>,
) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "There is no such bulk job.").into_response();
    let Ok(id) = id.trim().parse::<Uuid>() else {
        return not_found();
    };
    match store::kind_of(&state.db, id).await {
        Ok(Some(_)) => {}
        Ok(None) => return not_found(),
        Err(error) => {
            let error = internal(error);
            return (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response();
        }
    }
    let db = state.db.clone();
    let (sender, chunks) = crate::download::channel();
    tokio::spawn(async move {
        let head = csv_out::header(HEADER);
        let items = store::all_items(&db, id);
        crate::download::pump(items, head, |out, item| line(out, &item), sender).await;
    });
    let body = crate::download::body(chunks, "bulk results export");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"bulk-{id}.csv\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}
