//! Every client call against the simulator over real HTTP. The client and the simulator were
//! written independently from Airtable's documentation, so each checks the other; every test
//! checks the effect of a call with a later read, not only that it did not fail.

mod common;

use std::collections::{BTreeSet, HashSet};

use airtable_client::ids::{
    BaseId, EnterpriseId, GroupId, InterfaceId, PersonalAccessTokenId, UserId, WorkspaceId,
};
use airtable_client::models::{
    AiAllowlistChange, AuditCursor, AuditLogQuery, BatchUserUpdate, ClaimUser, EnabledState,
    Guessed, MembershipState, NewCollaborator, PermissionLevel, Restriction, ScimGroupRequest,
    ScimMember, ScimPatchOp, ScimUserRequest, SortOrder, UpdateUserRequest, User, UserRef,
    UserState,
};
use airtable_client::{Client, Error, Timestamp};
use airtable_sim::{SimConfig, SimSize};
use common::{count, Sim};
use futures::{StreamExt, TryStreamExt};
use serde_json::json;

fn uid(s: &str) -> UserId {
    s.parse().expect("a user ID")
}

/// Users of the account with their collaborations, for picking test subjects by what they are.
async fn all_users(sim: &Sim) -> Vec<User> {
    sim.ent()
        .users()
        .all()
        .include_collaborations()
        .send()
        .await
        .expect("users can be listed")
}

/// Managed, active, internal, non-admin users other than the caller: the ones every user call
/// may act on.
fn ordinary(users: &[User], me: &UserId) -> Vec<User> {
    users
        .iter()
        .filter(|u| {
            &u.id != me
                && u.is_active()
                && u.is_managed == Some(true)
                && u.is_admin != Some(true)
                && !u.is_service_account
        })
        .cloned()
        .collect()
}

fn owns_a_workspace(u: &User) -> bool {
    u.collaborations.as_ref().is_some_and(|c| {
        c.workspace_collaborations
            .iter()
            .any(|w| w.permission_level == PermissionLevel::Owner)
    })
}

fn table(name: &str) -> serde_json::Value {
    json!({
        "name": name,
        "description": "made by the client's integration test",
        "fields": [
            {"name": "Name", "type": "singleLineText"},
            {"name": "Done", "type": "checkbox", "options": {"color": "greenBright", "icon": "check"}}
        ]
    })
}

#[tokio::test]
async fn whoami_and_enterprise_info() {
    let sim = Sim::start().await;
    let me = sim.client.whoami().await.expect("whoami");
    assert_eq!(me.id, sim.me());

    let plain = sim.ent().get().send().await.expect("get enterprise");
    assert_eq!(plain.id, sim.ent);
    assert!(plain.user_ids.contains(&me.id));
    assert_eq!(plain.user_ids.len(), sim.info.counts.users);
    assert_eq!(plain.group_ids.len(), sim.info.counts.groups);
    assert_eq!(plain.workspace_ids.len(), sim.info.counts.workspaces);
    assert!(!plain.email_domains.is_empty());
    assert!(plain.aggregated.is_none() && plain.descendants.is_none());

    let full = sim
        .ent()
        .get()
        .include_aggregated()
        .include_descendants()
        .send()
        .await
        .expect("get enterprise with includes");
    let aggregated = full
        .aggregated
        .and_then(Guessed::into_known)
        .expect("aggregated IDs were asked for, in the shape the client knows");
    // Without descendants the aggregate is the account itself.
    assert_eq!(
        aggregated.user_ids.iter().collect::<BTreeSet<_>>(),
        plain.user_ids.iter().collect::<BTreeSet<_>>()
    );
    assert_eq!(
        full.descendants
            .and_then(Guessed::into_known)
            .expect("descendants were asked for")
            .len(),
        0
    );
}

#[tokio::test]
async fn descendants_and_moves_between_accounts() {
    let sim = Sim::start().await;
    let before = sim.ent().get().send().await.expect("get enterprise");
    let created = sim
        .ent()
        .create_descendant("Client test org unit")
        .await
        .expect("create descendant");
    assert_ne!(created.id, sim.ent);

    let group = before.group_ids[0].clone();
    let workspace = before.workspace_ids[0].clone();
    let missing_group: GroupId = "ugp00000000000000".parse().expect("a group ID");
    let moved = sim
        .ent()
        .move_groups([&group, &missing_group], &created.id)
        .await
        .expect("move groups");
    assert_eq!(
        moved
            .moved_groups
            .iter()
            .map(|g| g.id.clone())
            .collect::<Vec<_>>(),
        vec![group.clone()]
    );
    assert_eq!(moved.errors.len(), 1, "{:?}", moved.errors);
    assert_eq!(moved.errors[0].subject(), Some(missing_group.as_str()));

    let missing_ws: WorkspaceId = "wsp00000000000000".parse().expect("a workspace ID");
    let moved = sim
        .ent()
        .move_workspaces(vec![workspace.clone(), missing_ws], &created.id)
        .await
        .expect("move workspaces");
    assert_eq!(moved.moved_workspaces.len(), 1);
    assert_eq!(moved.moved_workspaces[0].id, workspace);
    assert_eq!(moved.errors.len(), 1);

    // The moves show in the group, in the root account and in the descendant.
    let g = sim.client.group(&group).get().send().await.expect("group");
    assert_eq!(g.enterprise_account_id, created.id);
    let after = sim
        .ent()
        .get()
        .include_descendants()
        .include_aggregated()
        .send()
        .await
        .expect("get enterprise");
    assert_eq!(
        after.descendant_enterprise_account_ids,
        Some(vec![created.id.clone()])
    );
    assert!(!after.group_ids.contains(&group));
    assert!(!after.workspace_ids.contains(&workspace));
    let desc = after
        .descendants
        .and_then(Guessed::into_known)
        .expect("descendants");
    let unit = desc.get(&created.id).expect("the new descendant is listed");
    assert_eq!(unit.group_ids, vec![group.clone()]);
    assert_eq!(unit.workspace_ids, vec![workspace.clone()]);
    let aggregated = after
        .aggregated
        .and_then(Guessed::into_known)
        .expect("aggregated");
    assert!(aggregated.group_ids.contains(&group));
    assert!(aggregated.workspace_ids.contains(&workspace));

    // A descendant cannot have descendants of its own.
    let err = sim
        .client
        .enterprise(&created.id)
        .create_descendant("nested")
        .await
        .expect_err("only root accounts have descendants");
    assert_eq!(err.status(), Some(403), "{err:?}");
}

