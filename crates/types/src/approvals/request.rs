//! A request as the pages list and show it: its status, what the signed-in person may do
//! with it, which requests a list shows, what asking led to, the policy page's rows and the
//! emails the console wrote.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ComparedPreview, Preview, RiskyAction};

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalStatus {
    /// Waiting for an approver.
    Pending,
    /// Approved; the console is carrying it out.
    Executing,
    Succeeded,
    /// Carried out and Airtable refused, or the console could not tell what happened
    /// (stopped mid-way); the approver may retry after checking.
    Failed,
    Rejected,
    Cancelled,
    Expired,
}

impl ApprovalStatus {
    pub const ALL: [ApprovalStatus; 7] = [
        ApprovalStatus::Pending,
        ApprovalStatus::Executing,
        ApprovalStatus::Succeeded,
        ApprovalStatus::Failed,
        ApprovalStatus::Rejected,
        ApprovalStatus::Cancelled,
        ApprovalStatus::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "pending",
            ApprovalStatus::Executing => "executing",
            ApprovalStatus::Succeeded => "succeeded",
            ApprovalStatus::Failed => "failed",
            ApprovalStatus::Rejected => "rejected",
            ApprovalStatus::Cancelled => "cancelled",
            ApprovalStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "Waiting for approval",
            ApprovalStatus::Executing => "Being carried out",
            ApprovalStatus::Succeeded => "Done",
            ApprovalStatus::Failed => "Failed",
            ApprovalStatus::Rejected => "Rejected",
            ApprovalStatus::Cancelled => "Cancelled",
            ApprovalStatus::Expired => "Expired",
        }
    }
}

/// A request as the pages list and show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRequest {
    pub id: String,
    pub action: RiskyAction,
    pub kind_label: String,
    pub description: String,
    pub reason: String,
    pub requested_by_id: String,
    pub requested_by_email: String,
    pub requested_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub status: ApprovalStatus,
    pub decided_by_email: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_comment: Option<String>,
    pub finished_at: Option<DateTime<Utc>>,
    /// What Airtable answered (success) or why it failed, in words.
    pub outcome: Option<String>,
    pub preview: Preview,
}

/// A request with what the signed-in person may do with it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalDetail {
    pub request: ApprovalRequest,
    /// The preview recomputed now, against the request-time one (pending requests only).
    pub compared: Option<ComparedPreview>,
    /// A fingerprint of the recomputed preview: the approval carries it back, and the
    /// console refuses to execute if things changed again after the approver looked.
    pub compared_fingerprint: Option<String>,
    /// The SHA-256 of the stored call: the decision form carries it back, and the console
    /// refuses a decision made on a call other than the one stored.
    pub call_hash: String,
    /// The person could decide, but their sign-in is older than the step-up window: they
    /// must sign in again (a full round trip through Airtable) first.
    pub sign_in_again: bool,
    pub can_decide: bool,
    pub can_cancel: bool,
    pub can_retry: bool,
    /// Why the signed-in person cannot decide, when they cannot.
    pub why_not: Option<String>,
}

/// Which requests a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalListing {
    /// Pending requests the signed-in person could approve (not their own).
    WaitingForMe,
    /// Requests the signed-in person made.
    Mine,
    /// Everything.
    All,
}

impl ApprovalListing {
    pub fn parse(s: &str) -> Self {
        match s {
            "mine" => ApprovalListing::Mine,
            "all" => ApprovalListing::All,
            _ => ApprovalListing::WaitingForMe,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalListing::WaitingForMe => "waiting",
            ApprovalListing::Mine => "mine",
            ApprovalListing::All => "all",
        }
    }
}

/// What asking for a risky action led to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestOutcome {
    /// A request waits for a second person.
    Requested { id: String },
    /// This kind needs no approval here (an admin said so): it was carried out at once.
    Done { outcome: String },
}

/// Whether a kind needs approval, for the policy page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRow {
    pub kind: String,
    pub label: String,
    pub needs_approval: bool,
    /// Always needs approval: no exemption possible.
    pub locked: bool,
    /// An open request to exempt this kind, waiting for a second admin.
    pub exemption_request: Option<String>,
}

/// An email the console wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEmail {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub sent_at: Option<DateTime<Utc>>,
}
