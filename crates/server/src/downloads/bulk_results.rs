//! `GET /users/bulk/{id}/results.csv`: one line per user of a job with what happened (any
//! viewer may download it, as any viewer may see the job).

use axum::{
    extract::{Path, State},
    response::Response,
};

use super::attachment;
use crate::{
    auth::require_role::{RequireRole, Viewer},
    state::AppState,
};

pub async fn csv(
    State(state): State<AppState>,
    who: RequireRole<Viewer>,
    Path(id): Path<String>,
) -> Response {
    attachment(
        &state,
        &who,
        console_core::bulk::csv::results(&state.console, &id),
    )
    .await
}
