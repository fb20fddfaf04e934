//! Workspaces: create, read, delete, collaborators, invites, restrictions, moving bases.

use std::sync::Arc;

use axum::{
    extract::{Path, RawQuery, State},
    Json,
};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{empty, includes, record, remove_any, user_json, Body, JsonResult};
use crate::{
    auth::Caller,
    error::ApiError,
    render,
    state::{audit::NewEvent, Grant, Principal, UserState, Workspace, World},
    Sim,
};

pub const WORKSPACE_LEVELS: &[&str] = &["owner", "create", "edit", "comment", "read"];
pub(crate) const READ: &str = "workspacesAndBases:read";
pub(crate) const WRITE: &str = "workspacesAndBases:write";
pub(crate) const MANAGE: &str = "workspacesAndBases:manage";
/// The audit category of every change of who may use a workspace, base or interface.
pub(crate) const COLLABORATION: &str = "baseCollaboration";

pub(crate) fn is_admin(world: &World, caller: &Caller) -> bool {
    world
        .user(&caller.user_id)
        .is_some_and(|u| u.is_admin && u.state == UserState::Provisioned)
}

/// The caller's own grant on a workspace, directly or through a group.
pub(crate) fn level_on(world: &World, w: &Workspace, user_id: &str) -> Option<String> {
    let groups: Vec<String> = world
        .groups_of(user_id)
        .iter()
        .map(|g| g.id.clone())
        .collect();
    w.grants
        .iter()
        .filter(|g| match &g.principal {
            Principal::User(id) => id == user_id,
            Principal::Group(id) => groups.contains(id),
        })
        .map(|g| g.permission_level.clone())
        .min_by_key(|l| WORKSPACE_LEVELS.iter().position(|x| x == l).unwrap_or(99))
}

/// Enterprise admins may do anything; otherwise the caller needs `min` on the workspace.
pub(crate) fn require_on_workspace(
    world: &World,
    caller: &Caller,
    w: &Workspace,
    min: &str,
) -> Result<(), ApiError> {
    if is_admin(world, caller) && world.is_known_enterprise(&w.enterprise_id) {
        return Ok(());
    }
    let rank = |l: &str| WORKSPACE_LEVELS.iter().position(|x| *x == l).unwrap_or(99);
    match level_on(world, w, &caller.user_id) {
        Some(l) if rank(&l) <= rank(min) => Ok(()),
        _ => Err(ApiError::not_admin()),
    }
}

fn workspace_of<'w>(world: &'w World, id: &str) -> Result<&'w Workspace, ApiError> {
    world.workspaces.get(id).ok_or_else(ApiError::not_found)
}

fn workspace_mut<'w>(world: &'w mut World, id: &str) -> Result<&'w mut Workspace, ApiError> {
    world.workspaces.get_mut(id).ok_or_else(ApiError::not_found)
}

/// The workspace `workspace_id`, once the caller holds `scope` and at least `min` on it.
fn workspace_for<'w>(
    world: &'w World,
    caller: &Caller,
    scope: &str,
    workspace_id: &str,
    min: &str,
) -> Result<&'w Workspace, ApiError> {
    caller.require(scope)?;
    let w = workspace_of(world, workspace_id)?;
    require_on_workspace(world, caller, w, min)?;
    Ok(w)
}

/// An audit event about the workspace `workspace_id`.
fn on_workspace(action: &'static str, category: &'static str, workspace_id: &str) -> NewEvent {
    NewEvent::new(action, category, "workspace", workspace_id).workspace(workspace_id)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateWorkspace {
    enterprise_account_id: Option<String>,
    name: Option<String>,
}

pub(crate) async fn create(
    State(sim): State<Arc<Sim>>,
    caller: Caller,
    Body(body): Body<CreateWorkspace>,
) -> JsonResult {
    let mut world = sim.world.write().await;
    caller.require(MANAGE)?;
    let enterprise_id = body
        .enterprise_account_id
        .ok_or_else(|| ApiError::invalid_body("enterpriseAccountId is required"))?;
    let name = body
        .name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::invalid_body("name is required"))?;
    caller.require_admin_of(&world, &enterprise_id)?;
    let id = world.new_id("wsp");
    let now = Utc::now();
    world.workspaces.insert(
        id.clone(),
        Workspace {
            id: id.clone(),
            name: name.clone(),
            enterprise_id,
            created_time: now,
            grants: vec![Grant {
                principal: Principal::User(caller.user_id.clone()),
                permission_level: "owner".into(),
                granted_by: caller.user_id.clone(),
                created_time: now,
            }],
            base_ids: Vec::new(),
            invites: Vec::new(),
            invite_creation_restriction: "unrestricted".into(),
            share_creation_restriction: "unrestricted".into(),
        },
    );
    let event = on_workspace("createWorkspace", "base", &id);
    record(&mut world, &caller, event.payload(json!({ "name": name })));
    Ok(Json(json!({ "id": id })))
}

