//! The console's action log: append-only, and its keyed hash chain, checked against the
//! witness of its head kept outside the database, catches changes, deletions and TRUNCATE
//! even by the tables' owner; the role the console runs as cannot make them at all.

mod common;

use std::path::{Path, PathBuf};

use base64::Engine as _;
use console_core::action_log::{self, ActionLog, NewAction, Outcome, Verification};
use hmac::Mac;
use sha2::Digest;
use sqlx::{PgPool, Row};

/// The test chain's key (as `CONSOLE_LOG_KEY` would give it).
const KEY: [u8; 32] = [0x5a; 32];

/// A fresh database, migrated by its owner (the tests' Postgres user), with a log whose
/// witness file is in a fresh directory.
struct Db {
    /// As the owner.
    pool: PgPool,
    url: String,
    dir: PathBuf,
    log: ActionLog,
}

impl Db {
    fn witness(&self) -> PathBuf {
        self.dir.join(action_log::WITNESS_FILE)
    }

    async fn verify(&self) -> Verification {
        self.log.verify(&self.pool).await.expect("verify")
    }

    /// The verdict with no witness at all: the chain alone.
    async fn verify_chain_only(&self) -> Verification {
        self.log
            .verify_against(&self.pool, &[])
            .await
            .expect("verify")
    }

    async fn add(&self, n: usize) {
        add_actions(&self.log, &self.pool, n).await;
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        common::drop_database(&self.url);
    }
}

fn fresh_url() -> String {
    format!(
        "{}/actions_test_{}",
        common::postgres_base(),
        uuid::Uuid::new_v4().simple()
    )
}

async fn fresh_db_with_actions(n: usize) -> Db {
    let (pool, url) = common::fresh_database("actions_test").await;
    let dir = std::env::temp_dir().join(format!("actions-test-{}", uuid::Uuid::new_v4().simple()));
    let log = ActionLog::new(KEY, Some(dir.join(action_log::WITNESS_FILE)));
    let db = Db {
        pool,
        url,
        dir,
        log,
    };
    db.add(n).await;
    db
}

