//! Types that cross the wire between the server functions and the browser.

use serde::{Deserialize, Serialize};

/// The console roles, weakest first. Each role can do everything the ones before it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads everything and searches the audit history.
    Viewer,
    /// Makes non-destructive changes and requests destructive ones.
    Operator,
    /// Also approves other people's requests.
    Approver,
    /// Also manages roles and settings.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Operator, Role::Approver, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Approver => "approver",
            Role::Admin => "admin",
        }
    }

    /// Whether someone holding `self` may act where `required` is needed.
    pub fn allows(self, required: Role) -> bool {
        self >= required
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!("unknown role {s:?}: expected viewer, operator, approver or admin")
            })
    }
}

/// The person behind the current request, as the server's session layer established it.
/// Inserted into the request's extensions by the server; read by server functions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInUser {
    pub airtable_user_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// Synchroniser token for forms that post outside server functions (sign out).
    pub csrf_token: String,
    /// The server's handle on this sign-in (where its tokens are kept). Never sent to the
    /// browser.
    #[serde(skip)]
    pub login_id: Option<String>,
    /// Approval requests waiting for this person (the badge); filled in by `whoami`.
    #[serde(default)]
    pub waiting_approvals: i64,
    /// When this person last signed in through Airtable (the step-up check before approving
    /// compares it with `CONSOLE_APPROVAL_REAUTH_MINUTES`).
    pub signed_in_at: chrono::DateTime<chrono::Utc>,
    /// Whether the two-person rule holds: `false` while the console has fewer than two
    /// admins (bootstrap), when one admin can still grant roles alone. Filled in by `whoami`.
    #[serde(default = "rule_holds_by_default")]
    pub two_person_rule: bool,
}

/// A person read without `whoami` is not told the rule is off: only `whoami` says so.
fn rule_holds_by_default() -> bool {
    true
}

/// What the overview page shows about the enterprise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub enterprise_id: String,
    pub display_name: String,
    pub email_domains: Vec<EmailDomain>,
    pub user_count: usize,
    pub group_count: usize,
    pub workspace_count: usize,
    pub descendant_count: usize,
    /// When the figures were read from Airtable (RFC 3339).
    pub as_of: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailDomain {
    pub domain: String,
    pub sso_required: bool,
}

/// Errors a server function reports to the page, in words an IT person can act on.
/// Internals (SQL, stack traces, tokens) never travel in these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ConsoleError {
    #[error("You are not signed in, or your session has ended. Sign in again.")]
    NotSignedIn,
    #[error("Your console role ({have}) does not allow this; it needs {need}.")]
    Forbidden { have: Role, need: Role },
    #[error("Airtable: {0}")]
    Airtable(String),
    #[error(
        "Something went wrong on the server (reference {0}). Try again; if it persists, tell your console administrator."
    )]
    Internal(String),
    #[error("The request could not be completed: {0}")]
    Transport(String),
    #[error("{0}")]
    Invalid(String),
    #[error("Not found: {0}")]
    NotFound(String),
    /// Refused for a reason other than the role (e.g. approving one's own request).
    #[error("{0}")]
    NotAllowed(String),
    /// The request is valid but the thing it acts on is not in a state that allows it
    /// (e.g. approving a request someone else already approved).
    #[error("{0}")]
    Conflict(String),
    #[error(
        "This form has expired or did not come from the console. Reload the page and try again."
    )]
    StaleForm,
    /// The console's own database is not answering (down or restarting): nothing was
    /// changed, and trying again in a minute is the remedy.
    #[error(
        "The console's database is not answering right now, so nothing was changed. Try again in a minute."
    )]
    Unavailable,
    /// A decision needs a recent sign-in (step-up): the person must sign in again through
    /// Airtable, then come back to `return_to`.
    #[error(
        "Approving or rejecting needs a recent sign-in: yours is older than {minutes} minutes. Sign in again, then decide."
    )]
    SignInAgain { minutes: u64, return_to: String },
}

impl ConsoleError {
    /// The HTTP status a server function answers with when it fails this way.
    pub fn http_status(&self) -> u16 {
        match self {
            ConsoleError::NotSignedIn | ConsoleError::SignInAgain { .. } => 401,
            ConsoleError::Forbidden { .. }
            | ConsoleError::StaleForm
            | ConsoleError::NotAllowed(_) => 403,
            ConsoleError::Conflict(_) => 409,
            ConsoleError::NotFound(_) => 404,
            ConsoleError::Invalid(_) | ConsoleError::Transport(_) => 422,
            ConsoleError::Airtable(_) => 502,
            ConsoleError::Internal(_) => 500,
            ConsoleError::Unavailable => 503,
        }
    }
}

impl leptos::server_fn::error::FromServerFnError for ConsoleError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            // The request itself was malformed (a hand-made URL, a forged form): say so.
            E::Args(why) | E::MissingArg(why) | E::Deserialization(why) => ConsoleError::Invalid(
                format!("The request's values are not valid ({why}). Go back and try again."),
            ),
            other => ConsoleError::Transport(other.to_string()),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A person with a console role, as the roles page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleUserRow {
    pub airtable_user_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub granted_by: Option<String>,
    /// RFC 3339, UTC.
    pub updated_at: String,
}

