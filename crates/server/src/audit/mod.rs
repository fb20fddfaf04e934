//! The console's copy of the Airtable audit log: ingestion and search.

pub mod chart;
pub mod download;
pub mod ingest;
pub mod search;
pub mod status;
