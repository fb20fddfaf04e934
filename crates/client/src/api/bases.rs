//! Bases: the list of bases, a base's collaborators, invites, interfaces, shares,
//! extensions, schema, creation and deletion.
//!
//! ```no_run
//! # async fn demo(client: airtable_client::Client) -> Result<(), airtable_client::Error> {
//! use airtable_client::ids::{BaseId, ShareId};
//! use airtable_client::models::EnabledState;
//! let app: BaseId = "appLkNDICXNqxSDhG".parse()?;
//! let base = client
//!     .base(&app)
//!     .get()
//!     .include_collaborators()
//!     .include_invite_links()
//!     .include_interfaces()
//!     .send()
//!     .await?;
//! println!("{} in {}", base.name, base.workspace_id);
//! for share in client.base(&app).shares().await? {
//!     if share.state == EnabledState::Enabled {
//!         client.base(&app).share(&share.share_id).disable().await?;
//!     }
//! }
//! # Ok(()) }
//! ```

use futures::stream::{self, Stream, StreamExt};

use crate::http::client::Request;
use crate::ids::{
    BaseId, BlockInstallationId, CollaboratorId, InterfaceId, InviteId, ShareId, WorkspaceId,
};
use crate::models::{
    Base, BaseSchema, BaseSummary, BasesResponse, BlockInstallation, CreateBaseRequest,
    CreatedBase, EnabledState, InterfaceInfo, NewCollaborator, PermissionLevel, SetStateRequest,
    Share, SharesResponse,
};
use crate::{Client, Error};

use super::collaborators::{collaborator_calls, Collaborators, Routes};

const BASE_COLLABORATOR_ROUTES: Routes = Routes {
    collaborators: "/v0/meta/bases/{baseId}/collaborators",
    collaborator: "/v0/meta/bases/{baseId}/collaborators/{userOrGroupId}",
    invite: "/v0/meta/bases/{baseId}/invites/{inviteId}",
};

const INTERFACE_COLLABORATOR_ROUTES: Routes = Routes {
    collaborators: "/v0/meta/bases/{baseId}/interfaces/{pageBundleId}/collaborators",
    collaborator: "/v0/meta/bases/{baseId}/interfaces/{pageBundleId}/collaborators/{userOrGroupId}",
    invite: "/v0/meta/bases/{baseId}/interfaces/{pageBundleId}/invites/{inviteId}",
};

impl Client {
    /// Calls on one base.
    pub fn base(&self, id: &BaseId) -> BaseHandler {
        BaseHandler {
            client: self.clone(),
            id: id.clone(),
        }
    }

    /// "List bases" the token can reach, as a stream that follows `offset` pages.
    pub fn list_bases(&self) -> impl Stream<Item = Result<BaseSummary, Error>> + Send + 'static {
        let client = self.clone();
        // State: Some(offset) to fetch (None inside = first page), None = done.
        stream::unfold(Some(None::<String>), move |state| {
            let client = client.clone();
            async move {
                let offset = state?;
                let req = Request::get("/v0/meta/bases", "/v0/meta/bases".into())
                    .query_opt("offset", offset);
                match client.send::<BasesResponse>(req).await {
                    Ok(page) => {
                        let next = page.offset.filter(|o| !o.is_empty()).map(Some);
                        let items: Vec<Result<BaseSummary, Error>> =
                            page.bases.into_iter().map(Ok).collect();
                        Some((stream::iter(items), next))
                    }
                    Err(e) => Some((stream::iter(vec![Err(e)]), None)),
                }
            }
        })
        .flatten()
    }

    /// "Create base" in a workspace with at least one table (Airtable's table model, as JSON).
    pub async fn create_base(
        &self,
        workspace: &WorkspaceId,
        name: impl Into<String>,
        tables: Vec<serde_json::Value>,
    ) -> Result<CreatedBase, Error> {
        let req =
            Request::post("/v0/meta/bases", "/v0/meta/bases".into()).json(&CreateBaseRequest {
                name: name.into(),
                workspace_id: workspace.clone(),
                tables,
            })?;
        self.send(req).await
    }
}

