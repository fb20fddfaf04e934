//! Access reviews (SOC 2, ISO 27001, SOX): a campaign freezes, from the latest snapshot,
//! who holds privileged or outside access (enterprise admins, external collaborators,
//! personal access tokens, public shares, inactive users); reviewers decide keep or revoke;
//! a revoke becomes an approval request (the two-person rule still applies); closing makes
//! the evidence pack.
//!
//! - [`campaign`]: creating (the form checked, the items frozen in one transaction);
//! - [`decide`]: keep/revoke, one or many, with the self-review refusal;
//! - [`outcome`]: each item followed through its request to Airtable's answer;
//! - [`evidence`]: closing, and the CSV and HTML rendered once and kept;
//! - [`reminders`]: emails before and after the due date, under the lease
//!   `review-reminders`;
//! - this file: what the reviews pages and the overview ask for.

pub mod campaign;
pub mod decide;
pub mod evidence;
pub mod outcome;
pub mod reminders;

use chrono::{DateTime, Utc};
use console_types::api::{ConsoleError, Role, SignedInUser};
use console_types::approvals::{kind_label, RiskyAction};
use console_types::audit::query::percent_encode;
use console_types::reviews::{
    BulkOutcome, CampaignDetail, CampaignRow, Fact, NewCampaign, OverdueReviews, RecentEvent,
    ReviewItem, ReviewsOverview,
};
use serde_json::json;
use sqlx::{postgres::PgRow, Row};

pub use decide::Decision;
pub use evidence::{close, pack, Pack};

use crate::{error::internal, Console};

/// How far back the facts' audit events go.
const EVENT_DAYS: i64 = 90;
/// Events listed per item (the link lists them all).
const EVENTS_SHOWN: i64 = 3;

const CAMPAIGN_COLUMNS: &str = "c.id, c.name, c.scopes, c.inactive_days, c.snapshot_id,
     c.snapshot_taken_at, c.due_at, c.owner_email, c.created_at, c.closed_at, c.closed_by_email,
     (SELECT count(*) FROM review_items i WHERE i.campaign_id = c.id) AS items,
     (SELECT count(*) FROM review_items i
       WHERE i.campaign_id = c.id AND i.decision IS NOT NULL) AS decided";

fn campaign_row(r: &PgRow) -> sqlx::Result<CampaignRow> {
    let items: i64 = r.try_get("items")?;
    let decided: i64 = r.try_get("decided")?;
    let due_at: DateTime<Utc> = r.try_get("due_at")?;
    let closed_at: Option<DateTime<Utc>> = r.try_get("closed_at")?;
    Ok(CampaignRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        scopes: r.try_get("scopes")?,
        inactive_days: r.try_get("inactive_days")?,
        snapshot_id: r.try_get("snapshot_id")?,
        snapshot_taken_at: r.try_get("snapshot_taken_at")?,
        due_at,
        owner_email: r.try_get("owner_email")?,
        created_at: r.try_get("created_at")?,
        closed_at,
        closed_by_email: r.try_get("closed_by_email")?,
        items,
        decided,
        overdue: closed_at.is_none() && due_at <= Utc::now() && decided < items,
    })
}

/// Starts the reminders job.
pub fn spawn(console: &Console) {
    reminders::spawn(console);
}

/// The reviews page: every campaign, newest first, and what the create form offers.
pub async fn overview(
    console: &Console,
    who: &SignedInUser,
) -> Result<ReviewsOverview, ConsoleError> {
    let rows = sqlx::query(&format!(
        "SELECT {CAMPAIGN_COLUMNS} FROM review_campaigns c ORDER BY c.id DESC LIMIT 200"
    ))
    .fetch_all(&console.db)
    .await
    .map_err(internal)?;
    let campaigns = rows
        .iter()
        .map(campaign_row)
        .collect::<sqlx::Result<_>>()
        .map_err(internal)?;
    let latest_snapshot: Option<DateTime<Utc>> =
        sqlx::query_scalar("SELECT max(taken_at) FROM snapshots WHERE taken_at IS NOT NULL")
            .fetch_one(&console.db)
            .await
            .map_err(internal)?;
    Ok(ReviewsOverview {
        campaigns,
        can_manage: who.role.allows(Role::Admin),
        reviewers: campaign::reviewers(&console.db).await.map_err(internal)?,
        your_email: who.email.clone(),
        latest_snapshot,
    })
}

/// Creates a campaign (admins): its id.
pub async fn create(
    console: &Console,
    who: &SignedInUser,
    new: &NewCampaign,
) -> Result<i64, ConsoleError> {
    campaign::create(console, who, new).await
}

