//! Enterprise users: look-ups, "manage user", logout, delete, remove from enterprise,
//! membership, admin access.
//!
//! ```no_run
//! # async fn demo(client: airtable_client::Client) -> Result<(), airtable_client::Error> {
//! use airtable_client::ids::{EnterpriseId, UserId};
//! use airtable_client::models::UserState;
//! let ent: EnterpriseId = "entUBq2RGdihxl3vU".parse()?;
//! let usr: UserId = "usrL2PNC5o3H4lBEi".parse()?;
//!
//! let user = client.enterprise(&ent).user(&usr).get().include_collaborations().send().await?;
//! // What would removing them change?
//! let preview = client.enterprise(&ent).user(&usr).remove().dry_run().send().await?;
//! println!("{} would lose {} bases", user.email, preview.unshared.bases.len());
//! client.enterprise(&ent).user(&usr).update().state(UserState::Deactivated).send().await?;
//!
//! // Thousands of users, 100 per request, 4 requests at a time:
//! let users = client
//!     .enterprise(&ent)
//!     .users()
//!     .by_emails(["a@example.com", "b@example.com"])
//!     .concurrency(4)
//!     .send()
//!     .await?;
//! # let _ = users; Ok(()) }
//! ```

use std::borrow::Borrow;
use std::collections::HashSet;

use futures::stream::{self, Stream, StreamExt};
use serde::Serialize;

use super::account::Account;
use super::send_chunked;
use crate::http::client::Request;
use crate::ids::UserId;
use crate::models::{
    AdminAccessRequest, BatchUpdateUsersRequest, BatchUpdateUsersResponse, BatchUserUpdate,
    ClaimUser, ClaimUsersRequest, DeleteUsersResponse, ManageUsersResponse, RemoveUserRequest,
    UpdateUserRequest, User, UserRef, UserRemoved, UserState, UsersResponse,
};
use crate::Error;

/// Airtable's limit of IDs and emails per look-up request.
pub const LOOKUP_BATCH: usize = 100;

/// Calls on one user (`/v0/meta/enterpriseAccounts/{id}/users/{userId}`).
#[derive(Debug, Clone)]
pub struct UserHandler {
    pub(crate) account: Account,
    pub(crate) id: UserId,
}

impl UserHandler {
    fn path(&self, rest: &str) -> String {
        self.account.path(&format!("/users/{}{rest}", self.id))
    }

    /// "Get user by id".
    pub fn get(&self) -> GetUser {
        GetUser {
            handler: self.clone(),
            include: Vec::new(),
        }
    }

    /// "Manage user": change state, email or name.
    pub fn update(&self) -> UpdateUser {
        UpdateUser {
            handler: self.clone(),
            body: UpdateUserRequest::default(),
        }
    }

    /// "Logout user": ends all the user's sessions.
    pub async fn logout(&self) -> Result<(), Error> {
        let req = Request::post(
            "/v0/meta/enterpriseAccounts/{id}/users/{userId}/logout",
            self.path("/logout"),
        );
        self.account.client.send_unit(req).await
    }

    /// "Delete user by id" (managed users only; cannot be undone).
    pub async fn delete(&self) -> Result<(), Error> {
        let req = Request::delete(
            "/v0/meta/enterpriseAccounts/{id}/users/{userId}",
            self.path(""),
        );
        self.account.client.send_unit(req).await
    }

    /// "Remove user from enterprise": unshares the user from the enterprise's workspaces,
    /// bases and interfaces (and removes admin rights). Sends `isDryRun: false` unless
    /// [`RemoveUser::dry_run`] is called.
    pub fn remove(&self) -> RemoveUser {
        RemoveUser {
            handler: self.clone(),
            body: RemoveUserRequest {
                replacement_owner_id: None,
                is_dry_run: Some(false),
                remove_from_descendants: None,
            },
        }
    }
}

