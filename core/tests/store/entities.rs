//! Entity edits: only changed fields queued, bad values refused with nothing
//! written, dates stored only in canonical form.

use gridfield_core::model::{EntityKind, Role};
use gridfield_core::records::{Op, OutboxEntry};
use gridfield_core::{Error, Store};
use serde_json::{Map, Value, json};

use super::common::*;

pub(crate) fn last_upsert(s: &Store) -> (OutboxEntry, Map<String, Value>) {
    let e = outbox(s).pop().unwrap();
    match &e.op {
        Op::EntityUpsert { fields, .. } => {
            let f = fields.clone();
            (e, f)
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn edits_queue_only_changed_fields() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    let created = fields(&[
        ("head_name", json!("王秀英")),
        ("phone", json!("13812345678")),
        ("members", json!(3)),
        ("residency", json!("registered")),
    ]);
    let id = s
        .put_entity(EntityKind::Household, None, Some(A501), &created)
        .unwrap();
    let (e, queued) = last_upsert(s);
    assert_eq!(
        (e.entity.as_str(), e.entity_id.as_str()),
        ("household", id.as_str())
    );
    assert!(
        matches!(&e.op, Op::EntityUpsert { kind: EntityKind::Household, address_code, .. } if address_code == A501)
    );
    assert_eq!(queued, created);
    assert_eq!(s.outbox_len().unwrap(), 1);

    // Same head_name, members as the text "3" (normalised to the same number), new phone.
    f.clock.advance(MINUTE);
    let upd = fields(&[
        ("head_name", json!("王秀英")),
        ("members", json!("3")),
        ("phone", json!("13900001111")),
    ]);
    assert_eq!(
        s.put_entity(EntityKind::Household, Some(&id), None, &upd)
            .unwrap(),
        id
    );
    let (_, queued) = last_upsert(s);
    assert_eq!(queued, fields(&[("phone", json!("13900001111"))]));
    assert_eq!(s.outbox_len().unwrap(), 2);
    let now = s.entity(EntityKind::Household, &id).unwrap().unwrap();
    assert_eq!(now.fields["phone"], json!("139****1111"), "shown masked");
    assert_eq!(
        s.reveal_field(EntityKind::Household, &id, "phone").unwrap(),
        Some("13900001111".into())
    );
    assert_eq!(now.fields["members"], json!(3));
    assert_eq!(now.fields["head_name"], json!("王秀英"));
    assert_eq!(now.updated_at, T0 + MINUTE);

    // Putting what is already there queues nothing and writes nothing.
    let before = snapshot(s);
    s.put_entity(EntityKind::Household, Some(&id), Some(A501), &upd)
        .unwrap();
    s.put_entity(
        EntityKind::Household,
        Some(&id),
        None,
        &fields(&[("note", Value::Null)]),
    )
    .unwrap();
    s.put_entity(EntityKind::Household, Some(&id), None, &Map::new())
        .unwrap();
    assert_eq!(snapshot(s), before);

    // Clearing a field is a change, queued as null.
    s.put_entity(
        EntityKind::Household,
        Some(&id),
        None,
        &fields(&[("phone", Value::Null)]),
    )
    .unwrap();
    let (_, queued) = last_upsert(s);
    assert_eq!(queued, fields(&[("phone", Value::Null)]));
    assert!(
        !s.entity(EntityKind::Household, &id)
            .unwrap()
            .unwrap()
            .fields
            .contains_key("phone")
    );

    // A reference to an entity that exists is accepted.
    let p = s
        .put_entity(
            EntityKind::Person,
            None,
            Some(A501),
            &fields(&[("household_id", json!(id)), ("name", json!("李小明"))]),
        )
        .unwrap();
    assert_eq!(
        s.entity(EntityKind::Person, &p).unwrap().unwrap().fields["household_id"],
        json!(id)
    );
}

#[test]
fn bad_entity_values_are_refused_with_nothing_written() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    let id = s
        .put_entity(
            EntityKind::Household,
            None,
            Some(A501),
            &fields(&[("members", json!(2))]),
        )
        .unwrap();
    let before = snapshot(s);

    let cases: Vec<(&str, Value)> = vec![
        ("members", json!("abc")),
        ("members", json!(-1)),
        ("members", json!(100_001)),
        ("members", json!(2.5)),
        ("members", json!(true)),
        ("residency", json!("alien")),
        ("residency", json!(1)),
        ("moved_in", json!("2024-13-40")),
        ("moved_in", json!("2024-02-30")),
        ("moved_in", json!("2024/01/05")),
        ("head_name", json!("长".repeat(65))),
        ("head_name", json!(12345)),
        ("favourite_colour", json!("red")),
    ];
    for (name, value) in &cases {
        let bad = fields(&[(name, value.clone())]);
        // Both on create and on update, even alongside a good field.
        let mut mixed = bad.clone();
        mixed.insert("phone".into(), json!("13800000000"));
        for r in [
            s.put_entity(EntityKind::Household, None, Some(A501), &bad),
            s.put_entity(EntityKind::Household, Some(&id), None, &bad),
            s.put_entity(EntityKind::Household, Some(&id), None, &mixed),
        ] {
            let e = err(r);
            assert!(
                matches!(&e, Error::Invalid { field, .. } if field == name),
                "{name}={value}: {e:?}"
            );
        }
    }
    assert_eq!(snapshot(s), before);
    // The boundary values themselves are fine.
    s.put_entity(
        EntityKind::Household,
        Some(&id),
        None,
        &fields(&[("members", json!(0)), ("moved_in", json!("2024-02-29"))]),
    )
    .unwrap();
    let before = snapshot(s);

    // Where and what: outside the grid, nowhere, moving, missing ids.
    let ok = fields(&[("members", json!(4))]);
    let e = err(s.put_entity(EntityKind::Household, None, Some(OUT_OF_SCOPE), &ok));
    assert!(matches!(e, Error::NotPermitted(_)), "{e:?}");
    assert!(matches!(
        err(s.put_entity(EntityKind::Household, None, Some("no-such-address"), &ok)),
        Error::NotFound {
            what: "address",
            ..
        }
    ));
    assert!(matches!(
        err(s.put_entity(EntityKind::Household, None, None, &ok)),
        Error::Invalid { .. }
    ));
    assert!(matches!(
        err(s.put_entity(EntityKind::Household, Some(&id), Some(A502), &ok)),
        Error::Invalid { .. }
    ));
    assert!(matches!(
        err(s.put_entity(EntityKind::Household, Some("no-such-id"), None, &ok)),
        Error::NotFound { .. }
    ));
    let dangling = fields(&[("household_id", json!("no-such-household"))]);
    assert!(matches!(
        err(s.put_entity(EntityKind::Person, None, Some(A501), &dangling)),
        Error::NotFound {
            what: "household",
            ..
        }
    ));
    assert_eq!(snapshot(s), before);
}

/// Dates are declared `YYYY-MM-DD` and compared as text (moved_in/moved_out), so
/// only the canonical zero-padded form may be stored.
#[test]
fn dates_are_stored_only_in_canonical_form() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    let before = snapshot(s);
    let accepted: Vec<&str> = [
        "2024-1-5",
        "24-01-05",
        "2024-01-05 ",
        "+2024-01-05",
        "02024-01-05",
    ]
    .into_iter()
    .filter(|d| {
        s.put_entity(
            EntityKind::Household,
            None,
            Some(A501),
            &fields(&[("moved_in", json!(d))]),
        )
        .is_ok()
    })
    .collect();
    assert!(
        accepted.is_empty(),
        "non-canonical dates accepted: {accepted:?}"
    );
    assert_eq!(snapshot(s), before);
}
