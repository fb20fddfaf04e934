//! The collaborator calls that workspaces, bases and interfaces share: add, update, remove,
//! delete an invite. Each resource gives its routes and its path; the requests are the same.

use crate::http::client::Request;
use crate::ids::{CollaboratorId, InviteId};
use crate::models::{
    AddCollaboratorsRequest, NewCollaborator, PermissionLevel, UpdateCollaboratorRequest,
};
use crate::{Client, Error};

/// The public collaborator calls of a handler that has a `collaborators()` method, each
/// with the name Airtable's documentation gives it.
macro_rules! collaborator_calls {
    (add: $add:literal, update: $update:literal, remove: $remove:literal, invite: $invite:literal $(,)?) => {
        #[doc = $add]
        pub async fn add_collaborator(
            &self,
            who: impl Into<CollaboratorId>,
            level: PermissionLevel,
        ) -> Result<(), Error> {
            let new = vec![NewCollaborator::new(who, level)];
            self.collaborators().add(new).await
        }

        #[doc = $update]
        pub async fn update_collaborator(
            &self,
            who: impl Into<CollaboratorId>,
            level: PermissionLevel,
        ) -> Result<(), Error> {
            self.collaborators().update(who.into(), level).await
        }

        #[doc = $remove]
        pub async fn remove_collaborator(
            &self,
            who: impl Into<CollaboratorId>,
        ) -> Result<(), Error> {
            self.collaborators().remove(who.into()).await
        }

        #[doc = $invite]
        pub async fn delete_invite(&self, invite: &InviteId) -> Result<(), Error> {
            self.collaborators().delete_invite(invite).await
        }
    };
}

pub(crate) use collaborator_calls;

/// The route templates of one kind of resource's collaborator calls.
pub(crate) struct Routes {
    /// `…/collaborators`
    pub(crate) collaborators: &'static str,
    /// `…/collaborators/{userOrGroupId}`
    pub(crate) collaborator: &'static str,
    /// `…/invites/{inviteId}`
    pub(crate) invite: &'static str,
}

/// The collaborators of one workspace, base or interface.
pub(crate) struct Collaborators<'a> {
    pub(crate) client: &'a Client,
    pub(crate) routes: &'static Routes,
    /// The resource's path, e.g. `/v0/meta/workspaces/wsp…`.
    pub(crate) path: String,
}

impl Collaborators<'_> {
    /// "Add … collaborator" with one or more users and groups.
    pub(crate) async fn add(&self, collaborators: Vec<NewCollaborator>) -> Result<(), Error> {
        let req = Request::post(
            self.routes.collaborators,
            format!("{}/collaborators", self.path),
        )
        .json(&AddCollaboratorsRequest { collaborators })?;
        self.client.send_unit(req).await
    }

    /// "Update … collaborator".
    pub(crate) async fn update(
        &self,
        who: CollaboratorId,
        level: PermissionLevel,
    ) -> Result<(), Error> {
        let req = Request::patch(
            self.routes.collaborator,
            format!("{}/collaborators/{who}", self.path),
        )
        .json(&UpdateCollaboratorRequest {
            permission_level: level,
        })?;
        self.client.send_unit(req).await
    }

    /// "Delete … collaborator".
    pub(crate) async fn remove(&self, who: CollaboratorId) -> Result<(), Error> {
        let req = Request::delete(
            self.routes.collaborator,
            format!("{}/collaborators/{who}", self.path),
        );
        self.client.send_unit(req).await
    }

    /// "Delete … invite".
    pub(crate) async fn delete_invite(&self, invite: &InviteId) -> Result<(), Error> {
        let req = Request::delete(
            self.routes.invite,
            format!("{}/invites/{invite}", self.path),
        );
        self.client.send_unit(req).await
    }
}
