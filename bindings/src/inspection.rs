//! Inspections (检查记录): drafts, submission, outcome and review, as the shells
//! see them, with the store's inspection calls.

use std::collections::BTreeMap;

use gridfield_core::checklist::{self as cl};
use gridfield_core::records::{self as rec};
use gridfield_core::store as st;
use serde_json::Value;

use crate::error::Result;
use crate::*;

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewInspection {
    pub template_id: String,
    /// `None`: the newest version on the device.
    pub template_version: Option<u32>,
    pub address_code: String,
    pub subject_kind: Option<EntityKind>,
    pub subject_id: Option<String>,
    pub location: Option<GeoPoint>,
}

impl From<NewInspection> for st::NewInspection {
    fn from(n: NewInspection) -> Self {
        st::NewInspection {
            template_id: n.template_id,
            template_version: n.template_version,
            address_code: n.address_code,
            subject_kind: n.subject_kind.map(Into::into),
            subject_id: n.subject_id,
            location: n.location.map(Into::into),
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FailedItem {
    pub item_id: String,
    pub label: LocalizedText,
    pub deduction: u32,
    pub veto: bool,
    pub hazard: Option<HazardSpec>,
    pub photos: Vec<String>,
}

/// The result of submitting a checklist: score, verdict, and the hazards it raised.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct InspectionOutcome {
    pub inspection_id: String,
    pub score: u32,
    pub passed: bool,
    pub vetoed: bool,
    pub failed_items: Vec<FailedItem>,
    pub hazards_raised: Vec<String>,
}

impl From<st::InspectionOutcome> for InspectionOutcome {
    fn from(o: st::InspectionOutcome) -> Self {
        InspectionOutcome {
            inspection_id: o.inspection_id,
            score: o.evaluation.score,
            passed: o.evaluation.passed,
            vetoed: o.evaluation.vetoed,
            failed_items: failed_items(o.evaluation.failed_items),
            hazards_raised: o.hazards_raised,
        }
    }
}

/// A 检查记录 in a list: what the worker needs to find it again.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct InspectionSummary {
    pub id: String,
    pub template_id: String,
    pub template_version: u32,
    pub address_code: String,
    pub inspector: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub score: Option<u32>,
    pub passed: Option<bool>,
    pub review_status: ReviewStatus,
    /// The supervisor's comment when returned (退回意见).
    pub review_comment: Option<String>,
    pub reviewed_by: Option<String>,
    pub delivery: Delivery,
}

impl From<rec::Inspection> for InspectionSummary {
    fn from(i: rec::Inspection) -> Self {
        InspectionSummary {
            id: i.id,
            template_id: i.template_id,
            template_version: i.template_version,
            address_code: i.address_code,
            inspector: i.inspector,
            started_at: i.started_at,
            finished_at: i.finished_at,
            score: i.score,
            passed: i.passed,
            review_status: i.review_status.into(),
            review_comment: i.review_comment,
            reviewed_by: i.reviewed_by,
            delivery: i.delivery.into(),
        }
    }
}

/// One problem with one answer, for the checklist runner to show next to the item.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AnswerProblem {
    pub item_id: String,
    /// `missing_required`, `photo_required_on_fail`, `out_of_range`…
    pub code: String,
    pub reason: String,
    pub reason_en: String,
}

/// The runner's live view of a checklist being filled in: what is still missing or
/// wrong and, once complete, the score and the items that fail.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ChecklistCheck {
    pub complete: bool,
    pub problems: Vec<AnswerProblem>,
    /// Present when complete.
    pub outcome: Option<Evaluation>,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Evaluation {
    pub score: u32,
    pub passed: bool,
    pub vetoed: bool,
    pub failed_items: Vec<FailedItem>,
}

fn failed_items(items: Vec<cl::FailedItem>) -> Vec<FailedItem> {
    items
        .into_iter()
        .map(|f| FailedItem {
            item_id: f.item_id,
            label: f.label.into(),
            deduction: f.deduction,
            veto: f.veto,
            hazard: f.hazard.map(Into::into),
            photos: f.photos,
        })
        .collect()
}

