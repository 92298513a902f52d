//! Enterprise and venue inspections (企业和场所检查): each business is inspected
//! with a shipped checklist for its kind (三小场所, 民宿, 电动自行车充电场所,
//! 燃气, 安全生产), its answers built from the template itself and scored by it;
//! a failing item that raises a hazard starts one.

use gridfield_core::checklist::{
    Answers, ChecklistTemplate, FailRule, ItemKind, ItemPhotos, YesNoNa,
};
use gridfield_core::model::{EntityKind, GeoPoint, ReviewStatus};
use gridfield_core::record::RecordKind;
use gridfield_core::records::{Delivery, Inspection};
use gridfield_server::error::{ApiError, Result};
use serde_json::{Value, json};

use crate::activity::{hazard, reviewed};
use crate::rng::Rng;
use crate::sink::{GridInfo, Sink};

/// A business checklist with the answers an inspection ends with: all passing,
/// or one item failing (items that need a photo on failure are left passing:
/// the generated city has no photos).
pub(crate) struct Checklist {
    pub(crate) template: ChecklistTemplate,
    pass: Answers,
    fails: Vec<(Answers, String)>,
}

pub(crate) fn checklists(templates: &[ChecklistTemplate]) -> Result<Vec<Checklist>> {
    let mut out = Vec::new();
    for t in templates.iter().filter(|t| !t.business_kinds.is_empty()) {
        let mut pass = Answers::new();
        for item in t.items() {
            if let Some(v) = passing(&item.kind, item.fail.as_ref()) {
                pass.insert(item.id.clone(), v);
            }
        }
        t.evaluate(&pass, &ItemPhotos::new()).map_err(|e| {
            ApiError::internal(format!("generated answers do not fit {}: {e:?}", t.id))
        })?;
        let mut fails = Vec::new();
        for item in t.items().filter(|i| !i.photo_on_fail) {
            let Some(v) = item.fail.as_ref().and_then(|f| failing(&item.kind, f)) else {
                continue;
            };
            let mut a = pass.clone();
            a.insert(item.id.clone(), v);
            if t.evaluate(&a, &ItemPhotos::new()).is_ok() {
                fails.push((a, item.id.clone()));
            }
        }
        out.push(Checklist {
            template: t.clone(),
            pass,
            fails,
        });
    }
    Ok(out)
}

fn passing(kind: &ItemKind, fail: Option<&FailRule>) -> Option<Value> {
    Some(match kind {
        ItemKind::YesNoNa => match fail {
            Some(FailRule::Answer {
                equals: YesNoNa::Yes,
            }) => json!("no"),
            _ => json!("yes"),
        },
        ItemKind::Number { min, .. } => {
            let base = min.unwrap_or(0.0);
            match fail {
                Some(FailRule::Below { value }) => json!(value.ceil().max(base) as i64),
                _ => json!(base as i64),
            }
        }
        ItemKind::Text { .. } => json!("无"),
        ItemKind::SingleChoice { options } => {
            let bad: &[String] = match fail {
                Some(FailRule::AnyOf { options }) => options,
                _ => &[],
            };
            json!(options.iter().find(|o| !bad.contains(&o.id))?.id)
        }
        ItemKind::MultiChoice { .. } => json!([]),
        ItemKind::Photo { .. } | ItemKind::Signature => return None,
    })
}

fn failing(kind: &ItemKind, fail: &FailRule) -> Option<Value> {
    Some(match (fail, kind) {
        (FailRule::Answer { equals }, _) => json!(equals.as_str()),
        (FailRule::Below { value }, ItemKind::Number { min, .. }) => {
            json!(min.unwrap_or(0.0).max(value.ceil() - 1.0) as i64)
        }
        (FailRule::Above { value }, _) => json!(value.floor() as i64 + 1),
        (FailRule::AnyOf { options }, ItemKind::MultiChoice { .. }) => json!([options.first()?]),
        (FailRule::AnyOf { options }, _) => json!(options.first()?),
        _ => return None,
    })
}

/// The checklists that apply to a kind of business.
pub(crate) fn for_kind<'a>(all: &'a [Checklist], kind: &str) -> Vec<&'a Checklist> {
    all.iter()
        .filter(|c| c.template.business_kinds.iter().any(|k| k == kind))
        .collect()
}

/// One inspection of a business; `finds`: one item fails.
#[allow(clippy::too_many_arguments)]
pub(crate) fn inspect(
    sink: &mut Sink<'_>,
    r: &mut Rng,
    g: &GridInfo,
    c: &Checklist,
    business: &str,
    ai: usize,
    at: i64,
    day: i64,
    finds: bool,
) -> Result<()> {
    let t = &c.template;
    let (ans, failed) = if finds && !c.fails.is_empty() {
        let (a, item) = r.pick(&c.fails);
        (a, Some(item.as_str()))
    } else {
        (&c.pass, None)
    };
    let eval = t
        .evaluate(ans, &ItemPhotos::new())
        .map_err(|e| ApiError::internal(format!("{e:?}")))?;
    let (code, _, coords) = &g.addresses[ai];
    let id = r.uuid7(at);
    let finished = at + (10 + r.below(30) as i64) * 60_000;
    let mut i = Inspection {
        id: id.clone(),
        template_id: t.id.clone(),
        template_version: t.version,
        address_code: code.clone(),
        subject_kind: Some(EntityKind::Business),
        subject_id: Some(business.to_string()),
        inspector: g.worker.clone(),
        device_id: g.worker_device.clone(),
        started_at: at,
        finished_at: Some(finished),
        location: coords.map(|(lat, lon)| GeoPoint::at(lat, lon)),
        answers: ans.clone(),
        photos: ItemPhotos::new(),
        score: Some(eval.score),
        passed: Some(eval.passed),
        vetoed: Some(eval.vetoed),
        review_status: ReviewStatus::Submitted,
        review_comment: None,
        reviewed_by: None,
        reviewed_at: None,
        delivery: Delivery::Server,
    };
    let stored_at = reviewed(r, g, &mut i, finished, day);
    sink.put(
        RecordKind::Inspection,
        id.clone(),
        g,
        Some(code),
        &json!(i),
        stored_at,
    )?;
    if let Some(item_id) = failed
        && let Some(item) = t.item(item_id)
        && let Some(h) = &item.hazard
    {
        let description = format!("{}：不合格", item.label.zh);
        hazard(
            sink,
            r,
            g,
            code,
            &h.category,
            &description,
            Some((&id, item_id)),
            None,
            finished,
            day,
        )?;
    }
    Ok(())
}
