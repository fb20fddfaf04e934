//! Ready-made rules an admin enables with one click. Each query is in the audit language and
//! names the actions as the console knows them (`console_types::audit::categories`, the
//! simulator). Where Airtable's log cannot say what the rule is about, the note says so,
//! and a rule that cannot be written at all has no query and cannot be enabled.

/// One starter rule's definition.
pub struct Starter {
    pub key: &'static str,
    pub name: &'static str,
    pub query: Option<&'static str>,
    pub description: &'static str,
    pub note: Option<&'static str>,
}

pub const STARTERS: &[Starter] = &[
    Starter {
        key: "public-share",
        name: "Share link turned on",
        query: Some("action:enableShare action:createShare"),
        description: "A base or view was shared by link.",
        note: Some(
            "Airtable's event does not say whether the share has a password or a domain \
             restriction, so this fires for every share turned on. The report \"Public \
             shares without a password or domain restriction\" lists those that have none.",
        ),
    },
    Starter {
        key: "admin-granted",
        name: "Enterprise admin access granted",
        query: Some("action:grantAdminAccess"),
        description: "Someone was made an admin of the enterprise.",
        note: None,
    },
    Starter {
        key: "base-or-workspace-deleted",
        name: "Base or workspace deleted",
        query: Some("action:deleteBase action:deleteWorkspace"),
        description: "A base or a whole workspace was deleted.",
        note: None,
    },
    Starter {
        key: "user-removed",
        name: "User removed from the enterprise",
        query: Some("action:removeUserFromEnterprise action:deleteUser"),
        description: "A user was removed from the enterprise or deleted.",
        note: Some(
            "No sample of Airtable's log shows the event a removal records \
             (removeUserFromEnterprise is the API's name for the call); deletions \
             (deleteUser) are certain. The simulator records a removal as the \
             collaborator removals it causes.",
        ),
    },
    Starter {
        key: "token-created",
        name: "Personal access token created",
        query: Some("action:createPersonalAccessToken"),
        description: "Someone created a personal access token.",
        note: Some(
            "Unconfirmed: no sample of Airtable's log shows the event's name \
             (revokePersonalAccessToken is known), and the simulator records none; \
             check the rule's test against your own log.",
        ),
    },
    Starter {
        key: "scim-deprovisioning-failed",
        name: "SCIM deprovisioning failed",
        query: None,
        description: "Your identity provider could not deprovision someone through SCIM.",
        note: Some(
            "Not possible from the audit log: Airtable records what happened, not SCIM \
             calls that failed. Your identity provider's provisioning log has them.",
        ),
    },
];

pub fn find(key: &str) -> Option<&'static Starter> {
    STARTERS.iter().find(|s| s.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use console_types::audit::query::AuditQuery;

    #[test]
    fn every_starter_query_parses_and_keys_are_unique() {
        for s in STARTERS {
            if let Some(q) = s.query {
                let parsed = AuditQuery::parse(q).expect(q);
                assert!(!parsed.is_empty(), "{q}");
            } else {
                assert!(s.note.is_some(), "{}: say why it cannot be written", s.key);
            }
            assert_eq!(STARTERS.iter().filter(|o| o.key == s.key).count(), 1);
        }
    }
}
