//! What the approver is shown: for every destructive kind, the preview built through the
//! real console (an operator asks, an approver opens the request) lists everything the
//! action removes or orphans, by name, with the counts of the object's own page; each is
//! compared with the simulator read independently with its own token. A request Airtable
//! would refuse (an external collaborator, a workspace left without an owner) is refused
//! when it is made, in words; outcomes are sentences, never raw JSON.

mod common;

use std::collections::BTreeSet;

use airtable_client::{
    ids::{BaseId, UserId, WorkspaceId},
    models::{Base, PermissionLevel, User, UserState},
    Client,
};
use common::session::{
    all_sim_users, count_of, enterprise, enterprise_info, get, get_ok, page_html, post_ok,
    request_action, sign_in_person, sim_client, sim_workspace, sim_workspace_in_full,
    sim_workspace_people, Person,
};
use common::TestConsole;
use console_app::api::Role;
use futures::TryStreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// An operator who asks and an approver who looks.
async fn cast(t: &TestConsole) -> (Person, Person) {
    let info = t.sim().info();
    let operator = sign_in_person(t, &info.admins[0].email.to_string(), Role::Operator).await;
    let approver = sign_in_person(t, &info.admins[1].email.to_string(), Role::Approver).await;
    (operator, approver)
}

async fn ask(t: &TestConsole, operator: &Person, action: &Value) -> (StatusCode, Value) {
    request_action(t, operator, &action.to_string(), "preview check").await
}

/// Asks for `action` and returns the preview as the approver's page has it, after checking
/// that the approver's recomputed preview finds nothing changed.
async fn preview_of(t: &TestConsole, operator: &Person, approver: &Person, action: Value) -> Value {
    let (status, body) = ask(t, operator, &action).await;
    assert_eq!(status, StatusCode::OK, "{action}: {body}");
    let id = body["Requested"]["id"].as_str().expect("a request id");
    let detail = get_ok(t, approver, &format!("/api/approvals/get?id={id}")).await;
    assert_eq!(detail["compared"]["changed"], json!(false), "{detail}");
    detail["request"]["preview"].clone()
}

