//! Bulk actions on users: a job is made from the users ticked on the users page (or every
//! user a filter matches in the latest snapshot, resolved now), stored in Postgres with
//! one row per user, and carried out by a background task of this console (see
//! [`runner`]). Closing the page does not stop it.
//!
//! A job is run by whichever console process holds its lease (`bulk-job:<id>`, see
//! [`crate::leases`]). Each user's row is marked started before the Airtable call and
//! finished after it. When the process running a job dies, another one (every process looks
//! every few seconds, see [`spawn_resumer`]) takes the lease over once it expires, reports
//! the rows that were started but have no outcome as interrupted (Airtable may or may not
//! have made the change: a person checks them, nothing is re-run), and carries on with the
//! rows never started.

pub mod csv;
pub mod runner;
pub mod store;

use std::collections::HashSet;

use airtable_client::ids::UserId;
use console_types::{
    api::{ConsoleError, Role, SignedInUser},
    bulk::{BulkJob, BulkJobSummary, BulkSelection, NewBulkJob, MAX_JOB_USERS},
};
use sqlx::{PgPool, QueryBuilder};
use uuid::Uuid;

use crate::{action_log, error::internal, people, Console};

/// How often each process looks for jobs whose runner is gone.
const RESUME_POLL: std::time::Duration = std::time::Duration::from_secs(5);

/// Looks for unfinished jobs nobody holds (their process died, or the whole console
/// stopped) and carries them on in this process: of all the processes looking, the one
/// that takes the job's lease runs it.
pub fn spawn_resumer(console: Console) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(RESUME_POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let jobs = match store::unfinished(&console.db).await {
                Ok(jobs) => jobs,
                Err(error) => {
                    tracing::warn!(%error, "bulk jobs: could not look for unfinished ones");
                    continue;
                }
            };
            for job in jobs {
                match console.leases.holder_of(&runner::lease_name(job.id)).await {
                    Ok(None) => runner::resume(console.clone(), job).await,
                    Ok(Some(_)) => {}
                    Err(error) => {
                        tracing::warn!(%error, job = %job.id, "bulk jobs: could not read a lease")
                    }
                }
            }
        }
    });
}

/// The users a selection names, with what the latest snapshot knows of them, and the
/// selection in words.
async fn resolve(
    db: &PgPool,
    selection: &BulkSelection,
) -> Result<(Vec<store::Target>, String, Option<i64>), ConsoleError> {
    let snapshot = people::snapshot(db).await.map_err(internal)?;
    match selection {
        BulkSelection::Picked(ids) => {
            let mut seen = HashSet::new();
            let mut picked = Vec::new();
            for id in ids {
                let id = id.trim();
                if id.parse::<UserId>().is_err() {
                    return Err(ConsoleError::Invalid(format!(
                        "{id:?} is not an Airtable user ID."
                    )));
                }
                if seen.insert(id.to_string()) {
                    picked.push(id.to_string());
                }
            }
            if picked.is_empty() {
                return Err(ConsoleError::Invalid(
                    "Tick at least one user, or choose all users matching the filter.".into(),
                ));
            }
            check_size(picked.len())?;
            let known: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT user_id, email, name FROM snapshot_users
                  WHERE snapshot_id = $1 AND user_id = ANY($2)",
            )
            .bind(snapshot.as_ref().map(|s| s.id))
            .bind(&picked)
            .fetch_all(db)
            .await
            .map_err(internal)?;
            let targets = picked
                .iter()
                .map(|id| {
                    let found = known.iter().find(|(k, _, _)| k == id);
                    store::Target {
                        user_id: id.clone(),
                        email: found.map(|f| f.1.clone()).unwrap_or_default(),
                        name: found.map(|f| f.2.clone()).unwrap_or_default(),
                    }
                })
                .collect::<Vec<_>>();
            let words = match targets.len() {
                // One user is also what a user's own page sends.
                1 => "1 user chosen".to_string(),
                n => format!("{n} users ticked on the users page"),
            };
            Ok((targets, words, snapshot.map(|s| s.id)))
        }
        BulkSelection::AllMatching { query, expected } => {
            let Some(snap) = snapshot else {
                return Err(ConsoleError::Invalid(
                    "The console has no complete snapshot yet, so no filter can be resolved to users. Take one first."
                        .into(),
                ));
            };
            if query.needs_details() && snap.email_domains.is_none() {
                return Err(people::details_missing());
            }
            let mut sql = QueryBuilder::new("SELECT user_id, email, name FROM snapshot_users");
            people::push_filters(&mut sql, snap.id, query);
            sql.push(people::order_by(query.sort));
            sql.push(" LIMIT ").push_bind(MAX_JOB_USERS as i64 + 1);
            let rows: Vec<(String, String, String)> =
                sql.build_query_as().fetch_all(db).await.map_err(internal)?;
            if rows.is_empty() {
                return Err(ConsoleError::Invalid(
                    "No user matches this filter in the latest snapshot.".into(),
                ));
            }
            check_size(rows.len())?;
            if let Some(expected) = expected.filter(|e| *e != rows.len() as i64) {
                return Err(ConsoleError::Conflict(format!(
                    "Nothing was started: the filter ({}) now matches {} users, not the {expected} you were shown (a newer snapshot came in). Look at the list again, then apply.",
                    query.describe(),
                    rows.len()
                )));
            }
            let words = format!(
                "all {} users of snapshot {} matching the filter: {}",
                rows.len(),
                snap.id,
                query.describe()
            );
            let targets = rows
                .into_iter()
                .map(|(user_id, email, name)| store::Target {
                    user_id,
                    email,
                    name,
                })
                .collect();
            Ok((targets, words, Some(snap.id)))
        }
    }
}

