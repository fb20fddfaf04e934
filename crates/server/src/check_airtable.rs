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

use std::{fmt, future::Future, time::Duration};

use airtable_client::{ids::EnterpriseId, AccessToken, Client, Error};
use console_core::tokens::oauth::{OAuthEndpoints, OAuthProvider, SCOPES};
use futures::StreamExt;
use url::Url;

use crate::config::{AirtableMode, AirtableSettings, Settings};

/// What became of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// Works, but something deserves a look; does not fail the run.
    Warn,
    Fail,
    /// Not checked (and why is in the detail).
    Skip,
}

impl Outcome {
    /// The label at the start of the check's line, all four the same width.
    fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "ok  ",
            Outcome::Warn => "warn",
            Outcome::Fail => "FAIL",
            Outcome::Skip => "skip",
        }
    }
}

/// What a check is about (one line each, in this order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// Which mode the settings select.
    Mode,
    /// Client id and secret, and the redirect URL derived from `CONSOLE_PUBLIC_URL`.
    OAuthClient,
    /// Airtable's authorization page, asked exactly as a sign-in would ask it.
    AuthorizePage,
    /// Airtable's token endpoint: does it accept the client id and secret?
    ClientSecret,
    /// `whoami` with `AIRTABLE_SERVICE_TOKEN`.
    ServiceToken,
    /// `GET` the enterprise account `AIRTABLE_ENTERPRISE_ID`.
    Enterprise,
    /// The scopes the console reads with.
    Scopes,
    /// The scopes only a change could prove (personal access tokens).
    WriteScopes,
    /// One page of the audit log.
    AuditLog,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub subject: Subject,
    pub outcome: Outcome,
    /// The line's text: a plain sentence saying what was found and, on failure, what to do.
    pub detail: String,
}

/// Everything `check-airtable` found, and what the console would do with these settings.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub checks: Vec<Check>,
    /// Scopes the console needs that the service token was shown to lack, in the order of
    /// the README's scope table.
    pub missing_scopes: Vec<&'static str>,
    /// Scopes that could not be checked (they need a change, or a read could not tell).
    pub unchecked_scopes: Vec<&'static str>,
    /// Airtable answered 429 to the service token: the checks after it were not made.
    pub rate_limited: bool,
    /// "What the console would do", one sentence a line.
    pub plan: Vec<String>,
}

impl Report {
    /// No check failed (warnings and skipped checks pass).
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.outcome != Outcome::Fail)
    }

    /// The process's exit status: 0 when every check passed, 1 when one failed. (2, could
    /// not run, is for errors before there is a report.)
    pub fn exit_code(&self) -> u8 {
        if self.passed() {
            0
        } else {
            1
        }
    }

    /// The check about `subject`, if it was made or skipped.
    pub fn check(&self, subject: Subject) -> Option<&Check> {
        self.checks.iter().find(|c| c.subject == subject)
    }

    fn push(&mut self, subject: Subject, outcome: Outcome, detail: impl Into<String>) {
        self.checks.push(Check {
            subject,
            outcome,
            detail: detail.into(),
        });
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Checking the console's Airtable settings (nothing is changed)"
        )?;
        writeln!(f)?;
        for check in &self.checks {
            writeln!(f, "{} {}", check.outcome.label(), check.detail)?;
        }
        writeln!(f)?;
        writeln!(f, "What the console would do")?;
        for line in &self.plan {
            writeln!(f, "  - {line}")?;
        }
        writeln!(f)?;
        let failed = self
            .checks
            .iter()
            .filter(|c| c.outcome == Outcome::Fail)
            .count();
        match failed {
            0 => write!(f, "Every check passed.")?,
            1 => write!(f, "1 check failed.")?,
            n => write!(f, "{n} checks failed.")?,
        }
        writeln!(f)
    }
}

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
        plan: plan(settings),
        ..Report::default()
    };
    let redirect_url = redirect_url(settings);
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
            check_oauth_client(&mut report, settings, real, &redirect_url).await?;
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
            check_service_token(&mut report, &client, &enterprise_id).await;
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

/// `<CONSOLE_PUBLIC_URL>auth/callback`, exactly as the server makes it.
fn redirect_url(settings: &Settings) -> String {
    format!("{}auth/callback", settings.public_url)
}

