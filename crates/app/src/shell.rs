//! The HTML document around the app and the router.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

use crate::components::{header::Header, session::SignedIn};
use crate::pages::{
    action_log::ActionLogPage,
    approvals::{ApprovalPage, ApprovalPolicyPage, ApprovalsPage, NoticesPage},
    audit_search::{AuditEventPage, AuditSearchPage},
    audit_sync::AuditSyncPage,
    bases::BasePage,
    bulk::{BulkJobPage, BulkJobsPage},
    enterprise::{AiAllowlistPage, PackagesPage, TokensPage},
    groups::{GroupPage, GroupsPage},
    overview::OverviewPage,
    reports::{ReportPage, ReportsPage},
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
    view! {
        <!DOCTYPE html>
        <html lang="en">
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
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Header />
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <p>"There is no page at this address."</p> }>
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
