//! Inspections (检查记录): submission scored again against the exact template
//! version, and a supervisor's review (approve, or return with a comment).

use gridfield_core::checklist::ChecklistTemplate;
use gridfield_core::model::{ReviewStatus, Role};
use gridfield_core::records::{Delivery, Inspection};
use serde_json::json;

use super::{DeviceCtx, Merged, Result, out_of_scope, refuse, reject, unknown_address};
use crate::db::Tx;
use crate::db::records::{self, Record, RecordKind};
use crate::messages::Msg;

pub(crate) fn submit_inspection(
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    i: &Inspection,
) -> Result<Merged> {
    if !dev.role.may_inspect() {
        return Err(refuse("not_permitted", Msg::InspectNotPermitted));
    }
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
    if let Some(prev) = records::get(tx, RecordKind::Inspection, &i.id)? {
        let prev: Inspection = prev.doc()?;
        if prev.review_status == ReviewStatus::Approved {
            return Err(refuse("already_approved", Msg::InspectionAlreadyApproved));
        }
    }
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
    if !matches!(dev.role, Role::Supervisor | Role::Admin) {
        return Err(refuse("not_permitted", Msg::ReviewNotPermitted));
    }
    let Some(r) = records::get(tx, RecordKind::Inspection, id)? else {
        return Err(refuse("not_found", Msg::InspectionNotFound));
    };
    if !dev.covers(&r.grid_path) {
        return Err(out_of_scope());
    }
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    if !approve && comment.is_none() {
        return Err(refuse("comment_required", Msg::CommentRequired));
    }
    review_apply(tx, id, r, &dev.user, approve, comment, at)
}

/// Shared by device commands and the console: record a review decision.
pub fn review_apply(
    tx: &mut dyn Tx,
    id: &str,
    r: Record,
    reviewer: &str,
    approve: bool,
    comment: Option<&str>,
    at: i64,
) -> Result<Merged> {
    let path = r.grid_path.clone();
    let mut i: Inspection = r.doc()?;
    if i.review_status != ReviewStatus::Submitted {
        return Err(refuse(
            "not_submitted",
            Msg::NotSubmitted {
                status: i.review_status,
            },
        ));
    }
    i.review_status = if approve {
        ReviewStatus::Approved
    } else {
        ReviewStatus::Returned
    };
    i.review_comment = comment.map(String::from);
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
