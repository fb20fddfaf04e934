//! The simulator's state rendered exactly in Airtable's response shapes
//! (see ../shared/fixtures/airtable for the real samples these follow).

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use crate::state::*;

pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Which optional parts a user reply carries (`include=`).
#[derive(Clone, Copy, Debug, Default)]
pub struct UserIncludes {
    pub collaborations: bool,
    pub aggregated: bool,
    pub descendants: bool,
}

fn ids_of(world: &World, enterprise_id: &str) -> Value {
    json!({
        "groupIds": world.group_ids_of(enterprise_id),
        "userIds": world.user_ids_of(enterprise_id),
        "workspaceIds": world.workspace_ids_of(enterprise_id),
    })
}

pub fn enterprise(
    world: &World,
    enterprise_id: &str,
    aggregated: bool,
    descendants: bool,
) -> Value {
    let ent = &world.enterprise;
    let is_root = enterprise_id == ent.id;
    let created = if is_root {
        ent.created_time
    } else {
        ent.descendants
            .iter()
            .find(|d| d.id == enterprise_id)
            .map(|d| d.created_time)
            .unwrap_or(ent.created_time)
    };
    let mut out = json!({
        "createdTime": time(created),
        "descendantEnterpriseAccountIds": if is_root {
            ent.descendants.iter().map(|d| d.id.clone()).collect::<Vec<_>>()
        } else {
            Vec::new()
        },
        "emailDomains": ent.email_domains.iter().map(|d| json!({
            "emailDomain": d.domain,
            "isSsoRequired": d.is_sso_required,
        })).collect::<Vec<_>>(),
        "id": enterprise_id,
        "rootEnterpriseAccountId": ent.id,
    });
    let own = ids_of(world, enterprise_id);
    merge(&mut out, &own);
    if aggregated {
        let mut all = vec![own];
        if is_root {
            all.extend(ent.descendants.iter().map(|d| ids_of(world, &d.id)));
        }
        let mut agg = json!({ "groupIds": [], "userIds": [], "workspaceIds": [] });
        for key in ["groupIds", "userIds", "workspaceIds"] {
            let mut seen = std::collections::HashSet::new();
            let mut list = Vec::new();
            for ids in &all {
                for id in ids[key].as_array().into_iter().flatten() {
                    if let Some(s) = id.as_str() {
                        if seen.insert(s.to_string()) {
                            list.push(json!(s));
                        }
                    }
                }
            }
            agg[key] = Value::Array(list);
        }
        out["aggregated"] = agg;
    }
    if descendants {
        let mut map = Map::new();
        if is_root {
            for d in &ent.descendants {
                map.insert(d.id.clone(), ids_of(world, &d.id));
            }
        }
        out["descendants"] = Value::Object(map);
    }
    out
}

pub fn user(world: &World, u: &User, include: UserIncludes) -> Value {
    let mut out = Map::new();
    let collaborations = collaborations_of(world, &Principal::User(u.id.clone()));
    if include.collaborations {
        out.insert("collaborations".into(), collaborations.clone());
    }
    if !u.is_external {
        out.insert("createdTime".into(), json!(time(u.created_time)));
    }
    out.insert("email".into(), json!(u.email));
    let groups: Vec<Value> = world
        .groups_of(&u.id)
        .iter()
        .map(|g| json!({ "id": g.id }))
        .collect();
    if !u.is_external {
        out.insert("groups".into(), json!(groups));
    }
    out.insert("id".into(), json!(u.id));
    // Only returned when the inviter or the user is internal.
    let inviter_internal = u
        .invited_by
        .as_ref()
        .and_then(|id| world.user(id))
        .is_some_and(|i| !i.is_external);
    if !u.is_external || inviter_internal {
        out.insert("invitedToAirtableByUserId".into(), json!(u.invited_by));
    }
    if !u.is_external {
        out.insert("isAdmin".into(), json!(u.is_admin));
        out.insert("isManaged".into(), json!(u.is_managed));
    }
    out.insert("isServiceAccount".into(), json!(u.is_service_account));
    out.insert("isSsoRequired".into(), json!(u.is_sso_required));
    if !u.is_external {
        // Enterprise Hub is enabled in the simulator (it has descendants).
        out.insert("isSuperAdmin".into(), json!(u.is_super_admin));
    }
    out.insert(
        "isTwoFactorAuthEnabled".into(),
        json!(u.is_two_factor_auth_enabled),
    );
    out.insert(
        "lastActivityTime".into(),
        json!(u.last_activity_time.map(time)),
    );
    out.insert("name".into(), json!(u.name()));
    out.insert("state".into(), json!(u.state.as_str()));
    if include.aggregated && !u.is_external {
        out.insert(
            "aggregated".into(),
            json!({
                "collaborations": collaborations,
                "groups": groups,
                "isAdmin": u.is_admin,
                "isManaged": u.is_managed,
                "isSsoRequired": u.is_sso_required,
                "isTwoFactorAuthEnabled": u.is_two_factor_auth_enabled,
                "lastActivityTime": u.last_activity_time.map(time),
            }),
        );
    }
    if include.descendants && !u.is_external {
        out.insert("descendants".into(), json!({}));
    }
    Value::Object(out)
}

