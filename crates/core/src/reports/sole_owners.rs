//! Workspaces with exactly one owner, deactivated owners first.

use console_types::reports::{ReportQuery, ReportRows, SoleOwnerRow};
use sqlx::{postgres::PgRow, Postgres, QueryBuilder, Row};

use super::definition::{yes_no, Definition, Needs};
use super::Snapshot;

pub(crate) struct SoleOwners;

impl Definition for SoleOwners {
    type Row = SoleOwnerRow;
    const NEEDS: Needs = Needs::Nothing;

    fn columns() -> &'static str {
        "w.workspace_id, w.workspace_name, w.principal_id, w.principal_name,
         u.name AS owner_name, u.state AS owner_state"
    }

    fn from_where(sql: &mut QueryBuilder<'static, Postgres>, snap: &Snapshot, _: &ReportQuery) {
        sql.push(
            " FROM snapshot_workspace_access w
              LEFT JOIN snapshot_users u
                ON u.snapshot_id = w.snapshot_id AND u.user_id = w.principal_id
             WHERE w.snapshot_id = ",
        )
        .push_bind(snap.id)
        .push(
            " AND w.permission = 'owner'
              AND NOT EXISTS (
                  SELECT 1 FROM snapshot_workspace_access o
                   WHERE o.snapshot_id = w.snapshot_id AND o.workspace_id = w.workspace_id
                     AND o.permission = 'owner' AND o.principal_id <> w.principal_id)",
        );
    }

    fn order_by() -> &'static str {
        // Deactivated owners first: nobody can manage those workspaces now.
        " ORDER BY (u.state = 'deactivated') IS TRUE DESC, lower(w.workspace_name), \
         w.workspace_id"
    }

    fn row(r: &PgRow) -> sqlx::Result<SoleOwnerRow> {
        Ok(SoleOwnerRow {
            workspace_id: r.try_get("workspace_id")?,
            workspace_name: r.try_get("workspace_name")?,
            owner_id: r.try_get("principal_id")?,
            owner_label: r.try_get("principal_name")?,
            owner_name: r.try_get("owner_name")?,
            owner_state: r.try_get("owner_state")?,
        })
    }

    fn rows(rows: Vec<SoleOwnerRow>) -> ReportRows {
        ReportRows::SoleOwnerWorkspaces(rows)
    }

    const CSV_HEADER: &'static [&'static str] = &[
        "workspace_id",
        "workspace_name",
        "owner_id",
        "owner",
        "owner_name",
        "owner_state",
        "owner_deactivated",
    ];

    fn csv_fields(w: SoleOwnerRow) -> Vec<Option<String>> {
        let deactivated = w.owner_deactivated();
        vec![
            Some(w.workspace_id),
            Some(w.workspace_name),
            Some(w.owner_id),
            Some(w.owner_label),
            w.owner_name,
            w.owner_state,
            yes_no(deactivated),
        ]
    }
}
