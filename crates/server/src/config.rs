//! Typed configuration, read once at start-up from the environment (or the command line).
//! Every variable is documented in the README and in `.env.example`, and
//! `console-server --help` lists them with their defaults.
//!
//! Two steps: [`Environment`] is what clap reads, the raw value of each setting with its
//! variable, default and help text; [`Settings`] (`Settings::try_from(environment)`) is
//! what the program uses, every value parsed and the settings checked against each other
//! (demo, OAuth or service-account mode; keys required outside demo mode; …).

use std::{net::SocketAddr, path::PathBuf, str::FromStr, time::Duration};

use clap::{CommandFactory, FromArgMatches};
use console_app::api::Role;
use url::Url;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is not valid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("{0}")]
    Inconsistent(String),
}
/// Where Airtable is, and how the console signs people in to it.
#[derive(Clone, Debug)]
pub enum AirtableMode {
    /// No Airtable credentials configured: run the simulator in-process with a seeded
    /// enterprise and sign in against it.
    Demo(DemoSettings),
    /// A real (or externally run simulated) Airtable; people sign in with Airtable OAuth.
    Real(Box<AirtableSettings>),
    /// A real Airtable reached with one service-account token, for installations that
    /// cannot register an OAuth integration. People are identified by a sign-in proxy in
    /// front of the console, and every Airtable call uses the service token.
    ServiceAccount(Box<ServiceAccountSettings>),
}

#[derive(Clone, Debug)]
pub struct ServiceAccountSettings {
    pub api_url: Url,
    pub enterprise_id: String,
    /// Request header in which the sign-in proxy puts the person's email
    /// (`CONSOLE_TRUSTED_EMAIL_HEADER`, e.g. `X-Forwarded-Email`).
    pub trusted_email_header: String,
}

#[derive(Clone, Debug)]
pub struct DemoSettings {
    pub sim_addr: SocketAddr,
    pub seed: u64,
    pub size: String,
}

#[derive(Clone)]
pub struct AirtableSettings {
    pub api_url: Url,
    pub authorize_url: Url,
    pub token_url: Url,
    pub client_id: String,
    pub client_secret: String,
    pub enterprise_id: String,
}

impl std::fmt::Debug for AirtableSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AirtableSettings")
            .field("api_url", &self.api_url.as_str())
            .field("authorize_url", &self.authorize_url.as_str())
            .field("token_url", &self.token_url.as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("enterprise_id", &self.enterprise_id)
            .finish()
    }
}

#[derive(Clone, Debug)]
pub struct Settings {
    /// Address to listen on (`CONSOLE_ADDR`).
    pub addr: SocketAddr,
    /// The URL people use to reach the console (`CONSOLE_PUBLIC_URL`): OAuth redirect,
    /// Origin checks and the cookie's `Secure` flag derive from it.
    pub public_url: Url,
    pub database_url: String,
    /// A connection as the role that owns the console's tables
    /// (`CONSOLE_DATABASE_OWNER_URL`). When set, start-up creates the database and applies
    /// the migrations with it, and grants the `DATABASE_URL` role only what the console needs
    /// (no UPDATE, DELETE or TRUNCATE of the action log); `None`: the `DATABASE_URL` role does
    /// everything.
    pub database_owner_url: Option<Secret>,
    pub airtable: AirtableMode,
    /// Base64 of 32 bytes: the AES-256-GCM key for tokens at rest (`CONSOLE_TOKEN_KEY`).
    /// `None` only in demo mode, where a development key is kept in the data directory.
    pub token_key: Option<Secret>,
    /// Base64 of 32 bytes: the HMAC-SHA256 key of the action log's chain
    /// (`CONSOLE_LOG_KEY`), kept outside the database. `None` only in demo mode, where a
    /// development key is kept in the data directory.
    pub log_key: Option<Secret>,
    pub data_dir: PathBuf,
    /// Directory holding `pkg/` (the wasm bundle and its JS glue).
    pub site_root: PathBuf,
    /// Airtable user id or email of the first console admin (`CONSOLE_FIRST_ADMIN`).
    pub first_admin: Option<String>,
    /// Role given to enterprise admins who sign in without one (`CONSOLE_DEFAULT_ROLE`);
    /// `None` refuses them until an admin grants a role.
    pub default_role: Option<Role>,
    pub session_idle_timeout: Duration,
    pub session_absolute_timeout: Duration,
    /// Name shown on the overview (`CONSOLE_ENTERPRISE_NAME`); Airtable's API has none.
    pub enterprise_name: Option<String>,
    /// Token the background jobs use (`AIRTABLE_SERVICE_TOKEN`): a personal access token
    /// of a service account, or any token with the scopes the README lists. In demo mode
    /// the simulator's token is used.
    pub service_token: Option<Secret>,
    pub audit: AuditSettings,
    /// How long an approval request waits for a decision before it expires
    /// (`CONSOLE_APPROVAL_TTL_HOURS`).
    pub approval_ttl: Duration,
    /// How recent a sign-in must be to approve or reject (`CONSOLE_APPROVAL_REAUTH_MINUTES`).
    pub approval_reauth: Duration,
    /// Where the console's emails go (`CONSOLE_SMTP_URL`, `CONSOLE_MAIL_FROM`); `None`
    /// keeps them in the outbox, shown in the UI.
    pub smtp: Option<SmtpSettings>,
}

