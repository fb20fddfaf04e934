//! Extensions (block installations) of a base.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::{EnabledState, Extra};
use crate::ids::{BlockId, BlockInstallationId, UserId};
use crate::time::Timestamp;

/// An installed extension (`GET /v0/meta/bases/{baseId}/blockInstallations` returns an array).
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockInstallation {
    /// The installation.
    pub id: BlockInstallationId,
    /// The extension.
    pub block_id: BlockId,
    /// Readable name of Airtable-made extensions (`chart`, ...).
    pub block_slug: Option<String>,
    /// `enabled` or `disabled`.
    pub state: EnabledState,
    /// Who installed it.
    pub created_by_user_id: UserId,
    /// When.
    pub created_time: Timestamp,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}
