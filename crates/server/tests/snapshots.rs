//! Snapshots of the enterprise: taken from the simulator into Postgres, then asked "who was
//! an admin on date X" and "what changed".

mod common;

use airtable_client::{
    ids::{EnterpriseId, UserId},
    models::{UserRef, UserState},
};
use airtable_sim::SimConfig;
use console_core::snapshots;

#[tokio::test]
async fn two_snapshots_answer_who_was_admin_and_what_changed() {
    let sim = common::spawn_tiny_sim(SimConfig::default()).await;
    let (db, url) = common::fresh_database("snapshots_test").await;
    let client = common::sim_client_builder(&sim).build().expect("client");
    let ent: EnterpriseId = common::sim_enterprise(&sim);

    let before_any = chrono::Utc::now() - chrono::Duration::seconds(1);
    let first = snapshots::take(&db, &client, &ent, Some("test"))
        .await
        .expect("first snapshot");
    let between = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;

    // The last admin loses admin rights; a non-admin is deactivated.
    let info = sim.info();
    let demoted = info.admins.last().expect("admins").clone();
    let demoted_id: UserId = demoted.id.to_string().parse().expect("id");
    client
        .enterprise(&ent)
        .users()
        .revoke_admin([UserRef::Id { id: demoted_id }])
        .await
        .expect("revoke admin");
    let deactivated = info.non_admins.first().expect("non-admins").clone();
    let deactivated_id: UserId = deactivated.id.to_string().parse().expect("id");
    client
        .enterprise(&ent)
        .user(&deactivated_id)
        .update()
        .state(UserState::Deactivated)
        .send()
        .await
        .expect("deactivate");

    let second = snapshots::take(&db, &client, &ent, None)
        .await
        .expect("second snapshot");

    let list = snapshots::list(&db, 10).await.expect("list");
    assert_eq!(
        list.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![second, first]
    );
    assert_eq!(list[1].users, list[0].users, "nobody joined or left");
    assert_eq!(list[1].admins, list[0].admins + 1);
    assert!(
        list[0].groups > 0 && list[0].workspaces > 0,
        "{:?}",
        list[0]
    );
    // The sizes were kept when each snapshot completed; one completed by an older console
    // (without them) is counted from its rows, to the same figures.
    sqlx::query(
        "UPDATE snapshots SET user_count = NULL, admin_count = NULL, group_count = NULL,
                workspace_count = NULL WHERE id = $1",
    )
    .bind(first)
    .execute(&db)
    .await
    .expect("an older console's snapshot");
    assert_eq!(snapshots::list(&db, 10).await.expect("list"), list);

    assert!(snapshots::admins_at(&db, before_any)
        .await
        .expect("query")
        .is_none());
    let (then, admins_then) = snapshots::admins_at(&db, between)
        .await
        .expect("query")
        .expect("a snapshot");
    assert_eq!(then.id, first);
    assert!(admins_then.iter().any(|a| a.email == demoted.email));
    let (now, admins_now) = snapshots::admins_at(&db, chrono::Utc::now())
        .await
        .expect("query")
        .expect("a snapshot");
    assert_eq!(now.id, second);
    assert!(!admins_now.iter().any(|a| a.email == demoted.email));

    let diff = snapshots::diff(&db, first, second).await.expect("diff");
    let change_of = |email: &str| {
        diff.users_changed
            .iter()
            .find(|c| c.user.email == email)
            .map(|c| c.changes.join("; "))
    };
    assert_eq!(
        change_of(&demoted.email).as_deref(),
        Some("is no longer an admin")
    );
    assert_eq!(
        change_of(&deactivated.email).as_deref(),
        Some("state provisioned → deactivated")
    );
    assert_eq!(diff.users_changed.len(), 2, "{:?}", diff.users_changed);
    assert!(diff.users_added.is_empty() && diff.users_removed.is_empty());

    // A snapshot compared with itself shows nothing.
    let same = snapshots::diff(&db, second, second).await.expect("diff");
    assert!(same.users_changed.is_empty() && same.workspace_access.is_empty());

    db.close().await;
    use sqlx::migrate::MigrateDatabase;
    let _ = sqlx::Postgres::force_drop_database(&url).await;
}

/// A completed snapshot's rows reach the planner's statistics at once (migration
/// `analyze_snapshot_tables`), also for a console that runs as a role owning no table: a
/// plain `ANALYZE` by that role would only warn and skip.
#[tokio::test]
async fn a_completed_snapshot_is_analyzed_even_by_a_role_that_owns_nothing() {
    let owner_url = common::fresh_database_url();
    let runtime = common::prepare_as_runtime_role(&owner_url).await;
    let owner = sqlx::PgPool::connect(&owner_url).await.expect("owner");
    let analyzed = || async {
        sqlx::query_scalar::<_, bool>(
            "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'snapshot_users'",
        )
        .fetch_one(&owner)
        .await
        .expect("statistics")
    };
    assert!(!analyzed().await, "a fresh database was analyzed already");

    let sim = common::spawn_tiny_sim(SimConfig::default()).await;
    let client = common::sim_client_builder(&sim).build().expect("client");
    snapshots::take(
        &runtime,
        &client,
        &common::sim_enterprise(&sim),
        Some("test"),
    )
    .await
    .expect("snapshot");
    assert!(analyzed().await, "the snapshot's tables were not analyzed");

    drop((runtime, owner));
    common::drop_database(&owner_url);
}