async fn add_actions(log: &ActionLog, pool: &PgPool, n: usize) {
    for i in 0..n {
        let target = format!("usr{i:014}");
        log.record(
            pool,
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
}

/// Runs SQL with the append-only trigger off, as the tables' owner can.
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

fn broken_at(verdict: Verification) -> (i64, String) {
    match verdict {
        Verification::Broken { seq, problem } => (seq, problem),
        intact => panic!("tampering not caught: {intact:?}"),
    }
}

fn rows(verdict: &Verification) -> i64 {
    match verdict {
        Verification::Intact { rows, .. } => *rows,
        broken => panic!("expected an intact log: {broken:?}"),
    }
}

/// How an attacker without the key rehashes rows: the same canonical form as the console.
#[derive(serde::Serialize)]
struct Hashed {
    seq: i64,
    at: String,
    actor_id: String,
    actor_email: String,
    action: String,
    target: Option<String>,
    details: String,
    approval_id: Option<String>,
    outcome: String,
    response: Option<String>,
}

enum Rehash<'a> {
    /// Plain SHA-256, the rows still marked keyed.
    Sha256,
    /// Plain SHA-256, every row marked as written before the chain was keyed.
    Legacy,
    /// HMAC-SHA256 with this key.
    Hmac(&'a [u8]),
}

/// Recomputes every row's `prev_hash` and `hash` from `from` on, as the owner could, so the
/// chain links again after a change.
async fn rehash_from(db: &Db, from: i64, how: Rehash<'_>) {
    let rows = sqlx::query(
        "SELECT seq, at, actor_id, actor_email, action, target, details::text AS details,
                approval_id, outcome, response::text AS response, prev_hash
           FROM console_actions WHERE seq >= $1 ORDER BY seq",
    )
    .bind(from)
    .fetch_all(&db.pool)
    .await
    .expect("rows");
    let mut prev: Option<Vec<u8>> = None;
    let mut statements = Vec::new();
    for row in rows {
        let prev_hash = prev.unwrap_or_else(|| row.get("prev_hash"));
        let at: chrono::DateTime<chrono::Utc> = row.get("at");
        let hashed = Hashed {
            seq: row.get("seq"),
            at: at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            actor_id: row.get("actor_id"),
            actor_email: row.get("actor_email"),
            action: row.get("action"),
            target: row.get("target"),
            details: row.get("details"),
            approval_id: row
                .get::<Option<uuid::Uuid>, _>("approval_id")
                .map(|id| id.to_string()),
            outcome: row.get("outcome"),
            response: row.get("response"),
        };
        let canonical = serde_json::to_vec(&hashed).expect("json");
        let hash = match how {
            Rehash::Sha256 | Rehash::Legacy => {
                let mut h = sha2::Sha256::new();
                h.update(&prev_hash);
                h.update(&canonical);
                h.finalize().to_vec()
            }
            Rehash::Hmac(key) => {
                let mut mac =
                    hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("any key length");
                mac.update(&prev_hash);
                mac.update(&canonical);
                mac.finalize().into_bytes().to_vec()
            }
        };
        statements.push(format!(
            "UPDATE console_actions SET prev_hash = '\\x{}', hash = '\\x{}', keyed = {} WHERE seq = {}",
            hex(&prev_hash),
            hex(&hash),
            !matches!(how, Rehash::Legacy),
            hashed.seq
        ));
        prev = Some(hash);
    }
    tamper(db, &statements.join(";\n")).await;
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn an_untouched_log_verifies_and_says_what_it_was_checked_against() {
    let db = fresh_db_with_actions(0).await;
    assert_eq!(
        db.verify().await,
        Verification::Intact {
            rows: 0,
            legacy_rows: 0,
            witness: None
        }
    );
    db.add(25).await;
    match db.verify().await {
        Verification::Intact {
            rows,
            legacy_rows,
            witness: Some(witness),
        } => {
            assert_eq!((rows, legacy_rows), (25, 0));
            assert_eq!(witness.files, 1);
            assert_eq!(witness.records, 25, "one witness line per append");
            assert_eq!(witness.newest.map(|(seq, _)| seq), Some(25));
            assert_eq!(witness.unreadable_lines, 0);
        }
        other => panic!("{other:?}"),
    }
    // The hourly witness adds the head again; a torn line is skipped, not fatal.
    assert_eq!(
        db.log.write_witness(&db.pool).await.expect("witness"),
        Some(25)
    );
    std::fs::OpenOptions::new()
        .append(true)
        .open(db.witness())
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"26 ab"))
        .expect("append");
    match db.verify().await {
        Verification::Intact {
            witness: Some(witness),
            ..
        } => {
            assert_eq!(witness.records, 26);
            assert_eq!(witness.unreadable_lines, 1);
        }
        other => panic!("{other:?}"),
    }
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
        ("keyed", "FALSE"),
    ] {
        let db = fresh_db_with_actions(8).await;
        tamper(
            &db,
            &format!("UPDATE console_actions SET {column} = {value} WHERE seq = 5"),
        )
        .await;
        let (seq, problem) = broken_at(db.verify().await);
        assert_eq!(seq, 5, "{column}: {problem}");
        assert!(
            problem.contains("row 5 was changed after it was written"),
            "{column}: {problem}"
        );
    }
}

#[tokio::test]
async fn the_owner_rewriting_a_row_is_named() {
    let db = fresh_db_with_actions(8).await;
    tamper(
        &db,
        "UPDATE console_actions SET actor_email = 'mallory@example.com' WHERE seq = 5",
    )
    .await;
    let (seq, problem) = broken_at(db.verify().await);
    assert_eq!(seq, 5);
    assert_eq!(
        problem,
        "row 5 was changed after it was written (its keyed hash does not match)"
    );
}

#[tokio::test]
async fn a_rewritten_row_with_a_recomputed_chain_needs_the_key() {
    // The control: whoever has the key can rewrite undetected by the chain alone (which is
    // why the key is kept outside the database), so the recomputation below is right.
    let db = fresh_db_with_actions(8).await;
    tamper(
        &db,
        "UPDATE console_actions SET actor_email = 'mallory@example.com' WHERE seq = 3",
    )
    .await;
    rehash_from(&db, 3, Rehash::Hmac(&KEY)).await;
    assert_eq!(rows(&db.verify_chain_only().await), 8);
    // … but not past the witness, which recorded the original hashes.
    let (seq, problem) = broken_at(db.verify().await);
    assert_eq!(seq, 3);
    assert!(
        problem.starts_with("row 3 differs from the hash the witness recorded at ")
            && problem.ends_with(": the log was rewritten"),
        "{problem}"
    );

    // Without the key: plain SHA-256, or HMAC with a key of one's own.
    let wrong_key = [0x33_u8; 32];
    for (name, how) in [
        ("sha256", Rehash::Sha256),
        ("wrong key", Rehash::Hmac(&wrong_key)),
    ] {
        let db = fresh_db_with_actions(8).await;
        tamper(
            &db,
            "UPDATE console_actions SET actor_email = 'mallory@example.com' WHERE seq = 3",
        )
        .await;
        rehash_from(&db, 3, how).await;
        let (seq, problem) = broken_at(db.verify_chain_only().await);
        assert_eq!(seq, 3, "{name}: {problem}");
        assert_eq!(
            problem, "row 3 was changed after it was written (its keyed hash does not match)",
            "{name}"
        );
    }
}

