//! Values shared by several areas: permission levels, collaborations, batch errors.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::Extra;
use crate::ids::{BaseId, GroupId, InterfaceId, UserId, WorkspaceId};
use crate::serde_util::open_enum;
use crate::time::Timestamp;

open_enum!(
    /// A permission level on a workspace, base or interface (`owner` and `create` exist only
    /// on workspaces and bases; `none` is what an enterprise admin who is not a collaborator
    /// sees).
    PermissionLevel {
        /// No access.
        None = "none",
        /// Read only.
        Read = "read",
        /// Can comment.
        Comment = "comment",
        /// Editor.
        Edit = "edit",
        /// Creator.
        Create = "create",
        /// Owner.
        Owner = "owner",
    }
);

/// An object that is only an ID, as in a user's `groups: [{"id": "ugp…"}]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdRef<T> {
    /// The ID.
    pub id: T,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

impl<T> IdRef<T> {
    /// Wraps an ID.
    pub fn new(id: T) -> Self {
        IdRef {
            id,
            extra: Extra::new(),
        }
    }
}

/// A user's or group's direct collaborations on the enterprise's workspaces, bases and
/// interfaces (collaborations through groups are not included).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Collaborations {
    /// Bases shared directly.
    pub base_collaborations: Vec<BaseCollaboration>,
    /// Interfaces shared directly.
    pub interface_collaborations: Vec<InterfaceCollaboration>,
    /// Workspaces shared directly.
    pub workspace_collaborations: Vec<WorkspaceCollaboration>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Collaborations {
    /// Whether there is no collaboration at all.
    pub fn is_empty(&self) -> bool {
        self.base_collaborations.is_empty()
            && self.interface_collaborations.is_empty()
            && self.workspace_collaborations.is_empty()
    }
}

/// A direct collaboration on a base.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BaseCollaboration {
    /// The base.
    pub base_id: BaseId,
    /// When access was granted.
    pub created_time: Timestamp,
    /// Who granted it.
    pub granted_by_user_id: UserId,
    /// The level granted.
    pub permission_level: PermissionLevel,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A direct collaboration on an interface.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InterfaceCollaboration {
    /// The base holding the interface.
    pub base_id: BaseId,
    /// The interface.
    pub interface_id: InterfaceId,
    /// When access was granted.
    pub created_time: Timestamp,
    /// Who granted it.
    pub granted_by_user_id: UserId,
    /// The level granted (`read`, `comment` or `edit`).
    pub permission_level: PermissionLevel,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A direct collaboration on a workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceCollaboration {
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// When access was granted.
    pub created_time: Timestamp,
    /// Who granted it.
    pub granted_by_user_id: UserId,
    /// The level granted.
    pub permission_level: PermissionLevel,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One failed item of a batch call. Batch calls answer 200 and list the items that failed;
/// which of the optional keys is present depends on the call (`id`/`email` for users,
/// `tokenId`, `workspaceId`, `groupId`...).
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchError {
    /// Airtable's error type, e.g. `INVALID_PERMISSIONS`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Human-readable explanation.
    pub message: Option<String>,
    /// The item's ID, when the item was given by ID.
    pub id: Option<String>,
    /// The item's email, when the item was given by email.
    pub email: Option<String>,
    /// Fields this client does not model (`tokenId`, `workspaceId`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

impl BatchError {
    /// The item the error is about: `id`, `email`, or the first other string field whose name
    /// ends in `Id`.
    pub fn subject(&self) -> Option<&str> {
        self.id.as_deref().or(self.email.as_deref()).or_else(|| {
            self.extra
                .iter()
                .find(|(k, v)| k.ends_with("Id") && v.is_string())
                .and_then(|(_, v)| v.as_str())
        })
    }
}

/// Reply of a batch call that lists only the items that failed (manage users, the AI
/// allowlist).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FailedItems {
    /// Items that failed, and why. Empty when everything succeeded.
    pub errors: Vec<BatchError>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A reference to a user group as it appears inside a user (`{"id": "ugp…"}`).
pub type GroupRef = IdRef<GroupId>;
