//! `/_sim/…`: what tests need to know about, and do to, the simulator.

use std::sync::Arc;
use std::time::Duration;

use axum::{extract::State, response::IntoResponse, Json};
use serde::Deserialize;
use serde_json::{json, Value};

use super::Body;
use crate::{
    auth::{ALL_SCOPES, FIXED_TOKEN_ID},
    config::RateLimits,
    error::ApiError,
    faults::{FaultConfig, Faults},
    ids::{new_id, secret},
    state::tokens::{IssuedRecord, PersonalToken, TokenKind, TokenStore},
    Sim,
};

pub(crate) async fn info(State(sim): State<Arc<Sim>>) -> impl IntoResponse {
    Json(sim.info().await)
}

pub(crate) async fn health() -> &'static str {
    "ok"
}

pub(crate) async fn not_found() -> ApiError {
    ApiError::not_found()
}

fn faults_json(sim: &Sim) -> Value {
    match sim.faults.lock() {
        Ok(f) => json!({ "seed": f.seed, "rules": f.rules, "injected": f.counts }),
        Err(_) => json!({}),
    }
}

pub(crate) async fn get_faults(State(sim): State<Arc<Sim>>) -> Json<Value> {
    Json(faults_json(&sim))
}

pub(crate) async fn set_faults(
    State(sim): State<Arc<Sim>>,
    Body(config): Body<FaultConfig>,
) -> Json<Value> {
    change_faults(&sim, |f| f.configure(config))
}

pub(crate) async fn clear_faults(State(sim): State<Arc<Sim>>) -> Json<Value> {
    change_faults(&sim, Faults::clear)
}

