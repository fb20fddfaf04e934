//! Workspaces, bases and groups over real HTTP, against the simulator and a fresh database:
//! the workspace list comes from the latest snapshot (searched and paged in Postgres), the
//! detail pages are read live and match the simulator, direct changes reach the simulator
//! and the action log, and nothing destructive can be done directly.

mod common;

use airtable_client::{
    ids::{BaseId, UserId, WorkspaceId},
    models::{EnabledState, IndividualCollaborator, PermissionLevel},
};
use common::session::{
    approve, ask_and_approve, enterprise, enterprise_info, get, get_ok, get_response, logged,
    page_html, post, post_ok, request_action, requested_id, sign_in_as, sign_in_person, sim_client,
    sim_extensions, sim_workspace, sim_workspace_in_full, sim_workspace_people, take_snapshot,
};
use common::TestConsole;
use console_app::api::Role;
use leptos::server_fn::axum::server_fn_paths;
use reqwest::{header, StatusCode};
use serde_json::{json, Value};

/// The enterprise's workspaces, as the simulator lists them.
async fn workspace_ids(t: &TestConsole) -> Vec<WorkspaceId> {
    enterprise_info(t).await.workspace_ids
}

fn names(page: &Value) -> Vec<String> {
    page["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["name"].as_str().expect("name").to_string())
        .collect()
}

#[tokio::test]
async fn the_workspace_list_comes_from_the_latest_snapshot_searched_and_paged() {
    let t = TestConsole::start().await;
    let viewer = sign_in_as(&t, Role::Viewer).await;

    // Before any snapshot the list says so rather than calling Airtable.
    let page = get_ok(&t, &viewer, "/api/workspaces/list").await;
    assert!(page["snapshot_id"].is_null(), "{page}");
    assert_eq!(page["rows"], serde_json::json!([]));

    // 60 workspaces with a common name, more than one page.
    let sim = sim_client(&t);
    let account = sim.enterprise(&enterprise(&t));
    let mut created = Vec::new();
    for i in 0..60 {
        let ws = account
            .create_workspace(format!("Paging 100% test {i:02}"))
            .await
            .expect("create workspace");
        created.push(ws.id.to_string());
    }
    let snapshot = take_snapshot(&t).await;
    // Created after the snapshot: not listed until the next one.
    let late = account
        .create_workspace("Paging 100% test late")
        .await
        .expect("create workspace");

    let first = get_ok(
        &t,
        &viewer,
        "/api/workspaces/list?q=paging+100%25+TEST&page=1",
    )
    .await;
    assert_eq!(first["snapshot_id"], snapshot);
    assert!(first["as_of"].is_string(), "{first}");
    assert_eq!(first["total"], 60, "{first}");
    let first_names = names(&first);
    assert_eq!(first_names.len(), 50);
    assert_eq!(first_names[0], "Paging 100% test 00");
    assert_eq!(first_names[49], "Paging 100% test 49");
    assert!(
        first["rows"][0]["users"].as_i64().expect("users") >= 1,
        "the creator owns it"
    );
    let (_, second) = get(
        &t,
        &viewer,
        "/api/workspaces/list?q=paging+100%25+TEST&page=2",
    )
    .await;
    let second_names = names(&second);
    assert_eq!(second_names.len(), 10, "{second}");
    assert_eq!(second_names[9], "Paging 100% test 59");
    assert!(!second_names.iter().any(|n| n.ends_with("late")));

    // Everything, unfiltered, holds the seeded workspaces too.
    let (_, all) = get(&t, &viewer, "/api/workspaces/list").await;
    // (Every workspace has an owner, so the snapshot's access rows name them all.)
    let in_sim = workspace_ids(&t).await.len() as i64;
    assert_eq!(all["total"], in_sim - 1, "all but the late one: {all}");

    // By id, exactly; `%` and `_` are literal characters, not wildcards.
    let (_, by_id) = get(
        &t,
        &viewer,
        &format!("/api/workspaces/list?q={}", created[7]),
    )
    .await;
    assert_eq!(names(&by_id), vec!["Paging 100% test 07".to_string()]);
    let (_, late_search) = get(&t, &viewer, &format!("/api/workspaces/list?q={}", late.id)).await;
    assert_eq!(late_search["total"], 0, "{late_search}");
    let (_, literal) = get(&t, &viewer, "/api/workspaces/list?q=test+_0").await;
    assert_eq!(literal["total"], 0, "{literal}");

    // A page before the first is a clear error, not a crash.
    let (status, body) = get(&t, &viewer, "/api/workspaces/list?page=0").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.to_string().contains("Page numbers start at 1"),
        "{body}"
    );

    // The groups list comes from the same snapshot.
    let (_, groups) = get(&t, &viewer, "/api/groups/list").await;
    assert_eq!(groups["snapshot_id"], snapshot);
    assert!(groups["total"].as_i64().expect("total") > 0, "{groups}");

    // The HTML page shows the time of the snapshot and the rows, without wasm.
    let html = page_html(&t, &viewer, "/workspaces?q=Paging+100%25+test+0").await;
    assert!(html.contains("As of "), "{html}");
    assert!(html.contains("Paging 100% test 03"));
    assert!(html.contains(&format!("/workspaces/{}", created[3])));
}

