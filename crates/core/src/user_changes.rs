//! What the console changed about a user since the latest snapshot. The snapshots keep
//! Airtable as it was when taken (investigations rely on that); this record is laid over
//! the newest one, so the users table, its CSV and a user's page do not show someone the
//! console just deleted as "provisioned" until the next snapshot.

use airtable_client::ids::UserId;
use chrono::{DateTime, Utc};
use console_types::{approvals::RiskyAction, people::ConsoleChange};
use sqlx::PgPool;
use uuid::Uuid;

/// How an action leaves a user: their state and admin flag afterwards, where they changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Effect {
    pub state: Option<&'static str>,
    pub is_admin: Option<bool>,
}

/// The user an approval-gated action changes, and how (`None`: not one user's state).
pub fn effect_of(action: &RiskyAction) -> Option<(&UserId, Effect)> {
    let (user, state, is_admin) = match action {
        RiskyAction::DeleteUser { user } => (user, Some("deleted"), None),
        RiskyAction::RemoveUserFromEnterprise { user, .. } => (user, Some("removed"), Some(false)),
        RiskyAction::DeactivateUser { user } => (user, Some("deactivated"), None),
        RiskyAction::RevokeAdminAccess { user } => (user, None, Some(false)),
        RiskyAction::GrantAdminAccess { user } => (user, None, Some(true)),
        _ => return None,
    };
    Some((user, Effect { state, is_admin }))
}

/// Records that `action` (a kind name) changed `user` as `effect` says.
pub async fn record(
    db: &PgPool,
    user: &str,
    action: &str,
    effect: Effect,
    approval: Option<Uuid>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO console_user_changes (user_id, action, state, is_admin, approval_id)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user)
    .bind(action)
    .bind(effect.state)
    .bind(effect.is_admin)
    .bind(approval)
    .execute(db)
    .await?;
    Ok(())
}

/// Records what a carried-out approval-gated action did to a user, if it changed one. A
/// failure to record is logged, never undoes what Airtable already did.
pub async fn record_action(db: &PgPool, action: &RiskyAction, approval: Option<Uuid>) {
    if let Some((user, effect)) = effect_of(action) {
        if let Err(error) = record(db, user.as_str(), action.kind(), effect, approval).await {
            tracing::error!(%error, user = %user, "could not record the console's change to a user");
        }
    }
}

/// A column expression for a query over `snapshot_users`: the newest change the console
/// made to the row's user after that snapshot was taken, as JSON (or NULL).
pub const NEWEST_CHANGE_COLUMN: &str = "(SELECT jsonb_build_object(
        'action', c.action, 'state', c.state, 'is_admin', c.is_admin,
        'at', c.at, 'approval_id', c.approval_id)
       FROM console_user_changes c
      WHERE c.user_id = snapshot_users.user_id
        AND c.at > (SELECT s.taken_at FROM snapshots s WHERE s.id = snapshot_users.snapshot_id)
      ORDER BY c.at DESC, c.id DESC LIMIT 1) AS console_change";

/// The change as read from [`NEWEST_CHANGE_COLUMN`]: what it says in words, and the state
/// and admin flag it left.
pub fn parse(value: Option<serde_json::Value>) -> Option<(ConsoleChange, Effect)> {
    let value = value?;
    let at: DateTime<Utc> = serde_json::from_value(value.get("at")?.clone()).ok()?;
    let state = match value.get("state").and_then(|s| s.as_str()) {
        Some("deleted") => Some("deleted"),
        Some("removed") => Some("removed"),
        Some("deactivated") => Some("deactivated"),
        Some("provisioned") => Some("provisioned"),
        _ => None,
    };
    let is_admin = value.get("is_admin").and_then(|a| a.as_bool());
    let what = match (state, is_admin) {
        (Some("deleted"), _) => "deleted through the console".to_string(),
        (Some("removed"), _) => "removed from the enterprise through the console".to_string(),
        (Some(state), _) => format!("{state} through the console"),
        (None, Some(true)) => "made an admin through the console".to_string(),
        (None, Some(false)) => "admin access revoked through the console".to_string(),
        (None, None) => "changed through the console".to_string(),
    };
    let approval_id = value
        .get("approval_id")
        .and_then(|a| a.as_str())
        .map(str::to_string);
    Some((
        ConsoleChange {
            what,
            at,
            approval_id,
        },
        Effect { state, is_admin },
    ))
}

/// The newest change recorded for a user (at any time), for a user's page when Airtable no
/// longer knows them.
pub async fn newest(db: &PgPool, user: &str) -> sqlx::Result<Option<ConsoleChange>> {
    let row: Option<serde_json::Value> = sqlx::query_scalar(
        "SELECT jsonb_build_object('action', action, 'state', state, 'is_admin', is_admin,
                                   'at', at, 'approval_id', approval_id)
           FROM console_user_changes WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT 1",
    )
    .bind(user)
    .fetch_optional(db)
    .await?;
    Ok(parse(row).map(|(change, _)| change))
}
