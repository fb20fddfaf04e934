//! Workspaces, bases and groups: lists served from the latest complete snapshot (thousands
//! of workspaces cannot be read from Airtable one by one while a page waits), details read
//! live from Airtable with the signed-in person's token, and the direct (non-destructive)
//! changes. Destructive changes are never made here: they go through two-person approval.

use std::str::FromStr;

use airtable_client::{
    ids::{BaseId, BlockInstallationId, CollaboratorId, GroupId, WorkspaceId},
    models::{
        CollaboratorSet, GroupCollaborator, IndividualCollaborator, InviteLink, PermissionLevel,
        Restriction,
    },
    Client,
};
use chrono::{DateTime, Utc};
use console_types::{
    api::ConsoleError,
    directory::{
        BaseDetail, BaseLink, CollaborationRow, CollaboratorKind, CollaboratorRow, ExtensionRow,
        GroupDetail, GroupRow, InterfaceRow, InviteRow, MemberRow, ShareRow, SnapshotPage,
        WorkspaceDetail, WorkspaceRow, PAGE_SIZE, PERMISSIONS, RESTRICTIONS,
    },
};
use futures::StreamExt;
use sqlx::{PgPool, Row};

use crate::error::internal;

/// Bases whose names a workspace page reads (one call each); beyond that only ids show.
const BASE_NAMES: usize = 100;
/// Calls in flight at once while reading base names.
const CONCURRENCY: usize = 4;

/// Parses an id from a URL or form, saying plainly what is wrong with it.
pub fn parse_id<T>(text: &str, what: &str) -> Result<T, ConsoleError>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    let text = text.trim();
    if text.is_empty() {
        return Err(ConsoleError::Invalid(format!("Give the {what} ID.")));
    }
    text.parse::<T>()
        .map_err(|e| ConsoleError::Invalid(format!("That is not a {what} ID: {e}.")))
}

