//! Inspections (检查记录): submission scored again against the exact template
//! version, and a supervisor's review (approve, or return with a comment).

use gridfield_core::checklist::ChecklistTemplate;
use gridfield_core::inspection::{self, ReviewDecision, ReviewRefusal, Submission, review};
use gridfield_core::model::{ReviewStatus, Role};
use gridfield_core::record::RecordKind;
use gridfield_core::records::{Delivery, Inspection};
use serde_json::json;

use super::{DeviceCtx, Merged, Result, out_of_scope, refuse, refused, reject, unknown_address};
use crate::db::Tx;
use crate::db::records::{self, Record};
use crate::messages::Msg;

pub(crate) fn submit_inspection(
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    i: &Inspection,
) -> Result<Merged> {
    // The role first (nothing else is worth reading for a volunteer).
    inspection::check_write(dev.role, &dev.user, None).map_err(refused)?;
    gridfield_core::text::check_inspection(i).map_err(super::too_long)?;
    let Some(path) = records::address_path(tx, &i.address_code)? else {
        return Err(unknown_address());
    };
    if !dev.covers(&path) {
        return Err(out_of_scope());
    }
    let tpl = format!("{}@{}", i.template_id, i.template_version);
    let Some(t) = records::get(tx, RecordKind::Template, &tpl)? else {
        return Err(refuse("unknown_template", Msg::UnknownTemplate));
    };
    let template: ChecklistTemplate = t.doc()?;
    // Never trust the client's score: evaluate again against the same version.
    let eval = match template.evaluate(&i.answers, &i.photos) {
        Ok(e) => e,
        Err(e) => return Err(reject("answers_invalid", e.message_zh(), e.to_string())),
    };
    let (held, held_path): (Option<Inspection>, _) =
        match records::get(tx, RecordKind::Inspection, &i.id)? {
            Some(r) => {
                let p = r.grid_path.clone();
                (Some(r.doc()?), Some(p))
            }
            None => (None, None),
        };
    // A retired checklist starts nothing new; one started before it was retired
    // keeps its version.
    if held.is_none() && template.retired_at.is_some_and(|at| i.started_at >= at) {
        inspection::check_start(&template).map_err(refused)?;
    }
    match inspection::check_submit(dev.role, &dev.user, held.as_ref(), i).map_err(refused)? {
        // The same submission again (an answer lost on the way, a restored
        // server): taken, nothing rewritten.
        Submission::Replay => return Ok(Merged::default()),
        Submission::New | Submission::Resubmit => {}
    }
    // A resubmission stays in the grid it was filed in.
    let path = held_path.unwrap_or(path);
    let mut stored = i.clone();
    stored.inspector = dev.user.clone();
    stored.device_id = dev.device_id.clone();
    stored.score = Some(eval.score);
    stored.passed = Some(eval.passed);
    stored.vetoed = Some(eval.vetoed);
    stored.review_status = ReviewStatus::Submitted;
    stored.review_comment = None;
    stored.reviewed_by = None;
    stored.reviewed_at = None;
    stored.delivery = Delivery::Server;
    stored.location = i.location.filter(|l| l.is_valid());
    records::put(
        tx,
        RecordKind::Inspection,
        &i.id,
        &path,
        Some(&i.address_code),
        &json!(stored),
    )?;
    Ok(Merged::default())
}

pub fn review_inspection(
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    id: &str,
    approve: bool,
    comment: Option<&str>,
    at: i64,
) -> Result<Merged> {
    if !dev.role.supervises() {
        return Err(refused(ReviewRefusal::NotPermitted));
    }
    let Some(r) = records::get(tx, RecordKind::Inspection, id)? else {
        return Err(refuse("not_found", Msg::InspectionNotFound));
    };
    if !dev.covers(&r.grid_path) {
        return Err(out_of_scope());
    }
    review_apply(tx, id, r, dev.role, &dev.user, approve, comment, at)
}

/// Shared by device commands and the console: judge a review decision by the
/// core's rule (the same one the supervisor's phone applies) and record it.
#[allow(clippy::too_many_arguments)]
pub fn review_apply(
    tx: &mut dyn Tx,
    id: &str,
    r: Record,
    role: Role,
    reviewer: &str,
    approve: bool,
    comment: Option<&str>,
    at: i64,
) -> Result<Merged> {
    let path = r.grid_path.clone();
    let mut i: Inspection = r.doc()?;
    let decision = ReviewDecision::from_approve(approve);
    let reviewed = review::check(role, i.review_status, decision, comment).map_err(refused)?;
    i.review_status = reviewed.status;
    i.review_comment = reviewed.comment.map(String::from);
    i.reviewed_by = Some(reviewer.to_string());
    i.reviewed_at = Some(at);
    i.delivery = Delivery::Reviewed;
    let addr = i.address_code.clone();
    records::put(
        tx,
        RecordKind::Inspection,
        id,
        &path,
        Some(&addr),
        &json!(i),
    )?;
    Ok(Merged::default())
}
