//! What a risky action says about itself: the target it is done to (one open request per
//! kind and target), one line for people, and the checks the types cannot make.

use crate::api::Role;

use super::{is_locked, kind_label, kind_named, RiskyAction};

fn joined<T: AsRef<str>>(items: &[T]) -> String {
    let mut sorted: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    sorted.sort_unstable();
    sorted.join(",")
}

impl RiskyAction {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
