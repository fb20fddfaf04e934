//! Bulk actions on users: the selection form around the users table (ticked rows, or every
//! user the filter matches), and a job's page with its progress and one result per user.
//! Both work as plain HTML (a form post; a page that refreshes itself while the job runs)
//! and, hydrated, without reloads (a select-all toggle; the page polls).

use leptos::{form::ActionForm, prelude::*, server_fn::codec::GetUrl};
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::ConsoleError;
use crate::bulk::{BulkItem, BulkJob, BulkJobSummary, BULK_KINDS, RECENT_JOBS};
use crate::components::{format::when, session::CsrfField};
use crate::people::{UserForm, UserQuery, FLAGS};

/// Makes a job. `users` are the ticked rows; with `all_matching`, `filter` (the users
/// table's view, as the page showed it) is resolved on the server to every user of the
/// latest snapshot it matches. Goes on to the job's page.
#[server(endpoint = "users/bulk/start")]
pub async fn start_bulk_job(
    csrf_token: String,
    kind: String,
    reason: Option<String>,
    users: Option<Vec<String>>,
    all_matching: Option<String>,
    filter: Option<UserForm>,
    expected_total: Option<String>,
) -> Result<String, ConsoleError> {
    crate::serve::changing(
        crate::api::Role::Operator,
        &csrf_token,
        async move |console, who| {
            let kind = crate::bulk::BulkKind::parse(&kind).map_err(ConsoleError::Invalid)?;
            let selection = if all_matching.as_deref() == Some("yes") {
                let form = UserForm {
                    page: String::new(),
                    ..filter.unwrap_or_default()
                };
                let expected = match expected_total.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(text) => Some(text.parse::<i64>().map_err(|_| {
                        ConsoleError::Invalid(format!("{text:?} is not a number of users."))
                    })?),
                };
                crate::bulk::BulkSelection::AllMatching {
                    query: form.to_query().map_err(ConsoleError::Invalid)?,
                    expected,
                }
            } else {
                crate::bulk::BulkSelection::Picked(users.unwrap_or_default())
            };
            let job = crate::bulk::NewBulkJob {
                kind,
                selection,
                reason: reason.unwrap_or_default(),
            };
            let id = console_core::bulk::start(&console, &who, job).await?;
            leptos_axum::redirect(&format!("/users/bulk/{id}"));
            Ok(id)
        },
    )
    .await
}

#[server(endpoint = "users/bulk/get", input = GetUrl)]
pub async fn read_bulk_job(id: String, page: Option<String>) -> Result<BulkJob, ConsoleError> {
    crate::serve::as_role(crate::api::Role::Viewer, async move |console, _| {
        let page = match page.as_deref().map(str::trim) {
            None | Some("") => 1,
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|p| *p >= 1)
                .ok_or_else(|| ConsoleError::Invalid("Page numbers start at 1.".into()))?,
        };
        console_core::bulk::job(&console, &id, page)
            .await?
            .ok_or_else(|| ConsoleError::NotFound(format!("bulk job {id:?}")))
    })
    .await
}

#[server(endpoint = "users/bulk/recent", input = GetUrl)]
pub async fn list_bulk_jobs() -> Result<Vec<BulkJobSummary>, ConsoleError> {
    crate::serve::as_role(crate::api::Role::Viewer, async move |console, _| {
        console_core::bulk::recent(&console).await
    })
    .await
}