/// An SMTP server to deliver the outbox through.
#[derive(Clone, Debug)]
pub struct SmtpSettings {
    /// `smtp://user:password@host:587?tls=required` (STARTTLS), `smtps://…` (TLS from the
    /// start) or `smtp://host:25` (no TLS, for a relay on the same network).
    pub url: Secret,
    pub from: String,
}

/// The audit-log ingestion job.
#[derive(Clone, Debug)]
pub struct AuditSettings {
    /// Time between runs (`CONSOLE_AUDIT_SYNC_SECONDS`); `None` (0) runs only when asked
    /// from the UI.
    pub interval: Option<Duration>,
    /// How far back the first run reads (`CONSOLE_AUDIT_BACKFILL_DAYS`).
    pub backfill_days: u32,
    /// How far behind the newest event each run looks again for late events
    /// (`CONSOLE_AUDIT_LATE_MINUTES`).
    pub late_window_minutes: u32,
    /// Time between snapshots of the enterprise's state (`CONSOLE_SNAPSHOT_HOURS`); `None`
    /// (0) takes them only when asked from the UI.
    pub snapshot_interval: Option<Duration>,
}

/// The settings as clap reads them: each one's environment variable, command-line flag,
/// default and help text (what the README's configuration table says). Values stay text
/// here; [`Settings::try_from`] parses and checks them, naming the variable when one is
/// wrong. Secrets are [`Secret`]s, so neither `Debug` nor `--help` shows them.
#[derive(Clone, Debug, clap::Parser)]
#[command(
    name = "console-server",
    version,
    about = "The Airtable Enterprise admin console's server.",
    long_about = "The Airtable Enterprise admin console's server.\n\nEvery setting is an environment variable (shown in brackets); the same flag on the command line wins over it. With none set, the console runs a local demo against an in-process simulated Airtable.",
    next_line_help = true
)]
pub struct Environment {
    /// Address the server listens on.
    #[arg(
        long,
        env = "CONSOLE_ADDR",
        default_value = "127.0.0.1:3000",
        value_name = "HOST:PORT",
        help_heading = "Server"
    )]
    pub addr: String,

    /// The URL people use to reach the console. The OAuth redirect URI is
    /// <this>/auth/callback; state-changing requests must come from this origin; https turns
    /// on Secure cookies and the __Host- cookie prefix [default: http://<CONSOLE_ADDR>]
    #[arg(
        long,
        env = "CONSOLE_PUBLIC_URL",
        value_name = "URL",
        help_heading = "Server"
    )]
    pub public_url: Option<String>,

    /// Postgres for sessions, sign-ins, roles and the audit history. Created if missing.
    /// With CONSOLE_DATABASE_OWNER_URL, the role the console runs as.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/airtable_console",
        value_name = "URL",
        hide_env_values = true,
        help_heading = "Server"
    )]
    pub database_url: Secret,

    /// The same database as the role that owns the tables: start-up creates the database,
    /// migrates and grants the DATABASE_URL role what it needs with it, and nothing else
    /// uses it. Unset: the DATABASE_URL role does everything.
    #[arg(
        long,
        env = "CONSOLE_DATABASE_OWNER_URL",
        value_name = "URL",
        hide_env_values = true,
        help_heading = "Server"
    )]
    pub database_owner_url: Option<Secret>,

    /// Local files: the demo's development keys, and action-log-head, the action log's
    /// witness. Give each console process its own.
    #[arg(
        long,
        env = "CONSOLE_DATA_DIR",
        default_value = ".data",
        value_name = "DIR",
        help_heading = "Server"
    )]
    pub data_dir: PathBuf,

    /// Directory containing pkg/ (the wasm bundle).
    #[arg(
        long,
        env = "CONSOLE_SITE_ROOT",
        default_value = "target/site",
        value_name = "DIR",
        help_heading = "Server"
    )]
    pub site_root: PathBuf,

    /// A session ends after this long without a request.
    #[arg(
        long,
        env = "CONSOLE_SESSION_IDLE_MINUTES",
        default_value = "30",
        value_name = "MINUTES",
        help_heading = "Server"
    )]
    pub session_idle_minutes: String,

    /// A sign-in ends this long after it began, however active.
    #[arg(
        long,
        env = "CONSOLE_SESSION_MAX_HOURS",
        default_value = "12",
        value_name = "HOURS",
        help_heading = "Server"
    )]
    pub session_max_hours: String,

    /// Airtable user id or email of the person who becomes console admin at sign-in while
    /// the console has no admin at all (and only if their role was never removed). Demo
    /// mode: the first seeded admin.
    #[arg(
        long,
        env = "CONSOLE_FIRST_ADMIN",
        value_name = "ID_OR_EMAIL",
        help_heading = "People and roles"
    )]
    pub first_admin: Option<String>,

    /// Role (viewer or operator) given once to enterprise admins who sign in without one
    /// (never again after an admin removed it); none refuses them until a role is granted.
    /// approver and admin are refused: they are named by an admin, with a second admin's
    /// approval.
    #[arg(
        long,
        env = "CONSOLE_DEFAULT_ROLE",
        default_value = "none",
        value_name = "ROLE",
        help_heading = "People and roles"
    )]
    pub default_role: String,

    /// Name shown on the overview (Airtable's API has no enterprise name). Unset: the first
    /// email domain.
    #[arg(
        long,
        env = "CONSOLE_ENTERPRISE_NAME",
        value_name = "NAME",
        help_heading = "People and roles"
    )]
    pub enterprise_name: Option<String>,

    /// Base64 of 32 random bytes (openssl rand -base64 32): the AES-256-GCM key that
    /// encrypts Airtable tokens in Postgres. Required outside demo mode; demo mode generates
    /// one in CONSOLE_DATA_DIR/dev-token-key.
    #[arg(
        long,
        env = "CONSOLE_TOKEN_KEY",
        value_name = "BASE64",
        hide_env_values = true,
        help_heading = "Keys"
    )]
    pub token_key: Option<Secret>,

    /// Base64 of 32 random bytes (openssl rand -base64 32): the HMAC-SHA256 key of the
    /// action log's hash chain. Keep it outside the database (and its backups);
    /// verify-action-log needs the same key. Required outside demo mode; demo mode generates
    /// one in CONSOLE_DATA_DIR/dev-log-key.
    #[arg(
        long,
        env = "CONSOLE_LOG_KEY",
        value_name = "BASE64",
        hide_env_values = true,
        help_heading = "Keys"
    )]
    pub log_key: Option<Secret>,

    /// Client id of your Airtable OAuth integration. Setting it turns demo mode off.
    /// Unset: demo mode (or service-account mode, with AIRTABLE_SERVICE_TOKEN,
    /// AIRTABLE_ENTERPRISE_ID and CONSOLE_TRUSTED_EMAIL_HEADER).
    #[arg(
        long,
        env = "AIRTABLE_OAUTH_CLIENT_ID",
        value_name = "ID",
        help_heading = "Airtable"
    )]
    pub airtable_oauth_client_id: Option<String>,

    /// Its client secret (the console is a confidential client).
    #[arg(
        long,
        env = "AIRTABLE_OAUTH_CLIENT_SECRET",
        value_name = "SECRET",
        hide_env_values = true,
        help_heading = "Airtable"
    )]
    pub airtable_oauth_client_secret: Option<Secret>,

    /// The enterprise account (ent…) this console manages.
    #[arg(
        long,
        env = "AIRTABLE_ENTERPRISE_ID",
        value_name = "ID",
        help_heading = "Airtable"
    )]
    pub airtable_enterprise_id: Option<String>,

    /// Airtable's API (or a simulator).
    #[arg(
        long,
        env = "AIRTABLE_API_URL",
        default_value = "https://api.airtable.com",
        value_name = "URL",
        help_heading = "Airtable"
    )]
    pub airtable_api_url: String,

    /// Airtable's authorization endpoint.
    #[arg(
        long,
        env = "AIRTABLE_OAUTH_AUTHORIZE_URL",
        default_value = "https://airtable.com/oauth2/v1/authorize",
        value_name = "URL",
        help_heading = "Airtable"
    )]
    pub airtable_oauth_authorize_url: String,

    /// Airtable's token endpoint.
    #[arg(
        long,
        env = "AIRTABLE_OAUTH_TOKEN_URL",
        default_value = "https://airtable.com/oauth2/v1/token",
        value_name = "URL",
        help_heading = "Airtable"
    )]
    pub airtable_oauth_token_url: String,

    /// A personal access token of a service account (an enterprise admin). The background
    /// jobs (audit-log copy) use it; in service-account mode every Airtable call does.
    /// Without it outside demo mode the audit log is not copied. Demo mode: the simulator's
    /// token.
    #[arg(
        long,
        env = "AIRTABLE_SERVICE_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true,
        help_heading = "Airtable"
    )]
    pub airtable_service_token: Option<Secret>,

    /// Service-account mode only: the request header in which your sign-in proxy puts the
    /// person's email (e.g. X-Forwarded-Email). Required in that mode.
    #[arg(
        long,
        env = "CONSOLE_TRUSTED_EMAIL_HEADER",
        value_name = "HEADER",
        help_heading = "Airtable"
    )]
    pub trusted_email_header: Option<String>,

    /// Time between audit-log sync runs; 0 runs only when someone presses "Sync now".
    #[arg(
        long,
        env = "CONSOLE_AUDIT_SYNC_SECONDS",
        default_value = "60",
        value_name = "SECONDS",
        help_heading = "Audit log and snapshots"
    )]
    pub audit_sync_seconds: String,

    /// How far back the first sync reads (Airtable keeps 180 days).
    #[arg(
        long,
        env = "CONSOLE_AUDIT_BACKFILL_DAYS",
        default_value = "180",
        value_name = "DAYS",
        help_heading = "Audit log and snapshots"
    )]
    pub audit_backfill_days: String,

    /// Each run re-reads this many minutes before the newest stored event, to catch events
    /// Airtable publishes late; duplicates are impossible (event ids are unique).
    #[arg(
        long,
        env = "CONSOLE_AUDIT_LATE_MINUTES",
        default_value = "15",
        value_name = "MINUTES",
        help_heading = "Audit log and snapshots"
    )]
    pub audit_late_minutes: String,

    /// Time between snapshots of the enterprise's state (users, admins, group members,
    /// workspace access); 0 takes them only when someone asks. Needs the service token.
    #[arg(
        long,
        env = "CONSOLE_SNAPSHOT_HOURS",
        default_value = "24",
        value_name = "HOURS",
        help_heading = "Audit log and snapshots"
    )]
    pub snapshot_hours: String,

    /// How long a request for a risky action waits for a second person's approval before it
    /// expires; a failed one can be retried only within the same time.
    #[arg(
        long,
        env = "CONSOLE_APPROVAL_TTL_HOURS",
        default_value = "24",
        value_name = "HOURS",
        help_heading = "Approvals and email"
    )]
    pub approval_ttl_hours: String,

    /// Approving or rejecting needs a sign-in (a full round trip through Airtable) no older
    /// than this; otherwise the request's page sends the person through sign-in and back.
    #[arg(
        long,
        env = "CONSOLE_APPROVAL_REAUTH_MINUTES",
        default_value = "10",
        value_name = "MINUTES",
        help_heading = "Approvals and email"
    )]
    pub approval_reauth_minutes: String,

    /// SMTP server for the console's emails (approval notices):
    /// smtp://user:password@host:587?tls=required (STARTTLS), smtps://… (TLS), or
    /// smtp://host:25 (a local relay, no TLS). Unset: emails stay in the outbox, shown under
    /// Approvals → Notices.
    #[arg(
        long,
        env = "CONSOLE_SMTP_URL",
        value_name = "URL",
        hide_env_values = true,
        help_heading = "Approvals and email"
    )]
    pub smtp_url: Option<Secret>,

    /// Sender of those emails, e.g. "Airtable Console <console@example.com>"; required with
    /// CONSOLE_SMTP_URL.
    #[arg(
        long,
        env = "CONSOLE_MAIL_FROM",
        value_name = "MAILBOX",
        help_heading = "Approvals and email"
    )]
    pub mail_from: Option<String>,

    /// Demo mode: where the in-process simulator listens (port 0: any free port).
    #[arg(
        long,
        env = "CONSOLE_DEMO_SIM_ADDR",
        default_value = "127.0.0.1:0",
        value_name = "HOST:PORT",
        help_heading = "Demo mode"
    )]
    pub demo_sim_addr: String,

    /// Demo mode: the simulator's seed (same seed, same enterprise).
    #[arg(
        long,
        env = "CONSOLE_DEMO_SEED",
        default_value = "42",
        value_name = "SEED",
        help_heading = "Demo mode"
    )]
    pub demo_seed: String,

    /// Demo mode: tiny, demo (~250 users) or large (50,000 users, 5M audit events).
    #[arg(
        long,
        env = "CONSOLE_DEMO_SIZE",
        default_value = "demo",
        value_name = "SIZE",
        help_heading = "Demo mode"
    )]
    pub demo_size: String,
}

