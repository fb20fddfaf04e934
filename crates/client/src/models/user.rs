//! Enterprise users and the user-management calls.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::{BatchError, Collaborations, Extra, FailedItems, GroupRef, Guessed, PermissionLevel};
use crate::ids::{BaseId, EnterpriseId, InterfaceId, UserId, WorkspaceId};
use crate::serde_util::{double_option, open_enum};
use crate::time::Timestamp;

open_enum!(
    /// A user's state in the enterprise.
    UserState {
        /// Active.
        Provisioned = "provisioned",
        /// Deactivated: cannot sign in.
        Deactivated = "deactivated",
    }
);

open_enum!(
    /// Membership state set through "manage user membership" (`users/claim`).
    MembershipState {
        /// Managed by the organization.
        Managed = "managed",
        /// Not managed.
        Unmanaged = "unmanaged",
    }
);

open_enum!(
    /// The type of an internal user, when group mappings are active.
    EnterpriseUserType {
        /// Full user.
        Full = "full",
        /// Can only open read-only share links.
        AccessReadOnlyShareLinks = "accessReadOnlyShareLinks",
    }
);

/// An enterprise user (`GET …/users/{userId}` and each entry of `GET …/users`).
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The user.
    pub id: UserId,
    /// Email address.
    pub email: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// `provisioned` or `deactivated`.
    pub state: UserState,
    /// Whether this is a service account.
    #[serde(default)]
    pub is_service_account: bool,
    /// Whether the user must sign in through the enterprise's identity provider.
    #[serde(default)]
    pub is_sso_required: bool,
    /// Whether the user set up a second factor for password sign-in.
    #[serde(default)]
    pub is_two_factor_auth_enabled: bool,
    /// Last time the user touched this enterprise's data; `None` (`null`) if never.
    #[serialize_always]
    pub last_activity_time: Option<Timestamp>,
    /// When the user was created (internal users only).
    pub created_time: Option<Timestamp>,
    /// Who invited the user to Airtable: absent, `null` (no inviter) or an ID
    /// (`usrEXTERNREDACTED` when the inviter is external).
    #[serde(default, with = "double_option")]
    pub invited_to_airtable_by_user_id: Option<Option<UserId>>,
    /// Directly assigned admin of this account (claimed-domain users only).
    pub is_admin: Option<bool>,
    /// Managed by this account (claimed-domain users only).
    pub is_managed: Option<bool>,
    /// Super admin over this account (Enterprise Hub only).
    pub is_super_admin: Option<bool>,
    /// `full` or `accessReadOnlyShareLinks` (with group mappings only).
    pub enterprise_user_type: Option<EnterpriseUserType>,
    /// The account's groups the user is in (internal users only).
    pub groups: Option<Vec<GroupRef>>,
    /// With `include=collaborations`: direct collaborations.
    pub collaborations: Option<Collaborations>,
    /// With `include=aggregated`: values across this account and its descendants (a
    /// guessed shape: see [`Guessed`]).
    pub aggregated: Option<Guessed<UserAccountValues>>,
    /// With `include=descendants`: values per descendant account (a guessed shape).
    pub descendants: Option<Guessed<BTreeMap<EnterpriseId, UserAccountValues>>>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

impl User {
    /// Whether the user is active.
    pub fn is_active(&self) -> bool {
        self.state == UserState::Provisioned
    }
}

