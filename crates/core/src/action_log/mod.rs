//! The console's own action log: who did what through the console, the approval that
//! allowed it, and what Airtable answered. Append-only, hash-chained with a key.
//!
//! Each row's hash is HMAC-SHA256, keyed with `CONSOLE_LOG_KEY` (which is kept outside the
//! database), over the previous row's hash and the row's fields in a fixed canonical form.
//! Someone who can write the tables, even their owner, can change rows but cannot compute
//! the hashes that would hide it. Rows written before the chain was keyed carry plain
//! SHA-256 (`keyed` false) and are accepted only before the first keyed row.
//!
//! A chain alone cannot show that its newest rows were deleted, or all of them: the head
//! (newest seq and hash) is therefore written outside the database, to an append-only
//! witness file (`<CONSOLE_DATA_DIR>/action-log-head`) after every append and every hour,
//! and once a day into a notice to the console's admins. [`ActionLog::verify`] walks the
//! chain and checks every witness record against it.
//!
//! Here: the chain and appending (`chain`), the witness file (`witness`), verification
//! (`verify`), the daily notice (`notice`) and what the action-log page asks for (`page`).

mod chain;
mod notice;
mod page;
mod verify;
mod witness;

pub use chain::{decode_key, ActionLog, BadLogKey, NewAction, Outcome};
pub use notice::send_daily_notice;
pub use page::{check, page, recent};
pub use verify::{role_can_change_log, Verification, WitnessSummary};
pub use witness::{spawn_witness, WITNESS_FILE};
