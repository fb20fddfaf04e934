//! `GET /reports/<name>.csv`: every row of a report from the latest snapshot.

use axum::{
    extract::{Query, State},
    response::Response,
    routing::get,
    Router,
};
use console_types::{
    api::ConsoleError,
    reports::{ReportForm, ReportKind, REPORTS},
};

use super::attachment;
use crate::{
    auth::require_role::{RequireRole, Viewer},
    state::AppState,
};

/// One route per report (`/reports/inactive-users.csv`, …), next to the pages' own routes.
pub fn routes() -> Router<AppState> {
    REPORTS.iter().fold(Router::new(), |router, kind| {
        let kind = *kind;
        router.route(
            &format!("/reports/{}.csv", kind.slug()),
            get(
                move |state: State<AppState>, who: RequireRole<Viewer>, form: Query<ReportForm>| {
                    csv(kind, state, who, form)
                },
            ),
        )
    })
}

async fn csv(
    kind: ReportKind,
    State(state): State<AppState>,
    who: RequireRole<Viewer>,
    Query(form): Query<ReportForm>,
) -> Response {
    attachment(&state, &who, async {
        let query = form.to_query().map_err(ConsoleError::Invalid)?;
        tracing::info!(user = %who.airtable_user_id, report = kind.slug(), "report export");
        console_core::reports::export::csv(&state.console, kind, query).await
    })
    .await
}
