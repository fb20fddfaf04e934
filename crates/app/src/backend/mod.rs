//! The seam between the UI and the server: the app defines what it needs, the server crate
//! implements it (so the app never depends on the server, and has no business logic).

use std::sync::Arc;

mod bulk;
mod enterprise;
mod reports;

pub use bulk::BulkBackend;
pub use enterprise::EnterpriseBackend;
pub use reports::ReportsBackend;

use crate::approvals::{
    ApprovalDetail, ApprovalListing, ApprovalRequest, OutboxEmail, PolicyRow, RequestOutcome,
    RiskyAction,
};
use crate::audit::query::AuditQuery;
use crate::directory::{
    BaseDetail, GroupDetail, GroupRow, SnapshotPage, WorkspaceDetail, WorkspaceRow,
};
use crate::people::{UserDetail, UserListing, UserQuery};

use crate::api::{
    ActionLogCheck, AdminsAt, AuditEventDetail, AuditSearchPage, AuditSyncStatus, ConsoleActionRow,
    ConsoleError, ConsoleUserRow, Overview, Role, SignedInUser, SnapshotDiff, SnapshotSummary,
};

#[async_trait::async_trait]
pub trait ConsoleBackend:
    EnterpriseBackend + ReportsBackend + BulkBackend + Send + Sync + 'static
{
    /// Enterprise figures for the overview page, read with the signed-in person's token.
    async fn overview(&self, who: &SignedInUser) -> Result<Overview, ConsoleError>;

    /// Everyone with a console role.
    async fn console_users(&self, who: &SignedInUser) -> Result<Vec<ConsoleUserRow>, ConsoleError>;

    /// Gives the enterprise admin with this email (or Airtable user id) a console role: at
    /// once, or (approver and admin, once the two-person rule holds) as a request for a
    /// second admin.
    async fn grant_role(
        &self,
        who: &SignedInUser,
        person: &str,
        role: Role,
    ) -> Result<RequestOutcome, ConsoleError>;

    /// Whether the two-person rule holds (the console has, or has had, two admins).
    async fn two_person_rule(&self) -> Result<bool, ConsoleError>;

    /// Takes a person's console role away; their sign-ins end at once.
    async fn revoke_role(
        &self,
        who: &SignedInUser,
        airtable_user_id: &str,
    ) -> Result<(), ConsoleError>;

    /// Where the audit-log copy stands.
    async fn audit_sync_status(&self, who: &SignedInUser) -> Result<AuditSyncStatus, ConsoleError>;

    /// Asks the ingester to run now (it picks the request up within seconds).
    async fn request_audit_sync(&self, who: &SignedInUser) -> Result<(), ConsoleError>;

    /// The console's own action log, newest first, before `before_seq` if given.
    async fn action_log(
        &self,
        who: &SignedInUser,
        before_seq: Option<i64>,
    ) -> Result<Vec<ConsoleActionRow>, ConsoleError>;

    /// Checks the action log's hash chain from the first row to the last.
    async fn verify_action_log(&self, who: &SignedInUser) -> Result<ActionLogCheck, ConsoleError>;

    /// Complete snapshots of the enterprise's state, newest first.
    async fn snapshots(&self, who: &SignedInUser) -> Result<Vec<SnapshotSummary>, ConsoleError>;

    /// Who was an admin at `at`, from the snapshot current then (`None`: no snapshot yet).
    async fn admins_at(
        &self,
        who: &SignedInUser,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<AdminsAt>, ConsoleError>;

    /// What changed between two snapshots.
    async fn snapshot_diff(
        &self,
        who: &SignedInUser,
        from: i64,
        to: i64,
    ) -> Result<SnapshotDiff, ConsoleError>;

    /// Asks for a snapshot now.
    async fn request_snapshot(&self, who: &SignedInUser) -> Result<(), ConsoleError>;

    /// One page of stored audit events matching `query`, newest first, starting after
    /// `cursor` (from the previous page).
    async fn search_audit(
        &self,
        who: &SignedInUser,
        query: &AuditQuery,
        cursor: Option<&str>,
    ) -> Result<AuditSearchPage, ConsoleError>;

    /// One stored event, whole (`None`: not in the console's copy).
    async fn audit_event(
        &self,
        who: &SignedInUser,
        id: &str,
    ) -> Result<Option<AuditEventDetail>, ConsoleError>;

    /// Asks for a risky action: a request for a second person, or (when an admin exempted
    /// the kind) done at once.
    async fn request_action(
        &self,
        who: &SignedInUser,
        action: RiskyAction,
        reason: &str,
    ) -> Result<RequestOutcome, ConsoleError>;

    async fn approvals(
        &self,
        who: &SignedInUser,
        listing: ApprovalListing,
    ) -> Result<Vec<ApprovalRequest>, ConsoleError>;

    /// A request with its preview recomputed now (`None`: no such request).
    async fn approval(
        &self,
        who: &SignedInUser,
        id: &str,
    ) -> Result<Option<ApprovalDetail>, ConsoleError>;

    /// Approves (or retries) a request and carries it out. `seen_call_hash` and
    /// `seen_fingerprint` are what the approver's page showed.
    async fn approve(
        &self,
        who: &SignedInUser,
        id: &str,
        seen_call_hash: &str,
        seen_fingerprint: &str,
        comment: &str,
        retry: bool,
    ) -> Result<ApprovalRequest, ConsoleError>;

    async fn reject(&self, who: &SignedInUser, id: &str, comment: &str)
        -> Result<(), ConsoleError>;

    async fn cancel(&self, who: &SignedInUser, id: &str) -> Result<(), ConsoleError>;

    /// Pending requests this person could approve (the badge).
    async fn waiting_approvals(&self, who: &SignedInUser) -> Result<i64, ConsoleError>;

    async fn approval_policy(&self, who: &SignedInUser) -> Result<Vec<PolicyRow>, ConsoleError>;

    /// Requiring approval happens at once; exempting a kind becomes a request for a second
    /// admin (deletions cannot be exempted at all).
    async fn set_approval_policy(
        &self,
        who: &SignedInUser,
        kind: &str,
        needs_approval: bool,
    ) -> Result<RequestOutcome, ConsoleError>;

    /// Emails the console wrote: to this person, or all of them for an admin.
    async fn outbox(&self, who: &SignedInUser) -> Result<Vec<OutboxEmail>, ConsoleError>;

    /// One page of the enterprise's workspaces whose name or id contains `q`, from the
    /// latest complete snapshot (page numbers start at 1).
    async fn workspaces(
        &self,
        who: &SignedInUser,
        q: &str,
        page: i64,
    ) -> Result<SnapshotPage<WorkspaceRow>, ConsoleError>;

    /// One page of the enterprise's groups whose name or id contains `q`, from the latest
    /// complete snapshot.
    async fn groups(
        &self,
        who: &SignedInUser,
        q: &str,
        page: i64,
    ) -> Result<SnapshotPage<GroupRow>, ConsoleError>;

    /// One workspace, read now from Airtable with the person's token.
    async fn workspace(
        &self,
        who: &SignedInUser,
        id: &str,
    ) -> Result<WorkspaceDetail, ConsoleError>;

    /// Creates a workspace in the enterprise (the person becomes its owner); returns its id.
    async fn create_workspace(
        &self,
        who: &SignedInUser,
        name: &str,
    ) -> Result<String, ConsoleError>;

    /// Gives a user or group (`usr…`/`ugp…`) access to a workspace.
    async fn add_workspace_collaborator(
        &self,
        who: &SignedInUser,
        workspace: &str,
        collaborator: &str,
        permission: &str,
    ) -> Result<(), ConsoleError>;

    /// Changes a workspace collaborator's permission.
    async fn update_workspace_collaborator(
        &self,
        who: &SignedInUser,
        workspace: &str,
        collaborator: &str,
        permission: &str,
    ) -> Result<(), ConsoleError>;

    /// Sets who may create invites and shares in a workspace.
    async fn update_workspace_restrictions(
        &self,
        who: &SignedInUser,
        workspace: &str,
        invites: &str,
        shares: &str,
    ) -> Result<(), ConsoleError>;

    /// One base, read now from Airtable with the person's token.
    async fn base(&self, who: &SignedInUser, id: &str) -> Result<BaseDetail, ConsoleError>;

    /// Enables an extension installed in a base (deleting needs approval).
    async fn enable_extension(
        &self,
        who: &SignedInUser,
        base: &str,
        installation: &str,
    ) -> Result<(), ConsoleError>;

    /// One group, read now from Airtable with the person's token.
    async fn group(&self, who: &SignedInUser, id: &str) -> Result<GroupDetail, ConsoleError>;

    /// Renames a group (through SCIM; logged).
    async fn rename_group(
        &self,
        who: &SignedInUser,
        id: &str,
        name: &str,
    ) -> Result<(), ConsoleError>;

    /// Adds a user to a group (through SCIM; logged). Taking one out needs approval.
    async fn add_group_member(
        &self,
        who: &SignedInUser,
        id: &str,
        user: &str,
    ) -> Result<(), ConsoleError>;

    /// One page of the enterprise's users from the latest complete snapshot, filtered and
    /// sorted as asked; a search naming exactly one user by ID or email says who.
    async fn users(
        &self,
        who: &SignedInUser,
        query: &UserQuery,
    ) -> Result<UserListing, ConsoleError>;

    /// One user, read now from Airtable with the person's token.
    async fn user(&self, who: &SignedInUser, id: &str) -> Result<UserDetail, ConsoleError>;

    /// Ends all of a user's Airtable sessions.
    async fn logout_user(&self, who: &SignedInUser, id: &str) -> Result<(), ConsoleError>;

    /// Changes a user's first and last name.
    async fn rename_user(
        &self,
        who: &SignedInUser,
        id: &str,
        first_name: &str,
        last_name: &str,
    ) -> Result<(), ConsoleError>;

    /// Changes a user's email address (Airtable ends their sessions).
    async fn change_user_email(
        &self,
        who: &SignedInUser,
        id: &str,
        email: &str,
    ) -> Result<(), ConsoleError>;

    /// Gives a user or group (`usr…`/`ugp…`) access to one base.
    async fn add_base_collaborator(
        &self,
        who: &SignedInUser,
        base: &str,
        collaborator: &str,
        permission: &str,
    ) -> Result<(), ConsoleError>;

    /// Changes the permission a user or group has on one base.
    async fn update_base_collaborator(
        &self,
        who: &SignedInUser,
        base: &str,
        collaborator: &str,
        permission: &str,
    ) -> Result<(), ConsoleError>;

    /// Makes a base with one table in a workspace; returns the base's id.
    async fn create_base(
        &self,
        who: &SignedInUser,
        workspace: &str,
        name: &str,
        table: &str,
    ) -> Result<String, ConsoleError>;
}

/// Shared handle the server provides to every render and server function as context.
pub type Backend = Arc<dyn ConsoleBackend>;

/// The backend, from the Leptos context the server set up for this request.
pub fn backend() -> Result<Backend, ConsoleError> {
    leptos::prelude::use_context::<Backend>()
        .ok_or_else(|| ConsoleError::Internal("backend-missing".into()))
}

/// The signed-in person for this request, or `NotSignedIn`.
pub fn signed_in_user() -> Result<SignedInUser, ConsoleError> {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<SignedInUser>().cloned())
        .ok_or(ConsoleError::NotSignedIn)
}

