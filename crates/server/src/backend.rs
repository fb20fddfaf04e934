//! The server side of the app's [`ConsoleBackend`]: where server functions' work is done.

use airtable_client::ids::UserId;
use airtable_client::AccessToken;
use chrono::Utc;
use console_app::{
    api::{
        ActionLogCheck, AdminsAt, AuditEventDetail, AuditSearchPage, AuditSyncStatus,
        ConsoleActionRow, ConsoleError, ConsoleUserRow, EmailDomain, Overview, Role, SignedInUser,
        SnapshotDiff, SnapshotSummary,
    },
    approvals::{
        ApprovalDetail, ApprovalListing, ApprovalRequest, OutboxEmail, PolicyRow, RequestOutcome,
        RiskyAction,
    },
    audit::query::AuditQuery,
    backend::ConsoleBackend,
    directory::{BaseDetail, GroupDetail, GroupRow, SnapshotPage, WorkspaceDetail, WorkspaceRow},
    people::{UserDetail, UserListing, UserQuery},
};
use sqlx::Row;

use crate::{
    action_log, approvals,
    approvals::workflow,
    audit::search,
    auth::logins,
    directory,
    error::{airtable_error, internal},
    people, roles, snapshots,
    state::{AppState, SignInMethod},
};

pub struct ServerBackend {
    pub state: AppState,
}

/// The longest a page or a form waits on Airtable's rate limit before it says so: in a 429
/// storm each retry waits ~30 s, and a person is better served by "try again in about 30
/// seconds" than by a page that hangs for minutes. Background work (bulk jobs, the audit
/// copy, snapshots) waits as long as the retry policy allows.
pub const INTERACTIVE_MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

impl ServerBackend {
    /// An Airtable client acting as the signed-in person, for a call they are waiting on:
    /// it gives up after [`INTERACTIVE_MAX_WAIT`] of waiting.
    pub(crate) async fn airtable_for(
        &self,
        who: &SignedInUser,
    ) -> Result<airtable_client::Client, ConsoleError> {
        Ok(self
            .airtable_for_job(who)
            .await?
            .with_max_wait(INTERACTIVE_MAX_WAIT))
    }

