//! The `alert_rules` table: saving a rule (its query checked by the audit language's own
//! parser, its webhook secret made here, kept encrypted and shown once), listing, switching
//! on and off, deleting. Every change is recorded in the console's action log.

use console_types::alerts::{AlertRuleRow, CreatedRule, DeliveryState, NewRule, WebhookFormat};
use console_types::api::{ConsoleError, SignedInUser};
use console_types::audit::query::AuditQuery;
use rand::RngCore;
use serde_json::json;
use sqlx::{PgPool, Row};

use crate::crypto::TokenCipher;
use crate::{error::internal, Console};

/// The most email recipients a rule sends to.
const MAX_RECIPIENTS: usize = 20;
/// The longest name a rule may have.
const MAX_NAME: usize = 120;

/// A rule's settings, checked.
pub(crate) struct Checked {
    pub name: String,
    pub query: String,
    pub email_to: Vec<String>,
    pub webhook_url: Option<String>,
    pub webhook_format: WebhookFormat,
}

/// Checks what a person typed, saying in words what is wrong.
pub(crate) fn check(new: &NewRule) -> Result<Checked, ConsoleError> {
    let name = new.name.trim().to_string();
    if name.is_empty() {
        return Err(ConsoleError::Invalid("Give the rule a name.".into()));
    }
    if name.chars().count() > MAX_NAME {
        return Err(ConsoleError::Invalid(format!(
            "Keep the rule's name under {MAX_NAME} characters."
        )));
    }
    let query = new.query.trim().to_string();
    let parsed = AuditQuery::parse(&query).map_err(|e| {
        ConsoleError::Invalid(format!(
            "The search is not valid (at character {}): {}",
            e.position + 1,
            e.message
        ))
    })?;
    if parsed.is_empty() {
        return Err(ConsoleError::Invalid(
            "Give the rule a search, e.g. action:grantAdminAccess: an empty one would match every event."
                .into(),
        ));
    }
    let email_to: Vec<String> = new
        .email_to
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if email_to.len() > MAX_RECIPIENTS {
        return Err(ConsoleError::Invalid(format!(
            "Send to at most {MAX_RECIPIENTS} addresses (a mailing list counts as one)."
        )));
    }
    if let Some(bad) = email_to
        .iter()
        .find(|e| e.parse::<lettre::Address>().is_err())
    {
        return Err(ConsoleError::Invalid(format!(
            "{bad:?} is not an email address."
        )));
    }
    let webhook_url = match new.webhook_url.trim() {
        "" => None,
        text => {
            let url = url::Url::parse(text).map_err(|_| {
                ConsoleError::Invalid(format!(
                    "{text:?} is not a web address: write it whole, like https://hooks.example.com/…"
                ))
            })?;
            if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
                return Err(ConsoleError::Invalid(
                    "A webhook address starts with https:// (or http:// on a private network)."
                        .into(),
                ));
            }
            Some(url.to_string())
        }
    };
    if email_to.is_empty() && webhook_url.is_none() {
        return Err(ConsoleError::Invalid(
            "Say where matches go: one or more email addresses, a webhook, or both.".into(),
        ));
    }
    let webhook_format = match new.webhook_format.trim() {
        "" => WebhookFormat::Json,
        text => WebhookFormat::parse(text).ok_or_else(|| {
            ConsoleError::Invalid(format!(
                "Unknown webhook format {text:?}: choose json or slack."
            ))
        })?,
    };
    Ok(Checked {
        name,
        query,
        email_to,
        webhook_url,
        webhook_format,
    })
}

/// The associated data a rule's secret is sealed with: a secret copied to another rule's
/// row does not open.
fn secret_context(rule_id: i64) -> Vec<u8> {
    format!("alert-rule:{rule_id}").into_bytes()
}

/// A new signing secret: 32 random bytes, hex, with a prefix that says what it is.
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("whsec_{hex}")
}

/// Opens a rule's stored secret.
pub(crate) fn open_secret(
    cipher: &TokenCipher,
    rule_id: i64,
    stored: &[u8],
) -> Result<String, crate::crypto::CryptoError> {
    cipher.decrypt(stored, &secret_context(rule_id))
}

