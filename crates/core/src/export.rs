//! Downloads of any size (CSV and NDJSON exports): rows come from a database stream as they
//! are sent, are encoded into chunks of about 64 KiB, and go out through a small channel,
//! so memory stays flat however large the result and a slow download holds the query back
//! rather than piling rows up. A database error mid-way ends the stream with that error:
//! the server breaks the download, so nobody gets a file that silently lacks rows.
//!
//! Each export (users, reports, the audit log, a bulk job's results) checks what it can
//! before the first byte and returns a [`Download`]; the server streams it.

use std::{
    collections::HashMap,
    sync::{Arc, LazyLock, Mutex},
};

use console_types::api::{ConsoleError, SignedInUser};
use futures::{Stream, StreamExt};
use sqlx::{postgres::PgPoolOptions, PgPool};
use tokio::sync::mpsc;

/// The chunks of a download, as they are produced.
pub type Chunks = std::pin::Pin<Box<dyn Stream<Item = Result<Vec<u8>, sqlx::Error>> + Send>>;

/// A file ready to stream: its name, its type and its bytes to come.
pub struct Download {
    pub filename: String,
    pub content_type: &'static str,
    /// Named in the log if the database fails part-way.
    pub what: &'static str,
    pub chunks: Chunks,
}

/// The content type of every CSV download.
pub const CSV: &str = "text/csv; charset=utf-8";

/// Bytes gathered before a chunk is sent.
const CHUNK_BYTES: usize = 64 * 1024;
/// Chunks waiting in the channel at most.
const CHANNEL_CHUNKS: usize = 4;

/// Where a producer sends chunks, and the stream of them for the response.
pub type Sender = mpsc::Sender<Result<Vec<u8>, sqlx::Error>>;

/// A channel for one download: the sender goes to the task that reads the rows (`pump`),
/// the stream to the response (`body`).
pub fn channel() -> (
    Sender,
    impl Stream<Item = Result<Vec<u8>, sqlx::Error>> + Send + 'static,
) {
    let (sender, receiver) = mpsc::channel(CHANNEL_CHUNKS);
    let chunks = futures::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    })
    // Fused: a body layer may ask again after the end (compression does), and an unfold
    // must not be polled past it.
    .fuse();
    (sender, chunks)
}

/// Writes `head` (a CSV header, or nothing), then every row of `rows` through `encode`,
/// sending full chunks as it goes. Stops at the first error (sent on, so the download
/// breaks) or when the download was abandoned.
pub async fn pump<T>(
    rows: impl Stream<Item = Result<T, sqlx::Error>>,
    head: Vec<u8>,
    mut encode: impl FnMut(&mut Vec<u8>, T),
    sender: Sender,
) {
    let mut rows = std::pin::pin!(rows);
    let mut chunk = head;
    chunk.reserve(CHUNK_BYTES);
    while let Some(row) = rows.next().await {
        match row {
            Ok(row) => encode(&mut chunk, row),
            Err(error) => {
                let _ = sender.send(Err(error)).await;
                return;
            }
        }
        if chunk.len() >= CHUNK_BYTES {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK_BYTES));
            if sender.send(Ok(full)).await.is_err() {
                return; // the download was abandoned
            }
        }
    }
    if !chunk.is_empty() {
        let _ = sender.send(Ok(chunk)).await;
    }
}

/// Downloads' own database connections, and how many each person may have running.
///
/// A download holds a connection for as long as the browser takes to receive it (a slow
/// link and a five-million-event export: minutes). On the main pool, one viewer opening
/// many of them could take every connection and stall the console for everyone; here they
/// can only wait for each other, and each person gets [`EXPORTS_PER_PERSON`] at a time.
/// The count is per console process (a person spread over N processes gets N times as many).
#[derive(Clone)]
pub struct Exports {
    pool: PgPool,
    running: Arc<Mutex<HashMap<String, usize>>>,
}

/// Connections in the exports' pool.
pub const EXPORT_CONNECTIONS: u32 = 4;
/// Downloads one person may have running at once.
pub const EXPORTS_PER_PERSON: usize = 2;

impl Exports {
    /// A pool like `main` (same database, same role) of [`EXPORT_CONNECTIONS`], opened as
    /// downloads need them.
    pub fn new(main: &PgPool) -> Self {
        // Each download is one statement planned for its values (see
        // `audit::search::CUSTOM_PLANS`: these connections serve downloads only).
        static SETTINGS: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SET plan_cache_mode = {}",
                crate::audit::search::CUSTOM_PLANS
            )
        });
        let pool = crate::pools::beside(
            main,
            PgPoolOptions::new().max_connections(EXPORT_CONNECTIONS),
            SETTINGS.as_str(),
        );
        Exports {
            pool,
            running: Arc::default(),
        }
    }

    /// The connections downloads read through.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// A place for one more download of `who`'s, or a refusal in words when they already
    /// have [`EXPORTS_PER_PERSON`] running. The place is freed when the slot is dropped.
    pub fn slot(&self, who: &SignedInUser) -> Result<Slot, ConsoleError> {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        let mine = running.entry(who.airtable_user_id.clone()).or_insert(0);
        if *mine >= EXPORTS_PER_PERSON {
            return Err(ConsoleError::Conflict(format!(
                "You already have {EXPORTS_PER_PERSON} downloads running. Wait for one to \
                 finish (or cancel it in the browser), then start this one again."
            )));
        }
        *mine += 1;
        Ok(Slot {
            running: self.running.clone(),
            person: who.airtable_user_id.clone(),
        })
    }
}

/// One running download's place; dropping it (the download ended, or the browser went
/// away) frees it.
pub struct Slot {
    running: Arc<Mutex<HashMap<String, usize>>>,
    person: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = running.get_mut(&self.person) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                running.remove(&self.person);
            }
        }
    }
}

impl Download {
    /// The same download, holding `slot` until its last chunk is sent or it is dropped.
    pub fn holding(self, slot: Slot) -> Download {
        let chunks = self.chunks.map(move |chunk| {
            let _held = &slot;
            chunk
        });
        Download {
            chunks: Box::pin(chunks),
            ..self
        }
    }
}
