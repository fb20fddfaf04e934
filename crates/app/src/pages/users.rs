//! Finding an enterprise user and asking for the risky actions on them (each goes through
//! two-person approval).

use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_router::hooks::use_query_map;

use super::approvals::RequestActionForm;
use crate::api::{ConsoleError, Role};
use crate::approvals::{Preview, RiskyAction};

#[server(endpoint = "users/find", input = GetUrl)]
pub async fn find_user(q: String) -> Result<Option<(String, Preview)>, ConsoleError> {
    crate::backend::with_status(
        async move {
            let who = crate::backend::require_role(Role::Viewer)?;
            if q.trim().is_empty() {
                return Ok(None);
            }
            crate::backend::backend()?.find_user(&who, &q).await
        }
        .await,
    )
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let url = use_query_map();
    let q = move || url.with(|p| p.get("q").unwrap_or_default());
    let found = Resource::new(q, find_user);
    let user = crate::components::session::SignedIn::expect().0;
    view! {
        <h1>"Users"</h1>
        <form method="get" action="/users" role="search" class="search">
            <label for="user-q">"Email address or user ID"</label>
            <div class="search-row">
                <input id="user-q" name="q" type="search" value=q required />
                <button type="submit" class="button primary">"Find"</button>
            </div>
        </form>
        <Suspense fallback=|| view! { <p aria-busy="true">"Looking…"</p> }>
            {move || Suspend::new(async move {
                let can_ask = matches!(user.await, Ok(Some(u)) if u.role.allows(Role::Operator));
                match found.await {
                    Ok(Some((id, preview))) => view! { <UserCard id preview can_ask /> }.into_any(),
                    Ok(None) if q().is_empty() => ().into_any(),
                    Ok(None) => view! { <p class="notice" data-testid="no-user">"No user in the enterprise has this email or ID."</p> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn UserCard(id: String, preview: Preview, can_ask: bool) -> impl IntoView {
    let user = id.parse::<airtable_client::ids::UserId>().ok();
    let is_admin = preview
        .facts
        .iter()
        .any(|(k, v)| k == "Admin" && v == "yes");
    let actions = user.filter(|_| can_ask).map(|user| {
        view! {
            <section class="card">
                <h2>"Risky actions"</h2>
                <p class="muted">"Each needs a second person's approval before it happens."</p>
                <RequestActionForm action=RiskyAction::DeactivateUser { user: user.clone() } label="Deactivate" />
                <RequestActionForm action=RiskyAction::RemoveUserFromEnterprise { user: user.clone(), replacement_owner: None, remove_from_descendants: false } label="Remove from the enterprise" />
                {is_admin.then(|| view! { <RequestActionForm action=RiskyAction::RevokeAdminAccess { user: user.clone() } label="Revoke admin access" /> })}
                <RequestActionForm action=RiskyAction::DeleteUser { user: user.clone() } label="Delete" />
            </section>
        }
    });
    view! {
        <section class="card" data-testid="user-card">
            <h2>{preview.facts.first().map(|(_, v)| v.clone()).unwrap_or(id.clone())}</h2>
            <dl class="facts">
                {preview.facts.iter().skip(1).map(|(k, v)| view! { <dt>{k.clone()}</dt><dd>{v.clone()}</dd> }).collect_view()}
            </dl>
            {preview.lists.iter().map(|l| view! {
                <h3>{l.title.clone()} " (" {l.items.len()} ")"</h3>
                <ul>{l.items.iter().map(|i| view! { <li>{i.clone()}</li> }).collect_view()}</ul>
            }).collect_view()}
        </section>
        {actions}
    }
}
