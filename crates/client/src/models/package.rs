//! Enterprise packages (managed apps).

use serde::{Deserialize, Serialize};

use crate::ids::{BaseId, EnterpriseId, PackageId, UserId, WorkspaceId};
use crate::serde_util::model;
use crate::time::Timestamp;

model! {
    /// A package (`GET …/enterpriseAccounts/{id}/packages` lists them).
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
        nullable pub description: Option<Option<String>>,
        /// Short tagline.
        nullable pub tagline: Option<Option<String>>,
        /// The account that owns it.
        optional pub enterprise_account_id: Option<EnterpriseId>,
        /// How many times it is installed.
        optional pub install_count: Option<u64>,
        /// Who changed it last.
        optional pub last_updated_by_user_id: Option<UserId>,
        /// When it was changed last.
        optional pub last_updated_time: Option<Timestamp>,
        /// The newest release (install this one); `null` if none.
        nullable pub latest_release_id: Option<Option<String>>,
        /// The base it was made from.
        optional pub source_application_id: Option<BaseId>,
        ..
    }
}

model! {
    /// Reply of "list packages".
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct PackagesResponse {
        /// The packages.
        #[serde(default)]
        pub packages: Vec<Package>,
        ..
    }
}

model! {
    /// Body of `POST …/enterpriseAccounts/{id}/packages/{packageId}/install` ("create base from
    /// package"); the reply is a [`super::CreatedBase`].
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
        optional pub description: Option<String>,
    }
}
