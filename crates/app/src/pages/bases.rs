//! One base, read live from Airtable: collaborators, interfaces, invite links, shares and
//! extensions. Enabling an extension is direct (operator and above); enabling, disabling or
//! deleting a share, moving the base, turning off or deleting an extension, removing a
//! collaborator or deleting an invite is asked for, for a second person to approve (an
//! admin may exempt the kinds that do not delete).

use leptos::{form::ActionForm, prelude::*, server_fn::codec::GetUrl};
use leptos_router::hooks::use_params_map;

use super::approvals::{RequestActionForm, RequestBaseMove};
use crate::api::{ConsoleError, Role};
use crate::approvals::{RequestOutcome, RiskyAction};
use crate::components::collaborators::{
    collaborator_label, invite_row, permission_options, typed_collaborator, InviteTable,
};
use crate::components::live_read::{refresh_asked, ReadFromAirtable};
use crate::components::{format::when, session::CsrfField};
use crate::directory::{BaseDetail, CollaboratorRow};

#[cfg(feature = "ssr")]
use crate::components::collaborators::change_collaborator;
#[cfg(feature = "ssr")]
use console_core::collaborators::{Asked, Change, Place};

#[server(endpoint = "bases/get", input = GetUrl)]
pub async fn read_base(id: String, refresh: Option<bool>) -> Result<BaseDetail, ConsoleError> {
    crate::serve::as_role(Role::Viewer, async move |console, who| {
        console_core::bases::get(&console, &who, &id, refresh.unwrap_or(false)).await
    })
    .await
}

#[server(endpoint = "bases/extensions/enable")]
pub async fn enable_extension(
    csrf_token: String,
    base: String,
    installation: String,
) -> Result<(), ConsoleError> {
    crate::serve::changing(Role::Operator, &csrf_token, async move |console, who| {
        console_core::bases::enable_extension(&console, &who, &base, &installation).await
    })
    .await
}

#[server(endpoint = "bases/collaborators/add")]
pub async fn add_base_collaborator(
    csrf_token: String,
    base: String,
    collaborator: String,
    permission: String,
) -> Result<(), ConsoleError> {
    let asked = Asked {
        place_id: base,
        collaborator,
        permission,
    };
    change_collaborator(csrf_token, Place::Base, Change::Add, asked).await
}

#[server(endpoint = "bases/collaborators/update")]
pub async fn update_base_collaborator(
    csrf_token: String,
    base: String,
    collaborator: String,
    permission: String,
) -> Result<(), ConsoleError> {
    let asked = Asked {
        place_id: base,
        collaborator,
        permission,
    };
    change_collaborator(csrf_token, Place::Base, Change::Update, asked).await
}

/// Makes a base with one table in a workspace (offered on the workspace's page).
#[server(endpoint = "bases/create")]
pub async fn create_base(
    csrf_token: String,
    workspace: String,
    name: String,
    table: String,
) -> Result<String, ConsoleError> {
    crate::serve::changing(Role::Operator, &csrf_token, async move |console, who| {
        console_core::bases::create(&console, &who, &workspace, &name, &table).await
    })
    .await
}

#[derive(Clone, Copy)]
struct BaseActions {
    extension: ServerAction<EnableExtension>,
    moved: ServerAction<RequestBaseMove>,
    add: ServerAction<AddBaseCollaborator>,
    update: ServerAction<UpdateBaseCollaborator>,
}