/// A permission level a person may grant from the console.
pub fn parse_permission(text: &str) -> Result<PermissionLevel, ConsoleError> {
    let text = text.trim();
    if PERMISSIONS.iter().any(|(value, _)| *value == text) {
        Ok(PermissionLevel::from(text))
    } else {
        Err(ConsoleError::Invalid(format!(
            "{text:?} is not a permission the console grants: choose one of {}.",
            PERMISSIONS
                .iter()
                .map(|(v, _)| *v)
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }
}

fn parse_restriction(text: &str, what: &str) -> Result<Restriction, ConsoleError> {
    let text = text.trim();
    if RESTRICTIONS.iter().any(|(value, _)| *value == text) {
        Ok(Restriction::from(text))
    } else {
        Err(ConsoleError::Invalid(format!(
            "{text:?} is not a setting for who may create {what}: choose unrestricted or onlyOwners."
        )))
    }
}

/// Airtable's answer in words; "not found" becomes a 404 rather than a bad gateway.
pub fn airtable_error(what: &str, error: airtable_client::Error) -> ConsoleError {
    if error.is_not_found() {
        ConsoleError::NotFound(format!(
            "{what} (Airtable does not know it, or you cannot see it)"
        ))
    } else {
        crate::error::airtable_error(error)
    }
}

/// `%` and `_` in a search are literal characters, not wildcards.
pub(crate) fn like_pattern(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 2);
    out.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

pub(crate) async fn latest_snapshot(db: &PgPool) -> sqlx::Result<Option<(i64, DateTime<Utc>)>> {
    sqlx::query_as(
        "SELECT id, taken_at FROM snapshots WHERE taken_at IS NOT NULL
          ORDER BY taken_at DESC, id DESC LIMIT 1",
    )
    .fetch_optional(db)
    .await
}

fn empty_page<T>(q: &str, page: i64) -> SnapshotPage<T> {
    SnapshotPage {
        snapshot_id: None,
        as_of: None,
        q: q.to_string(),
        page,
        total: 0,
        rows: Vec::new(),
    }
}

fn clean_query(q: &str, page: i64) -> Result<(String, i64), ConsoleError> {
    let q = q.trim();
    if q.chars().count() > 200 {
        return Err(ConsoleError::Invalid(
            "The search is too long: use at most 200 characters.".into(),
        ));
    }
    if page < 1 {
        return Err(ConsoleError::Invalid("Page numbers start at 1.".into()));
    }
    Ok((q.to_string(), page))
}

/// One page of workspaces from the latest complete snapshot, by name.
pub async fn workspaces(
    db: &PgPool,
    q: &str,
    page: i64,
) -> Result<SnapshotPage<WorkspaceRow>, ConsoleError> {
    let (q, page) = clean_query(q, page)?;
    let Some((snapshot, taken_at)) = latest_snapshot(db).await.map_err(internal)? else {
        return Ok(empty_page(&q, page));
    };
    let pattern = like_pattern(&q);
    let total: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT workspace_id) FROM snapshot_workspace_access
          WHERE snapshot_id = $1 AND (workspace_name ILIKE $2 OR workspace_id ILIKE $2)",
    )
    .bind(snapshot)
    .bind(&pattern)
    .fetch_one(db)
    .await
    .map_err(internal)?;
    let rows = sqlx::query(
        "SELECT workspace_id, max(workspace_name) AS name,
                count(*) FILTER (WHERE principal_id LIKE 'usr%') AS users,
                count(*) FILTER (WHERE principal_id LIKE 'ugp%') AS groups
           FROM snapshot_workspace_access
          WHERE snapshot_id = $1 AND (workspace_name ILIKE $2 OR workspace_id ILIKE $2)
          GROUP BY workspace_id
          ORDER BY lower(max(workspace_name)), workspace_id
          LIMIT $3 OFFSET $4",
    )
    .bind(snapshot)
    .bind(&pattern)
    .bind(PAGE_SIZE)
    .bind((page - 1).saturating_mul(PAGE_SIZE))
    .fetch_all(db)
    .await
    .map_err(internal)?;
    let rows = rows
        .iter()
        .map(|r| {
            Ok(WorkspaceRow {
                id: r.try_get("workspace_id")?,
                name: r.try_get("name")?,
                users: r.try_get("users")?,
                groups: r.try_get("groups")?,
            })
        })
        .collect::<sqlx::Result<Vec<_>>>()
        .map_err(internal)?;
    Ok(SnapshotPage {
        snapshot_id: Some(snapshot),
        as_of: Some(taken_at),
        q,
        page,
        total,
        rows,
    })
}

/// One page of groups from the latest complete snapshot, by name.
pub async fn groups(
    db: &PgPool,
    q: &str,
    page: i64,
) -> Result<SnapshotPage<GroupRow>, ConsoleError> {
    let (q, page) = clean_query(q, page)?;
    let Some((snapshot, taken_at)) = latest_snapshot(db).await.map_err(internal)? else {
        return Ok(empty_page(&q, page));
    };
    let pattern = like_pattern(&q);
    let total: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT group_id) FROM snapshot_group_members
          WHERE snapshot_id = $1 AND (group_name ILIKE $2 OR group_id ILIKE $2)",
    )
    .bind(snapshot)
    .bind(&pattern)
    .fetch_one(db)
    .await
    .map_err(internal)?;
    let rows = sqlx::query(
        "SELECT group_id, max(group_name) AS name, count(*) AS members
           FROM snapshot_group_members
          WHERE snapshot_id = $1 AND (group_name ILIKE $2 OR group_id ILIKE $2)
          GROUP BY group_id
          ORDER BY lower(max(group_name)), group_id
          LIMIT $3 OFFSET $4",
    )
    .bind(snapshot)
    .bind(&pattern)
    .bind(PAGE_SIZE)
    .bind((page - 1).saturating_mul(PAGE_SIZE))
    .fetch_all(db)
    .await
    .map_err(internal)?;
    let rows = rows
        .iter()
        .map(|r| {
            Ok(GroupRow {
                id: r.try_get("group_id")?,
                name: r.try_get("name")?,
                members: r.try_get("members")?,
            })
        })
        .collect::<sqlx::Result<Vec<_>>>()
        .map_err(internal)?;
    Ok(SnapshotPage {
        snapshot_id: Some(snapshot),
        as_of: Some(taken_at),
        q,
        page,
        total,
        rows,
    })
}

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

/// Gives a user or group access to a workspace; returns what to record.
pub async fn add_workspace_collaborator(
    airtable: &Client,
    workspace: &str,
    collaborator: &str,
    permission: &str,
) -> Result<(WorkspaceId, CollaboratorId, PermissionLevel), ConsoleError> {
    let wid: WorkspaceId = parse_id(workspace, "workspace")?;
    let who: CollaboratorId = parse_id(collaborator, "user or group")?;
    let level = parse_permission(permission)?;
    airtable
        .workspace(&wid)
        .add_collaborator(who.clone(), level.clone())
        .await
        .map_err(|e| airtable_error(&format!("workspace {wid} or {who}"), e))?;
    Ok((wid, who, level))
}

/// Changes a workspace collaborator's permission; returns what to record.
pub async fn update_workspace_collaborator(
    airtable: &Client,
    workspace: &str,
    collaborator: &str,
    permission: &str,
) -> Result<(WorkspaceId, CollaboratorId, PermissionLevel), ConsoleError> {
    let wid: WorkspaceId = parse_id(workspace, "workspace")?;
    let who: CollaboratorId = parse_id(collaborator, "user or group")?;
    let level = parse_permission(permission)?;
    airtable
        .workspace(&wid)
        .update_collaborator(who.clone(), level.clone())
        .await
        .map_err(|e| airtable_error(&format!("{who} on workspace {wid}"), e))?;
    Ok((wid, who, level))
}

