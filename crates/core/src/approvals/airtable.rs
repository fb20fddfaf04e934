//! What a risky action would touch (the preview), read through the client: this module
//! picks the preview for each kind; the previews themselves are in `preview_places`
//! (workspaces, bases), `preview_people` (users), `reach` (moves and shares) and below
//! (groups, shares, extensions, moves between accounts, tokens). Carrying an action out is
//! in `execute`.
//!
//! A preview shows the approver everything the action removes or leaves without an owner,
//! read live from Airtable the way the object's own page reads it (so the counts match what
//! people see there), with names beside IDs. It also says, before anyone approves, when
//! Airtable would refuse the call ([`Preview::refused`]): the request is then refused at
//! once, in words, with what can be done instead.

use airtable_client::{
    ids::{EnterpriseId, GroupId},
    Client, Error,
};
use console_types::approvals::{Preview, RiskyAction};

// The small readers and word-makers every preview shares.
use super::preview_people::*;
use super::preview_places::*;
use super::reading::*;

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
                user_preview_for(airtable, enterprise, user, Some(action)).await
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
                let mut preview = user_preview_for(airtable, enterprise, user, Some(action)).await?;
                // Airtable's dry run would only repeat the refusal, in its own words.
                if preview.refused.is_some() {
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
                        .map(|w| named(&w.workspace_name, w.workspace_id.as_str()))
                        .collect(),
                ));
                preview.lists.push(list(
                    "Workspaces unshared",
                    removed
                        .unshared
                        .workspaces
                        .iter()
                        .map(|w| named(&w.workspace_name, w.workspace_id.as_str()))
                        .collect(),
                ));
                preview.lists.push(list(
                    "Bases unshared",
                    removed
                        .unshared
                        .bases
                        .iter()
                        .map(|b| named(&b.base_name, b.base_id.as_str()))
                        .collect(),
                ));
                preview.lists.push(list(
                    "Interfaces unshared",
                    removed
                        .unshared
                        .interfaces
                        .iter()
                        .map(|i| named(&i.interface_name, i.interface_id.as_str()))
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
                let domains = email_domains(airtable, enterprise).await?;
                let external: Vec<String> = users
                    .iter()
                    .filter(|u| outside_domain(&u.email, &domains).is_some())
                    .map(|u| person(&u.name, &u.email, u.id.as_str()))
                    .collect();
                let found: Vec<String> = users
                    .iter()
                    .map(|u| {
                        format!(
                            "{}: {}",
                            person(&u.name, &u.email, u.id.as_str()),
                            state_word(&u.state)
                        )
                    })
                    .collect();
                let missing: Vec<String> = emails
                    .iter()
                    .filter(|e| !users.iter().any(|u| u.email.eq_ignore_ascii_case(e)))
                    .cloned()
                    .collect();
                // Only external people named: nothing Airtable would do.
                let refused = (!users.is_empty() && external.len() == users.len()).then(|| {
                    format!(
                        "Airtable deletes only users on the enterprise's email domains ({}); {} outside them. What can be done: {EXTERNAL_CAN}.",
                        domains.join(", "),
                        if external.len() == 1 { "this one is" } else { "these are all" }
                    )
                });
                Ok(Preview {
                    target_exists: !users.is_empty(),
                    facts: vec![fact("Users found", users.len().to_string())],
                    lists: vec![
                        list("Users to delete", found),
                        list("Emails without a user", missing),
                        list(
                            "Outside the enterprise's email domains (Airtable will refuse these)",
                            external,
                        ),
                    ],
                    refused,
                })
            }
            RiskyAction::DeleteWorkspace { workspace }
            | RiskyAction::RemoveWorkspaceCollaborator { workspace, .. }
            | RiskyAction::DeleteWorkspaceInvite { workspace, .. } => {
                workspace_preview(airtable, enterprise, action, workspace).await
            }
            RiskyAction::DeleteBase { base }
            | RiskyAction::RemoveBaseCollaborator { base, .. }
            | RiskyAction::RemoveInterfaceCollaborator { base, .. }
            | RiskyAction::DeleteBaseInvite { base, .. }
            | RiskyAction::DeleteInterfaceInvite { base, .. } => {
                base_preview(airtable, enterprise, action, base).await
            }
            RiskyAction::DeleteShare { base, share }
            | RiskyAction::DisableShare { base, share } => {
                let shares = airtable.base(base).shares().await?;
                let Some(s) = shares.iter().find(|s| &s.share_id == share) else {
                    return Ok(missing());
                };
                let people =
                    People::read(airtable, enterprise, vec![s.created_by_user_id.clone()]).await;
                Ok(Preview {
                    target_exists: true,
                    facts: vec![
                        fact("Base", base_name(airtable, base).await?),
                        fact("Share", s.share_id.to_string()),
                        fact("Kind", s.kind.as_str()),
                        fact("State", s.state.as_str()),
                        fact("Created by", people.label(&s.created_by_user_id, "")),
                        fact("Password protected", yes_no(Some(s.is_password_protected))),
                        fact(
                            "Email domains",
                            if s.restricted_to_email_domains.is_empty() {
                                "any".to_string()
                            } else {
                                s.restricted_to_email_domains.join(", ")
                            },
                        ),
                    ],
                    lists: Vec::new(),
                    refused: None,
                })
            }
            RiskyAction::EnableShare { base, share } => {
                super::reach::enable_share_preview(airtable, enterprise, base, share).await
            }
            RiskyAction::MoveBase { base, workspace } => {
                super::reach::move_base_preview(airtable, enterprise, base, workspace).await
            }
            RiskyAction::DeleteBlockInstallation { base, installation }
            | RiskyAction::DisableBlockInstallation { base, installation } => {
                let installed = airtable.base(base).block_installations().await?;
                let Some(x) = installed.iter().find(|b| &b.id == installation) else {
                    return Ok(missing());
                };
                let people =
                    People::read(airtable, enterprise, vec![x.created_by_user_id.clone()]).await;
                Ok(Preview {
                    target_exists: true,
                    facts: vec![
                        fact("Base", base_name(airtable, base).await?),
                        fact(
                            "Extension",
                            format!(
                                "{} ({})",
                                x.block_slug.as_deref().unwrap_or("extension"),
                                x.block_id
                            ),
                        ),
                        fact("State", x.state.as_str()),
                        fact("Installed by", people.label(&x.created_by_user_id, "")),
                    ],
                    lists: Vec::new(),
                    refused: None,
                })
            }
            RiskyAction::MoveWorkspaces {
                workspaces,
                target_enterprise,
            } => {
                let names = each(workspaces.clone(), |workspace| async move {
                    Ok(match found(airtable.workspace(&workspace).get().send().await)? {
                        Some(w) => format!(
                            "{}: {}",
                            named(&w.name, w.id.as_str()),
                            plural(w.base_ids.len(), "base", "bases")
                        ),
                        None => format!("{workspace} (not found)"),
                    })
                })
                .await?;
                Ok(Preview {
                    target_exists: names.iter().any(|n| !n.ends_with("(not found)")),
                    facts: vec![fact("To enterprise account", target_enterprise.to_string())],
                    lists: vec![list("Workspaces", names)],
                    refused: None,
                })
            }
            RiskyAction::MoveGroups {
                groups,
                target_enterprise,
            } => {
                let names = each(groups.clone(), |group| async move {
                    Ok(match found(airtable.group(&group).get().send().await)? {
                        Some(g) => format!(
                            "{}: {}",
                            named(&g.name, g.id.as_str()),
                            plural(g.members.len(), "member", "members")
                        ),
                        None => format!("{group} (not found)"),
                    })
                })
                .await?;
                Ok(Preview {
                    target_exists: names.iter().any(|n| !n.ends_with("(not found)")),
                    facts: vec![fact("To enterprise account", target_enterprise.to_string())],
                    lists: vec![list("Groups", names)],
                    refused: None,
                })
            }
            RiskyAction::RemoveGroupMember { group, .. } | RiskyAction::DeleteGroup { group } => {
                group_preview(airtable, action, group).await
            }
            RiskyAction::RevokePersonalAccessTokens { tokens } => {
                let all = airtable
                    .enterprise(enterprise)
                    .personal_access_tokens()
                    .send()
                    .await?;
                let chosen: Vec<_> = all.iter().filter(|t| tokens.contains(&t.id)).collect();
                let people = People::read(
                    airtable,
                    enterprise,
                    chosen.iter().map(|t| t.user_id.clone()).collect(),
                )
                .await;
                let found: Vec<String> = chosen
                    .iter()
                    .map(|t| {
                        format!(
                            "{} ({}, {}, owned by {})",
                            t.name,
                            t.id,
                            t.state,
                            people.label(&t.user_id, "")
                        )
                    })
                    .collect();
                Ok(Preview {
                    target_exists: !found.is_empty(),
                    facts: vec![fact("Tokens found", found.len().to_string())],
                    lists: vec![list("Tokens", found)],
                    refused: None,
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

/// A group, its members and where it has access; for a member's removal, that member.
async fn group_preview(
    airtable: &Client,
    action: &RiskyAction,
    group: &GroupId,
) -> Result<Preview, Error> {
    let g = airtable
        .group(group)
        .get()
        .include_collaborations()
        .send()
        .await?;
    let members: Vec<String> = g
        .members
        .iter()
        .map(|m| {
            let name = [m.first_name.as_deref(), m.last_name.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            person(&name, &m.email, m.user_id.as_str())
        })
        .collect();
    let reach: Vec<String> = g
        .collaborations
        .as_ref()
        .map(|c| {
            c.workspace_collaborations
                .iter()
                .map(|w| {
                    format!(
                        "workspace {} ({})",
                        w.workspace_id,
                        w.permission_level.as_str()
                    )
                })
                .chain(
                    c.base_collaborations
                        .iter()
                        .map(|b| format!("base {} ({})", b.base_id, b.permission_level.as_str())),
                )
                .chain(c.interface_collaborations.iter().map(|i| {
                    format!(
                        "interface {} ({})",
                        i.interface_id,
                        i.permission_level.as_str()
                    )
                }))
                .collect()
        })
        .unwrap_or_default();
    let mut facts = vec![
        fact("Group", named(&g.name, g.id.as_str())),
        fact("Members", g.members.len().to_string()),
        fact("Where it has access", reach.len().to_string()),
    ];
    let mut target_exists = true;
    if let RiskyAction::RemoveGroupMember { user, .. } = action {
        let member = g.members.iter().find(|m| &m.user_id == user);
        target_exists = member.is_some();
        facts.push(fact(
            "Removes",
            member.map_or_else(
                || format!("{user} (not a member)"),
                |_| {
                    members
                        .iter()
                        .find(|m| m.contains(user.as_str()))
                        .cloned()
                        .unwrap_or_else(|| user.to_string())
                },
            ),
        ));
    }
    Ok(Preview {
        target_exists,
        facts,
        lists: vec![
            list(
                "Members (each loses this access if the group is deleted)",
                members,
            ),
            list("Where the group has access", reach),
        ],
        refused: None,
    })
}
