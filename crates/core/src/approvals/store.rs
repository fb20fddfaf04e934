//! Approval requests in Postgres. Every state change is one conditional `UPDATE`, so two
//! people (or two servers) acting at once cannot both win: of fifty approvals of one
//! request, exactly one moves it to `executing`. Times are parameters, so tests can move
//! the clock.

use chrono::{DateTime, Utc};
use console_types::approvals::{ApprovalRequest, ApprovalStatus, Preview, RiskyAction};
use sha2::{Digest, Sha256};
use sqlx::{postgres::PgRow, PgPool, Row};
use uuid::Uuid;

/// How long an execution may stay `executing` before the console decides it was cut off
/// (a crash or restart) and reports it as failed, for a person to check and retry.
pub const INTERRUPTED_AFTER: chrono::Duration = chrono::Duration::minutes(5);

/// SHA-256 (hex) over the call's canonical JSON: what is approved is what is executed.
pub fn call_hash(action: &RiskyAction) -> String {
    // Serialising a `RiskyAction` (strings, bools and lists) cannot fail.
    let canonical = serde_json::to_vec(action).unwrap_or_default();
    hex(&Sha256::digest(canonical))
}

/// A fingerprint of a preview, so an approval can say which preview it was given on.
pub fn preview_fingerprint(preview: &Preview) -> String {
    let canonical = serde_json::to_vec(preview).unwrap_or_default();
    hex(&Sha256::digest(canonical))[..16].to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Who acts on a request.
#[derive(Debug, Clone)]
pub struct Person<'a> {
    pub id: &'a str,
    pub email: &'a str,
}

pub struct NewRequest<'a> {
    pub action: &'a RiskyAction,
    pub reason: &'a str,
    pub requested_by: Person<'a>,
    pub preview: &'a Preview,
    pub now: DateTime<Utc>,
    pub ttl: chrono::Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("there is already an open request to do this (request {0})")]
    AlreadyOpen(Uuid),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Stores a new pending request and returns its ID.
pub async fn create(db: &PgPool, new: NewRequest<'_>) -> Result<Uuid, StoreError> {
    let id = Uuid::new_v4();
    let call = serde_json::to_value(new.action).unwrap_or_default();
    let preview = serde_json::to_value(new.preview).unwrap_or_default();
    let result = sqlx::query(
        "INSERT INTO approval_requests (id, kind, target, call, call_hash, reason,
             requested_by_id, requested_by_email, requested_at, expires_at, preview, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending')",
    )
    .bind(id)
    .bind(new.action.kind())
    .bind(new.action.target())
    .bind(&call)
    .bind(call_hash(new.action))
    .bind(new.reason.trim())
    .bind(new.requested_by.id)
    .bind(new.requested_by.email)
    .bind(new.now)
    .bind(new.now + new.ttl)
    .bind(&preview)
    .execute(db)
    .await;
    match result {
        Ok(_) => Ok(id),
        Err(sqlx::Error::Database(e)) if e.constraint() == Some("approval_requests_one_open") => {
            let open: Option<Uuid> = sqlx::query_scalar(
                "SELECT id FROM approval_requests WHERE kind = $1 AND target = $2
                   AND status IN ('pending', 'executing', 'failed')",
            )
            .bind(new.action.kind())
            .bind(new.action.target())
            .fetch_optional(db)
            .await?;
            Err(StoreError::AlreadyOpen(open.unwrap_or_default()))
        }
        Err(e) => Err(e.into()),
    }
}

/// A stored request, and whether its call still matches the hash taken when it was made.
#[derive(Debug, Clone)]
pub struct Stored {
    pub request: ApprovalRequest,
    /// `false` when the stored call was changed after the request was made (or cannot be
    /// read as a call any more).
    pub call_intact: bool,
    pub requested_by_id: String,
    pub executing_since: Option<DateTime<Utc>>,
    /// The SHA-256 taken when the request was made.
    pub call_hash: String,
}

