//! The enterprise account's own pages over real HTTP, against the simulator and a fresh
//! database: descendant accounts, moves (only as approval requests), personal access
//! tokens (revoked only through approval), packages, the AI allowlist and the SCIM view.
//! The simulator, read with its own token, is the independent check of what happened.

mod common;

use airtable_client::ids::WorkspaceId;
use common::session::{
    enterprise, enterprise_info, get, get_ok, logged, pending_requests, post, post_ok, sign_in_as,
    sim_client, sim_workspace,
};
use common::TestConsole;
use console_app::api::Role;
use futures::TryStreamExt;
use reqwest::StatusCode;

async fn first_workspaces(t: &TestConsole, n: usize) -> Vec<WorkspaceId> {
    let info = enterprise_info(t).await;
    info.workspace_ids.into_iter().take(n).collect()
}

#[tokio::test]
async fn descendant_accounts_are_listed_made_and_named() {
    let t = TestConsole::start().await;
    let operator = sign_in_as(&t, Role::Operator).await;

    let before = get_ok(&t, &operator, "/api/enterprise/descendants").await;
    let existing = before["rows"].as_array().expect("rows").len();

    let id = post_ok(
        &t,
        &operator,
        "/api/enterprise/descendants/create",
        &[("name", "  Sales EMEA ")],
    )
    .await;
    let id = id.as_str().expect("new account id").to_string();
    assert!(id.starts_with("ent"), "{id}");

    // Airtable knows it; the console lists it with the name it was given.
    let info = sim_client(&t)
        .enterprise(&enterprise(&t))
        .get()
        .send()
        .await
        .expect("enterprise");
    assert!(info
        .descendant_enterprise_account_ids
        .unwrap_or_default()
        .iter()
        .any(|d| d.to_string() == id));
    let (_, after) = get(&t, &operator, "/api/enterprise/descendants").await;
    let rows = after["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), existing + 1, "{after}");
    let row = rows
        .iter()
        .find(|r| r["id"] == id.as_str())
        .expect("listed");
    assert_eq!(row["name"], "Sales EMEA");
    let (target, details) = logged(&t, "enterprise.create_descendant")
        .await
        .expect("logged");
    assert_eq!(target.as_deref(), Some(id.as_str()));
    assert_eq!(details["name"], "Sales EMEA");

    // A nameless account is refused in words.
    let (status, error) = post(
        &t,
        &operator,
        "/api/enterprise/descendants/create",
        &[("name", "   ")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
}

#[tokio::test]
async fn moves_only_become_requests_for_approval() {
    let t = TestConsole::start().await;
    let operator = sign_in_as(&t, Role::Operator).await;
    let (_, target) = post(
        &t,
        &operator,
        "/api/enterprise/descendants/create",
        &[("name", "Move target")],
    )
    .await;
    let target = target.as_str().expect("id").to_string();
    let workspaces = first_workspaces(&t, 2).await;
    let ids = format!("{}, {}", workspaces[0], workspaces[1]);

    let outcome = post_ok(
        &t,
        &operator,
        "/api/enterprise/move",
        &[
            ("what", "workspaces"),
            ("ids", &ids),
            ("target", &target),
            ("reason", "Reorganisation, ticket 12"),
        ],
    )
    .await;
    assert!(outcome["Requested"]["id"].is_string(), "{outcome}");
    assert_eq!(pending_requests(&t, "move_workspaces").await, 1);

    // Nothing moved: the workspaces are still in the account.
    let still = first_workspaces(&t, usize::MAX).await;
    assert!(workspaces.iter().all(|w| still.contains(w)));

    // Wrong kinds of id, or of thing, are refused in words, and nothing is asked.
    for (what, ids, target) in [
        ("workspaces", "usrL2PNC5o3H4lBEi", target.as_str()),
        ("bases", ids.as_str(), target.as_str()),
        ("groups", "", target.as_str()),
        ("workspaces", ids.as_str(), "not-an-account"),
    ] {
        let (status, error) = post(
            &t,
            &operator,
            "/api/enterprise/move",
            &[
                ("what", what),
                ("ids", ids),
                ("target", target),
                ("reason", "x"),
            ],
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what} {ids}: {error}"
        );
    }
    assert_eq!(pending_requests(&t, "move_workspaces").await, 1);
    assert_eq!(pending_requests(&t, "move_groups").await, 0);
}

#[tokio::test]
async fn tokens_are_listed_searched_and_revoked_only_through_approval() {
    let t = TestConsole::start().await;
    let operator = sign_in_as(&t, Role::Operator).await;
    let in_sim = sim_client(&t)
        .enterprise(&enterprise(&t))
        .personal_access_tokens()
        .send()
        .await
        .expect("tokens");
    assert!(!in_sim.is_empty(), "the demo enterprise has tokens");

    let all = get_ok(&t, &operator, "/api/enterprise/tokens").await;
    assert_eq!(all["total"], in_sim.len());
    assert_eq!(all["rows"].as_array().expect("rows").len(), in_sim.len());

    // A search by the token's name finds it (and only matching ones).
    let wanted = &in_sim[0];
    let q = wanted.name.to_uppercase();
    let (_, found) = get(
        &t,
        &operator,
        &format!("/api/enterprise/tokens?q={}", urlencode(&q)),
    )
    .await;
    let rows = found["rows"].as_array().expect("rows");
    assert!(
        rows.iter().any(|r| r["id"] == wanted.id.to_string()),
        "{found}"
    );
    assert!(rows.iter().all(|r| r["name"]
        .as_str()
        .unwrap_or_default()
        .to_uppercase()
        .contains(&q)
        || r["id"]
            .as_str()
            .unwrap_or_default()
            .to_uppercase()
            .contains(&q)
        || r["owner_id"]
            .as_str()
            .unwrap_or_default()
            .to_uppercase()
            .contains(&q)
        || r["scopes"].to_string().to_uppercase().contains(&q)));

    // Revoking asks for approval; the token stays active until someone approves.
    let id = wanted.id.to_string();
    let outcome = post_ok(
        &t,
        &operator,
        "/api/enterprise/tokens/revoke",
        &[("ids", &id), ("reason", "Leaked in a chat")],
    )
    .await;
    assert!(outcome["Requested"]["id"].is_string(), "{outcome}");
    let after = sim_client(&t)
        .enterprise(&enterprise(&t))
        .personal_access_tokens()
        .send()
        .await
        .expect("tokens");
    let same = after
        .iter()
        .find(|x| x.id == wanted.id)
        .expect("still there");
    assert_eq!(same.state, wanted.state);

    let (status, error) = post(
        &t,
        &operator,
        "/api/enterprise/tokens/revoke",
        &[("ids", "wspmhESAta6clCCwF"), ("reason", "x")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn a_package_installs_its_latest_release_into_a_workspace() {
    let t = TestConsole::start().await;
    let operator = sign_in_as(&t, Role::Operator).await;
    let sim = sim_client(&t);
    let packages = sim
        .enterprise(&enterprise(&t))
        .packages()
        .send()
        .await
        .expect("packages");
    let listed = get_ok(&t, &operator, "/api/enterprise/packages").await;
    assert_eq!(listed.as_array().expect("list").len(), packages.len());

    let package = packages
        .iter()
        .find(|p| p.latest_release_id.clone().flatten().is_some())
        .expect("a released package in the demo");
    let workspace = first_workspaces(&t, 1).await.remove(0);
    let base = post_ok(
        &t,
        &operator,
        "/api/enterprise/packages/install",
        &[
            ("package", package.id.as_ref()),
            ("workspace", workspace.as_ref()),
            ("name", "Installed by the test"),
        ],
    )
    .await;
    let base = base.as_str().expect("base id").to_string();
    let in_workspace = sim_workspace(&t, &workspace).await;
    assert!(
        in_workspace.base_ids.iter().any(|b| b.to_string() == base),
        "the new base is in the workspace"
    );
    let (target, details) = logged(&t, "enterprise.install_package")
        .await
        .expect("logged");
    assert_eq!(target.as_deref(), Some(base.as_str()));
    assert_eq!(details["package"], package.id.to_string());

    // Bad ids say which field is wrong.
    let (status, error) = post(
        &t,
        &operator,
        "/api/enterprise/packages/install",
        &[
            ("package", package.id.as_ref()),
            ("workspace", "appLkNDICXNqxSDhG"),
            ("name", "x"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(error.to_string().contains("workspace"), "{error}");
}

#[tokio::test]
async fn ai_allowlist_changes_reach_airtable_and_are_listed() {
    let t = TestConsole::start().await;
    let operator = sign_in_as(&t, Role::Operator).await;
    let workspaces = first_workspaces(&t, 2).await;
    let ids = format!("{}\n{}", workspaces[0], workspaces[1]);

    let said = post_ok(
        &t,
        &operator,
        "/api/enterprise/ai-allowlist",
        &[("workspaces", &ids), ("allowed", "yes")],
    )
    .await;
    assert!(
        said.as_str().expect("sentence").contains("2 workspace"),
        "{said}"
    );

    // Airtable recorded the change for each workspace.
    let events: Vec<_> = sim_client(&t)
        .enterprise(&enterprise(&t))
        .audit_log()
        .event_type("updateWorkspaceAiAllowlist")
        .events()
        .try_collect()
        .await
        .expect("audit log");
    for w in &workspaces {
        assert!(
            events.iter().any(|e| e.model_id == w.to_string()),
            "{w} changed in Airtable"
        );
    }
    let (_, changes) = get(&t, &operator, "/api/enterprise/ai-allowlist/changes").await;
    let rows = changes.as_array().expect("rows");
    assert_eq!(rows.len(), 2, "{changes}");
    assert!(rows.iter().all(|r| r["allowed"] == true));

    let (status, error) = post(
        &t,
        &operator,
        "/api/enterprise/ai-allowlist",
        &[("workspaces", &ids), ("allowed", "maybe")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
}

#[tokio::test]
async fn scim_users_and_groups_are_paged_and_filtered() {
    let t = TestConsole::start().await;
    let viewer = sign_in_as(&t, Role::Viewer).await;
    let sim = sim_client(&t);
    let all_users = sim.scim().users().page().await.expect("scim users");

    let page = get_ok(&t, &viewer, "/api/scim/users").await;
    assert_eq!(page["total"], all_users.total_results);
    assert_eq!(page["start_index"], 1);

    // An email typed as it is becomes a filter that finds exactly that user.
    let someone = &all_users.resources[0];
    let (_, found) = get(
        &t,
        &viewer,
        &format!("/api/scim/users?filter={}", urlencode(&someone.user_name)),
    )
    .await;
    let rows = found["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 1, "{found}");
    assert_eq!(rows[0]["id"], someone.id.to_string());

    // The second page starts where the first ended.
    if all_users.total_results > 50 {
        let (_, second) = get(&t, &viewer, "/api/scim/users?start=51").await;
        assert_eq!(second["start_index"], 51, "{second}");
        assert_ne!(second["rows"][0]["id"], page["rows"][0]["id"]);
    }

    let all_groups = sim.scim().groups().page().await.expect("scim groups");
    let groups = get_ok(&t, &viewer, "/api/scim/groups").await;
    assert_eq!(groups["total"], all_groups.total_results);
    if let Some(g) = all_groups.resources.first() {
        let listed = groups["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["id"] == g.id.to_string())
            .cloned()
            .expect("listed");
        assert_eq!(
            listed["members"].as_array().map(Vec::len),
            Some(g.members.as_ref().map_or(0, Vec::len))
        );
    }

    // A filter Airtable cannot read comes back as Airtable's words, not a 500.
    let (status, error) = get(&t, &viewer, "/api/scim/users?filter=userName+zz+%22x%22").await;
    assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{error}");
}
