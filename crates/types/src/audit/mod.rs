//! Audit history as the pages see it: the search query language and the rows a search
//! returns. Pure data (no I/O), so the browser can parse a query as it is typed.

pub mod categories;
pub mod query;
pub mod siem;
