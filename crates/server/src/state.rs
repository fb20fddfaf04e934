//! What every handler can reach.

use std::sync::Arc;

use airtable_client::{ids::EnterpriseId, Client as AirtableClient};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;

use crate::{
    action_log::ActionLog, audit::ingest::AuditIngester, auth::oauth::OAuthProvider,
    config::Settings, crypto::TokenCipher,
};

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: PgPool,
    /// Shared connection pool and rate limiter; per-person clients come from `with_token`.
    pub airtable: AirtableClient,
    pub enterprise_id: EnterpriseId,
    pub sign_in: SignInMethod,
    pub cipher: TokenCipher,
    pub leptos: LeptosOptions,
    /// A client carrying the service token (`AIRTABLE_SERVICE_TOKEN`, or the simulator's in
    /// demo mode), for background jobs and, in service-account mode, for everyone.
    pub service_airtable: Option<AirtableClient>,
    /// The audit-log ingester, when the background jobs have a token (always in demo mode).
    pub audit_ingester: Option<AuditIngester>,
    /// The action log's key and witness file: every append goes through it.
    pub action_log: ActionLog,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

/// How people prove who they are.
#[derive(Clone)]
pub enum SignInMethod {
    /// Airtable OAuth: each person's own token is used for their actions.
    OAuth(Arc<OAuthProvider>),
    /// A sign-in proxy in front of the console puts the person's email in this header;
    /// Airtable calls use the service token.
    TrustedHeader(axum::http::HeaderName),
}
