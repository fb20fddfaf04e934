//! Groups: the list (from the latest snapshot, searchable, paged on the server) and one
//! group read live from Airtable with its members and where it has access.

use crate::query_string::use_query_once;
use leptos::{form::ActionForm, prelude::*, server_fn::codec::GetUrl};
use leptos_router::hooks::use_params_map;

use super::approvals::RequestActionForm;
use super::workspaces::{page_href, page_param};
use crate::api::{ConsoleError, Role};
use crate::approvals::RiskyAction;
use crate::components::format::when;
use crate::components::live_read::{refresh_asked, ReadFromAirtable};
use crate::components::session::{CsrfField, SignedIn};
use crate::directory::{GroupDetail, GroupRow, SnapshotPage};

#[server(endpoint = "groups/list", input = GetUrl)]
pub async fn list_groups(
    q: Option<String>,
    page: Option<i64>,
) -> Result<SnapshotPage<GroupRow>, ConsoleError> {
    crate::serve::as_role(Role::Viewer, async move |console, _| {
        console_core::groups::list(
            &console,
            q.as_deref().unwrap_or_default(),
            page.unwrap_or(1),
        )
        .await
    })
    .await
}

#[server(endpoint = "groups/get", input = GetUrl)]
pub async fn read_group(id: String, refresh: Option<bool>) -> Result<GroupDetail, ConsoleError> {
    crate::serve::as_role(Role::Viewer, async move |console, who| {
        console_core::groups::get(&console, &who, &id, refresh.unwrap_or(false)).await
    })
    .await
}

#[server(endpoint = "groups/rename")]
pub async fn rename_group(
    csrf_token: String,
    id: String,
    name: String,
) -> Result<(), ConsoleError> {
    crate::serve::changing(Role::Operator, &csrf_token, async move |console, who| {
        console_core::groups::rename(&console, &who, &id, &name).await
    })
    .await
}

#[server(endpoint = "groups/members/add")]
pub async fn add_group_member(
    csrf_token: String,
    id: String,
    user: String,
) -> Result<(), ConsoleError> {
    crate::serve::changing(Role::Operator, &csrf_token, async move |console, who| {
        console_core::groups::add_member(&console, &who, &id, &user).await
    })
    .await
}

