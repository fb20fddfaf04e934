//! Deciding items: keep or revoke with a comment, one item or a filtered set. Every check is
//! made here, on the server: the item's reviewer only, a role that may ask for changes, never
//! an item about oneself, an open campaign. The decision is a conditional update (a second
//! decision on a decided item is answered in words); a revoke then becomes the matching
//! approval request made by the reviewer, so a different person must approve it. If the
//! request is refused (Airtable would refuse, one is already open…), the decision is undone
//! and the reviewer told why.

use console_types::api::{ConsoleError, Role, SignedInUser};
use console_types::approvals::{RequestOutcome, RiskyAction};
use console_types::reviews::BulkOutcome;
use serde::Deserialize;
use serde_json::json;

use crate::{error::internal, Console};

/// A review item with what its campaign says about it: what deciding and reassigning check
/// before they change anything.
#[derive(sqlx::FromRow)]
pub(super) struct ItemInCampaign {
    pub campaign_id: i64,
    pub campaign_name: String,
    pub owner_email: String,
    pub closed: bool,
    pub subject_label: String,
    pub person_id: Option<String>,
    pub person_email: Option<String>,
    pub reviewer_email: String,
    pub action: serde_json::Value,
    pub decision: Option<String>,
    pub decided_by_email: Option<String>,
}

impl ItemInCampaign {
    /// The item, or "not found" in words.
    pub(super) async fn load(db: &sqlx::PgPool, item: i64) -> Result<Self, ConsoleError> {
        sqlx::query_as(
            "SELECT i.campaign_id, c.name AS campaign_name, c.owner_email,
                    c.closed_at IS NOT NULL AS closed, i.subject_label, i.person_id,
                    i.person_email, i.reviewer_email, i.action, i.decision, i.decided_by_email
               FROM review_items i JOIN review_campaigns c ON c.id = i.campaign_id
              WHERE i.id = $1",
        )
        .bind(item)
        .fetch_optional(db)
        .await
        .map_err(internal)?
        .ok_or_else(|| ConsoleError::NotFound(format!("review item {item}")))
    }
}

/// The longest comment.
const MAX_COMMENT: usize = 2_000;
/// The most items one bulk decision takes.
pub const MAX_BULK: usize = 500;

/// What a reviewer decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Keep,
    Revoke,
}

impl Decision {
    pub fn parse(text: &str) -> Result<Self, ConsoleError> {
        match text.trim() {
            "keep" => Ok(Self::Keep),
            "revoke" => Ok(Self::Revoke),
            "" => Err(ConsoleError::Invalid(
                "Choose keep or revoke before sending the decision.".into(),
            )),
            other => Err(ConsoleError::Invalid(format!(
                "{other:?} is not a decision: choose keep or revoke."
            ))),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Keep => "keep",
            Self::Revoke => "revoke",
        }
    }
}

/// Whether `who` is the person `item` is about.
pub(crate) fn is_about(
    who_id: &str,
    who_email: &str,
    person_id: Option<&str>,
    person_email: Option<&str>,
) -> bool {
    person_id == Some(who_id)
        || person_email.is_some_and(|e| e.eq_ignore_ascii_case(who_email.trim()))
}

