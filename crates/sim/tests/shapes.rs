//! Every response the console reads has the shape of Airtable's real samples
//! (../shared/fixtures/airtable): same keys, same kinds, recursively.

mod common;

use common::{assert_shape, fixture, strs, strs_at, Sim};
use serde_json::{json, Value};

/// The entity of a list that has the most non-empty arrays/maps: the best specimen.
fn richest<'a>(items: impl Iterator<Item = &'a Value>) -> Option<&'a Value> {
    fn score(v: &Value) -> usize {
        match v {
            Value::Array(a) => usize::from(!a.is_empty()) + a.iter().map(score).sum::<usize>(),
            Value::Object(o) => usize::from(!o.is_empty()) + o.values().map(score).sum::<usize>(),
            _ => 0,
        }
    }
    items.max_by_key(|v| score(v))
}

/// What a successful GET of `path(id)` answers, for each id in `ids`.
async fn each(sim: &Sim, ids: &Value, path: impl Fn(&str) -> String) -> Vec<Value> {
    let mut out = Vec::new();
    for id in strs(ids) {
        out.push(sim.ok(&sim.url(&path(&id))).await);
    }
    out
}

#[tokio::test]
async fn enterprise_user_group_and_workspace_look_like_airtable() {
    let sim = Sim::start().await;
    let ent = sim.enterprise().await;
    assert_shape(&ent, &fixture("EnterpriseInfo.json"), &[]);
    assert_eq!(ent["id"], json!(sim.ent()));

    let mut users = Vec::new();
    for id in ent["userIds"].as_array().into_iter().flatten() {
        let id = id.as_str().unwrap_or_default();
        users.push(sim.user(id).await);
    }
    let internal = users.iter().filter(|u| u.get("isManaged").is_some());
    let user = richest(internal).expect("an internal user");
    assert_shape(user, &fixture("UserInfo.json"), &["isSuperAdmin"]);

    let groups = each(&sim, &ent["groupIds"], |id| {
        format!("/v0/meta/groups/{id}?include=collaborations")
    })
    .await;
    let group = richest(groups.iter()).expect("a group");
    assert_shape(group, &fixture("UserGroup.json"), &[]);

    let workspaces = each(&sim, &ent["workspaceIds"], |id| {
        format!("/v0/meta/workspaces/{id}?include=collaborators&include=inviteLinks")
    })
    .await;
    let ws = richest(workspaces.iter()).expect("a workspace");
    assert_shape(ws, &fixture("WorkspaceCollaborators.json"), &[]);
    sim.shutdown().await;
}

