//! The list of requests: waiting for me, asked by me, or all.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::server::list_approvals;
use crate::approvals::{ApprovalListing, ApprovalRequest, ApprovalStatus};
use crate::components::format::when;

pub(super) fn status_class(status: ApprovalStatus) -> &'static str {
    match status {
        ApprovalStatus::Pending | ApprovalStatus::Executing => "status pending",
        ApprovalStatus::Succeeded => "status ok",
        ApprovalStatus::Failed => "status failed",
        _ => "status closed",
    }
}

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let url = use_query_map();
    let show = move || url.with(|q| q.get("show").unwrap_or_else(|| "waiting".into()));
    let requests = Resource::new(show, list_approvals);
    let tab = move |value: &'static str, label: &'static str| {
        view! {
            <a href=format!("/approvals?show={value}")
               aria-current=move || (ApprovalListing::parse(&show()).as_str() == value).then_some("page")>
                {label}
            </a>
        }
    };
    view! {
        <h1>"Approvals"</h1>
        <p class="lede">
            "Deleting or taking access away needs a second person: one asks, a different "
            "person with the approver role approves exactly that, and only then does the console do it."
        </p>
        <nav class="tabs" aria-label="Requests">
            {tab("waiting", "Waiting for me")} {tab("mine", "Asked by me")} {tab("all", "All")}
        </nav>
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match requests.await {
                    Ok(list) if list.is_empty() => view! { <p class="notice" data-testid="no-requests">"No requests here."</p> }.into_any(),
                    Ok(list) => view! { <RequestTable list /> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
        <p><a href="/approvals/notices">"Notices the console sent"</a> " · " <a href="/settings/approvals">"Which actions need approval"</a></p>
    }
}

#[component]
fn RequestTable(list: Vec<ApprovalRequest>) -> impl IntoView {
    view! {
        <table class="table" data-testid="approval-requests">
            <thead><tr>
                <th scope="col">"Asked"</th><th scope="col">"What"</th><th scope="col">"Reason"</th>
                <th scope="col">"By"</th><th scope="col">"Status"</th><th scope="col">"Expires"</th>
            </tr></thead>
            <tbody>
                {list.into_iter().map(|r| view! {
                    <tr data-testid="approval-row">
                        <td><a href=format!("/approvals/{}", r.id)>{when(Some(r.requested_at))}</a></td>
                        <td>{r.description.clone()}</td>
                        <td>{r.reason.clone()}</td>
                        <td>{r.requested_by_email.clone()}</td>
                        <td><span class=status_class(r.status)>{r.status.label()}</span></td>
                        <td>{(r.status == ApprovalStatus::Pending).then(|| when(Some(r.expires_at)))}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
