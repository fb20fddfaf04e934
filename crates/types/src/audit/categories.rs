//! Which category each Airtable audit action belongs to. Airtable filters its log by
//! category but does not put the category in the event, so the console derives it.

/// Airtable's audit event categories.
pub const CATEGORIES: &[&str] = &[
    "base",
    "baseCollaboration",
    "components",
    "enterprise",
    "enterpriseLicenses",
    "enterpriseSettings",
    "groups",
    "managedApps",
    "oauth",
    "role",
    "share",
    "twoFactorAuthentication",
    "user",
    // Not Airtable's: the console's own actions, copied into the history it searches.
    "console",
];

/// Known actions and their categories, sorted by action.
pub const ACTIONS: &[(&str, &str)] = &[
    ("addBaseCollaborator", "baseCollaboration"),
    ("addWorkspaceCollaborator", "baseCollaboration"),
    ("changeBaseCollaboratorPermission", "baseCollaboration"),
    ("changeWorkspaceCollaboratorPermission", "baseCollaboration"),
    ("createBase", "base"),
    ("createGroup", "groups"),
    ("createOrgUnit", "enterprise"),
    ("createShare", "share"),
    ("createUser", "user"),
    ("createWorkspace", "base"),
    ("deleteBase", "base"),
    ("deleteBlockInstallation", "components"),
    ("deleteGroup", "groups"),
    ("deleteShare", "share"),
    ("deleteUser", "user"),
    ("deleteWorkspace", "base"),
    ("grantAdminAccess", "role"),
    ("grantOAuthIntegrationAccess", "oauth"),
    ("loginUser", "user"),
    ("logoutUser", "user"),
    ("moveBase", "base"),
    ("moveGroup", "groups"),
    ("moveWorkspace", "enterprise"),
    ("removeBaseCollaborator", "baseCollaboration"),
    ("removeGroupMember", "groups"),
    ("removeWorkspaceCollaborator", "baseCollaboration"),
    ("revokeAdminAccess", "role"),
    ("revokePersonalAccessToken", "user"),
    ("updateGroupName", "groups"),
    ("updateUserEmail", "user"),
    ("viewBase", "base"),
];

/// The category of `action`, or `None` for an action the console does not know yet.
pub fn category_for(action: &str) -> Option<&'static str> {
    ACTIONS
        .binary_search_by(|(known, _)| known.cmp(&action))
        .ok()
        .map(|i| ACTIONS[i].1)
}

/// The actions of `category`, or `None` when the console cannot list them: its own
/// category (`console`: any `console.…` action) and a name it does not know.
///
/// A stored event's category is derived from its action with [`ACTIONS`] when it is stored
/// (`category_for`; the console's own events are stored as `console`), so every stored
/// event of such a category has one of these actions, as long as an action is only ever
/// added to [`ACTIONS`], never moved to another category. Searches rely on it to read a
/// category without its most common action from the other actions' index.
pub fn actions_of(category: &str) -> Option<Vec<&'static str>> {
    let known = CATEGORIES.contains(&category);
    (known && category != "console").then(|| {
        ACTIONS
            .iter()
            .filter(|(_, c)| *c == category)
            .map(|(action, _)| *action)
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_sorted_and_their_categories_known() {
        assert!(
            ACTIONS.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted, no repeats"
        );
        assert!(ACTIONS.iter().all(|(_, c)| CATEGORIES.contains(c)));
        assert_eq!(category_for("deleteBase"), Some("base"));
        assert_eq!(category_for("somethingNew"), None);
    }

    #[test]
    fn a_category_lists_exactly_its_actions() {
        assert_eq!(
            actions_of("user"),
            Some(vec![
                "createUser",
                "deleteUser",
                "loginUser",
                "logoutUser",
                "revokePersonalAccessToken",
                "updateUserEmail",
            ])
        );
        // Known but with no action known yet: no stored event can have it.
        assert_eq!(actions_of("managedApps"), Some(vec![]));
        // Any `console.…` action, and names that are not categories: not listed.
        assert_eq!(actions_of("console"), None);
        assert_eq!(actions_of("nothing"), None);
        for category in CATEGORIES.iter().filter(|c| **c != "console") {
            let actions = actions_of(category).unwrap_or_default();
            assert!(actions.iter().all(|a| category_for(a) == Some(*category)));
        }
    }
}
