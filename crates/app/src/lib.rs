//! The console's user interface: Leptos pages and components, rendered on the server and
//! hydrated in the browser.
//!
//! Server functions live next to the pages that use them and stay thin: they read the
//! signed-in person from the request (put there by the server's session layer), check the
//! role, and delegate to [`backend::ConsoleBackend`], which the server crate implements.
//! The app never sees an Airtable token.

// The audit search page's view types nest deeper than rustc's default limit in the
// hydrate build.
#![recursion_limit = "256"]

pub mod api;
pub mod approvals;
pub mod audit;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod bulk;
mod components;
pub mod directory;
pub mod enterprise;
mod pages;
pub mod people;
mod query_string;
pub mod reports;
mod shell;

pub use shell::{shell, App};

/// Entry point of the wasm bundle: attaches the client-side app to the server-rendered DOM.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
