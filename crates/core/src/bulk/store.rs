//! Bulk jobs in Postgres: the job, one row per user, and the reads the pages and the CSV
//! make. Every status change of a row is one UPDATE, so a job's page is always a true
//! picture of what has been carried out.

use chrono::{DateTime, Utc};
use console_types::bulk::{
    BulkCounts, BulkItem, BulkJob, BulkJobSummary, BulkKind, ItemStatus, ITEMS_PAGE_SIZE,
};
use futures::{Stream, StreamExt};
use sqlx::{postgres::PgRow, PgPool, Row};
use uuid::Uuid;

/// What rows a stopped console left unfinished say (the status says "interrupted — not
/// retried automatically").
pub const INTERRUPTED: &str = "The console stopped before this user was done, so it is not \
     known whether Airtable made the change. Check the user's page, then start a new job for \
     them if needed.";

/// A user a job is for, as the snapshot knew them.
#[derive(Debug, Clone)]
pub struct Target {
    pub user_id: String,
    pub email: String,
    pub name: String,
}

pub struct NewJob<'a> {
    pub id: Uuid,
    pub kind: BulkKind,
    pub reason: &'a str,
    pub selection: &'a str,
    pub snapshot_id: Option<i64>,
    pub created_by_id: &'a str,
    pub created_by_email: &'a str,
    pub created_by_name: &'a str,
    /// The maker's sign-in (where their Airtable tokens are kept), so that any process can
    /// carry the job on with their authority; `None` with a service token.
    pub created_by_login: Option<&'a str>,
}

/// Stores a job and its rows (all `pending`) in one transaction.
pub async fn create(db: &PgPool, job: NewJob<'_>, targets: &[Target]) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO bulk_jobs (id, kind, reason, selection, snapshot_id, created_by_id,
                                created_by_email, created_by_name, created_by_login)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(job.id)
    .bind(job.kind.as_str())
    .bind(job.reason)
    .bind(job.selection)
    .bind(job.snapshot_id)
    .bind(job.created_by_id)
    .bind(job.created_by_email)
    .bind(job.created_by_name)
    .bind(job.created_by_login)
    .execute(&mut *tx)
    .await?;
    let ids: Vec<&str> = targets.iter().map(|t| t.user_id.as_str()).collect();
    let emails: Vec<&str> = targets.iter().map(|t| t.email.as_str()).collect();
    let names: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
    sqlx::query(
        "INSERT INTO bulk_job_items (job_id, position, user_id, email, name)
         SELECT $1, (t.n - 1)::int, t.user_id, t.email, t.name
           FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY
                AS t(user_id, email, name, n)",
    )
    .bind(job.id)
    .bind(&ids)
    .bind(&emails)
    .bind(&names)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// The users of a job still to be carried out, in order: pending, and never started.
pub async fn pending(db: &PgPool, job: Uuid) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT user_id FROM bulk_job_items
          WHERE job_id = $1 AND status = 'pending' AND started_at IS NULL
          ORDER BY position",
    )
    .bind(job)
    .fetch_all(db)
    .await
}

/// Claims these users' rows for their Airtable call, which is about to be made: from here
/// on a row without an outcome is uncertain (the call may have happened) and never re-run.
/// Returns the users claimed now; a row already started (by this runner or another one
/// that still thinks it holds the job) is not claimed again, so no user's call is made
/// twice whatever the leases do.
pub async fn start_items(db: &PgPool, job: Uuid, users: &[&str]) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "UPDATE bulk_job_items SET started_at = now()
          WHERE job_id = $1 AND user_id = ANY($2) AND status = 'pending' AND started_at IS NULL
          RETURNING user_id",
    )
    .bind(job)
    .bind(users)
    .fetch_all(db)
    .await
}

/// Rows whose call was started by a process that is gone, with no outcome recorded,
/// become `interrupted` (a person checks them); rows never started stay pending, for the
/// process taking the job over. Returns how many rows were marked.
pub async fn interrupt_uncertain(db: &PgPool, job: Uuid) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE bulk_job_items SET status = 'interrupted', result = $2, finished_at = now()
          WHERE job_id = $1 AND status = 'pending' AND started_at IS NOT NULL",
    )
    .bind(job)
    .bind(INTERRUPTED)
    .execute(db)
    .await?
    .rows_affected())
}

