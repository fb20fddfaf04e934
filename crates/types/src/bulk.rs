//! Bulk actions on users: what a job is asked to do, and how far it has got. Pure data;
//! the server stores a job with one row per user and carries it out in the background.
//!
//! Non-destructive kinds are carried out directly (and logged); destructive ones and
//! granting admin access become one approval request per user, exactly as if each had been
//! asked for on the user's page.

use airtable_client::ids::UserId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::approvals::RiskyAction;
use crate::named::{label_of, name_of, value_named};
use crate::people::UserQuery;

/// The most users one job may name (a larger set: narrow the filter, or run several jobs).
pub const MAX_JOB_USERS: usize = 10_000;

/// Result rows per page of a job's page (the CSV has them all).
pub const ITEMS_PAGE_SIZE: i64 = 100;

/// What a bulk job does to each user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkKind {
    Logout,
    Deactivate,
    Reactivate,
    ClaimManaged,
    ClaimUnmanaged,
    GrantAdmin,
    RevokeAdmin,
    Delete,
}

/// Every kind: the stored/URL value and what people read.
pub const BULK_KINDS: &[(BulkKind, &str, &str)] = &[
    (BulkKind::Logout, "logout", "Log out"),
    (BulkKind::Reactivate, "reactivate", "Reactivate"),
    (BulkKind::ClaimManaged, "claim_managed", "Claim as managed"),
    (
        BulkKind::ClaimUnmanaged,
        "claim_unmanaged",
        "Release as unmanaged",
    ),
    (
        BulkKind::GrantAdmin,
        "grant_admin",
        "Grant admin access (asks for approval)",
    ),
    (
        BulkKind::Deactivate,
        "deactivate",
        "Deactivate (asks for approval)",
    ),
    (
        BulkKind::RevokeAdmin,
        "revoke_admin",
        "Revoke admin access (asks for approval)",
    ),
    (BulkKind::Delete, "delete", "Delete (asks for approval)"),
];

impl BulkKind {
    pub fn as_str(self) -> &'static str {
        name_of(BULK_KINDS, self).unwrap_or("logout")
    }

    pub fn label(self) -> &'static str {
        label_of(BULK_KINDS, self).unwrap_or_default()
    }

    /// The kind named by a form or a stored row; the error says in plain words.
    pub fn parse(text: &str) -> Result<BulkKind, String> {
        value_named(BULK_KINDS, text.trim()).ok_or_else(|| {
            if text.trim().is_empty() {
                "Choose what to do to the selected users.".to_string()
            } else {
                format!("{text:?} is not a bulk action the console knows.")
            }
        })
    }

    /// The approval-gated action for one user, for the kinds that take access away or
    /// delete (`None`: carried out directly).
    pub fn risky(self, user: UserId) -> Option<RiskyAction> {
        match self {
            BulkKind::Deactivate => Some(RiskyAction::DeactivateUser { user }),
            BulkKind::RevokeAdmin => Some(RiskyAction::RevokeAdminAccess { user }),
            BulkKind::Delete => Some(RiskyAction::DeleteUser { user }),
            BulkKind::GrantAdmin => Some(RiskyAction::GrantAdminAccess { user }),
            _ => None,
        }
    }

    /// Whether each user becomes an approval request (and so a reason is required): the
    /// kinds that take access away or delete, and granting admin access (as powerful as
    /// anything the console guards).
    pub fn is_destructive(self) -> bool {
        matches!(
            self,
            BulkKind::Deactivate | BulkKind::RevokeAdmin | BulkKind::Delete | BulkKind::GrantAdmin
        )
    }
}

/// Which users a job is for: the ones ticked, or every user the filter matches in the
/// latest snapshot (resolved on the server when the job is made).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkSelection {
    Picked(Vec<String>),
    /// Every user `query` matches; `expected` is the count the person was shown, so a job
    /// never acts on more (or other) users than they saw.
    AllMatching {
        query: UserQuery,
        expected: Option<i64>,
    },
}

/// A job as asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewBulkJob {
    pub kind: BulkKind,
    pub selection: BulkSelection,
    pub reason: String,
}

/// Where one user of a job stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Not carried out yet.
    Pending,
    Done,
    Failed,
    /// An approval request now waits for a second person.
    ApprovalRequested,
    /// An open request for this user and action already existed.
    AlreadyWaiting,
    /// The console stopped before this user was done; never re-run by itself.
    Interrupted,
}

