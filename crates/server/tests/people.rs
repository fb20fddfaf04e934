//! The users pages over real HTTP, against the simulator and a fresh database: the table
//! comes from the latest snapshot (searched, filtered, sorted and paged in Postgres, each
//! filter checked against the simulator's own view), the CSV export streams the filtered
//! set with formula cells guarded, the detail page matches the simulator, direct changes
//! reach it and the action log, and nothing destructive can be done directly.

mod common;

use std::collections::BTreeSet;

use airtable_client::models::{User, UserState};
use common::session::{
    all_sim_users, create_scim_user, create_scim_users, deactivate_at_sim, email_domain,
    enterprise, enterprise_info, execute_sql, get, get_ok, get_response, logged, page_html, post,
    post_ok, request_action, requested_id, sign_in_as, sim_client, take_snapshot, Person,
};
use common::{header_text, TestConsole};
use console_app::api::Role;
use leptos::server_fn::axum::server_fn_paths;
use reqwest::{header, StatusCode};
use serde_json::Value;

fn column(page: &Value, key: &str) -> Vec<String> {
    page["page"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r[key].as_str().expect("text").to_string())
        .collect()
}

/// Every user id the table lists for a view (walking all pages).
async fn ids_of(t: &TestConsole, who: &Person, view: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for page in 1.. {
        let (status, body) = get(t, who, &format!("/api/users/list?{view}&page={page}")).await;
        assert_eq!(status, StatusCode::OK, "{view}: {body}");
        let rows = column(&body, "id");
        if rows.is_empty() {
            break;
        }
        ids.extend(rows);
        if page * 50 >= body["page"]["total"].as_i64().expect("total") {
            break;
        }
    }
    ids
}

