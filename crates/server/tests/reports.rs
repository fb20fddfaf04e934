//! The reports over real HTTP, against the simulator and a fresh database: each report
//! lists exactly the rows the simulator's own state implies (computed here from what the
//! simulator answers its own token, not written down), over every page and in the CSV; a
//! change in the simulator shows after a new snapshot; bad input is a clear error; a
//! snapshot from before shares were recorded says so.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use airtable_client::{
    ids::{BaseId, UserId},
    models::{EnabledState, Group, PermissionLevel, Share, User, UserRef, UserState, Workspace},
};
use chrono::{DateTime, Utc};
use common::session::{
    create_sim_workspace, deactivate_at_sim, enterprise, execute_sql, get, get_ok, get_response,
    sim_client, sim_workspace_people, take_snapshot, Person,
};
use common::{header_text, TestConsole};
use console_app::api::Role;
use reqwest::{header, StatusCode};
use serde_json::Value;

/// The enterprise as the simulator tells its own (super admin) token.
struct Truth {
    users: Vec<User>,
    domains: Vec<String>,
    workspaces: Vec<Workspace>,
    groups: Vec<Group>,
    /// Every share of every base, with its base.
    shares: Vec<(BaseId, Share)>,
}

async fn truth(t: &TestConsole) -> Truth {
    let sim = sim_client(t);
    let ent = enterprise(t);
    let info = sim.enterprise(&ent).get().send().await.expect("enterprise");
    let users = sim
        .enterprise(&ent)
        .users()
        .all()
        .send()
        .await
        .expect("users");
    let mut workspaces = Vec::new();
    for id in &info.workspace_ids {
        workspaces.push(
            sim.workspace(id)
                .get()
                .include_collaborators()
                .send()
                .await
                .expect("workspace"),
        );
    }
    let mut groups = Vec::new();
    for id in &info.group_ids {
        groups.push(sim.group(id).get().send().await.expect("group"));
    }
    let mut shares = Vec::new();
    for w in &workspaces {
        for base in &w.base_ids {
            for share in sim.base(base).shares().await.expect("shares") {
                shares.push((base.clone(), share));
            }
        }
    }
    Truth {
        users,
        domains: info
            .email_domains
            .iter()
            .map(|d| d.email_domain.to_lowercase())
            .collect(),
        workspaces,
        groups,
        shares,
    }
}

fn is_external(email: &str, domains: &[String]) -> bool {
    let domain = email
        .rsplit_once('@')
        .map(|(_, d)| d.to_lowercase())
        .unwrap_or_default();
    !domains.contains(&domain)
}

fn owner() -> PermissionLevel {
    PermissionLevel::from("owner")
}

impl Truth {
    fn user(&self, id: &str) -> &User {
        self.users
            .iter()
            .find(|u| u.id.as_str() == id)
            .expect("a user the simulator knows")
    }

    fn inactive(&self, days: i64, as_of: DateTime<Utc>) -> BTreeSet<String> {
        let cutoff = as_of - chrono::Duration::days(days);
        self.users
            .iter()
            .filter(|u| u.state == UserState::Provisioned)
            .filter(|u| {
                u.last_activity_time
                    .as_ref()
                    .is_none_or(|t| *t.as_datetime() < cutoff)
            })
            .map(|u| u.id.to_string())
            .collect()
    }

    fn external(&self) -> BTreeSet<String> {
        self.users
            .iter()
            .filter(|u| is_external(&u.email, &self.domains))
            .map(|u| u.id.to_string())
            .collect()
    }

