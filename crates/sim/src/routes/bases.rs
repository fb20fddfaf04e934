//! Bases: list, create, read, delete, schema, collaborators, interfaces, invites, shares and
//! extension (block) installations.

use std::sync::Arc;

use axum::{
    extract::{Path, RawQuery, State},
    Json,
};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};

use super::workspaces::{
    change_level, is_admin, level_change, new_grant, new_principal, not_yet_granted,
    principal_json, principal_named, require_on_workspace, with_level, AddCollaborators,
    LevelChange, COLLABORATION, MANAGE, READ, WRITE,
};
use super::{empty, includes, param, record, remove_any, Body, JsonResult};
use crate::{
    auth::Caller,
    error::ApiError,
    ids::new_id,
    render::{self, BaseIncludes},
    state::{audit::NewEvent, Base, Interface, Principal, World},
    Sim,
};

const BASE_LEVELS: &[&str] = &["read", "comment", "edit", "create"];
const INTERFACE_LEVELS: &[&str] = &["read", "comment", "edit"];
const ORDER: &[&str] = &["none", "read", "comment", "edit", "create", "owner"];

fn rank(level: &str) -> usize {
    ORDER.iter().position(|x| *x == level).unwrap_or(0)
}

/// Enterprise admins may do anything; others need at least `min` on the base.
fn require_on_base(world: &World, caller: &Caller, b: &Base, min: &str) -> Result<(), ApiError> {
    if is_admin(world, caller) {
        return Ok(());
    }
    if rank(&render::permission_on_base(world, b, &caller.user_id)) >= rank(min) && rank(min) > 0 {
        Ok(())
    } else {
        Err(ApiError::not_admin())
    }
}

fn base_of<'w>(world: &'w World, id: &str) -> Result<&'w Base, ApiError> {
    world.bases.get(id).ok_or_else(ApiError::not_found)
}

fn base_mut<'w>(world: &'w mut World, id: &str) -> Result<&'w mut Base, ApiError> {
    world.bases.get_mut(id).ok_or_else(ApiError::not_found)
}

pub(crate) async fn list(
    State(sim): State<Arc<Sim>>,
    RawQuery(query): RawQuery,
    caller: Caller,
) -> JsonResult {
    let world = sim.world.read().await;
    caller.require("schema.bases:read")?;
    let admin = is_admin(&world, &caller);
    let start = match param(query.as_deref(), "offset") {
        None => 0,
        Some(o) => o
            .strip_prefix("itr")
            .and_then(|n| n.split('/').next())
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| {
                ApiError::unprocessable("LIST_BASES_INVALID_OFFSET", "The offset is not valid")
            })?,
    };
    const PAGE: usize = 1000;
    let groups: Vec<String> = world
        .groups_of(&caller.user_id)
        .iter()
        .map(|g| g.id.clone())
        .collect();
    let visible: Vec<Value> = world
        .bases
        .values()
        .filter_map(|b| {
            let level = render::permission_with_groups(&world, b, &caller.user_id, &groups);
            (admin || level != "none").then(|| {
                json!({ "id": b.id, "name": b.name, "permissionLevel": if level == "none" { "read".to_string() } else { level } })
            })
        })
        .skip(start)
        .take(PAGE + 1)
        .collect();
    let mut out = json!({ "bases": visible.iter().take(PAGE).collect::<Vec<_>>() });
    if visible.len() > PAGE {
        out["offset"] = json!(format!("itr{}/{}", start + PAGE, world.bases.len()));
    }
    Ok(Json(out))
}

