//! The conflict log (values a concurrent write overwrote) and the audit trail,
//! both paged by fullness rather than counted. The audit trail is filtered (time,
//! actor, action, record) and exported as CSV exactly as filtered; the export is
//! itself audited. Rows read as people speak: devices and records by name, values
//! by the core's labels and masks, each audit row a sentence (`describe`); a
//! conflict's overwritten value can be kept instead (`keep_other`).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use gridfield_core::i18n::Lang;
use gridfield_core::model::EntityKind;
use gridfield_core::role::Role;
use serde_json::{Value, json};

use super::describe::{self, AuditLine, Known};
use super::errors::message_page;
use super::forms::{Pairs, Params, parse_date};
use super::html::{self, Flash, Frame, Nav, Pager, datetime, render};
use super::list::scope;
use super::msg::Msg;
use super::query::{self, AuditRow, ConflictRow, DAY_MS, PAGE_SIZE};
use super::records_msg::RecordsMsg;
use super::{AppState, Console, blocking, csrf, redirect};
use crate::error::{ApiError, Result};
use crate::rules;
use crate::rules::audit::{self as trail, Filter};
use crate::rules::{CONSOLE_DEVICE, now_ms};

/// One conflict as the log shows it: the record by kind and name, the field by
/// its label, both values readable (labels, masks) beside the devices by name,
/// and what the record holds now.
pub struct ConflictView {
    pub id: i64,
    pub at: i64,
    pub record: String,
    pub href: Option<String>,
    pub field: String,
    pub kept: String,
    pub kept_device: String,
    pub lost: String,
    pub lost_device: String,
    pub current: String,
    /// The overwritten value is not current and the user may make it so.
    pub may_keep_other: bool,
}

#[derive(Template)]
#[template(path = "console/conflicts.html")]
struct ConflictsPage<'a> {
    frame: Frame<'a>,
    rows: Vec<ConflictView>,
    pager: Pager,
}

fn conflict_view(r: &ConflictRow, k: &Known, l: Lang, may_resolve: bool) -> ConflictView {
    let kind = EntityKind::parse(&r.kind);
    let (record, href) = k.record(&r.kind, &r.entity_id, l);
    let current = k.current(&r.kind, &r.entity_id, &r.field);
    let lost: Value = serde_json::from_str(&r.lost).unwrap_or(Value::Null);
    let current_json = current.as_ref().map(Value::to_string);
    ConflictView {
        id: r.id,
        at: r.at,
        record,
        href,
        field: describe::field_label(kind, &r.field, l),
        kept: describe::field_value(kind, &r.field, Some(&r.kept), l),
        kept_device: k.device(&r.kept_device, l),
        lost: describe::field_value(kind, &r.field, Some(&r.lost), l),
        lost_device: k.device(&r.lost_device, l),
        current: describe::field_value(kind, &r.field, current_json.as_deref(), l),
        may_keep_other: may_resolve && current.is_some_and(|c| c != lost),
    }
}

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage<'a> {
    frame: Frame<'a>,
    rows: Vec<AuditLine>,
    pager: Pager,
    form: AuditForm,
    /// The filter as a query string (for the pager and the export link).
    query: String,
}

/// The names an audit page's sentences need.
fn known_for(tx: &mut dyn crate::db::Tx, rows: &[AuditRow], role: Role) -> Result<Known> {
    Known::for_audit(tx, rows, role)
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
    let p = Params(q);
    let page = p.page();
    let sc = scope(&c);
    let role = c.user.role;
    let res = blocking(move || {
        s.db.read(|tx| {
            let rows = query::conflicts(tx, &sc, page)?;
            let devices = rows
                .iter()
                .flat_map(|r| [r.kept_device.as_str(), r.lost_device.as_str()]);
            let records = rows.iter().map(|r| (r.kind.as_str(), r.entity_id.as_str()));
            let known = Known::load(tx, devices, records, role)?;
            Ok((rows, known))
        })
    })
    .await;
    c.finish(res.map(|(rows, known)| {
        let l = c.lang.lang;
        let may = c.user.role.may_resolve_conflicts();
        let mut frame = Frame::new(l, Some(&c.user), Nav::Conflicts, Msg::Conflicts);
        if p.get("ok") == Some("kept") {
            frame.flash = Some(Flash {
                ok: true,
                text: RecordsMsg::KeptOther.text(l),
            });
        }
        let view = ConflictsPage {
            frame,
            pager: Pager::uncounted("/console/conflicts", page, rows.len() as i64 == PAGE_SIZE),
            rows: rows
                .iter()
                .map(|r| conflict_view(r, &known, l, may))
                .collect(),
        };
        render(c.lang, StatusCode::OK, &view)
    }))
}

