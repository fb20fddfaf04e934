//! Workspaces: the list (from the latest snapshot, searchable, paged on the server) and one
//! workspace read live from Airtable, with its direct changes (operator and above) and its
//! destructive ones (only as requests for a second person's approval).

use crate::query_string::use_query_once;
use leptos::{form::ActionForm, prelude::*, server_fn::codec::GetUrl};
use leptos_router::hooks::use_params_map;

use super::approvals::RequestActionForm;
use crate::api::{ConsoleError, Role};
use crate::approvals::RiskyAction;
use crate::components::collaborators::{
    collaborator_label, invite_row, permission_options, typed_collaborator, InviteTable,
};
use crate::components::live_read::{refresh_asked, ReadFromAirtable};
use crate::components::{format::when, session::CsrfField};
use crate::directory::{InviteRow, SnapshotPage, WorkspaceDetail, WorkspaceRow, RESTRICTIONS};
use crate::pages::bases::CreateBase;
use crate::pages::snapshots::TakeSnapshot;

#[cfg(feature = "ssr")]
use crate::components::collaborators::change_collaborator;
#[cfg(feature = "ssr")]
use console_core::collaborators::{Asked, Change, Place};

#[server(endpoint = "workspaces/list", input = GetUrl)]
pub async fn list_workspaces(
    q: Option<String>,
    page: Option<i64>,
) -> Result<SnapshotPage<WorkspaceRow>, ConsoleError> {
    crate::serve::as_role(Role::Viewer, async move |console, _| {
        console_core::workspaces::list(
            &console,
            q.as_deref().unwrap_or_default(),
            page.unwrap_or(1),
        )
        .await
    })
    .await
}

#[server(endpoint = "workspaces/get", input = GetUrl)]
pub async fn read_workspace(
    id: String,
    refresh: Option<bool>,
) -> Result<WorkspaceDetail, ConsoleError> {
    crate::serve::as_role(Role::Viewer, async move |console, who| {
        console_core::workspaces::get(&console, &who, &id, refresh.unwrap_or(false)).await
    })
    .await
}

#[server(endpoint = "workspaces/create")]
pub async fn create_workspace(csrf_token: String, name: String) -> Result<String, ConsoleError> {
    crate::serve::changing(Role::Operator, &csrf_token, async move |console, who| {
        console_core::workspaces::create(&console, &who, &name).await
    })
    .await
}

#[server(endpoint = "workspaces/collaborators/add")]
pub async fn add_workspace_collaborator(
    csrf_token: String,
    workspace: String,
    collaborator: String,
    permission: String,
) -> Result<(), ConsoleError> {
    let asked = Asked {
        place_id: workspace,
        collaborator,
        permission,
    };
    change_collaborator(csrf_token, Place::Workspace, Change::Add, asked).await
}

#[server(endpoint = "workspaces/collaborators/update")]
pub async fn update_workspace_collaborator(
    csrf_token: String,
    workspace: String,
    collaborator: String,
    permission: String,
) -> Result<(), ConsoleError> {
    let asked = Asked {
        place_id: workspace,
        collaborator,
        permission,
    };
    change_collaborator(csrf_token, Place::Workspace, Change::Update, asked).await
}

#[server(endpoint = "workspaces/restrictions")]
pub async fn update_workspace_restrictions(
    csrf_token: String,
    workspace: String,
    invites: String,
    shares: String,
) -> Result<(), ConsoleError> {
    crate::serve::changing(Role::Operator, &csrf_token, async move |console, who| {
        console_core::workspaces::update_restrictions(&console, &who, &workspace, &invites, &shares)
            .await
    })
    .await
}

/// The page number in the URL (1 when missing or not a number).
pub(crate) fn page_param(text: Option<String>) -> i64 {
    text.and_then(|p| p.trim().parse::<i64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1)
}

/// A link to another page of a list, keeping the search.
pub(crate) fn page_href(base: &str, q: &str, page: i64) -> String {
    let mut href = format!("{base}?page={page}");
    if !q.is_empty() {
        href.push_str("&q=");
        href.push_str(&encode(q));
    }
    href
}

