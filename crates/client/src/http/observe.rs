//! What the client counts, through the `metrics` facade: nothing is recorded unless the
//! program using the client installs a recorder (the console exports them at `/metrics`).
//!
//! Every figure is labelled with the call's route template (`/v0/meta/bases/{baseId}/…`),
//! never the path itself, so that IDs cannot grow the number of series.

use std::time::Duration;

/// One attempt answered (`status` `None`: no answer arrived — refused, reset or timed out).
pub(crate) fn answered(
    method: &'static str,
    template: &'static str,
    status: Option<u16>,
    took: Duration,
) {
    let status = status.map_or_else(|| "none".to_string(), |s| s.to_string());
    if status == "429" {
        metrics::counter!("airtable_rate_limited_total", "endpoint" => template).increment(1);
    }
    metrics::counter!(
        "airtable_requests_total",
        "method" => method,
        "endpoint" => template,
        "status" => status,
    )
    .increment(1);
    metrics::histogram!("airtable_request_duration_seconds", "endpoint" => template)
        .record(took.as_secs_f64());
}

/// A failed attempt that will be tried again.
pub(crate) fn retry(template: &'static str) {
    metrics::counter!("airtable_retries_total", "endpoint" => template).increment(1);
}

/// Time spent waiting for the rate limiters (the token's, and the base's) before a call.
pub(crate) fn limiter_wait(template: &'static str, waited: Duration) {
    metrics::histogram!("airtable_limiter_wait_seconds", "endpoint" => template)
        .record(waited.as_secs_f64());
}
