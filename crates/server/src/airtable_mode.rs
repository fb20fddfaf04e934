//! Where Airtable is and how people sign in to the console, from the configured mode
//! (demo, OAuth or service account), resolved once at start-up.

use std::sync::Arc;

use console_core::{
    crypto::TokenCipher,
    tokens::oauth::{OAuthEndpoints, OAuthProvider},
    SignInMethod,
};

use crate::{
    config::{AirtableMode, Settings},
    demo,
};

/// Where Airtable is and how people sign in, by mode.
pub(crate) struct ResolvedAirtable {
    pub(crate) sim: Option<airtable_sim::RunningSim>,
    pub(crate) sign_in: SignInMethod,
    pub(crate) api_url: String,
    pub(crate) enterprise_id: String,
    /// Base64 AES-256 key for tokens at rest.
    pub(crate) token_key: String,
    pub(crate) service_token: Option<String>,
}

/// What `settings` say about Airtable, made ready: in demo mode the simulator is started
/// (and its admins given roles), otherwise the configured endpoints, tokens and key.
pub(crate) async fn resolve_airtable(
    settings: &Settings,
    db: &sqlx::PgPool,
    redirect_url: String,
) -> anyhow::Result<ResolvedAirtable> {
    let service_token = settings
        .service_token
        .as_ref()
        .map(|t| t.expose().to_string());
    let configured_key = settings.token_key.as_ref().map(|k| k.expose().to_string());
    Ok(match &settings.airtable {
        AirtableMode::Demo(demo) => {
            let sim = demo::start_sim(demo, redirect_url.clone()).await?;
            demo::grant_demo_roles(db, &sim).await?;
            let port = sim.addr.port();
            // The sign-in page is on `localhost`, the console on `127.0.0.1`: different
            // sites, as in production, so SameSite behaviour is exercised for real.
            let endpoints = OAuthEndpoints {
                authorize_url: format!("http://localhost:{port}/oauth2/v1/authorize"),
                token_url: format!("{}/oauth2/v1/token", sim.base_url()),
                client_id: demo::DEMO_CLIENT_ID.into(),
                client_secret: demo::DEMO_CLIENT_SECRET.into(),
                redirect_url,
            };
            let token_key = match configured_key {
                Some(key) => key,
                None => demo::dev_token_key(&settings.data_dir)?,
            };
            ResolvedAirtable {
                sign_in: SignInMethod::OAuth(Arc::new(OAuthProvider::new(endpoints)?)),
                api_url: sim.base_url(),
                enterprise_id: sim.info().enterprise_account_id.to_string(),
                token_key,
                service_token: service_token.or_else(|| Some(sim.info().token.to_string())),
                sim: Some(sim),
            }
        }
        AirtableMode::Real(real) => {
            let endpoints = OAuthEndpoints {
                authorize_url: real.authorize_url.to_string(),
                token_url: real.token_url.to_string(),
                client_id: real.client_id.clone(),
                client_secret: real.client_secret.clone(),
                redirect_url,
            };
            ResolvedAirtable {
                sim: None,
                sign_in: SignInMethod::OAuth(Arc::new(OAuthProvider::new(endpoints)?)),
                api_url: real.api_url.to_string(),
                enterprise_id: real.enterprise_id.clone(),
                token_key: configured_key
                    .ok_or_else(|| anyhow::anyhow!("CONSOLE_TOKEN_KEY is required"))?,
                service_token,
            }
        }
        AirtableMode::ServiceAccount(account) => ResolvedAirtable {
            sim: None,
            sign_in: SignInMethod::TrustedHeader(axum::http::HeaderName::from_bytes(
                account.trusted_email_header.as_bytes(),
            )?),
            api_url: account.api_url.to_string(),
            enterprise_id: account.enterprise_id.clone(),
            // No one's tokens are stored in this mode; a key is still needed to open the
            // cipher, so an unconfigured one is random and lives only as long as the process.
            token_key: configured_key.unwrap_or_else(TokenCipher::generate_base64_key),
            service_token,
        },
    })
}
