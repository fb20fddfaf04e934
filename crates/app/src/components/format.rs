//! How times and numbers are shown, the same way on every page.

use chrono::{DateTime, Utc};

/// A time as people read it in an admin console: UTC, to the second, or "never".
pub fn when(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "never".into())
}