/// Keep the other value of a conflict (保留另一值): a new write by the server
/// for the console user through the same per-field merge devices use
/// (`rules::entities::keep_other`), stamped by the server's clock, audited with
/// what changed, and pulled by every device in scope. Supervisors and
/// administrators only (the core's `Role::may_resolve_conflicts`), inside their
/// grids; anyone else is refused and nothing is written.
pub async fn keep_other(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> Response {
    let p = Params(f);
    if let Err(r) = csrf::check(&c, &p) {
        return *r;
    }
    let refused = |status, m| message_page(c.lang, Some(&c.user), status, Msg::Records(m));
    if !c.user.role.may_resolve_conflicts() {
        return refused(StatusCode::FORBIDDEN, RecordsMsg::MayNotResolve);
    }
    let dev = c.user.ctx();
    let user = c.user.name.clone();
    let res = blocking(move || {
        s.db.write(|tx| {
            let stamp = s.tick();
            match rules::entities::keep_other(tx, &dev, id, &stamp) {
                Ok((kind, entity, merged)) => {
                    let detail = json!({ "conflict": id, "changes": merged.changes });
                    trail::audit(
                        tx,
                        &user,
                        Some(CONSOLE_DEVICE),
                        "conflict_keep_other",
                        kind.as_str(),
                        &entity,
                        Some(&detail),
                    )?;
                    Ok(None)
                }
                Err(rules::Error::Refused(r)) => Ok(Some(r.code)),
                Err(e) => Err(e.into()),
            }
        })
    })
    .await;
    match res {
        Ok(None) => redirect("/console/conflicts?ok=kept"),
        Ok(Some("not_permitted")) => refused(StatusCode::FORBIDDEN, RecordsMsg::MayNotResolve),
        Ok(Some(_)) => refused(StatusCode::NOT_FOUND, RecordsMsg::ConflictGone),
        Err(e) => c.finish(Err(e)),
    }
}

pub async fn audit(State(s): State<AppState>, c: Console, Query(q): Query<Pairs>) -> Response {
    let p = Params(q);
    let page = p.page();
    let (f, form, query) = audit_filter(&p);
    let sc = scope(&c);
    let role = c.user.role;
    let res = blocking(move || {
        s.db.read(|tx| {
            let rows = query::audit(tx, &sc, &f, PAGE_SIZE, page * PAGE_SIZE)?;
            let known = known_for(tx, &rows, role)?;
            Ok((rows, known))
        })
    })
    .await;
    c.finish(res.map(|(rows, known)| {
        let l = c.lang.lang;
        let rows = describe::lines(&rows, &known, l);
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
    let role = c.user.role;
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
            Msg::Records(RecordsMsg::Sentence),
        ];
        crate::spreadsheet::record(&mut w, head.iter().map(|m| m.text(lang)))
            .map_err(|e| ApiError::internal(e.to_string()))?;
        let mut n = 0u64;
        s.db.read(|tx| {
            loop {
                let rows = query::audit(tx, &sc, &f, EXPORT_PAGE, n as i64)?;
                let known = known_for(tx, &rows, role)?;
                for r in &rows {
                    let cells = [
                        datetime(r.at),
                        r.actor.clone(),
                        r.device.clone().unwrap_or_default(),
                        r.action.clone(),
                        r.kind.clone(),
                        r.entity_id.clone(),
                        r.detail.clone().unwrap_or_default(),
                        describe::say(r, &known, lang).text(),
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
