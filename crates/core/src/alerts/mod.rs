//! Alert rules: saved audit searches that act on each newly copied matching event exactly
//! once, by email (the outbox) and/or a signed webhook.
//!
//! - [`store`]: the rules (checked, secret sealed, every change in the action log);
//! - [`evaluate`]: the evaluator, one transaction per rule step (notices, emails,
//!   deliveries and the rule's position commit together), under the lease
//!   `alerts-evaluator`;
//! - [`webhook`]: the sender, signed, retried with backoff, in order per rule, under the
//!   lease `alerts-webhooks`; [`payload`] the bodies and the signature;
//! - [`starters`]: ready-made rules;
//! - this file: what the alerts page asks for.

pub mod evaluate;
pub mod payload;
pub mod starters;
pub mod store;
pub mod webhook;

use std::time::Duration;

use chrono::Utc;
use console_types::alerts::{
    AlertNoticeRow, AlertsOverview, CreatedRule, NewRule, RuleTest, StarterRule,
};
use console_types::api::{ConsoleError, Role, SignedInUser};
use console_types::audit::query::{percent_encode, AuditQuery, Filter, Term};
use sqlx::Row;

use crate::{error::internal, Console};

pub use evaluate::lag;

/// How often the evaluator looks for newly copied events (one cheap read when nothing is
/// new).
pub const EVALUATE_EVERY: Duration = Duration::from_secs(3);
/// How often the sender looks for due deliveries.
pub const SEND_EVERY: Duration = Duration::from_secs(2);
/// How far back a rule's test looks.
pub const TEST_DAYS: i64 = 7;
/// Notices the page lists.
const NOTICES_SHOWN: i64 = 100;

/// Starts the evaluator and the webhook sender, each in one process at a time.
pub fn spawn(console: &Console) {
    let evaluator = evaluate::Evaluator {
        db: console.db.clone(),
        public_url: console.policy.public_url.clone(),
    };
    crate::leases::spawn_periodic(
        console.leases.clone(),
        "alerts-evaluator",
        EVALUATE_EVERY,
        move || {
            let evaluator = evaluator.clone();
            async move {
                if let Err(error) = evaluator.run_once().await {
                    tracing::warn!(%error, "alert rules: evaluation failed");
                }
            }
        },
    );
    let sender = webhook::Sender::new(console.db.clone(), console.cipher.clone());
    crate::leases::spawn_periodic(
        console.leases.clone(),
        "alerts-webhooks",
        SEND_EVERY,
        move || {
            let sender = sender.clone();
            async move {
                if let Err(error) = sender.deliver_due().await {
                    tracing::warn!(%error, "alert rules: webhook delivery failed");
                }
            }
        },
    );
}

/// The page: rules, starter rules, the newest notices with their deliveries.
pub async fn overview(
    console: &Console,
    who: &SignedInUser,
) -> Result<AlertsOverview, ConsoleError> {
    let rules = store::list(&console.db).await?;
    let starters = starters::STARTERS
        .iter()
        .map(|s| StarterRule {
            key: s.key.into(),
            name: s.name.into(),
            query: s.query.map(Into::into),
            description: s.description.into(),
            note: s.note.map(Into::into),
            rule_id: rules
                .iter()
                .find(|r| r.starter.as_deref() == Some(s.key))
                .map(|r| r.id),
        })
        .collect();
    Ok(AlertsOverview {
        rules,
        starters,
        notices: notices(console, None).await?,
        can_change: who.role.allows(Role::Operator),
        your_email: who.email.clone(),
    })
}

/// The newest notices, of one rule or of all, each with its webhook delivery.
pub async fn notices(
    console: &Console,
    rule: Option<i64>,
) -> Result<Vec<AlertNoticeRow>, ConsoleError> {
    let rows = sqlx::query(
        "SELECT n.id, n.rule_id, r.name AS rule_name, n.event_id, e.occurred_at, e.action,
                e.actor_email, n.created_at,
                d.status, d.attempts, d.last_http_status, d.last_error, d.next_attempt_at,
                d.delivered_at
           FROM alert_notices n
           JOIN alert_rules r ON r.id = n.rule_id
           JOIN audit_events e ON e.id = n.event_id
           LEFT JOIN alert_deliveries d ON d.notice_id = n.id
          WHERE $1::bigint IS NULL OR n.rule_id = $1
          ORDER BY n.id DESC LIMIT $2",
    )
    .bind(rule)
    .bind(NOTICES_SHOWN)
    .fetch_all(&console.db)
    .await
    .map_err(internal)?;
    rows.iter()
        .map(|row| -> Result<AlertNoticeRow, sqlx::Error> {
            Ok(AlertNoticeRow {
                id: row.try_get("id")?,
                rule_id: row.try_get("rule_id")?,
                rule_name: row.try_get("rule_name")?,
                event_id: row.try_get("event_id")?,
                occurred_at: row.try_get("occurred_at")?,
                action: row.try_get("action")?,
                actor_email: row.try_get("actor_email")?,
                created_at: row.try_get("created_at")?,
                delivery: store::delivery_state(row)?,
            })
        })
        .collect::<Result<_, _>>()
        .map_err(internal)
}

