//! Reports: an index with each report's size in the latest snapshot, and one page per
//! report (paged on the server, with its "as of" time, a refresh control and a CSV of every
//! row). Reading only: any console role may see them.

use crate::query_string::use_query_once;
use leptos::{form::ActionForm, prelude::*, server_fn::codec::GetUrl};
use leptos_router::hooks::use_params_map;

use crate::api::{ConsoleError, Role, SignedInUser};
use crate::components::{format::when, session::CsrfField};
use crate::pages::snapshots::TakeSnapshot;
use crate::reports::{
    AdminGapRow, ExternalCollaboratorRow, InactiveUserRow, PublicShareRow, ReportForm, ReportIndex,
    ReportKind, ReportRows, ReportView, SoleOwnerRow, DEFAULT_INACTIVE_DAYS,
};

#[server(endpoint = "reports/index", input = GetUrl)]
pub async fn read_report_index() -> Result<ReportIndex, ConsoleError> {
    crate::serve::with_status(
        async move {
            let (console, _) = crate::serve::require_role(Role::Viewer)?;
            console_core::reports::index(&console.db).await
        }
        .await,
    )
}

#[server(endpoint = "reports/get", input = GetUrl)]
pub async fn read_report(
    name: String,
    days: Option<String>,
    page: Option<String>,
) -> Result<ReportView, ConsoleError> {
    crate::serve::with_status(
        async move {
            let (console, _) = crate::serve::require_role(Role::Viewer)?;
            let kind = ReportKind::from_slug(&name)
                .ok_or_else(|| ConsoleError::NotFound(format!("there is no report {name:?}")))?;
            let form = ReportForm {
                days: days.unwrap_or_default(),
                page: page.unwrap_or_default(),
            };
            let query = form.to_query().map_err(ConsoleError::Invalid)?;
            console_core::reports::report(&console.db, kind, &query).await
        }
        .await,
    )
}

