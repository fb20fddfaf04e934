//! Reports that Airtable's admin panel does not give in one place: inactive users, external
//! collaborators, admins without SSO or two-factor sign-in, workspaces with a single owner
//! and public shares without a password or a domain restriction. Each is read from the
//! latest complete snapshot, paged on the server and exportable as CSV. Pure data and the
//! URL form of a report; the server fills these in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::directory::PAGE_SIZE;

/// The table of reports: each line makes a [`ReportKind`] variant (in the index's order),
/// its [`ReportRows`] variant carrying its row type, and its slug, title and description.
/// The server's SQL for each is a file of `console_core::reports`, its table a file of the
/// reports page.
macro_rules! reports {
    ($(
        $(#[$doc:meta])*
        $kind:ident($row:ty) {
            slug: $slug:literal,
            title: $title:literal,
            description: $description:literal $(,)?
        }
    ),* $(,)?) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum ReportKind {
            $($(#[$doc])* $kind,)*
        }

        /// The reports, in the order the index lists them.
        pub const REPORTS: &[ReportKind] = &[$(ReportKind::$kind,)*];

        impl ReportKind {
            /// The report's name in its URL (`/reports/<slug>`, `/reports/<slug>.csv`).
            pub fn slug(self) -> &'static str {
                match self { $(ReportKind::$kind => $slug,)* }
            }

            pub fn title(self) -> &'static str {
                match self { $(ReportKind::$kind => $title,)* }
            }

            /// What the report lists and why it matters, in one sentence.
            pub fn description(self) -> &'static str {
                match self { $(ReportKind::$kind => $description,)* }
            }
        }

        /// One page of a report's rows.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        pub enum ReportRows {
            $($kind(Vec<$row>),)*
        }

        impl ReportRows {
            /// No rows of the report's kind.
            pub fn empty(kind: ReportKind) -> Self {
                match kind { $(ReportKind::$kind => ReportRows::$kind(Vec::new()),)* }
            }

            pub fn len(&self) -> usize {
                match self { $(ReportRows::$kind(rows) => rows.len(),)* }
            }

            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }
        }
    };
}

reports! {
    InactiveUsers(InactiveUserRow) {
        slug: "inactive-users",
        title: "Inactive users",
        description: "Active users whose last activity is older than the number of days you \
            choose, and those never active at all: licences to reclaim, accounts to close.",
    },
    ExternalCollaborators(ExternalCollaboratorRow) {
        slug: "external-collaborators",
        title: "External collaborators",
        description: "Users whose email address is on none of the enterprise's email domains, \
            with the groups they are in and the workspaces they (or their groups) can reach.",
    },
    AdminsWithoutSsoOr2fa(AdminGapRow) {
        slug: "admins-without-sso-or-2fa",
        title: "Admins without SSO or two-factor sign-in",
        description: "Enterprise admins who are not required to sign in through SSO or have \
            not set up two-factor sign-in: the accounts an attacker would want most.",
    },
    SoleOwnerWorkspaces(SoleOwnerRow) {
        slug: "sole-owner-workspaces",
        title: "Workspaces with a single owner",
        description: "Workspaces with exactly one owner: when that person leaves, nobody can \
            manage the workspace. Deactivated owners are listed first.",
    },
    PublicShares(PublicShareRow) {
        slug: "public-shares",
        title: "Public shares without a password or domain restriction",
        description: "Enabled share links that anyone with the link can open: no password, no \
            email-domain restriction, not limited to enterprise members.",
    },
}

/// Days without activity the inactive-users report starts with.
pub const DEFAULT_INACTIVE_DAYS: u32 = 90;

impl ReportKind {
    pub fn from_slug(slug: &str) -> Option<Self> {
        REPORTS.iter().copied().find(|k| k.slug() == slug.trim())
    }

    pub fn href(self) -> String {
        format!("/reports/{}", self.slug())
    }

    /// Whether the report takes a number of days.
    pub fn takes_days(self) -> bool {
        self == ReportKind::InactiveUsers
    }
}

/// A report's view as it travels in the URL (a GET form). Missing fields are empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportForm {
    /// Days without activity (inactive users only).
    pub days: String,
    pub page: String,
}

/// A checked view of a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportQuery {
    /// Days without activity (inactive users; the others ignore it).
    pub days: u32,
    /// 1-based.
    pub page: i64,
}

impl Default for ReportQuery {
    fn default() -> Self {
        ReportQuery {
            days: DEFAULT_INACTIVE_DAYS,
            page: 1,
        }
    }
}

