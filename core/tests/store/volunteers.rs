//! Volunteers: redacted entities, no residents, reports anywhere, points only
//! when accepted.

use std::collections::BTreeSet;

use gridfield_core::checklist::{Answers, ItemPhotos, Severity};
use gridfield_core::model::{Entity, EntityKind, ReportStatus, Role};
use gridfield_core::records::Op;
use gridfield_core::store::{NewHazard, NewReport};
use gridfield_core::{Error, Store};
use serde_json::{Value, json};

use super::common::*;

pub(crate) fn entity(kind: EntityKind, pairs: &[(&str, Value)]) -> Entity {
    Entity {
        kind,
        id: format!("{}-1", kind.as_str()),
        address_code: A501.into(),
        fields: fields(pairs),
        deleted: false,
        updated_at: T0,
    }
}

#[test]
fn volunteer_redaction_of_entities() {
    let hh = entity(
        EntityKind::Household,
        &[("head_name", json!("王秀英")), ("members", json!(2))],
    );
    let person = entity(
        EntityKind::Person,
        &[
            ("name", json!("王秀英")),
            ("id_number", json!("320583195001011234")),
        ],
    );
    let rental = entity(
        EntityKind::RentalUnit,
        &[
            ("rooms", json!(3)),
            ("landlord_phone", json!("13900000000")),
        ],
    );
    let shop = entity(
        EntityKind::Business,
        &[
            ("name", json!("便民超市")),
            ("kind", json!("shop")),
            ("contact_name", json!("陈老板")),
            ("contact_phone", json!("13700000000")),
        ],
    );
    for e in [&hh, &person, &rental] {
        assert_eq!(e.redacted_for(Role::Volunteer), None, "{:?}", e.kind);
        for r in [Role::Worker, Role::Supervisor, Role::Admin] {
            assert_eq!(e.redacted_for(r).as_ref(), Some(e));
        }
    }
    let seen = shop.redacted_for(Role::Volunteer).unwrap();
    assert_eq!(
        seen.fields
            .keys()
            .map(String::as_str)
            .collect::<BTreeSet<_>>(),
        BTreeSet::from(["kind", "name"])
    );
    assert_eq!(seen.id, shop.id);
    assert_eq!(shop.redacted_for(Role::Worker).unwrap(), shop);
}

/// Rows that reached the device by sync, inserted the way sync writes them.
pub(crate) fn insert_synced_entities(s: &Store) {
    s.write(|t| {
        t.tx.execute_batch(&format!(
            "INSERT INTO households (id, address_code, head_name, phone, members, updated_at)
               VALUES ('hh1', '{A501}', '王秀英', '13812345678', 2, 0);
             INSERT INTO persons (id, address_code, household_id, name, id_number, updated_at)
               VALUES ('p1', '{A501}', 'hh1', '王秀英', '320583195001011234', 0);
             INSERT INTO rental_units (id, address_code, landlord_name, rooms, updated_at)
               VALUES ('r1', '{A501}', '赵房东', 3, 0);
             INSERT INTO businesses (id, address_code, name, kind, contact_name, contact_phone, updated_at)
               VALUES ('b1', '{A501}', '便民超市', 'shop', '陈老板', '13700000000', 0);"
        ))?;
        Ok(())
    })
    .unwrap();
}

#[test]
fn volunteer_sees_no_residents_and_cannot_edit() {
    // Control: a worker device with the same rows sees all four.
    let w = fixture_store(Role::Worker);
    insert_synced_entities(&w.store);
    let wv = w.store.address_view(A501).unwrap();
    assert_eq!(wv.entities.len(), 4);

    let f = fixture_store(Role::Volunteer);
    let s = &f.store;
    insert_synced_entities(s);
    let view = s.address_view(A501).unwrap();
    assert_eq!(view.entities.len(), 1, "{:?}", view.entities);
    let shop = &view.entities[0];
    assert_eq!(shop.kind, EntityKind::Business);
    assert_eq!(shop.fields.get("name"), Some(&json!("便民超市")));
    assert!(
        !shop.fields.contains_key("contact_name") && !shop.fields.contains_key("contact_phone")
    );
    // Nothing personal anywhere in what the view serialises to.
    let text = serde_json::to_string(&view).unwrap();
    for secret in [
        "王秀英",
        "13812345678",
        "320583195001011234",
        "赵房东",
        "陈老板",
        "13700000000",
    ] {
        assert!(!text.contains(secret), "volunteer view leaks {secret}");
    }
    // Direct reads are redacted too.
    assert_eq!(s.entity(EntityKind::Household, "hh1").unwrap(), None);
    assert_eq!(s.entity(EntityKind::Person, "p1").unwrap(), None);
    assert_eq!(s.entity(EntityKind::RentalUnit, "r1").unwrap(), None);
    assert!(
        !s.entity(EntityKind::Business, "b1")
            .unwrap()
            .unwrap()
            .fields
            .contains_key("contact_phone")
    );

    // A volunteer may not edit entities, inspect, or raise hazards directly.
    let before = snapshot(s);
    let e = err(s.put_entity(
        EntityKind::Household,
        None,
        Some(A501),
        &fields(&[("members", json!(3))]),
    ));
    assert!(matches!(e, Error::NotPermitted(_)), "{e:?}");
    assert!(matches!(
        err(s.put_entity(
            EntityKind::Business,
            Some("b1"),
            None,
            &fields(&[("name", json!("x"))])
        )),
        Error::NotPermitted(_)
    ));
    assert!(matches!(
        err(s.record_inspection(
            &new_inspection(A501, None),
            &Answers::new(),
            &ItemPhotos::new(),
            None
        )),
        Error::NotPermitted(_)
    ));
    assert!(matches!(
        err(s.start_inspection(&new_inspection(A501, None))),
        Error::NotPermitted(_)
    ));
    let nh = NewHazard {
        location: None,
        address_code: A501.into(),
        category: "fire.escape_blocked".into(),
        severity: Severity::Low,
        description: "杂物".into(),
        photos: vec![],
        deadline: None,
    };
    assert!(matches!(err(s.create_hazard(&nh)), Error::NotPermitted(_)));
    assert_eq!(snapshot(s), before);
}

