//! The enterprise's directory as the console shows it: workspaces (listed from the latest
//! snapshot), one workspace, one base and one group (read live from Airtable). Pure data;
//! the server fills these in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Rows per page of the workspace and group lists.
pub const PAGE_SIZE: i64 = 50;

/// One page of a list served from a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotPage<T> {
    /// The snapshot the rows come from (`None`: no complete snapshot yet).
    pub snapshot_id: Option<i64>,
    /// When that snapshot was complete.
    pub as_of: Option<DateTime<Utc>>,
    /// The search the rows match (trimmed).
    pub q: String,
    /// 1-based page number.
    pub page: i64,
    /// Rows matching the search, over all pages.
    pub total: i64,
    pub rows: Vec<T>,
}

impl<T> SnapshotPage<T> {
    /// Whether a page follows this one.
    pub fn has_next(&self) -> bool {
        self.page * PAGE_SIZE < self.total
    }
}

/// A workspace as the latest snapshot recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceRow {
    pub id: String,
    pub name: String,
    /// Users with access granted on the workspace itself.
    pub users: i64,
    /// Groups with access granted on the workspace itself.
    pub groups: i64,
}

/// A group as the latest snapshot recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRow {
    pub id: String,
    pub name: String,
    pub members: i64,
}

/// Whether a collaborator is a user or a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CollaboratorKind {
    User,
    Group,
}

/// A user or group with access, and how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollaboratorRow {
    pub kind: CollaboratorKind,
    /// `usr…` or `ugp…`.
    pub id: String,
    /// The user's email or the group's name.
    pub label: String,
    pub permission: String,
    pub granted_at: DateTime<Utc>,
    pub granted_by: String,
    /// For access listed on a workspace but granted on one of its bases.
    pub base_id: Option<String>,
}

/// An outstanding invite link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteRow {
    pub id: String,
    /// `singleUse` or `multiUse`.
    pub kind: String,
    pub invited_email: Option<String>,
    pub permission: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    /// For invites listed on a workspace but granting access to one of its bases.
    pub base_id: Option<String>,
}

/// A base of a workspace: its id, and its name when it could be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseLink {
    pub id: String,
    pub name: Option<String>,
}

/// One workspace, read live from Airtable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceDetail {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// Who may create invites: `unrestricted` or `onlyOwners` (`None`: not reported).
    pub invite_restriction: Option<String>,
    /// Who may create shares.
    pub share_restriction: Option<String>,
    pub bases: Vec<BaseLink>,
    /// Access granted on the workspace.
    pub collaborators: Vec<CollaboratorRow>,
    /// Access granted on one of its bases.
    pub base_collaborators: Vec<CollaboratorRow>,
    pub invites: Vec<InviteRow>,
    /// When this was read from Airtable.
    pub read_at: DateTime<Utc>,
}

/// An interface of a base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterfaceRow {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// People and groups with access to the interface alone.
    pub collaborators: Vec<CollaboratorRow>,
    /// Outstanding invites to the interface.
    pub invites: Vec<InviteRow>,
}

/// A share (public or restricted link) of a base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareRow {
    pub id: String,
    pub kind: String,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub password_protected: bool,
    pub restricted_to_email_domains: Vec<String>,
}

/// An extension (block) installed in a base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionRow {
    pub id: String,
    pub block_id: String,
    pub slug: Option<String>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// One base, read live from Airtable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseDetail {
    pub id: String,
    pub name: String,
    pub workspace_id: String,
    pub created_at: DateTime<Utc>,
    pub collaborators: Vec<CollaboratorRow>,
    pub interfaces: Vec<InterfaceRow>,
    pub invites: Vec<InviteRow>,
    pub shares: Vec<ShareRow>,
    pub extensions: Vec<ExtensionRow>,
    pub read_at: DateTime<Utc>,
}

/// A member of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRow {
    pub user_id: String,
    pub email: String,
    pub name: String,
    /// `member` or `manager`.
    pub role: String,
}

/// Where a group has access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollaborationRow {
    /// `workspace`, `base` or `interface`.
    pub kind: String,
    /// The workspace, base or interface.
    pub id: String,
    /// The base holding an interface.
    pub base_id: Option<String>,
    pub permission: String,
    pub granted_at: DateTime<Utc>,
}

/// One group, read live from Airtable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDetail {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub members: Vec<MemberRow>,
    pub collaborations: Vec<CollaborationRow>,
    pub read_at: DateTime<Utc>,
}

/// Permission levels a collaborator can be given from the console (Airtable's `none` is
/// what removal does, and removal needs approval).
pub const PERMISSIONS: &[(&str, &str)] = &[
    ("read", "Read only"),
    ("comment", "Comment"),
    ("edit", "Edit"),
    ("create", "Create"),
    ("owner", "Owner"),
];

/// Values of the workspace restrictions.
pub const RESTRICTIONS: &[(&str, &str)] = &[
    ("unrestricted", "Anyone allowed by their permission"),
    ("onlyOwners", "Only owners"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn page(page: i64, total: i64) -> SnapshotPage<()> {
        SnapshotPage {
            snapshot_id: Some(1),
            as_of: None,
            q: String::new(),
            page,
            total,
            rows: Vec::new(),
        }
    }

    #[test]
    fn a_next_page_exists_only_when_rows_remain() {
        assert!(!page(1, 0).has_next());
        assert!(!page(1, PAGE_SIZE).has_next());
        assert!(page(1, PAGE_SIZE + 1).has_next());
        assert!(!page(2, PAGE_SIZE + 1).has_next());
    }
}
