//! Who is signed in, shared by every component of a page, and the CSRF field every form
//! that changes something carries.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::api::{ConsoleError, SignedInUser};

/// Who is signed in, if anyone. `Ok(None)` on the sign-in page.
#[server(endpoint = "whoami", input = GetUrl)]
pub async fn current_user() -> Result<Option<SignedInUser>, ConsoleError> {
    let user = match crate::serve::signed_in_user() {
        Ok(user) => user,
        Err(ConsoleError::NotSignedIn) => return Ok(None),
        Err(other) => return crate::serve::with_status(Err(other)),
    };
    // The badge's number and the two-person rule travel with the person: the session
    // check read them in its own statement (`logins::load_active`, which also arms a rule
    // that two admins now make hold), so the header needs no resource of its own (one
    // created inside the header's Suspense broke hydration) and a page view no further
    // round trip.
    Ok(Some(user))
}

/// The signed-in person, loaded once per page and shared through context.
#[derive(Clone, Copy)]
pub struct SignedIn(pub Resource<Result<Option<SignedInUser>, ConsoleError>>);

impl SignedIn {
    /// Creates the resource and puts it in context; called once, by the app root.
    pub fn provide() -> Self {
        let current = SignedIn(Resource::new(|| (), |_| current_user()));
        provide_context(current);
        current
    }

    /// The resource the app root provided.
    pub fn expect() -> Self {
        use_context::<SignedIn>().unwrap_or_else(SignedIn::provide)
    }

    /// The signed-in person, if anyone, without waiting: on the server the session check
    /// has put them in the request; in the browser the resource's value came with the page
    /// (it is there when the page hydrates), so both sides render the same at once. In the
    /// browser a read inside a reactive block follows the resource when it is read again.
    pub fn person(self) -> Option<SignedInUser> {
        #[cfg(feature = "ssr")]
        {
            let _ = self;
            crate::serve::signed_in_user().ok()
        }
        #[cfg(not(feature = "ssr"))]
        {
            self.0.get().and_then(Result::ok).flatten()
        }
    }
}

/// The hidden `csrf_token` field. Every form that changes something puts it first: the
/// server refuses a change without the signed-in person's token (see the server's
/// `security` module), and the server function's `csrf_token` argument carries it when
/// the form is submitted by the hydrated app rather than by the browser.
///
/// No `Suspense` of its own: the server knows the person before it renders (the session
/// check put them in the request), and in the browser the page's `SignedIn` resource came
/// with the page, so the token is there at once on both sides. A boundary per form cost
/// every page view about 0.04 ms of CPU (docs/BENCHMARKS.md, "Fewer `Suspense`
/// boundaries per page").
#[component]
pub fn CsrfField() -> impl IntoView {
    view! { <input type="hidden" name="csrf_token" value=csrf_token() /> }
}

/// The signed-in person's CSRF token, or empty (then the server refuses the change with
/// "the form is out of date", and nothing happens).
fn csrf_token() -> String {
    untrack(|| SignedIn::expect().person())
        .map(|user| user.csrf_token)
        .unwrap_or_default()
}
