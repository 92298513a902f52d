//! The dashboard: figure tiles linking to the lists behind them, and charts of
//! inspections, hazards by category and status, grids and risky addresses.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use gridfield_core::grid::GridScope;
use gridfield_core::hazard::HazardStatus;
use gridfield_core::record::RecordKind;
use gridfield_core::taxonomy::Taxonomy;

use super::chart::{self, Bar};
use super::html::{self, Frame, Nav, render};
use super::list::scope;
use super::msg::Msg;
use super::query::{self, DAY_MS, Filter, TZ_OFFSET_MS};
use super::{AppState, Console, blocking};
use crate::db::Tx;
use crate::error::Result;
use crate::rules::{self, now_ms};

/// What the dashboard shows, read in one transaction.
struct Figures {
    today: i64,
    per_day: Vec<(i64, i64)>,
    by_category: Vec<(String, i64)>,
    by_status: Vec<(String, i64)>,
    inspection_status: Vec<(String, i64)>,
    report_status: Vec<(String, i64)>,
    /// Child grids: code, name, (total, rectified, overdue).
    grids: Vec<(String, String, (i64, i64, i64))>,
    overdue: i64,
    /// Addresses with most open hazards: code, text, count.
    top_risk: Vec<(String, String, i64)>,
    escalated: i64,
}

impl Figures {
    fn read(tx: &mut dyn Tx, sc: &GridScope, grid: &str, now: i64, esc_ms: i64) -> Result<Figures> {
        let today = (now + TZ_OFFSET_MS) / DAY_MS;
        let since = (today - 29) * DAY_MS - TZ_OFFSET_MS;
        let mut grids = Vec::new();
        for (code, name, path) in query::child_grids(tx, grid)? {
            grids.push((code, name, query::hazard_figures(tx, &path, now)?));
        }
        let mut top_risk = Vec::new();
        for (code, n) in query::top_risk_addresses(tx, sc, 10)? {
            let text = query::address_text(tx, &code)?.unwrap_or_else(|| code.clone());
            top_risk.push((code, text, n));
        }
        let escalated = Filter {
            due_before: Some(now - esc_ms),
            ..Filter::of(RecordKind::Hazard)
        };
        Ok(Figures {
            today,
            per_day: query::inspections_per_day(tx, sc, since)?,
            by_category: query::count_by(tx, sc, RecordKind::Hazard, "category")?,
            by_status: query::count_by(tx, sc, RecordKind::Hazard, "status")?,
            inspection_status: query::count_by(tx, sc, RecordKind::Inspection, "status")?,
            report_status: query::count_by(tx, sc, RecordKind::Report, "status")?,
            grids,
            overdue: query::hazard_figures(tx, &sc.path, now)?.2,
            top_risk,
            escalated: query::count(tx, sc, &escalated)?,
        })
    }
}

fn count_of(v: &[(String, i64)], k: &str) -> i64 {
    v.iter().find(|(s, _)| s == k).map(|(_, n)| *n).unwrap_or(0)
}

pub struct Tile {
    pub href: &'static str,
    pub count: i64,
    pub label: String,
}

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct DashboardPage<'a> {
    frame: Frame<'a>,
    tiles: Vec<Tile>,
    /// Rendered chart templates.
    charts: Vec<String>,
}

pub async fn page(State(s): State<AppState>, c: Console) -> Response {
    let sc = scope(&c);
    let grid = c.user.grid_code.clone();
    let esc_ms = s.console.escalate_after_ms;
    let now = now_ms();
    let lang = c.lang.lang;
    let res = blocking(move || {
        s.db.read(|tx| {
            let f = Figures::read(tx, &sc, &grid, now, esc_ms)?;
            let cases = super::case_charts::charts(tx, &sc.path, lang)?;
            Ok((f, rules::taxonomy::hazard(tx)?, cases))
        })
    })
    .await;
    c.finish(res.map(|(f, t, cases)| {
        let mut v = view(&c, &f, &t);
        v.charts.extend(cases);
        render(c.lang, StatusCode::OK, &v)
    }))
}

