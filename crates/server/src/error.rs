//! Errors of the HTTP layer. Responses say what happened in plain words and never carry
//! internals; the details go to the log inside the request's span.

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
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, text) = match &self {
            AppError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "The console cannot reach its database right now. Try again in a moment.",
            ),
            AppError::Forbidden(why) => (StatusCode::FORBIDDEN, *why),
        };
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        (status, text).into_response()
    }
}
