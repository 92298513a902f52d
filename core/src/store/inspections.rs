//! Inspections on the device: drafts, saved answers, submission (scored against
//! the template version, hazards raised for failing items) and a supervisor's
//! review, each one transaction with its outbox entry and audit row.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::addresses::address_in_scope;
use super::cases::{NewCase, check_new, create as create_case};
use super::entities::load_entity;
use super::hazards::insert_hazard;
use super::photos::check_photos_known;
use super::templates::load_template;
use super::validate::check_text;
use super::{Tx, new_id};
use crate::checklist::{self, Answers, ChecklistTemplate, Evaluation, ItemPhotos};
use crate::error::{Error, Result};
use crate::error::{Input, Invalid};
use crate::hazard::HazardStatus;
use crate::inspection::{self, ReviewDecision, review};
use crate::model::{EntityKind, GeoPoint, ReviewStatus, Role};
use crate::photo;
use crate::record::RecordKind;
use crate::records::{Delivery, Hazard, Inspection, Op};
use crate::taxonomy::Taxonomy;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewInspection {
    pub template_id: String,
    /// Defaults to the newest version on the device.
    pub template_version: Option<u32>,
    pub address_code: String,
    pub subject_kind: Option<EntityKind>,
    pub subject_id: Option<String>,
    pub location: Option<GeoPoint>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InspectionOutcome {
    pub inspection_id: String,
    pub evaluation: Evaluation,
    pub hazards_raised: Vec<String>,
    /// Cases (事件) opened by failing items that name a case type.
    #[serde(default)]
    pub cases_opened: Vec<String>,
}

/// Record a finished inspection in one transaction (a draft submitted at once).
pub(crate) fn record(
    t: &mut Tx<'_>,
    new: &NewInspection,
    answers: &Answers,
    photos: &ItemPhotos,
    started_at: Option<i64>,
    case_types: &Taxonomy,
) -> Result<InspectionOutcome> {
    let id = new_id();
    let tpl = load_template(&t.tx, &new.template_id, new.template_version)?;
    crate::inspection::check_start(&tpl).map_err(Error::refused)?;
    let started = started_at.unwrap_or(t.now);
    insert_draft(t, &id, new, &tpl, started)?;
    submit(t, &id, &tpl, answers, photos, new.location, case_types)
}

/// Start a draft inspection.
pub(crate) fn start(t: &mut Tx<'_>, new: &NewInspection) -> Result<String> {
    let id = new_id();
    let tpl = load_template(&t.tx, &new.template_id, new.template_version)?;
    crate::inspection::check_start(&tpl).map_err(Error::refused)?;
    insert_draft(t, &id, new, &tpl, t.now)?;
    t.audit("start", "inspection", &id, None)?;
    Ok(id)
}

/// Save partial answers of a draft (or a returned inspection being corrected).
pub(crate) fn save_answers(
    t: &mut Tx<'_>,
    id: &str,
    answers: &Answers,
    photos: &ItemPhotos,
) -> Result<()> {
    let insp = load_inspection(&t.tx, id)?;
    inspection::check_write(t.me.role, &t.me.user, Some(&insp)).map_err(Error::refused)?;
    let tpl = load_template(&t.tx, &insp.template_id, Some(insp.template_version))?;
    tpl.check_partial(answers, photos)?;
    check_photos_known(&t.tx, photos.values().flatten())?;
    t.tx.execute(
        "UPDATE inspections SET answers = ?2, photos = ?3, updated_at = ?4 WHERE id = ?1",
        params![
            id,
            serde_json::to_string(answers)?,
            serde_json::to_string(photos)?,
            t.now
        ],
    )?;
    t.audit("save_answers", "inspection", id, None)
}

/// Finish a draft or resubmit a returned inspection, with its saved answers.
pub(crate) fn submit_saved(
    t: &mut Tx<'_>,
    id: &str,
    location: Option<GeoPoint>,
    case_types: &Taxonomy,
) -> Result<InspectionOutcome> {
    let insp = load_inspection(&t.tx, id)?;
    inspection::check_write(t.me.role, &t.me.user, Some(&insp)).map_err(Error::refused)?;
    let tpl = load_template(&t.tx, &insp.template_id, Some(insp.template_version))?;
    submit(
        t,
        id,
        &tpl,
        &insp.answers,
        &insp.photos,
        location.or(insp.location),
        case_types,
    )
}

/// The review rule without the record (role and comment; the same rule as the
/// server's, `inspection::review::check`), before the write transaction opens,
/// plus the device's text checks on the comment.
pub(crate) fn check_review(role: Role, approve: bool, comment: Option<&str>) -> Result<()> {
    let decision = ReviewDecision::from_approve(approve);
    let ok =
        review::check(role, ReviewStatus::Submitted, decision, comment).map_err(Error::refused)?;
    if let Some(c) = ok.comment {
        check_text(Input::Comment, c)?;
    }
    Ok(())
}

/// Approve or return a submitted inspection (queued as a command), judged by the
/// core's review rule against the inspection's current state.
pub(crate) fn review(t: &mut Tx<'_>, id: &str, approve: bool, comment: Option<&str>) -> Result<()> {
    let insp = load_inspection(&t.tx, id)?;
    let decision = ReviewDecision::from_approve(approve);
    let ok =
        review::check(t.me.role, insp.review_status, decision, comment).map_err(Error::refused)?;
    let (status, comment) = (ok.status, ok.comment);
    t.tx.execute(
        "UPDATE inspections SET review_status = ?2, review_comment = ?3, reviewed_by = ?4, reviewed_at = ?5,
            updated_at = ?5 WHERE id = ?1",
        params![id, status.as_str(), comment, t.me.user, t.now],
    )?;
    let hlc = t.stamp();
    let op = Op::InspectionReview {
        approve,
        comment: comment.map(String::from),
        at: t.now,
    };
    t.outbox("inspection", id, &op, &hlc)?;
    t.audit(
        if approve { "approve" } else { "return" },
        "inspection",
        id,
        None,
    )
}

/// Inspections with `status`, or all of them; newest first.
pub(crate) fn list(c: &Connection, status: Option<ReviewStatus>) -> Result<Vec<Inspection>> {
    match status {
        Some(s) => query_inspections(c, "review_status = ?1 ORDER BY started_at DESC", s.as_str()),
        None => query_inspections(c, "?1 = ?1 ORDER BY started_at DESC", ""),
    }
}

fn insert_draft(
    t: &mut Tx<'_>,
    id: &str,
    new: &NewInspection,
    tpl: &ChecklistTemplate,
    started: i64,
) -> Result<()> {
    address_in_scope(t, &new.address_code)?;
    if let (Some(k), Some(sid)) = (new.subject_kind, &new.subject_id) {
        let e = load_entity(&t.tx, k, sid)?.ok_or_else(|| Error::not_found(k, sid))?;
        if e.address_code != new.address_code {
            return Err(Error::invalid(Input::Subject, Invalid::NotAtThisAddress));
        }
    }
    t.tx.execute(
        "INSERT INTO inspections (id, template_id, template_version, address_code, subject_kind, subject_id, inspector,
            device_id, started_at, lat, lon, answers, photos, review_status, updated_at, accuracy_m, fixed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, '{}', '{}', 'draft', ?12, ?13, ?14)",
        params![
            id,
            tpl.id,
            tpl.version,
            new.address_code,
            new.subject_kind.map(|k| k.as_str()),
            new.subject_id,
            t.me.user,
            t.me.device_id,
            started,
            new.location.map(|l| l.lat),
            new.location.map(|l| l.lon),
            t.now,
            new.location.and_then(|l| l.accuracy_m),
            new.location.and_then(|l| l.fixed_at)
        ],
    )?;
    Ok(())
}

