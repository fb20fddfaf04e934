//! Audit search in Postgres: the search language (`console_types::audit::query`) turned into
//! one parameterised SQL condition, newest-first keyset pages, a histogram, and streamed
//! exports. Why the indexes look the way they do: docs/audit-search.md.

use chrono::{DateTime, Utc};
use console_types::api::{AuditEventDetail, AuditEventRow};
use console_types::audit::categories::actions_of;
use console_types::audit::query::{AuditQuery, Filter};
use futures::StreamExt;
use sqlx::{postgres::PgPoolOptions, PgConnection, PgPool, Postgres, QueryBuilder, Row};

use crate::export::Download;

/// Results per page.
pub const PAGE_SIZE: i64 = 50;

/// Most buckets the histogram draws; the bucket unit grows until the span fits.
const MAX_BUCKETS: i64 = 120;

/// A search for several words first looks for its page among this many of the newest
/// events that match its other terms (a bounded walk down an index in result order). See
/// [`search`].
const FIRST_WALK: i64 = 5_000;

/// The most events a second, longer walk reads.
const MAX_WALK: i64 = 100_000;

/// How much dearer reading one match through the full-text index is than reading one event
/// of a walk (random heap pages against consecutive ones; measured: ~4–5 µs against ~1 µs).
const RANDOM_READ_COST: f64 = 4.0;

const ROW_COLUMNS: &str = "id, occurred_at, action, category, actor_type, actor_id, \
     actor_email, actor_name, model_id, model_type, workspace_id, base_id, ip_address";

/// Where a page of results starts: just older than this event. Shown to the browser as
/// `<microseconds since the epoch>_<event id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchCursor {
    pub occurred_at: DateTime<Utc>,
    pub id: String,
}

impl SearchCursor {
    pub fn encode(&self) -> String {
        format!("{}_{}", self.occurred_at.timestamp_micros(), self.id)
    }

    /// Reads a cursor from a URL; `None` when it was not made by [`SearchCursor::encode`].
    pub fn decode(text: &str) -> Option<Self> {
        let (micros, id) = text.split_once('_')?;
        let occurred_at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        Some(Self {
            occurred_at,
            id: id.to_string(),
        })
    }
}

/// The terms of one field, split into those that must match and those that must not.
#[derive(Default)]
struct Values<'q> {
    wanted: Vec<&'q str>,
    refused: Vec<&'q str>,
}

impl<'q> Values<'q> {
    fn push(&mut self, negated: bool, value: &'q str) {
        if negated {
            self.refused.push(value);
        } else {
            self.wanted.push(value);
        }
    }
}

/// Which of a query's terms [`Conditions::push`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Terms {
    All,
    /// Everything but the free-text terms.
    Fields,
    /// Only the free-text terms.
    Text,
}

/// The columns a field term tests, in the order they are written; each has an index
/// `(column, occurred_at DESC, id DESC)`, so one value of one of them is a walk in result
/// order.
const COLUMNS: [&str; 6] = [
    "action",
    "category",
    "model_id",
    "workspace_id",
    "base_id",
    "ip_address",
];

