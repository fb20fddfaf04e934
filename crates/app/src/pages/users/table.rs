//! The users table: one page of the snapshot with the chosen columns, paging and the CSV
//! link; with `selectable`, a box per row for bulk actions.

use leptos::prelude::*;

use super::yes_no;
use crate::components::format::when;
use crate::pages::bulk::{RowCheckbox, SelectAllToggle};
use crate::people::{UserColumns, UserListing, UserRow, USER_COLUMNS};

#[component]
pub(super) fn UserTable(
    listing: UserListing,
    columns: UserColumns,
    selectable: bool,
) -> impl IntoView {
    let page = listing.page;
    let Some(as_of) = page.as_of else {
        return view! {
            <p class="notice" data-testid="no-snapshot">
                "The console has no complete snapshot of the enterprise yet, so it cannot list users. "
                "Take one, then come back in a minute. A search by exact email address or user ID still finds a user."
            </p>
        }
        .into_any();
    };
    let query = listing.query;
    let first = (page.page - 1) * crate::directory::PAGE_SIZE + 1;
    let last = first + page.rows.len() as i64 - 1;
    let summary = if page.rows.is_empty() {
        "No user matches.".to_string()
    } else {
        format!("{first}–{last} of {}", page.total)
    };
    // Paging keeps the column choice.
    let page_href = |n: i64| format!("{}{}", query.page_href(n), columns.url_suffix());
    let prev = (page.page > 1).then(|| {
        view! { <a rel="prev" href=page_href(page.page - 1)>"← Previous"</a> }
    });
    let next = page.has_next().then(|| {
        view! { <a rel="next" href=page_href(page.page + 1)>"Next →"</a> }
    });
    let details = if listing.details_recorded {
        format!(
            "External means an email domain other than {}.",
            listing.email_domains.join(", ")
        )
    } else {
        "This snapshot predates the console recording external users, two-factor sign-in, SSO and last activity; take a new one to see them.".to_string()
    };
    // The optional columns shown, in the table's order: picked once for the page, not
    // again for every row.
    let shown: Vec<(&'static str, &'static str)> = USER_COLUMNS
        .iter()
        .filter(|(name, _)| columns.shows(name))
        .copied()
        .collect();
    let headers = shown
        .iter()
        .map(|(_, label)| view! { <th scope="col">{*label}</th> })
        .collect_view();
    view! {
        <p class="muted" data-testid="as-of">
            "As of " {when(Some(as_of))} " (snapshot " {page.snapshot_id.unwrap_or_default()} "). "
            "Changes made since then show on each user's own page. " {details}
        </p>
        <p>
            <span data-testid="user-count">{summary}</span> " · "
            <a href=query.csv_href() download rel="external" data-testid="users-csv">"Download CSV (all pages, every column)"</a> " · "
            <a href="/users/bulk">"Recent bulk actions"</a>
        </p>
        <table class="table" data-testid="users">
            <thead><tr>
                {selectable.then(|| view! { <SelectAllToggle /> })}
                <th scope="col">"Name"</th>
                {headers}
            </tr></thead>
            <tbody>{page.rows.iter().map(|u| user_row(u, &shown, selectable)).collect_view()}</tbody>
        </table>
        <nav class="pager" aria-label="Pages">{prev} " " {next}</nav>
    }
    .into_any()
}

/// One user's row: the name, then the cells of the `shown` optional columns.
fn user_row(u: &UserRow, shown: &[(&str, &str)], selectable: bool) -> impl IntoView {
    let label = if u.name.trim().is_empty() {
        u.email.clone()
    } else {
        u.name.clone()
    };
    let admin = if u.is_super_admin {
        "super admin"
    } else {
        yes_no(Some(u.is_admin))
    };
    let activity = if u.is_external.is_none() {
        "not recorded".to_string()
    } else {
        when(u.last_activity)
    };
    // One cell per optional column shown, in the table's order (see `USER_COLUMNS`).
    let cells = shown
        .iter()
        .map(|(name, _)| match *name {
            "email" => view! { <td data-testid="user-email">{u.email.clone()}</td> }.into_any(),
            "id" => view! { <td><code>{u.id.clone()}</code></td> }.into_any(),
            "state" => {
                // Changed through the console since the snapshot: say so, and by which request.
                let change = u.console_change.clone().map(|c| {
                    let link = c.approval_id.map(|id| view! {
                        " (" <a href=format!("/approvals/{id}")>"request"</a> ")"
                    });
                    view! { <span class="muted" data-testid="console-change">" · " {c.what} {link}</span> }
                });
                view! { <td><span data-testid="user-state">{u.state.clone()}</span>{change}</td> }.into_any()
            }
            "admin" => view! { <td>{admin}</td> }.into_any(),
            "managed" => view! { <td>{yes_no(Some(u.is_managed))}</td> }.into_any(),
            "service" => view! { <td>{yes_no(Some(u.is_service_account))}</td> }.into_any(),
            "external" => {
                view! { <td data-testid="user-external">{yes_no(u.is_external)}</td> }.into_any()
            }
            "two_factor" => view! { <td>{yes_no(u.two_factor)}</td> }.into_any(),
            "sso" => view! { <td>{yes_no(u.sso_required)}</td> }.into_any(),
            _ => view! { <td>{activity.clone()}</td> }.into_any(),
        })
        .collect_view();
    view! {
        <tr data-testid="user-row">
            {selectable.then(|| view! { <RowCheckbox id=u.id.clone() label=label.clone() /> })}
            <td><a href=format!("/users/{}", u.id)>{label}</a></td>
            {cells}
        </tr>
    }
}
