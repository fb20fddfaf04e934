//! Turning the session cookie into a signed-in person, and keeping pages behind sign-in.

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use console_app::api::SignedInUser;
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};

use super::{admit::LOGIN_KEY, session_store::CachedSessionStore, trusted_header};
use crate::{config::Settings, state::AppState};
use console_core::{tokens::logins, SignInMethod};

/// The session layer: Postgres store behind a cache, HttpOnly, SameSite=Strict, Secure and
/// the `__Host-` prefix whenever the console is served over HTTPS, idle timeout from
/// configuration. Saved on every request so the idle expiry moves with use; the store
/// decides whether that reaches the database (`session_store`).
pub fn layer(
    store: CachedSessionStore,
    settings: &Settings,
) -> SessionManagerLayer<CachedSessionStore> {
    let secure = settings.secure_cookies();
    let name = if secure {
        "__Host-console_session"
    } else {
        "console_session"
    };
    let idle = time::Duration::try_from(settings.session_idle_timeout)
        .unwrap_or(time::Duration::minutes(30));
    SessionManagerLayer::new(store)
        .with_name(name)
        .with_http_only(true)
        .with_secure(secure)
        .with_same_site(SameSite::Strict)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle))
        .with_always_save(true)
}

/// Loads the person behind the session, if any, into the request's extensions (where
/// handlers and server functions find it). A session whose login ended is emptied.
pub async fn load_signed_in_user(
    State(state): State<AppState>,
    session: tower_sessions::Session,
    mut request: Request,
    next: Next,
) -> Response {
    let proxy_email = match &state.console.sign_in {
        SignInMethod::TrustedHeader(header) => Some(
            request
                .headers()
                .get(header)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string),
        ),
        SignInMethod::OAuth(_) => None,
    };
    let mut login_id = match session.get::<uuid::Uuid>(LOGIN_KEY).await {
        Ok(id) => id,
        // The session store (Postgres) did not answer: the person may well be signed in,
        // so sending them to sign in again would be wrong. Ask them to wait instead.
        Err(tower_sessions::session::Error::Store(error)) => {
            tracing::error!(%error, "cannot read the session");
            return crate::error::AppError::Unavailable.into_response();
        }
        // A value that does not decode: as good as no sign-in.
        Err(_) => None,
    };
    if login_id.is_none() {
        if let (Some(Some(email)), Some(service)) = (&proxy_email, &state.console.service_airtable)
        {
            match trusted_header::sign_in(&state, &session, service, email).await {
                Ok(id) => login_id = Some(id),
                Err(code) => {
                    tracing::info!(%email, code, "the proxy's person cannot use the console");
                    if request.uri().path() != "/signin" {
                        return Redirect::to(&format!("/signin?error={code}")).into_response();
                    }
                }
            }
        }
    }
    if let Some(login_id) = login_id {
        match logins::load_active(&state.console.db, login_id).await {
            // In service-account mode the proxy says who is there on every request: a
            // session of someone else (or of no one) ends.
            Ok(Some(user))
                if proxy_email.as_ref().is_some_and(|email| {
                    !email
                        .as_deref()
                        .is_some_and(|e| e.eq_ignore_ascii_case(&user.email))
                }) =>
            {
                let _ = logins::end(
                    &state.console.db,
                    login_id,
                    "the sign-in proxy changed person",
                )
                .await;
                let _ = session.flush().await;
                return Redirect::to(request.uri().path()).into_response();
            }
            Ok(Some(user)) => {
                request.extensions_mut().insert(user);
            }
            Ok(None) => {
                let _ = session.flush().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot load the sign-in behind a session");
                return crate::error::AppError::Unavailable.into_response();
            }
        }
    }
    next.run(request).await
}

/// Paths anyone may fetch without signing in.
fn is_public(path: &str) -> bool {
    path == "/signin"
        || path == "/healthz"
        || path == "/livez"
        || path == "/readyz"
        || path == "/metrics"
        || path.starts_with("/auth/")
        || path.starts_with("/pkg/")
        || path.starts_with("/assets/")
        || path.starts_with("/api/")
}

/// Sends people who are not signed in to the sign-in page instead of an empty console.
/// Server functions (`/api/…`) answer for themselves with a "not signed in" error.
pub async fn require_sign_in(request: Request, next: Next) -> Response {
    if request.extensions().get::<SignedInUser>().is_none() && !is_public(request.uri().path()) {
        return Redirect::to("/signin").into_response();
    }
    next.run(request).await
}
