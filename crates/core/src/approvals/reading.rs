//! Reading what a preview names from Airtable, a few calls at a time, and writing it in
//! words: "Name (id)", people with their emails, groups with their members, a base as its
//! page counts it. Shared by the previews of every kind ([`super::airtable`], [`super::reach`]).

use std::collections::{BTreeMap, HashMap};
use std::future::Future;

use airtable_client::{
    ids::{BaseId, EnterpriseId, GroupId, UserId, WorkspaceId},
    models::{
        Base, BlockInstallation, CollaboratorSet, Group, GroupCollaborator, IndividualCollaborator,
        InviteLink, Share, UserState,
    },
    Client, Error,
};
use console_types::approvals::{Collaborator, Preview, PreviewList};
use futures::{StreamExt, TryStreamExt};

/// Calls in flight at once while reading the many small things a preview names.
pub(super) const CONCURRENCY: usize = 4;

/// Whether an error means the thing is not there. Airtable answers 403
/// `INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND` for a missing model as often as 404.
pub(super) fn is_missing(error: &Error) -> bool {
    error.is_not_found() || error.airtable_type() == Some("INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND")
}

pub(super) fn missing() -> Preview {
    Preview {
        target_exists: false,
        ..Preview::default()
    }
}

pub(super) fn list(title: &str, mut items: Vec<String>) -> PreviewList {
    items.sort();
    PreviewList {
        title: title.to_string(),
        items,
    }
}

pub(super) fn yes_no(value: Option<bool>) -> String {
    if value.unwrap_or(false) { "yes" } else { "no" }.to_string()
}

pub(super) fn fact(name: &str, value: impl Into<String>) -> (String, String) {
    (name.to_string(), value.into())
}

/// Runs `f` over `items`, a few at a time, keeping their order.
pub(super) async fn each<T, R, F, Fut>(items: Vec<T>, f: F) -> Result<Vec<R>, Error>
where
    F: FnMut(T) -> Fut,
    Fut: Future<Output = Result<R, Error>>,
{
    futures::stream::iter(items)
        .map(f)
        .buffered(CONCURRENCY)
        .try_collect()
        .await
}

/// `None` when the thing is gone (it may vanish between two calls of one preview).
pub(super) fn found<T>(result: Result<T, Error>) -> Result<Option<T>, Error> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if is_missing(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// "Name (id)", or the ID alone when there is no name.
pub(super) fn named(name: &str, id: &str) -> String {
    console_types::api::name_beside_id(Some(name), id)
}

/// "Name <email> (usr…)", leaving out what is not known.
pub(super) fn person(name: &str, email: &str, id: &str) -> String {
    match (name.trim(), email.trim()) {
        ("", "") => id.to_string(),
        ("", email) => format!("{email} ({id})"),
        (name, "") => format!("{name} ({id})"),
        (name, email) => format!("{name} <{email}> ({id})"),
    }
}

pub(super) use console_types::plural;

pub(super) fn state_word(state: &UserState) -> String {
    format!("{state:?}").to_lowercase()
}

/// People's names by ID, read in one listing (Airtable takes 100 IDs a call). Collaborator
/// lists carry only emails; a listing that fails leaves the emails shown, since the names
/// help the approver read the preview while what is touched is already known.
pub(super) struct People(HashMap<UserId, String>);

impl People {
    pub(super) async fn read(
        airtable: &Client,
        enterprise: &EnterpriseId,
        mut ids: Vec<UserId>,
    ) -> People {
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return People(HashMap::new());
        }
        match airtable
            .enterprise(enterprise)
            .users()
            .by_ids(ids)
            .send()
            .await
        {
            Ok(users) => People(users.into_iter().map(|u| (u.id, u.name)).collect()),
            Err(error) => {
                tracing::warn!(%error, "preview: could not read people's names");
                People(HashMap::new())
            }
        }
    }

    pub(super) fn label(&self, id: &UserId, email: &str) -> String {
        person(
            self.0.get(id).map(String::as_str).unwrap_or(""),
            email,
            id.as_str(),
        )
    }

    pub(super) fn user(&self, c: &IndividualCollaborator) -> String {
        format!(
            "{}: {}",
            self.label(&c.user_id, &c.email),
            c.permission_level.as_str()
        )
    }
}

