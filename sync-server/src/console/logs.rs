//! The conflict log (values a concurrent write overwrote) and the audit trail,
//! both paged by fullness rather than counted.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::forms::{Pairs, Params};
use super::html::{Frame, Nav, Pager, datetime, render};
use super::list::scope;
use super::msg::Msg;
use super::query::{self, AuditRow, ConflictRow, PAGE_SIZE};
use super::{AppState, Console, blocking};

#[derive(Template)]
#[template(path = "console/conflicts.html")]
struct ConflictsPage<'a> {
    frame: Frame<'a>,
    rows: Vec<ConflictRow>,
    pager: Pager,
}

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage<'a> {
    frame: Frame<'a>,
    rows: Vec<AuditRow>,
    pager: Pager,
}

pub async fn conflicts(State(s): State<AppState>, c: Console, Query(q): Query<Pairs>) -> Response {
    let page = Params(q).page();
    let sc = scope(&c);
    let res = blocking(move || s.db.read(|tx| query::conflicts(tx, &sc, page))).await;
    c.finish(res.map(|rows| {
        let view = ConflictsPage {
            frame: Frame::new(c.lang.lang, Some(&c.user), Nav::Conflicts, Msg::Conflicts),
            pager: Pager::uncounted("/console/conflicts", page, rows.len() as i64 == PAGE_SIZE),
            rows,
        };
        render(c.lang, StatusCode::OK, &view)
    }))
}

pub async fn audit(State(s): State<AppState>, c: Console, Query(q): Query<Pairs>) -> Response {
    let page = Params(q).page();
    let sc = scope(&c);
    let res = blocking(move || s.db.read(|tx| query::audit(tx, &sc, page))).await;
    c.finish(res.map(|rows| {
        let view = AuditPage {
            frame: Frame::new(c.lang.lang, Some(&c.user), Nav::Audit, Msg::Audit),
            pager: Pager::uncounted("/console/audit", page, rows.len() as i64 == PAGE_SIZE),
            rows,
        };
        render(c.lang, StatusCode::OK, &view)
    }))
}
