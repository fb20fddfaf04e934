//! [`Console`]: what every domain operation can reach — the database, Airtable, the
//! action log — and the two things almost every operation does with it: act on Airtable
//! as the signed-in person, and record what they did.

use std::sync::Arc;
use std::time::Duration;

use airtable_client::{ids::EnterpriseId, AccessToken, Client as AirtableClient};
use console_types::api::{ConsoleError, Role, SignedInUser};
use sqlx::PgPool;

use crate::{
    action_log::{self, ActionLog},
    audit::ingest::AuditIngester,
    crypto::TokenCipher,
    error::internal,
    live::LiveReads,
    tokens::{logins, oauth::OAuthProvider},
};

/// The longest a page or a form waits on Airtable's rate limit before it says so: in a 429
/// storm each retry waits ~30 s, and a person is better served by "try again in about 30
/// seconds" than by a page that hangs for minutes. Background work (bulk jobs, the audit
/// copy, snapshots) waits as long as the retry policy allows.
pub const INTERACTIVE_MAX_WAIT: Duration = Duration::from_secs(10);

/// The console's domain: one per process, handed to server functions through Leptos'
/// context and to axum handlers through the router state. Its parts are reached through
/// `Deref` (`console.db`). One `Arc`: every request clones it several times (each layer of
/// the router and the Leptos context hold one), and a clone of the parts themselves was a
/// few dozen reference counts and a few kilobytes each time (`perf` and `heaptrack` under
/// load, docs/BENCHMARKS.md).
#[derive(Clone)]
pub struct Console(Arc<ConsoleParts>);

impl Console {
    pub fn new(parts: ConsoleParts) -> Self {
        Console(Arc::new(parts))
    }
}

impl std::ops::Deref for Console {
    type Target = ConsoleParts;

    fn deref(&self) -> &ConsoleParts {
        &self.0
    }
}

/// What a [`Console`] holds.
pub struct ConsoleParts {
    pub db: PgPool,
    /// Shared connection pool and rate limiter; per-person clients come from `with_token`.
    pub airtable: AirtableClient,
    pub enterprise_id: EnterpriseId,
    pub sign_in: SignInMethod,
    pub cipher: TokenCipher,
    /// A client carrying the service token (`AIRTABLE_SERVICE_TOKEN`, or the simulator's in
    /// demo mode), for background jobs and, in service-account mode, for everyone.
    pub service_airtable: Option<AirtableClient>,
    /// The audit-log ingester, when the background jobs have a token (always in demo mode).
    pub audit_ingester: Option<AuditIngester>,
    /// The action log's key and witness file: every append goes through it.
    pub action_log: ActionLog,
    pub policy: Arc<Policy>,
    /// Live reads pages share for a short while (see [`crate::live`]).
    pub live: LiveReads,
    /// Downloads' own connections and each person's share of them.
    pub exports: crate::export::Exports,
    /// Searches' own connections, which stop a statement that runs too long.
    pub searches: crate::audit::search::SearchPool,
    /// This process's leases: background work and bulk jobs run in one process at a time.
    pub leases: crate::leases::Leases,
    /// The process's stop signal: background work watches it to stop in time, and
    /// readiness answers 503 once it is triggered (see [`crate::shutdown`]).
    pub shutdown: crate::shutdown::Shutdown,
    /// How many users each view of a snapshot matches and where its pages start, each
    /// found once.
    pub user_views: crate::people::UserViews,
}

/// The settings the domain acts on (the server reads them from its configuration).
#[derive(Clone, Debug)]
pub struct Policy {
    /// Where the console is reached, for links in emails.
    pub public_url: url::Url,
    /// How long a request for approval stays open.
    pub approval_ttl: Duration,
    /// How recent an approver's sign-in must be to decide (step-up).
    pub approval_reauth: Duration,
    /// The enterprise's name on the overview (else its first email domain).
    pub enterprise_name: Option<String>,
}

/// How people prove who they are, and so whose token acts on Airtable.
#[derive(Clone)]
pub enum SignInMethod {
    /// Airtable OAuth: each person's own token is used for their actions.
    OAuth(Arc<OAuthProvider>),
    /// A sign-in proxy in front of the console puts the person's email in this header;
    /// Airtable calls use the service token.
    TrustedHeader(http::HeaderName),
}

impl Console {
    /// An Airtable client acting as the signed-in person, for a call they are waiting on:
    /// it gives up after [`INTERACTIVE_MAX_WAIT`] of waiting.
    pub async fn airtable_for(&self, who: &SignedInUser) -> Result<AirtableClient, ConsoleError> {
        Ok(self
            .airtable_for_job(who)
            .await?
            .with_max_wait(INTERACTIVE_MAX_WAIT))
    }

    /// An Airtable client acting as the signed-in person (their own token, refreshed if
    /// due), for work that runs in the background and may wait out the rate limit.
    pub async fn airtable_for_job(
        &self,
        who: &SignedInUser,
    ) -> Result<AirtableClient, ConsoleError> {
        let oauth = match &self.sign_in {
            SignInMethod::OAuth(oauth) => oauth.clone(),
            // Signed in through the proxy: everyone acts with the service token.
            SignInMethod::TrustedHeader(_) => {
                return self
                    .service_airtable
                    .clone()
                    .ok_or_else(|| internal("service-account mode without a service token"));
            }
        };
        let login_id = who
            .login_id
            .as_deref()
            .and_then(|id| id.parse::<uuid::Uuid>().ok())
            .ok_or(ConsoleError::NotSignedIn)?;
        let token = logins::access_token(&self.db, &self.cipher, login_id, |refresh| async move {
            oauth.refresh(refresh).await
        })
        .await
        .map_err(|error| match error {
            logins::TokenError::Ended | logins::TokenError::RefreshFailed(_) => {
                ConsoleError::NotSignedIn
            }
            other => internal(other),
        })?;
        Ok(self.airtable.with_token(AccessToken::new(token)))
    }

    /// Records a change someone made (that succeeded) in the hash-chained action log.
    pub async fn log_action(
        &self,
        who: &SignedInUser,
        action: &str,
        target: Option<&str>,
        details: serde_json::Value,
    ) -> Result<(), ConsoleError> {
        // Whatever the change touched is read again by the next page that shows it.
        self.live.forget_objects().await;
        self.action_log
            .record(
                &self.db,
                action_log::NewAction {
                    actor_id: &who.airtable_user_id,
                    actor_email: &who.email,
                    action,
                    target,
                    details,
                    approval_id: None,
                    outcome: action_log::Outcome::Ok,
                    response: None,
                },
            )
            .await
            .map(|_| ())
            .map_err(internal)
    }
}

/// Refuses, in the error people see, someone whose role is below `need`. Server functions
/// check the role before they call the domain; operations that run with a person's
/// authority in the background check it again here.
pub fn require(who: &SignedInUser, need: Role) -> Result<(), ConsoleError> {
    if who.role.allows(need) {
        Ok(())
    } else {
        Err(ConsoleError::Forbidden {
            have: who.role,
            need,
        })
    }
}
