//! Notices about requests: plain-text emails rendered with askama and written to the
//! outbox table (which the console shows; delivering them by SMTP is the outbox's job).

use askama::Template;
use console_types::approvals::{ApprovalRequest, ApprovalStatus};
use sqlx::PgPool;
use uuid::Uuid;

#[derive(Template)]
#[template(path = "approval_requested.txt")]
struct Requested<'a> {
    requester: &'a str,
    description: &'a str,
    reason: &'a str,
    expires_at: String,
    link: String,
}

#[derive(Template)]
#[template(path = "approval_outcome.txt")]
struct Outcome<'a> {
    /// Whose request it is, said to this recipient.
    whose: &'a str,
    description: &'a str,
    headline: &'a str,
    by: Option<&'a str>,
    comment: Option<&'a str>,
    outcome: Option<&'a str>,
    link: String,
}

/// One email to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
}

fn link(public_url: &url::Url, request: &ApprovalRequest) -> String {
    public_url
        .join(&format!("approvals/{}", request.id))
        .map(|u| u.to_string())
        .unwrap_or_default()
}

fn moment(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The emails to the approvers (everyone in `approvers` but the requester) about a new
/// request.
pub fn requested(
    public_url: &url::Url,
    request: &ApprovalRequest,
    approvers: &[(String, String)],
) -> Result<Vec<Email>, askama::Error> {
    let body = Requested {
        requester: &request.requested_by_email,
        description: &request.description,
        reason: &request.reason,
        expires_at: moment(request.expires_at),
        link: link(public_url, request),
    }
    .render()?;
    Ok(approvers
        .iter()
        .filter(|(id, _)| *id != request.requested_by_id)
        .map(|(_, email)| Email {
            to: email.clone(),
            subject: format!("Approval needed: {}", request.kind_label),
            body: body.clone(),
        })
        .collect())
}

/// The email to the requester (and, after an execution, the approver) about how their
/// request ended.
pub fn outcome(
    public_url: &url::Url,
    request: &ApprovalRequest,
) -> Result<Vec<Email>, askama::Error> {
    let headline = match request.status {
        ApprovalStatus::Succeeded => "It was approved and carried out.",
        ApprovalStatus::Failed => "It was approved, but carrying it out failed. An approver can retry it from the console.",
        ApprovalStatus::Rejected => "It was rejected; nothing was changed.",
        ApprovalStatus::Expired => "Nobody approved it in time, so it expired; nothing was changed.",
        ApprovalStatus::Cancelled => "It was cancelled; nothing was changed.",
        ApprovalStatus::Pending | ApprovalStatus::Executing => return Ok(Vec::new()),
    };
    let subject = format!("{}: {}", request.status.label(), request.kind_label);
    let link = link(public_url, request);
    // The requester reads about their own request; the approver (told after carrying it
    // out) about someone else's, which they approved.
    let mut emails = vec![Email {
        to: request.requested_by_email.clone(),
        subject: subject.clone(),
        body: outcome_body(request, headline, "Your request", &link)?,
    }];
    if matches!(
        request.status,
        ApprovalStatus::Succeeded | ApprovalStatus::Failed
    ) {
        if let Some(approver) = &request.decided_by_email {
            if *approver != request.requested_by_email {
                let whose = format!(
                    "The request by {} that you approved",
                    request.requested_by_email
                );
                emails.push(Email {
                    to: approver.clone(),
                    subject,
                    body: outcome_body(request, headline, &whose, &link)?,
                });
            }
        }
    }
    Ok(emails)
}

fn outcome_body(
    request: &ApprovalRequest,
    headline: &str,
    whose: &str,
    link: &str,
) -> Result<String, askama::Error> {
    Outcome {
        whose,
        description: &request.description,
        headline,
        by: request.decided_by_email.as_deref(),
        comment: request.decision_comment.as_deref(),
        outcome: request.outcome.as_deref(),
        link: link.to_string(),
    }
    .render()
}

/// Writes emails to the outbox.
pub async fn enqueue(
    db: &PgPool,
    approval: Option<Uuid>,
    emails: &[Email],
) -> Result<(), sqlx::Error> {
    for email in emails {
        sqlx::query(
            "INSERT INTO outbox (to_email, subject, body, approval_id) VALUES ($1, $2, $3, $4)",
        )
        .bind(&email.to)
        .bind(&email.subject)
        .bind(&email.body)
        .bind(approval)
        .execute(db)
        .await?;
    }
    Ok(())
}