/// Fills in ids and a default grid view in tables sent to create a base.
fn build_tables(world: &mut World, tables: &[Value]) -> Result<Vec<Value>, ApiError> {
    if tables.is_empty() {
        return Err(ApiError::invalid_body("At least one table is required"));
    }
    let mut out = Vec::new();
    for t in tables {
        let name = t["name"]
            .as_str()
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| ApiError::invalid_body("Every table needs a name"))?;
        let fields = t["fields"]
            .as_array()
            .filter(|f| !f.is_empty())
            .ok_or_else(|| ApiError::invalid_body("Every table needs at least one field"))?;
        let mut built = Vec::new();
        for f in fields {
            let fname = f["name"]
                .as_str()
                .ok_or_else(|| ApiError::invalid_body("Every field needs a name"))?;
            let ftype = f["type"]
                .as_str()
                .ok_or_else(|| ApiError::invalid_body("Every field needs a type"))?;
            let mut field =
                json!({ "id": new_id(&mut world.rng, "fld"), "name": fname, "type": ftype });
            if let Some(d) = f.get("description") {
                field["description"] = d.clone();
            }
            if let Some(o) = f.get("options") {
                field["options"] = o.clone();
            }
            built.push(field);
        }
        let primary = built[0]["id"].clone();
        let mut table = json!({
            "fields": built,
            "id": new_id(&mut world.rng, "tbl"),
            "name": name,
            "primaryFieldId": primary,
            "views": [ { "id": new_id(&mut world.rng, "viw"), "name": "Grid view", "type": "grid" } ],
        });
        if let Some(d) = t.get("description") {
            table["description"] = d.clone();
        }
        out.push(table);
    }
    Ok(out)
}

/// Adds a new base to a workspace and records it.
pub(crate) fn add_base(
    world: &mut World,
    caller: &Caller,
    workspace_id: &str,
    name: &str,
    tables: Vec<Value>,
) -> Result<String, ApiError> {
    let id = world.new_id("app");
    let now = Utc::now();
    world
        .workspaces
        .get_mut(workspace_id)
        .ok_or_else(ApiError::not_found)?
        .base_ids
        .push(id.clone());
    world.bases.insert(
        id.clone(),
        Base {
            id: id.clone(),
            name: name.to_string(),
            workspace_id: workspace_id.to_string(),
            created_time: now,
            grants: Vec::new(),
            invites: Vec::new(),
            interfaces: Vec::new(),
            shares: Vec::new(),
            block_installations: Vec::new(),
            package_installations: Vec::new(),
            tables,
        },
    );
    record(
        world,
        caller,
        NewEvent::new("createBase", "base", "base", &id)
            .workspace(workspace_id)
            .base(&id)
            .payload(json!({ "name": name })),
    );
    Ok(id)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateBase {
    name: Option<String>,
    workspace_id: Option<String>,
    #[serde(default)]
    tables: Vec<Value>,
}

pub(crate) async fn create(
    State(sim): State<Arc<Sim>>,
    caller: Caller,
    Body(body): Body<CreateBase>,
) -> JsonResult {
    let mut world = sim.world.write().await;
    caller.require("schema.bases:write")?;
    let name = body
        .name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::invalid_body("name is required"))?;
    let workspace_id = body
        .workspace_id
        .ok_or_else(|| ApiError::invalid_body("workspaceId is required"))?;
    let w = world
        .workspaces
        .get(&workspace_id)
        .ok_or_else(ApiError::not_found)?;
    require_on_workspace(&world, &caller, w, "create")?;
    let tables = build_tables(&mut world, &body.tables)?;
    let id = add_base(&mut world, &caller, &workspace_id, &name, tables.clone())?;
    Ok(Json(json!({ "id": id, "tables": tables })))
}

/// The base `base_id`, once the caller holds `scope` and at least `min` on it.
fn base_for<'w>(
    world: &'w World,
    caller: &Caller,
    scope: &str,
    base_id: &str,
    min: &str,
) -> Result<&'w Base, ApiError> {
    caller.require(scope)?;
    let b = base_of(world, base_id)?;
    require_on_base(world, caller, b, min)?;
    Ok(b)
}

/// An audit event about the base `b`.
fn on_base(action: &'static str, category: &'static str, b: &Base) -> NewEvent {
    NewEvent::new(action, category, "base", &b.id)
        .workspace(&b.workspace_id)
        .base(&b.id)
}

