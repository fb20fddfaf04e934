//! The console's user interface: Leptos pages and components, rendered on the server and
//! hydrated in the browser.
//!
//! Server functions live next to the pages that use them and stay thin: one helper
//! ([`serve::as_role`] or [`serve::changing`]) checks the signed-in person's
//! role (and CSRF token), then they call one function of the domain crate, `console_core`
//! (a dependency of the `ssr` build only). The app never sees an Airtable token.

// The audit search page's view types nest deeper than rustc's default limit in the
// hydrate build.
#![recursion_limit = "256"]

// The data types live in `console-types` (shared with the server, no UI); they are
// re-exported so that pages and the server name them `console_app::api::…` alike.
pub use console_types::{
    alerts, api, approvals, audit, bulk, directory, enterprise, people, reports, reviews,
};

mod components;
mod pages;
mod query_string;
#[cfg(feature = "ssr")]
pub mod serve;
mod shell;

pub use shell::{shell, App};

/// Entry point of the wasm bundle: attaches the client-side app to the server-rendered DOM.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
