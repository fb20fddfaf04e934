//! How times and numbers are shown, the same way on every page.

use chrono::{DateTime, Utc};

/// A time as people read it in an admin console: UTC, to the second, or "never".
pub fn when(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| console_types::time::shown(t).to_string())
        .unwrap_or_else(|| "never".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pattern itself is `console_types::time`'s test; here, what `when` adds.
    #[test]
    fn a_time_reads_to_the_second_and_no_time_as_never() {
        let at = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
            .expect("a time")
            .with_timezone(&Utc);
        assert_eq!(when(Some(at)), "2026-01-02 03:04:05 UTC");
        assert_eq!(when(None), "never");
    }
}
