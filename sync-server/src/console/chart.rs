//! Server-drawn inline SVG charts (no scripts, no CDN). Every bar is a link to the
//! filtered list behind it.

use super::html::esc;

pub struct Bar {
    pub label: String,
    pub value: f64,
    /// Shown next to the bar (e.g. "12" or "83%").
    pub text: String,
    pub href: String,
}

/// Vertical bars (e.g. inspections per day).
pub fn columns(title: &str, bars: &[Bar]) -> String {
    let w = 640.0;
    let h = 200.0;
    let n = bars.len().max(1) as f64;
    let max = bars.iter().map(|b| b.value).fold(1.0_f64, f64::max);
    let bw = w / n;
    let mut s = format!(
        "<figure class=\"chart\"><figcaption>{}</figcaption><svg viewBox=\"0 0 {w} {}\" role=\"img\" aria-label=\"{}\">",
        esc(title),
        h + 34.0,
        esc(title)
    );
    for (i, b) in bars.iter().enumerate() {
        let bh = (b.value / max) * (h - 16.0);
        let x = i as f64 * bw;
        s.push_str(&format!(
            "<a href=\"{}\"><title>{}: {}</title><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" class=\"bar\"/>",
            esc(&b.href),
            esc(&b.label),
            esc(&b.text),
            x + 2.0,
            h - bh,
            (bw - 4.0).max(1.0),
            bh.max(0.5)
        ));
        if b.value > 0.0 {
            s.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" class=\"val\" text-anchor=\"middle\">{}</text>",
                x + bw / 2.0,
                h - bh - 3.0,
                esc(&b.text)
            ));
        }
        s.push_str("</a>");
        // Label every few bars so 30 days stay readable.
        let every = (bars.len() / 8).max(1);
        if i % every == 0 {
            s.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"middle\">{}</text>",
                x + bw / 2.0,
                h + 16.0,
                esc(&b.label)
            ));
        }
    }
    s.push_str("</svg></figure>");
    s
}

/// Horizontal bars (e.g. hazards by category).
pub fn rows(title: &str, bars: &[Bar]) -> String {
    let lw = 200.0;
    let w = 640.0;
    let rh = 24.0;
    let max = bars.iter().map(|b| b.value).fold(1.0_f64, f64::max);
    let h = rh * bars.len().max(1) as f64;
    let mut s = format!(
        "<figure class=\"chart\"><figcaption>{}</figcaption><svg viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\">",
        esc(title),
        esc(title)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = i as f64 * rh;
        let bw = (b.value / max) * (w - lw - 60.0);
        s.push_str(&format!(
            "<a href=\"{}\"><title>{}: {}</title>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"end\">{}</text>\
             <rect x=\"{lw}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" class=\"bar\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"val\">{}</text></a>",
            esc(&b.href),
            esc(&b.label),
            esc(&b.text),
            lw - 6.0,
            y + rh * 0.68,
            esc(&b.label),
            y + 3.0,
            bw.max(0.5),
            rh - 6.0,
            lw + bw + 6.0,
            y + rh * 0.68,
            esc(&b.text)
        ));
    }
    s.push_str("</svg></figure>");
    s
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
