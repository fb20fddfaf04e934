//! Who may decide a request, and the recent sign-in deciding needs.

use chrono::{DateTime, Utc};
use console_types::api::{ConsoleError, Role, SignedInUser};
use console_types::approvals::ApprovalStatus;
use uuid::Uuid;

use crate::approvals::store;
use crate::Console;

/// Why `who` cannot approve (or retry) `stored` now, if they cannot.
pub(super) fn why_not_decide(
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
pub(super) fn require_recent_sign_in(
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

pub(super) fn sign_in_is_recent(state: &Console, who: &SignedInUser, now: DateTime<Utc>) -> bool {
    let window = chrono::Duration::from_std(state.policy.approval_reauth)
        .unwrap_or(chrono::Duration::minutes(10));
    now - who.signed_in_at <= window
}
