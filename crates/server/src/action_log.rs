//! The console's own action log: who did what through the console, the approval that
//! allowed it, and what Airtable answered. Append-only, hash-chained.
//!
//! Each row's hash is SHA-256 over the previous row's hash and the row's fields in a fixed
//! canonical form; `console_action_head` holds the newest (seq, hash). [`verify`] walks the
//! chain and reports the first row that was changed, removed or inserted out of order.

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Row};
use uuid::Uuid;

/// Advisory-lock key that serialises appends (any constant unique to this table).
const APPEND_LOCK: i64 = 0x636f_6e73_6f6c_6501;

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

fn chain_hash(prev: &[u8], row: &Hashed<'_>) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(prev);
    // Serialising a struct of strings and integers cannot fail.
    hasher.update(serde_json::to_vec(row).unwrap_or_default());
    hasher.finalize().to_vec()
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Appends `action` to the log and returns its sequence number.
pub async fn record(db: &PgPool, action: NewAction<'_>) -> sqlx::Result<i64> {
    let mut tx = db.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(APPEND_LOCK)
        .execute(&mut *tx)
        .await?;
    let head = sqlx::query("SELECT seq, hash FROM console_action_head")
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
    let hash = chain_hash(
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
                                      approval_id, outcome, response, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10::jsonb, $11, $12)",
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
    // A copy in the audit history, so the console's own steps are found by the same search
    // as Airtable's events (category `console`). The chain above stays the record of truth.
    sqlx::query(
        "INSERT INTO audit_events (id, occurred_at, action, category, actor_type, actor_id,
                                   actor_email, model_id, workspace_id, base_id, raw)
         VALUES ('console-' || lpad($1::text, 12, '0'), $2, 'console.' || $3, 'console',
                 'consoleUser', $4, $5, regexp_replace($6, '^.*/', ''),
                 CASE WHEN $6 LIKE 'wsp%' THEN split_part($6, '/', 1) END,
                 CASE WHEN $6 LIKE 'app%' THEN split_part($6, '/', 1) END,
                 jsonb_build_object('source', 'console', 'seq', $1, 'action', $3,
                     'target', $6, 'details', $7::jsonb, 'approvalId', $8::text,
                     'outcome', $9, 'response', $10::jsonb,
                     'actor', jsonb_build_object('id', $4, 'email', $5)))",
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
    sqlx::query(
        "INSERT INTO console_action_head (id, seq, hash) VALUES (TRUE, $1, $2)
         ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash",
    )
    .bind(seq)
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(seq)
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Every row checks out.
    Intact { rows: i64 },
    /// The first problem, in plain words, with the row it concerns.
    Broken { seq: i64, problem: String },
}

/// Walks the whole chain (streaming, so a long log does not fill memory).
pub async fn verify(db: &PgPool) -> sqlx::Result<Verification> {
    use futures::TryStreamExt;

    let mut rows = sqlx::query(
        "SELECT seq, at, actor_id, actor_email, action, target, details::text AS details,
                approval_id, outcome, response::text AS response, prev_hash, hash
           FROM console_actions ORDER BY seq",
    )
    .fetch(db);
    let mut expected_seq = 1_i64;
    let mut prev_hash = vec![0_u8; 32];
    while let Some(row) = rows.try_next().await? {
        let seq: i64 = row.get("seq");
        if seq != expected_seq {
            return Ok(Verification::Broken {
                seq: expected_seq,
                problem: format!("row {expected_seq} is missing (the next row is {seq})"),
            });
        }
        let stored_prev: Vec<u8> = row.get("prev_hash");
        if stored_prev != prev_hash {
            return Ok(Verification::Broken {
                seq,
                problem: format!("row {seq} does not follow the row before it"),
            });
        }
        let details: String = row.get("details");
        let response: Option<String> = row.get("response");
        let approval_id: Option<Uuid> = row.get("approval_id");
        let computed = chain_hash(
            &prev_hash,
            &Hashed {
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
            },
        );
        let stored: Vec<u8> = row.get("hash");
        if computed != stored {
            return Ok(Verification::Broken {
                seq,
                problem: format!("row {seq} was changed after it was written"),
            });
        }
        prev_hash = stored;
        expected_seq += 1;
    }
    drop(rows);
    let rows = expected_seq - 1;
    let head = sqlx::query("SELECT seq, hash FROM console_action_head")
        .fetch_optional(db)
        .await?;
    match head {
        None if rows == 0 => Ok(Verification::Intact { rows }),
        None => Ok(Verification::Broken {
            seq: rows,
            problem: "the log's head record is missing".into(),
        }),
        Some(head) => {
            let head_seq: i64 = head.get("seq");
            let head_hash: Vec<u8> = head.get("hash");
            if head_seq != rows || head_hash != prev_hash {
                Ok(Verification::Broken {
                    seq: head_seq,
                    problem: format!(
                        "the log ends at row {rows} but its head says {head_seq}: newer rows were removed"
                    ),
                })
            } else {
                Ok(Verification::Intact { rows })
            }
        }
    }
}

/// The newest actions first, `limit` of them, before `before_seq` if given (keyset paging).
pub async fn recent(
    db: &PgPool,
    limit: i64,
    before_seq: Option<i64>,
) -> sqlx::Result<Vec<console_app::api::ConsoleActionRow>> {
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
        .map(|row| console_app::api::ConsoleActionRow {
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
