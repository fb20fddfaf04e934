//! Client-side rate limiting: a token bucket per access token.
//!
//! Airtable allows 50 requests per second for all traffic of one user's personal access
//! tokens, and answers 429 past that, after which requests fail for about 30 seconds. Pacing
//! requests on the client side costs far less than one 429.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Rate limit settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Sustained requests per second.
    pub per_second: f64,
    /// Requests that may be sent at once after a quiet period.
    pub burst: u32,
}

impl RateLimit {
    /// `per_second` requests per second with a burst of the same size.
    pub fn per_second(per_second: f64) -> Self {
        RateLimit {
            per_second,
            burst: per_second.ceil().max(1.0) as u32,
        }
    }
}

impl Default for RateLimit {
    /// 50 requests per second, Airtable's limit per user for personal access tokens.
    fn default() -> Self {
        RateLimit::per_second(50.0)
    }
}

#[derive(Debug)]
struct State {
    /// Available tokens; negative when callers have reserved future capacity.
    tokens: f64,
    last: Instant,
    /// No request before this instant (set after a 429).
    paused_until: Option<Instant>,
}

/// A token bucket. Callers reserve a slot and sleep until it comes, so waiting callers are
/// served in arrival order and the rate holds across all clones sharing the bucket.
#[derive(Debug)]
pub struct RateLimiter {
    limit: Option<RateLimit>,
    state: Mutex<State>,
}

impl RateLimiter {
    /// A limiter; `None` means no limit (a 429 still pauses it).
    pub fn new(limit: Option<RateLimit>) -> Self {
        let burst = limit.map(|l| l.burst as f64).unwrap_or(0.0);
        RateLimiter {
            limit,
            state: Mutex::new(State {
                tokens: burst,
                last: Instant::now(),
                paused_until: None,
            }),
        }
    }

    /// How long a request arriving now must wait, reserving its slot.
    pub fn reserve(&self) -> Duration {
        let now = Instant::now();
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let pause = match st.paused_until {
            Some(until) if until > now => until - now,
            _ => {
                st.paused_until = None;
                Duration::ZERO
            }
        };
        let Some(limit) = self.limit else {
            return pause;
        };
        let rate = limit.per_second.max(f64::MIN_POSITIVE);
        let elapsed = now.saturating_duration_since(st.last).as_secs_f64();
        st.last = now;
        st.tokens = (st.tokens + elapsed * rate).min(limit.burst as f64);
        st.tokens -= 1.0;
        let wait = if st.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-st.tokens / rate)
        };
        wait.max(pause)
    }

    /// Waits for a slot.
    pub async fn acquire(&self) {
        let wait = self.reserve();
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Stops every request through this limiter for `d` (after a 429), and drops the
    /// accumulated burst so traffic resumes gently.
    pub fn pause_for(&self, d: Duration) {
        let until = Instant::now() + d;
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if st.paused_until.is_none_or(|u| u < until) {
            st.paused_until = Some(until);
        }
        st.tokens = st.tokens.min(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn paces_after_burst() {
        let rl = RateLimiter::new(Some(RateLimit {
            per_second: 10.0,
            burst: 5,
        }));
        for _ in 0..5 {
            assert_eq!(rl.reserve(), Duration::ZERO);
        }
        // The 6th waits 100 ms, the 7th 200 ms (reservations queue up).
        let w6 = rl.reserve();
        let w7 = rl.reserve();
        assert!((w6.as_secs_f64() - 0.1).abs() < 1e-6, "{w6:?}");
        assert!((w7.as_secs_f64() - 0.2).abs() < 1e-6, "{w7:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn sustained_rate_holds() {
        let rl = RateLimiter::new(Some(RateLimit::per_second(50.0)));
        let start = Instant::now();
        for _ in 0..150 {
            rl.acquire().await;
        }
        // 50 at once, then 100 more at 50/s = 2 s.
        let took = start.elapsed().as_secs_f64();
        assert!((1.95..2.05).contains(&took), "{took}");
    }

    #[tokio::test(start_paused = true)]
    async fn refills_when_idle() {
        let rl = RateLimiter::new(Some(RateLimit {
            per_second: 10.0,
            burst: 2,
        }));
        rl.reserve();
        rl.reserve();
        assert!(rl.reserve() > Duration::ZERO);
        tokio::time::advance(Duration::from_secs(5)).await;
        // Refilled to the burst, not beyond.
        assert_eq!(rl.reserve(), Duration::ZERO);
        assert_eq!(rl.reserve(), Duration::ZERO);
        assert!(rl.reserve() > Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn pause_blocks_everyone() {
        let rl = RateLimiter::new(None);
        assert_eq!(rl.reserve(), Duration::ZERO);
        rl.pause_for(Duration::from_secs(30));
        let w = rl.reserve();
        assert!(w > Duration::from_secs(29) && w <= Duration::from_secs(30));
        tokio::time::advance(Duration::from_secs(31)).await;
        assert_eq!(rl.reserve(), Duration::ZERO);
    }
}
