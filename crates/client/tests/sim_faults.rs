//! The client under the simulator's injected faults (`/_sim/faults`) and rate limits
//! (`/_sim/rate-limits`), counted by `/_sim/stats`: idempotent calls get through 429s, 5xx,
//! dropped connections and latency; calls that may have reached Airtable are not repeated;
//! a bulk job paced by the client-side limiter provokes no 429 at all.

mod common;

use std::time::{Duration, Instant};

use airtable_client::ids::UserId;
use airtable_client::models::{ScimUserRequest, UserState};
use airtable_client::{Error, RetryPolicy};
use airtable_sim::{SimConfig, SimSize};
use common::{count, fast_retries, Sim};
use futures::{stream, StreamExt, TryStreamExt};
use serde_json::json;

async fn start_fast() -> Sim {
    Sim::start_with(
        SimConfig {
            size: SimSize::tiny(),
            ..SimConfig::default()
        },
        |b| {
            b.retry_policy(RetryPolicy {
                max_retries: 8,
                ..fast_retries()
            })
            .no_rate_limit()
            .per_base_rate_limit(None)
        },
    )
    .await
}

async fn user_ids(sim: &Sim) -> Vec<UserId> {
    sim.ent()
        .get()
        .send()
        .await
        .expect("get enterprise")
        .user_ids
}

#[tokio::test]
async fn idempotent_calls_get_through_injected_429s_and_server_errors() {
    let sim = start_fast().await;
    let ids = user_ids(&sim).await;
    sim.reset_stats().await;
    sim.set_faults(json!({
        "seed": 7,
        "rules": [
            {"path": "/v0/meta/enterpriseAccounts/*", "method": "GET",
             "rate429": 0.25, "rate5xx": 0.25, "serverErrorStatus": 503},
            {"path": "/scim/v2/Users/*", "method": "PUT", "rate5xx": 0.5, "serverErrorStatus": 502}
        ]
    }))
    .await;

    for id in ids.iter().cycle().take(24) {
        let u = sim
            .ent()
            .user(id)
            .get()
            .send()
            .await
            .expect("a GET gets through injected faults");
        assert_eq!(&u.id, id);
    }
    // PUT is idempotent too: retried after 5xx, applied once.
    let target = ids
        .iter()
        .find(|id| **id != sim.me())
        .expect("another user")
        .clone();
    let scim_user = sim.client.scim().user(&target).get().await.expect("get");
    let mut put = ScimUserRequest::new(scim_user.user_name.clone(), "Put", "Retried");
    put.active = Some(true);
    for _ in 0..4 {
        sim.client
            .scim()
            .user(&target)
            .replace(&put)
            .await
            .expect("a PUT gets through injected 5xx");
    }
    let stats = sim.reset_stats().await;
    let faults = sim.faults().await;
    sim.clear_faults().await;

    let injected_429 = count(&stats, "/tooManyRequests/injected");
    let injected_5xx = count(&stats, "/serverErrors/injected");
    assert!(injected_429 > 0 && injected_5xx > 0, "{stats}");
    assert_eq!(count(&stats, "/tooManyRequests/rateLimit"), 0);
    // Every injected failure cost exactly one more attempt; nothing else was sent.
    assert_eq!(
        count(&stats, "/requests"),
        24 + 4 + 1 + injected_429 + injected_5xx,
        "{stats} {faults}"
    );
    assert!(count(&stats, "/byStatus/503") > 0 && count(&stats, "/byStatus/502") > 0);
    let u = sim
        .ent()
        .user(&target)
        .get()
        .send()
        .await
        .expect("get user");
    assert_eq!(u.name, "Put Retried");
    assert_eq!(u.state, UserState::Provisioned);
}

#[tokio::test]
async fn dropped_connections_are_retried_for_gets_only() {
    let sim = start_fast().await;
    let ids = user_ids(&sim).await;
    let subject = ids
        .iter()
        .find(|id| **id != sim.me())
        .expect("another user")
        .clone();
    sim.reset_stats().await;
    sim.set_faults(json!({
        "seed": 3,
        "rules": [
            {"path": "/v0/meta/enterpriseAccounts/*/logout", "method": "POST", "dropRate": 1.0},
            {"path": "/v0/meta/enterpriseAccounts/*", "method": "GET", "dropRate": 0.4}
        ]
    }))
    .await;
    for id in ids.iter().take(10) {
        sim.ent()
            .user(id)
            .get()
            .send()
            .await
            .expect("a GET gets through dropped connections");
    }
    let stats = sim.reset_stats().await;
    let dropped = count(&stats, "/dropped");
    assert!(dropped > 0, "{stats}");
    assert_eq!(count(&stats, "/requests"), 10 + dropped);

    let err = sim
        .ent()
        .user(&subject)
        .logout()
        .await
        .expect_err("the reply to the POST was cut");
    assert!(
        matches!(err, Error::Transport { .. } | Error::Decode { .. }),
        "{err:?}"
    );
    let stats = sim.reset_stats().await;
    assert_eq!(count(&stats, "/requests"), 1, "not retried: {stats}");
    assert_eq!(count(&stats, "/dropped"), 1);
    sim.clear_faults().await;
}

