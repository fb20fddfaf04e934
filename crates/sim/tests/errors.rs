//! Error paths across every endpoint of the README: 401 without or with a bad token, 403
//! for a token without the scope (or an enterprise that is not yours), 404 for unknown
//! models, 422 for bodies and parameters Airtable refuses, including more than 100 ids.

mod common;

use common::Sim;
use reqwest::Method;
use serde_json::{json, Value};

/// Ids of real things in the seeded enterprise, to build every path.
struct Ids {
    ent: String,
    user: String,
    group: String,
    workspace: String,
    base: String,
    interface: String,
}

async fn ids(sim: &Sim) -> Ids {
    let ent = sim.enterprise().await;
    let first = |key: &str| ent[key][0].as_str().unwrap_or_default().to_string();
    let bases = sim.ok(&sim.url("/v0/meta/bases")).await;
    let mut base = String::new();
    let mut interface = String::new();
    for b in bases["bases"].as_array().into_iter().flatten() {
        let id = b["id"].as_str().unwrap_or_default();
        let full = sim
            .ok(&sim.url(&format!("/v0/meta/bases/{id}?include=interfaces")))
            .await;
        if let Some((pbd, _)) = full["interfaces"].as_object().and_then(|m| m.iter().next()) {
            base = id.to_string();
            interface = pbd.clone();
            break;
        }
    }
    assert!(!interface.is_empty(), "some base has an interface");
    Ids {
        ent: sim.ent(),
        user: sim.info.non_admins[0].id.clone(),
        group: first("groupIds"),
        workspace: first("workspaceIds"),
        base,
        interface,
    }
}