/// The action-log details of a created or edited rule: its settings as checked (with the
/// webhook address as typed), followed by `extra`, the facts of that one change.
fn logged_settings(
    rule: &Checked,
    new: &NewRule,
    extra: impl IntoIterator<Item = (&'static str, serde_json::Value)>,
) -> serde_json::Value {
    let mut details = serde_json::Map::new();
    details.insert("name".into(), json!(rule.name));
    details.insert("query".into(), json!(rule.query));
    details.insert("email_to".into(), json!(rule.email_to));
    details.insert("webhook".into(), json!(new.webhook_url.trim()));
    details.insert("format".into(), json!(rule.webhook_format.as_str()));
    details.extend(
        extra
            .into_iter()
            .map(|(key, value)| (key.to_string(), value)),
    );
    serde_json::Value::Object(details)
}

/// Saves a rule that starts at the copy's current end: it acts on events copied from now
/// on, never on older ones (the rule's test shows what it would have matched).
pub async fn create(
    console: &Console,
    who: &SignedInUser,
    new: &NewRule,
    starter: Option<&str>,
) -> Result<CreatedRule, ConsoleError> {
    let rule = check(new)?;
    let mut tx = console.db.begin().await.map_err(internal)?;
    // The copy's end, read under its order lock so that no event being copied right now
    // can take a number at or below it and then be skipped.
    crate::audit::copy_order::lock(&mut tx)
        .await
        .map_err(internal)?;
    let position: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(copy_seq), 0) FROM audit_events")
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
    let inserted = sqlx::query_scalar::<_, i64>(
        "INSERT INTO alert_rules
             (name, query, owner_id, owner_email, email_to, webhook_url, webhook_format,
              webhook_secret, starter, position)
         VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $6::text IS NULL THEN NULL ELSE ''::bytea END, $8, $9)
         RETURNING id",
    )
    .bind(&rule.name)
    .bind(&rule.query)
    .bind(&who.airtable_user_id)
    .bind(&who.email)
    .bind(&rule.email_to)
    .bind(&rule.webhook_url)
    .bind(rule.webhook_format.as_str())
    .bind(starter)
    .bind(position)
    .fetch_one(&mut *tx)
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(sqlx::Error::Database(e)) if e.constraint() == Some("alert_rules_starter") => {
            return Err(ConsoleError::Conflict(
                "This starter rule is already enabled: it is in the list of rules.".into(),
            ))
        }
        Err(e) => return Err(internal(e)),
    };
    let secret = match rule.webhook_url {
        None => None,
        Some(_) => {
            let secret = new_secret();
            sqlx::query("UPDATE alert_rules SET webhook_secret = $2 WHERE id = $1")
                .bind(id)
                .bind(console.cipher.encrypt(&secret, &secret_context(id)))
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
            Some(secret)
        }
    };
    tx.commit().await.map_err(internal)?;
    console
        .log_action(
            who,
            "alerts.create",
            Some(&format!("alert-rule:{id}")),
            logged_settings(
                &rule,
                new,
                [
                    ("starter", json!(starter)),
                    ("from_position", json!(position)),
                ],
            ),
        )
        .await?;
    Ok(CreatedRule { id, secret })
}

