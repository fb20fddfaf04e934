//! Carrying an approved action out through the client, with the approver's token, and
//! saying what happened in a sentence (never raw JSON). Batch calls that answer 200 while
//! refusing some items count as failed, for a person to check.

use airtable_client::{
    ids::{EnterpriseId, UserId},
    models::UserState,
    ApiError, Client, Error,
};
use console_types::approvals::RiskyAction;

use super::reading::*;

/// "Name <email> (usr…)", read before acting (a deleted user cannot be read after). The ID
/// alone when that fails: the label only helps people read the outcome.
pub(super) async fn user_label(
    airtable: &Client,
    enterprise: &EnterpriseId,
    user: &UserId,
) -> String {
    match airtable
        .enterprise(enterprise)
        .user(user)
        .get()
        .send()
        .await
    {
        Ok(u) => person(&u.name, &u.email, u.id.as_str()),
        Err(_) => user.to_string(),
    }
}

/// Airtable's batch calls answer 200 and list what they refused: that is a failure, in
/// words, so the request shows as failed for a person to check rather than as done.
pub(super) fn refusal(method: &'static str, path: &'static str, message: String) -> Error {
    Error::Api(Box::new(ApiError {
        status: 422,
        kind: Some("REFUSED".into()),
        message: Some(message),
        method,
        path,
        retry_after: None,
    }))
}

/// A move's outcome in words: what went where, and Airtable's per-item refusals (which make
/// the request a failure, with what did move still said).
pub(super) fn move_outcome(
    (one, many): (&str, &str),
    target: &EnterpriseId,
    moved: Vec<String>,
    errors: &[airtable_client::models::BatchError],
    path: &'static str,
) -> Result<String, Error> {
    let done = format!(
        "Moved {} to enterprise account {target}{}",
        plural(moved.len(), one, many),
        if moved.is_empty() {
            ".".to_string()
        } else {
            format!(": {}.", moved.join(", "))
        }
    );
    if errors.is_empty() {
        Ok(done)
    } else {
        Err(refusal(
            "POST",
            path,
            format!("{done} Airtable refused: {}.", refusals(errors)),
        ))
    }
}

