//! Cases (事件): a new case routed to where it lands (分级分类推送), and each step
//! judged by the core's `case::apply_step` against the server's current state —
//! for a device's push and a console user's click alike (`DeviceCtx::console`).

use gridfield_core::case::{
    self, Case, CaseAction, CaseRefusal, CaseStatus, Department, DispatchTarget, Handler, Opening,
    RouteTarget, RoutingRule, StepInput,
};
use gridfield_core::i18n::Lang;
use gridfield_core::record::{self, Delivery, RecordKind};

pub use crate::db::records::CaseDoc;

use super::{
    DeviceCtx, Error, Merged, Result, out_of_scope, refuse, refused, reject, unknown_address,
};
use crate::db::{RowExt, Tx, records};
use crate::messages::Msg;

/// A step the case's current state does not allow (or a stale one): what the
/// phone shows is the state the case is in now.
fn stale(current: CaseStatus, action: CaseAction) -> Error {
    let e = CaseRefusal::NotFromState {
        from: current,
        action,
    };
    reject(
        "transition_refused",
        e.message(Lang::Zh),
        e.message(Lang::En),
    )
}

fn refusal(r: CaseRefusal) -> Error {
    refused(gridfield_core::refusal::Refusal::Case(r))
}

/// Every department (职能部门) registered.
pub fn departments(tx: &mut dyn Tx) -> Result<Vec<Department>> {
    tx.query(
        "SELECT code, kind, zh, en, level_path FROM departments ORDER BY level_path, code",
        &[],
    )?
    .into_iter()
    .map(|r| {
        Ok(Department {
            code: r.text(0)?,
            kind: r.text(1)?,
            zh: r.text(2)?,
            en: r.text(3)?,
            level_path: r.text(4)?,
        })
    })
    .collect()
}

/// The routing rules in force (none loaded: the case types' defaults decide).
pub fn routing_rules(tx: &mut dyn Tx) -> Result<Vec<RoutingRule>> {
    match tx.query_one("SELECT body FROM case_routing WHERE id = 1", &[])? {
        Some(r) => serde_json::from_str(&r.text(0)?).map_err(Error::internal),
        None => Ok(Vec::new()),
    }
}

/// The grid worker who takes cases routed to a grid: the first worker account
/// of that grid, if any.
fn grid_worker(tx: &mut dyn Tx, grid_path: &str) -> Result<Option<String>> {
    let code = case::owner_code(grid_path).to_string();
    Ok(tx
        .query_one(
            "SELECT name FROM users WHERE grid_code = $1 AND role = 'worker' ORDER BY name LIMIT 1",
            &[code.into()],
        )?
        .map(|r| r.text(0))
        .transpose()?)
}

/// Register a new case from a device or the console.
pub fn create_case(
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    c: &Case,
    handle_myself: bool,
) -> Result<Merged> {
    gridfield_core::text::check_case(c).map_err(super::too_long)?;
    let taxonomy = super::taxonomy::case(tx)?;
    case::check_create(dev.role, &taxonomy, &c.case_type, c.severity).map_err(refusal)?;
    // A report turned into a case: its reporter (who verifies and sees the outcome)
    // and its address come from the report on record, never from the push.
    let from_report = match (c.source, &c.source_ref) {
        (case::CaseSource::Report, Some(id)) => {
            let Some(r) = records::get(tx, RecordKind::Report, id)? else {
                return Err(refuse("not_found", Msg::ReportNotFound));
            };
            if !dev.covers(&r.grid_path) {
                return Err(out_of_scope());
            }
            Some(r.doc::<gridfield_core::records::Report>()?)
        }
        (case::CaseSource::Report, None) => return Err(refuse("not_found", Msg::ReportNotFound)),
        _ => None,
    };
    let address_code = c
        .address_code
        .clone()
        .or_else(|| from_report.as_ref().map(|r| r.address_code.clone()));
    // Where it happened decides who sees it: an address's grid, or the reporter's own.
    let grid_path = match &address_code {
        Some(code) => records::address_path(tx, code)?.ok_or_else(unknown_address)?,
        None => c.grid_path.clone(),
    };
    if !dev.covers(&grid_path) {
        return Err(out_of_scope());
    }
    if let Some(prev) = records::get(tx, RecordKind::Case, &c.id)? {
        let prev: CaseDoc = prev.doc()?;
        record::check_recreate(&prev.case.reported_by, &dev.user).map_err(refused)?;
        return Ok(Merged::default());
    }
    let rules = case::type_rules(&taxonomy, &c.case_type);
    let mut new = c.clone();
    new.grid_path = grid_path.clone();
    new.address_code = address_code;
    new.departments.clear();
    new.rating = None;
    new.delivery = Delivery::Server;
    new.overdue = false;
    if case::is_dispute_type(&taxonomy, &new.case_type) && new.dispute.is_none() {
        new.dispute = Some(case::Dispute::default());
    }
    new.reported_by = match &from_report {
        Some(r) => r.reporter.clone(),
        None => dev.user.clone(),
    };
    let (owner, opening) = if handle_myself && dev.role == gridfield_core::role::Role::Worker {
        (grid_path.clone(), Opening::HandleMyself)
    } else {
        let depts = departments(tx)?;
        let route = case::route(
            &routing_rules(tx)?,
            &rules,
            &new.case_type,
            new.severity,
            &grid_path,
            &depts,
        );
        let opening = match &route.target {
            RouteTarget::Level { .. } => Opening::Queue,
            RouteTarget::Department { kind } => depts
                .iter()
                .filter(|d| &d.kind == kind && grid_path.starts_with(d.level_path.as_str()))
                .max_by_key(|d| d.level_path.len())
                .map_or(Opening::Queue, |d| {
                    Opening::Dispatch(Handler::Department(d.code.clone()))
                }),
            RouteTarget::GridWorker => match grid_worker(tx, &grid_path)? {
                Some(w) => Opening::Dispatch(Handler::Person(w)),
                None => Opening::Queue,
            },
        };
        (route.owner_path, opening)
    };
    // A device's location is a claim: one off the globe is dropped, not stored.
    new.location = new.location.filter(|l| l.is_valid());
    let first = case::open(
        &mut new,
        &owner,
        opening,
        &dev.case_actor(),
        &dev.device_id,
        &rules,
    );
    let doc = CaseDoc {
        case: new,
        events: vec![first],
    };
    save(tx, &doc)?;
    Ok(Merged::default())
}

