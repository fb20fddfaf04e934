//! Live reads that pages share (issue 18): the overview's enterprise record is read from
//! Airtable once for everyone until its period ends, someone refreshes, or a change made
//! through the console touches it. Counted at the simulator.

mod common;

use common::{session::*, TestConsole};
use console_app::api::Role;

/// The requests the simulator has answered since the last call (which resets the count).
async fn airtable_calls(t: &TestConsole) -> u64 {
    let stats: serde_json::Value = reqwest::Client::new()
        .delete(format!("{}/_sim/stats", t.sim().base_url()))
        .send()
        .await
        .expect("simulator stats")
        .json()
        .await
        .expect("stats as JSON");
    stats["requests"].as_u64().expect("a request count")
}

#[tokio::test]
async fn pages_share_one_read_of_the_enterprise_until_refreshed_or_changed() {
    let t = TestConsole::start().await;
    let admin = sign_in_as(&t, Role::Admin).await;
    let second = &t.sim().info().admins[1].email.to_string();
    let operator = sign_in_person(&t, second, Role::Operator).await;

    let first = get_ok(&t, &admin, "/api/overview").await;
    airtable_calls(&t).await;

    // Twenty views by two people at once: all from the one read.
    let views = (0..20).map(|i| {
        let who = if i % 2 == 0 { &admin } else { &operator };
        get_ok(&t, who, "/api/overview")
    });
    for view in futures::future::join_all(views).await {
        assert_eq!(view["as_of"], first["as_of"], "{view}");
        assert_eq!(view["user_count"], first["user_count"]);
    }
    assert_eq!(
        airtable_calls(&t).await,
        0,
        "twenty views, no Airtable call"
    );

    // A refresh reads now, once.
    let fresh = get_ok(&t, &admin, "/api/overview?refresh=true").await;
    assert_eq!(
        airtable_calls(&t).await,
        1,
        "a refresh is one enterprise read"
    );
    assert_eq!(fresh["workspace_count"], first["workspace_count"]);

    // A workspace created through the console shows at once.
    post_ok(
        &t,
        &operator,
        "/api/workspaces/create",
        &[("name", "Shared reads")],
    )
    .await;
    let after = get_ok(&t, &admin, "/api/overview").await;
    assert_eq!(
        after["workspace_count"].as_u64(),
        first["workspace_count"].as_u64().map(|n| n + 1),
        "{after}"
    );
}

#[tokio::test]
async fn zero_seconds_reads_on_every_view() {
    let t = TestConsole::start_with(&[("CONSOLE_LIVE_READ_SECONDS", "0")]).await;
    let admin = sign_in_as(&t, Role::Viewer).await;
    get_ok(&t, &admin, "/api/overview").await;
    airtable_calls(&t).await;
    for _ in 0..3 {
        get_ok(&t, &admin, "/api/overview").await;
    }
    assert_eq!(airtable_calls(&t).await, 3, "one read per view");
}

/// A user's page: one Airtable read for everyone until someone refreshes it or a change
/// through the console touches it; a change shows on the next view.
#[tokio::test]
async fn object_pages_share_one_read_until_refreshed_or_changed() {
    let t = TestConsole::start().await;
    let admin = sign_in_as(&t, Role::Admin).await;
    let second = &t.sim().info().admins[1].email.to_string();
    let operator = sign_in_person(&t, second, Role::Operator).await;
    let user = t.sim().info().non_admins[0].id.clone();
    let path = format!("/api/users/get?id={user}");

    let first = get_ok(&t, &admin, &path).await;
    airtable_calls(&t).await;
    let views = (0..10).map(|i| get_ok(&t, if i % 2 == 0 { &admin } else { &operator }, &path));
    for view in futures::future::join_all(views).await {
        assert_eq!(view["read_at"], first["read_at"], "{view}");
    }
    assert_eq!(airtable_calls(&t).await, 0, "ten views, no Airtable call");

    // The page itself says when, and offers the refresh.
    let html = page_html(&t, &admin, &format!("/users/{user}")).await;
    assert!(
        html.contains(&format!("href=\"/users/{user}?refresh=1\"")),
        "{html}"
    );
    let fresh = get_ok(&t, &admin, &format!("{path}&refresh=true")).await;
    assert_ne!(fresh["read_at"], first["read_at"]);
    assert!(airtable_calls(&t).await >= 1, "a refresh reads again");
    let kept = get_ok(&t, &operator, &path).await;
    assert_eq!(
        kept["read_at"], fresh["read_at"],
        "the refreshed read is shared"
    );
    assert_eq!(airtable_calls(&t).await, 0);

    // A rename through the console shows on the next view, whoever looks.
    post_ok(
        &t,
        &operator,
        "/api/users/rename",
        &[
            ("user", &user),
            ("first_name", "Shared"),
            ("last_name", "Read"),
        ],
    )
    .await;
    let renamed = get_ok(&t, &admin, &path).await;
    assert_eq!(renamed["name"], "Shared Read", "{renamed}");
}

/// Demo mode meets Airtable's limits as production does (`CONSOLE_DEMO_RATE_LIMITS=on`, the
/// default): many views of one user's page by many people stay within them, because the
/// views share one read.
#[tokio::test]
async fn with_airtables_limits_on_page_views_share_reads_and_get_no_429() {
    let t = TestConsole::start_with(&[("CONSOLE_DEMO_RATE_LIMITS", "on")]).await;
    let limits: serde_json::Value =
        reqwest::get(format!("{}/_sim/rate-limits", t.sim().base_url()))
            .await
            .expect("simulator")
            .json()
            .await
            .expect("JSON");
    assert_eq!(limits["enabled"], true, "{limits}");
    let admin = sign_in_as(&t, Role::Admin).await;
    let user = t.sim().info().non_admins[0].id.clone();
    let user_path = format!("/api/users/get?id={user}");
    airtable_calls(&t).await;
    for _ in 0..3 {
        let views = (0..40).map(|_| get_ok(&t, &admin, &user_path));
        futures::future::join_all(views).await;
        let views = (0..40).map(|_| get_ok(&t, &admin, "/"));
        futures::future::join_all(views).await;
    }
    assert_eq!(
        airtable_calls(&t).await,
        2,
        "240 views: one read of the user, one of the enterprise"
    );
    let stats: serde_json::Value = reqwest::get(format!("{}/_sim/stats", t.sim().base_url()))
        .await
        .expect("simulator stats")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        stats["tooManyRequests"]["total"], 0,
        "no 429 from eighty views: {stats}"
    );
}
