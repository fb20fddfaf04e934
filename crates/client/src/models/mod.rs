//! Serde models of every request and reply of the Airtable Enterprise API.
//!
//! These types do no I/O and compile without the `http` feature (for example in the
//! Leptos front end compiled to wasm). Every object keeps the fields this client does not know
//! in an `extra` map, so a value read from Airtable and written back loses nothing.
//!
//! Field optionality follows Airtable's documentation: a field that is always present is a
//! plain value (or `Option<T>` written as `null` when Airtable allows `null`); a field that
//! may be missing is `Option<T>` and is left out when `None`; a field that may be missing or
//! `null` is `Option<Option<T>>`.
//!
//! Structs with such optional fields are marked `#[skip_serializing_none]` (from `serde_with`):
//! it leaves every `Option` field out when `None`, except those marked `#[serialize_always]`
//! (the ones written as `null`). A missing `Option` field reads as `None`. Structs whose every
//! field has a default say `#[serde(default)]` once, at the top.

pub mod audit;
pub mod base;
pub mod block;
pub mod collaborator;
pub mod common;
pub mod enterprise;
pub mod group;
pub mod package;
pub mod scim;
pub mod share;
pub mod token;
pub mod user;
pub mod whoami;
pub mod workspace;

/// Fields of an object that this client does not model; kept so nothing is lost.
pub type Extra = serde_json::Map<String, serde_json::Value>;

/// A part of a reply whose shape no published document or sample fixes (the contents of
/// `include=aggregated` and `include=descendants`; see the simulator's README,
/// "Assumptions"). Read as modelled when it fits, kept as raw JSON when it does not: an
/// unexpected shape then costs that part alone, never the whole reply.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Guessed<T> {
    /// The shape this client expects.
    Known(T),
    /// Something else; what it was, for logs and support.
    Unexpected(serde_json::Value),
}

impl<T> Guessed<T> {
    /// The value, if it had the expected shape.
    pub fn known(&self) -> Option<&T> {
        match self {
            Guessed::Known(value) => Some(value),
            Guessed::Unexpected(_) => None,
        }
    }

    /// The value, if it had the expected shape.
    pub fn into_known(self) -> Option<T> {
        match self {
            Guessed::Known(value) => Some(value),
            Guessed::Unexpected(_) => None,
        }
    }
}

pub use audit::*;
pub use base::*;
pub use block::*;
pub use collaborator::*;
pub use common::*;
pub use enterprise::*;
pub use group::*;
pub use package::*;
pub use scim::*;
pub use share::*;
pub use token::*;
pub use user::*;
pub use whoami::*;
pub use workspace::*;
