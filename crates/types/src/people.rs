//! The enterprise's people as the console shows them: the users table (from the latest
//! snapshot, filtered, sorted and paged on the server) and one user read live from
//! Airtable. Pure data and the URL form of a view; the server fills these in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::audit::query::percent_encode;
use crate::directory::SnapshotPage;
use crate::named::{name_of, value_named};

/// How the users table is ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UserSort {
    #[default]
    Name,
    NameDesc,
    Email,
    EmailDesc,
    /// Least recently active first (never active before everyone).
    ActivityOldest,
    /// Most recently active first.
    ActivityNewest,
}

/// The sort orders: URL value and what people read.
pub const SORTS: &[(UserSort, &str, &str)] = &[
    (UserSort::Name, "name", "Name (A–Z)"),
    (UserSort::NameDesc, "-name", "Name (Z–A)"),
    (UserSort::Email, "email", "Email (A–Z)"),
    (UserSort::EmailDesc, "-email", "Email (Z–A)"),
    (
        UserSort::ActivityOldest,
        "activity",
        "Last activity (oldest first)",
    ),
    (
        UserSort::ActivityNewest,
        "-activity",
        "Last activity (newest first)",
    ),
];

impl UserSort {
    pub fn as_str(self) -> &'static str {
        name_of(SORTS, self).unwrap_or("name")
    }
}

/// The yes/no filters: URL name and label.
pub const FLAGS: &[(&str, &str)] = &[
    ("admin", "Admin"),
    ("managed", "Managed"),
    ("service", "Service account"),
    ("external", "External"),
    ("two_factor", "Two-factor sign-in"),
    ("sso", "SSO required"),
];

/// The users table's optional columns, in the table's order: URL value and header. The
/// name (the link to the user's page) is always shown.
pub const USER_COLUMNS: &[(&str, &str)] = &[
    ("email", "Email"),
    ("id", "ID"),
    ("state", "State"),
    ("admin", "Admin"),
    ("managed", "Managed"),
    ("service", "Service account"),
    ("external", "External"),
    ("two_factor", "2FA"),
    ("sso", "SSO required"),
    ("activity", "Last activity"),
];

/// Which optional columns the users table shows. It travels in the URL as repeated `col`
/// parameters (ticked boxes of the GET form); none means every column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserColumns(Vec<&'static str>);

impl Default for UserColumns {
    fn default() -> Self {
        UserColumns(USER_COLUMNS.iter().map(|(name, _)| *name).collect())
    }
}

impl UserColumns {
    /// From the URL's `col` values; unknown names are ignored (an old bookmark still
    /// opens), and a choice of nothing known shows everything.
    pub fn from_params<S: AsRef<str>>(values: &[S]) -> Self {
        let chosen: Vec<&'static str> = USER_COLUMNS
            .iter()
            .map(|(name, _)| *name)
            .filter(|name| values.iter().any(|v| v.as_ref() == *name))
            .collect();
        if chosen.is_empty() {
            UserColumns::default()
        } else {
            UserColumns(chosen)
        }
    }

    pub fn shows(&self, name: &str) -> bool {
        self.0.contains(&name)
    }

    /// The choice as URL parameters to append to a link (`&col=…`), empty for every column.
    pub fn url_suffix(&self) -> String {
        if *self == UserColumns::default() {
            return String::new();
        }
        self.0.iter().map(|name| format!("&col={name}")).collect()
    }
}

/// A view of the users table as it travels in the URL (a GET form, so it can be bookmarked
/// and works without wasm). Missing fields are empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserForm {
    pub q: String,
    pub state: String,
    pub admin: String,
    pub managed: String,
    pub service: String,
    pub external: String,
    pub two_factor: String,
    pub sso: String,
    pub inactive_days: String,
    pub sort: String,
    pub page: String,
}

/// A checked view of the users table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserQuery {
    /// Part of a name, email or user ID (trimmed).
    pub q: String,
    /// Airtable's state (`provisioned`, `deactivated`, …).
    pub state: Option<String>,
    pub admin: Option<bool>,
    pub managed: Option<bool>,
    pub service_account: Option<bool>,
    pub external: Option<bool>,
    pub two_factor: Option<bool>,
    pub sso_required: Option<bool>,
    /// No activity for at least this many days (or never).
    pub inactive_days: Option<u32>,
    pub sort: UserSort,
    /// 1-based.
    pub page: i64,
}

