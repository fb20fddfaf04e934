//! Each person's Airtable tokens: stored encrypted with their sign-in (`logins`), refreshed
//! through Airtable's OAuth endpoints (`oauth`) when due.

pub mod logins;
pub mod oauth;
