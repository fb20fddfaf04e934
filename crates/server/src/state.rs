//! What every handler can reach: the domain ([`Console`]) and the server's own settings.

use std::sync::Arc;

use axum::extract::FromRef;
use console_core::Console;
use leptos::config::LeptosOptions;

use crate::config::Settings;

#[derive(Clone)]
pub struct AppState {
    pub console: Console,
    pub settings: Arc<Settings>,
    pub leptos: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