/// A query's terms sorted by field, ready to be written as SQL.
struct Conditions<'q> {
    query: &'q AuditQuery,
    /// The terms of each of [`COLUMNS`], in that order.
    columns: [Values<'q>; 6],
    actor_email: Values<'q>,
    actor_id: Values<'q>,
    texts: Vec<(bool, &'q str)>,
}

impl<'q> Conditions<'q> {
    fn new(query: &'q AuditQuery) -> Self {
        let mut columns: [Values<'q>; 6] = Default::default();
        let mut actor_email = Values::default();
        let mut actor_id = Values::default();
        let mut texts = Vec::new();
        for term in &query.terms {
            let negated = term.negated;
            let column = match &term.filter {
                Filter::Action(v) => Some((0, v)),
                Filter::Category(v) => Some((1, v)),
                Filter::Model(v) => Some((2, v)),
                Filter::Workspace(v) => Some((3, v)),
                Filter::Base(v) => Some((4, v)),
                Filter::Ip(v) => Some((5, v)),
                Filter::ActorEmail(v) => {
                    actor_email.push(negated, v);
                    None
                }
                Filter::ActorId(v) => {
                    actor_id.push(negated, v);
                    None
                }
                Filter::Text(v) => {
                    texts.push((negated, v.as_str()));
                    None
                }
                Filter::After(_) | Filter::Before(_) => None,
            };
            if let Some((i, value)) = column {
                columns[i].push(negated, value);
            }
        }
        let mut conditions = Self {
            query,
            columns,
            actor_email,
            actor_id,
            texts,
        };
        conditions.name_the_remaining_actions();
        conditions
    }

    /// `category:user -action:loginUser` as the category's other actions as well: the
    /// category's index would have to be read past every event of the excluded action (a
    /// quarter of all events for `loginUser`, to find none at all), the other actions'
    /// index has just the events wanted. Only when every category asked for has a known list
    /// of actions ([`actions_of`]: every stored event of the category has one of them); the
    /// category and excluded-action conditions stay as well, so the results are the same.
    fn name_the_remaining_actions(&mut self) {
        let [action, category, ..] = &mut self.columns;
        if !action.wanted.is_empty() || action.refused.is_empty() || category.wanted.is_empty() {
            return;
        }
        let Some(lists) = category
            .wanted
            .iter()
            .map(|c| actions_of(c))
            .collect::<Option<Vec<_>>>()
        else {
            return;
        };
        let mut remaining: Vec<&'static str> = lists
            .into_iter()
            .flatten()
            .filter(|a| !action.refused.contains(a))
            .collect();
        remaining.sort_unstable();
        remaining.dedup();
        // None left: nothing can match, and an empty `= ANY` says so at once.
        action.wanted = remaining;
    }

    /// The column whose several wanted values a search reads as one walk per value, merged
    /// in result order (see [`push_newest`]): the first of [`COLUMNS`] with more than one.
    fn split(&self) -> Option<(usize, Vec<&'q str>)> {
        self.columns.iter().enumerate().find_map(|(i, values)| {
            let mut distinct = values.wanted.clone();
            distinct.sort_unstable();
            distinct.dedup();
            (distinct.len() > 1).then_some((i, distinct))
        })
    }

    /// Appends `AND …` for the `which` terms. Values of one field are OR-ed (an event has
    /// one action, so `action:a action:b` can only mean either); different fields are
    /// AND-ed. With `only`, column `only.0` is tested for the one value `only.1` instead of
    /// its wanted values. Everything is a bind parameter.
    fn push(
        &self,
        sql: &mut QueryBuilder<'_, Postgres>,
        which: Terms,
        only: Option<(usize, &str)>,
    ) {
        if which != Terms::Text {
            for (i, (column, values)) in COLUMNS.iter().zip(&self.columns).enumerate() {
                match only {
                    Some((split, value)) if split == i => push_any(sql, column, &[value]),
                    _ => push_any(sql, column, &values.wanted),
                }
                push_none(sql, column, &values.refused);
            }
            if let Some(after) = self.query.after() {
                sql.push(" AND occurred_at >= ").push_bind(after);
            }
            if let Some(before) = self.query.before() {
                sql.push(" AND occurred_at < ").push_bind(before);
            }
            push_actor(sql, &self.actor_email, &self.actor_id);
        }
        if which != Terms::Fields {
            for (negated, text) in &self.texts {
                sql.push(if *negated { " AND NOT (" } else { " AND (" })
                    .push("search @@ phraseto_tsquery('simple', ")
                    .push_bind(text.to_string())
                    .push("))");
            }
        }
    }
}

/// Appends `AND …` for every term of `query` (see [`Conditions::push`]).
fn push_conditions(sql: &mut QueryBuilder<'_, Postgres>, query: &AuditQuery) {
    Conditions::new(query).push(sql, Terms::All, None);
}

/// Appends a query for `columns` of the events matching the `which` terms of `query`,
/// older than `after`, newest first, at most `limit`.
///
/// Several wanted values of one column (`action:a action:b`, or a category's remaining
/// actions) are one walk down that column's index per value, each stopped at `limit` and
/// merged in result order (a Merge Append), rather than every match collected and sorted,
/// which is what Postgres does with `= ANY` and costs as much as the values are common.
fn push_newest(
    sql: &mut QueryBuilder<'_, Postgres>,
    columns: &str,
    conditions: &Conditions<'_>,
    which: Terms,
    after: Option<&SearchCursor>,
    limit: i64,
) {
    let split = if which == Terms::Text {
        None
    } else {
        conditions.split()
    };
    let branch = |sql: &mut QueryBuilder<'_, Postgres>, only: Option<(usize, &str)>| {
        sql.push(format_args!(
            "SELECT {columns} FROM audit_events WHERE TRUE"
        ));
        conditions.push(sql, which, only);
        push_cursor(sql, after);
        sql.push(" ORDER BY occurred_at DESC, id DESC LIMIT ")
            .push_bind(limit);
    };
    match split {
        None => branch(sql, None),
        Some((column, values)) => {
            sql.push(format_args!("SELECT {columns} FROM ("));
            for (i, value) in values.iter().enumerate() {
                if i > 0 {
                    sql.push(" UNION ALL ");
                }
                sql.push("(");
                branch(sql, Some((column, value)));
                sql.push(")");
            }
            sql.push(") AS branches ORDER BY occurred_at DESC, id DESC LIMIT ")
                .push_bind(limit);
        }
    }
}

/// The actor terms: given by email or by ID, either identifies the person.
fn push_actor(
    sql: &mut QueryBuilder<'_, Postgres>,
    actor_email: &Values<'_>,
    actor_id: &Values<'_>,
) {
    match (actor_email.wanted.is_empty(), actor_id.wanted.is_empty()) {
        (true, true) => {}
        (false, true) => push_any(sql, "lower(actor_email)", &actor_email.wanted),
        (true, false) => push_any(sql, "actor_id", &actor_id.wanted),
        (false, false) => {
            sql.push(" AND (lower(actor_email) = ANY(")
                .push_bind(owned(&actor_email.wanted))
                .push(") OR actor_id = ANY(")
                .push_bind(owned(&actor_id.wanted))
                .push("))");
        }
    }
    push_none(sql, "lower(actor_email)", &actor_email.refused);
    push_none(sql, "actor_id", &actor_id.refused);
}

fn owned(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

/// `column` is one of `values`. A single value is written as `=`, which the planner
/// estimates better than `= ANY` of a one-element array.
fn push_any(sql: &mut QueryBuilder<'_, Postgres>, column: &str, values: &[&str]) {
    match values {
        [] => {}
        [one] => {
            sql.push(format_args!(" AND {column} = "))
                .push_bind(one.to_string());
        }
        many => {
            sql.push(format_args!(" AND {column} = ANY("))
                .push_bind(owned(many))
                .push(")");
        }
    }
}

/// `column` is none of `values`; an event without the field (NULL) is none of them too.
fn push_none(sql: &mut QueryBuilder<'_, Postgres>, column: &str, values: &[&str]) {
    if values.is_empty() {
        return;
    }
    sql.push(format_args!(" AND ({column} IS NULL OR {column} <> ALL("))
        .push_bind(owned(values))
        .push("))");
}

fn row_from(row: &sqlx::postgres::PgRow) -> Result<AuditEventRow, sqlx::Error> {
    Ok(AuditEventRow {
        id: row.try_get("id")?,
        occurred_at: row.try_get("occurred_at")?,
        action: row.try_get("action")?,
        category: row.try_get("category")?,
        actor_type: row.try_get("actor_type")?,
        actor_id: row.try_get("actor_id")?,
        actor_email: row.try_get("actor_email")?,
        actor_name: row.try_get("actor_name")?,
        model_id: row.try_get("model_id")?,
        model_type: row.try_get("model_type")?,
        workspace_id: row.try_get("workspace_id")?,
        base_id: row.try_get("base_id")?,
        ip_address: row.try_get("ip_address")?,
        // Filled by `names::label_events` for what is shown to people.
        model_name: None,
        workspace_name: None,
        base_name: None,
    })
}

fn push_cursor(sql: &mut QueryBuilder<'_, Postgres>, after: Option<&SearchCursor>) {
    if let Some(cursor) = after {
        sql.push(" AND (occurred_at, id) < (")
            .push_bind(cursor.occurred_at)
            .push(", ")
            .push_bind(cursor.id.clone())
            .push(")");
    }
}

/// The matches of `query` among the `candidates` newest events (older than `after`) that
/// match its terms other than free text, newest first, at most one more than a page. When
/// that is more than a page, they are the first page of the whole search.
async fn newest_matches(
    db: &mut PgConnection,
    query: &AuditQuery,
    after: Option<&SearchCursor>,
    page_size: i64,
    candidates: i64,
) -> Result<Vec<sqlx::postgres::PgRow>, sqlx::Error> {
    // The subquery's LIMIT keeps Postgres from pushing the text test into it, so it is a
    // walk down the time index (or another term's index) in result order.
    let conditions = Conditions::new(query);
    let mut sql = QueryBuilder::new(format!("SELECT {ROW_COLUMNS} FROM ("));
    push_newest(
        &mut sql,
        &format!("{ROW_COLUMNS}, search"),
        &conditions,
        Terms::Fields,
        after,
        candidates,
    );
    sql.push(") AS recent WHERE TRUE");
    conditions.push(&mut sql, Terms::Text, None);
    sql.push(" ORDER BY occurred_at DESC, id DESC LIMIT ")
        .push_bind(page_size + 1);
    sql.build().fetch_all(&mut *db).await
}

/// Where a walk of the `candidates` newest events matching `query`'s terms other than free
/// text (older than `after`) ends: the last event it reads, or `None` when fewer match (so
/// such a walk reads all of them). An index-only read: no event's words are looked at.
async fn end_of_walk(
    db: &mut PgConnection,
    query: &AuditQuery,
    after: Option<&SearchCursor>,
    candidates: i64,
) -> Result<Option<SearchCursor>, sqlx::Error> {
    let mut sql = QueryBuilder::new("SELECT occurred_at, id FROM (");
    push_newest(
        &mut sql,
        "occurred_at, id",
        &Conditions::new(query),
        Terms::Fields,
        after,
        candidates,
    );
    sql.push(") AS walk ORDER BY occurred_at DESC, id DESC OFFSET ")
        .push_bind(candidates - 1)
        .push(" LIMIT 1");
    let end: Option<(DateTime<Utc>, String)> = sql.build_query_as().fetch_optional(db).await?;
    Ok(end.map(|(occurred_at, id)| SearchCursor { occurred_at, id }))
}

/// After a first walk of [`FIRST_WALK`] events that found `found` matches, not a page
/// (but some): the matches of a second walk on from `end`, as long as the share seen says
/// fills the page, when that is cheaper than the full-text index; none when it is not.
async fn walk_on(
    db: &mut PgConnection,
    query: &AuditQuery,
    end: &SearchCursor,
    page_size: i64,
    found: usize,
) -> Result<Vec<sqlx::postgres::PgRow>, sqlx::Error> {
    let share = found as f64 / FIRST_WALK as f64;
    if share == 0.0 {
        return Ok(Vec::new());
    }
    // Every event, as `ANALYZE` last counted them (more than match the other terms, which
    // only favours walking; a walk stops where those run out anyway).
    let events: f64 = sqlx::query_scalar(
        "SELECT greatest(reltuples, 0)::float8 FROM pg_class
          WHERE oid = 'audit_events'::regclass",
    )
    .fetch_one(&mut *db)
    .await?;
    let walk = (page_size + 1) as f64 / share;
    if walk >= RANDOM_READ_COST * share * events {
        return Ok(Vec::new());
    }
    // Half as long again as the share seen suggests, for a margin; the first walk's events
    // are not read again.
    let walk = ((walk * 1.5).ceil() as i64).clamp(FIRST_WALK, MAX_WALK);
    if walk == FIRST_WALK {
        return Ok(Vec::new());
    }
    let still_wanted = page_size - found as i64;
    newest_matches(db, query, Some(end), still_wanted, walk - FIRST_WALK).await
}

/// One page of events matching `query`, newest first, older than `after` when given, and
/// the cursor of the page after it (`None` when this is the last page).
///
/// Free text needs care. Postgres can either walk an index in result order and test each
/// event's words until the page is full (cheap when the text is common), or collect every
/// match from the full-text index and sort them (cheap when it is rare), and it picks by
/// its estimate of how common the text is. For one word the estimate is good (`ANALYZE`
/// keeps the frequencies of common words). For several words (a phrase, or several quoted
/// terms) it multiplies their frequencies as if they were unrelated; the words of a name or
/// a base name go together, so a common phrase looks rare and Postgres collects tens of
/// thousands of matches to keep 51 (hundreds of milliseconds at 5M events).
///
/// So a search for several words measures instead of guessing: it walks the
/// [`FIRST_WALK`] newest events that match its other terms. A full page there is the
/// answer (every other match is older), and so is a short one when fewer events match the
/// other terms (the walk read them all). Otherwise the share of matches it saw tells how
/// long a walk would fill the page and how many matches the full-text index would fetch;
/// it walks on from where it stopped when that is cheaper (at most [`MAX_WALK`] events in
/// all), and runs the plain query, where the full-text index serves the rare phrase, when
/// not or when the page is still not full.
pub async fn search(
    db: &SearchPool,
    query: &AuditQuery,
    after: Option<&SearchCursor>,
    page_size: i64,
) -> Result<(Vec<AuditEventRow>, Option<SearchCursor>), sqlx::Error> {
    // Read-only statements, each its own transaction: no `BEGIN`/`COMMIT` round trips.
    let mut connection = db.pool.acquire().await?;
    search_in(&mut connection, query, after, page_size).await
}

/// [`search`] for a search whose text and values never change (the overview's recent
/// risky events), with its plan made once per pooled connection and reused
/// (`force_generic_plan`), where a plan for the values is the same plan.
///
/// Planning that one (a branch per action, fifteen of them) took 1.2 ms of Postgres on
/// every overview view, ten times its execution. Postgres' own choice, `auto`, went on
/// planning it past the fifth run on the `large` world's analyzed copy — the generic plan,
/// blind to the branches' `LIMIT`, looks dearer than the custom ones — though not on the
/// demo's. So it runs on the main pool in a transaction that sets the plan mode, with the
/// interactive time-out beside it.
pub async fn search_with_reused_plan(
    db: &PgPool,
    query: &AuditQuery,
    page_size: i64,
) -> Result<Vec<AuditEventRow>, sqlx::Error> {
    let mut tx = reused_plan_transaction(db).await?;
    let (found, _) = search_in(&mut tx, query, None, page_size).await?;
    tx.commit().await?;
    Ok(found)
}

/// A transaction whose statements reuse their plans and stop after [`INTERACTIVE_TIMEOUT`];
/// the connection, back in the pool, has Postgres' defaults again (`SET LOCAL`).
async fn reused_plan_transaction(
    db: &PgPool,
) -> Result<sqlx::Transaction<'static, Postgres>, sqlx::Error> {
    // One round trip: the settings ride with `BEGIN` (all in one simple query).
    db.begin_with(format!(
        "BEGIN; SET LOCAL statement_timeout = {}; SET LOCAL plan_cache_mode = force_generic_plan",
        INTERACTIVE_TIMEOUT.as_millis()
    ))
    .await
}

/// Connections for queries someone is waiting on — searches, the chart, counts: each
/// carries [`INTERACTIVE_TIMEOUT`] and [`CUSTOM_PLANS`] as its own settings, made once when
/// it opens, so a search is its statements alone.
///
/// Set per transaction instead (`BEGIN; SET LOCAL …`, then `COMMIT`), they cost two round
/// trips of every search, twice what the search's own statement costs on a busy console
/// (docs/BENCHMARKS.md). Apart from the main pool, the settings can never reach the
/// statements that must not be stopped or planned this way (the audit copy's writes,
/// snapshots, bulk jobs), and searches — the dearest of the pages — wait for each other
/// rather than taking every connection the other pages need.
#[derive(Clone, Debug)]
pub struct SearchPool {
    pool: PgPool,
}

/// What a [`SearchPool`] connection is set to when it opens.
static SEARCH_SETTINGS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SET statement_timeout = {}; SET plan_cache_mode = {CUSTOM_PLANS}",
        INTERACTIVE_TIMEOUT.as_millis()
    )
});

