//! Cases (事件) on the device: opening one (or a dispute) offline, taking the steps
//! `case::apply_step` allows this device's actor from the state known here (the
//! server judges each again when it syncs), the timeline, and "my cases".
//!
//! The case is kept whole as JSON beside the columns lists sort and filter by;
//! pulled cases replace the local copy unless a local step is still queued.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::addresses::address_in_scope;
use super::meta::{meta_get, meta_put};
use super::photos::check_photos_known;
use super::validate::required_text;
use super::{Identity, Tx, new_id};
use crate::case::{
    self, Actor, Case, CaseAction, CaseEvent, CaseSource, DispatchTarget, Dispute, Handler,
    Opening, Party, Step, StepInput,
};
use crate::error::{Error, Input, Result};
use crate::hazard::Severity;
use crate::i18n::Lang;
use crate::record::{Delivery, RecordKind};
use crate::records::Op;
use crate::role::Role;
use crate::taxonomy::Taxonomy;

/// device_meta key of the case scope (set at enrollment from the server's word).
const META_CASE_SCOPE: &str = "case_scope";

/// Where this device's user stands in the grid tree for cases: the materialised
/// path of their scope's root grid and, for a department user, the department.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CaseScope {
    pub grid_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
}

/// A case as the reporter enters it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewCase {
    pub case_type: String,
    pub severity: Severity,
    pub address_code: Option<String>,
    pub description: String,
    #[serde(default)]
    pub photos: Vec<String>,
    #[serde(default)]
    pub parties: Vec<Party>,
    /// 纠纷事由 (disputes only; the description when absent).
    pub subject: Option<String>,
    /// 涉及金额 in fen (disputes only).
    pub amount_fen: Option<i64>,
    /// 网格马上调: the reporting grid worker handles it at once.
    #[serde(default)]
    pub handle_myself: bool,
    /// The phone's fix when the case is reported, if it had one.
    #[serde(default)]
    pub location: Option<crate::model::GeoPoint>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct CaseFilter {
    /// Only cases this user (or their department) handles now.
    pub mine: bool,
    /// Only open cases past their deadline (超期).
    pub overdue: bool,
}

/// One case with its timeline and the steps this device's user may take now.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseDetail {
    pub case: Case,
    pub events: Vec<CaseEvent>,
    pub allowed: Vec<CaseAction>,
}

/// A case type a new case may be opened with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseType {
    pub code: String,
    pub parent: Option<String>,
    pub label: String,
    /// 矛盾纠纷 or one of its subtypes: the case carries parties and mediation.
    pub dispute: bool,
}

pub(crate) fn scope(c: &Connection, me: &Identity) -> Result<CaseScope> {
    if let Some(s) = meta_get(c, META_CASE_SCOPE)? {
        return Ok(serde_json::from_str(&s)?);
    }
    // Not told (enrolled by an older server, or initialised offline): the path
    // as far up as the grids held reach.
    let mut codes = vec![me.grid_scope.clone()];
    let mut st = c.prepare_cached("SELECT parent_code FROM grids WHERE code = ?1")?;
    while codes.len() < 16 {
        let parent: Option<String> = st
            .query_row([codes.last().expect("not empty")], |r| r.get(0))
            .optional()?
            .flatten();
        match parent {
            Some(p) => codes.push(p),
            None => break,
        }
    }
    codes.reverse();
    Ok(CaseScope {
        grid_path: format!("/{}/", codes.join("/")),
        department: None,
    })
}

pub(crate) fn set_scope(c: &Connection, s: &CaseScope) -> Result<()> {
    meta_put(c, META_CASE_SCOPE, &serde_json::to_string(s)?)
}

fn actor<'a>(me: &'a Identity, s: &'a CaseScope) -> Actor<'a> {
    Actor {
        user: &me.user,
        role: me.role,
        scope_path: &s.grid_path,
        department: s.department.as_deref(),
    }
}

/// The path of a grid inside this device's scope: the scope's path and the
/// codes from its root down to the grid.
fn grid_path(c: &Connection, me: &Identity, s: &CaseScope, grid: &str) -> Result<String> {
    let mut below = Vec::new();
    let mut cur = grid.to_string();
    let mut st = c.prepare_cached("SELECT parent_code FROM grids WHERE code = ?1")?;
    while cur != me.grid_scope && below.len() < 16 {
        below.push(cur.clone());
        match st
            .query_row([&cur], |r| r.get::<_, Option<String>>(0))
            .optional()?
        {
            Some(Some(p)) => cur = p,
            _ => break,
        }
    }
    below.reverse();
    let mut path = s.grid_path.clone();
    for code in below {
        path.push_str(&code);
        path.push('/');
    }
    Ok(path)
}

/// Whether this role may open such a case, and its required text: checked
/// before the write opens, against the case taxonomy held.
pub(crate) fn check_new(role: Role, types: &Taxonomy, new: &NewCase) -> Result<()> {
    case::check_create(role, types, &new.case_type, new.severity).map_err(Error::refused)?;
    required_text(Input::Description, &new.description)?;
    super::validate::check_location(new.location)
}

