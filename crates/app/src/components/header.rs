//! The bar at the top of every page: product name, who is signed in, sign-out, theme.

use leptos::prelude::*;

use super::theme_toggle::ThemeToggle;
use crate::api::{ConsoleError, Role, SignedInUser};

/// Who is signed in, if anyone. `Ok(None)` on the sign-in page.
#[server(endpoint = "whoami")]
pub async fn current_user() -> Result<Option<SignedInUser>, ConsoleError> {
    crate::backend::with_status(
        async move {
            match crate::backend::signed_in_user() {
                Ok(user) => Ok(Some(user)),
                Err(ConsoleError::NotSignedIn) => Ok(None),
                Err(other) => Err(other),
            }
        }
        .await,
    )
}

#[component]
pub fn Header() -> impl IntoView {
    let user = Resource::new(|| (), |_| current_user());
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Airtable Enterprise Console"</a>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(user)) => view! { <Nav user /> }.into_any(),
                        _ => ().into_any(),
                    }
                })}
            </Suspense>
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
            <button type="submit" class="button secondary" name="everywhere" value="1">
                "Sign out everywhere"
            </button>
        </form>
    }
}

#[component]
fn Nav(user: SignedInUser) -> impl IntoView {
    view! {
        <nav aria-label="Main">
            <ul class="nav">
                <li><a href="/">"Overview"</a></li>
                {user
                    .role
                    .allows(Role::Admin)
                    .then(|| view! { <li><a href="/settings/roles">"Roles"</a></li> })}
            </ul>
        </nav>
    }
}
