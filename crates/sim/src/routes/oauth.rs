//! OAuth 2 as Airtable runs it: authorization code with PKCE (S256 required), confidential
//! clients at the token endpoint, short-lived access tokens, rotating refresh tokens.
//!
//! The authorize endpoint is a plain HTML page (no script) listing the seeded people, so a
//! person or a browser test can click through it.

use std::{sync::Arc, time::Instant};

use axum::{
    extract::{Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
    Form, Json,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::time::Duration;

use crate::{
    ids::secret,
    state::{
        audit::{Actor, Doer, NewEvent, Origin},
        tokens::{IssuedAccess, IssuedRecord, IssuedRefresh, PendingCode, TokenKind},
        UserState,
    },
    Sim,
};

const CODE_TTL: Duration = Duration::from_secs(10 * 60);
const REFRESH_TTL: Duration = Duration::from_secs(60 * 24 * 3600);

#[derive(Debug, Deserialize, Default)]
pub(crate) struct AuthorizeRequest {
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    response_type: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    code_challenge: String,
    #[serde(default)]
    code_challenge_method: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Decision {
    #[serde(flatten)]
    request: AuthorizeRequest,
    user_id: Option<String>,
    deny: Option<String>,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn error_page(message: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Airtable sign-in error</title></head>\
         <body><main><h1>Sign-in cannot continue</h1><p role=\"alert\">{}</p></main></body></html>",
        escape(message)
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

/// Checks everything about an authorization request that does not depend on the person.
/// Errors are shown on the page, never sent to an unchecked redirect URI.
fn validate(sim: &Sim, r: &AuthorizeRequest) -> Result<(), String> {
    if r.client_id != sim.config.oauth_client_id {
        return Err(format!("Unknown client_id {:?}.", r.client_id));
    }
    let registered = &sim.config.oauth_redirect_uris;
    let allowed = if registered.is_empty() {
        r.redirect_uri.starts_with("http://127.0.0.1:")
            || r.redirect_uri.starts_with("http://localhost:")
    } else {
        registered.iter().any(|u| u == &r.redirect_uri)
    };
    if !allowed {
        return Err(format!(
            "The redirect_uri {:?} is not registered for this integration.",
            r.redirect_uri
        ));
    }
    if r.response_type != "code" {
        return Err("response_type must be \"code\".".into());
    }
    if !(16..=1024).contains(&r.state.len()) {
        return Err("state must be between 16 and 1024 characters.".into());
    }
    if r.code_challenge_method != "S256" || r.code_challenge.len() < 43 {
        return Err("PKCE is required: code_challenge with code_challenge_method=S256.".into());
    }
    Ok(())
}

fn granted_scopes(requested: &str) -> Vec<String> {
    requested
        .split_whitespace()
        .filter(|s| crate::auth::ALL_SCOPES.contains(s))
        .map(str::to_string)
        .collect()
}

pub(crate) async fn authorize_page(
    State(sim): State<Arc<Sim>>,
    Query(r): Query<AuthorizeRequest>,
) -> Response {
    if let Err(message) = validate(&sim, &r) {
        return error_page(&message);
    }
    let hidden = format!(
        "<input type=\"hidden\" name=\"client_id\" value=\"{}\">\
         <input type=\"hidden\" name=\"redirect_uri\" value=\"{}\">\
         <input type=\"hidden\" name=\"response_type\" value=\"code\">\
         <input type=\"hidden\" name=\"scope\" value=\"{}\">\
         <input type=\"hidden\" name=\"state\" value=\"{}\">\
         <input type=\"hidden\" name=\"code_challenge\" value=\"{}\">\
         <input type=\"hidden\" name=\"code_challenge_method\" value=\"S256\">",
        escape(&r.client_id),
        escape(&r.redirect_uri),
        escape(&r.scope),
        escape(&r.state),
        escape(&r.code_challenge)
    );
    let info = sim.info().await;
    let mut people = String::new();
    for (label, group) in [
        ("Enterprise admins", &info.admins),
        ("Other people", &info.non_admins),
    ] {
        people.push_str(&format!("<h2>{label}</h2><ul>"));
        for p in group {
            people.push_str(&format!(
                "<li><form method=\"post\" action=\"/oauth2/v1/authorize\">{hidden}\
                 <button type=\"submit\" name=\"user_id\" value=\"{}\">Sign in as {} ({})</button></form></li>",
                escape(&p.id),
                escape(&p.name),
                escape(&p.email)
            ));
        }
        people.push_str("</ul>");
    }
    let scopes = granted_scopes(&r.scope).join(", ");
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Sign in to Airtable (simulator)</title></head><body><main>\
         <h1>Sign in to Airtable (simulator)</h1>\
         <p>An integration asks for access to your account with the scopes: {}.</p>{people}\
         <form method=\"post\" action=\"/oauth2/v1/authorize\">{hidden}\
         <button type=\"submit\" name=\"deny\" value=\"1\">Deny access</button></form>\
         </main></body></html>",
        escape(&scopes)
    );
    Html(body).into_response()
}

fn redirect_with(redirect_uri: &str, params: &[(&str, &str)]) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return error_page("The redirect_uri is not a URL.");
    };
    url.query_pairs_mut().extend_pairs(params);
    Redirect::to(url.as_str()).into_response()
}

pub(crate) async fn authorize_decision(
    State(sim): State<Arc<Sim>>,
    Form(d): Form<Decision>,
) -> Response {
    let r = d.request;
    if let Err(message) = validate(&sim, &r) {
        return error_page(&message);
    }
    if d.deny.is_some() {
        return redirect_with(
            &r.redirect_uri,
            &[("error", "access_denied"), ("state", &r.state)],
        );
    }
    let Some(user_id) = d.user_id else {
        return error_page("Choose who to sign in as.");
    };
    {
        let mut world = sim.world.write().await;
        let Some(u) = world.user(&user_id).cloned() else {
            return error_page("No such user.");
        };
        if u.state != UserState::Provisioned {
            return error_page("This account is deactivated.");
        }
        if let Some(user) = world.users.get_mut(&user_id) {
            user.last_activity_time = Some(chrono::Utc::now());
        }
        let doer = Doer {
            actor: Actor::User {
                id: u.id.clone(),
                email: u.email.clone(),
                name: u.name(),
            },
            origin: Origin {
                ip_address: "127.0.0.1".into(),
                user_agent: "Mozilla/5.0 (airtable-sim sign-in)".into(),
                session_id: Some(crate::ids::new_id(&mut rand::thread_rng(), "ses")),
                ..Origin::default()
            },
        };
        world.audit.record(
            &doer,
            NewEvent::new("loginUser", "user", "user", &u.id)
                .payload(serde_json::json!({ "authenticationMethod": "sso" })),
        );
        world.audit.record(
            &doer,
            NewEvent::new("grantOAuthIntegrationAccess", "oauth", "user", &u.id).payload(
                serde_json::json!({ "integration": { "clientId": r.client_id }, "scopes": granted_scopes(&r.scope) }),
            ),
        );
    }
    let code = secret(&mut rand::thread_rng(), 40);
    sim.tokens.lock().await.codes.insert(
        code.clone(),
        PendingCode {
            user_id,
            client_id: r.client_id.clone(),
            redirect_uri: r.redirect_uri.clone(),
            scopes: granted_scopes(&r.scope),
            code_challenge: r.code_challenge.clone(),
            expires: Instant::now() + CODE_TTL,
        },
    );
    redirect_with(&r.redirect_uri, &[("code", &code), ("state", &r.state)])
}

#[derive(Debug, Deserialize)]
pub(crate) struct TokenRequest {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

fn token_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

/// Client credentials from HTTP Basic, or from the body.
fn client_credentials(headers: &HeaderMap, body: &TokenRequest) -> Option<(String, String)> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            let (id, secret) = s.split_once(':')?;
            let decode = |p: &str| {
                url::form_urlencoded::parse(format!("x={p}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
            };
            Some((decode(id)?, decode(secret)?))
        });
    basic.or_else(|| Some((body.client_id.clone()?, body.client_secret.clone()?)))
}

pub(crate) async fn token(
    State(sim): State<Arc<Sim>>,
    headers: HeaderMap,
    Form(body): Form<TokenRequest>,
) -> Response {
    let Some((client_id, client_secret)) = client_credentials(&headers, &body) else {
        return token_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication is required.",
        );
    };
    if client_id != sim.config.oauth_client_id || client_secret != sim.config.oauth_client_secret {
        return token_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Unknown client or wrong secret.",
        );
    }
    let mut tokens = sim.tokens.lock().await;
    let now = Instant::now();
    let (user_id, scopes) = match body.grant_type.as_deref() {
        Some("authorization_code") => {
            let Some(pending) = body.code.as_ref().and_then(|c| tokens.codes.remove(c)) else {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "The code is invalid or was already used.",
                );
            };
            if pending.expires <= now || pending.client_id != client_id {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "The code has expired.",
                );
            }
            if body.redirect_uri.as_deref() != Some(pending.redirect_uri.as_str()) {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "redirect_uri does not match.",
                );
            }
            let verifier = body.code_verifier.unwrap_or_default();
            if !(43..=128).contains(&verifier.len()) {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "code_verifier must be 43 to 128 characters.",
                );
            }
            let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if challenge != pending.code_challenge {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "code_verifier does not match the challenge.",
                );
            }
            (pending.user_id, pending.scopes)
        }
        Some("refresh_token") => {
            let presented = body.refresh_token.clone().unwrap_or_default();
            let Some(old) = tokens.refresh.remove(&presented) else {
                if tokens.rotated.contains_key(&presented) {
                    // Airtable answers 409 when the token was just refreshed by another call.
                    return token_error(
                        StatusCode::CONFLICT,
                        "invalid_grant",
                        "The refresh token was already used to get a new access token.",
                    );
                }
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "The refresh token is invalid or was already used.",
                );
            };
            // Rotation: the old access token dies with the old refresh token.
            tokens.access.remove(&old.access_token);
            tokens.rotated.insert(presented, now);
            if old.expires <= now || old.client_id != client_id {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "The refresh token has expired.",
                );
            }
            (old.user_id, old.scopes)
        }
        _ => {
            return token_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type must be authorization_code or refresh_token.",
            )
        }
    };
    tokens.sweep(now);
    let mut rng = rand::thread_rng();
    let access_token = format!("oaa{}", secret(&mut rng, 60));
    let refresh_token = format!("oar{}", secret(&mut rng, 60));
    let token_id = crate::ids::new_id(&mut rng, "oaa");
    let ttl = sim.config.access_token_ttl;
    let issued_at = chrono::Utc::now();
    let until = |d: std::time::Duration| {
        issued_at + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::zero())
    };
    tokens.remember(IssuedRecord {
        kind: TokenKind::Access,
        token: access_token.clone(),
        user_id: user_id.clone(),
        scopes: scopes.clone(),
        token_id: Some(token_id.clone()),
        issued_at,
        expires_at: until(ttl),
        expires: now + ttl,
    });
    tokens.remember(IssuedRecord {
        kind: TokenKind::Refresh,
        token: refresh_token.clone(),
        user_id: user_id.clone(),
        scopes: scopes.clone(),
        token_id: None,
        issued_at,
        expires_at: until(REFRESH_TTL),
        expires: now + REFRESH_TTL,
    });
    tokens.access.insert(
        access_token.clone(),
        IssuedAccess {
            user_id: user_id.clone(),
            scopes: scopes.clone(),
            expires: now + ttl,
            token_id,
        },
    );
    tokens.refresh.insert(
        refresh_token.clone(),
        IssuedRefresh {
            user_id,
            scopes: scopes.clone(),
            client_id,
            access_token: access_token.clone(),
            expires: now + REFRESH_TTL,
        },
    );
    Json(json!({
        "access_token": access_token,
        "refresh_token": refresh_token,
        "token_type": "Bearer",
        "scope": scopes.join(" "),
        "expires_in": ttl.as_secs(),
        "refresh_expires_in": REFRESH_TTL.as_secs(),
    }))
    .into_response()
}
