//! Details read live from Airtable with the signed-in person's token: one workspace, one
//! base, one group.

use airtable_client::{
    ids::{BaseId, GroupId, WorkspaceId},
    models::{CollaboratorSet, GroupCollaborator, IndividualCollaborator, InviteLink},
    Client,
};
use chrono::Utc;
use console_types::{
    api::ConsoleError,
    directory::{
        BaseDetail, BaseLink, CollaborationRow, CollaboratorKind, CollaboratorRow, ExtensionRow,
        GroupDetail, InterfaceRow, InviteRow, MemberRow, ShareRow, WorkspaceDetail,
    },
};
use futures::StreamExt;

use super::{airtable_error, parse_id};

/// Bases whose names a workspace page reads (one call each); beyond that only ids show.
const BASE_NAMES: usize = 100;
/// Calls in flight at once while reading base names.
const CONCURRENCY: usize = 4;

fn user_row(c: &IndividualCollaborator) -> CollaboratorRow {
    CollaboratorRow {
        kind: CollaboratorKind::User,
        id: c.user_id.to_string(),
        label: c.email.clone(),
        permission: c.permission_level.to_string(),
        granted_at: *c.created_time.as_datetime(),
        granted_by: c.granted_by_user_id.to_string(),
        base_id: c.base_id.as_ref().map(ToString::to_string),
    }
}

fn group_row(c: &GroupCollaborator) -> CollaboratorRow {
    CollaboratorRow {
        kind: CollaboratorKind::Group,
        id: c.group_id.to_string(),
        label: c.name.clone(),
        permission: c.permission_level.to_string(),
        granted_at: *c.created_time.as_datetime(),
        granted_by: c.granted_by_user_id.to_string(),
        base_id: c.base_id.as_ref().map(ToString::to_string),
    }
}

fn invite_row(i: &InviteLink) -> InviteRow {
    InviteRow {
        id: i.id.to_string(),
        kind: i.kind.to_string(),
        invited_email: i.invited_email.clone(),
        permission: i.permission_level.to_string(),
        created_at: *i.created_time.as_datetime(),
        created_by: i.referred_by_user_id.to_string(),
        base_id: i.base_id.as_ref().map(ToString::to_string),
    }
}

/// Users then groups, from the two sets; `base_level` chooses access granted on a base
/// rather than on the workspace.
fn collaborators(
    users: Option<&CollaboratorSet<IndividualCollaborator>>,
    groups: Option<&CollaboratorSet<GroupCollaborator>>,
    base_level: bool,
) -> Vec<CollaboratorRow> {
    let pick_u = |s: &CollaboratorSet<IndividualCollaborator>| {
        if base_level {
            s.base_collaborators.clone()
        } else {
            s.workspace_collaborators.clone()
        }
    };
    let pick_g = |s: &CollaboratorSet<GroupCollaborator>| {
        if base_level {
            s.base_collaborators.clone()
        } else {
            s.workspace_collaborators.clone()
        }
    };
    let mut rows: Vec<CollaboratorRow> = users
        .map(pick_u)
        .unwrap_or_default()
        .iter()
        .map(user_row)
        .collect();
    rows.extend(groups.map(pick_g).unwrap_or_default().iter().map(group_row));
    rows
}

/// One workspace, live.
pub async fn workspace(airtable: &Client, id: &str) -> Result<WorkspaceDetail, ConsoleError> {
    let wid: WorkspaceId = parse_id(id, "workspace")?;
    let ws = airtable
        .workspace(&wid)
        .get()
        .include_collaborators()
        .include_invite_links()
        .send()
        .await
        .map_err(|e| airtable_error(&format!("workspace {wid}"), e))?;
    let named: Vec<BaseLink> = futures::stream::iter(ws.base_ids.iter().take(BASE_NAMES).cloned())
        .map(|bid| {
            let airtable = airtable.clone();
            async move {
                let name = airtable.base(&bid).get().send().await.ok().map(|b| b.name);
                BaseLink {
                    id: bid.to_string(),
                    name,
                }
            }
        })
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let mut bases = named;
    bases.extend(ws.base_ids.iter().skip(BASE_NAMES).map(|b| BaseLink {
        id: b.to_string(),
        name: None,
    }));
    let restrictions = ws.workspace_restrictions.as_ref();
    let invites = ws
        .invite_links
        .as_ref()
        .map(|l| {
            l.workspace_invite_links
                .iter()
                .chain(l.base_invite_links.iter())
                .map(invite_row)
                .collect()
        })
        .unwrap_or_default();
    Ok(WorkspaceDetail {
        id: ws.id.to_string(),
        name: ws.name.clone(),
        created_at: *ws.created_time.as_datetime(),
        invite_restriction: restrictions.map(|r| r.invite_creation_restriction.to_string()),
        share_restriction: restrictions.map(|r| r.share_creation_restriction.to_string()),
        bases,
        collaborators: collaborators(ws.individual(), ws.group_collaborators.as_ref(), false),
        base_collaborators: collaborators(ws.individual(), ws.group_collaborators.as_ref(), true),
        invites,
        read_at: Utc::now(),
    })
}

