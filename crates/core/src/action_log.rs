//! The console's own action log: who did what through the console, the approval that
//! allowed it, and what Airtable answered. Append-only, hash-chained with a key.
//!
//! Each row's hash is HMAC-SHA256, keyed with `CONSOLE_LOG_KEY` (which is kept outside the
//! database), over the previous row's hash and the row's fields in a fixed canonical form.
//! Someone who can write the tables, even their owner, can change rows but cannot compute
//! the hashes that would hide it. Rows written before the chain was keyed carry plain
//! SHA-256 (`keyed` false) and are accepted only before the first keyed row.
//!
//! A chain alone cannot show that its newest rows were deleted, or all of them: the head
//! (newest seq and hash) is therefore written outside the database, to an append-only
//! witness file (`<CONSOLE_DATA_DIR>/action-log-head`) after every append and every hour,
//! and once a day into a notice to the console's admins. [`ActionLog::verify`] walks the
//! chain and checks every witness record against it.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use base64::{engine::general_purpose::STANDARD, Engine as _};
use chrono::{DateTime, SubsecRound, Utc};
use console_types::api::{ActionLogCheck, ConsoleActionRow, ConsoleError};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Row};
use uuid::Uuid;

use crate::{error::internal, Console};

/// Advisory-lock key that serialises appends (any constant unique to this table).
const APPEND_LOCK: i64 = 0x636f_6e73_6f6c_6501;

/// Advisory-lock key taken while deciding whether to send the daily head notice, so only one
/// of several console processes on one database sends it.
const NOTICE_LOCK: i64 = 0x636f_6e73_6f6c_6502;

/// The witness file's name in the data directory.
pub const WITNESS_FILE: &str = "action-log-head";

/// Subject of the daily notice (followed by "row N"); also how an earlier one is found.
const NOTICE_SUBJECT: &str = "Console action log head:";

/// How often the head is written to the witness file (and the daily notice considered).
const WITNESS_INTERVAL: Duration = Duration::from_secs(3600);

type HmacSha256 = Hmac<Sha256>;

/// One thing someone did through the console.
#[derive(Debug, Clone)]
pub struct NewAction<'a> {
    pub actor_id: &'a str,
    pub actor_email: &'a str,
    pub action: &'a str,
    pub target: Option<&'a str>,
    pub details: serde_json::Value,
    pub approval_id: Option<Uuid>,
    pub outcome: Outcome,
    pub response: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Failed,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
        }
    }
}

/// The fields a hash covers, in a fixed order. JSON values are hashed as Postgres returns
/// them from `jsonb` (`::text`), which is canonical (sorted keys, no extra spaces).
#[derive(Serialize)]
struct Hashed<'a> {
    seq: i64,
    at: String,
    actor_id: &'a str,
    actor_email: &'a str,
    action: &'a str,
    target: Option<&'a str>,
    details: &'a str,
    approval_id: Option<String>,
    outcome: &'a str,
    response: Option<&'a str>,
}

fn canonical(row: &Hashed<'_>) -> Vec<u8> {
    // Serialising a struct of strings and integers cannot fail.
    serde_json::to_vec(row).unwrap_or_default()
}

/// The hash of rows written before the chain was keyed: plain SHA-256.
fn legacy_hash(prev: &[u8], row: &Hashed<'_>) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(prev);
    hasher.update(canonical(row));
    hasher.finalize().to_vec()
}

fn keyed_hash(key: &[u8; 32], prev: &[u8], row: &Hashed<'_>) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(prev);
    mac.update(&canonical(row));
    mac.finalize().into_bytes().to_vec()
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    text.as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [high, low] => Some(hex_digit(*high)? << 4 | hex_digit(*low)?),
            _ => None,
        })
        .collect()
}