/// Connections in a console process's [`SearchPool`].
pub const SEARCH_CONNECTIONS: u32 = 4;

impl SearchPool {
    /// A pool to the same database, as the same role, as `main`, shaped by `options` (its
    /// size, its checks), opening connections as searches need them.
    pub fn open(main: &PgPool, options: PgPoolOptions) -> Self {
        SearchPool {
            pool: crate::pools::beside(main, options, SEARCH_SETTINGS.as_str()),
        }
    }

    /// [`SearchPool::open`] with [`SEARCH_CONNECTIONS`] and sqlx's default checks (tests,
    /// the benchmarks).
    pub fn beside(main: &PgPool) -> Self {
        Self::open(
            main,
            PgPoolOptions::new().max_connections(SEARCH_CONNECTIONS),
        )
    }

    /// The pool itself, for reading its gauges.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// How searches, charts and exports are planned: for the values at hand, every time.
///
/// sqlx prepares each statement once per connection, and after five runs Postgres may
/// switch a prepared statement to a generic plan, made without the values. A search's best
/// plan depends on them (how common a phrase or a category is), and in a generic plan
/// `phraseto_tsquery('simple', $n)` is no longer worked out once but for every event
/// tested: a walk on past 5,000 events of a million took 10.4 ms planned for its values and
/// 21.4 ms from the sixth run on (docs/BENCHMARKS.md). Planning each time costs well under
/// a millisecond.
pub const CUSTOM_PLANS: &str = "force_custom_plan";

/// How long one statement of an interactive search or chart may run.
pub const INTERACTIVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Whether `error` is a statement stopped by [`INTERACTIVE_TIMEOUT`].
pub fn is_timeout(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.code().as_deref() == Some("57014"))
}

