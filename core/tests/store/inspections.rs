//! Inspections (scoring, vetoes, hazards raised, drafts in sittings, answers
//! that do not fit) and template versions.

use std::collections::BTreeSet;

use gridfield_core::checklist::{
    AnswerErrorKind, Answers, ChecklistTemplate, ItemPhotos, Severity,
};
use gridfield_core::hazard::HazardStatus;
use gridfield_core::model::{GeoPoint, ReviewStatus, Role};
use gridfield_core::records::Op;
use gridfield_core::store::NewInspection;
use gridfield_core::{Error, Lang};
use serde_json::{Value, json};

use super::common::*;

#[test]
fn failing_inspection_is_vetoed_raises_hazards_and_queues_everything() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    let (answers, photos) = fixture_answers(s, "fire_safety_fail.json");
    let ebike = photo(s, "ebike.png");
    let site = photo(s, "site.png");
    let before = snapshot(s);
    let loc = GeoPoint {
        lat: 31.3856,
        lon: 120.9812,
        accuracy_m: Some(12.5),
        fixed_at: Some(T0 - 21 * MINUTE),
    };
    let new = NewInspection {
        location: Some(loc),
        ..new_inspection(A501, None)
    };

    let out = s
        .record_inspection(&new, &answers, &photos, Some(T0 - 20 * MINUTE))
        .unwrap();
    assert!(out.evaluation.vetoed);
    assert!(!out.evaluation.passed);
    assert_eq!(out.evaluation.score, 0);
    let failed: Vec<&str> = out
        .evaluation
        .failed_items
        .iter()
        .map(|i| i.item_id.as_str())
        .collect();
    assert_eq!(failed, ["ebike_indoor", "smoke_alarm"]);
    assert_eq!(out.hazards_raised.len(), 2);

    // The stored inspection.
    let insp = s.inspection(&out.inspection_id).unwrap();
    assert_eq!(insp.review_status, ReviewStatus::Submitted);
    assert_eq!(
        (insp.score, insp.passed, insp.vetoed),
        (Some(0), Some(false), Some(true))
    );
    assert_eq!(insp.template_version, 1);
    assert_eq!(insp.started_at, T0 - 20 * MINUTE);
    assert_eq!(insp.finished_at, Some(T0));
    assert_eq!(insp.location, Some(loc));
    assert_eq!(insp.answers, answers);
    assert_eq!(insp.photos, photos);
    assert_eq!(insp.inspector, "u-worker");

    // Hazards raised, one per failing item with a hazard spec.
    let hz: Vec<_> = out
        .hazards_raised
        .iter()
        .map(|id| s.hazard(id).unwrap())
        .collect();
    let cats: Vec<&str> = hz.iter().map(|d| d.hazard.category.as_str()).collect();
    assert_eq!(cats, ["fire.ebike_charging", "fire.no_smoke_alarm"]);
    assert_eq!(hz[0].hazard.severity, Severity::High);
    assert_eq!(hz[0].hazard.photos, vec![ebike.clone()]);
    assert_eq!(hz[1].hazard.photos, vec![site.clone()]);
    for d in &hz {
        assert_eq!(d.hazard.status, HazardStatus::Reported);
        assert_eq!(d.hazard.address_code, A501);
        assert_eq!(
            d.hazard.source_inspection.as_deref(),
            Some(out.inspection_id.as_str())
        );
        assert_eq!(d.events.len(), 1);
        assert_eq!(d.events[0].to_status, HazardStatus::Reported);
        assert_eq!(
            d.events[0].action, None,
            "the first event is the report itself"
        );
    }
    assert_eq!(hz[0].hazard.source_item.as_deref(), Some("ebike_indoor"));

    // Outbox: the inspection first, then its hazards; payloads round-trip.
    let after = snapshot(s);
    assert_eq!(after.outbox, before.outbox + 3);
    assert_eq!(after.inspections, before.inspections + 1);
    assert_eq!(after.hazards, before.hazards + 2);
    let ob = outbox(s);
    let kinds: Vec<&str> = ob.iter().map(|e| e.op.type_name()).collect();
    assert_eq!(
        kinds,
        ["inspection_submit", "hazard_create", "hazard_create"]
    );
    match &ob[0].op {
        Op::InspectionSubmit { inspection } => assert_eq!(**inspection, insp),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(ob[0].entity, "inspection");
    assert_eq!(ob[0].entity_id, out.inspection_id);
    for (e, d) in ob[1..].iter().zip(&hz) {
        assert_eq!(e.entity_id, d.hazard.id);
        match &e.op {
            Op::HazardCreate { hazard } => assert_eq!(**hazard, d.hazard),
            other => panic!("unexpected {other:?}"),
        }
    }
    for e in &ob {
        let text = serde_json::to_string(&e.op).unwrap();
        assert_eq!(serde_json::from_str::<Op>(&text).unwrap(), e.op);
    }
    // Stamps order the queue.
    assert!(ob.windows(2).all(|w| w[0].hlc < w[1].hlc));
}