#[component]
pub fn BasePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let actions = BaseActions {
        extension: ServerAction::new(),
        moved: ServerAction::new(),
        add: ServerAction::new(),
        update: ServerAction::new(),
    };
    let refresh = refresh_asked();
    let detail = Resource::new(
        move || {
            (
                id(),
                refresh(),
                actions.extension.version().get(),
                actions.moved.version().get(),
                actions.add.version().get(),
                actions.update.version().get(),
            )
        },
        |(id, refresh, ..)| read_base(id, Some(refresh)),
    );
    let user = crate::components::session::SignedIn::expect().0;
    let failure = move || {
        actions
            .extension
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| actions.moved.value().get().and_then(Result::err))
            .or_else(|| actions.add.value().get().and_then(Result::err))
            .or_else(|| actions.update.value().get().and_then(Result::err))
    };
    let moved = move || {
        actions
            .moved
            .value()
            .get()
            .and_then(Result::ok)
            .map(|outcome| match outcome {
                RequestOutcome::Requested { id } => view! {
                    <p class="notice" role="status" data-testid="request-sent">
                        "Asked to move the base. A second person must approve it: "
                        <a href=format!("/approvals/{id}")>"follow the request"</a> "."
                    </p>
                }
                .into_any(),
                RequestOutcome::Done { outcome } => view! {
                    <p class="notice" role="status" data-testid="base-moved">
                        "Done (moving a base needs no approval here): " {outcome}
                    </p>
                }
                .into_any(),
            })
    };
    view! {
        {move || failure().map(|e| view! { <p class="error" role="alert" data-testid="change-error">{e.to_string()}</p> })}
        {moved}
        <Suspense fallback=|| view! { <p aria-busy="true">"Reading the base from Airtable…"</p> }>
            {move || Suspend::new(async move {
                let can = matches!(user.await, Ok(Some(u)) if u.role.allows(Role::Operator));
                match detail.await {
                    Ok(b) => view! { <BaseView b can actions /> }.into_any(),
                    Err(e) => view! {
                        <p><a href="/workspaces">"← Workspaces"</a></p>
                        <h1>"Base"</h1>
                        <p class="error" role="alert" data-testid="base-error">{e.to_string()}</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn collaborator_rows(
    rows: &[CollaboratorRow],
    base: Option<&airtable_client::ids::BaseId>,
    can: bool,
    update: ServerAction<UpdateBaseCollaborator>,
) -> impl IntoView {
    rows.iter()
        .map(|c| {
            // Access granted on the workspace is changed and removed on the workspace's page.
            let on_base = c.base_id.is_some();
            let change = (can && on_base).then(|| {
                let label = format!("Permission for {}", c.label);
                let options = permission_options(&c.permission);
                let base_id = base.map(ToString::to_string).unwrap_or_default();
                let collaborator_id = c.id.clone();
                view! {
                    <ActionForm action=update attr:class="inline">
                        <CsrfField />
                        <input type="hidden" name="base" value=base_id />
                        <input type="hidden" name="collaborator" value=collaborator_id />
                        <select name="permission" aria-label=label>{options}</select>
                        <button type="submit" class="button secondary">"Change"</button>
                    </ActionForm>
                }
            });
            let remove = (can && on_base)
                .then(|| base.cloned().zip(typed_collaborator(c)))
                .flatten()
                .map(|(base, collaborator)| {
                    view! {
                        <RequestActionForm
                            action=RiskyAction::RemoveBaseCollaborator { base, collaborator }
                            label="Remove…" />
                    }
                });
            view! {
                <tr data-testid="collaborator-row">
                    <td>{collaborator_label(c)}</td>
                    <td><code>{c.id.clone()}</code></td>
                    <td data-testid="collaborator-permission">{c.permission.clone()}</td>
                    <td>{if on_base { "this base" } else { "the workspace" }}</td>
                    <td>{change} {remove}</td>
                </tr>
            }
        })
        .collect_view()
}

#[component]
fn BaseView(b: BaseDetail, can: bool, actions: BaseActions) -> impl IntoView {
    let bid = b.id.parse::<airtable_client::ids::BaseId>().ok();
    let people = collaborator_rows(&b.collaborators, bid.as_ref(), can, actions.update);
    let add_id = b.id.clone();
    let add_form = can.then(move || {
        view! {
            <h3>"Add a collaborator to this base"</h3>
            <ActionForm action=actions.add>
                <CsrfField />
                <input type="hidden" name="base" value=add_id />
                <div class="form-row">
                    <label for="add-base-collaborator">"User or group ID (usr… or ugp…)"</label>
                    <input id="add-base-collaborator" name="collaborator" type="text" required autocomplete="off" />
                    <label for="add-base-permission">"Permission"</label>
                    <select id="add-base-permission" name="permission">{permission_options("edit")}</select>
                    <button type="submit" class="button primary">"Add"</button>
                </div>
            </ActionForm>
        }
    });
    let interfaces = b
        .interfaces
        .iter()
        .map(|i| {
            let interface = i.id.parse::<airtable_client::ids::InterfaceId>().ok();
            let target = bid.clone().zip(interface);
            let people = i
                .collaborators
                .iter()
                .map(|c| {
                    let request = can
                        .then(|| target.clone().zip(typed_collaborator(c)))
                        .flatten()
                        .map(|((base, interface), collaborator)| {
                            view! {
                                <RequestActionForm
                                    action=RiskyAction::RemoveInterfaceCollaborator { base, interface, collaborator }
                                    label="Remove…" />
                            }
                        });
                    view! { <li>{collaborator_label(c)} " (" {c.permission.clone()} ") " {request}</li> }
                })
                .collect_view();
            let invites = i
                .invites
                .iter()
                .map(|v| {
                    let request = can
                        .then(|| target.clone().zip(v.id.parse().ok()))
                        .flatten()
                        .map(|((base, interface), invite)| {
                            view! {
                                <RequestActionForm
                                    action=RiskyAction::DeleteInterfaceInvite { base, interface, invite }
                                    label="Delete invite link…" />
                            }
                        });
                    view! {
                        <li>"Invite " <code>{v.id.clone()}</code> " (" {v.permission.clone()} ", "
                            {v.invited_email.clone().unwrap_or_else(|| v.kind.clone())} ") " {request}</li>
                    }
                })
                .collect_view();
            view! {
                <tr data-testid="interface-row">
                    <td>{i.name.clone()}</td>
                    <td><code>{i.id.clone()}</code></td>
                    <td>{when(Some(i.created_at))}</td>
                    <td><ul>{people}</ul></td>
                    <td><ul>{invites}</ul></td>
                </tr>
            }
        })
        .collect_view();
    let invites =
        b.invites
            .iter()
            .map(|i| {
                let action = bid
                    .clone()
                    .zip(i.id.parse().ok())
                    .map(|(base, invite)| RiskyAction::DeleteBaseInvite { base, invite });
                let request = can.then_some(action).flatten().map(
                    |action| view! { <RequestActionForm action label="Delete invite link…" /> },
                );
                invite_row(i, request)
            })
            .collect_view();
    let shares = b
        .shares
        .clone()
        .into_iter()
        .map(|s| {
            let share_id = s.id.parse::<airtable_client::ids::ShareId>().ok();
            let pair = bid.clone().zip(share_id);
            let controls = can.then(|| {
                let enable = (!s.enabled).then(|| pair.clone()).flatten().map(|(base, share)| {
                    view! { <RequestActionForm action=RiskyAction::EnableShare { base, share } label="Enable…" /> }
                });
                let disable = s.enabled.then(|| pair.clone()).flatten().map(|(base, share)| {
                    view! { <RequestActionForm action=RiskyAction::DisableShare { base, share } label="Disable…" /> }
                });
                let delete = pair.clone().map(|(base, share)| {
                    view! { <RequestActionForm action=RiskyAction::DeleteShare { base, share } label="Delete…" /> }
                });
                view! { {enable} {disable} {delete} }
            });
            view! {
                <tr data-testid="share-row">
                    <td><code>{s.id.clone()}</code></td>
                    <td>{s.kind.clone()}</td>
                    <td data-testid="share-state">{if s.enabled { "enabled" } else { "disabled" }}</td>
                    <td>{if s.password_protected { "yes" } else { "no" }}</td>
                    <td>{s.restricted_to_email_domains.join(", ")}</td>
                    <td>{when(Some(s.created_at))}</td>
                    <td>{controls}</td>
                </tr>
            }
        })
        .collect_view();
    let extensions = b
        .extensions
        .clone()
        .into_iter()
        .map(|x| {
            let installation = x
                .id
                .parse::<airtable_client::ids::BlockInstallationId>()
                .ok();
            let base_field = b.id.clone();
            let installation_field = x.id.clone();
            let controls = can.then(|| {
                let enable = (!x.enabled).then(move || {
                    view! {
                        <ActionForm action=actions.extension attr:class="inline">
                            <CsrfField />
                            <input type="hidden" name="base" value=base_field />
                            <input type="hidden" name="installation" value=installation_field />
                            <button type="submit" class="button secondary">"Enable"</button>
                        </ActionForm>
                    }
                });
                let pair = bid.clone().zip(installation);
                let disable = x.enabled.then(|| pair.clone()).flatten().map(|(base, installation)| {
                    view! {
                        <RequestActionForm
                            action=RiskyAction::DisableBlockInstallation { base, installation }
                            label="Turn off…" />
                    }
                });
                let delete = pair.map(|(base, installation)| {
                    view! {
                        <RequestActionForm
                            action=RiskyAction::DeleteBlockInstallation { base, installation }
                            label="Delete…" />
                    }
                });
                view! { {enable} {disable} {delete} }
            });
            view! {
                <tr data-testid="extension-row">
                    <td>{x.slug.clone().unwrap_or_else(|| x.block_id.clone())}</td>
                    <td><code>{x.id.clone()}</code></td>
                    <td data-testid="extension-state">{if x.enabled { "enabled" } else { "disabled" }}</td>
                    <td>{when(Some(x.created_at))}</td>
                    <td>{controls}</td>
                </tr>
            }
        })
        .collect_view();
    let move_id = b.id.clone();
    let move_form = can.then(move || {
        view! {
            <section class="card">
                <h2>"Move to another workspace"</h2>
                <p class="muted">
                    "Its collaborators on the base, shares and extensions stay; access through the "
                    "old workspace ends and the new workspace's people gain it. A second person "
                    "approves the move, seeing who loses and who gains access."
                </p>
                <ActionForm action=actions.moved>
                    <CsrfField />
                    <input type="hidden" name="base" value=move_id />
                    <label for="move-base-target">"Workspace ID (wsp…)"</label>
                    <input id="move-base-target" name="workspace" type="text" required
                        pattern="wsp[A-Za-z0-9]{14}" autocomplete="off" />
                    <label for="move-base-reason">"Why is this needed?"</label>
                    <textarea id="move-base-reason" name="reason" rows="2" required></textarea>
                    <button type="submit" class="button primary">"Ask to move"</button>
                </ActionForm>
            </section>
        }
    });
    let delete_label = format!(
        "Delete base {} ({} collaborators, {} shares, {} interfaces)…",
        b.name,
        b.collaborators.len(),
        b.shares.len(),
        b.interfaces.len()
    );
    let delete_base = can.then_some(bid).flatten().map(|base| {
        view! {
            <section class="card">
                <h2>"Risky actions"</h2>
                <p class="muted">"Each needs a second person's approval before it happens."</p>
                <RequestActionForm action=RiskyAction::DeleteBase { base } label=delete_label.clone() confirm=b.name.clone() />
            </section>
        }
    });
    view! {
        <p><a href=format!("/workspaces/{}", b.workspace_id) data-testid="back-to-workspace">"← Workspace " {b.workspace_id.clone()}</a></p>
        <h1 data-testid="base-name">{b.name.clone()}</h1>
        <section class="card">
            <dl class="facts">
                <dt>"ID"</dt><dd><code data-testid="base-id">{b.id.clone()}</code></dd>
                <dt>"Workspace"</dt><dd><a href=format!("/workspaces/{}", b.workspace_id)>{b.workspace_id.clone()}</a></dd>
                <dt>"Created"</dt><dd>{when(Some(b.created_at))}</dd>
                <dt>"Read from Airtable"</dt><dd><ReadFromAirtable at=b.read_at path=format!("/bases/{}", b.id) /></dd>
            </dl>
        </section>
        <section class="card">
            <h2>"Collaborators (" {b.collaborators.len()} ")"</h2>
            <table class="table" data-testid="collaborators">
                <thead><tr>
                    <th scope="col">"Who"</th><th scope="col">"ID"</th><th scope="col">"Permission"</th>
                    <th scope="col">"Granted on"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr></thead>
                <tbody>{people}</tbody>
            </table>
            {add_form}
        </section>
        <section class="card">
            <h2>"Interfaces (" {b.interfaces.len()} ")"</h2>
            <table class="table" data-testid="interfaces">
                <thead><tr>
                    <th scope="col">"Name"</th><th scope="col">"ID"</th><th scope="col">"Created"</th>
                    <th scope="col">"Shared with"</th><th scope="col">"Invite links"</th>
                </tr></thead>
                <tbody>{interfaces}</tbody>
            </table>
        </section>
        <section class="card">
            <h2>"Invite links (" {b.invites.len()} ")"</h2>
            <InviteTable>{invites}</InviteTable>
        </section>
        <section class="card">
            <h2>"Shares (" {b.shares.len()} ")"</h2>
            <table class="table" data-testid="shares">
                <thead><tr>
                    <th scope="col">"Share"</th><th scope="col">"Type"</th><th scope="col">"State"</th>
                    <th scope="col">"Password"</th><th scope="col">"Email domains"</th><th scope="col">"Created"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr></thead>
                <tbody>{shares}</tbody>
            </table>
        </section>
        <section class="card">
            <h2>"Extensions (" {b.extensions.len()} ")"</h2>
            <p class="muted">"Turning an extension on happens at once; turning one off or deleting it needs approval."</p>
            <table class="table" data-testid="extensions">
                <thead><tr>
                    <th scope="col">"Extension"</th><th scope="col">"Installation"</th><th scope="col">"State"</th>
                    <th scope="col">"Created"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr></thead>
                <tbody>{extensions}</tbody>
            </table>
        </section>
        {move_form}
        {delete_base}
    }
}
