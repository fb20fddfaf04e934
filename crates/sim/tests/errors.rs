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

const GET: Method = Method::GET;
const POST: Method = Method::POST;
const PATCH: Method = Method::PATCH;
const DELETE: Method = Method::DELETE;
const PUT: Method = Method::PUT;

/// A request to make: method, path and JSON body.
type Endpoint = (Method, String, Option<Value>);

/// A request without a body.
fn bare(method: Method, path: impl Into<String>) -> Endpoint {
    (method, path.into(), None)
}

/// A request with the JSON body `body`.
fn with(method: Method, path: impl Into<String>, body: Value) -> Endpoint {
    (method, path.into(), Some(body))
}

/// Every bearer-authenticated endpoint of the README, with a plausible body.
fn endpoints(i: &Ids) -> Vec<Endpoint> {
    let e = format!("/v0/meta/enterpriseAccounts/{}", i.ent);
    let w = format!("/v0/meta/workspaces/{}", i.workspace);
    let b = format!("/v0/meta/bases/{}", i.base);
    let p = format!("{b}/interfaces/{}", i.interface);
    let u = &i.user;
    let users = json!({ "users": [{ "id": u }] });
    let collab = json!({ "collaborators": [{ "user": { "id": u }, "permissionLevel": "read" }] });
    let level = json!({ "permissionLevel": "read" });
    let state = json!({ "state": "disabled" });
    vec![
        bare(GET, "/v0/meta/whoami"),
        bare(GET, e.clone()),
        with(POST, format!("{e}/descendants"), json!({ "name": "X" })),
        with(
            POST,
            format!("{e}/moveGroups"),
            json!({ "groupIds": [i.group], "targetEnterpriseAccountId": i.ent }),
        ),
        with(
            POST,
            format!("{e}/moveWorkspaces"),
            json!({ "workspaceIds": [i.workspace], "targetEnterpriseAccountId": i.ent }),
        ),
        bare(GET, format!("{e}/packages")),
        with(
            POST,
            format!("{e}/packages/pkgNOPE0000000000/install"),
            json!({ "name": "X", "packageReleaseId": "x", "workspaceId": i.workspace }),
        ),
        bare(GET, format!("{e}/personalAccessTokens")),
        with(
            POST,
            format!("{e}/personalAccessTokens/revoke"),
            json!({ "tokenIds": [] }),
        ),
        with(
            POST,
            format!("{e}/workspaceAiAllowlist"),
            json!({ "workspaces": [] }),
        ),
        bare(GET, format!("{e}/auditLogEvents")),
        bare(GET, format!("{e}/users?id={u}")),
        with(PATCH, format!("{e}/users"), users.clone()),
        bare(DELETE, format!("{e}/users?email=x%40y.example")),
        bare(GET, format!("{e}/users/{u}")),
        with(PATCH, format!("{e}/users/{u}"), json!({})),
        bare(DELETE, format!("{e}/users/{u}")),
        bare(POST, format!("{e}/users/{u}/logout")),
        with(
            POST,
            format!("{e}/users/{u}/remove"),
            json!({ "isDryRun": true }),
        ),
        with(POST, format!("{e}/users/claim"), users.clone()),
        with(POST, format!("{e}/claim/users"), users.clone()),
        with(POST, format!("{e}/users/grantAdminAccess"), users.clone()),
        with(POST, format!("{e}/users/revokeAdminAccess"), users.clone()),
        bare(GET, format!("/v0/meta/groups/{}", i.group)),
        with(
            POST,
            "/v0/meta/workspaces",
            json!({ "enterpriseAccountId": i.ent, "name": "X" }),
        ),
        bare(GET, w.clone()),
        bare(DELETE, w.clone()),
        with(POST, format!("{w}/collaborators"), collab.clone()),
        with(PATCH, format!("{w}/collaborators/{u}"), level.clone()),
        bare(DELETE, format!("{w}/collaborators/{u}")),
        bare(DELETE, format!("{w}/invites/invNOPE0000000000")),
        with(
            POST,
            format!("{w}/updateRestrictions"),
            json!({ "inviteCreationRestriction": "unrestricted" }),
        ),
        with(
            POST,
            format!("{w}/moveBase"),
            json!({ "baseId": i.base, "targetWorkspaceId": i.workspace }),
        ),
        bare(GET, "/v0/meta/bases"),
        with(
            POST,
            "/v0/meta/bases",
            json!({ "name": "X", "workspaceId": i.workspace, "tables": [
                { "name": "T", "fields": [{ "name": "F", "type": "singleLineText" }] }
            ] }),
        ),
        bare(GET, b.clone()),
        bare(DELETE, b.clone()),
        bare(GET, format!("{b}/tables")),
        with(POST, format!("{b}/collaborators"), collab.clone()),
        with(PATCH, format!("{b}/collaborators/{u}"), level.clone()),
        bare(DELETE, format!("{b}/collaborators/{u}")),
        bare(DELETE, format!("{b}/invites/invNOPE0000000000")),
        bare(GET, p.clone()),
        with(POST, format!("{p}/collaborators"), collab.clone()),
        with(PATCH, format!("{p}/collaborators/{u}"), level.clone()),
        bare(DELETE, format!("{p}/collaborators/{u}")),
        bare(DELETE, format!("{p}/invites/invNOPE0000000000")),
        bare(GET, format!("{b}/shares")),
        with(
            PATCH,
            format!("{b}/shares/shrNOPE0000000000"),
            json!({ "state": "enabled" }),
        ),
        bare(DELETE, format!("{b}/shares/shrNOPE0000000000")),
        bare(GET, format!("{b}/blockInstallations")),
        with(
            PATCH,
            format!("{b}/blockInstallations/bliNOPE0000000000"),
            state.clone(),
        ),
        bare(DELETE, format!("{b}/blockInstallations/bliNOPE0000000000")),
        bare(GET, "/scim/v2/Users"),
        with(POST, "/scim/v2/Users", json!({ "userName": "x@y.example" })),
        bare(GET, format!("/scim/v2/Users/{u}")),
        with(
            PUT,
            format!("/scim/v2/Users/{u}"),
            json!({ "userName": "x@y.example" }),
        ),
        with(
            PATCH,
            format!("/scim/v2/Users/{u}"),
            json!({ "Operations": [] }),
        ),
        bare(DELETE, format!("/scim/v2/Users/{u}")),
        bare(GET, "/scim/v2/Groups"),
        with(POST, "/scim/v2/Groups", json!({ "displayName": "X" })),
        bare(GET, format!("/scim/v2/Groups/{}", i.group)),
        with(
            PUT,
            format!("/scim/v2/Groups/{}", i.group),
            json!({ "displayName": "X" }),
        ),
        with(
            PATCH,
            format!("/scim/v2/Groups/{}", i.group),
            json!({ "Operations": [] }),
        ),
        bare(DELETE, format!("/scim/v2/Groups/{}", i.group)),
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
        (DELETE, format!("{w}/invites/invNOPE0000000000")),
        (DELETE, format!("{w}/collaborators/usrNOPE0000000000")),
        (DELETE, format!("{b}/invites/invNOPE0000000000")),
        (DELETE, format!("{b}/collaborators/usrNOPE0000000000")),
        (GET, format!("{b}/interfaces/pbdNOPE0000000000")),
        (DELETE, format!("{p}/invites/invNOPE0000000000")),
        (DELETE, format!("{p}/collaborators/usrNOPE0000000000")),
        (DELETE, format!("{b}/shares/shrNOPE0000000000")),
        (DELETE, format!("{b}/blockInstallations/bliNOPE0000000000")),
    ] {
        let (status, answer) = sim
            .send(sim.http.request(method.clone(), sim.url(&path)))
            .await;
        assert_eq!(status, 404, "{method} {path}: {answer}");
    }
    // Paths and methods Airtable does not have.
    for (method, path) in [
        (GET, "/v0/meta/nothing".to_string()),
        (PUT, "/v0/meta/whoami".to_string()),
        (GET, format!("{w}/moveBase")),
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
        .delete(&sim.ent_url(&format!(
            "/users?{}",
            query("email", &many("a@b.example", 101))
        )))
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
        let (status, answer) = sim.post(&sim.ent_url(path), body).await;
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
