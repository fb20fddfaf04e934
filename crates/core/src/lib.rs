//! The console's domain, server-side only: every operation the pages and the HTTP routes
//! ask for, written once, over Postgres and Airtable.
//!
//! Each operation takes the [`Console`] (database, Airtable, action log) and, when a person
//! asks for it, the [`SignedInUser`](console_types::api::SignedInUser); it returns the
//! shared data types of `console-types` or a [`ConsoleError`](console_types::api::ConsoleError)
//! in words. Roles are checked by the callers (server functions, `RequireRole` routes)
//! before they call in; operations that carry out destructive work go through
//! [`approvals`].
//!
//! Modules are named like the console's pages: `users`, `groups`, `workspaces`, `bases`,
//! `approvals`, `audit`, `snapshots`, `reports`, `bulk`, `roles`, `enterprise`,
//! `action_log`, `alerts`; `tokens` keeps each person's Airtable tokens.

pub mod action_log;
pub mod alerts;
pub mod approvals;
pub mod audit;
pub mod bases;
pub mod bulk;
pub mod collaborators;
mod console;
pub mod crypto;
pub mod csv_out;
pub mod directory;
pub mod enterprise;
pub mod error;
pub mod export;
pub mod gauges;
pub mod groups;
pub mod leases;
pub mod live;
pub mod mail;
pub mod names;
pub mod overview;
pub mod people;
pub mod pools;
pub mod reports;
pub mod reviews;
pub mod roles;
pub mod shutdown;
pub mod siem;
pub mod snapshots;
#[cfg(test)]
mod test_postgres;
pub mod tokens;
pub mod unpublished;
pub mod user_changes;
pub mod user_counts;
pub mod user_page_starts;
pub mod users;
pub mod workspaces;

pub use console::{require, Console, ConsoleParts, Policy, SignInMethod, INTERACTIVE_MAX_WAIT};
pub use shutdown::Shutdown;
