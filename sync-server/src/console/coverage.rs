//! 走访覆盖率 (visit coverage): per grid and per worker, the share of due visits
//! done on time this month or quarter, overdue visits, entities never visited and
//! each worker's visits; every figure links to the entities it counts; the same
//! figures as CSV or XLSX. Counted in SQL (`coverage_query`), kept per grid path
//! between loads (`coverage_cache`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use gridfield_core::address::EntityKind;
use gridfield_core::grid::GridScope;
use gridfield_core::i18n::Lang;
use gridfield_core::visit::{self, Day};

use super::coverage_cache;
use super::coverage_query::{self as cq, Figures, Period, Which};
use super::errors::missing;
use super::export::{Format, write_table};
use super::forms::{Pairs, Params};
use super::html::{self, Frame, Nav, render};
use super::list::scope;
use super::msg::Msg;
use super::visit_msg::VisitMsg as V;
use super::{AppState, Console, blocking};
use crate::db::Tx;
use crate::error::{ApiError, Result};
use crate::rules::{self, now_ms};
use crate::spreadsheet::Cell;

/// This month or this quarter (China time), ending today's period.
pub(super) fn period(quarter: bool, now: i64) -> Period {
    let today = visit::day_of(now);
    let d = chrono::NaiveDate::default() + chrono::Days::new(today as u64);
    let first_month = if quarter {
        (d.month0() / 3) * 3 + 1
    } else {
        d.month()
    };
    let start = chrono::NaiveDate::from_ymd_opt(d.year(), first_month, 1).unwrap_or(d);
    let months = if quarter { 3 } else { 1 };
    let end = start
        .checked_add_months(chrono::Months::new(months))
        .and_then(|n| n.pred_opt())
        .unwrap_or(d);
    let day = |x: chrono::NaiveDate| (x - chrono::NaiveDate::default()).num_days();
    Period {
        start: day(start),
        end: day(end),
        today,
    }
}

fn quarter_of(p: &Params) -> bool {
    p.get("period") == Some("quarter")
}

/// One row of a figures table, with the links behind its counts.
pub struct Line {
    pub name: String,
    pub code: String,
    pub f: Figures,
    pub share: String,
    /// Visits the worker made in the period (worker rows only).
    pub visits: Option<i64>,
}

fn share(f: &Figures) -> String {
    f.share()
        .map_or_else(|| "—".to_string(), |s| format!("{s}%"))
}

/// Everything the page and the exports show.
struct Report {
    rules: bool,
    grids: Vec<Line>,
    total: Line,
    workers: Vec<Line>,
}

fn read(tx: &mut dyn Tx, c_grid: &str, sc: &GridScope, p: Period) -> Result<Report> {
    let Some(rules) = rules::visits::load(tx)? else {
        let total = Line {
            name: String::new(),
            code: c_grid.into(),
            f: Figures::default(),
            share: share(&Figures::default()),
            visits: None,
        };
        return Ok(Report {
            rules: false,
            grids: vec![],
            total,
            workers: vec![],
        });
    };
    let paths = coverage_cache::per_path(tx, &rules, sc, p)?;
    let roll = |prefix: &str| {
        let mut f = Figures::default();
        for (path, x) in &paths {
            if path.starts_with(prefix) {
                f.add(x);
            }
        }
        f
    };
    let mut grids = Vec::new();
    for (code, name, path) in super::query::child_grids(tx, c_grid)? {
        let f = roll(&path);
        grids.push(Line {
            name,
            code,
            share: share(&f),
            f,
            visits: None,
        });
    }
    let tf = roll(&sc.path);
    let total = Line {
        name: String::new(),
        code: c_grid.into(),
        share: share(&tf),
        f: tf,
        visits: None,
    };
    let done = cq::visits_by_worker(tx, sc, p)?;
    let workers = cq::workers(tx, sc)?
        .into_iter()
        .map(|(name, code, path)| {
            let f = roll(&path);
            let visits = done.iter().find(|(n, _)| *n == name).map_or(0, |(_, n)| *n);
            Line {
                name,
                code,
                share: share(&f),
                f,
                visits: Some(visits),
            }
        })
        .collect();
    Ok(Report {
        rules: true,
        grids,
        total,
        workers,
    })
}

#[derive(Template)]
#[template(path = "console/coverage.html")]
struct CoveragePage<'a> {
    frame: Frame<'a>,
    rules: bool,
    period: &'static str,
    grids: Vec<Line>,
    total: Line,
    workers: Vec<Line>,
}

impl CoveragePage<'_> {
    fn v(&self, m: V) -> String {
        m.text(self.frame.lang)
    }

    fn href(&self, code: &str, which: &str) -> String {
        format!(
            "/console/coverage/list?grid={}&which={which}&period={}",
            html::url(code),
            self.period
        )
    }
}

pub async fn page(State(s): State<AppState>, c: Console, Query(q): Query<Pairs>) -> Response {
    let p = Params(q);
    let quarter = quarter_of(&p);
    let per = period(quarter, now_ms());
    let sc = scope(&c);
    let grid = c.user.grid_code.clone();
    let res = blocking(move || {
        coverage_cache::refresh(&s.db, &[per])?;
        s.db.read(|tx| read(tx, &grid, &sc, per))
    })
    .await;
    c.finish(res.map(|r| {
        let mut total = r.total;
        total.name = V::Total.text(c.lang.lang);
        let page = CoveragePage {
            frame: Frame::new(
                c.lang.lang,
                Some(&c.user),
                Nav::Coverage,
                Msg::Visit(V::Coverage),
            ),
            rules: r.rules,
            period: if quarter { "quarter" } else { "month" },
            grids: r.grids,
            total,
            workers: r.workers,
        };
        render(c.lang, StatusCode::OK, &page)
    }))
}