#[tokio::test]
async fn workspace_detail_matches_the_sim_and_direct_changes_reach_it_and_the_log() {
    let t = TestConsole::start().await;
    let operator = sign_in_as(&t, Role::Operator).await;
    let sim = sim_client(&t);
    let wid = workspace_ids(&t).await[0].clone();
    let truth = sim_workspace_in_full(&t, &wid).await;

    let detail = get_ok(&t, &operator, &format!("/api/workspaces/get?id={wid}")).await;
    assert_eq!(detail["name"], truth.name.as_str());
    let bases: Vec<&str> = detail["bases"]
        .as_array()
        .expect("bases")
        .iter()
        .map(|b| b["id"].as_str().expect("id"))
        .collect();
    let truth_bases: Vec<String> = truth.base_ids.iter().map(ToString::to_string).collect();
    assert_eq!(bases, truth_bases);
    let mut ids: Vec<String> = detail["collaborators"]
        .as_array()
        .expect("collaborators")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_string())
        .collect();
    ids.sort();
    let mut truth_ids: Vec<String> = truth
        .individual()
        .map(|s| {
            s.workspace_collaborators
                .iter()
                .map(|c| c.user_id.to_string())
                .collect()
        })
        .unwrap_or_default();
    truth_ids.extend(truth.group_collaborators.iter().flat_map(|s| {
        s.workspace_collaborators
            .iter()
            .map(|c| c.group_id.to_string())
    }));
    truth_ids.sort();
    assert_eq!(ids, truth_ids);
    assert_eq!(
        detail["invite_restriction"],
        truth
            .workspace_restrictions
            .as_ref()
            .map(|r| r.invite_creation_restriction.to_string())
            .unwrap_or_default()
    );

    // Someone not yet on the workspace gets comment access, then read.
    let newcomer = t
        .sim()
        .info()
        .non_admins
        .iter()
        .find(|p| !truth_ids.contains(&p.id.to_string()))
        .expect("a user outside the workspace")
        .clone();
    let newcomer_id = newcomer.id.to_string();
    let form = [
        ("workspace", wid.as_str()),
        ("collaborator", newcomer_id.as_str()),
        ("permission", "comment"),
    ];
    post_ok(&t, &operator, "/api/workspaces/collaborators/add", &form).await;
    let level_of = |people: &[IndividualCollaborator]| {
        people
            .iter()
            .find(|c| c.user_id.as_str() == newcomer_id)
            .map(|c| c.permission_level.clone())
    };
    let now = sim_workspace_people(&t, &wid).await;
    assert_eq!(level_of(&now), Some(PermissionLevel::Comment));
    let (target, details) = logged(&t, "workspaces.add_collaborator")
        .await
        .expect("the addition is in the action log");
    assert_eq!(target.as_deref(), Some(wid.as_str()));
    assert_eq!(details["collaborator"], newcomer_id.as_str());
    assert_eq!(details["permission"], "comment");

    let form = [
        ("workspace", wid.as_str()),
        ("collaborator", newcomer_id.as_str()),
        ("permission", "read"),
    ];
    post_ok(&t, &operator, "/api/workspaces/collaborators/update", &form).await;
    let now = sim_workspace_people(&t, &wid).await;
    assert_eq!(level_of(&now), Some(PermissionLevel::Read));
    assert!(logged(&t, "workspaces.update_collaborator").await.is_some());

    // The page shows the newcomer, read live.
    let (_, detail) = get(&t, &operator, &format!("/api/workspaces/get?id={wid}")).await;
    assert!(detail["collaborators"]
        .as_array()
        .expect("collaborators")
        .iter()
        .any(|c| c["id"] == newcomer_id.as_str() && c["permission"] == "read"));

    // Restrictions.
    let form = [
        ("workspace", wid.as_str()),
        ("invites", "onlyOwners"),
        ("shares", "unrestricted"),
    ];
    let (status, body) = post(&t, &operator, "/api/workspaces/restrictions", &form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let now = sim.workspace(&wid).get().send().await.expect("ws");
    let r = now.workspace_restrictions.expect("restrictions");
    assert_eq!(r.invite_creation_restriction.as_str(), "onlyOwners");
    assert_eq!(r.share_creation_restriction.as_str(), "unrestricted");
    let (_, details) = logged(&t, "workspaces.update_restrictions")
        .await
        .expect("logged");
    assert_eq!(details["invite_creation"], "onlyOwners");

    // The same form posted by a browser without the wasm bundle: done, then back to the page.
    let page_url = t.url(&format!("/workspaces/{wid}"));
    let response = operator
        .browser
        .post(t.url("/api/workspaces/restrictions"))
        .header(header::ORIGIN, t.console.url())
        .header(header::REFERER, page_url.as_str())
        .header(header::ACCEPT, "text/html")
        .form(&[
            ("csrf_token", operator.csrf.as_str()),
            ("workspace", wid.as_str()),
            ("invites", "unrestricted"),
            ("shares", "onlyOwners"),
        ])
        .send()
        .await
        .expect("plain form post");
    assert!(response.status().is_redirection(), "{}", response.status());
    // (Leptos appends a `?` for its error field, empty here.)
    let back = common::location(&response);
    assert_eq!(back.trim_end_matches('?'), page_url, "{back}");
    let now = sim.workspace(&wid).get().send().await.expect("ws");
    let r = now.workspace_restrictions.expect("restrictions");
    assert_eq!(r.invite_creation_restriction.as_str(), "unrestricted");
    assert_eq!(r.share_creation_restriction.as_str(), "onlyOwners");

    // Creating a workspace.
    let id = post_ok(
        &t,
        &operator,
        "/api/workspaces/create",
        &[("name", "Made by the console")],
    )
    .await;
    let new_id: WorkspaceId = id.as_str().expect("an id").parse().expect("workspace id");
    let made = sim_workspace(&t, &new_id).await;
    assert_eq!(made.name, "Made by the console");
    let (target, _) = logged(&t, "workspaces.create").await.expect("logged");
    assert_eq!(target.as_deref(), Some(new_id.as_str()));

    // The HTML page renders the workspace, with links to its bases.
    let html = page_html(&t, &operator, &format!("/workspaces/{wid}")).await;
    assert!(html.contains(&truth.name), "{html}");
    assert!(html.contains(&newcomer.email));
    if let Some(base) = truth.base_ids.first() {
        assert!(html.contains(&format!("/bases/{base}")));
    }
}