fn hex_digit(c: u8) -> Option<u8> {
    (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// `CONSOLE_LOG_KEY` is not base64 of exactly 32 bytes.
#[derive(Debug, thiserror::Error)]
#[error("the action log key must be base64 of exactly 32 bytes")]
pub struct BadLogKey;

/// Decodes a base64 log key (`CONSOLE_LOG_KEY`).
pub fn decode_key(key: &str) -> Result<[u8; 32], BadLogKey> {
    let bytes = STANDARD.decode(key.trim()).map_err(|_| BadLogKey)?;
    bytes.try_into().map_err(|_| BadLogKey)
}

/// The action log as the console writes and checks it: the chain's key, and where the
/// head is witnessed outside the database.
#[derive(Clone)]
pub struct ActionLog {
    key: Arc<[u8; 32]>,
    witness: Option<PathBuf>,
}

impl std::fmt::Debug for ActionLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActionLog")
            .field("key", &"<redacted>")
            .field("witness", &self.witness)
            .finish()
    }
}

impl ActionLog {
    /// `witness`: the file each append's head is added to (`None` writes none, e.g. in
    /// tests that give the verifier their own).
    pub fn new(key: [u8; 32], witness: Option<PathBuf>) -> Self {
        Self {
            key: Arc::new(key),
            witness,
        }
    }

    pub fn from_base64_key(key: &str, witness: Option<PathBuf>) -> Result<Self, BadLogKey> {
        Ok(Self::new(decode_key(key)?, witness))
    }

    /// The witness file this log writes to, if any.
    pub fn witness_path(&self) -> Option<&Path> {
        self.witness.as_deref()
    }

    /// Appends `action` to the log and returns its sequence number. Once committed, the new
    /// head is added to the witness file; a failure there is logged and does not fail the
    /// action (the hourly witness catches up).
    pub async fn record(&self, db: &PgPool, action: NewAction<'_>) -> sqlx::Result<i64> {
        let (seq, hash) = self.append(db, action).await?;
        self.witness_head(seq, &hash).await;
        Ok(seq)
    }

