//! The inspection review queue, one inspection with its answers, and the review
//! decisions (one, or a batch all-or-nothing) made through `rules` as a device's.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gridfield_core::checklist::{ChecklistTemplate, Item, ItemKind, is_photo_hash};
use gridfield_core::grid::GridScope;
use gridfield_core::i18n::Lang;
use gridfield_core::model::ReviewStatus;
use gridfield_core::record::RecordKind;
use gridfield_core::records::Inspection;
use serde_json::{Value, json};

use super::auth::ConsoleUser;
use super::errors::{decided, flash_for, message_page, missing};
use super::forms::{Pairs, Params};
use super::html::{self, Choice, Flash, Frame, Nav, Pager, choices, datetime, render};
use super::list::{address_or_code, filter_from, filter_query, grid_choices, jstr, keyset, scope};
use super::msg::Msg;
use super::query::{self, AuditRow};
use super::{AppState, Console, blocking, csrf, redirect};
use crate::db::records;
use crate::error::{ApiError, Result};
use crate::rules::{self, CONSOLE_DEVICE, now_ms};

pub struct Row {
    pub id: String,
    pub selectable: bool,
    pub started: String,
    pub address: String,
    pub inspector: String,
    pub score: String,
    pub passed: Option<bool>,
    pub review: Option<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "console/inspections.html")]
struct ListPage<'a> {
    frame: Frame<'a>,
    statuses: Vec<Choice>,
    grids: Vec<Choice>,
    from: &'a str,
    to: &'a str,
    query: String,
    rows: Vec<Row>,
    pager: Pager,
}

pub async fn list(State(s): State<AppState>, c: Console, Query(q): Query<Pairs>) -> Response {
    let mut p = Params(q);
    // The queue opens on what awaits review.
    if !p.has("status") {
        p.0.push(("status".into(), "submitted".into()));
    }
    let l = c.lang.lang;
    let f = filter_from(
        RecordKind::Inspection,
        &p,
        now_ms(),
        s.console.escalate_after_ms,
    );
    let page = keyset(&p);
    let sc = scope(&c);
    let res = blocking(move || {
        s.db.read(|tx| {
            let pg = query::list(tx, &sc, &f, page)?;
            let mut rows = Vec::new();
            for (id, body) in pg.rows {
                let addr =
                    query::address_text(tx, jstr(&body, "address_code"))?.unwrap_or_default();
                rows.push((id, body, addr));
            }
            Ok((rows, pg.nav, query::grids_in_scope(tx, &sc)?))
        })
    })
    .await;
    let (rows, total, grids) = match res {
        Ok(v) => v,
        Err(e) => return c.finish(Err(e)),
    };
    let fq = filter_query(&p);
    let statuses = [
        ReviewStatus::Submitted,
        ReviewStatus::Approved,
        ReviewStatus::Returned,
    ]
    .iter()
    .map(|x| (x.as_str().to_string(), x.label(l).to_string()))
    .collect();
    let rows = rows
        .iter()
        .map(|(id, body, addr)| {
            let rs = ReviewStatus::parse(jstr(body, "review_status"));
            Row {
                id: id.clone(),
                selectable: rs == Some(ReviewStatus::Submitted),
                started: html::datetime(
                    body.get("started_at").and_then(Value::as_i64).unwrap_or(0),
                ),
                address: address_or_code(addr, jstr(body, "address_code")),
                inspector: jstr(body, "inspector").to_string(),
                score: body.get("score").map(|v| v.to_string()).unwrap_or_default(),
                passed: body.get("passed").and_then(Value::as_bool),
                review: rs.map(|r| (r.as_str(), r.label(l))),
            }
        })
        .collect();
    let view = ListPage {
        frame: Frame::new(l, Some(&c.user), Nav::Review, Msg::Review)
            .with_flash(p.get("ok").and_then(|k| flash_for(k, l))),
        statuses: choices(statuses, p.get("status")),
        grids: grid_choices(&grids, p.get("grid")),
        from: p.get("from").unwrap_or(""),
        to: p.get("to").unwrap_or(""),
        pager: Pager::keyset(l, "/console/inspections", &fq, &total),
        query: fq,
        rows,
    };
    render(c.lang, StatusCode::OK, &view)
}

