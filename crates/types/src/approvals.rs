//! Two-person approval: the risky actions the console can carry out, and what a request
//! for one looks like on screen. Pure data (no I/O); the server stores and executes them.
//!
//! A [`RiskyAction`] is the exact call: its IDs are typed, so a request cannot name a user
//! where a workspace belongs, and what is stored is what is executed.

use airtable_client::ids::{
    BaseId, BlockInstallationId, EnterpriseId, GroupId, InterfaceId, InviteId,
    PersonalAccessTokenId, ShareId, UserId, WorkspaceId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use strum::{
    EnumDiscriminants, EnumIter, EnumMessage, EnumString, IntoEnumIterator, IntoStaticStr,
};

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
        /// The kind exempted (one of [`policy_kinds`] that is not locked).
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

impl ActionKind {
    /// The kind's stored name (the serde tag of its [`RiskyAction`]).
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// What people read.
    pub fn label(self) -> &'static str {
        self.get_message().unwrap_or_else(|| self.name())
    }

    /// Changes to the console's own controls. They are not on the policy page: weakening a
    /// control always needs a second admin (tightening one happens at once).
    pub fn is_console_control(self) -> bool {
        matches!(
            self,
            ActionKind::ExemptFromApproval | ActionKind::GrantConsoleRole
        )
    }

    /// Kinds that always need a second person: an exemption for them is refused whatever a
    /// form sends. They delete, or cut every way in at once.
    pub fn is_locked(self) -> bool {
        matches!(
            self,
            ActionKind::DeleteUser
                | ActionKind::DeleteUsersByEmail
                | ActionKind::RemoveUserFromEnterprise
                | ActionKind::DeleteWorkspace
                | ActionKind::DeleteBase
                | ActionKind::RevokePersonalAccessTokens
        )
    }
}

/// The kinds on the approval policy page: every risky action on Airtable (all need approval
/// on a new installation), in the order the variants are declared.
pub fn policy_kinds() -> impl Iterator<Item = ActionKind> {
    ActionKind::iter().filter(|k| !k.is_console_control())
}

/// The kind stored as `name`, if the console knows one.
pub fn kind_named(name: &str) -> Option<ActionKind> {
    name.parse().ok()
}

/// Whether `kind` can never be exempted from approval.
pub fn is_locked(kind: &str) -> bool {
    kind_named(kind).is_some_and(ActionKind::is_locked)
}

/// The label people read for a kind stored as `kind` (the name itself when unknown).
pub fn kind_label(kind: &str) -> &str {
    match kind_named(kind) {
        Some(known) => known.label(),
        None => kind,
    }
}