    async fn append(&self, db: &PgPool, action: NewAction<'_>) -> sqlx::Result<(i64, Vec<u8>)> {
        let mut tx = db.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(APPEND_LOCK)
            .execute(&mut *tx)
            .await?;
        let head = sqlx::query("SELECT seq, hash FROM console_actions ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
        let (prev_seq, prev_hash): (i64, Vec<u8>) = match head {
            Some(row) => (row.get("seq"), row.get("hash")),
            None => (0, vec![0; 32]),
        };
        let seq = prev_seq + 1;
        // Postgres keeps microseconds; hash exactly what it will return.
        let at = Utc::now().trunc_subsecs(6);
        // Let Postgres canonicalise the JSON first, so the hash covers what is stored.
        let details: String = sqlx::query_scalar("SELECT $1::jsonb::text")
            .bind(&action.details)
            .fetch_one(&mut *tx)
            .await?;
        let response: Option<String> = match &action.response {
            Some(value) => Some(
                sqlx::query_scalar("SELECT $1::jsonb::text")
                    .bind(value)
                    .fetch_one(&mut *tx)
                    .await?,
            ),
            None => None,
        };
        let hash = keyed_hash(
            &self.key,
            &prev_hash,
            &Hashed {
                seq,
                at: timestamp(at),
                actor_id: action.actor_id,
                actor_email: action.actor_email,
                action: action.action,
                target: action.target,
                details: &details,
                approval_id: action.approval_id.map(|id| id.to_string()),
                outcome: action.outcome.as_str(),
                response: response.as_deref(),
            },
        );
        sqlx::query(
            "INSERT INTO console_actions (seq, at, actor_id, actor_email, action, target, details,
                                          approval_id, outcome, response, prev_hash, hash, keyed)
             VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10::jsonb, $11, $12, TRUE)",
        )
        .bind(seq)
        .bind(at)
        .bind(action.actor_id)
        .bind(action.actor_email)
        .bind(action.action)
        .bind(action.target)
        .bind(&details)
        .bind(action.approval_id)
        .bind(action.outcome.as_str())
        .bind(&response)
        .bind(&prev_hash)
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
        // A copy in the audit history, so the console's own steps are found by the same
        // search as Airtable's events (category `console`). The chain above stays the
        // record of truth. A copy with this number can exist only if newer rows of the log
        // were deleted: the old copy is kept (it is evidence), and the action still goes
        // through.
        let copied = sqlx::query(
            "INSERT INTO audit_events (id, occurred_at, action, category, actor_type, actor_id,
                                       actor_email, model_id, workspace_id, base_id, raw)
             VALUES ('console-' || lpad($1::text, 12, '0'), $2, 'console.' || $3, 'console',
                     'consoleUser', $4, $5, regexp_replace($6, '^.*/', ''),
                     CASE WHEN $6 LIKE 'wsp%' THEN split_part($6, '/', 1) END,
                     CASE WHEN $6 LIKE 'app%' THEN split_part($6, '/', 1) END,
                     jsonb_build_object('source', 'console', 'seq', $1, 'action', $3,
                         'target', $6, 'details', $7::jsonb, 'approvalId', $8::text,
                         'outcome', $9, 'response', $10::jsonb,
                         'actor', jsonb_build_object('id', $4, 'email', $5)))
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(seq)
        .bind(at)
        .bind(action.action)
        .bind(action.actor_id)
        .bind(action.actor_email)
        .bind(action.target)
        .bind(&details)
        .bind(action.approval_id)
        .bind(action.outcome.as_str())
        .bind(&response)
        .execute(&mut *tx)
        .await?;
        if copied.rows_affected() == 0 {
            tracing::warn!(
                seq,
                "the audit history already holds a console event numbered like this new action-log row: the log's newest rows were deleted (console-server verify-action-log names them)"
            );
        }
        tx.commit().await?;
        Ok((seq, hash))
    }

    /// Adds the log's current head to the witness file (nothing when the log is empty or
    /// this log has no witness file). Returns the row written.
    pub async fn write_witness(&self, db: &PgPool) -> anyhow::Result<Option<i64>> {
        if self.witness.is_none() {
            return Ok(None);
        }
        let head = sqlx::query("SELECT seq, hash FROM console_actions ORDER BY seq DESC LIMIT 1")
            .fetch_optional(db)
            .await?;
        let Some(head) = head else {
            return Ok(None);
        };
        let seq: i64 = head.get("seq");
        let hash: Vec<u8> = head.get("hash");
        self.append_witness_line(seq, &hash).await?;
        Ok(Some(seq))
    }

    /// [`Self::append_witness_line`], with a failure logged rather than returned.
    async fn witness_head(&self, seq: i64, hash: &[u8]) {
        if let Err(error) = self.append_witness_line(seq, hash).await {
            tracing::error!(%error, seq, witness = ?self.witness, "could not write the action log's head to the witness file");
        }
    }

    /// Appends `<seq> <hex hash> <time>` to the witness file. The file is opened for
    /// appending and the line written in one call, so several console processes sharing
    /// the file do not interleave their lines.
    async fn append_witness_line(&self, seq: i64, hash: &[u8]) -> std::io::Result<()> {
        let Some(path) = self.witness.clone() else {
            return Ok(());
        };
        let line = format!(
            "{seq} {} {}\n",
            to_hex(hash),
            Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        tokio::task::spawn_blocking(move || {
            use std::io::Write;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)?;
            file.write_all(line.as_bytes())
        })
        .await
        .map_err(std::io::Error::other)?
    }

    /// Checks the chain, and against this log's witness file when it exists.
    pub async fn verify(&self, db: &PgPool) -> sqlx::Result<Verification> {
        let mut witnesses = Vec::new();
        if let Some(path) = &self.witness {
            if tokio::fs::try_exists(path).await? {
                witnesses.push(path.clone());
            }
        }
        self.verify_against(db, &witnesses).await
    }

    /// Walks the whole chain (streaming, so a long log does not fill memory) and checks
    /// every record of the given witness files against it. A file that cannot be read is
    /// an error (wrapped as `sqlx::Error::Io`).
    pub async fn verify_against(
        &self,
        db: &PgPool,
        witnesses: &[PathBuf],
    ) -> sqlx::Result<Verification> {
        use futures::TryStreamExt;

        let witness = Witness::read(witnesses).await?;
        let mut records = witness.records.iter().peekable();
        let mut rows = sqlx::query(
            "SELECT seq, at, actor_id, actor_email, action, target, details::text AS details,
                    approval_id, outcome, response::text AS response, prev_hash, hash, keyed
               FROM console_actions ORDER BY seq",
        )
        .fetch(db);
        let mut expected_seq = 1_i64;
        let mut prev_hash = vec![0_u8; 32];
        let mut first_keyed: Option<i64> = None;
        let mut legacy_rows = 0_i64;
        while let Some(row) = rows.try_next().await? {
            let seq: i64 = row.get("seq");
            if seq < expected_seq {
                return Ok(broken(
                    seq,
                    format!(
                        "row {seq} should not exist (rows are numbered from 1): it was inserted"
                    ),
                ));
            }
            if seq > expected_seq {
                let problem = if seq == expected_seq + 1 {
                    format!("row {expected_seq} is missing (the next row is {seq})")
                } else {
                    format!(
                        "rows {expected_seq}–{} are missing (the next row is {seq})",
                        seq - 1
                    )
                };
                return Ok(broken(expected_seq, problem));
            }
            let stored_prev: Vec<u8> = row.get("prev_hash");
            if stored_prev != prev_hash {
                return Ok(broken(
                    seq,
                    format!(
                        "row {seq} does not follow the row before it (rows were removed, inserted or renumbered)"
                    ),
                ));
            }
            let details: String = row.get("details");
            let response: Option<String> = row.get("response");
            let approval_id: Option<Uuid> = row.get("approval_id");
            let keyed: bool = row.get("keyed");
            let hashed = Hashed {
                seq,
                at: timestamp(row.get("at")),
                actor_id: row.get("actor_id"),
                actor_email: row.get("actor_email"),
                action: row.get("action"),
                target: row.get("target"),
                details: &details,
                approval_id: approval_id.map(|id| id.to_string()),
                outcome: row.get("outcome"),
                response: response.as_deref(),
            };
            let stored: Vec<u8> = row.get("hash");
            if keyed {
                if keyed_hash(&self.key, &prev_hash, &hashed) != stored {
                    return Ok(broken(
                        seq,
                        format!(
                            "row {seq} was changed after it was written (its keyed hash does not match)"
                        ),
                    ));
                }
                first_keyed.get_or_insert(seq);
            } else if let Some(first) = first_keyed {
                return Ok(broken(
                    seq,
                    format!(
                        "row {seq} was changed after it was written (it is marked as written before the log was keyed, but comes after keyed row {first})"
                    ),
                ));
            } else if legacy_hash(&prev_hash, &hashed) != stored {
                return Ok(broken(
                    seq,
                    format!("row {seq} was changed after it was written (its hash does not match)"),
                ));
            } else {
                legacy_rows += 1;
            }
            while let Some(record) = records.next_if(|r| r.seq <= seq) {
                if record.seq == seq && record.hash != stored {
                    return Ok(broken(
                        seq,
                        format!(
                            "row {seq} differs from the hash the witness recorded at {} ({}): the log was rewritten",
                            record.at, record.place
                        ),
                    ));
                }
            }
            prev_hash = stored;
            expected_seq += 1;
        }
        drop(rows);
        let rows = expected_seq - 1;
        // What is left in the witness is beyond the log's end.
        if let Some(newest) = records.max_by_key(|r| r.seq) {
            let problem = if rows == 0 {
                format!(
                    "the log is empty but the witness recorded {} rows at {} ({}): it was truncated",
                    newest.seq, newest.at, newest.place
                )
            } else if newest.seq == rows + 1 {
                format!(
                    "the witness recorded row {} (at {}, {}) but the log ends at row {rows}: row {} was deleted",
                    newest.seq, newest.at, newest.place, newest.seq
                )
            } else {
                format!(
                    "the witness recorded row {} (at {}, {}) but the log ends at row {rows}: rows {}–{} were deleted",
                    newest.seq,
                    newest.at,
                    newest.place,
                    rows + 1,
                    newest.seq
                )
            };
            return Ok(broken(rows + 1, problem));
        }
        Ok(Verification::Intact {
            rows,
            legacy_rows,
            witness: (!witnesses.is_empty()).then(|| witness.summary()),
        })
    }
}

