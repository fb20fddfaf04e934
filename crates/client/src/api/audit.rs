//! The audit log as a stream of pages, in either direction, with resumable cursors.
//!
//! Airtable's pagination: `pagination.next` leads to newer events and `pagination.previous`
//! to older ones. A walk in ascending order (oldest first) follows `next`; one in descending
//! order (newest first, Airtable's default) follows `previous`. Without `endTime` an
//! ascending walk never runs out: at the present Airtable keeps returning empty pages with a
//! `next` cursor. The stream therefore stops when it has caught up (an empty page whose
//! cursor did not move, or [`AuditLogRequest::max_empty_pages`] empty pages in a row), and
//! the last page's [`AuditPage::cursor`] is where to resume later.
//!
//! ```no_run
//! # async fn demo(client: airtable_client::Client, saved: Option<String>) -> Result<(), Box<dyn std::error::Error>> {
//! use futures::TryStreamExt;
//! use airtable_client::ids::EnterpriseId;
//! use airtable_client::models::AuditCursor;
//!
//! let ent: EnterpriseId = "entUBq2RGdihxl3vU".parse()?;
//! let mut req = client.enterprise(&ent).audit_log().ascending().page_size(1000);
//! if let Some(s) = saved {
//!     req = req.resume(s.parse::<AuditCursor>()?);
//! }
//! let mut pages = Box::pin(req.stream());
//! while let Some(page) = pages.try_next().await? {
//!     for event in &page.events {
//!         println!("{} {} {}", event.timestamp, event.action, event.model_id);
//!     }
//!     if let Some(cursor) = &page.cursor {
//!         let _persist_me = cursor.to_string(); // store it with the events, in one transaction
//!     }
//! }
//! # Ok(()) }
//! ```

use futures::stream::{self, Stream, StreamExt};

use super::account::Account;
use crate::http::client::Request;
use crate::ids::UserId;
use crate::models::{
    AuditCursor, AuditEvent, AuditLogQuery, AuditLogResponse, AuditPagination, Extra, SortOrder,
};
use crate::{Error, Timestamp};

/// Most events per page Airtable returns.
pub const MAX_PAGE_SIZE: u32 = 1000;
/// Most values per list filter.
pub const MAX_FILTER_VALUES: usize = 100;

/// One page of a walk through the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditPage {
    /// The page's events, in the walk's order.
    pub events: Vec<AuditEvent>,
    /// Airtable's cursors as returned.
    pub pagination: Option<AuditPagination>,
    /// Where to continue the walk after this page; `None` when the walk reached its end
    /// (the start of the window for descending walks, `endTime` for ascending ones). Persist
    /// it (as JSON or with `to_string()`) to resume with [`AuditLogRequest::resume`].
    pub cursor: Option<AuditCursor>,
    /// Fields of the reply this client does not model.
    pub extra: Extra,
}

/// Builder of "audit log events" queries.
#[derive(Debug, Clone)]
#[must_use = "call .page().await or .stream()"]
pub struct AuditLogRequest {
    account: Account,
    query: AuditLogQuery,
    resume: Option<AuditCursor>,
    max_pages: Option<usize>,
    max_empty_pages: u32,
}

impl AuditLogRequest {
    pub(crate) fn new(account: Account) -> Self {
        AuditLogRequest {
            account,
            query: AuditLogQuery::default(),
            resume: None,
            max_pages: None,
            max_empty_pages: 10,
        }
    }

    /// Replaces all filters and options with `query`.
    pub fn query(mut self, query: AuditLogQuery) -> Self {
        self.query = query;
        self
    }

    /// Earliest event time (inclusive).
    pub fn start_time(mut self, t: impl Into<Timestamp>) -> Self {
        self.query.start_time = Some(t.into());
        self
    }

    /// Latest event time (exclusive). With it an ascending walk ends.
    pub fn end_time(mut self, t: impl Into<Timestamp>) -> Self {
        self.query.end_time = Some(t.into());
        self
    }

    /// Only events caused by this user (may be repeated, at most 100).
    pub fn originating_user(mut self, id: &UserId) -> Self {
        self.query.originating_user_ids.push(id.clone());
        self
    }

    /// Only events of this type, e.g. `createBase` (may be repeated, at most 100).
    pub fn event_type(mut self, t: impl Into<String>) -> Self {
        self.query.event_types.push(t.into());
        self
    }

    /// Only events on this object (a workspace also matches its bases; at most 100).
    pub fn model_id(mut self, id: impl AsRef<str>) -> Self {
        self.query.model_ids.push(id.as_ref().to_owned());
        self
    }

    /// Only events of this category, e.g. `user`, `base`, `share` (at most 100).
    pub fn category(mut self, c: impl Into<String>) -> Self {
        self.query.categories.push(c.into());
        self
    }

    /// Events per page (Airtable's default 10, at most 1,000).
    pub fn page_size(mut self, n: u32) -> Self {
        self.query.page_size = Some(n);
        self
    }

    /// Oldest first, following `next` (what an ingester wants).
    pub fn ascending(mut self) -> Self {
        self.query.sort_order = SortOrder::Ascending;
        self
    }

