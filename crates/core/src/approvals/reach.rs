//! Actions that widen or move who can reach a base's data rather than take something away:
//! enabling a share (anyone with its link sees the data) and moving a base to another
//! workspace (access through the old workspace ends, the new workspace's people gain it).
//! They need approval by default like the destructive kinds; admins may exempt them.

use std::collections::BTreeSet;

use airtable_client::{
    ids::{BaseId, EnterpriseId, GroupId, ShareId, UserId, WorkspaceId},
    models::{GroupCollaborator, IndividualCollaborator, Workspace},
    Client, Error,
};
use console_types::approvals::Preview;

use super::reading::{
    fact, found, group_label, level, list, missing, named, plural, read_groups, share_label,
    workspace_name, BaseView, People,
};

/// The share as it is now, and what turning it on exposes.
pub(super) async fn enable_share_preview(
    airtable: &Client,
    enterprise: &EnterpriseId,
    base: &BaseId,
    share: &ShareId,
) -> Result<Preview, Error> {
    let Some(view) = found(BaseView::read(airtable, base).await)? else {
        return Ok(missing());
    };
    let Some(s) = view.shares.iter().find(|s| &s.share_id == share) else {
        return Ok(missing());
    };
    let people = People::read(airtable, enterprise, vec![s.created_by_user_id.clone()]).await;
    let refused = (s.state.as_str() == "enabled")
        .then(|| format!("Share {share} is already enabled: there is nothing to turn on."));
    Ok(Preview {
        target_exists: true,
        facts: vec![
            fact("Base", named(&view.base.name, base.as_str())),
            fact(
                "Workspace",
                workspace_name(airtable, &view.base.workspace_id).await?,
            ),
            fact("Share", share_label(s)),
            fact("Created by", people.label(&s.created_by_user_id, "")),
            fact(
                "Once enabled",
                if s.restricted_to_email_domains.is_empty() {
                    "anyone who has the link can read what it shares, without signing in"
                        .to_string()
                } else {
                    format!(
                        "anyone signed in with an email on {} who has the link can read what it shares",
                        s.restricted_to_email_domains.join(", ")
                    )
                },
            ),
        ],
        lists: vec![list(
            "Other shares of the base",
            view.shares
                .iter()
                .filter(|other| &other.share_id != share)
                .map(share_label)
                .collect(),
        )],
        refused,
    })
}

/// Who a workspace's collaborator lists name, as users and groups.
struct WorkspaceAccess {
    users: Vec<IndividualCollaborator>,
    groups: Vec<GroupCollaborator>,
}

impl WorkspaceAccess {
    fn of(ws: &Workspace) -> WorkspaceAccess {
        WorkspaceAccess {
            users: level(ws.individual(), false).to_vec(),
            groups: level(ws.group_collaborators.as_ref(), false).to_vec(),
        }
    }

    fn user_ids(&self) -> BTreeSet<&UserId> {
        self.users.iter().map(|c| &c.user_id).collect()
    }

    fn group_ids(&self) -> BTreeSet<&GroupId> {
        self.groups.iter().map(|c| &c.group_id).collect()
    }
}