pub(crate) async fn get(
    State(sim): State<Arc<Sim>>,
    Path(workspace_id): Path<String>,
    RawQuery(query): RawQuery,
    caller: Caller,
) -> JsonResult {
    let world = sim.world.read().await;
    let w = workspace_for(&world, &caller, READ, &workspace_id, "read")?;
    let include = includes(query.as_deref(), &["collaborators", "inviteLinks"])?;
    let has = |name: &str| include.iter().any(|i| i == name);
    Ok(Json(render::workspace(
        &world,
        w,
        has("collaborators"),
        has("inviteLinks"),
    )))
}

pub(crate) async fn delete(
    State(sim): State<Arc<Sim>>,
    Path(workspace_id): Path<String>,
    caller: Caller,
) -> JsonResult {
    let mut world = sim.world.write().await;
    workspace_for(&world, &caller, MANAGE, &workspace_id, "owner")?;
    let Some(w) = world.workspaces.shift_remove(&workspace_id) else {
        return Err(ApiError::not_found());
    };
    for base_id in &w.base_ids {
        if let Some(b) = world.bases.shift_remove(base_id) {
            record(
                &mut world,
                &caller,
                NewEvent::new("deleteBase", "base", "base", &b.id)
                    .workspace(&w.id)
                    .base(&b.id)
                    .payload(json!({ "name": b.name })),
            );
        }
    }
    world.enterprise.ai_allowlist.retain(|id| id != &w.id);
    let event = on_workspace("deleteWorkspace", "base", &w.id);
    record(
        &mut world,
        &caller,
        event.payload(json!({ "name": w.name })),
    );
    Ok(empty())
}

