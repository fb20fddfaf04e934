//! The sole owners report's table: workspaces with a single owner, deactivated owners first, each with the way to hand it over.

use leptos::prelude::*;

use super::user_link;
use crate::reports::SoleOwnerRow;

pub fn table(rows: Vec<SoleOwnerRow>) -> impl IntoView {
    let body = rows
        .into_iter()
        .map(|w| {
            let deactivated = w.owner_deactivated();
            let owner = if w.owner_is_group() {
                view! { "group " <a href=format!("/groups/{}", w.owner_id)>{w.owner_label.clone()}</a> }.into_any()
            } else {
                let label = match &w.owner_name {
                    Some(name) if !name.trim().is_empty() => format!("{name} ({})", w.owner_label),
                    _ => w.owner_label.clone(),
                };
                user_link(&w.owner_id, label).into_any()
            };
            let state = match (&w.owner_state, deactivated) {
                (_, true) => view! { <span class="danger-text" data-testid="owner-deactivated">"deactivated"</span> }.into_any(),
                (Some(state), false) => view! { {state.clone()} }.into_any(),
                (None, false) if w.owner_is_group() => view! { "a group" }.into_any(),
                (None, false) => view! { <span class="muted">"not an enterprise user"</span> }.into_any(),
            };
            // Removing a sole owner needs a replacement owner: the user's removal form asks
            // for one (a group owner is changed on the workspace's page instead).
            let handover = (!w.owner_is_group()).then(|| {
                view! {
                    <a href=format!("/users/{}#remove-from-enterprise", w.owner_id) data-testid="row-handover">
                        "Remove them, handing this over…"
                    </a>
                }
            });
            view! {
                <tr data-testid="report-row" class=if deactivated { "row-danger" } else { "" }>
                    <td><a href=format!("/workspaces/{}", w.workspace_id)>{w.workspace_name.clone()}</a></td>
                    <td><code>{w.workspace_id.clone()}</code></td>
                    <td data-testid="row-owner">{owner}</td>
                    <td>{state}</td>
                    <td>{handover}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table" data-testid="report-table">
            <thead><tr>
                <th scope="col">"Workspace"</th><th scope="col">"ID"</th>
                <th scope="col">"Only owner"</th><th scope="col">"Owner's state"</th>
                <th scope="col"><span class="visually-hidden">"Hand over"</span></th>
            </tr></thead>
            <tbody>{body}</tbody>
        </table>
    }
}