#[tokio::test]
async fn packages_list_and_install() {
    let sim = Sim::start().await;
    let packages = sim.ent().packages().send().await.expect("list packages");
    assert!(!packages.is_empty());
    let in_grid = sim
        .ent()
        .packages()
        .all_in_grid()
        .send()
        .await
        .expect("list packages in grid");
    assert_eq!(in_grid.len(), packages.len());

    let package = &packages[0];
    let release = package
        .latest_release_id
        .clone()
        .flatten()
        .expect("the seeded package has a release");
    let info = sim.ent().get().send().await.expect("get enterprise");
    let workspace = &info.workspace_ids[0];
    let created = sim
        .ent()
        .install_package(&package.id, workspace, "Installed by the client", release)
        .description("from the integration test")
        .send()
        .await
        .expect("install package");
    assert!(!created.tables.is_empty());

    let base = sim
        .client
        .base(&created.id)
        .get()
        .include_packages()
        .send()
        .await
        .expect("get the new base");
    assert_eq!(base.name, "Installed by the client");
    assert_eq!(&base.workspace_id, workspace);
    let installs = base.package_installations.expect("packages were asked for");
    assert_eq!(installs.len(), 1);
    assert_eq!(installs[0].package_id, package.id);
    let ws = sim
        .client
        .workspace(workspace)
        .get()
        .send()
        .await
        .expect("workspace");
    assert!(ws.base_ids.contains(&created.id));
    let again = sim.ent().packages().send().await.expect("list packages");
    let same = again
        .iter()
        .find(|p| p.id == package.id)
        .expect("the package");
    assert_eq!(
        same.install_count,
        package.install_count.map(|n| n + 1),
        "one more install"
    );
}

#[tokio::test]
async fn personal_access_tokens_list_and_revoke() {
    let sim = Sim::start().await;
    let tokens = sim
        .ent()
        .personal_access_tokens()
        .include_resources()
        .send()
        .await
        .expect("list tokens");
    assert!(tokens.len() >= 2, "{tokens:?}");
    assert!(tokens.iter().all(|t| t.resource_access.is_some()));
    let plain = sim
        .ent()
        .personal_access_tokens()
        .send()
        .await
        .expect("list tokens");
    assert!(plain.iter().all(|t| t.resource_access.is_none()));

    let me = sim.me();
    let target = tokens
        .iter()
        .find(|t| t.user_id != me && t.state == "active")
        .expect("a token of another user");
    let unknown: PersonalAccessTokenId = "pat00000000000000".parse().expect("a token ID");
    let r = sim
        .ent()
        .revoke_personal_access_tokens([&target.id, &unknown])
        .await
        .expect("revoke");
    assert_eq!(r.revoked_tokens.len(), 1);
    assert_eq!(r.revoked_tokens[0].id, target.id);
    assert_eq!(r.errors.len(), 1);
    let after = sim
        .ent()
        .personal_access_tokens()
        .send()
        .await
        .expect("list tokens");
    let t = after
        .iter()
        .find(|t| t.id == target.id)
        .expect("still listed");
    assert_eq!(t.state, "revoked");
    // Revoking again is a reported error, not a failure of the call.
    let r = sim
        .ent()
        .revoke_personal_access_tokens([&target.id])
        .await
        .expect("revoke");
    assert!(r.revoked_tokens.is_empty());
    assert_eq!(r.errors.len(), 1);
}

#[tokio::test]
async fn ai_allowlist_changes_are_applied_and_audited() {
    let sim = Sim::start().await;
    let info = sim.ent().get().send().await.expect("get enterprise");
    let ws = info.workspace_ids[1].clone();
    let missing: WorkspaceId = "wsp00000000000000".parse().expect("a workspace ID");
    let r = sim
        .ent()
        .update_ai_allowlist([
            AiAllowlistChange {
                workspace_id: ws.clone(),
                is_allowed: true,
            },
            AiAllowlistChange {
                workspace_id: missing.clone(),
                is_allowed: true,
            },
        ])
        .include_descendants()
        .send()
        .await
        .expect("update allowlist");
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].subject(), Some(missing.as_str()));
    // The allowlist is not readable through the API; its audit trail is.
    let events = sim.events("updateWorkspaceAiAllowlist", ws.as_str()).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].payload["current"]["isAllowed"], json!(true));
    // Allowing it again changes nothing, so nothing new is recorded.
    sim.ent()
        .update_ai_allowlist([AiAllowlistChange {
            workspace_id: ws.clone(),
            is_allowed: true,
        }])
        .send()
        .await
        .expect("update allowlist");
    assert_eq!(
        sim.events("updateWorkspaceAiAllowlist", ws.as_str())
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn user_lookups_get_update_and_logout() {
    let sim = Sim::start().await;
    let users = all_users(&sim).await;
    assert_eq!(users.len(), sim.info.counts.users);
    let me = sim.me();
    let people = ordinary(&users, &me);
    assert!(people.len() >= 4, "{people:?}");

    // By ID and email at once, in other case, with duplicates: each user once.
    let a = &people[0];
    let b = &people[1];
    let found = sim
        .ent()
        .users()
        .by_ids([&a.id, &a.id])
        .by_emails([
            b.email.to_uppercase(),
            b.email.clone(),
            "nobody@example.com".into(),
        ])
        .include_aggregated()
        .include_descendants()
        .send()
        .await
        .expect("look-up");
    assert_eq!(
        found.iter().map(|u| &u.id).collect::<Vec<_>>(),
        vec![&a.id, &b.id]
    );
    assert!(found[0].aggregated.is_some() && found[0].descendants.is_some());

    let one = sim
        .ent()
        .user(&a.id)
        .get()
        .include_collaborations()
        .include_aggregated()
        .include_descendants()
        .send()
        .await
        .expect("get user");
    assert_eq!(one.email, a.email);
    assert_eq!(one.collaborations, a.collaborations);
    assert!(one.aggregated.is_some() && one.descendants.is_some());
    let bare = sim.ent().user(&a.id).get().send().await.expect("get user");
    assert!(bare.collaborations.is_none() && bare.aggregated.is_none());

    // Manage user: name, then state.
    sim.ent()
        .user(&a.id)
        .update()
        .first_name("Renamed")
        .last_name("By Client")
        .send()
        .await
        .expect("update user");
    sim.ent()
        .user(&a.id)
        .update()
        .state(UserState::Deactivated)
        .send()
        .await
        .expect("deactivate user");
    let changed = sim.ent().user(&a.id).get().send().await.expect("get user");
    assert_eq!(changed.name, "Renamed By Client");
    assert_eq!(changed.state, UserState::Deactivated);

    // Manage users (batch): reactivate by ID, rename by email; one unknown user.
    let r = sim
        .ent()
        .users()
        .update_batch([
            BatchUserUpdate {
                user: UserRef::from(&a.id),
                update: UpdateUserRequest {
                    state: Some(UserState::Provisioned),
                    ..Default::default()
                },
            },
            BatchUserUpdate {
                user: UserRef::email(b.email.clone()),
                update: UpdateUserRequest {
                    last_name: Some("Batched".into()),
                    ..Default::default()
                },
            },
            BatchUserUpdate {
                user: UserRef::from(&uid("usr00000000000000")),
                update: UpdateUserRequest {
                    state: Some(UserState::Deactivated),
                    ..Default::default()
                },
            },
        ])
        .await
        .expect("batch update");
    assert_eq!(r.updated_users.len(), 2, "{r:?}");
    assert_eq!(r.errors.len(), 1, "{r:?}");
    let both = sim
        .ent()
        .users()
        .by_ids([&a.id, &b.id])
        .send()
        .await
        .expect("look-up");
    assert_eq!(both[0].state, UserState::Provisioned);
    assert!(both[1].name.ends_with("Batched"), "{}", both[1].name);

    // A new email; the user is then found by it.
    let domain = a.email.rsplit('@').next().expect("an email domain");
    let new_email = format!("renamed.by.client@{domain}");
    sim.ent()
        .user(&a.id)
        .update()
        .email(new_email.clone())
        .send()
        .await
        .expect("change email");
    let by_new = sim
        .ent()
        .users()
        .by_emails([new_email.clone()])
        .send()
        .await
        .expect("look-up");
    assert_eq!(by_new.len(), 1);
    assert_eq!(by_new[0].id, a.id);
    // A batch entry naming the user by email cannot also change it: refused before sending.
    sim.reset_stats().await;
    let err = sim
        .ent()
        .users()
        .update_batch([BatchUserUpdate {
            user: UserRef::email(new_email.clone()),
            update: UpdateUserRequest {
                email: Some(format!("other@{domain}")),
                ..Default::default()
            },
        }])
        .await
        .expect_err("ambiguous");
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert_eq!(count(&sim.stats().await, "/requests"), 0);

    // Acting on yourself is refused.
    let err = sim
        .ent()
        .user(&me)
        .update()
        .state(UserState::Deactivated)
        .send()
        .await
        .expect_err("cannot deactivate yourself");
    assert_eq!(err.status(), Some(403));

    // Logout leaves an audit event.
    sim.ent().user(&b.id).logout().await.expect("logout");
    let events = sim.events("logoutUser", b.id.as_str()).await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].actor.user.as_ref().map(|u| &u.id),
        Some(&me),
        "done by the token's user"
    );
}

