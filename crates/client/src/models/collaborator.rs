//! Collaborators and invite links of workspaces, bases and interfaces, and the calls that
//! change them.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::{Extra, PermissionLevel};
use crate::ids::{BaseId, CollaboratorId, GroupId, InviteId, UserId};
use crate::serde_util::open_enum;
use crate::time::Timestamp;

/// A user with access to a workspace, base or interface.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndividualCollaborator {
    /// The user.
    pub user_id: UserId,
    /// Their email.
    pub email: String,
    /// Their level.
    pub permission_level: PermissionLevel,
    /// When access was granted.
    pub created_time: Timestamp,
    /// Who granted it.
    pub granted_by_user_id: UserId,
    /// The base, for base collaborators listed on a workspace.
    pub base_id: Option<BaseId>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A user group with access to a workspace, base or interface.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupCollaborator {
    /// The group.
    pub group_id: GroupId,
    /// The group's name.
    pub name: String,
    /// Its level.
    pub permission_level: PermissionLevel,
    /// When access was granted.
    pub created_time: Timestamp,
    /// Who granted it.
    pub granted_by_user_id: UserId,
    /// The base, for base collaborators listed on a workspace.
    pub base_id: Option<BaseId>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Collaborators split by where access comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[serde(bound(
    serialize = "T: Serialize",
    deserialize = "T: serde::de::DeserializeOwned"
))]
pub struct CollaboratorSet<T> {
    /// Access granted on a base (for a workspace: on one of its bases).
    #[serde(default = "Vec::new")]
    pub base_collaborators: Vec<T>,
    /// Access granted on the workspace.
    #[serde(default = "Vec::new")]
    pub workspace_collaborators: Vec<T>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

impl<T> Default for CollaboratorSet<T> {
    fn default() -> Self {
        CollaboratorSet {
            base_collaborators: Vec::new(),
            workspace_collaborators: Vec::new(),
            extra: Extra::new(),
        }
    }
}

open_enum!(
    /// Kind of invite link.
    InviteType {
        /// For one invited email.
        SingleUse = "singleUse",
        /// Shareable link.
        MultiUse = "multiUse",
    }
);

/// An outstanding invite link.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InviteLink {
    /// The invite.
    pub id: InviteId,
    /// `singleUse` or `multiUse`.
    #[serde(rename = "type")]
    pub kind: InviteType,
    /// When it was created.
    pub created_time: Timestamp,
    /// The invited email (single-use invites); `null` otherwise.
    #[serialize_always]
    pub invited_email: Option<String>,
    /// The level the invite grants.
    pub permission_level: PermissionLevel,
    /// Who created it.
    pub referred_by_user_id: UserId,
    /// Email domains allowed to use it (empty: any).
    #[serde(default)]
    pub restricted_to_email_domains: Vec<String>,
    /// The base, for base invites listed on a workspace.
    pub base_id: Option<BaseId>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Invite links split by where they grant access.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct InviteLinks {
    /// Invites to a base.
    pub base_invite_links: Vec<InviteLink>,
    /// Invites to the workspace.
    pub workspace_invite_links: Vec<InviteLink>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A collaborator to add: a user or a group, with a permission level.
///
/// Serialized as `{"user": {"id": …}, "permissionLevel": …}` or
/// `{"group": {"id": …}, "permissionLevel": …}`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewCollaborator {
    /// The user, when adding a user.
    pub user: Option<super::IdRef<UserId>>,
    /// The group, when adding a group.
    pub group: Option<super::IdRef<GroupId>>,
    /// The level to grant.
    pub permission_level: PermissionLevel,
}

impl NewCollaborator {
    /// A user or group, by ID.
    pub fn new(id: impl Into<CollaboratorId>, permission_level: PermissionLevel) -> Self {
        match id.into() {
            CollaboratorId::User(id) => NewCollaborator {
                user: Some(super::IdRef::new(id)),
                group: None,
                permission_level,
            },
            CollaboratorId::Group(id) => NewCollaborator {
                user: None,
                group: Some(super::IdRef::new(id)),
                permission_level,
            },
        }
    }
}

/// Body of the "add collaborator" calls (workspace, base, interface). Base and interface
/// calls accept one collaborator per request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AddCollaboratorsRequest {
    /// The collaborators.
    pub collaborators: Vec<NewCollaborator>,
}

/// Body of the "update collaborator" calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateCollaboratorRequest {
    /// The new level.
    pub permission_level: PermissionLevel,
}
