//! Pieces the workspace and base pages share: collaborators (their label, the permission
//! choices, the collaborator an approval request names) and the invite table.

use leptos::prelude::*;

use crate::approvals::Collaborator;
use crate::components::format::when;
use crate::directory::{CollaboratorKind, CollaboratorRow, InviteRow, PERMISSIONS};

pub fn permission_options(selected: &str) -> impl IntoView {
    let selected = selected.to_string();
    PERMISSIONS
        .iter()
        .map(|(value, label)| {
            view! { <option value=*value selected=*value == selected>{*label}</option> }
        })
        .collect_view()
}

/// Where a collaborator's id leads: a group's page, or nowhere for a user.
pub fn collaborator_label(c: &CollaboratorRow) -> AnyView {
    match c.kind {
        CollaboratorKind::Group => {
            view! { <a href=format!("/groups/{}", c.id)>{c.label.clone()}</a> " (group)" }
                .into_any()
        }
        CollaboratorKind::User => view! { {c.label.clone()} }.into_any(),
    }
}

/// The collaborator as the approval request names it.
pub fn typed_collaborator(c: &CollaboratorRow) -> Option<Collaborator> {
    match c.kind {
        CollaboratorKind::User => c.id.parse().ok().map(Collaborator::User),
        CollaboratorKind::Group => c.id.parse().ok().map(Collaborator::Group),
    }
}

/// The table around invite rows.
#[component]
pub fn InviteTable(children: Children) -> impl IntoView {
    view! {
        <table class="table" data-testid="invites">
            <thead><tr>
                <th scope="col">"Invite"</th><th scope="col">"Type"</th><th scope="col">"Invited email"</th>
                <th scope="col">"Permission"</th><th scope="col">"Created"</th><th scope="col">"Base"</th>
                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
            </tr></thead>
            <tbody>{children()}</tbody>
        </table>
    }
}

/// One invite, with the request form when the person may ask.
pub fn invite_row(i: &InviteRow, request: Option<impl IntoView + 'static>) -> impl IntoView {
    let base = i.base_id.clone().map(|b| {
        view! { <a href=format!("/bases/{b}")>{b.clone()}</a> }
    });
    view! {
        <tr data-testid="invite-row">
            <td><code>{i.id.clone()}</code></td>
            <td>{i.kind.clone()}</td>
            <td>{i.invited_email.clone().unwrap_or_default()}</td>
            <td>{i.permission.clone()}</td>
            <td>{when(Some(i.created_at))} " by " <code>{i.created_by.clone()}</code></td>
            <td>{base}</td>
            <td>{request}</td>
        </tr>
    }
}

/// The body of the four collaborator server functions (add or update, on a workspace or a
/// base): an operator's change, made and recorded by the domain.
#[cfg(feature = "ssr")]
pub async fn change_collaborator(
    csrf_token: String,
    place: console_core::collaborators::Place,
    change: console_core::collaborators::Change,
    asked: console_core::collaborators::Asked,
) -> Result<(), crate::api::ConsoleError> {
    crate::serve::changing(
        crate::api::Role::Operator,
        &csrf_token,
        async move |console, who| {
            console_core::collaborators::change(&console, &who, place, change, asked).await
        },
    )
    .await
}
