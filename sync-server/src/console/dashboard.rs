//! The dashboard: figure tiles linking to the lists behind them, and charts of
//! inspections, hazards by category and status, grids and risky addresses, all
//! over one date range (`?from=…&to=…`, the last 30 days by default) that every
//! figure and every link carries.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gridfield_core::grid::GridScope;
use gridfield_core::hazard::HazardStatus;
use gridfield_core::record::RecordKind;
use gridfield_core::taxonomy::Taxonomy;

use super::chart::{self, Bar, Series, Split};
use super::dashboard_query::{self as dq, Range};
use super::forms::{Pairs, Params, parse_date};
use super::html::{self, Flash, Frame, Nav, render};
use super::list::scope;
use super::msg::Msg;
use super::query::{self, DAY_MS, Filter, TZ_OFFSET_MS};
use super::triage_msg::TriageMsg;
use super::{AppState, Console, blocking};
use crate::db::Tx;
use crate::error::Result;
use crate::rules::{self, now_ms};

/// The longest range the dashboard draws (five years of weeks).
const MAX_DAYS: i64 = 5 * 366;

/// The range a request asks for, as typed dates, and whether what was typed
/// could be read (else the last 30 days).
pub fn range_of(p: &Params, now: i64) -> (Range, bool) {
    let today = ((now + TZ_OFFSET_MS) / DAY_MS) * DAY_MS - TZ_OFFSET_MS;
    let default = Range {
        from: today - 29 * DAY_MS,
        to: today + DAY_MS,
    };
    let typed = |k: &str| p.get(k).filter(|v| !v.trim().is_empty());
    let (from, to) = (typed("from"), typed("to"));
    let parsed_from = from.map(parse_date);
    let parsed_to = to.map(parse_date);
    if parsed_from == Some(None) || parsed_to == Some(None) {
        return (default, false);
    }
    let to = parsed_to.flatten().map_or(default.to, |d| d + DAY_MS);
    let from = parsed_from.flatten().unwrap_or(to - 30 * DAY_MS);
    let (from, to) = if from < to {
        (from, to)
    } else {
        (to - DAY_MS, from + DAY_MS)
    };
    (
        Range {
            from: from.max(to - MAX_DAYS * DAY_MS),
            to,
        },
        true,
    )
}

/// A range as the `from=…&to=…` of a link (the last day is the one before `to`).
pub fn range_query(r: Range) -> String {
    format!(
        "from={}&to={}",
        html::date(r.from),
        html::date(r.to - DAY_MS)
    )
}

/// Days per bucket of the trend and column charts: days up to two months,
/// else weeks.
fn bucket_days(r: Range) -> i64 {
    if (r.to - r.from) / DAY_MS <= 62 { 1 } else { 7 }
}

/// What the dashboard shows, read in one transaction.
struct Figures {
    inspections: Vec<(i64, i64)>,
    opened: Vec<(i64, i64)>,
    closed: Vec<(i64, i64)>,
    by_category: Vec<(String, i64)>,
    by_status: Vec<(String, i64)>,
    awaiting_review: i64,
    pending_reports: i64,
    /// Child grids: code, name, (all, closed, overdue).
    grids: Vec<(String, String, (i64, i64, i64))>,
    overdue: i64,
    /// Addresses with most open hazards: code, text, count.
    top_risk: Vec<(String, String, i64)>,
    escalated: i64,
}

