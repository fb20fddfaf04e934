//! Service-account mode: a sign-in proxy in front of the console (oauth2-proxy, an
//! identity-aware proxy, …) authenticates people and puts their email in a header. The
//! console trusts that header only in this mode, which must only be reachable through the
//! proxy (the proxy must also strip the header from incoming requests).

use airtable_client::Client;

use super::admit::{admit, Identity};
use crate::state::AppState;

/// Signs in the enterprise admin with this email, looked up with the service token.
pub async fn sign_in(
    state: &AppState,
    session: &tower_sessions::Session,
    service: &Client,
    email: &str,
) -> Result<uuid::Uuid, &'static str> {
    let found = service
        .enterprise(&state.console.enterprise_id)
        .users()
        .by_emails([email.to_string()])
        .send()
        .await
        .map_err(|error| {
            tracing::warn!(%error, "cannot look up the person the proxy signed in");
            "airtable"
        })?;
    let user = found
        .into_iter()
        .find(|u| u.email.eq_ignore_ascii_case(email))
        .ok_or("not_admin")?;
    if !user.is_admin.unwrap_or(false) {
        return Err("not_admin");
    }
    let who = Identity {
        airtable_user_id: user.id.to_string(),
        email: user.email.clone(),
        name: user.name.clone(),
    };
    admit(state, session, &who, None).await
}
