//! Snapshots of the enterprise's state: who was an admin on a given date, and what changed
//! between two snapshots. Every question is a GET form, so answers can be bookmarked and
//! work without the wasm bundle.

use crate::query_string::use_query_once;
use leptos::{form::ActionForm, prelude::*, server_fn::codec::GetUrl};

use crate::api::{
    AccessChange, AdminsAt, ConsoleError, SnapshotDiff, SnapshotSummary, SnapshotUser,
};
use crate::components::{format::when, session::CsrfField};

#[server(endpoint = "snapshots/list", input = GetUrl)]
pub async fn list_snapshots() -> Result<Vec<SnapshotSummary>, ConsoleError> {
    crate::serve::as_role(crate::api::Role::Viewer, async move |console, _| {
        console_core::snapshots::history(&console).await
    })
    .await
}

#[server(endpoint = "snapshots/admins-at", input = GetUrl)]
pub async fn read_admins_at(date: String) -> Result<Option<AdminsAt>, ConsoleError> {
    crate::serve::as_role(crate::api::Role::Viewer, async move |console, _| {
        let at = parse_moment(&date)?;
        console_core::snapshots::who_was_admin(&console, at).await
    })
    .await
}

#[server(endpoint = "snapshots/diff", input = GetUrl)]
pub async fn compare_snapshots(from: i64, to: i64) -> Result<SnapshotDiff, ConsoleError> {
    crate::serve::as_role(crate::api::Role::Viewer, async move |console, _| {
        console_core::snapshots::compare(&console, from, to).await
    })
    .await
}

#[server(endpoint = "snapshots/take")]
pub async fn take_snapshot(csrf_token: String) -> Result<(), ConsoleError> {
    crate::serve::changing(
        crate::api::Role::Operator,
        &csrf_token,
        async move |console, who| console_core::snapshots::take_now(&console, &who).await,
    )
    .await
}

/// A date (`2026-01-31`, meaning the end of that day, UTC) or an RFC 3339 time.
#[cfg(feature = "ssr")]
fn parse_moment(text: &str) -> Result<chrono::DateTime<chrono::Utc>, ConsoleError> {
    let text = text.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .map(|t| t.and_utc())
        .ok_or_else(|| {
            ConsoleError::Invalid(format!(
                "{text:?} is not a date: write it as 2026-01-31 (or a full time like 2026-01-31T09:30:00Z)"
            ))
        })
}

#[component]
pub fn SnapshotsPage() -> impl IntoView {
    let query = use_query_once();
    let take = ServerAction::<TakeSnapshot>::new();
    let list = Resource::new(move || take.version().get(), |_| list_snapshots());
    let date = move || query.with(|q| q.get("date"));
    let pair = move || {
        query.with(|q| {
            let from = q.get("from")?.parse::<i64>().ok()?;
            let to = q.get("to")?.parse::<i64>().ok()?;
            Some((from, to))
        })
    };
    let admins = Resource::new(date, |date| async move {
        match date {
            Some(d) => Some(read_admins_at(d).await),
            None => None,
        }
    });
    let diff = Resource::new(pair, |pair| async move {
        match pair {
            Some((from, to)) => Some(compare_snapshots(from, to).await),
            None => None,
        }
    });

    view! {
        <h1>"Snapshots"</h1>
        <p class="lede">
            "The console records the enterprise's users, admins, group members and workspace "
            "access every day, so you can see how things stood on any date."
        </p>
        {move || take.value().get().and_then(Result::err).map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
        {move || take.value().get().and_then(Result::ok).map(|_| view! {
            <p class="notice" role="status">"A snapshot is being taken; it appears here within a minute."</p>
        })}
        <ActionForm action=take>
            <CsrfField />
            <button type="submit" class="button secondary">"Take a snapshot now"</button>
        </ActionForm>

        <section class="card">
            <h2>"Who was an admin on…"</h2>
            <form method="get" action="/audit/snapshots">
                <label for="admins-date">"Date (UTC)"</label>
                <input id="admins-date" name="date" type="date" required value=move || date().unwrap_or_default() />
                <button type="submit" class="button primary">"Show admins"</button>
            </form>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    admins.await.map(|answer| match answer {
                        Ok(Some(a)) => view! { <AdminsTable answer=a /> }.into_any(),
                        Ok(None) => view! { <p class="notice" data-testid="admins-none">"There is no snapshot from that date or before it."</p> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    })
                })}
            </Suspense>
        </section>

        <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) => view! { <SnapshotList list pair=pair() /> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                diff.await.map(|answer| match answer {
                    Ok(d) => view! { <DiffView diff=d /> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                })
            })}
        </Suspense>
    }
}