const COLUMNS: &str = "id, call::text AS call_text, call_hash, reason, requested_by_id,
    requested_by_email, requested_at, expires_at, preview::text AS preview_text, status,
    decided_by_email, decided_at, decision_comment, finished_at, outcome, executing_since,
    kind, target";

fn stored_from(row: &PgRow) -> Result<Stored, sqlx::Error> {
    let call_text: String = row.try_get("call_text")?;
    let stored_hash: String = row.try_get("call_hash")?;
    let parsed = serde_json::from_str::<RiskyAction>(&call_text).ok();
    let call_intact = parsed.as_ref().is_some_and(|a| {
        call_hash(a) == stored_hash
            && row.try_get::<String, _>("kind").ok().as_deref() == Some(a.kind())
            && row.try_get::<String, _>("target").ok() == Some(a.target())
    });
    // A call that no longer parses is shown as the request to delete nothing; it cannot be
    // executed (call_intact is false).
    let action = parsed.unwrap_or(RiskyAction::DeleteUsersByEmail { emails: Vec::new() });
    let status_text: String = row.try_get("status")?;
    let status = ApprovalStatus::parse(&status_text).ok_or_else(|| {
        sqlx::Error::Decode(format!("unknown approval status {status_text:?}").into())
    })?;
    let preview_text: String = row.try_get("preview_text")?;
    let requested_by_id: String = row.try_get("requested_by_id")?;
    let id: Uuid = row.try_get("id")?;
    Ok(Stored {
        request: ApprovalRequest {
            id: id.to_string(),
            kind_label: console_types::approvals::kind_label(action.kind()).to_string(),
            description: action.describe(),
            action,
            reason: row.try_get("reason")?,
            requested_by_id: requested_by_id.clone(),
            requested_by_email: row.try_get("requested_by_email")?,
            requested_at: row.try_get("requested_at")?,
            expires_at: row.try_get("expires_at")?,
            status,
            decided_by_email: row.try_get("decided_by_email")?,
            decided_at: row.try_get("decided_at")?,
            decision_comment: row.try_get("decision_comment")?,
            finished_at: row.try_get("finished_at")?,
            outcome: row.try_get("outcome")?,
            preview: serde_json::from_str(&preview_text).unwrap_or_default(),
        },
        call_intact,
        requested_by_id,
        executing_since: row.try_get("executing_since")?,
        call_hash: stored_hash,
    })
}

pub async fn get(db: &PgPool, id: Uuid) -> Result<Option<Stored>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM approval_requests WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(stored_from).transpose()
}

/// Which requests a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing<'a> {
    /// Pending requests `person` could approve: made by someone else, not for their own
    /// benefit, and (unless they are an admin) not about the console's own controls.
    WaitingFor { person: &'a str, is_admin: bool },
    /// Requests `person` made.
    MadeBy(&'a str),
    /// Everything, newest first.
    All,
}

/// Whether a request ran out of time at `now` (an SQL expression for it): open — pending,
/// or failed and retryable — past its expiry. One rule for the expiry and for the lists
/// that show what it expires.
fn ran_out(now: &str) -> String {
    format!("status IN ('pending', 'failed') AND expires_at <= {now}")
}

/// [`COLUMNS`] as of `$4`: what ran out by then shows as expired then.
static LISTED_AS_OF: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let ran_out = ran_out("$4");
    COLUMNS
        .replace(
            " status,",
            &format!(" CASE WHEN {ran_out} THEN 'expired' ELSE status END AS status,"),
        )
        .replace(
            " finished_at,",
            &format!(" CASE WHEN {ran_out} THEN $4 ELSE finished_at END AS finished_at,"),
        )
});

