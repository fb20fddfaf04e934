//! Closing a campaign and its evidence pack: a CSV and a printable, standalone HTML report
//! of who reviewed what, when, the decision, the comment, the resulting request and
//! Airtable's answer, with the action-log entries (sequence and hash in `console_actions`)
//! of the decision, the request and the execution, and the chain's head at close. Both are
//! rendered once, at close, stored with their SHA-256 in `review_evidence`, and served
//! unchanged afterwards.

use chrono::{DateTime, Utc};
use console_types::api::{ConsoleError, Role, SignedInUser};
use console_types::reviews::{scope_label, EvidenceInfo};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Postgres, Row, Transaction};

use super::outcome::{self, Progress};
use crate::{csv_out, error::internal, Console};

/// One row of the pack.
struct Line {
    item: i64,
    scope: String,
    subject_id: String,
    subject: String,
    reaches: String,
    reviewer: String,
    progress: Progress,
    comment: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<DateTime<Utc>>,
    decision_log: Option<(i64, String)>,
    request_log: Option<(i64, String)>,
    execution_log: Option<(i64, String)>,
}

const CSV_HEADER: &[&str] = &[
    "item",
    "scope",
    "subject_id",
    "subject",
    "reaches",
    "reviewer",
    "decision",
    "comment",
    "decided_by",
    "decided_at",
    "request_id",
    "request_state",
    "request_finished_at",
    "approved_by",
    "airtable_answer",
    "decision_log_seq",
    "decision_log_hash",
    "request_log_seq",
    "request_log_hash",
    "execution_log_seq",
    "execution_log_hash",
];

/// The newest entry of the action log matching `condition` (on `a`), as (seq, hex hash).
fn entry(condition: &str, name: &str) -> String {
    format!(
        "(SELECT a.seq FROM console_actions a WHERE {condition} ORDER BY a.seq DESC LIMIT 1) AS {name}_seq,
         (SELECT encode(a.hash, 'hex') FROM console_actions a WHERE {condition}
           ORDER BY a.seq DESC LIMIT 1) AS {name}_hash"
    )
}

async fn lines(tx: &mut Transaction<'_, Postgres>, campaign: i64) -> sqlx::Result<Vec<Line>> {
    let sql = format!(
        "SELECT i.id, i.scope, i.subject_id, i.subject_label, i.reaches, i.reviewer_email,
                i.decision, i.comment, i.decided_by_email, i.decided_at, i.request_id,
                i.done_at_once, {},
                {}, {}, {}
           FROM review_items i LEFT JOIN approval_requests r ON r.id = i.request_id
          WHERE i.campaign_id = $1 ORDER BY i.id",
        outcome::COLUMNS,
        entry(
            "a.action = 'reviews.decide' AND a.target = 'review-item:' || i.id",
            "decision"
        ),
        entry(
            "a.approval_id = i.request_id AND a.action = 'approvals.request'",
            "request"
        ),
        entry(
            "a.approval_id = i.request_id AND a.action = i.action->>'kind'",
            "execution"
        ),
    );
    let rows = sqlx::query(&sql)
        .bind(campaign)
        .fetch_all(&mut **tx)
        .await?;
    let pair = |row: &sqlx::postgres::PgRow, name: &str| -> sqlx::Result<Option<(i64, String)>> {
        let seq: Option<i64> = row.try_get(format!("{name}_seq").as_str())?;
        let hash: Option<String> = row.try_get(format!("{name}_hash").as_str())?;
        Ok(seq.zip(hash))
    };
    rows.iter()
        .map(|r| {
            Ok(Line {
                item: r.try_get("id")?,
                scope: r.try_get("scope")?,
                subject_id: r.try_get("subject_id")?,
                subject: r.try_get("subject_label")?,
                reaches: r.try_get("reaches")?,
                reviewer: r.try_get("reviewer_email")?,
                progress: Progress::from_row(r)?,
                comment: r.try_get("comment")?,
                decided_by: r.try_get("decided_by_email")?,
                decided_at: r.try_get("decided_at")?,
                decision_log: pair(r, "decision")?,
                request_log: pair(r, "request")?,
                execution_log: pair(r, "execution")?,
            })
        })
        .collect()
}