/// A user's values in one account (descendants) or across accounts (aggregated).
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UserAccountValues {
    /// Last activity there.
    #[serde(with = "double_option")]
    pub last_activity_time: Option<Option<Timestamp>>,
    /// Admin there.
    pub is_admin: Option<bool>,
    /// Managed there.
    pub is_managed: Option<bool>,
    /// Groups there.
    pub groups: Option<Vec<GroupRef>>,
    /// Collaborations there.
    pub collaborations: Option<Collaborations>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Reply of `GET …/enterpriseAccounts/{id}/users?id=…&email=…`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UsersResponse {
    /// The users found (unknown IDs and emails are left out).
    pub users: Vec<User>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A user named by ID or by email in a request body (`{"id": …}` or `{"email": …}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum UserRef {
    /// By ID.
    Id {
        /// The user.
        id: UserId,
    },
    /// By email.
    Email {
        /// The email address.
        email: String,
    },
}

impl From<UserId> for UserRef {
    fn from(id: UserId) -> Self {
        UserRef::Id { id }
    }
}

impl From<&UserId> for UserRef {
    fn from(id: &UserId) -> Self {
        UserRef::Id { id: id.clone() }
    }
}

impl UserRef {
    /// A user named by email.
    pub fn email(email: impl Into<String>) -> Self {
        UserRef::Email {
            email: email.into(),
        }
    }
}

/// Body of `PATCH …/users/{userId}` ("manage user"); every field optional.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UpdateUserRequest {
    /// New state (`provisioned` / `deactivated`).
    pub state: Option<UserState>,
    /// New email (for example to free the address of a deactivated user).
    pub email: Option<String>,
    /// New first name.
    pub first_name: Option<String>,
    /// New last name.
    pub last_name: Option<String>,
    /// Fields this client does not model (sent as given).
    #[serde(flatten)]
    pub extra: Extra,
}

/// One entry of a batched user update: the user (by ID or email) and the changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchUserUpdate {
    /// Which user.
    #[serde(flatten)]
    pub user: UserRef,
    /// What to change.
    #[serde(flatten)]
    pub update: UpdateUserRequest,
}

/// Body of `PATCH …/enterpriseAccounts/{id}/users` ("manage users").
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchUpdateUsersRequest {
    /// The updates.
    pub users: Vec<BatchUserUpdate>,
}

/// Reply of the batched user update: partial success is normal.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BatchUpdateUsersResponse {
    /// Users updated.
    pub updated_users: Vec<UpdatedUser>,
    /// Users not updated, and why.
    pub errors: Vec<BatchError>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A user updated by a batch call.
pub type UpdatedUser = BatchUser;

/// A user named in the reply of a batch call: the ID and, when returned, the email.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchUser {
    /// The user.
    pub id: UserId,
    /// Email, when returned.
    pub email: Option<String>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Body of `POST …/users/{userId}/remove` ("remove user from enterprise").
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RemoveUserRequest {
    /// New owner for workspaces the user owns alone (required when there are any).
    pub replacement_owner_id: Option<UserId>,
    /// Only report what would be unshared and shared.
    pub is_dry_run: Option<bool>,
    /// Remove from descendant enterprise accounts too.
    pub remove_from_descendants: Option<bool>,
}

/// Reply of "remove user from enterprise": what was (or, for a dry run, would be) changed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UserRemoved {
    /// Whether the user lost admin rights.
    pub was_user_removed_as_admin: bool,
    /// Workspaces shared with the replacement owner.
    pub shared: RemovedShared,
    /// Access taken away from the user.
    pub unshared: RemovedUnshared,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `shared` part of [`UserRemoved`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RemovedShared {
    /// Workspaces given to the replacement owner.
    pub workspaces: Vec<SharedWorkspace>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A workspace shared with the replacement owner.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedWorkspace {
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// Its name.
    #[serde(default)]
    pub workspace_name: String,
    /// The user it was shared with (the replacement owner).
    pub user_id: Option<UserId>,
    /// The level granted.
    pub permission_level: PermissionLevel,
    /// When the workspace was deleted, if it was.
    #[serde(default, with = "double_option")]
    pub deleted_time: Option<Option<Timestamp>>,
    /// The account holding the workspace.
    pub enterprise_account_id: Option<EnterpriseId>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `unshared` part of [`UserRemoved`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RemovedUnshared {
    /// Bases the user lost.
    pub bases: Vec<UnsharedBase>,
    /// Interfaces the user lost.
    pub interfaces: Vec<UnsharedInterface>,
    /// Workspaces the user lost.
    pub workspaces: Vec<UnsharedWorkspace>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A base the removed user lost.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnsharedBase {
    /// The user.
    pub user_id: UserId,
    /// The base.
    pub base_id: BaseId,
    /// Its name.
    #[serde(default)]
    pub base_name: String,
    /// The level the user had.
    pub former_permission_level: PermissionLevel,
    /// When the base was deleted, if it was.
    #[serde(default, with = "double_option")]
    pub deleted_time: Option<Option<Timestamp>>,
    /// The account holding the base.
    pub enterprise_account_id: Option<EnterpriseId>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An interface the removed user lost.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnsharedInterface {
    /// The user.
    pub user_id: UserId,
    /// The base holding the interface.
    pub base_id: BaseId,
    /// The interface.
    pub interface_id: InterfaceId,
    /// Its name.
    #[serde(default)]
    pub interface_name: String,
    /// The level the user had.
    pub former_permission_level: PermissionLevel,
    /// When the interface was deleted, if it was.
    #[serde(default, with = "double_option")]
    pub deleted_time: Option<Option<Timestamp>>,
    /// The account holding the interface.
    pub enterprise_account_id: Option<EnterpriseId>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A workspace the removed user lost.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnsharedWorkspace {
    /// The user.
    pub user_id: UserId,
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// Its name.
    #[serde(default)]
    pub workspace_name: String,
    /// The level the user had.
    pub former_permission_level: PermissionLevel,
    /// When the workspace was deleted, if it was.
    #[serde(default, with = "double_option")]
    pub deleted_time: Option<Option<Timestamp>>,
    /// The account holding the workspace.
    pub enterprise_account_id: Option<EnterpriseId>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One entry of "manage user membership" (`POST …/users/claim`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimUser {
    /// Which user (if both ID and email are known, send the ID).
    #[serde(flatten)]
    pub user: UserRef,
    /// `managed` or `unmanaged`.
    pub state: MembershipState,
}

/// Body of `POST …/enterpriseAccounts/{id}/users/claim`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ClaimUsersRequest {
    /// The users.
    pub users: Vec<ClaimUser>,
}

/// Body of `POST …/users/grantAdminAccess` and `…/users/revokeAdminAccess`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AdminAccessRequest {
    /// The users.
    pub users: Vec<UserRef>,
}

/// Reply of claim / grant admin / revoke admin: the items that failed.
pub type ManageUsersResponse = FailedItems;

/// Reply of `DELETE …/enterpriseAccounts/{id}/users?email=…` ("delete users by email").
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DeleteUsersResponse {
    /// Users deleted.
    pub deleted_users: Vec<DeletedUser>,
    /// Users not deleted, and why.
    pub errors: Vec<BatchError>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A deleted user.
pub type DeletedUser = BatchUser;