#[tokio::test]
async fn the_users_table_comes_from_the_latest_snapshot_searched_filtered_sorted_and_paged() {
    let t = TestConsole::start().await;
    let viewer = sign_in_as(&t, Role::Viewer).await;

    // Before any snapshot the table says so rather than calling Airtable.
    let page = get_ok(&t, &viewer, "/api/users/list").await;
    assert!(page["page"]["snapshot_id"].is_null(), "{page}");

    // 60 people with a common name: more than one page.
    let created = create_scim_users(&t, "Pagewalker", 60).await;
    let domain = email_domain(&t).await;
    // One of them deactivated, so the state filter has something to find.
    deactivate_at_sim(&t, &created[7]).await;
    let snapshot = take_snapshot(&t).await;
    let late = create_scim_user(&t, &format!("latecomer@{domain}"), "Late", "Comer").await;

    let first = get_ok(&t, &viewer, "/api/users/list?q=PAGEWALKER").await;
    assert_eq!(first["page"]["snapshot_id"], snapshot);
    assert!(first["page"]["as_of"].is_string());
    assert_eq!(first["page"]["total"], 60, "{first}");
    assert_eq!(first["details_recorded"], true);
    let names = column(&first, "name");
    assert_eq!(names.len(), 50);
    assert_eq!(names[0], "Pagewalker 00");
    assert_eq!(names[49], "Pagewalker 49");
    let (_, second) = get(&t, &viewer, "/api/users/list?q=pagewalker&page=2").await;
    let names = column(&second, "name");
    assert_eq!(names.len(), 10);
    assert_eq!(names[9], "Pagewalker 59");

    // Sorting: by name backwards, by email, by last activity.
    let (_, back) = get(&t, &viewer, "/api/users/list?q=pagewalker&sort=-name").await;
    assert_eq!(column(&back, "name")[0], "Pagewalker 59");
    let (_, by_email) = get(&t, &viewer, "/api/users/list?sort=email").await;
    let emails = column(&by_email, "email");
    let mut sorted = emails.clone();
    sorted.sort_by_key(|e| e.to_lowercase());
    assert_eq!(emails, sorted);
    let truth = all_sim_users(&t).await;
    let activity = |id: &str| {
        truth
            .iter()
            .find(|u| u.id.as_str() == id)
            .and_then(|u| u.last_activity_time.as_ref().map(|t| *t.as_datetime()))
    };
    for sort in ["activity", "-activity"] {
        let (_, page) = get(&t, &viewer, &format!("/api/users/list?sort={sort}")).await;
        let times: Vec<_> = column(&page, "id").iter().map(|id| activity(id)).collect();
        let mut expected = times.clone();
        // Never-active people count as least recently active.
        expected.sort_by_key(|t| t.map_or(i64::MIN, |t| t.timestamp_micros()));
        if sort.starts_with('-') {
            expected.reverse();
        }
        assert_eq!(times, expected, "{sort}");
    }

    // Each filter lists exactly the users the simulator says match (the latecomer is not in
    // the snapshot).
    let info = enterprise_info(&t).await;
    let domains: Vec<String> = info
        .email_domains
        .iter()
        .map(|d| d.email_domain.to_lowercase())
        .collect();
    let in_snapshot: Vec<&User> = truth.iter().filter(|u| u.id != late).collect();
    let now = chrono::Utc::now();
    type Pick = Box<dyn Fn(&User) -> bool>;
    let domains_for_pick = domains.clone();
    let checks: Vec<(&str, Pick)> = vec![
        (
            "state=deactivated",
            Box::new(|u| u.state == UserState::Deactivated),
        ),
        (
            "state=provisioned",
            Box::new(|u| u.state == UserState::Provisioned),
        ),
        ("admin=yes", Box::new(|u| u.is_admin == Some(true))),
        ("admin=no", Box::new(|u| u.is_admin != Some(true))),
        ("managed=yes", Box::new(|u| u.is_managed == Some(true))),
        ("service=yes", Box::new(|u| u.is_service_account)),
        ("service=no", Box::new(|u| !u.is_service_account)),
        (
            "external=yes",
            Box::new(move |u| {
                let d = u.email.rsplit_once('@').map(|(_, d)| d.to_lowercase());
                !d.is_some_and(|d| domains_for_pick.contains(&d))
            }),
        ),
        (
            "external=no",
            Box::new(move |u| {
                let d = u.email.rsplit_once('@').map(|(_, d)| d.to_lowercase());
                d.is_some_and(|d| domains.contains(&d))
            }),
        ),
        ("two_factor=no", Box::new(|u| !u.is_two_factor_auth_enabled)),
        ("sso=yes", Box::new(|u| u.is_sso_required)),
        (
            "inactive_days=30",
            Box::new(move |u| {
                u.last_activity_time
                    .as_ref()
                    .is_none_or(|t| *t.as_datetime() < now - chrono::Duration::days(30))
            }),
        ),
        (
            "admin=no&two_factor=no&q=pagewalker",
            Box::new(|u| {
                u.is_admin != Some(true)
                    && !u.is_two_factor_auth_enabled
                    && u.name.starts_with("Pagewalker")
            }),
        ),
    ];
    for (view, pick) in &checks {
        let expected: BTreeSet<String> = in_snapshot
            .iter()
            .filter(|u| pick(u))
            .map(|u| u.id.to_string())
            .collect();
        // (The tiny simulator may have no service account and no external user.)
        assert!(
            !expected.is_empty() || ["service=yes", "external=yes"].contains(view),
            "{view} should match someone in the simulator"
        );
        assert_eq!(ids_of(&t, &viewer, view).await, expected, "{view}");
    }
    let (_, deactivated) = get(
        &t,
        &viewer,
        "/api/users/list?state=deactivated&q=pagewalker",
    )
    .await;
    assert_eq!(column(&deactivated, "id"), vec![created[7].to_string()]);

    // An exact email or ID names one user (the page goes straight to them), even someone
    // newer than the snapshot; part of an email does not.
    let email_7 = format!("PageWalker.07@{domain}");
    let late_email = format!("latecomer@{domain}");
    for (q, id) in [
        (email_7.as_str(), created[7].to_string()),
        (created[3].as_str(), created[3].to_string()),
        (late_email.as_str(), late.to_string()),
    ] {
        let body = get_ok(&t, &viewer, &format!("/api/users/list?q={}", urlencode(q))).await;
        assert_eq!(body["exact"], id.as_str(), "{q}");
    }
    let (_, part) = get(&t, &viewer, "/api/users/list?q=pagewalker.07").await;
    assert!(part["exact"].is_null());
    assert_eq!(part["page"]["total"], 1);
    let (_, nobody) = get(&t, &viewer, "/api/users/list?q=nobody%40nowhere.invalid").await;
    assert!(nobody["exact"].is_null());
    assert_eq!(nobody["page"]["total"], 0);

    // Bad values are clear errors, not crashes.
    for (url, words) in [
        ("/api/users/list?page=0", "Page numbers start at 1"),
        ("/api/users/list?admin=maybe", "Admin must be yes, no"),
        ("/api/users/list?inactive_days=-3", "whole number"),
        ("/api/users/list?sort=salary", "not a way to sort"),
    ] {
        let (status, body) = get(&t, &viewer, url).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {body}");
        assert!(body.to_string().contains(words), "{url}: {body}");
    }

    // Without wasm: the page shows the snapshot's time, the rows, links to each user and
    // keeps the view in the paging links; an exact email redirects to the user.
    let html = page_html(&t, &viewer, "/users?q=pagewalker&sort=-name").await;
    assert!(html.contains("As of "), "{html}");
    assert!(html.contains("Pagewalker 59"));
    assert!(html.contains(&format!("/users/{}", created[59])));
    assert!(
        html.contains("/users?q=pagewalker&amp;sort=-name&amp;page=2"),
        "{html}"
    );
    assert!(html.contains("/users/export.csv?q=pagewalker&amp;sort=-name"));
    let response = viewer
        .browser
        .get(t.url(&format!("/users?q={}", urlencode(&email_7))))
        // As a browser's navigation says (the redirect is a 302 only then).
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .expect("page");
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(
        common::location(&response),
        format!("/users/{}", created[7])
    );

    // A snapshot from before the console recorded the details cannot filter on them.
    execute_sql(&t, "UPDATE snapshots SET email_domains = NULL").await;
    let (status, body) = get(&t, &viewer, "/api/users/list?external=yes").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("Take a new snapshot"), "{body}");
    let (status, _) = get(&t, &viewer, "/api/users/list?admin=yes").await;
    assert_eq!(status, StatusCode::OK);
}

