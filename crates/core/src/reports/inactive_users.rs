//! Active users with no activity for the chosen number of days, and those never active.

use console_types::reports::{InactiveUserRow, ReportQuery, ReportRows};
use sqlx::{postgres::PgRow, Postgres, QueryBuilder, Row};

use super::definition::{time, yes_no, Definition, Needs};
use super::Snapshot;

pub(crate) struct InactiveUsers;

impl Definition for InactiveUsers {
    type Row = InactiveUserRow;
    const NEEDS: Needs = Needs::UserDetails;

    fn columns() -> &'static str {
        "u.user_id, u.email, u.name, u.last_activity_at, u.is_admin, u.is_managed, \
         u.is_service_account"
    }

    fn from_where(sql: &mut QueryBuilder<'static, Postgres>, snap: &Snapshot, query: &ReportQuery) {
        // Inactive as of the snapshot, so the report and its "as of" time agree.
        let cutoff = snap.taken_at - chrono::Duration::days(query.days.into());
        sql.push(" FROM snapshot_users u WHERE u.snapshot_id = ")
            .push_bind(snap.id)
            .push(
                " AND u.state = 'provisioned' \
                 AND (u.last_activity_at IS NULL OR u.last_activity_at < ",
            )
            .push_bind(cutoff)
            .push(")");
    }

    fn order_by() -> &'static str {
        // Never active first, then the longest idle.
        " ORDER BY u.last_activity_at ASC NULLS FIRST, u.user_id"
    }

    fn also_count() -> Option<&'static str> {
        Some("count(*) FILTER (WHERE u.last_activity_at IS NULL)")
    }

    fn row(r: &PgRow) -> sqlx::Result<InactiveUserRow> {
        Ok(InactiveUserRow {
            user_id: r.try_get("user_id")?,
            email: r.try_get("email")?,
            name: r.try_get("name")?,
            last_activity: r.try_get("last_activity_at")?,
            is_admin: r.try_get("is_admin")?,
            is_managed: r.try_get("is_managed")?,
            is_service_account: r.try_get("is_service_account")?,
        })
    }

    fn rows(rows: Vec<InactiveUserRow>) -> ReportRows {
        ReportRows::InactiveUsers(rows)
    }

    const CSV_HEADER: &'static [&'static str] = &[
        "user_id",
        "email",
        "name",
        "last_activity",
        "never_active",
        "admin",
        "managed",
        "service_account",
    ];

    fn csv_fields(u: InactiveUserRow) -> Vec<Option<String>> {
        vec![
            Some(u.user_id),
            Some(u.email),
            Some(u.name),
            time(u.last_activity),
            yes_no(u.last_activity.is_none()),
            yes_no(u.is_admin),
            yes_no(u.is_managed),
            yes_no(u.is_service_account),
        ]
    }
}
