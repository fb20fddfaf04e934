//! The simulated enterprise: users, groups, workspaces, bases and everything hanging off
//! them, and how they relate. All state lives here, behind one lock, so a change is
//! visible to every endpoint at once; every change also appends the audit event Airtable
//! would write (see `audit`).

pub mod audit;
pub mod tokens;

use chrono::{DateTime, Utc};
use indexmap::IndexMap;
use rand::rngs::StdRng;

use crate::ids::new_id;

#[derive(Clone, Debug)]
pub struct Enterprise {
    pub id: String,
    pub name: String,
    pub created_time: DateTime<Utc>,
    pub email_domains: Vec<EmailDomain>,
    /// Org units (Enterprise Hub): created through the API, targets of group/workspace moves.
    pub descendants: Vec<Descendant>,
    /// Workspaces allowed to use AI features.
    pub ai_allowlist: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Descendant {
    pub id: String,
    pub name: String,
    pub created_time: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct EmailDomain {
    pub domain: String,
    pub is_sso_required: bool,
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub state: UserState,
    pub is_admin: bool,
    pub is_super_admin: bool,
    pub is_managed: bool,
    pub is_service_account: bool,
    pub is_sso_required: bool,
    pub is_two_factor_auth_enabled: bool,
    /// Not on a claimed domain of the enterprise.
    pub is_external: bool,
    pub last_activity_time: Option<DateTime<Utc>>,
    pub created_time: DateTime<Utc>,
    pub updated_time: DateTime<Utc>,
    pub invited_by: Option<String>,
    /// SCIM attributes (kept as sent).
    pub external_id: Option<String>,
    pub title: Option<String>,
    /// Sessions end here: OAuth tokens issued before this instant stop working.
    pub logged_out_at: Option<DateTime<Utc>>,
}

impl User {
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
            .trim()
            .to_string()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserState {
    Provisioned,
    Deactivated,
}

impl UserState {
    pub fn as_str(self) -> &'static str {
        match self {
            UserState::Provisioned => "provisioned",
            UserState::Deactivated => "deactivated",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "provisioned" => Some(UserState::Provisioned),
            "deactivated" => Some(UserState::Deactivated),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub enterprise_id: String,
    pub created_time: DateTime<Utc>,
    pub updated_time: DateTime<Utc>,
    pub mapped_user_license_type: Option<&'static str>,
    pub external_id: Option<String>,
    pub members: Vec<GroupMember>,
}

#[derive(Clone, Debug)]
pub struct GroupMember {
    pub user_id: String,
    pub role: &'static str,
    pub created_time: DateTime<Utc>,
}

/// A grant of access to a workspace, base or interface, to a user or a group.
#[derive(Clone, Debug)]
pub struct Grant {
    pub principal: Principal,
    pub permission_level: String,
    pub granted_by: String,
    pub created_time: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    User(String),
    Group(String),
}

impl Principal {
    pub fn id(&self) -> &str {
        match self {
            Principal::User(id) | Principal::Group(id) => id,
        }
    }

    /// `usr…` is a user, `ugp…` a group.
    pub fn from_id(id: &str) -> Option<Self> {
        if id.starts_with("usr") {
            Some(Principal::User(id.to_string()))
        } else if id.starts_with("ugp") {
            Some(Principal::Group(id.to_string()))
        } else {
            None
        }
    }
}

#[derive(Clone, Debug)]
pub struct InviteLink {
    pub id: String,
    /// `singleUse` (sent to `invited_email`) or `multiUse`.
    pub kind: &'static str,
    pub invited_email: Option<String>,
    pub permission_level: String,
    pub referred_by: String,
    pub restricted_to_email_domains: Vec<String>,
    pub created_time: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct Workspace {
    pub id: String,
    pub name: String,
    pub enterprise_id: String,
    pub created_time: DateTime<Utc>,
    pub grants: Vec<Grant>,
    pub base_ids: Vec<String>,
    pub invites: Vec<InviteLink>,
    pub invite_creation_restriction: String,
    pub share_creation_restriction: String,
}

#[derive(Clone, Debug)]
pub struct Interface {
    pub id: String,
    pub name: String,
    pub created_time: DateTime<Utc>,
    pub first_publish_time: Option<DateTime<Utc>>,
    pub grants: Vec<Grant>,
    pub invites: Vec<InviteLink>,
}

#[derive(Clone, Debug)]
pub struct Share {
    pub id: String,
    /// `base`, `view` or `blockInstallation`.
    pub kind: &'static str,
    pub state: &'static str,
    pub created_by: String,
    pub created_time: DateTime<Utc>,
    pub view_id: Option<String>,
    pub block_installation_id: Option<String>,
    pub is_password_protected: bool,
    pub restricted_to_email_domains: Vec<String>,
    pub restricted_to_enterprise_members: bool,
}

#[derive(Clone, Debug)]
pub struct BlockInstallation {
    pub id: String,
    pub block_id: String,
    pub block_slug: Option<&'static str>,
    pub state: &'static str,
    pub created_by: String,
    pub created_time: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct PackageInstallation {
    pub id: String,
    pub package_id: String,
    pub package_release_id: Option<String>,
    pub installation_type: &'static str,
}

/// A table of a base's schema, kept as Airtable's JSON (ids filled in).
#[derive(Clone, Debug)]
pub struct Base {
    pub id: String,
    pub name: String,
    pub workspace_id: String,
    pub created_time: DateTime<Utc>,
    pub grants: Vec<Grant>,
    pub invites: Vec<InviteLink>,
    pub interfaces: Vec<Interface>,
    pub shares: Vec<Share>,
    pub block_installations: Vec<BlockInstallation>,
    pub package_installations: Vec<PackageInstallation>,
    pub tables: Vec<serde_json::Value>,
}

#[derive(Clone, Debug)]
pub struct Package {
    pub id: String,
    pub name: String,
    pub description: String,
    pub tagline: String,
    pub kind: &'static str,
    pub created_by: String,
    pub created_time: DateTime<Utc>,
    pub last_updated_by: String,
    pub last_updated_time: DateTime<Utc>,
    pub latest_release_id: String,
    pub source_base_id: String,
    pub install_count: u64,
}

#[derive(Clone, Debug)]
pub struct PersonalAccessToken {
    pub id: String,
    pub name: String,
    pub user_id: String,
    pub created_by: String,
    pub state: &'static str,
    pub scopes: Vec<String>,
    pub created_time: DateTime<Utc>,
}

pub struct World {
    pub enterprise: Enterprise,
    /// Insertion order is the enterprise's order.
    pub users: IndexMap<String, User>,
    pub groups: IndexMap<String, Group>,
    pub workspaces: IndexMap<String, Workspace>,
    pub bases: IndexMap<String, Base>,
    pub packages: IndexMap<String, Package>,
    pub tokens: IndexMap<String, PersonalAccessToken>,
    pub audit: audit::AuditLog,
    /// Draws the ids of things created after seeding.
    pub rng: StdRng,
}

impl World {
    pub fn new_id(&mut self, prefix: &str) -> String {
        new_id(&mut self.rng, prefix)
    }

    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.get(id)
    }

    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        self.users
            .values()
            .find(|u| u.email.eq_ignore_ascii_case(email))
    }

    /// Owned by this enterprise or one of its org units.
    pub fn is_known_enterprise(&self, id: &str) -> bool {
        self.enterprise.id == id || self.enterprise.descendants.iter().any(|d| d.id == id)
    }

    pub fn is_claimed_domain(&self, email: &str) -> bool {
        let domain = email.rsplit('@').next().unwrap_or("");
        self.enterprise
            .email_domains
            .iter()
            .any(|d| d.domain.eq_ignore_ascii_case(domain))
    }

    /// The users of an enterprise account: its own (internal) users, and every collaborator
    /// of its workspaces, bases and interfaces.
    pub fn user_ids_of(&self, enterprise_id: &str) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        let root = enterprise_id == self.enterprise.id;
        let mut out = Vec::new();
        if root {
            for u in self.users.values().filter(|u| !u.is_external) {
                seen.insert(u.id.as_str());
                out.push(u.id.clone());
            }
        }
        let mut add = |id: &str| {
            if let Some(u) = self.users.get(id) {
                if seen.insert(u.id.as_str()) {
                    out.push(u.id.clone());
                }
            }
        };
        for w in self
            .workspaces
            .values()
            .filter(|w| w.enterprise_id == enterprise_id)
        {
            let bases = w.base_ids.iter().filter_map(|b| self.bases.get(b));
            let grants = w.grants.iter().chain(bases.flat_map(|b| {
                b.grants
                    .iter()
                    .chain(b.interfaces.iter().flat_map(|i| i.grants.iter()))
            }));
            for g in grants {
                if let Principal::User(id) = &g.principal {
                    add(id);
                }
            }
        }
        out
    }

    pub fn group_ids_of(&self, enterprise_id: &str) -> Vec<String> {
        self.groups
            .values()
            .filter(|g| g.enterprise_id == enterprise_id)
            .map(|g| g.id.clone())
            .collect()
    }

    pub fn workspace_ids_of(&self, enterprise_id: &str) -> Vec<String> {
        self.workspaces
            .values()
            .filter(|w| w.enterprise_id == enterprise_id)
            .map(|w| w.id.clone())
            .collect()
    }

    pub fn groups_of(&self, user_id: &str) -> Vec<&Group> {
        self.groups
            .values()
            .filter(|g| g.members.iter().any(|m| m.user_id == user_id))
            .collect()
    }

    pub fn first_super_admin(&self) -> Option<&User> {
        self.users.values().find(|u| u.is_super_admin)
    }

    /// Removes every trace of a principal's access (grants and group memberships), for
    /// deletions. Returns nothing: callers that report what changed compute it first.
    pub fn forget_principal(&mut self, who: &Principal) {
        for w in self.workspaces.values_mut() {
            w.grants.retain(|g| &g.principal != who);
        }
        for b in self.bases.values_mut() {
            b.grants.retain(|g| &g.principal != who);
            for i in &mut b.interfaces {
                i.grants.retain(|g| &g.principal != who);
            }
        }
        if let Principal::User(id) = who {
            for g in self.groups.values_mut() {
                g.members.retain(|m| &m.user_id != id);
            }
        }
    }
}
