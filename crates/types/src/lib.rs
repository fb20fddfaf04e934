//! The console's data types, shared by the server and the browser: what server functions
//! take and return (`api`, `directory`, `people`, `enterprise`, `bulk`, `reports`), the
//! risky actions and their approval requests (`approvals`), the audit search language
//! (`audit::query`) and how a time reads (`time`). Pure data and parsing, no I/O; compiles
//! to wasm. The app re-exports these modules (`console_app::api`, …), so both sides name
//! them the same way.

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
pub mod time;

/// "1 item", "2 items": a count with its noun in the right number.
pub fn plural<N: std::fmt::Display + PartialEq + From<u8>>(n: N, one: &str, many: &str) -> String {
    let noun = if n == N::from(1) { one } else { many };
    format!("{n} {noun}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_count_takes_its_noun_in_the_right_number() {
        assert_eq!(super::plural(1usize, "campaign", "campaigns"), "1 campaign");
        assert_eq!(super::plural(0i64, "item", "items"), "0 items");
        assert_eq!(super::plural(12i64, "item", "items"), "12 items");
    }
}
