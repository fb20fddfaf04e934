//! The last step of every sign-in, whichever way the person proved who they are: check
//! their console role, record the sign-in, and tie it to a fresh session id.

use tower_sessions::Session;

use crate::state::AppState;
use console_core::tokens::logins;

/// Session key holding the login id (the only thing a session holds).
pub const LOGIN_KEY: &str = "login_id";

/// Who Airtable says the person is.
pub struct Identity {
    pub airtable_user_id: String,
    pub email: String,
    pub name: String,
}

/// Admits an enterprise admin: `Err` carries the sign-in page's error code.
pub async fn admit(
    state: &AppState,
    session: &Session,
    who: &Identity,
    tokens: Option<&logins::IssuedTokens>,
) -> Result<uuid::Uuid, &'static str> {
    let role = console_core::roles::store::role_for(
        &state.console.db,
        &console_core::roles::store::Admission {
            first_admin: state.settings.first_admin.clone(),
            default_role: state.settings.default_role,
        },
        &who.airtable_user_id,
        &who.email,
        &who.name,
    )
    .await
    .map_err(|error| {
        tracing::error!(%error, "cannot read console roles");
        "airtable"
    })?;
    if role.is_none() {
        return Err("no_role");
    }
    // Signing in again (a step-up before approving, say) replaces the sign-in this browser
    // had: the old one ends and its tokens are wiped, rather than lingering until it times out.
    if let Ok(Some(previous)) = session.get::<uuid::Uuid>(LOGIN_KEY).await {
        if let Err(error) = logins::end(&state.console.db, previous, "signed in again").await {
            tracing::warn!(%error, "could not end the previous sign-in");
        }
    }
    let login_id = logins::create(
        &state.console.db,
        &state.console.cipher,
        &who.airtable_user_id,
        tokens,
        state.settings.session_absolute_timeout,
    )
    .await
    .map_err(|error| {
        tracing::error!(%error, "cannot record the sign-in");
        "airtable"
    })?;
    // A new session id at sign-in, so an id planted before sign-in is worthless after.
    session.cycle_id().await.map_err(|_| "airtable")?;
    session
        .insert(LOGIN_KEY, login_id)
        .await
        .map_err(|_| "airtable")?;
    tracing::info!(user = %who.airtable_user_id, %login_id, "signed in");
    Ok(login_id)
}
