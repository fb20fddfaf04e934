//! `GET /v0/meta/whoami`.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::Extra;
use crate::ids::UserId;

/// Who the token belongs to.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WhoAmI {
    /// The user (or service account) ID.
    pub id: UserId,
    /// The email; only present when the token has the `user.email:read` scope.
    pub email: Option<String>,
    /// The token's scopes; present for OAuth tokens.
    pub scopes: Option<Vec<String>>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

impl WhoAmI {
    /// Whether the reply lists `scope`. `None` when Airtable did not list scopes.
    pub fn has_scope(&self, scope: &str) -> Option<bool> {
        self.scopes
            .as_ref()
            .map(|s| s.iter().any(|have| have == scope))
    }
}