/// Decides one item.
pub async fn decide(
    console: &Console,
    who: &SignedInUser,
    item: i64,
    decision: Decision,
    comment: &str,
) -> Result<String, ConsoleError> {
    crate::require(who, Role::Operator)?;
    let comment = comment.trim();
    if comment.chars().count() > MAX_COMMENT {
        return Err(ConsoleError::Invalid(format!(
            "Keep the comment under {MAX_COMMENT} characters."
        )));
    }
    if decision == Decision::Revoke && comment.is_empty() {
        return Err(ConsoleError::Invalid(
            "Say why the access should go: the comment becomes the approval request's reason."
                .into(),
        ));
    }
    let found = ItemInCampaign::load(&console.db, item).await?;
    let label = &found.subject_label;
    if found.closed {
        return Err(ConsoleError::Conflict(format!(
            "Campaign \"{}\" is closed: its decisions can no longer change.",
            found.campaign_name
        )));
    }
    if let Some(by) = &found.decided_by_email {
        return Err(ConsoleError::Conflict(format!(
            "{label} was already decided ({}) by {by}.",
            found.decision.as_deref().unwrap_or_default()
        )));
    }
    if is_about(
        &who.airtable_user_id,
        &who.email,
        found.person_id.as_deref(),
        found.person_email.as_deref(),
    ) {
        return Err(ConsoleError::NotAllowed(format!(
            "You cannot review {label}: the item is about you. An admin can give it to another reviewer."
        )));
    }
    let reviewer = &found.reviewer_email;
    if !reviewer.eq_ignore_ascii_case(who.email.trim()) {
        return Err(ConsoleError::NotAllowed(format!(
            "{label} is {reviewer}'s to review, not yours. An admin or the campaign's owner can reassign it."
        )));
    }
    let action = RiskyAction::deserialize(&found.action)
        .map_err(|e| internal(crate::error::Unexpected::Other(e.to_string())))?;
    let (campaign, campaign_name) = (found.campaign_id, &found.campaign_name);

    // The decision, only if nobody made one meanwhile.
    let claimed = sqlx::query(
        "UPDATE review_items
            SET decision = $2, comment = $3, decided_by_email = $4, decided_at = now()
          WHERE id = $1 AND decision IS NULL",
    )
    .bind(item)
    .bind(decision.as_str())
    .bind((!comment.is_empty()).then_some(comment))
    .bind(&who.email)
    .execute(&console.db)
    .await
    .map_err(internal)?;
    if claimed.rows_affected() == 0 {
        return Err(ConsoleError::Conflict(format!(
            "{label} was decided by someone else a moment ago: reload the page."
        )));
    }

    let mut request_id = None;
    let mut done_at_once = None;
    if decision == Decision::Revoke {
        let reason = format!(
            "Access review \"{campaign_name}\" (campaign {campaign}, item {item}): {comment}"
        );
        match crate::approvals::request(console, who, action.clone(), &reason).await {
            Ok(RequestOutcome::Requested { id }) => request_id = Some(id),
            Ok(RequestOutcome::Done { outcome }) => done_at_once = Some(outcome),
            Err(error) => {
                // Undo the decision: nothing was asked, so nothing is decided.
                let undone = sqlx::query(
                    "UPDATE review_items
                        SET decision = NULL, comment = NULL, decided_by_email = NULL,
                            decided_at = NULL
                      WHERE id = $1 AND request_id IS NULL AND done_at_once IS NULL",
                )
                .bind(item)
                .execute(&console.db)
                .await;
                if let Err(e) = undone {
                    tracing::error!(error = %e, item, "could not undo a refused review decision");
                }
                return Err(match error {
                    ConsoleError::Invalid(why) | ConsoleError::Conflict(why) => {
                        ConsoleError::Invalid(format!(
                            "{label} stays undecided: the revocation could not be asked for. {why}"
                        ))
                    }
                    other => other,
                });
            }
        }
        sqlx::query(
            "UPDATE review_items SET request_id = $2::uuid, done_at_once = $3 WHERE id = $1",
        )
        .bind(item)
        .bind(&request_id)
        .bind(&done_at_once)
        .execute(&console.db)
        .await
        .map_err(internal)?;
    }
    console
        .log_action(
            who,
            "reviews.decide",
            Some(&format!("review-item:{item}")),
            json!({
                "campaign": campaign,
                "subject": label,
                "decision": decision.as_str(),
                "comment": comment,
                "request": request_id,
                "done_at_once": done_at_once,
            }),
        )
        .await?;
    Ok(match (decision, &request_id, &done_at_once) {
        (Decision::Keep, _, _) => format!("{label}: kept."),
        (_, Some(id), _) => format!(
            "{label}: revocation asked for (request {id}); a second person must approve it."
        ),
        (_, _, Some(outcome)) => {
            format!("{label}: revoked at once (the kind needs no second person): {outcome}")
        }
        _ => format!("{label}: decided."),
    })
}

/// Decides each of `items` the same way; items that cannot be decided are listed with why,
/// the rest go through.
pub async fn decide_many(
    console: &Console,
    who: &SignedInUser,
    items: &[i64],
    decision: Decision,
    comment: &str,
) -> Result<BulkOutcome, ConsoleError> {
    crate::require(who, Role::Operator)?;
    if items.is_empty() {
        return Err(ConsoleError::Invalid(
            "No items are shown: change the filter so the items to decide are listed.".into(),
        ));
    }
    if items.len() > MAX_BULK {
        return Err(ConsoleError::Invalid(format!(
            "Decide at most {MAX_BULK} items at once: narrow the filter."
        )));
    }
    let mut outcome = BulkOutcome::default();
    for &item in items {
        match decide(console, who, item, decision, comment).await {
            Ok(_) => outcome.decided += 1,
            Err(ConsoleError::Forbidden { have, need }) => {
                return Err(ConsoleError::Forbidden { have, need })
            }
            Err(error) => outcome.refused.push((item, error.to_string())),
        }
    }
    Ok(outcome)
}

/// Parses a list of item ids sent by a form ("1,2,3").
pub fn parse_ids(text: &str) -> Result<Vec<i64>, ConsoleError> {
    text.split([',', ' '])
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<i64>()
                .map_err(|_| ConsoleError::Invalid(format!("{s:?} is not an item number.")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subject_is_found_by_id_or_email() {
        assert!(is_about("usr1", "a@x.com", Some("usr1"), None));
        assert!(is_about("usr1", "A@x.com", Some("usr2"), Some("a@x.com")));
        assert!(!is_about("usr1", "a@x.com", Some("usr2"), Some("b@x.com")));
        assert!(!is_about("usr1", "a@x.com", None, None));
    }

    #[test]
    fn decisions_and_ids_are_read_in_words() {
        assert_eq!(Decision::parse("keep").ok(), Some(Decision::Keep));
        assert!(Decision::parse("").is_err());
        assert!(Decision::parse("maybe").is_err());
        assert_eq!(parse_ids("1, 2,3").ok(), Some(vec![1, 2, 3]));
        assert!(parse_ids("1,x").is_err());
    }
}
