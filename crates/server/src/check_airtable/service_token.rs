//! The service token: does Airtable accept it, which of the console's scopes it has, the
//! enterprise account it names, and one page of the audit log.

use std::{future::Future, time::Duration};

use airtable_client::{ids::EnterpriseId, Client, Error};
use console_core::tokens::oauth::SCOPES;
use futures::StreamExt;

use super::{Outcome, Report, Subject, RATE_LIMIT_WAIT, TRIED_ON_A_BASE, WRITE_SCOPES};

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
pub(super) async fn check_service_token(report: &mut Report, client: &Client, enterprise_id: &str) {
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
