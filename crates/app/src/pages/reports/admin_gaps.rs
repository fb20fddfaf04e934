//! The admin gaps report's table: admins without SSO or two-factor sign-in, with what is missing.

use leptos::prelude::*;

use super::{person_label, user_link, when, yes_no};
use crate::reports::AdminGapRow;

pub fn table(rows: Vec<AdminGapRow>) -> impl IntoView {
    let body = rows
        .into_iter()
        .map(|u| {
            let missing = u.missing();
            view! {
                <tr data-testid="report-row">
                    <td>{user_link(&u.user_id, person_label(&u.name, &u.email))}</td>
                    <td data-testid="row-email">{u.email.clone()}</td>
                    <td>{u.state.clone()}</td>
                    <td>{if u.is_super_admin { "super admin" } else { "admin" }}</td>
                    <td>{yes_no(u.sso_required)}</td>
                    <td>{yes_no(u.two_factor)}</td>
                    <td class="marker">{missing}</td>
                    <td>{when(u.last_activity)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table" data-testid="report-table">
            <thead><tr>
                <th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"State"</th>
                <th scope="col">"Admin"</th><th scope="col">"SSO required"</th>
                <th scope="col">"Two-factor sign-in"</th><th scope="col">"Missing"</th>
                <th scope="col">"Last activity"</th>
            </tr></thead>
            <tbody>{body}</tbody>
        </table>
    }
}
