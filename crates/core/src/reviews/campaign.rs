//! Making a campaign: the form checked in words, then the chosen scopes frozen from the
//! latest complete snapshot into `review_items`, all in one transaction (a campaign is
//! never half made). Items are copies: later snapshots never change them.

use chrono::{DateTime, NaiveDate, Utc};
use console_types::api::{ConsoleError, Role, SignedInUser};
use console_types::approvals::RiskyAction;
use console_types::reviews::{scope_label, NewCampaign, INACTIVE_DAYS, SCOPES};
use serde_json::json;
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Postgres, Row, Transaction};

use crate::{error::internal, Console};

/// The longest name a campaign may have.
const MAX_NAME: usize = 120;
/// How far ahead a due date may be.
const MAX_DAYS_AHEAD: i64 = 366;

/// A checked create form.
pub(crate) struct Checked {
    pub name: String,
    pub due_at: DateTime<Utc>,
    /// (scope, default reviewer), in [`SCOPES`] order.
    pub scopes: Vec<(&'static str, String)>,
    pub inactive_days: Option<i32>,
}

/// Checks what the admin typed, saying in words what is wrong. `reviewers` are the console
/// users who may review (lower case).
pub(crate) fn check(
    new: &NewCampaign,
    reviewers: &[String],
    now: DateTime<Utc>,
) -> Result<Checked, ConsoleError> {
    let name = new.name.trim().to_string();
    if name.is_empty() {
        return Err(ConsoleError::Invalid(
            "Give the campaign a name, e.g. \"Q4 2026 access review\".".into(),
        ));
    }
    if name.chars().count() > MAX_NAME {
        return Err(ConsoleError::Invalid(format!(
            "Keep the campaign's name under {MAX_NAME} characters."
        )));
    }
    let date = NaiveDate::parse_from_str(new.due_date.trim(), "%Y-%m-%d").map_err(|_| {
        ConsoleError::Invalid(format!(
            "{:?} is not a due date: write it as YYYY-MM-DD.",
            new.due_date.trim()
        ))
    })?;
    let due_at = date
        .and_hms_opt(23, 59, 59)
        .map(|t| t.and_utc())
        .ok_or_else(|| ConsoleError::Invalid("That due date does not exist.".into()))?;
    if due_at <= now {
        return Err(ConsoleError::Invalid(format!(
            "The due date {date} is in the past: choose a day from today on."
        )));
    }
    if due_at - now > chrono::Duration::days(MAX_DAYS_AHEAD) {
        return Err(ConsoleError::Invalid(format!(
            "The due date {date} is more than a year away: a review is due within the year."
        )));
    }
    let mut scopes = Vec::new();
    for (scope, _) in SCOPES {
        let reviewer = new
            .reviewers
            .iter()
            .find(|(s, _)| s == scope)
            .map(|(_, r)| r.trim().to_lowercase())
            .unwrap_or_default();
        if reviewer.is_empty() {
            continue;
        }
        if !reviewers.contains(&reviewer) {
            return Err(ConsoleError::Invalid(format!(
                "{reviewer} cannot review {}: a reviewer is a console user whose role may ask for changes (operator or above).",
                scope_label(scope)
            )));
        }
        scopes.push((*scope, reviewer));
    }
    if scopes.is_empty() {
        return Err(ConsoleError::Invalid(
            "Choose at least one scope to review: give it a reviewer.".into(),
        ));
    }
    let inactive_days = if scopes.iter().any(|(s, _)| *s == "inactive") {
        let text = new.inactive_days.trim();
        let days: i32 = text.parse().map_err(|_| {
            ConsoleError::Invalid(format!(
                "{text:?} is not a number of days: say after how many days without activity a user counts as inactive."
            ))
        })?;
        if !INACTIVE_DAYS.contains(&days) {
            return Err(ConsoleError::Invalid(format!(
                "Inactive for {days} days is out of range: choose from {} to {} days.",
                INACTIVE_DAYS.start(),
                INACTIVE_DAYS.end()
            )));
        }
        Some(days)
    } else {
        None
    };
    Ok(Checked {
        name,
        due_at,
        scopes,
        inactive_days,
    })
}

/// Console users who may review (operator or above), lower case.
pub(crate) async fn reviewers(db: &PgPool) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT lower(email) FROM console_users
          WHERE role IN ('operator', 'approver', 'admin') ORDER BY lower(email)",
    )
    .fetch_all(db)
    .await
}

