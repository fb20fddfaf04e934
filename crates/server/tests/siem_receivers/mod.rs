//! Real local receivers for the SIEM tests: an HTTP server (Splunk HEC or NDJSON) and a
//! syslog listener over TCP (RFC 6587 octet counting), each keeping every event it was
//! sent, in arrival order, duplicates included. They can fail for a while (500s, refused
//! connections) or stall on a batch, as real receivers do.

#![allow(dead_code)]

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::PgPool;
use tokio::io::AsyncReadExt;

/// What a receiver was sent, as it arrived: each event's (id, seq), batch by batch.
#[derive(Default)]
pub struct Received {
    pub events: Vec<(String, i64)>,
    pub batches: usize,
}

/// What the receivers do with the next requests.
#[derive(Default)]
struct Behaviour {
    /// Answer 500 (HTTP) or reset the connection (syslog) to this many more batches,
    /// without keeping them.
    fail_next: usize,
    /// From this batch on (1 = the first kept), keep the batch but do not answer until
    /// [`Log::release`]: the receiver has the events and the console has no acknowledgement,
    /// the window in which a crash makes the batch come again.
    stall_from: Option<usize>,
}

#[derive(Clone, Default)]
pub struct Log {
    received: Arc<Mutex<Received>>,
    behaviour: Arc<Mutex<Behaviour>>,
    /// Batches kept and held unanswered.
    stalled: Arc<Mutex<Vec<Vec<String>>>>,
    problems: Arc<Mutex<Vec<String>>>,
}

impl Log {
    pub fn fail_next(&self, batches: usize) {
        self.behaviour.lock().expect("lock").fail_next = batches;
    }

    pub fn stall_from(&self, batch: usize) {
        self.behaviour.lock().expect("lock").stall_from = Some(batch);
    }

    pub fn release(&self) {
        self.behaviour.lock().expect("lock").stall_from = None;
    }

    /// The ids of each batch kept but held unanswered, in arrival order.
    pub fn stalled(&self) -> Vec<Vec<String>> {
        self.stalled.lock().expect("lock").clone()
    }

    /// Every (id, seq) received, in arrival order.
    pub fn events(&self) -> Vec<(String, i64)> {
        self.received.lock().expect("lock").events.clone()
    }

    pub fn batches(&self) -> usize {
        self.received.lock().expect("lock").batches
    }

    /// Anything the receiver found wrong in what it was sent (format, headers).
    pub fn problems(&self) -> Vec<String> {
        self.problems.lock().expect("lock").clone()
    }

    fn problem(&self, what: String) {
        self.problems.lock().expect("lock").push(what);
    }

    /// Takes a batch that arrived: `false` when it is refused (not kept); otherwise keeps
    /// it and returns once it may be answered (at once unless stalled).
    async fn take(&self, envelopes: Vec<Value>) -> bool {
        {
            let mut b = self.behaviour.lock().expect("lock");
            if b.fail_next > 0 {
                b.fail_next -= 1;
                return false;
            }
        }
        let (ids, number) = self.keep(envelopes);
        let stall = self
            .behaviour
            .lock()
            .expect("lock")
            .stall_from
            .is_some_and(|from| number >= from);
        if stall {
            self.stalled.lock().expect("lock").push(ids);
            while self.behaviour.lock().expect("lock").stall_from.is_some() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        true
    }

    fn keep(&self, envelopes: Vec<Value>) -> (Vec<String>, usize) {
        let mut r = self.received.lock().expect("lock");
        r.batches += 1;
        let mut ids = Vec::new();
        for e in envelopes {
            match (e["id"].as_str(), e["seq"].as_i64()) {
                (Some(id), Some(seq)) => {
                    ids.push(id.to_string());
                    r.events.push((id.to_string(), seq))
                }
                _ => self.problem(format!("an event without id or seq: {e}")),
            }
        }
        (ids, r.batches)
    }
}

/// The outcome of comparing what a receiver got with what it should have got.
#[derive(Debug)]
pub struct Delivery {
    /// The ids in order of first arrival, duplicates dropped.
    pub unique: Vec<String>,
    /// Arrivals of an id already received.
    pub duplicates: usize,
}

/// Deduplicates `events` by id, as a SIEM would.
pub fn deduplicate(events: &[(String, i64)]) -> Delivery {
    let mut seen = HashSet::new();
    let mut unique = Vec::new();
    let mut duplicates = 0;
    for (id, _) in events {
        if seen.insert(id.clone()) {
            unique.push(id.clone());
        } else {
            duplicates += 1;
        }
    }
    Delivery { unique, duplicates }
}

/// The HTTP receiver; `hec` expects Splunk HEC objects and `Authorization: Splunk <token>`,
/// otherwise NDJSON.
pub async fn http_receiver(hec: Option<&str>) -> (SocketAddr, Log) {
    let log = Log::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let token = hec.map(|t| format!("Splunk {t}"));
    let state = log.clone();
    let app = axum::Router::new().route(
        "/{*path}",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let log = state.clone();
                let token = token.clone();
                async move {
                    let envelopes = match &token {
                        Some(expected) => {
                            let auth = headers
                                .get("authorization")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default();
                            if auth != expected {
                                log.problem(format!("authorization {auth:?}"));
                                return (axum::http::StatusCode::UNAUTHORIZED, "Invalid token");
                            }
                            let mut events = Vec::new();
                            for object in
                                serde_json::Deserializer::from_slice(&body).into_iter::<Value>()
                            {
                                match object {
                                    Ok(o)
                                        if o["sourcetype"] == "airtable:audit"
                                            && o["time"].is_number() =>
                                    {
                                        events.push(o["event"].clone())
                                    }
                                    Ok(o) => log.problem(format!("not a HEC event: {o}")),
                                    Err(e) => log.problem(format!("not JSON: {e}")),
                                }
                            }
                            events
                        }
                        None => body
                            .split(|b| *b == b'\n')
                            .filter(|line| !line.is_empty())
                            .filter_map(|line| match serde_json::from_slice::<Value>(line) {
                                Ok(v) => Some(v),
                                Err(e) => {
                                    log.problem(format!("a line that is not JSON: {e}"));
                                    None
                                }
                            })
                            .collect(),
                    };
                    if !log.take(envelopes).await {
                        return (
                            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                            "down for a while",
                        );
                    }
                    (axum::http::StatusCode::OK, r#"{"text":"Success","code":0}"#)
                }
            },
        ),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, log)
}