/// A list as it stands at `now`, and the requests that ran out of time and were expired
/// by the same statement (their requesters are to be told).
///
/// One statement, not an expiry and then a read: on a busy console every round trip to
/// Postgres is a wake-up of its own, and the approvals page and the overview list on every
/// view. The list reads the table as it was before the expiry (a statement's parts share
/// one snapshot), so it shows what ran out as expired itself, by the same rule, with the
/// same time.
pub async fn list_as_of(
    db: impl sqlx::PgExecutor<'_>,
    listing: Listing<'_>,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<(Vec<ApprovalRequest>, Vec<Uuid>), sqlx::Error> {
    let (condition, person, is_admin) = match listing {
        // `WAITING_FOR` reads `status`, which in this snapshot is still `pending` for what
        // the statement expires.
        Listing::WaitingFor { person, is_admin } => (
            format!("{WAITING_FOR} AND expires_at > $4"),
            person,
            is_admin,
        ),
        Listing::MadeBy(person) => ("requested_by_id = $1 AND $3 = $3".into(), person, false),
        Listing::All => ("$1 = $1 AND $3 = $3".into(), "", false),
    };
    let ran_out = ran_out("$4");
    // The outer row is there even when nothing is listed, to carry what was expired.
    let rows = sqlx::query(&format!(
        "WITH expired AS (
             UPDATE approval_requests SET status = 'expired', finished_at = $4
              WHERE {ran_out} RETURNING id)
         SELECT (SELECT coalesce(array_agg(id), '{{}}') FROM expired) AS expired_now, listed.*
           FROM (SELECT 1) AS one LEFT JOIN LATERAL (
                SELECT {columns} FROM approval_requests WHERE {condition}
                 ORDER BY requested_at DESC LIMIT $2) AS listed ON TRUE
          ORDER BY listed.requested_at DESC",
        columns = *LISTED_AS_OF
    ))
    .bind(person)
    .bind(limit)
    .bind(is_admin)
    .bind(now)
    .fetch_all(db)
    .await?;
    let expired: Vec<Uuid> = match rows.first() {
        Some(row) => row.try_get("expired_now")?,
        None => Vec::new(),
    };
    let mut listed = Vec::with_capacity(rows.len());
    for row in &rows {
        if row.try_get::<Option<Uuid>, _>("id")?.is_some() {
            listed.push(stored_from(row)?.request);
        }
    }
    Ok((listed, expired))
}

/// Pending requests that `$1` (an admin when `$3`) could approve; the same rule as
/// `workflow::checks::why_not_decide`, so the list and the badge agree with what the page allows.
const WAITING_FOR: &str = "status = 'pending' AND requested_by_id <> $1
    AND ($3 OR kind NOT IN ('exempt_from_approval', 'grant_console_role'))
    AND NOT (kind IN ('grant_admin_access', 'grant_console_role') AND target = $1)";

/// `WAITING_FOR` over other SQL expressions for the person and for "is an admin", so that a
/// statement about someone else (the session check's, which counts the badge in the same
/// round trip) asks the same question.
pub(crate) fn waiting_for(person: &str, is_admin: &str) -> String {
    WAITING_FOR.replace("$1", person).replace("$3", is_admin)
}

/// How many pending requests `person` could approve (the badge).
pub async fn waiting_count(
    db: &PgPool,
    person: &str,
    is_admin: bool,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT count(*) FROM approval_requests WHERE {WAITING_FOR} AND expires_at > $2"
    ))
    .bind(person)
    .bind(now)
    .bind(is_admin)
    .fetch_one(db)
    .await
}

