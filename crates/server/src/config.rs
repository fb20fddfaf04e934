//! Typed configuration, read once at start-up from the environment (or the command line).
//! Every variable is documented in the README and in `.env.example`, and
//! `console-server --help` lists them with their defaults.
//!
//! Two steps: [`Environment`] is what clap reads, the raw value of each setting with its
//! variable, default and help text; [`Settings`] (`Settings::try_from(environment)`) is
//! what the program uses, every value parsed and the settings checked against each other
//! (demo, OAuth or service-account mode; keys required outside demo mode; …).
//!
//! One file per job: this one is the command line, clap's definition of every variable
//! ([`Environment`]) and how it is read (the documentation test reads the variables' names
//! here); `config/settings.rs` holds the typed settings, and `config/resolve.rs` turns the
//! one into the other.

mod resolve;
mod settings;

use std::path::PathBuf;

use clap::{CommandFactory, FromArgMatches};

pub use self::settings::{
    AirtableMode, AirtableSettings, AuditSettings, DemoSettings, MetricsAt, Secret,
    ServiceAccountSettings, Settings, ShutdownSettings, SmtpSettings,
};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is not valid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("{0}")]
    Inconsistent(String),
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

    /// Prometheus metrics: on serves them at /metrics on the console's own address (no
    /// sign-in; numbers only, no names or IDs), off serves none, and an address (HOST:PORT)
    /// serves them there instead, e.g. on an internal interface only.
    #[arg(
        long,
        env = "CONSOLE_METRICS",
        default_value = "on",
        value_name = "on|off|HOST:PORT",
        help_heading = "Server"
    )]
    pub metrics: String,

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

    /// How long a stop (SIGTERM, Ctrl-C) may take in all: readiness turns 503 at once, the
    /// listener closes after CONSOLE_SHUTDOWN_DRAIN_SECONDS, requests still running and
    /// background tasks get the rest of this time to finish; then the process exits anyway.
    #[arg(
        long,
        env = "CONSOLE_SHUTDOWN_SECONDS",
        default_value = "20",
        value_name = "SECONDS",
        help_heading = "Server"
    )]
    pub shutdown_seconds: String,

    /// After SIGTERM, how long the console keeps accepting requests while /readyz answers
    /// 503, so that a load balancer's health check takes it out of rotation before the
    /// listener closes. Less than CONSOLE_SHUTDOWN_SECONDS; Ctrl-C skips it.
    #[arg(
        long,
        env = "CONSOLE_SHUTDOWN_DRAIN_SECONDS",
        default_value = "5",
        value_name = "SECONDS",
        help_heading = "Server"
    )]
    pub shutdown_drain_seconds: String,

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

    /// How long pages share a live read from Airtable (the overview's domains and counts;
    /// one user, workspace, base or group on its page), so page views do not spend the
    /// rate budget that bulk jobs, approvals and the audit copy need; the page shows its
    /// time and offers a refresh, and changes made through the console are read again at
    /// once. 0 reads on every view.
    #[arg(
        long,
        env = "CONSOLE_LIVE_READ_SECONDS",
        default_value = "60",
        value_name = "SECONDS",
        help_heading = "Airtable"
    )]
    pub live_read_seconds: String,

    /// How long a console process's hold on a piece of background work (the audit sync,
    /// snapshots, the approval sweeper, the mail sender, one bulk job) lasts unless it
    /// renews it: when a process dies, another takes its work over within this time. At
    /// least 3; renewed every third of it while the work runs.
    #[arg(
        long,
        env = "CONSOLE_LEASE_SECONDS",
        default_value = "30",
        value_name = "SECONDS",
        help_heading = "Server"
    )]
    pub lease_seconds: String,

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

    // SIEM sinks (issue 21): every event of the audit copy, in order, to each sink set here.
    /// An HTTP endpoint to send the audit copy to, a batch per POST: Splunk's HTTP Event
    /// Collector (https://splunk:8088/services/collector/event) or any receiver of NDJSON.
    /// Unset: none.
    #[arg(
        long,
        env = "CONSOLE_SIEM_HTTP_URL",
        value_name = "URL",
        help_heading = "SIEM sinks"
    )]
    pub siem_http_url: Option<String>,

    /// The HTTP sink's format: splunk-hec (HEC event objects, Authorization: Splunk <token>)
    /// or ndjson (one JSON event per line, Authorization: Bearer <token> if a token is set).
    #[arg(
        long,
        env = "CONSOLE_SIEM_HTTP_FORMAT",
        default_value = "splunk-hec",
        value_name = "splunk-hec|ndjson",
        help_heading = "SIEM sinks"
    )]
    pub siem_http_format: String,

    /// The HTTP sink's token (required for splunk-hec: the HEC token).
    #[arg(
        long,
        env = "CONSOLE_SIEM_HTTP_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true,
        help_heading = "SIEM sinks"
    )]
    pub siem_http_token: Option<Secret>,

    /// A syslog receiver over TCP (RFC 5424 messages, octet-counting framing) to send the
    /// audit copy to. Unset: none.
    #[arg(
        long,
        env = "CONSOLE_SIEM_SYSLOG_ADDR",
        value_name = "HOST:PORT",
        help_heading = "SIEM sinks"
    )]
    pub siem_syslog_addr: Option<String>,

    /// Events per batch sent to a sink (1 to 10000).
    #[arg(
        long,
        env = "CONSOLE_SIEM_BATCH",
        default_value = "500",
        value_name = "EVENTS",
        help_heading = "SIEM sinks"
    )]
    pub siem_batch: String,

    /// Where a sink configured for the first time starts: now (events copied from now on)
    /// or beginning (the whole copy first, oldest first).
    #[arg(
        long,
        env = "CONSOLE_SIEM_START",
        default_value = "now",
        value_name = "now|beginning",
        help_heading = "SIEM sinks"
    )]
    pub siem_start: String,

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

    /// Demo mode: the simulator enforces Airtable's rate limits (50 requests a second per
    /// token, 5 per base, then 429s for 30 seconds), so the console meets them as it would
    /// in production; off serves every request, for load runs that measure something else.
    #[arg(
        long,
        env = "CONSOLE_DEMO_RATE_LIMITS",
        default_value = "on",
        value_name = "on|off",
        help_heading = "Demo mode"
    )]
    pub demo_rate_limits: String,

    /// Demo mode: the simulator publishes an audit event this many seconds after it
    /// happens, as Airtable does ("a few minutes"), and one event in ten as late again, so
    /// the audit copy's re-read of late events does its work; 0 publishes at once. Must be
    /// at most half of CONSOLE_AUDIT_LATE_MINUTES.
    #[arg(
        long,
        env = "CONSOLE_DEMO_AUDIT_DELAY_SECONDS",
        default_value = "120",
        value_name = "SECONDS",
        help_heading = "Demo mode"
    )]
    pub demo_audit_delay_seconds: String,
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

#[cfg(test)]
mod tests {
    use super::*;

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