fn items(preview: &Value, title: &str) -> Vec<String> {
    preview["lists"]
        .as_array()
        .expect("lists")
        .iter()
        .find(|l| l["title"] == title)
        .unwrap_or_else(|| panic!("no list {title:?} in {preview}"))["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i.as_str().expect("text").to_string())
        .collect()
}

fn fact(preview: &Value, name: &str) -> Option<String> {
    preview["facts"]
        .as_array()
        .expect("facts")
        .iter()
        .find(|f| f[0] == name)
        .map(|f| f[1].as_str().expect("text").to_string())
}

/// The list holds exactly one line per expected ID, each naming its ID.
fn assert_lists(preview: &Value, title: &str, expected: &[String]) {
    let lines = items(preview, title);
    assert_eq!(
        lines.len(),
        expected.len(),
        "{title}: {lines:#?} against {expected:?}"
    );
    let named: BTreeSet<&String> = expected
        .iter()
        .filter(|id| lines.iter().any(|l| l.contains(id.as_str())))
        .collect();
    assert_eq!(
        named.len(),
        expected.iter().collect::<BTreeSet<_>>().len(),
        "{title}: {lines:#?} against {expected:?}"
    );
}

/// Each fact of the preview is the length of the list `key` on the object's own page.
fn assert_counts(preview: &Value, page: &Value, facts: &[(&str, &str)]) {
    for (name, key) in facts {
        let count = page[key].as_array().expect(key).len().to_string();
        assert_eq!(fact(preview, name), Some(count), "{name}");
    }
}

/// The base with its collaborators, as the simulator says.
async fn base_with_collaborators(airtable: &Client, id: &BaseId) -> Base {
    airtable
        .base(id)
        .get()
        .include_collaborators()
        .send()
        .await
        .expect("base")
}

/// The base with its collaborators, invite links and interfaces, as the simulator says.
async fn base_in_full(airtable: &Client, id: &BaseId) -> Base {
    airtable
        .base(id)
        .get()
        .include_collaborators()
        .include_invite_links()
        .include_interfaces()
        .send()
        .await
        .expect("base")
}

/// Everyone and every group with access to the base, on it or through its workspace.
fn collaborator_count(b: &Base) -> usize {
    let users = b.individual().cloned().unwrap_or_default();
    let groups = b.group_collaborators.clone().unwrap_or_default();
    users.workspace_collaborators.len()
        + users.base_collaborators.len()
        + groups.workspace_collaborators.len()
        + groups.base_collaborators.len()
}

fn ids<T: ToString>(items: impl IntoIterator<Item = T>) -> Vec<String> {
    items.into_iter().map(|i| i.to_string()).collect()
}

async fn domains(t: &TestConsole) -> Vec<String> {
    enterprise_info(t)
        .await
        .email_domains
        .iter()
        .map(|d| d.email_domain.to_lowercase())
        .collect()
}

fn is_external(user: &User, domains: &[String]) -> bool {
    let domain = user.email.rsplit('@').next().unwrap_or("").to_lowercase();
    !domains.contains(&domain)
}

/// Active, managed people on the enterprise's domains, not the three admins the tests sign
/// in as.
async fn ordinary_people(t: &TestConsole) -> Vec<User> {
    let info = t.sim().info();
    let admins: Vec<String> = info.admins.iter().map(|a| a.id.to_string()).collect();
    let domains = domains(t).await;
    all_sim_users(t)
        .await
        .into_iter()
        .filter(|u| {
            !is_external(u, &domains)
                && u.state == UserState::Provisioned
                && u.is_managed == Some(true)
                && u.is_admin != Some(true)
                && !u.is_service_account
                && !admins.contains(&u.id.to_string())
        })
        .collect()
}

#[tokio::test]
async fn deleting_a_base_shows_everything_its_page_counts() {
    let t = TestConsole::start().await;
    let (operator, approver) = cast(&t).await;
    let airtable = sim_client(&t);

    // The base holding the most: collaborators on it and through its workspace, shares,
    // invite links, interfaces, extensions.
    let bases: Vec<_> = airtable.list_bases().try_collect().await.expect("bases");
    let mut best: Option<(usize, BaseId)> = None;
    for summary in &bases {
        let b = base_in_full(&airtable, &summary.id).await;
        let shares = airtable.base(&summary.id).shares().await.expect("shares");
        let score =
            collaborator_count(&b) + shares.len() + b.interfaces.as_ref().map_or(0, |i| i.len());
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, summary.id.clone()));
        }
    }
    let (_, base) = best.expect("a base");
    let b = base_in_full(&airtable, &base).await;
    let shares = airtable.base(&base).shares().await.expect("shares");
    let extensions = airtable
        .base(&base)
        .block_installations()
        .await
        .expect("extensions");
    let workspace = sim_workspace(&t, &b.workspace_id).await;
    let users = b.individual().cloned().unwrap_or_default();
    let groups = b.group_collaborators.clone().unwrap_or_default();
    let interfaces: Vec<_> = b
        .interfaces
        .clone()
        .unwrap_or_default()
        .into_values()
        .collect();
    let invites = b.invite_links.clone().unwrap_or_default();
    let mut members = Vec::new();
    let mut seen = BTreeSet::new();
    for g in groups
        .base_collaborators
        .iter()
        .chain(&groups.workspace_collaborators)
    {
        if seen.insert(g.group_id.clone()) {
            let group = airtable
                .group(&g.group_id)
                .get()
                .send()
                .await
                .expect("group");
            members.extend(group.members.iter().map(|m| m.user_id.to_string()));
        }
    }

    let preview = preview_of(
        &t,
        &operator,
        &approver,
        json!({ "kind": "delete_base", "base": base }),
    )
    .await;

    // Names beside IDs.
    assert_eq!(
        fact(&preview, "Base").as_deref(),
        Some(format!("{} ({base})", b.name).as_str())
    );
    assert_eq!(
        fact(&preview, "Workspace").as_deref(),
        Some(format!("{} ({})", workspace.name, workspace.id).as_str())
    );
    let lists = [
        (
            "People given access to the base",
            ids(users.base_collaborators.iter().map(|c| &c.user_id)),
        ),
        (
            "People with access through the workspace",
            ids(users.workspace_collaborators.iter().map(|c| &c.user_id)),
        ),
        (
            "Groups given access to the base",
            ids(groups.base_collaborators.iter().map(|c| &c.group_id)),
        ),
        (
            "Groups with access through the workspace",
            ids(groups.workspace_collaborators.iter().map(|c| &c.group_id)),
        ),
        ("Shares", ids(shares.iter().map(|s| &s.share_id))),
        (
            "Invite links to the base",
            ids(invites.base_invite_links.iter().map(|i| &i.id)),
        ),
        (
            "Invite links to its workspace",
            ids(invites.workspace_invite_links.iter().map(|i| &i.id)),
        ),
        ("Interfaces", ids(interfaces.iter().map(|i| &i.id))),
        (
            "Invite links to its interfaces",
            ids(interfaces
                .iter()
                .flat_map(|i| i.invite_links.iter().map(|l| &l.id))),
        ),
        ("Extensions", ids(extensions.iter().map(|x| &x.id))),
    ];
    for (title, expected) in &lists {
        assert_lists(&preview, title, expected);
    }
    assert_eq!(
        items(&preview, "People with access through those groups").len(),
        members.len()
    );
    assert_eq!(
        items(&preview, "Access to its interfaces").len(),
        interfaces
            .iter()
            .map(|i| i.individual_collaborators.len() + i.group_collaborators.len())
            .sum::<usize>()
    );
    // People are shown by name and email, not by ID alone.
    if let Some(c) = users.workspace_collaborators.first() {
        let line = items(&preview, "People with access through the workspace")
            .into_iter()
            .find(|l| l.contains(c.user_id.as_str()))
            .expect("the collaborator's line");
        assert!(line.contains(&format!("<{}>", c.email)), "{line}");
    }

    // The counts are the base page's own.
    let page = get_ok(&t, &operator, &format!("/api/bases/get?id={base}")).await;
    assert_counts(
        &preview,
        &page,
        &[
            ("Collaborators", "collaborators"),
            ("Shares", "shares"),
            ("Invite links", "invites"),
            ("Interfaces", "interfaces"),
            ("Extensions", "extensions"),
        ],
    );
    assert_ne!(fact(&preview, "Collaborators").as_deref(), Some("0"));
}

