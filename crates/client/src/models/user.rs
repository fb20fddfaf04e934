//! Enterprise users and the user-management calls.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{BatchError, Collaborations, Extra, GroupRef, PermissionLevel};
use crate::ids::{BaseId, EnterpriseId, InterfaceId, UserId, WorkspaceId};
use crate::serde_util::{model, open_enum};
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

model! {
    /// An enterprise user (`GET …/users/{userId}` and each entry of `GET …/users`).
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
        #[serde(default)]
        pub last_activity_time: Option<Timestamp>,
        /// When the user was created (internal users only).
        optional pub created_time: Option<Timestamp>,
        /// Who invited the user to Airtable: absent, `null` (no inviter) or an ID
        /// (`usrEXTERNREDACTED` when the inviter is external).
        nullable pub invited_to_airtable_by_user_id: Option<Option<UserId>>,
        /// Directly assigned admin of this account (claimed-domain users only).
        optional pub is_admin: Option<bool>,
        /// Managed by this account (claimed-domain users only).
        optional pub is_managed: Option<bool>,
        /// Super admin over this account (Enterprise Hub only).
        optional pub is_super_admin: Option<bool>,
        /// `full` or `accessReadOnlyShareLinks` (with group mappings only).
        optional pub enterprise_user_type: Option<EnterpriseUserType>,
        /// The account's groups the user is in (internal users only).
        optional pub groups: Option<Vec<GroupRef>>,
        /// With `include=collaborations`: direct collaborations.
        optional pub collaborations: Option<Collaborations>,
        /// With `include=aggregated`: values across this account and its descendants.
        optional pub aggregated: Option<UserAccountValues>,
        /// With `include=descendants`: values per descendant account.
        optional pub descendants: Option<BTreeMap<EnterpriseId, UserAccountValues>>,
        ..
    }
}

impl User {
    /// Whether the user is active.
    pub fn is_active(&self) -> bool {
        self.state == UserState::Provisioned
    }
}

model! {
    /// A user's values in one account (descendants) or across accounts (aggregated).
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct UserAccountValues {
        /// Last activity there.
        nullable pub last_activity_time: Option<Option<Timestamp>>,
        /// Admin there.
        optional pub is_admin: Option<bool>,
        /// Managed there.
        optional pub is_managed: Option<bool>,
        /// Groups there.
        optional pub groups: Option<Vec<GroupRef>>,
        /// Collaborations there.
        optional pub collaborations: Option<Collaborations>,
        ..
    }
}

model! {
    /// Reply of `GET …/enterpriseAccounts/{id}/users?id=…&email=…`.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct UsersResponse {
        /// The users found (unknown IDs and emails are left out).
        #[serde(default)]
        pub users: Vec<User>,
        ..
    }
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

model! {
    /// Body of `PATCH …/users/{userId}` ("manage user"); every field optional.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct UpdateUserRequest {
        /// New state (`provisioned` / `deactivated`).
        optional pub state: Option<UserState>,
        /// New email (for example to free the address of a deactivated user).
        optional pub email: Option<String>,
        /// New first name.
        optional pub first_name: Option<String>,
        /// New last name.
        optional pub last_name: Option<String>,
        /// Fields this client does not model (sent as given).
        #[serde(flatten)]
        pub extra: Extra,
    }
}

model! {
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
}

model! {
    /// Body of `PATCH …/enterpriseAccounts/{id}/users` ("manage users").
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct BatchUpdateUsersRequest {
        /// The updates.
        pub users: Vec<BatchUserUpdate>,
    }
}

model! {
    /// Reply of the batched user update: partial success is normal.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct BatchUpdateUsersResponse {
        /// Users updated.
        #[serde(default)]
        pub updated_users: Vec<UpdatedUser>,
        /// Users not updated, and why.
        #[serde(default)]
        pub errors: Vec<BatchError>,
        ..
    }
}

model! {
    /// A user updated by a batch call.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct UpdatedUser {
        /// The user.
        pub id: UserId,
        /// Email, when returned.
        optional pub email: Option<String>,
        ..
    }
}

