//! What every console page shares: the HTML escaper the templates use, the page
//! frame (navigation, language switch, flash), select options, pagers, dates in
//! China Standard Time, and rendering a template into a response.

use std::fmt;

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use gridfield_core::i18n::Lang;

use super::LangChoice;
use super::auth::ConsoleUser;
use super::msg::Msg;

/// The templates' escaper (see `askama.toml`): the same entities the console
/// always wrote, so a value from a user or a device is never markup.
#[derive(Clone, Copy)]
pub struct Escape;

impl askama::filters::Escaper for Escape {
    fn write_escaped_str<W: fmt::Write>(&self, mut dest: W, s: &str) -> fmt::Result {
        let mut last = 0;
        for (i, b) in s.bytes().enumerate() {
            let rep = match b {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                b'\'' => "&#39;",
                _ => continue,
            };
            dest.write_str(&s[last..i])?;
            dest.write_str(rep)?;
            last = i + 1;
        }
        dest.write_str(&s[last..])
    }
}

/// Percent-encode a query-string value or path segment.
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

/// Where a record was made, as the console shows it ("not recorded" without a fix).
pub fn location(
    g: Option<&gridfield_core::model::GeoPoint>,
    lang: gridfield_core::i18n::Lang,
) -> String {
    use super::msg::Msg;
    match g {
        Some(g) => Msg::LocationFix {
            coords: format!("{:.5}, {:.5}", g.lat, g.lon),
            accuracy_m: g.accuracy_m.map(|a| a.round() as i64),
            fixed_at: g.fixed_at.map(datetime),
        }
        .text(lang),
        None => Msg::NotRecorded.text(lang),
    }
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

/// Which navigation entry is current.
#[derive(Clone, Copy, PartialEq)]
pub enum Nav {
    Dashboard,
    Review,
    Hazards,
    Cases,
    Reports,
    Points,
    Addresses,
    Conflicts,
    Audit,
    Templates,
    Coverage,
    Map,
    None,
}

const NAV: [(Nav, &str, Msg); 12] = [
    (Nav::Dashboard, "/console", Msg::NavDashboard),
    (
        Nav::Map,
        "/console/map",
        Msg::Map(super::map_msg::MapMsg::NavMap),
    ),
    (Nav::Review, "/console/inspections", Msg::NavReview),
    (Nav::Hazards, "/console/hazards", Msg::NavHazards),
    (
        Nav::Cases,
        "/console/cases/intake",
        Msg::Case(super::case_msg::CaseMsg::NavCases),
    ),
    (
        Nav::Coverage,
        "/console/coverage",
        Msg::Visit(super::visit_msg::VisitMsg::NavCoverage),
    ),
    (Nav::Reports, "/console/reports", Msg::NavReports),
    (
        Nav::Points,
        "/console/points",
        Msg::PointsText(super::points_msg::PointsMsg::NavPoints),
    ),
    (Nav::Addresses, "/console/addresses", Msg::NavPlates),
    (Nav::Conflicts, "/console/conflicts", Msg::NavConflicts),
    (Nav::Audit, "/console/audit", Msg::NavAudit),
    (
        Nav::Templates,
        "/console/templates",
        Msg::Template(super::template_msg::TemplateMsg::NavTemplates),
    ),
];

pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub on: bool,
}

#[derive(Clone)]
pub struct Flash {
    pub ok: bool,
    pub text: String,
}

impl Flash {
    pub fn err(text: impl Into<String>) -> Flash {
        Flash {
            ok: false,
            text: text.into(),
        }
    }
}

/// What the shared layout (`console/base.html`) needs from every page.
pub struct Frame<'a> {
    pub lang: Lang,
    pub user: Option<&'a ConsoleUser>,
    pub nav: Nav,
    pub title: String,
    pub flash: Option<Flash>,
}

impl<'a> Frame<'a> {
    pub fn new(lang: Lang, user: Option<&'a ConsoleUser>, nav: Nav, title: Msg) -> Frame<'a> {
        Frame {
            lang,
            user,
            nav,
            title: title.text(lang),
            flash: None,
        }
    }

    pub fn with_flash(mut self, flash: Option<Flash>) -> Frame<'a> {
        self.flash = flash;
        self
    }

