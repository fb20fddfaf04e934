//! Starting an in-process simulator and talking to its `/_sim/` control endpoints.

#![allow(dead_code)] // each test binary uses part of this

use std::time::Duration;

use airtable_client::api::EnterpriseHandler;
use airtable_client::ids::{EnterpriseId, UserId};
use airtable_client::models::AuditEvent;
use airtable_client::{AccessToken, Client, ClientBuilder, RetryPolicy};
use airtable_sim::{SimConfig, SimInfo, SimSize};
use futures::TryStreamExt;
use serde_json::Value;

/// A running simulator, a client for its fixed token, and a plain HTTP client for `/_sim/`.
pub struct Sim {
    pub running: airtable_sim::RunningSim,
    pub client: Client,
    pub ent: EnterpriseId,
    pub info: SimInfo,
    pub http: reqwest::Client,
}

/// Retries that take milliseconds, not seconds.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 4,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(40),
        rate_limited_wait: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(5),
    }
}

impl Sim {
    /// The tiny enterprise (12 users, 200 audit events), client with default settings except
    /// the rate limits (functional tests send a few hundred requests; pacing has tests of
    /// its own in `sim_faults.rs`).
    pub async fn start() -> Sim {
        Self::start_with(
            SimConfig {
                size: SimSize::tiny(),
                ..SimConfig::default()
            },
            |b| b.no_rate_limit().per_base_rate_limit(None),
        )
        .await
    }

    pub async fn start_with(
        config: SimConfig,
        configure: impl FnOnce(ClientBuilder) -> ClientBuilder,
    ) -> Sim {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let running = airtable_sim::spawn(listener, config)
            .await
            .expect("the simulator starts");
        let info = running.info();
        let builder = Client::builder()
            .base_url(running.base_url())
            .token(AccessToken::new(info.token.clone()));
        let client = configure(builder).build().expect("the client builds");
        let ent: EnterpriseId = info
            .enterprise_account_id
            .parse()
            .expect("the sim's enterprise ID is valid");
        Sim {
            running,
            client,
            ent,
            info,
            http: reqwest::Client::new(),
        }
    }

    pub fn ent(&self) -> EnterpriseHandler {
        self.client.enterprise(&self.ent)
    }

    /// The seeded super admin the token acts as.
    pub fn me(&self) -> UserId {
        self.info.admins[0]
            .id
            .parse()
            .expect("the sim's admin ID is valid")
    }

    fn control(&self, path: &str) -> String {
        format!("{}/_sim/{path}", self.running.base_url())
    }

    async fn control_call(&self, req: reqwest::RequestBuilder) -> Value {
        let resp = req.send().await.expect("the control endpoint answers");
        assert!(
            resp.status().is_success(),
            "control call failed: {}",
            resp.status()
        );
        resp.json()
            .await
            .expect("the control endpoint answers JSON")
    }

    /// `GET /_sim/stats`.
    pub async fn stats(&self) -> Value {
        self.control_call(self.http.get(self.control("stats")))
            .await
    }

    /// `DELETE /_sim/stats`: counts so far, and a fresh start.
    pub async fn reset_stats(&self) -> Value {
        self.control_call(self.http.delete(self.control("stats")))
            .await
    }

    /// `POST /_sim/faults`.
    pub async fn set_faults(&self, config: Value) {
        self.control_call(self.http.post(self.control("faults")).json(&config))
            .await;
    }

    /// `GET /_sim/faults`: the rules and what they injected.
    pub async fn faults(&self) -> Value {
        self.control_call(self.http.get(self.control("faults")))
            .await
    }

    /// `DELETE /_sim/faults`.
    pub async fn clear_faults(&self) {
        self.control_call(self.http.delete(self.control("faults")))
            .await;
    }

    /// `POST /_sim/rate-limits`.
    pub async fn set_rate_limits(&self, config: Value) {
        self.control_call(self.http.post(self.control("rate-limits")).json(&config))
            .await;
    }

    /// Audit events of one type about one object, oldest first (an ascending walk that stops
    /// when it has caught up).
    pub async fn events(&self, action: &str, model_id: &str) -> Vec<AuditEvent> {
        self.ent()
            .audit_log()
            .ascending()
            .event_type(action)
            .model_id(model_id)
            .page_size(100)
            .events()
            .try_collect()
            .await
            .expect("the audit log can be read")
    }
}

/// A counter of `/_sim/stats` as a number.
pub fn count(stats: &Value, pointer: &str) -> u64 {
    stats
        .pointer(pointer)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("{pointer} in {stats}"))
}
