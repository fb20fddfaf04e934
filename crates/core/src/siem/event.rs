//! The events a sink is sent: read from the copy in its order (`copy_seq`), one batch at a
//! time, and the JSON every format carries for each.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::PgPool;

/// One event of the copy, as sinks send it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Event {
    /// Its place in the copy's order: a sink's position is the last one acknowledged.
    pub copy_seq: i64,
    /// Airtable's event id (`console-<seq>` for the console's own steps): unique, so a
    /// receiver can recognise a batch sent twice (see the module's guarantee).
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    pub action: String,
    pub category: Option<String>,
    /// The whole event as Airtable sent it (or as the action log recorded the step).
    pub raw: Value,
}

/// The next `limit` events after `position`, in the copy's order. Never more than one
/// batch is read ahead of what the receiver acknowledged: this is the only read.
pub async fn batch_after(db: &PgPool, position: i64, limit: u32) -> sqlx::Result<Vec<Event>> {
    sqlx::query_as(
        "SELECT copy_seq, id, occurred_at, action, category, raw
           FROM audit_events
          WHERE copy_seq > $1
          ORDER BY copy_seq
          LIMIT $2",
    )
    .bind(position)
    .bind(i64::from(limit))
    .fetch_all(db)
    .await
}

impl Event {
    /// `airtable` for Airtable's own events, `console` for the console's steps.
    pub fn source(&self) -> &'static str {
        if self.category.as_deref() == Some("console") {
            "console"
        } else {
            "airtable"
        }
    }

    /// The JSON every format carries: the id first (the key a receiver deduplicates on),
    /// the copy's order, the time, what happened, and the event as Airtable sent it.
    pub fn envelope(&self) -> Value {
        json!({
            "id": self.id,
            "seq": self.copy_seq,
            "time": self.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "source": self.source(),
            "action": self.action,
            "category": self.category,
            "event": self.raw,
        })
    }
}