fn view<'a>(c: &'a Console, f: &Figures, taxonomy: &Taxonomy) -> DashboardPage<'a> {
    let l = c.lang.lang;
    let open_hazards: i64 = f
        .by_status
        .iter()
        .filter(|(s, _)| s != "closed")
        .map(|(_, n)| n)
        .sum();
    let tile = |href, count, m: Msg| Tile {
        href,
        count,
        label: m.text(l),
    };
    let tiles = vec![
        tile(
            "/console/inspections?status=submitted",
            count_of(&f.inspection_status, "submitted"),
            Msg::TileAwaitingReview,
        ),
        tile("/console/hazards", open_hazards, Msg::TileOpenHazards),
        tile(
            "/console/hazards?overdue=1",
            f.overdue,
            Msg::TileOverdueHazards,
        ),
        tile(
            "/console/hazards?escalated=1",
            f.escalated,
            Msg::TileEscalated,
        ),
        tile(
            "/console/reports?status=pending",
            count_of(&f.report_status, "pending"),
            Msg::TilePendingReports,
        ),
    ];
    let days: Vec<Bar> = (0..30)
        .map(|i| {
            let day = f.today - 29 + i;
            let n = f
                .per_day
                .iter()
                .find(|(d, _)| *d == day)
                .map(|(_, n)| *n)
                .unwrap_or(0);
            let date = html::date(day * DAY_MS - TZ_OFFSET_MS);
            Bar {
                label: date[5..].to_string(),
                value: n as f64,
                text: n.to_string(),
                href: format!("/console/inspections?from={date}&to={date}"),
            }
        })
        .collect();
    let count_bar = |label: String, n: i64, href: String| Bar {
        label,
        value: n as f64,
        text: n.to_string(),
        href,
    };
    let cats: Vec<Bar> = f
        .by_category
        .iter()
        .map(|(cat, n)| {
            count_bar(
                taxonomy.category_label(cat, l),
                *n,
                format!("/console/hazards?category={}", html::url(cat)),
            )
        })
        .collect();
    let sts: Vec<Bar> = HazardStatus::ALL
        .iter()
        .map(|st| {
            count_bar(
                st.label(l).to_string(),
                count_of(&f.by_status, st.as_str()),
                format!("/console/hazards?status={}", st.as_str()),
            )
        })
        .collect();
    let rate: Vec<Bar> = f
        .grids
        .iter()
        .map(|(code, name, (total, fixed, _))| {
            let pct = if *total > 0 {
                *fixed as f64 * 100.0 / *total as f64
            } else {
                0.0
            };
            Bar {
                label: name.clone(),
                value: pct,
                text: format!("{pct:.0}% ({fixed}/{total})"),
                href: format!("/console/hazards?grid={}", html::url(code)),
            }
        })
        .collect();
    let od: Vec<Bar> = f
        .grids
        .iter()
        .map(|(code, name, (_, _, overdue))| {
            count_bar(
                name.clone(),
                *overdue,
                format!("/console/hazards?grid={}&overdue=1", html::url(code)),
            )
        })
        .collect();
    // The end of a long address is what tells two apart.
    let tail = |t: &str| {
        let chars: Vec<char> = t.chars().collect();
        chars[chars.len().saturating_sub(16)..].iter().collect()
    };
    let risk: Vec<Bar> = f
        .top_risk
        .iter()
        .map(|(code, text, n)| {
            count_bar(
                tail(text),
                *n,
                format!("/console/addresses/{}", html::url(code)),
            )
        })
        .collect();
    let t = |m: Msg| m.text(l);
    let charts = vec![
        chart::columns(&t(Msg::ChartInspectionsPerDay), &days),
        chart::rows(&t(Msg::ChartHazardsByCategory), &cats),
        chart::rows(&t(Msg::ChartHazardsByStatus), &sts),
        chart::rows(&t(Msg::ChartRectificationByGrid), &rate),
        chart::rows(&t(Msg::ChartOverdueByGrid), &od),
        chart::rows(&t(Msg::ChartTopRiskAddresses), &risk),
    ];
    DashboardPage {
        frame: Frame::new(l, Some(&c.user), Nav::Dashboard, Msg::Dashboard),
        tiles,
        charts,
    }
}