/// Whether `url` names this machine, where plain http is acceptable.
fn is_local(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The OAuth integration: the settings, the authorization page and the client secret.
async fn check_oauth_client(
    report: &mut Report,
    settings: &Settings,
    real: &AirtableSettings,
    redirect_url: &str,
) -> Result<(), CheckError> {
    let public = &settings.public_url;
    if public.scheme() == "https" || is_local(public) {
        report.push(
            Subject::OAuthClient,
            Outcome::Ok,
            format!(
                "OAuth client {} has a secret; register exactly this redirect URL in the integration at https://airtable.com/create/oauth: {redirect_url}",
                real.client_id
            ),
        );
    } else {
        report.push(
            Subject::OAuthClient,
            Outcome::Fail,
            format!(
                "CONSOLE_PUBLIC_URL ({public}) is not https: sign-in cookies and the OAuth code would cross the network unencrypted. Serve the console over https and set CONSOLE_PUBLIC_URL to that address (the redirect URL to register is then <it>/auth/callback)"
            ),
        );
    }

    let provider = OAuthProvider::new(OAuthEndpoints {
        authorize_url: real.authorize_url.to_string(),
        token_url: real.token_url.to_string(),
        client_id: real.client_id.clone(),
        client_secret: real.client_secret.clone(),
        redirect_url: redirect_url.to_string(),
    })
    .map_err(|e| CheckError::OAuth(format!("{e:#}")))?;
    // Neither request follows a redirect: where the page sends a browser is not ours to visit.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .build()?;

    // The authorization URL a sign-in would use (scopes, state, PKCE): Airtable's page
    // refuses an unknown client id or a redirect URL the integration does not list.
    let (authorize, _state, _verifier) = provider.authorize_url();
    let (outcome, detail) = match http.get(authorize.as_str()).send().await {
        Ok(answer) => {
            let status = answer.status();
            if status.is_success() || status.is_redirection() {
                (
                    Outcome::Ok,
                    format!("Airtable's authorization page accepts client {} with that redirect URL (status {})", real.client_id, status.as_u16()),
                )
            } else {
                let said = page_text(&answer.bytes().await.unwrap_or_default());
                let what = if status.is_client_error() {
                    format!("Airtable's authorization page refuses client {} or the redirect URL {redirect_url} (status {})", real.client_id, status.as_u16())
                } else {
                    format!(
                        "Airtable's authorization page failed (status {})",
                        status.as_u16()
                    )
                };
                (
                    Outcome::Fail,
                    format!("{what}{}: check AIRTABLE_OAUTH_CLIENT_ID and the redirect URLs registered in the integration", said_suffix(&said)),
                )
            }
        }
        Err(e) => (
            Outcome::Fail,
            format!(
                "could not reach AIRTABLE_OAUTH_AUTHORIZE_URL ({}): {}",
                real.authorize_url,
                e.without_url()
            ),
        ),
    };
    report.push(Subject::AuthorizePage, outcome, detail);

    // A code that was never issued: Airtable authenticates the client before it looks at
    // the code, so `invalid_grant` means the id and secret are right and `invalid_client`
    // that they are not. Nothing is issued either way.
    let verifier = "check-airtable-made-up-verifier-0000000000000000";
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", "check-airtable-made-up-code")
        .append_pair("redirect_uri", redirect_url)
        .append_pair("code_verifier", verifier)
        .finish();
    let answer = http
        .post(real.token_url.as_str())
        .basic_auth(&real.client_id, Some(&real.client_secret))
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(form)
        .send()
        .await;
    let (outcome, detail) = match answer {
        Ok(answer) => {
            let status = answer.status().as_u16();
            let body = answer.bytes().await.unwrap_or_default();
            let (kind, message) = airtable_client::error::parse_error_body(&body);
            let said = message.or_else(|| kind.clone()).unwrap_or_default();
            match (status, kind.as_deref()) {
                (401, _) | (_, Some("invalid_client")) => (
                    Outcome::Fail,
                    format!("Airtable's token endpoint refuses client {} and its secret{}: check AIRTABLE_OAUTH_CLIENT_SECRET (generate a new secret in the integration if in doubt)", real.client_id, said_suffix(&said)),
                ),
                (400, _) => (
                    Outcome::Ok,
                    "Airtable's token endpoint accepts the client id and secret (a made-up code was refused, as it should be; nothing was issued)".to_string(),
                ),
                (status, _) => (
                    Outcome::Warn,
                    format!("Airtable's token endpoint answered {status} to a made-up code, so the client secret could not be checked{}", said_suffix(&said)),
                ),
            }
        }
        Err(e) => (
            Outcome::Fail,
            format!(
                "could not reach AIRTABLE_OAUTH_TOKEN_URL ({}): {}",
                real.token_url,
                e.without_url()
            ),
        ),
    };
    report.push(Subject::ClientSecret, outcome, detail);
    Ok(())
}

/// ` (Airtable said: "…")`, or nothing when it said nothing.
fn said_suffix(said: &str) -> String {
    if said.is_empty() {
        String::new()
    } else {
        format!(" (Airtable said: \"{said}\")")
    }
}

/// The readable text of an error page (HTML or JSON), short enough for one line.
fn page_text(body: &[u8]) -> String {
    if serde_json::from_slice::<serde_json::Value>(body).is_ok() {
        let (kind, message) = airtable_client::error::parse_error_body(body);
        return message.or(kind).unwrap_or_default();
    }
    let html = String::from_utf8_lossy(body);
    // The title repeats what the body says: read from the body on.
    let from_body = html.find("<body").map_or(&html[..], |at| &html[at..]);
    let mut text = String::new();
    let mut in_tag = false;
    for c in from_body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let text = words
        .join(" ")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    text.chars().take(200).collect()
}

/// One read's answer, as far as the checks care.
enum Read<T> {
    Answered(T),
    /// 403 or 404: a missing scope, a wrong id, or something out of the token's reach
    /// (Airtable gives one answer for all of them).
    Refused(Error),
    /// Any other failure: 401, 5xx, no answer, an answer this client cannot read.
    Failed(Error),
    /// This read got the 429.
    RateLimited(Duration),
    /// Not sent, and why.
    NotTried(String),
}

impl<T> Read<T> {
    fn answered(&self) -> bool {
        matches!(self, Read::Answered(_))
    }
}

/// Sends reads until Airtable rate-limits the token, then sends nothing more.
#[derive(Default)]
struct Reads {
    rate_limited: Option<Duration>,
}

const RATE_LIMITED: &str = "not checked: Airtable is rate-limiting this token";

impl Reads {
    async fn read<T>(&mut self, call: impl Future<Output = Result<T, Error>>) -> Read<T> {
        if self.rate_limited.is_some() {
            return Read::NotTried(RATE_LIMITED.into());
        }
        match call.await {
            Ok(answer) => Read::Answered(answer),
            Err(e) if e.is_rate_limited() => {
                let wait = e
                    .api()
                    .and_then(|api| api.retry_after)
                    .unwrap_or(RATE_LIMIT_WAIT);
                self.rate_limited = Some(wait);
                Read::RateLimited(wait)
            }
            Err(e) if matches!(e.status(), Some(403 | 404)) => Read::Refused(e),
            Err(e) => Read::Failed(e),
        }
    }
}

fn rate_limited_text(wait: Duration) -> String {
    format!(
        "Airtable is rate-limiting this token; wait {} s and run again (the checks after this one were not made)",
        wait.as_secs().max(1)
    )
}

/// What one read says about the scope it needs.
enum Scope {
    Has,
    Lacks,
    Unknown(String),
}

/// The service token: `whoami`, the enterprise account, the scopes, one page of the audit log.
async fn check_service_token(report: &mut Report, client: &Client, enterprise_id: &str) {
    let mut reads = Reads::default();
    let failed = match reads.read(client.whoami()).await {
        Read::Answered(me) => Ok(me),
        Read::RateLimited(wait) => Err(rate_limited_text(wait)),
        Read::Failed(e) if e.is_unauthorized() => Err("Airtable does not accept AIRTABLE_SERVICE_TOKEN (401): it is mistyped, revoked or expired, or its user was deactivated".to_string()),
        Read::Refused(e) | Read::Failed(e) => Err(format!(
            "the service token could not be checked: {}",
            e.user_message()
        )),
        Read::NotTried(why) => Err(why),
    };
    let me = match failed {
        Ok(me) => me,
        Err(detail) => {
            report.rate_limited = reads.rate_limited.is_some();
            report.push(Subject::ServiceToken, Outcome::Fail, detail);
            let skipped = if report.rate_limited {
                RATE_LIMITED
            } else {
                "not checked: the service token does not work"
            };
            for subject in [Subject::Enterprise, Subject::Scopes, Subject::AuditLog] {
                report.push(subject, Outcome::Skip, skipped);
            }
            return;
        }
    };
    let who = me.email.clone().unwrap_or_else(|| me.id.to_string());
    report.push(
        Subject::ServiceToken,
        Outcome::Ok,
        match &me.email {
            Some(email) => format!("the service token works (signed in as {email})"),
            None => format!(
                "the service token works (signed in as {}; Airtable hides the email: the token lacks user.email:read)",
                me.id
            ),
        },
    );
    // OAuth tokens list their scopes; personal access tokens do not, so each read scope is
    // tried with one read that needs it.
    let listed = me.scopes.clone();

    // The enterprise account and the reads on its routes: they tell a wrong id (all of
    // them refused) from a missing scope (some answer).
    let enterprise: Result<EnterpriseId, String> = enterprise_id.parse().map_err(|e| {
        format!("AIRTABLE_ENTERPRISE_ID ({enterprise_id:?}) is not an enterprise account id: {e}; the server would refuse to start with it")
    });
    let no_id =
        || "not checked: AIRTABLE_ENTERPRISE_ID is not an enterprise account id".to_string();
    let (account, users, audit) = match &enterprise {
        Ok(id) => {
            let handler = client.enterprise(id);
            let account = reads.read(handler.get().send()).await;
            let users = if listed.is_none() {
                reads
                    .read(handler.users().by_ids([me.id.clone()]).send())
                    .await
            } else {
                Read::NotTried("not needed: the token lists its scopes".into())
            };
            // Newest first, one event: enough to show the log answers; nothing is stored.
            let audit = reads
                .read(handler.audit_log().descending().page_size(1).page())
                .await;
            (account, users, audit)
        }
        Err(_) => (
            Read::NotTried(no_id()),
            Read::NotTried(no_id()),
            Read::NotTried(no_id()),
        ),
    };
    let id_confirmed = account.answered() || users.answered() || audit.answered();
    let listed_has = |scope: &str| listed.as_ref().map(|s| s.iter().any(|have| have == scope));

    // Enterprise account.
    let (outcome, detail) = match (&enterprise, &account) {
        (Err(why), _) => (Outcome::Fail, why.clone()),
        (Ok(id), Read::Answered(info)) => {
            let domains: Vec<&str> = info
                .email_domains
                .iter()
                .map(|d| d.email_domain.as_str())
                .collect();
            (
                Outcome::Ok,
                format!(
                    "enterprise account {id} is reachable ({} users, {} workspaces, {} groups; email domains: {})",
                    info.user_ids.len(),
                    info.workspace_ids.len(),
                    info.group_ids.len(),
                    if domains.is_empty() { "none".to_string() } else { domains.join(", ") }
                ),
            )
        }
        (Ok(id), Read::Refused(_))
            if id_confirmed || listed_has("enterprise.account:read") == Some(false) =>
        {
            (
                Outcome::Fail,
                format!("the token lacks enterprise.account:read, so the console cannot read enterprise account {id} (the overview, email domains and snapshots need it)"),
            )
        }
        (Ok(id), Read::Refused(e)) => (
            Outcome::Fail,
            format!(
                "Airtable refuses enterprise account {id} ({}): the id is wrong, or {who} is not an admin of it{}. Check AIRTABLE_ENTERPRISE_ID against the enterprise account id (ent…) in Airtable's admin panel",
                e.status().unwrap_or_default(),
                if listed.is_none() {
                    ", or the token has none of the enterprise scopes"
                } else {
                    ""
                }
            ),
        ),
        (Ok(id), Read::Failed(e)) => (
            Outcome::Fail,
            format!(
                "could not read enterprise account {id}: {}",
                e.user_message()
            ),
        ),
        (Ok(_), Read::RateLimited(wait)) => (Outcome::Fail, rate_limited_text(*wait)),
        (Ok(_), Read::NotTried(why)) => (Outcome::Skip, why.clone()),
    };
    report.push(Subject::Enterprise, outcome, detail);

    // Scopes.
    match &listed {
        Some(scopes) => {
            report.missing_scopes = SCOPES
                .iter()
                .copied()
                .filter(|needed| !scopes.iter().any(|have| have == needed))
                .collect();
            if report.missing_scopes.is_empty() {
                report.push(
                    Subject::Scopes,
                    Outcome::Ok,
                    format!(
                        "the token has every scope the console needs ({}, as Airtable lists them)",
                        SCOPES.len()
                    ),
                );
            } else {
                report.push(
                    Subject::Scopes,
                    Outcome::Fail,
                    format!(
                        "the token lacks the scopes: {} (add them to the integration and sign in again)",
                        report.missing_scopes.join(", ")
                    ),
                );
            }
        }
        None => {
            let found = probe_scopes(
                &mut reads,
                client,
                &me.email,
                ProbeInputs {
                    account: &account,
                    users: &users,
                    audit: &audit,
                    id_confirmed,
                },
            )
            .await;
            let mut unknown = Vec::new();
            for (scope, finding) in found {
                match finding {
                    Scope::Has => {}
                    Scope::Lacks => report.missing_scopes.push(scope),
                    Scope::Unknown(why) => {
                        report.unchecked_scopes.push(scope);
                        unknown.push(format!("{scope} ({why})"));
                    }
                }
            }
            if !report.missing_scopes.is_empty() {
                // A base outside a personal access token's reach is refused like a missing
                // scope: say so when the scope was tried on a base.
                let on_a_base = report
                    .missing_scopes
                    .iter()
                    .any(|s| TRIED_ON_A_BASE.contains(s));
                report.push(
                    Subject::Scopes,
                    Outcome::Fail,
                    format!(
                        "the token lacks the scopes: {} (Airtable refused a read that needs each{}){}",
                        report.missing_scopes.join(", "),
                        if on_a_base { "; it gives the same answer for a base outside the token's access, so give the token every workspace too" } else { "" },
                        if unknown.is_empty() { String::new() } else { format!("; not checked: {}", unknown.join(", ")) }
                    ),
                );
            } else if !unknown.is_empty() {
                report.push(
                    Subject::Scopes,
                    if reads.rate_limited.is_some() {
                        Outcome::Skip
                    } else {
                        Outcome::Warn
                    },
                    format!(
                        "the scopes that could be tried are there; not checked: {}",
                        unknown.join(", ")
                    ),
                );
            } else {
                report.push(
                    Subject::Scopes,
                    Outcome::Ok,
                    format!(
                        "the token has every scope the console reads with ({} tried, one read each)",
                        SCOPES.len() - WRITE_SCOPES.len()
                    ),
                );
            }
            report.unchecked_scopes.extend(WRITE_SCOPES.iter().copied());
            report.push(
                Subject::WriteScopes,
                Outcome::Skip,
                format!(
                    "not checked (would need a change): {}; make sure the token has them too",
                    WRITE_SCOPES.join(", ")
                ),
            );
        }
    }

    // The audit log.
    let (outcome, detail) = match &audit {
        Read::Answered(page) => (
            Outcome::Ok,
            match page.events.first() {
                Some(newest) => format!(
                    "the audit log answers (newest event: {} at {}; nothing was stored)",
                    newest.action, newest.timestamp
                ),
                None => "the audit log answers (no events yet; nothing was stored)".to_string(),
            },
        ),
        Read::Refused(_)
            if id_confirmed || listed_has("enterprise.auditLogs:read") == Some(false) =>
        {
            (
            Outcome::Fail,
            "the token lacks enterprise.auditLogs:read, so the console cannot copy the audit log"
                .to_string(),
        )
        }
        Read::Refused(_) => (
            Outcome::Skip,
            "not checked: the enterprise account is unreachable".to_string(),
        ),
        Read::Failed(e) => (
            Outcome::Fail,
            format!("the audit log did not answer: {}", e.user_message()),
        ),
        Read::RateLimited(wait) => (Outcome::Fail, rate_limited_text(*wait)),
        Read::NotTried(why) => (Outcome::Skip, why.clone()),
    };
    report.push(Subject::AuditLog, outcome, detail);
    report.rate_limited = reads.rate_limited.is_some();
}

/// The reads already made on the enterprise's own routes.
struct ProbeInputs<'a> {
    account: &'a Read<airtable_client::models::EnterpriseInfo>,
    users: &'a Read<Vec<airtable_client::models::User>>,
    audit: &'a Read<airtable_client::api::AuditPage>,
    /// Some read on the enterprise's routes answered: the id is right, so a refusal there
    /// is a missing scope.
    id_confirmed: bool,
}

