//! Enabled share links anyone with the link can open: no password, no email-domain
//! restriction, not limited to enterprise members.

use console_types::reports::{PublicShareRow, ReportQuery, ReportRows};
use sqlx::{postgres::PgRow, Postgres, QueryBuilder, Row};

use super::definition::{time, Definition, Needs};
use super::Snapshot;

pub(crate) struct PublicShares;

impl Definition for PublicShares {
    type Row = PublicShareRow;
    const NEEDS: Needs = Needs::Shares;

    fn columns() -> &'static str {
        "s.share_id, s.kind, s.base_id, s.base_name, s.workspace_id, s.workspace_name,
         s.created_by, u.email AS created_by_email, s.created_at"
    }

    fn from_where(sql: &mut QueryBuilder<'static, Postgres>, snap: &Snapshot, _: &ReportQuery) {
        sql.push(
            " FROM snapshot_shares s
              LEFT JOIN snapshot_users u
                ON u.snapshot_id = s.snapshot_id AND u.user_id = s.created_by
             WHERE s.snapshot_id = ",
        )
        .push_bind(snap.id)
        .push(
            " AND s.state = 'enabled' AND NOT s.is_password_protected
              AND cardinality(s.restricted_to_email_domains) = 0
              AND NOT s.restricted_to_enterprise_members",
        );
    }

    fn order_by() -> &'static str {
        " ORDER BY lower(coalesce(s.base_name, s.base_id)), s.base_id, s.share_id"
    }

    fn row(r: &PgRow) -> sqlx::Result<PublicShareRow> {
        Ok(PublicShareRow {
            share_id: r.try_get("share_id")?,
            kind: r.try_get("kind")?,
            base_id: r.try_get("base_id")?,
            base_name: r.try_get("base_name")?,
            workspace_id: r.try_get("workspace_id")?,
            workspace_name: r.try_get("workspace_name")?,
            created_by: r.try_get("created_by")?,
            created_by_email: r.try_get("created_by_email")?,
            created_at: r.try_get("created_at")?,
        })
    }

    fn rows(rows: Vec<PublicShareRow>) -> ReportRows {
        ReportRows::PublicShares(rows)
    }

    const CSV_HEADER: &'static [&'static str] = &[
        "share_id",
        "type",
        "base_id",
        "base_name",
        "workspace_id",
        "workspace_name",
        "created_by",
        "created_by_email",
        "created_at",
    ];

    fn csv_fields(s: PublicShareRow) -> Vec<Option<String>> {
        vec![
            Some(s.share_id),
            Some(s.kind),
            Some(s.base_id),
            s.base_name,
            Some(s.workspace_id),
            Some(s.workspace_name),
            Some(s.created_by),
            s.created_by_email,
            time(Some(s.created_at)),
        ]
    }
}