    /// Where a user can reach: (workspace, permission, group it comes through).
    fn reach(&self, user: &str) -> BTreeSet<(String, String, Option<String>)> {
        let mut out = BTreeSet::new();
        let groups: Vec<&Group> = self
            .groups
            .iter()
            .filter(|g| g.members.iter().any(|m| m.user_id.as_str() == user))
            .collect();
        for w in &self.workspaces {
            for c in w
                .individual()
                .map(|s| s.workspace_collaborators.as_slice())
                .unwrap_or_default()
            {
                if c.user_id.as_str() == user {
                    out.insert((w.id.to_string(), c.permission_level.to_string(), None));
                }
            }
            for c in w
                .group_collaborators
                .as_ref()
                .map(|s| s.workspace_collaborators.as_slice())
                .unwrap_or_default()
            {
                if groups.iter().any(|g| g.id == c.group_id) {
                    out.insert((
                        w.id.to_string(),
                        c.permission_level.to_string(),
                        Some(c.group_id.to_string()),
                    ));
                }
            }
        }
        out
    }

    fn groups_of(&self, user: &str) -> BTreeSet<String> {
        self.groups
            .iter()
            .filter(|g| g.members.iter().any(|m| m.user_id.as_str() == user))
            .map(|g| g.id.to_string())
            .collect()
    }

    fn admin_gaps(&self) -> BTreeSet<String> {
        self.users
            .iter()
            .filter(|u| u.is_admin == Some(true))
            .filter(|u| !u.is_sso_required || !u.is_two_factor_auth_enabled)
            .map(|u| u.id.to_string())
            .collect()
    }

    /// Workspace → its only owner (a user or a group).
    fn sole_owners(&self) -> BTreeMap<String, String> {
        self.workspaces
            .iter()
            .filter_map(|w| {
                let mut owners: Vec<String> = w
                    .individual()
                    .map(|s| s.workspace_collaborators.as_slice())
                    .unwrap_or_default()
                    .iter()
                    .filter(|c| c.permission_level == owner())
                    .map(|c| c.user_id.to_string())
                    .collect();
                owners.extend(
                    w.group_collaborators
                        .as_ref()
                        .map(|s| s.workspace_collaborators.as_slice())
                        .unwrap_or_default()
                        .iter()
                        .filter(|c| c.permission_level == owner())
                        .map(|c| c.group_id.to_string()),
                );
                (owners.len() == 1).then(|| (w.id.to_string(), owners.remove(0)))
            })
            .collect()
    }

    fn public_shares(&self) -> BTreeSet<String> {
        self.shares
            .iter()
            .filter(|(_, s)| is_public(s))
            .map(|(_, s)| s.share_id.to_string())
            .collect()
    }
}

fn is_public(s: &Share) -> bool {
    s.state == EnabledState::Enabled
        && !s.is_password_protected
        && s.restricted_to_email_domains.is_empty()
        && !s.restricted_to_enterprise_members
}

/// Every row of a report (all pages), as JSON, checking the pages add up to the total.
async fn all_rows(t: &TestConsole, who: &Person, name: &str, extra: &str) -> (Value, Vec<Value>) {
    let mut rows = Vec::new();
    let mut first = Value::Null;
    for page in 1.. {
        let (status, body) = get(
            t,
            who,
            &format!("/api/reports/get?name={name}&page={page}{extra}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name} page {page}: {body}");
        let page_rows: Vec<Value> = body["rows"]
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_array)
            .cloned()
            .expect("rows of the report's kind");
        let total = body["total"].as_i64().expect("total");
        let done = page_rows.is_empty() || page * 50 >= total;
        rows.extend(page_rows);
        if page == 1 {
            first = body;
        }
        if done {
            break;
        }
    }
    assert_eq!(
        rows.len() as i64,
        first["total"].as_i64().expect("total"),
        "{name}: the pages hold every row once"
    );
    (first, rows)
}

fn texts(rows: &[Value], key: &str) -> Vec<String> {
    rows.iter()
        .map(|r| r[key].as_str().expect(key).to_string())
        .collect()
}

fn set(values: Vec<String>) -> BTreeSet<String> {
    let n = values.len();
    let set: BTreeSet<String> = values.into_iter().collect();
    assert_eq!(set.len(), n, "no row twice");
    set
}