/// One item before it is stored.
struct Draft {
    scope: &'static str,
    subject_id: String,
    subject_label: String,
    person_id: Option<String>,
    person_email: Option<String>,
    reaches: String,
    facts: Vec<(String, String)>,
    action: RiskyAction,
}

/// The latest complete snapshot: id, when, whether it recorded tokens and shares.
struct Latest {
    id: i64,
    taken_at: DateTime<Utc>,
    tokens_recorded: bool,
    shares_recorded: bool,
}

/// Makes the campaign; returns its id.
pub async fn create(
    console: &Console,
    who: &SignedInUser,
    new: &NewCampaign,
) -> Result<i64, ConsoleError> {
    crate::require(who, Role::Admin)?;
    let reviewers = reviewers(&console.db).await.map_err(internal)?;
    let checked = check(new, &reviewers, Utc::now())?;
    let mut tx = console.db.begin().await.map_err(internal)?;
    let latest = sqlx::query(
        "SELECT id, taken_at, tokens_recorded, shares_recorded FROM snapshots
          WHERE taken_at IS NOT NULL ORDER BY taken_at DESC, id DESC LIMIT 1",
    )
    .fetch_optional(&mut *tx)
    .await
    .map_err(internal)?
    .map(|r| -> sqlx::Result<Latest> {
        Ok(Latest {
            id: r.try_get("id")?,
            taken_at: r.try_get("taken_at")?,
            tokens_recorded: r.try_get("tokens_recorded")?,
            shares_recorded: r.try_get("shares_recorded")?,
        })
    })
    .transpose()
    .map_err(internal)?
    .ok_or_else(crate::snapshots::none_yet)?;
    let has = |scope: &str| checked.scopes.iter().any(|(s, _)| *s == scope);
    if has("tokens") && !latest.tokens_recorded {
        return Err(ConsoleError::Invalid(
            "The latest snapshot predates token recording (or Airtable refused the token list): take a snapshot first, then create the campaign.".into(),
        ));
    }
    if has("shares") && !latest.shares_recorded {
        return Err(ConsoleError::Invalid(
            "The latest snapshot did not record shares: take a snapshot first, then create the campaign.".into(),
        ));
    }
    let mut drafts = Vec::new();
    for (scope, _) in &checked.scopes {
        drafts.extend(
            freeze(&mut tx, scope, &latest, checked.inactive_days)
                .await
                .map_err(internal)?,
        );
    }
    if drafts.is_empty() {
        return Err(ConsoleError::Invalid(format!(
            "The snapshot of {} has nothing in the chosen scopes: there is nothing to review.",
            latest.taken_at.format("%Y-%m-%d %H:%M UTC")
        )));
    }
    let scope_names: Vec<&str> = checked.scopes.iter().map(|(s, _)| *s).collect();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO review_campaigns (name, snapshot_id, snapshot_taken_at, scopes,
             inactive_days, due_at, owner_id, owner_email)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(&checked.name)
    .bind(latest.id)
    .bind(latest.taken_at)
    .bind(&scope_names)
    .bind(checked.inactive_days)
    .bind(checked.due_at)
    .bind(&who.airtable_user_id)
    .bind(&who.email)
    .fetch_one(&mut *tx)
    .await
    .map_err(internal)?;
    let owner = who.email.to_lowercase();
    for chunk in drafts.chunks(500) {
        let mut q = sqlx::QueryBuilder::new(
            "INSERT INTO review_items (campaign_id, scope, subject_id, subject_label, person_id,
                 person_email, reaches, facts, action, reviewer_email) ",
        );
        q.push_values(chunk, |mut row, d| {
            let default = checked
                .scopes
                .iter()
                .find(|(s, _)| *s == d.scope)
                .map(|(_, r)| r.clone())
                .unwrap_or_else(|| owner.clone());
            // Nobody reviews themselves: the scope's reviewer, else the campaign's owner
            // (if both are the subject, the item waits for an admin to reassign it).
            let reviewer = [default.clone(), owner.clone()]
                .into_iter()
                .find(|r| Some(r) != d.person_email.as_ref())
                .unwrap_or(default);
            let facts: Vec<_> = d
                .facts
                .iter()
                .map(|(label, value)| json!({ "label": label, "value": value }))
                .collect();
            row.push_bind(id)
                .push_bind(d.scope)
                .push_bind(&d.subject_id)
                .push_bind(&d.subject_label)
                .push_bind(&d.person_id)
                .push_bind(&d.person_email)
                .push_bind(&d.reaches)
                .push_bind(serde_json::Value::Array(facts))
                .push_bind(serde_json::to_value(&d.action).unwrap_or_default())
                .push_bind(reviewer);
        });
        q.build().execute(&mut *tx).await.map_err(internal)?;
    }
    tx.commit().await.map_err(internal)?;
    console
        .log_action(
            who,
            "reviews.create",
            Some(&format!("review-campaign:{id}")),
            json!({
                "name": checked.name,
                "snapshot": latest.id,
                "scopes": checked.scopes.iter().map(|(s, r)| json!({"scope": s, "reviewer": r})).collect::<Vec<_>>(),
                "inactive_days": checked.inactive_days,
                "due_at": checked.due_at,
                "items": drafts.len(),
            }),
        )
        .await?;
    Ok(id)
}

