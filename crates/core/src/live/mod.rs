//! Live reads that pages share for a short while, so that page views do not spend the
//! Airtable rate budget (50 requests a second per token, a 30 s lock-out after a 429) that
//! bulk jobs, approvals and the audit copy need.
//!
//! What may be shared between people: every console user is an admin of the same
//! enterprise, and what Airtable says of the enterprise, of one user, one workspace, one
//! base or one group reads the same whoever asks (the console's roles decide what people
//! may *do*, not what they may see), so one read serves everyone for [`LiveReads::ttl`].
//! Reads that depend on who asks (whoami, a person's own token) are never kept here. A
//! page shows when what it shows was read, and offers a refresh.
//!
//! Changes made through the console forget what they may have touched: creating a
//! workspace or a descendant and every approved Airtable action forget the enterprise's
//! record, and every change recorded in the action log (direct changes, approved actions,
//! bulk jobs' steps) forgets every kept user, workspace, base and group — coarse, but no
//! change is missed by the next read, and a page view after a change costs one read. (A
//! read already under way when the change is made may still be kept, for at most one
//! period; moka forgets only what is stored when asked.)
//!
//! A read already under way when a change is made is handed to whoever waited for it but
//! not kept: each kind counts how often it was forgotten, and a read that finds the count
//! moved while it loaded forgets itself.
//!
//! Each process keeps its own copy (several console processes share one Postgres, not
//! memory): with N processes the enterprise is read at most N times a period. What one
//! process forgets it tells the others through Postgres (`NOTIFY`, see [`peers`]), so a
//! change made through one process shows in every other at its next view. Concurrent
//! misses in one process make one Airtable call (moka's `try_get_with` runs one loader per
//! key and hands its result to every waiter).

pub mod peers;

use std::sync::atomic::{AtomicU64, Ordering};
use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use console_types::{
    api::{AuditEventRow, ConsoleError},
    directory::{BaseDetail, GroupDetail, WorkspaceDetail},
    people::UserDetail,
};
use moka::future::Cache;

/// One read and when it was made.
#[derive(Clone, Debug)]
pub struct Read<T> {
    pub value: T,
    pub as_of: DateTime<Utc>,
}

/// One kind of shared read, kept by key (an object's ID; the enterprise has one key).
#[derive(Clone)]
pub struct Shared<T> {
    cache: Cache<String, Arc<Read<T>>>,
    /// The metric label (`console_live_reads_total{read=…}`).
    what: &'static str,
    /// False with a zero period: every view reads.
    keep: bool,
    /// How many times this kind was forgotten (all of it, or one key): a read that began
    /// before a forgetting is not kept.
    forgotten: Arc<AtomicU64>,
}