impl ReportForm {
    /// The view, checked; the error says in plain words what is wrong.
    pub fn to_query(&self) -> Result<ReportQuery, String> {
        let days = match self.days.trim() {
            "" => DEFAULT_INACTIVE_DAYS,
            text => text
                .parse::<u32>()
                .ok()
                .filter(|days| (1..=36_500).contains(days))
                .ok_or_else(|| {
                    format!("Days without activity must be a whole number from 1 to 36500, not {text:?}.")
                })?,
        };
        let page = match self.page.trim() {
            "" => 1,
            text => match text.parse::<i64>() {
                Ok(page) if page >= 1 => page,
                _ => return Err(format!("Page numbers start at 1, not {text:?}.")),
            },
        };
        Ok(ReportQuery { days, page })
    }
}

impl ReportQuery {
    /// The URL query string of this view without the page (defaults left out).
    pub fn to_url_query(&self, kind: ReportKind) -> String {
        if kind.takes_days() && self.days != DEFAULT_INACTIVE_DAYS {
            format!("days={}", self.days)
        } else {
            String::new()
        }
    }

    /// A link to one page of the report.
    pub fn page_href(&self, kind: ReportKind, page: i64) -> String {
        match self.to_url_query(kind).as_str() {
            "" => format!("{}?page={page}", kind.href()),
            rest => format!("{}?{rest}&page={page}", kind.href()),
        }
    }

    /// Where the CSV of every row of the report (all pages) downloads from.
    pub fn csv_href(&self, kind: ReportKind) -> String {
        match self.to_url_query(kind).as_str() {
            "" => format!("{}.csv", kind.href()),
            rest => format!("{}.csv?{rest}", kind.href()),
        }
    }
}

/// An active user with no activity for the chosen number of days (or never).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InactiveUserRow {
    pub user_id: String,
    pub email: String,
    pub name: String,
    /// `None`: never active.
    pub last_activity: Option<DateTime<Utc>>,
    pub is_admin: bool,
    pub is_managed: bool,
    pub is_service_account: bool,
}

/// A group, by id and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRef {
    pub id: String,
    pub name: String,
}

/// A workspace a user can reach, directly or through a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceReach {
    pub id: String,
    pub name: String,
    pub permission: String,
    /// The group through which the access comes (`None`: granted to the user).
    pub via_group: Option<GroupRef>,
}

/// A user outside the enterprise's email domains and what they can reach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalCollaboratorRow {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub state: String,
    pub last_activity: Option<DateTime<Utc>>,
    pub groups: Vec<GroupRef>,
    pub workspaces: Vec<WorkspaceReach>,
}

/// An enterprise admin without SSO required or without two-factor sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminGapRow {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub state: String,
    pub is_super_admin: bool,
    pub sso_required: bool,
    pub two_factor: bool,
    pub last_activity: Option<DateTime<Utc>>,
}

impl AdminGapRow {
    /// What is missing, in words ("SSO not required, no two-factor sign-in").
    pub fn missing(&self) -> String {
        let mut gaps = Vec::new();
        if !self.sso_required {
            gaps.push("SSO not required");
        }
        if !self.two_factor {
            gaps.push("no two-factor sign-in");
        }
        gaps.join(", ")
    }
}

/// A workspace with exactly one owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoleOwnerRow {
    pub workspace_id: String,
    pub workspace_name: String,
    /// `usr…` or `ugp…`.
    pub owner_id: String,
    /// The owner's email (a user) or name (a group), as the workspace lists them.
    pub owner_label: String,
    /// The owner's name and state, when the owner is an enterprise user in the snapshot.
    pub owner_name: Option<String>,
    pub owner_state: Option<String>,
}

impl SoleOwnerRow {
    pub fn owner_is_group(&self) -> bool {
        self.owner_id.starts_with("ugp")
    }

    pub fn owner_deactivated(&self) -> bool {
        self.owner_state.as_deref() == Some("deactivated")
    }
}

/// An enabled share anyone with the link can open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicShareRow {
    pub share_id: String,
    /// `base`, `view` or `blockInstallation`.
    pub kind: String,
    pub base_id: String,
    /// `None`: the base's name was not readable when the snapshot was taken.
    pub base_name: Option<String>,
    pub workspace_id: String,
    pub workspace_name: String,
    pub created_by: String,
    /// The creator's email, when they are a user in the snapshot.
    pub created_by_email: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// One page of a report, from the latest complete snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportView {
    pub kind: ReportKind,
    /// The view, as understood.
    pub query: ReportQuery,
    /// The snapshot the rows come from (`None`: no complete snapshot yet).
    pub snapshot_id: Option<i64>,
    pub as_of: Option<DateTime<Utc>>,
    /// Why this snapshot cannot answer the report (it predates what the report needs).
    pub unavailable: Option<String>,
    /// Rows over all pages.
    pub total: i64,
    /// Inactive users: how many of `total` were never active.
    pub never_active: Option<i64>,
    pub rows: ReportRows,
}

impl ReportView {
    /// Whether a page follows this one.
    pub fn has_next(&self) -> bool {
        self.query.page.saturating_mul(PAGE_SIZE) < self.total
    }

