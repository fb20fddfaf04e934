//! Users whose email is on none of the enterprise's domains, with their groups and the
//! workspaces they (or their groups) can reach.

use console_types::reports::{
    ExternalCollaboratorRow, GroupRef, ReportQuery, ReportRows, WorkspaceReach,
};
use serde::Deserialize;
use sqlx::{postgres::PgRow, types::Json, Postgres, QueryBuilder, Row};

use super::definition::{time, Definition, Needs};
use super::Snapshot;

pub(crate) struct ExternalCollaborators;

/// One workspace a user reaches, as the query's JSON has it.
#[derive(Deserialize)]
struct ReachJson {
    id: String,
    name: String,
    permission: String,
    via_id: Option<String>,
    via_name: Option<String>,
}

impl Definition for ExternalCollaborators {
    type Row = ExternalCollaboratorRow;
    const NEEDS: Needs = Needs::UserDetails;

    fn columns() -> &'static str {
        // Per user: their groups, and the workspaces granted to them or to those groups.
        "u.user_id, u.email, u.name, u.state, u.last_activity_at,
         (SELECT coalesce(jsonb_agg(jsonb_build_object('id', g.group_id, 'name', g.group_name)
                                    ORDER BY lower(g.group_name), g.group_id), '[]'::jsonb)
            FROM snapshot_group_members g
           WHERE g.snapshot_id = u.snapshot_id AND g.user_id = u.user_id) AS groups,
         (SELECT coalesce(jsonb_agg(jsonb_build_object('id', r.workspace_id,
                                    'name', r.workspace_name, 'permission', r.permission,
                                    'via_id', r.via_id, 'via_name', r.via_name)
                                    ORDER BY lower(r.workspace_name), r.workspace_id,
                                             r.via_name NULLS FIRST), '[]'::jsonb)
            FROM (SELECT a.workspace_id, a.workspace_name, a.permission,
                         NULL::text AS via_id, NULL::text AS via_name
                    FROM snapshot_workspace_access a
                   WHERE a.snapshot_id = u.snapshot_id AND a.principal_id = u.user_id
                  UNION ALL
                  SELECT a.workspace_id, a.workspace_name, a.permission, g.group_id,
                         g.group_name
                    FROM snapshot_group_members g
                    JOIN snapshot_workspace_access a
                      ON a.snapshot_id = g.snapshot_id AND a.principal_id = g.group_id
                   WHERE g.snapshot_id = u.snapshot_id AND g.user_id = u.user_id) r
         ) AS workspaces"
    }

    fn from_where(sql: &mut QueryBuilder<'static, Postgres>, snap: &Snapshot, _: &ReportQuery) {
        sql.push(" FROM snapshot_users u WHERE u.snapshot_id = ")
            .push_bind(snap.id)
            .push(" AND u.is_external");
    }

    fn order_by() -> &'static str {
        " ORDER BY lower(u.email), u.user_id"
    }

    fn row(r: &PgRow) -> sqlx::Result<ExternalCollaboratorRow> {
        let Json(groups): Json<Vec<GroupRef>> = r.try_get("groups")?;
        let Json(reach): Json<Vec<ReachJson>> = r.try_get("workspaces")?;
        Ok(ExternalCollaboratorRow {
            user_id: r.try_get("user_id")?,
            email: r.try_get("email")?,
            name: r.try_get("name")?,
            state: r.try_get("state")?,
            last_activity: r.try_get("last_activity_at")?,
            groups,
            workspaces: reach
                .into_iter()
                .map(|w| WorkspaceReach {
                    id: w.id,
                    name: w.name,
                    permission: w.permission,
                    via_group: w.via_id.map(|id| GroupRef {
                        id,
                        name: w.via_name.unwrap_or_default(),
                    }),
                })
                .collect(),
        })
    }

    fn rows(rows: Vec<ExternalCollaboratorRow>) -> ReportRows {
        ReportRows::ExternalCollaborators(rows)
    }

    const CSV_HEADER: &'static [&'static str] = &[
        "user_id",
        "email",
        "name",
        "state",
        "last_activity",
        "groups",
        "workspaces",
    ];

    fn csv_fields(u: ExternalCollaboratorRow) -> Vec<Option<String>> {
        let groups = u
            .groups
            .iter()
            .map(|g| format!("{} ({})", g.name, g.id))
            .collect::<Vec<_>>()
            .join("; ");
        let workspaces = u
            .workspaces
            .iter()
            .map(|w| {
                let via = w
                    .via_group
                    .as_ref()
                    .map(|g| format!(" via {}", g.name))
                    .unwrap_or_default();
                format!("{} ({}): {}{via}", w.name, w.id, w.permission)
            })
            .collect::<Vec<_>>()
            .join("; ");
        vec![
            Some(u.user_id),
            Some(u.email),
            Some(u.name),
            Some(u.state),
            time(u.last_activity),
            Some(groups),
            Some(workspaces),
        ]
    }
}
