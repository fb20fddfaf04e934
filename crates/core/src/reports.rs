//! The reports, as SQL over the latest complete snapshot: each report is one `FROM … WHERE`
//! (counted, paged, or streamed whole for the CSV) and one order, served by the indexes of
//! its migration, so 50,000 users answer as fast as 50.

pub mod export;

use chrono::{DateTime, Utc};
use console_types::{
    api::ConsoleError,
    directory::PAGE_SIZE,
    reports::{
        AdminGapRow, ExternalCollaboratorRow, GroupRef, InactiveUserRow, PublicShareRow,
        ReportCount, ReportIndex, ReportKind, ReportQuery, ReportRows, ReportView, SoleOwnerRow,
        WorkspaceReach, DEFAULT_INACTIVE_DAYS, REPORTS,
    },
};
use serde::Deserialize;
use sqlx::{postgres::PgRow, types::Json, PgPool, Postgres, QueryBuilder, Row};

use crate::error::internal;

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

/// Why `snap` cannot answer `kind` (it predates what the report needs), if it cannot.
pub(crate) fn unavailable(kind: ReportKind, snap: &Snapshot) -> Option<String> {
    match kind {
        ReportKind::InactiveUsers
        | ReportKind::ExternalCollaborators
        | ReportKind::AdminsWithoutSsoOr2fa
            if !snap.details_recorded =>
        {
            Some(
                "This snapshot was taken before the console recorded last activity, external \
                 users, SSO and two-factor sign-in; take a new one."
                    .into(),
            )
        }
        ReportKind::PublicShares if !snap.shares_recorded => Some(match &snap.shares_error {
            Some(error) => format!(
                "This snapshot did not record shares (Airtable refused: {error}); take a new one."
            ),
            None => "This snapshot did not record shares; take a new one.".into(),
        }),
        _ => None,
    }
}

/// The columns a report's rows are read from.
fn columns(kind: ReportKind) -> &'static str {
    match kind {
        ReportKind::InactiveUsers => {
            "u.user_id, u.email, u.name, u.last_activity_at, u.is_admin, u.is_managed, \
             u.is_service_account"
        }
        ReportKind::ExternalCollaborators => {
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
        ReportKind::AdminsWithoutSsoOr2fa => {
            "u.user_id, u.email, u.name, u.state, u.is_super_admin,
             coalesce(u.is_sso_required, false) AS sso_required,
             coalesce(u.is_two_factor_auth_enabled, false) AS two_factor, u.last_activity_at"
        }
        ReportKind::SoleOwnerWorkspaces => {
            "w.workspace_id, w.workspace_name, w.principal_id, w.principal_name,
             u.name AS owner_name, u.state AS owner_state"
        }
        ReportKind::PublicShares => {
            "s.share_id, s.kind, s.base_id, s.base_name, s.workspace_id, s.workspace_name,
             s.created_by, u.email AS created_by_email, s.created_at"
        }
    }
}