#[tokio::test]
async fn deleting_a_workspace_shows_its_bases_people_and_invite_links() {
    let t = TestConsole::start().await;
    let (operator, approver) = cast(&t).await;
    let airtable = sim_client(&t);
    let info = enterprise_info(&t).await;
    let mut best: Option<(usize, WorkspaceId)> = None;
    for id in &info.workspace_ids {
        let w = airtable
            .workspace(id)
            .get()
            .include_collaborators()
            .send()
            .await
            .expect("workspace");
        let users = w.individual().cloned().unwrap_or_default();
        let score = w.base_ids.len() * 10 + users.workspace_collaborators.len();
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, id.clone()));
        }
    }
    let (_, workspace) = best.expect("a workspace");
    let w = sim_workspace_in_full(&t, &workspace).await;
    let users = w.individual().cloned().unwrap_or_default();
    let groups = w.group_collaborators.clone().unwrap_or_default();
    let invites = w.invite_links.clone().unwrap_or_default();

    let preview = preview_of(
        &t,
        &operator,
        &approver,
        json!({ "kind": "delete_workspace", "workspace": workspace }),
    )
    .await;
    assert_eq!(
        fact(&preview, "Workspace").as_deref(),
        Some(format!("{} ({workspace})", w.name).as_str())
    );
    assert_lists(&preview, "Bases", &ids(&w.base_ids));
    // Each base with its own page's count of collaborators, by name.
    let lines = items(&preview, "Bases");
    for id in &w.base_ids {
        let b = base_with_collaborators(&airtable, id).await;
        let people = collaborator_count(&b);
        let line = lines
            .iter()
            .find(|l| l.contains(id.as_str()))
            .expect("the base's line");
        assert!(line.starts_with(&format!("{} ({id}): ", b.name)), "{line}");
        assert!(line.contains(&format!(" {people} collaborator")), "{line}");
    }
    let lists = [
        (
            "People given access to the workspace",
            ids(users.workspace_collaborators.iter().map(|c| &c.user_id)),
        ),
        (
            "Groups given access to the workspace",
            ids(groups.workspace_collaborators.iter().map(|c| &c.group_id)),
        ),
        (
            "Invite links to the workspace",
            ids(invites.workspace_invite_links.iter().map(|i| &i.id)),
        ),
        (
            "Invite links to its bases",
            ids(invites.base_invite_links.iter().map(|i| &i.id)),
        ),
    ];
    for (title, expected) in &lists {
        assert_lists(&preview, title, expected);
    }
    assert_eq!(
        items(&preview, "Access granted on its bases").len(),
        users.base_collaborators.len() + groups.base_collaborators.len()
    );

    let page = get_ok(
        &t,
        &operator,
        &format!("/api/workspaces/get?id={workspace}"),
    )
    .await;
    assert_counts(
        &preview,
        &page,
        &[
            ("Bases", "bases"),
            ("Collaborators", "collaborators"),
            ("Access granted on its bases", "base_collaborators"),
            ("Invite links", "invites"),
        ],
    );
}