/// A run of ASCII letters and digits is one word to Postgres' parser (an asciiword, numword
/// or uint), so a search for it need not ask Postgres how it splits.
fn is_plainly_one_word(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric())
}

async fn search_in(
    db: &mut PgConnection,
    query: &AuditQuery,
    after: Option<&SearchCursor>,
    page_size: i64,
) -> Result<(Vec<AuditEventRow>, Option<SearchCursor>), sqlx::Error> {
    let texts: Vec<&str> = query
        .terms
        .iter()
        .filter_map(|term| match &term.filter {
            Filter::Text(text) if !term.negated => Some(text.as_str()),
            _ => None,
        })
        .collect();
    let several_words = match texts.as_slice() {
        [] => false,
        [text] if is_plainly_one_word(text) => false,
        // Otherwise how Postgres splits it into words decides (`export-417.pdf` is one).
        [text] => {
            sqlx::query_scalar("SELECT numnode(phraseto_tsquery('simple', $1)) > 1")
                .bind(*text)
                .fetch_one(&mut *db)
                .await?
        }
        _ => true,
    };
    let mut rows = Vec::new();
    // Whether a walk read every event matching the other terms: then its matches are all
    // there are.
    let mut walked_everything = false;
    if several_words {
        rows = newest_matches(db, query, after, page_size, FIRST_WALK).await?;
        if rows.len() as i64 <= page_size {
            match end_of_walk(db, query, after, FIRST_WALK).await? {
                None => walked_everything = true,
                Some(end) => {
                    rows.extend(walk_on(db, query, &end, page_size, rows.len()).await?);
                }
            }
        }
    }
    if rows.len() as i64 <= page_size && !walked_everything {
        let mut sql = QueryBuilder::new("");
        // One row more than the page tells whether another page follows.
        push_newest(
            &mut sql,
            ROW_COLUMNS,
            &Conditions::new(query),
            Terms::All,
            after,
            page_size + 1,
        );
        rows = sql.build().fetch_all(&mut *db).await?;
    }
    let mut events = rows.iter().map(row_from).collect::<Result<Vec<_>, _>>()?;
    let next = if events.len() as i64 > page_size {
        events.truncate(page_size as usize);
        events.last().map(|last| SearchCursor {
            occurred_at: last.occurred_at,
            id: last.id.clone(),
        })
    } else {
        None
    };
    Ok((events, next))
}

