//! The request to remove someone from the enterprise, with the replacement owner for the
//! workspaces they own.

use leptos::{form::ActionForm, prelude::*};

use crate::approvals::{RequestOutcome, RiskyAction};
use crate::components::session::CsrfField;
use crate::directory::CollaboratorKind;
use crate::pages::approvals::RequestAction;
use crate::pages::workspaces::read_workspace;

/// Asks to remove someone from the enterprise. Airtable refuses to remove the only owner of
/// a workspace without a replacement owner, so the form asks for one: the other people of
/// the workspaces they own (read live), or none. Each choice is the whole call (the request
/// form posts the call as it is, so it also works without the wasm bundle).
#[component]
pub(super) fn RemoveFromEnterpriseForm(
    user: airtable_client::ids::UserId,
    owned: Vec<String>,
    #[prop(into)] label: String,
) -> impl IntoView {
    let request = ServerAction::<RequestAction>::new();
    let me = user.to_string();
    let call = move |replacement: Option<airtable_client::ids::UserId>| {
        serde_json::to_string(&RiskyAction::RemoveUserFromEnterprise {
            user: user.clone(),
            replacement_owner: replacement,
            remove_from_descendants: false,
        })
        .unwrap_or_default()
    };
    let owns_workspaces = !owned.is_empty();
    let candidates = Resource::new(
        move || owned.clone(),
        move |workspaces| {
            let me = me.clone();
            async move {
                let mut people: Vec<(String, String)> = Vec::new();
                for id in workspaces {
                    // A workspace that cannot be read offers nobody; the server checks the
                    // choice again (and refuses a removal that would orphan a workspace).
                    let Ok(w) = read_workspace(id, None).await else {
                        continue;
                    };
                    for c in w.collaborators {
                        if c.kind == CollaboratorKind::User
                            && c.id != me
                            && !people.iter().any(|(id, _)| *id == c.id)
                        {
                            people.push((c.id, c.label));
                        }
                    }
                }
                people.sort_by(|a, b| a.1.cmp(&b.1));
                people
            }
        },
    );
    let none = call(None);
    let field = format!("reason-remove-{}", user_field(&none));
    let select = format!("replacement-{}", user_field(&none));
    let options = move || {
        let call = call.clone();
        Suspend::new(async move {
            candidates
                .await
                .into_iter()
                .filter_map(|(id, email)| {
                    let typed = id.parse::<airtable_client::ids::UserId>().ok()?;
                    Some(view! { <option value=call(Some(typed))>{format!("{email} ({id})")}</option> })
                })
                .collect_view()
        })
    };
    let none_label = if owns_workspaces {
        "Nobody (only if no workspace they own is left without an owner)"
    } else {
        "Nobody (they own no workspace)"
    };
    view! {
        // The sole-owner report links here (`#remove-from-enterprise`); browsers open a
        // <details> that a fragment points into.
        <details class="risky" id="remove-from-enterprise">
            <summary>{label}</summary>
            <ActionForm action=request>
                <CsrfField />
                <p>
                    "Removes them from every workspace, base and interface of the enterprise. "
                    "A workspace they are the only owner of goes to the replacement owner; "
                    "the request is refused if one would be left without an owner."
                </p>
                <label for=select.clone()>"Replacement owner"</label>
                <select id=select name="action" required data-testid="replacement-owner">
                    <option value=none>{none_label}</option>
                    <Suspense fallback=|| ()>{options}</Suspense>
                </select>
                <label for=field.clone()>"Why is this needed?"</label>
                <textarea id=field name="reason" rows="2" required></textarea>
                <button type="submit" class="button danger">"Ask for approval"</button>
            </ActionForm>
            {move || request.value().get().map(|result| match result {
                Ok(RequestOutcome::Requested { id }) => view! {
                    <p class="notice" role="status" data-testid="request-sent">
                        "Asked. A second person must approve it: "
                        <a href=format!("/approvals/{id}")>"follow the request"</a> "."
                    </p>
                }.into_any(),
                Ok(RequestOutcome::Done { outcome }) => view! {
                    <p class="notice" role="status" data-testid="request-done">"Done (this action needs no approval here): " {outcome}</p>
                }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </details>
    }
}

/// A short, stable suffix for the form's element IDs, from the call it makes.
fn user_field(call: &str) -> String {
    format!(
        "{:08x}",
        call.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
            (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
        })
    )
}
