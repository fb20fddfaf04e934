//! Deciding a request: approving (or retrying) and carrying it out exactly once,
//! rejecting, and cancelling.

use airtable_client::Client;
use chrono::{DateTime, Utc};
use console_types::api::{ConsoleError, Role, SignedInUser};
use console_types::approvals::ApprovalRequest;
use uuid::Uuid;

use super::checks::{require_recent_sign_in, why_not_decide};
use super::{entry, expire, load, log, parse_id, person, send};
use crate::action_log::{NewAction, Outcome};
use crate::approvals::{controls, notify, store};
use crate::error::internal;
use crate::Console;

/// An approver's "yes" (or "try again").
#[derive(Debug, Clone, Copy)]
pub struct Decision<'a> {
    pub id: &'a str,
    /// The hash of the call the approver was shown: a decision on any other call is refused.
    pub seen_call_hash: &'a str,
    /// The fingerprint of the preview the approver was shown.
    pub seen_fingerprint: &'a str,
    pub comment: &'a str,
    /// Retrying a failed execution rather than approving a pending request.
    pub retry: bool,
}

/// Approves (or, after a failure, retries) a request and carries it out, exactly once.
/// `seen_fingerprint` is the fingerprint of the preview the approver was shown: if what the
/// action touches changed again since, nothing happens and they are asked to look again.
pub async fn approve(
    state: &Console,
    who: &SignedInUser,
    airtable_client: &Client,
    decision: Decision<'_>,
    now: DateTime<Utc>,
) -> Result<ApprovalRequest, ConsoleError> {
    let Decision {
        id,
        seen_call_hash,
        seen_fingerprint,
        comment,
        retry,
    } = decision;
    let id = parse_id(id)?;
    expire(state, now).await?;
    let stored = load(state, id).await?;
    if let Some(why) = why_not_decide(who, &stored, now, retry) {
        let about_the_person = stored.requested_by_id == who.airtable_user_id
            || !who.role.allows(stored.request.action.approver_role())
            || stored
                .request
                .action
                .beneficiary()
                .is_some_and(|user| user.as_str() == who.airtable_user_id);
        return Err(if about_the_person {
            ConsoleError::NotAllowed(why)
        } else {
            ConsoleError::Conflict(why)
        });
    }
    require_recent_sign_in(state, who, id, now)?;
    if !crate::crypto::constant_time_eq(seen_call_hash.as_bytes(), stored.call_hash.as_bytes()) {
        return Err(ConsoleError::Conflict(
            "Not carried out: the call you were shown is not the one stored for this request. Open the request again and look before deciding.".into(),
        ));
    }
    if !stored.call_intact {
        store::refuse_tampered(&state.db, id, now)
            .await
            .map_err(internal)?;
        log(
            state,
            NewAction {
                outcome: Outcome::Failed,
                ..entry(who, "approvals.tampering_detected", None, Some(id))
            },
        )
        .await?;
        tracing::error!(%id, "approval request's stored call does not match its hash");
        return Err(ConsoleError::Conflict(
            "Not carried out: the stored call does not match the hash taken when it was requested, so it was changed afterwards.".into(),
        ));
    }
    let action = stored.request.action.clone();
    let target = action.target();
    // Claim first, look second: of many simultaneous approvals exactly one wins the claim,
    // and only that one spends Airtable's rate budget re-reading what the action touches.
    if !store::claim_for_execution(&state.db, id, &person(who), Some(comment), now, retry)
        .await
        .map_err(internal)?
    {
        // Someone else approved (or cancelled) it a moment ago.
        let current = load(state, id).await?;
        return Err(ConsoleError::Conflict(format!(
            "This request is {} now{}: nothing more was done.",
            current.request.status.label().to_lowercase(),
            current
                .request
                .decided_by_email
                .map(|by| format!(" (by {by})"))
                .unwrap_or_default()
        )));
    }
    let stale = match controls::preview(state, airtable_client, &state.enterprise_id, &action).await
    {
        Err(error) => Some(error),
        Ok(now) if !now.target_exists => Some(ConsoleError::Conflict(format!(
            "{target} no longer exists in Airtable: there is nothing to do. Reject the request to close it."
        ))),
        Ok(now) if store::preview_fingerprint(&now) != seen_fingerprint => Some(ConsoleError::Conflict(
            "What this request would touch changed after you opened it. Look at it again before approving.".into(),
        )),
        Ok(_) => None,
    };
    if let Some(error) = stale {
        // Nothing was done: the request goes back to where it was, for a fresh look.
        store::release_claim(&state.db, id, retry)
            .await
            .map_err(internal)?;
        return Err(error);
    }
    let step = if retry {
        "approvals.retry"
    } else {
        "approvals.approve"
    };
    log(
        state,
        NewAction {
            details: serde_json::json!({ "comment": comment.trim() }),
            ..entry(who, step, Some(&target), Some(id))
        },
    )
    .await?;

    let result = controls::execute(
        state,
        airtable_client,
        &action,
        &stored.request.requested_by_email,
        Some(&who.email),
    )
    .await;
    let (succeeded, answer) = match &result {
        Ok(answer) => (true, answer.clone()),
        Err((message, _)) => (false, message.clone()),
    };
    let finished_at = Utc::now().max(now);
    store::finish(&state.db, id, succeeded, &answer, finished_at)
        .await
        .map_err(internal)?;
    if succeeded {
        crate::user_changes::record_action(&state.db, &action, Some(id)).await;
    }
    log(
        state,
        NewAction {
            details: serde_json::json!({
                "call": action,
                "requested_by": stored.request.requested_by_email,
            }),
            outcome: if succeeded {
                Outcome::Ok
            } else {
                Outcome::Failed
            },
            response: Some(serde_json::json!({ "answer": answer })),
            ..entry(who, action.kind(), Some(&target), Some(id))
        },
    )
    .await?;
    tracing::info!(%id, kind = action.kind(), %target, succeeded, by = %who.airtable_user_id, "approved request carried out");
    tell_outcome(state, id).await
}

