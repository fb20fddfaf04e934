//! `GET /users/bulk/{id}/results.csv`: one line per user of a job with what happened,
//! streamed from Postgres (any viewer may download it, as any viewer may see the job).

use axum::{
    body::Body,
    extract::{Path, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Extension,
};
use console_app::api::{Role, SignedInUser};
use console_app::bulk::BulkItem;
use futures::StreamExt;
use uuid::Uuid;

use super::store;
use crate::{audit::search::csv_line, backend::internal, state::AppState};

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
    csv_line(
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
    who: Option<Extension<SignedInUser>>,
    Path(id): Path<String>,
) -> Response {
    let Some(Extension(who)) = who else {
        return (StatusCode::UNAUTHORIZED, "Sign in to download results.").into_response();
    };
    if !who.role.allows(Role::Viewer) {
        return (
            StatusCode::FORBIDDEN,
            "Your console role does not allow this.",
        )
            .into_response();
    }
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
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, sqlx::Error>>(4);
    tokio::spawn(async move {
        let mut chunk = Vec::with_capacity(16 * 1024);
        csv_line(&mut chunk, HEADER.iter().map(|s| Some(*s)));
        let mut rows = Box::pin(store::all_items(&db, id));
        while let Some(row) = rows.next().await {
            match row {
                Ok(item) => line(&mut chunk, &item),
                Err(error) => {
                    let _ = sender.send(Err(error)).await;
                    return;
                }
            }
            if chunk.len() > 60 * 1024 {
                let full = std::mem::replace(&mut chunk, Vec::with_capacity(16 * 1024));
                if sender.send(Ok(full)).await.is_err() {
                    return; // the download was abandoned
                }
            }
        }
        let _ = sender.send(Ok(chunk)).await;
    });
    // A database error mid-way ends the body early: a broken download, never a file that
    // silently lacks rows.
    let body = futures::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    })
    .map(|chunk| {
        chunk.map_err(|error| {
            tracing::error!(%error, "bulk results export failed part-way");
            std::io::Error::other("the export stopped: the database failed")
        })
    });
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"bulk-{id}.csv\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(body),
    )
        .into_response()
}
