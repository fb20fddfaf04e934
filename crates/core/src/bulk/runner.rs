//! Carries a bulk job out in the background, with the Airtable authority of the person who
//! made it. Calls that take many users (claim, reactivate) go 100 users at a
//! time; one-user calls (logout, and each approval request) run a few at once. Each user's
//! outcome is stored as soon as it is known, and each change goes to the action log; one
//! user's failure never stops the others.

use std::collections::HashMap;

use airtable_client::{
    ids::UserId,
    models::{
        BatchError, BatchUserUpdate, ClaimUser, MembershipState, UpdateUserRequest, UserRef,
        UserState,
    },
    Client,
};
use chrono::Utc;
use console_types::{
    api::{ConsoleError, Role, SignedInUser},
    approvals::RequestOutcome,
    bulk::{BulkKind, ItemStatus},
};
use futures::StreamExt;
use uuid::Uuid;

use super::store::{self, Finished};
use crate::{
    action_log::{NewAction, Outcome},
    approvals::workflow,
    leases::Ran,
    Console,
};

/// Users per call for Airtable's list endpoints (its own limit).
const BATCH: usize = 100;

/// One-user calls in flight at once (the client's rate limiter still applies).
const CONCURRENCY: usize = 4;

/// What the background task needs.
pub struct Job {
    pub id: Uuid,
    pub kind: BulkKind,
    pub reason: String,
    pub who: SignedInUser,
}

/// The lease under which one job runs.
pub fn lease_name(job: Uuid) -> String {
    format!("bulk-job:{job}")
}

/// Starts the job in the background, in this process if it can take the job's lease (else
/// another process already runs it). If the task dies (a panic), its unfinished rows are
/// reported as interrupted rather than left "running" for ever.
pub fn spawn(state: Console, job: Job) {
    let id = job.id;
    let db = state.db.clone();
    let leases = state.leases.clone();
    let task = tokio::spawn(async move {
        let lease = lease_name(job.id);
        leases
            .run_exclusive(&lease, leases.period(), run(state, job))
            .await
    });
    tokio::spawn(async move {
        match task.await {
            Ok(Ok(Ran::Done(()))) | Ok(Ok(Ran::HeldElsewhere)) => {}
            Ok(Ok(Ran::Stopped)) => {
                tracing::info!(job = %id, "bulk job handed back: this process is stopping");
            }
            Ok(Ok(Ran::Lost)) => {
                tracing::warn!(job = %id, "bulk job taken over by another process");
            }
            Ok(Err(error)) => {
                tracing::warn!(%error, job = %id, "bulk job: could not take its lease")
            }
            Err(error) => {
                tracing::error!(%error, job = %id, "bulk job task failed");
                if let Err(error) = store::interrupt(&db, id).await {
                    tracing::error!(%error, job = %id, "could not mark the bulk job interrupted");
                }
            }
        }
    });
}

/// Carries on a job whose runner is gone, with its maker's authority as it is now.
pub async fn resume(state: Console, job: store::Unfinished) {
    let Ok(kind) = BulkKind::parse(&job.kind) else {
        let why = format!("This console does not know the job kind {:?}.", job.kind);
        let _ = store::interrupt_saying(&state.db, job.id, &why).await;
        return;
    };
    let role = crate::roles::store::current_role(&state.db, &job.created_by_id)
        .await
        .ok()
        .flatten();
    let Some(role) = role.filter(|role| role.allows(Role::Operator)) else {
        // Whoever made it may no longer change users: the rest is not done in their name.
        let why = "The person who made this job no longer has a console role that may change \
                   users, so nothing more was done in their name.";
        if let Err(error) = store::interrupt_saying(&state.db, job.id, why).await {
            tracing::error!(%error, job = %job.id, "could not stop a bulk job");
        }
        return;
    };
    tracing::info!(job = %job.id, "carrying on a bulk job whose process is gone");
    spawn(
        state,
        Job {
            id: job.id,
            kind,
            reason: job.reason,
            who: SignedInUser {
                airtable_user_id: job.created_by_id,
                email: job.created_by_email,
                name: job.created_by_name,
                role,
                csrf_token: String::new(),
                login_id: job.created_by_login,
                waiting_approvals: 0,
                signed_in_at: job.created_at,
                two_person_rule: true,
            },
        },
    );
}

