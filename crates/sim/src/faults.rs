//! Fault injection for tests: latency, 429s, 5xx and dropped connections, per path
//! pattern, drawn from a seeded generator so a run can be repeated.
//!
//! `POST /_sim/faults` with `{"seed": 1, "rules": [{"path": "/v0/meta/*", "latencyMs": 200,
//! "rate429": 0.1, "rate5xx": 0.05, "dropRate": 0.01}]}` (or one rule as the whole body);
//! `DELETE /_sim/faults` removes them; `GET /_sim/faults` shows them and what they did.
//!
//! A rule with `"answer": {"status": 404, "body": {…}}` answers every matching request with
//! exactly that, in place of the simulator's own answer: how a test meets the real API
//! answering differently where the simulator had to guess (see the README, Assumptions).

use std::sync::Arc;
use std::time::Duration;

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};
use rand::{rngs::StdRng, Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::{error::ApiError, stats::Cause, Sim};

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FaultRule {
    /// A path pattern: `*` matches any run of characters; absent matches every path.
    pub path: Option<String>,
    /// Only this method (GET, POST…); absent matches every method.
    pub method: Option<String>,
    pub latency_ms: u64,
    #[serde(rename = "rate429")]
    pub rate_429: f64,
    #[serde(rename = "rate5xx")]
    pub rate_5xx: f64,
    /// The status of injected server errors (default 500).
    pub server_error_status: Option<u16>,
    pub drop_rate: f64,
    /// Answer every matching request with this instead (after the latency).
    pub answer: Option<CannedAnswer>,
}

/// A status and a JSON body, given in place of the simulator's own answer.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct CannedAnswer {
    pub status: u16,
    #[serde(default)]
    pub body: serde_json::Value,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultConfig {
    pub seed: Option<u64>,
    pub rules: Option<Vec<FaultRule>>,
    #[serde(flatten)]
    pub single: FaultRule,
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultCounts {
    pub delayed: u64,
    #[serde(rename = "tooManyRequests")]
    pub too_many: u64,
    pub server_errors: u64,
    pub dropped: u64,
    pub answered: u64,
}

pub struct Faults {
    pub rules: Vec<FaultRule>,
    pub seed: u64,
    rng: StdRng,
    pub counts: FaultCounts,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            rules: Vec::new(),
            seed: 0,
            rng: StdRng::seed_from_u64(0),
            counts: FaultCounts::default(),
        }
    }
}

enum Outcome {
    Pass,
    TooMany,
    ServerError(StatusCode),
    Drop,
    Answer(CannedAnswer),
}

impl Faults {
    pub fn configure(&mut self, config: FaultConfig) {
        let seed = config.seed.unwrap_or(0);
        self.rules = config.rules.unwrap_or_else(|| vec![config.single]);
        self.seed = seed;
        self.rng = StdRng::seed_from_u64(seed);
        self.counts = FaultCounts::default();
    }

    pub fn clear(&mut self) {
        *self = Faults::default();
    }

    fn decide(&mut self, method: &str, path: &str) -> (Duration, Outcome) {
        let Some(rule) = self
            .rules
            .iter()
            .find(|r| {
                r.path.as_deref().is_none_or(|p| glob(p, path))
                    && r.method
                        .as_deref()
                        .is_none_or(|m| m.eq_ignore_ascii_case(method))
            })
            .cloned()
        else {
            return (Duration::ZERO, Outcome::Pass);
        };
        let latency = Duration::from_millis(rule.latency_ms);
        if rule.latency_ms > 0 {
            self.counts.delayed += 1;
        }
        if let Some(answer) = rule.answer {
            self.counts.answered += 1;
            return (latency, Outcome::Answer(answer));
        }
        let draw: f64 = self.rng.gen();
        let mut edge = rule.drop_rate;
        let outcome = if draw < edge {
            self.counts.dropped += 1;
            Outcome::Drop
        } else if draw < {
            edge += rule.rate_429;
            edge
        } {
            self.counts.too_many += 1;
            Outcome::TooMany
        } else if draw < edge + rule.rate_5xx {
            self.counts.server_errors += 1;
            let status = rule
                .server_error_status
                .and_then(|s| StatusCode::from_u16(s).ok())
                .filter(|s| s.is_server_error())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Outcome::ServerError(status)
        } else {
            Outcome::Pass
        };
        (latency, outcome)
    }
}

/// `*` matches any run of characters (slashes included).
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

pub async fn inject(State(sim): State<Arc<Sim>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if path.starts_with("/_sim/") {
        return next.run(request).await;
    }
    let (latency, outcome) = match sim.faults.lock() {
        Ok(mut faults) => faults.decide(request.method().as_str(), &path),
        Err(_) => (Duration::ZERO, Outcome::Pass),
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let (mut response, cause) = match outcome {
        Outcome::Pass => return next.run(request).await,
        Outcome::Answer(answer) => {
            let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
            return (status, axum::Json(answer.body)).into_response();
        }
        Outcome::TooMany => (
            ApiError::rate_limited_as(sim.config.rate_limit_body),
            Cause::Injected429,
        ),
        Outcome::ServerError(status) => {
            let mut e = ApiError::server_error();
            e.status = status;
            (e.into_response(), Cause::Injected5xx)
        }
        Outcome::Drop => {
            // Headers go out, then the connection is cut before the body completes.
            let stream = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "the simulator dropped the connection",
                ))
            });
            let response = Response::builder()
                .status(StatusCode::OK)
                .header("content-type", "application/json")
                .body(Body::from_stream(stream))
                .unwrap_or_else(|_| ApiError::server_error().into_response());
            (response, Cause::Dropped)
        }
    };
    response.extensions_mut().insert(cause);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("/v0/meta/*", "/v0/meta/bases/app1"));
        assert!(glob(
            "*/users*",
            "/v0/meta/enterpriseAccounts/ent1/users/usr1"
        ));
        assert!(!glob("/v0/meta/bases/*", "/v0/meta/workspaces/wsp1"));
        assert!(glob("/exact", "/exact"));
        assert!(!glob("/exact", "/exact/more"));
    }

    #[test]
    fn the_same_seed_injects_the_same_faults() {
        let run = || {
            let mut f = Faults::default();
            f.configure(FaultConfig {
                seed: Some(9),
                rules: Some(vec![FaultRule {
                    rate_429: 0.3,
                    rate_5xx: 0.2,
                    drop_rate: 0.1,
                    ..FaultRule::default()
                }]),
                single: FaultRule::default(),
            });
            (0..200)
                .map(|_| match f.decide("GET", "/v0/x").1 {
                    Outcome::Pass => 'p',
                    Outcome::TooMany => 't',
                    Outcome::ServerError(_) => 's',
                    Outcome::Drop => 'd',
                    Outcome::Answer(_) => 'a',
                })
                .collect::<String>()
        };
        let a = run();
        assert_eq!(a, run());
        assert!(a.contains('t') && a.contains('s') && a.contains('d') && a.contains('p'));
    }
}
