//! Expiry: requests whose time ran out, checked on every read and by the sweeper every
//! minute, which also reports executions cut off by a crash or restart.

use chrono::{DateTime, Utc};
use console_types::api::ConsoleError;

use super::{load, send};
use crate::approvals::{notify, store};
use crate::error::internal;
use crate::Console;

/// Expires what ran out of time, and tells the requesters.
pub async fn expire(state: &Console, now: DateTime<Utc>) -> Result<(), ConsoleError> {
    let expired = store::expire_due(&state.db, now).await.map_err(internal)?;
    tell_expired(state, expired).await;
    Ok(())
}

/// Tells the requesters of `expired` that their requests ran out of time.
pub(super) async fn tell_expired(state: &Console, expired: Vec<uuid::Uuid>) {
    for id in expired {
        if let Ok(stored) = load(state, id).await {
            send(
                state,
                id,
                notify::outcome(&state.policy.public_url, &stored.request),
            )
            .await;
        }
    }
}

/// Every minute (and at start-up): expires requests whose time ran out, and reports
/// executions that were cut off by a crash or restart as failures for a person to check.
pub fn spawn_sweeper(state: Console, leases: crate::leases::Leases) {
    crate::leases::spawn_periodic(
        leases,
        "approval-sweeper",
        std::time::Duration::from_secs(60),
        move || sweep_once(state.clone()),
    );
}

/// One sweep: expire, then report cut-off executions (in one process at a time).
async fn sweep_once(state: Console) {
    let now = Utc::now();
    if let Err(error) = expire(&state, now).await {
        tracing::warn!(%error, "approval sweep: expiring requests failed");
    }
    match store::report_interrupted(&state.db, now).await {
        Ok(ids) => {
            for id in ids {
                tracing::warn!(%id, "approved request was interrupted while being carried out");
                if let Ok(stored) = load(&state, id).await {
                    send(
                        &state,
                        id,
                        notify::outcome(&state.policy.public_url, &stored.request),
                    )
                    .await;
                }
            }
        }
        Err(error) => tracing::warn!(%error, "approval sweep failed"),
    }
}
