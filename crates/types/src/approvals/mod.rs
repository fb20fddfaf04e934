//! Two-person approval: the risky actions the console can carry out, and what a request
//! for one looks like on screen. Pure data (no I/O); the server stores and executes them.
//!
//! A [`RiskyAction`] is the exact call: its IDs are typed, so a request cannot name a user
//! where a workspace belongs, and what is stored is what is executed.

mod action;
mod describe;
mod kind;
mod preview;
mod request;

pub use action::{ActionKind, Collaborator, RiskyAction};
pub use kind::{is_locked, kind_label, kind_named, policy_kinds};
pub use preview::{Change, ComparedLine, ComparedList, ComparedPreview, Preview, PreviewList};
pub use request::{
    ApprovalDetail, ApprovalListing, ApprovalRequest, ApprovalStatus, OutboxEmail, PolicyRow,
    RequestOutcome,
};