/// A campaign's page: the campaign and every item with its facts and outcome.
pub async fn detail(
    console: &Console,
    who: &SignedInUser,
    id: i64,
) -> Result<CampaignDetail, ConsoleError> {
    let row = sqlx::query(&format!(
        "SELECT {CAMPAIGN_COLUMNS} FROM review_campaigns c WHERE c.id = $1"
    ))
    .bind(id)
    .fetch_optional(&console.db)
    .await
    .map_err(internal)?
    .ok_or_else(|| ConsoleError::NotFound(format!("review campaign {id}")))?;
    let campaign = campaign_row(&row).map_err(internal)?;
    let since = Utc::now() - chrono::Duration::days(EVENT_DAYS);
    // Each item with its request's state and its subject's recent audit events (by or
    // about the person, or about the object), from the audit copy.
    let rows = sqlx::query(&format!(
        "SELECT i.id, i.scope, i.subject_id, i.subject_label, i.person_id, i.person_email,
                i.reaches, i.facts, i.action, i.reviewer_email, i.decision, i.comment,
                i.decided_by_email, i.decided_at, i.request_id, i.done_at_once, {},
                (SELECT count(*) FROM audit_events e
                  WHERE e.occurred_at >= $2
                    AND (e.actor_id = coalesce(i.person_id, i.subject_id)
                         OR e.model_id = i.subject_id)) AS recent_count,
                (SELECT coalesce(jsonb_agg(jsonb_build_object('id', x.id,
                            'occurred_at', x.occurred_at, 'action', x.action)), '[]'::jsonb)
                   FROM (SELECT e.id, e.occurred_at, e.action FROM audit_events e
                          WHERE e.occurred_at >= $2
                            AND (e.actor_id = coalesce(i.person_id, i.subject_id)
                                 OR e.model_id = i.subject_id)
                          ORDER BY e.occurred_at DESC, e.id DESC LIMIT $3) x) AS recent
           FROM review_items i LEFT JOIN approval_requests r ON r.id = i.request_id
          WHERE i.campaign_id = $1 ORDER BY i.id",
        outcome::COLUMNS
    ))
    .bind(id)
    .bind(since)
    .bind(EVENTS_SHOWN)
    .fetch_all(&console.db)
    .await
    .map_err(internal)?;
    let open = campaign.closed_at.is_none();
    let after = since.format("%Y-%m-%d");
    let items = rows
        .iter()
        .map(|r| -> sqlx::Result<ReviewItem> {
            let progress = outcome::Progress::from_row(r)?;
            let person_id: Option<String> = r.try_get("person_id")?;
            let person_email: Option<String> = r.try_get("person_email")?;
            let subject_id: String = r.try_get("subject_id")?;
            let reviewer: String = r.try_get("reviewer_email")?;
            let about_you = decide::is_about(
                &who.airtable_user_id,
                &who.email,
                person_id.as_deref(),
                person_email.as_deref(),
            );
            let sqlx::types::Json(facts): sqlx::types::Json<Vec<Fact>> = r.try_get("facts")?;
            let sqlx::types::Json(recent): sqlx::types::Json<Vec<RecentEvent>> =
                r.try_get("recent")?;
            let action: serde_json::Value = r.try_get("action")?;
            let revoke_means = serde_json::from_value::<RiskyAction>(action)
                .map(|a| kind_label(a.kind()).to_string())
                .unwrap_or_default();
            let search = match person_id.as_deref().filter(|p| p.starts_with("usr")) {
                Some(person) if person == subject_id => format!("actor:{person} after:{after}"),
                _ => format!("model:{subject_id} after:{after}"),
            };
            Ok(ReviewItem {
                id: r.try_get("id")?,
                scope: r.try_get("scope")?,
                subject_label: r.try_get("subject_label")?,
                person_email,
                reaches: r.try_get("reaches")?,
                facts,
                revoke_means,
                yours_to_decide: open
                    && progress.decision.is_none()
                    && !about_you
                    && reviewer.eq_ignore_ascii_case(&who.email),
                reviewer_email: reviewer,
                decision: progress.decision.clone(),
                comment: r.try_get("comment")?,
                decided_by_email: r.try_get("decided_by_email")?,
                decided_at: r.try_get("decided_at")?,
                request_id: progress.request_id.clone(),
                outcome: progress.words(),
                recent_events: recent,
                recent_count: r.try_get("recent_count")?,
                events_url: format!("/audit?q={}", percent_encode(&search)),
                about_you,
                subject_id,
            })
        })
        .collect::<sqlx::Result<Vec<_>>>()
        .map_err(internal)?;
    Ok(CampaignDetail {
        can_manage: who.role.allows(Role::Admin),
        reviewers: campaign::reviewers(&console.db).await.map_err(internal)?,
        your_email: who.email.clone(),
        evidence: evidence::info(&console.db, id).await.map_err(internal)?,
        campaign,
        items,
    })
}

