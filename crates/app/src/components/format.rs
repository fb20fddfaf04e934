//! How times and numbers are shown, the same way on every page.

use chrono::{
    format::{Item, Numeric, Pad},
    DateTime, Utc,
};

/// `%Y-%m-%d %H:%M:%S UTC`, written out once: `format("%Y…")` reads the pattern again for
/// every time shown, and a page of audit events shows fifty.
const SHOWN_AS: [Item<'static>; 12] = [
    Item::Numeric(Numeric::Year, Pad::Zero),
    Item::Literal("-"),
    Item::Numeric(Numeric::Month, Pad::Zero),
    Item::Literal("-"),
    Item::Numeric(Numeric::Day, Pad::Zero),
    Item::Literal(" "),
    Item::Numeric(Numeric::Hour, Pad::Zero),
    Item::Literal(":"),
    Item::Numeric(Numeric::Minute, Pad::Zero),
    Item::Literal(":"),
    Item::Numeric(Numeric::Second, Pad::Zero),
    Item::Literal(" UTC"),
];

/// A time as people read it in an admin console: UTC, to the second, or "never".
pub fn when(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format_with_items(SHOWN_AS.iter()).to_string())
        .unwrap_or_else(|| "never".into())
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
        for shown in ["2026-01-02T03:04:05Z", "1999-12-31T23:59:59.999+02:00"] {
            assert_eq!(
                when(Some(at(shown))),
                at(shown).format("%Y-%m-%d %H:%M:%S UTC").to_string()
            );
        }
        assert_eq!(
            when(Some(at("2026-01-02T03:04:05Z"))),
            "2026-01-02 03:04:05 UTC"
        );
        assert_eq!(when(None), "never");
    }
}
