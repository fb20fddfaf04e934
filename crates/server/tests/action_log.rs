//! The console's action log: append-only, and its hash chain catches any change.

use console_server::action_log::{self, NewAction, Outcome, Verification};
use sqlx::PgPool;

struct Db {
    pool: PgPool,
    url: String,
}

impl Drop for Db {
    fn drop(&mut self) {
        let url = self.url.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                use sqlx::migrate::MigrateDatabase;
                sqlx::Postgres::force_drop_database(&url).await.ok()
            })
        })
        .join();
    }
}

async fn fresh_db_with_actions(n: usize) -> Db {
    let base = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/airtable_console_test".into());
    let base = base
        .rsplit_once('/')
        .map_or(base.clone(), |(b, _)| b.to_string());
    let url = format!("{base}/actions_test_{}", uuid::Uuid::new_v4().simple());
    let pool = console_server::db::connect_and_migrate(&url)
        .await
        .expect("database");
    for i in 0..n {
        let target = format!("usr{i:014}");
        action_log::record(
            &pool,
            NewAction {
                actor_id: "usrActorActorAct",
                actor_email: "alice@example.com",
                action: "users.logout",
                target: Some(&target),
                details: serde_json::json!({ "reason": format!("case {i}"), "n": i }),
                approval_id: (i % 2 == 0).then(uuid::Uuid::new_v4),
                outcome: if i % 3 == 0 {
                    Outcome::Failed
                } else {
                    Outcome::Ok
                },
                response: Some(serde_json::json!({ "status": 200, "b": [1, 2] })),
            },
        )
        .await
        .expect("record");
    }
    Db { pool, url }
}

/// Runs SQL with the append-only trigger off, as someone with the owner's rights could.
async fn tamper(db: &Db, sql: &str) {
    sqlx::raw_sql(&format!(
        "ALTER TABLE console_actions DISABLE TRIGGER console_actions_append_only;
         {sql};
         ALTER TABLE console_actions ENABLE TRIGGER console_actions_append_only;"
    ))
    .execute(&db.pool)
    .await
    .expect("tamper");
}

#[tokio::test]
async fn an_untouched_log_verifies() {
    let db = fresh_db_with_actions(0).await;
    assert_eq!(
        action_log::verify(&db.pool).await.expect("verify"),
        Verification::Intact { rows: 0 }
    );
    let db = fresh_db_with_actions(25).await;
    assert_eq!(
        action_log::verify(&db.pool).await.expect("verify"),
        Verification::Intact { rows: 25 }
    );
}

#[tokio::test]
async fn rows_cannot_be_updated_or_deleted_by_the_console() {
    let db = fresh_db_with_actions(3).await;
    let update = sqlx::query("UPDATE console_actions SET actor_email = 'x' WHERE seq = 2")
        .execute(&db.pool)
        .await;
    assert!(update.is_err(), "update refused");
    let delete = sqlx::query("DELETE FROM console_actions WHERE seq = 3")
        .execute(&db.pool)
        .await;
    assert!(delete.is_err(), "delete refused");
}

#[tokio::test]
async fn a_changed_field_anywhere_is_caught_at_its_row() {
    for (column, value) in [
        ("actor_email", "'mallory@example.com'"),
        ("action", "'users.login'"),
        ("target", "NULL"),
        ("details", "'{\"reason\": \"case 4\", \"n\": 5}'::jsonb"),
        ("outcome", "'failed'"), // row 5 succeeded
        ("response", "NULL"),
        ("approval_id", "NULL"),
        ("at", "at + interval '1 microsecond'"),
    ] {
        let db = fresh_db_with_actions(8).await;
        tamper(
            &db,
            &format!("UPDATE console_actions SET {column} = {value} WHERE seq = 5"),
        )
        .await;
        match action_log::verify(&db.pool).await.expect("verify") {
            Verification::Broken { seq, problem } => {
                assert_eq!(seq, 5, "{column}: {problem}");
                assert!(problem.contains("changed"), "{column}: {problem}");
            }
            other => panic!("{column}: tampering not caught: {other:?}"),
        }
    }
}

#[tokio::test]
async fn removed_rows_are_caught_in_the_middle_and_at_the_end() {
    let db = fresh_db_with_actions(6).await;
    tamper(&db, "DELETE FROM console_actions WHERE seq = 3").await;
    assert!(matches!(
        action_log::verify(&db.pool).await.expect("verify"),
        Verification::Broken { seq: 3, .. }
    ));

    let db = fresh_db_with_actions(6).await;
    tamper(&db, "DELETE FROM console_actions WHERE seq = 6").await;
    match action_log::verify(&db.pool).await.expect("verify") {
        Verification::Broken { problem, .. } => assert!(problem.contains("removed"), "{problem}"),
        other => panic!("a removed newest row was not caught: {other:?}"),
    }

    // Renumbering after a deletion does not help: the chain no longer links.
    let db = fresh_db_with_actions(6).await;
    tamper(
        &db,
        "DELETE FROM console_actions WHERE seq = 3; UPDATE console_actions SET seq = seq - 1 WHERE seq > 3",
    )
    .await;
    assert!(matches!(
        action_log::verify(&db.pool).await.expect("verify"),
        Verification::Broken { seq: 3, .. }
    ));
}

#[tokio::test]
async fn concurrent_appends_keep_one_unbroken_chain() {
    let db = fresh_db_with_actions(0).await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let pool = db.pool.clone();
        tasks.push(tokio::spawn(async move {
            action_log::record(
                &pool,
                NewAction {
                    actor_id: "usrActorActorAct",
                    actor_email: "bob@example.com",
                    action: "roles.grant",
                    target: None,
                    details: serde_json::json!({ "i": i }),
                    approval_id: None,
                    outcome: Outcome::Ok,
                    response: None,
                },
            )
            .await
        }));
    }
    for task in tasks {
        task.await.expect("join").expect("record");
    }
    assert_eq!(
        action_log::verify(&db.pool).await.expect("verify"),
        Verification::Intact { rows: 20 }
    );
}
