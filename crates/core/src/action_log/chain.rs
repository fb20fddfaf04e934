//! The keyed hash chain: what one row of the log holds, how its hash is computed, and
//! appending a row (with its copy in the audit history).

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use base64::{engine::general_purpose::STANDARD, Engine as _};
use chrono::{DateTime, SubsecRound, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Row};
use uuid::Uuid;

/// Advisory-lock key that serialises appends (any constant unique to this table).
const APPEND_LOCK: i64 = 0x636f_6e73_6f6c_6501;

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
pub(super) struct Hashed<'a> {
    pub(super) seq: i64,
    pub(super) at: String,
    pub(super) actor_id: &'a str,
    pub(super) actor_email: &'a str,
    pub(super) action: &'a str,
    pub(super) target: Option<&'a str>,
    pub(super) details: &'a str,
    pub(super) approval_id: Option<String>,
    pub(super) outcome: &'a str,
    pub(super) response: Option<&'a str>,
}

fn canonical(row: &Hashed<'_>) -> Vec<u8> {
    // Serialising a struct of strings and integers cannot fail.
    serde_json::to_vec(row).unwrap_or_default()
}

/// The hash of rows written before the chain was keyed: plain SHA-256.
pub(super) fn legacy_hash(prev: &[u8], row: &Hashed<'_>) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(prev);
    hasher.update(canonical(row));
    hasher.finalize().to_vec()
}

pub(super) fn keyed_hash(key: &[u8; 32], prev: &[u8], row: &Hashed<'_>) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(prev);
    mac.update(&canonical(row));
    mac.finalize().into_bytes().to_vec()
}

pub(super) fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

pub(super) fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn from_hex(text: &str) -> Option<Vec<u8>> {
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
    pub(super) key: Arc<[u8; 32]>,
    pub(super) witness: Option<PathBuf>,
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
        crate::audit::copy_order::lock(&mut tx).await?;
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