fn yes_no(name: &str, text: &str) -> Result<Option<bool>, String> {
    match text.trim() {
        "" | "any" => Ok(None),
        "yes" => Ok(Some(true)),
        "no" => Ok(Some(false)),
        other => Err(format!(
            "{name} must be yes, no or left empty, not {other:?}."
        )),
    }
}

fn yes_no_text(value: Option<bool>) -> &'static str {
    match value {
        None => "",
        Some(true) => "yes",
        Some(false) => "no",
    }
}

impl UserForm {
    /// The view, checked; the error says in plain words what is wrong.
    pub fn to_query(&self) -> Result<UserQuery, String> {
        let q = self.q.trim();
        if q.chars().count() > 200 {
            return Err("The search is too long: use at most 200 characters.".into());
        }
        let state = self.state.trim();
        if state.len() > 40 || !state.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(format!("{state:?} is not a user state."));
        }
        let inactive_days = match self.inactive_days.trim() {
            "" => None,
            text => match text.parse::<u32>() {
                Ok(days) if (1..=36_500).contains(&days) => Some(days),
                _ => {
                    return Err(format!(
                    "Days without activity must be a whole number from 1 to 36500, not {text:?}."
                ))
                }
            },
        };
        let sort = match self.sort.trim() {
            "" => UserSort::Name,
            text => value_named(SORTS, text)
                .ok_or_else(|| format!("{text:?} is not a way to sort users."))?,
        };
        let page = match self.page.trim() {
            "" => 1,
            text => match text.parse::<i64>() {
                Ok(page) if page >= 1 => page,
                _ => return Err("Page numbers start at 1.".into()),
            },
        };
        Ok(UserQuery {
            q: q.to_string(),
            state: (!state.is_empty()).then(|| state.to_string()),
            admin: yes_no("Admin", &self.admin)?,
            managed: yes_no("Managed", &self.managed)?,
            service_account: yes_no("Service account", &self.service)?,
            external: yes_no("External", &self.external)?,
            two_factor: yes_no("Two-factor sign-in", &self.two_factor)?,
            sso_required: yes_no("SSO required", &self.sso)?,
            inactive_days,
            sort,
            page,
        })
    }
}

impl UserQuery {
    /// The filter in words ("name, email or ID contains "weber"; state: deactivated"), as
    /// a bulk action over "every user matching" names it before anything starts.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.q.is_empty() {
            parts.push(format!("name, email or ID contains \"{}\"", self.q));
        }
        if let Some(state) = &self.state {
            parts.push(format!("state: {state}"));
        }
        for (name, label) in FLAGS {
            if let Some(value) = self.flag(name) {
                parts.push(format!("{label}: {}", if value { "yes" } else { "no" }));
            }
        }
        if let Some(days) = self.inactive_days {
            parts.push(format!("no activity for {days} days or more"));
        }
        if parts.is_empty() {
            "no filter: every user".to_string()
        } else {
            parts.join("; ")
        }
    }

    /// The value of a yes/no filter by its URL name (see [`FLAGS`]).
    pub fn flag(&self, name: &str) -> Option<bool> {
        match name {
            "admin" => self.admin,
            "managed" => self.managed,
            "service" => self.service_account,
            "external" => self.external,
            "two_factor" => self.two_factor,
            "sso" => self.sso_required,
            _ => None,
        }
    }

    /// Whether it filters on what only snapshots with user details recorded know.
    pub fn needs_details(&self) -> bool {
        self.external.is_some()
            || self.two_factor.is_some()
            || self.sso_required.is_some()
            || self.inactive_days.is_some()
    }

    /// The URL query string of this view without the page (empty and default values left
    /// out), for page links and the CSV export.
    pub fn to_url_query(&self) -> String {
        let inactive = self
            .inactive_days
            .map(|d| d.to_string())
            .unwrap_or_default();
        let sort = if self.sort == UserSort::Name {
            ""
        } else {
            self.sort.as_str()
        };
        let mut pairs: Vec<(&str, &str)> = vec![
            ("q", self.q.as_str()),
            ("state", self.state.as_deref().unwrap_or_default()),
        ];
        for (name, _) in FLAGS {
            pairs.push((name, yes_no_text(self.flag(name))));
        }
        pairs.push(("inactive_days", inactive.as_str()));
        pairs.push(("sort", sort));
        pairs
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// A link to one page of this view.
    pub fn page_href(&self, page: i64) -> String {
        let rest = self.to_url_query();
        if rest.is_empty() {
            format!("/users?page={page}")
        } else {
            format!("/users?{rest}&page={page}")
        }
    }

    /// Where the CSV of every user in this view (all pages) downloads from.
    pub fn csv_href(&self) -> String {
        format!("/users/export.csv?{}", self.to_url_query())
    }
}

