//! The inactive users report's table: active users with no activity for the chosen number of days, never-active ones marked.

use leptos::prelude::*;

use super::{person_label, user_link, when, yes_no};
use crate::reports::InactiveUserRow;

pub fn table(rows: Vec<InactiveUserRow>) -> impl IntoView {
    let body = rows
        .into_iter()
        .map(|u| {
            let activity = match u.last_activity {
                Some(t) => view! { {when(Some(t))} }.into_any(),
                None => {
                    view! { <span class="marker" data-testid="never-active">"never active"</span> }
                        .into_any()
                }
            };
            view! {
                <tr data-testid="report-row">
                    <td>{user_link(&u.user_id, person_label(&u.name, &u.email))}</td>
                    <td data-testid="row-email">{u.email.clone()}</td>
                    <td><code>{u.user_id.clone()}</code></td>
                    <td>{activity}</td>
                    <td>{yes_no(u.is_admin)}</td>
                    <td>{yes_no(u.is_managed)}</td>
                    <td>{yes_no(u.is_service_account)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table" data-testid="report-table">
            <thead><tr>
                <th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"ID"</th>
                <th scope="col">"Last activity"</th><th scope="col">"Admin"</th>
                <th scope="col">"Managed"</th><th scope="col">"Service account"</th>
            </tr></thead>
            <tbody>{body}</tbody>
        </table>
    }
}