/// The CSV of a report: its header and the first field of every row.
async fn csv(t: &TestConsole, who: &Person, path: &str) -> (String, Vec<String>) {
    let response = get_response(t, &who.browser, path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let disposition = header_text(&response, header::CONTENT_DISPOSITION)
        .unwrap_or_default()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\""),
        "{disposition}"
    );
    let text = response.text().await.expect("body");
    let mut lines = text.split("\r\n").filter(|l| !l.is_empty());
    let header = lines.next().expect("a header line").to_string();
    // Ids never need quoting, so the first field ends at the first comma.
    let firsts = lines
        .map(|l| l.split(',').next().unwrap_or_default().to_string())
        .collect();
    (header, firsts)
}

async fn html(t: &TestConsole, who: &Person, path: &str) -> String {
    who.browser
        .get(t.url(path))
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html")
}

fn as_of(view: &Value) -> DateTime<Utc> {
    view["as_of"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .expect("an as-of time")
}

/// Checks every report against the simulator's state now (the snapshot was just taken).
async fn every_report_matches(t: &TestConsole, who: &Person, snapshot: i64) -> Truth {
    let truth = truth(t).await;

    // Inactive users, for the default 90 days and two other choices.
    for (days, extra) in [(90, ""), (30, "&days=30"), (365, "&days=365")] {
        let (view, rows) = all_rows(t, who, "inactive-users", extra).await;
        assert_eq!(view["snapshot_id"], snapshot);
        assert_eq!(view["query"]["days"], days);
        let expected = truth.inactive(days, as_of(&view));
        assert_eq!(
            set(texts(&rows, "user_id")),
            expected,
            "inactive {days} days"
        );
        let never = expected
            .iter()
            .filter(|id| truth.user(id).last_activity_time.is_none())
            .count();
        assert_eq!(
            view["never_active"], never as i64,
            "never active, {days} days"
        );
        // Never-active people first, then the longest idle.
        let times: Vec<Option<String>> = rows
            .iter()
            .map(|r| r["last_activity"].as_str().map(str::to_string))
            .collect();
        let mut sorted = times.clone();
        sorted.sort_by_key(|t| {
            t.as_ref()
                .map(|t| t.parse::<DateTime<Utc>>().expect("time"))
        });
        assert_eq!(times, sorted, "inactive order");
        let suffix = if extra.is_empty() {
            String::new()
        } else {
            format!("?days={days}")
        };
        let (header, ids) = csv(t, who, &format!("/reports/inactive-users.csv{suffix}")).await;
        assert!(header.starts_with("user_id,email,name,last_activity,never_active"));
        assert_eq!(set(ids), expected, "inactive CSV {days} days");
    }

    // External collaborators, with their groups and what they (or their groups) can reach.
    let (_, rows) = all_rows(t, who, "external-collaborators", "").await;
    assert_eq!(set(texts(&rows, "user_id")), truth.external());
    for row in &rows {
        let id = row["user_id"].as_str().expect("id");
        let groups: BTreeSet<String> = row["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .map(|g| g["id"].as_str().expect("group id").to_string())
            .collect();
        assert_eq!(groups, truth.groups_of(id), "groups of {id}");
        let reach: BTreeSet<(String, String, Option<String>)> = row["workspaces"]
            .as_array()
            .expect("workspaces")
            .iter()
            .map(|w| {
                (
                    w["id"].as_str().expect("id").to_string(),
                    w["permission"].as_str().expect("permission").to_string(),
                    w["via_group"]["id"].as_str().map(str::to_string),
                )
            })
            .collect();
        assert_eq!(reach, truth.reach(id), "reach of {id}");
    }
    let (_, ids) = csv(t, who, "/reports/external-collaborators.csv").await;
    assert_eq!(set(ids), truth.external());

    // Admins without SSO or two-factor sign-in.
    let (_, rows) = all_rows(t, who, "admins-without-sso-or-2fa", "").await;
    assert_eq!(set(texts(&rows, "user_id")), truth.admin_gaps());
    for row in &rows {
        let u = truth.user(row["user_id"].as_str().expect("id"));
        assert_eq!(row["sso_required"], u.is_sso_required);
        assert_eq!(row["two_factor"], u.is_two_factor_auth_enabled);
    }
    let (_, ids) = csv(t, who, "/reports/admins-without-sso-or-2fa.csv").await;
    assert_eq!(set(ids), truth.admin_gaps());

    // Workspaces with a single owner, deactivated owners first.
    let (_, rows) = all_rows(t, who, "sole-owner-workspaces", "").await;
    let listed: BTreeMap<String, String> = rows
        .iter()
        .map(|r| {
            (
                r["workspace_id"].as_str().expect("id").to_string(),
                r["owner_id"].as_str().expect("owner").to_string(),
            )
        })
        .collect();
    assert_eq!(listed.len(), rows.len(), "no workspace twice");
    assert_eq!(listed, truth.sole_owners());
    let deactivated: Vec<bool> = rows
        .iter()
        .map(|r| r["owner_state"] == "deactivated")
        .collect();
    let mut first_deactivated = deactivated.clone();
    first_deactivated.sort_by_key(|d| !d);
    assert_eq!(deactivated, first_deactivated, "deactivated owners first");
    for row in &rows {
        let owner = row["owner_id"].as_str().expect("owner");
        if owner.starts_with("usr") {
            let state = truth.user(owner).state.to_string();
            assert_eq!(row["owner_state"], state.as_str(), "state of {owner}");
        }
    }
    let (_, ids) = csv(t, who, "/reports/sole-owner-workspaces.csv").await;
    assert_eq!(set(ids), truth.sole_owners().into_keys().collect());

    // Public shares without a password or domain restriction.
    let (view, rows) = all_rows(t, who, "public-shares", "").await;
    assert!(view["unavailable"].is_null(), "{view}");
    assert_eq!(set(texts(&rows, "share_id")), truth.public_shares());
    for row in &rows {
        let share = row["share_id"].as_str().expect("share");
        let (base, _) = truth
            .shares
            .iter()
            .find(|(_, s)| s.share_id.as_str() == share)
            .expect("a share the simulator knows");
        assert_eq!(row["base_id"], base.as_str());
        let workspace = truth
            .workspaces
            .iter()
            .find(|w| w.base_ids.contains(base))
            .expect("the base's workspace");
        assert_eq!(row["workspace_id"], workspace.id.as_str());
        assert!(row["base_name"].is_string(), "the base's name: {row}");
    }
    let (header, ids) = csv(t, who, "/reports/public-shares.csv").await;
    assert!(header.starts_with("share_id,type,base_id,base_name"));
    assert_eq!(set(ids), truth.public_shares());

    // The index counts each report in the same snapshot.
    let index = get_ok(t, who, "/api/reports/index").await;
    assert_eq!(index["snapshot_id"], snapshot);
    let counts: BTreeMap<String, i64> = index["counts"]
        .as_array()
        .expect("counts")
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().expect("kind").to_string(),
                c["count"].as_i64().expect("a count"),
            )
        })
        .collect();
    let as_of = as_of(&index);
    assert_eq!(
        counts,
        BTreeMap::from([
            (
                "InactiveUsers".to_string(),
                truth.inactive(90, as_of).len() as i64
            ),
            (
                "ExternalCollaborators".to_string(),
                truth.external().len() as i64
            ),
            (
                "AdminsWithoutSsoOr2fa".to_string(),
                truth.admin_gaps().len() as i64
            ),
            (
                "SoleOwnerWorkspaces".to_string(),
                truth.sole_owners().len() as i64
            ),
            (
                "PublicShares".to_string(),
                truth.public_shares().len() as i64
            ),
        ])
    );
    truth
}