/// Every bearer-authenticated endpoint of the README, with a plausible body.
fn endpoints(i: &Ids) -> Vec<(Method, String, Option<Value>)> {
    let e = format!("/v0/meta/enterpriseAccounts/{}", i.ent);
    let w = format!("/v0/meta/workspaces/{}", i.workspace);
    let b = format!("/v0/meta/bases/{}", i.base);
    let p = format!("{b}/interfaces/{}", i.interface);
    let u = &i.user;
    let (get, post, patch, delete, put) = (
        Method::GET,
        Method::POST,
        Method::PATCH,
        Method::DELETE,
        Method::PUT,
    );
    let users = json!({ "users": [{ "id": u }] });
    let collab = json!({ "collaborators": [{ "user": { "id": u }, "permissionLevel": "read" }] });
    let level = json!({ "permissionLevel": "read" });
    let state = json!({ "state": "disabled" });
    vec![
        (get.clone(), "/v0/meta/whoami".into(), None),
        (get.clone(), e.clone(), None),
        (
            post.clone(),
            format!("{e}/descendants"),
            Some(json!({ "name": "X" })),
        ),
        (
            post.clone(),
            format!("{e}/moveGroups"),
            Some(json!({ "groupIds": [i.group], "targetEnterpriseAccountId": i.ent })),
        ),
        (
            post.clone(),
            format!("{e}/moveWorkspaces"),
            Some(json!({ "workspaceIds": [i.workspace], "targetEnterpriseAccountId": i.ent })),
        ),
        (get.clone(), format!("{e}/packages"), None),
        (
            post.clone(),
            format!("{e}/packages/pkgNOPE0000000000/install"),
            Some(json!({ "name": "X", "packageReleaseId": "x", "workspaceId": i.workspace })),
        ),
        (get.clone(), format!("{e}/personalAccessTokens"), None),
        (
            post.clone(),
            format!("{e}/personalAccessTokens/revoke"),
            Some(json!({ "tokenIds": [] })),
        ),
        (
            post.clone(),
            format!("{e}/workspaceAiAllowlist"),
            Some(json!({ "workspaces": [] })),
        ),
        (get.clone(), format!("{e}/auditLogEvents"), None),
        (get.clone(), format!("{e}/users?id={u}"), None),
        (patch.clone(), format!("{e}/users"), Some(users.clone())),
        (
            delete.clone(),
            format!("{e}/users?email=x%40y.example"),
            None,
        ),
        (get.clone(), format!("{e}/users/{u}"), None),
        (patch.clone(), format!("{e}/users/{u}"), Some(json!({}))),
        (delete.clone(), format!("{e}/users/{u}"), None),
        (post.clone(), format!("{e}/users/{u}/logout"), None),
        (
            post.clone(),
            format!("{e}/users/{u}/remove"),
            Some(json!({ "isDryRun": true })),
        ),
        (
            post.clone(),
            format!("{e}/users/claim"),
            Some(users.clone()),
        ),
        (
            post.clone(),
            format!("{e}/claim/users"),
            Some(users.clone()),
        ),
        (
            post.clone(),
            format!("{e}/users/grantAdminAccess"),
            Some(users.clone()),
        ),
        (
            post.clone(),
            format!("{e}/users/revokeAdminAccess"),
            Some(users.clone()),
        ),
        (get.clone(), format!("/v0/meta/groups/{}", i.group), None),
        (
            post.clone(),
            "/v0/meta/workspaces".into(),
            Some(json!({ "enterpriseAccountId": i.ent, "name": "X" })),
        ),
        (get.clone(), w.clone(), None),
        (delete.clone(), w.clone(), None),
        (
            post.clone(),
            format!("{w}/collaborators"),
            Some(collab.clone()),
        ),
        (
            patch.clone(),
            format!("{w}/collaborators/{u}"),
            Some(level.clone()),
        ),
        (delete.clone(), format!("{w}/collaborators/{u}"), None),
        (
            delete.clone(),
            format!("{w}/invites/invNOPE0000000000"),
            None,
        ),
        (
            post.clone(),
            format!("{w}/updateRestrictions"),
            Some(json!({ "inviteCreationRestriction": "unrestricted" })),
        ),
        (
            post.clone(),
            format!("{w}/moveBase"),
            Some(json!({ "baseId": i.base, "targetWorkspaceId": i.workspace })),
        ),
        (get.clone(), "/v0/meta/bases".into(), None),
        (
            post.clone(),
            "/v0/meta/bases".into(),
            Some(json!({ "name": "X", "workspaceId": i.workspace, "tables": [
                { "name": "T", "fields": [{ "name": "F", "type": "singleLineText" }] }
            ] })),
        ),
        (get.clone(), b.clone(), None),
        (delete.clone(), b.clone(), None),
        (get.clone(), format!("{b}/tables"), None),
        (
            post.clone(),
            format!("{b}/collaborators"),
            Some(collab.clone()),
        ),
        (
            patch.clone(),
            format!("{b}/collaborators/{u}"),
            Some(level.clone()),
        ),
        (delete.clone(), format!("{b}/collaborators/{u}"), None),
        (
            delete.clone(),
            format!("{b}/invites/invNOPE0000000000"),
            None,
        ),
        (get.clone(), p.clone(), None),
        (
            post.clone(),
            format!("{p}/collaborators"),
            Some(collab.clone()),
        ),
        (
            patch.clone(),
            format!("{p}/collaborators/{u}"),
            Some(level.clone()),
        ),
        (delete.clone(), format!("{p}/collaborators/{u}"), None),
        (
            delete.clone(),
            format!("{p}/invites/invNOPE0000000000"),
            None,
        ),
        (get.clone(), format!("{b}/shares"), None),
        (
            patch.clone(),
            format!("{b}/shares/shrNOPE0000000000"),
            Some(json!({ "state": "enabled" })),
        ),
        (
            delete.clone(),
            format!("{b}/shares/shrNOPE0000000000"),
            None,
        ),
        (get.clone(), format!("{b}/blockInstallations"), None),
        (
            patch.clone(),
            format!("{b}/blockInstallations/bliNOPE0000000000"),
            Some(state.clone()),
        ),
        (
            delete.clone(),
            format!("{b}/blockInstallations/bliNOPE0000000000"),
            None,
        ),
        (get.clone(), "/scim/v2/Users".into(), None),
        (
            post.clone(),
            "/scim/v2/Users".into(),
            Some(json!({ "userName": "x@y.example" })),
        ),
        (get.clone(), format!("/scim/v2/Users/{u}"), None),
        (
            put.clone(),
            format!("/scim/v2/Users/{u}"),
            Some(json!({ "userName": "x@y.example" })),
        ),
        (
            patch.clone(),
            format!("/scim/v2/Users/{u}"),
            Some(json!({ "Operations": [] })),
        ),
        (delete.clone(), format!("/scim/v2/Users/{u}"), None),
        (get.clone(), "/scim/v2/Groups".into(), None),
        (
            post.clone(),
            "/scim/v2/Groups".into(),
            Some(json!({ "displayName": "X" })),
        ),
        (get.clone(), format!("/scim/v2/Groups/{}", i.group), None),
        (
            put.clone(),
            format!("/scim/v2/Groups/{}", i.group),
            Some(json!({ "displayName": "X" })),
        ),
        (
            patch.clone(),
            format!("/scim/v2/Groups/{}", i.group),
            Some(json!({ "Operations": [] })),
        ),
        (delete, format!("/scim/v2/Groups/{}", i.group), None),
    ]
}

