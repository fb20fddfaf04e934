//! What a risky action would touch (the preview) and carrying it out, through the client.
//!
//! A preview shows the approver everything the action removes or leaves without an owner,
//! read live from Airtable the way the object's own page reads it (so the counts match what
//! people see there), with names beside IDs. It also says, before anyone approves, when
//! Airtable would refuse the call ([`Preview::refused`]): the request is then refused at
//! once, in words, with what can be done instead.

use std::collections::{BTreeMap, HashMap};

use airtable_client::{
    ids::{BaseId, EnterpriseId, GroupId, UserId, WorkspaceId},
    models::{Base, GroupCollaborator, InviteLink, User, UserState, Workspace},
    ApiError, Client, Error,
};
use console_app::approvals::{Preview, RiskyAction};

// The small readers and word-makers every preview shares.
use super::reading::*;

/// A base and everything in it, for deleting it or any smaller action on it.
async fn base_preview(
    airtable: &Client,
    enterprise: &EnterpriseId,
    action: &RiskyAction,
    id: &BaseId,
) -> Result<Preview, Error> {
    let view = BaseView::read(airtable, id).await?;
    let b = &view.base;
    let workspace = workspace_name(airtable, &b.workspace_id).await?;
    let people = People::read(airtable, enterprise, view.user_ids()).await;
    let groups = read_groups(airtable, view.group_ids()).await?;
    let interface_name = |i: &airtable_client::models::Interface| named(&i.name, i.id.as_str());

    let item_exists = match action {
        RiskyAction::RemoveBaseCollaborator { collaborator, .. } => {
            collaborator_is(collaborator, view.users(true), view.groups(true))
        }
        RiskyAction::DeleteBaseInvite { invite, .. } => {
            view.base_invites().iter().any(|i| &i.id == invite)
        }
        RiskyAction::RemoveInterfaceCollaborator {
            interface,
            collaborator,
            ..
        } => view.interfaces().any(|i| {
            &i.id == interface
                && collaborator_is(
                    collaborator,
                    &i.individual_collaborators,
                    &i.group_collaborators,
                )
        }),
        RiskyAction::DeleteInterfaceInvite {
            interface, invite, ..
        } => view
            .interfaces()
            .any(|i| &i.id == interface && i.invite_links.iter().any(|l| &l.id == invite)),
        _ => true,
    };

    let mut facts = vec![
        fact("Base", named(&b.name, b.id.as_str())),
        fact("Workspace", workspace),
    ];
    // What this particular action removes, named, before the whole base is described.
    match action {
        RiskyAction::RemoveBaseCollaborator { collaborator, .. } => {
            if let Some(line) = removed_line(
                collaborator,
                view.users(true),
                view.groups(true),
                &people,
                &groups,
            ) {
                facts.push(fact("Removes", line));
            }
        }
        RiskyAction::RemoveInterfaceCollaborator {
            interface,
            collaborator,
            ..
        } => {
            if let Some(i) = view.interfaces().find(|i| &i.id == interface) {
                facts.push(fact("Interface", interface_name(i)));
                if let Some(line) = removed_line(
                    collaborator,
                    &i.individual_collaborators,
                    &i.group_collaborators,
                    &people,
                    &groups,
                ) {
                    facts.push(fact("Removes", line));
                }
            }
        }
        RiskyAction::DeleteBaseInvite { invite, .. } => {
            if let Some(i) = view.base_invites().iter().find(|i| &i.id == invite) {
                facts.push(fact("Deletes invite link", invite_label(i)));
            }
        }
        RiskyAction::DeleteInterfaceInvite {
            interface, invite, ..
        } => {
            if let Some(i) = view.interfaces().find(|i| &i.id == interface) {
                facts.push(fact("Interface", interface_name(i)));
                if let Some(l) = i.invite_links.iter().find(|l| &l.id == invite) {
                    facts.push(fact("Deletes invite link", invite_label(l)));
                }
            }
        }
        _ => {}
    }
    facts.extend([
        fact("Collaborators", view.collaborator_count().to_string()),
        fact("Shares", view.shares.len().to_string()),
        fact(
            "Invite links",
            (view.base_invites().len() + view.workspace_invites().len()).to_string(),
        ),
        fact("Interfaces", view.interfaces().count().to_string()),
        fact(
            "Interface invite links",
            view.interface_invite_count().to_string(),
        ),
        fact("Extensions", view.extensions.len().to_string()),
    ]);
    if matches!(action, RiskyAction::DeleteBase { .. }) {
        facts.push(fact(
            "Once deleted",
            "the base, its data, interfaces, shares, invite links and extensions are gone; \
             everyone listed here loses access to it (access to the workspace's other bases stays)",
        ));
    }

    let group_refs: Vec<&GroupCollaborator> =
        view.groups(true).iter().chain(view.groups(false)).collect();
    let mut interface_access = Vec::new();
    let mut interface_invites = Vec::new();
    let mut interfaces = Vec::new();
    for i in view.interfaces() {
        let name = interface_name(i);
        interfaces.push(format!(
            "{name}: {}, {}",
            plural(
                i.individual_collaborators.len() + i.group_collaborators.len(),
                "person or group",
                "people or groups"
            ),
            plural(i.invite_links.len(), "invite link", "invite links")
        ));
        interface_access.extend(
            i.individual_collaborators
                .iter()
                .map(|c| format!("{} on {name}", people.user(c))),
        );
        interface_access.extend(
            i.group_collaborators
                .iter()
                .map(|c| format!("{} on {name}", group_label(&groups, c))),
        );
        interface_invites.extend(
            i.invite_links
                .iter()
                .map(|l| format!("{} to {name}", invite_label(l))),
        );
    }
    Ok(Preview {
        target_exists: item_exists,
        facts,
        lists: vec![
            list(
                "People given access to the base",
                view.users(true).iter().map(|c| people.user(c)).collect(),
            ),
            list(
                "Groups given access to the base",
                view.groups(true)
                    .iter()
                    .map(|c| group_label(&groups, c))
                    .collect(),
            ),
            list(
                "People with access through the workspace",
                view.users(false).iter().map(|c| people.user(c)).collect(),
            ),
            list(
                "Groups with access through the workspace",
                view.groups(false)
                    .iter()
                    .map(|c| group_label(&groups, c))
                    .collect(),
            ),
            list(
                "People with access through those groups",
                members_through(&groups, &group_refs),
            ),
            list("Shares", view.shares.iter().map(share_label).collect()),
            list(
                "Invite links to the base",
                view.base_invites().iter().map(invite_label).collect(),
            ),
            list(
                "Invite links to its workspace",
                view.workspace_invites().iter().map(invite_label).collect(),
            ),
            list("Interfaces", interfaces),
            list("Access to its interfaces", interface_access),
            list("Invite links to its interfaces", interface_invites),
            list(
                "Extensions",
                view.extensions.iter().map(extension_label).collect(),
            ),
        ],
        refused: None,
    })
}

