//! Hazards (隐患): registration from a device, and each step of the lifecycle
//! judged by the core's transition rule against the server's current state.

use gridfield_core::hazard::{self, HazardAction, HazardStatus, StepInput};
use gridfield_core::i18n::Lang;
use gridfield_core::model::Role;
use gridfield_core::record;
use gridfield_core::record::RecordKind;
use gridfield_core::records::{Delivery, Hazard, HazardEvent};

pub use crate::db::records::HazardDoc;

use super::{DeviceCtx, Merged, Result, out_of_scope, refuse, refused, reject, unknown_address};
use crate::db::Tx;
use crate::db::records;
use crate::messages::Msg;

pub fn create_hazard(tx: &mut dyn Tx, dev: &DeviceCtx, h: &Hazard) -> Result<Merged> {
    gridfield_core::text::check_hazard(h).map_err(super::too_long)?;
    let categories = super::taxonomy::hazard(tx)?;
    hazard::check_create(dev.role, &categories, &h.category, h.severity).map_err(refused)?;
    let Some(path) = records::address_path(tx, &h.address_code)? else {
        return Err(unknown_address());
    };
    if !dev.covers(&path) {
        return Err(out_of_scope());
    }
    if let Some(prev) = records::get(tx, RecordKind::Hazard, &h.id)? {
        let prev: HazardDoc = prev.doc()?;
        record::check_recreate(&prev.hazard.reported_by, &dev.user).map_err(refused)?;
        return Ok(Merged::default());
    }
    let mut hz = h.clone();
    hz.status = HazardStatus::Reported;
    hz.reported_by = dev.user.clone();
    hz.assignee = None;
    hz.delivery = Delivery::Server;
    hz.overdue = false;
    // A device's location is a claim: one off the globe is dropped, not stored.
    hz.location = h.location.filter(|l| l.is_valid());
    let first = HazardEvent {
        id: format!("{}-reported", h.id),
        hazard_id: h.id.clone(),
        action: None,
        from_status: None,
        to_status: HazardStatus::Reported,
        actor: dev.user.clone(),
        device_id: dev.device_id.clone(),
        at: h.created_at,
        note: None,
        photos: h.photos.clone(),
        assignee: None,
        deadline: None,
    };
    let doc = HazardDoc {
        hazard: hz,
        events: vec![first],
    };
    records::put(
        tx,
        RecordKind::Hazard,
        &h.id,
        &path,
        Some(&h.address_code),
        &records::to_body(&doc)?,
    )?;
    Ok(Merged::default())
}

pub fn hazard_step(
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    id: &str,
    event_id: &str,
    action: HazardAction,
    input: &StepInput,
    at: i64,
) -> Result<Merged> {
    gridfield_core::text::check_step(event_id, input).map_err(super::too_long)?;
    let Some(r) = records::get(tx, RecordKind::Hazard, id)? else {
        return Err(refuse("not_found", Msg::HazardNotFound));
    };
    if !dev.covers(&r.grid_path) {
        return Err(out_of_scope());
    }
    let path = r.grid_path.clone();
    let mut doc: HazardDoc = r.doc()?;
    let step = Step {
        event_id,
        action,
        input,
        at,
    };
    step_apply(
        tx,
        &mut doc,
        &path,
        step,
        &dev.user,
        dev.role,
        &dev.device_id,
    )
}

/// One requested lifecycle step.
struct Step<'a> {
    event_id: &'a str,
    action: HazardAction,
    input: &'a StepInput,
    at: i64,
}

/// Judge a hazard step against the server's current state and record it.
fn step_apply(
    tx: &mut dyn Tx,
    doc: &mut HazardDoc,
    path: &str,
    step: Step<'_>,
    actor: &str,
    role: Role,
    device: &str,
) -> Result<Merged> {
    let Step {
        event_id,
        action,
        input,
        at,
    } = step;
    let current = doc.hazard.status;
    let to = match hazard::next_status(current, action, role, input) {
        Ok(to) => to,
        Err(e) => {
            return Err(reject(
                "transition_refused",
                e.message(Lang::Zh),
                e.message(Lang::En),
            ));
        }
    };
    doc.events.push(HazardEvent {
        id: event_id.to_string(),
        hazard_id: doc.hazard.id.clone(),
        action: Some(action),
        from_status: Some(current),
        to_status: to,
        actor: actor.to_string(),
        device_id: device.to_string(),
        at,
        note: input.note.clone(),
        photos: input.photos.clone(),
        assignee: input.assignee.clone(),
        deadline: input.deadline,
    });
    doc.hazard.status = to;
    if input.assignee.is_some() {
        doc.hazard.assignee = input.assignee.clone();
    }
    if input.deadline.is_some() {
        doc.hazard.deadline = input.deadline;
    }
    doc.hazard.updated_at = at;
    doc.hazard.delivery = Delivery::Server;
    let addr = doc.hazard.address_code.clone();
    let id = doc.hazard.id.clone();
    records::put(
        tx,
        RecordKind::Hazard,
        &id,
        path,
        Some(&addr),
        &records::to_body(&*doc)?,
    )?;
    Ok(Merged::default())
}
