//! The approval pages' server functions: listing and reading requests, deciding them, the
//! policy and the outbox. Each is one check of the person's role around one domain call.

use leptos::{prelude::*, server_fn::codec::GetUrl};

use crate::api::ConsoleError;
#[cfg(feature = "ssr")]
use crate::api::Role;
#[cfg(feature = "ssr")]
use crate::approvals::ApprovalListing;
use crate::approvals::{ApprovalDetail, ApprovalRequest, OutboxEmail, PolicyRow, RequestOutcome};

#[server(endpoint = "approvals/list", input = GetUrl)]
pub async fn list_approvals(show: String) -> Result<Vec<ApprovalRequest>, ConsoleError> {
    crate::serve::as_role(Role::Viewer, async move |console, who| {
        console_core::approvals::list(&console, &who, ApprovalListing::parse(&show)).await
    })
    .await
}

#[server(endpoint = "approvals/get", input = GetUrl)]
pub async fn read_approval(id: String) -> Result<Option<ApprovalDetail>, ConsoleError> {
    crate::serve::as_role(Role::Viewer, async move |console, who| {
        console_core::approvals::detail(&console, &who, &id).await
    })
    .await
}

#[server(endpoint = "approvals/waiting", input = GetUrl)]
pub async fn waiting_approvals() -> Result<i64, ConsoleError> {
    crate::serve::as_role(Role::Viewer, async move |console, who| {
        console_core::approvals::waiting(&console, &who).await
    })
    .await
}

#[server(endpoint = "approvals/approve")]
pub async fn approve_request(
    csrf_token: String,
    id: String,
    call_hash: String,
    fingerprint: String,
    comment: String,
) -> Result<ApprovalRequest, ConsoleError> {
    approve_as_approver(csrf_token, id, call_hash, fingerprint, comment, false).await
}

#[server(endpoint = "approvals/retry")]
pub async fn retry_request(
    csrf_token: String,
    id: String,
    call_hash: String,
    fingerprint: String,
    comment: String,
) -> Result<ApprovalRequest, ConsoleError> {
    approve_as_approver(csrf_token, id, call_hash, fingerprint, comment, true).await
}

/// Approving and retrying after a failure are one decision, needing an approver and the
/// proof of what they were shown (`call_hash`, `fingerprint`); only `retry` tells them apart.
#[cfg(feature = "ssr")]
async fn approve_as_approver(
    csrf_token: String,
    id: String,
    call_hash: String,
    fingerprint: String,
    comment: String,
    retry: bool,
) -> Result<ApprovalRequest, ConsoleError> {
    crate::serve::changing(Role::Approver, &csrf_token, async move |console, who| {
        console_core::approvals::approve(
            &console,
            &who,
            &id,
            &call_hash,
            &fingerprint,
            &comment,
            retry,
        )
        .await
    })
    .await
}

#[server(endpoint = "approvals/reject")]
pub async fn reject_request(
    csrf_token: String,
    id: String,
    comment: String,
) -> Result<(), ConsoleError> {
    crate::serve::changing(Role::Approver, &csrf_token, async move |console, who| {
        console_core::approvals::reject(&console, &who, &id, &comment).await
    })
    .await
}

#[server(endpoint = "approvals/cancel")]
pub async fn cancel_request(csrf_token: String, id: String) -> Result<(), ConsoleError> {
    crate::serve::changing(Role::Operator, &csrf_token, async move |console, who| {
        console_core::approvals::cancel(&console, &who, &id).await
    })
    .await
}

#[server(endpoint = "approvals/policy", input = GetUrl)]
pub async fn read_policy() -> Result<Vec<PolicyRow>, ConsoleError> {
    crate::serve::as_role(Role::Viewer, async move |console, _| {
        console_core::approvals::policy(&console).await
    })
    .await
}

#[server(endpoint = "approvals/policy/set")]
pub async fn set_policy(
    csrf_token: String,
    kind: String,
    needs_approval: String,
) -> Result<RequestOutcome, ConsoleError> {
    crate::serve::changing(Role::Admin, &csrf_token, async move |console, who| {
        let needs = match needs_approval.as_str() {
            "yes" => true,
            "no" => false,
            other => {
                return Err(ConsoleError::Invalid(format!(
                    "needs_approval must be yes or no, not {other:?}"
                )));
            }
        };
        console_core::approvals::set_policy(&console, &who, &kind, needs).await
    })
    .await
}

#[server(endpoint = "outbox/list", input = GetUrl)]
pub async fn list_outbox() -> Result<Vec<OutboxEmail>, ConsoleError> {
    crate::serve::as_role(Role::Viewer, async move |console, who| {
        console_core::mail::outbox(&console, &who).await
    })
    .await
}
