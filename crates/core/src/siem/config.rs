//! The sinks the operator configured (`CONSOLE_SIEM_*`), checked at start-up: a value that
//! cannot work stops the console with a sentence naming the setting, rather than a
//! forwarder failing forever in the background.

use std::fmt;
use std::time::Duration;

/// Everything the forwarders need, from the settings.
#[derive(Clone, Debug, Default)]
pub struct SiemSettings {
    pub sinks: Vec<SinkConfig>,
    /// Events per batch, at most (`CONSOLE_SIEM_BATCH`).
    pub batch_size: u32,
    /// Where a sink seen for the first time starts (`CONSOLE_SIEM_START`).
    pub start: StartAt,
    /// The `host` field of HEC events and the HOSTNAME of syslog messages: the console's
    /// public host name, so the SIEM can tell consoles apart.
    pub host: String,
}

/// One sink: its stable name (its row in `siem_sinks`, its lease) and what it is.
#[derive(Clone, Debug)]
pub struct SinkConfig {
    pub name: String,
    pub kind: SinkKind,
}

#[derive(Clone, Debug)]
pub enum SinkKind {
    /// An HTTP endpoint that takes a batch per POST.
    Http {
        url: url::Url,
        format: HttpFormat,
        token: Option<Token>,
    },
    /// A syslog receiver over TCP (RFC 5424 messages, RFC 6587 octet counting).
    Syslog { addr: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpFormat {
    /// Splunk's HTTP Event Collector: event objects concatenated, `Authorization: Splunk`.
    SplunkHec,
    /// One JSON event per line (`application/x-ndjson`), `Authorization: Bearer` if a
    /// token is set.
    Ndjson,
}

/// Where a new sink starts in the copy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StartAt {
    /// With the events copied from now on.
    #[default]
    Now,
    /// With the whole copy, oldest first.
    Beginning,
}

/// A credential: never shown by `Debug` or in the log.
#[derive(Clone)]
pub struct Token(pub String);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(…)")
    }
}

impl SinkKind {
    /// `splunk-hec`, `ndjson` or `syslog`: what the page and the table show.
    pub fn label(&self) -> &'static str {
        match self {
            SinkKind::Http {
                format: HttpFormat::SplunkHec,
                ..
            } => "splunk-hec",
            SinkKind::Http {
                format: HttpFormat::Ndjson,
                ..
            } => "ndjson",
            SinkKind::Syslog { .. } => "syslog",
        }
    }

    /// Where it sends, without credentials (a URL's user and password are left out).
    pub fn target(&self) -> String {
        match self {
            SinkKind::Http { url, .. } => {
                let mut shown = url.clone();
                let _ = shown.set_username("");
                let _ = shown.set_password(None);
                shown.to_string()
            }
            SinkKind::Syslog { addr } => addr.clone(),
        }
    }
}

/// The settings as text, as the server read them.
#[derive(Clone, Debug, Default)]
pub struct RawSiemSettings<'a> {
    pub http_url: Option<&'a str>,
    pub http_format: &'a str,
    pub http_token: Option<&'a str>,
    pub syslog_addr: Option<&'a str>,
    pub batch: &'a str,
    pub start: &'a str,
    pub host: &'a str,
}

/// A setting that cannot work, and why, in words.
#[derive(Debug, thiserror::Error)]
#[error("{name} is not valid: {reason}")]
pub struct SiemConfigError {
    pub name: &'static str,
    pub reason: String,
}

fn invalid(name: &'static str, reason: impl Into<String>) -> SiemConfigError {
    SiemConfigError {
        name,
        reason: reason.into(),
    }
}

/// The most events one batch may carry: a batch is held in memory while it is sent.
pub const MAX_BATCH: u32 = 10_000;