fn request(
    sim: &Sim,
    method: &Method,
    path: &str,
    body: &Option<Value>,
) -> reqwest::RequestBuilder {
    let req = sim.http.request(method.clone(), sim.url(path));
    match body {
        Some(b) => req.json(b),
        None => req,
    }
}

#[tokio::test]
async fn every_endpoint_wants_a_valid_token() {
    let sim = Sim::start().await;
    let i = ids(&sim).await;
    for (method, path, body) in endpoints(&i) {
        let resp = request(&sim, &method, &path, &body)
            .send()
            .await
            .expect("sent");
        assert_eq!(resp.status(), 401, "{method} {path} without a token");
        for token in ["nonsense", "patSimDemoToken.0000000000000001", ""] {
            let (status, body) = sim
                .send_as(request(&sim, &method, &path, &body), token)
                .await;
            assert_eq!(status, 401, "{method} {path} with {token:?}: {body}");
        }
        let (status, body) = sim
            .send_as(request(&sim, &method, &path, &body), "nonsense")
            .await;
        if path.starts_with("/scim/") {
            assert_eq!(body["status"], "401", "a SCIM error: {body}");
        } else {
            assert_eq!(body["error"]["type"], "AUTHENTICATION_REQUIRED", "{path}");
        }
        assert_eq!(status, 401);
    }
    // Nothing was changed by all that.
    assert_eq!(sim.enterprise().await["id"], json!(i.ent));
    sim.shutdown().await;
}

