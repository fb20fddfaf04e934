//! When to retry, and how long to wait.
//!
//! * 429: any method is retried (Airtable refused it, so it did not run), after `Retry-After`
//!   or, without one, after [`RetryPolicy::rate_limited_wait`] (Airtable's 429 means "wait
//!   about 30 seconds").
//! * 5xx and timeouts: only idempotent methods (GET, HEAD, PUT) are retried, with exponential
//!   backoff and full jitter, never sooner than a `Retry-After`.
//! * Connection failures before the request was sent: any method is retried.
//! * POST, PATCH and DELETE that may have reached Airtable are never retried.
//!
//! Why not `backon` or `tower::retry`: both retry a future by a backoff schedule, which is
//! the easy part. What Airtable needs is the decision — which failures may be retried for
//! which method (a POST that may have run must not run twice), a `Retry-After` that
//! overrides the schedule, a 429 that means "about 30 seconds" rather than "a little
//! later", and a ceiling beyond which waiting is worse than failing with words. That is
//! this module's [`RetryPolicy`]; the loop around it is a dozen lines.

use std::time::{Duration, SystemTime};

use rand::Rng;

/// Retry settings.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// Base of the exponential backoff.
    pub base_delay: Duration,
    /// Cap of a single backoff delay.
    pub max_delay: Duration,
    /// Wait after a 429 without `Retry-After`.
    pub rate_limited_wait: Duration,
    /// Longest `Retry-After` honoured; a longer one fails the call instead of waiting.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(20),
            rate_limited_wait: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

/// What happened to one attempt, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Airtable answered with this status.
    Status {
        /// HTTP status.
        status: u16,
        /// Parsed `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// The connection could not be made: the request was not sent.
    NotSent,
    /// The request may have been sent, but no (complete) reply came: a timeout or a broken
    /// connection.
    MaybeSent,
}

/// Whether `method` may safely be repeated after it possibly reached Airtable.
pub fn is_idempotent(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "PUT" | "OPTIONS")
}

impl RetryPolicy {
    /// No retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..Default::default()
        }
    }

    /// Exponential backoff with full jitter: a uniform delay in `[0, min(max, base·2^n)]`
    /// where `n` is the number of retries already made.
    pub fn backoff(&self, retries_done: u32, rng: &mut impl Rng) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retries_done.min(16)));
        let ceiling = exp.min(self.max_delay);
        if ceiling.is_zero() {
            return Duration::ZERO;
        }
        Duration::from_secs_f64(rng.gen_range(0.0..=ceiling.as_secs_f64()))
    }

    /// The delay before the next attempt, or `None` to give up and return the outcome.
    pub fn decide(
        &self,
        method: &str,
        retries_done: u32,
        attempt: Attempt,
        rng: &mut impl Rng,
    ) -> Option<Duration> {
        if retries_done >= self.max_retries {
            return None;
        }
        match attempt {
            Attempt::Status {
                status: 429,
                retry_after,
            } => {
                let wait = retry_after.unwrap_or(self.rate_limited_wait);
                if wait > self.max_retry_after {
                    return None;
                }
                // A little jitter so many waiting callers do not return at the same instant.
                let jitter = Duration::from_millis(rng.gen_range(0..=250));
                Some(wait + jitter)
            }
            Attempt::Status {
                status,
                retry_after,
            } if matches!(status, 500 | 502 | 503 | 504) && is_idempotent(method) => {
                let backoff = self.backoff(retries_done, rng);
                match retry_after {
                    Some(ra) if ra > self.max_retry_after => None,
                    Some(ra) => Some(backoff.max(ra)),
                    None => Some(backoff),
                }
            }
            Attempt::Status { .. } => None,
            Attempt::NotSent => Some(self.backoff(retries_done, rng)),
            Attempt::MaybeSent if is_idempotent(method) => Some(self.backoff(retries_done, rng)),
            Attempt::MaybeSent => None,
        }
    }
}

