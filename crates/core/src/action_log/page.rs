//! What the action-log page asks for: the newest rows, and the verdict of a check.

use console_types::api::{ActionLogCheck, ConsoleActionRow, ConsoleError};
use sqlx::{PgPool, Row};
use uuid::Uuid;

use super::{role_can_change_log, Verification};
use crate::{error::internal, Console};

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