#[tokio::test]
async fn users_are_deleted_by_id_and_by_email() {
    let sim = Sim::start().await;
    let users = all_users(&sim).await;
    let me = sim.me();
    let deletable: Vec<User> = ordinary(&users, &me)
        .into_iter()
        .filter(|u| !owns_a_workspace(u))
        .collect();
    assert!(deletable.len() >= 2, "{deletable:?}");
    let (by_id, by_email) = (&deletable[0], &deletable[1]);

    sim.ent()
        .user(&by_id.id)
        .delete()
        .await
        .expect("delete user");
    let err = sim
        .ent()
        .user(&by_id.id)
        .get()
        .send()
        .await
        .expect_err("a deleted user is gone");
    assert!(err.is_not_found(), "{err:?}");

    let r = sim
        .ent()
        .users()
        .delete_by_email([by_email.email.clone(), "nobody@fabrikam.example".into()])
        .await
        .expect("delete by email");
    assert_eq!(r.deleted_users.len(), 1);
    assert_eq!(r.deleted_users[0].id, by_email.id);
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].subject(), Some("nobody@fabrikam.example"));

    let info = sim.ent().get().send().await.expect("get enterprise");
    assert!(!info.user_ids.contains(&by_id.id));
    assert!(!info.user_ids.contains(&by_email.id));
    let left = sim
        .ent()
        .users()
        .by_ids([&by_id.id, &by_email.id])
        .send()
        .await
        .expect("look-up");
    assert!(left.is_empty());
    assert_eq!(sim.events("deleteUser", by_id.id.as_str()).await.len(), 1);
}

#[tokio::test]
async fn remove_user_dry_run_then_with_replacement_owner() {
    let sim = Sim::start().await;
    let me = sim.me();
    let users = all_users(&sim).await;
    let subject = ordinary(&users, &me)
        .into_iter()
        .find(|u| !u.collaborations.as_ref().is_none_or(|c| c.is_empty()))
        .expect("a user with collaborations");

    // Make the subject the sole owner of a new workspace.
    let ws = sim
        .ent()
        .create_workspace("Sole owner test")
        .await
        .expect("create workspace");
    sim.client
        .workspace(&ws.id)
        .add_collaborator(subject.id.clone(), PermissionLevel::Owner)
        .await
        .expect("add owner");
    sim.client
        .workspace(&ws.id)
        .remove_collaborator(me.clone())
        .await
        .expect("leave the workspace");

    // Without a replacement owner the removal is refused.
    let err = sim
        .ent()
        .user(&subject.id)
        .remove()
        .dry_run()
        .send()
        .await
        .expect_err("a replacement owner is required");
    assert_eq!(err.status(), Some(422));
    assert_eq!(
        err.airtable_type(),
        Some("REPLACEMENT_OWNER_REQUIRED"),
        "{err:?}"
    );

    // A dry run reports and changes nothing.
    let preview = sim
        .ent()
        .user(&subject.id)
        .remove()
        .replacement_owner(&me)
        .dry_run()
        .send()
        .await
        .expect("dry run");
    assert!(preview
        .unshared
        .workspaces
        .iter()
        .any(|w| w.workspace_id == ws.id));
    assert_eq!(preview.shared.workspaces.len(), 1);
    assert_eq!(preview.shared.workspaces[0].workspace_id, ws.id);
    let unchanged = sim
        .ent()
        .user(&subject.id)
        .get()
        .include_collaborations()
        .send()
        .await
        .expect("get user");
    let collaborations = unchanged.collaborations.expect("collaborations");
    assert_eq!(
        collaborations.workspace_collaborations.len(),
        preview.unshared.workspaces.len()
    );
    assert_eq!(
        collaborations.base_collaborations.len(),
        preview.unshared.bases.len()
    );
    assert_eq!(
        collaborations.interface_collaborations.len(),
        preview.unshared.interfaces.len()
    );

    // The real removal, with descendants.
    let done = sim
        .ent()
        .user(&subject.id)
        .remove()
        .replacement_owner(&me)
        .remove_from_descendants()
        .send()
        .await
        .expect("remove");
    assert_eq!(done.unshared, preview.unshared);
    let after = sim
        .ent()
        .user(&subject.id)
        .get()
        .include_collaborations()
        .send()
        .await
        .expect("get user");
    assert!(after.collaborations.expect("collaborations").is_empty());
    let workspace = sim
        .client
        .workspace(&ws.id)
        .get()
        .include_collaborators()
        .send()
        .await
        .expect("workspace");
    let owners: Vec<_> = workspace
        .individual()
        .expect("collaborators")
        .workspace_collaborators
        .iter()
        .filter(|c| c.permission_level == PermissionLevel::Owner)
        .map(|c| c.user_id.clone())
        .collect();
    assert_eq!(owners, vec![me]);
}

