//! Live reads that pages share for a short while, so that page views do not spend the
//! Airtable rate budget (50 requests a second per token, a 30 s lock-out after a 429) that
//! bulk jobs, approvals and the audit copy need.
//!
//! What may be shared between people: every console user is an admin of the same
//! enterprise, and the enterprise's own record (its domains, how many users, groups,
//! workspaces and descendants it has) reads the same whoever asks, so one read serves
//! everyone for [`LiveReads::ttl`]. Reads that depend on who asks (whoami, a person's own
//! token) are never kept here. A page shows the "as of" time of what it shows, and offers
//! a refresh; changes made through the console forget what they touch.
//!
//! Each process keeps its own copy (several console processes share one Postgres, not
//! memory): with N processes the enterprise is read at most N times a period. Concurrent
//! misses in one process make one Airtable call (moka's `try_get_with` runs one loader per
//! key and hands its result to every waiter).

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use console_types::api::ConsoleError;
use moka::future::Cache;

/// One read and when it was made.
#[derive(Clone, Debug)]
pub struct Read<T> {
    pub value: T,
    pub as_of: DateTime<Utc>,
}

/// What is kept: one entry per kind of shared read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Key {
    Enterprise,
}

/// The shared reads of one console process.
#[derive(Clone)]
pub struct LiveReads {
    enterprise: Cache<Key, Arc<Read<airtable_client::models::EnterpriseInfo>>>,
    ttl: Duration,
}

impl LiveReads {
    /// Reads kept for `ttl` (`CONSOLE_LIVE_READ_SECONDS`); zero keeps nothing.
    pub fn new(ttl: Duration) -> Self {
        Self {
            enterprise: Cache::builder()
                .max_capacity(1)
                .time_to_live(ttl.max(Duration::from_millis(1)))
                .build(),
            ttl,
        }
    }

    /// How long a read is kept.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The enterprise's record: kept, or read now through `load` (one call however many
    /// pages ask at once).
    pub async fn enterprise<F>(
        &self,
        load: F,
    ) -> Result<Arc<Read<airtable_client::models::EnterpriseInfo>>, ConsoleError>
    where
        F: std::future::Future<
            Output = Result<airtable_client::models::EnterpriseInfo, ConsoleError>,
        >,
    {
        if self.ttl.is_zero() {
            return Ok(Arc::new(Read {
                value: load.await?,
                as_of: Utc::now(),
            }));
        }
        let entry = self
            .enterprise
            .entry(Key::Enterprise)
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
        metrics::counter!("console_live_reads_total", "read" => "enterprise", "outcome" => outcome)
            .increment(1);
        Ok(entry.into_value())
    }

    /// Forgets the enterprise's record: a change went through (or someone asked for a
    /// refresh), so the next page reads it again.
    pub async fn forget_enterprise(&self) {
        self.enterprise.invalidate(&Key::Enterprise).await;
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
                tokio::spawn(async move { reads.enterprise(load(calls)).await.map(|r| r.as_of) })
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
        reads.enterprise(load(calls.clone())).await.expect("read");
        assert_eq!(calls.load(Ordering::SeqCst), 2, "forgotten, so read again");
    }

    #[tokio::test]
    async fn a_failed_read_is_not_kept_and_zero_keeps_nothing() {
        let reads = LiveReads::new(Duration::from_secs(60));
        let failed = reads
            .enterprise(async { Err(ConsoleError::Airtable("down".into())) })
            .await;
        assert!(failed.is_err());
        assert!(reads.enterprise(async { Ok(account()) }).await.is_ok());

        let none = LiveReads::new(Duration::ZERO);
        let calls = Arc::new(AtomicUsize::new(0));
        for _ in 0..3 {
            let calls = calls.clone();
            none.enterprise(async move {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok(account())
            })
            .await
            .expect("read");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }
}
