//! How a time reads wherever people see one: on the pages and in the alert rules' emails
//! and chat messages — UTC, to the second.

use std::fmt::{self, Display};

use chrono::{DateTime, Datelike, Timelike, Utc};

/// The pattern, for `chrono`'s `format`: what [`shown`] writes.
pub const SHOWN_AS: &str = "%Y-%m-%d %H:%M:%S UTC";

/// `t` as [`SHOWN_AS`] says, e.g. `2026-01-02 03:04:05 UTC`.
///
/// Written field by field rather than by `chrono`'s formatter, which walks its pattern
/// items for every time: about 2,500 instructions a time against 800, and a page of users
/// or audit events shows fifty (docs/BENCHMARKS.md, "What a page costs a browser's
/// connection"). What `%Y` or `%S` would write otherwise (a year before 0 or after 9999, a
/// leap second) goes through `chrono`.
pub fn shown(t: DateTime<Utc>) -> impl Display {
    Shown(t)
}

struct Shown(DateTime<Utc>);

impl Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        let year = t.year();
        if !(0..=9999).contains(&year) || t.nanosecond() >= 1_000_000_000 {
            return write!(f, "{}", t.format(SHOWN_AS));
        }
        // The digits put in place and written once: `write!` with `{:02}` pads each
        // number through the formatter, which cost more than chrono's own pattern walk.
        let mut text = *b"0000-00-00 00:00:00 UTC";
        let mut put = |at: usize, value: u32, width: usize| {
            let mut rest = value;
            for place in (at..at + width).rev() {
                text[place] = b'0' + (rest % 10) as u8;
                rest /= 10;
            }
        };
        put(0, year as u32, 4);
        put(5, t.month(), 2);
        put(8, t.day(), 2);
        put(11, t.hour(), 2);
        put(14, t.minute(), 2);
        put(17, t.second(), 2);
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
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

    proptest::proptest! {
        /// Written field by field, a time reads as `chrono` writes the pattern, from the
        /// years chrono can hold to leap seconds.
        #[test]
        fn any_time_reads_as_chrono_writes_the_pattern(
            seconds in -300_000_000_000i64..300_000_000_000i64,
            nanos in 0u32..2_000_000_000u32,
        ) {
            if let Some(t) = DateTime::<Utc>::from_timestamp(seconds, nanos) {
                proptest::prop_assert_eq!(shown(t).to_string(), t.format(SHOWN_AS).to_string());
            }
        }
    }
}