fn check_size(n: usize) -> Result<(), ConsoleError> {
    if n > MAX_JOB_USERS {
        return Err(ConsoleError::Invalid(format!(
            "One bulk action takes at most {MAX_JOB_USERS} users; narrow the filter or run several."
        )));
    }
    Ok(())
}

pub(crate) fn job_id(id: &str) -> Option<Uuid> {
    id.trim().parse::<Uuid>().ok()
}

pub async fn start(
    console: &Console,
    who: &SignedInUser,
    job: NewBulkJob,
) -> Result<String, ConsoleError> {
    // Checked again here: the job runs with this person's authority.
    if !who.role.allows(Role::Operator) {
        return Err(ConsoleError::Forbidden {
            have: who.role,
            need: Role::Operator,
        });
    }
    let reason = job.reason.trim();
    if job.kind.is_destructive() && reason.is_empty() {
        return Err(ConsoleError::Invalid(format!(
            "{} needs approval for each user: say why, the approver decides on your reason.",
            job.kind.label()
        )));
    }
    if reason.chars().count() > 2_000 {
        return Err(ConsoleError::Invalid(
            "Keep the reason under 2,000 characters.".into(),
        ));
    }
    let (targets, selection, snapshot_id) = resolve(&console.db, &job.selection).await?;
    let id = Uuid::new_v4();
    store::create(
        &console.db,
        store::NewJob {
            id,
            kind: job.kind,
            reason,
            selection: &selection,
            snapshot_id,
            created_by_id: &who.airtable_user_id,
            created_by_email: &who.email,
            created_by_name: &who.name,
            created_by_login: who.login_id.as_deref(),
        },
        &targets,
    )
    .await
    .map_err(internal)?;
    console
        .action_log
        .record(
            &console.db,
            action_log::NewAction {
                actor_id: &who.airtable_user_id,
                actor_email: &who.email,
                action: "users.bulk",
                target: Some(&id.to_string()),
                details: serde_json::json!({
                    "kind": job.kind.as_str(),
                    "users": targets.len(),
                    "selection": selection,
                    "reason": reason,
                }),
                approval_id: None,
                outcome: action_log::Outcome::Ok,
                response: None,
            },
        )
        .await
        .map_err(internal)?;
    runner::spawn(
        console.clone(),
        runner::Job {
            id,
            kind: job.kind,
            reason: reason.to_string(),
            who: who.clone(),
        },
    );
    Ok(id.to_string())
}

pub async fn job(console: &Console, id: &str, page: i64) -> Result<Option<BulkJob>, ConsoleError> {
    let Some(id) = job_id(id) else {
        return Ok(None);
    };
    store::get(&console.db, id, page.max(1))
        .await
        .map_err(internal)
}

pub async fn recent(console: &Console) -> Result<Vec<BulkJobSummary>, ConsoleError> {
    store::recent(&console.db, console_types::bulk::RECENT_JOBS)
        .await
        .map_err(internal)
}