#[tokio::test]
async fn base_detail_matches_the_sim_enabling_an_extension_is_direct_and_a_share_needs_approval() {
    let t = TestConsole::start().await;
    let operator = sign_in_as(&t, Role::Operator).await;
    let approver = sign_in_person(
        &t,
        &t.sim().info().admins[1].email.to_string(),
        Role::Approver,
    )
    .await;
    let sim = sim_client(&t);
    // A base with a share and an extension (the seeded enterprise has some).
    let mut chosen = None;
    for wid in workspace_ids(&t).await {
        let ws = sim.workspace(&wid).get().send().await.expect("ws");
        for bid in ws.base_ids {
            let shares = sim.base(&bid).shares().await.expect("shares");
            let blocks = sim.base(&bid).block_installations().await.expect("blocks");
            if let (Some(s), Some(b)) = (shares.first(), blocks.first()) {
                chosen = Some((bid.clone(), s.share_id.clone(), b.id.clone()));
                break;
            }
        }
        if chosen.is_some() {
            break;
        }
    }
    let (bid, share, block): (BaseId, _, _) =
        chosen.expect("the seeded enterprise has a base with a share and an extension");
    // Set-up: both off (done on the simulator directly, not through the console).
    sim.base(&bid)
        .share(&share)
        .disable()
        .await
        .expect("disable share");
    sim.base(&bid)
        .block_installation(&block)
        .disable()
        .await
        .expect("disable extension");

    let truth = sim
        .base(&bid)
        .get()
        .include_collaborators()
        .send()
        .await
        .expect("base");
    let detail = get_ok(&t, &operator, &format!("/api/bases/get?id={bid}")).await;
    assert_eq!(detail["name"], truth.name.as_str());
    assert_eq!(detail["workspace_id"], truth.workspace_id.as_str());
    let users = truth
        .individual_collaborators
        .as_ref()
        .or(truth.collaborators.as_ref());
    let on_base = users.map_or(0, |s| s.base_collaborators.len())
        + truth
            .group_collaborators
            .as_ref()
            .map_or(0, |s| s.base_collaborators.len());
    let inherited = users.map_or(0, |s| s.workspace_collaborators.len())
        + truth
            .group_collaborators
            .as_ref()
            .map_or(0, |s| s.workspace_collaborators.len());
    let listed = detail["collaborators"].as_array().expect("collaborators");
    assert_eq!(
        listed
            .iter()
            .filter(|c| c["base_id"] == bid.as_str())
            .count(),
        on_base,
        "{detail}"
    );
    assert_eq!(
        listed.iter().filter(|c| c["base_id"].is_null()).count(),
        inherited,
        "{detail}"
    );
    let share_row = detail["shares"]
        .as_array()
        .expect("shares")
        .iter()
        .find(|s| s["id"] == share.as_str())
        .expect("the share is listed")
        .clone();
    assert_eq!(share_row["enabled"], false);

    // Turning a share's link on widens who reads the data: it is asked for, the preview
    // says what the link exposes, and only the approval enables it.
    let share_state = || async {
        sim.base(&bid)
            .shares()
            .await
            .expect("shares")
            .into_iter()
            .find(|s| s.share_id == share)
            .expect("share")
            .state
    };
    let enable = json!({"kind": "enable_share", "base": bid, "share": share});
    let (_, asked) = ask_and_approve(&t, &operator, &approver, enable.clone()).await;
    let preview = asked["request"]["preview"].to_string();
    assert!(preview.contains("Once enabled"), "{preview}");
    assert!(preview.contains(share.as_str()), "{preview}");
    assert_eq!(share_state().await, EnabledState::Enabled);
    assert!(logged(&t, "enable_share").await.is_some());
    // Enabling it again is refused when asked, not after someone approved it.
    let (status, body) = request_action(&t, &operator, &enable.to_string(), "again").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("already enabled"), "{body}");

    post_ok(
        &t,
        &operator,
        "/api/bases/extensions/enable",
        &[("base", bid.as_str()), ("installation", block.as_str())],
    )
    .await;
    let state = sim_extensions(&t, &bid)
        .await
        .into_iter()
        .find(|b| b.id == block)
        .expect("block")
        .state;
    assert_eq!(state, EnabledState::Enabled);
    assert!(logged(&t, "bases.enable_extension").await.is_some());

    // The page links back to its workspace and offers disabling only as a request.
    let html = page_html(&t, &operator, &format!("/bases/{bid}")).await;
    assert!(html.contains(&format!("/workspaces/{}", truth.workspace_id)));
    assert!(
        html.contains("disable_share"),
        "disabling is an approval request"
    );
    assert!(
        !html.contains("/api/bases/shares/enable"),
        "there is no direct way to enable a share"
    );
    assert!(html.contains("delete_block_installation"));
    assert!(html.contains("disable_block_installation"));
    assert!(on_base > 0, "the seeded base has collaborators of its own");
    assert!(html.contains("remove_base_collaborator"));
}