/// An audit event about who may use the interface `interface_id` of the base `b`.
fn on_interface(action: &'static str, b: &Base, interface_id: &str) -> NewEvent {
    NewEvent::new(action, COLLABORATION, "interface", interface_id)
        .workspace(&b.workspace_id)
        .base(&b.id)
        .interface(interface_id)
}

/// The base `base_id` and the collaborator `principal_id` to take off it (or off one of its
/// interfaces): anyone may leave; removing someone else needs creator access.
fn base_to_leave<'w>(
    world: &'w World,
    caller: &Caller,
    base_id: &str,
    principal_id: &str,
) -> Result<(&'w Base, Principal), ApiError> {
    caller.require(WRITE)?;
    let b = base_of(world, base_id)?;
    let principal = principal_named(principal_id)?;
    if principal != Principal::User(caller.user_id.clone()) {
        require_on_base(world, caller, b, "create")?;
    }
    Ok((b, principal))
}

fn interface_mut<'w>(
    world: &'w mut World,
    base_id: &str,
    interface_id: &str,
) -> Result<&'w mut Interface, ApiError> {
    base_mut(world, base_id)?
        .interfaces
        .iter_mut()
        .find(|i| i.id == interface_id)
        .ok_or_else(ApiError::not_found)
}

pub(crate) async fn get(
    State(sim): State<Arc<Sim>>,
    Path(base_id): Path<String>,
    RawQuery(query): RawQuery,
    caller: Caller,
) -> JsonResult {
    let world = sim.world.read().await;
    let b = base_for(&world, &caller, READ, &base_id, "read")?;
    let include = includes(
        query.as_deref(),
        &["collaborators", "inviteLinks", "interfaces", "packages"],
    )?;
    let has = |name: &str| include.iter().any(|i| i == name);
    Ok(Json(render::base(
        &world,
        b,
        &caller.user_id,
        BaseIncludes {
            collaborators: has("collaborators"),
            invite_links: has("inviteLinks"),
            interfaces: has("interfaces"),
            packages: has("packages"),
        },
    )))
}

pub(crate) async fn delete(
    State(sim): State<Arc<Sim>>,
    Path(base_id): Path<String>,
    caller: Caller,
) -> JsonResult {
    let mut world = sim.world.write().await;
    base_for(&world, &caller, MANAGE, &base_id, "create")?;
    let Some(b) = world.bases.shift_remove(&base_id) else {
        return Err(ApiError::not_found());
    };
    if let Some(w) = world.workspaces.get_mut(&b.workspace_id) {
        w.base_ids.retain(|id| id != &b.id);
    }
    let event = on_base("deleteBase", "base", &b);
    record(
        &mut world,
        &caller,
        event.payload(json!({ "name": b.name })),
    );
    Ok(empty())
}

pub(crate) async fn schema(
    State(sim): State<Arc<Sim>>,
    Path(base_id): Path<String>,
    caller: Caller,
) -> JsonResult {
    let world = sim.world.read().await;
    let b = base_for(&world, &caller, "schema.bases:read", &base_id, "read")?;
    Ok(Json(json!({ "tables": b.tables })))
}

pub(crate) async fn add_collaborator(
    State(sim): State<Arc<Sim>>,
    Path(base_id): Path<String>,
    caller: Caller,
    Body(body): Body<AddCollaborators>,
) -> JsonResult {
    let mut world = sim.world.write().await;
    let b = base_for(&world, &caller, WRITE, &base_id, "create")?;
    let (principal, level) = new_principal(&world, &body, BASE_LEVELS)?;
    not_yet_granted(&b.grants, &principal, "base")?;
    let event = on_base("addBaseCollaborator", COLLABORATION, b);
    let payload = with_level(principal_json(&world, &principal), &level);
    base_mut(&mut world, &base_id)?
        .grants
        .push(new_grant(&caller, principal, level));
    record(&mut world, &caller, event.payload(payload));
    Ok(empty())
}