async fn run(state: Console, job: Job) {
    // Rows a previous holder started and left without an outcome: reported, not re-run.
    match store::interrupt_uncertain(&state.db, job.id).await {
        Ok(0) => {}
        Ok(rows) => {
            tracing::warn!(job = %job.id, rows, "bulk job: rows cut off mid-call reported for a person to check")
        }
        Err(error) => {
            tracing::error!(%error, job = %job.id, "bulk job could not check its rows");
            return;
        }
    }
    let users = match store::pending(&state.db, job.id).await {
        Ok(users) => users,
        Err(error) => {
            tracing::error!(%error, job = %job.id, "bulk job could not read its users");
            let _ = store::interrupt(&state.db, job.id).await;
            return;
        }
    };
    tracing::info!(job = %job.id, kind = job.kind.as_str(), users = users.len(), "bulk job started");
    let runner = Runner { state, job };
    match runner.job.kind {
        BulkKind::Logout => runner.one_by_one(&users).await,
        k if k.is_destructive() => runner.one_by_one(&users).await,
        _ => {
            for chunk in users.chunks(BATCH) {
                runner.batch(chunk).await;
            }
        }
    }
    if let Err(error) = store::finish_job(&runner.state.db, runner.job.id).await {
        tracing::error!(%error, job = %runner.job.id, "could not mark the bulk job finished");
    }
    tracing::info!(job = %runner.job.id, "bulk job finished");
}

struct Runner {
    state: Console,
    job: Job,
}

/// Airtable's per-user refusal in plain words.
fn refusal(error: &BatchError) -> String {
    match &error.message {
        Some(message) => format!("Airtable refused: \"{message}\" ({}).", error.kind),
        None => format!("Airtable refused ({}).", error.kind),
    }
}

impl Runner {
    /// A client acting as the job's maker (their token refreshed if due, so a long job
    /// outlives one access token).
    async fn airtable(&self) -> Result<Client, ConsoleError> {
        self.state
            .airtable_for_job(&self.job.who)
            .await
            .map_err(|error| match error {
                ConsoleError::NotSignedIn => ConsoleError::NotAllowed(
                    "The sign-in of the person who made this job ended (signed out or \
                     expired) before this user's turn, so nothing was done for them."
                        .into(),
                ),
                other => other,
            })
    }

    /// Claims these users' calls (see [`store::start_items`]): the users whose call may be
    /// made now. None when the claim could not be recorded: then no call is made.
    async fn start(&self, users: &[&str]) -> Vec<String> {
        store::start_items(&self.state.db, self.job.id, users)
            .await
            .unwrap_or_else(|error| {
                tracing::error!(%error, job = %self.job.id, "could not mark bulk rows started");
                Vec::new()
            })
    }

    async fn record(&self, user_id: &str, outcome: Finished) {
        if let Err(error) = store::finish_item(&self.state.db, self.job.id, user_id, &outcome).await
        {
            tracing::error!(%error, job = %self.job.id, user = user_id, "could not store a bulk result");
        }
    }

    /// Writes a direct change (or its failure) to the action log.
    async fn log(
        &self,
        action: &str,
        user_id: &str,
        extra: serde_json::Value,
        failure: Option<&str>,
    ) {
        let mut details = serde_json::json!({ "bulk_job": self.job.id.to_string() });
        if let (Some(map), serde_json::Value::Object(more)) = (details.as_object_mut(), extra) {
            map.extend(more);
        }
        let entry = NewAction {
            actor_id: &self.job.who.airtable_user_id,
            actor_email: &self.job.who.email,
            action,
            target: Some(user_id),
            details,
            approval_id: None,
            outcome: if failure.is_some() {
                Outcome::Failed
            } else {
                Outcome::Ok
            },
            response: failure.map(|f| serde_json::json!({ "error": f })),
        };
        // The user (and their groups, workspaces, bases) may read differently now.
        self.state.live.forget_objects().await;
        if let Err(error) = self.state.action_log.record(&self.state.db, entry).await {
            tracing::error!(%error, job = %self.job.id, user = user_id, "could not log a bulk change");
        }
    }