/// ` FROM … WHERE …` for the report's rows in snapshot `snap`.
fn push_from_where(
    sql: &mut QueryBuilder<'static, Postgres>,
    kind: ReportKind,
    snap: &Snapshot,
    query: &ReportQuery,
) {
    match kind {
        ReportKind::InactiveUsers => {
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
        ReportKind::ExternalCollaborators => {
            sql.push(" FROM snapshot_users u WHERE u.snapshot_id = ")
                .push_bind(snap.id)
                .push(" AND u.is_external");
        }
        ReportKind::AdminsWithoutSsoOr2fa => {
            sql.push(" FROM snapshot_users u WHERE u.snapshot_id = ")
                .push_bind(snap.id)
                .push(
                    " AND u.is_admin AND (u.is_sso_required IS NOT TRUE \
                     OR u.is_two_factor_auth_enabled IS NOT TRUE)",
                );
        }
        ReportKind::SoleOwnerWorkspaces => {
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
        ReportKind::PublicShares => {
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
    }
}

/// ` ORDER BY …` (each matches an index of the migration, or sorts a few rows).
fn order_by(kind: ReportKind) -> &'static str {
    match kind {
        // Never active first, then the longest idle.
        ReportKind::InactiveUsers => " ORDER BY u.last_activity_at ASC NULLS FIRST, u.user_id",
        ReportKind::ExternalCollaborators | ReportKind::AdminsWithoutSsoOr2fa => {
            " ORDER BY lower(u.email), u.user_id"
        }
        // Deactivated owners first: nobody can manage those workspaces now.
        ReportKind::SoleOwnerWorkspaces => {
            " ORDER BY (u.state = 'deactivated') IS TRUE DESC, lower(w.workspace_name), \
             w.workspace_id"
        }
        ReportKind::PublicShares => {
            " ORDER BY lower(coalesce(s.base_name, s.base_id)), s.base_id, s.share_id"
        }
    }
}

/// Every row of the report, in its order (for paging add LIMIT/OFFSET; the CSV streams it).
pub(crate) fn rows_sql(
    kind: ReportKind,
    snap: &Snapshot,
    query: &ReportQuery,
) -> QueryBuilder<'static, Postgres> {
    let mut sql = QueryBuilder::new(format!("SELECT {}", columns(kind)));
    push_from_where(&mut sql, kind, snap, query);
    sql.push(order_by(kind));
    sql
}

/// How many rows the report has, and (inactive users) how many of them were never active.
async fn count(
    db: &PgPool,
    kind: ReportKind,
    snap: &Snapshot,
    query: &ReportQuery,
) -> sqlx::Result<(i64, Option<i64>)> {
    let never = if kind == ReportKind::InactiveUsers {
        "count(*) FILTER (WHERE u.last_activity_at IS NULL)"
    } else {
        "NULL::bigint"
    };
    let mut sql = QueryBuilder::new(format!("SELECT count(*), {never}"));
    push_from_where(&mut sql, kind, snap, query);
    let row = sql.build().fetch_one(db).await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

#[derive(Deserialize)]
struct ReachJson {
    id: String,
    name: String,
    permission: String,
    via_id: Option<String>,
    via_name: Option<String>,
}

/// One row of a report, as read by [`rows_sql`].
pub(crate) enum ReportRow {
    InactiveUser(InactiveUserRow),
    ExternalCollaborator(ExternalCollaboratorRow),
    AdminGap(AdminGapRow),
    SoleOwner(SoleOwnerRow),
    PublicShare(PublicShareRow),
}

pub(crate) fn row_from(kind: ReportKind, r: &PgRow) -> sqlx::Result<ReportRow> {
    Ok(match kind {
        ReportKind::InactiveUsers => ReportRow::InactiveUser(InactiveUserRow {
            user_id: r.try_get("user_id")?,
            email: r.try_get("email")?,
            name: r.try_get("name")?,
            last_activity: r.try_get("last_activity_at")?,
            is_admin: r.try_get("is_admin")?,
            is_managed: r.try_get("is_managed")?,
            is_service_account: r.try_get("is_service_account")?,
        }),
        ReportKind::ExternalCollaborators => {
            let Json(groups): Json<Vec<GroupRef>> = r.try_get("groups")?;
            let Json(reach): Json<Vec<ReachJson>> = r.try_get("workspaces")?;
            ReportRow::ExternalCollaborator(ExternalCollaboratorRow {
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
        ReportKind::AdminsWithoutSsoOr2fa => ReportRow::AdminGap(AdminGapRow {
            user_id: r.try_get("user_id")?,
            email: r.try_get("email")?,
            name: r.try_get("name")?,
            state: r.try_get("state")?,
            is_super_admin: r.try_get("is_super_admin")?,
            sso_required: r.try_get("sso_required")?,
            two_factor: r.try_get("two_factor")?,
            last_activity: r.try_get("last_activity_at")?,
        }),
        ReportKind::SoleOwnerWorkspaces => ReportRow::SoleOwner(SoleOwnerRow {
            workspace_id: r.try_get("workspace_id")?,
            workspace_name: r.try_get("workspace_name")?,
            owner_id: r.try_get("principal_id")?,
            owner_label: r.try_get("principal_name")?,
            owner_name: r.try_get("owner_name")?,
            owner_state: r.try_get("owner_state")?,
        }),
        ReportKind::PublicShares => ReportRow::PublicShare(PublicShareRow {
            share_id: r.try_get("share_id")?,
            kind: r.try_get("kind")?,
            base_id: r.try_get("base_id")?,
            base_name: r.try_get("base_name")?,
            workspace_id: r.try_get("workspace_id")?,
            workspace_name: r.try_get("workspace_name")?,
            created_by: r.try_get("created_by")?,
            created_by_email: r.try_get("created_by_email")?,
            created_at: r.try_get("created_at")?,
        }),
    })
}

fn collect(kind: ReportKind, rows: Vec<ReportRow>) -> ReportRows {
    let mut out = ReportRows::empty(kind);
    for row in rows {
        match (&mut out, row) {
            (ReportRows::InactiveUsers(v), ReportRow::InactiveUser(r)) => v.push(r),
            (ReportRows::ExternalCollaborators(v), ReportRow::ExternalCollaborator(r)) => v.push(r),
            (ReportRows::AdminsWithoutSsoOr2fa(v), ReportRow::AdminGap(r)) => v.push(r),
            (ReportRows::SoleOwnerWorkspaces(v), ReportRow::SoleOwner(r)) => v.push(r),
            (ReportRows::PublicShares(v), ReportRow::PublicShare(r)) => v.push(r),
            // `row_from` reads every row of a query as the query's kind.
            _ => {}
        }
    }
    out
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
    if let Some(reason) = unavailable(kind, &snap) {
        view.unavailable = Some(reason);
        return Ok(view);
    }
    let (total, never) = count(db, kind, &snap, query).await.map_err(internal)?;
    let mut sql = rows_sql(kind, &snap, query);
    sql.push(" LIMIT ")
        .push_bind(PAGE_SIZE)
        .push(" OFFSET ")
        .push_bind((query.page - 1).saturating_mul(PAGE_SIZE));
    let rows = sql
        .build()
        .fetch_all(db)
        .await
        .map_err(internal)?
        .iter()
        .map(|r| row_from(kind, r))
        .collect::<sqlx::Result<Vec<_>>>()
        .map_err(internal)?;
    view.total = total;
    view.never_active = never;
    view.rows = collect(kind, rows);
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
        let reason = unavailable(*kind, &snap);
        let count = match reason {
            Some(_) => None,
            None => Some(count(db, *kind, &snap, &query).await.map_err(internal)?.0),
        };
        index.counts.push(ReportCount {
            kind: *kind,
            count,
            unavailable: reason,
        });
    }
    Ok(index)
}
