//! Reports: an index with each report's size in the latest snapshot, and one page per
//! report (paged on the server, with its "as of" time, a refresh control and a CSV of every
//! row). Reading only: any console role may see them.

use crate::query_string::use_query_once;
use leptos::{form::ActionForm, prelude::*, server_fn::codec::GetUrl};
use leptos_router::hooks::use_params_map;

use crate::api::{ConsoleError, Role, SignedInUser};
pub(super) use crate::components::format::when;
use crate::components::session::CsrfField;
use crate::pages::snapshots::TakeSnapshot;
use crate::reports::{
    ReportForm, ReportIndex, ReportKind, ReportRows, ReportView, DEFAULT_INACTIVE_DAYS,
};

mod admin_gaps;
mod external_collaborators;
mod inactive_users;
mod public_shares;
mod sole_owners;

#[server(endpoint = "reports/index", input = GetUrl)]
pub async fn read_report_index() -> Result<ReportIndex, ConsoleError> {
    crate::serve::as_role(Role::Viewer, async move |console, _| {
        console_core::reports::index(&console.db).await
    })
    .await
}

#[server(endpoint = "reports/get", input = GetUrl)]
pub async fn read_report(
    name: String,
    days: Option<String>,
    page: Option<String>,
) -> Result<ReportView, ConsoleError> {
    crate::serve::as_role(Role::Viewer, async move |console, _| {
        let kind = ReportKind::from_slug(&name)
            .ok_or_else(|| ConsoleError::NotFound(format!("there is no report {name:?}")))?;
        let form = ReportForm {
            days: days.unwrap_or_default(),
            page: page.unwrap_or_default(),
        };
        let query = form.to_query().map_err(ConsoleError::Invalid)?;
        console_core::reports::report(&console.db, kind, &query).await
    })
    .await
}

/// Whether the signed-in person may ask for a new snapshot (operator and above).
fn can_refresh(user: Result<Option<SignedInUser>, ConsoleError>) -> bool {
    matches!(user, Ok(Some(u)) if u.role.allows(Role::Operator))
}

pub(super) fn yes_no(value: bool) -> &'static str {
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
    // Each report's table is a file of this folder.
    let table = match view.rows {
        ReportRows::InactiveUsers(rows) => inactive_users::table(rows).into_any(),
        ReportRows::ExternalCollaborators(rows) => external_collaborators::table(rows).into_any(),
        ReportRows::AdminsWithoutSsoOr2fa(rows) => admin_gaps::table(rows).into_any(),
        ReportRows::SoleOwnerWorkspaces(rows) => sole_owners::table(rows).into_any(),
        ReportRows::PublicShares(rows) => public_shares::table(rows).into_any(),
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

pub(super) fn person_label(name: &str, email: &str) -> String {
    if name.trim().is_empty() {
        email.to_string()
    } else {
        name.to_string()
    }
}

pub(super) fn user_link(id: &str, label: String) -> impl IntoView {
    view! { <a href=format!("/users/{id}")>{label}</a> }
}