impl Environment {
    /// Reads the environment only, never the process's arguments (a test binary's own
    /// flags are not the console's). A variable that is set but blank (`CONSOLE_FIRST_ADMIN=`
    /// in a compose file) or not UTF-8 counts as unset.
    pub fn from_env() -> Result<Self, ConfigError> {
        let matches = unset_blank_variables(Self::command())
            .try_get_matches_from(["console-server"])
            .map_err(from_clap)?;
        Self::from_arg_matches(&matches).map_err(from_clap)
    }

    /// Reads the variables through `lookup` instead of the environment (nothing else is
    /// read), so tests can pass a map.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let command = Self::command();
        let mut args = vec!["console-server".to_string()];
        for arg in command.get_arguments() {
            let (Some(name), Some(long)) = (arg.get_env().and_then(|n| n.to_str()), arg.get_long())
            else {
                continue;
            };
            if let Some(value) = lookup(name) {
                args.push(format!("--{long}"));
                args.push(value);
            }
        }
        let matches = command
            .mut_args(|arg| arg.env(None).allow_hyphen_values(true))
            .try_get_matches_from(args)
            .map_err(from_clap)?;
        Self::from_arg_matches(&matches).map_err(from_clap)
    }
}

/// `command` with every argument whose variable is set but blank, or not UTF-8, reading as
/// if the variable were unset (its default applies), as the console always has. Used for
/// [`Environment`] and for any command it is flattened into.
pub fn unset_blank_variables(command: clap::Command) -> clap::Command {
    command.mut_args(|arg| {
        let unusable = arg.get_env().is_some_and(|name| match std::env::var(name) {
            Ok(value) => value.trim().is_empty(),
            Err(std::env::VarError::NotPresent) => false,
            Err(std::env::VarError::NotUnicode(_)) => true,
        });
        if unusable {
            arg.env(None)
        } else {
            arg
        }
    })
}