#[tokio::test]
async fn membership_and_admin_access() {
    let sim = Sim::start().await;
    let me = sim.me();
    let users = all_users(&sim).await;
    let people = ordinary(&users, &me);
    let (a, b) = (&people[0], &people[1]);

    let r = sim
        .ent()
        .users()
        .claim([
            ClaimUser {
                user: UserRef::from(&a.id),
                state: MembershipState::Unmanaged,
            },
            ClaimUser {
                user: UserRef::email("nobody@example.com"),
                state: MembershipState::Managed,
            },
        ])
        .await
        .expect("claim");
    assert_eq!(r.errors.len(), 1, "{r:?}");
    let u = sim.ent().user(&a.id).get().send().await.expect("get user");
    assert_eq!(u.is_managed, Some(false));
    let r = sim
        .ent()
        .users()
        .claim([ClaimUser {
            user: UserRef::email(a.email.clone()),
            state: MembershipState::Managed,
        }])
        .await
        .expect("claim");
    assert!(r.errors.is_empty(), "{r:?}");
    let u = sim.ent().user(&a.id).get().send().await.expect("get user");
    assert_eq!(u.is_managed, Some(true));

    let r = sim
        .ent()
        .users()
        .grant_admin([UserRef::from(&a.id), UserRef::email(b.email.clone())])
        .await
        .expect("grant admin");
    assert!(r.errors.is_empty(), "{r:?}");
    let both = sim
        .ent()
        .users()
        .by_ids([&a.id, &b.id])
        .send()
        .await
        .expect("look-up");
    assert!(both.iter().all(|u| u.is_admin == Some(true)), "{both:?}");
    let r = sim
        .ent()
        .users()
        .revoke_admin([UserRef::from(&a.id), UserRef::from(&me)])
        .await
        .expect("revoke admin");
    assert_eq!(
        r.errors.len(),
        1,
        "revoking your own admin access is refused: {r:?}"
    );
    let u = sim.ent().user(&a.id).get().send().await.expect("get user");
    assert_eq!(u.is_admin, Some(false));
    let me_now = sim.ent().user(&me).get().send().await.expect("get user");
    assert_eq!(me_now.is_admin, Some(true));
}

#[tokio::test]
async fn groups_match_their_members() {
    let sim = Sim::start().await;
    let info = sim.ent().get().send().await.expect("get enterprise");
    let users = all_users(&sim).await;
    for gid in &info.group_ids {
        let g = sim
            .client
            .group(gid)
            .get()
            .include_collaborations()
            .send()
            .await
            .expect("group");
        assert_eq!(&g.id, gid);
        assert_eq!(g.enterprise_account_id, sim.ent);
        assert!(g.collaborations.is_some());
        assert!(!g.members.is_empty());
        for m in &g.members {
            let u = users
                .iter()
                .find(|u| u.id == m.user_id)
                .expect("a member is a user");
            assert_eq!(u.email, m.email);
            assert!(
                u.groups
                    .as_ref()
                    .is_some_and(|gs| gs.iter().any(|r| &r.id == gid)),
                "{} lists {gid}",
                u.id
            );
        }
    }
    let missing: GroupId = "ugp00000000000000".parse().expect("a group ID");
    let err = sim
        .client
        .group(&missing)
        .get()
        .send()
        .await
        .expect_err("unknown group");
    assert!(err.is_not_found());
}

#[tokio::test]
async fn workspaces_collaborators_invites_restrictions_moves() {
    let sim = Sim::start().await;
    let me = sim.me();
    let users = all_users(&sim).await;
    let people = ordinary(&users, &me);
    let info = sim.ent().get().send().await.expect("get enterprise");

    let created = sim
        .ent()
        .create_workspace("Client test workspace")
        .await
        .expect("create workspace");
    let wh = sim.client.workspace(&created.id);
    let ws = wh
        .get()
        .include_collaborators()
        .include_invite_links()
        .send()
        .await
        .expect("get workspace");
    assert_eq!(ws.name, "Client test workspace");
    assert!(ws.base_ids.is_empty());
    let owners = &ws
        .individual()
        .expect("collaborators")
        .workspace_collaborators;
    assert_eq!(owners.len(), 1);
    assert_eq!(owners[0].user_id, me);
    assert_eq!(owners[0].permission_level, PermissionLevel::Owner);
    assert!(
        info.workspace_ids.len()
            < sim
                .ent()
                .get()
                .send()
                .await
                .expect("get")
                .workspace_ids
                .len()
    );

    // Collaborators: add a user and a group (the group in a batch of one), change, remove.
    let user = &people[0];
    let group = info.group_ids[0].clone();
    wh.add_collaborator(user.id.clone(), PermissionLevel::Edit)
        .await
        .expect("add user");
    wh.add_collaborators(vec![NewCollaborator::new(
        group.clone(),
        PermissionLevel::Comment,
    )])
    .await
    .expect("add group");
    wh.update_collaborator(user.id.clone(), PermissionLevel::Read)
        .await
        .expect("update user");
    let ws = wh
        .get()
        .include_collaborators()
        .send()
        .await
        .expect("get workspace");
    let level_of = |id: &UserId| {
        ws.individual()
            .expect("collaborators")
            .workspace_collaborators
            .iter()
            .find(|c| &c.user_id == id)
            .map(|c| c.permission_level.clone())
    };
    assert_eq!(level_of(&user.id), Some(PermissionLevel::Read));
    let groups = ws.group_collaborators.expect("group collaborators");
    assert_eq!(groups.workspace_collaborators.len(), 1);
    assert_eq!(groups.workspace_collaborators[0].group_id, group);
    wh.remove_collaborator(user.id.clone())
        .await
        .expect("remove user");
    wh.remove_collaborator(group.clone())
        .await
        .expect("remove group");
    let ws = wh
        .get()
        .include_collaborators()
        .send()
        .await
        .expect("get workspace");
    assert_eq!(
        ws.individual()
            .expect("collaborators")
            .workspace_collaborators
            .len(),
        1
    );
    assert!(ws
        .group_collaborators
        .expect("groups")
        .workspace_collaborators
        .is_empty());

    // Restrictions.
    wh.update_restrictions()
        .invite_creation(Restriction::OnlyOwners)
        .share_creation(Restriction::OnlyOwners)
        .send()
        .await
        .expect("restrictions");
    let ws = wh.get().send().await.expect("get workspace");
    let r = ws.workspace_restrictions.expect("restrictions");
    assert_eq!(r.invite_creation_restriction, Restriction::OnlyOwners);
    assert_eq!(r.share_creation_restriction, Restriction::OnlyOwners);
    wh.update_restrictions()
        .share_creation(Restriction::Unrestricted)
        .send()
        .await
        .expect("restrictions");
    let r = wh
        .get()
        .send()
        .await
        .expect("get workspace")
        .workspace_restrictions
        .expect("restrictions");
    assert_eq!(r.invite_creation_restriction, Restriction::OnlyOwners);
    assert_eq!(r.share_creation_restriction, Restriction::Unrestricted);

    // Invites: delete a seeded workspace invite.
    let mut deleted_invite = false;
    for wid in &info.workspace_ids {
        let w = sim
            .client
            .workspace(wid)
            .get()
            .include_invite_links()
            .send()
            .await
            .expect("workspace");
        let Some(invite) = w
            .invite_links
            .as_ref()
            .and_then(|l| l.workspace_invite_links.first())
        else {
            continue;
        };
        sim.client
            .workspace(wid)
            .delete_invite(&invite.id)
            .await
            .expect("delete invite");
        let again = sim
            .client
            .workspace(wid)
            .get()
            .include_invite_links()
            .send()
            .await
            .expect("workspace");
        assert!(!again
            .invite_links
            .expect("invites")
            .workspace_invite_links
            .iter()
            .any(|i| i.id == invite.id));
        deleted_invite = true;
        break;
    }
    assert!(deleted_invite, "the seed has a workspace invite");

    // Move a base in, to the front, then delete the workspace with it.
    let source = sim
        .client
        .workspace(&info.workspace_ids[0])
        .get()
        .send()
        .await
        .expect("workspace");
    let moving: BaseId = source.base_ids[0].clone();
    sim.client
        .create_base(&created.id, "Already here", vec![table("T")])
        .await
        .expect("create base");
    sim.client
        .workspace(&source.id)
        .move_base(&moving, &created.id)
        .target_index(0)
        .send()
        .await
        .expect("move base");
    let ws = wh.get().send().await.expect("get workspace");
    assert_eq!(ws.base_ids.len(), 2);
    assert_eq!(ws.base_ids[0], moving);
    let base = sim.client.base(&moving).get().send().await.expect("base");
    assert_eq!(base.workspace_id, created.id);
    let source_after = sim
        .client
        .workspace(&source.id)
        .get()
        .send()
        .await
        .expect("workspace");
    assert!(!source_after.base_ids.contains(&moving));

    wh.delete().await.expect("delete workspace");
    assert!(wh.get().send().await.expect_err("deleted").is_not_found());
    assert!(sim
        .client
        .base(&moving)
        .get()
        .send()
        .await
        .expect_err("its bases went with it")
        .is_not_found());
}

