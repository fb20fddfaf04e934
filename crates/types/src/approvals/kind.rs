//! What people and the policy read about a kind of action: its stored name, its label,
//! and whether it is a console control or locked (always needs a second person).

use strum::{EnumMessage, IntoEnumIterator};

use super::ActionKind;

impl ActionKind {
    /// The kind's stored name (the serde tag of its [`RiskyAction`](super::RiskyAction)).
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// What people read.
    pub fn label(self) -> &'static str {
        self.get_message().unwrap_or_else(|| self.name())
    }

    /// Changes to the console's own controls. They are not on the policy page: weakening a
    /// control always needs a second admin (tightening one happens at once).
    pub fn is_console_control(self) -> bool {
        matches!(
            self,
            ActionKind::ExemptFromApproval | ActionKind::GrantConsoleRole
        )
    }

    /// Kinds that always need a second person: an exemption for them is refused whatever a
    /// form sends. They delete, or cut every way in at once.
    pub fn is_locked(self) -> bool {
        matches!(
            self,
            ActionKind::DeleteUser
                | ActionKind::DeleteUsersByEmail
                | ActionKind::RemoveUserFromEnterprise
                | ActionKind::DeleteWorkspace
                | ActionKind::DeleteBase
                | ActionKind::RevokePersonalAccessTokens
        )
    }
}

/// The kinds on the approval policy page: every risky action on Airtable (all need approval
/// on a new installation), in the order the variants are declared.
pub fn policy_kinds() -> impl Iterator<Item = ActionKind> {
    ActionKind::iter().filter(|k| !k.is_console_control())
}

/// The kind stored as `name`, if the console knows one.
pub fn kind_named(name: &str) -> Option<ActionKind> {
    name.parse().ok()
}

/// Whether `kind` can never be exempted from approval.
pub fn is_locked(kind: &str) -> bool {
    kind_named(kind).is_some_and(ActionKind::is_locked)
}

