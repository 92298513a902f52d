//! Cases (事件) in the console: the 受理台 of the user's level, a department's
//! inbox, the 督办 list of overdue cases below, the filtered list, and one case
//! with its timeline and mediation record. Every step goes through
//! `rules::cases::case_step` with the console's context: the same rules a
//! device's push meets.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use gridfield_core::case::{self, Case, CaseStatus, Department, Handler};
use gridfield_core::i18n::Lang;
use gridfield_core::taxonomy::Taxonomy;

use super::auth::ConsoleUser;
use super::case_msg::CaseMsg;
use super::case_query::{self as cq, CaseFilter};
use super::errors::{flash_for, missing};
use super::export::{Format, write_table};
use super::forms::{Pairs, Params, parse_date};
use super::html::{self, Choice, Frame, Nav, Pager, choices, date, datetime, render};
use super::msg::Msg;
use super::query::{self, DAY_MS, PAGE_SIZE};
use super::{AppState, Console, blocking};
use crate::db::Tx;
use crate::error::Result;
use crate::rules::{self, now_ms};
use crate::spreadsheet::Cell;

/// Which list a page shows.
#[derive(Clone, Copy, PartialEq)]
enum Queue {
    All,
    Intake,
    Inbox,
    Overdue,
}

impl Queue {
    fn title(self) -> CaseMsg {
        match self {
            Queue::All => CaseMsg::AllCases,
            Queue::Intake => CaseMsg::Intake,
            Queue::Inbox => CaseMsg::Inbox,
            Queue::Overdue => CaseMsg::OverdueQueue,
        }
    }

    fn href(self) -> &'static str {
        match self {
            Queue::All => "/console/cases",
            Queue::Intake => "/console/cases/intake",
            Queue::Inbox => "/console/cases/inbox",
            Queue::Overdue => "/console/cases/overdue",
        }
    }
}

/// A case type's label from the case taxonomy.
pub(super) fn type_label(t: &Taxonomy, code: &str, l: Lang) -> String {
    t.category_label(code, l)
}

/// The department a case type goes to by default, nearest the owning level.
pub(super) fn suggestion<'a>(
    t: &Taxonomy,
    c: &Case,
    depts: &'a [Department],
) -> Option<&'a Department> {
    let kind = case::type_rules(t, &c.case_type).department?;
    depts
        .iter()
        .filter(|d| d.kind == kind && c.owner_path.starts_with(d.level_path.as_str()))
        .max_by_key(|d| d.level_path.len())
}

pub(super) fn handler_text(h: &Option<Handler>, depts: &[Department], l: Lang) -> String {
    match h {
        Some(Handler::Person(u)) => u.clone(),
        Some(Handler::Department(code)) => depts
            .iter()
            .find(|d| &d.code == code)
            .map_or_else(|| code.clone(), |d| d.label(l).to_string()),
        None => "—".into(),
    }
}

pub struct Row {
    pub id: String,
    pub created: String,
    pub case_type: String,
    pub status: (&'static str, &'static str),
    pub source: &'static str,
    pub owner: String,
    pub handler: String,
    pub deadline: String,
    pub overdue: bool,
    pub suggestion: Option<String>,
}

#[derive(Template)]
#[template(path = "console/cases.html")]
struct ListPage<'a> {
    frame: Frame<'a>,
    queue: Queue,
    tabs: Vec<(&'static str, String, bool)>,
    types: Vec<Choice>,
    statuses: Vec<Choice>,
    levels: Vec<Choice>,
    overdue_only: bool,
    from: String,
    to: String,
    query: String,
    rows: Vec<Row>,
    pager: Pager,
}

impl ListPage<'_> {
    fn c(&self, m: CaseMsg) -> String {
        m.text(self.frame.lang)
    }
}

/// The filter a queue and its query ask for, or `None` when the user's role has
/// no such queue (a department has its inbox only).
fn filter_for(u: &ConsoleUser, q: Queue, p: &Params, now: i64) -> Option<CaseFilter> {
    let mut f = CaseFilter::default();
    if u.is_department() {
        if !matches!(q, Queue::Inbox | Queue::All) {
            return None;
        }
        // Every case ever dispatched to it, returned ones too (`case::visible_to`).
        f.department = Some(u.department.clone()?);
    } else {
        f.grid_path = Some(u.grid_path.clone());
    }
    match q {
        Queue::Intake => {
            f.owner = Some(u.grid_path.clone());
            f.statuses = vec![CaseStatus::Reported, CaseStatus::Accepted];
        }
        Queue::Inbox => {
            f.handler = Some(u.department.clone()?);
            f.statuses = vec![CaseStatus::Dispatched, CaseStatus::Handling];
        }
        Queue::Overdue => {
            f.owner_below = Some(u.grid_path.clone());
            f.due_before = Some(now);
        }
        Queue::All => {
            f.statuses = p
                .get("status")
                .and_then(CaseStatus::parse)
                .into_iter()
                .collect();
            f.owner_under = p
                .get("level")
                .filter(|l| l.starts_with(u.grid_path.as_str()) && l.len() < 400)
                .map(String::from);
            if p.get("overdue").is_some() {
                f.due_before = Some(now);
            }
        }
    }
    f.case_type = p
        .get("type")
        .filter(|t| t.len() <= 64 && !t.contains(['%', '_', '"', '\\']))
        .map(String::from);
    f.from = p.get("from").and_then(parse_date);
    f.to = p.get("to").and_then(parse_date).map(|d| d + DAY_MS);
    Some(f)
}

