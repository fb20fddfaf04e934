//! A stateful simulator of the Airtable Enterprise API, written from Airtable's
//! documentation and real response samples, independently of `crates/client`.
//!
//! It is the console's demo mode and the ground of every test: the same paths, query
//! encodings, bodies, response shapes and errors as Airtable, with an OAuth sign-in page a
//! person can click through, and control endpoints under `/_sim/` for tests (faults, rate
//! limits, the seeded people).

mod auth;
pub mod config;
mod error;
mod faults;
mod ids;
mod limits;
mod render;
mod routes;
mod seed;
mod state;
mod stats;

use std::{net::SocketAddr, sync::Arc};

use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, RwLock};

pub use config::{AuditStragglers, RateLimitBody, RateLimits, SimConfig, SimSize};
pub use limits::UNMETERED as UNMETERED_HEADER;

/// Shared state behind every route.
pub(crate) struct Sim {
    pub config: SimConfig,
    /// Who the fixed personal access token acts as: the seeded super admin.
    pub fixed_token_user: String,
    pub world: RwLock<state::World>,
    pub tokens: Mutex<state::tokens::TokenStore>,
    pub faults: std::sync::Mutex<faults::Faults>,
    pub limits: std::sync::Mutex<limits::Limiter>,
    pub stats: stats::Stats,
}

/// A person the tests and the demo can sign in as.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SimPerson {
    pub id: String,
    pub email: String,
    pub name: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SimCounts {
    pub users: usize,
    pub groups: usize,
    pub workspaces: usize,
    pub bases: usize,
    pub audit_events: usize,
}

/// What `GET /_sim/info` answers: enough for a test to know the seeded enterprise.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SimInfo {
    pub enterprise_account_id: String,
    pub token: String,
    pub admins: Vec<SimPerson>,
    pub non_admins: Vec<SimPerson>,
    pub counts: SimCounts,
}

impl Sim {
    pub(crate) async fn info(&self) -> SimInfo {
        let world = self.world.read().await;
        let person = |u: &state::User| SimPerson {
            id: u.id.clone(),
            email: u.email.clone(),
            name: u.name(),
        };
        let usable = |u: &&state::User| {
            !u.is_external && !u.is_service_account && u.state == state::UserState::Provisioned
        };
        SimInfo {
            enterprise_account_id: world.enterprise.id.clone(),
            token: self.config.token.clone(),
            admins: world
                .users
                .values()
                .filter(|u| u.is_admin)
                .filter(usable)
                .map(person)
                .collect(),
            non_admins: world
                .users
                .values()
                .filter(|u| !u.is_admin)
                .filter(usable)
                .take(3)
                .map(person)
                .collect(),
            counts: SimCounts {
                users: world.users.len(),
                groups: world.groups.len(),
                workspaces: world.workspaces.len(),
                bases: world.bases.len(),
                audit_events: world.audit.len(),
            },
        }
    }
}

/// A simulator serving in the background.
pub struct RunningSim {
    pub addr: SocketAddr,
    info: SimInfo,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningSim {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The seeded enterprise as it was at start-up.
    pub fn info(&self) -> SimInfo {
        self.info.clone()
    }

    pub async fn shutdown(self) {
        let _ = self.shutdown.send(());
        let _ = self.task.await;
    }
}

/// The simulator's routes, for embedding in another server or a test.
pub fn router(config: SimConfig) -> axum::Router {
    routes::router(Arc::new(new_sim(config)))
}

fn new_sim(config: SimConfig) -> Sim {
    let mut world = seed::seed_world(config.seed, config.size);
    world.audit.delay_ms = config.audit_delay.as_millis() as u64;
    world.audit.stragglers = config
        .audit_stragglers
        .filter(|s| s.every > 0)
        .map(|s| (u64::from(s.every), s.extra.as_millis() as u64));
    let limits = limits::Limiter::new(config.rate_limits);
    let fixed_token_user = world
        .first_super_admin()
        .map(|u| u.id.clone())
        .unwrap_or_default();
    Sim {
        config,
        fixed_token_user,
        world: RwLock::new(world),
        tokens: Mutex::new(state::tokens::TokenStore::default()),
        faults: std::sync::Mutex::new(faults::Faults::default()),
        limits: std::sync::Mutex::new(limits),
        stats: stats::Stats::default(),
    }
}

/// Seeds an enterprise and serves it on `listener` in a background task.
pub async fn spawn(
    listener: tokio::net::TcpListener,
    config: SimConfig,
) -> anyhow::Result<RunningSim> {
    let addr = listener.local_addr()?;
    // Seeding a large enterprise takes a moment of CPU: keep it off the async workers.
    let sim = Arc::new(tokio::task::spawn_blocking(move || new_sim(config)).await?);
    let info = sim.info().await;
    let app = routes::router(sim);
    let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
    // Without TCP_NODELAY a response written in several segments waits for the client's
    // delayed ACK (~40 ms on Linux) on a keep-alive connection.
    let listener = axum::serve::ListenerExt::tap_io(listener, |stream| {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY");
        }
    });
    let task = tokio::spawn(async move {
        let served = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stop.await;
        })
        .await;
        if let Err(error) = served {
            tracing::error!(%error, "the simulator stopped");
        }
    });
    Ok(RunningSim {
        addr,
        info,
        shutdown,
        task,
    })
}
