//! What a risky action would touch (the preview) and carrying it out, through the client.

use airtable_client::{ids::EnterpriseId, models::UserState, Client, Error};
use console_app::approvals::{Preview, PreviewList, RiskyAction};

/// Whether an error means the thing is not there. Airtable answers 403
/// `INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND` for a missing model as often as 404.
fn is_missing(error: &Error) -> bool {
    error.is_not_found() || error.airtable_type() == Some("INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND")
}

fn missing() -> Preview {
    Preview {
        target_exists: false,
        ..Preview::default()
    }
}

fn list(title: &str, mut items: Vec<String>) -> PreviewList {
    items.sort();
    PreviewList {
        title: title.to_string(),
        items,
    }
}

fn yes_no(value: Option<bool>) -> String {
    if value.unwrap_or(false) { "yes" } else { "no" }.to_string()
}

/// Looks up what `action` would touch, now.
pub async fn preview(
    airtable: &Client,
    enterprise: &EnterpriseId,
    action: &RiskyAction,
) -> Result<Preview, Error> {
    // An inner block, so that `?` below lands in `result` and a missing target is
    // reported as such rather than as an error.
    let result: Result<Preview, Error> = async {
        match action {
            RiskyAction::DeleteUser { user }
            | RiskyAction::DeactivateUser { user }
            | RiskyAction::RevokeAdminAccess { user }
            | RiskyAction::GrantAdminAccess { user } => {
                user_preview(airtable, enterprise, user).await
            }
            // The console's own controls change nothing in Airtable; `controls::preview`
            // describes them (and looks the person up) instead.
            RiskyAction::ExemptFromApproval { .. } | RiskyAction::GrantConsoleRole { .. } => {
                Ok(Preview {
                    target_exists: true,
                    ..Preview::default()
                })
            }
            RiskyAction::RemoveUserFromEnterprise {
                user,
                replacement_owner,
                remove_from_descendants,
            } => {
                let mut preview = user_preview(airtable, enterprise, user).await?;
                if !preview.target_exists {
                    return Ok(preview);
                }
                // Airtable's own dry run says what would be unshared and handed over.
                let mut dry_run = airtable
                    .enterprise(enterprise)
                    .user(user)
                    .remove()
                    .dry_run();
                if let Some(owner) = replacement_owner {
                    dry_run = dry_run.replacement_owner(owner);
                }
                if *remove_from_descendants {
                    dry_run = dry_run.remove_from_descendants();
                }
                let removed = dry_run.send().await?;
                preview.facts.push((
                    "Loses admin access".into(),
                    yes_no(Some(removed.was_user_removed_as_admin)),
                ));
                preview.lists.push(list(
                    "Workspaces handed to the replacement owner",
                    removed
                        .shared
                        .workspaces
                        .iter()
                        .map(|w| format!("{} ({})", w.workspace_name, w.workspace_id))
                        .collect(),
                ));
                preview.lists.push(list(
                    "Workspaces unshared",
                    removed
                        .unshared
                        .workspaces
                        .iter()
                        .map(|w| format!("{} ({})", w.workspace_name, w.workspace_id))
                        .collect(),
                ));
                preview.lists.push(list(
                    "Bases unshared",
                    removed
                        .unshared
                        .bases
                        .iter()
                        .map(|b| format!("{} ({})", b.base_name, b.base_id))
                        .collect(),
                ));
                preview.lists.push(list(
                    "Interfaces unshared",
                    removed
                        .unshared
                        .interfaces
                        .iter()
                        .map(|i| format!("{} ({})", i.interface_name, i.interface_id))
                        .collect(),
                ));
                Ok(preview)
            }
            RiskyAction::DeleteUsersByEmail { emails } => {
                let users = airtable
                    .enterprise(enterprise)
                    .users()
                    .by_emails(emails.iter().cloned())
                    .send()
                    .await?;
                let found: Vec<String> = users
                    .iter()
                    .map(|u| format!("{} ({}, {})", u.email, u.id, state_word(&u.state)))
                    .collect();
                let missing: Vec<String> = emails
                    .iter()
                    .filter(|e| !users.iter().any(|u| u.email.eq_ignore_ascii_case(e)))
                    .cloned()
                    .collect();
                Ok(Preview {
                    target_exists: !users.is_empty(),
                    facts: vec![("Users found".into(), users.len().to_string())],
                    lists: vec![
                        list("Users to delete", found),
                        list("Emails without a user", missing),
                    ],
                })
            }
            RiskyAction::DeleteWorkspace { workspace }
            | RiskyAction::RemoveWorkspaceCollaborator { workspace, .. }
            | RiskyAction::DeleteWorkspaceInvite { workspace, .. } => {
                let found = airtable
                    .workspace(workspace)
                    .get()
                    .include_collaborators()
                    .include_invite_links()
                    .send()
                    .await?;
                let mut people = Vec::new();
                if let Some(set) = &found.individual_collaborators {
                    people.extend(
                        set.workspace_collaborators
                            .iter()
                            .map(|c| format!("{} ({})", c.email, c.permission_level.as_str())),
                    );
                }
                if let Some(set) = &found.group_collaborators {
                    people.extend(
                        set.workspace_collaborators
                            .iter()
                            .map(|c| format!("group {} ({})", c.name, c.permission_level.as_str())),
                    );
                }
                let invites: Vec<String> = found
                    .invite_links
                    .iter()
                    .flat_map(|l| l.workspace_invite_links.iter())
                    .map(|l| l.id.to_string())
                    .collect();
                let item_exists = match action {
                    RiskyAction::RemoveWorkspaceCollaborator { collaborator, .. } => {
                        let id = collaborator.as_str();
                        found.individual_collaborators.iter().any(|s| {
                            s.workspace_collaborators
                                .iter()
                                .any(|c| c.user_id.as_str() == id)
                        }) || found.group_collaborators.iter().any(|s| {
                            s.workspace_collaborators
                                .iter()
                                .any(|c| c.group_id.as_str() == id)
                        })
                    }
                    RiskyAction::DeleteWorkspaceInvite { invite, .. } => {
                        invites.iter().any(|i| i == invite.as_str())
                    }
                    _ => true,
                };
                Ok(Preview {
                    target_exists: item_exists,
                    facts: vec![
                        ("Workspace".into(), format!("{} ({})", found.name, found.id)),
                        ("Bases".into(), found.base_ids.len().to_string()),
                    ],
                    lists: vec![
                        list(
                            "Bases",
                            found.base_ids.iter().map(|b| b.to_string()).collect(),
                        ),
                        list("Collaborators", people),
                        list("Invite links", invites),
                    ],
                })
            }
            RiskyAction::DeleteBase { base }
            | RiskyAction::RemoveBaseCollaborator { base, .. }
            | RiskyAction::RemoveInterfaceCollaborator { base, .. }
            | RiskyAction::DeleteBaseInvite { base, .. }
            | RiskyAction::DeleteInterfaceInvite { base, .. } => {
                let found = airtable
                    .base(base)
                    .get()
                    .include_collaborators()
                    .include_invite_links()
                    .include_interfaces()
                    .send()
                    .await?;
                let mut people = Vec::new();
                if let Some(set) = &found.individual_collaborators {
                    people.extend(
                        set.base_collaborators
                            .iter()
                            .map(|c| format!("{} ({})", c.email, c.permission_level.as_str())),
                    );
                }
                if let Some(set) = &found.group_collaborators {
                    people.extend(
                        set.base_collaborators
                            .iter()
                            .map(|c| format!("group {} ({})", c.name, c.permission_level.as_str())),
                    );
                }
                let invites: Vec<String> = found
                    .invite_links
                    .iter()
                    .flat_map(|l| l.base_invite_links.iter())
                    .map(|l| l.id.to_string())
                    .collect();
                let interfaces: Vec<String> = found
                    .interfaces
                    .iter()
                    .flat_map(|m| m.keys())
                    .map(|id| id.to_string())
                    .collect();
                let item_exists = match action {
                    RiskyAction::RemoveBaseCollaborator { collaborator, .. } => {
                        let id = collaborator.as_str();
                        found.individual_collaborators.iter().any(|s| {
                            s.base_collaborators
                                .iter()
                                .any(|c| c.user_id.as_str() == id)
                        }) || found.group_collaborators.iter().any(|s| {
                            s.base_collaborators
                                .iter()
                                .any(|c| c.group_id.as_str() == id)
                        })
                    }
                    RiskyAction::DeleteBaseInvite { invite, .. } => {
                        invites.iter().any(|i| i == invite.as_str())
                    }
                    RiskyAction::RemoveInterfaceCollaborator { interface, .. }
                    | RiskyAction::DeleteInterfaceInvite { interface, .. } => {
                        interfaces.iter().any(|i| i == interface.as_str())
                    }
                    _ => true,
                };
                Ok(Preview {
                    target_exists: item_exists,
                    facts: vec![
                        ("Base".into(), format!("{} ({})", found.name, found.id)),
                        ("Workspace".into(), found.workspace_id.to_string()),
                    ],
                    lists: vec![
                        list("Collaborators", people),
                        list("Invite links", invites),
                        list("Interfaces", interfaces),
                    ],
                })
            }
            RiskyAction::DeleteShare { base, share }
            | RiskyAction::DisableShare { base, share } => {
                let shares = airtable.base(base).shares().await?;
                let found = shares.iter().find(|s| &s.share_id == share);
                Ok(Preview {
                    target_exists: found.is_some(),
                    facts: found
                        .map(|s| {
                            vec![
                                ("Share".into(), s.share_id.to_string()),
                                ("State".into(), format!("{:?}", s.state).to_lowercase()),
                                ("Created by".into(), s.created_by_user_id.to_string()),
                                (
                                    "Password protected".into(),
                                    yes_no(Some(s.is_password_protected)),
                                ),
                            ]
                        })
                        .unwrap_or_default(),
                    lists: Vec::new(),
                })
            }
            RiskyAction::DeleteBlockInstallation { base, installation }
            | RiskyAction::DisableBlockInstallation { base, installation } => {
                let installed = airtable.base(base).block_installations().await?;
                let found = installed.iter().find(|b| &b.id == installation);
                Ok(Preview {
                    target_exists: found.is_some(),
                    facts: found
                        .map(|b| {
                            vec![
                                ("Extension".into(), b.block_id.to_string()),
                                ("State".into(), format!("{:?}", b.state).to_lowercase()),
                                ("Installed by".into(), b.created_by_user_id.to_string()),
                            ]
                        })
                        .unwrap_or_default(),
                    lists: Vec::new(),
                })
            }
            RiskyAction::MoveWorkspaces {
                workspaces,
                target_enterprise,
            } => {
                let mut names = Vec::new();
                for workspace in workspaces {
                    match airtable.workspace(workspace).get().send().await {
                        Ok(w) => {
                            names.push(format!("{} ({}, {} bases)", w.name, w.id, w.base_ids.len()))
                        }
                        Err(e) if is_missing(&e) => names.push(format!("{workspace} (not found)")),
                        Err(e) => return Err(e),
                    }
                }
                Ok(Preview {
                    target_exists: names.iter().any(|n| !n.ends_with("(not found)")),
                    facts: vec![(
                        "To enterprise account".into(),
                        target_enterprise.to_string(),
                    )],
                    lists: vec![list("Workspaces", names)],
                })
            }
            RiskyAction::MoveGroups {
                groups,
                target_enterprise,
            } => {
                let mut names = Vec::new();
                for group in groups {
                    match airtable.group(group).get().send().await {
                        Ok(g) => names.push(format!(
                            "{} ({}, {} members)",
                            g.name,
                            g.id,
                            g.members.len()
                        )),
                        Err(e) if is_missing(&e) => names.push(format!("{group} (not found)")),
                        Err(e) => return Err(e),
                    }
                }
                Ok(Preview {
                    target_exists: names.iter().any(|n| !n.ends_with("(not found)")),
                    facts: vec![(
                        "To enterprise account".into(),
                        target_enterprise.to_string(),
                    )],
                    lists: vec![list("Groups", names)],
                })
            }
            RiskyAction::RevokePersonalAccessTokens { tokens } => {
                let all = airtable
                    .enterprise(enterprise)
                    .personal_access_tokens()
                    .send()
                    .await?;
                let found: Vec<String> = all
                    .iter()
                    .filter(|t| tokens.contains(&t.id))
                    .map(|t| format!("{} ({}, {})", t.name, t.id, t.state))
                    .collect();
                Ok(Preview {
                    target_exists: !found.is_empty(),
                    facts: vec![("Tokens found".into(), found.len().to_string())],
                    lists: vec![list("Tokens", found)],
                })
            }
        }
    }
    .await;
    match result {
        Err(e) if is_missing(&e) => Ok(missing()),
        other => other,
    }
}

