//! The approval workflow: who may ask, approve, reject, cancel and retry, in which order,
//! and what each step writes to the action log and the outbox. Every check is made here,
//! on the server, whatever the page showed.
//!
//! Here: asking (`ask`), what the lists and a request's page show (`view`), who may decide
//! and the recent sign-in deciding needs (`checks`), deciding (`decide`), and expiry and
//! the sweeper (`sweep`). Beside them, the steps every part shares.

mod ask;
mod checks;
mod decide;
mod sweep;
mod view;

use console_types::api::{ConsoleError, SignedInUser};
use uuid::Uuid;

use super::{notify, store};
use crate::action_log::{self, NewAction, Outcome};
use crate::error::internal;
use crate::Console;

pub use ask::request;
pub use decide::{approve, cancel, reject, Decision};
use sweep::tell_expired;
pub use sweep::{expire, spawn_sweeper};
pub use view::{detail, list, waiting_count};

fn person(who: &SignedInUser) -> store::Person<'_> {
    store::Person {
        id: &who.airtable_user_id,
        email: &who.email,
    }
}

fn parse_id(id: &str) -> Result<Uuid, ConsoleError> {
    store::row_id(id).ok_or_else(|| ConsoleError::NotFound(format!("approval request {id:?}")))
}

async fn load(state: &Console, id: Uuid) -> Result<store::Stored, ConsoleError> {
    store::get(&state.db, id)
        .await
        .map_err(internal)?
        .ok_or_else(|| ConsoleError::NotFound(format!("approval request {id}")))
}

/// An action-log entry by `who` about request `approval`, with empty details, `ok`.
fn entry<'a>(
    who: &'a SignedInUser,
    action: &'a str,
    target: Option<&'a str>,
    approval: Option<Uuid>,
) -> NewAction<'a> {
    NewAction {
        actor_id: &who.airtable_user_id,
        actor_email: &who.email,
        action,
        target,
        details: serde_json::json!({}),
        approval_id: approval,
        outcome: Outcome::Ok,
        response: None,
    }
}

async fn log(state: &Console, entry: NewAction<'_>) -> Result<(), ConsoleError> {
    action_log::ActionLog::record(&state.action_log, &state.db, entry)
        .await
        .map(|_| ())
        .map_err(internal)
}

/// Notices are best effort: a failure to write one is logged, never undoes the step.
async fn send(state: &Console, approval: Uuid, emails: Result<Vec<notify::Email>, askama::Error>) {
    let result = match emails {
        Ok(emails) => notify::enqueue(&state.db, Some(approval), &emails)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(error) = result {
        tracing::error!(%error, %approval, "could not write the approval notices");
    }
}
