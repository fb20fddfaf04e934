//! Users and groups as the identity provider sees them through Airtable's SCIM API: what
//! Okta or Entra ID provisioned, for comparing with the enterprise's own view.

use crate::query_string::use_query_once;
use leptos::{prelude::*, server_fn::codec::GetUrl};

use crate::api::ConsoleError;
use crate::components::format::when;
use crate::enterprise::{ScimGroupRow, ScimPage, ScimUserRow};

#[server(endpoint = "scim/users", input = GetUrl)]
pub async fn list_scim_users(
    filter: Option<String>,
    start: Option<u64>,
) -> Result<ScimPage<ScimUserRow>, ConsoleError> {
    crate::serve::as_role(crate::api::Role::Viewer, async move |console, who| {
        console_core::enterprise::scim_users(
            &console,
            &who,
            filter.as_deref().unwrap_or_default(),
            start.unwrap_or(1),
        )
        .await
    })
    .await
}

#[server(endpoint = "scim/groups", input = GetUrl)]
pub async fn list_scim_groups(
    filter: Option<String>,
    start: Option<u64>,
) -> Result<ScimPage<ScimGroupRow>, ConsoleError> {
    crate::serve::as_role(crate::api::Role::Viewer, async move |console, who| {
        console_core::enterprise::scim_groups(
            &console,
            &who,
            filter.as_deref().unwrap_or_default(),
            start.unwrap_or(1),
        )
        .await
    })
    .await
}

/// The page's search box value and start index, from the URL.
fn search_params() -> (
    impl Fn() -> String + Copy + Send + Sync + 'static,
    impl Fn() -> u64 + Copy + Send + Sync + 'static,
) {
    let url = use_query_once();
    let filter = move || url.with(|p| p.get("filter").unwrap_or_default());
    let start = move || {
        url.with(|p| {
            p.get("start")
                .and_then(|s| s.trim().parse::<u64>().ok())
                .filter(|s| *s >= 1)
                .unwrap_or(1)
        })
    };
    (filter, start)
}

fn page_link(base: &str, filter: &str, start: u64) -> String {
    let mut href = format!("{base}?start={start}");
    if !filter.is_empty() {
        href.push_str("&filter=");
        href.push_str(&super::workspaces::encode(filter));
    }
    href
}

/// Links to the pages before and after this one, keeping the filter.
fn pager<T>(base: &'static str, page: &ScimPage<T>) -> impl IntoView {
    let prev = page.previous_start().map(|s| {
        view! { <a rel="prev" href=page_link(base, &page.filter, s)>"← Previous"</a> }
    });
    let next = page.next_start().map(|s| {
        view! { <a rel="next" href=page_link(base, &page.filter, s)>"Next →"</a> }
    });
    view! { <nav class="pager" aria-label="Pages">{prev} " " {next}</nav> }
}

fn summary<T>(page: &ScimPage<T>, noun: &str) -> String {
    if page.rows.is_empty() {
        format!("No {noun} match.")
    } else {
        let last = page.start_index + page.rows.len() as u64 - 1;
        format!("{}–{last} of {}", page.start_index, page.total)
    }
}

#[component]
fn ScimTabs(current: &'static str) -> impl IntoView {
    let tab = move |href: &'static str, label: &'static str| {
        let here = href == current;
        view! { <a href=href aria-current=here.then_some("page")>{label}</a> }
    };
    view! {
        <nav class="tabs" aria-label="SCIM">
            {tab("/scim/users", "Users")} " · " {tab("/scim/groups", "Groups")}
        </nav>
    }
}

/// The search box of a SCIM page. `what` names what may be typed as it is, besides a SCIM
/// filter like `example`; `input_id` is the input's id, which the label points at.
#[component]
fn ScimSearch(
    action: &'static str,
    input_id: &'static str,
    what: &'static str,
    example: &'static str,
    filter: impl Fn() -> String + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <form method="get" action=action role="search" class="search">
            <label for=input_id>{format!("{what}, or a SCIM filter (e.g. ")} <code>{example}</code> ")"</label>
            <div class="search-row">
                <input id=input_id name="filter" type="search" value=filter />
                <button type="submit" class="button primary">"Search"</button>
            </div>
        </form>
    }
}

