//! `GET /audit/export.csv` and `GET /audit/export.ndjson`: any search's whole result set as
//! a download, streamed from the database (no size limit, flat memory).

use axum::{
    extract::{Query, State},
    response::Response,
};
use console_core::audit::search::{export, ExportFormat};
use console_types::{api::ConsoleError, audit::query::SearchForm};

use super::attachment;
use crate::{
    auth::require_role::{RequireRole, Viewer},
    state::AppState,
};

pub async fn csv(
    state: State<AppState>,
    who: RequireRole<Viewer>,
    form: Query<SearchForm>,
) -> Response {
    download(state, who, form, ExportFormat::Csv).await
}

pub async fn ndjson(
    state: State<AppState>,
    who: RequireRole<Viewer>,
    form: Query<SearchForm>,
) -> Response {
    download(state, who, form, ExportFormat::Ndjson).await
}

async fn download(
    State(state): State<AppState>,
    who: RequireRole<Viewer>,
    Query(form): Query<SearchForm>,
    format: ExportFormat,
) -> Response {
    attachment(&state, &who, async {
        let query = form.to_query().map_err(|error| {
            ConsoleError::Invalid(format!("The search could not be read: {error}"))
        })?;
        tracing::info!(user = %who.airtable_user_id, query = %query, format = format.extension(), "audit export");
        Ok(export(state.console.exports.pool().clone(), query, format))
    })
    .await
}