fn urlencode(text: &str) -> String {
    console_app::audit::query::percent_encode(text)
}

#[tokio::test]
async fn the_csv_export_streams_the_filtered_set_with_formulas_guarded() {
    let t = TestConsole::start().await;
    let viewer = sign_in_as(&t, Role::Viewer).await;

    // Nothing to export before a snapshot.
    let response = get_response(&t, &viewer.browser, "/users/export.csv").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    let domain = email_domain(&t).await;
    let sneaky = create_scim_user(
        &t,
        &format!("sneaky@{domain}"),
        "=HYPERLINK(\"http://x\")",
        "Csv",
    )
    .await;
    let plain = create_scim_user(&t, &format!("plain.csv@{domain}"), "Plain", "Csv, Jr.").await;
    take_snapshot(&t).await;

    let response = get_response(&t, &viewer.browser, "/users/export.csv?q=csv&sort=-name").await;
    assert_eq!(response.status(), StatusCode::OK);
    let disposition = header_text(&response, header::CONTENT_DISPOSITION);
    assert!(disposition.is_some_and(|v| v.starts_with("attachment; filename=\"users-")));
    let text = response.text().await.expect("body");
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "id,email,name,state,admin,super_admin,managed,service_account,external,two_factor,sso_required,last_activity"
    );
    assert_eq!(lines.len(), 3, "{text}");
    // Sorted by name backwards: "Plain Csv, Jr." before "=HYPERLINK…".
    assert!(
        lines[1].starts_with(&format!(
            "{plain},plain.csv@{domain},\"Plain Csv, Jr.\",provisioned,no,no,yes,no,no,"
        )),
        "{text}"
    );
    assert!(
        lines[2].starts_with(&format!(
            "{sneaky},sneaky@{domain},\"'=HYPERLINK(\"\"http://x\"\") Csv\","
        )),
        "a formula is written as text: {text}"
    );

    // All pages of a filter, not one: every user but the admins.
    let everyone = all_sim_users(&t).await;
    let response = get_response(&t, &viewer.browser, "/users/export.csv?admin=no").await;
    let text = response.text().await.expect("body");
    let rows = text.split("\r\n").filter(|l| !l.is_empty()).count() - 1;
    let non_admins = everyone.iter().filter(|u| u.is_admin != Some(true)).count();
    assert_eq!(rows, non_admins);

    // A bad view is a clear 422; someone not signed in gets nothing.
    let response = get_response(&t, &viewer.browser, "/users/export.csv?sso=perhaps").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let stranger = get_response(&t, &t.browser(), "/users/export.csv").await;
    assert!(
        !stranger.status().is_success(),
        "not signed in: {}",
        stranger.status()
    );
}

