//! Browser-facing defences: security headers on every response, and a same-origin check on
//! every state-changing request (cross-site request forgery).

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, Method},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{error::AppError, state::AppState};

/// Refuses POST/PUT/PATCH/DELETE unless the browser says the request comes from the
/// console's own origin (`Origin`, or failing that `Referer`). Browsers always send one of
/// them on cross-site posts, and pages cannot forge either.
pub async fn same_origin_for_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && !comes_from(&request, &state.settings.public_origin()) {
        tracing::warn!(path = %request.uri().path(), "refused a cross-site write");
        return AppError::Forbidden("This request did not come from the console's own pages.")
            .into_response();
    }
    next.run(request).await
}

fn comes_from(request: &Request, origin: &str) -> bool {
    let headers = request.headers();
    if let Some(sent) = headers.get(header::ORIGIN) {
        return sent.as_bytes() == origin.as_bytes();
    }
    headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .is_some_and(|r| r.origin().ascii_serialization() == origin)
}

/// Headers every response carries. The page's CSP (with the per-render script nonce) is
/// set by the app shell; responses without one get a strict default here.
pub async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
        );
    }
    response
}
