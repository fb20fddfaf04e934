//! `/v0/meta/…`: identity, enterprise, users, groups and workspaces.

use std::sync::Arc;

use axum::{
    extract::{Path, RawQuery, State},
    http::HeaderMap,
    Json,
};
use serde_json::{json, Value};
use std::time::Instant;

use super::list_param;
use crate::{
    auth::{bearer, Caller},
    error::ApiError,
    json::{self, UserIncludes},
    world::World,
    Sim,
};

type ApiResult = Result<Json<Value>, ApiError>;

/// Who is calling, from the `Authorization` header.
pub(crate) async fn caller(sim: &Sim, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let token = bearer(headers).ok_or_else(ApiError::unauthorized)?;
    if token == sim.config.token {
        let world = sim.world.read().await;
        let admin = world
            .users
            .iter()
            .find(|u| u.is_super_admin)
            .ok_or_else(ApiError::unauthorized)?;
        return Ok(Caller {
            user_id: admin.id.clone(),
            scopes: crate::auth::ALL_SCOPES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            via_oauth: false,
        });
    }
    let tokens = sim.tokens.lock().await;
    let grant = tokens
        .access
        .get(token)
        .ok_or_else(ApiError::unauthorized)?;
    if grant.expires <= Instant::now() {
        return Err(ApiError::unauthorized());
    }
    Ok(Caller {
        user_id: grant.user_id.clone(),
        scopes: grant.scopes.clone(),
        via_oauth: true,
    })
}

/// The caller, provided they hold `scope` and are an admin of this enterprise.
async fn enterprise_admin(
    sim: &Sim,
    headers: &HeaderMap,
    world: &World,
    enterprise_id: &str,
    scope: &str,
) -> Result<Caller, ApiError> {
    let caller = caller(sim, headers).await?;
    caller.require(scope)?;
    let is_admin = world.user(&caller.user_id).is_some_and(|u| u.is_admin);
    if !is_admin || world.enterprise().id != enterprise_id {
        return Err(ApiError::not_admin());
    }
    Ok(caller)
}

pub(crate) async fn whoami(State(sim): State<Arc<Sim>>, headers: HeaderMap) -> ApiResult {
    let caller = caller(&sim, &headers).await?;
    let world = sim.world.read().await;
    let mut out = json!({ "id": caller.user_id });
    if caller.scopes.iter().any(|s| s == "user.email:read") {
        if let Some(u) = world.user(&caller.user_id) {
            out["email"] = json!(u.email);
        }
    }
    if caller.via_oauth {
        out["scopes"] = json!(caller.scopes);
    }
    Ok(Json(out))
}

pub(crate) async fn enterprise(
    State(sim): State<Arc<Sim>>,
    Path(enterprise_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult {
    let world = sim.world.read().await;
    enterprise_admin(
        &sim,
        &headers,
        &world,
        &enterprise_id,
        "enterprise.account:read",
    )
    .await?;
    let include = list_param(query.as_deref(), "include");
    let has = |name: &str| include.iter().any(|i| i == name);
    Ok(Json(json::enterprise(
        &world,
        has("aggregated"),
        has("descendants"),
    )))
}

fn user_includes(query: Option<&str>) -> Result<UserIncludes, ApiError> {
    let mut include = UserIncludes::default();
    for value in list_param(query, "include") {
        match value.as_str() {
            "collaborations" => include.collaborations = true,
            "aggregated" => include.aggregated = true,
            "descendants" => include.descendants = true,
            other => {
                return Err(ApiError::invalid(format!(
                    "Invalid include value {other:?}: expected collaborations, aggregated or descendants"
                )))
            }
        }
    }
    Ok(include)
}

pub(crate) async fn users(
    State(sim): State<Arc<Sim>>,
    Path(enterprise_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult {
    let world = sim.world.read().await;
    enterprise_admin(
        &sim,
        &headers,
        &world,
        &enterprise_id,
        "enterprise.user:read",
    )
    .await?;
    let include = user_includes(query.as_deref())?;
    let ids = list_param(query.as_deref(), "id");
    let emails = list_param(query.as_deref(), "email");
    if ids.len() + emails.len() > 100 {
        return Err(ApiError::invalid(
            "At most 100 ids and emails may be requested at once",
        ));
    }
    if ids.is_empty() && emails.is_empty() {
        return Err(ApiError::invalid("Specify at least one id or email"));
    }
    let mut seen = std::collections::HashSet::new();
    let found: Vec<Value> = ids
        .iter()
        .filter_map(|id| world.user(id))
        .chain(emails.iter().filter_map(|e| world.user_by_email(e)))
        .filter(|u| seen.insert(u.id.clone()))
        .map(|u| json::user(&world, u, include))
        .collect();
    Ok(Json(json!({ "users": found })))
}

pub(crate) async fn user(
    State(sim): State<Arc<Sim>>,
    Path((enterprise_id, user_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult {
    let world = sim.world.read().await;
    enterprise_admin(
        &sim,
        &headers,
        &world,
        &enterprise_id,
        "enterprise.user:read",
    )
    .await?;
    let include = user_includes(query.as_deref())?;
    let u = world.user(&user_id).ok_or_else(ApiError::not_found)?;
    Ok(Json(json::user(&world, u, include)))
}

pub(crate) async fn group(
    State(sim): State<Arc<Sim>>,
    Path(group_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult {
    let world = sim.world.read().await;
    let enterprise_id = world.enterprise().id.clone();
    enterprise_admin(
        &sim,
        &headers,
        &world,
        &enterprise_id,
        "enterprise.groups:read",
    )
    .await?;
    let g = world.group(&group_id).ok_or_else(ApiError::not_found)?;
    let include = list_param(query.as_deref(), "include");
    Ok(Json(json::group(
        &world,
        g,
        include.iter().any(|i| i == "collaborations"),
    )))
}

pub(crate) async fn workspace(
    State(sim): State<Arc<Sim>>,
    Path(workspace_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult {
    let world = sim.world.read().await;
    let enterprise_id = world.enterprise().id.clone();
    enterprise_admin(
        &sim,
        &headers,
        &world,
        &enterprise_id,
        "workspacesAndBases:read",
    )
    .await?;
    let w = world
        .workspace(&workspace_id)
        .ok_or_else(ApiError::not_found)?;
    let include = list_param(query.as_deref(), "include");
    let has = |name: &str| include.iter().any(|i| i == name);
    Ok(Json(json::workspace(
        &world,
        w,
        has("collaborators"),
        has("inviteLinks"),
    )))
}
