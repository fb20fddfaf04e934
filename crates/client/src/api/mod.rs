//! One module per API area. Each area has a handler (`client.enterprise(&id)`,
//! `client.workspace(&id)`, ...) whose methods either send a call directly or return a builder
//! that ends in `.send().await`.

mod account;
pub mod audit;
pub mod bases;
mod collaborators;
pub mod enterprise;
pub mod groups;
pub mod scim;
pub mod users;
pub mod whoami;
pub mod workspaces;

pub use audit::{AuditLogRequest, AuditPage};
pub use bases::{
    BaseHandler, BlockInstallationHandler, InterfaceHandler, ShareHandler, ToggleHandler,
};
pub use enterprise::EnterpriseHandler;
pub use groups::GroupHandler;
pub use scim::ScimHandler;
pub use users::{UserHandler, UsersHandler};
pub use workspaces::WorkspaceHandler;

use serde::de::DeserializeOwned;

use crate::http::client::Request;
use crate::{Client, Error};

/// Ceiling division into chunks of at most `size`.
pub(crate) fn chunks<T: Clone>(items: &[T], size: usize) -> Vec<Vec<T>> {
    items.chunks(size.max(1)).map(<[T]>::to_vec).collect()
}

/// Sends `items` in requests of at most `size` items, one chunk after the other, and folds
/// the replies into one with `merge` (the batch calls whose replies list partial failures).
pub(crate) async fn send_chunked<T: Clone, R: DeserializeOwned + Default>(
    client: &Client,
    items: &[T],
    size: usize,
    request: impl Fn(Vec<T>) -> Result<Request, Error>,
    mut merge: impl FnMut(&mut R, R),
) -> Result<R, Error> {
    let mut merged = R::default();
    for chunk in chunks(items, size) {
        let reply: R = client.send(request(chunk)?).await?;
        merge(&mut merged, reply);
    }
    Ok(merged)
}