/// Decides one item (its reviewer): what happened, in words.
pub async fn decide(
    console: &Console,
    who: &SignedInUser,
    item: i64,
    decision: &str,
    comment: &str,
) -> Result<String, ConsoleError> {
    let decision = Decision::parse(decision)?;
    decide::decide(console, who, item, decision, comment).await
}

/// Decides the listed items ("1,2,3") the same way.
pub async fn decide_many(
    console: &Console,
    who: &SignedInUser,
    items: &str,
    decision: &str,
    comment: &str,
) -> Result<BulkOutcome, ConsoleError> {
    let decision = Decision::parse(decision)?;
    let items = decide::parse_ids(items)?;
    decide::decide_many(console, who, &items, decision, comment).await
}

/// Gives an undecided item to another reviewer (an admin; never to the item's subject).
pub async fn reassign(
    console: &Console,
    who: &SignedInUser,
    item: i64,
    reviewer: &str,
) -> Result<(), ConsoleError> {
    let found = decide::ItemInCampaign::load(&console.db, item).await?;
    if !who.role.allows(Role::Admin) && !found.owner_email.eq_ignore_ascii_case(&who.email) {
        return Err(ConsoleError::Forbidden {
            have: who.role,
            need: Role::Admin,
        });
    }
    let label = &found.subject_label;
    if found.closed {
        return Err(ConsoleError::Conflict(
            "The campaign is closed: its items can no longer be reassigned.".into(),
        ));
    }
    if found.decision.is_some() {
        return Err(ConsoleError::Conflict(format!(
            "{label} is already decided: there is nothing left to reassign."
        )));
    }
    let reviewer = reviewer.trim().to_lowercase();
    let reviewers = campaign::reviewers(&console.db).await.map_err(internal)?;
    if !reviewers.contains(&reviewer) {
        return Err(ConsoleError::Invalid(format!(
            "{reviewer:?} cannot review: a reviewer is a console user whose role may ask for changes (operator or above)."
        )));
    }
    let reviewer_id: Option<String> =
        sqlx::query_scalar("SELECT airtable_user_id FROM console_users WHERE lower(email) = $1")
            .bind(&reviewer)
            .fetch_optional(&console.db)
            .await
            .map_err(internal)?;
    if found.person_email.as_deref() == Some(reviewer.as_str())
        || (found.person_id.is_some() && found.person_id == reviewer_id)
    {
        return Err(ConsoleError::NotAllowed(format!(
            "{reviewer} cannot review {label}: the item is about them."
        )));
    }
    let changed = sqlx::query(
        "UPDATE review_items SET reviewer_email = $2 WHERE id = $1 AND decision IS NULL",
    )
    .bind(item)
    .bind(&reviewer)
    .execute(&console.db)
    .await
    .map_err(internal)?;
    if changed.rows_affected() == 0 {
        return Err(ConsoleError::Conflict(format!(
            "{label} was decided a moment ago: there is nothing left to reassign."
        )));
    }
    console
        .log_action(
            who,
            "reviews.reassign",
            Some(&format!("review-item:{item}")),
            json!({ "reviewer": reviewer }),
        )
        .await
}

/// Closes a campaign (admins) and makes its evidence pack.
pub async fn close_campaign(
    console: &Console,
    who: &SignedInUser,
    id: i64,
    with_undecided: bool,
) -> Result<console_types::reviews::EvidenceInfo, ConsoleError> {
    evidence::close(console, who, id, with_undecided).await
}

/// Overdue items of open campaigns, for the overview.
pub async fn overdue(console: &Console) -> Result<OverdueReviews, ConsoleError> {
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT c.id, c.name, count(*) FROM review_campaigns c
           JOIN review_items i ON i.campaign_id = c.id AND i.decision IS NULL
          WHERE c.closed_at IS NULL AND c.due_at <= now()
          GROUP BY c.id, c.name ORDER BY c.due_at, c.id",
    )
    .fetch_all(&console.db)
    .await
    .map_err(internal)?;
    Ok(OverdueReviews {
        items: rows.iter().map(|(_, _, n)| n).sum(),
        campaigns: rows,
    })
}
