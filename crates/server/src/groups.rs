//! Changing a group from its page, through Airtable's SCIM Groups API (the enterprise API
//! only reads groups): renaming it and adding members happen at once; taking a member out
//! and deleting the group take access away, so they are approval kinds (see
//! `approvals::airtable`).

use airtable_client::{
    ids::{GroupId, UserId},
    models::ScimPatchOp,
    Client,
};
use console_app::api::ConsoleError;

use crate::directory::{airtable_error, parse_id};

/// The longest group name the console sends (Airtable's own limit is not documented; a
/// name longer than a line is a mistake).
const MAX_NAME: usize = 200;

/// Renames group `id` to `name` (trimmed); returns the name Airtable kept.
pub async fn rename(airtable: &Client, id: &str, name: &str) -> Result<String, ConsoleError> {
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
pub async fn add_member(airtable: &Client, id: &str, user: &str) -> Result<UserId, ConsoleError> {
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