impl Figures {
    fn read(
        tx: &mut dyn Tx,
        sc: &GridScope,
        grid: &str,
        now: i64,
        esc_ms: i64,
        r: Range,
    ) -> Result<Figures> {
        let bucket = bucket_days(r) * DAY_MS;
        let mut grids = Vec::new();
        for (code, name, path) in query::child_grids(tx, grid)? {
            grids.push((code, name, dq::hazard_split(tx, &path, now, r)?));
        }
        let mut top_risk = Vec::new();
        for (code, n) in dq::top_risk(tx, sc, r, 10)? {
            let text = query::address_text(tx, &code)?.unwrap_or_else(|| code.clone());
            top_risk.push((code, text, n));
        }
        let in_range = |kind, status: Option<&str>, due_before| Filter {
            status: status.map(String::from),
            due_before,
            from: Some(r.from),
            to: Some(r.to),
            ..Filter::of(kind)
        };
        Ok(Figures {
            inspections: dq::per_bucket(tx, sc, RecordKind::Inspection, r, bucket)?,
            opened: dq::per_bucket(tx, sc, RecordKind::Hazard, r, bucket)?,
            closed: dq::closed_per_bucket(tx, sc, r, bucket)?,
            by_category: dq::count_by(tx, sc, RecordKind::Hazard, "category", r)?,
            by_status: dq::count_by(tx, sc, RecordKind::Hazard, "status", r)?,
            awaiting_review: query::count(
                tx,
                sc,
                &in_range(RecordKind::Inspection, Some("submitted"), None),
            )?,
            pending_reports: query::count(
                tx,
                sc,
                &in_range(RecordKind::Report, Some("pending"), None),
            )?,
            grids,
            overdue: query::count(tx, sc, &in_range(RecordKind::Hazard, None, Some(now)))?,
            top_risk,
            escalated: query::count(
                tx,
                sc,
                &in_range(RecordKind::Hazard, None, Some(now - esc_ms)),
            )?,
        })
    }
}

fn count_of(v: &[(String, i64)], k: &str) -> i64 {
    v.iter().find(|(s, _)| s == k).map(|(_, n)| *n).unwrap_or(0)
}

pub struct Tile {
    pub href: String,
    pub count: i64,
    pub label: String,
}

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct DashboardPage<'a> {
    frame: Frame<'a>,
    from: String,
    to: String,
    tiles: Vec<Tile>,
    /// Rendered chart templates.
    charts: Vec<String>,
}

pub async fn page(State(s): State<AppState>, c: Console, Query(q): Query<Pairs>) -> Response {
    let sc = scope(&c);
    let grid = c.user.grid_code.clone();
    let esc_ms = s.console.escalate_after_ms;
    let now = now_ms();
    let lang = c.lang.lang;
    let (range, readable) = range_of(&Params(q), now);
    let res = blocking(move || {
        s.db.read(|tx| {
            let f = Figures::read(tx, &sc, &grid, now, esc_ms, range)?;
            let cases = super::case_charts::charts(tx, &sc.path, lang, range)?;
            Ok((f, rules::taxonomy::hazard(tx)?, cases))
        })
    })
    .await;
    c.finish(res.map(|(f, t, cases)| {
        let mut v = view(&c, &f, &t, range);
        v.charts.extend(cases);
        if !readable {
            v.frame = v
                .frame
                .with_flash(Some(Flash::err(TriageMsg::BadRange.text(lang))));
        }
        render(c.lang, StatusCode::OK, &v)
    }))
}

/// Bucket labels (the first day of each) and counts per bucket.
fn buckets(r: Range, counts: &[(i64, i64)]) -> (Vec<String>, Vec<i64>) {
    let step = bucket_days(r) * DAY_MS;
    let n = ((r.to - r.from + step - 1) / step).max(1);
    let labels = (0..n).map(|i| html::date(r.from + i * step)).collect();
    let mut values = vec![0; n as usize];
    for (i, c) in counts {
        if let Some(v) = values.get_mut(*i as usize) {
            *v += c;
        }
    }
    (labels, values)
}