fn when(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || "never".to_string(),
        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

fn action(value: serde_json::Value) -> sqlx::Result<RiskyAction> {
    serde_json::from_value(value).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// The groups of each user, as text, for the facts.
const GROUPS: &str =
    "(SELECT coalesce(string_agg(g.group_name, ', ' ORDER BY lower(g.group_name)), '')
                        FROM snapshot_group_members g
                       WHERE g.snapshot_id = u.snapshot_id AND g.user_id = u.user_id) AS groups";

/// The facts shown about a person under review for their access (admins, external
/// collaborators): name, state, last activity and groups. The row must have the user's
/// columns and [`GROUPS`].
fn person_facts(r: &PgRow) -> sqlx::Result<Vec<(String, String)>> {
    Ok(vec![
        ("Name".into(), r.try_get("name")?),
        ("State".into(), r.try_get("state")?),
        ("Last activity".into(), when(r.try_get("last_activity_at")?)),
        ("Groups".into(), r.try_get("groups")?),
    ])
}

/// The items of one scope, from the snapshot.
async fn freeze(
    tx: &mut Transaction<'_, Postgres>,
    scope: &'static str,
    snap: &Latest,
    inactive_days: Option<i32>,
) -> sqlx::Result<Vec<Draft>> {
    let mut drafts = Vec::new();
    match scope {
        "admins" => {
            let rows = sqlx::query(&format!(
                "SELECT u.user_id, u.email, u.name, u.state, u.is_super_admin, u.last_activity_at,
                        {GROUPS}
                   FROM snapshot_users u WHERE u.snapshot_id = $1 AND u.is_admin
                  ORDER BY lower(u.email), u.user_id"
            ))
            .bind(snap.id)
            .fetch_all(&mut **tx)
            .await?;
            for r in rows {
                let user: String = r.try_get("user_id")?;
                let email: String = r.try_get("email")?;
                let sup: bool = r.try_get("is_super_admin")?;
                drafts.push(Draft {
                    scope,
                    subject_label: email.clone(),
                    person_id: Some(user.clone()),
                    person_email: Some(email.to_lowercase()),
                    reaches: if sup {
                        "Super admin of the enterprise account".into()
                    } else {
                        "Admin of the enterprise account".into()
                    },
                    facts: person_facts(&r)?,
                    action: action(json!({ "kind": "revoke_admin_access", "user": user }))?,
                    subject_id: user,
                });
            }
        }
        "external" => {
            let rows = sqlx::query(&format!(
                "SELECT u.user_id, u.email, u.name, u.state, u.last_activity_at, {GROUPS},
                        a.workspace_id, a.workspace_name, a.permission,
                        (SELECT string_agg(o.workspace_name || ' (' || o.permission || ')', ', '
                                           ORDER BY lower(o.workspace_name))
                           FROM snapshot_workspace_access o
                          WHERE o.snapshot_id = u.snapshot_id AND o.principal_id = u.user_id)
                            AS everywhere
                   FROM snapshot_users u
                   JOIN snapshot_workspace_access a
                     ON a.snapshot_id = u.snapshot_id AND a.principal_id = u.user_id
                  WHERE u.snapshot_id = $1 AND u.is_external
                  ORDER BY lower(u.email), u.user_id, lower(a.workspace_name), a.workspace_id"
            ))
            .bind(snap.id)
            .fetch_all(&mut **tx)
            .await?;
            for r in rows {
                let user: String = r.try_get("user_id")?;
                let email: String = r.try_get("email")?;
                let workspace: String = r.try_get("workspace_id")?;
                let workspace_name: String = r.try_get("workspace_name")?;
                let permission: String = r.try_get("permission")?;
                let mut facts = person_facts(&r)?;
                facts.push((
                    "All workspaces they reach directly".into(),
                    r.try_get::<Option<String>, _>("everywhere")?
                        .unwrap_or_default(),
                ));
                drafts.push(Draft {
                    scope,
                    subject_id: user.clone(),
                    subject_label: email.clone(),
                    person_id: Some(user.clone()),
                    person_email: Some(email.to_lowercase()),
                    reaches: format!(
                        "Workspace {workspace_name} ({workspace}), {permission}, and its bases"
                    ),
                    facts,
                    action: action(json!({
                        "kind": "remove_workspace_collaborator",
                        "workspace": workspace,
                        "collaborator": { "type": "user", "id": user },
                    }))?,
                });
            }
        }
        "tokens" => {
            let rows = sqlx::query(
                "SELECT t.token_id, t.name, t.state, t.scopes, t.access_mode, t.owner_id,
                        t.created_at, u.email, u.last_activity_at
                   FROM snapshot_tokens t
                   LEFT JOIN snapshot_users u
                     ON u.snapshot_id = t.snapshot_id AND u.user_id = t.owner_id
                  WHERE t.snapshot_id = $1 AND t.state <> 'revoked'
                  ORDER BY lower(coalesce(u.email, t.owner_id)), t.token_id",
            )
            .bind(snap.id)
            .fetch_all(&mut **tx)
            .await?;
            for r in rows {
                let token: String = r.try_get("token_id")?;
                let name: String = r.try_get("name")?;
                let owner: String = r.try_get("owner_id")?;
                let email: Option<String> = r.try_get("email")?;
                let scopes: Vec<String> = r.try_get("scopes")?;
                let mode: Option<String> = r.try_get("access_mode")?;
                drafts.push(Draft {
                    scope,
                    subject_label: format!(
                        "Token \"{name}\" of {}",
                        email.clone().unwrap_or_else(|| owner.clone())
                    ),
                    person_id: Some(owner.clone()),
                    person_email: email.as_ref().map(|e| e.to_lowercase()),
                    reaches: format!(
                        "Scopes {}; reaches {}",
                        if scopes.is_empty() {
                            "none".to_string()
                        } else {
                            scopes.join(", ")
                        },
                        mode.unwrap_or_else(|| "what its owner reaches".into())
                    ),
                    facts: vec![
                        ("Owner".into(), email.unwrap_or(owner)),
                        ("State".into(), r.try_get("state")?),
                        ("Created".into(), when(r.try_get("created_at")?)),
                        (
                            "Owner's last activity".into(),
                            when(r.try_get("last_activity_at")?),
                        ),
                    ],
                    action: action(json!({
                        "kind": "revoke_personal_access_tokens",
                        "tokens": [token],
                    }))?,
                    subject_id: token,
                });
            }
        }
        "shares" => {
            let rows = sqlx::query(
                "SELECT s.base_id, s.base_name, s.workspace_name, s.share_id, s.kind,
                        s.created_by, s.created_at, u.email
                   FROM snapshot_shares s
                   LEFT JOIN snapshot_users u
                     ON u.snapshot_id = s.snapshot_id AND u.user_id = s.created_by
                  WHERE s.snapshot_id = $1 AND s.state = 'enabled'
                    AND NOT s.is_password_protected
                    AND cardinality(s.restricted_to_email_domains) = 0
                    AND NOT s.restricted_to_enterprise_members
                  ORDER BY lower(coalesce(s.base_name, s.base_id)), s.base_id, s.share_id",
            )
            .bind(snap.id)
            .fetch_all(&mut **tx)
            .await?;
            for r in rows {
                let base: String = r.try_get("base_id")?;
                let base_name: Option<String> = r.try_get("base_name")?;
                let share: String = r.try_get("share_id")?;
                let kind: String = r.try_get("kind")?;
                let creator: String = r.try_get("created_by")?;
                let email: Option<String> = r.try_get("email")?;
                let base_label = base_name.unwrap_or_else(|| base.clone());
                drafts.push(Draft {
                    scope,
                    subject_label: format!("Share {share} of {base_label}"),
                    person_id: Some(creator.clone()),
                    person_email: email.as_ref().map(|e| e.to_lowercase()),
                    reaches: format!(
                        "Anyone with the link reads the {kind} share of base {base_label} ({base}), without signing in"
                    ),
                    facts: vec![
                        ("Workspace".into(), r.try_get("workspace_name")?),
                        ("Created by".into(), email.unwrap_or(creator)),
                        ("Created".into(), when(r.try_get("created_at")?)),
                    ],
                    action: action(json!({
                        "kind": "disable_share",
                        "base": base,
                        "share": share,
                    }))?,
                    subject_id: share,
                });
            }
        }
        "inactive" => {
            let days = inactive_days.unwrap_or(90);
            let cutoff = snap.taken_at - chrono::Duration::days(days.into());
            let rows = sqlx::query(&format!(
                "SELECT u.user_id, u.email, u.name, u.is_admin, u.is_external, u.last_activity_at,
                        {GROUPS}
                   FROM snapshot_users u
                  WHERE u.snapshot_id = $1 AND u.state = 'provisioned'
                    AND (u.last_activity_at IS NULL OR u.last_activity_at < $2)
                  ORDER BY u.last_activity_at ASC NULLS FIRST, u.user_id"
            ))
            .bind(snap.id)
            .bind(cutoff)
            .fetch_all(&mut **tx)
            .await?;
            for r in rows {
                let user: String = r.try_get("user_id")?;
                let email: String = r.try_get("email")?;
                let yes = |b: bool| if b { "yes" } else { "no" }.to_string();
                drafts.push(Draft {
                    scope,
                    subject_label: email.clone(),
                    person_id: Some(user.clone()),
                    person_email: Some(email.to_lowercase()),
                    reaches: format!("An active account, unused for {days} days or more"),
                    facts: vec![
                        ("Name".into(), r.try_get("name")?),
                        ("Last activity".into(), when(r.try_get("last_activity_at")?)),
                        ("Admin".into(), yes(r.try_get("is_admin")?)),
                        ("External".into(), yes(r.try_get("is_external")?)),
                        ("Groups".into(), r.try_get("groups")?),
                    ],
                    action: action(json!({ "kind": "deactivate_user", "user": user }))?,
                    subject_id: user,
                });
            }
        }
        _ => {}
    }
    Ok(drafts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(due: &str, reviewers: &[(&str, &str)], days: &str) -> NewCampaign {
        NewCampaign {
            name: "Q4".into(),
            due_date: due.into(),
            reviewers: reviewers
                .iter()
                .map(|(s, r)| (s.to_string(), r.to_string()))
                .collect(),
            inactive_days: days.into(),
        }
    }

    #[test]
    fn bad_input_is_refused_in_words() {
        let now = "2026-12-06T10:00:00Z".parse().expect("a time");
        let people = vec!["ann@corp.com".to_string()];
        let refused = |f: NewCampaign| match check(&f, &people, now) {
            Err(ConsoleError::Invalid(words)) => words,
            other => panic!("expected a refusal, got {:?}", other.map(|c| c.name)),
        };
        assert!(refused(form("2026-12-01", &[("admins", "ann@corp.com")], "")).contains("past"));
        assert!(refused(form("tomorrow", &[("admins", "ann@corp.com")], "")).contains("YYYY"));
        assert!(refused(form("2026-12-20", &[], "")).contains("at least one scope"));
        assert!(
            refused(form("2026-12-20", &[("inactive", "ann@corp.com")], "3")).contains("range")
        );
        assert!(
            refused(form("2026-12-20", &[("admins", "bob@corp.com")], "")).contains("operator")
        );
        let ok = check(
            &form(
                "2026-12-20",
                &[("inactive", "Ann@corp.com"), ("admins", "ann@corp.com")],
                "90",
            ),
            &people,
            now,
        )
        .expect("a good form");
        assert_eq!(ok.scopes[0].0, "admins");
        assert_eq!(ok.inactive_days, Some(90));
    }
}
