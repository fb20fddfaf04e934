//! Errors exactly as Airtable sends them: `{"error": {"type": …, "message": …}}`.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            kind,
            message: message.into(),
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "AUTHENTICATION_REQUIRED",
            "Authentication required",
        )
    }

    pub fn missing_scope(scope: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND",
            format!("Invalid permissions, or the requested model was not found. The token lacks the {scope} scope."),
        )
    }

    pub fn not_admin() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND",
            "Invalid permissions, or the requested model was not found. Check that both your user and your token have the required permissions, and that the model names and/or ids are correct.",
        )
    }

    /// 403 `INVALID_PERMISSIONS` with Airtable's message for the case.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "INVALID_PERMISSIONS", message)
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "Could not find what you are looking for",
        )
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "INVALID_REQUEST_UNKNOWN",
            message,
        )
    }

    pub fn invalid_body(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "INVALID_REQUEST_BODY",
            message,
        )
    }

    pub fn unprocessable(kind: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, kind, message)
    }

    pub fn rate_limited() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMIT_REACHED",
            "Rate limit exceeded. Please try again later",
        )
    }

    /// The 429 response in the body shape the simulator was set to send.
    pub fn rate_limited_as(body: crate::RateLimitBody) -> Response {
        let error = Self::rate_limited();
        match body {
            crate::RateLimitBody::ErrorObject => error.into_response(),
            crate::RateLimitBody::ErrorsArray => (
                error.status,
                Json(json!({ "errors": [{ "error": error.kind, "message": error.message }] })),
            )
                .into_response(),
        }
    }

    pub fn server_error() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "SERVER_ERROR",
            "Try again. If the problem persists, contact support.",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({ "error": { "type": self.kind, "message": self.message } })),
        )
            .into_response()
    }
}
