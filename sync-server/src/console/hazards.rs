//! The hazard board, one hazard with its steps, and the console's steps (assign,
//! verify, reject, close, reopen) through the same state machine as a device's.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gridfield_core::checklist::Severity;
use gridfield_core::grid::GridScope;
use gridfield_core::hazard::{HazardAction, HazardStatus, StepInput, is_overdue};
use gridfield_core::record::RecordKind;
use gridfield_core::taxonomy::Taxonomy;
use serde_json::{Value, json};

use super::auth::ConsoleUser;
use super::errors::{decided, flash_for, missing};
use super::forms::{self, Pairs, Params};
use super::html::{self, Choice, Flash, Frame, Nav, Pager, choices, date, datetime, render};
use super::list::{
    OPEN, address_or_code, filter_from, filter_query, grid_choices, jstr, keyset, scope,
};
use super::msg::Msg;
use super::query::{self, Filter, PAGE_SIZE};
use super::triage_msg::TriageMsg;
use super::{AppState, Console, blocking, csrf, redirect};
use crate::db::records::{self, HazardDoc};
use crate::error::{ApiError, Result};
use crate::rules::photos::MAX_BLOB_BYTES;
use crate::rules::{self, CONSOLE_DEVICE, now_ms, sha256_hex};

/// The grid an overdue hazard has escalated to: one level up per `after_ms` past due.
fn escalation(
    chain: &[(String, String)],
    deadline: Option<i64>,
    open: bool,
    now: i64,
    after_ms: i64,
) -> Option<String> {
    let d = deadline?;
    if !open || now - d < after_ms || chain.len() < 2 {
        return None;
    }
    let levels = ((now - d) / after_ms) as usize;
    let idx = chain.len().saturating_sub(1 + levels);
    Some(chain[idx].1.clone())
}

pub struct Row {
    pub id: String,
    pub overdue: bool,
    pub created: String,
    pub category: String,
    pub severity: Option<(&'static str, &'static str)>,
    pub status: Option<(&'static str, &'static str)>,
    pub address: String,
    pub assignee: String,
    pub deadline: String,
    pub escalated_to: Option<String>,
    /// The inspection that raised it.
    pub inspection: Option<String>,
}

/// A status tab of the board with how many hazards it holds.
pub struct Tab {
    pub href: String,
    pub label: String,
    pub count: i64,
    pub on: bool,
}

#[derive(Template)]
#[template(path = "console/hazards.html")]
struct ListPage<'a> {
    frame: Frame<'a>,
    grids: Vec<Choice>,
    categories: Vec<Choice>,
    severities: Vec<Choice>,
    status: &'a str,
    tabs: Vec<Tab>,
    overdue_only: bool,
    escalated_only: bool,
    from: &'a str,
    to: &'a str,
    query: String,
    rows: Vec<Row>,
    pager: Pager,
}

/// Deadline first (none last), then the most severe, then the id: what needs
/// doing soonest on top, stable across pages.
const BOARD_ORDER: &str = "CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at, \
     CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, id";

