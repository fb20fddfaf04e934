//! OAuth grants (pending authorization codes, access tokens and refresh tokens), and the
//! personal access tokens tests mint through `POST /_sim/tokens`.

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use chrono::{DateTime, Utc};

/// How many issued tokens `/_sim/tokens` remembers (oldest forgotten first): a demo that
/// refreshes hourly would take years to fill it.
pub const HISTORY_LIMIT: usize = 100_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
}

/// A token as it was issued, kept after it expires or is rotated away, so tests can check
/// that no token the simulator ever issued leaks anywhere.
#[derive(Clone, Debug)]
pub struct IssuedRecord {
    pub kind: TokenKind,
    pub token: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    /// `origin.oauthAccessTokenId` in audit events (access tokens only).
    pub token_id: Option<String>,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub expires: Instant,
}

#[derive(Clone, Debug)]
pub struct IssuedAccess {
    pub user_id: String,
    pub scopes: Vec<String>,
    pub expires: Instant,
    /// The id Airtable reports for this token in audit events (`origin.oauthAccessTokenId`).
    pub token_id: String,
}

#[derive(Clone, Debug)]
pub struct IssuedRefresh {
    pub user_id: String,
    pub scopes: Vec<String>,
    pub client_id: String,
    /// The access token issued with it, revoked when it is used.
    pub access_token: String,
    pub expires: Instant,
}

#[derive(Clone, Debug)]
pub struct PendingCode {
    pub user_id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub code_challenge: String,
    pub expires: Instant,
}

/// A personal access token minted through `POST /_sim/tokens`: it acts as `user_id` with
/// exactly `scopes`, and never expires (Airtable's personal access tokens do not).
#[derive(Clone, Debug)]
pub struct PersonalToken {
    pub user_id: String,
    pub scopes: Vec<String>,
    /// `origin.personalAccessTokenId` in audit events.
    pub token_id: String,
}

#[derive(Debug, Default)]
pub struct TokenStore {
    pub access: HashMap<String, IssuedAccess>,
    pub refresh: HashMap<String, IssuedRefresh>,
    pub codes: HashMap<String, PendingCode>,
    /// Refresh tokens that were used, with when: a second use soon after answers 409.
    pub rotated: HashMap<String, Instant>,
    /// Every access and refresh token issued, oldest first (at most `HISTORY_LIMIT`).
    pub issued: VecDeque<IssuedRecord>,
    /// Minted personal access tokens by their secret, in the order minted (for the listing).
    pub personal: Vec<(String, PersonalToken)>,
}

impl TokenStore {
    pub fn remember(&mut self, record: IssuedRecord) {
        if self.issued.len() >= HISTORY_LIMIT {
            self.issued.pop_front();
        }
        self.issued.push_back(record);
    }

    /// The minted personal access token `token`, if there is one.
    pub fn personal(&self, token: &str) -> Option<&PersonalToken> {
        self.personal
            .iter()
            .find(|(secret, _)| secret == token)
            .map(|(_, t)| t)
    }

    /// Drops what has expired, so a long-running demo does not grow without bound.
    pub fn sweep(&mut self, now: Instant) {
        self.access.retain(|_, a| a.expires > now);
        self.refresh.retain(|_, r| r.expires > now);
        self.codes.retain(|_, c| c.expires > now);
        self.rotated
            .retain(|_, at| now.duration_since(*at).as_secs() < 10 * 60);
    }
}
