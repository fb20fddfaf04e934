//! What an object page shows of its live read: when Airtable was asked, and a way to ask
//! again now. The server shares such reads between people for a short while
//! (`console_core::live`), so the time can be up to a minute old.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::format::when;

/// Whether the page's address asks for a fresh read (`?refresh=1`).
pub fn refresh_asked() -> impl Fn() -> bool + Copy + Send + Sync + 'static {
    let url = use_query_map();
    move || url.with(|q| q.get("refresh").is_some_and(|v| v == "1"))
}

/// "2026-12-04 19:00:00 UTC · Refresh from Airtable", for the page at `path`.
#[component]
pub fn ReadFromAirtable(at: DateTime<Utc>, path: String) -> impl IntoView {
    view! {
        {when(Some(at))} " · "
        <a href=format!("{path}?refresh=1") data-testid="refresh-live-read">"Refresh from Airtable"</a>
    }
}
