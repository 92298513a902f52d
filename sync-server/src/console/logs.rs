//! The conflict log (values a concurrent write overwrote) and the audit trail,
//! both paged by fullness rather than counted. The audit trail is filtered (time,
//! actor, action, record) and exported as CSV exactly as filtered; the export is
//! itself audited.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::forms::{Pairs, Params, parse_date};
use super::html::{self, Frame, Nav, Pager, datetime, render};
use super::list::scope;
use super::msg::Msg;
use super::query::{self, AuditRow, ConflictRow, DAY_MS, PAGE_SIZE};
use super::{AppState, Console, blocking};
use crate::error::ApiError;
use crate::rules::audit::{self as trail, Filter};
use crate::rules::{CONSOLE_DEVICE, now_ms};

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
    form: AuditForm,
    /// The filter as a query string (for the pager and the export link).
    query: String,
}

/// The audit filter as typed, to show it back in the form.
#[derive(Default)]
struct AuditForm {
    from: String,
    to: String,
    actor: String,
    action: String,
    kind: String,
    entity: String,
}

const AUDIT_KEYS: [&str; 6] = ["from", "to", "actor", "action", "kind", "entity"];

/// The filter a request asks for (blank and overlong values are ignored).
fn audit_filter(p: &Params) -> (Filter, AuditForm, String) {
    let text = |k: &str| {
        p.get(k)
            .filter(|v| v.chars().count() <= 100 && !v.chars().any(char::is_control))
            .map(String::from)
    };
    let f = Filter {
        since: p.get("from").and_then(parse_date),
        until: p.get("to").and_then(parse_date).map(|d| d + DAY_MS),
        actor: text("actor"),
        action: text("action"),
        kind: text("kind"),
        entity_id: text("entity"),
    };
    let form = AuditForm {
        from: p
            .get("from")
            .filter(|_| f.since.is_some())
            .unwrap_or("")
            .into(),
        to: p
            .get("to")
            .filter(|_| f.until.is_some())
            .unwrap_or("")
            .into(),
        actor: f.actor.clone().unwrap_or_default(),
        action: f.action.clone().unwrap_or_default(),
        kind: f.kind.clone().unwrap_or_default(),
        entity: f.entity_id.clone().unwrap_or_default(),
    };
    let query = AUDIT_KEYS
        .iter()
        .zip([
            &form.from,
            &form.to,
            &form.actor,
            &form.action,
            &form.kind,
            &form.entity,
        ])
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", html::url(v)))
        .collect::<Vec<_>>()
        .join("&");
    (f, form, query)
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
    let p = Params(q);
    let page = p.page();
    let (f, form, query) = audit_filter(&p);
    let sc = scope(&c);
    let res = blocking(move || {
        s.db.read(|tx| query::audit(tx, &sc, &f, PAGE_SIZE, page * PAGE_SIZE))
    })
    .await;
    c.finish(res.map(|rows| {
        let sep = if query.is_empty() { "" } else { "&" };
        let full = rows.len() as i64 == PAGE_SIZE;
        let view = AuditPage {
            frame: Frame::new(c.lang.lang, Some(&c.user), Nav::Audit, Msg::Audit),
            pager: Pager {
                summary: None,
                prev: (page > 0).then(|| format!("/console/audit?{query}{sep}page={}", page - 1)),
                next: full.then(|| format!("/console/audit?{query}{sep}page={}", page + 1)),
            },
            rows,
            form,
            query,
        };
        render(c.lang, StatusCode::OK, &view)
    }))
}

/// Rows per read of an audit export.
const EXPORT_PAGE: i64 = 1000;

/// The audit trail as CSV, exactly the rows the same filter shows on the page
/// (all pages); the export is audited with its filter and row count.
pub async fn audit_export(
    State(s): State<AppState>,
    c: Console,
    Query(q): Query<Pairs>,
) -> Response {
    let (f, _, _) = audit_filter(&Params(q));
    let sc = scope(&c);
    let lang = c.lang.lang;
    let actor = c.user.name.clone();
    let res = blocking(move || {
        let mut w = crate::spreadsheet::writer(Vec::new());
        let head = [
            Msg::When,
            Msg::Who,
            Msg::Device,
            Msg::Action,
            Msg::Record,
            Msg::RecordId,
            Msg::Detail,
        ];
        crate::spreadsheet::record(&mut w, head.iter().map(|m| m.text(lang)))
            .map_err(|e| ApiError::internal(e.to_string()))?;
        let mut n = 0u64;
        s.db.read(|tx| {
            loop {
                let rows = query::audit(tx, &sc, &f, EXPORT_PAGE, n as i64)?;
                for r in &rows {
                    let cells = [
                        datetime(r.at),
                        r.actor.clone(),
                        r.device.clone().unwrap_or_default(),
                        r.action.clone(),
                        r.kind.clone(),
                        r.entity_id.clone(),
                        r.detail.clone().unwrap_or_default(),
                    ];
                    crate::spreadsheet::record(&mut w, &cells)
                        .map_err(|e| ApiError::internal(e.to_string()))?;
                    n += 1;
                }
                if (rows.len() as i64) < EXPORT_PAGE {
                    return Ok(());
                }
            }
        })?;
        s.db.write_as(|tx| {
            trail::audit(
                tx,
                &actor,
                Some(CONSOLE_DEVICE),
                "audit_export",
                "audit",
                "console",
                Some(&trail::filter_detail(&f, n)),
            )
        })?;
        w.into_inner()
            .map_err(|e| ApiError::internal(e.to_string()))
    })
    .await;
    let stamp = html::date(now_ms()).replace('-', "");
    match res {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"audit-{stamp}.csv\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            body,
        )
            .into_response(),
        Err(e) => c.finish(Err(e)),
    }
}
