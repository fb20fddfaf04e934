//! The audit-log ingester against the simulator and a real Postgres: it copies every event
//! exactly once, and resumes after a failure at any step without losing or repeating one.

mod common;

use std::collections::BTreeSet;

use airtable_client::{ids::EnterpriseId, Client, Timestamp};
use airtable_sim::{RunningSim, SimConfig};
use console_core::audit::ingest::{AuditIngester, IngestSettings};
use futures::TryStreamExt;
use sqlx::PgPool;

/// Small pages, so the tiny enterprise's log spans several of them.
const PAGE_SIZE: u32 = 40;

struct World {
    sim: RunningSim,
    db: PgPool,
    database_url: String,
    ingester: AuditIngester,
    client: Client,
    enterprise: EnterpriseId,
}

impl Drop for World {
    fn drop(&mut self) {
        common::drop_database(&self.database_url);
    }
}

async fn world() -> World {
    world_with_delay(std::time::Duration::ZERO).await
}

/// A world whose simulator shows each audit event only `audit_delay` after it happened, as
/// Airtable does ("events appear a few minutes late").
async fn world_with_delay(audit_delay: std::time::Duration) -> World {
    world_with(
        SimConfig {
            audit_delay,
            ..SimConfig::default()
        },
        IngestSettings::default(),
    )
    .await
}

/// A world whose simulator is set up by `config`, and whose ingester by `settings` (but
/// with small pages, always).
async fn world_with(config: SimConfig, settings: IngestSettings) -> World {
    let sim = common::spawn_tiny_sim(config).await;
    let (db, database_url) = common::fresh_database("ingest_test").await;
    // No retries: a failure injected by a test must reach the ingester.
    let client = common::sim_client_builder(&sim)
        .max_retries(0)
        .build()
        .expect("client");
    let enterprise = common::sim_enterprise(&sim);
    let ingester = AuditIngester::new(
        db.clone(),
        client.clone(),
        enterprise.clone(),
        IngestSettings {
            page_size: PAGE_SIZE,
            ..settings
        },
    );
    World {
        sim,
        db,
        database_url,
        ingester,
        client,
        enterprise,
    }
}

/// How many pages a full backfill takes, measured on a throwaway world.
async fn pages_of_a_backfill() -> i64 {
    let probe = world().await;
    probe.ingester.run_once().await.expect("probe").pages as i64
}

impl World {
    /// Signs `user` out at the simulator, which logs it as an audit event.
    async fn log_out_at_airtable(&self, user: &str) {
        self.client
            .enterprise(&self.enterprise)
            .user(&user.parse().expect("user id"))
            .logout()
            .await
            .expect("log a user out");
    }

    /// Every event the simulator has in the window, read directly.
    async fn sim_event_ids(&self) -> BTreeSet<String> {
        let pages = self
            .client
            .enterprise(&self.enterprise)
            .audit_log()
            .ascending()
            .page_size(1000)
            .start_time(Timestamp(chrono::Utc::now() - chrono::Duration::days(180)))
            .stream();
        let pages: Vec<_> = pages.try_collect().await.expect("read the sim's log");
        pages
            .into_iter()
            .flat_map(|p| p.events.into_iter().map(|e| e.id))
            .collect()
    }

    async fn stored_ids(&self) -> Vec<String> {
        sqlx::query_scalar("SELECT id FROM audit_events ORDER BY id")
            .fetch_all(&self.db)
            .await
            .expect("stored ids")
    }

    async fn counter(&self) -> i64 {
        sqlx::query_scalar("SELECT events_stored FROM audit_sync")
            .fetch_one(&self.db)
            .await
            .expect("counter")
    }

    async fn assert_exact_copy(&self) {
        let want = self.sim_event_ids().await;
        let stored = self.stored_ids().await;
        let stored_set: BTreeSet<String> = stored.iter().cloned().collect();
        assert_eq!(stored.len(), stored_set.len(), "no event stored twice");
        assert_eq!(stored_set, want, "the copy equals the simulator's log");
        assert_eq!(
            self.counter().await,
            want.len() as i64,
            "the counter agrees"
        );
    }

