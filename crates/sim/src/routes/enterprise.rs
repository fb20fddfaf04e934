//! The enterprise account: information, org units (descendants) and moves between them,
//! packages (managed apps), personal access tokens, and the workspace AI allowlist.

use std::sync::Arc;

use axum::{
    extract::{Path, RawQuery, State},
    Json,
};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{includes, param, record, Body, JsonResult};
use crate::{
    auth::Caller,
    error::ApiError,
    render,
    state::{audit::NewEvent, Descendant, PackageInstallation, World},
    Sim,
};

fn enterprise_name(world: &World, id: &str) -> String {
    if id == world.enterprise.id {
        return world.enterprise.name.clone();
    }
    world
        .enterprise
        .descendants
        .iter()
        .find(|d| d.id == id)
        .map(|d| d.name.clone())
        .unwrap_or_default()
}

/// A move of at most 100 `what` to an enterprise account in the same organization.
fn check_move(world: &World, count: usize, what: &str, target: &str) -> Result<(), ApiError> {
    if count > 100 {
        return Err(ApiError::invalid(format!(
            "At most 100 {what} can be provided"
        )));
    }
    if !world.is_known_enterprise(target) {
        return Err(ApiError::forbidden(
            "The target enterprise account must be in the same organization",
        ));
    }
    Ok(())
}

/// The audit payload of moving `name` from the enterprise account `previous` to `target`.
fn move_payload(world: &World, name: String, previous: &str, target: &str) -> Value {
    let account =
        |id: &str| json!({ "enterpriseAccount": { "id": id, "name": enterprise_name(world, id) } });
    json!({ "name": name, "previous": account(previous), "current": account(target) })
}

pub(crate) async fn get(
    State(sim): State<Arc<Sim>>,
    Path(enterprise_id): Path<String>,
    RawQuery(query): RawQuery,
    caller: Caller,
) -> JsonResult {
    let world = sim.world.read().await;
    caller.require_admin(&world, &enterprise_id, "enterprise.account:read")?;
    let include = includes(query.as_deref(), &["aggregated", "descendants"])?;
    let has = |name: &str| include.iter().any(|i| i == name);
    Ok(Json(render::enterprise(
        &world,
        &enterprise_id,
        has("aggregated"),
        has("descendants"),
    )))
}

#[derive(Debug, Deserialize)]
pub(crate) struct NewDescendant {
    name: Option<String>,
}

pub(crate) async fn create_descendant(
    State(sim): State<Arc<Sim>>,
    Path(enterprise_id): Path<String>,
    caller: Caller,
    Body(body): Body<NewDescendant>,
) -> JsonResult {
    let mut world = sim.world.write().await;
    caller.require_admin(&world, &enterprise_id, "enterprise.account:write")?;
    if enterprise_id != world.enterprise.id {
        return Err(ApiError::forbidden(
            "Descendant enterprise accounts can only be created for root enterprise accounts",
        ));
    }
    let name = body
        .name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::invalid_body("name is required"))?;
    let id = world.new_id("ent");
    world.enterprise.descendants.push(Descendant {
        id: id.clone(),
        name: name.clone(),
        created_time: Utc::now(),
    });
    let parent = json!({ "id": world.enterprise.id, "name": world.enterprise.name });
    record(
        &mut world,
        &caller,
        NewEvent::new("createOrgUnit", "enterprise", "enterpriseAccount", &id)
            .payload(json!({ "name": name, "parentEnterpriseAccount": parent })),
    );
    Ok(Json(json!({ "id": id })))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MoveGroups {
    group_ids: Vec<String>,
    target_enterprise_account_id: String,
}

