//! Two-person approval: the list of requests, one request with its preview and the
//! decision forms, the policy (which actions need approval) and the notices (outbox).
//! The server checks everything again; these pages only show what a person may do.

use leptos::{form::ActionForm, prelude::*, server_fn::codec::GetUrl};
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{ConsoleError, Role};
use crate::approvals::{
    ApprovalDetail, ApprovalListing, ApprovalRequest, ApprovalStatus, Change, ComparedLine,
    OutboxEmail, PolicyRow, RequestOutcome, RiskyAction,
};
use crate::components::format::when;
use crate::components::session::CsrfField;

#[server(endpoint = "approvals/request")]
pub async fn request_action(
    csrf_token: String,
    action: String,
    reason: String,
) -> Result<RequestOutcome, ConsoleError> {
    crate::serve::changing(Role::Operator, &csrf_token, async move |console, who| {
        let action: RiskyAction = serde_json::from_str(&action)
            .map_err(|e| ConsoleError::Invalid(format!("The action could not be read: {e}")))?;
        let outcome = console_core::approvals::request(&console, &who, action, &reason).await?;
        show_outcome_without_wasm(&outcome);
        Ok(outcome)
    })
    .await
}

/// Asks to move a base into another workspace (the workspace is typed, so this builds the
/// call here rather than posting it whole as [`RequestAction`] does).
#[server(endpoint = "bases/move")]
pub async fn request_base_move(
    csrf_token: String,
    base: String,
    workspace: String,
    reason: String,
) -> Result<RequestOutcome, ConsoleError> {
    crate::serve::changing(Role::Operator, &csrf_token, async move |console, who| {
        fn typed<T: std::str::FromStr>(
            text: &str,
            what: &str,
            prefix: &str,
        ) -> Result<T, ConsoleError> {
            text.trim().parse().map_err(|_| {
                ConsoleError::Invalid(format!(
                    "{:?} is not a {what} ID (they start with {prefix}).",
                    text.trim()
                ))
            })
        }
        let action = RiskyAction::MoveBase {
            base: typed(&base, "base", "app")?,
            workspace: typed(&workspace, "workspace", "wsp")?,
        };
        let outcome = console_core::approvals::request(&console, &who, action, &reason).await?;
        show_outcome_without_wasm(&outcome);
        Ok(outcome)
    })
    .await
}

/// The query parameters that carry a request form's answer back to the page it was posted
/// from (without the wasm bundle): the request asked for, or that it was done at once.
const ASKED_PARAM: &str = "asked";
const DONE_PARAM: &str = "done_at_once";

/// A plain form post (no wasm) goes back to the page it came from, where the answer must
/// be seen: leptos_axum sends it back to the `Referer` as it was, which says nothing on
/// success. This sends it back with the outcome in the address instead, which
/// [`RequestResult`] shows at the top of the page. (A refusal already travels back in the
/// address, as `__err`.)
#[cfg(feature = "ssr")]
pub(crate) fn show_outcome_without_wasm(outcome: &RequestOutcome) {
    let Some(parts) = use_context::<http::request::Parts>() else {
        return;
    };
    let accepts_html = parts
        .headers
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let Some(referer) = parts
        .headers
        .get(http::header::REFERER)
        .and_then(|v| v.to_str().ok())
    else {
        return;
    };
    if !accepts_html {
        return;
    }
    let result = match outcome {
        RequestOutcome::Requested { id } => (ASKED_PARAM, id.as_str()),
        RequestOutcome::Done { .. } => (DONE_PARAM, "1"),
    };
    let back = address_with_result(referer, result);
    if let (Some(response), Ok(location)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(&back),
    ) {
        // Replaces the Location leptos_axum sets (response options are applied last).
        response.insert_header(http::header::LOCATION, location);
        response.set_status(http::StatusCode::FOUND);
    }
}

/// The path and query of `referer` (never its origin: the answer stays on this site), without
/// an earlier answer, plus `result` as `name=value`.
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
fn address_with_result(referer: &str, (name, value): (&str, &str)) -> String {
    let without_origin = match referer.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |slash| &rest[slash..]),
        None => referer,
    };
    let without_fragment = without_origin.split('#').next().unwrap_or("/");
    let (path, query) = without_fragment
        .split_once('?')
        .unwrap_or((without_fragment, ""));
    // Only a path of this site: anything else (`//evil.example`) becomes the front page.
    let path = if path.starts_with('/') && !path.starts_with("//") {
        path
    } else {
        "/"
    };
    let mut kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or("");
            !pair.is_empty() && ![ASKED_PARAM, DONE_PARAM, "__path", "__err"].contains(&key)
        })
        .collect();
    let result = format!("{name}={}", crate::audit::query::percent_encode(value));
    kept.push(&result);
    format!("{path}?{}", kept.join("&"))
}

