//! The README stays true: every setting the server reads is documented there and in
//! `.env.example`.

use std::collections::BTreeSet;

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every `"CONSOLE_…"`, `"AIRTABLE_…"` and `"DATABASE_URL"` string literal in the config.
fn settings_read_by_the_server() -> BTreeSet<String> {
    let source = read("src/config.rs");
    source
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| {
            (s.starts_with("CONSOLE_") || s.starts_with("AIRTABLE_") || *s == "DATABASE_URL")
                && s.chars().all(|c| c.is_ascii_uppercase() || c == '_')
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn every_setting_is_documented() {
    let names = settings_read_by_the_server();
    assert!(names.len() > 15, "found the settings: {names:?}");
    let readme = read("../../README.md");
    let example = read("../../.env.example");
    for name in &names {
        assert!(
            readme.contains(&format!("| `{name}` |")),
            "{name} is missing from the README's configuration table"
        );
        assert!(
            example.contains(name.as_str()),
            "{name} is missing from .env.example"
        );
    }
}