/// Whether the signed-in person may ask for a new snapshot (operator and above).
fn can_refresh(user: Result<Option<SignedInUser>, ConsoleError>) -> bool {
    matches!(user, Ok(Some(u)) if u.role.allows(Role::Operator))
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

/// "Refresh (take a new snapshot)" for those allowed, and what came of it.
#[component]
fn Refresh(take: ServerAction<TakeSnapshot>, allowed: bool) -> impl IntoView {
    view! {
        {move || take.value().get().map(|r| match r {
            Ok(()) => view! { <p class="notice" role="status" data-testid="snapshot-requested">"A new snapshot is being taken; reload this page in a minute to see it."</p> }.into_any(),
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        })}
        {allowed.then(|| view! {
            <ActionForm action=take attr:class="inline">
                <CsrfField />
                <button type="submit" class="button secondary">"Refresh (take a new snapshot)"</button>
            </ActionForm>
        })}
    }
}

fn no_snapshot() -> impl IntoView {
    view! {
        <p class="notice" data-testid="no-snapshot">
            "The console has no complete snapshot of the enterprise yet, so it has nothing to report. "
            "Take one, then come back in a minute."
        </p>
    }
}

#[component]
pub fn ReportsPage() -> impl IntoView {
    let take = ServerAction::<TakeSnapshot>::new();
    let index = Resource::new(move || take.version().get(), |_| read_report_index());
    let user = crate::components::session::SignedIn::expect().0;
    view! {
        <h1>"Reports"</h1>
        <p class="muted">"What Airtable's admin panel does not show in one place, from the latest snapshot of the enterprise. Each report downloads as CSV."</p>
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let allowed = can_refresh(user.await);
                match index.await {
                    Ok(index) => view! {
                        <Refresh take allowed />
                        <ReportIndexView index />
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert" data-testid="report-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ReportIndexView(index: ReportIndex) -> impl IntoView {
    let Some(as_of) = index.as_of else {
        return no_snapshot().into_any();
    };
    let cards = index
        .counts
        .into_iter()
        .map(|c| {
            let count = match (c.count, c.unavailable) {
                (Some(n), _) => view! { <span class="report-count" data-testid="report-count">{n}</span> }.into_any(),
                (None, reason) => view! {
                    <span class="muted" data-testid="report-unavailable">{reason.unwrap_or_default()}</span>
                }
                .into_any(),
            };
            let days = (c.kind.takes_days()).then(|| {
                format!(" (no activity for {} days or more)", index.inactive_days)
            });
            view! {
                <li class="card report-card" data-testid=format!("report-{}", c.kind.slug())>
                    <h2><a href=c.kind.href()>{c.kind.title()}</a> {days}</h2>
                    <p class="muted">{c.kind.description()}</p>
                    <p>{count}</p>
                </li>
            }
        })
        .collect_view();
    view! {
        <p class="muted" data-testid="as-of">
            "As of " {when(Some(as_of))} " (snapshot " {index.snapshot_id.unwrap_or_default()} ")."
        </p>
        <ul class="report-list">{cards}</ul>
    }
    .into_any()
}

#[component]
pub fn ReportPage() -> impl IntoView {
    let params = use_params_map();
    let url = use_query_once();
    let name = move || params.with(|p| p.get("name").unwrap_or_default());
    let form = move || {
        url.with(|p| ReportForm {
            days: p.get("days").unwrap_or_default(),
            page: p.get("page").unwrap_or_default(),
        })
    };
    let take = ServerAction::<TakeSnapshot>::new();
    let report = Resource::new(
        move || (name(), form(), take.version().get()),
        |(name, f, _)| read_report(name, Some(f.days), Some(f.page)),
    );
    let user = crate::components::session::SignedIn::expect().0;
    let heading =
        move || ReportKind::from_slug(&name()).map_or("No such report", ReportKind::title);
    let description = move || ReportKind::from_slug(&name()).map(ReportKind::description);
    let days_form = move || {
        ReportKind::from_slug(&name())
            .filter(|k| k.takes_days())
            .map(|kind| view! { <DaysForm kind days=form().days /> })
    };
    view! {
        <p><a href="/reports">"← Reports"</a></p>
        <h1 data-testid="report-title">{heading}</h1>
        <p class="muted">{description}</p>
        {days_form}
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let allowed = can_refresh(user.await);
                match report.await {
                    Ok(view) => view! {
                        <Refresh take allowed />
                        <ReportBody view />
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert" data-testid="report-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The number of days for the inactive-users report: a GET form, so it works without wasm.
#[component]
fn DaysForm(kind: ReportKind, days: String) -> impl IntoView {
    let shown = if days.trim().is_empty() {
        DEFAULT_INACTIVE_DAYS.to_string()
    } else {
        days
    };
    view! {
        <form method="get" action=kind.href() class="search" data-testid="days-form">
            <div class="form-row">
                <label for="report-days">"No activity for at least (days)"</label>
                <input id="report-days" name="days" type="number" min="1" max="36500" required
                    value=shown.clone() prop:value=shown />
                <button type="submit" class="button primary">"Show"</button>
            </div>
        </form>
    }
}

#[component]
fn ReportBody(view: ReportView) -> impl IntoView {
    let Some(as_of) = view.as_of else {
        return no_snapshot().into_any();
    };
    let as_of_line = view! {
        <p class="muted" data-testid="as-of">
            "As of " {when(Some(as_of))} " (snapshot " {view.snapshot_id.unwrap_or_default()} "). "
            "Changes made since then show on each user, workspace and base page."
        </p>
    };
    if let Some(reason) = view.unavailable.clone() {
        return view! {
            {as_of_line}
            <p class="notice" data-testid="report-unavailable">{reason}</p>
        }
        .into_any();
    }
    let kind = view.kind;
    let summary = view.summary();
    let never = view
        .never_active
        .map(|n| format!(" ({n} of them never active)"));
    let prev = (view.query.page > 1).then(|| {
        view! { <a rel="prev" href=view.query.page_href(kind, view.query.page - 1)>"← Previous"</a> }
    });
    let next = view.has_next().then(|| {
        view! { <a rel="next" href=view.query.page_href(kind, view.query.page + 1)>"Next →"</a> }
    });
    let table = match view.rows {
        ReportRows::InactiveUsers(rows) => inactive_table(rows).into_any(),
        ReportRows::ExternalCollaborators(rows) => external_table(rows).into_any(),
        ReportRows::AdminsWithoutSsoOr2fa(rows) => admin_table(rows).into_any(),
        ReportRows::SoleOwnerWorkspaces(rows) => sole_owner_table(rows).into_any(),
        ReportRows::PublicShares(rows) => share_table(rows).into_any(),
    };
    view! {
        {as_of_line}
        <p>
            <span data-testid="report-count">{summary}</span>{never} " · "
            <a href=view.query.csv_href(kind) download rel="external" data-testid="report-csv">"Download CSV (all rows)"</a>
        </p>
        {table}
        <nav class="pager" aria-label="Pages">{prev} " " {next}</nav>
    }
    .into_any()
}

fn person_label(name: &str, email: &str) -> String {
    if name.trim().is_empty() {
        email.to_string()
    } else {
        name.to_string()
    }
}

fn user_link(id: &str, label: String) -> impl IntoView {
    view! { <a href=format!("/users/{id}")>{label}</a> }
}

fn inactive_table(rows: Vec<InactiveUserRow>) -> impl IntoView {
    let body = rows
        .into_iter()
        .map(|u| {
            let activity = match u.last_activity {
                Some(t) => view! { {when(Some(t))} }.into_any(),
                None => {
                    view! { <span class="marker" data-testid="never-active">"never active"</span> }
                        .into_any()
                }
            };
            view! {
                <tr data-testid="report-row">
                    <td>{user_link(&u.user_id, person_label(&u.name, &u.email))}</td>
                    <td data-testid="row-email">{u.email.clone()}</td>
                    <td><code>{u.user_id.clone()}</code></td>
                    <td>{activity}</td>
                    <td>{yes_no(u.is_admin)}</td>
                    <td>{yes_no(u.is_managed)}</td>
                    <td>{yes_no(u.is_service_account)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table" data-testid="report-table">
            <thead><tr>
                <th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"ID"</th>
                <th scope="col">"Last activity"</th><th scope="col">"Admin"</th>
                <th scope="col">"Managed"</th><th scope="col">"Service account"</th>
            </tr></thead>
            <tbody>{body}</tbody>
        </table>
    }
}

fn external_table(rows: Vec<ExternalCollaboratorRow>) -> impl IntoView {
    let body = rows
        .into_iter()
        .map(|u| {
            let groups = if u.groups.is_empty() {
                view! { <span class="muted">"none"</span> }.into_any()
            } else {
                let items = u
                    .groups
                    .iter()
                    .map(|g| view! { <li><a href=format!("/groups/{}", g.id)>{g.name.clone()}</a></li> })
                    .collect_view();
                // A list only when there is something to list: "none" is not a list item.
                view! { <ul class="plain">{items}</ul> }.into_any()
            };
            let workspaces = if u.workspaces.is_empty() {
                view! { <span class="muted">"none"</span> }.into_any()
            } else {
                let items = u
                    .workspaces
                    .iter()
                    .map(|w| {
                        let via = w.via_group.as_ref().map(|g| format!(" via {}", g.name));
                        view! {
                            <li data-testid="reach">
                                <a href=format!("/workspaces/{}", w.id)>{w.name.clone()}</a>
                                " (" {w.permission.clone()} {via} ")"
                            </li>
                        }
                    })
                    .collect_view();
                view! { <ul class="plain">{items}</ul> }.into_any()
            };
            view! {
                <tr data-testid="report-row">
                    <td>{user_link(&u.user_id, person_label(&u.name, &u.email))}</td>
                    <td data-testid="row-email">{u.email.clone()}</td>
                    <td>{u.state.clone()}</td>
                    <td>{when(u.last_activity)}</td>
                    <td>{groups}</td>
                    <td>{workspaces}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table" data-testid="report-table">
            <thead><tr>
                <th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"State"</th>
                <th scope="col">"Last activity"</th><th scope="col">"Groups"</th>
                <th scope="col">"Workspaces they can reach"</th>
            </tr></thead>
            <tbody>{body}</tbody>
        </table>
    }
}

fn admin_table(rows: Vec<AdminGapRow>) -> impl IntoView {
    let body = rows
        .into_iter()
        .map(|u| {
            let missing = u.missing();
            view! {
                <tr data-testid="report-row">
                    <td>{user_link(&u.user_id, person_label(&u.name, &u.email))}</td>
                    <td data-testid="row-email">{u.email.clone()}</td>
                    <td>{u.state.clone()}</td>
                    <td>{if u.is_super_admin { "super admin" } else { "admin" }}</td>
                    <td>{yes_no(u.sso_required)}</td>
                    <td>{yes_no(u.two_factor)}</td>
                    <td class="marker">{missing}</td>
                    <td>{when(u.last_activity)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table" data-testid="report-table">
            <thead><tr>
                <th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"State"</th>
                <th scope="col">"Admin"</th><th scope="col">"SSO required"</th>
                <th scope="col">"Two-factor sign-in"</th><th scope="col">"Missing"</th>
                <th scope="col">"Last activity"</th>
            </tr></thead>
            <tbody>{body}</tbody>
        </table>
    }
}

fn sole_owner_table(rows: Vec<SoleOwnerRow>) -> impl IntoView {
    let body = rows
        .into_iter()
        .map(|w| {
            let deactivated = w.owner_deactivated();
            let owner = if w.owner_is_group() {
                view! { "group " <a href=format!("/groups/{}", w.owner_id)>{w.owner_label.clone()}</a> }.into_any()
            } else {
                let label = match &w.owner_name {
                    Some(name) if !name.trim().is_empty() => format!("{name} ({})", w.owner_label),
                    _ => w.owner_label.clone(),
                };
                user_link(&w.owner_id, label).into_any()
            };
            let state = match (&w.owner_state, deactivated) {
                (_, true) => view! { <span class="danger-text" data-testid="owner-deactivated">"deactivated"</span> }.into_any(),
                (Some(state), false) => view! { {state.clone()} }.into_any(),
                (None, false) if w.owner_is_group() => view! { "a group" }.into_any(),
                (None, false) => view! { <span class="muted">"not an enterprise user"</span> }.into_any(),
            };
            // Removing a sole owner needs a replacement owner: the user's removal form asks
            // for one (a group owner is changed on the workspace's page instead).
            let handover = (!w.owner_is_group()).then(|| {
                view! {
                    <a href=format!("/users/{}#remove-from-enterprise", w.owner_id) data-testid="row-handover">
                        "Remove them, handing this over…"
                    </a>
                }
            });
            view! {
                <tr data-testid="report-row" class=if deactivated { "row-danger" } else { "" }>
                    <td><a href=format!("/workspaces/{}", w.workspace_id)>{w.workspace_name.clone()}</a></td>
                    <td><code>{w.workspace_id.clone()}</code></td>
                    <td data-testid="row-owner">{owner}</td>
                    <td>{state}</td>
                    <td>{handover}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table" data-testid="report-table">
            <thead><tr>
                <th scope="col">"Workspace"</th><th scope="col">"ID"</th>
                <th scope="col">"Only owner"</th><th scope="col">"Owner's state"</th>
                <th scope="col"><span class="visually-hidden">"Hand over"</span></th>
            </tr></thead>
            <tbody>{body}</tbody>
        </table>
    }
}

fn share_table(rows: Vec<PublicShareRow>) -> impl IntoView {
    let body = rows
        .into_iter()
        .map(|s| {
            let base = s.base_name.clone().unwrap_or_else(|| s.base_id.clone());
            let creator = s.created_by_email.clone().unwrap_or_else(|| s.created_by.clone());
            view! {
                <tr data-testid="report-row">
                    <td><a href=format!("/bases/{}", s.base_id)>{base}</a></td>
                    <td><a href=format!("/workspaces/{}", s.workspace_id)>{s.workspace_name.clone()}</a></td>
                    <td><code data-testid="row-share">{s.share_id.clone()}</code></td>
                    <td>{s.kind.clone()}</td>
                    <td>{user_link(&s.created_by, creator)}</td>
                    <td>{when(Some(s.created_at))}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table" data-testid="report-table">
            <thead><tr>
                <th scope="col">"Base"</th><th scope="col">"Workspace"</th><th scope="col">"Share"</th>
                <th scope="col">"Shows"</th><th scope="col">"Created by"</th><th scope="col">"Created"</th>
            </tr></thead>
            <tbody>{body}</tbody>
        </table>
    }
}