/// Where the copy of the Airtable audit log stands, for the sync card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditSyncStatus {
    /// False when the background jobs have no token (`AIRTABLE_SERVICE_TOKEN`).
    pub configured: bool,
    pub events_stored: i64,
    /// Time of the newest stored event.
    pub last_event_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Where the first run started reading.
    pub backfill_from: Option<chrono::DateTime<chrono::Utc>>,
    pub backfill_done: bool,
    /// A run is under way right now.
    pub running: bool,
    pub run_started_at: Option<chrono::DateTime<chrono::Utc>>,
    pub run_pages: i64,
    pub run_events: i64,
    /// During the first run: how far the backfill has come, 0–100.
    pub backfill_percent: Option<u8>,
    pub last_success_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The last run's failure in plain words, if it failed.
    pub last_error: Option<String>,
    pub last_error_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Someone asked for a run and it has not started yet.
    pub requested: bool,
    /// When this status was read (lag is measured against it).
    pub as_of: chrono::DateTime<chrono::Utc>,
}

impl AuditSyncStatus {
    /// How far the newest stored event is behind `as_of`.
    pub fn lag(&self) -> Option<chrono::Duration> {
        self.last_event_at.map(|t| self.as_of - t)
    }
}

/// One row of the console's own action log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleActionRow {
    pub seq: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_email: String,
    pub action: String,
    pub target: Option<String>,
    /// The request, as JSON text.
    pub details: String,
    pub approval_id: Option<String>,
    pub ok: bool,
    /// What Airtable (or the console) answered, as JSON text.
    pub response: Option<String>,
}

/// The result of checking the action log's hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionLogCheck {
    pub intact: bool,
    pub rows: i64,
    /// The first problem found, in plain words.
    pub problem: Option<String>,
    /// What the check could and could not rely on, in plain words (the witness file, rows
    /// from before the key, whether the console's own database role can change the log).
    #[serde(default)]
    pub notes: Vec<String>,
}

/// A complete snapshot of the enterprise's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotSummary {
    pub id: i64,
    pub taken_at: chrono::DateTime<chrono::Utc>,
    pub users: i64,
    pub admins: i64,
    pub groups: i64,
    pub workspaces: i64,
}

/// A user as a snapshot recorded them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotUser {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub state: String,
    pub is_admin: bool,
    pub is_super_admin: bool,
}

/// A user whose state, admin flag or email changed between two snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserChange {
    pub user: SnapshotUser,
    /// Each change in plain words ("became an admin", "state provisioned → deactivated").
    pub changes: Vec<String>,
}

/// Someone's access to a group or workspace that appeared, disappeared or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessChange {
    /// The group or workspace (its name).
    pub place: String,
    /// The member or collaborator (email or group name).
    pub who: String,
    /// Role or permission before (`None`: had none).
    pub before: Option<String>,
    /// Role or permission after (`None`: has none).
    pub after: Option<String>,
}

/// What changed between two snapshots.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotDiff {
    pub from: i64,
    pub to: i64,
    pub users_added: Vec<SnapshotUser>,
    pub users_removed: Vec<SnapshotUser>,
    pub users_changed: Vec<UserChange>,
    pub group_members: Vec<AccessChange>,
    pub workspace_access: Vec<AccessChange>,
}

/// Who was an admin at a moment, from the snapshot that was current then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminsAt {
    pub snapshot: SnapshotSummary,
    pub admins: Vec<SnapshotUser>,
}

/// One stored Airtable audit event, as the search results list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEventRow {
    pub id: String,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub action: String,
    pub category: Option<String>,
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub actor_email: Option<String>,
    pub actor_name: Option<String>,
    pub model_id: Option<String>,
    pub model_type: Option<String>,
    pub workspace_id: Option<String>,
    pub base_id: Option<String>,
    pub ip_address: Option<String>,
    /// Names of the target, the workspace and the base, as the console's snapshots last saw
    /// them (a deleted user is still named); `None` when no snapshot saw the ID.
    #[serde(default)]
    pub model_name: Option<String>,
    #[serde(default)]
    pub workspace_name: Option<String>,
    #[serde(default)]
    pub base_name: Option<String>,
}

/// "Name (id)", or the ID alone when the name is not known.
pub fn name_beside_id(name: Option<&str>, id: &str) -> String {
    match name.map(str::trim) {
        Some(name) if !name.is_empty() => format!("{name} ({id})"),
        _ => id.to_string(),
    }
}

impl AuditEventRow {
    /// What the event was done to, by name with its ID: "Ada Lovelace (usr…)".
    pub fn target_label(&self) -> Option<String> {
        let id = self.model_id.as_deref()?;
        Some(name_beside_id(self.model_name.as_deref(), id))
    }

    pub fn workspace_label(&self) -> Option<String> {
        let id = self.workspace_id.as_deref()?;
        Some(name_beside_id(self.workspace_name.as_deref(), id))
    }

    pub fn base_label(&self) -> Option<String> {
        let id = self.base_id.as_deref()?;
        Some(name_beside_id(self.base_name.as_deref(), id))
    }
}

/// One page of search results, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditSearchPage {
    /// The search as the console understood it (canonical form; goes back in the box).
    pub query: String,
    pub events: Vec<AuditEventRow>,
    /// Where the next (older) page starts; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// A stored event with everything Airtable sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEventDetail {
    pub row: AuditEventRow,
    pub user_agent: Option<String>,
    /// The whole event as Airtable sent it, pretty-printed.
    pub raw_json: String,
}
