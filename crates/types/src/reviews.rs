//! Access reviews: campaigns that freeze who holds privileged or outside access from the
//! latest snapshot, the reviewers' keep/revoke decisions (a revoke becomes an approval
//! request), and the evidence pack made at close. What the reviews pages and their server
//! functions exchange.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The scopes a campaign may cover: (stored name, label).
pub const SCOPES: &[(&str, &str)] = &[
    ("admins", "Enterprise admins"),
    ("external", "External collaborators"),
    ("tokens", "Personal access tokens"),
    ("shares", "Public shares"),
    ("inactive", "Inactive users"),
];

/// The label of a scope's stored name (the name itself if unknown).
pub fn scope_label(scope: &str) -> &str {
    SCOPES
        .iter()
        .find(|(name, _)| *name == scope)
        .map_or(scope, |(_, label)| label)
}

/// The fewest and most days of inactivity a campaign may ask about.
pub const INACTIVE_DAYS: std::ops::RangeInclusive<i32> = 7..=730;

/// One campaign as the list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignRow {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<String>,
    pub inactive_days: Option<i32>,
    pub snapshot_id: i64,
    pub snapshot_taken_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub owner_email: String,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by_email: Option<String>,
    pub items: i64,
    pub decided: i64,
    /// Open, past its due date, with items undecided.
    pub overdue: bool,
}

/// The reviews page: campaigns, and what the create form offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewsOverview {
    pub campaigns: Vec<CampaignRow>,
    /// Whether the signed-in person may create, reassign and close (console admin).
    pub can_manage: bool,
    /// Console users who may review (operator or above), by email.
    pub reviewers: Vec<String>,
    pub your_email: String,
    /// The snapshot a new campaign would freeze, if any.
    pub latest_snapshot: Option<DateTime<Utc>>,
}

/// What the create form sends. Empty reviewer = that scope is left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewCampaign {
    pub name: String,
    /// `YYYY-MM-DD` (the end of that day, UTC).
    pub due_date: String,
    /// Scope name → its default reviewer's email.
    pub reviewers: Vec<(String, String)>,
    /// For the `inactive` scope.
    pub inactive_days: String,
}

/// A fact shown to the reviewer: a label and its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    pub label: String,
    pub value: String,
}

/// One audit event of the last 90 days about an item's person or object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentEvent {
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    pub action: String,
}

/// One item of a campaign, frozen at creation, with its decision and outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewItem {
    pub id: i64,
    pub scope: String,
    pub subject_id: String,
    pub subject_label: String,
    pub person_email: Option<String>,
    pub reaches: String,
    pub facts: Vec<Fact>,
    /// What a revoke asks for, in words ("Remove a workspace collaborator").
    pub revoke_means: String,
    pub reviewer_email: String,
    pub decision: Option<String>,
    pub comment: Option<String>,
    pub decided_by_email: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub request_id: Option<String>,
    /// Where the item stands, in words: undecided, kept, waiting for approval, done and
    /// Airtable's answer, rejected…
    pub outcome: String,
    /// Audit events of the last 90 days by or about the person or object (the newest few)
    /// and how many there are, with the audit search that lists them.
    pub recent_events: Vec<RecentEvent>,
    pub recent_count: i64,
    pub events_url: String,
    /// The signed-in person is the item's subject: they may not review it.
    pub about_you: bool,
    /// The signed-in person is its reviewer and it is undecided in an open campaign.
    pub yours_to_decide: bool,
}

/// The evidence pack's fingerprints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceInfo {
    pub csv_sha256: String,
    pub html_sha256: String,
    pub chain_head_seq: i64,
    pub chain_head_hash: String,
    pub made_at: DateTime<Utc>,
}

/// A campaign's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignDetail {
    pub campaign: CampaignRow,
    pub items: Vec<ReviewItem>,
    pub can_manage: bool,
    pub reviewers: Vec<String>,
    pub your_email: String,
    pub evidence: Option<EvidenceInfo>,
}

/// What a bulk decision did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    pub decided: usize,
    /// Items not decided, each with why.
    pub refused: Vec<(i64, String)>,
}

/// Overdue review items for the overview.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueReviews {
    pub items: i64,
    /// (campaign id, name, overdue items)
    pub campaigns: Vec<(i64, String, i64)>,
}
