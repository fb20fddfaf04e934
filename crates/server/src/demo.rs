//! Demo mode: with no Airtable credentials configured, the console runs the simulator
//! in-process with a seeded enterprise and signs people in against it.

use airtable_sim::{AuditStragglers, RateLimits, RunningSim, SimConfig, SimSize};
use sqlx::PgPool;

use console_app::api::Role;
use console_core::crypto::TokenCipher;

use crate::config::DemoSettings;

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

pub async fn start_sim(demo: &DemoSettings, redirect_uri: String) -> anyhow::Result<RunningSim> {
    let addr = demo.sim_addr;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen for the demo simulator on {addr}: {e}"))?;
    let config = SimConfig {
        seed: demo.seed,
        size: size_from_name(&demo.size)?,
        oauth_client_id: DEMO_CLIENT_ID.into(),
        oauth_client_secret: DEMO_CLIENT_SECRET.into(),
        oauth_redirect_uris: vec![redirect_uri],
        // Airtable's limits, as Airtable enforces them (CONSOLE_DEMO_RATE_LIMITS).
        rate_limits: demo.rate_limits.then(RateLimits::default),
        // Airtable's late events (CONSOLE_DEMO_AUDIT_DELAY_SECONDS): a few minutes, and
        // not all equally late.
        audit_delay: demo.audit_delay,
        audit_stragglers: (!demo.audit_delay.is_zero()).then_some(AuditStragglers {
            every: 10,
            extra: demo.audit_delay,
        }),
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
        // A role an admin took away stays away, across restarts too.
        if known.is_none()
            && !console_core::roles::store::was_revoked(db, &person.id, &person.email).await?
        {
            console_core::roles::store::grant_role(
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

/// The file in the data directory that keeps the demo's action-log key.
const DEV_LOG_KEY: &str = "dev-log-key";

/// The development key of the action log's chain (`CONSOLE_LOG_KEY` in demo mode), kept in
/// the data directory (mode 0600) so the log still verifies after a restart. Made once;
/// several processes sharing the directory end up with the same key.
pub fn dev_log_key(data_dir: &std::path::Path) -> anyhow::Result<String> {
    if let Some(existing) = existing_dev_log_key(data_dir)? {
        return Ok(existing);
    }
    std::fs::create_dir_all(data_dir)?;
    let path = data_dir.join(DEV_LOG_KEY);
    let key = TokenCipher::generate_base64_key();
    // Written whole under a private name first, then linked into place (which fails if the
    // name exists), so another process never reads a half-written key.
    let draft = data_dir.join(format!("{DEV_LOG_KEY}.{}", uuid::Uuid::new_v4().simple()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Readable by the console's user only, from the moment it exists.
        options.mode(0o600);
    }
    let written = options.open(&draft).and_then(|mut file| {
        use std::io::Write;
        file.write_all(key.as_bytes())?;
        file.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&draft, &path));
    let _ = std::fs::remove_file(&draft);
    match linked {
        Ok(()) => Ok(key),
        // Another process made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => existing_dev_log_key(data_dir)?
            .ok_or_else(|| anyhow::anyhow!("{} vanished", path.display())),
        Err(e) => Err(anyhow::anyhow!("cannot write {}: {e}", path.display())),
    }
}

/// The demo's action-log key if one was made already (the verifier never makes one: a new
/// key would only report every row as changed).
pub fn existing_dev_log_key(data_dir: &std::path::Path) -> anyhow::Result<Option<String>> {
    let path = data_dir.join(DEV_LOG_KEY);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let key = text.trim().to_string();
            console_core::action_log::decode_key(&key)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            Ok(Some(key))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
    }
}