pub fn collaborations_of(world: &World, who: &Principal) -> Value {
    let mut workspaces = Vec::new();
    for w in world.workspaces.values() {
        for g in w.grants.iter().filter(|g| &g.principal == who) {
            workspaces.push(grant_json(g, json!({ "workspaceId": w.id })));
        }
    }
    let mut bases = Vec::new();
    let mut interfaces = Vec::new();
    for b in world.bases.values() {
        for g in b.grants.iter().filter(|g| &g.principal == who) {
            bases.push(grant_json(g, json!({ "baseId": b.id })));
        }
        for i in &b.interfaces {
            for g in i.grants.iter().filter(|g| &g.principal == who) {
                let on = json!({ "baseId": b.id, "interfaceId": i.id });
                interfaces.push(grant_json(g, on));
            }
        }
    }
    json!({
        "baseCollaborations": bases,
        "interfaceCollaborations": interfaces,
        "workspaceCollaborations": workspaces,
    })
}

pub fn group(world: &World, g: &Group, with_collaborations: bool) -> Value {
    let members: Vec<Value> = g
        .members
        .iter()
        .filter_map(|m| {
            let u = world.user(&m.user_id)?;
            Some(json!({
                "createdTime": time(m.created_time),
                "email": u.email,
                "firstName": u.first_name,
                "lastName": u.last_name,
                "role": m.role,
                "userId": u.id,
            }))
        })
        .collect();
    let mut out = json!({
        "createdTime": time(g.created_time),
        "enterpriseAccountId": g.enterprise_id,
        "id": g.id,
        "mappedUserLicenseType": g.mapped_user_license_type,
        "members": members,
        "name": g.name,
        "updatedTime": time(g.updated_time),
    });
    if with_collaborations {
        out["collaborations"] = collaborations_of(world, &Principal::Group(g.id.clone()));
    }
    out
}

/// An individual collaborator (`userId`, `email`), optionally with the base it is on.
fn user_grant(world: &World, g: &Grant, base_id: Option<&str>) -> Option<Value> {
    let Principal::User(id) = &g.principal else {
        return None;
    };
    let u = world.user(id)?;
    let who = json!({ "email": u.email, "userId": u.id });
    Some(with_base_id(grant_json(g, who), base_id))
}

/// A group collaborator (`groupId`, `name`), optionally with the base it is on.
fn group_grant(world: &World, g: &Grant, base_id: Option<&str>) -> Option<Value> {
    let Principal::Group(id) = &g.principal else {
        return None;
    };
    let group = world.groups.get(id)?;
    let who = json!({ "groupId": group.id, "name": group.name });
    Some(with_base_id(grant_json(g, who), base_id))
}

/// The grant `g` as Airtable lists it: `what` (whose or on what) with when, by whom and at
/// what level it was given.
fn grant_json(g: &Grant, mut what: Value) -> Value {
    what["createdTime"] = json!(time(g.created_time));
    what["grantedByUserId"] = json!(g.granted_by);
    what["permissionLevel"] = json!(g.permission_level);
    what
}

/// `v` with the base it is on, for what a workspace lists from one of its bases.
fn with_base_id(mut v: Value, base_id: Option<&str>) -> Value {
    if let Some(base_id) = base_id {
        v["baseId"] = json!(base_id);
    }
    v
}

pub fn invite(i: &InviteLink, base_id: Option<&str>) -> Value {
    let v = json!({
        "createdTime": time(i.created_time),
        "id": i.id,
        "invitedEmail": i.invited_email,
        "permissionLevel": i.permission_level,
        "referredByUserId": i.referred_by,
        "restrictedToEmailDomains": i.restricted_to_email_domains,
        "type": i.kind,
    });
    with_base_id(v, base_id)
}

