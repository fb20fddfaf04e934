//! The endpoints the other suites do not drive on their success path: user look-ups, one
//! user's update and sign-out, the claim alias, invites, collaborator removal, paging by
//! `offset`, SCIM get/replace and its `startIndex`/`count` edges.

mod common;

use airtable_sim::{SimConfig, SimSize};
use common::{strs, strs_at, Sim, SCIM_GROUP as GROUP, SCIM_USER as USER};
use serde_json::{json, Value};

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn latest_action(sim: &Sim) -> Value {
    sim.ok(&sim.ent_url("/auditLogEvents?pageSize=1")).await["events"][0].clone()
}

#[tokio::test]
async fn users_are_looked_up_by_id_and_email() {
    let sim = Sim::start().await;
    let a = sim.info.non_admins[0].clone();
    let b = sim.info.non_admins[1].clone();
    // Both encodings, mixed; the same person twice comes back once; unknown ones are left out.
    let url = sim.ent_url(&format!(
        "/users?id={}&email[]={}&email={}&id[]=usrNOPE0000000000&include=collaborations",
        a.id,
        enc(&b.email),
        enc(&a.email)
    ));
    let body = sim.ok(&url).await;
    let users = body["users"].as_array().cloned().unwrap_or_default();
    let ids: Vec<&str> = users.iter().filter_map(|u| u["id"].as_str()).collect();
    assert_eq!(ids, [a.id.as_str(), b.id.as_str()]);
    assert!(users[0]["collaborations"].is_object());
    assert_eq!(users[1]["email"], json!(b.email));
    // Without include, no collaborations.
    let body = sim.ok(&sim.ent_url(&format!("/users?id={}", a.id))).await;
    assert!(body["users"][0].get("collaborations").is_none());
    assert_eq!(body["users"][0], {
        let mut one = sim.user(&a.id).await;
        if let Some(o) = one.as_object_mut() {
            o.remove("collaborations");
        }
        one
    });
    sim.shutdown().await;
}

