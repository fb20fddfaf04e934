//! `GET /reviews/{id}/evidence.csv` and `…/evidence.html`: a closed campaign's evidence
//! pack, exactly as rendered at close (its SHA-256 is on the campaign's page). The HTML is
//! served inline, a standalone printable page with its own strict CSP (no scripts; its one
//! inline style only).

use axum::{
    extract::{Path, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};

use crate::{
    auth::require_role::{RequireRole, Viewer},
    state::AppState,
};

pub async fn csv(
    State(state): State<AppState>,
    who: RequireRole<Viewer>,
    Path(id): Path<i64>,
) -> Response {
    pack(&state, &who, id, "csv").await
}

pub async fn html(
    State(state): State<AppState>,
    who: RequireRole<Viewer>,
    Path(id): Path<i64>,
) -> Response {
    pack(&state, &who, id, "html").await
}

async fn pack(state: &AppState, who: &RequireRole<Viewer>, id: i64, format: &str) -> Response {
    match console_core::reviews::pack(&state.console, id, format).await {
        Ok(pack) => {
            tracing::info!(user = %who.airtable_user_id, campaign = id, format, "evidence download");
            let disposition = if format == "html" {
                format!("inline; filename=\"{}\"", pack.filename)
            } else {
                format!("attachment; filename=\"{}\"", pack.filename)
            };
            (
                [
                    (header::CONTENT_TYPE, pack.content_type.to_string()),
                    (header::CONTENT_DISPOSITION, disposition),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                    (
                        header::CONTENT_SECURITY_POLICY,
                        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'".to_string(),
                    ),
                ],
                pack.body,
            )
                .into_response()
        }
        Err(error) => {
            let status = StatusCode::from_u16(error.http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, error.to_string()).into_response()
        }
    }
}