/// The server functions that ask for approval (their refusals are shown at the top).
const REQUEST_PATHS: &[&str] = &[
    <RequestAction as leptos::server_fn::ServerFn>::PATH,
    <RequestBaseMove as leptos::server_fn::ServerFn>::PATH,
];

/// Whether `id` looks like a request's ID (a UUID), so that an address cannot make the
/// page link elsewhere.
fn is_request_id(id: &str) -> bool {
    id.len() == 36 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// At the top of every page: what a request form answered when it was posted without the
/// wasm bundle (the forms themselves sit in collapsed sections, where an answer is not seen).
/// With the wasm bundle each form shows its own answer and this stays empty.
#[component]
pub fn RequestResult() -> impl IntoView {
    use leptos::server_fn::error::ServerFnUrlError;
    let query = use_query_map();
    move || {
        // A refusal comes back as leptos puts it in the address (`__path`, `__err`); it is
        // newer than an earlier answer the address may still carry.
        let refused = query.with(|q| {
            q.get_str("__path")
                .is_some_and(|path| REQUEST_PATHS.contains(&path))
                .then(|| q.get("__err"))
                .flatten()
                .map(|err| ServerFnUrlError::<ConsoleError>::decode_err(&err))
        });
        let asked = query
            .with(|q| q.get(ASKED_PARAM))
            .filter(|id| is_request_id(id));
        let done = query.with(|q| q.get_str(DONE_PARAM).is_some());
        if let Some(error) = refused {
            view! {
                <p class="error" role="alert" id="request-result" data-testid="request-refused">
                    "The request was not made: " {error.to_string()}
                </p>
            }
            .into_any()
        } else if let Some(id) = asked {
            view! {
                <p class="notice" role="status" id="request-result" data-testid="request-sent">
                    "Asked. A second person must approve it: "
                    <a href=format!("/approvals/{id}")>"follow the request"</a> "."
                </p>
            }
            .into_any()
        } else if done {
            view! {
                <p class="notice" role="status" id="request-result" data-testid="request-done">
                    "Done (this action needs no approval here). The "
                    <a href="/audit/actions">"console's action log"</a> " has the result."
                </p>
            }
            .into_any()
        } else {
            ().into_any()
        }
    }
}

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
    crate::serve::changing(Role::Approver, &csrf_token, async move |console, who| {
        console_core::approvals::approve(
            &console,
            &who,
            &id,
            &call_hash,
            &fingerprint,
            &comment,
            false,
        )
        .await
    })
    .await
}

