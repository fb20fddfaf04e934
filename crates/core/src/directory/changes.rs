//! The direct (non-destructive) changes other than collaborators (`crate::collaborators`):
//! a workspace's restrictions, a new base, an extension enabled.

use airtable_client::{
    ids::{BaseId, BlockInstallationId, WorkspaceId},
    models::Restriction,
    Client,
};
use console_types::api::ConsoleError;

use super::{airtable_error, bounded_name, input::parse_restriction, parse_id};

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