#[tokio::test]
async fn calls_that_may_have_run_are_not_repeated_after_server_errors() {
    let sim = start_fast().await;
    let ids = user_ids(&sim).await;
    let subject = ids
        .iter()
        .find(|id| **id != sim.me())
        .expect("another user")
        .clone();
    let workspaces = sim
        .ent()
        .get()
        .send()
        .await
        .expect("get enterprise")
        .workspace_ids
        .len();
    sim.reset_stats().await;
    sim.set_faults(json!({
        "rules": [{"path": "/v0/meta/*", "method": "POST", "rate5xx": 1.0, "serverErrorStatus": 502},
                  {"path": "/v0/meta/*", "method": "PATCH", "rate5xx": 1.0},
                  {"path": "/v0/meta/*", "method": "DELETE", "rate5xx": 1.0, "serverErrorStatus": 504}]
    }))
    .await;

    let err = sim
        .ent()
        .create_workspace("Never twice")
        .await
        .expect_err("502");
    assert_eq!(err.status(), Some(502));
    assert!(err.is_transient());
    let err = sim
        .ent()
        .user(&subject)
        .update()
        .first_name("Never")
        .send()
        .await
        .expect_err("500");
    assert_eq!(err.status(), Some(500));
    let err = sim.ent().user(&subject).delete().await.expect_err("504");
    assert_eq!(err.status(), Some(504));

    let stats = sim.reset_stats().await;
    assert_eq!(count(&stats, "/requests"), 3, "one attempt each: {stats}");
    assert_eq!(count(&stats, "/serverErrors/injected"), 3);
    sim.clear_faults().await;
    assert_eq!(
        sim.ent()
            .get()
            .send()
            .await
            .expect("get enterprise")
            .workspace_ids
            .len(),
        workspaces
    );
    assert!(sim.ent().user(&subject).get().send().await.is_ok());
}

#[tokio::test]
async fn a_429_means_not_run_so_a_post_is_retried_and_runs_once() {
    let sim = start_fast().await;
    let before = sim
        .ent()
        .get()
        .send()
        .await
        .expect("get enterprise")
        .workspace_ids
        .len();
    sim.reset_stats().await;
    // With this seed the first two draws are 429s.
    sim.set_faults(json!({
        "seed": 11,
        "rules": [{"path": "/v0/meta/workspaces", "method": "POST", "rate429": 0.6}]
    }))
    .await;
    let created = sim
        .ent()
        .create_workspace("Exactly once")
        .await
        .expect("created after 429s");
    let stats = sim.reset_stats().await;
    sim.clear_faults().await;
    let injected = count(&stats, "/tooManyRequests/injected");
    assert!(injected >= 1, "{stats}");
    assert_eq!(count(&stats, "/requests"), injected + 1);
    let after = sim.ent().get().send().await.expect("get enterprise");
    assert_eq!(after.workspace_ids.len(), before + 1);
    assert!(after.workspace_ids.contains(&created.id));
}

#[tokio::test]
async fn latency_timeouts_and_retries() {
    let sim = Sim::start_with(
        SimConfig {
            size: SimSize::tiny(),
            ..SimConfig::default()
        },
        |b| {
            b.timeout(Duration::from_millis(150))
                .retry_policy(RetryPolicy {
                    max_retries: 2,
                    ..fast_retries()
                })
                .no_rate_limit()
        },
    )
    .await;
    // Slow but within the timeout: just slower.
    sim.set_faults(json!({"path": "/v0/meta/whoami", "latencyMs": 60}))
        .await;
    let started = Instant::now();
    sim.client.whoami().await.expect("slow whoami");
    assert!(started.elapsed() >= Duration::from_millis(60));

    // Slower than the timeout: a GET is tried three times, a POST once.
    sim.set_faults(json!({"rules": [{"path": "/v0/meta/*", "latencyMs": 400}]}))
        .await;
    let err = sim.client.whoami().await.expect_err("timeout");
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.is_transient());
    assert_eq!(sim.faults().await["injected"]["delayed"], json!(3));
    sim.set_faults(json!({"rules": [{"path": "/v0/meta/*", "latencyMs": 400}]}))
        .await;
    let err = sim
        .ent()
        .create_workspace("Too slow")
        .await
        .expect_err("timeout");
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(sim.faults().await["injected"]["delayed"], json!(1));
    sim.clear_faults().await;
}