/// One checklist item as reviewed: its answer in words, photos, and whether it failed.
pub struct AnswerRow {
    pub label: String,
    pub answer: String,
    pub failed: bool,
    pub photos: Vec<String>,
}

pub struct Section {
    pub title: String,
    pub rows: Vec<AnswerRow>,
}

#[derive(Template)]
#[template(path = "console/inspection.html")]
struct ShowPage<'a> {
    frame: Frame<'a>,
    user: &'a ConsoleUser,
    id: &'a str,
    i: &'a Inspection,
    title: String,
    address: String,
    location: String,
    review: (&'static str, &'static str),
    comment: &'a str,
    sections: Vec<Section>,
    /// Answers as JSON when the template is unknown.
    raw: Option<String>,
    history: Vec<AuditRow>,
}

fn answer_text(item: &Item, v: &Value, l: Lang) -> String {
    let en = l.is_en();
    let label_of = |id: &str| {
        item.kind
            .options()
            .and_then(|o| o.iter().find(|x| x.id == id))
            .map(|x| x.label.get(en).to_string())
            .unwrap_or_else(|| id.to_string())
    };
    match (&item.kind, v) {
        (ItemKind::YesNoNa, Value::String(x)) => match x.as_str() {
            "yes" => Msg::AnswerYes.text(l),
            "no" => Msg::AnswerNo.text(l),
            "na" => Msg::AnswerNa.text(l),
            o => o.to_string(),
        },
        (_, Value::String(x)) if is_photo_hash(x) => String::new(),
        (_, Value::String(x)) => label_of(x),
        (_, Value::Array(xs)) => xs
            .iter()
            .filter_map(Value::as_str)
            .filter(|x| !is_photo_hash(x))
            .map(label_of)
            .collect::<Vec<_>>()
            .join("、"),
        (_, Value::Null) => String::new(),
        (_, other) => other.to_string(),
    }
}

fn sections(i: &Inspection, tpl: &ChecklistTemplate, l: Lang) -> Vec<Section> {
    let en = l.is_en();
    let failed: Vec<String> = tpl
        .evaluate(&i.answers, &i.photos)
        .map(|e| e.failed_items.into_iter().map(|f| f.item_id).collect())
        .unwrap_or_default();
    tpl.sections
        .iter()
        .map(|sec| Section {
            title: sec.title.get(en).to_string(),
            rows: sec
                .items
                .iter()
                .map(|item| {
                    let v = i.answers.get(&item.id).cloned().unwrap_or(Value::Null);
                    let mut photos = i.photos.get(&item.id).cloned().unwrap_or_default();
                    match &v {
                        Value::String(x) if is_photo_hash(x) => photos.push(x.clone()),
                        Value::Array(xs) => photos.extend(
                            xs.iter()
                                .filter_map(Value::as_str)
                                .filter(|x| is_photo_hash(x))
                                .map(String::from),
                        ),
                        _ => {}
                    }
                    photos.retain(|p| gridfield_core::photo::is_valid_hash(p));
                    AnswerRow {
                        label: item.label.get(en).to_string(),
                        answer: answer_text(item, &v, l),
                        failed: failed.contains(&item.id),
                        photos,
                    }
                })
                .collect(),
        })
        .collect()
}

struct Loaded {
    i: Inspection,
    tpl: Option<ChecklistTemplate>,
    address: String,
    history: Vec<AuditRow>,
}

fn load(s: &AppState, sc: &GridScope, id: &str) -> Result<Loaded> {
    s.db.read(|tx| {
        let r = query::get_in_scope(tx, sc, RecordKind::Inspection, id)?.ok_or_else(missing)?;
        let i: Inspection =
            serde_json::from_value(r.body).map_err(|e| ApiError::internal(e.to_string()))?;
        let tpl = records::get(
            tx,
            RecordKind::Template,
            &format!("{}@{}", i.template_id, i.template_version),
        )?
        .and_then(|t| serde_json::from_value(t.body).ok());
        let address = query::address_text(tx, &i.address_code)?.unwrap_or_default();
        let history = query::history(tx, RecordKind::Inspection, id)?;
        Ok(Loaded {
            i,
            tpl,
            address,
            history,
        })
    })
}

