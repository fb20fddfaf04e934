//! Changing a group from its page, through Airtable's SCIM Groups API (the enterprise API
//! only reads groups): renaming it and adding members happen at once; taking a member out
//! and deleting the group take access away, so they are approval kinds (see
//! `approvals::airtable`).

use airtable_client::{
    ids::{GroupId, UserId},
    models::ScimPatchOp,
    Client,
};
use console_types::{
    api::{ConsoleError, SignedInUser},
    directory::{GroupDetail, GroupRow, SnapshotPage},
};

use crate::{
    directory::{self, airtable_error, parse_id},
    Console,
};

/// The longest group name the console sends (Airtable's own limit is not documented; a
/// name longer than a line is a mistake).
const MAX_NAME: usize = 200;

/// Renames group `id` to `name` (trimmed); returns the name Airtable kept.
async fn rename_in_airtable(
    airtable: &Client,
    id: &str,
    name: &str,
) -> Result<String, ConsoleError> {
    let gid: GroupId = parse_id(id, "group")?;
    let name = name.trim();
    if name.is_empty() {
        return Err(ConsoleError::Invalid("Give the group a name.".into()));
    }
    if name.chars().count() > MAX_NAME {
        return Err(ConsoleError::Invalid(format!(
            "Keep the group's name under {MAX_NAME} characters."
        )));
    }
    let group = airtable
        .scim()
        .group(&gid)
        .patch(vec![ScimPatchOp::replace(
            "displayName",
            serde_json::json!(name),
        )])
        .await
        .map_err(|e| airtable_error(&format!("group {gid}"), e))?;
    Ok(group.display_name.unwrap_or_else(|| name.to_string()))
}

/// Adds user `user` to group `id`.
async fn add_member_in_airtable(
    airtable: &Client,
    id: &str,
    user: &str,
) -> Result<UserId, ConsoleError> {
    let gid: GroupId = parse_id(id, "group")?;
    let uid: UserId = parse_id(user, "user")?;
    airtable
        .scim()
        .group(&gid)
        .patch(vec![ScimPatchOp::add(
            "members",
            serde_json::json!([{ "value": uid.as_str() }]),
        )])
        .await
        .map_err(|e| airtable_error(&format!("group {gid}"), e))?;
    Ok(uid)
}

// ---- What the groups pages ask for ----

pub async fn list(
    console: &Console,
    q: &str,
    page: i64,
) -> Result<SnapshotPage<GroupRow>, ConsoleError> {
    directory::groups(&console.db, q, page).await
}

/// One group as Airtable reports it, shared between people for a short while
/// ([`crate::live`]); `refresh` reads it now.
pub async fn get(
    console: &Console,
    who: &SignedInUser,
    id: &str,
    refresh: bool,
) -> Result<GroupDetail, ConsoleError> {
    let read = console.live.groups.read(id.trim(), refresh, async {
        let airtable = console.airtable_for(who).await?;
        directory::group(&airtable, id).await
    });
    Ok(read.await?.value.clone())
}

pub async fn rename(
    console: &Console,
    who: &SignedInUser,
    id: &str,
    name: &str,
) -> Result<(), ConsoleError> {
    let airtable = console.airtable_for(who).await?;
    let kept = rename_in_airtable(&airtable, id, name).await?;
    console
        .log_action(
            who,
            "groups.rename",
            Some(id.trim()),
            serde_json::json!({ "name": kept }),
        )
        .await
}

pub async fn add_member(
    console: &Console,
    who: &SignedInUser,
    id: &str,
    user: &str,
) -> Result<(), ConsoleError> {
    let airtable = console.airtable_for(who).await?;
    let added = add_member_in_airtable(&airtable, id, user).await?;
    console
        .log_action(
            who,
            "groups.add_member",
            Some(id.trim()),
            serde_json::json!({ "user": added.as_str() }),
        )
        .await
}
