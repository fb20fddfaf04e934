//! The approval workflow: who may ask, approve, reject, cancel and retry, in which order,
//! and what each step writes to the action log and the outbox. Every check is made here,
//! on the server, whatever the page showed.

use airtable_client::Client;
use chrono::{DateTime, Utc};
use console_types::api::{ConsoleError, Role, SignedInUser};
use console_types::approvals::{
    ApprovalDetail, ApprovalListing, ApprovalRequest, ApprovalStatus, RequestOutcome, RiskyAction,
};
use uuid::Uuid;

use super::{controls, notify, store};
use crate::action_log::{self, NewAction, Outcome};
use crate::error::internal;
use crate::Console;

/// Requests listed per page.
const LIST_LIMIT: i64 = 200;

fn person(who: &SignedInUser) -> store::Person<'_> {
    store::Person {
        id: &who.airtable_user_id,
        email: &who.email,
    }
}

fn parse_id(id: &str) -> Result<Uuid, ConsoleError> {
    store::row_id(id).ok_or_else(|| ConsoleError::NotFound(format!("approval request {id:?}")))
}

async fn load(state: &Console, id: Uuid) -> Result<store::Stored, ConsoleError> {
    store::get(&state.db, id)
        .await
        .map_err(internal)?
        .ok_or_else(|| ConsoleError::NotFound(format!("approval request {id}")))
}

/// An action-log entry by `who` about request `approval`, with empty details, `ok`.
fn entry<'a>(
    who: &'a SignedInUser,
    action: &'a str,
    target: Option<&'a str>,
    approval: Option<Uuid>,
) -> NewAction<'a> {
    NewAction {
        actor_id: &who.airtable_user_id,
        actor_email: &who.email,
        action,
        target,
        details: serde_json::json!({}),
        approval_id: approval,
        outcome: Outcome::Ok,
        response: None,
    }
}

async fn log(state: &Console, entry: NewAction<'_>) -> Result<(), ConsoleError> {
    action_log::ActionLog::record(&state.action_log, &state.db, entry)
        .await
        .map(|_| ())
        .map_err(internal)
}

