//! A bulk job's results as CSV lines: one per user with what happened (the server streams
//! them at `GET /users/bulk/{id}/results.csv`).

use console_types::{api::ConsoleError, bulk::BulkItem};

use super::store;
use crate::{
    csv_out,
    error::internal,
    export::{self, Download},
    Console,
};

/// One line per user of job `id` with what happened, streamed from Postgres.
pub async fn results(console: &Console, id: &str) -> Result<Download, ConsoleError> {
    let not_found = || ConsoleError::NotFound("there is no such bulk job.".into());
    let id = super::job_id(id).ok_or_else(not_found)?;
    store::kind_of(&console.db, id)
        .await
        .map_err(internal)?
        .ok_or_else(not_found)?;
    let db = console.exports.pool().clone();
    let (sender, chunks) = export::channel();
    tokio::spawn(async move {
        let head = csv_out::header(HEADER);
        let items = store::all_items(&db, id);
        export::pump(items, head, |out, item| line(out, &item), sender).await;
    });
    Ok(Download {
        filename: format!("bulk-{id}.csv"),
        content_type: export::CSV,
        what: "bulk results export",
        chunks: Box::pin(chunks),
    })
}

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
