//! The console server: a backend-for-frontend in front of Airtable.
//!
//! `run` reads nothing itself: it takes [`config::Settings`], connects to Postgres, starts
//! the demo simulator when no Airtable credentials are configured, and serves the Leptos
//! app, the OAuth routes and the server functions.

pub mod auth;
pub mod config;
pub mod db;
pub mod demo;
pub mod downloads;
pub mod error;
pub mod routes;
pub mod security;
pub mod state;
pub mod telemetry;

use std::{net::SocketAddr, sync::Arc};

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
    mail, snapshots,
    tokens::oauth::{OAuthEndpoints, OAuthProvider},
    Console, Policy, SignInMethod,
};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, handle_server_fns_with_context, LeptosRoutes};
use tower_http::trace::TraceLayer;
use tower_sessions_sqlx_store::PostgresStore;

use crate::{
    config::{AirtableMode, Settings},
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

/// The action log for these settings: keyed with `CONSOLE_LOG_KEY` (in demo mode, the
/// development key in the data directory, made if `make_dev_key`), witnessed in
/// `<CONSOLE_DATA_DIR>/action-log-head`.
pub fn action_log_for(
    settings: &Settings,
    make_dev_key: bool,
) -> anyhow::Result<action_log::ActionLog> {
    let witness = Some(settings.data_dir.join(action_log::WITNESS_FILE));
    let key = match &settings.log_key {
        Some(key) => key.expose().to_string(),
        None if !settings.is_demo() => anyhow::bail!("CONSOLE_LOG_KEY is required"),
        None if make_dev_key => demo::dev_log_key(&settings.data_dir)?,
        None => demo::existing_dev_log_key(&settings.data_dir)?.ok_or_else(|| {
            anyhow::anyhow!(
                "no CONSOLE_LOG_KEY, and no development key in {} (CONSOLE_DATA_DIR): the key the log was written with is needed to check it",
                settings.data_dir.display()
            )
        })?,
    };
    action_log::ActionLog::from_base64_key(&key, witness)
        .map_err(|e| anyhow::anyhow!("CONSOLE_LOG_KEY: {e}"))
}

/// Checks the action log's keyed hash chain against the witness files (`witnesses`, or
/// else the data directory's `action-log-head` if there is one) and prints the verdict.
/// `Ok(true)`: intact; `Ok(false)`: tampered with (what happened is printed).
pub async fn verify_action_log(
    settings: &Settings,
    witnesses: &[std::path::PathBuf],
) -> anyhow::Result<bool> {
    let log = action_log_for(settings, false)?;
    let db = db::prepare(settings).await?;
    let verification = if witnesses.is_empty() {
        log.verify(&db).await?
    } else {
        log.verify_against(&db, witnesses).await?
    };
    match verification {
        action_log::Verification::Intact {
            rows,
            legacy_rows,
            witness,
        } => {
            println!("The console's action log is intact: {rows} rows.");
            if legacy_rows > 0 {
                println!(
                    "{legacy_rows} of them were written before the chain was keyed (plain SHA-256): only a witness record shows that those were not rewritten."
                );
            }
            match witness {
                Some(w) => {
                    let newest = w
                        .newest
                        .map(|(seq, at)| format!(", the newest for row {seq} at {at}"))
                        .unwrap_or_default();
                    println!(
                        "It agrees with the witness: {} records in {} file(s){newest}.",
                        w.records, w.files
                    );
                    if w.unreadable_lines > 0 {
                        println!(
                            "{} witness line(s) could not be read and were skipped.",
                            w.unreadable_lines
                        );
                    }
                }
                None => println!(
                    "No witness: no --witness file was given and {} does not exist, so deleting the newest rows or truncating the log cannot be detected.",
                    log.witness_path()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default()
                ),
            }
            if action_log::role_can_change_log(&db).await? {
                println!(
                    "Warning: the console's database role (DATABASE_URL) can change, delete or truncate the log's rows; set CONSOLE_DATABASE_OWNER_URL (README: Database roles)."
                );
            } else {
                println!(
                    "The console's database role (DATABASE_URL) can only read and add to the log."
                );
            }
            Ok(true)
        }
        action_log::Verification::Broken { problem, .. } => {
            println!("The console's action log was tampered with: {problem}.");
            Ok(false)
        }
    }
}

/// Starts the console on `listener` and returns once it is serving.
pub async fn start(
    settings: Settings,
    listener: tokio::net::TcpListener,
) -> anyhow::Result<RunningConsole> {
    let addr = listener.local_addr()?;
    let action_log = action_log_for(&settings, true)?;
    // Migrations and the session store's table are applied here (as the owner role, when
    // one is configured).
    let db = db::prepare(&settings).await?;
    let session_store = PostgresStore::new(db.clone());

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
        .output_name("console_app")
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
    if let Some(ingester) = &audit_ingester {
        audit::ingest::spawn_scheduler(ingester.clone(), settings.audit.interval);
    } else {
        tracing::warn!("no AIRTABLE_SERVICE_TOKEN: the audit log is not being copied");
    }
    if let Some(client) = &service_airtable {
        snapshots::spawn_scheduler(
            db.clone(),
            client.clone(),
            enterprise_id.clone(),
            settings.audit.snapshot_interval,
        );
    }

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
    };
    console_core::approvals::workflow::spawn_sweeper(console.clone());
    console_core::tokens::logins::spawn_token_sweeper(
        console.db.clone(),
        settings.session_idle_timeout,
    );
    bulk::report_interrupted(&console.db).await?;
    action_log::spawn_witness(console.action_log.clone(), console.db.clone());
    if let Some(smtp) = &settings.smtp {
        mail::spawn_sender(
            console.db.clone(),
            mail::Mailer::new(smtp.url.expose(), &smtp.from)?,
        );
    }
    let state = AppState {
        console,
        settings: Arc::new(settings),
        leptos,
    };
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

/// Where Airtable is and how people sign in, by mode.
struct ResolvedAirtable {
    sim: Option<airtable_sim::RunningSim>,
    sign_in: SignInMethod,
    api_url: String,
    enterprise_id: String,
    /// Base64 AES-256 key for tokens at rest.
    token_key: String,
    service_token: Option<String>,
}

async fn resolve_airtable(
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
            let sim = demo::start_sim(
                demo.sim_addr,
                demo.seed,
                demo::size_from_name(&demo.size)?,
                redirect_url.clone(),
            )
            .await?;
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

/// The whole HTTP surface. Layers run outside-in: trace → security headers → NUL check →
/// same-origin check → session-store failures as 503 → session → signed-in person →
/// sign-in gate → CSRF token → route.
pub fn router(state: AppState, session_store: PostgresStore) -> Router {
    let routes = generate_route_list(App);
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
        .nest_service("/pkg", routes::bundle_files(pkg_dir))
        .fallback(not_found)
        .layer(middleware::from_fn(error::server_fn_argument_errors))
        .layer(middleware::from_fn(
            security::csrf_token_for_server_functions,
        ))
        // Only on the addresses the console has (a route layer): an address with none gets
        // the not-found page, signed in or not, rather than a trip through sign-in to a 404.
        .route_layer(middleware::from_fn(auth::session::require_sign_in))
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
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
