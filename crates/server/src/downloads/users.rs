//! `GET /users/export.csv?<view>`: every user of the view, from the latest snapshot.

use axum::{
    extract::{Query, State},
    response::Response,
};
use console_types::{api::ConsoleError, people::UserForm};

use super::attachment;
use crate::{
    auth::require_role::{RequireRole, Viewer},
    state::AppState,
};

pub async fn csv(
    State(state): State<AppState>,
    who: RequireRole<Viewer>,
    Query(form): Query<UserForm>,
) -> Response {
    attachment(&state, &who, async {
        let query = form.to_query().map_err(ConsoleError::Invalid)?;
        tracing::info!(user = %who.airtable_user_id, view = %query.to_url_query(), "users export");
        console_core::people::export_csv(&state.console, query).await
    })
    .await
}
