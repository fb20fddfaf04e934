//! Snapshots of the enterprise's state: users (state, admin flags), groups with their
//! members, who can reach each workspace, every base's share links, and the personal access
//! tokens with their scopes. Taken on a schedule and on request, kept in
//! Postgres, so "who was an admin on date X" and "what changed between two dates" can be
//! answered long after Airtable forgot.

use std::collections::BTreeMap;

use airtable_client::{ids::EnterpriseId, Client};
use chrono::{DateTime, Utc};
use console_types::api::{
    AccessChange, AdminsAt, ConsoleError, SignedInUser, SnapshotDiff, SnapshotSummary,
    SnapshotUser, UserChange,
};
use futures::{StreamExt, TryStreamExt};
use sqlx::{PgPool, Row};

use crate::{error::internal, names, Console};

mod shares;

/// Requests in flight at once while reading groups and workspaces (the client's rate
/// limiter keeps the pace under Airtable's limits).
const CONCURRENCY: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("Airtable: {0}")]
    Airtable(#[from] airtable_client::Error),
    #[error("the console's database: {0}")]
    Database(#[from] sqlx::Error),
}

impl SnapshotError {
    pub fn user_message(&self) -> String {
        match self {
            SnapshotError::Airtable(e) => e.user_message(),
            SnapshotError::Database(_) => "The console could not write to its database.".into(),
        }
    }
}

/// Reads the enterprise through `airtable` and stores a complete snapshot. A failed
/// snapshot is kept with its error (and never used for answers).
pub async fn take(
    db: &PgPool,
    airtable: &Client,
    enterprise: &EnterpriseId,
    requested_by: Option<&str>,
) -> Result<i64, SnapshotError> {
    let id: i64 =
        sqlx::query_scalar("INSERT INTO snapshots (requested_by) VALUES ($1) RETURNING id")
            .bind(requested_by)
            .fetch_one(db)
            .await?;
    match read_and_store(db, airtable, enterprise, id).await {
        Ok(()) => {
            analyze(db).await;
            Ok(id)
        }
        Err(error) => {
            tracing::warn!(%error, snapshot = id, "snapshot failed");
            sqlx::query("UPDATE snapshots SET error = $2 WHERE id = $1")
                .bind(id)
                .bind(error.user_message())
                .execute(db)
                .await?;
            Err(error)
        }
    }
}

/// Brings the planner's statistics up to date with the snapshot just written (migration
/// `analyze_snapshot_tables`: without them a far page of the users list sorted every user).
/// The snapshot is complete either way, so a failure is logged, not returned.
async fn analyze(db: &PgPool) {
    if let Err(error) = sqlx::query("SELECT analyze_snapshot_tables()")
        .execute(db)
        .await
    {
        tracing::warn!(%error, "could not update the statistics of the snapshot tables");
    }
}

async fn read_and_store(
    db: &PgPool,
    airtable: &Client,
    enterprise: &EnterpriseId,
    id: i64,
) -> Result<(), SnapshotError> {
    let account = airtable.enterprise(enterprise);
    let info = account.get().send().await?;
    let users = account
        .users()
        .by_ids(&info.user_ids)
        .concurrency(CONCURRENCY)
        .send()
        .await?;
    // Owned ids and client clones: the futures must not borrow (they run in a spawned task).
    let groups: Vec<_> = futures::stream::iter(info.group_ids.clone())
        .map(|gid| {
            let airtable = airtable.clone();
            async move { airtable.group(&gid).get().send().await }
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    let workspaces: Vec<_> = futures::stream::iter(info.workspace_ids.clone())
        .map(|wid| {
            let airtable = airtable.clone();
            async move {
                airtable
                    .workspace(&wid)
                    .get()
                    .include_collaborators()
                    .send()
                    .await
            }
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    // A refusal to list shares (a token without the shares scope, say) leaves the rest of
    // the snapshot good: it is recorded without shares, and says why.
    let base_names = shares::base_names(airtable).await;
    let (base_shares, shares_error) = match shares::read(airtable, &workspaces, &base_names).await {
        Ok(found) => (found, None),
        Err(error) => {
            tracing::warn!(%error, snapshot = id, "snapshot without shares");
            (Vec::new(), Some(error.user_message()))
        }
    };

    // Tokens likewise: a refusal leaves the snapshot good, recorded without tokens.
    let (tokens, tokens_error) = match account.personal_access_tokens().send().await {
        Ok(found) => (found, None),
        Err(error) => {
            tracing::warn!(%error, snapshot = id, "snapshot without personal access tokens");
            (Vec::new(), Some(error.user_message()))
        }
    };

    let domains: Vec<String> = info
        .email_domains
        .iter()
        .map(|d| d.email_domain.to_lowercase())
        .collect();
    let mut tx = db.begin().await?;
    for chunk in users.chunks(1000) {
        let mut q = sqlx::QueryBuilder::new(
            "INSERT INTO snapshot_users (snapshot_id, user_id, email, name, state, is_admin,
                 is_super_admin, is_managed, is_service_account, is_external,
                 is_two_factor_auth_enabled, is_sso_required, last_activity_at) ",
        );
        q.push_values(chunk, |mut row, u| {
            row.push_bind(id)
                .push_bind(u.id.to_string())
                .push_bind(&u.email)
                .push_bind(&u.name)
                .push_bind(u.state.to_string())
                .push_bind(u.is_admin.unwrap_or(false))
                .push_bind(u.is_super_admin.unwrap_or(false))
                .push_bind(u.is_managed.unwrap_or(false))
                .push_bind(u.is_service_account)
                .push_bind(is_external(&u.email, &domains))
                .push_bind(u.is_two_factor_auth_enabled)
                .push_bind(u.is_sso_required)
                .push_bind(u.last_activity_time.as_ref().map(|t| *t.as_datetime()));
        });
        q.build().execute(&mut *tx).await?;
    }
    let members: Vec<_> = groups
        .iter()
        .flat_map(|g| g.members.iter().map(move |m| (g, m)))
        .collect();
    for chunk in members.chunks(1000) {
        let mut q = sqlx::QueryBuilder::new(
            "INSERT INTO snapshot_group_members (snapshot_id, group_id, group_name, user_id,
                 email, role) ",
        );
        q.push_values(chunk, |mut row, (g, m)| {
            row.push_bind(id)
                .push_bind(g.id.to_string())
                .push_bind(&g.name)
                .push_bind(m.user_id.to_string())
                .push_bind(&m.email)
                .push_bind(m.role.to_string());
        });
        q.push(" ON CONFLICT DO NOTHING");
        q.build().execute(&mut *tx).await?;
    }
    // (workspace id, name, principal id, principal name, permission)
    let mut access: Vec<(String, String, String, String, String)> = Vec::new();
    for w in &workspaces {
        let people = w
            .individual_collaborators
            .as_ref()
            .or(w.collaborators.as_ref());
        for c in people
            .map(|s| s.workspace_collaborators.as_slice())
            .unwrap_or_default()
        {
            access.push((
                w.id.to_string(),
                w.name.clone(),
                c.user_id.to_string(),
                c.email.clone(),
                c.permission_level.to_string(),
            ));
        }
        let groups = w.group_collaborators.as_ref();
        for c in groups
            .map(|s| s.workspace_collaborators.as_slice())
            .unwrap_or_default()
        {
            access.push((
                w.id.to_string(),
                w.name.clone(),
                c.group_id.to_string(),
                c.name.clone(),
                c.permission_level.to_string(),
            ));
        }
    }
    for chunk in access.chunks(1000) {
        let mut q = sqlx::QueryBuilder::new(
            "INSERT INTO snapshot_workspace_access (snapshot_id, workspace_id, workspace_name,
                 principal_id, principal_name, permission) ",
        );
        q.push_values(chunk, |mut row, a| {
            row.push_bind(id)
                .push_bind(&a.0)
                .push_bind(&a.1)
                .push_bind(&a.2)
                .push_bind(&a.3)
                .push_bind(&a.4);
        });
        q.push(" ON CONFLICT DO NOTHING");
        q.build().execute(&mut *tx).await?;
    }
    shares::store(&mut tx, id, &base_shares).await?;
    for chunk in tokens.chunks(1000) {
        let mut q = sqlx::QueryBuilder::new(
            "INSERT INTO snapshot_tokens (snapshot_id, token_id, name, state, scopes,
                 access_mode, owner_id, created_at) ",
        );
        q.push_values(chunk, |mut row, t| {
            row.push_bind(id)
                .push_bind(t.id.to_string())
                .push_bind(&t.name)
                .push_bind(&t.state)
                .push_bind(&t.scopes)
                .push_bind(t.resource_access.as_ref().map(|a| a.mode.clone()))
                .push_bind(t.user_id.to_string())
                .push_bind(*t.created_time.as_datetime());
        });
        q.push(" ON CONFLICT DO NOTHING");
        q.build().execute(&mut *tx).await?;
    }
    let seen: Vec<names::Seen<'_>> = users
        .iter()
        .map(|u| names::Seen {
            id: u.id.to_string(),
            kind: "user",
            name: &u.name,
            email: Some(&u.email),
        })
        .chain(groups.iter().map(|g| names::Seen {
            id: g.id.to_string(),
            kind: "group",
            name: &g.name,
            email: None,
        }))
        .chain(workspaces.iter().map(|w| names::Seen {
            id: w.id.to_string(),
            kind: "workspace",
            name: &w.name,
            email: None,
        }))
        .chain(base_names.iter().map(|(id, name)| names::Seen {
            id: id.clone(),
            kind: "base",
            name,
            email: None,
        }))
        .collect();
    names::remember(&mut tx, &seen).await?;
    sqlx::query(&format!(
        "UPDATE snapshots AS s
            SET taken_at = now(), email_domains = $2, shares_recorded = $3,
                shares_error = $4, tokens_recorded = $5, tokens_error = $6,
                user_count = {USERS}, admin_count = {ADMINS}, group_count = {GROUPS},
                workspace_count = {WORKSPACES}
          WHERE s.id = $1"
    ))
    .bind(id)
    .bind(&domains)
    .bind(shares_error.is_none())
    .bind(&shares_error)
    .bind(tokens_error.is_none())
    .bind(&tokens_error)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether an email address is outside the enterprise's email domains (lower case).
pub fn is_external(email: &str, domains: &[String]) -> bool {
    let domain = email
        .rsplit_once('@')
        .map(|(_, d)| d.trim().to_lowercase())
        .unwrap_or_default();
    !domains.contains(&domain)
}

/// A snapshot's sizes, counted from its rows (`s` is the snapshot). Counted once, when it
/// completes, and kept on its row: a complete snapshot never changes.
const USERS: &str = "(SELECT count(*) FROM snapshot_users u WHERE u.snapshot_id = s.id)";
const ADMINS: &str =
    "(SELECT count(*) FROM snapshot_users u WHERE u.snapshot_id = s.id AND u.is_admin)";
const GROUPS: &str =
    "(SELECT count(DISTINCT group_id) FROM snapshot_group_members g WHERE g.snapshot_id = s.id)";
const WORKSPACES: &str = "(SELECT count(DISTINCT workspace_id) FROM snapshot_workspace_access w
      WHERE w.snapshot_id = s.id)";

/// Complete snapshots, newest first, with their sizes.
pub async fn list(db: &PgPool, limit: i64) -> sqlx::Result<Vec<SnapshotSummary>> {
    summaries(db, None, limit).await
}

/// Complete snapshots (only snapshot `only`, when given), newest first, with their sizes: as
/// kept on the row, or counted for a snapshot completed before the console kept them
/// (`COALESCE` counts only then).
async fn summaries(
    db: &PgPool,
    only: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<SnapshotSummary>> {
    let rows = sqlx::query(&format!(
        "SELECT s.id, s.taken_at,
                COALESCE(s.user_count, {USERS}) AS users,
                COALESCE(s.admin_count, {ADMINS}) AS admins,
                COALESCE(s.group_count, {GROUPS}) AS groups,
                COALESCE(s.workspace_count, {WORKSPACES}) AS workspaces
           FROM snapshots s
          WHERE s.taken_at IS NOT NULL AND ($2::bigint IS NULL OR s.id = $2)
          ORDER BY s.taken_at DESC LIMIT $1"
    ))
    .bind(limit)
    .bind(only)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SnapshotSummary {
            id: r.get("id"),
            taken_at: r.get("taken_at"),
            users: r.get("users"),
            admins: r.get("admins"),
            groups: r.get("groups"),
            workspaces: r.get("workspaces"),
        })
        .collect())
}