/// Calls on one base (`/v0/meta/bases/{baseId}/…`).
#[derive(Debug, Clone)]
pub struct BaseHandler {
    client: Client,
    id: BaseId,
}

impl BaseHandler {
    fn path(&self, rest: &str) -> String {
        format!("/v0/meta/bases/{}{rest}", self.id)
    }

    /// "Get base collaborators": the base and, with `include`, collaborators, invite links,
    /// interfaces and packages.
    pub fn get(&self) -> GetBase {
        GetBase {
            handler: self.clone(),
            include: Vec::new(),
        }
    }

    /// "Delete base" (it goes to the trash).
    pub async fn delete(&self) -> Result<(), Error> {
        let req = Request::delete("/v0/meta/bases/{baseId}", self.path(""));
        self.client.send_unit(req).await
    }

    /// "Get base schema": tables, fields and views.
    pub async fn schema(&self) -> Result<BaseSchema, Error> {
        let req = Request::get("/v0/meta/bases/{baseId}/tables", self.path("/tables"));
        self.client.send(req).await
    }

    fn collaborators(&self) -> Collaborators<'_> {
        Collaborators {
            client: &self.client,
            routes: &BASE_COLLABORATOR_ROUTES,
            path: self.path(""),
        }
    }

    collaborator_calls!(
        add: "\"Add base collaborator\" (one user or group per request).",
        update: "\"Update collaborator base permission\".",
        remove: "\"Delete base collaborator\".",
        invite: "\"Delete base invite\".",
    );

    /// Calls on one interface of the base.
    pub fn interface(&self, id: &InterfaceId) -> InterfaceHandler {
        InterfaceHandler {
            base: self.clone(),
            id: id.clone(),
        }
    }

    /// "List shares" of the base.
    pub async fn shares(&self) -> Result<Vec<Share>, Error> {
        let req = Request::get("/v0/meta/bases/{baseId}/shares", self.path("/shares"));
        let r: SharesResponse = self.client.send(req).await?;
        Ok(r.shares)
    }

    /// Calls on one share link of the base.
    pub fn share(&self, id: &ShareId) -> ShareHandler {
        ToggleHandler {
            client: self.client.clone(),
            template: "/v0/meta/bases/{baseId}/shares/{shareId}",
            path: self.path(&format!("/shares/{id}")),
        }
    }

    /// "List block installations" (extensions) of the base.
    pub async fn block_installations(&self) -> Result<Vec<BlockInstallation>, Error> {
        let req = Request::get(
            "/v0/meta/bases/{baseId}/blockInstallations",
            self.path("/blockInstallations"),
        );
        self.client.send(req).await
    }

    /// Calls on one extension installation of the base.
    pub fn block_installation(&self, id: &BlockInstallationId) -> BlockInstallationHandler {
        ToggleHandler {
            client: self.client.clone(),
            template: "/v0/meta/bases/{baseId}/blockInstallations/{blockInstallationId}",
            path: self.path(&format!("/blockInstallations/{id}")),
        }
    }
}

/// Builder of "get base collaborators".
#[derive(Debug, Clone)]
#[must_use = "call .send().await"]
pub struct GetBase {
    handler: BaseHandler,
    include: Vec<&'static str>,
}

impl GetBase {
    fn with(mut self, what: &'static str) -> Self {
        if !self.include.contains(&what) {
            self.include.push(what);
        }
        self
    }

    /// Include collaborators.
    pub fn include_collaborators(self) -> Self {
        self.with("collaborators")
    }

    /// Include outstanding invite links.
    pub fn include_invite_links(self) -> Self {
        self.with("inviteLinks")
    }

    /// Include interfaces with their collaborators.
    pub fn include_interfaces(self) -> Self {
        self.with("interfaces")
    }

    /// Include installed packages.
    pub fn include_packages(self) -> Self {
        self.with("packages")
    }

