//! A group's page changes it through Airtable's SCIM API (issue 16): renaming and adding a
//! member happen at once and are logged; operators only; the simulator shows the change.

mod common;

use common::session::{get_ok, logged, post, post_ok, sign_in_as, sim_client};
use common::TestConsole;
use console_app::api::Role;
use reqwest::StatusCode;

/// A group of the seeded enterprise and a user who is not in it (read from the simulator).
async fn group_and_outsider(t: &TestConsole) -> (String, String) {
    let airtable = sim_client(t);
    let groups = airtable
        .scim()
        .groups()
        .page()
        .await
        .expect("SCIM groups")
        .resources;
    for listed in groups {
        let group = airtable
            .scim()
            .group(&listed.id)
            .get()
            .await
            .expect("SCIM group");
        let members: Vec<String> = group
            .members
            .iter()
            .flatten()
            .map(|m| m.value.to_string())
            .collect();
        if let Some(outsider) = t
            .sim()
            .info()
            .non_admins
            .iter()
            .find(|u| !members.contains(&u.id))
        {
            return (group.id.to_string(), outsider.id.clone());
        }
    }
    panic!("no group with someone outside it");
}

#[tokio::test]
async fn an_operator_renames_a_group_and_adds_a_member() {
    let t = TestConsole::start().await;
    let (group, outsider) = group_and_outsider(&t).await;

    // A viewer may look, not change.
    let viewer = sign_in_as(&t, Role::Viewer).await;
    let (status, _) = post(
        &t,
        &viewer,
        "/api/groups/rename",
        &[("id", &group), ("name", "Renamed by a viewer")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // An operator's changes, in this order, each with the answer it gets.
    let operator = sign_in_as(&t, Role::Operator).await;
    let (rename, add) = ("/api/groups/rename", "/api/groups/members/add");
    let (ok, refused) = (StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY);
    for (path, field, value, expected) in [
        (rename, "name", "  ", refused),
        (rename, "name", "Finance (EMEA)", ok),
        (add, "user", outsider.as_str(), ok),
        (add, "user", "not-a-user", refused),
    ] {
        let (status, body) = post(&t, &operator, path, &[("id", &group), (field, value)]).await;
        assert_eq!(status, expected, "{path} {field}={value:?}: {body}");
    }

    // Airtable (the simulator, read with its own token) has both changes; so does the page.
    let scim = sim_client(&t)
        .scim()
        .group(&group.parse().expect("ugp"))
        .get()
        .await
        .expect("group");
    assert_eq!(scim.display_name.as_deref(), Some("Finance (EMEA)"));
    assert!(scim
        .members
        .iter()
        .flatten()
        .any(|m| m.value.as_str() == outsider));
    let detail = get_ok(&t, &operator, &format!("/api/groups/get?id={group}")).await;
    assert_eq!(detail["name"], "Finance (EMEA)");
    assert!(detail["members"]
        .as_array()
        .expect("members")
        .iter()
        .any(|m| m["user_id"] == outsider.as_str()));
    // Both are in the console's action log.
    let (target, details) = logged(&t, "groups.rename").await.expect("rename logged");
    assert_eq!(target.as_deref(), Some(group.as_str()));
    assert_eq!(details["name"], "Finance (EMEA)");
    let (_, details) = logged(&t, "groups.add_member").await.expect("add logged");
    assert_eq!(details["user"], outsider.as_str());
}

/// Asks for `action` as `operator`, has `approver` approve it; returns what the approver saw.
async fn through_approval(
    t: &TestConsole,
    operator: &common::session::Person,
    approver: &common::session::Person,
    action: serde_json::Value,
) -> serde_json::Value {
    common::session::ask_and_approve(t, operator, approver, action)
        .await
        .1
}

#[tokio::test]
async fn removing_a_member_and_deleting_a_group_go_through_approval() {
    let t = TestConsole::start().await;
    let (group, outsider) = group_and_outsider(&t).await;
    let operator = sign_in_as(&t, Role::Operator).await;
    let approver =
        common::session::sign_in_person(&t, &t.sim().info().admins[2].email, Role::Approver).await;
    post_ok(
        &t,
        &operator,
        "/api/groups/members/add",
        &[("id", &group), ("user", &outsider)],
    )
    .await;
    let gid: airtable_client::ids::GroupId = group.parse().expect("ugp");
    let members = |t: &TestConsole| {
        let gid = gid.clone();
        let client = sim_client(t);
        async move {
            client
                .scim()
                .group(&gid)
                .get()
                .await
                .map(|g| {
                    g.members
                        .iter()
                        .flatten()
                        .map(|m| m.value.to_string())
                        .collect::<Vec<_>>()
                })
                .ok()
        }
    };
    assert!(members(&t).await.expect("group").contains(&outsider));

    // Taking them out: the preview names them; only the approval removes them.
    let detail = through_approval(
        &t,
        &operator,
        &approver,
        serde_json::json!({ "kind": "remove_group_member", "group": group, "user": outsider }),
    )
    .await;
    assert!(
        detail["request"]["preview"].to_string().contains(&outsider),
        "{detail}"
    );
    assert!(!members(&t).await.expect("group").contains(&outsider));

    // Deleting the group: gone from Airtable once approved.
    through_approval(
        &t,
        &operator,
        &approver,
        serde_json::json!({ "kind": "delete_group", "group": group }),
    )
    .await;
    assert_eq!(members(&t).await, None, "the group is deleted");
}
