//! Errors exactly as Airtable sends them: `{"error": {"type": …, "message": …}}`.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn unauthorized() -> Self {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            kind: "AUTHENTICATION_REQUIRED",
            message: "Authentication required".into(),
        }
    }

    pub fn missing_scope(scope: &str) -> Self {
        ApiError {
            status: StatusCode::FORBIDDEN,
            kind: "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND",
            message: format!("Invalid permissions, or the requested model was not found. The token lacks the {scope} scope."),
        }
    }

    pub fn not_admin() -> Self {
        ApiError {
            status: StatusCode::FORBIDDEN,
            kind: "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND",
            message: "Invalid permissions, or the requested model was not found. Check that both your user and your token have the required permissions, and that the model names and/or ids are correct.".into(),
        }
    }

    pub fn not_found() -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            kind: "NOT_FOUND",
            message: "Could not find what you are looking for".into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            kind: "INVALID_REQUEST_UNKNOWN",
            message: message.into(),
        }
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