    async fn one_by_one(&self, users: &[String]) {
        futures::stream::iter(users)
            .for_each_concurrent(CONCURRENCY, |user| async move {
                if self.start(&[user.as_str()]).await.is_empty() {
                    return;
                }
                let outcome = match user.parse::<UserId>() {
                    Err(_) => Finished::failed(format!("{user:?} is not an Airtable user ID.")),
                    Ok(uid) => match self.job.kind.risky(uid.clone()) {
                        Some(action) => self.request(action).await,
                        None => self.logout(&uid).await,
                    },
                };
                self.record(user, outcome).await;
            })
            .await;
    }

    async fn logout(&self, uid: &UserId) -> Finished {
        let result = match self.airtable().await {
            Ok(airtable) => airtable
                .enterprise(&self.state.enterprise_id)
                .user(uid)
                .logout()
                .await
                .map_err(|e| crate::directory::airtable_error(&format!("user {uid}"), e)),
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => {
                self.log("users.logout", uid.as_str(), serde_json::json!({}), None)
                    .await;
                Finished::done("Logged out of every Airtable session.")
            }
            Err(error) => {
                let text = error.to_string();
                self.log(
                    "users.logout",
                    uid.as_str(),
                    serde_json::json!({}),
                    Some(&text),
                )
                .await;
                Finished::failed(text)
            }
        }
    }

    /// One approval request (the workflow logs it, and carries it out at once if an admin
    /// exempted the kind).
    async fn request(&self, action: console_types::approvals::RiskyAction) -> Finished {
        let airtable = match self.airtable().await {
            Ok(airtable) => airtable,
            Err(error) => return Finished::failed(error.to_string()),
        };
        let kind = action.kind();
        let target = action.target();
        match workflow::request(
            &self.state,
            &self.job.who,
            &airtable,
            action,
            &self.job.reason,
            Utc::now(),
        )
        .await
        {
            Ok(RequestOutcome::Requested { id }) => Finished {
                status: ItemStatus::ApprovalRequested,
                result: "Approval requested: a second person must approve it.".into(),
                approval_id: id.parse().ok(),
            },
            Ok(RequestOutcome::Done { outcome }) => Finished::done(format!(
                "Done at once (an admin exempted this kind from approval): {outcome}"
            )),
            Err(ConsoleError::Conflict(message)) => match open_request(&self.state, kind, &target)
                .await
            {
                Some(open) => Finished {
                    status: ItemStatus::AlreadyWaiting,
                    result: "An open request for this user and action already waits for approval."
                        .into(),
                    approval_id: Some(open),
                },
                None => Finished::failed(message),
            },
            Err(error) => Finished::failed(error.to_string()),
        }
    }

