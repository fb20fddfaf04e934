//! The alerts page's server functions: reads for viewers, changes for operators (each with
//! the CSRF token, each one call into `console_core::alerts`).

use leptos::{prelude::*, server_fn::codec::GetUrl};

use crate::alerts::{AlertsOverview, CreatedRule, RuleTest};
use crate::api::ConsoleError;
// The bodies run on the server only: what they alone use is named in full there.

#[server(endpoint = "alerts/overview", input = GetUrl)]
pub async fn read_alerts() -> Result<AlertsOverview, ConsoleError> {
    crate::serve::as_role(crate::api::Role::Viewer, async move |console, who| {
        console_core::alerts::overview(&console, &who).await
    })
    .await
}

#[server(endpoint = "alerts/test", input = GetUrl)]
pub async fn test_alert_rule(id: i64) -> Result<RuleTest, ConsoleError> {
    crate::serve::as_role(crate::api::Role::Viewer, async move |console, _| {
        console_core::alerts::test(&console, id).await
    })
    .await
}

#[server(endpoint = "alerts/create")]
pub async fn create_alert_rule(
    csrf_token: String,
    name: String,
    query: String,
    email_to: String,
    webhook_url: String,
    webhook_format: String,
) -> Result<CreatedRule, ConsoleError> {
    let new = crate::alerts::NewRule {
        name,
        query,
        email_to,
        webhook_url,
        webhook_format,
    };
    save_rule_as_operator(csrf_token, None, new).await
}

#[server(endpoint = "alerts/starter")]
pub async fn enable_starter_rule(
    csrf_token: String,
    key: String,
    email_to: String,
    webhook_url: String,
    webhook_format: String,
) -> Result<CreatedRule, ConsoleError> {
    crate::serve::changing(
        crate::api::Role::Operator,
        &csrf_token,
        async move |console, who| {
            console_core::alerts::enable_starter(
                &console,
                &who,
                &key,
                &email_to,
                &webhook_url,
                &webhook_format,
            )
            .await
        },
    )
    .await
}

#[server(endpoint = "alerts/edit")]
pub async fn edit_alert_rule(
    csrf_token: String,
    id: i64,
    name: String,
    query: String,
    email_to: String,
    webhook_url: String,
    webhook_format: String,
) -> Result<CreatedRule, ConsoleError> {
    let new = crate::alerts::NewRule {
        name,
        query,
        email_to,
        webhook_url,
        webhook_format,
    };
    save_rule_as_operator(csrf_token, Some(id), new).await
}

/// Creating a rule and editing one take the same form and need the same operator check;
/// `editing` is the rule an edit replaces, `None` for a new rule.
#[cfg(feature = "ssr")]
async fn save_rule_as_operator(
    csrf_token: String,
    editing: Option<i64>,
    new: crate::alerts::NewRule,
) -> Result<CreatedRule, ConsoleError> {
    crate::serve::changing(
        crate::api::Role::Operator,
        &csrf_token,
        async move |console, who| match editing {
            None => console_core::alerts::create(&console, &who, &new).await,
            Some(id) => console_core::alerts::edit(&console, &who, id, &new).await,
        },
    )
    .await
}

/// `enabled` is `true` or `false`.
#[server(endpoint = "alerts/switch")]
pub async fn switch_alert_rule(
    csrf_token: String,
    id: i64,
    enabled: String,
) -> Result<(), ConsoleError> {
    crate::serve::changing(
        crate::api::Role::Operator,
        &csrf_token,
        async move |console, who| {
            let enabled = match enabled.as_str() {
                "true" => true,
                "false" => false,
                _ => {
                    return Err(ConsoleError::Invalid(
                        "Say whether to switch the rule on (true) or off (false).".into(),
                    ))
                }
            };
            console_core::alerts::set_enabled(&console, &who, id, enabled).await
        },
    )
    .await
}

#[server(endpoint = "alerts/delete")]
pub async fn delete_alert_rule(csrf_token: String, id: i64) -> Result<(), ConsoleError> {
    crate::serve::changing(
        crate::api::Role::Operator,
        &csrf_token,
        async move |console, who| console_core::alerts::delete(&console, &who, id).await,
    )
    .await
}
