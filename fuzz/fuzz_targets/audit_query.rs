//! The audit search language (crates/types/src/audit/query.rs) on arbitrary input: it must
//! never panic, and whatever it accepts must print to a query that parses back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;

// The module is pure data with no I/O; included as-is so the fuzzer does not build the UI.
// (`query` reads `super::categories`: both sit at the crate root here.)
#[allow(dead_code)]
#[path = "../../crates/types/src/audit/categories.rs"]
mod categories;
#[allow(dead_code)]
#[path = "../../crates/types/src/audit/query.rs"]
mod query;

use query::{AuditQuery, SearchForm};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(query) = AuditQuery::parse(text) {
        let printed = query.to_string();
        let again = AuditQuery::parse(&printed).expect("a printed query parses");
        assert_eq!(again.to_string(), printed, "printing is stable");
    }
    // The form's fields go through the same checks.
    let mut fields = text.splitn(6, '\n');
    let form = SearchForm {
        q: fields.next().unwrap_or_default().to_string(),
        action: fields.next().unwrap_or_default().to_string(),
        category: fields.next().unwrap_or_default().to_string(),
        actor: fields.next().unwrap_or_default().to_string(),
        after: fields.next().unwrap_or_default().to_string(),
        before: fields.next().unwrap_or_default().to_string(),
    };
    let _ = form.to_query();
    let _ = form.to_url_query();
});