/// The outbox holds an operation back until the photos it refers to are
/// uploaded (`Op::photo_hashes`). An inspection refers to photos in two places:
/// evidence photos of failed items AND photo/signature answers (site photos,
/// the landlord's signature). All must be listed, or the inspection reaches the
/// server before its signature does.
#[test]
fn inspection_op_lists_every_photo_it_refers_to() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    let (answers, photos) = fixture_answers(s, "fire_safety_fail.json");
    s.record_inspection(&new_inspection(A501, None), &answers, &photos, None)
        .unwrap();
    let op = &outbox(s)[0].op;
    let listed: BTreeSet<String> = op.photo_hashes().into_iter().collect();
    for name in ["ebike.png", "site.png", "signature.png"] {
        assert!(
            listed.contains(&photo(s, name)),
            "{name} missing from photo_hashes() of {}",
            op.type_name()
        );
    }
}

#[test]
fn answers_that_do_not_fit_change_nothing() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    // Some earlier history, so "nothing changed" is measured against non-zero counts.
    let (pass, pass_photos) = fixture_answers(s, "fire_safety_pass.json");
    s.record_inspection(&new_inspection(A502, None), &pass, &pass_photos, None)
        .unwrap();
    let (bad, bad_photos) = fixture_answers(s, "fire_safety_invalid.json");
    let before = snapshot(s);
    assert!(before.outbox > 0 && before.audit > 0);

    let e = err(s.record_inspection(&new_inspection(A501, None), &bad, &bad_photos, None));
    let Error::Answers(v) = &e else {
        panic!("expected Answers, got {e:?}")
    };
    assert!(
        v.has(
            "extinguisher_count",
            &AnswerErrorKind::WrongType {
                expected: "a number"
            }
        ),
        "{v}"
    );
    assert!(
        v.has("gas_type", &AnswerErrorKind::UnknownOption("coal".into())),
        "{v}"
    );
    assert!(v.has("no_such_item", &AnswerErrorKind::UnknownItem), "{v}");
    assert!(
        v.has("smoke_alarm", &AnswerErrorKind::MissingRequired),
        "{v}"
    );
    assert_eq!(e.code(), "answers_invalid");
    assert!(e.message(Lang::Zh).contains("检查项填写有误"));
    assert_eq!(snapshot(s), before);

    // A failing item that demands a photo, without one.
    let mut no_photo = pass.clone();
    no_photo.insert("ebike_indoor".into(), json!("yes"));
    let e = err(s.record_inspection(
        &new_inspection(A501, None),
        &no_photo,
        &ItemPhotos::new(),
        None,
    ));
    let Error::Answers(v) = &e else {
        panic!("expected Answers, got {e:?}")
    };
    assert!(
        v.has("ebike_indoor", &AnswerErrorKind::PhotoRequiredOnFail),
        "{v}"
    );
    assert_eq!(snapshot(s), before);

    // Photos referenced but not on the device: in an answer, in a signature, as evidence.
    let mut unknown_site = pass.clone();
    unknown_site.insert("site_photos".into(), json!([UNKNOWN_HASH]));
    let mut unknown_sig = pass.clone();
    unknown_sig.insert("landlord_signature".into(), json!(UNKNOWN_HASH));
    let mut unknown_evidence = pass.clone();
    unknown_evidence.insert("ebike_indoor".into(), json!("yes"));
    let evidence: ItemPhotos =
        [("ebike_indoor".to_string(), vec![UNKNOWN_HASH.to_string()])].into();
    for (what, a, p) in [
        ("site photo", &unknown_site, &ItemPhotos::new()),
        ("signature", &unknown_sig, &ItemPhotos::new()),
        ("evidence", &unknown_evidence, &evidence),
    ] {
        let e = err(s.record_inspection(&new_inspection(A501, None), a, p, None));
        assert!(
            matches!(&e, Error::NotFound { what: "photo", .. }),
            "{what}: {e:?}"
        );
        assert_eq!(snapshot(s), before, "{what}");
    }

    // Outside the device's grid, or at an unknown address.
    let e = err(s.record_inspection(
        &new_inspection(OUT_OF_SCOPE, None),
        &pass,
        &pass_photos,
        None,
    ));
    assert!(matches!(e, Error::NotPermitted(_)), "{e:?}");
    let e = err(s.record_inspection(
        &new_inspection("no-such-address", None),
        &pass,
        &pass_photos,
        None,
    ));
    assert!(
        matches!(
            e,
            Error::NotFound {
                what: "address",
                ..
            }
        ),
        "{e:?}"
    );
    let e = err(s.record_inspection(
        &NewInspection {
            template_id: "no_such".into(),
            ..new_inspection(A501, None)
        },
        &pass,
        &pass_photos,
        None,
    ));
    assert!(
        matches!(
            e,
            Error::NotFound {
                what: "template",
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(snapshot(s), before);
}

#[test]
fn draft_inspection_is_saved_in_sittings_and_submitted_once() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    let (full, photos) = fixture_answers(s, "fire_safety_pass.json");
    let id = s.start_inspection(&new_inspection(A501, None)).unwrap();
    let draft = s.inspection(&id).unwrap();
    assert_eq!(draft.review_status, ReviewStatus::Draft);
    assert!(draft.answers.is_empty());
    assert_eq!(s.inspections(Some(ReviewStatus::Draft)).unwrap().len(), 1);
    // A draft is not sent anywhere.
    assert_eq!(s.outbox_len().unwrap(), 0);

    // First sitting: half the form.
    let partial: Answers = full
        .iter()
        .take(6)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    f.clock.advance(5 * MINUTE);
    s.save_answers(&id, &partial, &ItemPhotos::new()).unwrap();
    assert_eq!(s.inspection(&id).unwrap().answers, partial);
    assert_eq!(s.outbox_len().unwrap(), 0);

    // A type error is refused even in a draft, and the saved answers stay.
    let mut wrong = partial.clone();
    wrong.insert("occupant_count".into(), json!("四个"));
    assert!(matches!(
        err(s.save_answers(&id, &wrong, &ItemPhotos::new())),
        Error::Answers(_)
    ));
    // So is evidence that is not on the device.
    let evidence: ItemPhotos =
        [("ebike_indoor".to_string(), vec![UNKNOWN_HASH.to_string()])].into();
    assert!(matches!(
        err(s.save_answers(&id, &partial, &evidence)),
        Error::NotFound { what: "photo", .. }
    ));
    assert_eq!(s.inspection(&id).unwrap().answers, partial);

    // Submitting half a form fails with the missing items, and changes nothing.
    let before = snapshot(s);
    let e = err(s.submit_inspection(&id, None));
    let Error::Answers(v) = &e else {
        panic!("expected Answers, got {e:?}")
    };
    assert!(
        v.has("landlord_signature", &AnswerErrorKind::MissingRequired),
        "{v}"
    );
    assert_eq!(snapshot(s), before);
    assert_eq!(
        s.inspection(&id).unwrap().review_status,
        ReviewStatus::Draft
    );

    // Second sitting, then submit.
    f.clock.advance(5 * MINUTE);
    s.save_answers(&id, &full, &photos).unwrap();
    let loc = GeoPoint::at(31.0, 121.0);
    let out = s.submit_inspection(&id, Some(loc)).unwrap();
    assert_eq!(out.inspection_id, id);
    assert!(out.evaluation.passed && !out.evaluation.vetoed);
    assert_eq!(out.evaluation.score, 100);
    assert!(out.hazards_raised.is_empty());
    let done = s.inspection(&id).unwrap();
    assert_eq!(done.review_status, ReviewStatus::Submitted);
    assert_eq!(done.answers, full);
    assert_eq!(done.location, Some(loc));
    assert_eq!(done.started_at, T0);
    assert_eq!(done.finished_at, Some(T0 + 10 * MINUTE));
    let ob = outbox(s);
    assert_eq!(ob.len(), 1);
    assert!(
        matches!(&ob[0].op, Op::InspectionSubmit { inspection } if inspection.id == id && inspection.answers == full)
    );

    // Once submitted, it is neither edited nor submitted again.
    let before = snapshot(s);
    assert!(matches!(
        err(s.submit_inspection(&id, None)),
        Error::Invalid { .. }
    ));
    assert!(matches!(
        err(s.save_answers(&id, &partial, &ItemPhotos::new())),
        Error::Invalid { .. }
    ));
    assert!(matches!(
        err(s.submit_inspection("no-such-id", None)),
        Error::NotFound { .. }
    ));
    assert_eq!(snapshot(s), before);
}

/// v2 of the rental checklist: v1 plus a required CO-alarm item.
pub(crate) fn rental_v2(v1: &ChecklistTemplate) -> ChecklistTemplate {
    let mut j: Value = serde_json::from_str(&v1.to_json()).unwrap();
    j["version"] = json!(2);
    let sections = j["sections"].as_array_mut().unwrap();
    sections[0]["items"].as_array_mut().unwrap().push(json!({
        "id": "co_alarm",
        "label": {"zh": "是否安装一氧化碳报警器", "en": "CO alarm installed?"},
        "type": "yes_no_na",
        "required": true
    }));
    ChecklistTemplate::from_json(&j.to_string()).unwrap()
}

#[test]
fn an_inspection_keeps_the_template_version_it_started_on() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    let v1 = s.template(RENTAL, Some(1)).unwrap();
    assert_eq!(s.template(RENTAL, None).unwrap().version, 1);
    let v2 = rental_v2(&v1);
    s.add_template(&v2).unwrap();
    assert_eq!(s.template(RENTAL, None).unwrap(), v2);
    assert_eq!(s.template(RENTAL, Some(1)).unwrap(), v1);
    let versions: Vec<u32> = s
        .templates()
        .unwrap()
        .iter()
        .filter(|t| t.id == RENTAL)
        .map(|t| t.version)
        .collect();
    assert_eq!(versions, [1, 2]);

    let (answers, photos) = fixture_answers(s, "fire_safety_pass.json");

    // Started on v1 (explicitly), finished after v2 arrived: judged by v1.
    let old = s.start_inspection(&new_inspection(A501, Some(1))).unwrap();
    s.save_answers(&old, &answers, &photos).unwrap();
    let out = s.submit_inspection(&old, None).unwrap();
    assert!(out.evaluation.passed);
    assert_eq!(s.inspection(&old).unwrap().template_version, 1);
    // The v2-only item does not even exist for a v1 inspection.
    let mut with_co = answers.clone();
    with_co.insert("co_alarm".into(), json!("yes"));
    let e = err(s.record_inspection(&new_inspection(A501, Some(1)), &with_co, &photos, None));
    assert!(
        matches!(&e, Error::Answers(v) if v.has("co_alarm", &AnswerErrorKind::UnknownItem)),
        "{e:?}"
    );

    // A new inspection with no version uses the newest: v2 demands its new item.
    let e = err(s.record_inspection(&new_inspection(A502, None), &answers, &photos, None));
    assert!(
        matches!(&e, Error::Answers(v) if v.has("co_alarm", &AnswerErrorKind::MissingRequired)),
        "{e:?}"
    );
    let out = s
        .record_inspection(&new_inspection(A502, None), &with_co, &photos, None)
        .unwrap();
    assert_eq!(
        s.inspection(&out.inspection_id).unwrap().template_version,
        2
    );

    // A draft started without a version is pinned to the version current at start.
    let d = s.start_inspection(&new_inspection(A101, None)).unwrap();
    assert_eq!(s.inspection(&d).unwrap().template_version, 2);

    // Stored versions are immutable: a different body under version 2 is ignored.
    let mut tampered = v2.clone();
    tampered.pass_score = 10;
    s.add_template(&tampered).unwrap();
    assert_eq!(s.template(RENTAL, Some(2)).unwrap(), v2);
    // An invalid template is refused.
    let mut broken = v2.clone();
    broken.version = 3;
    broken.pass_score = broken.total_score + 1;
    assert!(matches!(err(s.add_template(&broken)), Error::Template(_)));
    assert_eq!(s.template(RENTAL, None).unwrap().version, 2);
    // An unknown version is not found, not silently replaced by another.
    assert!(matches!(
        err(s.start_inspection(&new_inspection(A501, Some(9)))),
        Error::NotFound {
            what: "template",
            ..
        }
    ));
}

