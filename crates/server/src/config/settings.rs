//! The typed settings the program uses, every value parsed and checked (see `resolve.rs`
//! for how they are read), and [`Secret`], the wrapper that keeps values out of logs.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use console_app::api::Role;
use url::Url;

/// Where Airtable is, and how the console signs people in to it.
/// Where `/metrics` is served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricsAt {
    /// Not at all.
    Off,
    /// On the console's own address.
    Here,
    /// On an address of its own (the console's address then has no `/metrics`).
    Apart(SocketAddr),
}

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
    /// Whether the simulator enforces Airtable's rate limits (`CONSOLE_DEMO_RATE_LIMITS`).
    pub rate_limits: bool,
    /// How late the simulator publishes audit events (`CONSOLE_DEMO_AUDIT_DELAY_SECONDS`);
    /// one in ten is as late again.
    pub audit_delay: Duration,
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
    /// How long pages share a live read of the enterprise (`CONSOLE_LIVE_READ_SECONDS`);
    /// zero reads on every view.
    pub live_read_ttl: Duration,
    /// How long a hold on background work lasts unrenewed (`CONSOLE_LEASE_SECONDS`).
    pub lease_period: Duration,
    /// Where Prometheus metrics are served (`CONSOLE_METRICS`).
    pub metrics: MetricsAt,
    /// How long an approval request waits for a decision before it expires
    /// (`CONSOLE_APPROVAL_TTL_HOURS`).
    pub approval_ttl: Duration,
    /// How recent a sign-in must be to approve or reject (`CONSOLE_APPROVAL_REAUTH_MINUTES`).
    pub approval_reauth: Duration,
    /// Where the console's emails go (`CONSOLE_SMTP_URL`, `CONSOLE_MAIL_FROM`); `None`
    /// keeps them in the outbox, shown in the UI.
    pub smtp: Option<SmtpSettings>,
    /// How the process stops (`CONSOLE_SHUTDOWN_SECONDS`, `CONSOLE_SHUTDOWN_DRAIN_SECONDS`).
    pub shutdown: ShutdownSettings,
    /// Where the audit copy is streamed (`CONSOLE_SIEM_*`); no sinks: nowhere.
    pub siem: console_core::siem::SiemSettings,
}

/// How a stop (SIGTERM, Ctrl-C) goes: readiness 503 at once, the drain, then the listener
/// closes and what still runs gets the rest of the budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShutdownSettings {
    /// From the signal to the exit, at most (`CONSOLE_SHUTDOWN_SECONDS`).
    pub budget: Duration,
    /// From the signal to closing the listener, after SIGTERM (`CONSOLE_SHUTDOWN_DRAIN_SECONDS`):
    /// the time a load balancer has to see `/readyz` fail and stop sending requests here.
    /// Always less than `budget`.
    pub drain: Duration,
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

impl Settings {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