#[tokio::test]
async fn bases_schema_shares_and_lists_look_like_airtable() {
    let sim = Sim::start().await;
    let list = sim.ok(&sim.url("/v0/meta/bases")).await;
    assert_shape(&list, &fixture("Bases.json"), &["offset"]);
    let ids = strs_at(&list["bases"], "id");
    assert!(!ids.is_empty());

    let mut bases = Vec::new();
    let mut shares = Vec::new();
    for id in &ids {
        bases.push(
            sim.ok(&sim.url(&format!(
                "/v0/meta/bases/{id}?include=collaborators&include=inviteLinks&include=interfaces&include[]=packages"
            )))
            .await,
        );
        let s = sim
            .ok(&sim.url(&format!("/v0/meta/bases/{id}/shares")))
            .await;
        shares.extend(s["shares"].as_array().cloned().unwrap_or_default());
    }
    let base = richest(bases.iter()).expect("a base");
    assert!(
        bases
            .iter()
            .any(|b| b["interfaces"].as_object().is_some_and(|m| !m.is_empty())),
        "some base has an interface"
    );
    for b in &bases {
        assert_shape(b, &fixture("BaseCollaborators.json"), &[]);
    }
    assert_shape(base, &fixture("BaseCollaborators.json"), &[]);
    assert!(!shares.is_empty(), "some base has a share");
    assert_shape(
        &json!({ "shares": shares }),
        &fixture("BaseShares.json"),
        &[
            "shares.*.effectiveEmailDomainAllowList",
            "shares.*.canBeSynced",
            "shares.*.viewId",
            "shares.*.blockInstallationId",
        ],
    );

    // Field options differ by field type; compare everything else.
    let mut schema = sim
        .ok(&sim.url(&format!("/v0/meta/bases/{}/tables", ids[0])))
        .await;
    let mut sample = fixture("BaseSchema.json");
    for doc in [&mut schema, &mut sample] {
        for t in doc["tables"].as_array_mut().into_iter().flatten() {
            for f in t["fields"].as_array_mut().into_iter().flatten() {
                if let Some(o) = f.as_object_mut() {
                    o.remove("options");
                }
            }
        }
    }
    assert_shape(
        &schema,
        &sample,
        &["tables.*.description", "tables.*.fields.*.description"],
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn audit_events_look_like_airtable() {
    let sim = Sim::start().await;
    let page = sim.ok(&sim.ent_url("/auditLogEvents?pageSize=200")).await;
    let events = page["events"].as_array().cloned().unwrap_or_default();
    assert_eq!(events.len(), 200);
    // Payloads differ by event type; compare the envelope.
    let strip = |mut v: Value| {
        for e in v["events"].as_array_mut().into_iter().flatten() {
            e["payload"] = json!({});
        }
        v
    };
    assert_shape(
        &strip(page.clone()),
        &strip(fixture("AuditLogResponse.json")),
        &[
            "events.*.context.baseId",
            "events.*.context.interfaceId",
            "events.*.context.workspaceId",
            "events.*.origin.sessionId",
            "events.*.actor.user",
            "events.*.actor.automationId",
        ],
    );
    for e in &events {
        let id = e["id"].as_str().unwrap_or_default();
        assert_eq!(id.len(), 26, "ULID ids");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn packages_tokens_and_removal_look_like_airtable() {
    let sim = Sim::start().await;
    let packages = sim.ok(&sim.ent_url("/packages")).await;
    let list = packages["packages"].as_array().cloned().unwrap_or_default();
    assert!(!list.is_empty());
    for p in &list {
        assert_shape(p, &fixture("Package.json"), &[]);
    }
    let tokens = sim
        .ok(&sim.ent_url("/personalAccessTokens?includeResources=true"))
        .await;
    let list = tokens["personalAccessTokens"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!list.is_empty());
    for t in &list {
        assert_shape(t, &fixture("PersonalAccessToken.json"), &[]);
    }

    // A dry run on an owner of a workspace, with a replacement: every list is filled in.
    let ent = sim.enterprise().await;
    let me = &sim.info.admins[0].id;
    let mut chosen = None;
    for id in ent["userIds"].as_array().into_iter().flatten() {
        let id = id.as_str().unwrap_or_default().to_string();
        if &id == me {
            continue;
        }
        let u = sim.user(&id).await;
        let owns = u["collaborations"]["workspaceCollaborations"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["permissionLevel"] == "owner");
        if owns && u["state"] == "provisioned" {
            chosen = Some(id);
            break;
        }
    }
    let target = chosen.expect("a workspace owner other than the caller");
    let (status, removed) = sim
        .post(
            &sim.ent_url(&format!("/users/{target}/remove")),
            json!({ "isDryRun": true, "replacementOwnerId": me }),
        )
        .await;
    assert_eq!(status, 200, "{removed}");
    assert_shape(&removed, &fixture("UserRemoved.json"), &[]);
    sim.shutdown().await;
}

#[test]
fn the_shape_check_catches_differences() {
    let sample = fixture("UserInfo.json");
    let mut missing = sample.clone();
    if let Some(o) = missing.as_object_mut() {
        o.remove("state");
    }
    let mut wrong_kind = sample.clone();
    wrong_kind["isAdmin"] = json!("yes");
    let mut nested = sample.clone();
    nested["collaborations"]["workspaceCollaborations"][0]["extra"] = json!(1);
    for bad in [missing, wrong_kind, nested] {
        let caught = std::panic::catch_unwind(|| assert_shape(&bad, &sample, &[]));
        assert!(caught.is_err(), "a difference goes unnoticed: {bad}");
    }
    assert_shape(&sample, &sample, &[]);
}
