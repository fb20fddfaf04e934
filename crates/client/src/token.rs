//! The secret access token.

use std::fmt;

/// An Airtable access token (personal access token, service account token or OAuth access
/// token).
///
/// `Debug` and `Display` never show the secret, so a token can sit in structs that are logged.
/// Read it only with [`AccessToken::expose_secret`], at the place where it is sent.
///
/// ```
/// use airtable_client::AccessToken;
/// let token = AccessToken::new("patXXXXXXXXXXXXXX.0123456789abcdef");
/// assert_eq!(format!("{token}"), "AccessToken(redacted)");
/// assert_eq!(format!("{token:?}"), "AccessToken(redacted)");
/// assert!(token.expose_secret().starts_with("pat"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    /// Wraps a token. Leading and trailing whitespace is removed.
    pub fn new(token: impl Into<String>) -> Self {
        let token = token.into();
        let trimmed = token.trim();
        if trimmed.len() == token.len() {
            AccessToken(token)
        } else {
            AccessToken(trimmed.to_owned())
        }
    }

    /// The secret itself. Do not log it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Whether the token is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(redacted)")
    }
}

impl fmt::Display for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(redacted)")
    }
}

impl From<String> for AccessToken {
    fn from(s: String) -> Self {
        AccessToken::new(s)
    }
}

impl From<&str> for AccessToken {
    fn from(s: &str) -> Self {
        AccessToken::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shows_secret() {
        let t = AccessToken::new("  supersecret-value\n");
        assert_eq!(t.expose_secret(), "supersecret-value");
        for shown in [format!("{t}"), format!("{t:?}"), format!("{t:#?}")] {
            assert!(!shown.contains("supersecret"), "{shown}");
        }
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            token: AccessToken,
        }
        let h = Holder { token: t };
        assert!(!format!("{h:?}").contains("supersecret"));
    }
}