#[tokio::test]
async fn group_detail_matches_the_sim() {
    let t = TestConsole::start().await;
    let viewer = sign_in_as(&t, Role::Viewer).await;
    let sim = sim_client(&t);
    // A group with members and access to a workspace (the seeded enterprise has one).
    let mut chosen = None;
    for gid in sim
        .enterprise(&enterprise(&t))
        .get()
        .send()
        .await
        .expect("enterprise")
        .group_ids
    {
        let g = sim
            .group(&gid)
            .get()
            .include_collaborations()
            .send()
            .await
            .expect("group");
        let has_workspace = g
            .collaborations
            .as_ref()
            .is_some_and(|c| !c.workspace_collaborations.is_empty());
        if has_workspace && !g.members.is_empty() {
            chosen = Some(g);
            break;
        }
    }
    let truth = chosen.expect("a seeded group with members and a workspace");
    let gid = truth.id.clone();
    let detail = get_ok(&t, &viewer, &format!("/api/groups/get?id={gid}")).await;
    assert_eq!(detail["name"], truth.name.as_str());
    let mut members: Vec<(String, String)> = detail["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| (m["user_id"].to_string(), m["role"].to_string()))
        .collect();
    members.sort();
    let mut truth_members: Vec<(String, String)> = truth
        .members
        .iter()
        .map(|m| {
            (
                Value::from(m.user_id.to_string()).to_string(),
                Value::from(m.role.to_string()).to_string(),
            )
        })
        .collect();
    truth_members.sort();
    assert_eq!(members, truth_members);
    let workspaces: Vec<&str> = detail["collaborations"]
        .as_array()
        .expect("collaborations")
        .iter()
        .filter(|c| c["kind"] == "workspace")
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    let truth_workspaces: Vec<String> = truth
        .collaborations
        .iter()
        .flat_map(|c| c.workspace_collaborations.iter())
        .map(|w| w.workspace_id.to_string())
        .collect();
    assert_eq!(workspaces, truth_workspaces);

    // The page links to those workspaces.
    let html = page_html(&t, &viewer, &format!("/groups/{gid}")).await;
    assert!(html.contains(&format!("/workspaces/{}", truth_workspaces[0])));
}

#[tokio::test]
async fn a_viewer_is_refused_and_malformed_ids_get_a_clear_answer() {
    let t = TestConsole::start().await;
    let viewer = sign_in_as(&t, Role::Viewer).await;
    let wid = workspace_ids(&t).await[0].clone();
    let someone = t.sim().info().non_admins[0].id.to_string();
    let form = [
        ("workspace", wid.as_str()),
        ("collaborator", someone.as_str()),
        ("permission", "owner"),
    ];
    let (status, body) = post(&t, &viewer, "/api/workspaces/collaborators/add", &form).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let people = sim_workspace_people(&t, &wid).await;
    assert!(
        !people
            .iter()
            .any(|c| c.user_id.as_str() == someone && c.permission_level == PermissionLevel::Owner),
        "nothing was granted"
    );
    assert!(logged(&t, "workspaces.add_collaborator").await.is_none());

    for (path, words) in [
        (
            "/api/workspaces/get?id=not-a-workspace",
            "not a workspace ID",
        ),
        ("/api/workspaces/get?id=", "Give the workspace ID"),
        ("/api/bases/get?id=wspAAAAAAAAAAAAAA", "not a base ID"),
        ("/api/groups/get?id=%3Cscript%3E", "not a group ID"),
    ] {
        let (status, body) = get(&t, &viewer, path).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
        assert!(body.to_string().contains(words), "{path}: {body}");
    }
    // Well-formed but unknown: not found, not a server error.
    let (status, body) = get(&t, &viewer, "/api/workspaces/get?id=wspAAAAAAAAAAAAAA").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // The page itself says so in words.
    let response = get_response(&t, &viewer.browser, "/workspaces/nonsense").await;
    assert!(response.status().is_client_error(), "{}", response.status());
    let html = response.text().await.expect("html");
    assert!(html.contains("not a workspace ID"), "{html}");

    // An operator giving bad values is told what is wrong, and nothing reaches Airtable.
    let operator = sign_in_as(&t, Role::Operator).await;
    for (collaborator, permission, words) in [
        ("bob", "read", "not a user or group ID"),
        (
            someone.as_str(),
            "none",
            "not a permission the console grants",
        ),
        (
            someone.as_str(),
            "superuser",
            "not a permission the console grants",
        ),
    ] {
        let form = [
            ("workspace", wid.as_str()),
            ("collaborator", collaborator),
            ("permission", permission),
        ];
        let (status, body) = post(&t, &operator, "/api/workspaces/collaborators/add", &form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.to_string().contains(words), "{body}");
    }
    assert!(logged(&t, "workspaces.add_collaborator").await.is_none());

    // Without the wasm bundle a refused form sends the browser back to the page, which
    // says why in words where the form is.
    let page_url = t.url(&format!("/workspaces/{wid}"));
    let response = operator
        .browser
        .post(t.url("/api/workspaces/collaborators/add"))
        .header(header::ORIGIN, t.console.url())
        .header(header::REFERER, page_url.as_str())
        .header(header::ACCEPT, "text/html")
        .form(&[
            ("csrf_token", operator.csrf.as_str()),
            ("workspace", wid.as_str()),
            ("collaborator", someone.as_str()),
            ("permission", "none"),
        ])
        .send()
        .await
        .expect("plain form post");
    assert_eq!(response.status(), StatusCode::FOUND);
    let back = common::location(&response);
    assert!(back.starts_with(&page_url), "{back}");
    let html = operator
        .browser
        .get(&back)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("not a permission the console grants"),
        "{html}"
    );
}

