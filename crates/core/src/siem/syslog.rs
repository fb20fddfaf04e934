//! The syslog sink: RFC 5424 messages over TCP with RFC 6587 octet-counting framing
//! (`<length> <message>`), one connection per batch.
//!
//! Syslog over TCP has no acknowledgement: that bytes left the socket says nothing about
//! the receiver having read them. So a batch is sent on a connection of its own, our side
//! is closed for writing after the last message, and the batch counts as delivered only
//! when the receiver, having read everything up to our close, closes its side too (rsyslog
//! and syslog-ng do on end of stream). A receiver that dies or stalls before that makes the
//! send fail, and the batch is sent again.

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::config::SEND_TIMEOUT;
use super::event::Event;

/// Facility 13 (log audit), severity 6 (informational).
const PRI: u8 = 13 * 8 + 6;
/// APP-NAME of every message.
pub const APP_NAME: &str = "airtable-console";
/// The SD-ID of the structured data element carrying the event's id and place in the copy.
/// 32473 is the private enterprise number RFC 5612 reserves for documentation and examples.
pub const SD_ID: &str = "airtable@32473";

pub struct SyslogSink {
    addr: String,
    host: String,
}

impl SyslogSink {
    pub fn new(addr: String, host: &str) -> Self {
        SyslogSink {
            addr,
            host: host.to_string(),
        }
    }

    /// Sends one batch on a new connection; `Ok` once the receiver closed it after reading
    /// all of it.
    pub async fn send(&self, batch: &[Event]) -> Result<(), String> {
        let mut frames = Vec::with_capacity(batch.len() * 512);
        for e in batch {
            let message = format_message(e, &self.host);
            frames.extend_from_slice(message.len().to_string().as_bytes());
            frames.push(b' ');
            frames.extend_from_slice(message.as_bytes());
        }
        let connect = tokio::net::TcpStream::connect(&self.addr);
        let mut stream = tokio::time::timeout(Duration::from_secs(10), connect)
            .await
            .map_err(|_| format!("cannot connect to {}: no answer within 10 s", self.addr))?
            .map_err(|e| format!("cannot connect to {}: {e}", self.addr))?;
        let exchange = async {
            stream
                .write_all(&frames)
                .await
                .map_err(|e| format!("sending failed: {e}"))?;
            stream
                .shutdown()
                .await
                .map_err(|e| format!("sending failed at the end of the batch: {e}"))?;
            // Whatever the receiver writes back is ignored; its close is the answer.
            let mut sink = [0u8; 512];
            loop {
                match stream.read(&mut sink).await {
                    Ok(0) => return Ok(()),
                    Ok(_) => {}
                    Err(e) => {
                        return Err(format!(
                            "the receiver broke the connection before it had read the batch: {e}"
                        ))
                    }
                }
            }
        };
        tokio::time::timeout(SEND_TIMEOUT, exchange)
            .await
            .map_err(|_| {
                format!(
                    "the receiver did not read the batch to its end within {} s",
                    SEND_TIMEOUT.as_secs()
                )
            })?
    }
}

/// `<110>1 TIMESTAMP HOSTNAME airtable-console - MSGID [airtable@32473 id="…" seq="…"] JSON`:
/// MSGID is the event's action (as far as syslog allows), the message the event's JSON
/// envelope (the same as the HTTP sink's NDJSON line).
pub fn format_message(e: &Event, host: &str) -> String {
    let timestamp = e
        .occurred_at
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let msgid = header_field(&e.action, 32);
    let host = header_field(host, 255);
    let body = Value::to_string(&e.envelope());
    format!(
        "<{PRI}>1 {timestamp} {host} {APP_NAME} - {msgid} [{SD_ID} id=\"{}\" seq=\"{}\" source=\"{}\"] {body}",
        sd_value(&e.id),
        e.copy_seq,
        e.source(),
    )
}

/// A header field: printable ASCII without spaces (RFC 5424's PRINTUSASCII), at most
/// `max` characters; "-" (the NILVALUE) when nothing is left.
fn header_field(text: &str, max: usize) -> String {
    let kept: String = text
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(max)
        .collect();
    if kept.is_empty() {
        "-".into()
    } else {
        kept
    }
}

/// A PARAM-VALUE: `"`, `\` and `]` escaped with a backslash.
fn sd_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '"' | '\\' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(action: &str, id: &str) -> Event {
        Event {
            copy_seq: 7,
            id: id.into(),
            occurred_at: chrono::DateTime::parse_from_rfc3339("2026-12-05T01:02:03.5Z")
                .expect("time")
                .to_utc(),
            action: action.into(),
            category: Some("user".into()),
            raw: serde_json::json!({"id": id}),
        }
    }

    #[test]
    fn an_rfc_5424_message_with_the_id_in_structured_data() {
        let m = format_message(&event("deleteUser", "evt1"), "console.example.com");
        assert!(
            m.starts_with(
                "<110>1 2026-12-05T01:02:03.500000Z console.example.com airtable-console - deleteUser [airtable@32473 id=\"evt1\" seq=\"7\" source=\"airtable\"] {"
            ),
            "{m}"
        );
        let json: Value =
            serde_json::from_str(&m[m.find("] ").expect("sd end") + 2..]).expect("json");
        assert_eq!(json["id"], "evt1");
    }

    #[test]
    fn fields_syslog_cannot_carry_are_made_safe() {
        let m = format_message(&event("an action with spaces", "a\"b]c"), "");
        assert!(
            m.contains(" - anactionwithspaces [airtable@32473 id=\"a\\\"b\\]c\""),
            "{m}"
        );
        assert!(
            m.contains("Z - airtable-console"),
            "empty host is the NILVALUE: {m}"
        );
    }
}
