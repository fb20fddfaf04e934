//! Verification: walking the chain and checking it against the witness records.

use std::path::PathBuf;

use sqlx::{PgPool, Row};
use uuid::Uuid;

use super::{
    chain::{keyed_hash, legacy_hash, timestamp, ActionLog, Hashed},
    witness::Witness,
};

impl ActionLog {
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