fn joined<T: AsRef<str>>(items: &[T]) -> String {
    let mut sorted: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    sorted.sort_unstable();
    sorted.join(",")
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

    /// What the action is done to, as one key: at most one open request may exist per kind
    /// and target. Lists are sorted, so the same set in another order is the same target.
    pub fn target(&self) -> String {
        match self {
            RiskyAction::DeleteUser { user }
            | RiskyAction::RemoveUserFromEnterprise { user, .. }
            | RiskyAction::DeactivateUser { user }
            | RiskyAction::RevokeAdminAccess { user } => user.to_string(),
            RiskyAction::DeleteUsersByEmail { emails } => {
                let lower: Vec<String> = emails.iter().map(|e| e.to_lowercase()).collect();
                joined(&lower)
            }
            RiskyAction::DeleteWorkspace { workspace } => workspace.to_string(),
            RiskyAction::DeleteBase { base } => base.to_string(),
            RiskyAction::RemoveWorkspaceCollaborator {
                workspace,
                collaborator,
            } => format!("{workspace}/{}", collaborator.as_str()),
            RiskyAction::RemoveBaseCollaborator { base, collaborator } => {
                format!("{base}/{}", collaborator.as_str())
            }
            RiskyAction::RemoveInterfaceCollaborator {
                base,
                interface,
                collaborator,
            } => format!("{base}/{interface}/{}", collaborator.as_str()),
            RiskyAction::DeleteWorkspaceInvite { workspace, invite } => {
                format!("{workspace}/{invite}")
            }
            RiskyAction::DeleteBaseInvite { base, invite } => format!("{base}/{invite}"),
            RiskyAction::DeleteInterfaceInvite {
                base,
                interface,
                invite,
            } => format!("{base}/{interface}/{invite}"),
            RiskyAction::DeleteShare { base, share }
            | RiskyAction::DisableShare { base, share }
            | RiskyAction::EnableShare { base, share } => {
                format!("{base}/{share}")
            }
            // One open move per base, whatever the destination.
            RiskyAction::MoveBase { base, .. } => base.to_string(),
            RiskyAction::DeleteBlockInstallation { base, installation }
            | RiskyAction::DisableBlockInstallation { base, installation } => {
                format!("{base}/{installation}")
            }
            RiskyAction::MoveWorkspaces { workspaces, .. } => joined(workspaces),
            RiskyAction::MoveGroups { groups, .. } => joined(groups),
            RiskyAction::RevokePersonalAccessTokens { tokens } => joined(tokens),
            RiskyAction::GrantAdminAccess { user } | RiskyAction::GrantConsoleRole { user, .. } => {
                user.to_string()
            }
            RiskyAction::ExemptFromApproval { exempted } => exempted.clone(),
            RiskyAction::RemoveGroupMember { group, user } => format!("{group}/{user}"),
            RiskyAction::DeleteGroup { group } => group.to_string(),
        }
    }

    /// One line saying what will happen.
    pub fn describe(&self) -> String {
        match self {
            RiskyAction::DeleteUser { user } => format!("Delete user {user}"),
            RiskyAction::DeleteUsersByEmail { emails } => {
                format!("Delete the users {}", emails.join(", "))
            }
            RiskyAction::RemoveUserFromEnterprise {
                user,
                replacement_owner,
                remove_from_descendants,
            } => {
                let mut text = format!("Remove user {user} from the enterprise");
                if let Some(owner) = replacement_owner {
                    text.push_str(&format!(", handing what they own to {owner}"));
                }
                if *remove_from_descendants {
                    text.push_str(", and from its descendant accounts");
                }
                text
            }
            RiskyAction::DeactivateUser { user } => format!("Deactivate user {user}"),
            RiskyAction::RevokeAdminAccess { user } => {
                format!("Revoke the admin access of user {user}")
            }
            RiskyAction::DeleteWorkspace { workspace } => format!("Delete workspace {workspace}"),
            RiskyAction::DeleteBase { base } => format!("Delete base {base}"),
            RiskyAction::RemoveWorkspaceCollaborator {
                workspace,
                collaborator,
            } => format!(
                "Remove {} from workspace {workspace}",
                collaborator.as_str()
            ),
            RiskyAction::RemoveBaseCollaborator { base, collaborator } => {
                format!("Remove {} from base {base}", collaborator.as_str())
            }
            RiskyAction::RemoveInterfaceCollaborator {
                base,
                interface,
                collaborator,
            } => format!(
                "Remove {} from interface {interface} of base {base}",
                collaborator.as_str()
            ),
            RiskyAction::DeleteWorkspaceInvite { workspace, invite } => {
                format!("Delete invite link {invite} of workspace {workspace}")
            }
            RiskyAction::DeleteBaseInvite { base, invite } => {
                format!("Delete invite link {invite} of base {base}")
            }
            RiskyAction::DeleteInterfaceInvite {
                base,
                interface,
                invite,
            } => format!("Delete invite link {invite} of interface {interface} (base {base})"),
            RiskyAction::DeleteShare { base, share } => {
                format!("Delete share {share} of base {base}")
            }
            RiskyAction::DisableShare { base, share } => {
                format!("Disable share {share} of base {base}")
            }
            RiskyAction::EnableShare { base, share } => {
                format!("Enable share {share} of base {base}: whoever has its link sees the data")
            }
            RiskyAction::MoveBase { base, workspace } => {
                format!("Move base {base} to workspace {workspace}")
            }
            RiskyAction::DeleteBlockInstallation { base, installation } => {
                format!("Delete extension installation {installation} of base {base}")
            }
            RiskyAction::DisableBlockInstallation { base, installation } => {
                format!("Turn off extension installation {installation} of base {base}")
            }
            RiskyAction::MoveWorkspaces {
                workspaces,
                target_enterprise,
            } => format!(
                "Move workspaces {} to enterprise account {target_enterprise}",
                joined(workspaces).replace(',', ", ")
            ),
            RiskyAction::MoveGroups {
                groups,
                target_enterprise,
            } => format!(
                "Move groups {} to enterprise account {target_enterprise}",
                joined(groups).replace(',', ", ")
            ),
            RiskyAction::RevokePersonalAccessTokens { tokens } => format!(
                "Revoke personal access tokens {}",
                joined(tokens).replace(',', ", ")
            ),
            RiskyAction::GrantAdminAccess { user } => {
                format!("Make user {user} an Airtable enterprise admin")
            }
            RiskyAction::ExemptFromApproval { exempted } => format!(
                "Let \"{}\" happen without a second person's approval",
                kind_label(exempted)
            ),
            RiskyAction::GrantConsoleRole { user, email, role } => {
                format!("Give {email} ({user}) the {role} console role")
            }
            RiskyAction::RemoveGroupMember { group, user } => {
                format!("Remove {user} from group {group}")
            }
            RiskyAction::DeleteGroup { group } => format!("Delete group {group}"),
        }
    }

    /// Checks what the types cannot: lists are non-empty and within Airtable's limits.
    pub fn validate(&self) -> Result<(), String> {
        let list = |len: usize, what: &str| {
            if len == 0 {
                Err(format!("Name at least one {what}."))
            } else if len > 100 {
                Err(format!(
                    "Airtable takes at most 100 {what}s at a time; this names {len}."
                ))
            } else {
                Ok(())
            }
        };
        match self {
            RiskyAction::DeleteUsersByEmail { emails } => {
                list(emails.len(), "email")?;
                match emails.iter().find(|e| !e.contains('@')) {
                    Some(bad) => Err(format!("\"{bad}\" is not an email address.")),
                    None => Ok(()),
                }
            }
            RiskyAction::MoveWorkspaces { workspaces, .. } => list(workspaces.len(), "workspace"),
            RiskyAction::MoveGroups { groups, .. } => list(groups.len(), "group"),
            RiskyAction::RevokePersonalAccessTokens { tokens } => list(tokens.len(), "token"),
            RiskyAction::RemoveUserFromEnterprise {
                user,
                replacement_owner: Some(owner),
                ..
            } if owner == user => Err("A user cannot be their own replacement owner.".into()),
            RiskyAction::ExemptFromApproval { exempted } => {
                if is_locked(exempted) {
                    Err(format!(
                        "\"{}\" always needs a second person: deletions cannot be exempted.",
                        kind_label(exempted)
                    ))
                } else if kind_named(exempted).is_none_or(|k| k.is_console_control()) {
                    Err(format!(
                        "{exempted:?} is not a kind of action the console knows."
                    ))
                } else {
                    Ok(())
                }
            }
            RiskyAction::GrantConsoleRole { role, .. } if !role.allows(Role::Approver) => Err(
                "Only the approver and admin roles are granted through approval; viewer and operator are granted at once.".into(),
            ),
            _ => Ok(()),
        }
    }
}

