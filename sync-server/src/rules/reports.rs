//! Volunteers' reports (上报): filed at any address that exists, decided by a
//! supervisor (accept with points, possibly as a hazard; or dismiss with a reason).

use gridfield_core::checklist::Severity;
use gridfield_core::hazard::HazardStatus;

use gridfield_core::model::{ReportStatus, Role};
use gridfield_core::records::{Delivery, Hazard, Report};
use serde_json::json;

use super::hazards::create_hazard;
use super::{DeviceCtx, Merged, Result, out_of_scope, refuse, unknown_address};
use crate::db::Tx;
use crate::db::records::{self, RecordKind};
use crate::messages::Msg;

pub(crate) fn create_report(tx: &mut dyn Tx, dev: &DeviceCtx, r: &Report) -> Result<Merged> {
    // A volunteer may report at any address that exists: plates outside one's own
    // grid are scanned too. The report belongs to the address's grid.
    let Some(path) = records::address_path(tx, &r.address_code)? else {
        return Err(unknown_address());
    };
    if records::get(tx, RecordKind::Report, &r.id)?.is_some() {
        return Ok(Merged::default());
    }
    let mut rep = r.clone();
    rep.reporter = dev.user.clone();
    rep.device_id = dev.device_id.clone();
    rep.status = ReportStatus::Pending;
    rep.points = 0;
    rep.decision_note = None;
    rep.hazard_id = None;
    rep.delivery = Delivery::Server;
    records::put(
        tx,
        RecordKind::Report,
        &r.id,
        &path,
        Some(&r.address_code),
        &json!(rep),
    )?;
    Ok(Merged::default())
}

/// A supervisor's decision on a volunteer's report.
pub struct ReportDecision {
    pub accept: bool,
    /// Why (required when dismissing): the volunteer sees it after the next sync.
    pub note: Option<String>,
    /// 积分 credited when accepted.
    pub points: i64,
    /// Accepting may turn the report into a hazard of this category and severity.
    pub hazard: Option<(String, Severity)>,
}

pub const MAX_REPORT_POINTS: i64 = 100;
/// The longest decision note, in characters.
const MAX_NOTE_CHARS: usize = 500;

/// Accept or dismiss a pending report. The report record changes, so the decision,
/// the reason and the points reach the volunteer's phone by pull.
pub fn decide_report(
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    id: &str,
    d: &ReportDecision,
    at: i64,
) -> Result<Merged> {
    if !matches!(dev.role, Role::Supervisor | Role::Admin) {
        return Err(refuse("not_permitted", Msg::ReportDecisionNotPermitted));
    }
    let Some(r) = records::get(tx, RecordKind::Report, id)? else {
        return Err(refuse("not_found", Msg::ReportNotFound));
    };
    if !dev.covers(&r.grid_path) {
        return Err(out_of_scope());
    }
    let path = r.grid_path.clone();
    let mut rep: Report = r.doc()?;
    if rep.status != ReportStatus::Pending {
        return Err(refuse(
            "already_decided",
            Msg::ReportAlreadyDecided { status: rep.status },
        ));
    }
    let note = d.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if !d.accept && note.is_none() {
        return Err(refuse("reason_required", Msg::ReasonRequired));
    }
    if note.is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS) {
        return Err(refuse(
            "note_too_long",
            Msg::NoteTooLong {
                max: MAX_NOTE_CHARS,
            },
        ));
    }
    if d.accept && !(0..=MAX_REPORT_POINTS).contains(&d.points) {
        return Err(refuse(
            "invalid_points",
            Msg::InvalidPoints {
                max: MAX_REPORT_POINTS,
            },
        ));
    }
    if d.accept
        && let Some((category, severity)) = &d.hazard
    {
        let hz = Hazard {
            id: format!("hz-{}", uuid::Uuid::now_v7()),
            address_code: rep.address_code.clone(),
            category: category.clone(),
            severity: *severity,
            description: rep.text.clone(),
            status: HazardStatus::Reported,
            assignee: None,
            deadline: None,
            photos: rep.photos.clone(),
            source_inspection: None,
            source_item: None,
            source_report: Some(rep.id.clone()),
            reported_by: dev.user.clone(),
            created_at: at,
            updated_at: at,
            delivery: Delivery::Server,
            overdue: false,
        };
        create_hazard(tx, dev, &hz)?;
        rep.hazard_id = Some(hz.id);
    }
    rep.status = if d.accept {
        ReportStatus::Accepted
    } else {
        ReportStatus::Dismissed
    };
    rep.points = if d.accept { d.points } else { 0 };
    rep.decision_note = note.map(String::from);
    rep.delivery = Delivery::Reviewed;
    let addr = rep.address_code.clone();
    records::put(tx, RecordKind::Report, id, &path, Some(&addr), &json!(rep))?;
    Ok(Merged::default())
}