/// Saves a rule someone wrote.
pub async fn create(
    console: &Console,
    who: &SignedInUser,
    new: &NewRule,
) -> Result<CreatedRule, ConsoleError> {
    crate::require(who, Role::Operator)?;
    store::create(console, who, new, None).await
}

/// Makes the rule of a starter definition, sending to `email_to` and/or `webhook_url`.
pub async fn enable_starter(
    console: &Console,
    who: &SignedInUser,
    key: &str,
    email_to: &str,
    webhook_url: &str,
    webhook_format: &str,
) -> Result<CreatedRule, ConsoleError> {
    crate::require(who, Role::Operator)?;
    let starter = starters::find(key)
        .ok_or_else(|| ConsoleError::NotFound(format!("starter rule {key:?}")))?;
    let query = starter.query.ok_or_else(|| {
        ConsoleError::Invalid(format!(
            "\"{}\" cannot be made into a rule: {}",
            starter.name,
            starter.note.unwrap_or_default()
        ))
    })?;
    let new = NewRule {
        name: starter.name.into(),
        query: query.into(),
        email_to: email_to.into(),
        webhook_url: webhook_url.into(),
        webhook_format: webhook_format.into(),
    };
    store::create(console, who, &new, Some(starter.key)).await
}

/// Changes rule `id` (see [`store::update`]): the new webhook secret, if one was made.
pub async fn edit(
    console: &Console,
    who: &SignedInUser,
    id: i64,
    new: &NewRule,
) -> Result<CreatedRule, ConsoleError> {
    crate::require(who, Role::Operator)?;
    let secret = store::update(console, who, id, new).await?;
    Ok(CreatedRule { id, secret })
}

pub async fn set_enabled(
    console: &Console,
    who: &SignedInUser,
    id: i64,
    enabled: bool,
) -> Result<(), ConsoleError> {
    crate::require(who, Role::Operator)?;
    store::set_enabled(console, who, id, enabled).await
}

pub async fn delete(console: &Console, who: &SignedInUser, id: i64) -> Result<(), ConsoleError> {
    crate::require(who, Role::Operator)?;
    store::delete(console, who, id).await
}

/// What rule `id` would have matched over the last [`TEST_DAYS`] days: a count and the
/// newest page, through the audit search itself. Creates nothing.
pub async fn test(console: &Console, id: i64) -> Result<RuleTest, ConsoleError> {
    let text = store::query_of(&console.db, id).await?;
    let since = Utc::now() - chrono::Duration::days(TEST_DAYS);
    let mut query = AuditQuery::parse(&text)
        .map_err(|e| ConsoleError::Invalid(format!("The rule's search does not read: {e}")))?;
    query.terms.push(Term {
        negated: false,
        filter: Filter::After(since),
    });
    let stopped = |error: sqlx::Error| {
        if crate::audit::search::is_timeout(&error) {
            ConsoleError::Invalid(
                "This test took too long and was stopped; open the search instead.".into(),
            )
        } else {
            internal(error)
        }
    };
    let count = crate::audit::search::count(&console.searches, &query)
        .await
        .map_err(stopped)?;
    let (mut first, _) = crate::audit::search::search(&console.searches, &query, None, 20)
        .await
        .map_err(stopped)?;
    crate::names::label_events(&console.db, &mut first)
        .await
        .map_err(internal)?;
    let search = format!("{text} after:{}", since.format("%Y-%m-%d"));
    Ok(RuleTest {
        rule_id: id,
        since,
        count,
        first,
        search_url: format!("/audit?q={}", percent_encode(&search)),
    })
}