/// Who may create invites and shares in the workspace `w`.
pub fn workspace_restrictions(w: &Workspace) -> Value {
    json!({
        "inviteCreationRestriction": w.invite_creation_restriction,
        "shareCreationRestriction": w.share_creation_restriction,
    })
}

pub fn workspace(world: &World, w: &Workspace, collaborators: bool, invite_links: bool) -> Value {
    let mut out = json!({
        "baseIds": w.base_ids,
        "createdTime": time(w.created_time),
        "id": w.id,
        "name": w.name,
        "workspaceRestrictions": workspace_restrictions(w),
    });
    let bases: Vec<&Base> = w
        .base_ids
        .iter()
        .filter_map(|id| world.bases.get(id))
        .collect();
    if collaborators {
        let individual = json!({
            "baseCollaborators": bases.iter().flat_map(|b| b.grants.iter().filter_map(|g| user_grant(world, g, Some(&b.id)))).collect::<Vec<_>>(),
            "workspaceCollaborators": w.grants.iter().filter_map(|g| user_grant(world, g, None)).collect::<Vec<_>>(),
        });
        let groups = json!({
            "baseCollaborators": bases.iter().flat_map(|b| b.grants.iter().filter_map(|g| group_grant(world, g, Some(&b.id)))).collect::<Vec<_>>(),
            "workspaceCollaborators": w.grants.iter().filter_map(|g| group_grant(world, g, None)).collect::<Vec<_>>(),
        });
        out["collaborators"] = individual.clone();
        out["individualCollaborators"] = individual;
        out["groupCollaborators"] = groups;
    }
    if invite_links {
        out["inviteLinks"] = json!({
            "baseInviteLinks": bases.iter().flat_map(|b| b.invites.iter().map(|i| invite(i, Some(&b.id)))).collect::<Vec<_>>(),
            "workspaceInviteLinks": w.invites.iter().map(|i| invite(i, None)).collect::<Vec<_>>(),
        });
    }
    out
}

#[derive(Clone, Copy, Debug, Default)]
pub struct BaseIncludes {
    pub collaborators: bool,
    pub invite_links: bool,
    pub interfaces: bool,
    pub packages: bool,
}

/// The permission level `user_id` holds on a base ("none" for an admin who is not on it).
pub fn permission_on_base(world: &World, b: &Base, user_id: &str) -> String {
    let groups: Vec<String> = world
        .groups_of(user_id)
        .iter()
        .map(|g| g.id.clone())
        .collect();
    permission_with_groups(world, b, user_id, &groups)
}

/// As `permission_on_base`, with the user's groups already known (for lists).
pub fn permission_with_groups(world: &World, b: &Base, user_id: &str, groups: &[String]) -> String {
    const ORDER: &[&str] = &["none", "read", "comment", "edit", "create", "owner"];
    let rank = |l: &str| ORDER.iter().position(|x| *x == l).unwrap_or(0);
    let holds = |p: &Principal| match p {
        Principal::User(id) => id == user_id,
        Principal::Group(id) => groups.contains(id),
    };
    let ws = world.workspaces.get(&b.workspace_id);
    b.grants
        .iter()
        .chain(ws.into_iter().flat_map(|w| w.grants.iter()))
        .filter(|g| holds(&g.principal))
        .map(|g| g.permission_level.as_str())
        .max_by_key(|l| rank(l))
        .unwrap_or("none")
        .to_string()
}

pub fn interface(world: &World, i: &Interface) -> Value {
    json!({
        "createdTime": time(i.created_time),
        "firstPublishTime": i.first_publish_time.map(time),
        "groupCollaborators": i.grants.iter().filter_map(|g| group_grant(world, g, None)).collect::<Vec<_>>(),
        "id": i.id,
        "individualCollaborators": i.grants.iter().filter_map(|g| user_grant(world, g, None)).collect::<Vec<_>>(),
        "inviteLinks": i.invites.iter().map(|x| invite(x, None)).collect::<Vec<_>>(),
        "name": i.name,
    })
}

