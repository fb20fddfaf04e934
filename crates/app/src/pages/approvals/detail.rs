//! One request: what it touches (the request-time preview, or for a pending request the one
//! computed now with what changed), and the forms to decide, retry or withdraw it.

use leptos::{form::ActionForm, prelude::*};
use leptos_router::hooks::use_params_map;

use super::list::status_class;
use super::server::{read_approval, ApproveRequest, CancelRequest, RejectRequest, RetryRequest};
use crate::api::ConsoleError;
use crate::approvals::{ApprovalDetail, ApprovalStatus, Change, ComparedLine};
use crate::components::format::when;
use crate::components::session::CsrfField;

#[component]
pub fn ApprovalPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let approve = ServerAction::<ApproveRequest>::new();
    let retry = ServerAction::<RetryRequest>::new();
    let reject = ServerAction::<RejectRequest>::new();
    let cancel = ServerAction::<CancelRequest>::new();
    let detail = Resource::new(
        move || {
            (
                id(),
                approve.version().get(),
                retry.version().get(),
                reject.version().get(),
                cancel.version().get(),
            )
        },
        |(id, ..)| read_approval(id),
    );
    // The header's badge counts requests waiting for this person: read it again when a
    // decision is over (the person travels with the count, see `SignedIn`).
    let signed_in = crate::components::session::SignedIn::expect().0;
    Effect::new(move |was_busy: Option<bool>| {
        let busy = approve.pending().get()
            || retry.pending().get()
            || reject.pending().get()
            || cancel.pending().get();
        if was_busy == Some(true) && !busy {
            signed_in.refetch();
        }
        busy
    });
    let failure = move || {
        approve
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| retry.value().get().and_then(|r| r.err()))
            .or_else(|| reject.value().get().and_then(|r| r.err()))
            .or_else(|| cancel.value().get().and_then(|r| r.err()))
    };
    view! {
        <p><a href="/approvals">"← Approvals"</a></p>
        {move || failure().map(|e| view! { <DecisionError error=e /> })}
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(Some(d)) => view! { <RequestDetail detail=d approve retry reject cancel /> }.into_any(),
                    Ok(None) => view! { <h1>"Request not found"</h1> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A refused decision. A stale sign-in gets the way through sign-in and back here.
#[component]
fn DecisionError(error: ConsoleError) -> impl IntoView {
    let again = match &error {
        ConsoleError::SignInAgain { return_to, .. } => Some(sign_in_again_href(return_to)),
        _ => None,
    };
    view! {
        <p class="error" role="alert" data-testid="approval-error">{error.to_string()}</p>
        {again.map(|href| view! { <p><a class="button primary" href=href>"Sign in again"</a></p> })}
    }
}

/// Sign-in (a full round trip through Airtable) that comes back to `return_to`.
fn sign_in_again_href(return_to: &str) -> String {
    format!(
        "/auth/login?return_to={}",
        crate::audit::query::percent_encode(return_to)
    )
}

#[component]
fn RequestDetail(
    detail: ApprovalDetail,
    approve: ServerAction<ApproveRequest>,
    retry: ServerAction<RetryRequest>,
    reject: ServerAction<RejectRequest>,
    cancel: ServerAction<CancelRequest>,
) -> impl IntoView {
    let r = detail.request;
    let id = r.id.clone();
    let fingerprint = detail.compared_fingerprint.clone().unwrap_or_default();
    let call_hash = detail.call_hash.clone();
    let preview = match detail.compared {
        Some(compared) => view! {
            <section class="card" data-testid="approval-preview">
                <h2>"What this touches, as of now"</h2>
                {compared.changed.then(|| view! {
                    <p class="notice" data-testid="preview-changed">"Things changed since the request was made: changes are marked."</p>
                })}
                {(!compared.target_exists).then(|| view! {
                    <p class="error">"The target no longer exists in Airtable."</p>
                })}
                <ul class="preview">{compared.facts.into_iter().map(|l| view! { <Line line=l /> }).collect_view()}</ul>
                {compared.lists.into_iter().map(|list| view! {
                    <h3>{list.title.clone()} " (" {list.items.len()} ")"</h3>
                    {list.items.is_empty().then(|| view! { <p class="muted">"None."</p> })}
                    <ul class="preview">{list.items.into_iter().map(|l| view! { <Line line=l /> }).collect_view()}</ul>
                }).collect_view()}
            </section>
        }
        .into_any(),
        None => view! {
            <section class="card" data-testid="approval-preview">
                <h2>"What it touched, when requested"</h2>
                <ul class="preview">
                    {r.preview.facts.iter().map(|(k, v)| view! { <li>{format!("{k}: {v}")}</li> }).collect_view()}
                </ul>
                {r.preview.lists.iter().map(|l| view! {
                    <h3>{l.title.clone()} " (" {l.items.len()} ")"</h3>
                    <ul class="preview">{l.items.iter().map(|i| view! { <li>{i.clone()}</li> }).collect_view()}</ul>
                }).collect_view()}
            </section>
        }
        .into_any(),
    };
    view! {
        <h1>{r.kind_label.clone()}</h1>
        <dl class="facts" data-testid="approval-facts">
            <dt>"What"</dt><dd data-testid="approval-description">{r.description.clone()}</dd>
            <dt>"Why"</dt><dd>{r.reason.clone()}</dd>
            <dt>"Asked by"</dt><dd>{r.requested_by_email.clone()} " at " {when(Some(r.requested_at))}</dd>
            <dt>"Status"</dt><dd><span class=status_class(r.status) data-testid="approval-status">{r.status.label()}</span></dd>
            {(r.status == ApprovalStatus::Pending).then(|| view! { <dt>"Expires"</dt><dd>{when(Some(r.expires_at))}</dd> })}
            {r.decided_by_email.clone().map(|by| view! { <dt>"Decided by"</dt><dd>{by} " at " {when(r.decided_at)}</dd> })}
            {r.decision_comment.clone().map(|c| view! { <dt>"Comment"</dt><dd>{c}</dd> })}
            {r.outcome.clone().map(|o| view! { <dt>"Result"</dt><dd data-testid="approval-outcome">{o}</dd> })}
        </dl>
        {detail.why_not.clone().filter(|_| matches!(r.status, ApprovalStatus::Pending | ApprovalStatus::Failed)).map(|why| view! {
            <p class="notice" data-testid="why-not">{why}</p>
        })}
        {preview}
        <p class="muted">"Call hash (SHA-256 of exactly what will be carried out): " <code data-testid="call-hash">{call_hash.clone()}</code></p>
        {detail.sign_in_again.then(|| {
            let href = sign_in_again_href(&format!("/approvals/{id}"));
            view! {
                <section class="card decision" data-testid="sign-in-again">
                    <h2>"Decide"</h2>
                    <p>"Approving or rejecting needs a recent sign-in through Airtable. Sign in again and you come straight back here."</p>
                    <p><a class="button primary" href=href>"Sign in again to decide"</a></p>
                </section>
            }
        })}
        {detail.can_decide.then(|| {
            let (id_a, id_r, fp, hash) = (id.clone(), id.clone(), fingerprint.clone(), call_hash.clone());
            view! {
                <section class="card decision">
                    <h2>"Decide"</h2>
                    <ActionForm action=approve>
                        <CsrfField />
                        <input type="hidden" name="id" value=id_a />
                        <input type="hidden" name="call_hash" value=hash />
                        <input type="hidden" name="fingerprint" value=fp />
                        <label for="approve-comment">"Comment (optional)"</label>
                        <textarea id="approve-comment" name="comment" rows="2"></textarea>
                        <button type="submit" class="button danger">"Approve and carry out"</button>
                    </ActionForm>
                    <ActionForm action=reject>
                        <CsrfField />
                        <input type="hidden" name="id" value=id_r />
                        <label for="reject-comment">"Why reject it"</label>
                        <textarea id="reject-comment" name="comment" rows="2" required></textarea>
                        <button type="submit" class="button secondary">"Reject"</button>
                    </ActionForm>
                </section>
            }
        })}
        {detail.can_retry.then(|| {
            let (id_t, fp, hash) = (id.clone(), fingerprint.clone(), call_hash.clone());
            view! {
                <section class="card decision">
                    <h2>"Try again"</h2>
                    <p>"Check in Airtable first whether the first attempt took effect."</p>
                    <ActionForm action=retry>
                        <CsrfField />
                        <input type="hidden" name="id" value=id_t />
                        <input type="hidden" name="call_hash" value=hash />
                        <input type="hidden" name="fingerprint" value=fp />
                        <input type="hidden" name="comment" value="" />
                        <button type="submit" class="button danger">"Retry"</button>
                    </ActionForm>
                </section>
            }
        })}
        {detail.can_cancel.then(|| {
            let id_c = id.clone();
            view! {
                <ActionForm action=cancel>
                    <CsrfField />
                    <input type="hidden" name="id" value=id_c />
                    <button type="submit" class="button secondary">
                        {if r.status == ApprovalStatus::Failed { "Close without retrying" } else { "Withdraw the request" }}
                    </button>
                </ActionForm>
            }
        })}
    }
}

#[component]
fn Line(line: ComparedLine) -> impl IntoView {
    let (class, note) = match line.change {
        Change::Same => ("", ""),
        Change::Added => ("added", " (new since the request)"),
        Change::Removed => ("removed", " (gone since the request)"),
        Change::Changed => ("changed", " (changed since the request)"),
    };
    view! { <li class=class>{line.text}<span class="visually-hidden">{note}</span></li> }
}
