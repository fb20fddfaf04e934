//! The evaluator: every enabled rule follows the audit copy by `copy_seq` and acts once on
//! each newly copied event its search matches.
//!
//! One step of one rule is one transaction: the rule's row is locked and its position read,
//! the matches after it are found with the audit search's own conditions
//! ([`crate::audit::search::matching_in_copy`]), one notice per match is inserted (unique
//! per rule and event), the emails go into the outbox and the webhook deliveries into
//! `alert_deliveries`, and the position moves past what was read — then it commits. A
//! process killed at any instant has committed all of a step or none of it, and the next
//! evaluator (this process restarted, or another) carries on from the committed position.
//! The copy's order (see [`crate::audit::copy_order`]) makes "after the position" miss
//! nothing: a number below the copy's end is never handed out later.

use console_types::alerts::WebhookFormat;
use console_types::audit::query::AuditQuery;
use sqlx::{PgPool, Postgres, Row, Transaction};

use crate::audit::search::{matching_in_copy, CopiedEvent};

/// The most matches one step acts on: a step is a short transaction even when a rule
/// matches a flood.
const STEP_MATCHES: i64 = 500;
/// The most events an email lists; the rest are counted.
const EMAIL_LIST: usize = 30;

/// What the evaluator needs: the database and where the console is reached (for links).
#[derive(Clone)]
pub struct Evaluator {
    pub db: PgPool,
    pub public_url: url::Url,
}

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Ran {
    pub steps: u64,
    pub notices: u64,
}

/// A rule as a step reads it.
struct Rule {
    id: i64,
    name: String,
    query: String,
    position: i64,
    email_to: Vec<String>,
    webhook_url: Option<String>,
    webhook_format: WebhookFormat,
}