/// Percent-encodes a query value.
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether the signed-in person may make changes (operator or above).
fn can_change(user: Result<Option<crate::api::SignedInUser>, ConsoleError>) -> bool {
    matches!(user, Ok(Some(u)) if u.role.allows(Role::Operator))
}

#[component]
pub fn WorkspacesPage() -> impl IntoView {
    let url = use_query_once();
    let q = move || url.with(|p| p.get("q").unwrap_or_default());
    let page = move || url.with(|p| page_param(p.get("page")));
    let take = ServerAction::<TakeSnapshot>::new();
    let create = ServerAction::<CreateWorkspace>::new();
    let list = Resource::new(
        move || (q(), page(), take.version().get()),
        |(q, page, _)| list_workspaces(Some(q), Some(page)),
    );
    let user = crate::components::session::SignedIn::expect().0;
    view! {
        <h1>"Workspaces"</h1>
        <form method="get" action="/workspaces" role="search" class="search">
            <label for="workspace-q">"Name or workspace ID"</label>
            <div class="search-row">
                <input id="workspace-q" name="q" type="search" value=q />
                <button type="submit" class="button primary">"Search"</button>
            </div>
        </form>
        {move || take.value().get().map(|r| match r {
            Ok(()) => view! { <p class="notice" role="status" data-testid="snapshot-requested">"A new snapshot is being taken; reload this page in a minute to see it."</p> }.into_any(),
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        })}
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let can = can_change(user.await);
                let refresh = can.then(|| view! {
                    <ActionForm action=take attr:class="inline">
                        <CsrfField />
                        <button type="submit" class="button secondary">"Refresh (take a new snapshot)"</button>
                    </ActionForm>
                });
                match list.await {
                    Ok(listing) => view! { {refresh} <WorkspaceTable listing /> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                can_change(user.await).then(|| view! { <CreateWorkspaceCard create /> })
            })}
        </Suspense>
    }
}

