//! The server side of the app's [`ConsoleBackend`]: where server functions' work is done.

use airtable_client::ids::UserId;
use airtable_client::AccessToken;
use console_app::{
    api::{ConsoleError, ConsoleUserRow, EmailDomain, Overview, Role, SignedInUser},
    backend::ConsoleBackend,
};

use crate::{auth::logins, roles, state::AppState};

pub struct ServerBackend {
    pub state: AppState,
}

impl ServerBackend {
    /// An Airtable client acting as the signed-in person (their own token, refreshed if due).
    async fn airtable_for(
        &self,
        who: &SignedInUser,
    ) -> Result<airtable_client::Client, ConsoleError> {
        let login_id = who
            .login_id
            .as_deref()
            .and_then(|id| id.parse::<uuid::Uuid>().ok())
            .ok_or(ConsoleError::NotSignedIn)?;
        let oauth = self.state.oauth.clone();
        let token = logins::access_token(
            &self.state.db,
            &self.state.cipher,
            login_id,
            |refresh| async move { oauth.refresh(refresh).await },
        )
        .await
        .map_err(|error| match error {
            logins::TokenError::Ended | logins::TokenError::RefreshFailed(_) => {
                ConsoleError::NotSignedIn
            }
            other => internal(other),
        })?;
        Ok(self.state.airtable.with_token(AccessToken::new(token)))
    }
}

/// Logs an unexpected failure under a short reference and returns only the reference.
pub fn internal(error: impl std::fmt::Display) -> ConsoleError {
    let reference = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    tracing::error!(%reference, %error, "internal error");
    ConsoleError::Internal(reference)
}

pub fn airtable_error(error: airtable_client::Error) -> ConsoleError {
    tracing::warn!(%error, "Airtable call failed");
    ConsoleError::Airtable(error.user_message())
}

#[async_trait::async_trait]
impl ConsoleBackend for ServerBackend {
    async fn overview(&self, who: &SignedInUser) -> Result<Overview, ConsoleError> {
        let airtable = self.airtable_for(who).await?;
        let info = airtable
            .enterprise(&self.state.enterprise_id)
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
        let display_name = self
            .state
            .settings
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

    async fn console_users(
        &self,
        _who: &SignedInUser,
    ) -> Result<Vec<ConsoleUserRow>, ConsoleError> {
        roles::list(&self.state.db).await.map_err(internal)
    }

    async fn grant_role(
        &self,
        who: &SignedInUser,
        person: &str,
        role: Role,
    ) -> Result<(), ConsoleError> {
        let airtable = self.airtable_for(who).await?;
        let users = airtable.enterprise(&self.state.enterprise_id).users();
        let lookup = if person.starts_with("usr") {
            let id: UserId = person.parse().map_err(|e| {
                ConsoleError::Invalid(format!("{person:?} is not an Airtable user id: {e}"))
            })?;
            users.by_ids([id])
        } else if person.contains('@') {
            users.by_emails([person.to_string()])
        } else {
            return Err(ConsoleError::Invalid(format!(
                "{person:?} is neither an email address nor an Airtable user id (usr…)."
            )));
        };
        let found = lookup.send().await.map_err(airtable_error)?;
        let Some(user) = found.into_iter().next() else {
            return Err(ConsoleError::NotFound(format!(
                "no user {person} in this enterprise"
            )));
        };
        if !user.is_admin.unwrap_or(false) {
            return Err(ConsoleError::Invalid(format!(
                "{} is not an admin of this enterprise, and only enterprise admins can sign in to the console.",
                user.email
            )));
        }
        if user.id.as_ref() == who.airtable_user_id {
            return Err(ConsoleError::Invalid(
                "You cannot change your own role; ask another admin.".into(),
            ));
        }
        roles::grant_role(
            &self.state.db,
            user.id.as_ref(),
            &user.email,
            &user.name,
            role,
            Some(&who.email),
        )
        .await
        .map_err(internal)?;
        tracing::info!(by = %who.airtable_user_id, person = %user.id, role = role.as_str(), "console role granted");
        Ok(())
    }

    async fn revoke_role(
        &self,
        who: &SignedInUser,
        airtable_user_id: &str,
    ) -> Result<(), ConsoleError> {
        if airtable_user_id == who.airtable_user_id {
            return Err(ConsoleError::Invalid(
                "You cannot remove your own role; ask another admin.".into(),
            ));
        }
        let removed = roles::remove(&self.state.db, airtable_user_id)
            .await
            .map_err(internal)?;
        if !removed {
            return Err(ConsoleError::NotFound(format!(
                "{airtable_user_id} has no console role"
            )));
        }
        tracing::info!(by = %who.airtable_user_id, person = %airtable_user_id, "console role removed");
        Ok(())
    }
}
