//! Errors of the HTTP layer. Responses say what happened in plain words and never carry
//! internals; the details go to the log inside the request's span. (The domain's errors
//! are `console_core::error`.)
use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("the console cannot reach its database")]
    Unavailable,
    #[error("request refused: {0}")]
    Forbidden(&'static str),
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("request too large: {0}")]
    TooLarge(&'static str),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, text) = match &self {
            AppError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "The console cannot reach its database right now. Try again in a moment.",
            ),
            AppError::Forbidden(why) => (StatusCode::FORBIDDEN, *why),
            AppError::BadRequest(why) => (StatusCode::BAD_REQUEST, *why),
            AppError::TooLarge(why) => (StatusCode::PAYLOAD_TOO_LARGE, *why),
        };
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        (status, text).into_response()
    }
}

/// Leptos answers a server function whose arguments cannot be decoded with a 500 before
/// our code runs. Such a request is the caller's mistake: answer 422 instead, so monitors
/// count only real server failures as 500s. (Errors from our own code already carry the
/// right status, set by `with_status`.)
pub async fn server_fn_argument_errors(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let is_server_fn = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if !is_server_fn || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    if bytes.starts_with(br#"{"Invalid""#) {
        parts.status = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// The session layer answers a bare, empty 500 when it cannot save a session (the store is
/// Postgres, so: the database is down). Say that in words, with a 503, like every other
/// page does during an outage. Our own 500s always carry a body, so they pass unchanged.
pub async fn session_store_failures(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::body::HttpBody;
    let response = next.run(request).await;
    let bare_500 = response.status() == StatusCode::INTERNAL_SERVER_ERROR
        && !response
            .headers()
            .contains_key(axum::http::header::CONTENT_TYPE)
        && response.body().size_hint().exact() == Some(0);
    if bare_500 {
        return AppError::Unavailable.into_response();
    }
    response
}