/// A workspace: its bases (with what each holds, when it is deleted), its collaborators
/// (on the workspace and on its bases) and its invite links, as the workspace page shows.
async fn workspace_preview(
    airtable: &Client,
    enterprise: &EnterpriseId,
    action: &RiskyAction,
    id: &WorkspaceId,
) -> Result<Preview, Error> {
    let ws: Workspace = airtable
        .workspace(id)
        .get()
        .include_collaborators()
        .include_invite_links()
        .send()
        .await?;
    let users_on = |base_level| level(ws.individual(), base_level);
    let groups_on = |base_level| level(ws.group_collaborators.as_ref(), base_level);
    let deleting = matches!(action, RiskyAction::DeleteWorkspace { .. });
    // Deleting reads every base the way its page does, so the approver sees what goes
    // with each; smaller actions only name the bases.
    let bases: Vec<(BaseId, String, Option<BaseView>)> =
        each(ws.base_ids.clone(), |bid| async move {
            if deleting {
                match found(BaseView::read(airtable, &bid).await)? {
                    Some(view) => Ok((
                        bid,
                        named(&view.base.name, view.base.id.as_str()),
                        Some(view),
                    )),
                    None => Ok((bid.clone(), format!("{bid} (not found)"), None)),
                }
            } else {
                let name = base_name(airtable, &bid).await?;
                Ok((bid, name, None))
            }
        })
        .await?;
    let base_names: HashMap<&BaseId, &str> = bases
        .iter()
        .map(|(id, name, _)| (id, name.as_str()))
        .collect();
    let on_base = |b: &Option<BaseId>| {
        b.as_ref()
            .map(|b| {
                base_names
                    .get(b)
                    .map_or_else(|| b.to_string(), |n| n.to_string())
            })
            .unwrap_or_else(|| "one of its bases".into())
    };
    let user_ids: Vec<UserId> = users_on(false)
        .iter()
        .chain(users_on(true))
        .map(|c| c.user_id.clone())
        .collect();
    let people = People::read(airtable, enterprise, user_ids).await;
    let groups = read_groups(
        airtable,
        groups_on(false)
            .iter()
            .chain(groups_on(true))
            .map(|c| c.group_id.clone()),
    )
    .await?;
    let workspace_invites: &[InviteLink] = ws
        .invite_links
        .as_ref()
        .map_or(&[], |l| &l.workspace_invite_links);
    let base_invites: &[InviteLink] = ws
        .invite_links
        .as_ref()
        .map_or(&[], |l| &l.base_invite_links);

    let item_exists = match action {
        RiskyAction::RemoveWorkspaceCollaborator { collaborator, .. } => {
            collaborator_is(collaborator, users_on(false), groups_on(false))
        }
        RiskyAction::DeleteWorkspaceInvite { invite, .. } => {
            workspace_invites.iter().any(|i| &i.id == invite)
        }
        _ => true,
    };
    let mut facts = vec![fact("Workspace", named(&ws.name, ws.id.as_str()))];
    match action {
        RiskyAction::RemoveWorkspaceCollaborator { collaborator, .. } => {
            if let Some(line) = removed_line(
                collaborator,
                users_on(false),
                groups_on(false),
                &people,
                &groups,
            ) {
                facts.push(fact("Removes", line));
            }
        }
        RiskyAction::DeleteWorkspaceInvite { invite, .. } => {
            if let Some(i) = workspace_invites.iter().find(|i| &i.id == invite) {
                facts.push(fact("Deletes invite link", invite_label(i)));
            }
        }
        _ => {}
    }
    facts.extend([
        fact("Bases", ws.base_ids.len().to_string()),
        fact(
            "Collaborators",
            (users_on(false).len() + groups_on(false).len()).to_string(),
        ),
        fact(
            "Access granted on its bases",
            (users_on(true).len() + groups_on(true).len()).to_string(),
        ),
        fact(
            "Invite links",
            (workspace_invites.len() + base_invites.len()).to_string(),
        ),
    ]);
    if deleting {
        let views: Vec<&BaseView> = bases.iter().filter_map(|(_, _, v)| v.as_ref()).collect();
        facts.extend([
            fact(
                "Shares in its bases",
                views
                    .iter()
                    .map(|v| v.shares.len())
                    .sum::<usize>()
                    .to_string(),
            ),
            fact(
                "Interfaces in its bases",
                views
                    .iter()
                    .map(|v| v.interfaces().count())
                    .sum::<usize>()
                    .to_string(),
            ),
            fact(
                "Extensions in its bases",
                views
                    .iter()
                    .map(|v| v.extensions.len())
                    .sum::<usize>()
                    .to_string(),
            ),
            fact(
                "Once deleted",
                "the workspace and every base in it are gone, with their interfaces, shares, \
                 invite links and extensions; everyone listed here loses access",
            ),
        ]);
    }
    let group_refs: Vec<&GroupCollaborator> =
        groups_on(false).iter().chain(groups_on(true)).collect();
    let mut on_bases: Vec<String> = users_on(true)
        .iter()
        .map(|c| format!("{} on {}", people.user(c), on_base(&c.base_id)))
        .collect();
    on_bases.extend(
        groups_on(true)
            .iter()
            .map(|c| format!("{} on {}", group_label(&groups, c), on_base(&c.base_id))),
    );
    Ok(Preview {
        target_exists: item_exists,
        facts,
        lists: vec![
            list(
                "Bases",
                bases
                    .iter()
                    .map(|(_, name, view)| {
                        view.as_ref()
                            .map_or_else(|| name.clone(), BaseView::summary)
                    })
                    .collect(),
            ),
            list(
                "People given access to the workspace",
                users_on(false).iter().map(|c| people.user(c)).collect(),
            ),
            list(
                "Groups given access to the workspace",
                groups_on(false)
                    .iter()
                    .map(|c| group_label(&groups, c))
                    .collect(),
            ),
            list("Access granted on its bases", on_bases),
            list(
                "People with access through those groups",
                members_through(&groups, &group_refs),
            ),
            list(
                "Invite links to the workspace",
                workspace_invites.iter().map(invite_label).collect(),
            ),
            list(
                "Invite links to its bases",
                base_invites
                    .iter()
                    .map(|i| format!("{} to {}", invite_label(i), on_base(&i.base_id)))
                    .collect(),
            ),
        ],
        refused: None,
    })
}