/// What the simulator says one user reaches: workspaces, bases, interfaces, groups.
struct Reach {
    workspaces: Vec<String>,
    bases: Vec<String>,
    interfaces: Vec<String>,
    groups: Vec<String>,
}

async fn reach(airtable: &Client, t: &TestConsole, user: &UserId) -> Reach {
    let u = airtable
        .enterprise(&enterprise(t))
        .user(user)
        .get()
        .include_collaborations()
        .send()
        .await
        .expect("user");
    let c = u.collaborations.clone().unwrap_or_default();
    Reach {
        workspaces: ids(c.workspace_collaborations.iter().map(|w| &w.workspace_id)),
        bases: ids(c.base_collaborations.iter().map(|b| &b.base_id)),
        interfaces: ids(c.interface_collaborations.iter().map(|i| &i.interface_id)),
        groups: ids(u.groups.iter().flatten().map(|g| &g.id)),
    }
}

fn assert_reach(preview: &Value, reach: &Reach) {
    assert_lists(preview, "Workspace access", &reach.workspaces);
    assert_lists(preview, "Base access", &reach.bases);
    assert_lists(preview, "Interface access", &reach.interfaces);
    assert_lists(preview, "Groups", &reach.groups);
    // Groups by name: "Name (ugp…)".
    for line in items(preview, "Groups") {
        assert!(!line.starts_with("ugp"), "{line}");
    }
}

/// Makes `user` the only owner of a workspace others use: the simulator's own token adds
/// them as owner and makes every other owner an editor. Returns the workspace and its name.
async fn make_sole_owner(
    airtable: &Client,
    t: &TestConsole,
    user: &UserId,
) -> (WorkspaceId, String) {
    for id in &enterprise_info(t).await.workspace_ids {
        let users = sim_workspace_people(t, id).await;
        if users.len() < 2 {
            continue;
        }
        let handler = airtable.workspace(id);
        if users.iter().any(|c| &c.user_id == user) {
            handler
                .update_collaborator(user.clone(), PermissionLevel::from("owner"))
                .await
                .expect("make owner");
        } else {
            handler
                .add_collaborator(user.clone(), PermissionLevel::from("owner"))
                .await
                .expect("add as owner");
        }
        for c in users
            .iter()
            .filter(|c| &c.user_id != user && c.permission_level.as_str() == "owner")
        {
            handler
                .update_collaborator(c.user_id.clone(), PermissionLevel::from("edit"))
                .await
                .expect("no longer owner");
        }
        return (id.clone(), sim_workspace(t, id).await.name);
    }
    panic!("no workspace with two people");
}

