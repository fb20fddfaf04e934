//! Reminders by email: each reviewer with undecided items gets one reminder when the due
//! date is near ([`REMIND_BEFORE`]) and one when it has passed. A periodic job under the
//! lease `review-reminders`; each reminder is a row of `review_reminders` whose primary key
//! (campaign, reviewer, kind) is inserted in the same transaction as its outbox email, so
//! two processes, two evaluations or a restart never send it twice.

use std::time::Duration;

use sqlx::{PgPool, Row};

/// How long before the due date the first reminder goes.
pub const REMIND_BEFORE: chrono::Duration = chrono::Duration::days(3);
/// How often the job looks.
pub const EVERY: Duration = Duration::from_secs(60);
/// The lease the job runs under.
pub const LEASE: &str = "review-reminders";

/// Starts the job, in one process at a time.
pub fn spawn(console: &crate::Console) {
    let db = console.db.clone();
    let public_url = console.policy.public_url.to_string();
    crate::leases::spawn_periodic(console.leases.clone(), LEASE, EVERY, move || {
        let db = db.clone();
        let public_url = public_url.clone();
        async move {
            if let Err(error) = run_once(&db, &public_url).await {
                tracing::warn!(%error, "access reviews: reminders failed");
            }
        }
    });
}

/// Queues the reminders that are due and not yet sent; returns how many were queued.
pub async fn run_once(db: &PgPool, public_url: &str) -> sqlx::Result<usize> {
    let due = sqlx::query(
        "SELECT c.id, c.name, c.due_at, lower(i.reviewer_email) AS reviewer, count(*) AS items,
                CASE WHEN c.due_at <= now() THEN 'overdue' ELSE 'due_soon' END AS kind
           FROM review_campaigns c
           JOIN review_items i ON i.campaign_id = c.id AND i.decision IS NULL
          WHERE c.closed_at IS NULL AND c.due_at <= now() + $1
          GROUP BY c.id, c.name, c.due_at, lower(i.reviewer_email)",
    )
    .bind(REMIND_BEFORE)
    .fetch_all(db)
    .await?;
    let mut sent = 0;
    let base = public_url.trim_end_matches('/');
    for row in due {
        let id: i64 = row.try_get("id")?;
        let name: String = row.try_get("name")?;
        let due_at: chrono::DateTime<chrono::Utc> = row.try_get("due_at")?;
        let reviewer: String = row.try_get("reviewer")?;
        let items: i64 = row.try_get("items")?;
        let kind: String = row.try_get("kind")?;
        let mut tx = db.begin().await?;
        let fresh = sqlx::query(
            "INSERT INTO review_reminders (campaign_id, reviewer_email, kind, items)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(&reviewer)
        .bind(&kind)
        .bind(i32::try_from(items).unwrap_or(i32::MAX))
        .execute(&mut *tx)
        .await?;
        if fresh.rows_affected() == 0 {
            continue; // already sent (by this process or another)
        }
        let due = due_at.format("%Y-%m-%d %H:%M UTC");
        let (subject, lead) = if kind == "overdue" {
            (
                format!("Access review \"{name}\" is overdue: {items} items wait for you"),
                format!("The access review \"{name}\" was due {due}."),
            )
        } else {
            (
                format!("Access review \"{name}\" is due {due}: {items} items wait for you"),
                format!("The access review \"{name}\" is due {due}."),
            )
        };
        let body = format!(
            "{lead}\n\n{items} items assigned to you are not decided yet. For each, decide keep or revoke, with a comment:\n\n{base}/reviews/{id}\n\nA revocation becomes an approval request; a second person approves it.\n"
        );
        sqlx::query("INSERT INTO outbox (to_email, subject, body) VALUES ($1, $2, $3)")
            .bind(&reviewer)
            .bind(&subject)
            .bind(&body)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        sent += 1;
    }
    Ok(sent)
}