/// Changes a rule's name, search and destinations; it keeps its position (it goes on from
/// where it is, with the new search). A webhook added now gets a new secret, returned this
/// once; a changed address takes the deliveries still waiting with it, and a removed one
/// cancels them.
pub async fn update(
    console: &Console,
    who: &SignedInUser,
    id: i64,
    new: &NewRule,
) -> Result<Option<String>, ConsoleError> {
    let rule = check(new)?;
    let mut tx = console.db.begin().await.map_err(internal)?;
    let had_secret: Option<bool> = sqlx::query_scalar(
        "SELECT webhook_secret IS NOT NULL FROM alert_rules
          WHERE id = $1 AND deleted_at IS NULL FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(internal)?;
    let Some(had_secret) = had_secret else {
        return Err(ConsoleError::NotFound(format!("alert rule {id}")));
    };
    let secret = (rule.webhook_url.is_some() && !had_secret).then(new_secret);
    sqlx::query(
        "UPDATE alert_rules
            SET name = $2, query = $3, email_to = $4, webhook_url = $5, webhook_format = $6,
                webhook_secret = CASE WHEN $7::bytea IS NOT NULL THEN $7
                                      WHEN $5::text IS NULL THEN NULL
                                      ELSE webhook_secret END,
                last_error = NULL, updated_at = now()
          WHERE id = $1",
    )
    .bind(id)
    .bind(&rule.name)
    .bind(&rule.query)
    .bind(&rule.email_to)
    .bind(&rule.webhook_url)
    .bind(rule.webhook_format.as_str())
    .bind(
        secret
            .as_ref()
            .map(|s| console.cipher.encrypt(s, &secret_context(id))),
    )
    .execute(&mut *tx)
    .await
    .map_err(internal)?;
    match &rule.webhook_url {
        Some(url) => sqlx::query(
            "UPDATE alert_deliveries SET url = $2 WHERE rule_id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(url),
        None => sqlx::query(
            "UPDATE alert_deliveries SET status = 'cancelled', last_error = 'the rule no longer has a webhook'
              WHERE rule_id = $1 AND status = 'pending'",
        )
        .bind(id),
    }
    .execute(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    console
        .log_action(
            who,
            "alerts.edit",
            Some(&format!("alert-rule:{id}")),
            logged_settings(&rule, new, [("new_secret", json!(secret.is_some()))]),
        )
        .await?;
    Ok(secret)
}

/// Switches a rule on or off. A rule switched on again carries on from where it stopped,
/// so it acts on the events copied while it was off: switching an alert off for a while
/// does not hide what happened meanwhile.
pub async fn set_enabled(
    console: &Console,
    who: &SignedInUser,
    id: i64,
    enabled: bool,
) -> Result<(), ConsoleError> {
    let changed = sqlx::query(
        "UPDATE alert_rules SET enabled = $2, updated_at = now()
          WHERE id = $1 AND deleted_at IS NULL AND enabled <> $2",
    )
    .bind(id)
    .bind(enabled)
    .execute(&console.db)
    .await
    .map_err(internal)?
    .rows_affected();
    if changed == 0 {
        let exists = live_name(&console.db, id).await?.is_some();
        return if exists {
            Ok(())
        } else {
            Err(ConsoleError::NotFound(format!("alert rule {id}")))
        };
    }
    let name = live_name(&console.db, id).await?;
    console
        .log_action(
            who,
            if enabled {
                "alerts.enable"
            } else {
                "alerts.disable"
            },
            Some(&format!("alert-rule:{id}")),
            json!({ "name": name }),
        )
        .await
}

/// Deletes a rule: it stops at once and its webhook deliveries still waiting are
/// cancelled; its notices and deliveries stay in the history.
pub async fn delete(console: &Console, who: &SignedInUser, id: i64) -> Result<(), ConsoleError> {
    let mut tx = console.db.begin().await.map_err(internal)?;
    let name: Option<String> = sqlx::query_scalar(
        "UPDATE alert_rules SET deleted_at = now(), enabled = FALSE, updated_at = now()
          WHERE id = $1 AND deleted_at IS NULL RETURNING name",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(internal)?;
    let Some(name) = name else {
        return Err(ConsoleError::NotFound(format!("alert rule {id}")));
    };
    sqlx::query(
        "UPDATE alert_deliveries SET status = 'cancelled', last_error = 'the rule was deleted'
          WHERE rule_id = $1 AND status = 'pending'",
    )
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    console
        .log_action(
            who,
            "alerts.delete",
            Some(&format!("alert-rule:{id}")),
            json!({ "name": name }),
        )
        .await
}

async fn live_name(db: &PgPool, id: i64) -> Result<Option<String>, ConsoleError> {
    sqlx::query_scalar("SELECT name FROM alert_rules WHERE id = $1 AND deleted_at IS NULL")
        .bind(id)
        .fetch_optional(db)
        .await
        .map_err(internal)
}

/// The query of a live rule.
pub(crate) async fn query_of(db: &PgPool, id: i64) -> Result<String, ConsoleError> {
    sqlx::query_scalar("SELECT query FROM alert_rules WHERE id = $1 AND deleted_at IS NULL")
        .bind(id)
        .fetch_optional(db)
        .await
        .map_err(internal)?
        .ok_or_else(|| ConsoleError::NotFound(format!("alert rule {id}")))
}

/// Every rule not deleted, newest first, with its count of notices and its newest
/// delivery.
pub async fn list(db: &PgPool) -> Result<Vec<AlertRuleRow>, ConsoleError> {
    let rows = sqlx::query(
        "SELECT r.id, r.name, r.query, r.owner_email, r.enabled, r.email_to, r.webhook_url,
                r.webhook_format, r.starter, r.position, r.created_at, r.updated_at,
                (SELECT count(*) FROM alert_notices n WHERE n.rule_id = r.id) AS notices,
                d.status, d.attempts, d.last_http_status, d.last_error, d.next_attempt_at,
                d.delivered_at
           FROM alert_rules r
           LEFT JOIN LATERAL (
               SELECT * FROM alert_deliveries d WHERE d.rule_id = r.id
                ORDER BY d.id DESC LIMIT 1) d ON TRUE
          WHERE r.deleted_at IS NULL
          ORDER BY r.id DESC",
    )
    .fetch_all(db)
    .await
    .map_err(internal)?;
    rows.iter()
        .map(|row| -> Result<AlertRuleRow, sqlx::Error> {
            let format: String = row.try_get("webhook_format")?;
            Ok(AlertRuleRow {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                query: row.try_get("query")?,
                owner_email: row.try_get("owner_email")?,
                enabled: row.try_get("enabled")?,
                email_to: row.try_get("email_to")?,
                webhook_url: row.try_get("webhook_url")?,
                // The table's CHECK allows only the two names.
                webhook_format: WebhookFormat::parse(&format).unwrap_or(WebhookFormat::Json),
                starter: row.try_get("starter")?,
                position: row.try_get("position")?,
                notices: row.try_get("notices")?,
                last_delivery: delivery_state(row)?,
                created_at: row.try_get("created_at")?,
                updated_at: row.try_get("updated_at")?,
            })
        })
        .collect::<Result<_, _>>()
        .map_err(internal)
}

/// A delivery's state from a row holding `alert_deliveries`' columns (all NULL when there is
/// none).
pub(crate) fn delivery_state(
    row: &sqlx::postgres::PgRow,
) -> Result<Option<DeliveryState>, sqlx::Error> {
    let Some(status) = row.try_get::<Option<String>, _>("status")? else {
        return Ok(None);
    };
    Ok(Some(DeliveryState {
        status,
        attempts: row.try_get("attempts")?,
        last_http_status: row.try_get("last_http_status")?,
        last_error: row.try_get("last_error")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        delivered_at: row.try_get("delivered_at")?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(query: &str, email: &str, hook: &str) -> NewRule {
        NewRule {
            name: "r".into(),
            query: query.into(),
            email_to: email.into(),
            webhook_url: hook.into(),
            webhook_format: String::new(),
        }
    }

    #[test]
    fn checks_say_what_is_wrong() {
        let bad_query = check(&rule("action:", "a@b.co", "")).err();
        assert!(
            matches!(&bad_query, Some(ConsoleError::Invalid(m)) if m.contains("not valid")),
            "{bad_query:?}"
        );
        assert!(check(&rule("", "a@b.co", "")).is_err(), "empty search");
        assert!(
            check(&rule("action:deleteBase", "", "")).is_err(),
            "nowhere"
        );
        assert!(check(&rule("action:deleteBase", "not-an-email", "")).is_err());
        assert!(check(&rule("action:deleteBase", "", "ftp://x.example/")).is_err());
        let ok = check(&rule(
            "action:deleteBase",
            "a@b.co, c@d.co",
            "http://127.0.0.1:9/x",
        ))
        .expect("valid");
        assert_eq!(ok.email_to, vec!["a@b.co", "c@d.co"]);
        assert_eq!(ok.webhook_format, WebhookFormat::Json);
    }

    #[test]
    fn secrets_are_random_and_prefixed() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert!(a.starts_with("whsec_") && a.len() == 6 + 64);
    }
}