#[tokio::test]
async fn each_report_lists_what_the_simulator_implies_and_follows_its_changes() {
    // The demo enterprise: enough people and shares for reports longer than a page, and for
    // every way a share can be restricted.
    let t = TestConsole::start_with(&[("CONSOLE_DEMO_SIZE", "demo")]).await;
    let viewer = common::session::sign_in_as(&t, Role::Viewer).await;

    // Before any snapshot the reports say so.
    let index = get_ok(&t, &viewer, "/api/reports/index").await;
    assert!(index["snapshot_id"].is_null(), "{index}");
    let (status, view) = get(&t, &viewer, "/api/reports/get?name=public-shares").await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert!(view["as_of"].is_null());
    let response = get_response(&t, &viewer.browser, "/reports/public-shares.csv").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    let first = take_snapshot(&t).await;
    let before = every_report_matches(&t, &viewer, first).await;

    // Change the enterprise: an admin without two-factor sign-in, an open share, a new
    // workspace (its creator is its only owner), a sole owner who leaves.
    let sim = sim_client(&t);
    let ent = enterprise(&t);
    let signed_in: BTreeSet<String> = t
        .sim()
        .info()
        .admins
        .iter()
        .map(|a| a.id.to_string())
        .collect();
    // An active member on the enterprise's domains who is not an admin.
    let plain_member = |u: &&User| {
        u.state == UserState::Provisioned
            && u.is_admin != Some(true)
            && !is_external(&u.email, &before.domains)
    };
    let new_admin = before
        .users
        .iter()
        .filter(plain_member)
        .find(|u| !u.is_two_factor_auth_enabled)
        .expect("a member without two-factor sign-in")
        .id
        .clone();
    sim.enterprise(&ent)
        .users()
        .grant_admin([UserRef::Id {
            id: new_admin.clone(),
        }])
        .await
        .expect("grant admin");
    let (opened_base, opened) = before
        .shares
        .iter()
        .find(|(_, s)| {
            s.state == EnabledState::Disabled
                && !s.is_password_protected
                && s.restricted_to_email_domains.is_empty()
                && !s.restricted_to_enterprise_members
        })
        .cloned()
        .expect("a disabled share without a password or restriction");
    sim.base(&opened_base)
        .share(&opened.share_id)
        .enable()
        .await
        .expect("enable share");
    let created = create_sim_workspace(&t, "Reports test workspace").await;
    // A member becomes the only owner of a second new workspace, then leaves.
    let leaver = before
        .users
        .iter()
        .filter(plain_member)
        .find(|u| !u.is_service_account && !signed_in.contains(u.id.as_str()) && u.id != new_admin)
        .expect("a member to hand a workspace to")
        .id
        .to_string();
    let orphaned = create_sim_workspace(&t, "Reports test hand-over").await;
    let handed = sim.workspace(&orphaned);
    let leaver_ref: UserId = leaver.parse().expect("user id");
    handed
        .add_collaborator(leaver_ref.clone(), owner())
        .await
        .expect("add the new owner");
    let creators: Vec<UserId> = sim_workspace_people(&t, &orphaned)
        .await
        .into_iter()
        .filter(|c| c.user_id != leaver_ref)
        .map(|c| c.user_id)
        .collect();
    for other in creators {
        handed
            .remove_collaborator(other)
            .await
            .expect("the creator steps back");
    }
    let orphaned = orphaned.to_string();
    deactivate_at_sim(&t, &leaver_ref).await;

    // The reports still show the first snapshot until a new one is taken.
    let (_, rows) = all_rows(&t, &viewer, "admins-without-sso-or-2fa", "").await;
    assert!(!texts(&rows, "user_id").contains(&new_admin.to_string()));

    let second = take_snapshot(&t).await;
    assert!(second > first);
    let after = every_report_matches(&t, &viewer, second).await;
    let (_, rows) = all_rows(&t, &viewer, "admins-without-sso-or-2fa", "").await;
    assert!(texts(&rows, "user_id").contains(&new_admin.to_string()));
    let (_, rows) = all_rows(&t, &viewer, "public-shares", "").await;
    assert!(texts(&rows, "share_id").contains(&opened.share_id.to_string()));
    let (_, rows) = all_rows(&t, &viewer, "sole-owner-workspaces", "").await;
    assert!(texts(&rows, "workspace_id").contains(&created.to_string()));
    let orphan = rows
        .iter()
        .position(|r| r["workspace_id"] == orphaned.as_str())
        .expect("the orphaned workspace is still listed");
    assert_eq!(rows[orphan]["owner_state"], "deactivated");
    assert_eq!(
        rows[0]["owner_state"], "deactivated",
        "deactivated owners come first"
    );
    // A deactivated person is not an inactive *active* user.
    assert!(!after.inactive(90, Utc::now()).contains(&leaver));
    let (_, rows) = all_rows(&t, &viewer, "inactive-users", "").await;
    assert!(!texts(&rows, "user_id").contains(&leaver));

    // The pages: every row links to its user, workspace or base; the index links each report.
    let page = html(&t, &viewer, "/reports").await;
    for slug in [
        "inactive-users",
        "external-collaborators",
        "admins-without-sso-or-2fa",
        "sole-owner-workspaces",
        "public-shares",
    ] {
        assert!(
            page.contains(&format!("href=\"/reports/{slug}\"")),
            "{slug}"
        );
    }
    assert!(page.contains("As of"), "{page}");
    let page = html(&t, &viewer, "/reports/public-shares").await;
    assert!(page.contains(&format!("href=\"/bases/{opened_base}\"")));
    assert!(page.contains("href=\"/reports/public-shares.csv\""));
    let page = html(&t, &viewer, "/reports/sole-owner-workspaces").await;
    assert!(page.contains(&format!("href=\"/workspaces/{orphaned}\"")));
    assert!(page.contains(&format!("href=\"/users/{leaver}\"")));
    assert!(page.contains("data-testid=\"owner-deactivated\""));
    // Each person-owned row leads to their removal form, which asks for a replacement owner.
    assert!(
        page.contains(&format!("href=\"/users/{leaver}#remove-from-enterprise\"")),
        "{page}"
    );
    let page = html(&t, &viewer, "/reports/admins-without-sso-or-2fa").await;
    assert!(page.contains(&format!("href=\"/users/{new_admin}\"")));
    let page = html(&t, &viewer, "/reports/inactive-users?days=30").await;
    assert!(page.contains("href=\"/reports/inactive-users.csv?days=30\""));
}