/// One stored event, whole.
pub async fn event(db: &PgPool, id: &str) -> Result<Option<AuditEventDetail>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {ROW_COLUMNS}, user_agent, jsonb_pretty(raw) AS raw_json \
         FROM audit_events WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let mut detail = AuditEventDetail {
        row: row_from(&row)?,
        user_agent: row.try_get("user_agent")?,
        raw_json: row.try_get("raw_json")?,
    };
    crate::names::label_events(db, std::slice::from_mut(&mut detail.row)).await?;
    Ok(Some(detail))
}

/// Events over time for a search: one bar per `unit` (hour, day, week or month).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditHistogram {
    pub unit: &'static str,
    /// Start of each bucket (UTC) and how many events fall in it, oldest first; buckets
    /// without events are included so the time axis is even.
    pub buckets: Vec<(DateTime<Utc>, i64)>,
}

/// The bucket unit that draws `span` in at most [`MAX_BUCKETS`] bars.
fn bucket_unit(span: chrono::Duration) -> &'static str {
    let hours = span.num_hours();
    if hours <= MAX_BUCKETS {
        "hour"
    } else if hours / 24 <= MAX_BUCKETS {
        "day"
    } else if hours / (24 * 7) <= MAX_BUCKETS {
        "week"
    } else if hours / (24 * 30) <= MAX_BUCKETS {
        "month"
    } else {
        // Dates in a search lie within `MOMENT_YEARS`, so this draws at most ~100 bars.
        "year"
    }
}