fn broken(seq: i64, problem: String) -> Verification {
    Verification::Broken { seq, problem }
}

/// What [`ActionLog::verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Every row checks out, and agrees with every witness record.
    Intact {
        rows: i64,
        /// Rows written before the chain was keyed (plain SHA-256): someone who could write
        /// the tables could have rewritten these undetected, unless a witness recorded them.
        legacy_rows: i64,
        /// The witness the log was checked against; `None` when there was none, so deleting
        /// the newest rows or truncating the log could not be detected.
        witness: Option<WitnessSummary>,
    },
    /// The first problem, in plain words, with the row it concerns.
    Broken { seq: i64, problem: String },
}

/// The witness records a verification used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessSummary {
    pub files: usize,
    pub records: usize,
    /// The newest row a witness recorded, and when.
    pub newest: Option<(i64, String)>,
    /// Lines that are not witness records (e.g. a line cut short by a full disk).
    pub unreadable_lines: usize,
}

/// One line of a witness file.
struct WitnessRecord {
    seq: i64,
    hash: Vec<u8>,
    at: String,
    /// `file line N`, for the report.
    place: String,
}

struct Witness {
    /// Sorted by seq.
    records: Vec<WitnessRecord>,
    files: usize,
    unreadable_lines: usize,
}

impl Witness {
    async fn read(paths: &[PathBuf]) -> std::io::Result<Witness> {
        let mut witness = Witness {
            records: Vec::new(),
            files: paths.len(),
            unreadable_lines: 0,
        };
        for path in paths {
            let text = tokio::fs::read_to_string(path).await.map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("cannot read the witness file {}: {e}", path.display()),
                )
            })?;
            for (n, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                match parse_witness_line(line) {
                    Some((seq, hash, at)) => witness.records.push(WitnessRecord {
                        seq,
                        hash,
                        at: at.to_string(),
                        place: format!("{} line {}", path.display(), n + 1),
                    }),
                    None => witness.unreadable_lines += 1,
                }
            }
        }
        witness.records.sort_by_key(|r| r.seq);
        Ok(witness)
    }

    fn summary(&self) -> WitnessSummary {
        WitnessSummary {
            files: self.files,
            records: self.records.len(),
            newest: self.records.last().map(|r| (r.seq, r.at.clone())),
            unreadable_lines: self.unreadable_lines,
        }
    }
}

