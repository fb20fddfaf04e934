//! The bar at the top of every page: product name, who is signed in, sign-out, theme.

use leptos::prelude::*;

use super::session::SignedIn;
use super::theme_toggle::ThemeToggle;
use crate::api::{Role, SignedInUser};

#[component]
pub fn Header() -> impl IntoView {
    let signed_in = SignedIn::expect();
    // No `Suspense`: who is signed in is known before the page renders (see
    // [`SignedIn::person`]), and a boundary costs every page view its own owner, effect
    // and channel (docs/BENCHMARKS.md, "Fewer `Suspense` boundaries per page"). Still a
    // reactive block: in the browser it follows the `SignedIn` resource, which a page reads
    // again when the approvals badge's number may have changed.
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Airtable Enterprise Console"</a>
            {move || {
                let user = signed_in.person();
                let nav = user.clone().map(|user| view! { <Nav user /> });
                let banner = user
                    .as_ref()
                    .filter(|user| !user.two_person_rule)
                    .map(|_| view! { <BootstrapBanner /> });
                let signed_in_as = user.map(|user| view! { <SignedInAs user /> });
                view! {
                    {nav}
                    {banner}
                    <div class="topbar-right">
                        <ThemeToggle />
                        {signed_in_as}
                    </div>
                }
            }}
        </header>
    }
}

/// Said on every page while the console has fewer than two admins: the one admin can
/// still grant roles alone, so the two-person rule does not hold yet.
#[component]
fn BootstrapBanner() -> impl IntoView {
    view! {
        <p class="banner warning" role="note" data-testid="two-person-rule-off">
            <strong>"The two-person rule cannot hold yet: "</strong>
            "this console has only one admin, who can still grant roles alone. Nothing destructive "
            "can be approved until a second person holds the approver or admin role. "
            "Once a second admin exists, role grants and exemptions need a second admin too, for good. "
            <a href="/settings/roles">"Name a second admin"</a>
        </p>
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
                <li><a href="/audit">"Audit log"</a></li>
                <li><a href="/audit/snapshots">"Snapshots"</a></li>
                <li><a href="/audit/actions">"Console actions"</a></li>
                <li><a href="/alerts">"Alerts"</a></li>
                <li><a href="/users">"Users"</a></li>
                <li><a href="/groups">"Groups"</a></li>
                <li><a href="/workspaces">"Workspaces"</a></li>
                <li><a href="/reports">"Reports"</a></li>
                <li><a href="/reviews">"Access reviews"</a></li>
                <li>
                    // A disclosure, so the menu opens with or without the wasm bundle.
                    <details class="menu">
                        <summary>"Enterprise"</summary>
                        <ul>
                            <li><a href="/enterprise/tokens">"Personal access tokens"</a></li>
                            <li><a href="/enterprise/packages">"Packages"</a></li>
                            <li><a href="/enterprise/ai">"AI allowlist"</a></li>
                            <li><a href="/scim/users">"SCIM directory"</a></li>
                        </ul>
                    </details>
                </li>
                <li>
                    <a href="/approvals">
                        "Approvals"
                        {(user.waiting_approvals > 0).then(|| view! {
                            <span class="badge" data-testid="approvals-badge"
                                aria-label=format!("{} waiting for your approval", user.waiting_approvals)>
                                {user.waiting_approvals}
                            </span>
                        })}
                    </a>
                </li>
                {user
                    .role
                    .allows(Role::Admin)
                    .then(|| view! { <li><a href="/settings/roles">"Roles"</a></li> })}
            </ul>
        </nav>
    }
}