#[tokio::test]
async fn bad_input_is_refused_in_plain_words_and_old_snapshots_say_what_they_lack() {
    let t = TestConsole::start().await;
    let viewer = common::session::sign_in_as(&t, Role::Viewer).await;
    take_snapshot(&t).await;

    for days in ["0", "ten", "-3", "36501", "1.5"] {
        let (status, body) = get(
            &t,
            &viewer,
            &format!("/api/reports/get?name=inactive-users&days={days}"),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{days}: {body}");
        assert!(
            body.to_string()
                .contains("Days without activity must be a whole number from 1 to 36500"),
            "{body}"
        );
        let response = get_response(
            &t,
            &viewer.browser,
            &format!("/reports/inactive-users.csv?days={days}"),
        )
        .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{days}"
        );
        let body = response.text().await.unwrap_or_default();
        assert!(body.contains("whole number"), "{body}");
    }
    let page = html(&t, &viewer, "/reports/inactive-users?days=ten").await;
    assert!(page.contains("data-testid=\"report-error\""), "{page}");
    assert!(page.contains("whole number from 1 to 36500"), "{page}");
    let (status, body) = get(&t, &viewer, "/api/reports/get?name=public-shares&page=0").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = get(&t, &viewer, "/api/reports/get?name=salaries").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(body.to_string().contains("no report"), "{body}");

    // Not signed in: no report at all.
    let stranger = t.browser();
    let response = get_response(&t, &stranger, "/reports/inactive-users.csv").await;
    assert!(!response.status().is_success(), "{}", response.status());
    let response = get_response(&t, &stranger, "/api/reports/get?name=inactive-users").await;
    assert!(!response.status().is_success(), "{}", response.status());

    // A snapshot from before the console recorded shares and user details.
    execute_sql(
        &t,
        "UPDATE snapshots SET shares_recorded = false, email_domains = NULL",
    )
    .await;
    let (status, view) = get(&t, &viewer, "/api/reports/get?name=public-shares").await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(
        view["unavailable"],
        "This snapshot did not record shares; take a new one."
    );
    let response = get_response(&t, &viewer.browser, "/reports/public-shares.csv").await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body = response.text().await.unwrap_or_default();
    assert!(body.contains("did not record shares"), "{body}");
    let page = html(&t, &viewer, "/reports/public-shares").await;
    assert!(
        page.contains("This snapshot did not record shares; take a new one."),
        "{page}"
    );
    let (_, view) = get(&t, &viewer, "/api/reports/get?name=inactive-users").await;
    assert!(view["unavailable"]
        .as_str()
        .is_some_and(|r| r.contains("take a new one")));
    let (_, index) = get(&t, &viewer, "/api/reports/index").await;
    let counts = index["counts"].as_array().expect("counts");
    for c in counts {
        if c["kind"] == "SoleOwnerWorkspaces" {
            assert!(c["count"].is_i64(), "{c}");
        } else {
            assert!(c["count"].is_null(), "{c}");
            assert!(c["unavailable"].is_string(), "{c}");
        }
    }

    // A new snapshot records them again.
    let newer = take_snapshot(&t).await;
    let (_, view) = get(&t, &viewer, "/api/reports/get?name=public-shares").await;
    assert_eq!(view["snapshot_id"], newer);
    assert!(view["unavailable"].is_null(), "{view}");
}

