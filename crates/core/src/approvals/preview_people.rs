//! Previews of actions on a person (delete, remove from the enterprise, deactivate, admin
//! access): where they have access, what they alone own, and what Airtable would refuse for
//! them (an outside collaborator, a workspace left without an owner).

use std::collections::BTreeMap;

use airtable_client::{
    ids::{BaseId, EnterpriseId, UserId},
    models::{Base, User, UserState, Workspace},
    Client, Error,
};
use console_types::approvals::{Preview, RiskyAction};

use super::reading::*;

pub(super) fn is_owner(level: &airtable_client::models::PermissionLevel) -> bool {
    level.as_str() == "owner"
}

/// "A (wsp…), B (wsp…) and C (wsp…)".
pub(super) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The enterprise's email domains, lower-cased.
pub(super) async fn email_domains(
    airtable: &Client,
    enterprise: &EnterpriseId,
) -> Result<Vec<String>, Error> {
    let info = airtable.enterprise(enterprise).get().send().await?;
    Ok(info
        .email_domains
        .iter()
        .map(|d| d.email_domain.to_lowercase())
        .collect())
}

/// The domain of `email` when it is outside the enterprise's domains (an external
/// collaborator). With no domain known, nobody is called external.
pub(super) fn outside_domain(email: &str, domains: &[String]) -> Option<String> {
    let domain = email.rsplit_once('@').map(|(_, d)| d.to_lowercase())?;
    (!domains.is_empty() && !domains.contains(&domain)).then_some(domain)
}

/// What Airtable lets the console do for someone outside the enterprise's domains.
pub(super) const EXTERNAL_CAN: &str =
    "remove them from the enterprise's workspaces, bases and interfaces \
     (\"Remove from the enterprise\" on their page), which ends every access they have here";

