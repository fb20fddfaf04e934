//! The console server: a backend-for-frontend in front of Airtable.
//!
//! `run` reads nothing itself: it takes [`config::Settings`], connects to Postgres, starts
//! the demo simulator when no Airtable credentials are configured, and serves the Leptos
//! app, the OAuth routes and the server functions.

mod airtable_mode;
pub mod auth;
pub mod bundle;
mod check_airtable;
pub mod config;
pub mod db;
pub mod demo;
pub mod downloads;
pub mod error;
pub mod metrics;
pub mod routes;
pub mod security;
pub mod state;
pub mod telemetry;
mod verify_log;

pub use check_airtable::{check_airtable, Check, CheckError, Outcome, Report, Subject};
pub use verify_log::{action_log_for, verify_action_log};

use std::{
    net::SocketAddr,
    sync::{Arc, OnceLock},
};

use airtable_client::{ids::EnterpriseId, AccessToken};
use axum::{
    middleware,
    routing::{get, post},
    Router,
};
use console_app::{shell, App};
use console_core::{
    action_log,
    audit::{
        self,
        ingest::{AuditIngester, IngestSettings},
    },
    bulk,
    crypto::TokenCipher,
    mail, snapshots, Console, Policy,
};
use leptos::prelude::provide_context;
use leptos_axum::{
    generate_route_list, handle_server_fns_with_context, AxumRouteListing, LeptosRoutes,
};
use tower::util::option_layer;
use tower_http::{compression::CompressionLayer, trace::TraceLayer};
use tower_sessions_sqlx_store::PostgresStore;

use crate::{
    airtable_mode::resolve_airtable,
    auth::session_store::CachedSessionStore,
    config::{MetricsAt, Settings},
    state::AppState,
};

/// A console that is up and serving (returned by [`start`], used by tests).
pub struct RunningConsole {
    pub addr: SocketAddr,
    pub state: AppState,
    /// The in-process simulator, in demo mode.
    pub sim: Option<airtable_sim::RunningSim>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningConsole {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves until the server stops (it only stops on an I/O error).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.server.await??;
        Ok(())
    }
}

