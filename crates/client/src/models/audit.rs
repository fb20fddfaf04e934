//! Audit log events (`GET …/enterpriseAccounts/{id}/auditLogEvents`) and the resumable cursor.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::Extra;
use crate::ids::{BaseId, EnterpriseId, InterfaceId, UserId, WorkspaceId};
use crate::serde_util::open_enum;
use crate::time::Timestamp;

/// One page of audit log events.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AuditLogResponse {
    /// Events of the page, in the requested order.
    pub events: Vec<AuditEvent>,
    /// Cursors to newer (`next`) and older (`previous`) pages.
    pub pagination: Option<AuditPagination>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Cursors of an audit log page. `next` leads to newer events, `previous` to older ones.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AuditPagination {
    /// Cursor to newer events (`null` once nothing newer exists before `endTime`).
    pub next: Option<String>,
    /// Cursor to older events (`null` at the start of the window).
    pub previous: Option<String>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An audit log event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// The event's ID (a ULID, unique and sortable).
    pub id: String,
    /// When it happened.
    pub timestamp: Timestamp,
    /// What happened (`createBase`, `updateWorkspaceMembership`, ...).
    pub action: String,
    /// Who did it.
    pub actor: AuditActor,
    /// The object acted on (any kind of ID).
    pub model_id: String,
    /// Its kind (`base`, `workspace`, `user`, ...).
    pub model_type: String,
    /// Action-specific details, kept as JSON (see Airtable's event type reference).
    #[serde(default)]
    pub payload: serde_json::Value,
    /// Version of the payload's format.
    pub payload_version: String,
    /// Where in the enterprise it happened.
    pub context: AuditContext,
    /// Where the request came from.
    pub origin: AuditOrigin,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

open_enum!(
    /// Kind of actor of an audit event.
    AuditActorType {
        /// A signed-in user.
        User = "user",
        /// A form submission.
        FormSubmission = "formSubmission",
        /// An automation.
        Automation = "automation",
        /// Airtable itself.
        System = "system",
        /// A sync.
        Sync = "sync",
        /// Someone not signed in.
        AnonymousUser = "anonymousUser",
        /// Unknown.
        Unknown = "unknown",
    }
);

/// Who caused an audit event.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditActor {
    /// Kind of actor.
    #[serde(rename = "type")]
    pub kind: AuditActorType,
    /// The user, for `user` actors.
    pub user: Option<AuditActorUser>,
    /// The form's view, for `formSubmission` actors.
    pub view_id: Option<String>,
    /// The automation, for `automation` actors.
    pub automation_id: Option<String>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The user behind an audit event.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditActorUser {
    /// The user.
    pub id: UserId,
    /// Their email.
    pub email: Option<String>,
    /// Their name.
    pub name: Option<String>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Where in the enterprise an audit event happened.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditContext {
    /// Groups events caused by one action.
    pub action_id: String,
    /// The account.
    pub enterprise_account_id: EnterpriseId,
    /// The descendant account, if the event happened in one.
    pub descendant_enterprise_account_id: Option<EnterpriseId>,
    /// The workspace, if any.
    pub workspace_id: Option<WorkspaceId>,
    /// The base, if any.
    pub base_id: Option<BaseId>,
    /// The interface, if any.
    pub interface_id: Option<InterfaceId>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Where the request behind an audit event came from.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditOrigin {
    /// Client IP address.
    pub ip_address: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
    /// Web session, if any.
    pub session_id: Option<String>,
    /// OAuth token used, if any (its ID, not the secret).
    pub oauth_access_token_id: Option<String>,
    /// Personal access token used, if any (its ID, not the secret).
    pub personal_access_token_id: Option<String>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Order of audit log pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SortOrder {
    /// Oldest first: the stream follows `next` and can continue into the future.
    Ascending,
    /// Newest first (Airtable's default): the stream follows `previous`.
    #[default]
    Descending,
}

impl SortOrder {
    /// The value of the `sortOrder` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Ascending => "ascending",
            SortOrder::Descending => "descending",
        }
    }

    /// The pagination key a stream in this order follows.
    pub fn cursor_param(self) -> &'static str {
        match self {
            SortOrder::Ascending => "next",
            SortOrder::Descending => "previous",
        }
    }
}

/// Where an audit log walk stands, to persist and resume from.
///
/// A walk in ascending order follows `pagination.next` (towards newer events), one in
/// descending order follows `pagination.previous` (towards older ones). Resume with the same
/// filters as the walk that produced the cursor. Events at a page boundary may be seen twice
/// after a resume; deduplicate by event ID.
///
/// ```
/// use airtable_client::models::{AuditCursor, SortOrder};
/// let c = AuditCursor::new(SortOrder::Ascending, "MDFHUk5OMlM4MFhTNkY0R0M2QVlZTVZNNDQ=");
/// let saved = c.to_string();
/// assert_eq!(saved, "ascending:MDFHUk5OMlM4MFhTNkY0R0M2QVlZTVZNNDQ=");
/// assert_eq!(saved.parse::<AuditCursor>().unwrap(), c);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditCursor {
    /// The order of the walk.
    pub sort_order: SortOrder,
    /// Airtable's pagination token to send next.
    pub token: String,
}

