//! The enterprise account itself, beyond its users and workspaces: descendant accounts and
//! moves between them, personal access tokens, packages, the workspace AI allowlist, and
//! users and groups as the identity provider sees them through SCIM. Pure data and the
//! server-side seam; the pages are in `pages::enterprise` and `pages::scim`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// SCIM rows per page.
pub const SCIM_PAGE_SIZE: u64 = 50;

/// The organization's enterprise accounts as seen from the configured one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Descendants {
    /// The account the console manages.
    pub enterprise_id: String,
    /// The root of the organization (itself when it is the root).
    pub root_id: Option<String>,
    pub rows: Vec<DescendantRow>,
    pub read_at: DateTime<Utc>,
    /// Set when Airtable's answer about what each descendant holds had a shape the console
    /// does not know (that part of the API is not published): why the counts are missing.
    pub counts_unreadable: Option<String>,
}

impl Descendants {
    /// Only a root account can have descendants made under it (Enterprise Hub).
    pub fn is_root(&self) -> bool {
        self.root_id
            .as_deref()
            .is_none_or(|root| root == self.enterprise_id)
    }
}

/// One descendant enterprise account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DescendantRow {
    pub id: String,
    /// The name it was given, when it was made through the console (Airtable's API does not
    /// report names of accounts).
    pub name: Option<String>,
    /// What it holds; `None` when Airtable's answer did not say in a shape the console knows.
    pub counts: Option<AccountCounts>,
}

/// How many users, groups and workspaces an enterprise account holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountCounts {
    pub users: usize,
    pub groups: usize,
    pub workspaces: usize,
}

/// A personal access token of one of the enterprise's users (never the secret itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub state: String,
    pub scopes: Vec<String>,
    pub owner_id: String,
    /// From the latest snapshot, when the owner is in it.
    pub owner_email: Option<String>,
    pub created_at: DateTime<Utc>,
    /// What it may reach: `enterprise`, `allResources`, `specificResources`, …
    pub access: Option<String>,
}

/// The tokens matching a search, with when they were read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenListing {
    pub q: String,
    /// Tokens of the whole enterprise (before the search).
    pub total: usize,
    pub rows: Vec<TokenRow>,
    pub read_at: DateTime<Utc>,
}

/// A package (a managed app that bases can be made from).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub description: Option<String>,
    pub installs: Option<u64>,
    /// The release a new base is made from (`None`: nothing released yet).
    pub latest_release: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// One change of the workspace AI allowlist, as the console recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiAllowlistChangeRow {
    pub at: DateTime<Utc>,
    pub by: String,
    pub workspace_id: String,
    pub allowed: bool,
}

/// A user as the identity provider sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScimUserRow {
    pub id: String,
    pub user_name: String,
    pub display_name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub active: Option<bool>,
    pub external_id: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
}

/// A group as the identity provider sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScimGroupRow {
    pub id: String,
    pub display_name: Option<String>,
    pub external_id: Option<String>,
    pub members: Vec<ScimMemberRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScimMemberRow {
    pub id: String,
    pub display: Option<String>,
}

/// One page of a SCIM list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScimPage<T> {
    /// The SCIM filter the page was read with (as typed, trimmed).
    pub filter: String,
    /// 1-based index of the first row.
    pub start_index: u64,
    pub total: u64,
    pub rows: Vec<T>,
    pub read_at: DateTime<Utc>,
}

impl<T> ScimPage<T> {
    /// Index of the first row of the next page, if there is one.
    pub fn next_start(&self) -> Option<u64> {
        let after = self.start_index + self.rows.len() as u64;
        (!self.rows.is_empty() && after <= self.total).then_some(after)
    }

    /// Index of the first row of the previous page, if there is one.
    pub fn previous_start(&self) -> Option<u64> {
        (self.start_index > 1).then(|| self.start_index.saturating_sub(SCIM_PAGE_SIZE).max(1))
    }
}

/// Turns what someone typed in the SCIM search box into a SCIM filter: a bare email or
/// name becomes `userName eq "…"` / `displayName eq "…"`; anything that already reads like
/// a filter (`attribute op value`) is passed on as written.
pub fn scim_filter(typed: &str, attribute: &str) -> Option<String> {
    let typed = typed.trim();
    if typed.is_empty() {
        return None;
    }
    let looks_like_filter = typed.split_whitespace().nth(1).is_some_and(|op| {
        ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr"]
            .contains(&op.to_ascii_lowercase().as_str())
    });
    if looks_like_filter {
        Some(typed.to_string())
    } else {
        let escaped = typed.replace('\\', "\\\\").replace('"', "\\\"");
        Some(format!("{attribute} eq \"{escaped}\""))
    }
}

/// Airtable actions that remove or expose something: the overview's "recent risky events".
pub const RISKY_AIRTABLE_ACTIONS: &[&str] = &[
    "deleteUser",
    "deactivateUser",
    "revokeAdminAccess",
    "deleteWorkspace",
    "deleteBase",
    "removeWorkspaceCollaborator",
    "removeBaseCollaborator",
    "removeInterfaceCollaborator",
    "deleteShare",
    "disableShare",
    "deleteBlockInstallation",
    "moveWorkspace",
    "moveGroup",
    "revokePersonalAccessToken",
    "deleteGroup",
];

/// The audit search that finds those events.
pub fn risky_events_query() -> String {
    RISKY_AIRTABLE_ACTIONS
        .iter()
        .map(|a| format!("action:{a}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_value_becomes_an_equality_filter() {
        assert_eq!(
            scim_filter(" jane@example.com ", "userName").as_deref(),
            Some("userName eq \"jane@example.com\"")
        );
        assert_eq!(
            scim_filter("say \"hi\"", "displayName").as_deref(),
            Some("displayName eq \"say \\\"hi\\\"\"")
        );
        assert_eq!(scim_filter("   ", "userName"), None);
    }

    #[test]
    fn a_written_filter_is_kept() {
        assert_eq!(
            scim_filter("userName sw \"a\"", "userName").as_deref(),
            Some("userName sw \"a\"")
        );
    }

    #[test]
    fn scim_pages_know_their_neighbours() {
        let page = ScimPage {
            filter: String::new(),
            start_index: 51,
            total: 120,
            rows: vec![(); 50],
            read_at: Utc::now(),
        };
        assert_eq!(page.next_start(), Some(101));
        assert_eq!(page.previous_start(), Some(1));
        let last = ScimPage {
            start_index: 101,
            rows: vec![(); 20],
            ..page
        };
        assert_eq!(last.next_start(), None);
    }

    #[test]
    fn the_risky_query_names_every_action() {
        let q = risky_events_query();
        assert!(RISKY_AIRTABLE_ACTIONS
            .iter()
            .all(|a| q.contains(&format!("action:{a}"))));
    }
}
