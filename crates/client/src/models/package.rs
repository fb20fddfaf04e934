//! Enterprise packages (managed apps).

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::Extra;
use crate::ids::{BaseId, EnterpriseId, PackageId, UserId, WorkspaceId};
use crate::serde_util::double_option;
use crate::time::Timestamp;

/// A package (`GET …/enterpriseAccounts/{id}/packages` lists them).
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Package {
    /// The package.
    pub id: PackageId,
    /// Its name.
    pub name: String,
    /// Its type (`appTemplate`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// Who created it.
    pub created_by_user_id: UserId,
    /// When.
    pub created_time: Timestamp,
    /// Description.
    #[serde(default, with = "double_option")]
    pub description: Option<Option<String>>,
    /// Short tagline.
    #[serde(default, with = "double_option")]
    pub tagline: Option<Option<String>>,
    /// The account that owns it.
    pub enterprise_account_id: Option<EnterpriseId>,
    /// How many times it is installed.
    pub install_count: Option<u64>,
    /// Who changed it last.
    pub last_updated_by_user_id: Option<UserId>,
    /// When it was changed last.
    pub last_updated_time: Option<Timestamp>,
    /// The newest release (install this one); `null` if none.
    #[serde(default, with = "double_option")]
    pub latest_release_id: Option<Option<String>>,
    /// The base it was made from.
    pub source_application_id: Option<BaseId>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Reply of "list packages".
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PackagesResponse {
    /// The packages.
    pub packages: Vec<Package>,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Body of `POST …/enterpriseAccounts/{id}/packages/{packageId}/install` ("create base from
/// package"); the reply is a [`super::CreatedBase`].
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallPackageRequest {
    /// Name of the new base.
    pub name: String,
    /// The release to install.
    pub package_release_id: String,
    /// Workspace to create the base in.
    pub workspace_id: WorkspaceId,
    /// Description of the base.
    pub description: Option<String>,
}