#[derive(Debug, Deserialize)]
pub(crate) struct IdRef {
    id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NewCollaborator {
    user: Option<IdRef>,
    group: Option<IdRef>,
    permission_level: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AddCollaborators {
    collaborators: Vec<NewCollaborator>,
}

/// Checks one collaborator to add and returns who it is.
pub(crate) fn new_principal(
    world: &World,
    body: &AddCollaborators,
    levels: &[&str],
) -> Result<(Principal, String), ApiError> {
    if body.collaborators.len() != 1 {
        return Err(ApiError::forbidden(
            "You are only permitted to add one collaborator at a time",
        ));
    }
    let c = &body.collaborators[0];
    if !levels.contains(&c.permission_level.as_str()) {
        return Err(ApiError::invalid(format!(
            "Invalid permissionLevel {:?} (expected one of {})",
            c.permission_level,
            levels.join(", ")
        )));
    }
    let principal = match (&c.user, &c.group) {
        (Some(u), None) => {
            let user = world.user(&u.id).ok_or_else(ApiError::not_found)?;
            if user.state != UserState::Provisioned {
                return Err(ApiError::forbidden(
                    "User must be active and email verified",
                ));
            }
            Principal::User(user.id.clone())
        }
        (None, Some(g)) => {
            let group = world.groups.get(&g.id).ok_or_else(ApiError::not_found)?;
            Principal::Group(group.id.clone())
        }
        _ => {
            return Err(ApiError::invalid_body(
                "Each collaborator needs exactly one of user or group",
            ))
        }
    };
    Ok((principal, c.permission_level.clone()))
}

/// `{"user": {...}}` or `{"group": {...}}` for audit payloads.
pub(crate) fn principal_json(world: &World, p: &Principal) -> serde_json::Value {
    match p {
        Principal::User(id) => match world.user(id) {
            Some(u) => user_json(u),
            None => json!({ "user": { "id": id } }),
        },
        Principal::Group(id) => match world.groups.get(id) {
            Some(g) => json!({ "group": { "id": g.id, "name": g.name } }),
            None => json!({ "group": { "id": id } }),
        },
    }
}

/// The user or group an id in a path names; a 404 for an id of neither kind.
pub(crate) fn principal_named(id: &str) -> Result<Principal, ApiError> {
    Principal::from_id(id).ok_or_else(ApiError::not_found)
}

/// A 422 when `principal` already holds one of `grants` on this `what`.
pub(crate) fn not_yet_granted(
    grants: &[Grant],
    principal: &Principal,
    what: &str,
) -> Result<(), ApiError> {
    if grants.iter().any(|g| g.principal == *principal) {
        return Err(ApiError::invalid(format!(
            "The collaborator already has access to this {what}"
        )));
    }
    Ok(())
}

/// A grant `caller` gives now.
pub(crate) fn new_grant(caller: &Caller, principal: Principal, level: String) -> Grant {
    Grant {
        principal,
        permission_level: level,
        granted_by: caller.user_id.clone(),
        created_time: Utc::now(),
    }
}

/// Sets the level of `principal`'s grant and returns the level it had; a 404 without one.
pub(crate) fn change_level(
    grants: &mut [Grant],
    principal: &Principal,
    level: &str,
) -> Result<String, ApiError> {
    let grant = grants
        .iter_mut()
        .find(|g| g.principal == *principal)
        .ok_or_else(ApiError::not_found)?;
    Ok(std::mem::replace(
        &mut grant.permission_level,
        level.to_string(),
    ))
}

/// An audit payload `who` with the level granted or taken away.
pub(crate) fn with_level(mut who: Value, level: impl Serialize) -> Value {
    who["permissionLevel"] = json!(level);
    who
}

/// An audit payload `who` with the level before and after a change.
pub(crate) fn level_change(mut who: Value, previous: String, current: &str) -> Value {
    who["previous"] = json!({ "permissionLevel": previous });
    who["current"] = json!({ "permissionLevel": current });
    who
}

/// A 403: groups may hold any level on a workspace but owner.
fn no_group_owner(principal: &Principal, level: &str) -> Result<(), ApiError> {
    if matches!(principal, Principal::Group(_)) && level == "owner" {
        return Err(ApiError::forbidden(
            "Groups cannot be the owners of a workspace",
        ));
    }
    Ok(())
}

pub(crate) async fn add_collaborator(
    State(sim): State<Arc<Sim>>,
    Path(workspace_id): Path<String>,
    caller: Caller,
    Body(body): Body<AddCollaborators>,
) -> JsonResult {
    let mut world = sim.world.write().await;
    caller.require(WRITE)?;
    let w = workspace_of(&world, &workspace_id)?;
    let needed = if w.invite_creation_restriction == "onlyOwners" {
        "owner"
    } else {
        "create"
    };
    require_on_workspace(&world, &caller, w, needed)?;
    let (principal, level) = new_principal(&world, &body, WORKSPACE_LEVELS)?;
    no_group_owner(&principal, &level)?;
    not_yet_granted(&w.grants, &principal, "workspace")?;
    let payload = with_level(principal_json(&world, &principal), &level);
    workspace_mut(&mut world, &workspace_id)?
        .grants
        .push(new_grant(&caller, principal, level));
    let event = on_workspace("addWorkspaceCollaborator", COLLABORATION, &workspace_id);
    record(&mut world, &caller, event.payload(payload));
    Ok(empty())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LevelChange {
    pub permission_level: String,
}

impl LevelChange {
    /// The new level, when it is one of `levels`; else a 422.
    pub(crate) fn checked(&self, levels: &[&str]) -> Result<&str, ApiError> {
        if !levels.contains(&self.permission_level.as_str()) {
            return Err(ApiError::invalid(format!(
                "Invalid permissionLevel {:?}",
                self.permission_level
            )));
        }
        Ok(&self.permission_level)
    }
}

/// A workspace with collaborators must keep an owner; else a 403.
fn keeps_an_owner(grants: &[Grant]) -> Result<(), ApiError> {
    if grants.len() <= 1 || grants.iter().any(|g| g.permission_level == "owner") {
        return Ok(());
    }
    Err(ApiError::forbidden(
        "A workspace with collaborators must have at least one owner",
    ))
}

pub(crate) async fn update_collaborator(
    State(sim): State<Arc<Sim>>,
    Path((workspace_id, principal_id)): Path<(String, String)>,
    caller: Caller,
    Body(body): Body<LevelChange>,
) -> JsonResult {
    let mut world = sim.world.write().await;
    let w = workspace_for(&world, &caller, WRITE, &workspace_id, "create")?;
    let level = body.checked(WORKSPACE_LEVELS)?;
    let principal = principal_named(&principal_id)?;
    no_group_owner(&principal, level)?;
    let mut grants = w.grants.clone();
    let previous = change_level(&mut grants, &principal, level)?;
    keeps_an_owner(&grants)?;
    let payload = level_change(principal_json(&world, &principal), previous, level);
    workspace_mut(&mut world, &workspace_id)?.grants = grants;
    let event = on_workspace(
        "changeWorkspaceCollaboratorPermission",
        COLLABORATION,
        &workspace_id,
    );
    record(&mut world, &caller, event.payload(payload));
    Ok(empty())
}

pub(crate) async fn remove_collaborator(
    State(sim): State<Arc<Sim>>,
    Path((workspace_id, principal_id)): Path<(String, String)>,
    caller: Caller,
) -> JsonResult {
    let mut world = sim.world.write().await;
    caller.require(WRITE)?;
    let w = workspace_of(&world, &workspace_id)?;
    let principal = principal_named(&principal_id)?;
    // Anyone may leave; removing someone else needs creator access.
    if principal != Principal::User(caller.user_id.clone()) {
        require_on_workspace(&world, &caller, w, "create")?;
    }
    let mut grants = w.grants.clone();
    let former: Vec<String> = grants
        .iter()
        .filter(|g| g.principal == principal)
        .map(|g| g.permission_level.clone())
        .collect();
    remove_any(&mut grants, |g| g.principal == principal)?;
    keeps_an_owner(&grants)?;
    let payload = with_level(principal_json(&world, &principal), former.first());
    workspace_mut(&mut world, &workspace_id)?.grants = grants;
    let event = on_workspace("removeWorkspaceCollaborator", COLLABORATION, &workspace_id);
    record(&mut world, &caller, event.payload(payload));
    Ok(empty())
}

pub(crate) async fn delete_invite(
    State(sim): State<Arc<Sim>>,
    Path((workspace_id, invite_id)): Path<(String, String)>,
    caller: Caller,
) -> JsonResult {
    let mut world = sim.world.write().await;
    workspace_for(&world, &caller, WRITE, &workspace_id, "create")?;
    let w = workspace_mut(&mut world, &workspace_id)?;
    remove_any(&mut w.invites, |i| i.id == invite_id)?;
    let event = on_workspace("removeWorkspaceInviteLink", COLLABORATION, &workspace_id);
    record(
        &mut world,
        &caller,
        event.payload(json!({ "inviteId": invite_id })),
    );
    Ok(empty())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Restrictions {
    invite_creation_restriction: Option<String>,
    share_creation_restriction: Option<String>,
}

pub(crate) async fn update_restrictions(
    State(sim): State<Arc<Sim>>,
    Path(workspace_id): Path<String>,
    caller: Caller,
    Body(body): Body<Restrictions>,
) -> JsonResult {
    let mut world = sim.world.write().await;
    let w = workspace_for(&world, &caller, MANAGE, &workspace_id, "owner")?;
    for value in [
        &body.invite_creation_restriction,
        &body.share_creation_restriction,
    ]
    .into_iter()
    .flatten()
    {
        if value != "unrestricted" && value != "onlyOwners" {
            return Err(ApiError::invalid(format!(
                "Invalid restriction {value:?}: expected unrestricted or onlyOwners"
            )));
        }
    }
    let previous = render::workspace_restrictions(w);
    let w = workspace_mut(&mut world, &workspace_id)?;
    if let Some(v) = body.invite_creation_restriction {
        w.invite_creation_restriction = v;
    }
    if let Some(v) = body.share_creation_restriction {
        w.share_creation_restriction = v;
    }
    let current = render::workspace_restrictions(w);
    let event = on_workspace(
        "updateWorkspaceRestrictions",
        "enterpriseSettings",
        &workspace_id,
    );
    let payload = json!({ "previous": previous, "current": current });
    record(&mut world, &caller, event.payload(payload));
    Ok(empty())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MoveBase {
    base_id: String,
    target_workspace_id: String,
    target_index: Option<usize>,
}

pub(crate) async fn move_base(
    State(sim): State<Arc<Sim>>,
    Path(workspace_id): Path<String>,
    caller: Caller,
    Body(body): Body<MoveBase>,
) -> JsonResult {
    let mut world = sim.world.write().await;
    let source = workspace_for(&world, &caller, WRITE, &workspace_id, "create")?;
    if !source.base_ids.contains(&body.base_id) {
        return Err(ApiError::not_found());
    }
    let target = workspace_of(&world, &body.target_workspace_id)?;
    require_on_workspace(&world, &caller, target, "create")?;
    let base_name = world
        .bases
        .get(&body.base_id)
        .map(|b| b.name.clone())
        .unwrap_or_default();
    let payload = json!({
        "name": base_name,
        "previous": { "workspace": { "id": source.id, "name": source.name } },
        "current": {
            "workspace": { "id": target.id, "name": target.name },
            "enterpriseAccount": { "id": world.enterprise.id, "name": world.enterprise.name },
        },
    });
    workspace_mut(&mut world, &workspace_id)?
        .base_ids
        .retain(|b| b != &body.base_id);
    let target = workspace_mut(&mut world, &body.target_workspace_id)?;
    let at = body
        .target_index
        .unwrap_or(target.base_ids.len())
        .min(target.base_ids.len());
    target.base_ids.insert(at, body.base_id.clone());
    if let Some(b) = world.bases.get_mut(&body.base_id) {
        b.workspace_id = body.target_workspace_id.clone();
    }
    record(
        &mut world,
        &caller,
        NewEvent::new("moveBase", "base", "base", &body.base_id)
            .workspace(&body.target_workspace_id)
            .base(&body.base_id)
            .payload(payload),
    );
    Ok(empty())
}
