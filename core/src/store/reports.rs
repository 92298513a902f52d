//! Volunteer reports (随手拍): filed from the device, possibly about an address
//! outside its scope (a scanned plate), decided by the server; accepted reports
//! earn the reporter points.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use super::addresses::load_address;
use super::photos::check_photos_known;
use super::validate::required_text;
use super::{Tx, new_id};
use crate::error::Input;
use crate::error::{Error, Result};
use crate::model::ReportStatus;
use crate::record::RecordKind;
use crate::records::{Delivery, Op, Report};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewReport {
    pub address_code: String,
    /// Needed when the address is not on this device (a scanned plate outside scope).
    pub address_text: Option<String>,
    pub text: String,
    pub photos: Vec<String>,
    /// A case-taxonomy category code (the phone offers the active ones).
    #[serde(default)]
    pub category: Option<String>,
    /// The phone's fix when the report was filed, if it had one.
    #[serde(default)]
    pub location: Option<crate::model::GeoPoint>,
}

/// The text and address a report needs: checked before the write opens.
pub(crate) fn check_new(new: &NewReport) -> Result<()> {
    required_text(Input::ReportText, &new.text)?;
    required_text(Input::Address, &new.address_code)?;
    super::validate::check_location(new.location)
}

/// File a report, queued for the server to decide.
pub(crate) fn file(t: &mut Tx<'_>, new: &NewReport) -> Result<String> {
    let address_text = match (load_address(&t.tx, &new.address_code)?, &new.address_text) {
        (Some(a), _) => a.full_text,
        (None, Some(txt)) if !txt.trim().is_empty() => txt.clone(),
        (None, _) => return Err(Error::not_found(RecordKind::Address, &new.address_code)),
    };
    check_photos_known(&t.tx, new.photos.iter())?;
    let r = Report {
        id: new_id(),
        address_code: new.address_code.clone(),
        address_text,
        text: new.text.clone(),
        photos: new.photos.clone(),
        reporter: t.me.user.clone(),
        device_id: t.me.device_id.clone(),
        status: ReportStatus::Pending,
        points: 0,
        decision_note: None,
        hazard_id: None,
        created_at: t.now,
        delivery: Delivery::Local,
        source: Default::default(),
        contact_phone: None,
        category: new.category.clone(),
        location: new.location,
    };
    t.tx.execute(
        "INSERT INTO reports (id, address_code, address_text, text, photos, reporter, device_id, status, points, created_at, updated_at, location, category)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', 0, ?8, ?8, ?9, ?10)",
        params![r.id, r.address_code, r.address_text, r.text, serde_json::to_string(&r.photos)?, r.reporter, r.device_id, t.now,
            super::hazards::location_json(r.location)?, r.category],
    )?;
    let hlc = t.stamp();
    t.outbox(
        "report",
        &r.id,
        &Op::ReportCreate {
            report: Box::new(r.clone()),
        },
        &hlc,
    )?;
    t.audit("create", "report", &r.id, None)?;
    Ok(r.id)
}

/// Every report on this device, newest first.
pub(crate) fn list(c: &Connection) -> Result<Vec<Report>> {
    query_reports(c, "?1 = ?1 ORDER BY created_at DESC", "")
}

/// 积分: points credited for `user`'s accepted reports.
pub(crate) fn points(c: &Connection, user: &str) -> Result<i64> {
    Ok(c.query_row(
        "SELECT COALESCE(SUM(points), 0) FROM reports WHERE reporter = ?1 AND status = 'accepted'",
        [user],
        |r| r.get(0),
    )?)
}

pub(crate) fn query_reports(c: &Connection, where_: &str, arg: &str) -> Result<Vec<Report>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT id, address_code, address_text, text, photos, reporter, device_id, status, points, decision_note,
            hazard_id, created_at, delivery, location, category FROM reports WHERE {where_}"
    ))?;
    let rows = st.query_map([arg], |r| {
        let photos: String = r.get(4)?;
        Ok(Report {
            id: r.get(0)?,
            address_code: r.get(1)?,
            address_text: r.get(2)?,
            text: r.get(3)?,
            photos: serde_json::from_str(&photos).unwrap_or_default(),
            reporter: r.get(5)?,
            device_id: r.get(6)?,
            status: ReportStatus::parse(&r.get::<_, String>(7)?).unwrap_or(ReportStatus::Pending),
            points: r.get(8)?,
            decision_note: r.get(9)?,
            hazard_id: r.get(10)?,
            created_at: r.get(11)?,
            delivery: Delivery::parse(&r.get::<_, String>(12)?).unwrap_or(Delivery::Local),
            source: Default::default(),
            contact_phone: None,
            category: r.get(14)?,
            location: super::hazards::location_from(r.get(13)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
