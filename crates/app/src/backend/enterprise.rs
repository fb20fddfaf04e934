//! What the enterprise pages (descendant accounts, tokens, packages, SCIM) need from the
//! server.

use crate::api::{ConsoleError, SignedInUser};
#[allow(clippy::wildcard_imports)]
use crate::enterprise::*;

/// What the server does for these pages.
#[async_trait::async_trait]
pub trait EnterpriseBackend: Send + Sync + 'static {
    /// The organization's descendant accounts, read now.
    async fn descendants(&self, who: &SignedInUser) -> Result<Descendants, ConsoleError>;

    /// Makes a descendant enterprise account; returns its id.
    async fn create_descendant(
        &self,
        who: &SignedInUser,
        name: &str,
    ) -> Result<String, ConsoleError>;

    /// The enterprise's personal access tokens whose name, id, owner or scope contains `q`.
    async fn personal_access_tokens(
        &self,
        who: &SignedInUser,
        q: &str,
    ) -> Result<TokenListing, ConsoleError>;

    async fn packages(&self, who: &SignedInUser) -> Result<Vec<PackageRow>, ConsoleError>;

    /// Makes a base from a package's latest release in a workspace; returns the base id.
    async fn install_package(
        &self,
        who: &SignedInUser,
        package: &str,
        workspace: &str,
        name: &str,
    ) -> Result<String, ConsoleError>;

    /// Allows or stops AI features in workspaces (ids separated by spaces, commas or lines).
    async fn update_ai_allowlist(
        &self,
        who: &SignedInUser,
        workspaces: &str,
        allowed: bool,
        include_descendants: bool,
    ) -> Result<String, ConsoleError>;

    /// Changes of the AI allowlist made through the console, newest first (Airtable's API
    /// cannot list the allowlist itself).
    async fn ai_allowlist_changes(
        &self,
        who: &SignedInUser,
    ) -> Result<Vec<AiAllowlistChangeRow>, ConsoleError>;

    async fn scim_users(
        &self,
        who: &SignedInUser,
        filter: &str,
        start_index: u64,
    ) -> Result<ScimPage<ScimUserRow>, ConsoleError>;

    async fn scim_groups(
        &self,
        who: &SignedInUser,
        filter: &str,
        start_index: u64,
    ) -> Result<ScimPage<ScimGroupRow>, ConsoleError>;
}