fn list_query(p: &Params) -> String {
    ["type", "status", "level", "overdue", "from", "to"]
        .iter()
        .filter_map(|k| p.get(k).map(|v| format!("{k}={}", html::url(v))))
        .collect::<Vec<_>>()
        .join("&")
}

async fn queue_page(s: AppState, c: Console, q: Queue, p: Params) -> Response {
    let l = c.lang.lang;
    let now = now_ms();
    let Some(f) = filter_for(&c.user, q, &p, now) else {
        return c.finish(Err(missing()));
    };
    let page = super::list::keyset(&p);
    let scope_path = c.user.grid_path.clone();
    let res = blocking(move || {
        s.db.read(|tx| {
            let (docs, total) = cq::list(tx, &f, page, PAGE_SIZE)?;
            let taxonomy = rules::taxonomy::case(tx)?;
            let depts = rules::cases::departments(tx)?;
            let mut owners = Vec::new();
            for d in &docs {
                owners.push(level_name(tx, &d.case.owner_path)?);
            }
            let levels = levels_below(tx, &scope_path)?;
            Ok((docs, total, taxonomy, depts, owners, levels))
        })
    })
    .await;
    let (docs, total, taxonomy, depts, owners, levels) = match res {
        Ok(v) => v,
        Err(e) => return c.finish(Err(e)),
    };
    let rows = docs
        .iter()
        .zip(owners)
        .map(|(d, owner)| {
            let k = &d.case;
            Row {
                id: k.id.clone(),
                created: datetime(k.created_at),
                case_type: type_label(&taxonomy, &k.case_type, l),
                status: (k.status.as_str(), k.status.label(l)),
                source: k.source.label(l),
                owner,
                handler: handler_text(&k.handler, &depts, l),
                deadline: k.deadline.map(date).unwrap_or_else(|| "—".into()),
                overdue: case::is_overdue(k.status, k.deadline, now),
                suggestion: (q == Queue::Intake).then(|| {
                    suggestion(&taxonomy, k, &depts)
                        .map_or_else(|| CaseMsg::NoSuggestion.text(l), |d| d.label(l).to_string())
                }),
            }
        })
        .collect();
    let fq = list_query(&p);
    let tabs: &[Queue] = if c.user.is_department() {
        &[Queue::Inbox, Queue::All]
    } else {
        &[Queue::Intake, Queue::Overdue, Queue::All]
    };
    let tabs = tabs
        .iter()
        .map(|t| (t.href(), t.title().text(l), *t == q))
        .collect();
    let types = taxonomy
        .categories
        .iter()
        .map(|e| (e.code.clone(), e.label(l).to_string()))
        .collect();
    let statuses = CaseStatus::ALL
        .iter()
        .map(|x| (x.as_str().to_string(), x.label(l).to_string()))
        .collect();
    let view = ListPage {
        frame: Frame::new(l, Some(&c.user), Nav::Cases, Msg::Case(q.title()))
            .with_flash(p.get("ok").and_then(|k| flash_for(k, l))),
        queue: q,
        tabs,
        types: choices(types, p.get("type")),
        statuses: choices(statuses, p.get("status")),
        levels: choices(levels, p.get("level")),
        overdue_only: p.get("overdue").is_some(),
        from: p.get("from").unwrap_or("").to_string(),
        to: p.get("to").unwrap_or("").to_string(),
        pager: Pager::keyset(l, q.href(), &fq, &total),
        query: fq,
        rows,
    };
    render(c.lang, StatusCode::OK, &view)
}

/// A level's name (its grid's), or its code.
pub(super) fn level_name(tx: &mut dyn Tx, path: &str) -> Result<String> {
    let code = case::owner_code(path);
    Ok(query::grid_name(tx, code)?.unwrap_or_else(|| code.to_string()))
}

/// (path, name) of the levels at or below `path` that own cases (not the leaves).
fn levels_below(tx: &mut dyn Tx, path: &str) -> Result<Vec<(String, String)>> {
    let sc = gridfield_core::grid::GridScope::new(path);
    let (lo, hi) = sc.range();
    let rows = tx.query(
        "SELECT path, name FROM grids WHERE path >= $1 AND path < $2 ORDER BY path LIMIT 500",
        &[lo.into(), hi.into()],
    )?;
    use crate::db::RowExt;
    rows.iter().map(|r| Ok((r.text(0)?, r.text(1)?))).collect()
}

