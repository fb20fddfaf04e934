//! User groups (`GET /v0/meta/groups/{groupId}`).
//!
//! ```no_run
//! # async fn demo(client: airtable_client::Client) -> Result<(), airtable_client::Error> {
//! use airtable_client::ids::GroupId;
//! let gid: GroupId = "ugp1mKGb3KXUyQfOZ".parse()?;
//! let group = client.group(&gid).get().include_collaborations().send().await?;
//! for m in &group.members {
//!     println!("{} ({})", m.email, m.role);
//! }
//! # Ok(()) }
//! ```

use crate::http::client::Request;
use crate::ids::GroupId;
use crate::models::Group;
use crate::{Client, Error};

impl Client {
    /// Calls on one user group.
    pub fn group(&self, id: &GroupId) -> GroupHandler {
        GroupHandler {
            client: self.clone(),
            id: id.clone(),
        }
    }
}

/// Calls on one user group.
#[derive(Debug, Clone)]
pub struct GroupHandler {
    client: Client,
    id: GroupId,
}

impl GroupHandler {
    /// "Get user group".
    pub fn get(&self) -> GetGroup {
        GetGroup {
            handler: self.clone(),
            collaborations: false,
        }
    }
}

/// Builder of "get user group".
#[derive(Debug, Clone)]
#[must_use = "call .send().await"]
pub struct GetGroup {
    handler: GroupHandler,
    collaborations: bool,
}

impl GetGroup {
    /// Include the group's direct collaborations.
    pub fn include_collaborations(mut self) -> Self {
        self.collaborations = true;
        self
    }

    /// Sends the call.
    pub async fn send(self) -> Result<Group, Error> {
        let mut req = Request::get(
            "/v0/meta/groups/{id}",
            format!("/v0/meta/groups/{}", self.handler.id),
        );
        if self.collaborations {
            req = req.query("include", "collaborations");
        }
        self.handler.client.send(req).await
    }
}
