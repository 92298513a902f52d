//! Checklist unit tests: templates, answers and scoring together.

use super::answers::EXPECTED_PHOTOS_IN_ANSWER;
use super::*;
use serde_json::json;

use crate::i18n::Lang;

const H1: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const H2: &str = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

fn rental() -> ChecklistTemplate {
    builtin_templates()
        .into_iter()
        .find(|t| t.id == "rental_fire_safety")
        .unwrap()
}

fn household() -> ChecklistTemplate {
    builtin_templates()
        .into_iter()
        .find(|t| t.id == "household_visit")
        .unwrap()
}

fn answers(pairs: &[(&str, Value)]) -> Answers {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn passing_rental() -> Answers {
    answers(&[
        ("ebike_indoor", json!("no")),
        ("ebike_flying_lead", json!("no")),
        ("escape_blocked", json!("no")),
        ("exit_locked", json!("no")),
        ("emergency_lighting", json!("na")),
        ("window_bars_escape", json!("yes")),
        ("smoke_alarm", json!("yes")),
        ("extinguisher_count", json!(2)),
        ("extinguisher_expired", json!("no")),
        ("wiring_unsafe", json!("no")),
        ("socket_overload", json!("no")),
        ("leakage_breaker", json!("yes")),
        ("gas_type", json!("piped")),
        ("gas_cylinder_living", json!("na")),
        ("gas_hose_aged", json!("no")),
        ("gas_alarm", json!("yes")),
        ("flammable_partition", json!("no")),
        ("occupant_count", json!(3)),
        ("area_per_person", json!(12.5)),
        ("rental_use", json!("whole")),
        ("non_living_room_occupied", json!("no")),
        ("remarks", json!("无")),
        ("site_photos", json!([H1])),
        ("landlord_signature", json!(H2)),
    ])
}

fn no_photos() -> ItemPhotos {
    ItemPhotos::new()
}

fn errors(t: &ChecklistTemplate, a: &Answers, p: &ItemPhotos) -> ValidationErrors {
    t.evaluate(a, p).expect_err("expected validation errors")
}

#[test]
fn builtin_templates_parse_and_check() {
    let ts = builtin_templates();
    assert_eq!(ts.len(), 7);
    for t in &ts {
        t.check().unwrap();
        assert_eq!(t.version, 1);
        assert_eq!(t.total_score, 100);
        for item in t.items() {
            if let Some(h) = &item.hazard {
                assert!(
                    HAZARD_CATEGORIES.contains(&h.category.as_str()),
                    "{}",
                    h.category
                );
            }
        }
        // Serializing and re-parsing must be lossless, since templates are synced as JSON.
        assert_eq!(&ChecklistTemplate::from_json(&t.to_json()).unwrap(), t);
    }
    let r = rental();
    assert_eq!((r.applies_to, r.pass_score), (AppliesTo::RentalUnit, 80));
    let h = household();
    assert_eq!((h.applies_to, h.pass_score), (AppliesTo::Household, 60));
    // The enterprise and venue checklists: for named kinds of business, each
    // with veto items (一票否决) and deductions summing to the total.
    for t in ts.iter().filter(|t| t.applies_to == AppliesTo::Business) {
        assert!(!t.business_kinds.is_empty(), "{}", t.id);
        assert!(t.items().any(|i| i.veto), "{}", t.id);
        assert_eq!(
            t.items().map(|i| i.deduction).sum::<u32>(),
            t.total_score,
            "{}",
            t.id
        );
    }
    assert_eq!(
        ts.iter()
            .filter(|t| t.applies_to == AppliesTo::Business)
            .count(),
        5
    );
}

#[test]
fn hazard_labels() {
    for code in HAZARD_CATEGORIES {
        assert_ne!(hazard_category_label(code, Lang::Zh), code);
        assert_ne!(hazard_category_label(code, Lang::En), code);
    }
    assert_eq!(
        hazard_category_label("fire.ebike_charging", Lang::Zh),
        "电动自行车违规停放充电"
    );
    assert_eq!(
        hazard_category_label("future.thing", Lang::En),
        "Uncategorised"
    );
}

#[test]
fn severity_and_text_helpers() {
    for s in Severity::ALL {
        assert_eq!(Severity::parse(s.as_str()), Some(s));
    }
    assert_eq!(Severity::parse("severe"), None);
    assert_eq!(Severity::Critical.label(Lang::Zh), "重大");
    assert!(Severity::Low < Severity::Critical);
    let t = Text::new("消防", "");
    assert_eq!(t.get(true), "消防");
    assert_eq!(Text::new("消防", "Fire").get(true), "Fire");
}

#[test]
fn fully_passing_answers_score_total() {
    let e = rental().evaluate(&passing_rental(), &no_photos()).unwrap();
    assert_eq!(
        e,
        Evaluation {
            score: 100,
            passed: true,
            vetoed: false,
            failed_items: vec![]
        }
    );
}

#[test]
fn deductions_and_hazards() {
    let mut a = passing_rental();
    a.insert("smoke_alarm".into(), json!("no"));
    a.insert("extinguisher_count".into(), json!(0));
    a.insert("rental_use".into(), json!("bed_space"));
    let e = rental().evaluate(&a, &no_photos()).unwrap();
    assert_eq!(e.score, 70);
    assert!(!e.passed && !e.vetoed);
    let ids: Vec<_> = e.failed_items.iter().map(|f| f.item_id.as_str()).collect();
    assert_eq!(ids, ["smoke_alarm", "extinguisher_count", "rental_use"]);
    assert_eq!(
        e.failed_items[0].hazard.as_ref().unwrap().category,
        "fire.no_smoke_alarm"
    );
    assert_eq!(
        e.failed_items[2].hazard.as_ref().unwrap().category,
        "housing.overcrowding"
    );
}

#[test]
fn overcrowding_below_rule() {
    let mut a = passing_rental();
    a.insert("area_per_person".into(), json!(3.5));
    let e = rental().evaluate(&a, &no_photos()).unwrap();
    assert_eq!((e.score, e.passed), (90, true));
    assert_eq!(e.failed_items[0].item_id, "area_per_person");
    a.insert("area_per_person".into(), json!(4));
    assert!(
        rental()
            .evaluate(&a, &no_photos())
            .unwrap()
            .failed_items
            .is_empty()
    );
}

#[test]
fn veto_item_fails_inspection() {
    let mut a = passing_rental();
    a.insert("ebike_indoor".into(), json!("yes"));
    let photos = ItemPhotos::from([("ebike_indoor".to_string(), vec![H1.to_string()])]);
    let e = rental().evaluate(&a, &photos).unwrap();
    assert!(e.vetoed && !e.passed);
    assert_eq!(e.score, 0);
    let f = &e.failed_items[0];
    assert_eq!(f.item_id, "ebike_indoor");
    assert!(f.veto);
    assert_eq!(f.photos, vec![H1.to_string()]);
    assert_eq!(
        f.hazard,
        Some(HazardSpec {
            category: "fire.ebike_charging".into(),
            severity: Severity::High
        })
    );
}

#[test]
fn na_never_fails() {
    let mut a = passing_rental();
    a.insert("smoke_alarm".into(), json!("na"));
    a.insert("ebike_indoor".into(), json!("na"));
    assert_eq!(rental().evaluate(&a, &no_photos()).unwrap().score, 100);
}

#[test]
fn missing_required() {
    let mut a = passing_rental();
    a.remove("landlord_signature");
    a.remove("site_photos");
    a.insert("remarks".into(), Value::Null);
    a.insert("gas_type".into(), Value::Null);
    let e = errors(&rental(), &a, &no_photos());
    assert_eq!(e.0.len(), 3, "{e}");
    for id in ["gas_type", "site_photos", "landlord_signature"] {
        assert!(e.has(id, &AnswerErrorKind::MissingRequired), "{e}");
    }
    // A draft may be incomplete.
    rental().check_partial(&a, &no_photos()).unwrap();
    rental()
        .check_partial(&Answers::new(), &no_photos())
        .unwrap();
}

#[test]
fn optional_items_may_be_unanswered() {
    let a = answers(&[
        ("residents_present", json!("no")),
        ("population_change", json!("none")),
    ]);
    let e = household().evaluate(&a, &no_photos()).unwrap();
    assert_eq!((e.score, e.passed), (100, true));
    let e = errors(
        &household(),
        &answers(&[("residents_present", json!("no"))]),
        &no_photos(),
    );
    assert_eq!(
        e.0,
        vec![AnswerError::new(
            "population_change",
            AnswerErrorKind::MissingRequired
        )]
    );
}

#[test]
fn household_dispute_raises_hazard() {
    let a = answers(&[
        ("residents_present", json!("yes")),
        ("population_change", json!("moved_in")),
        ("special_groups", json!(["elderly_alone", "hardship"])),
        ("dispute", json!("yes")),
        ("dispute_detail", json!("与楼上邻居因漏水产生纠纷")),
    ]);
    let e = household().evaluate(&a, &no_photos()).unwrap();
    assert_eq!((e.score, e.passed), (90, true));
    assert_eq!(
        e.failed_items[0].hazard,
        Some(HazardSpec {
            category: "social.dispute".into(),
            severity: Severity::Medium
        })
    );
}

#[test]
fn photo_required_on_fail() {
    let mut a = passing_rental();
    a.insert("escape_blocked".into(), json!("yes"));
    let e = errors(&rental(), &a, &no_photos());
    assert_eq!(
        e.0,
        vec![AnswerError::new(
            "escape_blocked",
            AnswerErrorKind::PhotoRequiredOnFail
        )]
    );
    // Drafts are not held to it yet.
    rental().check_partial(&a, &no_photos()).unwrap();
    let photos = ItemPhotos::from([(
        "escape_blocked".to_string(),
        vec![H1.to_string(), H2.to_string()],
    )]);
    let ev = rental().evaluate(&a, &photos).unwrap();
    assert_eq!((ev.score, ev.passed), (85, true));
    assert_eq!(ev.failed_items[0].photos.len(), 2);
}

#[test]
fn evidence_photos_only_on_failed_items() {
    let photos = ItemPhotos::from([("smoke_alarm".to_string(), vec![H1.to_string()])]);
    let e = errors(&rental(), &passing_rental(), &photos);
    assert_eq!(e.0.len(), 1);
    assert_eq!(e.0[0].item_id, "smoke_alarm");
    assert!(matches!(e.0[0].kind, AnswerErrorKind::WrongType { .. }));
    // In a draft, evidence may be taken before the answer is set.
    rental().check_partial(&passing_rental(), &photos).unwrap();

    let photos = ItemPhotos::from([("site_photos".to_string(), vec![H1.to_string()])]);
    let e = errors(&rental(), &passing_rental(), &photos);
    assert_eq!(
        e.0,
        vec![AnswerError::new(
            "site_photos",
            AnswerErrorKind::WrongType {
                expected: EXPECTED_PHOTOS_IN_ANSWER
            }
        )]
    );

    let photos = ItemPhotos::from([("smoke_alarm".to_string(), vec!["not-a-hash".to_string()])]);
    let e = rental()
        .check_partial(&passing_rental(), &photos)
        .unwrap_err();
    assert!(e.has("smoke_alarm", &AnswerErrorKind::BadPhotoHash));
}

#[test]
fn wrong_types_rejected_with_item_id() {
    let cases = [
        ("ebike_indoor", json!(true)),
        ("ebike_indoor", json!("maybe")),
        ("extinguisher_count", json!("2")),
        ("remarks", json!(5)),
        ("gas_type", json!(["piped"])),
        ("site_photos", json!(H1)),
        ("site_photos", json!([1])),
        ("landlord_signature", json!([H1])),
    ];
    for (id, v) in cases {
        let mut a = passing_rental();
        a.insert(id.into(), v.clone());
        let e = errors(&rental(), &a, &no_photos());
        assert_eq!(e.0.len(), 1, "{id} {v}: {e}");
        assert_eq!(e.0[0].item_id, id);
        assert!(
            matches!(e.0[0].kind, AnswerErrorKind::WrongType { .. }),
            "{id} {v}: {e}"
        );
        let e2 = rental().check_partial(&a, &no_photos()).unwrap_err();
        assert_eq!(e2, e);
    }
    let a = answers(&[("special_groups", json!("disabled"))]);
    let e = household().check_partial(&a, &no_photos()).unwrap_err();
    assert!(matches!(e.0[0].kind, AnswerErrorKind::WrongType { .. }));
}

#[test]
fn range_and_format_checks() {
    use AnswerErrorKind as K;
    let t = rental();
    let check = |id: &str, v: Value, kind: K| {
        let mut a = passing_rental();
        a.insert(id.into(), v.clone());
        let e = t.check_partial(&a, &no_photos()).unwrap_err();
        assert!(e.has(id, &kind), "{id} {v}: {e}");
    };
    check("extinguisher_count", json!(-1), K::OutOfRange);
    check("extinguisher_count", json!(101), K::OutOfRange);
    check("extinguisher_count", json!(1.5), K::NotInteger);
    check("area_per_person", json!(-0.1), K::OutOfRange);
    check("remarks", json!("隐".repeat(1001)), K::TooLong);
    check("gas_type", json!("coal"), K::UnknownOption("coal".into()));
    check("rental_use", json!(""), K::UnknownOption("".into()));
    check("site_photos", json!(["abc"]), K::BadPhotoHash);
    check("site_photos", json!([H1.to_uppercase()]), K::BadPhotoHash);
    check("site_photos", json!([H1, H1]), K::DuplicateOption);
    check(
        "site_photos",
        json!(vec![H1; 10]),
        K::TooManyPhotos { max: 9 },
    );
    check("landlord_signature", json!("x"), K::BadPhotoHash);
    // 1000 Chinese characters fit: length is counted in characters, not bytes.
    let mut a = passing_rental();
    a.insert("remarks".into(), json!("隐".repeat(1000)));
    t.evaluate(&a, &no_photos()).unwrap();

    let h = household();
    let e = h
        .check_partial(
            &answers(&[("special_groups", json!(["disabled", "pets"]))]),
            &no_photos(),
        )
        .unwrap_err();
    assert_eq!(
        e.0,
        vec![AnswerError::new(
            "special_groups",
            K::UnknownOption("pets".into())
        )]
    );
    let e = h
        .check_partial(
            &answers(&[("special_groups", json!(["disabled", "disabled"]))]),
            &no_photos(),
        )
        .unwrap_err();
    assert!(e.has("special_groups", &K::DuplicateOption));
    h.check_partial(&answers(&[("special_groups", json!([]))]), &no_photos())
        .unwrap();
}

#[test]
fn too_few_photos_only_when_finished() {
    let mut t = rental();
    for s in &mut t.sections {
        for i in &mut s.items {
            if i.id == "site_photos" {
                i.kind = ItemKind::Photo { min: 2, max: 9 };
            }
        }
    }
    t.check().unwrap();
    let e = errors(&t, &passing_rental(), &no_photos());
    assert_eq!(
        e.0,
        vec![AnswerError::new(
            "site_photos",
            AnswerErrorKind::TooFewPhotos { min: 2 }
        )]
    );
    t.check_partial(&passing_rental(), &no_photos()).unwrap();
}

#[test]
fn unknown_items_rejected() {
    let mut a = passing_rental();
    a.insert("ebike_garage".into(), json!("yes"));
    let photos = ItemPhotos::from([("old_item".to_string(), vec![H1.to_string()])]);
    let e = errors(&rental(), &a, &photos);
    assert_eq!(
        e.0,
        vec![
            AnswerError::new("ebike_garage", AnswerErrorKind::UnknownItem),
            AnswerError::new("old_item", AnswerErrorKind::UnknownItem),
        ]
    );
    assert_eq!(rental().check_partial(&a, &photos).unwrap_err(), e);
}

#[test]
fn error_messages() {
    let mut a = passing_rental();
    a.remove("landlord_signature");
    a.insert("gas_type".into(), json!("coal"));
    a.insert("ebike_indoor".into(), json!(1));
    let e = errors(&rental(), &a, &no_photos());
    assert_eq!(
        e.to_string(),
        "ebike_indoor: wrong answer type, expected \"yes\", \"no\" or \"na\"\n\
         gas_type: unknown option \"coal\"\n\
         landlord_signature: required item not answered"
    );
    assert_eq!(
        e.message_zh(),
        "ebike_indoor：答案格式不正确，应为：“是”“否”或“不适用”\n\
         gas_type：未知选项“coal”\n\
         landlord_signature：必填项未填写"
    );
    // Errors cross the FFI/sync boundary as JSON.
    let json = serde_json::to_string(&e).unwrap();
    assert_eq!(serde_json::from_str::<ValidationErrors>(&json).unwrap(), e);
    let _: &dyn std::error::Error = &e;
}

fn broken(edit: impl FnOnce(&mut ChecklistTemplate)) -> String {
    let mut t = rental();
    edit(&mut t);
    match t.check() {
        Err(TemplateError::Invalid(msg)) => msg,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn item_mut<'a>(t: &'a mut ChecklistTemplate, id: &str) -> &'a mut Item {
    t.sections
        .iter_mut()
        .flat_map(|s| s.items.iter_mut())
        .find(|i| i.id == id)
        .unwrap()
}

#[test]
fn check_rejects_broken_templates() {
    let msg = broken(|t| {
        let dup = t.sections[0].items[0].clone();
        t.sections[1].items.push(dup);
    });
    assert!(msg.contains("duplicate item id \"ebike_indoor\""), "{msg}");

    let msg = broken(|t| t.sections[1].id = "ebike".into());
    assert!(msg.contains("duplicate section id"), "{msg}");

    let msg = broken(|t| {
        item_mut(t, "rental_use").fail = Some(FailRule::AnyOf {
            options: vec!["castle".into()],
        })
    });
    assert!(msg.contains("unknown option \"castle\""), "{msg}");

    let msg = broken(|t| item_mut(t, "smoke_alarm").fail = Some(FailRule::Below { value: 1.0 }));
    assert!(msg.contains("does not fit item type yes_no_na"), "{msg}");

    let msg = broken(|t| {
        item_mut(t, "smoke_alarm").fail = Some(FailRule::Answer {
            equals: YesNoNa::Na,
        })
    });
    assert!(msg.contains("NA never fails"), "{msg}");

    let msg = broken(|t| {
        item_mut(t, "remarks").fail = Some(FailRule::AnyOf {
            options: vec!["x".into()],
        })
    });
    assert!(msg.contains("does not fit item type text"), "{msg}");

    let msg =
        broken(|t| item_mut(t, "extinguisher_count").fail = Some(FailRule::Below { value: 0.0 }));
    assert!(msg.contains("can never fail"), "{msg}");

    let msg = broken(|t| item_mut(t, "remarks").deduction = 5);
    assert!(msg.contains("no fail rule"), "{msg}");

    let msg = broken(|t| {
        if let ItemKind::SingleChoice { options } = &mut item_mut(t, "gas_type").kind {
            options.push(options[0].clone());
        }
    });
    assert!(msg.contains("duplicate option \"none\""), "{msg}");

    let msg = broken(|t| item_mut(t, "gas_type").kind = ItemKind::SingleChoice { options: vec![] });
    assert!(msg.contains("no options"), "{msg}");

    let msg = broken(|t| item_mut(t, "smoke_alarm").hazard.as_mut().unwrap().category = "".into());
    assert!(msg.contains("hazard category"), "{msg}");

    let msg = broken(|t| t.pass_score = 101);
    assert!(msg.contains("pass_score"), "{msg}");

    let msg = broken(|t| item_mut(t, "smoke_alarm").deduction = 150);
    assert!(msg.contains("exceeds total_score"), "{msg}");

    assert!(matches!(
        ChecklistTemplate::from_json("{"),
        Err(TemplateError::Json(_))
    ));
    let bad = rental()
        .to_json()
        .replace("\"below\": 1", "\"below\": \"one\"");
    assert!(matches!(
        ChecklistTemplate::from_json(&bad),
        Err(TemplateError::Json(_))
    ));
}

#[test]
fn item_json_shape() {
    let item = rental().item("extinguisher_count").unwrap().clone();
    assert_eq!(
        serde_json::to_value(&item).unwrap(),
        json!({
            "id": "extinguisher_count",
            "label": {"zh": "配备的灭火器数量", "en": "Number of fire extinguishers"},
            "type": "number", "min": 0.0, "max": 100.0, "unit": "具", "integer": true,
            "required": true,
            "fail": {"below": 1.0},
            "deduction": 10, "veto": false, "photo_on_fail": false,
            "hazard": {"category": "fire.no_extinguisher", "severity": "medium"},
            "help": item.help,
        })
    );
    let minimal: Item =
        serde_json::from_value(json!({"id": "x", "label": {"zh": "签字"}, "type": "signature"}))
            .unwrap();
    assert_eq!(minimal.kind, ItemKind::Signature);
    assert!(!minimal.required && minimal.fail.is_none() && minimal.label.en.is_empty());
}

/// Stored inspections keep validating against the version they were filled in with.
#[test]
fn answers_stay_valid_against_their_template_version() {
    let v1 = rental();
    let mut v2 = v1.clone();
    v2.version = 2;
    // v2 drops the staff-dormitory option, tightens the overcrowding rule and adds a required item.
    if let ItemKind::SingleChoice { options } = &mut item_mut(&mut v2, "rental_use").kind {
        options.retain(|o| o.id != "dormitory");
    }
    item_mut(&mut v2, "area_per_person").fail = Some(FailRule::Below { value: 5.0 });
    v2.sections[0].items.push(Item {
        id: "ebike_battery_indoor".into(),
        label: Text::new(
            "是否将电动自行车蓄电池带入室内充电",
            "E-bike battery taken indoors to charge?",
        ),
        kind: ItemKind::YesNoNa,
        required: true,
        fail: Some(FailRule::Answer {
            equals: YesNoNa::Yes,
        }),
        deduction: 10,
        veto: false,
        photo_on_fail: true,
        hazard: Some(HazardSpec {
            category: "fire.ebike_charging".into(),
            severity: Severity::High,
        }),
        case: None,
        help: None,
    });
    v2.check().unwrap();

    let mut a = passing_rental();
    a.insert("rental_use".into(), json!("dormitory"));
    a.insert("area_per_person".into(), json!(4.5));
    let ev1 = v1.evaluate(&a, &no_photos()).unwrap();
    assert_eq!((ev1.score, ev1.passed), (100, true));

    let e = errors(&v2, &a, &no_photos());
    assert!(e.has(
        "rental_use",
        &AnswerErrorKind::UnknownOption("dormitory".into())
    ));
    assert!(e.has("ebike_battery_indoor", &AnswerErrorKind::MissingRequired));

    // v2 answers can't be slipped into a v1 inspection either.
    a.insert("ebike_battery_indoor".into(), json!("no"));
    assert!(
        errors(&v1, &a, &no_photos()).has("ebike_battery_indoor", &AnswerErrorKind::UnknownItem)
    );
    // And v1 itself is unchanged by the existence of v2.
    assert_eq!(v1, rental());
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    fn arb_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
                .map(Value::Number)),
            prop::sample::select(vec![
                "yes",
                "no",
                "na",
                "",
                "piped",
                "bed_space",
                "disabled",
                H1,
                H2
            ])
            .prop_map(|s| Value::String(s.to_string())),
            "\\PC{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(2, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z]{1,3}", inner, 0..3)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn arb_input() -> impl Strategy<Value = (usize, Answers, ItemPhotos)> {
        (0..builtin_templates().len()).prop_flat_map(|ti| {
            let t = &builtin_templates()[ti];
            let mut ids: Vec<String> = t.items().map(|i| i.id.clone()).collect();
            ids.push("unknown_item".into());
            let answers =
                prop::collection::btree_map(prop::sample::select(ids.clone()), arb_value(), 0..40);
            let hashes = prop::collection::vec(
                prop::sample::select(vec![H1.to_string(), H2.to_string(), "bad".to_string()]),
                0..3,
            );
            let photos = prop::collection::btree_map(prop::sample::select(ids), hashes, 0..4);
            (Just(ti), answers, photos)
        })
    }

    proptest! {
        #[test]
        fn random_answers_never_panic((ti, answers, photos) in arb_input()) {
            let t = &builtin_templates()[ti];
            let _ = t.check_partial(&answers, &photos);
            match t.evaluate(&answers, &photos) {
                Ok(e) => {
                    prop_assert!(e.score <= t.total_score);
                    prop_assert_eq!(e.passed, !e.vetoed && e.score >= t.pass_score);
                    prop_assert!(!e.vetoed || e.score == 0);
                    // A finished inspection that validates is also a valid draft.
                    prop_assert!(t.check_partial(&answers, &photos).is_ok());
                }
                Err(errs) => {
                    prop_assert!(!errs.0.is_empty());
                    for e in &errs.0 {
                        prop_assert!(!e.message_zh().is_empty() && !e.to_string().is_empty());
                    }
                }
            }
        }
    }
}