pub async fn list(State(s): State<AppState>, c: Console, Query(q): Query<Pairs>) -> Response {
    let mut p = Params(q);
    // The board opens on what is not closed yet.
    if !p.has("status") {
        p.0.push(("status".into(), OPEN.into()));
    }
    let l = c.lang.lang;
    let now = now_ms();
    let after = s.console.escalate_after_ms;
    let f = filter_from(RecordKind::Hazard, &p, now, after);
    // Hazards still to be dealt with (a few per grid) by deadline, pages by number;
    // closed and all hazards (the whole history) newest first, pages by key.
    let board = p
        .get("status")
        .is_some_and(|st| st == OPEN || HazardStatus::parse(st).is_some_and(HazardStatus::is_open));
    let (page, at) = (p.page(), keyset(&p));
    let sc = scope(&c);
    let res = blocking(move || {
        s.db.read(|tx| {
            let pg = if board {
                query::list_sorted(tx, &sc, &f, page, BOARD_ORDER)?
            } else {
                query::list(tx, &sc, &f, at)?
            };
            let mut rows = Vec::new();
            for (id, body) in pg.rows {
                let h = body.get("hazard").cloned().unwrap_or(Value::Null);
                let addr = query::address_text(tx, jstr(&h, "address_code"))?.unwrap_or_default();
                let path = records::get(tx, RecordKind::Hazard, &id)?
                    .map(|r| r.grid_path)
                    .unwrap_or_default();
                let chain = query::grid_chain(tx, &path)?;
                rows.push((id, h, addr, chain));
            }
            // Each tab counts what the other filters select.
            let mut counts = Vec::new();
            let tab_keys = std::iter::once(OPEN)
                .chain(HazardStatus::ALL.iter().map(|x| x.as_str()))
                .chain(std::iter::once(""));
            for key in tab_keys {
                let tf = Filter {
                    status: HazardStatus::parse(key).map(|x| x.as_str().to_string()),
                    open: key == OPEN,
                    ..f.clone()
                };
                counts.push((key, query::count(tx, &sc, &tf)?));
            }
            let categories = rules::taxonomy::hazard(tx)?;
            Ok((
                rows,
                counts,
                pg.nav,
                query::grids_in_scope(tx, &sc)?,
                categories,
            ))
        })
    })
    .await;
    let (rows, counts, nav, grids, taxonomy) = match res {
        Ok(v) => v,
        Err(e) => return c.finish(Err(e)),
    };
    let fq = filter_query(&p);
    let rows = rows
        .iter()
        .map(|(id, h, addr, chain)| {
            let st = HazardStatus::parse(jstr(h, "status"));
            let deadline = h.get("deadline").and_then(Value::as_i64);
            let open = st.is_some_and(|x| x.is_open());
            Row {
                id: id.clone(),
                overdue: is_overdue(st.unwrap_or(HazardStatus::Closed), deadline, now),
                created: datetime(h.get("created_at").and_then(Value::as_i64).unwrap_or(0)),
                category: taxonomy.category_label(jstr(h, "category"), l),
                severity: Severity::parse(jstr(h, "severity")).map(|x| (x.as_str(), x.label(l))),
                status: st.map(|x| (x.as_str(), x.label(l))),
                address: address_or_code(addr, jstr(h, "address_code")),
                assignee: jstr(h, "assignee").to_string(),
                deadline: deadline.map(date).unwrap_or_default(),
                escalated_to: escalation(chain, deadline, open, now, after)
                    .map(|grid| Msg::EscalatedTo { grid }.text(l)),
                inspection: h
                    .get("source_inspection")
                    .and_then(Value::as_str)
                    .map(String::from),
            }
        })
        .collect();
    let categories = taxonomy
        .categories
        .iter()
        .map(|e| (e.code.clone(), e.label(l).to_string()))
        .collect();
    let severities = Severity::ALL
        .iter()
        .map(|x| (x.as_str().to_string(), x.label(l).to_string()))
        .collect();
    let status = p.get("status").unwrap_or("");
    // Tabs keep every other filter.
    let others = Params(p.0.iter().filter(|(k, _)| k != "status").cloned().collect());
    let oq = filter_query(&others);
    let tabs = counts
        .iter()
        .map(|(key, count)| Tab {
            href: format!(
                "/console/hazards?status={key}{}{oq}",
                if oq.is_empty() { "" } else { "&" }
            ),
            label: match HazardStatus::parse(key) {
                Some(x) => x.label(l).to_string(),
                None if *key == OPEN => TriageMsg::TabOpen.text(l),
                None => TriageMsg::TabAll.text(l),
            },
            count: *count,
            on: *key == status
                || (key.is_empty() && HazardStatus::parse(status).is_none() && status != OPEN),
        })
        .collect();
    let view = ListPage {
        frame: Frame::new(l, Some(&c.user), Nav::Hazards, Msg::Hazards)
            .with_flash(p.get("ok").and_then(|k| flash_for(k, l))),
        grids: grid_choices(&grids, p.get("grid")),
        categories: choices(categories, p.get("category")),
        severities: choices(severities, p.get("severity")),
        status,
        tabs,
        overdue_only: p.get("overdue").is_some(),
        escalated_only: p.get("escalated").is_some(),
        from: p.get("from").unwrap_or(""),
        to: p.get("to").unwrap_or(""),
        pager: if board {
            Pager::counted(l, "/console/hazards", &fq, page, nav.total, PAGE_SIZE)
        } else {
            Pager::keyset(l, "/console/hazards", &fq, &nav)
        },
        query: fq,
        rows,
    };
    render(c.lang, StatusCode::OK, &view)
}

/// One step of the timeline, in words.
pub struct Step {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub to_status: &'static str,
    pub via: String,
    pub note: Option<String>,
    pub assignee: Option<String>,
    pub deadline: Option<String>,
    pub photos: Vec<String>,
}

#[derive(Template)]
#[template(path = "console/hazard.html")]
struct ShowPage<'a> {
    frame: Frame<'a>,
    user: &'a ConsoleUser,
    h: &'a gridfield_core::records::Hazard,
    category: String,
    status: (&'static str, &'static str),
    severity: &'static str,
    address: String,
    deadline: String,
    overdue: bool,
    grid_chain: String,
    location: String,
    photos: Vec<String>,
    escalated_to: Option<String>,
    can_assign: bool,
    /// The people the hazard may go to (their grid covers it): name and grid.
    assignees: Vec<(String, String)>,
    /// Before (as reported) and after (as rectified) photos, side by side at verification.
    before: Vec<String>,
    after: Vec<String>,
    typed_assignee: String,
    typed_deadline: String,
    typed_note: &'a str,
    steps: Vec<Step>,
}