pub(crate) async fn update_collaborator(
    State(sim): State<Arc<Sim>>,
    Path((base_id, principal_id)): Path<(String, String)>,
    caller: Caller,
    Body(body): Body<LevelChange>,
) -> JsonResult {
    let mut world = sim.world.write().await;
    let b = base_for(&world, &caller, WRITE, &base_id, "create")?;
    let level = body.checked(BASE_LEVELS)?;
    let principal = principal_named(&principal_id)?;
    let event = on_base("changeBaseCollaboratorPermission", COLLABORATION, b);
    let who = principal_json(&world, &principal);
    let grants = &mut base_mut(&mut world, &base_id)?.grants;
    let previous = change_level(grants, &principal, level)?;
    let payload = level_change(who, previous, level);
    record(&mut world, &caller, event.payload(payload));
    Ok(empty())
}

pub(crate) async fn remove_collaborator(
    State(sim): State<Arc<Sim>>,
    Path((base_id, principal_id)): Path<(String, String)>,
    caller: Caller,
) -> JsonResult {
    let mut world = sim.world.write().await;
    let (b, principal) = base_to_leave(&world, &caller, &base_id, &principal_id)?;
    let event = on_base("removeBaseCollaborator", COLLABORATION, b);
    let former = b
        .grants
        .iter()
        .find(|g| g.principal == principal)
        .map(|g| g.permission_level.clone())
        .ok_or_else(ApiError::not_found)?;
    let payload = with_level(principal_json(&world, &principal), former);
    base_mut(&mut world, &base_id)?
        .grants
        .retain(|g| g.principal != principal);
    record(&mut world, &caller, event.payload(payload));
    Ok(empty())
}

pub(crate) async fn delete_invite(
    State(sim): State<Arc<Sim>>,
    Path((base_id, invite_id)): Path<(String, String)>,
    caller: Caller,
) -> JsonResult {
    let mut world = sim.world.write().await;
    let b = base_for(&world, &caller, WRITE, &base_id, "create")?;
    let event = on_base("removeBaseInviteLink", COLLABORATION, b);
    remove_any(&mut base_mut(&mut world, &base_id)?.invites, |i| {
        i.id == invite_id
    })?;
    record(
        &mut world,
        &caller,
        event.payload(json!({ "inviteId": invite_id })),
    );
    Ok(empty())
}

