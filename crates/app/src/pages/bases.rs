//! One base, read live from Airtable: collaborators, interfaces, invite links, shares and
//! extensions. Enabling a share or an extension is direct (operator and above); disabling
//! a share, deleting one, deleting an extension, removing a collaborator or deleting an
//! invite is only ever asked for, for a second person to approve.

use leptos::{form::ActionForm, prelude::*, server_fn::codec::GetUrl};
use leptos_router::hooks::use_params_map;

use super::approvals::RequestActionForm;
use super::workspaces::{collaborator_label, invite_row, typed_collaborator, InviteTable};
use crate::api::{ConsoleError, Role};
use crate::approvals::RiskyAction;
use crate::components::{format::when, session::CsrfField};
use crate::directory::{BaseDetail, CollaboratorRow};

#[server(endpoint = "bases/get", input = GetUrl)]
pub async fn read_base(id: String) -> Result<BaseDetail, ConsoleError> {
    crate::backend::with_status(
        async move {
            let who = crate::backend::require_role(Role::Viewer)?;
            crate::backend::backend()?.base(&who, &id).await
        }
        .await,
    )
}

#[server(endpoint = "bases/shares/enable")]
pub async fn enable_share(
    csrf_token: String,
    base: String,
    share: String,
) -> Result<(), ConsoleError> {
    crate::backend::with_status(
        async move {
            let who = crate::backend::require_change(Role::Operator, &csrf_token)?;
            crate::backend::backend()?
                .enable_share(&who, &base, &share)
                .await
        }
        .await,
    )
}

#[server(endpoint = "bases/extensions/enable")]
pub async fn enable_extension(
    csrf_token: String,
    base: String,
    installation: String,
) -> Result<(), ConsoleError> {
    crate::backend::with_status(
        async move {
            let who = crate::backend::require_change(Role::Operator, &csrf_token)?;
            crate::backend::backend()?
                .enable_extension(&who, &base, &installation)
                .await
        }
        .await,
    )
}

#[derive(Clone, Copy)]
struct BaseActions {
    share: ServerAction<EnableShare>,
    extension: ServerAction<EnableExtension>,
}

#[component]
pub fn BasePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let actions = BaseActions {
        share: ServerAction::new(),
        extension: ServerAction::new(),
    };
    let detail = Resource::new(
        move || {
            (
                id(),
                actions.share.version().get(),
                actions.extension.version().get(),
            )
        },
        |(id, ..)| read_base(id),
    );
    let user = crate::components::session::SignedIn::expect().0;
    let failure = move || {
        actions
            .share
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| actions.extension.value().get().and_then(Result::err))
    };
    view! {
        {move || failure().map(|e| view! { <p class="error" role="alert" data-testid="change-error">{e.to_string()}</p> })}
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
) -> impl IntoView {
    rows.iter()
        .map(|c| {
            // Access granted on the workspace is removed on the workspace's page.
            let on_base = c.base_id.is_some();
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
                    <td>{c.permission.clone()}</td>
                    <td>{if on_base { "this base" } else { "the workspace" }}</td>
                    <td>{remove}</td>
                </tr>
            }
        })
        .collect_view()
}

#[component]
fn BaseView(b: BaseDetail, can: bool, actions: BaseActions) -> impl IntoView {
    let bid = b.id.parse::<airtable_client::ids::BaseId>().ok();
    let people = collaborator_rows(&b.collaborators, bid.as_ref(), can);
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
            let base_field = b.id.clone();
            let share_field = s.id.clone();
            let controls = can.then(|| {
                let enable = (!s.enabled).then(move || {
                    view! {
                        <ActionForm action=actions.share attr:class="inline">
                            <CsrfField />
                            <input type="hidden" name="base" value=base_field />
                            <input type="hidden" name="share" value=share_field />
                            <button type="submit" class="button secondary">"Enable"</button>
                        </ActionForm>
                    }
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
                let delete = bid.clone().zip(installation).map(|(base, installation)| {
                    view! {
                        <RequestActionForm
                            action=RiskyAction::DeleteBlockInstallation { base, installation }
                            label="Delete…" />
                    }
                });
                view! { {enable} {delete} }
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
    let delete_base = can.then_some(bid).flatten().map(|base| {
        view! {
            <section class="card">
                <h2>"Risky actions"</h2>
                <p class="muted">"Each needs a second person's approval before it happens."</p>
                <RequestActionForm action=RiskyAction::DeleteBase { base } label="Delete this base…" />
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
                <dt>"Read from Airtable"</dt><dd>{when(Some(b.read_at))}</dd>
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
            <p class="muted">"Turning an extension off is not offered: the console has no approval request for it yet. Deleting one needs approval."</p>
            <table class="table" data-testid="extensions">
                <thead><tr>
                    <th scope="col">"Extension"</th><th scope="col">"Installation"</th><th scope="col">"State"</th>
                    <th scope="col">"Created"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr></thead>
                <tbody>{extensions}</tbody>
            </table>
        </section>
        {delete_base}
    }
}