    /// A catalog message in the page's language.
    pub fn t(&self, m: Msg) -> String {
        m.text(self.lang)
    }

    pub fn html_lang(&self) -> &'static str {
        self.lang.pick("zh-CN", "en")
    }

    /// The language switch names the other language in that language.
    pub fn other_lang(&self) -> (&'static str, &'static str) {
        if self.lang.is_en() {
            ("zh", "中文")
        } else {
            ("en", "English")
        }
    }

    /// The entries the user's role may use: a department user has its inbox only.
    pub fn nav_items(&self) -> Vec<NavItem> {
        if self.user.is_some_and(|u| u.is_department()) {
            return vec![NavItem {
                href: "/console/cases/inbox",
                label: Msg::Case(super::case_msg::CaseMsg::NavInbox).text(self.lang),
                on: self.nav == Nav::Cases,
            }];
        }
        let admin = self
            .user
            .is_some_and(|u| u.role == gridfield_core::model::Role::Admin);
        NAV.iter()
            .filter(|(n, _, _)| admin || *n != Nav::Templates)
            .map(|(n, href, m)| NavItem {
                href,
                label: m.text(self.lang),
                on: *n == self.nav,
            })
            .collect()
    }
}

/// One `<option>` of a filter select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Options for `pairs` with `current` selected.
pub fn choices(pairs: Vec<(String, String)>, current: Option<&str>) -> Vec<Choice> {
    pairs
        .into_iter()
        .map(|(value, label)| Choice {
            selected: current == Some(value.as_str()),
            value,
            label,
        })
        .collect()
}

/// Previous / next links keeping the other query parameters. `total` is known
/// for filtered lists; the logs only know whether a page was full.
pub struct Pager {
    pub summary: Option<String>,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    pub fn counted(lang: Lang, base: &str, query: &str, page: i64, total: i64, per: i64) -> Pager {
        let pages = (total + per - 1) / per;
        let sep = if query.is_empty() { "" } else { "&" };
        Pager {
            summary: Some(
                Msg::Pager {
                    total,
                    page: page + 1,
                    pages: pages.max(1),
                }
                .text(lang),
            ),
            prev: (page > 0).then(|| format!("{base}?{query}{sep}page={}", page - 1)),
            next: (page + 1 < pages).then(|| format!("{base}?{query}{sep}page={}", page + 1)),
        }
    }

    /// Keyset pages (`after=` / `before=` a row's key): previous and next keep
    /// the filter and say which page they are for the summary.
    pub fn keyset(lang: Lang, base: &str, query: &str, nav: &super::query::PageNav) -> Pager {
        let per = super::query::PAGE_SIZE;
        let pages = ((nav.total + per - 1) / per).max(1);
        let sep = if query.is_empty() { "" } else { "&" };
        Pager {
            summary: Some(
                Msg::Pager {
                    total: nav.total,
                    page: (nav.page + 1).min(pages),
                    pages,
                }
                .text(lang),
            ),
            prev: nav.prev.as_ref().map(|k| {
                format!(
                    "{base}?{query}{sep}before={k}&page={}",
                    (nav.page - 1).max(0)
                )
            }),
            next: nav
                .next
                .as_ref()
                .map(|k| format!("{base}?{query}{sep}after={k}&page={}", nav.page + 1)),
        }
    }

    pub fn uncounted(base: &str, page: i64, full: bool) -> Pager {
        Pager {
            summary: None,
            prev: (page > 0).then(|| format!("{base}?page={}", page - 1)),
            next: full.then(|| format!("{base}?page={}", page + 1)),
        }
    }
}

/// Render a page template as an HTML response (remembering a chosen language).
pub fn render(lang: LangChoice, status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => lang.apply(
            (
                status,
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                body,
            )
                .into_response(),
        ),
        Err(e) => {
            tracing::error!("console template: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
