//! One case (事件) in the console: every field, the parties masked, the timeline,
//! the mediation record with its signatures, and the steps this user may take
//! now (`case::allowed_actions`), each posted through `rules::cases::case_step`.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gridfield_core::case::{
    self, CaseAction, Department, DispatchTarget, MediationOutcome, MediationSession, Satisfaction,
    StepInput, Tier,
};
use gridfield_core::person::mask_phone;
use gridfield_core::record::RecordKind;
use gridfield_core::taxonomy::Taxonomy;
use serde_json::json;

use super::case_msg::CaseMsg;
use super::cases::{handler_text, level_name, suggestion, type_label};
use super::errors::{decided, flash_for, missing};
use super::forms::{self, Pairs, Params};
use super::html::{self, Flash, Frame, Nav, date, datetime, render};
use super::msg::Msg;
use super::{AppState, Console, blocking, csrf, redirect};
use crate::db::records::{self, CaseDoc};
use crate::error::Result;
use crate::rules::{self, CONSOLE_DEVICE, now_ms};

pub struct Event {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub to_status: &'static str,
    pub via: String,
    pub note: Option<String>,
    pub handler: Option<String>,
    pub deadline: Option<String>,
    pub photos: Vec<String>,
}

/// A form for one allowed step, with the inputs it asks for.
pub struct ActionForm {
    pub action: &'static str,
    pub label: &'static str,
    pub note: bool,
    pub dispatch: bool,
    pub deadline: bool,
    pub session: bool,
    pub rating: bool,
}

pub struct Party {
    pub role: &'static str,
    pub name: String,
    pub phone: String,
}

pub struct Session {
    pub at: String,
    pub place: String,
    pub mediator: String,
    pub participants: String,
    pub outcome: &'static str,
    pub note: String,
}

pub struct Signature {
    pub role: &'static str,
    pub name: String,
    pub photo: Option<String>,
}

#[derive(Template)]
#[template(path = "console/case.html")]
struct ShowPage<'a> {
    frame: Frame<'a>,
    csrf: &'a str,
    id: &'a str,
    description: &'a str,
    case_type: String,
    status: (&'static str, &'static str),
    severity: &'static str,
    source: &'static str,
    grid: String,
    location: String,
    owner: String,
    tier: &'static str,
    handler: String,
    deadline: String,
    overdue: bool,
    suggestion: Option<String>,
    photos: Vec<String>,
    parties: Vec<Party>,
    subject: Option<String>,
    sessions: Vec<Session>,
    agreement: Option<(String, Vec<Signature>)>,
    settled: Option<String>,
    forms: Vec<ActionForm>,
    departments: Vec<(String, String)>,
    levels: Vec<(String, String)>,
    events: Vec<Event>,
}

impl ShowPage<'_> {
    fn c(&self, m: CaseMsg) -> String {
        m.text(self.frame.lang)
    }

    fn outcome(&self, agreed: bool) -> &'static str {
        let o = if agreed {
            MediationOutcome::Agreed
        } else {
            MediationOutcome::NotAgreed
        };
        o.label(self.frame.lang)
    }

    fn ratings(&self) -> Vec<(&'static str, &'static str)> {
        Satisfaction::ALL
            .iter()
            .map(|s| (s.as_str(), s.label(self.frame.lang)))
            .collect()
    }
}

struct Loaded {
    doc: CaseDoc,
    taxonomy: Taxonomy,
    depts: Vec<Department>,
    grid: String,
    owner: String,
    owner_leaf: bool,
    settled: Option<(String, bool)>,
    /// Levels strictly below the owner on the way to where it happened.
    below: Vec<(String, String)>,
}

fn load(s: &AppState, c: &Console, id: &str) -> Result<Loaded> {
    let ctx = c.user.ctx();
    s.db.read(|tx| {
        let r = records::get(tx, RecordKind::Case, id)?.ok_or_else(missing)?;
        let doc: CaseDoc = r.doc()?;
        // A case this user may not see is the same answer as no case.
        if !case::visible_to(&doc.case, &ctx.case_actor()) {
            return Err(missing());
        }
        let k = &doc.case;
        let mut below = Vec::new();
        let segs: Vec<&str> = k.grid_path.split('/').filter(|s| !s.is_empty()).collect();
        for n in 1..=segs.len() {
            let p = format!("/{}/", segs[..n].join("/"));
            if p.len() > k.owner_path.len() && p.starts_with(k.owner_path.as_str()) {
                below.push((p.clone(), level_name(tx, &p)?));
            }
        }
        let settled = match k.dispute.as_ref().and_then(|d| d.settled_path.clone()) {
            Some(p) => {
                let leaf = super::case_query::is_leaf(tx, &p)?;
                Some((p, leaf))
            }
            None => None,
        };
        Ok(Loaded {
            grid: level_name(tx, &k.grid_path)?,
            owner: level_name(tx, &k.owner_path)?,
            owner_leaf: super::case_query::is_leaf(tx, &k.owner_path)?,
            taxonomy: rules::taxonomy::case(tx)?,
            depts: rules::cases::departments(tx)?,
            settled,
            below,
            doc,
        })
    })
}