#[component]
pub fn GroupsPage() -> impl IntoView {
    let url = use_query_once();
    let q = move || url.with(|p| p.get("q").unwrap_or_default());
    let page = move || url.with(|p| page_param(p.get("page")));
    let list = Resource::new(
        move || (q(), page()),
        |(q, page)| list_groups(Some(q), Some(page)),
    );
    view! {
        <h1>"Groups"</h1>
        <form method="get" action="/groups" role="search" class="search">
            <label for="group-q">"Name or group ID"</label>
            <div class="search-row">
                <input id="group-q" name="q" type="search" value=q />
                <button type="submit" class="button primary">"Search"</button>
            </div>
        </form>
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(listing) => view! { <GroupTable listing /> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn GroupTable(listing: SnapshotPage<GroupRow>) -> impl IntoView {
    let Some(as_of) = listing.as_of else {
        return view! {
            <p class="notice" data-testid="no-snapshot">
                "The console has no complete snapshot of the enterprise yet, so it cannot list groups. "
                <a href="/audit/snapshots">"Take one"</a> ", then come back in a minute."
            </p>
        }
        .into_any();
    };
    let prev = (listing.page > 1).then(|| {
        view! { <a rel="prev" href=page_href("/groups", &listing.q, listing.page - 1)>"← Previous"</a> }
    });
    let next = listing.has_next().then(|| {
        view! { <a rel="next" href=page_href("/groups", &listing.q, listing.page + 1)>"Next →"</a> }
    });
    view! {
        <p class="muted" data-testid="as-of">
            "As of " {when(Some(as_of))} " (snapshot " {listing.snapshot_id.unwrap_or_default()} "); "
            {listing.total} " groups match. Groups without members are not in snapshots."
        </p>
        <table class="table" data-testid="groups">
            <thead><tr><th scope="col">"Name"</th><th scope="col">"ID"</th><th scope="col">"Members"</th></tr></thead>
            <tbody>
                {listing.rows.into_iter().map(|g| view! {
                    <tr data-testid="group-row">
                        <td><a href=format!("/groups/{}", g.id)>{g.name.clone()}</a></td>
                        <td><code>{g.id.clone()}</code></td>
                        <td>{g.members}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <nav class="pager" aria-label="Pages">{prev} " " {next}</nav>
    }
    .into_any()
}

#[component]
pub fn GroupPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let rename = ServerAction::<RenameGroup>::new();
    let add = ServerAction::<AddGroupMember>::new();
    let refresh = refresh_asked();
    let detail = Resource::new(
        move || (id(), refresh(), rename.version().get(), add.version().get()),
        |(id, refresh, ..)| read_group(id, Some(refresh)),
    );
    let user = SignedIn::expect().0;
    let failure = move || {
        rename
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| add.value().get().and_then(Result::err))
    };
    view! {
        <p><a href="/groups">"← Groups"</a></p>
        {move || failure().map(|e| view! { <p class="error" role="alert" data-testid="group-change-error">{e.to_string()}</p> })}
        <Suspense fallback=|| view! { <p aria-busy="true">"Reading the group from Airtable…"</p> }>
            {move || Suspend::new(async move {
                let can = matches!(user.await, Ok(Some(u)) if u.role.allows(Role::Operator));
                match detail.await {
                    Ok(g) => {
                        let changes = can.then(|| view! { <GroupChanges id=g.id.clone() name=g.name.clone() rename add /> });
                        let risky = can.then(|| view! { <GroupRiskyActions g=g.clone() /> });
                        view! { <GroupView g /> {changes} {risky} }.into_any()
                    }
                    Err(e) => view! {
                        <h1>"Group"</h1>
                        <p class="error" role="alert" data-testid="group-error">{e.to_string()}</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// What an operator may change on a group: its name and new members at once (logged).
#[component]
fn GroupChanges(
    id: String,
    name: String,
    rename: ServerAction<RenameGroup>,
    add: ServerAction<AddGroupMember>,
) -> impl IntoView {
    let id_add = id.clone();
    view! {
        <section class="card" data-testid="group-changes">
            <h2>"Changes"</h2>
            <p class="muted">
                "These happen at once through Airtable's SCIM API and are recorded in the console's action log. "
                "If your identity provider manages this group through SCIM, it may undo them at its next sync: change the group there."
            </p>
            <ActionForm action=rename>
                <CsrfField />
                <input type="hidden" name="id" value=id />
                <div class="form-row">
                    <label for="group-name">"Name"</label>
                    <input id="group-name" name="name" type="text" required maxlength="200" value=name autocomplete="off" />
                    <button type="submit" class="button secondary">"Rename"</button>
                </div>
            </ActionForm>
            <ActionForm action=add>
                <CsrfField />
                <input type="hidden" name="id" value=id_add />
                <div class="form-row">
                    <label for="group-add-user">"Add a member (user ID, usr…)"</label>
                    <input id="group-add-user" name="user" type="text" required autocomplete="off" pattern="usr[A-Za-z0-9]{14}" />
                    <button type="submit" class="button secondary">"Add"</button>
                </div>
            </ActionForm>
        </section>
    }
}

/// Taking a member out and deleting the group take access away: each is a request for a
/// second person's approval.
#[component]
fn GroupRiskyActions(g: GroupDetail) -> impl IntoView {
    let Ok(group) = g.id.parse::<airtable_client::ids::GroupId>() else {
        return ().into_any();
    };
    let removals = g
        .members
        .iter()
        .filter_map(|m| {
            let user = m.user_id.parse::<airtable_client::ids::UserId>().ok()?;
            let label = format!("Remove {} from the group…", m.email);
            Some(view! {
                <RequestActionForm action=RiskyAction::RemoveGroupMember { group: group.clone(), user } label=label />
            })
        })
        .collect_view();
    let delete = RiskyAction::DeleteGroup {
        group: group.clone(),
    };
    view! {
        <section class="card" data-testid="group-risky">
            <h2>"Risky actions"</h2>
            <p class="muted">"Each needs a second person's approval before it happens."</p>
            {removals}
            <RequestActionForm action=delete label=format!("Delete group {}…", g.name) confirm=g.name.clone() />
        </section>
    }
    .into_any()
}

#[component]
fn GroupView(g: GroupDetail) -> impl IntoView {
    let members = g
        .members
        .iter()
        .map(|m| {
            view! {
                <tr data-testid="member-row">
                    <td><a href=format!("/users/{}", m.user_id)>{m.name.clone()}</a></td>
                    <td>{m.email.clone()}</td>
                    <td><code>{m.user_id.clone()}</code></td>
                    <td>{m.role.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let collaborations = g
        .collaborations
        .iter()
        .map(|c| {
            let target = match (c.kind.as_str(), &c.base_id) {
                ("workspace", _) => view! { <a href=format!("/workspaces/{}", c.id)>{c.id.clone()}</a> }.into_any(),
                ("base", _) => view! { <a href=format!("/bases/{}", c.id)>{c.id.clone()}</a> }.into_any(),
                (_, Some(base)) => view! {
                    <code>{c.id.clone()}</code> " in base " <a href=format!("/bases/{base}")>{base.clone()}</a>
                }.into_any(),
                _ => view! { <code>{c.id.clone()}</code> }.into_any(),
            };
            view! {
                <tr data-testid="collaboration-row">
                    <td>{c.kind.clone()}</td>
                    <td>{target}</td>
                    <td>{c.permission.clone()}</td>
                    <td>{when(Some(c.granted_at))}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h1 data-testid="group-name">{g.name.clone()}</h1>
        <section class="card">
            <dl class="facts">
                <dt>"ID"</dt><dd><code>{g.id.clone()}</code></dd>
                <dt>"Created"</dt><dd>{when(Some(g.created_at))}</dd>
                <dt>"Read from Airtable"</dt><dd><ReadFromAirtable at=g.read_at path=format!("/groups/{}", g.id) /></dd>
            </dl>
        </section>
        <section class="card">
            <h2>"Members (" {g.members.len()} ")"</h2>
            <table class="table" data-testid="members">
                <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"ID"</th><th scope="col">"Role"</th></tr></thead>
                <tbody>{members}</tbody>
            </table>
        </section>
        <section class="card">
            <h2>"Where it has access (" {g.collaborations.len()} ")"</h2>
            <table class="table" data-testid="collaborations">
                <thead><tr><th scope="col">"Kind"</th><th scope="col">"On"</th><th scope="col">"Permission"</th><th scope="col">"Since"</th></tr></thead>
                <tbody>{collaborations}</tbody>
            </table>
        </section>
    }
}
