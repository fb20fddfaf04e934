//! The audit sync's state as people see it, and "sync now".

use chrono::{DateTime, Utc};
use console_types::api::AuditSyncStatus;
use sqlx::{PgPool, Row};

/// Reads `audit_sync`. `configured` says whether the background jobs have a token.
pub async fn read(db: &PgPool, configured: bool) -> sqlx::Result<AuditSyncStatus> {
    let row = sqlx::query(
        "SELECT events_stored, last_event_at, backfill_from, backfill_done_at, run_started_at,
                run_finished_at, run_pages, run_events, last_success_at, last_error,
                last_error_at, requested_at, now() AS as_of
           FROM audit_sync",
    )
    .fetch_one(db)
    .await?;
    let as_of: DateTime<Utc> = row.get("as_of");
    let last_event_at: Option<DateTime<Utc>> = row.get("last_event_at");
    let backfill_from: Option<DateTime<Utc>> = row.get("backfill_from");
    let backfill_done = row
        .get::<Option<DateTime<Utc>>, _>("backfill_done_at")
        .is_some();
    let run_started_at: Option<DateTime<Utc>> = row.get("run_started_at");
    let run_finished_at: Option<DateTime<Utc>> = row.get("run_finished_at");
    let backfill_percent = match (backfill_done, backfill_from, last_event_at) {
        (false, Some(from), Some(reached)) => Some(percent(from, reached, as_of)),
        (false, Some(_), None) => Some(0),
        _ => None,
    };
    Ok(AuditSyncStatus {
        configured,
        events_stored: row.get("events_stored"),
        last_event_at,
        backfill_from,
        backfill_done,
        running: run_started_at.is_some() && run_finished_at.is_none(),
        run_started_at,
        run_pages: row.get("run_pages"),
        run_events: row.get("run_events"),
        backfill_percent,
        last_success_at: row.get("last_success_at"),
        last_error: row.get("last_error"),
        last_error_at: row.get("last_error_at"),
        requested: row
            .get::<Option<DateTime<Utc>>, _>("requested_at")
            .is_some(),
        as_of,
    })
}

/// How far `reached` is along `from..now`, as a whole percentage.
fn percent(from: DateTime<Utc>, reached: DateTime<Utc>, now: DateTime<Utc>) -> u8 {
    let total = (now - from).num_seconds().max(1);
    let done = (reached - from).num_seconds().clamp(0, total);
    u8::try_from(done * 100 / total).unwrap_or(100)
}

/// Marks a run as wanted; the scheduler starts it within seconds.
pub async fn request_run(db: &PgPool, requested_by: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE audit_sync SET requested_at = now(), requested_by = $1")
        .bind(requested_by)
        .execute(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_is_clamped_and_proportional() {
        let from = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .expect("date")
            .with_timezone(&Utc);
        let now = from + chrono::Duration::days(100);
        assert_eq!(percent(from, from, now), 0);
        assert_eq!(percent(from, from + chrono::Duration::days(25), now), 25);
        assert_eq!(percent(from, now + chrono::Duration::days(1), now), 100);
        assert_eq!(percent(from, from - chrono::Duration::days(1), now), 0);
    }
}
