//! Traces over OTLP/HTTP: the real binary, with `OTEL_EXPORTER_OTLP_ENDPOINT` pointing at a
//! small collector in this test, sends the spans of the HTTP requests it serves there, as
//! the service `airtable-console`; when it is stopped it sends the spans still queued; and
//! an endpoint it cannot use leaves it serving, with a warning that says so.
//!
//! Each test runs `console-server` as a child process (the exporter, the batch thread and
//! the exit are the binary's, not the library's) in demo mode on a fresh database.

mod common;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, KeyValue};
use prost::Message as _;

/// What a collector received: one entry per `POST /v1/traces`.
type Received = Arc<Mutex<Vec<Export>>>;

struct Export {
    /// The body, decoded, or why it could not be.
    request: Result<ExportTraceServiceRequest, String>,
    /// Its `x-api-key` header (see `OTEL_EXPORTER_OTLP_HEADERS` below).
    api_key: Option<String>,
}

/// A stand-in for an OpenTelemetry collector's OTLP/HTTP receiver, on a random port.
struct Collector {
    url: String,
    received: Received,
}

impl Collector {
    async fn start() -> Collector {
        let received = Received::default();
        let keep = received.clone();
        let router = axum::Router::new().route(
            "/v1/traces",
            axum::routing::post(
                move |headers: http::HeaderMap, body: axum::body::Bytes| async move {
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_string)
                    };
                    let kind = header("content-type").unwrap_or_default();
                    let request = if kind == "application/x-protobuf" {
                        ExportTraceServiceRequest::decode(body)
                            .map_err(|e| format!("not an OTLP trace export: {e}"))
                    } else {
                        Err(format!("sent as {kind:?}, not application/x-protobuf"))
                    };
                    keep.lock().expect("not poisoned").push(Export {
                        request,
                        api_key: header("x-api-key"),
                    });
                    http::StatusCode::OK
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a port");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Collector { url, received }
    }

    /// How many exports came.
    fn exports(&self) -> usize {
        self.received.lock().expect("not poisoned").len()
    }

    /// Every span received so far; panics on an export that was not OTLP.
    fn spans(&self) -> Vec<SeenSpan> {
        let received = self.received.lock().expect("not poisoned");
        let mut spans = Vec::new();
        for export in received.iter() {
            let export = export.request.as_ref().unwrap_or_else(|e| panic!("{e}"));
            for resource_spans in &export.resource_spans {
                let service = resource_spans
                    .resource
                    .as_ref()
                    .and_then(|r| text_of(&r.attributes, "service.name"));
                for scope in &resource_spans.scope_spans {
                    for span in &scope.spans {
                        spans.push(SeenSpan {
                            service: service.clone(),
                            name: span.name.clone(),
                            attributes: span
                                .attributes
                                .iter()
                                .filter_map(|a| Some((a.key.clone(), text(a)?)))
                                .collect(),
                        });
                    }
                }
            }
        }
        spans
    }

    /// The `x-api-key` header of every export.
    fn api_keys(&self) -> Vec<Option<String>> {
        let received = self.received.lock().expect("not poisoned");
        received.iter().map(|e| e.api_key.clone()).collect()
    }

    /// The span of the console's `GET <path>`, if it came.
    fn request_span(&self, path: &str) -> Option<SeenSpan> {
        self.spans().into_iter().find(|span| {
            span.name == "request"
                && span.attributes.get("method").map(String::as_str) == Some("GET")
                && span.attributes.get("path").map(String::as_str) == Some(path)
        })
    }
}

/// One span as the collector saw it.
#[derive(Debug, Clone)]
struct SeenSpan {
    service: Option<String>,
    name: String,
    attributes: HashMap<String, String>,
}

fn text(attribute: &KeyValue) -> Option<String> {
    match attribute.value.as_ref()?.value.as_ref()? {
        any_value::Value::StringValue(s) => Some(s.clone()),
        any_value::Value::IntValue(i) => Some(i.to_string()),
        any_value::Value::BoolValue(b) => Some(b.to_string()),
        other => Some(format!("{other:?}")),
    }
}

fn text_of(attributes: &[KeyValue], key: &str) -> Option<String> {
    attributes.iter().find(|a| a.key == key).and_then(text)
}

/// The real `console-server` as a child process on a fresh database; killed, and its
/// database and files removed, when dropped.
struct Console {
    child: Child,
    url: String,
    log: std::path::PathBuf,
    database_url: String,
    data_dir: std::path::PathBuf,
}

impl Console {
    /// Starts it with the demo settings of the other tests plus `otel`, and waits until it
    /// serves.
    async fn start(otel: &[(&str, &str)]) -> Console {
        common::ensure_runtime_role().await;
        let database_url = common::fresh_database_url();
        let data_dir =
            std::env::temp_dir().join(format!("console-traces-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&data_dir).expect("create the data directory");
        let log = data_dir.join("console.log");
        let out = std::fs::File::create(&log).expect("create the log");
        // A port for it: free now, taken by the child a moment later.
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port");
        let mut command = common::console_command();
        let child = command
            .envs(common::demo_settings(
                &addr.to_string(),
                &database_url,
                &data_dir,
            ))
            .envs(otel.iter().copied())
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log file"))
            .stderr(out)
            .spawn()
            .expect("start console-server");
        let mut console = Console {
            child,
            url: format!("http://{addr}"),
            log,
            database_url,
            data_dir,
        };
        console.wait_serving().await;
        console
    }

    async fn wait_serving(&mut self) {
        let started = Instant::now();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("http client");
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the console exited ({status}):\n{}", self.log());
            }
            if let Ok(r) = http.get(format!("{}/healthz", self.url)).send().await {
                if r.status() == reqwest::StatusCode::OK {
                    return;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the console did not serve within 30 s:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `GET path`, which must answer (any status).
    async fn get(&self, path: &str) {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client")
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends SIGTERM (what `docker stop` sends) and waits, at most `limit`, for the exit.
    async fn terminate(&mut self, limit: Duration) -> std::process::ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM failed");
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for the console") {
                return status;
            }
            assert!(
                started.elapsed() < limit,
                "the console still ran {limit:?} after SIGTERM:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
        common::drop_database(&self.database_url);
    }
}

/// Polls `done` until it is true or `limit` has passed; whether it became true.
async fn eventually(limit: Duration, done: impl Fn() -> bool) -> bool {
    let started = Instant::now();
    while !done() {
        if started.elapsed() > limit {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    true
}

#[tokio::test]
async fn request_spans_reach_the_collector_named_as_the_console() {
    let collector = Collector::start().await;
    let console = Console::start(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &collector.url),
        // A batch every 200 ms rather than every 5 s.
        ("OTEL_BSP_SCHEDULE_DELAY", "200"),
        // Read by the exporter itself, as collectors behind a gateway need.
        ("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=secret%20one"),
    ])
    .await;
    assert!(
        console
            .log()
            .contains(&format!("sending traces to {}/v1/traces", collector.url)),
        "the log says where traces go:\n{}",
        console.log()
    );
    // The logs are as without traces (the layers filter apart: see telemetry.rs's
    // `Rechecked`); this one is logged at start-up, after the first queries.
    assert!(
        console.log().contains("creating the console database"),
        "the console's own log lines still show:\n{}",
        console.log()
    );
    console.get("/signin").await;
    console.get("/healthz").await;

    let came = eventually(Duration::from_secs(15), || {
        collector.request_span("/signin").is_some()
    })
    .await;
    assert!(
        came,
        "no span of GET /signin within 15 s; the collector got {} exports: {:#?}\n{}",
        collector.exports(),
        collector.spans(),
        console.log()
    );
    let spans = collector.spans();
    assert!(
        spans
            .iter()
            .all(|s| s.service.as_deref() == Some("airtable-console")),
        "every span names the service airtable-console: {spans:#?}"
    );
    let keys = collector.api_keys();
    assert!(
        keys.iter().all(|k| k.as_deref() == Some("secret one")),
        "every export carries OTEL_EXPORTER_OTLP_HEADERS: {keys:?}"
    );
    let signin = collector.request_span("/signin").expect("seen above");
    assert_eq!(
        signin.attributes.get("version").map(String::as_str),
        Some("HTTP/1.1"),
        "{signin:#?}"
    );
}

#[tokio::test]
async fn spans_still_queued_are_sent_when_the_console_is_stopped() {
    let collector = Collector::start().await;
    let mut console = Console::start(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &collector.url),
        ("OTEL_SERVICE_NAME", "console-under-test"),
        // No batch goes before the stop: one every ten minutes, and never full.
        ("OTEL_BSP_SCHEDULE_DELAY", "600000"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "100000"),
        ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "100000"),
        // No load balancer to drain for: the stop's own behaviour is tests/shutdown.rs's.
        ("CONSOLE_SHUTDOWN_DRAIN_SECONDS", "0"),
    ])
    .await;
    console.get("/signin?before-the-stop").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(collector.exports(), 0, "nothing is sent before the stop");

    let status = console.terminate(Duration::from_secs(10)).await;
    assert!(
        status.success(),
        "a stop asked for is a success: {status}\n{}",
        console.log()
    );
    let span = collector.request_span("/signin");
    // The query string stays home: it can hold an OAuth code or what someone searched for.
    let sent = format!("{:?}", collector.spans());
    assert!(!sent.contains("before-the-stop"), "{sent}");
    assert!(
        span.is_some(),
        "the queued span went out at the stop; the collector got {:#?}\n{}",
        collector.spans(),
        console.log()
    );
    assert_eq!(
        span.and_then(|s| s.service).as_deref(),
        Some("console-under-test"),
        "OTEL_SERVICE_NAME names the service"
    );
    assert!(console.log().contains("SIGTERM"), "{}", console.log());
}

#[tokio::test]
async fn an_endpoint_the_console_cannot_use_leaves_it_serving_and_says_so() {
    // Host and port without a scheme, a likely slip: not a URL the exporter could use.
    let console = Console::start(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")]).await;
    console.get("/signin").await;
    let log = console.log();
    assert!(
        log.contains(
            "OTEL_EXPORTER_OTLP_ENDPOINT is not an http:// or https:// address \
             (such as http://collector:4318): \"collector:4318\"; \
             the console runs without traces"
        ),
        "the log says why there are no traces:\n{log}"
    );
}
