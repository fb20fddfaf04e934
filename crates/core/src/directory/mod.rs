//! Workspaces, bases and groups: lists served from the latest complete snapshot (thousands
//! of workspaces cannot be read from Airtable one by one while a page waits), details read
//! live from Airtable with the signed-in person's token, and the direct (non-destructive)
//! changes. Destructive changes are never made here: they go through two-person approval.

//!
//! Here: checking input and Airtable's refusals (`input`), the lists from snapshots
//! (`lists`), the live reads (`live`) and the direct changes (`changes`).

mod changes;
mod input;
mod lists;
mod live;

pub use changes::{create_base, enable_extension, update_workspace_restrictions};
pub(crate) use input::like_pattern;
pub use input::{airtable_error, bounded_name, parse_id, parse_permission};
pub use lists::{groups, workspaces};
pub use live::{base, group, workspace};