pub struct Row {
    pub id: String,
    pub kind: String,
    pub address_code: String,
    pub address: String,
    pub due: String,
}

#[derive(Template)]
#[template(path = "console/coverage_list.html")]
struct ListPage<'a> {
    frame: Frame<'a>,
    heading: String,
    rows: Vec<Row>,
    capped: Option<String>,
}

impl ListPage<'_> {
    fn v(&self, m: V) -> String {
        m.text(self.frame.lang)
    }
}

const LIST_LIMIT: i64 = 500;

pub async fn list(State(s): State<AppState>, c: Console, Query(q): Query<Pairs>) -> Response {
    let p = Params(q);
    let Some(which) = p.get("which").and_then(Which::parse) else {
        return c.finish(Err(missing()));
    };
    let per = period(quarter_of(&p), now_ms());
    let mine = scope(&c);
    let grid = p.get("grid").unwrap_or(&c.user.grid_code).to_string();
    let l = c.lang.lang;
    let res = blocking(move || {
        s.db.read(|tx| {
            // A grid outside the user's subtree is the same answer as no grid.
            let path = rules::grids::grid_path(tx, &grid)?
                .filter(|p| mine.covers(p))
                .ok_or_else(missing)?;
            let Some(rules) = rules::visits::load(tx)? else {
                return Ok(Vec::new());
            };
            let entries = cq::entries(tx, &rules, &GridScope::new(&path), per, which, LIST_LIMIT)?;
            let mut rows = Vec::with_capacity(entries.len());
            for e in entries {
                let address = super::query::address_text(tx, &e.address_code)?.unwrap_or_default();
                rows.push(Row {
                    id: e.id,
                    kind: kind_label(&e.kind, l),
                    address_code: e.address_code,
                    address,
                    due: visit::day_text(e.due_now),
                });
            }
            Ok(rows)
        })
    })
    .await;
    c.finish(res.map(|rows| {
        let heading = match which {
            Which::Due => V::ListDue,
            Which::Overdue => V::ListOverdue,
            Which::Never => V::ListNever,
        }
        .text(l);
        let capped =
            (rows.len() as i64 >= LIST_LIMIT).then(|| V::ListCapped { shown: rows.len() }.text(l));
        let page = ListPage {
            frame: Frame::new(l, Some(&c.user), Nav::Coverage, Msg::Visit(V::Coverage)),
            heading,
            rows,
            capped,
        };
        render(c.lang, StatusCode::OK, &page)
    }))
}

fn kind_label(kind: &str, l: Lang) -> String {
    EntityKind::parse(kind).map_or_else(|| kind.to_string(), |k| k.label(l).to_string())
}

/// `/console/coverage/export/coverage.csv|xlsx?period=…`: both tables, one row each line.
pub async fn export(
    State(s): State<AppState>,
    c: Console,
    Path(file): Path<String>,
    Query(q): Query<Pairs>,
) -> Response {
    let (format, ext, ctype) = match file.as_str() {
        "coverage.csv" => (Format::Csv, "csv", "text/csv; charset=utf-8"),
        "coverage.xlsx" => (
            Format::Xlsx,
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        _ => return c.finish(Err(missing())),
    };
    let p = Params(q);
    let per = period(quarter_of(&p), now_ms());
    let sc = scope(&c);
    let grid = c.user.grid_code.clone();
    let l = c.lang.lang;
    let res = blocking(move || {
        coverage_cache::refresh(&s.db, &[per])?;
        let r = s.db.read(|tx| read(tx, &grid, &sc, per))?;
        let t = |m: V| m.text(l);
        let head = vec![
            t(V::ByGrid),
            t(V::Worker),
            t(V::Planned),
            t(V::Due),
            t(V::OnTime),
            t(V::OnTimeShare),
            t(V::Overdue),
            t(V::NeverVisited),
            t(V::Workload),
        ];
        let row = |grid: &str, worker: &str, x: &Line| {
            let n = Cell::Int;
            vec![
                Cell::text(grid),
                Cell::text(worker),
                n(x.f.planned),
                n(x.f.due),
                n(x.f.on_time),
                // A share as a number (percent) where there is one, "—" where not.
                x.f.share().map_or_else(
                    || Cell::text(x.share.clone()),
                    |p| Cell::Percent(p as f64 / 100.0),
                ),
                n(x.f.overdue),
                n(x.f.never),
                Cell::int(x.visits),
            ]
        };
        let mut rows = vec![row(&t(V::Total), "", &r.total)];
        rows.extend(r.grids.iter().map(|g| row(&g.name, "", g)));
        rows.extend(r.workers.iter().map(|w| row(&w.code, &w.name, w)));
        let mut out = Vec::new();
        write_table(format, l.pick("覆盖率", "Coverage"), &head, &rows, &mut out)?;
        Ok::<_, ApiError>(out)
    })
    .await;
    match res {
        Ok(bytes) => {
            let name = format!("coverage-{}.{ext}", day_name(per.today));
            (
                [
                    (header::CONTENT_TYPE, ctype.to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}\""),
                    ),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => c.finish(Err(e)),
    }
}

fn day_name(d: Day) -> String {
    visit::day_text(d).replace('-', "")
}
