//! The direct (non-destructive) changes: collaborators added or their permission changed,
//! a workspace's restrictions, a new base, an extension enabled.

use airtable_client::{
    ids::{BaseId, BlockInstallationId, CollaboratorId, WorkspaceId},
    models::{PermissionLevel, Restriction},
    Client,
};
use console_types::api::ConsoleError;

use super::{airtable_error, bounded_name, input::parse_restriction, parse_id, parse_permission};

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
