//! Logs and, optionally, traces.
//!
//! Logs: `tracing` to stderr, filtered by `RUST_LOG` (default `info`).
//!
//! Traces: only when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
//! is set, spans also go to that OpenTelemetry collector over OTLP/HTTP (protobuf), in
//! batches sent from a thread of the SDK's own. The SDK and the exporter read the other
//! standard variables themselves (`OTEL_EXPORTER_OTLP_HEADERS`, `…_TIMEOUT`,
//! `…_COMPRESSION`, `OTEL_BSP_*`, `OTEL_TRACES_SAMPLER`, `OTEL_RESOURCE_ATTRIBUTES`);
//! `OTEL_SDK_DISABLED=true` turns them off (read here: the Rust SDK does not). The
//! service is `OTEL_SERVICE_NAME`, by default `airtable-console`. What goes into traces
//! does not follow `RUST_LOG` (that is for the logs): spans at `info` and above, and every
//! HTTP request's span (method and path, never the query string: `request_span` in lib.rs),
//! made at `debug`.

use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::{trace::SdkTracerProvider, Resource};
use tracing::{span, subscriber::Interest, Event, Metadata};
use tracing_subscriber::{
    filter::{LevelFilter, Targets},
    fmt,
    layer::{Context, Filter, SubscriberExt as _},
    util::SubscriberInitExt as _,
    EnvFilter, Layer as _,
};

/// The service's name in traces when `OTEL_SERVICE_NAME` (or `service.name` in
/// `OTEL_RESOURCE_ATTRIBUTES`) does not give one.
pub const DEFAULT_SERVICE_NAME: &str = "airtable-console";

/// How long the exit waits for the last spans to reach the collector.
const FLUSH_AT_EXIT: Duration = Duration::from_secs(5);

/// Keeps the traces going: dropping it sends the spans still queued (waiting at most a few
/// seconds for the collector) and stops the export. Hold it until the process ends.
#[must_use = "dropping the guard stops the traces"]
pub struct Telemetry {
    traces: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Whether spans go to a collector.
    pub fn exports_traces(&self) -> bool {
        self.traces.is_some()
    }
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(traces) = self.traces.take() {
            if let Err(error) = traces.shutdown_with_timeout(FLUSH_AT_EXIT) {
                tracing::warn!("the last traces may not have reached the collector: {error}");
            }
        }
    }
}

/// Sets up logging, and traces if a collector is configured. Never fails: a collector that
/// cannot be used is a warning in the log, and the console runs without traces.
pub fn init() -> Telemetry {
    let logs = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn"));
    let (traces, problem) = match traces_from_env(|name| std::env::var(name).ok()) {
        Ok(traces) => (traces, None),
        Err(problem) => (None, Some(problem)),
    };
    let Some((provider, endpoint)) = traces else {
        // Without traces, the logging there always was: one filter for everything.
        // `try_init` so tests that start several servers in one process do not panic.
        let _ = fmt()
            .with_env_filter(logs)
            .with_writer(std::io::stderr)
            .try_init();
        if let Some(problem) = problem {
            tracing::warn!("{problem}; the console runs without traces");
        }
        return Telemetry { traces: None };
    };
    // With traces, the logs and the traces take different spans and events (the request
    // spans are at debug), so each layer has its own filter.
    let installed = tracing_subscriber::registry()
        .with(
            fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(Rechecked(logs)),
        )
        .with(
            tracing_opentelemetry::layer()
                .with_tracer(provider.tracer("console-server"))
                .with_filter(Rechecked(traced())),
        )
        .try_init()
        .is_ok();
    if !installed {
        // Another subscriber was there first: nothing would reach this exporter.
        let _ = provider.shutdown();
        return Telemetry { traces: None };
    }
    tracing::info!("sending traces to {endpoint}");
    Telemetry {
        traces: Some(provider),
    }
}

/// A per-layer filter `F` whose callsites are never cached as always on, so that `F` is
/// asked at every span and event.
///
/// Without this, tracing-subscriber (0.3.23) loses events when two layers filter apart: a
/// callsite both filters enable is cached as always on and skips the filters, reading
/// instead the verdicts left on the thread by the last question put to them, and a
/// question with no event behind it, such as the `log_enabled!` that sqlx asks after every
/// query (through `tracing-log`), leaves "disabled". The console's own warnings then
/// vanished from the log (tokio-rs/tracing#2519; the fix proposed upstream, #3572, does
/// the same as this).
struct Rechecked<F>(F);

impl<S, F: Filter<S>> Filter<S> for Rechecked<F> {
    fn enabled(&self, meta: &Metadata<'_>, cx: &Context<'_, S>) -> bool {
        self.0.enabled(meta, cx)
    }

    fn callsite_enabled(&self, meta: &'static Metadata<'static>) -> Interest {
        let interest = self.0.callsite_enabled(meta);
        if interest.is_never() {
            interest
        } else {
            Interest::sometimes()
        }
    }

    fn event_enabled(&self, event: &Event<'_>, cx: &Context<'_, S>) -> bool {
        self.0.event_enabled(event, cx)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        self.0.max_level_hint()
    }

    // The rest serve filters that follow spans (EnvFilter's `[span]` directives).
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, cx: Context<'_, S>) {
        self.0.on_new_span(attrs, id, cx)
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, cx: Context<'_, S>) {
        self.0.on_record(id, values, cx)
    }

    fn on_enter(&self, id: &span::Id, cx: Context<'_, S>) {
        self.0.on_enter(id, cx)
    }

    fn on_exit(&self, id: &span::Id, cx: Context<'_, S>) {
        self.0.on_exit(id, cx)
    }

    fn on_close(&self, id: span::Id, cx: Context<'_, S>) {
        self.0.on_close(id, cx)
    }
}

