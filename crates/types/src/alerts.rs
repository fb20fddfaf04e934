//! Alert rules over the audit copy: saved searches that send each newly copied matching
//! event once, by email and/or a signed webhook. What the alerts page and its server
//! functions exchange.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::AuditEventRow;

/// How a rule's webhook body is shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    /// `{"rule": {…}, "event": {…}}`: the rule and the whole event as Airtable sent it.
    Json,
    /// `{"text": "…"}`, which Slack's incoming webhooks (and Mattermost, Teams' Slack
    /// connector…) post as a message.
    Slack,
}

impl WebhookFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Slack => "slack",
        }
    }

    /// Reads a stored or submitted name; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "json" => Some(Self::Json),
            "slack" => Some(Self::Slack),
            _ => None,
        }
    }
}

/// One alert rule as the page lists it. The webhook secret is never part of it: it is
/// shown once, when the rule is made ([`CreatedRule`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRuleRow {
    pub id: i64,
    pub name: String,
    pub query: String,
    pub owner_email: String,
    pub enabled: bool,
    pub email_to: Vec<String>,
    pub webhook_url: Option<String>,
    pub webhook_format: WebhookFormat,
    /// The starter rule it was made from, if any.
    pub starter: Option<String>,
    /// The copy's position (`copy_seq`) the rule has been evaluated up to.
    pub position: i64,
    pub notices: i64,
    /// The newest webhook delivery's state, if the rule has sent any.
    pub last_delivery: Option<DeliveryState>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a new rule (or a starter rule being enabled) asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRule {
    pub name: String,
    pub query: String,
    /// Email addresses, separated by commas, spaces or new lines.
    pub email_to: String,
    pub webhook_url: String,
    /// `json` or `slack`.
    pub webhook_format: String,
}

/// A rule just made: its id and, when it has a webhook, the signing secret, shown this
/// once and never again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedRule {
    pub id: i64,
    pub secret: Option<String>,
}

/// A ready-made rule an admin can enable with one click.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StarterRule {
    pub key: String,
    pub name: String,
    /// `None` when the audit log cannot express it: then `note` says why.
    pub query: Option<String>,
    pub description: String,
    /// What a person should know before relying on it (a limit of the audit log).
    pub note: Option<String>,
    /// The rule made from it, if one exists and is not deleted.
    pub rule_id: Option<i64>,
}

/// Where one webhook delivery stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryState {
    /// `pending`, `delivered`, `failed` (gave up) or `cancelled` (the rule was deleted).
    pub status: String,
    pub attempts: i32,
    /// The receiver's HTTP status at the last attempt, if it answered.
    pub last_http_status: Option<i32>,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// One match of a rule: an event of the copy that the rule acted on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertNoticeRow {
    pub id: i64,
    pub rule_id: i64,
    pub rule_name: String,
    pub event_id: String,
    pub occurred_at: DateTime<Utc>,
    pub action: String,
    pub actor_email: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The webhook delivery of this notice, when the rule has a webhook.
    pub delivery: Option<DeliveryState>,
}

/// What a rule would have matched over the last days, without acting on anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleTest {
    pub rule_id: i64,
    pub since: DateTime<Utc>,
    pub count: i64,
    /// The newest matches, at most a page.
    pub first: Vec<AuditEventRow>,
    /// The audit search that lists them all (`/audit?q=…`).
    pub search_url: String,
}

/// The alerts page in one read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertsOverview {
    pub rules: Vec<AlertRuleRow>,
    pub starters: Vec<StarterRule>,
    pub notices: Vec<AlertNoticeRow>,
    /// Whether the person may change rules (operators and admins).
    pub can_change: bool,
    /// Where a starter rule sends unless told otherwise: the person enabling it.
    pub your_email: String,
}
