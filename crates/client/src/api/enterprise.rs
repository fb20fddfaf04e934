//! Enterprise account calls: info, descendants, moves, workspace creation, packages,
//! personal access tokens, the AI allowlist.
//!
//! ```no_run
//! # async fn demo(client: airtable_client::Client) -> Result<(), airtable_client::Error> {
//! use airtable_client::ids::EnterpriseId;
//! let ent: EnterpriseId = "entUBq2RGdihxl3vU".parse()?;
//! let info = client
//!     .enterprise(&ent)
//!     .get()
//!     .include_aggregated()
//!     .include_descendants()
//!     .send()
//!     .await?;
//! println!("{} users, {} workspaces", info.user_ids.len(), info.workspace_ids.len());
//! # Ok(()) }
//! ```

use std::borrow::Borrow;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::http::client::Request;
use crate::ids::{EnterpriseId, GroupId, PackageId, PersonalAccessTokenId, UserId, WorkspaceId};
use crate::models::{
    AiAllowlistChange, CreateDescendantRequest, CreateDescendantResponse, CreateWorkspaceRequest,
    CreateWorkspaceResponse, CreatedBase, EnterpriseInfo, InstallPackageRequest, MoveGroupsRequest,
    MoveGroupsResponse, MoveWorkspacesRequest, MoveWorkspacesResponse, Package, PackagesResponse,
    PersonalAccessToken, PersonalAccessTokensResponse, RevokeTokensRequest, RevokeTokensResponse,
    UpdateAiAllowlistRequest, UpdateAiAllowlistResponse,
};
use crate::{Client, Error};

use super::account::Account;
use super::audit::AuditLogRequest;
use super::send_chunked;
use super::users::{UserHandler, UsersHandler};

impl Client {
    /// Calls on one enterprise account.
    pub fn enterprise(&self, id: &EnterpriseId) -> EnterpriseHandler {
        EnterpriseHandler {
            account: Account {
                client: self.clone(),
                id: id.clone(),
            },
        }
    }
}

/// Calls on one enterprise account (`/v0/meta/enterpriseAccounts/{id}/…`).
#[derive(Debug, Clone)]
pub struct EnterpriseHandler {
    account: Account,
}

impl EnterpriseHandler {
    fn path(&self, rest: &str) -> String {
        self.account.path(rest)
    }

    /// `POST` `body` to `template` (`rest` below the account's path) and reads the reply.
    async fn post<R: DeserializeOwned>(
        &self,
        template: &'static str,
        rest: &str,
        body: &impl Serialize,
    ) -> Result<R, Error> {
        let req = Request::post(template, self.path(rest)).json(body)?;
        self.account.client.send(req).await
    }

    /// The account's ID.
    pub fn id(&self) -> &EnterpriseId {
        &self.account.id
    }

    /// "Get enterprise": IDs of users, groups, workspaces, email domains.
    pub fn get(&self) -> GetEnterprise {
        GetEnterprise {
            handler: self.clone(),
            aggregated: false,
            descendants: false,
        }
    }

    /// One user of the account.
    pub fn user(&self, id: &UserId) -> UserHandler {
        UserHandler {
            account: self.account.clone(),
            id: id.clone(),
        }
    }

    /// Users of the account: look-ups by ID and email, and the batch calls.
    pub fn users(&self) -> UsersHandler {
        UsersHandler::new(self.account.clone())
    }

    /// The audit log (see [`AuditLogRequest`]).
    pub fn audit_log(&self) -> AuditLogRequest {
        AuditLogRequest::new(self.account.clone())
    }

    /// "Create descendant enterprise" (Enterprise Hub root accounts only).
    pub async fn create_descendant(
        &self,
        name: impl Into<String>,
    ) -> Result<CreateDescendantResponse, Error> {
        self.post(
            "/v0/meta/enterpriseAccounts/{id}/descendants",
            "/descendants",
            &CreateDescendantRequest { name: name.into() },
        )
        .await
    }

    /// "Move user groups" to another account of the organization. Partial success is
    /// reported in the reply's `errors`.
    pub async fn move_groups(
        &self,
        group_ids: impl IntoIterator<Item = impl Borrow<GroupId>>,
        target: &EnterpriseId,
    ) -> Result<MoveGroupsResponse, Error> {
        self.post(
            "/v0/meta/enterpriseAccounts/{id}/moveGroups",
            "/moveGroups",
            &MoveGroupsRequest {
                group_ids: owned(group_ids),
                target_enterprise_account_id: target.clone(),
            },
        )
        .await
    }