/// The newest bulk jobs, so a job can be found again after its page was closed.
#[component]
pub fn BulkJobsPage() -> impl IntoView {
    let jobs = Resource::new(|| (), |_| list_bulk_jobs());
    view! {
        <p><a href="/users">"← Users"</a></p>
        <h1>"Bulk actions"</h1>
        <p class="muted">{format!("The newest {RECENT_JOBS} jobs, newest first. Start one from the users table.")}</p>
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match jobs.await {
                    Ok(jobs) if jobs.is_empty() => view! {
                        <p data-testid="no-bulk-jobs">"No bulk action has been started yet."</p>
                    }.into_any(),
                    Ok(jobs) => view! {
                        <table class="table" data-testid="bulk-jobs">
                            <thead><tr>
                                <th scope="col">"Started"</th><th scope="col">"Action"</th>
                                <th scope="col">"Users"</th><th scope="col">"By"</th>
                                <th scope="col">"Progress"</th><th scope="col">"Outcome"</th>
                            </tr></thead>
                            <tbody>{jobs.into_iter().map(job_row).collect_view()}</tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert" data-testid="bulk-jobs-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn job_row(job: BulkJobSummary) -> impl IntoView {
    let c = job.counts;
    let outcome = format!(
        "{} done, {} failed, {} waiting for approval{}",
        c.done,
        c.failed,
        c.waiting,
        if c.interrupted > 0 {
            format!(", {} interrupted", c.interrupted)
        } else {
            String::new()
        }
    );
    let progress = if c.pending > 0 {
        format!("running, {}%", c.percent())
    } else {
        "finished".to_string()
    };
    view! {
        <tr data-testid="bulk-job-row">
            <td><a href=format!("/users/bulk/{}", job.id)>{when(Some(job.created_at))}</a></td>
            <td>{job.kind.label()}</td>
            <td>{job.selection}</td>
            <td>{job.created_by_email}</td>
            <td data-testid="bulk-job-progress">{progress}</td>
            <td>{outcome}</td>
        </tr>
    }
}

/// Whether rows of the users table have ticked boxes checked by the page's toggle.
#[derive(Clone, Copy)]
pub struct SelectAll(pub RwSignal<bool>);

/// The bulk form around the users table: the view it was filtered by (hidden), the
/// "select all N" choice, the action and the reason. The table's rows carry the
/// checkboxes (see [`RowCheckbox`]).
#[component]
pub fn BulkForm(query: UserQuery, total: i64, children: Children) -> impl IntoView {
    let start = ServerAction::<StartBulkJob>::new();
    let select_all = SelectAll(RwSignal::new(false));
    provide_context(select_all);
    let inactive = query
        .inactive_days
        .map(|d| d.to_string())
        .unwrap_or_default();
    let sort = query.sort.as_str().to_string();
    let mut hidden: Vec<(String, String)> = vec![
        ("q".into(), query.q.clone()),
        ("state".into(), query.state.clone().unwrap_or_default()),
    ];
    for (name, _) in FLAGS {
        let value = match query.flag(name) {
            Some(true) => "yes",
            Some(false) => "no",
            None => "",
        };
        hidden.push((name.to_string(), value.into()));
    }
    hidden.push(("inactive_days".into(), inactive));
    hidden.push(("sort".into(), sort));
    let in_words = query.describe();
    let hidden = hidden
        .into_iter()
        .map(|(name, value)| {
            view! { <input type="hidden" name=format!("filter[{name}]") value=value /> }
        })
        .collect_view();
    let kinds = BULK_KINDS
        .iter()
        .map(|(_, value, label)| view! { <option value=*value>{*label}</option> })
        .collect_view();
    view! {
        <ActionForm action=start attr:data-testid="bulk-form">
            <CsrfField />
            {hidden}
            <fieldset class="bulk-controls" data-testid="bulk-controls">
                <legend>"Bulk action on the users below"</legend>
                <p class="muted">
                    "Tick users in the table, or choose every user this filter matches. "
                    "Deactivating, granting or revoking admin access and deleting never happen at once: "
                    "each user becomes an approval request for a second person."
                </p>
                // The count and the filter shown are the table's, as applied (not the filter
                // form's fields, which may have been changed without searching); the server
                // refuses if the filter no longer matches this many users.
                <input type="hidden" name="expected_total" value=total.to_string() />
                <label class="check">
                    <input type="checkbox" name="all_matching" value="yes" data-testid="bulk-all-matching" />
                    {format!(" Select all {total} users matching the table's filter")}
                </label>
                <p class="muted" data-testid="bulk-filter-words">"The table's filter: " {in_words}</p>
                <div class="filter-grid">
                    <label for="bulk-kind">"Action"</label>
                    <select id="bulk-kind" name="kind" required>
                        <option value="">"Choose…"</option>
                        {kinds}
                    </select>
                    <label for="bulk-reason">"Reason (required for actions that need approval)"</label>
                    <input id="bulk-reason" name="reason" type="text" maxlength="2000" autocomplete="off" />
                </div>
                <button type="submit" class="button primary" data-testid="bulk-submit">"Apply to the selected users"</button>
                {move || start.value().get().and_then(Result::err).map(|e| view! {
                    <p class="error" role="alert" data-testid="bulk-error">{e.to_string()}</p>
                })}
            </fieldset>
            {children()}
        </ActionForm>
    }
}

/// The header cell of the checkbox column: with wasm, a toggle for every row on the page.
#[component]
pub fn SelectAllToggle() -> impl IntoView {
    let select_all = use_context::<SelectAll>().map(|s| s.0);
    let hydrated = RwSignal::new(false);
    // Effects run only in the browser: the toggle appears once it can work.
    Effect::new(move |_| hydrated.set(true));
    view! {
        <th scope="col">
            {move || match (hydrated.get(), select_all) {
                (true, Some(all)) => view! {
                    <input type="checkbox" aria-label="Select every user on this page"
                        data-testid="bulk-select-page"
                        prop:checked=move || all.get()
                        on:change=move |ev| all.set(event_target_checked(&ev)) />
                }.into_any(),
                _ => view! { <span class="visually-hidden">"Select"</span> }.into_any(),
            }}
        </th>
    }
}

/// A row's checkbox (its value is the user's id).
#[component]
pub fn RowCheckbox(id: String, label: String) -> impl IntoView {
    let select_all = use_context::<SelectAll>().map(|s| s.0);
    let checked = move || select_all.is_some_and(|s| s.get());
    view! {
        <td>
            <input type="checkbox" name="users[]" value=id aria-label=format!("Select {label}")
                data-testid="bulk-select" prop:checked=checked />
        </td>
    }
}

#[component]
pub fn BulkJobPage() -> impl IntoView {
    let params = use_params_map();
    let url = use_query_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let page = move || url.with(|q| q.get("page"));
    let tick = RwSignal::new(0u32);
    let running = RwSignal::new(false);
    let job = Resource::new(
        move || (id(), page(), tick.get()),
        |(id, page, _)| read_bulk_job(id, page),
    );
    // Hydrated, the page asks again every second while the job runs (without wasm, a
    // meta refresh in <noscript> reloads it instead).
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || {
                if running.get_untracked() {
                    tick.update(|n| *n = n.wrapping_add(1));
                }
            },
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    view! {
        <Transition fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match job.await {
                    Ok(job) => {
                        running.set(job.is_running());
                        view! { <JobView job /> }.into_any()
                    }
                    Err(e) => {
                        running.set(false);
                        view! {
                            <h1>"Bulk action"</h1>
                            <p class="error" role="alert" data-testid="bulk-job-error">{e.to_string()}</p>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn JobView(job: BulkJob) -> impl IntoView {
    let counts = job.counts;
    let refresh = job.is_running().then(|| {
        view! { <noscript inner_html=r#"<meta http-equiv="refresh" content="2">"# /> }
    });
    let state = if job.is_running() {
        "Running: this page follows it; closing it does not stop the job."
    } else {
        "Finished."
    };
    let reason = (!job.reason.is_empty()).then(|| {
        view! { <p>"Reason: " {job.reason.clone()}</p> }
    });
    let base = format!("/users/bulk/{}", job.id);
    let prev = (job.page > 1).then(|| {
        view! { <a rel="prev" href=format!("{base}?page={}", job.page - 1)>"← Previous"</a> }
    });
    let next = job.has_next().then(|| {
        view! { <a rel="next" href=format!("{base}?page={}", job.page + 1)>"Next →"</a> }
    });
    let rows = job.items.iter().map(item_row).collect_view();
    view! {
        {refresh}
        <p><a href="/users/bulk">"← Bulk actions"</a></p>
        <h1>"Bulk action: " {job.kind.label()}</h1>
        <p class="muted">
            {job.selection.clone()} " · asked for by " {job.created_by_email.clone()} " · "
            {when(Some(job.created_at))}
        </p>
        {reason}
        <section class="card" aria-live="polite">
            <p data-testid="bulk-state">{state}</p>
            <label for="bulk-progress">"Progress"</label>
            <progress id="bulk-progress" data-testid="bulk-progress"
                max=counts.total.max(1) value=counts.finished()>
                {format!("{}%", counts.percent())}
            </progress>
            <span data-testid="bulk-percent">{format!(" {}%", counts.percent())}</span>
            <dl class="bulk-counts" data-testid="bulk-counts">
                <dt>"Users"</dt><dd data-testid="bulk-total">{counts.total}</dd>
                <dt>"Done"</dt><dd data-testid="bulk-done">{counts.done}</dd>
                <dt>"Failed"</dt><dd data-testid="bulk-failed">{counts.failed}</dd>
                <dt>"Waiting for approval"</dt><dd data-testid="bulk-waiting">{counts.waiting}</dd>
                <dt>"Interrupted"</dt><dd data-testid="bulk-interrupted">{counts.interrupted}</dd>
                <dt>"Still to do"</dt><dd data-testid="bulk-pending">{counts.pending}</dd>
            </dl>
            <p><a href=job.csv_href() download rel="external" data-testid="bulk-csv">"Download the results (CSV)"</a></p>
        </section>
        <table class="table" data-testid="bulk-items">
            <thead><tr>
                <th scope="col">"User"</th><th scope="col">"Email"</th>
                <th scope="col">"Result"</th><th scope="col">"Details"</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <nav class="pager" aria-label="Pages">{prev} " " {next}</nav>
    }
}

fn item_row(item: &BulkItem) -> impl IntoView {
    let label = if item.name.trim().is_empty() {
        item.user_id.clone()
    } else {
        item.name.clone()
    };
    let request = item.approval_id.clone().map(|id| {
        view! { " " <a href=format!("/approvals/{id}") data-testid="bulk-approval-link">"Open the request"</a> }
    });
    view! {
        <tr data-testid="bulk-item" data-status=item.status.as_str() data-user=item.user_id.clone()>
            <td><a href=format!("/users/{}", item.user_id)>{label}</a></td>
            <td>{item.email.clone()}</td>
            <td class=format!("bulk-status {}", item.status.as_str()) data-testid="bulk-item-status">{item.status.label()}</td>
            <td data-testid="bulk-item-result">{item.result.clone()}{request}</td>
        </tr>
    }
}
