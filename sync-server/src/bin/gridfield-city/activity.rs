//! A year of field activity: household visits scored against the real template,
//! hazards from failed visits running their lifecycle, volunteers' reports.

use gridfield_core::checklist::{Answers, ChecklistTemplate, ItemPhotos, Severity};
use gridfield_core::hazard::{HazardAction, HazardStatus};
use gridfield_core::model::{EntityKind, GeoPoint, ReportStatus, ReviewStatus};
use gridfield_core::record::RecordKind;
use gridfield_core::records::{Delivery, Hazard, HazardEvent, Inspection, Report};
use gridfield_server::db::records::{self, HazardDoc};
use gridfield_server::error::{ApiError, Result};
use serde_json::json;

use crate::figures::*;
use crate::rng::Rng;
use crate::sink::{GridInfo, Sink};

/// Answer sets a household visit ends with, each checked against the template:
/// (answers, the item that failed or None).
pub(crate) fn visit_answers(t: &ChecklistTemplate) -> Result<Vec<(Answers, Option<&'static str>)>> {
    let base = |present: &str, change: &str, needs: &str| -> Answers {
        let mut a = Answers::new();
        a.insert("residents_present".into(), json!(present));
        a.insert("resident_count".into(), json!(3));
        a.insert("population_change".into(), json!(change));
        a.insert("special_groups".into(), json!([]));
        a.insert("gas_unsafe".into(), json!("no"));
        a.insert("wiring_unsafe".into(), json!("no"));
        a.insert("ebike_indoor".into(), json!("no"));
        a.insert("dispute".into(), json!("no"));
        if !needs.is_empty() {
            a.insert("needs".into(), json!(needs));
        }
        a
    };
    let mut out = Vec::new();
    for (i, needs) in NEEDS.iter().enumerate() {
        let mut a = base(
            if i % 5 == 4 { "no" } else { "yes" },
            ["none", "none", "none", "moved_in", "birth"][i % 5],
            needs,
        );
        if i == 2 {
            a.insert("special_groups".into(), json!(["elderly_alone"]));
        }
        if i % 5 == 3 {
            a.insert("change_detail".into(), json!("新迁入租户一人，已登记"));
        }
        out.push((a, None));
    }
    for item in ["gas_unsafe", "wiring_unsafe", "dispute"] {
        let mut a = base("yes", "none", "");
        a.insert(item.into(), json!("yes"));
        if item == "dispute" {
            a.insert(
                "dispute_detail".into(),
                json!("邻里因噪音问题发生口角，已初步调解"),
            );
        }
        out.push((a, Some(item)));
    }
    for (a, _) in &out {
        t.evaluate(a, &ItemPhotos::new()).map_err(|e| {
            ApiError::internal(format!("generated answers do not fit the template: {e:?}"))
        })?;
    }
    Ok(out)
}