struct Loaded {
    doc: HazardDoc,
    address: String,
    chain: Vec<(String, String)>,
    taxonomy: Taxonomy,
    assignees: Vec<(String, String)>,
}

/// Who may be given a hazard: a grid worker or supervisor whose grid covers the
/// hazard's grid (its own grid or one above it): (name, grid name).
fn assignees(tx: &mut dyn crate::db::Tx, path: &str) -> Result<Vec<(String, String)>> {
    let codes: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=codes.len()).map(|i| format!("${i}")).collect();
    let params: Vec<crate::db::SqlValue> = codes.iter().map(|c| (*c).into()).collect();
    let rows = tx.query(
        &format!(
            "SELECT u.name, g.name FROM users u JOIN grids g ON g.code = u.grid_code
             WHERE u.grid_code IN ({}) AND u.role IN ('worker', 'supervisor')
             ORDER BY g.path DESC, u.name LIMIT 500",
            marks.join(", ")
        ),
        &params,
    )?;
    rows.iter()
        .map(|r| {
            use crate::db::RowExt;
            Ok((r.text(0)?, r.text(1)?))
        })
        .collect()
}

fn load(s: &AppState, sc: &GridScope, id: &str) -> Result<Loaded> {
    s.db.read(|tx| {
        let r = query::get_in_scope(tx, sc, RecordKind::Hazard, id)?.ok_or_else(missing)?;
        let doc: HazardDoc =
            serde_json::from_value(r.body).map_err(|e| ApiError::internal(e.to_string()))?;
        let address = query::address_text(tx, &doc.hazard.address_code)?.unwrap_or_default();
        let chain = query::grid_chain(tx, &r.grid_path)?;
        Ok(Loaded {
            doc,
            address,
            chain,
            taxonomy: rules::taxonomy::hazard(tx)?,
            assignees: assignees(tx, &r.grid_path)?,
        })
    })
}

fn valid_photos(hashes: &[String]) -> Vec<String> {
    hashes
        .iter()
        .filter(|p| gridfield_core::photo::is_valid_hash(p))
        .cloned()
        .collect()
}

