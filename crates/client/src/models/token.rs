//! Personal access tokens of the enterprise's users (metadata only, never the secret).

use serde::{Deserialize, Serialize};

use super::{BatchError, Extra};
use crate::ids::{EnterpriseId, PersonalAccessTokenId, UserId};
use crate::time::Timestamp;

/// A personal access token as listed by `GET …/enterpriseAccounts/{id}/personalAccessTokens`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonalAccessToken {
    /// The token's public ID.
    pub id: PersonalAccessTokenId,
    /// Its name.
    pub name: String,
    /// `active`, ...
    pub state: String,
    /// Its scopes.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// What it may reach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_access: Option<ResourceAccess>,
    /// When it was created.
    pub created_time: Timestamp,
    /// Its owner.
    pub user_id: UserId,
    /// Who created it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by_user_id: Option<UserId>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// What a token may reach.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceAccess {
    /// `enterprise`, `allResources`, `specificResources`, ...
    pub mode: String,
    /// For `enterprise` mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise_account_id: Option<EnterpriseId>,
    /// For specific resources (with `includeResources=true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_model_ids: Option<Vec<String>>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Reply of "list personal access tokens".
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonalAccessTokensResponse {
    /// The tokens.
    #[serde(default)]
    pub personal_access_tokens: Vec<PersonalAccessToken>,
    /// Cursor of the next page, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<String>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Body of `POST …/personalAccessTokens/revoke` (at most 100 IDs).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevokeTokensRequest {
    /// Tokens to revoke.
    pub token_ids: Vec<PersonalAccessTokenId>,
}

/// Reply of the token revocation: partial success is normal.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevokeTokensResponse {
    /// Tokens revoked.
    #[serde(default)]
    pub revoked_tokens: Vec<RevokedToken>,
    /// Tokens not revoked, and why (`tokenId` is in each error's `extra`).
    #[serde(default)]
    pub errors: Vec<BatchError>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A revoked token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevokedToken {
    /// The token.
    pub id: PersonalAccessTokenId,
    /// Its owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}
