//! How many users of a snapshot a view of the users table matches, counted once per process.
//!
//! The users table pages through the newest complete snapshot, and each page says how many
//! users the view matches. Counting them is most of what a page costs at scale (50,000
//! users: a scan of the snapshot's index, ~5 ms, against ~1 ms for the page itself), and
//! the answer never changes: a snapshot is written in one transaction and becomes visible
//! complete, and nothing changes its users afterwards (what the console changes since is
//! laid over the rows shown, never filtered on). So a count is kept for as long as it is
//! asked for, keyed by the snapshot and the view's filters; the page number and the sort
//! do not change it.
//!
//! Kept per process and never told to the others: there is nothing to tell, since a count
//! cannot go stale. The one filter that depends on the clock ("no activity for N days")
//! is counted every time.

use std::{sync::Arc, time::Duration};

use console_types::{
    api::ConsoleError,
    people::{UserQuery, UserSort},
};
use moka::future::Cache;
use sqlx::{PgConnection, QueryBuilder};

use crate::error::internal;

/// Distinct views counted and kept; a count is a few dozen bytes.
const VIEWS_KEPT: u64 = 10_000;
/// A view nobody looked at for this long is forgotten (an old snapshot's, say).
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);

/// The filters of a view of one snapshot: what its count depends on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct CountedView {
    snapshot: i64,
    filters: UserQuery,
}

/// Counts of snapshot views this process has made (see the module's documentation).
#[derive(Clone)]
pub struct UserCounts(Cache<CountedView, i64>);

impl Default for UserCounts {
    fn default() -> Self {
        UserCounts(
            Cache::builder()
                .max_capacity(VIEWS_KEPT)
                .time_to_idle(FORGET_AFTER)
                .build(),
        )
    }
}

impl UserCounts {
    /// How many of `snapshot`'s users `query` matches: kept, or counted now on `conn`.
    /// Concurrent first views of the same count make one count between them.
    pub(crate) async fn count(
        &self,
        conn: &mut PgConnection,
        snapshot: i64,
        query: &UserQuery,
    ) -> Result<i64, ConsoleError> {
        if query.inactive_days.is_some() {
            return count_now(conn, snapshot, query).await;
        }
        let view = CountedView {
            snapshot,
            filters: UserQuery {
                page: 1,
                sort: UserSort::default(),
                ..query.clone()
            },
        };
        // Every waiter gets the loader's error as it was worded once (a database that is
        // not answering stays a 503 for all of them), as the live reads do.
        self.0
            .try_get_with(view, count_now(conn, snapshot, query))
            .await
            .map_err(|shared: Arc<ConsoleError>| (*shared).clone())
    }
}

async fn count_now(
    conn: &mut PgConnection,
    snapshot: i64,
    query: &UserQuery,
) -> Result<i64, ConsoleError> {
    let mut count = QueryBuilder::new("SELECT count(*) FROM snapshot_users");
    crate::people::push_filters(&mut count, snapshot, query);
    count
        .build_query_scalar()
        .fetch_one(conn)
        .await
        .map_err(internal)
}