impl<T: Send + Sync + 'static> Shared<T> {
    fn new(what: &'static str, ttl: Duration, capacity: u64) -> Self {
        Self {
            cache: Cache::builder()
                .max_capacity(capacity)
                .time_to_live(ttl.max(Duration::from_millis(1)))
                .build(),
            what,
            keep: !ttl.is_zero(),
            forgotten: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The read kept for `key`, or one made now through `load` (one call however many
    /// pages ask at once). `refresh` forgets the kept one first. Failures are not kept.
    pub async fn read<F>(
        &self,
        key: &str,
        refresh: bool,
        load: F,
    ) -> Result<Arc<Read<T>>, ConsoleError>
    where
        F: std::future::Future<Output = Result<T, ConsoleError>>,
    {
        if !self.keep {
            return Ok(Arc::new(Read {
                value: load.await?,
                as_of: Utc::now(),
            }));
        }
        if refresh {
            self.forget(key).await;
        }
        let forgotten_before = self.forgotten.load(Ordering::SeqCst);
        let entry = self
            .cache
            .entry(key.to_string())
            .or_try_insert_with(async move {
                load.await.map(|value| {
                    Arc::new(Read {
                        value,
                        as_of: Utc::now(),
                    })
                })
            })
            .await
            .map_err(|shared: Arc<ConsoleError>| (*shared).clone())?;
        let outcome = if entry.is_fresh() { "miss" } else { "hit" };
        metrics::counter!("console_live_reads_total", "read" => self.what, "outcome" => outcome)
            .increment(1);
        if entry.is_fresh() && self.forgotten.load(Ordering::SeqCst) != forgotten_before {
            // A change went through while this read was on its way: it may predate the
            // change, so it serves those who waited for it and no one after them.
            self.cache.invalidate(key).await;
        }
        Ok(entry.into_value())
    }

    /// Forgets the kept read of `key`.
    async fn forget(&self, key: &str) {
        self.forgotten.fetch_add(1, Ordering::SeqCst);
        self.cache.invalidate(key).await;
    }

    /// Forgets every kept read of this kind.
    fn forget_all(&self) {
        self.forgotten.fetch_add(1, Ordering::SeqCst);
        self.cache.invalidate_all();
    }
}

/// The shared reads of one console process.
#[derive(Clone)]
pub struct LiveReads {
    enterprise: Shared<airtable_client::models::EnterpriseInfo>,
    /// One user as the user page shows them (`users::get`).
    pub users: Shared<UserDetail>,
    /// One workspace as its page shows it (`workspaces::get`).
    pub workspaces: Shared<WorkspaceDetail>,
    /// One base as its page shows it (`bases::get`).
    pub bases: Shared<BaseDetail>,
    /// One group as its page shows it (`groups::get`).
    pub groups: Shared<GroupDetail>,
    /// The overview's newest risky events from the audit copy (`audit::recent_risky_events`),
    /// kept [`RISKY_EVENTS_KEPT`] at most: see there.
    risky_events: Shared<Vec<AuditEventRow>>,
    ttl: Duration,
    /// Where forgetting is told to the other console processes (none in unit tests).
    peers: Option<peers::Peers>,
}

/// How many objects of each kind a process keeps (people look at a handful at a time).
const OBJECTS_KEPT: u64 = 1_000;

/// How long the overview's recent risky events are kept (less when
/// `CONSOLE_LIVE_READ_SECONDS` is less; nothing when it is zero).
///
/// Not a read from Airtable but a search of the audit copy, the same for every viewer, and
/// the dearest part of the overview: its own transaction (the search's plan is reused, see
/// `audit::search::search_with_reused_plan`), fifteen index branches and the names — 1.1 ms
/// of the overview's 2.6 ms of CPU under load (docs/BENCHMARKS.md). The copy changes only
/// when the audit copy stores events, which forgets the kept list in the process that
/// copied ([`LiveReads::forget_risky_events`]); another process shows them at most this
/// much later, against a copy that follows Airtable by minutes.
pub const RISKY_EVENTS_KEPT: Duration = Duration::from_secs(5);

impl LiveReads {
    /// Reads kept for `ttl` (`CONSOLE_LIVE_READ_SECONDS`); zero keeps nothing.
    pub fn new(ttl: Duration) -> Self {
        Self {
            enterprise: Shared::new("enterprise", ttl, 1),
            users: Shared::new("user", ttl, OBJECTS_KEPT),
            workspaces: Shared::new("workspace", ttl, OBJECTS_KEPT),
            bases: Shared::new("base", ttl, OBJECTS_KEPT),
            groups: Shared::new("group", ttl, OBJECTS_KEPT),
            risky_events: Shared::new("risky_events", ttl.min(RISKY_EVENTS_KEPT), 4),
            ttl,
            peers: None,
        }
    }

    /// Tells what this process forgets to the other console processes on `db`, and
    /// forgets what they tell (see [`peers::spawn_listener`], which must run too).
    pub fn told_to_peers(mut self, peers: peers::Peers) -> Self {
        self.peers = Some(peers);
        self
    }

    /// How long a read is kept.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The enterprise's record: kept, or read now through `load` (one call however many
    /// pages ask at once); `refresh` forgets the kept one first.
    pub async fn enterprise<F>(
        &self,
        refresh: bool,
        load: F,
    ) -> Result<Arc<Read<airtable_client::models::EnterpriseInfo>>, ConsoleError>
    where
        F: std::future::Future<
            Output = Result<airtable_client::models::EnterpriseInfo, ConsoleError>,
        >,
    {
        self.enterprise.read("", refresh, load).await
    }

    /// The `how_many` newest risky events: kept, or searched now through `load` (one
    /// search however many pages ask at once).
    pub async fn risky_events<F>(
        &self,
        how_many: i64,
        load: F,
    ) -> Result<Arc<Read<Vec<AuditEventRow>>>, ConsoleError>
    where
        F: std::future::Future<Output = Result<Vec<AuditEventRow>, ConsoleError>>,
    {
        self.risky_events
            .read(&how_many.to_string(), false, load)
            .await
    }

    /// Forgets the kept risky events in this process: the audit copy stored events.
    pub fn forget_risky_events(&self) {
        self.risky_events.forget_all();
    }

    /// Forgets the enterprise's record, here and in the other console processes: a change
    /// went through, so the next page reads it again.
    pub async fn forget_enterprise(&self) {
        self.forget(peers::Forget::Enterprise).await;
    }

    /// Forgets every kept user, workspace, base and group, here and in the other console
    /// processes: a change went through that may have touched any of them.
    pub async fn forget_objects(&self) {
        self.forget(peers::Forget::Objects).await;
    }

    async fn forget(&self, what: peers::Forget) {
        self.forget_here(what).await;
        if let Some(peers) = &self.peers {
            peers.tell(what).await;
        }
    }

    /// Forgets in this process only (what a peer told, or what this one changed).
    async fn forget_here(&self, what: peers::Forget) {
        match what {
            peers::Forget::Enterprise => self.enterprise.forget("").await,
            peers::Forget::Objects => self.forget_objects_here(),
            peers::Forget::Everything => {
                self.enterprise.forget_all();
                self.forget_objects_here();
                self.risky_events.forget_all();
            }
        }
    }

    fn forget_objects_here(&self) {
        self.users.forget_all();
        self.workspaces.forget_all();
        self.bases.forget_all();
        self.groups.forget_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn account() -> airtable_client::models::EnterpriseInfo {
        serde_json::from_value(serde_json::json!({
            "id": "entUBq2RGdihxl3vU",
            "createdTime": "2019-01-03T12:33:12.421Z",
            "emailDomains": [],
            "groupIds": [],
            "userIds": [],
            "workspaceIds": []
        }))
        .expect("an enterprise account")
    }

    #[tokio::test]
    async fn concurrent_misses_make_one_read_and_forgetting_reads_again() {
        let reads = LiveReads::new(Duration::from_secs(60));
        let calls = Arc::new(AtomicUsize::new(0));
        let load = |calls: Arc<AtomicUsize>| async move {
            calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(account())
        };
        let waiting: Vec<_> = (0..20)
            .map(|_| {
                let reads = reads.clone();
                let calls = calls.clone();
                tokio::spawn(
                    async move { reads.enterprise(false, load(calls)).await.map(|r| r.as_of) },
                )
            })
            .collect();
        let mut seen = Vec::new();
        for task in waiting {
            seen.push(task.await.expect("joined").expect("read"));
        }
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "twenty pages, one Airtable call"
        );
        assert!(
            seen.windows(2).all(|w| w[0] == w[1]),
            "everyone sees the same read"
        );

        reads.forget_enterprise().await;
        reads
            .enterprise(false, load(calls.clone()))
            .await
            .expect("read");
        assert_eq!(calls.load(Ordering::SeqCst), 2, "forgotten, so read again");
    }

    /// The risky events are kept per length asked, forgotten when the copy stores events,
    /// and kept no longer than the live reads (nothing when those are not kept).
    #[tokio::test]
    async fn risky_events_are_kept_per_length_and_forgotten_on_copy() {
        let searches = Arc::new(AtomicUsize::new(0));
        let search = |searches: Arc<AtomicUsize>| async move {
            searches.fetch_add(1, Ordering::SeqCst);
            Ok(Vec::new())
        };
        let reads = LiveReads::new(Duration::from_secs(60));
        for how_many in [8, 8, 20, 8, 20] {
            reads
                .risky_events(how_many, search(searches.clone()))
                .await
                .expect("read");
        }
        assert_eq!(searches.load(Ordering::SeqCst), 2, "one search per length");
        reads.forget_risky_events();
        reads
            .risky_events(8, search(searches.clone()))
            .await
            .expect("read");
        assert_eq!(
            searches.load(Ordering::SeqCst),
            3,
            "forgotten, so searched again"
        );
        // Other kept reads are not forgotten with them (nor they with the others).
        reads.forget_objects().await;
        reads
            .risky_events(8, search(searches.clone()))
            .await
            .expect("read");
        assert_eq!(searches.load(Ordering::SeqCst), 3);

        let unkept = LiveReads::new(Duration::ZERO);
        for _ in 0..2 {
            unkept
                .risky_events(8, search(searches.clone()))
                .await
                .expect("read");
        }
        assert_eq!(searches.load(Ordering::SeqCst), 5, "zero keeps nothing");
    }

    #[tokio::test]
    async fn a_failed_read_is_not_kept_and_zero_keeps_nothing() {
        let reads = LiveReads::new(Duration::from_secs(60));
        let failed = reads
            .enterprise(false, async { Err(ConsoleError::Airtable("down".into())) })
            .await;
        assert!(failed.is_err());
        assert!(reads
            .enterprise(false, async { Ok(account()) })
            .await
            .is_ok());

        let none = LiveReads::new(Duration::ZERO);
        let calls = Arc::new(AtomicUsize::new(0));
        for _ in 0..3 {
            let calls = calls.clone();
            none.enterprise(false, async move {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok(account())
            })
            .await
            .expect("read");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_read_under_way_when_a_change_goes_through_is_not_kept() {
        let reads = LiveReads::new(Duration::from_secs(60));
        let calls = Arc::new(AtomicUsize::new(0));
        let slow = {
            let reads = reads.clone();
            let calls = calls.clone();
            tokio::spawn(async move {
                reads
                    .enterprise(false, async move {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        Ok(account())
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        reads.forget_enterprise().await;
        slow.await
            .expect("joined")
            .expect("the waiting page gets its read");
        let counting = calls.clone();
        reads
            .enterprise(false, async move {
                counting.fetch_add(1, Ordering::SeqCst);
                Ok(account())
            })
            .await
            .expect("read");
        assert_eq!(
            calls.load(Ordering::SeqCst),
            2,
            "the read that began before the change was not kept"
        );
    }

    #[tokio::test]
    async fn objects_are_kept_by_id_until_refreshed_or_forgotten() {
        let calls = Arc::new(AtomicUsize::new(0));
        let load = |calls: Arc<AtomicUsize>, id: &'static str| async move {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ConsoleError>(id.to_string())
        };
        let names: Shared<String> = Shared::new("test", Duration::from_secs(60), 10);
        for _ in 0..3 {
            for id in ["usrA", "usrB"] {
                let read = names.read(id, false, load(calls.clone(), id)).await;
                assert_eq!(read.expect("read").value, id, "each key its own read");
            }
        }
        assert_eq!(calls.load(Ordering::SeqCst), 2, "one read per key");
        names
            .read("usrA", true, load(calls.clone(), "usrA"))
            .await
            .expect("read");
        assert_eq!(calls.load(Ordering::SeqCst), 3, "a refresh reads again");
        names.forget_all();
        names
            .read("usrB", false, load(calls.clone(), "usrB"))
            .await
            .expect("read");
        assert_eq!(calls.load(Ordering::SeqCst), 4, "forgotten, so read again");
    }
}
