//! The external collaborators report's table: users outside the enterprise's domains, with their groups and the workspaces they reach.

use leptos::prelude::*;

use super::{person_label, user_link, when};
use crate::reports::ExternalCollaboratorRow;

pub fn table(rows: Vec<ExternalCollaboratorRow>) -> impl IntoView {
    let body = rows
        .into_iter()
        .map(|u| {
            let groups = if u.groups.is_empty() {
                view! { <span class="muted">"none"</span> }.into_any()
            } else {
                let items = u
                    .groups
                    .iter()
                    .map(|g| view! { <li><a href=format!("/groups/{}", g.id)>{g.name.clone()}</a></li> })
                    .collect_view();
                // A list only when there is something to list: "none" is not a list item.
                view! { <ul class="plain">{items}</ul> }.into_any()
            };
            let workspaces = if u.workspaces.is_empty() {
                view! { <span class="muted">"none"</span> }.into_any()
            } else {
                let items = u
                    .workspaces
                    .iter()
                    .map(|w| {
                        let via = w.via_group.as_ref().map(|g| format!(" via {}", g.name));
                        view! {
                            <li data-testid="reach">
                                <a href=format!("/workspaces/{}", w.id)>{w.name.clone()}</a>
                                " (" {w.permission.clone()} {via} ")"
                            </li>
                        }
                    })
                    .collect_view();
                view! { <ul class="plain">{items}</ul> }.into_any()
            };
            view! {
                <tr data-testid="report-row">
                    <td>{user_link(&u.user_id, person_label(&u.name, &u.email))}</td>
                    <td data-testid="row-email">{u.email.clone()}</td>
                    <td>{u.state.clone()}</td>
                    <td>{when(u.last_activity)}</td>
                    <td>{groups}</td>
                    <td>{workspaces}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table" data-testid="report-table">
            <thead><tr>
                <th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"State"</th>
                <th scope="col">"Last activity"</th><th scope="col">"Groups"</th>
                <th scope="col">"Workspaces they can reach"</th>
            </tr></thead>
            <tbody>{body}</tbody>
        </table>
    }
}
