//! Streaming the audit copy to SIEM sinks: every event of the copy (Airtable's, and the
//! console's own steps, category `console`) is sent to each configured sink in the copy's
//! order (`copy_seq`, see [`crate::audit::copy_order`]), resumably after any crash.
//!
//! - `config`: the sinks the operator configured (`CONSOLE_SIEM_*`), checked at start-up;
//! - `event`: the events read from the copy, a batch at a time, and their JSON;
//! - `http`: the HTTP sink (Splunk HEC or NDJSON); `syslog`: RFC 5424 over TCP;
//! - `store`: each sink's position, last success and failure, lag (`siem_sinks`);
//! - `forwarder`: one loop per sink under its lease `siem-sink:<name>`.
//!
//! # What is guaranteed
//!
//! A receiver cannot take part in our transaction, so delivery is *at least once, in
//! order, with recognisable duplicates*:
//!
//! - **No loss.** A sink's position moves only after its receiver acknowledged the batch
//!   up to it (an HTTP 2xx; for syslog, the receiver closing the connection after reading
//!   the whole batch), and readers of the copy never pass an event still to come.
//! - **Order kept.** Batches are sent one at a time in `copy_seq` order, the next only
//!   after the previous was acknowledged and its position stored.
//! - **Duplicates only of the last unacknowledged batch.** A crash (or a lost lease, a
//!   timeout) between "the receiver accepted" and "the position is stored" makes the next
//!   forwarder send that batch again, and nothing older: at most one batch per crash.
//! - **Each event carries its id** (Airtable's event id, `console-<seq>` for the console's
//!   steps) and its `seq` (the copy's order), so a receiver or a SIEM search can drop the
//!   repeats. Splunk HEC has no idempotency key: the id is in the event.
//! - **Exactly once for a receiver that keeps a high-water mark.** Since `seq` rises
//!   through the stream except where a batch comes again, a receiver (or a SIEM pipeline)
//!   that drops every event whose `seq` is at or below the highest it stored keeps each
//!   event exactly once; `tests/siem_crash.rs` checks this across a kill -9.
//!
//! One process forwards a sink at a time (its lease); the position is advanced only while
//! the lease is still this hold's (fenced by its generation) and from the position this
//! forwarder left, so a process that lost its lease mid-send cannot move it.

pub mod config;
pub mod event;
pub mod forwarder;
pub mod http;
pub mod store;
pub mod syslog;

pub use config::SiemSettings;
pub use forwarder::{spawn_forwarders, Pacing};

use console_types::{api::ConsoleError, audit::siem::SiemSinkStatus};

/// Every sink's state, for the audit-sync page.
pub async fn sink_statuses(console: &crate::Console) -> Result<Vec<SiemSinkStatus>, ConsoleError> {
    store::statuses(&console.db)
        .await
        .map_err(crate::error::internal)
}

/// Sets the per-sink gauges of `/metrics` from the table (fleet-wide, like the other
/// gauges): positions behind the copy's newest event, and the age of the oldest event
/// not yet sent.
pub async fn record_gauges(db: &sqlx::PgPool) -> sqlx::Result<()> {
    for s in store::statuses(db).await? {
        metrics::gauge!("console_siem_lag_events", "sink" => s.name.clone())
            .set(s.lag_events as f64);
        let age = s.oldest_unsent_at.map_or(0.0, |at| {
            (s.as_of - at).num_milliseconds().max(0) as f64 / 1000.0
        });
        metrics::gauge!("console_siem_oldest_unsent_age_seconds", "sink" => s.name).set(age);
    }
    Ok(())
}