    /// Sends the call.
    pub async fn send(self) -> Result<Base, Error> {
        let req = Request::get("/v0/meta/bases/{baseId}", self.handler.path(""))
            .query_all("include", self.include.iter().copied());
        self.handler.client.send(req).await
    }
}

/// Calls on one interface (`/v0/meta/bases/{baseId}/interfaces/{id}/…`).
#[derive(Debug, Clone)]
pub struct InterfaceHandler {
    base: BaseHandler,
    id: InterfaceId,
}

impl InterfaceHandler {
    fn path(&self, rest: &str) -> String {
        self.base.path(&format!("/interfaces/{}{rest}", self.id))
    }

    /// "Get interface": the interface and, with `include`, its collaborators (direct and
    /// inherited) and invite links.
    pub fn get(&self) -> GetInterface {
        GetInterface {
            handler: self.clone(),
            include: Vec::new(),
        }
    }

    fn collaborators(&self) -> Collaborators<'_> {
        Collaborators {
            client: &self.base.client,
            routes: &INTERFACE_COLLABORATOR_ROUTES,
            path: self.path(""),
        }
    }

    collaborator_calls!(
        add: "\"Add interface collaborator\" (one user or group per request).",
        update: "\"Update interface collaborator\".",
        remove: "\"Delete interface collaborator\".",
        invite: "\"Delete interface invite\".",
    );
}

/// Builder of "get interface".
#[derive(Debug, Clone)]
#[must_use = "call .send().await"]
pub struct GetInterface {
    handler: InterfaceHandler,
    include: Vec<&'static str>,
}

impl GetInterface {
    fn with(mut self, what: &'static str) -> Self {
        if !self.include.contains(&what) {
            self.include.push(what);
        }
        self
    }

    /// Include collaborators: on the interface, and inherited from the base and workspace.
    pub fn include_collaborators(self) -> Self {
        self.with("collaborators")
    }

    /// Include outstanding invite links to the interface.
    pub fn include_invite_links(self) -> Self {
        self.with("inviteLinks")
    }

    /// Sends the call.
    pub async fn send(self) -> Result<InterfaceInfo, Error> {
        let req = Request::get(
            "/v0/meta/bases/{baseId}/interfaces/{pageBundleId}",
            self.handler.path(""),
        )
        .query_all("include", self.include.iter().copied());
        self.handler.base.client.send(req).await
    }
}

/// Calls on one share link (`/v0/meta/bases/{baseId}/shares/{shareId}`): "manage share"
/// (enable, disable) and "delete share".
pub type ShareHandler = ToggleHandler;

/// Calls on one extension installation
/// (`/v0/meta/bases/{baseId}/blockInstallations/{blockInstallationId}`): "manage block
/// installation" (enable, disable) and "delete block installation" (recoverable in Airtable).
pub type BlockInstallationHandler = ToggleHandler;

/// Calls on a share link or an extension installation of a base: Airtable switches both on
/// and off with the same body, and deletes them alike.
#[derive(Debug, Clone)]
pub struct ToggleHandler {
    client: Client,
    /// The documented route.
    template: &'static str,
    /// The route with the IDs filled in.
    path: String,
}

impl ToggleHandler {
    /// Enables or disables the link or extension.
    pub async fn set_state(&self, state: EnabledState) -> Result<(), Error> {
        let req =
            Request::patch(self.template, self.path.clone()).json(&SetStateRequest { state })?;
        self.client.send_unit(req).await
    }

    /// Enables the link or extension.
    pub async fn enable(&self) -> Result<(), Error> {
        self.set_state(EnabledState::Enabled).await
    }

    /// Disables the link or extension.
    pub async fn disable(&self) -> Result<(), Error> {
        self.set_state(EnabledState::Disabled).await
    }

    /// Deletes the link or extension.
    pub async fn delete(&self) -> Result<(), Error> {
        let req = Request::delete(self.template, self.path.clone());
        self.client.send_unit(req).await
    }
}