/// The admins as of `at`: from the newest complete snapshot taken at or before it.
pub async fn admins_at(
    db: &PgPool,
    at: DateTime<Utc>,
) -> sqlx::Result<Option<(SnapshotSummary, Vec<SnapshotUser>)>> {
    let snapshot: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM snapshots WHERE taken_at IS NOT NULL AND taken_at <= $1
          ORDER BY taken_at DESC LIMIT 1",
    )
    .bind(at)
    .fetch_optional(db)
    .await?;
    let Some(snapshot) = snapshot else {
        return Ok(None);
    };
    let summary = list_one(db, snapshot).await?;
    let admins = users_of(db, snapshot, true).await?;
    Ok(summary.map(|s| (s, admins)))
}

async fn list_one(db: &PgPool, id: i64) -> sqlx::Result<Option<SnapshotSummary>> {
    Ok(summaries(db, Some(id), 1).await?.pop())
}

async fn users_of(
    db: &PgPool,
    snapshot: i64,
    admins_only: bool,
) -> sqlx::Result<Vec<SnapshotUser>> {
    let rows = sqlx::query(
        "SELECT user_id, email, name, state, is_admin, is_super_admin
           FROM snapshot_users WHERE snapshot_id = $1 AND (NOT $2 OR is_admin)
          ORDER BY lower(email)",
    )
    .bind(snapshot)
    .bind(admins_only)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(user_from_row).collect())
}

