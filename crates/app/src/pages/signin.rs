//! The page people land on when they are not signed in, and where sign-in failures are
//! explained.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Plain-words explanation for the `error` codes the server's OAuth callback redirects with.
fn explain(code: &str) -> &'static str {
    match code {
        "not_admin" => "Your Airtable account is not an admin of this enterprise, so it cannot use the console. Ask an enterprise admin for access.",
        "wrong_enterprise" => "Your Airtable account belongs to a different enterprise than the one this console manages.",
        "access_denied" => "Sign-in was cancelled at Airtable.",
        "state" => "The sign-in attempt expired or did not come from this browser. Please start again.",
        "no_role" => "You are an enterprise admin, but nobody has given you a role in this console yet. Ask a console administrator.",
        "airtable" => "Airtable could not complete the sign-in. Please try again in a moment.",
        "proxy" => "This console signs people in through your organisation's sign-in proxy, which did not say who you are. Open the console through the proxy's address.",
        "signed_out" => "You have been signed out.",
        "expired" => "Your session ended. Please sign in again.",
        _ => "Sign-in did not complete. Please try again.",
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let message = move || query.read().get("error").map(|code| explain(&code));
    view! {
        <section class="card narrow">
            <h1>"Sign in"</h1>
            {move || {
                message()
                    .map(|text| {
                        view! {
                            <p class="notice" role="alert" data-testid="signin-message">
                                {text}
                            </p>
                        }
                    })
            }}
            <p>
                "The console acts with your own Airtable permissions. Only admins of this enterprise can sign in."
            </p>
            // A link, not a script: works before and without the wasm bundle.
            <a class="button primary" href="/auth/login" rel="external">
                "Sign in with Airtable"
            </a>
        </section>
    }
}