fn show_page(
    c: &Console,
    after_ms: i64,
    d: &Loaded,
    flash: Option<Flash>,
    status: StatusCode,
    typed: &Params,
) -> Response {
    let l = c.lang.lang;
    let h = &d.doc.hazard;
    let now = now_ms();
    let steps = d
        .doc
        .events
        .iter()
        .map(|e| Step {
            at: datetime(e.at),
            actor: e.actor.clone(),
            action: e
                .action
                .map(|a| a.label(l).to_string())
                .unwrap_or_else(|| Msg::StepReported.text(l)),
            to_status: e.to_status.label(l),
            via: if e.device_id == CONSOLE_DEVICE {
                Msg::ViaConsole.text(l)
            } else {
                Msg::ViaDevice.text(l)
            },
            note: e.note.clone(),
            assignee: e.assignee.clone(),
            deadline: e.deadline.map(date),
            photos: valid_photos(&e.photos),
        })
        .collect();
    let view = ShowPage {
        frame: Frame::new(l, Some(&c.user), Nav::Hazards, Msg::Hazard).with_flash(flash),
        user: &c.user,
        h,
        category: d.taxonomy.category_label(&h.category, l),
        status: (h.status.as_str(), h.status.label(l)),
        severity: h.severity.label(l),
        address: address_or_code(&d.address, &h.address_code),
        deadline: h.deadline.map(date).unwrap_or_else(|| "—".into()),
        overdue: is_overdue(h.status, h.deadline, now),
        grid_chain: d
            .chain
            .iter()
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
            .join(" › "),
        location: super::html::location(h.location.as_ref(), l),
        photos: valid_photos(&h.photos),
        escalated_to: escalation(&d.chain, h.deadline, h.status.is_open(), now, after_ms)
            .map(|grid| Msg::EscalatedNotice { grid }.text(l)),
        can_assign: h.status.is_open()
            && matches!(
                h.status,
                HazardStatus::Reported | HazardStatus::Assigned | HazardStatus::Rectifying
            ),
        assignees: d.assignees.clone(),
        before: valid_photos(&h.photos),
        after: d
            .doc
            .events
            .iter()
            .rev()
            .find(|e| e.action == Some(HazardAction::MarkRectified))
            .map(|e| valid_photos(&e.photos))
            .unwrap_or_default(),
        typed_assignee: match typed.get("assignee") {
            Some(a) => a.to_string(),
            None => h.assignee.clone().unwrap_or_default(),
        },
        typed_deadline: match typed.get("deadline") {
            Some(t) => t.to_string(),
            None => h.deadline.map(date).unwrap_or_default(),
        },
        typed_note: typed.get("note").unwrap_or(""),
        steps,
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
    let after = s.console.escalate_after_ms;
    let flash = Params(q).get("ok").and_then(|k| flash_for(k, c.lang.lang));
    let res = blocking(move || load(&s, &sc, &id)).await;
    c.finish(res.map(|d| show_page(&c, after, &d, flash, StatusCode::OK, &Params::default())))
}

/// The hazard page again, with why the step was not taken and what was typed.
async fn show_error(
    s: &AppState,
    c: &Console,
    id: &str,
    msg: String,
    status: StatusCode,
    typed: Params,
) -> Response {
    let (s2, id2, sc) = (s.clone(), id.to_string(), scope(c));
    let after = s.console.escalate_after_ms;
    let res = blocking(move || load(&s2, &sc, &id2)).await;
    c.finish(res.map(|d| show_page(c, after, &d, Some(Flash::err(msg)), status, &typed)))
}

pub async fn step(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    m: Multipart,
) -> Response {
    let l = c.lang.lang;
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let (p, photo) = match forms::read_multipart(m).await {
        Ok(v) => v,
        Err(msg) => {
            let status = StatusCode::PAYLOAD_TOO_LARGE;
            return show_error(&s, &c, &id, msg.text(l), status, Params::default()).await;
        }
    };
    if let Err(r) = csrf::check(&c, &p) {
        return *r;
    }
    let Some(action) = p.get("action").and_then(HazardAction::parse) else {
        return show_error(&s, &c, &id, Msg::UnknownAction.text(l), unprocessable, p).await;
    };
    let now = now_ms();
    // Validate what the state machine does not know about: dates and photos.
    let deadline = match p
        .get("deadline")
        .map(|d| forms::deadline(d, now))
        .transpose()
    {
        Ok(d) => d,
        Err(msg) => return show_error(&s, &c, &id, msg.text(l), unprocessable, p).await,
    };
    let mut photos = Vec::new();
    let mut blob = None;
    if let Some(bytes) = photo {
        if let Err((status, msg)) = forms::photo(&bytes, MAX_BLOB_BYTES) {
            return show_error(&s, &c, &id, msg.text(l), status, p).await;
        }
        let hash = sha256_hex(&bytes);
        photos.push(hash.clone());
        blob = Some((hash, bytes));
    }
    let assignee = p.get("assignee").map(str::trim).filter(|a| !a.is_empty());
    let input = StepInput {
        assignee: assignee.map(String::from),
        deadline,
        note: p.get("note").map(String::from),
        photos,
    };
    let close_too = action == HazardAction::Verify && p.get("close").is_some();
    let (s2, user, id2, sc) = (s.clone(), c.user.clone(), id.clone(), scope(&c));
    let res = blocking(move || {
        s2.db.write(|tx| {
            let r = query::get_in_scope(tx, &sc, RecordKind::Hazard, &id2)?.ok_or_else(missing)?;
            // An assignee is one of the people the page offers, whoever typed the form.
            if let Some(a) = &input.assignee
                && !assignees(tx, &r.grid_path)?.iter().any(|(n, _)| n == a)
            {
                return Err(ApiError::unprocessable(
                    "assignee_outside_grid",
                    TriageMsg::AssigneeOutsideGrid.text(l),
                ));
            }
            let dev = user.ctx();
            if let Some((hash, bytes)) = &blob {
                rules::photos::put_blob_chunk(tx, hash, &dev, 0, bytes.len() as u64, bytes)?;
            }
            let mut steps = vec![(action, input)];
            if close_too {
                steps.push((HazardAction::Close, StepInput::default()));
            }
            for (a, inp) in steps {
                let ev = format!("ev-{}", uuid::Uuid::now_v7());
                decided(
                    rules::hazards::hazard_step(tx, &dev, &id2, &ev, a, &inp, now_ms()),
                    l,
                )?;
                rules::audit::audit(
                    tx,
                    &user.name,
                    Some(CONSOLE_DEVICE),
                    "hazard_step",
                    RecordKind::Hazard.as_str(),
                    &id2,
                    Some(&json!({ "action": a.as_str(), "note": inp.note })),
                )?;
            }
            Ok(())
        })
    })
    .await;
    match res {
        Ok(()) => redirect(&format!("/console/hazards/{}?ok=step", html::url(&id))),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            show_error(&s, &c, &id, e.message, unprocessable, p).await
        }
        Err(e) => c.finish(Err(e)),
    }
}
