//! The simulator's HTTP surface.

mod audit;
mod bases;
mod control;
mod enterprise;
mod groups;
mod oauth;
mod scim;
mod users;
mod workspaces;

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    middleware,
    routing::{get, patch, post},
    Json, Router,
};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::{
    auth::Caller,
    error::ApiError,
    state::{audit::NewEvent, User, World},
    Sim,
};

pub(crate) type JsonResult = Result<Json<Value>, ApiError>;

pub(crate) fn router(sim: Arc<Sim>) -> Router {
    const ENT: &str = "/v0/meta/enterpriseAccounts/{enterprise_id}";
    let r = |path: &str| format!("{ENT}{path}");
    Router::new()
        // OAuth
        .route(
            "/oauth2/v1/authorize",
            get(oauth::authorize_page).post(oauth::authorize_decision),
        )
        .route("/oauth2/v1/token", post(oauth::token))
        // identity and enterprise
        .route("/v0/meta/whoami", get(users::whoami))
        .route(ENT, get(enterprise::get))
        .route(&r("/descendants"), post(enterprise::create_descendant))
        .route(&r("/moveGroups"), post(enterprise::move_groups))
        .route(&r("/moveWorkspaces"), post(enterprise::move_workspaces))
        .route(&r("/packages"), get(enterprise::packages))
        .route(
            &r("/packages/{package_id}/install"),
            post(enterprise::install_package),
        )
        .route(
            &r("/personalAccessTokens"),
            get(enterprise::personal_access_tokens),
        )
        .route(
            &r("/personalAccessTokens/revoke"),
            post(enterprise::revoke_personal_access_tokens),
        )
        .route(
            &r("/workspaceAiAllowlist"),
            post(enterprise::update_ai_allowlist),
        )
        .route(&r("/auditLogEvents"), get(audit::events))
        // users
        .route(
            &r("/users"),
            get(users::list)
                .patch(users::update_batch)
                .delete(users::delete_by_email),
        )
        .route(&r("/users/claim"), post(users::claim))
        .route(&r("/claim/users"), post(users::claim))
        .route(&r("/users/grantAdminAccess"), post(users::grant_admin))
        .route(&r("/users/revokeAdminAccess"), post(users::revoke_admin))
        .route(
            &r("/users/{user_id}"),
            get(users::get).patch(users::update).delete(users::delete),
        )
        .route(&r("/users/{user_id}/logout"), post(users::logout))
        .route(&r("/users/{user_id}/remove"), post(users::remove))
        // groups
        .route("/v0/meta/groups/{group_id}", get(groups::get))
        // workspaces
        .route("/v0/meta/workspaces", post(workspaces::create))
        .route(
            "/v0/meta/workspaces/{workspace_id}",
            get(workspaces::get).delete(workspaces::delete),
        )
        .route(
            "/v0/meta/workspaces/{workspace_id}/collaborators",
            post(workspaces::add_collaborator),
        )
        .route(
            "/v0/meta/workspaces/{workspace_id}/collaborators/{principal_id}",
            patch(workspaces::update_collaborator).delete(workspaces::remove_collaborator),
        )
        .route(
            "/v0/meta/workspaces/{workspace_id}/invites/{invite_id}",
            axum::routing::delete(workspaces::delete_invite),
        )
        .route(
            "/v0/meta/workspaces/{workspace_id}/updateRestrictions",
            post(workspaces::update_restrictions),
        )
        .route(
            "/v0/meta/workspaces/{workspace_id}/moveBase",
            post(workspaces::move_base),
        )
        // bases
        .route("/v0/meta/bases", get(bases::list).post(bases::create))
        .route(
            "/v0/meta/bases/{base_id}",
            get(bases::get).delete(bases::delete),
        )
        .route("/v0/meta/bases/{base_id}/tables", get(bases::schema))
        .route(
            "/v0/meta/bases/{base_id}/collaborators",
            post(bases::add_collaborator),
        )
        .route(
            "/v0/meta/bases/{base_id}/collaborators/{principal_id}",
            patch(bases::update_collaborator).delete(bases::remove_collaborator),
        )
        .route(
            "/v0/meta/bases/{base_id}/invites/{invite_id}",
            axum::routing::delete(bases::delete_invite),
        )
        .route(
            "/v0/meta/bases/{base_id}/interfaces/{interface_id}",
            get(bases::get_interface),
        )
        .route(
            "/v0/meta/bases/{base_id}/interfaces/{interface_id}/collaborators",
            post(bases::add_interface_collaborator),
        )
        .route(
            "/v0/meta/bases/{base_id}/interfaces/{interface_id}/collaborators/{principal_id}",
            patch(bases::update_interface_collaborator)
                .delete(bases::remove_interface_collaborator),
        )
        .route(
            "/v0/meta/bases/{base_id}/interfaces/{interface_id}/invites/{invite_id}",
            axum::routing::delete(bases::delete_interface_invite),
        )
        .route("/v0/meta/bases/{base_id}/shares", get(bases::shares))
        .route(
            "/v0/meta/bases/{base_id}/shares/{share_id}",
            patch(bases::update_share).delete(bases::delete_share),
        )
        .route(
            "/v0/meta/bases/{base_id}/blockInstallations",
            get(bases::block_installations),
        )
        .route(
            "/v0/meta/bases/{base_id}/blockInstallations/{installation_id}",
            patch(bases::update_block_installation).delete(bases::delete_block_installation),
        )
        // SCIM
        .route(
            "/scim/v2/Users",
            get(scim::list_users).post(scim::create_user),
        )
        .route(
            "/scim/v2/Users/{user_id}",
            get(scim::get_user)
                .put(scim::replace_user)
                .patch(scim::patch_user)
                .delete(scim::delete_user),
        )
        .route(
            "/scim/v2/Groups",
            get(scim::list_groups).post(scim::create_group),
        )
        .route(
            "/scim/v2/Groups/{group_id}",
            get(scim::get_group)
                .put(scim::replace_group)
                .patch(scim::patch_group)
                .delete(scim::delete_group),
        )
        // control
        .route("/_sim/info", get(control::info))
        .route("/_sim/health", get(control::health))
        .route(
            "/_sim/faults",
            get(control::get_faults)
                .post(control::set_faults)
                .delete(control::clear_faults),
        )
        .route(
            "/_sim/tokens",
            get(control::tokens).post(control::mint_token),
        )
        .route(
            "/_sim/stats",
            get(control::get_stats).delete(control::reset_stats),
        )
        .route(
            "/_sim/rate-limits",
            get(control::get_rate_limits)
                .post(control::set_rate_limits)
                .delete(control::clear_rate_limits),
        )
        .fallback(control::not_found)
        .method_not_allowed_fallback(control::not_found)
        .layer(middleware::from_fn_with_state(
            sim.clone(),
            crate::limits::limit,
        ))
        .layer(middleware::from_fn_with_state(
            sim.clone(),
            crate::faults::inject,
        ))
        .layer(middleware::from_fn_with_state(
            sim.clone(),
            crate::stats::count,
        ))
        .with_state(sim)
}

