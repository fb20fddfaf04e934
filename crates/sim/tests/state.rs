//! State is real across endpoints: what one call changes, every other call sees, and the
//! audit log records.

mod common;

use common::{strs, strs_at, Sim};
use serde_json::{json, Value};

async fn latest_actions(sim: &Sim, n: usize) -> Vec<String> {
    let page = sim
        .ok(&sim.ent_url(&format!("/auditLogEvents?pageSize={n}")))
        .await;
    strs_at(&page["events"], "action")
}

/// An internal, managed, provisioned non-admin user who is in a group.
async fn ordinary_member(sim: &Sim) -> (String, String) {
    let ent = sim.enterprise().await;
    for id in strs(&ent["userIds"]) {
        let u = sim.user(&id).await;
        let in_group = u["groups"].as_array().is_some_and(|g| !g.is_empty());
        let owns = u["collaborations"]["workspaceCollaborations"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["permissionLevel"] == "owner");
        if u["isManaged"] == true
            && u["isAdmin"] == false
            && u["state"] == "provisioned"
            && in_group
            && !owns
        {
            return (id, u["email"].as_str().unwrap_or_default().to_string());
        }
    }
    panic!("no ordinary member in the seeded enterprise");
}

#[tokio::test]
async fn a_deleted_user_is_gone_everywhere() {
    let sim = Sim::start().await;
    let (id, _) = ordinary_member(&sim).await;
    let groups = strs(
        &sim.user(&id).await["groups"]
            .as_array()
            .map(|g| g.iter().map(|x| x["id"].clone()).collect::<Vec<_>>())
            .map(Value::Array)
            .unwrap_or_default(),
    );
    let (status, body) = sim.delete(&sim.ent_url(&format!("/users/{id}"))).await;
    assert_eq!((status, body.clone()), (200, json!({})), "{body}");
    let (status, _) = sim.get(&sim.ent_url(&format!("/users/{id}"))).await;
    assert_eq!(status, 404);
    let ent = sim.enterprise().await;
    assert!(!strs(&ent["userIds"]).contains(&id));
    for g in groups {
        let group = sim.ok(&sim.url(&format!("/v0/meta/groups/{g}"))).await;
        assert!(group["members"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|m| m["userId"] != json!(id)));
    }
    for w in strs(&ent["workspaceIds"]) {
        let ws = sim
            .ok(&sim.url(&format!("/v0/meta/workspaces/{w}?include=collaborators")))
            .await;
        assert!(!ws.to_string().contains(&id), "{id} still in {w}");
    }
    assert_eq!(latest_actions(&sim, 1).await, ["deleteUser"]);
    sim.shutdown().await;
}

