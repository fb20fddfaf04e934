//! Typed configuration, read once from the environment at start-up.
//! Every variable is documented in the README and in `.env.example`.

use std::{net::SocketAddr, path::PathBuf, str::FromStr, time::Duration};

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

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Reads settings through `lookup`, so tests can pass a map instead of the environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &'static str| lookup(name);
        let parse = |name: &'static str, default: &str| -> Result<String, ConfigError> {
            Ok(get(name).unwrap_or_else(|| default.to_string()))
        };

        let addr =
            parse_as::<SocketAddr>("CONSOLE_ADDR", &parse("CONSOLE_ADDR", "127.0.0.1:3000")?)?;
        let public_url = parse_url(
            "CONSOLE_PUBLIC_URL",
            &get("CONSOLE_PUBLIC_URL").unwrap_or_else(|| format!("http://{addr}")),
        )?;
        let database_url = parse(
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/airtable_console",
        )?;

        let client_id = get("AIRTABLE_OAUTH_CLIENT_ID");
        let service_token = get("AIRTABLE_SERVICE_TOKEN").map(Secret);
        let airtable = match client_id {
            None if service_token.is_some() && get("AIRTABLE_ENTERPRISE_ID").is_some() => {
                let header = get("CONSOLE_TRUSTED_EMAIL_HEADER").ok_or_else(|| {
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
                    api_url: parse_url(
                        "AIRTABLE_API_URL",
                        &parse("AIRTABLE_API_URL", "https://api.airtable.com")?,
                    )?,
                    enterprise_id: get("AIRTABLE_ENTERPRISE_ID").unwrap_or_default(),
                    trusted_email_header: header,
                }))
            }
            None => AirtableMode::Demo(DemoSettings {
                sim_addr: parse_as(
                    "CONSOLE_DEMO_SIM_ADDR",
                    &parse("CONSOLE_DEMO_SIM_ADDR", "127.0.0.1:0")?,
                )?,
                seed: parse_as("CONSOLE_DEMO_SEED", &parse("CONSOLE_DEMO_SEED", "42")?)?,
                size: parse("CONSOLE_DEMO_SIZE", "demo")?,
            }),
            Some(client_id) => {
                let required = |name: &'static str| {
                    get(name).ok_or_else(|| {
                        ConfigError::Inconsistent(format!(
                            "AIRTABLE_OAUTH_CLIENT_ID is set, so {name} must be set too"
                        ))
                    })
                };
                AirtableMode::Real(Box::new(AirtableSettings {
                    api_url: parse_url(
                        "AIRTABLE_API_URL",
                        &parse("AIRTABLE_API_URL", "https://api.airtable.com")?,
                    )?,
                    authorize_url: parse_url(
                        "AIRTABLE_OAUTH_AUTHORIZE_URL",
                        &parse(
                            "AIRTABLE_OAUTH_AUTHORIZE_URL",
                            "https://airtable.com/oauth2/v1/authorize",
                        )?,
                    )?,
                    token_url: parse_url(
                        "AIRTABLE_OAUTH_TOKEN_URL",
                        &parse(
                            "AIRTABLE_OAUTH_TOKEN_URL",
                            "https://airtable.com/oauth2/v1/token",
                        )?,
                    )?,
                    client_id,
                    client_secret: required("AIRTABLE_OAUTH_CLIENT_SECRET")?,
                    enterprise_id: required("AIRTABLE_ENTERPRISE_ID")?,
                }))
            }
        };

        let token_key = get("CONSOLE_TOKEN_KEY").map(Secret);
        if token_key.is_none() && matches!(airtable, AirtableMode::Real(_)) {
            return Err(ConfigError::Inconsistent(
                "CONSOLE_TOKEN_KEY must be set outside demo mode (base64 of 32 random bytes, e.g. `openssl rand -base64 32`)".into(),
            ));
        }

        let log_key = get("CONSOLE_LOG_KEY").map(Secret);
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

        let default_role = match get("CONSOLE_DEFAULT_ROLE").as_deref() {
            None | Some("none") => None,
            Some(other) => {
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
            database_owner_url: get("CONSOLE_DATABASE_OWNER_URL").map(Secret),
            airtable,
            token_key,
            log_key,
            data_dir: PathBuf::from(parse("CONSOLE_DATA_DIR", ".data")?),
            site_root: PathBuf::from(parse("CONSOLE_SITE_ROOT", "target/site")?),
            first_admin: get("CONSOLE_FIRST_ADMIN"),
            default_role,
            session_idle_timeout: Duration::from_secs(
                60 * parse_as::<u64>(
                    "CONSOLE_SESSION_IDLE_MINUTES",
                    &parse("CONSOLE_SESSION_IDLE_MINUTES", "30")?,
                )?,
            ),
            session_absolute_timeout: Duration::from_secs(
                3600 * parse_as::<u64>(
                    "CONSOLE_SESSION_MAX_HOURS",
                    &parse("CONSOLE_SESSION_MAX_HOURS", "12")?,
                )?,
            ),
            enterprise_name: get("CONSOLE_ENTERPRISE_NAME"),
            service_token,
            smtp: match get("CONSOLE_SMTP_URL") {
                None => None,
                Some(url) => {
                    let from = get("CONSOLE_MAIL_FROM").ok_or_else(|| {
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
                    Some(SmtpSettings {
                        url: Secret(url),
                        from,
                    })
                }
            },
            approval_ttl: match parse_as::<u64>(
                "CONSOLE_APPROVAL_TTL_HOURS",
                &parse("CONSOLE_APPROVAL_TTL_HOURS", "24")?,
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
                &parse("CONSOLE_APPROVAL_REAUTH_MINUTES", "10")?,
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
                    &parse("CONSOLE_AUDIT_SYNC_SECONDS", "60")?,
                )? {
                    0 => None,
                    secs => Some(Duration::from_secs(secs)),
                },
                backfill_days: parse_as(
                    "CONSOLE_AUDIT_BACKFILL_DAYS",
                    &parse("CONSOLE_AUDIT_BACKFILL_DAYS", "180")?,
                )?,
                late_window_minutes: parse_as(
                    "CONSOLE_AUDIT_LATE_MINUTES",
                    &parse("CONSOLE_AUDIT_LATE_MINUTES", "15")?,
                )?,
                snapshot_interval: match parse_as::<u64>(
                    "CONSOLE_SNAPSHOT_HOURS",
                    &parse("CONSOLE_SNAPSHOT_HOURS", "24")?,
                )? {
                    0 => None,
                    hours => Some(Duration::from_secs(hours * 3600)),
                },
            },
        })
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

/// A configuration value that must never appear in logs or `Debug` output.
#[derive(Clone)]
pub struct Secret(pub String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
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
}