#[test]
fn volunteer_reports_anywhere_and_earns_points_only_when_accepted() {
    let v = vectors();
    let f = fixture_store(Role::Volunteer);
    let s = &f.store;
    let pic = photo(s, "site.png");
    // A plate scanned outside the device's data: the report carries the plate's text.
    let far = &v.valid[2].plate;
    assert!(s.address(&far.address_code).unwrap().is_none());
    let id = s
        .file_report(&NewReport {
            location: None,
            address_code: far.address_code.clone(),
            address_text: Some(far.address_text.clone()),
            text: "商铺门口电动车充电，飞线".into(),
            photos: vec![pic.clone()],
            category: None,
        })
        .unwrap();
    let r = s
        .reports()
        .unwrap()
        .into_iter()
        .find(|r| r.id == id)
        .unwrap();
    assert_eq!(r.address_text, far.address_text);
    assert_eq!(r.status, ReportStatus::Pending);
    assert_eq!(r.points, 0);
    assert_eq!(r.photos, vec![pic.clone()]);
    assert_eq!(
        (r.reporter.as_str(), r.device_id.as_str()),
        ("u-volunteer", "dev-volunteer-01")
    );
    let ob = outbox(s);
    assert!(matches!(&ob.last().unwrap().op, Op::ReportCreate { report } if **report == r));

    // For a local address, the device's own text wins over whatever was passed.
    let local = s
        .file_report(&NewReport {
            location: None,
            address_code: A501.into(),
            address_text: Some("随便写的地址".into()),
            text: "楼道灯坏了".into(),
            photos: vec![],
            category: None,
        })
        .unwrap();
    let lr = s
        .reports()
        .unwrap()
        .into_iter()
        .find(|r| r.id == local)
        .unwrap();
    assert_eq!(lr.address_text, full_text_of(A501));
    assert_eq!(s.address_view(A501).unwrap().reports.len(), 1);

    // Refused, with nothing written: unknown address without text, empty text, unknown photo.
    let before = snapshot(s);
    let base = NewReport {
        location: None,
        address_code: "nowhere".into(),
        address_text: None,
        text: "有问题".into(),
        photos: vec![],
        category: None,
    };
    assert!(matches!(
        err(s.file_report(&base)),
        Error::NotFound {
            what: "address",
            ..
        }
    ));
    assert!(matches!(
        err(s.file_report(&NewReport {
            address_text: Some("  ".into()),
            ..base.clone()
        })),
        Error::NotFound { .. }
    ));
    assert!(matches!(
        err(s.file_report(&NewReport {
            text: "  ".into(),
            address_code: A501.into(),
            ..base.clone()
        })),
        Error::Invalid { .. }
    ));
    assert!(matches!(
        err(s.file_report(&NewReport {
            text: "长".repeat(2001),
            address_code: A501.into(),
            ..base.clone()
        })),
        Error::Invalid { .. }
    ));
    assert!(matches!(
        err(s.file_report(&NewReport {
            address_code: A501.into(),
            photos: vec![UNKNOWN_HASH.into()],
            ..base.clone()
        })),
        Error::NotFound { what: "photo", .. }
    ));
    assert_eq!(snapshot(s), before);

    // Pending reports earn nothing.
    assert_eq!(s.points().unwrap(), 0);
    // Once the server accepts one (arriving by sync), its points count — and only its.
    s.write(|t| {
        t.tx.execute(
            "UPDATE reports SET status = 'accepted', points = 5 WHERE id = ?1",
            [&id],
        )?;
        t.tx.execute("UPDATE reports SET points = 3 WHERE id = ?1", [&local])?;
        Ok(())
    })
    .unwrap();
    assert_eq!(s.points().unwrap(), 5);
}

/// A report's category (case taxonomy) is kept on the device and queued with the
/// report; a retired or unknown code is refused with nothing written.
#[test]
fn a_report_keeps_its_category() {
    let f = fixture_store(Role::Volunteer);
    let s = &f.store;
    let new = NewReport {
        location: None,
        address_code: A501.into(),
        address_text: None,
        text: "邻居深夜装修噪音".into(),
        photos: vec![],
        category: Some("dispute.neighbor".into()),
    };
    let id = s.file_report(&new).unwrap();
    let r = s
        .reports()
        .unwrap()
        .into_iter()
        .find(|r| r.id == id)
        .unwrap();
    assert_eq!(r.category.as_deref(), Some("dispute.neighbor"));
    assert!(matches!(&outbox(s).last().unwrap().op,
        Op::ReportCreate { report } if report.category.as_deref() == Some("dispute.neighbor")));
    // Without one, none.
    let plain = s
        .file_report(&NewReport {
            category: None,
            ..new.clone()
        })
        .unwrap();
    let p = s
        .reports()
        .unwrap()
        .into_iter()
        .find(|r| r.id == plain)
        .unwrap();
    assert_eq!(p.category, None);

    let before = snapshot(s);
    let e = err(s.file_report(&NewReport {
        category: Some("no.such".into()),
        ..new
    }));
    assert!(matches!(e, Error::Invalid { .. }), "{e:?}");
    assert_eq!(snapshot(s), before);
}
