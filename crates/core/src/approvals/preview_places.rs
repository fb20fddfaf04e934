//! Previews of actions on a workspace or a base (deleting it, removing a collaborator,
//! deleting an invite link): everything it holds, read the way its own page reads it, so
//! the counts match what people see there.

use std::collections::HashMap;

use airtable_client::{
    ids::{BaseId, EnterpriseId, UserId, WorkspaceId},
    models::{GroupCollaborator, InviteLink, Workspace},
    Client, Error,
};
use console_types::approvals::{Preview, RiskyAction};

use super::reading::*;

/// A base and everything in it, for deleting it or any smaller action on it.
pub(super) async fn base_preview(
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
pub(super) async fn workspace_preview(
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
