//! The session store: Postgres behind an in-memory cache, so that a signed-in page view
//! neither reads nor writes its session row.
//!
//! Why this is safe with several console processes: a session's data is written once, at
//! sign-in (the id is cycled then, so a new id carries it), and never changed afterwards
//! until sign-out deletes it. What a cached copy could miss is only a deletion made by
//! another process — and that never lets anyone in, because every request also checks the
//! sign-in behind the session in the `logins` table (`logins::load_active`), where sign-out,
//! "sign out everywhere" and revocation take effect at once for every process.
//!
//! Writes are throttled: the idle expiry moves with every request (the layer saves on each
//! one), but the row is rewritten only when the data changed or the expiry it holds is
//! more than [`refresh_period`] old. The row therefore expires at most
//! that much earlier than the cookie says — a fraction of the idle timeout.

use std::time::Duration;

use async_trait::async_trait;
use moka::future::Cache;
use time::OffsetDateTime;
use tower_sessions::{
    session::{Id, Record},
    session_store::{self, SessionStore},
};
use tower_sessions_sqlx_store::PostgresStore;

/// How many sessions one process keeps in memory (a few hundred bytes each).
const CACHED_SESSIONS: u64 = 20_000;

/// A session record as this process last saw it, and the expiry the database holds for it.
#[derive(Debug, Clone)]
struct Cached {
    record: Record,
    stored_expiry: OffsetDateTime,
}

impl Cached {
    /// `record` as the database holds it (just written or just read).
    fn as_stored(record: &Record) -> Self {
        Cached {
            record: record.clone(),
            stored_expiry: record.expiry_date,
        }
    }
}

#[derive(Debug, Clone)]
pub struct CachedSessionStore {
    store: PostgresStore,
    cache: Cache<Id, Cached>,
    refresh_every: Duration,
}

impl CachedSessionStore {
    /// The store for sessions that expire after `idle` without a request: the row's expiry
    /// is moved at most every quarter of that (and at least every minute).
    pub fn new(store: PostgresStore, idle: Duration) -> Self {
        let refresh_every = refresh_period(idle);
        let cache = Cache::builder()
            .max_capacity(CACHED_SESSIONS)
            // Nothing stays longer than a session could live without a write.
            .time_to_idle(idle)
            .build();
        CachedSessionStore {
            store,
            cache,
            refresh_every,
        }
    }
}

/// A quarter of the idle timeout, and at most a minute.
fn refresh_period(idle: Duration) -> Duration {
    (idle / 4).min(Duration::from_secs(60))
}

/// Whether saving `record` must reach the database, given what this process knows it holds.
fn must_write(known: Option<&Cached>, record: &Record, refresh_every: Duration) -> bool {
    let Some(known) = known else { return true };
    if known.record.data != record.data {
        return true;
    }
    let moved = record.expiry_date - known.stored_expiry;
    moved >= refresh_every || moved.is_negative()
}

#[async_trait]
impl SessionStore for CachedSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        self.store.create(record).await?;
        self.cache
            .insert(record.id, Cached::as_stored(record))
            .await;
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let known = self.cache.get(&record.id).await;
        let stored_expiry = if must_write(known.as_ref(), record, self.refresh_every) {
            self.store.save(record).await?;
            record.expiry_date
        } else {
            known.map_or(record.expiry_date, |k| k.stored_expiry)
        };
        let cached = Cached {
            record: record.clone(),
            stored_expiry,
        };
        self.cache.insert(record.id, cached).await;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        if let Some(known) = self.cache.get(id).await {
            // The database forgets a row at the expiry it holds: so does the cache.
            if known.stored_expiry > OffsetDateTime::now_utc() {
                return Ok(Some(known.record));
            }
            self.cache.invalidate(id).await;
        }
        let loaded = self.store.load(id).await?;
        if let Some(record) = &loaded {
            self.cache.insert(*id, Cached::as_stored(record)).await;
        }
        Ok(loaded)
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.cache.invalidate(id).await;
        self.store.delete(id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(data: &[(&str, &str)], expiry: OffsetDateTime) -> Record {
        Record {
            id: Id(7),
            data: data
                .iter()
                .map(|(k, v)| (k.to_string(), serde_json::json!(v)))
                .collect(),
            expiry_date: expiry,
        }
    }

    /// What the process knows after writing `login` with expiry `at`.
    fn known(login: &str, at: OffsetDateTime) -> Cached {
        Cached::as_stored(&record(&[("login", login)], at))
    }

    #[test]
    fn an_unknown_session_is_written() {
        let now = OffsetDateTime::now_utc();
        assert!(must_write(None, &record(&[], now), Duration::from_secs(60)));
    }

    #[test]
    fn the_same_data_with_a_slightly_later_expiry_is_not_written() {
        let now = OffsetDateTime::now_utc();
        let known = known("a", now);
        let later = record(&[("login", "a")], now + time::Duration::seconds(59));
        assert!(!must_write(Some(&known), &later, Duration::from_secs(60)));
    }

    #[test]
    fn an_expiry_a_whole_period_later_is_written() {
        let now = OffsetDateTime::now_utc();
        let known = known("a", now);
        let later = record(&[("login", "a")], now + time::Duration::seconds(60));
        assert!(must_write(Some(&known), &later, Duration::from_secs(60)));
        let earlier = record(&[("login", "a")], now - time::Duration::seconds(1));
        assert!(must_write(Some(&known), &earlier, Duration::from_secs(60)));
    }

    #[test]
    fn changed_data_is_written_at_once() {
        let now = OffsetDateTime::now_utc();
        let known = known("a", now);
        let changed = record(&[("login", "b")], now);
        assert!(must_write(Some(&known), &changed, Duration::from_secs(60)));
    }

    #[test]
    fn the_refresh_period_is_a_quarter_of_the_idle_timeout_and_at_most_a_minute() {
        assert_eq!(
            refresh_period(Duration::from_secs(120)),
            Duration::from_secs(30)
        );
        assert_eq!(
            refresh_period(Duration::from_secs(1800)),
            Duration::from_secs(60)
        );
    }
}