/// Notices are best effort: a failure to write one is logged, never undoes the step.
async fn send(state: &Console, approval: Uuid, emails: Result<Vec<notify::Email>, askama::Error>) {
    let result = match emails {
        Ok(emails) => notify::enqueue(&state.db, Some(approval), &emails)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(error) = result {
        tracing::error!(%error, %approval, "could not write the approval notices");
    }
}

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

pub async fn list(
    state: &Console,
    who: &SignedInUser,
    listing: ApprovalListing,
    now: DateTime<Utc>,
) -> Result<Vec<ApprovalRequest>, ConsoleError> {
    expire(state, now).await?;
    let listing = match listing {
        ApprovalListing::WaitingForMe => store::Listing::WaitingFor {
            person: &who.airtable_user_id,
            is_admin: who.role.allows(Role::Admin),
        },
        ApprovalListing::Mine => store::Listing::MadeBy(&who.airtable_user_id),
        ApprovalListing::All => store::Listing::All,
    };
    store::list(&state.db, listing, LIST_LIMIT)
        .await
        .map_err(internal)
}

/// The number on the badge: pending requests this person could approve.
pub async fn waiting_count(
    state: &Console,
    who: &SignedInUser,
    now: DateTime<Utc>,
) -> Result<i64, ConsoleError> {
    if !who.role.allows(Role::Approver) {
        return Ok(0);
    }
    store::waiting_count(
        &state.db,
        &who.airtable_user_id,
        who.role.allows(Role::Admin),
        now,
    )
    .await
    .map_err(internal)
}

/// Expires what ran out of time, and tells the requesters.
pub async fn expire(state: &Console, now: DateTime<Utc>) -> Result<(), ConsoleError> {
    for id in store::expire_due(&state.db, now).await.map_err(internal)? {
        if let Ok(stored) = load(state, id).await {
            send(
                state,
                id,
                notify::outcome(&state.policy.public_url, &stored.request),
            )
            .await;
        }
    }
    Ok(())
}

/// Why `who` cannot approve (or retry) `stored` now, if they cannot.
fn why_not_decide(
    who: &SignedInUser,
    stored: &store::Stored,
    now: DateTime<Utc>,
    retry: bool,
) -> Option<String> {
    let request = &stored.request;
    let wanted = if retry {
        ApprovalStatus::Failed
    } else {
        ApprovalStatus::Pending
    };
    if request.status != wanted {
        return Some(format!(
            "This request is {}: it cannot be {} now.",
            request.status.label().to_lowercase(),
            if retry {
                "retried"
            } else {
                "approved or rejected"
            }
        ));
    }
    if stored.requested_by_id == who.airtable_user_id {
        return Some("You asked for this yourself: a different person must approve it.".into());
    }
    let need = request.action.approver_role();
    if !who.role.allows(need) {
        return Some(if need == Role::Admin {
            format!(
                "This changes the console's own controls: a second admin must approve it; your role is {}.",
                who.role.as_str()
            )
        } else {
            format!(
                "Approving needs the approver role; yours is {}.",
                who.role.as_str()
            )
        });
    }
    if request
        .action
        .beneficiary()
        .is_some_and(|user| user.as_str() == who.airtable_user_id)
    {
        return Some("This request gives you more power: someone else must approve it.".into());
    }
    if request.expires_at <= now {
        return Some(if retry {
            "This request's time ran out: it can no longer be retried. Ask again if it is still needed.".into()
        } else {
            "This request has expired; ask again if it is still needed.".into()
        });
    }
    None
}

/// Deciding needs a recent sign-in: a session left open on an unattended screen cannot
/// approve. `Err` sends the person through sign-in and back to the request.
fn require_recent_sign_in(
    state: &Console,
    who: &SignedInUser,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), ConsoleError> {
    if sign_in_is_recent(state, who, now) {
        Ok(())
    } else {
        Err(ConsoleError::SignInAgain {
            minutes: state.policy.approval_reauth.as_secs() / 60,
            return_to: format!("/approvals/{id}"),
        })
    }
}

fn sign_in_is_recent(state: &Console, who: &SignedInUser, now: DateTime<Utc>) -> bool {
    let window = chrono::Duration::from_std(state.policy.approval_reauth)
        .unwrap_or(chrono::Duration::minutes(10));
    now - who.signed_in_at <= window
}

pub async fn detail(
    state: &Console,
    who: &SignedInUser,
    airtable_client: &Client,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<ApprovalDetail>, ConsoleError> {
    expire(state, now).await?;
    let Some(id) = store::row_id(id) else {
        return Ok(None);
    };
    let Some(stored) = store::get(&state.db, id).await.map_err(internal)? else {
        return Ok(None);
    };
    let open = matches!(
        stored.request.status,
        ApprovalStatus::Pending | ApprovalStatus::Failed
    );
    let (compared, fingerprint) = if open && stored.call_intact {
        let now_preview = controls::preview(
            state,
            airtable_client,
            &state.enterprise_id,
            &stored.request.action,
        )
        .await?;
        (
            Some(stored.request.preview.compare(&now_preview)),
            Some(store::preview_fingerprint(&now_preview)),
        )
    } else {
        (None, None)
    };
    let retry = stored.request.status == ApprovalStatus::Failed;
    let mut why_not = why_not_decide(who, &stored, now, retry);
    if why_not.is_none() && !stored.call_intact {
        why_not = Some("The stored call does not match its hash: it was changed after it was requested. It cannot be carried out.".into());
    }
    let is_requester = stored.requested_by_id == who.airtable_user_id;
    let status = stored.request.status;
    let fresh = sign_in_is_recent(state, who, now);
    Ok(Some(ApprovalDetail {
        sign_in_again: why_not.is_none() && !fresh,
        call_hash: stored.call_hash.clone(),
        can_decide: why_not.is_none() && fresh && status == ApprovalStatus::Pending,
        can_retry: why_not.is_none() && fresh && retry,
        can_cancel: (status == ApprovalStatus::Pending && is_requester)
            || (status == ApprovalStatus::Failed
                && (is_requester || who.role.allows(Role::Approver))),
        why_not,
        compared,
        compared_fingerprint: fingerprint,
        request: stored.request,
    }))
}

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
    let finished = load(state, id).await?;
    send(
        state,
        id,
        notify::outcome(&state.policy.public_url, &finished.request),
    )
    .await;
    Ok(finished.request)
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
    let finished = load(state, id).await?;
    send(
        state,
        id,
        notify::outcome(&state.policy.public_url, &finished.request),
    )
    .await;
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
    let finished = load(state, id).await?;
    send(
        state,
        id,
        notify::outcome(&state.policy.public_url, &finished.request),
    )
    .await;
    Ok(())
}

/// Every minute (and at start-up): expires requests whose time ran out, and reports
/// executions that were cut off by a crash or restart as failures for a person to check.
pub fn spawn_sweeper(state: Console) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            let now = Utc::now();
            if let Err(error) = expire(&state, now).await {
                tracing::warn!(%error, "approval sweep: expiring requests failed");
            }
            match store::report_interrupted(&state.db, now).await {
                Ok(ids) => {
                    for id in ids {
                        tracing::warn!(%id, "approved request was interrupted while being carried out");
                        if let Ok(stored) = load(&state, id).await {
                            send(
                                &state,
                                id,
                                notify::outcome(&state.policy.public_url, &stored.request),
                            )
                            .await;
                        }
                    }
                }
                Err(error) => tracing::warn!(%error, "approval sweep failed"),
            }
        }
    });
}
