//! Downloads of any size (CSV and NDJSON exports): rows come from a database stream as they
//! are sent, are encoded into chunks of about 64 KiB, and go out through a small channel,
//! so memory stays flat however large the result and a slow download holds the query back
//! rather than piling rows up. A database error mid-way ends the stream with that error:
//! the server breaks the download, so nobody gets a file that silently lacks rows.
//!
//! Each export (users, reports, the audit log, a bulk job's results) checks what it can
//! before the first byte and returns a [`Download`]; the server streams it.

use futures::{Stream, StreamExt};
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
    });
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
