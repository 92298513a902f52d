//! Inspections (检查记录): submission scored again against the exact template
//! version, and a supervisor's review (approve, or return with a comment).

use gridfield_core::checklist::ChecklistTemplate;
use gridfield_core::i18n::Lang;
use gridfield_core::model::{ReviewStatus, Role};
use gridfield_core::records::{Delivery, Inspection};
use serde_json::json;

use super::{DeviceCtx, Merged, Result, out_of_scope, reject, unknown_address};
use crate::db::Tx;
use crate::db::records::{self, Record, RecordKind};

pub(crate) fn submit_inspection(
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    i: &Inspection,
) -> Result<Merged> {
    if !dev.role.may_inspect() {
        return Err(reject(
            "not_permitted",
            "无权提交检查记录",
            "this role may not submit inspections",
        ));
    }
    let Some(path) = records::address_path(tx, &i.address_code)? else {
        return Err(unknown_address());
    };
    if !dev.covers(&path) {
        return Err(out_of_scope());
    }
    let tpl = format!("{}@{}", i.template_id, i.template_version);
    let Some(t) = records::get(tx, RecordKind::Template, &tpl)? else {
        return Err(reject(
            "unknown_template",
            "服务器上没有该检查表版本",
            "unknown checklist template version",
        ));
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
            return Err(reject(
                "already_approved",
                "该检查记录已审核通过，不能再修改",
                "inspection already approved",
            ));
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
        return Err(reject(
            "not_permitted",
            "只有网格长可以审核检查记录",
            "only supervisors review inspections",
        ));
    }
    let Some(r) = records::get(tx, RecordKind::Inspection, id)? else {
        return Err(reject(
            "not_found",
            "服务器上没有该检查记录",
            "inspection not found",
        ));
    };
    if !dev.covers(&r.grid_path) {
        return Err(out_of_scope());
    }
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    if !approve && comment.is_none() {
        return Err(reject(
            "comment_required",
            "退回时必须填写意见",
            "a comment is required to return an inspection",
        ));
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
        return Err(reject(
            "not_submitted",
            format!(
                "该检查记录当前为「{}」，不能审核",
                i.review_status.label(Lang::Zh)
            ),
            format!("inspection is {}, not submitted", i.review_status.as_str()),
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