/// The signed-in person, provided their role allows `need`.
pub fn require_role(need: Role) -> Result<SignedInUser, ConsoleError> {
    let who = signed_in_user()?;
    if who.role.allows(need) {
        Ok(who)
    } else {
        Err(ConsoleError::Forbidden {
            have: who.role,
            need,
        })
    }
}

/// The signed-in person, provided their role allows `need` and the request carries their
/// CSRF token. Every server function that changes something starts with this (the server
/// also refuses such a request without the token before it gets here; this second check
/// keeps a function safe even if it is ever mounted elsewhere).
pub fn require_change(need: Role, csrf_token: &str) -> Result<SignedInUser, ConsoleError> {
    let who = require_role(need)?;
    if constant_time_eq(who.csrf_token.as_bytes(), csrf_token.as_bytes()) {
        Ok(who)
    } else {
        Err(ConsoleError::StaleForm)
    }
}

/// Compares secrets without an early exit, so timing does not tell how much matched.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Passes a server function's result through, setting the response's HTTP status from the
/// error (a refused request is a 403, not a 500) so logs and monitors tell them apart.
///
/// Not for a plain HTML form post (no wasm): leptos_axum answers that with a redirect back
/// to the page, which shows the error, and a status set here would replace the redirect's
/// and leave the browser on a bare error body.
pub fn with_status<T>(result: Result<T, ConsoleError>) -> Result<T, ConsoleError> {
    if result.is_err() && is_plain_form_post() {
        return result;
    }
    if let Err(error) = &result {
        if let (Some(response), Ok(status)) = (
            leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
            http::StatusCode::from_u16(error.http_status()),
        ) {
            response.set_status(status);
        }
    }
    result
}

/// Whether this request is a browser's own form submission (it accepts HTML and says where
/// it came from), which leptos_axum redirects back to the page it came from.
fn is_plain_form_post() -> bool {
    leptos::prelude::use_context::<http::request::Parts>().is_some_and(|parts| {
        let accepts_html = parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
        accepts_html && parts.headers.contains_key(http::header::REFERER)
    })
}