/// Every case the user sees: a level's subtree, or for a department every case
/// ever dispatched to it (returned ones too).
pub async fn list(State(s): State<AppState>, c: Console, Query(q): Query<Pairs>) -> Response {
    queue_page(s, c, Queue::All, Params(q)).await
}

pub async fn intake(State(s): State<AppState>, c: Console, Query(q): Query<Pairs>) -> Response {
    queue_page(s, c, Queue::Intake, Params(q)).await
}

pub async fn inbox(State(s): State<AppState>, c: Console, Query(q): Query<Pairs>) -> Response {
    queue_page(s, c, Queue::Inbox, Params(q)).await
}

pub async fn overdue(State(s): State<AppState>, c: Console, Query(q): Query<Pairs>) -> Response {
    queue_page(s, c, Queue::Overdue, Params(q)).await
}

/// The filtered list as CSV or XLSX (`/console/cases/export/cases.csv?…`): the same
/// filter as the page, no personal data (parties stay on the case page), audited.
pub async fn export(
    State(s): State<AppState>,
    c: Console,
    Path(file): Path<String>,
    Query(q): Query<Pairs>,
) -> Response {
    let (format, ext, ctype) = match file.as_str() {
        "cases.csv" => (Format::Csv, "csv", "text/csv; charset=utf-8"),
        "cases.xlsx" => (
            Format::Xlsx,
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        _ => return c.finish(Err(missing())),
    };
    let l = c.lang.lang;
    let p = Params(q);
    let now = now_ms();
    let Some(f) = filter_for(&c.user, Queue::All, &p, now) else {
        return c.finish(Err(missing()));
    };
    let user = c.user.name.clone();
    let detail = serde_json::json!({ "filter": list_query(&p) });
    let res = blocking(move || {
        let (docs, taxonomy, depts, owners, grids) = s.db.read(|tx| {
            let docs = cq::all(tx, &f)?;
            let mut owners = Vec::new();
            let mut grids = Vec::new();
            for d in &docs {
                owners.push(level_name(tx, &d.case.owner_path)?);
                grids.push(level_name(tx, &d.case.grid_path)?);
            }
            let t = rules::taxonomy::case(tx)?;
            Ok((docs, t, rules::cases::departments(tx)?, owners, grids))
        })?;
        let mut detail = detail;
        detail["rows"] = docs.len().into();
        s.db.write(|tx| {
            Ok(rules::audit::audit(
                tx,
                &user,
                Some(rules::CONSOLE_DEVICE),
                "export",
                "case",
                &file,
                Some(&detail),
            )?)
        })?;
        let head: Vec<String> = [
            Msg::RecordId,
            Msg::Reported,
            Msg::Case(CaseMsg::CaseType),
            Msg::Status,
            Msg::Severity,
            Msg::Case(CaseMsg::Source),
            Msg::Grid,
            Msg::Case(CaseMsg::Owner),
            Msg::Case(CaseMsg::Handler),
            Msg::Case(CaseMsg::Deadline),
            Msg::Overdue,
            Msg::Description,
            Msg::Case(CaseMsg::ClosedAt),
        ]
        .into_iter()
        .map(|m| m.text(l))
        .collect();
        let rows: Vec<Vec<Cell>> = docs
            .iter()
            .zip(owners.into_iter().zip(grids))
            .map(|(d, (owner, grid))| {
                let k = &d.case;
                let t = Cell::Text;
                vec![
                    t(k.id.clone()),
                    Cell::Time(k.created_at),
                    t(type_label(&taxonomy, &k.case_type, l)),
                    t(k.status.label(l).to_string()),
                    t(k.severity.label(l).to_string()),
                    t(k.source.label(l).to_string()),
                    t(grid),
                    t(owner),
                    t(handler_text(&k.handler, &depts, l)),
                    Cell::date(k.deadline),
                    t(if case::is_overdue(k.status, k.deadline, now) {
                        Msg::Overdue.text(l)
                    } else {
                        String::new()
                    }),
                    t(k.description.clone()),
                    // The last closing step, while the case stays closed.
                    Cell::time(
                        (k.status == CaseStatus::Closed)
                            .then(|| {
                                d.events
                                    .iter()
                                    .rev()
                                    .find(|e| e.to_status == CaseStatus::Closed)
                                    .map(|e| e.at)
                            })
                            .flatten(),
                    ),
                ]
            })
            .collect();
        let mut out = Vec::new();
        write_table(format, l.pick("案件", "Cases"), &head, &rows, &mut out)?;
        Ok(out)
    })
    .await;
    match res {
        Ok(bytes) => {
            let name = format!("cases-{}.{ext}", date(now_ms()).replace('-', ""));
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
