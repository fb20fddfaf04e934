//! The overview page's figures: the enterprise as Airtable reports it now.

use console_types::api::{ConsoleError, EmailDomain, Overview, SignedInUser};

use crate::{error::airtable_error, Console};

pub async fn read(console: &Console, who: &SignedInUser) -> Result<Overview, ConsoleError> {
    let airtable = console.airtable_for(who).await?;
    let info = airtable
        .enterprise(&console.enterprise_id)
        .get()
        .send()
        .await
        .map_err(airtable_error)?;
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
        as_of: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}
