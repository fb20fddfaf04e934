//! The public shares report's table: share links anyone can open, by base.

use leptos::prelude::*;

use super::{user_link, when};
use crate::reports::PublicShareRow;

pub fn table(rows: Vec<PublicShareRow>) -> impl IntoView {
    let body = rows
        .into_iter()
        .map(|s| {
            let base = s.base_name.clone().unwrap_or_else(|| s.base_id.clone());
            let creator = s.created_by_email.clone().unwrap_or_else(|| s.created_by.clone());
            view! {
                <tr data-testid="report-row">
                    <td><a href=format!("/bases/{}", s.base_id)>{base}</a></td>
                    <td><a href=format!("/workspaces/{}", s.workspace_id)>{s.workspace_name.clone()}</a></td>
                    <td><code data-testid="row-share">{s.share_id.clone()}</code></td>
                    <td>{s.kind.clone()}</td>
                    <td>{user_link(&s.created_by, creator)}</td>
                    <td>{when(Some(s.created_at))}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table" data-testid="report-table">
            <thead><tr>
                <th scope="col">"Base"</th><th scope="col">"Workspace"</th><th scope="col">"Share"</th>
                <th scope="col">"Shows"</th><th scope="col">"Created by"</th><th scope="col">"Created"</th>
            </tr></thead>
            <tbody>{body}</tbody>
        </table>
    }
}