/// A user as the latest snapshot recorded them. The `Option`s are `None` when the snapshot
/// predates the console recording them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub state: String,
    pub is_admin: bool,
    pub is_super_admin: bool,
    pub is_managed: bool,
    pub is_service_account: bool,
    pub is_external: Option<bool>,
    pub two_factor: Option<bool>,
    pub sso_required: Option<bool>,
    pub last_activity: Option<DateTime<Utc>>,
    /// The console changed this user after the snapshot was taken (the state and admin
    /// flag above already say what it changed them to).
    #[serde(default)]
    pub console_change: Option<ConsoleChange>,
}

/// A change made through the console since the snapshot a view reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleChange {
    /// In words: "deleted", "deactivated", "admin access revoked", …
    pub what: String,
    pub at: DateTime<Utc>,
    /// The approval request that allowed it.
    pub approval_id: Option<String>,
}

/// One page of the users table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserListing {
    /// The view, as understood.
    pub query: UserQuery,
    pub page: SnapshotPage<UserRow>,
    /// Whether the snapshot recorded external, 2FA, SSO and last activity.
    pub details_recorded: bool,
    /// The enterprise's email domains at the snapshot (external means none of these).
    pub email_domains: Vec<String>,
    /// The search named exactly one user by ID or email: their ID (the page goes there).
    pub exact: Option<String>,
}

/// A group a user is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserGroup {
    pub id: String,
    /// From the latest snapshot (`None`: joined since, or no snapshot).
    pub name: Option<String>,
    /// `member` or `manager`, from the same snapshot.
    pub role: Option<String>,
}

/// A workspace, base or interface shared with a user directly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserCollaboration {
    /// `workspace`, `base` or `interface`.
    pub kind: String,
    pub id: String,
    /// The workspace's name, from the latest snapshot when it knows it.
    pub name: Option<String>,
    /// The base holding an interface.
    pub base_id: Option<String>,
    pub permission: String,
    pub granted_at: DateTime<Utc>,
    pub granted_by: String,
}

/// One user, read live from Airtable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetail {
    pub id: String,
    pub email: String,
    pub name: String,
    pub state: String,
    pub is_admin: bool,
    pub is_super_admin: bool,
    /// `None`: Airtable does not say (users outside the enterprise's domains).
    pub is_managed: Option<bool>,
    pub is_service_account: bool,
    /// `None`: no snapshot knows the enterprise's email domains yet.
    pub is_external: Option<bool>,
    pub two_factor: bool,
    pub sso_required: bool,
    pub created_at: Option<DateTime<Utc>>,
    pub last_activity: Option<DateTime<Utc>>,
    pub groups: Vec<UserGroup>,
    pub collaborations: Vec<UserCollaboration>,
    pub read_at: DateTime<Utc>,
}

impl UserDetail {
    /// Whether the user is deactivated.
    pub fn is_deactivated(&self) -> bool {
        self.state == "deactivated"
    }

