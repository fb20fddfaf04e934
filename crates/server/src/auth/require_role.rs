//! `RequireRole<R>`: the extractor for routes outside the server functions (downloads, the
//! audit chart) that need a signed-in person holding at least a console role. It reads the
//! [`SignedInUser`] the session middleware put in the request's extensions, and answers 401
//! (no one signed in) or 403 (a lesser role) in plain words before the handler runs.
//!
//! ```ignore
//! async fn export(who: RequireRole<Viewer>, …) -> Response { tracing::info!(user = %who.email, …) }
//! ```

use std::{marker::PhantomData, ops::Deref};

use axum::{
    extract::FromRequestParts,
    http::{request::Parts, StatusCode},
    response::{IntoResponse, Response},
};
use console_app::api::{Role, SignedInUser};

/// The least role a route needs, as a type (`RequireRole<Operator>`).
pub trait MinimumRole {
    const ROLE: Role;
}

/// Reads everything.
pub struct Viewer;
/// Makes non-destructive changes and asks for destructive ones.
pub struct Operator;
/// Also approves other people's requests.
pub struct Approver;
/// Also manages roles and settings.
pub struct Admin;

impl MinimumRole for Viewer {
    const ROLE: Role = Role::Viewer;
}
impl MinimumRole for Operator {
    const ROLE: Role = Role::Operator;
}
impl MinimumRole for Approver {
    const ROLE: Role = Role::Approver;
}
impl MinimumRole for Admin {
    const ROLE: Role = Role::Admin;
}

/// The person making the request, who holds at least `R::ROLE`; derefs to the
/// [`SignedInUser`].
pub struct RequireRole<R> {
    user: SignedInUser,
    // `fn() -> R`: the marker is only a type, so it does not decide whether this is Send.
    role: PhantomData<fn() -> R>,
}

impl<R> RequireRole<R> {
    pub fn into_inner(self) -> SignedInUser {
        self.user
    }
}

impl<R> Deref for RequireRole<R> {
    type Target = SignedInUser;

    fn deref(&self) -> &SignedInUser {
        &self.user
    }
}

/// Why a request was refused before its handler ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// No one is signed in (or the session has ended): 401.
    NotSignedIn,
    /// The person's console role is below the route's: 403.
    Role,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::NotSignedIn => (
                StatusCode::UNAUTHORIZED,
                "You are not signed in, or your session has ended. Sign in again.",
            ),
            Refused::Role => (
                StatusCode::FORBIDDEN,
                "Your console role does not allow this.",
            ),
        }
        .into_response()
    }
}

impl<R: MinimumRole, S: Send + Sync> FromRequestParts<S> for RequireRole<R> {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Refused> {
        let user = parts
            .extensions
            .get::<SignedInUser>()
            .ok_or(Refused::NotSignedIn)?;
        if !user.role.allows(R::ROLE) {
            return Err(Refused::Role);
        }
        Ok(RequireRole {
            user: user.clone(),
            role: PhantomData,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(role: Option<Role>) -> Parts {
        let (mut parts, ()) = http::Request::new(()).into_parts();
        if let Some(role) = role {
            parts.extensions.insert(SignedInUser {
                airtable_user_id: "usrAAAAAAAAAAAAAA".into(),
                email: "ann@corp.com".into(),
                name: "Ann".into(),
                role,
                csrf_token: String::new(),
                login_id: None,
                waiting_approvals: 0,
                signed_in_at: chrono::Utc::now(),
                two_person_rule: true,
            });
        }
        parts
    }

    async fn extract<R: MinimumRole>(role: Option<Role>) -> Result<RequireRole<R>, Refused> {
        RequireRole::<R>::from_request_parts(&mut parts(role), &()).await
    }

    #[tokio::test]
    async fn the_role_decides_and_the_person_comes_through() {
        let who = extract::<Viewer>(Some(Role::Viewer)).await.ok().unwrap();
        assert_eq!(who.email, "ann@corp.com");
        assert_eq!(who.into_inner().role, Role::Viewer);
        assert!(extract::<Approver>(Some(Role::Admin)).await.is_ok());
        assert_eq!(
            extract::<Operator>(Some(Role::Viewer)).await.err(),
            Some(Refused::Role)
        );
        assert_eq!(
            extract::<Admin>(Some(Role::Approver)).await.err(),
            Some(Refused::Role)
        );
        assert_eq!(
            extract::<Viewer>(None).await.err(),
            Some(Refused::NotSignedIn)
        );
    }

    #[test]
    fn refusals_answer_401_and_403_in_words() {
        assert_eq!(
            Refused::NotSignedIn.into_response().status(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            Refused::Role.into_response().status(),
            StatusCode::FORBIDDEN
        );
    }
}
