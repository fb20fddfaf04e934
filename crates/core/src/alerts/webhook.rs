//! Sends the queued webhook deliveries: signed (see [`super::payload`]), retried with
//! exponential backoff, in order per rule — a rule's next delivery waits until the one
//! before it was delivered or given up, so a receiver sees a rule's events in the order they
//! entered the copy. Different rules' receivers are sent to side by side.
//!
//! Delivery is at least once: a process killed after the receiver answered and before the
//! answer was recorded sends that delivery again (same body, same `X-Console-Delivery`).
//! No HTTP sender can do better; the delivery id lets a receiver drop the repeat.

use std::time::Duration;

use sqlx::{PgPool, Row};

use crate::crypto::TokenCipher;

/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// The most deliveries one run sends, so a run ends and the next tick starts fresh.
const RUN_LIMIT: usize = 2_000;

/// When to try again.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// The wait after the first failure; each further failure doubles it.
    pub first: Duration,
    /// The longest wait.
    pub cap: Duration,
    /// Attempts before the delivery is given up (`failed`) and the rule's next one goes.
    pub max_attempts: i32,
}

impl Default for Backoff {
    /// 2 s, 4 s, 8 s … at most 10 min apart, 12 attempts: about an hour of trying.
    fn default() -> Self {
        Self {
            first: Duration::from_secs(2),
            cap: Duration::from_secs(600),
            max_attempts: 12,
        }
    }
}

impl Backoff {
    /// The wait after the `attempts`-th failed attempt.
    pub fn after(&self, attempts: i32) -> Duration {
        let doublings = attempts.saturating_sub(1).clamp(0, 30) as u32;
        self.first
            .checked_mul(1u32 << doublings)
            .unwrap_or(self.cap)
            .min(self.cap)
    }
}

#[derive(Clone)]
pub struct Sender {
    pub db: PgPool,
    pub cipher: TokenCipher,
    pub http: reqwest::Client,
    pub backoff: Backoff,
}

/// One delivery at the head of its rule's queue.
struct Head {
    id: i64,
    rule_id: i64,
    url: String,
    body: String,
    attempts: i32,
    secret: Option<Vec<u8>>,
}

/// How one attempt went.
enum Outcome {
    Delivered(u16),
    Failed { status: Option<u16>, error: String },
}

