//! Hazards (隐患) on the device: reporting one, taking lifecycle steps the state
//! known here allows (the server judges again when it syncs), the event history,
//! and the filtered lists a worker works from.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use super::addresses::address_in_scope;
use super::photos::check_photos_known;
use super::validate::required_text;
use super::{Identity, Tx, new_id};
use crate::checklist::Severity;
use crate::error::{Error, Result};
use crate::error::{Input, Invalid};
use crate::hazard::{self, HazardAction, HazardStatus, StepInput};
use crate::model::{GeoPoint, Role};
use crate::record::RecordKind;
use crate::records::{Delivery, Hazard, HazardEvent, Op};
use crate::taxonomy::Taxonomy;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewHazard {
    pub address_code: String,
    pub category: String,
    pub severity: Severity,
    pub description: String,
    pub photos: Vec<String>,
    pub deadline: Option<i64>,
    /// The phone's fix when the hazard was reported, if it had one.
    #[serde(default)]
    pub location: Option<GeoPoint>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HazardFilter {
    pub status: Option<HazardStatus>,
    pub overdue_only: bool,
    pub open_only: bool,
    pub address_code: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HazardDetail {
    pub hazard: Hazard,
    pub events: Vec<HazardEvent>,
}

/// Who may report a hazard, of which category and severity (by the taxonomy
/// held), and its required text: checked before the write opens.
pub(crate) fn check_new(role: Role, categories: &Taxonomy, new: &NewHazard) -> Result<()> {
    crate::hazard::check_create(role, categories, &new.category, new.severity)
        .map_err(Error::refused)?;
    required_text(Input::Description, &new.description)?;
    required_text(Input::Category, &new.category)?;
    super::validate::check_location(new.location)
}

/// Report a hazard seen at an address in scope.
pub(crate) fn create(t: &mut Tx<'_>, new: &NewHazard) -> Result<String> {
    address_in_scope(t, &new.address_code)?;
    check_photos_known(&t.tx, new.photos.iter())?;
    let h = Hazard {
        id: new_id(),
        address_code: new.address_code.clone(),
        category: new.category.clone(),
        severity: new.severity,
        description: new.description.clone(),
        status: HazardStatus::Reported,
        assignee: None,
        deadline: new.deadline,
        photos: new.photos.clone(),
        source_inspection: None,
        source_item: None,
        source_report: None,
        reported_by: t.me.user.clone(),
        created_at: t.now,
        updated_at: t.now,
        delivery: Delivery::Local,
        overdue: false,
        location: new.location,
    };
    insert_hazard(t, &h)?;
    Ok(h.id)
}

/// Take one lifecycle step from the state this device knows.
pub(crate) fn step(
    t: &mut Tx<'_>,
    id: &str,
    action: HazardAction,
    input: &StepInput,
) -> Result<HazardStatus> {
    let h = query_hazards(&t.tx, "id = ?1", id, t.now)?
        .pop()
        .ok_or_else(|| Error::not_found(RecordKind::Hazard, id))?;
    let to = hazard::next_status(h.status, action, t.me.role, input)?;
    if action == HazardAction::Assign
        && let Some(d) = input.deadline
        && d < t.now
    {
        return Err(Error::invalid(Input::Deadline, Invalid::InThePast));
    }
    check_photos_known(&t.tx, input.photos.iter())?;
    let hlc = t.stamp();
    let event_id = new_id();
    insert_event(
        &t.tx,
        &event_id,
        id,
        Some(action),
        Some(h.status),
        to,
        t.me,
        t.now,
        input,
    )?;
    t.tx.execute(
        "UPDATE hazards SET status = ?2,
           assignee = CASE WHEN ?3 IS NULL THEN assignee ELSE ?3 END,
           deadline = CASE WHEN ?4 IS NULL THEN deadline ELSE ?4 END,
           updated_at = ?5, delivery = 'local' WHERE id = ?1",
        params![id, to.as_str(), input.assignee, input.deadline, t.now],
    )?;
    let op = Op::HazardStep {
        event_id,
        action,
        from: h.status,
        input: input.clone(),
        at: t.now,
    };
    t.outbox("hazard", id, &op, &hlc)?;
    t.audit(
        action.as_str(),
        "hazard",
        id,
        Some(&serde_json::json!({ "from": h.status, "to": to })),
    )?;
    Ok(to)
}

/// Hazards matching `filter`, those with the nearest deadline first.
pub(crate) fn list(c: &Connection, filter: &HazardFilter, now: i64) -> Result<Vec<Hazard>> {
    let mut conds: Vec<String> = vec!["1".into()];
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(s) = filter.status {
        args.push(s.as_str().to_string().into());
        conds.push(format!("status = ?{}", args.len()));
    }
    if filter.open_only || filter.overdue_only {
        conds.push("status <> 'closed'".into());
    }
    if filter.overdue_only {
        args.push(now.into());
        conds.push(format!(
            "deadline IS NOT NULL AND deadline < ?{}",
            args.len()
        ));
    }
    if let Some(a) = &filter.address_code {
        args.push(a.clone().into());
        conds.push(format!("address_code = ?{}", args.len()));
    }
    let mut sql = conds.join(" AND ");
    sql.push_str(" ORDER BY CASE WHEN deadline IS NULL THEN 1 ELSE 0 END, deadline, created_at");
    if let Some(l) = filter.limit {
        sql.push_str(&format!(" LIMIT {l}"));
    }
    query_hazards_with(c, &sql, rusqlite::params_from_iter(args), now)
}

/// One hazard with its event history.
pub(crate) fn detail(c: &Connection, id: &str, now: i64) -> Result<HazardDetail> {
    let hazard = query_hazards(c, "id = ?1", id, now)?
        .pop()
        .ok_or_else(|| Error::not_found(RecordKind::Hazard, id))?;
    let events = load_events(c, id)?;
    Ok(HazardDetail { hazard, events })
}

pub(crate) fn insert_hazard(t: &mut Tx<'_>, h: &Hazard) -> Result<()> {
    t.tx.prepare_cached(
        "INSERT INTO hazards (id, address_code, category, severity, description, status, assignee, deadline, photos,
            source_inspection, source_item, source_report, reported_by, created_at, updated_at, location)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?15)",
    )?
    .execute(params![
        h.id,
        h.address_code,
        h.category,
        h.severity.as_str(),
        h.description,
        h.status.as_str(),
        h.assignee,
        h.deadline,
        serde_json::to_string(&h.photos)?,
        h.source_inspection,
        h.source_item,
        h.source_report,
        h.reported_by,
        h.created_at,
        location_json(h.location)?
    ])?;
    let input = StepInput {
        photos: h.photos.clone(),
        note: None,
        ..Default::default()
    };
    insert_event(
        &t.tx,
        &new_id(),
        &h.id,
        None,
        None,
        HazardStatus::Reported,
        t.me,
        t.now,
        &input,
    )?;
    let hlc = t.stamp();
    t.outbox(
        "hazard",
        &h.id,
        &Op::HazardCreate {
            hazard: Box::new(h.clone()),
        },
        &hlc,
    )?;
    t.audit(
        "create",
        "hazard",
        &h.id,
        Some(&serde_json::json!({ "category": h.category })),
    )
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_event(
    c: &Connection,
    event_id: &str,
    hazard_id: &str,
    action: Option<HazardAction>,
    from: Option<HazardStatus>,
    to: HazardStatus,
    me: &Identity,
    at: i64,
    input: &StepInput,
) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO hazard_events (id, hazard_id, action, from_status, to_status, actor, device_id, at, note, photos, assignee, deadline)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        event_id,
        hazard_id,
        // The first event of a hazard is its report, not a lifecycle action.
        action.map(|a| a.as_str()).unwrap_or("report"),
        from.map(|s| s.as_str()),
        to.as_str(),
        me.user,
        me.device_id,
        at,
        input.note,
        serde_json::to_string(&input.photos)?,
        input.assignee,
        input.deadline
    ])?;
    Ok(())
}

