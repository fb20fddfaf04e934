//! Giving a user or group access to a workspace or a base, or changing the permission they
//! have there: the direct (non-destructive) collaborator changes. Removing access is
//! destructive and goes through approval instead (`approvals`).

use airtable_client::{
    ids::{BaseId, CollaboratorId, WorkspaceId},
    Error as AirtableError,
};
use console_types::api::{ConsoleError, SignedInUser};

use crate::{
    directory::{airtable_error, parse_id, parse_permission},
    Console,
};

/// The two places whose collaborators the console changes directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Workspace,
    Base,
}

/// Whether the person or group gets access or has their permission changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Add,
    Update,
}

impl Change {
    fn verb(self) -> &'static str {
        match self {
            Change::Add => "add_collaborator",
            Change::Update => "update_collaborator",
        }
    }
}

/// One collaborator change as asked: the place's ID, who, and the permission, as typed.
pub struct Asked {
    pub place_id: String,
    pub collaborator: String,
    pub permission: String,
}

/// Makes the change in Airtable with the person's own token and records it in the action
/// log (`workspaces.add_collaborator`, `bases.update_collaborator`, …).
pub async fn change(
    console: &Console,
    who: &SignedInUser,
    place: Place,
    change: Change,
    asked: Asked,
) -> Result<(), ConsoleError> {
    let airtable = console.airtable_for(who).await?;
    let id = match place {
        Place::Workspace => TypedPlace::Workspace(parse_id(&asked.place_id, "workspace")?),
        Place::Base => TypedPlace::Base(parse_id(&asked.place_id, "base")?),
    };
    let whom: CollaboratorId = parse_id(&asked.collaborator, "user or group")?;
    let level = parse_permission(&asked.permission)?;
    let (grantee, permission) = (whom.clone(), level.clone());
    let answer = match (&id, change) {
        (TypedPlace::Workspace(w), Change::Add) => {
            airtable
                .workspace(w)
                .add_collaborator(grantee, permission)
                .await
        }
        (TypedPlace::Workspace(w), Change::Update) => {
            airtable
                .workspace(w)
                .update_collaborator(grantee, permission)
                .await
        }
        (TypedPlace::Base(b), Change::Add) => {
            airtable.base(b).add_collaborator(grantee, permission).await
        }
        (TypedPlace::Base(b), Change::Update) => {
            airtable
                .base(b)
                .update_collaborator(grantee, permission)
                .await
        }
    };
    let (word, id) = match &id {
        TypedPlace::Workspace(w) => ("workspace", w.as_str()),
        TypedPlace::Base(b) => ("base", b.as_str()),
    };
    answer.map_err(|e| refused(e, change, word, id, &whom))?;
    // What the action log has always recorded for each place.
    let (target, details) = match place {
        Place::Workspace => (
            id.to_string(),
            serde_json::json!({ "collaborator": whom.as_str(), "permission": level.as_str() }),
        ),
        Place::Base => (
            format!("{id}/{whom}"),
            serde_json::json!({ "base": id, "collaborator": whom.to_string(), "permission": level.to_string() }),
        ),
    };
    let action = format!("{word}s.{}", change.verb());
    console
        .log_action(who, &action, Some(&target), details)
        .await
}

/// The place's ID, parsed as the type of ID its place takes.
enum TypedPlace {
    Workspace(WorkspaceId),
    Base(BaseId),
}

/// Airtable's refusal in words naming what it was about: a missing place or person when
/// adding, the person's access on that place when updating.
fn refused(
    error: AirtableError,
    change: Change,
    place: &str,
    id: &str,
    whom: &CollaboratorId,
) -> ConsoleError {
    let about = match change {
        Change::Add => format!("{place} {id} or {whom}"),
        Change::Update => format!("{whom} on {place} {id}"),
    };
    airtable_error(&about, error)
}
