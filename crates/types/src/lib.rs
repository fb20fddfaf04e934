//! The console's data types, shared by the server and the browser: what server functions
//! take and return (`api`, `directory`, `people`, `enterprise`, `bulk`, `reports`), the
//! risky actions and their approval requests (`approvals`), and the audit search language
//! (`audit::query`). Pure data and parsing, no I/O; compiles to wasm. The app re-exports
//! these modules (`console_app::api`, …), so both sides name them the same way.

pub mod alerts;
pub mod api;
pub mod approvals;
pub mod audit;
pub mod bulk;
pub mod directory;
pub mod enterprise;
mod named;
pub mod people;
pub mod reports;
pub mod reviews;