/// Moves a request to `executing` for `approver`, from `pending` (an approval) or `failed`
/// (a retry). Exactly one caller wins; the others get `false`. The requester can never win,
/// whatever session or hand-made call they use.
pub async fn claim_for_execution(
    db: &PgPool,
    id: Uuid,
    approver: &Person<'_>,
    comment: Option<&str>,
    now: DateTime<Utc>,
    retry: bool,
) -> Result<bool, sqlx::Error> {
    let from = if retry { "failed" } else { "pending" };
    let result = sqlx::query(&format!(
        "UPDATE approval_requests
            SET status = 'executing', executing_since = $4, attempts = attempts + 1,
                decided_by_id = coalesce(decided_by_id, $2),
                decided_by_email = coalesce(decided_by_email, $3),
                decided_at = coalesce(decided_at, $4),
                decision_comment = coalesce(decision_comment, $5),
                outcome = NULL
          WHERE id = $1 AND status = '{from}' AND requested_by_id <> $2
            AND expires_at > $4"
    ))
    .bind(id)
    .bind(approver.id)
    .bind(approver.email)
    .bind(now)
    .bind(comment.map(str::trim).filter(|c| !c.is_empty()))
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Undoes a claim whose final look found the action stale (what it touches changed, or
/// Airtable could not be read): nothing was carried out, so the request goes back to
/// `pending` (the decision is forgotten) or, for a retry, to `failed`.
pub async fn release_claim(db: &PgPool, id: Uuid, retry: bool) -> Result<(), sqlx::Error> {
    let sql = if retry {
        "UPDATE approval_requests
            SET status = 'failed', executing_since = NULL, attempts = attempts - 1,
                outcome = coalesce(outcome, 'Not retried: what it touches changed, or Airtable could not be read, before anything was done. Look at it again.')
          WHERE id = $1 AND status = 'executing'"
    } else {
        "UPDATE approval_requests
            SET status = 'pending', executing_since = NULL, attempts = attempts - 1,
                decided_by_id = NULL, decided_by_email = NULL, decided_at = NULL,
                decision_comment = NULL
          WHERE id = $1 AND status = 'executing'"
    };
    sqlx::query(sql).bind(id).execute(db).await?;
    Ok(())
}

/// Records how an execution ended. Only an `executing` request can finish.
pub async fn finish(
    db: &PgPool,
    id: Uuid,
    succeeded: bool,
    outcome: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE approval_requests
            SET status = $2, outcome = $3, finished_at = $4, executing_since = NULL
          WHERE id = $1 AND status = 'executing'",
    )
    .bind(id)
    .bind(if succeeded { "succeeded" } else { "failed" })
    .bind(outcome)
    .bind(now)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Marks a request whose stored call no longer matches its hash as failed, without
/// executing it. It stays failed: a retry re-checks the hash and refuses again.
pub async fn refuse_tampered(db: &PgPool, id: Uuid, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE approval_requests
            SET status = 'failed', finished_at = $2, executing_since = NULL,
                outcome = 'Not carried out: the stored call does not match the hash taken when it was requested, so it was changed afterwards. Reject it and ask again.'
          WHERE id = $1 AND status IN ('pending', 'executing', 'failed')",
    )
    .bind(id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// An approver turns a pending request down.
pub async fn reject(
    db: &PgPool,
    id: Uuid,
    approver: &Person<'_>,
    comment: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE approval_requests
            SET status = 'rejected', decided_by_id = $2, decided_by_email = $3,
                decided_at = $4, decision_comment = $5, finished_at = $4
          WHERE id = $1 AND status = 'pending' AND requested_by_id <> $2",
    )
    .bind(id)
    .bind(approver.id)
    .bind(approver.email)
    .bind(now)
    .bind(comment.trim())
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Withdraws a pending request (its requester) or closes a failed one (its requester or an
/// approver, who decided not to retry).
pub async fn cancel(
    db: &PgPool,
    id: Uuid,
    person: &Person<'_>,
    is_approver: bool,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE approval_requests
            SET status = 'cancelled', finished_at = $3,
                decision_comment = coalesce(decision_comment, 'Cancelled by ' || $4)
          WHERE id = $1
            AND ((status = 'pending' AND requested_by_id = $2)
              OR (status = 'failed' AND (requested_by_id = $2 OR $5)))",
    )
    .bind(id)
    .bind(person.id)
    .bind(now)
    .bind(person.email)
    .bind(is_approver)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Expires pending requests, and failed ones no longer retried, whose time ran out;
/// returns them (for the notices). A retry is bounded by the same TTL as the approval.
pub async fn expire_due(
    db: impl sqlx::PgExecutor<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "UPDATE approval_requests SET status = 'expired', finished_at = $1
          WHERE {} RETURNING id",
        ran_out("$1")
    ))
    .bind(now)
    .fetch_all(db)
    .await
}

/// Executions that were cut off (the console stopped between approving and recording
/// Airtable's answer) become failures a person must look at. They are never re-run
/// automatically: Airtable may or may not have carried the call out.
pub async fn report_interrupted(db: &PgPool, now: DateTime<Utc>) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE approval_requests
            SET status = 'failed', executing_since = NULL, finished_at = $1,
                outcome = 'Interrupted: the console stopped while carrying this out, so it is not known whether Airtable did it. Check in Airtable, then retry or close the request.'
          WHERE status = 'executing' AND executing_since <= $2 RETURNING id",
    )
    .bind(now)
    .bind(now - INTERRUPTED_AFTER)
    .fetch_all(db)
    .await
}