#[tokio::test]
async fn passing_the_whole_log_off_as_unkeyed_is_caught_by_the_witness() {
    let db = fresh_db_with_actions(6).await;
    tamper(
        &db,
        "UPDATE console_actions SET actor_email = 'mallory@example.com' WHERE seq = 4",
    )
    .await;
    rehash_from(&db, 1, Rehash::Legacy).await;
    // The chain alone accepts rows from before keying, and says how many there are …
    match db.verify_chain_only().await {
        Verification::Intact {
            rows, legacy_rows, ..
        } => assert_eq!((rows, legacy_rows), (6, 6)),
        other => panic!("{other:?}"),
    }
    // … and the witness shows they are not what was written.
    let (seq, problem) = broken_at(db.verify().await);
    assert_eq!(seq, 1);
    assert!(problem.contains("the log was rewritten"), "{problem}");
}

#[tokio::test]
async fn the_owner_deleting_rows_in_the_middle_is_named() {
    let db = fresh_db_with_actions(6).await;
    tamper(&db, "DELETE FROM console_actions WHERE seq = 4").await;
    assert_eq!(
        broken_at(db.verify().await),
        (4, "row 4 is missing (the next row is 5)".to_string())
    );

    let db = fresh_db_with_actions(6).await;
    tamper(&db, "DELETE FROM console_actions WHERE seq IN (2, 3)").await;
    assert_eq!(
        broken_at(db.verify_chain_only().await),
        (2, "rows 2–3 are missing (the next row is 4)".to_string())
    );

    // Renumbering after a deletion does not help: the chain no longer links.
    let db = fresh_db_with_actions(6).await;
    tamper(
        &db,
        "DELETE FROM console_actions WHERE seq = 3; UPDATE console_actions SET seq = seq - 1 WHERE seq > 3",
    )
    .await;
    let (seq, problem) = broken_at(db.verify_chain_only().await);
    assert_eq!(seq, 3);
    assert!(
        problem.contains("does not follow the row before it"),
        "{problem}"
    );
}

#[tokio::test]
async fn the_owner_deleting_the_newest_rows_is_named_by_the_witness() {
    let db = fresh_db_with_actions(12).await;
    tamper(&db, "DELETE FROM console_actions WHERE seq > 9").await;
    // The chain alone cannot tell: what is left links up.
    assert_eq!(rows(&db.verify_chain_only().await), 9);
    let (seq, problem) = broken_at(db.verify().await);
    assert_eq!(seq, 10);
    assert!(
        problem.starts_with("the witness recorded row 12 (at ")
            && problem.ends_with("but the log ends at row 9: rows 10–12 were deleted"),
        "{problem}"
    );

    let db = fresh_db_with_actions(3).await;
    tamper(&db, "DELETE FROM console_actions WHERE seq = 3").await;
    let (_, problem) = broken_at(db.verify().await);
    assert!(
        problem.ends_with("the log ends at row 2: row 3 was deleted"),
        "{problem}"
    );
}

#[tokio::test]
async fn the_owner_truncating_the_log_is_named_by_the_witness() {
    let db = fresh_db_with_actions(12).await;
    // TRUNCATE fires no row trigger: the append-only trigger does not stop the owner.
    sqlx::query("TRUNCATE console_actions")
        .execute(&db.pool)
        .await
        .expect("the owner may truncate");
    assert_eq!(rows(&db.verify_chain_only().await), 0);
    let (seq, problem) = broken_at(db.verify().await);
    assert_eq!(seq, 1);
    assert!(
        problem.starts_with("the log is empty but the witness recorded 12 rows at ")
            && problem.ends_with(": it was truncated"),
        "{problem}"
    );

    // New rows after the TRUNCATE start a new chain, which the witness does not know.
    db.add(2).await;
    let (seq, problem) = broken_at(db.verify().await);
    assert_eq!(seq, 1);
    assert!(
        problem.starts_with("row 1 differs from the hash the witness recorded at ")
            && problem.ends_with(": the log was rewritten"),
        "{problem}"
    );
}