#[tokio::test]
async fn every_endpoint_wants_its_scope() {
    let sim = Sim::start().await;
    let i = ids(&sim).await;
    // An admin, but a token that may only read their email.
    let token = sim
        .oauth_token(&sim.info.admins[0].id, "user.email:read")
        .await;
    for (method, path, body) in endpoints(&i) {
        let (status, answer) = sim
            .send_as(request(&sim, &method, &path, &body), &token)
            .await;
        if path == "/v0/meta/whoami" {
            assert_eq!(status, 200, "{answer}");
            assert_eq!(answer["scopes"], json!(["user.email:read"]));
            continue;
        }
        assert_eq!(status, 403, "{method} {path} without its scope: {answer}");
        if path.starts_with("/scim/") {
            assert_eq!(answer["status"], "403", "a SCIM error: {answer}");
        } else {
            assert_eq!(
                answer["error"]["type"], "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND",
                "{method} {path}"
            );
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn another_enterprise_is_not_yours() {
    let sim = Sim::start().await;
    let mut i = ids(&sim).await;
    i.ent = "entNOPE0000000000".into();
    for (method, path, body) in endpoints(&i) {
        if !path.contains("entNOPE") {
            continue;
        }
        let (status, answer) = sim.send(request(&sim, &method, &path, &body)).await;
        assert_eq!(status, 403, "{method} {path}: {answer}");
        assert_eq!(
            answer["error"]["type"],
            "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND"
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_models_are_404() {
    let sim = Sim::start().await;
    let real = ids(&sim).await;
    // Unknown top-level models.
    let unknown = Ids {
        ent: real.ent.clone(),
        user: "usrNOPE0000000000".into(),
        group: "ugpNOPE0000000000".into(),
        workspace: "wspNOPE0000000000".into(),
        base: "appNOPE0000000000".into(),
        interface: "pbdNOPE0000000000".into(),
    };
    let skip = |m: &Method, p: &str| {
        // Lists, creations and batches: no model in the path.
        p == "/v0/meta/whoami"
            || p.ends_with(&real.ent)
            || p.contains("/descendants")
            || p.contains("/move")
            || p.ends_with("/packages")
            || p.contains("/personalAccessTokens")
            || p.contains("/workspaceAiAllowlist")
            || p.contains("/auditLogEvents")
            || p.contains("/users?")
            || p.ends_with("/users")
            || p.contains("claim")
            || p.contains("AdminAccess")
            || (p == "/v0/meta/workspaces" || p == "/v0/meta/bases")
            || ((p == "/scim/v2/Users" || p == "/scim/v2/Groups") && m != Method::PATCH)
    };
    let mut checked = 0;
    for (method, path, body) in endpoints(&unknown) {
        if skip(&method, &path) && !path.contains("/packages/") {
            continue;
        }
        let (status, answer) = sim.send(request(&sim, &method, &path, &body)).await;
        assert_eq!(status, 404, "{method} {path}: {answer}");
        if path.starts_with("/scim/") {
            assert_eq!(answer["status"], "404");
        } else {
            assert_eq!(answer["error"]["type"], "NOT_FOUND", "{path}");
        }
        checked += 1;
    }
    assert!(checked >= 35, "{checked}");
    // Unknown things inside real ones: invites, shares, extensions, collaborators.
    let w = format!("/v0/meta/workspaces/{}", real.workspace);
    let b = format!("/v0/meta/bases/{}", real.base);
    let p = format!("{b}/interfaces/{}", real.interface);
    for (method, path) in [
        (Method::DELETE, format!("{w}/invites/invNOPE0000000000")),
        (
            Method::DELETE,
            format!("{w}/collaborators/usrNOPE0000000000"),
        ),
        (Method::DELETE, format!("{b}/invites/invNOPE0000000000")),
        (
            Method::DELETE,
            format!("{b}/collaborators/usrNOPE0000000000"),
        ),
        (Method::GET, format!("{b}/interfaces/pbdNOPE0000000000")),
        (Method::DELETE, format!("{p}/invites/invNOPE0000000000")),
        (
            Method::DELETE,
            format!("{p}/collaborators/usrNOPE0000000000"),
        ),
        (Method::DELETE, format!("{b}/shares/shrNOPE0000000000")),
        (
            Method::DELETE,
            format!("{b}/blockInstallations/bliNOPE0000000000"),
        ),
    ] {
        let (status, answer) = sim
            .send(sim.http.request(method.clone(), sim.url(&path)))
            .await;
        assert_eq!(status, 404, "{method} {path}: {answer}");
    }
    // Paths and methods Airtable does not have.
    for (method, path) in [
        (Method::GET, "/v0/meta/nothing".to_string()),
        (Method::PUT, "/v0/meta/whoami".to_string()),
        (Method::GET, format!("{w}/moveBase")),
    ] {
        let (status, answer) = sim
            .send(sim.http.request(method.clone(), sim.url(&path)))
            .await;
        assert_eq!(status, 404, "{method} {path}: {answer}");
        assert_eq!(answer["error"]["type"], "NOT_FOUND");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn malformed_bodies_are_422() {
    let sim = Sim::start().await;
    let i = ids(&sim).await;
    for (method, path, body) in endpoints(&i) {
        if body.is_none() {
            continue;
        }
        let req = sim
            .http
            .request(method.clone(), sim.url(&path))
            .header("content-type", "application/json")
            .body("{\"not\": json");
        let (status, answer) = sim.send(req).await;
        if path.starts_with("/scim/") {
            assert_eq!(status, 400, "{method} {path}: {answer}");
            assert_eq!(answer["status"], "400");
            assert_eq!(answer["scimType"], "invalidSyntax");
        } else {
            assert_eq!(status, 422, "{method} {path}: {answer}");
            assert_eq!(
                answer["error"]["type"], "INVALID_REQUEST_BODY",
                "{method} {path}"
            );
        }
    }
    sim.shutdown().await;
}

fn many(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|k| format!("{prefix}{k:014}")).collect()
}

#[tokio::test]
async fn more_than_100_ids_are_refused() {
    let sim = Sim::start().await;
    let ent = sim.ent();
    let query = |name: &str, values: &[String]| {
        values
            .iter()
            .map(|v| {
                format!(
                    "{name}={}",
                    url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
                )
            })
            .collect::<Vec<_>>()
            .join("&")
    };
    // Look-ups: 100 is fine (unknown ones are left out), 101 is not.
    let hundred = many("usr", 100);
    let body = sim
        .ok(&sim.ent_url(&format!("/users?{}", query("id", &hundred))))
        .await;
    assert_eq!(body["users"], json!([]));
    for q in [
        query("id", &many("usr", 101)),
        query("email[]", &many("x@y.example", 101)),
    ] {
        let (status, body) = sim.get(&sim.ent_url(&format!("/users?{q}"))).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(
            body["error"]["message"],
            "At most 100 ids and 100 emails may be requested at once"
        );
    }
    let (status, body) = sim.get(&sim.ent_url("/users")).await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (422, Some("Specify at least one id or email"))
    );
    let (status, body) = sim
        .send(sim.http.delete(sim.ent_url(&format!(
            "/users?{}",
            query("email", &many("a@b.example", 101))
        ))))
        .await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (422, Some("At most 100 emails may be deleted at once"))
    );
    // Batches in bodies.
    for (path, body, message) in [
        (
            "/moveGroups",
            json!({ "groupIds": many("ugp", 101), "targetEnterpriseAccountId": ent }),
            "At most 100 groupIds can be provided",
        ),
        (
            "/moveWorkspaces",
            json!({ "workspaceIds": many("wsp", 101), "targetEnterpriseAccountId": ent }),
            "At most 100 workspaceIds can be provided",
        ),
        (
            "/personalAccessTokens/revoke",
            json!({ "tokenIds": many("pat", 101) }),
            "At most 100 tokenIds can be provided",
        ),
    ] {
        let (status, answer) = sim.send(sim.http.post(sim.ent_url(path)).json(&body)).await;
        assert_eq!(status, 422, "{path}: {answer}");
        assert_eq!(answer["error"]["message"], message, "{path}");
    }
    // Audit filters: at most 100 values each, in either encoding.
    for name in [
        "originatingUserId",
        "eventType",
        "modelId",
        "category",
        "category[]",
    ] {
        let q = query(name, &many("x", 101));
        let (status, body) = sim.get(&sim.ent_url(&format!("/auditLogEvents?{q}"))).await;
        assert_eq!(status, 422, "{name}: {body}");
        let bare = name.trim_end_matches("[]");
        assert_eq!(
            body["error"]["message"],
            format!("At most 100 values of {bare} may be given")
        );
        let q = query(name, &many("x", 100));
        let (status, _) = sim.get(&sim.ent_url(&format!("/auditLogEvents?{q}"))).await;
        assert_eq!(status, 200, "{name} with 100 values");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn validation_messages() {
    let sim = Sim::start().await;
    let i = ids(&sim).await;
    let checks: Vec<(Method, String, Option<Value>, &str)> = vec![
        (
            Method::GET,
            sim.ent_url("?include=everything"),
            None,
            "Invalid value for include: \"everything\" (expected one of aggregated, descendants)",
        ),
        (
            Method::GET,
            sim.ent_url("/auditLogEvents?pageSize=1001"),
            None,
            "Invalid pageSize \"1001\": expected a number from 1 to 1000",
        ),
        (
            Method::GET,
            sim.ent_url("/auditLogEvents?pageSize=0"),
            None,
            "Invalid pageSize \"0\": expected a number from 1 to 1000",
        ),
        (
            Method::GET,
            sim.ent_url("/auditLogEvents?sortOrder=sideways"),
            None,
            "Invalid sortOrder \"sideways\": expected ascending or descending",
        ),
        (
            Method::GET,
            sim.ent_url("/auditLogEvents?next=%25%25%25"),
            None,
            "Invalid pagination cursor next=\"%%%\"",
        ),
        (
            Method::GET,
            sim.ent_url("/personalAccessTokens?offset=abc"),
            None,
            "The offset is not valid",
        ),
        (
            Method::GET,
            sim.url("/v0/meta/bases?offset=nope"),
            None,
            "The offset is not valid",
        ),
        (
            Method::PATCH,
            sim.ent_url(&format!("/users/{}", i.user)),
            Some(json!({ "state": "asleep" })),
            "Invalid state \"asleep\": expected provisioned or deactivated",
        ),
        (
            Method::POST,
            sim.url("/v0/meta/bases"),
            Some(json!({ "name": "X", "workspaceId": i.workspace, "tables": [] })),
            "At least one table is required",
        ),
        (
            Method::POST,
            sim.url("/v0/meta/workspaces"),
            Some(json!({ "enterpriseAccountId": i.ent })),
            "name is required",
        ),
        (
            Method::POST,
            sim.ent_url("/descendants"),
            Some(json!({})),
            "name is required",
        ),
    ];
    for (method, url, body, message) in checks {
        let mut req = sim.http.request(method.clone(), &url);
        if let Some(b) = &body {
            req = req.json(b);
        }
        let (status, answer) = sim.send(req).await;
        assert_eq!(status, 422, "{method} {url}: {answer}");
        assert!(answer["error"]["type"].is_string());
        assert_eq!(answer["error"]["message"], message, "{method} {url}");
    }
    sim.shutdown().await;
}
