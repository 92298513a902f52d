//! Workflow records from the server (inspections, hazards with their events,
//! reports): the server's version replaces the local row whole; the caller has
//! already skipped records with a pending local operation.

use std::sync::LazyLock;

use rusqlite::params;

use crate::error::Result;
use crate::records::{Hazard, HazardEvent, Inspection, Report};
use crate::store::Tx;

/// The statement of each table, written once per process (a bootstrap runs it
/// for every record).
static INSPECTION_UPSERT: LazyLock<String> =
    LazyLock::new(|| upsert_sql("inspections", INSPECTION_COLS));
static HAZARD_UPSERT: LazyLock<String> = LazyLock::new(|| upsert_sql("hazards", HAZARD_COLS));
static EVENT_UPSERT: LazyLock<String> = LazyLock::new(|| upsert_sql("hazard_events", EVENT_COLS));
static REPORT_UPSERT: LazyLock<String> = LazyLock::new(|| upsert_sql("reports", REPORT_COLS));

/// `INSERT … ON CONFLICT(id) DO UPDATE SET` every column but the key.
fn upsert_sql(table: &str, cols: &[&str]) -> String {
    let names = cols.join(", ");
    let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    let sets: Vec<String> = cols
        .iter()
        .skip(1)
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO {table} ({names}) VALUES ({}) ON CONFLICT({}) DO UPDATE SET {}",
        marks.join(", "),
        cols[0],
        sets.join(", ")
    )
}

const INSPECTION_COLS: &[&str] = &[
    "id",
    "template_id",
    "template_version",
    "address_code",
    "subject_kind",
    "subject_id",
    "inspector",
    "device_id",
    "started_at",
    "finished_at",
    "lat",
    "lon",
    "answers",
    "photos",
    "score",
    "passed",
    "vetoed",
    "review_status",
    "review_comment",
    "reviewed_by",
    "reviewed_at",
    "updated_at",
    "delivery",
    "accuracy_m",
    "fixed_at",
];

pub(super) fn upsert_inspection(t: &Tx<'_>, i: &Inspection) -> Result<()> {
    t.tx.prepare_cached(&INSPECTION_UPSERT)?.execute(params![
        i.id,
        i.template_id,
        i.template_version,
        i.address_code,
        i.subject_kind.map(|k| k.as_str()),
        i.subject_id,
        i.inspector,
        i.device_id,
        i.started_at,
        i.finished_at,
        i.location.map(|l| l.lat),
        i.location.map(|l| l.lon),
        serde_json::to_string(&i.answers)?,
        serde_json::to_string(&i.photos)?,
        i.score,
        i.passed,
        i.vetoed,
        i.review_status.as_str(),
        i.review_comment,
        i.reviewed_by,
        i.reviewed_at,
        t.now,
        i.delivery.as_str(),
        i.location.and_then(|l| l.accuracy_m),
        i.location.and_then(|l| l.fixed_at),
    ])?;
    Ok(())
}

const HAZARD_COLS: &[&str] = &[
    "id",
    "address_code",
    "category",
    "severity",
    "description",
    "status",
    "assignee",
    "deadline",
    "photos",
    "source_inspection",
    "source_item",
    "source_report",
    "reported_by",
    "created_at",
    "updated_at",
    "delivery",
    "location",
];

const EVENT_COLS: &[&str] = &[
    "id",
    "hazard_id",
    "action",
    "from_status",
    "to_status",
    "actor",
    "device_id",
    "at",
    "note",
    "photos",
    "assignee",
    "deadline",
];

pub(super) fn upsert_hazard(t: &Tx<'_>, h: &Hazard, events: &[HazardEvent]) -> Result<()> {
    // The inspection that raised a hazard may not be on this device (volunteers
    // never receive inspections); keep the hazard, drop the dangling link.
    let source_inspection = match &h.source_inspection {
        Some(id)
            if t.tx
                .prepare_cached("SELECT 1 FROM inspections WHERE id = ?1")?
                .exists([id])? =>
        {
            Some(id.as_str())
        }
        _ => None,
    };
    t.tx.prepare_cached(&HAZARD_UPSERT)?.execute(params![
        h.id,
        h.address_code,
        h.category,
        h.severity.as_str(),
        h.description,
        h.status.as_str(),
        h.assignee,
        h.deadline,
        serde_json::to_string(&h.photos)?,
        source_inspection,
        h.source_item,
        h.source_report,
        h.reported_by,
        h.created_at,
        h.updated_at,
        h.delivery.as_str(),
        crate::store::hazards::location_json(h.location)?,
    ])?;
    t.tx.prepare_cached("DELETE FROM hazard_events WHERE hazard_id = ?1")?
        .execute([&h.id])?;
    let mut st = t.tx.prepare_cached(&EVENT_UPSERT)?;
    for e in events {
        st.execute(params![
            e.id,
            h.id,
            // The first event of a hazard is its report, stored as such (see store::hazards::insert_event).
            e.action.map(|a| a.as_str()).unwrap_or("report"),
            e.from_status.map(|s| s.as_str()),
            e.to_status.as_str(),
            e.actor,
            e.device_id,
            e.at,
            e.note,
            serde_json::to_string(&e.photos)?,
            e.assignee,
            e.deadline,
        ])?;
    }
    Ok(())
}

const REPORT_COLS: &[&str] = &[
    "id",
    "address_code",
    "address_text",
    "text",
    "photos",
    "reporter",
    "device_id",
    "status",
    "points",
    "decision_note",
    "hazard_id",
    "created_at",
    "updated_at",
    "delivery",
    "location",
    "category",
];

pub(super) fn upsert_report(t: &Tx<'_>, r: &Report) -> Result<()> {
    t.tx.prepare_cached(&REPORT_UPSERT)?.execute(params![
        r.id,
        r.address_code,
        r.address_text,
        r.text,
        serde_json::to_string(&r.photos)?,
        r.reporter,
        r.device_id,
        r.status.as_str(),
        r.points,
        r.decision_note,
        r.hazard_id,
        r.created_at,
        t.now,
        r.delivery.as_str(),
        crate::store::hazards::location_json(r.location)?,
        r.category,
    ])?;
    Ok(())
}