/// A job a process may have to carry on: who made it, and how.
#[derive(Debug, Clone)]
pub struct Unfinished {
    pub id: Uuid,
    pub kind: String,
    pub reason: String,
    pub created_by_id: String,
    pub created_by_email: String,
    pub created_by_name: String,
    pub created_by_login: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Every job not finished yet, oldest first.
pub async fn unfinished(db: &PgPool) -> sqlx::Result<Vec<Unfinished>> {
    let rows = sqlx::query(
        "SELECT id, kind, reason, created_by_id, created_by_email, created_by_name,
                created_by_login, created_at
           FROM bulk_jobs WHERE finished_at IS NULL ORDER BY created_at",
    )
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Unfinished {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                reason: r.try_get("reason")?,
                created_by_id: r.try_get("created_by_id")?,
                created_by_email: r.try_get("created_by_email")?,
                created_by_name: r.try_get("created_by_name")?,
                created_by_login: r.try_get("created_by_login")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// What happened to one user.
#[derive(Debug, Clone)]
pub struct Finished {
    pub status: ItemStatus,
    pub result: String,
    pub approval_id: Option<Uuid>,
}

impl Finished {
    pub fn done(result: impl Into<String>) -> Self {
        Finished {
            status: ItemStatus::Done,
            result: result.into(),
            approval_id: None,
        }
    }

    pub fn failed(result: impl Into<String>) -> Self {
        Finished {
            status: ItemStatus::Failed,
            result: result.into(),
            approval_id: None,
        }
    }
}

/// Records the outcome of one user (only if still pending: an interrupted row stays so).
pub async fn finish_item(
    db: &PgPool,
    job: Uuid,
    user_id: &str,
    outcome: &Finished,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE bulk_job_items SET status = $3, result = $4, approval_id = $5, finished_at = now()
          WHERE job_id = $1 AND user_id = $2 AND status = 'pending'",
    )
    .bind(job)
    .bind(user_id)
    .bind(outcome.status.as_str())
    .bind(&outcome.result)
    .bind(outcome.approval_id)
    .execute(db)
    .await
    .map(|_| ())
}

/// Marks the job finished once no row is pending. (Rows started but without an outcome are
/// still pending: the job stays unfinished until its next holder reports them.)
pub async fn finish_job(db: &PgPool, job: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE bulk_jobs SET finished_at = now()
          WHERE id = $1 AND finished_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM bulk_job_items WHERE job_id = $1 AND status = 'pending')",
    )
    .bind(job)
    .execute(db)
    .await
    .map(|_| ())
}

/// The job's rows still pending become `interrupted`, and the job finished: its runner
/// failed (a panic) and nothing more is done. Returns how many rows were marked.
pub async fn interrupt(db: &PgPool, job: Uuid) -> sqlx::Result<u64> {
    interrupt_saying(db, job, INTERRUPTED).await
}

/// As [`interrupt`], with `why` as every stopped row's result.
pub async fn interrupt_saying(db: &PgPool, job: Uuid, why: &str) -> sqlx::Result<u64> {
    let mut tx = db.begin().await?;
    let marked = sqlx::query(
        "UPDATE bulk_job_items SET status = 'interrupted', result = $2, finished_at = now()
          WHERE status = 'pending' AND job_id = $1",
    )
    .bind(job)
    .bind(why)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query("UPDATE bulk_jobs SET finished_at = now() WHERE finished_at IS NULL AND id = $1")
        .bind(job)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(marked)
}