/// What an action would touch, as the console found it: facts and lists. Shown to the
/// requester and recomputed for the approver, who sees what changed in between.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    /// Whether the target exists now.
    pub target_exists: bool,
    pub facts: Vec<(String, String)>,
    pub lists: Vec<PreviewList>,
    /// Why Airtable would refuse this call now, in words, with what can be done instead
    /// (an external collaborator cannot be deactivated; a removal that leaves a workspace
    /// without an owner needs a replacement). A request is refused at once when this is
    /// set, rather than failing after a second person approved it. Absent in requests
    /// stored before it existed.
    #[serde(default)]
    pub refused: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewList {
    pub title: String,
    pub items: Vec<String>,
}

/// How a part of the preview changed since the request was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    Same,
    Added,
    Removed,
    Changed,
}

/// A preview line as the approver sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparedLine {
    pub text: String,
    pub change: Change,
}

/// A list of the preview as the approver sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparedList {
    pub title: String,
    pub items: Vec<ComparedLine>,
}

/// The request-time preview against the one computed now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparedPreview {
    pub target_exists: bool,
    pub facts: Vec<ComparedLine>,
    pub lists: Vec<ComparedList>,
    /// Whether anything differs.
    pub changed: bool,
}

impl Preview {
    /// `self` is the preview at request time, `now` the one computed now.
    pub fn compare(&self, now: &Preview) -> ComparedPreview {
        let mut changed = self.target_exists != now.target_exists;
        let mut facts = Vec::new();
        for (name, value) in &now.facts {
            let change = match self.facts.iter().find(|(n, _)| n == name) {
                Some((_, before)) if before == value => Change::Same,
                Some((_, before)) => {
                    facts.push(ComparedLine {
                        text: format!("{name}: {value} (was {before})"),
                        change: Change::Changed,
                    });
                    changed = true;
                    continue;
                }
                None => Change::Added,
            };
            changed |= change != Change::Same;
            facts.push(ComparedLine {
                text: format!("{name}: {value}"),
                change,
            });
        }
        for (name, value) in &self.facts {
            if !now.facts.iter().any(|(n, _)| n == name) {
                changed = true;
                facts.push(ComparedLine {
                    text: format!("{name}: {value}"),
                    change: Change::Removed,
                });
            }
        }
        let mut lists = Vec::new();
        let empty = PreviewList::default();
        let titles = now.lists.iter().map(|l| &l.title).chain(
            self.lists
                .iter()
                .map(|l| &l.title)
                .filter(|t| !now.lists.iter().any(|l| &l.title == *t)),
        );
        for title in titles {
            let before = self
                .lists
                .iter()
                .find(|l| &l.title == title)
                .unwrap_or(&empty);
            let after = now
                .lists
                .iter()
                .find(|l| &l.title == title)
                .unwrap_or(&empty);
            let mut items: Vec<ComparedLine> = after
                .items
                .iter()
                .map(|item| ComparedLine {
                    text: item.clone(),
                    change: if before.items.contains(item) {
                        Change::Same
                    } else {
                        Change::Added
                    },
                })
                .collect();
            items.extend(
                before
                    .items
                    .iter()
                    .filter(|item| !after.items.contains(item))
                    .map(|item| ComparedLine {
                        text: item.clone(),
                        change: Change::Removed,
                    }),
            );
            changed |= items.iter().any(|i| i.change != Change::Same);
            lists.push(ComparedList {
                title: title.clone(),
                items,
            });
        }
        ComparedPreview {
            target_exists: now.target_exists,
            facts,
            lists,
            changed,
        }
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalStatus {
    /// Waiting for an approver.
    Pending,
    /// Approved; the console is carrying it out.
    Executing,
    Succeeded,
    /// Carried out and Airtable refused, or the console could not tell what happened
    /// (stopped mid-way); the approver may retry after checking.
    Failed,
    Rejected,
    Cancelled,
    Expired,
}

impl ApprovalStatus {
    pub const ALL: [ApprovalStatus; 7] = [
        ApprovalStatus::Pending,
        ApprovalStatus::Executing,
        ApprovalStatus::Succeeded,
        ApprovalStatus::Failed,
        ApprovalStatus::Rejected,
        ApprovalStatus::Cancelled,
        ApprovalStatus::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "pending",
            ApprovalStatus::Executing => "executing",
            ApprovalStatus::Succeeded => "succeeded",
            ApprovalStatus::Failed => "failed",
            ApprovalStatus::Rejected => "rejected",
            ApprovalStatus::Cancelled => "cancelled",
            ApprovalStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "Waiting for approval",
            ApprovalStatus::Executing => "Being carried out",
            ApprovalStatus::Succeeded => "Done",
            ApprovalStatus::Failed => "Failed",
            ApprovalStatus::Rejected => "Rejected",
            ApprovalStatus::Cancelled => "Cancelled",
            ApprovalStatus::Expired => "Expired",
        }
    }
}

/// A request as the pages list and show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRequest {
    pub id: String,
    pub action: RiskyAction,
    pub kind_label: String,
    pub description: String,
    pub reason: String,
    pub requested_by_id: String,
    pub requested_by_email: String,
    pub requested_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub status: ApprovalStatus,
    pub decided_by_email: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_comment: Option<String>,
    pub finished_at: Option<DateTime<Utc>>,
    /// What Airtable answered (success) or why it failed, in words.
    pub outcome: Option<String>,
    pub preview: Preview,
}