#[tokio::test]
async fn every_witness_file_given_is_checked() {
    // Two console processes on one database, each with its own data directory.
    let db = fresh_db_with_actions(4).await;
    let other_witness = db.dir.join("other-process-head");
    let other = ActionLog::new(KEY, Some(other_witness.clone()));
    add_actions(&other, &db.pool, 3).await;
    assert_eq!(
        rows(
            &db.log
                .verify_against(&db.pool, &[db.witness(), other_witness.clone()])
                .await
                .expect("verify")
        ),
        7
    );
    tamper(&db, "DELETE FROM console_actions WHERE seq > 5").await;
    // This process's own witness saw only rows 1–4.
    assert_eq!(rows(&db.verify().await), 5);
    let verdict = db
        .log
        .verify_against(&db.pool, &[db.witness(), other_witness.clone()])
        .await
        .expect("verify");
    let (_, problem) = broken_at(verdict);
    assert!(problem.contains("rows 6–7 were deleted"), "{problem}");
    assert!(
        problem.contains(&other_witness.display().to_string()),
        "names the witness file: {problem}"
    );
    // A witness file that cannot be read is an error, not a pass.
    assert!(db
        .log
        .verify_against(&db.pool, &[db.dir.join("no-such-file")])
        .await
        .is_err());
}

