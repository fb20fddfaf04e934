//! The console server: a backend-for-frontend in front of Airtable.
//!
//! `run` reads nothing itself: it takes [`config::Settings`], connects to Postgres, starts
//! the demo simulator when no Airtable credentials are configured, and serves the Leptos
//! app, the OAuth routes and the server functions, until a stop signal (SIGTERM, Ctrl-C)
//! stops it gracefully ([`RunningConsole::serve_until_stopped`]).

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
pub mod stopping;
pub mod telemetry;
mod verify_log;

pub use check_airtable::{check_airtable, Check, CheckError, Outcome, Report, Subject};
pub use verify_log::{action_log_for, verify_action_log};

use std::{
    net::SocketAddr,
    sync::{Arc, OnceLock},
    time::Duration,
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
    mail, snapshots, Console, ConsoleParts, Policy, Shutdown,
};
use leptos::prelude::provide_context;
use leptos_axum::{
    generate_route_list, handle_server_fns_with_context, AxumRouteListing, LeptosRoutes,
};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tower::util::option_layer;
use tower_http::{
    compression::{
        predicate::{DefaultPredicate, Predicate, SizeAbove},
        CompressionLayer, CompressionLevel,
    },
    trace::TraceLayer,
};
use tower_sessions_sqlx_store::PostgresStore;

use crate::{
    airtable_mode::resolve_airtable,
    auth::session_store::CachedSessionStore,
    config::{MetricsAt, Settings},
    state::AppState,
    stopping::StopSignal,
};

/// Answers smaller than this go out uncompressed (see the compression layer in `router`).
pub const COMPRESS_FROM_BYTES: u16 = 1024;

/// A console that is up and serving (returned by [`start`], used by tests).
pub struct RunningConsole {
    pub addr: SocketAddr,
    pub state: AppState,
    /// The in-process simulator, in demo mode.
    pub sim: Option<airtable_sim::RunningSim>,
    /// The process's stop signal (the same as `state.console.shutdown`): triggered when a
    /// stop begins, observed by readiness and by background work.
    pub shutdown: Shutdown,
    /// Cancelled when the listeners are to close (after the drain); the server then
    /// accepts nothing new and ends once the requests it has are answered.
    close: CancellationToken,
    /// The HTTP server; `None` once a stop or [`RunningConsole::wait`] has taken it.
    server: Option<JoinHandle<std::io::Result<()>>>,
}

/// How the server's task ended, when the console waits for either it or a signal.
enum Ended {
    Server(Result<std::io::Result<()>, tokio::task::JoinError>),
    Signal(StopSignal),
}

impl RunningConsole {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves until the server stops: on an I/O error, or when a stop closed it.
    pub async fn wait(mut self) -> anyhow::Result<()> {
        if let Some(server) = self.server.take() {
            server.await??;
        }
        Ok(())
    }

    /// Serves until SIGTERM or Ctrl-C, then stops gracefully ([`RunningConsole::stop`];
    /// Ctrl-C without the drain). A second signal during the stop ends it at once, as an
    /// error.
    pub async fn serve_until_stopped(mut self) -> anyhow::Result<()> {
        let Some(server) = self.server.as_mut() else {
            return Ok(());
        };
        let ended = tokio::select! {
            served = server => Ended::Server(served),
            signal = stopping::stop_signal() => Ended::Signal(signal),
        };
        let signal = match ended {
            Ended::Server(served) => {
                self.server = None;
                served??;
                return Ok(());
            }
            Ended::Signal(signal) => signal,
        };
        let drain = if signal.drains() {
            self.state.settings.shutdown.drain
        } else {
            Duration::ZERO
        };
        tracing::info!(
            drain_seconds = drain.as_secs(),
            budget_seconds = self.state.settings.shutdown.budget.as_secs(),
            "{signal}: stopping (not ready from now on; the listener closes after the drain, then what is running gets the rest of the budget)"
        );
        tokio::select! {
            stopped = self.stop_after(drain) => stopped,
            again = stopping::stop_signal() => {
                anyhow::bail!("{again} during the stop: stopped without waiting for the requests still running")
            }
        }
    }

