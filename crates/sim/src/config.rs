//! How a simulator is set up: its seed, its size, and who may sign in to it.

use std::time::Duration;

/// Everything that decides what a simulator serves.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Same seed, same enterprise: every ID, name and relation derives from it.
    pub seed: u64,
    pub size: SimSize,
    /// A fixed personal access token, accepted as `Bearer`, with every scope, acting as the
    /// first (super) admin.
    pub token: String,
    /// The one registered OAuth integration.
    pub oauth_client_id: String,
    pub oauth_client_secret: String,
    /// Registered redirect URIs; empty accepts any `http://127.0.0.1…` or `http://localhost…`.
    pub oauth_redirect_uris: Vec<String>,
    /// Lifetime of OAuth access tokens (Airtable: about 60 minutes).
    pub access_token_ttl: Duration,
    /// Airtable's rate limits; `None` (the default) serves every request.
    pub rate_limits: Option<RateLimits>,
    /// Audit events become visible this long after they happen (Airtable: a few minutes;
    /// default zero so tests see their own actions at once).
    pub audit_delay: Duration,
    /// Some events later still than `audit_delay` (default none), so that a client holding
    /// a caught-up cursor can be passed by one: see [`AuditStragglers`].
    pub audit_stragglers: Option<AuditStragglers>,
    /// How a 429's body reads (the limiter's and injected ones).
    pub rate_limit_body: RateLimitBody,
}

/// The two bodies Airtable has been reported to send with a 429; clients must read both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RateLimitBody {
    /// `{"error": {"type": "RATE_LIMIT_REACHED", "message": …}}`, Airtable's usual error form.
    #[default]
    ErrorObject,
    /// `{"errors": [{"error": "RATE_LIMIT_REACHED", "message": …}]}`.
    ErrorsArray,
}

impl RateLimitBody {
    /// `error-object` or `errors-array` (the `--rate-limit-body` flag's values).
    pub fn by_name(name: &str) -> Option<Self> {
        match name {
            "error-object" => Some(RateLimitBody::ErrorObject),
            "errors-array" => Some(RateLimitBody::ErrorsArray),
            _ => None,
        }
    }
}

/// Every `every`-th event the simulator records is published `extra` later than the others.
///
/// Airtable says only that events appear "a few minutes after the fact", not that they
/// appear in the order they happened. With stragglers they do not: the cursor of a client
/// that has caught up moves past a straggler before it is visible, and `next` never returns
/// it. Only a client that reads a trailing window again (the console's late-window sweep)
/// finds it. Seeded history is never late.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuditStragglers {
    /// 1 makes every event a straggler; 3 every third.
    pub every: u32,
    pub extra: Duration,
}

/// Requests per second allowed before a 429, and how long a 429 lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// Requests per second to one base (Airtable: 5).
    pub per_base_per_second: u32,
    /// Requests per second with one token (Airtable: 50).
    pub per_token_per_second: u32,
    /// Once limited, requests keep failing for this long (Airtable: about 30 seconds).
    pub penalty: Duration,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            per_base_per_second: 5,
            per_token_per_second: 50,
            penalty: Duration::from_secs(30),
        }
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 42,
            size: SimSize::demo(),
            token: "patSimDemoToken.0000000000000000".into(),
            oauth_client_id: "console-demo".into(),
            oauth_client_secret: "console-demo-secret".into(),
            oauth_redirect_uris: Vec::new(),
            access_token_ttl: Duration::from_secs(60 * 60),
            rate_limits: None,
            audit_delay: Duration::ZERO,
            audit_stragglers: None,
            rate_limit_body: RateLimitBody::default(),
        }
    }
}

/// How big the seeded enterprise is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimSize {
    pub users: usize,
    pub groups: usize,
    pub workspaces: usize,
    pub bases: usize,
    pub audit_events: usize,
}

impl SimSize {
    /// A handful of everything: fast tests.
    pub fn tiny() -> Self {
        SimSize {
            users: 12,
            groups: 3,
            workspaces: 4,
            bases: 8,
            audit_events: 200,
        }
    }

    /// A small company: the demo.
    pub fn demo() -> Self {
        SimSize {
            users: 250,
            groups: 20,
            workspaces: 40,
            bases: 150,
            audit_events: 20_000,
        }
    }

    /// A big enterprise: benchmarks.
    pub fn large() -> Self {
        SimSize {
            users: 50_000,
            groups: 1_000,
            workspaces: 2_000,
            bases: 20_000,
            audit_events: 5_000_000,
        }
    }

    pub fn by_name(name: &str) -> Option<Self> {
        match name {
            "tiny" => Some(Self::tiny()),
            "demo" => Some(Self::demo()),
            "large" => Some(Self::large()),
            _ => None,
        }
    }
}
