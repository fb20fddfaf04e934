//! What a report is, once: its SQL over a snapshot, how a row is read, and its CSV. Each
//! report is one file implementing [`Definition`]; `super::with_definition!` finds the
//! definition of a [`ReportKind`], and everything else (paging, counts, the index, the CSV
//! download) is written once over the trait.

use console_types::reports::{ReportQuery, ReportRows};
use sqlx::{postgres::PgRow, Postgres, QueryBuilder};

use super::Snapshot;

/// What a snapshot must have recorded for a report to read it (older snapshots did not
/// record everything).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Needs {
    /// Users and workspaces: every complete snapshot has them.
    Nothing,
    /// Last activity, external users, SSO and two-factor sign-in.
    UserDetails,
    /// The bases' share links.
    Shares,
}

pub(crate) trait Definition: 'static {
    /// One row, as the browser shows it (a `console-types` struct).
    type Row: Send + 'static;

    const NEEDS: Needs;

    /// The columns after `SELECT`.
    fn columns() -> &'static str;

    /// ` FROM … WHERE …` for the report's rows in `snap`.
    fn from_where(sql: &mut QueryBuilder<'static, Postgres>, snap: &Snapshot, query: &ReportQuery);

    /// ` ORDER BY …` (each matches an index of the report's migration, or sorts a few rows).
    fn order_by() -> &'static str;

    /// A second count beside the total, as SQL (inactive users: how many never were active).
    fn also_count() -> Option<&'static str> {
        None
    }

    /// A row as read by `columns()`.
    fn row(r: &PgRow) -> sqlx::Result<Self::Row>;

    /// A page of rows, as the view carries them.
    fn rows(rows: Vec<Self::Row>) -> ReportRows;

    /// The CSV's columns.
    const CSV_HEADER: &'static [&'static str];

    /// A row's CSV fields, in `CSV_HEADER`'s order. Lists are `; `-separated in one cell.
    fn csv_fields(row: Self::Row) -> Vec<Option<String>>;
}

/// A time in a CSV field.
pub(crate) fn time(t: Option<chrono::DateTime<chrono::Utc>>) -> Option<String> {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// A yes/no CSV field.
pub(crate) fn yes_no(value: bool) -> Option<String> {
    Some(if value { "yes" } else { "no" }.to_string())
}