pub async fn reject(
    state: &Console,
    who: &SignedInUser,
    id: &str,
    comment: &str,
    now: DateTime<Utc>,
) -> Result<(), ConsoleError> {
    let id = parse_id(id)?;
    let stored = load(state, id).await?;
    if let Some(why) = why_not_decide(who, &stored, now, false) {
        return Err(ConsoleError::NotAllowed(why));
    }
    require_recent_sign_in(state, who, id, now)?;
    if comment.trim().is_empty() {
        return Err(ConsoleError::Invalid(
            "Say why you reject it: the requester reads your comment.".into(),
        ));
    }
    if !store::reject(&state.db, id, &person(who), comment, now)
        .await
        .map_err(internal)?
    {
        return Err(ConsoleError::Conflict(
            "This request was decided a moment ago by someone else.".into(),
        ));
    }
    let target = stored.request.action.target();
    log(
        state,
        NewAction {
            details: serde_json::json!({ "comment": comment.trim() }),
            ..entry(who, "approvals.reject", Some(&target), Some(id))
        },
    )
    .await?;
    tell_outcome(state, id).await?;
    Ok(())
}

pub async fn cancel(
    state: &Console,
    who: &SignedInUser,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), ConsoleError> {
    let id = parse_id(id)?;
    let stored = load(state, id).await?;
    let is_approver =
        who.role.allows(Role::Approver) && stored.requested_by_id != who.airtable_user_id;
    if !store::cancel(&state.db, id, &person(who), is_approver, now)
        .await
        .map_err(internal)?
    {
        return Err(ConsoleError::NotAllowed(
            "Only the requester can withdraw a pending request; a failed one can also be closed by an approver.".into(),
        ));
    }
    let target = stored.request.action.target();
    log(
        state,
        entry(who, "approvals.cancel", Some(&target), Some(id)),
    )
    .await?;
    tell_outcome(state, id).await?;
    Ok(())
}

/// Reads a decided request back as it now stands and queues the emails telling the people
/// concerned how it ended; returns the request.
async fn tell_outcome(state: &Console, id: Uuid) -> Result<ApprovalRequest, ConsoleError> {
    let finished = load(state, id).await?;
    send(
        state,
        id,
        notify::outcome(&state.policy.public_url, &finished.request),
    )
    .await;
    Ok(finished.request)
}