impl From<Result<cl::Evaluation, cl::ValidationErrors>> for ChecklistCheck {
    fn from(r: Result<cl::Evaluation, cl::ValidationErrors>) -> Self {
        match r {
            Ok(e) => ChecklistCheck {
                complete: true,
                problems: Vec::new(),
                outcome: Some(Evaluation {
                    score: e.score,
                    passed: e.passed,
                    vetoed: e.vetoed,
                    failed_items: failed_items(e.failed_items),
                }),
            },
            Err(errs) => ChecklistCheck {
                complete: false,
                problems: errs
                    .0
                    .into_iter()
                    .map(|e| AnswerProblem {
                        code: serde_json::to_value(&e.kind)
                            .ok()
                            .and_then(|v| match v {
                                Value::String(s) => Some(s),
                                Value::Object(o) => o.keys().next().cloned(),
                                _ => None,
                            })
                            .unwrap_or_default(),
                        reason: e.kind.message_zh(),
                        reason_en: e.kind.to_string(),
                        item_id: e.item_id,
                    })
                    .collect(),
                outcome: None,
            },
        }
    }
}

/// A whole 检查记录 with its typed answers.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Inspection {
    pub summary: InspectionSummary,
    pub subject_kind: Option<EntityKind>,
    pub subject_id: Option<String>,
    pub device_id: String,
    pub location: Option<GeoPoint>,
    pub answers: Vec<ItemAnswer>,
    pub photos: Vec<ItemPhotos>,
    pub vetoed: Option<bool>,
    pub reviewed_at: Option<i64>,
}

impl Inspection {
    pub(crate) fn new(i: rec::Inspection, tpl: &cl::ChecklistTemplate) -> Self {
        let answers = tpl
            .items()
            .filter_map(|item| {
                let v = i.answers.get(&item.id)?;
                Some(ItemAnswer {
                    item_id: item.id.clone(),
                    answer: Answer::from_json(&item.kind, v)?,
                })
            })
            .collect();
        let photos: BTreeMap<_, _> = i.photos.clone();
        Inspection {
            subject_kind: i.subject_kind.map(Into::into),
            subject_id: i.subject_id.clone(),
            device_id: i.device_id.clone(),
            location: i.location.map(Into::into),
            answers,
            photos: photos
                .into_iter()
                .map(|(item_id, hashes)| ItemPhotos { item_id, hashes })
                .collect(),
            vetoed: i.vetoed,
            reviewed_at: i.reviewed_at,
            summary: i.into(),
        }
    }
}

#[uniffi::export]
impl GridfieldStore {
    /// Start a draft; answers are saved as the worker goes (`save_answers`).
    pub fn start_inspection(&self, new: NewInspection) -> Result<String> {
        Ok(self.inner.start_inspection(&new.into())?)
    }

    /// Save the answers given so far (partial answers are fine in a draft).
    pub fn save_answers(
        &self,
        inspection_id: String,
        answers: Vec<ItemAnswer>,
        photos: Vec<ItemPhotos>,
    ) -> Result<()> {
        Ok(self.inner.save_answers(
            &inspection_id,
            &answers_json(&answers),
            &photos_json(photos),
        )?)
    }

    /// Finish (or resubmit after a return): validated, scored, hazards raised, queued.
    pub fn submit_inspection(
        &self,
        inspection_id: String,
        location: Option<GeoPoint>,
    ) -> Result<InspectionOutcome> {
        Ok(self
            .inner
            .submit_inspection(&inspection_id, location.map(Into::into))?
            .into())
    }

    /// Record a whole checklist in one step (answers already complete).
    pub fn record_inspection(
        &self,
        new: NewInspection,
        answers: Vec<ItemAnswer>,
        photos: Vec<ItemPhotos>,
    ) -> Result<InspectionOutcome> {
        Ok(self
            .inner
            .record_inspection(
                &new.into(),
                &answers_json(&answers),
                &photos_json(photos),
                None,
            )?
            .into())
    }

    pub fn inspection(&self, id: String) -> Result<Inspection> {
        let i = self.inner.inspection(&id)?;
        let tpl = self
            .inner
            .template(&i.template_id, Some(i.template_version))?;
        Ok(Inspection::new(i, &tpl))
    }

    pub fn inspections(&self, status: Option<ReviewStatus>) -> Result<Vec<InspectionSummary>> {
        Ok(self
            .inner
            .inspections(status.map(Into::into))?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// A supervisor approves, or returns with a comment that reaches the worker.
    pub fn review_inspection(
        &self,
        inspection_id: String,
        approve: bool,
        comment: Option<String>,
    ) -> Result<()> {
        Ok(self
            .inner
            .review_inspection(&inspection_id, approve, comment.as_deref())?)
    }
}