/// Where the base is, where it goes, and who loses or gains access by the move: people and
/// groups of the old workspace who have no grant on the base itself (nor on the new
/// workspace) lose it; those of the new workspace who had no way in gain it.
pub(super) async fn move_base_preview(
    airtable: &Client,
    enterprise: &EnterpriseId,
    base: &BaseId,
    target: &WorkspaceId,
) -> Result<Preview, Error> {
    let Some(view) = found(BaseView::read(airtable, base).await)? else {
        return Ok(missing());
    };
    let b = &view.base;
    let from = found(
        airtable
            .workspace(&b.workspace_id)
            .get()
            .include_collaborators()
            .send()
            .await,
    )?;
    let to = found(
        airtable
            .workspace(target)
            .get()
            .include_collaborators()
            .send()
            .await,
    )?;
    let from_name = from.as_ref().map_or_else(
        || b.workspace_id.to_string(),
        |w| named(&w.name, w.id.as_str()),
    );
    let mut facts = vec![
        fact("Base", named(&b.name, b.id.as_str())),
        fact("From workspace", from_name.clone()),
    ];
    let Some(to) = to else {
        facts.push(fact("To workspace", format!("{target} (not found)")));
        return Ok(Preview {
            target_exists: true,
            facts,
            lists: Vec::new(),
            refused: Some(format!(
                "There is no workspace {target} in this enterprise: pick one from the workspaces list."
            )),
        });
    };
    let to_name = named(&to.name, to.id.as_str());
    facts.push(fact("To workspace", to_name.clone()));
    if &b.workspace_id == target {
        return Ok(Preview {
            target_exists: true,
            facts,
            lists: Vec::new(),
            refused: Some(format!(
                "Base {} is already in workspace {to_name}.",
                named(&b.name, b.id.as_str())
            )),
        });
    }

    let old = from.as_ref().map_or(
        WorkspaceAccess {
            users: Vec::new(),
            groups: Vec::new(),
        },
        WorkspaceAccess::of,
    );
    let new = WorkspaceAccess::of(&to);
    let on_base_users: BTreeSet<&UserId> = view.users(true).iter().map(|c| &c.user_id).collect();
    let on_base_groups: BTreeSet<&GroupId> =
        view.groups(true).iter().map(|c| &c.group_id).collect();
    let (old_users, new_users) = (old.user_ids(), new.user_ids());
    let (old_groups, new_groups) = (old.group_ids(), new.group_ids());
    let losing: Vec<&IndividualCollaborator> = old
        .users
        .iter()
        .filter(|c| !on_base_users.contains(&c.user_id) && !new_users.contains(&c.user_id))
        .collect();
    let gaining: Vec<&IndividualCollaborator> = new
        .users
        .iter()
        .filter(|c| !on_base_users.contains(&c.user_id) && !old_users.contains(&c.user_id))
        .collect();
    let losing_groups: Vec<&GroupCollaborator> = old
        .groups
        .iter()
        .filter(|c| !on_base_groups.contains(&c.group_id) && !new_groups.contains(&c.group_id))
        .collect();
    let gaining_groups: Vec<&GroupCollaborator> = new
        .groups
        .iter()
        .filter(|c| !on_base_groups.contains(&c.group_id) && !old_groups.contains(&c.group_id))
        .collect();

    let ids: Vec<UserId> = losing
        .iter()
        .chain(&gaining)
        .map(|c| c.user_id.clone())
        .chain(view.users(true).iter().map(|c| c.user_id.clone()))
        .collect();
    let people = People::read(airtable, enterprise, ids).await;
    let groups = read_groups(
        airtable,
        losing_groups
            .iter()
            .chain(&gaining_groups)
            .map(|c| c.group_id.clone()),
    )
    .await?;
    facts.push(fact(
        "Once moved",
        format!(
            "{} and {} lose access through {from_name}; {} and {} gain it through {to_name}. \
             Collaborators given access on the base itself, its shares and extensions stay.",
            plural(losing.len(), "person", "people"),
            plural(losing_groups.len(), "group", "groups"),
            plural(gaining.len(), "person", "people"),
            plural(gaining_groups.len(), "group", "groups"),
        ),
    ));
    Ok(Preview {
        target_exists: true,
        facts,
        lists: vec![
            list(
                &format!("People who lose access (through {from_name})"),
                losing.iter().map(|c| people.user(c)).collect(),
            ),
            list(
                &format!("Groups that lose access (through {from_name})"),
                losing_groups
                    .iter()
                    .map(|c| group_label(&groups, c))
                    .collect(),
            ),
            list(
                &format!("People who gain access (through {to_name})"),
                gaining.iter().map(|c| people.user(c)).collect(),
            ),
            list(
                &format!("Groups that gain access (through {to_name})"),
                gaining_groups
                    .iter()
                    .map(|c| group_label(&groups, c))
                    .collect(),
            ),
            list(
                "People who keep access (given on the base)",
                view.users(true).iter().map(|c| people.user(c)).collect(),
            ),
        ],
        refused: None,
    })
}

/// Turns the share on; the answer names it.
pub(super) async fn enable_share(
    airtable: &Client,
    base: &BaseId,
    share: &ShareId,
) -> Result<String, Error> {
    airtable.base(base).share(share).enable().await?;
    Ok(format!("Share {share} enabled: its link works again."))
}

/// Moves the base; Airtable's call is made on the workspace it is in now, read first.
pub(super) async fn move_base(
    airtable: &Client,
    base: &BaseId,
    target: &WorkspaceId,
) -> Result<String, Error> {
    let current = airtable.base(base).get().send().await?;
    let from = workspace_name(airtable, &current.workspace_id).await?;
    airtable
        .workspace(&current.workspace_id)
        .move_base(base, target)
        .send()
        .await?;
    let to = workspace_name(airtable, target).await?;
    Ok(format!(
        "Base {} moved from workspace {from} to workspace {to}.",
        named(&current.name, base.as_str())
    ))
}