#[tokio::test]
async fn bases_create_schema_collaborators_and_delete() {
    let sim = Sim::start().await;
    let me = sim.me();
    let users = all_users(&sim).await;
    let people = ordinary(&users, &me);
    let info = sim.ent().get().send().await.expect("get enterprise");
    let wsp = &info.workspace_ids[0];

    let listed: Vec<_> = sim
        .client
        .list_bases()
        .try_collect()
        .await
        .expect("list bases");
    assert_eq!(listed.len(), sim.info.counts.bases);

    let created = sim
        .client
        .create_base(
            wsp,
            "Client test base",
            vec![table("Tasks"), table("People")],
        )
        .await
        .expect("create base");
    assert_eq!(created.tables.len(), 2);
    assert_eq!(created.tables[0].name, "Tasks");
    assert_eq!(created.tables[0].fields.len(), 2);
    assert_eq!(
        created.tables[0].primary_field_id,
        created.tables[0].fields[0].id
    );
    let schema = sim.client.base(&created.id).schema().await.expect("schema");
    assert_eq!(schema.tables, created.tables);
    let listed_after: Vec<_> = sim
        .client
        .list_bases()
        .try_collect()
        .await
        .expect("list bases");
    assert!(listed_after
        .iter()
        .any(|b| b.id == created.id && b.name == "Client test base"));

    let bh = sim.client.base(&created.id);
    let user = &people[0];
    let group = info.group_ids[0].clone();
    bh.add_collaborator(user.id.clone(), PermissionLevel::Comment)
        .await
        .expect("add user");
    bh.add_collaborator(group.clone(), PermissionLevel::Read)
        .await
        .expect("add group");
    bh.update_collaborator(user.id.clone(), PermissionLevel::Edit)
        .await
        .expect("update user");
    bh.update_collaborator(group.clone(), PermissionLevel::Create)
        .await
        .expect("update group");
    let base = bh
        .get()
        .include_collaborators()
        .include_invite_links()
        .include_interfaces()
        .include_packages()
        .send()
        .await
        .expect("base");
    assert_eq!(&base.workspace_id, wsp);
    let individual = base.individual().expect("collaborators");
    assert!(individual
        .base_collaborators
        .iter()
        .any(|c| c.user_id == user.id && c.permission_level == PermissionLevel::Edit));
    let groups = base.group_collaborators.expect("group collaborators");
    assert!(groups
        .base_collaborators
        .iter()
        .any(|c| c.group_id == group && c.permission_level == PermissionLevel::Create));
    assert!(base.interfaces.expect("interfaces").is_empty());
    assert!(base.package_installations.expect("packages").is_empty());
    bh.remove_collaborator(user.id.clone())
        .await
        .expect("remove user");
    bh.remove_collaborator(group.clone())
        .await
        .expect("remove group");
    let base = bh.get().include_collaborators().send().await.expect("base");
    assert!(base
        .individual()
        .expect("collaborators")
        .base_collaborators
        .is_empty());
    assert!(base
        .group_collaborators
        .expect("groups")
        .base_collaborators
        .is_empty());

    bh.delete().await.expect("delete base");
    assert!(bh.get().send().await.expect_err("deleted").is_not_found());
    let listed_end: Vec<_> = sim
        .client
        .list_bases()
        .try_collect()
        .await
        .expect("list bases");
    assert!(!listed_end.iter().any(|b| b.id == created.id));
}

/// The seeded bases, with everything `include` can add.
async fn seeded_bases(client: &Client) -> Vec<airtable_client::models::Base> {
    let listed: Vec<_> = client.list_bases().try_collect().await.expect("list bases");
    let mut out = Vec::new();
    for b in listed {
        out.push(
            client
                .base(&b.id)
                .get()
                .include_collaborators()
                .include_invite_links()
                .include_interfaces()
                .send()
                .await
                .expect("base"),
        );
    }
    out
}