#[tokio::test]
async fn concurrent_appends_keep_one_unbroken_chain() {
    let db = fresh_db_with_actions(0).await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let pool = db.pool.clone();
        let log = db.log.clone();
        tasks.push(tokio::spawn(async move {
            log.record(
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
    assert_eq!(rows(&db.verify().await), 20);
    let lines = std::fs::read_to_string(db.witness()).expect("witness");
    assert_eq!(lines.lines().count(), 20, "one whole line per append");
}

#[tokio::test]
async fn rows_from_before_the_key_are_accepted_only_before_the_first_keyed_row() {
    let db = fresh_db_with_actions(5).await;
    // Rows 1–3 as an older console wrote them (plain SHA-256, not keyed); 4–5 keyed.
    rehash_from(&db, 1, Rehash::Legacy).await;
    let keyed_log = ActionLog::new(KEY, None);
    tamper(&db, "DELETE FROM console_actions WHERE seq > 3").await;
    add_actions(&keyed_log, &db.pool, 2).await;
    match db.verify_chain_only().await {
        Verification::Intact {
            rows, legacy_rows, ..
        } => assert_eq!((rows, legacy_rows), (5, 3)),
        other => panic!("{other:?}"),
    }
    // A legacy row after a keyed one is not believed.
    rehash_from(&db, 5, Rehash::Legacy).await;
    let (seq, problem) = broken_at(db.verify_chain_only().await);
    assert_eq!(seq, 5);
    assert!(
        problem.contains("row 5 was changed after it was written")
            && problem.contains("after keyed row 4"),
        "{problem}"
    );
}

#[tokio::test]
async fn the_runtime_role_may_only_read_and_append() {
    let owner_url = fresh_url();
    let runtime = common::prepare_as_runtime_role(&owner_url).await;
    let dir = std::env::temp_dir().join(format!("actions-test-{}", uuid::Uuid::new_v4().simple()));
    let db = Db {
        pool: sqlx::PgPool::connect(&owner_url).await.expect("owner"),
        url: owner_url,
        log: ActionLog::new(KEY, Some(dir.join(action_log::WITNESS_FILE))),
        dir,
    };
    let who: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&runtime)
        .await
        .expect("whoami");
    assert_eq!(who, common::RUNTIME_ROLE);

    // It appends and reads …
    add_actions(&db.log, &runtime, 3).await;
    assert_eq!(rows(&db.log.verify(&runtime).await.expect("verify")), 3);
    assert!(!action_log::role_can_change_log(&runtime)
        .await
        .expect("privileges"));
    assert!(action_log::role_can_change_log(&db.pool)
        .await
        .expect("privileges"));

    // … and may not change, remove, empty or alter: refused by privileges (42501), not
    // only by the trigger.
    for sql in [
        "UPDATE console_actions SET actor_email = 'x' WHERE seq = 2",
        "DELETE FROM console_actions WHERE seq = 3",
        "TRUNCATE console_actions",
        "ALTER TABLE console_actions DISABLE TRIGGER console_actions_append_only",
        "DROP TABLE console_actions",
    ] {
        let error = sqlx::query(sql).execute(&runtime).await.expect_err(sql);
        let code = error
            .as_database_error()
            .and_then(|e| e.code())
            .map(|c| c.to_string());
        assert_eq!(code.as_deref(), Some("42501"), "{sql}: {error}");
    }
    assert_eq!(rows(&db.verify().await), 3);

    // The same role as both is refused at start-up.
    let same = std::collections::HashMap::from([
        ("DATABASE_URL", db.url.clone()),
        ("CONSOLE_DATABASE_OWNER_URL", db.url.clone()),
    ]);
    let settings = console_server::config::Settings::from_lookup(|name| same.get(name).cloned())
        .expect("settings");
    let error = console_server::db::prepare(&settings)
        .await
        .expect_err("refused");
    assert!(
        error.to_string().contains("must be a different one"),
        "{error}"
    );
}

#[tokio::test]
async fn the_running_console_writes_as_the_runtime_role() {
    let t = common::TestConsole::start().await;
    assert!(
        !action_log::role_can_change_log(&t.console.state.console.db)
            .await
            .expect("privileges"),
        "the harness runs the console with the owner/runtime split"
    );
    let refused = sqlx::query("TRUNCATE console_actions")
        .execute(&t.console.state.console.db)
        .await;
    assert!(
        refused.is_err(),
        "the console's own pool cannot truncate the log"
    );
}

#[tokio::test]
async fn the_console_actions_page_says_what_its_check_relied_on() {
    let t = common::TestConsole::start().await;
    let admin = common::session::sign_in_as(&t, console_app::api::Role::Admin).await;
    // Something to log (and so a witness record): a viewer role, granted at once.
    let viewer = t.sim().info().admins[2].email.clone();
    let (status, body) = common::session::post(
        &t,
        &admin,
        "/api/roles/grant",
        &[("person", &viewer), ("role", "viewer")],
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    let (status, check) = common::session::get(&t, &admin, "/api/actions/verify").await;
    assert_eq!(status, reqwest::StatusCode::OK, "{check}");
    assert_eq!(check["intact"], true, "{check}");
    let notes = check["notes"].to_string();
    assert!(notes.contains("witness record"), "{notes}");
    assert!(
        !notes.contains("can change or delete rows"),
        "the harness's runtime role cannot: {notes}"
    );
    // With the witness file gone, the page says what can then not be detected.
    let witness = t
        .console
        .state
        .settings
        .data_dir
        .join(action_log::WITNESS_FILE);
    std::fs::remove_file(&witness).expect("remove the witness");
    let (_, check) = common::session::get(&t, &admin, "/api/actions/verify").await;
    assert!(
        check["notes"].to_string().contains("No witness file"),
        "{check}"
    );
}

#[tokio::test]
async fn the_daily_notice_tells_the_admins_the_head_once_a_day() {
    let db = fresh_db_with_actions(0).await;
    sqlx::query(
        "INSERT INTO console_users (airtable_user_id, email, role) VALUES
             ('usrAdminAdminAd1', 'ada@example.com', 'admin'),
             ('usrAdminAdminAd2', 'bob@example.com', 'admin'),
             ('usrViewerViewer1', 'vic@example.com', 'viewer')",
    )
    .execute(&db.pool)
    .await
    .expect("people");
    // Nothing to say about an empty log.
    assert_eq!(
        action_log::send_daily_notice(&db.pool)
            .await
            .expect("notice"),
        0
    );
    db.add(4).await;
    assert_eq!(
        action_log::send_daily_notice(&db.pool)
            .await
            .expect("notice"),
        2
    );
    db.add(1).await;
    assert_eq!(
        action_log::send_daily_notice(&db.pool)
            .await
            .expect("notice"),
        0,
        "one a day"
    );
    let sent: Vec<(String, String, String)> =
        sqlx::query_as("SELECT to_email, subject, body FROM outbox ORDER BY to_email")
            .fetch_all(&db.pool)
            .await
            .expect("outbox");
    let hash: Vec<u8> = sqlx::query_scalar("SELECT hash FROM console_actions WHERE seq = 4")
        .fetch_one(&db.pool)
        .await
        .expect("row 4");
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].0, "ada@example.com");
    assert_eq!(sent[1].0, "bob@example.com");
    for (_, subject, body) in &sent {
        assert_eq!(subject, "Console action log head: row 4");
        assert!(body.contains(&format!("4 {}", hex(&hash))), "{body}");
        assert!(body.contains("console-server verify-action-log"), "{body}");
    }
    // The line in the notice is a witness record the verifier reads.
    let from_mail = db.dir.join("from-mail");
    let line = sent[0]
        .2
        .lines()
        .find(|l| l.trim_start().starts_with("4 "))
        .expect("the witness line");
    std::fs::write(&from_mail, line.trim()).expect("save it");
    tamper(&db, "DELETE FROM console_actions WHERE seq = 5").await;
    tamper(
        &db,
        "UPDATE console_actions SET target = NULL WHERE seq = 4",
    )
    .await;
    rehash_from(&db, 4, Rehash::Hmac(&KEY)).await;
    let (seq, problem) = broken_at(
        db.log
            .verify_against(&db.pool, &[from_mail])
            .await
            .expect("verify"),
    );
    assert_eq!(seq, 4);
    assert!(problem.contains("the log was rewritten"), "{problem}");
}

fn verify_command(db: &Db, witness: &[&Path]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_console-server"));
    command
        .env_clear()
        .arg("verify-action-log")
        .env("DATABASE_URL", &db.url)
        .env("CONSOLE_DATA_DIR", &db.dir)
        .env(
            "CONSOLE_LOG_KEY",
            base64::engine::general_purpose::STANDARD.encode(KEY),
        )
        .env("RUST_LOG", "error");
    if !witness.is_empty() {
        command.arg("--witness").args(witness);
    }
    command.output().expect("run console-server")
}

#[tokio::test]
async fn the_verify_command_exits_0_when_intact_and_1_when_tampered_with() {
    let db = fresh_db_with_actions(5).await;
    let intact = verify_command(&db, &[]);
    let out = String::from_utf8_lossy(&intact.stdout);
    assert_eq!(
        intact.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&intact.stderr)
    );
    assert!(out.contains("intact: 5 rows"), "{out}");
    assert!(out.contains("agrees with the witness"), "{out}");

    // A wrong key is not "intact".
    let wrong = std::process::Command::new(env!("CARGO_BIN_EXE_console-server"))
        .env_clear()
        .arg("verify-action-log")
        .env("DATABASE_URL", &db.url)
        .env("CONSOLE_DATA_DIR", &db.dir)
        .env(
            "CONSOLE_LOG_KEY",
            base64::engine::general_purpose::STANDARD.encode([1_u8; 32]),
        )
        .env("RUST_LOG", "error")
        .output()
        .expect("run");
    assert_eq!(wrong.status.code(), Some(1));

    tamper(&db, "DELETE FROM console_actions WHERE seq = 5").await;
    let deleted = verify_command(&db, &[]);
    let out = String::from_utf8_lossy(&deleted.stdout);
    assert_eq!(deleted.status.code(), Some(1), "{out}");
    assert!(out.contains("row 5 was deleted"), "{out}");

    // Given another witness file only, that one is used.
    let empty = db.dir.join("empty-witness");
    std::fs::write(&empty, "").expect("write");
    let other = verify_command(&db, &[&empty]);
    assert_eq!(
        other.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&other.stdout)
    );
    // A witness that cannot be read: it could not check (2), which is not "intact".
    let unreadable = verify_command(&db, &[&db.dir.join("no-such-file")]);
    assert_eq!(unreadable.status.code(), Some(2));

    // Without any witness, it says what cannot be seen.
    std::fs::remove_file(db.witness()).expect("remove the witness");
    let blind = verify_command(&db, &[]);
    let out = String::from_utf8_lossy(&blind.stdout);
    assert_eq!(blind.status.code(), Some(0), "{out}");
    assert!(out.contains("No witness"), "{out}");
    assert!(out.contains("cannot be detected"), "{out}");

    tamper(
        &db,
        "UPDATE console_actions SET outcome = 'ok' WHERE seq = 1",
    )
    .await;
    let changed = verify_command(&db, &[]);
    let out = String::from_utf8_lossy(&changed.stdout);
    assert_eq!(changed.status.code(), Some(1), "{out}");
    assert!(
        out.contains("row 1 was changed after it was written"),
        "{out}"
    );
}
