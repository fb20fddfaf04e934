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
//! Each process keeps its own copy (several console processes share one Postgres, not
//! memory): with N processes the enterprise is read at most N times a period, and a
//! change made through one process shows in another after at most one period. Concurrent
//! misses in one process make one Airtable call (moka's `try_get_with` runs one loader per
//! key and hands its result to every waiter).

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use console_types::{
    api::ConsoleError,
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
            self.cache.invalidate(key).await;
        }
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
        Ok(entry.into_value())
    }

    /// Forgets every kept read of this kind.
    fn forget_all(&self) {
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
    ttl: Duration,
}

/// How many objects of each kind a process keeps (people look at a handful at a time).
const OBJECTS_KEPT: u64 = 1_000;

impl LiveReads {
    /// Reads kept for `ttl` (`CONSOLE_LIVE_READ_SECONDS`); zero keeps nothing.
    pub fn new(ttl: Duration) -> Self {
        Self {
            enterprise: Shared::new("enterprise", ttl, 1),
            users: Shared::new("user", ttl, OBJECTS_KEPT),
            workspaces: Shared::new("workspace", ttl, OBJECTS_KEPT),
            bases: Shared::new("base", ttl, OBJECTS_KEPT),
            groups: Shared::new("group", ttl, OBJECTS_KEPT),
            ttl,
        }
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

    /// Forgets the enterprise's record: a change went through (or someone asked for a
    /// refresh), so the next page reads it again.
    pub async fn forget_enterprise(&self) {
        self.enterprise.cache.invalidate("").await;
    }

    /// Forgets every kept user, workspace, base and group: a change went through that may
    /// have touched any of them.
    pub fn forget_objects(&self) {
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