/// How the events matching `query` spread over time: from the query's `after:` (or the
/// oldest stored event) to its `before:` (or now).
pub async fn histogram(db: &SearchPool, query: &AuditQuery) -> Result<AuditHistogram, sqlx::Error> {
    let mut connection = db.pool.acquire().await?;
    let from = match query.after() {
        Some(after) => Some(after),
        None => {
            sqlx::query_scalar("SELECT min(occurred_at) FROM audit_events")
                .fetch_one(&mut *connection)
                .await?
        }
    };
    let until = query.before().unwrap_or_else(Utc::now);
    let Some(from) = from.filter(|from| *from < until) else {
        return Ok(AuditHistogram {
            unit: "day",
            buckets: Vec::new(),
        });
    };
    let unit = bucket_unit(until - from);
    // Every bucket of the span, with the counts joined on, so empty stretches show as gaps.
    let mut sql = QueryBuilder::new("WITH counts AS (SELECT date_trunc(");
    sql.push_bind(unit)
        .push(", occurred_at, 'UTC') AS bucket, count(*) AS events FROM audit_events WHERE TRUE");
    push_conditions(&mut sql, query);
    sql.push(" GROUP BY 1) SELECT series.bucket, coalesce(counts.events, 0) AS events FROM generate_series(date_trunc(")
        .push_bind(unit)
        .push(", ")
        .push_bind(from)
        .push(", 'UTC'), ")
        .push_bind(until)
        // `before:` excludes its moment, so no bucket starts there.
        .push(" - interval '1 microsecond', ('1 ' || ")
        .push_bind(unit)
        .push(")::interval) AS series(bucket) LEFT JOIN counts USING (bucket) ORDER BY 1");
    let rows = sql.build().fetch_all(&mut *connection).await?;
    let buckets = rows
        .iter()
        .map(|row| Ok((row.try_get("bucket")?, row.try_get("events")?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(AuditHistogram { unit, buckets })
}

/// The formats a result set can be downloaded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One row per event with the main fields and the payload as JSON text.
    Csv,
    /// One event per line, exactly as Airtable sent it.
    Ndjson,
}

impl ExportFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Ndjson => "application/x-ndjson",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Ndjson => "ndjson",
        }
    }
}

