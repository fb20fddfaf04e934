//! The reports, as SQL over the latest complete snapshot: each report is one file
//! implementing [`definition::Definition`] — one `FROM … WHERE` (counted, paged, or
//! streamed whole for the CSV), one order served by the indexes of its migration (so
//! 50,000 users answer as fast as 50), how a row is read and its CSV columns. This module
//! pages, counts and lists them; `export` streams them.
//!
//! Adding a report: its entry in the `reports!` table of `console-types` (with its row
//! type), a file here implementing `Definition`, its line in [`with_definition!`], and its
//! table on the page (`crates/app/src/pages/reports/`).

mod admin_gaps;
mod definition;
pub mod export;
mod external_collaborators;
mod inactive_users;
mod public_shares;
mod sole_owners;

use chrono::{DateTime, Utc};
use console_types::{
    api::ConsoleError,
    directory::PAGE_SIZE,
    reports::{
        ReportCount, ReportIndex, ReportKind, ReportQuery, ReportRows, ReportView,
        DEFAULT_INACTIVE_DAYS, REPORTS,
    },
};
use sqlx::{PgPool, QueryBuilder, Row};

use crate::error::internal;
use definition::{Definition, Needs};

/// Runs `$body` with `$def` naming the [`Definition`] of report `$kind`: the one place
/// that maps a kind to its file.
macro_rules! with_definition {
    ($kind:expr, $def:ident => $body:expr) => {
        match $kind {
            ReportKind::InactiveUsers => {
                type $def = $crate::reports::inactive_users::InactiveUsers;
                $body
            }
            ReportKind::ExternalCollaborators => {
                type $def = $crate::reports::external_collaborators::ExternalCollaborators;
                $body
            }
            ReportKind::AdminsWithoutSsoOr2fa => {
                type $def = $crate::reports::admin_gaps::AdminGaps;
                $body
            }
            ReportKind::SoleOwnerWorkspaces => {
                type $def = $crate::reports::sole_owners::SoleOwners;
                $body
            }
            ReportKind::PublicShares => {
                type $def = $crate::reports::public_shares::PublicShares;
                $body
            }
        }
    };
}
pub(crate) use with_definition;

/// The snapshot a report reads, and what it recorded.
pub(crate) struct Snapshot {
    pub id: i64,
    pub taken_at: DateTime<Utc>,
    /// External, 2FA, SSO and last activity (snapshots since the users page).
    pub details_recorded: bool,
    pub shares_recorded: bool,
    /// Why shares were not recorded, when Airtable refused them.
    pub shares_error: Option<String>,
}

pub(crate) async fn latest(db: &PgPool) -> sqlx::Result<Option<Snapshot>> {
    let row = sqlx::query(
        "SELECT id, taken_at, email_domains IS NOT NULL AS details_recorded, shares_recorded,
                shares_error
           FROM snapshots WHERE taken_at IS NOT NULL
          ORDER BY taken_at DESC, id DESC LIMIT 1",
    )
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        Ok(Snapshot {
            id: r.try_get("id")?,
            taken_at: r.try_get("taken_at")?,
            details_recorded: r.try_get("details_recorded")?,
            shares_recorded: r.try_get("shares_recorded")?,
            shares_error: r.try_get("shares_error")?,
        })
    })
    .transpose()
}

/// Why `snap` cannot answer a report that needs `needs` (it predates it), if it cannot.
fn unavailable(needs: Needs, snap: &Snapshot) -> Option<String> {
    match needs {
        Needs::UserDetails if !snap.details_recorded => Some(
            "This snapshot was taken before the console recorded last activity, external \
             users, SSO and two-factor sign-in; take a new one."
                .into(),
        ),
        Needs::Shares if !snap.shares_recorded => Some(match &snap.shares_error {
            Some(error) => format!(
                "This snapshot did not record shares (Airtable refused: {error}); take a new one."
            ),
            None => "This snapshot did not record shares; take a new one.".into(),
        }),
        _ => None,
    }
}

