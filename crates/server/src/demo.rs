//! Demo mode: with no Airtable credentials configured, the console runs the simulator
//! in-process with a seeded enterprise and signs people in against it.

use airtable_sim::{RunningSim, SimConfig, SimSize};
use sqlx::PgPool;

use crate::crypto::TokenCipher;
use console_app::api::Role;

pub const DEMO_CLIENT_ID: &str = "console-demo";
pub const DEMO_CLIENT_SECRET: &str = "console-demo-secret";

pub fn size_from_name(name: &str) -> anyhow::Result<SimSize> {
    match name {
        "tiny" => Ok(SimSize::tiny()),
        "demo" => Ok(SimSize::demo()),
        "large" => Ok(SimSize::large()),
        other => anyhow::bail!("CONSOLE_DEMO_SIZE must be tiny, demo or large, not {other:?}"),
    }
}

pub async fn start_sim(
    addr: std::net::SocketAddr,
    seed: u64,
    size: SimSize,
    redirect_uri: String,
) -> anyhow::Result<RunningSim> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen for the demo simulator on {addr}: {e}"))?;
    let config = SimConfig {
        seed,
        size,
        oauth_client_id: DEMO_CLIENT_ID.into(),
        oauth_client_secret: DEMO_CLIENT_SECRET.into(),
        oauth_redirect_uris: vec![redirect_uri],
        ..SimConfig::default()
    };
    airtable_sim::spawn(listener, config).await
}

/// Gives the seeded admins console roles, so every part of the console can be tried:
/// the first is console admin, the second an operator, the third an approver.
pub async fn grant_demo_roles(db: &PgPool, sim: &RunningSim) -> sqlx::Result<()> {
    let roles = [Role::Admin, Role::Operator, Role::Approver];
    for (person, role) in sim.info().admins.iter().zip(roles) {
        let known: Option<String> =
            sqlx::query_scalar("SELECT role FROM console_users WHERE airtable_user_id = $1")
                .bind(&person.id)
                .fetch_optional(db)
                .await?;
        if known.is_none() {
            crate::roles::grant_role(
                db,
                &person.id,
                &person.email,
                &person.name,
                role,
                Some("demo"),
            )
            .await?;
        }
    }
    Ok(())
}

/// The development key for tokens at rest, kept in the data directory so sign-ins survive
/// a restart. Only ever used in demo mode.
pub fn dev_token_key(data_dir: &std::path::Path) -> anyhow::Result<String> {
    let path = data_dir.join("dev-token-key");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        if TokenCipher::from_base64_key(&existing).is_ok() {
            return Ok(existing.trim().to_string());
        }
    }
    std::fs::create_dir_all(data_dir)?;
    let key = TokenCipher::generate_base64_key();
    std::fs::write(&path, &key)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(key)
}