#[component]
fn WorkspaceTable(listing: SnapshotPage<WorkspaceRow>) -> impl IntoView {
    let Some(as_of) = listing.as_of else {
        return view! {
            <p class="notice" data-testid="no-snapshot">
                "The console has no complete snapshot of the enterprise yet, so it cannot list workspaces. Take one, then come back in a minute."
            </p>
        }
        .into_any();
    };
    let first = (listing.page - 1) * crate::directory::PAGE_SIZE + 1;
    let last = first + listing.rows.len() as i64 - 1;
    let prev = (listing.page > 1).then(|| {
        view! { <a rel="prev" href=page_href("/workspaces", &listing.q, listing.page - 1)>"← Previous"</a> }
    });
    let next = listing.has_next().then(|| {
        view! { <a rel="next" href=page_href("/workspaces", &listing.q, listing.page + 1)>"Next →"</a> }
    });
    let summary = if listing.rows.is_empty() {
        "No workspace matches.".to_string()
    } else {
        format!("{first}–{last} of {}", listing.total)
    };
    view! {
        <p class="muted" data-testid="as-of">
            "As of " {when(Some(as_of))} " (snapshot " {listing.snapshot_id.unwrap_or_default()} "). "
            "Changes made since then show on each workspace's own page."
        </p>
        <p data-testid="workspace-count">{summary}</p>
        <table class="table" data-testid="workspaces">
            <thead><tr>
                <th scope="col">"Name"</th><th scope="col">"ID"</th>
                <th scope="col">"Users"</th><th scope="col">"Groups"</th>
            </tr></thead>
            <tbody>
                {listing.rows.into_iter().map(|w| view! {
                    <tr data-testid="workspace-row">
                        <td><a href=format!("/workspaces/{}", w.id)>{w.name.clone()}</a></td>
                        <td><code>{w.id.clone()}</code></td>
                        <td>{w.users}</td>
                        <td>{w.groups}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <nav class="pager" aria-label="Pages">{prev} " " {next}</nav>
    }
    .into_any()
}

#[component]
fn CreateWorkspaceCard(create: ServerAction<CreateWorkspace>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Create a workspace"</h2>
            <p class="muted">"You become its owner."</p>
            <ActionForm action=create>
                <CsrfField />
                <label for="new-workspace-name">"Name"</label>
                <input id="new-workspace-name" name="name" type="text" required maxlength="200" autocomplete="off" />
                <button type="submit" class="button primary">"Create"</button>
            </ActionForm>
            {move || create.value().get().map(|r| match r {
                Ok(id) => view! {
                    <p class="notice" role="status" data-testid="workspace-created">
                        "Created " <a href=format!("/workspaces/{id}")>{id.clone()}</a> "."
                    </p>
                }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </section>
    }
}

/// The actions a workspace page offers, created once at the page's top level.
#[derive(Clone, Copy)]
struct WorkspaceActions {
    add: ServerAction<AddWorkspaceCollaborator>,
    update: ServerAction<UpdateWorkspaceCollaborator>,
    restrict: ServerAction<UpdateWorkspaceRestrictions>,
    base: ServerAction<CreateBase>,
}

#[component]
pub fn WorkspacePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let actions = WorkspaceActions {
        add: ServerAction::new(),
        update: ServerAction::new(),
        restrict: ServerAction::new(),
        base: ServerAction::new(),
    };
    let refresh = refresh_asked();
    let detail = Resource::new(
        move || {
            (
                id(),
                refresh(),
                actions.add.version().get(),
                actions.update.version().get(),
                actions.restrict.version().get(),
                actions.base.version().get(),
            )
        },
        |(id, refresh, ..)| read_workspace(id, Some(refresh)),
    );
    let user = crate::components::session::SignedIn::expect().0;
    let failure = move || {
        actions
            .add
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| actions.update.value().get().and_then(Result::err))
            .or_else(|| actions.restrict.value().get().and_then(Result::err))
            .or_else(|| actions.base.value().get().and_then(Result::err))
    };
    view! {
        <p><a href="/workspaces">"← Workspaces"</a></p>
        {move || failure().map(|e| view! { <p class="error" role="alert" data-testid="change-error">{e.to_string()}</p> })}
        <Suspense fallback=|| view! { <p aria-busy="true">"Reading the workspace from Airtable…"</p> }>
            {move || Suspend::new(async move {
                let can = can_change(user.await);
                match detail.await {
                    Ok(w) => view! { <WorkspaceView w can actions /> }.into_any(),
                    Err(e) => view! {
                        <h1>"Workspace"</h1>
                        <p class="error" role="alert" data-testid="workspace-error">{e.to_string()}</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn restriction_options(selected: &str) -> impl IntoView {
    let selected = selected.to_string();
    RESTRICTIONS
        .iter()
        .map(|(value, label)| {
            view! { <option value=*value selected=*value == selected>{*label}</option> }
        })
        .collect_view()
}

#[component]
fn WorkspaceView(w: WorkspaceDetail, can: bool, actions: WorkspaceActions) -> impl IntoView {
    let wid = w.id.parse::<airtable_client::ids::WorkspaceId>().ok();
    let invite_r = w.invite_restriction.clone().unwrap_or_default();
    let share_r = w.share_restriction.clone().unwrap_or_default();
    let restrict_id = w.id.clone();
    let restrictions_form = can.then(move || {
        view! {
            <ActionForm action=actions.restrict>
                <CsrfField />
                <input type="hidden" name="workspace" value=restrict_id />
                <div class="form-row">
                    <label for="restrict-invites">"Who may create invites"</label>
                    <select id="restrict-invites" name="invites">{restriction_options(&invite_r)}</select>
                    <label for="restrict-shares">"Who may create shares"</label>
                    <select id="restrict-shares" name="shares">{restriction_options(&share_r)}</select>
                    <button type="submit" class="button secondary">"Save restrictions"</button>
                </div>
            </ActionForm>
        }
    });
    let bases = w
        .bases
        .iter()
        .map(|b| {
            view! {
                <li data-testid="workspace-base">
                    <a href=format!("/bases/{}", b.id)>{b.name.clone().unwrap_or_else(|| b.id.clone())}</a>
                    " " <code>{b.id.clone()}</code>
                </li>
            }
        })
        .collect_view();
    let base_wid = w.id.clone();
    let create_base = can.then(move || {
        view! {
            <details>
                <summary>"Make a base here…"</summary>
                <ActionForm action=actions.base>
                    <CsrfField />
                    <input type="hidden" name="workspace" value=base_wid />
                    <label for="new-base-name">"Name of the base"</label>
                    <input id="new-base-name" name="name" type="text" required maxlength="200" autocomplete="off" />
                    <label for="new-base-table">"Name of its first table"</label>
                    <input id="new-base-table" name="table" type="text" maxlength="200" value="Table 1" />
                    <button type="submit" class="button primary">"Make base"</button>
                </ActionForm>
                {move || actions.base.value().get().and_then(Result::ok).map(|id| view! {
                    <p class="notice" role="status" data-testid="base-created">
                        "Made " <a href=format!("/bases/{id}")>{id.clone()}</a> "."
                    </p>
                })}
            </details>
        }
    });
    let row_wid = w.id.clone();
    let collaborator_rows = w
        .collaborators
        .clone()
        .into_iter()
        .map(|c| {
            let workspace_id = row_wid.clone();
            let collaborator_id = c.id.clone();
            let options = permission_options(&c.permission);
            let label = format!("Permission for {}", c.label);
            let change = can.then(move || {
                view! {
                    <ActionForm action=actions.update attr:class="inline">
                        <CsrfField />
                        <input type="hidden" name="workspace" value=workspace_id />
                        <input type="hidden" name="collaborator" value=collaborator_id />
                        <select name="permission" aria-label=label>{options}</select>
                        <button type="submit" class="button secondary">"Change"</button>
                    </ActionForm>
                }
            });
            let remove = can
                .then(|| wid.clone().zip(typed_collaborator(&c)))
                .flatten()
                .map(|(workspace, collaborator)| {
                    view! {
                        <RequestActionForm
                            action=RiskyAction::RemoveWorkspaceCollaborator { workspace, collaborator }
                            label="Remove…" />
                    }
                });
            view! {
                <tr data-testid="collaborator-row">
                    <td>{collaborator_label(&c)}</td>
                    <td><code>{c.id.clone()}</code></td>
                    <td data-testid="collaborator-permission">{c.permission.clone()}</td>
                    <td>{when(Some(c.granted_at))}</td>
                    <td>{change} {remove}</td>
                </tr>
            }
        })
        .collect_view();
    let add_id = w.id.clone();
    let add_form = can.then(move || {
        view! {
            <h3>"Add a collaborator"</h3>
            <ActionForm action=actions.add>
                <CsrfField />
                <input type="hidden" name="workspace" value=add_id />
                <div class="form-row">
                    <label for="add-collaborator">"User or group ID (usr… or ugp…)"</label>
                    <input id="add-collaborator" name="collaborator" type="text" required autocomplete="off" />
                    <label for="add-permission">"Permission"</label>
                    <select id="add-permission" name="permission">{permission_options("edit")}</select>
                    <button type="submit" class="button primary">"Add"</button>
                </div>
            </ActionForm>
        }
    });
    let base_rows = w
        .base_collaborators
        .iter()
        .map(|c| {
            let base = c.base_id.clone().unwrap_or_default();
            view! {
                <tr data-testid="base-collaborator-row">
                    <td>{collaborator_label(c)}</td>
                    <td><code>{c.id.clone()}</code></td>
                    <td>{c.permission.clone()}</td>
                    <td><a href=format!("/bases/{base}")>{base.clone()}</a></td>
                </tr>
            }
        })
        .collect_view();
    let invite_wid = wid.clone();
    let invites = w
        .invites
        .iter()
        .map(|i| {
            let action = invite_action(i, invite_wid.as_ref());
            let request = can.then_some(action).flatten().map(|action| {
                view! { <RequestActionForm action label="Delete invite link…" /> }
            });
            invite_row(i, request)
        })
        .collect_view();
    let people = w.collaborators.len() + w.base_collaborators.len();
    let delete_label = format!(
        "Delete workspace {} ({} bases, {} collaborators)…",
        w.name,
        w.bases.len(),
        people
    );
    let delete = can
        .then_some(wid)
        .flatten()
        .map(|workspace| {
            view! {
                <section class="card">
                    <h2>"Risky actions"</h2>
                    <p class="muted">"Each needs a second person's approval before it happens."</p>
                    <RequestActionForm action=RiskyAction::DeleteWorkspace { workspace } label=delete_label.clone() confirm=w.name.clone() />
                </section>
            }
        });
    view! {
        <h1 data-testid="workspace-name">{w.name.clone()}</h1>
        <section class="card">
            <dl class="facts">
                <dt>"ID"</dt><dd><code data-testid="workspace-id">{w.id.clone()}</code></dd>
                <dt>"Created"</dt><dd>{when(Some(w.created_at))}</dd>
                <dt>"Who may create invites"</dt><dd data-testid="invite-restriction">{w.invite_restriction.clone().unwrap_or_else(|| "not reported".into())}</dd>
                <dt>"Who may create shares"</dt><dd data-testid="share-restriction">{w.share_restriction.clone().unwrap_or_else(|| "not reported".into())}</dd>
                <dt>"Read from Airtable"</dt><dd><ReadFromAirtable at=w.read_at path=format!("/workspaces/{}", w.id) /></dd>
            </dl>
            {restrictions_form}
        </section>
        <section class="card">
            <h2>"Bases (" {w.bases.len()} ")"</h2>
            <ul>{bases}</ul>
            {create_base}
        </section>
        <section class="card">
            <h2>"Collaborators (" {w.collaborators.len()} ")"</h2>
            <table class="table" data-testid="collaborators">
                <thead><tr>
                    <th scope="col">"Who"</th><th scope="col">"ID"</th><th scope="col">"Permission"</th>
                    <th scope="col">"Since"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr></thead>
                <tbody>{collaborator_rows}</tbody>
            </table>
            {add_form}
        </section>
        <section class="card">
            <h2>"Access granted on its bases (" {w.base_collaborators.len()} ")"</h2>
            <table class="table" data-testid="base-collaborators">
                <thead><tr>
                    <th scope="col">"Who"</th><th scope="col">"ID"</th><th scope="col">"Permission"</th><th scope="col">"Base"</th>
                </tr></thead>
                <tbody>{base_rows}</tbody>
            </table>
        </section>
        <section class="card">
            <h2>"Invite links (" {w.invites.len()} ")"</h2>
            <InviteTable>{invites}</InviteTable>
        </section>
        {delete}
    }
}

/// The approval request that deletes an invite listed on a workspace page.
fn invite_action(
    i: &InviteRow,
    workspace: Option<&airtable_client::ids::WorkspaceId>,
) -> Option<RiskyAction> {
    let invite = i.id.parse().ok()?;
    match &i.base_id {
        Some(base) => Some(RiskyAction::DeleteBaseInvite {
            base: base.parse().ok()?,
            invite,
        }),
        None => Some(RiskyAction::DeleteWorkspaceInvite {
            workspace: workspace?.clone(),
            invite,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_links_keep_the_search_encoded() {
        assert_eq!(page_href("/workspaces", "", 2), "/workspaces?page=2");
        assert_eq!(
            page_href("/workspaces", "a&b 100%", 3),
            "/workspaces?page=3&q=a%26b%20100%25"
        );
    }

    #[test]
    fn page_numbers_from_the_url_fall_back_to_the_first() {
        assert_eq!(page_param(None), 1);
        assert_eq!(page_param(Some("abc".into())), 1);
        assert_eq!(page_param(Some("0".into())), 1);
        assert_eq!(page_param(Some(" 4 ".into())), 4);
    }
}