/// Why `snap` cannot answer report `kind`, if it cannot.
pub(crate) fn unavailable_for(kind: ReportKind, snap: &Snapshot) -> Option<String> {
    with_definition!(kind, D => unavailable(D::NEEDS, snap))
}

/// Every row of the report, in its order (for paging add LIMIT/OFFSET; the CSV streams it).
fn rows_sql<D: Definition>(
    snap: &Snapshot,
    query: &ReportQuery,
) -> QueryBuilder<'static, sqlx::Postgres> {
    let mut sql = QueryBuilder::new(format!("SELECT {}", D::columns()));
    D::from_where(&mut sql, snap, query);
    sql.push(D::order_by());
    sql
}

/// How many rows the report has, and its second count (inactive users: never active).
async fn count<D: Definition>(
    db: &PgPool,
    snap: &Snapshot,
    query: &ReportQuery,
) -> sqlx::Result<(i64, Option<i64>)> {
    let also = D::also_count().unwrap_or("NULL::bigint");
    let mut sql = QueryBuilder::new(format!("SELECT count(*), {also}"));
    D::from_where(&mut sql, snap, query);
    let row = sql.build().fetch_one(db).await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

/// One page of rows, with the counts.
async fn page<D: Definition>(
    db: &PgPool,
    snap: &Snapshot,
    query: &ReportQuery,
) -> sqlx::Result<(i64, Option<i64>, ReportRows)> {
    let (total, also) = count::<D>(db, snap, query).await?;
    let mut sql = rows_sql::<D>(snap, query);
    sql.push(" LIMIT ")
        .push_bind(PAGE_SIZE)
        .push(" OFFSET ")
        .push_bind((query.page - 1).saturating_mul(PAGE_SIZE));
    let rows = sql
        .build()
        .fetch_all(db)
        .await?
        .iter()
        .map(D::row)
        .collect::<sqlx::Result<Vec<_>>>()?;
    Ok((total, also, D::rows(rows)))
}

/// One page of a report from the latest complete snapshot.
pub async fn report(
    db: &PgPool,
    kind: ReportKind,
    query: &ReportQuery,
) -> Result<ReportView, ConsoleError> {
    let mut view = ReportView {
        kind,
        query: query.clone(),
        snapshot_id: None,
        as_of: None,
        unavailable: None,
        total: 0,
        never_active: None,
        rows: ReportRows::empty(kind),
    };
    let Some(snap) = latest(db).await.map_err(internal)? else {
        return Ok(view);
    };
    view.snapshot_id = Some(snap.id);
    view.as_of = Some(snap.taken_at);
    if let Some(reason) = unavailable_for(kind, &snap) {
        view.unavailable = Some(reason);
        return Ok(view);
    }
    let (total, never, rows) =
        with_definition!(kind, D => page::<D>(db, &snap, query).await).map_err(internal)?;
    view.total = total;
    view.never_active = never;
    view.rows = rows;
    Ok(view)
}

/// Each report's size in the latest complete snapshot.
pub async fn index(db: &PgPool) -> Result<ReportIndex, ConsoleError> {
    let mut index = ReportIndex {
        snapshot_id: None,
        as_of: None,
        inactive_days: DEFAULT_INACTIVE_DAYS,
        counts: Vec::new(),
    };
    let Some(snap) = latest(db).await.map_err(internal)? else {
        return Ok(index);
    };
    index.snapshot_id = Some(snap.id);
    index.as_of = Some(snap.taken_at);
    let query = ReportQuery::default();
    for kind in REPORTS {
        let reason = unavailable_for(*kind, &snap);
        let count = match reason {
            Some(_) => None,
            None => Some(
                with_definition!(*kind, D => count::<D>(db, &snap, &query).await)
                    .map_err(internal)?
                    .0,
            ),
        };
        index.counts.push(ReportCount {
            kind: *kind,
            count,
            unavailable: reason,
        });
    }
    Ok(index)
}
