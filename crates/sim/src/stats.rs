//! What the simulator has answered: requests, statuses, and the 429s it sent, told apart
//! by cause (its rate limits or injected faults), so a client benchmark can read how many
//! 429s it got. `GET /_sim/stats` reads the counters; `DELETE /_sim/stats` reads and
//! resets them in one step. Requests to `/_sim/…` are not counted.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use crate::Sim;

/// Why the simulator (rather than the route) produced a response; set as a response
/// extension by the rate limiter and the fault injector, read by [`count`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// Over a rate limit (or inside its penalty): 429.
    RateLimit,
    /// An injected 429.
    Injected429,
    /// An injected server error.
    Injected5xx,
    /// An injected dropped connection (headers sent, body cut).
    Dropped,
}

const STATUSES: usize = 600;

pub struct Stats {
    since: Mutex<DateTime<Utc>>,
    requests: AtomicU64,
    by_status: Vec<AtomicU64>,
    rate_limited: AtomicU64,
    injected_429: AtomicU64,
    injected_5xx: AtomicU64,
    dropped: AtomicU64,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            since: Mutex::new(Utc::now()),
            requests: AtomicU64::new(0),
            by_status: (0..STATUSES).map(|_| AtomicU64::new(0)).collect(),
            rate_limited: AtomicU64::new(0),
            injected_429: AtomicU64::new(0),
            injected_5xx: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
        }
    }
}

fn take(counter: &AtomicU64, reset: bool) -> u64 {
    if reset {
        counter.swap(0, Ordering::Relaxed)
    } else {
        counter.load(Ordering::Relaxed)
    }
}

impl Stats {
    fn add(&self, status: u16, cause: Option<Cause>) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        // A dropped connection never delivers its status: it is counted as dropped only.
        if cause != Some(Cause::Dropped) {
            if let Some(c) = self.by_status.get(usize::from(status)) {
                c.fetch_add(1, Ordering::Relaxed);
            }
        }
        let counter = match cause {
            None => return,
            Some(Cause::RateLimit) => &self.rate_limited,
            Some(Cause::Injected429) => &self.injected_429,
            Some(Cause::Injected5xx) => &self.injected_5xx,
            Some(Cause::Dropped) => &self.dropped,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters as JSON; with `reset`, they start again from zero (each counter is
    /// read and zeroed atomically, so nothing is lost between the read and the reset).
    pub fn snapshot(&self, reset: bool) -> Value {
        let now = Utc::now();
        let since = match self.since.lock() {
            Ok(mut s) => {
                let was = *s;
                if reset {
                    *s = now;
                }
                was
            }
            Err(_) => now,
        };
        let mut by_status = Map::new();
        for (status, c) in self.by_status.iter().enumerate() {
            let n = take(c, reset);
            if n > 0 {
                by_status.insert(status.to_string(), json!(n));
            }
        }
        let rate_limited = take(&self.rate_limited, reset);
        let injected_429 = take(&self.injected_429, reset);
        let injected_5xx = take(&self.injected_5xx, reset);
        let total_429 = by_status.get("429").and_then(Value::as_u64).unwrap_or(0);
        let total_5xx: u64 = by_status
            .iter()
            .filter(|(s, _)| s.starts_with('5'))
            .filter_map(|(_, n)| n.as_u64())
            .sum();
        json!({
            "since": since.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "until": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "requests": take(&self.requests, reset),
            "byStatus": by_status,
            "tooManyRequests": {
                "total": total_429,
                "rateLimit": rate_limited,
                "injected": injected_429,
            },
            "serverErrors": { "total": total_5xx, "injected": injected_5xx },
            "dropped": take(&self.dropped, reset),
        })
    }
}

/// Counts every answered request outside `/_sim/`.
pub async fn count(State(sim): State<Arc<Sim>>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with("/_sim/") {
        return next.run(request).await;
    }
    let response = next.run(request).await;
    let cause = response.extensions().get::<Cause>().copied();
    sim.stats.add(response.status().as_u16(), cause);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_status_and_cause_and_resets() {
        let s = Stats::default();
        s.add(200, None);
        s.add(429, Some(Cause::RateLimit));
        s.add(429, Some(Cause::Injected429));
        s.add(503, Some(Cause::Injected5xx));
        s.add(200, Some(Cause::Dropped));
        let v = s.snapshot(true);
        assert_eq!(v["requests"], 5);
        assert_eq!(v["byStatus"]["200"], 1, "the dropped one is not a 200");
        assert_eq!(v["byStatus"]["429"], 2);
        assert_eq!(
            v["tooManyRequests"],
            json!({ "total": 2, "rateLimit": 1, "injected": 1 })
        );
        assert_eq!(v["serverErrors"], json!({ "total": 1, "injected": 1 }));
        assert_eq!(v["dropped"], 1);
        let v = s.snapshot(false);
        assert_eq!(v["requests"], 0);
        assert_eq!(v["byStatus"], json!({}));
    }
}