const CSV_HEADER: &[&str] = &[
    "id",
    "timestamp",
    "action",
    "category",
    "actor_type",
    "actor_id",
    "actor_email",
    "actor_name",
    "model_id",
    "model_type",
    "workspace_id",
    "base_id",
    "ip_address",
    "user_agent",
    "payload",
];

/// Every event matching `query`, newest first, as a stream of download chunks. Rows come
/// from the database as they are sent (a server-side cursor), so memory stays flat however
/// large the result; a slow download holds the query back rather than piling rows up.
pub fn export(db: PgPool, query: AuditQuery, format: ExportFormat) -> Download {
    let filename = format!(
        "audit-{}.{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
        format.extension()
    );
    let (sender, chunks) = crate::export::channel();
    tokio::spawn(async move {
        let mut sql = QueryBuilder::new(format!(
            "SELECT {ROW_COLUMNS}, user_agent, raw::text AS raw_text, \
             coalesce(raw->'payload', 'null'::jsonb)::text AS payload_text \
             FROM audit_events WHERE TRUE"
        ));
        push_conditions(&mut sql, &query);
        sql.push(" ORDER BY occurred_at DESC, id DESC");
        let head = match format {
            ExportFormat::Csv => crate::csv_out::header(CSV_HEADER),
            ExportFormat::Ndjson => Vec::new(),
        };
        let lines = sql
            .build()
            .fetch(&db)
            .map(|row| row.and_then(|row| export_line(&row, format)));
        crate::export::pump(
            lines,
            head,
            |out, line| out.extend_from_slice(&line),
            sender,
        )
        .await;
    });
    Download {
        filename,
        content_type: format.content_type(),
        what: "audit export",
        chunks: Box::pin(chunks),
    }
}

fn export_line(row: &sqlx::postgres::PgRow, format: ExportFormat) -> Result<Vec<u8>, sqlx::Error> {
    let mut line = Vec::new();
    match format {
        ExportFormat::Ndjson => {
            let raw: String = row.try_get("raw_text")?;
            line.extend_from_slice(raw.as_bytes());
            line.push(b'\n');
        }
        ExportFormat::Csv => {
            let event = row_from(row)?;
            let user_agent: Option<String> = row.try_get("user_agent")?;
            let payload: String = row.try_get("payload_text")?;
            let timestamp = event
                .occurred_at
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            crate::csv_out::write_row(
                &mut line,
                [
                    Some(event.id.as_str()),
                    Some(timestamp.as_str()),
                    Some(event.action.as_str()),
                    event.category.as_deref(),
                    Some(event.actor_type.as_str()),
                    event.actor_id.as_deref(),
                    event.actor_email.as_deref(),
                    event.actor_name.as_deref(),
                    event.model_id.as_deref(),
                    event.model_type.as_deref(),
                    event.workspace_id.as_deref(),
                    event.base_id.as_deref(),
                    event.ip_address.as_deref(),
                    user_agent.as_deref(),
                    Some(payload.as_str()),
                ],
            );
        }
    }
    Ok(line)
}

// ---- Following the copy (alert rules) ----

/// An event of the copy with its place in the copy's order and the whole event as Airtable
/// sent it.
pub struct CopiedEvent {
    pub copy_seq: i64,
    pub row: AuditEventRow,
    pub raw: serde_json::Value,
}

