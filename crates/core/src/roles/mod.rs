//! Console roles: the roles page's list, granting (raising someone to approver or admin is
//! a request for a second admin once two exist) and revoking. The table itself is `store`.

pub mod store;

use airtable_client::ids::UserId;
use chrono::Utc;
use console_types::api::{ConsoleError, ConsoleUserRow, Role, SignedInUser};
use console_types::approvals::{RequestOutcome, RiskyAction};

use crate::{
    approvals::{self, workflow},
    error::{airtable_error, internal},
    Console,
};

pub async fn console_users(console: &Console) -> Result<Vec<ConsoleUserRow>, ConsoleError> {
    store::list(&console.db).await.map_err(internal)
}

pub async fn grant(
    console: &Console,
    who: &SignedInUser,
    person: &str,
    role: Role,
) -> Result<RequestOutcome, ConsoleError> {
    let airtable = console.airtable_for(who).await?;
    let users = airtable.enterprise(&console.enterprise_id).users();
    let lookup = if person.starts_with("usr") {
        let id: UserId = person.parse().map_err(|e| {
            ConsoleError::Invalid(format!("{person:?} is not an Airtable user id: {e}"))
        })?;
        users.by_ids([id])
    } else if person.contains('@') {
        users.by_emails([person.to_string()])
    } else {
        return Err(ConsoleError::Invalid(format!(
            "{person:?} is neither an email address nor an Airtable user id (usr…)."
        )));
    };
    let found = lookup.send().await.map_err(airtable_error)?;
    let Some(user) = found.into_iter().next() else {
        return Err(ConsoleError::NotFound(format!(
            "no user {person} in this enterprise"
        )));
    };
    if !user.is_admin.unwrap_or(false) {
        return Err(ConsoleError::Invalid(format!(
            "{} is not an admin of this enterprise, and only enterprise admins can sign in to the console.",
            user.email
        )));
    }
    if user.id.as_ref() == who.airtable_user_id {
        return Err(ConsoleError::Invalid(
            "You cannot change your own role; ask another admin.".into(),
        ));
    }
    let current = store::current_role(&console.db, user.id.as_ref())
        .await
        .map_err(internal)?;
    // Raising someone to approver or admin weakens the two-person rule's guard: it is a
    // request for a second admin (the workflow grants it at once only while the console
    // has a single admin). Lowering a role, and viewer or operator, happen at once.
    if approvals::controls::needs_request(role) && current.is_none_or(|now| now < role) {
        let action = RiskyAction::GrantConsoleRole {
            user: user.id.clone(),
            email: user.email.clone(),
            role,
        };
        let reason = format!("{} asks to give {} the {role} role.", who.email, user.email);
        return workflow::request(console, who, &airtable, action, &reason, Utc::now()).await;
    }
    store::grant_role(
        &console.db,
        user.id.as_ref(),
        &user.email,
        &user.name,
        role,
        Some(&who.email),
    )
    .await
    .map_err(internal)?;
    tracing::info!(by = %who.airtable_user_id, person = %user.id, role = role.as_str(), "console role granted");
    console
        .log_action(
            who,
            "roles.grant",
            Some(user.id.as_ref()),
            serde_json::json!({ "person": user.email, "role": role.as_str() }),
        )
        .await?;
    Ok(RequestOutcome::Done {
        outcome: format!("{} now has the {role} console role.", user.email),
    })
}

pub async fn revoke(
    console: &Console,
    who: &SignedInUser,
    airtable_user_id: &str,
) -> Result<(), ConsoleError> {
    if airtable_user_id == who.airtable_user_id {
        return Err(ConsoleError::Invalid(
            "You cannot remove your own role; ask another admin.".into(),
        ));
    }
    let removed = store::remove(&console.db, airtable_user_id, &who.email)
        .await
        .map_err(internal)?;
    if !removed {
        return Err(ConsoleError::NotFound(format!(
            "{airtable_user_id} has no console role"
        )));
    }
    tracing::info!(by = %who.airtable_user_id, person = %airtable_user_id, "console role removed");
    console
        .log_action(
            who,
            "roles.revoke",
            Some(airtable_user_id),
            serde_json::json!({}),
        )
        .await
}
