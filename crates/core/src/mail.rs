//! Delivers the outbox through SMTP when one is configured. Emails are written to the
//! outbox first (in the same step that causes them), so a mail server that is down delays
//! a notice but never loses it; each is retried a few times, then left for a person to see
//! in the UI with its last error.

use console_types::api::{ConsoleError, Role, SignedInUser};
use console_types::approvals::OutboxEmail;
use lettre::{message::Mailbox, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::{PgPool, Row};

use crate::{error::internal, Console};

/// Attempts per email before the console stops trying.
const MAX_ATTEMPTS: i32 = 5;
/// Emails taken per round.
const BATCH: i64 = 50;

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("CONSOLE_SMTP_URL is not a usable SMTP address: {0}")]
    Url(String),
    #[error("CONSOLE_MAIL_FROM is not an email address")]
    From,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl Mailer {
    /// `url` is `CONSOLE_SMTP_URL`, `from` is `CONSOLE_MAIL_FROM`.
    pub fn new(url: &str, from: &str) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            // The error text can echo the URL, password included: say only what is wrong.
            .map_err(|_| {
                MailError::Url(
                    "expected smtp://[user:password@]host[:port][?tls=required] or smtps://…"
                        .into(),
                )
            })?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = from.parse().map_err(|_| MailError::From)?;
        Ok(Self { transport, from })
    }

    /// Sends what is waiting; returns how many went out. Rows are claimed with `SKIP
    /// LOCKED`, so two servers never send the same email.
    pub async fn deliver_pending(&self, db: &PgPool) -> Result<usize, MailError> {
        let mut tx = db.begin().await?;
        let rows = sqlx::query(
            "SELECT id, to_email, subject, body FROM outbox
              WHERE sent_at IS NULL AND attempts < $1
              ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED",
        )
        .bind(MAX_ATTEMPTS)
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        let mut sent = 0;
        for row in rows {
            let id: i64 = row.try_get("id")?;
            let to: String = row.try_get("to_email")?;
            let result = self
                .send(
                    &to,
                    &row.try_get::<String, _>("subject")?,
                    row.try_get("body")?,
                )
                .await;
            match result {
                Ok(()) => {
                    sqlx::query("UPDATE outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    sent += 1;
                }
                Err(error) => {
                    tracing::warn!(%error, email = id, "could not send an email");
                    sqlx::query(
                        "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1",
                    )
                    .bind(id)
                    .bind(&error)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(sent)
    }

    async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), String> {
        let to: Mailbox = to
            .parse()
            .map_err(|_| format!("{to:?} is not an email address"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .body(body)
            .map_err(|e| format!("could not build the email: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("the mail server refused or could not be reached: {e}"))
    }
}

/// Delivers the outbox every 10 seconds, in one console process at a time (the lease
/// `mail-sender`).
pub fn spawn_sender(db: PgPool, mailer: Mailer, leases: crate::leases::Leases) {
    let mailer = std::sync::Arc::new(mailer);
    crate::leases::spawn_periodic(
        leases,
        "mail-sender",
        std::time::Duration::from_secs(10),
        move || {
            let (db, mailer) = (db.clone(), mailer.clone());
            async move {
                if let Err(error) = mailer.deliver_pending(&db).await {
                    tracing::warn!(%error, "outbox delivery failed");
                }
            }
        },
    );
}

// ---- The outbox page ----

pub async fn outbox(
    console: &Console,
    who: &SignedInUser,
) -> Result<Vec<OutboxEmail>, ConsoleError> {
    let everyone = who.role.allows(Role::Admin);
    let rows = sqlx::query(
        "SELECT id, created_at, to_email, subject, body, sent_at FROM outbox
          WHERE $1 OR lower(to_email) = lower($2) ORDER BY id DESC LIMIT 200",
    )
    .bind(everyone)
    .bind(&who.email)
    .fetch_all(&console.db)
    .await
    .map_err(internal)?;
    rows.iter()
        .map(|r| {
            Ok(OutboxEmail {
                id: r.try_get("id")?,
                created_at: r.try_get("created_at")?,
                to: r.try_get("to_email")?,
                subject: r.try_get("subject")?,
                body: r.try_get("body")?,
                sent_at: r.try_get("sent_at")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(internal)
}