/// Tries each read scope the console needs with one read (in the order of [`SCOPES`]).
async fn probe_scopes(
    reads: &mut Reads,
    client: &Client,
    email: &Option<String>,
    done: ProbeInputs<'_>,
) -> Vec<(&'static str, Scope)> {
    // On the enterprise's routes a refusal means a missing scope only once the id is known
    // to be right; until then it may as well be the id.
    let on_enterprise = |read: &dyn ReadState| match read.state() {
        State::Answered => Scope::Has,
        State::Refused if done.id_confirmed => Scope::Lacks,
        State::Refused => Scope::Unknown("the enterprise account is unreachable".into()),
        State::Other(why) => Scope::Unknown(why),
    };
    // Elsewhere a 403 is the scope (the object came from the enterprise or the token's own
    // list, so it exists); a 404 says nothing.
    let elsewhere = |read: &dyn ReadState| match read.state() {
        State::Answered => Scope::Has,
        State::Refused if read.status() == Some(403) => Scope::Lacks,
        State::Refused => Scope::Unknown("Airtable answered 404".into()),
        State::Other(why) => Scope::Unknown(why),
    };

    let scim = reads.read(client.scim().users().count(1).page()).await;
    let bases = reads
        .read(async {
            let mut list = Box::pin(client.list_bases());
            list.next().await.transpose()
        })
        .await;
    let base = match &bases {
        Read::Answered(Some(base)) => Some(base.id.clone()),
        _ => None,
    };
    let no_base = || match &bases {
        Read::Answered(None) => "the token reaches no base to try it on".to_string(),
        _ => "no base to try it on (listing bases failed)".to_string(),
    };
    let (base_read, shares, blocks) = match &base {
        Some(id) => {
            let handler = client.base(id);
            (
                reads.read(handler.get().send()).await.map_unit(),
                reads.read(handler.shares()).await.map_unit(),
                reads.read(handler.block_installations()).await.map_unit(),
            )
        }
        None => (
            Read::NotTried(no_base()),
            Read::NotTried(no_base()),
            Read::NotTried(no_base()),
        ),
    };
    let group = match done.account {
        Read::Answered(info) => match info.group_ids.first() {
            Some(id) => reads.read(client.group(id).get().send()).await.map_unit(),
            None => Read::NotTried("the enterprise has no group to try it on".into()),
        },
        _ => Read::NotTried("it needs the enterprise account's groups".into()),
    };

    let mut found = Vec::new();
    for scope in SCOPES.iter().copied() {
        let finding = match scope {
            // whoami shows the email only with this scope.
            "user.email:read" if email.is_some() => Scope::Has,
            "user.email:read" => Scope::Lacks,
            "enterprise.account:read" => on_enterprise(done.account),
            "enterprise.user:read" => on_enterprise(done.users),
            "enterprise.auditLogs:read" => on_enterprise(done.audit),
            "enterprise.groups:read" => elsewhere(&group),
            "enterprise.scim.usersAndGroups:manage" => elsewhere(&scim),
            "workspacesAndBases:read" => elsewhere(&base_read),
            "workspacesAndBases.shares:manage" => elsewhere(&shares),
            "block:manage" => elsewhere(&blocks),
            "schema.bases:read" => elsewhere(&bases),
            _ => continue, // the write scopes: never tried
        };
        found.push((scope, finding));
    }
    found
}