fn set(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// Checks and types the settings. No sink set is valid (nothing is forwarded).
pub fn parse(raw: &RawSiemSettings<'_>) -> Result<SiemSettings, SiemConfigError> {
    let batch_size = match raw.batch.trim().parse::<u32>() {
        Ok(n) if (1..=MAX_BATCH).contains(&n) => n,
        _ => {
            return Err(invalid(
                "CONSOLE_SIEM_BATCH",
                format!("must be a number of events from 1 to {MAX_BATCH}"),
            ))
        }
    };
    let start = match raw.start.trim() {
        "now" => StartAt::Now,
        "beginning" => StartAt::Beginning,
        _ => {
            return Err(invalid(
                "CONSOLE_SIEM_START",
                "must be now (send what is copied from now on) or beginning (send the whole copy first)",
            ))
        }
    };
    let format = match raw.http_format.trim() {
        "splunk-hec" => HttpFormat::SplunkHec,
        "ndjson" => HttpFormat::Ndjson,
        _ => {
            return Err(invalid(
                "CONSOLE_SIEM_HTTP_FORMAT",
                "must be splunk-hec (Splunk's HTTP Event Collector) or ndjson (one JSON event per line)",
            ))
        }
    };
    let token = set(raw.http_token).map(|t| Token(t.to_string()));
    let mut sinks = Vec::new();
    if let Some(url) = set(raw.http_url) {
        let url = url::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| {
                invalid(
                    "CONSOLE_SIEM_HTTP_URL",
                    "must be an http:// or https:// address, e.g. https://splunk.example.com:8088/services/collector/event",
                )
            })?;
        if format == HttpFormat::SplunkHec && token.is_none() {
            return Err(invalid(
                "CONSOLE_SIEM_HTTP_TOKEN",
                "is needed with CONSOLE_SIEM_HTTP_FORMAT=splunk-hec: the HTTP Event Collector's token",
            ));
        }
        sinks.push(SinkConfig {
            name: "http".into(),
            kind: SinkKind::Http { url, format, token },
        });
    } else if token.is_some() {
        return Err(invalid(
            "CONSOLE_SIEM_HTTP_TOKEN",
            "is set but CONSOLE_SIEM_HTTP_URL is not: set the URL to send to, or unset the token",
        ));
    }
    if let Some(addr) = set(raw.syslog_addr) {
        let port_ok = addr.rsplit_once(':').is_some_and(|(host, port)| {
            !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0)
        });
        if !port_ok {
            return Err(invalid(
                "CONSOLE_SIEM_SYSLOG_ADDR",
                "must be HOST:PORT of a syslog receiver over TCP, e.g. siem.example.com:6514",
            ));
        }
        sinks.push(SinkConfig {
            name: "syslog".into(),
            kind: SinkKind::Syslog {
                addr: addr.to_string(),
            },
        });
    }
    Ok(SiemSettings {
        sinks,
        batch_size,
        start,
        host: raw.host.to_string(),
    })
}

/// How long one send may take before it counts as failed (and is retried): a receiver
/// that stalls holds up only its own sink.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawSiemSettings<'static> {
        RawSiemSettings {
            http_format: "splunk-hec",
            batch: "500",
            start: "now",
            host: "console.example.com",
            ..RawSiemSettings::default()
        }
    }

    #[test]
    fn nothing_set_forwards_nothing() {
        assert!(parse(&raw()).expect("valid").sinks.is_empty());
    }

    #[test]
    fn both_sinks_with_their_names() {
        let s = parse(&RawSiemSettings {
            http_url: Some("https://user:pw@splunk.example.com:8088/services/collector/event"),
            http_token: Some("abc"),
            syslog_addr: Some("siem.example.com:6514"),
            ..raw()
        })
        .expect("valid");
        let names: Vec<_> = s.sinks.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["http", "syslog"]);
        assert_eq!(s.sinks[0].kind.label(), "splunk-hec");
        assert!(
            !s.sinks[0].kind.target().contains("pw"),
            "no credentials shown"
        );
        assert!(
            !format!("{s:?}").contains("abc"),
            "the token is not in Debug"
        );
    }

    #[test]
    fn bad_values_are_refused_in_words() {
        let cases = [
            (
                RawSiemSettings {
                    http_url: Some("ftp://x"),
                    http_token: Some("t"),
                    ..raw()
                },
                "CONSOLE_SIEM_HTTP_URL",
            ),
            (
                RawSiemSettings {
                    http_url: Some("https://x/services/collector/event"),
                    ..raw()
                },
                "CONSOLE_SIEM_HTTP_TOKEN",
            ),
            (
                RawSiemSettings {
                    http_format: "json",
                    ..raw()
                },
                "CONSOLE_SIEM_HTTP_FORMAT",
            ),
            (
                RawSiemSettings {
                    syslog_addr: Some("siem.example.com"),
                    ..raw()
                },
                "CONSOLE_SIEM_SYSLOG_ADDR",
            ),
            (
                RawSiemSettings {
                    batch: "0",
                    ..raw()
                },
                "CONSOLE_SIEM_BATCH",
            ),
            (
                RawSiemSettings {
                    start: "yesterday",
                    ..raw()
                },
                "CONSOLE_SIEM_START",
            ),
        ];
        for (settings, name) in cases {
            let error = parse(&settings).expect_err(name);
            assert_eq!(error.name, name, "{error}");
        }
    }

    #[test]
    fn ndjson_needs_no_token() {
        let s = parse(&RawSiemSettings {
            http_url: Some("http://127.0.0.1:9000/events"),
            http_format: "ndjson",
            ..raw()
        })
        .expect("valid");
        assert_eq!(s.sinks[0].kind.label(), "ndjson");
    }
}