    /// Stops gracefully, as SIGTERM does: triggers [`RunningConsole::shutdown`] (so
    /// `/readyz` answers 503 and background work winds down), keeps serving for the drain
    /// period (`CONSOLE_SHUTDOWN_DRAIN_SECONDS`), closes the listener, and waits for the
    /// requests still running and the tasks started with [`Shutdown::spawn`]. Returns once
    /// they are done, or when `CONSOLE_SHUTDOWN_SECONDS` have passed since the call,
    /// leaving behind what still runs (logged as a warning).
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        self.stop_after(self.state.settings.shutdown.drain).await
    }

    async fn stop_after(&mut self, drain: Duration) -> anyhow::Result<()> {
        let budget = self.state.settings.shutdown.budget;
        let deadline = tokio::time::Instant::now() + budget;
        self.shutdown.trigger();
        // Still accepting: a load balancer learns from /readyz, not from refused
        // connections, that this process is going away.
        tokio::time::sleep(drain.min(budget)).await;
        self.close.cancel();
        tracing::info!("stopping: the listener is closed; waiting for the requests still running");
        let server = self.server.take();
        let server_task = server.as_ref().map(JoinHandle::abort_handle);
        let finished = async {
            let served = match server {
                Some(server) => server.await,
                None => Ok(Ok(())),
            };
            self.shutdown.tasks_finished().await;
            // Whatever this process still holds goes back now, not after a lease period.
            match self.state.console.leases.release_all().await {
                Ok(0) => {}
                Ok(handed) => tracing::info!(handed, "stopping: leases handed back"),
                Err(error) => tracing::warn!(%error, "stopping: could not hand the leases back"),
            }
            served
        };
        match tokio::time::timeout_at(deadline, finished).await {
            Ok(served) => {
                served??;
                tracing::info!("stopped: every request answered");
                Ok(())
            }
            Err(_) => {
                if let Some(task) = server_task {
                    task.abort();
                }
                tracing::warn!(
                    background_tasks = self.shutdown.tasks_running(),
                    "stopping without waiting longer: requests or background tasks still ran after CONSOLE_SHUTDOWN_SECONDS ({} s)",
                    budget.as_secs()
                );
                Ok(())
            }
        }
    }
}