/// One household visit; a failing one raises a hazard that runs its lifecycle.
#[allow(clippy::too_many_arguments)]
pub(crate) fn visit(
    sink: &mut Sink<'_>,
    r: &mut Rng,
    g: &GridInfo,
    answers: &[(Answers, Option<&'static str>)],
    t: &ChecklistTemplate,
    hid: &str,
    ai: usize,
    at: i64,
    day: i64,
    finds: bool,
) -> Result<()> {
    let fails: Vec<usize> = (0..answers.len())
        .filter(|&i| answers[i].1.is_some())
        .collect();
    let passes: Vec<usize> = (0..answers.len())
        .filter(|&i| answers[i].1.is_none())
        .collect();
    let pick = if finds {
        *r.pick(&fails)
    } else {
        *r.pick(&passes)
    };
    let (ans, failed) = &answers[pick];
    let eval = t
        .evaluate(ans, &ItemPhotos::new())
        .map_err(|e| ApiError::internal(format!("{e:?}")))?;
    let (code, _, coords) = &g.addresses[ai];
    let id = r.uuid7(at);
    let finished = at + (5 + r.below(15) as i64) * 60_000;
    let mut i = Inspection {
        id: id.clone(),
        template_id: t.id.clone(),
        template_version: t.version,
        address_code: code.clone(),
        subject_kind: Some(EntityKind::Household),
        subject_id: Some(hid.to_string()),
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
    if let Some(item) = failed {
        let (category, description) = match *item {
            "gas_unsafe" => ("gas.safety", "燃气软管老化，未安装燃气报警器"),
            "wiring_unsafe" => ("electrical.wiring", "私拉乱接电线，插座超负荷"),
            _ => ("social.dispute", "邻里纠纷，需社区调解"),
        };
        hazard(
            sink,
            r,
            g,
            code,
            category,
            description,
            Some((&id, item)),
            None,
            finished,
            day,
        )?;
    }
    Ok(())
}

/// Older inspections were reviewed; the last fortnight's wait in the queue.
/// Returns when the record was last written.
pub(crate) fn reviewed(
    r: &mut Rng,
    g: &GridInfo,
    i: &mut Inspection,
    finished: i64,
    day: i64,
) -> i64 {
    let (status, comment) = if day > 350 && r.chance(70) {
        (ReviewStatus::Submitted, None)
    } else if r.chance(3) {
        (
            ReviewStatus::Returned,
            Some(r.pick(RETURN_COMMENTS).to_string()),
        )
    } else {
        (ReviewStatus::Approved, None)
    };
    let reviewed = status != ReviewStatus::Submitted;
    let reviewed_at = finished + (2 + r.below(48) as i64) * 3_600_000;
    i.review_status = status;
    i.review_comment = comment;
    i.reviewed_by = reviewed.then(|| g.supervisor.clone());
    i.reviewed_at = reviewed.then_some(reviewed_at);
    i.delivery = if reviewed {
        Delivery::Reviewed
    } else {
        Delivery::Server
    };
    if reviewed { reviewed_at } else { finished }
}

/// A hazard and its steps so far: most are closed within weeks, recent ones are
/// still open, and some open ones are past their deadline.
#[allow(clippy::too_many_arguments)]
pub(crate) fn hazard(
    sink: &mut Sink<'_>,
    r: &mut Rng,
    g: &GridInfo,
    address: &str,
    category: &str,
    description: &str,
    inspection: Option<(&str, &str)>,
    report: Option<&str>,
    at: i64,
    day: i64,
) -> Result<String> {
    let id = r.uuid7(at);
    let age = 365 - day;
    // How far along its life the hazard is by the end of the year.
    let steps = if age > 60 {
        if r.chance(92) {
            6
        } else {
            2 + r.below(4) as usize
        }
    } else if age > 14 {
        2 + r.below(5) as usize
    } else {
        r.below(4) as usize
    };
    let path: [(HazardAction, HazardStatus); 6] = [
        (HazardAction::Assign, HazardStatus::Assigned),
        (HazardAction::StartRectification, HazardStatus::Rectifying),
        (HazardAction::MarkRectified, HazardStatus::Rectified),
        (HazardAction::Verify, HazardStatus::Verified),
        (HazardAction::Close, HazardStatus::Closed),
        (HazardAction::Close, HazardStatus::Closed),
    ];
    let mut events = vec![HazardEvent {
        id: format!("{id}-reported"),
        hazard_id: id.clone(),
        action: None,
        from_status: None,
        to_status: HazardStatus::Reported,
        actor: g.worker.clone(),
        device_id: g.worker_device.clone(),
        at,
        note: None,
        photos: Vec::new(),
        assignee: None,
        deadline: None,
    }];
    let mut status = HazardStatus::Reported;
    let mut t = at;
    let deadline = at + (7 + r.below(24) as i64) * DAY_MS;
    let assignee = format!("{}（责任人）", r.name());
    for (action, to) in path.iter().take(steps.min(5)) {
        t += (1 + r.below(5 * 24) as i64) * 3_600_000;
        let supervisor_step = matches!(action, HazardAction::Verify | HazardAction::Close);
        events.push(HazardEvent {
            id: r.uuid7(t),
            hazard_id: id.clone(),
            action: Some(*action),
            from_status: Some(status),
            to_status: *to,
            actor: if supervisor_step {
                g.supervisor.clone()
            } else {
                g.worker.clone()
            },
            device_id: g.worker_device.clone(),
            at: t,
            note: match action {
                HazardAction::Assign => Some("请于期限内完成整改".into()),
                HazardAction::MarkRectified => Some("已整改完毕".into()),
                HazardAction::Verify => Some("现场复核通过".into()),
                _ => None,
            },
            photos: Vec::new(),
            assignee: (*action == HazardAction::Assign).then(|| assignee.clone()),
            deadline: (*action == HazardAction::Assign).then_some(deadline),
        });
        status = *to;
    }
    let assigned = events.len() > 1;
    let h = Hazard {
        location: None,
        id: id.clone(),
        address_code: address.to_string(),
        category: category.to_string(),
        severity: if category.starts_with("fire") {
            Severity::High
        } else {
            Severity::Medium
        },
        description: description.to_string(),
        status,
        assignee: assigned.then(|| assignee.clone()),
        deadline: assigned.then_some(deadline),
        photos: Vec::new(),
        source_inspection: inspection.map(|(i, _)| i.to_string()),
        source_item: inspection.map(|(_, item)| item.to_string()),
        source_report: report.map(String::from),
        reported_by: g.worker.clone(),
        created_at: at,
        updated_at: t,
        delivery: Delivery::Server,
        overdue: false,
    };
    sink.put(
        RecordKind::Hazard,
        id.clone(),
        g,
        Some(address),
        &records::to_body(&HazardDoc { hazard: h, events })?,
        t,
    )?;
    Ok(id)
}

/// A volunteer's report (上报): accepted ones credit points, some become hazards.
pub(crate) fn volunteer_report(
    sink: &mut Sink<'_>,
    r: &mut Rng,
    g: &GridInfo,
    at: i64,
    day: i64,
) -> Result<()> {
    let (code, text, _) = &g.addresses[r.below(g.addresses.len() as u64) as usize];
    let id = r.uuid7(at);
    let volunteer = format!("{}（楼长）", r.name());
    let roll = r.below(10);
    let (status, points, note, hazard_id) = if day > 355 {
        (ReportStatus::Pending, 0, None, None)
    } else if roll < 6 {
        let hz = if roll < 2 {
            Some(hazard(
                sink,
                r,
                g,
                code,
                "fire.escape_blocked",
                "群众上报：楼道堆放杂物，堵塞疏散通道",
                None,
                Some(&id),
                at + 3_600_000,
                day,
            )?)
        } else {
            None
        };
        (
            ReportStatus::Accepted,
            if hz.is_some() { 10 } else { 5 },
            Some("已采纳，感谢您的反映".to_string()),
            hz,
        )
    } else {
        (
            ReportStatus::Dismissed,
            0,
            Some("经核实不属实".to_string()),
            None,
        )
    };
    let rep = Report {
        location: None,
        id: id.clone(),
        address_code: code.clone(),
        address_text: text.clone(),
        text: r.pick(REPORT_TEXTS).to_string(),
        photos: Vec::new(),
        reporter: volunteer,
        device_id: r.uuid7(YEAR_START_MS - 60 * DAY_MS),
        status,
        points,
        decision_note: note,
        hazard_id,
        created_at: at,
        delivery: if status == ReportStatus::Pending {
            Delivery::Server
        } else {
            Delivery::Reviewed
        },
        source: Default::default(),
        contact_phone: None,
        category: None,
    };
    sink.put(RecordKind::Report, id, g, Some(code), &json!(rep), at)
}