fn item_from(row: &PgRow) -> sqlx::Result<BulkItem> {
    let status: String = row.try_get("status")?;
    let approval: Option<Uuid> = row.try_get("approval_id")?;
    Ok(BulkItem {
        user_id: row.try_get("user_id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        status: ItemStatus::parse(&status).unwrap_or(ItemStatus::Failed),
        result: row.try_get("result")?,
        approval_id: approval.map(|id| id.to_string()),
        finished_at: row.try_get("finished_at")?,
    })
}

const ITEM_COLUMNS: &str = "user_id, email, name, status, result, approval_id, finished_at";

/// A job with page `page` (1-based) of its rows; `None`: no such job.
pub async fn get(db: &PgPool, id: Uuid, page: i64) -> sqlx::Result<Option<BulkJob>> {
    let Some(job) = sqlx::query(
        "SELECT kind, reason, selection, created_by_email, created_at, finished_at
           FROM bulk_jobs WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?
    else {
        return Ok(None);
    };
    let counts: Counts = sqlx::query_as(&format!(
        "SELECT {COUNT_COLUMNS} FROM bulk_job_items WHERE job_id = $1"
    ))
    .bind(id)
    .fetch_one(db)
    .await?;
    let items = sqlx::query(&format!(
        "SELECT {ITEM_COLUMNS} FROM bulk_job_items WHERE job_id = $1
          ORDER BY position LIMIT $2 OFFSET $3"
    ))
    .bind(id)
    .bind(ITEMS_PAGE_SIZE)
    .bind((page - 1).saturating_mul(ITEMS_PAGE_SIZE))
    .fetch_all(db)
    .await?
    .iter()
    .map(item_from)
    .collect::<sqlx::Result<Vec<_>>>()?;
    let kind: String = job.try_get("kind")?;
    let created_at: DateTime<Utc> = job.try_get("created_at")?;
    Ok(Some(BulkJob {
        id: id.to_string(),
        kind: BulkKind::parse(&kind).map_err(|e| sqlx::Error::Decode(e.into()))?,
        reason: job.try_get("reason")?,
        selection: job.try_get("selection")?,
        created_by_email: job.try_get("created_by_email")?,
        created_at,
        finished_at: job.try_get("finished_at")?,
        counts: counts_from(counts),
        page,
        items,
    }))
}

/// A job's rows counted by status, in one place so the job's page and the list of jobs
/// count alike: total, pending, done, failed, waiting for approval, interrupted.
const COUNT_COLUMNS: &str = "count(*),
        count(*) FILTER (WHERE status = 'pending'),
        count(*) FILTER (WHERE status = 'done'),
        count(*) FILTER (WHERE status = 'failed'),
        count(*) FILTER (WHERE status IN ('approval_requested', 'already_waiting')),
        count(*) FILTER (WHERE status = 'interrupted')";

type Counts = (i64, i64, i64, i64, i64, i64);

fn counts_from(c: Counts) -> BulkCounts {
    BulkCounts {
        total: c.0,
        pending: c.1,
        done: c.2,
        failed: c.3,
        waiting: c.4,
        interrupted: c.5,
    }
}

/// The newest `limit` jobs, newest first, each with its counts.
pub async fn recent(db: &PgPool, limit: i64) -> sqlx::Result<Vec<BulkJobSummary>> {
    let rows = sqlx::query(&format!(
        "SELECT j.id, j.kind, j.selection, j.created_by_email, j.created_at, j.finished_at,
                c.total, c.pending, c.done, c.failed, c.waiting, c.interrupted
           FROM bulk_jobs j
          CROSS JOIN LATERAL (SELECT {COUNT_COLUMNS} FROM bulk_job_items WHERE job_id = j.id)
                AS c (total, pending, done, failed, waiting, interrupted)
          ORDER BY j.created_at DESC, j.id
          LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            let kind: String = row.try_get("kind")?;
            let id: Uuid = row.try_get("id")?;
            Ok(BulkJobSummary {
                id: id.to_string(),
                kind: BulkKind::parse(&kind).map_err(|e| sqlx::Error::Decode(e.into()))?,
                selection: row.try_get("selection")?,
                created_by_email: row.try_get("created_by_email")?,
                created_at: row.try_get("created_at")?,
                finished_at: row.try_get("finished_at")?,
                counts: counts_from((
                    row.try_get("total")?,
                    row.try_get("pending")?,
                    row.try_get("done")?,
                    row.try_get("failed")?,
                    row.try_get("waiting")?,
                    row.try_get("interrupted")?,
                )),
            })
        })
        .collect()
}

/// Whether a job exists, and its kind.
pub async fn kind_of(db: &PgPool, id: Uuid) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT kind FROM bulk_jobs WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Every row of a job, in order, streamed (for the CSV).
pub fn all_items(db: &PgPool, id: Uuid) -> impl Stream<Item = sqlx::Result<BulkItem>> + '_ {
    sqlx::query(
        "SELECT user_id, email, name, status, result, approval_id, finished_at
           FROM bulk_job_items WHERE job_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch(db)
    .map(|row| row.and_then(|r| item_from(&r)))
}