    /// Newest first, following `previous` (Airtable's default).
    pub fn descending(mut self) -> Self {
        self.query.sort_order = SortOrder::Descending;
        self
    }

    /// Continue a walk from a saved cursor (its order replaces the request's). Use the same
    /// filters as the walk that produced it.
    pub fn resume(mut self, cursor: AuditCursor) -> Self {
        self.query.sort_order = cursor.sort_order;
        self.resume = Some(cursor);
        self
    }

    /// Stop after this many pages (the last page's cursor continues the walk).
    pub fn max_pages(mut self, n: usize) -> Self {
        self.max_pages = Some(n);
        self
    }

    /// Stop after this many empty pages in a row (default 10; 0 = never, to tail the log).
    pub fn max_empty_pages(mut self, n: u32) -> Self {
        self.max_empty_pages = n;
        self
    }

    fn validate(&self) -> Result<(), Error> {
        let q = &self.query;
        if let Some(n) = q.page_size {
            if n == 0 || n > MAX_PAGE_SIZE {
                return Err(Error::InvalidRequest(format!(
                    "page size must be between 1 and {MAX_PAGE_SIZE}, not {n}"
                )));
            }
        }
        for (name, len) in [
            ("originating users", q.originating_user_ids.len()),
            ("event types", q.event_types.len()),
            ("model IDs", q.model_ids.len()),
            ("categories", q.categories.len()),
        ] {
            if len > MAX_FILTER_VALUES {
                return Err(Error::InvalidRequest(format!(
                    "at most {MAX_FILTER_VALUES} {name} per query, not {len}"
                )));
            }
        }
        if let (Some(s), Some(e)) = (&q.start_time, &q.end_time) {
            if s >= e {
                return Err(Error::InvalidRequest(
                    "the start time must be before the end time".into(),
                ));
            }
        }
        Ok(())
    }

    async fn fetch(
        account: &Account,
        query: &AuditLogQuery,
        token: Option<&str>,
    ) -> Result<AuditPage, Error> {
        let mut req = Request::get(
            "/v0/meta/enterpriseAccounts/{id}/auditLogEvents",
            account.path("/auditLogEvents"),
        );
        req.query = query.to_params();
        if let Some(t) = token {
            req = req.query(query.sort_order.cursor_param(), t);
        }
        let r: AuditLogResponse = account.client.send(req).await?;
        let cursor = AuditCursor::from_page(query.sort_order, &r);
        Ok(AuditPage {
            events: r.events,
            pagination: r.pagination,
            cursor,
            extra: r.extra,
        })
    }

    /// One page: the first of the query, or the one at the resume cursor.
    pub async fn page(self) -> Result<AuditPage, Error> {
        self.validate()?;
        Self::fetch(
            &self.account,
            &self.query,
            self.resume.as_ref().map(|c| c.token.as_str()),
        )
        .await
    }

    /// The walk as a stream of pages (empty pages included, so the cursor is always current).
    /// It ends when Airtable gives no further cursor, when it has caught up, after
    /// `max_pages`, or after an error (which it yields).
    pub fn stream(self) -> impl Stream<Item = Result<AuditPage, Error>> + Send + 'static {
        struct State {
            req: AuditLogRequest,
            token: Option<String>,
            pages: usize,
            empty_in_row: u32,
            done: bool,
        }
        let first_error = self.validate().err();
        let has_error = first_error.is_some();
        let token = self.resume.as_ref().map(|c| c.token.clone());
        let state = State {
            req: self,
            token,
            pages: 0,
            empty_in_row: 0,
            done: false,
        };
        let head = stream::iter(first_error.map(Err));
        let walk = stream::unfold(state, move |mut st| async move {
            if st.done || has_error {
                return None;
            }
            if st.req.max_pages.is_some_and(|m| st.pages >= m) {
                return None;
            }
            let sent = st.token.clone();
            match Self::fetch(&st.req.account, &st.req.query, sent.as_deref()).await {
                Err(e) => {
                    st.done = true;
                    Some((Err(e), st))
                }
                Ok(page) => {
                    st.pages += 1;
                    let next = page.cursor.as_ref().map(|c| c.token.clone());
                    if page.events.is_empty() {
                        st.empty_in_row += 1;
                    } else {
                        st.empty_in_row = 0;
                    }
                    let caught_up = page.events.is_empty() && next.is_some() && next == sent;
                    let too_many_empty =
                        st.req.max_empty_pages > 0 && st.empty_in_row >= st.req.max_empty_pages;
                    if next.is_none() || caught_up || too_many_empty {
                        st.done = true;
                    }
                    st.token = next;
                    Some((Ok(page), st))
                }
            }
        });
        head.chain(walk)
    }

    /// The walk as a stream of events.
    pub fn events(self) -> impl Stream<Item = Result<AuditEvent, Error>> + Send + 'static {
        self.stream().flat_map(|page| {
            let items: Vec<Result<AuditEvent, Error>> = match page {
                Ok(p) => p.events.into_iter().map(Ok).collect(),
                Err(e) => vec![Err(e)],
            };
            stream::iter(items)
        })
    }
}
