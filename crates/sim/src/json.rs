//! The simulator's state rendered exactly in Airtable's response shapes
//! (see ../shared/fixtures/airtable for the real samples these follow).

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use crate::world::*;

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

pub fn enterprise(world: &World, aggregated: bool, descendants: bool) -> Value {
    let ent = world.enterprise();
    let ids = json!({
        "groupIds": world.groups.iter().map(|g| &g.id).collect::<Vec<_>>(),
        "userIds": world.enterprise_user_ids(),
        "workspaceIds": world.workspaces.iter().map(|w| &w.id).collect::<Vec<_>>(),
    });
    let mut out = json!({
        "createdTime": time(ent.created_time),
        "descendantEnterpriseAccountIds": [],
        "emailDomains": ent.email_domains.iter().map(|d| json!({
            "emailDomain": d.domain,
            "isSsoRequired": d.is_sso_required,
        })).collect::<Vec<_>>(),
        "id": ent.id,
        "rootEnterpriseAccountId": ent.id,
    });
    merge(&mut out, &ids);
    if aggregated {
        out["aggregated"] = ids.clone();
    }
    if descendants {
        out["descendants"] = json!({});
    }
    out
}

pub fn user(world: &World, u: &User, include: UserIncludes) -> Value {
    let groups: Vec<Value> = world
        .groups_of(&u.id)
        .iter()
        .map(|g| json!({ "id": g.id }))
        .collect();
    let mut out = json!({
        "email": u.email,
        "groups": groups,
        "id": u.id,
        "isAdmin": u.is_admin,
        "isManaged": u.is_managed,
        "isServiceAccount": u.is_service_account,
        "isSsoRequired": u.is_sso_required,
        "isSuperAdmin": u.is_super_admin,
        "isTwoFactorAuthEnabled": u.is_two_factor_auth_enabled,
        "lastActivityTime": u.last_activity_time.map(time),
        "name": u.name(),
        "state": u.state.as_str(),
    });
    if !u.is_external {
        out["createdTime"] = json!(time(u.created_time));
    }
    out["invitedToAirtableByUserId"] = json!(u.invited_by);
    let collaborations = collaborations_of(world, &Principal::User(u.id.clone()));
    if include.collaborations {
        out["collaborations"] = collaborations.clone();
    }
    if include.aggregated {
        out["aggregated"] = json!({
            "collaborations": collaborations,
            "groups": out["groups"].clone(),
            "isAdmin": u.is_admin,
            "isManaged": u.is_managed,
            "lastActivityTime": out["lastActivityTime"].clone(),
        });
    }
    if include.descendants {
        out["descendants"] = json!({});
    }
    out
}

pub fn collaborations_of(world: &World, who: &Principal) -> Value {
    let workspaces: Vec<Value> = world
        .workspaces
        .iter()
        .flat_map(|w| {
            w.grants
                .iter()
                .filter(|g| &g.principal == who)
                .map(move |g| (w, g))
        })
        .map(|(w, g)| {
            json!({
                "createdTime": time(g.created_time),
                "grantedByUserId": g.granted_by,
                "permissionLevel": g.permission_level,
                "workspaceId": w.id,
            })
        })
        .collect();
    let bases: Vec<Value> = world
        .bases
        .iter()
        .flat_map(|b| {
            b.grants
                .iter()
                .filter(|g| &g.principal == who)
                .map(move |g| (b, g))
        })
        .map(|(b, g)| {
            json!({
                "baseId": b.id,
                "createdTime": time(g.created_time),
                "grantedByUserId": g.granted_by,
                "permissionLevel": g.permission_level,
            })
        })
        .collect();
    json!({
        "baseCollaborations": bases,
        "interfaceCollaborations": [],
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
        "enterpriseAccountId": world.enterprise().id,
        "id": g.id,
        "mappedUserLicenseType": null,
        "members": members,
        "name": g.name,
        "updatedTime": time(g.updated_time),
    });
    if with_collaborations {
        out["collaborations"] = collaborations_of(world, &Principal::Group(g.id.clone()));
    }
    out
}

pub fn workspace(world: &World, w: &Workspace, collaborators: bool, invite_links: bool) -> Value {
    let mut out = json!({
        "baseIds": w.base_ids,
        "createdTime": time(w.created_time),
        "id": w.id,
        "name": w.name,
        "workspaceRestrictions": {
            "inviteCreationRestriction": w.invite_creation_restriction,
            "shareCreationRestriction": w.share_creation_restriction,
        },
    });
    if collaborators {
        let user_grant = |g: &Grant, base_id: Option<&str>| -> Option<Value> {
            let Principal::User(id) = &g.principal else {
                return None;
            };
            let u = world.user(id)?;
            let mut v = json!({
                "createdTime": time(g.created_time),
                "email": u.email,
                "grantedByUserId": g.granted_by,
                "permissionLevel": g.permission_level,
                "userId": u.id,
            });
            if let Some(base_id) = base_id {
                v["baseId"] = json!(base_id);
            }
            Some(v)
        };
        let group_grant = |g: &Grant, base_id: Option<&str>| -> Option<Value> {
            let Principal::Group(id) = &g.principal else {
                return None;
            };
            let group = world.group(id)?;
            let mut v = json!({
                "createdTime": time(g.created_time),
                "grantedByUserId": g.granted_by,
                "groupId": group.id,
                "name": group.name,
                "permissionLevel": g.permission_level,
            });
            if let Some(base_id) = base_id {
                v["baseId"] = json!(base_id);
            }
            Some(v)
        };
        let bases: Vec<&Base> = w.base_ids.iter().filter_map(|id| world.base(id)).collect();
        let individual = json!({
            "baseCollaborators": bases.iter().flat_map(|b| b.grants.iter().filter_map(|g| user_grant(g, Some(&b.id)))).collect::<Vec<_>>(),
            "workspaceCollaborators": w.grants.iter().filter_map(|g| user_grant(g, None)).collect::<Vec<_>>(),
        });
        let groups = json!({
            "baseCollaborators": bases.iter().flat_map(|b| b.grants.iter().filter_map(|g| group_grant(g, Some(&b.id)))).collect::<Vec<_>>(),
            "workspaceCollaborators": w.grants.iter().filter_map(|g| group_grant(g, None)).collect::<Vec<_>>(),
        });
        out["collaborators"] = individual.clone();
        out["individualCollaborators"] = individual;
        out["groupCollaborators"] = groups;
    }
    if invite_links {
        out["inviteLinks"] = json!({ "baseInviteLinks": [], "workspaceInviteLinks": [] });
    }
    out
}

fn merge(into: &mut Value, from: &Value) {
    if let (Some(into), Some(from)) = (into.as_object_mut(), from.as_object()) {
        let from: &Map<String, Value> = from;
        for (k, v) in from {
            into.insert(k.clone(), v.clone());
        }
    }
}
