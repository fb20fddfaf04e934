//! The risky actions themselves: [`RiskyAction`] is the exact call (its IDs are typed, so
//! a request cannot name a user where a workspace belongs), its kind ([`ActionKind`],
//! derived from the variant) and who may ask for and approve it.

use airtable_client::ids::{
    BaseId, BlockInstallationId, EnterpriseId, GroupId, InterfaceId, InviteId,
    PersonalAccessTokenId, ShareId, UserId, WorkspaceId,
};
use serde::{Deserialize, Serialize};
use strum::{EnumDiscriminants, EnumIter, EnumMessage, EnumString, IntoStaticStr};

use crate::api::Role;

/// Who a collaborator removal is about: a user or a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Collaborator {
    User(UserId),
    Group(GroupId),
}

impl Collaborator {
    pub fn as_str(&self) -> &str {
        match self {
            Collaborator::User(id) => id.as_str(),
            Collaborator::Group(id) => id.as_str(),
        }
    }
}

/// A call that deletes something or takes access away (or widens who reaches data).
///
/// Each variant's kind ([`ActionKind`], its stored name and the label people read) is
/// derived from the variant itself: adding a kind is adding a variant with its label, and
/// the compiler then asks for its target, description, preview and execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, EnumDiscriminants)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[strum_discriminants(
    name(ActionKind),
    derive(EnumIter, IntoStaticStr, EnumString, EnumMessage, Hash),
    strum(serialize_all = "snake_case")
)]
pub enum RiskyAction {
    #[strum_discriminants(strum(message = "Delete a user"))]
    DeleteUser { user: UserId },
    #[strum_discriminants(strum(message = "Delete users by email"))]
    DeleteUsersByEmail { emails: Vec<String> },
    #[strum_discriminants(strum(message = "Remove a user from the enterprise"))]
    RemoveUserFromEnterprise {
        user: UserId,
        replacement_owner: Option<UserId>,
        remove_from_descendants: bool,
    },
    #[strum_discriminants(strum(message = "Deactivate a user"))]
    DeactivateUser { user: UserId },
    #[strum_discriminants(strum(message = "Revoke admin access"))]
    RevokeAdminAccess { user: UserId },
    #[strum_discriminants(strum(message = "Delete a workspace"))]
    DeleteWorkspace { workspace: WorkspaceId },
    #[strum_discriminants(strum(message = "Delete a base"))]
    DeleteBase { base: BaseId },
    #[strum_discriminants(strum(message = "Remove a workspace collaborator"))]
    RemoveWorkspaceCollaborator {
        workspace: WorkspaceId,
        collaborator: Collaborator,
    },
    #[strum_discriminants(strum(message = "Remove a base collaborator"))]
    RemoveBaseCollaborator {
        base: BaseId,
        collaborator: Collaborator,
    },
    #[strum_discriminants(strum(message = "Remove an interface collaborator"))]
    RemoveInterfaceCollaborator {
        base: BaseId,
        interface: InterfaceId,
        collaborator: Collaborator,
    },
    #[strum_discriminants(strum(message = "Delete a workspace invite link"))]
    DeleteWorkspaceInvite {
        workspace: WorkspaceId,
        invite: InviteId,
    },
    #[strum_discriminants(strum(message = "Delete a base invite link"))]
    DeleteBaseInvite { base: BaseId, invite: InviteId },
    #[strum_discriminants(strum(message = "Delete an interface invite link"))]
    DeleteInterfaceInvite {
        base: BaseId,
        interface: InterfaceId,
        invite: InviteId,
    },
    #[strum_discriminants(strum(message = "Delete a share"))]
    DeleteShare { base: BaseId, share: ShareId },
    #[strum_discriminants(strum(message = "Disable a share"))]
    DisableShare { base: BaseId, share: ShareId },
    /// Turns a share's link on: whoever holds the link reaches the base's data again.
    #[strum_discriminants(strum(message = "Enable a share"))]
    EnableShare { base: BaseId, share: ShareId },
    /// Moves a base into another workspace: access through the old workspace ends, and the
    /// new workspace's collaborators reach it.
    #[strum_discriminants(strum(message = "Move a base to another workspace"))]
    MoveBase {
        base: BaseId,
        workspace: WorkspaceId,
    },
    #[strum_discriminants(strum(message = "Delete an extension installation"))]
    DeleteBlockInstallation {
        base: BaseId,
        installation: BlockInstallationId,
    },
    #[strum_discriminants(strum(message = "Turn off an extension installation"))]
    DisableBlockInstallation {
        base: BaseId,
        installation: BlockInstallationId,
    },
    #[strum_discriminants(strum(message = "Move workspaces to another enterprise account"))]
    MoveWorkspaces {
        workspaces: Vec<WorkspaceId>,
        target_enterprise: EnterpriseId,
    },
    #[strum_discriminants(strum(message = "Move groups to another enterprise account"))]
    MoveGroups {
        groups: Vec<GroupId>,
        target_enterprise: EnterpriseId,
    },
    #[strum_discriminants(strum(message = "Revoke personal access tokens"))]
    RevokePersonalAccessTokens { tokens: Vec<PersonalAccessTokenId> },
    /// Makes someone an Airtable enterprise admin: as powerful as anything here.
    #[strum_discriminants(strum(message = "Grant Airtable admin access"))]
    GrantAdminAccess { user: UserId },
    /// Takes a member out of a group (through SCIM): they lose what the group reaches.
    #[strum_discriminants(strum(message = "Remove a member from a group"))]
    RemoveGroupMember { group: GroupId, user: UserId },
    /// Deletes a group (through SCIM): every member loses what the group reaches.
    #[strum_discriminants(strum(message = "Delete a group"))]
    DeleteGroup { group: GroupId },
    /// Lets a kind of action happen without a second person (a console control).
    #[strum_discriminants(strum(message = "Exempt a kind of action from approval"))]
    ExemptFromApproval {
        /// The kind exempted (one of [`policy_kinds`](super::policy_kinds) that is not locked).
        exempted: String,
    },
    /// Gives someone the approver or admin console role (a console control).
    #[strum_discriminants(strum(message = "Grant a console role"))]
    GrantConsoleRole {
        user: UserId,
        email: String,
        role: Role,
    },
}

impl RiskyAction {
    /// The kind's stored name (the serde tag).
    pub fn kind(&self) -> &'static str {
        ActionKind::from(self).name()
    }

    /// Whether this changes the console's own controls (carried out in the console's
    /// database, not in Airtable).
    pub fn is_console_control(&self) -> bool {
        ActionKind::from(self).is_console_control()
    }

    /// The role needed to ask for this: console controls are admin business.
    pub fn requester_role(&self) -> Role {
        if self.is_console_control() {
            Role::Admin
        } else {
            Role::Operator
        }
    }

    /// The role needed to approve this: a second admin for the console's own controls, an
    /// approver for everything else.
    pub fn approver_role(&self) -> Role {
        if self.is_console_control() {
            Role::Admin
        } else {
            Role::Approver
        }
    }

    /// The person a grant is for: they may not approve it themselves.
    pub fn beneficiary(&self) -> Option<&UserId> {
        match self {
            RiskyAction::GrantAdminAccess { user } | RiskyAction::GrantConsoleRole { user, .. } => {
                Some(user)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wrong_kind_of_id_is_refused() {
        let forged = serde_json::json!({"kind": "delete_user", "user": "wspAAAAAAAAAAAAAA"});
        assert!(serde_json::from_value::<RiskyAction>(forged).is_err());
    }
}