fn stamp(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

fn csv(lines: &[Line]) -> String {
    let mut out = csv_out::header(CSV_HEADER);
    for l in lines {
        let decision = l
            .progress
            .decision
            .clone()
            .unwrap_or_else(|| "not reviewed".into());
        let (ds, dh) = split(&l.decision_log);
        let (rs, rh) = split(&l.request_log);
        let (es, eh) = split(&l.execution_log);
        let cells: Vec<String> = vec![
            l.item.to_string(),
            l.scope.clone(),
            l.subject_id.clone(),
            l.subject.clone(),
            l.reaches.clone(),
            l.reviewer.clone(),
            decision,
            l.comment.clone().unwrap_or_default(),
            l.decided_by.clone().unwrap_or_default(),
            stamp(l.decided_at),
            l.progress.request_id.clone().unwrap_or_default(),
            l.progress.state(),
            stamp(l.progress.finished_at),
            l.progress.approver.clone().unwrap_or_default(),
            l.progress.answer().unwrap_or_default(),
            ds,
            dh,
            rs,
            rh,
            es,
            eh,
        ];
        csv_out::write_row(
            &mut out,
            cells.iter().map(|c| (!c.is_empty()).then_some(c.as_str())),
        );
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn split(entry: &Option<(i64, String)>) -> (String, String) {
    entry
        .as_ref()
        .map(|(s, h)| (s.to_string(), h.clone()))
        .unwrap_or_default()
}

/// Escapes text for HTML.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The style of the printable report (also the CSP hash's input).
pub const STYLE: &str = "body{font-family:system-ui,sans-serif;color:#1a1a1a;background:#fff;margin:2rem;line-height:1.4}\
h1{font-size:1.6rem}table{border-collapse:collapse;width:100%;font-size:.85rem}\
caption{text-align:left;font-weight:bold;margin-bottom:.5rem}\
th,td{border:1px solid #555;padding:.3rem .4rem;text-align:left;vertical-align:top}\
th{background:#e8e8e8}code{font-size:.75rem;word-break:break-all}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:bold}\
@media print{body{margin:0}a{color:#000}tr{break-inside:avoid}thead{display:table-header-group}}";

struct Header<'a> {
    id: i64,
    name: &'a str,
    owner: &'a str,
    scopes: &'a [String],
    snapshot_id: i64,
    snapshot_taken_at: DateTime<Utc>,
    due_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    closed_at: DateTime<Utc>,
    closed_by: &'a str,
    head: (i64, String),
    close_log: Option<(i64, String)>,
    create_log: Option<(i64, String)>,
}

fn log_cell(entry: &Option<(i64, String)>) -> String {
    match entry {
        Some((seq, hash)) => format!("#{seq} <code>{}</code>", esc(hash)),
        None => "—".into(),
    }
}

fn html(h: &Header<'_>, lines: &[Line]) -> String {
    let scopes = h
        .scopes
        .iter()
        .map(|s| scope_label(s))
        .collect::<Vec<_>>()
        .join(", ");
    let decided = lines
        .iter()
        .filter(|l| l.progress.decision.is_some())
        .count();
    let revoked = lines
        .iter()
        .filter(|l| l.progress.decision.as_deref() == Some("revoke"))
        .count();
    let mut rows = String::new();
    for l in lines {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}<br><code>{}</code></td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td></tr>\n",
            l.item,
            esc(scope_label(&l.scope)),
            esc(&l.subject),
            esc(&l.subject_id),
            esc(&l.reaches),
            esc(&l.reviewer),
            esc(l.progress.decision.as_deref().unwrap_or("not reviewed")),
            esc(l.comment.as_deref().unwrap_or("")),
            esc(&format!(
                "{} {}",
                l.decided_by.as_deref().unwrap_or(""),
                stamp(l.decided_at)
            )),
            l.progress
                .request_id
                .as_ref()
                .map(|id| format!("<code>{}</code> ({})", esc(id), esc(&l.progress.state())))
                .unwrap_or_else(|| esc(&l.progress.state())),
            esc(&l.progress.answer().unwrap_or_default()),
            log_cell(&l.decision_log),
            log_cell(&l.request_log),
            log_cell(&l.execution_log),
        ));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>Access review evidence: {name}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
<h1>Access review evidence: {name}</h1>\n\
<dl>\n<dt>Campaign</dt><dd>{id}</dd>\n<dt>Scopes</dt><dd>{scopes}</dd>\n\
<dt>Frozen from snapshot</dt><dd>{snap} taken {snap_at}</dd>\n\
<dt>Created</dt><dd>{created} by {owner} (action log {create_log})</dd>\n<dt>Due</dt><dd>{due}</dd>\n\
<dt>Closed</dt><dd>{closed} by {closed_by} (action log {close_log})</dd>\n\
<dt>Items</dt><dd>{total}: {decided} decided ({revoked} revoke), {undecided} not reviewed</dd>\n\
<dt>Action-log head at close</dt><dd>#{head_seq} <code>{head_hash}</code></dd>\n</dl>\n\
<p>Each action-log entry is a row of the console's hash-chained log (<code>console_actions</code>): \
its sequence number and HMAC-SHA256 hash. <code>console-server verify-action-log</code> checks the chain.</p>\n\
<table>\n<caption>Items reviewed, decisions and their outcome</caption>\n<thead><tr>\
<th scope=\"col\">Item</th><th scope=\"col\">Scope</th><th scope=\"col\">Subject</th>\
<th scope=\"col\">Access reviewed</th><th scope=\"col\">Reviewer</th><th scope=\"col\">Decision</th>\
<th scope=\"col\">Comment</th><th scope=\"col\">Decided by, at</th><th scope=\"col\">Request</th>\
<th scope=\"col\">Airtable's answer</th><th scope=\"col\">Decision entry</th>\
<th scope=\"col\">Request entry</th><th scope=\"col\">Execution entry</th></tr></thead>\n\
<tbody>\n{rows}</tbody>\n</table>\n</main>\n</body>\n</html>\n",
        name = esc(h.name),
        id = h.id,
        snap = h.snapshot_id,
        snap_at = stamp(Some(h.snapshot_taken_at)),
        created = stamp(Some(h.created_at)),
        owner = esc(h.owner),
        create_log = log_cell(&h.create_log),
        due = stamp(Some(h.due_at)),
        closed = stamp(Some(h.closed_at)),
        closed_by = esc(h.closed_by),
        close_log = log_cell(&h.close_log),
        total = lines.len(),
        undecided = lines.len() - decided,
        head_seq = h.head.0,
        head_hash = esc(&h.head.1),
    )
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn log_entry(
    tx: &mut Transaction<'_, Postgres>,
    action: &str,
    target: &str,
) -> sqlx::Result<Option<(i64, String)>> {
    sqlx::query_as(
        "SELECT seq, encode(hash, 'hex') FROM console_actions
          WHERE action = $1 AND target = $2 ORDER BY seq DESC LIMIT 1",
    )
    .bind(action)
    .bind(target)
    .fetch_optional(&mut **tx)
    .await
}

