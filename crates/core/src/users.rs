//! Users: the list (from the latest snapshot, with console changes laid over it) and one
//! user read live; signing a user out, renaming them, changing their email. Every change
//! is recorded in the action log.

use console_types::{
    api::{ConsoleError, SignedInUser},
    people::{UserDetail, UserListing, UserQuery},
};

use crate::{people, Console};

pub async fn list(
    console: &Console,
    who: &SignedInUser,
    query: &UserQuery,
) -> Result<UserListing, ConsoleError> {
    let mut listing = people::list(&console.db, &console.user_views, query).await?;
    // Someone newer than the snapshot is still found by exact ID or email.
    if let (None, Some(key)) = (&listing.exact, people::exact_key(&query.q)) {
        let airtable = console.airtable_for(who).await?;
        listing.exact = people::find_live(&airtable, &console.enterprise_id, key).await?;
    }
    Ok(listing)
}

/// One user as Airtable reports them, shared between people for a short while
/// ([`crate::live`]); `refresh` reads them now.
pub async fn get(
    console: &Console,
    who: &SignedInUser,
    id: &str,
    refresh: bool,
) -> Result<UserDetail, ConsoleError> {
    let read = console.live.users.read(id.trim(), refresh, async {
        let airtable = console.airtable_for(who).await?;
        people::user(&airtable, &console.db, &console.enterprise_id, id).await
    });
    Ok(read.await?.value.clone())
}

pub async fn log_out(console: &Console, who: &SignedInUser, id: &str) -> Result<(), ConsoleError> {
    let airtable = console.airtable_for(who).await?;
    let user = people::logout(&airtable, &console.enterprise_id, id).await?;
    console
        .log_action(
            who,
            "users.logout",
            Some(user.as_str()),
            serde_json::json!({}),
        )
        .await
}

pub async fn rename(
    console: &Console,
    who: &SignedInUser,
    id: &str,
    first_name: &str,
    last_name: &str,
) -> Result<(), ConsoleError> {
    let airtable = console.airtable_for(who).await?;
    let (user, first, last) =
        people::rename(&airtable, &console.enterprise_id, id, first_name, last_name).await?;
    console
        .log_action(
            who,
            "users.rename",
            Some(user.as_str()),
            serde_json::json!({ "first_name": first, "last_name": last }),
        )
        .await
}

pub async fn change_email(
    console: &Console,
    who: &SignedInUser,
    id: &str,
    email: &str,
) -> Result<(), ConsoleError> {
    let airtable = console.airtable_for(who).await?;
    let (user, email) = people::change_email(&airtable, &console.enterprise_id, id, email).await?;
    console
        .log_action(
            who,
            "users.change_email",
            Some(user.as_str()),
            serde_json::json!({ "email": email }),
        )
        .await
}
