//! Personal access tokens of the enterprise's users (metadata only, never the secret).

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::{BatchError, Extra};
use crate::ids::{EnterpriseId, PersonalAccessTokenId, UserId};
use crate::time::Timestamp;

/// A personal access token as listed by `GET …/enterpriseAccounts/{id}/personalAccessTokens`.
#[skip_serializing_none]
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
    pub resource_access: Option<ResourceAccess>,
    /// When it was created.
    pub created_time: Timestamp,
    /// Its owner.
    pub user_id: UserId,
    /// Who created it.
    pub created_by_user_id: Option<UserId>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// What a token may reach.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceAccess {
    /// `enterprise`, `allResources`, `specificResources`, ...
    pub mode: String,
    /// For `enterprise` mode.
    pub enterprise_account_id: Option<EnterpriseId>,
    /// For specific resources (with `includeResources=true`).
    pub resource_model_ids: Option<Vec<String>>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Reply of "list personal access tokens".
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PersonalAccessTokensResponse {
    /// The tokens.
    pub personal_access_tokens: Vec<PersonalAccessToken>,
    /// Cursor of the next page, if any.
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
#[serde(default, rename_all = "camelCase")]
pub struct RevokeTokensResponse {
    /// Tokens revoked.
    pub revoked_tokens: Vec<RevokedToken>,
    /// Tokens not revoked, and why (`tokenId` is in each error's `extra`).
    pub errors: Vec<BatchError>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A revoked token.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevokedToken {
    /// The token.
    pub id: PersonalAccessTokenId,
    /// Its owner.
    pub user_id: Option<UserId>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}