#[server(endpoint = "approvals/retry")]
pub async fn retry_request(
    csrf_token: String,
    id: String,
    call_hash: String,
    fingerprint: String,
    comment: String,
) -> Result<ApprovalRequest, ConsoleError> {
    crate::serve::changing(Role::Approver, &csrf_token, async move |console, who| {
        console_core::approvals::approve(
            &console,
            &who,
            &id,
            &call_hash,
            &fingerprint,
            &comment,
            true,
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

fn status_class(status: ApprovalStatus) -> &'static str {
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

/// A short, stable fingerprint of `text` for element IDs (FNV-1a: the same on the server
/// and in the browser, whatever compiler built either).
fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5, |hash: u32, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// A disclosure with the form that asks for one risky action. `label` names what will
/// happen ("Delete workspace Marketing (14 bases, 37 collaborators)…"); with `confirm`,
/// the person must also type that name, for the actions that cannot be undone.
#[component]
pub fn RequestActionForm(
    action: RiskyAction,
    #[prop(into)] label: String,
    #[prop(optional, into)] confirm: Option<String>,
) -> impl IntoView {
    let request = ServerAction::<RequestAction>::new();
    let json = serde_json::to_string(&action).unwrap_or_default();
    // One page can hold several forms of a kind (a row per collaborator): the call itself
    // tells them apart, so each label points at its own text box.
    let field = format!("reason-{}-{:08x}", action.kind(), fnv1a(&json));
    let confirm_field = format!("confirm-{}-{:08x}", action.kind(), fnv1a(&json));
    // The browser checks the typed name (the field has no `name`, so it is not sent):
    // a guard against the wrong row or the wrong tab, not a security control. The
    // approval is the control.
    let confirm = confirm.map(|expected| {
        view! {
            <label for=confirm_field.clone()>"Type " <strong>{expected.clone()}</strong> " to confirm"</label>
            <input id=confirm_field type="text" required autocomplete="off"
                pattern=regex_literal(&expected) title=format!("Type {expected} exactly") />
        }
    });
    // No refetch of the header's badge after asking: a request never waits for the person
    // who asked it (nobody approves their own), and reading the signed-in person again would
    // re-render the pages that depend on it, this form with its answer among them.
    // Only answers to this form's own submissions: a refusal that came back in the address
    // (no wasm) would otherwise show in every request form of the page, each collapsed;
    // `RequestResult` shows that one at the top of the page.
    let answer = move || {
        (request.version().get() > 0)
            .then(|| request.value().get())
            .flatten()
    };
    view! {
        <details class="risky">
            <summary>{label}</summary>
            <ActionForm action=request>
                <CsrfField />
                <input type="hidden" name="action" value=json />
                <p>{action.describe()}</p>
                <label for=field.clone()>"Why is this needed?"</label>
                <textarea id=field name="reason" rows="2" required></textarea>
                {confirm}
                <button type="submit" class="button danger">"Ask for approval"</button>
            </ActionForm>
            {move || answer().map(|result| match result {
                Ok(RequestOutcome::Requested { id }) => view! {
                    <p class="notice" role="status" data-testid="request-sent">
                        "Asked. A second person must approve it: "
                        <a href=format!("/approvals/{id}")>"follow the request"</a> "."
                    </p>
                }.into_any(),
                Ok(RequestOutcome::Done { outcome }) => view! {
                    <p class="notice" role="status" data-testid="request-done">"Done (this action needs no approval here): " {outcome}</p>
                }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </details>
    }
}

/// `text` as an HTML `pattern` that matches exactly it: regular-expression syntax
/// characters are escaped (only those: browsers read patterns in Unicode mode, where any
/// other escape makes the whole pattern invalid and silently unchecked).
fn regex_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "^$\\.*+?()[]{}|/".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[component]
pub fn ApprovalPolicyPage() -> impl IntoView {
    let set = ServerAction::<SetPolicy>::new();
    let rows = Resource::new(move || set.version().get(), |_| read_policy());
    let user = crate::components::session::SignedIn::expect().0;
    view! {
        <h1>"Which actions need approval"</h1>
        <p class="lede">
            "Every risky action needs a second person. Deletions always do: they are locked. "
            "An admin may ask to exempt another kind; the exemption takes effect only when a "
            "different admin approves it. Requiring approval again happens at once. "
            "Every change is recorded in the console's action log."
        </p>
        {move || set.value().get().map(|result| match result {
            Ok(RequestOutcome::Requested { id }) => view! {
                <p class="notice" role="status" data-testid="exemption-requested">
                    "Asked. The exemption takes effect when a second admin approves it: "
                    <a href=format!("/approvals/{id}")>"follow the request"</a> "."
                </p>
            }.into_any(),
            Ok(RequestOutcome::Done { outcome }) => view! { <p class="notice" role="status">{outcome}</p> }.into_any(),
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        })}
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let is_admin = matches!(user.await, Ok(Some(u)) if u.role.allows(Role::Admin));
                match rows.await {
                    Ok(rows) => view! {
                        <table class="table" data-testid="approval-policy">
                            <thead><tr><th scope="col">"Action"</th><th scope="col">"Needs approval"</th><th scope="col"><span class="visually-hidden">"Change"</span></th></tr></thead>
                            <tbody>
                                {rows.into_iter().map(|row| view! { <PolicyRowView row is_admin set /> }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PolicyRowView(row: PolicyRow, is_admin: bool, set: ServerAction<SetPolicy>) -> impl IntoView {
    let needs = if row.locked {
        view! { <span class="locked" data-testid="policy-locked">"always (locked)"</span> }
            .into_any()
    } else if row.needs_approval {
        "yes".into_any()
    } else {
        "no".into_any()
    };
    let change = if row.locked {
        view! { <span class="muted">"Deletions cannot be exempted."</span> }.into_any()
    } else if let Some(id) = row.exemption_request.clone() {
        view! { <a href=format!("/approvals/{id}")>"Exemption waiting for a second admin"</a> }
            .into_any()
    } else if is_admin {
        let flip = if row.needs_approval { "no" } else { "yes" };
        let button = if row.needs_approval {
            "Ask to exempt"
        } else {
            "Require approval"
        };
        let label = format!("{button}: {}", row.label);
        let kind = row.kind.clone();
        view! {
            <ActionForm action=set>
                <CsrfField />
                <input type="hidden" name="kind" value=kind />
                <input type="hidden" name="needs_approval" value=flip />
                <button type="submit" class="button secondary" aria-label=label>{button}</button>
            </ActionForm>
        }
        .into_any()
    } else {
        ().into_any()
    };
    view! {
        <tr data-testid="policy-row" data-kind=row.kind.clone()>
            <td>{row.label.clone()}</td>
            <td>{needs}</td>
            <td>{change}</td>
        </tr>
    }
}

#[component]
pub fn NoticesPage() -> impl IntoView {
    let emails = Resource::new(|| (), |_| list_outbox());
    view! {
        <h1>"Notices"</h1>
        <p class="lede">"Emails the console wrote about approval requests (to you; admins see all)."</p>
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match emails.await {
                    Ok(list) if list.is_empty() => view! { <p class="notice">"No notices."</p> }.into_any(),
                    Ok(list) => list.into_iter().map(|e| view! {
                        <article class="card" data-testid="notice">
                            <h2>{e.subject.clone()}</h2>
                            <p class="muted">"To " {e.to.clone()} " · " {when(Some(e.created_at))}
                                {if e.sent_at.is_some() { " · sent" } else { " · kept in the console" }}</p>
                            <pre class="payload">{e.body.clone()}</pre>
                        </article>
                    }).collect_view().into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[cfg(test)]
mod tests {
    use super::fnv1a;

    #[test]
    fn form_ids_come_from_a_known_hash_and_differ_per_call() {
        // Published FNV-1a 32-bit test vectors.
        assert_eq!(fnv1a(""), 0x811c_9dc5);
        assert_eq!(fnv1a("a"), 0xe40c_292c);
        assert_ne!(fnv1a(r#"{"user":"usrA"}"#), fnv1a(r#"{"user":"usrB"}"#));
    }
}

#[cfg(test)]
mod answer_tests {
    use super::{address_with_result, is_request_id};

    #[test]
    fn the_answer_goes_back_to_the_same_page_of_this_site() {
        assert_eq!(
            address_with_result("http://127.0.0.1:3000/users/usr1", ("asked", "abc")),
            "/users/usr1?asked=abc"
        );
        // An earlier answer and an earlier refusal are replaced; the page's own query stays.
        assert_eq!(
            address_with_result(
                "https://console.example/users?q=weber&asked=old&__path=%2Fapi&__err=x#top",
                ("done_at_once", "1")
            ),
            "/users?q=weber&done_at_once=1"
        );
        assert_eq!(
            address_with_result("https://evil.example", ("done", "1")),
            "/?done=1"
        );
        assert_eq!(
            address_with_result("//evil.example/x", ("done", "1")),
            "/?done=1"
        );
    }

    #[test]
    fn only_request_ids_become_links() {
        assert!(is_request_id("0b7f2a8e-4a8c-4c8e-9a51-1d2f3c4b5a69"));
        assert!(!is_request_id("https://evil.example/0b7f2a8e-4a8c-4c8e"));
        assert!(!is_request_id(""));
    }
}

#[cfg(test)]
mod confirm_tests {
    use super::regex_literal;

    #[test]
    fn names_become_exact_patterns() {
        assert_eq!(regex_literal("Marketing"), "Marketing");
        assert_eq!(regex_literal("Q1 (old) v2.0"), "Q1 \\(old\\) v2\\.0");
        assert_eq!(regex_literal("a+b|c/d"), "a\\+b\\|c\\/d");
        // Other punctuation stays as it is: escaping it would make the pattern invalid.
        assert_eq!(regex_literal("ann-marie@corp.com"), "ann-marie@corp\\.com");
    }
}