#[tokio::test]
async fn base_invites_and_interfaces() {
    let sim = Sim::start().await;
    let me = sim.me();
    let users = all_users(&sim).await;
    let people = ordinary(&users, &me);
    let info = sim.ent().get().send().await.expect("get enterprise");
    let bases = seeded_bases(&sim.client).await;

    // A base invite.
    let (base_id, invite) = bases
        .iter()
        .find_map(|b| {
            b.invite_links
                .as_ref()
                .and_then(|l| l.base_invite_links.first())
                .map(|i| (b.id.clone(), i.id.clone()))
        })
        .expect("the seed has a base invite");
    sim.client
        .base(&base_id)
        .delete_invite(&invite)
        .await
        .expect("delete invite");
    let b = sim
        .client
        .base(&base_id)
        .get()
        .include_invite_links()
        .send()
        .await
        .expect("base");
    assert!(!b
        .invite_links
        .expect("invites")
        .base_invite_links
        .iter()
        .any(|i| i.id == invite));

    // An interface: read it, change its collaborators, delete its invite.
    let (base_id, pbd): (BaseId, InterfaceId) = bases
        .iter()
        .find_map(|b| {
            b.interfaces.as_ref().and_then(|m| {
                m.values()
                    .find(|i| !i.invite_links.is_empty())
                    .map(|i| (b.id.clone(), i.id.clone()))
            })
        })
        .expect("the seed has an interface with an invite");
    let ih = sim.client.base(&base_id).interface(&pbd);
    let read = ih
        .get()
        .include_collaborators()
        .include_invite_links()
        .send()
        .await
        .expect("get interface");
    assert_eq!(read.id, pbd);
    assert_eq!(read.base_id, base_id);
    let from_base = bases
        .iter()
        .find(|b| b.id == base_id)
        .and_then(|b| b.interfaces.as_ref())
        .and_then(|m| m.get(&pbd))
        .expect("the interface in its base");
    assert_eq!(read.name, from_base.name);
    assert_eq!(
        read.individual_collaborators
            .as_ref()
            .expect("collaborators")
            .interface_collaborators,
        from_base.individual_collaborators
    );
    assert_eq!(
        read.invite_links.as_deref(),
        Some(from_base.invite_links.as_slice())
    );

    let user = people
        .iter()
        .find(|u| {
            !from_base
                .individual_collaborators
                .iter()
                .any(|c| c.user_id == u.id)
        })
        .expect("a user without access to the interface");
    let group = info.group_ids[0].clone();
    ih.add_collaborator(user.id.clone(), PermissionLevel::Read)
        .await
        .expect("add user");
    ih.add_collaborator(group.clone(), PermissionLevel::Read)
        .await
        .expect("add group");
    ih.update_collaborator(user.id.clone(), PermissionLevel::Edit)
        .await
        .expect("update user");
    let read = ih
        .get()
        .include_collaborators()
        .send()
        .await
        .expect("get interface");
    assert!(read
        .individual_collaborators
        .expect("collaborators")
        .interface_collaborators
        .iter()
        .any(|c| c.user_id == user.id && c.permission_level == PermissionLevel::Edit));
    assert!(read
        .group_collaborators
        .expect("groups")
        .interface_collaborators
        .iter()
        .any(|c| c.group_id == group));
    let u = sim
        .ent()
        .user(&user.id)
        .get()
        .include_collaborations()
        .send()
        .await
        .expect("user");
    assert!(u
        .collaborations
        .expect("collaborations")
        .interface_collaborations
        .iter()
        .any(|c| c.interface_id == pbd && c.permission_level == PermissionLevel::Edit));
    ih.remove_collaborator(user.id.clone())
        .await
        .expect("remove user");
    ih.remove_collaborator(group.clone())
        .await
        .expect("remove group");
    let invite = from_base.invite_links[0].id.clone();
    ih.delete_invite(&invite).await.expect("delete invite");
    let read = ih
        .get()
        .include_collaborators()
        .include_invite_links()
        .send()
        .await
        .expect("get interface");
    assert!(!read
        .invite_links
        .expect("invites")
        .iter()
        .any(|i| i.id == invite));
    assert!(!read
        .individual_collaborators
        .expect("collaborators")
        .interface_collaborators
        .iter()
        .any(|c| c.user_id == user.id));
}

#[tokio::test]
async fn shares_and_block_installations() {
    let sim = Sim::start().await;
    let listed: Vec<_> = sim
        .client
        .list_bases()
        .try_collect()
        .await
        .expect("list bases");

    let mut share_base = None;
    let mut block_base = None;
    for b in &listed {
        let bh = sim.client.base(&b.id);
        if share_base.is_none() && bh.shares().await.expect("shares").len() >= 2 {
            share_base = Some(b.id.clone());
        }
        if block_base.is_none()
            && !bh
                .block_installations()
                .await
                .expect("block installations")
                .is_empty()
        {
            block_base = Some(b.id.clone());
        }
    }

    let bh = sim
        .client
        .base(&share_base.expect("a base with two shares"));
    let shares = bh.shares().await.expect("shares");
    let first = shares[0].share_id.clone();
    bh.share(&first).disable().await.expect("disable");
    let state = |list: &[airtable_client::models::Share]| {
        list.iter()
            .find(|s| s.share_id == first)
            .map(|s| s.state.clone())
    };
    assert_eq!(
        state(&bh.shares().await.expect("shares")),
        Some(EnabledState::Disabled)
    );
    bh.share(&first).enable().await.expect("enable");
    assert_eq!(
        state(&bh.shares().await.expect("shares")),
        Some(EnabledState::Enabled)
    );
    bh.share(&first)
        .set_state(EnabledState::Disabled)
        .await
        .expect("set state");
    assert_eq!(
        state(&bh.shares().await.expect("shares")),
        Some(EnabledState::Disabled)
    );
    bh.share(&first).delete().await.expect("delete share");
    let after = bh.shares().await.expect("shares");
    assert_eq!(after.len(), shares.len() - 1);
    assert_eq!(state(&after), None);

    let bh = sim
        .client
        .base(&block_base.expect("a base with an extension"));
    let blocks = bh.block_installations().await.expect("block installations");
    let bli = blocks[0].id.clone();
    let state = |list: &[airtable_client::models::BlockInstallation]| {
        list.iter().find(|b| b.id == bli).map(|b| b.state.clone())
    };
    bh.block_installation(&bli)
        .disable()
        .await
        .expect("disable");
    assert_eq!(
        state(&bh.block_installations().await.expect("blocks")),
        Some(EnabledState::Disabled)
    );
    bh.block_installation(&bli).enable().await.expect("enable");
    bh.block_installation(&bli)
        .set_state(EnabledState::Enabled)
        .await
        .expect("set state");
    assert_eq!(
        state(&bh.block_installations().await.expect("blocks")),
        Some(EnabledState::Enabled)
    );
    bh.block_installation(&bli).delete().await.expect("delete");
    let after = bh.block_installations().await.expect("blocks");
    assert_eq!(after.len(), blocks.len() - 1);
    assert_eq!(state(&after), None);
}