pub fn base(world: &World, b: &Base, caller: &str, include: BaseIncludes) -> Value {
    let ws = world.workspaces.get(&b.workspace_id);
    let mut out = json!({
        "createdTime": time(b.created_time),
        "id": b.id,
        "name": b.name,
        "permissionLevel": permission_on_base(world, b, caller),
        "workspaceId": b.workspace_id,
    });
    if include.collaborators {
        let ws_grants: Vec<&Grant> = ws.map(|w| w.grants.iter().collect()).unwrap_or_default();
        let individual = json!({
            "baseCollaborators": b.grants.iter().filter_map(|g| user_grant(world, g, None)).collect::<Vec<_>>(),
            "workspaceCollaborators": ws_grants.iter().filter_map(|g| user_grant(world, g, None)).collect::<Vec<_>>(),
        });
        out["collaborators"] = individual.clone();
        out["individualCollaborators"] = individual;
        out["groupCollaborators"] = json!({
            "baseCollaborators": b.grants.iter().filter_map(|g| group_grant(world, g, None)).collect::<Vec<_>>(),
            "workspaceCollaborators": ws_grants.iter().filter_map(|g| group_grant(world, g, None)).collect::<Vec<_>>(),
        });
    }
    if include.interfaces {
        let mut map = Map::new();
        for i in &b.interfaces {
            map.insert(i.id.clone(), interface(world, i));
        }
        out["interfaces"] = Value::Object(map);
    }
    if include.invite_links {
        out["inviteLinks"] = json!({
            "baseInviteLinks": b.invites.iter().map(|i| invite(i, None)).collect::<Vec<_>>(),
            "workspaceInviteLinks": ws.map(|w| w.invites.iter().map(|i| invite(i, None)).collect::<Vec<_>>()).unwrap_or_default(),
        });
    }
    if include.packages {
        out["packageInstallations"] = json!(b
            .package_installations
            .iter()
            .map(|p| json!({
                "id": p.id,
                "installationType": p.installation_type,
                "packageId": p.package_id,
                "packageReleaseId": p.package_release_id,
            }))
            .collect::<Vec<_>>());
    }
    out
}

pub fn share(s: &Share, effective_domains: &[String]) -> Value {
    let mut v = json!({
        "createdByUserId": s.created_by,
        "createdTime": time(s.created_time),
        "isPasswordProtected": s.is_password_protected,
        "restrictedToEmailDomains": s.restricted_to_email_domains,
        "restrictedToEnterpriseMembers": s.restricted_to_enterprise_members,
        "shareId": s.id,
        "shareTokenPrefix": s.id.chars().take(8).collect::<String>(),
        "state": s.state,
        "type": s.kind,
    });
    if !s.restricted_to_email_domains.is_empty() {
        v["effectiveEmailDomainAllowList"] = json!(effective_domains);
    }
    if let Some(view) = &s.view_id {
        v["viewId"] = json!(view);
        v["canBeSynced"] = json!(!s.is_password_protected);
    }
    if let Some(bli) = &s.block_installation_id {
        v["blockInstallationId"] = json!(bli);
    }
    v
}

pub fn block_installation(b: &BlockInstallation) -> Value {
    let mut v = json!({
        "blockId": b.block_id,
        "createdByUserId": b.created_by,
        "createdTime": time(b.created_time),
        "id": b.id,
        "state": b.state,
    });
    if let Some(slug) = b.block_slug {
        v["blockSlug"] = json!(slug);
    }
    v
}

pub fn package(world: &World, p: &Package) -> Value {
    json!({
        "createdByUserId": p.created_by,
        "createdTime": time(p.created_time),
        "description": p.description,
        "enterpriseAccountId": world.enterprise.id,
        "id": p.id,
        "installCount": p.install_count,
        "lastUpdatedByUserId": p.last_updated_by,
        "lastUpdatedTime": time(p.last_updated_time),
        "latestReleaseId": p.latest_release_id,
        "name": p.name,
        "sourceApplicationId": p.source_base_id,
        "tagline": p.tagline,
        "type": p.kind,
    })
}

pub fn personal_access_token(world: &World, t: &PersonalAccessToken) -> Value {
    json!({
        "createdByUserId": t.created_by,
        "createdTime": time(t.created_time),
        "id": t.id,
        "name": t.name,
        "resourceAccess": { "enterpriseAccountId": world.enterprise.id, "mode": "enterprise" },
        "scopes": t.scopes,
        "state": t.state,
        "userId": t.user_id,
    })
}

fn merge(into: &mut Value, from: &Value) {
    if let (Some(into), Some(from)) = (into.as_object_mut(), from.as_object()) {
        for (k, v) in from {
            into.insert(k.clone(), v.clone());
        }
    }
}
