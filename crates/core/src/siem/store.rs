//! The `siem_sinks` table: each sink's position in the copy (the last `copy_seq` its
//! receiver acknowledged), its last success and failure, and how far behind it is.

use console_types::audit::siem::SiemSinkStatus;
use sqlx::{PgPool, Row};

use super::config::{SinkConfig, StartAt};
use crate::leases::Held;

/// The lease under which one sink is forwarded: one process at a time per sink.
pub fn lease_name(sink: &str) -> String {
    format!("siem-sink:{sink}")
}

/// Makes the sink's row the first time it is configured, starting at `start` (now: the
/// newest event of the copy; beginning: before the first). A sink that has a row keeps its
/// position; its kind and target are updated to what is configured now.
pub async fn register(db: &PgPool, sink: &SinkConfig, start: StartAt) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO siem_sinks (name, kind, target, position)
              VALUES ($1, $2, $3,
                      CASE WHEN $4 THEN (SELECT COALESCE(MAX(copy_seq), 0) FROM audit_events)
                           ELSE 0 END)
         ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, target = EXCLUDED.target",
    )
    .bind(&sink.name)
    .bind(sink.kind.label())
    .bind(sink.kind.target())
    .bind(start == StartAt::Now)
    .execute(db)
    .await?;
    Ok(())
}

/// The sink's position now.
pub async fn position(db: &PgPool, sink: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT position FROM siem_sinks WHERE name = $1")
        .bind(sink)
        .fetch_optional(db)
        .await
}

/// What became of moving a sink's position after an acknowledged batch.
#[derive(Debug, PartialEq, Eq)]
pub enum Advanced {
    Yes,
    /// The lease is no longer this hold's, or the position is not where this forwarder
    /// left it: another process forwards the sink now. Nothing was changed.
    Fenced,
}

/// Moves the position from `from` to `to` and records the success, in one statement that
/// changes nothing unless `held` is still the lease's current holding (same holder and
/// generation, not expired) and the position is still `from`. The `leases` row is locked
/// for the statement, so a takeover waits for it and then reads the new position.
pub async fn advance(
    db: &PgPool,
    sink: &str,
    held: &Held,
    from: i64,
    to: i64,
) -> sqlx::Result<Advanced> {
    let (holder, generation) = held.fence();
    let changed = sqlx::query(
        "WITH fence AS (
             SELECT 1 FROM leases
              WHERE name = $1 AND holder = $2 AND generation = $3 AND expires_at > now()
                FOR UPDATE
         )
         UPDATE siem_sinks SET position = $5, last_success_at = now()
          WHERE name = $4 AND position = $6 AND EXISTS (SELECT 1 FROM fence)",
    )
    .bind(lease_name(sink))
    .bind(holder)
    .bind(generation)
    .bind(sink)
    .bind(to)
    .bind(from)
    .execute(db)
    .await?
    .rows_affected();
    Ok(if changed == 1 {
        Advanced::Yes
    } else {
        Advanced::Fenced
    })
}

/// Records a failed send, in words, for the page.
pub async fn record_failure(db: &PgPool, sink: &str, error: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE siem_sinks SET last_error = $2, last_error_at = now() WHERE name = $1")
        .bind(sink)
        .bind(error)
        .execute(db)
        .await?;
    Ok(())
}

/// Every sink with a row, by name, with its lag against the copy's newest event.
pub async fn statuses(db: &PgPool) -> sqlx::Result<Vec<SiemSinkStatus>> {
    let rows = sqlx::query(
        "SELECT s.name, s.kind, s.target, s.position,
                GREATEST((SELECT COALESCE(MAX(copy_seq), 0) FROM audit_events) - s.position, 0)
                    AS lag_events,
                (SELECT e.ingested_at FROM audit_events e
                  WHERE e.copy_seq > s.position ORDER BY e.copy_seq LIMIT 1) AS oldest_unsent_at,
                s.last_success_at, s.last_error, s.last_error_at,
                (SELECT l.holder FROM leases l
                  WHERE l.name = 'siem-sink:' || s.name AND l.expires_at > now()) AS forwarded_by,
                now() AS as_of
           FROM siem_sinks s
          ORDER BY s.name",
    )
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SiemSinkStatus {
                name: r.try_get("name")?,
                kind: r.try_get("kind")?,
                target: r.try_get("target")?,
                position: r.try_get("position")?,
                lag_events: r.try_get("lag_events")?,
                oldest_unsent_at: r.try_get("oldest_unsent_at")?,
                last_success_at: r.try_get("last_success_at")?,
                last_error: r.try_get("last_error")?,
                last_error_at: r.try_get("last_error_at")?,
                forwarded_by: r.try_get("forwarded_by")?,
                as_of: r.try_get("as_of")?,
            })
        })
        .collect()
}