/// Parses a `Retry-After` value: seconds, or an HTTP date (relative to `now`).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs));
        }
        return None;
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(at.timestamp().max(0) as u64);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn rng() -> StdRng {
        StdRng::seed_from_u64(7)
    }

    fn status(status: u16) -> Attempt {
        Attempt::Status {
            status,
            retry_after: None,
        }
    }

    #[test]
    fn rate_limited_waits_for_retry_after_or_30s_any_method() {
        let p = RetryPolicy::default();
        for m in ["GET", "POST", "PATCH", "DELETE"] {
            let d = p.decide(m, 0, status(429), &mut rng()).unwrap();
            assert!(d >= Duration::from_secs(30) && d <= Duration::from_millis(30_250));
            let d = p
                .decide(
                    m,
                    0,
                    Attempt::Status {
                        status: 429,
                        retry_after: Some(Duration::from_secs(3)),
                    },
                    &mut rng(),
                )
                .unwrap();
            assert!(d >= Duration::from_secs(3) && d <= Duration::from_millis(3_250));
        }
        // A Retry-After beyond the cap gives up.
        assert_eq!(
            p.decide(
                "GET",
                0,
                Attempt::Status {
                    status: 429,
                    retry_after: Some(Duration::from_secs(3600))
                },
                &mut rng()
            ),
            None
        );
    }

    #[test]
    fn server_errors_retry_only_idempotent() {
        let p = RetryPolicy::default();
        for s in [500, 502, 503, 504] {
            assert!(p.decide("GET", 0, status(s), &mut rng()).is_some());
            assert!(p.decide("PUT", 0, status(s), &mut rng()).is_some());
            for m in ["POST", "PATCH", "DELETE"] {
                assert_eq!(p.decide(m, 0, status(s), &mut rng()), None, "{m} {s}");
            }
        }
        let d = p
            .decide(
                "GET",
                0,
                Attempt::Status {
                    status: 503,
                    retry_after: Some(Duration::from_secs(5)),
                },
                &mut rng(),
            )
            .unwrap();
        assert!(d >= Duration::from_secs(5));
    }

    #[test]
    fn client_errors_never_retry() {
        let p = RetryPolicy::default();
        for s in [400, 401, 403, 404, 409, 422, 501] {
            assert_eq!(p.decide("GET", 0, status(s), &mut rng()), None, "{s}");
        }
    }

    #[test]
    fn transport_failures() {
        let p = RetryPolicy::default();
        assert!(p.decide("POST", 0, Attempt::NotSent, &mut rng()).is_some());
        assert!(p.decide("GET", 0, Attempt::MaybeSent, &mut rng()).is_some());
        assert_eq!(p.decide("POST", 0, Attempt::MaybeSent, &mut rng()), None);
        assert_eq!(p.decide("DELETE", 0, Attempt::MaybeSent, &mut rng()), None);
        assert_eq!(p.decide("PATCH", 0, Attempt::MaybeSent, &mut rng()), None);
    }

    #[test]
    fn gives_up_after_max_retries() {
        let p = RetryPolicy {
            max_retries: 2,
            ..Default::default()
        };
        assert!(p.decide("GET", 1, status(503), &mut rng()).is_some());
        assert_eq!(p.decide("GET", 2, status(503), &mut rng()), None);
        assert_eq!(p.decide("GET", 2, status(429), &mut rng()), None);
        assert_eq!(
            RetryPolicy::none().decide("GET", 0, status(503), &mut rng()),
            None
        );
    }

    #[test]
    fn backoff_is_capped_full_jitter() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            ..Default::default()
        };
        let mut r = rng();
        let mut max_seen = Duration::ZERO;
        let mut min_seen = Duration::MAX;
        for _ in 0..2000 {
            let d0 = p.backoff(0, &mut r);
            assert!(d0 <= Duration::from_millis(100));
            let d3 = p.backoff(3, &mut r);
            assert!(d3 <= Duration::from_millis(800));
            let d10 = p.backoff(10, &mut r);
            assert!(d10 <= Duration::from_secs(1));
            max_seen = max_seen.max(d10);
            min_seen = min_seen.min(d10);
        }
        // Full jitter spreads over the whole range.
        assert!(max_seen > Duration::from_millis(900));
        assert!(min_seen < Duration::from_millis(100));
        // Huge retry counts do not overflow.
        assert!(p.backoff(u32::MAX, &mut r) <= Duration::from_secs(1));
    }

    #[test]
    fn parses_retry_after() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("30", now), Some(Duration::from_secs(30)));
        assert_eq!(
            parse_retry_after(" 1.5 ", now),
            Some(Duration::from_millis(1500))
        );
        // 2023-11-14T22:13:50Z is 1_700_000_030.
        assert_eq!(
            parse_retry_after("Tue, 14 Nov 2023 22:13:50 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Tue, 14 Nov 2023 22:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }
}
