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
    /// A real (or externally run simulated) Airtable.
    Real(Box<AirtableSettings>),
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
    pub airtable: AirtableMode,
    /// Base64 of 32 bytes: the AES-256-GCM key for tokens at rest (`CONSOLE_TOKEN_KEY`).
    /// `None` only in demo mode, where a development key is kept in the data directory.
    pub token_key: Option<Secret>,
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
        let airtable = match client_id {
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

        let default_role = match get("CONSOLE_DEFAULT_ROLE").as_deref() {
            None | Some("none") => None,
            Some(other) => Some(
                Role::from_str(other).map_err(|reason| ConfigError::Invalid {
                    name: "CONSOLE_DEFAULT_ROLE",
                    reason,
                })?,
            ),
        };

        Ok(Settings {
            addr,
            public_url,
            database_url,
            airtable,
            token_key,
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
