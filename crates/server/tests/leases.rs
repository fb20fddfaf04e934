//! Leases on a real Postgres: of processes trying at once exactly one holds a lease; a
//! holder that dies is taken over once its lease expires; work run under a lease runs in
//! one process at a time, and stops when the lease is taken from it.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use console_core::leases::{Leases, Ran};

struct Db {
    pool: sqlx::PgPool,
    url: String,
}

impl Drop for Db {
    fn drop(&mut self) {
        common::drop_database(&self.url);
    }
}

async fn db() -> Db {
    let (pool, url) = common::fresh_database("leases_test").await;
    Db { pool, url }
}

fn process(db: &Db, name: &str) -> Leases {
    Leases::new(db.pool.clone(), name)
}

#[tokio::test]
async fn of_many_processes_trying_at_once_exactly_one_holds_it() {
    let db = db().await;
    let tries = (0..12).map(|i| {
        let leases = process(&db, &format!("process-{i}"));
        async move { leases.try_take("audit-sync", Duration::from_secs(30)).await }
    });
    let held: Vec<_> = futures::future::join_all(tries)
        .await
        .into_iter()
        .filter_map(|r| r.expect("the database answers"))
        .collect();
    assert_eq!(held.len(), 1, "exactly one holder");
    let holder = process(&db, "anyone")
        .holder_of("audit-sync")
        .await
        .expect("holder");
    assert!(holder.is_some_and(|h| h.starts_with("process-")));
}

#[tokio::test]
async fn a_dead_holders_lease_is_taken_over_once_it_expires_and_not_before() {
    let db = db().await;
    let (a, b) = (process(&db, "a"), process(&db, "b"));
    let period = Duration::from_secs(2);
    // `a` takes it, then "dies": it never renews nor gives it back.
    let held = a.try_take("snapshots", period).await.expect("db");
    assert!(held.is_some());
    drop(held);
    assert!(
        b.try_take("snapshots", period).await.expect("db").is_none(),
        "still a's within its period"
    );
    tokio::time::sleep(period + Duration::from_millis(300)).await;
    let taken = b.try_take("snapshots", period).await.expect("db");
    assert!(taken.is_some(), "expired: b takes it over");
    assert_eq!(
        b.holder_of("snapshots").await.expect("db").as_deref(),
        Some("b")
    );
    let generation: i64 =
        sqlx::query_scalar("SELECT generation FROM leases WHERE name = 'snapshots'")
            .fetch_one(&db.pool)
            .await
            .expect("generation");
    assert_eq!(generation, 2, "one change of hands");
    // `a`, back from the dead, finds it taken and cannot renew what it lost.
    assert!(a.try_take("snapshots", period).await.expect("db").is_none());
}

#[tokio::test]
async fn a_lease_given_back_is_free_at_once() {
    let db = db().await;
    let (a, b) = (process(&db, "a"), process(&db, "b"));
    let held = a
        .try_take("mail-sender", Duration::from_secs(60))
        .await
        .expect("db")
        .expect("free");
    held.release().await.expect("give back");
    assert!(b
        .try_take("mail-sender", Duration::from_secs(60))
        .await
        .expect("db")
        .is_some());
    // And on a graceful stop, everything a process holds goes back in one step.
    b.try_take("approval-sweeper", Duration::from_secs(60))
        .await
        .expect("db")
        .expect("free");
    assert_eq!(b.release_all().await.expect("db"), 2);
    assert!(a
        .try_take("approval-sweeper", Duration::from_secs(60))
        .await
        .expect("db")
        .is_some());
}

