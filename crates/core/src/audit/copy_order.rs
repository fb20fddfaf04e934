//! The order in which events entered the console's copy (`audit_events.copy_seq`), for
//! readers that follow the copy as a stream and must see every event once: alert rules and
//! SIEM sinks keep the last number they handled and ask for what came after it.
//!
//! Why a lock: a sequence hands out numbers when rows are inserted, but transactions commit
//! in their own order. If a writer that drew 101 committed after one that drew 102, a
//! reader could see 102, move its position past 101, and never see 101. Every writer of
//! `audit_events` therefore takes [`COPY_ORDER_LOCK`] (a transaction-scoped advisory lock)
//! before it inserts, so numbers are drawn by one transaction at a time and become visible
//! in the order they were drawn (Postgres releases the lock only after the commit is
//! visible). The writers are the audit sync (one page a transaction) and the action log's
//! copy of the console's own steps: both short.

use sqlx::{Postgres, Transaction};

/// Advisory-lock key held by whoever inserts into `audit_events` (any constant unique to
/// this purpose; the action log's append lock is another).
pub const COPY_ORDER_LOCK: i64 = 0x636f_6e73_6f6c_6502;

/// Takes the copy's order lock for the rest of `tx`. Call it right before inserting into
/// `audit_events`, after any other lock the transaction needs (the action log's append
/// lock comes first), so that locks are always taken in one order.
pub async fn lock(tx: &mut Transaction<'_, Postgres>) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(COPY_ORDER_LOCK)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The newest position in the copy (0 when it is empty): where a reader created now starts
/// when it must not act on what was copied before it.
pub async fn newest(db: &sqlx::PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COALESCE(MAX(copy_seq), 0) FROM audit_events")
        .fetch_one(db)
        .await
}
