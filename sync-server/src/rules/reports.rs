//! Volunteers' reports (上报): filed at any address that exists, decided by a
//! supervisor (accept with points, possibly as a hazard; or dismiss with a reason).

use gridfield_core::checklist::Severity;
use gridfield_core::hazard::HazardStatus;
use gridfield_core::model::{Address, ReportStatus};
use gridfield_core::record;
use gridfield_core::record::RecordKind;
use gridfield_core::records::{Delivery, Hazard, Report};
use gridfield_core::report::{DecisionRefusal, decision};
use serde_json::json;

use super::hazards::create_hazard;
use super::{DeviceCtx, Merged, Result, out_of_scope, refuse, refused, unknown_address};
use crate::db::Tx;
use crate::db::records;
use crate::messages::Msg;

pub(crate) fn create_report(tx: &mut dyn Tx, dev: &DeviceCtx, r: &Report) -> Result<Merged> {
    gridfield_core::text::check_report(r).map_err(super::too_long)?;
    // A volunteer may report at any address that exists: plates outside one's own
    // grid are scanned too. The report belongs to the address's grid.
    let categories = super::taxonomy::case(tx)?;
    gridfield_core::report::check_category(&categories, r.category.as_deref()).map_err(refused)?;
    let Some(path) = records::address_path(tx, &r.address_code)? else {
        return Err(unknown_address());
    };
    if let Some(prev) = records::get(tx, RecordKind::Report, &r.id)? {
        let prev: Report = prev.doc()?;
        record::check_recreate(&prev.reporter, &dev.user).map_err(refused)?;
        return Ok(Merged::default());
    }
    let mut rep = r.clone();
    // The address text is the register's, never the phone's word.
    rep.address_text = records::get(tx, RecordKind::Address, &r.address_code)?
        .map(|a| a.doc::<Address>())
        .transpose()?
        .map(|a| a.full_text)
        .unwrap_or_default();
    rep.reporter = dev.user.clone();
    rep.device_id = dev.device_id.clone();
    rep.status = ReportStatus::Pending;
    rep.points = 0;
    rep.decision_note = None;
    rep.hazard_id = None;
    rep.delivery = Delivery::Server;
    // Only the public page files residents' reports.
    rep.source = gridfield_core::report::ReportSource::Volunteer;
    rep.contact_phone = None;
    // A device's location is a claim: one off the globe is dropped, not stored.
    rep.location = r.location.filter(|l| l.is_valid());
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
    /// How the points rules price it when accepted (the ledger gets the award).
    pub pricing: super::points::Pricing,
    /// Accepting may turn the report into a hazard of this category and severity.
    pub hazard: Option<(String, Severity)>,
}

pub const MAX_REPORT_POINTS: i64 = decision::MAX_POINTS;

/// Accept or dismiss a pending report. The report record changes, so the decision,
/// the reason and the points reach the volunteer's phone by pull.
pub fn decide_report(
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    id: &str,
    d: &ReportDecision,
    at: i64,
) -> Result<Merged> {
    if !dev.role.supervises() {
        return Err(refused(DecisionRefusal::NotPermitted));
    }
    let Some(r) = records::get(tx, RecordKind::Report, id)? else {
        return Err(refuse("not_found", Msg::ReportNotFound));
    };
    if !dev.covers(&r.grid_path) {
        return Err(out_of_scope());
    }
    let path = r.grid_path.clone();
    let mut rep: Report = r.doc()?;
    let decided =
        decision::check(dev.role, rep.status, d.accept, d.note.as_deref(), 0).map_err(refused)?;
    if d.accept
        && let Some((category, severity)) = &d.hazard
    {
        let hz = Hazard {
            // The hazard stands where the report was made.
            location: rep.location,
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
    rep.status = decided.status;
    rep.points = 0;
    // Residents have no ledger; a volunteer's accepted report is awarded by the rules.
    if d.accept && rep.source == gridfield_core::report::ReportSource::Volunteer {
        let e = super::points::award_report(tx, dev, &rep, &d.pricing, at)?;
        if e.state == gridfield_core::points::EntryState::Counted {
            rep.points = e.points;
        }
    }
    rep.decision_note = decided.note.map(String::from);
    rep.delivery = Delivery::Reviewed;
    let addr = rep.address_code.clone();
    records::put(tx, RecordKind::Report, id, &path, Some(&addr), &json!(rep))?;
    Ok(Merged::default())
}

/// A supervisor re-categorises a report (any status): the category must be an
/// active case-taxonomy entry; the report reaches the volunteer's phone by pull.
/// Returns the category it had.
pub fn recategorise(
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    id: &str,
    category: &str,
) -> Result<Option<String>> {
    if !dev.role.supervises() {
        return Err(refused(DecisionRefusal::NotPermitted));
    }
    let Some(r) = records::get(tx, RecordKind::Report, id)? else {
        return Err(refuse("not_found", Msg::ReportNotFound));
    };
    if !dev.covers(&r.grid_path) {
        return Err(out_of_scope());
    }
    let categories = super::taxonomy::case(tx)?;
    let category = category.trim();
    gridfield_core::report::check_category(&categories, Some(category)).map_err(refused)?;
    let path = r.grid_path.clone();
    let mut rep: Report = r.doc()?;
    let before = rep.category.replace(category.to_string());
    let addr = rep.address_code.clone();
    records::put(tx, RecordKind::Report, id, &path, Some(&addr), &json!(rep))?;
    Ok(before)
}

/// The other reports at `address_code` (for the inbox's duplicate flag).
pub fn at_address(tx: &mut dyn Tx, address_code: &str) -> Result<Vec<Report>> {
    tx.query(
        "SELECT body FROM records WHERE kind = 'report' AND address_code = $1",
        &[address_code.into()],
    )?
    .iter()
    .map(|row| {
        serde_json::from_str(&crate::db::RowExt::text(row, 0)?).map_err(super::Error::internal)
    })
    .collect()
}