/// Closes campaign `id`: refused while items are undecided unless `with_undecided` (they
/// are then listed as not reviewed). Logs the close, renders and stores the pack.
pub async fn close(
    console: &Console,
    who: &SignedInUser,
    id: i64,
    with_undecided: bool,
) -> Result<EvidenceInfo, ConsoleError> {
    crate::require(who, Role::Admin)?;
    let mut tx = console.db.begin().await.map_err(internal)?;
    // The row lock makes two closers wait for each other; the second finds it closed.
    let row = sqlx::query(
        "SELECT name, owner_email, scopes, snapshot_id, snapshot_taken_at, due_at, created_at,
                closed_at,
                (SELECT count(*) FROM review_items i
                  WHERE i.campaign_id = c.id AND i.decision IS NULL) AS undecided
           FROM review_campaigns c WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(internal)?
    .ok_or_else(|| ConsoleError::NotFound(format!("review campaign {id}")))?;
    let read = |e: sqlx::Error| internal(e);
    let name: String = row.try_get("name").map_err(read)?;
    if row
        .try_get::<Option<DateTime<Utc>>, _>("closed_at")
        .map_err(read)?
        .is_some()
    {
        return Err(ConsoleError::Conflict(format!(
            "Campaign \"{name}\" is already closed: its evidence pack is below."
        )));
    }
    let undecided: i64 = row.try_get("undecided").map_err(read)?;
    if undecided > 0 && !with_undecided {
        return Err(ConsoleError::Invalid(format!(
            "{undecided} items of \"{name}\" are not decided yet: decide them, or close with them listed as not reviewed."
        )));
    }
    let target = format!("review-campaign:{id}");
    console
        .log_action(
            who,
            "reviews.close",
            Some(&target),
            json!({ "name": name, "not_reviewed": undecided }),
        )
        .await?;
    let lines = lines(&mut tx, id).await.map_err(internal)?;
    let head: (i64, String) = sqlx::query_as(
        "SELECT seq, encode(hash, 'hex') FROM console_actions ORDER BY seq DESC LIMIT 1",
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(internal)?;
    let closed_at = Utc::now();
    let scopes: Vec<String> = row.try_get("scopes").map_err(read)?;
    let owner: String = row.try_get("owner_email").map_err(read)?;
    let header = Header {
        id,
        name: &name,
        owner: &owner,
        scopes: &scopes,
        snapshot_id: row.try_get("snapshot_id").map_err(read)?,
        snapshot_taken_at: row.try_get("snapshot_taken_at").map_err(read)?,
        due_at: row.try_get("due_at").map_err(read)?,
        created_at: row.try_get("created_at").map_err(read)?,
        closed_at,
        closed_by: &who.email,
        head: head.clone(),
        close_log: log_entry(&mut tx, "reviews.close", &target)
            .await
            .map_err(internal)?,
        create_log: log_entry(&mut tx, "reviews.create", &target)
            .await
            .map_err(internal)?,
    };
    let csv = csv(&lines);
    let html = html(&header, &lines);
    let info = EvidenceInfo {
        csv_sha256: sha256_hex(&csv),
        html_sha256: sha256_hex(&html),
        chain_head_seq: head.0,
        chain_head_hash: head.1,
        made_at: closed_at,
    };
    sqlx::query(
        "INSERT INTO review_evidence (campaign_id, csv, csv_sha256, html, html_sha256,
             chain_head_seq, chain_head_hash, made_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(&csv)
    .bind(&info.csv_sha256)
    .bind(&html)
    .bind(&info.html_sha256)
    .bind(info.chain_head_seq)
    .bind(&info.chain_head_hash)
    .bind(closed_at)
    .execute(&mut *tx)
    .await
    .map_err(internal)?;
    sqlx::query("UPDATE review_campaigns SET closed_at = $2, closed_by_email = $3 WHERE id = $1")
        .bind(id)
        .bind(closed_at)
        .bind(&who.email)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(info)
}

/// The pack's fingerprints, once the campaign is closed.
pub(crate) async fn info(db: &PgPool, id: i64) -> sqlx::Result<Option<EvidenceInfo>> {
    let row = sqlx::query(
        "SELECT csv_sha256, html_sha256, chain_head_seq, chain_head_hash, made_at
           FROM review_evidence WHERE campaign_id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        Ok(EvidenceInfo {
            csv_sha256: r.try_get("csv_sha256")?,
            html_sha256: r.try_get("html_sha256")?,
            chain_head_seq: r.try_get("chain_head_seq")?,
            chain_head_hash: r.try_get("chain_head_hash")?,
            made_at: r.try_get("made_at")?,
        })
    })
    .transpose()
}

/// A stored pack: file name, content type and body, exactly as rendered at close.
pub struct Pack {
    pub filename: String,
    pub content_type: &'static str,
    pub body: String,
}

/// The stored CSV (`csv`) or HTML (`html`) of campaign `id`.
pub async fn pack(console: &Console, id: i64, format: &str) -> Result<Pack, ConsoleError> {
    let (column, content_type) = match format {
        "csv" => ("csv", crate::export::CSV),
        "html" => ("html", "text/html; charset=utf-8"),
        other => {
            return Err(ConsoleError::NotFound(format!(
                "an evidence pack as {other:?} (there are csv and html)"
            )))
        }
    };
    let body: Option<String> = sqlx::query_scalar(&format!(
        "SELECT {column} FROM review_evidence WHERE campaign_id = $1"
    ))
    .bind(id)
    .fetch_optional(&console.db)
    .await
    .map_err(internal)?;
    let body = body.ok_or_else(|| {
        ConsoleError::NotFound(format!(
            "the evidence of review campaign {id}: it is made when the campaign is closed"
        ))
    })?;
    Ok(Pack {
        filename: format!("access-review-{id}-evidence.{format}"),
        content_type,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_and_csv_guarded() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let line = Line {
            item: 1,
            scope: "external".into(),
            subject_id: "usr1".into(),
            subject: "=cmd()@evil.com".into(),
            reaches: "w".into(),
            reviewer: "r@corp.com".into(),
            progress: Progress::default(),
            comment: None,
            decided_by: None,
            decided_at: None,
            decision_log: None,
            request_log: None,
            execution_log: None,
        };
        let text = csv(&[line]);
        assert!(text.contains("\"'=cmd()@evil.com\""), "{text}");
        assert!(text.contains("not reviewed"));
    }
}
