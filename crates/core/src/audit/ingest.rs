//! Pulls the enterprise audit log into `audit_events`, exactly once.
//!
//! The walk is Airtable's ascending cursor (`sortOrder=ascending`, following `next`). Each
//! page of events is stored in the same transaction as the cursor that follows it, so a
//! crash, `kill -9` or restart at any moment resumes at the last committed page: the page
//! being fetched when it died is simply fetched again. Event ids are unique, so a page
//! stored twice (two servers racing, or a sweep) adds nothing.
//!
//! Airtable publishes events a few minutes after they happen. A walk that has caught up
//! therefore also re-reads a trailing window (`late_window`) on every run and keeps what it
//! had not seen, whatever the cursor does with events that arrive late.

use std::time::Duration;

use airtable_client::{ids::EnterpriseId, models::AuditCursor, Client, Timestamp};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use sqlx::{PgPool, Postgres, Transaction};

use console_types::audit::categories::category_for;

use crate::leases::Leases;

/// Airtable returns at most this many events per page; fewer requests is faster.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// How the ingester runs; from [`crate::config::Settings`].
#[derive(Debug, Clone)]
pub struct IngestSettings {
    /// How far back the first run reads (Airtable keeps 180 days).
    pub backfill: chrono::Duration,
    /// How far behind the newest stored event every run looks again for late events.
    pub late_window: chrono::Duration,
    /// Events per request (tests use small pages to get many of them).
    pub page_size: u32,
}