fn view<'a>(c: &'a Console, f: &Figures, taxonomy: &Taxonomy, r: Range) -> DashboardPage<'a> {
    let l = c.lang.lang;
    let rq = range_query(r);
    let open_hazards: i64 = f
        .by_status
        .iter()
        .filter(|(s, _)| s != "closed")
        .map(|(_, n)| n)
        .sum();
    let tile = |path: &str, count, m: Msg| Tile {
        href: format!("{path}{}{rq}", if path.contains('?') { '&' } else { '?' }),
        count,
        label: m.text(l),
    };
    let tiles = vec![
        tile(
            "/console/inspections?status=submitted",
            f.awaiting_review,
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
            f.pending_reports,
            Msg::TilePendingReports,
        ),
    ];
    let step = bucket_days(r) * DAY_MS;
    let (labels, per) = buckets(r, &f.inspections);
    let days: Vec<Bar> = labels
        .iter()
        .zip(&per)
        .map(|(date, n)| {
            let last = html::date((parse_date(date).unwrap_or(r.from) + step).min(r.to) - DAY_MS);
            Bar {
                label: date.clone(),
                value: *n as f64,
                text: n.to_string(),
                href: format!("/console/inspections?status=&from={date}&to={last}"),
            }
        })
        .collect();
    let (_, opened) = buckets(r, &f.opened);
    let (_, closed) = buckets(r, &f.closed);
    let trend_series = [
        Series {
            class: "opened",
            label: TriageMsg::Opened.text(l),
            values: opened,
        },
        Series {
            class: "closed",
            label: TriageMsg::Closed.text(l),
            values: closed,
        },
    ];
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
                format!("/console/hazards?category={}&{rq}", html::url(cat)),
            )
        })
        .collect();
    let sts: Vec<Bar> = HazardStatus::ALL
        .iter()
        .map(|st| {
            count_bar(
                st.label(l).to_string(),
                count_of(&f.by_status, st.as_str()),
                format!("/console/hazards?status={}&{rq}", st.as_str()),
            )
        })
        .collect();
    let rate: Vec<Split> = f
        .grids
        .iter()
        .map(|(code, name, (total, closed, overdue))| Split {
            label: name.clone(),
            text: rate_text(*closed, *total, l),
            href: format!("/console/hazards?grid={}&status=&{rq}", html::url(code)),
            total: *total,
            parts: vec![
                ("closed", *closed),
                ("progress", total - closed - overdue),
                ("overdue", *overdue),
            ],
        })
        .collect();
    let legend = vec![
        ("closed", TriageMsg::LegendClosed.text(l)),
        ("progress", TriageMsg::LegendInProgress.text(l)),
        ("overdue", TriageMsg::LegendOverdue.text(l)),
    ];
    let od: Vec<Bar> = f
        .grids
        .iter()
        .map(|(code, name, (_, _, overdue))| {
            count_bar(
                name.clone(),
                *overdue,
                format!("/console/hazards?grid={}&overdue=1&{rq}", html::url(code)),
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
    let t = |m: TriageMsg| m.text(l);
    let per_title = if bucket_days(r) == 1 {
        t(TriageMsg::InspectionsPerDay)
    } else {
        t(TriageMsg::InspectionsPerWeek)
    };
    let charts = vec![
        chart::shares(&t(TriageMsg::ChartRateByGrid), &legend, &rate),
        chart::trend(&t(TriageMsg::ChartOpenedClosed), &labels, &trend_series),
        chart::columns(&per_title, &days),
        chart::rows(&Msg::ChartHazardsByCategory.text(l), &cats),
        chart::rows(&Msg::ChartHazardsByStatus.text(l), &sts),
        chart::rows(&Msg::ChartOverdueByGrid.text(l), &od),
        chart::rows(&Msg::ChartTopRiskAddresses.text(l), &risk),
    ];
    DashboardPage {
        frame: Frame::new(l, Some(&c.user), Nav::Dashboard, Msg::Dashboard),
        from: html::date(r.from),
        to: html::date(r.to - DAY_MS),
        tiles,
        charts,
    }
}

/// "13% (1/8)", or "—" when there is nothing to count (0/0 is no rate at all).
pub fn rate_text(n: i64, total: i64, l: gridfield_core::i18n::Lang) -> String {
    if total == 0 {
        return "—".to_string();
    }
    super::case_msg::CaseMsg::Share { n, total }.text(l)
}
