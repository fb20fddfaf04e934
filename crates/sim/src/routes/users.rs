//! Users of the enterprise: look-ups, changes, deletion, removal, claiming, admin access.

use std::{collections::HashSet, sync::Arc};

use axum::{
    extract::{Path, RawQuery, State},
    Json,
};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{empty, includes, list_param, record, user_event, Body, JsonResult};
use crate::{
    auth::Caller,
    error::ApiError,
    render::{self, UserIncludes},
    state::{audit::NewEvent, Principal, User, UserState, World},
    Sim,
};

pub(crate) async fn whoami(State(sim): State<Arc<Sim>>, caller: Caller) -> JsonResult {
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

fn user_includes(query: Option<&str>) -> Result<UserIncludes, ApiError> {
    let mut include = UserIncludes::default();
    for value in includes(query, &["collaborations", "aggregated", "descendants"])? {
        match value.as_str() {
            "collaborations" => include.collaborations = true,
            "aggregated" => include.aggregated = true,
            _ => include.descendants = true,
        }
    }
    Ok(include)
}

pub(crate) async fn list(
    State(sim): State<Arc<Sim>>,
    Path(enterprise_id): Path<String>,
    RawQuery(query): RawQuery,
    caller: Caller,
) -> JsonResult {
    let world = sim.world.read().await;
    caller.require_admin(&world, &enterprise_id, "enterprise.user:read")?;
    let include = user_includes(query.as_deref())?;
    let ids = list_param(query.as_deref(), "id");
    let emails = list_param(query.as_deref(), "email");
    if ids.len() > 100 || emails.len() > 100 {
        return Err(ApiError::invalid(
            "At most 100 ids and 100 emails may be requested at once",
        ));
    }
    if ids.is_empty() && emails.is_empty() {
        return Err(ApiError::invalid("Specify at least one id or email"));
    }
    let mut seen = HashSet::new();
    let found: Vec<Value> = ids
        .iter()
        .filter_map(|id| world.user(id))
        .chain(emails.iter().filter_map(|e| world.user_by_email(e)))
        .filter(|u| seen.insert(u.id.clone()))
        .map(|u| render::user(&world, u, include))
        .collect();
    Ok(Json(json!({ "users": found })))
}

pub(crate) async fn get(
    State(sim): State<Arc<Sim>>,
    Path((enterprise_id, user_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    caller: Caller,
) -> JsonResult {
    let world = sim.world.read().await;
    caller.require_admin(&world, &enterprise_id, "enterprise.user:read")?;
    let include = user_includes(query.as_deref())?;
    let u = world.user(&user_id).ok_or_else(ApiError::not_found)?;
    Ok(Json(render::user(&world, u, include)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserChange {
    id: Option<String>,
    email: Option<String>,
    state: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
}

/// A 403: admins may not do this to themselves.
fn on_self() -> ApiError {
    ApiError::forbidden("Cannot perform action on self")
}

/// A 403: the user's email is outside the enterprise's domains.
fn outside_the_domains() -> ApiError {
    ApiError::forbidden("User does not belong to the enterprise email domain")
}

/// A 403: the enterprise has not claimed the user.
fn not_managed() -> ApiError {
    ApiError::forbidden("User is not managed by the enterprise account")
}

/// Applies a change to one user, with Airtable's checks. Returns what was changed.
fn apply_change(
    world: &mut World,
    caller: &Caller,
    user_id: &str,
    change: &UserChange,
) -> Result<Value, ApiError> {
    let u = world.user(user_id).ok_or_else(ApiError::not_found)?.clone();
    let state = match change.state.as_deref() {
        None => None,
        Some(s) => Some(UserState::parse(s).ok_or_else(|| {
            ApiError::invalid(format!(
                "Invalid state {s:?}: expected provisioned or deactivated"
            ))
        })?),
    };
    let new_email = change
        .email
        .as_deref()
        .filter(|e| !e.eq_ignore_ascii_case(&u.email));
    if (state.is_some() || new_email.is_some()) && u.id == caller.user_id {
        return Err(on_self());
    }
    if u.is_external {
        return Err(outside_the_domains());
    }
    if (state.is_some() || new_email.is_some()) && !u.is_managed {
        return Err(not_managed());
    }
    if let Some(email) = new_email {
        if !email.contains('@') {
            return Err(ApiError::invalid(format!("Invalid email {email:?}")));
        }
        if !world.is_claimed_domain(email) {
            return Err(ApiError::unprocessable(
                "INVALID_EMAIL_DOMAIN",
                "Enterprise account must own the target email domain",
            ));
        }
        if world.user_by_email(email).is_some() {
            return Err(ApiError::unprocessable(
                "EMAIL_ALREADY_IN_USE",
                "Email already in use",
            ));
        }
    }
    let mut out = json!({ "id": u.id });
    let mut events = Vec::new();
    {
        let Some(user) = world.users.get_mut(user_id) else {
            return Err(ApiError::not_found());
        };
        if let Some(s) = state {
            if s != user.state {
                let action = if s == UserState::Deactivated {
                    "deactivateUser"
                } else {
                    "provisionUser"
                };
                events.push(user_event(action, "user", user));
            }
            user.state = s;
            out["state"] = json!(s.as_str());
        }
        if let Some(email) = &change.email {
            if new_email.is_some() {
                events.push(
                    NewEvent::new("updateUserEmail", "user", "user", &user.id).payload(json!({
                        "previous": { "email": user.email },
                        "current": { "email": email },
                    })),
                );
                user.email = email.clone();
                // Changing the email logs the user out.
                user.logged_out_at = Some(Utc::now());
            }
            out["email"] = json!(user.email);
        }
        if let Some(first) = &change.first_name {
            user.first_name = first.clone();
            out["firstName"] = json!(first);
        }
        if let Some(last) = &change.last_name {
            user.last_name = last.clone();
            out["lastName"] = json!(last);
        }
        user.updated_time = Utc::now();
    }
    for e in events {
        record(world, caller, e);
    }
    Ok(out)
}

pub(crate) async fn update(
    State(sim): State<Arc<Sim>>,
    Path((enterprise_id, user_id)): Path<(String, String)>,
    caller: Caller,
    Body(change): Body<UserChange>,
) -> JsonResult {
    let mut world = sim.world.write().await;
    caller.require_admin(&world, &enterprise_id, "enterprise.user:write")?;
    apply_change(&mut world, &caller, &user_id, &change)?;
    // The user as they are now, as pyAirtable's `user.save()` reads them back.
    let user = world.user(&user_id).ok_or_else(ApiError::not_found)?;
    Ok(Json(render::user(&world, user, UserIncludes::default())))
}

#[derive(Debug, Deserialize)]
pub(crate) struct BatchChange {
    users: Vec<UserChange>,
}

pub(crate) async fn update_batch(
    State(sim): State<Arc<Sim>>,
    Path(enterprise_id): Path<String>,
    caller: Caller,
    Body(body): Body<BatchChange>,
) -> JsonResult {
    let mut world = sim.world.write().await;
    caller.require_admin(&world, &enterprise_id, "enterprise.user:write")?;
    let mut updated = Vec::new();
    let mut errors = Vec::new();
    for change in &body.users {
        // With both, `id` identifies the user and `email` is the new address.
        let target: Result<String, (Value, &'static str, String)> =
            match (&change.id, &change.email) {
                (Some(id), _) => world.user(id).map(|u| u.id.clone()).ok_or((
                    json!({ "id": id }),
                    "USER_ID_NOT_FOUND",
                    "User not found".to_string(),
                )),
                (None, Some(email)) => world.user_by_email(email).map(|u| u.id.clone()).ok_or((
                    json!({ "email": email }),
                    "NOT_FOUND",
                    "User not found".to_string(),
                )),
                (None, None) => Err((
                    json!({}),
                    "INVALID_REQUEST",
                    "Specify id or email".to_string(),
                )),
            };
        let result = target.and_then(|id| {
            let change = UserChange {
                id: Some(id.clone()),
                // With only an email, it identifies the user and is not a change.
                email: if change.id.is_some() {
                    change.email.clone()
                } else {
                    None
                },
                state: change.state.clone(),
                first_name: change.first_name.clone(),
                last_name: change.last_name.clone(),
            };
            apply_change(&mut world, &caller, &id, &change)
                .map_err(|e| (json!({ "id": id }), e.kind, e.message))
        });
        match result {
            Ok(done) => updated.push(done),
            Err((mut who, kind, message)) => {
                who["type"] = json!(kind);
                who["message"] = json!(message);
                errors.push(who);
            }
        }
    }
    Ok(Json(json!({ "updatedUsers": updated, "errors": errors })))
}

pub(crate) async fn logout(
    State(sim): State<Arc<Sim>>,
    Path((enterprise_id, user_id)): Path<(String, String)>,
    caller: Caller,
) -> JsonResult {
    let mut world = sim.world.write().await;
    caller.require_admin(&world, &enterprise_id, "enterprise.user:write")?;
    let user = world
        .users
        .get_mut(&user_id)
        .ok_or_else(ApiError::not_found)?;
    if user.is_external {
        return Err(outside_the_domains());
    }
    user.logged_out_at = Some(Utc::now());
    let event = user_event("logoutUser", "user", user);
    record(&mut world, &caller, event);
    Ok(empty())
}

/// Why a user may not be deleted, if they may not.
fn deletion_refused(world: &World, caller: &Caller, u: &User) -> Option<ApiError> {
    if u.id == caller.user_id {
        return Some(on_self());
    }
    if u.is_external {
        return Some(outside_the_domains());
    }
    if !u.is_managed {
        return Some(not_managed());
    }
    let me = Principal::User(u.id.clone());
    let sole_owner = world.workspaces.values().any(|w| {
        let owners: Vec<_> = w
            .grants
            .iter()
            .filter(|g| g.permission_level == "owner")
            .collect();
        owners.len() == 1 && owners[0].principal == me && w.grants.len() > 1
    });
    sole_owner.then(|| {
        ApiError::forbidden("Cannot delete sole owner of a workspace with other collaborators")
    })
}

async fn delete_user(sim: &Sim, world: &mut World, caller: &Caller, user_id: &str) {
    let Some(u) = world.users.shift_remove(user_id) else {
        return;
    };
    world.forget_principal(&Principal::User(u.id.clone()));
    world.tokens.retain(|_, t| t.user_id != u.id);
    sim.tokens
        .lock()
        .await
        .access
        .retain(|_, a| a.user_id != u.id);
    record(world, caller, user_event("deleteUser", "user", &u));
}

pub(crate) async fn delete(
    State(sim): State<Arc<Sim>>,
    Path((enterprise_id, user_id)): Path<(String, String)>,
    caller: Caller,
) -> JsonResult {
    let mut world = sim.world.write().await;
    caller.require_admin(&world, &enterprise_id, "enterprise.user:write")?;
    let u = world.user(&user_id).ok_or_else(ApiError::not_found)?;
    if let Some(refusal) = deletion_refused(&world, &caller, u) {
        return Err(refusal);
    }
    delete_user(&sim, &mut world, &caller, &user_id).await;
    Ok(empty())
}

pub(crate) async fn delete_by_email(
    State(sim): State<Arc<Sim>>,
    Path(enterprise_id): Path<String>,
    RawQuery(query): RawQuery,
    caller: Caller,
    body: axum::body::Bytes,
) -> JsonResult {
    let mut world = sim.world.write().await;
    caller.require_admin(&world, &enterprise_id, "enterprise.user:write")?;
    // A third-party OpenAPI file puts the emails in a JSON body; Airtable reads only the
    // query, so such a call would delete nobody and answer 200. Say so instead.
    if !body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid(
            "The emails of the users to delete go in the query string (?email=a@example.com&email=…), not in a request body",
        ));
    }
    let emails = list_param(query.as_deref(), "email");
    if emails.len() > 100 {
        return Err(ApiError::invalid(
            "At most 100 emails may be deleted at once",
        ));
    }
    let mut deleted = Vec::new();
    let mut errors = Vec::new();
    for email in emails {
        let Some(u) = world.user_by_email(&email) else {
            errors
                .push(json!({ "email": email, "message": "User not found", "type": "NOT_FOUND" }));
            continue;
        };
        if let Some(refusal) = deletion_refused(&world, &caller, u) {
            errors
                .push(json!({ "email": email, "message": refusal.message, "type": refusal.kind }));
            continue;
        }
        let id = u.id.clone();
        let address = u.email.clone();
        delete_user(&sim, &mut world, &caller, &id).await;
        deleted.push(json!({ "email": address, "id": id }));
    }
    Ok(Json(json!({ "deletedUsers": deleted, "errors": errors })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RemoveRequest {
    replacement_owner_id: Option<String>,
    is_dry_run: Option<bool>,
    remove_from_descendants: Option<bool>,
}

pub(crate) async fn remove(
    State(sim): State<Arc<Sim>>,
    Path((enterprise_id, user_id)): Path<(String, String)>,
    caller: Caller,
    Body(body): Body<RemoveRequest>,
) -> JsonResult {
    let mut world = sim.world.write().await;
    caller.require_admin(&world, &enterprise_id, "enterprise.user:write")?;
    if user_id == caller.user_id {
        return Err(ApiError::forbidden(
            "You are not permitted to perform this operation on yourself",
        ));
    }
    let u = world
        .user(&user_id)
        .ok_or_else(ApiError::not_found)?
        .clone();
    let me = Principal::User(u.id.clone());
    let dry_run = body.is_dry_run.unwrap_or(false);
    let with_descendants = body.remove_from_descendants.unwrap_or(false);
    let mut scope = vec![enterprise_id.clone()];
    if with_descendants {
        scope.push(world.enterprise.id.clone());
        scope.extend(world.enterprise.descendants.iter().map(|d| d.id.clone()));
    }
    let in_scope = move |enterprise: &str| scope.iter().any(|e| e == enterprise);

    let mut unshared_workspaces = Vec::new();
    let mut sole_owned = Vec::new();
    for w in world
        .workspaces
        .values()
        .filter(|w| in_scope(&w.enterprise_id))
    {
        for g in w.grants.iter().filter(|g| g.principal == me) {
            unshared_workspaces.push(json!({
                "formerPermissionLevel": g.permission_level,
                "userId": u.id,
                "workspaceId": w.id,
                "workspaceName": w.name,
            }));
            let other_owner = w
                .grants
                .iter()
                .any(|o| o.principal != me && o.permission_level == "owner");
            if g.permission_level == "owner" && !other_owner {
                sole_owned.push(w.id.clone());
            }
        }
    }
    let mut unshared_bases = Vec::new();
    let mut unshared_interfaces = Vec::new();
    for b in world.bases.values() {
        let in_enterprise = world
            .workspaces
            .get(&b.workspace_id)
            .is_some_and(|w| in_scope(&w.enterprise_id));
        if !in_enterprise {
            continue;
        }
        for g in b.grants.iter().filter(|g| g.principal == me) {
            unshared_bases.push(json!({
                "baseId": b.id,
                "baseName": b.name,
                "formerPermissionLevel": g.permission_level,
                "userId": u.id,
            }));
        }
        for i in &b.interfaces {
            for g in i.grants.iter().filter(|g| g.principal == me) {
                unshared_interfaces.push(json!({
                    "baseId": b.id,
                    "formerPermissionLevel": g.permission_level,
                    "interfaceId": i.id,
                    "interfaceName": i.name,
                    "userId": u.id,
                }));
            }
        }
    }
    let replacement = match (&body.replacement_owner_id, sole_owned.is_empty()) {
        (_, true) => None,
        (None, false) => {
            return Err(ApiError::unprocessable(
                "REPLACEMENT_OWNER_REQUIRED",
                "The user is the sole owner of workspaces: specify replacementOwnerId",
            ))
        }
        (Some(r), false) => {
            if r == &u.id {
                return Err(ApiError::forbidden(
                    "The replacement owner cannot be the user being removed",
                ));
            }
            let Some(rep) = world.user(r) else {
                return Err(ApiError::not_found());
            };
            if rep.state != UserState::Provisioned {
                return Err(ApiError::forbidden(
                    "Replacement owner must have verified email",
                ));
            }
            Some(rep.id.clone())
        }
    };
    let shared_workspaces: Vec<Value> = replacement
        .iter()
        .flat_map(|r| {
            sole_owned
                .iter()
                .filter_map(|w| world.workspaces.get(w))
                .map(move |w| {
                    json!({
                        "permissionLevel": "owner",
                        "userId": r,
                        "workspaceId": w.id,
                        "workspaceName": w.name,
                    })
                })
        })
        .collect();
    let was_admin = u.is_admin;
    let reply = json!({
        "shared": { "workspaces": shared_workspaces },
        "unshared": {
            "bases": unshared_bases,
            "interfaces": unshared_interfaces,
            "workspaces": unshared_workspaces,
        },
        "wasUserRemovedAsAdmin": was_admin,
    });
    if dry_run {
        return Ok(Json(reply));
    }

    // Apply: the replacement becomes owner first, then every grant of the user goes.
    let now = Utc::now();
    if let Some(r) = &replacement {
        for wid in &sole_owned {
            if let Some(w) = world.workspaces.get_mut(wid) {
                let rp = Principal::User(r.clone());
                match w.grants.iter_mut().find(|g| g.principal == rp) {
                    Some(g) => g.permission_level = "owner".into(),
                    None => w.grants.push(crate::state::Grant {
                        principal: rp,
                        permission_level: "owner".into(),
                        granted_by: caller.user_id.clone(),
                        created_time: now,
                    }),
                }
            }
        }
    }
    let mut events = Vec::new();
    for entry in reply["unshared"]["workspaces"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let wid = entry["workspaceId"].as_str().unwrap_or_default();
        events.push(
            NewEvent::new("removeWorkspaceCollaborator", "baseCollaboration", "workspace", wid)
                .workspace(wid)
                .payload(json!({ "user": { "id": u.id, "email": u.email }, "permissionLevel": entry["formerPermissionLevel"] })),
        );
    }
    for entry in reply["unshared"]["bases"].as_array().into_iter().flatten() {
        let bid = entry["baseId"].as_str().unwrap_or_default();
        let wid = world
            .bases
            .get(bid)
            .map(|b| b.workspace_id.clone())
            .unwrap_or_default();
        events.push(
            NewEvent::new("removeBaseCollaborator", "baseCollaboration", "base", bid)
                .workspace(wid)
                .base(bid)
                .payload(json!({ "user": { "id": u.id, "email": u.email }, "permissionLevel": entry["formerPermissionLevel"] })),
        );
    }
    for g in world
        .groups
        .values()
        .filter(|g| in_scope(&g.enterprise_id) && g.members.iter().any(|m| m.user_id == u.id))
    {
        events.push(
            NewEvent::new("removeGroupMember", "groups", "group", &g.id).payload(json!({
                "group": { "id": g.id, "name": g.name },
                "user": { "id": u.id, "email": u.email },
            })),
        );
    }
    for w in world
        .workspaces
        .values_mut()
        .filter(|w| in_scope(&w.enterprise_id))
    {
        w.grants.retain(|g| g.principal != me);
    }
    let scoped_bases: Vec<String> = world
        .bases
        .values()
        .filter(|b| {
            world
                .workspaces
                .get(&b.workspace_id)
                .is_some_and(|w| in_scope(&w.enterprise_id))
        })
        .map(|b| b.id.clone())
        .collect();
    for bid in scoped_bases {
        if let Some(b) = world.bases.get_mut(&bid) {
            b.grants.retain(|g| g.principal != me);
            for i in &mut b.interfaces {
                i.grants.retain(|g| g.principal != me);
            }
        }
    }
    let scoped_groups: Vec<String> = world
        .groups
        .values()
        .filter(|g| in_scope(&g.enterprise_id))
        .map(|g| g.id.clone())
        .collect();
    for gid in scoped_groups {
        if let Some(g) = world.groups.get_mut(&gid) {
            g.members.retain(|m| m.user_id != u.id);
        }
    }
    if let Some(user) = world.users.get_mut(&u.id) {
        user.is_admin = false;
        user.is_super_admin = false;
    }
    if was_admin {
        events.push(user_event("revokeAdminAccess", "role", &u));
    }
    for e in events {
        record(&mut world, &caller, e);
    }
    Ok(Json(reply))
}

#[derive(Debug, Deserialize)]
pub(crate) struct Who {
    id: Option<String>,
    email: Option<String>,
    state: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WhoList {
    users: Vec<Who>,
}

/// Finds the user an entry names (`id` wins over `email`), or the error entry to report.
fn resolve<'w>(world: &'w World, who: &Who) -> Result<&'w User, Value> {
    match (&who.id, &who.email) {
        (Some(id), _) => world.user(id).ok_or_else(
            || json!({ "id": id, "message": "User not found", "type": "USER_ID_NOT_FOUND" }),
        ),
        (None, Some(email)) => world.user_by_email(email).ok_or_else(
            || json!({ "email": email, "message": "User not found", "type": "NOT_FOUND" }),
        ),
        (None, None) => Err(json!({ "message": "Specify id or email", "type": "INVALID_REQUEST" })),
    }
}

/// An error entry of a batch: Airtable's error type and message.
type Refusal = (&'static str, &'static str);

const NOT_A_MEMBER: Refusal = (
    "USER_NOT_MEMBER_OF_ENTERPRISE_ACCOUNT",
    "User is not a member of this enterprise account or has an email not associated with this enterprise account",
);
const ON_SELF: Refusal = ("INVALID_PERMISSIONS", "Cannot perform action on self");

/// Why `u` may not be made managed (`managed`) or unmanaged, if they may not.
fn claim_refused(world: &World, caller: &Caller, u: &User, managed: bool) -> Option<Refusal> {
    if u.is_external || !world.is_claimed_domain(&u.email) {
        return Some(NOT_A_MEMBER);
    }
    if u.id == caller.user_id && !managed {
        return Some(ON_SELF);
    }
    None
}

/// Why admin access may not be granted (`grant`) to or revoked from `u`, if it may not.
fn admin_access_refused(caller: &Caller, u: &User, grant: bool) -> Option<Refusal> {
    if u.is_external {
        return Some(NOT_A_MEMBER);
    }
    if grant && u.is_admin {
        return Some(("USER_ALREADY_ADMIN", "User is already an admin"));
    }
    if !grant && !u.is_admin {
        return Some(("USER_NOT_ASSIGNED_ADMIN", "User is not an assigned admin"));
    }
    if !grant && u.id == caller.user_id {
        return Some(ON_SELF);
    }
    None
}

fn error_for(who: &Who, (kind, message): Refusal) -> Value {
    let mut e = match (&who.id, &who.email) {
        (Some(id), _) => json!({ "id": id }),
        (None, Some(email)) => json!({ "email": email }),
        _ => json!({}),
    };
    e["message"] = json!(message);
    e["type"] = json!(kind);
    e
}

pub(crate) async fn claim(
    State(sim): State<Arc<Sim>>,
    Path(enterprise_id): Path<String>,
    caller: Caller,
    Body(body): Body<WhoList>,
) -> JsonResult {
    let mut world = sim.world.write().await;
    caller.require_admin(&world, &enterprise_id, "enterprise.user:write")?;
    let mut errors = Vec::new();
    for who in &body.users {
        let managed = match who.state.as_deref() {
            Some("managed") => true,
            Some("unmanaged") => false,
            _ => {
                let refusal = ("INVALID_REQUEST", "state must be managed or unmanaged");
                errors.push(error_for(who, refusal));
                continue;
            }
        };
        let u = match resolve(&world, who) {
            Ok(u) => u.clone(),
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if let Some(refusal) = claim_refused(&world, &caller, &u, managed) {
            errors.push(error_for(who, refusal));
            continue;
        }
        if u.is_managed == managed {
            continue;
        }
        if let Some(user) = world.users.get_mut(&u.id) {
            user.is_managed = managed;
        }
        let action = if managed { "claimUser" } else { "unclaimUser" };
        record(&mut world, &caller, user_event(action, "user", &u));
    }
    Ok(Json(json!({ "errors": errors })))
}

async fn admin_access(
    sim: &Sim,
    enterprise_id: &str,
    caller: &Caller,
    body: &WhoList,
    grant: bool,
) -> JsonResult {
    let mut world = sim.world.write().await;
    caller.require_admin(&world, enterprise_id, "enterprise.user:write")?;
    let mut errors = Vec::new();
    for who in &body.users {
        let u = match resolve(&world, who) {
            Ok(u) => u.clone(),
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if let Some(refusal) = admin_access_refused(caller, &u, grant) {
            errors.push(error_for(who, refusal));
            continue;
        }
        if let Some(user) = world.users.get_mut(&u.id) {
            user.is_admin = grant;
            if !grant {
                user.is_super_admin = false;
            }
        }
        let action = if grant {
            "grantAdminAccess"
        } else {
            "revokeAdminAccess"
        };
        record(&mut world, caller, user_event(action, "role", &u));
    }
    Ok(Json(json!({ "errors": errors })))
}

pub(crate) async fn grant_admin(
    State(sim): State<Arc<Sim>>,
    Path(enterprise_id): Path<String>,
    caller: Caller,
    Body(body): Body<WhoList>,
) -> JsonResult {
    admin_access(&sim, &enterprise_id, &caller, &body, true).await
}

pub(crate) async fn revoke_admin(
    State(sim): State<Arc<Sim>>,
    Path(enterprise_id): Path<String>,
    caller: Caller,
    Body(body): Body<WhoList>,
) -> JsonResult {
    admin_access(&sim, &enterprise_id, &caller, &body, false).await
}
