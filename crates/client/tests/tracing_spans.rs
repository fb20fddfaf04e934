//! Each request gets a span with method, path template, status, attempt and latency; the
//! token never appears in logs.

use std::io::Write;
use std::sync::{Arc, Mutex};

use airtable_client::{AccessToken, Client};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::fmt::MakeWriter;

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buf {
    type Writer = Buf;
    fn make_writer(&'a self) -> Buf {
        self.clone()
    }
}

#[tokio::test]
async fn span_has_fields_and_no_secret() {
    let buf = Buf::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(buf.clone())
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route(
            "/v0/meta/enterpriseAccounts/{id}",
            get(|| async {
                (
                    axum::http::StatusCode::NOT_FOUND,
                    Json(json!({"error": "NOT_FOUND"})),
                )
            }),
        )
        .route(
            "/v0/meta/whoami",
            get(|| async { Json(json!({"id": "usrL2PNC5o3H4lBEi"})) }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let client = Client::builder()
        .base_url(format!("http://{addr}"))
        .token(AccessToken::new("supersecret-token-xyz"))
        .build()
        .unwrap();
    client.whoami().await.unwrap();
    let _ = client
        .enterprise(&"entUBq2RGdihxl3vU".parse().unwrap())
        .get()
        .send()
        .await;

    let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(!out.contains("supersecret"), "{out}");
    assert!(out.contains("airtable_request"), "{out}");
    assert!(
        out.contains("method=\"GET\"") || out.contains("method=GET"),
        "{out}"
    );
    assert!(
        out.contains("path=\"/v0/meta/whoami\"") || out.contains("path=/v0/meta/whoami"),
        "{out}"
    );
    assert!(
        out.contains("path=\"/v0/meta/enterpriseAccounts/{id}\"")
            || out.contains("path=/v0/meta/enterpriseAccounts/{id}"),
        "{out}"
    );
    assert!(out.contains("status=200"), "{out}");
    assert!(out.contains("status=404"), "{out}");
    assert!(out.contains("attempt=1"), "{out}");
    assert!(out.contains("latency_ms="), "{out}");
}