pub(crate) fn query_hazards(
    c: &Connection,
    where_: &str,
    arg: &str,
    now: i64,
) -> Result<Vec<Hazard>> {
    query_hazards_with(c, where_, [arg], now)
}

fn query_hazards_with(
    c: &Connection,
    where_: &str,
    args: impl rusqlite::Params,
    now: i64,
) -> Result<Vec<Hazard>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT id, address_code, category, severity, description, status, assignee, deadline, photos,
            source_inspection, source_item, source_report, reported_by, created_at, updated_at, delivery, location
         FROM hazards WHERE {where_}"
    ))?;
    let rows = st.query_map(args, |r| {
        let status = HazardStatus::parse(&r.get::<_, String>(5)?).unwrap_or(HazardStatus::Reported);
        let deadline: Option<i64> = r.get(7)?;
        let photos: String = r.get(8)?;
        Ok(Hazard {
            id: r.get(0)?,
            address_code: r.get(1)?,
            category: r.get(2)?,
            severity: Severity::parse(&r.get::<_, String>(3)?).unwrap_or(Severity::Medium),
            description: r.get(4)?,
            status,
            assignee: r.get(6)?,
            deadline,
            photos: serde_json::from_str(&photos).unwrap_or_default(),
            source_inspection: r.get(9)?,
            source_item: r.get(10)?,
            source_report: r.get(11)?,
            reported_by: r.get(12)?,
            created_at: r.get(13)?,
            updated_at: r.get(14)?,
            delivery: Delivery::parse(&r.get::<_, String>(15)?).unwrap_or(Delivery::Local),
            overdue: hazard::is_overdue(status, deadline, now),
            location: location_from(r.get(16)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(crate) fn load_events(c: &Connection, hazard_id: &str) -> Result<Vec<HazardEvent>> {
    let mut st = c.prepare_cached(
        "SELECT id, hazard_id, action, from_status, to_status, actor, device_id, at, note, photos, assignee, deadline
         FROM hazard_events WHERE hazard_id = ?1 ORDER BY at, rowid",
    )?;
    let rows = st.query_map([hazard_id], |r| {
        let photos: String = r.get(9)?;
        Ok(HazardEvent {
            id: r.get(0)?,
            hazard_id: r.get(1)?,
            action: r
                .get::<_, Option<String>>(2)?
                .and_then(|s| HazardAction::parse(&s)),
            from_status: r
                .get::<_, Option<String>>(3)?
                .and_then(|s| HazardStatus::parse(&s)),
            to_status: HazardStatus::parse(&r.get::<_, String>(4)?)
                .unwrap_or(HazardStatus::Reported),
            actor: r.get(5)?,
            device_id: r.get(6)?,
            at: r.get(7)?,
            note: r.get(8)?,
            photos: serde_json::from_str(&photos).unwrap_or_default(),
            assignee: r.get(10)?,
            deadline: r.get(11)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// A location column (JSON) read back; an unreadable one is no location.
pub(crate) fn location_from(json: Option<String>) -> Option<GeoPoint> {
    json.and_then(|j| serde_json::from_str(&j).ok())
}

/// A record's location as its device column holds it (JSON, or NULL).
pub(crate) fn location_json(l: Option<GeoPoint>) -> Result<Option<String>> {
    Ok(l.map(|l| serde_json::to_string(&l)).transpose()?)
}