#[tokio::test]
async fn a_snapshot_whose_shares_airtable_refused_keeps_the_rest_and_says_why() {
    let t = TestConsole::start().await;
    let viewer = common::session::sign_in_as(&t, Role::Viewer).await;
    let faults = format!("{}/_sim/faults", t.sim().base_url());
    let http = reqwest::Client::new();
    let response = http
        .post(&faults)
        .json(&serde_json::json!({ "path": "/v0/meta/bases/*/shares", "rate5xx": 1.0, "serverErrorStatus": 503 }))
        .send()
        .await
        .expect("set faults");
    assert!(response.status().is_success());
    // No retries: the refusal is final at once (the console's own client retries first).
    let client = airtable_client::Client::builder()
        .base_url(t.sim().base_url())
        .token(airtable_client::AccessToken::new(
            t.sim().info().token.to_string(),
        ))
        .retry_policy(airtable_client::RetryPolicy::none())
        .build()
        .expect("client");
    let snapshot = console_core::snapshots::take(&t.db().await, &client, &enterprise(&t), None)
        .await
        .expect("the snapshot is still taken");
    http.delete(&faults).send().await.expect("clear faults");

    let (_, view) = get(&t, &viewer, "/api/reports/get?name=public-shares").await;
    assert_eq!(view["snapshot_id"], snapshot);
    let reason = view["unavailable"].as_str().expect("a reason");
    assert!(
        reason.starts_with("This snapshot did not record shares (Airtable refused:"),
        "{reason}"
    );
    assert!(reason.ends_with("take a new one."), "{reason}");
    // The users in the same snapshot are there.
    let (_, view) = get(&t, &viewer, "/api/reports/get?name=inactive-users").await;
    assert!(view["unavailable"].is_null(), "{view}");
    let (_, users) = get(&t, &viewer, "/api/users/list").await;
    assert!(users["page"]["total"].as_i64().expect("total") > 0);
}