#[tokio::test]
async fn admins_cannot_act_on_themselves() {
    let sim = Sim::start().await;
    let me = sim.info.admins[0].id.clone();
    let (status, body) = sim.delete(&sim.ent_url(&format!("/users/{me}"))).await;
    assert_eq!(status, 403);
    assert_eq!(body["error"]["type"], "INVALID_PERMISSIONS");
    let (status, body) = sim
        .post(
            &sim.ent_url(&format!("/users/{me}/remove")),
            json!({ "isDryRun": false }),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        body["error"]["message"],
        "You are not permitted to perform this operation on yourself"
    );
    let (status, _) = sim
        .patch(
            &sim.ent_url(&format!("/users/{me}")),
            json!({ "state": "deactivated" }),
        )
        .await;
    assert_eq!(status, 403);
    let (status, body) = sim
        .post(
            &sim.ent_url("/users/revokeAdminAccess"),
            json!({ "users": [{ "id": me }] }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["errors"][0]["id"], json!(me));
    assert_eq!(sim.user(&me).await["isAdmin"], true);
    sim.shutdown().await;
}

#[tokio::test]
async fn removing_a_user_unshares_and_hands_over_ownership() {
    let sim = Sim::start().await;
    let me = sim.info.admins[0].id.clone();
    let target = sim.info.admins[1].id.clone();
    let before = sim.user(&target).await;
    let owned: Vec<String> = before["collaborations"]["workspaceCollaborations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["permissionLevel"] == "owner")
        .filter_map(|c| c["workspaceId"].as_str().map(str::to_string))
        .collect();
    let url = sim.ent_url(&format!("/users/{target}/remove"));
    if !owned.is_empty() {
        let (status, body) = sim.post(&url, json!({ "isDryRun": false })).await;
        assert_eq!(status, 422, "a sole owner needs a replacement: {body}");
    }
    let (status, removed) = sim
        .post(&url, json!({ "isDryRun": false, "replacementOwnerId": me }))
        .await;
    assert_eq!(status, 200, "{removed}");
    assert_eq!(removed["wasUserRemovedAsAdmin"], true);
    let after = sim.user(&target).await;
    assert_eq!(after["isAdmin"], false);
    for kind in [
        "workspaceCollaborations",
        "baseCollaborations",
        "interfaceCollaborations",
    ] {
        assert_eq!(after["collaborations"][kind], json!([]), "{kind}");
    }
    assert_eq!(after["groups"], json!([]));
    let mine = sim.user(&me).await;
    let handed = strs_at(&removed["shared"]["workspaces"], "workspaceId");
    for w in &handed {
        assert!(owned.contains(w));
        assert!(mine["collaborations"]["workspaceCollaborations"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["workspaceId"] == json!(w) && c["permissionLevel"] == "owner"));
    }
    let actions = latest_actions(&sim, 50).await;
    assert!(actions.contains(&"revokeAdminAccess".to_string()));
    sim.shutdown().await;
}

#[tokio::test]
async fn admin_access_and_claims_are_batched_with_errors() {
    let sim = Sim::start().await;
    let (id, email) = ordinary_member(&sim).await;
    let (status, body) = sim
        .post(
            &sim.ent_url("/users/grantAdminAccess"),
            json!({
                "users": [
                    { "email": email },
                    { "id": "usr00000000000000" },
                    { "email": "nobody@nowhere.example" },
                    { "id": sim.info.admins[1].id },
                ]
            }),
        )
        .await;
    assert_eq!(status, 200);
    let types = strs_at(&body["errors"], "type");
    assert_eq!(
        types,
        ["USER_ID_NOT_FOUND", "NOT_FOUND", "USER_ALREADY_ADMIN"]
    );
    assert_eq!(sim.user(&id).await["isAdmin"], true);
    // Then, one after the other: each without errors, each changing the user.
    for (path, user, flag, now) in [
        (
            "/users/revokeAdminAccess",
            json!({ "id": id }),
            "isAdmin",
            false,
        ),
        (
            "/users/claim",
            json!({ "id": id, "state": "unmanaged" }),
            "isManaged",
            false,
        ),
        (
            "/users/claim",
            json!({ "email": email, "state": "managed" }),
            "isManaged",
            true,
        ),
    ] {
        let body = json!({ "users": [user] });
        let (_, answer) = sim.post(&sim.ent_url(path), body.clone()).await;
        assert_eq!(answer["errors"], json!([]), "{path} {body}");
        assert_eq!(sim.user(&id).await[flag], now, "{path} {body}");
    }
    let actions = latest_actions(&sim, 4).await;
    assert_eq!(
        actions,
        [
            "claimUser",
            "unclaimUser",
            "revokeAdminAccess",
            "grantAdminAccess"
        ]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn batch_updates_and_deletes_by_email() {
    let sim = Sim::start().await;
    let (id, email) = ordinary_member(&sim).await;
    let (status, body) = sim
        .patch(
            &sim.ent_url("/users"),
            json!({
                "users": [
                    { "id": id, "state": "deactivated", "firstName": "Renamed" },
                    { "id": "usr00000000000000", "state": "deactivated" },
                ]
            }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["updatedUsers"][0]["id"], json!(id));
    assert_eq!(body["updatedUsers"][0]["state"], "deactivated");
    assert_eq!(body["errors"][0]["type"], "USER_ID_NOT_FOUND");
    let u = sim.user(&id).await;
    assert_eq!(u["state"], "deactivated");
    assert!(u["name"]
        .as_str()
        .unwrap_or_default()
        .starts_with("Renamed"));

    // One user changed: the answer is the user as they are now.
    let (status, body) = sim
        .patch(
            &sim.ent_url(&format!("/users/{id}")),
            json!({ "firstName": "Again" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], json!(id));
    assert_eq!(body["email"], json!(email));
    assert_eq!(body["state"], "deactivated");
    assert!(
        body["name"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Again"),
        "{body}"
    );

    // The emails in a JSON body (a third-party OpenAPI file's shape): refused in words,
    // nobody deleted.
    let (status, body) = sim
        .send(
            sim.http
                .delete(sim.ent_url("/users"))
                .json(&json!({ "emails": [email] })),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("query string"),
        "{body}"
    );
    assert_eq!(sim.user(&id).await["id"], json!(id), "still there");

    let url = format!(
        "{}?email={}&email[]=nobody%40nowhere.example",
        sim.ent_url("/users"),
        url::form_urlencoded::byte_serialize(email.as_bytes()).collect::<String>()
    );
    let (status, body) = sim.delete(&url).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["deletedUsers"], json!([{ "email": email, "id": id }]));
    assert_eq!(body["errors"][0]["email"], "nobody@nowhere.example");
    let (status, _) = sim.get(&sim.ent_url(&format!("/users/{id}"))).await;
    assert_eq!(status, 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn workspace_and_base_lifecycle() {
    let sim = Sim::start().await;
    let (member, _) = ordinary_member(&sim).await;
    let ent = sim.enterprise().await;
    let group = strs(&ent["groupIds"])[0].clone();

    let (status, created) = sim.create_workspace("Launch").await;
    assert_eq!(status, 200, "{created}");
    let wsp = created["id"].as_str().unwrap_or_default().to_string();
    assert!(wsp.starts_with("wsp") && wsp.len() == 17);
    assert!(strs(&sim.enterprise().await["workspaceIds"]).contains(&wsp));

    let collab = sim.url(&format!("/v0/meta/workspaces/{wsp}/collaborators"));
    let (status, body) = sim
        .post(
            &collab,
            json!({ "collaborators": [
                { "user": { "id": member }, "permissionLevel": "edit" },
                { "group": { "id": group }, "permissionLevel": "read" },
            ]}),
        )
        .await;
    assert_eq!(status, 403, "one at a time: {body}");
    for c in [
        json!({ "user": { "id": member }, "permissionLevel": "edit" }),
        json!({ "group": { "id": group }, "permissionLevel": "read" }),
    ] {
        let (status, body) = sim.post(&collab, json!({ "collaborators": [c] })).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, _) = sim
        .post(
            &collab,
            json!({ "collaborators": [{ "group": { "id": group }, "permissionLevel": "owner" }] }),
        )
        .await;
    assert_eq!(status, 403, "groups cannot own workspaces");
    let (status, _) = sim
        .patch(
            &format!("{collab}/{member}"),
            json!({ "permissionLevel": "comment" }),
        )
        .await;
    assert_eq!(status, 200);
    let ws = sim
        .ok(&sim.url(&format!("/v0/meta/workspaces/{wsp}?include=collaborators")))
        .await;
    let levels: Vec<(Value, Value)> = ws["individualCollaborators"]["workspaceCollaborators"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| (c["userId"].clone(), c["permissionLevel"].clone()))
        .collect();
    assert!(levels.contains(&(json!(member), json!("comment"))));
    assert!(levels.contains(&(json!(sim.info.admins[0].id), json!("owner"))));
    assert_eq!(
        ws["groupCollaborators"]["workspaceCollaborators"][0]["groupId"],
        json!(group)
    );
    assert!(
        sim.user(&member).await["collaborations"]["workspaceCollaborations"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["workspaceId"] == json!(wsp))
    );

    let (status, _) = sim
        .post(
            &sim.url(&format!("/v0/meta/workspaces/{wsp}/updateRestrictions")),
            json!({ "inviteCreationRestriction": "onlyOwners" }),
        )
        .await;
    assert_eq!(status, 200);
    let ws = sim
        .ok(&sim.url(&format!("/v0/meta/workspaces/{wsp}")))
        .await;
    assert_eq!(
        ws["workspaceRestrictions"],
        json!({ "inviteCreationRestriction": "onlyOwners", "shareCreationRestriction": "unrestricted" })
    );

    // A base in it, with a schema.
    let (status, base) = sim
        .post(&sim.url("/v0/meta/bases"), json!({
            "name": "Apartment Hunting",
            "workspaceId": wsp,
            "tables": [{ "name": "Apartments", "description": "To visit", "fields": [
                { "name": "Name", "type": "singleLineText" },
                { "name": "Visited", "type": "checkbox", "options": { "color": "greenBright", "icon": "check" } },
            ]}],
        }))
        .await;
    assert_eq!(status, 200, "{base}");
    let app = base["id"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        base["tables"][0]["primaryFieldId"],
        base["tables"][0]["fields"][0]["id"]
    );
    let schema = sim
        .ok(&sim.url(&format!("/v0/meta/bases/{app}/tables")))
        .await;
    assert_eq!(schema["tables"], base["tables"]);
    let (status, _) = sim
        .post(
            &sim.url("/v0/meta/bases"),
            json!({
                "name": "Empty", "workspaceId": wsp, "tables": [],
            }),
        )
        .await;
    assert_eq!(status, 422);

    let bcollab = sim.url(&format!("/v0/meta/bases/{app}/collaborators"));
    let (status, _) = sim.add_user(&bcollab, &member, "create").await;
    assert_eq!(status, 200);
    let (status, _) = sim
        .patch(
            &format!("{bcollab}/{member}"),
            json!({ "permissionLevel": "read" }),
        )
        .await;
    assert_eq!(status, 200);
    let b = sim
        .ok(&sim.url(&format!("/v0/meta/bases/{app}?include=collaborators")))
        .await;
    assert_eq!(
        b["individualCollaborators"]["baseCollaborators"][0]["permissionLevel"],
        "read"
    );
    assert_eq!(
        b["permissionLevel"], "owner",
        "the creator owns the workspace"
    );
    let (status, _) = sim.delete(&format!("{bcollab}/{member}")).await;
    assert_eq!(status, 200);

    // Move it to another workspace, first in line.
    let other = strs(&sim.enterprise().await["workspaceIds"])[0].clone();
    let (status, body) = sim
        .post(
            &sim.url(&format!("/v0/meta/workspaces/{wsp}/moveBase")),
            json!({ "baseId": app, "targetWorkspaceId": other, "targetIndex": 0 }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let target = sim
        .ok(&sim.url(&format!("/v0/meta/workspaces/{other}")))
        .await;
    assert_eq!(target["baseIds"][0], json!(app));
    let b = sim.ok(&sim.url(&format!("/v0/meta/bases/{app}"))).await;
    assert_eq!(b["workspaceId"], json!(other));

    // Deleting the (now empty) workspace; then the base.
    let (status, _) = sim
        .delete(&sim.url(&format!("/v0/meta/workspaces/{wsp}")))
        .await;
    assert_eq!(status, 200);
    let (status, _) = sim
        .get(&sim.url(&format!("/v0/meta/workspaces/{wsp}")))
        .await;
    assert_eq!(status, 404);
    let (status, _) = sim.delete(&sim.url(&format!("/v0/meta/bases/{app}"))).await;
    assert_eq!(status, 200);
    let (status, _) = sim.get(&sim.url(&format!("/v0/meta/bases/{app}"))).await;
    assert_eq!(status, 404);
    let actions = latest_actions(&sim, 12).await;
    for a in [
        "deleteBase",
        "deleteWorkspace",
        "moveBase",
        "createBase",
        "addWorkspaceCollaborator",
    ] {
        assert!(actions.contains(&a.to_string()), "{a} in {actions:?}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn shares_extensions_and_interfaces() {
    let sim = Sim::start().await;
    let (member, _) = ordinary_member(&sim).await;
    let bases = sim.ok(&sim.url("/v0/meta/bases")).await;
    let ids = strs_at(&bases["bases"], "id");
    let mut share_done = false;
    let mut block_done = false;
    let mut interface_done = false;
    for app in &ids {
        let shares = sim
            .ok(&sim.url(&format!("/v0/meta/bases/{app}/shares")))
            .await;
        if let Some(s) = shares["shares"].as_array().and_then(|s| s.first()).cloned() {
            if !share_done {
                let shr = s["shareId"].as_str().unwrap_or_default();
                let url = sim.url(&format!("/v0/meta/bases/{app}/shares/{shr}"));
                let next = if s["state"] == "enabled" {
                    "disabled"
                } else {
                    "enabled"
                };
                let (status, _) = sim.patch(&url, json!({ "state": next })).await;
                assert_eq!(status, 200);
                let again = sim
                    .ok(&sim.url(&format!("/v0/meta/bases/{app}/shares")))
                    .await;
                assert_eq!(again["shares"][0]["state"], next);
                let (status, _) = sim.delete(&url).await;
                assert_eq!(status, 200);
                let (status, _) = sim.delete(&url).await;
                assert_eq!(status, 404);
                share_done = true;
            }
        }
        let blocks = sim
            .ok(&sim.url(&format!("/v0/meta/bases/{app}/blockInstallations")))
            .await;
        assert!(blocks.is_array(), "a bare array");
        if let Some(b) = blocks.as_array().and_then(|b| b.first()).cloned() {
            if !block_done {
                let bli = b["id"].as_str().unwrap_or_default();
                let url = sim.url(&format!("/v0/meta/bases/{app}/blockInstallations/{bli}"));
                let (status, _) = sim.patch(&url, json!({ "state": "disabled" })).await;
                assert_eq!(status, 200);
                let (status, _) = sim.patch(&url, json!({ "state": "off" })).await;
                assert_eq!(status, 422);
                let (status, _) = sim.delete(&url).await;
                assert_eq!(status, 200);
                block_done = true;
            }
        }
        let base = sim
            .ok(&sim.url(&format!("/v0/meta/bases/{app}?include=interfaces")))
            .await;
        if let Some((pbd, _)) = base["interfaces"].as_object().and_then(|m| m.iter().next()) {
            if !interface_done {
                let url = sim.url(&format!(
                    "/v0/meta/bases/{app}/interfaces/{pbd}/collaborators"
                ));
                let (status, body) = sim.add_user(&url, &member, "edit").await;
                if status == 422 {
                    // Already a collaborator: take them off first.
                    let (status, _) = sim.delete(&format!("{url}/{member}")).await;
                    assert_eq!(status, 200, "{body}");
                    continue;
                }
                assert_eq!(status, 200, "{body}");
                let (status, _) = sim
                    .patch(
                        &format!("{url}/{member}"),
                        json!({ "permissionLevel": "read" }),
                    )
                    .await;
                assert_eq!(status, 200);
                let i = sim
                    .ok(&sim.url(&format!(
                        "/v0/meta/bases/{app}/interfaces/{pbd}?include=collaborators&include=inviteLinks"
                    )))
                    .await;
                assert!(i["individualCollaborators"]["interfaceCollaborators"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|c| c["userId"] == json!(member) && c["permissionLevel"] == "read"));
                let u = sim.user(&member).await;
                assert!(u["collaborations"]["interfaceCollaborations"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|c| c["interfaceId"] == json!(pbd)));
                let (status, _) = sim.delete(&format!("{url}/{member}")).await;
                assert_eq!(status, 200);
                interface_done = true;
            }
        }
    }
    assert!(share_done && block_done && interface_done);
    sim.shutdown().await;
}

#[tokio::test]
async fn descendants_moves_tokens_allowlist_and_packages() {
    let sim = Sim::start().await;
    let (status, body) = sim
        .post(&sim.ent_url("/descendants"), json!({ "name": "EMEA" }))
        .await;
    assert_eq!(status, 200, "{body}");
    let unit = body["id"].as_str().unwrap_or_default().to_string();
    let ent = sim.enterprise().await;
    assert_eq!(
        strs(&ent["descendantEnterpriseAccountIds"]),
        vec![unit.clone()]
    );
    let group = strs(&ent["groupIds"])[0].clone();
    let wsp = strs(&ent["workspaceIds"])[0].clone();

    let (_, moved) = sim
        .post(
            &sim.ent_url("/moveGroups"),
            json!({
                "groupIds": [group, "ugp00000000000000"], "targetEnterpriseAccountId": unit,
            }),
        )
        .await;
    assert_eq!(moved["movedGroups"], json!([{ "id": group }]));
    assert_eq!(moved["errors"][0]["id"], "ugp00000000000000");
    let (_, moved) = sim
        .post(
            &sim.ent_url("/moveWorkspaces"),
            json!({
                "workspaceIds": [wsp], "targetEnterpriseAccountId": unit,
            }),
        )
        .await;
    assert_eq!(moved["movedWorkspaces"], json!([{ "id": wsp }]));
    let ent = sim
        .ok(&sim.ent_url("?include=descendants&include[]=aggregated"))
        .await;
    assert!(!strs(&ent["groupIds"]).contains(&group));
    assert!(!strs(&ent["workspaceIds"]).contains(&wsp));
    assert!(strs(&ent["descendants"][&unit]["groupIds"]).contains(&group));
    assert!(strs(&ent["descendants"][&unit]["workspaceIds"]).contains(&wsp));
    assert!(strs(&ent["aggregated"]["workspaceIds"]).contains(&wsp));
    let g = sim.ok(&sim.url(&format!("/v0/meta/groups/{group}"))).await;
    assert_eq!(g["enterpriseAccountId"], json!(unit));

    let tokens = sim.ok(&sim.ent_url("/personalAccessTokens")).await;
    let pat = tokens["personalAccessTokens"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(tokens["personalAccessTokens"][0]
        .get("resourceAccess")
        .is_none());
    let revoke = sim.ent_url("/personalAccessTokens/revoke");
    let (_, body) = sim.post(&revoke, json!({ "tokenIds": [pat] })).await;
    assert_eq!(body["revokedTokens"][0]["id"], json!(pat));
    assert_eq!(body["errors"], json!([]));
    let (_, body) = sim
        .post(&revoke, json!({ "tokenIds": [pat, "patNOPE0000000000"] }))
        .await;
    assert_eq!(body["revokedTokens"], json!([]));
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(2));
    let tokens = sim.ok(&sim.ent_url("/personalAccessTokens")).await;
    assert_eq!(tokens["personalAccessTokens"][0]["state"], "revoked");

    let other = strs(&ent["workspaceIds"])[0].clone();
    let (_, body) = sim
        .post(
            &sim.ent_url("/workspaceAiAllowlist"),
            json!({
                "workspaces": [
                    { "workspaceId": other, "isAllowed": true },
                    { "workspaceId": "wspNOPE0000000000", "isAllowed": true },
                ]
            }),
        )
        .await;
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(1));

    let packages = sim.ok(&sim.ent_url("/packages")).await;
    let pkg = packages["packages"][0].clone();
    let (status, created) = sim
        .post(
            &sim.ent_url(&format!(
                "/packages/{}/install",
                pkg["id"].as_str().unwrap_or_default()
            )),
            json!({
                "name": "From the package",
                "packageReleaseId": pkg["latestReleaseId"],
                "workspaceId": other,
            }),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    let app = created["id"].as_str().unwrap_or_default();
    assert!(created["tables"].as_array().is_some_and(|t| !t.is_empty()));
    let base = sim
        .ok(&sim.url(&format!("/v0/meta/bases/{app}?include=packages")))
        .await;
    assert_eq!(base["packageInstallations"][0]["packageId"], pkg["id"]);
    sim.shutdown().await;
}
