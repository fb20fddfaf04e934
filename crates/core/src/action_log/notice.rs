//! The daily notice: the log's head written into an email to every console admin.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Row};

use super::chain::{timestamp, to_hex};

/// Advisory-lock key taken while deciding whether to send the daily head notice, so only one
/// of several console processes on one database sends it.
const NOTICE_LOCK: i64 = 0x636f_6e73_6f6c_6502;

/// Subject of the daily notice (followed by "row N"); also how an earlier one is found.
const NOTICE_SUBJECT: &str = "Console action log head:";

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
