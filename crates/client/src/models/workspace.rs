//! Workspaces (`GET /v0/meta/workspaces/{workspaceId}`) and their settings.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::{
    CollaboratorSet, Extra, GroupCollaborator, IdRef, IndividualCollaborator, InviteLinks,
};
use crate::ids::{BaseId, EnterpriseId, WorkspaceId};
use crate::serde_util::open_enum;
use crate::time::Timestamp;

/// A workspace with, depending on `include`, its collaborators and invite links.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Workspace {
    /// The workspace.
    pub id: WorkspaceId,
    /// Its name.
    pub name: String,
    /// When it was created.
    pub created_time: Timestamp,
    /// Its bases.
    #[serde(default)]
    pub base_ids: Vec<BaseId>,
    /// Who may create invites and shares.
    pub workspace_restrictions: Option<WorkspaceRestrictions>,
    /// With `include=collaborators`: user collaborators (same as `individualCollaborators`).
    pub collaborators: Option<CollaboratorSet<IndividualCollaborator>>,
    /// With `include=collaborators`: user collaborators.
    pub individual_collaborators: Option<CollaboratorSet<IndividualCollaborator>>,
    /// With `include=collaborators`: group collaborators.
    pub group_collaborators: Option<CollaboratorSet<GroupCollaborator>>,
    /// With `include=inviteLinks`: outstanding invites.
    pub invite_links: Option<InviteLinks>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Workspace {
    /// User collaborators, from `individualCollaborators` or else `collaborators`.
    pub fn individual(&self) -> Option<&CollaboratorSet<IndividualCollaborator>> {
        self.individual_collaborators
            .as_ref()
            .or(self.collaborators.as_ref())
    }
}

open_enum!(
    /// Who may create invites or shares in a workspace.
    Restriction {
        /// Anyone allowed by their permission level.
        Unrestricted = "unrestricted",
        /// Only workspace owners.
        OnlyOwners = "onlyOwners",
    }
);

/// Workspace sharing restrictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceRestrictions {
    /// Who may create invites.
    pub invite_creation_restriction: Restriction,
    /// Who may create shares.
    pub share_creation_restriction: Restriction,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Body of `POST /v0/meta/workspaces/{id}/updateRestrictions`; omitted fields are unchanged.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UpdateRestrictionsRequest {
    /// Who may create invites.
    pub invite_creation_restriction: Option<Restriction>,
    /// Who may create shares.
    pub share_creation_restriction: Option<Restriction>,
}

/// Body of `POST /v0/meta/workspaces` ("create workspace").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateWorkspaceRequest {
    /// The account to create it in.
    pub enterprise_account_id: EnterpriseId,
    /// Its name.
    pub name: String,
}

/// Reply of "create workspace": the new workspace.
pub type CreateWorkspaceResponse = IdRef<WorkspaceId>;

/// Body of `POST /v0/meta/workspaces/{id}/moveBase`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoveBaseRequest {
    /// The base to move (it must be in the workspace of the path).
    pub base_id: BaseId,
    /// Where to.
    pub target_workspace_id: WorkspaceId,
    /// Position in the target workspace (0 = first).
    pub target_index: Option<u32>,
}