pub(crate) async fn move_groups(
    State(sim): State<Arc<Sim>>,
    Path(enterprise_id): Path<String>,
    caller: Caller,
    Body(body): Body<MoveGroups>,
) -> JsonResult {
    let mut world = sim.world.write().await;
    caller.require_admin(&world, &enterprise_id, "enterprise.groups:manage")?;
    let target = body.target_enterprise_account_id;
    check_move(&world, body.group_ids.len(), "groupIds", &target)?;
    let mut moved = Vec::new();
    let mut errors = Vec::new();
    for id in body.group_ids {
        let Some(g) = world.groups.get_mut(&id) else {
            errors.push(json!({ "id": id, "message": "Group not found", "type": "NOT_FOUND" }));
            continue;
        };
        if g.enterprise_id != enterprise_id {
            errors.push(json!({ "id": id, "message": "Group does not belong to the source enterprise account", "type": "INVALID_PERMISSIONS" }));
            continue;
        }
        if moved.iter().any(|m: &Value| m["id"] == json!(id)) {
            continue;
        }
        let previous = std::mem::replace(&mut g.enterprise_id, target.clone());
        let name = g.name.clone();
        let payload = move_payload(&world, name, &previous, &target);
        moved.push(json!({ "id": id }));
        let event = NewEvent::new("moveGroup", "groups", "group", &id);
        record(&mut world, &caller, event.payload(payload));
    }
    Ok(Json(json!({ "errors": errors, "movedGroups": moved })))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MoveWorkspaces {
    workspace_ids: Vec<String>,
    target_enterprise_account_id: String,
    #[allow(dead_code)] // accepted; invite restrictions to org units are not simulated
    replacement_owner_id: Option<String>,
}

pub(crate) async fn move_workspaces(
    State(sim): State<Arc<Sim>>,
    Path(enterprise_id): Path<String>,
    caller: Caller,
    Body(body): Body<MoveWorkspaces>,
) -> JsonResult {
    let mut world = sim.world.write().await;
    caller.require_admin(&world, &enterprise_id, "workspacesAndBases:manage")?;
    let target = body.target_enterprise_account_id;
    check_move(&world, body.workspace_ids.len(), "workspaceIds", &target)?;
    let mut moved = Vec::new();
    let mut errors = Vec::new();
    for id in body.workspace_ids {
        let Some(w) = world.workspaces.get_mut(&id) else {
            errors.push(json!({ "id": id, "message": "Workspace not found", "type": "NOT_FOUND" }));
            continue;
        };
        if w.enterprise_id != enterprise_id {
            errors.push(json!({ "id": id, "message": "Workspace does not belong to the source enterprise account", "type": "INVALID_PERMISSIONS" }));
            continue;
        }
        let previous = std::mem::replace(&mut w.enterprise_id, target.clone());
        let name = w.name.clone();
        let payload = move_payload(&world, name, &previous, &target);
        moved.push(json!({ "id": id }));
        let event = NewEvent::new("moveWorkspace", "enterprise", "workspace", &id).workspace(&id);
        record(&mut world, &caller, event.payload(payload));
    }
    Ok(Json(json!({ "errors": errors, "movedWorkspaces": moved })))
}

pub(crate) async fn packages(
    State(sim): State<Arc<Sim>>,
    Path(enterprise_id): Path<String>,
    caller: Caller,
) -> JsonResult {
    let world = sim.world.read().await;
    caller.require_admin(&world, &enterprise_id, "enterprise.account:read")?;
    Ok(Json(json!({
        "packages": world.packages.values().map(|p| render::package(&world, p)).collect::<Vec<_>>(),
    })))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InstallPackage {
    name: Option<String>,
    package_release_id: Option<String>,
    workspace_id: Option<String>,
    #[allow(dead_code)] // accepted as Airtable does; bases carry no description here
    description: Option<String>,
}

pub(crate) async fn install_package(
    State(sim): State<Arc<Sim>>,
    Path((enterprise_id, package_id)): Path<(String, String)>,
    caller: Caller,
    Body(body): Body<InstallPackage>,
) -> JsonResult {
    let mut world = sim.world.write().await;
    caller.require_admin(&world, &enterprise_id, "workspacesAndBases:write")?;
    let name = body
        .name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::invalid_body("name is required"))?;
    let release = body
        .package_release_id
        .ok_or_else(|| ApiError::invalid_body("packageReleaseId is required"))?;
    let workspace_id = body
        .workspace_id
        .ok_or_else(|| ApiError::invalid_body("workspaceId is required"))?;
    let package = world
        .packages
        .get(&package_id)
        .ok_or_else(ApiError::not_found)?
        .clone();
    if !world.workspaces.contains_key(&workspace_id) {
        return Err(ApiError::not_found());
    }
    // The new base starts as a copy of the package's source base schema.
    let mut tables = world
        .bases
        .get(&package.source_base_id)
        .map(|b| b.tables.clone())
        .unwrap_or_default();
    if tables.is_empty() {
        tables = crate::seed::tables_for(&mut world.rng, &name);
    }
    for t in &mut tables {
        renew_ids(&mut world.rng, t);
    }
    let id = super::bases::add_base(&mut world, &caller, &workspace_id, &name, tables.clone())?;
    let installation_id = world.new_id("pki");
    if let Some(b) = world.bases.get_mut(&id) {
        b.package_installations.push(PackageInstallation {
            id: installation_id,
            package_id: package.id.clone(),
            package_release_id: Some(release),
            installation_type: "application",
        });
    }
    if let Some(p) = world.packages.get_mut(&package_id) {
        p.install_count += 1;
    }
    Ok(Json(json!({ "id": id, "tables": tables })))
}

/// New ids for a copied table, its fields and views (links between them are kept by map).
fn renew_ids(rng: &mut rand::rngs::StdRng, table: &mut Value) {
    let mut map = std::collections::HashMap::new();
    let mut fresh = |old: &str, prefix: &str| -> String {
        map.entry(old.to_string())
            .or_insert_with(|| crate::ids::new_id(rng, prefix))
            .clone()
    };
    if let Some(id) = table["id"].as_str().map(str::to_string) {
        table["id"] = json!(fresh(&id, "tbl"));
    }
    if let Some(fields) = table["fields"].as_array_mut() {
        for f in fields {
            if let Some(id) = f["id"].as_str().map(str::to_string) {
                f["id"] = json!(fresh(&id, "fld"));
            }
        }
    }
    if let Some(views) = table["views"].as_array_mut() {
        for v in views {
            if let Some(id) = v["id"].as_str().map(str::to_string) {
                v["id"] = json!(fresh(&id, "viw"));
            }
        }
    }
    if let Some(p) = table["primaryFieldId"].as_str().map(str::to_string) {
        table["primaryFieldId"] = json!(fresh(&p, "fld"));
    }
}

pub(crate) async fn personal_access_tokens(
    State(sim): State<Arc<Sim>>,
    Path(enterprise_id): Path<String>,
    RawQuery(query): RawQuery,
    caller: Caller,
) -> JsonResult {
    let world = sim.world.read().await;
    caller.require_admin(&world, &enterprise_id, "enterprise.user:read")?;
    let with_resources = param(query.as_deref(), "includeResources").as_deref() == Some("true");
    let start = match param(query.as_deref(), "offset") {
        None => 0,
        Some(o) => o
            .parse::<usize>()
            .map_err(|_| ApiError::invalid("The offset is not valid"))?,
    };
    const PAGE: usize = 100;
    let tokens: Vec<Value> = world
        .tokens
        .values()
        .skip(start)
        .take(PAGE)
        .map(|t| {
            let mut v = render::personal_access_token(&world, t);
            if !with_resources {
                if let Some(o) = v.as_object_mut() {
                    o.remove("resourceAccess");
                }
            }
            v
        })
        .collect();
    let mut out = json!({ "personalAccessTokens": tokens });
    if start + PAGE < world.tokens.len() {
        out["offset"] = json!((start + PAGE).to_string());
    }
    Ok(Json(out))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RevokeTokens {
    token_ids: Vec<String>,
}

pub(crate) async fn revoke_personal_access_tokens(
    State(sim): State<Arc<Sim>>,
    Path(enterprise_id): Path<String>,
    caller: Caller,
    Body(body): Body<RevokeTokens>,
) -> JsonResult {
    let mut world = sim.world.write().await;
    caller.require_admin(&world, &enterprise_id, "enterprise.user:write")?;
    if body.token_ids.len() > 100 {
        return Err(ApiError::invalid("At most 100 tokenIds can be provided"));
    }
    let mut revoked = Vec::new();
    let mut errors = Vec::new();
    for id in body.token_ids {
        if id == caller.token_id {
            errors.push(json!({ "id": id, "message": "Cannot revoke the token making this request", "type": "INVALID_PERMISSIONS" }));
            continue;
        }
        let Some(t) = world.tokens.get_mut(&id) else {
            errors.push(json!({ "id": id, "message": "Token not found", "type": "NOT_FOUND" }));
            continue;
        };
        if t.state == "revoked" {
            errors.push(json!({ "id": id, "message": "Token is already revoked", "type": "TOKEN_ALREADY_REVOKED" }));
            continue;
        }
        t.state = "revoked";
        let (user_id, name) = (t.user_id.clone(), t.name.clone());
        revoked.push(json!({ "id": id, "userId": user_id }));
        record(
            &mut world,
            &caller,
            NewEvent::new("revokePersonalAccessToken", "user", "user", &user_id)
                .payload(json!({ "personalAccessToken": { "id": id, "name": name } })),
        );
    }
    Ok(Json(json!({ "errors": errors, "revokedTokens": revoked })))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AllowlistChange {
    workspace_id: String,
    is_allowed: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpdateAllowlist {
    workspaces: Vec<AllowlistChange>,
    include_descendant_workspaces: Option<bool>,
}

pub(crate) async fn update_ai_allowlist(
    State(sim): State<Arc<Sim>>,
    Path(enterprise_id): Path<String>,
    caller: Caller,
    Body(body): Body<UpdateAllowlist>,
) -> JsonResult {
    let mut world = sim.world.write().await;
    caller.require_admin(&world, &enterprise_id, "enterprise.account:write")?;
    if body.workspaces.len() > 10 {
        return Err(ApiError::invalid(
            "At most 10 workspaces can be updated at once",
        ));
    }
    let descendants = body.include_descendant_workspaces.unwrap_or(false);
    let mut errors = Vec::new();
    for change in body.workspaces {
        let id = change.workspace_id;
        let Some(w) = world.workspaces.get(&id) else {
            errors.push(
                json!({ "workspaceId": id, "message": "Workspace not found", "type": "NOT_FOUND" }),
            );
            continue;
        };
        let in_scope = w.enterprise_id == enterprise_id
            || (descendants && world.is_known_enterprise(&w.enterprise_id));
        if !in_scope {
            errors.push(json!({ "workspaceId": id, "message": "Workspace does not belong to this enterprise account", "type": "INVALID_PERMISSIONS" }));
            continue;
        }
        let list = &mut world.enterprise.ai_allowlist;
        let was = list.contains(&id);
        if change.is_allowed && !was {
            list.push(id.clone());
        } else if !change.is_allowed && was {
            list.retain(|x| x != &id);
        }
        if was != change.is_allowed {
            record(
                &mut world,
                &caller,
                NewEvent::new(
                    "updateWorkspaceAiAllowlist",
                    "enterpriseSettings",
                    "workspace",
                    &id,
                )
                .workspace(&id)
                .payload(json!({ "previous": { "isAllowed": was }, "current": { "isAllowed": change.is_allowed } })),
            );
        }
    }
    Ok(Json(json!({ "errors": errors })))
}