/// A clap error in words: its first line, without clap's `error: ` and usage.
fn from_clap(error: clap::Error) -> ConfigError {
    let rendered = error.render().to_string();
    let first = rendered.lines().next().unwrap_or_default();
    let words = first.strip_prefix("error: ").unwrap_or(first).trim();
    ConfigError::Inconsistent(format!("the settings could not be read: {words}"))
}

impl Settings {
    /// Reads the settings from the environment (and nothing else): see
    /// [`Environment::from_env`].
    pub fn from_env() -> Result<Self, ConfigError> {
        Settings::try_from(Environment::from_env()?)
    }

    /// Reads settings through `lookup`, so tests can pass a map instead of the environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Settings::try_from(Environment::from_lookup(lookup)?)
    }

    /// Whether cookies must carry `Secure` (everything but plain-HTTP local demos).
    pub fn secure_cookies(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// `scheme://host[:port]`, as browsers send it in the `Origin` header.
    pub fn public_origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }

    pub fn is_demo(&self) -> bool {
        matches!(self.airtable, AirtableMode::Demo(_))
    }
}

impl TryFrom<Environment> for Settings {
    type Error = ConfigError;

    /// Parses each value (naming its variable when it is wrong) and checks the settings
    /// against each other.
    fn try_from(env: Environment) -> Result<Self, ConfigError> {
        let addr = parse_as::<SocketAddr>("CONSOLE_ADDR", &env.addr)?;
        let public_url = parse_url(
            "CONSOLE_PUBLIC_URL",
            &env.public_url.unwrap_or_else(|| format!("http://{addr}")),
        )?;
        let database_url = env.database_url.0;

        let service_token = env.airtable_service_token;
        let enterprise_id = env.airtable_enterprise_id;
        let airtable = match env.airtable_oauth_client_id {
            None if service_token.is_some() && enterprise_id.is_some() => {
                let header = env.trusted_email_header.ok_or_else(|| {
                    ConfigError::Inconsistent(
                        "AIRTABLE_SERVICE_TOKEN and AIRTABLE_ENTERPRISE_ID without OAuth need a sign-in proxy: set CONSOLE_TRUSTED_EMAIL_HEADER to the header it puts the person's email in (or set AIRTABLE_OAUTH_CLIENT_ID to sign in with Airtable)".into(),
                    )
                })?;
                axum::http::HeaderName::from_bytes(header.as_bytes()).map_err(|_| {
                    ConfigError::Invalid {
                        name: "CONSOLE_TRUSTED_EMAIL_HEADER",
                        reason: format!("{header:?} is not an HTTP header name"),
                    }
                })?;
                AirtableMode::ServiceAccount(Box::new(ServiceAccountSettings {
                    api_url: parse_url("AIRTABLE_API_URL", &env.airtable_api_url)?,
                    enterprise_id: enterprise_id.unwrap_or_default(),
                    trusted_email_header: header,
                }))
            }
            None => AirtableMode::Demo(DemoSettings {
                sim_addr: parse_as("CONSOLE_DEMO_SIM_ADDR", &env.demo_sim_addr)?,
                seed: parse_as("CONSOLE_DEMO_SEED", &env.demo_seed)?,
                size: env.demo_size,
            }),
            Some(client_id) => {
                let required = |name: &'static str, value: Option<String>| {
                    value.ok_or_else(|| {
                        ConfigError::Inconsistent(format!(
                            "AIRTABLE_OAUTH_CLIENT_ID is set, so {name} must be set too"
                        ))
                    })
                };
                AirtableMode::Real(Box::new(AirtableSettings {
                    api_url: parse_url("AIRTABLE_API_URL", &env.airtable_api_url)?,
                    authorize_url: parse_url(
                        "AIRTABLE_OAUTH_AUTHORIZE_URL",
                        &env.airtable_oauth_authorize_url,
                    )?,
                    token_url: parse_url(
                        "AIRTABLE_OAUTH_TOKEN_URL",
                        &env.airtable_oauth_token_url,
                    )?,
                    client_id,
                    client_secret: required(
                        "AIRTABLE_OAUTH_CLIENT_SECRET",
                        env.airtable_oauth_client_secret.map(|s| s.0),
                    )?,
                    enterprise_id: required("AIRTABLE_ENTERPRISE_ID", enterprise_id)?,
                }))
            }
        };