impl Evaluator {
    /// Brings every enabled rule up to the copy's current end.
    pub async fn run_once(&self) -> Result<Ran, sqlx::Error> {
        let upto = crate::audit::copy_order::newest(&self.db).await?;
        let behind: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM alert_rules
              WHERE enabled AND deleted_at IS NULL AND position < $1 ORDER BY id",
        )
        .bind(upto)
        .fetch_all(&self.db)
        .await?;
        let mut ran = Ran::default();
        for id in behind {
            // Step by step until the rule reaches `upto` (or is switched off meanwhile).
            while let Some(made) = self.step(id, upto).await? {
                ran.steps += 1;
                ran.notices += made;
                metrics::counter!("console_alert_rule_steps_total").increment(1);
            }
        }
        Ok(ran)
    }

    /// One transaction for rule `id`: the matches after its position (up to `upto`, at
    /// most [`STEP_MATCHES`]) become notices, emails and deliveries, and the position
    /// moves. `None` when the rule has nothing left to do.
    async fn step(&self, id: i64, upto: i64) -> Result<Option<u64>, sqlx::Error> {
        let mut tx = self.db.begin().await?;
        // The row lock orders this step after any other evaluator's step of the same rule
        // (two processes briefly both believing they hold the lease) and after a change
        // to the rule being saved.
        let Some(row) = sqlx::query(
            "SELECT id, name, query, position, email_to, webhook_url, webhook_format
               FROM alert_rules WHERE id = $1 AND enabled AND deleted_at IS NULL FOR UPDATE",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(None);
        };
        let format: String = row.try_get("webhook_format")?;
        let rule = Rule {
            id,
            name: row.try_get("name")?,
            query: row.try_get("query")?,
            position: row.try_get("position")?,
            email_to: row.try_get("email_to")?,
            webhook_url: row.try_get("webhook_url")?,
            webhook_format: WebhookFormat::parse(&format).unwrap_or(WebhookFormat::Json),
        };
        if rule.position >= upto {
            return Ok(None);
        }
        let query = match AuditQuery::parse(&rule.query) {
            Ok(query) => query,
            Err(error) => {
                // Saved rules were parsed when saved; a later version of the language may
                // read one differently. The rule waits (nothing skipped) and says why.
                sqlx::query("UPDATE alert_rules SET last_error = $2 WHERE id = $1")
                    .bind(id)
                    .bind(format!("the search no longer reads: {}", error.message))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                tracing::warn!(rule = id, %error, "an alert rule's search no longer parses");
                return Ok(None);
            }
        };
        let matches = matching_in_copy(&mut tx, &query, rule.position, upto, STEP_MATCHES).await?;
        // A full step stops at its last match; otherwise everything up to `upto` was read.
        let position = match matches.last() {
            Some(last) if matches.len() as i64 == STEP_MATCHES => last.copy_seq,
            _ => upto,
        };
        let made = self.notices(&mut tx, &rule, &matches).await?;
        if !made.is_empty() && !rule.email_to.is_empty() {
            let (subject, body) = self.email(&rule, &made);
            for to in &rule.email_to {
                sqlx::query("INSERT INTO outbox (to_email, subject, body) VALUES ($1, $2, $3)")
                    .bind(to)
                    .bind(&subject)
                    .bind(&body)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        sqlx::query("UPDATE alert_rules SET position = $2, last_error = NULL WHERE id = $1")
            .bind(id)
            .bind(position)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        metrics::counter!("console_alert_notices_total").increment(made.len() as u64);
        Ok(Some(made.len() as u64))
    }

    /// Records that `rule` matched `events` (one statement), and queues their webhook
    /// deliveries in copy order (another): the notices made, in copy order. A pair recorded
    /// before (which the position makes impossible, and the unique pair harmless) is left
    /// out.
    async fn notices<'e>(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        rule: &Rule,
        events: &'e [CopiedEvent],
    ) -> Result<Vec<(i64, &'e CopiedEvent)>, sqlx::Error> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<&str> = events.iter().map(|e| e.row.id.as_str()).collect();
        let seqs: Vec<i64> = events.iter().map(|e| e.copy_seq).collect();
        let inserted: Vec<(i64, String)> = sqlx::query_as(
            "INSERT INTO alert_notices (rule_id, event_id, copy_seq)
             SELECT $1, e.id, e.seq FROM UNNEST($2::text[], $3::bigint[]) AS e(id, seq)
              ORDER BY e.seq
             ON CONFLICT (rule_id, event_id) DO NOTHING
             RETURNING id, event_id",
        )
        .bind(rule.id)
        .bind(&ids)
        .bind(&seqs)
        .fetch_all(&mut **tx)
        .await?;
        let notice_of: std::collections::HashMap<&str, i64> = inserted
            .iter()
            .map(|(notice, event)| (event.as_str(), *notice))
            .collect();
        let made: Vec<(i64, &CopiedEvent)> = events
            .iter()
            .filter_map(|e| notice_of.get(e.row.id.as_str()).map(|n| (*n, e)))
            .collect();
        if let Some(url) = &rule.webhook_url {
            let notices: Vec<i64> = made.iter().map(|(n, _)| *n).collect();
            let bodies: Vec<String> = made
                .iter()
                .map(|(notice, event)| {
                    super::payload::body(
                        rule.webhook_format,
                        &super::payload::Subject {
                            rule_id: rule.id,
                            rule_name: &rule.name,
                            query: &rule.query,
                            notice_id: *notice,
                        },
                        event,
                        &self.public_url,
                    )
                })
                .collect();
            // Delivery ids follow the copy's order: the sender sends a rule's deliveries by id.
            sqlx::query(
                "INSERT INTO alert_deliveries (rule_id, notice_id, url, body)
                 SELECT $1, d.notice, $2, d.body
                   FROM UNNEST($3::bigint[], $4::text[]) WITH ORDINALITY AS d(notice, body, n)
                  ORDER BY d.n",
            )
            .bind(rule.id)
            .bind(url)
            .bind(&notices)
            .bind(&bodies)
            .execute(&mut **tx)
            .await?;
        }
        Ok(made)
    }

    /// One email for a step's matches.
    fn email(&self, rule: &Rule, made: &[(i64, &CopiedEvent)]) -> (String, String) {
        let subject = match made.len() {
            1 => format!("Alert \"{}\": {}", rule.name, made[0].1.row.action),
            n => format!("Alert \"{}\": {n} new events", rule.name),
        };
        let mut body = format!(
            "The alert rule \"{}\" ({}) matched {} new event(s) in the audit log copy:\n\n",
            rule.name,
            rule.query,
            made.len()
        );
        for (_, event) in made.iter().take(EMAIL_LIST) {
            body.push_str(&format!(
                "- {}  {}  by {}  {}\n",
                console_types::time::shown(event.row.occurred_at),
                event.row.action,
                super::payload::actor(&event.row),
                super::payload::event_url(&self.public_url, &event.row.id),
            ));
        }
        if made.len() > EMAIL_LIST {
            body.push_str(&format!("… and {} more.\n", made.len() - EMAIL_LIST));
        }
        body.push_str(&format!(
            "\nThe rule, its matches and deliveries: {}\n",
            self.public_url
                .join("alerts")
                .map(|u| u.to_string())
                .unwrap_or_default()
        ));
        (subject, body)
    }
}

/// How far the slowest enabled rule is behind the copy's end, in copy positions (0 when
/// none is behind, or no rule is enabled).
pub async fn lag(db: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT GREATEST(0, COALESCE((SELECT MAX(copy_seq) FROM audit_events), 0)
                           - COALESCE(MIN(position), (SELECT MAX(copy_seq) FROM audit_events), 0))
           FROM alert_rules WHERE enabled AND deleted_at IS NULL",
    )
    .fetch_one(db)
    .await
}