pub(crate) async fn get_interface(
    State(sim): State<Arc<Sim>>,
    Path((base_id, interface_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    caller: Caller,
) -> JsonResult {
    let world = sim.world.read().await;
    let b = base_for(&world, &caller, READ, &base_id, "read")?;
    let i = b
        .interfaces
        .iter()
        .find(|i| i.id == interface_id)
        .ok_or_else(ApiError::not_found)?;
    let include = includes(query.as_deref(), &["collaborators", "inviteLinks"])?;
    let has = |name: &str| include.iter().any(|x| x == name);
    let rendered = render::interface(&world, i);
    let mut out = json!({
        "baseId": b.id,
        "createdTime": rendered["createdTime"],
        "id": i.id,
        "name": i.name,
        "permissionLevel": render::permission_on_base(&world, b, &caller.user_id),
    });
    if has("collaborators") {
        let base = render::base(
            &world,
            b,
            &caller.user_id,
            BaseIncludes {
                collaborators: true,
                ..BaseIncludes::default()
            },
        );
        for kind in ["groupCollaborators", "individualCollaborators"] {
            out[kind] = json!({
                "baseCollaborators": base[kind]["baseCollaborators"],
                "interfaceCollaborators": rendered[kind],
                "workspaceCollaborators": base[kind]["workspaceCollaborators"],
            });
        }
    }
    if has("inviteLinks") {
        out["inviteLinks"] = rendered["inviteLinks"].clone();
    }
    Ok(Json(out))
}

pub(crate) async fn add_interface_collaborator(
    State(sim): State<Arc<Sim>>,
    Path((base_id, interface_id)): Path<(String, String)>,
    caller: Caller,
    Body(body): Body<AddCollaborators>,
) -> JsonResult {
    let mut world = sim.world.write().await;
    let b = base_for(&world, &caller, WRITE, &base_id, "create")?;
    let (principal, level) = new_principal(&world, &body, INTERFACE_LEVELS)?;
    let event = on_interface("addInterfaceCollaborator", b, &interface_id);
    let payload = with_level(principal_json(&world, &principal), &level);
    let i = interface_mut(&mut world, &base_id, &interface_id)?;
    not_yet_granted(&i.grants, &principal, "interface")?;
    i.grants.push(new_grant(&caller, principal, level));
    record(&mut world, &caller, event.payload(payload));
    Ok(empty())
}

pub(crate) async fn update_interface_collaborator(
    State(sim): State<Arc<Sim>>,
    Path((base_id, interface_id, principal_id)): Path<(String, String, String)>,
    caller: Caller,
    Body(body): Body<LevelChange>,
) -> JsonResult {
    let mut world = sim.world.write().await;
    let b = base_for(&world, &caller, WRITE, &base_id, "create")?;
    let level = body.checked(INTERFACE_LEVELS)?;
    let principal = principal_named(&principal_id)?;
    let event = on_interface("changeInterfaceCollaboratorPermission", b, &interface_id);
    let who = principal_json(&world, &principal);
    let grants = &mut interface_mut(&mut world, &base_id, &interface_id)?.grants;
    let previous = change_level(grants, &principal, level)?;
    let payload = level_change(who, previous, level);
    record(&mut world, &caller, event.payload(payload));
    Ok(empty())
}

pub(crate) async fn remove_interface_collaborator(
    State(sim): State<Arc<Sim>>,
    Path((base_id, interface_id, principal_id)): Path<(String, String, String)>,
    caller: Caller,
) -> JsonResult {
    let mut world = sim.world.write().await;
    let (b, principal) = base_to_leave(&world, &caller, &base_id, &principal_id)?;
    let event = on_interface("removeInterfaceCollaborator", b, &interface_id);
    let payload = principal_json(&world, &principal);
    let i = interface_mut(&mut world, &base_id, &interface_id)?;
    remove_any(&mut i.grants, |g| g.principal == principal)?;
    record(&mut world, &caller, event.payload(payload));
    Ok(empty())
}

pub(crate) async fn delete_interface_invite(
    State(sim): State<Arc<Sim>>,
    Path((base_id, interface_id, invite_id)): Path<(String, String, String)>,
    caller: Caller,
) -> JsonResult {
    let mut world = sim.world.write().await;
    base_for(&world, &caller, WRITE, &base_id, "create")?;
    let i = interface_mut(&mut world, &base_id, &interface_id)?;
    remove_any(&mut i.invites, |x| x.id == invite_id)?;
    Ok(empty())
}

pub(crate) async fn shares(
    State(sim): State<Arc<Sim>>,
    Path(base_id): Path<String>,
    caller: Caller,
) -> JsonResult {
    let world = sim.world.read().await;
    let b = base_for(&world, &caller, SHARES, &base_id, "create")?;
    let domains: Vec<String> = world
        .enterprise
        .email_domains
        .iter()
        .map(|d| d.domain.clone())
        .collect();
    Ok(Json(json!({
        "shares": b.shares.iter().map(|s| {
            let effective = if s.restricted_to_email_domains.is_empty() { domains.clone() } else { s.restricted_to_email_domains.clone() };
            render::share(s, &effective)
        }).collect::<Vec<_>>(),
    })))
}

const SHARES: &str = "workspacesAndBases.shares:manage";

#[derive(Debug, Deserialize)]
pub(crate) struct StateChange {
    state: String,
}

impl StateChange {
    /// `enabled` or `disabled`; anything else is a 422.
    fn checked(&self) -> Result<&'static str, ApiError> {
        match self.state.as_str() {
            "enabled" => Ok("enabled"),
            "disabled" => Ok("disabled"),
            other => Err(ApiError::invalid(format!(
                "Invalid state {other:?}: expected enabled or disabled"
            ))),
        }
    }
}

/// The action `on` when `state` is `enabled`, else `off`.
fn toggled(state: &str, on: &'static str, off: &'static str) -> &'static str {
    if state == "enabled" {
        on
    } else {
        off
    }
}