#[component]
fn SnapshotList(list: Vec<SnapshotSummary>, pair: Option<(i64, i64)>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p data-testid="no-snapshots">"No snapshot has been taken yet."</p> }
            .into_any();
    }
    let (from, to) = pair.unwrap_or_else(|| {
        let newest = list.first().map_or(0, |s| s.id);
        let previous = list.get(1).map_or(newest, |s| s.id);
        (previous, newest)
    });
    let rows = list.clone();
    let options = move |selected: i64| {
        list.iter()
            .map(|s| {
                view! { <option value=s.id selected=s.id == selected>{format!("#{} · {}", s.id, when(Some(s.taken_at)))}</option> }
            })
            .collect_view()
    };
    view! {
        <section class="card">
            <h2>"Compare two snapshots"</h2>
            <form method="get" action="/audit/snapshots">
                <label for="diff-from">"From"</label>
                <select id="diff-from" name="from">{options.clone()(from)}</select>
                <label for="diff-to">"To"</label>
                <select id="diff-to" name="to">{options(to)}</select>
                <button type="submit" class="button primary">"Compare"</button>
            </form>
        </section>
        <table class="table">
            <caption>"Snapshots"</caption>
            <thead><tr>
                <th scope="col">"#"</th><th scope="col">"Taken"</th><th scope="col">"Users"</th>
                <th scope="col">"Admins"</th><th scope="col">"Groups"</th><th scope="col">"Workspaces"</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|s| view! {
                    <tr data-testid="snapshot-row">
                        <td>{s.id}</td><td>{when(Some(s.taken_at))}</td><td>{s.users}</td>
                        <td>{s.admins}</td><td>{s.groups}</td><td>{s.workspaces}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn AdminsTable(answer: AdminsAt) -> impl IntoView {
    view! {
        <p>"From snapshot #" {answer.snapshot.id} ", taken " {when(Some(answer.snapshot.taken_at))} ":"</p>
        <UserTable users=answer.admins caption="Admins" testid="admins-at" />
    }
}

#[component]
fn UserTable(
    users: Vec<SnapshotUser>,
    caption: &'static str,
    testid: &'static str,
) -> impl IntoView {
    view! {
        <table class="table" data-testid=testid>
            <caption>{caption} " (" {users.len()} ")"</caption>
            <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"State"</th><th scope="col">"Super admin"</th></tr></thead>
            <tbody>
                {users.into_iter().map(|u| view! {
                    <tr><td>{u.name}</td><td>{u.email}</td><td>{u.state}</td><td>{if u.is_super_admin { "yes" } else { "" }}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn DiffView(diff: SnapshotDiff) -> impl IntoView {
    let nothing = diff.users_added.is_empty()
        && diff.users_removed.is_empty()
        && diff.users_changed.is_empty()
        && diff.group_members.is_empty()
        && diff.workspace_access.is_empty();
    view! {
        <section class="card" data-testid="snapshot-diff">
            <h2>"Changes from #" {diff.from} " to #" {diff.to}</h2>
            {nothing.then(|| view! { <p>"Nothing changed."</p> })}
            {(!diff.users_changed.is_empty()).then(|| view! {
                <table class="table" data-testid="users-changed">
                    <caption>"Users that changed"</caption>
                    <thead><tr><th scope="col">"User"</th><th scope="col">"What changed"</th></tr></thead>
                    <tbody>
                        {diff.users_changed.into_iter().map(|c| view! {
                            <tr><td>{c.user.email}</td><td>{c.changes.join("; ")}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            {(!diff.users_added.is_empty()).then(|| view! { <UserTable users=diff.users_added caption="New users" testid="users-added" /> })}
            {(!diff.users_removed.is_empty()).then(|| view! { <UserTable users=diff.users_removed caption="Users gone" testid="users-removed" /> })}
            <AccessTable changes=diff.group_members caption="Group membership" testid="group-changes" />
            <AccessTable changes=diff.workspace_access caption="Workspace access" testid="workspace-changes" />
        </section>
    }
}

#[component]
fn AccessTable(
    changes: Vec<AccessChange>,
    caption: &'static str,
    testid: &'static str,
) -> impl IntoView {
    (!changes.is_empty()).then(|| view! {
        <table class="table" data-testid=testid>
            <caption>{caption}</caption>
            <thead><tr><th scope="col">"Where"</th><th scope="col">"Who"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr></thead>
            <tbody>
                {changes.into_iter().map(|c| view! {
                    <tr>
                        <td>{c.place}</td><td>{c.who}</td>
                        <td>{c.before.unwrap_or_else(|| "—".into())}</td>
                        <td>{c.after.unwrap_or_else(|| "—".into())}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    })
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::parse_moment;

    #[test]
    fn dates_mean_the_end_of_the_day_and_nonsense_is_explained() {
        let end = parse_moment("2026-01-31").expect("a date");
        assert_eq!(end.to_rfc3339(), "2026-01-31T23:59:59+00:00");
        let exact = parse_moment("2026-01-31T09:30:00+02:00").expect("a time");
        assert_eq!(exact.to_rfc3339(), "2026-01-31T07:30:00+00:00");
        let error = parse_moment("last tuesday").expect_err("refused");
        assert!(error.to_string().contains("2026-01-31"), "{error}");
    }
}