/// Open a case: in the queue of its type's default level, or handled by the
/// reporting grid worker at once (网格马上调); queued for the server to route.
pub(crate) fn create(t: &mut Tx<'_>, types: &Taxonomy, new: &NewCase) -> Result<String> {
    let s = scope(&t.tx, t.me)?;
    let grid = match &new.address_code {
        Some(code) => {
            let a = address_in_scope(t, code)?;
            grid_path(&t.tx, t.me, &s, &a.grid_code)?
        }
        None => s.grid_path.clone(),
    };
    check_photos_known(&t.tx, new.photos.iter())?;
    let rules = case::type_rules(types, &new.case_type);
    let dispute = case::is_dispute_type(types, &new.case_type).then(|| Dispute {
        subject: new
            .subject
            .clone()
            .filter(|x| !x.trim().is_empty())
            .unwrap_or_else(|| new.description.clone()),
        amount_fen: new.amount_fen,
        ..Dispute::default()
    });
    let mut c = Case {
        location: new.location,
        id: new_id(),
        case_type: new.case_type.clone(),
        severity: new.severity,
        source: CaseSource::Worker,
        source_ref: None,
        address_code: new.address_code.clone(),
        grid_path: grid.clone(),
        owner_path: grid.clone(),
        description: new.description.clone(),
        photos: new.photos.clone(),
        parties: new.parties.clone(),
        status: case::CaseStatus::Reported,
        handler: None,
        departments: Vec::new(),
        deadline: None,
        dispute,
        rating: None,
        reported_by: t.me.user.clone(),
        created_at: t.now,
        updated_at: t.now,
        delivery: Delivery::Local,
        overdue: false,
    };
    crate::text::check_case(&c)?;
    // As the server decides it (`rules::cases::create_case`): only a grid
    // worker handles a case themselves; the server's routing may move it.
    let handle_myself = new.handle_myself && t.me.role == Role::Worker;
    let (owner, opening) = if handle_myself {
        (grid.clone(), Opening::HandleMyself)
    } else {
        (rules.tier.level_of(&grid), Opening::Queue)
    };
    let first = case::open(
        &mut c,
        &owner,
        opening,
        &actor(t.me, &s),
        &t.me.device_id,
        &rules,
    );
    upsert(&t.tx, &c, std::slice::from_ref(&first))?;
    let hlc = t.stamp();
    let op = Op::CaseCreate {
        case: Box::new(c.clone()),
        handle_myself,
    };
    t.outbox("case", &c.id, &op, &hlc)?;
    t.audit(
        "create",
        "case",
        &c.id,
        Some(&serde_json::json!({ "case_type": c.case_type, "status": c.status })),
    )?;
    Ok(c.id)
}

/// Take one step from the state this device knows, as its user.
pub(crate) fn step(
    t: &mut Tx<'_>,
    types: &Taxonomy,
    id: &str,
    action: CaseAction,
    input: &StepInput,
) -> Result<Case> {
    let s = scope(&t.tx, t.me)?;
    let mut c = load(&t.tx, id, t.now)?;
    let event_id = new_id();
    crate::text::check_case_step(&event_id, input)?;
    check_photos_known(&t.tx, input.photo_hashes().iter())?;
    // The device does not hold the department register: locally a department
    // serves the owning level; the server fills in its real level and judges.
    let mut local = input.clone();
    if let Some(DispatchTarget::Department { level_path, .. }) = &mut local.to
        && level_path.is_empty()
    {
        *level_path = c.owner_path.clone();
    }
    let from = c.status;
    let rules = case::type_rules(types, &c.case_type);
    let event = case::apply_step(
        &mut c,
        Step {
            event_id: &event_id,
            action,
            input: &local,
            device_id: &t.me.device_id,
            at: t.now,
        },
        &actor(t.me, &s),
        &rules,
    )
    .map_err(Error::refused)?;
    c.delivery = Delivery::Local;
    write_case(&t.tx, &c)?;
    insert_event(&t.tx, &event)?;
    let hlc = t.stamp();
    let op = Op::CaseStep {
        event_id,
        action,
        from,
        input: Box::new(input.clone()),
        at: t.now,
    };
    t.outbox("case", id, &op, &hlc)?;
    t.audit(
        action.as_str(),
        "case",
        id,
        Some(&serde_json::json!({ "from": from, "to": c.status })),
    )?;
    c.overdue = case::is_overdue(c.status, c.deadline, t.now);
    Ok(c)
}

