//! The console's copy of the Airtable audit log: ingestion (`ingest`), search (`search`),
//! the chart (`chart`) and where the copy stands (`status`); below, what the audit pages
//! ask for.

pub mod chart;
pub mod copy_order;
pub mod ingest;
pub mod search;
pub mod status;

use console_types::{
    api::{
        AuditEventDetail, AuditEventRow, AuditSearchPage, AuditSyncStatus, ConsoleError,
        SignedInUser,
    },
    audit::query::AuditQuery,
    enterprise::risky_events_query,
};

use crate::{error::internal, Console};

pub async fn sync_status(console: &Console) -> Result<AuditSyncStatus, ConsoleError> {
    crate::audit::status::read(&console.db, console.audit_ingester.is_some())
        .await
        .map_err(internal)
}

pub async fn request_sync(console: &Console, who: &SignedInUser) -> Result<(), ConsoleError> {
    if console.audit_ingester.is_none() {
        return Err(ConsoleError::Invalid(
            "The audit log cannot be copied: the console has no service token (AIRTABLE_SERVICE_TOKEN).".into(),
        ));
    }
    crate::audit::status::request_run(&console.db, &who.email)
        .await
        .map_err(internal)?;
    console
        .log_action(who, "audit.sync_now", None, serde_json::json!({}))
        .await
}

pub async fn search_events(
    console: &Console,
    query: &AuditQuery,
    cursor: Option<&str>,
) -> Result<AuditSearchPage, ConsoleError> {
    let after = match cursor.filter(|c| !c.is_empty()) {
        None => None,
        Some(text) => Some(search::SearchCursor::decode(text).ok_or_else(|| {
            ConsoleError::Invalid(
                "This link to a page of results is damaged: start the search again.".into(),
            )
        })?),
    };
    let (mut events, next) =
        match search::search(&console.searches, query, after.as_ref(), search::PAGE_SIZE).await {
            Ok(found) => found,
            Err(error) if search::is_timeout(&error) => {
                return Err(ConsoleError::Invalid(format!(
                    "This search took longer than {} seconds and was stopped. Narrow it: add \
                 a date (after:) or another filter.",
                    search::INTERACTIVE_TIMEOUT.as_secs()
                )))
            }
            Err(error) => return Err(internal(error)),
        };
    name(console, &mut events).await?;
    Ok(AuditSearchPage {
        query: query.to_string(),
        events,
        next_cursor: next.map(|c| c.encode()),
    })
}

/// The newest deletions, removals, revocations and moves in the audit copy (the
/// overview's card; [`risky_events_query`]), at most `how_many`: one search shared by every
/// viewer for a few seconds (`live::RISKY_EVENTS_KEPT`). The search never changes, so its
/// plan is reused ([`search::search_with_reused_plan`]).
pub async fn recent_risky_events(
    console: &Console,
    how_many: i64,
) -> Result<Vec<AuditEventRow>, ConsoleError> {
    let how_many = how_many.clamp(1, search::PAGE_SIZE);
    let kept = console
        .live
        .risky_events(how_many, async {
            let query =
                AuditQuery::parse(&risky_events_query()).map_err(|e| internal(e.to_string()))?;
            let mut events = match search::search_with_reused_plan(&console.db, &query, how_many)
                .await
            {
                Ok(found) => found,
                Err(error) if search::is_timeout(&error) => return Err(ConsoleError::Unavailable),
                Err(error) => return Err(internal(error)),
            };
            name(console, &mut events).await?;
            Ok(events)
        })
        .await?;
    Ok(kept.value.clone())
}

/// What the events touched, named from the snapshots' names.
async fn name(console: &Console, events: &mut [AuditEventRow]) -> Result<(), ConsoleError> {
    crate::names::label_events(&console.db, events)
        .await
        .map_err(internal)
}

pub async fn event(console: &Console, id: &str) -> Result<Option<AuditEventDetail>, ConsoleError> {
    search::event(&console.db, id).await.map_err(internal)
}