fn include_params(req: Request, include: &[&'static str]) -> Request {
    req.query_all("include", include.iter().copied())
}

fn push_unique(v: &mut Vec<&'static str>, s: &'static str) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// The `include` options of "get user by id" and "get users by id or email", for a builder
/// with an `include` list.
macro_rules! include_calls {
    ($collaborations:literal) => {
        #[doc = concat!("Include ", $collaborations, ".")]
        pub fn include_collaborations(mut self) -> Self {
            push_unique(&mut self.include, "collaborations");
            self
        }

        /// Include values aggregated over descendant accounts.
        pub fn include_aggregated(mut self) -> Self {
            push_unique(&mut self.include, "aggregated");
            self
        }

        /// Include values per descendant account.
        pub fn include_descendants(mut self) -> Self {
            push_unique(&mut self.include, "descendants");
            self
        }
    };
}

/// Builder of "get user by id".
#[derive(Debug, Clone)]
#[must_use = "call .send().await"]
pub struct GetUser {
    handler: UserHandler,
    include: Vec<&'static str>,
}

impl GetUser {
    include_calls!("the user's direct collaborations");

    /// Sends the call.
    pub async fn send(self) -> Result<User, Error> {
        let req = include_params(
            Request::get(
                "/v0/meta/enterpriseAccounts/{id}/users/{userId}",
                self.handler.path(""),
            ),
            &self.include,
        );
        self.handler.account.client.send(req).await
    }
}

/// Builder of "manage user".
#[derive(Debug, Clone)]
#[must_use = "call .send().await"]
pub struct UpdateUser {
    handler: UserHandler,
    body: UpdateUserRequest,
}

impl UpdateUser {
    /// New state.
    pub fn state(mut self, state: UserState) -> Self {
        self.body.state = Some(state);
        self
    }

    /// New email.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.body.email = Some(email.into());
        self
    }

    /// New first name.
    pub fn first_name(mut self, name: impl Into<String>) -> Self {
        self.body.first_name = Some(name.into());
        self
    }

    /// New last name.
    pub fn last_name(mut self, name: impl Into<String>) -> Self {
        self.body.last_name = Some(name.into());
        self
    }

    /// Sends the call.
    pub async fn send(self) -> Result<(), Error> {
        let req = Request::patch(
            "/v0/meta/enterpriseAccounts/{id}/users/{userId}",
            self.handler.path(""),
        )
        .json(&self.body)?;
        self.handler.account.client.send_unit(req).await
    }
}

/// Builder of "remove user from enterprise".
#[derive(Debug, Clone)]
#[must_use = "call .send().await"]
pub struct RemoveUser {
    handler: UserHandler,
    body: RemoveUserRequest,
}

impl RemoveUser {
    /// New owner for workspaces the user owns alone (required if there are any).
    pub fn replacement_owner(mut self, id: &UserId) -> Self {
        self.body.replacement_owner_id = Some(id.clone());
        self
    }

    /// Only report what would change.
    pub fn dry_run(mut self) -> Self {
        self.body.is_dry_run = Some(true);
        self
    }

    /// Remove from descendant accounts too.
    pub fn remove_from_descendants(mut self) -> Self {
        self.body.remove_from_descendants = Some(true);
        self
    }

    /// Sends the call.
    pub async fn send(self) -> Result<UserRemoved, Error> {
        let req = Request::post(
            "/v0/meta/enterpriseAccounts/{id}/users/{userId}/remove",
            self.handler.path("/remove"),
        )
        .json(&self.body)?;
        self.handler.account.client.send(req).await
    }
}

/// Users of an account (`/v0/meta/enterpriseAccounts/{id}/users`).
#[derive(Debug, Clone)]
pub struct UsersHandler {
    account: Account,
    ids: Vec<UserId>,
    emails: Vec<String>,
    include: Vec<&'static str>,
    concurrency: usize,
    all: bool,
}

#[derive(Debug, Clone)]
enum Key {
    Id(UserId),
    Email(String),
}

impl UsersHandler {
    pub(crate) fn new(account: Account) -> Self {
        UsersHandler {
            account,
            ids: Vec::new(),
            emails: Vec::new(),
            include: Vec::new(),
            concurrency: 4,
            all: false,
        }
    }

    /// Every user of the account: reads the account's `userIds` first (one "get enterprise"
    /// call), then looks them up like [`UsersHandler::by_ids`].
    pub fn all(mut self) -> Self {
        self.all = true;
        self
    }