    /// Makes the database refuse to store the `page`-th page of every following run (a real
    /// Postgres error inside the page's transaction), until healed.
    async fn fail_storing_page(&self, page: i64) {
        sqlx::raw_sql(&format!(
            "CREATE OR REPLACE FUNCTION fail_page() RETURNS trigger AS $$
             BEGIN
               IF NEW.run_pages >= {page} THEN RAISE EXCEPTION 'injected failure'; END IF;
               RETURN NEW;
             END $$ LANGUAGE plpgsql;
             DROP TRIGGER IF EXISTS fail_page ON audit_sync;
             CREATE TRIGGER fail_page BEFORE UPDATE ON audit_sync FOR EACH ROW
               WHEN (NEW.run_pages > OLD.run_pages) EXECUTE FUNCTION fail_page();"
        ))
        .execute(&self.db)
        .await
        .expect("install the failure");
    }

    async fn heal_database(&self) {
        sqlx::raw_sql("DROP TRIGGER IF EXISTS fail_page ON audit_sync")
            .execute(&self.db)
            .await
            .expect("remove the failure");
    }

    async fn faults(&self, rules: serde_json::Value) {
        let response = reqwest::Client::new()
            .post(format!("{}/_sim/faults", self.sim.base_url()))
            .json(&rules)
            .send()
            .await
            .expect("set faults");
        assert!(response.status().is_success(), "faults accepted");
    }

    async fn no_faults(&self) {
        reqwest::Client::new()
            .delete(format!("{}/_sim/faults", self.sim.base_url()))
            .send()
            .await
            .expect("clear faults");
    }
}

#[tokio::test]
async fn a_backfill_copies_every_event_once_and_a_second_run_adds_nothing() {
    let w = world().await;
    let first = w.ingester.run_once().await.expect("first run");
    assert!(first.pages >= 3, "several pages: {first:?}");
    w.assert_exact_copy().await;
    let stored = w.stored_ids().await.len() as u64;
    assert_eq!(first.new_events, stored);

    let second = w.ingester.run_once().await.expect("second run");
    assert_eq!(second.new_events, 0, "{second:?}");
    w.assert_exact_copy().await;

    let status = console_core::audit::status::read(&w.db, true)
        .await
        .expect("status");
    assert!(status.backfill_done);
    assert!(!status.running);
    assert_eq!(status.last_error, None);
    assert!(status.last_event_at.is_some());
}

#[tokio::test]
async fn new_events_are_picked_up_by_the_next_run() {
    let w = world().await;
    w.ingester.run_once().await.expect("backfill");
    let before = w.stored_ids().await.len();
    // Something happens in the enterprise: the sim logs it.
    let me = w.client.whoami().await.expect("whoami");
    let someone = w
        .sim
        .info()
        .non_admins
        .first()
        .expect("a non-admin")
        .id
        .to_string();
    w.log_out_at_airtable(&someone).await;
    let report = w.ingester.run_once().await.expect("follow-up run");
    assert!(report.new_events >= 1, "{report:?} (acting as {})", me.id);
    assert!(w.stored_ids().await.len() > before);
    w.assert_exact_copy().await;
}

#[tokio::test]
async fn late_events_are_copied_once_they_appear() {
    let delay = std::time::Duration::from_secs(2);
    let w = world_with_delay(delay).await;
    w.ingester.run_once().await.expect("backfill");
    let before = w.stored_ids().await.len();
    let someone = w.sim.info().non_admins[0].id.to_string();
    w.log_out_at_airtable(&someone).await;
    // Not visible in Airtable's log yet: a run now finds nothing, and loses nothing.
    let early = w.ingester.run_once().await.expect("early run");
    assert_eq!(early.new_events, 0, "{early:?}");
    tokio::time::sleep(delay + std::time::Duration::from_millis(500)).await;
    let late = w.ingester.run_once().await.expect("late run");
    assert_eq!(late.new_events, 1, "{late:?}");
    assert_eq!(w.stored_ids().await.len(), before + 1);
    let again = w.ingester.run_once().await.expect("another run");
    assert_eq!(again.new_events, 0, "{again:?}");
    w.assert_exact_copy().await;
}

