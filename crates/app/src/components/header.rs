//! The bar at the top of every page: product name, who is signed in, sign-out, theme.

use leptos::prelude::*;

use super::theme_toggle::ThemeToggle;
use crate::api::{ConsoleError, SignedInUser};

/// Who is signed in, if anyone. `Ok(None)` on the sign-in page.
#[server(endpoint = "whoami")]
pub async fn current_user() -> Result<Option<SignedInUser>, ConsoleError> {
    match crate::backend::signed_in_user() {
        Ok(user) => Ok(Some(user)),
        Err(ConsoleError::NotSignedIn) => Ok(None),
        Err(other) => Err(other),
    }
}

#[component]
pub fn Header() -> impl IntoView {
    let user = Resource::new(|| (), |_| current_user());
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Airtable Enterprise Console"</a>
            <div class="topbar-right">
                <ThemeToggle />
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match user.await {
                            Ok(Some(user)) => view! { <SignedInAs user /> }.into_any(),
                            _ => ().into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </header>
    }
}

#[component]
fn SignedInAs(user: SignedInUser) -> impl IntoView {
    view! {
        <span class="who" data-testid="signed-in-as">
            {user.name.clone()} " · " {user.email.clone()} " · "
            <span class="role">{user.role.as_str()}</span>
        </span>
        // A plain form: signing out works with or without the wasm bundle.
        <form method="post" action="/auth/logout" class="inline">
            <input type="hidden" name="csrf_token" value=user.csrf_token />
            <button type="submit" class="button secondary">"Sign out"</button>
        </form>
    }
}