    /// Look these users up by ID (any number; sent 100 per request).
    pub fn by_ids<I>(mut self, ids: I) -> Self
    where
        I: IntoIterator,
        I::Item: Borrow<UserId>,
    {
        self.ids
            .extend(ids.into_iter().map(|id| id.borrow().clone()));
        self
    }

    /// Look these users up by email (any number; sent 100 per request).
    pub fn by_emails<S: Into<String>>(mut self, emails: impl IntoIterator<Item = S>) -> Self {
        self.emails.extend(emails.into_iter().map(Into::into));
        self
    }

    include_calls!("each user's direct collaborations");

    /// How many look-up requests may run at once (default 4; the rate limiter still applies).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    fn batches(ids: &[UserId], emails: &[String]) -> Vec<Vec<Key>> {
        let mut seen_ids = HashSet::new();
        let mut seen_emails = HashSet::new();
        let keys: Vec<Key> = ids
            .iter()
            .filter(|id| seen_ids.insert((*id).clone()))
            .cloned()
            .map(Key::Id)
            .chain(
                emails
                    .iter()
                    .filter(|e| seen_emails.insert(e.to_lowercase()))
                    .cloned()
                    .map(Key::Email),
            )
            .collect();
        super::chunks(&keys, LOOKUP_BATCH)
    }

    async fn fetch(
        account: Account,
        include: Vec<&'static str>,
        batch: Vec<Key>,
    ) -> Result<Vec<User>, Error> {
        let mut req = Request::get(
            "/v0/meta/enterpriseAccounts/{id}/users",
            account.path("/users"),
        );
        for k in &batch {
            req = match k {
                Key::Id(id) => req.query("id", id.as_str()),
                Key::Email(e) => req.query("email", e.as_str()),
            };
        }
        let req = include_params(req, &include);
        let r: UsersResponse = account.client.send(req).await?;
        Ok(r.users)
    }

    /// "Get users by id or email" as a stream: batches of 100 sent with bounded concurrency,
    /// users yielded in batch order, each user once. Unknown IDs and emails are skipped.
    pub fn stream(self) -> impl Stream<Item = Result<User, Error>> + Send + 'static {
        let UsersHandler {
            account,
            mut ids,
            emails,
            include,
            concurrency,
            all,
        } = self;
        let keys = {
            let account = account.clone();
            async move {
                if all {
                    let info = account.info(false, false).await?;
                    ids.extend(info.user_ids);
                }
                Ok::<_, Error>(Self::batches(&ids, &emails))
            }
        };
        stream::once(keys)
            .map(move |batches| {
                let account = account.clone();
                let include = include.clone();
                let mut seen: HashSet<UserId> = HashSet::new();
                match batches {
                    Err(e) => stream::iter(vec![Err(e)]).left_stream(),
                    Ok(batches) => stream::iter(batches)
                        .map(move |batch| Self::fetch(account.clone(), include.clone(), batch))
                        .buffered(concurrency)
                        .map(move |res| {
                            let items: Vec<Result<User, Error>> = match res {
                                Ok(users) => users
                                    .into_iter()
                                    .filter(|u| seen.insert(u.id.clone()))
                                    .map(Ok)
                                    .collect(),
                                Err(e) => vec![Err(e)],
                            };
                            stream::iter(items)
                        })
                        .flatten()
                        .right_stream(),
                }
            })
            .flatten()
    }

    /// "Get users by id or email": every user found, each once.
    pub async fn send(self) -> Result<Vec<User>, Error> {
        let mut out = Vec::new();
        let mut s = Box::pin(self.stream());
        while let Some(u) = s.next().await {
            out.push(u?);
        }
        Ok(out)
    }

    /// "Manage users": several users' state, email or name in one call (sent 100 per
    /// request, replies merged). Partial success is reported in `errors`. A new email can
    /// only be set on a user named by ID (by email, the email names the user).
    pub async fn update_batch(
        &self,
        updates: impl IntoIterator<Item = BatchUserUpdate>,
    ) -> Result<BatchUpdateUsersResponse, Error> {
        let updates: Vec<_> = updates.into_iter().collect();
        // With an ID, `email` is the new address; without one it names the user. Both at
        // once would send `email` twice in one object.
        if let Some(bad) = updates
            .iter()
            .find(|u| matches!(u.user, UserRef::Email { .. }) && u.update.email.is_some())
        {
            return Err(Error::InvalidRequest(format!(
                "to change the email of {:?}, name the user by ID",
                match &bad.user {
                    UserRef::Email { email } => email.as_str(),
                    UserRef::Id { id } => id.as_str(),
                }
            )));
        }
        send_chunked(
            &self.account.client,
            &updates,
            100,
            |users| {
                Request::patch(
                    "/v0/meta/enterpriseAccounts/{id}/users",
                    self.account.path("/users"),
                )
                .json(&BatchUpdateUsersRequest { users })
            },
            |merged: &mut BatchUpdateUsersResponse, r| {
                merged.updated_users.extend(r.updated_users);
                merged.errors.extend(r.errors);
                merged.extra.extend(r.extra);
            },
        )
        .await
    }

    /// "Delete users by email" (sent 100 per request, replies merged). Partial success is
    /// reported in `errors`.
    pub async fn delete_by_email<S: Into<String>>(
        &self,
        emails: impl IntoIterator<Item = S>,
    ) -> Result<DeleteUsersResponse, Error> {
        let emails: Vec<String> = emails.into_iter().map(Into::into).collect();
        send_chunked(
            &self.account.client,
            &emails,
            100,
            |chunk| {
                Ok(Request::delete(
                    "/v0/meta/enterpriseAccounts/{id}/users",
                    self.account.path("/users"),
                )
                .query_all("email", chunk))
            },
            |merged: &mut DeleteUsersResponse, r| {
                merged.deleted_users.extend(r.deleted_users);
                merged.errors.extend(r.errors);
                merged.extra.extend(r.extra);
            },
        )
        .await
    }

    /// "Manage user membership" (`users/claim`): make users managed or unmanaged. Partial
    /// success is reported in `errors`.
    pub async fn claim(
        &self,
        users: impl IntoIterator<Item = ClaimUser>,
    ) -> Result<ManageUsersResponse, Error> {
        self.manage_users(
            "/v0/meta/enterpriseAccounts/{id}/users/claim",
            "/users/claim",
            users,
            |users| ClaimUsersRequest { users },
        )
        .await
    }

    /// "Grant admin access". Partial success is reported in `errors`.
    pub async fn grant_admin(
        &self,
        users: impl IntoIterator<Item = UserRef>,
    ) -> Result<ManageUsersResponse, Error> {
        self.manage_users(
            "/v0/meta/enterpriseAccounts/{id}/users/grantAdminAccess",
            "/users/grantAdminAccess",
            users,
            |users| AdminAccessRequest { users },
        )
        .await
    }

    /// "Revoke admin access". Partial success is reported in `errors`.
    pub async fn revoke_admin(
        &self,
        users: impl IntoIterator<Item = UserRef>,
    ) -> Result<ManageUsersResponse, Error> {
        self.manage_users(
            "/v0/meta/enterpriseAccounts/{id}/users/revokeAdminAccess",
            "/users/revokeAdminAccess",
            users,
            |users| AdminAccessRequest { users },
        )
        .await
    }

    /// Claim, grant and revoke admin: `POST` the users 100 per request, in the body `body`
    /// makes of each chunk, and merge the replies' `errors`.
    async fn manage_users<T: Clone, B: Serialize>(
        &self,
        template: &'static str,
        rest: &str,
        users: impl IntoIterator<Item = T>,
        body: impl Fn(Vec<T>) -> B,
    ) -> Result<ManageUsersResponse, Error> {
        let users: Vec<T> = users.into_iter().collect();
        send_chunked(
            &self.account.client,
            &users,
            100,
            |chunk| Request::post(template, self.account.path(rest)).json(&body(chunk)),
            |merged: &mut ManageUsersResponse, r| {
                merged.errors.extend(r.errors);
                merged.extra.extend(r.extra);
            },
        )
        .await
    }
}