/// The inspection page; after a refused review, with the reason and what was typed.
fn show_page(c: &Console, id: &str, d: Loaded, flash: Option<Flash>, comment: &str) -> Response {
    let l = c.lang.lang;
    let en = l.is_en();
    let i = &d.i;
    let view = ShowPage {
        frame: Frame::new(l, Some(&c.user), Nav::Review, Msg::Inspection).with_flash(flash.clone()),
        user: &c.user,
        id,
        i,
        title: d
            .tpl
            .as_ref()
            .map(|t| t.title.get(en).to_string())
            .unwrap_or_else(|| i.template_id.clone()),
        address: address_or_code(&d.address, &i.address_code),
        location: super::html::location(i.location.as_ref(), l),
        review: (i.review_status.as_str(), i.review_status.label(l)),
        comment,
        sections: d
            .tpl
            .as_ref()
            .map(|t| sections(i, t, l))
            .unwrap_or_default(),
        raw: d
            .tpl
            .is_none()
            .then(|| serde_json::to_string_pretty(&i.answers).unwrap_or_default()),
        history: d.history,
    };
    let status = if flash.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(c.lang, status, &view)
}

pub async fn show(State(s): State<AppState>, c: Console, Path(id): Path<String>) -> Response {
    let sc = scope(&c);
    let id2 = id.clone();
    let res = blocking(move || load(&s, &sc, &id2)).await;
    c.finish(res.map(|d| show_page(&c, &id, d, None, "")))
}

/// One review decision by a console user: the device command's own rules, then
/// an audit row naming the console user.
fn review_one(
    tx: &mut dyn crate::db::Tx,
    c: &ConsoleUser,
    sc: &GridScope,
    lang: Lang,
    id: &str,
    approve: bool,
    comment: Option<&str>,
) -> Result<()> {
    query::get_in_scope(tx, sc, RecordKind::Inspection, id)?.ok_or_else(missing)?;
    decided(
        rules::inspections::review_inspection(tx, &c.ctx(), id, approve, comment, now_ms()),
        lang,
    )?;
    Ok(rules::audit::audit(
        tx,
        &c.name,
        Some(CONSOLE_DEVICE),
        "inspection_review",
        RecordKind::Inspection.as_str(),
        id,
        Some(&json!({ "approve": approve, "comment": comment })),
    )?)
}

pub async fn review(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Response {
    let p = Params(f);
    if let Err(r) = csrf::check(&c, &p) {
        return *r;
    }
    let l = c.lang.lang;
    let approve = p.get("decision") == Some("approve");
    let comment = p.get("comment").map(String::from);
    let sc = scope(&c);
    let (s2, user, id2, cm, sc2) = (
        s.clone(),
        c.user.clone(),
        id.clone(),
        comment.clone(),
        sc.clone(),
    );
    let res = blocking(move || {
        s2.db
            .write(|tx| review_one(tx, &user, &sc2, l, &id2, approve, cm.as_deref()))
    })
    .await;
    match res {
        Ok(()) => redirect(if approve {
            "/console/inspections?ok=approved"
        } else {
            "/console/inspections?ok=returned"
        }),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            // Show the record again, with the reason and what was typed.
            let id2 = id.clone();
            let res = blocking(move || load(&s, &sc, &id2)).await;
            let typed = comment.as_deref().unwrap_or("");
            c.finish(res.map(|d| show_page(&c, &id, d, Some(Flash::err(e.message)), typed)))
        }
        Err(e) => c.finish(Err(e)),
    }
}

pub async fn batch_approve(
    State(s): State<AppState>,
    c: Console,
    Form(f): Form<Pairs>,
) -> Response {
    let p = Params(f);
    if let Err(r) = csrf::check(&c, &p) {
        return *r;
    }
    let l = c.lang.lang;
    let ids: Vec<String> = p
        .all("id")
        .into_iter()
        .map(String::from)
        .take(500)
        .collect();
    if ids.is_empty() {
        return message_page(
            c.lang,
            Some(&c.user),
            StatusCode::UNPROCESSABLE_ENTITY,
            Msg::SelectFirst,
        );
    }
    let sc = scope(&c);
    let user = c.user.clone();
    // All or nothing: one refusal leaves every record as it was.
    let res = blocking(move || {
        s.db.write(|tx| {
            for id in &ids {
                review_one(tx, &user, &sc, l, id, true, None)?;
            }
            Ok(())
        })
    })
    .await;
    c.finish(res.map(|()| redirect("/console/inspections?ok=batch")))
}