/// A user: who they are, their groups and access (by name), the workspaces and bases where
/// they are the only owner, and, for `action`, what Airtable will and will not do.
pub(super) async fn user_preview_for(
    airtable: &Client,
    enterprise: &EnterpriseId,
    user: &UserId,
    action: Option<&RiskyAction>,
) -> Result<Preview, Error> {
    let u: User = airtable
        .enterprise(enterprise)
        .user(user)
        .get()
        .include_collaborations()
        .send()
        .await?;
    let domains = email_domains(airtable, enterprise).await?;
    let label = person(&u.name, &u.email, u.id.as_str());
    let collaborations = u.collaborations.clone().unwrap_or_default();
    let groups = read_groups(airtable, u.groups.iter().flatten().map(|g| g.id.clone())).await?;
    let workspaces: Vec<(
        airtable_client::models::WorkspaceCollaboration,
        Option<Workspace>,
    )> = each(
        collaborations.workspace_collaborations.clone(),
        |c| async move {
            let w = found(
                airtable
                    .workspace(&c.workspace_id)
                    .get()
                    .include_collaborators()
                    .send()
                    .await,
            )?;
            Ok((c, w))
        },
    )
    .await?;
    let mut base_ids: Vec<BaseId> = collaborations
        .base_collaborations
        .iter()
        .map(|c| c.base_id.clone())
        .chain(
            collaborations
                .interface_collaborations
                .iter()
                .map(|c| c.base_id.clone()),
        )
        .collect();
    base_ids.sort();
    base_ids.dedup();
    let bases: BTreeMap<BaseId, Base> = each(base_ids, |id| async move {
        found(
            airtable
                .base(&id)
                .get()
                .include_collaborators()
                .include_interfaces()
                .send()
                .await,
        )
    })
    .await?
    .into_iter()
    .flatten()
    .map(|b| (b.id.clone(), b))
    .collect();
    let base_label = |id: &BaseId| {
        bases
            .get(id)
            .map_or_else(|| id.to_string(), |b| named(&b.name, id.as_str()))
    };

    // The only owner: nobody else (no other user, no group) holds "owner" there. For a
    // base, owners of its workspace own it too.
    let mut sole_workspaces = Vec::new();
    let mut sole_shared_workspaces = Vec::new();
    for (c, w) in &workspaces {
        let Some(w) = w else { continue };
        if !is_owner(&c.permission_level) {
            continue;
        }
        let users = level(w.individual(), false);
        let groups = level(w.group_collaborators.as_ref(), false);
        let other_owner = users
            .iter()
            .any(|x| &x.user_id != user && is_owner(&x.permission_level))
            || groups.iter().any(|g| is_owner(&g.permission_level));
        if !other_owner {
            let name = named(&w.name, w.id.as_str());
            if users.len() + groups.len() > 1 {
                sole_shared_workspaces.push(name.clone());
            }
            sole_workspaces.push(name);
        }
    }
    let mut sole_bases = Vec::new();
    for c in &collaborations.base_collaborations {
        let Some(b) = bases.get(&c.base_id) else {
            continue;
        };
        if !is_owner(&c.permission_level) {
            continue;
        }
        let users = [level(b.individual(), true), level(b.individual(), false)];
        let groups = [
            level(b.group_collaborators.as_ref(), true),
            level(b.group_collaborators.as_ref(), false),
        ];
        let other_owner = users
            .iter()
            .flat_map(|s| s.iter())
            .any(|x| &x.user_id != user && is_owner(&x.permission_level))
            || groups
                .iter()
                .flat_map(|s| s.iter())
                .any(|g| is_owner(&g.permission_level));
        if !other_owner {
            sole_bases.push(named(&b.name, b.id.as_str()));
        }
    }
    sole_workspaces.sort();
    sole_bases.sort();

    let mut facts = vec![
        fact("User", label.clone()),
        fact("State", state_word(&u.state)),
        fact("Admin", yes_no(u.is_admin)),
        fact("Super admin", yes_no(u.is_super_admin)),
        fact("Managed", yes_no(u.is_managed)),
    ];
    let external = outside_domain(&u.email, &domains);
    match &external {
        Some(domain) => facts.push(fact(
            "Email domain",
            format!(
                "{domain}, outside the enterprise's domains ({}): an external collaborator",
                domains.join(", ")
            ),
        )),
        None if !domains.is_empty() => {
            facts.push(fact("Email domain", "one of the enterprise's domains"))
        }
        None => {}
    }
    let owned = {
        let mut parts = Vec::new();
        if !sole_workspaces.is_empty() {
            parts.push(plural(sole_workspaces.len(), "workspace", "workspaces"));
        }
        if !sole_bases.is_empty() {
            parts.push(plural(sole_bases.len(), "base", "bases"));
        }
        and_list(&parts)
    };
    if !owned.is_empty() {
        facts.push(fact(
            "Only owner of",
            format!(
                "{owned}: {}",
                and_list(&[sole_workspaces.clone(), sole_bases.clone()].concat())
            ),
        ));
    }

    let mut refused = None;
    if let Some(action) = action {
        let kind = action.kind();
        let changes_account = matches!(
            action,
            RiskyAction::DeleteUser { .. }
                | RiskyAction::DeactivateUser { .. }
                | RiskyAction::RevokeAdminAccess { .. }
                | RiskyAction::GrantAdminAccess { .. }
        );
        if let Some(domain) = &external {
            facts.push(fact("Airtable allows", EXTERNAL_CAN));
            facts.push(fact(
                "Airtable refuses",
                "to deactivate, delete or change the admin access of someone outside the enterprise's email domains",
            ));
            if changes_account {
                refused = Some(format!(
                    "{label} is an external collaborator: their email domain ({domain}) is not one of the enterprise's ({}), and Airtable refuses to {} someone outside them. What can be done: {EXTERNAL_CAN}.",
                    domains.join(", "),
                    match action {
                        RiskyAction::DeleteUser { .. } => "delete",
                        RiskyAction::DeactivateUser { .. } => "deactivate",
                        _ => "change the admin access of",
                    }
                ));
            }
        } else if u.is_managed == Some(false)
            && matches!(
                action,
                RiskyAction::DeleteUser { .. } | RiskyAction::DeactivateUser { .. }
            )
        {
            refused = Some(format!(
                "The enterprise does not manage {label}'s account, and Airtable deactivates or deletes only managed accounts. What can be done: claim them as a managed user first (on their page), or remove them from the enterprise's workspaces, bases and interfaces."
            ));
        }
        if refused.is_none() {
            refused = match action {
                RiskyAction::RevokeAdminAccess { .. } if u.is_admin != Some(true) => Some(format!(
                    "{label} is not an enterprise admin: there is no admin access to revoke."
                )),
                RiskyAction::GrantAdminAccess { .. } if u.is_admin == Some(true) => {
                    Some(format!("{label} is already an enterprise admin."))
                }
                RiskyAction::DeleteUser { .. } if !sole_shared_workspaces.is_empty() => {
                    Some(format!(
                        "{label} is the only owner of {}, which others use, and Airtable refuses to delete the only owner of such a workspace. What can be done: make someone else an owner there first, or remove {label} from the enterprise with a replacement owner who takes these workspaces over.",
                        and_list(&sole_shared_workspaces)
                    ))
                }
                RiskyAction::RemoveUserFromEnterprise {
                    replacement_owner: None,
                    ..
                } if !sole_workspaces.is_empty() => Some(format!(
                    "Removing {label} would leave {} without an owner: choose a replacement owner who takes {} over.",
                    and_list(&sole_workspaces),
                    if sole_workspaces.len() == 1 {
                        "it"
                    } else {
                        "them"
                    }
                )),
                _ => None,
            };
        }
        if let RiskyAction::RemoveUserFromEnterprise {
            replacement_owner: Some(owner),
            ..
        } = action
        {
            match found(
                airtable
                    .enterprise(enterprise)
                    .user(owner)
                    .get()
                    .send()
                    .await,
            )? {
                None => {
                    refused.get_or_insert_with(|| {
                        format!("The replacement owner {owner} is not a user of the enterprise: choose another.")
                    });
                }
                Some(r) => {
                    let name = person(&r.name, &r.email, r.id.as_str());
                    if r.state != UserState::Provisioned {
                        refused.get_or_insert_with(|| {
                            format!(
                                "The replacement owner {name} is {}: choose an active user.",
                                state_word(&r.state)
                            )
                        });
                    }
                    facts.push(fact("Replacement owner", name));
                }
            }
        }
        // What happens to what they alone own, in words, for the actions that keep going.
        if !owned.is_empty() && refused.is_none() {
            let all = and_list(&[sole_workspaces.clone(), sole_bases.clone()].concat());
            let warning = match action {
                RiskyAction::DeleteUser { .. } => Some(format!(
                    "deleting them leaves {all} with no owner: nobody can manage who has access until an admin makes someone else owner"
                )),
                RiskyAction::DeactivateUser { .. } => Some(format!(
                    "deactivating them leaves {all} with a deactivated owner: nobody can manage who has access until an admin makes someone else owner"
                )),
                RiskyAction::RemoveUserFromEnterprise { .. } if sole_workspaces.is_empty() => {
                    Some(format!("removing them leaves {all} with no owner"))
                }
                RiskyAction::RemoveUserFromEnterprise { .. } => Some(format!(
                    "the replacement owner takes over {}{}",
                    and_list(&sole_workspaces),
                    if sole_bases.is_empty() {
                        String::new()
                    } else {
                        format!("; {} would be left with no owner", and_list(&sole_bases))
                    }
                )),
                _ => None,
            };
            if let Some(warning) = warning {
                facts.push(fact("Warning", warning));
            }
        }
        if let Some(why) = &refused {
            facts.push(fact("Airtable will refuse this", why.clone()));
        }
        tracing::debug!(kind, refused = refused.is_some(), "user preview");
    }

    let interface_label = |base: &BaseId, interface: &airtable_client::ids::InterfaceId| {
        let name = bases
            .get(base)
            .and_then(|b| b.interfaces.as_ref())
            .and_then(|m| m.get(interface))
            .map_or_else(
                || interface.to_string(),
                |i| named(&i.name, interface.as_str()),
            );
        format!("{name} in {}", base_label(base))
    };
    Ok(Preview {
        target_exists: true,
        facts,
        lists: vec![
            list(
                "Groups",
                u.groups
                    .iter()
                    .flatten()
                    .map(|g| {
                        groups.get(&g.id).map_or_else(
                            || g.id.to_string(),
                            |found| named(&found.name, g.id.as_str()),
                        )
                    })
                    .collect(),
            ),
            list(
                "Workspace access",
                workspaces
                    .iter()
                    .map(|(c, w)| {
                        let name = w.as_ref().map_or_else(
                            || c.workspace_id.to_string(),
                            |w| named(&w.name, w.id.as_str()),
                        );
                        format!("{name}: {}", c.permission_level.as_str())
                    })
                    .collect(),
            ),
            list(
                "Base access",
                collaborations
                    .base_collaborations
                    .iter()
                    .map(|c| {
                        format!(
                            "{}: {}",
                            base_label(&c.base_id),
                            c.permission_level.as_str()
                        )
                    })
                    .collect(),
            ),
            list(
                "Interface access",
                collaborations
                    .interface_collaborations
                    .iter()
                    .map(|c| {
                        format!(
                            "{}: {}",
                            interface_label(&c.base_id, &c.interface_id),
                            c.permission_level.as_str()
                        )
                    })
                    .collect(),
            ),
            list("Workspaces where they are the only owner", sole_workspaces),
            list("Bases where they are the only owner", sole_bases),
        ],
        refused,
    })
}

/// A user as the console's own controls show them (no action on them in Airtable).
pub(super) async fn user_preview(
    airtable: &Client,
    enterprise: &EnterpriseId,
    user: &UserId,
) -> Result<Preview, Error> {
    user_preview_for(airtable, enterprise, user, None).await
}
