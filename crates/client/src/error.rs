//! The one error type of the client.

use std::time::Duration;

use crate::ids::IdError;

/// Anything that can go wrong talking to Airtable.
///
/// The token is never part of an error: neither `Debug` nor `Display` can show it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Airtable answered with an error status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The request could not be sent or the reply could not be read.
    #[cfg(feature = "http")]
    #[error("could not reach Airtable ({method} {path}): {source}")]
    Transport {
        /// HTTP method.
        method: &'static str,
        /// Path template, e.g. `/v0/meta/enterpriseAccounts/{id}`.
        path: &'static str,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// No complete reply within the per-request timeout.
    #[error("Airtable did not answer {method} {path} within {timeout:?}")]
    Timeout {
        /// HTTP method.
        method: &'static str,
        /// Path template.
        path: &'static str,
        /// The timeout that expired.
        timeout: Duration,
    },
    /// The reply was not the JSON this client expects.
    #[error("unexpected reply from Airtable to {method} {path}: {source}")]
    Decode {
        /// HTTP method.
        method: &'static str,
        /// Path template.
        path: &'static str,
        /// What did not fit.
        #[source]
        source: serde_json::Error,
    },
    /// An ID was not valid.
    #[error(transparent)]
    InvalidId(#[from] IdError),
    /// The request was refused before it was sent (for example too many items).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The client was built with a bad setting.
    #[error("client configuration: {0}")]
    Config(String),
}

/// An error status from Airtable with what it said.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Airtable answered {status} to {method} {path}{}{}",
    kind.as_deref().map(|k| format!(": {k}")).unwrap_or_default(),
    message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default())]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Airtable's error `type` (`NOT_FOUND`, `INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND`, ...),
    /// or the bare string of the old `{"error": "NOT_FOUND"}` form.
    pub kind: Option<String>,
    /// Airtable's error `message`.
    pub message: Option<String>,
    /// HTTP method.
    pub method: &'static str,
    /// Path template, e.g. `/v0/meta/enterpriseAccounts/{id}/users`.
    pub path: &'static str,
    /// The `Retry-After` delay Airtable asked for, if any.
    pub retry_after: Option<Duration>,
}

impl ApiError {
    /// Builds an error from a status and a reply body, reading Airtable's error forms:
    /// `{"error": {"type", "message"}}`, `{"error": "NOT_FOUND"}`,
    /// `{"errors": [{"error" or "type", "message"}]}`, OAuth's
    /// `{"error", "error_description"}` and SCIM's `{"detail", "scimType"}`.
    pub fn from_body(status: u16, method: &'static str, path: &'static str, body: &[u8]) -> Self {
        let (kind, message) = parse_error_body(body);
        ApiError {
            status,
            kind,
            message,
            method,
            path,
            retry_after: None,
        }
    }
}

/// Reads Airtable's error `type` and `message` from a reply body.
pub fn parse_error_body(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        let text = String::from_utf8_lossy(body).trim().to_owned();
        if text.is_empty() {
            return (None, None);
        }
        return (None, Some(text.chars().take(300).collect()));
    };
    let str_of = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_owned);
    match v.get("error") {
        Some(serde_json::Value::Object(e)) => (str_of(e.get("type")), str_of(e.get("message"))),
        Some(serde_json::Value::String(s)) => (
            Some(s.clone()),
            str_of(v.get("error_description")).or_else(|| str_of(v.get("message"))),
        ),
        _ => {
            // SCIM errors, or an errors array.
            let kind = str_of(v.get("scimType")).or_else(|| str_of(v.get("type")));
            let message = str_of(v.get("detail")).or_else(|| str_of(v.get("message")));
            if kind.is_none() && message.is_none() {
                // `{"errors": [{"error": "RATE_LIMIT_REACHED", "message": …}]}` has been seen
                // on 429s, as well as a `type` in the same place.
                if let Some(first) = v.get("errors").and_then(|e| e.get(0)) {
                    let kind = str_of(first.get("type")).or_else(|| str_of(first.get("error")));
                    return (kind, str_of(first.get("message")));
                }
            }
            (kind, message)
        }
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}

impl Error {
    /// The Airtable error, if Airtable answered with an error status.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The HTTP status, if Airtable answered.
    pub fn status(&self) -> Option<u16> {
        self.api().map(|e| e.status)
    }

    /// Airtable's error `type`, if any.
    pub fn airtable_type(&self) -> Option<&str> {
        self.api().and_then(|e| e.kind.as_deref())
    }

