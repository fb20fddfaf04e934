//! The simulated enterprise: users, groups, workspaces and bases, and how they relate.
//! All state lives here, behind one lock, so a change is visible to every endpoint at once.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

#[derive(Clone, Debug)]
pub struct Enterprise {
    pub id: String,
    pub created_time: DateTime<Utc>,
    pub email_domains: Vec<EmailDomain>,
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
    pub invited_by: Option<String>,
}

impl User {
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
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
}

#[derive(Clone, Debug)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub created_time: DateTime<Utc>,
    pub updated_time: DateTime<Utc>,
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
    pub permission_level: &'static str,
    pub granted_by: String,
    pub created_time: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    User(String),
    Group(String),
}

#[derive(Clone, Debug)]
pub struct Workspace {
    pub id: String,
    pub name: String,
    pub created_time: DateTime<Utc>,
    pub grants: Vec<Grant>,
    pub base_ids: Vec<String>,
    pub invite_creation_restriction: &'static str,
    pub share_creation_restriction: &'static str,
}

#[derive(Clone, Debug)]
#[allow(dead_code)] // name, workspace and creation time are served by the base endpoints to come
pub struct Base {
    pub id: String,
    pub name: String,
    pub workspace_id: String,
    pub created_time: DateTime<Utc>,
    pub grants: Vec<Grant>,
}

#[derive(Debug, Default)]
pub struct World {
    pub enterprise: Option<Enterprise>,
    /// Insertion order is the enterprise's user order.
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub workspaces: Vec<Workspace>,
    pub bases: Vec<Base>,
    pub user_index: BTreeMap<String, usize>,
}

impl World {
    pub fn enterprise(&self) -> &Enterprise {
        // Seeding always sets it; `World::default()` is only an intermediate value.
        self.enterprise.as_ref().expect("the world is seeded")
    }

    pub fn user(&self, id: &str) -> Option<&User> {
        self.user_index.get(id).and_then(|&i| self.users.get(i))
    }

    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
    }

    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    pub fn workspace(&self, id: &str) -> Option<&Workspace> {
        self.workspaces.iter().find(|w| w.id == id)
    }

    pub fn base(&self, id: &str) -> Option<&Base> {
        self.bases.iter().find(|b| b.id == id)
    }

    /// Users counted as the enterprise's own (internal: on a claimed domain).
    pub fn enterprise_user_ids(&self) -> Vec<String> {
        self.users
            .iter()
            .filter(|u| !u.is_external)
            .map(|u| u.id.clone())
            .collect()
    }

    pub fn groups_of(&self, user_id: &str) -> Vec<&Group> {
        self.groups
            .iter()
            .filter(|g| g.members.iter().any(|m| m.user_id == user_id))
            .collect()
    }

    pub fn reindex(&mut self) {
        self.user_index = self
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.id.clone(), i))
            .collect();
    }
}
