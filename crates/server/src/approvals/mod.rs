//! Two-person approval of risky actions: requests in Postgres ([`store`]), what an action
//! would touch ([`airtable`] and the `preview_*` modules beside it), carrying it out
//! (`execute`), and the notices people get ([`notify`]).
//! The workflow itself (who may do what, in which order) is in [`workflow`].

pub mod airtable;
pub mod controls;
mod execute;
pub mod notify;
mod preview_people;
mod preview_places;
mod reach;
mod reading;
pub mod store;
pub mod workflow;
