//! One user, read live from Airtable: their facts, groups and collaborations, the direct
//! changes (operator and above) and the risky actions (only as requests for approval).

use leptos::{form::ActionForm, prelude::*};
use leptos_router::hooks::use_params_map;

use super::remove_form::RemoveFromEnterpriseForm;
use super::server::{read_user, ChangeUserEmail, LogoutUser, RenameUser};
use super::{can_change, yes_no};
use crate::approvals::RiskyAction;
use crate::audit::query::percent_encode;
use crate::components::live_read::{refresh_asked, ReadFromAirtable};
use crate::components::{format::when, session::CsrfField};
use crate::pages::approvals::RequestActionForm;
use crate::pages::bulk::StartBulkJob;
use crate::people::UserDetail;

/// The actions a user page offers, created once at the page's top level.
#[derive(Clone, Copy)]
struct UserActions {
    logout: ServerAction<LogoutUser>,
    rename: ServerAction<RenameUser>,
    email: ServerAction<ChangeUserEmail>,
    /// Admin access, reactivation and claiming run as a one-user bulk job, the same code
    /// path (and action-log entries) as for many users; the page moves on to the job.
    access: ServerAction<StartBulkJob>,
}

#[component]
pub fn UserPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let actions = UserActions {
        logout: ServerAction::new(),
        rename: ServerAction::new(),
        email: ServerAction::new(),
        access: ServerAction::new(),
    };
    let refresh = refresh_asked();
    let detail = Resource::new(
        move || {
            (
                id(),
                refresh(),
                actions.logout.version().get(),
                actions.rename.version().get(),
                actions.email.version().get(),
            )
        },
        |(id, refresh, ..)| read_user(id, Some(refresh)),
    );
    let user = crate::components::session::SignedIn::expect().0;
    let failure = move || {
        actions
            .logout
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| actions.rename.value().get().and_then(Result::err))
            .or_else(|| actions.email.value().get().and_then(Result::err))
            .or_else(|| actions.access.value().get().and_then(Result::err))
    };
    view! {
        <p><a href="/users">"← Users"</a></p>
        {move || failure().map(|e| view! { <p class="error" role="alert" data-testid="change-error">{e.to_string()}</p> })}
        {move || matches!(actions.logout.value().get(), Some(Ok(()))).then(|| view! {
            <p class="notice" role="status" data-testid="logged-out">"The user's Airtable sessions have ended."</p>
        })}
        {move || matches!(actions.rename.value().get(), Some(Ok(()))).then(|| view! {
            <p class="notice" role="status" data-testid="renamed">"Name changed."</p>
        })}
        {move || matches!(actions.email.value().get(), Some(Ok(()))).then(|| view! {
            <p class="notice" role="status" data-testid="email-changed">"Email address changed; Airtable ended the user's sessions."</p>
        })}
        <Suspense fallback=|| view! { <p aria-busy="true">"Reading the user from Airtable…"</p> }>
            {move || Suspend::new(async move {
                let can = can_change(user.await);
                match detail.await {
                    Ok(u) => view! { <UserView u can actions /> }.into_any(),
                    Err(e) => view! {
                        <h1>"User"</h1>
                        <p class="error" role="alert" data-testid="user-error">{e.to_string()}</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn UserView(u: UserDetail, can: bool, actions: UserActions) -> impl IntoView {
    let title = if u.name.trim().is_empty() {
        u.email.clone()
    } else {
        u.name.clone()
    };
    let admin = if u.is_super_admin {
        "super admin"
    } else {
        yes_no(Some(u.is_admin))
    };
    let managed = u.is_managed.map_or("not reported", |m| yes_no(Some(m)));
    let external = u
        .is_external
        .map_or("unknown until a snapshot is taken", |e| yes_no(Some(e)));
    let by_user = format!("/audit?q={}", percent_encode(&format!("actor:{}", u.id)));
    let about_user = format!("/audit?q={}", percent_encode(&format!("model:{}", u.id)));
    let groups = u
        .groups
        .iter()
        .map(|g| {
            view! {
                <tr data-testid="group-row">
                    <td><a href=format!("/groups/{}", g.id)>{g.name.clone().unwrap_or_else(|| g.id.clone())}</a></td>
                    <td><code>{g.id.clone()}</code></td>
                    <td>{g.role.clone().unwrap_or_else(|| "not in the latest snapshot".into())}</td>
                </tr>
            }
        })
        .collect_view();
    let collaborations = u
        .collaborations
        .iter()
        .map(|c| {
            let target = match (c.kind.as_str(), &c.base_id) {
                ("workspace", _) => view! {
                    <a href=format!("/workspaces/{}", c.id)>{c.name.clone().unwrap_or_else(|| c.id.clone())}</a>
                }
                .into_any(),
                ("base", _) => view! { <a href=format!("/bases/{}", c.id)>{c.id.clone()}</a> }.into_any(),
                (_, Some(base)) => view! {
                    <code>{c.id.clone()}</code> " in base " <a href=format!("/bases/{base}")>{base.clone()}</a>
                }
                .into_any(),
                _ => view! { <code>{c.id.clone()}</code> }.into_any(),
            };
            view! {
                <tr data-testid="collaboration-row">
                    <td>{c.kind.clone()}</td>
                    <td>{target}</td>
                    <td data-testid="collaboration-permission">{c.permission.clone()}</td>
                    <td>{when(Some(c.granted_at))} " by " <code>{c.granted_by.clone()}</code></td>
                </tr>
            }
        })
        .collect_view();
    let (first, last) = u.name_parts();
    // The one-user jobs this user's state allows.
    let mut access_kinds: Vec<(&str, &str)> = Vec::new();
    if u.is_deactivated() {
        access_kinds.push(("reactivate", "Reactivate"));
    }
    match u.is_managed {
        Some(false) => access_kinds.push(("claim_managed", "Claim as a managed user")),
        Some(true) => access_kinds.push(("claim_unmanaged", "Release as an unmanaged user")),
        None => {}
    }
    let access_id = u.id.clone();
    let access_forms = access_kinds
        .into_iter()
        .map(|(kind, label)| {
            let user = access_id.clone();
            view! {
                <ActionForm action=actions.access attr:class="inline">
                    <CsrfField />
                    <input type="hidden" name="kind" value=kind />
                    <input type="hidden" name="users[]" value=user />
                    <button type="submit" class="button secondary">{label}</button>
                </ActionForm>
            }
        })
        .collect_view();
    let direct_id = u.id.clone();
    let direct = can.then(move || {
        let rename_id = direct_id.clone();
        let email_id = direct_id.clone();
        view! {
            <section class="card">
                <h2>"Changes"</h2>
                <p class="muted">"These happen at once and are recorded in the console's action log."</p>
                <ActionForm action=actions.logout attr:class="inline">
                    <CsrfField />
                    <input type="hidden" name="user" value=direct_id />
                    <button type="submit" class="button secondary">"Log out of all sessions"</button>
                </ActionForm>
                {access_forms}
                <h3>"Change name"</h3>
                <ActionForm action=actions.rename>
                    <CsrfField />
                    <input type="hidden" name="user" value=rename_id />
                    <div class="form-row">
                        <label for="user-first-name">"First name"</label>
                        <input id="user-first-name" name="first_name" type="text" maxlength="100" value=first autocomplete="off" />
                        <label for="user-last-name">"Last name"</label>
                        <input id="user-last-name" name="last_name" type="text" maxlength="100" value=last autocomplete="off" />
                        <button type="submit" class="button secondary">"Save name"</button>
                    </div>
                </ActionForm>
                <h3>"Change email address"</h3>
                <p class="muted">"The new address must be on one of the enterprise's email domains; Airtable ends the user's sessions when it changes."</p>
                <ActionForm action=actions.email>
                    <CsrfField />
                    <input type="hidden" name="user" value=email_id />
                    <div class="form-row">
                        <label for="user-new-email">"New email address"</label>
                        <input id="user-new-email" name="email" type="email" required maxlength="254" autocomplete="off" />
                        <button type="submit" class="button secondary">"Change email"</button>
                    </div>
                </ActionForm>
            </section>
        }
    });
    let typed = u.id.parse::<airtable_client::ids::UserId>().ok();
    let deactivated = u.is_deactivated();
    let is_admin = u.is_admin;
    let email = u.email.clone();
    // Airtable says whether the enterprise manages an account only for people on its email
    // domains: without that answer (or with a snapshot saying so) this is an external
    // collaborator, whom Airtable will not deactivate, delete or make (or unmake) an admin.
    // Only removing them from the enterprise's workspaces and bases applies.
    let outside = u.is_external == Some(true) || u.is_managed.is_none();
    // Airtable hands the workspaces someone owns to a replacement owner when they are
    // removed: the form offers the other people of those workspaces.
    let owned: Vec<String> = u
        .collaborations
        .iter()
        .filter(|c| c.kind == "workspace" && c.permission == "owner")
        .map(|c| c.id.clone())
        .collect();
    let risky = typed.filter(|_| can).map(|user| {
        if outside {
            return view! {
                <section class="card" data-testid="risky-actions">
                    <h2>"Risky actions"</h2>
                    <p class="muted" data-testid="external-note">
                        {email.clone()} " is an external collaborator (outside the enterprise's email domains): "
                        "Airtable does not let the enterprise deactivate or delete their account or change their admin access. "
                        "What applies is removing them from the enterprise's workspaces, bases and interfaces, which ends every access they have here. "
                        "It needs a second person's approval before it happens."
                    </p>
                    <RemoveFromEnterpriseForm user=user.clone() owned=owned.clone()
                        label=format!("Remove {email} from the enterprise's workspaces, bases and interfaces…") />
                </section>
            }
            .into_any();
        }
        view! {
            <section class="card" data-testid="risky-actions">
                <h2>"Risky actions"</h2>
                <p class="muted">"Each needs a second person's approval before it happens."</p>
                {(!deactivated).then(|| view! { <RequestActionForm action=RiskyAction::DeactivateUser { user: user.clone() } label="Deactivate" /> })}
                <RemoveFromEnterpriseForm user=user.clone() owned=owned.clone() label=format!("Remove {email} from the enterprise…") />
                {is_admin.then(|| view! { <RequestActionForm action=RiskyAction::RevokeAdminAccess { user: user.clone() } label="Revoke admin access" /> })}
                {(!is_admin).then(|| view! { <RequestActionForm action=RiskyAction::GrantAdminAccess { user: user.clone() } label="Grant admin access" /> })}
                <RequestActionForm action=RiskyAction::DeleteUser { user: user.clone() } label=format!("Delete {email}…") confirm=email.clone() />
            </section>
        }
        .into_any()
    });
    view! {
        <h1 data-testid="user-name">{title}</h1>
        <section class="card" data-testid="user-card">
            <dl class="facts">
                <dt>"ID"</dt><dd><code data-testid="user-id">{u.id.clone()}</code></dd>
                <dt>"Email"</dt><dd data-testid="user-email">{u.email.clone()}</dd>
                <dt>"Name"</dt><dd>{u.name.clone()}</dd>
                <dt>"State"</dt><dd data-testid="user-state">{u.state.clone()}</dd>
                <dt>"Admin"</dt><dd data-testid="user-admin">{admin}</dd>
                <dt>"Managed"</dt><dd>{managed}</dd>
                <dt>"Service account"</dt><dd>{yes_no(Some(u.is_service_account))}</dd>
                <dt>"External"</dt><dd>{external}</dd>
                <dt>"Two-factor sign-in"</dt><dd>{yes_no(Some(u.two_factor))}</dd>
                <dt>"SSO required"</dt><dd>{yes_no(Some(u.sso_required))}</dd>
                <dt>"Created"</dt><dd>{u.created_at.map_or_else(|| "not reported".to_string(), |t| when(Some(t)))}</dd>
                <dt>"Last activity"</dt><dd>{when(u.last_activity)}</dd>
                <dt>"Read from Airtable"</dt><dd><ReadFromAirtable at=u.read_at path=format!("/users/{}", u.id) /></dd>
            </dl>
            <p>
                <a href=by_user data-testid="audit-by-user">"Audit events by this user"</a> " · "
                <a href=about_user>"Audit events about this user"</a>
            </p>
        </section>
        <section class="card">
            <h2>"Groups (" {u.groups.len()} ")"</h2>
            <table class="table" data-testid="user-groups">
                <thead><tr><th scope="col">"Group"</th><th scope="col">"ID"</th><th scope="col">"Role"</th></tr></thead>
                <tbody>{groups}</tbody>
            </table>
        </section>
        <section class="card">
            <h2>"Shared directly with them (" {u.collaborations.len()} ")"</h2>
            <table class="table" data-testid="user-collaborations">
                <thead><tr><th scope="col">"Kind"</th><th scope="col">"On"</th><th scope="col">"Permission"</th><th scope="col">"Since"</th></tr></thead>
                <tbody>{collaborations}</tbody>
            </table>
        </section>
        {direct}
        {risky}
    }
}