fn save(tx: &mut dyn Tx, doc: &CaseDoc) -> Result<()> {
    records::put(
        tx,
        RecordKind::Case,
        &doc.case.id,
        &doc.case.grid_path,
        doc.case.address_code.as_deref(),
        &records::to_body(doc)?,
    )?;
    super::case_facts::write(tx, doc)
}

/// One step of a case, from a device or the console.
pub fn case_step(
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    id: &str,
    event_id: &str,
    action: CaseAction,
    input: &StepInput,
    at: i64,
) -> Result<Merged> {
    case_step_from(tx, dev, id, event_id, action, None, input, at)
}

/// One step of a case as a device saw it: `from` is the status its phone showed
/// when the step was taken (offline perhaps). A step taken on a state the case
/// has since left is refused (`transition_refused`), never applied to another.
#[allow(clippy::too_many_arguments)]
pub fn case_step_from(
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    id: &str,
    event_id: &str,
    action: CaseAction,
    from: Option<CaseStatus>,
    input: &StepInput,
    at: i64,
) -> Result<Merged> {
    gridfield_core::text::check_case_step(event_id, input).map_err(super::too_long)?;
    let Some(r) = records::get(tx, RecordKind::Case, id)? else {
        return Err(refuse("not_found", Msg::CaseNotFound));
    };
    let mut doc: CaseDoc = r.doc()?;
    let actor = dev.case_actor();
    if !case::visible_to(&doc.case, &actor) {
        return Err(out_of_scope());
    }
    // A retried step (lost answer) is applied once.
    if doc.events.iter().any(|e| e.id == event_id) {
        return Ok(Merged::default());
    }
    if from.is_some_and(|f| f != doc.case.status) {
        return Err(stale(doc.case.status, action));
    }
    let mut input = input.clone();
    // A department's level comes from the register, never from the device.
    if let Some(DispatchTarget::Department { code, level_path }) = &mut input.to {
        match departments(tx)?.into_iter().find(|d| &d.code == code) {
            Some(d) => *level_path = d.level_path,
            None => return Err(refusal(CaseRefusal::DepartmentOutsideLevel)),
        }
    }
    if let Some(DispatchTarget::Person { user }) = &input.to {
        let known = tx
            .query_one(
                "SELECT 1 FROM users WHERE name = $1",
                &[user.as_str().into()],
            )?
            .is_some();
        if !known {
            return Err(refusal(CaseRefusal::TargetRequired));
        }
    }
    let taxonomy = super::taxonomy::case(tx)?;
    let rules = case::type_rules(&taxonomy, &doc.case.case_type);
    let step = case::Step {
        event_id,
        action,
        input: &input,
        device_id: &dev.device_id,
        at,
    };
    match case::apply_step(&mut doc.case, step, &actor, &rules) {
        Ok(ev) => doc.events.push(ev),
        Err(CaseRefusal::NotFromState { from, action }) => return Err(stale(from, action)),
        Err(e) => return Err(refusal(e)),
    }
    doc.case.delivery = Delivery::Server;
    save(tx, &doc)?;
    Ok(Merged::default())
}

