//! `GET /audit/chart.svg`: the chart of a search's events over time, as an image. An image
//! loads beside the page rather than holding its first paint back (counting a large result
//! set takes longer than finding its first page), and it needs no script.

use axum::{
    extract::{Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use console_core::audit::{
    chart::render,
    search::{histogram, AuditHistogram},
};
use console_types::audit::query::SearchForm;

use crate::{
    auth::require_role::{RequireRole, Viewer},
    state::AppState,
};

/// How the chart is drawn: `theme=dark` or `theme=light` when someone chose a theme (the
/// page asks for it; an image does not see the page's stylesheet); otherwise it follows
/// the operating system's preference.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ChartLook {
    pub theme: Option<String>,
}

pub async fn svg(
    State(state): State<AppState>,
    _who: RequireRole<Viewer>,
    Query(form): Query<SearchForm>,
    Query(look): Query<ChartLook>,
) -> Response {
    let Ok(query) = form.to_query() else {
        // The page shows the parse error in words; the image just stays empty.
        return image(render(
            &AuditHistogram {
                unit: "day",
                buckets: Vec::new(),
            },
            look.theme.as_deref(),
        ));
    };
    match histogram(&state.console.searches, &query).await {
        Ok(histogram) => image(render(&histogram, look.theme.as_deref())),
        Err(error) => {
            tracing::error!(%error, "audit chart failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn image(svg: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "private, max-age=30"),
        ],
        svg,
    )
        .into_response()
}
