//! SCIM 2.0 users and groups (`/scim/v2/Users`, `/scim/v2/Groups`).

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::Extra;
use crate::ids::{GroupId, UserId};
use crate::time::Timestamp;

/// Schema URI of SCIM users.
pub const SCIM_USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Schema URI of the SCIM enterprise user extension.
pub const SCIM_ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// Schema URI of SCIM groups.
pub const SCIM_GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Schema URI of SCIM list replies.
pub const SCIM_LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// Schema URI of SCIM PATCH bodies.
pub const SCIM_PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A SCIM user.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimUser {
    /// Schemas the object follows.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// The Airtable user ID.
    pub id: UserId,
    /// The user's email, used as SCIM user name.
    pub user_name: String,
    /// Name parts.
    pub name: Option<ScimName>,
    /// Whether the user is active (not deactivated).
    pub active: Option<bool>,
    /// Display name.
    pub display_name: Option<String>,
    /// Emails.
    pub emails: Option<Vec<ScimEmail>>,
    /// The identity provider's ID.
    pub external_id: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// Locale.
    pub locale: Option<String>,
    /// Groups (as SCIM references).
    pub groups: Option<Vec<serde_json::Value>>,
    /// Resource metadata.
    pub meta: Option<ScimMeta>,
    /// The enterprise user extension.
    #[serde(rename = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")]
    pub enterprise: Option<ScimEnterpriseExtension>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Name parts of a SCIM user.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ScimName {
    /// First name.
    pub given_name: Option<String>,
    /// Last name.
    pub family_name: Option<String>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An email of a SCIM user.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimEmail {
    /// The address.
    pub value: String,
    /// `work`, ...
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Whether it is the primary address.
    pub primary: Option<bool>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// SCIM resource metadata.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ScimMeta {
    /// `User` or `Group`.
    pub resource_type: Option<String>,
    /// When it was created.
    pub created: Option<Timestamp>,
    /// When it was last changed.
    pub last_modified: Option<Timestamp>,
    /// Path of the resource.
    pub location: Option<String>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The SCIM enterprise user extension.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ScimEnterpriseExtension {
    /// Cost center.
    pub cost_center: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// Division.
    pub division: Option<String>,
    /// Organization.
    pub organization: Option<String>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Body of `POST /scim/v2/Users` and `PUT /scim/v2/Users/{id}`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimUserRequest {
    /// Schemas (at least [`SCIM_USER_SCHEMA`]).
    pub schemas: Vec<String>,
    /// Email of the user.
    pub user_name: String,
    /// Name parts.
    pub name: Option<ScimName>,
    /// Whether the user is active.
    pub active: Option<bool>,
    /// Job title.
    pub title: Option<String>,
    /// The identity provider's ID.
    pub external_id: Option<String>,
    /// The enterprise user extension.
    #[serde(rename = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")]
    pub enterprise: Option<ScimEnterpriseExtension>,
    /// Further attributes, sent as given.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ScimUserRequest {
    /// A user with an email and a name.
    pub fn new(user_name: impl Into<String>, given_name: &str, family_name: &str) -> Self {
        ScimUserRequest {
            schemas: vec![SCIM_USER_SCHEMA.to_owned()],
            user_name: user_name.into(),
            name: Some(ScimName {
                given_name: Some(given_name.to_owned()),
                family_name: Some(family_name.to_owned()),
                extra: Extra::new(),
            }),
            active: None,
            title: None,
            external_id: None,
            enterprise: None,
            extra: Extra::new(),
        }
    }
}

/// A SCIM group.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimGroup {
    /// Schemas the object follows.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// The Airtable group ID.
    pub id: GroupId,
    /// The group's name (may be `null`).
    #[serialize_always]
    pub display_name: Option<String>,
    /// Members, when listed.
    pub members: Option<Vec<ScimMember>>,
    /// Resource metadata.
    pub meta: Option<ScimMeta>,
    /// The identity provider's ID.
    pub external_id: Option<String>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A member of a SCIM group.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimMember {
    /// The user ID.
    pub value: UserId,
    /// Display text, if given.
    pub display: Option<String>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ScimMember {
    /// A member by user ID.
    pub fn new(user: UserId) -> Self {
        ScimMember {
            value: user,
            display: None,
            extra: Extra::new(),
        }
    }
}

/// Body of `POST /scim/v2/Groups` and `PUT /scim/v2/Groups/{id}`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimGroupRequest {
    /// Schemas (at least [`SCIM_GROUP_SCHEMA`]).
    pub schemas: Vec<String>,
    /// The group's name (must not be in use).
    pub display_name: String,
    /// Members to set.
    pub members: Option<Vec<ScimMember>>,
    /// Further attributes, sent as given.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ScimGroupRequest {
    /// A group with a name.
    pub fn new(display_name: impl Into<String>) -> Self {
        ScimGroupRequest {
            schemas: vec![SCIM_GROUP_SCHEMA.to_owned()],
            display_name: display_name.into(),
            members: None,
            extra: Extra::new(),
        }
    }
}

/// A SCIM list reply (one page).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[serde(bound(
    serialize = "T: Serialize",
    deserialize = "T: serde::de::DeserializeOwned"
))]
pub struct ScimListResponse<T> {
    /// Schemas (the list response URI).
    #[serde(default = "Vec::new")]
    pub schemas: Vec<String>,
    /// Number of matches in all pages.
    #[serde(default)]
    pub total_results: u64,
    /// 1-based index of the first item of this page.
    #[serde(default = "one")]
    pub start_index: u64,
    /// Number of items in this page.
    #[serde(default)]
    pub items_per_page: u64,
    /// The items.
    #[serde(rename = "Resources", default = "Vec::new")]
    pub resources: Vec<T>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

fn one() -> u64 {
    1
}

/// One SCIM PATCH operation.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScimPatchOp {
    /// `add`, `remove` or `replace`.
    pub op: String,
    /// The attribute path, e.g. `title` or `members[value eq "usr…"]`.
    pub path: Option<String>,
    /// The value (absent for `remove`).
    pub value: Option<serde_json::Value>,
}

impl ScimPatchOp {
    /// `replace` `path` with `value`.
    pub fn replace(path: impl Into<String>, value: serde_json::Value) -> Self {
        ScimPatchOp {
            op: "replace".into(),
            path: Some(path.into()),
            value: Some(value),
        }
    }

    /// `add` `value` at `path`.
    pub fn add(path: impl Into<String>, value: serde_json::Value) -> Self {
        ScimPatchOp {
            op: "add".into(),
            path: Some(path.into()),
            value: Some(value),
        }
    }

    /// `remove` at `path`.
    pub fn remove(path: impl Into<String>) -> Self {
        ScimPatchOp {
            op: "remove".into(),
            path: Some(path.into()),
            value: None,
        }
    }
}

/// Body of the SCIM PATCH calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScimPatchRequest {
    /// Schemas ([`SCIM_PATCH_SCHEMA`]).
    pub schemas: Vec<String>,
    /// The operations, applied in order.
    #[serde(rename = "Operations")]
    pub operations: Vec<ScimPatchOp>,
}

impl ScimPatchRequest {
    /// A PATCH body with these operations.
    pub fn new(operations: Vec<ScimPatchOp>) -> Self {
        ScimPatchRequest {
            schemas: vec![SCIM_PATCH_SCHEMA.to_owned()],
            operations,
        }
    }
}
