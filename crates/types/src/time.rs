//! How a time reads wherever people see one: on the pages and in the alert rules' emails
//! and chat messages — UTC, to the second.

use std::{fmt::Display, sync::LazyLock};

use chrono::{
    format::{Item, StrftimeItems},
    DateTime, Utc,
};

/// The pattern, for `chrono`'s `format`.
pub const SHOWN_AS: &str = "%Y-%m-%d %H:%M:%S UTC";

/// [`SHOWN_AS`] read once: `format(SHOWN_AS)` reads the pattern again for every time it
/// writes, and a page of audit events writes fifty.
static SHOWN_AS_ITEMS: LazyLock<Vec<Item<'static>>> = LazyLock::new(|| {
    StrftimeItems::new(SHOWN_AS)
        .parse_to_owned()
        .expect("SHOWN_AS is a valid pattern")
});

/// `t` as [`SHOWN_AS`] says, e.g. `2026-01-02 03:04:05 UTC`.
pub fn shown(t: DateTime<Utc>) -> impl Display {
    t.format_with_items(SHOWN_AS_ITEMS.iter())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_the_pattern_says() {
        let at = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .expect("a time")
                .with_timezone(&Utc)
        };
        for time in ["2026-01-02T03:04:05Z", "1999-12-31T23:59:59.999+02:00"] {
            assert_eq!(
                shown(at(time)).to_string(),
                at(time).format(SHOWN_AS).to_string()
            );
        }
        assert_eq!(
            shown(at("2026-01-02T03:04:05Z")).to_string(),
            "2026-01-02 03:04:05 UTC"
        );
    }
}