    /// An Airtable client acting as the signed-in person (their own token, refreshed if
    /// due), for work that runs in the background and may wait out the rate limit.
    pub(crate) async fn airtable_for_job(
        &self,
        who: &SignedInUser,
    ) -> Result<airtable_client::Client, ConsoleError> {
        let oauth = match &self.state.sign_in {
            SignInMethod::OAuth(oauth) => oauth.clone(),
            // Signed in through the proxy: everyone acts with the service token.
            SignInMethod::TrustedHeader(_) => {
                return self
                    .state
                    .service_airtable
                    .clone()
                    .ok_or_else(|| internal("service-account mode without a service token"));
            }
        };
        let login_id = who
            .login_id
            .as_deref()
            .and_then(|id| id.parse::<uuid::Uuid>().ok())
            .ok_or(ConsoleError::NotSignedIn)?;
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
    ) -> Result<RequestOutcome, ConsoleError> {
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
        let current = roles::current_role(&self.state.db, user.id.as_ref())
            .await
            .map_err(internal)?;
        // Raising someone to approver or admin weakens the two-person rule's guard: it is a
        // request for a second admin (the workflow grants it at once only while the console
        // has a single admin). Lowering a role, and viewer or operator, happen at once.
        if approvals::controls::needs_request(role) && current.is_none_or(|now| now < role) {
            let action = RiskyAction::GrantConsoleRole {
                user: user.id.clone(),
                email: user.email.clone(),
                role,
            };
            let reason = format!("{} asks to give {} the {role} role.", who.email, user.email);
            return workflow::request(&self.state, who, &airtable, action, &reason, Utc::now())
                .await;
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
        self.log_action(
            who,
            "roles.grant",
            Some(user.id.as_ref()),
            serde_json::json!({ "person": user.email, "role": role.as_str() }),
        )
        .await?;
        Ok(RequestOutcome::Done {
            outcome: format!("{} now has the {role} console role.", user.email),
        })
    }

    async fn two_person_rule(&self) -> Result<bool, ConsoleError> {
        roles::two_person_rule_holds(&self.state.db)
            .await
            .map_err(internal)
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
        let removed = roles::remove(&self.state.db, airtable_user_id, &who.email)
            .await
            .map_err(internal)?;
        if !removed {
            return Err(ConsoleError::NotFound(format!(
                "{airtable_user_id} has no console role"
            )));
        }
        tracing::info!(by = %who.airtable_user_id, person = %airtable_user_id, "console role removed");
        self.log_action(
            who,
            "roles.revoke",
            Some(airtable_user_id),
            serde_json::json!({}),
        )
        .await
    }

    async fn audit_sync_status(
        &self,
        _who: &SignedInUser,
    ) -> Result<AuditSyncStatus, ConsoleError> {
        crate::audit::status::read(&self.state.db, self.state.audit_ingester.is_some())
            .await
            .map_err(internal)
    }

    async fn request_audit_sync(&self, who: &SignedInUser) -> Result<(), ConsoleError> {
        if self.state.audit_ingester.is_none() {
            return Err(ConsoleError::Invalid(
                "The audit log cannot be copied: the console has no service token (AIRTABLE_SERVICE_TOKEN).".into(),
            ));
        }
        crate::audit::status::request_run(&self.state.db, &who.email)
            .await
            .map_err(internal)?;
        self.log_action(who, "audit.sync_now", None, serde_json::json!({}))
            .await
    }

    async fn action_log(
        &self,
        _who: &SignedInUser,
        before_seq: Option<i64>,
    ) -> Result<Vec<ConsoleActionRow>, ConsoleError> {
        action_log::recent(&self.state.db, ACTION_LOG_PAGE, before_seq)
            .await
            .map_err(internal)
    }

    async fn verify_action_log(&self, _who: &SignedInUser) -> Result<ActionLogCheck, ConsoleError> {
        let verdict = self
            .state
            .action_log
            .verify(&self.state.db)
            .await
            .map_err(internal)?;
        let mut notes = Vec::new();
        if action_log::role_can_change_log(&self.state.db)
            .await
            .map_err(internal)?
        {
            notes.push(
                "The console's own database role can change or delete rows of this log: the keyed chain and the witness still detect it, but give the console a role of its own (README: Database roles).".to_string(),
            );
        }
        Ok(match verdict {
            action_log::Verification::Intact {
                rows,
                legacy_rows,
                witness,
            } => {
                if legacy_rows > 0 {
                    notes.push(format!(
                        "{legacy_rows} rows were written before the log was keyed (plain SHA-256)."
                    ));
                }
                notes.push(match witness {
                    Some(w) => format!(
                        "Checked against {} witness record(s) kept outside the database{}.",
                        w.records,
                        w.newest
                            .map(|(seq, at)| format!(", the newest for row {seq} at {at}"))
                            .unwrap_or_default()
                    ),
                    None => "No witness file was found: deleting the newest rows or emptying the log could not be detected.".to_string(),
                });
                ActionLogCheck {
                    intact: true,
                    rows,
                    problem: None,
                    notes,
                }
            }
            action_log::Verification::Broken { seq, problem } => ActionLogCheck {
                intact: false,
                rows: seq,
                problem: Some(problem),
                notes,
            },
        })
    }

    async fn snapshots(&self, _who: &SignedInUser) -> Result<Vec<SnapshotSummary>, ConsoleError> {
        snapshots::list(&self.state.db, 200).await.map_err(internal)
    }

    async fn admins_at(
        &self,
        _who: &SignedInUser,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<AdminsAt>, ConsoleError> {
        Ok(snapshots::admins_at(&self.state.db, at)
            .await
            .map_err(internal)?
            .map(|(snapshot, admins)| AdminsAt { snapshot, admins }))
    }

    async fn snapshot_diff(
        &self,
        _who: &SignedInUser,
        from: i64,
        to: i64,
    ) -> Result<SnapshotDiff, ConsoleError> {
        snapshots::diff(&self.state.db, from, to)
            .await
            .map_err(internal)
    }

    async fn request_snapshot(&self, who: &SignedInUser) -> Result<(), ConsoleError> {
        if self.state.service_airtable.is_none() {
            return Err(ConsoleError::Invalid(
                "Snapshots need the console's service token (AIRTABLE_SERVICE_TOKEN).".into(),
            ));
        }
        snapshots::request(&self.state.db, &who.email)
            .await
            .map_err(internal)?;
        self.log_action(who, "snapshots.take", None, serde_json::json!({}))
            .await
    }

    async fn search_audit(
        &self,
        _who: &SignedInUser,
        query: &AuditQuery,
        cursor: Option<&str>,
    ) -> Result<AuditSearchPage, ConsoleError> {
        let after = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(text) => Some(search::SearchCursor::decode(text).ok_or_else(|| {
                ConsoleError::Invalid(
                    "This link to a page of results is damaged: start the search again.".into(),
                )
            })?),
        };
        let (mut events, next) =
            search::search(&self.state.db, query, after.as_ref(), search::PAGE_SIZE)
                .await
                .map_err(internal)?;
        crate::names::label_events(&self.state.db, &mut events)
            .await
            .map_err(internal)?;
        Ok(AuditSearchPage {
            query: query.to_string(),
            events,
            next_cursor: next.map(|c| c.encode()),
        })
    }

    async fn audit_event(
        &self,
        _who: &SignedInUser,
        id: &str,
    ) -> Result<Option<AuditEventDetail>, ConsoleError> {
        search::event(&self.state.db, id).await.map_err(internal)
    }

    async fn request_action(
        &self,
        who: &SignedInUser,
        action: RiskyAction,
        reason: &str,
    ) -> Result<RequestOutcome, ConsoleError> {
        let airtable = self.airtable_for(who).await?;
        workflow::request(&self.state, who, &airtable, action, reason, Utc::now()).await
    }

    async fn approvals(
        &self,
        who: &SignedInUser,
        listing: ApprovalListing,
    ) -> Result<Vec<ApprovalRequest>, ConsoleError> {
        workflow::list(&self.state, who, listing, Utc::now()).await
    }

    async fn approval(
        &self,
        who: &SignedInUser,
        id: &str,
    ) -> Result<Option<ApprovalDetail>, ConsoleError> {
        let airtable = self.airtable_for(who).await?;
        workflow::detail(&self.state, who, &airtable, id, Utc::now()).await
    }

    async fn approve(
        &self,
        who: &SignedInUser,
        id: &str,
        seen_call_hash: &str,
        seen_fingerprint: &str,
        comment: &str,
        retry: bool,
    ) -> Result<ApprovalRequest, ConsoleError> {
        // The approver's own Airtable authority carries the action out.
        let airtable = self.airtable_for(who).await?;
        let decision = workflow::Decision {
            id,
            seen_call_hash,
            seen_fingerprint,
            comment,
            retry,
        };
        workflow::approve(&self.state, who, &airtable, decision, Utc::now()).await
    }

    async fn reject(
        &self,
        who: &SignedInUser,
        id: &str,
        comment: &str,
    ) -> Result<(), ConsoleError> {
        workflow::reject(&self.state, who, id, comment, Utc::now()).await
    }

    async fn cancel(&self, who: &SignedInUser, id: &str) -> Result<(), ConsoleError> {
        workflow::cancel(&self.state, who, id, Utc::now()).await
    }

    async fn waiting_approvals(&self, who: &SignedInUser) -> Result<i64, ConsoleError> {
        workflow::waiting_count(&self.state, who, Utc::now()).await
    }

    async fn approval_policy(&self, _who: &SignedInUser) -> Result<Vec<PolicyRow>, ConsoleError> {
        let exempt = approvals::store::exempt_kinds(&self.state.db)
            .await
            .map_err(internal)?;
        let waiting = approvals::store::open_exemptions(&self.state.db)
            .await
            .map_err(internal)?;
        Ok(console_app::approvals::policy_kinds()
            .map(|kind| {
                let (locked, label, kind) = (kind.is_locked(), kind.label(), kind.name());
                PolicyRow {
                    kind: kind.to_string(),
                    label: label.to_string(),
                    needs_approval: locked || !exempt.iter().any(|e| e == kind),
                    locked,
                    exemption_request: waiting
                        .iter()
                        .find(|(k, _)| k == kind)
                        .map(|(_, id)| id.to_string()),
                }
            })
            .collect())
    }

    async fn set_approval_policy(
        &self,
        who: &SignedInUser,
        kind: &str,
        needs_approval: bool,
    ) -> Result<RequestOutcome, ConsoleError> {
        if console_app::approvals::kind_named(kind).is_none_or(|k| k.is_console_control()) {
            return Err(ConsoleError::Invalid(format!(
                "{kind:?} is not a kind of action the console knows."
            )));
        }
        if !needs_approval {
            // Weakening the rule: a request that a second admin must approve. The workflow
            // refuses it outright for the locked kinds (deletions).
            let airtable = self.airtable_for(who).await?;
            let action = RiskyAction::ExemptFromApproval {
                exempted: kind.to_string(),
            };
            let reason = format!(
                "{} asks that \"{}\" no longer need a second person.",
                who.email,
                console_app::approvals::kind_label(kind)
            );
            return workflow::request(&self.state, who, &airtable, action, &reason, Utc::now())
                .await;
        }
        // Tightening happens at once.
        approvals::store::set_policy(&self.state.db, kind, true, &who.email)
            .await
            .map_err(internal)?;
        self.log_action(
            who,
            "approvals.policy",
            Some(kind),
            serde_json::json!({ "needs_approval": true }),
        )
        .await?;
        Ok(RequestOutcome::Done {
            outcome: format!(
                "\"{}\" needs a second person again.",
                console_app::approvals::kind_label(kind)
            ),
        })
    }

    async fn outbox(&self, who: &SignedInUser) -> Result<Vec<OutboxEmail>, ConsoleError> {
        let everyone = who.role.allows(Role::Admin);
        let rows = sqlx::query(
            "SELECT id, created_at, to_email, subject, body, sent_at FROM outbox
              WHERE $1 OR lower(to_email) = lower($2) ORDER BY id DESC LIMIT 200",
        )
        .bind(everyone)
        .bind(&who.email)
        .fetch_all(&self.state.db)
        .await
        .map_err(internal)?;
        rows.iter()
            .map(|r| {
                Ok(OutboxEmail {
                    id: r.try_get("id")?,
                    created_at: r.try_get("created_at")?,
                    to: r.try_get("to_email")?,
                    subject: r.try_get("subject")?,
                    body: r.try_get("body")?,
                    sent_at: r.try_get("sent_at")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(internal)
    }

    async fn workspaces(
        &self,
        _who: &SignedInUser,
        q: &str,
        page: i64,
    ) -> Result<SnapshotPage<WorkspaceRow>, ConsoleError> {
        directory::workspaces(&self.state.db, q, page).await
    }

    async fn groups(
        &self,
        _who: &SignedInUser,
        q: &str,
        page: i64,
    ) -> Result<SnapshotPage<GroupRow>, ConsoleError> {
        directory::groups(&self.state.db, q, page).await
    }

    async fn workspace(
        &self,
        who: &SignedInUser,
        id: &str,
    ) -> Result<WorkspaceDetail, ConsoleError> {
        let airtable = self.airtable_for(who).await?;
        directory::workspace(&airtable, id).await
    }

    async fn create_workspace(
        &self,
        who: &SignedInUser,
        name: &str,
    ) -> Result<String, ConsoleError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(ConsoleError::Invalid(
                "Give the new workspace a name (at most 200 characters).".into(),
            ));
        }
        let airtable = self.airtable_for(who).await?;
        let created = airtable
            .enterprise(&self.state.enterprise_id)
            .create_workspace(name)
            .await
            .map_err(airtable_error)?;
        let id = created.id.to_string();
        self.log_action(
            who,
            "workspaces.create",
            Some(&id),
            serde_json::json!({ "name": name }),
        )
        .await?;
        Ok(id)
    }

    async fn add_workspace_collaborator(
        &self,
        who: &SignedInUser,
        workspace: &str,
        collaborator: &str,
        permission: &str,
    ) -> Result<(), ConsoleError> {
        let airtable = self.airtable_for(who).await?;
        let (wid, whom, level) =
            directory::add_workspace_collaborator(&airtable, workspace, collaborator, permission)
                .await?;
        self.log_action(
            who,
            "workspaces.add_collaborator",
            Some(wid.as_str()),
            serde_json::json!({ "collaborator": whom.as_str(), "permission": level.as_str() }),
        )
        .await
    }

    async fn update_workspace_collaborator(
        &self,
        who: &SignedInUser,
        workspace: &str,
        collaborator: &str,
        permission: &str,
    ) -> Result<(), ConsoleError> {
        let airtable = self.airtable_for(who).await?;
        let (wid, whom, level) = directory::update_workspace_collaborator(
            &airtable,
            workspace,
            collaborator,
            permission,
        )
        .await?;
        self.log_action(
            who,
            "workspaces.update_collaborator",
            Some(wid.as_str()),
            serde_json::json!({ "collaborator": whom.as_str(), "permission": level.as_str() }),
        )
        .await
    }

    async fn update_workspace_restrictions(
        &self,
        who: &SignedInUser,
        workspace: &str,
        invites: &str,
        shares: &str,
    ) -> Result<(), ConsoleError> {
        let airtable = self.airtable_for(who).await?;
        let (wid, invites, shares) =
            directory::update_workspace_restrictions(&airtable, workspace, invites, shares).await?;
        self.log_action(
            who,
            "workspaces.update_restrictions",
            Some(wid.as_str()),
            serde_json::json!({
                "invite_creation": invites.as_str(),
                "share_creation": shares.as_str(),
            }),
        )
        .await
    }

    async fn base(&self, who: &SignedInUser, id: &str) -> Result<BaseDetail, ConsoleError> {
        let airtable = self.airtable_for(who).await?;
        directory::base(&airtable, id).await
    }

    async fn add_base_collaborator(
        &self,
        who: &SignedInUser,
        base: &str,
        collaborator: &str,
        permission: &str,
    ) -> Result<(), ConsoleError> {
        let airtable = self.airtable_for(who).await?;
        let (bid, whom, level) =
            directory::add_base_collaborator(&airtable, base, collaborator, permission).await?;
        self.log_action(
            who,
            "bases.add_collaborator",
            Some(&format!("{bid}/{whom}")),
            serde_json::json!({ "base": bid.as_str(), "collaborator": whom.to_string(), "permission": level.to_string() }),
        )
        .await
    }

    async fn update_base_collaborator(
        &self,
        who: &SignedInUser,
        base: &str,
        collaborator: &str,
        permission: &str,
    ) -> Result<(), ConsoleError> {
        let airtable = self.airtable_for(who).await?;
        let (bid, whom, level) =
            directory::update_base_collaborator(&airtable, base, collaborator, permission).await?;
        self.log_action(
            who,
            "bases.update_collaborator",
            Some(&format!("{bid}/{whom}")),
            serde_json::json!({ "base": bid.as_str(), "collaborator": whom.to_string(), "permission": level.to_string() }),
        )
        .await
    }

    async fn create_base(
        &self,
        who: &SignedInUser,
        workspace: &str,
        name: &str,
        table: &str,
    ) -> Result<String, ConsoleError> {
        let airtable = self.airtable_for(who).await?;
        let (wid, bid) = directory::create_base(&airtable, workspace, name, table).await?;
        self.log_action(
            who,
            "bases.create",
            Some(bid.as_str()),
            serde_json::json!({ "workspace": wid.as_str(), "name": name.trim(), "table": table.trim() }),
        )
        .await?;
        Ok(bid.to_string())
    }

    async fn enable_extension(
        &self,
        who: &SignedInUser,
        base: &str,
        installation: &str,
    ) -> Result<(), ConsoleError> {
        let airtable = self.airtable_for(who).await?;
        let (bid, xid) = directory::enable_extension(&airtable, base, installation).await?;
        self.log_action(
            who,
            "bases.enable_extension",
            Some(&format!("{bid}/{xid}")),
            serde_json::json!({ "base": bid.as_str(), "installation": xid.as_str() }),
        )
        .await
    }

    async fn group(&self, who: &SignedInUser, id: &str) -> Result<GroupDetail, ConsoleError> {
        let airtable = self.airtable_for(who).await?;
        directory::group(&airtable, id).await
    }

    async fn rename_group(
        &self,
        who: &SignedInUser,
        id: &str,
        name: &str,
    ) -> Result<(), ConsoleError> {
        let airtable = self.airtable_for(who).await?;
        let kept = crate::groups::rename(&airtable, id, name).await?;
        self.log_action(
            who,
            "groups.rename",
            Some(id.trim()),
            serde_json::json!({ "name": kept }),
        )
        .await
    }

    async fn add_group_member(
        &self,
        who: &SignedInUser,
        id: &str,
        user: &str,
    ) -> Result<(), ConsoleError> {
        let airtable = self.airtable_for(who).await?;
        let added = crate::groups::add_member(&airtable, id, user).await?;
        self.log_action(
            who,
            "groups.add_member",
            Some(id.trim()),
            serde_json::json!({ "user": added.as_str() }),
        )
        .await
    }

    async fn users(
        &self,
        who: &SignedInUser,
        query: &UserQuery,
    ) -> Result<UserListing, ConsoleError> {
        let mut listing = people::list(&self.state.db, query).await?;
        // Someone newer than the snapshot is still found by exact ID or email.
        if let (None, Some(key)) = (&listing.exact, people::exact_key(&query.q)) {
            let airtable = self.airtable_for(who).await?;
            listing.exact = people::find_live(&airtable, &self.state.enterprise_id, key).await?;
        }
        Ok(listing)
    }

    async fn user(&self, who: &SignedInUser, id: &str) -> Result<UserDetail, ConsoleError> {
        let airtable = self.airtable_for(who).await?;
        people::user(&airtable, &self.state.db, &self.state.enterprise_id, id).await
    }

    async fn logout_user(&self, who: &SignedInUser, id: &str) -> Result<(), ConsoleError> {
        let airtable = self.airtable_for(who).await?;
        let user = people::logout(&airtable, &self.state.enterprise_id, id).await?;
        self.log_action(
            who,
            "users.logout",
            Some(user.as_str()),
            serde_json::json!({}),
        )
        .await
    }

    async fn rename_user(
        &self,
        who: &SignedInUser,
        id: &str,
        first_name: &str,
        last_name: &str,
    ) -> Result<(), ConsoleError> {
        let airtable = self.airtable_for(who).await?;
        let (user, first, last) = people::rename(
            &airtable,
            &self.state.enterprise_id,
            id,
            first_name,
            last_name,
        )
        .await?;
        self.log_action(
            who,
            "users.rename",
            Some(user.as_str()),
            serde_json::json!({ "first_name": first, "last_name": last }),
        )
        .await
    }

    async fn change_user_email(
        &self,
        who: &SignedInUser,
        id: &str,
        email: &str,
    ) -> Result<(), ConsoleError> {
        let airtable = self.airtable_for(who).await?;
        let (user, email) =
            people::change_email(&airtable, &self.state.enterprise_id, id, email).await?;
        self.log_action(
            who,
            "users.change_email",
            Some(user.as_str()),
            serde_json::json!({ "email": email }),
        )
        .await
    }
}

/// Rows per page of the action log.
const ACTION_LOG_PAGE: i64 = 50;

impl ServerBackend {
    /// Records a change someone made (that succeeded) in the hash-chained action log.
    pub(crate) async fn log_action(
        &self,
        who: &SignedInUser,
        action: &str,
        target: Option<&str>,
        details: serde_json::Value,
    ) -> Result<(), ConsoleError> {
        self.state
            .action_log
            .record(
                &self.state.db,
                action_log::NewAction {
                    actor_id: &who.airtable_user_id,
                    actor_email: &who.email,
                    action,
                    target,
                    details,
                    approval_id: None,
                    outcome: action_log::Outcome::Ok,
                    response: None,
                },
            )
            .await
            .map(|_| ())
            .map_err(internal)
    }
}
