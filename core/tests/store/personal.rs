//! Personal identifiers on the device: checked where entered (the Chinese
//! message says why), shown masked by default, revealed one value at a time
//! with an audit row that never holds the value.

use gridfield_core::model::{EntityKind, Role};
use gridfield_core::{Error, Lang};
use serde_json::json;

use super::common::*;

const ID: &str = "11010519491231002X";
const PHONE: &str = "13900000001";

#[test]
fn identifiers_are_masked_until_revealed_and_each_reveal_is_audited() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    let hh = s
        .put_entity(
            EntityKind::Household,
            None,
            Some(A501),
            &fields(&[("head_name", json!("王秀英")), ("phone", json!(PHONE))]),
        )
        .unwrap();
    let p = s
        .put_entity(
            EntityKind::Person,
            None,
            Some(A501),
            &fields(&[
                ("name", json!("王秀英")),
                ("id_number", json!(ID)),
                ("phone", json!(PHONE)),
            ]),
        )
        .unwrap();

    // Shown masked: one entity, and everything at the address.
    let person = s.entity(EntityKind::Person, &p).unwrap().unwrap();
    assert_eq!(person.fields["id_number"], json!("1101**********002X"));
    assert_eq!(person.fields["phone"], json!("139****0001"));
    assert_eq!(person.fields["name"], json!("王秀英"));
    let view = s.address_view(A501).unwrap();
    let shown = serde_json::to_string(&view).unwrap();
    assert!(!shown.contains(ID) && !shown.contains(PHONE), "{shown}");
    assert!(shown.contains("139****0001"), "{shown}");

    // Revealed one value at a time, each with an audit row naming the field only.
    let before = s.audit_len().unwrap();
    assert_eq!(
        s.reveal_field(EntityKind::Person, &p, "id_number").unwrap(),
        Some(ID.to_string())
    );
    assert_eq!(
        s.reveal_field(EntityKind::Household, &hh, "phone").unwrap(),
        Some(PHONE.to_string())
    );
    assert_eq!(
        s.reveal_field(EntityKind::Household, &hh, "members")
            .unwrap(),
        None
    );
    assert_eq!(s.audit_len().unwrap(), before + 3);
    let rows: Vec<(String, String, String, String, String)> = s
        .read(|c| {
            let mut st = c.prepare(
                "SELECT actor, action, entity, entity_id, detail FROM audit_log
                 WHERE action = 'reveal' ORDER BY id",
            )?;
            let rows = st.query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[0],
        (
            identity(Role::Worker).user,
            "reveal".to_string(),
            "person".to_string(),
            p.clone(),
            json!({"field": "id_number"}).to_string()
        )
    );
    assert!(
        rows.iter()
            .all(|r| !r.4.contains(ID) && !r.4.contains(PHONE))
    );
    // Each reveal is also queued for the server's audit trail (the field, never
    // the value).
    assert_eq!(s.outbox_len().unwrap(), 2 + 3);
    let queued = s.outbox(100).unwrap();
    let reveals: Vec<_> = queued
        .iter()
        .filter(|o| o.op.type_name() == "personal_data_revealed")
        .collect();
    assert_eq!(reveals.len(), 3);
    assert!(
        reveals
            .iter()
            .all(|o| !serde_json::to_string(&o.op).unwrap().contains(ID))
    );

    // Unknown field or entity: a clear error, no audit row.
    let e = err(s.reveal_field(EntityKind::Person, &p, "shoe_size"));
    assert!(matches!(e, Error::Invalid { .. }), "{e:?}");
    let e = err(s.reveal_field(EntityKind::Person, "nobody", "id_number"));
    assert_eq!(e.code(), "not_found");
    assert_eq!(s.audit_len().unwrap(), before + 3);
}

#[test]
fn a_volunteer_cannot_reveal() {
    let f = fixture_store(Role::Volunteer);
    super::volunteers::insert_synced_entities(&f.store);
    let before = f.store.audit_len().unwrap();
    for (kind, id, field) in [
        (EntityKind::Person, "p1", "id_number"),
        (EntityKind::Business, "b1", "name"),
    ] {
        let e = err(f.store.reveal_field(kind, id, field));
        assert_eq!(e.code(), "not_permitted", "{e:?}");
        assert!(
            e.message(Lang::Zh).contains("无权"),
            "{}",
            e.message(Lang::Zh)
        );
    }
    assert_eq!(f.store.audit_len().unwrap(), before);
}

#[test]
fn bad_identifiers_are_refused_in_chinese_and_nothing_is_written() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    let audit = s.audit_len().unwrap();
    for (field, value, words) in [
        ("id_number", "110105194912310021", "身份证号"),
        ("id_number", "1101051949", "校验码"),
        ("phone", "1390000", "电话号码"),
    ] {
        let e = err(s.put_entity(
            EntityKind::Person,
            None,
            Some(A501),
            &fields(&[("name", json!("李四")), (field, json!(value))]),
        ));
        assert_eq!(e.code(), "invalid", "{e:?}");
        let zh = e.message(Lang::Zh);
        assert!(zh.contains(words), "{zh}");
        assert!(
            !zh.contains(value),
            "the message never repeats the value: {zh}"
        );
        let en = e.message(Lang::En);
        assert!(en.contains("not a valid"), "{en}");
    }
    assert_eq!(s.outbox_len().unwrap(), 0);
    assert_eq!(s.audit_len().unwrap(), audit);
}