impl AuditCursor {
    /// A cursor for a walk in `sort_order` continuing at `token`.
    pub fn new(sort_order: SortOrder, token: impl Into<String>) -> Self {
        AuditCursor {
            sort_order,
            token: token.into(),
        }
    }

    /// The cursor a walk in `sort_order` follows from this page, if there is one.
    pub fn from_page(sort_order: SortOrder, page: &AuditLogResponse) -> Option<Self> {
        let p = page.pagination.as_ref()?;
        let token = match sort_order {
            SortOrder::Ascending => p.next.as_ref(),
            SortOrder::Descending => p.previous.as_ref(),
        }?;
        Some(AuditCursor::new(sort_order, token.clone()))
    }
}

impl std::fmt::Display for AuditCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.sort_order.as_str(), self.token)
    }
}

/// A saved cursor string is not of the form `ascending:TOKEN` or `descending:TOKEN`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an audit log cursor: it should look like \"ascending:TOKEN\" or \"descending:TOKEN\"")]
pub struct AuditCursorParseError;

impl std::str::FromStr for AuditCursor {
    type Err = AuditCursorParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (order, token) = s.split_once(':').ok_or(AuditCursorParseError)?;
        let sort_order = match order {
            "ascending" => SortOrder::Ascending,
            "descending" => SortOrder::Descending,
            _ => return Err(AuditCursorParseError),
        };
        if token.is_empty() {
            return Err(AuditCursorParseError);
        }
        Ok(AuditCursor::new(sort_order, token))
    }
}

/// Filters and options of an audit log query. Each list filter takes at most 100 values,
/// sent as repeated parameters.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AuditLogQuery {
    /// Earliest event time (inclusive); Airtable's default is 180 days ago.
    pub start_time: Option<Timestamp>,
    /// Latest event time (exclusive); Airtable's default is now. Without it an ascending
    /// walk never ends: it keeps returning empty pages at the present.
    pub end_time: Option<Timestamp>,
    /// Only events caused by these users.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub originating_user_ids: Vec<UserId>,
    /// Only these event types (`createBase`, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub event_types: Vec<String>,
    /// Only events on these objects (a workspace also matches its bases).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub model_ids: Vec<String>,
    /// Only these categories (`base`, `user`, `groups`, `share`, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// Events per page (Airtable's default 10, maximum 1,000).
    pub page_size: Option<u32>,
    /// Order of the walk.
    pub sort_order: SortOrder,
}

impl AuditLogQuery {
    /// The query parameters (without the pagination cursor), repeated keys for lists.
    pub fn to_params(&self) -> Vec<(&'static str, String)> {
        let mut p = Vec::new();
        if let Some(t) = &self.start_time {
            p.push(("startTime", t.to_airtable_string()));
        }
        if let Some(t) = &self.end_time {
            p.push(("endTime", t.to_airtable_string()));
        }
        for v in &self.originating_user_ids {
            p.push(("originatingUserId", v.to_string()));
        }
        for v in &self.event_types {
            p.push(("eventType", v.clone()));
        }
        for v in &self.model_ids {
            p.push(("modelId", v.clone()));
        }
        for v in &self.categories {
            p.push(("category", v.clone()));
        }
        if let Some(n) = self.page_size {
            p.push(("pageSize", n.to_string()));
        }
        p.push(("sortOrder", self.sort_order.as_str().to_owned()));
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_and_errors() {
        let c = AuditCursor::new(SortOrder::Descending, "abc:def=");
        assert_eq!(c.to_string().parse::<AuditCursor>().unwrap(), c);
        assert!("sideways:abc".parse::<AuditCursor>().is_err());
        assert!("ascending:".parse::<AuditCursor>().is_err());
        assert!("abc".parse::<AuditCursor>().is_err());
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"sortOrder": "descending", "token": "abc:def="})
        );
    }

    #[test]
    fn cursor_follows_direction() {
        let page: AuditLogResponse = serde_json::from_value(serde_json::json!({
            "events": [],
            "pagination": {"next": "N", "previous": null}
        }))
        .unwrap();
        assert_eq!(
            AuditCursor::from_page(SortOrder::Ascending, &page)
                .unwrap()
                .token,
            "N"
        );
        assert!(AuditCursor::from_page(SortOrder::Descending, &page).is_none());
    }

    #[test]
    fn params_repeat_lists() {
        let q = AuditLogQuery {
            event_types: vec!["createBase".into(), "deleteBase".into()],
            categories: vec!["base".into()],
            page_size: Some(100),
            sort_order: SortOrder::Ascending,
            ..Default::default()
        };
        assert_eq!(
            q.to_params(),
            vec![
                ("eventType", "createBase".to_string()),
                ("eventType", "deleteBase".to_string()),
                ("category", "base".to_string()),
                ("pageSize", "100".to_string()),
                ("sortOrder", "ascending".to_string()),
            ]
        );
    }
}