/// The events that entered the copy after position `after` and up to `upto`
/// (`copy_seq`, see [`super::copy_order`]) and match `query`, in copy order, at most
/// `limit`: how alert rules follow the copy with the search's own conditions, so a rule
/// matches exactly what the same words find on the audit page.
pub async fn matching_in_copy(
    db: &mut PgConnection,
    query: &AuditQuery,
    after: i64,
    upto: i64,
    limit: i64,
) -> Result<Vec<CopiedEvent>, sqlx::Error> {
    let mut sql = QueryBuilder::new(format!(
        "SELECT {ROW_COLUMNS}, copy_seq, raw FROM audit_events WHERE copy_seq > "
    ));
    sql.push_bind(after)
        .push(" AND copy_seq <= ")
        .push_bind(upto);
    push_conditions(&mut sql, query);
    sql.push(" ORDER BY copy_seq LIMIT ").push_bind(limit);
    let rows = sql.build().fetch_all(&mut *db).await?;
    rows.iter()
        .map(|row| {
            Ok(CopiedEvent {
                copy_seq: row.try_get("copy_seq")?,
                row: row_from(row)?,
                raw: row.try_get("raw")?,
            })
        })
        .collect()
}

/// How many events match `query`, stopped like an interactive search (see [`search`]).
pub async fn count(db: &SearchPool, query: &AuditQuery) -> Result<i64, sqlx::Error> {
    let mut sql = QueryBuilder::new("SELECT count(*) FROM audit_events WHERE TRUE");
    push_conditions(&mut sql, query);
    sql.build_query_scalar().fetch_one(&db.pool).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_junk() {
        let cursor = SearchCursor {
            occurred_at: DateTime::from_timestamp_micros(1_767_225_600_123_456).unwrap(),
            id: "01JABCDEF".into(),
        };
        assert_eq!(SearchCursor::decode(&cursor.encode()), Some(cursor));
        for junk in ["", "_", "12_", "x_abc", "12_a'b", "99999999999999999999_a"] {
            assert_eq!(SearchCursor::decode(junk), None, "{junk}");
        }
    }

    /// A search pool's connections carry the time-out and the custom plans of their own;
    /// the main pool's keep Postgres' defaults, and so does a connection back from a
    /// reused-plan transaction.
    #[tokio::test]
    async fn search_connections_are_timed_out_and_only_they() {
        let main = crate::test_postgres::pool(1).await;
        let searches = SearchPool::beside(&main);
        let settings =
            "SELECT current_setting('statement_timeout'), current_setting('plan_cache_mode')";
        let defaults: (String, String) = sqlx::query_as(settings).fetch_one(&main).await.unwrap();
        assert_eq!(defaults.1, "auto", "pages keep Postgres' default");
        let searching: (String, String) = sqlx::query_as(settings)
            .fetch_one(&searches.pool)
            .await
            .unwrap();
        assert_eq!(
            searching,
            (
                format!("{}s", INTERACTIVE_TIMEOUT.as_secs()),
                CUSTOM_PLANS.to_string()
            )
        );
        let stopped = sqlx::query(&format!(
            "SELECT pg_sleep({})",
            INTERACTIVE_TIMEOUT.as_secs() + 1
        ))
        .execute(&searches.pool)
        .await
        .expect_err("stopped by the time-out");
        assert!(is_timeout(&stopped), "{stopped}");

        let mut tx = reused_plan_transaction(&main).await.expect("a transaction");
        let inside: (String, String) = sqlx::query_as(settings).fetch_one(&mut *tx).await.unwrap();
        assert_eq!(
            inside,
            (
                format!("{}s", INTERACTIVE_TIMEOUT.as_secs()),
                "force_generic_plan".to_string()
            )
        );
        tx.commit().await.unwrap();
        let after: (String, String) = sqlx::query_as(settings).fetch_one(&main).await.unwrap();
        assert_eq!(after, defaults);
    }

    #[tokio::test]
    async fn what_is_plainly_one_word_is_one_word_to_postgres() {
        let pool = crate::test_postgres::pool(1).await;
        for text in [
            "budget",
            "abc123",
            "123abc",
            "2026",
            "x",
            "AbC9dE",
            "12345678901234567890",
        ] {
            assert!(is_plainly_one_word(text), "{text}");
            let words: i32 = sqlx::query_scalar("SELECT numnode(phraseto_tsquery('simple', $1))")
                .bind(text)
                .fetch_one(&pool)
                .await
                .unwrap();
            assert_eq!(words, 1, "{text}");
        }
        for text in ["", "two words", "export-417.pdf", "a_b", "café"] {
            assert!(!is_plainly_one_word(text), "{text}");
        }
    }

    #[test]
    fn bucket_units_keep_the_chart_small() {
        assert_eq!(bucket_unit(chrono::Duration::hours(100)), "hour");
        assert_eq!(bucket_unit(chrono::Duration::days(30)), "day");
        assert_eq!(bucket_unit(chrono::Duration::days(200)), "week");
        assert_eq!(bucket_unit(chrono::Duration::days(800)), "week");
        assert_eq!(bucket_unit(chrono::Duration::days(3000)), "month");
        assert_eq!(bucket_unit(chrono::Duration::days(36_500)), "year");
    }
}