/// One base, live: collaborators, interfaces, invites, shares and extensions.
pub async fn base(airtable: &Client, id: &str) -> Result<BaseDetail, ConsoleError> {
    let bid: BaseId = parse_id(id, "base")?;
    let handler = airtable.base(&bid);
    let what = format!("base {bid}");
    let b = handler
        .get()
        .include_collaborators()
        .include_invite_links()
        .include_interfaces()
        .send()
        .await
        .map_err(|e| airtable_error(&what, e))?;
    let shares = handler
        .shares()
        .await
        .map_err(|e| airtable_error(&what, e))?;
    let blocks = handler
        .block_installations()
        .await
        .map_err(|e| airtable_error(&what, e))?;
    let users = b
        .individual_collaborators
        .as_ref()
        .or(b.collaborators.as_ref());
    // On a base's own page, `base_id` marks access granted on this base (as opposed to
    // access inherited from the workspace), whatever Airtable filled in.
    let mut people: Vec<CollaboratorRow> =
        collaborators(users, b.group_collaborators.as_ref(), true)
            .into_iter()
            .map(|c| CollaboratorRow {
                base_id: Some(b.id.to_string()),
                ..c
            })
            .collect();
    people.extend(
        collaborators(users, b.group_collaborators.as_ref(), false)
            .into_iter()
            .map(|c| CollaboratorRow { base_id: None, ..c }),
    );
    let interfaces = b
        .interfaces
        .as_ref()
        .map(|map| {
            map.values()
                .map(|i| {
                    let mut rows: Vec<CollaboratorRow> =
                        i.individual_collaborators.iter().map(user_row).collect();
                    rows.extend(i.group_collaborators.iter().map(group_row));
                    InterfaceRow {
                        id: i.id.to_string(),
                        name: i.name.clone(),
                        created_at: *i.created_time.as_datetime(),
                        collaborators: rows,
                        invites: i.invite_links.iter().map(invite_row).collect(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let invites = b
        .invite_links
        .as_ref()
        .map(|l| {
            l.base_invite_links
                .iter()
                .chain(l.workspace_invite_links.iter())
                .map(invite_row)
                .collect()
        })
        .unwrap_or_default();
    Ok(BaseDetail {
        id: b.id.to_string(),
        name: b.name.clone(),
        workspace_id: b.workspace_id.to_string(),
        created_at: *b.created_time.as_datetime(),
        collaborators: people,
        interfaces,
        invites,
        shares: shares
            .iter()
            .map(|s| ShareRow {
                id: s.share_id.to_string(),
                kind: s.kind.to_string(),
                enabled: s.state.as_str() == "enabled",
                created_at: *s.created_time.as_datetime(),
                created_by: s.created_by_user_id.to_string(),
                password_protected: s.is_password_protected,
                restricted_to_email_domains: s.restricted_to_email_domains.clone(),
            })
            .collect(),
        extensions: blocks
            .iter()
            .map(|x| ExtensionRow {
                id: x.id.to_string(),
                block_id: x.block_id.to_string(),
                slug: x.block_slug.clone(),
                enabled: x.state.as_str() == "enabled",
                created_at: *x.created_time.as_datetime(),
                created_by: x.created_by_user_id.to_string(),
            })
            .collect(),
        read_at: Utc::now(),
    })
}

/// One group, live: members and direct collaborations.
pub async fn group(airtable: &Client, id: &str) -> Result<GroupDetail, ConsoleError> {
    let gid: GroupId = parse_id(id, "group")?;
    let g = airtable
        .group(&gid)
        .get()
        .include_collaborations()
        .send()
        .await
        .map_err(|e| airtable_error(&format!("group {gid}"), e))?;
    let members = g
        .members
        .iter()
        .map(|m| MemberRow {
            user_id: m.user_id.to_string(),
            email: m.email.clone(),
            name: [m.first_name.as_deref(), m.last_name.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" "),
            role: m.role.to_string(),
        })
        .collect();
    let mut collaborations = Vec::new();
    if let Some(c) = &g.collaborations {
        collaborations.extend(c.workspace_collaborations.iter().map(|w| CollaborationRow {
            kind: "workspace".into(),
            id: w.workspace_id.to_string(),
            base_id: None,
            permission: w.permission_level.to_string(),
            granted_at: *w.created_time.as_datetime(),
        }));
        collaborations.extend(c.base_collaborations.iter().map(|b| CollaborationRow {
            kind: "base".into(),
            id: b.base_id.to_string(),
            base_id: None,
            permission: b.permission_level.to_string(),
            granted_at: *b.created_time.as_datetime(),
        }));
        collaborations.extend(c.interface_collaborations.iter().map(|i| CollaborationRow {
            kind: "interface".into(),
            id: i.interface_id.to_string(),
            base_id: Some(i.base_id.to_string()),
            permission: i.permission_level.to_string(),
            granted_at: *i.created_time.as_datetime(),
        }));
    }
    Ok(GroupDetail {
        id: g.id.to_string(),
        name: g.name.clone(),
        created_at: *g.created_time.as_datetime(),
        members,
        collaborations,
        read_at: Utc::now(),
    })
}