/// The syslog receiver on `addr` (bound now). Each connection is read to its end, its
/// octet-counted frames parsed (RFC 5424 with the event's JSON as the message), then
/// closed: the close is what the console takes as the acknowledgement.
pub async fn syslog_receiver_on(addr: SocketAddr, log: Log) -> tokio::task::JoinHandle<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .expect("bind syslog");
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let log = log.clone();
            tokio::spawn(async move {
                let mut bytes = Vec::new();
                if stream.read_to_end(&mut bytes).await.is_err() {
                    return;
                }
                let envelopes = match parse_frames(&bytes) {
                    Ok(envelopes) => envelopes,
                    Err(e) => {
                        log.problem(e);
                        return;
                    }
                };
                if !log.take(envelopes).await {
                    // Refused: a reset rather than a clean close. (Deprecated because a
                    // non-zero linger blocks the thread on drop; zero does not.)
                    #[allow(deprecated)]
                    let _ = stream.set_linger(Some(Duration::ZERO));
                }
                drop(stream);
            });
        }
    })
}

pub async fn syslog_receiver() -> (SocketAddr, Log) {
    let addr = free_port();
    let log = Log::default();
    syslog_receiver_on(addr, log.clone()).await;
    (addr, log)
}

pub fn free_port() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
}

/// `<len> <msg>` frames; each message `<110>1 … [airtable@32473 id=… seq=…] {json}`.
fn parse_frames(mut bytes: &[u8]) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let space = bytes
            .iter()
            .position(|b| *b == b' ')
            .ok_or("a frame without a length")?;
        let len: usize = std::str::from_utf8(&bytes[..space])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or("a length that is not a number")?;
        let message = bytes
            .get(space + 1..space + 1 + len)
            .ok_or("a frame shorter than its length")?;
        bytes = &bytes[space + 1 + len..];
        let text = std::str::from_utf8(message).map_err(|e| e.to_string())?;
        if !text.starts_with("<110>1 ") {
            return Err(format!("not RFC 5424 with PRI 110: {text}"));
        }
        let sd = text
            .find("[airtable@32473 id=\"")
            .ok_or("no structured data")?;
        let body = text[sd..]
            .find("] ")
            .ok_or("no message after the structured data")?;
        let json: Value =
            serde_json::from_str(&text[sd + body + 2..]).map_err(|e| e.to_string())?;
        if !text[sd..].starts_with(&format!(
            "[airtable@32473 id=\"{}\"",
            json["id"].as_str().unwrap_or("?")
        )) {
            return Err(format!("structured data and message disagree: {text}"));
        }
        out.push(json);
    }
    Ok(out)
}

/// The ids of the copy after position 0, in the copy's order: what a sink started at the
/// beginning must deliver.
async fn copy_in_order(db: &PgPool) -> Vec<String> {
    sqlx::query_scalar("SELECT id FROM audit_events ORDER BY copy_seq")
        .fetch_all(db)
        .await
        .expect("the copy")
}

/// Waits (at most `limit`) until every receiver holds, deduplicated, exactly the copy in its
/// order, with no sync running or asked for; returns the copy.
pub async fn delivered_everything(
    db: &PgPool,
    logs: &[(&str, &Log)],
    limit: Duration,
) -> Vec<String> {
    let started = Instant::now();
    loop {
        let idle: bool = sqlx::query_scalar(
            "SELECT requested_at IS NULL AND run_finished_at IS NOT NULL FROM audit_sync",
        )
        .fetch_one(db)
        .await
        .expect("sync state");
        let copy = copy_in_order(db).await;
        let done = idle
            && logs
                .iter()
                .all(|(_, log)| deduplicate(&log.events()).unique == copy);
        if done {
            return copy;
        }
        if started.elapsed() > limit {
            for (name, log) in logs {
                let got = deduplicate(&log.events());
                let missing: Vec<_> = copy
                    .iter()
                    .filter(|id| !got.unique.contains(id))
                    .take(5)
                    .collect();
                eprintln!(
                    "{name}: {} of {} events, first missing {missing:?}, problems {:?}",
                    got.unique.len(),
                    copy.len(),
                    log.problems()
                );
            }
            panic!("the sinks did not receive the whole copy within {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