/// Cases matching `filter`, the nearest deadline first.
pub(crate) fn list(
    c: &Connection,
    me: &Identity,
    filter: &CaseFilter,
    now: i64,
) -> Result<Vec<Case>> {
    let s = scope(c, me)?;
    let mut conds = vec!["1".to_string()];
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if filter.mine {
        args.push(me.user.clone().into());
        let mut cond = format!("handler = ?{}", args.len());
        if me.role == Role::Department
            && let Some(d) = &s.department
        {
            args.push(d.clone().into());
            cond = format!("({cond} OR handler = ?{})", args.len());
        }
        conds.push(cond);
    }
    if filter.overdue {
        args.push(now.into());
        conds.push(format!(
            "status NOT IN ('declined', 'closed', 'evaluated') AND deadline IS NOT NULL AND deadline < ?{}",
            args.len()
        ));
    }
    let sql = format!(
        "SELECT body, delivery FROM cases WHERE {} \
         ORDER BY CASE WHEN deadline IS NULL THEN 1 ELSE 0 END, deadline, created_at",
        conds.join(" AND ")
    );
    let mut st = c.prepare_cached(&sql)?;
    let rows = st.query_map(rusqlite::params_from_iter(args), |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (body, delivery) = row?;
        out.push(decode(&body, &delivery, now)?);
    }
    Ok(out)
}

/// One case with its timeline and what this device's user may do with it.
pub(crate) fn detail(c: &Connection, me: &Identity, id: &str, now: i64) -> Result<CaseDetail> {
    let case = load(c, id, now)?;
    let s = scope(c, me)?;
    let allowed = case::allowed_actions(&case, &actor(me, &s));
    let events = events(c, id)?;
    Ok(CaseDetail {
        case,
        events,
        allowed,
    })
}

/// The active case types of the taxonomy held, labelled in `lang`.
pub(crate) fn types(t: &Taxonomy, lang: Lang) -> Vec<CaseType> {
    t.active_categories()
        .map(|e| CaseType {
            code: e.code.clone(),
            parent: e.parent.clone(),
            label: e.label(lang).to_string(),
            dispute: case::is_dispute_type(t, &e.code),
        })
        .collect()
}

fn load(c: &Connection, id: &str, now: i64) -> Result<Case> {
    let row: Option<(String, String)> = c
        .prepare_cached("SELECT body, delivery FROM cases WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (body, delivery) = row.ok_or_else(|| Error::not_found(RecordKind::Case, id))?;
    decode(&body, &delivery, now)
}

fn decode(body: &str, delivery: &str, now: i64) -> Result<Case> {
    let mut c: Case = serde_json::from_str(body)?;
    c.delivery = Delivery::parse(delivery).unwrap_or(Delivery::Local);
    c.overdue = case::is_overdue(c.status, c.deadline, now);
    Ok(c)
}

fn events(c: &Connection, id: &str) -> Result<Vec<CaseEvent>> {
    let mut st =
        c.prepare_cached("SELECT body FROM case_events WHERE case_id = ?1 ORDER BY at, rowid")?;
    let rows = st.query_map([id], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for b in rows {
        out.push(serde_json::from_str(&b?)?);
    }
    Ok(out)
}

fn handler_code(c: &Case) -> Option<&str> {
    match &c.handler {
        Some(Handler::Person(u)) => Some(u),
        Some(Handler::Department(d)) => Some(d),
        None => None,
    }
}

fn write_case(c: &Connection, k: &Case) -> Result<()> {
    let mut body = k.clone();
    body.overdue = false;
    c.prepare_cached(
        "INSERT INTO cases (id, case_type, status, grid_path, owner_path, handler, reported_by, deadline,
            created_at, updated_at, delivery, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT(id) DO UPDATE SET case_type=excluded.case_type, status=excluded.status,
           grid_path=excluded.grid_path, owner_path=excluded.owner_path, handler=excluded.handler,
           reported_by=excluded.reported_by, deadline=excluded.deadline, created_at=excluded.created_at,
           updated_at=excluded.updated_at, delivery=excluded.delivery, body=excluded.body",
    )?
    .execute(params![
        k.id,
        k.case_type,
        k.status.as_str(),
        k.grid_path,
        k.owner_path,
        handler_code(k),
        k.reported_by,
        k.deadline,
        k.created_at,
        k.updated_at,
        k.delivery.as_str(),
        serde_json::to_string(&body)?,
    ])?;
    Ok(())
}

fn insert_event(c: &Connection, e: &CaseEvent) -> Result<()> {
    c.prepare_cached(
        "INSERT OR REPLACE INTO case_events (id, case_id, at, body) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![e.id, e.case_id, e.at, serde_json::to_string(e)?])?;
    Ok(())
}

/// Keep a case and its whole timeline as given (a new local case, or the
/// server's version from a pull).
pub(crate) fn upsert(c: &Connection, k: &Case, events: &[CaseEvent]) -> Result<()> {
    write_case(c, k)?;
    c.prepare_cached("DELETE FROM case_events WHERE case_id = ?1")?
        .execute([&k.id])?;
    for e in events {
        insert_event(c, e)?;
    }
    Ok(())
}
