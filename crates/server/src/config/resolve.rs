//! From what clap read to what the program uses: `Settings::try_from(environment)` parses
//! each value, naming its variable when it is wrong, and checks the settings against each
//! other (demo, OAuth or service-account mode; keys required outside demo mode; …).

use std::{net::SocketAddr, str::FromStr, time::Duration};

use console_app::api::Role;
use console_core::action_log;
use url::Url;

use super::{
    AirtableMode, AirtableSettings, AuditSettings, ConfigError, DemoSettings, Environment,
    MetricsAt, ServiceAccountSettings, Settings, ShutdownSettings, SmtpSettings,
};

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
                rate_limits: match env.demo_rate_limits.trim() {
                    "on" => true,
                    "off" => false,
                    _ => {
                        return Err(ConfigError::Invalid {
                            name: "CONSOLE_DEMO_RATE_LIMITS",
                            reason: "must be on or off".into(),
                        })
                    }
                },
                audit_delay: Duration::from_secs(parse_as(
                    "CONSOLE_DEMO_AUDIT_DELAY_SECONDS",
                    &env.demo_audit_delay_seconds,
                )?),
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
                action_log::decode_key(key.expose()).map_err(|e| ConfigError::Invalid {
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

        let late_window_minutes: u32 =
            parse_as("CONSOLE_AUDIT_LATE_MINUTES", &env.audit_late_minutes)?;
        if let AirtableMode::Demo(demo) = &airtable {
            // The demo's stragglers are twice the delay late; the copy's re-read of recent
            // events must reach back that far or it would miss them for good.
            if demo.audit_delay * 2 > Duration::from_secs(u64::from(late_window_minutes) * 60) {
                return Err(ConfigError::Invalid {
                    name: "CONSOLE_DEMO_AUDIT_DELAY_SECONDS",
                    reason: format!(
                        "must be at most half of CONSOLE_AUDIT_LATE_MINUTES ({late_window_minutes} min): the simulator publishes some events twice that late"
                    ),
                });
            }
        }
        let shutdown = shutdown_settings(&env.shutdown_seconds, &env.shutdown_drain_seconds)?;
        let siem =
            console_core::siem::config::parse(&console_core::siem::config::RawSiemSettings {
                http_url: env.siem_http_url.as_deref(),
                http_format: &env.siem_http_format,
                http_token: env.siem_http_token.as_ref().map(super::Secret::expose),
                syslog_addr: env.siem_syslog_addr.as_deref(),
                batch: &env.siem_batch,
                start: &env.siem_start,
                host: public_url.host_str().unwrap_or("airtable-console"),
            })
            .map_err(|e| ConfigError::Invalid {
                name: e.name,
                reason: e.reason,
            })?;
        Ok(Settings {
            addr,
            siem,
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
            live_read_ttl: Duration::from_secs(parse_as::<u64>(
                "CONSOLE_LIVE_READ_SECONDS",
                &env.live_read_seconds,
            )?),
            lease_period: match parse_as::<u64>("CONSOLE_LEASE_SECONDS", &env.lease_seconds)? {
                seconds if seconds >= 3 => Duration::from_secs(seconds),
                _ => {
                    return Err(ConfigError::Invalid {
                        name: "CONSOLE_LEASE_SECONDS",
                        reason: "must be at least 3 (seconds)".into(),
                    })
                }
            },
            metrics: match env.metrics.trim() {
                "on" => MetricsAt::Here,
                "off" => MetricsAt::Off,
                other => MetricsAt::Apart(other.parse().map_err(|_| ConfigError::Invalid {
                    name: "CONSOLE_METRICS",
                    reason: "must be on, off, or an address to serve metrics on (HOST:PORT)".into(),
                })?),
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
            shutdown,
            audit: AuditSettings {
                interval: match parse_as::<u64>(
                    "CONSOLE_AUDIT_SYNC_SECONDS",
                    &env.audit_sync_seconds,
                )? {
                    0 => None,
                    secs => Some(Duration::from_secs(secs)),
                },
                backfill_days: parse_as("CONSOLE_AUDIT_BACKFILL_DAYS", &env.audit_backfill_days)?,
                late_window_minutes,
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

/// The stop's budget and drain; the drain must leave time within the budget for the requests
/// still running to finish.
fn shutdown_settings(budget: &str, drain: &str) -> Result<ShutdownSettings, ConfigError> {
    let budget = parse_as::<u64>("CONSOLE_SHUTDOWN_SECONDS", budget)?;
    let drain = parse_as::<u64>("CONSOLE_SHUTDOWN_DRAIN_SECONDS", drain)?;
    if budget == 0 {
        return Err(ConfigError::Invalid {
            name: "CONSOLE_SHUTDOWN_SECONDS",
            reason: "must be at least 1 (seconds): requests running at a stop need time to finish"
                .into(),
        });
    }
    if drain >= budget {
        return Err(ConfigError::Invalid {
            name: "CONSOLE_SHUTDOWN_DRAIN_SECONDS",
            reason: format!(
                "must be less than CONSOLE_SHUTDOWN_SECONDS ({budget} s): after the drain, the requests still running need time to finish"
            ),
        });
    }
    Ok(ShutdownSettings {
        budget: Duration::from_secs(budget),
        drain: Duration::from_secs(drain),
    })
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
        let AirtableMode::Demo(demo) = &s.airtable else {
            panic!("demo mode")
        };
        assert!(
            demo.rate_limits,
            "the simulator enforces Airtable's limits by default"
        );
        let off = settings(&[("CONSOLE_DEMO_RATE_LIMITS", "off")]).expect("off is valid");
        assert!(matches!(
            off.airtable,
            AirtableMode::Demo(DemoSettings {
                rate_limits: false,
                ..
            })
        ));
        let wrong = settings(&[("CONSOLE_DEMO_RATE_LIMITS", "sometimes")]).unwrap_err();
        assert!(
            wrong.to_string().contains("CONSOLE_DEMO_RATE_LIMITS"),
            "{wrong}"
        );
    }

    #[test]
    fn demo_audit_events_are_minutes_late_within_the_late_window() {
        let s = settings(&[]).expect("defaults are valid");
        let AirtableMode::Demo(demo) = &s.airtable else {
            panic!("demo mode")
        };
        assert_eq!(demo.audit_delay, Duration::from_secs(120));
        let at_once = settings(&[("CONSOLE_DEMO_AUDIT_DELAY_SECONDS", "0")]).expect("0 is valid");
        assert!(matches!(
            at_once.airtable,
            AirtableMode::Demo(DemoSettings { audit_delay, .. }) if audit_delay.is_zero()
        ));
        // Stragglers are twice as late: a 10-minute delay needs a 20-minute late window.
        let too_late = settings(&[("CONSOLE_DEMO_AUDIT_DELAY_SECONDS", "600")]).unwrap_err();
        assert!(
            too_late.to_string().contains("CONSOLE_AUDIT_LATE_MINUTES"),
            "{too_late}"
        );
        settings(&[
            ("CONSOLE_DEMO_AUDIT_DELAY_SECONDS", "600"),
            ("CONSOLE_AUDIT_LATE_MINUTES", "20"),
        ])
        .expect("within a wider window");
        let words = settings(&[("CONSOLE_DEMO_AUDIT_DELAY_SECONDS", "soon")]).unwrap_err();
        assert!(
            words
                .to_string()
                .contains("CONSOLE_DEMO_AUDIT_DELAY_SECONDS"),
            "{words}"
        );
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
    fn a_stop_has_a_budget_and_a_shorter_drain() {
        let s = settings(&[]).expect("the defaults");
        assert_eq!(
            s.shutdown,
            ShutdownSettings {
                budget: Duration::from_secs(20),
                drain: Duration::from_secs(5),
            }
        );
        let err = settings(&[
            ("CONSOLE_SHUTDOWN_SECONDS", "5"),
            ("CONSOLE_SHUTDOWN_DRAIN_SECONDS", "5"),
        ])
        .unwrap_err();
        assert!(
            err.to_string().contains("CONSOLE_SHUTDOWN_DRAIN_SECONDS"),
            "{err}"
        );
        let err = settings(&[("CONSOLE_SHUTDOWN_SECONDS", "0")]).unwrap_err();
        assert!(
            err.to_string().contains("CONSOLE_SHUTDOWN_SECONDS"),
            "{err}"
        );
        let s = settings(&[("CONSOLE_SHUTDOWN_DRAIN_SECONDS", "0")]).expect("no drain");
        assert_eq!(s.shutdown.drain, Duration::ZERO);
    }

    #[test]
    fn bad_values_are_named_in_the_error() {
        let err = settings(&[("CONSOLE_ADDR", "not an address")]).unwrap_err();
        assert!(err.to_string().contains("CONSOLE_ADDR"), "{err}");
        let err = settings(&[("CONSOLE_DEFAULT_ROLE", "superuser")]).unwrap_err();
        assert!(err.to_string().contains("CONSOLE_DEFAULT_ROLE"), "{err}");
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

    #[test]
    fn siem_sinks_are_checked_at_start_in_words() {
        let err = settings(&[("CONSOLE_SIEM_SYSLOG_ADDR", "siem.example.com")]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("CONSOLE_SIEM_SYSLOG_ADDR is not valid: must be HOST:PORT"),
            "{err}"
        );
        let s = settings(&[
            ("CONSOLE_PUBLIC_URL", "https://console.example.com"),
            (
                "CONSOLE_SIEM_HTTP_URL",
                "https://splunk.example.com/services/collector/event",
            ),
            ("CONSOLE_SIEM_HTTP_TOKEN", "t"),
        ])
        .expect("valid");
        assert_eq!(s.siem.sinks.len(), 1);
        assert_eq!(
            s.siem.host, "console.example.com",
            "events name the console's host"
        );
    }
}