/// An event Airtable publishes later than the ones after it (a straggler) is behind the
/// cursor by the time it appears: following `next` never returns it. The late-window sweep
/// stores it; without the sweep's window (zero minutes) the copy would miss it for good,
/// which the second world shows.
#[tokio::test]
async fn a_straggler_the_cursor_passed_is_stored_by_the_late_window_sweep() {
    let extra = std::time::Duration::from_secs(2);
    for (late_window, sweep_finds_it) in [
        (chrono::Duration::minutes(15), true),
        (chrono::Duration::zero(), false),
    ] {
        let w = world_with(
            SimConfig {
                // Every second recorded event: of the three below, the middle one.
                audit_stragglers: Some(airtable_sim::AuditStragglers { every: 2, extra }),
                ..SimConfig::default()
            },
            IngestSettings {
                late_window,
                ..IngestSettings::default()
            },
        )
        .await;
        w.ingester.run_once().await.expect("backfill");
        let before = w.stored_ids().await.len();
        for someone in w.sim.info().non_admins.iter().take(3) {
            w.log_out_at_airtable(&someone.id).await;
            // Apart in time, so the straggler is strictly older than the newest event.
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let on_time = w.ingester.run_once().await.expect("run before it appears");
        assert_eq!(on_time.new_events, 2, "{on_time:?}");
        tokio::time::sleep(extra + std::time::Duration::from_millis(500)).await;
        let late = w.ingester.run_once().await.expect("run after it appeared");
        let stored = w.stored_ids().await.len();
        if sweep_finds_it {
            assert_eq!(late.new_events, 1, "{late:?}");
            assert_eq!(stored, before + 3);
            w.assert_exact_copy().await;
        } else {
            assert_eq!(late.new_events, 0, "{late:?}");
            assert_eq!(stored, before + 2, "the cursor alone misses the straggler");
        }
    }
}

#[tokio::test]
async fn a_database_failure_at_any_page_loses_and_repeats_nothing() {
    let w = world().await;
    let pages = pages_of_a_backfill().await;
    assert!(pages >= 3);
    // Run k stores one page more than run k-1 and then fails: every page of the walk is,
    // in turn, the one whose transaction fails.
    for page in 1..=pages {
        w.fail_storing_page(if page == 1 { 1 } else { 2 }).await;
        let failed = w.ingester.run_once().await;
        assert!(
            failed.is_err(),
            "page {page}: the injected failure surfaces"
        );
        assert_eq!(
            stored_pages(&w).await,
            page - 1,
            "page {page}: the pages before it are kept"
        );
        let status = console_core::audit::status::read(&w.db, true)
            .await
            .expect("status");
        assert!(
            status.last_error.is_some(),
            "page {page}: the failure is shown in plain words"
        );
        // What was committed before the failure is consistent: counter = rows.
        assert_eq!(w.counter().await, w.stored_ids().await.len() as i64);
        w.heal_database().await;
    }
    w.ingester.run_once().await.expect("run after healing");
    w.assert_exact_copy().await;
    let status = console_core::audit::status::read(&w.db, true)
        .await
        .expect("status");
    assert_eq!(status.last_error, None, "a good run clears the error");
}

#[tokio::test]
async fn an_airtable_failure_at_any_page_loses_and_repeats_nothing() {
    let w = world().await;
    let pages = pages_of_a_backfill().await;
    for page in 1..=pages {
        // Store one more page than before (the database stops the run after it)...
        if page > 1 {
            w.fail_storing_page(2).await;
            let _ = w.ingester.run_once().await;
            w.heal_database().await;
        }
        assert_eq!(stored_pages(&w).await, page - 1);
        // ...then Airtable fails the next fetch, with a 503 or a dropped connection.
        let rule = if page % 2 == 0 {
            serde_json::json!({"path": "/v0/meta/enterpriseAccounts/*", "rate5xx": 1.0, "serverErrorStatus": 503})
        } else {
            serde_json::json!({"path": "/v0/meta/enterpriseAccounts/*", "dropRate": 1.0})
        };
        w.faults(serde_json::json!({"seed": page, "rules": [rule]}))
            .await;
        let failed = w.ingester.run_once().await;
        assert!(failed.is_err(), "page {page}: Airtable's failure surfaces");
        w.no_faults().await;
        assert_eq!(w.counter().await, w.stored_ids().await.len() as i64);
    }
    w.ingester
        .run_once()
        .await
        .expect("run after Airtable recovers");
    w.assert_exact_copy().await;
}

#[tokio::test]
async fn two_runners_at_once_store_each_event_once() {
    let w = world().await;
    let (a, b) = tokio::join!(w.ingester.run_once(), w.ingester.run_once());
    a.expect("first runner");
    b.expect("second runner");
    w.assert_exact_copy().await;
}

#[tokio::test]
async fn a_damaged_cursor_is_reported_not_a_crash() {
    let w = world().await;
    sqlx::query("UPDATE audit_sync SET cursor = 'not a cursor'")
        .execute(&w.db)
        .await
        .expect("damage");
    let error = w.ingester.run_once().await.expect_err("refused");
    assert!(
        error.user_message().contains("reset the audit sync"),
        "{error}"
    );
}

/// A run leaves the copy ready for its searches (migration `maintain_audit_copy`): the
/// planner's statistics count its events and the full-text index has nothing left pending,
/// also for a console that runs as a role owning no table; a run that adds little analyzes
/// nothing again.
#[tokio::test]
async fn a_run_leaves_the_copy_analyzed_and_its_text_index_merged_even_for_a_role_that_owns_nothing(
) {
    let owner_url = common::fresh_database_url();
    let runtime = common::prepare_as_runtime_role(&owner_url).await;
    let owner = PgPool::connect(&owner_url).await.expect("owner");
    sqlx::query("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        .execute(&owner)
        .await
        .expect("pgstattuple (PostgreSQL's contrib modules)");
    let sim = common::spawn_tiny_sim(SimConfig::default()).await;
    let client = common::sim_client_builder(&sim).build().expect("client");
    let ingester = AuditIngester::new(
        runtime.clone(),
        client,
        common::sim_enterprise(&sim),
        IngestSettings {
            page_size: PAGE_SIZE,
            ..IngestSettings::default()
        },
    );
    let state = || async {
        sqlx::query_as::<_, (i64, f32, i64)>(
            "SELECT s.analyze_count, c.reltuples,
                    (SELECT pending_tuples FROM pgstatginindex('audit_events_search'))
               FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
              WHERE s.relname = 'audit_events'",
        )
        .fetch_one(&owner)
        .await
        .expect("statistics")
    };
    assert_eq!(state().await.0, 0, "a fresh database was analyzed already");

    let first = ingester.run_once().await.expect("backfill");
    assert!(first.new_events > 0, "{first:?}");
    let (analyzed, rows_counted, pending) = state().await;
    assert_eq!(analyzed, 1, "the copy was not analyzed");
    assert_eq!(rows_counted as u64, first.new_events);
    assert_eq!(
        pending, 0,
        "entries left in the full-text index's pending list"
    );

    let second = ingester.run_once().await.expect("a run with nothing new");
    assert!(second.new_events < 500, "{second:?}");
    assert_eq!(state().await.0, 1, "analyzed again for {second:?}");

    drop((runtime, owner));
    common::drop_database(&owner_url);
}

/// Pages stored so far, counted from the stored events (the pages are `PAGE_SIZE` long).
async fn stored_pages(w: &World) -> i64 {
    let stored = w.stored_ids().await.len() as i64;
    (stored + i64::from(PAGE_SIZE) - 1) / i64::from(PAGE_SIZE)
}

mod through_the_console {
    //! The same, as people use it: the scheduler in the running console, "Sync now".
    use super::common::session::{post_form, whoami};
    use super::common::TestConsole;

    /// Presses "Sync now" as `browser`'s person.
    async fn sync_now(t: &TestConsole, browser: &reqwest::Client, csrf: &str) {
        let response = post_form(t, browser, "/api/audit/sync/now", &[("csrf_token", csrf)]).await;
        assert!(response.status().is_success(), "{}", response.status());
    }

    #[tokio::test]
    async fn sync_now_runs_the_ingester_and_picks_up_the_sign_in() {
        let t = TestConsole::start().await;
        let admin = t.sim().info().admins[0].clone();
        let browser = t.admin_browser().await;
        let me = whoami(&t, &browser).await;
        let csrf = me["csrf_token"].as_str().expect("token").to_string();
        let db = t.db().await;
        for round in 0..2 {
            let before: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events")
                .fetch_one(&db)
                .await
                .expect("count");
            sync_now(&t, &browser, &csrf).await;
            let mut after = before;
            for _ in 0..100 {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                let done: bool = sqlx::query_scalar(
                    "SELECT requested_at IS NULL AND run_finished_at IS NOT NULL FROM audit_sync",
                )
                .fetch_one(&db)
                .await
                .expect("state");
                if done {
                    after = sqlx::query_scalar("SELECT count(*) FROM audit_events")
                        .fetch_one(&db)
                        .await
                        .expect("count");
                    break;
                }
            }
            assert!(
                after > before,
                "round {round}: new events were copied ({before} → {after})"
            );
            // Something new for the second round: a sign-in is an audit event.
            let _ = t.sign_in(&t.browser(), &admin.email).await;
        }
    }

    /// The overview's recent risky events are one search shared by every viewer for a few
    /// seconds, and a sync that stores events forgets it: a deletion copied a moment after
    /// the card was read is on the card at the next read.
    #[tokio::test]
    async fn a_copied_deletion_is_on_the_overview_card_at_the_next_read() {
        let t = TestConsole::start().await;
        let browser = t.admin_browser().await;
        let me = whoami(&t, &browser).await;
        let csrf = me["csrf_token"].as_str().expect("token").to_string();
        let db = t.db().await;
        let card = || async {
            let listed: serde_json::Value = browser
                .get(t.url("/api/overview/risky-events"))
                .send()
                .await
                .expect("card")
                .json()
                .await
                .expect("json");
            listed.as_array().cloned().expect("a list")
        };
        let users = super::common::session::all_sim_users(&t).await;
        let leaver = users
            .iter()
            .find(|u| u.is_managed == Some(true) && u.is_admin != Some(true))
            .expect("a managed user");
        let shows_leaver = |listed: &[serde_json::Value]| {
            listed
                .iter()
                .any(|e| e["action"] == "deleteUser" && e["model_id"] == leaver.id.as_str())
        };
        assert!(!shows_leaver(&card().await), "not deleted yet");
        super::common::session::sim_client(&t)
            .enterprise(&super::common::session::enterprise(&t))
            .user(&leaver.id)
            .delete()
            .await
            .expect("delete in Airtable");
        sync_now(&t, &browser, &csrf).await;
        // Read the card all along: what is kept was read moments before the copy stored
        // the deletion, well within the time a card is kept.
        let mut copied = false;
        for _ in 0..200 {
            card().await;
            copied = sqlx::query_scalar(
                "SELECT requested_at IS NULL AND run_finished_at IS NOT NULL FROM audit_sync",
            )
            .fetch_one(&db)
            .await
            .expect("state");
            if copied {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(copied, "the sync finished");
        let listed = card().await;
        assert!(
            shows_leaver(&listed),
            "the deletion is on the card: {listed:?}"
        );
    }
}
