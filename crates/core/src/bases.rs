//! One base read live, creating one, its collaborators and extensions. Every change is
//! recorded in the action log.

use console_types::{
    api::{ConsoleError, SignedInUser},
    directory::BaseDetail,
};

use crate::{directory, Console};

/// One base as Airtable reports it, shared between people for a short while
/// ([`crate::live`]); `refresh` reads it now.
pub async fn get(
    console: &Console,
    who: &SignedInUser,
    id: &str,
    refresh: bool,
) -> Result<BaseDetail, ConsoleError> {
    let read = console.live.bases.read(id.trim(), refresh, async {
        let airtable = console.airtable_for(who).await?;
        directory::base(&airtable, id).await
    });
    Ok(read.await?.value.clone())
}

pub async fn create(
    console: &Console,
    who: &SignedInUser,
    workspace: &str,
    name: &str,
    table: &str,
) -> Result<String, ConsoleError> {
    let airtable = console.airtable_for(who).await?;
    let (wid, bid) = directory::create_base(&airtable, workspace, name, table).await?;
    console.log_action(
        who,
        "bases.create",
        Some(bid.as_str()),
        serde_json::json!({ "workspace": wid.as_str(), "name": name.trim(), "table": table.trim() }),
    )
    .await?;
    Ok(bid.to_string())
}

pub async fn enable_extension(
    console: &Console,
    who: &SignedInUser,
    base: &str,
    installation: &str,
) -> Result<(), ConsoleError> {
    let airtable = console.airtable_for(who).await?;
    let (bid, xid) = directory::enable_extension(&airtable, base, installation).await?;
    console
        .log_action(
            who,
            "bases.enable_extension",
            Some(&format!("{bid}/{xid}")),
            serde_json::json!({ "base": bid.as_str(), "installation": xid.as_str() }),
        )
        .await
}
