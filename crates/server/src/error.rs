//! Errors of the HTTP layer. Responses say what happened in plain words and never carry
//! internals; the details go to the log inside the request's span.
//!
//! Also how the domain's failures become the [`ConsoleError`] people see: [`internal`] for
//! what is not theirs to fix (logged under a reference), [`airtable_error`] for Airtable's
//! refusals in words with the status that fits.

use console_app::api::ConsoleError;

use crate::auth::logins;
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

/// A failure that is not the person's to fix, by where it came from. The database is told
/// apart by type (a database that is not answering is a wait, not a bug), so an error type
/// that carries a database failure says so in its `From` here — no downcasting, and a new
/// error type that reaches [`internal`] must be listed.
#[derive(Debug)]
pub enum Unexpected {
    /// The console's database failed: a query went wrong, or it is not answering.
    Database(sqlx::Error),
    /// Anything else, in words for the log.
    Other(String),
}

impl Unexpected {
    /// Whether the database could not be reached (down, restarting, the pool exhausted), as
    /// opposed to a query that went wrong.
    fn database_unreachable(&self) -> bool {
        match self {
            Unexpected::Database(
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_),
            ) => true,
            // Class 08 (connection exception) and 57P (the server shutting down or starting).
            Unexpected::Database(sqlx::Error::Database(e)) => e
                .code()
                .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
            _ => false,
        }
    }
}

impl std::fmt::Display for Unexpected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unexpected::Database(e) => write!(f, "database: {e}"),
            Unexpected::Other(text) => f.write_str(text),
        }
    }
}

impl From<sqlx::Error> for Unexpected {
    fn from(error: sqlx::Error) -> Self {
        Unexpected::Database(error)
    }
}

impl From<logins::TokenError> for Unexpected {
    fn from(error: logins::TokenError) -> Self {
        match error {
            logins::TokenError::Db(e) => Unexpected::Database(e),
            other => Unexpected::Other(other.to_string()),
        }
    }
}

impl From<crate::approvals::store::StoreError> for Unexpected {
    fn from(error: crate::approvals::store::StoreError) -> Self {
        match error {
            crate::approvals::store::StoreError::Database(e) => Unexpected::Database(e),
            other => Unexpected::Other(other.to_string()),
        }
    }
}

/// Error types that never carry a database failure: their words go to the log.
macro_rules! unexpected_in_words {
    ($($error:ty),* $(,)?) => {
        $(impl From<$error> for Unexpected {
            fn from(error: $error) -> Self {
                Unexpected::Other(error.to_string())
            }
        })*
    };
}
unexpected_in_words!(
    &str,
    String,
    serde_json::Error,
    askama::Error,
    std::io::Error
);

/// Logs an unexpected failure under a short reference and returns only the reference.
/// A database that cannot be reached is not a bug to report but a wait: that becomes
/// [`ConsoleError::Unavailable`] (503) instead.
pub fn internal(error: impl Into<Unexpected>) -> ConsoleError {
    let error = error.into();
    if error.database_unreachable() {
        tracing::warn!(%error, "the database is not answering");
        return ConsoleError::Unavailable;
    }
    let reference = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    tracing::error!(%reference, %error, "internal error");
    ConsoleError::Internal(reference)
}

/// Airtable's refusal in words, with the status that fits whose fault it is: the person's
/// input (400/422) or a conflict is theirs to fix, a 403 is a permission they lack; only
/// Airtable's own failures (5xx, no answer, a reply we cannot read) are a 502.
pub fn airtable_error(error: airtable_client::Error) -> ConsoleError {
    tracing::warn!(%error, "Airtable call failed");
    let message = error.user_message();
    match error.status() {
        Some(400 | 422) => ConsoleError::Invalid(message),
        Some(409) => ConsoleError::Conflict(message),
        Some(403) => ConsoleError::NotAllowed(message),
        _ => match error {
            airtable_client::Error::InvalidId(_) | airtable_client::Error::InvalidRequest(_) => {
                ConsoleError::Invalid(message)
            }
            _ => ConsoleError::Airtable(message),
        },
    }
}
