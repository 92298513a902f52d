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
use gridfield_core::role::Role;
use serde_json::{Value, json};

use super::auth::ConsoleUser;
use super::errors::{decided, flash_for, message_page, missing};
use super::forms::{Pairs, Params};
use super::html::{self, Choice, Flash, Frame, Nav, Pager, choices, datetime, render};
use super::list::{address_or_code, filter_from, filter_query, grid_choices, jstr, keyset, scope};
use super::msg::Msg;
use super::query::{self, AuditRow, PAGE_SIZE};
use super::triage_msg::TriageMsg;
use super::{AppState, Console, blocking, csrf, redirect};
use crate::db::records;
use crate::error::{ApiError, Result};
use crate::rules::{self, CONSOLE_DEVICE, now_ms};

pub struct Row {
    pub id: String,
    pub selectable: bool,
    pub started: String,
    pub address: String,
    pub checklist: String,
    pub inspector: String,
    pub score: String,
    /// Badge class and text: 合格 / 不合格 / 一票否决.
    pub result: Option<(&'static str, String)>,
    pub hazards: i64,
    pub duration: String,
    /// Shorter than the configured minimum (`serve --min-inspection-minutes`).
    pub short: Option<String>,
    pub review: Option<(&'static str, &'static str)>,
}

/// A sortable column of the queue: its key, its SQL order (ending in the id so
/// pages are stable) for each direction on each store.
struct SortKey {
    key: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const SORTS: &[SortKey] = &[
    SortKey {
        key: "started",
        sqlite: "at",
        postgres: "at",
    },
    SortKey {
        key: "duration",
        sqlite: "json_extract(body, '$.finished_at') - json_extract(body, '$.started_at')",
        postgres: "(body::jsonb ->> 'finished_at')::bigint - (body::jsonb ->> 'started_at')::bigint",
    },
    SortKey {
        key: "score",
        sqlite: "json_extract(body, '$.score')",
        postgres: "(body::jsonb ->> 'score')::bigint",
    },
    SortKey {
        key: "inspector",
        sqlite: "json_extract(body, '$.inspector')",
        postgres: "body::jsonb ->> 'inspector'",
    },
];

/// The order a request asks for: a known column (else newest first) and a
/// direction; the id breaks ties the same way.
fn order_of(p: &Params, postgres: bool) -> (String, &'static str, bool) {
    let key = SORTS
        .iter()
        .find(|k| Some(k.key) == p.get("sort"))
        .unwrap_or(&SORTS[0]);
    let asc = p.get("dir") == Some("asc");
    let expr = if postgres { key.postgres } else { key.sqlite };
    let dir = if asc { "ASC" } else { "DESC" };
    let nulls = if postgres { " NULLS LAST" } else { "" };
    (format!("{expr} {dir}{nulls}, id {dir}"), key.key, asc)
}

/// A column header that sorts by it (the other way when it already does).
pub struct SortLink {
    pub label: String,
    pub href: String,
    /// "▲" / "▼" on the column the list is sorted by.
    pub mark: &'static str,
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
    sort_key: &'static str,
    sort_dir: &'static str,
    heads: Vec<SortLink>,
    confirm: String,
    rows: Vec<Row>,
    pager: Pager,
}

/// What the queue shows of one inspection besides its body.
struct Extra {
    address: String,
    checklist: String,
    hazards: i64,
}

/// The title of a checklist template version, in the page's language.
fn checklist_title(
    tx: &mut dyn crate::db::Tx,
    cache: &mut std::collections::HashMap<String, String>,
    body: &Value,
    l: Lang,
) -> Result<String> {
    let id = jstr(body, "template_id");
    let key = format!(
        "{id}@{}",
        body.get("template_version")
            .and_then(Value::as_u64)
            .unwrap_or(0)
    );
    if let Some(t) = cache.get(&key) {
        return Ok(t.clone());
    }
    let title = records::get(tx, RecordKind::Template, &key)?
        .and_then(|t| serde_json::from_value::<ChecklistTemplate>(t.body).ok())
        .map(|t| t.title.get(l.is_en()).to_string())
        .unwrap_or_else(|| id.to_string());
    cache.insert(key, title.clone());
    Ok(title)
}

/// Hazards an inspection raised (they sit at its address).
fn hazards_raised(tx: &mut dyn crate::db::Tx, address: &str, id: &str) -> Result<i64> {
    let source = if tx.is_postgres() {
        "body::jsonb -> 'hazard' ->> 'source_inspection'"
    } else {
        "json_extract(body, '$.hazard.source_inspection')"
    };
    Ok(tx
        .query_one(
            &format!(
                "SELECT COUNT(*) FROM records WHERE address_code = $1 AND kind = 'hazard' AND {source} = $2"
            ),
            &[address.into(), id.into()],
        )?
        .map(|r| crate::db::RowExt::int(&r, 0))
        .transpose()?
        .unwrap_or(0))
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
    let (page, at) = (p.page(), keyset(&p));
    let sc = scope(&c);
    let min_ms = s.console.min_inspection_ms;
    let postgres = s.db.backend() == "postgres";
    let (order, sort_key, asc) = order_of(&p, postgres);
    // Newest first (the queue's default) pages by key, as deep as the first page;
    // a column the user sorts by pages by number.
    let newest_first = sort_key == SORTS[0].key && !asc;
    let res = blocking(move || {
        s.db.read(|tx| {
            let pg = if newest_first {
                query::list(tx, &sc, &f, at)?
            } else {
                query::list_sorted(tx, &sc, &f, page, &order)?
            };
            let mut rows = Vec::new();
            let mut titles = std::collections::HashMap::new();
            for (id, body) in pg.rows {
                let code = jstr(&body, "address_code");
                let extra = Extra {
                    address: query::address_text(tx, code)?.unwrap_or_default(),
                    checklist: checklist_title(tx, &mut titles, &body, l)?,
                    hazards: hazards_raised(tx, code, &id)?,
                };
                rows.push((id, body, extra));
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
    let sort = format!("sort={sort_key}&dir={}", if asc { "asc" } else { "desc" });
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
        .map(|(id, body, x)| {
            let rs = ReviewStatus::parse(jstr(body, "review_status"));
            let int = |k: &str| body.get(k).and_then(Value::as_i64);
            let minutes = int("finished_at")
                .zip(int("started_at"))
                .map(|(f, s)| (f - s).max(0));
            let vetoed = body.get("vetoed").and_then(Value::as_bool) == Some(true);
            Row {
                id: id.clone(),
                selectable: rs == Some(ReviewStatus::Submitted),
                started: html::datetime(int("started_at").unwrap_or(0)),
                address: address_or_code(&x.address, jstr(body, "address_code")),
                checklist: x.checklist.clone(),
                inspector: jstr(body, "inspector").to_string(),
                score: body.get("score").map(|v| v.to_string()).unwrap_or_default(),
                result: match body.get("passed").and_then(Value::as_bool) {
                    _ if vetoed => Some(("bad", TriageMsg::Veto.text(l))),
                    Some(true) => Some(("ok", Msg::Pass.text(l))),
                    Some(false) => Some(("bad", Msg::Fail.text(l))),
                    None => None,
                },
                hazards: x.hazards,
                duration: minutes.map_or_else(
                    || "—".to_string(),
                    |ms| TriageMsg::Minutes { n: ms / 60_000 }.text(l),
                ),
                short: minutes.filter(|ms| *ms < min_ms).map(|_| {
                    TriageMsg::TooShort {
                        min: min_ms / 60_000,
                    }
                    .text(l)
                }),
                review: rs.map(|r| (r.as_str(), r.label(l))),
            }
        })
        .collect();
    let base = if fq.is_empty() {
        String::new()
    } else {
        format!("{fq}&")
    };
    let head = |key: &'static str, m: Msg| {
        let on = key == sort_key;
        let dir = if on && !asc { "asc" } else { "desc" };
        SortLink {
            label: m.text(l),
            href: format!("/console/inspections?{base}sort={key}&dir={dir}"),
            mark: match (on, asc) {
                (true, true) => " ▲",
                (true, false) => " ▼",
                _ => "",
            },
        }
    };
    let heads = vec![
        head("started", Msg::Started),
        head("inspector", Msg::Inspector),
        head("score", Msg::Score),
        head("duration", Msg::Triage(TriageMsg::Duration)),
    ];
    let marker = usize::MAX.to_string();
    let view = ListPage {
        frame: Frame::new(l, Some(&c.user), Nav::Review, Msg::Review)
            .with_flash(p.get("ok").and_then(|k| flash_for(k, l))),
        statuses: choices(statuses, p.get("status")),
        grids: grid_choices(&grids, p.get("grid")),
        from: p.get("from").unwrap_or(""),
        to: p.get("to").unwrap_or(""),
        pager: if newest_first {
            Pager::keyset(l, "/console/inspections", &fq, &total)
        } else {
            Pager::counted(
                l,
                "/console/inspections",
                &format!("{base}{sort}"),
                page,
                total.total,
                PAGE_SIZE,
            )
        },
        query: fq,
        sort_key,
        sort_dir: if asc { "asc" } else { "desc" },
        heads,
        confirm: TriageMsg::ConfirmApprove { n: usize::MAX }
            .text(l)
            .replace(&marker, "{n}"),
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
    /// Who did what to it, as sentences with devices by name.
    history: Vec<super::describe::AuditLine>,
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
    known: super::describe::Known,
}

fn load(s: &AppState, sc: &GridScope, id: &str, role: Role) -> Result<Loaded> {
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
        let known = super::describe::Known::for_audit(tx, &history, role)?;
        Ok(Loaded {
            i,
            tpl,
            address,
            history,
            known,
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
        history: super::describe::lines(&d.history, &d.known, l),
    };
    let status = if flash.as_ref().is_some_and(|f| !f.ok) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(c.lang, status, &view)
}

pub async fn show(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Query(q): Query<Pairs>,
) -> Response {
    let sc = scope(&c);
    let id2 = id.clone();
    let flash = Params(q).get("ok").and_then(|k| flash_for(k, c.lang.lang));
    let role = c.user.role;
    let res = blocking(move || load(&s, &sc, &id2, role)).await;
    c.finish(res.map(|d| show_page(&c, &id, d, flash, "")))
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
        Ok(()) if approve && p.get("next").is_some() => {
            let sc = scope(&c);
            match blocking(move || s.db.read(|tx| next_submitted(tx, &sc))).await {
                Ok(Some(next)) => redirect(&format!(
                    "/console/inspections/{}?ok=approved",
                    html::url(&next)
                )),
                Ok(None) => redirect("/console/inspections?ok=done"),
                Err(e) => c.finish(Err(e)),
            }
        }
        Ok(()) => redirect(if approve {
            "/console/inspections?ok=approved"
        } else {
            "/console/inspections?ok=returned"
        }),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            // Show the record again, with the reason and what was typed.
            let id2 = id.clone();
            let role = c.user.role;
            let res = blocking(move || load(&s, &sc, &id2, role)).await;
            let typed = comment.as_deref().unwrap_or("");
            c.finish(res.map(|d| show_page(&c, &id, d, Some(Flash::err(e.message)), typed)))
        }
        Err(e) => c.finish(Err(e)),
    }
}

#[derive(Template)]
#[template(path = "console/inspection_confirm.html")]
struct ConfirmPage<'a> {
    frame: Frame<'a>,
    user: &'a ConsoleUser,
    question: String,
    ids: Vec<String>,
    n: usize,
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
    // Nothing is approved until the count was confirmed (by the page's
    // script, or without it by this page).
    if p.get("confirmed").and_then(|n| n.parse::<usize>().ok()) != Some(ids.len()) {
        let n = ids.len();
        let view = ConfirmPage {
            frame: Frame::new(
                l,
                Some(&c.user),
                Nav::Review,
                Msg::Triage(TriageMsg::ConfirmTitle),
            ),
            user: &c.user,
            question: TriageMsg::ConfirmApprove { n }.text(l),
            ids,
            n,
        };
        return render(c.lang, StatusCode::OK, &view);
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

/// The next inspection awaiting review in the scope (newest first, as the queue
/// opens), after one was decided.
fn next_submitted(tx: &mut dyn crate::db::Tx, sc: &GridScope) -> Result<Option<String>> {
    let f = query::Filter {
        status: Some(ReviewStatus::Submitted.as_str().to_string()),
        ..query::Filter::of(RecordKind::Inspection)
    };
    Ok(query::list(tx, sc, &f, query::Keyset::FIRST)?
        .rows
        .into_iter()
        .next()
        .map(|(id, _)| id))
}