/// Whether `kind` needs approval (no row: it does; a locked kind always does).
pub async fn needs_approval(db: &PgPool, kind: &str) -> Result<bool, sqlx::Error> {
    if console_types::approvals::is_locked(kind) {
        return Ok(true);
    }
    let row: Option<bool> =
        sqlx::query_scalar("SELECT needs_approval FROM approval_policy WHERE kind = $1")
            .bind(kind)
            .fetch_optional(db)
            .await?;
    Ok(row.unwrap_or(true))
}

/// Open requests to exempt a kind, by kind (for the policy page).
pub async fn open_exemptions(db: &PgPool) -> Result<Vec<(String, Uuid)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT target, id FROM approval_requests
          WHERE kind = 'exempt_from_approval' AND status IN ('pending', 'executing', 'failed')",
    )
    .fetch_all(db)
    .await
}

/// The kinds an admin has exempted from approval.
pub async fn exempt_kinds(db: &PgPool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT kind FROM approval_policy WHERE NOT needs_approval ORDER BY kind")
        .fetch_all(db)
        .await
}

pub async fn set_policy(
    db: &PgPool,
    kind: &str,
    needs_approval: bool,
    by: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO approval_policy (kind, needs_approval, updated_by) VALUES ($1, $2, $3)
         ON CONFLICT (kind) DO UPDATE SET needs_approval = $2, updated_by = $3, updated_at = now()",
    )
    .bind(kind)
    .bind(needs_approval)
    .bind(by)
    .execute(db)
    .await?;
    Ok(())
}

pub fn row_id(text: &str) -> Option<Uuid> {
    text.parse().ok()
}

/// The people who may approve a request that needs `role` (approvers and admins, or only
/// admins for the console's own controls), with their emails.
pub async fn approvers(
    db: &PgPool,
    role: console_types::api::Role,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let roles: &[&str] = if role == console_types::api::Role::Admin {
        &["admin"]
    } else {
        &["approver", "admin"]
    };
    let rows = sqlx::query(
        "SELECT airtable_user_id, email FROM console_users
          WHERE role = ANY($1) ORDER BY email",
    )
    .bind(roles)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("airtable_user_id")?, r.try_get("email")?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The list's columns show what ran out as expired: both columns were found in
    /// `COLUMNS` and rewritten (a reworded `COLUMNS` would otherwise leave them as stored).
    #[test]
    fn the_listed_columns_show_what_ran_out_as_expired() {
        let ran_out = ran_out("$4");
        assert!(
            LISTED_AS_OF.contains(&format!(
                "CASE WHEN {ran_out} THEN 'expired' ELSE status END AS status,"
            )),
            "{}",
            *LISTED_AS_OF
        );
        assert!(
            LISTED_AS_OF.contains(&format!(
                "CASE WHEN {ran_out} THEN $4 ELSE finished_at END AS finished_at,"
            )),
            "{}",
            *LISTED_AS_OF
        );
    }
}