/// Starts everything and serves until a stop signal, then stops gracefully.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {} (CONSOLE_ADDR): {e}", settings.addr))?;
    let console = start(settings, listener).await?;
    console.serve_until_stopped().await
}
/// Starts the console on `listener` and returns once it is serving.
pub async fn start(
    settings: Settings,
    listener: tokio::net::TcpListener,
) -> anyhow::Result<RunningConsole> {
    let addr = listener.local_addr()?;
    // Made first, so that everything started below can be handed a clone to watch.
    let shutdown = Shutdown::new();
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

    // Shared reads are forgotten in every console process when a change goes through one.
    let peers = console_core::live::peers::Peers::new(db.clone());
    let live =
        console_core::live::LiveReads::new(settings.live_read_ttl).told_to_peers(peers.clone());
    console_core::live::peers::spawn_listener(peers, live.clone(), shutdown.clone()).await?;
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
        .forgetting_in(live.clone())
    });
    // Background work runs in one console process at a time, whichever holds its lease.
    let leases = console_core::leases::Leases::new(db.clone(), console_core::leases::instance_id())
        .with_period(settings.lease_period)
        .with_shutdown(shutdown.clone());
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
    let searches = console_core::audit::search::SearchPool::open(
        &db,
        db::pool_options().max_connections(console_core::audit::search::SEARCH_CONNECTIONS),
    );
    let console = Console::new(ConsoleParts {
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
        live,
        exports,
        searches,
        leases: leases.clone(),
        shutdown: shutdown.clone(),
        user_views: Default::default(),
    });
    console_core::approvals::workflow::spawn_sweeper(console.clone(), leases.clone());
    console_core::tokens::logins::spawn_token_sweeper(
        console.db.clone(),
        settings.session_idle_timeout,
        leases.clone(),
    );
    // Jobs whose process is gone (this one, before a restart, or another) are carried on.
    bulk::spawn_resumer(console.clone());
    action_log::spawn_witness(console.action_log.clone(), console.db.clone());
    // Alert rules: the evaluator and the webhook sender (issue 21).
    console_core::alerts::spawn(&console);
    // Access reviews: reminders before and after each campaign's due date (issue 22).
    console_core::reviews::spawn(&console);
    if let Some(smtp) = &settings.smtp {
        mail::spawn_sender(
            console.db.clone(),
            mail::Mailer::new(smtp.url.expose(), &smtp.from)?,
            leases.clone(),
        );
    }
    // SIEM sinks (issue 21): one forwarder per configured sink, each under its own lease.
    console_core::siem::spawn_forwarders(
        console.db.clone(),
        &settings.siem,
        leases.clone(),
        shutdown.clone(),
        console_core::siem::Pacing::default(),
    )
    .map_err(|e| anyhow::anyhow!("SIEM sinks: {e}"))?;
    let state = AppState {
        console,
        settings: Arc::new(settings),
        leptos,
    };
    let close = CancellationToken::new();
    if let MetricsAt::Apart(metrics_addr) = state.settings.metrics {
        serve_metrics_apart(metrics_addr, state.clone(), close.clone()).await?;
    }
    let app = router(state.clone(), session_store);
    let closing = close.clone().cancelled_owned();
    // Made into routes once, here: handed to `serve` as a router, axum would do it again
    // for every connection (its `with_state(())`, every route copied and boxed anew),
    // which cost a new connection more than serving the stylesheet on it
    // (docs/BENCHMARKS.md, "What a page costs a browser's connection").
    let app = app.into_make_service();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(closing)
            .await
    });

    let console = RunningConsole {
        addr,
        state,
        sim: airtable.sim,
        shutdown,
        close,
        server: Some(server),
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
async fn serve_metrics_apart(
    addr: SocketAddr,
    state: AppState,
    close: CancellationToken,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        anyhow::anyhow!("cannot listen for metrics on {addr} (CONSOLE_METRICS): {e}")
    })?;
    let app = Router::new()
        .route("/metrics", get(metrics::render))
        .with_state(state);
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service())
            .with_graceful_shutdown(close.cancelled_owned())
            .await
    });
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
        .route("/livez", get(routes::live))
        .route("/readyz", get(routes::ready))
        // The old name of readiness, for load balancers and scripts configured with it.
        .route("/healthz", get(routes::ready))
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
        // /pkg is already compressed on disk and passes through untouched. At the fastest
        // level: gzip's default level took as much CPU as rendering the page (`perf` under
        // load), for a page a tenth smaller than the fastest level makes. Gzip even where
        // the browser also takes brotli: brotli's fastest level zeroes its tables for every
        // answer, a fifth more of the users page's work than gzip for a page 9 % smaller
        // (docs/BENCHMARKS.md, "What a page costs a browser's connection"). Not below
        // `COMPRESS_FROM_BYTES`: gzip's header and the fastest level's fixed codes make a
        // small answer (a 272-byte `whoami`) larger, not smaller.
        .layer(
            CompressionLayer::new()
                .no_br()
                .quality(CompressionLevel::Fastest)
                .compress_when(DefaultPredicate::new().and(SizeAbove::new(COMPRESS_FROM_BYTES))),
        )
        .layer(option_layer(
            counting.then(|| middleware::from_fn(metrics::count_requests)),
        ))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}