/// Every status: stored value and what people read.
pub const ITEM_STATUSES: &[(ItemStatus, &str, &str)] = &[
    (ItemStatus::Pending, "pending", "waiting to run"),
    (ItemStatus::Done, "done", "done"),
    (ItemStatus::Failed, "failed", "failed"),
    (
        ItemStatus::ApprovalRequested,
        "approval_requested",
        "approval requested",
    ),
    (
        ItemStatus::AlreadyWaiting,
        "already_waiting",
        "already waiting",
    ),
    (
        ItemStatus::Interrupted,
        "interrupted",
        "interrupted — not retried automatically",
    ),
];

impl ItemStatus {
    pub fn as_str(self) -> &'static str {
        name_of(ITEM_STATUSES, self).unwrap_or("pending")
    }

    pub fn label(self) -> &'static str {
        label_of(ITEM_STATUSES, self).unwrap_or_default()
    }

    pub fn parse(text: &str) -> Option<ItemStatus> {
        value_named(ITEM_STATUSES, text)
    }
}

/// One user of a job and what happened to them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkItem {
    pub user_id: String,
    /// From the snapshot the job was made from (empty: not in it).
    pub email: String,
    pub name: String,
    pub status: ItemStatus,
    /// Airtable's answer or the console's, in words.
    pub result: String,
    /// The approval request this user's action waits in.
    pub approval_id: Option<String>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// How many users of a job are where.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkCounts {
    pub total: i64,
    pub pending: i64,
    pub done: i64,
    pub failed: i64,
    /// Approval requested or already waiting.
    pub waiting: i64,
    pub interrupted: i64,
}

impl BulkCounts {
    /// Users no longer waiting to run.
    pub fn finished(&self) -> i64 {
        self.total - self.pending
    }

    /// Whole percent finished (100 for an empty job).
    pub fn percent(&self) -> i64 {
        if self.total == 0 {
            100
        } else {
            self.finished() * 100 / self.total
        }
    }
}

/// A job with one page of its rows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkJob {
    pub id: String,
    pub kind: BulkKind,
    pub reason: String,
    /// How the users were chosen, in words ("12 users ticked", "all users matching …").
    pub selection: String,
    pub created_by_email: String,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub counts: BulkCounts,
    /// 1-based page of `items`.
    pub page: i64,
    pub items: Vec<BulkItem>,
}

impl BulkJob {
    /// Whether the background task is still working through it.
    pub fn is_running(&self) -> bool {
        self.counts.pending > 0
    }

    pub fn has_next(&self) -> bool {
        self.page * ITEMS_PAGE_SIZE < self.counts.total
    }

    pub fn csv_href(&self) -> String {
        format!("/users/bulk/{}/results.csv", self.id)
    }
}

/// A job as the list of recent jobs shows it (no rows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkJobSummary {
    pub id: String,
    pub kind: BulkKind,
    pub selection: String,
    pub created_by_email: String,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub counts: BulkCounts,
}

/// How many jobs the list of recent jobs shows.
pub const RECENT_JOBS: i64 = 50;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_only_destructive_ones_need_approval() {
        for (kind, value, _) in BULK_KINDS {
            assert_eq!(BulkKind::parse(value), Ok(*kind));
            assert_eq!(kind.as_str(), *value);
            let user: UserId = "usrAAAAAAAAAAAAAA".parse().expect("id");
            assert_eq!(kind.risky(user).is_some(), kind.is_destructive(), "{value}");
        }
        assert!(BulkKind::parse("").unwrap_err().contains("Choose"));
        assert!(BulkKind::parse("explode")
            .unwrap_err()
            .contains("not a bulk action"));
    }

    #[test]
    fn statuses_round_trip() {
        for (status, value, _) in ITEM_STATUSES {
            assert_eq!(ItemStatus::parse(value), Some(*status));
            assert_eq!(status.as_str(), *value);
        }
        assert_eq!(ItemStatus::parse("exploded"), None);
    }

    #[test]
    fn progress_counts_everything_not_pending() {
        let counts = BulkCounts {
            total: 8,
            pending: 2,
            done: 3,
            failed: 1,
            waiting: 2,
            interrupted: 0,
        };
        assert_eq!(counts.finished(), 6);
        assert_eq!(counts.percent(), 75);
        assert_eq!(BulkCounts::default().percent(), 100);
    }
}