/// A read's answer without its value, so reads of different types can be judged alike.
enum State {
    Answered,
    Refused,
    Other(String),
}

trait ReadState {
    fn state(&self) -> State;
    fn status(&self) -> Option<u16>;
}

impl<T> ReadState for Read<T> {
    fn state(&self) -> State {
        match self {
            Read::Answered(_) => State::Answered,
            Read::Refused(_) => State::Refused,
            Read::Failed(e) => State::Other(e.user_message()),
            Read::RateLimited(_) => State::Other("Airtable is rate-limiting this token".into()),
            Read::NotTried(why) => State::Other(why.trim_start_matches("not checked: ").into()),
        }
    }

    fn status(&self) -> Option<u16> {
        match self {
            Read::Refused(e) | Read::Failed(e) => e.status(),
            _ => None,
        }
    }
}

impl<T> Read<T> {
    fn map_unit(self) -> Read<()> {
        match self {
            Read::Answered(_) => Read::Answered(()),
            Read::Refused(e) => Read::Refused(e),
            Read::Failed(e) => Read::Failed(e),
            Read::RateLimited(w) => Read::RateLimited(w),
            Read::NotTried(why) => Read::NotTried(why),
        }
    }
}

/// What the console would do with `settings`, in sentences.
fn plan(settings: &Settings) -> Vec<String> {
    let mut plan = Vec::new();
    let has_token = settings.service_token.is_some();
    match &settings.airtable {
        AirtableMode::Demo(demo) => {
            plan.push(format!(
                "run in demo mode: an in-process simulator of Airtable ({} enterprise, seed {}, rate limits {}), signed in to through its own page",
                demo.size,
                demo.seed,
                if demo.rate_limits { "on" } else { "off" }
            ));
        }
        AirtableMode::Real(real) => {
            plan.push(format!(
                "manage enterprise account {} through Airtable at {}",
                real.enterprise_id, real.api_url
            ));
            plan.push(format!(
                "sign people in with Airtable's OAuth (client {}, redirect {}); admit enterprise admins who have a console role",
                real.client_id,
                redirect_url(settings)
            ));
            plan.push(if has_token {
                "run the background jobs (audit-log copy, snapshots) with AIRTABLE_SERVICE_TOKEN; act on Airtable with each person's own token".to_string()
            } else {
                "act on Airtable with each person's own token; with no AIRTABLE_SERVICE_TOKEN it copies no audit log and takes no snapshots".to_string()
            });
        }
        AirtableMode::ServiceAccount(account) => {
            plan.push(format!(
                "manage enterprise account {} through Airtable at {}",
                account.enterprise_id, account.api_url
            ));
            plan.push(format!(
                "take each person's email from the {} header your sign-in proxy sets, admit enterprise admins who have a console role, and make every Airtable call with AIRTABLE_SERVICE_TOKEN",
                account.trusted_email_header
            ));
        }
    }
    if has_token || settings.is_demo() {
        let backfill_from = chrono::Utc::now().date_naive()
            - chrono::Duration::days(settings.audit.backfill_days.into());
        plan.push(match settings.audit.interval {
            Some(every) => format!(
                "copy new audit-log events every {} s (the first run reads back {} days, from {backfill_from}; each run re-reads the last {} minutes for late events)",
                every.as_secs(),
                settings.audit.backfill_days,
                settings.audit.late_window_minutes
            ),
            None => format!(
                "copy the audit log only when someone presses \"Sync now\" (the first run reads back {} days, from {backfill_from})",
                settings.audit.backfill_days
            ),
        });
        plan.push(match settings.audit.snapshot_interval {
            Some(every) => format!(
                "take a snapshot of users, admins, group members and workspace access every {} h",
                every.as_secs() / 3600
            ),
            None => "take snapshots only when someone asks".to_string(),
        });
    }
    plan.push(match settings.live_read_ttl.as_secs() {
        0 => "read from Airtable on every page view".to_string(),
        secs => format!("share a page's live read from Airtable for {secs} s"),
    });
    plan.push(format!(
        "expire approval requests after {} h; deciding one needs a sign-in younger than {} min",
        settings.approval_ttl.as_secs() / 3600,
        settings.approval_reauth.as_secs() / 60
    ));
    plan.push(match &settings.first_admin {
        Some(who) => format!("make {who} console admin at sign-in while the console has no admin"),
        None if settings.is_demo() => "make the first seeded admin console admin".to_string(),
        None => "make nobody admin by itself (CONSOLE_FIRST_ADMIN is unset): set it for the first sign-in".to_string(),
    });
    plan.push(match settings.default_role {
        Some(role) => format!("give enterprise admins who sign in without a role the {role} role"),
        None => {
            "refuse enterprise admins without a console role until an admin grants one".to_string()
        }
    });
    plan.push(match &settings.smtp {
        Some(smtp) => format!(
            "send approval notices from {} through {}",
            smtp.from,
            Url::parse(smtp.url.expose())
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_else(|| "the SMTP server".to_string())
        ),
        None => "keep emails in the outbox (shown under Approvals → Notices): no CONSOLE_SMTP_URL"
            .to_string(),
    });
    plan.push(format!(
        "listen on {} for people reaching it at {}, and keep its data in Postgres ({})",
        settings.addr,
        settings.public_url,
        database_name(&settings.database_url)
    ));
    plan
}

/// `host/database` of a Postgres URL, never its user or password.
fn database_name(url: &str) -> String {
    match Url::parse(url) {
        Ok(u) => format!("{}{}", u.host_str().unwrap_or("localhost"), u.path()),
        Err(_) => "DATABASE_URL".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