/// The label people read for a kind stored as `kind` (the name itself when unknown).
pub fn kind_label(kind: &str) -> &str {
    match kind_named(kind) {
        Some(known) => known.label(),
        None => kind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Role;
    use crate::approvals::{Collaborator, RiskyAction};
    use airtable_client::ids::UserId;

    fn user(s: &str) -> UserId {
        s.parse().expect("user id")
    }

    /// One call of each kind (the match is exhaustive: a new kind must be added here).
    fn sample(kind: ActionKind) -> RiskyAction {
        let u = || user("usrAAAAAAAAAAAAAA");
        let base = || "appAAAAAAAAAAAAAA".parse().expect("app");
        let workspace = || "wspAAAAAAAAAAAAAA".parse().expect("wsp");
        let group = || "ugpAAAAAAAAAAAAAA".parse().expect("ugp");
        let share = || "shrAAAAAAAAAAAAAA".parse().expect("shr");
        let interface = || "pbdAAAAAAAAAAAAAA".parse().expect("pbd");
        let invite = || "invAAAAAAAAAAAAAA".parse().expect("inv");
        let installation = || "bliAAAAAAAAAAAAAA".parse().expect("bli");
        let enterprise = || "entAAAAAAAAAAAAAA".parse().expect("ent");
        match kind {
            ActionKind::DeleteUser => RiskyAction::DeleteUser { user: u() },
            ActionKind::DeleteUsersByEmail => RiskyAction::DeleteUsersByEmail {
                emails: vec!["a@corp.com".into()],
            },
            ActionKind::RemoveUserFromEnterprise => RiskyAction::RemoveUserFromEnterprise {
                user: u(),
                replacement_owner: None,
                remove_from_descendants: false,
            },
            ActionKind::DeactivateUser => RiskyAction::DeactivateUser { user: u() },
            ActionKind::RevokeAdminAccess => RiskyAction::RevokeAdminAccess { user: u() },
            ActionKind::DeleteWorkspace => RiskyAction::DeleteWorkspace {
                workspace: workspace(),
            },
            ActionKind::DeleteBase => RiskyAction::DeleteBase { base: base() },
            ActionKind::RemoveWorkspaceCollaborator => RiskyAction::RemoveWorkspaceCollaborator {
                workspace: workspace(),
                collaborator: Collaborator::Group(group()),
            },
            ActionKind::RemoveBaseCollaborator => RiskyAction::RemoveBaseCollaborator {
                base: base(),
                collaborator: Collaborator::User(u()),
            },
            ActionKind::RemoveInterfaceCollaborator => RiskyAction::RemoveInterfaceCollaborator {
                base: base(),
                interface: interface(),
                collaborator: Collaborator::User(u()),
            },
            ActionKind::DeleteWorkspaceInvite => RiskyAction::DeleteWorkspaceInvite {
                workspace: workspace(),
                invite: invite(),
            },
            ActionKind::DeleteBaseInvite => RiskyAction::DeleteBaseInvite {
                base: base(),
                invite: invite(),
            },
            ActionKind::DeleteInterfaceInvite => RiskyAction::DeleteInterfaceInvite {
                base: base(),
                interface: interface(),
                invite: invite(),
            },
            ActionKind::DeleteShare => RiskyAction::DeleteShare {
                base: base(),
                share: share(),
            },
            ActionKind::DisableShare => RiskyAction::DisableShare {
                base: base(),
                share: share(),
            },
            ActionKind::EnableShare => RiskyAction::EnableShare {
                base: base(),
                share: share(),
            },
            ActionKind::MoveBase => RiskyAction::MoveBase {
                base: base(),
                workspace: workspace(),
            },
            ActionKind::DeleteBlockInstallation => RiskyAction::DeleteBlockInstallation {
                base: base(),
                installation: installation(),
            },
            ActionKind::DisableBlockInstallation => RiskyAction::DisableBlockInstallation {
                base: base(),
                installation: installation(),
            },
            ActionKind::MoveWorkspaces => RiskyAction::MoveWorkspaces {
                workspaces: vec![workspace()],
                target_enterprise: enterprise(),
            },
            ActionKind::MoveGroups => RiskyAction::MoveGroups {
                groups: vec![group()],
                target_enterprise: enterprise(),
            },
            ActionKind::RevokePersonalAccessTokens => RiskyAction::RevokePersonalAccessTokens {
                tokens: vec!["patAAAAAAAAAAAAAA".parse().expect("pat")],
            },
            ActionKind::GrantAdminAccess => RiskyAction::GrantAdminAccess { user: u() },
            ActionKind::RemoveGroupMember => RiskyAction::RemoveGroupMember {
                group: group(),
                user: u(),
            },
            ActionKind::DeleteGroup => RiskyAction::DeleteGroup { group: group() },
            ActionKind::ExemptFromApproval => RiskyAction::ExemptFromApproval {
                exempted: "disable_share".into(),
            },
            ActionKind::GrantConsoleRole => RiskyAction::GrantConsoleRole {
                user: u(),
                email: "a@corp.com".into(),
                role: Role::Approver,
            },
        }
    }

    #[test]
    fn every_kind_is_derived_labelled_and_round_trips_through_json() {
        for kind in ActionKind::iter() {
            let action = sample(kind);
            assert_eq!(ActionKind::from(&action), kind);
            // The stored name is serde's tag, and it parses back to the kind.
            let json = serde_json::to_value(&action).expect("json");
            assert_eq!(json["kind"], action.kind());
            assert_eq!(kind_named(action.kind()), Some(kind));
            // Every kind has words for people, not its stored name.
            assert_ne!(kind.label(), kind.name(), "{kind:?} has no label");
            assert!(
                action.validate().is_ok(),
                "{kind:?}: {:?}",
                action.validate()
            );
            let back: RiskyAction = serde_json::from_value(json).expect("back");
            assert_eq!(back, action);
        }
        // The policy page lists every kind but the console's own controls; deletions locked.
        assert_eq!(policy_kinds().count(), ActionKind::iter().count() - 2);
        assert!(is_locked("delete_base") && !is_locked("move_base"));
        assert_eq!(kind_label("move_base"), "Move a base to another workspace");
        assert_eq!(kind_label("no_such_kind"), "no_such_kind");
    }
}
