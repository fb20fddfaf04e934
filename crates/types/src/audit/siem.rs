//! Where each SIEM sink stands in the audit copy's stream, as the audit-sync page shows it.

use serde::{Deserialize, Serialize};

/// One configured sink: how far its receiver has acknowledged the copy, and its last
/// success and failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiemSinkStatus {
    /// The sink's stable name (`http`, `syslog`).
    pub name: String,
    /// `splunk-hec`, `ndjson` or `syslog`.
    pub kind: String,
    /// Where it sends (a URL without credentials, or `host:port`).
    pub target: String,
    /// The last position in the copy (`copy_seq`) its receiver acknowledged.
    pub position: i64,
    /// Events in the copy after `position`: still to send.
    pub lag_events: i64,
    /// When the oldest event still to send entered the copy (`None`: nothing to send).
    pub oldest_unsent_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_success_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_error: Option<String>,
    pub last_error_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The console process forwarding it now, if any holds its lease.
    pub forwarded_by: Option<String>,
    /// When this was read (ages are measured against it).
    pub as_of: chrono::DateTime<chrono::Utc>,
}
