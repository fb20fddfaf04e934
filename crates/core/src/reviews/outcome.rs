//! Each item's outcome, followed through its approval request to Airtable's answer: read
//! from `approval_requests` whenever asked (the request is the record of truth), in words.

use chrono::{DateTime, Utc};

/// What is known of an item's decision and request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Progress {
    pub decision: Option<String>,
    pub request_id: Option<String>,
    pub done_at_once: Option<String>,
    pub request_status: Option<String>,
    pub request_outcome: Option<String>,
    pub approver: Option<String>,
    pub approver_comment: Option<String>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// The columns of the request an item became, to join with `LEFT JOIN approval_requests r
/// ON r.id = i.request_id`.
pub(crate) const COLUMNS: &str = "r.status AS request_status, r.outcome AS request_outcome,
     r.decided_by_email AS approver, r.decision_comment AS approver_comment,
     r.finished_at AS request_finished_at";

impl Progress {
    pub fn from_row(row: &sqlx::postgres::PgRow) -> sqlx::Result<Self> {
        use sqlx::Row;
        Ok(Self {
            decision: row.try_get("decision")?,
            request_id: row
                .try_get::<Option<uuid::Uuid>, _>("request_id")?
                .map(|u| u.to_string()),
            done_at_once: row.try_get("done_at_once")?,
            request_status: row.try_get("request_status")?,
            request_outcome: row.try_get("request_outcome")?,
            approver: row.try_get("approver")?,
            approver_comment: row.try_get("approver_comment")?,
            finished_at: row.try_get("request_finished_at")?,
        })
    }

    /// The request's state, one word (as the evidence lists it).
    pub fn state(&self) -> String {
        match (&self.decision, &self.request_status, &self.done_at_once) {
            (None, _, _) => "not reviewed".into(),
            (Some(d), _, _) if d == "keep" => "kept".into(),
            (_, Some(status), _) => status.clone(),
            (_, None, Some(_)) => "succeeded".into(),
            _ => "not asked".into(),
        }
    }

    /// Airtable's answer, if there is one yet.
    pub fn answer(&self) -> Option<String> {
        self.done_at_once
            .clone()
            .or_else(|| self.request_outcome.clone())
    }

    /// Where the item stands, in a sentence.
    pub fn words(&self) -> String {
        let by = |who: &Option<String>| who.clone().unwrap_or_else(|| "someone".into());
        match (&self.decision, self.request_status.as_deref()) {
            (None, _) => "Not decided yet.".into(),
            (Some(d), _) if d == "keep" => "Kept: nothing changes.".into(),
            (_, None) => match &self.done_at_once {
                Some(answer) => {
                    format!("Revoked at once (no second person needed). Airtable: {answer}")
                }
                None => "Revoke decided; no request was made.".into(),
            },
            (_, Some("pending")) => "Revocation waiting for approval by a second person.".into(),
            (_, Some("executing")) => "Revocation approved; being carried out.".into(),
            (_, Some("succeeded")) => format!(
                "Revoked: approved by {}. Airtable: {}",
                by(&self.approver),
                self.request_outcome.clone().unwrap_or_default()
            ),
            (_, Some("failed")) => format!(
                "Approved by {}, but Airtable refused: {}",
                by(&self.approver),
                self.request_outcome.clone().unwrap_or_default()
            ),
            (_, Some("rejected")) => format!(
                "Revocation rejected by {}{}. The access stays.",
                by(&self.approver),
                self.approver_comment
                    .as_ref()
                    .filter(|c| !c.is_empty())
                    .map(|c| format!(" ({c})"))
                    .unwrap_or_default()
            ),
            (_, Some("cancelled")) => "Revocation request cancelled. The access stays.".into(),
            (_, Some("expired")) => {
                "Revocation request expired without a decision. The access stays.".into()
            }
            (_, Some(other)) => format!("Revocation request: {other}."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_reads_as_a_sentence() {
        let mut p = Progress::default();
        assert_eq!(p.state(), "not reviewed");
        p.decision = Some("revoke".into());
        p.request_status = Some("succeeded".into());
        p.request_outcome = Some("Removed.".into());
        p.approver = Some("bo@corp.com".into());
        assert!(p.words().contains("bo@corp.com"));
        assert!(p.words().contains("Removed."));
        assert_eq!(p.state(), "succeeded");
        assert_eq!(p.answer().as_deref(), Some("Removed."));
    }
}
