//! Enterprise accounts, descendants, moves and the workspace AI allowlist.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::{BatchError, Extra, FailedItems, Guessed, IdRef};
use crate::ids::{EnterpriseId, GroupId, UserId, WorkspaceId};
use crate::time::Timestamp;

/// `GET /v0/meta/enterpriseAccounts/{enterpriseAccountId}`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnterpriseInfo {
    /// The enterprise account.
    pub id: EnterpriseId,
    /// When it was created.
    pub created_time: Timestamp,
    /// The root of the organization (itself when it is the root).
    pub root_enterprise_account_id: Option<EnterpriseId>,
    /// Descendant enterprise accounts (Enterprise Hub).
    pub descendant_enterprise_account_ids: Option<Vec<EnterpriseId>>,
    /// Claimed email domains.
    #[serde(default)]
    pub email_domains: Vec<EmailDomain>,
    /// Users of the account.
    #[serde(default)]
    pub user_ids: Vec<UserId>,
    /// User groups of the account.
    #[serde(default)]
    pub group_ids: Vec<GroupId>,
    /// Workspaces of the account.
    #[serde(default)]
    pub workspace_ids: Vec<WorkspaceId>,
    /// With `include=aggregated`: IDs across this account and its descendants (a guessed
    /// shape: see [`Guessed`]).
    pub aggregated: Option<Guessed<EnterpriseIds>>,
    /// With `include=descendants`: IDs per descendant account (a guessed shape).
    pub descendants: Option<Guessed<BTreeMap<EnterpriseId, EnterpriseIds>>>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A claimed email domain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailDomain {
    /// The domain, e.g. `example.com`.
    pub email_domain: String,
    /// Whether users of the domain must sign in through SSO.
    #[serde(default)]
    pub is_sso_required: bool,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The IDs in an enterprise account (aggregated, or for one descendant).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EnterpriseIds {
    /// Users.
    pub user_ids: Vec<UserId>,
    /// User groups.
    pub group_ids: Vec<GroupId>,
    /// Workspaces.
    pub workspace_ids: Vec<WorkspaceId>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Body of `POST …/enterpriseAccounts/{id}/descendants`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDescendantRequest {
    /// Name of the new descendant account.
    pub name: String,
}

/// Reply of `POST …/enterpriseAccounts/{id}/descendants`: the new account.
pub type CreateDescendantResponse = IdRef<EnterpriseId>;

/// Body of `POST …/enterpriseAccounts/{id}/moveGroups`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoveGroupsRequest {
    /// Groups to move.
    pub group_ids: Vec<GroupId>,
    /// The enterprise account (of the same organization) to move them to.
    pub target_enterprise_account_id: EnterpriseId,
}

/// Reply of `POST …/moveGroups`: partial success is normal.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MoveGroupsResponse {
    /// Groups moved.
    pub moved_groups: Vec<IdRef<GroupId>>,
    /// Groups not moved, and why.
    pub errors: Vec<BatchError>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Body of `POST …/enterpriseAccounts/{id}/moveWorkspaces`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoveWorkspacesRequest {
    /// Workspaces to move.
    pub workspace_ids: Vec<WorkspaceId>,
    /// The enterprise account (of the same organization) to move them to.
    pub target_enterprise_account_id: EnterpriseId,
}

/// Reply of `POST …/moveWorkspaces`: partial success is normal.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MoveWorkspacesResponse {
    /// Workspaces moved.
    pub moved_workspaces: Vec<IdRef<WorkspaceId>>,
    /// Workspaces not moved, and why.
    pub errors: Vec<BatchError>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One change of the workspace AI allowlist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AiAllowlistChange {
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// Whether its members may use AI features.
    pub is_allowed: bool,
}

/// Body of `POST …/enterpriseAccounts/{id}/workspaceAiAllowlist` (at most 10 workspaces).
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateAiAllowlistRequest {
    /// The changes.
    pub workspaces: Vec<AiAllowlistChange>,
    /// Apply to workspaces of descendant accounts too.
    pub include_descendant_workspaces: Option<bool>,
}

/// Reply of the AI allowlist update: partial success is normal (`workspaceId` is in each
/// error's `extra`).
pub type UpdateAiAllowlistResponse = FailedItems;

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &str = r#"{"id": "entUBq2RGdihxl3vU", "createdTime": "2019-01-03T12:33:12.421Z",
        "userIds": [], "groupIds": [], "workspaceIds": [], "emailDomains": []}"#;

    fn with(field: &str, value: serde_json::Value) -> EnterpriseInfo {
        let mut record: serde_json::Value = serde_json::from_str(RECORD).expect("json");
        record[field] = value;
        serde_json::from_value(record).expect("the record is read whatever the guessed part holds")
    }

    #[test]
    fn the_guessed_parts_are_read_when_they_fit() {
        let info = with(
            "descendants",
            serde_json::json!({ "entD9dbhCq4i3JSJ7": { "userIds": ["usrL2PNC5o3H4lBEi"] } }),
        );
        let per_account = info
            .descendants
            .as_ref()
            .and_then(Guessed::known)
            .expect("known");
        assert_eq!(per_account.len(), 1);
    }

    #[test]
    fn an_unexpected_shape_costs_only_that_part() {
        let info = with("descendants", serde_json::json!([{ "userIds": [] }]));
        assert!(matches!(info.descendants, Some(Guessed::Unexpected(_))));
        let info = with("aggregated", serde_json::json!("everything"));
        assert!(matches!(info.aggregated, Some(Guessed::Unexpected(_))));
        assert_eq!(info.id.as_str(), "entUBq2RGdihxl3vU");
    }
}