#[tokio::test]
async fn one_user_is_updated_logged_out_and_claimed_through_the_alias() {
    let sim = Sim::start().await;
    let person = sim.info.non_admins[0].clone();
    let url = sim.ent_url(&format!("/users/{}", person.id));
    let (status, body) = sim
        .patch(&url, json!({ "firstName": "Ada", "lastName": "Lovelace" }))
        .await;
    assert_eq!(status, 200);
    // The answer is the user as a plain read gives them now.
    assert_eq!(body, {
        let mut now = sim.user(&person.id).await;
        if let Some(o) = now.as_object_mut() {
            o.remove("collaborations");
        }
        now
    });
    assert_eq!(body["name"], "Ada Lovelace");
    let (status, _) = sim.patch(&url, json!({ "state": "deactivated" })).await;
    assert_eq!(status, 200);
    assert_eq!(sim.user(&person.id).await["state"], "deactivated");
    assert_eq!(latest_action(&sim).await["action"], "deactivateUser");
    let (status, _) = sim.patch(&url, json!({ "state": "provisioned" })).await;
    assert_eq!(status, 200);
    assert_eq!(sim.user(&person.id).await["state"], "provisioned");

    // Signing someone out of every session.
    let (status, body) = sim.send(sim.http.post(format!("{url}/logout"))).await;
    assert_eq!((status, body), (200, json!({})));
    let e = latest_action(&sim).await;
    assert_eq!(e["action"], "logoutUser");
    assert_eq!(e["modelId"], json!(person.id));

    // `…/claim/users` is the same endpoint as `…/users/claim`.
    let (status, body) = sim
        .post(
            &sim.ent_url("/claim/users"),
            json!({ "users": [{ "email": person.email, "state": "unmanaged" }] }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["errors"], json!([]));
    assert_eq!(sim.user(&person.id).await["isManaged"], false);
    sim.shutdown().await;
}

#[tokio::test]
async fn workspace_collaborators_and_invites_are_removed() {
    let sim = Sim::start().await;
    let ent = sim.enterprise().await;
    let member = sim.info.non_admins[1].id.clone();
    // A workspace with an invite link.
    let mut found = None;
    for w in strs(&ent["workspaceIds"]) {
        let ws = sim
            .ok(&sim.url(&format!("/v0/meta/workspaces/{w}?include=inviteLinks")))
            .await;
        if let Some(inv) = ws["inviteLinks"]["workspaceInviteLinks"][0]["id"].as_str() {
            found = Some((w, inv.to_string()));
            break;
        }
    }
    let (wsp, inv) = found.expect("a workspace with an invite link");
    let url = sim.url(&format!("/v0/meta/workspaces/{wsp}/invites/{inv}"));
    let (status, body) = sim.delete(&url).await;
    assert_eq!((status, body), (200, json!({})));
    let (status, _) = sim.delete(&url).await;
    assert_eq!(status, 404, "already gone");
    let ws = sim
        .ok(&sim.url(&format!("/v0/meta/workspaces/{wsp}?include=inviteLinks")))
        .await;
    assert!(!ws.to_string().contains(&inv));
    assert_eq!(
        latest_action(&sim).await["action"],
        "removeWorkspaceInviteLink"
    );

    // A collaborator added, then removed.
    let collab = sim.url(&format!("/v0/meta/workspaces/{wsp}/collaborators"));
    let (status, body) = sim.add_user(&collab, &member, "edit").await;
    assert!(status == 200 || status == 422, "{body}");
    let (status, body) = sim.delete(&format!("{collab}/{member}")).await;
    assert_eq!((status, body), (200, json!({})));
    let ws = sim
        .ok(&sim.url(&format!("/v0/meta/workspaces/{wsp}?include=collaborators")))
        .await;
    assert!(ws["individualCollaborators"]["workspaceCollaborators"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|c| c["userId"] != json!(member)));
    assert!(
        sim.user(&member).await["collaborations"]["workspaceCollaborations"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|c| c["workspaceId"] != json!(wsp))
    );
    assert_eq!(
        latest_action(&sim).await["action"],
        "removeWorkspaceCollaborator"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn base_and_interface_invites_are_deleted() {
    let sim = Sim::start().await;
    let bases = sim.ok(&sim.url("/v0/meta/bases")).await;
    let (mut base_done, mut interface_done) = (false, false);
    for b in bases["bases"].as_array().into_iter().flatten() {
        let app = b["id"].as_str().unwrap_or_default();
        let full = sim
            .ok(&sim.url(&format!(
                "/v0/meta/bases/{app}?include=inviteLinks&include=interfaces"
            )))
            .await;
        if let (false, Some(inv)) = (
            base_done,
            full["inviteLinks"]["baseInviteLinks"][0]["id"].as_str(),
        ) {
            let url = sim.url(&format!("/v0/meta/bases/{app}/invites/{inv}"));
            let (status, body) = sim.delete(&url).await;
            assert_eq!((status, body), (200, json!({})));
            assert_eq!(sim.delete(&url).await.0, 404);
            let again = sim
                .ok(&sim.url(&format!("/v0/meta/bases/{app}?include=inviteLinks")))
                .await;
            assert!(!again.to_string().contains(inv));
            base_done = true;
        }
        for (pbd, _) in full["interfaces"].as_object().into_iter().flatten() {
            if interface_done {
                break;
            }
            let i = sim
                .ok(&sim.url(&format!(
                    "/v0/meta/bases/{app}/interfaces/{pbd}?include=inviteLinks"
                )))
                .await;
            let Some(inv) = i["inviteLinks"][0]["id"].as_str() else {
                continue;
            };
            let url = sim.url(&format!(
                "/v0/meta/bases/{app}/interfaces/{pbd}/invites/{inv}"
            ));
            let (status, body) = sim.delete(&url).await;
            assert_eq!((status, body), (200, json!({})));
            assert_eq!(sim.delete(&url).await.0, 404);
            interface_done = true;
        }
    }
    assert!(base_done, "some base has an invite link");
    assert!(interface_done, "some interface has an invite link");
    sim.shutdown().await;
}

#[tokio::test]
async fn bases_and_tokens_page_by_offset() {
    // Enough bases for two pages of 1,000, enough service accounts for two pages of tokens.
    let sim = Sim::start_with(SimConfig {
        size: SimSize {
            users: 4_000,
            groups: 3,
            workspaces: 10,
            bases: 1_100,
            audit_events: 10,
        },
        ..SimConfig::default()
    })
    .await;
    let first = sim.ok(&sim.url("/v0/meta/bases")).await;
    assert_eq!(first["bases"].as_array().map(Vec::len), Some(1000));
    let offset = first["offset"].as_str().expect("an offset").to_string();
    let second = sim
        .ok(&sim.url(&format!("/v0/meta/bases?offset={}", enc(&offset))))
        .await;
    let rest = second["bases"].as_array().cloned().unwrap_or_default();
    assert_eq!(rest.len(), 100);
    assert!(
        second.get("offset").is_none(),
        "the last page has no offset"
    );
    let mut all: Vec<Value> = first["bases"].as_array().cloned().unwrap_or_default();
    all.extend(rest);
    let mut ids: Vec<&str> = all.iter().filter_map(|b| b["id"].as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 1_100, "every base once");

    let tokens = sim.ok(&sim.ent_url("/personalAccessTokens")).await;
    let page = tokens["personalAccessTokens"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(page.len(), 100);
    let offset = tokens["offset"].as_str().expect("an offset").to_string();
    let next = sim
        .ok(&sim.ent_url(&format!(
            "/personalAccessTokens?offset={offset}&includeResources=true"
        )))
        .await;
    let more = next["personalAccessTokens"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!more.is_empty() && more.len() < 100, "{}", more.len());
    assert!(next.get("offset").is_none());
    assert!(more[0].get("resourceAccess").is_some());
    assert!(more
        .iter()
        .all(|t| !page.iter().any(|p| p["id"] == t["id"])));
    let past = sim
        .ok(&sim.ent_url("/personalAccessTokens?offset=100000"))
        .await;
    assert_eq!(past["personalAccessTokens"], json!([]));
    sim.shutdown().await;
}

#[tokio::test]
async fn ai_allowlist_changes_are_recorded() {
    let sim = Sim::start().await;
    let wsp = strs(&sim.enterprise().await["workspaceIds"])[0].clone();
    let (status, body) = sim
        .post(
            &sim.ent_url("/workspaceAiAllowlist"),
            json!({ "workspaces": [{ "workspaceId": wsp, "isAllowed": true }] }),
        )
        .await;
    assert_eq!((status, body), (200, json!({ "errors": [] })));
    let e = latest_action(&sim).await;
    assert_eq!(e["action"], "updateWorkspaceAiAllowlist");
    assert_eq!(e["payload"]["current"]["isAllowed"], true);
    sim.shutdown().await;
}

#[tokio::test]
async fn scim_get_and_replace() {
    let sim = Sim::start().await;
    let list = sim.ok(&sim.url("/scim/v2/Users?count=1")).await;
    let first = list["Resources"][0].clone();
    let id = first["id"].as_str().unwrap_or_default().to_string();
    let url = sim.url(&format!("/scim/v2/Users/{id}"));
    let got = sim.ok(&url).await;
    assert_eq!(got, first, "the list and the resource agree");
    let (status, replaced) = sim
        .send(sim.http.put(&url).json(&json!({
            "schemas": [USER],
            "userName": first["userName"],
            "name": { "givenName": "Grace", "familyName": "Hopper" },
            "title": "Rear Admiral",
            "externalId": "idp-42",
            "active": true,
        })))
        .await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(
        replaced["name"],
        json!({ "familyName": "Hopper", "givenName": "Grace" })
    );
    assert_eq!(replaced["title"], "Rear Admiral");
    assert_eq!(replaced["externalId"], "idp-42");
    assert_eq!(sim.ok(&url).await, replaced);
    assert_eq!(sim.user(&id).await["name"], "Grace Hopper");
    // Replacing with someone else's userName is a conflict.
    let other = sim
        .ok(&sim.url("/scim/v2/Users?startIndex=2&count=1"))
        .await["Resources"][0]["userName"]
        .clone();
    let (status, body) = sim
        .send(
            sim.http
                .put(&url)
                .json(&json!({ "schemas": [USER], "userName": other })),
        )
        .await;
    assert_eq!(status, 409, "{body}");

    let groups = sim.ok(&sim.url("/scim/v2/Groups")).await;
    let g = groups["Resources"][0].clone();
    let gid = g["id"].as_str().unwrap_or_default().to_string();
    let gurl = sim.url(&format!("/scim/v2/Groups/{gid}"));
    assert_eq!(sim.ok(&gurl).await["id"], json!(gid));
    let (status, replaced) = sim
        .send(sim.http.put(&gurl).json(&json!({
            "schemas": [GROUP],
            "displayName": "Replaced Group",
            "members": [{ "value": id }],
        })))
        .await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["displayName"], "Replaced Group");
    let values: Vec<&Value> = replaced["members"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| &m["value"])
        .collect();
    assert_eq!(values, [&json!(id)]);
    let meta = sim.ok(&sim.url(&format!("/v0/meta/groups/{gid}"))).await;
    assert_eq!(meta["name"], "Replaced Group");
    let members = strs_at(&meta["members"], "userId");
    assert_eq!(members, [id.as_str()]);
    sim.shutdown().await;
}

#[tokio::test]
async fn scim_start_index_and_count_edges() {
    let sim = Sim::start().await;
    let all = sim.ok(&sim.url("/scim/v2/Users?count=1000")).await;
    let total = all["totalResults"].as_u64().unwrap_or_default() as usize;
    assert_eq!(all["Resources"].as_array().map(Vec::len), Some(total));
    let ids = |v: &Value| -> Vec<Value> {
        v["Resources"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| r["id"].clone())
            .collect()
    };
    let every = ids(&all);
    // Defaults: startIndex 1, count 100.
    let default = sim.ok(&sim.url("/scim/v2/Users")).await;
    assert_eq!(default["startIndex"], 1);
    assert_eq!(ids(&default), every[..total.min(100)]);
    for (query, start, expect) in [
        // Below 1 reads as 1.
        ("startIndex=0&count=2", 1, every[..2].to_vec()),
        ("startIndex=-5&count=2", 1, every[..2].to_vec()),
        // count=0 (and negative) gives only totalResults.
        ("count=0", 1, vec![]),
        ("count=-3", 1, vec![]),
        // The last one, and past the end.
        (
            &format!("startIndex={total}&count=5") as &str,
            total,
            every[total - 1..].to_vec(),
        ),
        (
            &format!("startIndex={}&count=5", total + 1),
            total + 1,
            vec![],
        ),
        ("startIndex=2&count=1", 2, every[1..2].to_vec()),
    ] {
        let page = sim.ok(&sim.url(&format!("/scim/v2/Users?{query}"))).await;
        assert_eq!(page["startIndex"], json!(start), "{query}");
        assert_eq!(page["totalResults"], json!(total), "{query}");
        assert_eq!(page["itemsPerPage"], json!(expect.len()), "{query}");
        assert_eq!(ids(&page), expect, "{query}");
    }
    // Walking by pages of 5 sees everyone once.
    let mut walked = Vec::new();
    let mut start = 1;
    loop {
        let page = sim
            .ok(&sim.url(&format!("/scim/v2/Users?startIndex={start}&count=5")))
            .await;
        let got = ids(&page);
        if got.is_empty() {
            break;
        }
        start += got.len();
        walked.extend(got);
    }
    assert_eq!(walked, every);
    for bad in ["startIndex=one", "count=many"] {
        let (status, body) = sim.get(&sim.url(&format!("/scim/v2/Users?{bad}"))).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["scimType"], "invalidValue");
    }
    let groups = sim
        .ok(&sim.url("/scim/v2/Groups?startIndex=2&count=1"))
        .await;
    assert_eq!(groups["itemsPerPage"], 1);
    assert_eq!(groups["startIndex"], 2);
    sim.shutdown().await;
}
