//! The HTTP sink: one POST per batch, in Splunk's HTTP Event Collector format or as
//! NDJSON. A 2xx answer is the receiver's acknowledgement; anything else (another status,
//! no answer within [`SEND_TIMEOUT`]) is a failure and the same batch is sent again.

use super::config::{HttpFormat, Token, SEND_TIMEOUT};
use super::event::Event;
use serde_json::json;

/// The `sourcetype` of every HEC event.
pub const HEC_SOURCETYPE: &str = "airtable:audit";
/// The `source` of every HEC event.
pub const HEC_SOURCE: &str = "airtable-console";

pub struct HttpSink {
    client: reqwest::Client,
    url: url::Url,
    format: HttpFormat,
    token: Option<Token>,
    host: String,
}

impl HttpSink {
    pub fn new(
        url: url::Url,
        format: HttpFormat,
        token: Option<Token>,
        host: String,
    ) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(SEND_TIMEOUT)
            .connect_timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| format!("cannot make an HTTP client: {e}"))?;
        Ok(HttpSink {
            client,
            url,
            format,
            token,
            host,
        })
    }

    /// Sends one batch; `Ok` once the receiver answered 2xx.
    pub async fn send(&self, batch: &[Event]) -> Result<(), String> {
        let (body, content_type) = match self.format {
            HttpFormat::SplunkHec => (hec_body(batch, &self.host), "application/json"),
            HttpFormat::Ndjson => (ndjson_body(batch), "application/x-ndjson"),
        };
        let mut request = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        if let Some(Token(token)) = &self.token {
            let scheme = match self.format {
                HttpFormat::SplunkHec => "Splunk",
                HttpFormat::Ndjson => "Bearer",
            };
            request = request.header(reqwest::header::AUTHORIZATION, format!("{scheme} {token}"));
        }
        let response = request.send().await.map_err(|e| {
            if e.is_timeout() {
                format!(
                    "the receiver did not answer within {} s",
                    SEND_TIMEOUT.as_secs()
                )
            } else if e.is_connect() {
                format!("cannot connect to the receiver: {e}")
            } else {
                format!("sending failed: {e}")
            }
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        // What the receiver said, shortened: Splunk explains a refusal in its body
        // (`{"text":"Invalid token","code":4}`).
        let said: String = response
            .text()
            .await
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect();
        Err(format!("the receiver answered {status}: {}", said.trim()))
    }
}

/// HEC's batch form: event objects one after another (newline-separated, which HEC
/// accepts), each carrying the console's envelope as its `event`.
pub fn hec_body(batch: &[Event], host: &str) -> Vec<u8> {
    let mut body = Vec::with_capacity(batch.len() * 512);
    for e in batch {
        let time = e.occurred_at.timestamp_millis() as f64 / 1000.0;
        let object = json!({
            "time": time,
            "host": host,
            "source": HEC_SOURCE,
            "sourcetype": HEC_SOURCETYPE,
            "event": e.envelope(),
        });
        // Writing a `Value` into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut body, &object);
        body.push(b'\n');
    }
    body
}

/// One envelope per line.
pub fn ndjson_body(batch: &[Event]) -> Vec<u8> {
    let mut body = Vec::with_capacity(batch.len() * 512);
    for e in batch {
        let _ = serde_json::to_writer(&mut body, &e.envelope());
        body.push(b'\n');
    }
    body
}
