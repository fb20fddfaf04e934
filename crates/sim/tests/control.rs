//! What tests do to the simulator: faults and rate limits; and the program itself.

mod common;

use std::time::{Duration, Instant};

use airtable_sim::{RateLimitBody, RateLimits, SimConfig, SimSize};
use common::{strs, Sim};
use serde_json::{json, Value};

/// Turns the rate limits on at run time, through the control API.
async fn set_rate_limits(sim: &Sim, body: Value) {
    let _ = sim
        .http
        .post(sim.url("/_sim/rate-limits"))
        .json(&body)
        .send()
        .await;
}

/// The statuses of `n` GETs of `url`, in order.
async fn statuses_of(sim: &Sim, url: &str, n: usize) -> Vec<u16> {
    let mut v = Vec::new();
    for _ in 0..n {
        v.push(sim.get(url).await.0);
    }
    v
}

#[tokio::test]
async fn faults_are_injected_per_path_and_cleared() {
    let sim = Sim::start().await;
    let whoami = sim.url("/v0/meta/whoami");
    let set = |body: serde_json::Value| sim.http.post(sim.url("/_sim/faults")).json(&body);
    let resp = set(json!({ "path": "/v0/meta/whoami", "rate429": 1.0 }))
        .send()
        .await;
    assert_eq!(resp.map(|r| r.status().as_u16()).ok(), Some(200));
    let (status, body) = sim.get(&whoami).await;
    assert_eq!(status, 429);
    assert_eq!(body["error"]["type"], "RATE_LIMIT_REACHED");
    let (status, _) = sim.get(&sim.ent_url("")).await;
    assert_eq!(status, 200, "other paths are untouched");

    let _ =
        set(json!({ "rules": [{ "path": "/v0/*", "rate5xx": 1.0, "serverErrorStatus": 503 }] }))
            .send()
            .await;
    let (status, _) = sim.get(&whoami).await;
    assert_eq!(status, 503);

    let _ = set(json!({ "path": "/v0/meta/whoami", "dropRate": 1.0 }))
        .send()
        .await;
    let dropped = async {
        let resp = sim
            .http
            .get(&whoami)
            .bearer_auth(&sim.info.token)
            .send()
            .await?;
        resp.bytes().await
    }
    .await;
    assert!(dropped.is_err(), "the connection is cut");

    let _ = set(json!({ "path": "/v0/meta/whoami", "latencyMs": 300 }))
        .send()
        .await;
    let t = Instant::now();
    let (status, _) = sim.get(&whoami).await;
    assert_eq!(status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    let state = sim.ok(&sim.url("/_sim/faults")).await;
    assert_eq!(state["injected"]["delayed"], 1);

    let _ = sim.http.delete(sim.url("/_sim/faults")).send().await;
    let (status, _) = sim.get(&whoami).await;
    assert_eq!(status, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn rate_limits_are_off_by_default_and_bite_when_on() {
    let sim = Sim::start_with(SimConfig {
        size: SimSize::tiny(),
        rate_limits: Some(RateLimits {
            per_base_per_second: 5,
            per_token_per_second: 50,
            penalty: Duration::from_millis(1500),
        }),
        ..SimConfig::default()
    })
    .await;
    let bases = sim.ok(&sim.url("/v0/meta/bases")).await;
    let app = bases["bases"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let url = sim.url(&format!("/v0/meta/bases/{app}"));
    let mut statuses = Vec::new();
    for _ in 0..7 {
        statuses.push(sim.get(&url).await.0);
    }
    assert_eq!(&statuses[..5], &[200; 5]);
    assert_eq!(statuses[5], 429);
    // Other bases are not limited; this one stays limited for the penalty.
    let other = bases["bases"][1]["id"].as_str().unwrap_or_default();
    assert_eq!(
        sim.get(&sim.url(&format!("/v0/meta/bases/{other}")))
            .await
            .0,
        200
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(sim.get(&url).await.0, 429, "still in the penalty");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(sim.get(&url).await.0, 200, "penalty over");

    // Off at run time, then on again with other numbers.
    let _ = sim.http.delete(sim.url("/_sim/rate-limits")).send().await;
    for _ in 0..20 {
        assert_eq!(sim.get(&url).await.0, 200);
    }
    set_rate_limits(&sim, json!({ "perTokenPerSecond": 3, "penaltyMs": 60000 })).await;
    let whoami = sim.url("/v0/meta/whoami");
    let statuses = statuses_of(&sim, &whoami, 4).await;
    assert_eq!(statuses, [200, 200, 200, 429]);
    sim.shutdown().await;
}

/// A test watching the simulator beside the console marks its requests unmetered: they
/// pass while the token is locked out, and they spend none of its budget.
#[tokio::test]
async fn unmetered_requests_neither_count_nor_are_refused() {
    let sim = Sim::start_with(SimConfig {
        size: SimSize::tiny(),
        rate_limits: Some(RateLimits {
            per_base_per_second: 5,
            per_token_per_second: 3,
            penalty: Duration::from_secs(60),
        }),
        ..SimConfig::default()
    })
    .await;
    let whoami = sim.url("/v0/meta/whoami");
    let unmetered = || async {
        let watched = sim
            .http
            .get(&whoami)
            .header(airtable_sim::UNMETERED_HEADER, "yes");
        Some(sim.send(watched).await.0)
    };
    // Ten watched requests first: the token's budget of three is untouched by them…
    for _ in 0..10 {
        assert_eq!(unmetered().await, Some(200));
    }
    assert_eq!(statuses_of(&sim, &whoami, 4).await, [200, 200, 200, 429]);
    // …and once it is locked out, watching still works.
    assert_eq!(unmetered().await, Some(200));
    assert_eq!(sim.get(&whoami).await.0, 429);
    sim.shutdown().await;
}

/// Both bodies Airtable has been seen sending with a 429, as the simulator is set.
#[tokio::test]
async fn a_429_body_reads_as_the_simulator_is_set() {
    for (body, expected) in [
        (
            RateLimitBody::ErrorObject,
            json!({ "error": { "type": "RATE_LIMIT_REACHED", "message": "Rate limit exceeded. Please try again later" } }),
        ),
        (
            RateLimitBody::ErrorsArray,
            json!({ "errors": [{ "error": "RATE_LIMIT_REACHED", "message": "Rate limit exceeded. Please try again later" }] }),
        ),
    ] {
        let sim = Sim::start_with(SimConfig {
            size: SimSize::tiny(),
            rate_limits: Some(RateLimits {
                per_base_per_second: 5,
                per_token_per_second: 2,
                penalty: Duration::from_secs(30),
            }),
            rate_limit_body: body,
            ..SimConfig::default()
        })
        .await;
        let whoami = sim.url("/v0/meta/whoami");
        let mut last = (0, Value::Null);
        for _ in 0..3 {
            last = sim.get(&whoami).await;
        }
        assert_eq!(last.0, 429, "{body:?}");
        assert_eq!(last.1, expected, "{body:?}");
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn the_default_sim_has_no_limits() {
    let sim = Sim::start().await;
    let whoami = sim.url("/v0/meta/whoami");
    for _ in 0..80 {
        assert_eq!(sim.get(&whoami).await.0, 200);
    }
    let limits = sim.ok(&sim.url("/_sim/rate-limits")).await;
    assert_eq!(limits["enabled"], false);
    assert_eq!(
        sim.http
            .get(sim.url("/_sim/health"))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .ok(),
        Some(200)
    );
    sim.shutdown().await;
}

#[test]
fn the_program_prints_one_line_when_ready() {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_airtable-sim"))
        .args([
            "--addr",
            "127.0.0.1:0",
            "--size",
            "tiny",
            "--users",
            "20",
            "--seed",
            "7",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the program starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("a line");
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        line.starts_with("airtable-sim listening on http://127.0.0.1:"),
        "{line:?}"
    );
}

#[tokio::test]
async fn every_token_issued_or_configured_is_listed() {
    let sim = Sim::start().await;
    let listed = sim.ok(&sim.url("/_sim/tokens")).await;
    assert_eq!(
        listed["personalAccessTokens"][0]["token"],
        json!(sim.info.token)
    );
    assert_eq!(listed["accessTokens"], json!([]));
    assert_eq!(
        listed["all"],
        json!([sim.info.token, "console-demo-secret"]),
        "the fixed token and the client secret"
    );

    let admin = sim.info.admins[0].id.clone();
    let first = sim.oauth_token(&admin, "user.email:read").await;
    let listed = sim.ok(&sim.url("/_sim/tokens")).await;
    assert_eq!(listed["accessTokens"][0]["token"], json!(first));
    assert_eq!(listed["accessTokens"][0]["status"], "active");
    assert_eq!(listed["accessTokens"][0]["userId"], json!(admin));
    assert!(listed["accessTokens"][0]["tokenId"].is_string());
    let refresh = listed["refreshTokens"][0]["token"]
        .as_str()
        .expect("a refresh token")
        .to_string();
    assert_eq!(listed["refreshTokens"][0]["status"], "active");

    // Rotation: the old pair stays listed, as revoked and used.
    let resp = sim
        .http
        .post(sim.url("/oauth2/v1/token"))
        .basic_auth("console-demo", Some("console-demo-secret"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .send()
        .await
        .expect("refresh");
    assert_eq!(resp.status(), 200);
    let fresh: serde_json::Value = resp.json().await.expect("json");
    let listed = sim.ok(&sim.url("/_sim/tokens")).await;
    let status_of = |kind: &str, token: &str| {
        listed[kind]
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["token"] == json!(token))
            .map(|t| t["status"].clone())
    };
    assert_eq!(status_of("accessTokens", &first), Some(json!("revoked")));
    assert_eq!(status_of("refreshTokens", &refresh), Some(json!("used")));
    let new_access = fresh["access_token"].as_str().unwrap_or_default();
    let new_refresh = fresh["refresh_token"].as_str().unwrap_or_default();
    assert_eq!(status_of("accessTokens", new_access), Some(json!("active")));
    assert_eq!(
        status_of("refreshTokens", new_refresh),
        Some(json!("active"))
    );
    let all: Vec<&str> = listed["all"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t.as_str())
        .collect();
    for t in [
        sim.info.token.as_str(),
        first.as_str(),
        refresh.as_str(),
        new_access,
        new_refresh,
        "console-demo-secret",
    ] {
        assert!(all.contains(&t), "{t} in all");
    }
    assert_eq!(all.len(), 6);
    sim.shutdown().await;
}

#[tokio::test]
async fn expired_tokens_stay_listed() {
    let sim = Sim::start_with(SimConfig {
        size: SimSize::tiny(),
        access_token_ttl: Duration::from_millis(100),
        ..SimConfig::default()
    })
    .await;
    let token = sim
        .oauth_token(&sim.info.admins[0].id, "user.email:read")
        .await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    // Another sign-in sweeps the store; the expired token is still listed.
    let _ = sim
        .oauth_token(&sim.info.admins[1].id, "user.email:read")
        .await;
    let listed = sim.ok(&sim.url("/_sim/tokens")).await;
    let first = &listed["accessTokens"][0];
    assert_eq!(first["token"], json!(token));
    assert_eq!(first["status"], "expired");
    assert_eq!(listed["accessTokens"].as_array().map(Vec::len), Some(2));
    sim.shutdown().await;
}

#[tokio::test]
async fn stats_count_requests_and_429s_by_cause() {
    let sim = Sim::start().await;
    let whoami = sim.url("/v0/meta/whoami");
    let stats = sim.url("/_sim/stats");
    // Start from zero (the start-up requests of the helper are counted before this).
    let _ = sim.http.delete(&stats).send().await;
    for _ in 0..3 {
        assert_eq!(sim.get(&whoami).await.0, 200);
    }
    assert_eq!(sim.get(&sim.url("/v0/meta/nothing")).await.0, 404);
    // Injected 429s, 5xx and a dropped connection.
    let set = |body: serde_json::Value| sim.http.post(sim.url("/_sim/faults")).json(&body);
    let _ = set(json!({ "path": "/v0/meta/whoami", "rate429": 1.0 }))
        .send()
        .await;
    for _ in 0..2 {
        assert_eq!(sim.get(&whoami).await.0, 429);
    }
    let _ = set(json!({ "path": "/v0/meta/whoami", "rate5xx": 1.0, "serverErrorStatus": 502 }))
        .send()
        .await;
    assert_eq!(sim.get(&whoami).await.0, 502);
    let _ = set(json!({ "path": "/v0/meta/whoami", "dropRate": 1.0 }))
        .send()
        .await;
    let dropped = sim
        .http
        .get(&whoami)
        .bearer_auth(&sim.info.token)
        .send()
        .await;
    assert!(match dropped {
        Ok(r) => r.bytes().await.is_err(),
        Err(_) => true,
    });
    let _ = sim.http.delete(sim.url("/_sim/faults")).send().await;
    // Rate-limit 429s: 2 per second per token.
    set_rate_limits(&sim, json!({ "perTokenPerSecond": 2, "penaltyMs": 60000 })).await;
    let statuses = statuses_of(&sim, &whoami, 4).await;
    assert_eq!(statuses, [200, 200, 429, 429]);
    let _ = sim.http.delete(sim.url("/_sim/rate-limits")).send().await;

    let expected = json!({
        "requests": 12,
        "byStatus": { "200": 5, "404": 1, "429": 4, "502": 1 },
        "tooManyRequests": { "total": 4, "rateLimit": 2, "injected": 2 },
        "serverErrors": { "total": 1, "injected": 1 },
        "dropped": 1,
    });
    let got = sim.ok(&stats).await;
    for key in [
        "requests",
        "byStatus",
        "tooManyRequests",
        "serverErrors",
        "dropped",
    ] {
        assert_eq!(got[key], expected[key], "{key}: {got}");
    }
    // DELETE answers what was counted and starts again from zero.
    let resp = sim.http.delete(&stats).send().await.expect("reset");
    let before: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(before["requests"], 12);
    assert_eq!(before["tooManyRequests"]["total"], 4);
    let after = sim.ok(&stats).await;
    assert_eq!(after["requests"], 0, "control requests are not counted");
    assert_eq!(after["byStatus"], json!({}));
    assert!(after["since"].as_str() >= before["until"].as_str());
    sim.shutdown().await;
}

#[tokio::test]
async fn a_minted_token_has_exactly_its_scopes_and_is_listed() {
    let sim = Sim::start().await;
    let mint = |body: Value| sim.http.post(sim.url("/_sim/tokens")).json(&body).send();
    let resp = mint(json!({ "scopes": ["enterprise.user:read", "enterprise.auditLogs:read"] }))
        .await
        .expect("mint");
    assert_eq!(resp.status(), 200);
    let minted: Value = resp.json().await.expect("json");
    let token = minted["token"].as_str().expect("a token").to_string();
    assert!(token.starts_with("pat"), "{token}");
    assert_eq!(
        minted["scopes"],
        json!(["enterprise.user:read", "enterprise.auditLogs:read"])
    );
    let super_admin =
        sim.ok(&sim.url("/_sim/tokens")).await["personalAccessTokens"][0]["userId"].clone();
    assert_eq!(
        minted["userId"], super_admin,
        "the fixed token's user by default"
    );

    // A personal access token: whoami lists no scopes, and no email without the scope.
    let (status, me) = sim
        .send_as(sim.http.get(sim.url("/v0/meta/whoami")), &token)
        .await;
    assert_eq!(status, 200);
    assert_eq!(me["id"], super_admin);
    assert!(me.get("scopes").is_none(), "{me}");
    assert!(me.get("email").is_none(), "{me}");
    // Its scopes answer; the others are refused as Airtable refuses them.
    let users = sim.ent_url(&format!("/users?id={}", me["id"].as_str().unwrap_or("")));
    let (status, _) = sim.send_as(sim.http.get(&users), &token).await;
    assert_eq!(status, 200);
    let (status, _) = sim
        .send_as(
            sim.http.get(sim.ent_url("/auditLogEvents?pageSize=1")),
            &token,
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = sim.send_as(sim.http.get(sim.ent_url("")), &token).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body["error"]["type"],
        "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND"
    );

    // Listed with every other secret.
    let listed = sim.ok(&sim.url("/_sim/tokens")).await;
    assert_eq!(listed["personalAccessTokens"][1]["token"], json!(token));
    assert_eq!(
        listed["personalAccessTokens"][1]["scopes"],
        minted["scopes"]
    );
    assert!(strs(&listed["all"]).contains(&token));

    // As someone else (by email): a non-admin's token reaches no enterprise route.
    let person = &sim.info.non_admins[0];
    let resp = mint(
        json!({ "scopes": ["enterprise.user:read", "user.email:read"], "user": person.email }),
    )
    .await
    .expect("mint");
    let theirs: Value = resp.json().await.expect("json");
    assert_eq!(theirs["userId"], json!(person.id));
    let theirs = theirs["token"].as_str().unwrap_or_default().to_string();
    let (_, me) = sim
        .send_as(sim.http.get(sim.url("/v0/meta/whoami")), &theirs)
        .await;
    assert_eq!(me["email"], json!(person.email));
    let (status, _) = sim.send_as(sim.http.get(&users), &theirs).await;
    assert_eq!(status, 403);

    // Unknown scopes and people are refused, and mint nothing.
    for body in [
        json!({ "scopes": ["enterprise.everything"] }),
        json!({ "scopes": [], "user": "nobody@example.com" }),
        json!({ "user": person.id }),
    ] {
        let resp = mint(body.clone()).await.expect("mint");
        assert_eq!(resp.status(), 422, "{body}");
    }
    let listed = sim.ok(&sim.url("/_sim/tokens")).await;
    assert_eq!(
        listed["personalAccessTokens"].as_array().map(Vec::len),
        Some(3)
    );
    sim.shutdown().await;
}

/// A canned answer stands in for the simulator's own on matching requests only: how a test
/// meets the real API answering differently where the simulator had to guess.
#[tokio::test]
async fn a_canned_answer_replaces_the_simulators_own() {
    let sim = Sim::start().await;
    let tokens = sim.ent_url("/personalAccessTokens");
    let (status, _) = sim.get(&tokens).await;
    assert_eq!(status, 200, "the simulator's own answer first");
    let rule = json!({
        "path": "*/personalAccessTokens",
        "method": "GET",
        "answer": { "status": 404, "body": { "error": "NOT_FOUND" } }
    });
    let set = sim
        .http
        .post(sim.url("/_sim/faults"))
        .json(&rule)
        .send()
        .await;
    assert_eq!(set.map(|r| r.status().as_u16()).ok(), Some(200));
    let (status, body) = sim.get(&tokens).await;
    assert_eq!((status, body), (404, json!({ "error": "NOT_FOUND" })));
    assert_eq!(
        sim.get(&sim.ent_url("")).await.0,
        200,
        "other paths untouched"
    );
    let shown = sim.ok(&sim.url("/_sim/faults")).await;
    assert_eq!(shown["injected"]["answered"], 1, "{shown}");
    let _ = sim.http.delete(sim.url("/_sim/faults")).send().await;
    assert_eq!(sim.get(&tokens).await.0, 200, "cleared");
    sim.shutdown().await;
}