/// The workspaces where `user` is the only owner, as the simulator says.
async fn sole_owned(t: &TestConsole, user: &UserId) -> Vec<String> {
    let mut out = Vec::new();
    for id in &enterprise_info(t).await.workspace_ids {
        let users = sim_workspace_people(t, id).await;
        let owners: Vec<_> = users
            .iter()
            .filter(|c| c.permission_level.as_str() == "owner")
            .collect();
        if owners.len() == 1 && &owners[0].user_id == user {
            out.push(id.to_string());
        }
    }
    out
}

#[tokio::test]
async fn deactivating_a_sole_owner_names_their_access_and_what_is_left_ownerless() {
    let t = TestConsole::start().await;
    let (operator, approver) = cast(&t).await;
    let airtable = sim_client(&t);
    let user = ordinary_people(&t).await[0].clone();
    let (_, name) = make_sole_owner(&airtable, &t, &user.id).await;
    let expected = reach(&airtable, &t, &user.id).await;
    let owned = sole_owned(&t, &user.id).await;

    let preview = preview_of(
        &t,
        &operator,
        &approver,
        json!({ "kind": "deactivate_user", "user": user.id }),
    )
    .await;
    assert_eq!(
        fact(&preview, "User").as_deref(),
        Some(format!("{} <{}> ({})", user.name, user.email, user.id).as_str())
    );
    assert_reach(&preview, &expected);
    assert_lists(&preview, "Workspaces where they are the only owner", &owned);
    let warning = fact(&preview, "Warning").expect("a warning");
    assert!(
        warning.contains("deactivated owner") && warning.contains(&name),
        "{warning}"
    );
}

