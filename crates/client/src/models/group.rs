//! User groups (`GET /v0/meta/groups/{groupId}`).

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::{Collaborations, Extra};
use crate::ids::{EnterpriseId, GroupId, UserId};
use crate::serde_util::open_enum;
use crate::time::Timestamp;

open_enum!(
    /// A member's role in a group.
    GroupRole {
        /// Can manage the group.
        Manager = "manager",
        /// Plain member.
        Member = "member",
    }
);

/// A user group.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// The group.
    pub id: GroupId,
    /// Its name.
    pub name: String,
    /// The account that owns it.
    pub enterprise_account_id: EnterpriseId,
    /// When it was created.
    pub created_time: Timestamp,
    /// When it was last changed.
    pub updated_time: Option<Timestamp>,
    /// Members.
    #[serde(default)]
    pub members: Vec<GroupMember>,
    /// License type mapped to members of the group, if any.
    pub mapped_user_license_type: Option<String>,
    /// With `include=collaborations`: the group's direct collaborations.
    pub collaborations: Option<Collaborations>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A member of a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupMember {
    /// The user.
    pub user_id: UserId,
    /// Their email.
    pub email: String,
    /// First name (may be `null`).
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name (may be `null`).
    #[serde(default)]
    pub last_name: Option<String>,
    /// `manager` or `member`.
    pub role: GroupRole,
    /// When the user joined the group.
    pub created_time: Timestamp,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}
