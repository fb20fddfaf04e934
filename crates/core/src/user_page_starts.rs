//! Where each page of a users view starts, remembered per process, so that a far page is
//! read from its first row instead of counted out from the top.
//!
//! A page of the users table is `LIMIT 50 OFFSET 50 × (page − 1)` in the view's order, and
//! Postgres can only find the 2,451st row of an order by walking the 2,450 before it: at
//! 50,000 users page 50 costs ~3 ms of Postgres against ~0.3 ms for page 1, on every view.
//! But the rows of a complete snapshot never change (see [`crate::user_counts`]), so the
//! user a page starts with never changes either. Once a page has been read, its first
//! user is kept (and the next page's, read as a 51st row), and the next view of that page
//! asks for the rows from that user on: a seek in the order's index, as cheap as page 1.
//!
//! Only for views whose order is a plain comparison of `(sort key, user id)` and whose
//! rows do not depend on the clock: by name or email, either way, without "no activity for
//! N days". The activity orders put people never active first (NULLs), which a row
//! comparison does not order; they are counted out as before.
//!
//! Kept per process, never told to the others: there is nothing to tell, as a start cannot
//! go stale (a new snapshot is a new key).

use std::time::Duration;

use console_types::people::{UserQuery, UserSort};
use moka::future::Cache;

/// Pages remembered (a user id each, a few dozen bytes with the key's filters).
const PAGES_KEPT: u64 = 20_000;
/// A page nobody looked at for this long is forgotten (an old snapshot's, say).
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);

/// One page of one view of one snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct PageOfView {
    snapshot: i64,
    /// The view's filters, sort and page number.
    view: UserQuery,
}

/// The first user of each page this process has read (see the module's documentation).
#[derive(Clone)]
pub struct UserPageStarts(Cache<PageOfView, String>);

impl Default for UserPageStarts {
    fn default() -> Self {
        UserPageStarts(
            Cache::builder()
                .max_capacity(PAGES_KEPT)
                .time_to_idle(FORGET_AFTER)
                .build(),
        )
    }
}

/// How a page of a view is found: counted out from the top, or from its remembered start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PageFrom {
    /// `OFFSET`: the view cannot be read from a start, or this page's is not known yet.
    Top,
    /// The rows from `first` on, in the view's order (`first` included).
    Start {
        first: String,
        /// The condition that says so ([`start_condition`] of the view's order).
        condition: &'static str,
    },
}

impl UserPageStarts {
    /// How to read `query`'s page of `snapshot`.
    pub(crate) async fn page_from(&self, snapshot: i64, query: &UserQuery) -> PageFrom {
        let Some(condition) = start_condition(query) else {
            return PageFrom::Top;
        };
        if query.page <= 1 {
            return PageFrom::Top;
        }
        match self.0.get(&key(snapshot, query, query.page)).await {
            Some(first) => PageFrom::Start { first, condition },
            None => PageFrom::Top,
        }
    }

    /// Remembers that `query`'s page of `snapshot` starts with `first` and, when the read
    /// went one row further, that the next page starts with `next`. A start already kept
    /// is left as it is (it cannot have changed), so a page read from its start writes
    /// nothing.
    pub(crate) async fn remember(
        &self,
        snapshot: i64,
        query: &UserQuery,
        first: &str,
        next: Option<&str>,
    ) {
        if start_condition(query).is_none() {
            return;
        }
        let this_page = (query.page > 1).then_some((query.page, first));
        let next_page = next.map(|next| (query.page + 1, next));
        for (page, user_id) in this_page.into_iter().chain(next_page) {
            let key = key(snapshot, query, page);
            if !self.0.contains_key(&key) {
                self.0.insert(key, user_id.to_string()).await;
            }
        }
    }
}

fn key(snapshot: i64, query: &UserQuery, page: i64) -> PageOfView {
    PageOfView {
        snapshot,
        view: UserQuery {
            page,
            ..query.clone()
        },
    }
}

/// The condition "at or after the user `$start` in this view's order", with the sort key
/// as the order's index has it; `None` for a view that cannot be read from a start (an
/// order a row comparison cannot follow, or rows that move with the clock). The caller
/// appends the snapshot and the user id as the two parameters of the inner `SELECT`.
fn start_condition(query: &UserQuery) -> Option<&'static str> {
    if query.inactive_days.is_some() {
        return None;
    }
    match query.sort {
        UserSort::Name => Some(" AND (lower(name), user_id) >= (SELECT lower(s.name), s.user_id"),
        UserSort::NameDesc => {
            Some(" AND (lower(name), user_id) <= (SELECT lower(s.name), s.user_id")
        }
        UserSort::Email => {
            Some(" AND (lower(email), user_id) >= (SELECT lower(s.email), s.user_id")
        }
        UserSort::EmailDesc => {
            Some(" AND (lower(email), user_id) <= (SELECT lower(s.email), s.user_id")
        }
        UserSort::ActivityOldest | UserSort::ActivityNewest => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(sort: UserSort, page: i64) -> UserQuery {
        UserQuery {
            sort,
            page,
            ..UserQuery::default()
        }
    }

    #[tokio::test]
    async fn a_page_is_read_from_its_start_once_known_and_only_where_the_order_allows() {
        let starts = UserPageStarts::default();
        let by_name = view(UserSort::Name, 3);
        assert_eq!(starts.page_from(7, &by_name).await, PageFrom::Top);
        starts.remember(7, &by_name, "usrC", Some("usrD")).await;
        let from = |first: &str| PageFrom::Start {
            first: first.into(),
            condition: " AND (lower(name), user_id) >= (SELECT lower(s.name), s.user_id",
        };
        assert_eq!(starts.page_from(7, &by_name).await, from("usrC"));
        assert_eq!(
            starts.page_from(7, &view(UserSort::Name, 4)).await,
            from("usrD")
        );
        // A start once kept stays: the same page read again does not move it.
        starts.remember(7, &by_name, "usrX", Some("usrY")).await;
        assert_eq!(starts.page_from(7, &by_name).await, from("usrC"));
        // Another snapshot, another order, other filters: not known.
        assert_eq!(starts.page_from(8, &by_name).await, PageFrom::Top);
        assert_eq!(
            starts.page_from(7, &view(UserSort::NameDesc, 3)).await,
            PageFrom::Top
        );
        let searched = UserQuery {
            q: "corp".into(),
            ..by_name.clone()
        };
        assert_eq!(starts.page_from(7, &searched).await, PageFrom::Top);

        // Orders a row comparison cannot follow, and views that move with the clock, are
        // always counted out.
        let by_activity = view(UserSort::ActivityNewest, 3);
        starts.remember(7, &by_activity, "usrC", Some("usrD")).await;
        assert_eq!(starts.page_from(7, &by_activity).await, PageFrom::Top);
        let inactive = UserQuery {
            inactive_days: Some(90),
            ..by_name
        };
        starts.remember(7, &inactive, "usrC", Some("usrD")).await;
        assert_eq!(starts.page_from(7, &inactive).await, PageFrom::Top);
    }
}