impl Sender {
    pub fn new(db: PgPool, cipher: TokenCipher) -> Self {
        let http = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            // A receiver's redirect is not followed: the signature was made for this URL.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            db,
            cipher,
            http,
            backoff: Backoff::default(),
        }
    }

    /// Sends every delivery that is due, rule queues side by side, until none is due.
    /// Returns how many attempts were made.
    pub async fn deliver_due(&self) -> Result<usize, sqlx::Error> {
        let mut attempts = 0;
        while attempts < RUN_LIMIT {
            let heads = self.due_heads().await?;
            if heads.is_empty() {
                break;
            }
            let outcomes =
                futures::future::join_all(heads.iter().map(|head| self.attempt(head))).await;
            for (head, outcome) in heads.iter().zip(outcomes) {
                self.record(head, outcome).await?;
            }
            attempts += heads.len();
        }
        Ok(attempts)
    }

    /// The oldest pending delivery of each rule, when it is due.
    async fn due_heads(&self) -> Result<Vec<Head>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT h.id, h.rule_id, h.url, h.body, h.attempts, r.webhook_secret
               FROM (SELECT DISTINCT ON (rule_id) id, rule_id, url, body, attempts, next_attempt_at
                       FROM alert_deliveries WHERE status = 'pending'
                      ORDER BY rule_id, id) h
               JOIN alert_rules r ON r.id = h.rule_id
              WHERE h.next_attempt_at <= now()",
        )
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Head {
                    id: row.try_get("id")?,
                    rule_id: row.try_get("rule_id")?,
                    url: row.try_get("url")?,
                    body: row.try_get("body")?,
                    attempts: row.try_get("attempts")?,
                    secret: row.try_get("webhook_secret")?,
                })
            })
            .collect()
    }

    async fn attempt(&self, head: &Head) -> Outcome {
        let secret =
            match head
                .secret
                .as_deref()
                .map(|stored| super::store::open_secret(&self.cipher, head.rule_id, stored))
            {
                Some(Ok(secret)) => secret,
                _ => return Outcome::Failed {
                    status: None,
                    error:
                        "the rule's signing secret cannot be read (was CONSOLE_TOKEN_KEY changed?)"
                            .into(),
                },
            };
        let timestamp = chrono::Utc::now().timestamp();
        let sent = self
            .http
            .post(&head.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Console-Timestamp", timestamp.to_string())
            .header(
                "X-Console-Signature",
                super::payload::signature(&secret, timestamp, &head.body),
            )
            .header("X-Console-Delivery", head.id.to_string())
            .body(head.body.clone())
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => {
                Outcome::Delivered(response.status().as_u16())
            }
            Ok(response) => Outcome::Failed {
                status: Some(response.status().as_u16()),
                error: format!("the receiver answered {}", response.status()),
            },
            Err(error) if error.is_timeout() => Outcome::Failed {
                status: None,
                error: format!(
                    "the receiver did not answer within {} s",
                    ATTEMPT_TIMEOUT.as_secs()
                ),
            },
            Err(error) => Outcome::Failed {
                status: None,
                error: format!("could not reach the receiver: {}", without_url(&error)),
            },
        }
    }

    async fn record(&self, head: &Head, outcome: Outcome) -> Result<(), sqlx::Error> {
        let attempts = head.attempts + 1;
        match outcome {
            Outcome::Delivered(status) => {
                metrics::counter!("console_alert_webhook_deliveries_total", "outcome" => "delivered")
                    .increment(1);
                sqlx::query(
                    "UPDATE alert_deliveries
                        SET status = 'delivered', attempts = $2, last_http_status = $3,
                            last_error = NULL, delivered_at = now()
                      WHERE id = $1 AND status = 'pending'",
                )
                .bind(head.id)
                .bind(attempts)
                .bind(i32::from(status))
                .execute(&self.db)
                .await?;
            }
            Outcome::Failed { status, error } => {
                let gave_up = attempts >= self.backoff.max_attempts;
                let outcome = if gave_up { "failed" } else { "retry" };
                metrics::counter!("console_alert_webhook_deliveries_total", "outcome" => outcome)
                    .increment(1);
                tracing::warn!(delivery = head.id, rule = head.rule_id, %error, gave_up, "webhook delivery failed");
                let wait = self.backoff.after(attempts);
                sqlx::query(
                    "UPDATE alert_deliveries
                        SET status = CASE WHEN $5 THEN 'failed' ELSE 'pending' END,
                            attempts = $2, last_http_status = $3, last_error = $4,
                            next_attempt_at = now() + make_interval(secs => $6)
                      WHERE id = $1 AND status = 'pending'",
                )
                .bind(head.id)
                .bind(attempts)
                .bind(status.map(i32::from))
                .bind(error)
                .bind(gave_up)
                .bind(wait.as_secs_f64())
                .execute(&self.db)
                .await?;
            }
        }
        Ok(())
    }
}

/// A transport error's words without the URL, which may carry a token in its path.
fn without_url(error: &reqwest::Error) -> String {
    let mut source: Option<&dyn std::error::Error> = Some(error);
    let mut deepest = error.to_string();
    while let Some(e) = source {
        deepest = e.to_string();
        source = e.source();
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let b = Backoff {
            first: Duration::from_secs(2),
            cap: Duration::from_secs(60),
            max_attempts: 5,
        };
        assert_eq!(b.after(1), Duration::from_secs(2));
        assert_eq!(b.after(2), Duration::from_secs(4));
        assert_eq!(b.after(5), Duration::from_secs(32));
        assert_eq!(b.after(6), Duration::from_secs(60));
        assert_eq!(b.after(40), Duration::from_secs(60));
    }
}