model! {
    /// Body of `POST …/users/{userId}/remove` ("remove user from enterprise").
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct RemoveUserRequest {
        /// New owner for workspaces the user owns alone (required when there are any).
        optional pub replacement_owner_id: Option<UserId>,
        /// Only report what would be unshared and shared.
        optional pub is_dry_run: Option<bool>,
        /// Remove from descendant enterprise accounts too.
        optional pub remove_from_descendants: Option<bool>,
    }
}

model! {
    /// Reply of "remove user from enterprise": what was (or, for a dry run, would be) changed.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct UserRemoved {
        /// Whether the user lost admin rights.
        #[serde(default)]
        pub was_user_removed_as_admin: bool,
        /// Workspaces shared with the replacement owner.
        #[serde(default)]
        pub shared: RemovedShared,
        /// Access taken away from the user.
        #[serde(default)]
        pub unshared: RemovedUnshared,
        ..
    }
}

model! {
    /// `shared` part of [`UserRemoved`].
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct RemovedShared {
        /// Workspaces given to the replacement owner.
        #[serde(default)]
        pub workspaces: Vec<SharedWorkspace>,
        ..
    }
}

model! {
    /// A workspace shared with the replacement owner.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct SharedWorkspace {
        /// The workspace.
        pub workspace_id: WorkspaceId,
        /// Its name.
        #[serde(default)]
        pub workspace_name: String,
        /// The user it was shared with (the replacement owner).
        optional pub user_id: Option<UserId>,
        /// The level granted.
        pub permission_level: PermissionLevel,
        /// When the workspace was deleted, if it was.
        nullable pub deleted_time: Option<Option<Timestamp>>,
        /// The account holding the workspace.
        optional pub enterprise_account_id: Option<EnterpriseId>,
        ..
    }
}

model! {
    /// `unshared` part of [`UserRemoved`].
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct RemovedUnshared {
        /// Bases the user lost.
        #[serde(default)]
        pub bases: Vec<UnsharedBase>,
        /// Interfaces the user lost.
        #[serde(default)]
        pub interfaces: Vec<UnsharedInterface>,
        /// Workspaces the user lost.
        #[serde(default)]
        pub workspaces: Vec<UnsharedWorkspace>,
        ..
    }
}

model! {
    /// A base the removed user lost.
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
        nullable pub deleted_time: Option<Option<Timestamp>>,
        /// The account holding the base.
        optional pub enterprise_account_id: Option<EnterpriseId>,
        ..
    }
}

model! {
    /// An interface the removed user lost.
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
        nullable pub deleted_time: Option<Option<Timestamp>>,
        /// The account holding the interface.
        optional pub enterprise_account_id: Option<EnterpriseId>,
        ..
    }
}

model! {
    /// A workspace the removed user lost.
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
        nullable pub deleted_time: Option<Option<Timestamp>>,
        /// The account holding the workspace.
        optional pub enterprise_account_id: Option<EnterpriseId>,
        ..
    }
}

model! {
    /// One entry of "manage user membership" (`POST …/users/claim`).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct ClaimUser {
        /// Which user (if both ID and email are known, send the ID).
        #[serde(flatten)]
        pub user: UserRef,
        /// `managed` or `unmanaged`.
        pub state: MembershipState,
    }
}

model! {
    /// Body of `POST …/enterpriseAccounts/{id}/users/claim`.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    pub struct ClaimUsersRequest {
        /// The users.
        pub users: Vec<ClaimUser>,
    }
}

model! {
    /// Body of `POST …/users/grantAdminAccess` and `…/users/revokeAdminAccess`.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    pub struct AdminAccessRequest {
        /// The users.
        pub users: Vec<UserRef>,
    }
}

model! {
    /// Reply of claim / grant admin / revoke admin: the items that failed.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ManageUsersResponse {
        /// Items that failed, and why. Empty when everything succeeded.
        #[serde(default)]
        pub errors: Vec<BatchError>,
        ..
    }
}

model! {
    /// Reply of `DELETE …/enterpriseAccounts/{id}/users?email=…` ("delete users by email").
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct DeleteUsersResponse {
        /// Users deleted.
        #[serde(default)]
        pub deleted_users: Vec<DeletedUser>,
        /// Users not deleted, and why.
        #[serde(default)]
        pub errors: Vec<BatchError>,
        ..
    }
}

model! {
    /// A deleted user.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct DeletedUser {
        /// The user.
        pub id: UserId,
        /// Their email.
        optional pub email: Option<String>,
        ..
    }
}
