//! Extensions (block installations) of a base.

use serde::{Deserialize, Serialize};

use super::EnabledState;
use crate::ids::{BlockId, BlockInstallationId, UserId};
use crate::serde_util::model;
use crate::time::Timestamp;

model! {
    /// An installed extension (`GET /v0/meta/bases/{baseId}/blockInstallations` returns an array).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct BlockInstallation {
        /// The installation.
        pub id: BlockInstallationId,
        /// The extension.
        pub block_id: BlockId,
        /// Readable name of Airtable-made extensions (`chart`, ...).
        optional pub block_slug: Option<String>,
        /// `enabled` or `disabled`.
        pub state: EnabledState,
        /// Who installed it.
        pub created_by_user_id: UserId,
        /// When.
        pub created_time: Timestamp,
        ..
    }
}