/// `<seq> <hex hash> <time>`; rows are numbered from 1.
fn parse_witness_line(line: &str) -> Option<(i64, Vec<u8>, &str)> {
    let mut parts = line.split_whitespace();
    let seq: i64 = parts.next()?.parse().ok().filter(|seq| *seq >= 1)?;
    let hash = from_hex(parts.next()?).filter(|h| h.len() == 32)?;
    let at = parts.next()?;
    Some((seq, hash, at))
}

/// Whether the role this pool connects as could change or remove rows of the log: it
/// may update, delete or truncate `console_actions`, or owns it (and so could disable the
/// append-only trigger or alter the table).
pub async fn role_can_change_log(db: &PgPool) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT has_table_privilege('console_actions', 'UPDATE')
             OR has_table_privilege('console_actions', 'DELETE')
             OR has_table_privilege('console_actions', 'TRUNCATE')
             OR pg_has_role(c.relowner, 'MEMBER')
           FROM pg_class c WHERE c.oid = 'console_actions'::regclass",
    )
    .fetch_one(db)
    .await
}

/// Writes the head to the witness file now and every hour, and sends the daily notice.
pub fn spawn_witness(log: ActionLog, db: PgPool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(WITNESS_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(error) = log.write_witness(&db).await {
                tracing::error!(%error, "could not write the action log's head to the witness file");
            }
            if let Err(error) = send_daily_notice(&db).await {
                tracing::error!(%error, "could not write the daily action-log notice");
            }
        }
    });
}