#[tokio::test]
async fn scim_users() {
    let sim = Sim::start().await;
    let me = sim.me();
    let scim = sim.client.scim();
    let info = sim.ent().get().send().await.expect("get enterprise");
    let domain = info.email_domains[0].email_domain.clone();

    // Paging: pages of 5 give the same users as one page.
    let all: Vec<_> = scim
        .users()
        .count(5)
        .stream()
        .try_collect()
        .await
        .expect("list SCIM users");
    let one_page = scim.users().count(1000).page().await.expect("one page");
    assert_eq!(all.len() as u64, one_page.total_results);
    assert_eq!(
        all.iter().map(|u| &u.id).collect::<Vec<_>>(),
        one_page.resources.iter().map(|u| &u.id).collect::<Vec<_>>()
    );
    let second = scim
        .users()
        .start_index(3)
        .count(2)
        .page()
        .await
        .expect("a page");
    assert_eq!(second.start_index, 3);
    assert_eq!(second.resources.len(), 2);
    assert_eq!(second.resources[0].id, all[2].id);

    // Filter.
    let target = &all.iter().find(|u| u.id != me).expect("another user");
    let filtered: Vec<_> = scim
        .users()
        .filter(format!(
            "userName eq \"{}\"",
            target.user_name.to_uppercase()
        ))
        .stream()
        .try_collect()
        .await
        .expect("filter");
    assert_eq!(filtered.len(), 1);
    assert_eq!(filtered[0].id, target.id);
    let none: Vec<_> = scim
        .users()
        .filter("userName sw \"nobody-at-all\"")
        .stream()
        .try_collect()
        .await
        .expect("filter");
    assert!(none.is_empty());

    // Create, read, replace, patch, delete; each checked through the enterprise API too.
    let email = format!("scim.created@{domain}");
    let mut request = ScimUserRequest::new(email.clone(), "Scim", "Created");
    request.title = Some("Tester".into());
    let created = scim.create_user(&request).await.expect("create SCIM user");
    assert_eq!(created.user_name, email);
    assert_eq!(created.active, Some(true));
    let got = scim.user(&created.id).get().await.expect("get SCIM user");
    assert_eq!(got.id, created.id);
    assert_eq!(got.title.as_deref(), Some("Tester"));
    let user = sim
        .ent()
        .user(&created.id)
        .get()
        .send()
        .await
        .expect("the SCIM user is an enterprise user");
    assert_eq!(user.email, email);
    assert_eq!(user.name, "Scim Created");

    let mut replacement = ScimUserRequest::new(email.clone(), "Scim", "Replaced");
    replacement.active = Some(true);
    let replaced = scim
        .user(&created.id)
        .replace(&replacement)
        .await
        .expect("put SCIM user");
    assert_eq!(
        replaced.name.and_then(|n| n.family_name).as_deref(),
        Some("Replaced")
    );
    let patched = scim
        .user(&created.id)
        .patch(vec![
            ScimPatchOp::replace("active", json!(false)),
            ScimPatchOp::replace("title", json!("Manager")),
        ])
        .await
        .expect("patch SCIM user");
    assert_eq!(patched.active, Some(false));
    assert_eq!(patched.title.as_deref(), Some("Manager"));
    let user = sim
        .ent()
        .user(&created.id)
        .get()
        .send()
        .await
        .expect("enterprise user");
    assert_eq!(user.state, UserState::Deactivated);
    assert_eq!(user.name, "Scim Replaced");

    scim.user(&created.id)
        .delete()
        .await
        .expect("delete SCIM user");
    assert!(scim
        .user(&created.id)
        .get()
        .await
        .expect_err("deleted")
        .is_not_found());
    assert!(sim
        .ent()
        .user(&created.id)
        .get()
        .send()
        .await
        .expect_err("deleted")
        .is_not_found());
    // A duplicate user name is a conflict.
    let err = scim
        .create_user(&ScimUserRequest::new(
            target.user_name.clone(),
            "Dup",
            "Licate",
        ))
        .await
        .expect_err("duplicate");
    assert_eq!(err.status(), Some(409));
}

#[tokio::test]
async fn scim_groups() {
    let sim = Sim::start().await;
    let me = sim.me();
    let scim = sim.client.scim();
    let users = all_users(&sim).await;
    let people = ordinary(&users, &me);
    let (a, b) = (&people[0], &people[1]);

    let listed: Vec<_> = scim
        .groups()
        .count(1)
        .stream()
        .try_collect()
        .await
        .expect("list SCIM groups");
    assert_eq!(listed.len(), sim.info.counts.groups);
    let name = listed[0].display_name.clone().expect("a name");
    let filtered: Vec<_> = scim
        .groups()
        .filter(format!("displayName eq \"{name}\""))
        .stream()
        .try_collect()
        .await
        .expect("filter");
    assert_eq!(filtered.len(), 1);
    assert_eq!(filtered[0].id, listed[0].id);

    let mut request = ScimGroupRequest::new("Client SCIM group");
    request.members = Some(vec![ScimMember::new(a.id.clone())]);
    let created = scim.create_group(&request).await.expect("create group");
    assert_eq!(created.display_name.as_deref(), Some("Client SCIM group"));
    let g = sim
        .client
        .group(&created.id)
        .get()
        .send()
        .await
        .expect("the SCIM group is a group");
    assert_eq!(
        g.members.iter().map(|m| &m.user_id).collect::<Vec<_>>(),
        vec![&a.id]
    );

    let patched = scim
        .group(&created.id)
        .patch(vec![
            ScimPatchOp::add("members", json!([{ "value": b.id }])),
            ScimPatchOp::remove(format!("members[value eq \"{}\"]", a.id)),
            ScimPatchOp::replace("displayName", json!("Client SCIM group 2")),
        ])
        .await
        .expect("patch group");
    assert_eq!(patched.display_name.as_deref(), Some("Client SCIM group 2"));
    let g = sim
        .client
        .group(&created.id)
        .get()
        .send()
        .await
        .expect("group");
    assert_eq!(g.name, "Client SCIM group 2");
    assert_eq!(
        g.members.iter().map(|m| &m.user_id).collect::<Vec<_>>(),
        vec![&b.id]
    );

    let mut replacement = ScimGroupRequest::new("Client SCIM group 3");
    replacement.members = Some(vec![
        ScimMember::new(a.id.clone()),
        ScimMember::new(b.id.clone()),
    ]);
    let replaced = scim
        .group(&created.id)
        .replace(&replacement)
        .await
        .expect("put group");
    assert_eq!(
        replaced.display_name.as_deref(),
        Some("Client SCIM group 3")
    );
    let got = scim.group(&created.id).get().await.expect("get group");
    let members: HashSet<_> = got
        .members
        .expect("members")
        .into_iter()
        .map(|m| m.value)
        .collect();
    assert_eq!(members, HashSet::from([a.id.clone(), b.id.clone()]));

    scim.group(&created.id)
        .delete()
        .await
        .expect("delete group");
    assert!(scim
        .group(&created.id)
        .get()
        .await
        .expect_err("deleted")
        .is_not_found());
    assert!(sim
        .client
        .group(&created.id)
        .get()
        .send()
        .await
        .expect_err("deleted")
        .is_not_found());
}