fn submit(
    t: &mut Tx<'_>,
    id: &str,
    tpl: &ChecklistTemplate,
    answers: &Answers,
    photos: &ItemPhotos,
    location: Option<GeoPoint>,
    case_types: &Taxonomy,
) -> Result<InspectionOutcome> {
    let evaluation = tpl.evaluate(answers, photos)?;
    let mut referenced: Vec<String> = photos.values().flatten().cloned().collect();
    for v in answers.values() {
        match v {
            Value::String(s) if photo::is_valid_hash(s.as_str()) => referenced.push(s.clone()),
            Value::Array(a) => referenced.extend(
                a.iter()
                    .filter_map(|x| x.as_str())
                    .filter(|s| photo::is_valid_hash(s))
                    .map(String::from),
            ),
            _ => {}
        }
    }
    check_photos_known(&t.tx, referenced.iter())?;
    t.tx.execute(
        "UPDATE inspections SET answers = ?2, photos = ?3, score = ?4, passed = ?5, vetoed = ?6, finished_at = ?7,
            lat = ?8, lon = ?9, accuracy_m = ?10, fixed_at = ?11, review_status = 'submitted', review_comment = NULL,
            updated_at = ?7, delivery = 'local'
         WHERE id = ?1",
        params![
            id,
            serde_json::to_string(answers)?,
            serde_json::to_string(photos)?,
            evaluation.score,
            evaluation.passed,
            evaluation.vetoed,
            t.now,
            location.map(|l| l.lat),
            location.map(|l| l.lon),
            location.and_then(|l| l.accuracy_m),
            location.and_then(|l| l.fixed_at)
        ],
    )?;
    let inspection = load_inspection(&t.tx, id)?;
    let hlc = t.stamp();
    t.outbox(
        "inspection",
        id,
        &Op::InspectionSubmit {
            inspection: Box::new(inspection.clone()),
        },
        &hlc,
    )?;
    t.audit(
        "submit",
        "inspection",
        id,
        Some(&serde_json::json!({ "score": evaluation.score, "passed": evaluation.passed })),
    )?;
    let mut hazards_raised = Vec::new();
    for f in &evaluation.failed_items {
        let Some(spec) = &f.hazard else { continue };
        let h = Hazard {
            location: inspection.location,
            id: new_id(),
            address_code: inspection.address_code.clone(),
            category: spec.category.clone(),
            severity: spec.severity,
            description: format!(
                "{}（检查项：{}）",
                checklist::hazard_category_label(&spec.category, crate::i18n::Lang::Zh),
                f.label.zh
            ),
            status: HazardStatus::Reported,
            assignee: None,
            deadline: None,
            photos: f.photos.clone(),
            source_inspection: Some(id.to_string()),
            source_item: Some(f.item_id.clone()),
            source_report: None,
            reported_by: t.me.user.clone(),
            created_at: t.now,
            updated_at: t.now,
            delivery: Delivery::Local,
            overdue: false,
        };
        insert_hazard(t, &h)?;
        hazards_raised.push(h.id);
    }
    // A failing item that names a case type opens that case, through the same
    // rule and path as the device's own case create, in this transaction.
    let mut cases_opened = Vec::new();
    for f in &evaluation.failed_items {
        let Some(spec) = &f.case else { continue };
        let new = NewCase {
            case_type: spec.case_type.clone(),
            severity: spec.severity,
            address_code: Some(inspection.address_code.clone()),
            description: format!(
                "{}（检查项：{}）",
                case_types.category_label(&spec.case_type, crate::i18n::Lang::Zh),
                f.label.zh
            ),
            photos: f.photos.clone(),
            parties: Vec::new(),
            subject: None,
            amount_fen: None,
            handle_myself: false,
            location: inspection.location,
        };
        check_new(t.me.role, case_types, &new)?;
        cases_opened.push(create_case(t, case_types, &new)?);
    }
    Ok(InspectionOutcome {
        inspection_id: id.to_string(),
        evaluation,
        hazards_raised,
        cases_opened,
    })
}