/// Writes the log's head into a notice to every console admin, unless one was written in
/// the last 23 hours (or another console process is doing it right now), so the head also
/// lives in people's mailboxes. Returns how many emails were written.
pub async fn send_daily_notice(db: &PgPool) -> sqlx::Result<usize> {
    let mut tx = db.begin().await?;
    let ours: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
        .bind(NOTICE_LOCK)
        .fetch_one(&mut *tx)
        .await?;
    if !ours {
        return Ok(0);
    }
    let recent: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM outbox
                         WHERE starts_with(subject, $1)
                           AND created_at > now() - interval '23 hours')",
    )
    .bind(NOTICE_SUBJECT)
    .fetch_one(&mut *tx)
    .await?;
    if recent {
        return Ok(0);
    }
    let head = sqlx::query("SELECT seq, hash, at FROM console_actions ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *tx)
        .await?;
    // An empty log has no head worth keeping.
    let Some(head) = head else {
        return Ok(0);
    };
    let seq: i64 = head.get("seq");
    let hash = to_hex(&head.get::<Vec<u8>, _>("hash"));
    let at: DateTime<Utc> = head.get("at");
    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let admins: Vec<String> =
        sqlx::query_scalar("SELECT email FROM console_users WHERE role = 'admin' ORDER BY email")
            .fetch_all(&mut *tx)
            .await?;
    let subject = format!("{NOTICE_SUBJECT} row {seq}");
    let body = format!(
        "The console's action log ends at row {seq}, written at {at}.\n\
         Hash of row {seq}: {hash}\n\
         \n\
         Please keep this message. It records the log's newest row outside the console's\n\
         database, so that rows changed, deleted or removed all at once afterwards can be\n\
         detected, even by someone in control of that database.\n\
         \n\
         To check the log, run `console-server verify-action-log` with the console's\n\
         settings (it also reads the witness file in the console's data directory). To\n\
         check it against this message, save the line below to a file and add\n\
         `--witness <that file>`:\n\
         \n\
         {seq} {hash} {now}\n",
        at = timestamp(at),
    );
    for to in &admins {
        sqlx::query("INSERT INTO outbox (to_email, subject, body) VALUES ($1, $2, $3)")
            .bind(to)
            .bind(&subject)
            .bind(&body)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(admins.len())
}

/// The newest actions first, `limit` of them, before `before_seq` if given (keyset paging).
pub async fn recent(
    db: &PgPool,
    limit: i64,
    before_seq: Option<i64>,
) -> sqlx::Result<Vec<console_types::api::ConsoleActionRow>> {
    let rows = sqlx::query(
        "SELECT seq, at, actor_email, action, target, details::text AS details, approval_id,
                outcome, response::text AS response
           FROM console_actions
          WHERE $2::bigint IS NULL OR seq < $2
          ORDER BY seq DESC LIMIT $1",
    )
    .bind(limit)
    .bind(before_seq)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| console_types::api::ConsoleActionRow {
            seq: row.get("seq"),
            at: row.get("at"),
            actor_email: row.get("actor_email"),
            action: row.get("action"),
            target: row.get("target"),
            details: row.get("details"),
            approval_id: row
                .get::<Option<Uuid>, _>("approval_id")
                .map(|id| id.to_string()),
            ok: row.get::<String, _>("outcome") == "ok",
            response: row.get("response"),
        })
        .collect())
}