/// Applies `change` to the fault rules and answers them as they now are.
fn change_faults(sim: &Sim, change: impl FnOnce(&mut Faults)) -> Json<Value> {
    if let Ok(mut f) = sim.faults.lock() {
        change(&mut f);
    }
    Json(faults_json(sim))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LimitsBody {
    per_base_per_second: Option<u32>,
    per_token_per_second: Option<u32>,
    penalty_ms: Option<u64>,
}

fn limits_json(sim: &Sim) -> Value {
    match sim.limits.lock().ok().and_then(|l| l.config) {
        Some(c) => json!({
            "enabled": true,
            "perBasePerSecond": c.per_base_per_second,
            "perTokenPerSecond": c.per_token_per_second,
            "penaltyMs": c.penalty.as_millis() as u64,
        }),
        None => json!({ "enabled": false }),
    }
}

pub(crate) async fn get_rate_limits(State(sim): State<Arc<Sim>>) -> Json<Value> {
    Json(limits_json(&sim))
}

/// Turns Airtable's rate limits on (defaults 5/s per base, 50/s per token, 30 s penalty).
pub(crate) async fn set_rate_limits(
    State(sim): State<Arc<Sim>>,
    Body(body): Body<LimitsBody>,
) -> Json<Value> {
    let d = RateLimits::default();
    let config = RateLimits {
        per_base_per_second: body.per_base_per_second.unwrap_or(d.per_base_per_second),
        per_token_per_second: body.per_token_per_second.unwrap_or(d.per_token_per_second),
        penalty: body
            .penalty_ms
            .map(Duration::from_millis)
            .unwrap_or(d.penalty),
    };
    if let Ok(mut l) = sim.limits.lock() {
        l.set(Some(config));
    }
    Json(limits_json(&sim))
}

pub(crate) async fn clear_rate_limits(State(sim): State<Arc<Sim>>) -> Json<Value> {
    if let Ok(mut l) = sim.limits.lock() {
        l.set(None);
    }
    Json(limits_json(&sim))
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// What became of an issued token: `active`, `expired`, `revoked` (an access token whose
/// refresh token was used) or `used` (a refresh token that was rotated away).
fn status(store: &TokenStore, r: &IssuedRecord, now: std::time::Instant) -> &'static str {
    let live = match r.kind {
        TokenKind::Access => store.access.contains_key(&r.token),
        TokenKind::Refresh => store.refresh.contains_key(&r.token),
    };
    if r.expires <= now {
        "expired"
    } else if live {
        "active"
    } else if r.kind == TokenKind::Access {
        "revoked"
    } else {
        "used"
    }
}

/// Every secret the simulator has configured or issued: the fixed personal access token,
/// the personal access tokens minted through `POST /_sim/tokens`, every OAuth access and
/// refresh token (expired, revoked and rotated ones included) and
/// the OAuth client secret. `all` lists them as bare strings, for a test that checks none
/// of them ever reaches a browser. Authorization codes are not listed: they travel through
/// the browser by design.
pub(crate) async fn tokens(State(sim): State<Arc<Sim>>) -> Json<Value> {
    let store = sim.tokens.lock().await;
    let now = std::time::Instant::now();
    let mut all = vec![sim.config.token.clone()];
    let mut access = Vec::new();
    let mut refresh = Vec::new();
    for r in &store.issued {
        all.push(r.token.clone());
        let mut v = json!({
            "token": r.token,
            "userId": r.user_id,
            "scopes": r.scopes,
            "issuedAt": rfc3339(r.issued_at),
            "expiresAt": rfc3339(r.expires_at),
            "status": status(&store, r, now),
        });
        match r.kind {
            TokenKind::Access => {
                v["tokenId"] = json!(r.token_id);
                access.push(v);
            }
            TokenKind::Refresh => refresh.push(v),
        }
    }
    let mut personal = vec![json!({
        "token": sim.config.token,
        "tokenId": FIXED_TOKEN_ID,
        "userId": sim.fixed_token_user,
    })];
    for (token, minted) in &store.personal {
        all.push(token.clone());
        personal.push(personal_json(token, minted));
    }
    all.push(sim.config.oauth_client_secret.clone());
    Json(json!({
        "personalAccessTokens": personal,
        "accessTokens": access,
        "refreshTokens": refresh,
        "oauthClientSecret": sim.config.oauth_client_secret,
        "all": all,
    }))
}

fn personal_json(token: &str, minted: &PersonalToken) -> Value {
    json!({
        "token": token,
        "tokenId": minted.token_id,
        "userId": minted.user_id,
        "scopes": minted.scopes,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MintToken {
    /// Exactly the scopes the token gets (each one the simulator knows).
    scopes: Vec<String>,
    /// Whom it acts as: a user ID or email; absent, the fixed token's user (the super admin).
    user: Option<String>,
}

/// Mints a personal access token with exactly the scopes asked for, acting as a seeded
/// user: how a test gets a token that lacks scopes, as a service account's token made by
/// hand in Airtable's token page may. Answers it as `GET /_sim/tokens` lists it.
pub(crate) async fn mint_token(
    State(sim): State<Arc<Sim>>,
    Body(body): Body<MintToken>,
) -> Result<Json<Value>, ApiError> {
    if let Some(unknown) = body
        .scopes
        .iter()
        .find(|s| !ALL_SCOPES.contains(&s.as_str()))
    {
        return Err(ApiError::invalid_body(format!(
            "Unknown scope {unknown:?} (expected some of {})",
            ALL_SCOPES.join(", ")
        )));
    }
    let user_id = match body.user.as_deref() {
        None => sim.fixed_token_user.clone(),
        Some(who) => {
            let world = sim.world.read().await;
            world
                .user(who)
                .or_else(|| world.user_by_email(who))
                .map(|u| u.id.clone())
                .ok_or_else(|| ApiError::invalid_body(format!("No user {who:?}")))?
        }
    };
    let (token, token_id) = {
        let mut rng = rand::thread_rng();
        // Airtable's shape: `pat` + 14 characters, a dot, then the secret part.
        let token_id = new_id(&mut rng, "pat");
        (format!("{token_id}.{}", secret(&mut rng, 64)), token_id)
    };
    let minted = PersonalToken {
        user_id,
        scopes: body.scopes,
        token_id,
    };
    let answer = personal_json(&token, &minted);
    sim.tokens.lock().await.personal.push((token, minted));
    Ok(Json(answer))
}

/// Requests answered since the last reset, by status, with the 429s told apart by cause.
pub(crate) async fn get_stats(State(sim): State<Arc<Sim>>) -> Json<Value> {
    Json(sim.stats.snapshot(false))
}

/// Reads the counters and resets them in one step: the answer is what was counted up to
/// the reset.
pub(crate) async fn reset_stats(State(sim): State<Arc<Sim>>) -> Json<Value> {
    Json(sim.stats.snapshot(true))
}