/// Register (or relabel) a department hanging off the level of grid `grid`.
pub fn add_department(
    tx: &mut dyn Tx,
    code: &str,
    kind: &str,
    zh: &str,
    en: &str,
    grid: &str,
) -> Result<Department> {
    let valid = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if !valid(code) || !valid(kind) {
        return Err(Error::invalid(
            "invalid_department",
            "部门编码和类别只能用字母、数字、'-' 或 '_'，最多 64 个 (department code and kind: letters, digits, '-' or '_', at most 64)",
        ));
    }
    if zh.trim().is_empty()
        || en.trim().is_empty()
        || zh.chars().count() > 64
        || en.chars().count() > 64
    {
        return Err(Error::invalid(
            "invalid_department",
            "部门需要中文名和英文名，各不超过 64 字 (a department needs a Chinese and an English name, at most 64 characters each)",
        ));
    }
    let level_path = super::grids::grid_path(tx, grid)?
        .ok_or_else(|| Error::NotFound(format!("grid {grid} not found")))?;
    tx.execute(
        "INSERT INTO departments (code, kind, zh, en, level_path, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, zh = excluded.zh, en = excluded.en, level_path = excluded.level_path",
        &[
            code.into(),
            kind.into(),
            zh.trim().into(),
            en.trim().into(),
            level_path.as_str().into(),
            super::now_ms().into(),
        ],
    )?;
    Ok(Department {
        code: code.to_string(),
        kind: kind.to_string(),
        zh: zh.trim().to_string(),
        en: en.trim().to_string(),
        level_path,
    })
}

/// Make `user` (already added with role `department`) work for `department`.
pub fn set_user_department(tx: &mut dyn Tx, user: &str, department: &str) -> Result<()> {
    if !departments(tx)?.iter().any(|d| d.code == department) {
        return Err(Error::NotFound(format!(
            "department {department} not found"
        )));
    }
    tx.execute(
        "UPDATE users SET department = $2 WHERE name = $1",
        &[user.into(), department.into()],
    )?;
    Ok(())
}

/// A department account enrolls a device only once it works for a department
/// (`user-add --role department --department …`): without one it sees nothing.
pub fn check_department_user(tx: &mut dyn Tx, user: &str) -> Result<()> {
    let dept = tx
        .query_one(
            "SELECT department FROM users WHERE name = $1 AND role = 'department'",
            &[user.into()],
        )?
        .and_then(|r| r.opt_text(0));
    match dept {
        Some(_) => Ok(()),
        None => Err(Error::invalid(
            "no_department",
            "职能部门账号需先指定部门：user-add --role department --department <编码> (a department account needs its department first: user-add --role department --department <code>)",
        )),
    }
}

/// Routing rules from their JSON form, validated against the case taxonomy,
/// the departments and the grid tree: every problem, each named by its rule's
/// number (or the JSON line), in Chinese and English; nothing loaded on error.
pub fn load_routing(tx: &mut dyn Tx, json: &str) -> Result<Vec<RoutingRule>> {
    let rules: Vec<RoutingRule> = serde_json::from_str(json).map_err(|e| {
        Error::invalid(
            "invalid_rules",
            format!(
                "第 {} 行第 {} 列：规则文件不是有效的规则列表 (line {}, column {}: not a valid list of rules: {e})",
                e.line(),
                e.column(),
                e.line(),
                e.column()
            ),
        )
    })?;
    let taxonomy = super::taxonomy::case(tx)?;
    let depts = departments(tx)?;
    let paths: std::collections::HashSet<String> = tx
        .query("SELECT path FROM grids", &[])?
        .into_iter()
        .map(|r| r.text(0))
        .collect::<std::result::Result<_, _>>()?;
    let errors = case::validate_rules(&rules, &taxonomy, &depts, &|p| paths.contains(p));
    if !errors.is_empty() {
        let zh: Vec<String> = errors.iter().map(|e| e.message(Lang::Zh)).collect();
        let en: Vec<String> = errors.iter().map(|e| e.message(Lang::En)).collect();
        return Err(Error::invalid(
            "invalid_rules",
            format!("{}\n{}", zh.join("\n"), en.join("\n")),
        ));
    }
    let body = serde_json::to_string(&rules).map_err(Error::internal)?;
    tx.execute(
        "INSERT INTO case_routing (id, version, body, updated_at) VALUES (1, 1, $1, $2)
         ON CONFLICT (id) DO UPDATE SET version = case_routing.version + 1, body = excluded.body, updated_at = excluded.updated_at",
        &[body.into(), super::now_ms().into()],
    )?;
    Ok(rules)
}
