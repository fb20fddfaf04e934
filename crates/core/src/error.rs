//! How the domain's failures become the [`ConsoleError`] people see: [`internal`] for what
//! is not theirs to fix (logged under a reference), [`airtable_error`] for Airtable's
//! refusals in words with the status that fits. (The HTTP layer's own errors are the
//! server's `AppError`.)

use console_types::api::ConsoleError;

use crate::tokens::logins;

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