#[tokio::test]
async fn deleting_a_user_lists_their_reach_and_refuses_a_sole_owner_in_words() {
    let t = TestConsole::start().await;
    let (operator, approver) = cast(&t).await;
    let airtable = sim_client(&t);
    let people = ordinary_people(&t).await;

    // Someone who owns nothing alone: the request goes through, with their whole reach.
    let mut plain = None;
    for u in &people {
        if sole_owned(&t, &u.id).await.is_empty() {
            plain = Some(u.clone());
            break;
        }
    }
    let plain = plain.expect("someone who owns no workspace alone");
    let expected = reach(&airtable, &t, &plain.id).await;
    let preview = preview_of(
        &t,
        &operator,
        &approver,
        json!({ "kind": "delete_user", "user": plain.id }),
    )
    .await;
    assert_reach(&preview, &expected);
    assert!(items(&preview, "Workspaces where they are the only owner").is_empty());

    // The only owner of a workspace others use: Airtable would refuse, so the console
    // refuses now, naming the workspace and what can be done.
    let owner = people
        .iter()
        .find(|u| u.id != plain.id)
        .expect("a second person")
        .clone();
    let (_, name) = make_sole_owner(&airtable, &t, &owner.id).await;
    let (status, body) = ask(
        &t,
        &operator,
        &json!({ "kind": "delete_user", "user": owner.id }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let text = body.to_string();
    assert!(
        text.contains("only owner") && text.contains(&name) && text.contains("replacement owner"),
        "{text}"
    );
    assert!(!text.contains("replacementOwnerId"), "{text}");
}

#[tokio::test]
async fn removing_a_sole_owner_needs_a_replacement_and_the_preview_names_the_handover() {
    let t = TestConsole::start().await;
    let (operator, approver) = cast(&t).await;
    let airtable = sim_client(&t);
    let user = ordinary_people(&t).await[0].clone();
    let (workspace, name) = make_sole_owner(&airtable, &t, &user.id).await;

    // Without a replacement: refused when asked, in words, not Airtable's raw message.
    let (status, body) = ask(
        &t,
        &operator,
        &json!({ "kind": "remove_user_from_enterprise", "user": user.id, "replacement_owner": null, "remove_from_descendants": false }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let text = body.to_string();
    assert!(
        text.contains("without an owner")
            && text.contains(&name)
            && text.contains("replacement owner"),
        "{text}"
    );
    assert!(!text.contains("replacementOwnerId"), "{text}");

    // With one: the preview names who takes over what, and everything they lose.
    let replacement = t.sim().info().admins[2].clone();
    let expected = reach(&airtable, &t, &user.id).await;
    let owned = sole_owned(&t, &user.id).await;
    let preview = preview_of(
        &t,
        &operator,
        &approver,
        json!({ "kind": "remove_user_from_enterprise", "user": user.id, "replacement_owner": replacement.id.to_string(), "remove_from_descendants": false }),
    )
    .await;
    assert_reach(&preview, &expected);
    assert_lists(&preview, "Workspaces where they are the only owner", &owned);
    assert!(
        items(&preview, "Workspaces handed to the replacement owner")
            .iter()
            .any(|l| l == &format!("{name} ({workspace})"))
    );
    let owner = fact(&preview, "Replacement owner").expect("the replacement owner");
    assert!(owner.contains(&replacement.email.to_string()), "{owner}");
    assert!(fact(&preview, "Warning")
        .expect("a warning")
        .contains(&name));
}

#[tokio::test]
async fn deleting_users_by_email_names_each_of_them() {
    let t = TestConsole::start().await;
    let (operator, approver) = cast(&t).await;
    let people = ordinary_people(&t).await;
    let emails: Vec<String> = people.iter().take(2).map(|u| u.email.clone()).collect();
    let preview = preview_of(
        &t,
        &operator,
        &approver,
        json!({ "kind": "delete_users_by_email", "emails": [emails[0], emails[1], "nobody@example.com"] }),
    )
    .await;
    let lines = items(&preview, "Users to delete");
    assert_eq!(lines.len(), 2, "{lines:?}");
    for u in people.iter().take(2) {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("{} <{}> ({})", u.name, u.email, u.id))),
            "{lines:?}"
        );
    }
    assert_eq!(
        items(&preview, "Emails without a user"),
        vec!["nobody@example.com".to_string()]
    );
}

#[tokio::test]
async fn an_external_collaborator_is_refused_what_airtable_refuses_and_offered_what_applies() {
    // The demo-sized enterprise has outside collaborators (outlook.com and the like).
    let t = TestConsole::start_with(&[("CONSOLE_DEMO_SIZE", "demo")]).await;
    let (operator, approver) = cast(&t).await;
    let domains = domains(&t).await;
    let external = all_sim_users(&t)
        .await
        .into_iter()
        .find(|u| is_external(u, &domains))
        .expect("an external collaborator in the seed");
    let domain = external.email.rsplit('@').next().unwrap_or("").to_string();

    for kind in [
        "deactivate_user",
        "delete_user",
        "revoke_admin_access",
        "grant_admin_access",
    ] {
        let (status, body) =
            ask(&t, &operator, &json!({ "kind": kind, "user": external.id })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{kind}: {body}");
        let text = body.to_string();
        assert!(
            text.contains("external collaborator")
                && text.contains(&domain)
                && text
                    .contains("remove them from the enterprise's workspaces, bases and interfaces"),
            "{kind}: {text}"
        );
    }
    let open = count_of(&t, "SELECT count(*) FROM approval_requests").await;
    assert_eq!(open, 0, "nothing was stored for a second person");

    // Removing them from the enterprise's workspaces and bases is what applies.
    let preview = preview_of(
        &t,
        &operator,
        &approver,
        json!({ "kind": "remove_user_from_enterprise", "user": external.id, "replacement_owner": null, "remove_from_descendants": false }),
    )
    .await;
    assert!(fact(&preview, "Email domain")
        .expect("the domain")
        .contains("external collaborator"));
    assert!(fact(&preview, "Airtable allows").is_some());
    assert!(fact(&preview, "Airtable refuses")
        .expect("what Airtable refuses")
        .contains("deactivate"));

    // Their page offers only that.
    let html = page_html(&t, &operator, &format!("/users/{}", external.id)).await;
    assert!(html.contains("remove_user_from_enterprise"), "{html}");
    for kind in [
        "deactivate_user",
        "delete_user",
        "grant_admin_access",
        "revoke_admin_access",
    ] {
        assert!(!html.contains(kind), "{kind} is offered: {html}");
    }
}

#[tokio::test]
async fn the_remove_form_asks_for_a_replacement_owner_among_their_workspaces_people() {
    let t = TestConsole::start().await;
    let (operator, _) = cast(&t).await;
    let airtable = sim_client(&t);
    let user = ordinary_people(&t).await[0].clone();
    let (workspace, _) = make_sole_owner(&airtable, &t, &user.id).await;
    let others: Vec<UserId> = sim_workspace_people(&t, &workspace)
        .await
        .into_iter()
        .map(|c| c.user_id)
        .filter(|id| id != &user.id)
        .collect();
    assert!(!others.is_empty());
    let html = page_html(&t, &operator, &format!("/users/{}", user.id)).await;
    assert!(html.contains("Replacement owner"), "{html}");
    // Each choice is the whole call, with the replacement's ID in it.
    for other in &others {
        assert!(
            html.contains(&format!(
                "&quot;replacement_owner&quot;:&quot;{other}&quot;"
            )) || html.contains(&format!("\"replacement_owner\":\"{other}\"")),
            "{other} is not offered: {html}"
        );
    }
    assert!(!html.contains(&format!(
        "&quot;replacement_owner&quot;:&quot;{}&quot;",
        user.id
    )));
}

#[tokio::test]
async fn outcomes_are_sentences_not_json() {
    let t = TestConsole::start().await;
    let (operator, approver) = cast(&t).await;
    let target = t.sim().info().admins[2].clone();
    let (status, body) = ask(
        &t,
        &operator,
        &json!({ "kind": "revoke_admin_access", "user": target.id.to_string() }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = body["Requested"]["id"].as_str().expect("id").to_string();
    let (_, detail) = get(&t, &approver, &format!("/api/approvals/get?id={id}")).await;
    let done = post_ok(
        &t,
        &approver,
        "/api/approvals/approve",
        &[
            ("id", &id),
            ("call_hash", detail["call_hash"].as_str().expect("hash")),
            (
                "fingerprint",
                detail["compared_fingerprint"].as_str().expect("print"),
            ),
            ("comment", "ok"),
        ],
    )
    .await;
    let outcome = done["outcome"].as_str().expect("an outcome");
    assert!(
        outcome.starts_with("Admin access revoked for ")
            && outcome.contains(&target.email.to_string()),
        "{outcome}"
    );
    assert!(!outcome.contains('{'), "{outcome}");

    // Asking again: they are no longer an admin, which is said at once.
    let (status, body) = ask(
        &t,
        &operator,
        &json!({ "kind": "revoke_admin_access", "user": target.id.to_string() }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.to_string().contains("not an enterprise admin"),
        "{body}"
    );
}

/// The users given access on a workspace itself.
async fn workspace_users(t: &TestConsole, id: &WorkspaceId) -> BTreeSet<String> {
    let people = sim_workspace_people(t, id).await;
    people.iter().map(|c| c.user_id.to_string()).collect()
}

#[tokio::test]
async fn moving_a_base_names_who_loses_and_who_gains_access() {
    let t = TestConsole::start().await;
    let (operator, approver) = cast(&t).await;
    let airtable = sim_client(&t);
    let bases: Vec<_> = airtable.list_bases().try_collect().await.expect("bases");
    let workspaces = enterprise_info(&t).await.workspace_ids;

    // A base whose workspace has people of its own, moved to another workspace with people.
    let mut chosen = None;
    'search: for summary in &bases {
        let b = base_with_collaborators(&airtable, &summary.id).await;
        let from = workspace_users(&t, &b.workspace_id).await;
        if from.is_empty() {
            continue;
        }
        for to in workspaces.iter().filter(|w| **w != b.workspace_id) {
            let new = workspace_users(&t, to).await;
            if !new.is_empty() && new != from {
                chosen = Some((b, from, to.clone(), new));
                break 'search;
            }
        }
    }
    let (b, from, to, new) = chosen.expect("the seed has two workspaces with people");
    let on_base: BTreeSet<String> = b
        .individual()
        .map(|s| {
            s.base_collaborators
                .iter()
                .map(|c| c.user_id.to_string())
                .collect()
        })
        .unwrap_or_default();
    let losing: Vec<String> = from
        .iter()
        .filter(|u| !on_base.contains(*u) && !new.contains(*u))
        .cloned()
        .collect();
    let gaining: Vec<String> = new
        .iter()
        .filter(|u| !on_base.contains(*u) && !from.contains(*u))
        .cloned()
        .collect();

    let preview = preview_of(
        &t,
        &operator,
        &approver,
        json!({"kind": "move_base", "base": b.id, "workspace": to}),
    )
    .await;
    let from_name = fact(&preview, "From workspace").expect("from");
    let to_name = fact(&preview, "To workspace").expect("to");
    assert!(from_name.contains(b.workspace_id.as_str()), "{from_name}");
    assert!(to_name.contains(to.as_str()), "{to_name}");
    assert_lists(
        &preview,
        &format!("People who lose access (through {from_name})"),
        &losing,
    );
    assert_lists(
        &preview,
        &format!("People who gain access (through {to_name})"),
        &gaining,
    );
    assert_lists(
        &preview,
        "People who keep access (given on the base)",
        &on_base.iter().cloned().collect::<Vec<_>>(),
    );

    // A workspace that does not exist, and the workspace it is in already, are refused when
    // asked, in words.
    for (workspace, words) in [
        ("wspNobodyNobody01".to_string(), "no workspace"),
        (b.workspace_id.to_string(), "already in workspace"),
    ] {
        let (status, body) = ask(
            &t,
            &operator,
            &json!({"kind": "move_base", "base": b.id, "workspace": workspace}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.to_string().contains(words), "{body}");
    }
}

#[tokio::test]
async fn enabling_a_share_says_what_its_link_exposes() {
    let t = TestConsole::start().await;
    let (operator, approver) = cast(&t).await;
    let airtable = sim_client(&t);
    let bases: Vec<_> = airtable.list_bases().try_collect().await.expect("bases");
    let mut chosen = None;
    for summary in &bases {
        let shares = airtable.base(&summary.id).shares().await.expect("shares");
        if shares.len() > 1 {
            chosen = Some((summary.id.clone(), shares));
            break;
        }
    }
    let (base, shares) = chosen.expect("a base with two shares");
    let share = shares[0].share_id.clone();
    airtable
        .base(&base)
        .share(&share)
        .disable()
        .await
        .expect("disable");
    let preview = preview_of(
        &t,
        &operator,
        &approver,
        json!({"kind": "enable_share", "base": base, "share": share}),
    )
    .await;
    let line = fact(&preview, "Share").expect("share");
    assert!(
        line.contains(share.as_str()) && line.contains("disabled"),
        "{line}"
    );
    assert!(fact(&preview, "Once enabled").is_some(), "{preview}");
    assert_lists(
        &preview,
        "Other shares of the base",
        &ids(shares.iter().skip(1).map(|s| s.share_id.clone())),
    );
}