    /// "Move workspaces" to another account of the organization. Partial success is
    /// reported in the reply's `errors`.
    pub async fn move_workspaces(
        &self,
        workspace_ids: impl IntoIterator<Item = impl Borrow<WorkspaceId>>,
        target: &EnterpriseId,
    ) -> Result<MoveWorkspacesResponse, Error> {
        self.post(
            "/v0/meta/enterpriseAccounts/{id}/moveWorkspaces",
            "/moveWorkspaces",
            &MoveWorkspacesRequest {
                workspace_ids: owned(workspace_ids),
                target_enterprise_account_id: target.clone(),
            },
        )
        .await
    }

    /// "Create workspace" in this account; the caller becomes its owner.
    pub async fn create_workspace(
        &self,
        name: impl Into<String>,
    ) -> Result<CreateWorkspaceResponse, Error> {
        let req = Request::post("/v0/meta/workspaces", "/v0/meta/workspaces".into()).json(
            &CreateWorkspaceRequest {
                enterprise_account_id: self.account.id.clone(),
                name: name.into(),
            },
        )?;
        self.account.client.send(req).await
    }

    /// "List packages" of the account.
    pub fn packages(&self) -> ListPackages {
        ListPackages {
            handler: self.clone(),
            all_in_grid: false,
        }
    }

    /// "Create base from package".
    pub fn install_package(
        &self,
        package: &PackageId,
        workspace: &WorkspaceId,
        name: impl Into<String>,
        package_release_id: impl Into<String>,
    ) -> InstallPackage {
        InstallPackage {
            handler: self.clone(),
            package: package.clone(),
            body: InstallPackageRequest {
                name: name.into(),
                package_release_id: package_release_id.into(),
                workspace_id: workspace.clone(),
                description: None,
            },
        }
    }

    /// "List personal access tokens" of the account's users (root accounts only).
    pub fn personal_access_tokens(&self) -> ListPersonalAccessTokens {
        ListPersonalAccessTokens {
            handler: self.clone(),
            include_resources: false,
        }
    }

    /// "Revoke personal access tokens" (at most 100 per request; longer lists are sent in
    /// several requests and the replies merged). Partial success is reported in `errors`.
    pub async fn revoke_personal_access_tokens(
        &self,
        token_ids: impl IntoIterator<Item = impl Borrow<PersonalAccessTokenId>>,
    ) -> Result<RevokeTokensResponse, Error> {
        let ids = owned(token_ids);
        send_chunked(
            &self.account.client,
            &ids,
            100,
            |token_ids| {
                Request::post(
                    "/v0/meta/enterpriseAccounts/{id}/personalAccessTokens/revoke",
                    self.path("/personalAccessTokens/revoke"),
                )
                .json(&RevokeTokensRequest { token_ids })
            },
            |merged: &mut RevokeTokensResponse, r| {
                merged.revoked_tokens.extend(r.revoked_tokens);
                merged.errors.extend(r.errors);
                merged.extra.extend(r.extra);
            },
        )
        .await
    }

    /// "Update workspace AI allowlist" (at most 10 workspaces per request).
    pub fn update_ai_allowlist(
        &self,
        changes: impl IntoIterator<Item = AiAllowlistChange>,
    ) -> UpdateAiAllowlist {
        UpdateAiAllowlist {
            handler: self.clone(),
            body: UpdateAiAllowlistRequest {
                workspaces: changes.into_iter().collect(),
                include_descendant_workspaces: None,
            },
        }
    }
}

/// The IDs of a call's arguments, owned (the calls take IDs or references to them).
fn owned<T: Clone>(ids: impl IntoIterator<Item = impl Borrow<T>>) -> Vec<T> {
    ids.into_iter().map(|id| id.borrow().clone()).collect()
}

/// Builder of "get enterprise".
#[derive(Debug, Clone)]
#[must_use = "call .send().await"]
pub struct GetEnterprise {
    handler: EnterpriseHandler,
    aggregated: bool,
    descendants: bool,
}

impl GetEnterprise {
    /// Also return IDs aggregated over the account and its descendants.
    pub fn include_aggregated(mut self) -> Self {
        self.aggregated = true;
        self
    }