#[tokio::test]
async fn audit_log_walks_both_ways_and_resumes() {
    let sim = Sim::start().await;
    let end = Timestamp::now();
    let ids = |events: &[airtable_client::models::AuditEvent]| {
        events.iter().map(|e| e.id.clone()).collect::<Vec<_>>()
    };
    let asc: Vec<_> = sim
        .ent()
        .audit_log()
        .ascending()
        .end_time(end)
        .page_size(50)
        .events()
        .try_collect()
        .await
        .expect("ascending walk");
    assert_eq!(asc.len(), sim.info.counts.audit_events);
    let desc: Vec<_> = sim
        .ent()
        .audit_log()
        .descending()
        .end_time(end)
        .page_size(50)
        .events()
        .try_collect()
        .await
        .expect("descending walk");
    let mut reversed = ids(&desc);
    reversed.reverse();
    assert_eq!(ids(&asc), reversed);
    assert!(asc.windows(2).all(|w| w[0].timestamp <= w[1].timestamp));

    // One page, with the query given as a whole.
    let first = sim
        .ent()
        .audit_log()
        .query(AuditLogQuery {
            end_time: Some(end),
            page_size: Some(20),
            sort_order: SortOrder::Ascending,
            ..AuditLogQuery::default()
        })
        .page()
        .await
        .expect("one page");
    assert_eq!(ids(&first.events), ids(&asc[..20]));
    assert!(first.cursor.is_some());

    // Stop after 3 pages, persist the cursor as text, resume: nothing lost, nothing twice.
    for descending in [false, true] {
        let start = || {
            let r = sim.ent().audit_log().end_time(end).page_size(7);
            if descending {
                r.descending()
            } else {
                r.ascending()
            }
        };
        let pages: Vec<_> = start()
            .max_pages(3)
            .stream()
            .try_collect()
            .await
            .expect("first pages");
        assert_eq!(pages.len(), 3);
        let saved = pages[2].cursor.as_ref().expect("a cursor").to_string();
        let cursor: AuditCursor = saved.parse().expect("the cursor parses back");
        let rest: Vec<_> = sim
            .ent()
            .audit_log()
            .end_time(end)
            .page_size(7)
            .resume(cursor)
            .events()
            .try_collect()
            .await
            .expect("resumed walk");
        let mut walked: Vec<String> = pages.iter().flat_map(|p| ids(&p.events)).collect();
        walked.extend(ids(&rest));
        let expected = if descending { ids(&desc) } else { ids(&asc) };
        assert_eq!(walked, expected, "descending: {descending}");
    }

    // Tail the log: catch up, act, resume from the saved cursor, get exactly the new event.
    let pages: Vec<_> = sim
        .ent()
        .audit_log()
        .ascending()
        .page_size(100)
        .max_empty_pages(3)
        .stream()
        .try_collect()
        .await
        .expect("catch up");
    let caught_up = pages
        .last()
        .and_then(|p| p.cursor.clone())
        .expect("an open-ended walk keeps a cursor");
    let users = all_users(&sim).await;
    let subject = ordinary(&users, &sim.me())[0].id.clone();
    sim.ent().user(&subject).logout().await.expect("logout");
    let new: Vec<_> = sim
        .ent()
        .audit_log()
        .page_size(100)
        .resume(caught_up)
        .events()
        .try_collect()
        .await
        .expect("resume");
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(new[0].action, "logoutUser");
    assert_eq!(new[0].model_id, subject.as_str());

    // Filters reach the sim: only that user's logout.
    let filtered: Vec<_> = sim
        .ent()
        .audit_log()
        .descending()
        .originating_user(&sim.me())
        .category("user")
        .model_id(&subject)
        .start_time(end)
        .events()
        .try_collect()
        .await
        .expect("filtered walk");
    assert_eq!(ids(&filtered), ids(&new));
}

#[tokio::test]
async fn batched_lookups_and_paged_lists_on_a_bigger_enterprise() {
    // Enough users for >100 look-ups and >100 personal access tokens (admins and service
    // accounts have one), enough bases for three pages of 1,000.
    let sim = Sim::start_with(
        SimConfig {
            size: SimSize {
                users: 4_000,
                groups: 4,
                workspaces: 30,
                bases: 2_100,
                audit_events: 50,
            },
            ..SimConfig::default()
        },
        |b| b.no_rate_limit().per_base_rate_limit(None),
    )
    .await;
    let info = sim.ent().get().send().await.expect("get enterprise");
    assert_eq!(info.user_ids.len(), 4_000);

    // 1,000 IDs and 250 emails (150 of them of users already asked for by ID): 13 requests
    // of at most 100, 4 at a time, each user once.
    let emails: Vec<String> = sim
        .ent()
        .users()
        .by_ids(&info.user_ids[..250])
        .send()
        .await
        .expect("look-up")
        .into_iter()
        .map(|u| u.email)
        .collect();
    sim.reset_stats().await;
    let ids = &info.user_ids[100..1_100];
    let users: Vec<User> = sim
        .ent()
        .users()
        .by_ids(ids)
        .by_emails(emails.iter().cloned())
        .concurrency(4)
        .stream()
        .try_collect()
        .await
        .expect("batched look-up");
    let stats = sim.reset_stats().await;
    assert_eq!(count(&stats, "/requests"), 10 + 3);
    assert_eq!(count(&stats, "/byStatus/200"), 13);
    assert_eq!(users.len(), 1_100, "each user once");
    let got: HashSet<_> = users.iter().map(|u| u.id.clone()).collect();
    assert_eq!(
        got,
        info.user_ids[..1_100]
            .iter()
            .cloned()
            .collect::<HashSet<_>>()
    );
    // In batch order: the IDs first, in the order given.
    assert_eq!(users[0].id, info.user_ids[100]);

    // Bases: three pages following `offset`.
    let bases: Vec<_> = sim
        .client
        .list_bases()
        .try_collect()
        .await
        .expect("list bases");
    assert_eq!(bases.len(), 2_100);
    assert_eq!(
        bases.iter().map(|b| &b.id).collect::<HashSet<_>>().len(),
        2_100
    );
    assert_eq!(count(&sim.reset_stats().await, "/requests"), 3);

    // Personal access tokens: more than one page of 100.
    let tokens = sim
        .ent()
        .personal_access_tokens()
        .send()
        .await
        .expect("tokens");
    assert!(tokens.len() > 100, "{}", tokens.len());
    let pages = count(&sim.reset_stats().await, "/requests");
    assert_eq!(pages as usize, tokens.len().div_ceil(100));

    // The stream stops at the first failed batch and reports it.
    let mut stream = Box::pin(
        sim.client
            .with_token(airtable_client::AccessToken::new("bad-token"))
            .enterprise(&sim.ent)
            .users()
            .by_ids(&info.user_ids[..300])
            .stream(),
    );
    let first = stream.next().await.expect("an item");
    assert!(first.expect_err("401").is_unauthorized());
}

#[tokio::test]
async fn errors_from_the_sim() {
    let sim = Sim::start().await;
    let bad = sim
        .client
        .with_token(airtable_client::AccessToken::new("not-a-real-token"));
    let err = bad.whoami().await.expect_err("bad token");
    assert!(err.is_unauthorized(), "{err:?}");
    let nobody = uid("usr00000000000000");
    let err = sim
        .ent()
        .user(&nobody)
        .get()
        .send()
        .await
        .expect_err("unknown user");
    assert!(err.is_not_found(), "{err:?}");
    let other: EnterpriseId = "ent00000000000000".parse().expect("an enterprise ID");
    let err = sim
        .client
        .enterprise(&other)
        .get()
        .send()
        .await
        .expect_err("another enterprise");
    assert!(
        err.status().is_some_and(|s| s == 403 || s == 404),
        "{err:?}"
    );
}