        let token_key = env.token_key;
        if token_key.is_none() && matches!(airtable, AirtableMode::Real(_)) {
            return Err(ConfigError::Inconsistent(
                "CONSOLE_TOKEN_KEY must be set outside demo mode (base64 of 32 random bytes, e.g. `openssl rand -base64 32`)".into(),
            ));
        }

        let log_key = env.log_key;
        match &log_key {
            Some(key) => {
                crate::action_log::decode_key(key.expose()).map_err(|e| ConfigError::Invalid {
                    name: "CONSOLE_LOG_KEY",
                    reason: format!("{e} (e.g. `openssl rand -base64 32`)"),
                })?;
            }
            None if !matches!(airtable, AirtableMode::Demo(_)) => {
                return Err(ConfigError::Inconsistent(
                    "CONSOLE_LOG_KEY must be set outside demo mode: the key of the action log's hash chain (base64 of 32 random bytes, e.g. `openssl rand -base64 32`), kept outside the database".into(),
                ));
            }
            None => {}
        }

        let default_role = match env.default_role.as_str() {
            "none" => None,
            other => {
                let role = Role::from_str(other).map_err(|reason| ConfigError::Invalid {
                    name: "CONSOLE_DEFAULT_ROLE",
                    reason,
                })?;
                // Configuration must not hand out what the two-person rule guards.
                if role.allows(Role::Approver) {
                    return Err(ConfigError::Invalid {
                        name: "CONSOLE_DEFAULT_ROLE",
                        reason: format!("{role} cannot be a default: approvers and admins are named by an admin, with a second admin's approval. Use none, viewer or operator"),
                    });
                }
                Some(role)
            }
        };

