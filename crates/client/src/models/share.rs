//! Share links of a base (`GET /v0/meta/bases/{baseId}/shares`).

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::Extra;
use crate::ids::{BlockInstallationId, ShareId, UserId, ViewId};
use crate::serde_util::open_enum;
use crate::time::Timestamp;

open_enum!(
    /// Whether a share link or an extension works.
    EnabledState {
        /// On.
        Enabled = "enabled",
        /// Off.
        Disabled = "disabled",
    }
);

open_enum!(
    /// What a share link shows.
    ShareType {
        /// The whole base.
        Base = "base",
        /// One view.
        View = "view",
        /// An extension.
        BlockInstallation = "blockInstallation",
    }
);

/// A share link.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Share {
    /// The share.
    pub share_id: ShareId,
    /// What it shows.
    #[serde(rename = "type")]
    pub kind: ShareType,
    /// `enabled` or `disabled`.
    pub state: EnabledState,
    /// Who created it.
    pub created_by_user_id: UserId,
    /// When.
    pub created_time: Timestamp,
    /// Whether a password is needed.
    #[serde(default)]
    pub is_password_protected: bool,
    /// Allowed email domains (empty: anyone).
    #[serde(default)]
    pub restricted_to_email_domains: Vec<String>,
    /// Whether only enterprise members may open it.
    #[serde(default)]
    pub restricted_to_enterprise_members: bool,
    /// Domains effectively allowed after enterprise policy.
    pub effective_email_domain_allow_list: Option<Vec<String>>,
    /// The first characters of the share token, to recognise a link.
    pub share_token_prefix: Option<String>,
    /// Whether the shared view can be synced.
    pub can_be_synced: Option<bool>,
    /// The view, for view shares.
    pub view_id: Option<ViewId>,
    /// The extension, for extension shares.
    pub block_installation_id: Option<BlockInstallationId>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Reply of "list shares".
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SharesResponse {
    /// The shares.
    pub shares: Vec<Share>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Body of `PATCH /v0/meta/bases/{baseId}/shares/{shareId}` ("manage share") and of
/// `PATCH …/blockInstallations/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetStateRequest {
    /// `enabled` or `disabled`.
    pub state: EnabledState,
}
