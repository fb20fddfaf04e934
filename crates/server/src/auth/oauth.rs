//! Sign-in with Airtable: OAuth 2 authorization code + PKCE (S256) + `state`, as a
//! confidential client (HTTP Basic at the token endpoint).
//!
//! The session cookie is `SameSite=Strict`, so the browser does not send it on the redirect
//! back from Airtable (a cross-site navigation). The sign-in in progress is therefore tied to
//! the browser by a separate short-lived `SameSite=Lax` cookie holding `state`; the PKCE
//! verifier waits server-side, keyed by a hash of `state`, and is used once.

use axum::{
    extract::{Query, State},
    response::{IntoResponse, Redirect, Response},
    Form,
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tower_sessions::Session;

use super::admit::LOGIN_KEY;
use super::admit::{admit, Identity};
use crate::state::AppState;
use console_core::{tokens::logins, SignInMethod};

const STATE_COOKIE: &str = "console_oauth_state";
/// Airtable's authorization codes live ten minutes; a sign-in may not take longer.
const PENDING_TTL_SECONDS: i64 = 600;

fn state_hash(state: &str) -> String {
    let digest = Sha256::digest(state.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn signin_error(code: &str) -> Response {
    Redirect::to(&format!("/signin?error={code}")).into_response()
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    /// Where to go once signed in: a path of this console (e.g. the approval that asked
    /// for a fresh sign-in). Anything else is ignored.
    #[serde(default)]
    return_to: Option<String>,
}

/// `return_to` if it is a path on this console, so a sign-in can never be made to send
/// the browser to another site.
fn local_path(return_to: Option<&str>) -> Option<String> {
    let path = return_to?.trim();
    let local = path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && path.len() <= 512
        && !path.chars().any(|c| c.is_control() || c == '\\');
    local.then(|| path.to_string())
}

/// `GET /auth/login`: start a sign-in and send the browser to Airtable.
pub async fn login(
    State(state): State<AppState>,
    session: Session,
    jar: CookieJar,
    Query(query): Query<LoginQuery>,
) -> Response {
    let return_to = local_path(query.return_to.as_deref());
    let SignInMethod::OAuth(oauth) = &state.console.sign_in else {
        // Behind a sign-in proxy the proxy vouches for the person on every request: a
        // fresh sign-in is the end of this one, and a new one on the next request.
        if let Some(return_to) = return_to {
            if let Ok(Some(login_id)) = session.get::<uuid::Uuid>(LOGIN_KEY).await {
                let _ = logins::end(&state.console.db, login_id, "signed in again").await;
            }
            let _ = session.flush().await;
            return Redirect::to(&return_to).into_response();
        }
        return signin_error("proxy");
    };
    let (url, csrf, verifier) = oauth.authorize_url();

    let stored = sqlx::query(
        "INSERT INTO oauth_pending (state_hash, pkce_verifier, return_to) VALUES ($1, $2, $3)",
    )
    .bind(state_hash(csrf.secret()))
    .bind(verifier.secret())
    .bind(&return_to)
    .execute(&state.console.db)
    .await;
    if let Err(error) = stored {
        tracing::error!(%error, "cannot record the sign-in attempt");
        return signin_error("airtable");
    }
    // Old attempts nobody finished: remove them here rather than in a separate job.
    let _ = sqlx::query(
        "DELETE FROM oauth_pending WHERE created_at < now() - make_interval(secs => $1)",
    )
    .bind(PENDING_TTL_SECONDS as f64)
    .execute(&state.console.db)
    .await;

    let cookie = Cookie::build((STATE_COOKIE, csrf.secret().clone()))
        .path("/auth")
        .http_only(true)
        .secure(state.settings.secure_cookies())
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(PENDING_TTL_SECONDS))
        .build();
    (jar.add(cookie), Redirect::to(url.as_str())).into_response()
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /auth/callback`: Airtable sends the browser back here with a code.
pub async fn callback(
    State(state): State<AppState>,
    session: Session,
    jar: CookieJar,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let cookie_state = jar.get(STATE_COOKIE).map(|c| c.value().to_string());
    let jar = jar.remove(Cookie::build(STATE_COOKIE).path("/auth").build());
    let destination = match finish_sign_in(&state, &session, cookie_state, query).await {
        Ok(return_to) => return_to.unwrap_or_else(|| "/".to_string()),
        Err(code) => format!("/signin?error={code}"),
    };
    (jar, continue_to(&destination)).into_response()
}

/// A page that moves on to `destination` by itself.
///
/// Not a redirect: the browser arrived here from Airtable's site, and every request in that
/// redirect chain counts as cross-site, so the `SameSite=Strict` session cookie set here would
/// not be sent with a redirected request for `destination`. A navigation started by this
/// page is same-site, so the session is there on the next page. No script (the CSP allows
/// none inline); a meta refresh and a link do it.
fn continue_to(destination: &str) -> Response {
    let escaped = destination
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"0;url={escaped}\">\
         <title>Signing in…</title><link rel=\"stylesheet\" href=\"/assets/console.css\"></head>\
         <body><main><p>Signing in… <a href=\"{escaped}\">Continue to the console</a></p></main></body></html>"
    );
    (
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        axum::response::Html(body),
    )
        .into_response()
}

async fn finish_sign_in(
    state: &AppState,
    session: &Session,
    cookie_state: Option<String>,
    query: CallbackQuery,
) -> Result<Option<String>, &'static str> {
    if let Some(error) = query.error {
        tracing::info!(%error, "Airtable returned a sign-in error");
        return Err(if error == "access_denied" {
            "access_denied"
        } else {
            "airtable"
        });
    }
    // `state` must come back exactly as this browser sent it, within ten minutes, once.
    let (Some(returned), Some(expected), Some(code)) = (query.state, cookie_state, query.code)
    else {
        return Err("state");
    };
    if returned.len() != expected.len()
        || !crate::security::constant_time_eq(returned.as_bytes(), expected.as_bytes())
    {
        return Err("state");
    }
    let pending: Option<(String, Option<String>)> = sqlx::query_as(
        "DELETE FROM oauth_pending WHERE state_hash = $1
           AND created_at > now() - make_interval(secs => $2)
         RETURNING pkce_verifier, return_to",
    )
    .bind(state_hash(&returned))
    .bind(PENDING_TTL_SECONDS as f64)
    .fetch_optional(&state.console.db)
    .await
    .map_err(|error| {
        tracing::error!(%error, "cannot read the sign-in attempt");
        "airtable"
    })?;
    let (verifier, return_to) = pending.ok_or("state")?;

    let SignInMethod::OAuth(oauth) = &state.console.sign_in else {
        return Err("proxy");
    };
    let tokens = oauth.exchange_code(code, verifier).await.map_err(|error| {
        tracing::warn!(%error, "code exchange refused");
        "airtable"
    })?;

    // Who is this, and are they an admin of the enterprise this console manages?
    let airtable = state
        .console
        .airtable
        .with_token(airtable_client::AccessToken::new(
            tokens.access_token.clone(),
        ));
    let me = airtable.whoami().await.map_err(|error| {
        tracing::warn!(%error, "whoami failed after sign-in");
        "airtable"
    })?;
    let profile = airtable
        .enterprise(&state.console.enterprise_id)
        .user(&me.id)
        .get()
        .send()
        .await
        .map_err(|error| {
            tracing::info!(user = %me.id, %error, "signed-in user cannot read the enterprise");
            if error.is_not_found() || error.status().is_some_and(|s| s == 403) {
                "not_admin"
            } else {
                "airtable"
            }
        })?;
    if !profile.is_admin.unwrap_or(false) {
        return Err("not_admin");
    }
    let email = if profile.email.is_empty() {
        me.email.clone().unwrap_or_default()
    } else {
        profile.email.clone()
    };
    let name = profile.name.clone();

    let who = Identity {
        airtable_user_id: me.id.to_string(),
        email,
        name,
    };
    admit(state, session, &who, Some(&tokens)).await?;
    Ok(local_path(return_to.as_deref()))
}

#[derive(Debug, Deserialize)]
pub struct SignOutForm {
    csrf_token: String,
    #[serde(default)]
    everywhere: Option<String>,
}

/// `POST /auth/logout`: end this sign-in (or all of the person's) on the server.
pub async fn logout(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<SignOutForm>,
) -> Response {
    let login_id = session.get::<uuid::Uuid>(LOGIN_KEY).await.ok().flatten();
    if let Some(login_id) = login_id {
        let who = logins::load_active(&state.console.db, login_id)
            .await
            .ok()
            .flatten();
        let Some(who) = who else {
            let _ = session.flush().await;
            return signin_error("signed_out");
        };
        if !crate::security::constant_time_eq(who.csrf_token.as_bytes(), form.csrf_token.as_bytes())
        {
            return (
                axum::http::StatusCode::FORBIDDEN,
                "The sign-out form was not sent by this console.",
            )
                .into_response();
        }
        let result = if form.everywhere.is_some() {
            logins::end_all_for(
                &state.console.db,
                &who.airtable_user_id,
                "signed out everywhere",
            )
            .await
            .map(|_| ())
        } else {
            logins::end(&state.console.db, login_id, "signed out").await
        };
        if let Err(error) = result {
            tracing::error!(%error, "cannot end the sign-in");
        }
    }
    let _ = session.flush().await;
    signin_error("signed_out")
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn sign_in_returns_only_to_this_console() {
        assert_eq!(
            local_path(Some("/approvals/abc")).as_deref(),
            Some("/approvals/abc")
        );
        assert_eq!(
            local_path(Some("/users?q=a")).as_deref(),
            Some("/users?q=a")
        );
        for bad in [
            "//evil.example/x",
            "https://evil.example/",
            "/\\evil.example",
            "approvals",
            "/a\nb",
            "",
        ] {
            assert_eq!(local_path(Some(bad)), None, "{bad:?}");
        }
        assert_eq!(local_path(None), None);
    }
}
