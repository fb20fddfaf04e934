//! The chart of a search's events over time, drawn as SVG (the server answers it at
//! `GET /audit/chart.svg`).

use std::fmt::Write;

use super::search::AuditHistogram;

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 160.0;
/// Room at the bottom for the axis labels and at the top for the peak's label.
const AXIS: f64 = 18.0;
const TOP: f64 = 14.0;

/// The colours of the chart's words and axis, as CSS inside the image: everything that is
/// not a bar is drawn in `currentColor`, and this sets it for the background it is shown on
/// (the page's `--muted` of the chosen theme, or of the operating system's); bars in
/// the theme's accent where that is dark.
fn style(theme: Option<&str>) -> &'static str {
    match theme {
        Some("dark") => "<style>svg{color:#b3bac4}.bar{fill:#8ab4f8}</style>",
        Some("light") => "<style>svg{color:#4a5360}</style>",
        _ => "<style>svg{color:#4a5360}@media (prefers-color-scheme: dark){svg{color:#b3bac4}.bar{fill:#8ab4f8}}</style>",
    }
}

fn label(at: chrono::DateTime<chrono::Utc>, unit: &str) -> String {
    match unit {
        "hour" => at.format("%Y-%m-%d %H:00").to_string(),
        "month" => at.format("%Y-%m").to_string(),
        "year" => at.format("%Y").to_string(),
        _ => at.format("%Y-%m-%d").to_string(),
    }
}

/// The bars, with a `<title>` on each (count and period) and the first and last periods
/// written under the axis; words and axis in the colour for `theme` (see [`style`]).
pub fn render(histogram: &AuditHistogram, theme: Option<&str>) -> String {
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" font-family="system-ui, sans-serif" font-size="11">{style}"#,
        style = style(theme)
    );
    let buckets = &histogram.buckets;
    let total: i64 = buckets.iter().map(|(_, n)| n).sum();
    let _ = write!(
        svg,
        "<title>{total} events, per {unit}</title>",
        unit = histogram.unit
    );
    if buckets.is_empty() || total == 0 {
        let _ = write!(
            svg,
            r##"<text x="{x}" y="{y}" text-anchor="middle" fill="currentColor">No events in this period</text></svg>"##,
            x = WIDTH / 2.0,
            y = HEIGHT / 2.0
        );
        return svg;
    }
    let peak = buckets.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1) as f64;
    let slot = WIDTH / buckets.len() as f64;
    let gap = if slot > 4.0 { 1.0 } else { 0.0 };
    let room = HEIGHT - AXIS - TOP;
    for (i, (at, count)) in buckets.iter().enumerate() {
        if *count == 0 {
            continue;
        }
        let height = (*count as f64 / peak * room).max(1.0);
        let _ = write!(
            svg,
            r##"<rect x="{x:.2}" y="{y:.2}" width="{w:.2}" height="{height:.2}" class="bar" fill="#2b6cb0"><title>{period}: {count}</title></rect>"##,
            x = i as f64 * slot,
            y = TOP + room - height,
            w = (slot - gap).max(0.5),
            period = label(*at, histogram.unit),
        );
    }
    let _ = write!(
        svg,
        r##"<text x="0" y="10" fill="currentColor">peak {peak} per {unit}</text><line x1="0" y1="{axis}" x2="{WIDTH}" y2="{axis}" stroke="currentColor" stroke-opacity="0.6"/><text x="0" y="{text}" fill="currentColor">{first}</text><text x="{WIDTH}" y="{text}" text-anchor="end" fill="currentColor">{last}</text></svg>"##,
        unit = histogram.unit,
        axis = HEIGHT - AXIS + 0.5,
        text = HEIGHT - 4.0,
        first = buckets
            .first()
            .map(|(at, _)| label(*at, histogram.unit))
            .unwrap_or_default(),
        last = buckets
            .last()
            .map(|(at, _)| label(*at, histogram.unit))
            .unwrap_or_default(),
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_peak_and_empty_buckets_draw_nothing() {
        let day = |d: i64| chrono::DateTime::from_timestamp(1_767_225_600 + d * 86_400, 0).unwrap();
        let svg = render(
            &AuditHistogram {
                unit: "day",
                buckets: vec![(day(0), 10), (day(1), 0), (day(2), 5)],
            },
            None,
        );
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("<title>15 events, per day</title>"));
        assert!(svg.contains("2026-01-01: 10"));
        assert!(svg.contains("2026-01-03: 5"));
        let empty = render(
            &AuditHistogram {
                unit: "day",
                buckets: vec![],
            },
            None,
        );
        assert!(empty.contains("No events in this period"));
    }
}
