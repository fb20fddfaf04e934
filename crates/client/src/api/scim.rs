//! SCIM 2.0 users and groups (`https://api.airtable.com/scim/v2/…`).
//!
//! ```no_run
//! # async fn demo(client: airtable_client::Client) -> Result<(), airtable_client::Error> {
//! use futures::TryStreamExt;
//! use airtable_client::models::{ScimPatchOp, ScimUserRequest};
//! let scim = client.scim();
//! let users: Vec<_> = scim.users().filter("userName eq \"jane@example.com\"").stream().try_collect().await?;
//! let created = scim.create_user(&ScimUserRequest::new("new@example.com", "New", "Person")).await?;
//! scim.user(&created.id).patch(vec![ScimPatchOp::replace("active", serde_json::json!(false))]).await?;
//! # let _ = users; Ok(()) }
//! ```

use std::marker::PhantomData;

use futures::stream::{self, Stream, StreamExt};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::http::client::Request;
use crate::ids::{GroupId, UserId};
use crate::models::{
    ScimGroup, ScimGroupRequest, ScimListResponse, ScimPatchOp, ScimPatchRequest, ScimUser,
    ScimUserRequest,
};
use crate::{Client, Error};

impl Client {
    /// SCIM calls.
    pub fn scim(&self) -> ScimHandler {
        ScimHandler {
            client: self.clone(),
        }
    }
}

/// SCIM calls (`/scim/v2/…`).
#[derive(Debug, Clone)]
pub struct ScimHandler {
    client: Client,
}

impl ScimHandler {
    /// "List users" (filterable, paged).
    pub fn users(&self) -> ScimList<ScimUser> {
        ScimList::new(self.client.clone(), "/scim/v2/Users")
    }

    /// "List groups" (filterable, paged).
    pub fn groups(&self) -> ScimList<ScimGroup> {
        ScimList::new(self.client.clone(), "/scim/v2/Groups")
    }

    /// Calls on one SCIM user.
    pub fn user(&self, id: &UserId) -> ScimUserHandler {
        let path = format!("/scim/v2/Users/{id}");
        ScimResourceHandler::new(&self.client, "/scim/v2/Users/{userId}", path)
    }

    /// Calls on one SCIM group.
    pub fn group(&self, id: &GroupId) -> ScimGroupHandler {
        let path = format!("/scim/v2/Groups/{id}");
        ScimResourceHandler::new(&self.client, "/scim/v2/Groups/{groupId}", path)
    }

    /// "Create user".
    pub async fn create_user(&self, user: &ScimUserRequest) -> Result<ScimUser, Error> {
        let req = Request::post("/scim/v2/Users", "/scim/v2/Users".into()).json(user)?;
        self.client.send(req).await
    }

    /// "Create group".
    pub async fn create_group(&self, group: &ScimGroupRequest) -> Result<ScimGroup, Error> {
        let req = Request::post("/scim/v2/Groups", "/scim/v2/Groups".into()).json(group)?;
        self.client.send(req).await
    }
}

/// Calls on one SCIM user (`/scim/v2/Users/{userId}`): "get user", "put user" (replaces the
/// user's attributes), "patch user", "delete user".
pub type ScimUserHandler = ScimResourceHandler<ScimUser, ScimUserRequest>;

/// Calls on one SCIM group (`/scim/v2/Groups/{groupId}`): "get group", "put group" (replaces
/// the name and members), "patch group" (add, remove or replace members, rename),
/// "delete group".
pub type ScimGroupHandler = ScimResourceHandler<ScimGroup, ScimGroupRequest>;

/// Calls on one SCIM user or group, which differ only in the route, the reply (`Resource`)
/// and the body of "put" (`Body`).
#[derive(Debug, Clone)]
pub struct ScimResourceHandler<Resource, Body> {
    client: Client,
    /// The documented route, e.g. `/scim/v2/Users/{userId}`.
    template: &'static str,
    /// The route with the ID filled in.
    path: String,
    _types: PhantomData<fn(&Body) -> Resource>,
}

