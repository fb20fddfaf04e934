//! Users: the table over every enterprise user (from the latest snapshot, searched,
//! filtered, sorted and paged on the server, exportable as CSV), and one user read live
//! from Airtable with their groups and collaborations, the direct changes (operator and
//! above) and the destructive ones (only as requests for a second person's approval).
//!
//! By job: the server functions (`server`), the list page (`list`) with its filters
//! (`filters`) and table (`table`, rows ticked for bulk actions), one user's page (`user`)
//! and its request to remove someone from the enterprise (`remove_form`).

mod filters;
mod list;
mod remove_form;
mod server;
mod table;
mod user;

pub use list::UsersPage;
pub use user::UserPage;

use crate::api::{ConsoleError, Role, SignedInUser};

/// Whether the signed-in person may make changes (operator or above).
fn can_change(user: Result<Option<SignedInUser>, ConsoleError>) -> bool {
    matches!(user, Ok(Some(u)) if u.role.allows(Role::Operator))
}

fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "yes",
        Some(false) => "no",
        None => "not recorded",
    }
}