fn user_from_row(r: sqlx::postgres::PgRow) -> SnapshotUser {
    SnapshotUser {
        user_id: r.get("user_id"),
        email: r.get("email"),
        name: r.get("name"),
        state: r.get("state"),
        is_admin: r.get("is_admin"),
        is_super_admin: r.get("is_super_admin"),
    }
}

/// What changed from snapshot `from` to snapshot `to`.
pub async fn diff(db: &PgPool, from: i64, to: i64) -> sqlx::Result<SnapshotDiff> {
    let before: BTreeMap<String, SnapshotUser> = users_of(db, from, false)
        .await?
        .into_iter()
        .map(|u| (u.user_id.clone(), u))
        .collect();
    let after: BTreeMap<String, SnapshotUser> = users_of(db, to, false)
        .await?
        .into_iter()
        .map(|u| (u.user_id.clone(), u))
        .collect();
    let mut diff = SnapshotDiff {
        from,
        to,
        ..SnapshotDiff::default()
    };
    for (id, user) in &after {
        match before.get(id) {
            None => diff.users_added.push(user.clone()),
            Some(old) => {
                let mut changes = Vec::new();
                if old.state != user.state {
                    changes.push(format!("state {} → {}", old.state, user.state));
                }
                if old.is_admin != user.is_admin {
                    changes.push(if user.is_admin {
                        "became an admin".to_string()
                    } else {
                        "is no longer an admin".to_string()
                    });
                }
                if old.email != user.email {
                    changes.push(format!("email {} → {}", old.email, user.email));
                }
                if !changes.is_empty() {
                    diff.users_changed.push(UserChange {
                        user: user.clone(),
                        changes,
                    });
                }
            }
        }
    }
    diff.users_removed = before
        .iter()
        .filter(|(id, _)| !after.contains_key(*id))
        .map(|(_, u)| u.clone())
        .collect();
    diff.group_members = access_changes(
        db,
        "SELECT group_id || ':' || user_id AS key, group_name AS place, email AS who, role AS how
           FROM snapshot_group_members WHERE snapshot_id = $1",
        from,
        to,
    )
    .await?;
    diff.workspace_access = access_changes(
        db,
        "SELECT workspace_id || ':' || principal_id AS key, workspace_name AS place,
                principal_name AS who, permission AS how
           FROM snapshot_workspace_access WHERE snapshot_id = $1",
        from,
        to,
    )
    .await?;
    Ok(diff)
}

