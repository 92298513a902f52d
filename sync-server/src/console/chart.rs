//! Server-drawn inline SVG charts (no scripts, no CDN). Every bar is a link to the
//! filtered list behind it. The geometry is computed here; the markup is a template.

use askama::Template;

pub struct Bar {
    pub label: String,
    pub value: f64,
    /// Shown next to the bar (e.g. "12" or "83%").
    pub text: String,
    pub href: String,
}

/// One bar placed on the canvas, coordinates already formatted.
pub struct Placed<'a> {
    pub bar: &'a Bar,
    pub x: String,
    pub y: String,
    pub w: String,
    pub h: String,
    pub label_x: String,
    pub label_y: String,
    pub value_x: String,
    pub value_y: String,
    /// Whether this bar's value (columns) or axis label is drawn.
    pub show_value: bool,
    pub show_label: bool,
}

#[derive(Template)]
#[template(path = "console/chart_columns.html")]
pub struct Columns<'a> {
    pub title: &'a str,
    pub height: String,
    pub bars: Vec<Placed<'a>>,
}

#[derive(Template)]
#[template(path = "console/chart_rows.html")]
pub struct Rows<'a> {
    pub title: &'a str,
    pub height: String,
    pub bars: Vec<Placed<'a>>,
}

const W: f64 = 640.0;

fn f1(v: f64) -> String {
    format!("{v:.1}")
}

/// Vertical bars (e.g. inspections per day).
pub fn columns(title: &str, bars: &[Bar]) -> String {
    let h = 200.0;
    let n = bars.len().max(1) as f64;
    let max = bars.iter().map(|b| b.value).fold(1.0_f64, f64::max);
    let bw = W / n;
    // Label every few bars so 30 days stay readable.
    let every = (bars.len() / 8).max(1);
    let placed = bars
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let bh = (b.value / max) * (h - 16.0);
            let x = i as f64 * bw;
            Placed {
                bar: b,
                x: f1(x + 2.0),
                y: f1(h - bh),
                w: f1((bw - 4.0).max(1.0)),
                h: f1(bh.max(0.5)),
                value_x: f1(x + bw / 2.0),
                value_y: f1(h - bh - 3.0),
                label_x: f1(x + bw / 2.0),
                label_y: f1(h + 16.0),
                show_value: b.value > 0.0,
                show_label: i % every == 0,
            }
        })
        .collect();
    Columns {
        title,
        height: format!("{}", h + 34.0),
        bars: placed,
    }
    .render()
    .unwrap_or_default()
}

/// Horizontal bars (e.g. hazards by category).
pub fn rows(title: &str, bars: &[Bar]) -> String {
    rows_scaled(title, bars, None)
}

/// Horizontal bars against a fixed full scale (`Some(100.0)` for shares in
/// percent), or the largest value.
pub fn rows_scaled(title: &str, bars: &[Bar], full: Option<f64>) -> String {
    let lw = 200.0;
    let rh = 24.0;
    let max = full.unwrap_or_else(|| bars.iter().map(|b| b.value).fold(1.0_f64, f64::max));
    // Room right of the longest bar for the longest value text (CJK is wider).
    let text_w = bars
        .iter()
        .map(|b| {
            b.text
                .chars()
                .map(|c| if c.is_ascii() { 7.0 } else { 12.0 })
                .sum::<f64>()
        })
        .fold(60.0_f64, f64::max);
    let h = rh * bars.len().max(1) as f64;
    let placed = bars
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let y = i as f64 * rh;
            let bw = (b.value / max).min(1.0) * (W - lw - text_w);
            Placed {
                bar: b,
                x: format!("{lw}"),
                y: f1(y + 3.0),
                w: f1(bw.max(0.5)),
                h: f1(rh - 6.0),
                label_x: f1(lw - 6.0),
                label_y: f1(y + rh * 0.68),
                value_x: f1(lw + bw + 6.0),
                value_y: f1(y + rh * 0.68),
                show_value: true,
                show_label: true,
            }
        })
        .collect();
    Rows {
        title,
        height: format!("{h}"),
        bars: placed,
    }
    .render()
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_link_and_escape() {
        let svg = rows(
            "t",
            &[Bar {
                label: "<x>".into(),
                value: 3.0,
                text: "3".into(),
                href: "/console/hazards?category=a&b".into(),
            }],
        );
        assert!(svg.contains("href=\"/console/hazards?category=a&amp;b\""));
        assert!(svg.contains("&lt;x&gt;"));
        assert!(!svg.contains("<x>"));
    }
}
