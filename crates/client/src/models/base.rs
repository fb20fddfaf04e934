//! Bases: the list, a base's collaborators and interfaces, its schema, creation.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::{
    CollaboratorSet, Extra, GroupCollaborator, IndividualCollaborator, InviteLink, InviteLinks,
    PermissionLevel,
};
use crate::ids::{
    BaseId, FieldId, InterfaceId, PackageId, PackageInstallationId, TableId, UserId, ViewId,
    WorkspaceId,
};
use crate::serde_util::double_option;
use crate::time::Timestamp;

/// Reply of `GET /v0/meta/bases` (one page).
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BasesResponse {
    /// Bases the token can reach.
    pub bases: Vec<BaseSummary>,
    /// Cursor of the next page, if any.
    pub offset: Option<String>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A base in the list of bases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BaseSummary {
    /// The base.
    pub id: BaseId,
    /// Its name.
    pub name: String,
    /// The token owner's level on it.
    pub permission_level: PermissionLevel,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `GET /v0/meta/bases/{baseId}` ("get base collaborators"), with what `include` asked for.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Base {
    /// The base.
    pub id: BaseId,
    /// Its name.
    pub name: String,
    /// When it was created.
    pub created_time: Timestamp,
    /// The caller's level (`none` for an admin who is not a collaborator).
    pub permission_level: PermissionLevel,
    /// The workspace holding it.
    pub workspace_id: WorkspaceId,
    /// With `include=collaborators`: user collaborators (same as `individualCollaborators`).
    pub collaborators: Option<CollaboratorSet<IndividualCollaborator>>,
    /// With `include=collaborators`: user collaborators, on the base and via its workspace.
    pub individual_collaborators: Option<CollaboratorSet<IndividualCollaborator>>,
    /// With `include=collaborators`: group collaborators.
    pub group_collaborators: Option<CollaboratorSet<GroupCollaborator>>,
    /// With `include=inviteLinks`: outstanding invites.
    pub invite_links: Option<InviteLinks>,
    /// With `include=interfaces`: interfaces keyed by ID.
    pub interfaces: Option<BTreeMap<InterfaceId, Interface>>,
    /// With `include=packages`: installed packages.
    pub package_installations: Option<Vec<PackageInstallation>>,
    /// The base's sensitivity label, if the enterprise uses labels.
    #[serde(default, with = "double_option")]
    pub sensitivity_label: Option<Option<SensitivityLabel>>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Base {
    /// User collaborators, from `individualCollaborators` or else `collaborators`.
    pub fn individual(&self) -> Option<&CollaboratorSet<IndividualCollaborator>> {
        self.individual_collaborators
            .as_ref()
            .or(self.collaborators.as_ref())
    }
}

/// An interface of a base with its collaborators.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Interface {
    /// The interface.
    pub id: InterfaceId,
    /// Its name.
    pub name: String,
    /// When it was created.
    pub created_time: Timestamp,
    /// When it was first published (`null` if never).
    #[serde(default, with = "double_option")]
    pub first_publish_time: Option<Option<Timestamp>>,
    /// Groups with access.
    #[serde(default)]
    pub group_collaborators: Vec<GroupCollaborator>,
    /// Users with access.
    #[serde(default)]
    pub individual_collaborators: Vec<IndividualCollaborator>,
    /// Outstanding invites.
    #[serde(default)]
    pub invite_links: Vec<InviteLink>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `GET /v0/meta/bases/{baseId}/interfaces/{pageBundleId}`: one interface, with what
/// `include` asked for. Interfaces cannot be created through the API, so this is how a
/// console reads one interface's access without fetching the whole base.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InterfaceInfo {
    /// The interface.
    pub id: InterfaceId,
    /// The base holding it.
    pub base_id: BaseId,
    /// Its name.
    pub name: String,
    /// When it was created.
    pub created_time: Timestamp,
    /// The caller's level on the base.
    pub permission_level: PermissionLevel,
    /// With `include=collaborators`: users with access, by where access comes from.
    pub individual_collaborators: Option<InterfaceCollaborators<IndividualCollaborator>>,
    /// With `include=collaborators`: groups with access, by where access comes from.
    pub group_collaborators: Option<InterfaceCollaborators<GroupCollaborator>>,
    /// With `include=inviteLinks`: outstanding invites to the interface.
    pub invite_links: Option<Vec<InviteLink>>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Collaborators of an interface: granted on it directly, or inherited from its base or
/// workspace (an interface is reachable by everyone with access to its base).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[serde(bound(
    serialize = "T: Serialize",
    deserialize = "T: serde::de::DeserializeOwned"
))]
pub struct InterfaceCollaborators<T> {
    /// Access granted on the interface itself.
    #[serde(default = "Vec::new")]
    pub interface_collaborators: Vec<T>,
    /// Access granted on the base.
    #[serde(default = "Vec::new")]
    pub base_collaborators: Vec<T>,
    /// Access granted on the workspace.
    #[serde(default = "Vec::new")]
    pub workspace_collaborators: Vec<T>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A package installed in a base.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageInstallation {
    /// The installation.
    pub id: PackageInstallationId,
    /// The package.
    pub package_id: PackageId,
    /// The installed release (`null` for some installation types).
    #[serde(default)]
    pub package_release_id: Option<String>,
    /// `application`, `component`, ...
    pub installation_type: String,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A data sensitivity label.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SensitivityLabel {
    /// The label's ID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Reply of `GET /v0/meta/bases/{baseId}/tables` (the base schema).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BaseSchema {
    /// The tables.
    pub tables: Vec<Table>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A table of a base.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Table {
    /// The table.
    pub id: TableId,
    /// Its name.
    pub name: String,
    /// The primary field.
    pub primary_field_id: FieldId,
    /// Its description.
    pub description: Option<String>,
    /// Its fields.
    #[serde(default)]
    pub fields: Vec<Field>,
    /// Its views.
    #[serde(default)]
    pub views: Vec<View>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A field of a table. `options` depend on the type and are kept as JSON.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Field {
    /// The field.
    pub id: FieldId,
    /// Its name.
    pub name: String,
    /// Its type (`singleLineText`, `multipleRecordLinks`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// Its description.
    pub description: Option<String>,
    /// Type-specific options.
    pub options: Option<serde_json::Value>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A view of a table.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct View {
    /// The view.
    pub id: ViewId,
    /// Its name.
    pub name: String,
    /// Its type (`grid`, `form`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// Owner of a personal view.
    pub personal_for_user_id: Option<UserId>,
    /// Visible fields (with `include=visibleFieldIds`).
    pub visible_field_ids: Option<Vec<FieldId>>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Body of `POST /v0/meta/bases` ("create base"). Tables follow Airtable's table model and
/// are passed through as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateBaseRequest {
    /// Name of the base.
    pub name: String,
    /// Workspace to create it in.
    pub workspace_id: WorkspaceId,
    /// At least one table with at least one field.
    pub tables: Vec<serde_json::Value>,
}

/// Reply of "create base" and "create base from package": the new base's schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedBase {
    /// The new base.
    pub id: BaseId,
    /// Its tables.
    #[serde(default)]
    pub tables: Vec<Table>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}
