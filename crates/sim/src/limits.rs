//! Airtable's rate limits: 5 requests per second per base, 50 per second per token; past
//! them, 429 and every further request in that scope fails until the penalty (about 30
//! seconds) is over. Off unless configured (`--rate-limit`, `SimConfig::rate_limits`, or
//! `POST /_sim/rate-limits`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};

use crate::{auth::bearer, config::RateLimits, error::ApiError, stats::Cause, Sim};

#[derive(Debug)]
struct Window {
    started: Instant,
    count: u32,
    penalty_until: Option<Instant>,
}

#[derive(Debug, Default)]
pub struct Limiter {
    pub config: Option<RateLimits>,
    windows: HashMap<String, Window>,
}

impl Limiter {
    pub fn new(config: Option<RateLimits>) -> Self {
        Limiter {
            config,
            windows: HashMap::new(),
        }
    }

    pub fn set(&mut self, config: Option<RateLimits>) {
        self.config = config;
        self.windows.clear();
    }

    /// Counts one request against each scope; false if any scope is over its limit.
    pub fn admit(&mut self, scopes: &[(String, u32)], now: Instant) -> bool {
        let Some(config) = self.config else {
            return true;
        };
        if self.windows.len() > 10_000 {
            self.windows.retain(|_, w| {
                now.duration_since(w.started) < Duration::from_secs(2)
                    || w.penalty_until.is_some_and(|p| p > now)
            });
        }
        let mut ok = true;
        for (key, limit) in scopes {
            let w = self.windows.entry(key.clone()).or_insert(Window {
                started: now,
                count: 0,
                penalty_until: None,
            });
            if let Some(until) = w.penalty_until {
                if now < until {
                    ok = false;
                    continue;
                }
                w.penalty_until = None;
                w.started = now;
                w.count = 0;
            }
            if now.duration_since(w.started) >= Duration::from_secs(1) {
                w.started = now;
                w.count = 0;
            }
            w.count += 1;
            if w.count > *limit {
                w.penalty_until = Some(now + config.penalty);
                ok = false;
            }
        }
        ok
    }
}

/// A request carrying this header is neither counted nor limited. Not Airtable's: it is
/// for a test that watches the simulator beside the console, so that looking does not
/// spend the budget the console is being tested against.
pub const UNMETERED: &str = "x-sim-unmetered";

/// The base a request is about: `/v0/meta/bases/{appId}…` or `/v0/{appId}/…`.
fn base_of(path: &str) -> Option<&str> {
    let rest = path
        .strip_prefix("/v0/meta/bases/")
        .or_else(|| path.strip_prefix("/v0/"))?;
    let id = rest.split('/').next()?;
    id.starts_with("app").then_some(id)
}

pub async fn limit(State(sim): State<Arc<Sim>>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.starts_with("/_sim/")
        || path.starts_with("/oauth2/")
        || request.headers().contains_key(UNMETERED)
    {
        return next.run(request).await;
    }
    let admitted = match sim.limits.lock() {
        Ok(mut limiter) => match limiter.config {
            None => true,
            Some(config) => {
                let mut scopes = Vec::new();
                if let Some(token) = bearer(request.headers()) {
                    scopes.push((format!("token:{token}"), config.per_token_per_second));
                }
                if let Some(base) = base_of(path) {
                    scopes.push((format!("base:{base}"), config.per_base_per_second));
                }
                limiter.admit(&scopes, Instant::now())
            }
        },
        Err(_) => true,
    };
    if admitted {
        next.run(request).await
    } else {
        let mut response = ApiError::rate_limited_as(sim.config.rate_limit_body);
        response.extensions_mut().insert(Cause::RateLimit);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_the_limit_is_refused_for_the_penalty() {
        let mut l = Limiter::new(Some(RateLimits {
            per_base_per_second: 5,
            per_token_per_second: 50,
            penalty: Duration::from_secs(30),
        }));
        let t0 = Instant::now();
        let base = [("base:app1".to_string(), 5)];
        for _ in 0..5 {
            assert!(l.admit(&base, t0));
        }
        assert!(!l.admit(&base, t0), "the sixth in a second is refused");
        assert!(
            !l.admit(&base, t0 + Duration::from_secs(5)),
            "still refused later"
        );
        assert!(l.admit(&base, t0 + Duration::from_secs(31)), "penalty over");
        assert!(
            l.admit(&[("base:app2".to_string(), 5)], t0),
            "other bases are not affected"
        );
    }

    #[test]
    fn off_by_default() {
        let mut l = Limiter::default();
        for _ in 0..1000 {
            assert!(l.admit(&[("token:x".to_string(), 1)], Instant::now()));
        }
    }

    #[test]
    fn bases_in_paths() {
        assert_eq!(base_of("/v0/meta/bases/appAbc/tables"), Some("appAbc"));
        assert_eq!(base_of("/v0/appAbc/tblX"), Some("appAbc"));
        assert_eq!(base_of("/v0/meta/workspaces/wsp1"), None);
    }
}
