//! Workspaces: the list (from the latest snapshot) and one workspace read live, creating
//! one, its collaborators and its restrictions. Every change is recorded in the action log.

use console_types::{
    api::{ConsoleError, SignedInUser},
    directory::{SnapshotPage, WorkspaceDetail, WorkspaceRow},
};

use crate::{directory, error::airtable_error, Console};

pub async fn list(
    console: &Console,
    q: &str,
    page: i64,
) -> Result<SnapshotPage<WorkspaceRow>, ConsoleError> {
    directory::workspaces(&console.db, q, page).await
}

/// One workspace as Airtable reports it, shared between people for a short while
/// ([`crate::live`]); `refresh` reads it now.
pub async fn get(
    console: &Console,
    who: &SignedInUser,
    id: &str,
    refresh: bool,
) -> Result<WorkspaceDetail, ConsoleError> {
    let read = console.live.workspaces.read(id.trim(), refresh, async {
        let airtable = console.airtable_for(who).await?;
        directory::workspace(&airtable, id).await
    });
    Ok(read.await?.value.clone())
}

pub async fn create(
    console: &Console,
    who: &SignedInUser,
    name: &str,
) -> Result<String, ConsoleError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ConsoleError::Invalid(
            "Give the new workspace a name (at most 200 characters).".into(),
        ));
    }
    let airtable = console.airtable_for(who).await?;
    let created = airtable
        .enterprise(&console.enterprise_id)
        .create_workspace(name)
        .await
        .map_err(airtable_error)?;
    let id = created.id.to_string();
    console.live.forget_enterprise().await;
    console
        .log_action(
            who,
            "workspaces.create",
            Some(&id),
            serde_json::json!({ "name": name }),
        )
        .await?;
    Ok(id)
}

pub async fn update_restrictions(
    console: &Console,
    who: &SignedInUser,
    workspace: &str,
    invites: &str,
    shares: &str,
) -> Result<(), ConsoleError> {
    let airtable = console.airtable_for(who).await?;
    let (wid, invites, shares) =
        directory::update_workspace_restrictions(&airtable, workspace, invites, shares).await?;
    console
        .log_action(
            who,
            "workspaces.update_restrictions",
            Some(wid.as_str()),
            serde_json::json!({
                "invite_creation": invites.as_str(),
                "share_creation": shares.as_str(),
            }),
        )
        .await
}