#[tokio::test]
async fn user_detail_matches_the_sim() {
    let t = TestConsole::start().await;
    let viewer = sign_in_as(&t, Role::Viewer).await;
    take_snapshot(&t).await;
    let sim = sim_client(&t);
    // Someone with groups and direct collaborations.
    let mut chosen = None;
    for u in all_sim_users(&t).await {
        let full = sim
            .enterprise(&enterprise(&t))
            .user(&u.id)
            .get()
            .include_collaborations()
            .send()
            .await
            .expect("user");
        let has_groups = full.groups.as_ref().is_some_and(|g| !g.is_empty());
        let has_access = full.collaborations.as_ref().is_some_and(|c| !c.is_empty());
        if has_groups && has_access {
            chosen = Some(full);
            break;
        }
    }
    let truth = chosen.expect("a user with groups and collaborations");

    let detail = get_ok(&t, &viewer, &format!("/api/users/get?id={}", truth.id)).await;
    assert_eq!(detail["email"], truth.email.as_str());
    assert_eq!(detail["name"], truth.name.as_str());
    assert_eq!(detail["state"], truth.state.to_string());
    assert_eq!(detail["is_admin"], truth.is_admin.unwrap_or(false));
    assert_eq!(detail["two_factor"], truth.is_two_factor_auth_enabled);
    assert_eq!(detail["is_external"], false);
    let groups: BTreeSet<String> = detail["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            assert!(g["name"].is_string(), "named from the snapshot: {g}");
            g["id"].as_str().expect("id").to_string()
        })
        .collect();
    let truth_groups: BTreeSet<String> = truth
        .groups
        .iter()
        .flatten()
        .map(|g| g.id.to_string())
        .collect();
    assert_eq!(groups, truth_groups);
    let access: BTreeSet<(String, String, String)> = detail["collaborations"]
        .as_array()
        .expect("collaborations")
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().expect("kind").to_string(),
                c["id"].as_str().expect("id").to_string(),
                c["permission"].as_str().expect("permission").to_string(),
            )
        })
        .collect();
    let c = truth.collaborations.as_ref().expect("collaborations");
    let mut truth_access = BTreeSet::new();
    for w in &c.workspace_collaborations {
        truth_access.insert((
            "workspace".into(),
            w.workspace_id.to_string(),
            w.permission_level.to_string(),
        ));
    }
    for b in &c.base_collaborations {
        truth_access.insert((
            "base".into(),
            b.base_id.to_string(),
            b.permission_level.to_string(),
        ));
    }
    for i in &c.interface_collaborations {
        truth_access.insert((
            "interface".into(),
            i.interface_id.to_string(),
            i.permission_level.to_string(),
        ));
    }
    assert_eq!(access, truth_access);

    // The page, without wasm: profile, links to groups, workspaces or bases, and the audit.
    let html = page_html(&t, &viewer, &format!("/users/{}", truth.id)).await;
    assert!(html.contains(&truth.email), "{html}");
    let first_group = truth_groups.iter().next().expect("a group");
    assert!(html.contains(&format!("/groups/{first_group}")));
    assert!(
        html.contains(&format!("/audit?q=actor%3A{}", truth.id)),
        "{html}"
    );
    let linked = c
        .workspace_collaborations
        .first()
        .map(|w| format!("/workspaces/{}", w.workspace_id))
        .or_else(|| {
            c.base_collaborations
                .first()
                .map(|b| format!("/bases/{}", b.base_id))
        })
        .or_else(|| {
            c.interface_collaborations
                .first()
                .map(|i| format!("/bases/{}", i.base_id))
        })
        .expect("a collaboration");
    assert!(html.contains(&linked), "{linked}");
    // A viewer sees no actions.
    assert!(!html.contains("Ask for approval"));
    assert!(!html.contains("Log out of all sessions"));
}

