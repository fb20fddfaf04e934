//! Console roles: who may use the console and how far. Admins only.

use leptos::{form::ActionForm, prelude::*, server_fn::codec::GetUrl};

use crate::api::{ConsoleError, ConsoleUserRow, Role};
use crate::approvals::RequestOutcome;
use crate::components::session::CsrfField;

#[server(endpoint = "roles/list", input = GetUrl)]
pub async fn list_console_users() -> Result<Vec<ConsoleUserRow>, ConsoleError> {
    crate::serve::as_role(Role::Admin, async move |console, _| {
        console_core::roles::console_users(&console).await
    })
    .await
}

#[server(endpoint = "roles/grant")]
pub async fn grant_role(
    csrf_token: String,
    person: String,
    role: String,
) -> Result<RequestOutcome, ConsoleError> {
    crate::serve::changing(Role::Admin, &csrf_token, async move |console, who| {
        let role: Role = role.parse().map_err(ConsoleError::Invalid)?;
        let person = person.trim();
        if person.is_empty() {
            return Err(ConsoleError::Invalid(
                "Give the person's email address or Airtable user id.".into(),
            ));
        }
        console_core::roles::grant(&console, &who, person, role).await
    })
    .await
}

#[server(endpoint = "roles/revoke")]
pub async fn revoke_role(csrf_token: String, airtable_user_id: String) -> Result<(), ConsoleError> {
    crate::serve::changing(Role::Admin, &csrf_token, async move |console, who| {
        console_core::roles::revoke(&console, &who, &airtable_user_id).await
    })
    .await
}

#[component]
pub fn RolesPage() -> impl IntoView {
    let grant = ServerAction::<GrantRole>::new();
    let revoke = ServerAction::<RevokeRole>::new();
    let people = Resource::new(
        move || (grant.version().get(), revoke.version().get()),
        |_| list_console_users(),
    );
    let failure = move || {
        grant
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| revoke.value().get().and_then(|r| r.err()))
    };
    let granted = move || match grant.value().get() {
        Some(Ok(RequestOutcome::Requested { id })) => Some(
            view! {
                <p class="notice" role="status" data-testid="role-requested">
                    "Asked. The role is given when a second admin approves: "
                    <a href=format!("/approvals/{id}")>"follow the request"</a> "."
                </p>
            }
            .into_any(),
        ),
        Some(Ok(RequestOutcome::Done { outcome })) => Some(
            view! {
                <p class="notice" role="status" data-testid="role-granted">{outcome}</p>
            }
            .into_any(),
        ),
        _ => None,
    };

    view! {
        <h1>"Console roles"</h1>
        <p class="lede">
            "Viewers read everything. Operators also make changes and request destructive ones. "
            "Approvers also approve other people's requests. Admins also manage roles."
        </p>
        <p>
            "Giving the approver or admin role takes a second admin's approval once the console has two admins; "
            "viewer and operator are given at once, and removing a role takes effect at once. "
            "A person whose role is removed stays without one at their next sign-in."
        </p>
        {move || failure().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
        {granted}
        <section class="card">
            <h2>"Give someone a role"</h2>
            <ActionForm action=grant>
                <CsrfField />
                <div class="form-row">
                    <label for="grant-person">"Email or Airtable user id"</label>
                    <input id="grant-person" name="person" type="text" required autocomplete="off" />
                    <label for="grant-role">"Role"</label>
                    <select id="grant-role" name="role">
                        {Role::ALL.map(|r| view! { <option value=r.as_str()>{r.as_str()}</option> }).collect_view()}
                    </select>
                    <button type="submit" class="button primary">"Grant"</button>
                </div>
            </ActionForm>
        </section>
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match people.await {
                    Ok(rows) => view! { <RolesTable rows revoke /> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RolesTable(rows: Vec<ConsoleUserRow>, revoke: ServerAction<RevokeRole>) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|row| {
            let label = format!("Remove {}'s console role", row.email);
            view! {
                <tr data-testid="role-row">
                    <td>{row.name.clone()}</td>
                    <td>{row.email.clone()}</td>
                    <td><code>{row.airtable_user_id.clone()}</code></td>
                    <td>{row.role.as_str()}</td>
                    <td>{row.granted_by.clone().unwrap_or_default()}</td>
                    <td>
                        <ActionForm action=revoke>
                            <CsrfField />
                            <input type="hidden" name="airtable_user_id" value=row.airtable_user_id.clone() />
                            <button type="submit" class="button secondary" aria-label=label>"Remove"</button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table">
            <caption>"People with a console role"</caption>
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Airtable id"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Granted by"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