#[tokio::test]
async fn a_paced_bulk_job_provokes_no_429() {
    // Airtable's limits, with a short penalty; the client with its default limits.
    let sim = Sim::start_with(
        SimConfig {
            size: SimSize::tiny(),
            ..SimConfig::default()
        },
        |b| b.retry_policy(RetryPolicy::none()),
    )
    .await;
    sim.set_rate_limits(json!({"perBasePerSecond": 5, "perTokenPerSecond": 50, "penaltyMs": 1500}))
        .await;
    let ids = user_ids(&sim).await;
    let base = Box::pin(sim.client.list_bases())
        .try_next()
        .await
        .expect("list bases")
        .expect("a base")
        .id;
    sim.reset_stats().await;

    // 110 user reads, 16 at a time, and 11 reads of one base's shares beside them.
    let started = Instant::now();
    let users = stream::iter(ids.iter().cycle().take(110).cloned())
        .map(|id| {
            let ent = sim.ent();
            async move { ent.user(&id).get().send().await.map(drop) }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<()>>();
    let shares = stream::iter(0..11)
        .map(|_| {
            let b = sim.client.base(&base);
            async move { b.shares().await.map(drop) }
        })
        .buffer_unordered(4)
        .try_collect::<Vec<()>>();
    let (users, shares) = tokio::join!(users, shares);
    let took = started.elapsed();
    let stats = sim.reset_stats().await;
    users.unwrap_or_else(|e| panic!("a user read failed after {took:?}: {e} {stats}"));
    shares.unwrap_or_else(|e| panic!("a share read failed after {took:?}: {e} {stats}"));
    assert_eq!(count(&stats, "/requests"), 121, "{stats}");
    assert_eq!(count(&stats, "/tooManyRequests/total"), 0, "{stats}");
    assert_eq!(count(&stats, "/byStatus/200"), 121);
    // 121 requests at 50 per window: three windows, so at least two window lengths.
    assert!(took >= Duration::from_secs(2), "{took:?}");

    // The same job without the client's pacing does provoke the simulator's 429s.
    let unpaced = airtable_client::Client::builder()
        .base_url(sim.running.base_url())
        .token(airtable_client::AccessToken::new(sim.info.token.clone()))
        .no_rate_limit()
        .per_base_rate_limit(None)
        .retry_policy(RetryPolicy {
            rate_limited_wait: Duration::from_millis(10),
            ..RetryPolicy::none()
        })
        .build()
        .expect("client");
    let results: Vec<_> = stream::iter(ids.iter().cycle().take(80).cloned())
        .map(|id| {
            let ent = unpaced.enterprise(&sim.ent);
            async move { ent.user(&id).get().send().await }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let stats = sim.reset_stats().await;
    assert!(count(&stats, "/tooManyRequests/rateLimit") > 0, "{stats}");
    assert!(results
        .iter()
        .any(|r| r.as_ref().is_err_and(Error::is_rate_limited)));
}

/// Airtable has been seen answering a 429 with either body; the client names the rate
/// limit from both (the simulator is set to send one or the other).
#[tokio::test]
async fn either_body_of_a_429_reads_as_the_rate_limit() {
    for body in [
        airtable_sim::RateLimitBody::ErrorObject,
        airtable_sim::RateLimitBody::ErrorsArray,
    ] {
        let sim = Sim::start_with(
            SimConfig {
                size: SimSize::tiny(),
                rate_limit_body: body,
                ..SimConfig::default()
            },
            |b| {
                b.retry_policy(RetryPolicy {
                    max_retries: 0,
                    ..fast_retries()
                })
                .no_rate_limit()
                .per_base_rate_limit(None)
            },
        )
        .await;
        sim.set_faults(json!({
            "seed": 1,
            "rules": [{"path": "/v0/meta/whoami", "method": "GET", "rate429": 1.0}]
        }))
        .await;
        let error = sim.client.whoami().await.expect_err("a 429");
        assert!(error.is_rate_limited(), "{body:?}: {error}");
        let api = error.api().expect("Airtable's answer");
        assert_eq!(api.kind.as_deref(), Some("RATE_LIMIT_REACHED"), "{body:?}");
        assert_eq!(
            api.message.as_deref(),
            Some("Rate limit exceeded. Please try again later"),
            "{body:?}"
        );
    }
}