/// What goes into traces (see the module's doc).
fn traced() -> Targets {
    Targets::new()
        .with_default(LevelFilter::INFO)
        .with_target("tower_http::trace", LevelFilter::DEBUG)
        // Each request's span (method and path: `request_span` in lib.rs).
        .with_target("console_server::request", LevelFilter::DEBUG)
        // As in the default log filter: a statement per query would drown the requests.
        .with_target("sqlx", LevelFilter::WARN)
        .with_target("tower_sessions", LevelFilter::WARN)
        // The exporter's own diagnostics and HTTP calls: tracing them would make traces of
        // sending traces, which would be sent in turn. (Targets match by prefix:
        // `opentelemetry` covers `opentelemetry_sdk`, `hyper` covers `hyper_util`.)
        .with_target("opentelemetry", LevelFilter::OFF)
        .with_target("reqwest", LevelFilter::OFF)
        .with_target("hyper", LevelFilter::OFF)
        .with_target("h2", LevelFilter::OFF)
}

/// The trace pipeline the environment asks for: `Ok(None)` when it asks for none, else the
/// provider and where it sends (for the log). `Err` says in words why it cannot be made.
fn traces_from_env(
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<(SdkTracerProvider, String)>, String> {
    if var("OTEL_SDK_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
        return Ok(None);
    }
    let Some(endpoint) = traces_endpoint(&var)? else {
        return Ok(None);
    };
    // The endpoint is given explicitly (it is the one the variables name, checked above):
    // left to itself the exporter would fall back to http://localhost:4318 on a value it
    // cannot parse, and send nowhere useful without a word.
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(endpoint.as_str())
        .build()
        .map_err(|error| format!("cannot send traces to {}: {error}", shown(&endpoint)))?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource())
        .build();
    Ok(Some((provider, shown(&endpoint))))
}

/// Where spans go: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as it is, else
/// `OTEL_EXPORTER_OTLP_ENDPOINT` with `/v1/traces` added (the OTLP/HTTP rule); `None` when
/// neither has a value.
fn traces_endpoint(var: impl Fn(&str) -> Option<String>) -> Result<Option<url::Url>, String> {
    const TRACES: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
    const BASE: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
    let set = |name: &'static str| {
        var(name)
            .filter(|v| !v.trim().is_empty())
            .map(|v| (name, v.trim().to_string()))
    };
    let Some((name, value)) = set(TRACES).or_else(|| set(BASE)) else {
        return Ok(None);
    };
    let unusable = || {
        format!(
            "{name} is not an http:// or https:// address (such as http://collector:4318): {value:?}"
        )
    };
    let url = url::Url::parse(&value).map_err(|_| unusable())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(unusable());
    }
    if name == TRACES {
        return Ok(Some(url));
    }
    let slash = if value.ends_with('/') { "" } else { "/" };
    url::Url::parse(&format!("{value}{slash}v1/traces"))
        .map(Some)
        .map_err(|_| unusable())
}

/// `url` for the log, without a password it may carry.
fn shown(url: &url::Url) -> String {
    let mut url = url.clone();
    if url.password().is_some() {
        let _ = url.set_password(Some("***"));
    }
    url.to_string()
}

/// The SDK's resource (it reads `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`), named
/// [`DEFAULT_SERVICE_NAME`] when those name no service (the SDK would say
/// `unknown_service`).
fn resource() -> Resource {
    let detected = Resource::builder().build();
    let named = detected
        .get(&opentelemetry::Key::from_static_str("service.name"))
        .is_some_and(|name| name.as_str() != "unknown_service");
    if named {
        detected
    } else {
        Resource::builder()
            .with_service_name(DEFAULT_SERVICE_NAME)
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn endpoint(vars: &[(&str, &str)]) -> Result<Option<String>, String> {
        let vars: HashMap<&str, &str> = vars.iter().copied().collect();
        traces_endpoint(|name| vars.get(name).map(|v| v.to_string()))
            .map(|url| url.map(String::from))
    }

    #[test]
    fn no_endpoint_means_no_traces() {
        assert_eq!(endpoint(&[]), Ok(None));
        assert_eq!(endpoint(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "  ")]), Ok(None));
    }

    #[test]
    fn the_base_endpoint_gets_the_traces_path() {
        for base in ["http://collector:4318", "http://collector:4318/"] {
            assert_eq!(
                endpoint(&[("OTEL_EXPORTER_OTLP_ENDPOINT", base)]),
                Ok(Some("http://collector:4318/v1/traces".into())),
                "{base}"
            );
        }
    }

    #[test]
    fn the_traces_endpoint_is_taken_as_it_is_and_first() {
        assert_eq!(
            endpoint(&[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4318"),
                (
                    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                    "https://b/otlp/traces"
                ),
            ]),
            Ok(Some("https://b/otlp/traces".into()))
        );
        // A blank one does not hide the base endpoint.
        assert_eq!(
            endpoint(&[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4318"),
                ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", ""),
            ]),
            Ok(Some("http://a:4318/v1/traces".into()))
        );
    }

    #[test]
    fn an_unusable_endpoint_is_named_in_words() {
        for bad in ["collector:4318", "not a url", "ftp://collector", "http://"] {
            let error = endpoint(&[("OTEL_EXPORTER_OTLP_ENDPOINT", bad)])
                .expect_err(bad)
                .to_string();
            assert!(
                error.contains("OTEL_EXPORTER_OTLP_ENDPOINT is not an http:// or https://"),
                "{error}"
            );
        }
    }

    #[test]
    fn the_password_of_an_endpoint_stays_out_of_the_log() {
        let url = url::Url::parse("https://user:secret@collector/v1/traces").expect("a URL");
        assert_eq!(shown(&url), "https://user:***@collector/v1/traces");
    }
}
