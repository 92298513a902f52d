//! Server-drawn charts (no scripts, no CDN, no inline styles). Every bar is a
//! link to the filtered list behind it. Text is HTML beside the drawing, so it
//! keeps the page's font size at any width; the SVG draws only geometry.

use askama::Template;

pub struct Bar {
    pub label: String,
    pub value: f64,
    /// Shown next to the bar (e.g. "12" or "83%").
    pub text: String,
    pub href: String,
}

/// One coloured piece of a horizontal bar, in thousandths of the full width.
pub struct Seg {
    pub class: &'static str,
    pub x: String,
    pub w: String,
}

/// One row of a horizontal bar chart: label, track with its pieces, value.
pub struct Row<'a> {
    pub label: &'a str,
    pub text: &'a str,
    pub href: &'a str,
    pub segs: Vec<Seg>,
}

/// A colour key of a chart: CSS class and what it means.
pub type Legend = Vec<(&'static str, String)>;

#[derive(Template)]
#[template(path = "console/chart_rows.html")]
pub struct Rows<'a> {
    pub title: &'a str,
    pub legend: &'a [(&'static str, String)],
    pub rows: Vec<Row<'a>>,
}

/// One column placed on a canvas `n × 10` wide and 100 high.
pub struct Column<'a> {
    pub bar: &'a Bar,
    pub x: String,
    pub y: String,
    pub h: String,
}

#[derive(Template)]
#[template(path = "console/chart_columns.html")]
pub struct Columns<'a> {
    pub title: &'a str,
    pub width: usize,
    pub max: String,
    pub cols: Vec<Column<'a>>,
    pub first: &'a str,
    pub middle: &'a str,
    pub last: &'a str,
}

/// The full width of a bar's track (the SVG's own units).
pub const FULL: f64 = 1000.0;

fn f1(v: f64) -> String {
    format!("{v:.1}")
}

/// Vertical bars (e.g. inspections per day); the first, middle and last labels
/// are written under the drawing.
pub fn columns(title: &str, bars: &[Bar]) -> String {
    let max = bars.iter().map(|b| b.value).fold(0.0_f64, f64::max);
    let scale = if max > 0.0 { 96.0 / max } else { 0.0 };
    let cols = bars
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let h = (b.value * scale).max(0.5);
            Column {
                bar: b,
                x: format!("{}", i * 10 + 1),
                y: f1(100.0 - h),
                h: f1(h),
            }
        })
        .collect();
    let label = |i: usize| bars.get(i).map_or("", |b| b.label.as_str());
    Columns {
        title,
        width: bars.len().max(1) * 10,
        max: format!("{max}"),
        cols,
        first: label(0),
        middle: if bars.len() > 2 {
            label(bars.len() / 2)
        } else {
            ""
        },
        last: if bars.len() > 1 {
            label(bars.len() - 1)
        } else {
            ""
        },
    }
    .render()
    .unwrap_or_default()
}

/// Horizontal bars (e.g. hazards by category), scaled to the largest value.
pub fn rows(title: &str, bars: &[Bar]) -> String {
    rows_scaled(title, bars, None)
}

/// Horizontal bars against a fixed full scale (`Some(100.0)` for shares in
/// percent: 12.5 draws an eighth of the track), or the largest value.
pub fn rows_scaled(title: &str, bars: &[Bar], full: Option<f64>) -> String {
    let max = full.unwrap_or_else(|| bars.iter().map(|b| b.value).fold(1.0_f64, f64::max));
    let rows = bars
        .iter()
        .map(|b| Row {
            label: &b.label,
            text: &b.text,
            href: &b.href,
            segs: vec![Seg {
                class: "bar",
                x: "0".into(),
                w: f1(width_of(b.value, max)),
            }],
        })
        .collect();
    Rows {
        title,
        legend: &[],
        rows,
    }
    .render()
    .unwrap_or_default()
}

/// The width in track units of `value` out of `full` (clamped to the track).
pub fn width_of(value: f64, full: f64) -> f64 {
    if full <= 0.0 || !value.is_finite() {
        return 0.0;
    }
    (value / full).clamp(0.0, 1.0) * FULL
}

