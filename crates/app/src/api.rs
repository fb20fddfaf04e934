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
    #[error("Something went wrong on the server (reference {0}). Try again; if it persists, tell your console administrator.")]
    Internal(String),
    #[error("The request could not be completed: {0}")]
    Transport(String),
    #[error("{0}")]
    Invalid(String),
    #[error("Not found: {0}")]
    NotFound(String),
}

impl ConsoleError {
    /// The HTTP status a server function answers with when it fails this way.
    pub fn http_status(&self) -> u16 {
        match self {
            ConsoleError::NotSignedIn => 401,
            ConsoleError::Forbidden { .. } => 403,
            ConsoleError::NotFound(_) => 404,
            ConsoleError::Invalid(_) | ConsoleError::Transport(_) => 422,
            ConsoleError::Airtable(_) => 502,
            ConsoleError::Internal(_) => 500,
        }
    }
}

impl leptos::server_fn::error::FromServerFnError for ConsoleError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        ConsoleError::Transport(value.to_string())
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
