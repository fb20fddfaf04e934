//! What the console would do with these settings, in sentences.

use url::Url;

use super::oauth::redirect_url;
use crate::config::{AirtableMode, Settings};

/// What the console would do with `settings`, in sentences.
pub(super) fn plan(settings: &Settings) -> Vec<String> {
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
pub(super) fn database_name(url: &str) -> String {
    match Url::parse(url) {
        Ok(u) => format!("{}{}", u.host_str().unwrap_or("localhost"), u.path()),
        Err(_) => "DATABASE_URL".to_string(),
    }
}
