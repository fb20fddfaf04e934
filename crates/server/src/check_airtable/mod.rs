//! `console-server check-airtable`: the first day with real credentials. It reads the same
//! settings as serving and checks them against Airtable — the OAuth integration (client id,
//! secret, redirect URL), the service token and its scopes, the enterprise account, one
//! page of the audit log — then says what the console would do with them.
//!
//! It changes nothing. It never opens the database, and every call to Airtable is a read,
//! except one token request with a made-up code that Airtable refuses (that refusal is how
//! the client secret is checked; nothing is issued). Scopes that only a change could prove
//! (the `:write` and `:manage` ones of a personal access token) are reported as not
//! checked. The Airtable client it uses does not retry: a rate-limited token is reported at
//! once, not waited out.

//!
//! `report` holds what it found (the typed report and its text), `oauth` the checks of the
//! OAuth integration, `service_token` those of the service token, its scopes, the
//! enterprise and the audit log, and `plan` what the console would do.

mod oauth;
mod plan;
mod report;
mod service_token;

use std::time::Duration;

use airtable_client::{AccessToken, Client, Error};

use crate::config::{AirtableMode, Settings};

pub use report::{Check, Outcome, Report, Subject};

/// Why `check-airtable` could not run at all (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("cannot make an HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    #[error("cannot make the Airtable client: {0}")]
    Client(#[from] Error),
    #[error("the OAuth settings are not usable: {0}")]
    OAuth(String),
}

/// The scopes of a personal access token that only a change would prove; never tried.
pub const WRITE_SCOPES: &[&str] = &[
    "enterprise.account:write",
    "enterprise.user:write",
    "enterprise.groups:manage",
    "workspacesAndBases:write",
    "workspacesAndBases:manage",
    "schema.bases:write",
];

/// The scopes tried with a read of one base, which a token may also be refused for lack of
/// access to that base.
const TRIED_ON_A_BASE: &[&str] = &[
    "workspacesAndBases:read",
    "workspacesAndBases.shares:manage",
    "block:manage",
];

/// How long one request may take: long enough for a slow Airtable, short enough that a
/// person at a terminal is not left guessing.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// Airtable's 429 means "about 30 seconds" when it sends no `Retry-After`.
const RATE_LIMIT_WAIT: Duration = Duration::from_secs(30);

/// Checks `settings` against Airtable and says what the console would do with them.
pub async fn check_airtable(settings: &Settings) -> Result<Report, CheckError> {
    let mut report = Report {
        plan: plan::plan(settings),
        ..Report::default()
    };
    let redirect_url = oauth::redirect_url(settings);
    let (api_url, enterprise_id) = match &settings.airtable {
        AirtableMode::Demo(_) => {
            report.push(
                Subject::Mode,
                Outcome::Warn,
                "no Airtable credentials are set, so the console would run in demo mode against its built-in simulator: there is nothing to check. Set AIRTABLE_OAUTH_CLIENT_ID, AIRTABLE_OAUTH_CLIENT_SECRET and AIRTABLE_ENTERPRISE_ID (or, without OAuth, AIRTABLE_SERVICE_TOKEN, AIRTABLE_ENTERPRISE_ID and CONSOLE_TRUSTED_EMAIL_HEADER)",
            );
            return Ok(report);
        }
        AirtableMode::Real(real) => {
            report.push(
                Subject::Mode,
                Outcome::Ok,
                format!(
                    "the settings select real Airtable at {} with sign-in through Airtable's OAuth",
                    real.api_url
                ),
            );
            oauth::check_oauth_client(&mut report, settings, real, &redirect_url).await?;
            (real.api_url.clone(), real.enterprise_id.clone())
        }
        AirtableMode::ServiceAccount(account) => {
            report.push(
                Subject::Mode,
                Outcome::Ok,
                format!(
                    "the settings select real Airtable at {} in service-account mode (people are identified by your sign-in proxy's {} header)",
                    account.api_url, account.trusted_email_header
                ),
            );
            report.push(
                Subject::OAuthClient,
                Outcome::Skip,
                "no OAuth integration is used in service-account mode (AIRTABLE_OAUTH_CLIENT_ID is unset)",
            );
            (account.api_url.clone(), account.enterprise_id.clone())
        }
    };
    match &settings.service_token {
        Some(token) => {
            let client = Client::builder()
                .base_url(api_url.as_str().trim_end_matches('/'))
                .token(AccessToken::new(token.expose()))
                .timeout(REQUEST_TIMEOUT)
                // One 429 is the answer: report it, do not wait 30 s and try again.
                .max_retries(0)
                .build()?
                // After a 429 the client holds the token's requests back; no read is sent
                // after one here, but should one be, it gives up rather than wait.
                .with_max_wait(Duration::from_secs(2));
            service_token::check_service_token(&mut report, &client, &enterprise_id).await;
        }
        None => {
            report.push(
                Subject::ServiceToken,
                Outcome::Warn,
                "no AIRTABLE_SERVICE_TOKEN: the console would not copy the audit log or take snapshots, and the enterprise account cannot be checked from here",
            );
            for subject in [Subject::Enterprise, Subject::Scopes, Subject::AuditLog] {
                report.push(
                    subject,
                    Outcome::Skip,
                    "not checked: it needs AIRTABLE_SERVICE_TOKEN",
                );
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::oauth::page_text;
    use super::plan::database_name;
    use super::*;
    use console_core::tokens::oauth::SCOPES;

    #[test]
    fn every_scope_the_console_asks_for_is_tried_or_named_as_a_write() {
        let read: Vec<&str> = SCOPES
            .iter()
            .copied()
            .filter(|s| !WRITE_SCOPES.contains(s))
            .collect();
        assert_eq!(read.len() + WRITE_SCOPES.len(), SCOPES.len());
        for write in WRITE_SCOPES {
            assert!(
                SCOPES.contains(write),
                "{write} is one the console asks for"
            );
        }
    }

    #[test]
    fn error_pages_read_as_one_line() {
        let html = b"<!DOCTYPE html><html><head><title>Airtable sign-in error</title></head><body><main><h1>Sign-in cannot continue</h1><p role=\"alert\">Unknown client_id &quot;x&quot;.</p></main></body></html>";
        assert_eq!(
            page_text(html),
            "Sign-in cannot continue Unknown client_id \"x\"."
        );
        assert_eq!(
            page_text(br#"{"error":{"type":"NOT_FOUND","message":"gone"}}"#),
            "gone"
        );
    }

    #[test]
    fn database_urls_lose_their_credentials() {
        assert_eq!(
            database_name("postgres://console:hunter2@db.internal:5432/airtable_console"),
            "db.internal/airtable_console"
        );
    }
}
