//! For alert-rule tests: a real webhook receiver (an HTTP server on a local port that keeps
//! every request it accepts and, when told, refuses the next ones with 503 as a receiver
//! that is down for a while would), and events put into the copy the way the audit sync
//! puts them (one transaction under the copy's order lock).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::{body::Bytes, extract::State, http::HeaderMap, http::StatusCode, routing::post, Router};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// One accepted request.
#[derive(Clone, Debug)]
pub struct Received {
    pub delivery: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    /// Whether the signature is `sha256=` HMAC-SHA256(secret, "timestamp.body"), computed
    /// here independently of the console.
    pub fn signed_with(&self, secret: &str) -> bool {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
        mac.update(format!("{}.{}", self.timestamp, self.body).as_bytes());
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        self.signature == format!("sha256={hex}")
    }
}

#[derive(Clone, Default)]
struct Shared {
    accepted: Arc<Mutex<Vec<Received>>>,
    refuse: Arc<AtomicUsize>,
    refused: Arc<AtomicUsize>,
}

pub struct Receiver {
    pub url: String,
    shared: Shared,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let shared = Shared::default();
        let app = Router::new()
            .route("/hook", post(accept))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port for the receiver");
        let addr = listener.local_addr().expect("its address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            url: format!("http://{addr}/hook"),
            shared,
        }
    }

    /// Refuses the next `n` requests with 503.
    pub fn refuse_next(&self, n: usize) {
        self.shared.refuse.store(n, Ordering::SeqCst);
    }

    pub fn refused(&self) -> usize {
        self.shared.refused.load(Ordering::SeqCst)
    }

    pub fn accepted(&self) -> Vec<Received> {
        self.shared.accepted.lock().expect("not poisoned").clone()
    }
}

async fn accept(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let refusing = shared
        .refuse
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if refusing {
        shared.refused.fetch_add(1, Ordering::SeqCst);
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    shared
        .accepted
        .lock()
        .expect("not poisoned")
        .push(Received {
            delivery: header("x-console-delivery"),
            timestamp: header("x-console-timestamp"),
            signature: header("x-console-signature"),
            body: String::from_utf8_lossy(&body).into_owned(),
        });
    StatusCode::OK
}

/// Copies `n` events of `action` into the audit copy in one transaction under the copy's
/// order lock, as the sync stores a page; returns their ids in copy order.
pub async fn copy_events(db: &sqlx::PgPool, action: &str, n: i64, tag: &str) -> Vec<String> {
    let mut tx = db.begin().await.expect("a transaction");
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(console_core::audit::copy_order::COPY_ORDER_LOCK)
        .execute(&mut *tx)
        .await
        .expect("the copy's order lock");
    let ids: Vec<String> = sqlx::query_scalar(
        "INSERT INTO audit_events (id, occurred_at, action, category, actor_type, actor_email, raw)
         SELECT 'evt' || $3 || lpad(g::text, 7, '0'), now(), $1, 'role', 'user',
                'mallory@example.com',
                jsonb_build_object('id', 'evt' || $3 || lpad(g::text, 7, '0'), 'action', $1,
                                   'actor', jsonb_build_object('type', 'user'))
           FROM generate_series(1, $2::bigint) g
         RETURNING id",
    )
    .bind(action)
    .bind(n)
    .bind(tag)
    .fetch_all(&mut *tx)
    .await
    .expect("store events");
    tx.commit().await.expect("commit");
    let mut in_order: Vec<String> =
        sqlx::query_scalar("SELECT id FROM audit_events WHERE id = ANY($1) ORDER BY copy_seq")
            .bind(&ids)
            .fetch_all(db)
            .await
            .expect("read back");
    in_order.dedup();
    in_order
}
