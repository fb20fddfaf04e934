//! SCIM 2.0 as identity providers drive it.

mod common;

use common::{Sim, SCIM_GROUP as GROUP, SCIM_USER as USER};
use serde_json::{json, Value};

const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

#[tokio::test]
async fn users_list_filter_page_create_patch_delete() {
    let sim = Sim::start().await;
    let all = sim.ok(&sim.url("/scim/v2/Users?count=1000")).await;
    assert_eq!(all["schemas"], json!([LIST]));
    let total = all["totalResults"].as_u64().unwrap_or_default();
    assert!(total > 5);
    let second = sim
        .ok(&sim.url("/scim/v2/Users?startIndex=3&count=2"))
        .await;
    assert_eq!(second["startIndex"], 3);
    assert_eq!(second["itemsPerPage"], 2);
    assert_eq!(second["Resources"][0]["id"], all["Resources"][2]["id"]);

    let first: Value = all["Resources"][0].clone();
    for key in [
        "active", "emails", "id", "meta", "name", "schemas", "userName",
    ] {
        assert!(first.get(key).is_some(), "{key} in {first}");
    }
    let user_name = first["userName"].as_str().unwrap_or_default();
    let filter = format!("userName eq \"{user_name}\"");
    let found = sim
        .ok(&format!(
            "{}?filter={}",
            sim.url("/scim/v2/Users"),
            url::form_urlencoded::byte_serialize(filter.as_bytes()).collect::<String>()
        ))
        .await;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], first["id"]);

    // `or` is grammar the simulator does not read: 400 invalidFilter, as SCIM says, rather
    // than an empty list an identity provider would take for "nobody".
    let either = format!("userName eq \"{user_name}\" or userName eq \"x@{user_name}\"");
    let (status, refused) = sim
        .get(&format!(
            "{}?filter={}",
            sim.url("/scim/v2/Users"),
            url::form_urlencoded::byte_serialize(either.as_bytes()).collect::<String>()
        ))
        .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["scimType"], "invalidFilter", "{refused}");

    let domain = user_name.rsplit('@').next().unwrap_or_default();
    let (status, created) = sim
        .post(
            &sim.url("/scim/v2/Users"),
            json!({
                "schemas": [USER],
                "userName": format!("new.person@{domain}"),
                "name": { "givenName": "New", "familyName": "Person" },
                "externalId": "okta-123",
            }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap_or_default().to_string();
    let (status, dup) = sim
        .post(
            &sim.url("/scim/v2/Users"),
            json!({
                "schemas": [USER], "userName": format!("new.person@{domain}"),
            }),
        )
        .await;
    assert_eq!(status, 409, "{dup}");
    assert_eq!(dup["status"], "409");
    let (status, _) = sim
        .post(
            &sim.url("/scim/v2/Users"),
            json!({
                "schemas": [USER], "userName": "someone@elsewhere.example",
            }),
        )
        .await;
    assert_eq!(status, 400, "only the enterprise's domains");

    let (status, patched) = sim
        .patch(
            &sim.url(&format!("/scim/v2/Users/{id}")),
            json!({
                "schemas": [PATCH],
                "Operations": [
                    { "op": "replace", "path": "active", "value": false },
                    { "op": "replace", "value": { "title": "Manager" } },
                ],
            }),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["active"], false);
    assert_eq!(patched["title"], "Manager");
    let u = sim.user(&id).await;
    assert_eq!(u["state"], "deactivated");

    let (status, _) = sim.delete(&sim.url(&format!("/scim/v2/Users/{id}"))).await;
    assert_eq!(status, 204);
    let (status, body) = sim.get(&sim.url(&format!("/scim/v2/Users/{id}"))).await;
    assert_eq!(status, 404);
    assert_eq!(body["status"], "404");
    sim.shutdown().await;
}

#[tokio::test]
async fn groups_create_patch_members_and_delete() {
    let sim = Sim::start().await;
    let users = sim.ok(&sim.url("/scim/v2/Users?count=3")).await;
    let a = users["Resources"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let b = users["Resources"][1]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (status, g) = sim
        .post(
            &sim.url("/scim/v2/Groups"),
            json!({
                "schemas": [GROUP], "displayName": "Example Group", "members": [{ "value": a }],
            }),
        )
        .await;
    assert_eq!(status, 201, "{g}");
    let id = g["id"].as_str().unwrap_or_default().to_string();
    let url = sim.url(&format!("/scim/v2/Groups/{id}"));
    let (status, g) = sim
        .patch(
            &url,
            json!({
                "schemas": [PATCH],
                "Operations": [
                    { "op": "add", "path": "members", "value": { "value": b } },
                    { "op": "remove", "path": format!("members[value eq \"{a}\"]") },
                    { "op": "replace", "path": "displayName", "value": "Updated Example Group" },
                ],
            }),
        )
        .await;
    assert_eq!(status, 200, "{g}");
    assert_eq!(g["displayName"], "Updated Example Group");
    assert_eq!(g["members"].as_array().map(Vec::len), Some(1));
    assert_eq!(g["members"][0]["value"], json!(b));
    // The meta API sees the same group.
    let meta = sim.ok(&sim.url(&format!("/v0/meta/groups/{id}"))).await;
    assert_eq!(meta["name"], "Updated Example Group");
    assert_eq!(meta["members"][0]["userId"], json!(b));
    let found = sim
        .ok(&sim.url("/scim/v2/Groups?filter=displayName%20eq%20%22Updated%20Example%20Group%22"))
        .await;
    assert_eq!(found["totalResults"], 1);

    let (status, _) = sim.delete(&url).await;
    assert_eq!(status, 204);
    let (status, _) = sim.get(&sim.url(&format!("/v0/meta/groups/{id}"))).await;
    assert_eq!(status, 404);
    sim.shutdown().await;
}