/// Starts everything and serves until the process ends.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {} (CONSOLE_ADDR): {e}", settings.addr))?;
    let console = start(settings, listener).await?;
    console.wait().await
}
/// Starts the console on `listener` and returns once it is serving.
pub async fn start(
    settings: Settings,
    listener: tokio::net::TcpListener,
) -> anyhow::Result<RunningConsole> {
    let addr = listener.local_addr()?;
    if settings.metrics != MetricsAt::Off {
        metrics::handle();
    }
    let action_log = action_log_for(&settings, true)?;
    // Migrations and the session store's table are applied here (as the owner role, when
    // one is configured).
    let db = db::prepare(&settings).await?;
    let session_store = CachedSessionStore::new(
        PostgresStore::new(db.clone()),
        settings.session_idle_timeout,
    );

    let redirect_url = format!("{}auth/callback", settings.public_url);
    let airtable = resolve_airtable(&settings, &db, redirect_url).await?;
    let enterprise_id: EnterpriseId = airtable.enterprise_id.parse().map_err(|e| {
        anyhow::anyhow!("AIRTABLE_ENTERPRISE_ID is not an enterprise account id: {e}")
    })?;
    let api = airtable_client::Client::builder()
        .base_url(airtable.api_url.trim_end_matches('/'))
        .build()?;
    let service_airtable = airtable
        .service_token
        .map(|token| api.with_token(AccessToken::new(token)));

    let leptos = leptos::config::LeptosOptions::builder()
        .output_name(bundle::name_in(&settings.site_root.join("pkg")))
        .site_root(settings.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();

    let audit_ingester = service_airtable.clone().map(|client| {
        AuditIngester::new(
            db.clone(),
            client,
            enterprise_id.clone(),
            IngestSettings {
                backfill: chrono::Duration::days(settings.audit.backfill_days.into()),
                late_window: chrono::Duration::minutes(settings.audit.late_window_minutes.into()),
                ..IngestSettings::default()
            },
        )
    });
    // Background work runs in one console process at a time, whichever holds its lease.
    let leases = console_core::leases::Leases::new(db.clone(), console_core::leases::instance_id())
        .with_period(settings.lease_period);
    if let Some(ingester) = &audit_ingester {
        audit::ingest::spawn_scheduler(ingester.clone(), settings.audit.interval, leases.clone());
    } else {
        tracing::warn!("no AIRTABLE_SERVICE_TOKEN: the audit log is not being copied");
    }
    if let Some(client) = &service_airtable {
        snapshots::spawn_scheduler(
            db.clone(),
            client.clone(),
            enterprise_id.clone(),
            settings.audit.snapshot_interval,
            leases.clone(),
        );
    }

    let exports = console_core::export::Exports::new(&db);
    let console = Console {
        db,
        airtable: api,
        enterprise_id,
        sign_in: airtable.sign_in,
        cipher: TokenCipher::from_base64_key(&airtable.token_key)?,
        service_airtable,
        audit_ingester,
        action_log,
        policy: Arc::new(Policy {
            public_url: settings.public_url.clone(),
            approval_ttl: settings.approval_ttl,
            approval_reauth: settings.approval_reauth,
            enterprise_name: settings.enterprise_name.clone(),
        }),
        live: console_core::live::LiveReads::new(settings.live_read_ttl),
        exports,
        leases: leases.clone(),
    };
    console_core::approvals::workflow::spawn_sweeper(console.clone(), leases.clone());
    console_core::tokens::logins::spawn_token_sweeper(
        console.db.clone(),
        settings.session_idle_timeout,
        leases.clone(),
    );
    // Jobs whose process is gone (this one, before a restart, or another) are carried on.
    bulk::spawn_resumer(console.clone());
    action_log::spawn_witness(console.action_log.clone(), console.db.clone());
    if let Some(smtp) = &settings.smtp {
        mail::spawn_sender(
            console.db.clone(),
            mail::Mailer::new(smtp.url.expose(), &smtp.from)?,
            leases.clone(),
        );
    }
    let state = AppState {
        console,
        settings: Arc::new(settings),
        leptos,
    };
    if let MetricsAt::Apart(metrics_addr) = state.settings.metrics {
        serve_metrics_apart(metrics_addr, state.clone()).await?;
    }
    let app = router(state.clone(), session_store);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let console = RunningConsole {
        addr,
        state,
        sim: airtable.sim,
        server,
    };
    if let Some(sim) = &console.sim {
        let who = sim
            .info()
            .admins
            .first()
            .map(|a| a.email.clone())
            .unwrap_or_default();
        println!(
            "Console ready at {} (demo mode: sign in with Airtable, then pick {who} on the simulator's page)",
            console.state.settings.public_url
        );
    } else {
        println!("Console ready at {}", console.state.settings.public_url);
    }
    Ok(console)
}
/// `/metrics` on an address of its own (`CONSOLE_METRICS=HOST:PORT`), e.g. an internal
/// interface the load balancer does not expose.
async fn serve_metrics_apart(addr: SocketAddr, state: AppState) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        anyhow::anyhow!("cannot listen for metrics on {addr} (CONSOLE_METRICS): {e}")
    })?;
    let app = Router::new()
        .route("/metrics", get(metrics::render))
        .with_state(state);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(())
}

/// Every request's span: method and path, never the query string, which can carry an
/// OAuth callback's one-time code and state, or what someone searched for (the span goes
/// to the log at debug level and, with OTEL_EXPORTER_OTLP_ENDPOINT, to a collector).
fn request_span(request: &axum::extract::Request) -> tracing::Span {
    tracing::debug_span!(
        target: "console_server::request",
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        version = ?request.version(),
    )
}