    /// "51–100 of 230", or that nothing matches.
    pub fn summary(&self) -> String {
        if self.rows.is_empty() {
            return if self.total == 0 {
                "Nothing to report.".to_string()
            } else {
                format!("No rows on this page ({} in all).", self.total)
            };
        }
        let first = (self.query.page - 1) * PAGE_SIZE + 1;
        let last = first + self.rows.len() as i64 - 1;
        format!("{first}–{last} of {}", self.total)
    }
}

/// A report's size in the latest snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportCount {
    pub kind: ReportKind,
    /// `None`: the snapshot cannot answer this report (see `unavailable`).
    pub count: Option<i64>,
    pub unavailable: Option<String>,
}

/// The reports index: each report's size in the latest complete snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportIndex {
    pub snapshot_id: Option<i64>,
    pub as_of: Option<DateTime<Utc>>,
    /// The days the inactive-users count uses.
    pub inactive_days: u32,
    pub counts: Vec<ReportCount>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(days: &str, page: &str) -> ReportForm {
        ReportForm {
            days: days.into(),
            page: page.into(),
        }
    }

    #[test]
    fn every_report_has_its_own_slug() {
        for kind in REPORTS {
            assert_eq!(ReportKind::from_slug(kind.slug()), Some(*kind));
            assert!(kind.href().starts_with("/reports/"));
        }
        assert_eq!(ReportKind::from_slug("salaries"), None);
    }

    #[test]
    fn an_empty_form_is_ninety_days_page_one() {
        let q = ReportForm::default().to_query().expect("valid");
        assert_eq!(q, ReportQuery::default());
        assert_eq!(q.days, 90);
        let kind = ReportKind::InactiveUsers;
        assert_eq!(q.to_url_query(kind), "");
        assert_eq!(q.page_href(kind, 2), "/reports/inactive-users?page=2");
        assert_eq!(q.csv_href(kind), "/reports/inactive-users.csv");
    }

    #[test]
    fn days_travel_in_the_url_only_for_inactive_users() {
        let q = form("30", "3").to_query().expect("valid");
        assert_eq!(q.days, 30);
        assert_eq!(q.page, 3);
        assert_eq!(
            q.page_href(ReportKind::InactiveUsers, 4),
            "/reports/inactive-users?days=30&page=4"
        );
        assert_eq!(
            q.csv_href(ReportKind::InactiveUsers),
            "/reports/inactive-users.csv?days=30"
        );
        assert_eq!(
            q.csv_href(ReportKind::PublicShares),
            "/reports/public-shares.csv"
        );
    }

    #[test]
    fn bad_values_are_refused_in_plain_words() {
        for (days, page, words) in [
            ("0", "", "whole number from 1 to 36500"),
            ("ten", "", "whole number from 1 to 36500"),
            ("-5", "", "whole number"),
            ("36501", "", "whole number"),
            ("", "0", "Page numbers start at 1"),
            ("", "x", "Page numbers start at 1"),
        ] {
            let err = form(days, page).to_query().expect_err("refused");
            assert!(err.contains(words), "{days:?}/{page:?}: {err}");
        }
    }

    #[test]
    fn admin_gaps_and_sole_owners_say_what_is_wrong() {
        let mut admin = AdminGapRow {
            user_id: "usr1".into(),
            email: "a@b.c".into(),
            name: "A".into(),
            state: "provisioned".into(),
            is_super_admin: false,
            sso_required: false,
            two_factor: true,
            last_activity: None,
        };
        assert_eq!(admin.missing(), "SSO not required");
        admin.two_factor = false;
        assert_eq!(admin.missing(), "SSO not required, no two-factor sign-in");
        let owner = SoleOwnerRow {
            workspace_id: "wsp1".into(),
            workspace_name: "W".into(),
            owner_id: "ugp1".into(),
            owner_label: "Team".into(),
            owner_name: None,
            owner_state: None,
        };
        assert!(owner.owner_is_group());
        assert!(!owner.owner_deactivated());
    }

    #[test]
    fn the_summary_counts_the_page() {
        let view = |page: i64, rows: usize, total: i64| ReportView {
            kind: ReportKind::SoleOwnerWorkspaces,
            query: ReportQuery { days: 90, page },
            snapshot_id: Some(1),
            as_of: None,
            unavailable: None,
            total,
            never_active: None,
            rows: ReportRows::SoleOwnerWorkspaces(
                (0..rows)
                    .map(|i| SoleOwnerRow {
                        workspace_id: format!("wsp{i}"),
                        workspace_name: String::new(),
                        owner_id: "usr1".into(),
                        owner_label: String::new(),
                        owner_name: None,
                        owner_state: None,
                    })
                    .collect(),
            ),
        };
        assert_eq!(view(1, 0, 0).summary(), "Nothing to report.");
        assert_eq!(view(2, 10, 60).summary(), "51–60 of 60");
        assert!(view(1, 50, 60).has_next());
        assert!(!view(2, 10, 60).has_next());
    }
}
