//! One module per API area. Each area has a handler (`client.enterprise(&id)`,
//! `client.workspace(&id)`, ...) whose methods either send a call directly or return a builder
//! that ends in `.send().await`.

pub mod audit;
pub mod bases;
pub mod enterprise;
pub mod groups;
pub mod scim;
pub mod users;
pub mod whoami;
pub mod workspaces;

pub use audit::{AuditLogRequest, AuditPage};
pub use bases::{BaseHandler, BlockInstallationHandler, InterfaceHandler, ShareHandler};
pub use enterprise::EnterpriseHandler;
pub use groups::GroupHandler;
pub use scim::ScimHandler;
pub use users::{UserHandler, UsersHandler};
pub use workspaces::WorkspaceHandler;

/// Ceiling division into chunks of at most `size`.
pub(crate) fn chunks<T: Clone>(items: &[T], size: usize) -> Vec<Vec<T>> {
    items.chunks(size.max(1)).map(<[T]>::to_vec).collect()
}