#[tokio::test]
async fn direct_changes_reach_the_sim_and_the_action_log() {
    let t = TestConsole::start().await;
    let operator = sign_in_as(&t, Role::Operator).await;
    let sim = sim_client(&t);
    let domain = email_domain(&t).await;
    let target = create_scim_user(&t, &format!("logout.me@{domain}"), "Logout", "Me").await;

    let started = chrono::Utc::now() - chrono::Duration::seconds(1);
    post_ok(
        &t,
        &operator,
        "/api/users/logout",
        &[("user", target.as_str())],
    )
    .await;
    let (logged_target, _) = logged(&t, "users.logout").await.expect("logged");
    assert_eq!(logged_target.as_deref(), Some(target.as_str()));
    let events = sim
        .enterprise(&enterprise(&t))
        .audit_log()
        .event_type("logoutUser")
        .model_id(target.as_str())
        .start_time(started)
        .page()
        .await
        .expect("audit");
    assert_eq!(events.events.len(), 1, "{:?}", events.events);

    post_ok(
        &t,
        &operator,
        "/api/users/rename",
        &[
            ("user", target.as_str()),
            ("first_name", " Renamed "),
            ("last_name", "Person"),
        ],
    )
    .await;
    let now = sim
        .enterprise(&enterprise(&t))
        .user(&target)
        .get()
        .send()
        .await
        .expect("user");
    assert_eq!(now.name, "Renamed Person");
    let (logged_target, details) = logged(&t, "users.rename").await.expect("logged");
    assert_eq!(logged_target.as_deref(), Some(target.as_str()));
    assert_eq!(details["first_name"], "Renamed");

    let new_email = format!("moved.me@{domain}");
    post_ok(
        &t,
        &operator,
        "/api/users/email",
        &[("user", target.as_str()), ("email", new_email.as_str())],
    )
    .await;
    let moved = sim
        .enterprise(&enterprise(&t))
        .user(&target)
        .get()
        .send()
        .await
        .expect("user");
    assert_eq!(moved.email, new_email);
    let (logged_target, details) = logged(&t, "users.change_email").await.expect("logged");
    assert_eq!(logged_target.as_deref(), Some(target.as_str()));
    assert_eq!(details["email"], new_email.as_str());
    // Not an address: refused before Airtable is asked. Off the enterprise's domains:
    // Airtable's refusal, in words.
    let (status, body) = post(
        &t,
        &operator,
        "/api/users/email",
        &[("user", target.as_str()), ("email", "not an address")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = post(
        &t,
        &operator,
        "/api/users/email",
        &[("user", target.as_str()), ("email", "someone@example.org")],
    )
    .await;
    assert!(
        status.is_client_error() || status == StatusCode::BAD_GATEWAY,
        "{status}: {body}"
    );
    assert!(body.to_string().contains("domain"), "{body}");

    // Empty names are refused before Airtable is asked.
    let (status, body) = post(
        &t,
        &operator,
        "/api/users/rename",
        &[
            ("user", target.as_str()),
            ("first_name", " "),
            ("last_name", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // An operator's page offers the changes and the requests.
    let html = page_html(&t, &operator, &format!("/users/{target}")).await;
    assert!(html.contains("Log out of all sessions"), "{html}");
    assert!(html.contains("Renamed Person"));
    assert!(html.contains("Ask for approval"));
}

#[tokio::test]
async fn a_viewer_is_refused_and_malformed_ids_get_a_clear_answer() {
    let t = TestConsole::start().await;
    let viewer = sign_in_as(&t, Role::Viewer).await;
    let domain = email_domain(&t).await;
    let target = create_scim_user(&t, &format!("keep.me@{domain}"), "Keep", "Me").await;

    let (status, body) = post(
        &t,
        &viewer,
        "/api/users/logout",
        &[("user", target.as_str())],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = post(
        &t,
        &viewer,
        "/api/users/rename",
        &[
            ("user", target.as_str()),
            ("first_name", "X"),
            ("last_name", "Y"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let now = sim_client(&t)
        .enterprise(&enterprise(&t))
        .user(&target)
        .get()
        .send()
        .await
        .expect("user");
    assert_eq!(now.name, "Keep Me");
    assert!(logged(&t, "users.logout").await.is_none());
    assert!(logged(&t, "users.rename").await.is_none());
    let (status, body) = post(
        &t,
        &viewer,
        "/api/users/email",
        &[
            ("user", target.as_str()),
            ("email", "taken.over@example.org"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(logged(&t, "users.change_email").await.is_none());

    let (status, body) = get(&t, &viewer, "/api/users/get?id=wsp123").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("not a user ID"), "{body}");
    let (status, body) = get(&t, &viewer, "/api/users/get?id=usrAAAAAAAAAAAAAA").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let html = page_html(&t, &viewer, "/users/not-an-id").await;
    assert!(html.contains("not a user ID"), "{html}");
}

#[tokio::test]
async fn destructive_actions_are_only_requests_for_approval() {
    // No server function of the users pages deletes, removes, deactivates or revokes.
    for (path, _) in server_fn_paths() {
        if path.starts_with("/api/users") {
            for word in ["delete", "remove", "deactivate", "revoke"] {
                assert!(
                    !path.contains(word),
                    "{path} must not exist: use an approval request"
                );
            }
        }
    }
    let t = TestConsole::start().await;
    let operator = sign_in_as(&t, Role::Operator).await;
    let domain = email_domain(&t).await;
    let target = create_scim_user(&t, &format!("doomed.maybe@{domain}"), "Doomed", "Maybe").await;

    let html = page_html(&t, &operator, &format!("/users/{target}")).await;
    for kind in [
        "deactivate_user",
        "remove_user_from_enterprise",
        "delete_user",
    ] {
        assert!(html.contains(kind), "{kind}: {html}");
    }
    assert!(!html.contains("revoke_admin_access"), "not an admin");

    for kind in ["delete_user", "deactivate_user"] {
        let action = serde_json::json!({ "kind": kind, "user": target.as_str() }).to_string();
        let (status, body) = request_action(&t, &operator, &action, "test").await;
        requested_id(status, &body);
    }
    let now = sim_client(&t)
        .enterprise(&enterprise(&t))
        .user(&target)
        .get()
        .send()
        .await
        .expect("still there");
    assert_eq!(now.state, UserState::Provisioned);
}

/// A complete snapshot (taken now) whose users are `people`: what follows the snapshot's id
/// (`$1`) in a `SELECT` of `snapshot_users`' columns. Returns its id.
async fn snapshot_of(db: &sqlx::PgPool, people: &str) -> i64 {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO snapshots (taken_at, email_domains) VALUES (now(), ARRAY['corp.com'])
         RETURNING id",
    )
    .fetch_one(db)
    .await
    .expect("snapshot");
    sqlx::query(&format!(
        "INSERT INTO snapshot_users (snapshot_id, user_id, email, name, state, is_admin,
             is_super_admin, is_managed, is_service_account, is_external,
             is_two_factor_auth_enabled, is_sso_required, last_activity_at)
         SELECT $1, {people}"
    ))
    .bind(id)
    .execute(db)
    .await
    .expect("users");
    id
}

#[tokio::test]
async fn fifty_thousand_users_are_searched_filtered_and_paged_on_the_server() {
    // Correctness at scale only: how fast these views answer is measured outside the test
    // suite (docs/BENCHMARKS.md), never asserted here.
    let t = TestConsole::start().await;
    let viewer = sign_in_as(&t, Role::Viewer).await;
    let db = t.db().await;
    // An older snapshot of the same size first, so the newest is not alone in the table.
    for _ in 0..2 {
        snapshot_of(
            &db,
            "'usr' || lpad(n::text, 14, '0'), 'person' || n || '@corp.com',
             'Person ' || n, CASE WHEN n % 20 = 0 THEN 'deactivated' ELSE 'provisioned' END,
             n % 500 = 0, false, n % 10 <> 0, n % 97 = 0, n % 10 = 0, n % 3 = 0,
             n % 2 = 0, CASE WHEN n % 25 = 0 THEN NULL
                             ELSE now() - make_interval(days => n % 400) END
               FROM generate_series(1, 50000) AS n",
        )
        .await;
    }
    execute_sql(&t, "ANALYZE snapshot_users").await;
    for (view, total) in [
        ("", Some(50_000)),
        ("page=999", Some(50_000)),
        ("sort=-activity&page=500", Some(50_000)),
        ("sort=activity", Some(50_000)),
        ("sort=-email&page=300", Some(50_000)),
        ("q=person 4242", None),
        // Every 20th person is deactivated.
        ("q=corp&state=deactivated&sort=-name&page=40", Some(2_500)),
        (
            "external=yes&two_factor=no&inactive_days=90&sort=activity&page=10",
            None,
        ),
        // Admins are every 500th person, all of them unmanaged (every 10th is).
        ("admin=yes&managed=no", Some(100)),
    ] {
        let (status, body) = get(&t, &viewer, &format!("/api/users/list?{view}")).await;
        assert_eq!(status, StatusCode::OK, "{view}: {body}");
        let found = body["page"]["total"].as_i64().expect("total");
        match total {
            Some(total) => assert_eq!(found, total, "{view}"),
            None => assert!(found > 0, "{view}"),
        }
    }
    // A newer snapshot in which ten people are gone: the same views count it afresh (a
    // count is kept per snapshot, never carried over to the next).
    snapshot_of(
        &db,
        "user_id, email, name, state, is_admin, is_super_admin, is_managed,
         is_service_account, is_external, is_two_factor_auth_enabled, is_sso_required,
         last_activity_at
           FROM snapshot_users
          WHERE snapshot_id = (SELECT max(id) FROM snapshots WHERE id < $1)
            AND user_id > 'usr' || lpad('10', 14, '0')",
    )
    .await;
    for (view, total) in [("", 49_990), ("page=2&sort=-email", 49_990)] {
        let (status, body) = get(&t, &viewer, &format!("/api/users/list?{view}")).await;
        assert_eq!(status, StatusCode::OK, "{view}: {body}");
        assert_eq!(body["page"]["total"].as_i64(), Some(total), "{view}");
    }
}

#[tokio::test]
async fn a_page_read_again_from_where_it_was_found_to_start_is_the_same_page() {
    // A far page is read from its remembered first user after its first view
    // (`user_page_starts`): every page of each view is read first counted out from the top
    // (last page first, so each start is found by counting), then again from the starts,
    // and the two must agree row for row. Names and emails repeat in other letter cases,
    // so the order's ties (broken by user id) are part of what is compared.
    let t = TestConsole::start().await;
    let viewer = sign_in_as(&t, Role::Viewer).await;
    let db = t.db().await;
    snapshot_of(
        &db,
        "'usr' || lpad(n::text, 14, '0'),
         CASE WHEN n % 2 = 0 THEN 'p' ELSE 'P' END || (n % 41) || '@corp.com',
         CASE WHEN n % 3 = 0 THEN 'person ' ELSE 'PERSON ' END || (n % 37),
         CASE WHEN n % 3 = 0 THEN 'deactivated' ELSE 'provisioned' END,
         false, false, true, false, false, true, true, now()
           FROM generate_series(1, 260) AS n",
    )
    .await;
    for view in [
        "sort=name",
        "sort=-name",
        "sort=email",
        "sort=-email",
        "q=corp&sort=-name",
        "state=deactivated&sort=email",
        "sort=activity",
    ] {
        let (_, first) = get(&t, &viewer, &format!("/api/users/list?{view}")).await;
        let total = first["page"]["total"].as_i64().expect("total");
        let pages = (total + 49) / 50;
        assert!(pages >= 2, "{view}: {total} users make one page");
        let mut counted = Vec::new();
        for page in (1..=pages).rev() {
            let (status, body) =
                get(&t, &viewer, &format!("/api/users/list?{view}&page={page}")).await;
            assert_eq!(status, StatusCode::OK, "{view}: {body}");
            counted.push((page, column(&body, "id")));
        }
        counted.reverse();
        let mut seen = BTreeSet::new();
        for (page, rows) in &counted {
            let (_, again) = get(&t, &viewer, &format!("/api/users/list?{view}&page={page}")).await;
            assert_eq!(&column(&again, "id"), rows, "{view}, page {page}");
            seen.extend(rows.iter().cloned());
        }
        assert_eq!(seen.len() as i64, total, "{view}: every user once");
    }
}