    /// One call of up to 100 users; Airtable reports refusals per user.
    async fn batch(&self, users: &[String]) {
        let mut bad = Vec::new();
        let mut ids = Vec::new();
        for user in users {
            match user.parse::<UserId>() {
                Ok(uid) => ids.push(uid),
                Err(_) => bad.push(user.clone()),
            }
        }
        for user in bad {
            self.record(
                &user,
                Finished::failed(format!("{user:?} is not an Airtable user ID.")),
            )
            .await;
        }
        if ids.is_empty() {
            return;
        }
        let (action, extra, done_text) = match self.job.kind {
            BulkKind::Reactivate => (
                "users.reactivate",
                serde_json::json!({ "state": "provisioned" }),
                "Reactivated.",
            ),
            BulkKind::ClaimManaged => (
                "users.claim",
                serde_json::json!({ "state": "managed" }),
                "Claimed as a managed user.",
            ),
            BulkKind::ClaimUnmanaged => (
                "users.claim",
                serde_json::json!({ "state": "unmanaged" }),
                "Released as an unmanaged user.",
            ),
            // Logout and the approval-gated kinds go one by one, never here.
            _ => ("users.bulk", serde_json::json!({}), "Done."),
        };
        let asked: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
        let claimed = self.start(&asked).await;
        ids.retain(|id| claimed.iter().any(|c| c == id.as_str()));
        if ids.is_empty() {
            return;
        }
        let answer = match self.airtable().await {
            Ok(airtable) => self.call(&airtable, &ids).await,
            Err(error) => Err(error),
        };
        match answer {
            Err(error) => {
                // The whole call failed: nothing in it was changed.
                let text = error.to_string();
                for uid in &ids {
                    self.log(action, uid.as_str(), extra.clone(), Some(&text))
                        .await;
                    self.record(uid.as_str(), Finished::failed(text.clone()))
                        .await;
                }
            }
            Ok(errors) => {
                let mut by_user: HashMap<&str, &BatchError> = HashMap::new();
                let mut unattributed = Vec::new();
                for error in &errors {
                    match error.subject() {
                        Some(subject) => {
                            by_user.insert(subject, error);
                        }
                        None => unattributed.push(refusal(error)),
                    }
                }
                for uid in &ids {
                    if let Some(error) = by_user.get(uid.as_str()) {
                        let text = refusal(error);
                        self.log(action, uid.as_str(), extra.clone(), Some(&text))
                            .await;
                        self.record(uid.as_str(), Finished::failed(text)).await;
                    } else if !unattributed.is_empty() {
                        // Airtable reported a refusal without saying whose: this user's
                        // change cannot be called done.
                        let text = format!(
                            "Airtable reported an error without naming the user; check this user. {}",
                            unattributed.join(" ")
                        );
                        self.log(action, uid.as_str(), extra.clone(), Some(&text))
                            .await;
                        self.record(uid.as_str(), Finished::failed(text)).await;
                    } else {
                        self.log(action, uid.as_str(), extra.clone(), None).await;
                        self.record(uid.as_str(), Finished::done(done_text)).await;
                        if self.job.kind == BulkKind::Reactivate {
                            let effect = crate::user_changes::Effect {
                                state: Some("provisioned"),
                                is_admin: None,
                            };
                            if let Err(error) = crate::user_changes::record(
                                &self.state.db,
                                uid.as_str(),
                                action,
                                effect,
                                None,
                            )
                            .await
                            {
                                tracing::error!(%error, user = %uid, "could not record the console's change to a user");
                            }
                        }
                    }
                }
            }
        }
    }

    /// The batched call for the job's kind; returns Airtable's per-user refusals.
    async fn call(
        &self,
        airtable: &Client,
        ids: &[UserId],
    ) -> Result<Vec<BatchError>, ConsoleError> {
        let users = airtable.enterprise(&self.state.enterprise_id).users();
        let refs = || ids.iter().cloned().map(|id| UserRef::Id { id });
        let answer = match self.job.kind {
            BulkKind::Reactivate => users
                .update_batch(refs().map(|user| BatchUserUpdate {
                    user,
                    update: UpdateUserRequest {
                        state: Some(UserState::Provisioned),
                        ..UpdateUserRequest::default()
                    },
                }))
                .await
                .map(|r| r.errors),
            BulkKind::ClaimManaged | BulkKind::ClaimUnmanaged => {
                let state = if self.job.kind == BulkKind::ClaimManaged {
                    MembershipState::Managed
                } else {
                    MembershipState::Unmanaged
                };
                users
                    .claim(refs().map(|user| ClaimUser {
                        user,
                        state: state.clone(),
                    }))
                    .await
                    .map(|r| r.errors)
            }
            other => {
                return Err(ConsoleError::Invalid(format!(
                    "\"{}\" is not carried out in batches.",
                    other.label()
                )))
            }
        };
        answer.map_err(crate::error::airtable_error)
    }
}

/// The open approval request for this kind and target, if one exists.
async fn open_request(state: &Console, kind: &str, target: &str) -> Option<Uuid> {
    sqlx::query_scalar(
        "SELECT id FROM approval_requests
          WHERE kind = $1 AND target = $2 AND status IN ('pending', 'executing', 'failed')",
    )
    .bind(kind)
    .bind(target)
    .fetch_optional(&state.db)
    .await
    .ok()
    .flatten()
}
