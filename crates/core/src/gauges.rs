//! The console's state as numbers for `/metrics`, read from Postgres when Prometheus scrapes
//! (so every process reports the same fleet-wide figures, whichever one is asked).

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// What is waiting, running and how far behind the audit copy is.
#[derive(Debug, Clone, PartialEq)]
pub struct Gauges {
    /// Approval requests waiting for a second person.
    pub approvals_waiting: i64,
    /// Bulk jobs started and not finished.
    pub bulk_jobs_running: i64,
    /// The newest event in the audit copy.
    pub audit_newest_event_at: Option<DateTime<Utc>>,
    /// The last audit sync that ended well.
    pub audit_last_success_at: Option<DateTime<Utc>>,
    /// Events in the audit copy, as counted by the sync.
    pub audit_events_stored: i64,
}

/// One round trip: four small reads from indexed or one-row tables.
pub async fn read(db: &PgPool) -> sqlx::Result<Gauges> {
    let (approvals_waiting, bulk_jobs_running, newest, success, stored): (
        i64,
        i64,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        i64,
    ) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM approval_requests WHERE status = 'pending'),
                (SELECT count(*) FROM bulk_jobs WHERE finished_at IS NULL),
                s.last_event_at, s.last_success_at, s.events_stored
           FROM audit_sync s",
    )
    .fetch_one(db)
    .await?;
    Ok(Gauges {
        approvals_waiting,
        bulk_jobs_running,
        audit_newest_event_at: newest,
        audit_last_success_at: success,
        audit_events_stored: stored,
    })
}