/// Values of a list parameter, accepting both `name=` (repeated) and `name[]=`, as
/// Airtable does.
pub(crate) fn list_param(query: Option<&str>, name: &str) -> Vec<String> {
    let bracketed = format!("{name}[]");
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .filter(|(k, _)| k == name || *k == bracketed)
        .map(|(_, v)| v.into_owned())
        .collect()
}

/// The last value of a single-valued parameter.
pub(crate) fn param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .last()
}

/// The `include` values, each checked against what the endpoint knows.
pub(crate) fn includes(query: Option<&str>, allowed: &[&str]) -> Result<Vec<String>, ApiError> {
    let values = list_param(query, "include");
    for v in &values {
        if !allowed.contains(&v.as_str()) {
            return Err(ApiError::invalid(format!(
                "Invalid value for include: {v:?} (expected one of {})",
                allowed.join(", ")
            )));
        }
    }
    Ok(values)
}

/// A JSON request body; a missing body reads as `{}`, a malformed one is a 422 in
/// Airtable's format.
pub(crate) struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|_| ApiError::invalid_body("Could not read the request body"))?;
        let bytes: &[u8] = if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            b"{}"
        } else {
            &bytes
        };
        serde_json::from_slice(bytes)
            .map(Body)
            .map_err(|e| ApiError::invalid_body(format!("Invalid request body: {e}")))
    }
}

pub(crate) fn empty() -> Json<Value> {
    Json(json!({}))
}

/// Removes the items `gone` picks; a 404 when it picks none.
pub(crate) fn remove_any<T>(items: &mut Vec<T>, gone: impl Fn(&T) -> bool) -> Result<(), ApiError> {
    let before = items.len();
    items.retain(|x| !gone(x));
    if items.len() == before {
        return Err(ApiError::not_found());
    }
    Ok(())
}

/// An audit event about the user `u`, its payload naming them (`{"user": {id, email, name}}`).
pub(crate) fn user_event(action: &'static str, category: &'static str, u: &User) -> NewEvent {
    NewEvent::new(action, category, "user", &u.id).payload(user_json(u))
}

/// How audit payloads name a user.
pub(crate) fn user_json(u: &User) -> Value {
    json!({ "user": { "id": u.id, "email": u.email, "name": u.name() } })
}

/// Appends an audit event done by `caller`.
pub(crate) fn record(world: &mut World, caller: &Caller, event: NewEvent) {
    let doer = caller.doer(world);
    world.audit.record(&doer, event);
}

#[cfg(test)]
mod tests {
    use super::list_param;

    #[test]
    fn both_list_encodings_are_read() {
        let q = Some("include=collaborations&include[]=aggregated&id%5B%5D=usr1&other=x");
        assert_eq!(list_param(q, "include"), ["collaborations", "aggregated"]);
        assert_eq!(list_param(q, "id"), ["usr1"]);
        assert!(list_param(None, "id").is_empty());
    }
}