/// Added, removed and changed (key → place, who, how) entries between two snapshots.
async fn access_changes(
    db: &PgPool,
    query: &'static str,
    from: i64,
    to: i64,
) -> sqlx::Result<Vec<AccessChange>> {
    let load = |snapshot: i64| async move {
        let rows = sqlx::query(query).bind(snapshot).fetch_all(db).await?;
        Ok::<_, sqlx::Error>(
            rows.into_iter()
                .map(|r| {
                    let key: String = r.get("key");
                    (
                        key,
                        (
                            r.get::<String, _>("place"),
                            r.get::<String, _>("who"),
                            r.get::<String, _>("how"),
                        ),
                    )
                })
                .collect::<BTreeMap<_, _>>(),
        )
    };
    let before = load(from).await?;
    let after = load(to).await?;
    let mut changes = Vec::new();
    for (key, (place, who, how)) in &after {
        match before.get(key) {
            None => changes.push(AccessChange {
                place: place.clone(),
                who: who.clone(),
                before: None,
                after: Some(how.clone()),
            }),
            Some((_, _, old)) if old != how => changes.push(AccessChange {
                place: place.clone(),
                who: who.clone(),
                before: Some(old.clone()),
                after: Some(how.clone()),
            }),
            Some(_) => {}
        }
    }
    for (key, (place, who, how)) in &before {
        if !after.contains_key(key) {
            changes.push(AccessChange {
                place: place.clone(),
                who: who.clone(),
                before: Some(how.clone()),
                after: None,
            });
        }
    }
    Ok(changes)
}

