//! The seam between the UI and the server: the app defines what it needs, the server crate
//! implements it (so the app never depends on the server, and has no business logic).

use std::sync::Arc;

use crate::api::{ConsoleError, ConsoleUserRow, Overview, Role, SignedInUser};

#[async_trait::async_trait]
pub trait ConsoleBackend: Send + Sync + 'static {
    /// Enterprise figures for the overview page, read with the signed-in person's token.
    async fn overview(&self, who: &SignedInUser) -> Result<Overview, ConsoleError>;

    /// Everyone with a console role.
    async fn console_users(&self, who: &SignedInUser) -> Result<Vec<ConsoleUserRow>, ConsoleError>;

    /// Gives the enterprise admin with this email (or Airtable user id) a console role.
    async fn grant_role(
        &self,
        who: &SignedInUser,
        person: &str,
        role: Role,
    ) -> Result<(), ConsoleError>;

    /// Takes a person's console role away; their sign-ins end at once.
    async fn revoke_role(
        &self,
        who: &SignedInUser,
        airtable_user_id: &str,
    ) -> Result<(), ConsoleError>;
}

/// Shared handle the server provides to every render and server function as context.
pub type Backend = Arc<dyn ConsoleBackend>;

/// The backend, from the Leptos context the server set up for this request.
pub fn backend() -> Result<Backend, ConsoleError> {
    leptos::prelude::use_context::<Backend>()
        .ok_or_else(|| ConsoleError::Internal("backend-missing".into()))
}

/// The signed-in person for this request, or `NotSignedIn`.
pub fn signed_in_user() -> Result<SignedInUser, ConsoleError> {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<SignedInUser>().cloned())
        .ok_or(ConsoleError::NotSignedIn)
}

/// The signed-in person, provided their role allows `need`.
pub fn require_role(need: Role) -> Result<SignedInUser, ConsoleError> {
    let who = signed_in_user()?;
    if who.role.allows(need) {
        Ok(who)
    } else {
        Err(ConsoleError::Forbidden {
            have: who.role,
            need,
        })
    }
}

/// Passes a server function's result through, setting the response's HTTP status from the
/// error (a refused request is a 403, not a 500) so logs and monitors tell them apart.
pub fn with_status<T>(result: Result<T, ConsoleError>) -> Result<T, ConsoleError> {
    if let Err(error) = &result {
        if let (Some(response), Ok(status)) = (
            leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
            http::StatusCode::from_u16(error.http_status()),
        ) {
            response.set_status(status);
        }
    }
    result
}