/// A request with what the signed-in person may do with it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalDetail {
    pub request: ApprovalRequest,
    /// The preview recomputed now, against the request-time one (pending requests only).
    pub compared: Option<ComparedPreview>,
    /// A fingerprint of the recomputed preview: the approval carries it back, and the
    /// console refuses to execute if things changed again after the approver looked.
    pub compared_fingerprint: Option<String>,
    /// The SHA-256 of the stored call: the decision form carries it back, and the console
    /// refuses a decision made on a call other than the one stored.
    pub call_hash: String,
    /// The person could decide, but their sign-in is older than the step-up window: they
    /// must sign in again (a full round trip through Airtable) first.
    pub sign_in_again: bool,
    pub can_decide: bool,
    pub can_cancel: bool,
    pub can_retry: bool,
    /// Why the signed-in person cannot decide, when they cannot.
    pub why_not: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(s: &str) -> UserId {
        s.parse().expect("user id")
    }

    /// One call of each kind (the match is exhaustive: a new kind must be added here).
    fn sample(kind: ActionKind) -> RiskyAction {
        let u = || user("usrAAAAAAAAAAAAAA");
        let base = || "appAAAAAAAAAAAAAA".parse().expect("app");
        let workspace = || "wspAAAAAAAAAAAAAA".parse().expect("wsp");
        let group = || "ugpAAAAAAAAAAAAAA".parse().expect("ugp");
        let share = || "shrAAAAAAAAAAAAAA".parse().expect("shr");
        let interface = || "pbdAAAAAAAAAAAAAA".parse().expect("pbd");
        let invite = || "invAAAAAAAAAAAAAA".parse().expect("inv");
        let installation = || "bliAAAAAAAAAAAAAA".parse().expect("bli");
        let enterprise = || "entAAAAAAAAAAAAAA".parse().expect("ent");
        match kind {
            ActionKind::DeleteUser => RiskyAction::DeleteUser { user: u() },
            ActionKind::DeleteUsersByEmail => RiskyAction::DeleteUsersByEmail {
                emails: vec!["a@corp.com".into()],
            },
            ActionKind::RemoveUserFromEnterprise => RiskyAction::RemoveUserFromEnterprise {
                user: u(),
                replacement_owner: None,
                remove_from_descendants: false,
            },
            ActionKind::DeactivateUser => RiskyAction::DeactivateUser { user: u() },
            ActionKind::RevokeAdminAccess => RiskyAction::RevokeAdminAccess { user: u() },
            ActionKind::DeleteWorkspace => RiskyAction::DeleteWorkspace {
                workspace: workspace(),
            },
            ActionKind::DeleteBase => RiskyAction::DeleteBase { base: base() },
            ActionKind::RemoveWorkspaceCollaborator => RiskyAction::RemoveWorkspaceCollaborator {
                workspace: workspace(),
                collaborator: Collaborator::Group(group()),
            },
            ActionKind::RemoveBaseCollaborator => RiskyAction::RemoveBaseCollaborator {
                base: base(),
                collaborator: Collaborator::User(u()),
            },
            ActionKind::RemoveInterfaceCollaborator => RiskyAction::RemoveInterfaceCollaborator {
                base: base(),
                interface: interface(),
                collaborator: Collaborator::User(u()),
            },
            ActionKind::DeleteWorkspaceInvite => RiskyAction::DeleteWorkspaceInvite {
                workspace: workspace(),
                invite: invite(),
            },
            ActionKind::DeleteBaseInvite => RiskyAction::DeleteBaseInvite {
                base: base(),
                invite: invite(),
            },
            ActionKind::DeleteInterfaceInvite => RiskyAction::DeleteInterfaceInvite {
                base: base(),
                interface: interface(),
                invite: invite(),
            },
            ActionKind::DeleteShare => RiskyAction::DeleteShare {
                base: base(),
                share: share(),
            },
            ActionKind::DisableShare => RiskyAction::DisableShare {
                base: base(),
                share: share(),
            },
            ActionKind::EnableShare => RiskyAction::EnableShare {
                base: base(),
                share: share(),
            },
            ActionKind::MoveBase => RiskyAction::MoveBase {
                base: base(),
                workspace: workspace(),
            },
            ActionKind::DeleteBlockInstallation => RiskyAction::DeleteBlockInstallation {
                base: base(),
                installation: installation(),
            },
            ActionKind::DisableBlockInstallation => RiskyAction::DisableBlockInstallation {
                base: base(),
                installation: installation(),
            },
            ActionKind::MoveWorkspaces => RiskyAction::MoveWorkspaces {
                workspaces: vec![workspace()],
                target_enterprise: enterprise(),
            },
            ActionKind::MoveGroups => RiskyAction::MoveGroups {
                groups: vec![group()],
                target_enterprise: enterprise(),
            },
            ActionKind::RevokePersonalAccessTokens => RiskyAction::RevokePersonalAccessTokens {
                tokens: vec!["patAAAAAAAAAAAAAA".parse().expect("pat")],
            },
            ActionKind::GrantAdminAccess => RiskyAction::GrantAdminAccess { user: u() },
            ActionKind::RemoveGroupMember => RiskyAction::RemoveGroupMember {
                group: group(),
                user: u(),
            },
            ActionKind::DeleteGroup => RiskyAction::DeleteGroup { group: group() },
            ActionKind::ExemptFromApproval => RiskyAction::ExemptFromApproval {
                exempted: "disable_share".into(),
            },
            ActionKind::GrantConsoleRole => RiskyAction::GrantConsoleRole {
                user: u(),
                email: "a@corp.com".into(),
                role: Role::Approver,
            },
        }
    }

    #[test]
    fn every_kind_is_derived_labelled_and_round_trips_through_json() {
        for kind in ActionKind::iter() {
            let action = sample(kind);
            assert_eq!(ActionKind::from(&action), kind);
            // The stored name is serde's tag, and it parses back to the kind.
            let json = serde_json::to_value(&action).expect("json");
            assert_eq!(json["kind"], action.kind());
            assert_eq!(kind_named(action.kind()), Some(kind));
            // Every kind has words for people, not its stored name.
            assert_ne!(kind.label(), kind.name(), "{kind:?} has no label");
            assert!(
                action.validate().is_ok(),
                "{kind:?}: {:?}",
                action.validate()
            );
            let back: RiskyAction = serde_json::from_value(json).expect("back");
            assert_eq!(back, action);
        }
        // The policy page lists every kind but the console's own controls; deletions locked.
        assert_eq!(policy_kinds().count(), ActionKind::iter().count() - 2);
        assert!(is_locked("delete_base") && !is_locked("move_base"));
        assert_eq!(kind_label("move_base"), "Move a base to another workspace");
        assert_eq!(kind_label("no_such_kind"), "no_such_kind");
    }

    #[test]
    fn the_wrong_kind_of_id_is_refused() {
        let forged = serde_json::json!({"kind": "delete_user", "user": "wspAAAAAAAAAAAAAA"});
        assert!(serde_json::from_value::<RiskyAction>(forged).is_err());
    }

    #[test]
    fn targets_ignore_order_and_case() {
        let a = RiskyAction::DeleteUsersByEmail {
            emails: vec!["B@corp.com".into(), "a@corp.com".into()],
        };
        let b = RiskyAction::DeleteUsersByEmail {
            emails: vec!["a@corp.com".into(), "b@corp.com".into()],
        };
        assert_eq!(a.target(), b.target());
        assert!(RiskyAction::DeleteUsersByEmail { emails: vec![] }
            .validate()
            .is_err());
        assert!(RiskyAction::DeleteUsersByEmail {
            emails: vec!["nope".into()]
        }
        .validate()
        .is_err());
    }

    #[test]
    fn comparing_previews_marks_what_changed() {
        let before = Preview {
            target_exists: true,
            facts: vec![
                ("State".into(), "active".into()),
                ("Admin".into(), "no".into()),
            ],
            lists: vec![PreviewList {
                title: "Workspaces".into(),
                items: vec!["A".into(), "B".into()],
            }],
            refused: None,
        };
        assert!(!before.compare(&before).changed);
        let now = Preview {
            target_exists: true,
            facts: vec![
                ("State".into(), "active".into()),
                ("Admin".into(), "yes".into()),
            ],
            lists: vec![PreviewList {
                title: "Workspaces".into(),
                items: vec!["B".into(), "C".into()],
            }],
            refused: None,
        };
        let compared = before.compare(&now);
        assert!(compared.changed);
        assert_eq!(compared.facts[1].change, Change::Changed);
        assert_eq!(compared.facts[1].text, "Admin: yes (was no)");
        let changes: Vec<(String, Change)> = compared.lists[0]
            .items
            .iter()
            .map(|i| (i.text.clone(), i.change))
            .collect();
        assert_eq!(
            changes,
            vec![
                ("B".into(), Change::Same),
                ("C".into(), Change::Added),
                ("A".into(), Change::Removed)
            ]
        );
    }
}

/// Which requests a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalListing {
    /// Pending requests the signed-in person could approve (not their own).
    WaitingForMe,
    /// Requests the signed-in person made.
    Mine,
    /// Everything.
    All,
}

impl ApprovalListing {
    pub fn parse(s: &str) -> Self {
        match s {
            "mine" => ApprovalListing::Mine,
            "all" => ApprovalListing::All,
            _ => ApprovalListing::WaitingForMe,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalListing::WaitingForMe => "waiting",
            ApprovalListing::Mine => "mine",
            ApprovalListing::All => "all",
        }
    }
}

/// What asking for a risky action led to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestOutcome {
    /// A request waits for a second person.
    Requested { id: String },
    /// This kind needs no approval here (an admin said so): it was carried out at once.
    Done { outcome: String },
}

/// Whether a kind needs approval, for the policy page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRow {
    pub kind: String,
    pub label: String,
    pub needs_approval: bool,
    /// Always needs approval: no exemption possible.
    pub locked: bool,
    /// An open request to exempt this kind, waiting for a second admin.
    pub exemption_request: Option<String>,
}

/// An email the console wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEmail {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub sent_at: Option<DateTime<Utc>>,
}
