//! Client-side rate limiting: at most N requests in any window, per access token and per base.
//!
//! Airtable allows 5 requests per second per base and 50 requests per second for all traffic
//! of one user's personal access tokens, answers 429 past that, and then refuses every
//! request for about 30 seconds. One 429 therefore costs far more than waiting, so the limiter
//! never lets more than N requests out in any window (a sliding window, not a token bucket: a
//! bucket with a burst of N refilling at N/s lets almost 2N through in the first second, which
//! is exactly what a server counting per second refuses).
//!
//! Why not `governor`: it implements GCRA, which is a token bucket in disguise — with a burst
//! of N it lets the same almost-2N through across a second boundary, and without a burst it
//! spaces requests evenly, giving up the N-at-once that a page of parallel reads needs. Its
//! keyed limiters would handle "per token" and "per base", but not the one thing that costs
//! most here: after a 429 every request of that token must wait out Airtable's lock-out
//! (30 s), which the retry loop ([`super::retry`]) and the client share through this module.
//!
//! ```
//! use std::time::Duration;
//! use airtable_client::{Client, RateLimit};
//!
//! // A service account shared with another job: keep to half of Airtable's limit, with a
//! // wider margin for a slow network.
//! let client = Client::builder()
//!     .rate_limit(RateLimit::per_second(25).with_margin(Duration::from_millis(200)))
//!     .per_base_rate_limit(Some(RateLimit::per_second(5)))
//!     .build()?;
//! # Ok::<(), airtable_client::Error>(())
//! ```

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Rate limit settings: at most `requests` in any `window` (+ `margin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Most requests sent in any window.
    pub requests: u32,
    /// The window Airtable counts requests in (one second).
    pub window: Duration,
    /// Added to the window when spacing requests. The time between a request leaving and
    /// Airtable counting it varies; without a margin a request delayed on the way could be
    /// counted in the same window as one sent a full window later.
    pub margin: Duration,
}

/// Margin added to Airtable's one-second window by [`RateLimit::per_second`].
pub const DEFAULT_MARGIN: Duration = Duration::from_millis(50);

impl RateLimit {
    /// `requests` per second, with [`DEFAULT_MARGIN`] (so at most `requests` in any
    /// 1.05 s: about 47.6 requests per second sustained for a limit of 50).
    pub fn per_second(requests: u32) -> Self {
        RateLimit {
            requests,
            window: Duration::from_secs(1),
            margin: DEFAULT_MARGIN,
        }
    }

    /// At most `requests` in any `window`, without margin.
    pub fn new(requests: u32, window: Duration) -> Self {
        RateLimit {
            requests,
            window,
            margin: Duration::ZERO,
        }
    }

    /// The same limit with another margin.
    pub fn with_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Requests per second this limit allows when sustained.
    pub fn sustained_per_second(&self) -> f64 {
        let span = (self.window + self.margin).as_secs_f64();
        if span <= 0.0 {
            return f64::INFINITY;
        }
        f64::from(self.requests) / span
    }

    /// Whether the limit can let anything through (at least one request in a non-empty
    /// window).
    pub(crate) fn is_valid(&self) -> bool {
        self.requests > 0 && !(self.window + self.margin).is_zero()
    }
}

impl Default for RateLimit {
    /// 50 requests per second, Airtable's limit per user for personal access tokens.
    fn default() -> Self {
        RateLimit::per_second(50)
    }
}

#[derive(Debug)]
struct State {
    /// Send times of the last `requests` requests, oldest first (never in the future, so
    /// the list stays sorted).
    sent: VecDeque<Instant>,
    /// No request before this instant (set after a 429).
    paused_until: Option<Instant>,
}

/// A sliding-window limiter. A request is recorded only at the moment it may go; one that
/// may not sleeps until the earliest moment it could and asks again. Recording the real send
/// time (never a reservation in the future) keeps the limit exact when a request is counted
/// by two limiters, its token's and its base's: it goes when both allow it, and both record
/// that same moment.
#[derive(Debug)]
pub struct RateLimiter {
    limit: Option<RateLimit>,
    state: Mutex<State>,
}

impl RateLimiter {
    /// A limiter; `None` means no limit (a 429 still pauses it).
    pub fn new(limit: Option<RateLimit>) -> Self {
        let capacity = limit.map(|l| l.requests as usize).unwrap_or(0);
        RateLimiter {
            limit,
            state: Mutex::new(State {
                sent: VecDeque::with_capacity(capacity),
                paused_until: None,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The earliest moment this limiter lets a request go, at or after `now`.
    fn earliest(&self, st: &mut State, now: Instant) -> Instant {
        let mut at = now;
        match st.paused_until {
            Some(until) if until > now => at = until,
            _ => st.paused_until = None,
        }
        if let Some(limit) = self.limit {
            let n = limit.requests.max(1) as usize;
            if st.sent.len() >= n {
                // The request N places back must be a full window (plus margin) earlier.
                let anchor = st.sent[st.sent.len() - n];
                at = at.max(anchor + limit.window + limit.margin);
            }
        }
        at
    }

    fn record(&self, st: &mut State, at: Instant) {
        let Some(limit) = self.limit else {
            return;
        };
        let n = limit.requests.max(1) as usize;
        st.sent.push_back(at);
        while st.sent.len() > n {
            st.sent.pop_front();
        }
    }

    /// Lets a request go now if every limiter allows it (recording it in all of them), or
    /// says how long to wait before asking again.
    ///
    /// Limiters are locked in the order given; callers always pass the token's limiter
    /// before the base's.
    pub fn try_acquire_all(limiters: &[&RateLimiter]) -> Result<(), Duration> {
        let now = Instant::now();
        let mut states: Vec<_> = limiters.iter().map(|l| l.lock()).collect();
        let mut at = now;
        for (l, st) in limiters.iter().zip(states.iter_mut()) {
            at = at.max(l.earliest(st, now));
        }
        if at > now {
            return Err(at - now);
        }
        for (l, st) in limiters.iter().zip(states.iter_mut()) {
            l.record(st, now);
        }
        Ok(())
    }

    /// [`RateLimiter::try_acquire_all`] with this limiter alone.
    pub fn try_acquire(&self) -> Result<(), Duration> {
        Self::try_acquire_all(&[self])
    }

    /// Waits until this limiter lets a request go, and records it.
    pub async fn acquire(&self) {
        Self::acquire_all(&[self]).await
    }

    /// Waits until every limiter lets a request go, and records it in all of them.
    pub async fn acquire_all(limiters: &[&RateLimiter]) {
        while let Err(wait) = Self::try_acquire_all(limiters) {
            tokio::time::sleep(wait).await;
        }
    }

    /// Whether forgetting this limiter changes nothing: not paused, and no request within
    /// the last window.
    pub fn is_idle(&self) -> bool {
        let now = Instant::now();
        let st = self.lock();
        let paused = st.paused_until.is_some_and(|u| u > now);
        let recent = match (self.limit, st.sent.back()) {
            (Some(limit), Some(last)) => *last + limit.window + limit.margin > now,
            _ => false,
        };
        !paused && !recent
    }

    /// Until when a 429 holds every request back, if it still does.
    pub fn paused_until(&self) -> Option<Instant> {
        let now = Instant::now();
        self.lock().paused_until.filter(|until| *until > now)
    }

    /// Stops every request through this limiter for `d` (after a 429).
    pub fn pause_for(&self, d: Duration) {
        let until = Instant::now() + d;
        let mut st = self.lock();
        if st.paused_until.is_none_or(|u| u < until) {
            st.paused_until = Some(until);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[tokio::test(start_paused = true)]
    async fn n_at_once_then_a_window_later() {
        let rl = RateLimiter::new(Some(RateLimit::new(5, ms(1000))));
        for _ in 0..5 {
            assert_eq!(rl.try_acquire(), Ok(()));
        }
        assert_eq!(rl.try_acquire(), Err(ms(1000)));
        tokio::time::advance(ms(400)).await;
        assert_eq!(rl.try_acquire(), Err(ms(600)));
        tokio::time::advance(ms(600)).await;
        assert_eq!(rl.try_acquire(), Ok(()));
    }

    #[tokio::test(start_paused = true)]
    async fn never_more_than_n_in_any_window() {
        let limit = RateLimit::per_second(50);
        let rl = std::sync::Arc::new(RateLimiter::new(Some(limit)));
        let start = Instant::now();
        let times = std::sync::Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for i in 0..400u64 {
            let (rl, times) = (rl.clone(), times.clone());
            tasks.push(tokio::spawn(async move {
                // Irregular arrivals, many waiting at once.
                tokio::time::sleep(ms(i * 7 % 1300)).await;
                rl.acquire().await;
                times
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(Instant::now());
            }));
        }
        for t in tasks {
            t.await.expect("the task finishes");
        }
        let mut times = times.lock().unwrap_or_else(|e| e.into_inner()).clone();
        times.sort();
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .take_while(|u| **u < *t + limit.window + limit.margin)
                .count();
            assert!(in_window <= 50, "{in_window} requests in one window at {i}");
        }
        // And the limit is used: 400 requests in 8 windows of 1.05 s, the last starting at
        // 7.35 s at the earliest (arrivals are spread over the first 1.3 s).
        let took = start.elapsed().as_secs_f64();
        assert!((7.35..7.7).contains(&took), "{took}");
        assert!((limit.sustained_per_second() - 47.619).abs() < 0.01);
    }

    #[tokio::test(start_paused = true)]
    async fn quiet_period_frees_the_window() {
        let rl = RateLimiter::new(Some(RateLimit::new(2, ms(100))));
        assert!(rl.try_acquire().is_ok());
        assert!(rl.try_acquire().is_ok());
        assert!(rl.try_acquire().is_err());
        tokio::time::advance(Duration::from_secs(5)).await;
        assert!(rl.try_acquire().is_ok());
        assert!(rl.try_acquire().is_ok());
        assert!(rl.try_acquire().is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn idle_after_a_quiet_window() {
        let rl = RateLimiter::new(Some(RateLimit::new(2, ms(100))));
        assert!(rl.is_idle());
        rl.acquire().await;
        assert!(!rl.is_idle());
        tokio::time::advance(ms(100)).await;
        assert!(rl.is_idle());
        rl.pause_for(ms(50));
        assert!(!rl.is_idle());
    }

    #[tokio::test(start_paused = true)]
    async fn pause_blocks_everyone() {
        let rl = RateLimiter::new(None);
        assert_eq!(rl.try_acquire(), Ok(()));
        rl.pause_for(Duration::from_secs(30));
        let w = rl.try_acquire().expect_err("paused");
        assert!(w > Duration::from_secs(29) && w <= Duration::from_secs(30));
        tokio::time::advance(Duration::from_secs(31)).await;
        assert_eq!(rl.try_acquire(), Ok(()));
    }

    #[tokio::test(start_paused = true)]
    async fn both_limits_hold_for_a_request_counted_by_two() {
        let token = RateLimiter::new(Some(RateLimit::new(10, ms(1000))));
        let base = RateLimiter::new(Some(RateLimit::new(2, ms(1000))));
        assert_eq!(RateLimiter::try_acquire_all(&[&token, &base]), Ok(()));
        assert_eq!(RateLimiter::try_acquire_all(&[&token, &base]), Ok(()));
        // The base is full: nothing is recorded in the token's limiter for the refusal.
        assert_eq!(
            RateLimiter::try_acquire_all(&[&token, &base]),
            Err(ms(1000))
        );
        for _ in 0..8 {
            assert_eq!(token.try_acquire(), Ok(()));
        }
        // Now the token is full too.
        assert_eq!(token.try_acquire(), Err(ms(1000)));
        assert_eq!(
            RateLimiter::try_acquire_all(&[&token, &base]),
            Err(ms(1000))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_during_the_wait_is_honoured() {
        let rl = std::sync::Arc::new(RateLimiter::new(Some(RateLimit::new(1, ms(100)))));
        rl.acquire().await;
        let start = Instant::now();
        let waiter = {
            let rl = rl.clone();
            tokio::spawn(async move { rl.acquire().await })
        };
        tokio::task::yield_now().await;
        rl.pause_for(Duration::from_secs(2));
        waiter.await.expect("the waiter finishes");
        assert!(
            start.elapsed() >= Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
    }
}