        Ok(Settings {
            addr,
            public_url,
            database_url,
            database_owner_url: env.database_owner_url,
            airtable,
            token_key,
            log_key,
            data_dir: env.data_dir,
            site_root: env.site_root,
            first_admin: env.first_admin,
            default_role,
            session_idle_timeout: Duration::from_secs(
                60 * parse_as::<u64>("CONSOLE_SESSION_IDLE_MINUTES", &env.session_idle_minutes)?,
            ),
            session_absolute_timeout: Duration::from_secs(
                3600 * parse_as::<u64>("CONSOLE_SESSION_MAX_HOURS", &env.session_max_hours)?,
            ),
            enterprise_name: env.enterprise_name,
            service_token,
            smtp: match env.smtp_url {
                None => None,
                Some(url) => {
                    let from = env.mail_from.ok_or_else(|| {
                        ConfigError::Inconsistent(
                            "CONSOLE_SMTP_URL needs CONSOLE_MAIL_FROM: the address the console's emails come from".into(),
                        )
                    })?;
                    if from.parse::<lettre::message::Mailbox>().is_err() {
                        return Err(ConfigError::Invalid {
                            name: "CONSOLE_MAIL_FROM",
                            reason: "must be an email address, optionally with a name: Console <console@example.com>".into(),
                        });
                    }
                    Some(SmtpSettings { url, from })
                }
            },
            approval_ttl: match parse_as::<u64>(
                "CONSOLE_APPROVAL_TTL_HOURS",
                &env.approval_ttl_hours,
            )? {
                0 => {
                    return Err(ConfigError::Invalid {
                        name: "CONSOLE_APPROVAL_TTL_HOURS",
                        reason: "must be at least 1 (hours)".into(),
                    })
                }
                hours => Duration::from_secs(hours * 3600),
            },
            approval_reauth: match parse_as::<u64>(
                "CONSOLE_APPROVAL_REAUTH_MINUTES",
                &env.approval_reauth_minutes,
            )? {
                0 => {
                    return Err(ConfigError::Invalid {
                        name: "CONSOLE_APPROVAL_REAUTH_MINUTES",
                        reason: "must be at least 1 (minutes)".into(),
                    })
                }
                minutes => Duration::from_secs(minutes * 60),
            },
            audit: AuditSettings {
                interval: match parse_as::<u64>(
                    "CONSOLE_AUDIT_SYNC_SECONDS",
                    &env.audit_sync_seconds,
                )? {
                    0 => None,
                    secs => Some(Duration::from_secs(secs)),
                },
                backfill_days: parse_as("CONSOLE_AUDIT_BACKFILL_DAYS", &env.audit_backfill_days)?,
                late_window_minutes: parse_as(
                    "CONSOLE_AUDIT_LATE_MINUTES",
                    &env.audit_late_minutes,
                )?,
                snapshot_interval: match parse_as::<u64>(
                    "CONSOLE_SNAPSHOT_HOURS",
                    &env.snapshot_hours,
                )? {
                    0 => None,
                    hours => Some(Duration::from_secs(hours * 3600)),
                },
            },
        })
    }
}