#[tokio::test]
async fn destructive_actions_are_only_requests_for_approval() {
    // No server function of these pages deletes, removes or disables anything.
    for (path, _) in server_fn_paths() {
        let ours = ["/api/workspaces", "/api/bases", "/api/groups"]
            .iter()
            .any(|p| path.starts_with(p));
        if ours {
            for word in ["delete", "remove", "disable"] {
                assert!(
                    !path.contains(word),
                    "{path} must not exist: use an approval request"
                );
            }
        }
    }

    let t = TestConsole::start().await;
    let operator = sign_in_as(&t, Role::Operator).await;
    let wid = workspace_ids(&t).await[0].clone();
    let member: UserId = sim_workspace_people(&t, &wid)
        .await
        .first()
        .expect("a user collaborator")
        .user_id
        .clone();

    // The workspace page offers removal only as an approval request.
    let html = page_html(&t, &operator, &format!("/workspaces/{wid}")).await;
    assert!(html.contains("remove_workspace_collaborator"), "{html}");
    assert!(html.contains("delete_workspace"));
    assert!(html.contains("Ask for approval"));

    // Asking records a pending request; the collaborator stays.
    let action = serde_json::json!({
        "kind": "remove_workspace_collaborator",
        "workspace": wid.as_str(),
        "collaborator": { "type": "user", "id": member.as_str() },
    })
    .to_string();
    let (status, body) = request_action(&t, &operator, &action, "test").await;
    requested_id(status, &body);
    let people = sim_workspace_people(&t, &wid).await;
    assert!(people.iter().any(|c| c.user_id == member));

    // Setting a permission of `none` (a removal in disguise) is refused.
    let form = [
        ("workspace", wid.as_str()),
        ("collaborator", member.as_str()),
        ("permission", "none"),
    ];
    let (status, body) = post(&t, &operator, "/api/workspaces/collaborators/update", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn bases_are_made_directly_and_moved_through_approval() {
    let t = TestConsole::start().await;
    let operator = sign_in_as(&t, Role::Operator).await;
    let approver = sign_in_person(
        &t,
        &t.sim().info().admins[1].email.to_string(),
        Role::Approver,
    )
    .await;
    let sim = sim_client(&t);
    let ids = workspace_ids(&t).await;
    let (home, other) = (ids[0].clone(), ids[1].clone());

    // Made in a workspace, with the table it was given.
    let base = post_ok(
        &t,
        &operator,
        "/api/bases/create",
        &[
            ("workspace", home.as_str()),
            ("name", " Hiring 2027 "),
            ("table", "Candidates"),
        ],
    )
    .await;
    let base: BaseId = base.as_str().expect("base id").parse().expect("a base id");
    let schema = sim.base(&base).schema().await.expect("schema");
    assert_eq!(schema.tables.len(), 1);
    assert_eq!(schema.tables[0].name, "Candidates");
    let created = sim.base(&base).get().send().await.expect("base");
    assert_eq!(created.name, "Hiring 2027");
    assert_eq!(created.workspace_id, home);
    let (target, _) = logged(&t, "bases.create").await.expect("logged");
    assert_eq!(target.as_deref(), Some(base.as_str()));

    // Moved to another workspace: asked for (access through the old workspace ends), with
    // both workspaces named in the preview, and carried out only on approval.
    let asked = post_ok(
        &t,
        &operator,
        "/api/bases/move",
        &[
            ("base", base.as_str()),
            ("workspace", other.as_str()),
            ("reason", "The team moved"),
        ],
    )
    .await;
    let id = asked["Requested"]["id"]
        .as_str()
        .expect("a request")
        .to_string();
    assert_eq!(
        sim.base(&base)
            .get()
            .send()
            .await
            .expect("base")
            .workspace_id,
        home,
        "nothing moves before the approval"
    );
    let detail = approve(&t, &approver, &id).await;
    let preview = detail["request"]["preview"].to_string();
    let home_name = sim.workspace(&home).get().send().await.expect("ws").name;
    let other_name = sim.workspace(&other).get().send().await.expect("ws").name;
    assert!(
        preview.contains(&home_name) && preview.contains(&other_name),
        "{preview}"
    );
    assert!(preview.contains("lose access"), "{preview}");
    let moved = sim.base(&base).get().send().await.expect("base");
    assert_eq!(moved.workspace_id, other);
    // Moving it where it already is is refused when asked, in words.
    let (status, error) = post(
        &t,
        &operator,
        "/api/bases/move",
        &[
            ("base", base.as_str()),
            ("workspace", other.as_str()),
            ("reason", "again"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(
        error.to_string().contains("already in workspace"),
        "{error}"
    );

    // A collaborator added on the base, then their permission changed.
    let newcomer = t.sim().info().non_admins[0].id.to_string();
    post_ok(
        &t,
        &operator,
        "/api/bases/collaborators/add",
        &[
            ("base", base.as_str()),
            ("collaborator", &newcomer),
            ("permission", "comment"),
        ],
    )
    .await;
    let level = |b: &airtable_client::models::Base| {
        b.individual_collaborators
            .as_ref()
            .or(b.collaborators.as_ref())
            .and_then(|set| {
                set.base_collaborators
                    .iter()
                    .find(|c| c.user_id.to_string() == newcomer)
            })
            .map(|c| c.permission_level.clone())
    };
    let read = sim
        .base(&base)
        .get()
        .include_collaborators()
        .send()
        .await
        .expect("base");
    assert_eq!(level(&read), Some(PermissionLevel::from("comment")));
    post_ok(
        &t,
        &operator,
        "/api/bases/collaborators/update",
        &[
            ("base", base.as_str()),
            ("collaborator", &newcomer),
            ("permission", "edit"),
        ],
    )
    .await;
    let read = sim
        .base(&base)
        .get()
        .include_collaborators()
        .send()
        .await
        .expect("base");
    assert_eq!(level(&read), Some(PermissionLevel::from("edit")));
    assert!(logged(&t, "bases.update_collaborator").await.is_some());

    // Bad input is refused in words before Airtable is asked.
    for (path, form) in [
        (
            "/api/bases/create",
            vec![("workspace", home.as_str()), ("name", " "), ("table", "")],
        ),
        (
            "/api/bases/create",
            vec![("workspace", base.as_str()), ("name", "x"), ("table", "")],
        ),
        (
            "/api/bases/move",
            vec![
                ("base", base.as_str()),
                ("workspace", "nope"),
                ("reason", "typo"),
            ],
        ),
        (
            "/api/bases/collaborators/add",
            vec![
                ("base", base.as_str()),
                ("collaborator", &newcomer),
                ("permission", "god"),
            ],
        ),
    ] {
        let (status, error) = post(&t, &operator, path, &form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {error}");
    }
}