/// Shows `reading` while the SCIM page loads, then the page through `table`, or the error.
fn scim_listing<T, V>(
    page: Resource<Result<ScimPage<T>, ConsoleError>>,
    reading: &'static str,
    table: impl Fn(ScimPage<T>) -> V + Copy + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    V: IntoView + 'static,
{
    view! {
        <Suspense fallback=move || view! { <p aria-busy="true">{reading}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => table(page).into_any(),
                    Err(e) => view! { <p class="error" role="alert" data-testid="scim-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn ScimUsersPage() -> impl IntoView {
    let (filter, start) = search_params();
    let users = Resource::new(
        move || (filter(), start()),
        |(filter, start)| list_scim_users(Some(filter), Some(start)),
    );
    view! {
        <h1>"SCIM: users"</h1>
        <ScimTabs current="/scim/users" />
        <p class="lede">"Users as your identity provider provisioned them through SCIM."</p>
        <ScimSearch action="/scim/users" input_id="scim-user-filter" what="Email address" example="userName sw \"ann\"" filter />
        {scim_listing(users, "Reading SCIM users from Airtable…", |page| view! { <ScimUserTable page /> })}
    }
}

#[component]
fn ScimUserTable(page: ScimPage<ScimUserRow>) -> impl IntoView {
    let rows = page.rows.clone();
    view! {
        <p class="muted">"Read from Airtable at " {when(Some(page.read_at))} "."</p>
        <p data-testid="scim-count">{summary(&page, "users")}</p>
        <table class="table" data-testid="scim-users">
            <thead><tr>
                <th scope="col">"User name"</th><th scope="col">"Name"</th><th scope="col">"Active"</th>
                <th scope="col">"External ID"</th><th scope="col">"Title"</th><th scope="col">"Department"</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|u| {
                    let name = u.display_name.clone().unwrap_or_else(|| {
                        [u.given_name.clone(), u.family_name.clone()]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join(" ")
                    });
                    let active = match u.active {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "—",
                    };
                    view! {
                        <tr data-testid="scim-user-row">
                            <td><a href=format!("/users/{}", u.id)>{u.user_name.clone()}</a></td>
                            <td>{name}</td>
                            <td>{active}</td>
                            <td>{u.external_id.clone().unwrap_or_else(|| "—".into())}</td>
                            <td>{u.title.clone().unwrap_or_default()}</td>
                            <td>{u.department.clone().unwrap_or_default()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        {pager("/scim/users", &page)}
    }
}

#[component]
pub fn ScimGroupsPage() -> impl IntoView {
    let (filter, start) = search_params();
    let groups = Resource::new(
        move || (filter(), start()),
        |(filter, start)| list_scim_groups(Some(filter), Some(start)),
    );
    view! {
        <h1>"SCIM: groups"</h1>
        <ScimTabs current="/scim/groups" />
        <p class="lede">"Groups as your identity provider provisioned them through SCIM, with their members."</p>
        <ScimSearch action="/scim/groups" input_id="scim-group-filter" what="Group name" example="displayName sw \"Eng\"" filter />
        {scim_listing(groups, "Reading SCIM groups from Airtable…", |page| view! { <ScimGroupTable page /> })}
    }
}

#[component]
fn ScimGroupTable(page: ScimPage<ScimGroupRow>) -> impl IntoView {
    let rows = page.rows.clone();
    view! {
        <p class="muted">"Read from Airtable at " {when(Some(page.read_at))} "."</p>
        <p data-testid="scim-count">{summary(&page, "groups")}</p>
        <table class="table" data-testid="scim-groups">
            <thead><tr>
                <th scope="col">"Group"</th><th scope="col">"External ID"</th><th scope="col">"Members"</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|g| {
                    let count = g.members.len();
                    let members = g.members.iter().map(|m| {
                        let label = m.display.clone().unwrap_or_else(|| m.id.clone());
                        view! { <li><a href=format!("/users/{}", m.id)>{label}</a></li> }
                    }).collect_view();
                    view! {
                        <tr data-testid="scim-group-row">
                            <td><a href=format!("/groups/{}", g.id)>{g.display_name.clone().unwrap_or_else(|| g.id.clone())}</a></td>
                            <td>{g.external_id.clone().unwrap_or_else(|| "—".into())}</td>
                            <td>
                                <details>
                                    <summary>{count} " members"</summary>
                                    <ul class="compact">{members}</ul>
                                </details>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        {pager("/scim/groups", &page)}
    }
}
