//! Two-person approval of risky actions: requests in Postgres ([`store`]), what an action
//! would touch ([`airtable`] and the `preview_*` modules beside it), carrying it out
//! (`execute`), and the notices people get ([`notify`]).
//! The workflow itself (who may do what, in which order) is in [`workflow`].

pub mod airtable;
pub mod controls;
mod execute;
pub mod notify;
mod preview_people;
mod preview_places;
mod reach;
mod reading;
pub mod store;
pub mod workflow;

use chrono::Utc;
use console_types::api::{ConsoleError, SignedInUser};
use console_types::approvals::{
    ApprovalDetail, ApprovalListing, ApprovalRequest, PolicyRow, RequestOutcome, RiskyAction,
};

use crate::{error::internal, Console};

// ---- What the approvals pages and request forms ask for ----

pub async fn request(
    console: &Console,
    who: &SignedInUser,
    action: RiskyAction,
    reason: &str,
) -> Result<RequestOutcome, ConsoleError> {
    let airtable = console.airtable_for(who).await?;
    workflow::request(console, who, &airtable, action, reason, Utc::now()).await
}

pub async fn list(
    console: &Console,
    who: &SignedInUser,
    listing: ApprovalListing,
) -> Result<Vec<ApprovalRequest>, ConsoleError> {
    workflow::list(console, who, listing, Utc::now()).await
}

pub async fn detail(
    console: &Console,
    who: &SignedInUser,
    id: &str,
) -> Result<Option<ApprovalDetail>, ConsoleError> {
    let airtable = console.airtable_for(who).await?;
    workflow::detail(console, who, &airtable, id, Utc::now()).await
}

pub async fn approve(
    console: &Console,
    who: &SignedInUser,
    id: &str,
    seen_call_hash: &str,
    seen_fingerprint: &str,
    comment: &str,
    retry: bool,
) -> Result<ApprovalRequest, ConsoleError> {
    // The approver's own Airtable authority carries the action out.
    let airtable = console.airtable_for(who).await?;
    let decision = workflow::Decision {
        id,
        seen_call_hash,
        seen_fingerprint,
        comment,
        retry,
    };
    workflow::approve(console, who, &airtable, decision, Utc::now()).await
}

pub async fn reject(
    console: &Console,
    who: &SignedInUser,
    id: &str,
    comment: &str,
) -> Result<(), ConsoleError> {
    workflow::reject(console, who, id, comment, Utc::now()).await
}

pub async fn cancel(console: &Console, who: &SignedInUser, id: &str) -> Result<(), ConsoleError> {
    workflow::cancel(console, who, id, Utc::now()).await
}

pub async fn waiting(console: &Console, who: &SignedInUser) -> Result<i64, ConsoleError> {
    workflow::waiting_count(console, who, Utc::now()).await
}

pub async fn policy(console: &Console) -> Result<Vec<PolicyRow>, ConsoleError> {
    let exempt = store::exempt_kinds(&console.db).await.map_err(internal)?;
    let waiting = store::open_exemptions(&console.db)
        .await
        .map_err(internal)?;
    Ok(console_types::approvals::policy_kinds()
        .map(|kind| {
            let (locked, label, kind) = (kind.is_locked(), kind.label(), kind.name());
            PolicyRow {
                kind: kind.to_string(),
                label: label.to_string(),
                needs_approval: locked || !exempt.iter().any(|e| e == kind),
                locked,
                exemption_request: waiting
                    .iter()
                    .find(|(k, _)| k == kind)
                    .map(|(_, id)| id.to_string()),
            }
        })
        .collect())
}

pub async fn set_policy(
    console: &Console,
    who: &SignedInUser,
    kind: &str,
    needs_approval: bool,
) -> Result<RequestOutcome, ConsoleError> {
    if console_types::approvals::kind_named(kind).is_none_or(|k| k.is_console_control()) {
        return Err(ConsoleError::Invalid(format!(
            "{kind:?} is not a kind of action the console knows."
        )));
    }
    if !needs_approval {
        // Weakening the rule: a request that a second admin must approve. The workflow
        // refuses it outright for the locked kinds (deletions).
        let airtable = console.airtable_for(who).await?;
        let action = RiskyAction::ExemptFromApproval {
            exempted: kind.to_string(),
        };
        let reason = format!(
            "{} asks that \"{}\" no longer need a second person.",
            who.email,
            console_types::approvals::kind_label(kind)
        );
        return workflow::request(console, who, &airtable, action, &reason, Utc::now()).await;
    }
    // Tightening happens at once.
    store::set_policy(&console.db, kind, true, &who.email)
        .await
        .map_err(internal)?;
    console
        .log_action(
            who,
            "approvals.policy",
            Some(kind),
            serde_json::json!({ "needs_approval": true }),
        )
        .await?;
    Ok(RequestOutcome::Done {
        outcome: format!(
            "\"{}\" needs a second person again.",
            console_types::approvals::kind_label(kind)
        ),
    })
}
