//! Lists of workspaces and groups, served from the latest complete snapshot (thousands of
//! workspaces cannot be read from Airtable one by one while a page waits).

use chrono::{DateTime, Utc};
use console_types::{
    api::ConsoleError,
    directory::{GroupRow, SnapshotPage, WorkspaceRow, PAGE_SIZE},
};
use sqlx::{postgres::PgRow, PgExecutor, PgPool, Row};

use super::like_pattern;
use crate::error::internal;

/// The latest complete snapshot: its ID and when it was taken.
async fn latest_snapshot(db: impl PgExecutor<'_>) -> sqlx::Result<Option<(i64, DateTime<Utc>)>> {
    sqlx::query_as(
        "SELECT id, taken_at FROM snapshots WHERE taken_at IS NOT NULL
          ORDER BY taken_at DESC, id DESC LIMIT 1",
    )
    .fetch_optional(db)
    .await
}

fn empty_page<T>(q: &str, page: i64) -> SnapshotPage<T> {
    SnapshotPage {
        snapshot_id: None,
        as_of: None,
        q: q.to_string(),
        page,
        total: 0,
        rows: Vec::new(),
    }
}

fn clean_query(q: &str, page: i64) -> Result<(String, i64), ConsoleError> {
    let q = q.trim();
    if q.chars().count() > 200 {
        return Err(ConsoleError::Invalid(
            "The search is too long: use at most 200 characters.".into(),
        ));
    }
    if page < 1 {
        return Err(ConsoleError::Invalid("Page numbers start at 1.".into()));
    }
    Ok((q.to_string(), page))
}

/// One page of a list from the latest complete snapshot, searched by `q`, on one pooled
/// connection (each checkout costs a round trip: the pool pings a connection when it goes
/// back, `crates/server/src/db.rs`). `count` and `rows` are statements over the snapshot (`$1`) and the search
/// pattern (`$2`); `rows` pages with `LIMIT $3 OFFSET $4`, and `read` reads one of its rows.
async fn snapshot_page<T>(
    db: &PgPool,
    q: &str,
    page: i64,
    count: &str,
    rows: &str,
    read: impl Fn(&PgRow) -> sqlx::Result<T>,
) -> Result<SnapshotPage<T>, ConsoleError> {
    let (q, page) = clean_query(q, page)?;
    let mut conn = db.acquire().await.map_err(internal)?;
    let Some((snapshot, taken_at)) = latest_snapshot(&mut *conn).await.map_err(internal)? else {
        return Ok(empty_page(&q, page));
    };
    let pattern = like_pattern(&q);
    let total: i64 = sqlx::query_scalar(count)
        .bind(snapshot)
        .bind(&pattern)
        .fetch_one(&mut *conn)
        .await
        .map_err(internal)?;
    let rows = sqlx::query(rows)
        .bind(snapshot)
        .bind(&pattern)
        .bind(PAGE_SIZE)
        .bind((page - 1).saturating_mul(PAGE_SIZE))
        .fetch_all(&mut *conn)
        .await
        .map_err(internal)?
        .iter()
        .map(read)
        .collect::<sqlx::Result<Vec<_>>>()
        .map_err(internal)?;
    Ok(SnapshotPage {
        snapshot_id: Some(snapshot),
        as_of: Some(taken_at),
        q,
        page,
        total,
        rows,
    })
}

/// One page of workspaces from the latest complete snapshot, by name.
pub async fn workspaces(
    db: &PgPool,
    q: &str,
    page: i64,
) -> Result<SnapshotPage<WorkspaceRow>, ConsoleError> {
    snapshot_page(
        db,
        q,
        page,
        "SELECT count(DISTINCT workspace_id) FROM snapshot_workspace_access
          WHERE snapshot_id = $1 AND (workspace_name ILIKE $2 OR workspace_id ILIKE $2)",
        "SELECT workspace_id, max(workspace_name) AS name,
                count(*) FILTER (WHERE principal_id LIKE 'usr%') AS users,
                count(*) FILTER (WHERE principal_id LIKE 'ugp%') AS groups
           FROM snapshot_workspace_access
          WHERE snapshot_id = $1 AND (workspace_name ILIKE $2 OR workspace_id ILIKE $2)
          GROUP BY workspace_id
          ORDER BY lower(max(workspace_name)), workspace_id
          LIMIT $3 OFFSET $4",
        |r| {
            Ok(WorkspaceRow {
                id: r.try_get("workspace_id")?,
                name: r.try_get("name")?,
                users: r.try_get("users")?,
                groups: r.try_get("groups")?,
            })
        },
    )
    .await
}

/// One page of groups from the latest complete snapshot, by name.
pub async fn groups(
    db: &PgPool,
    q: &str,
    page: i64,
) -> Result<SnapshotPage<GroupRow>, ConsoleError> {
    snapshot_page(
        db,
        q,
        page,
        "SELECT count(DISTINCT group_id) FROM snapshot_group_members
          WHERE snapshot_id = $1 AND (group_name ILIKE $2 OR group_id ILIKE $2)",
        "SELECT group_id, max(group_name) AS name, count(*) AS members
           FROM snapshot_group_members
          WHERE snapshot_id = $1 AND (group_name ILIKE $2 OR group_id ILIKE $2)
          GROUP BY group_id
          ORDER BY lower(max(group_name)), group_id
          LIMIT $3 OFFSET $4",
        |r| {
            Ok(GroupRow {
                id: r.try_get("group_id")?,
                name: r.try_get("name")?,
                members: r.try_get("members")?,
            })
        },
    )
    .await
}