/// Takes a snapshot every `interval` (if any), and at once when asked from the UI.
pub fn spawn_scheduler(
    db: PgPool,
    airtable: Client,
    enterprise: EnterpriseId,
    interval: Option<std::time::Duration>,
    leases: crate::leases::Leases,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let poll = std::time::Duration::from_secs(2);
        loop {
            // One process at a time looks and takes (the lease `snapshots`); a snapshot cut
            // off with its process is followed by the next due one once the lease expires.
            let turn = leases.run_exclusive(
                SNAPSHOTS_LEASE,
                leases.period(),
                take_if_due(&db, &airtable, &enterprise, interval),
            );
            if let Err(error) = turn.await {
                tracing::warn!(%error, "snapshots: could not take their lease");
            }
            tokio::time::sleep(poll).await;
        }
    })
}

/// The lease under which snapshots are taken: one process at a time.
pub const SNAPSHOTS_LEASE: &str = "snapshots";

/// Takes a snapshot if one was asked for, or if the newest is `interval` old. When the
/// database cannot say (an outage), nothing is taken and the next turn asks again: an
/// unreadable "newest" is not "none yet".
async fn take_if_due(
    db: &PgPool,
    airtable: &Client,
    enterprise: &EnterpriseId,
    interval: Option<std::time::Duration>,
) {
    if let Err(error) = try_take_if_due(db, airtable, enterprise, interval).await {
        tracing::warn!(%error, "snapshots: cannot tell whether one is due; asking again next turn");
    }
}

async fn try_take_if_due(
    db: &PgPool,
    airtable: &Client,
    enterprise: &EnterpriseId,
    interval: Option<std::time::Duration>,
) -> sqlx::Result<()> {
    let requested: Option<(i64, Option<String>)> =
        sqlx::query_as("SELECT id, requested_by FROM snapshot_requests ORDER BY id LIMIT 1")
            .fetch_optional(db)
            .await?;
    let newest: Option<DateTime<Utc>> = sqlx::query_scalar("SELECT max(started_at) FROM snapshots")
        .fetch_one(db)
        .await?;
    let due = interval.is_some_and(|every| {
        newest.is_none_or(|t| {
            Utc::now() - t >= chrono::Duration::from_std(every).unwrap_or(chrono::Duration::MAX)
        })
    });
    // `take` records its own outcome (a failed snapshot is a row that says why).
    if let Some((request, by)) = &requested {
        sqlx::query("DELETE FROM snapshot_requests WHERE id <= $1")
            .bind(request)
            .execute(db)
            .await?;
        let _ = take(db, airtable, enterprise, by.as_deref()).await;
    } else if due {
        let _ = take(db, airtable, enterprise, None).await;
    }
    Ok(())
}

/// Asks the scheduler for a snapshot now.
pub async fn request(db: &PgPool, requested_by: &str) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO snapshot_requests (requested_by) VALUES ($1)")
        .bind(requested_by)
        .execute(db)
        .await?;
    Ok(())
}

// ---- What the snapshots pages ask for ----

/// The refusal of anything read from the latest snapshot when there is none yet.
pub fn none_yet() -> ConsoleError {
    ConsoleError::NotFound(
        "the console has no complete snapshot of the enterprise yet: take one first.".into(),
    )
}

pub async fn history(console: &Console) -> Result<Vec<SnapshotSummary>, ConsoleError> {
    list(&console.db, 200).await.map_err(internal)
}

pub async fn who_was_admin(
    console: &Console,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Option<AdminsAt>, ConsoleError> {
    Ok(admins_at(&console.db, at)
        .await
        .map_err(internal)?
        .map(|(snapshot, admins)| AdminsAt { snapshot, admins }))
}

pub async fn compare(console: &Console, from: i64, to: i64) -> Result<SnapshotDiff, ConsoleError> {
    diff(&console.db, from, to).await.map_err(internal)
}

pub async fn take_now(console: &Console, who: &SignedInUser) -> Result<(), ConsoleError> {
    if console.service_airtable.is_none() {
        return Err(ConsoleError::Invalid(
            "Snapshots need the console's service token (AIRTABLE_SERVICE_TOKEN).".into(),
        ));
    }
    request(&console.db, &who.email).await.map_err(internal)?;
    console
        .log_action(who, "snapshots.take", None, serde_json::json!({}))
        .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn external_means_an_email_domain_outside_the_enterprise() {
        let domains = vec!["corp.com".to_string(), "corp-eu.com".to_string()];
        assert!(!super::is_external("Ann@CORP.com", &domains));
        assert!(!super::is_external("bo@corp-eu.com", &domains));
        assert!(super::is_external("cy@sub.corp.com", &domains));
        assert!(super::is_external("dee@gmail.com", &domains));
        assert!(super::is_external("no-at-sign", &domains));
    }
}
