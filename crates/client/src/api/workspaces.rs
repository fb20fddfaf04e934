//! Workspaces: collaborators, invites, restrictions, moving bases, deletion.
//!
//! ```no_run
//! # async fn demo(client: airtable_client::Client) -> Result<(), airtable_client::Error> {
//! use airtable_client::ids::{UserId, WorkspaceId};
//! use airtable_client::models::PermissionLevel;
//! let wsp: WorkspaceId = "wspmhESAta6clCCwF".parse()?;
//! let ws = client
//!     .workspace(&wsp)
//!     .get()
//!     .include_collaborators()
//!     .include_invite_links()
//!     .send()
//!     .await?;
//! println!("{} has {} bases", ws.name, ws.base_ids.len());
//! let usr: UserId = "usrL2PNC5o3H4lBEi".parse()?;
//! client.workspace(&wsp).add_collaborator(usr.clone(), PermissionLevel::Edit).await?;
//! client.workspace(&wsp).remove_collaborator(usr).await?;
//! # Ok(()) }
//! ```

use crate::http::client::Request;
use crate::ids::{BaseId, CollaboratorId, InviteId, WorkspaceId};
use crate::models::{
    MoveBaseRequest, NewCollaborator, PermissionLevel, Restriction, UpdateRestrictionsRequest,
    Workspace,
};
use crate::{Client, Error};

use super::collaborators::{collaborator_calls, Collaborators, Routes};

const COLLABORATOR_ROUTES: Routes = Routes {
    collaborators: "/v0/meta/workspaces/{id}/collaborators",
    collaborator: "/v0/meta/workspaces/{id}/collaborators/{userOrGroupId}",
    invite: "/v0/meta/workspaces/{id}/invites/{inviteId}",
};

impl Client {
    /// Calls on one workspace.
    pub fn workspace(&self, id: &WorkspaceId) -> WorkspaceHandler {
        WorkspaceHandler {
            client: self.clone(),
            id: id.clone(),
        }
    }
}

/// Calls on one workspace (`/v0/meta/workspaces/{id}/…`).
#[derive(Debug, Clone)]
pub struct WorkspaceHandler {
    client: Client,
    id: WorkspaceId,
}

impl WorkspaceHandler {
    fn path(&self, rest: &str) -> String {
        format!("/v0/meta/workspaces/{}{rest}", self.id)
    }

    /// "Get workspace collaborators": the workspace, and with `include`, its collaborators
    /// and invite links.
    pub fn get(&self) -> GetWorkspace {
        GetWorkspace {
            handler: self.clone(),
            collaborators: false,
            invite_links: false,
        }
    }

    /// "Delete workspace" (its bases go to the trash).
    pub async fn delete(&self) -> Result<(), Error> {
        let req = Request::delete("/v0/meta/workspaces/{id}", self.path(""));
        self.client.send_unit(req).await
    }

    fn collaborators(&self) -> Collaborators<'_> {
        Collaborators {
            client: &self.client,
            routes: &COLLABORATOR_ROUTES,
            path: self.path(""),
        }
    }

    collaborator_calls!(
        add: "\"Add workspace collaborator\": one user or group.",
        update: "\"Update workspace collaborator\".",
        remove: "\"Delete workspace collaborator\".",
        invite: "\"Delete workspace invite\".",
    );

    /// "Add workspace collaborator" with several users and groups in one request.
    pub async fn add_collaborators(
        &self,
        collaborators: Vec<NewCollaborator>,
    ) -> Result<(), Error> {
        self.collaborators().add(collaborators).await
    }

    /// "Update workspace restrictions".
    pub fn update_restrictions(&self) -> UpdateRestrictions {
        UpdateRestrictions {
            handler: self.clone(),
            body: UpdateRestrictionsRequest::default(),
        }
    }

    /// "Move base" from this workspace to another.
    pub fn move_base(&self, base: &BaseId, target: &WorkspaceId) -> MoveBase {
        MoveBase {
            handler: self.clone(),
            body: MoveBaseRequest {
                base_id: base.clone(),
                target_workspace_id: target.clone(),
                target_index: None,
            },
        }
    }
}

/// Builder of "get workspace collaborators".
#[derive(Debug, Clone)]
#[must_use = "call .send().await"]
pub struct GetWorkspace {
    handler: WorkspaceHandler,
    collaborators: bool,
    invite_links: bool,
}

impl GetWorkspace {
    /// Include collaborators (users and groups, on the workspace and on its bases).
    pub fn include_collaborators(mut self) -> Self {
        self.collaborators = true;
        self
    }

    /// Include outstanding invite links.
    pub fn include_invite_links(mut self) -> Self {
        self.invite_links = true;
        self
    }

    /// Sends the call.
    pub async fn send(self) -> Result<Workspace, Error> {
        let mut req = Request::get("/v0/meta/workspaces/{id}", self.handler.path(""));
        if self.collaborators {
            req = req.query("include", "collaborators");
        }
        if self.invite_links {
            req = req.query("include", "inviteLinks");
        }
        self.handler.client.send(req).await
    }
}

/// Builder of "update workspace restrictions".
#[derive(Debug, Clone)]
#[must_use = "call .send().await"]
pub struct UpdateRestrictions {
    handler: WorkspaceHandler,
    body: UpdateRestrictionsRequest,
}

impl UpdateRestrictions {
    /// Who may create invites.
    pub fn invite_creation(mut self, r: Restriction) -> Self {
        self.body.invite_creation_restriction = Some(r);
        self
    }

    /// Who may create shares.
    pub fn share_creation(mut self, r: Restriction) -> Self {
        self.body.share_creation_restriction = Some(r);
        self
    }

    /// Sends the call.
    pub async fn send(self) -> Result<(), Error> {
        let req = Request::post(
            "/v0/meta/workspaces/{id}/updateRestrictions",
            self.handler.path("/updateRestrictions"),
        )
        .json(&self.body)?;
        self.handler.client.send_unit(req).await
    }
}

/// Builder of "move base".
#[derive(Debug, Clone)]
#[must_use = "call .send().await"]
pub struct MoveBase {
    handler: WorkspaceHandler,
    body: MoveBaseRequest,
}

impl MoveBase {
    /// Position in the target workspace (0 = first).
    pub fn target_index(mut self, i: u32) -> Self {
        self.body.target_index = Some(i);
        self
    }

    /// Sends the call.
    pub async fn send(self) -> Result<(), Error> {
        let req = Request::post(
            "/v0/meta/workspaces/{id}/moveBase",
            self.handler.path("/moveBase"),
        )
        .json(&self.body)?;
        self.handler.client.send_unit(req).await
    }
}
