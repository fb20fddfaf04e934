//! Calls to parts of Airtable's API that no published document or sample backs.
//!
//! The console uses a few endpoints whose existence or shape is an assumption (the
//! simulator's README lists them under "Assumptions"): listing and revoking personal access
//! tokens, and the workspace AI allowlist. A real Airtable may answer them with a 404, or
//! with a shape the client cannot read. Either way the person gets a clear sentence that
//! says what the console tried, that Airtable does not seem to offer it, and where to do it
//! instead, rather than a bare "Not found." that reads like a missing user or token.

use console_types::api::ConsoleError;

use crate::error::airtable_error;

/// An endpoint the console relies on that Airtable has not published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unpublished {
    /// `GET …/enterpriseAccounts/{id}/personalAccessTokens`.
    TokenList,
    /// `POST …/enterpriseAccounts/{id}/personalAccessTokens/revoke`.
    TokenRevoke,
    /// `POST …/enterpriseAccounts/{id}/workspaceAiAllowlist`.
    AiAllowlist,
}

impl Unpublished {
    /// What the console asked Airtable for, in words.
    fn what(self) -> &'static str {
        match self {
            Unpublished::TokenList => "the list of your users' personal access tokens",
            Unpublished::TokenRevoke => "to revoke personal access tokens",
            Unpublished::AiAllowlist => "to change which workspaces may use AI features",
        }
    }

    /// Where an admin can do the same without the console.
    fn instead(self) -> &'static str {
        match self {
            Unpublished::TokenList | Unpublished::TokenRevoke => {
                "Manage tokens in Airtable's admin panel (Admin → Personal access tokens) instead."
            }
            Unpublished::AiAllowlist => {
                "Change the AI settings in Airtable's admin panel (Admin → Settings → AI) instead."
            }
        }
    }

    /// The error for a failed call to this endpoint: a clear sentence when the answer says
    /// the endpoint is not there (404, 405, 501) or is not in the expected shape; otherwise
    /// the usual translation (a 429 or a 403 means what it always means).
    pub fn error(self, error: airtable_client::Error) -> ConsoleError {
        let unavailable = matches!(error.status(), Some(404 | 405 | 501))
            || matches!(error, airtable_client::Error::Decode { .. });
        if !unavailable {
            return airtable_error(error);
        }
        tracing::warn!(%error, endpoint = ?self, "an unpublished Airtable endpoint is not there");
        let answered = match error.status() {
            Some(status) => format!("it answered with status {status}"),
            None => "its answer was not in the shape the console expects".to_string(),
        };
        ConsoleError::Airtable(format!(
            "the console asked Airtable {what}, and {answered}. This part of Airtable's API is \
             not published, and your Airtable does not seem to offer it. {instead}",
            what = self.what(),
            instead = self.instead(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_error(status: u16) -> airtable_client::Error {
        airtable_client::Error::Api(Box::new(airtable_client::ApiError::from_body(
            status,
            "GET",
            "/v0/meta/enterpriseAccounts/{id}/personalAccessTokens",
            br#"{"error":"NOT_FOUND"}"#,
        )))
    }

    #[test]
    fn a_missing_endpoint_is_said_as_such() {
        for status in [404, 405, 501] {
            let message = Unpublished::TokenList.error(api_error(status)).to_string();
            assert!(message.contains("not published"), "{message}");
            assert!(message.contains("admin panel"), "{message}");
            assert!(message.contains(&status.to_string()), "{message}");
        }
    }

    #[test]
    fn other_failures_keep_their_usual_words() {
        let limited = Unpublished::AiAllowlist.error(api_error(429)).to_string();
        assert!(!limited.contains("not published"), "{limited}");
        assert!(limited.contains("30 seconds"), "{limited}");
    }
}
