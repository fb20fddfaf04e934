//! The console's own controls as approval requests: exempting a kind of action from
//! approval, and giving someone the approver or admin role. Weakening a control is itself
//! a two-person action (a second admin approves it); these are previewed from, and carried
//! out in, the console's database rather than Airtable.

use airtable_client::{ids::EnterpriseId, Client};
use console_types::api::{ConsoleError, Role};
use console_types::approvals::{kind_label, Preview, RiskyAction};

use super::{airtable, store};
use crate::error::{airtable_error, internal};
use crate::unpublished::Unpublished;
use crate::Console;

/// What `action` would touch, now: Airtable's view for Airtable actions, and for the
/// console's controls what changes in the console (plus who the person is in Airtable).
pub async fn preview(
    state: &Console,
    client: &Client,
    enterprise: &EnterpriseId,
    action: &RiskyAction,
) -> Result<Preview, ConsoleError> {
    match action {
        RiskyAction::ExemptFromApproval { exempted } => {
            let needs = store::needs_approval(&state.db, exempted)
                .await
                .map_err(internal)?;
            Ok(Preview {
                target_exists: true,
                facts: vec![
                    ("Action".into(), kind_label(exempted).to_string()),
                    (
                        "Needs a second person now".into(),
                        if needs { "yes" } else { "no" }.into(),
                    ),
                    (
                        "Once approved".into(),
                        "carried out at once for whoever asks (operators included), with no second person".into(),
                    ),
                ],
                lists: Vec::new(),
                refused: None,
            })
        }
        RiskyAction::GrantConsoleRole { user, role, .. } => {
            let mut preview = super::preview_people::user_preview(client, enterprise, user)
                .await
                .map_err(airtable_error)?;
            let now = crate::roles::store::current_role(&state.db, user.as_str())
                .await
                .map_err(internal)?;
            let admins = crate::roles::store::admin_count(&state.db)
                .await
                .map_err(internal)?;
            preview.facts.insert(
                0,
                (
                    "Console role now".into(),
                    now.map_or("none".to_string(), |r| r.to_string()),
                ),
            );
            preview
                .facts
                .insert(1, ("Console role once approved".into(), role.to_string()));
            preview
                .facts
                .push(("Console admins now".into(), admins.to_string()));
            Ok(preview)
        }
        other => airtable::preview(client, enterprise, other)
            .await
            .map_err(|error| match other {
                // Its preview lists the tokens through an unpublished endpoint.
                RiskyAction::RevokePersonalAccessTokens { .. } => {
                    Unpublished::TokenList.error(error)
                }
                _ => airtable_error(error),
            }),
    }
}

/// Carries `action` out and returns the answer in words; `Err` carries the failure in
/// words for the record and the error for the page.
pub async fn execute(
    state: &Console,
    client: &Client,
    action: &RiskyAction,
    requested_by: &str,
    approved_by: Option<&str>,
) -> Result<String, (String, ConsoleError)> {
    let by = match approved_by {
        Some(approver) => format!("{requested_by}, approved by {approver}"),
        None => requested_by.to_string(),
    };
    match action {
        RiskyAction::ExemptFromApproval { exempted } => {
            store::set_policy(&state.db, exempted, false, &by)
                .await
                .map_err(|e| failed(internal(e)))?;
            Ok(format!(
                "\"{}\" no longer needs a second person.",
                kind_label(exempted)
            ))
        }
        RiskyAction::GrantConsoleRole { user, email, role } => {
            // The name is refreshed from Airtable at the person's next sign-in.
            crate::roles::store::grant_role(&state.db, user.as_str(), email, "", *role, Some(&by))
                .await
                .map_err(|e| failed(internal(e)))?;
            Ok(format!("{email} now has the {role} console role."))
        }
        other => {
            let done = super::execute::execute(client, &state.enterprise_id, other)
                .await
                .map_err(|error| match other {
                    RiskyAction::RevokePersonalAccessTokens { .. } => {
                        failed(Unpublished::TokenRevoke.error(error))
                    }
                    _ => (error.user_message(), airtable_error(error)),
                })?;
            // The enterprise's counts may have changed (a user, group, workspace or
            // descendant gone): the overview reads them again.
            state.live.forget_enterprise().await;
            state.live.forget_objects().await;
            Ok(done)
        }
    }
}

fn failed(error: ConsoleError) -> (String, ConsoleError) {
    (error.to_string(), error)
}

/// Whether `action` may happen without a second person right now.
pub async fn may_skip_approval(
    state: &Console,
    action: &RiskyAction,
) -> Result<bool, ConsoleError> {
    let kind = action.kind();
    Ok(match action {
        // Exemptions always need a second admin.
        RiskyAction::ExemptFromApproval { .. } => false,
        // While the console has fewer than two admins (bootstrap), the one admin names
        // the others; from the moment there are two, never again.
        RiskyAction::GrantConsoleRole { .. } => {
            !crate::roles::store::two_person_rule_holds(&state.db)
                .await
                .map_err(internal)?
        }
        _ if console_types::approvals::is_locked(kind) => false,
        _ => !store::needs_approval(&state.db, kind)
            .await
            .map_err(internal)?,
    })
}

/// Refuses a role that does not need a request (the caller grants it directly).
pub fn needs_request(role: Role) -> bool {
    role.allows(Role::Approver)
}