const INSPECTION_COLS: &str = "id, template_id, template_version, address_code, subject_kind, subject_id, inspector, device_id,
    started_at, finished_at, lat, lon, answers, photos, score, passed, vetoed, review_status, review_comment,
    reviewed_by, reviewed_at, delivery, accuracy_m, fixed_at";

pub(crate) fn row_to_inspection(r: &rusqlite::Row<'_>) -> rusqlite::Result<Inspection> {
    let lat: Option<f64> = r.get(10)?;
    let lon: Option<f64> = r.get(11)?;
    let answers: String = r.get(12)?;
    let photos: String = r.get(13)?;
    let json_err = |e: serde_json::Error| {
        rusqlite::Error::FromSqlConversionFailure(12, rusqlite::types::Type::Text, Box::new(e))
    };
    Ok(Inspection {
        id: r.get(0)?,
        template_id: r.get(1)?,
        template_version: r.get(2)?,
        address_code: r.get(3)?,
        subject_kind: r
            .get::<_, Option<String>>(4)?
            .and_then(|s| EntityKind::parse(&s)),
        subject_id: r.get(5)?,
        inspector: r.get(6)?,
        device_id: r.get(7)?,
        started_at: r.get(8)?,
        finished_at: r.get(9)?,
        location: lat.zip(lon).map(|(lat, lon)| GeoPoint {
            lat,
            lon,
            accuracy_m: r.get(22).ok().flatten(),
            fixed_at: r.get(23).ok().flatten(),
        }),
        answers: serde_json::from_str(&answers).map_err(json_err)?,
        photos: serde_json::from_str(&photos).map_err(json_err)?,
        score: r.get(14)?,
        passed: r.get(15)?,
        vetoed: r.get(16)?,
        review_status: ReviewStatus::parse(&r.get::<_, String>(17)?).unwrap_or(ReviewStatus::Draft),
        review_comment: r.get(18)?,
        reviewed_by: r.get(19)?,
        reviewed_at: r.get(20)?,
        delivery: Delivery::parse(&r.get::<_, String>(21)?).unwrap_or(Delivery::Local),
    })
}

pub(crate) fn query_inspections(
    c: &Connection,
    where_: &str,
    arg: &str,
) -> Result<Vec<Inspection>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {INSPECTION_COLS} FROM inspections WHERE {where_}"
    ))?;
    let rows = st.query_map([arg], row_to_inspection)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(crate) fn load_inspection(c: &Connection, id: &str) -> Result<Inspection> {
    query_inspections(c, "id = ?1", id)?
        .pop()
        .ok_or_else(|| Error::not_found(RecordKind::Inspection, id))
}