/// Airtable's per-item refusals as one sentence part: "usr…: User is not an admin; …".
pub(super) fn refusals(errors: &[airtable_client::models::BatchError]) -> String {
    errors
        .iter()
        .map(|e| match (e.subject(), e.message.as_deref()) {
            (Some(who), Some(why)) => format!("{who}: {why}"),
            (Some(who), None) => format!("{who}: {}", e.kind),
            (None, Some(why)) => why.to_string(),
            (None, None) => e.kind.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Carries `action` out and returns what Airtable answered, in words for the log and page.
pub async fn execute(
    airtable: &Client,
    enterprise: &EnterpriseId,
    action: &RiskyAction,
) -> Result<String, Error> {
    let ent = airtable.enterprise(enterprise);
    match action {
        RiskyAction::DeleteUser { user } => {
            let label = user_label(airtable, enterprise, user).await;
            ent.user(user).delete().await?;
            Ok(format!("User {label} deleted."))
        }
        RiskyAction::DeleteUsersByEmail { emails } => {
            let answer = ent.users().delete_by_email(emails.iter().cloned()).await?;
            let deleted: Vec<String> = answer
                .deleted_users
                .iter()
                .map(|u| person("", u.email.as_deref().unwrap_or(""), u.id.as_str()))
                .collect();
            let done = if deleted.is_empty() {
                "No user was deleted.".to_string()
            } else {
                format!(
                    "Deleted {}: {}.",
                    plural(deleted.len(), "user", "users"),
                    deleted.join(", ")
                )
            };
            if answer.errors.is_empty() {
                Ok(done)
            } else {
                Err(refusal(
                    "DELETE",
                    "/v0/meta/enterpriseAccounts/{id}/users",
                    format!(
                        "{done} Airtable refused {}: {}.",
                        plural(answer.errors.len(), "email", "emails"),
                        refusals(&answer.errors)
                    ),
                ))
            }
        }
        RiskyAction::RemoveUserFromEnterprise {
            user,
            replacement_owner,
            remove_from_descendants,
        } => {
            let label = user_label(airtable, enterprise, user).await;
            let mut call = ent.user(user).remove();
            if let Some(owner) = replacement_owner {
                call = call.replacement_owner(owner);
            }
            if *remove_from_descendants {
                call = call.remove_from_descendants();
            }
            let removed = call.send().await?;
            Ok(format!(
                "{label} removed from the enterprise: {} handed to the replacement owner; {}, {} and {} unshared.",
                plural(removed.shared.workspaces.len(), "workspace", "workspaces"),
                plural(removed.unshared.workspaces.len(), "workspace", "workspaces"),
                plural(removed.unshared.bases.len(), "base", "bases"),
                plural(removed.unshared.interfaces.len(), "interface", "interfaces")
            ))
        }
        RiskyAction::DeactivateUser { user } => {
            let label = user_label(airtable, enterprise, user).await;
            ent.user(user)
                .update()
                .state(UserState::Deactivated)
                .send()
                .await?;
            Ok(format!("User {label} deactivated."))
        }
        RiskyAction::RevokeAdminAccess { user } => {
            let label = user_label(airtable, enterprise, user).await;
            let answer = ent
                .users()
                .revoke_admin([airtable_client::models::UserRef::Id { id: user.clone() }])
                .await?;
            if answer.errors.is_empty() {
                Ok(format!("Admin access revoked for {label}."))
            } else {
                Err(refusal(
                    "POST",
                    "/v0/meta/enterpriseAccounts/{id}/users/revokeAdminAccess",
                    format!(
                        "Admin access was not revoked for {label}: {}.",
                        refusals(&answer.errors)
                    ),
                ))
            }
        }
        RiskyAction::DeleteWorkspace { workspace } => {
            let name = workspace_name(airtable, workspace)
                .await
                .unwrap_or_else(|_| workspace.to_string());
            airtable.workspace(workspace).delete().await?;
            Ok(format!("Workspace {name} deleted."))
        }
        RiskyAction::DeleteBase { base } => {
            let name = base_name(airtable, base)
                .await
                .unwrap_or_else(|_| base.to_string());
            airtable.base(base).delete().await?;
            Ok(format!("Base {name} deleted."))
        }
        RiskyAction::RemoveWorkspaceCollaborator {
            workspace,
            collaborator,
        } => {
            airtable
                .workspace(workspace)
                .remove_collaborator(collaborator_id(collaborator))
                .await?;
            Ok(format!(
                "{} removed from workspace {workspace}.",
                collaborator.as_str()
            ))
        }
        RiskyAction::RemoveBaseCollaborator { base, collaborator } => {
            airtable
                .base(base)
                .remove_collaborator(collaborator_id(collaborator))
                .await?;
            Ok(format!(
                "{} removed from base {base}.",
                collaborator.as_str()
            ))
        }
        RiskyAction::RemoveInterfaceCollaborator {
            base,
            interface,
            collaborator,
        } => {
            airtable
                .base(base)
                .interface(interface)
                .remove_collaborator(collaborator_id(collaborator))
                .await?;
            Ok(format!(
                "{} removed from interface {interface}.",
                collaborator.as_str()
            ))
        }
        RiskyAction::DeleteWorkspaceInvite { workspace, invite } => {
            airtable.workspace(workspace).delete_invite(invite).await?;
            Ok(format!("Invite link {invite} deleted."))
        }
        RiskyAction::DeleteBaseInvite { base, invite } => {
            airtable.base(base).delete_invite(invite).await?;
            Ok(format!("Invite link {invite} deleted."))
        }
        RiskyAction::DeleteInterfaceInvite {
            base,
            interface,
            invite,
        } => {
            airtable
                .base(base)
                .interface(interface)
                .delete_invite(invite)
                .await?;
            Ok(format!("Invite link {invite} deleted."))
        }
        RiskyAction::DeleteShare { base, share } => {
            airtable.base(base).share(share).delete().await?;
            Ok(format!("Share {share} deleted."))
        }
        RiskyAction::DisableShare { base, share } => {
            airtable.base(base).share(share).disable().await?;
            Ok(format!("Share {share} disabled."))
        }
        RiskyAction::EnableShare { base, share } => {
            super::reach::enable_share(airtable, base, share).await
        }
        RiskyAction::MoveBase { base, workspace } => {
            super::reach::move_base(airtable, base, workspace).await
        }
        RiskyAction::DeleteBlockInstallation { base, installation } => {
            airtable
                .base(base)
                .block_installation(installation)
                .delete()
                .await?;
            Ok(format!("Extension installation {installation} deleted."))
        }
        RiskyAction::DisableBlockInstallation { base, installation } => {
            airtable
                .base(base)
                .block_installation(installation)
                .disable()
                .await?;
            Ok(format!("Extension installation {installation} turned off."))
        }
        RiskyAction::MoveWorkspaces {
            workspaces,
            target_enterprise,
        } => {
            let answer = ent
                .move_workspaces(workspaces.clone(), target_enterprise)
                .await?;
            let moved = answer.moved_workspaces.iter().map(|w| w.id.to_string());
            move_outcome(
                ("workspace", "workspaces"),
                target_enterprise,
                moved.collect(),
                &answer.errors,
                "/v0/meta/enterpriseAccounts/{id}/moveWorkspaces",
            )
        }
        RiskyAction::MoveGroups {
            groups,
            target_enterprise,
        } => {
            let answer = ent.move_groups(groups.clone(), target_enterprise).await?;
            let moved = answer.moved_groups.iter().map(|g| g.id.to_string());
            move_outcome(
                ("group", "groups"),
                target_enterprise,
                moved.collect(),
                &answer.errors,
                "/v0/meta/enterpriseAccounts/{id}/moveGroups",
            )
        }
        RiskyAction::RemoveGroupMember { group, user } => {
            let who = user_label(airtable, enterprise, user).await;
            airtable
                .scim()
                .group(group)
                .patch(vec![airtable_client::models::ScimPatchOp {
                    op: "remove".into(),
                    path: Some(format!("members[value eq \"{user}\"]")),
                    value: None,
                }])
                .await?;
            Ok(format!("{who} is no longer a member of group {group}."))
        }
        RiskyAction::DeleteGroup { group } => {
            let name = found(airtable.group(group).get().send().await)?
                .map_or_else(|| group.to_string(), |g| named(&g.name, g.id.as_str()));
            airtable.scim().group(group).delete().await?;
            Ok(format!("Group {name} deleted."))
        }
        RiskyAction::RevokePersonalAccessTokens { tokens } => {
            let answer = ent.revoke_personal_access_tokens(tokens.clone()).await?;
            let revoked: Vec<String> = answer
                .revoked_tokens
                .iter()
                .map(|t| t.id.to_string())
                .collect();
            let done = format!(
                "Revoked {}{}",
                plural(
                    revoked.len(),
                    "personal access token",
                    "personal access tokens"
                ),
                if revoked.is_empty() {
                    ".".to_string()
                } else {
                    format!(": {}.", revoked.join(", "))
                }
            );
            if answer.errors.is_empty() {
                Ok(done)
            } else {
                Err(refusal(
                    "POST",
                    "/v0/meta/enterpriseAccounts/{id}/personalAccessTokens/revoke",
                    format!("{done} Airtable refused: {}.", refusals(&answer.errors)),
                ))
            }
        }
        RiskyAction::GrantAdminAccess { user } => {
            let label = user_label(airtable, enterprise, user).await;
            let answer = ent
                .users()
                .grant_admin([airtable_client::models::UserRef::Id { id: user.clone() }])
                .await?;
            if answer.errors.is_empty() {
                Ok(format!("{label} is now an Airtable enterprise admin."))
            } else {
                Err(refusal(
                    "POST",
                    "/v0/meta/enterpriseAccounts/{id}/users/grantAdminAccess",
                    format!(
                        "Admin access was not granted to {label}: {}.",
                        refusals(&answer.errors)
                    ),
                ))
            }
        }
        // Carried out by `controls::execute`, in the console's database.
        RiskyAction::ExemptFromApproval { .. } | RiskyAction::GrantConsoleRole { .. } => {
            Ok("Nothing changes in Airtable: this is one of the console's own controls.".into())
        }
    }
}

pub(super) fn collaborator_id(
    collaborator: &console_types::approvals::Collaborator,
) -> airtable_client::ids::CollaboratorId {
    match collaborator {
        console_types::approvals::Collaborator::User(id) => id.clone().into(),
        console_types::approvals::Collaborator::Group(id) => id.clone().into(),
    }
}