impl<Resource: DeserializeOwned, Body: Serialize> ScimResourceHandler<Resource, Body> {
    fn new(client: &Client, template: &'static str, path: String) -> Self {
        ScimResourceHandler {
            client: client.clone(),
            template,
            path,
            _types: PhantomData,
        }
    }

    /// "Get".
    pub async fn get(&self) -> Result<Resource, Error> {
        let req = Request::get(self.template, self.path.clone());
        self.client.send(req).await
    }

    /// "Put": replaces the resource's attributes.
    pub async fn replace(&self, body: &Body) -> Result<Resource, Error> {
        let req = Request::put(self.template, self.path.clone()).json(body)?;
        self.client.send(req).await
    }

    /// "Patch".
    pub async fn patch(&self, operations: Vec<ScimPatchOp>) -> Result<Resource, Error> {
        let req = Request::patch(self.template, self.path.clone())
            .json(&ScimPatchRequest::new(operations))?;
        self.client.send(req).await
    }

    /// "Delete".
    pub async fn delete(&self) -> Result<(), Error> {
        let req = Request::delete(self.template, self.path.clone());
        self.client.send_unit(req).await
    }
}

/// Builder of a SCIM list: `filter`, `startIndex`, `count`; pages as a stream.
#[derive(Debug, Clone)]
#[must_use = "call .page().await or .stream()"]
pub struct ScimList<T> {
    client: Client,
    path: &'static str,
    filter: Option<String>,
    start_index: u64,
    count: Option<u64>,
    _marker: std::marker::PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned + Send + 'static> ScimList<T> {
    fn new(client: Client, path: &'static str) -> Self {
        ScimList {
            client,
            path,
            filter: None,
            start_index: 1,
            count: None,
            _marker: std::marker::PhantomData,
        }
    }

    /// A SCIM filter, e.g. `userName eq "jane@example.com"`.
    pub fn filter(mut self, f: impl Into<String>) -> Self {
        self.filter = Some(f.into());
        self
    }

    /// 1-based index of the first item (default 1).
    pub fn start_index(mut self, i: u64) -> Self {
        self.start_index = i.max(1);
        self
    }

    /// Items per page.
    pub fn count(mut self, n: u64) -> Self {
        self.count = Some(n);
        self
    }

    async fn fetch(
        client: &Client,
        path: &'static str,
        filter: Option<&str>,
        start: u64,
        count: Option<u64>,
    ) -> Result<ScimListResponse<T>, Error> {
        let req = Request::get(path, path.to_owned())
            .query_opt("filter", filter)
            .query("startIndex", start.to_string())
            .query_opt("count", count.map(|c| c.to_string()));
        client.send(req).await
    }

    /// One page.
    pub async fn page(self) -> Result<ScimListResponse<T>, Error> {
        Self::fetch(
            &self.client,
            self.path,
            self.filter.as_deref(),
            self.start_index,
            self.count,
        )
        .await
    }

    /// Every item from `start_index` on, page after page.
    pub fn stream(self) -> impl Stream<Item = Result<T, Error>> + Send + 'static {
        let this = self;
        stream::unfold(Some(this.start_index), move |next| {
            let client = this.client.clone();
            let path = this.path;
            let filter = this.filter.clone();
            let count = this.count;
            async move {
                let start = next?;
                match Self::fetch(&client, path, filter.as_deref(), start, count).await {
                    Ok(page) => {
                        let n = page.resources.len() as u64;
                        let after = start + n;
                        let more = n > 0 && after <= page.total_results;
                        let items: Vec<Result<T, Error>> =
                            page.resources.into_iter().map(Ok).collect();
                        Some((stream::iter(items), more.then_some(after)))
                    }
                    Err(e) => Some((stream::iter(vec![Err(e)]), None)),
                }
            }
        })
        .flatten()
    }
}
