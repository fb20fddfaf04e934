//! The users pages' server functions: the list (from the latest snapshot), one user read
//! live from Airtable, and the direct changes (log out, rename, change email).

// The list's server function takes each filter as its own URL parameter (a plain GET form),
// and the macro's generated client stub cannot carry an item-level allow.
#![allow(clippy::too_many_arguments)]

use leptos::{prelude::*, server_fn::codec::GetUrl};

use crate::api::ConsoleError;
#[cfg(feature = "ssr")]
use crate::api::Role;
#[cfg(feature = "ssr")]
use crate::people::UserForm;
use crate::people::{UserDetail, UserListing};

#[server(endpoint = "users/list", input = GetUrl)]
pub async fn list_users(
    q: Option<String>,
    state: Option<String>,
    admin: Option<String>,
    managed: Option<String>,
    service: Option<String>,
    external: Option<String>,
    two_factor: Option<String>,
    sso: Option<String>,
    inactive_days: Option<String>,
    sort: Option<String>,
    page: Option<String>,
) -> Result<UserListing, ConsoleError> {
    crate::serve::as_role(Role::Viewer, async move |console, who| {
        let form = UserForm {
            q: q.unwrap_or_default(),
            state: state.unwrap_or_default(),
            admin: admin.unwrap_or_default(),
            managed: managed.unwrap_or_default(),
            service: service.unwrap_or_default(),
            external: external.unwrap_or_default(),
            two_factor: two_factor.unwrap_or_default(),
            sso: sso.unwrap_or_default(),
            inactive_days: inactive_days.unwrap_or_default(),
            sort: sort.unwrap_or_default(),
            page: page.unwrap_or_default(),
        };
        let query = form.to_query().map_err(ConsoleError::Invalid)?;
        console_core::users::list(&console, &who, &query).await
    })
    .await
}

#[server(endpoint = "users/get", input = GetUrl)]
pub async fn read_user(id: String, refresh: Option<bool>) -> Result<UserDetail, ConsoleError> {
    crate::serve::as_role(Role::Viewer, async move |console, who| {
        console_core::users::get(&console, &who, &id, refresh.unwrap_or(false)).await
    })
    .await
}

#[server(endpoint = "users/logout")]
pub async fn logout_user(csrf_token: String, user: String) -> Result<(), ConsoleError> {
    crate::serve::changing(Role::Operator, &csrf_token, async move |console, who| {
        console_core::users::log_out(&console, &who, &user).await
    })
    .await
}

#[server(endpoint = "users/rename")]
pub async fn rename_user(
    csrf_token: String,
    user: String,
    first_name: String,
    last_name: String,
) -> Result<(), ConsoleError> {
    crate::serve::changing(Role::Operator, &csrf_token, async move |console, who| {
        console_core::users::rename(&console, &who, &user, &first_name, &last_name).await
    })
    .await
}

#[server(endpoint = "users/email")]
pub async fn change_user_email(
    csrf_token: String,
    user: String,
    email: String,
) -> Result<(), ConsoleError> {
    crate::serve::changing(Role::Operator, &csrf_token, async move |console, who| {
        console_core::users::change_email(&console, &who, &user, &email).await
    })
    .await
}