    /// Airtable's error `message`, if any.
    pub fn airtable_message(&self) -> Option<&str> {
        self.api().and_then(|e| e.message.as_deref())
    }

    /// 404, or an error type saying something was not found.
    pub fn is_not_found(&self) -> bool {
        match self.api() {
            Some(e) => {
                e.status == 404
                    || (e.status != 403
                        && e.kind
                            .as_deref()
                            .is_some_and(|k| k == "NOT_FOUND" || k.ends_with("_NOT_FOUND")))
            }
            None => false,
        }
    }

    /// 429: Airtable is rate limiting this token (it then refuses requests for ~30 s).
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(429)
    }

    /// 401: the token is invalid, expired or revoked.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }

    /// A 5xx status, a timeout or a transport failure: worth trying again later.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Api(e) => e.status >= 500 || e.status == 429,
            Error::Timeout { .. } => true,
            #[cfg(feature = "http")]
            Error::Transport { .. } => true,
            _ => false,
        }
    }

    /// 403 (or an error type about scopes): most likely the token lacks a scope, or the user
    /// lacks the role (Airtable uses one answer for both).
    pub fn likely_missing_scope(&self) -> bool {
        match self.api() {
            Some(e) => {
                e.status == 403
                    || e.kind
                        .as_deref()
                        .is_some_and(|k| k.contains("SCOPE") || k == "INVALID_PERMISSIONS")
            }
            None => false,
        }
    }

    /// 404 on an enterprise-account route: Airtable answers that way both for an unknown
    /// account and for an account that is not on an Enterprise plan.
    pub fn likely_not_enterprise(&self) -> bool {
        match self.api() {
            Some(e) => {
                e.status == 404
                    && (e.path.starts_with("/v0/meta/enterpriseAccounts")
                        || e.path.starts_with("/scim/")
                        || e.kind.as_deref().is_some_and(|k| k.contains("ENTERPRISE")))
            }
            None => false,
        }
    }

    /// What went wrong in plain words, fit to show to a console user. Never contains the
    /// token.
    pub fn user_message(&self) -> String {
        let detail = |e: &ApiError| match e.message.as_deref().or(e.kind.as_deref()) {
            Some(m) => format!(" Airtable said: \"{m}\"."),
            None => String::new(),
        };
        match self {
            Error::Api(e) => match e.status {
                401 => format!(
                    "Airtable did not accept the sign-in token: it may have expired or been \
                     revoked. Sign in again.{}",
                    detail(e)
                ),
                403 if e
                    .message
                    .as_deref()
                    .is_some_and(|m| m.to_lowercase().contains("yourself")) =>
                {
                    "Airtable does not allow this action on your own account.".to_owned()
                }
                403 => format!(
                    "Airtable says this token lacks the scope, or your account lacks the \
                     permission, needed for this action.{}",
                    detail(e)
                ),
                404 if self.likely_not_enterprise() => format!(
                    "Not found, or the account is not on an Enterprise plan.{}",
                    detail(e)
                ),
                404 => format!("Not found.{}", detail(e)),
                409 => format!(
                    "Airtable reports a conflict with another change.{}",
                    detail(e)
                ),
                413 => "The request was too large for Airtable.".to_owned(),
                422 => format!("Airtable refused the request as invalid.{}", detail(e)),
                429 => "Airtable is limiting the rate of requests; try again in about 30 \
                        seconds."
                    .to_owned(),
                s if s >= 500 => {
                    format!("Airtable had a problem on its side (status {s}); try again later.")
                }
                s => format!("Airtable refused the request (status {s}).{}", detail(e)),
            },
            #[cfg(feature = "http")]
            Error::Transport { .. } => {
                "Could not reach Airtable; check the network and try again.".to_owned()
            }
            Error::Timeout { .. } => "Airtable did not answer in time; try again.".to_owned(),
            Error::Decode { .. } => {
                "Airtable sent a reply this console does not understand.".to_owned()
            }
            Error::InvalidId(e) => format!("{e}."),
            Error::InvalidRequest(m) => format!("The request is not valid: {m}."),
            Error::Config(m) => format!("The Airtable client is misconfigured: {m}."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, path: &'static str, body: &str) -> Error {
        ApiError::from_body(status, "GET", path, body.as_bytes()).into()
    }

    #[test]
    fn parses_object_form() {
        let e = api(
            403,
            "/v0/meta/enterpriseAccounts/{id}/users",
            r#"{"error":{"type":"INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND","message":"Invalid permissions, or the requested model was not found."}}"#,
        );
        assert_eq!(e.status(), Some(403));
        assert_eq!(
            e.airtable_type(),
            Some("INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND")
        );
        assert!(e
            .airtable_message()
            .unwrap()
            .starts_with("Invalid permissions"));
        assert!(e.likely_missing_scope());
        assert!(!e.is_not_found());
        assert!(e
            .user_message()
            .starts_with("Airtable says this token lacks the scope"));
    }

    #[test]
    fn parses_bare_string_form() {
        let e = api(
            404,
            "/v0/meta/enterpriseAccounts/{id}",
            r#"{"error":"NOT_FOUND"}"#,
        );
        assert_eq!(e.airtable_type(), Some("NOT_FOUND"));
        assert_eq!(e.airtable_message(), None);
        assert!(e.is_not_found());
        assert!(e.likely_not_enterprise());
        assert!(e
            .user_message()
            .starts_with("Not found, or the account is not on an Enterprise plan"));
        let e = api(404, "/v0/meta/groups/{id}", r#"{"error":"NOT_FOUND"}"#);
        assert!(e.is_not_found());
        assert!(!e.likely_not_enterprise());
        assert!(e.user_message().starts_with("Not found."));
    }

    #[test]
    fn parses_oauth_scim_and_garbage() {
        assert_eq!(
            parse_error_body(br#"{"error":"invalid_grant","error_description":"expired"}"#),
            (Some("invalid_grant".into()), Some("expired".into()))
        );
        assert_eq!(
            parse_error_body(
                br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"taken"}"#
            ),
            (Some("uniqueness".into()), Some("taken".into()))
        );
        assert_eq!(parse_error_body(b""), (None, None));
        assert_eq!(
            parse_error_body(b"<html>Bad gateway</html>"),
            (None, Some("<html>Bad gateway</html>".into()))
        );
    }

    #[test]
    fn acting_on_yourself() {
        let e = api(
            403,
            "/v0/meta/enterpriseAccounts/{id}/users/{userId}/remove",
            r#"{"error":{"type":"INVALID_PERMISSIONS","message":"You are not permitted to perform this operation on yourself"}}"#,
        );
        assert_eq!(
            e.user_message(),
            "Airtable does not allow this action on your own account."
        );
    }

    #[test]
    fn both_shapes_of_a_429_name_the_rate_limit() {
        for body in [
            r#"{"errors":[{"error":"RATE_LIMIT_REACHED","message":"Rate limit exceeded. Please try again later"}]}"#,
            r#"{"error":{"type":"RATE_LIMIT_REACHED","message":"Rate limit exceeded. Please try again later"}}"#,
        ] {
            let (kind, message) = parse_error_body(body.as_bytes());
            assert_eq!(kind.as_deref(), Some("RATE_LIMIT_REACHED"), "{body}");
            assert_eq!(
                message.as_deref(),
                Some("Rate limit exceeded. Please try again later"),
                "{body}"
            );
        }
    }

    #[test]
    fn flags() {
        let e = api(
            429,
            "/v0/meta/whoami",
            r#"{"errors":[{"error":"RATE_LIMIT_REACHED"}]}"#,
        );
        assert!(e.is_rate_limited());
        assert!(e.is_transient());
        assert!(e.user_message().contains("30 seconds"));
        let e = api(503, "/v0/meta/whoami", "");
        assert!(e.is_transient());
        assert!(!e.is_rate_limited());
        let e = api(
            401,
            "/v0/meta/whoami",
            r#"{"error":{"type":"AUTHENTICATION_REQUIRED","message":"Authentication required"}}"#,
        );
        assert!(e.is_unauthorized());
        assert!(!e.is_transient());
        let e = api(
            422,
            "/v0/meta/workspaces/{id}/collaborators",
            r#"{"error":{"type":"INVALID_REQUEST_UNKNOWN","message":"Invalid request"}}"#,
        );
        assert_eq!(
            e.user_message(),
            "Airtable refused the request as invalid. Airtable said: \"Invalid request\"."
        );
        assert_eq!(
            e.to_string(),
            "Airtable answered 422 to GET /v0/meta/workspaces/{id}/collaborators: INVALID_REQUEST_UNKNOWN (Invalid request)"
        );
    }
}