/// A failing item that names a case type opens that case with the inspection,
/// through the device's case rule (queued for the server like any case create);
/// an item that passes opens nothing.
#[test]
fn a_failing_item_naming_a_case_type_opens_the_case() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    let v1 = s.template(RENTAL, Some(1)).unwrap();
    let mut j: Value = serde_json::from_str(&v1.to_json()).unwrap();
    j["version"] = json!(2);
    for sec in j["sections"].as_array_mut().unwrap() {
        for it in sec["items"].as_array_mut().unwrap() {
            if it["id"] == "smoke_alarm" {
                it["case"] = json!({"case_type": "safety", "severity": "high"});
            }
        }
    }
    s.add_template(&ChecklistTemplate::from_json(&j.to_string()).unwrap())
        .unwrap();

    let (pass, pass_photos) = fixture_answers(s, "fire_safety_pass.json");
    let out = s
        .record_inspection(&new_inspection(A502, None), &pass, &pass_photos, None)
        .unwrap();
    assert!(out.cases_opened.is_empty());

    let (answers, photos) = fixture_answers(s, "fire_safety_fail.json");
    let out = s
        .record_inspection(&new_inspection(A501, None), &answers, &photos, None)
        .unwrap();
    assert_eq!(out.cases_opened.len(), 1, "smoke_alarm fails: one case");
    let detail = s.case(&out.cases_opened[0]).unwrap();
    let c = &detail.case;
    assert_eq!(c.case_type, "safety");
    assert_eq!(c.severity, Severity::High);
    assert_eq!(c.address_code.as_deref(), Some(A501));
    assert!(c.description.contains("检查项"), "{}", c.description);
    let creates = s
        .outbox(100)
        .unwrap()
        .into_iter()
        .filter(|e| matches!(e.op, Op::CaseCreate { .. }))
        .count();
    assert_eq!(creates, 1);
}
