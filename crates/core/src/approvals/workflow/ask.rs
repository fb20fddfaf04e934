//! Asking for a risky action: checks, the preview, and either carrying it out at once
//! (when no second person is needed) or storing a pending request and telling approvers.

use airtable_client::Client;
use chrono::{DateTime, Utc};
use console_types::api::{ConsoleError, SignedInUser};
use console_types::approvals::{RequestOutcome, RiskyAction};

use super::{entry, load, log, person, send};
use crate::action_log::{NewAction, Outcome};
use crate::approvals::{controls, notify, store};
use crate::error::internal;
use crate::Console;

/// Asks for `action`. When it may happen without a second person (a kind a second admin
/// agreed to exempt, or a role granted while the console has only one admin), it is
/// carried out at once with the requester's own authority; otherwise a pending request is
/// stored with the preview, and the people who may approve it are notified.
pub async fn request(
    state: &Console,
    who: &SignedInUser,
    airtable_client: &Client,
    action: RiskyAction,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<RequestOutcome, ConsoleError> {
    let need = action.requester_role();
    if !who.role.allows(need) {
        return Err(ConsoleError::Forbidden {
            have: who.role,
            need,
        });
    }
    action.validate().map_err(ConsoleError::Invalid)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ConsoleError::Invalid(
            "Say why this is needed: the approver decides on your reason.".into(),
        ));
    }
    if reason.chars().count() > 2_000 {
        return Err(ConsoleError::Invalid(
            "Keep the reason under 2,000 characters.".into(),
        ));
    }
    let kind = action.kind();
    let target = action.target();
    let preview = controls::preview(state, airtable_client, &state.enterprise_id, &action).await?;
    if !preview.target_exists {
        return Err(ConsoleError::Invalid(format!(
            "Nothing to do: {} does not exist in Airtable (any more).",
            target
        )));
    }
    // What the preview learned says Airtable would refuse this (an external collaborator, a
    // workspace left without an owner…): say so now, with what can be done instead, rather
    // than after a second person approved it.
    if let Some(why) = preview.refused {
        return Err(ConsoleError::Invalid(why));
    }
    let details = serde_json::json!({ "call": action, "reason": reason });

    if controls::may_skip_approval(state, &action).await? {
        let result = controls::execute(state, airtable_client, &action, &who.email, None).await;
        let (outcome, answer) = match &result {
            Ok(answer) => (Outcome::Ok, answer.clone()),
            Err((message, _)) => (Outcome::Failed, message.clone()),
        };
        log(
            state,
            NewAction {
                details,
                outcome,
                response: Some(serde_json::json!({ "answer": answer })),
                ..entry(who, kind, Some(&target), None)
            },
        )
        .await?;
        if result.is_ok() {
            crate::user_changes::record_action(&state.db, &action, None).await;
        }
        return match result {
            Ok(answer) => Ok(RequestOutcome::Done { outcome: answer }),
            Err((_, error)) => Err(error),
        };
    }

    let ttl = chrono::Duration::from_std(state.policy.approval_ttl)
        .unwrap_or_else(|_| chrono::Duration::hours(24));
    let id = match store::create(
        &state.db,
        store::NewRequest {
            action: &action,
            reason,
            requested_by: person(who),
            preview: &preview,
            now,
            ttl,
        },
    )
    .await
    {
        Ok(id) => id,
        Err(store::StoreError::AlreadyOpen(open)) => {
            return Err(ConsoleError::Conflict(format!(
                "There is already an open request to do this (request {open}): approve, reject or cancel it first."
            )))
        }
        Err(store::StoreError::Database(e)) => return Err(internal(e)),
    };
    log(
        state,
        NewAction {
            details,
            ..entry(who, "approvals.request", Some(&target), Some(id))
        },
    )
    .await?;
    let stored = load(state, id).await?;
    let approvers = store::approvers(&state.db, action.approver_role())
        .await
        .map_err(internal)?;
    send(
        state,
        id,
        notify::requested(&state.policy.public_url, &stored.request, &approvers),
    )
    .await;
    tracing::info!(%id, kind, target = %target, by = %who.airtable_user_id, "approval requested");
    Ok(RequestOutcome::Requested { id: id.to_string() })
}