/// Gives a user or group access to one base; returns what to record.
pub async fn add_base_collaborator(
    airtable: &Client,
    base: &str,
    collaborator: &str,
    permission: &str,
) -> Result<(BaseId, CollaboratorId, PermissionLevel), ConsoleError> {
    let bid: BaseId = parse_id(base, "base")?;
    let who: CollaboratorId = parse_id(collaborator, "user or group")?;
    let level = parse_permission(permission)?;
    airtable
        .base(&bid)
        .add_collaborator(who.clone(), level.clone())
        .await
        .map_err(|e| airtable_error(&format!("base {bid} or {who}"), e))?;
    Ok((bid, who, level))
}

/// Changes the permission a user or group has on one base; returns what to record.
pub async fn update_base_collaborator(
    airtable: &Client,
    base: &str,
    collaborator: &str,
    permission: &str,
) -> Result<(BaseId, CollaboratorId, PermissionLevel), ConsoleError> {
    let bid: BaseId = parse_id(base, "base")?;
    let who: CollaboratorId = parse_id(collaborator, "user or group")?;
    let level = parse_permission(permission)?;
    airtable
        .base(&bid)
        .update_collaborator(who.clone(), level.clone())
        .await
        .map_err(|e| airtable_error(&format!("{who} on base {bid}"), e))?;
    Ok((bid, who, level))
}

/// Sets who may create invites and shares in a workspace.
pub async fn update_workspace_restrictions(
    airtable: &Client,
    workspace: &str,
    invites: &str,
    shares: &str,
) -> Result<(WorkspaceId, Restriction, Restriction), ConsoleError> {
    let wid: WorkspaceId = parse_id(workspace, "workspace")?;
    let invites = parse_restriction(invites, "invites")?;
    let shares = parse_restriction(shares, "shares")?;
    airtable
        .workspace(&wid)
        .update_restrictions()
        .invite_creation(invites.clone())
        .share_creation(shares.clone())
        .send()
        .await
        .map_err(|e| airtable_error(&format!("workspace {wid}"), e))?;
    Ok((wid, invites, shares))
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

/// Makes a base in a workspace with one table of the given name (Airtable requires at least
/// one table with one field; the field is the primary "Name" text field people expect).
pub async fn create_base(
    airtable: &Client,
    workspace: &str,
    name: &str,
    table: &str,
) -> Result<(WorkspaceId, BaseId), ConsoleError> {
    let wid: WorkspaceId = parse_id(workspace, "workspace")?;
    let name = bounded_name(name, "base")?;
    let table = match table.trim() {
        "" => "Table 1".to_string(),
        other => bounded_name(other, "table")?,
    };
    let created = airtable
        .create_base(
            &wid,
            name,
            vec![serde_json::json!({
                "name": table,
                "fields": [{ "name": "Name", "type": "singleLineText" }],
            })],
        )
        .await
        .map_err(|e| airtable_error(&format!("workspace {wid}"), e))?;
    Ok((wid, created.id))
}

/// A name for something new: trimmed, not empty, at most 200 characters.
pub fn bounded_name(text: &str, what: &str) -> Result<String, ConsoleError> {
    let name = text.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ConsoleError::Invalid(format!(
            "Give the {what} a name (at most 200 characters)."
        )));
    }
    Ok(name.to_string())
}

/// Enables an extension installed in a base.
pub async fn enable_extension(
    airtable: &Client,
    base: &str,
    installation: &str,
) -> Result<(BaseId, BlockInstallationId), ConsoleError> {
    let bid: BaseId = parse_id(base, "base")?;
    let xid: BlockInstallationId = parse_id(installation, "extension installation")?;
    airtable
        .base(&bid)
        .block_installation(&xid)
        .enable()
        .await
        .map_err(|e| airtable_error(&format!("extension {xid} of base {bid}"), e))?;
    Ok((bid, xid))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_in_a_search_are_literal() {
        assert_eq!(like_pattern("abc"), "%abc%");
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }

    #[test]
    fn only_grantable_permissions_are_accepted() {
        assert_eq!(parse_permission(" edit ").ok(), Some(PermissionLevel::Edit));
        assert!(parse_permission("none").is_err());
        assert!(parse_permission("Owner").is_err());
    }

    #[test]
    fn ids_are_checked_in_plain_words() {
        let err = parse_id::<WorkspaceId>("app123", "workspace").unwrap_err();
        assert!(err.to_string().contains("not a workspace ID"), "{err}");
        let err = parse_id::<WorkspaceId>("  ", "workspace").unwrap_err();
        assert_eq!(err.to_string(), "Give the workspace ID.");
    }
}