fn state_word(state: &UserState) -> String {
    format!("{state:?}").to_lowercase()
}

pub(super) async fn user_preview(
    airtable: &Client,
    enterprise: &EnterpriseId,
    user: &airtable_client::ids::UserId,
) -> Result<Preview, Error> {
    let found = airtable
        .enterprise(enterprise)
        .user(user)
        .get()
        .include_collaborations()
        .send()
        .await?;
    let collaborations = found.collaborations.clone().unwrap_or_default();
    Ok(Preview {
        target_exists: true,
        facts: vec![
            (
                "User".into(),
                format!("{} <{}> ({})", found.name, found.email, found.id),
            ),
            ("State".into(), state_word(&found.state)),
            ("Admin".into(), yes_no(found.is_admin)),
            ("Super admin".into(), yes_no(found.is_super_admin)),
            ("Managed".into(), yes_no(found.is_managed)),
        ],
        lists: vec![
            list(
                "Groups",
                found
                    .groups
                    .iter()
                    .flatten()
                    .map(|g| g.id.to_string())
                    .collect(),
            ),
            list(
                "Workspace access",
                collaborations
                    .workspace_collaborations
                    .iter()
                    .map(|c| format!("{} ({})", c.workspace_id, c.permission_level.as_str()))
                    .collect(),
            ),
            list(
                "Base access",
                collaborations
                    .base_collaborations
                    .iter()
                    .map(|c| format!("{} ({})", c.base_id, c.permission_level.as_str()))
                    .collect(),
            ),
            list(
                "Interface access",
                collaborations
                    .interface_collaborations
                    .iter()
                    .map(|c| format!("{} ({})", c.interface_id, c.permission_level.as_str()))
                    .collect(),
            ),
        ],
    })
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
            ent.user(user).delete().await?;
            Ok(format!("User {user} deleted."))
        }
        RiskyAction::DeleteUsersByEmail { emails } => {
            let answer = ent.users().delete_by_email(emails.iter().cloned()).await?;
            Ok(serde_json::to_string(&answer).unwrap_or_else(|_| "Deleted.".into()))
        }
        RiskyAction::RemoveUserFromEnterprise {
            user,
            replacement_owner,
            remove_from_descendants,
        } => {
            let mut call = ent.user(user).remove();
            if let Some(owner) = replacement_owner {
                call = call.replacement_owner(owner);
            }
            if *remove_from_descendants {
                call = call.remove_from_descendants();
            }
            let removed = call.send().await?;
            Ok(format!(
                "User {user} removed: {} workspaces handed over, {} workspaces, {} bases and {} interfaces unshared.",
                removed.shared.workspaces.len(),
                removed.unshared.workspaces.len(),
                removed.unshared.bases.len(),
                removed.unshared.interfaces.len()
            ))
        }
        RiskyAction::DeactivateUser { user } => {
            ent.user(user)
                .update()
                .state(UserState::Deactivated)
                .send()
                .await?;
            Ok(format!("User {user} deactivated."))
        }
        RiskyAction::RevokeAdminAccess { user } => {
            let answer = ent
                .users()
                .revoke_admin([airtable_client::models::UserRef::Id { id: user.clone() }])
                .await?;
            Ok(serde_json::to_string(&answer).unwrap_or_else(|_| "Admin access revoked.".into()))
        }
        RiskyAction::DeleteWorkspace { workspace } => {
            airtable.workspace(workspace).delete().await?;
            Ok(format!("Workspace {workspace} deleted."))
        }
        RiskyAction::DeleteBase { base } => {
            airtable.base(base).delete().await?;
            Ok(format!("Base {base} deleted."))
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
            Ok(serde_json::to_string(&answer).unwrap_or_else(|_| "Moved.".into()))
        }
        RiskyAction::MoveGroups {
            groups,
            target_enterprise,
        } => {
            let answer = ent.move_groups(groups.clone(), target_enterprise).await?;
            Ok(serde_json::to_string(&answer).unwrap_or_else(|_| "Moved.".into()))
        }
        RiskyAction::RevokePersonalAccessTokens { tokens } => {
            let answer = ent.revoke_personal_access_tokens(tokens.clone()).await?;
            Ok(serde_json::to_string(&answer).unwrap_or_else(|_| "Revoked.".into()))
        }
        RiskyAction::GrantAdminAccess { user } => {
            let answer = ent
                .users()
                .grant_admin([airtable_client::models::UserRef::Id { id: user.clone() }])
                .await?;
            Ok(serde_json::to_string(&answer).unwrap_or_else(|_| "Admin access granted.".into()))
        }
        // Carried out by `controls::execute`, in the console's database.
        RiskyAction::ExemptFromApproval { .. } | RiskyAction::GrantConsoleRole { .. } => {
            Ok("Nothing changes in Airtable: this is one of the console's own controls.".into())
        }
    }
}

fn collaborator_id(
    collaborator: &console_app::approvals::Collaborator,
) -> airtable_client::ids::CollaboratorId {
    match collaborator {
        console_app::approvals::Collaborator::User(id) => id.clone().into(),
        console_app::approvals::Collaborator::Group(id) => id.clone().into(),
    }
}
