//! What every handler can reach.

use std::sync::Arc;

use airtable_client::{ids::EnterpriseId, Client as AirtableClient};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;

use crate::{auth::oauth::OAuthProvider, config::Settings, crypto::TokenCipher};

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: PgPool,
    /// Shared connection pool and rate limiter; per-person clients come from `with_token`.
    pub airtable: AirtableClient,
    pub enterprise_id: EnterpriseId,
    pub oauth: Arc<OAuthProvider>,
    pub cipher: TokenCipher,
    pub leptos: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