/// A share of a whole split into coloured parts (e.g. closed, in progress,
/// overdue): each part `(class, count)` of `total` is drawn at its share of
/// the full width, one after the other.
pub struct Split {
    pub label: String,
    pub text: String,
    pub href: String,
    pub total: i64,
    pub parts: Vec<(&'static str, i64)>,
}

/// Stacked shares on the fixed 0–100% scale, with a colour key.
pub fn shares(title: &str, legend: &[(&'static str, String)], splits: &[Split]) -> String {
    let rows = splits
        .iter()
        .map(|s| {
            let mut x = 0.0;
            let segs = s
                .parts
                .iter()
                .filter(|(_, n)| *n > 0 && s.total > 0)
                .map(|(class, n)| {
                    let w = width_of(*n as f64, s.total as f64).min(FULL - x);
                    let seg = Seg {
                        class,
                        x: f1(x),
                        w: f1(w),
                    };
                    x += w;
                    seg
                })
                .collect();
            Row {
                label: &s.label,
                text: &s.text,
                href: &s.href,
                segs,
            }
        })
        .collect();
    Rows {
        title,
        legend,
        rows,
    }
    .render()
    .unwrap_or_default()
}

/// One series of a line chart: CSS class, what it is, one value per bucket.
pub struct Series {
    pub class: &'static str,
    pub label: String,
    pub values: Vec<i64>,
}

pub struct Line {
    pub class: &'static str,
    pub points: String,
}

#[derive(Template)]
#[template(path = "console/chart_trend.html")]
pub struct Trend<'a> {
    pub title: &'a str,
    pub width: usize,
    pub max: i64,
    pub lines: Vec<Line>,
    pub legend: Vec<(&'static str, String)>,
    pub first: &'a str,
    pub last: &'a str,
}

/// Lines over time buckets (e.g. hazards opened and closed per day or week);
/// `labels` names the buckets (the first and last are written under it).
pub fn trend(title: &str, labels: &[String], series: &[Series]) -> String {
    let n = labels.len().max(2);
    let width = (n - 1) * 10;
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0, i64::max);
    let y = |v: i64| {
        if max > 0 {
            100.0 - v as f64 * 96.0 / max as f64
        } else {
            100.0
        }
    };
    let lines = series
        .iter()
        .map(|s| Line {
            class: s.class,
            points: s
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| format!("{},{}", i * 10, f1(y(*v))))
                .collect::<Vec<_>>()
                .join(" "),
        })
        .collect();
    let legend = series
        .iter()
        .map(|s| {
            let total: i64 = s.values.iter().sum();
            (s.class, format!("{} {total}", s.label))
        })
        .collect();
    Trend {
        title,
        width,
        max,
        lines,
        legend,
        first: labels.first().map_or("", String::as_str),
        last: labels.last().map_or("", String::as_str),
    }
    .render()
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_link_and_escape() {
        let html = rows(
            "t",
            &[Bar {
                label: "<x>".into(),
                value: 3.0,
                text: "3".into(),
                href: "/console/hazards?category=a&b".into(),
            }],
        );
        assert!(html.contains("href=\"/console/hazards?category=a&amp;b\""));
        assert!(html.contains("&lt;x&gt;"));
        assert!(!html.contains("<x>"));
    }

    #[test]
    fn shares_are_drawn_on_the_full_scale() {
        let split = |total, closed, overdue| Split {
            label: "g".into(),
            text: String::new(),
            href: "/".into(),
            total,
            parts: vec![("closed", closed), ("overdue", overdue)],
        };
        let html = shares("t", &[], &[split(8, 1, 2)]);
        // One of eight: an eighth of the track, not the largest bar's width.
        assert!(
            html.contains("class=\"closed\" x=\"0.0\" width=\"125.0\""),
            "{html}"
        );
        assert!(
            html.contains("class=\"overdue\" x=\"125.0\" width=\"250.0\""),
            "{html}"
        );
        // Nothing to share: an empty track.
        let none = shares("t", &[], &[split(0, 0, 0)]);
        assert!(!none.contains("class=\"closed\""), "{none}");
    }

    #[test]
    fn widths_clamp_to_the_track() {
        assert_eq!(width_of(12.5, 100.0), 125.0);
        assert_eq!(width_of(150.0, 100.0), FULL);
        assert_eq!(width_of(1.0, 0.0), 0.0);
    }
}