fn is_owner(level: &airtable_client::models::PermissionLevel) -> bool {
    level.as_str() == "owner"
}

/// "A (wsp…), B (wsp…) and C (wsp…)".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The enterprise's email domains, lower-cased.
async fn email_domains(airtable: &Client, enterprise: &EnterpriseId) -> Result<Vec<String>, Error> {
    let info = airtable.enterprise(enterprise).get().send().await?;
    Ok(info
        .email_domains
        .iter()
        .map(|d| d.email_domain.to_lowercase())
        .collect())
}

/// The domain of `email` when it is outside the enterprise's domains (an external
/// collaborator). With no domain known, nobody is called external.
fn outside_domain(email: &str, domains: &[String]) -> Option<String> {
    let domain = email.rsplit_once('@').map(|(_, d)| d.to_lowercase())?;
    (!domains.is_empty() && !domains.contains(&domain)).then_some(domain)
}

/// What Airtable lets the console do for someone outside the enterprise's domains.
const EXTERNAL_CAN: &str = "remove them from the enterprise's workspaces, bases and interfaces \
     (\"Remove from the enterprise\" on their page), which ends every access they have here";

/// A user: who they are, their groups and access (by name), the workspaces and bases where
/// they are the only owner, and, for `action`, what Airtable will and will not do.
async fn user_preview_for(
    airtable: &Client,
    enterprise: &EnterpriseId,
    user: &UserId,
    action: Option<&RiskyAction>,
) -> Result<Preview, Error> {
    let u: User = airtable
        .enterprise(enterprise)
        .user(user)
        .get()
        .include_collaborations()
        .send()
        .await?;
    let domains = email_domains(airtable, enterprise).await?;
    let label = person(&u.name, &u.email, u.id.as_str());
    let collaborations = u.collaborations.clone().unwrap_or_default();
    let groups = read_groups(airtable, u.groups.iter().flatten().map(|g| g.id.clone())).await?;
    let workspaces: Vec<(
        airtable_client::models::WorkspaceCollaboration,
        Option<Workspace>,
    )> = each(
        collaborations.workspace_collaborations.clone(),
        |c| async move {
            let w = found(
                airtable
                    .workspace(&c.workspace_id)
                    .get()
                    .include_collaborators()
                    .send()
                    .await,
            )?;
            Ok((c, w))
        },
    )
    .await?;
    let mut base_ids: Vec<BaseId> = collaborations
        .base_collaborations
        .iter()
        .map(|c| c.base_id.clone())
        .chain(
            collaborations
                .interface_collaborations
                .iter()
                .map(|c| c.base_id.clone()),
        )
        .collect();
    base_ids.sort();
    base_ids.dedup();
    let bases: BTreeMap<BaseId, Base> = each(base_ids, |id| async move {
        found(
            airtable
                .base(&id)
                .get()
                .include_collaborators()
                .include_interfaces()
                .send()
                .await,
        )
    })
    .await?
    .into_iter()
    .flatten()
    .map(|b| (b.id.clone(), b))
    .collect();
    let base_label = |id: &BaseId| {
        bases
            .get(id)
            .map_or_else(|| id.to_string(), |b| named(&b.name, id.as_str()))
    };

    // The only owner: nobody else (no other user, no group) holds "owner" there. For a
    // base, owners of its workspace own it too.
    let mut sole_workspaces = Vec::new();
    let mut sole_shared_workspaces = Vec::new();
    for (c, w) in &workspaces {
        let Some(w) = w else { continue };
        if !is_owner(&c.permission_level) {
            continue;
        }
        let users = level(w.individual(), false);
        let groups = level(w.group_collaborators.as_ref(), false);
        let other_owner = users
            .iter()
            .any(|x| &x.user_id != user && is_owner(&x.permission_level))
            || groups.iter().any(|g| is_owner(&g.permission_level));
        if !other_owner {
            let name = named(&w.name, w.id.as_str());
            if users.len() + groups.len() > 1 {
                sole_shared_workspaces.push(name.clone());
            }
            sole_workspaces.push(name);
        }
    }
    let mut sole_bases = Vec::new();
    for c in &collaborations.base_collaborations {
        let Some(b) = bases.get(&c.base_id) else {
            continue;
        };
        if !is_owner(&c.permission_level) {
            continue;
        }
        let users = [level(b.individual(), true), level(b.individual(), false)];
        let groups = [
            level(b.group_collaborators.as_ref(), true),
            level(b.group_collaborators.as_ref(), false),
        ];
        let other_owner = users
            .iter()
            .flat_map(|s| s.iter())
            .any(|x| &x.user_id != user && is_owner(&x.permission_level))
            || groups
                .iter()
                .flat_map(|s| s.iter())
                .any(|g| is_owner(&g.permission_level));
        if !other_owner {
            sole_bases.push(named(&b.name, b.id.as_str()));
        }
    }
    sole_workspaces.sort();
    sole_bases.sort();

    let mut facts = vec![
        fact("User", label.clone()),
        fact("State", state_word(&u.state)),
        fact("Admin", yes_no(u.is_admin)),
        fact("Super admin", yes_no(u.is_super_admin)),
        fact("Managed", yes_no(u.is_managed)),
    ];
    let external = outside_domain(&u.email, &domains);
    match &external {
        Some(domain) => facts.push(fact(
            "Email domain",
            format!(
                "{domain}, outside the enterprise's domains ({}): an external collaborator",
                domains.join(", ")
            ),
        )),
        None if !domains.is_empty() => {
            facts.push(fact("Email domain", "one of the enterprise's domains"))
        }
        None => {}
    }
    let owned = {
        let mut parts = Vec::new();
        if !sole_workspaces.is_empty() {
            parts.push(plural(sole_workspaces.len(), "workspace", "workspaces"));
        }
        if !sole_bases.is_empty() {
            parts.push(plural(sole_bases.len(), "base", "bases"));
        }
        and_list(&parts)
    };
    if !owned.is_empty() {
        facts.push(fact(
            "Only owner of",
            format!(
                "{owned}: {}",
                and_list(&[sole_workspaces.clone(), sole_bases.clone()].concat())
            ),
        ));
    }

    let mut refused = None;
    if let Some(action) = action {
        let kind = action.kind();
        let changes_account = matches!(
            action,
            RiskyAction::DeleteUser { .. }
                | RiskyAction::DeactivateUser { .. }
                | RiskyAction::RevokeAdminAccess { .. }
                | RiskyAction::GrantAdminAccess { .. }
        );
        if let Some(domain) = &external {
            facts.push(fact("Airtable allows", EXTERNAL_CAN));
            facts.push(fact(
                "Airtable refuses",
                "to deactivate, delete or change the admin access of someone outside the enterprise's email domains",
            ));
            if changes_account {
                refused = Some(format!(
                    "{label} is an external collaborator: their email domain ({domain}) is not one of the enterprise's ({}), and Airtable refuses to {} someone outside them. What can be done: {EXTERNAL_CAN}.",
                    domains.join(", "),
                    match action {
                        RiskyAction::DeleteUser { .. } => "delete",
                        RiskyAction::DeactivateUser { .. } => "deactivate",
                        _ => "change the admin access of",
                    }
                ));
            }
        } else if u.is_managed == Some(false)
            && matches!(
                action,
                RiskyAction::DeleteUser { .. } | RiskyAction::DeactivateUser { .. }
            )
        {
            refused = Some(format!(
                "The enterprise does not manage {label}'s account, and Airtable deactivates or deletes only managed accounts. What can be done: claim them as a managed user first (on their page), or remove them from the enterprise's workspaces, bases and interfaces."
            ));
        }
        if refused.is_none() {
            refused = match action {
                RiskyAction::RevokeAdminAccess { .. } if u.is_admin != Some(true) => Some(format!(
                    "{label} is not an enterprise admin: there is no admin access to revoke."
                )),
                RiskyAction::GrantAdminAccess { .. } if u.is_admin == Some(true) => {
                    Some(format!("{label} is already an enterprise admin."))
                }
                RiskyAction::DeleteUser { .. } if !sole_shared_workspaces.is_empty() => {
                    Some(format!(
                        "{label} is the only owner of {}, which others use, and Airtable refuses to delete the only owner of such a workspace. What can be done: make someone else an owner there first, or remove {label} from the enterprise with a replacement owner who takes these workspaces over.",
                        and_list(&sole_shared_workspaces)
                    ))
                }
                RiskyAction::RemoveUserFromEnterprise {
                    replacement_owner: None,
                    ..
                } if !sole_workspaces.is_empty() => Some(format!(
                    "Removing {label} would leave {} without an owner: choose a replacement owner who takes {} over.",
                    and_list(&sole_workspaces),
                    if sole_workspaces.len() == 1 {
                        "it"
                    } else {
                        "them"
                    }
                )),
                _ => None,
            };
        }
        if let RiskyAction::RemoveUserFromEnterprise {
            replacement_owner: Some(owner),
            ..
        } = action
        {
            match found(
                airtable
                    .enterprise(enterprise)
                    .user(owner)
                    .get()
                    .send()
                    .await,
            )? {
                None => {
                    refused.get_or_insert_with(|| {
                        format!("The replacement owner {owner} is not a user of the enterprise: choose another.")
                    });
                }
                Some(r) => {
                    let name = person(&r.name, &r.email, r.id.as_str());
                    if r.state != UserState::Provisioned {
                        refused.get_or_insert_with(|| {
                            format!(
                                "The replacement owner {name} is {}: choose an active user.",
                                state_word(&r.state)
                            )
                        });
                    }
                    facts.push(fact("Replacement owner", name));
                }
            }
        }
        // What happens to what they alone own, in words, for the actions that keep going.
        if !owned.is_empty() && refused.is_none() {
            let all = and_list(&[sole_workspaces.clone(), sole_bases.clone()].concat());
            let warning = match action {
                RiskyAction::DeleteUser { .. } => Some(format!(
                    "deleting them leaves {all} with no owner: nobody can manage who has access until an admin makes someone else owner"
                )),
                RiskyAction::DeactivateUser { .. } => Some(format!(
                    "deactivating them leaves {all} with a deactivated owner: nobody can manage who has access until an admin makes someone else owner"
                )),
                RiskyAction::RemoveUserFromEnterprise { .. } if sole_workspaces.is_empty() => {
                    Some(format!("removing them leaves {all} with no owner"))
                }
                RiskyAction::RemoveUserFromEnterprise { .. } => Some(format!(
                    "the replacement owner takes over {}{}",
                    and_list(&sole_workspaces),
                    if sole_bases.is_empty() {
                        String::new()
                    } else {
                        format!("; {} would be left with no owner", and_list(&sole_bases))
                    }
                )),
                _ => None,
            };
            if let Some(warning) = warning {
                facts.push(fact("Warning", warning));
            }
        }
        if let Some(why) = &refused {
            facts.push(fact("Airtable will refuse this", why.clone()));
        }
        tracing::debug!(kind, refused = refused.is_some(), "user preview");
    }

    let interface_label = |base: &BaseId, interface: &airtable_client::ids::InterfaceId| {
        let name = bases
            .get(base)
            .and_then(|b| b.interfaces.as_ref())
            .and_then(|m| m.get(interface))
            .map_or_else(
                || interface.to_string(),
                |i| named(&i.name, interface.as_str()),
            );
        format!("{name} in {}", base_label(base))
    };
    Ok(Preview {
        target_exists: true,
        facts,
        lists: vec![
            list(
                "Groups",
                u.groups
                    .iter()
                    .flatten()
                    .map(|g| {
                        groups.get(&g.id).map_or_else(
                            || g.id.to_string(),
                            |found| named(&found.name, g.id.as_str()),
                        )
                    })
                    .collect(),
            ),
            list(
                "Workspace access",
                workspaces
                    .iter()
                    .map(|(c, w)| {
                        let name = w.as_ref().map_or_else(
                            || c.workspace_id.to_string(),
                            |w| named(&w.name, w.id.as_str()),
                        );
                        format!("{name}: {}", c.permission_level.as_str())
                    })
                    .collect(),
            ),
            list(
                "Base access",
                collaborations
                    .base_collaborations
                    .iter()
                    .map(|c| {
                        format!(
                            "{}: {}",
                            base_label(&c.base_id),
                            c.permission_level.as_str()
                        )
                    })
                    .collect(),
            ),
            list(
                "Interface access",
                collaborations
                    .interface_collaborations
                    .iter()
                    .map(|c| {
                        format!(
                            "{}: {}",
                            interface_label(&c.base_id, &c.interface_id),
                            c.permission_level.as_str()
                        )
                    })
                    .collect(),
            ),
            list("Workspaces where they are the only owner", sole_workspaces),
            list("Bases where they are the only owner", sole_bases),
        ],
        refused,
    })
}

/// A user as the console's own controls show them (no action on them in Airtable).
pub(super) async fn user_preview(
    airtable: &Client,
    enterprise: &EnterpriseId,
    user: &UserId,
) -> Result<Preview, Error> {
    user_preview_for(airtable, enterprise, user, None).await
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

/// "Name <email> (usr…)", read before acting (a deleted user cannot be read after). The ID
/// alone when that fails: the label only helps people read the outcome.
async fn user_label(airtable: &Client, enterprise: &EnterpriseId, user: &UserId) -> String {
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
fn refusal(method: &'static str, path: &'static str, message: String) -> Error {
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
fn move_outcome(
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
fn refusals(errors: &[airtable_client::models::BatchError]) -> String {
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

fn collaborator_id(
    collaborator: &console_app::approvals::Collaborator,
) -> airtable_client::ids::CollaboratorId {
    match collaborator {
        console_app::approvals::Collaborator::User(id) => id.clone().into(),
        console_app::approvals::Collaborator::Group(id) => id.clone().into(),
    }
}
