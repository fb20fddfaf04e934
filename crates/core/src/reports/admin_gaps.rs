//! Enterprise admins not required to use SSO, or without two-factor sign-in.

use console_types::reports::{AdminGapRow, ReportQuery, ReportRows};
use sqlx::{postgres::PgRow, Postgres, QueryBuilder, Row};

use super::definition::{time, yes_no, Definition, Needs};
use super::Snapshot;

pub(crate) struct AdminGaps;

impl Definition for AdminGaps {
    type Row = AdminGapRow;
    const NEEDS: Needs = Needs::UserDetails;

    fn columns() -> &'static str {
        "u.user_id, u.email, u.name, u.state, u.is_super_admin,
         coalesce(u.is_sso_required, false) AS sso_required,
         coalesce(u.is_two_factor_auth_enabled, false) AS two_factor, u.last_activity_at"
    }

    fn from_where(sql: &mut QueryBuilder<'static, Postgres>, snap: &Snapshot, _: &ReportQuery) {
        sql.push(" FROM snapshot_users u WHERE u.snapshot_id = ")
            .push_bind(snap.id)
            .push(
                " AND u.is_admin AND (u.is_sso_required IS NOT TRUE \
                 OR u.is_two_factor_auth_enabled IS NOT TRUE)",
            );
    }

    fn order_by() -> &'static str {
        " ORDER BY lower(u.email), u.user_id"
    }

    fn row(r: &PgRow) -> sqlx::Result<AdminGapRow> {
        Ok(AdminGapRow {
            user_id: r.try_get("user_id")?,
            email: r.try_get("email")?,
            name: r.try_get("name")?,
            state: r.try_get("state")?,
            is_super_admin: r.try_get("is_super_admin")?,
            sso_required: r.try_get("sso_required")?,
            two_factor: r.try_get("two_factor")?,
            last_activity: r.try_get("last_activity_at")?,
        })
    }

    fn rows(rows: Vec<AdminGapRow>) -> ReportRows {
        ReportRows::AdminsWithoutSsoOr2fa(rows)
    }

    const CSV_HEADER: &'static [&'static str] = &[
        "user_id",
        "email",
        "name",
        "state",
        "super_admin",
        "sso_required",
        "two_factor",
        "missing",
        "last_activity",
    ];

    fn csv_fields(u: AdminGapRow) -> Vec<Option<String>> {
        let missing = u.missing();
        vec![
            Some(u.user_id),
            Some(u.email),
            Some(u.name),
            Some(u.state),
            yes_no(u.is_super_admin),
            yes_no(u.sso_required),
            yes_no(u.two_factor),
            Some(missing),
            time(u.last_activity),
        ]
    }
}