/// A configuration value that must never appear in logs or `Debug` output.
#[derive(Clone)]
pub struct Secret(pub String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

fn parse_as<T: FromStr>(name: &'static str, value: &str) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    value
        .trim()
        .parse()
        .map_err(|e: T::Err| ConfigError::Invalid {
            name,
            reason: format!("{value:?}: {e}"),
        })
}

fn parse_url(name: &'static str, value: &str) -> Result<Url, ConfigError> {
    parse_as::<Url>(name, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_give_a_local_demo() {
        let s = settings(&[]).expect("defaults are valid");
        assert!(s.is_demo());
        assert_eq!(s.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(s.public_origin(), "http://127.0.0.1:3000");
        assert!(!s.secure_cookies());
        assert_eq!(s.default_role, None);
    }

    #[test]
    fn oauth_mode_needs_secret_enterprise_and_key() {
        let err = settings(&[("AIRTABLE_OAUTH_CLIENT_ID", "abc")]).unwrap_err();
        assert!(
            err.to_string().contains("AIRTABLE_OAUTH_CLIENT_SECRET"),
            "{err}"
        );
        let err = settings(&[
            ("AIRTABLE_OAUTH_CLIENT_ID", "abc"),
            ("AIRTABLE_OAUTH_CLIENT_SECRET", "s"),
            ("AIRTABLE_ENTERPRISE_ID", "entAAAAAAAAAAAAAA"),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("CONSOLE_TOKEN_KEY"), "{err}");
    }

    #[test]
    fn the_action_log_key_is_required_outside_demo_mode_and_checked() {
        let key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // 32 bytes
        let oauth = [
            ("AIRTABLE_OAUTH_CLIENT_ID", "abc"),
            ("AIRTABLE_OAUTH_CLIENT_SECRET", "s"),
            ("AIRTABLE_ENTERPRISE_ID", "entAAAAAAAAAAAAAA"),
            ("CONSOLE_TOKEN_KEY", key),
        ];
        let err = settings(&oauth).unwrap_err();
        assert!(err.to_string().contains("CONSOLE_LOG_KEY"), "{err}");
        let proxy = [
            ("AIRTABLE_SERVICE_TOKEN", "patSomething"),
            ("AIRTABLE_ENTERPRISE_ID", "entAAAAAAAAAAAAAA"),
            ("CONSOLE_TRUSTED_EMAIL_HEADER", "X-Forwarded-Email"),
        ];
        let err = settings(&proxy).unwrap_err();
        assert!(err.to_string().contains("CONSOLE_LOG_KEY"), "{err}");
        let with_key = [&oauth[..], &[("CONSOLE_LOG_KEY", key)]].concat();
        let s = settings(&with_key).expect("valid with the key");
        assert!(s.log_key.is_some());
        let err = settings(&[("CONSOLE_LOG_KEY", "c2hvcnQ=")]).unwrap_err();
        assert!(err.to_string().contains("CONSOLE_LOG_KEY"), "{err}");
        assert!(
            !format!("{s:?}").contains(key),
            "the key is not in Debug output"
        );
    }

    #[test]
    fn bad_values_are_named_in_the_error() {
        let err = settings(&[("CONSOLE_ADDR", "not an address")]).unwrap_err();
        assert!(err.to_string().contains("CONSOLE_ADDR"), "{err}");
        let err = settings(&[("CONSOLE_DEFAULT_ROLE", "superuser")]).unwrap_err();
        assert!(err.to_string().contains("CONSOLE_DEFAULT_ROLE"), "{err}");
    }

    #[test]
    fn secret_is_not_in_debug_output() {
        let s = AirtableSettings {
            api_url: Url::parse("https://api.airtable.com").unwrap(),
            authorize_url: Url::parse("https://airtable.com/a").unwrap(),
            token_url: Url::parse("https://airtable.com/t").unwrap(),
            client_id: "id".into(),
            client_secret: "very-secret".into(),
            enterprise_id: "ent".into(),
        };
        assert!(!format!("{s:?}").contains("very-secret"));
    }

    #[test]
    fn values_are_read_as_before() {
        // Numbers are trimmed, values starting with a dash or empty are passed through as
        // given, and the errors read as they always have.
        let s = settings(&[
            ("CONSOLE_SESSION_IDLE_MINUTES", " 5 "),
            ("CONSOLE_FIRST_ADMIN", "-odd@example.com"),
            ("CONSOLE_ENTERPRISE_NAME", ""),
            ("CONSOLE_PUBLIC_URL", "https://console.example.com"),
        ])
        .expect("valid");
        assert_eq!(s.session_idle_timeout, Duration::from_secs(300));
        assert_eq!(s.first_admin.as_deref(), Some("-odd@example.com"));
        assert_eq!(s.enterprise_name.as_deref(), Some(""));
        assert!(s.secure_cookies());
        let err = settings(&[("CONSOLE_AUDIT_BACKFILL_DAYS", "-1")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "CONSOLE_AUDIT_BACKFILL_DAYS is not valid: \"-1\": invalid digit found in string"
        );
        let err = settings(&[("CONSOLE_DEFAULT_ROLE", "admin")]).unwrap_err();
        assert!(
            err.to_string().contains("Use none, viewer or operator"),
            "{err}"
        );
        let s = settings(&[("CONSOLE_DEFAULT_ROLE", "operator")]).expect("valid");
        assert_eq!(s.default_role, Some(Role::Operator));
        let err = settings(&[("CONSOLE_SMTP_URL", "smtp://localhost:25")]).unwrap_err();
        assert!(err.to_string().contains("CONSOLE_MAIL_FROM"), "{err}");
    }

    /// The rows of the README's configuration table: (variable, default column).
    fn readme_settings() -> Vec<(String, String)> {
        let readme = include_str!("../../../README.md");
        let section = readme
            .split("\n## Configuration\n")
            .nth(1)
            .expect("the README has a Configuration section");
        let section = section.split("\n#").next().unwrap_or(section);
        section
            .lines()
            .filter_map(|line| {
                let mut cells = line.strip_prefix("| `")?.splitn(2, "` |");
                let name = cells.next()?.to_string();
                let default = cells.next()?.split(" | ").next()?.trim().to_string();
                Some((name, default))
            })
            // Read by the server (not RUST_LOG, read by telemetry, nor the test suite's).
            .filter(|(name, _)| {
                name.starts_with("CONSOLE")
                    || name.starts_with("AIRTABLE")
                    || name == "DATABASE_URL"
            })
            .collect()
    }

    #[test]
    fn help_lists_every_setting_the_readme_documents_with_its_default() {
        let documented = readme_settings();
        assert!(documented.len() > 30, "the table was read: {documented:?}");
        let mut command = Environment::command();
        let help = command.render_long_help().to_string();
        for (name, default) in &documented {
            assert!(
                help.contains(&format!("[env: {name}]"))
                    || help.contains(&format!("[env: {name}=")),
                "{name} is documented in the README but not in --help:\n{help}"
            );
            // Where the README gives a plain value as the default, --help gives the same
            // (clap's default, or in the help text when it is computed).
            let plain = default
                .strip_prefix('`')
                .and_then(|d| d.strip_suffix('`'))
                .filter(|d| !d.contains('`'));
            if let Some(plain) = plain {
                let arg = command
                    .get_arguments()
                    .find(|a| a.get_env().is_some_and(|e| e == name.as_str()))
                    .expect("an argument for each documented setting");
                if arg.get_default_values().is_empty() {
                    assert!(
                        help.contains(&format!("[default: {plain}]")),
                        "{name}: --help does not give the README's default {plain}"
                    );
                } else {
                    assert_eq!(
                        arg.get_default_values(),
                        [plain],
                        "{name}: the README's default and --help's differ"
                    );
                }
            }
        }
        // And nothing is read that the README does not document.
        for arg in command.get_arguments() {
            if let Some(env) = arg.get_env() {
                assert!(
                    documented.iter().any(|(name, _)| env == name.as_str()),
                    "{env:?} is read but not in the README's table"
                );
            }
        }
    }

    #[test]
    fn secrets_are_neither_in_help_nor_in_debug_output() {
        let command = Environment::command();
        let hidden: Vec<_> = command
            .get_arguments()
            .filter(|a| a.is_hide_env_values_set())
            .filter_map(|a| a.get_env()?.to_str())
            .collect();
        for secret in [
            "DATABASE_URL",
            "CONSOLE_DATABASE_OWNER_URL",
            "CONSOLE_TOKEN_KEY",
            "CONSOLE_LOG_KEY",
            "AIRTABLE_OAUTH_CLIENT_SECRET",
            "AIRTABLE_SERVICE_TOKEN",
            "CONSOLE_SMTP_URL",
        ] {
            assert!(hidden.contains(&secret), "{secret}'s value shows in --help");
        }
        let environment = Environment::from_lookup(|name| {
            Some(format!("secret-{name}")).filter(|_| {
                [
                    "CONSOLE_TOKEN_KEY",
                    "AIRTABLE_OAUTH_CLIENT_SECRET",
                    "AIRTABLE_SERVICE_TOKEN",
                    "CONSOLE_SMTP_URL",
                ]
                .contains(&name)
            })
        })
        .expect("read");
        assert!(
            !format!("{environment:?}").contains("secret-"),
            "{environment:?}"
        );
    }
}
