//! The HTML document around the app and the router.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

use crate::components::{
    header::Header,
    session::SignedIn,
    theme_toggle::{initial_choice, ChosenTheme},
};
use crate::pages::{
    action_log::ActionLogPage,
    alerts::AlertsPage,
    approvals::{ApprovalPage, ApprovalPolicyPage, ApprovalsPage, NoticesPage, RequestResult},
    audit_search::{AuditEventPage, AuditSearchPage},
    audit_sync::AuditSyncPage,
    bases::BasePage,
    bulk::{BulkJobPage, BulkJobsPage},
    enterprise::{AiAllowlistPage, PackagesPage, TokensPage},
    groups::{GroupPage, GroupsPage},
    overview::OverviewPage,
    reports::{ReportPage, ReportsPage},
    reviews::{CampaignPage, ReviewsPage},
    roles::RolesPage,
    scim::{ScimGroupsPage, ScimUsersPage},
    signin::SignInPage,
    snapshots::SnapshotsPage,
    users::{UserPage, UsersPage},
    workspaces::{WorkspacePage, WorkspacesPage},
};

/// The whole document, rendered on the server. The server adds the CSP nonce to context
/// before rendering, and `HydrationScripts` puts it on the one inline script it emits.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    // A theme someone chose is on the document from the first byte (no flash of the
    // other theme); without a choice the stylesheet follows the operating system.
    let theme = initial_choice().map(|theme| theme.as_str());
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme=theme>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="stylesheet" href="/assets/console.css" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    SignedIn::provide();
    ChosenTheme::provide();

    // Effects run only in the browser, so this marks the moment hydration finished.
    // End-to-end tests wait for it, and people never see it.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Title text="Airtable Enterprise Console" />
        <Router>
            // The browser moves focus to the target of an in-page link by itself, but the
            // router handles the click (it changes the URL and scrolls), so with the wasm
            // bundle the focus is moved here.
            <a class="skip-link" href="#main" on:click=focus_main>"Skip to content"</a>
            <Header />
            <main id="main" tabindex="-1">
                // What a request form answered when it was posted without the wasm bundle.
                <RequestResult />
                <Routes fallback=NotFound>
                    // Async: the whole page is rendered before it is sent, so it reads
                    // completely without the wasm bundle (no streamed fragments to script in).
                    <Route path=path!("/") view=OverviewPage ssr=SsrMode::Async />
                    <Route path=path!("/signin") view=SignInPage ssr=SsrMode::Async />
                    <Route path=path!("/settings/roles") view=RolesPage ssr=SsrMode::Async />
                    <Route path=path!("/audit") view=AuditSearchPage ssr=SsrMode::Async />
                    <Route path=path!("/audit/events/:id") view=AuditEventPage ssr=SsrMode::Async />
                    <Route path=path!("/users") view=UsersPage ssr=SsrMode::Async />
                    <Route path=path!("/users/bulk") view=BulkJobsPage ssr=SsrMode::Async />
                    <Route path=path!("/users/bulk/:id") view=BulkJobPage ssr=SsrMode::Async />
                    <Route path=path!("/users/:id") view=UserPage ssr=SsrMode::Async />
                    <Route path=path!("/workspaces") view=WorkspacesPage ssr=SsrMode::Async />
                    <Route path=path!("/workspaces/:id") view=WorkspacePage ssr=SsrMode::Async />
                    <Route path=path!("/bases/:id") view=BasePage ssr=SsrMode::Async />
                    <Route path=path!("/groups") view=GroupsPage ssr=SsrMode::Async />
                    <Route path=path!("/groups/:id") view=GroupPage ssr=SsrMode::Async />
                    <Route path=path!("/reports") view=ReportsPage ssr=SsrMode::Async />
                    <Route path=path!("/reports/:name") view=ReportPage ssr=SsrMode::Async />
                    <Route path=path!("/approvals") view=ApprovalsPage ssr=SsrMode::Async />
                    <Route path=path!("/approvals/notices") view=NoticesPage ssr=SsrMode::Async />
                    <Route path=path!("/approvals/:id") view=ApprovalPage ssr=SsrMode::Async />
                    <Route path=path!("/settings/approvals") view=ApprovalPolicyPage ssr=SsrMode::Async />
                    <Route path=path!("/audit/sync") view=AuditSyncPage ssr=SsrMode::Async />
                    <Route path=path!("/audit/actions") view=ActionLogPage ssr=SsrMode::Async />
                    <Route path=path!("/audit/snapshots") view=SnapshotsPage ssr=SsrMode::Async />
                    <Route path=path!("/alerts") view=AlertsPage ssr=SsrMode::Async />
                    <Route path=path!("/reviews") view=ReviewsPage ssr=SsrMode::Async />
                    <Route path=path!("/reviews/:id") view=CampaignPage ssr=SsrMode::Async />
                    <Route path=path!("/enterprise/tokens") view=TokensPage ssr=SsrMode::Async />
                    <Route path=path!("/enterprise/packages") view=PackagesPage ssr=SsrMode::Async />
                    <Route path=path!("/enterprise/ai") view=AiAllowlistPage ssr=SsrMode::Async />
                    <Route path=path!("/scim/users") view=ScimUsersPage ssr=SsrMode::Async />
                    <Route path=path!("/scim/groups") view=ScimGroupsPage ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}

/// The answer for an address the console has no page for: a 404 with the console's own
/// page (the header shows the navigation to someone signed in).
#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found · Airtable Enterprise Console" />
        <h1 data-testid="not-found">"Page not found"</h1>
        <p class="lede">"There is no page at this address. It may have been mistyped, or the link may be out of date."</p>
        <p><a href="/">"Go to the overview"</a></p>
    }
}

/// Moves the keyboard focus to `<main>` (the skip link's target).
fn focus_main(_: leptos::ev::MouseEvent) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(main) = document()
            .get_element_by_id("main")
            .and_then(|main| main.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = main.focus();
        }
    }
}

/// The page's Content-Security-Policy: scripts only from this origin or carrying this
/// render's nonce (the hydration bootstrap), no inline styles, no framing.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    let Some(nonce) = leptos::nonce::use_nonce() else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
    );
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(&policy),
    ) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}