    /// First and last name as the rename form starts with them (Airtable reports one name).
    pub fn name_parts(&self) -> (String, String) {
        match self.name.trim().split_once(' ') {
            Some((first, last)) => (first.to_string(), last.trim().to_string()),
            None => (self.name.trim().to_string(), String::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> UserForm {
        let mut f = UserForm::default();
        for (k, v) in pairs {
            let v = v.to_string();
            match *k {
                "q" => f.q = v,
                "state" => f.state = v,
                "admin" => f.admin = v,
                "managed" => f.managed = v,
                "service" => f.service = v,
                "external" => f.external = v,
                "two_factor" => f.two_factor = v,
                "sso" => f.sso = v,
                "inactive_days" => f.inactive_days = v,
                "sort" => f.sort = v,
                "page" => f.page = v,
                _ => panic!("{k}"),
            }
        }
        f
    }

    #[test]
    fn an_empty_form_is_everyone_by_name() {
        let q = UserForm::default().to_query().expect("valid");
        assert_eq!(q.page, 1);
        assert_eq!(q.sort, UserSort::Name);
        assert!(!q.needs_details());
        assert_eq!(q.to_url_query(), "");
        assert_eq!(q.page_href(2), "/users?page=2");
    }

    #[test]
    fn filters_round_trip_through_the_url() {
        let q = form(&[
            ("q", " Ann & co "),
            ("state", "deactivated"),
            ("admin", "no"),
            ("external", "yes"),
            ("inactive_days", "90"),
            ("sort", "-activity"),
            ("page", "3"),
        ])
        .to_query()
        .expect("valid");
        assert_eq!(q.q, "Ann & co");
        assert_eq!(q.admin, Some(false));
        assert_eq!(q.external, Some(true));
        assert_eq!(q.managed, None);
        assert!(q.needs_details());
        assert_eq!(
            q.page_href(4),
            "/users?q=Ann%20%26%20co&state=deactivated&admin=no&external=yes&inactive_days=90&sort=-activity&page=4"
        );
        assert!(q.csv_href().starts_with("/users/export.csv?q=Ann"));
        assert!(!q.csv_href().contains("page="));
    }

    #[test]
    fn a_filter_reads_as_words() {
        assert_eq!(UserQuery::default().describe(), "no filter: every user");
        let query = UserForm {
            q: " weber ".into(),
            state: "deactivated".into(),
            admin: "no".into(),
            inactive_days: "90".into(),
            ..UserForm::default()
        }
        .to_query()
        .expect("valid");
        assert_eq!(
            query.describe(),
            "name, email or ID contains \"weber\"; state: deactivated; Admin: no; no activity for 90 days or more"
        );
    }

    #[test]
    fn bad_values_are_refused_in_plain_words() {
        for (pairs, words) in [
            (vec![("admin", "maybe")], "Admin must be yes, no"),
            (vec![("inactive_days", "0")], "whole number"),
            (vec![("inactive_days", "ten")], "whole number"),
            (vec![("sort", "salary")], "not a way to sort"),
            (vec![("page", "0")], "Page numbers start at 1"),
            (vec![("state", "a'b")], "not a user state"),
        ] {
            let err = form(&pairs).to_query().expect_err("refused");
            assert!(err.contains(words), "{err}");
        }
        let long = "x".repeat(201);
        assert!(form(&[("q", &long)]).to_query().is_err());
    }

    #[test]
    fn column_choice_keeps_the_table_order_and_ignores_unknown_names() {
        let all = UserColumns::default();
        assert!(USER_COLUMNS.iter().all(|(name, _)| all.shows(name)));
        assert_eq!(all.url_suffix(), "");
        // Nothing chosen, or nothing known, shows every column.
        assert_eq!(UserColumns::from_params::<&str>(&[]), all);
        assert_eq!(UserColumns::from_params(&["salary"]), all);
        let some = UserColumns::from_params(&["activity", "email", "salary"]);
        assert!(some.shows("email") && some.shows("activity"));
        assert!(!some.shows("id") && !some.shows("state"));
        assert_eq!(some.url_suffix(), "&col=email&col=activity");
    }

    #[test]
    fn names_split_for_the_rename_form() {
        let mut d = UserDetail {
            id: "usr1".into(),
            email: "a@b.c".into(),
            name: "Ann Marie Smith".into(),
            state: "provisioned".into(),
            is_admin: false,
            is_super_admin: false,
            is_managed: Some(true),
            is_service_account: false,
            is_external: Some(false),
            two_factor: false,
            sso_required: false,
            created_at: None,
            last_activity: None,
            groups: vec![],
            collaborations: vec![],
            read_at: Utc::now(),
        };
        assert_eq!(d.name_parts(), ("Ann".into(), "Marie Smith".into()));
        d.name = "Cher".into();
        assert_eq!(d.name_parts(), ("Cher".into(), String::new()));
        assert!(!d.is_deactivated());
    }
}