impl Default for IngestSettings {
    fn default() -> Self {
        IngestSettings {
            backfill: chrono::Duration::days(180),
            late_window: chrono::Duration::minutes(15),
            page_size: MAX_PAGE_SIZE,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("Airtable: {0}")]
    Airtable(#[from] airtable_client::Error),
    #[error("the console's database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the stored audit cursor is damaged ({0}); reset the audit sync to start over")]
    BadCursor(String),
}

impl IngestError {
    /// What the sync page shows: plain words, no internals.
    pub fn user_message(&self) -> String {
        match self {
            IngestError::Airtable(e) => e.user_message(),
            IngestError::Database(_) => {
                "The console could not write to its database; it will try again.".into()
            }
            IngestError::BadCursor(_) => self.to_string(),
        }
    }
}

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReport {
    pub pages: u64,
    /// Events stored that were not stored before.
    pub new_events: u64,
    /// Of those, events found by the late-event sweep rather than the cursor.
    pub late_events: u64,
}

/// Pulls pages and stores them. Cheap to clone.
#[derive(Clone)]
pub struct AuditIngester {
    db: PgPool,
    /// A client carrying the token the background jobs use.
    airtable: Client,
    enterprise: EnterpriseId,
    settings: IngestSettings,
    /// What this process keeps of the copy, forgotten when events are stored.
    kept: Option<crate::live::LiveReads>,
}

impl AuditIngester {
    pub fn new(
        db: PgPool,
        airtable: Client,
        enterprise: EnterpriseId,
        settings: IngestSettings,
    ) -> Self {
        AuditIngester {
            db,
            airtable,
            enterprise,
            settings,
            kept: None,
        }
    }

    /// Makes every stored page forget what `live` keeps of the copy (the overview's recent
    /// risky events), so this process shows new events at its next view.
    pub fn forgetting_in(mut self, live: crate::live::LiveReads) -> Self {
        self.kept = Some(live);
        self
    }

    /// After a commit that stored `new_events`.
    fn stored(&self, new_events: u64) {
        if new_events > 0 {
            if let Some(live) = &self.kept {
                live.forget_risky_events();
            }
        }
    }

    /// One run: follow the cursor until Airtable has nothing newer, then sweep the trailing
    /// window for late events. Records the outcome (success or the error in plain words) in
    /// `audit_sync` for the UI.
    pub async fn run_once(&self) -> Result<RunReport, IngestError> {
        sqlx::query(
            "UPDATE audit_sync SET run_started_at = now(), run_finished_at = NULL,
                    run_pages = 0, run_events = 0, requested_at = NULL",
        )
        .execute(&self.db)
        .await?;
        let outcome = self.follow_and_sweep().await;
        self.maintain_copy().await;
        let (error, report) = match &outcome {
            Ok(report) => (None, report.clone()),
            Err(e) => {
                tracing::warn!(error = %e, "audit sync failed");
                (Some(e.user_message()), RunReport::default())
            }
        };
        sqlx::query(
            "UPDATE audit_sync SET run_finished_at = now(),
                    last_success_at = CASE WHEN $1::text IS NULL THEN now() ELSE last_success_at END,
                    last_error = $1,
                    last_error_at = CASE WHEN $1::text IS NULL THEN last_error_at ELSE now() END",
        )
        .bind(error)
        .execute(&self.db)
        .await?;
        tracing::info!(
            pages = report.pages,
            new_events = report.new_events,
            late_events = report.late_events,
            "audit sync run finished"
        );
        outcome
    }

    async fn follow_and_sweep(&self) -> Result<RunReport, IngestError> {
        let mut report = RunReport::default();
        loop {
            match self.step().await? {
                Step::Stored { new_events } => {
                    report.pages += 1;
                    report.new_events += new_events;
                    if report.pages % MAINTAIN_EVERY_PAGES == 0 {
                        self.maintain_copy().await;
                    }
                }
                Step::Raced => continue,
                Step::CaughtUp => break,
            }
        }
        let late = self.sweep_late_events().await?;
        report.new_events += late;
        report.late_events = late;
        Ok(report)
    }

    /// Keeps the copy searchable as it grows: merges the full-text index's pending list and
    /// brings the planner's statistics up to date when a tenth of the copy is new (migration
    /// `maintain_audit_copy`, which says why: without either, a search for a rare word
    /// walked the whole copy). The events are stored either way, so a failure is logged,
    /// not returned.
    async fn maintain_copy(&self) {
        match sqlx::query_scalar::<_, bool>("SELECT maintain_audit_copy()")
            .fetch_one(&self.db)
            .await
        {
            Ok(analyzed) => tracing::debug!(analyzed, "audit copy maintained"),
            Err(error) => {
                tracing::warn!(%error, "could not maintain the audit copy's index and statistics")
            }
        }
    }

    /// Fetches the page after the stored cursor and stores it with the next cursor.
    async fn step(&self) -> Result<Step, IngestError> {
        let stored: Option<String> = sqlx::query_scalar("SELECT cursor FROM audit_sync")
            .fetch_one(&self.db)
            .await?;
        let request = self
            .airtable
            .enterprise(&self.enterprise)
            .audit_log()
            .ascending()
            .page_size(self.settings.page_size);
        let backfill_from = Utc::now() - self.settings.backfill;
        let request = match &stored {
            Some(saved) => request.resume(
                saved
                    .parse::<AuditCursor>()
                    .map_err(|e| IngestError::BadCursor(e.to_string()))?,
            ),
            None => request.start_time(Timestamp(backfill_from)),
        };
        let page = request.page().await?;
        let next = page.cursor.as_ref().map(ToString::to_string);

        let mut tx = self.db.begin().await?;
        // The row lock orders concurrent runners; whoever stored first wins and the other
        // drops its copy of the page (storing it would be harmless, but not counting it).
        let current: Option<String> =
            sqlx::query_scalar("SELECT cursor FROM audit_sync FOR UPDATE")
                .fetch_one(&mut *tx)
                .await?;
        if current != stored {
            return Ok(Step::Raced);
        }
        let new_events = store_events(&mut tx, &page.events).await?;
        let last_event_at = page.events.iter().map(|e| e.timestamp.0).max();
        sqlx::query(
            "UPDATE audit_sync SET
                cursor = COALESCE($1, cursor),
                backfill_from = COALESCE(backfill_from, $2),
                last_event_at = GREATEST(last_event_at, $3),
                events_stored = events_stored + $4,
                run_pages = run_pages + 1,
                run_events = run_events + $4,
                backfill_done_at = CASE WHEN $5 AND backfill_done_at IS NULL
                                        THEN now() ELSE backfill_done_at END",
        )
        .bind(&next)
        .bind(backfill_from)
        .bind(last_event_at)
        .bind(new_events as i64)
        .bind(page.events.is_empty())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.stored(new_events);
        count_copied(new_events, "walk");

        // An empty page means the walk reached the present (Airtable keeps handing out a
        // cursor there); no cursor at all means Airtable ended the walk.
        if page.events.is_empty() || next.is_none() {
            Ok(Step::CaughtUp)
        } else {
            Ok(Step::Stored { new_events })
        }
    }

    /// Reads the trailing window again and stores events that arrived late.
    async fn sweep_late_events(&self) -> Result<u64, IngestError> {
        let newest: Option<DateTime<Utc>> =
            sqlx::query_scalar("SELECT last_event_at FROM audit_sync")
                .fetch_one(&self.db)
                .await?;
        let Some(newest) = newest else {
            return Ok(0);
        };
        let from = newest - self.settings.late_window;
        let pages = self
            .airtable
            .enterprise(&self.enterprise)
            .audit_log()
            .ascending()
            .page_size(self.settings.page_size)
            .start_time(Timestamp(from))
            .max_empty_pages(1)
            .stream();
        let mut pages = Box::pin(pages);
        let mut recovered = 0;
        while let Some(page) = pages.try_next().await? {
            if page.events.is_empty() {
                break;
            }
            let mut tx = self.db.begin().await?;
            let new_events = store_events(&mut tx, &page.events).await?;
            if new_events > 0 {
                let last_event_at = page.events.iter().map(|e| e.timestamp.0).max();
                sqlx::query(
                    "UPDATE audit_sync SET events_stored = events_stored + $1,
                            run_events = run_events + $1,
                            last_event_at = GREATEST(last_event_at, $2)",
                )
                .bind(new_events as i64)
                .bind(last_event_at)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            self.stored(new_events);
            count_copied(new_events, "late");
            recovered += new_events;
        }
        Ok(recovered)
    }
}

enum Step {
    Stored { new_events: u64 },
    Raced,
    CaughtUp,
}

/// Counts events copied for `/metrics`, once their transaction committed: by the forward
/// walk, or by the re-read of the trailing window for events Airtable published late.
fn count_copied(new_events: u64, by: &'static str) {
    metrics::counter!("console_audit_events_copied_total", "by" => by).increment(new_events);
}

/// Inserts a page's events (one statement, arrays unnested) and returns how many were new.
pub async fn store_events(
    tx: &mut Transaction<'_, Postgres>,
    events: &[airtable_client::models::AuditEvent],
) -> Result<u64, sqlx::Error> {
    if events.is_empty() {
        return Ok(0);
    }
    let rows = EventColumns::from_events(events);
    super::copy_order::lock(tx).await?;
    let result = sqlx::query(
        "INSERT INTO audit_events (id, occurred_at, action, category, actor_type, actor_id,
             actor_email, actor_name, model_id, model_type, workspace_id, base_id, interface_id,
             ip_address, user_agent, raw)
         SELECT id, occurred_at, action, category, actor_type, actor_id, actor_email,
             actor_name, model_id, model_type, workspace_id, base_id, interface_id,
             ip_address, user_agent, raw::jsonb
           FROM UNNEST($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[],
                $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                $12::text[], $13::text[], $14::text[], $15::text[], $16::text[])
             AS e(id, occurred_at, action, category, actor_type, actor_id, actor_email,
                  actor_name, model_id, model_type, workspace_id, base_id, interface_id,
                  ip_address, user_agent, raw)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(rows.id)
    .bind(rows.occurred_at)
    .bind(rows.action)
    .bind(rows.category)
    .bind(rows.actor_type)
    .bind(rows.actor_id)
    .bind(rows.actor_email)
    .bind(rows.actor_name)
    .bind(rows.model_id)
    .bind(rows.model_type)
    .bind(rows.workspace_id)
    .bind(rows.base_id)
    .bind(rows.interface_id)
    .bind(rows.ip_address)
    .bind(rows.user_agent)
    .bind(rows.raw)
    .execute(&mut **tx)
    .await?;
    Ok(result.rows_affected())
}

/// A page of events turned into one array per column, for `UNNEST`.
#[derive(Default)]
struct EventColumns {
    id: Vec<String>,
    occurred_at: Vec<DateTime<Utc>>,
    action: Vec<String>,
    category: Vec<Option<String>>,
    actor_type: Vec<String>,
    actor_id: Vec<Option<String>>,
    actor_email: Vec<Option<String>>,
    actor_name: Vec<Option<String>>,
    model_id: Vec<Option<String>>,
    model_type: Vec<Option<String>>,
    workspace_id: Vec<Option<String>>,
    base_id: Vec<Option<String>>,
    interface_id: Vec<Option<String>>,
    ip_address: Vec<Option<String>>,
    user_agent: Vec<Option<String>>,
    raw: Vec<String>,
}

impl EventColumns {
    fn from_events(events: &[airtable_client::models::AuditEvent]) -> Self {
        let mut c = EventColumns::default();
        for e in events {
            // The whole event as Airtable sent it (unknown fields included).
            let raw = serde_json::to_string(e).unwrap_or_else(|_| "{}".into());
            let user = e.actor.user.as_ref();
            c.id.push(e.id.clone());
            c.occurred_at.push(e.timestamp.0);
            c.action.push(e.action.clone());
            c.category.push(category_for(&e.action).map(str::to_string));
            c.actor_type.push(e.actor.kind.to_string());
            c.actor_id.push(user.map(|u| u.id.to_string()));
            c.actor_email.push(user.and_then(|u| u.email.clone()));
            c.actor_name.push(user.and_then(|u| u.name.clone()));
            c.model_id.push(non_empty(&e.model_id));
            c.model_type.push(non_empty(&e.model_type));
            c.workspace_id
                .push(e.context.workspace_id.as_ref().map(ToString::to_string));
            c.base_id
                .push(e.context.base_id.as_ref().map(ToString::to_string));
            c.interface_id
                .push(e.context.interface_id.as_ref().map(ToString::to_string));
            c.ip_address.push(e.origin.ip_address.clone());
            c.user_agent.push(e.origin.user_agent.clone());
            c.raw.push(raw);
        }
        c
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// Runs the ingester every `interval` (if any), and at once when someone asks from the UI.
pub fn spawn_scheduler(
    ingester: AuditIngester,
    interval: Option<Duration>,
    leases: Leases,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // Look for "sync now" requests every couple of seconds.
        let poll = Duration::from_secs(2);
        loop {
            match ingester.is_due(interval).await {
                // One process at a time runs it (the lease); in the others the run is
                // simply not started. A run cut off by a crash leaves no finish time, so
                // it is due again as soon as its lease has expired.
                Ok(true) => {
                    let run = leases.run_exclusive(AUDIT_SYNC_LEASE, leases.period(), async {
                        // The outcome (and any error, in plain words) is recorded by run_once.
                        let _ = ingester.run_once().await;
                    });
                    if let Err(error) = run.await {
                        tracing::warn!(%error, "audit sync: could not take its lease");
                    }
                }
                Ok(false) => {}
                Err(error) => tracing::warn!(%error, "audit sync: could not read its state"),
            }
            tokio::time::sleep(poll).await;
        }
    })
}

/// How many stored pages a long run (a first backfill) goes between two
/// [`AuditIngester::maintain_copy`]s, so its searches are fast before it ends.
const MAINTAIN_EVERY_PAGES: u64 = 100;

/// The lease under which the audit copy is synced: one process at a time.
pub const AUDIT_SYNC_LEASE: &str = "audit-sync";

impl AuditIngester {
    /// Whether a run is due: someone asked for one ("Sync now"), or the last run (by any
    /// process) finished `interval` ago or never finished.
    async fn is_due(&self, interval: Option<Duration>) -> Result<bool, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT requested_at IS NOT NULL
                    OR ($1::float8 IS NOT NULL
                        AND (run_finished_at IS NULL
                             OR run_finished_at <= now() - make_interval(secs => $1)))
               FROM audit_sync",
        )
        .bind(interval.map(|every| every.as_secs_f64()))
        .fetch_one(&self.db)
        .await
    }
}