    /// Also return IDs per descendant account.
    pub fn include_descendants(mut self) -> Self {
        self.descendants = true;
        self
    }

    /// Sends the call.
    pub async fn send(self) -> Result<EnterpriseInfo, Error> {
        self.handler
            .account
            .info(self.aggregated, self.descendants)
            .await
    }
}

/// Builder of "list packages".
#[derive(Debug, Clone)]
#[must_use = "call .send().await"]
pub struct ListPackages {
    handler: EnterpriseHandler,
    all_in_grid: bool,
}

impl ListPackages {
    /// From the root account: the packages of every account of the organization.
    pub fn all_in_grid(mut self) -> Self {
        self.all_in_grid = true;
        self
    }

    /// Sends the call.
    pub async fn send(self) -> Result<Vec<Package>, Error> {
        let mut req = Request::get(
            "/v0/meta/enterpriseAccounts/{id}/packages",
            self.handler.path("/packages"),
        );
        if self.all_in_grid {
            req = req.query("shouldGetAllPackagesInGrid", "true");
        }
        let r: PackagesResponse = self.handler.account.client.send(req).await?;
        Ok(r.packages)
    }
}

/// Builder of "create base from package".
#[derive(Debug, Clone)]
#[must_use = "call .send().await"]
pub struct InstallPackage {
    handler: EnterpriseHandler,
    package: PackageId,
    body: InstallPackageRequest,
}

impl InstallPackage {
    /// Description of the new base.
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.body.description = Some(d.into());
        self
    }

    /// Sends the call.
    pub async fn send(self) -> Result<CreatedBase, Error> {
        let req = Request::post(
            "/v0/meta/enterpriseAccounts/{id}/packages/{packageId}/install",
            self.handler
                .path(&format!("/packages/{}/install", self.package)),
        )
        .json(&self.body)?;
        self.handler.account.client.send(req).await
    }
}

/// Builder of "list personal access tokens".
#[derive(Debug, Clone)]
#[must_use = "call .send().await"]
pub struct ListPersonalAccessTokens {
    handler: EnterpriseHandler,
    include_resources: bool,
}

impl ListPersonalAccessTokens {
    /// Also return what each token can reach.
    pub fn include_resources(mut self) -> Self {
        self.include_resources = true;
        self
    }

    /// Sends the call, following `offset` pagination if the reply has it.
    pub async fn send(self) -> Result<Vec<PersonalAccessToken>, Error> {
        let mut all = Vec::new();
        let mut offset: Option<String> = None;
        loop {
            let mut req = Request::get(
                "/v0/meta/enterpriseAccounts/{id}/personalAccessTokens",
                self.handler.path("/personalAccessTokens"),
            )
            .query_opt("offset", offset.take());
            if self.include_resources {
                req = req.query("includeResources", "true");
            }
            let r: PersonalAccessTokensResponse = self.handler.account.client.send(req).await?;
            all.extend(r.personal_access_tokens);
            match r.offset {
                Some(o) if !o.is_empty() => offset = Some(o),
                _ => return Ok(all),
            }
        }
    }
}

/// Builder of "update workspace AI allowlist".
#[derive(Debug, Clone)]
#[must_use = "call .send().await"]
pub struct UpdateAiAllowlist {
    handler: EnterpriseHandler,
    body: UpdateAiAllowlistRequest,
}

impl UpdateAiAllowlist {
    /// Apply the changes to descendant accounts' workspaces too.
    pub fn include_descendants(mut self) -> Self {
        self.body.include_descendant_workspaces = Some(true);
        self
    }

    /// Sends the call (in requests of at most 10 workspaces, replies merged).
    pub async fn send(self) -> Result<UpdateAiAllowlistResponse, Error> {
        let include_descendant_workspaces = self.body.include_descendant_workspaces;
        send_chunked(
            &self.handler.account.client,
            &self.body.workspaces,
            10,
            |workspaces| {
                Request::post(
                    "/v0/meta/enterpriseAccounts/{id}/workspaceAiAllowlist",
                    self.handler.path("/workspaceAiAllowlist"),
                )
                .json(&UpdateAiAllowlistRequest {
                    workspaces,
                    include_descendant_workspaces,
                })
            },
            |merged: &mut UpdateAiAllowlistResponse, r| {
                merged.errors.extend(r.errors);
                merged.extra.extend(r.extra);
            },
        )
        .await
    }
}
