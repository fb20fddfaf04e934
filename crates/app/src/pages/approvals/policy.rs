//! The policy: which kinds of action need a second person, and the forms to ask for an
//! exemption or to require approval again.

use leptos::{form::ActionForm, prelude::*};

use super::server::{read_policy, SetPolicy};
use crate::api::Role;
use crate::approvals::{PolicyRow, RequestOutcome};
use crate::components::session::CsrfField;

#[component]
pub fn ApprovalPolicyPage() -> impl IntoView {
    let set = ServerAction::<SetPolicy>::new();
    let rows = Resource::new(move || set.version().get(), |_| read_policy());
    let user = crate::components::session::SignedIn::expect().0;
    view! {
        <h1>"Which actions need approval"</h1>
        <p class="lede">
            "Every risky action needs a second person. Deletions always do: they are locked. "
            "An admin may ask to exempt another kind; the exemption takes effect only when a "
            "different admin approves it. Requiring approval again happens at once. "
            "Every change is recorded in the console's action log."
        </p>
        {move || set.value().get().map(|result| match result {
            Ok(RequestOutcome::Requested { id }) => view! {
                <p class="notice" role="status" data-testid="exemption-requested">
                    "Asked. The exemption takes effect when a second admin approves it: "
                    <a href=format!("/approvals/{id}")>"follow the request"</a> "."
                </p>
            }.into_any(),
            Ok(RequestOutcome::Done { outcome }) => view! { <p class="notice" role="status">{outcome}</p> }.into_any(),
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        })}
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let is_admin = matches!(user.await, Ok(Some(u)) if u.role.allows(Role::Admin));
                match rows.await {
                    Ok(rows) => view! {
                        <table class="table" data-testid="approval-policy">
                            <thead><tr><th scope="col">"Action"</th><th scope="col">"Needs approval"</th><th scope="col"><span class="visually-hidden">"Change"</span></th></tr></thead>
                            <tbody>
                                {rows.into_iter().map(|row| view! { <PolicyRowView row is_admin set /> }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PolicyRowView(row: PolicyRow, is_admin: bool, set: ServerAction<SetPolicy>) -> impl IntoView {
    let needs = if row.locked {
        view! { <span class="locked" data-testid="policy-locked">"always (locked)"</span> }
            .into_any()
    } else if row.needs_approval {
        "yes".into_any()
    } else {
        "no".into_any()
    };
    let change = if row.locked {
        view! { <span class="muted">"Deletions cannot be exempted."</span> }.into_any()
    } else if let Some(id) = row.exemption_request.clone() {
        view! { <a href=format!("/approvals/{id}")>"Exemption waiting for a second admin"</a> }
            .into_any()
    } else if is_admin {
        let flip = if row.needs_approval { "no" } else { "yes" };
        let button = if row.needs_approval {
            "Ask to exempt"
        } else {
            "Require approval"
        };
        let label = format!("{button}: {}", row.label);
        let kind = row.kind.clone();
        view! {
            <ActionForm action=set>
                <CsrfField />
                <input type="hidden" name="kind" value=kind />
                <input type="hidden" name="needs_approval" value=flip />
                <button type="submit" class="button secondary" aria-label=label>{button}</button>
            </ActionForm>
        }
        .into_any()
    } else {
        ().into_any()
    };
    view! {
        <tr data-testid="policy-row" data-kind=row.kind.clone()>
            <td>{row.label.clone()}</td>
            <td>{needs}</td>
            <td>{change}</td>
        </tr>
    }
}
