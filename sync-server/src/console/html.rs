//! HTML building blocks: escaping, the page frame (navigation, language switch,
//! flash messages), dates in China Standard Time and label lookups. Every value
//! that came from a user or a device goes through `esc`.

use gridfield_core::i18n::Lang;

use super::auth::ConsoleUser;

/// Escape text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Percent-encode a query-string value.
pub fn url(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `yyyy-mm-dd hh:mm` in China Standard Time.
pub fn datetime(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms + super::query::TZ_OFFSET_MS)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

pub fn date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms + super::query::TZ_OFFSET_MS)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// `yyyy-mm-dd` (a local day) → its first millisecond, CST.
pub fn parse_date(s: &str) -> Option<i64> {
    let d = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis() - super::query::TZ_OFFSET_MS)
}

pub fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    lang.pick(zh, en)
}

/// Which navigation entry is current.
#[derive(Clone, Copy, PartialEq)]
pub enum Nav {
    Dashboard,
    Review,
    Hazards,
    Reports,
    Addresses,
    Conflicts,
    Audit,
    None,
}

pub struct Flash {
    pub ok: bool,
    pub text: String,
}

/// The page frame around `body`.
pub fn page(
    lang: Lang,
    user: Option<&ConsoleUser>,
    nav: Nav,
    title: &str,
    flash: Option<&Flash>,
    body: &str,
) -> String {
    let mut h = String::with_capacity(body.len() + 4096);
    h.push_str(&format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · {}</title><link rel=\"stylesheet\" href=\"/console/static/console.css\">\
         <script src=\"/console/static/console.js\" defer></script></head><body>",
        if lang.is_en() { "en" } else { "zh-CN" },
        esc(title),
        t(lang, "网格通管理台", "Gridfield console"),
    ));
    h.push_str("<header class=\"top\"><a class=\"brand\" href=\"/console\">");
    h.push_str(t(lang, "网格通 · 管理台", "Gridfield · Console"));
    h.push_str("</a>");
    if let Some(u) = user {
        h.push_str("<nav>");
        let items: [(Nav, &str, &str, &str, &str); 7] = [
            (Nav::Dashboard, "/console", "概览", "Dashboard", "g d"),
            (Nav::Review, "/console/inspections", "审核", "Review", "g i"),
            (Nav::Hazards, "/console/hazards", "隐患", "Hazards", "g h"),
            (Nav::Reports, "/console/reports", "上报", "Reports", "g r"),
            (
                Nav::Addresses,
                "/console/addresses",
                "门牌",
                "Door plates",
                "g p",
            ),
            (
                Nav::Conflicts,
                "/console/conflicts",
                "冲突",
                "Conflicts",
                "",
            ),
            (Nav::Audit, "/console/audit", "审计", "Audit", ""),
        ];
        for (n, href, zh, en, _) in items {
            h.push_str(&format!(
                "<a href=\"{href}\"{}>{}</a>",
                if n == nav { " class=\"on\"" } else { "" },
                t(lang, zh, en)
            ));
        }
        h.push_str("</nav>");
        h.push_str(&format!(
            "<div class=\"who\"><span>{} · {}</span>\
             <form method=\"post\" action=\"/console/logout\">{}<button class=\"link\">{}</button></form>",
            esc(&u.name),
            u.role.label(lang),
            csrf_field(u),
            t(lang, "退出", "Sign out"),
        ));
    } else {
        h.push_str("<div class=\"who\">");
    }
    h.push_str(&format!(
        "<a class=\"lang\" href=\"?lang={}\">{}</a></div></header><main>",
        if lang.is_en() { "zh" } else { "en" },
        if lang.is_en() { "中文" } else { "English" }
    ));
    if let Some(f) = flash {
        h.push_str(&format!(
            "<p class=\"flash {}\" role=\"{}\">{}</p>",
            if f.ok { "ok" } else { "err" },
            if f.ok { "status" } else { "alert" },
            esc(&f.text)
        ));
    }
    h.push_str(body);
    h.push_str("</main></body></html>");
    h
}

pub fn csrf_field(u: &ConsoleUser) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(&u.csrf)
    )
}

/// `<option>`s with the current value selected; the first is "all".
pub fn options(lang: Lang, current: Option<&str>, items: &[(String, String)]) -> String {
    let mut h = format!("<option value=\"\">{}</option>", t(lang, "全部", "all"));
    for (v, label) in items {
        h.push_str(&format!(
            "<option value=\"{}\"{}>{}</option>",
            esc(v),
            if current == Some(v.as_str()) {
                " selected"
            } else {
                ""
            },
            esc(label)
        ));
    }
    h
}

/// Previous / next links keeping the other query parameters.
pub fn pager(lang: Lang, base: &str, query: &str, page: i64, total: i64, per_page: i64) -> String {
    let pages = (total + per_page - 1) / per_page;
    let sep = if query.is_empty() { "" } else { "&" };
    let mut h = format!(
        "<p class=\"pager\">{} {} · {} {}/{} ",
        t(lang, "共", "total"),
        total,
        t(lang, "页", "page"),
        page + 1,
        pages.max(1)
    );
    if page > 0 {
        h.push_str(&format!(
            "<a rel=\"prev\" href=\"{base}?{query}{sep}page={}\">‹ {}</a> ",
            page - 1,
            t(lang, "上一页", "previous")
        ));
    }
    if page + 1 < pages {
        h.push_str(&format!(
            "<a rel=\"next\" href=\"{base}?{query}{sep}page={}\">{} ›</a>",
            page + 1,
            t(lang, "下一页", "next")
        ));
    }
    h.push_str("</p>");
    h
}
