//! The overview page's figures: the enterprise as Airtable reports it, read at most once a
//! [`crate::live`] period for everyone (the page shows when, and offers a refresh).

use console_types::api::{ConsoleError, EmailDomain, Overview, SignedInUser};

use crate::Console;

/// The overview; `refresh` reads the enterprise from Airtable now rather than from the
/// shared read.
pub async fn read(
    console: &Console,
    who: &SignedInUser,
    refresh: bool,
) -> Result<Overview, ConsoleError> {
    let read = crate::enterprise::shared_record(console, who, refresh).await?;
    let info = &read.value;
    let email_domains: Vec<EmailDomain> = info
        .email_domains
        .iter()
        .map(|d| EmailDomain {
            domain: d.email_domain.clone(),
            sso_required: d.is_sso_required,
        })
        .collect();
    let display_name = console
        .policy
        .enterprise_name
        .clone()
        .or_else(|| email_domains.first().map(|d| d.domain.clone()))
        .unwrap_or_else(|| info.id.to_string());
    Ok(Overview {
        enterprise_id: info.id.to_string(),
        display_name,
        email_domains,
        user_count: info.user_ids.len(),
        group_count: info.group_ids.len(),
        workspace_count: info.workspace_ids.len(),
        descendant_count: info
            .descendant_enterprise_account_ids
            .as_ref()
            .map_or(0, Vec::len),
        as_of: read
            .as_of
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}
