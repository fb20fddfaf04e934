//! Who is calling: the fixed personal access token, or an OAuth access token, with scopes.

use std::collections::HashMap;
use std::time::Instant;

use axum::http::{header, HeaderMap};

use crate::error::ApiError;

/// Every scope the simulator knows; the fixed token has them all.
pub const ALL_SCOPES: &[&str] = &[
    "data.records:read",
    "data.records:write",
    "schema.bases:read",
    "schema.bases:write",
    "user.email:read",
    "enterprise.account:read",
    "enterprise.account:write",
    "enterprise.user:read",
    "enterprise.user:write",
    "enterprise.groups:read",
    "enterprise.groups:manage",
    "enterprise.auditLogs:read",
    "enterprise.changeEvents:read",
    "enterprise.exports:manage",
    "enterprise.scim.usersAndGroups:manage",
    "workspacesAndBases:read",
    "workspacesAndBases:write",
    "workspacesAndBases:manage",
    "workspacesAndBases.shares:manage",
    "block:manage",
];

#[derive(Clone, Debug)]
pub struct Caller {
    pub user_id: String,
    pub scopes: Vec<String>,
    /// OAuth tokens report their scopes in `whoami`; personal access tokens do not.
    pub via_oauth: bool,
}

impl Caller {
    pub fn require(&self, scope: &str) -> Result<(), ApiError> {
        if self.scopes.iter().any(|s| s == scope) {
            Ok(())
        } else {
            Err(ApiError::missing_scope(scope))
        }
    }
}

#[derive(Clone, Debug)]
pub struct IssuedAccess {
    pub user_id: String,
    pub scopes: Vec<String>,
    pub expires: Instant,
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

#[derive(Debug, Default)]
pub struct TokenStore {
    pub access: HashMap<String, IssuedAccess>,
    pub refresh: HashMap<String, IssuedRefresh>,
    pub codes: HashMap<String, PendingCode>,
}

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}