fn valid(hashes: &[String]) -> Vec<String> {
    hashes
        .iter()
        .filter(|p| gridfield_core::photo::is_valid_hash(p))
        .cloned()
        .collect()
}

fn page(c: &Console, d: &Loaded, flash: Option<Flash>, status: StatusCode) -> Response {
    let l = c.lang.lang;
    let k = &d.doc.case;
    let ctx = c.user.ctx();
    let actor = ctx.case_actor();
    let now = now_ms();
    let forms = case::allowed_actions(k, &actor)
        .into_iter()
        // Signatures are captured on the phone: the agreement is signed there.
        .filter(|a| *a != CaseAction::Agree)
        .map(|a| ActionForm {
            action: a.as_str(),
            label: a.label(l),
            note: a.needs_note() || matches!(a, CaseAction::Evaluate | CaseAction::Verify),
            dispatch: a == CaseAction::Dispatch,
            deadline: a == CaseAction::Supervise,
            session: a == CaseAction::Mediate,
            rating: a == CaseAction::Evaluate,
        })
        .collect();
    let departments = d
        .depts
        .iter()
        .filter(|x| k.owner_path.starts_with(x.level_path.as_str()))
        .map(|x| (x.code.clone(), x.label(l).to_string()))
        .collect();
    let events = d
        .doc
        .events
        .iter()
        .map(|e| Event {
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
            handler: e
                .handler
                .as_ref()
                .map(|h| handler_text(&Some(h.clone()), &d.depts, l)),
            deadline: e.deadline.map(date),
            photos: valid(&e.photos),
        })
        .collect();
    let dispute = k.dispute.as_ref();
    let view = ShowPage {
        frame: Frame::new(l, Some(&c.user), Nav::Cases, Msg::Case(CaseMsg::Case)).with_flash(flash),
        csrf: &c.user.csrf,
        id: &k.id,
        description: &k.description,
        case_type: type_label(&d.taxonomy, &k.case_type, l),
        status: (k.status.as_str(), k.status.label(l)),
        severity: k.severity.label(l),
        source: k.source.label(l),
        grid: d.grid.clone(),
        location: super::html::location(k.location.as_ref(), l),
        owner: d.owner.clone(),
        tier: Tier::of(&k.owner_path, d.owner_leaf).label(l),
        handler: handler_text(&k.handler, &d.depts, l),
        deadline: k.deadline.map(date).unwrap_or_else(|| "—".into()),
        overdue: case::is_overdue(k.status, k.deadline, now),
        suggestion: suggestion(&d.taxonomy, k, &d.depts).map(|x| x.label(l).to_string()),
        photos: valid(&k.photos),
        // Names as told; phones masked like every phone in the console.
        parties: k
            .parties
            .iter()
            .map(|p| Party {
                role: p.role.label(l),
                name: p.name.clone(),
                phone: p.phone.as_deref().map(mask_phone).unwrap_or_default(),
            })
            .collect(),
        subject: dispute.map(|x| x.subject.clone()).filter(|s| !s.is_empty()),
        sessions: dispute
            .map(|x| {
                x.sessions
                    .iter()
                    .map(|s| Session {
                        at: datetime(s.at),
                        place: s.place.clone(),
                        mediator: s.mediator.clone(),
                        participants: s.participants.join("、"),
                        outcome: s.outcome.label(l),
                        note: s.note.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        agreement: dispute.and_then(|x| x.agreement.as_ref()).map(|a| {
            let sigs = a
                .signatures
                .iter()
                .map(|s| Signature {
                    role: s.role.label(l),
                    name: s.name.clone(),
                    photo: gridfield_core::photo::is_valid_hash(&s.photo).then(|| s.photo.clone()),
                })
                .collect();
            (a.terms.clone(), sigs)
        }),
        settled: d
            .settled
            .as_ref()
            .map(|(p, leaf)| Tier::of(p, *leaf).label(l).to_string()),
        forms,
        departments,
        levels: d.below.clone(),
        events,
    };
    render(c.lang, status, &view)
}

pub async fn show(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Query(q): Query<Pairs>,
) -> Response {
    let flash = Params(q).get("ok").and_then(|k| flash_for(k, c.lang.lang));
    let (s2, c2) = (s.clone(), c.user.clone());
    let lang = c.lang;
    let token = c.token.clone();
    let res = blocking(move || {
        let c = Console {
            user: c2,
            lang,
            token,
        };
        load(&s2, &c, &id)
    })
    .await;
    c.finish(res.map(|d| page(&c, &d, flash, StatusCode::OK)))
}

/// The step a form asks for, or the message saying what is wrong with it.
fn input_of(
    p: &Params,
    action: CaseAction,
    user: &str,
    now: i64,
) -> std::result::Result<StepInput, Msg> {
    let mut input = StepInput {
        note: p.get("note").map(String::from),
        ..StepInput::default()
    };
    if action == CaseAction::Dispatch {
        input.to = match (p.get("person"), p.get("to")) {
            (Some(u), _) => Some(DispatchTarget::Person { user: u.into() }),
            (None, Some(t)) => match t.split_once(':') {
                Some(("department", code)) => Some(DispatchTarget::Department {
                    code: code.into(),
                    level_path: String::new(),
                }),
                Some(("level", path)) => Some(DispatchTarget::Level { path: path.into() }),
                _ => return Err(Msg::Case(CaseMsg::ChooseTarget)),
            },
            (None, None) => return Err(Msg::Case(CaseMsg::ChooseTarget)),
        };
    }
    if action == CaseAction::Supervise
        && let Some(d) = p.get("deadline")
    {
        input.deadline = Some(forms::deadline(d, now)?);
    }
    if action == CaseAction::Evaluate {
        input.rating = p.get("rating").and_then(Satisfaction::parse);
    }
    if action == CaseAction::Mediate {
        input.session = Some(MediationSession {
            id: format!("ms-{}", uuid::Uuid::now_v7()),
            at: now,
            place: p.get("place").unwrap_or("").to_string(),
            mediator: user.to_string(),
            participants: p
                .get("participants")
                .unwrap_or("")
                .split([',', '，', '、'])
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(String::from)
                .collect(),
            outcome: p
                .get("outcome")
                .and_then(MediationOutcome::parse)
                .unwrap_or(MediationOutcome::NotAgreed),
            note: p.get("note").unwrap_or("").to_string(),
        });
    }
    Ok(input)
}

/// The case page again with why the step was not taken.
async fn refused(s: &AppState, c: &Console, id: &str, msg: String) -> Response {
    let (s2, id2) = (s.clone(), id.to_string());
    let (u, lang, token) = (c.user.clone(), c.lang, c.token.clone());
    let res = blocking(move || {
        let c = Console {
            user: u,
            lang,
            token,
        };
        load(&s2, &c, &id2)
    })
    .await;
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    c.finish(res.map(|d| page(c, &d, Some(Flash::err(msg)), status)))
}

pub async fn step(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Response {
    let l = c.lang.lang;
    let p = Params(f);
    if let Err(r) = csrf::check(&c, &p) {
        return *r;
    }
    let Some(action) = p.get("action").and_then(CaseAction::parse) else {
        return refused(&s, &c, &id, Msg::UnknownAction.text(l)).await;
    };
    let now = now_ms();
    let input = match input_of(&p, action, &c.user.name, now) {
        Ok(i) => i,
        Err(m) => return refused(&s, &c, &id, m.text(l)).await,
    };
    let (s2, user, id2) = (s.clone(), c.user.clone(), id.clone());
    let res = blocking(move || {
        s2.db.write(|tx| {
            let dev = user.ctx();
            // Not visible to this user: no such case (a URL reveals nothing).
            let r = records::get(tx, RecordKind::Case, &id2)?.ok_or_else(missing)?;
            let doc: CaseDoc = r.doc()?;
            if !case::visible_to(&doc.case, &dev.case_actor()) {
                return Err(missing());
            }
            let ev = format!("ev-{}", uuid::Uuid::now_v7());
            decided(
                rules::cases::case_step(tx, &dev, &id2, &ev, action, &input, now_ms()),
                l,
            )?;
            rules::audit::audit(
                tx,
                &user.name,
                Some(CONSOLE_DEVICE),
                "case_step",
                RecordKind::Case.as_str(),
                &id2,
                Some(&json!({ "action": action.as_str() })),
            )?;
            Ok(())
        })
    })
    .await;
    match res {
        Ok(()) => redirect(&format!("/console/cases/{}?ok=step", html::url(&id))),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            refused(&s, &c, &id, e.message).await
        }
        Err(e) => c.finish(Err(e)),
    }
}
