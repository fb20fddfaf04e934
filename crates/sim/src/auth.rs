//! Who is calling: the fixed personal access token, a personal access token minted through
//! `POST /_sim/tokens`, or an OAuth access token, with scopes.

use std::{net::SocketAddr, sync::Arc, time::Instant};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{header, request::Parts, HeaderMap},
};

use crate::{
    error::ApiError,
    state::{
        audit::{Actor, Doer, Origin},
        UserState, World,
    },
    Sim,
};

/// Every scope the simulator knows; the fixed token has them all.
pub const ALL_SCOPES: &[&str] = &[
    "data.records:read",
    "data.records:write",
    "data.recordComments:read",
    "data.recordComments:write",
    "schema.bases:read",
    "schema.bases:write",
    "webhook:manage",
    "block:manage",
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
];

/// The id the fixed token has in audit events and token lists.
pub const FIXED_TOKEN_ID: &str = "patSimFixedToken0";

#[derive(Clone, Debug)]
pub struct Caller {
    pub user_id: String,
    pub scopes: Vec<String>,
    /// OAuth tokens report their scopes in `whoami`; personal access tokens do not.
    pub via_oauth: bool,
    pub token_id: String,
    pub ip: String,
    pub user_agent: String,
}

impl Caller {
    pub fn require(&self, scope: &str) -> Result<(), ApiError> {
        if self.scopes.iter().any(|s| s == scope) {
            Ok(())
        } else {
            Err(ApiError::missing_scope(scope))
        }
    }

    /// Holds `scope` and is an admin of the enterprise `enterprise_id` (or of its root).
    pub fn require_admin(
        &self,
        world: &World,
        enterprise_id: &str,
        scope: &str,
    ) -> Result<(), ApiError> {
        self.require(scope)?;
        self.require_admin_of(world, enterprise_id)
    }

    pub fn require_admin_of(&self, world: &World, enterprise_id: &str) -> Result<(), ApiError> {
        let is_admin = world
            .user(&self.user_id)
            .is_some_and(|u| u.is_admin && u.state == UserState::Provisioned);
        if !is_admin || !world.is_known_enterprise(enterprise_id) {
            return Err(ApiError::not_admin());
        }
        Ok(())
    }

    /// An admin of the simulated enterprise, for routes without an enterprise in the path.
    pub fn require_any_admin(&self, world: &World, scope: &str) -> Result<(), ApiError> {
        let root = world.enterprise.id.clone();
        self.require_admin(world, &root, scope)
    }

    /// The actor and origin to write in audit events.
    pub fn doer(&self, world: &World) -> Doer {
        let actor = match world.user(&self.user_id) {
            Some(u) => Actor::User {
                id: u.id.clone(),
                email: u.email.clone(),
                name: u.name(),
            },
            None => Actor::System,
        };
        let mut origin = Origin {
            ip_address: self.ip.clone(),
            user_agent: self.user_agent.clone(),
            ..Origin::default()
        };
        if self.via_oauth {
            origin.oauth_access_token_id = Some(self.token_id.clone());
        } else {
            origin.personal_access_token_id = Some(self.token_id.clone());
        }
        Doer { actor, origin }
    }
}

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

pub fn client_ip(parts: &Parts) -> String {
    if let Some(forwarded) = parts
        .headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
    {
        return forwarded.trim().to_string();
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "127.0.0.1".into())
}

impl FromRequestParts<Arc<Sim>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, sim: &Arc<Sim>) -> Result<Self, ApiError> {
        let token = bearer(&parts.headers)
            .ok_or_else(ApiError::unauthorized)?
            .to_string();
        let ip = client_ip(parts);
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let (user_id, scopes, via_oauth, token_id) = if token == sim.config.token {
            (
                sim.fixed_token_user.clone(),
                ALL_SCOPES.iter().map(|s| s.to_string()).collect(),
                false,
                FIXED_TOKEN_ID.to_string(),
            )
        } else {
            let tokens = sim.tokens.lock().await;
            if let Some(personal) = tokens.personal(&token) {
                (
                    personal.user_id.clone(),
                    personal.scopes.clone(),
                    false,
                    personal.token_id.clone(),
                )
            } else {
                let grant = tokens
                    .access
                    .get(&token)
                    .ok_or_else(ApiError::unauthorized)?;
                if grant.expires <= Instant::now() {
                    return Err(ApiError::unauthorized());
                }
                (
                    grant.user_id.clone(),
                    grant.scopes.clone(),
                    true,
                    grant.token_id.clone(),
                )
            }
        };
        // Deleted and deactivated people cannot use the API.
        {
            let world = sim.world.read().await;
            match world.user(&user_id) {
                Some(u) if u.state == UserState::Provisioned => {}
                _ => return Err(ApiError::unauthorized()),
            }
        }
        Ok(Caller {
            user_id,
            scopes,
            via_oauth,
            token_id,
            ip,
            user_agent,
        })
    }
}