pub(crate) async fn update_share(
    State(sim): State<Arc<Sim>>,
    Path((base_id, share_id)): Path<(String, String)>,
    caller: Caller,
    Body(body): Body<StateChange>,
) -> JsonResult {
    let mut world = sim.world.write().await;
    let b = base_for(&world, &caller, SHARES, &base_id, "create")?;
    let state = body.checked()?;
    let event = on_base(toggled(state, "enableShare", "disableShare"), "share", b);
    let base_name = b.name.clone();
    let share = base_mut(&mut world, &base_id)?
        .shares
        .iter_mut()
        .find(|s| s.id == share_id)
        .ok_or_else(ApiError::not_found)?;
    let changed = share.state != state;
    share.state = state;
    let kind = share.kind;
    if changed {
        let event = event.payload(json!({
            "type": kind,
            "shareId": share_id,
            "base": { "id": base_id, "name": base_name },
        }));
        record(&mut world, &caller, event);
    }
    Ok(empty())
}

pub(crate) async fn delete_share(
    State(sim): State<Arc<Sim>>,
    Path((base_id, share_id)): Path<(String, String)>,
    caller: Caller,
) -> JsonResult {
    let mut world = sim.world.write().await;
    let b = base_for(&world, &caller, SHARES, &base_id, "create")?;
    let event = on_base("deleteShare", "share", b);
    remove_any(&mut base_mut(&mut world, &base_id)?.shares, |s| {
        s.id == share_id
    })?;
    record(
        &mut world,
        &caller,
        event.payload(json!({ "shareId": share_id })),
    );
    Ok(empty())
}

pub(crate) async fn block_installations(
    State(sim): State<Arc<Sim>>,
    Path(base_id): Path<String>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let world = sim.world.read().await;
    let b = base_for(&world, &caller, "block:manage", &base_id, "create")?;
    // Airtable answers a bare array here.
    Ok(Json(Value::Array(
        b.block_installations
            .iter()
            .map(render::block_installation)
            .collect(),
    )))
}

pub(crate) async fn update_block_installation(
    State(sim): State<Arc<Sim>>,
    Path((base_id, installation_id)): Path<(String, String)>,
    caller: Caller,
    Body(body): Body<StateChange>,
) -> JsonResult {
    let mut world = sim.world.write().await;
    let b = base_for(&world, &caller, "block:manage", &base_id, "create")?;
    let state = body.checked()?;
    let action = toggled(state, "enableBlockInstallation", "disableBlockInstallation");
    let event = on_base(action, "components", b);
    let install = base_mut(&mut world, &base_id)?
        .block_installations
        .iter_mut()
        .find(|i| i.id == installation_id)
        .ok_or_else(ApiError::not_found)?;
    let changed = install.state != state;
    install.state = state;
    let block_id = install.block_id.clone();
    if changed {
        let event =
            event.payload(json!({ "blockInstallationId": installation_id, "blockId": block_id }));
        record(&mut world, &caller, event);
    }
    Ok(empty())
}

pub(crate) async fn delete_block_installation(
    State(sim): State<Arc<Sim>>,
    Path((base_id, installation_id)): Path<(String, String)>,
    caller: Caller,
) -> JsonResult {
    let mut world = sim.world.write().await;
    let b = base_for(&world, &caller, "block:manage", &base_id, "create")?;
    let event = on_base("deleteBlockInstallation", "components", b);
    let b = base_mut(&mut world, &base_id)?;
    remove_any(&mut b.block_installations, |i| i.id == installation_id)?;
    b.shares
        .retain(|s| s.block_installation_id.as_deref() != Some(installation_id.as_str()));
    record(
        &mut world,
        &caller,
        event.payload(json!({ "blockInstallationId": installation_id })),
    );
    Ok(empty())
}
