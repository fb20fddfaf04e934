//! What the approvals pages show: the lists, the badge's count, and one request with
//! whether this person may decide it now.

use airtable_client::Client;
use chrono::{DateTime, Utc};
use console_types::api::{ConsoleError, Role, SignedInUser};
use console_types::approvals::{ApprovalDetail, ApprovalListing, ApprovalRequest, ApprovalStatus};

use super::checks::{sign_in_is_recent, why_not_decide};
use super::{expire, tell_expired};
use crate::approvals::{controls, store};
use crate::error::internal;
use crate::Console;

/// Requests listed per page.
const LIST_LIMIT: i64 = 200;

pub async fn list(
    state: &Console,
    who: &SignedInUser,
    listing: ApprovalListing,
    now: DateTime<Utc>,
) -> Result<Vec<ApprovalRequest>, ConsoleError> {
    let listing = match listing {
        ApprovalListing::WaitingForMe => store::Listing::WaitingFor {
            person: &who.airtable_user_id,
            is_admin: who.role.allows(Role::Admin),
        },
        ApprovalListing::Mine => store::Listing::MadeBy(&who.airtable_user_id),
        ApprovalListing::All => store::Listing::All,
    };
    let (listed, expired) = store::list_as_of(&state.db, listing, LIST_LIMIT, now)
        .await
        .map_err(internal)?;
    tell_expired(state, expired).await;
    Ok(listed)
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
    // An open request is shown with what it touches now. When Airtable cannot be asked
    // (rate-limited, down, an endpoint it lacks), the page still shows the request as it
    // was made and says why it cannot be decided yet: nobody approves without that look.
    let mut unreadable = None;
    let (compared, fingerprint) = if open && stored.call_intact {
        match controls::preview(
            state,
            airtable_client,
            &state.enterprise_id,
            &stored.request.action,
        )
        .await
        {
            Ok(now_preview) => (
                Some(stored.request.preview.compare(&now_preview)),
                Some(store::preview_fingerprint(&now_preview)),
            ),
            Err(error) => {
                tracing::warn!(%id, %error, "could not preview an open approval request");
                unreadable = Some(format!(
                    "What this request touches now could not be read from Airtable, and it is \
                     decided only after that look. {error} Reload this page in a moment."
                ));
                (None, None)
            }
        }
    } else {
        (None, None)
    };
    let retry = stored.request.status == ApprovalStatus::Failed;
    let mut why_not = why_not_decide(who, &stored, now, retry);
    if why_not.is_none() && !stored.call_intact {
        why_not = Some("The stored call does not match its hash: it was changed after it was requested. It cannot be carried out.".into());
    }
    if why_not.is_none() {
        why_not = unreadable;
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