/// The groups named, read once each (for their names and members).
pub(super) async fn read_groups(
    airtable: &Client,
    ids: impl IntoIterator<Item = GroupId>,
) -> Result<BTreeMap<GroupId, Group>, Error> {
    let mut ids: Vec<GroupId> = ids.into_iter().collect();
    ids.sort();
    ids.dedup();
    let groups = each(ids, |id| async move {
        found(airtable.group(&id).get().send().await)
    })
    .await?;
    Ok(groups
        .into_iter()
        .flatten()
        .map(|g| (g.id.clone(), g))
        .collect())
}

pub(super) fn group_label(groups: &BTreeMap<GroupId, Group>, c: &GroupCollaborator) -> String {
    let members = groups
        .get(&c.group_id)
        .map(|g| format!(", {}", plural(g.members.len(), "member", "members")))
        .unwrap_or_default();
    format!(
        "{}: {}{members}",
        named(&c.name, c.group_id.as_str()),
        c.permission_level.as_str()
    )
}

/// Everyone who reaches something through the groups given: one line per membership.
pub(super) fn members_through(
    groups: &BTreeMap<GroupId, Group>,
    via: &[&GroupCollaborator],
) -> Vec<String> {
    let mut seen: Vec<&GroupId> = Vec::new();
    let mut lines = Vec::new();
    for c in via {
        if seen.contains(&&c.group_id) {
            continue;
        }
        seen.push(&c.group_id);
        if let Some(group) = groups.get(&c.group_id) {
            for m in &group.members {
                let name = [m.first_name.as_deref(), m.last_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                lines.push(format!(
                    "{} through {}",
                    person(&name, &m.email, m.user_id.as_str()),
                    named(&group.name, group.id.as_str())
                ));
            }
        }
    }
    lines
}

pub(super) fn invite_label(i: &InviteLink) -> String {
    let mut text = format!(
        "{}: {}, {}",
        i.id,
        i.kind.as_str(),
        i.permission_level.as_str()
    );
    if let Some(email) = i.invited_email.as_deref().filter(|e| !e.is_empty()) {
        text.push_str(&format!(", for {email}"));
    }
    text
}

pub(super) fn share_label(s: &Share) -> String {
    let domains = if s.restricted_to_email_domains.is_empty() {
        "any email domain".to_string()
    } else {
        format!("only {}", s.restricted_to_email_domains.join(", "))
    };
    format!(
        "{}: {} share, {}, {}, {domains}",
        s.share_id,
        s.kind.as_str(),
        s.state.as_str(),
        if s.is_password_protected {
            "password protected"
        } else {
            "no password"
        }
    )
}

pub(super) fn extension_label(x: &BlockInstallation) -> String {
    format!(
        "{} (extension {}, installation {}): {}",
        x.block_slug.as_deref().unwrap_or("extension"),
        x.block_id,
        x.id,
        x.state.as_str()
    )
}

/// The users and groups of a collaborator set, at the base or the workspace level.
pub(super) fn level<T>(set: Option<&CollaboratorSet<T>>, base_level: bool) -> &[T] {
    match set {
        Some(s) if base_level => &s.base_collaborators,
        Some(s) => &s.workspace_collaborators,
        None => &[],
    }
}

/// A base as its page reads it: collaborators, invite links, interfaces, shares, extensions.
pub(super) struct BaseView {
    pub(super) base: Base,
    pub(super) shares: Vec<Share>,
    pub(super) extensions: Vec<BlockInstallation>,
}

impl BaseView {
    pub(super) async fn read(airtable: &Client, id: &BaseId) -> Result<BaseView, Error> {
        let handler = airtable.base(id);
        let base = handler
            .get()
            .include_collaborators()
            .include_invite_links()
            .include_interfaces()
            .send()
            .await?;
        let shares = handler.shares().await?;
        let extensions = handler.block_installations().await?;
        Ok(BaseView {
            base,
            shares,
            extensions,
        })
    }

    pub(super) fn users(&self, base_level: bool) -> &[IndividualCollaborator] {
        level(self.base.individual(), base_level)
    }

    pub(super) fn groups(&self, base_level: bool) -> &[GroupCollaborator] {
        level(self.base.group_collaborators.as_ref(), base_level)
    }

    /// As the base page counts them: users and groups, on the base and on its workspace.
    pub(super) fn collaborator_count(&self) -> usize {
        self.users(true).len()
            + self.groups(true).len()
            + self.users(false).len()
            + self.groups(false).len()
    }

    pub(super) fn base_invites(&self) -> &[InviteLink] {
        self.base
            .invite_links
            .as_ref()
            .map_or(&[], |l| &l.base_invite_links)
    }

    pub(super) fn workspace_invites(&self) -> &[InviteLink] {
        self.base
            .invite_links
            .as_ref()
            .map_or(&[], |l| &l.workspace_invite_links)
    }

    pub(super) fn interfaces(&self) -> impl Iterator<Item = &airtable_client::models::Interface> {
        self.base.interfaces.iter().flat_map(|m| m.values())
    }

    pub(super) fn interface_invite_count(&self) -> usize {
        self.interfaces().map(|i| i.invite_links.len()).sum()
    }

    /// One line about everything the base holds, with the base page's counts.
    pub(super) fn summary(&self) -> String {
        format!(
            "{}: {}, {}, {}, {}, {}",
            named(&self.base.name, self.base.id.as_str()),
            plural(self.collaborator_count(), "collaborator", "collaborators"),
            plural(self.shares.len(), "share", "shares"),
            plural(
                self.base_invites().len() + self.workspace_invites().len(),
                "invite link",
                "invite links"
            ),
            plural(self.interfaces().count(), "interface", "interfaces"),
            plural(self.extensions.len(), "extension", "extensions"),
        )
    }

    pub(super) fn user_ids(&self) -> Vec<UserId> {
        let mut ids: Vec<UserId> = self
            .users(true)
            .iter()
            .chain(self.users(false))
            .map(|c| c.user_id.clone())
            .collect();
        for i in self.interfaces() {
            ids.extend(i.individual_collaborators.iter().map(|c| c.user_id.clone()));
        }
        ids
    }

    pub(super) fn group_ids(&self) -> Vec<GroupId> {
        let mut ids: Vec<GroupId> = self
            .groups(true)
            .iter()
            .chain(self.groups(false))
            .map(|c| c.group_id.clone())
            .collect();
        for i in self.interfaces() {
            ids.extend(i.group_collaborators.iter().map(|c| c.group_id.clone()));
        }
        ids
    }
}

/// A workspace's name, "Name (wsp…)", or its ID when it cannot be read.
pub(super) async fn workspace_name(airtable: &Client, id: &WorkspaceId) -> Result<String, Error> {
    Ok(
        found(airtable.workspace(id).get().send().await)?.map_or_else(
            || format!("{id} (not found)"),
            |w| named(&w.name, id.as_str()),
        ),
    )
}

pub(super) async fn base_name(airtable: &Client, id: &BaseId) -> Result<String, Error> {
    Ok(found(airtable.base(id).get().send().await)?.map_or_else(
        || format!("{id} (not found)"),
        |b| named(&b.name, id.as_str()),
    ))
}

pub(super) fn collaborator_is(
    c: &Collaborator,
    users: &[IndividualCollaborator],
    groups: &[GroupCollaborator],
) -> bool {
    match c {
        Collaborator::User(id) => users.iter().any(|u| &u.user_id == id),
        Collaborator::Group(id) => groups.iter().any(|g| &g.group_id == id),
    }
}

/// The one line naming the collaborator an action removes, as they hold access now.
pub(super) fn removed_line(
    c: &Collaborator,
    users: &[IndividualCollaborator],
    groups: &[GroupCollaborator],
    people: &People,
    group_names: &BTreeMap<GroupId, Group>,
) -> Option<String> {
    match c {
        Collaborator::User(id) => users
            .iter()
            .find(|u| &u.user_id == id)
            .map(|u| people.user(u)),
        Collaborator::Group(id) => groups
            .iter()
            .find(|g| &g.group_id == id)
            .map(|g| group_label(group_names, g)),
    }
}