/// Three processes run the same scheduled work as often as they can: it never runs in two
/// of them at once, and a run longer than the lease period keeps its lease by renewing.
#[tokio::test]
async fn work_under_a_lease_never_runs_twice_at_once() {
    let db = db().await;
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let runs = Arc::new(AtomicUsize::new(0));
    let period = Duration::from_millis(600);
    let workers = (0..3).map(|i| {
        let leases = process(&db, &format!("process-{i}"));
        let (running, most, runs) = (running.clone(), most.clone(), runs.clone());
        async move {
            for _ in 0..6 {
                let ran = leases
                    .run_exclusive("audit-sync", period, async {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        // Longer than the period: only renewals keep the lease.
                        tokio::time::sleep(period + Duration::from_millis(300)).await;
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
                    .expect("db");
                match ran {
                    Ran::Done(()) => {
                        runs.fetch_add(1, Ordering::SeqCst);
                    }
                    Ran::HeldElsewhere => tokio::time::sleep(Duration::from_millis(50)).await,
                    Ran::Lost | Ran::Stopped => panic!("a renewing holder lost its lease"),
                }
            }
        }
    });
    futures::future::join_all(workers).await;
    assert_eq!(most.load(Ordering::SeqCst), 1, "never two at once");
    assert!(runs.load(Ordering::SeqCst) >= 1);
}

/// A holder whose lease is taken from it (it stopped renewing in time: here, the row is
/// made to expire) stops its work at the next renewal instead of running on beside the new
/// holder.
#[tokio::test]
async fn work_whose_lease_is_taken_over_stops() {
    let db = db().await;
    let a = process(&db, "a");
    let period = Duration::from_millis(900);
    let pool = db.pool.clone();
    let finished = Arc::new(AtomicUsize::new(0));
    let done = finished.clone();
    let ran = a
        .run_exclusive("bulk-job:1", period, async move {
            // Another process takes the lease over, as after a long pause of this one.
            sqlx::query("UPDATE leases SET holder = 'b', generation = generation + 1")
                .execute(&pool)
                .await
                .expect("take over");
            tokio::time::sleep(period * 3).await;
            done.fetch_add(1, Ordering::SeqCst);
        })
        .await
        .expect("db");
    assert_eq!(ran, Ran::Lost);
    assert_eq!(finished.load(Ordering::SeqCst), 0, "stopped before the end");
    assert_eq!(
        a.holder_of("bulk-job:1").await.expect("db").as_deref(),
        Some("b"),
        "the new holder keeps it"
    );
}

/// A process that is stopping hands its work back at once (another process takes the lease
/// without waiting for it to expire) and starts nothing new.
#[tokio::test]
async fn a_stopping_process_hands_its_work_back() {
    let db = db().await;
    let shutdown = console_core::shutdown::Shutdown::new();
    let a = process(&db, "a").with_shutdown(shutdown.clone());
    let b = process(&db, "b");
    let period = Duration::from_secs(60);
    let stopper = {
        let shutdown = shutdown.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            shutdown.trigger();
        }
    };
    let (ran, ()) = tokio::join!(
        a.run_exclusive(
            "audit-sync",
            period,
            tokio::time::sleep(Duration::from_secs(30))
        ),
        stopper
    );
    assert_eq!(ran.expect("db"), Ran::Stopped);
    assert!(
        b.try_take("audit-sync", period)
            .await
            .expect("db")
            .is_some(),
        "free at once, not after its 60 s"
    );
    let again = a
        .run_exclusive("snapshots", period, async {})
        .await
        .expect("db");
    assert_eq!(again, Ran::Stopped, "nothing new starts");
}

/// A hold that expired is over even when this same process takes the lease again (for
/// other work, or a second runner of the same job): the old hold can neither renew nor
/// give back the new one, so the work under it learns it lost the lease.
#[tokio::test]
async fn an_expired_hold_cannot_renew_or_release_the_next_one_even_in_the_same_process() {
    let db = db().await;
    let a = process(&db, "a");
    let period = Duration::from_millis(500);
    let old = a
        .try_take("bulk-job:2", period)
        .await
        .expect("db")
        .expect("free");
    tokio::time::sleep(period + Duration::from_millis(200)).await;
    let new = a
        .try_take("bulk-job:2", Duration::from_secs(60))
        .await
        .expect("db")
        .expect("expired: taken again");
    assert!(!old.renew().await.expect("db"), "the old hold is over");
    old.release().await.expect("db");
    assert_eq!(
        a.holder_of("bulk-job:2").await.expect("db").as_deref(),
        Some("a"),
        "the old hold's release left the new one in place"
    );
    assert!(new.renew().await.expect("db"));
}