/// The app's page routes, worked out once per process.
///
/// Leptos works them out by rendering the app with every resource held back, and it holds
/// them back with a flag shared by the whole process (leptos-rs/leptos#4773): a page that
/// starts loading a resource while another console in the same process is being set up
/// waits forever. Consoles started side by side (the integration tests, several per test
/// binary) hit exactly that, so the list is made once, before any console can serve.
fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The whole HTTP surface. Layers run outside-in: trace → request metrics → compression →
/// security headers → NUL check → same-origin check → session-store failures as 503 →
/// session → signed-in person → route metrics → sign-in gate → CSRF token → route.
pub fn router(state: AppState, session_store: CachedSessionStore) -> Router {
    let routes = page_routes();
    // Pages and server functions reach the domain through Leptos' context.
    let console = state.console.clone();
    let render_context = {
        let console = console.clone();
        move || provide_context(console.clone())
    };
    let server_fn_context = move || provide_context(console.clone());
    let leptos_options = state.leptos.clone();
    // An address with no page: the app renders its not-found page (with a 404), whole
    // before it is sent, so it reads without the wasm bundle like every other page.
    let not_found = {
        let options = state.leptos.clone();
        let context = render_context.clone();
        move |request: axum::extract::Request| {
            let options = options.clone();
            let context = context.clone();
            let shell_options = options.clone();
            leptos_axum::render_app_async_with_context(
                move || {
                    context();
                    provide_context(options.clone());
                },
                move || shell(shell_options.clone()),
            )(request)
        }
    };
    let pkg_dir = state.settings.site_root.join("pkg");
    let metrics_here = state.settings.metrics == MetricsAt::Here;
    // With metrics off nothing is counted, so the two counting layers are left out.
    let counting = state.settings.metrics != MetricsAt::Off;

    Router::new()
        .route("/auth/login", get(auth::oauth::login))
        .route("/auth/callback", get(auth::oauth::callback))
        .route("/auth/logout", post(auth::oauth::logout))
        .route("/healthz", get(routes::health))
        .merge(downloads::routes())
        .route("/assets/console.css", get(routes::stylesheet))
        .route(
            "/api/{*fn_name}",
            // Reads are GET server functions, changes POST ones (which need the CSRF token).
            get({
                let context = server_fn_context.clone();
                move |req| handle_server_fns_with_context(context.clone(), req)
            })
            .post(move |req| handle_server_fns_with_context(server_fn_context.clone(), req)),
        )
        .leptos_routes_with_context(&state, routes, render_context, move || {
            shell(leptos_options.clone())
        })
        .nest_service("/pkg", bundle::files(pkg_dir))
        .merge(if metrics_here {
            Router::new().route("/metrics", get(metrics::render))
        } else {
            Router::new()
        })
        .fallback(not_found)
        .layer(middleware::from_fn(error::server_fn_argument_errors))
        .layer(middleware::from_fn(
            security::csrf_token_for_server_functions,
        ))
        // Only on the addresses the console has (a route layer): an address with none gets
        // the not-found page, signed in or not, rather than a trip through sign-in to a 404.
        .route_layer(middleware::from_fn(auth::session::require_sign_in))
        .route_layer(option_layer(
            counting.then(|| middleware::from_fn(metrics::remember_route)),
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::session::load_signed_in_user,
        ))
        .layer(auth::session::layer(session_store, &state.settings))
        .layer(middleware::from_fn(error::session_store_failures))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::same_origin_for_writes,
        ))
        .layer(middleware::from_fn(security::refuse_nul_characters))
        .layer(middleware::from_fn(security::headers))
        // Pages, JSON and CSV go out compressed to browsers that take it; the bundle under
        // /pkg is already compressed on disk and passes through untouched.
        .layer(CompressionLayer::new())
        .layer(option_layer(
            counting.then(|| middleware::from_fn(metrics::count_requests)),
        ))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}
