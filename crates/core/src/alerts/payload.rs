//! What a webhook receives: the body (generic JSON or a Slack-compatible message) and the
//! signature headers that let the receiver check it came from this console.
//!
//! `X-Console-Timestamp` is the sending time in Unix seconds; `X-Console-Signature` is
//! `sha256=` and the hex HMAC-SHA256, keyed with the rule's secret, of
//! `"<timestamp>.<body>"`. A receiver recomputes it, compares in constant time, and refuses
//! old timestamps (a replayed request carries the time it was first signed).
//! `X-Console-Delivery` is the delivery's id, the same on every attempt: a receiver that
//! answered but whose answer was lost gets the delivery again, and can tell.

use console_types::alerts::WebhookFormat;
use console_types::api::AuditEventRow;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use crate::audit::search::CopiedEvent;

/// The rule a body is about.
pub(crate) struct Subject<'a> {
    pub rule_id: i64,
    pub rule_name: &'a str,
    pub query: &'a str,
    pub notice_id: i64,
}

/// The body sent for one notice.
pub(crate) fn body(
    format: WebhookFormat,
    subject: &Subject<'_>,
    event: &CopiedEvent,
    public_url: &url::Url,
) -> String {
    let link = event_url(public_url, &event.row.id);
    let value = match format {
        WebhookFormat::Json => json!({
            "rule": { "id": subject.rule_id, "name": subject.rule_name, "query": subject.query },
            "notice_id": subject.notice_id,
            "copy_seq": event.copy_seq,
            "event_url": link,
            "event": event.raw,
        }),
        WebhookFormat::Slack => json!({
            "text": format!(
                "Alert *{}*: `{}` by {} at {} (<{}|{}>)",
                slack_escape(subject.rule_name),
                slack_escape(&event.row.action),
                slack_escape(&actor(&event.row)),
                console_types::time::shown(event.row.occurred_at),
                link,
                event.row.id,
            ),
        }),
    };
    value.to_string()
}

/// Who did it, in words.
pub(crate) fn actor(row: &AuditEventRow) -> String {
    match (&row.actor_email, &row.actor_id) {
        (Some(email), _) => email.clone(),
        (None, Some(id)) => id.clone(),
        (None, None) => row.actor_type.clone(),
    }
}

/// The event's page in the console.
pub(crate) fn event_url(public_url: &url::Url, id: &str) -> String {
    public_url
        .join(&format!("audit/events/{id}"))
        .map(|u| u.to_string())
        .unwrap_or_else(|_| format!("/audit/events/{id}"))
}

/// Slack reads `&`, `<` and `>` as markup.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `sha256=<hex HMAC-SHA256 of "timestamp.body">` under `secret`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Computed apart: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            signature("whsec_test", 1_700_000_000, r#"{"a":1}"#),
            "sha256=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
        assert_ne!(
            signature("whsec_test", 1_700_000_001, r#"{"a":1}"#),
            signature("whsec_test", 1_700_000_000, r#"{"a":1}"#)
        );
    }

    #[test]
    fn slack_markup_is_escaped() {
        assert_eq!(slack_escape("a<b>&c"), "a&lt;b&gt;&amp;c");
    }
}