// ---- What the action-log page asks for ----

/// Rows per page of the action log.
const ACTION_LOG_PAGE: i64 = 50;

pub async fn page(
    console: &Console,
    before_seq: Option<i64>,
) -> Result<Vec<ConsoleActionRow>, ConsoleError> {
    recent(&console.db, ACTION_LOG_PAGE, before_seq)
        .await
        .map_err(internal)
}

pub async fn check(console: &Console) -> Result<ActionLogCheck, ConsoleError> {
    let verdict = console
        .action_log
        .verify(&console.db)
        .await
        .map_err(internal)?;
    let mut notes = Vec::new();
    if role_can_change_log(&console.db).await.map_err(internal)? {
        notes.push(
            "The console's own database role can change or delete rows of this log: the keyed chain and the witness still detect it, but give the console a role of its own (README: Database roles).".to_string(),
        );
    }
    Ok(match verdict {
        Verification::Intact {
            rows,
            legacy_rows,
            witness,
        } => {
            if legacy_rows > 0 {
                notes.push(format!(
                    "{legacy_rows} rows were written before the log was keyed (plain SHA-256)."
                ));
            }
            notes.push(match witness {
                Some(w) => format!(
                    "Checked against {} witness record(s) kept outside the database{}.",
                    w.records,
                    w.newest
                        .map(|(seq, at)| format!(", the newest for row {seq} at {at}"))
                        .unwrap_or_default()
                ),
                None => "No witness file was found: deleting the newest rows or emptying the log could not be detected.".to_string(),
            });
            ActionLogCheck {
                intact: true,
                rows,
                problem: None,
                notes,
            }
        }
        Verification::Broken { seq, problem } => ActionLogCheck {
            intact: false,
            rows: seq,
            problem: Some(problem),
            notes,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn witness_lines_are_read_back_as_written() {
        let hash: Vec<u8> = (0..32).map(|i| i * 7).collect();
        let line = format!("12 {} 2026-12-03T10:00:00Z", to_hex(&hash));
        assert_eq!(
            parse_witness_line(&line),
            Some((12, hash.clone(), "2026-12-03T10:00:00Z"))
        );
        for bad in [
            "",
            "12",
            "0 00 2026",
            &format!("-1 {} t", to_hex(&hash)),
            &format!("12 {} ", to_hex(&hash)),
            &format!("12 {}0 t", to_hex(&hash)),
            &format!("12 {} t", to_hex(&hash[..31])),
            &format!("12 {}zz t", to_hex(&hash[..31])),
        ] {
            assert_eq!(parse_witness_line(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_key_is_checked_and_never_printed() {
        assert!(decode_key("c2hvcnQ=").is_err());
        assert!(decode_key("not base64").is_err());
        let key = STANDARD.encode([9_u8; 32]);
        let log = ActionLog::from_base64_key(&key, None).expect("a 32-byte key");
        assert!(!format!("{log:?}").contains("9, 9"));
        assert!(format!("{log:?}").contains("redacted"));
    }

    #[test]
    fn the_keyed_hash_depends_on_the_key() {
        let row = Hashed {
            seq: 1,
            at: "2026-12-03T10:00:00.000000Z".into(),
            actor_id: "usr",
            actor_email: "a@example.com",
            action: "roles.grant",
            target: None,
            details: "{}",
            approval_id: None,
            outcome: "ok",
            response: None,
        };
        let prev = [0_u8; 32];
        assert_ne!(
            keyed_hash(&[1; 32], &prev, &row),
            keyed_hash(&[2; 32], &prev, &row)
        );
        assert_ne!(keyed_hash(&[1; 32], &prev, &row), legacy_hash(&prev, &row));
        assert_eq!(keyed_hash(&[1; 32], &prev, &row).len(), 32);
    }
}
