//! Two-person approval of risky actions: requests in Postgres ([`store`]), what an action
//! would touch and carrying it out ([`airtable`]), and the notices people get ([`notify`]).
//! The workflow itself (who may do what, in which order) is in [`workflow`].

pub mod airtable;
pub mod controls;
pub mod notify;
mod reach;
mod reading;
pub mod store;
pub mod workflow;
